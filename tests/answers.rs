//! Answers change only what was asked, end to end through the real binary: `generate` against the fake
//! LLM server on hand-written Go, Rust and Python fixtures, then `merge`, then the project's build
//! (`go build`, `cargo check`, `python3 -m py_compile`).
//!
//! Each fixture's first answer redefines something the project already has; it must be refused with a
//! repair request naming it, and the repaired answer accepted, its additions (new helpers, imports)
//! listed on the `ok` line and in `job_succeeded.added`, with every sidecar written. Imports must land
//! as the language means them (Go: name and path; Python: `__future__` first).
//!
//! Tests that need a toolchain on PATH skip with a message when it is missing.

#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;

use fake_llm::{Behaviour, FakeLlm, Recorded, Script};
use project::{assistant, events};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-answers-0xBEEF";

/// Writes `files` into a new folder.
fn fixture(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn messages(request: &Recorded) -> &[Value] {
    request.body["messages"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// A server answering a conversation's first request with `first` and repair requests with `repaired`.
fn answering(first: String, repaired: String) -> FakeLlm {
    FakeLlm::start(Script::new(Behaviour::Empty).pick(move |request| {
        let text = if messages(request).len() >= 4 {
            &repaired
        } else {
            &first
        };
        Some(Behaviour::answer(text))
    }))
}

/// The repair requests the server received (the last user message of each).
fn repair_requests(server: &FakeLlm) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/chat/completions") && messages(r).len() >= 4)
        .filter_map(|r| messages(r).last()?["content"].as_str().map(String::from))
        .collect()
}

/// What one `generate` run said: exit code, events (JSON) or stderr lines (text).
struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

fn generate(dir: &Path, server: &FakeLlm, extra: &[&str]) -> Run {
    let output = project::generate(dir, &server.base_url(), KEY)
        .args(["--verify", "off"])
        .args(extra)
        .output()
        .unwrap();
    Run {
        code: output.status.code(),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn merge(dir: &Path) -> std::process::Output {
    let backups = TempDir::new().unwrap();
    assistant(dir)
        .env("TMPDIR", backups.path())
        .args(["merge", "--clean"])
        .output()
        .unwrap()
}

/// Whether `program` runs (`program version`, or `--version`); when not, the test says so and skips.
fn have(program: &str, version_arg: &str) -> bool {
    let found = StdCommand::new(program)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: {program} is not on PATH");
    }
    found
}

fn succeeds(what: &str, command: &mut StdCommand) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn go_build(dir: &Path) {
    succeeds(
        "go build",
        StdCommand::new("go")
            .args(["build", "./..."])
            .current_dir(dir)
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GOFLAGS", "-mod=mod"),
    );
}

const GO_MOD: &str = "module calc\n\ngo 1.19\n";

/// The file imports `strings` as `str`; its neighbour has `helper`.
const GO_A: &str = "package calc

import (
\t\"fmt\"
\tstr \"strings\"
)

// Label returns n as a trimmed label.
func Label(n int) string {
\treturn str.TrimSpace(fmt.Sprint(n))
}

// Slug lowercases s and joins its words with dashes.
func Slug(s string) string {
\tpanic(\"implement me\")
}
";

const GO_B: &str = "package calc

// helper trims s.
func helper(s string) string {
\treturn s
}
";

/// The answer: `Slug` through `helper`, importing `strings` unaliased, and whatever `extra` adds.
fn go_answer(extra: &str) -> String {
    format!(
        "```go\n// file: a.go\npackage calc\n\nimport \"strings\"\n\n\
         // Slug lowercases s and joins its words with dashes.\n\
         func Slug(s string) string {{\n\treturn dashed(strings.Fields(strings.ToLower(helper(s))))\n}}\n{extra}```\n"
    )
}

const DASHED: &str =
    "\nfunc dashed(words []string) string {\n\treturn strings.Join(words, \"-\")\n}\n";

#[test]
fn go_a_redefined_helper_is_refused_and_the_repaired_answer_merges_and_builds() {
    let dir = fixture(&[("go.mod", GO_MOD), ("a.go", GO_A), ("b.go", GO_B)]);
    let redefined =
        format!("{DASHED}\nfunc helper(s string) string {{\n\treturn strings.TrimSpace(s)\n}}\n");
    let server = answering(go_answer(&redefined), go_answer(DASHED));
    let run = generate(dir.path(), &server, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let repairs = repair_requests(&server);
    assert_eq!(repairs.len(), 1, "{repairs:?}");
    assert!(
        repairs[0].contains("a.go: `helper` already exists in b.go: call it, do not redefine it"),
        "{}",
        repairs[0]
    );
    let ok = run
        .stderr
        .lines()
        .find(|l| l.starts_with("ok"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(
        ok.contains("(Slug; adds dashed, import \"strings\";"),
        "{ok}"
    );
    assert!(ok.ends_with("a.go.assistant"), "{ok}");

    let merged = merge(dir.path());
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let a = fs::read_to_string(dir.path().join("a.go")).unwrap();
    // The alias stays for the code that uses it; the answer's own import is there for its code.
    assert!(
        a.contains("\tstr \"strings\"\n") && a.contains("\t\"strings\"\n"),
        "{a}"
    );
    assert_eq!(a.matches("func helper").count(), 0, "{a}");
    assert_eq!(fs::read_to_string(dir.path().join("b.go")).unwrap(), GO_B);
    if have("go", "version") {
        go_build(dir.path());
    }
}

#[test]
fn go_two_paths_under_one_name_go_back_to_the_model() {
    let a = GO_A
        .replace("\tstr \"strings\"\n", "\tstr \"strings\"\n\ts \"sort\"\n")
        .replace(
            "return str.TrimSpace(fmt.Sprint(n))",
            "return str.TrimSpace(fmt.Sprint(n)) + fmt.Sprint(s.IsSorted(nil))",
        );
    let dir = fixture(&[("go.mod", GO_MOD), ("a.go", &a), ("b.go", GO_B)]);
    let clashing = go_answer(DASHED)
        .replace("import \"strings\"", "import s \"strings\"")
        .replace("strings.", "s.");
    let server = answering(clashing, go_answer(DASHED));
    let run = generate(dir.path(), &server, &["--format", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let repairs = repair_requests(&server);
    assert!(
        repairs
            .iter()
            .any(|r| r.contains("imports \"strings\" as `s`, the name the file gives to \"sort\"")),
        "{repairs:?}"
    );
    let events = events(&run.stdout);
    let done = events
        .iter()
        .find(|e| e["event"] == "job_succeeded")
        .unwrap();
    assert_eq!(
        done["added"],
        serde_json::json!(["dashed", "import \"strings\""]),
        "{done}"
    );
    assert!(merge(dir.path()).status.success());
    if have("go", "version") {
        go_build(dir.path());
    }
}

/// cgo's preamble stays right above `import "C"` when the answer brings an import (needs a C compiler
/// for the build; without one the merged text is still checked).
#[test]
fn go_import_c_keeps_its_preamble() {
    let cgo = "package calc\n\n// #include <stdlib.h>\nimport \"C\"\n\n// Abs is |n|.\nfunc Abs(n int) int {\n\treturn int(C.abs(C.int(n)))\n}\n\n// Slug lowercases s and joins its words with dashes.\nfunc Slug(s string) string {\n\tpanic(\"implement me\")\n}\n";
    let dir = fixture(&[("go.mod", GO_MOD), ("a.go", cgo), ("b.go", GO_B)]);
    let server = answering(go_answer(DASHED), go_answer(DASHED));
    let run = generate(dir.path(), &server, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(merge(dir.path()).status.success());
    let a = fs::read_to_string(dir.path().join("a.go")).unwrap();
    assert!(
        a.starts_with(
            "package calc\n\n// #include <stdlib.h>\nimport \"C\"\n\nimport (\n\t\"strings\"\n)\n"
        ),
        "{a}"
    );
    let cc = StdCommand::new("cc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if have("go", "version") && cc {
        go_build(dir.path());
    }
}

const CARGO_TOML: &str =
    "[package]\nname = \"inventory\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n";

const STORE: &str = "pub struct MemoryStore {
    pub active: bool,
}

impl MemoryStore {
    /// Activates the store; true when it was inactive.
    pub fn activate(&mut self) -> bool {
        todo!()
    }
}
";

const MORE: &str = "use crate::store::MemoryStore;

impl MemoryStore {
    /// Deactivates the store; true when it was active.
    pub fn deactivate(&mut self) -> bool {
        let was = self.active;
        self.active = false;
        was
    }
}
";

fn rust_answer(extra: &str) -> String {
    format!(
        "```rust\n// file: src/store.rs\nuse std::mem;\n\nimpl MemoryStore {{\n    \
         /// Activates the store; true when it was inactive.\n    \
         pub fn activate(&mut self) -> bool {{\n        !self.flip(true)\n    }}\n\n    \
         fn flip(&mut self, to: bool) -> bool {{\n        mem::replace(&mut self.active, to)\n    }}\n{extra}}}\n```\n"
    )
}

#[test]
fn rust_a_method_of_the_crate_rewritten_is_refused_and_the_repaired_answer_checks() {
    let dir = fixture(&[
        ("Cargo.toml", CARGO_TOML),
        ("src/lib.rs", "pub mod store;\nmod more;\n"),
        ("src/store.rs", STORE),
        ("src/more.rs", MORE),
    ]);
    let rewritten = "\n    pub fn deactivate(&mut self) -> bool {\n        false\n    }\n";
    let server = answering(rust_answer(rewritten), rust_answer(""));
    let run = generate(dir.path(), &server, &["--format", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let repairs = repair_requests(&server);
    assert!(
        repairs.iter().any(|r| r.contains("src/store.rs: `MemoryStore::deactivate` already exists in src/more.rs: call it, do not redefine it")),
        "{repairs:?}"
    );
    let events = events(&run.stdout);
    let done = events
        .iter()
        .find(|e| e["event"] == "job_succeeded")
        .unwrap();
    assert_eq!(
        done["added"],
        serde_json::json!(["MemoryStore::flip", "use std::mem"]),
        "{done}"
    );
    assert!(merge(dir.path()).status.success());
    assert_eq!(
        fs::read_to_string(dir.path().join("src/more.rs")).unwrap(),
        MORE
    );
    if have("cargo", "--version") {
        let target = TempDir::new().unwrap();
        succeeds(
            "cargo check",
            StdCommand::new("cargo")
                .args(["check", "--offline", "--quiet"])
                .current_dir(dir.path())
                .env("CARGO_TARGET_DIR", target.path()),
        );
    }
}

const PY: &str = "\"\"\"Greetings.\"\"\"

import os

TIMEOUT = 3


def helper(name):
    return name.strip()


def greet(name: str) -> str:
    \"\"\"Greets name.\"\"\"
    raise NotImplementedError
";

fn python_answer(extra: &str) -> String {
    format!(
        "```python\n# file: svc.py\nfrom __future__ import annotations\n\nimport os\n\n\n\
         def greet(name: str) -> str:\n    \"\"\"Greets name.\"\"\"\n    return shout(helper(name))\n\n\n\
         def shout(text: str) -> str:\n    return text.upper() + os.sep * 0\n{extra}```\n"
    )
}

#[test]
fn python_a_rewritten_function_is_refused_and_future_imports_land_first() {
    let dir = fixture(&[("svc.py", PY)]);
    let rewritten = "\n\nTIMEOUT = 30\n\n\ndef helper(name):\n    return name\n";
    let server = answering(python_answer(rewritten), python_answer(""));
    let run = generate(dir.path(), &server, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let repairs = repair_requests(&server);
    for says in [
        "`helper` already exists in svc.py",
        "`TIMEOUT` already exists in svc.py",
    ] {
        assert!(
            repairs.iter().any(|r| r.contains(says)),
            "{says}: {repairs:?}"
        );
    }
    let ok = run
        .stderr
        .lines()
        .find(|l| l.starts_with("ok"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(
        ok.contains("(greet; adds shout, from __future__ import annotations;"),
        "{ok}"
    );
    assert!(merge(dir.path()).status.success());
    let merged = fs::read_to_string(dir.path().join("svc.py")).unwrap();
    assert!(
        merged.starts_with(
            "\"\"\"Greetings.\"\"\"\n\nfrom __future__ import annotations\n\nimport os\n"
        ),
        "{merged}"
    );
    if have("python3", "--version") {
        succeeds(
            "python3 -m py_compile",
            StdCommand::new("python3")
                .args(["-m", "py_compile", "svc.py"])
                .current_dir(dir.path())
                .env("PYTHONDONTWRITEBYTECODE", "1"),
        );
    }
}

/// The shop fixture's handler answer, with a dao block that adds `Delete` and whatever `dao_extra`
/// gives.
fn shop_answer(dao_extra: &str) -> String {
    format!(
        "```go\n// file: internal/handler/order.go\npackage handler\n\nimport \"context\"\n\n\
         // Cancel cancels the order with this id.\n\
         func (h *orderHandler) Cancel(ctx context.Context, id uint64) error {{\n\
         \tif _, err := h.orderDao.GetByID(ctx, id); err != nil {{\n\t\treturn err\n\t}}\n\
         \treturn h.orderDao.Delete(ctx, id)\n}}\n\n\
         // Total returns the order's total in cents.\n\
         func (h *orderHandler) Total(ctx context.Context, id uint64) (int64, error) {{\n\
         \torder, err := h.orderDao.GetByID(ctx, id)\n\tif err != nil {{\n\t\treturn 0, err\n\t}}\n\
         \treturn order.Total, nil\n}}\n```\n\n\
         ```go\n// file: internal/dao/order.go\npackage dao\n\nimport \"context\"\n\n\
         // OrderDao reads and writes orders.\ntype OrderDao interface {{\n\
         \tGetByID(ctx context.Context, id uint64) (*model.Order, error)\n\
         \tUpdate(ctx context.Context, order *model.Order) error\n\
         \t// Delete removes the order.\n\tDelete(ctx context.Context, id uint64) error\n}}\n\n\
         // Delete removes the order.\nfunc (d *orderDao) Delete(ctx context.Context, id uint64) error {{\n\
         \td.mu.Lock()\n\tdefer d.mu.Unlock()\n\tdelete(d.orders, id)\n\treturn nil\n}}\n{dao_extra}```\n"
    )
}

#[test]
fn go_an_existing_dao_method_rewritten_is_refused_and_both_sidecars_are_listed() {
    let dir = TempDir::new().unwrap();
    project::copy_dir(
        &project::manifest_dir().join("tests/fixtures/verify/shop"),
        dir.path(),
    );
    let no_op = "\nfunc (d *orderDao) Update(ctx context.Context, order *model.Order) error {\n\treturn nil\n}\n";
    let server = answering(shop_answer(no_op), shop_answer(""));
    let run = generate(dir.path(), &server, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let repairs = repair_requests(&server);
    assert!(
        repairs.iter().any(|r| r.contains(
            "internal/dao/order.go: `orderDao.Update` already exists in internal/dao/order.go: call it, do not redefine it"
        )),
        "{repairs:?}"
    );
    let ok = run
        .stderr
        .lines()
        .find(|l| l.starts_with("ok"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(
        ok.contains("adds orderDao.Delete, type OrderDao (extended);"),
        "{ok}"
    );
    assert!(
        ok.ends_with(" → internal/handler/order.go.assistant, internal/dao/order.go.assistant"),
        "{ok}"
    );
    assert!(merge(dir.path()).status.success());
    let dao = fs::read_to_string(dir.path().join("internal/dao/order.go")).unwrap();
    assert!(
        dao.contains("if _, ok := d.orders[order.ID]; !ok {"),
        "Update kept: {dao}"
    );
    if have("go", "version") {
        go_build(dir.path());
    }
}

/// A raw string holding ``` lines, in a four-backtick fence (as the prompt asks), arrives whole,
/// merges, and the crate checks.
#[test]
fn rust_a_four_backtick_fence_brings_a_raw_string_with_fence_lines_whole() {
    let help =
        "/// The usage text, in Markdown.\npub fn usage() -> &'static str {\n    todo!()\n}\n";
    let dir = fixture(&[("Cargo.toml", CARGO_TOML), ("src/lib.rs", help)]);
    let answer = "Here it is:\n\n````rust\n// file: src/lib.rs\n/// The usage text, in Markdown.\npub fn usage() -> &'static str {\n    r#\"Usage:\n```sh\ninventory list\n```\n\"#\n}\n````\n\nThe raw string holds a fenced example.\n";
    let server = answering(answer.to_string(), answer.to_string());
    let run = generate(dir.path(), &server, &["--format", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(repair_requests(&server).is_empty());
    assert!(merge(dir.path()).status.success());
    let merged = fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
    assert!(
        merged.contains("r#\"Usage:\n```sh\ninventory list\n```\n\"#"),
        "{merged}"
    );
    if have("cargo", "--version") {
        let target = TempDir::new().unwrap();
        succeeds(
            "cargo check",
            StdCommand::new("cargo")
                .args(["check", "--offline", "--quiet"])
                .current_dir(dir.path())
                .env("CARGO_TARGET_DIR", target.path()),
        );
    }
}
