//! Every change kind autogenerate detects that MySQL/MariaDB has, proved on
//! MariaDB: detected as expected, applied through the library's apply path,
//! fixpoint after up, exact restore after down, same schema after up again;
//! rows given with `with_rows` keep every value throughout.
//!
//! The SQL is written as sea-query writes it for MySQL (`int NOT NULL
//! AUTO_INCREMENT PRIMARY KEY`, `bool`, `varchar(n)`, `timestamp`, `json`,
//! inline `ENUM(..)`), because both sides of a real comparison are.
//! MariaDB is expected at `mysql://root@127.0.0.1:3306` (`TEST_MYSQL_URL`
//! overrides it); each case makes and drops two databases of its own.

use tests::changes::{Case, Registered, prove_mysql};

const RUNBOOKS: &str = "CREATE TABLE runbooks (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(255) NOT NULL UNIQUE, category varchar(100) NOT NULL, enabled bool NOT NULL DEFAULT TRUE);";

fn with(extra: &str) -> String {
    format!("{RUNBOOKS}\n{extra}")
}

/// `runbooks` with one more column definition at the end.
fn runbooks_plus(column: &str) -> String {
    RUNBOOKS.replace(");", &format!(", {column});"))
}

const RUNBOOK_ROWS: &str = "INSERT INTO runbooks (name, category, enabled) VALUES ('a', 'c1', TRUE), ('b', 'c2', FALSE), ('it''s', 'c3', TRUE)";
const RUNBOOK_VALUES: &str = "SELECT group_concat(concat_ws(',', id, name, category, enabled) ORDER BY id SEPARATOR '|') FROM runbooks";

macro_rules! case {
    ($($case:tt)*) => { change_case!(MySql, prove_mysql, $($case)*); };
}

/// The rendered file of every case above compiles, as a module of one
/// scratch crate (one `cargo check` for all).
#[test]
fn rendered_files_of_every_case_compile() {
    tests::changes::prove_rendered_files_compile(seaorm_autogen::config::Backend::MySql);
}

/// The rendered file of every case above is byte for byte its committed
/// snapshot (`tests/snapshots/rendered/`; `AUTOGEN_BLESS=1` rewrites them).
#[test]
fn rendered_files_of_every_case_match_their_snapshots() {
    tests::changes::prove_rendered_files_match_snapshots(seaorm_autogen::config::Backend::MySql);
}

// Tables
case!(
    table_added,
    RUNBOOKS,
    with("CREATE TABLE tags (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, label text NOT NULL);"),
    ["create_table"]
);
case!(
    table_dropped,
    with("CREATE TABLE tags (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, label text NOT NULL);"),
    RUNBOOKS,
    ["drop_table"]
);
case!(
    table_added_with_fk_in_order,
    "",
    "CREATE TABLE a (id int NOT NULL AUTO_INCREMENT PRIMARY KEY); CREATE TABLE b (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, a_id int NOT NULL, CONSTRAINT `fk-b-a_id` FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE CASCADE);",
    ["create_table", "create_table"]
);
case!(
    table_renamed,
    with("CREATE TABLE tag (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, label text NOT NULL);"),
    with("CREATE TABLE tags (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, label text NOT NULL);"),
    ["rename_table"],
    rename_table("tag", "tags")
);

// The employees sample: a key column's type changes in the parent and the
// child; InnoDB refuses it while the key is there (1833), so the key is
// dropped around it, under the database's name, and its rows stay.
case!(
    foreign_key_column_type_changed,
    "CREATE TABLE departments (dept_no char(4) NOT NULL PRIMARY KEY); CREATE TABLE dept_emp (emp_no int NOT NULL, dept_no char(4) NOT NULL, PRIMARY KEY (emp_no, dept_no), KEY dept_no (dept_no), CONSTRAINT dept_emp_ibfk_2 FOREIGN KEY (dept_no) REFERENCES departments (dept_no) ON DELETE CASCADE);",
    "CREATE TABLE departments (dept_no varchar(8) NOT NULL PRIMARY KEY); CREATE TABLE dept_emp (emp_no int NOT NULL, dept_no varchar(8) NOT NULL, PRIMARY KEY (emp_no, dept_no), KEY dept_no (dept_no), CONSTRAINT `fk-dept_emp-dept_no` FOREIGN KEY (dept_no) REFERENCES departments (dept_no) ON DELETE CASCADE);",
    ["alter_column", "alter_column"],
    with_rows(
        "INSERT INTO departments VALUES ('d001'), ('d002'); INSERT INTO dept_emp VALUES (1, 'd001'), (2, 'd002')",
        "SELECT group_concat(concat_ws(',', emp_no, dept_no) ORDER BY emp_no SEPARATOR '|') FROM dept_emp"
    )
);

// Columns
case!(
    column_added_nullable,
    RUNBOOKS,
    runbooks_plus("new_field varchar(100)"),
    ["add_column"],
    with_rows(RUNBOOK_ROWS, RUNBOOK_VALUES)
);
case!(
    column_added_not_null_with_default,
    RUNBOOKS,
    runbooks_plus("timeout int NOT NULL DEFAULT 300"),
    ["add_column"],
    with_rows(RUNBOOK_ROWS, RUNBOOK_VALUES)
);
case!(
    column_added_not_null_without_default,
    RUNBOOKS,
    runbooks_plus("owner varchar(64) NOT NULL"),
    ["add_column"]
);
case!(
    column_dropped,
    runbooks_plus("legacy text"),
    RUNBOOKS,
    ["drop_column"]
);
case!(
    not_null_column_without_default_dropped_with_rows,
    runbooks_plus("owner varchar(64) NOT NULL"),
    RUNBOOKS,
    ["drop_column"],
    with_rows(
        "INSERT INTO runbooks (name, category, owner) VALUES ('a', 'c', 'o1'), ('b', 'c', 'o2')",
        "SELECT count(*) FROM runbooks"
    )
);
case!(
    column_renamed,
    RUNBOOKS,
    "CREATE TABLE runbooks (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, title varchar(255) NOT NULL UNIQUE, category varchar(100) NOT NULL, enabled bool NOT NULL DEFAULT TRUE);",
    ["rename_column"],
    rename_column("runbooks", "name", "title"),
    with_rows(
        RUNBOOK_ROWS,
        "SELECT group_concat(concat_ws(',', id, category, enabled) ORDER BY id) FROM runbooks"
    )
);
case!(
    reserved_word_column_added,
    RUNBOOKS,
    runbooks_plus("`order` int NOT NULL DEFAULT 0, `trigger` varchar(20)"),
    ["add_column", "add_column"]
);

case!(
    column_added_next_to_a_check_constraint,
    runbooks_plus("retries int NOT NULL DEFAULT 0 CHECK (retries >= 0)"),
    runbooks_plus("retries int NOT NULL DEFAULT 0 CHECK (retries >= 0), owner varchar(64)"),
    ["add_column"]
);

// Types: MODIFY COLUMN restates the whole column
case!(
    type_varchar_longer,
    RUNBOOKS,
    RUNBOOKS.replace("category varchar(100)", "category varchar(150)"),
    ["alter_column"],
    with_rows(RUNBOOK_ROWS, RUNBOOK_VALUES)
);
case!(
    type_varchar_shorter,
    RUNBOOKS,
    RUNBOOKS.replace("category varchar(100)", "category varchar(50)"),
    ["alter_column"],
    with_rows(RUNBOOK_ROWS, RUNBOOK_VALUES)
);
case!(
    type_int_to_bigint,
    runbooks_plus("hits int NOT NULL DEFAULT 0"),
    runbooks_plus("hits bigint NOT NULL DEFAULT 0"),
    ["alter_column"],
    with_rows(RUNBOOK_ROWS, RUNBOOK_VALUES)
);
case!(
    type_int_to_unsigned,
    runbooks_plus("hits int NOT NULL DEFAULT 0"),
    runbooks_plus("hits int unsigned NOT NULL DEFAULT 0"),
    ["alter_column"],
    with_rows(RUNBOOK_ROWS, RUNBOOK_VALUES)
);
case!(
    type_text_to_varchar,
    runbooks_plus("notes text"),
    runbooks_plus("notes varchar(200)"),
    ["alter_column"]
);
case!(
    type_varchar_to_text,
    runbooks_plus("notes varchar(200)"),
    runbooks_plus("notes text"),
    ["alter_column"]
);
case!(
    type_datetime_to_timestamp,
    runbooks_plus("seen_at datetime"),
    runbooks_plus("seen_at timestamp NULL"),
    ["alter_column"]
);
case!(
    type_text_to_json,
    runbooks_plus("labels text"),
    runbooks_plus("labels json"),
    ["alter_column"]
);
case!(
    modify_keeps_comment_default_and_on_update,
    runbooks_plus(
        "touched_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT 'last touch', label varchar(20) NOT NULL DEFAULT 'x' COMMENT 'shown'"
    ),
    runbooks_plus(
        "touched_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP COMMENT 'last touch', label varchar(40) NOT NULL DEFAULT 'x' COMMENT 'shown'"
    ),
    ["alter_column"],
    with_rows(RUNBOOK_ROWS, RUNBOOK_VALUES)
);
case!(
    on_update_added,
    runbooks_plus("touched_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP"),
    runbooks_plus(
        "touched_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"
    ),
    ["alter_column"]
);
case!(
    auto_increment_kept_by_modify,
    "CREATE TABLE h (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, v varchar(10));",
    "CREATE TABLE h (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, v varchar(10));",
    ["alter_column"],
    with_rows(
        "INSERT INTO h (v) VALUES ('a'), ('b')",
        "SELECT group_concat(concat_ws(',', id, v) ORDER BY id) FROM h"
    )
);

// Nullability and defaults
case!(
    nullable_to_not_null,
    runbooks_plus("owner varchar(64)"),
    runbooks_plus("owner varchar(64) NOT NULL"),
    ["alter_column"]
);
case!(
    not_null_to_nullable,
    runbooks_plus("owner varchar(64) NOT NULL"),
    runbooks_plus("owner varchar(64)"),
    ["alter_column"]
);
case!(
    default_added,
    runbooks_plus("timezone varchar(64) NOT NULL"),
    runbooks_plus("timezone varchar(64) NOT NULL DEFAULT 'UTC'"),
    ["alter_column"]
);
case!(
    default_removed,
    runbooks_plus("timezone varchar(64) NOT NULL DEFAULT 'UTC'"),
    runbooks_plus("timezone varchar(64) NOT NULL"),
    ["alter_column"]
);
case!(
    default_changed,
    runbooks_plus("retries int NOT NULL DEFAULT 3"),
    runbooks_plus("retries int NOT NULL DEFAULT 5"),
    ["alter_column"]
);
case!(
    default_with_quote,
    runbooks_plus("label varchar(20) NOT NULL DEFAULT 'a'"),
    runbooks_plus("label varchar(20) NOT NULL DEFAULT 'it''s'"),
    ["alter_column"]
);
case!(
    default_expression,
    runbooks_plus("created_at timestamp NULL"),
    runbooks_plus("created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP"),
    ["alter_column"]
);
case!(
    json_default,
    runbooks_plus("tags json NOT NULL DEFAULT '[]'"),
    runbooks_plus("tags json NOT NULL DEFAULT '[\"x\"]'"),
    ["alter_column"]
);
case!(
    auto_increment_added,
    "CREATE TABLE h (id int NOT NULL PRIMARY KEY, v varchar(10));",
    "CREATE TABLE h (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, v varchar(10));",
    ["alter_column"]
);
case!(
    auto_increment_removed,
    "CREATE TABLE h (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, v varchar(10));",
    "CREATE TABLE h (id int NOT NULL PRIMARY KEY, v varchar(10));",
    ["alter_column"]
);

// Keys and indexes
case!(
    primary_key_changed,
    "CREATE TABLE m (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a));",
    "CREATE TABLE m (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a, b));",
    ["alter_primary_key"]
);
case!(
    unique_added,
    runbooks_plus("code varchar(20)"),
    runbooks_plus("code varchar(20) UNIQUE"),
    ["add_index"]
);
case!(
    unique_dropped,
    runbooks_plus("code varchar(20) UNIQUE"),
    runbooks_plus("code varchar(20)"),
    ["drop_index"]
);
case!(
    index_added,
    RUNBOOKS,
    with("CREATE INDEX `idx-runbooks-category` ON runbooks (category);"),
    ["add_index"]
);
case!(
    index_dropped,
    with("CREATE INDEX `idx-runbooks-category` ON runbooks (category);"),
    RUNBOOKS,
    ["drop_index"]
);
case!(
    composite_index_added,
    RUNBOOKS,
    with("CREATE INDEX `idx-runbooks-cat-en` ON runbooks (category, enabled);"),
    ["add_index"]
);
case!(
    index_made_unique,
    with("CREATE INDEX `idx-runbooks-category` ON runbooks (category);"),
    with("CREATE UNIQUE INDEX `idx-runbooks-category` ON runbooks (category);"),
    ["drop_index", "add_index"]
);

// Foreign keys (and the index InnoDB makes for them)
const PARENT_CHILD: &str = "CREATE TABLE a (id int NOT NULL AUTO_INCREMENT PRIMARY KEY); CREATE TABLE b (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, a_id int NOT NULL";
case!(
    foreign_key_added,
    format!("{PARENT_CHILD});"),
    format!(
        "{PARENT_CHILD}, CONSTRAINT `fk-b-a_id` FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE CASCADE);"
    ),
    ["add_foreign_key"]
);
case!(
    foreign_key_dropped,
    format!(
        "{PARENT_CHILD}, CONSTRAINT `fk-b-a_id` FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE CASCADE);"
    ),
    format!("{PARENT_CHILD});"),
    ["drop_foreign_key"]
);
case!(
    foreign_key_on_delete_changed,
    format!(
        "{PARENT_CHILD}, CONSTRAINT `fk-b-a_id` FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE CASCADE);"
    ),
    format!(
        "{PARENT_CHILD}, CONSTRAINT `fk-b-a_id` FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE SET NULL);"
    )
    .replace("a_id int NOT NULL", "a_id int NULL"),
    ["drop_foreign_key", "alter_column", "add_foreign_key"]
);
case!(
    foreign_key_with_own_index_dropped,
    format!(
        "{PARENT_CHILD}, CONSTRAINT `fk-b-a_id` FOREIGN KEY (a_id) REFERENCES a (id)); CREATE INDEX `idx-b-a` ON b (a_id, id);"
    ),
    format!("{PARENT_CHILD}); CREATE INDEX `idx-b-a` ON b (a_id, id);"),
    ["drop_foreign_key"]
);

case!(
    index_backing_a_foreign_key_dropped,
    format!(
        "{PARENT_CHILD}, pos int NOT NULL, CONSTRAINT `fk-b-a_id` FOREIGN KEY (a_id) REFERENCES a (id)); CREATE UNIQUE INDEX `idx-b-a-pos` ON b (a_id, pos);"
    ),
    format!(
        "{PARENT_CHILD}, pos int NOT NULL, CONSTRAINT `fk-b-a_id` FOREIGN KEY (a_id) REFERENCES a (id));"
    ),
    ["drop_index"]
);

// Inline enums: values change with the column
case!(
    enum_column_added,
    RUNBOOKS,
    runbooks_plus("status ENUM('pending', 'running', 'done') NOT NULL DEFAULT 'pending'"),
    ["add_column"]
);
case!(
    enum_value_appended,
    runbooks_plus("status ENUM('pending', 'done') NOT NULL"),
    runbooks_plus("status ENUM('pending', 'done', 'failed') NOT NULL"),
    ["alter_column"],
    with_rows(
        "INSERT INTO runbooks (name, category, status) VALUES ('a', 'c', 'pending'), ('b', 'c', 'done')",
        "SELECT group_concat(status ORDER BY id) FROM runbooks"
    )
);
case!(
    enum_value_added_in_the_middle,
    runbooks_plus("status ENUM('pending', 'done') NOT NULL"),
    runbooks_plus("status ENUM('pending', 'running', 'done') NOT NULL"),
    ["alter_column"],
    with_rows(
        "INSERT INTO runbooks (name, category, status) VALUES ('a', 'c', 'pending'), ('b', 'c', 'done')",
        "SELECT group_concat(status ORDER BY id) FROM runbooks"
    )
);
case!(
    enum_value_removed,
    runbooks_plus("status ENUM('pending', 'running', 'done') NOT NULL"),
    runbooks_plus("status ENUM('pending', 'done') NOT NULL"),
    ["alter_column"]
);
case!(
    enum_values_reordered,
    runbooks_plus("status ENUM('pending', 'done') NOT NULL"),
    runbooks_plus("status ENUM('done', 'pending') NOT NULL"),
    ["alter_column"],
    with_rows(
        "INSERT INTO runbooks (name, category, status) VALUES ('a', 'c', 'pending'), ('b', 'c', 'done')",
        "SELECT group_concat(status ORDER BY id) FROM runbooks"
    )
);

// Comments
case!(
    column_comment_added,
    runbooks_plus("owner varchar(64) NOT NULL DEFAULT 'ops'"),
    runbooks_plus("owner varchar(64) NOT NULL DEFAULT 'ops' COMMENT 'team that owns it'"),
    ["alter_column"]
);
case!(
    table_comment_added_and_removed,
    "CREATE TABLE c (id int NOT NULL PRIMARY KEY) COMMENT 'old';",
    "CREATE TABLE c (id int NOT NULL PRIMARY KEY) COMMENT 'it''s new';",
    ["alter_table_comment"]
);
case!(
    table_with_comments_created,
    "",
    "CREATE TABLE c (id int NOT NULL PRIMARY KEY COMMENT 'key', v text COMMENT 'value') COMMENT 'a table';",
    ["create_table"]
);

#[test]
fn the_entity_side_accepts_a_foreign_key_cycle() {
    // store.manager_id -> staff before staff exists: the scratch database
    // runs the entities' DDL with its foreign-key checks off (errno 150
    // "Foreign key constraint is incorrectly formed" otherwise), in its own
    // session only: the live connection still checks afterwards.
    let live = tests::support::MyDatabase::create();
    tests::support::block_on(async {
        let db = tests::support::connect(live.url()).await.expect("connect");
        let ddl = [
            "CREATE TABLE store (store_id int NOT NULL AUTO_INCREMENT PRIMARY KEY, manager_id int NULL, \
              CONSTRAINT fk_store_manager FOREIGN KEY (manager_id) REFERENCES staff (staff_id))",
            "CREATE TABLE staff (staff_id int NOT NULL AUTO_INCREMENT PRIMARY KEY, store_id int NOT NULL, \
              CONSTRAINT fk_staff_store FOREIGN KEY (store_id) REFERENCES store (store_id))",
        ]
        .map(str::to_owned);
        let schema = seaorm_autogen::source::entities::materialize_ddl(&db, &ddl)
            .await
            .expect("the cycle materializes");
        assert_eq!(schema.tables["store"].foreign_keys[0].ref_table, "staff");
        assert_eq!(schema.tables["staff"].foreign_keys[0].ref_table, "store");
        use sea_orm_migration::sea_orm::ConnectionTrait;
        let checks = db
            .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT @@foreign_key_checks AS c",
            ))
            .await
            .expect("query")
            .and_then(|r| r.try_get::<i64>("", "c").ok());
        assert_eq!(checks, Some(1), "checks are on again in the pool");
    });
}
