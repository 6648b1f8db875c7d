//! OpenAI-compatible chat completions: DeepSeek, OpenAI, Ollama, llama.cpp's server, and anything
//! else behind `--base-url` that speaks `POST {base}/chat/completions` with `stream: true`.
//!
//! Differences between servers in what they accept are a kind's [`Dialect`], a column of the table in
//! `kinds`: the field capping the answer's tokens (OpenAI's `max_completion_tokens`, elsewhere
//! `max_tokens`) and how thinking is said (DeepSeek's `thinking: {type}` plus `reasoning_effort`, or
//! plain `reasoning_effort`, whose off is OpenAI's lowest, "minimal", or "none" for Ollama and
//! llama.cpp). Differences in what they send are handled here for all: reasoning arrives as `reasoning_content` (DeepSeek, llama.cpp) or `reasoning` (Ollama, vLLM);
//! cached prompt tokens as `prompt_tokens_details.cached_tokens` or DeepSeek's `prompt_cache_hit_tokens`.
//! Unknown fields (`timings`, `system_fingerprint`, …) are ignored.

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    sse, Answer, Endpoint, Message, Origin, Provider, ProviderError, Reason, Role, Thinking, Usage,
};

/// What one OpenAI-compatible server accepts beyond the common request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// The request field capping the answer's tokens (`--max-tokens`).
    pub max_tokens_field: &'static str,
    /// How `--thinking` is said.
    pub thinking: ThinkingStyle,
}

impl Dialect {
    /// What most servers take (Ollama, llama.cpp, vLLM).
    pub const PLAIN: Dialect = Dialect {
        max_tokens_field: "max_tokens",
        thinking: ThinkingStyle::Effort { off: "none" },
    };
}

/// How a server is told to think more, less or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThinkingStyle {
    /// DeepSeek's `thinking: {type: enabled|disabled}`, with `reasoning_effort` when enabled.
    Switch,
    /// `reasoning_effort` alone; `off` is the value for `--thinking off`.
    Effort { off: &'static str },
}

pub(super) struct OpenAiCompatible {
    endpoint: Endpoint,
    dialect: Dialect,
}

impl OpenAiCompatible {
    pub(super) fn new(endpoint: Endpoint, dialect: Dialect) -> Self {
        Self { endpoint, dialect }
    }

    fn request_body(&self, messages: &[Message]) -> Value {
        let mut body = chat_body(&self.endpoint, &self.dialect, messages);
        body["stream"] = json!(true);
        body["stream_options"] = json!({ "include_usage": true });
        body
    }

    async fn stream_answer(&self, messages: &[Message]) -> Result<Answer, ProviderError> {
        let url = self.endpoint.url("chat/completions");
        let origin = self.endpoint.origin(&url);
        let body = self.request_body(messages);
        self.endpoint.trace_request(&url, &body, messages.len());
        let mut request = self.endpoint.client.post(&url).json(&body);
        if let Some(key) = self.endpoint.key.expose() {
            request = request.bearer_auth(key);
        }
        let mut stream = sse::open(request, &self.endpoint.config.timeouts, &origin).await?;

        let mut answer = Answer::default();
        let mut finish_reason: Option<String> = None;
        while let Some(data) = stream.next_data().await? {
            let chunk: Chunk =
                serde_json::from_str(&data).map_err(|e| malformed(&origin, &data, &e))?;
            if let Some(error) = chunk.error {
                return Err(ProviderError::from_stream_error(&origin, &error));
            }
            for choice in chunk.choices.unwrap_or_default() {
                let delta = choice.delta.or(choice.message).unwrap_or_default();
                answer
                    .text
                    .push_str(delta.content.as_deref().unwrap_or_default());
                let reasoning = delta.reasoning_content.or(delta.reasoning);
                answer
                    .reasoning
                    .push_str(reasoning.as_deref().unwrap_or_default());
                finish_reason = choice.finish_reason.or(finish_reason);
            }
            if let Some(usage) = chunk.usage {
                answer.usage = usage.into();
            }
        }
        // The stream is over: whatever it is judged, its tokens were billed.
        let usage = answer.usage;
        let answer = finish(&origin, answer, finish_reason.as_deref(), stream.saw_done())
            .map_err(|error| error.with_usage(usage))?;
        self.endpoint.trace_answer(&answer);
        Ok(answer)
    }

    async fn models(&self) -> Result<Vec<String>, ProviderError> {
        let url = self.endpoint.url("models");
        let mut request = self.endpoint.client.get(&url);
        if let Some(key) = self.endpoint.key.expose() {
            request = request.bearer_auth(key);
        }
        let listing = self.endpoint.get_json(request, &url).await?;
        let mut names: Vec<String> = listing
            .get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|model| model.get("id")?.as_str().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }
}

impl Provider for OpenAiCompatible {
    fn name(&self) -> &'static str {
        self.endpoint.kind.name()
    }

    fn model(&self) -> &str {
        &self.endpoint.model
    }

    fn chat<'a>(&'a self, messages: &'a [Message]) -> BoxFuture<'a, Result<Answer, ProviderError>> {
        Box::pin(self.endpoint.answered(self.stream_answer(messages)))
    }

    fn list_models(&self) -> BoxFuture<'_, Result<Vec<String>, ProviderError>> {
        Box::pin(self.endpoint.bounded(self.models()))
    }
}

/// Turns a finished stream into the answer, or into the reason it is no answer.
fn finish(
    origin: &Origin,
    answer: Answer,
    finish_reason: Option<&str>,
    saw_done: bool,
) -> Result<Answer, ProviderError> {
    let p = origin.provider;
    match finish_reason {
        Some("length") => {
            return Err(ProviderError::new(
                Reason::CutOff,
                format!("answer cut off: raise --max-tokens ({p} stopped at the token limit)"),
            ))
        }
        Some("content_filter") => {
            return Err(ProviderError::new(
                Reason::Refused,
                format!("{p} refused to answer (content_filter)"),
            ))
        }
        None if !saw_done => {
            return Err(ProviderError::new(
                Reason::StreamBroken,
                format!("stream from {p} ended before the answer was complete"),
            ))
        }
        _ => {}
    }
    if answer.text.trim().is_empty() {
        return Err(ProviderError::new(
            Reason::EmptyAnswer,
            format!("{p} sent an empty answer"),
        ));
    }
    Ok(answer)
}

pub(super) fn malformed(origin: &Origin, data: &str, error: &serde_json::Error) -> ProviderError {
    ProviderError::new(
        Reason::StreamBroken,
        format!(
            "malformed chunk from {}: {error}: {}",
            origin.provider,
            super::error::clip(data, 120)
        ),
    )
}

/// A chat-completions request's body, as every OpenAI-protocol kind takes it (streamed requests add
/// `stream`; batch lines send it as it is).
pub(super) fn chat_body(endpoint: &Endpoint, dialect: &Dialect, messages: &[Message]) -> Value {
    let config = &endpoint.config;
    let messages: Vec<Value> = messages
        .iter()
        .map(|m| json!({ "role": role_name(m.role), "content": m.content }))
        .collect();
    let mut body = json!({ "model": endpoint.model, "messages": messages });
    if let Some(temperature) = config.temperature {
        // Through the decimal text, so 0.2f32 goes out as 0.2 and not 0.20000000298023224.
        let temperature: f64 = temperature
            .to_string()
            .parse()
            .unwrap_or(f64::from(temperature));
        body["temperature"] = json!(temperature);
    }
    if let Some(max_tokens) = config.max_tokens {
        body[dialect.max_tokens_field] = json!(max_tokens);
    }
    if let Some(thinking) = config.thinking {
        match (dialect.thinking, thinking) {
            (ThinkingStyle::Switch, Thinking::Off) => {
                body["thinking"] = json!({ "type": "disabled" });
            }
            (ThinkingStyle::Switch, level) => {
                body["thinking"] = json!({ "type": "enabled" });
                body["reasoning_effort"] = json!(effort(level, "low"));
            }
            (ThinkingStyle::Effort { off }, level) => {
                body["reasoning_effort"] = json!(effort(level, off))
            }
        }
    }
    body
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

fn effort(level: Thinking, off: &'static str) -> &'static str {
    match level {
        Thinking::Off => off,
        Thinking::Low => "low",
        Thinking::High => "high",
    }
}

/// One `chat.completion.chunk` (or, from a server that ignored `stream`, a whole `chat.completion`).
#[derive(Deserialize)]
struct Chunk {
    choices: Option<Vec<Choice>>,
    usage: Option<WireUsage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Choice {
    delta: Option<Delta>,
    message: Option<Delta>,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Delta {
    content: Option<String>,
    reasoning_content: Option<String>,
    reasoning: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    prompt_tokens_details: Option<PromptDetails>,
    completion_tokens_details: Option<CompletionDetails>,
    prompt_cache_hit_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct PromptDetails {
    cached_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct CompletionDetails {
    reasoning_tokens: Option<u64>,
}

impl From<WireUsage> for Usage {
    fn from(wire: WireUsage) -> Self {
        let cached = wire.prompt_tokens_details.and_then(|d| d.cached_tokens);
        Usage {
            prompt_tokens: wire.prompt_tokens.unwrap_or(0),
            completion_tokens: wire.completion_tokens.unwrap_or(0),
            cached_tokens: cached.or(wire.prompt_cache_hit_tokens).unwrap_or(0),
            reasoning_tokens: wire
                .completion_tokens_details
                .and_then(|d| d.reasoning_tokens)
                .unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_captured_llama_server_chunks_parse() {
        let usage = r#"{"choices":[],"created":1795528769,"id":"x","model":"gemma-3-270m","system_fingerprint":"b0-unknown","object":"chat.completion.chunk","usage":{"completion_tokens":8,"prompt_tokens":17,"total_tokens":25,"prompt_tokens_details":{"cached_tokens":12}},"timings":{"cache_n":12}}"#;
        let chunk: Chunk = serde_json::from_str(usage).expect("usage chunk");
        let usage = Usage::from(chunk.usage.expect("usage"));
        assert_eq!(
            (
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.cached_tokens
            ),
            (17, 8, 12)
        );
        let first = r#"{"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}]}"#;
        let chunk: Chunk = serde_json::from_str(first).expect("first chunk");
        assert!(chunk.choices.is_some());
    }

    #[test]
    fn deepseek_cache_hits_count_as_cached() {
        let wire = r#"{"prompt_tokens":100,"completion_tokens":5,"prompt_cache_hit_tokens":64,"prompt_cache_miss_tokens":36}"#;
        let usage = Usage::from(serde_json::from_str::<WireUsage>(wire).expect("usage"));
        assert_eq!(usage.cached_tokens, 64);
    }
}
