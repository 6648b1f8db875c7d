//! The `assistant` binary: parse flags, fill what they leave open from `.assistant.toml`, run one command,
//! and turn its outcome into an exit status (0 done, 1 the command reports failure, 2 usage errors,
//! 130 Ctrl-C — SPEC's contract for scripts and editors). A closed standard output (`| head`) ends a
//! command quietly with 0, as ripgrep does (`assistant::out`).

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use assistant::cli::{Cli, Command};
use assistant::commands::{self, Outcome, UsageError};
use assistant::{config, out};

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let file = match apply_config_file(&mut cli, &matches) {
        Ok(file) => file,
        Err(error) => {
            assistant::note!("assistant: error: {error}");
            return ExitCode::from(2);
        }
    };
    if let (Command::Generate(args), Some((_, sub))) = (&cli.command, matches.subcommand()) {
        if args.show_config {
            let file = file.as_ref().map(|(path, config)| (path.as_path(), config));
            for (name, value, source) in config::describe_generate(args, sub, file) {
                if out::line(&format!("{name} = {value}  # {source}")).is_err() {
                    break;
                }
            }
            return ExitCode::SUCCESS;
        }
    }
    let result = match &cli.command {
        Command::Scan(args) => commands::scan::run(args, cli.global.quiet),
        Command::Generate(args) => commands::generate::run(args, &cli.global),
        Command::Models(args) => commands::models::run(args),
        Command::Batch(args) => commands::batch::run(args, &cli.global),
        Command::Merge(args) => commands::merge::run(args, cli.global.quiet),
        Command::Clean(args) => commands::clean::run(args, cli.global.quiet),
        Command::Completions(args) => commands::completions::completions(args),
        Command::Man(args) => commands::completions::man(args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Ok(Outcome::Interrupted) if out::closed() => ExitCode::SUCCESS,
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        // The reader went away (`| head`): what it did not read is no error, as for ripgrep and git.
        Err(_) if out::closed() => ExitCode::SUCCESS,
        Err(error) => {
            assistant::note!("assistant: error: {error:#}");
            if error.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// Applies `.assistant.toml` where flags and environment left settings open; returns the file applied.
fn apply_config_file(
    cli: &mut Cli,
    matches: &clap::ArgMatches,
) -> Result<Option<(std::path::PathBuf, config::FileConfig)>, config::ConfigError> {
    let Some((path, file)) = config::find(std::path::Path::new("."))? else {
        return Ok(None);
    };
    let Some((_, sub)) = matches.subcommand() else {
        return Ok(None);
    };
    match &mut cli.command {
        Command::Scan(args) => config::apply_to_scan(args, sub, &file),
        Command::Generate(args) => config::apply_to_generate(args, sub, &file, &path)?,
        _ => {}
    }
    Ok(Some((path, file)))
}
