//! Never billed twice: which jobs a submission not yet collected already asks. A job is the same job
//! when its file, its source's hash and its prompt's hash are — then its answer is already on the way,
//! and submitting it again would pay for it twice. `generate --batch --force` submits anyway.
//!
//! A file's job may wait under another root than this submission's (one Go module submitted alone,
//! then the folder holding several): every `.assistant/batches` at or above a job's folder is read.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::state::{self, State, StateError};
use super::submit::{prompt_sha256, ToSubmit};
use crate::fsx;
use crate::sidecar::sha256_hex;

/// The jobs still waiting in some submission, by what makes them the same job.
#[derive(Debug, Default)]
pub struct InFlight {
    /// (absolute, normalised path, source sha256, prompt sha256) → the submission asking it.
    jobs: HashMap<(PathBuf, String, String), Held>,
}

/// The submission a job waits in.
#[derive(Debug, Clone)]
pub struct Held {
    pub id: String,
    /// The project root its state is under (where `batch` commands find it).
    pub root: PathBuf,
    /// How its batches ended without being collected (`cancelled`, `expired`, `failed`), when every
    /// one did: what they answered is still to collect, the rest never comes — `batch collect` frees
    /// those jobs for a new submission.
    pub ended: Option<String>,
}

/// Batch states after which no more answers come.
const STOPPED: [&str; 4] = ["cancelling", "cancelled", "expired", "failed"];

impl InFlight {
    /// The open jobs of every submission with a batch not yet collected, recorded under any root at or
    /// above the folders of `jobs`' files; and the state files that could not be read.
    pub fn around(jobs: &[ToSubmit<'_>]) -> Result<(InFlight, Vec<StateError>), StateError> {
        let roots: BTreeSet<PathBuf> = jobs
            .iter()
            .filter_map(|item| {
                fsx::normalized(&item.expected.target.path)
                    .parent()
                    .map(Path::to_path_buf)
            })
            .flat_map(|folder| {
                folder
                    .ancestors()
                    .filter(|dir| dir.join(state::DIR).is_dir())
                    .map(Path::to_path_buf)
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut in_flight = InFlight::default();
        let mut unreadable = Vec::new();
        for root in roots {
            let loaded = state::load_all(&root)?;
            unreadable.extend(loaded.unreadable);
            in_flight.add(&root, &loaded.states);
        }
        Ok((in_flight, unreadable))
    }

    /// The open jobs of `states` (recorded under `root`) whose submission has a batch not yet collected.
    fn add(&mut self, root: &Path, states: &[(PathBuf, State)]) {
        for (_, state) in states {
            if state.pending_batches().next().is_none() {
                continue;
            }
            let stopped: Option<Vec<&str>> = state
                .pending_batches()
                .map(|b| b.last_state.as_deref().filter(|s| STOPPED.contains(s)))
                .collect();
            let held = Held {
                id: state.id.clone(),
                root: root.to_path_buf(),
                ended: stopped.and_then(|names| names.first().map(|s| (*s).to_string())),
            };
            for job in state.jobs.values().filter(|j| !j.status.is_final()) {
                let key = (
                    fsx::normalized(&state::resolve(root, &job.path)),
                    job.source_sha256.clone(),
                    job.prompt_sha256.clone(),
                );
                self.jobs.insert(key, held.clone());
            }
        }
    }

    /// The submission already asking `item`, if one is.
    pub fn submission_of(&self, item: &ToSubmit<'_>) -> Option<&Held> {
        let target = &item.expected.target;
        let key = (
            fsx::normalized(&target.path),
            sha256_hex(target.source.as_bytes()),
            prompt_sha256(&item.prompt.system, &item.prompt.user),
        );
        self.jobs.get(&key)
    }
}
