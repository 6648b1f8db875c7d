//! The verify stage: an answer counts only when the packages it lands in type-check with it applied,
//! with the project's own toolchain (`go build -overlay`, `cargo check` on a scratch copy).
//!
//! A stubbed tree often fails to build already (an import left unused by the stubbing, a dependency not
//! downloaded), so each set of packages is checked first as it stands — once per run — and only the
//! errors the answer introduced count: the same file and message as a baseline error is the tree's own,
//! whatever its line. A tree whose packages cannot even be loaded gives no verdict ("verified: no").
//! One toolchain process runs per project at a time (they share caches and, for Rust, the scratch
//! copy), and at most [`Verifier::new`]'s `parallel` processes in all. Running the compiler and reading
//! its output is each language's [`Toolchain`]; asking again with the errors is `crate::ask`'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::fsx::absolute;
use crate::lang::context::relative_name;
use crate::lang::{
    CheckedFile, Diagnostic, Expected, Lang, Problem, Replacement, ToolError, Toolchain,
};

/// `--verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Verify when the language's toolchain is on PATH and the file is in a module/crate.
    #[default]
    Auto,
    /// As `auto`, and a missing toolchain is a usage error.
    On,
    /// Parse-level checks only.
    Off,
}

/// What verification said of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The packages type-check with the answer: no error it introduced.
    Verified { tool: &'static str },
    /// No verdict, and why (`--verify off`, `go not on PATH`, …): the answer stands on the parse-level
    /// checks.
    Skipped { reason: String },
    /// The compiler's errors that the answer introduced, worded for the model.
    Failed { problems: Vec<Problem> },
}

impl Verdict {
    /// As the sidecar header and the JSON events say it: `go build`, `no (go not on PATH)`.
    pub fn label(&self) -> String {
        match self {
            Verdict::Verified { tool } => tool.to_string(),
            Verdict::Skipped { reason } => format!("no ({reason})"),
            Verdict::Failed { .. } => "no (the compiler rejects it)".to_string(),
        }
    }
}

/// Verifies answers for a whole run: settings, the process slots, and each project's baselines.
pub struct Verifier {
    mode: Mode,
    timeout: Duration,
    slots: Semaphore,
    projects: Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<Baselines>>>>,
}

/// A project's errors as it stands, per set of files checked: `Err` when it cannot be loaded at all.
type Baselines = HashMap<Vec<PathBuf>, Result<Vec<Diagnostic>, String>>;

/// Why `--verify on` cannot be honoured for a language.
#[derive(Debug, thiserror::Error)]
#[error("--verify on: {0}")]
pub struct Unavailable(pub String);

impl Verifier {
    pub fn new(mode: Mode, timeout: Duration, parallel: usize) -> Verifier {
        Verifier {
            mode,
            timeout,
            slots: Semaphore::new(parallel.max(1)),
            projects: Mutex::new(HashMap::new()),
        }
    }

    /// Under `--verify on`, every language in `langs` must have its toolchain on PATH.
    pub fn require(&self, langs: impl IntoIterator<Item = Lang>) -> Result<(), Unavailable> {
        if self.mode != Mode::On {
            return Ok(());
        }
        for lang in langs {
            match lang.toolchain() {
                None => {
                    return Err(Unavailable(format!(
                        "{} answers cannot be verified (no toolchain assistant drives); use --verify auto",
                        lang.display_name()
                    )))
                }
                Some(tool) if !crate::lang::tools::on_path(tool.program()) => {
                    return Err(Unavailable(format!(
                        "{} is not on PATH, so {} answers cannot be verified",
                        tool.program(),
                        lang.display_name()
                    )))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Type-checks the packages `checked` lands in, with the checked code merged into its sources.
    pub async fn verify(&self, expected: &Expected, checked: &[CheckedFile]) -> Verdict {
        let skipped = |reason: String| Verdict::Skipped { reason };
        if self.mode == Mode::Off {
            return skipped("--verify off".into());
        }
        let Some(lang) = Lang::of(&expected.target.path) else {
            return skipped("not a language assistant verifies".into());
        };
        let Some(tool) = lang.toolchain() else {
            return skipped(format!("no {} toolchain", lang.display_name()));
        };
        if !crate::lang::tools::on_path(tool.program()) {
            return skipped(format!("{} not on PATH", tool.program()));
        }
        let target = absolute(&expected.target.path);
        let Some(root) = tool.project_root(&target) else {
            return skipped(format!(
                "not in a project ({})",
                lang.dialect().project_files.join(", ")
            ));
        };
        let replacements = match replacements(lang, expected, checked) {
            Ok(replacements) => replacements,
            Err(reason) => return skipped(reason),
        };
        let mut files: Vec<PathBuf> = replacements.iter().map(|r| r.path.clone()).collect();
        files.sort();
        let project = self.project(&root);
        let mut baselines = project.lock().await;
        let baseline = match baselines.get(&files) {
            Some(known) => known.clone(),
            None => {
                let found = self
                    .run(tool, &root, &files, Vec::new())
                    .await
                    .map_err(|e| format!("the tree does not build without the answer: {e}"));
                baselines.insert(files.clone(), found.clone());
                found
            }
        };
        let baseline = match baseline {
            Ok(baseline) => baseline,
            Err(reason) => return skipped(reason),
        };
        // Nothing was type-checked: the same errors after the answer would prove nothing.
        if let Some(unloadable) = baseline.iter().find(|d| d.unloadable) {
            return skipped(format!(
                "the packages cannot be loaded as they are: {}",
                unloadable.message
            ));
        }
        let after = match self.run(tool, &root, &files, replacements.clone()).await {
            Ok(after) => after,
            Err(error) => return skipped(error.to_string()),
        };
        drop(baselines);
        let introduced = introduced(baseline, after);
        if introduced.is_empty() {
            return Verdict::Verified { tool: tool.name() };
        }
        Verdict::Failed {
            problems: introduced
                .into_iter()
                .map(|d| problem(tool.name(), &root, expected, &replacements, d))
                .collect(),
        }
    }

    fn project(&self, root: &Path) -> Arc<tokio::sync::Mutex<Baselines>> {
        let mut projects = self.projects.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(projects.entry(root.to_path_buf()).or_default())
    }

    /// One toolchain process, in a slot, off the async threads.
    async fn run(
        &self,
        tool: &'static dyn Toolchain,
        root: &Path,
        files: &[PathBuf],
        replacements: Vec<Replacement>,
    ) -> Result<Vec<Diagnostic>, ToolError> {
        let _slot = self.slots.acquire().await;
        let (root, files, timeout) = (root.to_path_buf(), files.to_vec(), self.timeout);
        tokio::task::spawn_blocking(move || tool.check(&root, &files, &replacements, timeout))
            .await
            .unwrap_or_else(|e| Err(ToolError::Prepare(format!("the check stopped: {e}"))))
    }
}

/// What `merge --verify` found in one project after writing.
#[derive(Debug)]
pub struct TreeReport {
    /// The toolchain, or why the files could not be checked: `go build`, `go not on PATH`.
    pub checked_by: Result<&'static str, String>,
    pub root: Option<PathBuf>,
    /// The compiler's errors in the packages of the merged files.
    pub errors: Vec<Diagnostic>,
}

/// Type-checks the packages of `files` (sources as they now are on disk), one project at a time: what
/// `merge --verify` reports. No baseline: after a merge, every error in those packages is the user's.
pub fn check_tree(files: &[PathBuf], timeout: Duration) -> Vec<TreeReport> {
    let mut groups: Vec<(Checker, Vec<PathBuf>)> = Vec::new();
    for file in files.iter().map(|f| absolute(f)) {
        let Some(lang) = Lang::of(&file) else {
            continue;
        };
        let checker = checker_for(lang, &file);
        match groups.iter_mut().find(|(c, _)| *c == checker) {
            Some((_, members)) => members.push(file),
            None => groups.push((checker, vec![file])),
        }
    }
    groups
        .into_iter()
        .map(|(checker, members)| match checker {
            Checker::Ready(tool, root) => {
                let (checked_by, errors) = match tool.check(&root, &members, &[], timeout) {
                    Ok(errors) => (Ok(tool.name()), errors),
                    Err(error) => (Err(error.to_string()), Vec::new()),
                };
                TreeReport {
                    checked_by,
                    root: Some(root),
                    errors,
                }
            }
            Checker::Unavailable(reason) => TreeReport {
                checked_by: Err(reason),
                root: None,
                errors: Vec::new(),
            },
        })
        .collect()
}

/// Who can check a file: its toolchain in its project, or why nobody can.
enum Checker {
    Ready(&'static dyn Toolchain, PathBuf),
    Unavailable(String),
}

impl PartialEq for Checker {
    fn eq(&self, other: &Checker) -> bool {
        match (self, other) {
            (Checker::Ready(a, x), Checker::Ready(b, y)) => a.name() == b.name() && x == y,
            (Checker::Unavailable(x), Checker::Unavailable(y)) => x == y,
            _ => false,
        }
    }
}

fn checker_for(lang: Lang, file: &Path) -> Checker {
    let Some(tool) = lang.toolchain() else {
        return Checker::Unavailable(format!("no {} toolchain", lang.display_name()));
    };
    if !crate::lang::tools::on_path(tool.program()) {
        return Checker::Unavailable(format!("{} not on PATH", tool.program()));
    }
    match tool.project_root(file) {
        Some(root) => Checker::Ready(tool, root),
        None => Checker::Unavailable(format!(
            "not in a project ({})",
            lang.dialect().project_files.join(", ")
        )),
    }
}

/// Each checked file's source with the checked code merged in, by absolute path.
fn replacements(
    lang: Lang,
    expected: &Expected,
    checked: &[CheckedFile],
) -> Result<Vec<Replacement>, String> {
    checked
        .iter()
        .map(|file| {
            let source = source_of(expected, &file.path).ok_or_else(|| {
                format!("{} is not a file the job asked for", file.path.display())
            })?;
            let merged = lang
                .merge(source, &file.code)
                .map_err(|e| format!("{}: {e}", file.path.display()))?;
            Ok(Replacement {
                path: absolute(&file.path),
                text: merged.text,
            })
        })
        .collect()
}

fn source_of<'a>(expected: &'a Expected, path: &Path) -> Option<&'a str> {
    if expected.target.path == path {
        return Some(&expected.target.source);
    }
    expected
        .dependent
        .as_ref()
        .filter(|d| d.path == path)
        .map(|d| d.source.as_str())
}

/// The errors of `after` that `baseline` does not have, by file and message (lines move when the
/// answer adds code above an error of the tree's own).
fn introduced(baseline: Vec<Diagnostic>, after: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut known: HashMap<(PathBuf, String), usize> = HashMap::new();
    for d in baseline {
        *known.entry((d.file, d.message)).or_default() += 1;
    }
    after
        .into_iter()
        .filter(
            |d| match known.get_mut(&(d.file.clone(), d.message.clone())) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    false
                }
                _ => true,
            },
        )
        .collect()
}

/// A diagnostic as the model is told it: the file as the prompt named it, and the line it points at.
fn problem(
    tool: &'static str,
    root: &Path,
    expected: &Expected,
    replacements: &[Replacement],
    diagnostic: Diagnostic,
) -> Problem {
    let name = if diagnostic.file == absolute(&expected.target.path) {
        expected.target.name.clone()
    } else if let Some(dependent) = expected
        .dependent
        .as_ref()
        .filter(|d| absolute(&d.path) == diagnostic.file)
    {
        dependent.name.clone()
    } else {
        relative_name(root, &diagnostic.file)
    };
    let quoted = replacements
        .iter()
        .find(|r| r.path == diagnostic.file)
        .and_then(|r| r.text.lines().nth(diagnostic.line.checked_sub(1)?))
        .unwrap_or_default()
        .to_string();
    Problem::Compile {
        file: name,
        line: diagnostic.line,
        column: diagnostic.column,
        message: diagnostic.message,
        quoted,
        tool,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostic(file: &str, line: usize, message: &str) -> Diagnostic {
        Diagnostic {
            file: PathBuf::from(file),
            line,
            column: 1,
            message: message.into(),
            unloadable: false,
        }
    }

    #[test]
    fn only_errors_the_answer_introduced_count() {
        let baseline = vec![
            diagnostic("/p/a.go", 3, "\"fmt\" imported and not used"),
            diagnostic("/p/b.go", 9, "undefined: x"),
        ];
        let after = vec![
            diagnostic("/p/a.go", 3, "\"fmt\" imported and not used"),
            // The same error of the tree's own, moved down by the answer's code.
            diagnostic("/p/b.go", 19, "undefined: x"),
            diagnostic("/p/a.go", 12, "declared and not used: y"),
            diagnostic("/p/b.go", 20, "undefined: x"),
        ];
        let left = introduced(baseline, after);
        assert_eq!(
            left,
            [
                diagnostic("/p/a.go", 12, "declared and not used: y"),
                diagnostic("/p/b.go", 20, "undefined: x"),
            ]
        );
    }

    #[test]
    fn labels_say_what_checked_or_why_nothing_did() {
        assert_eq!(Verdict::Verified { tool: "go build" }.label(), "go build");
        let skipped = Verdict::Skipped {
            reason: "go not on PATH".into(),
        };
        assert_eq!(skipped.label(), "no (go not on PATH)");
    }
}
