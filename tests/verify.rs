//! Verification end to end, through the real binary: `generate` on a copy of the fixtures in
//! `tests/fixtures/verify/` (`shop`, a stdlib-only Go module in sponge's layout; `ledger`, a
//! stdlib-only crate) against the fake LLM server, whose answers are type-checked with `go build` /
//! `cargo check`; the compiler's errors go back to the model in repair rounds.
//!
//! Tests that need `go` (or `cargo`) on PATH skip with a message when it is missing; CI has both.

#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;

use assert_cmd::Command;
use fake_llm::{Behaviour, FakeLlm, Recorded, Script};
use project::{assistant, copy_dir, events, manifest_dir};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-verify-0xFEED";

/// The handler file with the stubs, relative to the module root.
const HANDLER: &str = "internal/handler/order.go";
const SIDECAR: &str = "internal/handler/order.go.assistant";
const REJECTED: &str = "internal/handler/order.go.assistant.rejected";

// The stubs' bodies, right.
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

/// An answer for the handler's two stubs with these bodies, importing only `context`.
fn go_answer(cancel: &str, total: &str) -> String {
    format!(
        "Both stubs implemented with the dao.\n\n```go\n// file: {HANDLER}\npackage handler\n\n\
         import (\n\t\"context\"\n)\n\n\
         // Cancel cancels the order with this id.\n\
         func (h *orderHandler) Cancel(ctx context.Context, id uint64) error {{\n{cancel}\n}}\n\n\
         // Total returns the order's total in cents.\n\
         func (h *orderHandler) Total(ctx context.Context, id uint64) (int64, error) {{\n{total}\n}}\n```\n"
    )
}

fn right() -> String {
    go_answer(CANCEL, TOTAL)
}

/// A compile-only failure: an answer that passes the parse-level check but not `go build`, and what
/// the compiler's message must contain (each Go release words some of them differently).
struct Broken {
    answer: String,
    says: &'static [&'static str],
}

fn unused_variable() -> Broken {
    Broken {
        answer: go_answer(CANCEL, &format!("\tx := 0\n{TOTAL}")),
        // Go 1.19: "x declared but not used"; 1.20+: "declared and not used: x".
        says: &["declared", "not used", "x"],
    }
}

fn undefined_dao_method() -> Broken {
    Broken {
        answer: go_answer(
            "\tif _, err := h.orderDao.GetByID(ctx, id); err != nil {\n\t\treturn err\n\t}\n\
             \treturn h.orderDao.Delete(ctx, id)",
            TOTAL,
        ),
        says: &["Delete", "undefined"],
    }
}

fn wrong_field() -> Broken {
    Broken {
        answer: go_answer(CANCEL, &TOTAL.replace("order.Total", "order.Amount")),
        says: &["order.Amount undefined"],
    }
}

fn missing_import() -> Broken {
    Broken {
        // `errors` is neither in the answer's import block nor in the file's.
        answer: go_answer(
            &format!("\tif id == 0 {{\n\t\treturn errors.New(\"no id\")\n\t}}\n{CANCEL}"),
            TOTAL,
        ),
        says: &["undefined: errors"],
    }
}

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

/// A copy of `tests/fixtures/verify/<name>` to generate and merge into.
fn fixture_copy(name: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    copy_dir(
        &manifest_dir().join("tests/fixtures/verify").join(name),
        dir.path(),
    );
    dir
}

/// The shop module, with a file in the handler package that breaks the build for a reason of its own.
fn broken_shop() -> TempDir {
    let shop = fixture_copy("shop");
    fs::write(
        shop.path().join("internal/handler/audit.go"),
        "package handler\n\nimport \"strings\"\n\nfunc audit() {\n\tunused := 1\n}\n",
    )
    .unwrap();
    let build = go_build(shop.path());
    assert!(!build.status.success(), "the broken shop builds");
    shop
}

fn go_build(dir: &Path) -> std::process::Output {
    StdCommand::new("go")
        .args(["build", "./..."])
        .current_dir(dir)
        .env("GOPROXY", "off")
        .output()
        .unwrap()
}

fn messages(request: &Recorded) -> &[Value] {
    request.body["messages"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// A server answering the first request of a conversation with `first` and every repair request
/// (four messages or more) with `repaired`.
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

fn chats(server: &FakeLlm) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .collect()
}

/// The last user message of a request.
fn last_user_message(request: &Recorded) -> String {
    messages(request)
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

fn generate(dir: &Path, server: &FakeLlm) -> Command {
    let mut cmd = project::generate(dir, &server.base_url(), KEY);
    cmd.args(["--format", "json"]);
    cmd
}

/// What a `generate --format json` run said.
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

    /// The one event of this kind.
    fn only(&self, kind: &str) -> &Value {
        let found: Vec<&Value> = self.events.iter().filter(|e| e["event"] == kind).collect();
        assert_eq!(found.len(), 1, "{kind}: {:?}\n{}", self.events, self.stderr);
        found[0]
    }

    fn summary(&self) -> &Value {
        self.only("summary")
    }
}

fn sidecar(dir: &Path) -> String {
    fs::read_to_string(dir.join(SIDECAR)).unwrap_or_else(|e| panic!("{SIDECAR}: {e}"))
}

/// The sidecar's `verified:` header line, without the comment marker.
fn verified_header(sidecar: &str) -> &str {
    sidecar
        .lines()
        .take_while(|l| l.starts_with("//"))
        .find_map(|l| l.strip_prefix("// verified: "))
        .unwrap_or_else(|| panic!("no verified line in\n{sidecar}"))
}

/// The first answer has a compile error; the repair request quotes the compiler; the second answer is
/// verified, and once merged the module builds.
fn repaired_in_one_round(broken: Broken) {
    if !have("go") {
        return;
    }
    let shop = fixture_copy("shop");
    let server = answering(broken.answer, right());
    let run = Run::of(&mut generate(shop.path(), &server));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let succeeded = run.only("job_succeeded");
    assert_eq!(succeeded["verified"], "go build", "{succeeded}");
    assert_eq!(succeeded["repair_rounds"], 1, "{succeeded}");
    assert_eq!(run.summary()["verified"], 1);

    let chats = chats(&server);
    assert_eq!(chats.len(), 2);
    assert_eq!(messages(&chats[1]).len(), 4);
    let repair = last_user_message(&chats[1]);
    for words in broken.says {
        assert!(
            repair.contains(words),
            "{words:?} not in the repair request:\n{repair}"
        );
    }

    let sidecar = sidecar(shop.path());
    assert_eq!(verified_header(&sidecar), "go build");
    let backups = TempDir::new().unwrap();
    assistant(shop.path())
        .env("TMPDIR", backups.path())
        .args(["merge", "--clean"])
        .assert()
        .success();
    let merged = fs::read_to_string(shop.path().join(HANDLER)).unwrap();
    assert!(!merged.contains("implement me"), "{merged}");
    let build = go_build(shop.path());
    assert!(
        build.status.success(),
        "{}\n{merged}",
        String::from_utf8_lossy(&build.stderr)
    );
}

#[test]
fn an_unused_variable_is_repaired_with_the_compilers_message() {
    repaired_in_one_round(unused_variable());
}

#[test]
fn an_undefined_dao_method_is_repaired_with_the_compilers_message() {
    repaired_in_one_round(undefined_dao_method());
}

#[test]
fn a_wrong_field_name_is_repaired_with_the_compilers_message() {
    repaired_in_one_round(wrong_field());
}

#[test]
fn a_missing_import_is_repaired_with_the_compilers_message() {
    repaired_in_one_round(missing_import());
}

#[test]
fn a_right_first_answer_is_verified_without_repair() {
    if !have("go") {
        return;
    }
    let shop = fixture_copy("shop");
    let server = answering(right(), "unused".into());
    let run = Run::of(&mut generate(shop.path(), &server));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let succeeded = run.only("job_succeeded");
    assert_eq!(succeeded["verified"], "go build");
    assert_eq!(succeeded["repair_rounds"], 0);
    assert_eq!(run.summary()["verified"], 1);
    assert_eq!(chats(&server).len(), 1);
    assert_eq!(verified_header(&sidecar(shop.path())), "go build");
}

#[test]
fn an_answer_that_stays_broken_fails_after_two_repair_rounds_and_is_kept() {
    if !have("go") {
        return;
    }
    let shop = fixture_copy("shop");
    let broken = missing_import();
    let server = answering(broken.answer.clone(), broken.answer);
    let run = Run::of(&mut generate(shop.path(), &server));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let failed = run.only("job_failed");
    assert_eq!(failed["repair_rounds"], 2, "{failed}");
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("undefined: errors"), "{error}");
    assert!(error.contains(REJECTED), "{error}");
    assert_eq!(run.summary()["verified"], 0);
    // The first request, then two repair rounds.
    let chats = chats(&server);
    assert_eq!(chats.len(), 3);
    assert_eq!(messages(&chats[2]).len(), 6);

    let kept = fs::read_to_string(shop.path().join(REJECTED)).unwrap();
    assert!(kept.contains("errors.New(\"no id\")"), "{kept}");
    assert!(
        kept.contains("why this answer was rejected"),
        "no problems in {kept}"
    );
    assert!(kept.contains("undefined: errors"), "{kept}");
    assert!(!shop.path().join(SIDECAR).exists());
}

#[test]
fn errors_the_tree_already_had_do_not_count_against_the_answer() {
    if !have("go") {
        return;
    }
    let shop = broken_shop();
    let server = answering(right(), "unused".into());
    let run = Run::of(&mut generate(shop.path(), &server));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let succeeded = run.only("job_succeeded");
    assert_eq!(succeeded["verified"], "go build", "{succeeded}");
    assert_eq!(succeeded["repair_rounds"], 0);
    assert_eq!(verified_header(&sidecar(shop.path())), "go build");

    // The tree's own errors do not hide the answer's.
    let shop = broken_shop();
    let broken = wrong_field();
    let server = answering(broken.answer.clone(), broken.answer);
    let run = Run::of(generate(shop.path(), &server).args(["--repair-rounds", "0"]));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let failed = run.only("job_failed");
    assert_eq!(failed["repair_rounds"], 0);
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("order.Amount undefined"), "{error}");
    assert!(
        !error.contains("strings"),
        "the tree's own error counted: {error}"
    );
    assert_eq!(chats(&server).len(), 1);
}

#[test]
fn verify_off_accepts_a_broken_answer_unverified() {
    let shop = fixture_copy("shop");
    let server = answering(wrong_field().answer, right());
    let run = Run::of(generate(shop.path(), &server).args(["--verify", "off"]));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let succeeded = run.only("job_succeeded");
    assert_eq!(succeeded["verified"], "no (--verify off)");
    assert_eq!(succeeded["repair_rounds"], 0);
    assert_eq!(run.summary()["verified"], 0);
    assert_eq!(chats(&server).len(), 1);
    let sidecar = sidecar(shop.path());
    assert_eq!(verified_header(&sidecar), "no (--verify off)");
    assert!(sidecar.contains("order.Amount"), "{sidecar}");
}

#[test]
fn without_go_on_path_auto_goes_unverified_and_on_is_a_usage_error() {
    let shop = fixture_copy("shop");
    let empty = TempDir::new().unwrap();
    let server = answering(right(), "unused".into());
    let run = Run::of(generate(shop.path(), &server).env("PATH", empty.path()));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let succeeded = run.only("job_succeeded");
    let verified = succeeded["verified"].as_str().unwrap();
    assert!(
        verified.starts_with("no (") && verified.contains("go"),
        "{verified}"
    );
    assert_eq!(succeeded["repair_rounds"], 0);
    assert_eq!(run.summary()["verified"], 0);
    assert_eq!(verified_header(&sidecar(shop.path())), verified);

    let shop = fixture_copy("shop");
    let server = answering(right(), "unused".into());
    let output = generate(shop.path(), &server)
        .args(["--verify", "on"])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("go is not on PATH"), "{stderr}");
    assert_eq!(server.request_count(), 0);
    assert!(!shop.path().join(SIDECAR).exists());
}

#[test]
fn a_rust_type_error_is_repaired_and_verified_with_cargo_check() {
    if !have("cargo") {
        return;
    }
    let ledger = fixture_copy("ledger");
    // The scratch copy and its target dir live under TMPDIR: keep them in a folder of the test's own.
    let scratch = TempDir::new().unwrap();
    let answer = |body: &str| {
        format!(
            "```rust\n// file: src/lib.rs\n/// The balance of the entries: the sum of their amounts, in cents.\n\
             pub fn balance(entries: &[Entry]) -> i64 {{\n{body}\n}}\n```\n"
        )
    };
    let sum = "    entries.iter().map(|entry| entry.cents).sum()";
    let server = answering(
        answer(&format!("    let n: u8 = \"x\";\n{sum}")),
        answer(sum),
    );
    let run = Run::of(generate(ledger.path(), &server).env("TMPDIR", scratch.path()));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let succeeded = run.only("job_succeeded");
    assert_eq!(succeeded["verified"], "cargo check", "{succeeded}");
    assert_eq!(succeeded["repair_rounds"], 1);
    let chats = chats(&server);
    assert_eq!(chats.len(), 2);
    let repair = last_user_message(&chats[1]);
    assert!(repair.contains("mismatched types"), "{repair}");
    let sidecar = fs::read_to_string(ledger.path().join("src/lib.rs.assistant")).unwrap();
    assert_eq!(verified_header(&sidecar), "cargo check");
    assert!(!sidecar.contains("let n: u8"), "{sidecar}");
}

#[test]
fn the_project_file_sets_verify_and_repair_rounds() {
    let shop = fixture_copy("shop");
    let file = shop.path().join(".assistant.toml");
    fs::write(&file, "verify = \"off\"\nrepair_rounds = 0\n").unwrap();
    let output = assistant(shop.path())
        .args(["generate", "--type", "deepseek", "--show-config"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let out = String::from_utf8(output.stdout).unwrap();
    let from_file = format!("  # {}", file.display());
    for line in [
        format!("verify = off{from_file}"),
        format!("repair_rounds = 0{from_file}"),
        "verify_timeout = ".to_string(),
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&line)),
            "{line:?} not in\n{out}"
        );
    }
    let timeout = out
        .lines()
        .find(|l| l.starts_with("verify_timeout = "))
        .unwrap();
    assert!(timeout.ends_with("  # default"), "{timeout}");

    // verify = "off": the broken answer stands, unverified, after one request.
    let broken = wrong_field();
    let server = answering(broken.answer.clone(), right());
    let run = Run::of(&mut generate(shop.path(), &server));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.only("job_succeeded")["verified"], "no (--verify off)");
    assert_eq!(chats(&server).len(), 1);

    // A flag beats the file's verify; the file's repair_rounds = 0 still holds: no repair round.
    if !have("go") {
        return;
    }
    let server = answering(broken.answer, right());
    let run = Run::of(generate(shop.path(), &server).args(["--verify", "auto", "--force"]));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let failed = run.only("job_failed");
    assert_eq!(failed["repair_rounds"], 0);
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("order.Amount undefined"),
        "{failed}"
    );
    assert_eq!(chats(&server).len(), 1);
}

/// An answer may extend the dao (sponge's way to add a query): both packages are checked together, and
/// an error in the dao file goes back to the model under the dao's name.
#[test]
fn an_answer_extending_the_dao_is_checked_in_both_packages() {
    if !have("go") {
        return;
    }
    let shop = fixture_copy("shop");
    let handler = undefined_dao_method().answer;
    let interface = "```go\n// file: internal/dao/order.go\npackage dao\n\nimport (\n\t\"context\"\n\n\t\"shop/internal/model\"\n)\n\n\
         // OrderDao reads and writes orders.\ntype OrderDao interface {\n\
         \t// GetByID returns the order with this id, or ErrNotFound.\n\
         \tGetByID(ctx context.Context, id uint64) (*model.Order, error)\n\
         \t// Update saves the order, which must exist.\n\
         \tUpdate(ctx context.Context, order *model.Order) error\n\
         \t// Delete removes the order with this id.\n\
         \tDelete(ctx context.Context, id uint64) error\n}\n";
    let implementation = "\n// Delete removes the order with this id.\n\
         func (d *orderDao) Delete(ctx context.Context, id uint64) error {\n\
         \td.mu.Lock()\n\tdefer d.mu.Unlock()\n\tdelete(d.orders, id)\n\treturn nil\n}\n";
    // First the interface alone (the in-memory dao no longer implements it), then with the method.
    let first = format!("{handler}\n{interface}```\n");
    let second = format!("{handler}\n{interface}{implementation}```\n");
    let server = answering(first, second);
    let run = Run::of(&mut generate(shop.path(), &server));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let succeeded = run.only("job_succeeded");
    assert_eq!(succeeded["verified"], "go build", "{succeeded}");
    assert_eq!(succeeded["repair_rounds"], 1);
    let repair = last_user_message(&chats(&server)[1]);
    assert!(repair.contains("internal/dao/order.go:"), "{repair}");
    assert!(repair.contains("Delete"), "{repair}");
    let dao = fs::read_to_string(shop.path().join("internal/dao/order.go.assistant")).unwrap();
    assert_eq!(verified_header(&dao), "go build");

    let backups = TempDir::new().unwrap();
    assistant(shop.path())
        .env("TMPDIR", backups.path())
        .args(["merge", "--clean"])
        .assert()
        .success();
    let build = go_build(shop.path());
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
}
