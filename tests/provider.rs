//! The provider layer against a fake LLM server on 127.0.0.1: both protocols, every way a server
//! misbehaves, the retry policy, the shared 429 gate, the `--rpm` pace, and that the API key never
//! shows in an error. Timeouts are shortened so the whole file runs in seconds.

#[path = "support/fake_llm.rs"]
mod fake_llm;

use std::time::{Duration, Instant};

use assistant::provider::retry::{ask_with_retries, Failed, Gate, RetryPolicy};
use assistant::provider::{
    build, ErrorKind, Message, Provider, ProviderConfig, ProviderError, ProviderKind, Reason,
    Thinking, Timeouts,
};
use fake_llm::{Behaviour, FakeLlm, Reply, Script};

const KEY: &str = "sk-TESTKEY-must-not-leak-0xC0FFEE";
const CODE: &str = "func Add(a, b int) int {\n\treturn a + b\n}\n";

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_secs(3),
        idle: Duration::from_secs(2),
        attempt: Duration::from_secs(10),
    }
}

fn config(kind: ProviderKind, base_url: String) -> ProviderConfig {
    ProviderConfig {
        base_url: Some(base_url),
        api_key: Some(KEY.to_string()),
        timeouts: timeouts(),
        ..ProviderConfig::new(kind)
    }
}

fn deepseek(server: &FakeLlm) -> Box<dyn Provider> {
    build(config(ProviderKind::DeepSeek, server.root_url())).expect("deepseek provider")
}

fn gemini(server: &FakeLlm) -> Box<dyn Provider> {
    build(config(ProviderKind::Gemini, server.gemini_base_url())).expect("gemini provider")
}

fn messages() -> Vec<Message> {
    vec![
        Message::system("You write Go."),
        Message::user("Implement Add."),
    ]
}

/// Quick backoff, so retry tests take milliseconds unless a server says otherwise.
fn policy(retries: u32) -> RetryPolicy {
    RetryPolicy {
        retries,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
    }
}

async fn ask(provider: &dyn Provider, retries: u32) -> Result<u32, Failed> {
    let asked = ask_with_retries(provider, &messages(), &policy(retries), &Gate::new()).await?;
    assert_eq!(asked.answer.text, CODE);
    Ok(asked.attempts)
}

async fn chat_error(provider: &dyn Provider) -> ProviderError {
    match provider.chat(&messages()).await {
        Ok(answer) => panic!("expected an error, got {answer:?}"),
        Err(error) => error,
    }
}

fn answer() -> Behaviour {
    Behaviour::answer(CODE)
}

// ---- the OpenAI-compatible protocol ----

#[tokio::test]
async fn openai_stream_keeps_reasoning_apart_and_reads_cached_usage() {
    let reply = Reply {
        reasoning: "Add two ints; no overflow check.".into(),
        cached_tokens: 12,
        ..Reply::text(CODE)
    };
    let server = FakeLlm::start(Behaviour::Answer(reply));
    let provider = build(config(ProviderKind::OpenAi, server.base_url())).expect("provider");
    let answer = provider.chat(&messages()).await.expect("answer");

    assert_eq!(answer.text, CODE);
    assert_eq!(answer.reasoning, "Add two ints; no overflow check.");
    assert_eq!(answer.usage.prompt_tokens, 5);
    assert_eq!(answer.usage.completion_tokens, 8);
    assert_eq!(answer.usage.reasoning_tokens, 4);
    assert_eq!(answer.usage.cached_tokens, 12);

    let request = &server.requests()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(request.body["model"], "gpt-5-mini");
    assert_eq!(request.body["stream"], true);
    assert_eq!(request.body["stream_options"]["include_usage"], true);
    assert_eq!(request.body["messages"][0]["role"], "system");
    assert_eq!(request.body["messages"][1]["content"], "Implement Add.");
    for unset in [
        "temperature",
        "max_tokens",
        "max_completion_tokens",
        "reasoning_effort",
    ] {
        assert!(request.body.get(unset).is_none(), "{unset} sent unasked");
    }
}

#[tokio::test]
async fn deepseek_request_shape_and_prompt_cache_hits() {
    let server = FakeLlm::start(Behaviour::Answer(Reply {
        cached_tokens: 7,
        deepseek_usage: true,
        ..Reply::text(CODE)
    }));
    let mut high = config(ProviderKind::DeepSeek, server.root_url());
    high.thinking = Some(Thinking::High);
    high.temperature = Some(0.2);
    high.max_tokens = Some(4000);
    let answer = build(high)
        .expect("provider")
        .chat(&messages())
        .await
        .expect("answer");
    assert_eq!(answer.usage.cached_tokens, 7);

    let mut off = config(ProviderKind::DeepSeek, server.root_url());
    off.thinking = Some(Thinking::Off);
    build(off)
        .expect("provider")
        .chat(&messages())
        .await
        .expect("answer");

    let requests = server.requests();
    assert_eq!(requests[0].path, "/chat/completions");
    assert_eq!(requests[0].body["model"], "deepseek-flash");
    assert_eq!(requests[0].body["thinking"]["type"], "enabled");
    assert_eq!(requests[0].body["reasoning_effort"], "high");
    assert_eq!(requests[0].body["max_tokens"], 4000);
    assert_eq!(requests[0].body["temperature"], 0.2);
    assert_eq!(requests[1].body["thinking"]["type"], "disabled");
    assert!(requests[1].body.get("reasoning_effort").is_none());
}

#[tokio::test]
async fn openai_takes_max_completion_tokens_and_minimal_effort() {
    let server = FakeLlm::start(answer());
    let mut config = config(ProviderKind::OpenAi, server.base_url());
    config.max_tokens = Some(2000);
    config.thinking = Some(Thinking::Off);
    config.model = Some("gpt-custom".into());
    let provider = build(config).expect("provider");
    assert_eq!(provider.model(), "gpt-custom");
    provider.chat(&messages()).await.expect("answer");
    let body = &server.requests()[0].body;
    assert_eq!(body["max_completion_tokens"], 2000);
    assert!(body.get("max_tokens").is_none());
    assert_eq!(body["reasoning_effort"], "minimal");
    assert_eq!(body["model"], "gpt-custom");
}

#[tokio::test]
async fn ollama_needs_no_key_and_turns_thinking_off_with_none() {
    let server = FakeLlm::start(answer());
    let config = ProviderConfig {
        base_url: Some(server.base_url()),
        thinking: Some(Thinking::Off),
        timeouts: timeouts(),
        ..ProviderConfig::new(ProviderKind::Ollama)
    };
    let provider = build(config).expect("ollama needs no key");
    assert_eq!(provider.name(), "ollama");
    provider.chat(&messages()).await.expect("answer");
    let request = &server.requests()[0];
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.body["reasoning_effort"], "none");
    assert_eq!(request.body["model"], "qwen2.5-coder");
}

#[test]
fn a_missing_key_fails_before_any_request() {
    let Err(error) = build(ProviderConfig::new(ProviderKind::DeepSeek)) else {
        panic!("built a keyless deepseek provider");
    };
    assert_eq!(error.reason(), Reason::Config);
    assert!(error.to_string().contains("DEEPSEEK_API_KEY"), "{error}");
}

#[tokio::test]
async fn keep_alive_comments_count_as_bytes() {
    // Thinking for 0.9 s with a keep-alive every 0.1 s, against a 0.3 s first-byte and idle budget.
    let reply = Reply {
        first_token_delay: Duration::from_millis(900),
        keep_alive: Some(Duration::from_millis(100)),
        ..Reply::text(CODE)
    };
    let server = FakeLlm::start(Behaviour::Answer(reply));
    let mut config = config(ProviderKind::DeepSeek, server.root_url());
    config.timeouts.first_byte = Duration::from_millis(300);
    config.timeouts.idle = Duration::from_millis(300);
    let answer = build(config)
        .expect("provider")
        .chat(&messages())
        .await
        .expect("answer");
    assert_eq!(answer.text, CODE);
}

#[tokio::test]
async fn models_are_listed_for_both_protocols() {
    let server = FakeLlm::start(answer());
    assert_eq!(
        deepseek(&server).list_models().await.expect("models"),
        ["fake-coder", "fake-reasoner"]
    );
    assert_eq!(
        gemini(&server).list_models().await.expect("models"),
        ["fake-coder", "fake-reasoner"]
    );
    let requests = server.requests();
    assert_eq!(requests[0].path, "/models");
    assert!(
        requests[1].path.starts_with("/v1beta/models?"),
        "{}",
        requests[1].path
    );
    assert_eq!(requests[1].header("x-goog-api-key"), Some(KEY));
}

// ---- Gemini ----

#[tokio::test]
async fn gemini_stream_keeps_thoughts_apart_and_reads_usage_metadata() {
    let reply = Reply {
        reasoning: "Plan: add.".into(),
        cached_tokens: 3,
        ..Reply::text(CODE)
    };
    let server = FakeLlm::start(Behaviour::Answer(reply));
    let mut config = config(ProviderKind::Gemini, server.gemini_base_url());
    config.thinking = Some(Thinking::High);
    config.max_tokens = Some(1000);
    let conversation = [
        Message::system("You write Go."),
        Message::user("Implement Add."),
        Message::assistant("ok"),
        Message::user("go"),
    ];
    let answer = build(config)
        .expect("provider")
        .chat(&conversation)
        .await
        .expect("answer");

    assert_eq!(answer.text, CODE);
    assert_eq!(answer.reasoning, "Plan: add.");
    assert_eq!(answer.usage.prompt_tokens, 7);
    assert_eq!(answer.usage.completion_tokens, 8);
    assert_eq!(answer.usage.reasoning_tokens, 4);
    assert_eq!(answer.usage.cached_tokens, 3);

    let request = &server.requests()[0];
    assert_eq!(
        request.path,
        "/v1beta/models/gemini-3-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(request.header("x-goog-api-key"), Some(KEY));
    assert_eq!(request.header("authorization"), None);
    let body = &request.body;
    assert_eq!(
        body["systemInstruction"]["parts"][0]["text"],
        "You write Go."
    );
    assert_eq!(body["contents"][0]["role"], "user");
    assert_eq!(body["contents"][1]["role"], "model");
    assert_eq!(body["contents"].as_array().map(Vec::len), Some(3));
    assert_eq!(body["generationConfig"]["maxOutputTokens"], 1000);
    assert_eq!(
        body["generationConfig"]["thinkingConfig"]["thinkingLevel"],
        "high"
    );
    assert_eq!(
        body["generationConfig"]["thinkingConfig"]["includeThoughts"],
        true
    );
}

#[tokio::test]
async fn gemini_failures_are_classified() {
    let server = FakeLlm::start(answer());
    let provider = gemini(&server);
    let cases = [
        (
            Behaviour::CutOff,
            Reason::CutOff,
            "answer cut off: raise --max-tokens",
        ),
        (Behaviour::Refused, Reason::Refused, "SAFETY"),
        (
            Behaviour::DailyQuota,
            Reason::QuotaExhausted,
            "quota exhausted at gemini (HTTP 429)",
        ),
        (
            Behaviour::RateLimited(None),
            Reason::RateLimited,
            "rate limited by gemini",
        ),
        (
            Behaviour::Unauthorized,
            Reason::KeyRejected,
            "key rejected by gemini",
        ),
        (
            Behaviour::ModelNotFound,
            Reason::ModelNotFound,
            "see `assistant models --type gemini`",
        ),
        (Behaviour::MidStreamError, Reason::ServerBusy, "overloaded"),
        (Behaviour::Empty, Reason::EmptyAnswer, "empty answer"),
        (Behaviour::DropMidStream, Reason::StreamBroken, "dropped"),
    ];
    for (behaviour, reason, words) in cases {
        server.set_script(behaviour.clone());
        let error = chat_error(provider.as_ref()).await;
        assert_eq!(error.reason(), reason, "{behaviour:?}: {error}");
        assert!(error.to_string().contains(words), "{behaviour:?}: {error}");
    }
}

// ---- failures and retries (OpenAI-compatible) ----

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let script =
        Script::new(answer()).first([Behaviour::RateLimited(Some(Duration::from_secs(1)))]);
    let server = FakeLlm::start(script);
    let started = Instant::now();
    assert_eq!(ask(deepseek(&server).as_ref(), 4).await.expect("answer"), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        started.elapsed()
    );
    let requests = server.requests();
    assert!(requests[1].at - requests[0].at >= Duration::from_millis(990));
}

#[tokio::test]
async fn retry_after_ms_is_honoured() {
    let script =
        Script::new(answer()).first([Behaviour::RateLimitedMs(Duration::from_millis(400))]);
    let server = FakeLlm::start(script);
    assert_eq!(ask(deepseek(&server).as_ref(), 4).await.expect("answer"), 2);
    let requests = server.requests();
    assert!(requests[1].at - requests[0].at >= Duration::from_millis(390));
}

#[tokio::test]
async fn transient_failures_are_retried_until_an_answer() {
    let faults = [
        Behaviour::ServerError(500),
        Behaviour::ServerError(502),
        Behaviour::ServerError(503),
        Behaviour::Status {
            status: 408,
            body: String::new(),
        },
        Behaviour::DropMidStream,
        Behaviour::Malformed,
        Behaviour::Empty,
        Behaviour::MidStreamError,
    ];
    let count = faults.len() as u32;
    let server = FakeLlm::start(Script::new(answer()).first(faults));
    assert_eq!(
        ask(deepseek(&server).as_ref(), count)
            .await
            .expect("answer"),
        count + 1
    );
}

#[tokio::test]
async fn each_transient_failure_says_what_happened() {
    let server = FakeLlm::start(answer());
    let provider = deepseek(&server);
    let cases = [
        (
            Behaviour::ServerError(503),
            Reason::ServerBusy,
            "deepseek failed (HTTP 503)",
        ),
        (
            Behaviour::DropMidStream,
            Reason::StreamBroken,
            "dropped mid-stream",
        ),
        (
            Behaviour::Malformed,
            Reason::StreamBroken,
            "malformed chunk from deepseek",
        ),
        (
            Behaviour::Empty,
            Reason::EmptyAnswer,
            "deepseek sent an empty answer",
        ),
        (
            Behaviour::MidStreamError,
            Reason::StreamBroken,
            "upstream overloaded",
        ),
        (
            Behaviour::RateLimited(Some(Duration::from_secs(3))),
            Reason::RateLimited,
            "rate limited by deepseek",
        ),
    ];
    for (behaviour, reason, words) in cases {
        server.set_script(behaviour.clone());
        let error = chat_error(provider.as_ref()).await;
        assert_eq!(error.reason(), reason, "{behaviour:?}: {error}");
        assert!(error.is_retryable(), "{behaviour:?}");
        assert!(error.to_string().contains(words), "{behaviour:?}: {error}");
    }
    server.set_script(Behaviour::RateLimited(Some(Duration::from_secs(3))));
    let error = chat_error(provider.as_ref()).await;
    assert_eq!(
        error.kind(),
        ErrorKind::Retryable {
            retry_after: Some(Duration::from_secs(3))
        }
    );
}

#[tokio::test]
async fn exhausted_retries_report_the_attempts() {
    let server = FakeLlm::start(Behaviour::ServerError(503));
    let failed = ask(deepseek(&server).as_ref(), 2)
        .await
        .expect_err("always 503");
    assert_eq!(failed.attempts, 3);
    assert_eq!(server.request_count(), 3);
    assert_eq!(failed.error.reason(), Reason::ServerBusy);
    assert!(
        failed.to_string().ends_with("(after 3 attempts)"),
        "{failed}"
    );
}

#[tokio::test]
async fn a_cut_off_answer_still_carries_the_tokens_it_was_billed() {
    let server = FakeLlm::start(Behaviour::CutOff);
    for provider in [deepseek(&server), gemini(&server)] {
        let error = chat_error(provider.as_ref()).await;
        assert_eq!(error.reason(), Reason::CutOff, "{error}");
        // The fake server counts the prompt's words and one token per chunk (three here).
        let usage = error.usage();
        assert_eq!(
            (usage.prompt_tokens, usage.completion_tokens),
            (5, 3),
            "{error}"
        );
        let failed = ask(provider.as_ref(), 2).await.expect_err("cut off");
        assert_eq!(failed.attempts, 1, "a cut-off is not retried");
        assert_eq!(failed.usage, usage);
    }
}

#[tokio::test]
async fn failed_attempts_before_the_answer_count_in_its_usage() {
    // An empty answer is retried; the server still reported the prompt it read.
    let server = FakeLlm::start(Script::new(answer()).first([Behaviour::Empty, Behaviour::Empty]));
    let provider = deepseek(&server);
    let asked = ask_with_retries(provider.as_ref(), &messages(), &policy(2), &Gate::new())
        .await
        .expect("answer on the third attempt");
    assert_eq!(asked.attempts, 3);
    assert_eq!(asked.answer.usage.prompt_tokens, 3 * 5);
    assert_eq!(asked.answer.usage.completion_tokens, 4);
}

#[tokio::test]
async fn fatal_answers_are_not_retried_and_say_what_to_do() {
    let server = FakeLlm::start(answer());
    let mut config = config(ProviderKind::DeepSeek, server.root_url());
    config.model = Some("deepseek-gone".into());
    let provider = build(config).expect("provider");
    let cases = [
        (
            Behaviour::Unauthorized,
            Reason::KeyRejected,
            "key rejected by deepseek (HTTP 401): Invalid API Key",
        ),
        (
            Behaviour::InsufficientBalance,
            Reason::InsufficientBalance,
            "insufficient balance at deepseek (HTTP 402)",
        ),
        (
            Behaviour::ModelNotFound,
            Reason::ModelNotFound,
            "model `deepseek-gone` not found at deepseek",
        ),
        (
            Behaviour::CutOff,
            Reason::CutOff,
            "answer cut off: raise --max-tokens",
        ),
        (
            Behaviour::DailyQuota,
            Reason::QuotaExhausted,
            "quota exhausted at deepseek",
        ),
        (Behaviour::Refused, Reason::Refused, "content_filter"),
        (
            Behaviour::Status {
                status: 403,
                body: "{}".into(),
            },
            Reason::AccessDenied,
            "HTTP 403",
        ),
        (
            Behaviour::Status {
                status: 422,
                body: r#"{"error":{"message":"bad field"}}"#.into(),
            },
            Reason::BadRequest,
            "request rejected by deepseek (HTTP 422): bad field",
        ),
    ];
    for (behaviour, reason, words) in cases {
        server.set_script(behaviour.clone());
        let before = server.request_count();
        let failed = ask(provider.as_ref(), 4).await.expect_err("fatal");
        assert_eq!(failed.attempts, 1, "{behaviour:?} was retried");
        assert_eq!(server.request_count(), before + 1);
        assert_eq!(
            failed.error.reason(),
            reason,
            "{behaviour:?}: {}",
            failed.error
        );
        assert!(
            failed.error.to_string().contains(words),
            "{behaviour:?}: {}",
            failed.error
        );
    }
    server.set_script(Behaviour::ModelNotFound);
    let error = chat_error(provider.as_ref()).await;
    assert!(
        error
            .to_string()
            .ends_with("pass --model, see `assistant models --type deepseek`"),
        "{error}"
    );
}

// ---- timeouts ----

#[tokio::test]
async fn a_stalled_stream_trips_the_idle_watchdog() {
    let server = FakeLlm::start(Behaviour::Stall);
    let mut config = config(ProviderKind::DeepSeek, server.root_url());
    config.timeouts.idle = Duration::from_millis(300);
    let started = Instant::now();
    let error = chat_error(build(config).expect("provider").as_ref()).await;
    assert_eq!(error.reason(), Reason::Timeout, "{error}");
    assert!(error.to_string().contains("idle timeout"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_silent_server_trips_the_first_byte_timeout() {
    let reply = Reply {
        first_token_delay: Duration::from_secs(3),
        ..Reply::text(CODE)
    };
    let server = FakeLlm::start(Behaviour::Answer(reply));
    let mut config = config(ProviderKind::DeepSeek, server.root_url());
    config.timeouts.first_byte = Duration::from_millis(300);
    let started = Instant::now();
    let error = chat_error(build(config).expect("provider").as_ref()).await;
    assert_eq!(error.reason(), Reason::Timeout, "{error}");
    assert!(error.to_string().contains("first-byte timeout"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn the_attempt_timeout_bounds_a_slow_but_steady_stream() {
    let reply = Reply {
        chunks: 20,
        chunk_delay: Duration::from_millis(100),
        ..Reply::text(CODE)
    };
    let server = FakeLlm::start(Behaviour::Answer(reply));
    let mut config = config(ProviderKind::DeepSeek, server.root_url());
    config.timeouts.attempt = Duration::from_millis(500);
    let error = chat_error(build(config).expect("provider").as_ref()).await;
    assert_eq!(error.reason(), Reason::Timeout, "{error}");
    assert!(error.to_string().contains("--timeout"), "{error}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_connection_error() {
    let base_url = {
        let server = FakeLlm::start(answer());
        server.root_url()
    };
    tokio::time::sleep(Duration::from_millis(50)).await; // let the stopped server close its port
    let error = chat_error(
        build(config(ProviderKind::DeepSeek, base_url))
            .expect("provider")
            .as_ref(),
    )
    .await;
    assert_eq!(error.reason(), Reason::Connection, "{error}");
    assert!(error.is_retryable());
}

// ---- the shared gate and the pace ----

#[tokio::test]
async fn a_429_holds_back_every_caller() {
    let script =
        Script::new(answer()).first([Behaviour::RateLimited(Some(Duration::from_secs(1)))]);
    let server = FakeLlm::start(script);
    let provider: std::sync::Arc<dyn Provider> = deepseek(&server).into();
    let gate = Gate::new();

    let first = {
        let (provider, gate) = (provider.clone(), gate.clone());
        tokio::spawn(async move {
            ask_with_retries(provider.as_ref(), &messages(), &policy(4), &gate).await
        })
    };
    while gate.reopens_in().is_none() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let others: Vec<_> = (0..3)
        .map(|_| {
            let (provider, gate) = (provider.clone(), gate.clone());
            tokio::spawn(async move {
                ask_with_retries(provider.as_ref(), &messages(), &policy(4), &gate).await
            })
        })
        .collect();

    assert_eq!(first.await.expect("task").expect("answer").attempts, 2);
    for other in others {
        assert_eq!(
            other.await.expect("task").expect("answer").attempts,
            1,
            "it should have waited, not hit 429"
        );
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    for later in &requests[1..] {
        assert!(
            later.at - requests[0].at >= Duration::from_millis(990),
            "a caller went through the closed gate"
        );
    }
}

#[tokio::test]
async fn a_rate_limited_server_costs_waits_not_failures() {
    // 3 requests per second allowed, 8 callers at once: the gate turns 429s into waiting.
    let server = FakeLlm::start(Script::new(answer()).rate_limit(3, Duration::from_secs(1)));
    let provider: std::sync::Arc<dyn Provider> = deepseek(&server).into();
    let gate = Gate::new();
    let jobs: Vec<_> = (0..8)
        .map(|_| {
            let (provider, gate) = (provider.clone(), gate.clone());
            tokio::spawn(async move {
                ask_with_retries(provider.as_ref(), &messages(), &policy(6), &gate).await
            })
        })
        .collect();
    for job in jobs {
        job.await.expect("task").expect("every job gets its answer");
    }
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|&&s| s == 200).count(), 8);
    assert!(
        statuses.contains(&429),
        "the limit was never reached: {statuses:?}"
    );
}

#[tokio::test]
async fn rpm_spaces_requests_evenly() {
    let server = FakeLlm::start(answer());
    let provider: std::sync::Arc<dyn Provider> = deepseek(&server).into();
    let gate = Gate::with_rpm(Some(600)); // one every 100 ms
    let jobs: Vec<_> = (0..4)
        .map(|_| {
            let (provider, gate) = (provider.clone(), gate.clone());
            tokio::spawn(async move {
                ask_with_retries(provider.as_ref(), &messages(), &policy(0), &gate).await
            })
        })
        .collect();
    for job in jobs {
        job.await.expect("task").expect("answer");
    }
    let mut arrivals: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    arrivals.sort();
    for pair in arrivals.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(90),
            "{:?} apart",
            pair[1] - pair[0]
        );
    }
}

#[tokio::test]
async fn dropping_a_waiting_caller_leaves_the_gate_working() {
    let script =
        Script::new(answer()).first([Behaviour::RateLimitedMs(Duration::from_millis(600))]);
    let server = FakeLlm::start(script);
    let provider = deepseek(&server);
    let gate = Gate::new();
    // Ctrl-C while the caller waits at the gate: its future is simply dropped.
    let dropped = tokio::time::timeout(
        Duration::from_millis(200),
        ask_with_retries(provider.as_ref(), &messages(), &policy(4), &gate),
    )
    .await;
    assert!(
        dropped.is_err(),
        "the caller should still have been waiting"
    );
    assert!(
        gate.reopens_in().is_some(),
        "the hold outlives the dropped caller"
    );
    let asked = ask_with_retries(provider.as_ref(), &messages(), &policy(4), &gate)
        .await
        .expect("answer");
    assert_eq!(asked.attempts, 1);
    assert_eq!(server.request_count(), 2);
}

// ---- the learned concurrency ----

/// `callers` asks at once through a gate with a limiter of `ceiling` and `patience`, no retries.
async fn ask_limited(
    server: &FakeLlm,
    callers: usize,
    ceiling: usize,
    patience: Duration,
) -> Vec<Result<u32, Failed>> {
    let provider: std::sync::Arc<dyn Provider> = deepseek(server).into();
    let limiter = assistant::provider::limit::Limiter::new(ceiling, patience);
    let gate = Gate::new().with_limiter(limiter);
    let jobs: Vec<_> = (0..callers)
        .map(|_| {
            let (provider, gate) = (provider.clone(), gate.clone());
            tokio::spawn(async move {
                ask_with_retries(provider.as_ref(), &messages(), &policy(0), &gate)
                    .await
                    .map(|asked| asked.attempts)
            })
        })
        .collect();
    let mut results = Vec::new();
    for job in jobs {
        results.push(job.await.expect("task"));
    }
    results
}

fn slow_answer() -> Behaviour {
    Behaviour::Answer(Reply {
        first_token_delay: Duration::from_millis(100),
        ..Reply::text(CODE)
    })
}

#[tokio::test]
async fn a_429_the_limiter_answers_for_spends_no_retry() {
    // Two slots, five callers, no retries: every caller still gets its answer.
    let server = FakeLlm::start(Script::new(slow_answer()).slots(2, Duration::ZERO));
    let results = ask_limited(&server, 5, 5, Duration::from_secs(30)).await;
    for result in &results {
        assert!(result.is_ok(), "{result:?}");
    }
    assert!(server.peak_busy() <= 2);
    let refused = server.requests().iter().filter(|r| r.status == 429).count();
    assert!(refused <= 3, "{refused} refusals");
}

#[tokio::test]
async fn a_refused_request_waits_for_a_place_instead_of_hammering() {
    // One slot, held for 1.5 s by one caller: the other is refused once, the limit drops to one,
    // and it waits for that place rather than being refused again.
    let long = Behaviour::Answer(Reply {
        first_token_delay: Duration::from_millis(1500),
        ..Reply::text(CODE)
    });
    let server = FakeLlm::start(Script::new(answer()).first([long]).slots(1, Duration::ZERO));
    let results = ask_limited(&server, 2, 2, Duration::from_secs(30)).await;
    let mut attempts: Vec<u32> = results
        .into_iter()
        .map(|r| r.expect("both answered"))
        .collect();
    attempts.sort();
    assert_eq!(attempts, [1, 2]);
    let refused = server.requests().iter().filter(|r| r.status == 429).count();
    assert_eq!(refused, 1);
}

// ---- key hygiene ----

#[tokio::test]
async fn the_key_never_appears_in_any_error() {
    let echo_key = |status: u16| {
        move |request: &fake_llm::Recorded| {
            let sent = request
                .header("authorization")
                .or(request.header("x-goog-api-key"))
                .unwrap_or_default()
                .to_string();
            let body = serde_json::json!({ "error": { "message": format!("Incorrect API key provided: {sent}") } });
            Some(Behaviour::Status {
                status,
                body: body.to_string(),
            })
        }
    };
    let server = FakeLlm::start(answer());
    let failures = || {
        vec![
            Script::new(Behaviour::Unauthorized),
            Script::new(answer()).pick(echo_key(401)),
            Script::new(answer()).pick(echo_key(400)),
            Script::new(answer()).pick(echo_key(500)),
            // A 200 whose whole body is an error object that echoes the key.
            Script::new(answer()).pick(echo_key(200)),
            Script::new(Behaviour::InsufficientBalance),
            Script::new(Behaviour::ModelNotFound),
            Script::new(Behaviour::RateLimited(None)),
            Script::new(Behaviour::DailyQuota),
            Script::new(Behaviour::ServerError(502)),
            Script::new(Behaviour::DropMidStream),
            Script::new(Behaviour::Stall),
            Script::new(Behaviour::Malformed),
            Script::new(Behaviour::Empty),
            Script::new(Behaviour::CutOff),
            Script::new(Behaviour::MidStreamError),
            Script::new(Behaviour::Refused),
        ]
    };
    let mut providers = Vec::new();
    for (kind, base_url) in [
        (ProviderKind::DeepSeek, server.root_url()),
        (ProviderKind::OpenAi, server.base_url()),
        (ProviderKind::Gemini, server.gemini_base_url()),
    ] {
        let mut config = config(kind, base_url);
        config.timeouts.idle = Duration::from_millis(200);
        assert!(!format!("{config:?}").contains(KEY));
        providers.push(build(config).expect("provider"));
    }
    let mut echoed = 0;
    for provider in &providers {
        for script in failures() {
            server.set_script(script);
            let failed = ask(provider.as_ref(), 0).await.expect_err("a failure");
            let listed = provider.list_models().await.err();
            let shown = format!(
                "{failed} {failed:?} {listed:?} {}",
                listed.as_ref().map(ToString::to_string).unwrap_or_default()
            );
            assert!(
                !shown.contains(KEY),
                "{}: the key leaked: {shown}",
                provider.name()
            );
            assert!(
                !shown.contains("TESTKEY"),
                "{}: part of the key leaked: {shown}",
                provider.name()
            );
            echoed += usize::from(shown.contains("[redacted]"));
        }
    }
    // The echoing scripts really did send the key back, so scrubbing was tested, not assumed.
    assert!(echoed >= 12, "only {echoed} errors carried a scrubbed key");
}
