//! The verify stage: an answer counts only when the packages it lands in type-check with it applied,
//! with the project's own toolchain (`go build -overlay`, `cargo check` on a scratch copy).
//!
//! A verdict proves itself: `Verified` only when the toolchain reports each file of the answer as
//! type-checked (its sentinel, see `crate::lang::toolchain`), whatever the compiler's wording or exit
//! status; a file it did not reach (the package failed to load, a dependency does not compile, build
//! constraints leave the file out) gives `Skipped` with the one-line reason.
//!
//! A stubbed tree often fails to build already (an import left unused by the stubbing), so each unit
//! (a Go package, a crate) is checked first as it stands, once per run, and only the errors the answer
//! introduced count: the same file and message as a baseline error is the tree's own, whatever its line.
//!
//! Runs go at the model's pace by group commit: answers of one project queue while its toolchain runs,
//! and the next run takes all the queued answers that touch different files, together. An answer
//! the combined run cleared (its files reached, no error introduced in them, none left unplaced in
//! its units) is verified; the others are checked again each on its own, whose verdict stands (an
//! error in one answer's file may come from another's change). One toolchain process runs per
//! project at a time, and at most [`Verifier::new`]'s `parallel` processes in all; [`Verifier::runs`]
//! counts them.
//!
//! The parts of a split file (several jobs, one file) are verified together: each answer is checked on
//! top of the parts of its files already accepted, so the last part's verdict speaks for the code the
//! sidecar combines, and a name two parts both define goes back to the model as a problem.
//!
//! Running the compiler and reading its output is each language's [`Toolchain`]; asking again with the
//! errors is `crate::ask`'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{oneshot, Semaphore};

use crate::fsx::absolute;
use crate::lang::context::relative_name;
use crate::lang::{
    Checked, CheckedFile, Diagnostic, Expected, Lang, Problem, Replacement, ToolError, Toolchain,
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

/// The longest reason a label keeps whole, in bytes.
const REASON_LIMIT: usize = 240;

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
            Verdict::Skipped { reason } => {
                format!("no ({})", crate::oneline::one_line(reason, REASON_LIMIT))
            }
            Verdict::Failed { .. } => "no (the compiler rejects it)".to_string(),
        }
    }
}

/// Verifies answers for a whole run: settings, the process slots, each project's queue and
/// baselines, and the parts accepted so far.
pub struct Verifier {
    mode: Mode,
    shared: Arc<Shared>,
}

/// What the runners of every project share.
struct Shared {
    timeout: Duration,
    slots: Semaphore,
    projects: Mutex<HashMap<PathBuf, Arc<Project>>>,
    /// Toolchain runs so far.
    runs: AtomicUsize,
    /// Per source file (absolute), the code of the answers accepted for it so far (verified, or
    /// accepted unverified), in order: what its sidecar will combine.
    accepted: Mutex<HashMap<PathBuf, Vec<CheckedFile>>>,
}

/// One project's toolchain, root, queue, and baselines.
struct Project {
    tool: &'static dyn Toolchain,
    root: PathBuf,
    state: Mutex<Queue>,
    /// Per unit checked so far, its errors as it stands; the runner holds them while it runs.
    baselines: Mutex<Baselines>,
}

/// Errors of the tree as it stands, per unit (a Go package's folder, a crate's root).
type Baselines = HashMap<PathBuf, Vec<Diagnostic>>;

#[derive(Default)]
struct Queue {
    /// Whether a runner is serving the queue.
    running: bool,
    waiting: Vec<Waiting>,
}

/// An answer waiting for a toolchain run.
struct Waiting {
    lang: Lang,
    expected: Expected,
    checked: Vec<CheckedFile>,
    reply: oneshot::Sender<Verdict>,
}

/// An answer taken into a run, with what the run checks of it.
struct Taken {
    waiting: Waiting,
    /// Its files, sorted (absolute).
    files: Vec<PathBuf>,
    replacements: Vec<Replacement>,
}

/// Why `--verify on` cannot be honoured for a language.
#[derive(Debug, thiserror::Error)]
#[error("--verify on: {0}")]
pub struct Unavailable(pub String);

impl Verifier {
    pub fn new(mode: Mode, timeout: Duration, parallel: usize) -> Verifier {
        Verifier {
            mode,
            shared: Arc::new(Shared {
                timeout,
                slots: Semaphore::new(parallel.max(1)),
                projects: Mutex::new(HashMap::new()),
                runs: AtomicUsize::new(0),
                accepted: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Toolchain processes run so far (baselines included): `verify_runs` in the summary.
    pub fn runs(&self) -> usize {
        self.shared.runs.load(Ordering::Relaxed)
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

    /// Type-checks the packages `checked` lands in, with the checked code merged into its sources
    /// (and the parts already accepted for those files).
    pub async fn verify(&self, expected: &Expected, checked: &[CheckedFile]) -> Verdict {
        let unverified = |reason: String| self.shared.accept_unverified(expected, checked, reason);
        if self.mode == Mode::Off {
            return unverified("--verify off".into());
        }
        let Some(lang) = Lang::of(&expected.target.path) else {
            return unverified("not a language assistant verifies".into());
        };
        let Some(tool) = lang.toolchain() else {
            return unverified(format!("no {} toolchain", lang.display_name()));
        };
        if !crate::lang::tools::on_path(tool.program()) {
            return unverified(format!("{} not on PATH", tool.program()));
        }
        let target = absolute(&expected.target.path);
        let Some(root) = tool.project_root(&target) else {
            return unverified(format!(
                "not in a project ({})",
                lang.dialect().project_files.join(", ")
            ));
        };
        let (reply, verdict) = oneshot::channel();
        let project = self.shared.project(tool, &root);
        let start = {
            let mut queue = lock(&project.state);
            queue.waiting.push(Waiting {
                lang,
                expected: expected.clone(),
                checked: checked.to_vec(),
                reply,
            });
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            tokio::spawn(serve(Arc::clone(&self.shared), project));
        }
        verdict.await.unwrap_or_else(|_| Verdict::Skipped {
            reason: "the verification stopped".into(),
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn project(&self, tool: &'static dyn Toolchain, root: &Path) -> Arc<Project> {
        let mut projects = lock(&self.projects);
        Arc::clone(projects.entry(root.to_path_buf()).or_insert_with(|| {
            Arc::new(Project {
                tool,
                root: root.to_path_buf(),
                state: Mutex::new(Queue::default()),
                baselines: Mutex::new(HashMap::new()),
            })
        }))
    }

    /// No toolchain verdict: the code is accepted as it stands, unless it redefines a name an earlier
    /// part of its file defines.
    fn accept_unverified(
        &self,
        expected: &Expected,
        checked: &[CheckedFile],
        reason: String,
    ) -> Verdict {
        let mut accepted = lock(&self.accepted);
        let collisions = collisions(&accepted, expected, checked);
        if !collisions.is_empty() {
            return Verdict::Failed {
                problems: collisions,
            };
        }
        record(&mut accepted, checked);
        Verdict::Skipped { reason }
    }

    /// One toolchain process, in a slot, off the async threads.
    async fn run(
        &self,
        tool: &'static dyn Toolchain,
        root: &Path,
        files: &[PathBuf],
        replacements: Vec<Replacement>,
    ) -> Result<Checked, ToolError> {
        let _slot = self.slots.acquire().await;
        self.runs.fetch_add(1, Ordering::Relaxed);
        let (root, files, timeout) = (root.to_path_buf(), files.to_vec(), self.timeout);
        tokio::task::spawn_blocking(move || tool.check(&root, &files, &replacements, timeout))
            .await
            .unwrap_or_else(|e| Err(ToolError::Prepare(format!("the check stopped: {e}"))))
    }

    /// Sends `verdict` for `taken`, accepting its code first when it stands.
    fn settle(&self, taken: Taken, verdict: Verdict) {
        if !matches!(verdict, Verdict::Failed { .. }) {
            record(&mut lock(&self.accepted), &taken.waiting.checked);
        }
        let _ = taken.waiting.reply.send(verdict);
    }
}

/// Serves a project's queue until it is empty: each round takes the answers that can be checked
/// together and checks them in one run.
async fn serve(shared: Arc<Shared>, project: Arc<Project>) {
    let mut baselines = std::mem::take(&mut *lock(&project.baselines));
    loop {
        let round = {
            let mut queue = lock(&project.state);
            if queue.waiting.is_empty() {
                // Handed back before the next runner can start (it starts only once `running` is off).
                *lock(&project.baselines) = baselines;
                queue.running = false;
                return;
            }
            take_round(&shared, &mut queue)
        };
        check_round(&shared, &project, &mut baselines, round).await;
    }
}

/// Takes from the queue, in order, every answer whose files no answer taken before it touches;
/// answers that cannot be checked at all (no merge, a name two parts define) are settled here.
fn take_round(shared: &Shared, queue: &mut Queue) -> Vec<Taken> {
    let mut round: Vec<Taken> = Vec::new();
    let mut left = Vec::new();
    for waiting in std::mem::take(&mut queue.waiting) {
        let accepted = lock(&shared.accepted);
        let problems = collisions(&accepted, &waiting.expected, &waiting.checked);
        if !problems.is_empty() {
            drop(accepted);
            let _ = waiting.reply.send(Verdict::Failed { problems });
            continue;
        }
        let replacements =
            match replacements(waiting.lang, &waiting.expected, &waiting.checked, &accepted) {
                Ok(replacements) => replacements,
                Err(reason) => {
                    drop(accepted);
                    let _ = waiting.reply.send(Verdict::Skipped { reason });
                    continue;
                }
            };
        drop(accepted);
        let mut files: Vec<PathBuf> = replacements.iter().map(|r| r.path.clone()).collect();
        files.sort();
        let busy = round
            .iter()
            .any(|t| t.files.iter().any(|f| files.contains(f)));
        if busy {
            left.push(waiting);
        } else {
            round.push(Taken {
                waiting,
                files,
                replacements,
            });
        }
    }
    queue.waiting = left;
    round
}

/// Checks a round's answers in one run (after the baselines of units not seen yet), settles those it
/// clears, and checks the others each on its own.
async fn check_round(
    shared: &Shared,
    project: &Project,
    baselines: &mut Baselines,
    round: Vec<Taken>,
) {
    let (tool, root) = (project.tool, project.root.as_path());
    let unit = |file: &Path| tool.unit(root, file);
    let mut new_units: Vec<PathBuf> = Vec::new();
    let mut baseline_files: Vec<PathBuf> = Vec::new();
    for file in round.iter().flat_map(|t| &t.files) {
        let u = unit(file);
        if !baselines.contains_key(&u) && !new_units.contains(&u) {
            new_units.push(u);
            baseline_files.push(file.clone());
        }
    }
    if !baseline_files.is_empty() {
        match shared.run(tool, root, &baseline_files, Vec::new()).await {
            Ok(found) => {
                for u in new_units {
                    baselines.entry(u).or_default();
                }
                for d in found.diagnostics {
                    baselines.entry(unit(&d.file)).or_default().push(d);
                }
            }
            Err(error) => {
                let reason = format!("the tree could not be checked without the answer: {error}");
                for taken in round {
                    shared.settle(
                        taken,
                        Verdict::Skipped {
                            reason: reason.clone(),
                        },
                    );
                }
                return;
            }
        }
    }
    let alone = if round.len() == 1 {
        round
    } else {
        let files: Vec<PathBuf> = round.iter().flat_map(|t| t.files.clone()).collect();
        let all: Vec<Replacement> = round.iter().flat_map(|t| t.replacements.clone()).collect();
        match shared.run(tool, root, &files, all).await {
            Ok(after) => clear(shared, tool, root, baselines, round, after),
            Err(_) => round,
        }
    };
    for taken in alone {
        let verdict = match shared
            .run(tool, root, &taken.files, taken.replacements.clone())
            .await
        {
            Ok(after) => judge(tool, root, baselines, &taken, after),
            Err(error) => Verdict::Skipped {
                reason: error.to_string(),
            },
        };
        shared.settle(taken, verdict);
    }
}

/// Settles the answers a combined run cleared; returns the others, to check alone.
fn clear(
    shared: &Shared,
    tool: &'static dyn Toolchain,
    root: &Path,
    baselines: &Baselines,
    round: Vec<Taken>,
    after: Checked,
) -> Vec<Taken> {
    let introduced = introduced(baselines, |f| tool.unit(root, f), after.diagnostics.clone());
    let owned = |file: &Path| round.iter().any(|t| t.files.iter().any(|f| f == file));
    // Errors in files no answer of the round owns cannot be laid at one answer's door.
    let orphan_units: Vec<PathBuf> = introduced
        .iter()
        .filter(|d| !owned(&d.file))
        .map(|d| tool.unit(root, &d.file))
        .collect();
    let mut alone = Vec::new();
    let mut cleared = Vec::new();
    for taken in round {
        let reached = taken.files.iter().all(|f| after.why_unreached(f).is_none());
        let erred = introduced.iter().any(|d| taken.files.contains(&d.file));
        let orphaned = taken
            .files
            .iter()
            .any(|f| orphan_units.contains(&tool.unit(root, f)));
        if reached && !erred && !orphaned {
            cleared.push(taken);
        } else {
            alone.push(taken);
        }
    }
    for taken in cleared {
        shared.settle(taken, Verdict::Verified { tool: tool.name() });
    }
    alone
}

/// The verdict on one answer checked on its own.
fn judge(
    tool: &'static dyn Toolchain,
    root: &Path,
    baselines: &Baselines,
    taken: &Taken,
    after: Checked,
) -> Verdict {
    let unreached = taken.files.iter().find_map(|f| after.why_unreached(f));
    let introduced = introduced(baselines, |f| tool.unit(root, f), after.diagnostics.clone());
    // Errors the answer brought in are worth a repair round even when they kept a file from being
    // reached (the dao it broke keeps its handler from compiling); without any, no proof, no verdict.
    if introduced.is_empty() {
        return match unreached {
            Some(why) => Verdict::Skipped {
                reason: why.to_string(),
            },
            None => Verdict::Verified { tool: tool.name() },
        };
    }
    let expected = &taken.waiting.expected;
    Verdict::Failed {
        problems: introduced
            .into_iter()
            .map(|d| problem(tool.name(), root, expected, &taken.replacements, d))
            .collect(),
    }
}

/// Adds `checked` to the parts accepted for its files.
fn record(accepted: &mut HashMap<PathBuf, Vec<CheckedFile>>, checked: &[CheckedFile]) {
    for file in checked {
        let parts = accepted.entry(absolute(&file.path)).or_default();
        if !parts.contains(file) {
            parts.push(file.clone());
        }
    }
}

/// Names `checked` defines that a part accepted earlier for the same file defines too: merged, one
/// would silently replace the other.
fn collisions(
    accepted: &HashMap<PathBuf, Vec<CheckedFile>>,
    expected: &Expected,
    checked: &[CheckedFile],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for file in checked {
        let Some(earlier) = accepted.get(&absolute(&file.path)) else {
            continue;
        };
        for name in &file.functions {
            // The same code again (a job verified twice) is no other part.
            if earlier
                .iter()
                .any(|part| part.code != file.code && part.functions.contains(name))
            {
                problems.push(Problem::Conflict {
                    file: shown_name(expected, &file.path),
                    detail: format!(
                        "{name} is already defined by the answer for another part of this file: \
                         give yours another name (or do without it)"
                    ),
                });
            }
        }
    }
    problems
}

/// The name the prompt gave `path`.
fn shown_name(expected: &Expected, path: &Path) -> String {
    if expected.target.path == path {
        return expected.target.name.clone();
    }
    match &expected.dependent {
        Some(dependent) if dependent.path == path => dependent.name.clone(),
        _ => path.display().to_string(),
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
                    Ok(checked) => {
                        let unreached = members.iter().find_map(|f| checked.why_unreached(f));
                        let by = match unreached {
                            Some(why) => Err(why.to_string()),
                            None => Ok(tool.name()),
                        };
                        (by, checked.diagnostics)
                    }
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

/// Each checked file's source with the parts accepted for it so far and then the checked code merged
/// in, by absolute path.
fn replacements(
    lang: Lang,
    expected: &Expected,
    checked: &[CheckedFile],
    accepted: &HashMap<PathBuf, Vec<CheckedFile>>,
) -> Result<Vec<Replacement>, String> {
    checked
        .iter()
        .map(|file| {
            let path = absolute(&file.path);
            let mut text = source_of(expected, &file.path)
                .ok_or_else(|| format!("{} is not a file the job asked for", file.path.display()))?
                .to_string();
            let earlier = accepted.get(&path).map_or(&[][..], Vec::as_slice);
            for part in earlier.iter().chain(std::iter::once(file)) {
                text = lang
                    .merge(&text, &part.code)
                    .map_err(|e| format!("{}: {e}", file.path.display()))?
                    .text;
            }
            Ok(Replacement { path, text })
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

/// The errors of `after` that the baselines of their units do not have, by file and message (lines
/// move when the answer adds code above an error of the tree's own).
fn introduced(
    baselines: &Baselines,
    unit: impl Fn(&Path) -> PathBuf,
    after: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let mut known: HashMap<(PathBuf, String), usize> = HashMap::new();
    let mut units: Vec<PathBuf> = after.iter().map(|d| unit(&d.file)).collect();
    units.sort();
    units.dedup();
    for d in units.iter().filter_map(|u| baselines.get(u)).flatten() {
        *known
            .entry((d.file.clone(), d.message.clone()))
            .or_default() += 1;
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
        let baselines = HashMap::from([(PathBuf::from("/p"), baseline)]);
        let left = introduced(&baselines, |_| PathBuf::from("/p"), after);
        assert_eq!(
            left,
            [
                diagnostic("/p/a.go", 12, "declared and not used: y"),
                diagnostic("/p/b.go", 20, "undefined: x"),
            ]
        );
    }

    fn expected(target: &str) -> Expected {
        Expected {
            target: crate::lang::TargetFile {
                name: "h/h.go".into(),
                path: PathBuf::from(target),
                source: "package h\n".into(),
                stubs: Vec::new(),
            },
            dependent: None,
            markers: crate::lang::Markers::default(),
        }
    }

    #[test]
    fn only_lines_of_the_jobs_own_files_are_quoted() {
        let expected = expected("/p/h/h.go");
        let own = vec![Replacement {
            path: PathBuf::from("/p/h/h.go"),
            text: "package h\n\nfunc F() { x := 0 }\n".into(),
        }];
        let mine = problem(
            "go build",
            Path::new("/p"),
            &expected,
            &own,
            diagnostic("/p/h/h.go", 3, "declared and not used: x"),
        );
        let theirs = problem(
            "go build",
            Path::new("/p"),
            &expected,
            &own,
            diagnostic("/p/h/other.go", 3, "undefined: y"),
        );
        let shown = |p: &Problem| p.to_string();
        assert!(shown(&mine).contains("`func F() { x := 0 }`"), "{mine}");
        assert_eq!(shown(&theirs), "h/other.go:3:1: undefined: y (go build)");
    }

    #[test]
    fn a_name_two_parts_define_is_a_problem_but_the_same_part_again_is_not() {
        let expected = expected("/p/h/h.go");
        let part = |code: &str, functions: &[&str]| CheckedFile {
            path: PathBuf::from("/p/h/h.go"),
            code: code.into(),
            functions: functions.iter().map(|f| f.to_string()).collect(),
        };
        let first = part(
            "package h\n\nfunc A() {}\n\nfunc helper() {}\n",
            &["A", "helper"],
        );
        let mut accepted = HashMap::new();
        record(&mut accepted, std::slice::from_ref(&first));
        assert!(collisions(&accepted, &expected, std::slice::from_ref(&first)).is_empty());
        let second = part(
            "package h\n\nfunc B() {}\n\nfunc helper() int { return 1 }\n",
            &["B", "helper"],
        );
        let found = collisions(&accepted, &expected, &[second]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .to_string()
                .starts_with("h/h.go: helper is already defined"),
            "{}",
            found[0]
        );
        let third = part("package h\n\nfunc C() {}\n", &["C"]);
        assert!(collisions(&accepted, &expected, &[third]).is_empty());
    }

    #[test]
    fn labels_say_what_checked_or_why_nothing_did() {
        assert_eq!(Verdict::Verified { tool: "go build" }.label(), "go build");
        let skipped = Verdict::Skipped {
            reason: "go not on PATH".into(),
        };
        assert_eq!(skipped.label(), "no (go not on PATH)");
        let two_lines = Verdict::Skipped {
            reason: "go: errors parsing go.mod:\n/p/go.mod:3: invalid go version".into(),
        };
        assert_eq!(
            two_lines.label(),
            "no (go: errors parsing go.mod: /p/go.mod:3: invalid go version)"
        );
    }
}
