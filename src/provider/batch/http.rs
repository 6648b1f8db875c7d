//! The HTTP exchanges both batch protocols share: one call (rebuilt for every attempt, since a
//! multipart upload cannot be replayed), retried on 429 — and, when repeating it is harmless, on busy
//! servers and broken connections — with the streaming path's backoff and `Retry-After` handling;
//! errors classified as the streaming path classifies them, with the key scrubbed out; JSON bodies
//! read. Leaves what to send and what the answers mean to `openai.rs` and `gemini.rs`.

use serde_json::Value;

use super::super::error::summarize;
use super::super::{Endpoint, ProviderError, Reason};
use super::Limits;

/// How the key is presented.
#[derive(Debug, Clone, Copy)]
pub(super) enum Auth {
    /// `Authorization: Bearer …` (OpenAI-compatible servers).
    Bearer,
    /// `x-goog-api-key: …` (Gemini), never in the URL.
    GoogApiKey,
}

/// Whether a failed attempt may simply be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Repeat {
    /// Reads, uploads and cancels: a second copy does no harm.
    Safe,
    /// Creating a batch: a 5xx may have created it anyway, and a second one would run (and bill)
    /// every request twice. Only a 429, which created nothing, is retried.
    OnlyRateLimited,
}

/// The key on a request, marked sensitive so no debug output of the request shows it.
pub(super) fn authorize(
    endpoint: &Endpoint,
    auth: Auth,
    request: reqwest::RequestBuilder,
) -> reqwest::RequestBuilder {
    let Some(key) = endpoint.key.expose() else {
        return request;
    };
    let (name, value) = match auth {
        Auth::Bearer => ("authorization", format!("Bearer {key}")),
        Auth::GoogApiKey => ("x-goog-api-key", key.to_string()),
    };
    match reqwest::header::HeaderValue::from_str(&value) {
        Ok(mut value) => {
            value.set_sensitive(true);
            request.header(name, value)
        }
        Err(_) => request,
    }
}

/// Sends `make()` until it succeeds, fails for good, or the retries in `limits` are spent; returns
/// the body of the successful answer. `what` names the call in the trace ("POST …/files").
pub(super) async fn call(
    endpoint: &Endpoint,
    limits: &Limits,
    repeat: Repeat,
    what: &str,
    url: &str,
    make: impl Fn() -> reqwest::RequestBuilder,
) -> Result<String, ProviderError> {
    let mut attempt = 0;
    loop {
        endpoint.trace(&format!("-> {what}"));
        let error = match once(endpoint, url, make()).await {
            Ok(body) => {
                endpoint.trace(&format!("<- {} bytes", body.len()));
                return Ok(body);
            }
            Err(error) => error.scrubbed(&endpoint.key),
        };
        let again = match repeat {
            Repeat::Safe => error.is_retryable(),
            Repeat::OnlyRateLimited => error.reason() == Reason::RateLimited,
        };
        endpoint.trace(&format!("<- failed: {error}"));
        if !again || attempt >= limits.retry.retries {
            return Err(error);
        }
        tokio::time::sleep(limits.retry.delay(attempt, &error)).await;
        attempt += 1;
    }
}

/// One attempt, request to last byte, under the `--timeout` clock.
async fn once(
    endpoint: &Endpoint,
    url: &str,
    request: reqwest::RequestBuilder,
) -> Result<String, ProviderError> {
    let origin = endpoint.origin(url);
    let timeouts = &endpoint.config.timeouts;
    let exchange = async {
        let response = request
            .send()
            .await
            .map_err(|e| ProviderError::transport(&origin, &e))?;
        if !response.status().is_success() {
            return Err(ProviderError::from_response(&origin, response, timeouts.idle).await);
        }
        response
            .text()
            .await
            .map_err(|e| ProviderError::transport(&origin, &e))
    };
    match tokio::time::timeout(timeouts.attempt, exchange).await {
        Ok(result) => result,
        Err(_elapsed) => Err(ProviderError::new(
            Reason::Timeout,
            format!(
                "no answer from {} at {url} within {} s (--timeout)",
                endpoint.kind,
                timeouts.attempt.as_secs_f32()
            ),
        )),
    }
}

/// A JSON answer; an unreadable one is the server's fault (and may pass on a later poll).
pub(super) fn json(endpoint: &Endpoint, url: &str, body: &str) -> Result<Value, ProviderError> {
    serde_json::from_str(body).map_err(|error| {
        ProviderError::new(
            Reason::StreamBroken,
            format!(
                "unreadable answer from {} at {url}: {error}: {}",
                endpoint.kind,
                summarize(body, 200)
            ),
        )
        .scrubbed(&endpoint.key)
    })
}

/// A field that should be there and is not.
pub(super) fn missing(endpoint: &Endpoint, url: &str, field: &str) -> ProviderError {
    ProviderError::new(
        Reason::StreamBroken,
        format!("answer from {} at {url} has no `{field}`", endpoint.kind),
    )
}

/// The number in `value`, whether sent as a number or (Google's int64s) as a string.
pub(super) fn count(value: Option<&Value>) -> u64 {
    match value {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// The string field `field` of `value`.
pub(super) fn text(value: &Value, field: &str) -> Option<String> {
    value.get(field)?.as_str().map(str::to_string)
}
