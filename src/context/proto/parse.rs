//! Finding a module's `.proto` files and parsing each one.
//!
//! Owns: which files are read (scan's walker and skip rules, plus `third_party/`), reading them, and
//! parsing them with `protox-parse` (syntax only: imports are neither read nor needed), with the line and
//! column of a syntax error. Leaves to `descriptor.rs` what the parsed descriptor says.

use std::path::{Path, PathBuf};

use super::descriptor::ParsedFile;
use crate::scan::walk::files_with_extension;
use crate::scan::Warning;

/// Folder names never entered besides scan's own (`vendor/`, `node_modules/`, …): other people's
/// protos, not the project's API.
const ALSO_SKIPPED_DIRS: &[&str] = &["third_party"];

/// The `.proto` files under `root`, sorted, and warnings for what could not be walked.
pub(super) fn find_proto_files(root: &Path) -> (Vec<PathBuf>, Vec<Warning>) {
    files_with_extension(root, "proto", ALSO_SKIPPED_DIRS)
}

pub(super) fn read_proto_file(module_root: &Path, path: &Path) -> Result<ParsedFile, String> {
    let source = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let relative = path.strip_prefix(module_root).unwrap_or(path);
    parse_proto(relative, &source)
}

pub(super) fn parse_proto(relative: &Path, source: &str) -> Result<ParsedFile, String> {
    let name = relative.to_string_lossy();
    match protox_parse::parse(&name, source) {
        Ok(descriptor) => Ok(ParsedFile::from_descriptor(relative, descriptor)),
        Err(error) => Err(parse_error_reason(&error, source)),
    }
}

fn parse_error_reason(error: &protox_parse::ParseError, source: &str) -> String {
    match error.span() {
        Some(span) => {
            let (line, column) = line_and_column(source, span.start);
            format!("not valid protobuf: line {line}, column {column}: {error}")
        }
        None => format!("not valid protobuf: {error}"),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or(source);
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let line = before.matches('\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}
