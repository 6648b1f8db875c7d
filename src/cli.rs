//! The command line, as ../shared/SPEC.md fixes it. Only the shape lives here; `commands/` does the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "assistant",
    version,
    about = "Finishes the business logic that code generators leave as stubs",
    long_about = "Finds functions whose body is only a marker (sponge's panic(\"implement me\")), asks an LLM \
                  to implement them from their doc comments and the project around them, checks every answer \
                  and writes it to a FILE.assistant sidecar; `merge` applies sidecars safely."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// When to color output (NO_COLOR is honoured under `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only results and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More detail on stderr (repeatable). Keys are never shown.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List stubs (editor problem list, pre-review gate).
    Scan(ScanArgs),
}

/// PATH, `--dir` and `--file` are interchangeable ways to name what to work on.
#[derive(Debug, Args, Clone, Default)]
pub struct PathArgs {
    /// Files or folders to work on (default: the current folder).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A folder to work on (repeatable).
    #[arg(long = "dir", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// A file to work on (repeatable).
    #[arg(long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

impl PathArgs {
    /// Every path named, in the order of the flags' kinds; empty when none was.
    pub fn all(&self) -> Vec<PathBuf> {
        self.paths
            .iter()
            .chain(&self.dirs)
            .chain(&self.files)
            .cloned()
            .collect()
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub paths: PathArgs,
    /// Also treat a panic("…") whose message contains TEXT as a stub marker (repeatable).
    #[arg(long = "marker", value_name = "TEXT")]
    pub markers: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Exit 1 when any stub is found (for CI and pre-commit gates).
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Text,
    Json,
    Sarif,
}
