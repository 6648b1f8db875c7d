//! Landing jobs' checked code: a source file's sidecars are written when its last job ends — failed or
//! not — with every part its jobs produced, for it and for the files they extended (sponge's dao file),
//! added to the fresh sidecar an earlier run left there (see `super::existing`).
//!
//! Jobs end in any order, so [`Landing`] keeps each file's parts until its count of jobs runs out. The
//! caller lands jobs one at a time on one task, so a sidecar is written whole or not at all. Asking,
//! checking and reporting belong to the callers; the sidecar's text to [`super::compose`].

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use super::existing::{existing, Existing};
use super::{compose_with, relative_path, sidecar_path, Meta, Printed, SidecarError};
use crate::check::{CheckedFile, Expected};
use crate::fsx;

/// Why a file's sidecars could not be written.
#[derive(Debug, thiserror::Error)]
pub enum LandError {
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{}: {source}", path.display())]
    Compose { path: PathBuf, source: SidecarError },
    #[error("{}: cannot write: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("{}: cannot print: {source}", path.display())]
    Print { path: PathBuf, source: io::Error },
    #[error("{}: left alone, not written: assistant did not write it (no `generator:` header); move it away to generate for its source", .0.display())]
    Foreign(PathBuf),
}

/// Checked parts waiting for the rest of their file's jobs.
#[derive(Debug)]
pub struct Landing {
    /// Jobs still running per source file.
    remaining: HashMap<PathBuf, usize>,
    /// Per source file, the checked code its jobs produced — for it and for dependents such as the dao
    /// file — in landing order.
    parts: HashMap<PathBuf, Vec<CheckedFile>>,
    /// The texts the jobs worked from, for the sidecars' `source-sha256`.
    sources: HashMap<PathBuf, String>,
    /// Per file, what verified each part that landed in it (`go build`, `no (…)`).
    verified: HashMap<PathBuf, Vec<String>>,
    meta: Meta,
    /// Printed instead of written (`generate --stdout`), and how.
    printed: Option<Printed>,
}

impl Landing {
    /// Expects one job per item of `job_files` (a file split into three jobs is named three times).
    /// Under `printed` the sidecars are printed instead of written.
    pub fn new<'a>(
        job_files: impl IntoIterator<Item = &'a Path>,
        meta: Meta,
        printed: Option<Printed>,
    ) -> Self {
        let mut remaining = HashMap::new();
        for file in job_files {
            *remaining.entry(file.to_path_buf()).or_insert(0) += 1;
        }
        Landing {
            remaining,
            parts: HashMap::new(),
            sources: HashMap::new(),
            verified: HashMap::new(),
            meta,
            printed,
        }
    }

    /// Records how the job that asked for `expected` ended (`checked` is empty for a failed one) and what
    /// verified its code (`verified`, as the sidecar header says it). When
    /// it was its file's last job, writes the sidecars of everything the file's jobs produced (or prints
    /// the code under `printed`) and returns their paths (the printed sources' under `printed`);
    /// before that, returns the sidecars this job's code will land in.
    pub fn land(
        &mut self,
        expected: &Expected,
        checked: &[CheckedFile],
        verified: &str,
    ) -> Result<Vec<PathBuf>, LandError> {
        let file = &expected.target.path;
        for part in checked {
            self.verified
                .entry(part.path.clone())
                .or_default()
                .push(verified.to_string());
        }
        self.parts
            .entry(file.clone())
            .or_default()
            .extend(checked.iter().cloned());
        self.sources
            .insert(file.clone(), expected.target.source.clone());
        if let Some(dependent) = &expected.dependent {
            // A file that is also a job's target keeps the text its own scan read.
            self.sources
                .entry(dependent.path.clone())
                .or_insert_with(|| dependent.source.clone());
        }
        let left = self.remaining.entry(file.clone()).or_insert(1);
        *left = left.saturating_sub(1);
        if *left > 0 {
            return Ok(distinct_paths(checked, file)
                .iter()
                .map(|path| sidecar_path(path))
                .collect());
        }
        let parts = self.parts.remove(file).unwrap_or_default();
        let paths = distinct_paths(&parts, file);
        let mut written = Vec::new();
        for path in &paths {
            let for_path: Vec<CheckedFile> =
                parts.iter().filter(|p| &p.path == path).cloned().collect();
            // The file's own code calls what its jobs added to the others (the dao's new methods):
            // its sidecar is merged only with theirs.
            let depends: Vec<String> = if path == file {
                let folder = file.parent().unwrap_or(Path::new(""));
                paths[1..]
                    .iter()
                    .map(|other| relative_path(folder, &sidecar_path(other)))
                    .collect()
            } else {
                Vec::new()
            };
            written.push(self.write(path, &for_path, depends)?);
        }
        Ok(written)
    }

    /// Writes (or prints) the sidecar of `path` made of `parts`; returns where it went.
    fn write(
        &self,
        path: &Path,
        parts: &[CheckedFile],
        mut depends: Vec<String>,
    ) -> Result<PathBuf, LandError> {
        // `check` routes code only to a job's target and its dependent, whose texts are known; reading
        // the disk is for anything else.
        let read;
        let source = match self.sources.get(path) {
            Some(source) => source,
            None => {
                read = std::fs::read_to_string(path).map_err(|source| LandError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                &read
            }
        };
        let sidecar = sidecar_path(path);
        let mut parts = parts.to_vec();
        let mut labels = self.verified.get(path).cloned().unwrap_or_default();
        if self.printed.is_none() {
            match existing(&sidecar, source).map_err(|error| LandError::Read {
                path: sidecar.clone(),
                source: error,
            })? {
                Existing::Foreign => return Err(LandError::Foreign(sidecar)),
                // Earlier answers for this very text stay; this run's replace theirs where both have
                // the same function.
                Existing::Fresh(earlier) => {
                    parts.insert(
                        0,
                        CheckedFile {
                            path: path.to_path_buf(),
                            code: earlier.code,
                            functions: earlier.functions,
                        },
                    );
                    labels.extend(earlier.verified);
                    for earlier in earlier.depends {
                        if !depends.contains(&earlier) {
                            depends.push(earlier);
                        }
                    }
                }
                Existing::Nothing | Existing::Stale => {}
            }
        }
        let meta = Meta {
            verified: (!labels.is_empty()).then(|| combined(&labels)),
            ..self.meta.clone()
        };
        let content = compose_with(path, source, &parts, &meta, &depends).map_err(|source| {
            LandError::Compose {
                path: path.to_path_buf(),
                source,
            }
        })?;
        if let Some(printed) = self.printed {
            printed
                .print(path, &content)
                .map_err(|source| LandError::Print {
                    path: path.to_path_buf(),
                    source,
                })?;
            return Ok(path.to_path_buf());
        }
        fsx::write_atomic_like(&sidecar, &content, path).map_err(|source| LandError::Write {
            path: sidecar.clone(),
            source,
        })?;
        Ok(sidecar)
    }
}

/// One label for a sidecar made of several jobs' parts: theirs when they agree, else the first that
/// says why something went unverified.
fn combined(labels: &[String]) -> String {
    match labels.first() {
        Some(first) if labels.iter().all(|l| l == first) => first.clone(),
        _ => labels
            .iter()
            .find(|l| l.starts_with("no ("))
            .cloned()
            .unwrap_or_default(),
    }
}

/// The files `parts` are for, `source` first, each once, in order of first appearance.
fn distinct_paths(parts: &[CheckedFile], source: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for part in parts {
        if !paths.contains(&part.path) {
            paths.push(part.path.clone());
        }
    }
    paths.sort_by_key(|p| p != source);
    paths
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::check::{DependentFile, TargetFile};
    use crate::lang::Markers;
    use crate::sidecar::{read, sha256_hex};

    fn meta() -> Meta {
        Meta {
            provider: "test".into(),
            model: "m".into(),
            time: SystemTime::UNIX_EPOCH,
            verified: None,
        }
    }

    fn expected(target: &Path, dao: Option<&Path>) -> Expected {
        Expected {
            target: TargetFile {
                name: "h.go".into(),
                path: target.to_path_buf(),
                source: "package h\n".into(),
                stubs: Vec::new(),
            },
            dependent: dao.map(|dao| DependentFile {
                name: "d.go".into(),
                path: dao.to_path_buf(),
                source: "package d\n".into(),
            }),
            markers: Markers::default(),
        }
    }

    fn part(path: &Path, package: &str, function: &str) -> CheckedFile {
        CheckedFile {
            path: path.to_path_buf(),
            code: format!("package {package}\n\nfunc {function}() {{}}\n"),
            functions: vec![function.into()],
        }
    }

    #[test]
    fn a_file_lands_with_its_last_job_even_a_failed_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.go");
        let job = expected(&file, None);
        let mut landing = Landing::new([file.as_path(); 3], meta(), None);
        let planned = landing
            .land(&job, &[part(&file, "h", "A")], "no (go not on PATH)")
            .unwrap();
        assert_eq!(planned, [sidecar_path(&file)]);
        assert!(!sidecar_path(&file).exists());
        landing
            .land(&job, &[part(&file, "h", "B")], "go build")
            .unwrap();
        let written = landing.land(&job, &[], "go build").unwrap();
        assert_eq!(written, [sidecar_path(&file)]);
        let sidecar = read(&sidecar_path(&file)).unwrap();
        assert_eq!(sidecar.functions, ["A", "B"]);
        assert_eq!(sidecar.source_sha256, sha256_hex(b"package h\n"));
        // One part went unverified, so the file did.
        assert_eq!(sidecar.verified.as_deref(), Some("no (go not on PATH)"));
    }

    #[test]
    fn the_dependent_sidecar_uses_the_text_the_job_holds() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.go");
        // Not on disk: reading it would fail.
        let dao = dir.path().join("d.go");
        let job = expected(&file, Some(&dao));
        let mut landing = Landing::new([file.as_path()], meta(), None);
        let written = landing
            .land(
                &job,
                &[part(&dao, "d", "Find"), part(&file, "h", "A")],
                "go build",
            )
            .unwrap();
        assert_eq!(written, [sidecar_path(&file), sidecar_path(&dao)]);
        let sidecar = read(&sidecar_path(&dao)).unwrap();
        assert_eq!(sidecar.source_sha256, sha256_hex(b"package d\n"));
        assert!(sidecar.depends.is_empty());
        // The handler's sidecar needs the dao's.
        let handler = read(&sidecar_path(&file)).unwrap();
        assert_eq!(handler.depends, ["d.go.assistant"]);
    }

    #[test]
    fn a_later_run_adds_to_the_fresh_sidecar_and_replaces_a_stale_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.go");
        let job = expected(&file, None);
        let run = |function: &str, label: &str| {
            let mut landing = Landing::new([file.as_path()], meta(), None);
            landing.land(&job, &[part(&file, "h", function)], label)
        };
        run("A", "go build").unwrap();
        run("B", "no (go not on PATH)").unwrap();
        let sidecar = read(&sidecar_path(&file)).unwrap();
        assert_eq!(sidecar.functions, ["A", "B"]);
        assert!(sidecar.code.contains("func A() {}") && sidecar.code.contains("func B() {}"));
        assert_eq!(sidecar.verified.as_deref(), Some("no (go not on PATH)"));
        // The same stub again: one answer, the new one.
        run("A", "go build").unwrap();
        assert_eq!(read(&sidecar_path(&file)).unwrap().functions, ["A", "B"]);

        // Made from another text of the source: replaced.
        let mut changed = expected(&file, None);
        changed.target.source = "package h // edited\n".into();
        let mut landing = Landing::new([file.as_path()], meta(), None);
        landing
            .land(&changed, &[part(&file, "h", "C")], "go build")
            .unwrap();
        assert_eq!(read(&sidecar_path(&file)).unwrap().functions, ["C"]);
    }

    #[test]
    fn a_file_the_tool_did_not_write_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("h.go");
        std::fs::write(sidecar_path(&file), "my own notes\n").unwrap();
        let mut landing = Landing::new([file.as_path()], meta(), None);
        let error = landing
            .land(&expected(&file, None), &[part(&file, "h", "A")], "go build")
            .unwrap_err();
        assert!(
            error.to_string().contains("h.go.assistant: left alone"),
            "{error}"
        );
        assert_eq!(
            std::fs::read_to_string(sidecar_path(&file)).unwrap(),
            "my own notes\n"
        );
    }

    #[test]
    fn unwritable_sidecars_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("no/such/folder/h.go");
        let job = expected(&file, None);
        let mut landing = Landing::new([file.as_path()], meta(), None);
        let error = landing
            .land(&job, &[part(&file, "h", "A")], "go build")
            .unwrap_err();
        assert!(matches!(error, LandError::Write { .. }), "{error}");
        assert!(error.to_string().contains("h.go.assistant: cannot write: "));
    }
}
