//! The `assistant` binary: parse flags, run one command, turn its outcome into an exit status
//! (0 done, 1 the command reports failure, 2 usage errors — SPEC's contract for scripts and editors).

use std::process::ExitCode;

use clap::Parser;

use assistant::cli::{Cli, Command};
use assistant::commands::{self, Outcome, UsageError};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Scan(args) => commands::scan::run(args, cli.global.quiet),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Err(error) => {
            eprintln!("assistant: error: {error:#}");
            if error.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
