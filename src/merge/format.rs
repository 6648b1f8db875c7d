//! Formatting merged files with the language's own formatter (`gofmt`, `rustfmt`, …) when it is on
//! PATH — only for sources the formatter leaves unchanged, so that no byte outside the merged spans
//! changes. A formatter that is missing or fails leaves the merged text as it is.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::lang::Lang;

/// The formatter's output for `merged` (the merge of `source_path`, whose text was `original`), when
/// the original was already formatted; else `merged` as it is.
pub fn format_like_source(
    lang: Lang,
    source_path: &Path,
    original: &str,
    merged: String,
) -> String {
    let format = |text: &str| run(lang.formatter(source_path)?, text);
    if format(original).as_deref() != Some(original) {
        return merged;
    }
    format(&merged).unwrap_or(merged)
}

/// The formatter's standard output for `text` on standard input, when it succeeds.
fn run(mut command: Command, text: &str) -> Option<String> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = text.to_string();
    // Formatters read all their input before writing, but a writer thread keeps a large file from
    // filling the pipe while nobody reads.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_only_formatted_sources() {
        let lang = Lang::of(Path::new("lib.rs")).unwrap();
        if lang.formatter(Path::new("lib.rs")).is_none() {
            return;
        }
        let path = Path::new("lib.rs");
        let clean = "fn a() {}\n";
        let merged = "fn a() {}\nfn   b() {}\n".to_string();
        assert_eq!(
            format_like_source(lang, path, clean, merged.clone()),
            "fn a() {}\nfn b() {}\n"
        );
        let messy = "fn   a() {}\n";
        assert_eq!(
            format_like_source(lang, path, messy, merged.clone()),
            merged
        );
    }
}
