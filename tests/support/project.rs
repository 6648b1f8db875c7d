//! What the end-to-end tests share: copies of the bundled examples to work in, the binary with no key
//! in its environment, and reading its JSON Lines events.
#![allow(dead_code)] // each test binary uses its own part of it

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of `examples/<name>` (without build output) to generate and merge into.
pub fn example_copy(name: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    copy_dir(&manifest_dir().join("examples").join(name), dir.path());
    dir
}

/// Copies `from` into `to`, leaving out `target` folders.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The user's folders for this test binary's runs (`config`, `cache`), under Cargo's scratch folder for
/// tests: no test reads the real user's `config.toml` or trust list, or writes merge backups and batch
/// records into the real home. One per test binary, so the commands of one test see each other's
/// records (a batch submitted, then collected), as one user's would.
pub fn user_folders() -> &'static Path {
    static FOLDERS: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FOLDERS.get_or_init(|| {
        let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
        fs::create_dir_all(scratch).unwrap();
        tempfile::Builder::new()
            .prefix("user-")
            .tempdir_in(scratch)
            .unwrap()
            .keep()
    })
}

/// Go's build cache where it would be without the test's `XDG_CACHE_HOME` (Go places it there too):
/// the tests' `go build`s stay as warm as the user's.
fn go_cache() -> Option<PathBuf> {
    if std::env::var_os("GOCACHE").is_some() {
        return None;
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))?;
    Some(cache.join("go-build"))
}

/// The environment that puts the user's folders in [`user_folders`], for any command running the binary.
pub fn user_env() -> Vec<(&'static str, PathBuf)> {
    let mut env = vec![
        ("XDG_CONFIG_HOME", user_folders().join("config")),
        ("XDG_CACHE_HOME", user_folders().join("cache")),
    ];
    env.extend(go_cache().map(|cache| ("GOCACHE", cache)));
    env
}

/// `assistant` in `dir`, without keys in its environment, without color, and with the user's folders
/// in [`user_folders`] (a test may set its own after).
pub fn assistant(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("assistant").unwrap();
    cmd.current_dir(dir)
        .envs(user_env())
        .env_remove("DEEPSEEK_API_KEY")
        .env_remove("OPENAI_API_KEY")
        .env_remove("GEMINI_API_KEY")
        .env_remove("GOOGLE_API_KEY")
        .env_remove("ASSISTANT_API_KEY")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120));
    cmd
}

/// `assistant generate --type deepseek` against `base_url` with `key`.
pub fn generate(dir: &Path, base_url: &str, key: &str) -> Command {
    let mut cmd = assistant(dir);
    cmd.args([
        "generate",
        "--type",
        "deepseek",
        "--base-url",
        base_url,
        "--api-key",
        key,
    ]);
    cmd
}

pub fn events(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found.sort();
    found
}
