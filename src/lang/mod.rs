//! Everything language-specific, behind one trait and a registry.
//!
//! A language is a folder here (`go/`, `rust/`, `python/`) holding one value that implements
//! [`Language`]: how its stubs look, how the model sees a file, how an answer is checked and merged, and
//! its dialect as data (suffixes, fence labels, comment syntax, skip rules, templates). The registry
//! line at the bottom of this file is the only place that lists them; every other module holds a
//! [`Lang`] (a copyable handle into the registry) and asks the trait, never naming a language.
//!
//! This module also owns the types the stages speak in across languages: a [`Stub`], the contract
//! between `check` and a language's checker ([`answer`]), the context a language contributes to a
//! prompt ([`context`]), and what a merge gives ([`merged`]).
//! It knows nothing of HTTP or prompts, nor of code generators (those are `scaffold/`'s, which ask a
//! language for what its syntax holds: outlines, type declarations, interface methods); the only files
//! a language reads are its project's own (a crate's trait definitions), through the callers' paths.

pub mod answer;
pub mod context;
mod dialect;
mod edit;
mod markers;
mod merged;
pub mod text;
pub mod toolchain;
pub mod tools;

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::process::Command;

pub use answer::{Block, CheckedFile, DependentFile, Expected, Problem, Problems, TargetFile};
pub use context::{Definition, DefinitionKind, ProjectFiles, ProtoRef};
pub use dialect::{Dialect, Template};
pub use markers::{CommentForm, Markers};
pub use merged::{MergeError, Merged};
pub use toolchain::{Checked, Diagnostic, Replacement, ToolError, Toolchain};

/// One language `assistant` works in. Implementations are unit structs registered in [`LANGUAGES`].
pub trait Language: Sync {
    /// What the language is, as data: names, suffixes, fences, comments, skip rules, templates.
    fn dialect(&self) -> &'static Dialect;

    /// Whether `bytes` could hold one of this language's markers. False means: certainly no stub here,
    /// so the file is never parsed (most files end here).
    fn may_hold_stub(&self, bytes: &[u8], markers: &Markers) -> bool {
        markers.may_occur_in(self.dialect().name, bytes)
    }

    /// The stubs of a source text, in source order; or why the file cannot be searched
    /// (`line:col: message`) for a parser that does not recover from syntax errors.
    fn find_stubs(&self, source: &str, markers: &Markers) -> Result<Vec<Stub>, String>;

    /// The file as the model should see it: the bodies of functions other than constructors elided.
    fn outline(&self, source: &str, others: OtherFunctions) -> String;

    /// The outline a prompt for `stubs` (the file's stubs) shows: [`Language::outline`], unless the file
    /// is too large to show whole, when a language may keep only what is around the stubs and say what
    /// it left out.
    fn outline_around(&self, source: &str, _stubs: &[Stub], others: OtherFunctions) -> String {
        self.outline(source, others)
    }

    /// A stub as a prompt shows it (with its doc comment, and whatever blocks give it its identity).
    fn stub_excerpt(&self, source: &str, stub: &Stub) -> String {
        source
            .get(stub.decl_with_doc.clone())
            .unwrap_or_default()
            .to_string()
    }

    /// Whether `code` parses as a file (or fragment) of this language.
    fn parses(&self, code: &str) -> bool;

    /// Checks the code blocks `check` found in an answer against what the job asked for.
    fn check(&self, blocks: Vec<Block>, expected: &Expected) -> Result<Vec<CheckedFile>, Problems>;

    /// Merges `addition` (code in this language, e.g. a sidecar's) into `source`.
    fn merge(&self, source: &str, addition: &str) -> Result<Merged, MergeError> {
        self.merge_keeping(source, addition, &[])
    }

    /// As [`Language::merge`], but the source's declarations whose identity is in `keep` stay as they
    /// are, even where `addition` has its own (the user's edits after a merge win over a sidecar's).
    fn merge_keeping(
        &self,
        source: &str,
        addition: &str,
        keep: &[String],
    ) -> Result<Merged, MergeError>;

    /// The formatter to run over a merged file, when it is on PATH; it reads stdin and writes stdout.
    fn formatter(&self, _source_path: &Path) -> Option<Command> {
        None
    }

    /// The project's own compiler, to verify that an answer type-checks in its package; `None` when the
    /// language has none `assistant` drives.
    fn toolchain(&self) -> Option<&'static dyn Toolchain> {
        None
    }

    /// What to look up in the project's `.proto` index for a stub (the messages its signature names,
    /// or the rpc a servicer method implements).
    fn proto_refs(&self, _stub: &Stub) -> Vec<ProtoRef> {
        Vec::new()
    }

    /// The declaration of the type called `name` in `source`, with its doc comment, as written.
    fn type_declaration(&self, _source: &str, _name: &str) -> Option<String> {
        None
    }

    /// The imports of `source`, as `(alias, path)`: the alias as written, `None` for none.
    fn imports(&self, _source: &str) -> Vec<(Option<String>, String)> {
        Vec::new()
    }

    /// The type names `code` (a declaration) mentions besides those it declares, in order, each with
    /// the package it is qualified by (`model` in `model.UserModel`), if any.
    fn type_names(&self, _code: &str) -> Vec<(Option<String>, String)> {
        Vec::new()
    }

    /// The method names of the interface (trait, protocol) called `name` in `source`.
    fn interface_methods(&self, _source: &str, _name: &str) -> Vec<String> {
        Vec::new()
    }

    /// Definitions from the project's other files that the stubs depend on (the trait method a stub
    /// implements, the types its signature names). `project` loads the project's files of this
    /// language on first use.
    fn definitions(
        &self,
        _stubs: &[Stub],
        _current: &str,
        _project: &mut dyn FnMut() -> std::sync::Arc<ProjectFiles>,
    ) -> Vec<Definition> {
        Vec::new()
    }
}

/// Declares the language folders and the registry in one line per language.
macro_rules! languages {
    ($($module:ident :: $value:ident),+ $(,)?) => {
        $(pub mod $module;)+
        /// Every language, in the order messages list them.
        pub static LANGUAGES: &[&dyn Language] = &[$(&$module::$value),+];
    };
}

languages!(go::Go, rust::Rust, python::Python);

/// A handle to a registered language: small, copyable, comparable; dereferences to its [`Language`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lang(u8);

impl Lang {
    /// Every registered language.
    pub fn all() -> impl Iterator<Item = Lang> {
        (0..LANGUAGES.len()).map(|i| Lang(i as u8))
    }

    /// The language of a path, by its suffix.
    pub fn of(path: &Path) -> Option<Lang> {
        // A name that is not UTF-8 still ends in `.go`: decided on its lossy form (the walk warns).
        let name = path.file_name()?.to_string_lossy();
        Lang::all().find(|lang| {
            lang.dialect()
                .suffixes
                .iter()
                .any(|suffix| name.len() > suffix.len() && name.ends_with(suffix))
        })
    }

    /// The language called `name` (`go`, `rust`, …).
    pub fn named(name: &str) -> Option<Lang> {
        Lang::all().find(|lang| lang.name() == name)
    }

    /// `go`, `rust`: the name in JSON and template folders.
    pub fn name(self) -> &'static str {
        self.dialect().name
    }

    /// The name people write: `Go`, `Rust`.
    pub fn display_name(self) -> &'static str {
        self.dialect().display_name
    }

    /// The languages as messages about unknown files list them: `Go, Rust`.
    pub fn known() -> String {
        Lang::all()
            .map(Lang::display_name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// As [`Language::find_stubs`], with a file that cannot be searched giving none.
    pub fn stubs_in(self, source: &str, markers: &Markers) -> Vec<Stub> {
        self.find_stubs(source, markers).unwrap_or_default()
    }
}

impl std::ops::Deref for Lang {
    type Target = dyn Language;

    fn deref(&self) -> &(dyn Language + 'static) {
        LANGUAGES[self.0 as usize]
    }
}

impl fmt::Debug for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

impl serde::Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
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
    /// a trait's default method. Python: the class.
    pub receiver: Option<String>,
    /// What the stub is matched by across source, answer and sidecar. Go: `Receiver.Name` for methods,
    /// `Name` for functions. Rust: the path inside the file, `mod::Type::name`,
    /// `<Type as Trait>::name`, `Trait::name` or `name`. Python: `Class.name` or `name`.
    pub identity: String,
    /// The headers of the blocks around the stub, outermost first, each as its line starts
    /// (`    impl<T> Repo for Store<T>`, `class Store(Base):`). Empty for Go.
    pub enclosing: Vec<String>,
    /// 1-based line of the `func`/`fn`/`def` keyword.
    pub line: usize,
    /// 1-based column (in characters) of the `func`/`fn`/`def` keyword.
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
