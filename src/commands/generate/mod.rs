//! `assistant generate`: scan → plan → prompt → ask → check → sidecar, wired together.
//!
//! Everything that can be known before the first request is settled first — the key, the templates,
//! every job's prompt — so usage errors exit 2 before any traffic, and `--only-print-prompt` is the same
//! road stopped before `ask` (`prompts.rs`). Then the jobs run (see `run.rs`); each job asks, checks,
//! and asks once more with the problems when the check fails (`crate::ask`). Sidecars are written on the
//! main task as a file's last job lands (`sidecar::Landing`), so Ctrl-C leaves only whole sidecars.

mod prompts;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::{targets, Outcome, UsageError};
use crate::ask::{self, Answered, Asker};
use crate::check::Expected;
use crate::cli::{
    GenerateArgs, GenerateFormat, GlobalArgs, LangChoice, ThinkingChoice, VerifyChoice,
};
use crate::context::gather::Gatherer;
use crate::fsx::absolute;
use crate::lang::Markers;
use crate::out;
use crate::plan::{self, Job};
use crate::prompt::{Prompt, PromptLang, Templates};
use crate::provider::limit::Limiter;
use crate::provider::retry::{Gate, RetryPolicy};
use crate::provider::{self, defaults, Provider, ProviderConfig, ProviderKind, Thinking};
use crate::report::{JobReport, Reporter, Summary};
use crate::run::{run_all, Ended};
use crate::scan::{scan, ScannedFile};
use crate::sidecar::{self, Landing, Printed};
use crate::verify::{self, Verdict, Verifier};

pub fn run(args: &GenerateArgs, global: &GlobalArgs) -> Result<Outcome> {
    let kind = provider_kind(args.endpoint.kind.as_deref())?;
    let api_key = if args.only_print_prompt {
        None
    } else {
        let key = defaults::resolve_api_key(kind, args.endpoint.api_key.clone());
        if key.is_none() && defaults::of(kind).needs_key {
            return Err(UsageError(defaults::missing_key_message(kind)).into());
        }
        key
    };
    check_flags(args)?;
    let (templates, _) =
        Templates::load(args.prompts.as_deref()).map_err(|e| UsageError(e.to_string()))?;

    let markers = Markers::new(args.markers.clone());
    let files = stubbed_files(args, &markers, global.quiet)?;
    let (files, fresh) = if args.force || args.stdout {
        (files, Vec::new())
    } else {
        files.into_iter().partition::<Vec<_>, _>(|file| {
            !sidecar::is_fresh(&file.path, &file.source, &identities(file))
        })
    };
    let files = if args.stdout {
        files
    } else {
        leave_foreign_alone(files, global.quiet)
    };
    let files = files.into_iter().map(Arc::new).collect();
    let jobs = plan::jobs(files, args.group_size as usize);

    let mut gatherer = Gatherer::default();
    let mut prepared = Vec::with_capacity(jobs.len());
    // `--only-print-prompt` keeps only the prompts: what a job expects holds a copy of its file, which
    // for a huge file would be its largest allocation.
    let mut shown = Vec::new();
    for job in jobs {
        let context = gatherer.job_context(&job);
        let lang = match args.lang {
            LangChoice::Auto => PromptLang::detect(&job),
            LangChoice::En => PromptLang::En,
            LangChoice::Zh => PromptLang::Zh,
        };
        let prompt = templates
            .render(&job, &context, lang, args.max_context_tokens)
            .map_err(|e| UsageError(e.to_string()))?;
        if args.only_print_prompt {
            shown.push((job, prompt));
            continue;
        }
        let expected = ask::expected(&job, &context, &markers);
        prepared.push(Prepared {
            job,
            prompt,
            expected,
        });
    }
    if !global.quiet {
        for warning in &gatherer.warnings {
            let path = crate::fsx::shown(&warning.path);
            crate::note!("assistant: warning: {}: {}", path.display(), warning.reason);
        }
    }

    let verifier = Verifier::new(
        match args.verify {
            VerifyChoice::Auto => verify::Mode::Auto,
            VerifyChoice::On => verify::Mode::On,
            VerifyChoice::Off => verify::Mode::Off,
        },
        Duration::from_secs(args.verify_timeout),
        std::thread::available_parallelism().map_or(2, usize::from),
    );
    if !args.only_print_prompt {
        verifier
            .require(prepared.iter().map(|p| p.job.file.lang))
            .map_err(|e| UsageError(e.to_string()))?;
    }

    if args.batch {
        // Batch mode: the same jobs and prompts, handed to the batch API instead of asked one by one.
        // A batch's state names files as text: a name that is not UTF-8 could never be collected.
        let (jobs, unnamed): (Vec<_>, Vec<_>) = prepared
            .iter()
            .map(|p| crate::batch::submit::ToSubmit {
                job: &p.job,
                prompt: &p.prompt,
                expected: &p.expected,
            })
            .partition(|item| item.unnamed().is_none());
        for path in unnamed.iter().filter_map(|item| item.unnamed()) {
            crate::note!(
                "assistant: warning: {}: the file name is not UTF-8, which a batch cannot record: not \
                 submitted (a streamed `generate` implements it)",
                path.display()
            );
        }
        let config = provider_config(args, kind, api_key);
        let outcome = super::batch::submit(&jobs, config, args, fresh.len(), global)?;
        return Ok(if unnamed.is_empty() {
            outcome
        } else {
            Outcome::Failure
        });
    }

    if args.only_print_prompt {
        let shown: Vec<(&Job, &Prompt)> = shown.iter().map(|(job, prompt)| (job, prompt)).collect();
        prompts::print_prompts(&shown, args)?;
        return Ok(Outcome::Success);
    }

    // Under --stdout, stdout is the code's alone: progress goes to stderr as text whatever the format.
    let reporter = Arc::new(match args.format {
        GenerateFormat::Json if !args.stdout => Reporter::json(),
        _ => Reporter::text(
            prepared.len(),
            global.quiet,
            crate::report::use_color(global.color),
        ),
    });
    let mut config = provider_config(args, kind, api_key);
    config.trace = global.verbose >= 2;
    let host = crate::redact::host(
        config
            .base_url
            .as_deref()
            .unwrap_or(defaults::of(kind).base_url),
    );
    let provider: Arc<dyn Provider> =
        Arc::from(provider::build(config).map_err(|e| UsageError(e.to_string()))?);
    // Where the prompts (the code) and the key go, said once before the first request.
    if args.format == GenerateFormat::Text && !global.quiet && !prepared.is_empty() {
        crate::note!("asking {host}, model {}", provider.model());
    }
    for file in &fresh {
        reporter.skipped(&file.path);
    }
    if global.verbose > 0 {
        crate::note!(
            "assistant: {} jobs to {} (model {}), {} in flight, {} retries",
            prepared.len(),
            provider.name(),
            provider.model(),
            args.concurrency,
            args.retries
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let meta = sidecar::Meta {
        provider: provider.name().to_string(),
        model: provider.model().to_string(),
        time: std::time::SystemTime::now(),
        verified: None,
    };
    // A job refused (429) for longer than one attempt may take gives up: it would rather have waited
    // that long for an answer than for a chance to be answered (`--timeout`, 10 minutes by default).
    let limiter = Limiter::new(
        args.concurrency as usize,
        Duration::from_secs(args.timeout.max(1)),
    );
    let shared = Shared {
        asker: Asker {
            provider,
            policy: RetryPolicy {
                retries: args.retries,
                base: Duration::from_millis(args.backoff_base_ms),
                ..RetryPolicy::default()
            },
            gate: Gate::with_rpm(args.rpm).with_limiter(limiter.clone()),
            templates: Arc::new(templates),
            verifier: Arc::new(verifier),
            repair_rounds: args.repair_rounds,
        },
        reporter: Arc::clone(&reporter),
    };
    let landing = Landing::new(
        prepared.iter().map(|p| p.job.file.path.as_path()),
        meta,
        args.stdout.then_some(match args.format {
            GenerateFormat::Text => Printed::Text,
            GenerateFormat::Json => Printed::Json,
        }),
    );
    let watched = Watched {
        limiter,
        verbose: global.verbose > 0,
    };
    let summary = runtime.block_on(ask_all(
        prepared,
        shared,
        landing,
        args,
        fresh.len(),
        watched,
    ));
    if out::closed() {
        // The reader went away (`| head`): the run stopped as on Ctrl-C, quietly (see `crate::out`).
        return Ok(Outcome::Success);
    }
    reporter.summary(&summary);
    Ok(if summary.interrupted {
        Outcome::Interrupted
    } else if summary.failed > 0 {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

/// A job ready to ask: its prompt, and what the check will expect of the answer.
struct Prepared {
    job: Job,
    prompt: Prompt,
    expected: Expected,
}

/// What every job's task shares.
#[derive(Clone)]
struct Shared {
    asker: Asker,
    reporter: Arc<Reporter>,
}

/// What clap cannot check alone: `--line` names one file (PATH and `--file` alike), and `--prompts`
/// is a folder that exists (a typo would silently keep the built-in templates).
fn check_flags(args: &GenerateArgs) -> Result<(), UsageError> {
    if args.line.is_some() {
        match args.paths.all().as_slice() {
            [one] if !one.is_dir() => {}
            _ => {
                return Err(UsageError(
                    "--line needs exactly one file (PATH or --file) and no other path".into(),
                ))
            }
        }
    }
    if let Some(folder) = &args.prompts {
        if !folder.is_dir() {
            return Err(UsageError(format!(
                "--prompts {}: no such folder",
                folder.display()
            )));
        }
    }
    Ok(())
}

fn provider_kind(name: Option<&str>) -> Result<ProviderKind, UsageError> {
    ProviderKind::from_flag(name).map_err(UsageError)
}

fn provider_config(
    args: &GenerateArgs,
    kind: ProviderKind,
    api_key: Option<String>,
) -> ProviderConfig {
    let mut config = ProviderConfig::new(kind);
    config.base_url = args.endpoint.base_url.clone();
    config.api_key = api_key;
    config.model = args.model.clone();
    config.temperature = args.temperature;
    config.max_tokens = args.max_tokens;
    config.thinking = args.thinking.map(|t| match t {
        ThinkingChoice::Off => Thinking::Off,
        ThinkingChoice::Low => Thinking::Low,
        ThinkingChoice::High => Thinking::High,
    });
    config.timeouts.attempt = Duration::from_secs(args.timeout.max(1));
    config.timeouts.first_byte = seconds(args.first_byte_timeout);
    config.timeouts.idle = seconds(args.idle_timeout);
    config
}

/// A positive duration from user-given seconds (at least a millisecond).
fn seconds(value: f64) -> Duration {
    Duration::try_from_secs_f64(value)
        .unwrap_or(Duration::MAX)
        .max(Duration::from_millis(1))
}

/// `files` but those whose `FILE.assistant` is a file the tool did not write: the user's, never asked
/// for nor overwritten; each is named on stderr.
fn leave_foreign_alone(files: Vec<ScannedFile>, quiet: bool) -> Vec<ScannedFile> {
    files
        .into_iter()
        .filter(|file| {
            let sidecar = sidecar::sidecar_path(&file.path);
            let foreign = sidecar::is_foreign(&sidecar);
            if foreign && !quiet {
                crate::note!(
                    "assistant: left alone {}: assistant did not write it (no `generator:` header); \
                     move it away to generate for {}",
                    sidecar.display(),
                    file.path.display()
                );
            }
            !foreign
        })
        .collect()
}

fn identities(file: &ScannedFile) -> Vec<String> {
    file.stubs.iter().map(|s| s.identity()).collect()
}

/// The files with stubs that the flags select (`--line`, `--changed-since`).
fn stubbed_files(args: &GenerateArgs, markers: &Markers, quiet: bool) -> Result<Vec<ScannedFile>> {
    let targets = targets(&args.paths)?;
    let outcome = scan(&targets, markers);
    if !quiet {
        for warning in &outcome.warnings {
            crate::note!("assistant: warning: {warning}");
        }
    }
    if outcome.files_read == 0 && !outcome.warnings.is_empty() {
        return Err(UsageError("nothing could be read".into()).into());
    }
    let mut files = outcome.files;
    if let Some(revision) = &args.changed_since {
        let changed = super::changed::files_changed_since(revision)?;
        files.retain(|file| changed.contains(&absolute(&file.path)));
    }
    if let Some(line) = args.line {
        for file in &mut files {
            plan::narrow_to_line(file, line);
        }
        files.retain(|file| !file.stubs.is_empty());
        if files.is_empty() {
            return Err(UsageError(format!("no stub at line {line}")).into());
        }
    }
    Ok(files)
}

/// The learned concurrency, and whether `-v` shows its changes.
struct Watched {
    limiter: Limiter,
    verbose: bool,
}

impl Watched {
    /// Shows the limit whenever it changed, at most once a second (every refusal may move it; a line
    /// each time would drown the rest).
    async fn watch(self, reporter: Arc<Reporter>) {
        let ceiling = self.limiter.ceiling();
        let mut shown = ceiling;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let limit = self.limiter.limit();
            if limit != shown {
                shown = limit;
                reporter.limit_changed(limit, ceiling, self.verbose);
            }
        }
    }
}

/// A job's result as it comes back to the main task.
struct Done {
    job: Job,
    expected: Expected,
    answered: Answered,
    seconds: f64,
}

async fn ask_all(
    prepared: Vec<Prepared>,
    shared: Shared,
    mut landing: Landing,
    args: &GenerateArgs,
    skipped: usize,
    watched: Watched,
) -> Summary {
    let started = Instant::now();
    let limiter = watched.limiter.clone();
    let watched_verbose = watched.verbose;
    let watcher = tokio::spawn(watched.watch(Arc::clone(&shared.reporter)));
    let mut summary = Summary {
        jobs: prepared.len(),
        skipped,
        ..Summary::default()
    };
    let reporter = Arc::clone(&shared.reporter);
    let ended = run_all(
        prepared,
        args.concurrency as usize,
        |item| perform(item, shared.clone()),
        |done: Done| {
            let (checked, verdict, error) = match done.answered.result {
                Ok((checked, verdict)) => (checked, Some(verdict), None),
                Err(error) => (Vec::new(), None, Some(error)),
            };
            let verified = verdict.as_ref().map(Verdict::label).unwrap_or_default();
            let landed = landing.land(&done.expected, &checked, &verified);
            let result = match (error, landed) {
                // As users see them: the dao's sidecar too, not only the one of the file they named.
                (None, landed) => landed
                    .map(|paths| paths.iter().map(|p| crate::fsx::shown(p)).collect())
                    .map_err(|e| e.to_string()),
                (Some(error), Ok(_)) => Err(error.to_string()),
                // The file's earlier answers could not be written either.
                (Some(error), Err(also)) => Err(format!("{error}; {also}")),
            };
            let report = JobReport {
                file: done.job.file.path.clone(),
                label: done.job.label(),
                functions: done.job.identities(),
                added: crate::check::additions(&done.expected, &checked),
                attempts: done.answered.attempts,
                repair_rounds: done.answered.repair_rounds,
                verified: verdict.map(|v| (matches!(v, Verdict::Verified { .. }), v.label())),
                seconds: done.seconds,
                usage: done.answered.usage,
                result,
                batch: None,
                part: (done.job.part, done.job.parts),
            };
            summary.add(&report);
            // Once the reader went away, a job's "cannot print" is no news.
            if !out::closed() {
                reporter.ended(&report);
            }
        },
        async {
            let ctrl_c = async {
                // No handler (an odd platform) means no Ctrl-C handling, not an instant interrupt.
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            // A closed stdout stops the run as Ctrl-C does: nothing new starts, what landed stays.
            tokio::select! {
                () = ctrl_c => {}
                () = out::until_closed() => {}
            }
        },
    )
    .await;
    watcher.abort();
    summary.concurrency_learned = limiter.limit();
    summary.interrupted = ended == Ended::Interrupted;
    summary.cancelled = summary.jobs - summary.succeeded - summary.failed;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.verify_runs = shared.asker.verifier.runs();
    if watched_verbose {
        crate::note!(
            "assistant: {} toolchain runs verified the answers",
            summary.verify_runs
        );
    }
    summary
}

/// One job, on its own task: ask and check (see `crate::ask`), keeping a twice-rejected answer beside
/// its source.
async fn perform(item: Prepared, shared: Shared) -> Done {
    let Prepared {
        job,
        prompt,
        expected,
    } = item;
    let started = Instant::now();
    let label = job.label();
    shared.reporter.started(&label);
    let reporter = &shared.reporter;
    let answered = ask::ask_and_check(
        &shared.asker,
        &prompt,
        &expected,
        |r| reporter.retrying(&label, r.attempt, r.wait, &r.error.to_string()),
        |answer| sidecar::save_rejected(answer, &job.file.path).ok(),
    )
    .await;
    Done {
        job,
        expected,
        answered,
        seconds: started.elapsed().as_secs_f64(),
    }
}
