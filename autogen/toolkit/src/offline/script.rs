//! The script of `upgrade --sql` / `downgrade --sql` as text: the
//! bookkeeping tables' DDL, one block per migration (in its own transaction
//! where `upgrade` would use one) with its `seaql_migrations` row and its
//! checksum row, so that a database migrated by the script is one
//! `autogen validate` trusts.

use autogen_runtime::bookkeeping;
use autogen_runtime::checksum;
use autogen_runtime::{Direction, MIGRATION_TABLE};
use sea_orm::DbBackend;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm_migration::MigratorTrait;

use super::{MigrationSql, OfflineError, Recorded, Shared, recording};
use crate::recorder::take;

/// The bookkeeping tables' DDL: `CREATE TABLE IF NOT EXISTS` of
/// `seaql_migrations` (upgrade) and of `autogen_checksums` (both directions:
/// a downgrade forgets checksum rows, and a database scripted before
/// checksums has no table to forget them from).
pub async fn install_sql<M: MigratorTrait>(
    backend: DbBackend,
    direction: Direction,
    assumed: &Shared,
) -> Result<Vec<Recorded>, OfflineError> {
    let mut out = Vec::new();
    if direction == Direction::Up {
        let (conn, log) = recording(backend, assumed);
        M::install(&conn).await.map_err(|e| OfflineError::Errored {
            name: MIGRATION_TABLE.to_owned(),
            source: e,
        })?;
        out = take(&log);
    }
    out.push(Recorded::Execute(
        backend.build(&checksum::install_statement()).to_string(),
    ));
    Ok(out)
}

/// The checksum rows `upgrade` writes (or `downgrade` forgets) for `m`,
/// ranked by the server's clock when the script runs.
pub fn checksum_rows(backend: DbBackend, m: &MigrationSql, direction: Direction) -> Vec<String> {
    match (direction, &m.checksum) {
        (Direction::Up, Some(sum)) => {
            let (forget, insert) =
                checksum::record_statements(&m.name, sum, checksum::rank_on_server(backend));
            vec![
                backend.build(&forget).to_string(),
                backend.build(&insert).to_string(),
            ]
        }
        (Direction::Up, None) => Vec::new(),
        (Direction::Down, _) => {
            vec![
                backend
                    .build(&checksum::forget_statement(&m.name))
                    .to_string(),
            ]
        }
    }
}

/// The row `upgrade` writes (or `downgrade` deletes) for `name`.
pub fn bookkeeping(backend: DbBackend, name: &str, direction: Direction) -> String {
    let stmt = match direction {
        Direction::Up => backend.build(&bookkeeping::record(
            name,
            bookkeeping::now_on_server(backend),
        )),
        Direction::Down => backend.build(&bookkeeping::forget([name])),
    };
    stmt.to_string()
}

/// Statements that replace the squashed rows by the squash base (what
/// `upgrade` does first on a database at a squashed head).
pub fn squash_bookkeeping(
    backend: DbBackend,
    rows: &[&str],
    base: &str,
    base_recorded: bool,
) -> Vec<String> {
    let mut out = vec![
        backend
            .build(
                Query::delete()
                    .from_table(MIGRATION_TABLE)
                    .and_where(Expr::col("version").is_in(rows.iter().copied())),
            )
            .to_string(),
    ];
    if !base_recorded {
        out.push(bookkeeping(backend, base, Direction::Up));
    }
    out
}

/// What a script is about, for its header.
pub struct Script<'a> {
    pub backend: DbBackend,
    pub direction: Direction,
    /// Header comment lines (without `-- `).
    pub notes: &'a [String],
    /// `CREATE TABLE IF NOT EXISTS` of the bookkeeping tables ([`install_sql`]).
    pub install: &'a [Recorded],
    /// Bookkeeping to run first (a squash stamp), in one transaction.
    pub prelude: &'a [String],
    pub migrations: &'a [MigrationSql],
}

/// The SQL script: one block per migration, each in its own transaction
/// where `upgrade` would use one, with its bookkeeping and checksum rows.
pub fn render(script: &Script<'_>) -> String {
    let mut out = String::new();
    for note in script.notes {
        out.push_str(&format!("-- {note}\n"));
    }
    let sqlite = script.backend == DbBackend::Sqlite;
    let any_transactional = script.migrations.iter().any(|m| m.transactional);
    if sqlite && any_transactional {
        // As the runtime does: table rebuilds drop and rename parents, so
        // foreign keys are checked by the migration, not per statement.
        out.push_str("PRAGMA foreign_keys = OFF;\n");
    }
    if !script.install.is_empty() {
        out.push('\n');
        push_lines(&mut out, script.install);
    }
    if !script.prelude.is_empty() {
        out.push_str("\n-- squash: the database is at the squashed head, record it as at the squash base\nBEGIN;\n");
        for stmt in script.prelude {
            out.push_str(&format!("{stmt};\n"));
        }
        out.push_str("COMMIT;\n");
    }
    for m in script.migrations {
        let verb = match script.direction {
            Direction::Up => "upgrade",
            Direction::Down => "downgrade",
        };
        out.push_str(&format!("\n-- {} ({verb})\n", m.name));
        if let Some(why) = &m.left_out {
            out.push_str(&format!(
                "-- LEFT OUT: {why}. Run `autogen {verb}` for it; this script does not record it.\n"
            ));
            continue;
        }
        if m.transactional {
            out.push_str("BEGIN;\n");
        }
        push_lines(&mut out, &m.statements);
        out.push_str(&format!(
            "{};\n",
            bookkeeping(script.backend, &m.name, script.direction)
        ));
        for row in checksum_rows(script.backend, m, script.direction) {
            out.push_str(&format!("{row};\n"));
        }
        if m.transactional {
            out.push_str("COMMIT;\n");
        }
    }
    if sqlite && any_transactional {
        out.push_str("\nPRAGMA foreign_keys = ON;\n");
    }
    out
}

fn push_lines(out: &mut String, lines: &[Recorded]) {
    for line in lines {
        match line {
            Recorded::Execute(sql) => {
                out.push_str(&format!("{};\n", sql.trim_end().trim_end_matches(';')))
            }
            Recorded::Query(sql) => {
                let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
                out.push_str(&format!(
                    "-- the migration reads here (offline: assumed to find no rows): {one_line}\n"
                ));
            }
            Recorded::Answered(answer) => {
                out.push_str(&format!("-- the migration asks: {answer}\n"));
            }
        }
    }
}
