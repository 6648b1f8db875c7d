//! `assistant scan` on Python files through the real binary: the stubs of `examples/python-service`
//! (generated gRPC code skipped, the docstring decoy not reported), text and JSON output, `--marker`,
//! and what is not a stub: a raise nested in an `if`, markers in strings and comments. A file that
//! does not parse is still scanned (tree-sitter recovers).

#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::Path;

use project::{assistant, events, manifest_dir};
use tempfile::TempDir;

fn write(root: &Path, relative: &str, content: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    fs::write(path, content).expect("write");
}

/// `(file, line, identity)` of every stub `scan --format json` reports under `dir`.
fn stubs(dir: &Path, extra: &[&str]) -> Vec<(String, u64, String)> {
    let output = assistant(dir)
        .args(["scan", "--format", "json"])
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    events(&output.stdout)
        .iter()
        .map(|stub| {
            assert_eq!(stub["lang"], "python");
            let name = stub["name"].as_str().unwrap();
            let identity = match stub["receiver"].as_str() {
                Some(receiver) => format!("{receiver}.{name}"),
                None => name.to_string(),
            };
            (
                stub["file"].as_str().unwrap().to_string(),
                stub["line"].as_u64().unwrap(),
                identity,
            )
        })
        .collect()
}

#[test]
fn the_example_has_exactly_five_stubs() {
    let found = stubs(&manifest_dir().join("examples/python-service"), &[]);
    let expected = [
        (
            "service/inventory_service.py",
            24,
            "InventoryService.ReserveStock",
        ),
        ("service/pricing.py", 60, "PriceList.from_csv_row"),
        ("service/pricing.py", 72, "unit_price"),
        ("service/pricing.py", 103, "Quote.subtotal_cents"),
        ("service/pricing.py", 147, "PriceCache.get_many"),
    ]
    .map(|(file, line, identity)| (file.to_string(), line, identity.to_string()));
    assert_eq!(found, expected);
}

#[test]
fn text_lines_point_at_the_def_keyword() {
    let output = assistant(manifest_dir())
        .args(["scan", "examples/python-service/service/pricing.py"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        text.lines().next(),
        Some("examples/python-service/service/pricing.py:60:5: stub from_csv_row (PriceList): Build a price list from one row of the pricing export.")
    );
    assert!(text.contains("pricing.py:72:1: stub unit_price: Return what one unit costs"));
    assert!(text.contains("pricing.py:103:5: stub subtotal_cents (Quote)\n"));
    assert!(!text.contains("explain_error"), "{text}");
}

#[test]
fn json_carries_marker_doc_and_language() {
    let output = assistant(manifest_dir())
        .args([
            "scan",
            "examples/python-service/service/inventory_service.py",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let found = events(&output.stdout);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["lang"], "python");
    assert_eq!(found[0]["column"], 5);
    assert_eq!(
        found[0]["marker"],
        "raise NotImplementedError(\"Method not implemented!\")"
    );
    assert!(found[0]["doc"].as_str().unwrap().starts_with(
        "Reserve stock for an order: hold the quantities of request.lines in\nrequest.warehouse_id"
    ));
}

#[test]
fn nested_raises_strings_and_comments_are_not_stubs() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "app/rules.py",
        r#""""Rules. raise NotImplementedError here is prose."""


def checked(x):
    if x < 0:
        raise NotImplementedError("negative")
    return x


def factory():
    def later():
        raise NotImplementedError
    return later


def talks():
    """raise NotImplementedError"""
    # raise NotImplementedError()
    return "raise NotImplementedError('x')"


class Real:
    async def run(self):
        raise NotImplementedError
"#,
    );
    let found = stubs(dir.path(), &[]);
    assert_eq!(
        found,
        [("app/rules.py".to_string(), 23, "Real.run".to_string())]
    );
}

#[test]
fn extra_markers_match_raised_messages() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "svc.py",
        "def a():\n    raise RuntimeError(\"TODO(ai): write it\")\n\n\ndef b():\n    raise RuntimeError(\"later\")\n",
    );
    assert!(stubs(dir.path(), &[]).is_empty());
    let found = stubs(dir.path(), &["--marker", "TODO(ai)"]);
    assert_eq!(found, [("svc.py".to_string(), 1, "a".to_string())]);
}

#[test]
fn generated_grpc_code_is_skipped_and_a_broken_file_still_scanned() {
    let dir = TempDir::new().unwrap();
    let servicer = "class S(object):\n    def Get(self, request, context):\n        raise NotImplementedError('Method not implemented!')\n";
    write(dir.path(), "api/svc_pb2_grpc.py", servicer);
    write(dir.path(), "api/svc_pb2.py", servicer);
    write(dir.path(), "__pycache__/x.py", servicer);
    write(
        dir.path(),
        "broken.py",
        "def half(:\n    x = \n\n\nclass K:\n    def good(self):\n        raise NotImplementedError()\n",
    );
    let found = stubs(dir.path(), &[]);
    assert_eq!(found, [("broken.py".to_string(), 6, "K.good".to_string())]);
}
