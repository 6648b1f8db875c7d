//! Which project `.assistant.toml` files the user allowed to choose where a key goes, like git's
//! `safe.directory` and `direnv allow`: `assistant trust [PATH]` records the file's canonical path and
//! the SHA-256 of its bytes; a changed file is no longer trusted until it is allowed again.
//!
//! Batch state files (`.assistant/batches/`) live in the project too, and name the URL the `batch`
//! commands send the key to: a URL other than the type's default is used only for a batch this user
//! submitted there ([`remember_batch`]), or when the user names it again.
//!
//! Everything here lives in the user's own config folder ([`user_config_dir`]):
//! `config.toml` (the user's own settings, the lowest layer of configuration, always trusted),
//! `trusted` (one `SHA256  PATH` line per allowed file, the format of `sha256sum`) and `batches` (one
//! `ID  URL` line per batch submitted to a URL of the user's choosing). All are the user's, never a
//! project's: a cloned repository cannot write them.

use std::io;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::ArgMatches;

use crate::cli::GenerateArgs;
use crate::config::FileConfig;
use crate::fsx;
use crate::provider::{defaults, ProviderKind};
use crate::sidecar::sha256_hex;

/// The user's config folder for this tool: `$XDG_CONFIG_HOME/assistant`, else `~/.config/assistant`
/// (`%APPDATA%\assistant` on Windows); `None` when the environment names no home.
pub fn user_config_dir() -> Option<PathBuf> {
    let from = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    from("XDG_CONFIG_HOME")
        .or_else(|| from("HOME").map(|home| home.join(".config")))
        .or_else(|| from("APPDATA"))
        .map(|dir| dir.join("assistant"))
}

/// The user's own config file (`config.toml` in [`user_config_dir`]), which may not exist.
pub fn user_config_file() -> Option<PathBuf> {
    user_config_dir().map(|dir| dir.join("config.toml"))
}

/// Where the allowed files are listed.
fn store() -> Option<PathBuf> {
    user_config_dir().map(|dir| dir.join("trusted"))
}

/// Where the batches submitted to a URL of the user's choosing are listed.
fn batch_store() -> Option<PathBuf> {
    user_config_dir().map(|dir| dir.join("batches"))
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot record the trust in {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("no config folder: set HOME or XDG_CONFIG_HOME")]
    NoConfigFolder,
    /// The list holds one path a line: a path with a line break would add a line of its own choosing.
    #[error("{}: a path with a line break cannot be trusted; rename the folder", .0.display())]
    Unrecordable(PathBuf),
}

/// Allows `file` as it is now; returns its canonical path and hash, and where they were recorded.
pub fn allow(file: &Path) -> Result<(PathBuf, String, PathBuf), TrustError> {
    let read_error = |source| TrustError::Read {
        path: file.to_path_buf(),
        source,
    };
    let canonical = std::fs::canonicalize(file).map_err(read_error)?;
    if canonical.as_os_str().as_encoded_bytes().contains(&b'\n')
        || canonical.as_os_str().as_encoded_bytes().contains(&b'\r')
    {
        return Err(TrustError::Unrecordable(canonical));
    }
    let hash = sha256_hex(&std::fs::read(&canonical).map_err(read_error)?);
    let store = store().ok_or(TrustError::NoConfigFolder)?;
    let write_error = |source| TrustError::Write {
        path: store.clone(),
        source,
    };
    let mut lines: Vec<String> = entries(&store)
        .into_iter()
        .filter(|(_, path)| *path != canonical)
        .map(|(hash, path)| line(&hash, &path))
        .collect();
    lines.push(line(&hash, &canonical));
    write_store(&store, &lines).map_err(write_error)?;
    Ok((canonical, hash, store))
}

/// Records that the user submitted the batches `ids` (a state is named after the first) to `base_url`
/// (without credentials), so the `batch` commands may send the key there again. The type's default
/// URL needs no record. Appended, one short write: runs submitting at once lose none of each other's.
pub fn remember_batch(
    kind: ProviderKind,
    ids: &[String],
    base_url: &str,
) -> Result<(), TrustError> {
    let url = crate::redact::without_userinfo(base_url);
    if url.trim_end_matches('/') == defaults::of(kind).base_url.trim_end_matches('/') {
        return Ok(());
    }
    let store = batch_store().ok_or(TrustError::NoConfigFolder)?;
    let lines: String = ids.iter().map(|id| format!("{id}  {url}\n")).collect();
    fsx::append_private(&store, &lines).map_err(|source| TrustError::Write {
        path: store.clone(),
        source,
    })
}

/// Refuses to send the key to the URL a batch state names, unless it is the type's default, this
/// user submitted batch `id` there, or the user names it again (`ASSISTANT_BASE_URL`, their own
/// `config.toml`): a repository could ship a state file.
pub fn check_batch_endpoint(kind: ProviderKind, id: &str, base_url: &str) -> Result<(), String> {
    let url = crate::redact::without_userinfo(base_url);
    let same = |other: &str| {
        crate::redact::without_userinfo(other.trim()).trim_end_matches('/')
            == url.trim_end_matches('/')
    };
    let remembered = || {
        batch_store()
            .and_then(|store| std::fs::read_to_string(store).ok())
            .is_some_and(|text| {
                text.lines()
                    .filter_map(|line| line.split_once("  "))
                    .any(|(known, known_url)| known == id && same(known_url))
            })
    };
    let named_again = || {
        std::env::var("ASSISTANT_BASE_URL").is_ok_and(|env| same(&env))
            || crate::config::user()
                .ok()
                .flatten()
                .and_then(|(_, config)| config.base_url)
                .is_some_and(|user| same(&user))
    };
    if same(defaults::of(kind).base_url) || remembered() || named_again() {
        return Ok(());
    }
    Err(format!(
        "batch {id} was submitted to {url}, which you did not submit to from this account (its state \
         file may have come with the project); nothing was sent. If that endpoint is yours, set \
         ASSISTANT_BASE_URL={url}"
    ))
}

/// Replaces a store with `lines`, private to the user, in a private folder.
fn write_store(store: &Path, lines: &[String]) -> io::Result<()> {
    if let Some(folder) = store.parent() {
        fsx::create_private_dir(folder)?;
    }
    // The lists say which projects the user works on: theirs alone to read.
    fsx::write_private(store, &lines.concat())
}

/// Whether the user allowed `file` with exactly the bytes `content`.
pub fn is_allowed(file: &Path, content: &[u8]) -> bool {
    let Ok(canonical) = std::fs::canonicalize(file) else {
        return false;
    };
    let hash = sha256_hex(content);
    store().is_some_and(|store| {
        entries(&store)
            .iter()
            .any(|(h, path)| *h == hash && *path == canonical)
    })
}

/// The store's `(hash, path)` pairs; none when it is missing or unreadable (nothing is then trusted).
fn entries(store: &Path) -> Vec<(String, PathBuf)> {
    let Ok(text) = std::fs::read_to_string(store) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(hash, path)| (hash.to_string(), PathBuf::from(path)))
        .collect()
}

fn line(hash: &str, path: &Path) -> String {
    format!("{hash}  {}\n", path.display())
}

/// Refuses, before any request, a run whose key would go to an endpoint that only a project file
/// names: its `base_url` is used (no flag or environment variable set one), a key would be sent (a
/// keyless `ollama` without a key is never refused), the user's own file does not name the same URL,
/// and the user has not allowed the file as it is now ([`allow`]). The message names the file and the
/// URL (without credentials) and says how to allow it.
pub fn check_endpoint(
    args: &GenerateArgs,
    matches: &ArgMatches,
    project: Option<(&Path, &FileConfig)>,
    user: Option<&FileConfig>,
) -> Result<(), String> {
    let Some((path, Some(wanted))) = project.map(|(p, f)| (p, f.base_url.as_deref())) else {
        return Ok(());
    };
    let from_user = matches!(
        matches.value_source("base_url"),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    );
    let same = |a: &str, b: &str| a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/');
    if from_user
        || user
            .and_then(|u| u.base_url.as_deref())
            .is_some_and(|u| same(u, wanted))
    {
        return Ok(());
    }
    let Some(kind) = args
        .endpoint
        .kind
        .as_deref()
        .and_then(|k| k.parse::<ProviderKind>().ok())
    else {
        // No usable type: `generate` says so before any request.
        return Ok(());
    };
    if defaults::resolve_api_key(kind, args.endpoint.api_key.clone()).is_none() {
        return Ok(());
    }
    if std::fs::read(path).is_ok_and(|bytes| is_allowed(path, &bytes)) {
        return Ok(());
    }
    let shown = crate::fsx::shown(path);
    Err(format!(
        "{} sets base_url = {} for {kind}, so your API key would be sent there; nothing was sent. \
         If you trust this project, run `assistant trust {}` (again after every change to the file), \
         or pass --base-url",
        shown.display(),
        crate::redact::url(wanted),
        shown.display()
    ))
}

/// Refuses, before anything is read or sent, a project file's `prompts` folder whose templates lead
/// out of the project (a link to `/proc/self/environ` or a key file): a template's text is sent to
/// the endpoint, and a repository chooses its own text, never a file of the user's disk. The user's
/// `--prompts` (or `ASSISTANT_PROMPTS`) is theirs to point anywhere.
pub fn check_prompts(
    args: &GenerateArgs,
    matches: &ArgMatches,
    project: Option<(&Path, &FileConfig)>,
) -> Result<(), String> {
    let Some((path, Some(prompts))) = project.map(|(p, f)| (p, f.prompts.as_deref())) else {
        return Ok(());
    };
    let from_user = matches!(
        matches.value_source("prompts"),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    );
    if from_user || args.prompts.as_deref() != Some(prompts) {
        return Ok(());
    }
    let root = path
        .parent()
        .and_then(|dir| std::fs::canonicalize(dir).ok());
    let inside = |file: &Path| {
        std::fs::canonicalize(file)
            .ok()
            .zip(root.as_ref())
            .is_some_and(|(file, root)| file.starts_with(root))
    };
    match crate::prompt::override_files(prompts)
        .into_iter()
        .find(|file| !inside(file))
    {
        None => Ok(()),
        Some(file) => Err(format!(
            "{} sets prompts = {}, whose template {} leads outside the project; nothing was read \
             or sent. A project's templates must be files of the project (or pass --prompts)",
            crate::fsx::shown(path).display(),
            prompts.display(),
            crate::fsx::shown(&file).display()
        )),
    }
}
