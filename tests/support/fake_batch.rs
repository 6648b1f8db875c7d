//! A fake batch API for tests: a real HTTP server on 127.0.0.1 (random port, its own thread and
//! tokio runtime) that speaks both providers' batch endpoints, moves each batch through its states
//! with time, answers every request through a closure, and misbehaves on demand.
//!
//! It speaks:
//! - OpenAI (`/v1`): `POST /files` (multipart `purpose` + `file`), `POST /batches`,
//!   `GET /batches/{id}`, `POST /batches/{id}/cancel`, `GET /files/{id}/content`;
//! - Gemini (`/v1beta`): `POST /models/{model}:batchGenerateContent` (inline requests),
//!   `GET /batches/{id}` (an operation, the batch in `metadata`, results in `response`),
//!   `POST /batches/{id}:cancel`, and `GET /download/v1beta/files/{name}:download?alt=media`.
//!
//! What a batch does is the [`Plan`] in force when it was created: how long it validates, runs and
//! finalizes, how it ends ([`Fate`]), and what goes wrong in its output. Every request is recorded
//! ([`FakeBatch::requests`]) with the key headers' values replaced by `<key>`, so a test can look
//! for the key in everything else.
//!
//! Use: `#[path = "support/fake_batch.rs"] mod fake_batch;` from a test in `tests/`.
#![allow(dead_code)] // each test binary uses its own part of it

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};

/// Request (`custom_id`, body as sent: OpenAI's chat body, or Gemini's `GenerateContentRequest`) →
/// the answer's text.
pub type Answerer = Arc<dyn Fn(&str, &Value) -> String + Send + Sync>;

/// How a batch ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Every request answered (but see the [`Plan`]'s misbehaviours).
    Complete,
    /// Fails validation with these messages (OpenAI `errors.data[]`, Gemini the operation's `error`).
    Fail(Vec<String>),
    /// Expires with only the first `answered` requests answered; the rest are in the error file
    /// (OpenAI, `batch_expired`) or absent (Gemini).
    Expire { answered: usize },
}

/// What the next batches do.
#[derive(Clone)]
pub struct Plan {
    /// OpenAI `validating`, Gemini `BATCH_STATE_PENDING`.
    pub validating: Duration,
    /// `in_progress` / `BATCH_STATE_RUNNING`.
    pub in_progress: Duration,
    /// `finalizing` (Gemini: still running); also how long a cancel stays `cancelling`.
    pub finalizing: Duration,
    pub fate: Fate,
    pub answer: Answerer,
    /// Sent as `reasoning_content` (Gemini: a `thought: true` part) when not empty.
    pub reasoning: String,
    /// Reported as cached prompt tokens in every answer's usage.
    pub cached_tokens: u64,
    /// These custom_ids get no line at all.
    pub missing: Vec<String>,
    /// These get a second line, answering `DUPLICATE`, right after their first.
    pub duplicated: Vec<String>,
    /// These get an output line with status 400 (Gemini: an inline `error`).
    pub line_errors: Vec<String>,
    /// These get a line in the error file (OpenAI `server_error`; Gemini: an `error` entry, 500).
    pub error_file: Vec<String>,
    /// Output lines in reverse order.
    pub reversed: bool,
    /// Lines that cannot be matched: unparsable JSONL (OpenAI, Gemini file), or inline responses
    /// without `metadata.key` (Gemini), put first.
    pub malformed_lines: usize,
    /// Gemini's results as a responses file to download rather than inline.
    pub gemini_file_output: bool,
}

impl Plan {
    /// Instant batches (no waiting in any state) answering with `answer`.
    pub fn new(answer: impl Fn(&str, &Value) -> String + Send + Sync + 'static) -> Self {
        Self {
            validating: Duration::ZERO,
            in_progress: Duration::ZERO,
            finalizing: Duration::ZERO,
            fate: Fate::Complete,
            answer: Arc::new(answer),
            reasoning: String::new(),
            cached_tokens: 0,
            missing: Vec::new(),
            duplicated: Vec::new(),
            line_errors: Vec::new(),
            error_file: Vec::new(),
            reversed: false,
            malformed_lines: 0,
            gemini_file_output: false,
        }
    }

    /// Answers `answer for {custom_id}`.
    pub fn echo() -> Self {
        Self::new(|id, _| format!("answer for {id}"))
    }

    pub fn timing(
        mut self,
        validating: Duration,
        in_progress: Duration,
        finalizing: Duration,
    ) -> Self {
        (self.validating, self.in_progress, self.finalizing) =
            (validating, in_progress, finalizing);
        self
    }
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Lower-case names; `authorization` and `x-goog-api-key` values are `<key>`.
    pub headers: Vec<(String, String)>,
    /// The key presented (Bearer token or `x-goog-api-key`), kept apart.
    pub key: Option<String>,
    /// The body as text (a multipart upload included).
    pub body: String,
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

struct Batch {
    gemini: bool,
    created: Instant,
    created_unix: u64,
    input_file_id: String,
    display_name: String,
    model: String,
    /// (custom_id, request body) in submission order.
    requests: Vec<(String, Value)>,
    plan: Plan,
    cancelled_at: Option<Instant>,
    /// (output file, error file) once written.
    files: Option<(Option<String>, Option<String>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Validating,
    InProgress,
    Finalizing,
    Completed,
    Failed,
    Expired,
    Cancelling,
    Cancelled,
}

struct Shared {
    plan: Mutex<Plan>,
    expected_key: Mutex<Option<String>>,
    rate_limited_uploads: Mutex<usize>,
    batches: Mutex<HashMap<String, Batch>>,
    files: Mutex<HashMap<String, String>>,
    requests: Mutex<Vec<Recorded>>,
    next_id: Mutex<u64>,
}

/// The running server; it stops when dropped.
pub struct FakeBatch {
    port: u16,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FakeBatch {
    pub fn start(plan: Plan) -> Self {
        let shared = Arc::new(Shared {
            plan: Mutex::new(plan),
            expected_key: Mutex::new(None),
            rate_limited_uploads: Mutex::new(0),
            batches: Mutex::new(HashMap::new()),
            files: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            next_id: Mutex::new(0),
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
            runtime.shutdown_background();
        });
        Self {
            port,
            shared,
            stop: Some(stop),
        }
    }

    /// For OpenAI-style kinds (`{base}/files`, `{base}/batches`).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// For Gemini (`{base}/models/{model}:batchGenerateContent`).
    pub fn gemini_base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1beta", self.port)
    }

    /// The plan for batches created from now on.
    pub fn set_plan(&self, plan: Plan) {
        *lock(&self.shared.plan) = plan;
    }

    /// Only this key is accepted; others get the provider's 401 (Gemini: 400 `API_KEY_INVALID`).
    pub fn require_key(&self, key: &str) {
        *lock(&self.shared.expected_key) = Some(key.to_string());
    }

    /// The next `uploads` uploads (OpenAI `POST /files`, Gemini `batchGenerateContent`) get 429
    /// with `Retry-After: 1`.
    pub fn rate_limit_uploads(&self, uploads: usize) {
        *lock(&self.shared.rate_limited_uploads) = uploads;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }

    /// Ids of the batches created so far (Gemini's without `batches/`).
    pub fn batch_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = lock(&self.shared.batches).keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The custom_ids of batch `id`, in submission order.
    pub fn custom_ids(&self, id: &str) -> Vec<String> {
        lock(&self.shared.batches)
            .get(id)
            .map(|b| b.requests.iter().map(|(c, _)| c.clone()).collect())
            .unwrap_or_default()
    }

    /// The request bodies of batch `id`, in submission order.
    pub fn bodies(&self, id: &str) -> Vec<Value> {
        lock(&self.shared.batches)
            .get(id)
            .map(|b| b.requests.iter().map(|(_, body)| body.clone()).collect())
            .unwrap_or_default()
    }
}

impl Drop for FakeBatch {
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

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut key = None;
    let mut recorded_headers = Vec::new();
    for (name, value) in &headers {
        let value = value.to_str().unwrap_or("").to_string();
        let name = name.to_string();
        if name == "authorization" || name == "x-goog-api-key" {
            key = Some(value.strip_prefix("Bearer ").unwrap_or(&value).to_string());
            recorded_headers.push((name, "<key>".to_string()));
        } else {
            recorded_headers.push((name, value));
        }
    }
    let path = uri.path().to_string();
    let gemini = path.starts_with("/v1beta") || path.starts_with("/download/v1beta");
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let expected = lock(&shared.expected_key).clone();
    let response = match expected {
        Some(expected) if key.as_deref() != Some(expected.as_str()) => unauthorized(gemini),
        _ => route(&shared, &method, &path, &content_type, &body),
    };
    lock(&shared.requests).push(Recorded {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map_or_else(|| path.clone(), ToString::to_string),
        headers: recorded_headers,
        key,
        body: String::from_utf8_lossy(&body).into_owned(),
        status: response.status().as_u16(),
    });
    response
}

fn route(
    shared: &Shared,
    method: &Method,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> Response {
    let post = method == Method::POST;
    if let Some(rest) = path.strip_prefix("/v1/") {
        return match (post, rest.split('/').collect::<Vec<_>>().as_slice()) {
            (true, ["files"]) => openai_upload(shared, content_type, body),
            (true, ["batches"]) => openai_create(shared, body),
            (false, ["batches", id]) => openai_batch(shared, id),
            (true, ["batches", id, "cancel"]) => {
                cancel(shared, id);
                openai_batch(shared, id)
            }
            (false, ["files", id, "content"]) => download(shared, id),
            _ => not_found(false),
        };
    }
    if let Some(rest) = path.strip_prefix("/v1beta/") {
        if let Some(model) = rest
            .strip_prefix("models/")
            .and_then(|r| r.strip_suffix(":batchGenerateContent"))
        {
            return if post {
                gemini_create(shared, model, body)
            } else {
                not_found(true)
            };
        }
        if let Some(id) = rest.strip_prefix("batches/") {
            if let Some(id) = id.strip_suffix(":cancel") {
                return if post && cancel(shared, id) {
                    json_response(200, json!({}))
                } else {
                    not_found(true)
                };
            }
            return gemini_batch(shared, id);
        }
    }
    if let Some(name) = path
        .strip_prefix("/download/v1beta/")
        .and_then(|r| r.strip_suffix(":download"))
    {
        return download(shared, name);
    }
    not_found(path.starts_with("/v1beta"))
}

fn new_id(shared: &Shared, prefix: &str) -> String {
    let mut next = lock(&shared.next_id);
    *next += 1;
    format!("{prefix}{:04}", *next)
}

/// A 429 if uploads are to be rate limited.
fn upload_limited(shared: &Shared, gemini: bool) -> Option<Response> {
    let mut left = lock(&shared.rate_limited_uploads);
    if *left == 0 {
        return None;
    }
    *left -= 1;
    let body = if gemini {
        json!({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}})
    } else {
        json!({"error": {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}})
    };
    let mut response = json_response(429, body);
    response
        .headers_mut()
        .insert("retry-after", axum::http::HeaderValue::from_static("1"));
    Some(response)
}

// ---- OpenAI ----

fn openai_upload(shared: &Shared, content_type: &str, body: &[u8]) -> Response {
    if let Some(limited) = upload_limited(shared, false) {
        return limited;
    }
    let parts = multipart(content_type, body);
    let purpose = parts.iter().find(|(name, _)| name == "purpose");
    let file = parts.iter().find(|(name, _)| name == "file");
    let (Some((_, purpose)), Some((_, file))) = (purpose, file) else {
        return bad_request(false, "expected multipart fields `purpose` and `file`");
    };
    if purpose != "batch" {
        return bad_request(false, &format!("purpose must be `batch`, not `{purpose}`"));
    }
    let id = new_id(shared, "file-");
    let bytes = file.len();
    lock(&shared.files).insert(id.clone(), file.clone());
    json_response(
        200,
        json!({"id": id, "object": "file", "bytes": bytes, "created_at": now_unix(), "filename": "batch.jsonl", "purpose": "batch"}),
    )
}

fn openai_create(shared: &Shared, body: &[u8]) -> Response {
    let Ok(create) = serde_json::from_slice::<Value>(body) else {
        return bad_request(false, "body is not JSON");
    };
    let input = create["input_file_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if create["endpoint"] != "/v1/chat/completions" || create["completion_window"] != "24h" {
        return bad_request(
            false,
            "expected endpoint /v1/chat/completions and completion_window 24h",
        );
    }
    let Some(content) = lock(&shared.files).get(&input).cloned() else {
        return bad_request(false, &format!("no such file `{input}`"));
    };
    let mut requests = Vec::new();
    for line in content.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(line) = serde_json::from_str::<Value>(line) else {
            return bad_request(false, "input line is not JSON");
        };
        let ok = line["method"] == "POST" && line["url"] == "/v1/chat/completions";
        let Some(custom_id) = line["custom_id"].as_str().filter(|_| ok) else {
            return bad_request(false, "input line lacks custom_id, method POST or url");
        };
        requests.push((custom_id.to_string(), line["body"].clone()));
    }
    let id = new_id(shared, "batch_");
    let model = requests
        .first()
        .and_then(|(_, b)| b["model"].as_str())
        .unwrap_or_default()
        .to_string();
    let batch = new_batch(shared, false, input, String::new(), model, requests);
    lock(&shared.batches).insert(id.clone(), batch);
    openai_batch(shared, &id)
}

fn new_batch(
    shared: &Shared,
    gemini: bool,
    input_file_id: String,
    display_name: String,
    model: String,
    requests: Vec<(String, Value)>,
) -> Batch {
    Batch {
        gemini,
        created: Instant::now(),
        created_unix: now_unix(),
        input_file_id,
        display_name,
        model,
        requests,
        plan: lock(&shared.plan).clone(),
        cancelled_at: None,
        files: None,
    }
}

fn openai_batch(shared: &Shared, id: &str) -> Response {
    let mut batches = lock(&shared.batches);
    let Some(batch) = batches.get_mut(id) else {
        return not_found(false);
    };
    let phase = phase(batch);
    let (output, errors) = if is_final(phase) {
        write_files(shared, id, batch)
    } else {
        (None, None)
    };
    let (completed, failed) = counts(batch, phase);
    let status = match phase {
        Phase::Validating => "validating",
        Phase::InProgress => "in_progress",
        Phase::Finalizing => "finalizing",
        Phase::Completed => "completed",
        Phase::Failed => "failed",
        Phase::Expired => "expired",
        Phase::Cancelling => "cancelling",
        Phase::Cancelled => "cancelled",
    };
    let errors_field = match &batch.plan.fate {
        Fate::Fail(messages) if phase == Phase::Failed => json!({
            "object": "list",
            "data": messages.iter().enumerate().map(|(i, m)| json!({"code": "invalid_request", "message": m, "param": null, "line": i + 1})).collect::<Vec<_>>(),
        }),
        _ => Value::Null,
    };
    json_response(
        200,
        json!({
            "id": id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": errors_field,
            "input_file_id": batch.input_file_id,
            "completion_window": "24h",
            "status": status,
            "output_file_id": output,
            "error_file_id": errors,
            "created_at": batch.created_unix,
            "request_counts": {"total": batch.requests.len(), "completed": completed, "failed": failed},
            "metadata": null,
        }),
    )
}

// ---- Gemini ----

fn gemini_create(shared: &Shared, model: &str, body: &[u8]) -> Response {
    if let Some(limited) = upload_limited(shared, true) {
        return limited;
    }
    let Ok(create) = serde_json::from_slice::<Value>(body) else {
        return bad_request(true, "body is not JSON");
    };
    let batch = &create["batch"];
    let input = batch
        .get("input_config")
        .or_else(|| batch.get("inputConfig"));
    let Some(entries) = input
        .and_then(|i| i.pointer("/requests/requests"))
        .and_then(Value::as_array)
    else {
        return bad_request(true, "expected batch.input_config.requests.requests[]");
    };
    let mut requests = Vec::new();
    for entry in entries {
        let Some(key) = entry.pointer("/metadata/key").and_then(Value::as_str) else {
            return bad_request(true, "every request needs metadata.key");
        };
        if entry["request"]["contents"].as_array().is_none() {
            return bad_request(true, "request.contents missing");
        }
        requests.push((key.to_string(), entry["request"].clone()));
    }
    let display = batch
        .get("display_name")
        .or_else(|| batch.get("displayName"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let id = new_id(shared, "g");
    let batch = new_batch(
        shared,
        true,
        String::new(),
        display,
        model.to_string(),
        requests,
    );
    lock(&shared.batches).insert(id.clone(), batch);
    gemini_batch(shared, &id)
}

fn gemini_batch(shared: &Shared, id: &str) -> Response {
    let mut batches = lock(&shared.batches);
    let Some(batch) = batches.get_mut(id) else {
        return not_found(true);
    };
    let phase = phase(batch);
    let state = match phase {
        Phase::Validating => "BATCH_STATE_PENDING",
        Phase::InProgress | Phase::Finalizing => "BATCH_STATE_RUNNING",
        Phase::Completed => "BATCH_STATE_SUCCEEDED",
        Phase::Failed => "BATCH_STATE_FAILED",
        Phase::Expired => "BATCH_STATE_EXPIRED",
        Phase::Cancelling | Phase::Cancelled => "BATCH_STATE_CANCELLED",
    };
    let (completed, failed) = counts(batch, phase);
    let total = batch.requests.len() as u64;
    let name = format!("batches/{id}");
    let mut metadata = json!({
        "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
        "model": format!("models/{}", batch.model),
        "displayName": batch.display_name,
        "createTime": rfc3339(batch.created_unix),
        "batchStats": {
            // int64s, as strings, as Google sends them.
            "requestCount": total.to_string(),
            "successfulRequestCount": completed.to_string(),
            "failedRequestCount": failed.to_string(),
            "pendingRequestCount": (total - completed - failed).to_string(),
        },
        "state": state,
        "name": name,
    });
    let mut operation = json!({ "name": name, "metadata": Value::Null });
    if is_final(phase) {
        operation["done"] = json!(true);
        if let Fate::Fail(messages) = &batch.plan.fate {
            if phase == Phase::Failed {
                operation["error"] = json!({"code": 400, "message": messages.join("; ")});
            }
        }
        if matches!(phase, Phase::Completed | Phase::Expired) {
            let (inline, file) = gemini_output(shared, id, batch);
            let mut output = json!({
                "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
            });
            match file {
                Some(file) => output["responsesFile"] = json!(file),
                None => output["inlinedResponses"] = json!({ "inlinedResponses": inline }),
            }
            metadata["output"] = output.clone();
            operation["response"] = output;
        }
    }
    operation["metadata"] = metadata;
    json_response(200, operation)
}

/// Gemini's results: inline entries, or the name of a responses file holding them one per line.
fn gemini_output(shared: &Shared, id: &str, batch: &Batch) -> (Vec<Value>, Option<String>) {
    let lines = result_lines(batch);
    let mut entries = Vec::new();
    for line in &lines {
        entries.push(match line {
            Line::Malformed => json!({"response": gemini_response(batch, "no key", "orphan")}),
            Line::Answer(custom_id, text) => json!({
                "response": gemini_response(batch, custom_id, text),
                "metadata": {"key": custom_id},
            }),
            Line::Rejected(custom_id) => json!({
                "error": {"code": 400, "message": format!("invalid request {custom_id}"), "status": "INVALID_ARGUMENT"},
                "metadata": {"key": custom_id},
            }),
            Line::ServerError(custom_id) => json!({
                "error": {"code": 500, "message": format!("internal error on {custom_id}"), "status": "INTERNAL"},
                "metadata": {"key": custom_id},
            }),
            Line::Expired(_) => continue,
        });
    }
    if !batch.plan.gemini_file_output {
        return (entries, None);
    }
    let content: String = entries
        .iter()
        .map(|entry| match entry.pointer("/metadata/key") {
            // File lines carry the key at the top.
            Some(key) => {
                let mut line = entry.clone();
                line["key"] = key.clone();
                if let Some(object) = line.as_object_mut() {
                    object.remove("metadata");
                }
                line.to_string() + "\n"
            }
            None => "{not json\n".to_string(),
        })
        .collect();
    let name = format!("files/batch-{id}-output");
    lock(&shared.files).insert(name.clone(), content);
    (Vec::new(), Some(name))
}

fn gemini_response(batch: &Batch, custom_id: &str, text: &str) -> Value {
    let mut parts = Vec::new();
    if !batch.plan.reasoning.is_empty() {
        parts.push(json!({"text": batch.plan.reasoning, "thought": true}));
    }
    parts.push(json!({ "text": text }));
    let (prompt, completion, reasoning) = tokens(batch, custom_id, text);
    json!({
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {
            "promptTokenCount": prompt,
            "candidatesTokenCount": completion,
            "thoughtsTokenCount": reasoning,
            "cachedContentTokenCount": batch.plan.cached_tokens,
            "totalTokenCount": prompt + completion + reasoning,
        },
        "modelVersion": batch.model,
    })
}

// ---- Both ----

/// Marks batch `id` cancelled (if it is not final yet); false if there is no such batch.
fn cancel(shared: &Shared, id: &str) -> bool {
    let mut batches = lock(&shared.batches);
    let Some(batch) = batches.get_mut(id) else {
        return false;
    };
    if !is_final(phase(batch)) {
        batch.cancelled_at = Some(Instant::now());
    }
    true
}

fn phase(batch: &Batch) -> Phase {
    let plan = &batch.plan;
    if let Some(at) = batch.cancelled_at {
        let cancelling = !batch.gemini && at.elapsed() < plan.finalizing;
        return if cancelling {
            Phase::Cancelling
        } else {
            Phase::Cancelled
        };
    }
    let elapsed = batch.created.elapsed();
    if elapsed < plan.validating {
        return Phase::Validating;
    }
    if matches!(plan.fate, Fate::Fail(_)) {
        return Phase::Failed;
    }
    if elapsed < plan.validating + plan.in_progress {
        return Phase::InProgress;
    }
    if elapsed < plan.validating + plan.in_progress + plan.finalizing {
        return Phase::Finalizing;
    }
    match plan.fate {
        Fate::Expire { .. } => Phase::Expired,
        _ => Phase::Completed,
    }
}

fn is_final(phase: Phase) -> bool {
    matches!(
        phase,
        Phase::Completed | Phase::Failed | Phase::Expired | Phase::Cancelled
    )
}

/// (completed, failed) request counts once the batch ended; zeros before.
fn counts(batch: &Batch, phase: Phase) -> (u64, u64) {
    if !matches!(phase, Phase::Completed | Phase::Expired) {
        return (0, 0);
    }
    let lines = result_lines(batch);
    // A duplicated line is still one request.
    let answered: std::collections::HashSet<&str> = lines
        .iter()
        .filter_map(|l| match l {
            Line::Answer(id, _) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let completed = answered.len() as u64;
    let failed = lines
        .iter()
        .filter(|l| {
            matches!(
                l,
                Line::Rejected(_) | Line::ServerError(_) | Line::Expired(_)
            )
        })
        .count() as u64;
    (completed, failed)
}

/// What the output holds, in output order.
enum Line {
    Answer(String, String),
    Rejected(String),
    ServerError(String),
    Expired(String),
    Malformed,
}

fn result_lines(batch: &Batch) -> Vec<Line> {
    let plan = &batch.plan;
    let has = |list: &[String], id: &str| list.iter().any(|x| x == id);
    let mut lines = Vec::new();
    for (i, (custom_id, body)) in batch.requests.iter().enumerate() {
        let id = custom_id.clone();
        if let Fate::Expire { answered } = plan.fate {
            if i >= answered {
                lines.push(Line::Expired(id));
                continue;
            }
        }
        if has(&plan.missing, custom_id) {
            continue;
        }
        if has(&plan.line_errors, custom_id) {
            lines.push(Line::Rejected(id));
        } else if has(&plan.error_file, custom_id) {
            lines.push(Line::ServerError(id));
        } else {
            lines.push(Line::Answer(id.clone(), (plan.answer)(custom_id, body)));
        }
    }
    if plan.reversed {
        lines.reverse();
    }
    let mut all: Vec<Line> = (0..plan.malformed_lines).map(|_| Line::Malformed).collect();
    for line in lines {
        // The copy comes after the first, whatever the order.
        let copy = match &line {
            Line::Answer(id, _) if has(&plan.duplicated, id) => {
                Some(Line::Answer(id.clone(), "DUPLICATE".into()))
            }
            _ => None,
        };
        all.push(line);
        all.extend(copy);
    }
    all
}

/// OpenAI's output and error files, written once when the batch ends.
fn write_files(shared: &Shared, id: &str, batch: &mut Batch) -> (Option<String>, Option<String>) {
    if let Some(files) = &batch.files {
        return files.clone();
    }
    let (mut output, mut errors) = (String::new(), String::new());
    if matches!(phase(batch), Phase::Completed | Phase::Expired) {
        for (n, line) in result_lines(batch).iter().enumerate() {
            let request_id = format!("batch_req_{id}_{n}");
            let (target, text) = match line {
                Line::Malformed => (&mut output, "{\"custom_id\": \"broken".to_string()),
                Line::Answer(custom_id, text) => (
                    &mut output,
                    json!({"id": request_id, "custom_id": custom_id, "response": {"status_code": 200, "request_id": request_id, "body": openai_completion(batch, custom_id, text)}, "error": null}).to_string(),
                ),
                Line::Rejected(custom_id) => (
                    &mut output,
                    json!({"id": request_id, "custom_id": custom_id, "response": {"status_code": 400, "request_id": request_id, "body": {"error": {"message": format!("invalid request {custom_id}"), "type": "invalid_request_error", "param": null, "code": null}}}, "error": null}).to_string(),
                ),
                Line::ServerError(custom_id) => (
                    &mut errors,
                    json!({"id": request_id, "custom_id": custom_id, "response": null, "error": {"code": "server_error", "message": format!("internal error on {custom_id}")}}).to_string(),
                ),
                Line::Expired(custom_id) => (
                    &mut errors,
                    json!({"id": request_id, "custom_id": custom_id, "response": null, "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}}).to_string(),
                ),
            };
            target.push_str(&text);
            target.push('\n');
        }
    }
    let mut files = lock(&shared.files);
    let mut store = |suffix: &str, content: String| {
        (!content.is_empty()).then(|| {
            let name = format!("file-{id}-{suffix}");
            files.insert(name.clone(), content);
            name
        })
    };
    let written = (store("output", output), store("errors", errors));
    batch.files = Some(written.clone());
    written
}

fn openai_completion(batch: &Batch, custom_id: &str, text: &str) -> Value {
    let mut message = json!({"role": "assistant", "content": text});
    if !batch.plan.reasoning.is_empty() {
        message["reasoning_content"] = json!(batch.plan.reasoning);
    }
    let (prompt, completion, reasoning) = tokens(batch, custom_id, text);
    json!({
        "id": format!("chatcmpl-{custom_id}"),
        "object": "chat.completion",
        "created": batch.created_unix,
        "model": batch.model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion + reasoning,
            "total_tokens": prompt + completion + reasoning,
            "prompt_tokens_details": {"cached_tokens": batch.plan.cached_tokens},
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        },
    })
}

/// Made-up counts: a token per four bytes, as good as any.
fn tokens(batch: &Batch, custom_id: &str, text: &str) -> (u64, u64, u64) {
    let body = batch
        .requests
        .iter()
        .find(|(c, _)| c == custom_id)
        .map_or(0, |(_, b)| b.to_string().len());
    let estimate = |bytes: usize| (bytes / 4 + 1) as u64;
    let reasoning = if batch.plan.reasoning.is_empty() {
        0
    } else {
        estimate(batch.plan.reasoning.len())
    };
    (
        estimate(body) + batch.plan.cached_tokens,
        estimate(text.len()),
        reasoning,
    )
}

fn download(shared: &Shared, name: &str) -> Response {
    match lock(&shared.files).get(name) {
        Some(content) => Response::builder()
            .status(200)
            .header("content-type", "application/octet-stream")
            .body(Body::from(content.clone()))
            .unwrap_or_default(),
        None => not_found(name.starts_with("files/")),
    }
}

/// The fields of a multipart/form-data body: (name, content).
fn multipart(content_type: &str, body: &[u8]) -> Vec<(String, String)> {
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return Vec::new();
    };
    let boundary = format!("--{}", boundary.trim_matches('"'));
    let text = String::from_utf8_lossy(body);
    text.split(boundary.as_str())
        .filter_map(|part| {
            let (head, content) = part.split_once("\r\n\r\n")?;
            let name = head.split("name=\"").nth(1)?.split('"').next()?.to_string();
            Some((
                name,
                content.strip_suffix("\r\n").unwrap_or(content).to_string(),
            ))
        })
        .collect()
}

/// `2026-12-04T19:49:13Z`.
fn rfc3339(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.123456Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn json_response(status: u16, body: Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

fn bad_request(gemini: bool, message: &str) -> Response {
    let body = if gemini {
        json!({"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}})
    } else {
        json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": null}})
    };
    json_response(400, body)
}

fn not_found(gemini: bool) -> Response {
    let body = if gemini {
        json!({"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}})
    } else {
        json!({"error": {"message": "No such object", "type": "invalid_request_error", "param": null, "code": null}})
    };
    json_response(404, body)
}

fn unauthorized(gemini: bool) -> Response {
    if gemini {
        return json_response(
            400,
            json!({"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}}),
        );
    }
    json_response(
        401,
        json!({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}),
    )
}
