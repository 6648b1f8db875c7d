//! `--changed-since REV`: the files a change touched, so a pre-review job spends tokens only on them.
//! Asks git (committed since REV, staged, unstaged, and untracked files), as absolute paths.
//!
//! A revision is never an option: one that starts with `-` is a usage error, the rest is checked to name
//! a commit first, and git gets `--end-of-options` before it besides (`--changed-since=--output=FILE`
//! would otherwise make `git diff` write FILE).

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;

use super::UsageError;

pub fn files_changed_since(revision: &str) -> Result<HashSet<PathBuf>, UsageError> {
    if revision.is_empty() || revision.starts_with('-') {
        return Err(UsageError(format!(
            "--changed-since: {revision:?} is not a revision (a revision never starts with `-`)"
        )));
    }
    let commit = format!("{revision}^{{commit}}");
    git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        &commit,
    ])
    .map_err(|_| {
        UsageError(format!(
            "--changed-since: {revision:?} names no commit of this repository"
        ))
    })?;
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim());
    let mut files = HashSet::new();
    for args in [
        vec![
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--end-of-options",
            revision,
            "--",
        ],
        vec![
            "ls-files",
            "-z",
            "--others",
            "--exclude-standard",
            "--full-name",
        ],
    ] {
        // NUL-separated: otherwise git quotes a name outside ASCII (`"\\350\\256\\242.go"`), which
        // then names no file.
        let listing = git(&args)?;
        files.extend(
            listing
                .split('\0')
                .filter(|l| !l.is_empty())
                .map(|l| top.join(l)),
        );
    }
    Ok(files)
}

fn git(args: &[&str]) -> Result<String, UsageError> {
    let output = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| UsageError(format!("--changed-since needs git: {e}")))?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr);
        return Err(UsageError(format!(
            "--changed-since: git {} failed: {}",
            args.join(" "),
            message.trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
