//! Benchmark of batch mode against the fake batch API — a program that prints figures, not a timed
//! test (`cargo bench --bench batch`, options after `--`).
//!
//! What it does: a fresh temporary Go module of N files (default 1,000, `--jobs N`), each with one
//! stub, hence N jobs; the fake batch server of `tests/support/fake_batch.rs` answers every request
//! at once with a valid ```go block for the stub it names. Then, each through the release binary:
//! 1. `generate --batch`: scan, plan, prompts, the upload, the state file — in submissions of 500
//!    jobs, as the fake server takes at most 2 MB a request. Wall time (summed) and peak RSS.
//! 2. `batch collect --wait --verify off`: status, download, N checks, N sidecars and the state
//!    rewritten as they land. Wall time, peak RSS, jobs ok, sidecars written.
//!
//! Peak RSS is that of the `assistant` child alone, measured by a fresh copy of this program
//! (`benches/support/measure.rs`), since this process hosts the fake server. `ASSISTANT_BIN` times
//! another build. The exit status is 0 unless a run failed.

#[path = "../tests/support/fake_batch.rs"]
mod fake_batch;

#[path = "support/measure.rs"]
mod measure;
#[path = "support/options.rs"]
mod options;
#[path = "support/report.rs"]
mod report;

use std::path::Path;

use fake_batch::{FakeBatch, Plan};
use measure::{measure, Run};
use options::{assistant_bin, or_exit, Args};
use report::secs;
use serde_json::Value;

const DEFAULT_JOBS: usize = 1000;
/// Jobs per submission: what fits the fake server's 2 MB request bodies.
const SUBMISSION: usize = 500;

fn main() {
    measure::serve_if_measurer();
    let jobs = or_exit(options(), "batch");
    let project = tempfile::TempDir::new().expect("a temporary folder");
    write_project(project.path(), jobs);
    let server = FakeBatch::start(Plan::new(|_, body| answer(body)));
    let bin = assistant_bin();

    // The fake server takes request bodies of at most 2 MB (axum's default limit), and 1,000 prompts
    // are about 2.5 MB: they go up in submissions of at most SUBMISSION jobs, each naming its files —
    // all in the project folder, so every state lands in the same `.assistant/batches/` and one
    // collect takes them all.
    let mut submits = Vec::new();
    for chunk in (0..jobs).collect::<Vec<_>>().chunks(SUBMISSION) {
        let mut args: Vec<String> = [
            "generate",
            "--batch",
            "--type",
            "openai",
            "--verify",
            "off",
            "--api-key",
            "bench-key",
            "--base-url",
        ]
        .iter()
        .map(ToString::to_string)
        .chain([server.base_url()])
        .collect();
        for i in chunk {
            args.push("--file".into());
            args.push(format!("f{i:04}.go"));
        }
        submits.push(run(&bin, &args, project.path(), "generate --batch"));
    }
    let submit_wall: std::time::Duration = submits.iter().map(|r| r.wall).sum();
    let submit_rss = submits.iter().map(mb).fold(0.0, f64::max);
    let collect_args: Vec<String> = [
        "batch",
        "collect",
        "--wait",
        "--verify",
        "off",
        "--format",
        "json",
        "--api-key",
        "bench-key",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    let collected = run(&bin, &collect_args, project.path(), "batch collect");
    let events: Vec<Value> = String::from_utf8_lossy(&collected.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let ok = events
        .iter()
        .filter(|e| e["event"] == "job_succeeded")
        .count();
    let sidecars = (0..jobs)
        .filter(|i| {
            project
                .path()
                .join(format!("f{i:04}.go.assistant"))
                .exists()
        })
        .count();

    println!("batch mode, {jobs} jobs (one stub per file), fake batch API answering at once");
    println!(
        "  submit   wall {:>8}  peak RSS {:>6.1} MB  ({} submission{} of at most {SUBMISSION})",
        secs(submit_wall),
        submit_rss,
        submits.len(),
        if submits.len() == 1 { "" } else { "s" },
    );
    println!(
        "  collect  wall {:>8}  peak RSS {:>6.1} MB  ({ok} ok, {sidecars} sidecars)",
        secs(collected.wall),
        mb(&collected)
    );
    if ok != jobs || sidecars != jobs {
        std::process::exit(1);
    }
}

fn options() -> Result<usize, String> {
    let mut args = Args::from_env();
    let mut jobs = DEFAULT_JOBS;
    while let Some(flag) = args.next_flag() {
        match flag.as_str() {
            "--jobs" => jobs = args.number("--jobs")?,
            // cargo bench passes --bench.
            "--bench" => {}
            other => return Err(format!("unknown option {other} (use --jobs N)")),
        }
    }
    Ok(jobs)
}

fn run(bin: &Path, args: &[String], dir: &Path, what: &str) -> Run {
    let run = measure(bin, args, |cmd| {
        cmd.current_dir(dir)
            .env("ASSISTANT_BATCH_POLL_MS", "50")
            .env("NO_COLOR", "1");
    })
    .unwrap_or_else(|e| panic!("{what}: {e}"));
    if run.code != 0 {
        eprintln!(
            "{what} exited {}: {}",
            run.code,
            String::from_utf8_lossy(&run.stderr)
        );
        std::process::exit(1);
    }
    run
}

fn mb(run: &Run) -> f64 {
    run.max_rss_kib as f64 / 1024.0
}

fn write_project(dir: &Path, files: usize) {
    std::fs::write(dir.join("go.mod"), "module example.com/p\n\ngo 1.21\n").expect("go.mod");
    for i in 0..files {
        std::fs::write(
            dir.join(format!("f{i:04}.go")),
            format!("package p\n\n// Stub{i} returns nil.\nfunc Stub{i}() error {{\n\tpanic(\"implement me\")\n}}\n"),
        )
        .expect("a source file");
    }
}

/// A valid answer for the stub the request names.
fn answer(body: &Value) -> String {
    let text = body.to_string();
    let Some(start) = text.find("func Stub") else {
        return String::new();
    };
    let digits: String = text[start + 9..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let i: usize = digits.parse().unwrap_or(0);
    format!(
        "```go\n// file: f{i:04}.go\npackage p\n\n// Stub{i} returns nil.\nfunc Stub{i}() error {{\n\treturn nil\n}}\n```\n"
    )
}
