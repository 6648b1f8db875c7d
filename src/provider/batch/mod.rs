//! Batch mode's wire: submitting many chat requests to a provider's batch API at once, following a
//! batch through its states, downloading its results and cancelling it. One file per protocol (OpenAI's
//! files + batches in `openai.rs`; Gemini's `batchGenerateContent` in `gemini.rs`) behind
//! [`BatchProvider`]. Which jobs go in a batch, the state kept on disk, and checking the answers belong
//! to `crate::batch` (the commands' side).

use futures_util::future::BoxFuture;

use super::{Answer, Message, ProviderConfig, ProviderError};

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
            BatchState::Completed | BatchState::Failed | BatchState::Expired | BatchState::Cancelled
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

/// The batch API of the provider `config` describes; an error for a kind without one (Ollama) or
/// without a key.
pub fn build_batch(config: ProviderConfig) -> Result<Box<dyn BatchProvider>, ProviderError> {
    let _ = config;
    todo!("batch-wire: OpenAI files + batches, Gemini batchGenerateContent")
}
