//! What `generate` tells the user while it runs: progress and results as text (a bar on a terminal,
//! plain lines otherwise, both on stderr so `--stdout` code stays clean) or JSON Lines events on stdout.
//! Nothing here decides anything; it only shows what the run hands it. Keys never reach it.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::provider::Usage;

/// How one job ended.
#[derive(Debug, Clone)]
pub struct JobReport {
    pub file: PathBuf,
    pub label: String,
    pub functions: Vec<String>,
    /// What the answer adds besides the stubs (helpers, types, dao methods, imports); empty for a
    /// failed job.
    pub added: Vec<String>,
    pub attempts: u32,
    /// Repair rounds the job used.
    pub repair_rounds: u32,
    /// Whether the answer was verified, and the label saying by what (`go build`) or why not
    /// (`no (go not on PATH)`); `None` for a failed job.
    pub verified: Option<(bool, String)>,
    pub seconds: f64,
    /// Every token the job was billed, failed attempts included.
    pub usage: Usage,
    /// The sidecars written (the source's first), or why the job failed.
    pub result: Result<Vec<PathBuf>, String>,
    /// The batch the answer came from (batch mode's `collect`); no `batch` field in events otherwise.
    pub batch: Option<String>,
    /// Which of its file's jobs this was and how many there are (1, 1 for a file not split): events
    /// of a split file's jobs carry `part` and `parts`.
    pub part: (usize, usize),
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub jobs: usize,
    pub succeeded: usize,
    /// Succeeded jobs whose answer the project's toolchain verified.
    pub verified: usize,
    pub failed: usize,
    /// Files skipped because a fresh sidecar already covers them.
    pub skipped: usize,
    /// Jobs never started or cancelled by Ctrl-C.
    pub cancelled: usize,
    pub usage: Usage,
    pub attempts: u32,
    pub seconds: f64,
    pub interrupted: bool,
    /// The limit on requests in flight when the run ended, as the server's refusals taught it (the
    /// `--concurrency` ceiling when none came).
    pub concurrency_learned: usize,
    /// Toolchain processes verification ran (baselines included).
    pub verify_runs: usize,
}

impl Summary {
    pub fn add(&mut self, job: &JobReport) {
        match job.result {
            Ok(_) => self.succeeded += 1,
            Err(_) => self.failed += 1,
        }
        if job.result.is_ok() && job.verified.as_ref().is_some_and(|(yes, _)| *yes) {
            self.verified += 1;
        }
        self.usage += job.usage;
        self.attempts += job.attempts;
    }
}

pub enum Reporter {
    Text {
        bar: Option<Bars>,
        quiet: bool,
        color: bool,
    },
    Json {
        out: Mutex<std::io::Stdout>,
    },
}

impl Reporter {
    pub fn text(jobs: usize, quiet: bool, color: bool) -> Reporter {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| Bars::new(jobs));
        Reporter::Text { bar, quiet, color }
    }

    pub fn json() -> Reporter {
        Reporter::Json {
            out: Mutex::new(std::io::stdout()),
        }
    }

    pub fn skipped(&self, file: &std::path::Path) {
        match self {
            Reporter::Text { quiet: false, .. } => {
                self.line(&format!("skip  {}: its sidecar is fresh (use --force to redo)", file.display()));
            }
            Reporter::Text { .. } => {}
            Reporter::Json { .. } => self.event(json!({
                "event": "job_skipped", "file": file.display().to_string(), "reason": "fresh sidecar",
            })),
        }
    }

    pub fn started(&self, label: &str) {
        if let Reporter::Text {
            bar: Some(bars), ..
        } = self
        {
            bars.start(label);
        }
    }

    pub fn retrying(&self, label: &str, attempt: u32, wait: Duration, reason: &str) {
        match self {
            Reporter::Text { quiet: false, .. } => self.line(&format!(
                "retry {label}: attempt {attempt} failed ({reason}); next in {:.1}s",
                wait.as_secs_f64()
            )),
            Reporter::Text { .. } => {}
            Reporter::Json { .. } => self.event(json!({
                "event": "job_retrying", "file": label, "attempt": attempt,
                "wait_seconds": wait.as_secs_f64(), "error": reason,
            })),
        }
    }

    /// The learned limit on requests in flight changed: on the progress line, and a line under `-v`.
    pub fn limit_changed(&self, limit: usize, ceiling: usize, verbose: bool) {
        if let Reporter::Text {
            bar: Some(bars), ..
        } = self
        {
            bars.run
                .set_message(format!(" · {limit}/{ceiling} requests in flight"));
        }
        let quiet = matches!(self, Reporter::Text { quiet: true, .. });
        if verbose && !quiet {
            self.line(&format!(
                "assistant: concurrency now {limit} requests in flight (learned; --concurrency {ceiling})"
            ));
        }
    }

    pub fn ended(&self, job: &JobReport) {
        match self {
            Reporter::Text { bar, color, .. } => {
                if let Some(bars) = bar {
                    bars.end(&job.label);
                }
                let line = match &job.result {
                    Ok(sidecars) => format!(
                        "{}    {} ({}{}; {} in / {} out tokens; {} attempt{}; {:.1}s){}",
                        paint("ok", 32, *color),
                        job.label,
                        job.functions.join(", "),
                        adds(&job.added),
                        job.usage.prompt_tokens,
                        job.usage.completion_tokens,
                        job.attempts,
                        if job.attempts == 1 { "" } else { "s" },
                        job.seconds,
                        written_to(sidecars),
                    ),
                    Err(error) => format!(
                        "{} {}: {error} ({} in / {} out tokens spent)",
                        paint("FAIL", 31, *color),
                        job.label,
                        job.usage.prompt_tokens,
                        job.usage.completion_tokens,
                    ),
                };
                // Failures are shown even under --quiet.
                let quiet = matches!(self, Reporter::Text { quiet: true, .. });
                if !quiet || job.result.is_err() {
                    self.line(&line);
                }
            }
            Reporter::Json { .. } => self.event(with_part(job, with_batch(job, match &job.result {
                Ok(sidecars) => json!({
                    "event": "job_succeeded",
                    "file": job.file.display().to_string(),
                    "sidecar": sidecars.first().map(|p| p.display().to_string()),
                    "sidecars": sidecars.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                    "functions": job.functions,
                    "added": job.added,
                    "prompt_tokens": job.usage.prompt_tokens,
                    "completion_tokens": job.usage.completion_tokens,
                    "cached_tokens": job.usage.cached_tokens,
                    "attempts": job.attempts,
                    "repair_rounds": job.repair_rounds,
                    "verified": job.verified.as_ref().map(|(_, label)| label),
                    "seconds": round(job.seconds),
                }),
                Err(error) => json!({
                    "event": "job_failed",
                    "file": job.file.display().to_string(),
                    "functions": job.functions,
                    "error": error,
                    "prompt_tokens": job.usage.prompt_tokens,
                    "completion_tokens": job.usage.completion_tokens,
                    "cached_tokens": job.usage.cached_tokens,
                    "attempts": job.attempts,
                    "repair_rounds": job.repair_rounds,
                }),
            }))),
        }
    }

    pub fn summary(&self, summary: &Summary) {
        match self {
            Reporter::Text { bar, .. } => {
                if let Some(bars) = bar {
                    bars.run.finish_and_clear();
                }
                let mut line = format!(
                    "{} job{}: {} ok, {} failed",
                    summary.jobs,
                    if summary.jobs == 1 { "" } else { "s" },
                    summary.succeeded,
                    summary.failed
                );
                if summary.verified > 0 {
                    line.push_str(&format!(" ({} verified)", summary.verified));
                }
                if summary.skipped > 0 {
                    line.push_str(&format!(", {} skipped (fresh)", summary.skipped));
                }
                if summary.cancelled > 0 {
                    line.push_str(&format!(", {} cancelled", summary.cancelled));
                }
                line.push_str(&format!(
                    "; tokens {} in ({} cached) / {} out; {} attempt{}; {:.1}s",
                    summary.usage.prompt_tokens,
                    summary.usage.cached_tokens,
                    summary.usage.completion_tokens,
                    summary.attempts,
                    if summary.attempts == 1 { "" } else { "s" },
                    summary.seconds
                ));
                if summary.interrupted {
                    line.push_str(" (interrupted)");
                }
                crate::note!("{line}");
            }
            Reporter::Json { .. } => self.event(json!({
                "event": "summary",
                "jobs": summary.jobs,
                "succeeded": summary.succeeded,
                "verified": summary.verified,
                "failed": summary.failed,
                "skipped": summary.skipped,
                "cancelled": summary.cancelled,
                "prompt_tokens": summary.usage.prompt_tokens,
                "completion_tokens": summary.usage.completion_tokens,
                "cached_tokens": summary.usage.cached_tokens,
                "attempts": summary.attempts,
                "seconds": round(summary.seconds),
                "interrupted": summary.interrupted,
                "concurrency_learned": summary.concurrency_learned,
                "verify_runs": summary.verify_runs,
            })),
        }
    }

    /// Something only batch mode tells (a batch's progress, a job sent to a repair batch): a line on
    /// stderr in text (not under --quiet), `event` in JSON.
    pub fn note(&self, text: &str, event: serde_json::Value) {
        match self {
            Reporter::Text { quiet: false, .. } => self.line(text),
            Reporter::Text { .. } => {}
            Reporter::Json { .. } => self.event(event),
        }
    }

    /// A line on stderr that does not tear the progress bar.
    fn line(&self, text: &str) {
        match self {
            Reporter::Text {
                bar: Some(bars), ..
            } => {
                let _ = bars.multi.println(text);
            }
            _ => crate::note!("{text}"),
        }
    }

    fn event(&self, value: serde_json::Value) {
        if let Reporter::Json { out } = self {
            let _one_at_a_time = out.lock().unwrap_or_else(|e| e.into_inner());
            // A closed stdout (a consumer that went away) is `crate::out`'s to notice and the run's
            // to act on; it fails no job.
            let _ = crate::out::line(&value);
        }
    }
}

/// The terminal view: one bar for the run, one spinner line per job in flight.
pub struct Bars {
    multi: MultiProgress,
    run: ProgressBar,
    in_flight: Mutex<Vec<(String, ProgressBar)>>,
}

impl Bars {
    fn new(jobs: usize) -> Bars {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let run = multi.add(ProgressBar::new(jobs as u64));
        if let Ok(style) =
            ProgressStyle::with_template("[{elapsed_precise}] {bar:30} {pos}/{len} jobs{msg}")
        {
            run.set_style(style);
        }
        run.enable_steady_tick(Duration::from_millis(200));
        Bars {
            multi,
            run,
            in_flight: Mutex::new(Vec::new()),
        }
    }

    fn start(&self, label: &str) {
        let line = self.multi.add(ProgressBar::new_spinner());
        if let Ok(style) = ProgressStyle::with_template("  {spinner} {msg} ({elapsed})") {
            line.set_style(style);
        }
        line.set_message(label.to_string());
        line.enable_steady_tick(Duration::from_millis(120));
        self.lock().push((label.to_string(), line));
    }

    fn end(&self, label: &str) {
        self.run.inc(1);
        let mut in_flight = self.lock();
        if let Some(index) = in_flight.iter().position(|(l, _)| l == label) {
            let (_, line) = in_flight.remove(index);
            line.finish_and_clear();
            self.multi.remove(&line);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, ProgressBar)>> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `; adds slugify, import "strings"` for an ok line, or nothing when the answer only fills its stubs.
fn adds(added: &[String]) -> String {
    if added.is_empty() {
        String::new()
    } else {
        format!("; adds {}", added.join(", "))
    }
}

/// ` → a.go.assistant, internal/dao/coupon.go.assistant`: every sidecar a job wrote (or will, for a
/// part of a split file), the dao's included.
fn written_to(sidecars: &[PathBuf]) -> String {
    if sidecars.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = sidecars.iter().map(|p| p.display().to_string()).collect();
    format!(" → {}", shown.join(", "))
}

/// `event` with the job's batch id, when it has one.
fn with_batch(job: &JobReport, mut event: serde_json::Value) -> serde_json::Value {
    if let (Some(batch), Some(object)) = (&job.batch, event.as_object_mut()) {
        object.insert("batch".into(), json!(batch));
    }
    event
}

/// `event` with the job's part of its file, when the file was split into several jobs.
fn with_part(job: &JobReport, mut event: serde_json::Value) -> serde_json::Value {
    let (part, parts) = job.part;
    if let (true, Some(object)) = (parts > 1, event.as_object_mut()) {
        object.insert("part".into(), json!(part));
        object.insert("parts".into(), json!(parts));
    }
    event
}

fn round(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

fn paint(text: &str, code: u8, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Whether to color stderr: `--color always|never`, else a terminal without `NO_COLOR`.
pub fn use_color(choice: crate::cli::ColorChoice) -> bool {
    use crate::cli::ColorChoice;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}
