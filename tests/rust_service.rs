//! The Rust path end to end, through the real binary: `generate` on a copy of `examples/rust-service/`
//! against the fake LLM server answering with the reference answers in
//! `tests/fixtures/answers/rust-service/`, then `merge`; the merged files must equal
//! `tests/fixtures/merged/rust-service/…` byte for byte, and the merged crate must build.
//! Run with `UPDATE_FIXTURES=1` to rewrite the expected files (then read them before committing).

#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use fake_llm::{Behaviour, FakeLlm, Script};
use predicates::prelude::*;
use project::{events, manifest_dir};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-rust-service-0xBEEF";

/// The files the reference answers change, relative to the crate root, with their answers.
const ANSWERED: &[(&str, &str)] = &[
    ("src/frozen.rs", "src_frozen.rs.md"),
    ("src/memory.rs", "src_memory.rs.md"),
    ("src/model.rs", "src_model.rs.md"),
    ("src/store.rs", "src_store.rs.md"),
];

fn example() -> PathBuf {
    manifest_dir().join("examples/rust-service")
}

/// Answers each file's job with its reference answer.
fn answering_server() -> FakeLlm {
    FakeLlm::start(Script::new(Behaviour::Empty).pick(|request| {
        let body = request.body.to_string();
        let (_, answer) = ANSWERED
            .iter()
            .find(|(file, _)| body.contains(&format!("// file: {file}")))?;
        let text = fs::read_to_string(
            manifest_dir()
                .join("tests/fixtures/answers/rust-service")
                .join(answer),
        )
        .unwrap();
        Some(Behaviour::answer(&text))
    }))
}

/// `assistant` in `dir`, without formatters on PATH and without keys in the environment.
fn assistant(dir: &Path) -> Command {
    let mut cmd = project::assistant(dir);
    cmd.env("PATH", "");
    cmd
}

fn generate(dir: &Path, server: &FakeLlm) -> Command {
    let mut cmd = assistant(dir);
    cmd.args(["generate", "--type", "deepseek", "--base-url"])
        .arg(server.base_url())
        .args(["--api-key", KEY]);
    cmd
}

#[test]
fn scan_lists_the_five_stubs_of_the_example() {
    let output = assistant(manifest_dir())
        .args(["scan", "examples/rust-service", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let found: Vec<(String, String, Option<String>)> = events(&output.stdout)
        .iter()
        .map(|stub| {
            assert_eq!(stub["lang"], "rust");
            (
                stub["file"].as_str().unwrap().to_string(),
                stub["name"].as_str().unwrap().to_string(),
                stub["receiver"].as_str().map(String::from),
            )
        })
        .collect();
    let expected = [
        ("src/frozen.rs", "list_active", Some("FrozenStore")),
        ("src/memory.rs", "find", Some("MemoryStore")),
        ("src/memory.rs", "insert", Some("MemoryStore")),
        ("src/model.rs", "normalize", None),
        ("src/store.rs", "count_active", Some("UserStore")),
    ]
    .map(|(file, name, receiver)| {
        (
            format!("examples/rust-service/{file}"),
            name.to_string(),
            receiver.map(String::from),
        )
    });
    assert_eq!(found, expected);
}

#[test]
fn the_prompt_shows_the_stub_in_its_impl_with_the_trait_docs_and_types() {
    let output = assistant(manifest_dir())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--only-print-prompt",
            "--file",
            "examples/rust-service/src/memory.rs",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let out = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "stubs: <MemoryStore as UserStore>::find, <MemoryStore as UserStore>::insert\n",
        "You are a senior Rust engineer",
        "## The file (function bodies elided): src/memory.rs",
        // The outline: uses, the struct, the impl headers, bodies elided, the constructor kept.
        "use crate::store::{StoreError, UserStore};",
        "pub fn deactivate(&mut self, id: UserId) -> bool { … }",
        "            next_id: 1,",
        // The trait method's docs and the types the signatures name, from the other files.
        "The trait method `UserStore::insert` that a stub implements (src/store.rs):",
        "    /// Returns `StoreError::NotFound` when there is none.",
        "`User` (src/model.rs):",
        "pub enum StoreError {",
        // The stubs inside their impl, with the hint after the marker.
        "impl UserStore for MemoryStore {\n    /// Finds the user with this id, active or not.\n    fn find(&self, id: UserId) -> Result<User, StoreError> {\n        todo!()\n    }\n}",
        "        // The email check can reuse the normalization in model::email.",
        "a block starting `// file: src/memory.rs`",
    ] {
        assert!(out.contains(expected), "prompt lacks {expected:?}:\n{out}");
    }
}

#[test]
fn generate_then_merge_gives_the_expected_sources_byte_for_byte() {
    let project = project::example_copy("rust-service");
    let server = answering_server();
    let output = generate(project.path(), &server)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = events(&output.stdout);
    let succeeded: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "job_succeeded")
        .collect();
    assert_eq!(succeeded.len(), 4, "{events:?}");
    let memory = succeeded
        .iter()
        .find(|e| e["file"] == "src/memory.rs")
        .unwrap();
    assert_eq!(memory["sidecar"], "src/memory.rs.assistant");
    let sidecar = fs::read_to_string(project.path().join("src/memory.rs.assistant")).unwrap();
    assert!(
        sidecar.starts_with("// Generated by assistant"),
        "{sidecar}"
    );
    assert!(sidecar.contains(
        "// functions: <MemoryStore as UserStore>::find, <MemoryStore as UserStore>::insert\n"
    ));
    assert!(!sidecar.contains("// file:"));
    assert!(!sidecar.contains("todo!"));
    for (file, _) in ANSWERED {
        assert_eq!(
            fs::read(project.path().join(file)).unwrap(),
            fs::read(example().join(file)).unwrap(),
            "{file} was touched by generate"
        );
    }

    let backups = TempDir::new().unwrap();
    assistant(project.path())
        .env("TMPDIR", backups.path())
        .args(["merge", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "would merge src/memory.rs (<MemoryStore as UserStore>::find, <MemoryStore as UserStore>::insert)",
        ))
        .stdout(predicate::str::contains("-        todo!()\n"));
    assistant(project.path())
        .env("TMPDIR", backups.path())
        .arg("merge")
        .assert()
        .success()
        .stdout(predicate::str::contains("merged src/frozen.rs"));
    assistant(project.path())
        .env("TMPDIR", backups.path())
        .args(["merge", "--clean"])
        .assert()
        .success()
        .stdout(predicate::str::contains("already merged src/store.rs"))
        .stdout(predicate::str::contains("removed src/store.rs.assistant"));

    let expected_root = manifest_dir().join("tests/fixtures/merged/rust-service");
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    for (file, _) in ANSWERED {
        let merged = fs::read_to_string(project.path().join(file)).unwrap();
        let expected_path = expected_root.join(file);
        if update {
            fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
            fs::write(&expected_path, &merged).unwrap();
        }
        let expected = fs::read_to_string(&expected_path).unwrap();
        assert!(
            merged == expected,
            "{file} differs from its expected merge:\n{merged}"
        );
    }
    for file in ["src/lib.rs", "Cargo.toml"] {
        assert_eq!(
            fs::read(project.path().join(file)).unwrap(),
            fs::read(example().join(file)).unwrap()
        );
    }
    assistant(project.path())
        .arg("scan")
        .assert()
        .success()
        .stdout("");

    // The merged crate builds, warnings denied.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = std::process::Command::new(cargo)
        .args(["build", "--offline", "--quiet"])
        .current_dir(project.path())
        .env("CARGO_TARGET_DIR", project.path().join("target"))
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
}

/// With rustfmt on PATH the merged files are the same: they are rustfmt-clean already.
#[cfg(unix)]
#[test]
fn rustfmt_on_path_gives_the_same_bytes() {
    let rustfmt = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("rustfmt"))
            .find(|p| p.is_file())
    });
    let Some(rustfmt) = rustfmt else {
        return;
    };
    let project = project::example_copy("rust-service");
    let server = answering_server();
    generate(project.path(), &server).assert().success();
    let backups = TempDir::new().unwrap();
    let folder = TempDir::new().unwrap();
    std::os::unix::fs::symlink(&rustfmt, folder.path().join("rustfmt")).unwrap();
    assistant(project.path())
        .env("PATH", folder.path())
        .env("TMPDIR", backups.path())
        .arg("merge")
        .assert()
        .success();
    let expected_root = manifest_dir().join("tests/fixtures/merged/rust-service");
    for (file, _) in ANSWERED {
        let merged = fs::read_to_string(project.path().join(file)).unwrap();
        let expected = fs::read_to_string(expected_root.join(file)).unwrap();
        assert!(
            merged == expected,
            "{file}: rustfmt changed the merge:\n{merged}"
        );
    }
}
