//! `assistant trust [PATH]`: allows a project's `.assistant.toml` to choose the endpoint a key goes to
//! (see `crate::trust`). PATH is the file or the folder holding it; without PATH, the file `generate`
//! would use here (the nearest at or above the current folder).

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::{Outcome, UsageError};
use crate::cli::TrustArgs;
use crate::config;
use crate::fsx::shown;
use crate::trust;

pub fn run(args: &TrustArgs, quiet: bool) -> Result<Outcome> {
    let file = which_file(args.path.as_deref())?;
    // A file that does not parse would be refused by every run anyway: say so now, not after trusting.
    let settings = config::load(&file).map_err(|e| UsageError(e.to_string()))?;
    let (canonical, hash, store) = trust::allow(&file).map_err(|e| match e {
        trust::TrustError::Unrecordable(_) => anyhow::Error::new(UsageError(e.to_string())),
        other => other.into(),
    })?;
    if !quiet {
        // What the user agrees to: where the file sends requests (and so the key).
        let endpoint = settings
            .base_url
            .as_deref()
            .map_or("no base_url".to_string(), |url| {
                format!("base_url {}", crate::redact::url(url))
            });
        // A reader that went away (`| head`) changes nothing: the file is trusted already.
        let _ = crate::out::line(&format!(
            "trusted {} (sha256 {hash}; {endpoint}), recorded in {}",
            canonical.display(),
            store.display()
        ));
    }
    Ok(Outcome::Success)
}

fn which_file(path: Option<&Path>) -> Result<PathBuf, UsageError> {
    match path {
        Some(path) if path.is_dir() => {
            let file = path.join(config::FILE_NAME);
            if file.is_file() {
                Ok(file)
            } else {
                Err(UsageError(format!(
                    "{}: no {} in this folder",
                    shown(path).display(),
                    config::FILE_NAME
                )))
            }
        }
        Some(path) if path.is_file() => Ok(path.to_path_buf()),
        Some(path) => Err(UsageError(format!(
            "{}: no such file or folder",
            path.display()
        ))),
        None => config::nearest(Path::new(".")).ok_or_else(|| {
            UsageError(format!(
                "no {} here or in any folder above",
                config::FILE_NAME
            ))
        }),
    }
}
