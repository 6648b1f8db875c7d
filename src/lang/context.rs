//! What a language contributes to a prompt besides the file itself, in types every stage can read:
//! definitions from the project's other files (the trait method a stub implements, the types it names), and what
//! to look up in the project's `.proto` index. Finding them is each language's business; rendering
//! them is `prompt`'s.

use std::path::Path;

/// What to look up in the `.proto` index for a stub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtoRef {
    /// A message or enum by its name (`RedeemCouponRequest`).
    Type(String),
    /// The rpc a gRPC servicer method implements: service `Inventory`, method `ReserveStock`.
    Rpc { service: String, method: String },
}

/// What a definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefinitionKind {
    /// The trait method a stub implements.
    TraitMethod,
    /// A struct, enum, union or type alias.
    Type,
}

/// One definition shown to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub kind: DefinitionKind,
    /// `Repo::find`, `User`.
    pub name: String,
    /// The file it is in, relative to the crate root.
    pub file: String,
    pub text: String,
}

/// The source files of one project in one language: (name relative to the project root, text), by name.
#[derive(Debug, Default)]
pub struct ProjectFiles {
    pub files: Vec<(String, String)>,
}

/// `root/internal/dao/x.go` → `internal/dao/x.go`: how prompts and answers name a project's files.
pub fn relative_name(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}
