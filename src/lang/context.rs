//! What a language contributes to a prompt besides the file itself, in types every stage can read:
//! a code generator's layers around the file (sponge's handler → dao → model, error codes), definitions
//! from the project's other files (the trait method a stub implements, the types it names), and what
//! to look up in the project's `.proto` index. Finding them is each language's business; rendering
//! them is `prompt`'s.

use std::path::{Path, PathBuf};

/// What to look up in the `.proto` index for a stub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtoRef {
    /// A message or enum by its name (`RedeemCouponRequest`).
    Type(String),
    /// The rpc a gRPC servicer method implements: service `Inventory`, method `ReserveStock`.
    Rpc { service: String, method: String },
}

/// The layer context of a file in a generated project (sponge's handler, service, biz or logic).
#[derive(Debug, Clone)]
pub struct SpongeContext {
    /// `handler`, `service`, …
    pub layer: String,
    pub dao: Option<DaoFile>,
    pub model: Option<Snippet>,
    pub ecode: Option<Snippet>,
}

/// The dao file a layered stub is likely to extend.
#[derive(Debug, Clone)]
pub struct DaoFile {
    /// Relative to the module root, with `/`: `internal/dao/coupon.go`.
    pub name: String,
    pub path: PathBuf,
    pub source: String,
    /// The interface the handler holds: `CouponDao`.
    pub interface: String,
    /// Its existing methods, to be reused rather than rewritten.
    pub methods: Vec<String>,
    /// The file with method bodies elided.
    pub outline: String,
}

/// A file shown whole (or outlined) as context.
#[derive(Debug, Clone)]
pub struct Snippet {
    pub name: String,
    pub text: String,
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
