//! Ctrl-C during `generate`: exit 130, a summary, only whole sidecars, and no request after the signal.

#[path = "support/fake_llm.rs"]
mod fake_llm;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_llm::{Behaviour, FakeLlm, Recorded, Reply, Script};
use tempfile::TempDir;

const FILES: usize = 12;

/// A project of `FILES` files with one stub each.
fn project() -> TempDir {
    let dir = TempDir::new().unwrap();
    for i in 0..FILES {
        fs::write(
            dir.path().join(format!("f{i:02}.go")),
            format!("package p\n\n// Stub{i} returns nil.\nfunc Stub{i}() error {{\n\tpanic(\"implement me\")\n}}\n"),
        )
        .unwrap();
    }
    dir
}

/// A slow, correct answer for whichever stub the request names.
fn answer(request: &Recorded) -> Option<Behaviour> {
    let body = request.body.to_string();
    let i = (0..FILES).find(|i| body.contains(&format!("func Stub{i}() error")))?;
    let text = format!(
        "```go\n// file: f{i:02}.go\npackage p\n\n// Stub{i} returns nil.\nfunc Stub{i}() error {{\n\treturn nil\n}}\n```\n"
    );
    Some(Behaviour::Answer(Reply {
        first_token_delay: Duration::from_millis(700),
        chunk_delay: Duration::from_millis(100),
        ..Reply::text(&text)
    }))
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_new_requests_keeps_whole_sidecars_and_exits_130() {
    let project = project();
    let server = FakeLlm::start(Script::new(Behaviour::Empty).pick(answer));
    let child = Command::new(assert_cmd::cargo::cargo_bin("assistant"))
        .current_dir(project.path())
        .args([
            "generate",
            "--type",
            "openai",
            "--api-key",
            "k",
            "--concurrency",
            "2",
        ])
        .arg("--base-url")
        .arg(server.base_url())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Let a few jobs land, then interrupt while others are in flight.
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.request_count() < 5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let signalled_at = Instant::now();
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let output = child.wait_with_output().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("(interrupted)"), "{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    let requests = server.requests();
    // A request the client sent just before the signal reached it may be received just after
    // `signalled_at` (taken before `kill`); one that Ctrl-C failed to stop comes an answer's time
    // (800 ms and more) later.
    let delivered = signalled_at + Duration::from_millis(50);
    assert!(
        requests.iter().all(|r| r.at <= delivered),
        "a request started after Ctrl-C"
    );
    assert!(
        requests.len() < FILES,
        "every job ran: the signal came too late"
    );

    let (mut sidecars, mut others) = (0, Vec::new());
    for entry in fs::read_dir(project.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".go.assistant") {
            let sidecar = assistant::sidecar::read(&path).expect("a whole, readable sidecar");
            assert!(sidecar.code.contains("return nil"));
            sidecars += 1;
        } else if !name.ends_with(".go") {
            others.push(name);
        }
    }
    assert!(others.is_empty(), "stray files: {others:?}");
    let ok: usize = stderr
        .lines()
        .find_map(|l| l.split(" ok,").next()?.rsplit(' ').next()?.parse().ok())
        .expect("summary line");
    assert_eq!(sidecars, ok, "{stderr}");
    assert!((2..FILES).contains(&sidecars), "{sidecars} sidecars");
    assert_sources_untouched(project.path());
}

fn assert_sources_untouched(dir: &Path) {
    for i in 0..FILES {
        let source = fs::read_to_string(dir.join(format!("f{i:02}.go"))).unwrap();
        assert!(source.contains("panic(\"implement me\")"));
    }
}
