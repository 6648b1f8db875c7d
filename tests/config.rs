//! `.assistant.toml`: found upward, flags > environment > file > defaults, unknown keys rejected, and
//! `generate --show-config` telling where each setting came from, keys redacted.

use std::fs;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-must-not-leak-0xC0FFEE";

fn assistant(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("assistant").unwrap();
    cmd.current_dir(dir);
    for var in [
        "DEEPSEEK_API_KEY",
        "OPENAI_API_KEY",
        "ASSISTANT_API_KEY",
        "ASSISTANT_MODEL",
        "ASSISTANT_TYPE",
        "ASSISTANT_BASE_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn project() -> TempDir {
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join(".assistant.toml"),
        "type = \"deepseek\"\nmodel = \"from-file\"\nretries = 2\nmarkers = [\"TODO(ai)\"]\n",
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("sub")).unwrap();
    fs::write(
        dir.path().join("sub/a.go"),
        "package a\n\nfunc A() {\n\tpanic(\"TODO(ai): write\")\n}\n",
    )
    .unwrap();
    dir
}

fn setting(out: &str, name: &str) -> String {
    out.lines()
        .find(|l| l.starts_with(&format!("{name} = ")))
        .unwrap_or_else(|| panic!("no {name} in {out}"))
        .to_string()
}

#[test]
fn flags_beat_environment_beat_file_beat_defaults() {
    let dir = project();
    let sub = dir.path().join("sub");
    let file = dir.path().join(".assistant.toml");
    let out = assistant(&sub)
        .args(["generate", "--show-config", "--concurrency", "3"])
        .env("ASSISTANT_MODEL", "from-env")
        .env("DEEPSEEK_API_KEY", KEY)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(!out.contains(KEY));
    assert_eq!(
        setting(&out, "type"),
        format!("type = deepseek  # {}", file.display())
    );
    assert_eq!(setting(&out, "model"), "model = from-env  # environment");
    assert_eq!(setting(&out, "concurrency"), "concurrency = 3  # flag");
    assert_eq!(
        setting(&out, "retries"),
        format!("retries = 2  # {}", file.display())
    );
    assert_eq!(setting(&out, "timeout"), "timeout = 600  # default");
    assert_eq!(
        setting(&out, "api_key"),
        "api_key = [redacted]  # environment DEEPSEEK_API_KEY"
    );
    let out = assistant(&sub)
        .args(["generate", "--show-config", "--model", "from-flag"])
        .env("ASSISTANT_MODEL", "from-env")
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert_eq!(setting(&out, "model"), "model = from-flag  # flag");
}

#[test]
fn the_file_supplies_type_and_markers() {
    let dir = project();
    assistant(&dir.path().join("sub"))
        .args(["generate", "--only-print-prompt"])
        .assert()
        .success()
        .stdout(predicate::str::contains("stubs: A"));
    assistant(dir.path())
        .arg("scan")
        .assert()
        .success()
        .stdout("sub/a.go:3:1: stub A\n");
}

#[test]
fn unknown_keys_are_a_usage_error_naming_key_and_file() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join(".assistant.toml"), "modle = \"x\"\n").unwrap();
    assistant(dir.path())
        .args(["scan"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("modle").and(predicate::str::contains(".assistant.toml")));
}

#[test]
fn no_file_is_needed() {
    let dir = TempDir::new().unwrap();
    assistant(dir.path())
        .args(["generate", "--type", "ollama", "--show-config"])
        .assert()
        .success()
        .stdout(predicate::str::contains("type = ollama  # flag"));
}
