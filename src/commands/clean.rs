//! `assistant clean`: remove the `*.assistant` sidecars (and `*.assistant.rejected` answers) under the
//! paths, printing each removed path. What counts as a leftover is `crate::merge`'s to say.

use std::io::Write;

use anyhow::Result;

use super::{targets, Outcome};
use crate::cli::CleanArgs;
use crate::merge;

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
