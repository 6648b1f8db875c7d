//! A server with a few slots (a vLLM/Ollama box) that answers 429 + `Retry-After` beyond them, at
//! several `--concurrency` ceilings: the learned concurrency keeps every job alive on the default
//! retries, and refusals stay a small share of the requests.

#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::time::Duration;

use fake_llm::{Behaviour, FakeLlm, Reply, Script};
use project::{assistant, events};
use tempfile::TempDir;

/// A short answer after a short think: long enough that the slots fill, short enough for a test.
fn reply(job: usize) -> Reply {
    Reply {
        first_token_delay: Duration::from_millis(150),
        chunk_delay: Duration::from_millis(10),
        ..Reply::text(&format!(
            "```go\n// file: f{job:03}.go\npackage p\n\n// Stub{job} returns {job}.\nfunc Stub{job}() int {{\n\treturn {job}\n}}\n```\n"
        ))
    }
}

fn slotted_server(jobs: usize, slots: usize) -> FakeLlm {
    let script = Script::new(Behaviour::Empty)
        .slots(slots, Duration::from_secs(1))
        .pick(move |request| {
            let body = request.body.to_string();
            let job = (0..jobs).find(|j| body.contains(&format!("func Stub{j}() int")))?;
            Some(Behaviour::Answer(reply(job)))
        });
    FakeLlm::start(script)
}

fn project(jobs: usize) -> TempDir {
    let dir = TempDir::new().unwrap();
    for job in 0..jobs {
        let source = format!(
            "package p\n\n// Stub{job} returns {job}.\nfunc Stub{job}() int {{\n\tpanic(\"implement me\")\n}}\n"
        );
        fs::write(dir.path().join(format!("f{job:03}.go")), source).unwrap();
    }
    dir
}

/// Runs `jobs` jobs at `--concurrency ceiling` against `slots` slots and checks the outcome.
fn holds_up(jobs: usize, slots: usize, ceiling: usize) {
    let dir = project(jobs);
    let server = slotted_server(jobs, slots);
    let output = assistant(dir.path())
        .args(["generate", "--type", "openai", "--api-key", "k"])
        .args(["--format", "json", "--verify", "off"])
        .args(["--concurrency", &ceiling.to_string()])
        .args(["--base-url", &server.base_url()])
        .output()
        .unwrap();
    let events = events(&output.stdout);
    let summary = events.last().expect("events");
    assert_eq!(summary["event"], "summary");
    assert_eq!(output.status.code(), Some(0), "{summary}");
    assert_eq!(summary["succeeded"], jobs, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");

    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!(statuses.len() - refused, jobs, "{statuses:?}");
    assert!(
        refused * 2 <= jobs,
        "{refused} refusals for {jobs} jobs ({slots} slots, ceiling {ceiling})"
    );
    assert_eq!(summary["attempts"], statuses.len(), "{summary}");
    let learned = summary["concurrency_learned"].as_u64().expect("learned") as usize;
    assert!(
        (1..=slots + 1).contains(&learned),
        "learned {learned} for {slots} slots"
    );
    assert!(server.peak_busy() <= slots);
    println!(
        "{jobs} jobs, {slots} slots, ceiling {ceiling}: {refused} refused, learned {learned}, {} s",
        summary["seconds"]
    );
}

#[test]
fn four_slots_under_a_ceiling_of_ten() {
    holds_up(40, 4, 10);
}

#[test]
fn four_slots_under_a_ceiling_of_thirty_two() {
    holds_up(48, 4, 32);
}

#[test]
fn six_slots_under_a_ceiling_of_forty_eight() {
    holds_up(60, 6, 48);
}

#[test]
fn a_server_without_slots_keeps_the_ceiling() {
    let jobs = 12;
    let dir = project(jobs);
    let server = FakeLlm::start(Script::new(Behaviour::Empty).pick(move |request| {
        let body = request.body.to_string();
        let job = (0..jobs).find(|j| body.contains(&format!("func Stub{j}() int")))?;
        Some(Behaviour::Answer(reply(job)))
    }));
    let output = assistant(dir.path())
        .args(["generate", "--type", "openai", "--api-key", "k"])
        .args(["--format", "json", "--verify", "off", "--concurrency", "8"])
        .args(["--base-url", &server.base_url()])
        .output()
        .unwrap();
    let events = events(&output.stdout);
    let summary = events.last().expect("events");
    assert_eq!(summary["succeeded"], jobs, "{summary}");
    assert_eq!(summary["concurrency_learned"], 8, "{summary}");
}
