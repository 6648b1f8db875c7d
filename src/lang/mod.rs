//! Everything language-specific, behind one small surface.
//!
//! This module owns the types every later stage speaks in — a [`Stub`] found in a source file and the
//! [`Lang`] it is written in — and dispatches to one module per language (`go/`, `rust/`): finding
//! stubs, outlining a file, merging code into a source. Callers that need no more than these go through
//! [`Lang`] and never name a language.
//! It knows nothing of HTTP, prompts or the disk: callers hand it text and get facts back.

pub mod go;
pub mod markers;
pub mod merged;
pub mod rust;
pub mod text;

use std::ops::Range;
use std::path::Path;

pub use markers::Markers;
pub use merged::{MergeError, Merged};

/// A language `assistant` can find stubs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Go,
    Rust,
}

/// The languages assistant knows, as the messages about unknown files name them.
pub const KNOWN: &str = "Go, Rust";

impl Lang {
    /// The language of a path, by its extension.
    pub fn of(path: &Path) -> Option<Lang> {
        match path.extension()?.to_str()? {
            "go" => Some(Lang::Go),
            "rs" => Some(Lang::Rust),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::Go => "go",
            Lang::Rust => "rust",
        }
    }

    /// The name people write: `Go`, `Rust`.
    pub fn display_name(self) -> &'static str {
        match self {
            Lang::Go => "Go",
            Lang::Rust => "Rust",
        }
    }

    /// The file that marks a project's root: `go.mod`, `Cargo.toml`.
    pub fn project_file(self) -> &'static str {
        match self {
            Lang::Go => "go.mod",
            Lang::Rust => "Cargo.toml",
        }
    }

    /// Finds the stubs in a source text. Never fails: a Go file that does not parse still yields the
    /// stubs tree-sitter could recover; a Rust file that does not parse yields none (see
    /// [`Lang::try_find_stubs`]).
    pub fn find_stubs(self, source: &str, markers: &Markers) -> Vec<Stub> {
        self.try_find_stubs(source, markers).unwrap_or_default()
    }

    /// As [`Lang::find_stubs`], but says why a file could not be searched: syn does not recover from
    /// syntax errors, so a Rust file that does not parse is an error (`line:col: message`). Go's parser
    /// always recovers.
    pub fn try_find_stubs(self, source: &str, markers: &Markers) -> Result<Vec<Stub>, String> {
        match self {
            Lang::Go => Ok(go::find_stubs(source, markers)),
            Lang::Rust => rust::stubs::find_stubs(source, markers),
        }
    }

    /// The file as the model should see it (see `go::outline` and `rust::outline`).
    pub fn outline(self, source: &str, others: OtherFunctions) -> String {
        match self {
            Lang::Go => go::outline::outline(source, &[], others),
            Lang::Rust => rust::outline::outline(source, others),
        }
    }

    /// A stub as a prompt shows it: Go's declaration with its doc comment; Rust's inside the `impl`,
    /// `trait` and `mod` blocks that give it its identity.
    pub fn stub_excerpt(self, source: &str, stub: &Stub) -> String {
        match self {
            Lang::Go => source
                .get(stub.decl_with_doc.clone())
                .unwrap_or_default()
                .to_string(),
            Lang::Rust => rust::stubs::excerpt(source, stub),
        }
    }

    /// Merges `addition` (code in this language, e.g. a sidecar's) into `source`.
    pub fn merge(self, source: &str, addition: &str) -> Result<Merged, MergeError> {
        match self {
            Lang::Go => go::merge::merge(source, addition).map_err(MergeError::Go),
            Lang::Rust => rust::merge::merge(source, addition).map_err(MergeError::Rust),
        }
    }
}

/// What an outline keeps of the functions that are neither the job's stubs nor constructors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherFunctions {
    /// Doc comment and signature, body elided.
    Signatures,
    /// Left out.
    Omitted,
}

/// A function or method whose body executes a marker call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stub {
    /// The function's name.
    pub name: String,
    /// The receiver's type name without `*` or type parameters (`Set` for `(s *Set[T])`), if a method.
    /// Rust: the impl's self type name (`Store` for `impl<T> Repo for Store<T>`), or the trait's name for
    /// a trait's default method.
    pub receiver: Option<String>,
    /// What the stub is matched by across source, answer and sidecar. Go: `Receiver.Name` for methods,
    /// `Name` for functions. Rust: the path inside the file, `mod::Type::name`,
    /// `<Type as Trait>::name`, `Trait::name` or `name`.
    pub identity: String,
    /// Rust: the headers of the blocks around the stub, outermost first, each as its line starts
    /// (`    impl<T> Repo for Store<T>`). Empty for Go.
    pub enclosing: Vec<String>,
    /// 1-based line of the `func`/`fn` keyword.
    pub line: usize,
    /// 1-based column (in characters) of the `func`/`fn` keyword.
    pub column: usize,
    /// The marker call as written, e.g. `panic("implement me")`, `todo!()`.
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
    /// The identity a declaration is matched by across source, answer and sidecar (the `identity`
    /// field).
    pub fn identity(&self) -> String {
        self.identity.clone()
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
