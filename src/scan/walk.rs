//! Walking: which files are candidates, found in parallel.
//!
//! Skip rules (SPEC): each language's generated and test files (its dialect's skip rules, e.g.
//! `*_test.go`, `*.pb.go`); folders `vendor/`, `testdata/`, `node_modules/`, `.git/`, every hidden
//! folder, each language's own (`__pycache__/`), and a build folder beside its project file (`target/`
//! beside a `Cargo.toml`); whatever `.gitignore`/`.ignore` excludes (also outside a git checkout,
//! since users keep those files for tools like this one). Symbolic links are not followed, as in ripgrep. A file the user names
//! explicitly is always a candidate, whatever its name.
//!
//! The same rules serve the walks for files that are not source, such as a module's `.proto` files
//! ([`files_with_extension`]).

use std::path::{Path, PathBuf};

use ignore::{DirEntry, WalkBuilder, WalkState};

use super::Warning;
use crate::lang::Lang;

/// Folder names never entered.
const SKIPPED_DIRS: &[&str] = &["vendor", "testdata", "node_modules"];

/// A path to work on, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: PathBuf,
    /// True when the user named no path: the current folder is walked and `./` is left off printed paths,
    /// as ripgrep does.
    pub implicit: bool,
}

impl Target {
    pub fn named(path: impl Into<PathBuf>) -> Target {
        Target {
            path: path.into(),
            implicit: false,
        }
    }

    pub fn current_dir() -> Target {
        Target {
            path: PathBuf::from("."),
            implicit: true,
        }
    }
}

/// A folder some language's dialect skips: by name (`__pycache__`), or as the build output beside its
/// project file (`target/` beside a `Cargo.toml`; a `target` folder elsewhere is an ordinary folder).
fn is_language_skipped_dir(dir: &Path, name: &str) -> bool {
    Lang::all().any(|lang| {
        let dialect = lang.dialect();
        dialect.skipped_dirs.contains(&name)
            || (dialect.output_dirs.contains(&name)
                && dir.parent().is_some_and(|parent| {
                    dialect
                        .project_files
                        .iter()
                        .any(|file| parent.join(file).is_file())
                }))
    })
}

/// Whether a file name is generated or test code that is never a target.
pub fn is_skipped_file_name(name: &str) -> bool {
    Lang::all().any(|lang| lang.dialect().skips(name))
}

/// Calls `visit` (from several threads) with each candidate file and its language, or with a warning for
/// what could not be walked.
pub fn for_each_candidate<F>(targets: &[Target], visit: F)
where
    F: Fn(Result<(PathBuf, Lang), Warning>) + Sync,
{
    let (files, dirs): (Vec<&Target>, Vec<&Target>) =
        targets.iter().partition(|t| !t.path.is_dir());
    for target in files {
        match Lang::of(&target.path) {
            Some(lang) => {
                warn_if_not_utf8(&target.path, &visit);
                visit(Ok((target.path.clone(), lang)));
            }
            None => visit(Err(Warning {
                path: target.path.clone(),
                reason: format!(
                    "not a source file assistant knows ({}), skipped",
                    Lang::known()
                ),
            })),
        }
    }
    let Some((first, rest)) = dirs.split_first() else {
        return;
    };
    let rest: Vec<&Path> = rest.iter().map(|t| t.path.as_path()).collect();
    let builder = walk_builder(&first.path, &rest, &[]);
    let implicit_roots: Vec<&Path> = dirs
        .iter()
        .filter(|t| t.implicit)
        .map(|t| t.path.as_path())
        .collect();
    builder.build_parallel().run(|| {
        let visit = &visit;
        let implicit_roots = &implicit_roots;
        Box::new(move |entry| {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if let Some(lang) = is_file.then(|| Lang::of(entry.path())).flatten() {
                        let path = shown_path(entry.path(), implicit_roots);
                        warn_if_not_utf8(&path, visit);
                        visit(Ok((path, lang)));
                    }
                }
                Err(error) => visit(Err(walk_warning(error))),
            }
            WalkState::Continue
        })
    });
}

/// A file whose name is not UTF-8 is still scanned (its bytes are its name on disk; messages show it
/// lossily): say so, so that the odd name is not mistaken for a typo.
fn warn_if_not_utf8<F>(path: &Path, visit: &F)
where
    F: Fn(Result<(PathBuf, Lang), Warning>),
{
    if path.file_name().is_some_and(|name| name.to_str().is_none()) {
        visit(Err(Warning {
            path: path.to_path_buf(),
            reason: format!("the file name is not UTF-8; scanned as {}", path.display()),
        }));
    }
}

/// The files under `root` whose extension is `extension`, sorted, found with the skip rules above and
/// never entering the folders named in `also_skipped`; and a warning for each thing that could not be
/// walked.
pub fn files_with_extension(
    root: &Path,
    extension: &str,
    also_skipped: &'static [&'static str],
) -> (Vec<PathBuf>, Vec<Warning>) {
    let mut paths = Vec::new();
    let mut warnings = Vec::new();
    for entry in walk_builder(root, &[], also_skipped).build() {
        match entry {
            Ok(entry) => {
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                if is_file && entry.path().extension().is_some_and(|ext| ext == extension) {
                    paths.push(entry.into_path());
                }
            }
            Err(error) => {
                let mut warning = walk_warning(error);
                if warning.path.as_os_str().is_empty() {
                    warning.path = root.to_path_buf();
                }
                warnings.push(warning);
            }
        }
    }
    paths.sort();
    (paths, warnings)
}

/// A walk of `first` and `rest` that keeps to the skip rules above, never entering the folders named in
/// `also_skipped` either. The roots themselves are always entered.
fn walk_builder(
    first: &Path,
    rest: &[&Path],
    also_skipped: &'static [&'static str],
) -> WalkBuilder {
    let mut builder = WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder
        .hidden(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |entry| is_kept(entry, also_skipped));
    builder
}

fn is_kept(entry: &DirEntry, also_skipped: &[&str]) -> bool {
    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
    let name = entry.file_name().to_string_lossy();
    if is_dir {
        entry.depth() == 0
            || !(SKIPPED_DIRS.contains(&name.as_ref())
                || also_skipped.contains(&name.as_ref())
                || is_language_skipped_dir(entry.path(), &name))
    } else {
        !is_skipped_file_name(&name)
    }
}

/// `./a/b.go` → `a/b.go` when the walk started from an implicit `.`.
fn shown_path(path: &Path, implicit_roots: &[&Path]) -> PathBuf {
    implicit_roots
        .iter()
        .find_map(|root| path.strip_prefix(root).ok())
        .map_or_else(|| path.to_path_buf(), Path::to_path_buf)
}

fn walk_warning(error: ignore::Error) -> Warning {
    let path = walk_error_path(&error).unwrap_or_default();
    let reason = match error.io_error() {
        Some(io) => format!("cannot read: {io}"),
        None => error.to_string(),
    };
    Warning { path, reason }
}

fn walk_error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_file_names() {
        for name in ["a_test.go", "a.pb.go", "a_router.pb.go", "a.pb.validate.go"] {
            assert!(is_skipped_file_name(name), "{name}");
        }
        for name in ["a.go", "pb.go", "apb.go", "handler.go"] {
            assert!(!is_skipped_file_name(name), "{name}");
        }
    }

    #[test]
    fn files_with_extension_keeps_to_the_skip_rules() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for path in [
            "a.proto",
            "api/v1/b.proto",
            "api/v1/b.go",
            "vendor/c.proto",
            "testdata/d.proto",
            "web/node_modules/e.proto",
            ".cache/f.proto",
            "third_party/g.proto",
            "gen/h.proto",
        ] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, "").expect("write");
        }
        std::fs::write(root.join(".gitignore"), "gen/\n").expect("write");
        let (paths, warnings) = files_with_extension(root, "proto", &["third_party"]);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(paths, [root.join("a.proto"), root.join("api/v1/b.proto")]);
    }
}
