//! The lint rules: id, where each applies, why it matters and what to do
//! instead. PostgreSQL rules carry squawk's ids; the MySQL/MariaDB rules
//! name the ALGORITHM the server picks (MySQL 8.0, MariaDB 10.11).
//!
//! Where a rule applies is decided by the engine's capabilities
//! (`CONCURRENTLY`, `lock_timeout`, transactional DDL) where one exists,
//! else by the dialect whose statements the rule reads.

use autogen_runtime::config::Backend;
use autogen_runtime::flavour::Capabilities;

/// The engine a migration is linted for: its dialect and what it allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub dialect: Backend,
    pub caps: Capabilities,
}

impl Target {
    /// The plain engine of a dialect.
    pub fn of(dialect: Backend) -> Self {
        Target {
            dialect,
            caps: Capabilities::of(dialect),
        }
    }
}

/// A lint rule.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub id: &'static str,
    /// Ids the rule had before (still accepted in allow lists).
    pub old_ids: &'static [&'static str],
    /// Whether the rule means anything on this engine.
    pub applies: fn(&Target) -> bool,
    pub why: &'static str,
    pub instead: &'static str,
}

impl Rule {
    /// Whether `id` names this rule (its id or a former one).
    pub fn is(&self, id: &str) -> bool {
        self.id == id || self.old_ids.contains(&id)
    }
}

fn concurrent_index(t: &Target) -> bool {
    t.caps.concurrent_index
}
fn lock_timeout(t: &Target) -> bool {
    t.caps.lock_timeout
}
fn enum_in_transaction(t: &Target) -> bool {
    t.caps.enum_add_value_in_transaction
}
/// A migration can opt out of a transaction only where DDL has one.
fn transactional_ddl(t: &Target) -> bool {
    t.caps.transactional_ddl
}
/// No capability names it: the remedy is PostgreSQL syntax (NOT VALID,
/// CHECK-backed SET NOT NULL, a rewrite for volatile defaults).
fn postgres(t: &Target) -> bool {
    t.dialect == Backend::Postgres
}
fn mysql(t: &Target) -> bool {
    t.dialect == Backend::MySql
}
fn any(_: &Target) -> bool {
    true
}

macro_rules! rules {
    ($($name:ident = $id:literal $([$($old:literal),*])? if $applies:ident: $why:literal => $instead:literal;)*) => {
        $(pub(super) const $name: Rule = Rule {
            id: $id,
            old_ids: &[$($($old),*)?],
            applies: $applies,
            why: $why,
            instead: $instead,
        };)*
        /// Every rule, in the order they are documented.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    CONCURRENT_CREATE = "require-concurrent-index-creation" if concurrent_index:
        "CREATE INDEX blocks every write to the table for the whole index build"
        => "build it with CREATE INDEX CONCURRENTLY in a non-transactional migration (`autogen -m --online`)";
    CONCURRENT_DROP = "require-concurrent-index-deletion" if concurrent_index:
        "DROP INDEX takes an exclusive lock on the table, queueing reads and writes behind any running query"
        => "drop it with DROP INDEX CONCURRENTLY in a non-transactional migration (`autogen -m --online`)";
    CONCURRENT_IN_TXN = "ban-concurrent-index-creation-in-transaction" if concurrent_index:
        "PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY inside a transaction block, so the migration fails"
        => "put it in a non-transactional migration (`use_transaction()` returning `Some(false)`; `autogen -m --online` does this)";
    NOT_VALID = "constraint-missing-not-valid" if postgres:
        "adding a foreign key or CHECK validates every existing row while holding a lock that blocks writes"
        => "add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction (`autogen -m --online`)";
    NOT_NULL_FIELD = "adding-not-nullable-field" if any:
        "adding a NOT NULL column without a default fails on a table that has rows"
        => "add it nullable (or with a constant default), backfill it, then set NOT NULL through a validated CHECK";
    SET_NOT_NULL = "setting-not-null" if postgres:
        "SET NOT NULL scans the whole table under an exclusive lock that blocks reads and writes"
        => "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL and drop the check (`autogen -m --online`)";
    VOLATILE_DEFAULT = "adding-field-with-volatile-default" if postgres:
        "a column with a volatile default (random(), gen_random_uuid(), clock_timestamp(), ...) rewrites the whole table under an exclusive lock"
        => "add the column without a default, backfill it in batches, then set the default";
    COLUMN_TYPE = "changing-column-type" if postgres:
        "changing a column's type usually rewrites the table (and its indexes) under an exclusive lock"
        => "add a new column, backfill it in batches, switch reads and writes to it, then drop the old one";
    DROP_COLUMN = "drop-column" if any:
        "dropping a column loses its data, and the release still running may read or write it"
        => "stop using the column in a release first, then drop it (allow the rule for this migration once that is done)";
    DROP_TABLE = "drop-table" if any:
        "dropping a table loses its data, and the release still running may use it"
        => "stop using the table in a release first, then drop it (allow the rule for this migration once that is done)";
    RENAME_COLUMN = "renaming-column" if any:
        "renaming a column breaks the release still running, which uses the old name"
        => "add the new column, write both, backfill, move reads, then drop the old one";
    RENAME_TABLE = "renaming-table" if any:
        "renaming a table breaks the release still running, which uses the old name"
        => "create the new table (or a view under the old name), move the code over, then drop the old one";
    UNIQUE = "disallowed-unique-constraint" if concurrent_index:
        "adding a UNIQUE constraint builds its index while blocking writes to the table"
        => "build a unique index CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX (`autogen -m --online`)";
    TIMEOUTS = "require-timeout-settings" ["require-lock-timeout"] if lock_timeout:
        "a DDL statement waiting for its table lock queues every later query on that table behind it, for as long as the wait lasts"
        => "start the migration with SET LOCAL lock_timeout = '5s' and SET LOCAL statement_timeout (SET outside a transaction); autogen retries what gives up (`autogen -m --online` writes them)";
    ROBUST = "prefer-robust-stmts" if transactional_ddl:
        "a migration outside a transaction that fails half-way is run again from the start, and a statement that already ran then fails"
        => "write it so it can run twice: IF NOT EXISTS / IF EXISTS, or behind a check of the catalog (the `autogen_runtime::online` helpers do this)";
    ENUM_SAME_TXN = "enum-value-used-in-same-transaction" if enum_in_transaction:
        "PostgreSQL refuses to use an enum value in the transaction that added it (\"unsafe use of new value\")"
        => "add the value in a migration of its own that commits first (`autogen -m` does this)";
    MYSQL_COPY = "mysql-table-copy" if mysql:
        "the statement gets ALGORITHM=COPY on MySQL 8 and MariaDB 10.11 (a column type change, a new primary key, a charset conversion): the table is copied row by row while writes to it are blocked"
        => "state ALGORITHM=INPLACE, LOCK=NONE (the server then refuses instead of copying), or change the table with an online schema change tool (gh-ost, pt-online-schema-change), or add a new column, backfill it and switch";
    MYSQL_ENUM = "mysql-enum-reorder" if mysql:
        "reordering or removing ENUM/SET values changes what every stored value means, so the table is copied (ALGORITHM=COPY, writes blocked) and a row holding a removed value fails or becomes ''"
        => "only append new values at the end of the list (ALGORITHM=INSTANT); to remove one, move its rows to another value first";
    MYSQL_FK = "mysql-foreign-key-copy" if mysql:
        "ADD FOREIGN KEY with foreign_key_checks = 1 gets ALGORITHM=COPY on MySQL 8 and MariaDB 10.11: the table is copied and writes to it are blocked until every row is checked"
        => "check for orphan rows first (the generated pre-check does), then SET foreign_key_checks = 0 for the statement (ALGORITHM=INPLACE, no copy) and set it back to 1";
}

/// The rule an id names (its id or a former one).
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.is(id))
}
