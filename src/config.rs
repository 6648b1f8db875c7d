//! `.assistant.toml`: a project's defaults for `generate` (and `scan`'s markers), found by walking up from
//! the working folder. Precedence is flags > environment > file > built-in defaults: a value from the file
//! only fills a setting that neither a flag nor an environment variable set — which clap's value sources
//! tell. The file is never needed; unknown keys are an error naming the key and the file, so a typo does
//! not silently do nothing.

use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::ArgMatches;
use serde::Deserialize;

use crate::cli::{GenerateArgs, LangChoice, ScanArgs};

pub const FILE_NAME: &str = ".assistant.toml";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    pub concurrency: Option<u32>,
    pub markers: Option<Vec<String>>,
    pub lang: Option<String>,
    pub prompts: Option<PathBuf>,
    pub timeout: Option<u64>,
    pub retries: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The nearest `.assistant.toml` at or above `start`, parsed. `prompts` is made relative to the file's
/// folder, where its author meant it.
pub fn find(start: &Path) -> Result<Option<(PathBuf, FileConfig)>, ConfigError> {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let Some(path) = start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
    else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    let mut config: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
        path: path.clone(),
        message: e.message().to_string(),
    })?;
    if let (Some(prompts), Some(folder)) = (&config.prompts, path.parent()) {
        config.prompts = Some(folder.join(prompts));
    }
    Ok(Some((path, config)))
}

/// Whether the user set `id` by flag or environment (the file must not override either).
fn set_by_user(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// Fills `args` from the file where the user said nothing.
pub fn apply_to_generate(
    args: &mut GenerateArgs,
    matches: &ArgMatches,
    file: &FileConfig,
    path: &Path,
) -> Result<(), ConfigError> {
    let unset = |id: &str| !set_by_user(matches, id);
    if unset("kind") {
        args.endpoint.kind = args.endpoint.kind.take().or(file.kind.clone());
    }
    if unset("model") {
        args.model = args.model.take().or(file.model.clone());
    }
    if unset("base_url") {
        args.endpoint.base_url = args.endpoint.base_url.take().or(file.base_url.clone());
    }
    if let (true, Some(n)) = (unset("concurrency"), file.concurrency) {
        if n == 0 {
            return Err(invalid(path, "concurrency must be at least 1"));
        }
        args.concurrency = n;
    }
    if let (true, Some(markers)) = (unset("markers"), &file.markers) {
        args.markers = markers.clone();
    }
    if let (true, Some(lang)) = (unset("lang"), &file.lang) {
        args.lang = match lang.as_str() {
            "auto" => LangChoice::Auto,
            "en" => LangChoice::En,
            "zh" => LangChoice::Zh,
            other => {
                return Err(invalid(
                    path,
                    &format!("lang must be auto, en or zh, not {other:?}"),
                ))
            }
        };
    }
    if unset("prompts") {
        args.prompts = args.prompts.take().or(file.prompts.clone());
    }
    if let (true, Some(timeout)) = (unset("timeout"), file.timeout) {
        args.timeout = timeout;
    }
    if let (true, Some(retries)) = (unset("retries"), file.retries) {
        args.retries = retries;
    }
    Ok(())
}

/// `scan` takes only the markers from the file.
pub fn apply_to_scan(args: &mut ScanArgs, matches: &ArgMatches, file: &FileConfig) {
    if let (false, Some(markers)) = (set_by_user(matches, "markers"), &file.markers) {
        args.markers = markers.clone();
    }
}

fn invalid(path: &Path, message: &str) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_naming_the_key() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "type = \"deepseek\"\nmodle = \"x\"\n",
        )
        .unwrap();
        let error = find(dir.path()).unwrap_err().to_string();
        assert!(error.contains("modle"), "{error}");
        assert!(error.contains(FILE_NAME), "{error}");
    }

    #[test]
    fn found_from_a_subfolder_with_prompts_relative_to_the_file() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "type = \"ollama\"\nprompts = \"my-prompts\"\nretries = 2\n",
        )
        .unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let (path, config) = find(&sub).unwrap().unwrap();
        assert_eq!(path, dir.path().join(FILE_NAME));
        assert_eq!(config.kind.as_deref(), Some("ollama"));
        assert_eq!(config.retries, Some(2));
        assert_eq!(config.prompts, Some(dir.path().join("my-prompts")));
    }
}
