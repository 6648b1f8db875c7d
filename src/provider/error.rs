//! Errors a user can act on, classified for the retry policy.
//!
//! Owns: reading failures in every shape providers send them — an HTTP status with a JSON (or HTML)
//! body, an `{"error": …}` object inside a 200 stream, a transport failure — and turning each into
//! one message that says what failed and what to do ("key rejected by deepseek (HTTP 401): …",
//! "pass --model, see `assistant models --type gemini`"), with the [`Reason`] and [`ErrorKind`] the
//! retry policy reads, and the tokens the failed attempt was billed for (a cut-off answer still
//! costs them). Leaves to the protocol modules when to call this, and to `retry` what to do with a
//! retryable error.

use std::time::Duration;

use serde_json::Value;

use super::{retry, Origin, Secret, Usage};

/// What the retry policy reads off an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Another attempt may pass; wait at least `retry_after` when the server said so.
    Retryable { retry_after: Option<Duration> },
    /// Another attempt would fail the same way.
    Fatal,
}

/// Why an attempt failed, finer than [`ErrorKind`], for summaries and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// HTTP 429 (a rate, not a quota for the day).
    RateLimited,
    /// HTTP 5xx, 408 or 409.
    ServerBusy,
    /// No connection, or it failed before any answer.
    Connection,
    /// First byte, idle or attempt timeout.
    Timeout,
    /// The stream dropped, stalled in a way the server reported, ended early or carried garbage.
    StreamBroken,
    /// The stream completed with no answer text.
    EmptyAnswer,
    /// HTTP 401 (or Gemini's "API key not valid").
    KeyRejected,
    /// HTTP 402.
    InsufficientBalance,
    /// HTTP 403.
    AccessDenied,
    /// The model is unknown to the server.
    ModelNotFound,
    /// HTTP 400, 404 (not about the model), 422 and other 4xx.
    BadRequest,
    /// A quota that does not refill within minutes (per day, or billing).
    QuotaExhausted,
    /// The answer hit the token limit.
    CutOff,
    /// The provider refused to answer (safety filters and the like).
    Refused,
    /// The configuration cannot work (missing key, unusable base URL).
    Config,
}

impl Reason {
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited
                | Self::ServerBusy
                | Self::Connection
                | Self::Timeout
                | Self::StreamBroken
                | Self::EmptyAnswer
        )
    }
}

/// A failed attempt: a message a user can act on, what the retry policy needs, and what the attempt
/// cost. Never holds the API key (every provider scrubs its errors before returning them).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    reason: Reason,
    retry_after: Option<Duration>,
    message: String,
    /// Tokens the provider reported for this attempt before it was judged a failure; zero when it
    /// reported none (the request was refused, the stream broke before its usage chunk).
    usage: Usage,
}

impl ProviderError {
    pub fn new(reason: Reason, message: impl Into<String>) -> Self {
        Self {
            reason,
            retry_after: None,
            message: message.into(),
            usage: Usage::default(),
        }
    }

    /// The same error, billed `usage`: a stream that completed with usage but is no answer.
    pub fn with_usage(mut self, usage: Usage) -> Self {
        self.usage = usage;
        self
    }

    /// What the failed attempt cost, as the provider counted it.
    pub fn usage(&self) -> Usage {
        self.usage
    }

    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    pub fn reason(&self) -> Reason {
        self.reason
    }

    pub fn kind(&self) -> ErrorKind {
        if self.reason.is_retryable() {
            ErrorKind::Retryable {
                retry_after: self.retry_after,
            }
        } else {
            ErrorKind::Fatal
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.reason.is_retryable()
    }

    /// Whether the server refused for load: a 429 rate limit, or a 5xx that says it is overloaded
    /// or busy (Gemini's 503 "The model is overloaded", Ollama's "server busy", a 529). The
    /// concurrency limiter (`limit`) cuts on these.
    pub fn is_overload(&self) -> bool {
        match self.reason {
            Reason::RateLimited => true,
            Reason::ServerBusy => {
                let message = self.message.to_ascii_lowercase();
                ["overload", "busy", "http 529"]
                    .iter()
                    .any(|word| message.contains(word))
            }
            _ => false,
        }
    }

    /// What the server asked us to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub(super) fn scrubbed(mut self, key: &Secret) -> Self {
        self.message = key.scrub(&self.message);
        self
    }
}

impl ProviderError {
    /// A non-2xx HTTP answer: read its body (briefly: it is only an error) and classify it.
    pub(super) async fn from_response(
        origin: &Origin,
        response: reqwest::Response,
        wait: Duration,
    ) -> Self {
        let status = response.status().as_u16();
        let retry_after = retry::retry_after(response.headers());
        let body = match tokio::time::timeout(wait, response.text()).await {
            Ok(Ok(body)) => body,
            _ => String::new(),
        };
        Self::from_status(origin, status, retry_after, &body)
    }

    fn from_status(
        origin: &Origin,
        status: u16,
        retry_after: Option<Duration>,
        body: &str,
    ) -> Self {
        let said = ServerSaid::parse(body);
        let p = origin.provider;
        let detail = said
            .message
            .clone()
            .unwrap_or_else(|| summarize(body, status));
        if said.is_about_missing_model(status) {
            return Self::model_not_found(origin, &format!("HTTP {status}: {detail}"));
        }
        let (reason, message) = match status {
            401 => (Reason::KeyRejected, format!("key rejected by {p} (HTTP 401): {detail}")),
            400 if said.is_invalid_key() => {
                (Reason::KeyRejected, format!("key rejected by {p} (HTTP 400): {detail}"))
            }
            402 => (
                Reason::InsufficientBalance,
                format!("insufficient balance at {p} (HTTP 402): {detail}: top up the account"),
            ),
            403 => (Reason::AccessDenied, format!("access denied by {p} (HTTP 403): {detail}")),
            404 => (
                Reason::BadRequest,
                format!("{} not found (HTTP 404): {detail}: check --base-url", origin.url),
            ),
            429 if said.is_lasting_quota() => (
                Reason::QuotaExhausted,
                format!("quota exhausted at {p} (HTTP 429): {detail}: wait for it to refill or raise it"),
            ),
            429 => (Reason::RateLimited, format!("rate limited by {p} (HTTP 429): {detail}")),
            408 | 409 | 500..=599 => {
                (Reason::ServerBusy, format!("{p} failed (HTTP {status}): {detail}"))
            }
            _ if says_context_too_long(&detail) => (
                Reason::BadRequest,
                format!(
                    "request rejected by {p} (HTTP {status}): {detail}: the prompt is larger than the \
                     model's context; lower --max-context-tokens or --group-size"
                ),
            ),
            _ => (Reason::BadRequest, format!("request rejected by {p} (HTTP {status}): {detail}")),
        };
        Self::new(reason, message).with_retry_after(retry_after.or(said.retry_delay))
    }

    /// An `{"error": …}` object that arrived inside a 200 stream.
    pub(super) fn from_stream_error(origin: &Origin, error: &Value) -> Self {
        let said = ServerSaid::from_error(error);
        if let Some(status) = said.http_status() {
            let body = serde_json::json!({ "error": error }).to_string();
            return Self::from_status(origin, status, None, &body);
        }
        let p = origin.provider;
        let detail = said
            .message
            .clone()
            .unwrap_or_else(|| summarize(&error.to_string(), 0));
        if said.is_about_missing_model(0) {
            return Self::model_not_found(origin, &detail);
        }
        if said.is_lasting_quota() {
            return Self::new(
                Reason::QuotaExhausted,
                format!("quota exhausted at {p}: {detail}"),
            );
        }
        let code = said.code_or_type().to_ascii_lowercase();
        if code.contains("rate_limit") {
            return Self::new(
                Reason::RateLimited,
                format!("rate limited by {p}: {detail}"),
            )
            .with_retry_after(said.retry_delay);
        }
        if code.contains("invalid_request") {
            return Self::new(
                Reason::BadRequest,
                format!("request rejected by {p}: {detail}"),
            );
        }
        Self::new(
            Reason::StreamBroken,
            format!("{p} reported an error mid-stream: {detail}"),
        )
    }

    fn model_not_found(origin: &Origin, detail: &str) -> Self {
        let (p, model) = (origin.provider, &origin.model);
        Self::new(
            Reason::ModelNotFound,
            format!(
                "model `{model}` not found at {p} ({detail}): pass --model, see `assistant models --type {p}`"
            ),
        )
    }

    pub(super) fn transport(origin: &Origin, error: &reqwest::Error) -> Self {
        let p = origin.provider;
        if error.is_timeout() {
            return Self::new(
                Reason::Timeout,
                format!("{p} timed out: {}", describe(error)),
            );
        }
        if error.is_connect() {
            return Self::new(
                Reason::Connection,
                format!(
                    "cannot connect to {p} at {}: {}",
                    origin.url,
                    describe(error)
                ),
            );
        }
        Self::new(
            Reason::Connection,
            format!("request to {p} failed: {}", describe(error)),
        )
    }
}

/// What an error body says, in any of the shapes seen: OpenAI/DeepSeek/llama-server
/// `{"error":{"message","type","code"}}`, Gemini `{"error":{"code","message","status","details"}}`
/// (sometimes wrapped in an array), Ollama `{"error":"text"}`.
#[derive(Debug, Default)]
struct ServerSaid {
    message: Option<String>,
    code: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    numeric_code: Option<u16>,
    details: String,
    retry_delay: Option<Duration>,
}

impl ServerSaid {
    fn parse(body: &str) -> Self {
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            return Self::default();
        };
        let value = match value {
            Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
            other => other,
        };
        match value.get("error") {
            Some(error) => Self::from_error(error),
            None => Self {
                message: text_field(&value, "message"),
                ..Self::default()
            },
        }
    }

    fn from_error(error: &Value) -> Self {
        if let Value::String(text) = error {
            return Self {
                message: Some(text.clone()),
                ..Self::default()
            };
        }
        let code = error.get("code");
        let details = error
            .get("details")
            .map(Value::to_string)
            .unwrap_or_default();
        Self {
            message: text_field(error, "message").map(|m| clip(m.trim(), 300)),
            code: code.and_then(Value::as_str).map(str::to_string),
            kind: text_field(error, "type"),
            status: text_field(error, "status"),
            numeric_code: code
                .and_then(|c| {
                    c.as_u64()
                        .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
                })
                .and_then(|c| u16::try_from(c).ok())
                .filter(|c| (400..600).contains(c)),
            retry_delay: gemini_retry_delay(error),
            details,
        }
    }

    /// The HTTP status an in-stream error stands for, when it says.
    fn http_status(&self) -> Option<u16> {
        self.numeric_code.or(match self.status.as_deref()? {
            "INVALID_ARGUMENT" | "FAILED_PRECONDITION" => Some(400),
            "UNAUTHENTICATED" => Some(401),
            "PERMISSION_DENIED" => Some(403),
            "NOT_FOUND" => Some(404),
            "RESOURCE_EXHAUSTED" => Some(429),
            "INTERNAL" | "UNKNOWN" => Some(500),
            "UNAVAILABLE" => Some(503),
            "DEADLINE_EXCEEDED" => Some(504),
            _ => None,
        })
    }

    fn code_or_type(&self) -> &str {
        self.code.as_deref().or(self.kind.as_deref()).unwrap_or("")
    }

    fn everything(&self) -> String {
        [
            self.message.as_deref(),
            self.code.as_deref(),
            self.kind.as_deref(),
            Some(&self.details),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
    }

    fn is_about_missing_model(&self, status: u16) -> bool {
        if self.code.as_deref() == Some("model_not_found") {
            return true;
        }
        let text = self.everything();
        let mentions_model = text.contains("model");
        let says_missing = [
            "not found",
            "not exist",
            "does not exist",
            "no such",
            "unknown model",
        ]
        .iter()
        .any(|phrase| text.contains(phrase));
        match status {
            404 => mentions_model,
            // DeepSeek answers an unknown model with 400 "Model Not Exist".
            400 | 0 => mentions_model && says_missing,
            _ => false,
        }
    }

    fn is_invalid_key(&self) -> bool {
        let text = self.everything();
        text.contains("api_key_invalid") || text.contains("api key not valid")
    }

    /// A quota that no short wait refills: Gemini's per-day quotas, OpenAI's `insufficient_quota`.
    fn is_lasting_quota(&self) -> bool {
        let text = self.everything();
        text.contains("insufficient_quota") || text.contains("perday") || text.contains("per day")
    }
}

/// Gemini puts the wait in `details[].retryDelay` ("37s") of a `google.rpc.RetryInfo`.
fn gemini_retry_delay(error: &Value) -> Option<Duration> {
    let details = error.get("details")?.as_array()?;
    details.iter().find_map(|detail| {
        let delay = detail.get("retryDelay")?.as_str()?;
        let seconds: f64 = delay.strip_suffix('s')?.parse().ok()?;
        (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds).min(retry::MAX_RETRY_AFTER))
    })
}

fn text_field(value: &Value, name: &str) -> Option<String> {
    value.get(name)?.as_str().map(str::to_string)
}

/// The start of a body that is not a JSON error (an HTML page from a proxy, plain text).
pub(super) fn summarize(body: &str, status: u16) -> String {
    let words = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        return reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("no details")
            .to_string();
    }
    clip(&words, 200)
}

pub(super) fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// An error with its causes, since reqwest's own message ("error sending request") hides the why.
pub(super) fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Servers word "prompt too long" differently: OpenAI `context_length_exceeded` / "maximum context
/// length", llama.cpp "exceeds the available context size", vLLM "maximum model length".
fn says_context_too_long(detail: &str) -> bool {
    let detail = detail.to_ascii_lowercase();
    [
        "context length",
        "context size",
        "context_length",
        "maximum model length",
        "too many tokens",
    ]
    .iter()
    .any(|phrase| detail.contains(phrase))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_prompt_over_the_context_gets_a_hint() {
        let body = r#"{"error":{"code":400,"message":"request (5729 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error"}}"#;
        let error = ProviderError::from_status(&origin(), 400, None, body);
        assert!(
            error.to_string().contains("lower --max-context-tokens"),
            "{error}"
        );
        assert!(!error.is_retryable());
    }

    use super::*;

    fn origin() -> Origin {
        Origin {
            provider: "deepseek",
            model: "m1".into(),
            url: "http://x/chat/completions".into(),
        }
    }

    #[test]
    fn deepseek_unknown_model_is_model_not_found() {
        let body = r#"{"error":{"message":"Model Not Exist","type":"invalid_request_error"}}"#;
        let error = ProviderError::from_status(&origin(), 400, None, body);
        assert_eq!(error.reason(), Reason::ModelNotFound);
        assert!(error.message().contains("model `m1` not found at deepseek"));
    }

    #[test]
    fn gemini_invalid_key_is_key_rejected() {
        let body = r#"[{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}]"#;
        let error = ProviderError::from_status(&origin(), 400, None, body);
        assert_eq!(error.reason(), Reason::KeyRejected);
    }

    #[test]
    fn gemini_retry_info_gives_the_wait() {
        let body = r#"{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}"#;
        let error = ProviderError::from_status(&origin(), 429, None, body);
        assert_eq!(
            error.kind(),
            ErrorKind::Retryable {
                retry_after: Some(Duration::from_secs(7))
            }
        );
    }

    #[test]
    fn html_bodies_are_summarized() {
        let error = ProviderError::from_status(
            &origin(),
            502,
            None,
            "<html>\n  <b>Bad   gateway</b></html>",
        );
        assert_eq!(
            error.message(),
            "deepseek failed (HTTP 502): <html> <b>Bad gateway</b></html>"
        );
        let error = ProviderError::from_status(&origin(), 503, None, "");
        assert!(error.message().ends_with("Service Unavailable"), "{error}");
    }
}
