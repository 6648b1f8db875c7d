//! What verification adds to a job: the wall time of `verify` for right answers on the verification
//! fixtures (`tests/fixtures/verify/shop`, a Go module; `tests/fixtures/verify/ledger`, a crate), with
//! the project's real toolchains.
//!
//! A run's first job of a project pays for the baseline (the packages checked as they stand) and a cold
//! toolchain cache; later jobs pay one type-check each. Prints both, per language, over `--jobs`
//! answers (default 20), and which toolchain checked them.
//!
//! `pace` (issue 17, "verification at the model's pace"): `assistant generate` (the release binary) on
//! 100 one-stub files in one Go package, `--concurrency 50`, against a fake server that answers each
//! request after 1 s, once with `--verify off` and once with `--verify on`. Prints the wall times, the
//! ideal `ceil(N / C) × L` (L: one single-job run with `--verify off`, start-up included), their ratio
//! (target ≤ 1.15 with verification on), and the toolchain runs (`verify_runs`) per 100 jobs.
//!
//! Run: `cargo bench --bench verify [-- --jobs N] [--only checks|pace]`.

#[path = "../tests/support/fake_llm.rs"]
mod fake_llm;
#[path = "support/options.rs"]
mod options;
#[path = "support/report.rs"]
mod report;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fake_llm::{Behaviour, FakeLlm, Recorded, Reply, Script};
use serde_json::Value;

use assistant::check::{self, Expected, TargetFile};
use assistant::lang::{Lang, Markers};
use assistant::verify::{Mode, Verdict, Verifier};

/// A right answer for each fixture, as a model would give it.
const GO_ANSWER: &str = "```go\npackage handler\n\nimport (\n\t\"context\"\n)\n\n\
func (h *orderHandler) Cancel(ctx context.Context, id uint64) error {\n\
\torder, err := h.orderDao.GetByID(ctx, id)\n\tif err != nil {\n\t\treturn err\n\t}\n\
\torder.Status = \"cancelled\"\n\treturn h.orderDao.Update(ctx, order)\n}\n\n\
func (h *orderHandler) Total(ctx context.Context, id uint64) (int64, error) {\n\
\torder, err := h.orderDao.GetByID(ctx, id)\n\tif err != nil {\n\t\treturn 0, err\n\t}\n\
\treturn order.Total, nil\n}\n```\n";

const RUST_ANSWER: &str = "```rust\npub fn balance(entries: &[Entry]) -> i64 {\n    \
entries.iter().map(|e| e.cents).sum()\n}\n```\n";

fn main() {
    let mut args = options::Args::from_env();
    let mut jobs = 20;
    let mut only: Option<String> = None;
    while let Some(flag) = args.next_flag() {
        match flag.as_str() {
            "--jobs" => jobs = options::or_exit(args.number("--jobs"), "verify"),
            "--only" => only = Some(options::or_exit(args.value("--only"), "verify")),
            "--bench" => {}
            other => {
                eprintln!("verify: unknown option {other}");
                std::process::exit(2);
            }
        }
    }
    if only.as_deref() != Some("pace") {
        checks(jobs);
    }
    if only.as_deref() != Some("checks") {
        pace();
    }
}

/// What one verification costs, per language (the first job, then the later ones).
fn checks(jobs: usize) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/verify");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    println!("verification: {jobs} right answers per project, a fresh copy each run");
    println!(
        "{:<8} {:<12} {:>12} {:>14} {:>14}",
        "project", "verified by", "first job", "later (median)", "later (max)"
    );
    for (name, file, answer) in [
        ("shop", "internal/handler/order.go", GO_ANSWER),
        ("ledger", "src/lib.rs", RUST_ANSWER),
    ] {
        let copy = tempfile::tempdir().expect("a temporary folder");
        copy_dir(&fixtures.join(name), copy.path());
        let path = copy.path().join(file);
        let expected = expected(&path, file);
        let checked = check::check(answer, &expected).expect("the answer passes the check");
        let verifier = Verifier::new(Mode::Auto, Duration::from_secs(120), 2);
        let mut times = Vec::new();
        let mut verified_by = String::new();
        for _ in 0..jobs {
            let started = Instant::now();
            let verdict = runtime.block_on(verifier.verify(&expected, &checked));
            times.push(started.elapsed());
            verified_by = verdict.label();
            if !matches!(verdict, Verdict::Verified { .. }) {
                println!("{name:<8} {verified_by}");
                break;
            }
        }
        let first = times[0];
        let mut later = times[1..].to_vec();
        later.sort();
        let median = later.get(later.len() / 2).copied().unwrap_or_default();
        let max = later.last().copied().unwrap_or_default();
        println!(
            "{name:<8} {verified_by:<12} {:>12} {:>14} {:>14}",
            report::secs(first),
            report::secs(median),
            report::secs(max)
        );
    }
}

fn expected(path: &Path, name: &str) -> Expected {
    let source = std::fs::read_to_string(path).expect("the fixture's source");
    let lang = Lang::of(path).expect("a known language");
    Expected {
        target: TargetFile {
            name: name.to_string(),
            path: path.to_path_buf(),
            stubs: lang.stubs_in(&source, &Markers::default()),
            source,
        },
        dependent: None,
        markers: Markers::default(),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("the fixture") {
        let entry = entry.expect("an entry");
        let target: PathBuf = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("a copy");
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// pace

const PACE_FILES: usize = 100;
const PACE_CONCURRENCY: usize = 50;
const PACE_LATENCY: Duration = Duration::from_secs(1);
const PACE_TARGET: f64 = 1.15;

/// A Go module of `files` files in one package, each with one stub.
fn pace_project(files: usize) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("assistant-verify-pace-")
        .tempdir()
        .expect("a temporary folder");
    std::fs::write(dir.path().join("go.mod"), "module pace\n\ngo 1.19\n").expect("go.mod");
    let pkg = dir.path().join("handler");
    std::fs::create_dir_all(&pkg).expect("a folder");
    for i in 0..files {
        let source = format!(
            "package handler\n\n// Total{i:03} returns the sum of items.\n\
             func Total{i:03}(items []int64) int64 {{\n\tpanic(\"implement me\")\n}}\n"
        );
        std::fs::write(pkg.join(format!("f{i:03}.go")), source).expect("a source file");
    }
    dir
}

/// A right answer for the stub the request asks for.
fn pace_answer(request: &Recorded) -> Option<String> {
    let user = request.body["messages"]
        .as_array()?
        .iter()
        .find(|m| m["role"] == "user")?["content"]
        .as_str()?;
    let at = user.find("func Total")?;
    let name = &user[at + "func ".len()..at + "func Total000".len()];
    let number = &name["Total".len()..];
    Some(format!(
        "```go\n// file: handler/f{number}.go\npackage handler\n\n// {name} returns the sum of items.\n\
         func {name}(items []int64) int64 {{\n\tvar sum int64\n\tfor _, item := range items {{\n\
         \t\tsum += item\n\t}}\n\treturn sum\n}}\n```\n"
    ))
}

/// One generate run: wall time, jobs succeeded / verified / failed, `verify_runs`.
fn pace_run(server: &FakeLlm, files: usize, verify: &str) -> (Duration, u64, u64, u64, u64) {
    let dir = pace_project(files);
    let started = Instant::now();
    let output = std::process::Command::new(options::assistant_bin())
        .args([
            "generate",
            "--type",
            "openai",
            "--api-key",
            "x",
            "--format",
            "json",
        ])
        .args(["--base-url", &server.base_url()])
        .args([
            "--concurrency",
            &PACE_CONCURRENCY.to_string(),
            "--verify",
            verify,
        ])
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .output()
        .expect("assistant runs");
    let wall = started.elapsed();
    let summary = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|e| e["event"] == "summary")
        .unwrap_or_default();
    let n = |key: &str| summary[key].as_u64().unwrap_or(0);
    (
        wall,
        n("succeeded"),
        n("verified"),
        n("failed"),
        n("verify_runs"),
    )
}

fn pace() {
    println!(
        "== pace: {PACE_FILES} one-stub files in one package, --concurrency {PACE_CONCURRENCY}, \
         a server answering after {} s",
        PACE_LATENCY.as_secs_f64()
    );
    let server = FakeLlm::start(Script::new(Behaviour::Empty).pick(|request| {
        let mut reply = Reply::text(&pace_answer(request)?);
        reply.first_token_delay = PACE_LATENCY;
        Some(Behaviour::Answer(reply))
    }));
    let (single, ..) = pace_run(&server, 1, "off");
    let ideal = single.mul_f64(PACE_FILES.div_ceil(PACE_CONCURRENCY) as f64);
    println!(
        "one job (--verify off): {} → ideal {}",
        report::secs(single),
        report::secs(ideal)
    );
    for verify in ["off", "on"] {
        let (wall, succeeded, verified, failed, runs) = pace_run(&server, PACE_FILES, verify);
        let ratio = wall.as_secs_f64() / ideal.as_secs_f64();
        let target = if verify == "on" {
            format!(
                "  [{} ratio ≤ {PACE_TARGET}]",
                report::verdict(ratio <= PACE_TARGET && failed == 0)
            )
        } else {
            String::new()
        };
        println!(
            "--verify {verify:<3}: {} wall, {ratio:.3}× ideal; {succeeded} ok ({verified} verified), \
             {failed} failed; {runs} toolchain runs ({:.1} per 100 jobs){target}",
            report::secs(wall),
            runs as f64 * 100.0 / PACE_FILES as f64
        );
    }
}
