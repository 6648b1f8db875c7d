//! What a Rust answer may not change: the items its file and crate already have. An answer implements
//! the stubs it was asked for and adds items; an item of the file that exists and is not a stub —
//! a function, method, struct, enum, type, const or static — it may echo (attributes and comments
//! aside, token for token) but not give with other code. A method of an inherent `impl` is also looked
//! for in the crate's other files (`impl Store` blocks may be spread over several): giving it again in
//! this file would define it twice.

use std::path::{Path, PathBuf};

use super::items::{self, Kind, RustFile};
use super::Segment;
use crate::lang::Problem;

/// The problems of the answer's items (`listed`) against the file's (`source`): `stubs` are the
/// identities of the file's stubs, which the answer may implement.
pub(super) fn redefinitions(
    file: &str,
    path: &Path,
    listed: &RustFile,
    source: &RustFile,
    stubs: &[String],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut crate_files: Option<CrateFiles> = None;
    for item in &listed.items {
        if !matches!(item.kind, Kind::Fn | Kind::Named(_)) {
            continue;
        }
        let Some(identity) = item.identity() else {
            continue;
        };
        if stubs.contains(&identity) {
            continue;
        }
        let redefines = |existing: String| Problem::Redefines {
            file: file.to_string(),
            identity: shown(&identity),
            existing,
        };
        match source.find(&identity) {
            Some(existing) if existing.decl_tokens != item.decl_tokens => {
                problems.push(redefines(file.to_string()))
            }
            Some(_) => {}
            None => {
                let Some(self_ty) = inherent_self_type(&item.scope) else {
                    continue;
                };
                let files = crate_files.get_or_insert_with(|| CrateFiles::of(file, path));
                let own_type = declares_type(source, self_ty);
                if let Some(other) = files.declaring(self_ty, &item.name, own_type) {
                    problems.push(redefines(other));
                }
            }
        }
    }
    problems
}

/// `struct Store` is shown as `Store`; functions and methods as they are.
fn shown(identity: &str) -> String {
    identity
        .split_once(' ')
        .filter(|(kind, _)| !kind.contains(':') && !kind.contains('<'))
        .map_or(identity, |(_, name)| name)
        .to_string()
}

/// The self type of a method directly in an inherent `impl` block at the top of the file.
fn inherent_self_type(scope: &[Segment]) -> Option<&str> {
    match scope {
        [Segment::Impl {
            self_ty,
            trait_name: None,
        }] => Some(self_ty),
        _ => None,
    }
}

/// Whether `file` declares a type named `name` at its top level (a struct, enum, union or alias).
fn declares_type(file: &RustFile, name: &str) -> bool {
    file.items.iter().any(|item| {
        item.scope.is_empty()
            && item.name == name
            && matches!(item.kind, Kind::Named("struct" | "enum" | "union" | "type"))
    })
}

/// The crate's other `.rs` files (under the folder holding the nearest `Cargo.toml`), read when first
/// needed.
struct CrateFiles {
    /// Each file's name as prompts would give it, and its path.
    files: Vec<(String, PathBuf)>,
}

impl CrateFiles {
    fn of(name: &str, path: &Path) -> CrateFiles {
        let Some(root) = path.ancestors().skip(1).find(|d| d.join("Cargo.toml").is_file()) else {
            return CrateFiles { files: Vec::new() };
        };
        // The prompt's name for the file is its path under some folder; other files get the same
        // prefix before their path under the crate.
        let own = path.strip_prefix(root).unwrap_or(path);
        let own = own.to_string_lossy().replace('\\', "/");
        let prefix = name.strip_suffix(own.as_str()).unwrap_or("").to_string();
        let mut files = Vec::new();
        collect_rs(&root.join("src"), &mut files, 0);
        files.sort();
        let files = files
            .into_iter()
            .filter(|other| other != path)
            .map(|other| {
                let under = other.strip_prefix(root).unwrap_or(&other);
                let shown = format!("{prefix}{}", under.to_string_lossy().replace('\\', "/"));
                (shown, other)
            })
            .collect();
        CrateFiles { files }
    }

    /// The file that defines method `name` in an inherent `impl self_ty` block at its top level. When
    /// the answer's file declares `self_ty` itself (`own_type`), a file declaring a type of that name
    /// too holds another type (each module has its own `Error`), not the same one.
    fn declaring(&self, self_ty: &str, name: &str, own_type: bool) -> Option<String> {
        let needle = format!("fn {name}");
        self.files.iter().find_map(|(shown, path)| {
            let text = std::fs::read_to_string(path).ok()?;
            if !text.contains(&needle) || !text.contains(self_ty) {
                return None;
            }
            let listed = items::list(&text).ok()?;
            if own_type && declares_type(&listed, self_ty) {
                return None;
            }
            let found = listed.items.iter().any(|item| {
                item.kind == Kind::Fn
                    && item.name == name
                    && inherent_self_type(&item.scope) == Some(self_ty)
            });
            found.then(|| shown.clone())
        })
    }
}

/// Folders deeper than this under `src/` are not searched (a crate's modules rarely nest so deep;
/// a symlink loop must not run forever).
const MAX_DEPTH: usize = 8;

fn collect_rs(folder: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && depth < MAX_DEPTH {
            collect_rs(&path, out, depth + 1);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
