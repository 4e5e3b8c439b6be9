//! The used-by flow on the zero-setup default, through the real binaries:
//! in a temporary copy of this workspace with no `DATABASE_URL`, the app
//! creates `data/remediation.db` and migrates it; an entity gains a column,
//! `autogen -m` writes a portable migration, the app applies it, and the
//! next generate finds nothing; then the column becomes NOT NULL with a
//! default on a populated table, which SQLite can only do by rebuilding the
//! table: every row keeps every value, and the fixpoint holds again.
//!
//! One test on purpose: each step that changes the workspace rebuilds it
//! (incrementally, in the shared target directory) and costs about a minute.
//! Like a user, it builds and runs the binaries with `cargo run` (under
//! names of their own, see [`rename_bin`]).

use crate::cli_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use tests::changes::connect_case;
use tests::support::block_on;

/// Give `krate`'s binary a name of its own in the copy: the copy shares the
/// target directory, where a plain build of any other workspace (the
/// original, the acceptance scripts' copies) would otherwise replace
/// `debug/app` or `debug/autogen` between this build and this run.
fn rename_bin(root: &Path, krate: &str, bin: &str) {
    let manifest = root.join(krate).join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read manifest");
    let key = "[[bin]]\nname = \"";
    let text = match text.find(key) {
        Some(at) => {
            let start = at + key.len();
            let end = start + text[start..].find('"').expect("bin name");
            format!("{}{bin}{}", &text[..start], &text[end..])
        }
        None => {
            let at = text.find("\n[dependencies]").expect("[dependencies]");
            format!(
                "{}\n[[bin]]\nname = \"{bin}\"\npath = \"src/main.rs\"\n{}",
                &text[..at],
                &text[at..]
            )
        }
    };
    std::fs::write(&manifest, text).expect("write manifest");
}

struct Workspace {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Workspace {
    fn copy() -> Self {
        let dir = cli_common::copy_workspace();
        let root = dir.path().to_path_buf();
        rename_bin(&root, "app", "app-e2e-sqlite");
        rename_bin(&root, "autogen", "autogen-e2e-sqlite");
        Self { _dir: dir, root }
    }

    /// `cargo run -q -p <package> --bin <package>-e2e-sqlite -- <args>` in
    /// the copy, with no `DATABASE_URL`: the SQLite default.
    fn run(&self, package: &str, args: &[&str]) -> String {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let bin = format!("{package}-e2e-sqlite");
        let out: Output = Command::new(cargo)
            .current_dir(&self.root)
            .args(["run", "-q", "-p", package, "--bin", &bin, "--"])
            .args(args)
            .env("CARGO_TARGET_DIR", cli_common::copies_target_dir())
            .env_remove("DATABASE_URL")
            .env("AUTOGEN_CACHE_DIR", tests::support::test_cache_dir())
            .env("NO_COLOR", "1")
            .output()
            .expect("run cargo");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "`{package} {}` failed ({}):\n{text}",
            args.join(" "),
            out.status
        );
        assert!(
            !text.contains("database is locked"),
            "`{package} {}` saw SQLITE_BUSY:\n{text}",
            args.join(" ")
        );
        text
    }

    fn generate(&self, message: &str) -> String {
        self.run("autogen", &["-m", message])
    }

    /// `-m` for a change that rebuilds a populated table (the data-loss gate
    /// asks for the flag).
    fn generate_accepting_loss(&self, message: &str) -> String {
        self.run("autogen", &["-m", message, "--accept-data-loss"])
    }

    fn migrate(&self) -> String {
        self.run("app", &["--migrate-only"])
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.root.join(file);
        let text = std::fs::read_to_string(&path).expect("read source");
        assert!(text.contains(from), "{file} has no `{from}`");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write source");
    }

    /// The generated migration whose file name contains `slug`.
    fn migration(&self, slug: &str) -> String {
        let dir = self.root.join("migration/src");
        let file = std::fs::read_dir(&dir)
            .expect("migration dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.contains(slug))
            })
            .unwrap_or_else(|| panic!("no migration named after {slug}"));
        std::fs::read_to_string(file).expect("read migration")
    }

    fn database_url(&self) -> String {
        format!(
            "sqlite://{}",
            self.root.join("data/remediation.db").display()
        )
    }

    fn query(&self, sql: &str) -> String {
        let url = self.database_url();
        block_on(async {
            let db = connect_case(&url).await;
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .expect("one row");
            let value = row
                .try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            let _ = db.close().await;
            value
        })
    }

    fn execute(&self, sql: &str) {
        let url = self.database_url();
        block_on(async {
            let db = connect_case(&url).await;
            db.execute_unprepared(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            let _ = db.close().await;
        })
    }
}

const ROWS: &str = "SELECT group_concat(v, ' | ') FROM (SELECT quote(id) || ',' || quote(name) || ',' || quote(description) || ',' || quote(category) || ',' || quote(enabled) || ',' || quote(created_at) || ',' || quote(updated_at) || ',' || quote(tags) || ',' || quote(new_field) AS v FROM runbooks ORDER BY id)";

#[test]
fn used_by_flow_on_the_sqlite_default_with_a_rebuild() {
    let ws = Workspace::copy();

    ws.migrate();
    assert!(
        ws.root.join("data/remediation.db").exists(),
        "no DATABASE_URL: the app creates data/remediation.db"
    );
    let out = ws.generate("baseline");
    assert!(
        out.contains("No changes detected"),
        "false positives at head:\n{out}"
    );

    // A nullable column: a plain ALTER TABLE ADD COLUMN, portable.
    ws.edit(
        "entity/src/runbook.rs",
        "pub struct Model {\n",
        "pub struct Model {\n    #[sea_orm(column_type = \"String(StringLen::N(100))\", nullable)]\n    pub new_field: Option<String>,\n",
    );
    let out = ws.generate("add new_field");
    assert!(
        out.contains("Detected added column 'runbooks.new_field'"),
        "{out}"
    );
    let file = ws.migration("add_new_field");
    assert!(
        file.contains(".add_column(ColumnDef::new(\"new_field\").string_len(100))"),
        "{file}"
    );
    assert!(
        !file.contains("DbBackend"),
        "a portable change has no backend check:\n{file}"
    );
    let out = ws.migrate();
    assert!(out.contains("add_new_field"), "{out}");
    let out = ws.generate("again");
    assert!(out.contains("No changes detected"), "no fixpoint:\n{out}");

    // Rows (the last one deleted, so the AUTOINCREMENT counter is above the
    // highest id), then NOT NULL with a default: SQLite rebuilds the table.
    ws.execute(
        "INSERT INTO runbooks (name, description, category, enabled, created_at, updated_at, tags, new_field) VALUES \
         ('restart', 'Restart the service', 'ops', TRUE, '2026-01-01 10:00:00+00:00', '2026-01-02 10:00:00+00:00', '[\"a\"]', 'x'), \
         ('it''s', NULL, 'db', FALSE, '2026-01-03 10:00:00+00:00', '2026-01-04 10:00:00+00:00', '{\"k\": 1}', 'y'); \
         INSERT INTO runbooks (name, category, new_field) VALUES ('defaults', 'misc', 'x'), ('deleted', 'misc', 'z'); \
         DELETE FROM runbooks WHERE name = 'deleted'; \
         INSERT INTO runbook_steps (runbook_id, position, name, command, on_failure) VALUES (1, 1, 'stop', 'systemctl stop x', 'abort')",
    );
    let rows = ws.query(ROWS);
    let sequence = ws.query("SELECT seq FROM sqlite_sequence WHERE name = 'runbooks'");
    assert_eq!(ws.query("SELECT count(*) FROM runbook_steps"), "1");
    ws.edit(
        "entity/src/runbook.rs",
        "#[sea_orm(column_type = \"String(StringLen::N(100))\", nullable)]\n    pub new_field: Option<String>,",
        "#[sea_orm(column_type = \"String(StringLen::N(100))\", default_value = \"x\")]\n    pub new_field: String,",
    );
    let out = ws.generate_accepting_loss("new_field not null");
    assert!(out.contains("now NOT NULL"), "{out}");
    let file = ws.migration("new_field_not_null");
    assert!(
        file.contains("autogen_runtime::sqlite::rebuild_table_keeping(")
            && file.contains("// SQLite only."),
        "the NOT NULL change is a rebuild, marked SQLite only:\n{file}"
    );
    ws.migrate();
    assert_eq!(ws.query(ROWS), rows, "the rebuild kept every row and value");
    assert_eq!(
        ws.query("SELECT seq FROM sqlite_sequence WHERE name = 'runbooks'"),
        sequence,
        "the AUTOINCREMENT counter survives the rebuild"
    );
    assert_eq!(
        ws.query("SELECT \"notnull\" || ':' || dflt_value FROM pragma_table_info('runbooks') WHERE name = 'new_field'"),
        "1:'x'"
    );
    // The children still reference the rebuilt parent: ON DELETE CASCADE
    // reaches them.
    assert_eq!(
        ws.query("SELECT count(*) FROM pragma_foreign_key_check"),
        "0"
    );
    ws.execute("DELETE FROM runbooks WHERE id = 1");
    assert_eq!(ws.query("SELECT count(*) FROM runbook_steps"), "0");
    let out = ws.generate("again2");
    assert!(
        out.contains("No changes detected"),
        "no fixpoint after the rebuild:\n{out}"
    );
}
