//! Batch mode on real projects, through the real binary against the fake batch API: `generate --batch`
//! on a file, a folder, `folder/../` or from inside a subfolder (the state goes to the project root
//! and `batch` commands find it from anywhere in the project); a second submission while the first is
//! pending bills nothing twice; a bad state file hides no other batch; and the `batch` commands take
//! the flags of the `generate` that submitted.

#[path = "support/fake_batch.rs"]
mod fake_batch;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use fake_batch::{FakeBatch, Plan};
use project::{assistant, events, manifest_dir};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-batch-cli-0x5EED";

/// The reference answer of the store example's handler the request is about.
fn store_answer(body: &Value) -> String {
    let body = body.to_string();
    let name = if body.contains("internal/handler/coupon.go") {
        "internal_handler_coupon.go.md"
    } else if body.contains("internal/handler/order.go") {
        "internal_handler_order.go.md"
    } else {
        return String::new();
    };
    fs::read_to_string(
        manifest_dir()
            .join("tests/fixtures/answers/store")
            .join(name),
    )
    .unwrap()
}

fn store_server() -> FakeBatch {
    FakeBatch::start(Plan::new(|_, body| store_answer(body)))
}

/// A project of `n` files with one stub each.
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

/// A batch that stays `in_progress` for the whole test.
fn slow_server() -> FakeBatch {
    FakeBatch::start(Plan::new(|_, _| String::new()).timing(
        std::time::Duration::ZERO,
        std::time::Duration::from_secs(600),
        std::time::Duration::ZERO,
    ))
}

/// `generate --batch PATHS…` run in `dir`.
fn submit_in(dir: &Path, server: &FakeBatch, paths: &[&str]) -> Command {
    let mut cmd = assistant(dir);
    cmd.args(["generate", "--batch", "--type", "openai", "--verify", "off"])
        .args(["--base-url", &server.base_url(), "--api-key", KEY])
        .args(paths);
    cmd
}

fn batch_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = assistant(dir);
    cmd.arg("batch")
        .args(args)
        .args(["--api-key", KEY])
        .env("ASSISTANT_BATCH_POLL_MS", "40");
    cmd
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn state_files(root: &Path) -> Vec<String> {
    match fs::read_dir(root.join(".assistant/batches")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| !name.ends_with(".prompts.json"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn batch_mode_works_on_a_file_a_folder_dot_dot_and_from_a_subfolder() {
    // (folder run in, paths named): each as a new user would type it.
    let cases: [(&str, &[&str]); 4] = [
        (".", &["internal/handler/coupon.go"]),
        (".", &["internal/handler"]),
        ("internal/handler", &[]),
        (".", &["internal/handler/../"]),
    ];
    for (run_in, paths) in cases {
        let project = project::example_copy("store");
        let server = store_server();
        let output = submit_in(&project.path().join(run_in), &server, paths)
            .output()
            .unwrap();
        let stderr = stderr_of(&output);
        assert!(output.status.success(), "{run_in} {paths:?}: {stderr}");
        assert_eq!(server.batch_ids().len(), 1, "{run_in} {paths:?}");
        // The state is at the project root (where go.mod is), whatever was named.
        assert_eq!(state_files(project.path()).len(), 1, "{run_in} {paths:?}");
        assert!(!project.path().join("internal/handler/.assistant").exists());

        // Collected from the subfolder, the sidecars land, the dao's too.
        let collected = batch_in(
            &project.path().join("internal/handler"),
            &["collect", "--wait"],
        )
        .output()
        .unwrap();
        assert!(
            collected.status.success(),
            "{run_in} {paths:?}: {}",
            stderr_of(&collected)
        );
        assert!(project
            .path()
            .join("internal/handler/coupon.go.assistant")
            .exists());
        assert!(project
            .path()
            .join("internal/dao/coupon.go.assistant")
            .exists());
    }
}

#[test]
fn a_second_submission_while_the_first_is_pending_bills_nothing_twice() {
    let project = go_project(3);
    let server = slow_server();
    submit_in(project.path(), &server, &[]).assert().success();
    let first = server.batch_ids();
    assert_eq!(first.len(), 1);

    // Again, on the same unchanged sources: nothing is submitted, the pending batch is named.
    let again = submit_in(project.path(), &server, &[]).output().unwrap();
    let stderr = stderr_of(&again);
    assert!(again.status.success(), "{stderr}");
    assert_eq!(server.batch_ids(), first, "submitted twice");
    assert!(
        again.stdout.is_empty(),
        "no batch id printed: nothing was submitted"
    );
    assert!(stderr.contains(&first[0]), "{stderr}");
    assert!(stderr.contains("assistant batch status"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");

    // From a subfolder naming one file, in JSON: the same.
    let json = submit_in(project.path(), &server, &["f01.go", "--format", "json"])
        .output()
        .unwrap();
    assert!(json.status.success(), "{}", stderr_of(&json));
    let event = &events(&json.stdout)[0];
    assert_eq!(event["jobs"], 0);
    assert_eq!(event["already_pending"][0], first[0].as_str());
    assert_eq!(server.batch_ids(), first);

    // A changed file is a new job: only it goes.
    let changed = project.path().join("f02.go");
    fs::write(
        &changed,
        fs::read_to_string(&changed).unwrap() + "\n// edited\n",
    )
    .unwrap();
    submit_in(project.path(), &server, &[]).assert().success();
    let ids = server.batch_ids();
    assert_eq!(ids.len(), 2);
    assert_eq!(server.custom_ids(&ids[1]).len(), 1);

    // --force submits anyway.
    submit_in(project.path(), &server, &["--force"])
        .assert()
        .success();
    let ids = server.batch_ids();
    assert_eq!(ids.len(), 3);
    assert_eq!(server.custom_ids(&ids[2]).len(), 3);
}

#[test]
fn a_bad_state_file_is_skipped_with_a_warning_and_the_others_work() {
    let project = go_project(2);
    let server = FakeBatch::start(Plan::new(|_, body| {
        let i = (0..10)
            .find(|i| body.to_string().contains(&format!("func Stub{i}() error")))
            .unwrap_or(0);
        format!("```go\npackage p\n\n// Stub{i} returns nil.\nfunc Stub{i}() error {{\n\treturn nil\n}}\n```\n")
    }));
    let output = submit_in(project.path(), &server, &[]).output().unwrap();
    let id = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let states = project.path().join(".assistant/batches");
    fs::write(states.join("broken.json"), "{ not json").unwrap();
    fs::write(states.join("empty.json"), "").unwrap();

    let status = batch_in(project.path(), &["status"]).output().unwrap();
    let stderr = stderr_of(&status);
    assert!(status.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&status.stdout).contains(&id));
    assert!(
        stderr.contains("broken.json") && stderr.contains("empty.json"),
        "{stderr}"
    );
    assert!(stderr.contains("warning"), "{stderr}");

    let collect = batch_in(project.path(), &["collect", &id, "--wait"])
        .output()
        .unwrap();
    assert!(collect.status.success(), "{}", stderr_of(&collect));
    assert!(project.path().join("f00.go.assistant").exists());
    assert!(project.path().join("f01.go.assistant").exists());
}

#[test]
fn batch_commands_take_the_flags_of_the_generate_that_submitted() {
    let project = go_project(1);
    let server = slow_server();
    let base_url = server.base_url();
    submit_in(project.path(), &server, &["--model", "test-model"])
        .assert()
        .success();
    let same = [
        "--type",
        "openai",
        "--model",
        "test-model",
        "--base-url",
        base_url.as_str(),
    ];
    for command in ["status", "collect"] {
        let mut args = vec![command];
        args.extend(same);
        let ran = batch_in(project.path(), &args).output().unwrap();
        assert!(ran.status.success(), "{command}: {}", stderr_of(&ran));
    }

    let other_url = "http://127.0.0.1:9/v1";
    let wrong: [(&[&str], &str, &str); 3] = [
        (&["--model", "other-model"], "other-model", "test-model"),
        (&["--type", "gemini"], "gemini", "openai"),
        (&["--base-url", other_url], other_url, base_url.as_str()),
    ];
    for command in ["status", "collect", "cancel"] {
        for (flags, given, recorded) in wrong {
            let mut args = vec![command];
            args.extend(flags);
            let ran = batch_in(project.path(), &args).output().unwrap();
            let stderr = stderr_of(&ran);
            assert_eq!(ran.status.code(), Some(2), "{command} {flags:?}: {stderr}");
            assert!(
                stderr.contains(given) && stderr.contains(recorded),
                "{stderr}"
            );
        }
    }
    // Under --repair-now, --base-url keeps its meaning: where the repairs stream to.
    batch_in(
        project.path(),
        &["collect", "--repair-now", "--base-url", other_url],
    )
    .assert()
    .success();
}

#[test]
fn a_base_url_query_string_ends_every_batch_request_url() {
    for (kind, gemini) in [("openai", false), ("gemini", true)] {
        let project = go_project(2);
        let server = FakeBatch::start(Plan {
            gemini_file_output: gemini,
            ..Plan::new(|_, body| {
                let i = (0..10)
                    .find(|i| body.to_string().contains(&format!("func Stub{i}() error")))
                    .unwrap_or(0);
                format!("```go\npackage p\n\n// Stub{i} returns nil.\nfunc Stub{i}() error {{\n\treturn nil\n}}\n```\n")
            })
        });
        let base = if gemini {
            server.gemini_base_url()
        } else {
            server.base_url()
        };
        let base = format!("{base}?api-version=2024-10-21");
        let mut cmd = assistant(project.path());
        cmd.args(["generate", "--batch", "--type", kind, "--verify", "off"])
            .args(["--base-url", &base, "--api-key", KEY])
            .assert()
            .success();
        batch_in(project.path(), &["collect", "--wait"])
            .assert()
            .success();
        assert!(project.path().join("f01.go.assistant").exists(), "{kind}");
        let requests = server.requests();
        assert!(requests.len() >= 3, "{kind}: {requests:?}");
        for request in requests {
            assert!(
                request.path.ends_with("api-version=2024-10-21"),
                "{kind}: {}",
                request.path
            );
        }
    }
}

#[test]
fn a_rust_crate_submitted_from_its_src_folder_keeps_its_state_at_the_crate_root() {
    let project = project::example_copy("rust-service");
    let server = slow_server();
    for paths in [&[][..], &["store.rs"][..]] {
        let output = submit_in(&project.path().join("src"), &server, paths)
            .arg("--force")
            .output()
            .unwrap();
        assert!(output.status.success(), "{paths:?}: {}", stderr_of(&output));
    }
    assert_eq!(server.batch_ids().len(), 2);
    assert_eq!(state_files(project.path()).len(), 2);
    assert!(!project.path().join("src/.assistant").exists());
    batch_in(&project.path().join("src"), &["status"])
        .assert()
        .success();
}

/// A folder of Go modules (`a/go.mod`, `b/go.mod`): each module's files have their own project root.
fn two_modules() -> TempDir {
    let dir = TempDir::new().unwrap();
    for m in ["a", "b"] {
        fs::create_dir_all(dir.path().join(m)).unwrap();
        fs::write(
            dir.path().join(m).join("go.mod"),
            format!("module example.com/{m}\n\ngo 1.21\n"),
        )
        .unwrap();
        fs::write(
            dir.path().join(m).join("f.go"),
            "package p\n\n// F returns nil.\nfunc F() error {\n\tpanic(\"implement me\")\n}\n",
        )
        .unwrap();
    }
    dir
}

#[test]
fn a_job_pending_under_another_root_is_not_billed_twice() {
    // One module first (its state in a/.assistant), then the folder holding both (state in
    // ./.assistant): a/f.go is already on its way.
    let project = two_modules();
    let server = slow_server();
    submit_in(project.path(), &server, &["a"])
        .assert()
        .success();
    let first = server.batch_ids();
    let both = submit_in(project.path(), &server, &[]).output().unwrap();
    assert!(both.status.success(), "{}", stderr_of(&both));
    let ids = server.batch_ids();
    assert_eq!(ids.len(), 2);
    assert_eq!(server.custom_ids(&ids[1]).len(), 1, "a/f.go billed twice");
    assert!(stderr_of(&both).contains(&first[0]), "{}", stderr_of(&both));
    // `batch status` here would not find a's batch: the message says where it is.
    assert!(
        stderr_of(&both).contains("`assistant batch status --dir a`"),
        "{}",
        stderr_of(&both)
    );

    // The other way round: the whole folder first, then one module: nothing new.
    let project = two_modules();
    let server = slow_server();
    submit_in(project.path(), &server, &[]).assert().success();
    submit_in(project.path(), &server, &["b"])
        .assert()
        .success();
    assert_eq!(server.batch_ids().len(), 1, "b/f.go billed twice");
}

/// A file whose name is not UTF-8 cannot be named in a batch's state (names are text there): it is
/// not submitted (nobody pays for an answer that could never land), said with a warning naming it,
/// and the run reports the failure; the other files go.
#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_not_billed_for_nothing() {
    use std::os::unix::ffi::OsStrExt;
    let project = go_project(1);
    let odd = project
        .path()
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9.go"));
    fs::write(
        &odd,
        "package p\n\n// Odd returns nil.\nfunc Odd() error {\n\tpanic(\"implement me\")\n}\n",
    )
    .unwrap();
    let server = slow_server();
    let output = submit_in(project.path(), &server, &[]).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let ids = server.batch_ids();
    assert_eq!(ids.len(), 1, "{stderr}");
    assert_eq!(server.custom_ids(&ids[0]).len(), 1, "{stderr}");
    assert!(
        stderr.contains("caf") && stderr.contains("not UTF-8") && stderr.contains("not submitted"),
        "{stderr}"
    );
}

#[test]
fn after_a_cancel_the_message_says_to_collect_before_submitting_again() {
    let project = go_project(1);
    let server = slow_server();
    submit_in(project.path(), &server, &[]).assert().success();
    let first = server.batch_ids();
    batch_in(project.path(), &["cancel"])
        .args(["--base-url", &server.base_url()])
        .assert()
        .success();
    // Its job is not on the way any more: the user is told what frees it, not that it is pending.
    let again = submit_in(project.path(), &server, &[]).output().unwrap();
    let stderr = stderr_of(&again);
    assert!(again.status.success(), "{stderr}");
    assert_eq!(server.batch_ids(), first, "{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    assert!(stderr.contains("assistant batch collect"), "{stderr}");
    assert!(!stderr.contains("already pending"), "{stderr}");
    // Collected (nothing answered), the job goes again.
    batch_in(project.path(), &["collect"])
        .args(["--base-url", &server.base_url()])
        .assert()
        .code(1);
    submit_in(project.path(), &server, &[]).assert().success();
    assert_eq!(server.batch_ids().len(), 2);
}

/// `link/..` where `link` is a symbolic link names the folder above the link's target, as the shell
/// and the system see it (not the folder holding the link): `scan` finds its stubs, and a batch on it
/// lands the answers in the files that were asked about.
#[cfg(unix)]
#[test]
fn a_dot_dot_after_a_symbolic_link_is_the_systems() {
    let project = go_project(1);
    fs::create_dir(project.path().join("deep")).unwrap();
    let elsewhere = TempDir::new().unwrap();
    std::os::unix::fs::symlink(project.path().join("deep"), elsewhere.path().join("link")).unwrap();

    assistant(elsewhere.path())
        .args(["scan", "--check", "link/.."])
        .assert()
        .code(1);

    let server = FakeBatch::start(Plan::new(|_, _| {
        "```go\npackage p\n\n// Stub0 returns nil.\nfunc Stub0() error {\n\treturn nil\n}\n```\n"
            .into()
    }));
    let submitted = submit_in(elsewhere.path(), &server, &["link/.."])
        .output()
        .unwrap();
    assert!(submitted.status.success(), "{}", stderr_of(&submitted));
    let root = project.path().to_str().unwrap();
    batch_in(elsewhere.path(), &["collect", "--wait", "--dir", root])
        .assert()
        .success();
    assert!(project.path().join("f00.go.assistant").exists());
}

#[test]
fn nothing_to_submit_is_still_one_json_event() {
    let project = go_project(1);
    let server = slow_server();
    fs::write(project.path().join("f00.go"), "package p\n").unwrap();
    let output = submit_in(project.path(), &server, &["--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let events = events(&output.stdout);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["event"], "batch_submitted");
    assert_eq!(events[0]["jobs"], 0);
    assert!(server.batch_ids().is_empty());
}

#[test]
fn quiet_cancel_prints_only_its_result() {
    let project = go_project(1);
    let server = slow_server();
    submit_in(project.path(), &server, &[]).assert().success();
    let output = batch_in(project.path(), &["cancel", "-q"])
        .args(["--base-url", &server.base_url()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(!output.stdout.is_empty());
    assert_eq!(stderr_of(&output), "");
}
