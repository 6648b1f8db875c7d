//! What merging code into a source gives, whatever the language: the merged text and what changed, or
//! why nothing could be merged. The rules of each language live in its own folder.

/// The merged text and what changed, by identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merged {
    pub text: String,
    /// Declarations whose text was replaced.
    pub replaced: Vec<String>,
    /// Declarations appended (at the end of the file, or of the block they belong in).
    pub added: Vec<String>,
    /// Interface types that gained methods (`type Name`).
    pub extended: Vec<String>,
    /// Imports added: Go import specs (`"time"`, `s "sort"`), Rust `use` paths, Python statements.
    pub imports_added: Vec<String>,
}

impl Merged {
    /// Every declaration that changed, in the order replaced, extended, added.
    pub fn changed(&self) -> Vec<String> {
        self.replaced
            .iter()
            .chain(&self.extended)
            .chain(&self.added)
            .cloned()
            .collect()
    }
}

/// Why code could not be merged, whatever the language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("the code to merge does not parse: {0}")]
    AdditionSyntax(String),
    #[error("the file does not parse ({0}), so it cannot be merged into")]
    SourceSyntax(String),
    #[error("the code to merge is for package `{found}`, the file is package `{expected}`")]
    PackageMismatch { expected: String, found: String },
    #[error("the code to merge declares `{0}` twice")]
    Duplicate(String),
    #[error(
        "`{declaration}` matches several declarations of the file ({found}); merge it by hand"
    )]
    Ambiguous { declaration: String, found: String },
    #[error("the merged file would not parse: {0}")]
    ResultSyntax(String),
    #[error(
        "the code imports \"{path}\" as `{name}`, the name the file gives to \"{other}\": import it under another name"
    )]
    ImportName {
        name: String,
        path: String,
        other: String,
    },
}
