//! Formatting merged files with the language's own formatter (`gofmt`, `rustfmt`) when it is on PATH —
//! only for sources the formatter leaves unchanged, so that no byte outside the merged spans changes.
//! A formatter that is missing or fails leaves the merged text as it is.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::lang::Lang;

/// Whether `gofmt` is an executable on PATH.
pub fn gofmt_available() -> bool {
    on_path("gofmt")
}

/// Whether `rustfmt` is an executable on PATH.
pub fn rustfmt_available() -> bool {
    on_path("rustfmt")
}

fn on_path(program: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    let name = if cfg!(windows) {
        format!("{program}.exe")
    } else {
        program.to_string()
    };
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .any(|dir| dir.join(&name).is_file())
}

/// The formatter's output for `merged` (the merge of `source_path`, whose text was `original`), when
/// the original was already formatted; else `merged` as it is.
pub fn format_like_source(
    lang: Lang,
    source_path: &Path,
    original: &str,
    merged: String,
) -> String {
    let format = |text: &str| match lang {
        Lang::Go => run(Command::new("gofmt"), text),
        Lang::Rust => run(rustfmt_command(source_path), text),
    };
    if format(original).as_deref() != Some(original) {
        return merged;
    }
    format(&merged).unwrap_or(merged)
}

/// `rustfmt --edition E` run in the source's folder, so it finds the project's `rustfmt.toml`; the
/// edition is the crate's (`Cargo.toml`), as `cargo fmt` would pass it.
fn rustfmt_command(source_path: &Path) -> Command {
    let mut command = Command::new("rustfmt");
    command.args(["--edition", &edition(source_path)]);
    if let Some(folder) = folder_of(source_path) {
        command.current_dir(folder);
    }
    command
}

fn folder_of(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    absolute.parent().map(Path::to_path_buf)
}

/// The `package.edition` of the nearest `Cargo.toml` above `source_path`: cargo's default `2015` when
/// the manifest names none, `2021` for a file outside any crate.
fn edition(source_path: &Path) -> String {
    let manifest = folder_of(source_path).and_then(|folder| {
        folder
            .ancestors()
            .map(|dir| dir.join("Cargo.toml"))
            .find(|path| path.is_file())
    });
    let Some(manifest) = manifest else {
        return "2021".into();
    };
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|table| {
            let package = table.get("package")?.as_table()?;
            Some(package.get("edition")?.as_str()?.to_string())
        })
        .unwrap_or_else(|| "2015".into())
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
    fn the_edition_is_the_crates() {
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rust-service/src/lib.rs");
        assert_eq!(edition(&example), "2021");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        assert_eq!(edition(&dir.path().join("src/lib.rs")), "2015");
    }

    #[test]
    fn rustfmt_formats_only_formatted_sources() {
        if !rustfmt_available() {
            return;
        }
        let path = Path::new("lib.rs");
        let clean = "fn a() {}\n";
        let merged = "fn a() {}\nfn   b() {}\n".to_string();
        assert_eq!(
            format_like_source(Lang::Rust, path, clean, merged.clone()),
            "fn a() {}\nfn b() {}\n"
        );
        let messy = "fn   a() {}\n";
        assert_eq!(
            format_like_source(Lang::Rust, path, messy, merged.clone()),
            merged
        );
    }
}
