use super::*;

fn v(table: &str, rowid: i64, parent: &str) -> Violation {
    Violation {
        table: table.into(),
        rowid: Some(rowid),
        parent: parent.into(),
    }
}

#[test]
fn only_violations_the_migration_made_count() {
    let old = vec![v("a_child", 1, "a")];
    // Nothing new: the old dangling row is not the migration's doing.
    assert!(new_violations(&old, old.clone()).is_empty());
    // A rebuilt table renumbered its rows: as many violations as before.
    assert!(new_violations(&old, vec![v("a_child", 7, "a")]).is_empty());
    // A new one is reported, the old one is not.
    let new = new_violations(&old, vec![v("a_child", 1, "a"), v("b_child", 3, "b")]);
    assert_eq!(new, vec![v("b_child", 3, "b")]);
    assert_eq!(describe_violations(&new), "b_child (rowid 3) -> b");
    let many: Vec<_> = (1..=7).map(|i| v("c", i, "p")).collect();
    assert_eq!(
        describe_violations(&many),
        "c (rowid 1, 2, 3, 4, 5, ...) -> p"
    );
}

#[test]
fn keywords_skip_quoted_text_and_comments() {
    let sql = r#"CREATE TABLE "t" ( "autoincrement" text DEFAULT 'AUTOINCREMENT', -- AUTOINCREMENT
            [check] integer /* CHECK */, "a" integer CHECK (a > ')'), CHECK ((a + 1) < 10) )"#;
    assert!(!has_keyword(sql, "AUTOINCREMENT"));
    assert_eq!(check_constraints(sql), ["a > ')'", "(a + 1) < 10"]);
    assert!(has_keyword(
        "CREATE TABLE t (id integer PRIMARY KEY autoincrement)",
        "AUTOINCREMENT"
    ));
}
