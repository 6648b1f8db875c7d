//! The key sweep: every command and failure path, in every output format and verbosity, run with a
//! distinctive key — which then appears in no output and no file.

#[path = "support/fake_llm.rs"]
mod fake_llm;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use fake_llm::{Behaviour, FakeLlm};
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-must-not-leak-0xC0FFEE";

fn project() -> TempDir {
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join("a.go"),
        "package a\n\n// A answers.\nfunc A() int {\n\tpanic(\"implement me\")\n}\n",
    )
    .unwrap();
    dir
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| {
            let path = e.unwrap().path();
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

/// Runs `args` in `dir` with the key given the way `how` says, and checks it leaked nowhere.
fn sweep(dir: &Path, args: &[String], how: &str) {
    let mut cmd = Command::cargo_bin("assistant").unwrap();
    cmd.current_dir(dir)
        .args(args)
        .env_remove("DEEPSEEK_API_KEY")
        .env_remove("ASSISTANT_API_KEY")
        .timeout(Duration::from_secs(60));
    match how {
        "flag" => {
            cmd.args(["--api-key", KEY]);
        }
        _ => {
            cmd.env("DEEPSEEK_API_KEY", KEY);
        }
    }
    let output = cmd.output().unwrap();
    let code = output.status.code();
    assert!(matches!(code, Some(0..=2)), "{args:?}: exit {code:?}");
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        assert!(
            !String::from_utf8_lossy(bytes).contains(KEY),
            "{args:?} ({how}) leaked the key to {stream}"
        );
    }
    for file in files_under(dir) {
        let text = String::from_utf8_lossy(&fs::read(&file).unwrap()).into_owned();
        assert!(
            !text.contains(KEY),
            "{args:?} leaked the key into {}",
            file.display()
        );
    }
}

#[test]
fn the_key_appears_in_no_output_and_no_file() {
    let behaviours = [
        Behaviour::Unauthorized,
        Behaviour::ModelNotFound,
        Behaviour::InsufficientBalance,
        Behaviour::RateLimited(Some(Duration::from_secs(1))),
        Behaviour::ServerError(500),
        Behaviour::Stall,
        Behaviour::CutOff,
        Behaviour::Malformed,
        Behaviour::answer("no code here"),
        Behaviour::Status {
            status: 400,
            body: format!("{{\"error\":{{\"message\":\"bad key {KEY}\"}}}}"),
        },
    ];
    for behaviour in behaviours {
        let server = FakeLlm::start(behaviour.clone());
        for kind in ["deepseek", "gemini"] {
            let base = if kind == "gemini" {
                server.gemini_base_url()
            } else {
                server.base_url()
            };
            for extra in [&["--format", "json"][..], &["-vv"][..], &["--stdout"][..]] {
                let dir = project();
                let mut args: Vec<String> = ["generate", "--type", kind, "--retries", "0"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                args.extend(
                    ["--idle-timeout", "0.3", "--first-byte-timeout", "2"].map(String::from),
                );
                args.extend(["--base-url".to_string(), base.clone()]);
                args.extend(extra.iter().map(|s| s.to_string()));
                // The environment only serves deepseek; gemini gets the flag.
                sweep(
                    dir.path(),
                    &args,
                    if kind == "gemini" { "flag" } else { "env" },
                );
            }
        }
        let dir = project();
        let models = [
            "models",
            "--type",
            "deepseek",
            "-vv",
            "--base-url",
            &server.base_url(),
        ];
        sweep(dir.path(), &models.map(String::from), "flag");
    }
    let dir = project();
    let show = ["generate", "--type", "deepseek", "--show-config"];
    sweep(dir.path(), &show.map(String::from), "env");
    sweep(dir.path(), &show.map(String::from), "flag");
}
