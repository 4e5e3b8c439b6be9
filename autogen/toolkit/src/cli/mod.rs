//! The `autogen` command line: clap arguments and dispatch. Each command is
//! one module of `commands` that prints its result (through `output`) and
//! returns an [`Outcome`]; exit codes live here. The library below the CLI
//! never prints.

mod commands;
mod compare;
mod output;
mod progress;
mod session;
pub(crate) mod status;

use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::sea_query::{DynIden, IndexCreateStatement};
use sea_orm_migration::{MigrationTrait, MigratorTrait};

use crate::config::DatabaseUrl;
use crate::runtime::Squashed;
use crate::settings::Settings;
use crate::source::entities::EntitySource;

/// What a workspace wires into the CLI: where its entities and migrations are.
#[derive(Clone)]
pub struct Project {
    /// Module prefix of the entities in SeaORM's registry, e.g. `"entity::*"`.
    pub registry_prefix: &'static str,
    /// Indexes the entity attributes cannot express.
    pub extra_indexes: fn() -> Vec<IndexCreateStatement>,
    /// Tables of the target schema that are not SeaORM entities, as the DDL
    /// that creates them on the given backend (usually none; the benchmarks
    /// use it for synthetic schemas too large to compile as entities).
    pub extra_ddl: fn(DbBackend) -> Vec<String>,
    /// The migration crate's `src/` directory, relative to the workspace root.
    pub migration_src: &'static str,
    /// What `--version` prints (e.g. with the commit and the sea-orm
    /// version, from the binary's build script); the toolkit's version when unset.
    pub version: Option<&'static str>,
    /// The SQLite file used when no database URL is given (the
    /// application's default); none: a URL is required.
    pub default_sqlite: Option<&'static str>,
}

impl Project {
    /// The entities registered under `registry_prefix` (e.g. `"entity::*"`)
    /// and the migration crate's `src/` at `migration_src` (relative to the
    /// workspace root); no extra indexes or tables.
    pub const fn new(registry_prefix: &'static str, migration_src: &'static str) -> Self {
        Self {
            registry_prefix,
            extra_indexes: Vec::new,
            extra_ddl: no_ddl,
            migration_src,
            version: None,
            default_sqlite: None,
        }
    }

    /// The SQLite file used when no database URL is given (the application's own default).
    pub const fn with_default_sqlite(mut self, file: &'static str) -> Self {
        self.default_sqlite = Some(file);
        self
    }

    /// What `--version` prints instead of the toolkit's version.
    pub const fn with_version(mut self, version: &'static str) -> Self {
        self.version = Some(version);
        self
    }

    /// Indexes the entity attributes cannot express (composite, non-unique).
    pub const fn with_indexes(mut self, indexes: fn() -> Vec<IndexCreateStatement>) -> Self {
        self.extra_indexes = indexes;
        self
    }

    pub fn entity_source(&self) -> EntitySource {
        EntitySource {
            registry_prefix: self.registry_prefix.to_owned(),
            extra_indexes: (self.extra_indexes)(),
            extra_ddl: self.extra_ddl,
        }
    }
}

fn no_ddl(_: DbBackend) -> Vec<String> {
    Vec::new()
}

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
    fn is_empty(&self) -> bool {
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

/// How a command ended, for the exit code.
pub enum Outcome {
    Ok,
    /// `check` found differences.
    Differs,
    /// Failures already reported (a fleet's table): exit 2, nothing more to print.
    Failed,
}

/// Log to stderr, `warn` by default (`RUST_LOG` overrides), as a command
/// line wants: call it first in the binary's `main`.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,sqlx=error".into()),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

// The futures are boxed at two levels (the whole run, each command) so that
// none nests every command's and every driver's state: a binary calling
// `main` then needs no `#![recursion_limit]` of its own.

/// Parse arguments, run, print, map to an exit code (0 ok, 1 check differs,
/// 2 error), for any sea-orm-migration `Migrator` (one written by hand or by
/// `sea-orm-cli` included). Nothing is squashed: `autogen squash` needs
/// [`main_squashed`].
pub async fn main<M: MigratorTrait>(project: Project) -> ExitCode {
    quiet_on_broken_pipe();
    let cli = parse(&project);
    exit(Box::pin(run_parsed::<Unsquashed<M>>(&project, cli, false)).await)
}

/// [`main`] for a `Migrator` that also names the revisions `autogen squash`
/// folded into its first migration (`impl autogen_runtime::Squashed`).
pub async fn main_squashed<M: MigratorTrait + Squashed>(project: Project) -> ExitCode {
    quiet_on_broken_pipe();
    let cli = parse(&project);
    exit(Box::pin(run_parsed::<M>(&project, cli, true)).await)
}

/// The clap definition, with the project's `--version` text.
pub fn command(project: &Project) -> clap::Command {
    let cmd = Cli::command();
    match project.version {
        Some(version) => cmd.version(version),
        None => cmd,
    }
}

fn parse(project: &Project) -> Cli {
    let matches = command(project).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The exit status of a process ended by SIGPIPE (128 + 13), as `git log | head` ends.
pub const BROKEN_PIPE_EXIT: i32 = 141;

/// `autogen history | head`: stdout closes early, and Rust's `println!`
/// panics on the broken pipe. Stop quietly instead (no message, no
/// backtrace), with the status a process killed by SIGPIPE has, so that a
/// script with `pipefail` still sees that the command did not finish.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if text.starts_with("failed printing to std") && text.contains("Broken pipe") {
            std::process::exit(BROKEN_PIPE_EXIT);
        }
        default(info);
    }));
}

fn exit((result, json): (anyhow::Result<Outcome>, bool)) -> ExitCode {
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Differs) => ExitCode::from(1),
        Ok(Outcome::Failed) => ExitCode::from(2),
        Err(e) => {
            output::error(&e, json);
            ExitCode::from(2)
        }
    }
}

async fn run_parsed<M: MigratorTrait + Squashed>(
    project: &Project,
    cli: Cli,
    squashes: bool,
) -> (anyhow::Result<Outcome>, bool) {
    let json = cli.global.json;
    (run_with::<M>(project, cli, squashes).await, json)
}

/// A `Migrator` seen with nothing squashed: how [`main`] runs one that does
/// not implement [`Squashed`]. Everything else is `M`'s.
pub struct Unsquashed<M>(PhantomData<M>);

impl<M: MigratorTrait> MigratorTrait for Unsquashed<M> {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        M::migrations()
    }

    fn migration_table_name() -> DynIden {
        M::migration_table_name()
    }
}

impl<M> Squashed for Unsquashed<M> {}

/// Run a parsed command line (the squashed list is `M`'s).
pub async fn run<M: MigratorTrait + Squashed>(
    project: &Project,
    cli: Cli,
) -> anyhow::Result<Outcome> {
    run_with::<M>(project, cli, true).await
}

async fn run_with<M: MigratorTrait + Squashed>(
    project: &Project,
    cli: Cli,
    squashes: bool,
) -> anyhow::Result<Outcome> {
    // Global options (`--database-url`, `--json`, ...) go anywhere; the
    // options of the default `-m` command only without a command. (clap's
    // `args_conflicts_with_subcommands` would reject the global ones too.)
    if let Some(command) = &cli.command
        && !cli.generate.is_empty()
    {
        anyhow::bail!(
            "generation options (-m, --rename, --exclude, ...) cannot come before the `{}` command: write `autogen -m \"message\"` alone, or put them after `revision`, `diff` or `check`",
            command.name()
        );
    }
    let g = cli.global;
    output::set_colour(g.color);
    progress::install(g.quiet || g.json);
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let mut cmd = command(project);
            let name = cmd.get_name().to_owned();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut cmd, name, &mut script);
            output::raw(&script)?;
            return Ok(Outcome::Ok);
        }
        Some(Command::Man { out_dir }) => {
            commands::man::run(command(project), out_dir.as_deref())?;
            return Ok(Outcome::Ok);
        }
        _ => {}
    }
    // `init` writes the settings; every other command reads them.
    let settings = match cli.command {
        Some(Command::Init { .. }) => Settings::default(),
        _ => Settings::load(Path::new("."))?,
    };
    if let Some(dir) = &settings.cache_dir
        && std::env::var_os("AUTOGEN_CACHE_DIR").is_none()
    {
        crate::source::set_cache_dir(Some(dir.clone()));
    }
    let ctx = Context {
        project: project.clone(),
        database_url: g.database_url,
        migration_dir: g
            .migration_dir
            .or_else(|| settings.migration_dir.clone())
            .unwrap_or_else(|| PathBuf::from(project.migration_src)),
        json: g.json,
        lock_timeout: crate::config::wait_secs("--lock-timeout", g.lock_timeout)?,
        settings,
        squashes,
    };
    commands::fleet::refuse_stray(&cli.command)?;
    match cli.command {
        None => match cli.generate.message.clone() {
            Some(message) => {
                Box::pin(commands::generate::run::<M>(&ctx, &cli.generate, &message)).await
            }
            None => anyhow::bail!(
                "nothing to do: pass -m \"message\" to generate a migration, or a command (see --help)"
            ),
        },
        Some(Command::Diff(args)) => Box::pin(commands::diff::run::<M>(&ctx, &args)).await,
        Some(Command::Check { args, fleet }) if fleet.wanted() => {
            Box::pin(commands::fleet::check::<M>(&ctx, &fleet, &args)).await
        }
        Some(Command::Check { args, .. }) => Box::pin(commands::check::run::<M>(&ctx, &args)).await,
        Some(Command::Adopt { args, write }) => {
            let write = write.as_ref().map(Option::as_deref);
            Box::pin(commands::adopt::run::<M>(&ctx, &args, write)).await
        }
        Some(Command::Revision { args, empty, .. }) => {
            Box::pin(commands::revision::run::<M>(&ctx, &args, empty)).await
        }
        Some(Command::Current { fleet }) if fleet.wanted() => {
            Box::pin(commands::fleet::current::<M>(&ctx, &fleet)).await
        }
        Some(Command::Current { .. }) => Box::pin(commands::current::run::<M>(&ctx)).await,
        Some(Command::History { verbose }) => {
            Box::pin(commands::history::run::<M>(&ctx, verbose)).await
        }
        Some(Command::Heads) => commands::heads::run::<M>(&ctx),
        Some(Command::Upgrade {
            target,
            sql,
            dry_run,
            fleet,
            ..
        }) if fleet.wanted() => {
            Box::pin(commands::fleet::upgrade::<M>(
                &ctx, &fleet, &target, sql, dry_run,
            ))
            .await
        }
        Some(Command::Upgrade {
            target,
            sql,
            offline,
            dry_run,
            ..
        }) => {
            Box::pin(commands::upgrade::run::<M>(
                &ctx, &target, sql, offline, dry_run,
            ))
            .await
        }
        Some(Command::Downgrade {
            target,
            sql,
            yes,
            fleet,
            ..
        }) if fleet.wanted() => {
            Box::pin(commands::fleet::downgrade::<M>(
                &ctx, &fleet, &target, sql, yes,
            ))
            .await
        }
        Some(Command::Downgrade {
            target,
            sql,
            offline,
            yes,
            ..
        }) => {
            Box::pin(commands::downgrade::run::<M>(
                &ctx, &target, sql, offline, yes,
            ))
            .await
        }
        Some(Command::Lint { revisions, allow }) => {
            Box::pin(commands::lint::run::<M>(&ctx, &revisions, &allow)).await
        }
        Some(Command::Stamp { target }) => Box::pin(commands::stamp::run::<M>(&ctx, &target)).await,
        Some(Command::Merge { message }) => commands::merge::run(&ctx, &message),
        Some(Command::Squash { message }) => {
            Box::pin(commands::squash::run::<M>(&ctx, &message)).await
        }
        Some(Command::Reset { yes }) => Box::pin(commands::reset::run::<M>(&ctx, yes)).await,
        Some(Command::Entities {
            dir,
            force,
            schemas,
        }) => Box::pin(commands::entities::run(&ctx, &dir, force, &schemas)).await,
        Some(Command::Test { cases }) => {
            Box::pin(commands::harness::run::<M>(&ctx, cases.as_deref())).await
        }
        Some(Command::Validate) => Box::pin(commands::validate::run::<M>(&ctx)).await,
        Some(Command::Repair { yes }) => Box::pin(commands::repair::run::<M>(&ctx, yes)).await,
        Some(Command::Init {
            toolkit_path,
            migration_crate,
        }) => commands::init::run(
            Path::new("."),
            toolkit_path.as_deref(),
            migration_crate.as_deref(),
        ),
        Some(Command::Completions { .. } | Command::Man { .. }) => Ok(Outcome::Ok),
    }
}

/// How long a command waits for an unreachable database before saying so.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Resolved settings shared by the commands.
pub struct Context {
    pub project: Project,
    pub database_url: Option<String>,
    pub migration_dir: PathBuf,
    pub json: bool,
    pub lock_timeout: Duration,
    /// `autogen.toml` (or `[workspace.metadata.autogen]`), under the flags.
    pub settings: Settings,
    /// Whether the binary reads the squashed list (`main_squashed`).
    pub squashes: bool,
}

impl Context {
    /// The entity side: the settings' registry prefixes, else the project's.
    pub fn entity_source(&self) -> EntitySource {
        let mut source = self.project.entity_source();
        if !self.settings.entities.is_empty() {
            source.registry_prefix = self.settings.entities.join(", ");
        }
        source
    }

    /// The database: the URL given (flag, `DATABASE_URL`, `.env`), else
    /// the project's default SQLite file.
    pub fn url(&self) -> anyhow::Result<DatabaseUrl> {
        match self.given_url()? {
            Some(url) => Ok(url),
            None => Ok(self.with_settings(DatabaseUrl::default_sqlite(self.default_sqlite()?)?)),
        }
    }

    /// The URL given (flag, `DATABASE_URL`, `.env`); `None`: none is.
    pub fn given_url(&self) -> anyhow::Result<Option<DatabaseUrl>> {
        Ok(DatabaseUrl::given(self.database_url.as_deref())?.map(|url| self.with_settings(url)))
    }

    /// The project's default database, named without creating anything.
    pub fn default_url_unopened(&self) -> anyhow::Result<DatabaseUrl> {
        Ok(self.with_settings(DatabaseUrl::default_sqlite_unopened(
            self.default_sqlite()?,
        )?))
    }

    fn default_sqlite(&self) -> anyhow::Result<&'static str> {
        self.project.default_sqlite.ok_or_else(|| {
            anyhow::anyhow!(
                "no database URL: pass --database-url or set DATABASE_URL (e.g. postgres://user@host:5432/db or sqlite://data/app.db)"
            )
        })
    }

    fn with_settings(&self, url: DatabaseUrl) -> DatabaseUrl {
        let db = &self.settings.database;
        url.with_settings(db.flavour.clone(), db.direct_url.clone())
    }

    pub async fn connect(
        &self,
    ) -> anyhow::Result<(DatabaseUrl, sea_orm_migration::sea_orm::DatabaseConnection)> {
        let url = self.url()?;
        let db = crate::runtime::connect_within(&url, CONNECT_TIMEOUT).await?;
        Ok((url, db))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("autogen").chain(args.iter().copied()))
    }

    #[test]
    fn global_options_go_before_or_after_the_command() {
        for args in [
            &["--json", "heads"][..],
            &["heads", "--json"],
            &["--database-url", "sqlite::memory:", "check"],
            &["--migration-dir", "m/src", "upgrade", "head", "--sql"],
            &["--lock-timeout", "3", "-m", "add x"],
        ] {
            let cli = parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert!(cli.command.is_none() || cli.generate.is_empty(), "{args:?}");
        }
        let cli = parse(&["--json", "check", "--exclude", "audit_*"]).expect("parses");
        assert!(cli.global.json);
        assert!(
            matches!(cli.command, Some(Command::Check { ref args, .. }) if args.exclude == ["audit_*"])
        );
    }

    /// `autogen <cmd> --help` explains every argument of every command.
    #[test]
    fn every_argument_of_every_command_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (no about)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "autogen", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }

    #[test]
    fn the_project_version_is_what_version_prints() {
        let project = Project::new("entity::*", "migration/src")
            .with_version("1.2.3 (commit abc, sea-orm 2.0.4)");
        let cmd = command(&project);
        assert_eq!(cmd.get_version(), Some("1.2.3 (commit abc, sea-orm 2.0.4)"));
        let err = command(&project)
            .try_get_matches_from(["autogen", "--version"])
            .unwrap_err();
        assert!(err.to_string().contains("commit abc"), "{err}");
    }

    #[test]
    fn colour_and_quiet_are_global_options() {
        let cli = parse(&["upgrade", "--color", "never", "-q"]).expect("parses");
        assert_eq!(cli.global.color, ColorChoice::Never);
        assert!(cli.global.quiet);
        assert!(parse(&["--color", "sometimes", "heads"]).is_err());
    }

    #[test]
    fn generation_options_before_a_command_are_refused() {
        let cli = parse(&["-m", "x", "check"]).expect("clap accepts, run refuses");
        assert!(!cli.generate.is_empty());
        assert_eq!(cli.command.as_ref().map(Command::name), Some("check"));
    }
}
