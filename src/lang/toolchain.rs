//! The contract between `verify` and a language's own toolchain (`go build`, `cargo check`): type-check
//! the packages an answer touches with the answer applied, without writing the user's tree, and report
//! the compiler's errors against the user's paths.
//!
//! A toolchain only runs the compiler and reads its output. Which diagnostics the answer introduced
//! (the tree as it is may fail already), bounded parallelism, time limits and repair rounds belong to
//! `crate::verify`.
//!
//! A check proves itself: every file asked about gets a *sentinel* appended in the copy the compiler
//! reads, one declaration with a deliberate type error on a line of its own. Only a compiler that
//! type-checked that file reports an error at that file and line, so [`Checked::reached`] is known by
//! position, never by the wording of a message (which changes between releases: Go 1.19 and 1.27 word
//! load errors differently) and never by an exit status (a package that fails to load, or whose
//! dependency fails to compile, is never type-checked, yet the build's errors may all be the tree's
//! own). A file the build leaves out (a build tag, another OS, a module no `mod` reaches) is not
//! reached either. The sentinel's own error is taken out of the diagnostics.

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
}

/// What one check found: the errors, and which of the files asked about were type-checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// The compiler's errors (the sentinels' taken out), placed in the user's tree.
    pub diagnostics: Vec<Diagnostic>,
    /// The files asked about whose sentinel the compiler reported: type-checked for certain.
    pub reached: Vec<PathBuf>,
    /// The others, each with why, on one line (`excluded from the build: //go:build windows`, the
    /// first line of what the compiler said when it stopped before type checking).
    pub unreached: Vec<(PathBuf, String)>,
}

impl Checked {
    /// Runs `once` over `pending` until every file is reached, or a run reaches none. A sentinel fails
    /// its package (or crate), which keeps the packages importing it from being type-checked (a
    /// handler importing its dao, a binary on its library), so the files left unreached while others
    /// were reached go again without the reached ones' sentinels: one run when nothing imports
    /// anything else.
    pub fn until_settled<T>(
        mut pending: Vec<T>,
        file_of: impl Fn(&T) -> &Path,
        mut once: impl FnMut(&[T]) -> Result<Checked, ToolError>,
    ) -> Result<Checked, ToolError> {
        let mut checked = Checked::default();
        loop {
            let mut round = once(&pending)?;
            let reached_some = !round.reached.is_empty();
            pending.retain(|item| !round.reached.iter().any(|file| file == file_of(item)));
            checked.reached.append(&mut round.reached);
            for diagnostic in round.diagnostics {
                if !checked.diagnostics.contains(&diagnostic) {
                    checked.diagnostics.push(diagnostic);
                }
            }
            if pending.is_empty() || !reached_some {
                checked.unreached = round.unreached;
                return Ok(checked);
            }
        }
    }

    /// Why `file` was not type-checked; `None` when it was.
    pub fn why_unreached(&self, file: &Path) -> Option<&str> {
        if self.reached.iter().any(|f| f == file) {
            return None;
        }
        Some(
            self.unreached
                .iter()
                .find(|(f, _)| f == file)
                .map_or("the compiler was not asked about it", |(_, why)| {
                    why.as_str()
                }),
        )
    }

    /// Adds what another check (of other files) found.
    pub fn extend(&mut self, other: Checked) {
        for d in other.diagnostics {
            if !self.diagnostics.contains(&d) {
                self.diagnostics.push(d);
            }
        }
        self.reached.extend(other.reached);
        self.unreached.extend(other.unreached);
    }
}

/// The first lines of what a tool printed when it stopped, as one line of at most about 300 bytes: a
/// reason users read in a sidecar header.
pub fn first_lines(output: &str) -> String {
    let mut line = String::new();
    for part in output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .take(3)
    {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(part);
    }
    if line.is_empty() {
        return "it printed nothing".to_string();
    }
    crate::oneline::cut(&line, 300)
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

    /// What the compiler checks `file` as part of, inside project `root`: its package's folder (Go),
    /// the crate (Rust). Errors of the tree as it stands are known once per unit and run.
    fn unit(&self, root: &Path, file: &Path) -> PathBuf;

    /// Type-checks the packages that hold `files` (absolute source paths) inside project `root`, with
    /// `replacements` in place of what files hold on disk (none: the tree as it is), and returns the
    /// errors, placed in the user's files, and which of `files` were type-checked for certain (each
    /// with a sentinel, see the module doc). Never writes the user's tree. The compiler is killed after
    /// `timeout` (see [`crate::lang::tools::run_with_timeout`]).
    fn check(
        &self,
        root: &Path,
        files: &[PathBuf],
        replacements: &[Replacement],
        timeout: Duration,
    ) -> Result<Checked, ToolError>;
}
