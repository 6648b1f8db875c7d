//! The key, the code and the files go only where the user sends them (SECURITY.md), end to end through
//! the real binary against the fake servers: a project file cannot send the key to its own server
//! unless the user trusted it; an answer cannot make the compiler read a file and send it back in a
//! repair request; credentials in a URL and keys echoed in answers are shown and stored nowhere; a
//! revision is never an option; files the tool writes are no wider open than their sources.
//!
//! Every run gets its own config and cache folders (XDG_CONFIG_HOME, XDG_CACHE_HOME, HOME), so no test
//! reads or writes the user's.

#[path = "support/fake_batch.rs"]
mod fake_batch;
#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use fake_llm::{Behaviour, FakeLlm, Recorded, Script};
use project::{copy_dir, files_under, manifest_dir};
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-security-0x5EC";
const STUB: &str = "package a\n\n// A answers 42.\nfunc A() int {\n\tpanic(\"implement me\")\n}\n";
const ANSWER: &str =
    "```go\n// file: a.go\npackage a\n\n// A answers 42.\nfunc A() int {\n\treturn 42\n}\n```\n";

/// A folder with one Go stub, and the user's own folders (config, cache, home) beside it.
struct Sandbox {
    project: TempDir,
    user: TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let sandbox = Sandbox {
            project: TempDir::new().unwrap(),
            user: TempDir::new().unwrap(),
        };
        sandbox.write("a.go", STUB);
        sandbox
    }

    fn root(&self) -> &Path {
        self.project.path()
    }

    fn write(&self, relative: &str, content: &str) -> PathBuf {
        let path = self.root().join(relative);
        fs::write(&path, content).unwrap();
        path
    }

    fn config_dir(&self) -> PathBuf {
        self.user.path().join("config/assistant")
    }

    fn cache_dir(&self) -> PathBuf {
        self.user.path().join("cache/assistant")
    }

    /// `assistant ARGS` in the project, with no key and no provider settings in the environment.
    fn assistant(&self, args: &[&str]) -> Command {
        let mut cmd = project::assistant(self.root());
        for var in ["ASSISTANT_TYPE", "ASSISTANT_BASE_URL", "ASSISTANT_MODEL"] {
            cmd.env_remove(var);
        }
        cmd.env("HOME", self.user.path().join("home"))
            .env("XDG_CONFIG_HOME", self.user.path().join("config"))
            .env("XDG_CACHE_HOME", self.user.path().join("cache"))
            .env("TMPDIR", self.user.path())
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .args(args);
        cmd
    }

    /// `assistant generate` (type and endpoint from the project file) with the key in the environment.
    fn generate(&self, extra: &[&str]) -> Command {
        self.generate_as(None, extra)
    }

    /// [`Sandbox::generate`] with `--type deepseek` when `kind` is `Some`.
    fn deepseek(&self, extra: &[&str]) -> Command {
        self.generate_as(Some("deepseek"), extra)
    }

    fn generate_as(&self, kind: Option<&str>, extra: &[&str]) -> Command {
        let mut cmd = self.assistant(&["generate", "--verify", "off", "--retries", "0"]);
        if let Some(kind) = kind {
            cmd.args(["--type", kind]);
        }
        cmd.args(extra).env("DEEPSEEK_API_KEY", KEY);
        cmd
    }
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Ran {
    let output = cmd.output().unwrap();
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn answering() -> FakeLlm {
    FakeLlm::start(Script::new(Behaviour::answer(ANSWER)))
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

// ---- 1. A project file cannot redirect the key ----

#[test]
fn a_project_file_cannot_send_the_key_to_its_own_server_until_trusted() {
    let sandbox = Sandbox::new();
    let server = answering();
    let url = server.base_url();
    let file = sandbox.write(
        ".assistant.toml",
        &format!("type = \"deepseek\"\nbase_url = \"{url}\"\n"),
    );

    let refused = run(&mut sandbox.generate(&[]));
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains(".assistant.toml"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains(&url), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("assistant trust"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        server.request_count(),
        0,
        "the key went to the project's server"
    );

    let trusted = run(&mut sandbox.assistant(&["trust"]));
    assert_eq!(trusted.code, Some(0), "{}", trusted.stderr);
    assert!(trusted.stdout.contains("trusted"), "{}", trusted.stdout);
    // The user sees what they agree to: where the file sends the key.
    assert!(
        trusted.stdout.contains(&format!("base_url {url}")),
        "{}",
        trusted.stdout
    );
    let store = sandbox.config_dir().join("trusted");
    assert_eq!(mode(&store), 0o600);
    assert_eq!(mode(&sandbox.config_dir()), 0o700);

    let allowed = run(&mut sandbox.generate(&[]));
    assert_eq!(allowed.code, Some(0), "{}", allowed.stderr);
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/v1");
    assert!(
        allowed
            .stderr
            .contains(&format!("asking 127.0.0.1:{port}, model ")),
        "{}",
        allowed.stderr
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );

    // A changed file needs a new `trust`.
    fs::write(
        &file,
        format!("{}# changed\n", fs::read_to_string(&file).unwrap()),
    )
    .unwrap();
    let changed = run(&mut sandbox.generate(&["--force"]));
    assert_eq!(changed.code, Some(2), "{}", changed.stderr);
    assert_eq!(server.request_count(), 1);
}

/// The trusted list holds one path a line: a folder whose name holds a line break could otherwise add
/// a line of its own choosing (another path, another hash).
#[test]
fn a_path_with_a_line_break_is_never_recorded() {
    let sandbox = Sandbox::new();
    let folder = sandbox.root().join("evil\n0000  /elsewhere");
    fs::create_dir_all(&folder).unwrap();
    fs::write(
        folder.join(".assistant.toml"),
        "type = \"deepseek\"\nbase_url = \"http://127.0.0.1:9/v1\"\n",
    )
    .unwrap();
    let refused = run(sandbox.assistant(&["trust"]).arg(&folder));
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(refused.stderr.contains("line break"), "{}", refused.stderr);
    assert!(!sandbox.config_dir().join("trusted").exists());
}

#[test]
fn a_gemini_key_is_kept_from_a_project_server_too() {
    let sandbox = Sandbox::new();
    let server = answering();
    sandbox.write(
        ".assistant.toml",
        &format!(
            "type = \"gemini\"\nbase_url = \"{}\"\n",
            server.gemini_base_url()
        ),
    );
    let refused = run(sandbox.generate(&[]).env("GEMINI_API_KEY", KEY));
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert_eq!(server.request_count(), 0);
}

#[test]
fn the_same_url_from_the_users_config_or_environment_is_honoured() {
    let sandbox = Sandbox::new();
    let server = answering();
    let url = server.base_url();
    sandbox.write(
        ".assistant.toml",
        &format!("type = \"deepseek\"\nbase_url = \"{url}\"\n"),
    );
    fs::create_dir_all(sandbox.config_dir()).unwrap();
    fs::write(
        sandbox.config_dir().join("config.toml"),
        format!("base_url = \"{url}/\"\n"),
    )
    .unwrap();
    let from_user = run(&mut sandbox.generate(&[]));
    assert_eq!(from_user.code, Some(0), "{}", from_user.stderr);
    assert_eq!(server.request_count(), 1);

    fs::remove_file(sandbox.config_dir().join("config.toml")).unwrap();
    let from_env = run(sandbox
        .generate(&["--force"])
        .env("ASSISTANT_BASE_URL", &url));
    assert_eq!(from_env.code, Some(0), "{}", from_env.stderr);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_keyless_ollama_is_not_affected() {
    let sandbox = Sandbox::new();
    let server = answering();
    sandbox.write(
        ".assistant.toml",
        &format!("type = \"ollama\"\nbase_url = \"{}\"\n", server.base_url()),
    );
    let ran = run(&mut sandbox.assistant(&["generate", "--verify", "off"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("authorization"), None);
}

#[test]
fn a_key_in_a_project_file_is_warned_about_and_never_shown() {
    let sandbox = Sandbox::new();
    let server = answering();
    let committed = "sk-COMMITTED-in-the-project-0xBAD";
    sandbox.write(
        ".assistant.toml",
        &format!("type = \"deepseek\"\napi_key = \"{committed}\"\n"),
    );
    let ran = run(sandbox
        .assistant(&["generate", "--verify", "off", "--base-url"])
        .arg(server.base_url()));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stderr.contains("warning"), "{}", ran.stderr);
    assert!(ran.stderr.contains("api_key"), "{}", ran.stderr);
    assert!(!ran.stderr.contains(committed) && !ran.stdout.contains(committed));
    let shown = run(&mut sandbox.assistant(&["generate", "--show-config"]));
    assert!(
        shown.stdout.contains("api_key = [redacted]  # "),
        "{}",
        shown.stdout
    );
    assert!(!shown.stdout.contains(committed), "{}", shown.stdout);
}

/// A project's `prompts` folder decides the text sent, but a template that is a link out of the project
/// (to `/proc/self/environ`, a key file) would send a file of the user's disk, which no repository
/// holds: refused before anything is read or sent.
#[test]
fn a_project_template_linked_out_of_the_project_sends_nothing() {
    let sandbox = Sandbox::new();
    let server = answering();
    let secret = "OTHER_SERVICE_TOKEN=ghp-SECRET-outside-the-project-0x1EAK";
    let outside = sandbox.user.path().join("credentials");
    fs::write(&outside, format!("{secret}\n")).unwrap();
    fs::create_dir_all(sandbox.root().join("p/en")).unwrap();
    std::os::unix::fs::symlink(&outside, sandbox.root().join("p/en/system.j2")).unwrap();
    sandbox.write(".assistant.toml", "type = \"deepseek\"\nprompts = \"p\"\n");
    let ran = run(sandbox.deepseek(&["--base-url"]).arg(server.base_url()));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("system.j2"), "{}", ran.stderr);
    assert_eq!(
        server.request_count(),
        0,
        "a file outside the project was sent"
    );
    assert!(!ran.stderr.contains(secret) && !ran.stdout.contains(secret));

    // A template inside the project is the project's to choose, and the user's own --prompts theirs.
    fs::remove_file(sandbox.root().join("p/en/system.j2")).unwrap();
    sandbox.write("p/en/system.j2", "You write Go.\n");
    let inside = run(sandbox.deepseek(&["--base-url"]).arg(server.base_url()));
    assert_eq!(inside.code, Some(0), "{}", inside.stderr);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let body = requests[0].body.to_string();
    assert!(body.contains("You write Go."), "{body}");
}

// ---- 2. Answers read nothing beyond the code the job shows ----

/// Whether `program` runs; when not, the test says so and skips.
fn have(program: &str) -> bool {
    let found = StdCommand::new(program)
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: {program} is not on PATH");
    }
    found
}

fn messages(request: &Recorded) -> Vec<serde_json::Value> {
    request.body["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A server answering a conversation's first request with `first` and every repair with `repaired`.
fn first_then(first: String, repaired: String) -> FakeLlm {
    FakeLlm::start(Script::new(Behaviour::Empty).pick(move |request| {
        let text = if messages(request).len() >= 4 {
            &repaired
        } else {
            &first
        };
        Some(Behaviour::answer(text))
    }))
}

/// A file outside the project whose bytes the compiler would quote if it read them.
const SECRET: &str = "LEAKED_SECRET_TOKEN_4242";

#[test]
fn no_secret_byte_reaches_a_repair_request_through_include() {
    if !have("cargo") {
        return;
    }
    let ledger = Sandbox::new();
    copy_dir(
        &manifest_dir().join("tests/fixtures/verify/ledger"),
        ledger.root(),
    );
    fs::remove_file(ledger.root().join("a.go")).unwrap();
    let secret = ledger.user.path().join("secret.txt");
    fs::write(&secret, SECRET).unwrap();
    let answer = |body: &str| {
        format!(
            "```rust\n// file: src/lib.rs\n/// The balance of the entries: the sum of their amounts, in cents.\n\
             pub fn balance(entries: &[Entry]) -> i64 {{\n{body}\n}}\n```\n"
        )
    };
    let sum = "    entries.iter().map(|entry| entry.cents).sum()";
    let server = first_then(
        answer(&format!(
            "    let _read: u8 = include!({:?});\n{sum}",
            secret.display()
        )),
        answer(sum),
    );
    let ran = run(&mut verified_generate(&ledger, &server));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "one repair round");
    for request in &requests {
        assert!(
            !request.body.to_string().contains(SECRET),
            "the secret reached the server: {}",
            request.body
        );
    }
    let repair = messages(&requests[1]).last().cloned().unwrap_or_default();
    assert!(
        repair.to_string().contains("compile time"),
        "the repair says why: {repair}"
    );
    let sidecar = fs::read_to_string(ledger.root().join("src/lib.rs.assistant")).unwrap();
    assert!(!sidecar.contains("include!"), "{sidecar}");
}

/// `cargo check` runs on a copy of the crate: a private folder of the user's cache, never a folder of
/// the shared temporary one that another user could read, or make first and write into.
#[test]
fn the_crate_copy_that_cargo_checks_is_private() {
    if !have("cargo") {
        return;
    }
    let ledger = Sandbox::new();
    copy_dir(
        &manifest_dir().join("tests/fixtures/verify/ledger"),
        ledger.root(),
    );
    fs::remove_file(ledger.root().join("a.go")).unwrap();
    let server = FakeLlm::start(Script::new(Behaviour::answer(
        "```rust\n// file: src/lib.rs\n/// The balance of the entries: the sum of their amounts, in cents.\n\
         pub fn balance(entries: &[Entry]) -> i64 {\n    entries.iter().map(|entry| entry.cents).sum()\n}\n```\n",
    )));
    let ran = run(&mut verified_generate(&ledger, &server));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        !ledger.user.path().join("assistant-verify").exists(),
        "the copy went to the temporary folder"
    );
    let copies: Vec<PathBuf> = fs::read_dir(ledger.cache_dir().join("verify"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!(mode(&copies[0]), 0o700);
    assert!(copies[0].join("crate/src/lib.rs").is_file());
}

#[test]
fn no_secret_byte_reaches_a_repair_request_through_a_cgo_include() {
    if !have("go") || !have("gcc") {
        return;
    }
    let sandbox = Sandbox::new();
    sandbox.write("go.mod", "module example.com/a\n\ngo 1.19\n");
    let secret = sandbox.user.path().join("secret.h");
    fs::write(&secret, format!("{SECRET} here;\n")).unwrap();
    let cgo = format!(
        "```go\n// file: a.go\npackage a\n\n// #include {:?}\nimport \"C\"\n\n// A answers 42.\nfunc A() int {{\n\treturn 42\n}}\n```\n",
        secret.display()
    );
    let server = first_then(cgo, ANSWER.to_string());
    let ran = run(sandbox
        .assistant(&[
            "generate",
            "--type",
            "deepseek",
            "--api-key",
            KEY,
            "--base-url",
        ])
        .arg(server.base_url())
        .env("CGO_ENABLED", "1"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "one repair round");
    for request in &requests {
        assert!(
            !request.body.to_string().contains(SECRET),
            "{}",
            request.body
        );
    }
}

/// `generate` with the key on the command line, verification required.
fn verified_generate(sandbox: &Sandbox, server: &FakeLlm) -> Command {
    let mut cmd = sandbox.assistant(&["generate", "--type", "deepseek", "--api-key", KEY]);
    cmd.args(["--verify", "on", "--base-url", &server.base_url()]);
    cmd
}

// ---- 3. Credentials never shown or stored ----

const PASSWORD: &str = "pa55word-SECRET-0xC0DE";

fn with_userinfo(url: &str) -> String {
    url.replacen("http://", &format!("http://someone:{PASSWORD}@"), 1)
}

fn assert_nowhere(ran: &Ran, secret: &str, what: &str) {
    assert!(
        !ran.stdout.contains(secret),
        "{what}: stdout {}",
        ran.stdout
    );
    assert!(
        !ran.stderr.contains(secret),
        "{what}: stderr {}",
        ran.stderr
    );
}

fn assert_in_no_file(dir: &Path, secret: &str) {
    for file in files_under(dir) {
        let text = String::from_utf8_lossy(&fs::read(&file).unwrap()).into_owned();
        assert!(
            !text.contains(secret),
            "{} holds it:\n{text}",
            file.display()
        );
    }
}

#[test]
fn credentials_in_a_url_appear_in_no_output() {
    let sandbox = Sandbox::new();
    let refusing = FakeLlm::start(Script::new(Behaviour::Unauthorized));
    let url = with_userinfo(&refusing.base_url());
    let shown = run(sandbox.deepseek(&["--show-config", "--base-url"]).arg(&url));
    assert_eq!(shown.code, Some(0), "{}", shown.stderr);
    assert!(
        shown
            .stdout
            .contains("base_url = http://[redacted]@127.0.0.1:"),
        "{}",
        shown.stdout
    );
    assert_nowhere(&shown, PASSWORD, "--show-config");
    // Refused by the server, and not even reached (the transport's error names the URL).
    let nobody = with_userinfo("http://127.0.0.1:1/v1");
    for (format, url) in [
        ("text", &url),
        ("json", &url),
        ("text", &nobody),
        ("json", &nobody),
    ] {
        let failed = run(sandbox
            .deepseek(&["-vv", "--format", format, "--base-url"])
            .arg(url));
        assert_eq!(failed.code, Some(1), "{}", failed.stderr);
        assert_nowhere(&failed, PASSWORD, format);
    }
    let invalid = run(sandbox
        .deepseek(&["--base-url"])
        .arg(format!("ftp://someone:{PASSWORD}@host/v1")));
    assert_eq!(invalid.code, Some(2), "{}", invalid.stderr);
    assert_nowhere(&invalid, PASSWORD, "an invalid URL");
    assert_in_no_file(sandbox.root(), PASSWORD);
}

#[test]
fn a_key_echoed_in_an_answer_lands_in_no_file() {
    let sandbox = Sandbox::new();
    // A good answer that quotes the key, and one that is rejected and quotes it too.
    let echoed = ANSWER.replace(
        "return 42",
        &format!("_ = \"{KEY} {PASSWORD}\"\n\treturn 42"),
    );
    let server = FakeLlm::start(Script::new(Behaviour::answer(&echoed)));
    let url = with_userinfo(&server.base_url());
    let ran = run(sandbox
        .deepseek(&["--format", "json", "--base-url"])
        .arg(&url));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let sidecar = fs::read_to_string(sandbox.root().join("a.go.assistant")).unwrap();
    assert!(sidecar.contains("[redacted]"), "{sidecar}");

    let rejected = format!("I cannot. The key was {KEY}, the password {PASSWORD}.");
    let refusing = FakeLlm::start(Script::new(Behaviour::answer(&rejected)));
    let url = with_userinfo(&refusing.base_url());
    let failed = run(sandbox
        .deepseek(&["--force", "--repair-rounds", "0", "--base-url"])
        .arg(&url));
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    assert!(sandbox.root().join("a.go.assistant.rejected").exists());
    for secret in [KEY, PASSWORD] {
        assert_nowhere(&ran, secret, "the answer");
        assert_nowhere(&failed, secret, "the rejected answer");
        assert_in_no_file(sandbox.root(), secret);
    }
}

#[test]
fn batch_state_keeps_the_url_without_credentials() {
    let sandbox = Sandbox::new();
    sandbox.write("go.mod", "module example.com/a\n\ngo 1.19\n");
    let server = fake_batch::FakeBatch::start(fake_batch::Plan::new(|_, _| ANSWER.to_string()));
    let url = with_userinfo(&server.base_url());
    let submitted = run(sandbox
        .assistant(&["generate", "--batch", "--type", "openai", "--verify", "off"])
        .args(["--api-key", KEY, "--base-url", &url]));
    assert_eq!(submitted.code, Some(0), "{}", submitted.stderr);
    assert_nowhere(&submitted, PASSWORD, "submit");
    let collected = run(sandbox
        .assistant(&["batch", "collect", "--wait", "--api-key", KEY])
        .env("ASSISTANT_BATCH_POLL_MS", "40")
        .env("ASSISTANT_BASE_URL", &url));
    assert_eq!(collected.code, Some(0), "{}", collected.stderr);
    assert_nowhere(&collected, PASSWORD, "collect");
    assert!(sandbox.root().join("a.go.assistant").exists());
    assert!(sandbox.root().join(".assistant/batches").is_dir());
    for secret in [KEY, PASSWORD] {
        assert_in_no_file(sandbox.root(), secret);
    }
}

// ---- 4. A revision is never an option ----

#[test]
fn an_option_like_revision_writes_no_file() {
    let sandbox = Sandbox::new();
    let git = |args: &[&str]| {
        let output = StdCommand::new("git")
            .args(["-c", "user.email=t@t", "-c", "user.name=t"])
            .args(args)
            .current_dir(sandbox.root())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "git {args:?}: {stderr}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "stub"]);
    for revision in ["--output=pwned.txt", "-opwned2.txt", "--no-index"] {
        let ran = run(&mut sandbox.assistant(&[
            "generate",
            "--type",
            "deepseek",
            "--only-print-prompt",
            &format!("--changed-since={revision}"),
        ]));
        assert_eq!(ran.code, Some(2), "{revision}: {}", ran.stderr);
        assert!(ran.stderr.contains("--changed-since"), "{}", ran.stderr);
    }
    assert!(!sandbox.root().join("pwned.txt").exists());
    assert!(!sandbox.root().join("pwned2.txt").exists());
    let unknown = run(&mut sandbox.assistant(&[
        "generate",
        "--type",
        "deepseek",
        "--only-print-prompt",
        "--changed-since",
        "no-such-branch",
    ]));
    assert_eq!(unknown.code, Some(2), "{}", unknown.stderr);
    let head = run(&mut sandbox.assistant(&[
        "generate",
        "--type",
        "deepseek",
        "--only-print-prompt",
        "--changed-since",
        "HEAD",
    ]));
    assert_eq!(head.code, Some(0), "{}", head.stderr);
}

/// git quotes a name outside ASCII (`"\\350\\256\\242.go"`) unless asked for NUL-separated names: such a
/// changed file must still count as changed.
#[test]
fn a_changed_file_with_a_name_outside_ascii_is_found() {
    let sandbox = Sandbox::new();
    let git = |args: &[&str]| {
        let output = StdCommand::new("git")
            .args(["-c", "user.email=t@t", "-c", "user.name=t"])
            .args(args)
            .current_dir(sandbox.root())
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["commit", "-q", "--allow-empty", "-m", "base"]);
    fs::remove_file(sandbox.root().join("a.go")).unwrap();
    sandbox.write("订单.go", STUB);
    for untracked_then_staged in [false, true] {
        if untracked_then_staged {
            git(&["add", "."]);
        }
        let ran = run(&mut sandbox.assistant(&[
            "generate",
            "--type",
            "deepseek",
            "--only-print-prompt",
            "--changed-since",
            "HEAD",
        ]));
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        assert!(
            ran.stdout.contains("订单.go"),
            "{}{}",
            ran.stdout,
            ran.stderr
        );
    }
}

// ---- 5. Files no wider open than their sources ----

#[test]
fn sidecars_rejected_answers_and_backups_are_no_wider_than_their_source() {
    let sandbox = Sandbox::new();
    let source = sandbox.root().join("a.go");
    set_mode(&source, 0o600);
    let refusing = FakeLlm::start(Script::new(Behaviour::answer("no code at all")));
    let failed = run(sandbox
        .deepseek(&["--repair-rounds", "0", "--base-url"])
        .arg(refusing.base_url()));
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    assert_eq!(mode(&sandbox.root().join("a.go.assistant.rejected")), 0o600);

    let server = answering();
    let ran = run(sandbox.deepseek(&["--base-url"]).arg(server.base_url()));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let sidecar = sandbox.root().join("a.go.assistant");
    assert_eq!(mode(&sidecar), 0o600);

    let merged = run(&mut sandbox.assistant(&["merge"]));
    assert_eq!(merged.code, Some(0), "{}", merged.stderr);
    let backup = merged
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("backup "))
        .map(PathBuf::from)
        .expect("merge says where the backup is");
    assert!(
        backup.starts_with(sandbox.cache_dir()),
        "{}",
        backup.display()
    );
    assert_eq!(mode(&backup), 0o700);
    assert_eq!(mode(&source), 0o600, "merge keeps the source's mode");

    // An executable source gets a sidecar that is not.
    let script = sandbox.write(
        "b.go",
        &STUB
            .replace("func A", "func B")
            .replace("A answers", "B answers"),
    );
    set_mode(&script, 0o755);
    let answer_b = ANSWER
        .replace("a.go", "b.go")
        .replace("func A", "func B")
        .replace("A answers", "B answers");
    let server_b = FakeLlm::start(Script::new(Behaviour::answer(&answer_b)));
    let ran = run(sandbox
        .deepseek(&["b.go", "--base-url"])
        .arg(server_b.base_url()));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(mode(&sandbox.root().join("b.go.assistant")), 0o644);
}

#[test]
fn a_batch_state_that_came_with_the_project_cannot_send_the_key_elsewhere() {
    let sandbox = Sandbox::new();
    sandbox.write("go.mod", "module example.com/a\n\ngo 1.19\n");
    let server = fake_batch::FakeBatch::start(fake_batch::Plan::new(|_, _| ANSWER.to_string()));
    let submitted = run(sandbox
        .assistant(&["generate", "--batch", "--type", "openai", "--verify", "off"])
        .args(["--api-key", KEY, "--base-url", &server.base_url()]));
    assert_eq!(submitted.code, Some(0), "{}", submitted.stderr);
    let sent = server.requests().len();

    // Another user (another config folder) finds the state in the project, as in a clone.
    let other = TempDir::new().unwrap();
    let refused = run(sandbox
        .assistant(&["batch", "status", "--api-key", KEY])
        .env("XDG_CONFIG_HOME", other.path()));
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains(&server.base_url()),
        "{}",
        refused.stderr
    );
    assert_eq!(
        server.requests().len(),
        sent,
        "the key went to the state's server"
    );

    // Named again by that user, it is theirs.
    let named = run(sandbox
        .assistant(&["batch", "status", "--api-key", KEY])
        .env("XDG_CONFIG_HOME", other.path())
        .env("ASSISTANT_BASE_URL", server.base_url()));
    assert_eq!(named.code, Some(0), "{}", named.stderr);
    // The user who submitted needs nothing more.
    let own = run(&mut sandbox.assistant(&["batch", "status", "--api-key", KEY]));
    assert_eq!(own.code, Some(0), "{}", own.stderr);
}

/// A URL is split where the HTTP client splits it: in `http://HOST\\@own.example/v1` the backslash ends
/// the host (as `/` does), so the `@` is no userinfo, and the URL is not the user's `own.example`.
#[test]
fn a_batch_state_url_with_a_backslash_is_not_taken_for_the_users_own() {
    let sandbox = Sandbox::new();
    sandbox.write("go.mod", "module example.com/a\n\ngo 1.19\n");
    let server = fake_batch::FakeBatch::start(fake_batch::Plan::new(|_, _| ANSWER.to_string()));
    let submitted = run(sandbox
        .assistant(&["generate", "--batch", "--type", "openai", "--verify", "off"])
        .args(["--api-key", KEY, "--base-url", &server.base_url()]));
    assert_eq!(submitted.code, Some(0), "{}", submitted.stderr);
    let sent = server.requests().len();

    // The state, as a repository could ship it, names the server disguised as the user's own endpoint.
    let states = sandbox.root().join(".assistant/batches");
    let state = fs::read_dir(&states)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| !path.to_string_lossy().ends_with(".prompts.json"))
        .unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&state).unwrap()).unwrap();
    let disguised = format!(
        "{}\\@own.example/v1",
        server.base_url().trim_end_matches("/v1")
    );
    json["base_url"] = serde_json::Value::String(disguised.clone());
    fs::write(&state, json.to_string()).unwrap();

    // Another user, whose own config file names own.example, finds it in a clone.
    let other = TempDir::new().unwrap();
    fs::create_dir_all(other.path().join("assistant")).unwrap();
    fs::write(
        other.path().join("assistant/config.toml"),
        "base_url = \"http://own.example/v1\"\n",
    )
    .unwrap();
    let refused = run(sandbox
        .assistant(&["batch", "status", "--api-key", KEY])
        .env("XDG_CONFIG_HOME", other.path()));
    assert_eq!(
        server.requests().len(),
        sent,
        "the key went to the state's server: {}",
        refused.stderr
    );
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
}

#[test]
fn a_key_in_the_users_own_file_comes_after_the_environment() {
    let sandbox = Sandbox::new();
    let server = answering();
    let own = "sk-USERFILE-key-0x0WN";
    sandbox.write(".assistant.toml", "type = \"deepseek\"\n");
    fs::create_dir_all(sandbox.config_dir()).unwrap();
    fs::write(
        sandbox.config_dir().join("config.toml"),
        format!(
            "api_key = \"{own}\"\nbase_url = \"{}\"\n",
            server.base_url()
        ),
    )
    .unwrap();
    let with_env = run(&mut sandbox.generate(&[]));
    assert_eq!(with_env.code, Some(0), "{}", with_env.stderr);
    assert!(!with_env.stderr.contains("warning"), "{}", with_env.stderr);
    let without_env = run(sandbox
        .assistant(&["generate", "--verify", "off", "--force"])
        .env_remove("DEEPSEEK_API_KEY"));
    assert_eq!(without_env.code, Some(0), "{}", without_env.stderr);
    let keys: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or_default().to_string())
        .collect();
    assert_eq!(keys, [format!("Bearer {KEY}"), format!("Bearer {own}")]);
}
