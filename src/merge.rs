//! The merge stage: apply sidecars to their sources without ever losing an edit.
//!
//! For each sidecar: its source must exist; the merged text is computed in memory (`lang::*::merge`) and
//! must parse; a merged text equal to the source means "already merged"; a source whose hash is not the
//! one recorded at generation time is refused unless forced. In such a changed source, a sidecar none of
//! whose functions is a stub any more is "already merged" (the user edited them since), and a function
//! that is no longer a stub is never replaced, forced or not: `--force` never reverts the user's edits. Writing is all or nothing: every file is
//! first staged beside its destination (so an unwritable folder stops the run before anything changes),
//! the originals are copied to a backup folder, then each staged file is renamed into place.
//! `gofmt` / `rustfmt` formats the result when it is on PATH — only for sources that were already
//! formatted, so no byte outside the merged spans changes (see `format`).
//!
//! Flags, output and exit codes belong to `commands::merge` and `commands::clean`.

mod format;
mod interrupt;
mod pairs;

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use ignore::WalkBuilder;

use crate::fsx::{self, StagedWrite};
use crate::lang::{Lang, Markers, Merged, Stub};
use crate::scan::{Target, Warning};
use crate::sidecar::{self, EXTENSION, REJECTED_EXTENSION};
use format::format_like_source;
pub use interrupt::Interrupt;
pub use pairs::{hold_back, with_dependencies};

/// Folder names never entered when looking for sidecars (hidden folders are skipped too).
const SKIPPED_DIRS: &[&str] = &["vendor", "node_modules", "target", "testdata"];

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Merge even when the source changed since the sidecar was generated.
    pub force: bool,
    /// Format merged files with their language's formatter, when it is on PATH and the source was
    /// already formatted.
    pub format: bool,
}

/// What merging one sidecar would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The merged text differs from the source; these declarations change.
    Ready { changed: Vec<String> },
    /// The source already holds every declaration.
    AlreadyMerged,
    /// Not merged, on purpose (the source changed since generation).
    Refused(String),
    /// Not merged, because it cannot be.
    Failed(String),
}

/// One sidecar, its source, and the result of merging it in memory.
#[derive(Debug, Clone)]
pub struct Plan {
    pub sidecar: PathBuf,
    pub source: PathBuf,
    pub status: Status,
    /// The source's text (empty when it could not be read).
    pub original: String,
    /// The text to write (empty unless `Ready`).
    pub merged: String,
    /// The sidecars it must be merged with (its `depends` header).
    pub depends: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("interrupted; nothing was changed")]
    Interrupted,
    #[error("cannot write {}: {source}; nothing was changed", path.display())]
    Stage { path: PathBuf, source: io::Error },
    #[error("cannot back up {} into {}: {source}; nothing was changed", path.display(), backup.display())]
    Backup {
        path: PathBuf,
        backup: PathBuf,
        source: io::Error,
    },
    #[error("cannot replace {}: {source}; the files before it were written, the originals are in {}", path.display(), backup.display())]
    Commit {
        path: PathBuf,
        backup: PathBuf,
        source: io::Error,
    },
}

/// The sidecars (`*.assistant`) under `targets`, sorted, with what could not be walked. `.gitignore` is
/// not honoured (users often ignore `*.assistant`); hidden, `vendor`, `node_modules`, `target` and
/// `testdata` folders are skipped. A named source file stands for its sidecar.
pub fn find_sidecars(targets: &[Target]) -> (Vec<PathBuf>, Vec<Warning>) {
    find(
        targets,
        &|name| name.ends_with(&format!(".{EXTENSION}")),
        |file| {
            let sidecar = sidecar::sidecar_path(file);
            vec![sidecar].into_iter().filter(|p| p.is_file()).collect()
        },
    )
}

/// What `clean` removes under `targets`: sidecars, rejected answers, and temporary files an interrupted
/// write left behind.
pub fn find_leftovers(targets: &[Target]) -> (Vec<PathBuf>, Vec<Warning>) {
    find(targets, &is_leftover, |file| {
        [sidecar::sidecar_path(file), sidecar::rejected_path(file)]
            .into_iter()
            .filter(|p| p.is_file())
            .collect()
    })
}

fn is_leftover(name: &str) -> bool {
    name.ends_with(&format!(".{EXTENSION}"))
        || name.ends_with(&format!(".{REJECTED_EXTENSION}"))
        || (name.starts_with(".assistant-") && name.ends_with(".tmp"))
}

fn find(
    targets: &[Target],
    wanted: &dyn Fn(&str) -> bool,
    companions: impl Fn(&Path) -> Vec<PathBuf>,
) -> (Vec<PathBuf>, Vec<Warning>) {
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    for target in targets {
        let path = &target.path;
        if !path.is_dir() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            if wanted(&name) {
                found.push(path.clone());
            } else {
                found.extend(companions(path));
            }
            continue;
        }
        let walker = WalkBuilder::new(path)
            .standard_filters(false)
            .follow_links(false)
            .filter_entry(|entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                let name = entry.file_name().to_string_lossy();
                !is_dir
                    || entry.depth() == 0
                    || !(name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file && wanted(&entry.file_name().to_string_lossy()) {
                        found.push(shown(entry.path(), target));
                    }
                }
                Err(error) => warnings.push(Warning {
                    path: path.clone(),
                    reason: error.to_string(),
                }),
            }
        }
    }
    found.sort();
    found.dedup();
    (found, warnings)
}

/// `./a/b.go.assistant` → `a/b.go.assistant` when the user named no path (as `scan` prints them).
fn shown(path: &Path, target: &Target) -> PathBuf {
    if target.implicit {
        if let Ok(relative) = path.strip_prefix(&target.path) {
            return relative.to_path_buf();
        }
    }
    path.to_path_buf()
}

/// Reads a sidecar and its source and merges them in memory.
pub fn plan(sidecar_path: &Path, options: Options) -> Plan {
    let source =
        sidecar::source_path_of(sidecar_path).unwrap_or_else(|| sidecar_path.to_path_buf());
    let mut plan = Plan {
        sidecar: sidecar_path.to_path_buf(),
        source,
        status: Status::Failed(String::new()),
        original: String::new(),
        merged: String::new(),
        depends: Vec::new(),
    };
    plan.status = match decide(&mut plan, options) {
        Ok(status) | Err(status) => status,
    };
    plan
}

fn decide(plan: &mut Plan, options: Options) -> Result<Status, Status> {
    let failed = |reason: String| Status::Failed(reason);
    let sidecar = sidecar::read(&plan.sidecar).map_err(|e| failed(e.to_string()))?;
    plan.depends = sidecar::dependencies(&plan.sidecar, &sidecar);
    let lang = Lang::of(&plan.source).ok_or_else(|| {
        failed(format!(
            "the sidecar is not beside a source file assistant knows ({})",
            Lang::known()
        ))
    })?;
    let bytes = std::fs::read(&plan.source).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => failed(format!(
            "its source {} does not exist (moved or deleted?)",
            plan.source.display()
        )),
        _ => failed(format!("cannot read {}: {e}", plan.source.display())),
    })?;
    let stale = sidecar::sha256_hex(&bytes) != sidecar.source_sha256;
    plan.original = String::from_utf8(bytes)
        .map_err(|_| failed(format!("{} is not UTF-8", plan.source.display())))?;
    let refused = || {
        Status::Refused(
            "the source changed since the sidecar was generated (its SHA-256 differs); \
             review the sidecar and use --force to merge anyway"
                .into(),
        )
    };
    let mut merged = match lang.merge(&plan.original, &sidecar.code) {
        Ok(merged) => merged,
        Err(_) if stale && !options.force => return Err(refused()),
        Err(error) => return Err(failed(error.to_string())),
    };
    if stale {
        // Whatever the sidecar would replace that is no longer a stub was written or edited by the user
        // since: it stays, forced or not.
        let stubs: Vec<String> = lang
            .stubs_in(&plan.original, &Markers::default())
            .iter()
            .map(Stub::identity)
            .collect();
        if is_merged(&sidecar.functions, &stubs, &merged) {
            return Ok(Status::AlreadyMerged);
        }
        let keep: Vec<String> = merged
            .replaced
            .iter()
            .filter(|identity| !stubs.contains(identity))
            .cloned()
            .collect();
        if !keep.is_empty() {
            merged = lang
                .merge_keeping(&plan.original, &sidecar.code, &keep)
                .map_err(|error| failed(error.to_string()))?;
        }
    }
    let text = if options.format {
        format_like_source(lang, &plan.source, &plan.original, merged.text)
    } else {
        merged.text
    };
    if text == plan.original {
        return Ok(Status::AlreadyMerged);
    }
    if stale && !options.force {
        return Err(refused());
    }
    plan.merged = text;
    let mut changed = merged.replaced;
    changed.extend(merged.extended);
    changed.extend(merged.added);
    Ok(Status::Ready { changed })
}

/// Whether a sidecar was merged already, although the source changed since: none of its `functions`
/// is a stub of the source any more (`stubs`), and the source declares every one (merging adds none).
fn is_merged(functions: &[String], stubs: &[String], merged: &Merged) -> bool {
    !functions.is_empty()
        && functions
            .iter()
            .all(|f| !stubs.contains(f) && !merged.added.contains(f))
}

/// A unified diff of a ready plan (empty for the others).
pub fn diff(plan: &Plan) -> String {
    if !matches!(plan.status, Status::Ready { .. }) {
        return String::new();
    }
    let source = plan.source.display().to_string();
    similar::TextDiff::from_lines(&plan.original, &plan.merged)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{source}"), &format!("b/{source}"))
        .to_string()
}

/// Writes every ready plan, all or nothing: stage all, back the originals up, then rename each into
/// place. Returns the backup folder.
pub fn write(plans: &[&Plan]) -> Result<PathBuf, WriteError> {
    write_unless(plans, &Interrupt::default())
}

/// As [`write`], stopping with [`WriteError::Interrupted`] when `interrupt` happens before the first
/// rename: the staged files are removed and nothing is changed. Once renaming has begun, it finishes.
pub fn write_unless(plans: &[&Plan], interrupt: &Interrupt) -> Result<PathBuf, WriteError> {
    let staged = plans
        .iter()
        .map(|plan| {
            // Through a symbolic link, the file it points to is replaced, not the link.
            let destination =
                std::fs::canonicalize(&plan.source).unwrap_or_else(|_| plan.source.clone());
            fsx::stage(&destination, &plan.merged).map_err(|source| WriteError::Stage {
                path: plan.source.clone(),
                source,
            })
        })
        .collect::<Result<Vec<StagedWrite>, WriteError>>()?;
    // Dropping the staged files removes them.
    if interrupt.happened() {
        return Err(WriteError::Interrupted);
    }
    let backup = backup_folder();
    for plan in plans {
        if interrupt.happened() {
            // Copies of files that stay as they are: ours to remove.
            let _ = std::fs::remove_dir_all(&backup);
            return Err(WriteError::Interrupted);
        }
        fsx::back_up(&plan.source, &backup).map_err(|source| WriteError::Backup {
            path: plan.source.clone(),
            backup: backup.clone(),
            source,
        })?;
    }
    if interrupt.happened() {
        let _ = std::fs::remove_dir_all(&backup);
        return Err(WriteError::Interrupted);
    }
    for file in staged {
        let path = file.destination().to_path_buf();
        file.commit().map_err(|source| WriteError::Commit {
            path,
            backup: backup.clone(),
            source,
        })?;
    }
    Ok(backup)
}

/// A new folder named by time and process under the user's cache folder (`fsx::user_cache_dir`), else
/// the system's temporary folder; `fsx::back_up` makes it private (0700).
fn backup_folder() -> PathBuf {
    let stamp = sidecar::rfc3339(SystemTime::now()).replace([':', '-'], "");
    let name = format!("{stamp}-{}", std::process::id());
    fsx::user_cache_dir().map_or_else(
        || std::env::temp_dir().join(format!("assistant-backup-{name}")),
        |cache| cache.join("backups").join(&name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sidecar_for(source: &str, code: &str) -> String {
        sidecar_with(source, code, &["F"])
    }

    fn sidecar_with(source: &str, code: &str, functions: &[&str]) -> String {
        let part = crate::check::CheckedFile {
            path: PathBuf::from("a.go"),
            code: code.into(),
            functions: functions.iter().map(|f| f.to_string()).collect(),
        };
        let meta = sidecar::Meta {
            provider: "test".into(),
            model: "m".into(),
            time: SystemTime::UNIX_EPOCH,
            verified: None,
        };
        sidecar::compose(Path::new("a.go"), source, &[part], &meta).unwrap()
    }

    const SOURCE: &str = "package p\n\nfunc F() {\n\tpanic(\"implement me\")\n}\n";
    const CODE: &str = "package p\n\nfunc F() {}\n";

    fn setup() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.go"), SOURCE).unwrap();
        let sidecar = dir.path().join("a.go.assistant");
        std::fs::write(&sidecar, sidecar_for(SOURCE, CODE)).unwrap();
        (dir, sidecar)
    }

    #[test]
    fn plan_states() {
        let (dir, sidecar) = setup();
        let options = Options::default();
        let ready = plan(&sidecar, options);
        assert_eq!(
            ready.status,
            Status::Ready {
                changed: vec!["F".into()]
            }
        );
        assert_eq!(ready.merged, "package p\n\nfunc F() {}\n");
        assert!(diff(&ready).contains("-\tpanic(\"implement me\")\n"));

        std::fs::write(dir.path().join("a.go"), CODE).unwrap();
        assert_eq!(plan(&sidecar, options).status, Status::AlreadyMerged);

        std::fs::write(dir.path().join("a.go"), format!("{SOURCE}// edited\n")).unwrap();
        assert!(matches!(plan(&sidecar, options).status, Status::Refused(_)));
        let forced = plan(
            &sidecar,
            Options {
                force: true,
                ..options
            },
        );
        assert!(matches!(forced.status, Status::Ready { .. }));

        std::fs::remove_file(dir.path().join("a.go")).unwrap();
        assert!(
            matches!(plan(&sidecar, options).status, Status::Failed(reason) if reason.contains("does not exist"))
        );
    }

    #[test]
    fn user_edits_after_a_merge_are_never_reverted() {
        let (dir, sidecar) = setup();
        let source = dir.path().join("a.go");
        let forced = Options {
            force: true,
            ..Options::default()
        };
        // Merged, then edited by the user: merged already, forced or not.
        let edited = "package p\n\n// F is mine now.\nfunc F() { println(1) }\n";
        std::fs::write(&source, edited).unwrap();
        assert_eq!(
            plan(&sidecar, Options::default()).status,
            Status::AlreadyMerged
        );
        assert_eq!(plan(&sidecar, forced).status, Status::AlreadyMerged);

        // Two stubs, one written by hand since: forced, only the other is merged.
        let two = "package p\n\nfunc F() {\n\tpanic(\"implement me\")\n}\n\nfunc G() {\n\tpanic(\"implement me\")\n}\n";
        let code = "package p\n\nfunc F() {}\n\nfunc G() {}\n";
        std::fs::write(&sidecar, sidecar_with(two, code, &["F", "G"])).unwrap();
        let by_hand = two.replacen("\tpanic(\"implement me\")\n", "\tprintln(\"mine\")\n", 1);
        std::fs::write(&source, &by_hand).unwrap();
        assert!(matches!(
            plan(&sidecar, Options::default()).status,
            Status::Refused(_)
        ));
        let ready = plan(&sidecar, forced);
        assert_eq!(
            ready.status,
            Status::Ready {
                changed: vec!["G".into()]
            }
        );
        assert_eq!(
            ready.merged,
            "package p\n\nfunc F() {\n\tprintln(\"mine\")\n}\n\nfunc G() {}\n"
        );
    }

    #[test]
    fn write_replaces_and_backs_up() {
        let (dir, sidecar) = setup();
        let ready = plan(&sidecar, Options::default());
        let backup = write(&[&ready]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.go")).unwrap(),
            CODE
        );
        let absolute = std::fs::canonicalize(dir.path().join("a.go")).unwrap();
        let copy = backup.join(absolute.strip_prefix("/").unwrap());
        assert_eq!(std::fs::read_to_string(copy).unwrap(), SOURCE);
        std::fs::remove_dir_all(backup).unwrap();
    }

    #[test]
    fn an_interrupted_write_changes_nothing_and_leaves_no_temporary_file() {
        let (dir, sidecar) = setup();
        let ready = plan(&sidecar, Options::default());
        let interrupt = Interrupt::default();
        interrupt.note();
        let error = write_unless(&[&ready], &interrupt).unwrap_err();
        assert!(matches!(error, WriteError::Interrupted), "{error}");
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.go", "a.go.assistant"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.go")).unwrap(),
            SOURCE
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_source_keeps_its_link() {
        let (dir, _) = setup();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::rename(dir.path().join("a.go"), real.join("a.go")).unwrap();
        std::os::unix::fs::symlink(real.join("a.go"), dir.path().join("a.go")).unwrap();
        let ready = plan(&dir.path().join("a.go.assistant"), Options::default());
        let backup = write(&[&ready]).unwrap();
        assert!(dir
            .path()
            .join("a.go")
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(real.join("a.go")).unwrap(), CODE);
        std::fs::remove_dir_all(backup).unwrap();
    }

    #[test]
    fn finds_sidecars_but_not_in_skipped_folders() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "a.go.assistant",
            "sub/b.go.assistant",
            "vendor/c.go.assistant",
            ".git/d.go.assistant",
            "sub/e.go.assistant.rejected",
        ] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        std::fs::write(dir.path().join(".gitignore"), "*.assistant\n").unwrap();
        let (found, warnings) = find_sidecars(&[Target::named(dir.path())]);
        assert!(warnings.is_empty());
        assert_eq!(
            found,
            [
                dir.path().join("a.go.assistant"),
                dir.path().join("sub/b.go.assistant")
            ]
        );
        let (leftovers, _) = find_leftovers(&[Target::named(dir.path())]);
        assert_eq!(leftovers.len(), 3);
        let (named, _) = find_sidecars(&[Target::named(dir.path().join("a.go"))]);
        assert_eq!(named, [dir.path().join("a.go.assistant")]);
    }
}
