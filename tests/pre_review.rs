//! The pre-review recipes run as their hosts would run them: `.pre-commit-hooks.yaml`'s entry on the files
//! pre-commit would pass, and the shell steps of docs/ci/github-actions.yml under bash with the built
//! binary first on PATH, in scratch projects (a git repository with a base branch for `--changed-since`).
//! Nothing leaves the machine: the one step that would ask a model runs with `--only-print-prompt`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_assistant");

fn stub_file(name: &str) -> String {
    format!("package handler\n\n// {name} does the thing.\nfunc {name}() error {{\n\tpanic(\"implement me\")\n}}\n")
}

const CLEAN_FILE: &str = "package handler\n\nfunc Done() error {\n\treturn nil\n}\n";

fn write(root: &Path, relative: &str, content: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn read_repo_file(relative: &str) -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).expect("file exists")
}

/// PATH with the freshly built binary first, as `cargo install` would leave it.
fn path_with_binary() -> String {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let old = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![PathBuf::from(bin_dir)];
    dirs.extend(std::env::split_paths(&old));
    std::env::join_paths(dirs).unwrap().into_string().unwrap()
}

fn without_provider_env(cmd: &mut Command) -> &mut Command {
    for key in [
        "ASSISTANT_API_KEY",
        "ASSISTANT_TYPE",
        "ASSISTANT_BASE_URL",
        "ASSISTANT_MODEL",
        "DEEPSEEK_API_KEY",
        "OPENAI_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
    ] {
        cmd.env_remove(key);
    }
    cmd
}

// ---- pre-commit ----

#[derive(Debug, Deserialize)]
struct Hook {
    id: String,
    entry: String,
    language: String,
    pass_filenames: bool,
    types: Vec<String>,
    exclude: Option<String>,
}

fn run_hook(hook: &Hook, dir: &Path, files: &[&str]) -> Output {
    let mut words = hook.entry.split_whitespace();
    assert_eq!(words.next(), Some("assistant"), "{}", hook.entry);
    without_provider_env(Command::new(BIN).current_dir(dir))
        .args(words)
        .args(files)
        .output()
        .expect("runs")
}

#[test]
fn pre_commit_hook_blocks_a_commit_with_stubs() {
    let hooks: Vec<Hook> =
        serde_yaml::from_str(&read_repo_file(".pre-commit-hooks.yaml")).expect("valid YAML");
    let [hook] = hooks.as_slice() else {
        panic!("one hook: {hooks:?}")
    };
    assert_eq!(hook.id, "assistant-scan");
    assert!(["rust", "system"].contains(&hook.language.as_str()));
    assert!(hook.pass_filenames);
    assert_eq!(hook.types, ["go"]);
    assert!(hook.entry.ends_with("scan --check"), "{}", hook.entry);

    let dir = TempDir::new().unwrap();
    let staged = [
        "internal/handler/coupon.go",
        "internal/handler/order.go",
        "internal/handler/coupon_test.go",
        "api/v1/coupon.pb.go",
        "vendor/x/y.go",
    ];
    write(dir.path(), staged[0], &stub_file("RedeemCoupon"));
    write(dir.path(), staged[1], CLEAN_FILE);
    for generated_or_test in &staged[2..] {
        write(dir.path(), generated_or_test, &stub_file("NotOurs"));
    }
    // What pre-commit passes: the staged files its `exclude` (a Python regexp; this one reads the same
    // in the regex crate) keeps.
    let exclude = Regex::new(hook.exclude.as_deref().expect("exclude")).unwrap();
    let passed: Vec<&str> = staged
        .iter()
        .copied()
        .filter(|f| !exclude.is_match(f))
        .collect();
    assert_eq!(passed, &staged[..2]);

    let blocked = run_hook(hook, dir.path(), &passed);
    assert_eq!(blocked.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(blocked.stdout).unwrap(),
        "internal/handler/coupon.go:4:1: stub RedeemCoupon: RedeemCoupon does the thing.\n"
    );

    let clean = run_hook(hook, dir.path(), &passed[1..]);
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");
    assert!(clean.stdout.is_empty());
}

// ---- GitHub Actions ----

#[derive(Debug, Deserialize)]
struct Workflow {
    jobs: BTreeMap<String, Job>,
}

#[derive(Debug, Deserialize)]
struct Job {
    #[serde(default)]
    permissions: BTreeMap<String, String>,
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
struct Step {
    uses: Option<String>,
    run: Option<String>,
    #[serde(default)]
    with: BTreeMap<String, serde_yaml::Value>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

fn workflow() -> Workflow {
    serde_yaml::from_str(&read_repo_file("docs/ci/github-actions.yml")).expect("valid YAML")
}

impl Job {
    fn step_running(&self, command: &str) -> (usize, &Step) {
        self.steps
            .iter()
            .enumerate()
            .find(|(_, s)| s.run.as_deref().is_some_and(|r| r.contains(command)))
            .unwrap_or_else(|| panic!("no step runs {command:?}"))
    }

    fn step_using(&self, action: &str) -> (usize, &Step) {
        self.steps
            .iter()
            .enumerate()
            .find(|(_, s)| s.uses.as_deref().is_some_and(|u| u.starts_with(action)))
            .unwrap_or_else(|| panic!("no step uses {action:?}"))
    }

    /// The tool is installed before the first step that runs it.
    fn assert_installs_before(&self, index: usize) {
        let (install, _) = self.step_running("cargo install");
        assert!(install < index);
    }
}

/// Runs a `run:` script the way GitHub's default shell does (`bash -eo pipefail`), in `dir`.
fn run_step(script: &str, dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("bash");
    without_provider_env(&mut cmd)
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path_with_binary())
        .envs(env.iter().copied())
        .output()
        .expect("bash runs")
}

#[test]
fn ci_gate_uploads_sarif_and_keeps_scans_exit_code() {
    let workflow = workflow();
    let job = &workflow.jobs["stubs"];
    assert_eq!(job.permissions["security-events"], "write");
    let (scan_index, scan) = job.step_running("assistant scan");
    job.assert_installs_before(scan_index);
    let script = scan.run.as_deref().unwrap();
    assert!(script.contains("assistant scan --check --format sarif > assistant.sarif"));
    let (upload_index, upload) = job.step_using("github/codeql-action/upload-sarif@");
    assert!(upload_index > scan_index);
    assert_eq!(upload.with["sarif_file"], "assistant.sarif");
    let (gate_index, _) = job.step_running("exit 1");
    assert!(gate_index > upload_index);

    for (stubs, status, results) in [(true, "1", 1), (false, "0", 0)] {
        let dir = TempDir::new().unwrap();
        let content = if stubs {
            stub_file("RedeemCoupon")
        } else {
            CLEAN_FILE.to_owned()
        };
        write(dir.path(), "internal/handler/coupon.go", &content);
        let outputs = dir.path().join("github_output");
        let ran = run_step(
            script,
            dir.path(),
            &[("GITHUB_OUTPUT", outputs.to_str().unwrap())],
        );
        assert!(
            ran.status.success(),
            "the step itself passes so the upload runs: {ran:?}"
        );
        assert_eq!(
            fs::read_to_string(&outputs).unwrap(),
            format!("status={status}\n")
        );
        let sarif: Value =
            serde_json::from_slice(&fs::read(dir.path().join("assistant.sarif")).unwrap()).unwrap();
        assert_eq!(sarif["version"], "2.1.0");
        assert_eq!(
            sarif["runs"][0]["results"].as_array().unwrap().len(),
            results
        );
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn ci_drafts_only_the_stubs_the_change_touched() {
    let workflow = workflow();
    let job = &workflow.jobs["drafts"];
    let (checkout_index, checkout) = job.step_using("actions/checkout@");
    assert_eq!(
        checkout.with["fetch-depth"], 0,
        "the base branch must be fetched"
    );
    let (index, step) = job.step_running("assistant generate");
    assert!(checkout_index < index);
    job.assert_installs_before(index);
    assert_eq!(
        step.env["DEEPSEEK_API_KEY"],
        "${{ secrets.DEEPSEEK_API_KEY }}"
    );
    assert_eq!(step.env["BASE_REF"], "${{ github.base_ref }}");
    let script = step.run.as_deref().unwrap();
    for flag in [
        "--changed-since \"origin/$BASE_REF\"",
        "--type deepseek",
        "--format json",
    ] {
        assert!(script.contains(flag), "{flag} in {script}");
    }
    // The one change: no request leaves the machine.
    assert_eq!(script.matches("assistant generate").count(), 1);
    let script = script.replace(
        "assistant generate",
        "assistant generate --only-print-prompt",
    );

    // A pull request: `main` holds one stub, the branch adds another in a file of its own.
    let dir = TempDir::new().unwrap();
    write(dir.path(), "internal/old/old.go", &stub_file("OldStub"));
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    git(
        dir.path(),
        &["update-ref", "refs/remotes/origin/main", "HEAD"],
    );
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    write(dir.path(), "internal/new/new.go", &stub_file("NewStub"));
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "change"]);

    let ran = run_step(&script, dir.path(), &[("BASE_REF", "main")]);
    assert!(ran.status.success(), "{ran:?}");
    let events = fs::read_to_string(dir.path().join("assistant-drafts.jsonl")).unwrap();
    let functions: Vec<Value> = events
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("JSON line"))
        .filter(|event| event["event"] == "prompt")
        .map(|event| event["functions"].clone())
        .collect();
    assert_eq!(functions, [serde_json::json!(["NewStub"])], "{events}");
}
