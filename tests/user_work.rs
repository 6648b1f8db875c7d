//! Merge keeps everything the user wrote, end to end (generate against a fake model, merge, build):
//! the stub's own doc comment and attributes, earlier paid answers, files the tool did not write,
//! edits made after a merge, and whole files under Ctrl-C. Fixtures are written here by hand, in Go,
//! Rust and Python; each merged tree must build (`go build`, `cargo check`, `python3 -m py_compile`).

#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::Path;
use std::process::Command as Process;

use fake_llm::{Behaviour, FakeLlm, Script};
use project::{assistant, generate};
use tempfile::TempDir;

/// A folder holding `files` (relative path, content).
fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

/// `generate` in `dir` against a fake model answering `answer`, without verification.
fn generate_with(dir: &Path, answer: &str, extra: &[&str]) -> std::process::Output {
    let server = FakeLlm::start(Behaviour::answer(answer));
    generate(dir, &server.base_url(), "k")
        .args(["--verify", "off"])
        .args(extra)
        .output()
        .unwrap()
}

/// `merge` in `dir` with `args`, backups kept inside the test's folder.
fn merge(dir: &Path, args: &[&str]) -> std::process::Output {
    fs::create_dir_all(dir.join(".backups")).unwrap();
    assistant(dir)
        .env("TMPDIR", dir.join(".backups"))
        .arg("merge")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a build command in `dir`; panics with its output when it fails.
fn builds(dir: &Path, program: &str, args: &[&str]) {
    let output = Process::new(program)
        .args(args)
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("CARGO_TARGET_DIR", dir.join(".target"))
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} fails:\n{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

const GO_MOD: &str = "module example.com/p\n\ngo 1.19\n";

const GO_SOURCE: &str = "package p

// Redeem godoc
// @Summary redeem a coupon
// @Router /api/v1/coupon/redeem [post]
//
//go:noinline
func Redeem(code string) error {
	panic(\"implement me\")
}

func Bare(n int) int {
	panic(\"implement me\")
}
";

const GO_ANSWER: &str = "```go
// file: a.go
package p

import \"errors\"

// Redeem redeems a coupon (the model's words).
func Redeem(code string) error {
	if code == \"\" {
		return errors.New(\"empty code\")
	}
	return nil
}

// Bare doubles n.
func Bare(n int) int {
	return 2 * n
}
```
";

#[test]
fn go_merge_keeps_the_stubs_doc_comment_and_directives() {
    let dir = tree(&[("go.mod", GO_MOD), ("a.go", GO_SOURCE)]);
    let generated = generate_with(dir.path(), GO_ANSWER, &[]);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let merged = merge(dir.path(), &[]);
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    let source = fs::read_to_string(dir.path().join("a.go")).unwrap();
    assert!(
        source.contains(
            "// Redeem godoc\n// @Summary redeem a coupon\n// @Router /api/v1/coupon/redeem [post]\n//\n//go:noinline\nfunc Redeem(code string) error {\n\tif code"
        ),
        "{source}"
    );
    assert!(!source.contains("the model's words"), "{source}");
    // Where the source had no comment, the answer's is welcome.
    assert!(source.contains("// Bare doubles n.\nfunc Bare"), "{source}");
    builds(dir.path(), "go", &["build", "./..."]);
}

#[test]
fn rust_merge_keeps_the_stubs_doc_comment_and_attributes() {
    let cargo_toml =
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n";
    let lib = "pub struct Store {\n    active: Vec<u64>,\n}\n\nimpl Store {\n    /// Deactivates `id`; false when it was not active.\n    #[must_use]\n    #[inline(never)]\n    pub fn deactivate(&mut self, id: u64) -> bool {\n        todo!()\n    }\n}\n";
    let answer = "```rust\n// file: src/lib.rs\nimpl Store {\n    /// Deactivates (the model's words).\n    #[inline]\n    pub fn deactivate(&mut self, id: u64) -> bool {\n        let before = self.active.len();\n        self.active.retain(|a| *a != id);\n        self.active.len() != before\n    }\n}\n```\n";
    let dir = tree(&[("Cargo.toml", cargo_toml), ("src/lib.rs", lib)]);
    let generated = generate_with(dir.path(), answer, &[]);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let merged = merge(dir.path(), &[]);
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    let source = fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
    assert!(
        source.contains("    /// Deactivates `id`; false when it was not active.\n    #[must_use]\n    #[inline(never)]\n    pub fn deactivate(&mut self, id: u64) -> bool {\n        let before"),
        "{source}"
    );
    assert!(!source.contains("model's words"), "{source}");
    builds(dir.path(), "cargo", &["check", "--offline", "--quiet"]);
}

#[test]
fn python_merge_keeps_the_stubs_docstring_and_decorators() {
    let source = "import functools\n\n\nclass Coupons:\n    def __init__(self):\n        self.codes = {}\n\n    @functools.lru_cache(maxsize=None)\n    def redeem(self, code):\n        \"\"\"Redeems `code`.\n\n        Raises KeyError when unknown.\n        \"\"\"\n        raise NotImplementedError\n";
    let answer = "```python\n# file: coupons.py\nclass Coupons:\n    @functools.lru_cache(maxsize=None)\n    def redeem(self, code):\n        \"\"\"The model's words.\"\"\"\n        return self.codes.pop(code)\n```\n";
    let dir = tree(&[("coupons.py", source)]);
    let generated = generate_with(dir.path(), answer, &[]);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let merged = merge(dir.path(), &[]);
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    let now = fs::read_to_string(dir.path().join("coupons.py")).unwrap();
    assert!(
        now.contains("    @functools.lru_cache(maxsize=None)\n    def redeem(self, code):\n        \"\"\"Redeems `code`.\n\n        Raises KeyError when unknown.\n        \"\"\"\n        return self.codes.pop(code)\n"),
        "{now}"
    );
    assert!(!now.contains("model's words"), "{now}");
    builds(dir.path(), "python3", &["-m", "py_compile", "coupons.py"]);
}

const TWO_STUBS: &str = "package p

// Add adds.
func Add(a, b int) int {
	panic(\"implement me\")
}

// Sub subtracts.
func Sub(a, b int) int {
	panic(\"implement me\")
}
";

/// The answer for one of `TWO_STUBS`' functions.
fn answer_for(name: &str, op: &str) -> Behaviour {
    Behaviour::answer(&format!(
        "```go\n// file: a.go\npackage p\n\nfunc {name}(a, b int) int {{\n\treturn a {op} b\n}}\n```\n"
    ))
}

#[test]
fn a_run_for_another_stub_adds_to_the_sidecar() {
    let dir = tree(&[("go.mod", GO_MOD), ("a.go", TWO_STUBS)]);
    let server = FakeLlm::start(
        Script::new(Behaviour::Empty).first([answer_for("Add", "+"), answer_for("Sub", "-")]),
    );
    for line in ["4", "9"] {
        let output = generate(dir.path(), &server.base_url(), "k")
            .args(["--verify", "off", "--file", "a.go", "--line", line])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let sidecar = assistant::sidecar::read(&dir.path().join("a.go.assistant")).unwrap();
    let mut functions = sidecar.functions.clone();
    functions.sort();
    assert_eq!(functions, ["Add", "Sub"], "{}", sidecar.code);
    let merged = merge(dir.path(), &[]);
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    let source = fs::read_to_string(dir.path().join("a.go")).unwrap();
    assert!(
        source.contains("return a + b") && source.contains("return a - b"),
        "{source}"
    );
    builds(dir.path(), "go", &["build", "./..."]);
}

#[test]
fn generate_merge_and_clean_leave_files_the_tool_did_not_write_alone() {
    let dir = tree(&[("go.mod", GO_MOD), ("b.go", TWO_STUBS)]);
    fs::write(dir.path().join("b.go.assistant"), "my notes about b.go\n").unwrap();
    fs::write(dir.path().join("todo.assistant"), "buy milk\n").unwrap();
    let server = FakeLlm::start(Behaviour::Empty);
    let output = generate(dir.path(), &server.base_url(), "k")
        .args(["--verify", "off"])
        .output()
        .unwrap();
    assert!(
        text(&output.stderr).contains("left alone b.go.assistant"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(
        server.request_count(),
        0,
        "asked for a file whose sidecar cannot be written"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("b.go.assistant")).unwrap(),
        "my notes about b.go\n"
    );
    let merged = merge(dir.path(), &[]);
    let stderr = text(&merged.stderr);
    assert!(merged.status.success(), "{stderr}");
    assert!(stderr.contains("left alone todo.assistant"), "{stderr}");
    assert_eq!(
        fs::read_to_string(dir.path().join("b.go")).unwrap(),
        TWO_STUBS
    );
    fs::write(dir.path().join("b.go.assistant.rejected"), "an answer\n").unwrap();
    let cleaned = assistant(dir.path()).arg("clean").output().unwrap();
    let stderr = text(&cleaned.stderr);
    assert!(cleaned.status.success(), "{stderr}");
    assert!(stderr.contains("left alone b.go.assistant"), "{stderr}");
    assert!(stderr.contains("left alone todo.assistant"), "{stderr}");
    assert!(text(&cleaned.stdout).contains("removed b.go.assistant.rejected"));
    assert_eq!(
        fs::read_to_string(dir.path().join("todo.assistant")).unwrap(),
        "buy milk\n"
    );
    assert!(dir.path().join("b.go.assistant").exists());
}

#[test]
fn merging_again_after_user_edits_says_merged_and_force_never_reverts() {
    let dir = tree(&[("go.mod", GO_MOD), ("a.go", GO_SOURCE)]);
    let generated = generate_with(dir.path(), GO_ANSWER, &[]);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    assert!(merge(dir.path(), &[]).status.success());
    let path = dir.path().join("a.go");
    let edited = fs::read_to_string(&path)
        .unwrap()
        .replace("return 2 * n", "return n + n // mine");
    fs::write(&path, &edited).unwrap();
    for args in [&[][..], &["--force"]] {
        let again = merge(dir.path(), args);
        assert!(again.status.success(), "{}", text(&again.stderr));
        assert!(
            text(&again.stdout).contains("already merged a.go"),
            "{}{}",
            text(&again.stdout),
            text(&again.stderr)
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), edited);
    }
    builds(dir.path(), "go", &["build", "./..."]);
}

/// Files in the Ctrl-C test: enough that merging them takes a while.
const MANY: usize = 100;

/// `f{i}.go`: a stub, then a long comment, so that writing takes time too.
fn stub_file(i: usize) -> String {
    let padding =
        "// padding padding padding padding padding padding padding padding\n".repeat(1500);
    format!("package p\n\n// F{i} does it.\nfunc F{i}() error {{\n\tpanic(\"implement me\")\n}}\n\n{padding}")
}

fn merged_file(i: usize) -> String {
    stub_file(i).replace("\tpanic(\"implement me\")\n", "\treturn nil\n")
}

/// A folder of `MANY` stub files, each with its sidecar.
fn many_stubs() -> TempDir {
    use assistant::check::CheckedFile;
    use assistant::sidecar::{self, Meta};

    let dir = TempDir::new().unwrap();
    for i in 0..MANY {
        let path = dir.path().join(format!("f{i:03}.go"));
        let source = stub_file(i);
        fs::write(&path, &source).unwrap();
        let part = CheckedFile {
            path: path.clone(),
            code: format!("package p\n\nfunc F{i}() error {{\n\treturn nil\n}}\n"),
            functions: vec![format!("F{i}")],
        };
        let meta = Meta {
            provider: "test".into(),
            model: "m".into(),
            time: std::time::SystemTime::UNIX_EPOCH,
            verified: None,
        };
        let content = sidecar::compose(&path, &source, &[part], &meta).unwrap();
        fs::write(sidecar::sidecar_path(&path), content).unwrap();
    }
    fs::create_dir(dir.path().join(".backups")).unwrap();
    dir
}

/// `merge` in `dir`, interrupted by SIGINT after `delay` (never when `None`).
#[cfg(unix)]
fn merge_interrupted(dir: &Path, delay: Option<std::time::Duration>) -> std::process::Output {
    let child = Process::new(assert_cmd::cargo::cargo_bin("assistant"))
        .current_dir(dir)
        .arg("merge")
        .env("PATH", "")
        .env("TMPDIR", dir.join(".backups"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(delay) = delay {
        std::thread::sleep(delay);
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGINT);
        }
    }
    child.wait_with_output().unwrap()
}

/// How many files of `dir` hold their old text and how many their new one; panics on anything else
/// (a half-written file, a temporary file left behind).
fn old_and_new(dir: &Path) -> (usize, usize) {
    for entry in fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "left behind: {name}");
    }
    let (mut old, mut new) = (0, 0);
    for i in 0..MANY {
        let now = fs::read_to_string(dir.join(format!("f{i:03}.go"))).unwrap();
        if now == stub_file(i) {
            old += 1;
        } else {
            assert_eq!(
                now,
                merged_file(i),
                "f{i:03}.go is neither its old nor its new text"
            );
            new += 1;
        }
    }
    (old, new)
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_merge_leaves_every_file_old_or_new_and_no_temporary_file() {
    // How long a whole merge takes here, to interrupt others at points along the way.
    let dir = many_stubs();
    let started = std::time::Instant::now();
    let whole = merge_interrupted(dir.path(), None);
    let took = started.elapsed();
    assert!(whole.status.success(), "{}", text(&whole.stderr));
    assert_eq!(old_and_new(dir.path()), (0, MANY));

    let mut interrupted = 0;
    for percent in [20, 60, 85, 92] {
        let dir = many_stubs();
        let delay = took * percent / 100;
        let output = merge_interrupted(dir.path(), Some(delay));
        let stderr = text(&output.stderr);
        let (old, new) = old_and_new(dir.path());
        match output.status.code() {
            Some(130) => {
                interrupted += 1;
                let said = if new == 0 {
                    "nothing was merged"
                } else {
                    "merged whole"
                };
                assert!(stderr.contains(said), "{stderr}");
            }
            Some(0) => assert_eq!(new, MANY),
            other => panic!("exit {other:?} after Ctrl-C at {delay:?}: {stderr}"),
        }
        // All or nothing, Ctrl-C or not.
        assert!(
            old == 0 || new == 0,
            "{old} old, {new} new after Ctrl-C at {delay:?}"
        );
    }
    assert!(interrupted > 0, "every merge ended before its Ctrl-C");
}

const SHOP_HANDLER: &str = "package handler

import (
	\"context\"

	\"example.com/shop/internal/dao\"
)

type couponHandler struct {
	couponDao dao.CouponDao
}

// Redeem marks the coupon used; false when it was used already.
func (h *couponHandler) Redeem(ctx context.Context, id uint64) (bool, error) {
	panic(\"implement me\")
}
";

const SHOP_DAO: &str = "package dao

import \"context\"

// CouponDao defining the dao interface
type CouponDao interface {
	GetByID(ctx context.Context, id uint64) (bool, error)
}

type couponDao struct {
	used map[uint64]bool
}

// GetByID tells whether the coupon is used.
func (d *couponDao) GetByID(ctx context.Context, id uint64) (bool, error) {
	return d.used[id], nil
}
";

/// The handler calls a dao method its answer adds.
const SHOP_ANSWER: &str = "```go
// file: internal/handler/coupon.go
package handler

import \"context\"

func (h *couponHandler) Redeem(ctx context.Context, id uint64) (bool, error) {
	return h.couponDao.MarkUsed(ctx, id)
}
```

```go
// file: internal/dao/coupon.go
package dao

import \"context\"

// CouponDao defining the dao interface
type CouponDao interface {
	GetByID(ctx context.Context, id uint64) (bool, error)
	// MarkUsed marks the coupon used; false when it was used already.
	MarkUsed(ctx context.Context, id uint64) (bool, error)
}

// MarkUsed marks the coupon used; false when it was used already.
func (d *couponDao) MarkUsed(ctx context.Context, id uint64) (bool, error) {
	if d.used[id] {
		return false, nil
	}
	d.used[id] = true
	return true, nil
}
```
";

/// A sponge-like module whose handler's sidecar needs its dao's.
fn shop() -> TempDir {
    let dir = tree(&[
        ("go.mod", "module example.com/shop\n\ngo 1.19\n"),
        ("internal/handler/coupon.go", SHOP_HANDLER),
        ("internal/dao/coupon.go", SHOP_DAO),
    ]);
    let generated = generate_with(dir.path(), SHOP_ANSWER, &[]);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let handler =
        assistant::sidecar::read(&dir.path().join("internal/handler/coupon.go.assistant")).unwrap();
    assert_eq!(handler.depends, ["../dao/coupon.go.assistant"]);
    assert!(dir
        .path()
        .join("internal/dao/coupon.go.assistant")
        .is_file());
    dir
}

#[test]
fn merging_a_handler_brings_its_dao_along() {
    let dir = shop();
    let merged = merge(dir.path(), &["--file", "internal/handler/coupon.go"]);
    let stdout = text(&merged.stdout);
    assert!(merged.status.success(), "{stdout}{}", text(&merged.stderr));
    assert!(
        stdout.contains("merged internal/handler/coupon.go"),
        "{stdout}"
    );
    assert!(stdout.contains("merged internal/dao/coupon.go"), "{stdout}");
    builds(dir.path(), "go", &["build", "./..."]);
}

#[test]
fn when_the_dao_sidecar_is_refused_the_handler_is_not_merged_either() {
    let dir = shop();
    let dao = dir.path().join("internal/dao/coupon.go");
    let changed = format!("{SHOP_DAO}\n// a comment written since\n");
    fs::write(&dao, &changed).unwrap();
    let merged = merge(dir.path(), &["--file", "internal/handler/coupon.go"]);
    let stderr = text(&merged.stderr);
    assert_eq!(merged.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("refused internal/dao/coupon.go.assistant: the source changed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("refused internal/handler/coupon.go.assistant: it needs internal/dao/coupon.go.assistant"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("internal/handler/coupon.go")).unwrap(),
        SHOP_HANDLER
    );
    assert_eq!(fs::read_to_string(&dao).unwrap(), changed);
    builds(dir.path(), "go", &["build", "./..."]);
}

#[test]
fn when_the_handler_changed_since_its_dao_is_not_merged_either() {
    let dir = shop();
    let handler = dir.path().join("internal/handler/coupon.go");
    let changed = SHOP_HANDLER.replace("type couponHandler", "// edited since\ntype couponHandler");
    fs::write(&handler, &changed).unwrap();
    let merged = merge(dir.path(), &["--file", "internal/handler/coupon.go"]);
    let stderr = text(&merged.stderr);
    assert_eq!(merged.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("refused internal/dao/coupon.go.assistant: internal/handler/coupon.go.assistant needs it"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&handler).unwrap(), changed);
    assert_eq!(
        fs::read_to_string(dir.path().join("internal/dao/coupon.go")).unwrap(),
        SHOP_DAO
    );
}

const PY_TWO_STUBS: &str = "def add(a, b):\n    \"\"\"Adds.\"\"\"\n    raise NotImplementedError\n\n\ndef sub(a, b):\n    \"\"\"Subtracts.\"\"\"\n    raise NotImplementedError\n";

fn py_answer(name: &str, op: &str) -> Behaviour {
    Behaviour::answer(&format!(
        "```python\n# file: calc.py\ndef {name}(a, b):\n    return a {op} b\n```\n"
    ))
}

#[test]
fn python_sidecars_accumulate_and_edits_after_merge_stay() {
    let dir = tree(&[("calc.py", PY_TWO_STUBS)]);
    let server = FakeLlm::start(
        Script::new(Behaviour::Empty).first([py_answer("add", "+"), py_answer("sub", "-")]),
    );
    for line in ["1", "6"] {
        let output = generate(dir.path(), &server.base_url(), "k")
            .args(["--verify", "off", "--file", "calc.py", "--line", line])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let sidecar = assistant::sidecar::read(&dir.path().join("calc.py.assistant")).unwrap();
    let mut functions = sidecar.functions.clone();
    functions.sort();
    assert_eq!(functions, ["add", "sub"], "{}", sidecar.code);
    assert!(merge(dir.path(), &[]).status.success());
    let path = dir.path().join("calc.py");
    let merged = fs::read_to_string(&path).unwrap();
    assert!(
        merged.contains("def add(a, b):\n    \"\"\"Adds.\"\"\"\n    return a + b\n"),
        "{merged}"
    );
    let edited = merged.replace("return a - b", "return a - b  # checked by hand");
    fs::write(&path, &edited).unwrap();
    for args in [&[][..], &["--force"]] {
        let again = merge(dir.path(), args);
        assert!(again.status.success(), "{}", text(&again.stderr));
        assert!(text(&again.stdout).contains("already merged calc.py"));
        assert_eq!(fs::read_to_string(&path).unwrap(), edited);
    }
    builds(dir.path(), "python3", &["-m", "py_compile", "calc.py"]);
}

#[test]
fn rust_force_merges_only_what_is_still_a_stub() {
    let cargo_toml =
        "[package]\nname = \"q\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n";
    let lib = "pub struct S;\n\nimpl S {\n    pub fn one(&self) -> u8 {\n        todo!()\n    }\n\n    pub fn two(&self) -> u8 {\n        todo!()\n    }\n}\n";
    let answer = "```rust\n// file: src/lib.rs\nimpl S {\n    pub fn one(&self) -> u8 {\n        1\n    }\n\n    pub fn two(&self) -> u8 {\n        2\n    }\n}\n```\n";
    let dir = tree(&[("Cargo.toml", cargo_toml), ("src/lib.rs", lib)]);
    let generated = generate_with(dir.path(), answer, &[]);
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let path = dir.path().join("src/lib.rs");
    let by_hand = lib.replacen("todo!()", "10 // mine", 1);
    fs::write(&path, &by_hand).unwrap();
    let refused = merge(dir.path(), &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("the source changed"));
    let forced = merge(dir.path(), &["--force"]);
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        by_hand.replacen("todo!()", "2", 1)
    );
    builds(dir.path(), "cargo", &["check", "--offline", "--quiet"]);
}
