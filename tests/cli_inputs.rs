//! The command line on everyday inputs: `--stdout` output scripts can read (JSON: one `code` event per
//! file and nothing else; text: each file headed by its path), split files' events numbered, bad flag
//! values refused as usage errors naming the flag, `--line` with a positional file, a base URL with a
//! query string (Azure OpenAI's `?api-version=`), and a file name that is not UTF-8.

#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;

use fake_llm::{Behaviour, FakeLlm, Script};
use project::{assistant, events};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-cli-inputs";

/// A Go project: `f{i}.go` with `stubs[i]` stubs `S{i}x{j}`.
fn go_project(stubs: &[usize]) -> TempDir {
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join("go.mod"),
        "module example.com/p\n\ngo 1.21\n",
    )
    .unwrap();
    for (i, n) in stubs.iter().enumerate() {
        let mut text = String::from("package p\n");
        for j in 0..*n {
            text.push_str(&format!(
                "\n// S{i}x{j} returns nil.\nfunc S{i}x{j}() error {{\n\tpanic(\"implement me\")\n}}\n"
            ));
        }
        fs::write(dir.path().join(format!("f{i}.go")), text).unwrap();
    }
    dir
}

/// Answers every stub a request names, in its file.
fn llm() -> FakeLlm {
    FakeLlm::start(Script::new(Behaviour::Empty).pick(|r| {
        let body = r.body.to_string();
        let file = (0..10).find(|i| body.contains(&format!("func S{i}x0() error")))?;
        let mut code = format!("```go\n// file: f{file}.go\npackage p\n");
        for j in 0..20 {
            if body.contains(&format!("func S{file}x{j}() error {{")) {
                code.push_str(&format!(
                    "\n// S{file}x{j} returns nil.\nfunc S{file}x{j}() error {{\n\treturn nil\n}}\n"
                ));
            }
        }
        Some(Behaviour::answer(&(code + "```\n")))
    }))
}

fn generate(dir: &std::path::Path, llm: &FakeLlm) -> assert_cmd::Command {
    let mut cmd = assistant(dir);
    cmd.args(["generate", "--type", "openai", "--verify", "off"])
        .args(["--base-url", &llm.base_url(), "--api-key", KEY]);
    cmd
}

#[test]
fn stdout_json_is_one_code_event_per_file_and_nothing_else() {
    let project = go_project(&[1, 1, 1]);
    let llm = llm();
    let output = generate(project.path(), &llm)
        .args(["--stdout", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = events(&output.stdout);
    assert_eq!(events.len(), 3, "{events:?}");
    let mut files: Vec<&str> = events.iter().map(|e| e["file"].as_str().unwrap()).collect();
    files.sort();
    assert_eq!(files, ["f0.go", "f1.go", "f2.go"]);
    for event in &events {
        assert_eq!(event["event"], "code");
        let code = event["code"].as_str().unwrap();
        assert!(
            code.contains("return nil") && code.contains("package p"),
            "{code}"
        );
    }
    assert!(!project.path().join("f0.go.assistant").exists());
}

#[test]
fn plain_stdout_heads_each_file_with_its_path_in_a_comment() {
    let project = go_project(&[1, 1]);
    let llm = llm();
    let output = generate(project.path(), &llm)
        .arg("--stdout")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let headings: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("// file: "))
        .collect();
    let mut headings = headings.clone();
    headings.sort();
    assert_eq!(headings, ["// file: f0.go", "// file: f1.go"], "{text}");
    // Each heading comes before its file's code.
    let f1 = text.find("// file: f1.go").unwrap();
    assert!(text[f1..].contains("func S1x0()"));
}

#[test]
fn a_split_files_events_carry_part_and_parts() {
    let project = go_project(&[3]);
    let llm = llm();
    let output = generate(project.path(), &llm)
        .args(["--group-size", "1", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let ran = events(&output.stdout);
    let mut parts: Vec<(u64, u64)> = ran
        .iter()
        .filter(|e| e["event"] == "job_succeeded")
        .map(|e| (e["part"].as_u64().unwrap(), e["parts"].as_u64().unwrap()))
        .collect();
    parts.sort();
    assert_eq!(parts, [(1, 3), (2, 3), (3, 3)]);

    // A file in one job has no part numbers.
    let project = go_project(&[1]);
    let output = generate(project.path(), &llm)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let events = events(&output.stdout);
    let done: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "job_succeeded")
        .collect();
    assert_eq!(done.len(), 1);
    assert!(done[0].get("part").is_none());
}

#[test]
fn bad_values_are_usage_errors_naming_the_flag() {
    let project = go_project(&[1]);
    let cases: [(&[&str], &str); 6] = [
        (&["--prompts", "/nonexistent"], "--prompts"),
        (&["--temperature", "nan"], "--temperature"),
        (&["--temperature", "inf"], "--temperature"),
        (&["--temperature", "2.5"], "--temperature"),
        (&["--temperature=-1"], "--temperature"),
        (&["--max-tokens", "0"], "--max-tokens"),
    ];
    for (flags, named) in cases {
        let output = assistant(project.path())
            .args(["generate", "--only-print-prompt", "--type", "openai"])
            .args(flags)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(named), "{flags:?}: {stderr}");
    }
    // Good values still go.
    let llm = llm();
    generate(project.path(), &llm)
        .args(["--temperature", "0.2", "--max-tokens", "100"])
        .assert()
        .success();
    let body = &llm.requests()[0].body;
    assert!(
        (body["temperature"].as_f64().unwrap() - 0.2).abs() < 1e-6,
        "{body}"
    );
}

#[test]
fn line_works_with_a_positional_file() {
    let project = go_project(&[3]);
    for how in [vec!["f0.go"], vec!["--file", "f0.go"]] {
        let output = assistant(project.path())
            .args([
                "generate",
                "--only-print-prompt",
                "--type",
                "openai",
                "--format",
                "json",
            ])
            .args(&how)
            .args(["--line", "9"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{how:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let events = events(&output.stdout);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["functions"][0], "S0x1");
    }
    // A folder, or two files, is still refused.
    assistant(project.path())
        .args([
            "generate",
            "--only-print-prompt",
            "--type",
            "openai",
            ".",
            "--line",
            "9",
        ])
        .assert()
        .code(2);
}

#[test]
fn a_base_url_query_string_ends_every_request_url() {
    let project = go_project(&[1]);
    let llm = llm();
    let base = format!("{}?api-version=2024-10-21", llm.base_url());
    assistant(project.path())
        .args([
            "generate",
            "--type",
            "openai",
            "--verify",
            "off",
            "--base-url",
            &base,
        ])
        .args(["--api-key", KEY])
        .assert()
        .success();
    assistant(project.path())
        .args([
            "models",
            "--type",
            "openai",
            "--base-url",
            &base,
            "--api-key",
            KEY,
        ])
        .assert()
        .success();
    let paths: Vec<String> = llm.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("/chat/completions?api-version=2024-10-21")),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("/models?api-version=2024-10-21")),
        "{paths:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_scanned_with_a_warning() {
    use std::os::unix::ffi::OsStrExt;
    let project = go_project(&[]);
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.go");
    fs::write(
        project.path().join(name),
        "package p\n\n// A returns nil.\nfunc A() error {\n\tpanic(\"implement me\")\n}\n",
    )
    .unwrap();
    let output = assistant(project.path())
        .args(["scan", "--check"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("caf\u{fffd}.go:"));
    assert!(stderr.contains("not UTF-8"), "{stderr}");
}
