//! Every sidecar `generate` and `batch collect` can write parses back and merges, whatever the header's
//! text: a model name, provider or verification reason with line breaks (a compiler's message over
//! several lines), control characters or great length stays on its one comment line. Both commands
//! write through `sidecar::compose`, so the property is checked there, for each language, with
//! arbitrary field values and source paths.

use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

use assistant::lang::{CheckedFile, Lang};
use assistant::oneline::one_line;
use assistant::sidecar::{self, Meta};

/// The cases each property runs unless `PROPTEST_CASES` says otherwise.
fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Per language: a file name, its source with one stub, and a sidecar part implementing it.
fn language_case(lang: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    match lang {
        "go" => (
            "go",
            "package p\n\n// F returns 1.\nfunc F() int {\n\tpanic(\"implement me\")\n}\n",
            "package p\n\n// F returns 1.\nfunc F() int {\n\treturn 1\n}\n",
            "F",
        ),
        "rust" => (
            "rs",
            "/// Returns 1.\npub fn f() -> i32 {\n    todo!()\n}\n",
            "/// Returns 1.\npub fn f() -> i32 {\n    1\n}\n",
            "f",
        ),
        _ => (
            "py",
            "def f():\n    \"\"\"Returns 1.\"\"\"\n    raise NotImplementedError\n",
            "def f():\n    \"\"\"Returns 1.\"\"\"\n    return 1\n",
            "f",
        ),
    }
}

/// Text as hostile as a header may get: line breaks of every kind, control characters, non-ASCII.
fn field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[a-z]{0,10}(\n|\r\n|\r|\u{2028}|\u{85}|\t|\u{0})[a-z:# /]{0,20}",
        proptest::collection::vec("\\PC{0,30}\n?", 0..20).prop_map(|v| v.concat()),
        "[a-zé]{0,10}".prop_map(|s| s.repeat(100)),
    ]
}

fn check_round_trip(lang: &str, provider: &str, model: &str, reason: &str, dir: &str) {
    let (extension, source, code, function) = language_case(lang);
    let path = PathBuf::from(dir).join(format!("file.{extension}"));
    let part = CheckedFile {
        path: path.clone(),
        code: code.to_string(),
        functions: vec![function.to_string()],
    };
    let meta = Meta {
        provider: provider.to_string(),
        model: model.to_string(),
        time: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        verified: Some(format!("no ({reason})")),
    };
    let text = sidecar::compose(&path, source, &[part], &meta).unwrap();
    let header: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    let comment = Lang::of(&path).unwrap().dialect().line_comment;
    for line in &header {
        assert!(line.starts_with(comment), "{line:?} in\n{text}");
    }
    let parsed = sidecar::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(parsed.model, one_line(model, 300), "{text}");
    assert_eq!(parsed.provider, one_line(provider, 300), "{text}");
    let verified = parsed.verified.clone().unwrap_or_default();
    assert!(verified.starts_with("no ("), "{verified:?}");
    assert!(!verified.contains('\n'), "{verified:?}");
    assert_eq!(parsed.functions, [function]);
    let lang = Lang::of(&path).unwrap();
    let merged = lang
        .merge(source, &parsed.code)
        .unwrap_or_else(|e| panic!("the sidecar does not merge: {e}\n{text}"));
    assert!(
        merged.text.contains(code.lines().last().unwrap()),
        "{}",
        merged.text
    );
    assert!(!merged.text.contains("implement me") && !merged.text.contains("todo!()"));
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn every_sidecar_written_parses_back_and_merges(
        lang in prop_oneof![Just("go"), Just("rust"), Just("python")],
        provider in field_text(),
        model in field_text(),
        reason in field_text(),
        dir in "[a-z\\-_ .é]{1,12}",
    ) {
        check_round_trip(lang, &provider, &model, &reason, &dir);
    }
}

/// The report that started it: Go 1.19 on a `go 1.22.9` module, whose reason spans two lines.
#[test]
fn a_two_line_go_mod_error_stays_on_the_verified_line() {
    let reason = "the tree does not build without the answer: go: errors parsing go.mod:\n\
                  /p/go.mod:3: invalid go version '1.22.9': must match format 1.23";
    for lang in ["go", "rust", "python"] {
        check_round_trip(
            lang,
            "deepseek",
            "deepseek-chat",
            reason,
            "internal/handler",
        );
    }
    check_round_trip(
        "go",
        "x",
        "model\nwith: a newline",
        &"long ".repeat(200),
        "d",
    );
}
