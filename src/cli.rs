//! The command line, as ../shared/SPEC.md fixes it. Only the shape lives here; `commands/` does the work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::provider::{defaults, ProviderKind};

#[derive(Debug, Parser)]
#[command(
    name = "assistant",
    version,
    long_version = env!("ASSISTANT_LONG_VERSION"),
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
    /// Ask the model to implement stubs; write checked answers to FILE.assistant sidecars.
    Generate(Box<GenerateArgs>),
    /// List the models an endpoint offers.
    Models(ModelsArgs),
    /// Allow a project's .assistant.toml to choose the endpoint your key is sent to.
    Trust(TrustArgs),
    /// Apply FILE.assistant sidecars to their sources.
    Merge(MergeArgs),
    /// Remove FILE.assistant sidecars and rejected answers.
    Clean(CleanArgs),
    /// Follow, collect or cancel the batches `generate --batch` submitted.
    Batch(BatchArgs),
    /// Print a shell's completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the man page as roff (`assistant man | man -l -`).
    Man(ManArgs),
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
    /// Also treat a panic("…") whose message contains TEXT, or a body of only a comment holding TEXT and
    /// a zero-value return, as a stub marker (repeatable).
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

/// Which provider to talk to and how; shared by `generate` and `models`.
#[derive(Debug, Args, Clone)]
pub struct EndpointArgs {
    // This help and `--api-key`'s list the kinds and their key variables, read off `provider::kinds`.
    #[arg(long = "type", value_name = "TYPE", env = "ASSISTANT_TYPE", help = ProviderKind::flag_help())]
    pub kind: Option<String>,
    /// Replaces the provider's base URL (any OpenAI-compatible server: vLLM, llama.cpp, …).
    #[arg(long, value_name = "URL", env = "ASSISTANT_BASE_URL")]
    pub base_url: Option<String>,
    #[arg(long, value_name = "KEY", hide_env_values = true, help = defaults::api_key_help())]
    pub api_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The .assistant.toml (or its folder) to allow as it is now (default: the one `generate` would use).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ModelsArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub paths: PathArgs,
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    /// With one file (PATH or --file): only the stub whose declaration contains line N (the stub under
    /// the cursor).
    #[arg(long, value_name = "N")]
    pub line: Option<usize>,
    /// Model name (default: the provider's current default; see `assistant models`).
    #[arg(long, value_name = "M", env = "ASSISTANT_MODEL")]
    pub model: Option<String>,
    /// Jobs in flight at once.
    #[arg(long, short = 'n', visible_alias = "max-assistant-num", value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub concurrency: u32,
    /// Also treat a panic("…") whose message contains TEXT, or a body of only a comment holding TEXT and
    /// a zero-value return, as a stub marker (repeatable).
    #[arg(long = "marker", value_name = "TEXT")]
    pub markers: Vec<String>,
    /// Send nothing; print each job's prompt. Needs no key.
    #[arg(long, visible_alias = "dry-run")]
    pub only_print_prompt: bool,
    /// Regenerate even when a fresh sidecar exists.
    #[arg(long)]
    pub force: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GenerateFormat::Text)]
    pub format: GenerateFormat,
    /// Prompt language (auto: Chinese when the stubs' comments hold Han characters).
    #[arg(long, value_enum, default_value_t = LangChoice::Auto)]
    pub lang: LangChoice,
    /// A folder whose <lang>/<name>.j2 files replace the built-in prompt templates.
    #[arg(long, value_name = "DIR")]
    pub prompts: Option<PathBuf>,
    /// Seconds one attempt may take in all.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub timeout: u64,
    /// Seconds to wait for a response's first byte (reasoning models think first).
    #[arg(long, value_name = "SECS", default_value_t = 120.0)]
    pub first_byte_timeout: f64,
    /// Seconds without a byte (keep-alive comments count) before a stream counts as stalled.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    pub idle_timeout: f64,
    /// First retry's backoff in milliseconds (doubling, capped at 30 s). For tests.
    #[arg(long, value_name = "MS", default_value_t = 500, hide = true)]
    pub backoff_base_ms: u64,
    /// Retries of a failed request (429, 5xx, timeouts, dropped streams).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub retries: u32,
    /// Sampling temperature, 0 to 2 (sent only when set).
    #[arg(long, value_name = "F", value_parser = temperature)]
    pub temperature: Option<f32>,
    /// Cap on the answer's tokens (at least 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,
    /// Reasoning effort (default: the provider's).
    #[arg(long, value_enum, value_name = "off|low|high")]
    pub thinking: Option<ThinkingChoice>,
    /// Print the checked code instead of writing sidecars.
    #[arg(long)]
    pub stdout: bool,
    /// Stubs per job; a file with more is split into several jobs.
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..))]
    pub group_size: u32,
    /// Token budget of a prompt's context.
    #[arg(long, value_name = "N", default_value_t = 24_000)]
    pub max_context_tokens: usize,
    /// At most N requests per minute.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rpm: Option<u32>,
    /// Print the effective settings, each with where it came from (keys redacted), and exit.
    #[arg(long)]
    pub show_config: bool,
    /// Only files changed since this git revision (committed, staged or not).
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
    /// Type-check each answer in its package with the project's toolchain (go build, cargo check):
    /// auto when the toolchain is on PATH, on to require it, off for parse-level checks only.
    #[arg(long, value_enum, value_name = "auto|on|off", default_value_t = VerifyChoice::Auto)]
    pub verify: VerifyChoice,
    /// Repair rounds a job may use in all (a parse, signature or compiler problem sent back).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub repair_rounds: u32,
    /// Seconds a toolchain run may take before it is stopped and the answer left unverified.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub verify_timeout: u64,
    /// Submit every job to the provider's batch API (about half the price, answers within 24 hours)
    /// and exit with the batch id; `assistant batch collect` checks the answers and writes the sidecars.
    #[arg(long, conflicts_with_all = ["stdout", "only_print_prompt"])]
    pub batch: bool,
}

/// A sampling temperature: a number from 0 to 2, the range every provider accepts (`nan` would go out
/// as JSON `null`).
fn temperature(text: &str) -> Result<f32, String> {
    let value: f32 = text
        .trim()
        .parse()
        .map_err(|e| format!("not a number: {e}"))?;
    if value.is_finite() && (0.0..=2.0).contains(&value) {
        Ok(value)
    } else {
        Err("expected a number from 0 to 2".into())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyChoice {
    Auto,
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangChoice {
    Auto,
    En,
    Zh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThinkingChoice {
    Off,
    Low,
    High,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    #[command(flatten)]
    pub paths: PathArgs,
    /// Print a unified diff of each merge; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Merge even when a source changed since its sidecar was generated.
    #[arg(long)]
    pub force: bool,
    /// Remove the sidecars that were merged (or already were).
    #[arg(long)]
    pub clean: bool,
    /// After writing, type-check the merged packages with the project's toolchain and report errors.
    #[arg(long)]
    pub verify: bool,
    /// Seconds a toolchain run may take under --verify.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub verify_timeout: u64,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    #[command(flatten)]
    pub paths: PathArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand whose own page to print (assistant-COMMAND(1)) instead of assistant(1).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    #[command(subcommand)]
    pub command: BatchCommand,
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Where each submitted batch is: state, counts, age.
    Status(BatchStatusArgs),
    /// Check (and verify) the answers of finished batches and write their sidecars.
    Collect(BatchCollectArgs),
    /// Ask the provider to cancel a batch.
    Cancel(BatchCancelArgs),
}

/// What every `batch` command takes: which batch, where its state is, the key.
#[derive(Debug, Args, Clone)]
pub struct BatchTarget {
    /// A batch id as `generate --batch` printed it (default: every batch not yet collected).
    #[arg(value_name = "ID")]
    pub id: Option<String>,
    /// The project root holding `.assistant/batches/` (default: the nearest at or above the current
    /// folder).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[arg(long, value_name = "KEY", hide_env_values = true, help = defaults::api_key_help())]
    pub api_key: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GenerateFormat::Text)]
    pub format: GenerateFormat,
    /// The provider the batch went to, as `generate --batch` named it: accepted when it is the
    /// batch's, a usage error when not (a batch is always collected where it was submitted).
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<String>,
    /// The model the batch went to: accepted when it is the batch's, a usage error when not.
    #[arg(long, value_name = "M")]
    pub model: Option<String>,
    /// The batch API's base URL: accepted when it is the batch's, a usage error when not. Under
    /// `collect --repair-now`, the base URL of the streamed repair requests instead (default: the
    /// batch's own).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct BatchStatusArgs {
    #[command(flatten)]
    pub target: BatchTarget,
}

#[derive(Debug, Args)]
pub struct BatchCancelArgs {
    #[command(flatten)]
    pub target: BatchTarget,
}

#[derive(Debug, Args)]
pub struct BatchCollectArgs {
    #[command(flatten)]
    pub target: BatchTarget,
    /// Poll until every batch is final (5 s, backing off to 60 s), collecting each as it ends.
    #[arg(long)]
    pub wait: bool,
    /// Repair answers that fail the check at once, streamed, instead of in a smaller repair batch.
    #[arg(long)]
    pub repair_now: bool,
    /// Type-check each answer with the project's toolchain (default: as at submission).
    #[arg(long, value_enum, value_name = "auto|on|off")]
    pub verify: Option<VerifyChoice>,
    /// Repair rounds a job may use in all (default: as at submission).
    #[arg(long, value_name = "N")]
    pub repair_rounds: Option<u32>,
    /// Seconds a toolchain run may take (default: as at submission).
    #[arg(long, value_name = "SECS")]
    pub verify_timeout: Option<u64>,
    /// Retries of a failed request (downloads, repair submissions, --repair-now's requests).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub retries: u32,
    /// First retry's backoff in milliseconds. For tests.
    #[arg(long, value_name = "MS", default_value_t = 500, hide = true)]
    pub backoff_base_ms: u64,
}
