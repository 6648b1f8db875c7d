//! `assistant completions SHELL`, `assistant man` and `--version` through the real binary.

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use clap::CommandFactory;

use assistant::cli::Cli;

fn stdout_of(args: &[&str]) -> String {
    let output = Command::cargo_bin("assistant")
        .unwrap()
        .args(args)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Every subcommand the parser knows, so a new one is covered without touching this file.
fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect()
}

#[test]
fn each_shell_gets_a_script_that_knows_generate() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains("generate"), "{shell}");
        assert!(script.contains("only-print-prompt"), "{shell}");
    }
}

#[test]
fn the_bash_script_registers_a_completion() {
    let script = stdout_of(&["completions", "bash"]);
    let output = Process::new("bash")
        .args([
            "--noprofile",
            "--norc",
            "-c",
            "eval \"$1\" && complete -p assistant",
            "-",
            &script,
        ])
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("assistant"));
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    Command::cargo_bin("assistant")
        .unwrap()
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn the_man_page_lists_every_subcommand() {
    let page = stdout_of(&["man"]);
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "roff");
    assert!(page.contains(".TH assistant 1"));
    let names = subcommands();
    assert!(names.len() >= 6, "{names:?}");
    for name in &names {
        assert!(page.contains(&format!("assistant\\-{name}(1)")), "{name}");
    }
}

#[test]
fn each_subcommand_has_its_own_page() {
    for name in subcommands().iter().filter(|n| *n != "help") {
        let page = stdout_of(&["man", name]);
        assert!(page.contains(&format!(".TH assistant-{name} 1")), "{name}");
        assert!(
            page.contains(&format!("assistant {name}")),
            "{name}: synopsis"
        );
    }
    Command::cargo_bin("assistant")
        .unwrap()
        .args(["man", "nope"])
        .assert()
        .code(2);
}

/// The commit, when this test runs in the same checkout the binary was built from.
fn checkout_commit() -> Option<String> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        let out = Process::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let same = Path::new(&top).canonicalize().ok()? == Path::new(dir).canonicalize().ok()?;
    same.then(|| git(&["rev-parse", "--short", "HEAD"]))?
}

#[test]
fn version_prints_the_package_version_and_the_commit() {
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(stdout_of(&["-V"]), format!("assistant {version}\n"));
    let long = stdout_of(&["--version"]);
    match checkout_commit() {
        Some(commit) => assert_eq!(long, format!("assistant {version} (git {commit})\n")),
        None => assert_eq!(long, format!("assistant {version}\n")),
    }
}
