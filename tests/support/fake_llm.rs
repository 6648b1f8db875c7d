//! A fake LLM server for tests and benchmarks: a real HTTP server on 127.0.0.1 (random port, its own
//! thread and tokio runtime) that speaks the providers' streaming protocols exactly and misbehaves
//! on demand.
//!
//! It speaks:
//! - OpenAI/DeepSeek/llama-server chat completions: `POST …/chat/completions` answers SSE chunks shaped
//!   like `/work/shared/wire/llama-server-stream-usage.sse` (role chunk, `reasoning_content` deltas,
//!   content deltas, a finish chunk, a usage chunk with `choices: []`, then `data: [DONE]`), with
//!   `: keep-alive` comments while "thinking" when asked;
//! - Gemini: `POST …/models/{model}:streamGenerateContent?alt=sse` (`thought: true` parts,
//!   `usageMetadata`, upper-case `finishReason`, CRLF-separated events as Google sends them);
//! - `GET …/models` in OpenAI's shape (`/v1/models`, `/models`) or Gemini's (`/v1beta/models`).
//!
//! What each request gets is a [`Behaviour`], chosen by a [`Script`]: an optional per-minute rate
//! limit first (429 beyond it), then an optional number of slots (429 while that many answers are
//! still streaming, as a vLLM/Ollama box with a few slots), then a queue of one-off behaviours, then
//! an optional function of the request, then the default. Every request is recorded
//! ([`FakeLlm::requests`]).
//!
//! Use: `#[path = "support/fake_llm.rs"] mod fake_llm;` from a test in `tests/`, or
//! `#[path = "../tests/support/fake_llm.rs"] mod fake_llm;` from a benchmark.
#![allow(dead_code)] // each test binary uses its own part of it

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use futures_util::stream;
use serde_json::{json, Value};

/// What the fake lists at `GET /models`.
pub const MODELS: [&str; 2] = ["fake-coder", "fake-reasoner"];

/// What one request gets.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// A streamed answer (set its fields with `Reply { …, ..Reply::text(…) }`).
    Answer(Reply),
    /// HTTP 429 with `Retry-After` in whole seconds (rounded up), or no header.
    RateLimited(Option<Duration>),
    /// HTTP 429 with only `retry-after-ms`.
    RateLimitedMs(Duration),
    /// HTTP 429 for a quota that lasts: OpenAI `insufficient_quota`, Gemini's per-day quota.
    DailyQuota,
    /// HTTP 500, 502, 503… with the provider's error JSON.
    ServerError(u16),
    /// HTTP 401 with llama-server's body (Gemini: 400 `API_KEY_INVALID`, as Google answers).
    Unauthorized,
    /// HTTP 402 "Insufficient Balance" (DeepSeek).
    InsufficientBalance,
    /// HTTP 404, the requested model unknown, in the protocol's words.
    ModelNotFound,
    /// Any status and body, sent as `application/json`.
    Status { status: u16, body: String },
    /// Two content chunks, then the connection is cut.
    DropMidStream,
    /// Headers and the first chunk, then nothing, forever.
    Stall,
    /// One chunk that is not JSON.
    Malformed,
    /// A complete stream with no text.
    Empty,
    /// Some text, then `finish_reason: "length"` (Gemini `MAX_TOKENS`).
    CutOff,
    /// Some text, then `data: {"error": …}` (a server error, without HTTP status).
    MidStreamError,
    /// The provider refuses: `content_filter` (Gemini `SAFETY`).
    Refused,
}

impl Behaviour {
    pub fn answer(text: &str) -> Self {
        Self::Answer(Reply::text(text))
    }
}

/// A streamed answer and its pace.
#[derive(Debug, Clone)]
pub struct Reply {
    pub text: String,
    pub reasoning: String,
    /// How many content chunks the text is split into (and as many for the reasoning).
    pub chunks: usize,
    /// Silence before the first chunk (time to first token).
    pub first_token_delay: Duration,
    /// Between two chunks.
    pub chunk_delay: Duration,
    /// Send `: keep-alive` this often during `first_token_delay`.
    pub keep_alive: Option<Duration>,
    /// Reported as cached prompt tokens.
    pub cached_tokens: u64,
    /// Report the cache as DeepSeek does (`prompt_cache_hit_tokens`), not OpenAI's details.
    pub deepseek_usage: bool,
}

impl Reply {
    pub fn text(text: &str) -> Self {
        Self {
            text: text.to_string(),
            reasoning: String::new(),
            chunks: 4,
            first_token_delay: Duration::ZERO,
            chunk_delay: Duration::ZERO,
            keep_alive: None,
            cached_tokens: 0,
            deepseek_usage: false,
        }
    }

    /// A benchmark profile: `tokens` one-word chunks at `tokens_per_sec` after `time_to_first_token`.
    pub fn latency(time_to_first_token: Duration, tokens: usize, tokens_per_sec: f64) -> Self {
        Self {
            chunks: tokens.max(1),
            first_token_delay: time_to_first_token,
            chunk_delay: Duration::from_secs_f64(1.0 / tokens_per_sec),
            ..Self::text(&"tok ".repeat(tokens.max(1)))
        }
    }
}

type Pick = Arc<dyn Fn(&Recorded) -> Option<Behaviour> + Send + Sync>;

/// Which behaviour each request gets.
#[derive(Clone)]
pub struct Script {
    default: Behaviour,
    queue: VecDeque<Behaviour>,
    pick: Option<Pick>,
    rate_limit: Option<(usize, Duration)>,
    slots: Option<(usize, Duration)>,
}

impl Script {
    pub fn new(default: Behaviour) -> Self {
        Self {
            default,
            queue: VecDeque::new(),
            pick: None,
            rate_limit: None,
            slots: None,
        }
    }

    /// These go first, one request each, in order (before `pick` and the default).
    pub fn first(mut self, behaviours: impl IntoIterator<Item = Behaviour>) -> Self {
        self.queue.extend(behaviours);
        self
    }

    /// Chooses by the request (its body, headers…) when the queue is empty; `None`: the default.
    pub fn pick(
        mut self,
        pick: impl Fn(&Recorded) -> Option<Behaviour> + Send + Sync + 'static,
    ) -> Self {
        self.pick = Some(Arc::new(pick));
        self
    }

    /// At most `requests` chat requests per sliding `window`; beyond, 429 with `Retry-After` and
    /// `retry-after-ms` saying when the oldest leaves the window.
    pub fn rate_limit(mut self, requests: usize, window: Duration) -> Self {
        self.rate_limit = Some((requests.max(1), window));
        self
    }

    /// At most `slots` chat answers streaming at once; a request beyond them gets 429 with
    /// `Retry-After: retry_after` (whole seconds, rounded up) and no `retry-after-ms`.
    pub fn slots(mut self, slots: usize, retry_after: Duration) -> Self {
        self.slots = Some((slots.max(1), retry_after));
        self
    }
}

impl From<Behaviour> for Script {
    fn from(default: Behaviour) -> Self {
        Self::new(default)
    }
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub at: Instant,
    pub method: String,
    /// Path and query, e.g. `/v1beta/models/m:streamGenerateContent?alt=sse`.
    pub path: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`Null` when there was none or it was not JSON).
    pub body: Value,
    /// The status the fake answered with.
    pub status: u16,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Shared {
    script: Mutex<Script>,
    admitted: Mutex<VecDeque<Instant>>,
    requests: Mutex<Vec<Recorded>>,
    /// Chat answers streaming now (with `slots`), and the most there ever were.
    busy: Mutex<(usize, usize)>,
}

/// A slot taken by a streaming answer; freed when the body ends or is dropped.
struct Slot(Arc<Shared>);

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.0.busy).0 -= 1;
    }
}

/// The running server; it stops when dropped.
pub struct FakeLlm {
    port: u16,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FakeLlm {
    pub fn start(script: impl Into<Script>) -> Self {
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into()),
            admitted: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            busy: Mutex::new((0, 0)),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("fake server runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stopped => {}
                }
            });
            // Stalled streams never end on their own: don't wait for them.
            runtime.shutdown_background();
        });
        Self {
            port,
            shared,
            stop: Some(stop),
        }
    }

    /// For OpenAI-style providers (`{base}/chat/completions`, `{base}/models`).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// For Gemini (`{base}/models/{model}:streamGenerateContent`).
    pub fn gemini_base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1beta", self.port)
    }

    /// Without a version prefix, like `https://api.deepseek.com`.
    pub fn root_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }

    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// The most chat answers that streamed at once (counted only with `Script::slots`).
    pub fn peak_busy(&self) -> usize {
        lock(&self.shared.busy).1
    }

    /// Replaces the script (the recorded requests stay).
    pub fn set_script(&self, script: impl Into<Script>) {
        *lock(&self.shared.script) = script.into();
    }
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").into()));
    let mut request = Recorded {
        at: Instant::now(),
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().into(), ToString::to_string),
        headers: headers.collect(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        status: 0,
    };
    let path = uri.path();
    let gemini = path.starts_with("/v1beta");
    let is_chat = method == Method::POST
        && (path.ends_with("/chat/completions") || path.ends_with(":streamGenerateContent"));
    let is_listing = method == Method::GET && path.ends_with("/models");
    let response = match (is_chat || is_listing).then(|| choose(&shared, &request, is_chat)) {
        None => json_response(404, json!({ "error": { "message": "no such route" } })),
        // Both headers, as OpenAI sends them.
        Some(Chosen::OverLimit(wait)) => {
            rate_limited(gemini, Some(whole_seconds(wait)), Some(wait))
        }
        Some(Chosen::NoSlot(wait)) => rate_limited(gemini, Some(whole_seconds(wait)), None),
        Some(Chosen::Scripted(behaviour, slot)) => {
            render(gemini, is_listing, behaviour, &request, slot)
        }
    };
    request.status = response.status().as_u16();
    lock(&shared.requests).push(request);
    response
}

/// The rate limiter's verdict, or the script's.
enum Chosen {
    OverLimit(Duration),
    NoSlot(Duration),
    Scripted(Behaviour, Option<Slot>),
}

fn choose(shared: &Arc<Shared>, request: &Recorded, is_chat: bool) -> Chosen {
    let mut script = lock(&shared.script);
    if let (true, Some((limit, window))) = (is_chat, script.rate_limit) {
        let mut admitted = lock(&shared.admitted);
        let now = request.at;
        while admitted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            admitted.pop_front();
        }
        if let (true, Some(oldest)) = (admitted.len() >= limit, admitted.front()) {
            return Chosen::OverLimit((*oldest + window).saturating_duration_since(now));
        }
        admitted.push_back(now);
    }
    let mut slot = None;
    if let (true, Some((slots, retry_after))) = (is_chat, script.slots) {
        let mut busy = lock(&shared.busy);
        if busy.0 >= slots {
            return Chosen::NoSlot(retry_after);
        }
        busy.0 += 1;
        busy.1 = busy.1.max(busy.0);
        slot = Some(Slot(Arc::clone(shared)));
    }
    if let Some(next) = script.queue.pop_front() {
        return Chosen::Scripted(next, slot);
    }
    let picked = script.pick.as_ref().and_then(|pick| pick(request));
    Chosen::Scripted(picked.unwrap_or_else(|| script.default.clone()), slot)
}

fn render(
    gemini: bool,
    is_listing: bool,
    behaviour: Behaviour,
    request: &Recorded,
    slot: Option<Slot>,
) -> Response {
    let model = requested_model(request);
    match behaviour {
        Behaviour::RateLimited(wait) => rate_limited(gemini, wait.map(whole_seconds), None),
        Behaviour::RateLimitedMs(wait) => rate_limited(gemini, None, Some(wait)),
        Behaviour::Status { status, body } => plain_response(status, body),
        Behaviour::Answer(_)
        | Behaviour::DropMidStream
        | Behaviour::Stall
        | Behaviour::Malformed
        | Behaviour::Empty
        | Behaviour::CutOff
        | Behaviour::MidStreamError
        | Behaviour::Refused => match is_listing {
            true => model_list(gemini),
            false => sse_response(stream_steps(gemini, &model, behaviour, request), slot),
        },
        error if gemini => {
            let (status, body) = gemini_error(&error, &model);
            json_response(status, body)
        }
        error => {
            let (status, body) = openai_error(&error, &model);
            json_response(status, body)
        }
    }
}

/// Error bodies as OpenAI, DeepSeek and llama-server send them.
fn openai_error(behaviour: &Behaviour, model: &str) -> (u16, Value) {
    let (status, message, kind, code) = match behaviour {
        Behaviour::Unauthorized => (401, "Invalid API Key", "authentication_error", json!(401)),
        Behaviour::InsufficientBalance => (
            402,
            "Insufficient Balance",
            "unknown_error",
            json!("invalid_request_error"),
        ),
        Behaviour::ModelNotFound => {
            let message =
                format!("The model `{model}` does not exist or you do not have access to it.");
            return (
                404,
                openai_error_body(&message, "invalid_request_error", json!("model_not_found")),
            );
        }
        Behaviour::DailyQuota => (
            429,
            QUOTA_MESSAGE,
            "insufficient_quota",
            json!("insufficient_quota"),
        ),
        Behaviour::ServerError(status) => (*status, SERVER_MESSAGE, "server_error", Value::Null),
        other => unreachable!("{other:?} is not an error status"),
    };
    (status, openai_error_body(message, kind, code))
}

fn openai_error_body(message: &str, kind: &str, code: Value) -> Value {
    json!({ "error": { "message": message, "type": kind, "param": null, "code": code } })
}

/// Error bodies as `generativelanguage.googleapis.com` sends them.
fn gemini_error(behaviour: &Behaviour, model: &str) -> (u16, Value) {
    let (status, message, code, details) = match behaviour {
        Behaviour::Unauthorized => (
            400,
            "API key not valid. Please pass a valid API key.".to_string(),
            "INVALID_ARGUMENT",
            json!([{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID" }]),
        ),
        Behaviour::ModelNotFound => {
            let message = format!("models/{model} is not found for API version v1beta, or is not supported for generateContent.");
            (404, message, "NOT_FOUND", json!([]))
        }
        Behaviour::DailyQuota => (
            429,
            QUOTA_MESSAGE.to_string(),
            "RESOURCE_EXHAUSTED",
            json!([
                { "@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                    "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier" }] },
                { "@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "38s" }
            ]),
        ),
        Behaviour::ServerError(status) => {
            (*status, SERVER_MESSAGE.into(), "UNAVAILABLE", json!([]))
        }
        // Gemini has no 402; answer as OpenAI-style servers do.
        Behaviour::InsufficientBalance => return openai_error(behaviour, model),
        other => unreachable!("{other:?} is not an error status"),
    };
    let error = json!({ "code": status, "message": message, "status": code, "details": details });
    (status, json!({ "error": error }))
}

const QUOTA_MESSAGE: &str =
    "You exceeded your current quota, please check your plan and billing details.";
const SERVER_MESSAGE: &str = "The server had an error while processing your request.";

fn rate_limited(gemini: bool, seconds: Option<u128>, millis: Option<Duration>) -> Response {
    let body = if gemini {
        let error = json!({ "code": 429, "message": "Resource has been exhausted (e.g. check quota).",
            "status": "RESOURCE_EXHAUSTED" });
        json!({ "error": error })
    } else {
        openai_error_body(
            "Rate limit reached for requests",
            "requests",
            json!("rate_limit_exceeded"),
        )
    };
    let mut response = json_response(429, body);
    if let Some(seconds) = seconds {
        insert_header(&mut response, "retry-after", &seconds.to_string());
    }
    if let Some(millis) = millis {
        insert_header(
            &mut response,
            "retry-after-ms",
            &millis.as_millis().to_string(),
        );
    }
    response
}

fn whole_seconds(wait: Duration) -> u128 {
    wait.as_millis().div_ceil(1000)
}

fn requested_model(request: &Recorded) -> String {
    if let Some(model) = request.body.get("model").and_then(Value::as_str) {
        return model.to_string();
    }
    let path = request.path.split('?').next().unwrap_or("");
    let after = path.rsplit("/models/").next().unwrap_or("");
    after.split(':').next().unwrap_or("").to_string()
}

fn model_list(gemini: bool) -> Response {
    if gemini {
        let generating = ["generateContent", "countTokens"];
        let models = MODELS
            .iter()
            .map(|m| json!({ "name": format!("models/{m}"), "supportedGenerationMethods": generating }))
            .chain([json!({ "name": "models/fake-embedding", "supportedGenerationMethods": ["embedContent"] })]);
        return json_response(200, json!({ "models": models.collect::<Vec<_>>() }));
    }
    let data: Vec<Value> = MODELS
        .iter()
        .map(|m| json!({ "id": m, "object": "model", "owned_by": "fake" }))
        .collect();
    json_response(200, json!({ "object": "list", "data": data }))
}

/// One piece of a streamed body.
enum Step {
    /// These bytes, at this offset from the response's start.
    At(Duration, String),
    /// Cut the connection.
    Drop,
    /// Send nothing more, ever.
    Hang,
}

fn stream_steps(gemini: bool, model: &str, behaviour: Behaviour, request: &Recorded) -> Vec<Step> {
    let reply = match &behaviour {
        Behaviour::Answer(reply) => reply.clone(),
        Behaviour::Empty => Reply::text(""),
        _ => Reply {
            chunks: 3,
            ..Reply::text("func Add(a, b int) int { return a + b }")
        },
    };
    let mut writer = Writer {
        gemini,
        model,
        reply: &reply,
        steps: Vec::new(),
        at: Duration::ZERO,
    };
    if let Some(every) = reply.keep_alive.filter(|every| !every.is_zero()) {
        let mut at = every;
        while at < reply.first_token_delay {
            writer.steps.push(Step::At(at, ": keep-alive\n\n".into()));
            at += every;
        }
    }
    writer.at = reply.first_token_delay;
    if !gemini {
        writer.openai_chunk(
            json!([{ "index": 0, "delta": { "role": "assistant", "content": null } }]),
        );
    }
    let text = split(&reply.text, reply.chunks);
    let reasoning = split(&reply.reasoning, reply.chunks);
    match behaviour {
        Behaviour::DropMidStream => {
            text.iter()
                .take(2)
                .for_each(|piece| writer.part(piece, false));
            writer.steps.push(Step::Drop);
            return writer.steps;
        }
        Behaviour::Stall => {
            writer.part(&text[0], false);
            writer.steps.push(Step::Hang);
            return writer.steps;
        }
        Behaviour::Malformed => {
            writer.raw("data: {\"choices\":[{\"delta\":{\"content\":\"fu\n\n".into())
        }
        Behaviour::MidStreamError => {
            writer.part(&text[0], false);
            writer.event(&if gemini {
                json!({ "error": { "code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE" } })
            } else {
                json!({ "error": { "message": "upstream overloaded", "type": "server_error", "code": "overloaded" } })
            });
            return writer.steps;
        }
        _ => {}
    }
    reasoning.iter().for_each(|piece| writer.part(piece, true));
    text.iter().for_each(|piece| writer.part(piece, false));
    let finish = match (behaviour, gemini) {
        (Behaviour::CutOff, false) => "length",
        (Behaviour::CutOff, true) => "MAX_TOKENS",
        (Behaviour::Refused, false) => "content_filter",
        (Behaviour::Refused, true) => "SAFETY",
        (_, false) => "stop",
        (_, true) => "STOP",
    };
    let (completion, thoughts) = (text.len() as u64, reasoning.len() as u64);
    writer.finish(finish, prompt_words(&request.body), completion, thoughts);
    writer.steps
}

/// Writes one protocol's events on the reply's clock.
struct Writer<'a> {
    gemini: bool,
    model: &'a str,
    reply: &'a Reply,
    steps: Vec<Step>,
    at: Duration,
}

impl Writer<'_> {
    fn raw(&mut self, text: String) {
        self.steps.push(Step::At(self.at, text));
        self.at += self.reply.chunk_delay;
    }

    fn event(&mut self, value: &Value) {
        // Google separates events with CRLF; the OpenAI-style servers with LF.
        let end = if self.gemini { "\r\n\r\n" } else { "\n\n" };
        self.raw(format!("data: {value}{end}"));
    }

    /// A `chat.completion.chunk` shaped like llama-server's (extra fields included).
    fn openai_chunk(&mut self, choices: Value) -> Value {
        let chunk = json!({ "choices": choices, "created": 1795528769, "id": "chatcmpl-fake",
            "model": self.model, "system_fingerprint": "b0-fake", "object": "chat.completion.chunk" });
        self.event(&chunk);
        chunk
    }

    fn part(&mut self, piece: &str, thought: bool) {
        if self.gemini {
            let part = if thought {
                json!({ "text": piece, "thought": true })
            } else {
                json!({ "text": piece })
            };
            let content = json!({ "parts": [part], "role": "model" });
            self.event(&json!({ "candidates": [{ "content": content, "index": 0 }], "modelVersion": self.model }));
        } else {
            let field = if thought {
                "reasoning_content"
            } else {
                "content"
            };
            self.openai_chunk(
                json!([{ "finish_reason": null, "index": 0, "delta": { field: piece } }]),
            );
        }
    }

    fn finish(&mut self, reason: &str, prompt: u64, completion: u64, thoughts: u64) {
        let cached = self.reply.cached_tokens;
        let total = prompt + completion + thoughts;
        if self.gemini {
            let usage = json!({ "promptTokenCount": prompt, "candidatesTokenCount": completion,
                "totalTokenCount": total, "cachedContentTokenCount": cached, "thoughtsTokenCount": thoughts });
            let candidate = json!({ "content": { "parts": [{ "text": "" }], "role": "model" },
                "finishReason": reason, "index": 0 });
            let chunk = json!({ "candidates": [candidate], "usageMetadata": usage, "modelVersion": self.model });
            return self.event(&chunk);
        }
        self.openai_chunk(json!([{ "finish_reason": reason, "index": 0, "delta": {} }]));
        let mut usage = json!({ "completion_tokens": completion + thoughts, "prompt_tokens": prompt,
            "total_tokens": total, "completion_tokens_details": { "reasoning_tokens": thoughts } });
        if self.reply.deepseek_usage {
            usage["prompt_cache_hit_tokens"] = json!(cached);
            usage["prompt_cache_miss_tokens"] = json!(prompt.saturating_sub(cached));
        } else {
            usage["prompt_tokens_details"] = json!({ "cached_tokens": cached });
        }
        let timings = json!({ "cache_n": cached, "prompt_n": prompt, "predicted_n": completion });
        let chunk = json!({ "choices": [], "id": "chatcmpl-fake", "model": self.model,
            "object": "chat.completion.chunk", "usage": usage, "timings": timings });
        self.event(&chunk);
        self.raw("data: [DONE]\n\n".into());
    }
}

/// `text` in `pieces` parts of about equal length (on char boundaries); none for empty text.
fn split(text: &str, pieces: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let size = chars.len().div_ceil(pieces.max(1)).max(1);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

/// A stand-in for prompt tokens: the words in the request's messages.
fn prompt_words(body: &Value) -> u64 {
    fn words(value: &Value) -> u64 {
        match value {
            Value::String(text) => text.split_whitespace().count() as u64,
            Value::Array(items) => items.iter().map(words).sum(),
            Value::Object(map) => map
                .iter()
                .filter(|(k, _)| *k != "role")
                .map(|(_, v)| words(v))
                .sum(),
            _ => 0,
        }
    }
    ["messages", "contents", "systemInstruction"]
        .iter()
        .filter_map(|k| body.get(*k))
        .map(words)
        .sum()
}

/// The streamed body; `slot` is held until it ends (or the client goes away).
fn sse_response(steps: Vec<Step>, slot: Option<Slot>) -> Response {
    let start = tokio::time::Instant::now();
    // Each step has its instant from the start, so slow polls never add up (benchmarks rely on it).
    let body = stream::unfold(
        (steps.into_iter(), slot),
        move |(mut steps, slot)| async move {
            match steps.next()? {
                Step::At(offset, text) => {
                    tokio::time::sleep_until(start + offset).await;
                    Some((Ok(Bytes::from(text)), (steps, slot)))
                }
                Step::Drop => {
                    let cut =
                        std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fake: dropped");
                    Some((Err(cut), (steps, slot)))
                }
                Step::Hang => std::future::pending().await,
            }
        },
    );
    let mut response = Response::new(Body::from_stream(body));
    insert_header(&mut response, "content-type", "text/event-stream");
    response
}

fn json_response(status: u16, body: Value) -> Response {
    plain_response(status, body.to_string())
}

fn plain_response(status: u16, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    insert_header(&mut response, "content-type", "application/json");
    response
}

fn insert_header(response: &mut Response, name: &'static str, value: &str) {
    if let Ok(value) = value.parse() {
        response.headers_mut().insert(name, value);
    }
}
