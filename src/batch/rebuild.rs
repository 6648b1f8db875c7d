//! What the check expects of a job's answer, rebuilt at collect time from the state file: the source is
//! read again and must hash as it did at submission (else the answer would land on code it never saw),
//! and the job's stubs are found again by identity. The dependent file (sponge's dao file) likewise.

use std::path::Path;

use super::state::{resolve, JobState};
use crate::check::{DependentFile, Expected, TargetFile};
use crate::lang::{Lang, Markers};
use crate::sidecar::sha256_hex;

/// Why a job's check could not be rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    /// The file changed since submission: the answer gets no sidecar.
    #[error("{path} changed since the batch was submitted")]
    Changed { path: String },
    #[error("{path}: {reason}")]
    Other { path: String, reason: String },
}

/// The job's [`Expected`], with its files' texts as they are now (and were at submission).
pub fn expected(root: &Path, job: &JobState, markers: &Markers) -> Result<Expected, RebuildError> {
    let other = |reason: String| RebuildError::Other {
        path: job.path.clone(),
        reason,
    };
    let path = resolve(root, &job.path);
    let source = read_unchanged(&path, &job.path, &job.source_sha256)?;
    let lang = Lang::of(&path).ok_or_else(|| other("not a source file assistant knows".into()))?;
    let mut found = lang.stubs_in(&source, markers);
    let mut stubs = Vec::with_capacity(job.functions.len());
    for identity in &job.functions {
        match found.iter().position(|s| &s.identity() == identity) {
            Some(index) => stubs.push(found.swap_remove(index)),
            None => return Err(other(format!("the stub {identity} is no longer there"))),
        }
    }
    let dependent = match &job.dependent {
        Some(dao) => {
            let dao_path = resolve(root, &dao.path);
            let source = read_unchanged(&dao_path, &dao.path, &dao.sha256)?;
            Some(DependentFile {
                name: dao.name.clone(),
                path: dao_path,
                source,
            })
        }
        None => None,
    };
    Ok(Expected {
        target: TargetFile {
            name: job.name.clone(),
            path,
            source,
            stubs,
        },
        dependent,
        markers: markers.clone(),
    })
}

fn read_unchanged(path: &Path, shown: &str, sha256: &str) -> Result<String, RebuildError> {
    let source = std::fs::read_to_string(path).map_err(|e| RebuildError::Other {
        path: shown.to_string(),
        reason: format!("cannot read: {e}"),
    })?;
    if sha256_hex(source.as_bytes()) != sha256 {
        return Err(RebuildError::Changed {
            path: shown.to_string(),
        });
    }
    Ok(source)
}
