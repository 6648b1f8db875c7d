//! Batch mode's wire: submitting many chat requests to a provider's batch API at once, following a
//! batch through its states, downloading its results and cancelling it. One file per protocol (OpenAI's
//! files + batches in `openai.rs`; Gemini's `batchGenerateContent` in `gemini.rs`) behind
//! [`BatchProvider`]. Which jobs go in a batch, the state kept on disk, and checking the answers belong
//! to `crate::batch` (the commands' side).

mod gemini;
mod http;
mod openai;

use std::collections::HashSet;
use std::ops::Range;

use futures_util::future::BoxFuture;

use super::retry::RetryPolicy;
use super::{defaults, Answer, Message, Protocol, ProviderConfig, ProviderError, Reason};

/// One request of a batch: the job's `custom_id` (how its answer is found again — never by order) and
/// the conversation to send.
#[derive(Debug, Clone)]
pub struct BatchRequest {
    pub custom_id: String,
    pub messages: Vec<Message>,
}

/// Where a batch is, in OpenAI's words (Gemini's states map onto them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    Validating,
    InProgress,
    Finalizing,
    Completed,
    Failed,
    Expired,
    Cancelling,
    Cancelled,
}

impl BatchState {
    /// No further change will come: results (if any) can be collected.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            BatchState::Completed
                | BatchState::Failed
                | BatchState::Expired
                | BatchState::Cancelled
        )
    }
}

/// A batch as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchStatus {
    pub id: String,
    pub state: BatchState,
    pub total: u64,
    pub completed: u64,
    pub failed: u64,
    /// Unix seconds, when the provider says.
    pub created_at: Option<u64>,
    /// Why the batch failed, when it did (validation errors, …).
    pub errors: Vec<String>,
}

/// What became of one request of a finished batch.
#[derive(Debug, Clone)]
pub enum LineResult {
    /// The model's answer, with its usage.
    Answer(Answer),
    /// The request failed on the provider's side (a per-line error, an error file line, a non-200
    /// status in the output).
    Error(String),
}

/// The results of a finished (or expired, or cancelled) batch, by `custom_id`, in the order the
/// provider gave them. A request with no line here got no result (it is reported as missing).
#[derive(Debug, Clone, Default)]
pub struct BatchResults {
    pub lines: Vec<(String, LineResult)>,
}

impl super::Endpoint {
    /// Every answer of `results` with the key and the URL's credentials cut out (a server may echo
    /// them), before it lands anywhere.
    fn scrub_results(&self, results: BatchResults) -> BatchResults {
        let lines = results
            .lines
            .into_iter()
            .map(|(id, line)| {
                let line = match line {
                    LineResult::Answer(answer) => LineResult::Answer(self.key.scrub_answer(answer)),
                    LineResult::Error(error) => LineResult::Error(self.key.scrub(&error)),
                };
                (id, line)
            })
            .collect();
        BatchResults { lines }
    }
}

/// A provider's batch API.
pub trait BatchProvider: Send + Sync {
    /// The `--type` name of its kind.
    fn name(&self) -> &'static str;
    /// The model the requests go to.
    fn model(&self) -> &str;
    /// Submits `requests`, split into several batches past the provider's limits (OpenAI: 50,000
    /// requests or 200 MB per input file); returns the batch ids in order.
    fn submit<'a>(
        &'a self,
        requests: &'a [BatchRequest],
    ) -> BoxFuture<'a, Result<Vec<String>, ProviderError>>;
    /// Where batch `id` is.
    fn status<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<BatchStatus, ProviderError>>;
    /// The results of batch `id` (call once its state is final): its output and error lines.
    fn results<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<BatchResults, ProviderError>>;
    /// Asks the provider to cancel batch `id`; returns its state after the request.
    fn cancel<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<BatchStatus, ProviderError>>;
}

/// A later part of a split submission failed: cancel the batches already created (nobody would know
/// their ids otherwise), and say so in the error.
async fn abandon(
    provider: &dyn BatchProvider,
    created: Vec<String>,
    error: ProviderError,
) -> ProviderError {
    if created.is_empty() {
        return error;
    }
    for id in &created {
        let _ = provider.cancel(id).await;
    }
    ProviderError::new(
        error.reason(),
        format!(
            "{error} (the {} batch(es) already created were cancelled: {})",
            created.len(),
            created.join(", ")
        ),
    )
    .with_retry_after(error.retry_after())
}

/// The batch API of the provider `config` describes; an error for a kind without one (Ollama) or
/// without a key.
pub fn build_batch(config: ProviderConfig) -> Result<Box<dyn BatchProvider>, ProviderError> {
    let limits = Limits::of(defaults::of(config.kind).protocol);
    build_batch_with(config, limits)
}

/// [`build_batch`] with other limits (tests split 5 requests into batches of 2). Not part of the
/// contract: the limits are the providers', not the user's.
#[doc(hidden)]
pub fn build_batch_with(
    config: ProviderConfig,
    limits: Limits,
) -> Result<Box<dyn BatchProvider>, ProviderError> {
    let kind = config.kind;
    let protocol = defaults::of(kind).protocol;
    // Ollama is the one kind whose server has no batch API; any other OpenAI-compatible kind (or
    // `--base-url`) is taken at its word.
    if kind == super::ProviderKind::Ollama {
        return Err(ProviderError::new(
            Reason::Config,
            format!("batch mode needs openai, deepseek or gemini: {kind} has no batch API"),
        ));
    }
    let endpoint = super::endpoint(config)?;
    Ok(match protocol {
        Protocol::OpenAiChat(dialect) => {
            Box::new(openai::OpenAiBatch::new(endpoint, dialect, limits))
        }
        Protocol::Gemini => Box::new(gemini::GeminiBatch::new(endpoint, limits)),
    })
}

/// How big one batch may get before the requests are split over several, and how 429s and busy
/// servers are retried during uploads, creation, polls and downloads.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests per batch (OpenAI: 50,000 per input file).
    pub max_requests: usize,
    /// Bytes of requests per batch (OpenAI: 200 MB per file; Gemini: 20 MB of inline requests),
    /// with a margin for the framing around them.
    pub max_bytes: usize,
    pub retry: RetryPolicy,
}

impl Limits {
    /// The provider's documented limits for `protocol`.
    pub fn of(protocol: Protocol) -> Self {
        let (max_requests, max_bytes) = match protocol {
            Protocol::OpenAiChat(_) => (50_000, 190 * 1024 * 1024),
            Protocol::Gemini => (50_000, 19 * 1024 * 1024),
        };
        Self {
            max_requests,
            max_bytes,
            retry: RetryPolicy {
                retries: 6,
                ..RetryPolicy::default()
            },
        }
    }
}

/// Consecutive runs of requests, each within `limits`, given each request's size in bytes. A single
/// request over `max_bytes` goes alone: the provider says whether it is too big.
fn split(sizes: &[usize], limits: &Limits) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, &size) in sizes.iter().enumerate() {
        let full = i - start >= limits.max_requests.max(1) || bytes + size > limits.max_bytes;
        if i > start && full {
            runs.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < sizes.len() {
        runs.push(start..sizes.len());
    }
    runs
}

/// Answers are found again by `custom_id` alone, so two requests may not share one.
fn check_unique(requests: &[BatchRequest]) -> Result<(), ProviderError> {
    let mut seen = HashSet::new();
    match requests.iter().find(|r| !seen.insert(r.custom_id.as_str())) {
        Some(twice) => Err(ProviderError::new(
            Reason::BadRequest,
            format!(
                "custom_id `{}` appears twice in one batch submission",
                twice.custom_id
            ),
        )),
        None => Ok(()),
    }
}

/// Gathers result lines: the first line for a `custom_id` wins, later ones (a provider bug, or the
/// same id in the output and the error file) are dropped; lines that cannot be read at all are only
/// counted.
#[derive(Default)]
struct Collector {
    seen: HashSet<String>,
    results: BatchResults,
    duplicates: usize,
    unreadable: usize,
}

impl Collector {
    fn push(&mut self, custom_id: String, result: LineResult) {
        if self.seen.insert(custom_id.clone()) {
            self.results.lines.push((custom_id, result));
        } else {
            self.duplicates += 1;
        }
    }

    /// For the `-vv` trace: what was dropped.
    fn summary(&self) -> String {
        format!(
            "<- {} result lines ({} duplicates dropped, {} unreadable skipped)",
            self.results.lines.len(),
            self.duplicates,
            self.unreadable
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_requests: usize, max_bytes: usize) -> Limits {
        Limits {
            max_requests,
            max_bytes,
            retry: RetryPolicy::default(),
        }
    }

    #[test]
    fn requests_split_by_count_and_by_bytes() {
        assert_eq!(split(&[1; 5], &limits(2, 100)), vec![0..2, 2..4, 4..5]);
        assert_eq!(split(&[4, 4, 4], &limits(10, 8)), vec![0..2, 2..3]);
        assert_eq!(split(&[20, 1], &limits(10, 8)), vec![0..1, 1..2]);
        assert!(split(&[], &limits(2, 8)).is_empty());
    }

    #[test]
    fn the_first_line_for_an_id_wins() {
        let mut collector = Collector::default();
        collector.push("a".into(), LineResult::Error("first".into()));
        collector.push("a".into(), LineResult::Error("second".into()));
        assert_eq!(collector.results.lines.len(), 1);
        assert!(matches!(&collector.results.lines[0].1, LineResult::Error(e) if e == "first"));
        assert_eq!(collector.duplicates, 1);
    }

    #[test]
    fn ollama_has_no_batch_api() {
        let error = build_batch(ProviderConfig::new(super::super::ProviderKind::Ollama))
            .err()
            .expect("an error");
        assert_eq!(error.reason(), Reason::Config);
        assert!(error.message().contains("openai, deepseek or gemini"));
    }
}
