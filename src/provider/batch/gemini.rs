//! Gemini's batch mode, the key in `x-goog-api-key`:
//!
//! - submit: `POST {base}/models/{model}:batchGenerateContent` with the requests inline,
//!   `{"batch": {"display_name", "input_config": {"requests": {"requests": [{"request": {…},
//!   "metadata": {"key": custom_id}}]}}}}` → an operation named `batches/{id}`. Inline requests are
//!   capped at 20 MB; past that (or the request count in [`Limits`]) the requests go out as several
//!   inline batches — the File API upload of a JSONL is not implemented;
//! - status: `GET {base}/batches/{id}` → an operation whose `metadata` is the batch (`state`
//!   `BATCH_STATE_*`, `batchStats`, `createTime`), or the batch itself;
//! - results: inline (`response.inlinedResponses.inlinedResponses[]`, each `{metadata.key, response |
//!   error}`) or a responses file (`response.responsesFile`, downloaded from
//!   `{origin}/download/{base path}/{file}:download?alt=media`, one `{key, response | error}` a line);
//! - cancel: `POST {base}/batches/{id}:cancel`, then a status poll.
//!
//! Batch ids are returned without the `batches/` prefix (they end up in file names); both forms are
//! accepted. The request body is the streamed request's (`gemini.rs`), copied since that one is
//! private to the streaming provider.

use futures_util::future::BoxFuture;
use serde_json::{json, Value};

use super::super::gemini::generate_body;
use super::super::{Answer, Endpoint, Message, ProviderError, Reason, Usage};
use super::http::{self, text, Auth, Repeat};
use super::{
    abandon, check_unique, split, BatchProvider, BatchRequest, BatchResults, BatchState,
    BatchStatus, Collector, Limits, LineResult,
};

pub(super) struct GeminiBatch {
    endpoint: Endpoint,
    limits: Limits,
}

impl GeminiBatch {
    pub(super) fn new(endpoint: Endpoint, limits: Limits) -> Self {
        Self { endpoint, limits }
    }

    fn request(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        http::authorize(&self.endpoint, Auth::GoogApiKey, builder)
    }

    /// `{base}/batches/{id}{suffix}`, whichever form `id` came in.
    fn batch_url(&self, id: &str, suffix: &str) -> String {
        let id = id.strip_prefix("batches/").unwrap_or(id);
        self.endpoint.url(&format!("batches/{id}{suffix}"))
    }

    async fn submit_all(&self, requests: &[BatchRequest]) -> Result<Vec<String>, ProviderError> {
        check_unique(requests)?;
        let entries: Vec<Value> = requests
            .iter()
            .map(|r| {
                json!({
                    "request": self.request_body(&r.messages),
                    "metadata": { "key": r.custom_id },
                })
            })
            .collect();
        let sizes: Vec<usize> = entries.iter().map(|e| e.to_string().len() + 1).collect();
        let runs = split(&sizes, &self.limits);
        let parts = runs.len();
        let mut ids = Vec::new();
        for (n, run) in runs.into_iter().enumerate() {
            let name = format!("assistant batch {} of {parts}", n + 1);
            match self.submit_one(&name, &entries[run]).await {
                Ok(id) => ids.push(id),
                Err(error) => return Err(abandon(self, ids, error).await),
            }
        }
        Ok(ids)
    }

    async fn submit_one(&self, name: &str, entries: &[Value]) -> Result<String, ProviderError> {
        let url = self.endpoint.url(&format!(
            "models/{}:batchGenerateContent",
            self.endpoint.model
        ));
        let body = json!({
            "batch": {
                "display_name": name,
                "input_config": { "requests": { "requests": entries } },
            }
        });
        let answer = http::call(
            &self.endpoint,
            &self.limits,
            Repeat::OnlyRateLimited,
            &format!("POST {url} ({} requests)", entries.len()),
            &url,
            || self.request(self.endpoint.client.post(&url).json(&body)),
        )
        .await?;
        let operation = http::json(&self.endpoint, &url, &answer)?;
        let name = text(&operation, "name")
            .or_else(|| {
                operation
                    .pointer("/metadata/name")?
                    .as_str()
                    .map(str::to_string)
            })
            .ok_or_else(|| http::missing(&self.endpoint, &url, "name"))?;
        Ok(name.strip_prefix("batches/").unwrap_or(&name).to_string())
    }

    fn request_body(&self, messages: &[Message]) -> Value {
        generate_body(&self.endpoint, messages)
    }

    async fn get_batch(&self, id: &str) -> Result<Value, ProviderError> {
        let url = self.batch_url(id, "");
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
        let operation = self.get_batch(id).await?;
        self.read_status(id, &operation)
    }

    fn read_status(&self, id: &str, operation: &Value) -> Result<BatchStatus, ProviderError> {
        let batch = batch_of(operation);
        let state = text(batch, "state").unwrap_or_default();
        let state = parse_state(&state).ok_or_else(|| {
            ProviderError::new(
                Reason::StreamBroken,
                format!("gemini reported batch {id} in an unknown state `{state}`"),
            )
        })?;
        let stats = batch.get("batchStats");
        let count = |name| http::count(stats.and_then(|s| s.get(name)));
        let mut errors = Vec::new();
        if let Some(error) = operation.get("error").filter(|e| !e.is_null()) {
            errors.push(text(error, "message").unwrap_or_else(|| error.to_string()));
        }
        let name = text(batch, "name").or_else(|| text(operation, "name"));
        Ok(BatchStatus {
            id: name.map_or_else(
                || id.to_string(),
                |n| n.strip_prefix("batches/").unwrap_or(&n).to_string(),
            ),
            state,
            total: count("requestCount"),
            completed: count("successfulRequestCount"),
            failed: count("failedRequestCount"),
            created_at: text(batch, "createTime").and_then(|t| unix_seconds(&t)),
            errors,
        })
    }

    async fn results_of(&self, id: &str) -> Result<BatchResults, ProviderError> {
        let operation = self.get_batch(id).await?;
        // Where the output is: the operation's `response`, or the batch's own `output`.
        let output = operation
            .get("response")
            .filter(|r| !r.is_null())
            .or_else(|| batch_of(&operation).get("output"))
            .unwrap_or(&Value::Null);
        let mut collector = Collector::default();
        let inline = output
            .pointer("/inlinedResponses/inlinedResponses")
            .and_then(Value::as_array);
        for entry in inline.into_iter().flatten() {
            match entry.pointer("/metadata/key").and_then(Value::as_str) {
                Some(key) => collector.push(key.to_string(), read_entry(entry)),
                None => collector.unreadable += 1,
            }
        }
        if let Some(file) = text(output, "responsesFile") {
            let content = self.download(&file).await?;
            for line in content.lines().filter(|l| !l.trim().is_empty()) {
                let entry = serde_json::from_str::<Value>(line).ok();
                let key = entry
                    .as_ref()
                    .and_then(|e| text(e, "key").or_else(|| text(e.get("metadata")?, "key")));
                match (entry, key) {
                    (Some(entry), Some(key)) => collector.push(key, read_entry(&entry)),
                    _ => collector.unreadable += 1,
                }
            }
        }
        self.endpoint.trace(&collector.summary());
        Ok(collector.results)
    }

    /// A responses file (`files/…`), from the download endpoint: the base URL's path behind
    /// `/download`.
    async fn download(&self, file: &str) -> Result<String, ProviderError> {
        let url = super::super::with_query(
            download_url(&self.endpoint.base_url, file),
            self.endpoint.query.as_deref(),
        );
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
        let url = self.batch_url(id, ":cancel");
        http::call(
            &self.endpoint,
            &self.limits,
            Repeat::Safe,
            &format!("POST {url}"),
            &url,
            || self.request(self.endpoint.client.post(&url)),
        )
        .await?;
        self.status_of(id).await
    }
}

impl BatchProvider for GeminiBatch {
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

/// The batch inside an operation (`metadata`), or the batch itself.
fn batch_of(operation: &Value) -> &Value {
    match operation.get("metadata") {
        Some(metadata) if metadata.get("state").is_some() => metadata,
        _ => operation,
    }
}

/// Gemini's states in OpenAI's words; there is no finalizing, and pending is validating.
fn parse_state(state: &str) -> Option<BatchState> {
    Some(match state {
        "BATCH_STATE_PENDING" | "JOB_STATE_PENDING" | "JOB_STATE_QUEUED" => BatchState::Validating,
        "BATCH_STATE_RUNNING" | "JOB_STATE_RUNNING" => BatchState::InProgress,
        "BATCH_STATE_SUCCEEDED" | "JOB_STATE_SUCCEEDED" => BatchState::Completed,
        "BATCH_STATE_FAILED" | "JOB_STATE_FAILED" => BatchState::Failed,
        "BATCH_STATE_CANCELLED" | "JOB_STATE_CANCELLED" => BatchState::Cancelled,
        "JOB_STATE_CANCELLING" => BatchState::Cancelling,
        "BATCH_STATE_EXPIRED" | "JOB_STATE_EXPIRED" => BatchState::Expired,
        _ => return None,
    })
}

fn download_url(base_url: &str, file: &str) -> String {
    let file = file.trim_start_matches('/');
    match reqwest::Url::parse(base_url) {
        Ok(url) => {
            let origin = url.origin().ascii_serialization();
            let path = url.path().trim_end_matches('/');
            format!("{origin}/download{path}/{file}:download?alt=media")
        }
        Err(_) => format!("{base_url}/{file}:download?alt=media"),
    }
}

/// One inline response or responses-file line: `{response}` or `{error}` (a `google.rpc.Status`).
fn read_entry(entry: &Value) -> LineResult {
    let error = entry
        .get("error")
        .or_else(|| entry.get("status"))
        .filter(|e| !e.is_null());
    if let Some(error) = error {
        let message = text(error, "message").unwrap_or_else(|| error.to_string());
        return LineResult::Error(match text(error, "status") {
            Some(status) => format!("{message} ({status})"),
            None => message,
        });
    }
    match entry.get("response").filter(|r| !r.is_null()) {
        Some(response) => read_response(response),
        None => LineResult::Error("result has neither a response nor an error".into()),
    }
}

/// A whole `GenerateContentResponse`: thought parts apart from the answer, `STOP` the only good end.
fn read_response(response: &Value) -> LineResult {
    if let Some(blocked) = response
        .pointer("/promptFeedback/blockReason")
        .and_then(Value::as_str)
    {
        return LineResult::Error(format!("gemini refused the prompt: {blocked}"));
    }
    let Some(candidate) = response.pointer("/candidates/0") else {
        return LineResult::Error("the response has no candidates".into());
    };
    match candidate.get("finishReason").and_then(Value::as_str) {
        Some("STOP") | None => {}
        Some("MAX_TOKENS") => {
            return LineResult::Error(
                "answer cut off: raise --max-tokens (gemini stopped at MAX_TOKENS)".into(),
            )
        }
        Some(other) => return LineResult::Error(format!("gemini stopped the answer: {other}")),
    }
    let mut answer = Answer::default();
    let parts = candidate
        .pointer("/content/parts")
        .and_then(Value::as_array);
    for part in parts.into_iter().flatten() {
        let piece = part.get("text").and_then(Value::as_str).unwrap_or_default();
        if part.get("thought").and_then(Value::as_bool) == Some(true) {
            answer.reasoning.push_str(piece);
        } else {
            answer.text.push_str(piece);
        }
    }
    if let Some(metadata) = response.get("usageMetadata") {
        answer.usage = usage(metadata);
    }
    if answer.text.trim().is_empty() {
        return LineResult::Error("gemini sent an empty answer".into());
    }
    LineResult::Answer(answer)
}

/// As the streamed path counts: thoughts are part of the completion.
fn usage(metadata: &Value) -> Usage {
    let count = |name| http::count(metadata.get(name));
    let thoughts = count("thoughtsTokenCount");
    Usage {
        prompt_tokens: count("promptTokenCount"),
        completion_tokens: count("candidatesTokenCount") + thoughts,
        cached_tokens: count("cachedContentTokenCount"),
        reasoning_tokens: thoughts,
    }
}

/// An RFC 3339 time (`2026-12-04T19:49:13.123456Z`, or with an offset) as Unix seconds.
fn unix_seconds(time: &str) -> Option<u64> {
    let (date, rest) = time.split_once('T')?;
    let mut ymd = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let clock_end = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(clock_end);
    let mut hms = clock.splitn(3, ':');
    let hour: i64 = hms.next()?.parse().ok()?;
    let minute: i64 = hms.next()?.parse().ok()?;
    let second: f64 = hms.next()?.parse().ok()?;
    let offset = match zone.as_bytes().first() {
        Some(sign @ (b'+' | b'-')) => {
            let (h, m) = zone[1..].split_once(':')?;
            let minutes = h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => 0,
    };
    let seconds =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second as i64
            - offset;
    u64::try_from(seconds).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_become_unix_seconds() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2026-12-04T19:49:13.5Z"), Some(1_796_413_753));
        assert_eq!(
            unix_seconds("2026-12-04T20:49:13+01:00"),
            Some(1_796_413_753)
        );
        assert_eq!(unix_seconds("yesterday"), None);
    }

    #[test]
    fn responses_files_download_from_the_download_path() {
        assert_eq!(
            download_url("https://generativelanguage.googleapis.com/v1beta", "files/abc"),
            "https://generativelanguage.googleapis.com/download/v1beta/files/abc:download?alt=media"
        );
    }

    #[test]
    fn responses_keep_thoughts_apart_and_count_them_in() {
        let response = json!({
            "candidates": [{"content": {"parts": [{"text": "hm", "thought": true}, {"text": "A"}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 2, "thoughtsTokenCount": 3, "cachedContentTokenCount": 4}
        });
        let LineResult::Answer(answer) = read_response(&response) else {
            panic!("no answer");
        };
        assert_eq!(
            (answer.text.as_str(), answer.reasoning.as_str()),
            ("A", "hm")
        );
        assert_eq!(answer.usage.completion_tokens, 5);
        assert_eq!(answer.usage.cached_tokens, 4);
    }
}
