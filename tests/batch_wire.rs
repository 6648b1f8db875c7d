//! Batch mode's wire against a fake batch API on 127.0.0.1, both protocols: submitting, following a
//! batch through its states, results matched by custom_id whatever their order, missing and
//! duplicate lines, per-line errors, the error file, failed, expired and cancelled batches, 429s on
//! upload, splitting past the limits, and that the key never shows in a request's path, body or
//! other headers, nor in an error.

#[path = "support/fake_batch.rs"]
mod fake_batch;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use assistant::provider::batch::{
    build_batch, build_batch_with, BatchProvider, BatchRequest, BatchResults, BatchState, Limits,
    LineResult,
};
use assistant::provider::{Message, ProviderConfig, ProviderKind, Reason, Thinking, Timeouts};
use fake_batch::{FakeBatch, Fate, Plan};

const KEY: &str = "sk-TESTKEY-must-not-leak-0xBA7C4";

fn config(kind: ProviderKind, server: &FakeBatch) -> ProviderConfig {
    let base_url = if kind == ProviderKind::Gemini {
        server.gemini_base_url()
    } else {
        server.base_url()
    };
    ProviderConfig {
        base_url: Some(base_url),
        api_key: Some(KEY.to_string()),
        model: Some("fake-model".into()),
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            first_byte: Duration::from_secs(3),
            idle: Duration::from_secs(2),
            attempt: Duration::from_secs(10),
        },
        ..ProviderConfig::new(kind)
    }
}

fn batch(kind: ProviderKind, server: &FakeBatch) -> Box<dyn BatchProvider> {
    build_batch(config(kind, server)).expect("batch provider")
}

fn requests(ids: &[&str]) -> Vec<BatchRequest> {
    ids.iter()
        .map(|id| BatchRequest {
            custom_id: id.to_string(),
            messages: vec![
                Message::system("You finish stubs."),
                Message::user(format!("implement {id}")),
            ],
        })
        .collect()
}

/// Polls until the batch ends; the states seen, in order, without repeats.
async fn follow(provider: &dyn BatchProvider, id: &str) -> Vec<BatchState> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen: Vec<BatchState> = Vec::new();
    loop {
        let status = provider.status(id).await.expect("status");
        if seen.last() != Some(&status.state) {
            seen.push(status.state);
        }
        if status.state.is_final() {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "batch {id} never ended: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

fn by_id(results: &BatchResults) -> HashMap<&str, &LineResult> {
    results
        .lines
        .iter()
        .map(|(id, line)| (id.as_str(), line))
        .collect()
}

fn answer_text<'a>(results: &'a HashMap<&str, &LineResult>, id: &str) -> &'a str {
    match results.get(id) {
        Some(LineResult::Answer(answer)) => &answer.text,
        other => panic!("no answer for {id}: {other:?}"),
    }
}

fn error_text<'a>(results: &'a HashMap<&str, &LineResult>, id: &str) -> &'a str {
    match results.get(id) {
        Some(LineResult::Error(error)) => error,
        other => panic!("no error for {id}: {other:?}"),
    }
}

/// Nothing the client sent shows the key outside the key header itself.
fn assert_key_kept(server: &FakeBatch) {
    let recorded = server.requests();
    assert!(!recorded.is_empty());
    for request in recorded {
        assert_eq!(request.key.as_deref(), Some(KEY), "{request:?}");
        assert!(!request.path.contains(KEY), "{request:?}");
        assert!(!request.body.contains(KEY), "{request:?}");
        assert!(
            request.headers.iter().all(|(_, v)| !v.contains(KEY)),
            "{request:?}"
        );
    }
}

fn timed() -> Plan {
    Plan::echo().timing(
        Duration::from_millis(250),
        Duration::from_millis(250),
        Duration::from_millis(250),
    )
}

#[tokio::test]
async fn openai_batches_go_through_their_states_and_match_answers_by_id() {
    let server = FakeBatch::start(Plan {
        reversed: true,
        reasoning: "let me think".into(),
        cached_tokens: 7,
        ..timed()
    });
    let mut config = config(ProviderKind::OpenAi, &server);
    config.max_tokens = Some(900);
    config.thinking = Some(Thinking::Low);
    let provider = build_batch(config).expect("openai batch");
    assert_eq!(
        (provider.name(), provider.model()),
        ("openai", "fake-model")
    );

    let ids = provider
        .submit(&requests(&["a", "b", "c"]))
        .await
        .expect("submit");
    assert_eq!(ids.len(), 1);
    let states = follow(provider.as_ref(), &ids[0]).await;
    assert_eq!(
        states,
        [
            BatchState::Validating,
            BatchState::InProgress,
            BatchState::Finalizing,
            BatchState::Completed
        ]
    );
    let status = provider.status(&ids[0]).await.expect("status");
    assert_eq!((status.total, status.completed, status.failed), (3, 3, 0));
    assert!(status.created_at.is_some());

    let results = provider.results(&ids[0]).await.expect("results");
    // The fake wrote them in reverse: order is the provider's, matching is by id.
    let order: Vec<&str> = results.lines.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(order, ["c", "b", "a"]);
    let lines = by_id(&results);
    for id in ["a", "b", "c"] {
        assert_eq!(answer_text(&lines, id), format!("answer for {id}"));
    }
    let Some(LineResult::Answer(answer)) = lines.get("a") else {
        panic!("no answer");
    };
    assert_eq!(answer.reasoning, "let me think");
    assert_eq!(answer.usage.cached_tokens, 7);
    assert!(answer.usage.reasoning_tokens > 0);
    assert!(answer.usage.prompt_tokens > 7);

    // The input lines carry the streamed request's body, minus streaming.
    let bodies = server.bodies(&ids[0]);
    assert_eq!(server.custom_ids(&ids[0]), ["a", "b", "c"]);
    let body = &bodies[0];
    assert_eq!(body["model"], "fake-model");
    assert_eq!(body["max_completion_tokens"], 900);
    assert_eq!(body["reasoning_effort"], "low");
    assert_eq!(body["messages"][1]["content"], "implement a");
    assert!(body.get("stream").is_none());
    assert_key_kept(&server);
}

#[tokio::test]
async fn deepseek_speaks_the_openai_batch_api_in_its_dialect() {
    let server = FakeBatch::start(Plan::echo());
    let mut config = config(ProviderKind::DeepSeek, &server);
    config.thinking = Some(Thinking::Off);
    config.max_tokens = Some(100);
    let provider = build_batch(config).expect("deepseek batch");
    let ids = provider.submit(&requests(&["x"])).await.expect("submit");
    follow(provider.as_ref(), &ids[0]).await;
    let body = &server.bodies(&ids[0])[0];
    assert_eq!(body["thinking"]["type"], "disabled");
    assert_eq!(body["max_tokens"], 100);
    let results = provider.results(&ids[0]).await.expect("results");
    assert_eq!(answer_text(&by_id(&results), "x"), "answer for x");
}

#[tokio::test]
async fn openai_missing_duplicate_failed_and_unreadable_lines() {
    let server = FakeBatch::start(Plan {
        missing: vec!["b".into()],
        duplicated: vec!["c".into()],
        line_errors: vec!["d".into()],
        error_file: vec!["e".into()],
        malformed_lines: 2,
        ..Plan::echo()
    });
    let provider = batch(ProviderKind::OpenAi, &server);
    let ids = provider
        .submit(&requests(&["a", "b", "c", "d", "e"]))
        .await
        .expect("submit");
    follow(provider.as_ref(), &ids[0]).await;
    let results = provider.results(&ids[0]).await.expect("results");
    let lines = by_id(&results);
    assert_eq!(results.lines.len(), 4, "{results:?}");
    assert_eq!(answer_text(&lines, "a"), "answer for a");
    assert!(!lines.contains_key("b"));
    // The first line for an id wins.
    assert_eq!(answer_text(&lines, "c"), "answer for c");
    assert!(error_text(&lines, "d").contains("HTTP 400"), "{results:?}");
    assert!(
        error_text(&lines, "e").contains("server_error"),
        "{results:?}"
    );
}

#[tokio::test]
async fn failed_batches_say_why() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Gemini] {
        let server = FakeBatch::start(Plan {
            fate: Fate::Fail(vec!["custom_id is too long".into()]),
            ..Plan::echo()
        });
        let provider = batch(kind, &server);
        let ids = provider.submit(&requests(&["a"])).await.expect("submit");
        assert_eq!(
            follow(provider.as_ref(), &ids[0]).await.last(),
            Some(&BatchState::Failed)
        );
        let status = provider.status(&ids[0]).await.expect("status");
        assert!(
            status
                .errors
                .iter()
                .any(|e| e.contains("custom_id is too long")),
            "{kind}: {status:?}"
        );
        let results = provider.results(&ids[0]).await.expect("results");
        assert!(results.lines.is_empty(), "{kind}: {results:?}");
    }
}

#[tokio::test]
async fn expired_batches_keep_their_partial_results() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Gemini] {
        let server = FakeBatch::start(Plan {
            fate: Fate::Expire { answered: 2 },
            ..Plan::echo()
        });
        let provider = batch(kind, &server);
        let ids = provider
            .submit(&requests(&["a", "b", "c", "d"]))
            .await
            .expect("submit");
        assert_eq!(
            follow(provider.as_ref(), &ids[0]).await.last(),
            Some(&BatchState::Expired)
        );
        let results = provider.results(&ids[0]).await.expect("results");
        let lines = by_id(&results);
        assert_eq!(answer_text(&lines, "a"), "answer for a");
        assert_eq!(answer_text(&lines, "b"), "answer for b");
        if kind == ProviderKind::OpenAi {
            assert!(error_text(&lines, "c").contains("batch_expired"));
        } else {
            assert!(!lines.contains_key("c"));
        }
    }
}

#[tokio::test]
async fn cancelled_batches_end_cancelled() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Gemini] {
        let server = FakeBatch::start(Plan::echo().timing(
            Duration::from_secs(30),
            Duration::ZERO,
            Duration::from_millis(200),
        ));
        let provider = batch(kind, &server);
        let ids = provider
            .submit(&requests(&["a", "b"]))
            .await
            .expect("submit");
        let after = provider.cancel(&ids[0]).await.expect("cancel");
        let expected = if kind == ProviderKind::OpenAi {
            BatchState::Cancelling
        } else {
            BatchState::Cancelled
        };
        assert_eq!(after.state, expected, "{kind}");
        assert_eq!(
            follow(provider.as_ref(), &ids[0]).await.last(),
            Some(&BatchState::Cancelled)
        );
        let results = provider.results(&ids[0]).await.expect("results");
        assert!(results.lines.is_empty());
    }
}

#[tokio::test]
async fn a_429_on_upload_is_retried_after_its_retry_after() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Gemini] {
        let server = FakeBatch::start(Plan::echo());
        server.rate_limit_uploads(1);
        let provider = batch(kind, &server);
        let start = Instant::now();
        let ids = provider.submit(&requests(&["a"])).await.expect("submit");
        assert!(start.elapsed() >= Duration::from_millis(950), "{kind}");
        assert_eq!(ids.len(), 1);
        let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses[..2], [429, 200], "{kind}");
        follow(provider.as_ref(), &ids[0]).await;
        let results = provider.results(&ids[0]).await.expect("results");
        assert_eq!(answer_text(&by_id(&results), "a"), "answer for a");
        assert_key_kept(&server);
    }
}

#[tokio::test]
async fn requests_past_the_limit_go_in_several_batches() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Gemini] {
        let server = FakeBatch::start(Plan::echo());
        let protocol = kind.spec().protocol;
        let limits = Limits {
            max_requests: 2,
            ..Limits::of(protocol)
        };
        let provider = build_batch_with(config(kind, &server), limits).expect("batch");
        let ids = provider
            .submit(&requests(&["a", "b", "c", "d", "e"]))
            .await
            .expect("submit");
        assert_eq!(ids.len(), 3, "{kind}");
        let parts: Vec<Vec<String>> = ids.iter().map(|id| server.custom_ids(id)).collect();
        assert_eq!(parts, [vec!["a", "b"], vec!["c", "d"], vec!["e"]], "{kind}");
        for id in &ids {
            follow(provider.as_ref(), id).await;
            let results = provider.results(id).await.expect("results");
            assert_eq!(results.lines.len(), server.custom_ids(id).len());
        }
        // By bytes too: each request alone.
        let limits = Limits {
            max_bytes: 10,
            ..Limits::of(protocol)
        };
        let provider = build_batch_with(config(kind, &server), limits).expect("batch");
        let ids = provider
            .submit(&requests(&["f", "g"]))
            .await
            .expect("submit");
        assert_eq!(ids.len(), 2, "{kind}");
    }
}

#[tokio::test]
async fn gemini_batches_go_through_their_states_with_inline_results() {
    let server = FakeBatch::start(Plan {
        reversed: true,
        reasoning: "hmm".into(),
        cached_tokens: 5,
        missing: vec!["b".into()],
        duplicated: vec!["c".into()],
        line_errors: vec!["d".into()],
        malformed_lines: 1,
        ..timed()
    });
    let mut config = config(ProviderKind::Gemini, &server);
    config.thinking = Some(Thinking::High);
    config.max_tokens = Some(500);
    let provider = build_batch(config).expect("gemini batch");
    let ids = provider
        .submit(&requests(&["a", "b", "c", "d"]))
        .await
        .expect("submit");
    assert!(!ids[0].starts_with("batches/"), "{ids:?}");
    let states = follow(provider.as_ref(), &ids[0]).await;
    assert_eq!(
        states,
        [
            BatchState::Validating,
            BatchState::InProgress,
            BatchState::Completed
        ]
    );
    let status = provider.status(&ids[0]).await.expect("status");
    assert_eq!((status.total, status.completed, status.failed), (4, 2, 1));
    assert!(status.created_at.is_some());

    let results = provider.results(&ids[0]).await.expect("results");
    let lines = by_id(&results);
    assert_eq!(results.lines.len(), 3, "{results:?}");
    assert_eq!(answer_text(&lines, "a"), "answer for a");
    assert_eq!(answer_text(&lines, "c"), "answer for c");
    assert!(!lines.contains_key("b"));
    assert!(error_text(&lines, "d").contains("INVALID_ARGUMENT"));
    let Some(LineResult::Answer(answer)) = lines.get("a") else {
        panic!("no answer");
    };
    assert_eq!(answer.reasoning, "hmm");
    assert_eq!(answer.usage.cached_tokens, 5);
    assert!(answer.usage.completion_tokens > answer.usage.reasoning_tokens);

    // The inline requests carry the streamed request's body.
    let body = &server.bodies(&ids[0])[0];
    assert_eq!(
        body["systemInstruction"]["parts"][0]["text"],
        "You finish stubs."
    );
    assert_eq!(body["contents"][0]["parts"][0]["text"], "implement a");
    assert_eq!(body["generationConfig"]["maxOutputTokens"], 500);
    assert_eq!(
        body["generationConfig"]["thinkingConfig"]["thinkingLevel"],
        "high"
    );
    let create = &server.requests()[0];
    assert_eq!(
        create.path,
        "/v1beta/models/fake-model:batchGenerateContent"
    );
    assert_eq!(create.header("x-goog-api-key"), Some("<key>"));
    assert_key_kept(&server);
}

#[tokio::test]
async fn gemini_results_may_come_as_a_responses_file() {
    let server = FakeBatch::start(Plan {
        gemini_file_output: true,
        reversed: true,
        malformed_lines: 1,
        error_file: vec!["b".into()],
        ..Plan::echo()
    });
    let provider = batch(ProviderKind::Gemini, &server);
    let ids = provider
        .submit(&requests(&["a", "b", "c"]))
        .await
        .expect("submit");
    follow(provider.as_ref(), &ids[0]).await;
    let results = provider.results(&ids[0]).await.expect("results");
    let lines = by_id(&results);
    assert_eq!(results.lines.len(), 3, "{results:?}");
    assert_eq!(answer_text(&lines, "c"), "answer for c");
    assert!(error_text(&lines, "b").contains("INTERNAL"));
    assert!(server
        .requests()
        .iter()
        .any(|r| r.path.starts_with("/download/v1beta/files/") && r.path.ends_with("?alt=media")));
    assert_key_kept(&server);
}

#[tokio::test]
async fn a_rejected_key_is_a_clear_error_without_the_key() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Gemini] {
        let server = FakeBatch::start(Plan::echo());
        server.require_key("another-key");
        let provider = batch(kind, &server);
        let error = provider
            .submit(&requests(&["a"]))
            .await
            .expect_err("a rejected key");
        assert_eq!(error.reason(), Reason::KeyRejected, "{kind}: {error}");
        assert!(error.message().contains("key rejected by"), "{error}");
        assert!(!error.message().contains(KEY), "{error}");
        let error = provider.status("nope").await.expect_err("rejected");
        assert!(!error.to_string().contains(KEY), "{error}");
        assert_key_kept(&server);
    }
}

#[tokio::test]
async fn unknown_batches_and_duplicate_ids_are_errors() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Gemini] {
        let server = FakeBatch::start(Plan::echo());
        let provider = batch(kind, &server);
        let error = provider.status("missing").await.expect_err("404");
        assert_eq!(error.reason(), Reason::BadRequest, "{kind}: {error}");
        let error = provider
            .submit(&requests(&["a", "a"]))
            .await
            .expect_err("a duplicate custom_id");
        assert!(error.message().contains("`a` appears twice"), "{error}");
        assert!(server.requests().iter().all(|r| r.method == "GET"));
    }
}

#[test]
fn ollama_has_no_batch_mode() {
    let error = build_batch(ProviderConfig::new(ProviderKind::Ollama))
        .err()
        .expect("an error");
    assert_eq!(error.reason(), Reason::Config);
    assert!(
        error.message().contains("openai, deepseek or gemini"),
        "{error}"
    );
    // And a key is needed as for streaming.
    let error = build_batch(ProviderConfig::new(ProviderKind::OpenAi))
        .err()
        .expect("an error");
    assert_eq!(error.reason(), Reason::Config);
}

#[tokio::test]
async fn a_lasting_429_gives_up_with_a_rate_limit_error_without_the_key() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Gemini] {
        let server = FakeBatch::start(Plan::echo());
        server.rate_limit_uploads(10);
        let mut limits = Limits::of(kind.spec().protocol);
        limits.retry.retries = 1;
        let provider = build_batch_with(config(kind, &server), limits).expect("batch");
        let error = provider
            .submit(&requests(&["a"]))
            .await
            .expect_err("rate limited");
        assert_eq!(error.reason(), Reason::RateLimited, "{kind}: {error}");
        assert!(!error.message().contains(KEY));
        assert_eq!(server.requests().len(), 2, "{kind}: one retry");
        assert!(server.batch_ids().is_empty());
    }
}
