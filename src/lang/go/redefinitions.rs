//! What an answer may not change: the declarations a Go file's package already has. An answer adds
//! functions, methods, types, constants and variables, and implements the stubs it was asked for; a
//! declaration that exists and is not a stub — in the file, or in another file of its package (the
//! `.go` files beside it with the same package clause, tests left out) — it may only echo unchanged,
//! never give again with other code. An interface of the file (the dao's) may gain methods; the ones
//! it has stay as they are.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use super::decls::{self, Decl, GoFile, Interface};
use crate::lang::text::squeeze;
use crate::lang::Problem;

/// The file's package as the check sees it: the file itself and, read when first needed (an answer
/// that only fills its stubs needs none), the other files of its package.
pub(super) struct Package {
    file: Listed,
    path: PathBuf,
    neighbours: OnceCell<Vec<Listed>>,
}

struct Listed {
    /// As prompts name files (`internal/handler/coupon.go`).
    name: String,
    source: String,
    listed: GoFile,
}

impl Package {
    /// `file` (named `name`, at `path`) and the other non-test `.go` files of its folder that declare
    /// the same package. A folder that cannot be read gives the file alone.
    pub(super) fn load(name: &str, path: &Path, source: &str, listed: &GoFile) -> Package {
        Package {
            file: Listed {
                name: name.to_string(),
                source: source.to_string(),
                listed: listed.clone(),
            },
            path: path.to_path_buf(),
            neighbours: OnceCell::new(),
        }
    }

    fn neighbours(&self) -> &[Listed] {
        self.neighbours.get_or_init(|| {
            let package = self.file.listed.package.as_ref().map(|p| p.name.as_str());
            neighbours(&self.path)
                .into_iter()
                .filter_map(|(file_name, source)| {
                    let listed = decls::list(&source);
                    (listed.package.as_ref().map(|p| p.name.as_str()) == package).then(|| Listed {
                        name: beside(&self.file.name, &file_name),
                        source,
                        listed,
                    })
                })
                .collect()
        })
    }

    /// The problems of `decl` (from an answer's `block` for this package's first file): a
    /// declaration that exists, is not one of `stubs` (identities of the file's stubs), and is given
    /// with other code. `target` is the name of the file the block is for.
    pub(super) fn redefinitions(
        &self,
        target: &str,
        block: &str,
        decl: &Decl,
        stubs: &[String],
    ) -> Vec<Problem> {
        if decl.is_anonymous() {
            return Vec::new();
        }
        let ours = squeeze(&block[decl.decl.clone()]);
        let mut problems = Vec::new();
        for identity in decl.identities() {
            if stubs.contains(&identity) {
                continue;
            }
            let Some((file, existing)) = self.find(&identity) else {
                continue;
            };
            let problem = || Problem::Redefines {
                file: target.to_string(),
                identity: shown(&identity),
                existing: file.name.clone(),
            };
            match (&existing.interface, &decl.interface) {
                (Some(theirs), Some(answer)) => {
                    for key in changed_methods(&file.source, theirs, block, answer) {
                        problems.push(Problem::Redefines {
                            file: target.to_string(),
                            identity: format!("{}.{key}", shown(&identity)),
                            existing: file.name.clone(),
                        });
                    }
                }
                _ if squeeze(&file.source[existing.decl.clone()]) != ours => {
                    problems.push(problem())
                }
                _ => {}
            }
        }
        problems
    }

    /// Where `identity` is declared: the file first, then its neighbours.
    fn find(&self, identity: &str) -> Option<(&Listed, &Decl)> {
        std::iter::once(&self.file)
            .chain(self.neighbours())
            .find_map(|file| Some((file, file.listed.find(identity)?)))
    }
}

/// `type CouponDao` is shown as `CouponDao`; functions and methods as they are.
fn shown(identity: &str) -> String {
    identity.strip_prefix("type ").unwrap_or(identity).to_string()
}

/// The methods an interface has that the answer's version of it gives with other code (comments
/// aside). Methods the answer leaves out stay as they are; new ones are what a dao extension adds.
fn changed_methods(
    source: &str,
    theirs: &Interface,
    block: &str,
    answer: &Interface,
) -> Vec<String> {
    theirs
        .elems
        .iter()
        .filter_map(|elem| {
            let given = answer.elems.iter().find(|e| e.key == elem.key)?;
            let same = code_of(&source[elem.lines.clone()]) == code_of(&block[given.lines.clone()]);
            (!same).then(|| elem.key.clone())
        })
        .collect()
}

/// An interface element's code: comment lines and trailing comments removed, whitespace squeezed.
fn code_of(lines: &str) -> String {
    lines
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//"))
        .map(|line| line.split_once("//").map_or(line, |(code, _)| code))
        .map(squeeze)
        .collect()
}

/// The `.go` files (tests left out) in `path`'s folder other than `path` itself, with their text;
/// files that cannot be read as UTF-8 are left out (they are not Go `assistant` could merge into).
fn neighbours(path: &Path) -> Vec<(String, String)> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let Some(own) = path.file_name() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name() != own)
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_string();
            let is_go = name.ends_with(".go") && !name.ends_with("_test.go");
            if !is_go || !entry.file_type().ok()?.is_file() {
                return None;
            }
            let source = std::fs::read_to_string(entry.path()).ok()?;
            Some((name, source))
        })
        .collect();
    found.sort();
    found
}

/// `internal/handler/b.go` for neighbour `b.go` of `internal/handler/a.go`.
fn beside(name: &str, file_name: &str) -> String {
    match name.rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/{file_name}"),
        None => file_name.to_string(),
    }
}
