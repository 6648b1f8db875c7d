//! Benchmark of `assistant generate` against a simulated LLM — a program that prints figures, not a timed
//! test (`cargo bench --bench generate`, options after `--`).
//!
//! Why: generate's wall time is the model's latency, so its worth is in how many requests it keeps in
//! flight and how it behaves when the provider pushes back. Issue 3 sets the targets: wall time at most
//! 1.10× the ideal bound `ceil(N / C) × one request's latency` at concurrency 10 and 50; against a
//! rate-limited server, no failed job and at least 90% of the allowed rate; a peak RSS of at most 200 MB
//! for 1,000 jobs.
//!
//! What it does (every run is the release binary on a fresh temporary Go project of N files, each with
//! one stub method — doc comment and `panic("implement me")` — hence N jobs; the fake server of
//! `tests/support/fake_llm.rs` reads the stub's file, package and signature out of each request's user
//! message and answers a valid ```go block for it, so every job passes the check):
//! 1. `latency`: the server is paced like a real model — 500 ms to the first token, then about 300 tokens
//!    at 100 tokens/s (≈ 3.5 s a request). One single-job run gives one request's latency L (the whole
//!    run's wall time, start-up included, the same measure as the runs it is compared with); then
//!    N jobs (default 200, `--jobs N`) at `--concurrency` 10 and 50: wall time, the ideal bound
//!    `ceil(N / C) × L`, their ratio, peak RSS, jobs ok/failed and sidecars written.
//! 2. `rate`: the server admits R = 120 chat requests a minute, enforced as a sliding window of 20 per
//!    10 s (the same rate; a 60 s window would let the first 120 through at once, so any run short
//!    enough to bench would measure that burst rather than the rate) and answers 429 with `Retry-After`
//!    and `retry-after-ms` beyond. 100 jobs at concurrency 10 with instant answers, so the limit binds;
//!    once without and once with `--rpm 120`. Printed: successful chat requests per minute of wall time
//!    ÷ R, the 429s, attempts and failed jobs.
//! 3. `rss`: 1,000 jobs with instant answers at concurrency 50: peak RSS.
//! 4. `slots`: a server with S slots (a vLLM/Ollama box) streams at most S answers at once, paced as in
//!    `latency`, and answers 429 with `Retry-After: 1` beyond them. 150 jobs at `--concurrency 48`
//!    against 6 slots, and 60 jobs at `--concurrency 10` against 4: failed jobs, the 429s, the
//!    concurrency the run learned, and wall time ÷ the ideal `ceil(N / S) × L` (L as in `latency`).
//!    Targets (issue "Holding up under real limits"): no failed job, 429s at most half the jobs, and
//!    wall ÷ ideal at most 1.3 (6 slots) and 1.5 (4 slots). Verification is on (`--verify auto`, with
//!    the `go` on PATH): each line also prints the jobs verified and the toolchain runs (`verify_runs`;
//!    issue 17: 0 failed and a ratio ≤ 1.3 with verification on).
//!
//! Peak RSS is that of the `assistant` child alone: as in `benches/scan.rs`, a fresh small copy of this
//! program (`--measure-child`, `benches/support/measure.rs`) spawns it and reaps it with `wait4` (a child
//! spawned straight from this process, which hosts the fake server, would inherit this process's
//! high-water mark).
//!
//! Options: `--jobs N` (the latency part's N), `--only latency|rate|rss|slots`; `ASSISTANT_BIN` times another
//! build of the binary. Each target prints PASS or FAIL; the exit status is 0 either way.

#[path = "../tests/support/fake_llm.rs"]
mod fake_llm;

#[path = "support/measure.rs"]
mod measure;
#[path = "support/options.rs"]
mod options;
#[path = "support/report.rs"]
mod report;

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use fake_llm::{Behaviour, FakeLlm, Recorded, Reply, Script};
use measure::{measure, Run};
use options::{assistant_bin, Args};
use regex::Regex;
use report::verdict;
use serde_json::Value;

const DEFAULT_JOBS: usize = 200;
/// The simulated model: time to first token, answer tokens, tokens per second.
const FIRST_TOKEN: Duration = Duration::from_millis(500);
const ANSWER_TOKENS: usize = 300;
const TOKENS_PER_SEC: f64 = 100.0;
const CONCURRENCIES: [usize; 2] = [10, 50];
const LATENCY_TARGET: f64 = 1.10;

/// The rate-limited server: `RATE_PER_MIN` a minute, as `RATE_PER_MIN × RATE_WINDOW / 60 s` per window.
const RATE_PER_MIN: usize = 120;
const RATE_WINDOW: Duration = Duration::from_secs(10);
const RATE_JOBS: usize = 100;
const RATE_CONCURRENCY: usize = 10;
const RATE_TARGET: f64 = 0.90;

const RSS_JOBS: usize = 1000;
const RSS_CONCURRENCY: usize = 50;
const RSS_TARGET_MB: f64 = 200.0;

/// The slotted servers: (slots, jobs, `--concurrency`, wall ÷ ideal target).
const SLOT_RUNS: [(usize, usize, usize, f64); 2] = [(6, 150, 48, 1.3), (4, 60, 10, 1.5)];
const SLOT_RETRY_AFTER: Duration = Duration::from_secs(1);

// ---------------------------------------------------------------------------------------------------------
// Options

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Latency,
    Rate,
    Rss,
    Slots,
}

struct Options {
    jobs: usize,
    only: Option<Part>,
}

fn read_options() -> Result<Options, String> {
    let mut opts = Options {
        jobs: DEFAULT_JOBS,
        only: None,
    };
    let mut args = Args::from_env();
    while let Some(flag) = args.next_flag() {
        match flag.as_str() {
            "--jobs" => {
                let v = args.value("--jobs")?;
                opts.jobs = v
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--jobs {v:?}: not a positive number"))?;
            }
            "--only" => {
                opts.only = Some(match args.value("--only")?.as_str() {
                    "latency" => Part::Latency,
                    "rate" => Part::Rate,
                    "rss" => Part::Rss,
                    "slots" => Part::Slots,
                    other => return Err(format!("--only {other:?}: latency, rate, rss or slots")),
                })
            }
            // `cargo bench` passes `--bench`; a name filter may follow it. Neither means anything here.
            "--bench" => {}
            "-h" | "--help" => {
                println!(
                    "usage: cargo bench --bench generate -- [--jobs N] [--only latency|rate|rss|slots]"
                );
                std::process::exit(0);
            }
            other => eprintln!("generate-bench: ignoring argument {other:?}"),
        }
    }
    Ok(opts)
}

// ---------------------------------------------------------------------------------------------------------
// The project

/// A fresh Go project of `files` files in `pkgNN` packages of 50, each file with one stub method.
fn project(files: usize) -> std::io::Result<tempfile::TempDir> {
    // Not a dot-folder: scan skips hidden folders.
    let dir = tempfile::Builder::new()
        .prefix("assistant-generate-bench-")
        .tempdir()?;
    std::fs::write(dir.path().join("go.mod"), "module bench\n\ngo 1.22\n")?;
    for i in 0..files {
        let pkg = format!("pkg{:02}", i / 50);
        std::fs::create_dir_all(dir.path().join(&pkg))?;
        let source = format!(
            "package {pkg}\n\nimport \"context\"\n\n\
             // Service{i:04} holds the handlers of resource {i}.\ntype Service{i:04} struct{{}}\n\n\
             // Total{i:04} returns the total of the items of order id, or an error when there is none.\n\
             func (s *Service{i:04}) Total{i:04}(ctx context.Context, id uint64, items []int64) (int64, error) {{\n\
             \tpanic(\"implement me\")\n}}\n"
        );
        std::fs::write(dir.path().join(&pkg).join(format!("f{i:04}.go")), source)?;
    }
    Ok(dir)
}

/// The sidecars a run should have written: (present, expected).
fn sidecars(dir: &Path, files: usize) -> (usize, usize) {
    let present = (0..files)
        .filter(|i| {
            dir.join(format!("pkg{:02}", i / 50))
                .join(format!("f{i:04}.go.assistant"))
                .is_file()
        })
        .count();
    (present, files)
}

// ---------------------------------------------------------------------------------------------------------
// The simulated model

/// A valid answer for the stub this request asks for, read out of its user message: the file from
/// `// file: NAME`, the package clause, the stub's signature; the body is a trivial `return` padded with
/// comment lines to about `ANSWER_TOKENS` tokens (≈ 4 characters a token). `None` when the request does
/// not look like a generate prompt.
fn answer_for(request: &Recorded) -> Option<String> {
    static PATTERNS: OnceLock<(Regex, Regex, Regex)> = OnceLock::new();
    let (file, package, signature) = PATTERNS.get_or_init(|| {
        (
            Regex::new(r"// file: ([^\s`]+)").expect("regex"),
            Regex::new(r"(?m)^package (\w+)").expect("regex"),
            // In the stub block (its body shown); the file outline elides bodies as `{ … }`.
            Regex::new(r"(?m)^(func \([^)]*\) \w+\(.*\)) \{$").expect("regex"),
        )
    });
    let user = request.body["messages"]
        .as_array()?
        .iter()
        .find(|m| m["role"] == "user")?["content"]
        .as_str()?;
    let file = file.captures(user)?.get(1)?.as_str();
    let package = package.captures(user)?.get(1)?.as_str();
    let signature = signature.captures(user)?.get(1)?.as_str();
    let head = format!(
        "```go\n// file: {file}\npackage {package}\n\nimport \"context\"\n\n// The doc comment, kept.\n{signature} {{\n"
    );
    let tail = "\t_ = ctx\n\treturn int64(len(items)), nil\n}\n```\n";
    // Exactly `ANSWER_TOKENS × 4` characters (all ASCII), so the reply splits into `ANSWER_TOKENS` chunks.
    let target = ANSWER_TOKENS * 4;
    let mut body = String::new();
    let line = "\t// the simulated model explains its reasoning here, one line at a time.\n";
    while head.len() + body.len() + line.len() + tail.len() + 8 <= target {
        body.push_str(line);
    }
    let fill = target.saturating_sub(head.len() + body.len() + tail.len() + 5);
    body.push_str(&format!("\t// {}\n", "-".repeat(fill)));
    Some(format!("{head}{body}{tail}"))
}

/// Every chat request answered validly, at `pace` (a `Reply` whose text is replaced).
fn answering_server(pace: Reply) -> Script {
    Script::new(Behaviour::Empty).pick(move |request| {
        let text = answer_for(request)?;
        Some(Behaviour::Answer(Reply {
            text,
            ..pace.clone()
        }))
    })
}

/// 500 ms to the first token, then `ANSWER_TOKENS` chunks at `TOKENS_PER_SEC`.
fn paced() -> Reply {
    Reply::latency(FIRST_TOKEN, ANSWER_TOKENS, TOKENS_PER_SEC)
}

fn instant() -> Reply {
    Reply::text("")
}

// ---------------------------------------------------------------------------------------------------------
// One generate run

/// What one `assistant generate` run did.
struct Generated {
    run: Run,
    succeeded: usize,
    failed: usize,
    retried: usize,
    attempts: u64,
    /// The mean of the jobs' own times (from asking to checked), seconds.
    job_seconds: f64,
    sidecars: (usize, usize),
    first_error: Option<String>,
    /// The summary's `concurrency_learned`.
    learned: Option<u64>,
    /// The summary's `verify_runs` (toolchain processes verification ran; `None` from a binary
    /// without it), and `verified`.
    verify_runs: Option<u64>,
    verified: u64,
}

fn generate(
    bin: &Path,
    server: &FakeLlm,
    files: usize,
    concurrency: usize,
    rpm: Option<usize>,
) -> Result<Generated, String> {
    let dir = project(files).map_err(|e| format!("creating the project: {e}"))?;
    let mut args: Vec<String> = [
        "generate",
        "--type",
        "openai",
        "--base-url",
        &server.base_url(),
        "--api-key",
        "x",
        "--format",
        "json",
        "--concurrency",
        &concurrency.to_string(),
    ]
    .map(String::from)
    .to_vec();
    if let Some(rpm) = rpm {
        args.extend(["--rpm".to_string(), rpm.to_string()]);
    }
    // In the project, with no key or model of this environment's and no colour in what it prints.
    let run = measure(bin, &args, |command| {
        for var in [
            "DEEPSEEK_API_KEY",
            "OPENAI_API_KEY",
            "GEMINI_API_KEY",
            "GOOGLE_API_KEY",
            "ASSISTANT_API_KEY",
            "ASSISTANT_MODEL",
        ] {
            command.env_remove(var);
        }
        command.env("NO_COLOR", "1").current_dir(dir.path());
    })
    .map_err(|e| e.to_string())?;
    let (mut succeeded, mut failed, mut retried, mut attempts) = (0, 0, 0, 0);
    let (mut job_seconds, mut first_error, mut learned) = (0.0, None, None);
    let (mut verify_runs, mut verified) = (None, 0);
    for line in String::from_utf8_lossy(&run.stdout).lines() {
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        match event["event"].as_str() {
            Some("job_succeeded") => {
                succeeded += 1;
                job_seconds += event["seconds"].as_f64().unwrap_or(0.0);
            }
            Some("job_failed") => {
                failed += 1;
                if first_error.is_none() {
                    first_error = event["error"].as_str().map(String::from);
                }
            }
            Some("job_retrying") => retried += 1,
            Some("summary") => {
                attempts = event["attempts"].as_u64().unwrap_or(0);
                learned = event["concurrency_learned"].as_u64();
                verify_runs = event["verify_runs"].as_u64();
                verified = event["verified"].as_u64().unwrap_or(0);
            }
            _ => {}
        }
    }
    if succeeded + failed == 0 {
        return Err(format!(
            "no job ended (exit {}): {}",
            run.code,
            String::from_utf8_lossy(&run.stderr).trim()
        ));
    }
    let sidecars = sidecars(dir.path(), files);
    Ok(Generated {
        job_seconds: job_seconds / succeeded.max(1) as f64,
        run,
        succeeded,
        failed,
        retried,
        attempts,
        sidecars,
        first_error,
        learned,
        verify_runs,
        verified,
    })
}

// ---------------------------------------------------------------------------------------------------------
// The parts

fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn jobs_line(g: &Generated) -> String {
    let mut line = format!(
        "{} ok, {} failed, {} attempts, sidecars {}/{}, exit {}",
        g.succeeded, g.failed, g.attempts, g.sidecars.0, g.sidecars.1, g.run.code
    );
    if let Some(error) = &g.first_error {
        line.push_str(&format!("; first error: {error}"));
    }
    line
}

fn latency(bin: &Path, jobs: usize) -> Result<bool, String> {
    println!(
        "== latency: {jobs} jobs; the model answers after {} ms, then {ANSWER_TOKENS} tokens at {TOKENS_PER_SEC} tokens/s",
        FIRST_TOKEN.as_millis()
    );
    let server = FakeLlm::start(answering_server(paced()));
    let one = generate(bin, &server, 1, 1, None)?;
    if one.succeeded != 1 {
        return Err(format!("the single-job run failed: {}", jobs_line(&one)));
    }
    let single = one.run.wall;
    println!(
        "one request: {:.3} s (a single-job run's wall time; the job itself {:.3} s, the model {:.3} s), peak RSS {:.1} MB",
        single.as_secs_f64(),
        one.job_seconds,
        (FIRST_TOKEN + Duration::from_secs_f64(ANSWER_TOKENS as f64 / TOKENS_PER_SEC)).as_secs_f64(),
        mb(one.run.max_rss_kib)
    );
    // The bound's L includes the run's start-up (scan, prompts), which the bound then counts
    // ceil(N / C) times; the stricter ratio uses the job's own time instead.
    let job = Duration::from_secs_f64(one.job_seconds);
    println!(
        "{:>5} {:>9} {:>9} {:>7} {:>8} {:>9}  jobs",
        "conc", "wall", "ideal", "ratio", "strict", "RSS"
    );
    let mut pass = true;
    for concurrency in CONCURRENCIES {
        let g = generate(bin, &server, jobs, concurrency, None)?;
        let ideal = single.mul_f64(jobs.div_ceil(concurrency) as f64);
        let ratio = g.run.wall.as_secs_f64() / ideal.as_secs_f64();
        let rounds = jobs.div_ceil(concurrency) as f64;
        let strict = g.run.wall.as_secs_f64() / job.mul_f64(rounds).as_secs_f64();
        let ok = ratio <= LATENCY_TARGET && g.failed == 0 && g.sidecars.0 == g.sidecars.1;
        pass &= ok;
        println!(
            "{concurrency:>5} {:>7.3} s {:>7.3} s {ratio:>7.3} {strict:>8.3} {:>6.1} MB  {}  [{} ratio ≤ {LATENCY_TARGET}]",
            g.run.wall.as_secs_f64(),
            ideal.as_secs_f64(),
            mb(g.run.max_rss_kib),
            jobs_line(&g),
            verdict(ok)
        );
    }
    Ok(pass)
}

fn rate(bin: &Path) -> Result<bool, String> {
    let per_window = RATE_PER_MIN * RATE_WINDOW.as_secs() as usize / 60;
    println!(
        "== rate: the server admits R = {RATE_PER_MIN} requests/min ({per_window} per sliding {} s), 429 beyond; \
         {RATE_JOBS} jobs at concurrency {RATE_CONCURRENCY}, instant answers",
        RATE_WINDOW.as_secs()
    );
    let mut pass = true;
    for rpm in [None, Some(RATE_PER_MIN)] {
        let server =
            FakeLlm::start(answering_server(instant()).rate_limit(per_window, RATE_WINDOW));
        let g = generate(bin, &server, RATE_JOBS, RATE_CONCURRENCY, rpm)?;
        let chats: Vec<Recorded> = server
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/chat/completions"))
            .collect();
        let ok_requests = chats.iter().filter(|r| r.status == 200).count();
        let limited = chats.iter().filter(|r| r.status == 429).count();
        let per_min = ok_requests as f64 * 60.0 / g.run.wall.as_secs_f64();
        let share = per_min / RATE_PER_MIN as f64;
        let ok = g.failed == 0 && share >= RATE_TARGET && g.sidecars.0 == g.sidecars.1;
        pass &= ok;
        let label = rpm.map_or("no --rpm".to_string(), |n| format!("--rpm {n}"));
        println!(
            "{label:>10}: wall {:.3} s, {ok_requests} answered + {limited} refused (429), {per_min:.1} requests/min = \
             {share:.3} × R, {} retries; {}  [{} 0 failed, ≥ {RATE_TARGET} × R]",
            g.run.wall.as_secs_f64(),
            g.retried,
            jobs_line(&g),
            verdict(ok)
        );
    }
    Ok(pass)
}

fn rss(bin: &Path) -> Result<bool, String> {
    println!("== rss: {RSS_JOBS} jobs at concurrency {RSS_CONCURRENCY}, instant answers");
    let server = FakeLlm::start(answering_server(instant()));
    let g = generate(bin, &server, RSS_JOBS, RSS_CONCURRENCY, None)?;
    let peak = mb(g.run.max_rss_kib);
    let ok = peak <= RSS_TARGET_MB && g.failed == 0 && g.sidecars.0 == g.sidecars.1;
    println!(
        "peak RSS {peak:.1} MB, wall {:.3} s; {}  [{} ≤ {RSS_TARGET_MB} MB]",
        g.run.wall.as_secs_f64(),
        jobs_line(&g),
        verdict(ok)
    );
    Ok(ok)
}

fn slots(bin: &Path) -> Result<bool, String> {
    println!(
        "== slots: the server streams at most S answers at once (paced as in latency), 429 + Retry-After: {} beyond",
        SLOT_RETRY_AFTER.as_secs()
    );
    let one = generate(bin, &FakeLlm::start(answering_server(paced())), 1, 1, None)?;
    if one.succeeded != 1 {
        return Err(format!("the single-job run failed: {}", jobs_line(&one)));
    }
    let single = one.run.wall;
    println!("one request: {:.3} s", single.as_secs_f64());
    let mut pass = true;
    for (slots, jobs, concurrency, target) in SLOT_RUNS {
        let server = FakeLlm::start(answering_server(paced()).slots(slots, SLOT_RETRY_AFTER));
        let g = generate(bin, &server, jobs, concurrency, None)?;
        let refused = server
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/chat/completions") && r.status == 429)
            .count();
        let ideal = single.mul_f64(jobs.div_ceil(slots) as f64);
        let ratio = g.run.wall.as_secs_f64() / ideal.as_secs_f64();
        let ok =
            g.failed == 0 && refused * 2 <= jobs && ratio <= target && g.sidecars.0 == g.sidecars.1;
        pass &= ok;
        println!(
            "{slots} slots, {jobs} jobs, --concurrency {concurrency}: {} failed, {refused} answers of 429, learned {}, \
             peak {} streaming; wall {:.3} s ÷ ideal {:.3} s = {ratio:.3}; {}; {} verified, {} toolchain runs  \
             [{} 0 failed, 429s ≤ {}, ratio ≤ {target}]",
            g.failed,
            g.learned.map_or("?".to_string(), |n| n.to_string()),
            server.peak_busy(),
            g.run.wall.as_secs_f64(),
            ideal.as_secs_f64(),
            jobs_line(&g),
            g.verified,
            g.verify_runs.map_or("?".to_string(), |n| n.to_string()),
            verdict(ok),
            jobs / 2
        );
    }
    Ok(pass)
}

fn main() {
    measure::serve_if_measurer();
    let opts = options::or_exit(read_options(), "generate-bench");
    let bin = assistant_bin();
    println!("binary: {}", bin.display());
    let wanted = |part| opts.only.is_none_or(|only| only == part);
    let mut results = Vec::new();
    if wanted(Part::Latency) {
        results.push(("latency", latency(&bin, opts.jobs)));
    }
    if wanted(Part::Rate) {
        results.push(("rate", rate(&bin)));
    }
    if wanted(Part::Rss) {
        results.push(("rss", rss(&bin)));
    }
    if wanted(Part::Slots) {
        results.push(("slots", slots(&bin)));
    }
    println!("== targets");
    for (part, result) in results {
        match result {
            Ok(pass) => println!("{part:>8}: {}", verdict(pass)),
            Err(e) => println!("{part:>8}: ERROR {e}"),
        }
    }
}
