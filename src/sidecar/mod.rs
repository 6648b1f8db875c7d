//! Sidecar files: `FILE.assistant` beside `FILE`, holding checked code waiting to be merged.
//!
//! A sidecar is source code in the file's language: a header comment (generator and version, provider,
//! model, time, the source's SHA-256 at generation time, the functions it implements, the sidecars it
//! must be merged with) in `//` lines, a
//! blank line, then the code — Go: the package clause, the import block and the declarations; Rust:
//! `use` items and the items, functions inside their `impl`/`trait`/`mod` blocks. This module owns
//! that format, the names (`FILE.assistant`, `FILE.assistant.rejected`), keeping rejected answers, the
//! freshness test, and [`Landing`]: writing a file's sidecar once all its jobs have ended. How files
//! are written (atomically) belongs to `crate::fsx`; merging a sidecar into its source to
//! `crate::merge`.

mod existing;
mod landing;
mod printed;

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::fsx;
use crate::lang::{CheckedFile, Lang, MergeError};

pub use existing::{is_foreign, is_ours};
pub use landing::{LandError, Landing};
pub use printed::Printed;

/// What a sidecar's file name adds to its source's.
pub const EXTENSION: &str = "assistant";
/// What a rejected answer's file name adds to its source's.
pub const REJECTED_EXTENSION: &str = "assistant.rejected";

const GENERATOR: &str = concat!("assistant ", env!("CARGO_PKG_VERSION"));

/// Who produced the code, for the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub provider: String,
    pub model: String,
    pub time: SystemTime,
    /// What verified the code (`go build`, `cargo check`, `no (reason)`); no header line when `None`.
    pub verified: Option<String>,
}

/// A sidecar read back: its header fields and its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sidecar {
    /// `assistant 0.1.0`
    pub generator: String,
    pub provider: String,
    pub model: String,
    /// RFC 3339, UTC.
    pub time: String,
    /// Lowercase hex SHA-256 of the source when the sidecar was generated.
    pub source_sha256: String,
    /// Identities of the declarations it implements or adds.
    pub functions: Vec<String>,
    /// What verified the code (`go build`, `no (…)`); `None` for sidecars written before verification.
    pub verified: Option<String>,
    /// The sidecars this one needs merged with it (a handler's, the dao's whose methods it calls), as
    /// written: relative to this sidecar's folder.
    pub depends: Vec<String>,
    /// Package clause, imports and declarations.
    pub code: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("not a sidecar: its header lacks `{0}`")]
    MissingField(&'static str),
    #[error("{} is not a language assistant can merge", .0.display())]
    UnknownLanguage(PathBuf),
    #[error("the parts do not combine: {0}")]
    Parts(#[from] MergeError),
}

/// `coupon.go` → `coupon.go.assistant`
pub fn sidecar_path(source_path: &Path) -> PathBuf {
    fsx::with_suffix(source_path, EXTENSION)
}

/// `coupon.go` → `coupon.go.assistant.rejected`
pub fn rejected_path(source_path: &Path) -> PathBuf {
    fsx::with_suffix(source_path, REJECTED_EXTENSION)
}

/// `coupon.go.assistant` → `coupon.go`; `None` for a path that is not a sidecar's.
/// A name that is not UTF-8 keeps its bytes (`scan` and `generate` take such files too).
pub fn source_path_of(sidecar_path: &Path) -> Option<PathBuf> {
    if sidecar_path.extension()? != EXTENSION {
        return None;
    }
    // `.assistant` alone has no extension (and so no source).
    Some(sidecar_path.with_file_name(sidecar_path.file_stem()?))
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// The sidecar for `source_path` (whose text at generation time is `source`): the header, then the
/// parts (one per job that worked on the file) joined into one file — imports united, declarations in
/// order.
pub fn compose(
    source_path: &Path,
    source: &str,
    parts: &[CheckedFile],
    meta: &Meta,
) -> Result<String, SidecarError> {
    compose_with(source_path, source, parts, meta, &[])
}

/// As [`compose`], for a sidecar that needs the sidecars `depends` (relative to its folder) merged
/// with it.
pub fn compose_with(
    source_path: &Path,
    source: &str,
    parts: &[CheckedFile],
    meta: &Meta,
    depends: &[String],
) -> Result<String, SidecarError> {
    let Some(lang) = Lang::of(source_path) else {
        return Err(SidecarError::UnknownLanguage(source_path.to_path_buf()));
    };
    let mut code = String::new();
    let mut functions: Vec<String> = Vec::new();
    for part in parts {
        code = if code.is_empty() {
            part.code.clone()
        } else {
            lang.merge(&code, &part.code)?.text
        };
        for function in &part.functions {
            if !functions.contains(function) {
                functions.push(function.clone());
            }
        }
    }
    let mut header = vec![
        "Generated by assistant: review, then apply with `assistant merge` (or discard with `assistant clean`).".to_string(),
        field("generator", GENERATOR),
        field("provider", &meta.provider),
        field("model", &meta.model),
        format!("time: {}", rfc3339(meta.time)),
        format!("source-sha256: {}", sha256_hex(source.as_bytes())),
        format!("functions: {}", functions.join(", ")),
    ];
    if let Some(verified) = &meta.verified {
        header.push(field("verified", verified));
    }
    if !depends.is_empty() {
        header.push(format!("depends: {}", depends.join(", ")));
    }
    let mut out = String::new();
    for line in header {
        out.push_str(lang.dialect().line_comment);
        out.push(' ');
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(code.trim_start_matches('\n'));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// A header line `key: value` whose value stays on the line whatever it holds (a compiler's reason
/// over several lines, a model name with a newline): folded, and cut with `…` past
/// [`FIELD_LIMIT`]. A second line would not be a comment, and the sidecar would no longer parse.
fn field(key: &str, value: &str) -> String {
    format!("{key}: {}", crate::oneline::one_line(value, FIELD_LIMIT))
}

/// The longest header value kept whole, in bytes.
const FIELD_LIMIT: usize = 300;

/// The text of a header line: a line comment of any known language.
fn header_comment(line: &str) -> Option<&str> {
    let line = line.trim_end();
    Lang::all().find_map(|lang| line.strip_prefix(lang.dialect().line_comment))
}

/// Reads and parses a sidecar.
pub fn read(path: &Path) -> Result<Sidecar, SidecarError> {
    let text = std::fs::read_to_string(path).map_err(|source| SidecarError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text)
}

/// Parses a sidecar's text: `// key: value` header lines (`#` in languages that comment so) up to the
/// first line that is not a comment.
pub fn parse(text: &str) -> Result<Sidecar, SidecarError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut fields: Vec<(&str, &str)> = Vec::new();
    let mut code_start = 0;
    for line in text.split_inclusive('\n') {
        let Some(comment) = header_comment(line) else {
            break;
        };
        if let Some((key, value)) = comment.trim().split_once(": ") {
            fields.push((key.trim(), value.trim()));
        }
        code_start += line.len();
    }
    let field = |key: &'static str| {
        fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
    };
    let required = |key: &'static str| field(key).ok_or(SidecarError::MissingField(key));
    let list = |key: &'static str| {
        field(key)
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Sidecar {
        generator: required("generator")?,
        provider: field("provider").unwrap_or_default(),
        model: field("model").unwrap_or_default(),
        time: field("time").unwrap_or_default(),
        source_sha256: required("source-sha256")?,
        verified: field("verified"),
        functions: list("functions"),
        depends: list("depends"),
        code: text[code_start..]
            .trim_start_matches(['\n', '\r'])
            .to_string(),
    })
}

/// The paths of the sidecars the sidecar at `path` depends on (its `depends` header), resolved
/// against its folder with `..` folded away: `internal/handler/coupon.go.assistant` depending on
/// `../dao/coupon.go.assistant` gives `internal/dao/coupon.go.assistant`.
pub fn dependencies(path: &Path, sidecar: &Sidecar) -> Vec<PathBuf> {
    let folder = path.parent().unwrap_or(Path::new(""));
    sidecar
        .depends
        .iter()
        .map(|relative| fsx::tidy(&folder.join(relative)))
        .collect()
}

/// `to` relative to the folder `from` (both relative to the same folder, or both absolute), with `/`
/// between the parts: what a `depends` header holds.
pub fn relative_path(from: &Path, to: &Path) -> String {
    let from = fsx::normalized(from);
    let to = fsx::normalized(to);
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let ups = from.components().count() - common;
    let parts: Vec<String> = std::iter::repeat_n("..".to_string(), ups)
        .chain(
            to.components()
                .skip(common)
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        )
        .collect();
    parts.join("/")
}

/// Whether `source_path` has a sidecar made from exactly this source text that covers every stub.
pub fn is_fresh(source_path: &Path, source_text: &str, stub_identities: &[String]) -> bool {
    let Ok(sidecar) = read(&sidecar_path(source_path)) else {
        return false;
    };
    sidecar.source_sha256 == sha256_hex(source_text.as_bytes())
        && stub_identities
            .iter()
            .all(|stub| sidecar.functions.contains(stub))
}

/// Keeps a rejected answer where a user can look at it: `FILE.assistant.rejected`, written atomically.
pub fn save_rejected(answer: &str, source_path: &Path) -> io::Result<PathBuf> {
    let path = rejected_path(source_path);
    fsx::write_atomic_like(&path, answer, source_path)?;
    Ok(path)
}

/// `2026-05-01T10:00:00Z`
pub fn rfc3339(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn meta() -> Meta {
        Meta {
            provider: "deepseek".into(),
            model: "deepseek-flash".into(),
            time: UNIX_EPOCH + Duration::from_secs(1_767_225_600 + 3_723),
            verified: None,
        }
    }

    fn part(code: &str, functions: &[&str]) -> CheckedFile {
        CheckedFile {
            path: PathBuf::from("coupon.go"),
            code: code.into(),
            functions: functions.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn paths() {
        let source = Path::new("a/coupon.go");
        assert_eq!(sidecar_path(source), Path::new("a/coupon.go.assistant"));
        assert_eq!(
            rejected_path(source),
            Path::new("a/coupon.go.assistant.rejected")
        );
        assert_eq!(
            source_path_of(&sidecar_path(source)).as_deref(),
            Some(source)
        );
        assert_eq!(source_path_of(Path::new("a/coupon.go")), None);
        assert_eq!(source_path_of(Path::new("a/.assistant")), None);
    }

    /// A source whose name is not UTF-8 (scanned, generated) is merged too.
    #[cfg(unix)]
    #[test]
    fn a_source_name_that_is_not_utf8_is_found_from_its_sidecar() {
        use std::os::unix::ffi::OsStrExt;
        let source = Path::new("a").join(std::ffi::OsStr::from_bytes(b"caf\xe9.go"));
        assert_eq!(source_path_of(&sidecar_path(&source)), Some(source));
    }

    #[test]
    fn time_is_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(meta().time), "2026-01-01T01:02:03Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn compose_then_parse_round_trips_and_unites_parts() {
        let first = part(
            "package p\n\nimport \"context\"\n\nfunc (h *H) A(ctx context.Context) {}\n",
            &["H.A"],
        );
        let second = part(
            "package p\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n\nfunc (h *H) B(ctx context.Context) { _ = time.Now() }\n",
            &["H.B"],
        );
        let text = compose(
            Path::new("coupon.go"),
            "package p\n",
            &[first, second],
            &meta(),
        )
        .unwrap();
        assert!(text.starts_with("// Generated by assistant"), "{text}");
        let sidecar = parse(&text).unwrap();
        assert_eq!(sidecar.generator, GENERATOR);
        assert_eq!(sidecar.provider, "deepseek");
        assert_eq!(sidecar.model, "deepseek-flash");
        assert_eq!(sidecar.time, "2026-01-01T01:02:03Z");
        assert_eq!(sidecar.source_sha256, sha256_hex(b"package p\n"));
        assert_eq!(sidecar.functions, ["H.A", "H.B"]);
        assert_eq!(
            sidecar.code,
            "package p\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n\nfunc (h *H) A(ctx context.Context) {}\n\nfunc (h *H) B(ctx context.Context) { _ = time.Now() }\n"
        );
    }

    #[test]
    fn depends_round_trips_relative_to_the_sidecar() {
        let handler = Path::new("store/internal/handler/coupon.go");
        let dao = sidecar_path(Path::new("store/internal/dao/coupon.go"));
        let relative = relative_path(handler.parent().unwrap(), &dao);
        assert_eq!(relative, "../dao/coupon.go.assistant");
        let text = compose_with(
            handler,
            "package handler\n",
            &[part("package handler\n\nfunc A() {}\n", &["A"])],
            &meta(),
            &[relative],
        )
        .unwrap();
        let sidecar = parse(&text).unwrap();
        assert_eq!(sidecar.depends, ["../dao/coupon.go.assistant"]);
        assert_eq!(dependencies(&sidecar_path(handler), &sidecar), [dao]);
        assert!(parse(&compose(handler, "", &[], &meta()).unwrap())
            .unwrap()
            .depends
            .is_empty());
    }

    #[test]
    fn parse_rejects_what_is_not_a_sidecar() {
        assert!(matches!(
            parse("package p\n"),
            Err(SidecarError::MissingField("generator"))
        ));
    }

    #[test]
    fn freshness_needs_same_hash_and_every_stub() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("coupon.go");
        let text = "package p\n";
        let content = compose(
            &source,
            text,
            &[part("package p\n\nfunc A() {}\n", &["A"])],
            &meta(),
        )
        .unwrap();
        fsx::write_atomic(&sidecar_path(&source), &content).unwrap();
        assert!(is_fresh(&source, text, &["A".into()]));
        assert!(!is_fresh(&source, text, &["A".into(), "B".into()]));
        assert!(!is_fresh(&source, "package p // edited\n", &["A".into()]));
        assert!(!is_fresh(&dir.path().join("other.go"), text, &[]));
    }

    #[test]
    fn rejected_answers_are_kept_beside_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("coupon.go");
        let path = save_rejected("raw answer", &source).unwrap();
        assert_eq!(path, dir.path().join("coupon.go.assistant.rejected"));
        assert_eq!(std::fs::read_to_string(path).unwrap(), "raw answer");
    }
}
