//! How many requests may be in flight at once, learned from the server: the [`Limiter`].
//!
//! Owns the limit (between 1 and the `--concurrency` ceiling), the permits that requests take around
//! each HTTP attempt, the pacing of new admissions, and how long a request may keep being refused
//! ([`Limiter::patience`]). What counts as a refusal is decided by the retry loop (`retry`), which
//! reports each attempt's outcome on its [`Permit`]; how many *jobs* run at once belongs to the runner.
//!
//! Why AIMD and not a gradient limiter: a gradient limiter (Netflix's concurrency-limits) reads the
//! server's state from latency — requests slow down as its queue grows. The servers this is for do
//! not queue: a vLLM/Ollama box with a few slots, or a provider's concurrency cap, answers 429 (or 503
//! "overloaded") at once beyond them, and an LLM request's latency mostly measures how long the answer
//! is, not how loaded the server is. The one clear signal is the refusal, which is what AIMD, like TCP
//! with a lost packet, is built on:
//! - additive increase: +1 after a window of successes equal to the limit, counted only while the
//!   limit was in use (a run's tail, with fewer jobs than the limit, proves nothing);
//! - multiplicative decrease on a refusal, to what the server was holding: the other requests still in
//!   flight when it refused (its capacity, as far as this run can see), and by at least 10%. As TCP
//!   cuts once per window, only a request sent since the last cut can cut again: a burst of refusals
//!   to requests sent together counts once, so it cannot collapse the limit to 1.
//! - A refusal while nothing else was in flight says nothing about concurrency (a per-minute rate, or
//!   someone else's load): it leaves the limit alone and [`Refusal::Alone`] tells the caller so.
//!
//! The limit starts at the ceiling — a provider without a cap must not pay a slow start — and new
//! requests are admitted at least [`PACING`] apart. Without pacing, N requests sent at once earn N
//! refusals before the first can be heard; paced, the first refusal from a nearby server arrives
//! before the next request leaves, so the limit drops before the burst is spent.
//!
//! Cancellation: [`Limiter::acquire`] may be dropped at any await; a [`Permit`] dropped without an
//! outcome (Ctrl-C, a panic) just frees its place. No lock is held across an await.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The least time between two admissions.
pub const PACING: Duration = Duration::from_millis(5);

/// A refusal cuts the limit at least by this factor.
const DECREASE: f64 = 0.9;

/// The learned limit on requests in flight, shared by every job of a run. Cheap to clone (an `Arc`).
#[derive(Debug, Clone)]
pub struct Limiter {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Woken when a place frees up.
    freed: Notify,
    patience: Duration,
}

/// The arithmetic, apart from any clock or task so it can be tested as is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    ceiling: usize,
    limit: usize,
    in_flight: usize,
    /// Successes counted towards the next increase.
    successes: usize,
    /// Bumped by every cut; a permit remembers the one it was admitted in.
    generation: u64,
    next_admission: Option<Instant>,
}

/// What [`State::admit`] decided.
#[derive(Debug, PartialEq, Eq)]
enum Admission {
    /// Admitted, in this generation.
    Now(u64),
    /// There is room, but not before this instant (pacing).
    At(Instant),
    /// No room until a request ends.
    Full,
}

/// What a refusal did to the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The limit went from `from` to `to`.
    Cut { from: usize, to: usize },
    /// The request was sent before the last cut (or the limit cannot go lower): already answered for.
    Counted,
    /// Nothing else was in flight: not a concurrency limit. The limit stays.
    Alone,
}

impl State {
    fn new(ceiling: usize) -> Self {
        let ceiling = ceiling.max(1);
        Self {
            ceiling,
            limit: ceiling,
            in_flight: 0,
            successes: 0,
            generation: 0,
            next_admission: None,
        }
    }

    fn admit(&mut self, now: Instant) -> Admission {
        if self.in_flight >= self.limit {
            return Admission::Full;
        }
        if let Some(next) = self.next_admission.filter(|&next| next > now) {
            return Admission::At(next);
        }
        self.in_flight += 1;
        self.next_admission = Some(now + PACING);
        Admission::Now(self.generation)
    }

    /// A request answered (before its place is freed).
    fn succeeded(&mut self) {
        if self.in_flight < self.limit {
            return;
        }
        self.successes += 1;
        if self.successes >= self.limit {
            self.successes = 0;
            self.limit = (self.limit + 1).min(self.ceiling);
        }
    }

    /// A request admitted in `generation` was refused (before its place is freed).
    fn refused(&mut self, generation: u64) -> Refusal {
        let others = self.in_flight.saturating_sub(1);
        if others == 0 {
            return Refusal::Alone;
        }
        if generation != self.generation {
            return Refusal::Counted;
        }
        let decreased = (self.limit as f64 * DECREASE).floor() as usize;
        let to = others.min(decreased).max(1);
        if to >= self.limit {
            return Refusal::Counted;
        }
        let from = self.limit;
        self.limit = to;
        self.successes = 0;
        self.generation += 1;
        Refusal::Cut { from, to }
    }

    fn release(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }
}

impl Limiter {
    /// A limit that starts at `ceiling` (`--concurrency`); a request refused for longer than
    /// `patience` gives up.
    pub fn new(ceiling: usize, patience: Duration) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State::new(ceiling)),
                freed: Notify::new(),
                patience,
            }),
        }
    }

    /// Waits for a place among the requests in flight.
    pub async fn acquire(&self) -> Permit {
        loop {
            let freed = self.shared.freed.notified();
            tokio::pin!(freed);
            // Registered before looking, so a place freed in between is not missed.
            freed.as_mut().enable();
            let admission = self.lock().admit(Instant::now());
            match admission {
                Admission::Now(generation) => {
                    return Permit {
                        shared: Arc::clone(&self.shared),
                        generation,
                    }
                }
                Admission::At(when) => tokio::time::sleep_until(when).await,
                Admission::Full => freed.await,
            }
        }
    }

    /// The current limit.
    pub fn limit(&self) -> usize {
        self.lock().limit
    }

    /// The most it may reach (`--concurrency`).
    pub fn ceiling(&self) -> usize {
        self.lock().ceiling
    }

    /// How long one request may keep being refused before its job gives up.
    pub fn patience(&self) -> Duration {
        self.shared.patience
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.shared)
    }
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    // Every update leaves the state whole, so a panicked holder cannot have broken it.
    shared
        .state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One request's place in flight; freed when dropped. Tell it how the request went.
#[derive(Debug)]
pub struct Permit {
    shared: Arc<Shared>,
    generation: u64,
}

impl Permit {
    /// The request was answered.
    pub fn succeeded(self) {
        lock(&self.shared).succeeded();
    }

    /// The server refused the request for load (429, or 503 "overloaded").
    pub fn refused(self) -> Refusal {
        lock(&self.shared).refused(self.generation)
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        lock(&self.shared).release();
        self.shared.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Admits `n` requests without pacing getting in the way; returns their generations.
    fn fill(state: &mut State, n: usize) -> Vec<u64> {
        (0..n)
            .map(|_| {
                state.next_admission = None;
                match state.admit(Instant::now()) {
                    Admission::Now(generation) => generation,
                    other => panic!("not admitted: {other:?}"),
                }
            })
            .collect()
    }

    #[test]
    fn it_starts_at_the_ceiling_and_admits_no_more() {
        let mut state = State::new(3);
        fill(&mut state, 3);
        state.next_admission = None;
        assert_eq!(state.admit(Instant::now()), Admission::Full);
        assert_eq!(State::new(0).limit, 1);
    }

    #[test]
    fn admissions_are_paced() {
        let mut state = State::new(10);
        let now = Instant::now();
        assert_eq!(state.admit(now), Admission::Now(0));
        assert_eq!(state.admit(now), Admission::At(now + PACING));
        assert_eq!(state.admit(now + PACING), Admission::Now(0));
        assert_eq!(state.in_flight, 2);
    }

    #[test]
    fn a_refusal_cuts_to_what_the_server_held() {
        let mut state = State::new(48);
        let generations = fill(&mut state, 7);
        // Six others in flight: the server holds six.
        assert_eq!(
            state.refused(generations[6]),
            Refusal::Cut { from: 48, to: 6 }
        );
        state.release();
        assert_eq!(state.limit, 6);
        assert_eq!(state.generation, 1);
    }

    #[test]
    fn a_refusal_cuts_by_at_least_ten_percent() {
        let mut state = State::new(20);
        let generations = fill(&mut state, 20);
        assert_eq!(
            state.refused(generations[0]),
            Refusal::Cut { from: 20, to: 18 }
        );
        let mut state = State::new(2);
        let generations = fill(&mut state, 2);
        assert_eq!(
            state.refused(generations[1]),
            Refusal::Cut { from: 2, to: 1 }
        );
    }

    #[test]
    fn a_burst_of_refusals_cuts_once() {
        let mut state = State::new(10);
        let generations = fill(&mut state, 10);
        let mut cuts = 0;
        for generation in generations {
            if let Refusal::Cut { .. } = state.refused(generation) {
                cuts += 1;
            }
            state.release();
        }
        assert_eq!(cuts, 1);
        assert_eq!(state.limit, 9);
        assert_eq!(state.in_flight, 0);
    }

    #[test]
    fn a_request_sent_after_a_cut_may_cut_again() {
        let mut state = State::new(10);
        let first = fill(&mut state, 8);
        assert_eq!(state.refused(first[7]), Refusal::Cut { from: 10, to: 7 });
        state.release();
        state.release(); // one more ends: six in flight
        let later = fill(&mut state, 1)[0];
        assert_eq!(later, 1);
        assert_eq!(state.refused(later), Refusal::Cut { from: 7, to: 6 });
    }

    #[test]
    fn a_lone_refusal_leaves_the_limit_alone() {
        let mut state = State::new(10);
        let generation = fill(&mut state, 1)[0];
        assert_eq!(state.refused(generation), Refusal::Alone);
        assert_eq!(state.limit, 10);
    }

    #[test]
    fn it_grows_by_one_per_window_of_successes_while_in_use() {
        let mut state = State::new(8);
        let generations = fill(&mut state, 5);
        assert_eq!(
            state.refused(generations[4]),
            Refusal::Cut { from: 8, to: 4 }
        );
        state.release();
        // Four in flight, the limit in use: four successes make it five.
        for _ in 0..3 {
            state.succeeded();
            assert_eq!(state.limit, 4);
            state.release();
            fill(&mut state, 1);
        }
        state.succeeded();
        assert_eq!(state.limit, 5);
        state.release();
        // Two in flight under a limit of five: successes do not count.
        state.release();
        for _ in 0..10 {
            state.succeeded();
        }
        assert_eq!(state.limit, 5);
    }

    #[test]
    fn it_never_grows_past_the_ceiling() {
        let mut state = State::new(2);
        fill(&mut state, 2);
        for _ in 0..10 {
            state.succeeded();
        }
        assert_eq!(state.limit, 2);
    }

    #[tokio::test]
    async fn permits_wait_for_a_place_and_free_it_when_dropped() {
        let limiter = Limiter::new(1, Duration::from_secs(1));
        let first = limiter.acquire().await;
        let waiting = {
            let limiter = limiter.clone();
            tokio::spawn(async move { limiter.acquire().await.succeeded() })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!waiting.is_finished(), "two in flight under a limit of 1");
        drop(first);
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("the waiter got the freed place")
            .expect("task");
        assert_eq!(lock(&limiter.shared).in_flight, 0);
    }
}
