//! Puts the commit into `assistant --version` when built from a git checkout of this crate.
//!
//! Sets `ASSISTANT_LONG_VERSION` to `0.1.0 (git 1a2b3c4)`, or to the bare package version when git is
//! missing, there is no `.git`, git refuses the folder, or the crate was unpacked inside some other
//! repository (a vendored copy must not claim that repository's commit). It never fails the build.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let long_version = match checkout_commit() {
        Some(commit) => format!("{version} (git {commit})"),
        None => version,
    };
    println!("cargo:rustc-env=ASSISTANT_LONG_VERSION={long_version}");
}

fn checkout_commit() -> Option<String> {
    let crate_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR")?);
    let top = git(&crate_dir, &["rev-parse", "--show-toplevel"])?;
    if !same_dir(Path::new(&top), &crate_dir) {
        return None;
    }
    watch_head(&crate_dir);
    git(&crate_dir, &["rev-parse", "--short", "HEAD"])
}

/// Reruns this script when HEAD moves: HEAD itself (checkout), the branch it names (commit) and
/// packed-refs (gc). Only files that exist are named: cargo treats a missing one as always changed.
fn watch_head(crate_dir: &Path) {
    let resolve = |relative: String| {
        let path = PathBuf::from(relative);
        if path.is_absolute() {
            path
        } else {
            crate_dir.join(path)
        }
    };
    let Some(git_dir) = git(crate_dir, &["rev-parse", "--git-dir"]).map(resolve) else {
        return;
    };
    let common_dir = git(crate_dir, &["rev-parse", "--git-common-dir"])
        .map(resolve)
        .unwrap_or_else(|| git_dir.clone());
    let mut watched = vec![git_dir.join("HEAD"), common_dir.join("packed-refs")];
    if let Some(branch) = git(crate_dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(common_dir.join(branch));
    }
    for path in watched.iter().filter(|path| path.is_file()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_owned())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
