//! Batch mode end to end, through the real binary against the fake batch API: `generate --batch` →
//! `batch status` → `batch collect [--wait]` writes the sidecars a streamed `generate` writes; slow
//! batches, out-of-order, missing, duplicate and failed lines, expired and failed batches, a 429 on
//! upload, a source changed since submission, collecting twice, repair batches and `--repair-now`,
//! Ctrl-C during `collect --wait`, and the key in no output and no file.

#[path = "support/fake_batch.rs"]
mod fake_batch;
#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use fake_batch::{FakeBatch, Fate, Plan};
use project::{assistant, events, files_under, manifest_dir};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-must-not-leak-0xBA7C5";

/// A project of `n` files with one stub each (`f00.go` … with `Stub0` …).
fn go_project(n: usize) -> TempDir {
    let dir = TempDir::new().unwrap();
    fs::write(
        dir.path().join("go.mod"),
        "module example.com/p\n\ngo 1.21\n",
    )
    .unwrap();
    for i in 0..n {
        fs::write(
            dir.path().join(format!("f{i:02}.go")),
            format!("package p\n\n// Stub{i} returns nil.\nfunc Stub{i}() error {{\n\tpanic(\"implement me\")\n}}\n"),
        )
        .unwrap();
    }
    dir
}

fn good_answer(i: usize) -> String {
    format!(
        "```go\n// file: f{i:02}.go\npackage p\n\n// Stub{i} returns nil.\nfunc Stub{i}() error {{\n\treturn nil\n}}\n```\n"
    )
}

/// The stub a request names, from its body.
fn stub_of(body: &Value) -> usize {
    let text = body.to_string();
    (0..100)
        .rev()
        .find(|i| text.contains(&format!("func Stub{i}() error")))
        .expect("a stub in the request")
}

fn answering() -> Plan {
    Plan::new(|_, body| good_answer(stub_of(body)))
}

/// `generate --batch` in `dir` against `server`; returns the batch ids it printed.
fn submit(dir: &Path, server: &FakeBatch) -> Vec<String> {
    let output = submit_cmd(dir, server).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("assistant batch collect --wait"),
        "{stderr}"
    );
    assert_no_key(&[&output.stdout, &output.stderr]);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(String::from)
        .collect()
}

fn submit_cmd(dir: &Path, server: &FakeBatch) -> Command {
    let mut cmd = assistant(dir);
    cmd.args(["generate", "--batch", "--type", "openai", "--verify", "off"])
        .args(["--base-url", &server.base_url(), "--api-key", KEY]);
    cmd
}

/// `assistant batch …` in `dir` with the key and a fast poll.
fn batch(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = assistant(dir);
    cmd.arg("batch")
        .args(args)
        .args(["--api-key", KEY])
        .env("ASSISTANT_BATCH_POLL_MS", "40");
    cmd
}

struct Ran {
    code: Option<i32>,
    events: Vec<Value>,
    stderr: String,
}

fn run_json(mut cmd: Command) -> Ran {
    let output = cmd.args(["--format", "json"]).output().unwrap();
    assert_no_key(&[&output.stdout, &output.stderr]);
    Ran {
        code: output.status.code(),
        events: events(&output.stdout),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

fn assert_no_key(outputs: &[&[u8]]) {
    for output in outputs {
        assert!(
            !String::from_utf8_lossy(output).contains(KEY),
            "key leaked to output"
        );
    }
}

fn assert_no_key_in_files(dir: &Path) {
    for file in files_under(dir) {
        let text = String::from_utf8_lossy(&fs::read(&file).unwrap()).into_owned();
        assert!(!text.contains(KEY), "key leaked into {}", file.display());
    }
}

/// A sidecar without its `time` line (the one header that differs between two runs).
fn timeless(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.contains("time:"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn reference_answer(body: &str) -> Option<String> {
    let name = if body.contains("internal/handler/coupon.go") {
        "internal_handler_coupon.go.md"
    } else if body.contains("internal/handler/order.go") {
        "internal_handler_order.go.md"
    } else {
        return None;
    };
    Some(
        fs::read_to_string(
            manifest_dir()
                .join("tests/fixtures/answers/store")
                .join(name),
        )
        .unwrap(),
    )
}

#[test]
fn submit_status_collect_writes_the_sidecars_a_streamed_run_writes() {
    // The streamed run.
    let streamed = project::example_copy("store");
    let llm =
        fake_llm::FakeLlm::start(fake_llm::Script::new(fake_llm::Behaviour::Empty).pick(|r| {
            reference_answer(&r.body.to_string()).map(|a| fake_llm::Behaviour::answer(&a))
        }));
    assistant(streamed.path())
        .args(["generate", "--type", "openai", "--verify", "off"])
        .args(["--base-url", &llm.base_url(), "--api-key", KEY])
        .assert()
        .success();

    // The batch run on another copy.
    let project = project::example_copy("store");
    let server = FakeBatch::start(
        Plan::new(|_, body| reference_answer(&body.to_string()).unwrap_or_default()).timing(
            Duration::from_millis(200),
            Duration::from_millis(300),
            Duration::ZERO,
        ),
    );
    server.require_key(KEY);
    let ids = submit(project.path(), &server);
    assert_eq!(ids, server.batch_ids());
    let state = project
        .path()
        .join(".assistant/batches")
        .join(format!("{}.json", ids[0]));
    let recorded: Value = serde_json::from_str(&fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(recorded["provider"], "openai");
    assert_eq!(recorded["jobs"].as_object().unwrap().len(), 2);
    let job = &recorded["jobs"]["j00000"];
    assert_eq!(job["source_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(job["prompt_sha256"].as_str().unwrap().len(), 64);
    assert!(job["dependent"]["path"]
        .as_str()
        .unwrap()
        .starts_with("internal/dao/"));

    // Status, while the batch runs.
    let status = run_json(batch(project.path(), &["status"]));
    assert_eq!(status.code, Some(0), "{}", status.stderr);
    assert_eq!(status.events.len(), 1, "{:?}", status.events);
    assert_eq!(status.events[0]["batch"], ids[0].as_str());
    assert_eq!(status.events[0]["total"], 2);

    let collected = run_json(batch(project.path(), &["collect", "--wait"]));
    assert_eq!(collected.code, Some(0), "{}", collected.stderr);
    let succeeded = of_kind(&collected.events, "job_succeeded");
    assert_eq!(succeeded.len(), 2, "{:?}", collected.events);
    assert!(succeeded.iter().all(|e| e["batch"] == ids[0].as_str()));
    let summary = of_kind(&collected.events, "summary");
    assert_eq!(summary[0]["succeeded"], 2);
    assert!(summary[0]["prompt_tokens"].as_u64().unwrap() > 0);

    for sidecar in [
        "internal/handler/coupon.go.assistant",
        "internal/handler/order.go.assistant",
        "internal/dao/coupon.go.assistant",
        "internal/dao/order.go.assistant",
    ] {
        assert_eq!(
            timeless(&project.path().join(sidecar)),
            timeless(&streamed.path().join(sidecar)),
            "{sidecar}"
        );
    }
    // `.assistant/` holds only JSON, and neither scan nor merge looks at it.
    for file in files_under(&project.path().join(".assistant")) {
        assert!(
            file.extension().is_some_and(|e| e == "json"),
            "{}",
            file.display()
        );
    }
    let scanned = assistant(project.path())
        .args(["scan", "--format", "json"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&scanned.stdout).contains(".assistant/"));
    assistant(project.path())
        .args(["merge", "--dry-run"])
        .assert()
        .success();
    assert_no_key_in_files(project.path());
    assert!(server
        .requests()
        .iter()
        .all(|r| r.key.as_deref() == Some(KEY)));
}

#[test]
fn a_slow_batch_is_collected_when_final_and_lines_may_come_in_any_order() {
    let project = go_project(4);
    let server = FakeBatch::start(Plan {
        reversed: true,
        ..answering().timing(
            Duration::from_millis(300),
            Duration::from_millis(600),
            Duration::from_millis(300),
        )
    });
    let ids = submit(project.path(), &server);
    // Not final yet: nothing lands, nothing fails.
    let early = run_json(batch(project.path(), &["collect"]));
    assert_eq!(early.code, Some(0), "{}", early.stderr);
    assert!(of_kind(&early.events, "job_succeeded").is_empty());
    assert_eq!(of_kind(&early.events, "batch_collected")[0]["pending"], 4);
    assert!(!project.path().join("f00.go.assistant").exists());

    let done = run_json(batch(
        project.path(),
        &["collect", ids[0].as_str(), "--wait"],
    ));
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(of_kind(&done.events, "job_succeeded").len(), 4);
    for i in 0..4 {
        let sidecar =
            fs::read_to_string(project.path().join(format!("f{i:02}.go.assistant"))).unwrap();
        assert!(
            sidecar.contains(&format!("func Stub{i}() error")),
            "{sidecar}"
        );
        assert!(sidecar.contains("return nil"));
    }
}

#[test]
fn each_job_ends_in_exactly_one_state_when_lines_go_missing_twice_or_wrong() {
    let project = go_project(5);
    let server = FakeBatch::start(Plan {
        missing: vec!["j00001".into()],
        duplicated: vec!["j00002".into()],
        line_errors: vec!["j00003".into()],
        error_file: vec!["j00004".into()],
        malformed_lines: 1,
        ..answering()
    });
    let ids = submit(project.path(), &server);
    let ran = run_json(batch(project.path(), &["collect", "--wait"]));
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    let succeeded = of_kind(&ran.events, "job_succeeded");
    let failed = of_kind(&ran.events, "job_failed");
    let files = |list: &[&Value]| {
        let mut files: Vec<String> = list
            .iter()
            .map(|e| e["file"].as_str().unwrap().to_string())
            .collect();
        files.sort();
        files
    };
    assert_eq!(files(&succeeded), ["f00.go", "f02.go"]);
    assert_eq!(files(&failed), ["f01.go", "f03.go", "f04.go"]);
    assert!(
        failed.iter().all(|e| e["batch"] == ids[0].as_str()),
        "{failed:?}"
    );
    let missing = failed.iter().find(|e| e["file"] == "f01.go").unwrap();
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .contains("without an answer"),
        "{missing}"
    );
    // The duplicate's second line (`DUPLICATE`) lost to the first.
    assert!(fs::read_to_string(project.path().join("f02.go.assistant"))
        .unwrap()
        .contains("return nil"));
    let summary = of_kind(&ran.events, "summary")[0];
    assert_eq!(
        (summary["succeeded"].as_u64(), summary["failed"].as_u64()),
        (Some(2), Some(3))
    );
}

#[test]
fn expired_and_failed_batches_fail_only_what_they_did_not_answer() {
    let project = go_project(4);
    let server = FakeBatch::start(Plan {
        fate: Fate::Expire { answered: 2 },
        ..answering()
    });
    submit(project.path(), &server);
    let ran = run_json(batch(project.path(), &["collect", "--wait"]));
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert_eq!(of_kind(&ran.events, "job_succeeded").len(), 2);
    assert_eq!(of_kind(&ran.events, "job_failed").len(), 2);
    assert!(project.path().join("f01.go.assistant").exists());
    assert!(!project.path().join("f02.go.assistant").exists());

    let project = go_project(2);
    server.set_plan(Plan {
        fate: Fate::Fail(vec!["line 1: bad model".into()]),
        ..answering()
    });
    submit(project.path(), &server);
    let ran = run_json(batch(project.path(), &["collect", "--wait"]));
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    let failed = of_kind(&ran.events, "job_failed");
    assert_eq!(failed.len(), 2);
    assert!(
        failed[0]["error"].as_str().unwrap().contains("failed"),
        "{failed:?}"
    );
}

#[test]
fn a_429_on_upload_is_waited_out() {
    let project = go_project(2);
    let server = FakeBatch::start(answering());
    server.rate_limit_uploads(1);
    submit(project.path(), &server);
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses[0], 429, "{statuses:?}");
    batch(project.path(), &["collect", "--wait"])
        .assert()
        .success();
}

#[test]
fn a_source_changed_since_submission_gets_no_sidecar() {
    let project = go_project(2);
    let server = FakeBatch::start(answering());
    submit(project.path(), &server);
    let changed = project.path().join("f00.go");
    fs::write(
        &changed,
        fs::read_to_string(&changed).unwrap() + "\n// edited\n",
    )
    .unwrap();
    let ran = run_json(batch(project.path(), &["collect", "--wait"]));
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    let failed = of_kind(&ran.events, "job_failed");
    assert_eq!(failed.len(), 1);
    let error = failed[0]["error"].as_str().unwrap();
    assert!(
        error.contains("changed since the batch was submitted"),
        "{error}"
    );
    assert!(!project.path().join("f00.go.assistant").exists());
    assert!(
        fs::read_to_string(project.path().join("f00.go.assistant.rejected"))
            .unwrap()
            .contains("return nil")
    );
    assert!(project.path().join("f01.go.assistant").exists());
}

#[test]
fn collecting_twice_is_harmless() {
    let project = go_project(3);
    let server = FakeBatch::start(answering());
    let ids = submit(project.path(), &server);
    batch(project.path(), &["collect", "--wait"])
        .assert()
        .success();
    let sidecar = fs::read(project.path().join("f00.go.assistant")).unwrap();
    let downloads = server.requests().len();

    let again = run_json(batch(project.path(), &["collect", ids[0].as_str()]));
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    let already = of_kind(&again.events, "already_collected");
    assert_eq!(already[0]["landed"], 3, "{:?}", again.events);
    assert!(of_kind(&again.events, "job_succeeded").is_empty());
    let none = run_json(batch(project.path(), &["collect"]));
    assert_eq!(none.code, Some(0));
    assert_eq!(of_kind(&none.events, "nothing_to_collect").len(), 1);
    assert_eq!(
        server.requests().len(),
        downloads,
        "no request for a collected batch"
    );
    assert_eq!(
        fs::read(project.path().join("f00.go.assistant")).unwrap(),
        sidecar
    );
}

#[test]
fn an_answer_failing_the_check_goes_back_in_a_repair_batch() {
    let project = go_project(2);
    let server = FakeBatch::start(Plan::new(|id, body| {
        if id == "j00000" {
            "no code here".to_string()
        } else {
            good_answer(stub_of(body))
        }
    }));
    submit(project.path(), &server);
    let ran = run_json(batch(project.path(), &["collect", "--wait"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let resubmitted = of_kind(&ran.events, "job_resubmitted");
    assert_eq!(resubmitted.len(), 1, "{:?}", ran.events);
    let ids = server.batch_ids();
    assert_eq!(ids.len(), 2);
    assert_eq!(server.custom_ids(&ids[1]), ["j00000.r1"]);
    // The repair request is the conversation: system, user, the answer, the problems.
    let messages = server.bodies(&ids[1])[0]["messages"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[2]["content"], "no code here");
    assert_eq!(of_kind(&ran.events, "job_succeeded").len(), 2);
    let repaired = of_kind(&ran.events, "job_succeeded")
        .into_iter()
        .find(|e| e["file"] == "f00.go")
        .unwrap();
    assert_eq!(repaired["repair_rounds"], 1);
    assert_eq!(repaired["batch"], ids[1].as_str());
    assert!(project.path().join("f00.go.assistant").exists());
}

#[test]
fn repair_now_streams_the_repair_at_once() {
    let project = go_project(1);
    let server = FakeBatch::start(Plan::new(|_, _| "no code here".to_string()));
    let llm = fake_llm::FakeLlm::start(fake_llm::Script::new(fake_llm::Behaviour::answer(
        &good_answer(0),
    )));
    submit(project.path(), &server);
    let ran = run_json(batch(
        project.path(),
        &[
            "collect",
            "--wait",
            "--repair-now",
            "--base-url",
            &llm.base_url(),
        ],
    ));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(server.batch_ids().len(), 1, "no repair batch");
    let requests = llm.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body["messages"].as_array().unwrap().len(), 4);
    assert!(requests.iter().all(|r| !r.body.to_string().contains(KEY)));
    let succeeded = of_kind(&ran.events, "job_succeeded");
    assert_eq!(succeeded[0]["repair_rounds"], 1);
    assert_eq!(succeeded[0]["attempts"], 2);
}

#[test]
fn gemini_batches_collect_too_and_ollama_has_none() {
    let project = go_project(2);
    let server = FakeBatch::start(Plan {
        gemini_file_output: true,
        ..answering()
    });
    let mut cmd = assistant(project.path());
    cmd.args(["generate", "--batch", "--type", "gemini", "--verify", "off"])
        .args(["--base-url", &server.gemini_base_url(), "--api-key", KEY])
        .assert()
        .success();
    let ran = run_json(batch(project.path(), &["collect", "--wait"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(of_kind(&ran.events, "job_succeeded").len(), 2);

    let project = go_project(1);
    assistant(project.path())
        .args(["generate", "--batch", "--type", "ollama"])
        .assert()
        .code(2);
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_collect_wait_loses_nothing() {
    let project = go_project(3);
    let server = FakeBatch::start(answering().timing(
        Duration::ZERO,
        Duration::from_millis(2500),
        Duration::ZERO,
    ));
    submit(project.path(), &server);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("assistant"))
        .current_dir(project.path())
        .args([
            "batch",
            "collect",
            "--wait",
            "--format",
            "json",
            "--api-key",
            KEY,
        ])
        .env("ASSISTANT_BATCH_POLL_MS", "100")
        .envs(project::user_env())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The state is whole and still waits; a later collect finishes the job.
    let states: Vec<_> = files_under(&project.path().join(".assistant/batches"));
    for state in &states {
        serde_json::from_str::<Value>(&fs::read_to_string(state).unwrap()).unwrap();
    }
    assert!(!project.path().join("f00.go.assistant").exists());
    let ran = run_json(batch(project.path(), &["collect", "--wait"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(of_kind(&ran.events, "job_succeeded").len(), 3);
}
