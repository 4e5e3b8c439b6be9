//! Every change kind autogenerate detects, proved on SQLite files: detected
//! as expected, applied through the library's apply path (table rebuilds
//! included), fixpoint after up, exact restore after down, same schema after
//! up again; rows given with `with_rows` must keep every value throughout.
//!
//! The SQL is written as sea-query writes it for SQLite (`integer NOT NULL
//! PRIMARY KEY AUTOINCREMENT`, `boolean ... DEFAULT TRUE`, `varchar(n)`,
//! `timestamp_with_timezone_text`, `jsonb_text`, `enum_text`), because both
//! sides of a real comparison are: the migrations and the entities.

use tests::changes::{Case, Registered, prove_sqlite, prove_sqlite_aborts};

const RUNBOOKS: &str = r#"CREATE TABLE "runbooks" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(255) NOT NULL UNIQUE, "category" varchar(100) NOT NULL, "enabled" boolean NOT NULL DEFAULT TRUE );"#;

fn with(extra: &str) -> String {
    format!("{RUNBOOKS}\n{extra}")
}

/// `runbooks` with one more column definition at the end.
fn runbooks_plus(column: &str) -> String {
    RUNBOOKS.replace(" );", &format!(", {column} );"))
}

const RUNBOOK_ROWS: &str = "INSERT INTO runbooks (name, category, enabled) VALUES ('a', 'c1', TRUE), ('b', 'c2', FALSE), ('it''s', 'c3', TRUE)";
const RUNBOOK_VALUES: &str = "SELECT group_concat(v, '|') FROM (SELECT id || ',' || name || ',' || category || ',' || enabled AS v FROM runbooks ORDER BY id)";

macro_rules! case {
    ($($case:tt)*) => { change_case!(Sqlite, prove_sqlite, $($case)*); };
}

/// The rendered file of every case above compiles, as a module of one
/// scratch crate (one `cargo check` for all).
#[test]
fn rendered_files_of_every_case_compile() {
    tests::changes::prove_rendered_files_compile(seaorm_autogen::config::Backend::Sqlite);
}

/// The rendered file of every case above is byte for byte its committed
/// snapshot (`tests/snapshots/rendered/`; `AUTOGEN_BLESS=1` rewrites them).
#[test]
fn rendered_files_of_every_case_match_their_snapshots() {
    tests::changes::prove_rendered_files_match_snapshots(seaorm_autogen::config::Backend::Sqlite);
}

/// The compile check names the case whose file does not compile.
#[test]
fn a_rendered_file_that_does_not_compile_is_named() {
    let files = [
        ("fine_case", "pub fn f() -> u8 { 1 }"),
        ("broken_case", "pub fn f() -> u8 { \"one\" }"),
    ]
    .map(|(m, t)| (m.to_owned(), t.to_owned()))
    .into();
    let report = tests::rendered::check_compiles("rendered_cases_selftest", &files)
        .expect_err("a module with a type error must fail the check");
    assert!(
        report.contains("the rendered file of case `broken_case` does not compile"),
        "{report}"
    );
    assert!(!report.contains("`fine_case`"), "{report}");
}

// Tables
case!(
    table_added,
    RUNBOOKS,
    with(
        r#"CREATE TABLE "tags" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "label" text NOT NULL );"#
    ),
    ["create_table"]
);
case!(
    table_dropped,
    with(
        r#"CREATE TABLE "tags" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "label" text NOT NULL );"#
    ),
    RUNBOOKS,
    ["drop_table"]
);
case!(
    table_added_with_fk_in_order,
    "",
    r#"CREATE TABLE "a" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT ); CREATE TABLE "b" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a_id" integer NOT NULL, FOREIGN KEY ("a_id") REFERENCES "a" ("id") ON DELETE CASCADE );"#,
    ["create_table", "create_table"]
);
case!(
    table_renamed,
    with(
        r#"CREATE TABLE "tag" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "label" text NOT NULL );"#
    ),
    with(
        r#"CREATE TABLE "tags" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "label" text NOT NULL );"#
    ),
    ["rename_table"],
    rename_table("tag", "tags"),
    with_rows(RUNBOOK_ROWS, RUNBOOK_VALUES)
);

// Columns
case!(
    column_added_nullable,
    RUNBOOKS,
    runbooks_plus(r#""new_field" varchar(100)"#),
    ["add_column"],
    with_rows(RUNBOOK_ROWS, RUNBOOK_VALUES)
);
case!(
    column_added_not_null_with_default,
    RUNBOOKS,
    runbooks_plus(r#""retries" integer NOT NULL DEFAULT 3"#),
    ["add_column"],
    with_rows(RUNBOOK_ROWS, RUNBOOK_VALUES)
);
case!(
    // SQLite's ADD COLUMN refuses NOT NULL without a default: a rebuild,
    // which works on an empty table (a populated one needs a backfill).
    column_added_not_null_without_default,
    RUNBOOKS,
    runbooks_plus(r#""owner" text NOT NULL"#),
    ["add_column"]
);
case!(
    // ... and a non-constant default: a rebuild too.
    column_added_with_current_timestamp_default,
    RUNBOOKS,
    runbooks_plus(
        r#""created_at" timestamp_with_timezone_text NOT NULL DEFAULT CURRENT_TIMESTAMP"#
    ),
    ["add_column"],
    with_rows(RUNBOOK_ROWS, RUNBOOK_VALUES)
);
case!(
    column_dropped,
    RUNBOOKS,
    r#"CREATE TABLE "runbooks" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(255) NOT NULL UNIQUE, "category" varchar(100) NOT NULL );"#,
    ["drop_column"],
    with_rows(
        RUNBOOK_ROWS,
        "SELECT group_concat(id || ',' || name || ',' || category, '|') FROM runbooks"
    )
);
case!(
    // The down() of dropped NOT NULL columns without default runs on a
    // table with rows: a rebuild with placeholder defaults fills them (said
    // in the file), then a rebuild without, as the table was.
    not_null_column_without_default_dropped_with_rows,
    r#"CREATE TABLE "r" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "category" varchar(100) NOT NULL, "n" integer NOT NULL, "flag" boolean NOT NULL, "at" timestamp_with_timezone_text NOT NULL, "note" text );"#,
    r#"CREATE TABLE "r" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "note" text );"#,
    ["drop_column", "drop_column", "drop_column", "drop_column"],
    with_rows(
        "INSERT INTO r (category, n, flag, at, note) VALUES ('c1', 1, true, '2026-01-01 00:00:00', 'x'), ('c2', 2, false, '2026-01-02 00:00:00', NULL)",
        "SELECT group_concat(id || '=' || coalesce(note, 'NULL'), '|') FROM (SELECT * FROM r ORDER BY id)"
    )
);
case!(
    // DROP COLUMN refuses a UNIQUE column: a rebuild (and down() a rebuild
    // back, the values of the dropped column gone).
    column_with_unique_dropped,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer UNIQUE, "b" integer );"#,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "b" integer );"#,
    ["drop_index", "drop_column"],
    with_rows(
        "INSERT INTO t (a, b) VALUES (1, 1), (2, 1), (NULL, 3)",
        "SELECT group_concat(id || '=' || coalesce(b, 'NULL'), '|') FROM (SELECT * FROM t ORDER BY id)"
    )
);
case!(
    column_renamed,
    RUNBOOKS,
    r#"CREATE TABLE "runbooks" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar(255) NOT NULL UNIQUE, "category" varchar(100) NOT NULL, "enabled" boolean NOT NULL DEFAULT TRUE );"#,
    ["rename_column"],
    rename_column("runbooks", "name", "title"),
    with_rows(
        RUNBOOK_ROWS,
        "SELECT group_concat(id || ',' || category || ',' || enabled, '|') FROM runbooks"
    )
);
case!(
    // A rename inside a rebuild: the copy maps the old name to the new one.
    column_renamed_and_retyped,
    RUNBOOKS,
    r#"CREATE TABLE "runbooks" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(255) NOT NULL UNIQUE, "kind" text NOT NULL, "enabled" boolean NOT NULL DEFAULT TRUE );"#,
    ["rename_column", "alter_column"],
    rename_column("runbooks", "category", "kind"),
    with_rows(
        RUNBOOK_ROWS,
        "SELECT group_concat(id || ',' || name || ',' || enabled, '|') FROM runbooks"
    )
);

// Types: sea-query's declared types, each a rebuild.
fn typed(ty: &str) -> String {
    format!(r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "c" {ty} );"#)
}
const T_ROWS: &str = "INSERT INTO t (c) VALUES ('x'), (NULL), ('y')";
const T_VALUES: &str = "SELECT group_concat(id || '=' || coalesce(c, 'NULL') || ':' || typeof(c), '|') FROM (SELECT * FROM t ORDER BY id)";
case!(
    type_varchar_longer,
    typed("varchar(50)"),
    typed("varchar(100)"),
    ["alter_column"],
    with_rows(T_ROWS, T_VALUES)
);
case!(
    type_varchar_shorter,
    typed("varchar(100)"),
    typed("varchar(50)"),
    ["alter_column"],
    with_rows(T_ROWS, T_VALUES)
);
case!(
    type_text_to_varchar,
    typed("text"),
    typed("varchar(200)"),
    ["alter_column"]
);
case!(
    type_varchar_to_text,
    typed("varchar(200)"),
    typed("text"),
    ["alter_column"],
    with_rows(T_ROWS, T_VALUES)
);
case!(
    type_timestamp_to_timestamptz,
    typed("timestamp_text"),
    typed("timestamp_with_timezone_text"),
    ["alter_column"],
    with_rows(
        "INSERT INTO t (c) VALUES ('2026-01-01 10:00:00'), (NULL)",
        T_VALUES
    )
);
case!(
    type_json_to_jsonb,
    typed("json_text"),
    typed("jsonb_text"),
    ["alter_column"],
    with_rows("INSERT INTO t (c) VALUES ('{\"a\": 1}'), (NULL)", T_VALUES)
);
case!(
    type_decimal_precision_changed,
    typed("real(10, 2)"),
    typed("real(12, 4)"),
    ["alter_column"],
    with_rows("INSERT INTO t (c) VALUES (1.25), (NULL)", T_VALUES)
);
case!(
    type_smallint_to_integer_keeps_rows,
    typed("smallint"),
    typed("integer"),
    ["alter_column"],
    with_rows("INSERT INTO t (c) VALUES (1), (NULL), (32767)", T_VALUES)
);
case!(
    column_moved_to_enum,
    typed("varchar(32) NOT NULL"),
    typed("enum_text NOT NULL"),
    ["alter_column"],
    with_rows("INSERT INTO t (c) VALUES ('pending'), ('done')", T_VALUES)
);

// Nullability, defaults, AUTOINCREMENT: each a rebuild.
case!(
    nullable_to_not_null,
    typed("text"),
    typed("text NOT NULL"),
    ["alter_column"],
    with_rows("INSERT INTO t (c) VALUES ('x'), ('y')", T_VALUES)
);
case!(
    not_null_to_nullable,
    typed("text NOT NULL"),
    typed("text"),
    ["alter_column"],
    with_rows("INSERT INTO t (c) VALUES ('x'), ('y')", T_VALUES)
);
case!(
    default_added,
    typed("varchar(64)"),
    typed("varchar(64) DEFAULT 'UTC'"),
    ["alter_column"],
    with_rows(T_ROWS, T_VALUES)
);
case!(
    default_removed,
    typed("integer DEFAULT 300"),
    typed("integer"),
    ["alter_column"]
);
case!(
    default_changed,
    typed("integer DEFAULT 300"),
    typed("integer DEFAULT 60"),
    ["alter_column"]
);
case!(
    default_boolean_flipped,
    typed("boolean NOT NULL DEFAULT TRUE"),
    typed("boolean NOT NULL DEFAULT FALSE"),
    ["alter_column"]
);
case!(
    default_expression,
    typed("timestamp_with_timezone_text"),
    typed("timestamp_with_timezone_text NOT NULL DEFAULT CURRENT_TIMESTAMP"),
    ["alter_column"]
);
case!(
    identity_added,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY, "c" text );"#,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "c" text );"#,
    ["alter_column"],
    with_rows(T_ROWS, T_VALUES)
);
case!(
    identity_removed,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "c" text );"#,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY, "c" text );"#,
    ["alter_column"],
    with_rows(T_ROWS, T_VALUES)
);

// Primary keys
case!(
    primary_key_changed,
    r#"CREATE TABLE "t" ( "a" integer NOT NULL, "b" integer NOT NULL, PRIMARY KEY ("a") );"#,
    r#"CREATE TABLE "t" ( "a" integer NOT NULL, "b" integer NOT NULL, PRIMARY KEY ("a", "b") );"#,
    ["alter_primary_key"],
    with_rows(
        "INSERT INTO t (a, b) VALUES (1, 10), (2, 20)",
        "SELECT group_concat(a || ',' || b, '|') FROM (SELECT * FROM t ORDER BY a)"
    )
);

// Unique constraints and indexes
const U: &str = r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer, "b" integer );"#;
const U_ROWS: &str = "INSERT INTO t (a, b) VALUES (1, 1), (2, 1), (NULL, 3)";
const U_VALUES: &str = "SELECT group_concat(id || '=' || coalesce(a, 'NULL') || ',' || coalesce(b, 'NULL'), '|') FROM (SELECT * FROM t ORDER BY id)";
case!(
    // A UNIQUE constraint cannot be added in place: a unique index does the
    // same job (an `sqlite_autoindex_*` name cannot be created by hand).
    unique_added,
    U,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer UNIQUE, "b" integer );"#,
    ["add_index"],
    with_rows(U_ROWS, U_VALUES)
);
case!(
    // ... and an `sqlite_autoindex_*` cannot be dropped: a rebuild.
    unique_dropped,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer UNIQUE, "b" integer );"#,
    U,
    ["drop_index"],
    with_rows(U_ROWS, U_VALUES)
);
case!(
    composite_unique_added,
    U,
    format!(r#"{U} CREATE UNIQUE INDEX "idx-t-ab" ON "t" ("a", "b");"#),
    ["add_index"]
);
case!(
    composite_unique_constraint_dropped,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer, "b" integer, UNIQUE ("a", "b") );"#,
    U,
    ["drop_index"],
    with_rows(U_ROWS, U_VALUES)
);
case!(
    index_added,
    U,
    format!(r#"{U} CREATE INDEX "idx-t-a" ON "t" ("a");"#),
    ["add_index"]
);
case!(
    index_dropped,
    format!(r#"{U} CREATE INDEX "idx-t-a" ON "t" ("a");"#),
    U,
    ["drop_index"]
);
case!(
    composite_index_added,
    U,
    format!(r#"{U} CREATE INDEX "idx-t-ab" ON "t" ("a", "b");"#),
    ["add_index"]
);
case!(
    index_changed,
    format!(r#"{U} CREATE INDEX "idx-t-x" ON "t" ("a");"#),
    format!(r#"{U} CREATE INDEX "idx-t-x" ON "t" ("a", "b");"#),
    ["drop_index", "add_index"]
);
case!(
    index_made_unique,
    format!(r#"{U} CREATE INDEX "idx-t-a" ON "t" ("a");"#),
    format!(r#"{U} CREATE UNIQUE INDEX "idx-t-a" ON "t" ("a");"#),
    ["drop_index", "add_index"]
);
case!(
    // An index on a column that a rebuild also retypes is re-created on the new table.
    index_kept_across_a_rebuild,
    format!(r#"{U} CREATE INDEX "idx-t-ab" ON "t" ("a", "b");"#),
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer NOT NULL, "b" integer ); CREATE INDEX "idx-t-ab" ON "t" ("a", "b");"#,
    ["alter_column"]
);

// Foreign keys: each a rebuild of the child, checked by foreign_key_check.
const P: &str = r#"CREATE TABLE "p" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT ); CREATE TABLE "q" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT );"#;
const PQ_ROWS: &str = "INSERT INTO p (id) VALUES (1), (2); INSERT INTO q (id) VALUES (1); INSERT INTO c (id, p_id) VALUES (10, 1), (11, 2), (12, NULL)";
const C_VALUES: &str = "SELECT group_concat(id || '=' || coalesce(p_id, 'NULL'), '|') FROM (SELECT * FROM c ORDER BY id)";
fn child(fk: &str) -> String {
    format!(
        r#"{P} CREATE TABLE "c" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "p_id" integer{fk} );"#
    )
}
case!(
    foreign_key_added,
    child(""),
    child(r#", FOREIGN KEY ("p_id") REFERENCES "p" ("id")"#),
    ["add_foreign_key"],
    with_rows(PQ_ROWS, C_VALUES)
);
case!(
    foreign_key_dropped,
    child(r#", FOREIGN KEY ("p_id") REFERENCES "p" ("id")"#),
    child(""),
    ["drop_foreign_key"],
    with_rows(PQ_ROWS, C_VALUES)
);
case!(
    foreign_key_on_delete_changed,
    child(r#", FOREIGN KEY ("p_id") REFERENCES "p" ("id") ON DELETE CASCADE"#),
    child(r#", FOREIGN KEY ("p_id") REFERENCES "p" ("id") ON DELETE SET NULL ON UPDATE CASCADE"#),
    ["drop_foreign_key", "add_foreign_key"],
    with_rows(PQ_ROWS, C_VALUES)
);
case!(
    foreign_key_target_changed,
    child(r#", FOREIGN KEY ("p_id") REFERENCES "p" ("id")"#),
    child(r#", FOREIGN KEY ("p_id") REFERENCES "q" ("id")"#),
    ["drop_foreign_key", "add_foreign_key"],
    with_rows(
        "INSERT INTO p (id) VALUES (1); INSERT INTO q (id) VALUES (1); INSERT INTO c (id, p_id) VALUES (10, 1), (12, NULL)",
        C_VALUES
    )
);
case!(
    // The parent is rebuilt (dropped and renamed) under its children: the
    // children keep their rows and their references stay valid.
    parent_rebuilt_under_its_children,
    r#"CREATE TABLE "p" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "label" varchar(10) ); CREATE TABLE "c" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "p_id" integer NOT NULL, FOREIGN KEY ("p_id") REFERENCES "p" ("id") ON DELETE CASCADE );"#,
    r#"CREATE TABLE "p" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "label" varchar(100) ); CREATE TABLE "c" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "p_id" integer NOT NULL, FOREIGN KEY ("p_id") REFERENCES "p" ("id") ON DELETE CASCADE );"#,
    ["alter_column"],
    with_rows(
        "INSERT INTO p (id, label) VALUES (1, 'one'), (2, 'two'); INSERT INTO c (id, p_id) VALUES (10, 1), (11, 2), (12, 2)",
        "SELECT (SELECT group_concat(id || label, '|') FROM p) || ' / ' || (SELECT group_concat(id || '>' || p_id, '|') FROM c)"
    )
);
case!(
    composite_foreign_key_added,
    r#"CREATE TABLE "p" ( "x" integer NOT NULL, "y" integer NOT NULL, PRIMARY KEY ("x", "y") ); CREATE TABLE "c" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer, "b" integer );"#,
    r#"CREATE TABLE "p" ( "x" integer NOT NULL, "y" integer NOT NULL, PRIMARY KEY ("x", "y") ); CREATE TABLE "c" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer, "b" integer, FOREIGN KEY ("b", "a") REFERENCES "p" ("y", "x") ON DELETE CASCADE );"#,
    ["add_foreign_key"],
    with_rows(
        "INSERT INTO p (x, y) VALUES (1, 2); INSERT INTO c (a, b) VALUES (1, 2), (NULL, NULL)",
        "SELECT group_concat(id || '=' || coalesce(a, '-') || coalesce(b, '-'), '|') FROM c"
    )
);

// What SQLite cannot tell apart, or spells several ways, is not a change.
case!(
    // sea-query writes both `.integer()` and `.big_integer()` as `integer`.
    int_and_bigint_are_one_type,
    typed("bigint"),
    typed("integer"),
    []
);
case!(
    spelling_and_case_are_not_changes,
    r#"CREATE TABLE "t" ( "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "a" VARCHAR(100) DEFAULT 'x', "b" BOOLEAN NOT NULL DEFAULT true, "c" TIMESTAMP_WITH_TIMEZONE_TEXT DEFAULT current_timestamp );"#,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" varchar(100) DEFAULT 'x', "b" boolean NOT NULL DEFAULT TRUE, "c" timestamp_with_timezone_text DEFAULT CURRENT_TIMESTAMP );"#,
    []
);
case!(
    unique_constraint_equals_unique_index,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer UNIQUE, "b" integer );"#,
    format!(r#"{U} CREATE UNIQUE INDEX "idx-t-a" ON "t" ("a");"#),
    []
);
case!(
    foreign_key_to_implicit_primary_key,
    child(r#" REFERENCES "p""#),
    child(r#", FOREIGN KEY ("p_id") REFERENCES "p" ("id")"#),
    []
);
case!(
    autoincrement_in_a_name_is_not_autoincrement,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY, "autoincrement" text DEFAULT 'AUTOINCREMENT' );"#,
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY, "autoincrement" text DEFAULT 'AUTOINCREMENT' );"#,
    []
);

case!(
    table_renamed_and_altered,
    // The view follows the table through the rename (SQLite rewrites it)
    // and the rebuild, and shows that the rows did too.
    r#"CREATE TABLE "tag" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "label" varchar(10) ); CREATE VIEW "labels" AS SELECT id, label FROM tag;"#,
    r#"CREATE TABLE "tags" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "label" text NOT NULL );"#,
    ["rename_table", "alter_column"],
    rename_table("tag", "tags"),
    with_rows(
        "INSERT INTO tag (label) VALUES ('a'), ('b')",
        "SELECT group_concat(id || label, ',') FROM labels"
    )
);

// A rebuild keeps what the model cannot describe: CHECK constraints,
// expression and partial indexes, triggers, views reading the table, and
// the AUTOINCREMENT counter (above the highest id once the last row is gone).
const KEPT: &str = r#"CREATE TABLE "log" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "n" integer );
CREATE INDEX "t_lower_b" ON "t" (lower(b)); CREATE INDEX "t_partial" ON "t" ("a") WHERE a > 10;
CREATE TRIGGER "t_log" AFTER INSERT ON "t" BEGIN INSERT INTO log (n) VALUES (NEW.a); END;
CREATE VIEW "big_a" AS SELECT id, a FROM t WHERE a > 1;"#;
case!(
    rebuild_keeps_what_the_model_cannot_describe,
    format!(
        r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer CHECK (a > 0), "b" varchar(10), CHECK (length(b) < 20) ); {KEPT}"#
    ),
    r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer, "b" text ); CREATE TABLE "log" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "n" integer );"#,
    ["alter_column"],
    with_rows(
        "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z'); DELETE FROM t WHERE a = 3",
        "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 't') || ' ' || (SELECT group_concat(id || ':' || a, ',') FROM big_a) || ' ' || (SELECT count(*) FROM log)"
    )
);

#[test]
fn unmanaged_objects_are_reported_not_dropped() {
    let before = r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer CHECK (a > 0), "b" text ); CREATE INDEX "t_lower_b" ON "t" (lower(b)); CREATE INDEX "t_a_lower_b" ON "t" ("a", lower(b)); CREATE INDEX "t_partial" ON "t" ("a") WHERE a > 10;"#;
    let after = r#"CREATE TABLE "t" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "a" integer, "b" text );"#;
    prove_sqlite(&Case::new("unmanaged", before, after, &[]));
}

// A rebuild that would break a constraint aborts the whole migration and
// leaves the file byte for byte as it was.

#[test]
fn not_null_on_a_column_holding_nulls_aborts_and_leaves_the_file() {
    let before = format!(
        r#"{} CREATE TABLE "other" ( "id" integer NOT NULL PRIMARY KEY );"#,
        typed("text")
    );
    // A table added by the same migration must be gone too.
    let after = format!(
        r#"{} CREATE TABLE "other" ( "id" integer NOT NULL PRIMARY KEY ); CREATE TABLE "extra" ( "id" integer NOT NULL PRIMARY KEY );"#,
        typed("text NOT NULL")
    );
    let case = Case::new(
        "not_null_on_nulls",
        &before,
        &after,
        &["alter_column", "create_table"],
    )
    .with_rows(T_ROWS, T_VALUES);
    // The generated pre-check says it before the rebuild starts; the
    // rebuild's own check behind it stays for hand-written migrations.
    let error = prove_sqlite_aborts(&case);
    assert!(
        error.contains("pre-check failed before any change: table t has 1 row(s) with NULL in c"),
        "{error}"
    );
}

#[test]
fn foreign_key_to_missing_parents_aborts_and_leaves_the_file() {
    let before = child("");
    let after = child(r#", FOREIGN KEY ("p_id") REFERENCES "p" ("id")"#);
    let case = Case::new(
        "fk_to_missing_parents",
        &before,
        &after,
        &["add_foreign_key"],
    )
    .with_rows(
        "INSERT INTO p (id) VALUES (1); INSERT INTO c (id, p_id) VALUES (10, 1), (11, 99)",
        C_VALUES,
    );
    let error = prove_sqlite_aborts(&case);
    assert!(
        error.contains("pre-check failed before any change: table c has 1 row(s) whose (p_id) match no row of p (e.g. id = 11)"),
        "{error}"
    );
}

// Hostile names are data, never code (see the PostgreSQL cases of the same name).
const HOSTILE: &str = "CREATE TABLE h (id integer PRIMARY KEY);";
case!(
    hostile_column_added_not_null,
    HOSTILE,
    "CREATE TABLE h (id integer PRIMARY KEY, \"we\"\"ird'\\ na\nme\rx\" text NOT NULL DEFAULT 'x');",
    ["add_column"]
);
case!(
    hostile_column_dropped,
    "CREATE TABLE h (id integer PRIMARY KEY, \"we\"\"ird'\\ na\nme\rx\" text NOT NULL DEFAULT 'x');",
    HOSTILE,
    ["drop_column"],
    with_rows("INSERT INTO h DEFAULT VALUES", "SELECT count(*) FROM h")
);

// A default beyond i32 is written as an i64 literal in the generated code.
case!(
    bigint_default_beyond_i32,
    "CREATE TABLE b (id integer PRIMARY KEY);",
    "CREATE TABLE b (id integer PRIMARY KEY, quota bigint NOT NULL DEFAULT 3000000000);",
    ["add_column"]
);

/// A rebuild generated before the live table drifted (a column and an index
/// added by hand, or by a branch merged later) keeps them, with their data;
/// what the migration drops on purpose is still dropped.
#[test]
fn a_rebuild_keeps_columns_and_indexes_it_did_not_know_about() {
    use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
    use seaorm_autogen::config::Backend;
    use seaorm_autogen::runtime::Direction;
    use seaorm_autogen::source::database::introspect;
    use seaorm_autogen::{DiffOptions, NoRenames, compare_schemas};
    use tests::changes::{connect_case, schema_of};
    use tests::support::{SqliteFile, block_on};

    let file = SqliteFile::create();
    block_on(async {
        let db = connect_case(&file.url()).await;
        db.execute_unprepared(
            "CREATE TABLE t (id integer PRIMARY KEY, a text, gone text); INSERT INTO t (a, gone) VALUES ('v', 'g');",
        )
        .await
        .expect("before");
        let before = introspect(&db).await.expect("introspect");
        let target = schema_of(
            Backend::Sqlite,
            "CREATE TABLE t (id integer PRIMARY KEY, a text NOT NULL DEFAULT 'x');",
            "",
        )
        .await;
        let plan = compare_schemas(
            Backend::Sqlite,
            before,
            target.clone(),
            DiffOptions::default(),
            &mut NoRenames,
        )
        .expect("compare")
        .plan();

        // The table drifts after the migration was generated.
        db.execute_unprepared(
            "ALTER TABLE t ADD COLUMN drift integer DEFAULT 7; CREATE INDEX idx_t_drift ON t (drift); UPDATE t SET drift = 42;",
        )
        .await
        .expect("drift");
        plan.apply(&db, "rebuild", Direction::Up)
            .await
            .unwrap_or_else(|e| panic!("{e}"));

        let after = introspect(&db).await.expect("introspect");
        let t = &after.tables["t"];
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["id", "a", "drift"],
            "gone is dropped, drift is kept"
        );
        assert!(
            !t.column("a").expect("a").nullable,
            "the planned change is made"
        );
        assert!(
            t.indexes.iter().any(|i| i.name == "idx_t_drift"),
            "the drifted index is kept: {:?}",
            t.indexes
        );
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT a || ',' || drift FROM t",
            ))
            .await
            .expect("select")
            .expect("row");
        assert_eq!(row.try_get_by_index::<String>(0).expect("text"), "v,42");
        let _ = db.close().await;
    });
}
