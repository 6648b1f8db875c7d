//! Chaos: 200 jobs against a server that fails at random (fixed seed). Every fault that can pass must cost
//! retries, not files; with no retries, the faults become clear per-file failures and sources stay as
//! they were.
//!
//! Each job's fault sequence is a pure function of (seed, stub, attempt), so the outcome does not depend
//! on the order requests arrive in: the test knows in advance how many attempts each job needs and
//! which jobs fail without retries.

#[path = "support/fake_llm.rs"]
mod fake_llm;

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::Command;
use fake_llm::{Behaviour, FakeLlm, Reply, Script};
use serde_json::Value;
use tempfile::TempDir;

const JOBS: usize = 200;
const SEED: u64 = 0x5EED_2026;

/// The fault mix of the issue: 30% 5xx, 10% dropped streams, 10% stalls past the idle watchdog, 5%
/// malformed chunks; the rest answer. (Bursts of 429 come first, for everyone.)
fn fault(job: usize, attempt: u32) -> Option<Behaviour> {
    let roll = splitmix(SEED ^ ((job as u64) << 16) ^ u64::from(attempt)) % 100;
    match roll {
        0..=9 => Some(Behaviour::ServerError(500)),
        10..=19 => Some(Behaviour::ServerError(502)),
        20..=29 => Some(Behaviour::ServerError(503)),
        30..=39 => Some(Behaviour::DropMidStream),
        40..=49 => Some(Behaviour::Stall),
        50..=54 => Some(Behaviour::Malformed),
        _ => None,
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Attempts job `job` needs before an answer (faults are per attempt).
fn attempts_needed(job: usize) -> u32 {
    (1..)
        .find(|&attempt| fault(job, attempt).is_none())
        .unwrap()
}

fn project() -> TempDir {
    let dir = TempDir::new().unwrap();
    for job in 0..JOBS {
        fs::write(dir.path().join(format!("f{job:03}.go")), source(job)).unwrap();
    }
    dir
}

fn source(job: usize) -> String {
    format!("package p\n\n// Stub{job} returns {job}.\nfunc Stub{job}() int {{\n\tpanic(\"implement me\")\n}}\n")
}

/// A server whose answer to each job's n-th attempt is `fault(job, n)` or the right code.
fn chaos_server(burst_of_429: usize) -> FakeLlm {
    let attempts: Arc<Mutex<HashMap<usize, u32>>> = Arc::default();
    let burst = (0..burst_of_429).map(|_| Behaviour::RateLimited(Some(Duration::from_secs(1))));
    FakeLlm::start(Script::new(Behaviour::Empty).first(burst).pick(move |request| {
        let body = request.body.to_string();
        let job = (0..JOBS).find(|j| body.contains(&format!("func Stub{j}() int")))?;
        let attempt = {
            let mut attempts = attempts.lock().unwrap();
            let n = attempts.entry(job).or_insert(0);
            *n += 1;
            *n
        };
        fault(job, attempt).or_else(|| {
            Some(Behaviour::Answer(Reply::text(&format!(
                "```go\n// file: f{job:03}.go\npackage p\n\n// Stub{job} returns {job}.\nfunc Stub{job}() int {{\n\treturn {job}\n}}\n```\n"
            ))))
        })
    }))
}

fn run(dir: &Path, server: &FakeLlm, retries: u32) -> (Option<i32>, Vec<Value>) {
    let output = Command::cargo_bin("assistant")
        .unwrap()
        .current_dir(dir)
        .args([
            "generate",
            "--type",
            "openai",
            "--api-key",
            "k",
            "--format",
            "json",
        ])
        .args([
            "--concurrency",
            "50",
            "--idle-timeout",
            "0.3",
            "--backoff-base-ms",
            "20",
        ])
        .args([
            "--retries",
            &retries.to_string(),
            "--base-url",
            &server.base_url(),
        ])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let events = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (output.status.code(), events)
}

fn summary(events: &[Value]) -> &Value {
    let last = events.last().expect("events");
    assert_eq!(last["event"], "summary");
    last
}

#[test]
fn every_job_ends_ok_within_its_retries() {
    let worst = (0..JOBS).map(attempts_needed).max().unwrap();
    // Every job may also meet one 429 of the opening burst.
    let retries = worst + 1;
    let dir = project();
    let server = chaos_server(20);
    let (code, events) = run(dir.path(), &server, retries);
    let summary = summary(&events);
    assert_eq!(code, Some(0), "{summary}");
    assert_eq!(summary["succeeded"], JOBS);
    assert_eq!(summary["failed"], 0);
    let faults: u32 = (0..JOBS).map(|j| attempts_needed(j) - 1).sum();
    let attempts = summary["attempts"].as_u64().unwrap() as u32;
    // Each fault cost exactly one attempt; the burst's 429s cost one each on top.
    assert!(
        (JOBS as u32 + faults..=JOBS as u32 + faults + 20).contains(&attempts),
        "{attempts} attempts for {faults} faults"
    );

    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2 * JOBS, "stray or missing files");
    for job in 0..JOBS {
        let sidecar = assistant::sidecar::read(&dir.path().join(format!("f{job:03}.go.assistant")))
            .unwrap_or_else(|e| panic!("job {job}: {e}"));
        assert_eq!(
            sidecar.source_sha256,
            assistant::sidecar::sha256_hex(source(job).as_bytes())
        );
        assert_eq!(sidecar.functions, [format!("Stub{job}")]);
        assert!(sidecar.code.contains(&format!("return {job}")));
    }
}

#[test]
fn without_retries_faults_are_clear_per_file_failures() {
    let dir = project();
    let server = chaos_server(0);
    let (code, events) = run(dir.path(), &server, 0);
    assert_eq!(code, Some(1));
    let expected_failures: Vec<String> = (0..JOBS)
        .filter(|&j| attempts_needed(j) > 1)
        .map(|j| format!("f{j:03}.go"))
        .collect();
    let mut failed: Vec<String> = events
        .iter()
        .filter(|e| e["event"] == "job_failed")
        .map(|e| {
            let error = e["error"].as_str().unwrap();
            assert!(!error.is_empty() && error.contains("attempt"), "{error}");
            e["file"].as_str().unwrap().to_string()
        })
        .collect();
    failed.sort();
    assert_eq!(failed, expected_failures);
    let summary = summary(&events);
    assert_eq!(summary["failed"], expected_failures.len());
    assert_eq!(summary["succeeded"], JOBS - expected_failures.len());
    for job in 0..JOBS {
        let name = format!("f{job:03}.go");
        assert_eq!(
            fs::read_to_string(dir.path().join(&name)).unwrap(),
            source(job)
        );
        let has_sidecar = dir.path().join(format!("{name}.assistant")).exists();
        assert_eq!(has_sidecar, !failed.contains(&name), "{name}");
    }
}
