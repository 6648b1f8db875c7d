//! `.assistant.toml`: a project's defaults for `generate` (and `scan`'s markers), found by walking up from
//! the working folder; and the user's own `config.toml` (same keys, in the user's config folder, see
//! `crate::trust::user_config_file`). Precedence is flags > environment > project file > user file >
//! built-in defaults: a value from a file only fills a setting that neither a flag nor an environment
//! variable set — which clap's value sources tell. No file is ever needed; unknown keys are an error
//! naming the key and the file, so a typo does not silently do nothing.
//!
//! A project file may come with a repository just cloned: where it sends the key is `crate::trust`'s
//! to allow.

use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::ArgMatches;
use serde::Deserialize;

use crate::cli::{GenerateArgs, LangChoice, ScanArgs, VerifyChoice};

pub const FILE_NAME: &str = ".assistant.toml";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    /// Belongs in the environment or the user's file; a project file holding one gets a warning.
    pub api_key: Option<String>,
    pub concurrency: Option<u32>,
    pub markers: Option<Vec<String>>,
    pub lang: Option<String>,
    pub prompts: Option<PathBuf>,
    pub timeout: Option<u64>,
    pub retries: Option<u32>,
    pub verify: Option<String>,
    pub repair_rounds: Option<u32>,
    pub verify_timeout: Option<u64>,
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
    let Some(path) = nearest(start) else {
        return Ok(None);
    };
    let config = load(&path)?;
    Ok(Some((path, config)))
}

/// The nearest `.assistant.toml` at or above `start`.
pub fn nearest(start: &Path) -> Option<PathBuf> {
    crate::fsx::absolute(start)
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// The user's own `config.toml`, parsed, when there is one.
pub fn user() -> Result<Option<(PathBuf, FileConfig)>, ConfigError> {
    let Some(path) = crate::trust::user_config_file().filter(|p| p.is_file()) else {
        return Ok(None);
    };
    let config = load(&path)?;
    Ok(Some((path, config)))
}

/// The config file at `path`, parsed; `prompts` made relative to its folder.
pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut config: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })?;
    if let (Some(prompts), Some(folder)) = (&config.prompts, path.parent()) {
        config.prompts = Some(folder.join(prompts));
    }
    Ok(config)
}

/// Whether the user set `id` by flag or environment (the file must not override either).
fn set_by_user(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// Fills `args` from the file where the user said nothing. Applied to the user's file first and the
/// project's then, the project's values win over the user's file and lose to flags and environment.
pub fn apply_to_generate(
    args: &mut GenerateArgs,
    matches: &ArgMatches,
    file: &FileConfig,
    path: &Path,
) -> Result<(), ConfigError> {
    let unset = |id: &str| !set_by_user(matches, id);
    if let (true, Some(value)) = (unset("kind"), &file.kind) {
        args.endpoint.kind = Some(value.clone());
    }
    if let (true, Some(value)) = (unset("model"), &file.model) {
        args.model = Some(value.clone());
    }
    if let (true, Some(value)) = (unset("base_url"), &file.base_url) {
        args.endpoint.base_url = Some(value.clone());
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
    if let (true, Some(value)) = (unset("prompts"), &file.prompts) {
        args.prompts = Some(value.clone());
    }
    if let (true, Some(timeout)) = (unset("timeout"), file.timeout) {
        args.timeout = timeout;
    }
    if let (true, Some(retries)) = (unset("retries"), file.retries) {
        args.retries = retries;
    }
    if let (true, Some(verify)) = (unset("verify"), &file.verify) {
        args.verify = match verify.as_str() {
            "auto" => VerifyChoice::Auto,
            "on" => VerifyChoice::On,
            "off" => VerifyChoice::Off,
            other => {
                return Err(invalid(
                    path,
                    &format!("verify must be auto, on or off, not {other:?}"),
                ))
            }
        };
    }
    if let (true, Some(rounds)) = (unset("repair_rounds"), file.repair_rounds) {
        args.repair_rounds = rounds;
    }
    if let (true, Some(seconds)) = (unset("verify_timeout"), file.verify_timeout) {
        args.verify_timeout = seconds;
    }
    Ok(())
}

/// Takes the key from the first of `files` (highest precedence first) that has one, when neither
/// `--api-key` nor the environment gives one for the type. Call after every file was applied: the type
/// the environment is asked about may come from any of them.
pub fn apply_key(args: &mut GenerateArgs, matches: &ArgMatches, files: &[&FileConfig]) {
    if matches.value_source("api_key") == Some(ValueSource::CommandLine) {
        return;
    }
    let Some(key) = files.iter().find_map(|f| f.api_key.as_ref()) else {
        return;
    };
    let in_env = args
        .endpoint
        .kind
        .as_deref()
        .and_then(|k| k.parse::<crate::provider::ProviderKind>().ok())
        .and_then(|k| crate::provider::defaults::resolve_api_key(k, None));
    if in_env.is_none() {
        args.endpoint.api_key = Some(key.clone());
    }
}

/// `scan` takes only the markers from the file.
pub fn apply_to_scan(args: &mut ScanArgs, matches: &ArgMatches, file: &FileConfig) {
    if let (false, Some(markers)) = (set_by_user(matches, "markers"), &file.markers) {
        args.markers = markers.clone();
    }
}

/// The effective settings of `generate`, each with where it came from: `(name, value, source)`.
/// Call after [`apply_to_generate`]; `files` are the config files that were applied, the winning one
/// first (the project's, then the user's). URLs are shown without their credentials.
pub fn describe_generate(
    args: &GenerateArgs,
    matches: &ArgMatches,
    files: &[(&Path, &FileConfig)],
) -> Vec<(&'static str, String, String)> {
    let source = |id: &str, pick: fn(&FileConfig) -> bool| match matches.value_source(id) {
        Some(ValueSource::CommandLine) => "flag".to_string(),
        Some(ValueSource::EnvVariable) => "environment".to_string(),
        _ => files.iter().find(|(_, f)| pick(f)).map_or_else(
            || "default".to_string(),
            |(path, _)| path.display().to_string(),
        ),
    };
    let kind = args.endpoint.kind.as_deref();
    let provider_kind = kind.and_then(|k| k.parse::<crate::provider::ProviderKind>().ok());
    let defaults = provider_kind.map(crate::provider::defaults::of);
    let key = provider_kind
        .and_then(|k| crate::provider::defaults::resolve_api_key(k, args.endpoint.api_key.clone()));
    let key_source = if matches.value_source("api_key") == Some(ValueSource::CommandLine) {
        "flag".to_string()
    } else if args.endpoint.api_key.is_some() {
        source("api_key", |f| f.api_key.is_some())
    } else {
        defaults
            .into_iter()
            .flat_map(|d| d.key_vars.iter().copied())
            .chain([crate::provider::defaults::ANY_PROVIDER_KEY_VAR])
            .find(|var| std::env::var(var).is_ok_and(|v| !v.trim().is_empty()))
            .map_or_else(|| "none".to_string(), |var| format!("environment {var}"))
    };
    vec![
        (
            "type",
            kind.unwrap_or("(none)").to_string(),
            source("kind", |f| f.kind.is_some()),
        ),
        (
            "model",
            args.model
                .clone()
                .or(defaults.map(|d| d.model.to_string()))
                .unwrap_or_default(),
            source("model", |f| f.model.is_some()),
        ),
        (
            "base_url",
            crate::redact::url(
                &args
                    .endpoint
                    .base_url
                    .clone()
                    .or(defaults.map(|d| d.base_url.to_string()))
                    .unwrap_or_default(),
            ),
            source("base_url", |f| f.base_url.is_some()),
        ),
        (
            "api_key",
            if key.is_some() {
                "[redacted]"
            } else {
                "(none)"
            }
            .to_string(),
            key_source,
        ),
        (
            "concurrency",
            args.concurrency.to_string(),
            source("concurrency", |f| f.concurrency.is_some()),
        ),
        (
            "markers",
            format!("{:?}", args.markers),
            source("markers", |f| f.markers.is_some()),
        ),
        (
            "lang",
            format!("{:?}", args.lang).to_lowercase(),
            source("lang", |f| f.lang.is_some()),
        ),
        (
            "prompts",
            args.prompts
                .as_ref()
                .map_or("(built in)".to_string(), |p| p.display().to_string()),
            source("prompts", |f| f.prompts.is_some()),
        ),
        (
            "timeout",
            args.timeout.to_string(),
            source("timeout", |f| f.timeout.is_some()),
        ),
        (
            "retries",
            args.retries.to_string(),
            source("retries", |f| f.retries.is_some()),
        ),
        (
            "verify",
            format!("{:?}", args.verify).to_lowercase(),
            source("verify", |f| f.verify.is_some()),
        ),
        (
            "repair_rounds",
            args.repair_rounds.to_string(),
            source("repair_rounds", |f| f.repair_rounds.is_some()),
        ),
        (
            "verify_timeout",
            args.verify_timeout.to_string(),
            source("verify_timeout", |f| f.verify_timeout.is_some()),
        ),
    ]
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
