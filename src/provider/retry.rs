//! When to try again and how long to wait: the retry policy, the shared 429 [`Gate`] and the
//! `--rpm` limiter, and [`ask_with_retries`], the entry point the job runner calls.
//!
//! Owns: backoff (0.5 s·2ⁿ with jitter, capped), reading `retry-after-ms` / `retry-after` (seconds or
//! an HTTP date), and one hold-back shared by every job: when a request is told 429, every caller
//! waits for the same reopening instead of each hammering on.
//!
//! A gate may carry a [`Limiter`] (`generate` gives it one): then every attempt holds one of its
//! permits, and a 429 that came while other requests were in flight is the limiter's to answer: it
//! lowers the number of requests in flight, costs none of the job's `--retries`, and only that
//! request waits (the server's `Retry-After` at least), for as long as the limiter's patience. A
//! 429 that no concurrency explains (nothing else was in flight: a per-minute rate) is handled as
//! without a limiter: it holds everyone back and spends a retry.
//! What is retryable is decided where the error is made ([`ProviderError::kind`]); how many jobs
//! run at once and Ctrl-C belong to the runner.
//!
//! Cancellation: every future here may be dropped at any await (Ctrl-C drops the whole job). No lock
//! is held across an await, so dropping never blocks the other callers; a dropped caller may leave an
//! unused `--rpm` slot behind, which only makes the pace slower, never faster.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::limit::{Limiter, Permit, Refusal};
use super::{Answer, Message, Provider, ProviderError, Reason, Usage};

/// The longest server-given wait we honour; past it, we try again anyway (and let the next
/// answer decide).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// How often and how patiently one job retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (`--retries`).
    pub retries: u32,
    /// The first backoff; each further one doubles.
    pub base: Duration,
    /// No backoff waits longer than this.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 4,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0 for the first): `base·2^retry` capped at `cap`, then
    /// jittered into its upper half, so callers that failed together do not retry together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let full = self
            .base
            .saturating_mul(2u32.saturating_pow(retry.min(31)))
            .min(self.cap);
        full.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    /// The wait before retry number `retry` after `error`: the backoff, or what the server asked for
    /// (capped at [`MAX_RETRY_AFTER`]) when that is longer.
    ///
    /// The server's wait is the least to wait, not the most: a sliding-window limiter says when its
    /// oldest request leaves, often a few milliseconds away. Waiting only that long sends every caller
    /// held at the gate in at once to race for that one free slot, and the losers are told "a few
    /// milliseconds" again — a job could spend all its retries within 50 ms and fail (the generate
    /// benchmark's rate-limited run did). The backoff floor makes the retries span seconds.
    pub fn delay(&self, retry: u32, error: &ProviderError) -> Duration {
        let backoff = self.backoff(retry);
        match error.retry_after() {
            Some(asked) => asked.min(MAX_RETRY_AFTER).max(backoff),
            None => backoff,
        }
    }
}

/// The server's `retry-after-ms` (OpenAI's, finer) or `retry-after` (seconds or an HTTP date),
/// capped at [`MAX_RETRY_AFTER`].
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    let millis = text("retry-after-ms").and_then(|ms| ms.parse::<f64>().ok());
    let from_ms = millis
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
        .map(|ms| Duration::from_secs_f64(ms / 1000.0));
    from_ms
        .or_else(|| parse_retry_after(text("retry-after")?, SystemTime::now()))
        .map(|wait| wait.min(MAX_RETRY_AFTER))
}

/// A `Retry-After` value: delay-seconds, or an HTTP date (a date in the past means now).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// One hold-back and one pace shared by every caller of a run. Cheap to clone (an `Arc`).
///
/// - Hold-back: after a 429, [`hold_for`](Gate::hold_for) closes the gate; [`pass`](Gate::pass)
///   waits until it reopens. Later holds only ever push the reopening further out.
/// - Pace (`--rpm N`): requests start at least `60 s / N` apart, whoever sends them.
/// - Concurrency (optional, [`with_limiter`](Gate::with_limiter)): requests in flight at most the
///   limiter's learned limit.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    state: Arc<Mutex<GateState>>,
    limiter: Option<Limiter>,
}

#[derive(Debug, Default)]
struct GateState {
    reopens_at: Option<Instant>,
    spacing: Option<Duration>,
    next_slot: Option<Instant>,
}

enum Step {
    Pass,
    WaitUntilOpen(Instant),
    WaitForSlot(Instant),
}

impl Gate {
    /// A gate without a pace: only 429s hold callers back.
    pub fn new() -> Self {
        Self::default()
    }

    /// A gate that also spaces requests evenly at `rpm` per minute (`None` or 0: no pace).
    pub fn with_rpm(rpm: Option<u32>) -> Self {
        let spacing = rpm.filter(|&n| n > 0).map(|n| Duration::from_secs(60) / n);
        Self {
            state: Arc::new(Mutex::new(GateState {
                spacing,
                ..GateState::default()
            })),
            limiter: None,
        }
    }

    /// This gate, also holding requests in flight to what `limiter` learns.
    pub fn with_limiter(mut self, limiter: Limiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The limiter, if the gate has one.
    pub fn limiter(&self) -> Option<&Limiter> {
        self.limiter.as_ref()
    }

    /// Waits until this caller may send a request: the gate is open and, with a pace, its slot came.
    pub async fn pass(&self) {
        loop {
            match self.step(Instant::now()) {
                Step::Pass => return,
                Step::WaitUntilOpen(reopens_at) => tokio::time::sleep_until(reopens_at).await,
                Step::WaitForSlot(slot) => {
                    tokio::time::sleep_until(slot).await;
                    // A 429 may have closed the gate while this caller waited for its slot.
                    if self.closed_until(Instant::now()).is_none() {
                        return;
                    }
                }
            }
        }
    }

    /// [`pass`](Gate::pass), then a place among the requests in flight when there is a limiter.
    /// The pace slot is taken once the place is had, so waiting for a place cannot bunch paced
    /// requests together; a hold that closed the gate meanwhile sends the caller back to wait.
    async fn enter(&self) -> Option<Permit> {
        let Some(limiter) = &self.limiter else {
            self.pass().await;
            return None;
        };
        loop {
            while let Some(reopens_at) = self.closed_until(Instant::now()) {
                tokio::time::sleep_until(reopens_at).await;
            }
            let permit = limiter.acquire().await;
            if self.closed_until(Instant::now()).is_some() {
                continue;
            }
            if let Some(slot) = self.take_slot(Instant::now()) {
                tokio::time::sleep_until(slot).await;
                if self.closed_until(Instant::now()).is_some() {
                    continue;
                }
            }
            return Some(permit);
        }
    }

    /// Closes the gate for `wait` from now (a 429 arrived), unless it is already closed for longer.
    pub fn hold_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut state = self.lock();
        state.reopens_at = Some(state.reopens_at.map_or(until, |current| current.max(until)));
    }

    /// How long until the gate reopens, if it is closed (for progress: "rate limited, waiting 12 s").
    pub fn reopens_in(&self) -> Option<Duration> {
        let now = Instant::now();
        self.closed_until(now).map(|reopens_at| reopens_at - now)
    }

    fn closed_until(&self, now: Instant) -> Option<Instant> {
        self.lock()
            .reopens_at
            .filter(|&reopens_at| reopens_at > now)
    }

    fn step(&self, now: Instant) -> Step {
        if let Some(reopens_at) = self.closed_until(now) {
            return Step::WaitUntilOpen(reopens_at);
        }
        match self.take_slot(now) {
            Some(slot) => Step::WaitForSlot(slot),
            None => Step::Pass,
        }
    }

    /// Takes the next pace slot; `Some` when it is still to come.
    fn take_slot(&self, now: Instant) -> Option<Instant> {
        let mut state = self.lock();
        let spacing = state.spacing?;
        let slot = state.next_slot.map_or(now, |next| next.max(now));
        state.next_slot = Some(slot + spacing);
        (slot > now).then_some(slot)
    }

    fn lock(&self) -> MutexGuard<'_, GateState> {
        // The state stays consistent even if a holder panicked: every update is one assignment.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A job's answer and how many attempts it took. The answer's usage includes what the failed
/// attempts before it cost.
#[derive(Debug, Clone)]
pub struct Asked {
    pub answer: Answer,
    pub attempts: u32,
}

/// A job's last error, after the retries ran out or on the first error that cannot pass.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{error} (after {attempts} attempt{})", if *.attempts == 1 { "" } else { "s" })]
pub struct Failed {
    pub error: ProviderError,
    pub attempts: u32,
    /// Tokens billed over all the attempts (each failed attempt's [`ProviderError::usage`]).
    pub usage: Usage,
}

/// A retry about to happen, for progress output.
#[derive(Debug)]
pub struct Retrying<'a> {
    /// Why the attempt failed.
    pub error: &'a ProviderError,
    /// The attempt that failed (1 for the first).
    pub attempt: u32,
    /// How long until the next attempt may start.
    pub wait: Duration,
}

/// Asks `provider` until it answers, an error cannot pass, or `policy.retries` retries are spent.
/// Every attempt first passes `gate`; a 429 holds the gate for everyone — unless the gate has a
/// limiter, which answers for 429s instead (see the module doc).
pub async fn ask_with_retries(
    provider: &dyn Provider,
    messages: &[Message],
    policy: &RetryPolicy,
    gate: &Gate,
) -> Result<Asked, Failed> {
    ask_with_retries_observed(provider, messages, policy, gate, |_| {}).await
}

/// [`ask_with_retries`], telling `on_retry` before each wait (for `-v` and progress lines).
pub async fn ask_with_retries_observed(
    provider: &dyn Provider,
    messages: &[Message],
    policy: &RetryPolicy,
    gate: &Gate,
    mut on_retry: impl FnMut(&Retrying<'_>) + Send,
) -> Result<Asked, Failed> {
    let mut attempts = 0;
    // A failed attempt may still have been billed (an answer cut off at the token limit).
    let mut spent = Usage::default();
    // Failures that spend `--retries`, and 429s the limiter answered for (since the first of them).
    let mut failures = 0;
    let mut refusals = 0;
    let mut refused_since = None;
    loop {
        let permit = gate.enter().await;
        attempts += 1;
        let error = match provider.chat(messages).await {
            Ok(mut answer) => {
                answer.usage += spent;
                if let Some(permit) = permit {
                    permit.succeeded();
                }
                return Ok(Asked { answer, attempts });
            }
            Err(error) => error,
        };
        spent += error.usage();
        let refusal = match permit {
            Some(permit) if error.is_overload() => Some(permit.refused()),
            _ => None,
        };
        let rate_limited = error.reason() == Reason::RateLimited;
        if !error.is_retryable() {
            return Err(Failed {
                error,
                attempts,
                usage: spent,
            });
        }
        // A 429 the limiter explains by concurrency is its to answer; one that came while nothing
        // else was in flight (a per-minute rate) is handled as without a limiter.
        let answered =
            rate_limited && matches!(refusal, Some(Refusal::Cut { .. } | Refusal::Counted));
        let (wait, hold) = match gate.limiter() {
            Some(limiter) if answered => {
                let since = *refused_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= limiter.patience() {
                    return Err(Failed {
                        error,
                        attempts,
                        usage: spent,
                    });
                }
                refusals += 1;
                (policy.delay(refusals - 1, &error), false)
            }
            _ => {
                failures += 1;
                if failures > policy.retries {
                    return Err(Failed {
                        error,
                        attempts,
                        usage: spent,
                    });
                }
                (policy.delay(failures - 1, &error), rate_limited)
            }
        };
        on_retry(&Retrying {
            error: &error,
            attempt: attempts,
            wait,
        });
        if hold {
            // Everyone waits, this caller included: it meets the hold at the top of the loop.
            gate.hold_for(wait);
        } else {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_cap() {
        let policy = RetryPolicy::default();
        for _ in 0..50 {
            let first = policy.backoff(0);
            assert!(first >= Duration::from_millis(250) && first <= Duration::from_millis(500));
            let third = policy.backoff(2);
            assert!(third >= Duration::from_secs(1) && third <= Duration::from_secs(2));
            assert!(policy.backoff(40) <= Duration::from_secs(30));
            assert!(policy.backoff(40) >= Duration::from_secs(15));
        }
    }

    #[test]
    fn the_server_wait_is_a_floor_and_so_is_the_backoff() {
        let policy = RetryPolicy::default();
        let limited = |wait: Duration| {
            ProviderError::new(Reason::RateLimited, "429").with_retry_after(Some(wait))
        };
        for _ in 0..50 {
            // "A few ms": every caller would race for one slot again; back off instead.
            let short = policy.delay(2, &limited(Duration::from_millis(3)));
            assert!(short >= Duration::from_secs(1) && short <= Duration::from_secs(2));
            assert_eq!(
                policy.delay(0, &limited(Duration::from_secs(9))),
                Duration::from_secs(9)
            );
            assert_eq!(
                policy.delay(0, &limited(Duration::from_secs(600))),
                MAX_RETRY_AFTER
            );
        }
    }

    #[test]
    fn retry_after_reads_ms_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(1500)));
        headers.clear();
        headers.insert("retry-after", HeaderValue::from_static("86400"));
        assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER));

        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let date = "Sun, 06 Nov 1994 08:49:47 GMT"; // now + 10 s
        assert_eq!(parse_retry_after(date, now), Some(Duration::from_secs(10)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[tokio::test]
    async fn the_pace_spaces_callers_evenly() {
        let gate = Gate::with_rpm(Some(1200)); // 50 ms apart
        let start = Instant::now();
        for _ in 0..5 {
            gate.pass().await;
        }
        assert!(
            start.elapsed() >= Duration::from_millis(200),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn a_hold_delays_every_caller_and_only_lengthens() {
        let gate = Gate::new();
        gate.hold_for(Duration::from_millis(150));
        gate.hold_for(Duration::from_millis(10));
        let start = Instant::now();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move {
                    gate.pass().await;
                    Instant::now()
                })
            })
            .collect();
        for waiter in waiters {
            let passed_at = waiter.await.expect("waiter");
            assert!(passed_at - start >= Duration::from_millis(140));
        }
        assert_eq!(gate.reopens_in(), None);
    }
}
