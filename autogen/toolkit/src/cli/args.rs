//! The command line as clap reads it: the global options, the options of
//! generation, and every command with its arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::commands;

/// Alembic-style migrations for SeaORM: generate from entities, apply, inspect.
#[derive(Debug, Parser)]
#[command(name = "autogen", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(flatten)]
    pub generate: GenerateArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// When output is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always, even into a pipe or with NO_COLOR set.
    Always,
    /// Never.
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Database URL (else DATABASE_URL, else `.env`, else the embedded SQLite default).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// The migration crate's source directory.
    #[arg(long, global = true)]
    pub migration_dir: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// How long to wait for another process's migration lock, in seconds.
    #[arg(long, global = true, default_value_t = 60)]
    pub lock_timeout: u64,
    /// No progress output (bars, spinners, progress lines); results and errors still print.
    #[arg(long, short, global = true, env = "AUTOGEN_QUIET",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub quiet: bool,
    /// Colour the output: `auto` (on a terminal, unless NO_COLOR is set), `always` or `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Default, Args)]
pub struct GenerateArgs {
    /// Message of the new migration (its file name is made from it).
    #[arg(short, long)]
    pub message: Option<String>,
    /// Declare a column rename: `table.old=new` (repeatable).
    #[arg(long = "rename", value_name = "TABLE.OLD=NEW")]
    pub renames: Vec<String>,
    /// Declare a table rename: `old=new` (repeatable).
    #[arg(long = "rename-table", value_name = "OLD=NEW")]
    pub table_renames: Vec<String>,
    /// Drop tables that no entity describes (default: report them only).
    #[arg(long)]
    pub drop_unknown: bool,
    /// Leave tables out of the comparison (`name` or `prefix*`, repeatable).
    #[arg(long, value_name = "TABLE")]
    pub exclude: Vec<String>,
    /// Never ask; undecided renames become drop + add (with a warning).
    #[arg(long)]
    pub no_input: bool,
    /// PostgreSQL: generate the forms that never block writes (indexes
    /// CONCURRENTLY, constraints NOT VALID then validated, lock_timeout) in a
    /// non-transactional migration of their own (default: `[online]` in autogen.toml).
    #[arg(long)]
    pub online: bool,
    /// Write a migration that drops or rewrites tables or columns holding
    /// rows, or narrows their type, without asking (default: ask on a
    /// terminal, refuse without one; `accept_data_loss` in autogen.toml).
    #[arg(long)]
    pub accept_data_loss: bool,
}

impl GenerateArgs {
    pub(super) fn is_empty(&self) -> bool {
        self.message.is_none()
            && self.renames.is_empty()
            && self.table_renames.is_empty()
            && !self.drop_unknown
            && self.exclude.is_empty()
            && !self.no_input
            && !self.online
            && !self.accept_data_loss
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print what would be generated, without writing anything.
    Diff(GenerateArgs),
    /// Exit 0 when entities and database agree, 1 (with the list) when not.
    Check {
        #[command(flatten)]
        args: GenerateArgs,
        #[command(flatten)]
        fleet: commands::fleet::FleetArgs,
    },
    /// What the database has that the entities do not declare (indexes,
    /// defaults), as declarations to add before the first `-m`.
    Adopt {
        #[command(flatten)]
        args: GenerateArgs,
        /// Write the extra-index list (a Rust module) and give it to the
        /// migration crate's autogen binary; default FILE:
        /// <migration src>/bin/autogen/indexes.rs.
        #[arg(long, value_name = "FILE", num_args = 0..=1)]
        write: Option<Option<PathBuf>>,
    },
    /// Write a migration: from the entities (default) or an empty template.
    Revision {
        #[command(flatten)]
        args: GenerateArgs,
        /// Write an empty template for hand-written changes.
        #[arg(long)]
        empty: bool,
        /// Accepted for Alembic habits; generating is the default.
        #[arg(long)]
        autogenerate: bool,
    },
    /// The revision the database is at, and whether that is head.
    Current {
        #[command(flatten)]
        fleet: commands::fleet::FleetArgs,
    },
    /// Every migration, oldest first, marked applied / pending / head.
    History {
        /// One block per revision: parents, status, creation date, file and message.
        #[arg(long, short)]
        verbose: bool,
    },
    /// The head(s) of the revision graph.
    Heads,
    /// Apply pending migrations up to TARGET (`head`, `+N` or a revision).
    Upgrade {
        /// Where to go: `head`, `+N` (N migrations forward) or a revision (name or unique prefix).
        #[arg(default_value = "head", allow_hyphen_values = true)]
        target: String,
        /// Print the SQL instead of running it (read from the database, or
        /// from an empty one with --offline or without a URL).
        #[arg(long)]
        sql: bool,
        /// With --sql: do not connect; assume an empty database.
        #[arg(long, requires = "sql")]
        offline: bool,
        /// Run inside a transaction, report statements and timings, roll back
        /// (PostgreSQL and SQLite; MySQL/MariaDB cannot roll DDL back).
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        fleet: commands::fleet::FleetArgs,
    },
    /// Roll back to TARGET (`-N`, a revision or `base`).
    Downgrade {
        /// Where to go back to: `-N` (N migrations back), `base` (nothing applied) or a revision.
        #[arg(allow_hyphen_values = true)]
        target: String,
        /// Print the SQL instead of running it (read from the database, or
        /// from one at head with --offline or without a URL).
        #[arg(long)]
        sql: bool,
        /// With --sql: do not connect; assume a database at head.
        #[arg(long, requires = "sql")]
        offline: bool,
        /// Do not ask for confirmation of destructive steps.
        #[arg(long, short)]
        yes: bool,
        #[command(flatten)]
        fleet: commands::fleet::FleetArgs,
    },
    /// Check migrations against rules for safe PostgreSQL changes (exit 1
    /// with findings): the ones pending on the database, or the REVs named.
    Lint {
        /// Revisions to lint (names or unique prefixes); default: the pending ones.
        revisions: Vec<String>,
        /// Do not report RULE (repeatable; see `[lint]` in autogen.toml).
        #[arg(long, value_name = "RULE")]
        allow: Vec<String>,
    },
    /// Mark the database as at TARGET without running migrations.
    Stamp {
        /// The revision to record: `head`, `base`, `+N`/`-N` or a revision (name or unique prefix).
        #[arg(allow_hyphen_values = true)]
        target: String,
    },
    /// Write a merge migration joining several heads into one.
    Merge {
        /// Message of the merge migration (its file name is made from it).
        #[arg(short, long)]
        message: String,
    },
    /// Replace all migrations by one base migration generated from the entities.
    Squash {
        /// Message of the new base migration (its file name is made from it).
        #[arg(short, long)]
        message: String,
    },
    /// Drop everything the migrations created and re-apply from scratch.
    Reset {
        /// Do not ask for confirmation (everything in the database is lost).
        #[arg(long, short)]
        yes: bool,
    },
    /// Exit 0 when the applied migrations are the ones the code has
    /// (checksums), 1 listing each edited, missing or out-of-order one.
    Validate,
    /// Test the migrations on a scratch database (created and dropped): one
    /// head, empty -> head, `check` at head, up/down/up of each in order,
    /// then the user cases (`migration/tests/*.toml`), each on its own.
    Test {
        /// The directory of the user cases (`*.toml`; default: `[test]
        /// cases_dir` of autogen.toml, else `tests/` beside the migration
        /// crate's `src/`).
        #[arg(long, value_name = "DIR")]
        cases: Option<PathBuf>,
    },
    /// Re-record the checksums of the applied migrations after a deliberate edit.
    Repair {
        /// Re-record without asking (required: it accepts every edit as it is now).
        #[arg(long, short)]
        yes: bool,
    },
    /// Write SeaORM entities for every table of the live database (replacing
    /// the generated files in DIR, regenerating its lib.rs and prelude.rs).
    Entities {
        /// The entity crate's source directory.
        #[arg(long, default_value = "entity/src", value_name = "DIR")]
        dir: PathBuf,
        /// Overwrite files in DIR that were not generated.
        #[arg(long)]
        force: bool,
        /// PostgreSQL: also write the tables of this schema (repeatable;
        /// their entities carry `schema_name`).
        #[arg(long = "schema", value_name = "NAME")]
        schemas: Vec<String>,
    },
    /// Set up autogen in the SeaORM workspace of the current directory.
    Init {
        /// Depend on the toolkit at this checkout (path dependency) instead of crates.io.
        #[arg(long, value_name = "DIR")]
        toolkit_path: Option<PathBuf>,
        /// The crate that holds the `Migrator` and the migration files,
        /// when several crates depend on sea-orm-migration.
        #[arg(long, value_name = "NAME")]
        migration_crate: Option<String>,
    },
    /// Print a shell completion script: `autogen completions bash > /etc/bash_completion.d/autogen`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (`autogen man | man -l -`), or write one page per command to DIR.
    Man {
        /// Write autogen.1 and autogen-<command>.1 into DIR instead of printing autogen.1.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

impl Command {
    /// The command's name on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Diff(_) => "diff",
            Self::Check { .. } => "check",
            Self::Adopt { .. } => "adopt",
            Self::Revision { .. } => "revision",
            Self::Current { .. } => "current",
            Self::History { .. } => "history",
            Self::Heads => "heads",
            Self::Upgrade { .. } => "upgrade",
            Self::Downgrade { .. } => "downgrade",
            Self::Lint { .. } => "lint",
            Self::Stamp { .. } => "stamp",
            Self::Merge { .. } => "merge",
            Self::Squash { .. } => "squash",
            Self::Reset { .. } => "reset",
            Self::Entities { .. } => "entities",
            Self::Init { .. } => "init",
            Self::Completions { .. } => "completions",
            Self::Man { .. } => "man",
            Self::Validate => "validate",
            Self::Test { .. } => "test",
            Self::Repair { .. } => "repair",
        }
    }
}
