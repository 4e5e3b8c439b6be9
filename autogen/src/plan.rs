//! Ordering changes and turning them into steps a backend can run:
//! enum types before the tables that use them, tables in foreign-key order,
//! drops mirrored; what a backend cannot do in one statement is split
//! (PostgreSQL NOT NULL additions) or rebuilt (SQLite).

use std::collections::{BTreeMap, BTreeSet};

use crate::change::Change;
use crate::config::Backend;
use crate::schema::{Column, ColumnType, Schema, Sequence, Table, TableName, resolve};
use crate::step::{Call, DefaultValue, Step, column_calls};

mod sqlite;

/// Order `changes` so that every step finds what it needs.
pub fn order(mut changes: Vec<Change>) -> Vec<Change> {
    let created: Vec<Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable { table } => Some(table.clone()),
            _ => None,
        })
        .collect();
    let dropped: Vec<Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable { table } => Some(table.clone()),
            _ => None,
        })
        .collect();
    let create_order = topo(&created);
    let drop_order: Vec<String> = topo(&dropped).into_iter().rev().collect();
    let pos =
        |list: &[String], name: &str| list.iter().position(|n| n == name).unwrap_or(usize::MAX);
    changes.sort_by_key(|c| {
        let rank = rank(c);
        let within = match c {
            Change::CreateTable { table } => pos(&create_order, &table.name),
            Change::DropTable { table } => pos(&drop_order, &table.name),
            _ => 0,
        };
        (rank, within)
    });
    changes
}

fn rank(c: &Change) -> u8 {
    match c {
        Change::CreateSchema { .. } | Change::CreateEnum { .. } => 0,
        Change::AlterEnum { from, to, .. } if additions_only(from, to) => 1,
        Change::RenameTable { .. } => 2,
        Change::DropForeignKey { .. } => 3,
        Change::DropIndex { .. } => 4,
        Change::CreateTable { .. } => 5,
        Change::RenameColumn { .. } => 6,
        Change::AddColumn { .. } => 7,
        Change::AlterColumn { .. } => 8,
        Change::AlterPrimaryKey { .. } => 9,
        Change::AlterTableComment { .. } => 9,
        Change::DropColumn { .. } => 10,
        Change::AddIndex { .. } => 11,
        Change::AddForeignKey { .. } => 12,
        Change::DropTable { .. } => 13,
        Change::AlterEnum { .. } => 14,
        Change::DropEnum { .. } => 15,
        Change::DropSchema { .. } => 16,
    }
}

/// Tables ordered so that referenced tables come first (cycles: declaration order).
fn topo(tables: &[Table]) -> Vec<String> {
    let names: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut done: Vec<String> = Vec::new();
    let mut left: Vec<&Table> = tables.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|t| {
            let ready = t.foreign_keys.iter().all(|fk| {
                fk.ref_table == t.name
                    || !names.contains(fk.ref_table.as_str())
                    || done.contains(&fk.ref_table)
            });
            if ready {
                done.push(t.name.clone());
            }
            !ready
        });
        if left.len() == before {
            done.extend(left.drain(..).map(|t| t.name.clone()));
        }
    }
    done
}

/// `to` is `from` with values inserted, relative order kept: `ADD VALUE` can do it.
pub fn additions_only(from: &[String], to: &[String]) -> bool {
    let kept: Vec<&String> = to.iter().filter(|v| from.contains(v)).collect();
    kept.len() == from.len() && kept.iter().zip(from).all(|(a, b)| *a == b)
}

/// Steps that take a database from `from` to `to` by `changes` (already ordered).
pub fn steps(changes: &[Change], from: &Schema, to: &Schema, backend: Backend) -> Vec<Step> {
    let mut enums = from.enums.clone();
    enums.extend(to.enums.clone());
    let rebuilt: BTreeSet<String> = if backend == Backend::Sqlite {
        sqlite::rebuilt_tables(changes, from)
    } else {
        BTreeSet::new()
    };
    let mut out = Vec::new();
    let mut rebuild_done = BTreeSet::new();
    for change in changes {
        if let Some(t) = change.table()
            && rebuilt.contains(t)
            && !matches!(
                change,
                Change::CreateTable { .. } | Change::DropTable { .. } | Change::RenameTable { .. }
            )
        {
            if rebuild_done.insert(t.to_owned()) {
                out.extend(sqlite::rebuild(t, changes, from, to, &enums));
            }
            continue;
        }
        if let Some(w) = change.warning() {
            out.push(Step::Comment(format!("WARNING: {w}")));
        }
        out.extend(steps_for(change, from, to, backend, &enums));
    }
    out
}

fn steps_for(
    change: &Change,
    from: &Schema,
    to: &Schema,
    backend: Backend,
    enums: &BTreeMap<String, Vec<String>>,
) -> Vec<Step> {
    let enums = enums.clone();
    let tn = |key: &str| resolve(key, to, from);
    match change {
        Change::CreateSchema { name } => vec![Step::Sql {
            backend: Backend::Postgres,
            sql: format!("CREATE SCHEMA IF NOT EXISTS {}", q(name)),
        }],
        Change::DropSchema { name } => vec![Step::Sql {
            backend: Backend::Postgres,
            sql: format!("DROP SCHEMA {}", q(name)),
        }],
        Change::CreateEnum { name, values } => vec![Step::CreateEnum {
            name: name.clone(),
            values: values.clone(),
        }],
        Change::DropEnum { name, .. } => vec![Step::DropEnum { name: name.clone() }],
        Change::AlterEnum {
            name,
            from: old,
            to: new,
            ..
        } => alter_enum(name, old, new, to),
        Change::CreateTable { table } => {
            let mut out = vec![Step::CreateTable {
                table: table.clone(),
                enums,
            }];
            if table.comment.is_some() {
                out.push(comment_step(
                    &table.qualified(),
                    None,
                    table.comment.as_deref(),
                ));
            }
            for c in table.columns.iter().filter(|c| c.comment.is_some()) {
                out.push(comment_step(
                    &table.qualified(),
                    Some(&c.name),
                    c.comment.as_deref(),
                ));
            }
            out
        }
        Change::AlterTableComment { table, to, .. } => {
            vec![comment_step(&tn(table), None, to.as_deref())]
        }
        Change::DropTable { table } => vec![Step::DropTable {
            name: table.qualified(),
        }],
        Change::RenameTable { from: old, to: new } => {
            let old = resolve(old, from, to);
            let new = tn(new).name;
            vec![Step::RenameTable { from: old, to: new }]
        }
        Change::AddColumn { table, column } => {
            let mut out = add_column(&tn(table), column, backend, &enums);
            if column.comment.is_some() {
                out.push(comment_step(
                    &tn(table),
                    Some(&column.name),
                    column.comment.as_deref(),
                ));
            }
            out
        }
        Change::DropColumn { table, column } => vec![Step::DropColumn {
            table: tn(table),
            column: column.name.clone(),
        }],
        Change::RenameColumn { table, from, to } => vec![Step::RenameColumn {
            table: tn(table),
            from: from.clone(),
            to: to.clone(),
        }],
        Change::AlterColumn {
            table,
            from: old,
            to: new,
        } => alter_column(&tn(table), old, new, &enums),
        Change::AlterPrimaryKey {
            table,
            from: old_cols,
            to: new_cols,
        } => {
            let mut out = Vec::new();
            let old_name = from
                .tables
                .get(table)
                .map(|t| t.primary_key_name.clone())
                .unwrap_or_default();
            if !old_cols.is_empty() {
                let name = if old_name.is_empty() {
                    format!("{table}_pkey")
                } else {
                    old_name
                };
                out.push(Step::Sql {
                    backend,
                    sql: format!(
                        "ALTER TABLE {} DROP CONSTRAINT {}",
                        qt(&tn(table)),
                        q(&name)
                    ),
                });
            }
            if !new_cols.is_empty() {
                let new_name = to
                    .tables
                    .get(table)
                    .map(|t| t.primary_key_name.clone())
                    .unwrap_or_default();
                let constraint = if new_name.is_empty() {
                    String::new()
                } else {
                    format!("CONSTRAINT {} ", q(&new_name))
                };
                out.push(Step::Sql {
                    backend,
                    sql: format!(
                        "ALTER TABLE {} ADD {constraint}PRIMARY KEY ({})",
                        qt(&tn(table)),
                        new_cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
            out
        }
        Change::AddIndex { table, index } if index.constraint && backend == Backend::Postgres => {
            vec![Step::Sql {
                backend,
                sql: format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
                    qt(&tn(table)),
                    q(&index.name),
                    index
                        .columns
                        .iter()
                        .map(|c| q(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }]
        }
        Change::AddIndex { table, index } => vec![Step::CreateIndex {
            table: tn(table),
            index: index.clone(),
        }],
        Change::DropIndex { table, index } if index.constraint && backend == Backend::Postgres => {
            vec![Step::Sql {
                backend,
                sql: format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    qt(&tn(table)),
                    q(&index.name)
                ),
            }]
        }
        Change::DropIndex { table, index } => vec![Step::DropIndex {
            table: tn(table),
            name: index.name.clone(),
        }],
        Change::AddForeignKey { table, foreign_key } => vec![Step::AddForeignKey {
            table: tn(table),
            foreign_key: foreign_key.clone(),
        }],
        Change::DropForeignKey { table, foreign_key } => vec![Step::DropForeignKey {
            table: tn(table),
            name: foreign_key.name.clone(),
        }],
    }
}

fn add_column(
    table: &TableName,
    column: &Column,
    backend: Backend,
    enums: &BTreeMap<String, Vec<String>>,
) -> Vec<Step> {
    let needs_backfill = !column.nullable && column.default.is_none() && !column.auto_increment;
    if needs_backfill && backend == Backend::Postgres {
        // Add it nullable, let the author fill existing rows, then enforce NOT NULL.
        let nullable = Column {
            nullable: true,
            ..column.clone()
        };
        return vec![
            Step::AddColumn {
                table: table.clone(),
                column: column.name.clone(),
                calls: column_calls(&nullable, false),
                enums: enums.clone(),
            },
            Step::Comment(format!(
                "Fill existing rows before NOT NULL is enforced, e.g.:\nmanager.get_connection().execute_unprepared(\"UPDATE {t} SET {c} = <value> WHERE {c} IS NULL\").await?;",
                t = qt(table).replace('"', "\\\""),
                c = q(&column.name).replace('"', "\\\"")
            )),
            Step::ModifyColumn {
                table: table.clone(),
                column: column.name.clone(),
                calls: vec![Call::NotNull],
                enums: enums.clone(),
            },
        ];
    }
    vec![Step::AddColumn {
        table: table.clone(),
        column: column.name.clone(),
        calls: column_calls(column, false),
        enums: enums.clone(),
    }]
}

fn alter_column(
    table: &TableName,
    from: &Column,
    to: &Column,
    enums: &BTreeMap<String, Vec<String>>,
) -> Vec<Step> {
    let mut out = Vec::new();
    let sql = |s: String| Step::Sql {
        backend: Backend::Postgres,
        sql: s,
    };
    let modify = |calls: Vec<Call>| Step::ModifyColumn {
        table: table.clone(),
        column: to.name.clone(),
        calls,
        enums: enums.clone(),
    };
    let col = q(&to.name);
    let tbl = qt(table);
    let type_changed = from.ty != to.ty;
    let from_seq = from.auto_increment.then_some(from.sequence);
    let to_seq = to.auto_increment.then_some(to.sequence);
    if from_seq.is_some() && to_seq.is_none() {
        out.push(sql(sequence_sql(table, &to.name, &to.ty, from_seq, None)));
    }
    if from.default.is_some() && (to.default.is_none() || type_changed) {
        out.push(sql(format!(
            "ALTER TABLE {tbl} ALTER COLUMN {col} DROP DEFAULT"
        )));
    }
    if type_changed {
        let cast = match &to.ty {
            ColumnType::Enum(name) => format!("{col}::text::{}", q(name)),
            other => format!("{col}::{}", pg_type(other)),
        };
        out.push(modify(vec![Call::Type(to.ty.clone()), Call::Using(cast)]));
    }
    if let Some(d) = &to.default
        && (from.default.as_ref() != Some(d) || type_changed)
    {
        out.push(modify(vec![Call::Default(DefaultValue::parse(d))]));
    }
    if from.nullable != to.nullable {
        out.push(modify(vec![if to.nullable {
            Call::Null
        } else {
            Call::NotNull
        }]));
    }
    if to_seq.is_some() && from_seq != to_seq {
        out.push(sql(sequence_sql(table, &to.name, &to.ty, from_seq, to_seq)));
    }
    if from.comment != to.comment {
        out.push(comment_step(table, Some(&to.name), to.comment.as_deref()));
    }
    out
}

/// Give `column` the auto-increment flavour `to` (`None`: none), taking it
/// from `from`. The next value handed out is kept: the old sequence's
/// position when there is one, else one past the largest value in the table.
fn sequence_sql(
    table: &TableName,
    column: &str,
    ty: &ColumnType,
    from: Option<Sequence>,
    to: Option<Sequence>,
) -> String {
    let (tbl, col) = (qt(table), q(column));
    match (from, to) {
        (Some(Sequence::Identity), Some(Sequence::IdentityAlways)) => {
            return format!("ALTER TABLE {tbl} ALTER COLUMN {col} SET GENERATED ALWAYS");
        }
        (Some(Sequence::IdentityAlways), Some(Sequence::Identity)) => {
            return format!("ALTER TABLE {tbl} ALTER COLUMN {col} SET GENERATED BY DEFAULT");
        }
        _ => {}
    }
    let mut body = String::new();
    match from {
        Some(Sequence::Serial) => body.push_str(&format!(
            "  ALTER TABLE {tbl} ALTER COLUMN {col} DROP DEFAULT;\n  IF seq IS NOT NULL THEN EXECUTE format('DROP SEQUENCE %s', seq); END IF;\n"
        )),
        Some(_) => body.push_str(&format!(
            "  ALTER TABLE {tbl} ALTER COLUMN {col} DROP IDENTITY IF EXISTS;\n"
        )),
        None => {}
    }
    match to {
        Some(Sequence::Serial) => {
            let seq = qt(&TableName {
                schema: table.schema.clone(),
                name: format!("{}_{column}_seq", table.name),
            });
            body.push_str(&format!(
                "  CREATE SEQUENCE {seq} AS {} OWNED BY {tbl}.{col};\n  PERFORM setval({}, next, false);\n  ALTER TABLE {tbl} ALTER COLUMN {col} SET DEFAULT nextval({}::regclass);\n",
                pg_type(ty),
                sql_string(&seq),
                sql_string(&seq)
            ));
        }
        Some(kind) => {
            let how = if kind == Sequence::IdentityAlways {
                "ALWAYS"
            } else {
                "BY DEFAULT"
            };
            body.push_str(&format!(
                "  EXECUTE format('ALTER TABLE {} ALTER COLUMN {} ADD GENERATED {how} AS IDENTITY (START WITH %s)', next);\n",
                tbl.replace('\'', "''"),
                col.replace('\'', "''")
            ));
        }
        None => {}
    }
    format!(
        "DO $autogen$\nDECLARE\n  seq text := pg_get_serial_sequence({}, {});\n  next bigint;\nBEGIN\n  IF seq IS NOT NULL THEN\n    EXECUTE format('SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM %s', seq) INTO next;\n  ELSE\n    SELECT COALESCE(MAX({col}), 0) + 1 INTO next FROM {tbl};\n  END IF;\n{body}END\n$autogen$",
        sql_string(&tbl),
        sql_string(column)
    )
}

/// `COMMENT ON TABLE/COLUMN ... IS ...` (`None`: remove it). Only
/// PostgreSQL gets here: SQLite has no comments on either side of a diff.
fn comment_step(table: &TableName, column: Option<&str>, comment: Option<&str>) -> Step {
    let target = match column {
        Some(c) => format!("COLUMN {}.{}", qt(table), q(c)),
        None => format!("TABLE {}", qt(table)),
    };
    let text = comment.map_or_else(|| "NULL".to_owned(), sql_string);
    Step::Sql {
        backend: Backend::Postgres,
        sql: format!("COMMENT ON {target} IS {text}"),
    }
}

/// An SQL string literal (`'` doubled; a backslash is literal in standard strings).
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn alter_enum(name: &str, from: &[String], to: &[String], target: &Schema) -> Vec<Step> {
    if additions_only(from, to) {
        let mut out = Vec::new();
        for (i, value) in to.iter().enumerate() {
            if from.contains(value) {
                continue;
            }
            let before = to[i + 1..].iter().find(|v| from.contains(v)).cloned();
            let after = if before.is_none() {
                to[..i].last().cloned()
            } else {
                None
            };
            out.push(Step::AddEnumValue {
                name: name.to_owned(),
                value: value.clone(),
                before,
                after,
            });
        }
        return out;
    }
    // Values removed or reordered: swap the type, converting every column through text.
    let sql = |s: String| Step::Sql {
        backend: Backend::Postgres,
        sql: s,
    };
    let old = format!("{name}__autogen_old");
    let mut out = vec![
        sql(format!("ALTER TYPE {} RENAME TO {}", q(name), q(&old))),
        sql(format!(
            "CREATE TYPE {} AS ENUM ({})",
            q(name),
            to.iter()
                .map(|v| format!("'{}'", v.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    ];
    for t in target.tables.values() {
        for c in t
            .columns
            .iter()
            .filter(|c| c.ty == ColumnType::Enum(name.to_owned()))
        {
            let (tbl, col) = (qt(&t.qualified()), q(&c.name));
            if c.default.is_some() {
                out.push(sql(format!(
                    "ALTER TABLE {tbl} ALTER COLUMN {col} DROP DEFAULT"
                )));
            }
            out.push(sql(format!(
                "ALTER TABLE {tbl} ALTER COLUMN {col} TYPE {} USING {col}::text::{}",
                q(name),
                q(name)
            )));
            if let Some(d) = &c.default {
                out.push(sql(format!(
                    "ALTER TABLE {tbl} ALTER COLUMN {col} SET DEFAULT {d}"
                )));
            }
        }
    }
    out.push(sql(format!("DROP TYPE {}", q(&old))));
    out
}

fn pg_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Custom(s) => s.clone(),
        ColumnType::Enum(name) => q(name),
        ColumnType::Json => "json".into(),
        ColumnType::JsonBinary => "jsonb".into(),
        ColumnType::Real => "real".into(),
        other => other.sql(),
    }
}

/// A table in SQL: `"schema"."table"` outside the connection's schema.
fn qt(t: &TableName) -> String {
    match &t.schema {
        Some(schema) => format!("{}.{}", q(schema), q(&t.name)),
        None => q(&t.name),
    }
}

fn q(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Indexes and constraints share one namespace per schema with tables (PostgreSQL
/// relations, SQLite's `sqlite_master`): an index created under a name that
/// another object already has (an index on a table kept as unknown, say)
/// fails. Such an index is given the first free `name_N`; names are not
/// compared, so the fixpoint holds, and the down migration drops that name.
fn free_names(mut changes: Vec<Change>, live: &Schema) -> Vec<Change> {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for t in live.tables.values() {
        taken.insert(t.name.clone());
        if !t.primary_key_name.is_empty() {
            taken.insert(t.primary_key_name.clone());
        }
        taken.extend(t.indexes.iter().map(|i| i.name.clone()));
    }
    // "index NAME on TABLE: ..." (see the introspectors).
    taken.extend(live.unmanaged.iter().filter_map(|u| {
        u.strip_prefix("index ")
            .and_then(|r| r.split_once(" on "))
            .map(|(name, _)| name.to_owned())
    }));
    for c in &changes {
        if let Change::DropIndex { index, .. } = c {
            taken.remove(&index.name);
        }
    }
    let claim = |name: &mut String, taken: &mut BTreeSet<String>| {
        if name.is_empty() {
            return;
        }
        if taken.contains(name.as_str()) {
            let free = (1..)
                .map(|n| {
                    let suffix = format!("_{n}");
                    // PostgreSQL cuts identifiers at 63 bytes.
                    let mut base = name.clone();
                    while base.len() + suffix.len() > 63 {
                        base.pop();
                    }
                    base + &suffix
                })
                .find(|candidate| !taken.contains(candidate))
                .unwrap_or_default();
            tracing::info!("index name {name} is taken in the database: creating it as {free}");
            *name = free;
        }
        taken.insert(name.clone());
    };
    for c in &mut changes {
        match c {
            Change::AddIndex { index, .. } => claim(&mut index.name, &mut taken),
            Change::CreateTable { table } => {
                for index in &mut table.indexes {
                    claim(&mut index.name, &mut taken);
                }
            }
            _ => {}
        }
    }
    changes
}

/// Up and down steps for `changes`, which take `live` to `target`.
pub fn up_and_down(
    changes: &[Change],
    live: &Schema,
    target: &Schema,
    backend: Backend,
) -> (Vec<Change>, Vec<Step>, Vec<Step>) {
    let ordered = order(free_names(changes.to_vec(), live));
    let up = steps(&ordered, live, target, backend);
    let reversed: Vec<Change> = ordered.iter().rev().map(Change::reverse).collect();
    let down = steps(&reversed, target, live, backend);
    (ordered, up, down)
}
