//! `assistant clean`: remove the `*.assistant` sidecars (and `*.assistant.rejected` answers) under the
//! paths, printing each removed path. What counts as a leftover is `crate::merge`'s to say; a
//! `*.assistant` file without the tool's header is the user's, and is left alone (with a note).

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::{targets, Outcome};
use crate::cli::CleanArgs;
use crate::merge;
use crate::sidecar::{self, EXTENSION};

pub fn run(args: &CleanArgs, quiet: bool) -> Result<Outcome> {
    let targets = targets(&args.paths)?;
    let (found, warnings) = merge::find_leftovers(&targets);
    if !quiet {
        for warning in &warnings {
            crate::note!("assistant: warning: {warning}");
        }
    }
    let mut out = crate::out::stdout();
    let mut ok = true;
    for path in found {
        if is_foreign(&path) {
            if !quiet {
                crate::note!(
                    "assistant: left alone {}: assistant did not write it (no `generator:` header)",
                    path.display()
                );
            }
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => writeln!(out, "removed {}", path.display())?,
            Err(error) => {
                crate::note!(
                    "assistant: error: cannot remove {}: {error}",
                    path.display()
                );
                ok = false;
            }
        }
    }
    Ok(if ok {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

/// A `*.assistant` file the tool did not write.
fn is_foreign(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy());
    name.is_some_and(|n| n.ends_with(&format!(".{EXTENSION}"))) && sidecar::is_foreign(path)
}
