//! Collecting a submission: for each of its batches that is final, its results are downloaded and each
//! answer goes through the same check and verification as a streamed job's (`check::check`,
//! `Verifier::verify`, or with `--repair-now` `ask::check_and_repair_from`, which goes on with repair
//! rounds streamed); a file's sidecars are written by `sidecar::Landing` once all its jobs are settled.
//! Answers that fail the check are sent back, with the problems, in a smaller repair batch recorded
//! in the state for a later collect.
//!
//! Every job ends in exactly one state (landed, failed, or pending in a repair batch), reported as it
//! gets there. The state file is replaced whole after each landing (at most every so often) and when
//! the run ends or is interrupted, so a Ctrl-C loses nothing: a later collect resumes, and an answer
//! landed twice writes the same sidecar. The command edge (`commands::batch`) picks the submissions
//! and builds the providers.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use tokio::sync::watch;

use super::judge::{judge, Judged, Shared, Work};
use super::rebuild;
use super::state::{self, JobState, Part, State, Status, Turn};
use crate::ask::Asker;
use crate::check::CheckedFile;
use crate::fsx::shown;
use crate::lang::Markers;
use crate::prompt::Templates;
use crate::provider::batch::{BatchProvider, BatchRequest, BatchState, LineResult};
use crate::provider::{Message, ProviderError, Usage};
use crate::report::{JobReport, Reporter, Summary};
use crate::run::{run_all, Ended};
use crate::sidecar::{self, Landing, Meta};
use crate::verify::{Verdict, Verifier};

/// What a collect works with.
pub struct Collector {
    /// The project root: the folder holding `.assistant/batches/`.
    pub root: PathBuf,
    pub provider: Arc<dyn BatchProvider>,
    /// Streams repairs at once when set (`--repair-now`).
    pub repair_now: Option<Asker>,
    pub templates: Arc<Templates>,
    pub verifier: Arc<Verifier>,
    pub repair_rounds: u32,
    pub reporter: Arc<Reporter>,
    /// Answers checked at once.
    pub concurrency: usize,
    /// How often the state is rewritten while answers land.
    pub save_every: Duration,
}

/// How `--wait` polls: `first`, doubling up to `max`.
#[derive(Debug, Clone, Copy)]
pub struct Poll {
    pub first: Duration,
    pub max: Duration,
}

impl Poll {
    /// 5 s backing off to 60 s; `ASSISTANT_BATCH_POLL_MS` sets the first interval (tests), the cap
    /// staying twelve times it.
    pub fn from_env() -> Poll {
        let first = std::env::var("ASSISTANT_BATCH_POLL_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(Duration::from_secs(5), Duration::from_millis)
            .max(Duration::from_millis(1));
        Poll {
            first,
            max: first * 12,
        }
    }
}

/// What one collect did, for the summary and the exit status.
#[derive(Debug, Default)]
pub struct Tally {
    pub summary: Summary,
    /// Jobs landed or failed by an earlier collect.
    pub already: usize,
    /// Jobs still waiting for a batch (not yet final, or a repair batch).
    pub pending: usize,
    /// Batches not yet final when the collect ended.
    pub running: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("batch {id}: {source}")]
    Provider { id: String, source: ProviderError },
    #[error(transparent)]
    State(#[from] state::StateError),
}

/// Collects `state`'s final batches (and with `wait`, polls until none is left), reporting each job
/// as it settles. `interrupted` turning true (Ctrl-C) stops at the next safe point.
pub async fn collect(
    collector: &Collector,
    state: &mut State,
    wait: Option<Poll>,
    mut interrupted: watch::Receiver<bool>,
) -> Result<Tally, CollectError> {
    let started = Instant::now();
    let meta = Meta {
        provider: state.provider.clone(),
        model: state.model.clone(),
        time: SystemTime::now(),
        verified: None,
    };
    let markers = Markers::new(state.markers.clone());
    let mut run = Run {
        collector,
        markers,
        meta,
        tally: Tally::default(),
        saved: Instant::now(),
    };
    run.tally.already = state.jobs.values().filter(|j| j.status.is_final()).count();
    let mut interval = wait.map(|p| p.first);
    loop {
        let round = run.collect_once(state, &mut interrupted).await;
        // Whatever happened, what landed is recorded.
        state::save(&collector.root, state)?;
        round?;
        if *interrupted.borrow() {
            run.tally.summary.interrupted = true;
            break;
        }
        let running: Vec<String> = state.pending_batches().map(|b| b.id.clone()).collect();
        let (Some(poll), Some(every)) = (wait, interval) else {
            run.tally.running = running;
            break;
        };
        if running.is_empty() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = interrupted.wait_for(|stop| *stop) => {
                run.tally.summary.interrupted = true;
                run.tally.running = running;
                break;
            }
        }
        interval = Some((every * 2).min(poll.max));
    }
    run.tally.pending = state.open_jobs();
    run.tally.summary.jobs = run.tally.summary.succeeded + run.tally.summary.failed;
    run.tally.summary.seconds = started.elapsed().as_secs_f64();
    run.tally.summary.verify_runs = collector.verifier.runs();
    Ok(run.tally)
}

/// One collect's working set.
struct Run<'a> {
    collector: &'a Collector,
    markers: Markers,
    meta: Meta,
    tally: Tally,
    saved: Instant,
}

impl Run<'_> {
    /// Polls the unfinished batches once and settles everything their results allow.
    async fn collect_once(
        &mut self,
        state: &mut State,
        interrupted: &mut watch::Receiver<bool>,
    ) -> Result<(), CollectError> {
        let provider = &self.collector.provider;
        // Answers by custom_id (the first line for an id wins, across batches too).
        let mut answers: HashMap<String, (String, LineResult)> = HashMap::new();
        let mut downloaded = Vec::new();
        let mut why_missing: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        let ids: Vec<String> = state.pending_batches().map(|b| b.id.clone()).collect();
        for id in ids {
            if *interrupted.borrow() {
                return Ok(());
            }
            let status = provider
                .status(&id)
                .await
                .map_err(|source| CollectError::Provider {
                    id: id.clone(),
                    source,
                })?;
            let name = state_name(status.state);
            if let Some(batch) = state.batches.iter_mut().find(|b| b.id == id) {
                batch.last_state = Some(name.to_string());
            }
            self.collector.reporter.note(
                &format!(
                    "batch {id}: {name}, {}/{} done, {} failed",
                    status.completed, status.total, status.failed
                ),
                json!({"event": "batch_status", "batch": id, "state": name,
                       "total": status.total, "completed": status.completed, "failed": status.failed}),
            );
            if !status.state.is_final() {
                continue;
            }
            let results = provider
                .results(&id)
                .await
                .map_err(|source| CollectError::Provider {
                    id: id.clone(),
                    source,
                })?;
            for (custom_id, line) in results.lines {
                answers
                    .entry(custom_id)
                    .or_insert_with(|| (id.clone(), line));
            }
            let round = state
                .batches
                .iter()
                .find(|b| b.id == id)
                .map_or(0, |b| b.round);
            let mut reason = format!("batch {id} ended {name} without an answer for it");
            if !status.errors.is_empty() {
                reason.push_str(&format!(" ({})", status.errors.join("; ")));
            }
            why_missing.entry(round).or_default().push(reason);
            downloaded.push(id);
        }
        // A round is settled when every batch of it is final: a request none of them answered never
        // will be.
        let complete = |round: u32| {
            state
                .batches
                .iter()
                .filter(|b| b.round == round)
                .all(|b| b.collected || downloaded.contains(&b.id))
        };
        let mut work = Vec::new();
        let mut missing = Vec::new();
        for (key, job) in &state.jobs {
            let Status::Pending { round, custom_id } = &job.status else {
                continue;
            };
            match answers.remove(custom_id) {
                Some((batch, LineResult::Answer(answer))) => {
                    work.push((key.clone(), batch, answer.text, answer.usage));
                }
                Some((batch, LineResult::Error(error))) => {
                    missing.push((
                        key.clone(),
                        batch,
                        format!("the provider failed it: {error}"),
                    ));
                }
                None if complete(*round) => {
                    let reasons = why_missing.get(round).cloned().unwrap_or_default();
                    let reason = if reasons.is_empty() {
                        "no answer in its batch".to_string()
                    } else {
                        reasons.join("; ")
                    };
                    missing.push((key.clone(), reasons_batch(&reasons), reason));
                }
                None => {}
            }
        }
        for (key, batch, error) in missing {
            self.fail(state, &key, &batch, error, 1);
        }
        let repairs = self.judge_all(state, work, interrupted).await;
        if !repairs.is_empty() {
            self.submit_repairs(state, repairs).await;
        }
        if !*interrupted.borrow() {
            for batch in &mut state.batches {
                if downloaded.contains(&batch.id) {
                    batch.collected = true;
                }
            }
        }
        Ok(())
    }

    /// Checks (and verifies) every answer, several at once, settling each job as its judgement
    /// lands; returns the repairs to send in a batch.
    async fn judge_all(
        &mut self,
        state: &mut State,
        answers: Vec<(String, String, String, Usage)>,
        interrupted: &mut watch::Receiver<bool>,
    ) -> Vec<(String, String, String)> {
        let prompts = match &self.collector.repair_now {
            Some(_) if !answers.is_empty() => {
                state::load_prompts(&self.collector.root, &state.id).ok()
            }
            _ => None,
        };
        let mut items = Vec::with_capacity(answers.len());
        for (key, batch, text, usage) in answers {
            let Some(job) = state.jobs.get_mut(&key) else {
                continue;
            };
            // The batch's line is one attempt whatever comes of it.
            job.usage.add(usage);
            job.attempts += 1;
            let prompted = prompts.as_ref().and_then(|p| p.get(&key)).cloned();
            items.push(Work {
                key,
                batch,
                job: job.clone(),
                text,
                prompted,
            });
        }
        let shared = Arc::new(Shared {
            root: self.collector.root.clone(),
            markers: self.markers.clone(),
            verifier: Arc::clone(&self.collector.verifier),
            templates: Arc::clone(&self.collector.templates),
            asker: self.collector.repair_now.clone(),
            repair_rounds: self.collector.repair_rounds,
            reporter: Arc::clone(&self.collector.reporter),
        });
        let mut repairs = Vec::new();
        let mut stop = interrupted.clone();
        let ended = run_all(
            items,
            self.collector.concurrency,
            |work| judge(work, Arc::clone(&shared)),
            |judged| match judged {
                Judged::Ended {
                    key,
                    batch,
                    result,
                    repair_rounds,
                    attempts,
                    usage,
                } => self.ended(state, &key, &batch, result, repair_rounds, attempts, usage),
                Judged::Repair {
                    key,
                    answer,
                    repair,
                } => repairs.push((key, answer, repair)),
            },
            async move {
                let _ = stop.wait_for(|s| *s).await;
            },
        )
        .await;
        if ended == Ended::Interrupted {
            // The rest stay pending for a later collect; the repairs judged so far are still sent.
            self.tally.summary.interrupted = true;
        }
        repairs
    }

    /// Records how a job's conversation ended, and lands its file when that was the last job.
    #[allow(clippy::too_many_arguments)]
    fn ended(
        &mut self,
        state: &mut State,
        key: &str,
        batch: &str,
        result: Result<(Vec<CheckedFile>, Verdict), String>,
        repair_rounds: u32,
        attempts: u32,
        usage: Usage,
    ) {
        let root = self.collector.root.clone();
        let Some(job) = state.jobs.get_mut(key) else {
            return;
        };
        job.usage.add(usage);
        job.attempts += attempts;
        match result {
            Ok((checked, verdict)) => {
                job.status = Status::Checked {
                    batch: batch.to_string(),
                    parts: checked
                        .iter()
                        .map(|part| Part {
                            path: state::relative(&root, &part.path).unwrap_or_default(),
                            code: part.code.clone(),
                            functions: part.functions.clone(),
                        })
                        .collect(),
                    verified: matches!(verdict, Verdict::Verified { .. }),
                    label: verdict.label(),
                    repair_rounds,
                };
                let path = job.path.clone();
                self.land_file(state, &path);
            }
            Err(error) => self.fail(state, key, batch, error, 0),
        }
    }

    /// Settles a job as failed (`attempts` more requests spent on it), reports it, and lands its
    /// file's other jobs if they were waiting for it.
    fn fail(&mut self, state: &mut State, key: &str, batch: &str, error: String, attempts: u32) {
        let Some(job) = state.jobs.get_mut(key) else {
            return;
        };
        job.attempts += attempts;
        job.status = Status::Failed {
            batch: batch.to_string(),
            error: error.clone(),
        };
        let report = self.report(job, batch, None, Err(error));
        self.tally.summary.add(&report);
        self.collector.reporter.ended(&report);
        let path = job.path.clone();
        self.land_file(state, &path);
    }

    /// Writes the sidecars of file `path` (project-relative) once none of its jobs is pending, from
    /// every checked job's parts — as `generate` would with the same answers.
    fn land_file(&mut self, state: &mut State, path: &str) {
        let root = self.collector.root.clone();
        let siblings: Vec<String> = state
            .jobs
            .iter()
            .filter(|(_, j)| j.path == path)
            .map(|(k, _)| k.clone())
            .collect();
        let waiting = siblings
            .iter()
            .any(|k| matches!(state.jobs[k].status, Status::Pending { .. }));
        let checked: Vec<String> = siblings
            .into_iter()
            .filter(|k| matches!(state.jobs[k].status, Status::Checked { .. }))
            .collect();
        if waiting || checked.is_empty() {
            return;
        }
        let target = state::resolve(&root, path);
        let mut landing = Landing::new(
            checked.iter().map(|_| target.as_path()),
            self.meta.clone(),
            None,
        );
        let mut outcome: Result<Vec<PathBuf>, String> = Ok(Vec::new());
        let mut added: HashMap<&str, Vec<String>> = HashMap::new();
        for key in &checked {
            let job = &state.jobs[key];
            let Status::Checked { parts, label, .. } = &job.status else {
                continue;
            };
            let parts: Vec<CheckedFile> = parts
                .iter()
                .map(|p| CheckedFile {
                    path: state::resolve(&root, &p.path),
                    code: p.code.clone(),
                    functions: p.functions.clone(),
                })
                .collect();
            let landed = rebuild::expected(&root, job, &self.markers)
                .map_err(|e| e.to_string())
                .and_then(|expected| {
                    added.insert(key, crate::check::additions(&expected, &parts));
                    landing
                        .land(&expected, &parts, label)
                        .map_err(|e| e.to_string())
                });
            match landed {
                Ok(written) => {
                    if let Ok(sidecars) = &mut outcome {
                        *sidecars = written;
                    }
                }
                Err(error) => outcome = Err(error),
            }
        }
        for key in &checked {
            let Some(job) = state.jobs.get_mut(key) else {
                continue;
            };
            let Status::Checked {
                batch,
                verified,
                label,
                repair_rounds,
                ..
            } = job.status.clone()
            else {
                continue;
            };
            let verdict = Some((verified, label));
            job.status = match &outcome {
                Ok(written) => Status::Landed {
                    batch: batch.clone(),
                    sidecars: written
                        .iter()
                        .filter_map(|p| state::relative(&root, p))
                        .collect(),
                },
                Err(error) => Status::Failed {
                    batch: batch.clone(),
                    error: error.clone(),
                },
            };
            let mut report = self.report(job, &batch, verdict, outcome.clone());
            report.repair_rounds = repair_rounds;
            if report.result.is_ok() {
                report.added = added.remove(key.as_str()).unwrap_or_default();
            }
            self.tally.summary.add(&report);
            self.collector.reporter.ended(&report);
        }
        self.save_now_and_then(state);
    }

    /// Rewrites the state if it has not been for a while: a Ctrl-C before the next write only makes
    /// a later collect land the same answers again.
    fn save_now_and_then(&mut self, state: &State) {
        if self.saved.elapsed() >= self.collector.save_every {
            if let Err(error) = state::save(&self.collector.root, state) {
                crate::note!("assistant: warning: {error}");
            }
            self.saved = Instant::now();
        }
    }

    fn report(
        &self,
        job: &JobState,
        batch: &str,
        verified: Option<(bool, String)>,
        result: Result<Vec<PathBuf>, String>,
    ) -> JobReport {
        let file = shown(&state::resolve(&self.collector.root, &job.path));
        let label = if job.parts > 1 {
            format!("{} (part {}/{})", file.display(), job.part, job.parts)
        } else {
            file.display().to_string()
        };
        JobReport {
            file,
            label,
            functions: job.functions.clone(),
            added: Vec::new(),
            attempts: job.attempts,
            repair_rounds: job.turns.len() as u32,
            verified,
            seconds: 0.0,
            usage: job.usage.usage(),
            result: result.map(|paths| paths.iter().map(|p| shown(p)).collect()),
            batch: (!batch.is_empty()).then(|| batch.to_string()),
            part: (job.part, job.parts),
        }
    }

    /// Sends the answers that failed the check back, each with its problems, in one repair batch.
    async fn submit_repairs(&mut self, state: &mut State, repairs: Vec<(String, String, String)>) {
        let round = state.batches.iter().map(|b| b.round).max().unwrap_or(0) + 1;
        let prompts = state::load_prompts(&self.collector.root, &state.id);
        let mut requests = Vec::new();
        let mut failures = Vec::new();
        for (key, answer, repair) in &repairs {
            let Some(job) = state.jobs.get(key) else {
                continue;
            };
            let prompted = match &prompts {
                Ok(prompts) => prompts.get(key).filter(|p| {
                    super::submit::prompt_sha256(&p.system, &p.user) == job.prompt_sha256
                }),
                Err(_) => None,
            };
            let Some(prompted) = prompted else {
                failures.push((
                    key.clone(),
                    answer.clone(),
                    "its prompt is not in the batch's prompts file".to_string(),
                ));
                continue;
            };
            let mut messages = vec![
                Message::system(prompted.system.clone()),
                Message::user(prompted.user.clone()),
            ];
            for turn in &job.turns {
                messages.push(Message::assistant(turn.answer.clone()));
                messages.push(Message::user(turn.repair.clone()));
            }
            messages.push(Message::assistant(answer.clone()));
            messages.push(Message::user(repair.clone()));
            requests.push(BatchRequest {
                custom_id: format!("{key}.r{round}"),
                messages,
            });
        }
        drop(prompts);
        match self.collector.provider.submit(&requests).await {
            Ok(ids) => {
                let created = now();
                for id in &ids {
                    state.batches.push(state::Submitted {
                        id: id.clone(),
                        round,
                        created,
                        collected: false,
                        last_state: None,
                    });
                }
                let shown_ids = ids.join(", ");
                for (key, answer, repair) in repairs {
                    if failures.iter().any(|(k, _, _)| *k == key) {
                        continue;
                    }
                    let Some(job) = state.jobs.get_mut(&key) else {
                        continue;
                    };
                    job.turns.push(Turn { answer, repair });
                    job.status = Status::Pending {
                        round,
                        custom_id: format!("{key}.r{round}"),
                    };
                    let file = shown(&state::resolve(&self.collector.root, &job.path));
                    self.collector.reporter.note(
                        &format!(
                            "again {}: the answer failed the check; sent back in repair batch {shown_ids}",
                            file.display()
                        ),
                        json!({"event": "job_resubmitted", "file": file.display().to_string(),
                               "functions": job.functions, "batch": shown_ids,
                               "repair_rounds": job.turns.len()}),
                    );
                }
            }
            Err(error) => {
                for (key, answer, _) in repairs {
                    if !failures.iter().any(|(k, _, _)| *k == key) {
                        failures.push((
                            key,
                            answer,
                            format!("its repair batch could not be submitted: {error}"),
                        ));
                    }
                }
            }
        }
        for (key, answer, why) in failures {
            let Some(job) = state.jobs.get(&key) else {
                continue;
            };
            let target = state::resolve(&self.collector.root, &job.path);
            let kept = sidecar::save_rejected(&answer, &target).ok();
            let batch = state
                .batches
                .iter()
                .filter(|b| b.round + 1 == round)
                .map(|b| b.id.clone())
                .next()
                .unwrap_or_default();
            let error = format!(
                "the answer failed the check and {why}{}",
                kept.map(|p| format!("; the answer is kept in {}", shown(&p).display()))
                    .unwrap_or_default()
            );
            self.fail(state, &key, &batch, error, 0);
        }
    }
}

/// A batch state as OpenAI spells it.
pub fn state_name(state: BatchState) -> &'static str {
    match state {
        BatchState::Validating => "validating",
        BatchState::InProgress => "in_progress",
        BatchState::Finalizing => "finalizing",
        BatchState::Completed => "completed",
        BatchState::Failed => "failed",
        BatchState::Expired => "expired",
        BatchState::Cancelling => "cancelling",
        BatchState::Cancelled => "cancelled",
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The batch a set of reasons names first (`batch X ended …`).
fn reasons_batch(reasons: &[String]) -> String {
    reasons
        .first()
        .and_then(|r| r.strip_prefix("batch "))
        .and_then(|r| r.split(':').next())
        .and_then(|r| r.split(' ').next())
        .unwrap_or_default()
        .to_string()
}
