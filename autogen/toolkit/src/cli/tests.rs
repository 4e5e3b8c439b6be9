//! Unit tests of the command line as clap parses it.

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
