//! The editor recipes in docs/editors/ against the real binary: the VS Code problemMatcher regexp (read
//! from vscode-tasks.json) and the Neovim errorformat (read from neovim.md) must each turn every line of
//! `scan`'s text output into the right file, line, column and message; and every command those docs run
//! must be one the binary accepts (run in a dry form: `--only-print-prompt`, `merge --dry-run`).

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use regex::Regex;
use serde_json::Value;
use tempfile::TempDir;

const EXAMPLE: &str = "examples/store";
/// The example file and line the docs put the cursor on: `RedeemCoupon`'s `func` line.
const CURSOR_FILE: &str = "internal/handler/coupon.go";
const CURSOR_LINE: &str = "168";
const SCAN_TASK: &str = "assistant: scan this workspace";

#[derive(Debug, PartialEq)]
struct Problem {
    file: String,
    line: usize,
    column: usize,
    message: String,
}

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    fs::read_to_string(repo_path(relative)).expect("doc exists")
}

/// The binary, with no provider settings leaking in from the environment: nothing here may reach out.
fn assistant(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("assistant").expect("binary builds");
    cmd.current_dir(cwd);
    for key in [
        "ASSISTANT_API_KEY",
        "ASSISTANT_TYPE",
        "ASSISTANT_BASE_URL",
        "ASSISTANT_MODEL",
        "DEEPSEEK_API_KEY",
        "OPENAI_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
    ] {
        cmd.env_remove(key);
    }
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    let output = cmd.output().expect("runs");
    assert!(
        output.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// What each text line must yield, built from `scan --format json`, not from the text itself.
fn expected_problems(cwd: &Path, paths: &[&str]) -> Vec<Problem> {
    let json = stdout_of(
        assistant(cwd)
            .args(["scan", "--format", "json"])
            .args(paths),
    );
    json.lines()
        .map(|line| {
            let stub: Value = serde_json::from_str(line).expect("JSON line");
            let mut message = format!("stub {}", stub["name"].as_str().unwrap());
            if let Some(receiver) = stub["receiver"].as_str() {
                message.push_str(&format!(" ({receiver})"));
            }
            let doc = stub["doc"].as_str().unwrap_or("");
            if let Some(summary) = doc.lines().map(str::trim).find(|l| !l.is_empty()) {
                message.push_str(&format!(": {summary}"));
            }
            Problem {
                file: stub["file"].as_str().unwrap().to_owned(),
                line: stub["line"].as_u64().unwrap() as usize,
                column: stub["column"].as_u64().unwrap() as usize,
                message,
            }
        })
        .collect()
}

fn scan_text(cwd: &Path, args: &[&str]) -> Vec<String> {
    let text = stdout_of(assistant(cwd).args(args));
    text.lines().map(str::to_owned).collect()
}

// ---- VS Code ----

fn vscode_tasks() -> Value {
    serde_json::from_str(&read("docs/editors/vscode-tasks.json")).expect("tasks.json is plain JSON")
}

fn task<'a>(tasks: &'a Value, label: &str) -> &'a Value {
    tasks["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["label"] == label)
        .unwrap_or_else(|| panic!("no task {label:?}"))
}

fn task_args(task: &Value) -> Vec<String> {
    assert_eq!(task["command"], "assistant", "{task}");
    task["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string arg").to_owned())
        .collect()
}

/// A problemMatcher pattern: VS Code runs `regexp` (a JavaScript regexp; this one uses only syntax the
/// regex crate reads the same way) on each line and takes the numbered groups.
struct ProblemMatcher {
    regexp: Regex,
    groups: [usize; 4],
}

impl ProblemMatcher {
    fn from_task(task: &Value) -> Self {
        let matcher = &task["problemMatcher"];
        assert_eq!(matcher["severity"], "warning");
        let pattern = &matcher["pattern"];
        let group = |name: &str| pattern[name].as_u64().expect("group number") as usize;
        Self {
            regexp: Regex::new(pattern["regexp"].as_str().expect("regexp")).expect("valid regexp"),
            groups: [
                group("file"),
                group("line"),
                group("column"),
                group("message"),
            ],
        }
    }

    fn parse(&self, line: &str) -> Option<Problem> {
        let caps = self.regexp.captures(line)?;
        let [file, row, column, message] =
            self.groups.map(|g| caps.get(g).map_or("", |m| m.as_str()));
        Some(Problem {
            file: file.to_owned(),
            line: row.parse().ok()?,
            column: column.parse().ok()?,
            message: message.to_owned(),
        })
    }
}

#[test]
fn vscode_problem_matcher_reads_every_line_of_the_scan_task() {
    let tasks = vscode_tasks();
    let scan = task(&tasks, SCAN_TASK);
    assert_eq!(scan["options"]["cwd"], "${workspaceFolder}");
    let args = task_args(scan);
    assert_eq!(args, ["scan", "--format", "text"]);
    let matcher = ProblemMatcher::from_task(scan);

    let workspace = repo_path(EXAMPLE);
    let lines = scan_text(
        &workspace,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let expected = expected_problems(&workspace, &[]);
    assert_eq!(lines.len(), 6, "the example's stubs: {lines:#?}");
    assert_eq!(lines.len(), expected.len());
    for (line, want) in lines.iter().zip(&expected) {
        let got = matcher
            .parse(line)
            .unwrap_or_else(|| panic!("no match: {line}"));
        assert_eq!(&got, want, "{line}");
        assert!(
            workspace.join(&got.file).is_file(),
            "fileLocation is the workspace folder: {}",
            got.file
        );
    }
}

// ---- Neovim ----

/// Every errorformat value neovim.md gives: the bare one in a text block, `CompilerSet errorformat=…`
/// (where `\ ` escapes a space), `let &errorformat = '…'` and Lua's `efm = '…'`.
fn documented_errorformats() -> Vec<String> {
    let doc = read("docs/editors/neovim.md");
    let mut found: Vec<String> = doc
        .lines()
        .filter(|line| line.starts_with("%f"))
        .map(|line| line.trim().to_owned())
        .collect();
    let set_form = Regex::new(r"errorformat=((?:\\.|\S)+)").unwrap();
    found.extend(
        set_form
            .captures_iter(&doc)
            .map(|c| c[1].replace("\\ ", " ").replace("\\\\", "\\")),
    );
    let quoted = Regex::new(r"(?:errorformat|efm)\s*=\s*'([^']*)'").unwrap();
    found.extend(quoted.captures_iter(&doc).map(|c| c[1].to_owned()));
    found
}

/// The part of Vim's errorformat the docs use, translated the way Vim's `efm_to_regpat()` does:
/// `%f` followed by literal text becomes the shortest run of one or more characters (`.\{-1,}`), `%l`
/// and `%c` digits, `%m` the rest, `%%` a percent sign, anything else itself; the whole line must match.
/// Anything outside that subset fails the test rather than being guessed at.
fn errorformat_regex(efm: &str) -> Regex {
    let mut pattern = String::from("^");
    let mut chars = efm.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '%' => match chars.next() {
                Some('f') => match chars.peek() {
                    Some(next) if *next != '%' && *next != '\\' => pattern.push_str("(?P<f>.+?)"),
                    _ => panic!("{efm}: %f must be followed by literal text in this subset"),
                },
                Some('l') => pattern.push_str(r"(?P<l>\d+)"),
                Some('c') => pattern.push_str(r"(?P<c>\d+)"),
                Some('m') => pattern.push_str("(?P<m>.+)"),
                Some('%') => pattern.push('%'),
                other => panic!("{efm}: %{other:?} is outside the subset this test implements"),
            },
            ',' | '\\' => panic!("{efm}: {c:?} (several formats, escapes) is outside the subset"),
            literal => pattern.push_str(&regex::escape(&literal.to_string())),
        }
    }
    pattern.push('$');
    Regex::new(&pattern).expect("translated errorformat")
}

fn quickfix_entry(efm: &Regex, line: &str) -> Option<Problem> {
    let caps = efm.captures(line)?;
    Some(Problem {
        file: caps["f"].to_owned(),
        line: caps["l"].parse().ok()?,
        column: caps["c"].parse().ok()?,
        message: caps["m"].to_owned(),
    })
}

fn the_errorformat() -> String {
    let all = documented_errorformats();
    assert!(
        all.len() >= 4,
        "bare, CompilerSet, :let and Lua forms: {all:?}"
    );
    assert!(
        all.iter().all(|e| *e == all[0]),
        "the snippets disagree: {all:?}"
    );
    all[0].clone()
}

#[test]
fn neovim_errorformat_reads_every_line_of_makeprg() {
    let efm = errorformat_regex(&the_errorformat());
    let workspace = repo_path(EXAMPLE);
    let lines = scan_text(&workspace, &["scan", "-q"]);
    let expected = expected_problems(&workspace, &[]);
    assert_eq!(lines.len(), 6, "the example's stubs: {lines:#?}");
    assert_eq!(lines.len(), expected.len());
    for (line, want) in lines.iter().zip(&expected) {
        assert_eq!(quickfix_entry(&efm, line).as_ref(), Some(want), "{line}");
    }
}

/// Paths with spaces, a doc holding `3:4: `, a stub with no receiver and no doc: both readers still split
/// each line where the location ends.
#[test]
fn both_readers_handle_awkward_lines() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("my project/odd name.go");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(
        &path,
        "package odd\n\n// Resize keeps the ratio 3:4: never stretch.\nfunc (r *Img[T]) Resize() {\n\tpanic(\"implement me\")\n}\n\nfunc Bare() {\n\tpanic(\"implement me\")\n}\n",
    )
    .unwrap();
    let lines = scan_text(dir.path(), &["scan", "my project"]);
    let expected = expected_problems(dir.path(), &["my project"]);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(
        expected[0].message,
        "stub Resize (Img): Resize keeps the ratio 3:4: never stretch."
    );
    assert_eq!(expected[1].message, "stub Bare");

    let matcher = ProblemMatcher::from_task(task(&vscode_tasks(), SCAN_TASK));
    let efm = errorformat_regex(&the_errorformat());
    for (line, want) in lines.iter().zip(&expected) {
        assert_eq!(matcher.parse(line).as_ref(), Some(want), "VS Code: {line}");
        assert_eq!(
            quickfix_entry(&efm, line).as_ref(),
            Some(want),
            "Neovim: {line}"
        );
    }
}

// ---- the commands the docs run ----

/// Runs one documented command from the example's root, made dry: `generate` gets
/// `--only-print-prompt` (no key, no request), `merge` gets `--dry-run` (writes nothing). Returns stdout.
fn run_dry(args: &[String]) -> String {
    let mut args = args.to_vec();
    match args.first().map(String::as_str) {
        Some("generate") => args.push("--only-print-prompt".into()),
        Some("merge") if !args.iter().any(|a| a == "--dry-run") => args.push("--dry-run".into()),
        _ => {}
    }
    stdout_of(assistant(&repo_path(EXAMPLE)).args(&args))
}

/// `generate --line` must pick the stub under the cursor and nothing else.
fn assert_only_the_stub_under_the_cursor(args: &[String], out: &str) {
    let stubs: Vec<&str> = out.lines().filter(|l| l.starts_with("stubs: ")).collect();
    assert_eq!(
        stubs,
        ["stubs: couponHandler.RedeemCoupon"],
        "{args:?}:\n{out}"
    );
}

#[test]
fn every_vscode_task_runs() {
    let tasks = vscode_tasks();
    let workspace = repo_path(EXAMPLE);
    let file = workspace.join(CURSOR_FILE);
    let input_default = |id: &str| -> String {
        let inputs = tasks["inputs"].as_array().expect("inputs");
        let input = inputs
            .iter()
            .find(|i| i["id"] == id)
            .expect("input defined");
        input["default"].as_str().expect("default").to_owned()
    };
    let all = tasks["tasks"].as_array().expect("tasks");
    assert_eq!(all.len(), 5);
    for task in all {
        let args: Vec<String> = task_args(task)
            .into_iter()
            .map(|arg| {
                let arg = arg
                    .replace("${workspaceFolder}", workspace.to_str().unwrap())
                    .replace("${file}", file.to_str().unwrap())
                    .replace("${lineNumber}", CURSOR_LINE);
                match arg
                    .strip_prefix("${input:")
                    .and_then(|r| r.strip_suffix('}'))
                {
                    Some(id) => input_default(id),
                    None => arg,
                }
            })
            .collect();
        assert!(
            !args.iter().any(|a| a.contains("${")),
            "unresolved variable: {args:?}"
        );
        let out = run_dry(&args);
        if args[0] == "generate" {
            assert_only_the_stub_under_the_cursor(&args, &out);
        }
    }
}

#[test]
fn every_command_in_the_neovim_doc_runs() {
    let doc = read("docs/editors/neovim.md");
    let block = doc
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a sh block listing what the snippets run");
    let commands: Vec<Vec<String>> = block
        .lines()
        .map(|line| {
            let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
            assert_eq!(words[0], "assistant", "{line}");
            assert!(
                !line.contains(['\'', '"', '$', '|', '>']),
                "plain words only: {line}"
            );
            words[1..].to_vec()
        })
        .collect();
    assert_eq!(commands.len(), 5);
    for args in &commands {
        let out = run_dry(args);
        if args[0] == "generate" {
            assert!(args.windows(2).any(|w| w == ["--line", CURSOR_LINE]));
            assert_only_the_stub_under_the_cursor(args, &out);
        }
    }
}
