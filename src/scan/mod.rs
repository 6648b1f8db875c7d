//! The scan stage: from the paths a user named to the stubs in them.
//!
//! Flow: [`walk`] yields candidate files in parallel (the `ignore` walker, `.gitignore`-aware, with the
//! SPEC's skip rules); each worker reads a file, drops it unless the byte prefilter finds a marker
//! (most files end here, unparsed), checks it is text, then hands it to its language to find stubs.
//! Files with stubs are collected with their source, so later stages never read a file twice.
//! Problems with single files (a Rust file that does not parse among them) become [`Warning`]s; the
//! scan goes on.
//!
//! This module knows nothing of prompts, HTTP or output formats.

pub mod walk;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::lang::{Lang, Markers, Stub};
pub use walk::Target;

/// How many leading bytes are inspected for a NUL byte, as git does to tell binary files.
const BINARY_SNIFF_LEN: usize = 8 * 1024;

/// A source file holding at least one stub.
#[derive(Debug, Clone)]
pub struct ScannedFile {
    /// The path as the user named it (`examples/store/internal/handler/coupon.go`).
    pub path: PathBuf,
    pub lang: Lang,
    pub source: String,
    pub stubs: Vec<Stub>,
}

/// A file or folder that could not be scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub path: PathBuf,
    pub reason: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

#[derive(Debug, Default)]
pub struct ScanOutcome {
    /// Files with stubs, ordered by path.
    pub files: Vec<ScannedFile>,
    /// Ordered by path.
    pub warnings: Vec<Warning>,
    /// Source files read successfully (with or without stubs).
    pub files_read: usize,
    pub bytes_read: u64,
}

impl ScanOutcome {
    pub fn stub_count(&self) -> usize {
        self.files.iter().map(|f| f.stubs.len()).sum()
    }
}

/// Scans `targets` for stubs.
pub fn scan(targets: &[Target], markers: &Markers) -> ScanOutcome {
    let files = Mutex::new(Vec::new());
    let warnings = Mutex::new(Vec::new());
    let files_read = AtomicUsize::new(0);
    let bytes_read = AtomicU64::new(0);

    walk::for_each_candidate(targets, |candidate| match candidate {
        Ok((path, lang)) => match scan_file(&path, lang, markers) {
            Ok(found) => {
                files_read.fetch_add(1, Ordering::Relaxed);
                bytes_read.fetch_add(found.bytes, Ordering::Relaxed);
                if let Some(file) = found.file {
                    lock(&files).push(file);
                }
                if let Some(reason) = found.unsearched {
                    lock(&warnings).push(Warning { path, reason });
                }
            }
            Err(reason) => lock(&warnings).push(Warning { path, reason }),
        },
        Err(warning) => lock(&warnings).push(warning),
    });

    let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut warnings = warnings.into_inner().unwrap_or_else(|e| e.into_inner());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    warnings.sort_by(|a, b| a.path.cmp(&b.path));
    ScanOutcome {
        files,
        warnings,
        files_read: files_read.into_inner(),
        bytes_read: bytes_read.into_inner(),
    }
}

/// A poisoned lock only means another worker panicked; the data is still a plain Vec.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

struct Found {
    bytes: u64,
    file: Option<ScannedFile>,
    /// Why a file that was read could not be searched (a Rust file that does not parse).
    unsearched: Option<String>,
}

/// Reads one file and finds its stubs. `Err` is the reason it was skipped.
fn scan_file(path: &Path, lang: Lang, markers: &Markers) -> Result<Found, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let sniff = &bytes[..bytes.len().min(BINARY_SNIFF_LEN)];
    if memchr::memchr(0, sniff).is_some() {
        return Err("looks binary (NUL byte), skipped".into());
    }
    let size = bytes.len() as u64;
    if !lang.may_hold_stub(&bytes, markers) {
        return Ok(Found {
            bytes: size,
            file: None,
            unsearched: None,
        });
    }
    let source = String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 (invalid byte at offset {}), skipped",
            e.utf8_error().valid_up_to()
        )
    })?;
    let (stubs, unsearched) = match lang.find_stubs(&source, markers) {
        Ok(stubs) => (stubs, None),
        Err(error) => (
            Vec::new(),
            Some(format!("does not parse ({error}), skipped")),
        ),
    };
    let file = (!stubs.is_empty()).then(|| ScannedFile {
        path: path.to_path_buf(),
        lang,
        source,
        stubs,
    });
    Ok(Found {
        bytes: size,
        file,
        unsearched,
    })
}
