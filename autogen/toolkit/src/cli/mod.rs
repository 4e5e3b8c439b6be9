//! The `autogen` command line: clap arguments and dispatch. Each command is
//! one module of `commands` that prints its result (through `output`) and
//! returns an [`Outcome`]; exit codes live here. The library below the CLI
//! never prints.

mod args;
mod commands;
mod compare;
mod context;
mod dispatch;
mod output;
mod progress;
mod project;
mod session;
pub(crate) mod status;
#[cfg(test)]
mod tests;

use std::marker::PhantomData;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use sea_orm_migration::sea_query::DynIden;
use sea_orm_migration::{MigrationTrait, MigratorTrait};

use crate::runtime::Squashed;

pub use args::{Cli, ColorChoice, Command, GenerateArgs, Global};
pub use context::{CONNECT_TIMEOUT, Context};
use dispatch::run_with;
pub use project::Project;

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
