//! `scan --format sarif` validated against the SARIF 2.1.0 JSON schema, formats included.
//!
//! tests/fixtures/sarif-schema-2.1.0.json is the OASIS SARIF Technical Committee's schema for SARIF 2.1.0
//! (JSON Schema draft-07, `$id` https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json).
//! It was copied byte for byte from `src/schema.json` in the crates.io package `serde-sarif` 0.8.0
//! (MIT licence; github.com/psastras/sarif-rs), which generates its SARIF types from it. The schema is
//! the OASIS TC's work, published with the SARIF 2.1.0 OASIS Standard for implementations to use.
//! The checksum test below keeps anyone from "fixing" the schema to fit the output.

use std::fs;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

const SCHEMA: &str = "tests/fixtures/sarif-schema-2.1.0.json";
const SCHEMA_SHA256: &str = "af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea";

fn repo_path(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema_with_rust_regexes())
        .expect("the schema compiles")
}

/// `run.language`'s pattern, as the standard's schema spells it: the `]` before `?` stands outside any
/// class, which ECMA-262 (JSON Schema's regexp dialect; Annex B) reads as a literal `]` and Rust's regex
/// engines reject.
const LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

/// The schema as the validator reads it: the file, with every lone `]` in a `pattern` escaped (`\]`), which
/// means the same under ECMA-262 and compiles in Rust. Only `LANGUAGE_PATTERN` (twice) needs it; anything
/// else changing fails here.
fn schema_with_rust_regexes() -> Value {
    let mut schema: Value = serde_json::from_slice(&fs::read(repo_path(SCHEMA)).unwrap()).unwrap();
    let mut rewritten = Vec::new();
    escape_lone_brackets_in_patterns(&mut schema, &mut rewritten);
    assert_eq!(rewritten, [LANGUAGE_PATTERN; 2]);
    schema
}

fn escape_lone_brackets_in_patterns(value: &mut Value, rewritten: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match child {
                    Value::String(pattern) if key == "pattern" => {
                        let escaped = escape_lone_brackets(pattern);
                        if escaped != *pattern {
                            rewritten.push(std::mem::replace(pattern, escaped));
                        }
                    }
                    _ => escape_lone_brackets_in_patterns(child, rewritten),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                escape_lone_brackets_in_patterns(item, rewritten);
            }
        }
        _ => {}
    }
}

fn escape_lone_brackets(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 2);
    let (mut in_class, mut escaped) = (false, false);
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => in_class = true,
            ']' if in_class => in_class = false,
            ']' => out.push('\\'),
            _ => {}
        }
        out.push(c);
    }
    out
}

fn assert_valid(log: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "invalid SARIF:\n{}\n{log:#}",
        errors.join("\n")
    );
}

fn sarif(cwd: &Path, paths: &[&str]) -> (Value, Output) {
    let output = Command::cargo_bin("assistant")
        .unwrap()
        .current_dir(cwd)
        .args(["scan", "--format", "sarif"])
        .args(paths)
        .output()
        .expect("runs");
    let log = serde_json::from_slice(&output.stdout).expect("one JSON document");
    (log, output)
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

#[test]
fn the_schema_is_the_one_recorded() {
    let digest = Sha256::digest(fs::read(repo_path(SCHEMA)).unwrap());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, SCHEMA_SHA256);
}

#[test]
fn the_examples_sarif_is_valid_from_inside_and_from_above() {
    let (inside, _) = sarif(&repo_path("examples/store"), &[]);
    assert_valid(&inside);
    assert_eq!(results(&inside).len(), 6);
    let first = &results(&inside)[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        first,
        &json!({
            "artifactLocation": { "uri": "internal/handler/coupon.go", "uriBaseId": "%SRCROOT%" },
            "region": { "startLine": 168, "startColumn": 1 },
        })
    );

    let (above, _) = sarif(&repo_path(""), &["examples/store"]);
    assert_valid(&above);
    assert_eq!(results(&above).len(), 6);
}

/// Absolute and odd paths become `file://` and percent-encoded URIs; unreadable files become
/// notifications with a location; a folder without stubs is an empty but valid run.
#[test]
fn awkward_paths_warnings_and_empty_runs_are_valid() {
    let dir = TempDir::new().unwrap();
    let odd = dir.path().join("my project/优惠 券.go");
    fs::create_dir_all(odd.parent().unwrap()).unwrap();
    fs::write(
        &odd,
        "package x\n\nfunc Redeem() {\n\tpanic(\"implement me\")\n}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("my project/latin1.go"),
        b"package x\n\n// caf\xe9\nfunc Latin() {\n\tpanic(\"implement me\")\n}\n",
    )
    .unwrap();

    let (log, output) = sarif(dir.path(), &[dir.path().to_str().unwrap()]);
    assert_valid(&log);
    let uri = results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.starts_with("file:///")
            && uri.ends_with("/my%20project/%E4%BC%98%E6%83%A0%20%E5%88%B8.go"),
        "{uri}"
    );
    let notifications = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(
        notifications.as_array().unwrap().len(),
        1,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let (relative, _) = sarif(dir.path(), &["my project"]);
    assert_valid(&relative);

    let empty = TempDir::new().unwrap();
    fs::write(
        empty.path().join("done.go"),
        "package x\n\nfunc Done() {}\n",
    )
    .unwrap();
    let (log, output) = sarif(empty.path(), &[]);
    assert!(output.status.success());
    assert_valid(&log);
    assert!(results(&log).is_empty());
}

/// The validation has teeth: what SARIF forbids is caught.
#[test]
fn the_validator_rejects_broken_logs() {
    let (log, _) = sarif(&repo_path("examples/store"), &[]);
    let mut no_version = log.clone();
    no_version.as_object_mut().unwrap().remove("version");
    let mut bad_level = log.clone();
    bad_level["runs"][0]["results"][0]["level"] = json!("warn");
    let mut bad_line = log;
    bad_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    for broken in [no_version, bad_level, bad_line] {
        assert!(!validator().is_valid(&broken));
    }
}
