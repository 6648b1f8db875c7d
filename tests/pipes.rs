//! A reader that goes away (`assistant … | head -1`): every command that prints ends quietly — no
//! panic, no error line — with status 0 as ripgrep does (`scan --check` keeps its verdict, 1, when it
//! found stubs: a gate must not pass because its reader stopped early). Each test closes the pipe
//! after reading one line, or before the first, whichever the output's size makes certain to hit.

#[path = "support/fake_batch.rs"]
mod fake_batch;
#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use project::assistant;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-pipes";

/// A Go project of `files` files with `stubs` stubs each: enough output to outlast a pipe's buffer.
fn go_project(files: usize, stubs: usize) -> TempDir {
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join("go.mod"),
        "module example.com/p\n\ngo 1.21\n",
    )
    .unwrap();
    for f in 0..files {
        let mut text = String::from("package p\n");
        for s in 0..stubs {
            text.push_str(&format!(
                "\n// Stub{f}x{s} returns nil; its doc comment is long enough to fill a line.\nfunc Stub{f}x{s}() error {{\n\tpanic(\"implement me\")\n}}\n"
            ));
        }
        fs::write(dir.path().join(format!("f{f:03}.go")), text).unwrap();
    }
    dir
}

fn answer(file: usize) -> String {
    format!(
        "```go\n// file: f{file:03}.go\npackage p\n\n// Stub{file}x0 returns nil; its doc comment is long enough to fill a line.\nfunc Stub{file}x0() error {{\n\treturn nil\n}}\n```\n"
    )
}

/// An LLM answering each one-stub file of [`go_project`] correctly.
fn answering_llm() -> fake_llm::FakeLlm {
    fake_llm::FakeLlm::start(fake_llm::Script::new(fake_llm::Behaviour::Empty).pick(|r| {
        let body = r.body.to_string();
        (0..1000)
            .find(|f| body.contains(&format!("func Stub{f}x0() error")))
            .map(|f| fake_llm::Behaviour::answer(&answer(f)))
    }))
}

/// Runs `args` in `dir`, reads `lines` lines of stdout, closes it, and returns (status, stderr).
fn closed_after(dir: &Path, args: &[&str], lines: usize) -> (Option<i32>, String) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("assistant"))
        .current_dir(dir)
        .args(args)
        .envs(project::user_env())
        .env_remove("OPENAI_API_KEY")
        .env_remove("ASSISTANT_API_KEY")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    for _ in 0..lines {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "{args:?}: output ended early"
        );
    }
    drop(reader);
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[track_caller]
fn assert_quiet(args: &[&str], (code, stderr): (Option<i32>, String), expected: i32) {
    assert_eq!(code, Some(expected), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(
        !stderr.to_lowercase().contains("error"),
        "{args:?}: {stderr}"
    );
    assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
}

#[test]
fn scan_ends_quietly_and_check_keeps_its_verdict() {
    let project = go_project(20, 60);
    for format in ["text", "json", "sarif"] {
        let args = ["scan", "--format", format];
        assert_quiet(&args, closed_after(project.path(), &args, 1), 0);
    }
    let args = ["scan", "--check"];
    assert_quiet(&args, closed_after(project.path(), &args, 1), 1);
}

#[test]
fn generate_only_print_prompt_ends_quietly() {
    let project = go_project(60, 1);
    for format in ["text", "json"] {
        let args = [
            "generate",
            "--only-print-prompt",
            "--type",
            "openai",
            "--format",
            format,
        ];
        assert_quiet(&args, closed_after(project.path(), &args, 1), 0);
    }
}

#[test]
fn generate_stdout_ends_quietly_and_stops_asking() {
    let project = go_project(40, 1);
    let llm = answering_llm();
    let base = llm.base_url();
    for format in ["text", "json"] {
        let args = [
            "generate",
            "--stdout",
            "-n",
            "1",
            "--type",
            "openai",
            "--verify",
            "off",
            "--base-url",
            &base,
            "--api-key",
            KEY,
            "--format",
            format,
        ];
        let before = llm.request_count();
        assert_quiet(&args, closed_after(project.path(), &args, 1), 0);
        // It stopped rather than asking for all 40 files.
        assert!(llm.request_count() - before < 40, "{format}: asked on");
    }
}

#[test]
fn generate_json_events_end_quietly() {
    let project = go_project(30, 1);
    let llm = answering_llm();
    let args = [
        "generate",
        "-n",
        "1",
        "--type",
        "openai",
        "--verify",
        "off",
        "--base-url",
        &llm.base_url(),
        "--api-key",
        KEY,
        "--format",
        "json",
    ];
    assert_quiet(&args, closed_after(project.path(), &args, 1), 0);
    // It stopped as on Ctrl-C rather than asking for all 30 files with nobody reading...
    assert!(
        llm.request_count() < 30,
        "asked on: {}",
        llm.request_count()
    );
    // ...and what landed before the reader went away stays, whole.
    assert!(
        project.path().join("f000.go.assistant").exists()
            || project.path().join("f001.go.assistant").exists()
    );
}

#[test]
fn small_outputs_end_quietly_when_the_reader_is_gone_first() {
    let project = go_project(2, 1);
    let llm = answering_llm();
    let base = llm.base_url();
    let commands: Vec<Vec<&str>> = vec![
        vec!["generate", "--show-config"],
        vec![
            "models",
            "--type",
            "openai",
            "--base-url",
            &base,
            "--api-key",
            KEY,
        ],
        vec!["completions", "bash"],
        vec!["man"],
    ];
    for args in &commands {
        assert_quiet(args, closed_after(project.path(), args, 0), 0);
    }
}

#[test]
fn merge_dry_run_clean_and_batch_status_end_quietly() {
    let project = go_project(30, 1);
    let llm = answering_llm();
    assistant(project.path())
        .args([
            "generate",
            "--type",
            "openai",
            "--verify",
            "off",
            "--base-url",
            &llm.base_url(),
        ])
        .args(["--api-key", KEY])
        .assert()
        .success();
    let args = ["merge", "--dry-run"];
    assert_quiet(&args, closed_after(project.path(), &args, 1), 0);
    let args = ["clean"];
    assert_quiet(&args, closed_after(project.path(), &args, 0), 0);

    let server = fake_batch::FakeBatch::start(fake_batch::Plan::new(|_, _| String::new()));
    assistant(project.path())
        .args([
            "generate", "--batch", "--type", "openai", "--verify", "off", "--force",
        ])
        .args(["--base-url", &server.base_url(), "--api-key", KEY])
        .assert()
        .success();
    for format in ["text", "json"] {
        let args = ["batch", "status", "--api-key", KEY, "--format", format];
        assert_quiet(&args, closed_after(project.path(), &args, 0), 0);
    }
}

/// Runs `args` in `dir` with standard error closed before the first message (`2>&1 | head -1`, a
/// reader of the progress that went away) and stdout discarded; returns the status.
fn stderr_closed(dir: &Path, args: &[&str]) -> Option<i32> {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("assistant"))
        .current_dir(dir)
        .args(args)
        .envs(project::user_env())
        .env_remove("OPENAI_API_KEY")
        .env_remove("ASSISTANT_API_KEY")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    child.wait().unwrap().code()
}

#[test]
fn a_closed_stderr_loses_the_messages_not_the_run() {
    let project = go_project(6, 1);
    let llm = answering_llm();
    let url = llm.base_url();
    let args = [
        "generate",
        "--type",
        "openai",
        "--verify",
        "off",
        "--base-url",
        &url,
        "--api-key",
        KEY,
    ];
    assert_eq!(stderr_closed(project.path(), &args), Some(0), "{args:?}");
    for f in 0..6 {
        assert!(
            project
                .path()
                .join(format!("f{f:03}.go.assistant"))
                .exists(),
            "f{f:03}.go.assistant not written"
        );
    }
    // Only stderr to write to: no batch waiting, `no such folder`.
    let args = ["batch", "status", "--api-key", KEY];
    assert_eq!(stderr_closed(project.path(), &args), Some(2), "{args:?}");
    let args = ["scan", "no-such-folder"];
    assert_eq!(stderr_closed(project.path(), &args), Some(2), "{args:?}");
}

#[test]
fn merge_keeps_its_verdict_when_the_reader_is_gone() {
    let project = go_project(30, 1);
    let llm = answering_llm();
    assistant(project.path())
        .args(["generate", "--type", "openai", "--verify", "off"])
        .args(["--base-url", &llm.base_url(), "--api-key", KEY])
        .assert()
        .success();
    // One source changed since its sidecar: its merge is refused, exit 1 — however far the reader read.
    let changed = project.path().join("f000.go");
    fs::write(
        &changed,
        fs::read_to_string(&changed).unwrap() + "\n// edited\n",
    )
    .unwrap();
    let args = ["merge", "--dry-run"];
    let (code, stderr) = closed_after(project.path(), &args, 1);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
