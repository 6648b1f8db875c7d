//! `assistant merge`: apply `FILE.assistant` sidecars to their sources (the rules live in
//! `crate::merge`); `--dry-run` shows the diffs, `--clean` removes the sidecars that are merged. The
//! sidecars a found one depends on (its `depends` header) are merged with it, or neither is.
//!
//! Results go to stdout (`merged PATH (…)`, `already merged PATH`, `would merge PATH` and its diff,
//! `removed SIDECAR`, `backup DIR`, `verified in ROOT: TOOL`); refusals, failures and compiler errors
//! to stderr. Exit 1 when any sidecar was refused or failed, or `--verify` found errors; 130 on Ctrl-C,
//! which leaves every source whole: its old text, or its new one (see `crate::merge::Interrupt`).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use super::{targets, Outcome};
use crate::cli::MergeArgs;
use crate::merge::{self, Interrupt, Options, Plan, Status, WriteError};
use crate::sidecar;
use crate::verify;

pub fn run(args: &MergeArgs, quiet: bool) -> Result<Outcome> {
    let targets = targets(&args.paths)?;
    let (sidecars, warnings) = merge::find_sidecars(&targets);
    if !quiet {
        for warning in &warnings {
            crate::note!("assistant: warning: {warning}");
        }
    }
    let (foreign, sidecars): (Vec<PathBuf>, Vec<PathBuf>) =
        sidecars.into_iter().partition(|s| sidecar::is_foreign(s));
    if !quiet {
        for path in &foreign {
            crate::note!(
                "assistant: left alone {}: assistant did not write it (no `generator:` header)",
                path.display()
            );
        }
    }
    // A dependency that is not a sidecar fails, and holds back what needs it.
    let sidecars = merge::with_dependencies(sidecars);
    if sidecars.is_empty() {
        if !quiet {
            crate::note!("assistant: no sidecars (*.assistant) found");
        }
        return Ok(Outcome::Success);
    }
    let options = Options {
        force: args.force,
        format: true,
    };
    let interrupt = Interrupt::listen();
    let mut plans: Vec<Plan> = Vec::with_capacity(sidecars.len());
    for sidecar in &sidecars {
        if interrupt.happened() {
            return Ok(interrupted("nothing was merged"));
        }
        plans.push(merge::plan(sidecar, options));
    }
    merge::hold_back(&mut plans);
    let mut ok = report_problems(&plans);
    match apply(&plans, args, &interrupt, &mut ok) {
        Ok(Some(interrupted)) => Ok(interrupted),
        // A reader that went away (`| head`) turns no refusal into success: the verdict so far stands.
        Err(_) if crate::out::closed() => Ok(outcome(ok)),
        result => result.map(|_| outcome(ok)),
    }
}

/// Prints what is already merged, then merges (or under `--dry-run` shows) the ready plans, verifies
/// and cleans as asked; `ok` turns false on any failure. `Some` is the outcome of a run Ctrl-C stopped.
fn apply(
    plans: &[Plan],
    args: &MergeArgs,
    interrupt: &Interrupt,
    ok: &mut bool,
) -> Result<Option<Outcome>> {
    let mut out = crate::out::stdout();
    for plan in plans.iter().filter(|p| p.status == Status::AlreadyMerged) {
        writeln!(out, "already merged {}", plan.source.display())?;
    }
    let ready: Vec<&Plan> = plans
        .iter()
        .filter(|p| matches!(p.status, Status::Ready { .. }))
        .collect();
    if args.dry_run {
        for plan in &ready {
            writeln!(
                out,
                "would merge {}{}",
                plan.source.display(),
                changed(plan)
            )?;
            write!(out, "{}", merge::diff(plan))?;
        }
        return Ok(None);
    }
    if !ready.is_empty() {
        match merge::write_unless(&ready, interrupt) {
            Ok(backup) => {
                for plan in &ready {
                    writeln!(out, "merged {}{}", plan.source.display(), changed(plan))?;
                }
                writeln!(out, "backup {}", backup.display())?;
                if interrupt.happened() {
                    return Ok(Some(interrupted(
                        "the files above were merged whole; not verified",
                    )));
                }
                if args.verify && !verify_merged(&ready, args, &mut out)? {
                    writeln!(out, "backup {}", backup.display())?;
                    *ok = false;
                }
            }
            Err(WriteError::Interrupted) => return Ok(Some(interrupted("nothing was merged"))),
            Err(error) => {
                crate::note!("assistant: error: {error}");
                *ok = false;
                return Ok(None);
            }
        }
    }
    if interrupt.happened() {
        return Ok(Some(interrupted("the files above were merged whole")));
    }
    if args.clean {
        *ok &= clean(plans, &mut out)?;
    }
    Ok(None)
}

/// `--verify`: type-checks the merged packages; prints what fails on stderr and what passed on stdout.
/// False when the compiler reported errors (the files stay merged).
fn verify_merged(ready: &[&Plan], args: &MergeArgs, out: &mut impl Write) -> Result<bool> {
    let files: Vec<PathBuf> = ready.iter().map(|p| p.source.clone()).collect();
    let mut ok = true;
    for report in verify::check_tree(&files, Duration::from_secs(args.verify_timeout)) {
        let place = report
            .root
            .as_ref()
            .map_or(String::new(), |root| format!(" in {}", root.display()));
        match report.checked_by {
            Err(reason) => crate::note!("assistant: warning: not verified{place}: {reason}"),
            Ok(tool) if report.errors.is_empty() => writeln!(out, "verified{place}: {tool}")?,
            Ok(tool) => {
                ok = false;
                for error in &report.errors {
                    crate::note!("{error}");
                }
                crate::note!(
                    "assistant: {tool} fails{place} after the merge ({} error{})",
                    report.errors.len(),
                    if report.errors.len() == 1 { "" } else { "s" }
                );
            }
        }
    }
    Ok(ok)
}

/// Prints refusals and failures; true when there were none.
fn report_problems(plans: &[Plan]) -> bool {
    let mut ok = true;
    for plan in plans {
        let (what, reason) = match &plan.status {
            Status::Refused(reason) => ("refused", reason),
            Status::Failed(reason) => ("failed", reason),
            Status::Ready { .. } | Status::AlreadyMerged => continue,
        };
        crate::note!("assistant: {what} {}: {reason}", plan.sidecar.display());
        ok = false;
    }
    ok
}

/// ` (couponHandler.RedeemCoupon, …)`
fn changed(plan: &Plan) -> String {
    match &plan.status {
        Status::Ready { changed } if !changed.is_empty() => format!(" ({})", changed.join(", ")),
        _ => String::new(),
    }
}

/// Removes the sidecars whose declarations are now in their sources; true when all could be removed.
fn clean(plans: &[Plan], out: &mut impl Write) -> Result<bool> {
    let mut ok = true;
    let merged = plans
        .iter()
        .filter(|p| matches!(p.status, Status::Ready { .. } | Status::AlreadyMerged));
    for plan in merged {
        match std::fs::remove_file(&plan.sidecar) {
            Ok(()) => writeln!(out, "removed {}", plan.sidecar.display())?,
            Err(error) => {
                crate::note!(
                    "assistant: error: cannot remove {}: {error}",
                    plan.sidecar.display()
                );
                ok = false;
            }
        }
    }
    Ok(ok)
}

/// Ctrl-C: says what became of the files, for exit code 130.
fn interrupted(what: &str) -> Outcome {
    crate::note!("assistant: interrupted; {what}");
    Outcome::Interrupted
}

fn outcome(ok: bool) -> Outcome {
    if ok {
        Outcome::Success
    } else {
        Outcome::Failure
    }
}
