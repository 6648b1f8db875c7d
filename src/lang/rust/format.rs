//! `rustfmt` as a merged Rust file's formatter: run in the source's folder with the crate's edition,
//! as `cargo fmt` would run it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::lang::tools::on_path;

/// `rustfmt --edition E` run in the source's folder, so it finds the project's `rustfmt.toml`; `None`
/// when rustfmt is not on PATH.
pub(super) fn rustfmt(source_path: &Path) -> Option<Command> {
    if !on_path("rustfmt") {
        return None;
    }
    let mut command = Command::new("rustfmt");
    command.args(["--edition", &edition(source_path)]);
    if let Some(folder) = folder_of(source_path) {
        command.current_dir(folder);
    }
    Some(command)
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
}
