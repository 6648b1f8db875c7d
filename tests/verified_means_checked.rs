//! "Verified means checked" (issue 17): no sidecar says `verified: go build` for code the compiler did
//! not type-check, on Debian's Go 1.19 and on the current Go that `.ci/go-current.sh` installs under
//! `target/` (or `ASSISTANT_GO_CURRENT`); each test says which Go it ran with, and skips one that is
//! missing. Fixtures are made by hand from `tests/fixtures/verify/shop` (stdlib only): a module that
//! requires a module found nowhere, a file for another OS and a build-tagged file, a split file whose
//! parts collide, a go.mod with a three-part `go` line. Nothing is downloaded: `.cargo/config.toml`
//! pins GOPROXY=off and GOTOOLCHAIN=local for the tests.

#[path = "support/fake_batch.rs"]
mod fake_batch;
#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;
use fake_batch::{FakeBatch, Plan};
use fake_llm::{Behaviour, FakeLlm, Recorded, Reply, Script};
use project::{assistant, copy_dir, events, manifest_dir};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-verify-0xFEED";
const HANDLER: &str = "internal/handler/order.go";

const CANCEL: &str = "\torder, err := h.orderDao.GetByID(ctx, id)
\tif err != nil {
\t\treturn err
\t}
\torder.Status = \"cancelled\"
\treturn h.orderDao.Update(ctx, order)";
const TOTAL: &str = "\torder, err := h.orderDao.GetByID(ctx, id)
\tif err != nil {
\t\treturn 0, err
\t}
\treturn order.Total, nil";

fn cancel(body: &str, extra: &str) -> String {
    format!(
        "// Cancel cancels the order with this id.\n\
         func (h *orderHandler) Cancel(ctx context.Context, id uint64) error {{\n{body}\n}}\n{extra}"
    )
}

fn total(body: &str, extra: &str) -> String {
    format!(
        "// Total returns the order's total in cents.\n\
         func (h *orderHandler) Total(ctx context.Context, id uint64) (int64, error) {{\n{body}\n}}\n{extra}"
    )
}

/// An answer for the handler file with these declarations, importing only `context`.
fn handler_answer(declarations: &[String]) -> String {
    format!(
        "```go\n// file: {HANDLER}\npackage handler\n\nimport (\n\t\"context\"\n)\n\n{}```\n",
        declarations.join("\n")
    )
}

/// Both stubs right, with a planted compile error in Total.
fn flawed() -> String {
    handler_answer(&[
        cancel(CANCEL, ""),
        total(&format!("\tflawUnused := 0\n{TOTAL}"), ""),
    ])
}

fn right() -> String {
    handler_answer(&[cancel(CANCEL, ""), total(TOTAL, "")])
}

/// A Go toolchain to run `assistant` with: the folder put first on PATH (none: PATH as it is).
struct Go {
    dir: Option<PathBuf>,
    version: String,
}

impl Go {
    fn path_env(&self) -> std::ffi::OsString {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs: Vec<PathBuf> = self.dir.iter().cloned().collect();
        dirs.extend(std::env::split_paths(&path));
        std::env::join_paths(dirs).unwrap()
    }

    /// Whether this Go understands a three-part `go` line (1.21 and later).
    fn is_current(&self) -> bool {
        let minor = self
            .version
            .split_whitespace()
            .nth(2)
            .and_then(|v| v.strip_prefix("go1."))
            .and_then(|v| v.split('.').next())
            .and_then(|v| v.parse::<u32>().ok());
        minor.is_some_and(|m| m >= 21)
    }
}

fn version_of(go: &Path) -> Option<String> {
    let output = StdCommand::new(go).arg("version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The Go on PATH (Debian's 1.19 on CI) and the current one, each when installed; says which.
fn gos() -> Vec<Go> {
    let mut found = Vec::new();
    match version_of(Path::new("go")) {
        Some(version) => found.push(Go { dir: None, version }),
        None => eprintln!("skipped on the Go on PATH: there is none"),
    }
    let current = std::env::var_os("ASSISTANT_GO_CURRENT")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("target/go-current/goroot/bin/go"));
    match version_of(&current) {
        Some(version) => found.push(Go {
            dir: current.parent().map(Path::to_path_buf),
            version,
        }),
        None => eprintln!(
            "skipped on the current Go: {} is not installed (bash .ci/go-current.sh installs it)",
            current.display()
        ),
    }
    for go in &found {
        eprintln!("testing with {}", go.version);
    }
    found
}

fn shop() -> TempDir {
    let dir = TempDir::new().unwrap();
    copy_dir(
        &manifest_dir().join("tests/fixtures/verify/shop"),
        dir.path(),
    );
    dir
}

fn messages(request: &Recorded) -> &[Value] {
    request.body["messages"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

fn chats(server: &FakeLlm) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .collect()
}

fn first_user_message(request: &Recorded) -> String {
    messages(request)
        .iter()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

fn last_user_message(request: &Recorded) -> String {
    messages(request)
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// First requests get `first(request)`, repair requests (four messages or more) `repaired(request)`.
fn server(
    first: impl Fn(&Recorded) -> String + Send + Sync + 'static,
    repaired: impl Fn(&Recorded) -> String + Send + Sync + 'static,
) -> FakeLlm {
    FakeLlm::start(Script::new(Behaviour::Empty).pick(move |request| {
        let text = if messages(request).len() >= 4 {
            repaired(request)
        } else {
            first(request)
        };
        Some(Behaviour::answer(&text))
    }))
}

struct Run {
    code: Option<i32>,
    events: Vec<Value>,
    stderr: String,
}

impl Run {
    fn of(cmd: &mut Command) -> Run {
        let output = cmd.output().unwrap();
        Run {
            code: output.status.code(),
            events: events(&output.stdout),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn all(&self, kind: &str) -> Vec<&Value> {
        self.events.iter().filter(|e| e["event"] == kind).collect()
    }

    fn summary(&self) -> &Value {
        let found = self.all("summary");
        assert_eq!(found.len(), 1, "{:?}\n{}", self.events, self.stderr);
        found[0]
    }
}

fn generate(dir: &Path, server: &FakeLlm, go: &Go) -> Command {
    let mut cmd = project::generate(dir, &server.base_url(), KEY);
    cmd.args(["--format", "json", "--verify-timeout", "300"])
        .env("PATH", go.path_env())
        .timeout(Duration::from_secs(600));
    cmd
}

/// The `verified:` header line of a sidecar, checked to be the header's only line for it.
fn verified_header(sidecar: &Path) -> String {
    let text = fs::read_to_string(sidecar).unwrap_or_else(|e| panic!("{}: {e}", sidecar.display()));
    let header: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert!(header.iter().all(|l| l.starts_with("//")), "{text}");
    header
        .iter()
        .find_map(|l| l.strip_prefix("// verified: "))
        .unwrap_or_else(|| panic!("no verified line in\n{text}"))
        .to_string()
}

fn merge(dir: &Path) -> std::process::Output {
    let backups = TempDir::new().unwrap();
    assistant(dir)
        .env("TMPDIR", backups.path())
        .args(["merge", "--clean"])
        .output()
        .unwrap()
}

fn go_build(dir: &Path, go: &Go, env: &[(&str, &str)]) -> std::process::Output {
    StdCommand::new("go")
        .args(["build", "./..."])
        .current_dir(dir)
        .env("PATH", go.path_env())
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn a_module_whose_requirements_cannot_be_loaded_is_never_verified() {
    for go in gos() {
        let shop = shop();
        let root = shop.path();
        fs::write(
            root.join("go.mod"),
            "module shop\n\ngo 1.19\n\nrequire example.invalid/missing v1.0.0\n",
        )
        .unwrap();
        let hash = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        fs::write(
            root.join("go.sum"),
            format!(
                "example.invalid/missing v1.0.0 {hash}\nexample.invalid/missing v1.0.0/go.mod {hash}\n"
            ),
        )
        .unwrap();
        fs::write(
            root.join("internal/handler/client.go"),
            "package handler\n\nimport _ \"example.invalid/missing\"\n",
        )
        .unwrap();
        let server = server(|_| flawed(), |_| flawed());
        let run = Run::of(&mut generate(root, &server, &go));
        assert_eq!(run.code, Some(0), "{}: {}", go.version, run.stderr);
        let succeeded = run.all("job_succeeded");
        assert_eq!(succeeded.len(), 1, "{}: {:?}", go.version, run.events);
        let label = succeeded[0]["verified"].as_str().unwrap();
        assert!(label.starts_with("no ("), "{}: {label}", go.version);
        assert_eq!(run.summary()["verified"], 0);
        let header = verified_header(&root.join("internal/handler/order.go.assistant"));
        assert_eq!(header, label);
        assert!(!root.join("go.mod.assistant").exists());
        assert_eq!(
            fs::read_to_string(root.join("go.mod")).unwrap(),
            "module shop\n\ngo 1.19\n\nrequire example.invalid/missing v1.0.0\n",
            "go.mod was written"
        );
    }
}

/// A stub in a file for another OS, and one behind a build tag: the answer's `undefinedThing` is
/// found by compiling each under its own constraints, and goes back to the model.
#[test]
fn files_outside_the_default_build_are_checked_under_their_own_constraints() {
    let files = [
        ("internal/handler/path_windows.go", ""),
        ("internal/handler/extra.go", "//go:build integration\n\n"),
    ];
    for go in gos() {
        for (file, constraint) in files {
            let shop = shop();
            let root = shop.path();
            let stub = format!(
                "{constraint}package handler\n\n// Separator is the separator of export paths.\n\
                 func Separator() string {{\n\tpanic(\"implement me\")\n}}\n"
            );
            fs::write(root.join(file), stub).unwrap();
            let answer = move |body: &str| {
                format!(
                    "```go\n// file: {file}\npackage handler\n\n// Separator is the separator of export paths.\n\
                     func Separator() string {{\n\t{body}\n}}\n```\n"
                )
            };
            let (broken, fixed) = (answer("return undefinedThing"), answer("return \"/\""));
            let server = server(move |_| broken.clone(), move |_| fixed.clone());
            let run = Run::of(generate(root, &server, &go).args(["--file", file]));
            assert_eq!(run.code, Some(0), "{} {file}: {}", go.version, run.stderr);
            let succeeded = run.all("job_succeeded");
            assert_eq!(succeeded.len(), 1, "{:?}", run.events);
            assert_eq!(
                succeeded[0]["repair_rounds"], 1,
                "{} {file}: {:?}",
                go.version, succeeded
            );
            assert_eq!(succeeded[0]["verified"], "go build", "{}", go.version);
            let repair = last_user_message(&chats(&server)[1]);
            assert!(repair.contains("undefinedThing"), "{repair}");
            assert_eq!(
                verified_header(&root.join(format!("{file}.assistant"))),
                "go build"
            );
        }
    }
}

/// A file with more stubs than `--group-size` is split into parts; both parts add a helper of the
/// same name (with different signatures). The later one is asked again; the combined sidecar builds.
#[test]
fn the_parts_of_a_split_file_are_verified_together() {
    for go in gos() {
        let shop = shop();
        let root = shop.path();
        let is_cancel = |request: &Recorded| {
            first_user_message(request).contains("Cancel(ctx context.Context, id uint64) error {\n")
        };
        let server = server(
            move |request| {
                if is_cancel(request) {
                    handler_answer(&[cancel(
                        &CANCEL.replacen("GetByID(ctx, id)", "GetByID(ctx, orderKey(id))", 1),
                        "\n// orderKey is the dao's key of an order id.\nfunc orderKey(id uint64) uint64 {\n\treturn id\n}\n",
                    )])
                } else {
                    handler_answer(&[total(
                        &TOTAL.replace("order.Total, nil", "order.Total + orderKey(0), nil"),
                        "\n// orderKey is the extra of an order.\nfunc orderKey(id uint64) int64 {\n\treturn 0\n}\n",
                    )])
                }
            },
            move |request| {
                if is_cancel(request) {
                    handler_answer(&[cancel(CANCEL, "")])
                } else {
                    handler_answer(&[total(TOTAL, "")])
                }
            },
        );
        let run = Run::of(generate(root, &server, &go).args(["--group-size", "1"]));
        assert_eq!(run.code, Some(0), "{}: {}", go.version, run.stderr);
        let succeeded = run.all("job_succeeded");
        assert_eq!(succeeded.len(), 2, "{:?}", run.events);
        let rounds: u64 = succeeded
            .iter()
            .map(|e| e["repair_rounds"].as_u64().unwrap())
            .sum();
        assert_eq!(rounds, 1, "{}: {succeeded:?}", go.version);
        let repairs: Vec<String> = chats(&server)
            .iter()
            .filter(|r| messages(r).len() >= 4)
            .map(last_user_message)
            .collect();
        assert_eq!(repairs.len(), 1);
        assert!(repairs[0].contains("orderKey"), "{}", repairs[0]);
        assert_eq!(
            verified_header(&root.join(format!("{HANDLER}.assistant"))),
            "go build"
        );
        let merged = merge(root);
        assert!(
            merged.status.success(),
            "{}",
            String::from_utf8_lossy(&merged.stderr)
        );
        let build = go_build(root, &go, &[]);
        assert!(
            build.status.success(),
            "{}: {}",
            go.version,
            String::from_utf8_lossy(&build.stderr)
        );
    }
}

/// Debian's Go 1.19 cannot read a `go 1.22.9` line; the reason it gives spans two lines. The sidecar
/// says `no (…)` on one line and merges; a current Go verifies the same answer.
#[test]
fn a_three_part_go_line_gives_a_one_line_reason_and_sidecars_that_merge() {
    for go in gos() {
        let shop = shop();
        let root = shop.path();
        fs::write(root.join("go.mod"), "module shop\n\ngo 1.22.9\n").unwrap();
        let server = server(|_| right(), |_| right());
        let run = Run::of(&mut generate(root, &server, &go));
        assert_eq!(run.code, Some(0), "{}: {}", go.version, run.stderr);
        let label = run.all("job_succeeded")[0]["verified"]
            .as_str()
            .unwrap()
            .to_string();
        if go.is_current() {
            assert_eq!(label, "go build", "{}", go.version);
        } else {
            assert!(label.starts_with("no ("), "{}: {label}", go.version);
        }
        assert_eq!(
            verified_header(&root.join(format!("{HANDLER}.assistant"))),
            label
        );
        let merged = merge(root);
        assert!(
            merged.status.success(),
            "{}: {}",
            go.version,
            String::from_utf8_lossy(&merged.stderr)
        );
        let text = fs::read_to_string(root.join(HANDLER)).unwrap();
        assert!(!text.contains("implement me"), "{text}");
    }
}

/// Answers that land together in one package share toolchain runs; the one with an error is
/// repaired, the others are verified without it.
#[test]
fn answers_of_one_package_share_toolchain_runs() {
    const FILES: usize = 12;
    let Some(go) = gos().into_iter().next() else {
        return;
    };
    let shop = shop();
    let root = shop.path();
    let calc = root.join("internal/calc");
    fs::create_dir_all(&calc).unwrap();
    for i in 0..FILES {
        fs::write(
            calc.join(format!("f{i}.go")),
            format!("package calc\n\n// F{i} returns {i}.\nfunc F{i}() int {{\n\tpanic(\"implement me\")\n}}\n"),
        )
        .unwrap();
    }
    let which = |request: &Recorded| {
        let prompt = first_user_message(request);
        (0..FILES)
            .find(|i| prompt.contains(&format!("func F{i}() int {{\n")))
            .unwrap_or(0)
    };
    let answer = |i: usize, body: &str| {
        format!(
            "```go\n// file: internal/calc/f{i}.go\npackage calc\n\n// F{i} returns {i}.\nfunc F{i}() int {{\n{body}\n}}\n```\n"
        )
    };
    let script = Script::new(Behaviour::Empty).pick(move |request| {
        let i = which(request);
        let body = if i == 3 && messages(request).len() < 4 {
            "\tflawUnused := 0\n\treturn 3".to_string()
        } else {
            format!("\treturn {i}")
        };
        let mut reply = Reply::text(&answer(i, &body));
        reply.first_token_delay = Duration::from_millis(500);
        Some(Behaviour::Answer(reply))
    });
    let server = FakeLlm::start(script);
    let run = Run::of(generate(root, &server, &go).args([
        "--concurrency",
        "20",
        "--dir",
        "internal/calc",
    ]));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let summary = run.summary();
    assert_eq!(summary["verified"], FILES, "{summary}");
    let runs = summary["verify_runs"].as_u64().unwrap();
    eprintln!("{FILES} jobs, {runs} toolchain runs ({})", go.version);
    // A baseline, one combined run, the flawed answer alone, its repair: a few, not one per job.
    assert!(runs <= 6, "{runs} toolchain runs for {FILES} jobs");
    let flawed: Vec<&Value> = run
        .all("job_succeeded")
        .into_iter()
        .filter(|e| e["repair_rounds"] != 0)
        .collect();
    assert_eq!(flawed.len(), 1, "{:?}", run.events);
    assert!(
        flawed[0]["file"].as_str().unwrap().ends_with("f3.go"),
        "{:?}",
        flawed[0]
    );
}

/// The same on the batch road: `batch collect` verifies and writes sidecars whose header stays on one
/// line (Go 1.19 on a `go 1.22.9` module) and that merge.
#[test]
fn batch_collect_writes_one_line_verdicts_that_merge() {
    for go in gos() {
        let shop = shop();
        let root = shop.path();
        fs::write(root.join("go.mod"), "module shop\n\ngo 1.22.9\n").unwrap();
        let server = FakeBatch::start(Plan::new(|_, _| right()));
        let submitted = assistant(root)
            .args([
                "generate", "--batch", "--type", "openai", "--verify", "auto",
            ])
            // As `generate` above: a cold Go build cache under a loaded machine needs more than 120 s.
            .args(["--verify-timeout", "300"])
            .args(["--base-url", &server.base_url(), "--api-key", KEY])
            .env("PATH", go.path_env())
            .output()
            .unwrap();
        assert!(
            submitted.status.success(),
            "{}",
            String::from_utf8_lossy(&submitted.stderr)
        );
        let collected = assistant(root)
            .args([
                "batch",
                "collect",
                "--wait",
                "--format",
                "json",
                "--api-key",
                KEY,
            ])
            .env("ASSISTANT_BATCH_POLL_MS", "40")
            .env("PATH", go.path_env())
            .timeout(Duration::from_secs(600))
            .output()
            .unwrap();
        let run = Run {
            code: collected.status.code(),
            events: events(&collected.stdout),
            stderr: String::from_utf8_lossy(&collected.stderr).into_owned(),
        };
        assert_eq!(run.code, Some(0), "{}: {}", go.version, run.stderr);
        let succeeded = run.all("job_succeeded");
        assert_eq!(succeeded.len(), 1, "{:?}", run.events);
        let label = succeeded[0]["verified"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if go.is_current() {
            assert_eq!(label, "go build", "{}", go.version);
        } else {
            assert!(label.starts_with("no ("), "{}: {label}", go.version);
        }
        assert_eq!(
            verified_header(&root.join(format!("{HANDLER}.assistant"))),
            label
        );
        let merged = merge(root);
        assert!(
            merged.status.success(),
            "{}: {}",
            go.version,
            String::from_utf8_lossy(&merged.stderr)
        );
    }
}
