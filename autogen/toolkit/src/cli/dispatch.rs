//! Running a parsed command line: what every command shares (the order of
//! the options, colour and progress, the settings and the [`Context`]),
//! then the command's own module.

use std::path::{Path, PathBuf};

use sea_orm_migration::MigratorTrait;

use super::{
    Cli, Command, Context, GenerateArgs, Global, Outcome, Project, command, commands, output,
    progress,
};
use crate::runtime::Squashed;
use crate::settings::Settings;

/// Run `cli`; `squashes`: the binary reads `M`'s squashed list.
pub(super) async fn run_with<M: MigratorTrait + Squashed>(
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
    if let Some(outcome) = without_context(project, &cli.command)? {
        return Ok(outcome);
    }
    let ctx = context(project, g, &cli.command, squashes)?;
    commands::fleet::refuse_stray(&cli.command)?;
    dispatch::<M>(ctx, cli.command, cli.generate).await
}

/// `completions` and `man`, which print the clap definition and read no
/// settings; `None` for every other command.
fn without_context(project: &Project, given: &Option<Command>) -> anyhow::Result<Option<Outcome>> {
    match given {
        Some(Command::Completions { shell }) => {
            let mut cmd = command(project);
            let name = cmd.get_name().to_owned();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut cmd, name, &mut script);
            output::raw(&script)?;
            return Ok(Some(Outcome::Ok));
        }
        Some(Command::Man { out_dir }) => {
            commands::man::run(command(project), out_dir.as_deref())?;
            return Ok(Some(Outcome::Ok));
        }
        _ => {}
    }
    Ok(None)
}

/// The settings the command runs with: the flags (`g`), else `autogen.toml`,
/// else the project's defaults.
fn context(
    project: &Project,
    g: Global,
    given: &Option<Command>,
    squashes: bool,
) -> anyhow::Result<Context> {
    // `init` writes the settings; every other command reads them.
    let settings = match given {
        Some(Command::Init { .. }) => Settings::default(),
        _ => Settings::load(Path::new("."))?,
    };
    if let Some(dir) = &settings.cache_dir
        && std::env::var_os("AUTOGEN_CACHE_DIR").is_none()
    {
        crate::source::set_cache_dir(Some(dir.clone()));
    }
    Ok(Context {
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
    })
}

/// The command's module (without a command: `-m` generates).
async fn dispatch<M: MigratorTrait + Squashed>(
    ctx: Context,
    command: Option<Command>,
    generate: GenerateArgs,
) -> anyhow::Result<Outcome> {
    match command {
        None => match generate.message.clone() {
            Some(message) => {
                Box::pin(commands::generate::run::<M>(&ctx, &generate, &message)).await
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
