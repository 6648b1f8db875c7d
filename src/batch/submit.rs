//! Submitting: every job's first-round messages go to the provider's batch API in one submission (the
//! wire splits it past the provider's limits), and what a later `collect` needs to judge the answers
//! is written to the state file — which file and stubs, the source's and the prompt's hashes, the
//! dependent file — never the key. Planning and prompting are `generate`'s; the wire is
//! `provider::batch`'s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::state::{self, DependentState, JobState, Prompted, State, Status, Submitted};
use crate::check::Expected;
use crate::context::gather::module_root;
use crate::fsx;
use crate::plan::Job;
use crate::prompt::Prompt;
use crate::provider::batch::{BatchProvider, BatchRequest};
use crate::provider::{Message, ProviderError};
use crate::sidecar::sha256_hex;

/// A job ready to submit: what `generate` prepared for it.
pub struct ToSubmit<'a> {
    pub job: &'a Job,
    pub prompt: &'a Prompt,
    pub expected: &'a Expected,
}

impl ToSubmit<'_> {
    /// The file of the job (its own or the one its code also lands in) whose name is not UTF-8, if
    /// one is: the state names files as text, so its answer could never be collected.
    pub fn unnamed(&self) -> Option<&Path> {
        let target = std::iter::once(&self.expected.target.path);
        target
            .chain(self.expected.dependent.as_ref().map(|d| &d.path))
            .map(PathBuf::as_path)
            .find(|path| path.to_str().is_none())
    }
}

/// The settings a later collect starts from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub base_url: String,
    pub markers: Vec<String>,
    pub verify: String,
    pub verify_timeout: u64,
    pub repair_rounds: u32,
}

/// What a submission left behind.
#[derive(Debug)]
pub struct Receipt {
    pub ids: Vec<String>,
    pub state_path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{}: not under the project root {}", path.display(), root.display())]
    OutsideRoot { path: PathBuf, root: PathBuf },
    #[error("the batch could not be submitted: {0}")]
    Provider(#[from] ProviderError),
    #[error("the provider returned no batch id")]
    NoBatch,
    /// The batch is submitted, but its state could not be kept: say its ids so it can be cancelled.
    #[error("batch {} was submitted but its state could not be written ({source}); cancel it in the provider's console", ids.join(", "))]
    Unrecorded {
        ids: Vec<String>,
        source: state::StateError,
    },
}

/// A job's `custom_id`: how its answer is found again.
pub fn custom_id(job: &Job) -> String {
    format!("j{:05}", job.id)
}

/// Submits `jobs` to `provider` and records the submission under `root`.
pub async fn submit(
    provider: &dyn BatchProvider,
    jobs: &[&ToSubmit<'_>],
    root: &Path,
    settings: Settings,
) -> Result<Receipt, SubmitError> {
    let mut records = BTreeMap::new();
    let mut prompts = BTreeMap::new();
    let mut requests = Vec::with_capacity(jobs.len());
    for item in jobs {
        let key = custom_id(item.job);
        records.insert(key.clone(), job_state(item, root)?);
        prompts.insert(
            key.clone(),
            Prompted {
                system: item.prompt.system.clone(),
                user: item.prompt.user.clone(),
            },
        );
        requests.push(BatchRequest {
            custom_id: key,
            messages: vec![
                Message::system(item.prompt.system.clone()),
                Message::user(item.prompt.user.clone()),
            ],
        });
    }
    let ids = provider.submit(&requests).await?;
    drop(requests);
    let Some(first) = ids.first().cloned() else {
        return Err(SubmitError::NoBatch);
    };
    let created = now();
    for (key, record) in records.iter_mut() {
        record.status = Status::Pending {
            round: 0,
            custom_id: key.clone(),
        };
    }
    let state = State {
        version: State::new_version(),
        id: first.clone(),
        provider: provider.name().to_string(),
        model: provider.model().to_string(),
        base_url: settings.base_url,
        created,
        root: root.to_path_buf(),
        markers: settings.markers,
        verify: settings.verify,
        verify_timeout: settings.verify_timeout,
        repair_rounds: settings.repair_rounds,
        batches: ids
            .iter()
            .map(|id| Submitted {
                id: id.clone(),
                round: 0,
                created,
                collected: false,
                last_state: None,
            })
            .collect(),
        jobs: records,
    };
    let unrecorded = |source| SubmitError::Unrecorded {
        ids: ids.clone(),
        source,
    };
    state::save_prompts(root, &first, &prompts).map_err(unrecorded)?;
    let state_path = state::save(root, &state).map_err(unrecorded)?;
    Ok(Receipt { ids, state_path })
}

/// What collect needs to rebuild the job's check.
fn job_state(item: &ToSubmit<'_>, root: &Path) -> Result<JobState, SubmitError> {
    let relative = |path: &Path| {
        state::relative(root, path).ok_or_else(|| SubmitError::OutsideRoot {
            path: path.to_path_buf(),
            root: root.to_path_buf(),
        })
    };
    let target = &item.expected.target;
    let dependent = match &item.expected.dependent {
        Some(dao) => Some(DependentState {
            path: relative(&dao.path)?,
            name: dao.name.clone(),
            sha256: sha256_hex(dao.source.as_bytes()),
        }),
        None => None,
    };
    Ok(JobState {
        path: relative(&target.path)?,
        name: target.name.clone(),
        part: item.job.part,
        parts: item.job.parts,
        functions: item.job.identities(),
        source_sha256: sha256_hex(target.source.as_bytes()),
        prompt_sha256: prompt_sha256(&item.prompt.system, &item.prompt.user),
        prompt_lang: item.prompt.lang.code().to_string(),
        dependent,
        turns: Vec::new(),
        usage: Default::default(),
        attempts: 0,
        status: Status::Pending {
            round: 0,
            custom_id: String::new(),
        },
    })
}

pub fn prompt_sha256(system: &str, user: &str) -> String {
    sha256_hex(format!("{system}{user}").as_bytes())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The project root of a submission: the deepest folder holding the project root of every file its
/// jobs touch (each file's nearest `go.mod` or `Cargo.toml` folder, as `generate` names files in
/// prompts; the file's own folder without one). So a file, a folder or the current folder inside a
/// project all put the state in the same `.assistant/`, and context files outside the folder named
/// (sponge's dao file) are under the root.
pub fn project_root(jobs: &[ToSubmit<'_>]) -> PathBuf {
    let roots: Vec<PathBuf> = jobs
        .iter()
        .flat_map(|item| {
            let target = &item.expected.target.path;
            let dependent = item.expected.dependent.as_ref().map(|d| &d.path);
            std::iter::once(target).chain(dependent)
        })
        .map(|path| module_root(&fsx::normalized(path)))
        .collect();
    common_folder(&roots)
}

/// The deepest folder holding every one of `folders` (absolute, normalised).
fn common_folder(folders: &[PathBuf]) -> PathBuf {
    let Some((first, rest)) = folders.split_first() else {
        return fsx::normalized(Path::new("."));
    };
    let mut root = first.clone();
    for folder in rest {
        while !folder.starts_with(&root) {
            if !root.pop() {
                break;
            }
        }
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_deepest_common_folder() {
        let root = fsx::normalized(Path::new("/p"));
        assert_eq!(common_folder(&[root.join("a/b")]), root.join("a/b"));
        assert_eq!(
            common_folder(&[root.join("a/b"), root.join("a/c")]),
            root.join("a")
        );
        assert_eq!(
            common_folder(&[root.join("a"), root.join("a/c")]),
            root.join("a")
        );
    }
}
