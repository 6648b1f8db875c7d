//! `assistant generate` and `assistant models` through the real binary, against the fake LLM server.

#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use fake_llm::{Behaviour, FakeLlm, Script};
use predicates::prelude::*;
use project::{assistant, events, files_under, manifest_dir};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-must-not-leak-0xC0FFEE";

fn reference_answer(name: &str) -> String {
    fs::read_to_string(
        manifest_dir()
            .join("tests/fixtures/answers/store")
            .join(name),
    )
    .unwrap()
}

/// Answers each handler file's job with the reference answer for that file.
fn answering_server() -> FakeLlm {
    FakeLlm::start(Script::new(Behaviour::Empty).pick(answer_for))
}

fn answer_for(request: &fake_llm::Recorded) -> Option<Behaviour> {
    let body = request.body.to_string();
    let name = if body.contains("internal/handler/coupon.go") {
        "internal_handler_coupon.go.md"
    } else if body.contains("internal/handler/order.go") {
        "internal_handler_order.go.md"
    } else {
        return None;
    };
    Some(Behaviour::answer(&reference_answer(name)))
}

fn generate(dir: &Path, server: &FakeLlm) -> Command {
    project::generate(dir, &server.base_url(), KEY)
}

fn assert_key_absent(dir: &Path, outputs: &[&[u8]]) {
    for output in outputs {
        assert!(
            !String::from_utf8_lossy(output).contains(KEY),
            "key leaked to output"
        );
    }
    for file in files_under(dir) {
        let bytes = fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(KEY),
            "key leaked into {}",
            file.display()
        );
    }
}

#[test]
fn a_missing_key_is_a_usage_error_before_any_request() {
    let project = project::example_copy("store");
    let server = answering_server();
    assistant(project.path())
        .args(["generate", "--type", "deepseek", "--base-url"])
        .arg(server.base_url())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("DEEPSEEK_API_KEY"));
    assert_eq!(server.request_count(), 0);
}

#[test]
fn the_key_may_come_from_the_environment() {
    let project = project::example_copy("store");
    let server = answering_server();
    assistant(project.path())
        .args(["generate", "--type", "openai", "--base-url"])
        .arg(server.base_url())
        .env("ASSISTANT_API_KEY", KEY)
        .assert()
        .success();
    let requests = server.requests();
    assert!(!requests.is_empty());
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[test]
fn only_print_prompt_needs_no_key_and_shows_what_a_senior_engineer_would_look_at() {
    let output = assistant(manifest_dir())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--only-print-prompt",
            "--lang",
            "en",
            "--file",
            "examples/store/internal/handler/coupon.go",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(
        out.starts_with("=== job 1/1: examples/store/internal/handler/coupon.go\n"),
        "{out}"
    );
    for expected in [
        // The stubs, with their hint code.
        "func (h *couponHandler) RedeemCoupon(",
        "// fill in the business logic code here",
        // The rpc comment and HTTP rule from the .proto.
        "rpc `RedeemCoupon` of service `coupon`",
        "POST /api/v1/coupon/redeem",
        // Request fields with their comments.
        "message RedeemCouponRequest {",
        // The dao methods to reuse and the model.
        "Existing `CouponDao` methods",
        "GetByID",
        "### Model: internal/model/coupon.go",
        "type Coupon struct",
        "### Error codes: internal/ecode/coupon_http.go",
        "// file: internal/handler/coupon.go",
        "// file: internal/dao/coupon.go",
    ] {
        assert!(out.contains(expected), "prompt lacks {expected:?}");
    }
    assert!(out.contains("dropped for the budget: nothing"));
}

#[test]
fn chinese_comments_get_the_chinese_prompt_unless_lang_says_otherwise() {
    let run = |extra: &[&str]| {
        let output = assistant(manifest_dir())
            .args([
                "generate",
                "--type",
                "gemini",
                "--dry-run",
                "--format",
                "json",
            ])
            .args(extra)
            .arg("examples/store/internal/handler/coupon.go")
            .output()
            .unwrap();
        assert!(output.status.success());
        events(&output.stdout).remove(0)
    };
    let auto = run(&[]);
    assert_eq!(auto["lang"], "zh");
    assert!(auto["system"].as_str().unwrap().contains("资深 Go 工程师"));
    assert!(auto["user"].as_str().unwrap().contains("## 需要实现"));
    assert_eq!(run(&["--lang", "en"])["lang"], "en");
}

#[test]
fn a_tight_budget_drops_context_in_order_but_never_the_stubs() {
    let output = assistant(manifest_dir())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--dry-run",
            "--format",
            "json",
        ])
        .args([
            "--max-context-tokens",
            "1500",
            "examples/store/internal/handler/order.go",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let prompts = events(&output.stdout);
    assert_eq!(prompts.len(), 1);
    let dropped: Vec<&str> = prompts[0]["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        dropped,
        [
            "error codes",
            "model",
            "nested proto messages",
            "dao outline",
            "other functions' signatures"
        ]
    );
    let user = prompts[0]["user"].as_str().unwrap();
    for stub in ["CancelOrder(", "PayOrder(", "ShipOrder("] {
        assert!(user.contains(stub), "{stub} dropped");
    }
}

#[test]
fn line_picks_the_stub_under_the_cursor() {
    let file = "examples/store/internal/handler/coupon.go";
    let source = fs::read_to_string(manifest_dir().join(file)).unwrap();
    let line = source
        .lines()
        .position(|l| l.contains(") IssueCoupon("))
        .unwrap()
        + 1;
    let output = assistant(manifest_dir())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--dry-run",
            "--file",
            file,
            "--line",
        ])
        .arg(line.to_string())
        .output()
        .unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(out.contains("stubs: couponHandler.IssueCoupon\n"), "{out}");
    assistant(manifest_dir())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--dry-run",
            "--file",
            file,
            "--line",
            "1",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no stub at line 1"));
}

#[test]
fn generate_writes_checked_sidecars_and_reports_json_events() {
    let project = project::example_copy("store");
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
    assert_eq!(succeeded.len(), 2, "{events:?}");
    let coupon = succeeded
        .iter()
        .find(|e| e["file"] == "internal/handler/coupon.go")
        .unwrap();
    assert_eq!(coupon["sidecar"], "internal/handler/coupon.go.assistant");
    assert_eq!(coupon["attempts"], 1);
    assert!(coupon["prompt_tokens"].as_u64().unwrap() > 0);
    let summary = events.last().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["succeeded"], 2);
    assert_eq!(summary["failed"], 0);

    for sidecar in [
        "internal/handler/coupon.go.assistant",
        "internal/handler/order.go.assistant",
        "internal/dao/coupon.go.assistant",
        "internal/dao/order.go.assistant",
    ] {
        let text = fs::read_to_string(project.path().join(sidecar))
            .unwrap_or_else(|e| panic!("{sidecar}: {e}"));
        assert!(text.contains("source-sha256"), "{sidecar} has no hash");
    }
    let coupon =
        fs::read_to_string(project.path().join("internal/handler/coupon.go.assistant")).unwrap();
    assert!(coupon.contains("func (h *couponHandler) RedeemCoupon("));
    assert!(!coupon.contains("panic(\"implement me\")"));
    // Sources untouched.
    for file in ["internal/handler/coupon.go", "internal/dao/coupon.go"] {
        assert_eq!(
            fs::read(project.path().join(file)).unwrap(),
            fs::read(manifest_dir().join("examples/store").join(file)).unwrap()
        );
    }
    assert_key_absent(project.path(), &[&output.stdout, &output.stderr]);

    // A second run finds the sidecars fresh and sends nothing.
    let before = server.request_count();
    generate(project.path(), &server)
        .assert()
        .success()
        .stderr(predicate::str::contains("its sidecar is fresh"));
    assert_eq!(server.request_count(), before);
    // --force asks again.
    generate(project.path(), &server)
        .arg("--force")
        .assert()
        .success();
    assert_eq!(server.request_count(), before + 2);
}

/// `generate --format json --force` of the store example against `server` as `kind`: the exit code,
/// the events, and stderr for assertion messages.
fn json_events(project: &Path, server: &FakeLlm, kind: &str) -> (i32, Vec<Value>, String) {
    let base = if kind == "gemini" {
        server.gemini_base_url()
    } else {
        server.base_url()
    };
    let output = assistant(project)
        .args([
            "generate",
            "--type",
            kind,
            "--base-url",
            &base,
            "--api-key",
            KEY,
        ])
        .args(["--format", "json", "--force"])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        events(&output.stdout),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn cached_prompt_tokens_reach_each_job_and_the_summary_for_every_protocol() {
    let project = project::example_copy("store");
    // DeepSeek reports `prompt_cache_hit_tokens`, OpenAI `prompt_tokens_details.cached_tokens`,
    // Gemini `cachedContentTokenCount`.
    for (kind, deepseek_usage, cached) in [
        ("deepseek", true, 448),
        ("openai", false, 1024),
        ("gemini", false, 512),
    ] {
        let server = FakeLlm::start(Script::new(Behaviour::Empty).pick(move |request| {
            match answer_for(request)? {
                Behaviour::Answer(reply) => Some(Behaviour::Answer(fake_llm::Reply {
                    cached_tokens: cached,
                    deepseek_usage,
                    ..reply
                })),
                other => Some(other),
            }
        }));
        let (code, events, stderr) = json_events(project.path(), &server, kind);
        assert_eq!(code, 0, "{kind}: {stderr}");
        let succeeded: Vec<&Value> = events
            .iter()
            .filter(|e| e["event"] == "job_succeeded")
            .collect();
        assert_eq!(succeeded.len(), 2, "{kind}: {events:?}");
        for job in &succeeded {
            assert_eq!(job["cached_tokens"], cached, "{kind}: {job}");
        }
        let summary = events.last().unwrap();
        assert_eq!(summary["event"], "summary");
        assert_eq!(summary["cached_tokens"], 2 * cached, "{kind}: {summary}");
    }
}

#[test]
fn tokens_of_cut_off_answers_are_reported_on_the_failed_job_and_in_the_summary() {
    let project = project::example_copy("store");
    for kind in ["deepseek", "gemini"] {
        let server = FakeLlm::start(Behaviour::CutOff);
        let (code, events, stderr) = json_events(project.path(), &server, kind);
        assert_eq!(code, 1, "{kind}: {stderr}");
        let failed: Vec<&Value> = events
            .iter()
            .filter(|e| e["event"] == "job_failed")
            .collect();
        assert_eq!(failed.len(), 2, "{kind}: {events:?}");
        let (mut prompt, mut completion) = (0, 0);
        for job in &failed {
            let error = job["error"].as_str().unwrap_or_default();
            assert!(error.contains("cut off"), "{kind}: {error}");
            let job_prompt = job["prompt_tokens"].as_u64().unwrap_or(0);
            assert!(job_prompt > 0, "{kind}: {job}");
            // The fake server sends the cut-off text in three chunks, one token each.
            assert_eq!(job["completion_tokens"], 3, "{kind}: {job}");
            assert_eq!(job["cached_tokens"], 0, "{kind}: {job}");
            prompt += job_prompt;
            completion += 3;
        }
        let summary = events.last().unwrap();
        assert_eq!(summary["event"], "summary");
        assert_eq!(summary["failed"], 2);
        assert_eq!(summary["prompt_tokens"], prompt, "{kind}: {summary}");
        assert_eq!(
            summary["completion_tokens"], completion,
            "{kind}: {summary}"
        );
    }
}

#[test]
fn passing_failures_are_retried_and_the_jobs_succeed() {
    let project = project::example_copy("store");
    let server = FakeLlm::start(
        Script::new(Behaviour::Empty)
            .first([
                Behaviour::ServerError(503),
                Behaviour::RateLimited(Some(Duration::from_secs(1))),
                Behaviour::DropMidStream,
            ])
            .pick(answer_for),
    );
    let output = generate(project.path(), &server)
        .args(["--format", "json", "--concurrency", "1"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = events(&output.stdout);
    let summary = events.last().unwrap();
    assert_eq!(summary["succeeded"], 2);
    assert_eq!(summary["attempts"], 5);
    assert!(events.iter().any(|e| e["event"] == "job_retrying"));
}

#[test]
fn a_bad_answer_gets_its_repair_rounds_then_a_clear_failure() {
    let project = project::example_copy("store");
    let garbage = "Sure! Here is the idea: just check the coupon.";
    let server = FakeLlm::start(Script::new(Behaviour::answer(garbage)).pick(|request| {
        let body = request.body.to_string();
        body.contains("internal/handler/order.go")
            .then(|| answer_for(request))
            .flatten()
    }));
    let output = generate(project.path(), &server)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let events = events(&output.stdout);
    let failed: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "job_failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["file"], "internal/handler/coupon.go");
    let error = failed[0]["error"].as_str().unwrap();
    assert!(error.contains("coupon.go.assistant.rejected"), "{error}");
    assert!(project
        .path()
        .join("internal/handler/coupon.go.assistant.rejected")
        .is_file());
    assert!(!project
        .path()
        .join("internal/handler/coupon.go.assistant")
        .exists());
    assert!(project
        .path()
        .join("internal/handler/order.go.assistant")
        .is_file());
    // Two jobs; the coupon job uses the default two repair rounds.
    let chats: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .collect();
    assert_eq!(chats.len(), 4);
    assert_eq!(failed[0]["repair_rounds"], 2);
    let repair = chats
        .iter()
        .find(|r| r.body["messages"].as_array().unwrap().len() == 4)
        .expect("a repair request");
    assert_eq!(repair.body["messages"][2]["content"], garbage);
}

#[test]
fn fatal_errors_fail_every_job_with_a_message_and_never_show_the_key() {
    let project = project::example_copy("store");
    for (behaviour, message) in [
        (Behaviour::Unauthorized, "key rejected by deepseek"),
        (Behaviour::ModelNotFound, "assistant models"),
        (Behaviour::InsufficientBalance, "insufficient balance"),
    ] {
        let server = FakeLlm::start(behaviour);
        let output = generate(project.path(), &server).output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{stderr}");
        assert!(stderr.contains("0 ok, 2 failed"), "{stderr}");
        assert_key_absent(project.path(), &[&output.stdout, &output.stderr]);
    }
}

#[test]
fn stdout_prints_the_code_and_writes_no_sidecar() {
    let project = project::example_copy("store");
    let server = answering_server();
    let output = generate(project.path(), &server)
        .args(["--stdout", "--file", "internal/handler/order.go"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(out.contains("func (h *orderHandler) CancelOrder("), "{out}");
    assert!(!files_under(project.path())
        .iter()
        .any(|p| p.to_string_lossy().ends_with(".assistant")));
}

#[test]
fn models_lists_what_the_endpoint_offers() {
    let server = answering_server();
    assistant(manifest_dir())
        .args(["models", "--type", "openai", "--api-key", KEY, "--base-url"])
        .arg(server.base_url())
        .assert()
        .success()
        .stdout("fake-coder\nfake-reasoner\n");
    let server = FakeLlm::start(Behaviour::Unauthorized);
    let output = assistant(manifest_dir())
        .args(["models", "--type", "openai", "--api-key", KEY, "--base-url"])
        .arg(server.base_url())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&output.stderr).contains(KEY));
}

/// Issue 5's target: on the example, with a server answering correct code (wrapped in a think block and
/// prose, or bare), generate then merge leaves exactly the expected sources.
#[test]
fn generate_then_merge_gives_the_expected_sources_byte_for_byte() {
    let project = project::example_copy("store");
    let server = FakeLlm::start(Script::new(Behaviour::Empty).pick(|request| {
        let Some(Behaviour::Answer(mut reply)) = answer_for(request) else {
            return None;
        };
        if request.body.to_string().contains("internal/handler/coupon.go") {
            reply.text = format!(
                "<think>\nThe dao needs MarkUsed.\n```go\nfunc wrong() {{}}\n```\n</think>\nHere you go:\n\n{}\nHope this helps.",
                reply.text
            );
        }
        Some(Behaviour::Answer(reply))
    }));
    generate(project.path(), &server).assert().success();
    let backups = TempDir::new().unwrap();
    assistant(project.path())
        .env("TMPDIR", backups.path())
        .args(["merge", "--clean"])
        .env("PATH", "")
        .assert()
        .success();
    let expected_root = manifest_dir().join("tests/fixtures/merged/store");
    for file in [
        "internal/handler/coupon.go",
        "internal/handler/order.go",
        "internal/dao/coupon.go",
        "internal/dao/order.go",
    ] {
        let merged = fs::read_to_string(project.path().join(file)).unwrap();
        let expected = fs::read_to_string(expected_root.join(file)).unwrap();
        assert!(merged == expected, "{file} differs from its expected merge");
    }
    assert!(!files_under(project.path())
        .iter()
        .any(|p| p.to_string_lossy().contains(".assistant")));
    // What was not touched by the answers is byte-for-byte the example.
    for file in ["internal/model/coupon.go", "api/store/v1/coupon.proto"] {
        assert_eq!(
            fs::read(project.path().join(file)).unwrap(),
            fs::read(manifest_dir().join("examples/store").join(file)).unwrap()
        );
    }
}

#[test]
fn very_verbose_traces_the_http_exchange_without_the_key() {
    let project = project::example_copy("store");
    let server = answering_server();
    let output = generate(project.path(), &server)
        .arg("-vv")
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("assistant: http: -> POST http://127.0.0.1:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("/chat/completions (model deepseek-flash, 2 messages"),
        "{stderr}"
    );
    assert!(stderr.contains("assistant: http: <- answer:"), "{stderr}");
    assert!(
        stderr.contains("2 jobs to deepseek (model deepseek-flash)"),
        "{stderr}"
    );
    assert_key_absent(project.path(), &[&output.stdout, &output.stderr]);
}

/// A file split into two jobs whose last job fails still gets the sidecars of the job that worked —
/// the dao's included.
#[test]
fn the_parts_that_worked_are_written_when_a_later_part_fails() {
    let project = project::example_copy("store");
    let server = FakeLlm::start(Script::new(Behaviour::answer("no code, sorry")).first([
        Behaviour::answer(&reference_answer("internal_handler_coupon.go.md")),
    ]));
    let output = generate(project.path(), &server)
        .args([
            "--format",
            "json",
            "--group-size",
            "2",
            "--concurrency",
            "1",
        ])
        .arg("internal/handler/coupon.go")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let events = events(&output.stdout);
    assert_eq!(
        events
            .iter()
            .filter(|e| e["event"] == "job_succeeded")
            .count(),
        1
    );
    assert_eq!(
        events.iter().filter(|e| e["event"] == "job_failed").count(),
        1
    );
    let sidecar =
        assistant::sidecar::read(&project.path().join("internal/handler/coupon.go.assistant"))
            .expect("the first part's sidecar");
    let has = |f: &str| sidecar.functions.iter().any(|g| g == f);
    assert!(has("couponHandler.RedeemCoupon") && has("couponHandler.IssueCoupon"));
    assert!(
        !has("couponHandler.ListCustomerCoupons"),
        "{:?}",
        sidecar.functions
    );
    assert!(project
        .path()
        .join("internal/dao/coupon.go.assistant")
        .is_file());
}
