//! What already sits where a sidecar is about to be written. A fresh sidecar of ours (made from the same
//! source text) is added to, never replaced: a run for some stubs of a file must not throw away the
//! answers an earlier run paid for. A file there without the tool's header is the user's, and is never
//! overwritten (nor removed by `clean`).

use std::io;
use std::path::Path;

use super::{parse, sha256_hex, Sidecar};

/// What is at a sidecar's path.
#[derive(Debug)]
pub enum Existing {
    /// Nothing.
    Nothing,
    /// A sidecar of ours made from the source text at hand: its code is kept.
    Fresh(Box<Sidecar>),
    /// A sidecar of ours made from another text of the source: it is replaced.
    Stale,
    /// A file the tool did not write: left alone.
    Foreign,
}

/// What is at `sidecar_path`, for a sidecar of a source whose text is now `source`.
pub fn existing(sidecar_path: &Path, source: &str) -> io::Result<Existing> {
    let bytes = match std::fs::read(sidecar_path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(error) => return Err(error),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Ok(Existing::Foreign);
    };
    Ok(match parse(&text) {
        Err(_) => Existing::Foreign,
        Ok(sidecar) if sidecar.source_sha256 == sha256_hex(source.as_bytes()) => {
            Existing::Fresh(Box::new(sidecar))
        }
        Ok(_) => Existing::Stale,
    })
}

/// Whether the file at `path` is a sidecar the tool wrote (its header says so); false for anything
/// unreadable or without the header.
pub fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| parse(&text).is_ok())
}

/// Whether something the tool did not write sits at `path`: never to be overwritten or removed.
pub fn is_foreign(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok() && !is_ours(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "// generator: assistant 0.1.0\n";

    #[test]
    fn tells_fresh_stale_foreign_and_nothing_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.go.assistant");
        assert!(matches!(existing(&path, "x").unwrap(), Existing::Nothing));
        let ours = format!(
            "{HEADER}// source-sha256: {}\n\npackage p\n",
            sha256_hex(b"x")
        );
        std::fs::write(&path, &ours).unwrap();
        assert!(matches!(existing(&path, "x").unwrap(), Existing::Fresh(_)));
        assert!(matches!(existing(&path, "y").unwrap(), Existing::Stale));
        assert!(is_ours(&path) && !is_foreign(&path));
        for foreign in [&b"my notes\n"[..], b"// generator: me\n", b"\xff\xfe"] {
            std::fs::write(&path, foreign).unwrap();
            assert!(matches!(existing(&path, "x").unwrap(), Existing::Foreign));
            assert!(!is_ours(&path) && is_foreign(&path));
        }
    }
}
