//! An api logic's entry in the `.api` files: the route whose `@handler` names the logic (compared
//! case-insensitively, through the `@server` group that names the logic's sub-folder), and the
//! request and response types with what they reference, two levels deep. The `.api` files are the
//! service's own (every `*.api` under the service folder) and the files they import; one that does not
//! parse is a warning, and the types then come from the generated `internal/types/types.go`.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::api::{parse, ApiFile, ApiType, Route};
use crate::lang::Lang;
use crate::scaffold::Project;
use crate::scan::Warning;

/// How far references are followed from the request and response (depth 0).
const MAX_DEPTH: usize = 2;

/// The `.api` files of a service, parsed.
pub struct Apis {
    files: Vec<(String, ApiFile)>,
    pub warnings: Vec<Warning>,
}

impl Apis {
    /// Every `.api` file under `service` and what they import, as long as it is inside the project
    /// (a cloned project is untrusted: its imports must not make a prompt carry other files).
    pub fn load(project: &Project, service: &Path) -> Apis {
        let mut pending: VecDeque<PathBuf> = api_files(service).into();
        let mut seen: Vec<PathBuf> = Vec::new();
        let mut apis = Apis {
            files: Vec::new(),
            warnings: Vec::new(),
        };
        let root = project.root.canonicalize().unwrap_or_else(|_| project.root.clone());
        while let Some(path) = pending.pop_front() {
            let Ok(key) = path.canonicalize() else {
                apis.warnings.push(Warning {
                    path,
                    reason: "imported but not found".into(),
                });
                continue;
            };
            if !key.starts_with(&root) {
                apis.warnings.push(Warning {
                    path,
                    reason: "imported from outside the project, not read".into(),
                });
                continue;
            }
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let source = match std::fs::read_to_string(&path) {
                Ok(source) => source,
                Err(e) => {
                    apis.warnings.push(Warning {
                        path,
                        reason: format!("cannot read: {e}"),
                    });
                    continue;
                }
            };
            match parse(&source) {
                Ok(file) => {
                    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
                    pending.extend(file.imports.iter().map(|i| folder.join(i)));
                    apis.files.push((project.name_of(&path), file));
                }
                Err(error) => apis.warnings.push(Warning {
                    path,
                    reason: format!("{error} (the .api file is left out of the prompts)"),
                }),
            }
        }
        apis
    }

    /// The route of handler `logic` (the logic type without `Logic`: `GetUser`), in `group` (the
    /// logic's folder below `internal/logic`, `""` for none).
    pub fn route(&self, logic: &str, group: &str) -> Option<(&str, &Route)> {
        let wanted = normalize(logic);
        let candidates: Vec<(&str, &Route)> = self
            .files
            .iter()
            .flat_map(|(name, file)| file.routes.iter().map(move |r| (name.as_str(), r)))
            .filter(|(_, route)| normalize(&route.handler) == wanted)
            .collect();
        let in_group = candidates
            .iter()
            .find(|(_, route)| route.option("group").unwrap_or("") == group)
            .copied();
        in_group.or(match candidates[..] {
            [only] => Some(only),
            _ => None,
        })
    }

    /// The types `roots` name and what they reference, breadth first, at most two levels down, as
    /// `(depth, name, text)`; types no `.api` file declares are looked up in `fallback` (the service's
    /// `internal/types/types.go`) through the language.
    pub fn types(&self, roots: &[&str], fallback: Option<(&str, Lang)>) -> Vec<TypeView> {
        let mut found: Vec<TypeView> = Vec::new();
        let mut queue: VecDeque<(String, usize)> = roots.iter().map(|r| (r.to_string(), 0)).collect();
        while let Some((name, depth)) = queue.pop_front() {
            if found.iter().any(|t| t.name == name) {
                continue;
            }
            if let Some(declared) = self.declared(&name) {
                for referenced in references(declared) {
                    if depth < MAX_DEPTH {
                        queue.push_back((referenced, depth + 1));
                    }
                }
                found.push(TypeView {
                    name,
                    depth,
                    text: declared.text.clone(),
                    language: false,
                });
            } else if let Some(text) = fallback.and_then(|(source, lang)| lang.type_declaration(source, &name)) {
                if depth < MAX_DEPTH {
                    let referenced = fallback
                        .map(|(_, lang)| lang.type_names(&text))
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|(package, name)| {
                            package.is_none() && name.chars().next().is_some_and(char::is_uppercase)
                        });
                    queue.extend(referenced.map(|(_, name)| (name, depth + 1)));
                }
                found.push(TypeView {
                    name,
                    depth,
                    text,
                    language: true,
                });
            }
        }
        found
    }

    fn declared(&self, name: &str) -> Option<&ApiType> {
        self.files
            .iter()
            .flat_map(|(_, file)| &file.types)
            .find(|t| t.name == name)
    }
}

/// A type as the prompt shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TypeView {
    pub name: String,
    pub depth: usize,
    pub text: String,
    /// Taken from the generated Go code rather than the `.api` file.
    pub language: bool,
}

/// `getUser`, `get_user`, `GetUserHandler`, `GetUserLogic` → `getuser` (goctl camel-cases a snake_case
/// `@handler` into the logic's type name).
fn normalize(name: &str) -> String {
    let lower = name.replace('_', "").to_ascii_lowercase();
    let trimmed = lower
        .strip_suffix("handler")
        .or_else(|| lower.strip_suffix("logic"))
        .unwrap_or(&lower);
    trimmed.to_string()
}

/// The type names a type's fields mention: `[]Item`, `*Address`, `map[string]Tag` → `Item`, `Address`,
/// `Tag` (capitalised words only: built-in types are lower case).
fn references(declared: &ApiType) -> Vec<String> {
    declared
        .field_types
        .iter()
        .flat_map(|word| {
            word.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|part| part.chars().next().is_some_and(char::is_uppercase))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The `.api` files under `service`, by path (hidden and vendored folders skipped).
fn api_files(service: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![(service.to_path_buf(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') || name == "vendor" || name == "node_modules" {
                continue;
            }
            // Symbolic links are not followed into folders.
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && depth < 6 {
                pending.push((path, depth + 1));
            } else if name.ends_with(".api") && path.is_file() {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_names_match_case_insensitively_through_the_group() {
        assert_eq!(normalize("getUser"), normalize("GetUser"));
        assert_eq!(normalize("GetUserHandler"), "getuser");
        assert_eq!(normalize("get_user"), normalize("GetUserLogic"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.api"),
            "type A { B []B `json:\"b\"` }\ntype B { C map[string]*C }\ntype C { D D }\ntype D { X int }\n@server (group: user)\nservice s {\n\t@handler getUser\n\tget /u (A) returns (B)\n}\n@server (group: admin)\nservice s {\n\t@handler getUser\n\tget /a (A)\n}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("broken.api"), "type (\n").unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.api"), "type Secret { Key string }\n").unwrap();
        std::fs::write(
            dir.path().join("hostile.api"),
            format!("import \"{}\"\nimport \"missing.api\"\n", outside.path().join("secret.api").display()),
        )
        .unwrap();
        let apis = Apis::load(&Project::at(dir.path()), dir.path());
        let reasons: Vec<&str> = apis.warnings.iter().map(|w| w.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "2:1: the `type (` group is never closed (the .api file is left out of the prompts)",
                "imported from outside the project, not read",
                "imported but not found",
            ]
        );
        assert!(apis.declared("Secret").is_none());
        assert_eq!(apis.route("GetUser", "admin").unwrap().1.path, "/a");
        assert_eq!(apis.route("GetUser", "user").unwrap().1.path, "/u");
        assert!(apis.route("GetUser", "other").is_none());
        let names: Vec<(String, usize)> = apis
            .types(&["A"], None)
            .into_iter()
            .map(|t| (t.name, t.depth))
            .collect();
        assert_eq!(names, [("A".into(), 0), ("B".into(), 1), ("C".into(), 2)]);
    }
}
