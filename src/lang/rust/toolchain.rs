//! `cargo check` as Rust's [`Toolchain`]: type-checks a crate with an answer applied, in a scratch copy
//! of the crate, and places the compiler's errors back in the user's tree.
//!
//! Layout, per crate root (keyed by a hash of its path, so the same crate always lands in the same place
//! and cargo's incremental cache keeps working across runs):
//!
//! ```text
//! $XDG_CACHE_HOME/assistant/verify/rust-<hash>/crate/   the scratch copy, kept in step with the user's tree
//! $XDG_CACHE_HOME/assistant/verify/rust-<hash>/target/  CARGO_TARGET_DIR for every check of that crate
//! $XDG_CACHE_HOME/assistant/verify/rust-<hash>/lock     held while one process uses the two above
//! ```
//!
//! (the user's cache folder, `crate::fsx::user_cache_dir`; `$TMPDIR/assistant-verify/` only when no
//! home is known). `rust-<hash>` is private (0700): the copy holds the crate's sources, which may be
//! private, and a folder another user could make first would let them change what cargo builds.
//!
//! Each check first brings the scratch copy in step with the user's tree (files whose bytes differ are
//! rewritten, files gone from the tree are removed, unchanged files keep their mtime so cargo does not
//! rebuild for nothing), then writes the replacements over it and runs cargo. The next check's sync
//! puts the originals back. Which errors the answer introduced, and the order of checks within one
//! process, belong to `crate::verify`.
//!
//! Proof that a file was type-checked is its sentinel (see `crate::lang::toolchain`): the scratch copy
//! of each file asked about ends with `const _: u8 = "…";`, a mismatched type that rustc reports at
//! that file and line only when it type-checked the file. cargo's exit status cannot tell: a file no
//! `mod` reaches, or one a `#[cfg]` leaves out, is never compiled and cargo still succeeds; and a crate
//! whose dependencies cannot be had (`--offline`) stops before any type checking. Because the sentinel
//! makes the crate fail, crates that depend on it in the workspace are not checked in the same run.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::lang::toolchain::first_lines;
use crate::lang::tools::run_with_timeout;
use crate::lang::{Checked, Diagnostic, Replacement, ToolError, Toolchain};

const PROGRAM: &str = "cargo";

/// Appended to each file asked about: a type error only a type checker reports.
const SENTINEL: &str = "const _: u8 = \"assistant: a type checker reports this line\";";

/// A lock whose holder cannot be asked (not on Linux) counts as abandoned after this long.
const STALE_LOCK: Duration = Duration::from_secs(3_600);

/// `cargo check`, run offline in a scratch copy of the crate.
pub struct CargoCheck;

impl Toolchain for CargoCheck {
    fn name(&self) -> &'static str {
        "cargo check"
    }

    fn program(&self) -> &'static str {
        PROGRAM
    }

    fn project_root(&self, file: &Path) -> Option<PathBuf> {
        file.parent()?
            .ancestors()
            .find(|dir| dir.join("Cargo.toml").is_file())
            .map(Path::to_path_buf)
    }

    fn unit(&self, root: &Path, _file: &Path) -> PathBuf {
        root.to_path_buf()
    }

    /// Checks the whole package (or workspace) at `root`: cargo has no cheaper unit than a crate, so
    /// `files` only says which files get a sentinel. A sentinel fails its crate, which keeps crates
    /// depending on it (a binary on its library) from being checked: files left unreached while others
    /// were reached are checked again without the reached ones' sentinels.
    fn check(
        &self,
        root: &Path,
        files: &[PathBuf],
        replacements: &[Replacement],
        timeout: Duration,
    ) -> Result<Checked, ToolError> {
        Checked::until_settled(files.to_vec(), PathBuf::as_path, |pending| {
            check_once(root, pending, replacements, timeout)
        })
    }
}

/// One `cargo check` of the scratch copy, with sentinels in `files`.
fn check_once(
    root: &Path,
    files: &[PathBuf],
    replacements: &[Replacement],
    timeout: Duration,
) -> Result<Checked, ToolError> {
    let cache = cache_dir(root);
    crate::fsx::create_private_dir(&cache).map_err(|e| prepare("create", &cache, e))?;
    let _lock = Lock::acquire(cache.join("lock"), timeout)?;
    let scratch = cache.join("crate");
    sync_tree(root, &scratch).map_err(|e| prepare("copy the crate to", &scratch, e))?;
    for replacement in replacements {
        write_replacement(root, &scratch, replacement)?;
    }
    let mut sentinels = Vec::new();
    for file in files {
        sentinels.push((file.clone(), append_sentinel(root, &scratch, file)?));
    }
    let mut command = Command::new(PROGRAM);
    command
        .args(["check", "--message-format=json", "--quiet", "--offline"])
        .current_dir(&scratch)
        .env("CARGO_TARGET_DIR", cache.join("target"))
        .env("CARGO_TERM_COLOR", "never");
    let output = run_with_timeout(command, timeout)?;
    let mut diagnostics = errors(&String::from_utf8_lossy(&output.stdout), &scratch, root);
    let mut checked = Checked::default();
    let mut missed = Vec::new();
    for (file, line) in sentinels {
        let before = diagnostics.len();
        diagnostics.retain(|d| !(d.file == file && d.line == line));
        if diagnostics.len() < before {
            checked.reached.push(file);
        } else {
            missed.push(file);
        }
    }
    for file in missed {
        let why = match diagnostics.first() {
            _ if output.status.success() => {
                "excluded from the build: no `mod` reaches it, or a `#[cfg]` leaves it out"
                    .to_string()
            }
            Some(first) => format!("cargo check stopped before type-checking it: {first}"),
            None => format!(
                "cargo check stopped before type-checking it: {}",
                first_lines(&String::from_utf8_lossy(&output.stderr))
            ),
        };
        checked.unreached.push((file, why));
    }
    checked.diagnostics = diagnostics;
    Ok(checked)
}

/// Appends the sentinel to the scratch copy of `file`; returns the sentinel's line.
fn append_sentinel(root: &Path, scratch: &Path, file: &Path) -> Result<usize, ToolError> {
    let relative = relative_to(file, root).ok_or_else(|| {
        ToolError::Prepare(format!(
            "{} is not inside the crate at {}",
            file.display(),
            root.display()
        ))
    })?;
    let copy = scratch.join(relative);
    let mut text = fs::read_to_string(&copy).map_err(|e| prepare("read", &copy, e))?;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let line = text.lines().count() + 1;
    text.push_str(SENTINEL);
    text.push('\n');
    fs::write(&copy, text).map_err(|e| prepare("write", &copy, e))?;
    Ok(line)
}

/// The folder that holds the scratch copy, target dir and lock of the crate at `root`.
pub(crate) fn cache_dir(root: &Path) -> PathBuf {
    let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let digest = Sha256::digest(root.as_os_str().as_encoded_bytes());
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    crate::fsx::user_cache_dir()
        .map_or_else(
            || std::env::temp_dir().join("assistant-verify"),
            |cache| cache.join("verify"),
        )
        .join(format!("rust-{hash}"))
}

fn prepare(what: &str, path: &Path, error: io::Error) -> ToolError {
    ToolError::Prepare(format!("cannot {what} {}: {error}", path.display()))
}

/// Makes `to` hold what `from` holds, minus build output, VCS data, hidden folders and sidecars.
/// Only files whose bytes differ are written, so unchanged files keep their mtime.
fn sync_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    let is_manifest_dir = from.join("Cargo.toml").is_file();
    let mut kept: HashSet<OsString> = HashSet::new();
    if is_manifest_dir {
        // cargo writes a lockfile when the user has none; keeping it spares regenerating it each check.
        kept.insert("Cargo.lock".into());
    }
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let source = entry.path();
        let target = to.join(&name);
        // Follows symlinks; a broken one is skipped.
        let Ok(meta) = fs::metadata(&source) else {
            continue;
        };
        if meta.is_dir() {
            if skipped_dir(&name, is_manifest_dir) || entry.file_type()?.is_symlink() {
                // A linked folder may loop or lead far outside the crate.
                continue;
            }
            if target.exists() && !target.is_dir() {
                fs::remove_file(&target)?;
            }
            sync_tree(&source, &target)?;
        } else {
            if name.to_string_lossy().ends_with(".assistant") {
                continue;
            }
            copy_if_changed(&source, &target)?;
        }
        kept.insert(name);
    }
    for entry in fs::read_dir(to)? {
        let entry = entry?;
        if kept.contains(&entry.file_name()) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// `target/` beside a manifest is build output; `.git` and other hidden folders are not the crate's,
/// except `.cargo`, whose config (vendored sources, rustflags) changes how the crate builds.
fn skipped_dir(name: &std::ffi::OsStr, beside_manifest: bool) -> bool {
    let name = name.to_string_lossy();
    (name == "target" && beside_manifest) || (name.starts_with('.') && name != ".cargo")
}

fn copy_if_changed(source: &Path, target: &Path) -> io::Result<()> {
    let bytes = fs::read(source)?;
    if target.is_dir() {
        fs::remove_dir_all(target)?;
    } else if fs::read(target).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    fs::write(target, bytes)
}

fn write_replacement(
    root: &Path,
    scratch: &Path,
    replacement: &Replacement,
) -> Result<(), ToolError> {
    let relative = relative_to(&replacement.path, root).ok_or_else(|| {
        ToolError::Prepare(format!(
            "{} is not inside the crate at {}",
            replacement.path.display(),
            root.display()
        ))
    })?;
    let target = scratch.join(relative);
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).map_err(|e| prepare("create", parent, e))?;
    }
    fs::write(&target, &replacement.text).map_err(|e| prepare("write", &target, e))
}

/// `path` relative to `base`, as given or once both are canonical (a symlinked temp folder).
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    if let Ok(relative) = path.strip_prefix(base) {
        return Some(relative.to_path_buf());
    }
    let base = fs::canonicalize(base).ok()?;
    let path = match fs::canonicalize(path) {
        Ok(path) => path,
        // A replacement may name a file that does not exist yet: canonicalize its folder.
        Err(_) => fs::canonicalize(path.parent()?).ok()?.join(path.file_name()?),
    };
    path.strip_prefix(&base).ok().map(Path::to_path_buf)
}

/// One line of `cargo --message-format=json`; only compiler messages matter here.
#[derive(Deserialize)]
struct CargoLine {
    reason: String,
    message: Option<CompilerMessage>,
}

#[derive(Deserialize)]
struct CompilerMessage {
    level: String,
    message: String,
    #[serde(default)]
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    line_start: usize,
    column_start: usize,
    is_primary: bool,
    label: Option<String>,
}

/// The errors in cargo's JSON output, at their primary span, in the user's tree; warnings and the
/// spanless "aborting due to …" summaries are left out, and an error reported twice (a module shared by
/// the library and a binary) is kept once.
fn errors(stdout: &str, scratch: &Path, root: &Path) -> Vec<Diagnostic> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for line in stdout.lines() {
        let Ok(CargoLine {
            reason,
            message: Some(message),
        }) = serde_json::from_str::<CargoLine>(line)
        else {
            continue;
        };
        if reason != "compiler-message" || message.level != "error" {
            continue;
        }
        let text = first_line(&message.message);
        let span = message
            .spans
            .iter()
            .find(|span| span.is_primary)
            .or(message.spans.first());
        let diagnostic = match span {
            Some(span) => Diagnostic {
                file: user_path(&span.file_name, scratch, root),
                line: span.line_start,
                column: span.column_start,
                message: match span.label.as_deref().map(first_line) {
                    Some(label) if !label.is_empty() => format!("{text}: {label}"),
                    _ => text.to_string(),
                },
            },
            None if text.starts_with("aborting due to") => continue,
            None => Diagnostic {
                file: root.to_path_buf(),
                line: 0,
                column: 0,
                message: text.to_string(),
            },
        };
        if seen.insert(diagnostic.clone()) {
            out.push(diagnostic);
        }
    }
    out
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

/// A span's file in the user's tree: cargo names the crate's own files relative to the workspace root
/// (the scratch copy) or absolute inside it; a file elsewhere (a dependency's) stays as named.
fn user_path(file_name: &str, scratch: &Path, root: &Path) -> PathBuf {
    let path = Path::new(file_name);
    if path.is_relative() {
        return root.join(path);
    }
    if let Some(relative) = relative_to(path, scratch) {
        return root.join(relative);
    }
    path.to_path_buf()
}

/// A lock file that keeps two `assistant` processes from syncing and building one scratch copy at once
/// (checks of one root within a process are already serialized by the caller). Best effort: it holds
/// the owner's pid, and a lock whose owner is gone is taken over.
struct Lock {
    path: PathBuf,
}

impl Lock {
    fn acquire(path: PathBuf, patience: Duration) -> Result<Lock, ToolError> {
        let deadline = Instant::now() + patience;
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let _ = write!(file, "{}", std::process::id());
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if abandoned(&path) {
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    if Instant::now() >= deadline {
                        return Err(ToolError::TimedOut {
                            program: PROGRAM.into(),
                            after: patience,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(prepare("create", &path, e)),
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether the process that took the lock is gone: asked through /proc where there is one, else
/// judged by the lock's age.
fn abandoned(path: &Path) -> bool {
    let Ok(text) = fs::read_to_string(path) else {
        return false;
    };
    let proc = Path::new("/proc");
    if let Ok(pid) = text.trim().parse::<u32>() {
        if proc.join("self").exists() {
            return !proc.join(pid.to_string()).exists();
        }
    }
    // No pid yet (being written) or no /proc: only a very old lock is abandoned.
    fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|age| age > STALE_LOCK)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str =
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n";
    const LIB: &str = "pub fn add(a: u8, b: u8) -> u8 {\n    a + b\n}\n";

    /// A one-file crate in a temp folder; its scratch copy and target dir go with it.
    struct Crate {
        dir: tempfile::TempDir,
    }

    impl Crate {
        fn new() -> Crate {
            let dir = tempfile::tempdir().unwrap();
            fs::write(dir.path().join("Cargo.toml"), MANIFEST).unwrap();
            fs::create_dir(dir.path().join("src")).unwrap();
            fs::write(dir.path().join("src/lib.rs"), LIB).unwrap();
            Crate { dir }
        }

        fn root(&self) -> &Path {
            self.dir.path()
        }

        fn lib(&self) -> PathBuf {
            self.root().join("src/lib.rs")
        }

        /// The errors, once the lib is proven type-checked.
        fn check(&self, lib: Option<&str>, timeout: Duration) -> Result<Vec<Diagnostic>, ToolError> {
            let checked = self.check_any(lib, timeout)?;
            assert_eq!(checked.reached, [self.lib()], "{checked:?}");
            Ok(checked.diagnostics)
        }

        fn check_any(&self, lib: Option<&str>, timeout: Duration) -> Result<Checked, ToolError> {
            let replacements: Vec<Replacement> = lib
                .map(|text| Replacement {
                    path: self.lib(),
                    text: text.into(),
                })
                .into_iter()
                .collect();
            CargoCheck.check(self.root(), &[self.lib()], &replacements, timeout)
        }
    }

    impl Drop for Crate {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(cache_dir(self.root()));
        }
    }

    const LONG: Duration = Duration::from_secs(120);

    #[test]
    fn a_crate_that_builds_has_no_errors() {
        let krate = Crate::new();
        assert_eq!(krate.check(None, LONG).unwrap(), []);
        let root = CargoCheck.project_root(&krate.lib()).unwrap();
        assert_eq!(root, krate.root());
    }

    #[test]
    fn a_type_error_is_placed_in_the_users_file() {
        let krate = Crate::new();
        let lib = format!("{LIB}\npub fn bad() {{\n    let x: u8 = \"a\";\n    let _ = x;\n}}\n");
        let errors = krate.check(Some(&lib), LONG).unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].file, krate.lib());
        assert_eq!(errors[0].line, 6);
        assert!(errors[0].message.contains("mismatched types"), "{errors:?}");
    }

    #[test]
    fn an_undefined_method_is_an_error() {
        let krate = Crate::new();
        let lib = format!("{LIB}\npub fn bad() -> u8 {{\n    add(1, 2).frobnicate()\n}}\n");
        let errors = krate.check(Some(&lib), LONG).unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].file.as_path(), errors[0].line), (krate.lib().as_path(), 6));
    }

    #[test]
    fn warnings_do_not_fail() {
        let krate = Crate::new();
        let lib = format!("{LIB}\npub fn unused() {{\n    let x = 1;\n}}\n");
        assert_eq!(krate.check(Some(&lib), LONG).unwrap(), []);
    }

    #[test]
    fn the_users_tree_is_left_alone() {
        let krate = Crate::new();
        let errors = krate.check(Some("pub fn f() -> u8 { \"no\" }\n"), LONG).unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(fs::read_to_string(krate.lib()).unwrap(), LIB);
        assert_eq!(
            fs::read_to_string(krate.root().join("Cargo.toml")).unwrap(),
            MANIFEST
        );
        assert!(!krate.root().join("target").exists());
        // The next check sees the user's file again, not the last replacement.
        assert_eq!(krate.check(None, LONG).unwrap(), []);
    }

    #[test]
    fn later_checks_reuse_the_target_dir() {
        let krate = Crate::new();
        let target = cache_dir(krate.root()).join("target");
        let started = Instant::now();
        assert_eq!(krate.check(None, LONG).unwrap(), []);
        let first = started.elapsed();
        assert!(target.is_dir());
        let started = Instant::now();
        let lib = format!("{LIB}\npub fn more() {{}}\n");
        assert_eq!(krate.check(Some(&lib), LONG).unwrap(), []);
        let second = started.elapsed();
        assert_eq!(cache_dir(krate.root()).join("target"), target);
        assert!(target.is_dir());
        eprintln!("first check {first:?}, second check {second:?}");
    }

    #[test]
    fn a_broken_manifest_reaches_nothing() {
        let krate = Crate::new();
        fs::write(krate.root().join("Cargo.toml"), "[package\n").unwrap();
        let checked = krate.check_any(None, LONG).unwrap();
        assert!(checked.reached.is_empty(), "{checked:?}");
        let why = checked.why_unreached(&krate.lib()).unwrap();
        assert!(why.starts_with("cargo check stopped before type-checking it"), "{why}");
    }

    #[test]
    fn a_module_no_mod_reaches_is_excluded() {
        let krate = Crate::new();
        let stray = krate.root().join("src/stray.rs");
        fs::write(&stray, "pub fn f() -> u8 { \"not checked\" }\n").unwrap();
        let checked = CargoCheck
            .check(krate.root(), std::slice::from_ref(&stray), &[], LONG)
            .unwrap();
        assert!(checked.reached.is_empty(), "{checked:?}");
        let why = checked.why_unreached(&stray).unwrap();
        assert!(why.starts_with("excluded from the build"), "{why}");
    }

    #[test]
    fn a_check_out_of_time_is_stopped() {
        let krate = Crate::new();
        let error = krate.check(None, Duration::from_millis(1)).unwrap_err();
        assert!(matches!(error, ToolError::TimedOut { .. }), "{error}");
    }

    #[test]
    fn the_scratch_copy_skips_what_is_not_the_crate() {
        let krate = Crate::new();
        let root = krate.root();
        for dir in ["target/debug", ".git", "src/target"] {
            fs::create_dir_all(root.join(dir)).unwrap();
        }
        fs::write(root.join("target/debug/big"), "x").unwrap();
        fs::write(root.join(".git/HEAD"), "x").unwrap();
        fs::write(root.join("src/target/mod.rs"), "").unwrap();
        fs::write(root.join("src/lib.rs.assistant"), "x").unwrap();
        let scratch = tempfile::tempdir().unwrap();
        fs::write(scratch.path().join("stale.rs"), "x").unwrap();
        sync_tree(root, scratch.path()).unwrap();
        let has = |path: &str| scratch.path().join(path).exists();
        assert!(has("src/lib.rs") && has("Cargo.toml") && has("src/target/mod.rs"));
        assert!(!has("target") && !has(".git") && !has("src/lib.rs.assistant"));
        assert!(!has("stale.rs"));
    }

    #[test]
    fn paths_map_back_to_the_root() {
        let scratch = Path::new("/tmp/s/crate");
        let root = Path::new("/home/u/tiny");
        assert_eq!(user_path("src/lib.rs", scratch, root), root.join("src/lib.rs"));
        assert_eq!(
            user_path("/tmp/s/crate/src/a.rs", scratch, root),
            root.join("src/a.rs")
        );
        assert_eq!(
            user_path("/elsewhere/dep.rs", scratch, root),
            Path::new("/elsewhere/dep.rs")
        );
    }
}
