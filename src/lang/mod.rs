//! Everything language-specific, behind one small surface.
//!
//! This module owns the types every later stage speaks in — a [`Stub`] found in a source file and the
//! [`Lang`] it is written in — and dispatches to one file per language (`go.rs`, later `rust.rs`).
//! It knows nothing of HTTP, prompts or the disk: callers hand it text and get facts back.

pub mod go;
pub mod markers;

use std::ops::Range;
use std::path::Path;

pub use markers::Markers;

/// A language `assistant` can find stubs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Go,
}

impl Lang {
    /// The language of a path, by its extension.
    pub fn of(path: &Path) -> Option<Lang> {
        match path.extension()?.to_str()? {
            "go" => Some(Lang::Go),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::Go => "go",
        }
    }

    /// Finds the stubs in a source text. Never fails: a file that does not parse still yields the stubs
    /// the parser could recover.
    pub fn find_stubs(self, source: &str, markers: &Markers) -> Vec<Stub> {
        match self {
            Lang::Go => go::find_stubs(source, markers),
        }
    }
}

/// A function or method whose body executes a marker call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stub {
    /// The function's name.
    pub name: String,
    /// The receiver's type name without `*` or type parameters (`Set` for `(s *Set[T])`), if a method.
    pub receiver: Option<String>,
    /// 1-based line of the `func` keyword.
    pub line: usize,
    /// 1-based column (in characters) of the `func` keyword.
    pub column: usize,
    /// The marker call as written, e.g. `panic("implement me")`.
    pub marker: String,
    /// The doc comment's text, comment markers removed, lines joined with `\n`; empty when there is none.
    pub doc: String,
    /// The declaration up to (not including) its body: `func (h *x) Name(ctx context.Context) error`.
    pub signature: String,
    /// What follows the marker statement in the body (sponge's commented example code), trimmed;
    /// empty when nothing does. Kept as a reference for the model.
    pub hint: String,
    /// Byte range of the declaration, doc comment excluded.
    pub decl: Range<usize>,
    /// Byte range of the declaration including its doc comment.
    pub decl_with_doc: Range<usize>,
}

impl Stub {
    /// The identity a declaration is matched by across source, answer and sidecar:
    /// `Receiver.Name` for methods, `Name` for functions.
    pub fn identity(&self) -> String {
        match &self.receiver {
            Some(receiver) => format!("{receiver}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The first non-empty line of the doc comment.
    pub fn doc_summary(&self) -> &str {
        self.doc
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or("")
    }
}
