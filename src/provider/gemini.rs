//! Gemini's own protocol: `POST {base}/models/{model}:streamGenerateContent?alt=sse` with the key in
//! `x-goog-api-key` (never in the URL, where it would end up in error messages and proxy logs).
//!
//! System messages become `systemInstruction`; the assistant role is `model`. `--thinking` maps onto
//! `thinkingLevel` (Gemini 3 and later) or `thinkingBudget` (Gemini 2.x), with `includeThoughts` so
//! the thought parts arrive, kept apart from the answer. Finish reasons are upper case: `STOP` is
//! the only good one, `MAX_TOKENS` means cut off, anything else is a refusal.

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

use super::openai::malformed;
use super::{
    sse, Answer, Endpoint, Message, Provider, ProviderError, Reason, Role, Thinking, Usage,
};

/// How many pages of the model list to follow (the list is about 50 models, 1000 per page).
const MAX_MODEL_PAGES: usize = 10;

pub(super) struct Gemini {
    endpoint: Endpoint,
}

impl Gemini {
    pub(super) fn new(endpoint: Endpoint) -> Self {
        Self { endpoint }
    }

    fn key_header(&self) -> Option<reqwest::header::HeaderValue> {
        let mut value = reqwest::header::HeaderValue::from_str(self.endpoint.key.expose()?).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    fn request(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.key_header() {
            Some(key) => builder.header("x-goog-api-key", key),
            None => builder,
        }
    }

    fn request_body(&self, messages: &[Message]) -> Value {
        generate_body(&self.endpoint, messages)
    }

    async fn stream_answer(&self, messages: &[Message]) -> Result<Answer, ProviderError> {
        let url = self.endpoint.url(&format!(
            "models/{}:streamGenerateContent?alt=sse",
            self.endpoint.model
        ));
        let origin = self.endpoint.origin(&url);
        let body = self.request_body(messages);
        self.endpoint.trace_request(&url, &body, messages.len());
        let request = self.request(self.endpoint.client.post(&url)).json(&body);
        let mut stream = sse::open(request, &self.endpoint.config.timeouts, &origin).await?;

        let mut answer = Answer::default();
        let mut finish_reason: Option<String> = None;
        while let Some(data) = stream.next_data().await? {
            let chunk: Chunk =
                serde_json::from_str(&data).map_err(|e| malformed(&origin, &data, &e))?;
            if let Some(error) = chunk.error {
                return Err(ProviderError::from_stream_error(&origin, &error));
            }
            if let Some(blocked) = chunk.prompt_feedback.and_then(|f| f.block_reason) {
                return Err(ProviderError::new(
                    Reason::Refused,
                    format!("gemini refused the prompt: {blocked}"),
                ));
            }
            for candidate in chunk.candidates.unwrap_or_default() {
                let parts = candidate.content.and_then(|c| c.parts).unwrap_or_default();
                for part in parts {
                    let text = part.text.unwrap_or_default();
                    if part.thought == Some(true) {
                        answer.reasoning.push_str(&text);
                    } else {
                        answer.text.push_str(&text);
                    }
                }
                finish_reason = candidate.finish_reason.or(finish_reason);
            }
            if let Some(usage) = chunk.usage_metadata {
                answer.usage = usage.into();
            }
        }
        // The stream is over: whatever it is judged, its tokens were billed.
        let usage = answer.usage;
        let answer =
            finish(answer, finish_reason.as_deref()).map_err(|error| error.with_usage(usage))?;
        self.endpoint.trace_answer(&answer);
        Ok(answer)
    }

    async fn models(&self) -> Result<Vec<String>, ProviderError> {
        let url = self.endpoint.url("models");
        let mut names = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_MODEL_PAGES {
            let mut query = vec![("pageSize", "1000".to_string())];
            query.extend(page_token.take().map(|token| ("pageToken", token)));
            let request = self.request(self.endpoint.client.get(&url).query(&query));
            let page = self.endpoint.get_json(request, &url).await?;
            let models = page
                .get("models")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            names.extend(models.filter(|m| can_generate(m)).filter_map(|m| {
                let name = m.get("name")?.as_str()?;
                Some(name.strip_prefix("models/").unwrap_or(name).to_string())
            }));
            page_token = page
                .get("nextPageToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            if page_token.as_deref().is_none_or(str::is_empty) {
                break;
            }
        }
        names.sort();
        Ok(names)
    }
}

/// Turns a finished stream into the answer, or into the reason it is no answer.
fn finish(answer: Answer, finish_reason: Option<&str>) -> Result<Answer, ProviderError> {
    match finish_reason {
        Some("STOP") => {}
        Some("MAX_TOKENS") => {
            return Err(ProviderError::new(
                Reason::CutOff,
                "answer cut off: raise --max-tokens (gemini stopped at MAX_TOKENS)",
            ))
        }
        Some(other) => {
            return Err(ProviderError::new(
                Reason::Refused,
                format!("gemini stopped the answer: {other}"),
            ))
        }
        None => {
            return Err(ProviderError::new(
                Reason::StreamBroken,
                "stream from gemini ended before the answer was complete",
            ))
        }
    }
    if answer.text.trim().is_empty() {
        return Err(ProviderError::new(
            Reason::EmptyAnswer,
            "gemini sent an empty answer",
        ));
    }
    Ok(answer)
}

impl Provider for Gemini {
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

/// A `generateContent` request's body, streamed or in a batch: system messages as `systemInstruction`,
/// the assistant as `model`, `--thinking` as a budget (2.x) or a level (3 and later).
pub(super) fn generate_body(endpoint: &Endpoint, messages: &[Message]) -> Value {
    let config = &endpoint.config;
    let system: Vec<Value> = messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(|m| json!({ "text": m.content }))
        .collect();
    let contents: Vec<Value> = messages
        .iter()
        .filter(|m| m.role != Role::System)
        .map(|m| {
            let role = if m.role == Role::Assistant {
                "model"
            } else {
                "user"
            };
            json!({ "role": role, "parts": [{ "text": m.content }] })
        })
        .collect();
    let mut generation = json!({});
    if let Some(temperature) = config.temperature {
        let temperature: f64 = temperature
            .to_string()
            .parse()
            .unwrap_or(f64::from(temperature));
        generation["temperature"] = json!(temperature);
    }
    if let Some(max_tokens) = config.max_tokens {
        generation["maxOutputTokens"] = json!(max_tokens);
    }
    if let Some(thinking) = config.thinking {
        generation["thinkingConfig"] = thinking_config(&endpoint.model, thinking);
    }
    let mut body = json!({ "contents": contents, "generationConfig": generation });
    if !system.is_empty() {
        body["systemInstruction"] = json!({ "parts": system });
    }
    body
}

/// Gemini 2.x takes a token budget (0 turns thinking off); Gemini 3 and later take a level, and
/// only Flash models go as low as "minimal" (Pro cannot stop thinking, so "low" is its off).
fn thinking_config(model: &str, thinking: Thinking) -> Value {
    let include_thoughts = thinking != Thinking::Off;
    if model.starts_with("gemini-2") {
        let budget = match thinking {
            Thinking::Off => 0,
            Thinking::Low => 1024,
            Thinking::High => 24576,
        };
        return json!({ "thinkingBudget": budget, "includeThoughts": include_thoughts });
    }
    let level = match thinking {
        Thinking::Off if model.contains("pro") => "low",
        Thinking::Off => "minimal",
        Thinking::Low => "low",
        Thinking::High => "high",
    };
    json!({ "thinkingLevel": level, "includeThoughts": include_thoughts })
}

/// Embedding-only models are no use to `--model`; keep those that can `generateContent`.
fn can_generate(model: &Value) -> bool {
    match model
        .get("supportedGenerationMethods")
        .and_then(Value::as_array)
    {
        Some(methods) => methods
            .iter()
            .any(|m| m.as_str() == Some("generateContent")),
        None => true,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Chunk {
    candidates: Option<Vec<Candidate>>,
    usage_metadata: Option<UsageMetadata>,
    prompt_feedback: Option<PromptFeedback>,
    error: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    content: Option<Content>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    parts: Option<Vec<Part>>,
}

#[derive(Deserialize)]
struct Part {
    text: Option<String>,
    thought: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageMetadata {
    prompt_token_count: Option<u64>,
    candidates_token_count: Option<u64>,
    cached_content_token_count: Option<u64>,
    thoughts_token_count: Option<u64>,
}

impl From<UsageMetadata> for Usage {
    /// Gemini counts thoughts apart from the candidates; [`Usage`] counts them in, as OpenAI does.
    fn from(wire: UsageMetadata) -> Self {
        let thoughts = wire.thoughts_token_count.unwrap_or(0);
        Usage {
            prompt_tokens: wire.prompt_token_count.unwrap_or(0),
            completion_tokens: wire.candidates_token_count.unwrap_or(0) + thoughts,
            cached_tokens: wire.cached_content_token_count.unwrap_or(0),
            reasoning_tokens: thoughts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinking_maps_to_budget_or_level_by_generation() {
        assert_eq!(
            thinking_config("gemini-2.5-flash", Thinking::Off)["thinkingBudget"],
            0
        );
        assert_eq!(
            thinking_config("gemini-3-flash", Thinking::Off)["thinkingLevel"],
            "minimal"
        );
        assert_eq!(
            thinking_config("gemini-3-pro", Thinking::Off)["thinkingLevel"],
            "low"
        );
        assert_eq!(
            thinking_config("gemini-3-flash", Thinking::High)["includeThoughts"],
            true
        );
    }
}
