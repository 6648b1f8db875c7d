//! OpenAI's batch API, which DeepSeek and other OpenAI-compatible servers copy:
//!
//! - submit: `POST {base}/files` (multipart: `purpose=batch`, `file` = JSONL, one line per request
//!   `{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {…}}`), then
//!   `POST {base}/batches` `{"input_file_id", "endpoint", "completion_window": "24h"}`; past the limits
//!   (50,000 requests or ~200 MB per file) several files and batches;
//! - status: `GET {base}/batches/{id}`; cancel: `POST {base}/batches/{id}/cancel`;
//! - results: `GET {base}/files/{id}/content` for the output file, then the error file; each line
//!   `{"custom_id", "response": {"status_code", "body": <chat completion>}, "error": null | {…}}`.
//!
//! The request body is the streamed request's (same model, messages, `--thinking`, `--max-tokens`,
//! `--temperature` in the kind's dialect) without `stream`. Leaves retries to `http`, and what the
//! answers are worth to the commands.

use futures_util::future::BoxFuture;
use serde_json::{json, Value};

use super::super::openai::{chat_body, Dialect};
use super::super::{Answer, Endpoint, Message, ProviderError, Reason, Usage};
use super::http::{self, text, Auth, Repeat};
use super::{
    abandon, check_unique, split, BatchProvider, BatchRequest, BatchResults, BatchState,
    BatchStatus, Collector, Limits, LineResult,
};

/// The endpoint every line of the input file is for.
const CHAT_ENDPOINT: &str = "/v1/chat/completions";

pub(super) struct OpenAiBatch {
    endpoint: Endpoint,
    dialect: Dialect,
    limits: Limits,
}

impl OpenAiBatch {
    pub(super) fn new(endpoint: Endpoint, dialect: Dialect, limits: Limits) -> Self {
        Self {
            endpoint,
            dialect,
            limits,
        }
    }

    fn url(&self, path: &str) -> String {
        self.endpoint.url(path)
    }

    async fn submit_all(&self, requests: &[BatchRequest]) -> Result<Vec<String>, ProviderError> {
        check_unique(requests)?;
        let lines: Vec<String> = requests
            .iter()
            .map(|r| self.input_line(r).to_string() + "\n")
            .collect();
        let sizes: Vec<usize> = lines.iter().map(String::len).collect();
        let mut ids = Vec::new();
        for run in split(&sizes, &self.limits) {
            match self.submit_one(lines[run].concat().into_bytes()).await {
                Ok(id) => ids.push(id),
                Err(error) => return Err(abandon(self, ids, error).await),
            }
        }
        Ok(ids)
    }

    /// One input file, one batch.
    async fn submit_one(&self, jsonl: Vec<u8>) -> Result<String, ProviderError> {
        let url = self.url("files");
        let bytes = jsonl.len();
        let body = http::call(
            &self.endpoint,
            &self.limits,
            Repeat::Safe,
            &format!("POST {url} (batch input, {bytes} bytes)"),
            &url,
            || {
                let file = reqwest::multipart::Part::bytes(jsonl.clone())
                    .file_name("batch.jsonl")
                    .mime_str("application/jsonl")
                    .unwrap_or_else(|_| reqwest::multipart::Part::bytes(jsonl.clone()));
                let form = reqwest::multipart::Form::new()
                    .text("purpose", "batch")
                    .part("file", file);
                self.request(self.endpoint.client.post(&url).multipart(form))
            },
        )
        .await?;
        let file = http::json(&self.endpoint, &url, &body)?;
        let file_id = text(&file, "id").ok_or_else(|| http::missing(&self.endpoint, &url, "id"))?;

        let url = self.url("batches");
        let create = json!({
            "input_file_id": file_id,
            "endpoint": CHAT_ENDPOINT,
            "completion_window": "24h",
        });
        let body = http::call(
            &self.endpoint,
            &self.limits,
            Repeat::OnlyRateLimited,
            &format!("POST {url} (input file {file_id})"),
            &url,
            || self.request(self.endpoint.client.post(&url).json(&create)),
        )
        .await?;
        let batch = http::json(&self.endpoint, &url, &body)?;
        text(&batch, "id").ok_or_else(|| http::missing(&self.endpoint, &url, "id"))
    }

    fn request(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        http::authorize(&self.endpoint, Auth::Bearer, builder)
    }

    fn input_line(&self, request: &BatchRequest) -> Value {
        json!({
            "custom_id": request.custom_id,
            "method": "POST",
            "url": CHAT_ENDPOINT,
            "body": self.request_body(&request.messages),
        })
    }

    fn request_body(&self, messages: &[Message]) -> Value {
        chat_body(&self.endpoint, &self.dialect, messages)
    }

    async fn get_batch(&self, id: &str) -> Result<Value, ProviderError> {
        let url = self.url(&format!("batches/{id}"));
        let body = http::call(
            &self.endpoint,
            &self.limits,
            Repeat::Safe,
            &format!("GET {url}"),
            &url,
            || self.request(self.endpoint.client.get(&url)),
        )
        .await?;
        http::json(&self.endpoint, &url, &body)
    }

    async fn status_of(&self, id: &str) -> Result<BatchStatus, ProviderError> {
        let batch = self.get_batch(id).await?;
        self.read_status(id, &batch)
    }

    fn read_status(&self, id: &str, batch: &Value) -> Result<BatchStatus, ProviderError> {
        let state = text(batch, "status").unwrap_or_default();
        let state = parse_state(&state).ok_or_else(|| {
            ProviderError::new(
                Reason::StreamBroken,
                format!(
                    "{} reported batch {id} in an unknown status `{state}`",
                    self.endpoint.kind
                ),
            )
        })?;
        let counts = batch.get("request_counts");
        let count = |name| http::count(counts.and_then(|c| c.get(name)));
        Ok(BatchStatus {
            id: text(batch, "id").unwrap_or_else(|| id.to_string()),
            state,
            total: count("total"),
            completed: count("completed"),
            failed: count("failed"),
            created_at: batch.get("created_at").and_then(Value::as_u64),
            errors: batch_errors(batch),
        })
    }

    async fn results_of(&self, id: &str) -> Result<BatchResults, ProviderError> {
        let batch = self.get_batch(id).await?;
        let mut collector = Collector::default();
        // The output file first: a request in both files keeps its answer.
        for field in ["output_file_id", "error_file_id"] {
            if let Some(file_id) = text(&batch, field).filter(|f| !f.is_empty()) {
                let content = self.download(&file_id).await?;
                read_lines(&content, &mut collector);
            }
        }
        self.endpoint.trace(&collector.summary());
        Ok(collector.results)
    }

    async fn download(&self, file_id: &str) -> Result<String, ProviderError> {
        let url = self.url(&format!("files/{file_id}/content"));
        http::call(
            &self.endpoint,
            &self.limits,
            Repeat::Safe,
            &format!("GET {url}"),
            &url,
            || self.request(self.endpoint.client.get(&url)),
        )
        .await
    }

    async fn cancel_one(&self, id: &str) -> Result<BatchStatus, ProviderError> {
        let url = self.url(&format!("batches/{id}/cancel"));
        let body = http::call(
            &self.endpoint,
            &self.limits,
            Repeat::Safe,
            &format!("POST {url}"),
            &url,
            || self.request(self.endpoint.client.post(&url)),
        )
        .await?;
        let batch = http::json(&self.endpoint, &url, &body)?;
        self.read_status(id, &batch)
    }
}

impl BatchProvider for OpenAiBatch {
    fn name(&self) -> &'static str {
        self.endpoint.kind.name()
    }

    fn model(&self) -> &str {
        &self.endpoint.model
    }

    fn submit<'a>(
        &'a self,
        requests: &'a [BatchRequest],
    ) -> BoxFuture<'a, Result<Vec<String>, ProviderError>> {
        Box::pin(self.submit_all(requests))
    }

    fn status<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<BatchStatus, ProviderError>> {
        Box::pin(self.status_of(id))
    }

    fn results<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<BatchResults, ProviderError>> {
        Box::pin(async move { Ok(self.endpoint.scrub_results(self.results_of(id).await?)) })
    }

    fn cancel<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<BatchStatus, ProviderError>> {
        Box::pin(self.cancel_one(id))
    }
}

fn parse_state(status: &str) -> Option<BatchState> {
    Some(match status {
        "validating" => BatchState::Validating,
        "in_progress" => BatchState::InProgress,
        "finalizing" => BatchState::Finalizing,
        "completed" => BatchState::Completed,
        "failed" => BatchState::Failed,
        "expired" => BatchState::Expired,
        "cancelling" => BatchState::Cancelling,
        "cancelled" => BatchState::Cancelled,
        _ => return None,
    })
}

/// `errors.data[]`: `{code, message, line?}`, as "line 3: message (code)".
fn batch_errors(batch: &Value) -> Vec<String> {
    let data = batch.pointer("/errors/data").and_then(Value::as_array);
    data.into_iter()
        .flatten()
        .map(|error| {
            let message = text(error, "message").unwrap_or_else(|| error.to_string());
            let line = error.get("line").and_then(Value::as_u64);
            let code = text(error, "code");
            let mut said = line.map_or(message.clone(), |line| format!("line {line}: {message}"));
            if let Some(code) = code {
                said.push_str(&format!(" ({code})"));
            }
            said
        })
        .collect()
}

/// Every line of an output or error file into `collector`. A line without a readable `custom_id`
/// cannot be matched to anything and is only counted.
fn read_lines(content: &str, collector: &mut Collector) {
    for line in content.lines().filter(|l| !l.trim().is_empty()) {
        let parsed = serde_json::from_str::<Value>(line).ok();
        let custom_id = parsed.as_ref().and_then(|v| text(v, "custom_id"));
        match (parsed, custom_id) {
            (Some(value), Some(custom_id)) => collector.push(custom_id, read_line(&value)),
            _ => collector.unreadable += 1,
        }
    }
}

/// One result line: an answer, or why there is none.
fn read_line(line: &Value) -> LineResult {
    if let Some(error) = line.get("error").filter(|e| !e.is_null()) {
        return LineResult::Error(describe_error(error));
    }
    let Some(response) = line.get("response").filter(|r| !r.is_null()) else {
        return LineResult::Error("result line has neither a response nor an error".into());
    };
    let status = response
        .get("status_code")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let body = response.get("body").unwrap_or(&Value::Null);
    if status != 200 {
        let detail = body
            .get("error")
            .map_or_else(|| body.to_string(), describe_error);
        return LineResult::Error(format!("HTTP {status}: {detail}"));
    }
    read_completion(body)
}

/// A whole `chat.completion`: its first choice's text and reasoning, kept apart, and its usage.
fn read_completion(body: &Value) -> LineResult {
    let Some(choice) = body.pointer("/choices/0") else {
        return LineResult::Error("the completion has no choices".into());
    };
    let message = choice.get("message").unwrap_or(&Value::Null);
    match choice.get("finish_reason").and_then(Value::as_str) {
        Some("length") => {
            return LineResult::Error(
                "answer cut off: raise --max-tokens (stopped at the token limit)".into(),
            )
        }
        Some("content_filter") => {
            return LineResult::Error("refused to answer (content_filter)".into())
        }
        _ => {}
    }
    let answer = Answer {
        text: text(message, "content").unwrap_or_default(),
        reasoning: text(message, "reasoning_content")
            .or_else(|| text(message, "reasoning"))
            .unwrap_or_default(),
        usage: body.get("usage").map(usage).unwrap_or_default(),
    };
    if answer.text.trim().is_empty() {
        return LineResult::Error("empty answer".into());
    }
    LineResult::Answer(answer)
}

/// Usage as the streamed path reads it: cached tokens from `prompt_tokens_details.cached_tokens` or
/// DeepSeek's `prompt_cache_hit_tokens`.
fn usage(usage: &Value) -> Usage {
    let number = |pointer: &str| usage.pointer(pointer).and_then(Value::as_u64);
    Usage {
        prompt_tokens: number("/prompt_tokens").unwrap_or(0),
        completion_tokens: number("/completion_tokens").unwrap_or(0),
        cached_tokens: number("/prompt_tokens_details/cached_tokens")
            .or_else(|| number("/prompt_cache_hit_tokens"))
            .unwrap_or(0),
        reasoning_tokens: number("/completion_tokens_details/reasoning_tokens").unwrap_or(0),
    }
}

/// `{code, message}` as "message (code)".
fn describe_error(error: &Value) -> String {
    let message = text(error, "message").unwrap_or_else(|| error.to_string());
    match error.get("code").filter(|c| !c.is_null()) {
        Some(Value::String(code)) => format!("{message} ({code})"),
        Some(code) => format!("{message} ({code})"),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_become_answers_or_errors() {
        let content = concat!(
            r#"{"custom_id":"b","response":{"status_code":200,"body":{"choices":[{"message":{"content":"B","reasoning_content":"think"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4}}}},"error":null}"#,
            "\n",
            r#"{"custom_id":"a","response":{"status_code":400,"body":{"error":{"message":"bad","type":"invalid_request_error"}}},"error":null}"#,
            "\n{not json\n",
            r#"{"custom_id":"c","response":null,"error":{"code":"batch_expired","message":"expired"}}"#,
            "\n",
            r#"{"custom_id":"b","response":{"status_code":200,"body":{"choices":[{"message":{"content":"again"}}]}},"error":null}"#,
            "\n"
        );
        let mut collector = Collector::default();
        read_lines(content, &mut collector);
        let lines = &collector.results.lines;
        assert_eq!(lines.len(), 3);
        let LineResult::Answer(answer) = &lines[0].1 else {
            panic!("{:?}", lines[0]);
        };
        assert_eq!(
            (answer.text.as_str(), answer.reasoning.as_str()),
            ("B", "think")
        );
        assert_eq!(answer.usage.cached_tokens, 4);
        assert!(matches!(&lines[1].1, LineResult::Error(e) if e == "HTTP 400: bad"));
        assert!(matches!(&lines[2].1, LineResult::Error(e) if e == "expired (batch_expired)"));
        assert_eq!((collector.duplicates, collector.unreadable), (1, 1));
    }

    #[test]
    fn batch_errors_say_the_line() {
        let batch =
            json!({"errors": {"data": [{"code": "invalid_json", "message": "bad", "line": 3}]}});
        assert_eq!(batch_errors(&batch), vec!["line 3: bad (invalid_json)"]);
    }
}
