//! `assistant generate`: scan → plan → prompt → ask → check → sidecar, wired together.
//!
//! Everything that can be known before the first request is settled first — the key, the templates,
//! every job's prompt — so usage errors exit 2 before any traffic, and `--only-print-prompt` is the same
//! road stopped before `ask`. Then the jobs run (see `run.rs`); each job asks, checks, and asks once more
//! with the problems when the check fails. Sidecars are written on the main task as a file's last job
//! lands, so Ctrl-C leaves only whole sidecars behind.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::json;

use super::{targets, Outcome, UsageError};
use crate::check::{self, CheckedFile, Expected};
use crate::cli::{GenerateArgs, GenerateFormat, GlobalArgs, LangChoice, ThinkingChoice};
use crate::context::gather::{absolute, Gatherer, JobContext};
use crate::lang::Markers;
use crate::plan::{self, Job};
use crate::prompt::{Prompt, PromptLang, Templates};
use crate::provider::retry::{ask_with_retries_observed, Gate, RetryPolicy};
use crate::provider::{
    self, defaults, Message, Provider, ProviderConfig, ProviderKind, Thinking, Usage,
};
use crate::report::{JobReport, Reporter, Summary};
use crate::run::{run_all, Ended};
use crate::scan::{scan, ScannedFile};
use crate::sidecar;

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
    if args.line.is_some() && !(args.paths.files.len() == 1 && args.paths.all().len() == 1) {
        return Err(
            UsageError("--line needs exactly one --file (and no other path)".into()).into(),
        );
    }
    let (templates, _) =
        Templates::load(args.prompts.as_deref()).map_err(|e| UsageError(e.to_string()))?;

    let files = stubbed_files(args, global.quiet)?;
    let (files, fresh) = if args.force || args.stdout {
        (files, Vec::new())
    } else {
        files.into_iter().partition::<Vec<_>, _>(|file| {
            !sidecar::is_fresh(&file.path, &file.source, &identities(file))
        })
    };
    let files = files.into_iter().map(Arc::new).collect();
    let jobs = plan::jobs(files, args.group_size as usize);

    let mut gatherer = Gatherer::default();
    let mut prepared = Vec::with_capacity(jobs.len());
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
        prepared.push(Prepared {
            job,
            context,
            prompt,
        });
    }
    if !global.quiet {
        for warning in &gatherer.warnings {
            eprintln!("assistant: warning: {warning}");
        }
    }

    if args.only_print_prompt {
        print_prompts(&prepared, args);
        return Ok(Outcome::Success);
    }

    let reporter = Arc::new(match args.format {
        GenerateFormat::Text => Reporter::text(
            prepared.len(),
            global.quiet,
            crate::report::use_color(global.color),
        ),
        GenerateFormat::Json => Reporter::json(),
    });
    for file in &fresh {
        reporter.skipped(&file.path);
    }
    let mut config = provider_config(args, kind, api_key);
    config.trace = global.verbose >= 2;
    let provider: Arc<dyn Provider> =
        Arc::from(provider::build(config).map_err(|e| UsageError(e.to_string()))?);
    if global.verbose > 0 {
        eprintln!(
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
    let shared = Shared {
        provider,
        templates: Arc::new(templates),
        policy: RetryPolicy {
            retries: args.retries,
            base: Duration::from_millis(args.backoff_base_ms),
            ..RetryPolicy::default()
        },
        gate: Gate::with_rpm(args.rpm),
        reporter: Arc::clone(&reporter),
        markers: Markers::new(args.markers.clone()),
    };
    let meta = sidecar::Meta {
        provider: shared.provider.name().to_string(),
        model: shared.provider.model().to_string(),
        time: std::time::SystemTime::now(),
    };
    let summary = runtime.block_on(ask_all(prepared, shared, args, fresh.len(), meta));
    reporter.summary(&summary);
    Ok(if summary.interrupted {
        Outcome::Interrupted
    } else if summary.failed > 0 {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

struct Prepared {
    job: Job,
    context: JobContext,
    prompt: Prompt,
}

/// What every job's task shares.
#[derive(Clone)]
struct Shared {
    provider: Arc<dyn Provider>,
    templates: Arc<Templates>,
    policy: RetryPolicy,
    gate: Gate,
    reporter: Arc<Reporter>,
    markers: Markers,
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

fn identities(file: &ScannedFile) -> Vec<String> {
    file.stubs.iter().map(|s| s.identity()).collect()
}

/// The files with stubs that the flags select (`--line`, `--changed-since`).
fn stubbed_files(args: &GenerateArgs, quiet: bool) -> Result<Vec<ScannedFile>> {
    let targets = targets(&args.paths)?;
    let outcome = scan(&targets, &Markers::new(args.markers.clone()));
    if !quiet {
        for warning in &outcome.warnings {
            eprintln!("assistant: warning: {warning}");
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

fn print_prompts(prepared: &[Prepared], args: &GenerateArgs) {
    let total = prepared.len();
    for (index, Prepared { job, prompt, .. }) in prepared.iter().enumerate() {
        let dropped: Vec<&str> = prompt.dropped.iter().map(|d| d.describe()).collect();
        match args.format {
            GenerateFormat::Json => println!(
                "{}",
                json!({
                    "event": "prompt",
                    "file": job.file.path.display().to_string(),
                    "part": job.part, "parts": job.parts,
                    "functions": job.identities(),
                    "lang": prompt.lang,
                    "tokens": prompt.tokens,
                    "budget": args.max_context_tokens,
                    "included": prompt.included,
                    "dropped": dropped,
                    "system": prompt.system,
                    "user": prompt.user,
                })
            ),
            GenerateFormat::Text => {
                println!("=== job {}/{total}: {}", index + 1, job.label());
                println!("stubs: {}", job.identities().join(", "));
                println!(
                    "prompt: {} tokens (budget {}), language {}",
                    prompt.tokens,
                    args.max_context_tokens,
                    prompt.lang.code()
                );
                println!("context: {}", prompt.included.join(", "));
                println!(
                    "dropped for the budget: {}",
                    if dropped.is_empty() {
                        "nothing".to_string()
                    } else {
                        dropped.join(", ")
                    }
                );
                println!("--- system\n{}--- user\n{}", prompt.system, prompt.user);
            }
        }
    }
    if total == 0 && args.format == GenerateFormat::Text {
        eprintln!("no stubs to implement");
    }
}

/// A job's result as it comes back to the main task.
struct Done {
    job: Job,
    report: JobReport,
    checked: Vec<CheckedFile>,
}

async fn ask_all(
    prepared: Vec<Prepared>,
    shared: Shared,
    args: &GenerateArgs,
    skipped: usize,
    meta: sidecar::Meta,
) -> Summary {
    let started = Instant::now();
    let mut summary = Summary {
        jobs: prepared.len(),
        skipped,
        ..Summary::default()
    };
    let mut files = FileParts::new(&prepared);
    let reporter = Arc::clone(&shared.reporter);
    let ended = run_all(
        prepared,
        args.concurrency as usize,
        |item| perform(item, shared.clone()),
        |mut done: Done| {
            let landed = files.land(&done.job, &done.checked, args.stdout, &meta);
            done.report.result = match (
                std::mem::replace(&mut done.report.result, Ok(Vec::new())),
                landed,
            ) {
                (Ok(_), landed) => landed,
                (Err(error), Ok(_)) => Err(error),
                // The file's earlier answers could not be written either.
                (Err(error), Err(also)) => Err(format!("{error}; {also}")),
            };
            summary.add(&done.report);
            reporter.ended(&done.report);
        },
        async {
            // No handler (an odd platform) means no Ctrl-C handling, not an instant interrupt.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        },
    )
    .await;
    summary.interrupted = ended == Ended::Interrupted;
    summary.cancelled = summary.jobs - summary.succeeded - summary.failed;
    summary.seconds = started.elapsed().as_secs_f64();
    summary
}

/// One job: ask, check, and on a failed check ask once more with the problems.
async fn perform(item: Prepared, shared: Shared) -> Done {
    let Prepared {
        job,
        context,
        prompt,
    } = item;
    let started = Instant::now();
    let label = job.label();
    shared.reporter.started(&label);
    let expected = expected(&job, &context, &shared.markers);
    let mut messages = vec![
        Message::system(prompt.system.clone()),
        Message::user(prompt.user.clone()),
    ];
    let mut usage = Usage::default();
    let mut attempts = 0;
    let mut outcome = Err(String::new());
    for round in 0..2 {
        let reporter = Arc::clone(&shared.reporter);
        let asked = ask_with_retries_observed(
            shared.provider.as_ref(),
            &messages,
            &shared.policy,
            &shared.gate,
            |r| reporter.retrying(&label, r.attempt, r.wait, &r.error.to_string()),
        )
        .await;
        let asked = match asked {
            Ok(asked) => asked,
            Err(failed) => {
                attempts += failed.attempts;
                outcome = Err(failed.to_string());
                break;
            }
        };
        attempts += asked.attempts;
        usage += asked.answer.usage;
        match check::check(&asked.answer.text, &expected) {
            Ok(checked) => {
                outcome = Ok(checked);
                break;
            }
            Err(problems) if round == 0 => {
                let repair = shared
                    .templates
                    .repair(prompt.lang, &problems.repair_prompt())
                    .unwrap_or_else(|_| problems.repair_prompt());
                messages.push(Message::assistant(asked.answer.text));
                messages.push(Message::user(repair));
            }
            Err(problems) => {
                let kept = sidecar::save_rejected(&asked.answer.text, &job.file.path)
                    .map(|path| format!("; the answer is kept in {}", path.display()))
                    .unwrap_or_default();
                outcome = Err(format!(
                    "the answer failed the check twice: {problems}{kept}"
                ));
            }
        }
    }
    let (checked, result) = match outcome {
        Ok(checked) => (checked, Ok(Vec::new())),
        Err(error) => (Vec::new(), Err(error)),
    };
    Done {
        report: JobReport {
            file: job.file.path.clone(),
            label,
            functions: job.identities(),
            attempts,
            seconds: started.elapsed().as_secs_f64(),
            usage,
            result,
        },
        job,
        checked,
    }
}

fn expected(job: &Job, context: &JobContext, markers: &Markers) -> Expected {
    Expected {
        target: check::TargetFile {
            name: context.file.name.clone(),
            path: job.file.path.clone(),
            source: job.file.source.clone(),
            stubs: job.stubs.clone(),
        },
        dependent: context
            .file
            .sponge
            .as_ref()
            .and_then(|s| s.dao.as_ref())
            .map(|dao| check::DependentFile {
                name: dao.name.clone(),
                path: dao.path.clone(),
                source: dao.source.clone(),
            }),
        markers: markers.clone(),
    }
}

/// Checked parts waiting for the rest of their file's jobs.
struct FileParts {
    /// Jobs still running per source file.
    remaining: HashMap<PathBuf, usize>,
    /// Per source file, the checked code its jobs produced — for it and for dependents such as the dao
    /// file — in landing order.
    parts: HashMap<PathBuf, Vec<CheckedFile>>,
    sources: HashMap<PathBuf, String>,
}

impl FileParts {
    fn new(prepared: &[Prepared]) -> FileParts {
        let mut remaining = HashMap::new();
        for item in prepared {
            *remaining.entry(item.job.file.path.clone()).or_insert(0) += 1;
        }
        FileParts {
            remaining,
            parts: HashMap::new(),
            sources: HashMap::new(),
        }
    }

    /// Records how a job ended (`checked` is empty for a failed one). When it was its file's last job,
    /// writes the sidecars of everything the file's jobs produced (or prints the code under `--stdout`)
    /// and returns their paths; before that, returns the sidecars this job's code will land in.
    fn land(
        &mut self,
        job: &Job,
        checked: &[CheckedFile],
        to_stdout: bool,
        meta: &sidecar::Meta,
    ) -> Result<Vec<PathBuf>, String> {
        let file = &job.file.path;
        self.parts
            .entry(file.clone())
            .or_default()
            .extend(checked.iter().cloned());
        self.sources.insert(file.clone(), job.file.source.clone());
        let left = self.remaining.entry(file.clone()).or_insert(1);
        *left = left.saturating_sub(1);
        if *left > 0 {
            return Ok(distinct_paths(checked, file)
                .iter()
                .map(|path| sidecar::sidecar_path(path))
                .collect());
        }
        let parts = self.parts.remove(file).unwrap_or_default();
        let mut written = Vec::new();
        for path in distinct_paths(&parts, file) {
            let for_path: Vec<CheckedFile> =
                parts.iter().filter(|p| p.path == path).cloned().collect();
            let source = match self.sources.get(&path) {
                Some(source) => source.clone(),
                None => std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: cannot read: {e}", path.display()))?,
            };
            let content = sidecar::compose(&path, &source, &for_path, meta)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if to_stdout {
                print!("{content}");
                written.push(path);
            } else {
                let sidecar = sidecar::sidecar_path(&path);
                sidecar::write_atomic(&sidecar, &content)
                    .map_err(|e| format!("{}: cannot write: {e}", sidecar.display()))?;
                written.push(sidecar);
            }
        }
        Ok(written)
    }
}

/// The files `parts` are for, `source` first, each once, in order of first appearance.
fn distinct_paths(parts: &[CheckedFile], source: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for part in parts {
        if !paths.contains(&part.path) {
            paths.push(part.path.clone());
        }
    }
    paths.sort_by_key(|p| p != source);
    paths
}
