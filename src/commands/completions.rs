//! `assistant completions SHELL` and `assistant man [COMMAND]`: the shell's completion script and the
//! roff man page, both generated from the parser's own clap definition so they cannot drift from it.
//! Each is rendered whole into memory first: clap_complete panics on a failed write, and a closed pipe
//! (`| head`) should end the command quietly.

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;

use super::{Outcome, UsageError};
use crate::cli::{Cli, CompletionsArgs, ManArgs};

const BIN_NAME: &str = "assistant";

pub fn completions(args: &CompletionsArgs) -> Result<Outcome> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), BIN_NAME, &mut script);
    print_all(&script)
}

/// `assistant(1)`, or with COMMAND the page of that subcommand, `assistant-COMMAND(1)`.
pub fn man(args: &ManArgs) -> Result<Outcome> {
    let mut root = Cli::command();
    root.build();
    let source = format!("{BIN_NAME} {}", root.get_version().unwrap_or_default());
    let command = match args.command.as_deref() {
        None => root,
        Some(wanted) => root
            .find_subcommand(wanted)
            .cloned()
            .ok_or_else(|| UsageError(format!("no subcommand named {wanted:?}")))?,
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .source(source)
        .render(&mut page)?;
    print_all(&page)
}

/// Writes everything; a reader that stopped early (`| head`) is not an error.
fn print_all(bytes: &[u8]) -> Result<Outcome> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(Outcome::Success),
    }
}
