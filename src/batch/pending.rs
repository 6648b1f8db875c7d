//! Never billed twice: which jobs a submission not yet collected already asks. A job is the same job
//! when its file, its source's hash and its prompt's hash are — then its answer is already on the way,
//! and submitting it again would pay for it twice. `generate --batch --force` submits anyway.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::state::{self, State};
use super::submit::{prompt_sha256, ToSubmit};
use crate::sidecar::sha256_hex;

/// The jobs still waiting in some submission, by what makes them the same job.
#[derive(Debug, Default)]
pub struct InFlight {
    /// (path relative to the root, source sha256, prompt sha256) → the submission's id.
    jobs: HashMap<(String, String, String), String>,
}

impl InFlight {
    /// The open jobs of every submission with a batch not yet collected.
    pub fn of(states: &[(PathBuf, State)]) -> InFlight {
        let mut jobs = HashMap::new();
        for (_, state) in states {
            if state.pending_batches().next().is_none() {
                continue;
            }
            for job in state.jobs.values().filter(|j| !j.status.is_final()) {
                let key = (
                    job.path.clone(),
                    job.source_sha256.clone(),
                    job.prompt_sha256.clone(),
                );
                jobs.insert(key, state.id.clone());
            }
        }
        InFlight { jobs }
    }

    /// The submission already asking `item` (its file under `root`), if one is.
    pub fn submission_of(&self, item: &ToSubmit<'_>, root: &Path) -> Option<&str> {
        let target = &item.expected.target;
        let key = (
            state::relative(root, &target.path)?,
            sha256_hex(target.source.as_bytes()),
            prompt_sha256(&item.prompt.system, &item.prompt.user),
        );
        self.jobs.get(&key).map(String::as_str)
    }
}
