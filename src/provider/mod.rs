//! Talking to LLM providers: one [`Provider`] trait, one file per wire protocol.
//!
//! Owns:
//! - the table of provider kinds ([`kinds`]): names, aliases, which [`Protocol`] each speaks, and
//!   its defaults; the API-key lookup ([`defaults`]);
//! - the two protocols, both streamed over SSE: OpenAI chat completions (`openai`: every
//!   OpenAI-compatible vendor and `--base-url`) and Gemini's `streamGenerateContent` (`gemini`);
//! - SSE framing and the timeouts around a stream (`sse`): connect, first byte, idle between bytes,
//!   and the whole attempt;
//! - errors a user can act on ([`ProviderError`], `error`), classified for the retry policy, with
//!   the API key scrubbed out of everything, echoed server bodies included;
//! - the retry policy, the shared 429 [`Gate`](retry::Gate) and the `--rpm` limiter ([`retry`]);
//! - the number of requests in flight, learned from the server's refusals ([`limit`]).
//!
//! Leaves to others: what the prompt says (prompts), what the answer's code means (check), how many
//! jobs run at once, progress and Ctrl-C (run), flags and exit codes (the CLI). A [`Provider`] makes
//! exactly one attempt per [`Provider::chat`]; retrying is [`retry::ask_with_retries`]'s job.

pub mod batch;
pub mod defaults;
mod error;
mod gemini;
pub mod kinds;
pub mod limit;
mod openai;
pub mod retry;
mod sse;

pub use error::{ErrorKind, ProviderError, Reason};
pub use kinds::ProviderKind;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Serialize;
use serde_json::Value;

use error::{describe, summarize};

/// The wire protocols a kind can speak (the `protocol` column of [`kinds`]); [`build`] picks the
/// implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `POST {base}/chat/completions`, in this server's dialect.
    OpenAiChat(openai::Dialect),
    /// Gemini's `streamGenerateContent`.
    Gemini,
}

/// `--thinking`: one switch over each provider's reasoning controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thinking {
    Off,
    Low,
    High,
}

impl fmt::Display for Thinking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Off => "off",
            Self::Low => "low",
            Self::High => "high",
        })
    }
}

impl FromStr for Thinking {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(Self::Off),
            "low" => Ok(Self::Low),
            "high" => Ok(Self::High),
            _ => Err(format!(
                "unknown thinking level `{text}`: expected off, low or high"
            )),
        }
    }
}

/// The clocks around one attempt. See `sse` for where each one runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the TCP/TLS connection.
    pub connect: Duration,
    /// From sending the request to the first byte of the body: reasoning models think first, and
    /// not every server sends keep-alive comments meanwhile.
    pub first_byte: Duration,
    /// Silence between two reads once the body flows (keep-alive comments count as bytes).
    pub idle: Duration,
    /// The whole attempt, request to last byte (`--timeout`).
    pub attempt: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            first_byte: Duration::from_secs(120),
            idle: Duration::from_secs(60),
            attempt: Duration::from_secs(600),
        }
    }
}

/// Everything [`build`] needs. `None` fields take the provider's defaults (see [`defaults`]).
#[derive(Clone)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub base_url: Option<String>,
    pub api_key: Option<String>,
    pub model: Option<String>,
    pub thinking: Option<Thinking>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    pub timeouts: Timeouts,
    /// Print each HTTP exchange (method, URL, sizes, status, usage — never headers or the key) on stderr:
    /// `-vv`.
    pub trace: bool,
}

impl ProviderConfig {
    pub fn new(kind: ProviderKind) -> Self {
        Self {
            kind,
            base_url: None,
            api_key: None,
            model: None,
            thinking: None,
            temperature: None,
            max_tokens: None,
            timeouts: Timeouts::default(),
            trace: false,
        }
    }
}

// Hand-written so the key can never reach a log through `{:?}`.
impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("model", &self.model)
            .field("thinking", &self.thinking)
            .field("temperature", &self.temperature)
            .field("max_tokens", &self.max_tokens)
            .field("timeouts", &self.timeouts)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: content.into(),
        }
    }

    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// Tokens as the provider counted them. `completion_tokens` includes `reasoning_tokens` (that is how
/// OpenAI-style servers report it; Gemini's separate counts are added up to match).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Prompt tokens served from the provider's prefix cache (part of `prompt_tokens`).
    pub cached_tokens: u64,
    pub reasoning_tokens: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Self) {
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.cached_tokens += other.cached_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
    }
}

/// One complete answer. `reasoning` (DeepSeek/OpenAI-style `reasoning_content`, Gemini thought parts)
/// is never mixed into `text`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub text: String,
    pub reasoning: String,
    pub usage: Usage,
}

/// One provider behind one protocol. Implementations are cheap to share across tasks.
pub trait Provider: Send + Sync {
    /// The `--type` name of its kind.
    fn name(&self) -> &'static str;
    /// The model requests go to (the user's or the default).
    fn model(&self) -> &str;
    /// One attempt, streamed, bounded by the configured timeouts. No retries here.
    fn chat<'a>(&'a self, messages: &'a [Message]) -> BoxFuture<'a, Result<Answer, ProviderError>>;
    /// What the endpoint offers (`assistant models`).
    fn list_models(&self) -> BoxFuture<'_, Result<Vec<String>, ProviderError>>;
}

/// The provider `config` describes. Fails before any request when the provider needs a key and
/// none was given, or when the base URL is unusable.
pub fn build(config: ProviderConfig) -> Result<Box<dyn Provider>, ProviderError> {
    let protocol = defaults::of(config.kind).protocol;
    let endpoint = endpoint(config)?;
    Ok(match protocol {
        Protocol::OpenAiChat(dialect) => Box::new(openai::OpenAiCompatible::new(endpoint, dialect)),
        Protocol::Gemini => Box::new(gemini::Gemini::new(endpoint)),
    })
}

/// What every protocol (streamed or batch) starts from: the checked key, base URL and model, and one
/// HTTP client.
fn endpoint(config: ProviderConfig) -> Result<Endpoint, ProviderError> {
    let spec = defaults::of(config.kind);
    let key = Secret::new(config.api_key.clone());
    if spec.needs_key && key.expose().is_none() {
        return Err(ProviderError::new(
            Reason::Config,
            defaults::missing_key_message(config.kind),
        ));
    }
    let (base_url, query) = base_url(&config, &key)?;
    let key = key.with_url(&base_url);
    let model = match config.model.as_deref().map(str::trim) {
        Some(model) if !model.is_empty() => model.to_string(),
        _ => spec.model.to_string(),
    };
    let client = reqwest::Client::builder()
        .connect_timeout(config.timeouts.connect)
        .user_agent(concat!("assistant/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            ProviderError::new(
                Reason::Config,
                format!("cannot set up HTTP: {}", describe(&e)),
            )
        })?;
    Ok(Endpoint {
        kind: config.kind,
        base_url,
        query,
        model,
        key,
        client,
        // The key lives in `key` only, where nothing prints it.
        config: ProviderConfig {
            api_key: None,
            ..config
        },
    })
}

/// The base URL without its query string, and the query string (Azure OpenAI's
/// `?api-version=…`), which every request URL ends with (`Endpoint::url`).
fn base_url(
    config: &ProviderConfig,
    key: &Secret,
) -> Result<(String, Option<String>), ProviderError> {
    let raw = match config.base_url.as_deref().map(str::trim) {
        Some(url) if !url.is_empty() => url,
        _ => defaults::of(config.kind).base_url,
    };
    let shown = crate::redact::url(&key.scrub(raw));
    let url = reqwest::Url::parse(raw).map_err(|e| {
        ProviderError::new(Reason::Config, format!("invalid --base-url `{shown}`: {e}"))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ProviderError::new(
            Reason::Config,
            format!("invalid --base-url `{shown}`: expected an http:// or https:// URL"),
        ));
    }
    // As typed (`Url` would re-encode it); a fragment is never sent.
    let raw = raw.split('#').next().unwrap_or(raw);
    let (base, query) = match raw.split_once('?') {
        Some((base, query)) => (base, Some(query).filter(|q| !q.is_empty())),
        None => (raw, None),
    };
    Ok((
        base.trim_end_matches('/').to_string(),
        query.map(str::to_string),
    ))
}

/// `url` with `query` added after any query it has.
fn with_query(url: String, query: Option<&str>) -> String {
    match query {
        Some(query) if url.contains('?') => format!("{url}&{query}"),
        Some(query) => format!("{url}?{query}"),
        None => url,
    }
}

/// What both protocols share: where to send, which model, the key, one HTTP client (connection pool).
struct Endpoint {
    kind: ProviderKind,
    /// Without its query string (`query`) and trailing `/`.
    base_url: String,
    query: Option<String>,
    model: String,
    key: Secret,
    client: reqwest::Client,
    config: ProviderConfig,
}

impl Endpoint {
    /// `path` (which may hold its own `?…`) under the base URL, the base URL's query string kept at
    /// the end: `…/v1?api-version=1` and `chat/completions` make `…/v1/chat/completions?api-version=1`.
    fn url(&self, path: &str) -> String {
        with_query(
            format!("{}/{}", self.base_url, path.trim_start_matches('/')),
            self.query.as_deref(),
        )
    }

    fn origin(&self, url: &str) -> Origin {
        Origin {
            provider: self.kind.name(),
            model: self.model.clone(),
            url: crate::redact::url(url),
        }
    }

    /// One streamed answer under [`Endpoint::bounded`], every secret cut out of it before it lands
    /// anywhere (a sidecar, a rejected-answer file, a repair request).
    async fn answered(
        &self,
        work: impl std::future::Future<Output = Result<Answer, ProviderError>>,
    ) -> Result<Answer, ProviderError> {
        let answer = self.bounded(work).await?;
        Ok(self.key.scrub_answer(answer))
    }

    /// Runs one attempt under the `--timeout` clock and scrubs the key out of its error.
    async fn bounded<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, ProviderError>>,
    ) -> Result<T, ProviderError> {
        let limit = self.config.timeouts.attempt;
        let result = match tokio::time::timeout(limit, work).await {
            Ok(result) => result,
            Err(_elapsed) => Err(ProviderError::new(
                Reason::Timeout,
                format!(
                    "no complete answer from {} within {} s (--timeout)",
                    self.kind,
                    limit.as_secs_f32()
                ),
            )),
        };
        let result = result.map_err(|error| error.scrubbed(&self.key));
        if let Err(error) = &result {
            self.trace(&format!("<- failed: {error}"));
        }
        result
    }

    /// One line of the `-vv` trace, the key cut out in case a base URL holds it.
    fn trace(&self, line: &str) {
        if self.config.trace {
            crate::note!("assistant: http: {}", self.key.scrub(line));
        }
    }

    /// Traces a request about to go out.
    fn trace_request(&self, url: &str, body: &Value, messages: usize) {
        if self.config.trace {
            let bytes = serde_json::to_string(body).map_or(0, |b| b.len());
            self.trace(&format!(
                "-> POST {url} (model {}, {messages} messages, {bytes} bytes)",
                self.model
            ));
        }
    }

    /// Traces an answer that arrived whole.
    fn trace_answer(&self, answer: &Answer) {
        self.trace(&format!(
            "<- answer: {} chars (+{} reasoning), {} prompt / {} completion / {} cached tokens",
            answer.text.chars().count(),
            answer.reasoning.chars().count(),
            answer.usage.prompt_tokens,
            answer.usage.completion_tokens,
            answer.usage.cached_tokens
        ));
    }

    /// A small JSON document (the model list): first-byte clock for the headers, idle for the body.
    async fn get_json(
        &self,
        request: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<Value, ProviderError> {
        let origin = self.origin(url);
        let timeouts = &self.config.timeouts;
        let response = match tokio::time::timeout(timeouts.first_byte, request.send()).await {
            Err(_elapsed) => {
                return Err(ProviderError::new(
                    Reason::Timeout,
                    format!(
                        "{} did not answer within {} s",
                        self.kind,
                        timeouts.first_byte.as_secs_f32()
                    ),
                ))
            }
            Ok(Err(error)) => return Err(ProviderError::transport(&origin, &error)),
            Ok(Ok(response)) => response,
        };
        if !response.status().is_success() {
            return Err(ProviderError::from_response(&origin, response, timeouts.idle).await);
        }
        let body = match tokio::time::timeout(timeouts.idle, response.text()).await {
            Ok(Ok(body)) => body,
            Ok(Err(error)) => return Err(ProviderError::transport(&origin, &error)),
            Err(_elapsed) => {
                return Err(ProviderError::new(
                    Reason::Timeout,
                    format!("{} stalled", self.kind),
                ))
            }
        };
        serde_json::from_str(&body).map_err(|error| {
            ProviderError::new(
                Reason::StreamBroken,
                format!(
                    "unreadable answer from {} at {url}: {error}: {}",
                    self.kind,
                    summarize(&body, 200)
                ),
            )
        })
    }
}

/// An API key that no `{:?}` can print and that is cut out of every message shown to the user and of
/// every answer (a server may echo it), with the base URL's credentials (`crate::redact`).
#[derive(Clone)]
struct Secret {
    key: Option<String>,
    /// The base URL's userinfo, in every spelling that would give it away.
    also: Vec<String>,
}

impl Secret {
    fn new(key: Option<String>) -> Self {
        Self {
            key: key.map(|k| k.trim().to_string()).filter(|k| !k.is_empty()),
            also: Vec::new(),
        }
    }

    /// The same key, and the credentials `base_url` holds besides.
    fn with_url(self, base_url: &str) -> Self {
        Self {
            also: crate::redact::url_secrets(base_url),
            ..self
        }
    }

    fn expose(&self) -> Option<&str> {
        self.key.as_deref()
    }

    fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in self.key.iter().chain(&self.also) {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "[redacted]");
            }
        }
        text
    }

    /// An answer with every secret cut out of its text and reasoning. Only secrets of
    /// [`Secret::MIN_IN_CODE`] characters or more: a placeholder key (`k`, `EMPTY`, `ollama`) is no
    /// secret, and cutting it out of code would break the code.
    fn scrub_answer(&self, answer: Answer) -> Answer {
        let scrub = |text: &str| {
            let mut text = text.to_string();
            for secret in self.key.iter().chain(&self.also) {
                if secret.chars().count() >= Self::MIN_IN_CODE && text.contains(secret.as_str()) {
                    text = text.replace(secret.as_str(), "[redacted]");
                }
            }
            text
        };
        Answer {
            text: scrub(&answer.text),
            reasoning: scrub(&answer.reasoning),
            ..answer
        }
    }

    const MIN_IN_CODE: usize = 8;
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Who answered, for messages: "key rejected by deepseek", "model `x` not found at gemini".
#[derive(Debug, Clone)]
struct Origin {
    provider: &'static str,
    model: String,
    url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinking_levels_parse() {
        assert_eq!(" High ".parse::<Thinking>(), Ok(Thinking::High));
        assert!("max".parse::<Thinking>().is_err());
    }

    #[test]
    fn secrets_are_scrubbed_and_never_debug_printed() {
        let key = Secret::new(Some("sk-abc123".into())).with_url("https://me:pa55word-1@host/v1");
        assert_eq!(key.scrub("bad key sk-abc123!"), "bad key [redacted]!");
        assert_eq!(
            key.scrub("at https://me:pa55word-1@host/v1 (pa55word-1)"),
            "at https://[redacted]@host/v1 ([redacted])"
        );
        let answer = Answer {
            text: "const K: &str = \"sk-abc123\";".into(),
            reasoning: "the key is sk-abc123".into(),
            ..Answer::default()
        };
        let scrubbed = key.scrub_answer(answer);
        assert!(
            !format!("{scrubbed:?}").contains("sk-abc123"),
            "{scrubbed:?}"
        );
        let placeholder = Secret::new(Some("k".into())).scrub_answer(Answer {
            text: "let k = make();".into(),
            ..Answer::default()
        });
        assert_eq!(placeholder.text, "let k = make();");
        assert!(!format!("{key:?}").contains("sk-abc123"));
        let mut config = ProviderConfig::new(ProviderKind::DeepSeek);
        config.api_key = Some("sk-abc123".into());
        assert!(!format!("{config:?}").contains("sk-abc123"));
    }

    #[test]
    fn a_base_url_query_stays_at_the_end_of_every_request_url() {
        let mut config = ProviderConfig::new(ProviderKind::OpenAi);
        config.api_key = Some("k".into());
        config.base_url = Some("https://x.example/openai/v1/?api-version=2024-10-21".into());
        let azure = endpoint(config).unwrap();
        assert_eq!(
            azure.url("chat/completions"),
            "https://x.example/openai/v1/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(
            azure.url("models/m:streamGenerateContent?alt=sse"),
            "https://x.example/openai/v1/models/m:streamGenerateContent?alt=sse&api-version=2024-10-21"
        );
        let mut plain = ProviderConfig::new(ProviderKind::OpenAi);
        plain.api_key = Some("k".into());
        plain.base_url = Some("http://127.0.0.1:1/v1/".into());
        assert_eq!(
            endpoint(plain).unwrap().url("models"),
            "http://127.0.0.1:1/v1/models"
        );
    }
}
