//! Running jobs: many in flight, none started after Ctrl-C.
//!
//! The producer is a plain iterator of jobs; at most `concurrency` of them run at once as tokio tasks in a
//! `JoinSet`, and a new one starts only when one ends — so after Ctrl-C nothing new starts, the tasks in
//! flight are aborted (dropping their requests), and the caller still sees every result that had
//! landed. Results are handed to `on_done` on the calling task, one at a time, so what it does with them
//! (writing sidecars, printing) needs no locks and is never interrupted halfway.
//!
//! This module knows nothing of prompts, HTTP or files: a job is any future.

use std::future::Future;

use tokio::task::JoinSet;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every job ran to its end.
    Completed,
    /// Ctrl-C: jobs not yet started never were; jobs in flight were cancelled.
    Interrupted,
}

/// Runs `work(item)` for each item, at most `concurrency` at once, calling `on_done` with each result as
/// it lands. `interrupt` resolving (normally `tokio::signal::ctrl_c()`) stops the run.
pub async fn run_all<I, T, W, Fut>(
    items: impl IntoIterator<Item = I>,
    concurrency: usize,
    work: W,
    mut on_done: impl FnMut(T),
    interrupt: impl Future,
) -> Ended
where
    W: Fn(I) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let concurrency = concurrency.max(1);
    let mut pending = items.into_iter();
    let mut in_flight = JoinSet::new();
    tokio::pin!(interrupt);
    loop {
        while in_flight.len() < concurrency {
            match pending.next() {
                Some(item) => {
                    in_flight.spawn(work(item));
                }
                None => break,
            }
        }
        tokio::select! {
            biased;
            _ = &mut interrupt => {
                in_flight.abort_all();
                while let Some(joined) = in_flight.join_next().await {
                    // A task that finished just before the abort still counts.
                    if let Ok(result) = joined {
                        on_done(result);
                    }
                }
                return Ended::Interrupted;
            }
            joined = in_flight.join_next() => match joined {
                Some(Ok(result)) => on_done(result),
                // A job that panicked is a bug; its result is lost but the run goes on.
                Some(Err(error)) => crate::note!("assistant: internal error in a job: {error}"),
                None => return Ended::Completed,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn never_more_than_concurrency_in_flight() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut done = Vec::new();
        let ended = run_all(
            0..20,
            3,
            |i| {
                let (running, peak) = (Arc::clone(&running), Arc::clone(&peak));
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    i
                }
            },
            |i| done.push(i),
            std::future::pending::<()>(),
        )
        .await;
        assert_eq!(ended, Ended::Completed);
        done.sort();
        assert_eq!(done, (0..20).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn interrupt_starts_nothing_new_and_cancels_in_flight() {
        let started = Arc::new(AtomicUsize::new(0));
        let mut done = 0;
        let ended = run_all(
            0..10,
            2,
            |i| {
                let started = Arc::clone(&started);
                async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    if i >= 2 {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                    }
                    i
                }
            },
            |_| done += 1,
            tokio::time::sleep(Duration::from_millis(100)),
        )
        .await;
        assert_eq!(ended, Ended::Interrupted);
        assert_eq!(done, 2);
        assert_eq!(started.load(Ordering::SeqCst), 4);
    }
}
