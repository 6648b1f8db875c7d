//! `assistant scan`: list stubs as text (editors' problem matchers), JSON Lines or SARIF 2.1.0.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;
use serde_json::json;

use super::{targets, Outcome, UsageError};
use crate::cli::{ScanArgs, ScanFormat};
use crate::lang::{Markers, Stub};
use crate::scan::{scan, ScanOutcome, ScannedFile};

const RULE_ID: &str = "assistant/stub";

pub fn run(args: &ScanArgs, quiet: bool) -> Result<Outcome> {
    let targets = targets(&args.paths)?;
    let markers = Markers::new(args.markers.clone());
    let outcome = scan(&targets, &markers);
    for warning in &outcome.warnings {
        if !quiet {
            crate::note!("assistant: warning: {warning}");
        }
    }
    if outcome.files_read == 0 && !outcome.warnings.is_empty() {
        return Err(UsageError("nothing could be read".into()).into());
    }

    let found = outcome.stub_count() > 0;
    let verdict = if args.check && found {
        Outcome::Failure
    } else {
        Outcome::Success
    };
    let mut out = std::io::BufWriter::new(crate::out::stdout());
    let written = match args.format {
        ScanFormat::Text => write_text(&mut out, &outcome),
        ScanFormat::Json => write_json_lines(&mut out, &outcome),
        ScanFormat::Sarif => write_sarif(&mut out, &outcome),
    }
    .and_then(|()| Ok(out.flush()?));
    match written {
        // A reader that stopped early (`| head`) still gets the gate's verdict: stubs were found.
        Err(_) if crate::out::closed() => Ok(verdict),
        Err(error) => Err(error),
        Ok(()) => Ok(verdict),
    }
}

fn stubs(outcome: &ScanOutcome) -> impl Iterator<Item = (&ScannedFile, &Stub)> {
    outcome
        .files
        .iter()
        .flat_map(|file| file.stubs.iter().map(move |stub| (file, stub)))
}

/// `PATH:LINE:COL: stub NAME[ (RECEIVER)][: FIRST LINE OF DOC]`
pub fn text_line(path: &Path, stub: &Stub) -> String {
    let mut line = format!(
        "{}:{}:{}: stub {}",
        path.display(),
        stub.line,
        stub.column,
        stub.name
    );
    if let Some(receiver) = &stub.receiver {
        line.push_str(&format!(" ({receiver})"));
    }
    let summary = stub.doc_summary();
    if !summary.is_empty() {
        line.push_str(": ");
        line.push_str(summary);
    }
    line
}

fn write_text(out: &mut impl Write, outcome: &ScanOutcome) -> Result<()> {
    for (file, stub) in stubs(outcome) {
        writeln!(out, "{}", text_line(&file.path, stub))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonStub<'a> {
    file: String,
    line: usize,
    column: usize,
    name: &'a str,
    receiver: Option<&'a str>,
    marker: &'a str,
    lang: &'static str,
    doc: &'a str,
}

fn write_json_lines(out: &mut impl Write, outcome: &ScanOutcome) -> Result<()> {
    for (file, stub) in stubs(outcome) {
        let record = JsonStub {
            file: file.path.display().to_string(),
            line: stub.line,
            column: stub.column,
            name: &stub.name,
            receiver: stub.receiver.as_deref(),
            marker: &stub.marker,
            lang: file.lang.name(),
            doc: &stub.doc,
        };
        serde_json::to_writer(&mut *out, &record)?;
        writeln!(out)?;
    }
    Ok(())
}

fn write_sarif(out: &mut impl Write, outcome: &ScanOutcome) -> Result<()> {
    let results: Vec<_> = stubs(outcome)
        .map(|(file, stub)| {
            json!({
                "ruleId": RULE_ID,
                "ruleIndex": 0,
                "level": "warning",
                "message": { "text": sarif_message(stub) },
                "locations": [location(&file.path, stub.line, stub.column)],
                "partialFingerprints": { "stubIdentity/v1": format!("{}:{}", file.path.display(), stub.identity()) },
            })
        })
        .collect();
    let notifications: Vec<_> = outcome
        .warnings
        .iter()
        .map(|w| {
            json!({
                "level": "warning",
                "message": { "text": w.to_string() },
                "locations": [{ "physicalLocation": { "artifactLocation": artifact(&w.path) } }],
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "assistant",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/assistant-dev/assistant",
                "rules": [{
                    "id": RULE_ID,
                    "name": "UnimplementedStub",
                    "shortDescription": { "text": "Function body is still a code generator's stub marker" },
                    "fullDescription": { "text": "The function's body executes a stub marker such as panic(\"implement me\") or todo!(); it must be implemented before review. `assistant generate` can draft it." },
                    "defaultConfiguration": { "level": "warning" },
                }],
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)?;
    Ok(())
}

fn sarif_message(stub: &Stub) -> String {
    let what = match &stub.receiver {
        Some(receiver) => format!("{receiver}.{}", stub.name),
        None => stub.name.clone(),
    };
    match stub.doc_summary() {
        "" => format!("{what} is not implemented yet ({})", stub.marker),
        summary => format!("{what} is not implemented yet: {summary}"),
    }
}

fn location(path: &Path, line: usize, column: usize) -> serde_json::Value {
    json!({ "physicalLocation": {
        "artifactLocation": artifact(path),
        "region": { "startLine": line, "startColumn": column },
    }})
}

/// Relative paths become relative URIs against `%SRCROOT%` (what code-scanning uploads expect);
/// absolute ones become `file://` URIs.
fn artifact(path: &Path) -> serde_json::Value {
    let written = path.to_string_lossy().replace('\\', "/");
    let written = written.strip_prefix("./").unwrap_or(&written);
    if written.starts_with('/') {
        json!({ "uri": format!("file://{}", percent_encode(written)) })
    } else {
        json!({ "uri": percent_encode(written), "uriBaseId": "%SRCROOT%" })
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters and `/`.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(percent_encode("a b/优.go"), "a%20b/%E4%BC%98.go");
        assert_eq!(
            artifact(Path::new("./x/y.go")),
            json!({"uri": "x/y.go", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact(Path::new("/t/y.go")),
            json!({"uri": "file:///t/y.go"})
        );
    }
}
