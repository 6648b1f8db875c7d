//! The contract between `verify` and a language's own toolchain (`go build`, `cargo check`): type-check
//! the packages an answer touches with the answer applied, without writing the user's tree, and report
//! the compiler's errors against the user's paths.
//!
//! A toolchain only runs the compiler and reads its output. Which diagnostics the answer introduced
//! (the tree as it is may fail already), bounded parallelism, time limits and repair rounds belong to
//! `crate::verify`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One compiler error, at a place in the user's tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The source file, as the toolchain's project root joined with its relative path.
    pub file: PathBuf,
    /// 1-based; 0 when the compiler named no line.
    pub line: usize,
    /// 1-based; 0 when the compiler named no column.
    pub column: usize,
    /// The compiler's message, one line.
    pub message: String,
    /// The package could not even be loaded (a module missing from the cache, an import no module
    /// provides): nothing was type-checked, so a tree with such an error as it stands gives no verdict.
    pub unloadable: bool,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// A file with the text it would have once the answer is merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// The source file in the user's tree (absolute).
    pub path: PathBuf,
    pub text: String,
}

/// Why a toolchain could not give a verdict.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{program} did not finish within {} s and was stopped", .after.as_secs())]
    TimedOut { program: String, after: Duration },
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("cannot prepare the check: {0}")]
    Prepare(String),
    /// The compiler failed without a diagnostic it could place (a broken `go.mod`, a missing
    /// dependency): no verdict on the answer.
    #[error("{program} failed: {output}")]
    Failed { program: String, output: String },
}

/// A language's compiler, as `verify` drives it.
pub trait Toolchain: Sync {
    /// What the sidecar header and reports call it: `go build`, `cargo check`.
    fn name(&self) -> &'static str;

    /// The program that must be on PATH (`go`, `cargo`).
    fn program(&self) -> &'static str;

    /// The root of the module or crate that `file` (absolute) belongs to, when it has one this
    /// toolchain can check; `None` means the file cannot be verified (no `go.mod`, no `Cargo.toml`).
    fn project_root(&self, file: &Path) -> Option<PathBuf>;

    /// Type-checks the packages that hold `files` (absolute source paths) inside project `root`, with
    /// `replacements` in place of what those files hold on disk (none: the tree as it is), and returns
    /// the errors, placed in the user's files. Never writes the user's tree. The compiler is killed after
    /// `timeout` (see [`crate::lang::tools::run_with_timeout`]).
    fn check(
        &self,
        root: &Path,
        files: &[PathBuf],
        replacements: &[Replacement],
        timeout: Duration,
    ) -> Result<Vec<Diagnostic>, ToolError>;
}
