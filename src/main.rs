//! The `assistant` binary: parse flags, fill what they leave open from `.assistant.toml`, run one command,
//! and turn its outcome into an exit status (0 done, 1 the command reports failure, 2 usage errors,
//! 130 Ctrl-C — SPEC's contract for scripts and editors). A closed standard output (`| head`) ends a
//! command quietly with 0, as ripgrep does (`assistant::out`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use assistant::cli::{Cli, Command};
use assistant::commands::{self, Outcome, UsageError};
use assistant::{config, out};

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let files = match apply_config_files(&mut cli, &matches) {
        Ok(files) => files,
        Err(error) => {
            assistant::note!("assistant: error: {error}");
            return ExitCode::from(2);
        }
    };
    if let (Command::Generate(args), Some((_, sub))) = (&cli.command, matches.subcommand()) {
        let project = files.project.as_ref().map(|(p, c)| (p.as_path(), c));
        let user = files.user.as_ref().map(|(p, c)| (p.as_path(), c));
        if args.show_config {
            let applied: Vec<_> = project.into_iter().chain(user).collect();
            for (name, value, source) in config::describe_generate(args, sub, &applied) {
                if out::line(&format!("{name} = {value}  # {source}")).is_err() {
                    break;
                }
            }
            return ExitCode::SUCCESS;
        }
        if let Some((path, _)) = project.filter(|(_, c)| c.api_key.is_some()) {
            if !cli.global.quiet {
                assistant::note!(
                    "assistant: warning: {} holds an api_key: a key in a project file is probably \
                     committed; keep it in the environment or in your own config file",
                    assistant::fsx::shown(path).display()
                );
            }
        }
        if let Err(message) = assistant::trust::check_prompts(args, sub, project) {
            eprintln!("assistant: error: {message}");
            return ExitCode::from(2);
        }
        if !args.only_print_prompt {
            let user = user.map(|(_, c)| c);
            if let Err(message) = assistant::trust::check_endpoint(args, sub, project, user) {
                assistant::note!("assistant: error: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let result = match &cli.command {
        Command::Scan(args) => commands::scan::run(args, cli.global.quiet),
        Command::Generate(args) => commands::generate::run(args, &cli.global),
        Command::Models(args) => commands::models::run(args),
        Command::Trust(args) => commands::trust::run(args, cli.global.quiet),
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

/// The config files applied: the project's `.assistant.toml` and the user's own `config.toml`.
#[derive(Default)]
struct Applied {
    project: Option<(PathBuf, config::FileConfig)>,
    user: Option<(PathBuf, config::FileConfig)>,
}

/// Applies the user's `config.toml`, then the project's `.assistant.toml`, where flags and environment
/// left settings open (the project's values win over the user's file); returns the files applied.
fn apply_config_files(
    cli: &mut Cli,
    matches: &clap::ArgMatches,
) -> Result<Applied, config::ConfigError> {
    let Some((_, sub)) = matches.subcommand() else {
        return Ok(Applied::default());
    };
    if !matches!(cli.command, Command::Scan(_) | Command::Generate(_)) {
        return Ok(Applied::default());
    }
    let applied = Applied {
        user: config::user()?,
        project: config::find(Path::new("."))?,
    };
    for (path, file) in applied.user.iter().chain(&applied.project) {
        match &mut cli.command {
            Command::Scan(args) => config::apply_to_scan(args, sub, file),
            Command::Generate(args) => config::apply_to_generate(args, sub, file, path)?,
            _ => {}
        }
    }
    if let Command::Generate(args) = &mut cli.command {
        let files: Vec<_> = applied
            .project
            .iter()
            .chain(&applied.user)
            .map(|(_, f)| f)
            .collect();
        config::apply_key(args, sub, &files);
    }
    Ok(applied)
}
