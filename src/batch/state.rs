//! A submission's state on disk: `.assistant/batches/<id>.json` at the project root, named after the
//! first batch id, and beside it `<id>.prompts.json` with every job's first-round messages (written
//! once; only repairs read it, so the state file stays small enough to rewrite after every landing).
//!
//! Both are JSON and only ever replaced whole (`fsx::write_atomic`): a Ctrl-C or a crash leaves the
//! old state or the new one. The state holds no key — only the provider's kind, model and base URL.
//! What the states mean is `submit`'s and `collect`'s business; this module reads, writes and finds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsx;
use crate::provider::Usage;

/// Where the state files live, under the project root.
pub const DIR: &str = ".assistant/batches";
/// The state files' format; a newer one is refused rather than misread.
const VERSION: u32 = 1;

/// One submission: its batches (the first round's and any repair batches) and its jobs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// The first batch's id: the file's name.
    pub id: String,
    /// The `--type` name of the provider.
    pub provider: String,
    pub model: String,
    /// The batch API's base URL (never a key).
    pub base_url: String,
    /// Unix seconds.
    pub created: u64,
    /// The project root when submitted (informational: a later collect uses the folder holding the
    /// state, so a moved project still collects).
    pub root: PathBuf,
    /// The extra stub markers the scan used, to find the same stubs again.
    pub markers: Vec<String>,
    /// `generate`'s verification and repair settings, the defaults for collect.
    pub verify: String,
    pub verify_timeout: u64,
    pub repair_rounds: u32,
    pub batches: Vec<Submitted>,
    /// By job key (the first round's `custom_id`).
    pub jobs: BTreeMap<String, JobState>,
}

/// A batch of this submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Submitted {
    pub id: String,
    /// 0 for the first round, n for the n-th repair batch.
    pub round: u32,
    /// Unix seconds.
    pub created: u64,
    /// Its results were downloaded and every job in it settled.
    pub collected: bool,
    /// What the provider said last (`in_progress`, `completed`, …), for `status` without a key.
    #[serde(default)]
    pub last_state: Option<String>,
}

/// One job: which file and stubs, what it was asked, and where it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobState {
    /// Relative to the project root, with `/`.
    pub path: String,
    /// As the prompt named it (relative to its module root): what the check matches answers to.
    pub name: String,
    pub part: usize,
    pub parts: usize,
    /// The stubs' identities, in plan order: re-planned by identity at collect time.
    pub functions: Vec<String>,
    pub source_sha256: String,
    /// sha256 of the prompt's system + user text.
    pub prompt_sha256: String,
    /// `en` or `zh`: the repair template's language.
    pub prompt_lang: String,
    /// The file the answer may extend (sponge's dao file).
    pub dependent: Option<DependentState>,
    /// Repair rounds sent in batches so far: each earlier answer and the repair request after it.
    #[serde(default)]
    pub turns: Vec<Turn>,
    #[serde(default)]
    pub usage: Tokens,
    /// Requests answered for it (batch lines and streamed requests).
    #[serde(default)]
    pub attempts: u32,
    pub status: Status,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DependentState {
    /// Relative to the project root, with `/`.
    pub path: String,
    pub name: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Turn {
    pub answer: String,
    pub repair: String,
}

/// Tokens, as [`Usage`] counts them (kept apart so `Usage` needs no `Deserialize`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Tokens {
    pub prompt: u64,
    pub completion: u64,
    pub cached: u64,
    pub reasoning: u64,
}

impl Tokens {
    pub fn add(&mut self, usage: Usage) {
        self.prompt += usage.prompt_tokens;
        self.completion += usage.completion_tokens;
        self.cached += usage.cached_tokens;
        self.reasoning += usage.reasoning_tokens;
    }

    pub fn usage(self) -> Usage {
        Usage {
            prompt_tokens: self.prompt,
            completion_tokens: self.completion,
            cached_tokens: self.cached,
            reasoning_tokens: self.reasoning,
        }
    }
}

/// Where a job is. `Landed` and `Failed` are final; `Checked` waits for its file's other jobs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    /// Its request went in round `round`'s batches (0: the first, n: the n-th repair batch) as
    /// `custom_id`; answers are found by `custom_id` whichever of the round's batches holds them.
    Pending {
        round: u32,
        custom_id: String,
    },
    /// Its answer passed; the code waits for the file's other jobs before its sidecar is written.
    Checked {
        batch: String,
        parts: Vec<Part>,
        verified: bool,
        label: String,
        repair_rounds: u32,
    },
    /// Its code is in these sidecars (relative to the project root).
    Landed {
        batch: String,
        sidecars: Vec<String>,
    },
    Failed {
        batch: String,
        error: String,
    },
}

impl Status {
    pub fn is_final(&self) -> bool {
        matches!(self, Status::Landed { .. } | Status::Failed { .. })
    }

    /// The batch that answered (empty while pending).
    pub fn batch(&self) -> &str {
        match self {
            Status::Pending { .. } => "",
            Status::Checked { batch, .. }
            | Status::Landed { batch, .. }
            | Status::Failed { batch, .. } => batch,
        }
    }
}

/// Checked code for one file, as kept between collects.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Part {
    /// Relative to the project root, with `/`.
    pub path: String,
    pub code: String,
    pub functions: Vec<String>,
}

/// A job's first-round messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prompted {
    pub system: String,
    pub user: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a batch state file: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl State {
    pub fn new_version() -> u32 {
        VERSION
    }

    /// Jobs not yet landed or failed.
    pub fn open_jobs(&self) -> usize {
        self.jobs.values().filter(|j| !j.status.is_final()).count()
    }

    /// Batches whose results are still to collect.
    pub fn pending_batches(&self) -> impl Iterator<Item = &Submitted> {
        self.batches.iter().filter(|b| !b.collected)
    }

    /// Whether `id` names this submission or one of its batches.
    pub fn answers_to(&self, id: &str) -> bool {
        self.id == id || self.batches.iter().any(|b| b.id == id)
    }
}

/// The state file of submission `id` under `root`.
pub fn state_path(root: &Path, id: &str) -> PathBuf {
    root.join(DIR).join(format!("{}.json", file_stem(id)))
}

fn prompts_path(root: &Path, id: &str) -> PathBuf {
    root.join(DIR)
        .join(format!("{}.prompts.json", file_stem(id)))
}

/// A batch id as a file name: Gemini's `batches/abc` has a slash.
fn file_stem(id: &str) -> String {
    id.replace(['/', '\\', ':'], "_")
}

/// Writes `state` whole, creating the folder.
pub fn save(root: &Path, state: &State) -> Result<PathBuf, StateError> {
    let path = state_path(root, &state.id);
    write_json(&path, state)?;
    Ok(path)
}

pub fn save_prompts(
    root: &Path,
    id: &str,
    prompts: &BTreeMap<String, Prompted>,
) -> Result<(), StateError> {
    write_json(&prompts_path(root, id), prompts)
}

pub fn load_prompts(root: &Path, id: &str) -> Result<BTreeMap<String, Prompted>, StateError> {
    read_json(&prompts_path(root, id))
}

pub fn load(path: &Path) -> Result<State, StateError> {
    let state: State = read_json(path)?;
    if state.version > VERSION {
        return Err(StateError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "format {} is newer than this assistant reads ({VERSION})",
                state.version
            ),
        });
    }
    Ok(state)
}

/// Every submission's state under `root`, oldest first, and the state files that could not be read
/// (one bad file must not hide every other batch: the caller warns about them and goes on).
pub fn load_all(root: &Path) -> Result<Loaded, StateError> {
    let dir = root.join(DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(source) => return Err(StateError::Read { path: dir, source }),
    };
    let mut loaded = Loaded::default();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // Temporary files of an interrupted write start with a dot; prompts files are not states.
        if !name.ends_with(".json") || name.ends_with(".prompts.json") || name.starts_with('.') {
            continue;
        }
        match load(&path) {
            Ok(state) => loaded.states.push((path, state)),
            Err(error) => loaded.unreadable.push(error),
        }
    }
    loaded
        .states
        .sort_by(|a, b| (a.1.created, &a.1.id).cmp(&(b.1.created, &b.1.id)));
    Ok(loaded)
}

/// What [`load_all`] found.
#[derive(Debug, Default)]
pub struct Loaded {
    pub states: Vec<(PathBuf, State)>,
    /// Why each state file that could not be used was skipped (it names the file).
    pub unreadable: Vec<StateError>,
}

/// The project root for the `batch` commands: `dir` when given, else the nearest folder at or above
/// `start` holding `.assistant/batches`.
pub fn find_root(dir: Option<&Path>, start: &Path) -> Option<PathBuf> {
    if let Some(dir) = dir {
        return Some(fsx::absolute(dir));
    }
    fsx::absolute(start)
        .ancestors()
        .find(|folder| folder.join(DIR).is_dir())
        .map(Path::to_path_buf)
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), StateError> {
    let write_error = |source| StateError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(write_error)?;
    }
    let text =
        serde_json::to_string_pretty(value).map_err(|e| write_error(std::io::Error::other(e)))?;
    fsx::write_atomic(path, &(text + "\n")).map_err(write_error)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, StateError> {
    let text = std::fs::read_to_string(path).map_err(|source| StateError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| StateError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// `path` relative to `root`, with `/`; `None` when it is not under `root`.
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let path = fsx::normalized(path);
    let rest = path.strip_prefix(fsx::normalized(root)).ok()?;
    let parts: Vec<String> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// The path of a project-relative name.
pub fn resolve(root: &Path, relative: &str) -> PathBuf {
    relative
        .split('/')
        .fold(root.to_path_buf(), |path, part| path.join(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(id: &str, created: u64) -> State {
        State {
            version: VERSION,
            id: id.into(),
            provider: "openai".into(),
            model: "m".into(),
            base_url: "http://127.0.0.1:1/v1".into(),
            created,
            root: PathBuf::from("/p"),
            markers: Vec::new(),
            verify: "auto".into(),
            verify_timeout: 120,
            repair_rounds: 2,
            batches: vec![Submitted {
                id: id.into(),
                round: 0,
                created,
                collected: false,
                last_state: None,
            }],
            jobs: BTreeMap::new(),
        }
    }

    #[test]
    fn states_round_trip_and_list_oldest_first_skipping_prompts_files() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), &state("batch_b", 20)).unwrap();
        save(dir.path(), &state("batches/a", 10)).unwrap();
        save_prompts(dir.path(), "batch_b", &BTreeMap::new()).unwrap();
        let all = load_all(dir.path()).unwrap().states;
        let ids: Vec<&str> = all.iter().map(|(_, s)| s.id.as_str()).collect();
        assert_eq!(ids, ["batches/a", "batch_b"]);
        assert!(all[0].0.ends_with("batches_a.json"));
        assert!(all[1].1.answers_to("batch_b"));
    }

    #[test]
    fn an_unreadable_state_file_is_skipped_and_named() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), &state("good", 1)).unwrap();
        let bad = dir.path().join(DIR).join("bad.json");
        std::fs::write(&bad, "{ not json").unwrap();
        let loaded = load_all(dir.path()).unwrap();
        assert_eq!(loaded.states.len(), 1);
        assert_eq!(loaded.unreadable.len(), 1);
        assert!(loaded.unreadable[0].to_string().contains("bad.json"));
    }

    #[test]
    fn a_newer_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut newer = state("x", 1);
        newer.version = VERSION + 1;
        let path = save(dir.path(), &newer).unwrap();
        assert!(load(&path).unwrap_err().to_string().contains("newer"));
    }

    #[test]
    fn the_root_is_found_above_the_current_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = fsx::absolute(dir.path());
        std::fs::create_dir_all(root.join(DIR)).unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        assert_eq!(find_root(None, &root.join("a/b")), Some(root.clone()));
        assert_eq!(
            relative(&root, &root.join("a/b/c.go")).as_deref(),
            Some("a/b/c.go")
        );
        assert_eq!(resolve(&root, "a/b/c.go"), root.join("a/b/c.go"));
    }
}
