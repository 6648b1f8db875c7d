//! The command edge: each subcommand turns flags into calls on the pipeline's stages and results into
//! output and an exit code. Errors become `anyhow` here and nowhere deeper.

pub mod batch;
pub mod changed;
pub mod clean;
pub mod completions;
pub mod generate;
pub mod merge;
pub mod models;
pub mod scan;
pub mod trust;

use std::path::{Component, PathBuf};

use crate::cli::PathArgs;
use crate::scan::Target;

/// How a command ended, as the process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: everything asked was done.
    Success,
    /// 1: the command ran, but found what it reports as failure (stubs under `--check`, a failed job, …).
    Failure,
    /// 130: stopped by Ctrl-C, after saying what was done.
    Interrupted,
}

/// A mistake in how the tool was called, or nothing to work on: exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The targets the user named (or the current folder), each checked to exist. Paths print as named,
/// except that a `..` is resolved (`internal/handler/../` names `internal`), so a file has one name
/// whichever way its folder was named.
pub fn targets(paths: &PathArgs) -> Result<Vec<Target>, UsageError> {
    let named: Vec<PathBuf> = paths
        .all()
        .into_iter()
        .map(|path| {
            // Tidied only when it still names what the system does: after a symbolic link, `..`
            // is the link target's parent, not the folder holding the link.
            let tidy = crate::fsx::tidy(&path);
            let same = |a: &std::path::Path, b: &std::path::Path| {
                matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
            };
            if path.components().any(|c| c == Component::ParentDir) && same(&path, &tidy) {
                tidy
            } else {
                path
            }
        })
        .collect();
    if named.is_empty() {
        return Ok(vec![Target::current_dir()]);
    }
    named
        .into_iter()
        .map(|path| match path.symlink_metadata() {
            Ok(_) => Ok(Target::named(path)),
            Err(e) => Err(UsageError(format!("{}: {e}", path.display()))),
        })
        .collect()
}
