use super::*;

#[test]
fn password_never_survives_redaction() {
    let r = redact("postgres://alice:s3cret@db.example:5432/prod");
    assert!(!r.contains("s3cret"), "{r}");
    assert!(r.contains("alice"));
    assert!(r.contains("db.example"));
}

#[test]
fn schemes_map_to_backends() {
    for (url, backend) in [
        ("postgres://u@h/db", Backend::Postgres),
        ("postgresql://u@h/db", Backend::Postgres),
        ("sqlite://data/x.db", Backend::Sqlite),
        ("sqlite::memory:", Backend::Sqlite),
        ("mysql://root@h/db", Backend::MySql),
    ] {
        let parsed = DatabaseUrl::parse(url, "test").unwrap();
        assert_eq!(parsed.backend(), backend, "{url}");
    }
}

#[test]
fn bad_urls_get_one_sentence() {
    let e = DatabaseUrl::parse("oracle://x@h/db", "test").unwrap_err();
    assert!(e.to_string().contains("unsupported scheme `oracle`"));
    let e = DatabaseUrl::parse("not a url", "test").unwrap_err();
    assert!(e.to_string().contains("not a valid URL"));
    let e = DatabaseUrl::parse("postgres://", "test").unwrap_err();
    assert!(e.to_string().contains("not a valid URL"));
}

#[test]
fn a_mysql_url_without_a_database_is_refused_in_one_sentence() {
    for url in [
        "mysql://root@127.0.0.1:3306",
        "mysql://root:pw@h:3306/",
        "mariadb://root@h",
    ] {
        let e = DatabaseUrl::parse(url, "test").unwrap_err().to_string();
        assert!(e.contains("names no database"), "{url}: {e}");
        assert!(!e.contains("pw"), "{e}");
    }
    assert!(DatabaseUrl::parse("mysql://root@h:3306/app", "test").is_ok());
}

#[test]
fn server_addresses_fill_in_default_ports() {
    let addr = |u: &str| DatabaseUrl::parse(u, "test").unwrap().server_address();
    assert_eq!(addr("postgres://u@db:6543/x"), Some(("db".into(), 6543)));
    assert_eq!(addr("postgres://u@db/x"), Some(("db".into(), 5432)));
    assert_eq!(addr("mysql://u@[::1]/x"), Some(("::1".into(), 3306)));
    assert_eq!(addr("sqlite://data/x.db"), None);
}

#[test]
fn loopback_postgres_skips_tls_unless_asked() {
    let u = DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/db", "test").unwrap();
    assert_eq!(
        u.expose(),
        "postgres://postgres@127.0.0.1:5432/db?sslmode=disable"
    );
    let u = DatabaseUrl::parse("postgres://postgres@localhost/db?sslmode=require", "test").unwrap();
    assert_eq!(
        u.expose(),
        "postgres://postgres@localhost/db?sslmode=require"
    );
    let u = DatabaseUrl::parse("postgres://postgres@db.internal/db", "test").unwrap();
    assert_eq!(u.expose(), "postgres://postgres@db.internal/db");
}

#[test]
fn sqlite_files_are_created_on_first_use() {
    let u = DatabaseUrl::parse("sqlite://data/x.db", "test").unwrap();
    assert_eq!(u.expose(), "sqlite://data/x.db?mode=rwc");
    assert_eq!(u.sqlite_path(), Some(PathBuf::from("data/x.db")));
}

#[test]
fn every_sqlite_url_form_names_its_file() {
    for (url, path) in [
        ("sqlite:data/x.db", Some("data/x.db")),
        ("sqlite:data/x.db?mode=rwc", Some("data/x.db")),
        ("sqlite://data/x.db", Some("data/x.db")),
        ("sqlite://data/x.db?mode=rw&cache=shared", Some("data/x.db")),
        ("sqlite:///abs/x.db", Some("/abs/x.db")),
        ("sqlite:/abs/x.db?mode=rwc", Some("/abs/x.db")),
        ("sqlite://data/a%3Fb.db", Some("data/a?b.db")),
        ("sqlite::memory:", None),
        ("sqlite://:memory:", None),
        ("sqlite://?mode=memory", None),
        ("sqlite://data/x.db?mode=memory", None),
    ] {
        let u = DatabaseUrl::parse(url, "test").unwrap();
        assert_eq!(u.sqlite_path(), path.map(PathBuf::from), "{url}");
    }
}

#[test]
fn waits_beyond_the_maximum_are_refused_in_one_sentence() {
    assert_eq!(
        wait_secs("--lock-timeout", 60).ok(),
        Some(Duration::from_secs(60))
    );
    assert!(wait_secs("--lock-timeout", MAX_WAIT.as_secs()).is_ok());
    let e = wait_secs("--lock-timeout", u64::MAX)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("--lock-timeout is 18446744073709551615 seconds"),
        "{e}"
    );
}
