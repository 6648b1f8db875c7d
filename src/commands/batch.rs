//! Batch mode's commands: `generate --batch`'s submission (called from `generate` once every job's
//! prompt is built), and `assistant batch status | collect | cancel`, which find the submissions in
//! `.assistant/batches/` at the project root and rebuild their provider from the state (kind, model,
//! base URL) and the key from the flag or the environment — the key is never stored. The work is
//! `crate::batch`'s.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use serde_json::json;

use super::{Outcome, UsageError};
use crate::ask::Asker;
use crate::batch::collect::{self, Collector, Poll};
use crate::batch::pending::{Held, InFlight};
use crate::batch::state::{self, State};
use crate::batch::submit::{self, Settings, ToSubmit};
use crate::cli::{
    BatchArgs, BatchCollectArgs, BatchCommand, BatchTarget, GenerateArgs, GenerateFormat,
    GlobalArgs, VerifyChoice,
};
use crate::fsx;
use crate::lang::Lang;
use crate::out;
use crate::prompt::Templates;
use crate::provider::batch::{build_batch, BatchProvider};
use crate::provider::retry::{Gate, RetryPolicy};
use crate::provider::{self, defaults, ProviderConfig, ProviderKind};
use crate::report::Reporter;
use crate::verify::{self, Verifier};

pub fn run(args: &BatchArgs, global: &GlobalArgs) -> Result<Outcome> {
    match &args.command {
        BatchCommand::Status(a) => status(&a.target, global),
        BatchCommand::Collect(a) => collect(a, global),
        BatchCommand::Cancel(a) => cancel(&a.target, global),
    }
}

/// `generate --batch`: submits `jobs` (less those a submission not yet collected already asks, unless
/// `--force`) and says how to collect them.
pub fn submit(
    jobs: &[ToSubmit<'_>],
    config: ProviderConfig,
    args: &GenerateArgs,
    skipped: usize,
    global: &GlobalArgs,
) -> Result<Outcome> {
    // Credentials in the URL count as a key: the state keeps the URL without them.
    let base_url = crate::redact::without_userinfo(
        &config
            .base_url
            .clone()
            .unwrap_or_else(|| defaults::of(config.kind).base_url.to_string()),
    );
    let kind = config.kind;
    let provider = build_batch(config).map_err(|e| UsageError(e.to_string()))?;
    if jobs.is_empty() {
        if !global.quiet {
            crate::note!("assistant: nothing to submit ({skipped} files have fresh sidecars)");
        }
        // Scripts still get their one event.
        return already_pending(&[], args.format, skipped);
    }
    let root = submit::project_root(jobs);
    let (jobs, pending) = if args.force {
        (jobs.iter().collect(), Vec::new())
    } else {
        not_yet_asked(jobs, global.quiet)?
    };
    if jobs.is_empty() {
        return already_pending(&pending, args.format, skipped);
    }
    let submitted_to = base_url.clone();
    let settings = Settings {
        base_url,
        markers: args.markers.clone(),
        verify: format!("{:?}", args.verify).to_lowercase(),
        verify_timeout: args.verify_timeout,
        repair_rounds: args.repair_rounds,
    };
    let runtime = runtime()?;
    let receipt = runtime.block_on(submit::submit(provider.as_ref(), &jobs, &root, settings))?;
    if let Err(error) = crate::trust::remember_batch(kind, &receipt.ids, &submitted_to) {
        crate::note!("assistant: warning: {error}: `batch` commands will need ASSISTANT_BASE_URL");
    }
    match args.format {
        GenerateFormat::Json => out::line(&json!({
            "event": "batch_submitted", "batches": receipt.ids, "jobs": jobs.len(),
            "skipped": skipped, "already_pending": pending,
            "state": receipt.state_path.display().to_string(),
            "root": root.display().to_string()}))?,
        GenerateFormat::Text => {
            for id in &receipt.ids {
                out::line(id)?;
            }
            if !global.quiet {
                crate::note!(
                    "assistant: {} job{} submitted in batch {}; project root {}; state in {}",
                    jobs.len(),
                    if jobs.len() == 1 { "" } else { "s" },
                    receipt.ids.join(", "),
                    fsx::shown(&root).display(),
                    fsx::shown(&receipt.state_path).display(),
                );
                crate::note!(
                    "assistant: answers come within 24 hours: `assistant batch status` shows progress, \
                     `assistant batch collect --wait` checks them and writes the sidecars"
                );
            }
        }
    }
    Ok(Outcome::Success)
}

/// The jobs no submission not yet collected asks already, and (once each) the submissions that ask
/// the others — said on stderr, so nobody pays twice without knowing.
fn not_yet_asked<'a, 'b>(
    jobs: &'a [ToSubmit<'b>],
    quiet: bool,
) -> Result<(Vec<&'a ToSubmit<'b>>, Vec<String>)> {
    let (in_flight, unreadable) = InFlight::around(jobs)?;
    warn_unreadable(&unreadable, quiet);
    let mut fresh = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    // Per submission, how many of the jobs it holds.
    let mut held: Vec<(Held, usize)> = Vec::new();
    for item in jobs {
        match in_flight.submission_of(item) {
            Some(submission) => {
                if !pending.contains(&submission.id) {
                    pending.push(submission.id.clone());
                    held.push((submission.clone(), 0));
                }
                if let Some(entry) = held.iter_mut().find(|(h, _)| h.id == submission.id) {
                    entry.1 += 1;
                }
            }
            None => fresh.push(item),
        }
    }
    if quiet {
        return Ok((fresh, pending));
    }
    let jobs_are = |n: usize| match n {
        1 => "1 job is".to_string(),
        n => format!("{n} jobs are"),
    };
    let waiting: Vec<&(Held, usize)> = held.iter().filter(|(h, _)| h.ended.is_none()).collect();
    let count: usize = waiting.iter().map(|(_, n)| n).sum();
    if count > 0 {
        let ids: Vec<&str> = waiting.iter().map(|(h, _)| h.id.as_str()).collect();
        let mut roots: Vec<&Path> = waiting.iter().map(|(h, _)| h.root.as_path()).collect();
        roots.sort();
        roots.dedup();
        crate::note!(
            "assistant: {} already pending in batch {} (same source and prompt): not submitted again; \
             {} shows progress, --force submits anyway",
            jobs_are(count),
            ids.join(", "),
            roots.iter().map(|r| command("status", None, r)).collect::<Vec<_>>().join(", "),
        );
    }
    for (submission, n) in &held {
        if let Some(ended) = &submission.ended {
            crate::note!(
                "assistant: {} in batch {}, {ended} and not yet collected: not submitted again; {} \
                 lands what it answered and frees the rest for a new submission, --force submits anyway",
                jobs_are(*n),
                submission.id,
                command("collect", Some(&submission.id), &submission.root),
            );
        }
    }
    Ok((fresh, pending))
}

/// `` `assistant batch WHAT [ID]` ``, with `--dir` when the current folder does not lead to `root`.
fn command(what: &str, id: Option<&str>, root: &Path) -> String {
    let id = id.map(|id| format!(" {id}")).unwrap_or_default();
    let found = state::find_root(None, Path::new(".")).map(|r| fsx::normalized(&r));
    if found.as_deref() == Some(fsx::normalized(root).as_path()) {
        format!("`assistant batch {what}{id}`")
    } else {
        format!(
            "`assistant batch {what}{id} --dir {}`",
            fsx::shown(root).display()
        )
    }
}

/// Every job is already pending: nothing is submitted, and the submissions to wait for are named.
fn already_pending(pending: &[String], format: GenerateFormat, skipped: usize) -> Result<Outcome> {
    if format == GenerateFormat::Json {
        out::line(
            &json!({"event": "batch_submitted", "batches": [], "jobs": 0,
                          "skipped": skipped, "already_pending": pending}),
        )?;
    }
    Ok(Outcome::Success)
}

fn warn_unreadable(unreadable: &[state::StateError], quiet: bool) {
    if !quiet {
        for error in unreadable {
            crate::note!("assistant: warning: skipped {error}");
        }
    }
}

/// `batch status [ID]`: one line (or JSON line) per batch — every batch not yet collected, or all of
/// submission `ID`'s.
fn status(target: &BatchTarget, global: &GlobalArgs) -> Result<Outcome> {
    let (_, states) = selected(target, false, global.quiet)?;
    if states.is_empty() {
        crate::note!("assistant: no batch is waiting to be collected");
        return Ok(Outcome::Success);
    }
    let runtime = runtime()?;
    for (_, state) in &states {
        let provider = batch_provider(state, target.api_key.clone())?;
        for batch in &state.batches {
            if batch.collected && target.id.is_none() {
                continue;
            }
            let (name, total, completed, failed) = if batch.collected {
                ("collected".to_string(), None, None, None)
            } else {
                let status = runtime
                    .block_on(provider.status(&batch.id))
                    .with_context(|| format!("batch {}", batch.id))?;
                (
                    collect::state_name(status.state).to_string(),
                    Some(status.total),
                    Some(status.completed),
                    Some(status.failed),
                )
            };
            let age = now().saturating_sub(batch.created);
            match target.format {
                GenerateFormat::Json => out::line(
                    &json!({"batch": batch.id, "submission": state.id, "round": batch.round,
                           "state": name, "total": total, "completed": completed, "failed": failed,
                           "age_seconds": age, "provider": state.provider, "model": state.model,
                           "open_jobs": state.open_jobs()}),
                )?,
                GenerateFormat::Text => {
                    let counts = match (total, completed, failed) {
                        (Some(t), Some(c), Some(f)) => format!("{c}/{t} done, {f} failed"),
                        _ => "answers collected".to_string(),
                    };
                    out::line(&format!(
                        "{}  {name}  {counts}  {} old  ({} {})",
                        batch.id,
                        human_age(age),
                        state.provider,
                        state.model
                    ))?;
                }
            }
        }
    }
    Ok(Outcome::Success)
}

/// `batch cancel [ID]`: asks the provider to cancel a submission's unfinished batches. Without an ID
/// there must be exactly one submission waiting.
fn cancel(target: &BatchTarget, global: &GlobalArgs) -> Result<Outcome> {
    let (root, mut states) = selected(target, false, global.quiet)?;
    let state = match states.as_mut_slice() {
        [] => return Err(UsageError("no batch is waiting to be collected".into()).into()),
        [(_, one)] => one,
        many => {
            let ids: Vec<&str> = many.iter().map(|(_, s)| s.id.as_str()).collect();
            return Err(UsageError(format!(
                "several submissions are waiting ({}): name the one to cancel",
                ids.join(", ")
            ))
            .into());
        }
    };
    let provider = batch_provider(state, target.api_key.clone())?;
    let runtime = runtime()?;
    let ids: Vec<String> = state.pending_batches().map(|b| b.id.clone()).collect();
    for id in ids {
        let status = runtime
            .block_on(provider.cancel(&id))
            .with_context(|| format!("batch {id}"))?;
        let name = collect::state_name(status.state);
        // Recorded, so that `generate --batch` knows these answers stopped coming (`batch::pending`).
        if let Some(batch) = state.batches.iter_mut().find(|b| b.id == id) {
            batch.last_state = Some(name.to_string());
        }
        state::save(&root, state)?;
        match target.format {
            GenerateFormat::Json => {
                out::line(&json!({"event": "batch_cancelled", "batch": id, "state": name}))?
            }
            GenerateFormat::Text => out::line(&format!("{id}  {name}"))?,
        }
    }
    if !global.quiet {
        crate::note!(
            "assistant: what the batch answered before it stopped is still collected by `assistant batch collect`"
        );
    }
    Ok(Outcome::Success)
}

/// `batch collect [ID] [--wait] [--repair-now]`.
fn collect(args: &BatchCollectArgs, global: &GlobalArgs) -> Result<Outcome> {
    let target = &args.target;
    let (root, states) = selected(target, args.repair_now, global.quiet)?;
    let reporter = Arc::new(match target.format {
        GenerateFormat::Text => Reporter::text(
            states.iter().map(|(_, s)| s.open_jobs()).sum(),
            global.quiet,
            crate::report::use_color(global.color),
        ),
        GenerateFormat::Json => Reporter::json(),
    });
    if states.is_empty() {
        reporter.note(
            "assistant: no batch is waiting to be collected",
            json!({"event": "nothing_to_collect"}),
        );
        return Ok(Outcome::Success);
    }
    let runtime = runtime()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    runtime.spawn(async move {
        // Ctrl-C, or a reader of the JSON events that went away (`crate::out`), stops the collect.
        let ctrl_c = async {
            // No handler (an odd platform) means no Ctrl-C handling, not an instant stop.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            () = ctrl_c => {}
            () = out::until_closed() => {}
        }
        let _ = stop.send(true);
    });
    let mut outcome = Outcome::Success;
    for (_, mut state) in states {
        if state.pending_batches().next().is_none() {
            let landed = state
                .jobs
                .values()
                .filter(|j| matches!(j.status, state::Status::Landed { .. }))
                .count();
            let failed = state.jobs.len() - landed;
            reporter.note(
                &format!(
                    "batch {}: already collected ({landed} landed, {failed} failed)",
                    state.id
                ),
                json!({"event": "already_collected", "batch": state.id,
                       "landed": landed, "failed": failed}),
            );
            continue;
        }
        let collector = collector(&root, &state, args, Arc::clone(&reporter), global)?;
        let wait = args.wait.then(Poll::from_env);
        let tally = runtime.block_on(collect::collect(
            &collector,
            &mut state,
            wait,
            stopped.clone(),
        ))?;
        if global.verbose > 0 {
            crate::note!(
                "assistant: {} toolchain runs verified the answers",
                tally.summary.verify_runs
            );
        }
        reporter.summary(&tally.summary);
        reporter.note(
            &format!(
                "batch {}: {} already collected, {} waiting{}",
                state.id,
                tally.already,
                tally.pending,
                if tally.running.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (batch {} not finished: `assistant batch collect --wait`)",
                        tally.running.join(", ")
                    )
                }
            ),
            json!({"event": "batch_collected", "batch": state.id,
                   "already_collected": tally.already, "pending": tally.pending,
                   "running": tally.running}),
        );
        if tally.summary.interrupted {
            return Ok(Outcome::Interrupted);
        }
        if tally.summary.failed > 0 {
            outcome = Outcome::Failure;
        }
    }
    Ok(outcome)
}

/// What collecting `state` needs: its provider, the verifier and, under `--repair-now`, a streamed
/// provider to repair with.
fn collector(
    root: &Path,
    state: &State,
    args: &BatchCollectArgs,
    reporter: Arc<Reporter>,
    global: &GlobalArgs,
) -> Result<Collector> {
    let provider: Arc<dyn BatchProvider> =
        Arc::from(batch_provider(state, args.target.api_key.clone())?);
    let verify = match args.verify {
        Some(choice) => choice,
        None => match state.verify.as_str() {
            "on" => VerifyChoice::On,
            "off" => VerifyChoice::Off,
            _ => VerifyChoice::Auto,
        },
    };
    let verifier = Verifier::new(
        match verify {
            VerifyChoice::Auto => verify::Mode::Auto,
            VerifyChoice::On => verify::Mode::On,
            VerifyChoice::Off => verify::Mode::Off,
        },
        Duration::from_secs(args.verify_timeout.unwrap_or(state.verify_timeout)),
        std::thread::available_parallelism().map_or(2, usize::from),
    );
    verifier
        .require(
            state
                .jobs
                .values()
                .filter_map(|j| Lang::of(Path::new(&j.path))),
        )
        .map_err(|e| UsageError(e.to_string()))?;
    let (templates, _) = Templates::load(None).map_err(|e| UsageError(e.to_string()))?;
    let templates = Arc::new(templates);
    let verifier = Arc::new(verifier);
    let repair_rounds = args.repair_rounds.unwrap_or(state.repair_rounds);
    let repair_now = if args.repair_now {
        let mut config = endpoint(state, args.target.api_key.clone())?;
        if let Some(url) = &args.target.base_url {
            config.base_url = Some(url.clone());
        }
        config.trace = global.verbose >= 2;
        let streamed = provider::build(config).map_err(|e| UsageError(e.to_string()))?;
        Some(Asker {
            provider: Arc::from(streamed),
            policy: RetryPolicy {
                retries: args.retries,
                base: Duration::from_millis(args.backoff_base_ms),
                ..RetryPolicy::default()
            },
            gate: Gate::new(),
            templates: Arc::clone(&templates),
            verifier: Arc::clone(&verifier),
            repair_rounds,
        })
    } else {
        None
    };
    Ok(Collector {
        root: root.to_path_buf(),
        provider,
        repair_now,
        templates,
        verifier,
        repair_rounds,
        reporter,
        concurrency: 8,
        save_every: Duration::from_secs(1),
    })
}

/// The project root and its submissions: `ID`'s (an error if there is none), or every one with a
/// batch not yet collected — each one submitted where `--type`, `--model` and `--base-url` say, when
/// given (`--base-url` is the repair endpoint instead under `repair_now`). State files that cannot be
/// read are skipped with a warning.
fn selected(
    target: &BatchTarget,
    repair_now: bool,
    quiet: bool,
) -> Result<(PathBuf, Vec<(PathBuf, State)>)> {
    let root = state::find_root(target.dir.as_deref(), Path::new(".")).ok_or_else(|| {
        UsageError(format!(
            "no {} at or above the current folder (submit with `assistant generate --batch`, or name the project with --dir)",
            state::DIR
        ))
    })?;
    let loaded = state::load_all(&root)?;
    warn_unreadable(&loaded.unreadable, quiet);
    let all = loaded.states;
    let chosen: Vec<(PathBuf, State)> = match &target.id {
        Some(id) => {
            let found: Vec<_> = all.into_iter().filter(|(_, s)| s.answers_to(id)).collect();
            if found.is_empty() {
                return Err(UsageError(format!(
                    "no batch {id} in {}",
                    root.join(state::DIR).display()
                ))
                .into());
            }
            found
        }
        None => all
            .into_iter()
            .filter(|(_, s)| s.pending_batches().next().is_some())
            .collect(),
    };
    for (_, state) in &chosen {
        same_endpoint(state, target, repair_now)?;
    }
    Ok((root, chosen))
}

/// The flags that name where a batch went agree with where `state`'s did; a batch cannot be followed
/// anywhere else, so a difference is a usage error naming both values.
fn same_endpoint(state: &State, target: &BatchTarget, repair_now: bool) -> Result<(), UsageError> {
    let differs = |flag: &str, given: &str, recorded: &str| {
        UsageError(format!(
            "{flag} {given} is not the batch's ({recorded}, batch {}): a batch is followed and collected \
             where it was submitted; leave {flag} out or give the batch's",
            state.id
        ))
    };
    if let Some(name) = &target.kind {
        let given = ProviderKind::from_flag(Some(name)).map_err(UsageError)?;
        if state.provider.parse::<ProviderKind>().ok() != Some(given) {
            return Err(differs("--type", name, &state.provider));
        }
    }
    if let Some(model) = target.model.as_ref().filter(|m| **m != state.model) {
        return Err(differs("--model", model, &state.model));
    }
    let same_url = |url: &str| url.trim_end_matches('/') == state.base_url.trim_end_matches('/');
    match &target.base_url {
        Some(url) if !repair_now && !same_url(url) => {
            Err(differs("--base-url", url, &state.base_url))
        }
        _ => Ok(()),
    }
}

/// The streamed endpoint of `state`'s provider, with the key from the flag or the environment.
fn endpoint(state: &State, api_key: Option<String>) -> Result<ProviderConfig, UsageError> {
    let kind: ProviderKind = state.provider.parse().map_err(|_| {
        UsageError(format!(
            "unknown provider `{}` in the state",
            state.provider
        ))
    })?;
    let key = defaults::resolve_api_key(kind, api_key);
    if key.is_none() && defaults::of(kind).needs_key {
        return Err(UsageError(defaults::missing_key_message(kind)));
    }
    crate::trust::check_batch_endpoint(kind, &state.id, &state.base_url).map_err(UsageError)?;
    let mut config = ProviderConfig::new(kind);
    // The URL's credentials, left out of the state, come again from the environment.
    let given = std::env::var("ASSISTANT_BASE_URL").ok();
    config.base_url = Some(crate::redact::with_userinfo_from(
        &state.base_url,
        given.as_deref(),
    ));
    config.model = Some(state.model.clone());
    config.api_key = key;
    Ok(config)
}

fn batch_provider(state: &State, api_key: Option<String>) -> Result<Box<dyn BatchProvider>> {
    let config = endpoint(state, api_key)?;
    Ok(build_batch(config).map_err(|e| UsageError(e.to_string()))?)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `45s`, `12m`, `3h 5m`, `2d 4h`.
fn human_age(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        s => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_a_person_says_them() {
        assert_eq!(human_age(5), "5s");
        assert_eq!(human_age(125), "2m");
        assert_eq!(human_age(3 * 3600 + 300), "3h 5m");
        assert_eq!(human_age(2 * 86_400 + 4 * 3600), "2d 4h");
    }
}
