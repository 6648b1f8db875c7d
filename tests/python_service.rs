//! The Python path end to end, through the real binary: `generate` on a copy of
//! `examples/python-service/` against the fake LLM server answering with the implementations of
//! `tests/fixtures/merged/python-service/` (each method inside its class header, as the prompt asks),
//! then `merge`; the merged tree must equal the fixture byte for byte (but for its `check.py`), and
//! `python3 check.py` must pass in it. Also the servicer job's prompt: the rpc's comment and messages.

#[path = "support/fake_llm.rs"]
mod fake_llm;
#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use fake_llm::{Behaviour, FakeLlm, Script};
use project::{events, files_under, manifest_dir};
use serde_json::Value;
use tempfile::TempDir;

const KEY: &str = "sk-TESTKEY-python-service-0xC0FFEE";

/// The files with stubs, and the functions of each the answers implement: (class header, `def` line
/// start), both as the merged fixture writes them.
const ANSWERED: &[(&str, &[(&str, &str)])] = &[
    (
        "service/inventory_service.py",
        &[(
            "class InventoryService(inventory_pb2_grpc.InventoryServicer):",
            "    def ReserveStock(",
        )],
    ),
    (
        "service/pricing.py",
        &[
            ("class PriceList:", "    def from_csv_row("),
            ("", "def unit_price("),
            ("class Quote:", "    def subtotal_cents("),
            ("class PriceCache:", "    async def get_many("),
        ],
    ),
];

fn merged_fixture() -> PathBuf {
    manifest_dir().join("tests/fixtures/merged/python-service")
}

/// A function of `text` from its decorators to the end of its body, found by its `def` line's start.
fn function_text(text: &str, def_start: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let def = lines
        .iter()
        .position(|l| l.starts_with(def_start))
        .unwrap_or_else(|| panic!("no {def_start:?}"));
    let indent = def_start.len() - def_start.trim_start().len();
    let mut first = def;
    while first > 0 && lines[first - 1].trim_start().starts_with('@') {
        first -= 1;
    }
    let mut last = def;
    for (i, line) in lines.iter().enumerate().skip(def + 1) {
        if line.trim().is_empty() {
            continue;
        }
        if line.len() - line.trim_start().len() <= indent {
            break;
        }
        last = i;
    }
    lines[first..=last].join("\n")
}

/// The answer for one file: a ```python block naming it, each function inside its class header.
fn answer_for(file: &str) -> Option<String> {
    let (_, functions) = ANSWERED.iter().find(|(f, _)| *f == file)?;
    let merged = fs::read_to_string(merged_fixture().join(file)).unwrap();
    let mut code = format!("Here is the implementation.\n\n```python\n# file: {file}\n");
    for (class, def_start) in functions.iter() {
        code.push_str("\n\n");
        if !class.is_empty() {
            code.push_str(class);
            code.push('\n');
        }
        code.push_str(&function_text(&merged, def_start));
        code.push('\n');
    }
    code.push_str("```\n");
    Some(code)
}

fn answering_server() -> FakeLlm {
    FakeLlm::start(Script::new(Behaviour::Empty).pick(|request| {
        let body = request.body.to_string();
        let (file, _) = ANSWERED
            .iter()
            .find(|(file, _)| body.contains(&format!("# file: {file}")))?;
        Some(Behaviour::answer(&answer_for(file)?))
    }))
}

/// `assistant` in `dir`, without formatters on PATH and without keys in the environment.
fn assistant(dir: &Path) -> Command {
    let mut cmd = project::assistant(dir);
    cmd.env("PATH", "");
    cmd
}

#[test]
fn the_servicer_prompt_shows_the_rpc_comment_and_its_messages() {
    let output = assistant(manifest_dir())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--only-print-prompt",
            "--file",
            "examples/python-service/service/inventory_service.py",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let out = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "stubs: InventoryService.ReserveStock\n",
        "You are a senior Python engineer",
        "## The file (function bodies elided): service/inventory_service.py",
        "    def GetStock(self, request, context):\n        ...\n",
        "    def __init__(self, ledger: StockLedger) -> None:\n        self._ledger = ledger\n",
        // The rpc, its comment (the stub's docstring repeats it) and its messages' fields.
        "- rpc `ReserveStock` of service `Inventory` (api/inventory/v1/inventory.proto)",
        "Reserve stock for an order: hold the quantities of request.lines in\n        request.warehouse_id for request.order_id.",
        "message ReserveStockRequest {",
        "string order_id = 1;",
        "repeated ReservationLine lines = 3;",
        "message ReservationLine {",
        // The stub inside its class.
        "```python\nclass InventoryService(inventory_pb2_grpc.InventoryServicer):\n    def ReserveStock(self, request, context):\n",
        "a ```python block starting `# file: service/inventory_service.py`",
    ] {
        assert!(out.contains(expected), "prompt lacks {expected:?}:\n{out}");
    }
}

#[test]
fn generate_then_merge_gives_the_merged_fixture_byte_for_byte() {
    let project = project::example_copy("python-service");
    let server = answering_server();
    let output = assistant(project.path())
        .args(["generate", "--type", "deepseek", "--base-url"])
        .arg(server.base_url())
        .args(["--api-key", KEY, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = events(&output.stdout);
    let succeeded: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "job_succeeded")
        .collect();
    assert_eq!(succeeded.len(), 2, "{events:?}");
    let sidecar = fs::read_to_string(project.path().join("service/pricing.py.assistant")).unwrap();
    assert!(sidecar.starts_with("# Generated by assistant"), "{sidecar}");
    assert!(sidecar.contains(
        "# functions: PriceList.from_csv_row, unit_price, Quote.subtotal_cents, PriceCache.get_many\n"
    ), "{sidecar}");
    assert!(!sidecar.contains("NotImplementedError"), "{sidecar}");

    let backups = TempDir::new().unwrap();
    assistant(project.path())
        .env("TMPDIR", backups.path())
        .arg("merge")
        .assert()
        .success();
    // Merging again finds nothing left to do.
    assistant(project.path())
        .env("TMPDIR", backups.path())
        .args(["merge", "--clean"])
        .assert()
        .success();
    assistant(project.path())
        .arg("scan")
        .assert()
        .success()
        .stdout("");

    let expected_root = merged_fixture();
    let relative = |root: &Path| -> Vec<PathBuf> {
        files_under(root)
            .into_iter()
            .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
            .filter(|p| p != Path::new("check.py"))
            .collect()
    };
    assert_eq!(relative(project.path()), relative(&expected_root));
    for file in relative(&expected_root) {
        let merged = fs::read_to_string(project.path().join(&file)).unwrap();
        let expected = fs::read_to_string(expected_root.join(&file)).unwrap();
        assert!(
            merged == expected,
            "{} differs from its expected merge:\n{merged}",
            file.display()
        );
    }

    // The merged service passes the fixture's checks.
    fs::copy(
        expected_root.join("check.py"),
        project.path().join("check.py"),
    )
    .unwrap();
    let python = match std::process::Command::new("python3")
        .arg("check.py")
        .current_dir(project.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
    {
        Ok(output) => output,
        Err(error) => {
            eprintln!("python3 not run ({error}): skipping check.py");
            return;
        }
    };
    assert!(
        python.status.success(),
        "{}{}",
        String::from_utf8_lossy(&python.stdout),
        String::from_utf8_lossy(&python.stderr)
    );
}
