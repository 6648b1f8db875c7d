//! Rust: what the rest of a stub's crate says about it — the trait method it implements (whose doc
//! comment says what the method must do) and the structs, enums and type aliases its signature and self
//! type name — found in the crate's `.rs` files. Definitions in the stub's own file are left out: its
//! outline shows them already.
//!
//! The crate is the folder of the nearest `Cargo.toml`, walked with `scan`'s rules (`target/`, hidden
//! folders and ignored files skipped). A file is parsed only when its text names what is looked for.

use std::path::Path;
use std::sync::Mutex;

use super::sponge::relative_name;
use crate::lang::rust::{definitions, trait_impl_of};
use crate::lang::{Lang, Stub};
use crate::scan::walk::{for_each_candidate, Target};

/// At most this many type definitions per job: a signature rarely names more that matter.
const MAX_TYPES: usize = 12;

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

/// The `.rs` files of one crate.
#[derive(Debug, Default)]
pub struct CrateIndex {
    /// (name relative to the crate root, text), by name.
    files: Vec<(String, String)>,
}

impl CrateIndex {
    /// Reads every Rust file under `root` that `scan` would read.
    pub fn load(root: &Path) -> CrateIndex {
        let files = Mutex::new(Vec::new());
        for_each_candidate(&[Target::named(root)], |candidate| {
            let Ok((path, Lang::Rust)) = candidate else {
                return;
            };
            if let Ok(text) = std::fs::read_to_string(&path) {
                let name = relative_name(root, &path);
                files
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((name, text));
            }
        });
        let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort();
        CrateIndex { files }
    }

    /// The definitions the stubs of file `current` (named as in `self`) depend on, from other files.
    pub fn definitions_for(&self, stubs: &[Stub], current: &str) -> Vec<Definition> {
        let mut found: Vec<Definition> = Vec::new();
        for stub in stubs {
            let Some((_, trait_name)) = trait_impl_of(&stub.identity) else {
                continue;
            };
            let name = format!("{trait_name}::{}", stub.name);
            if found.iter().any(|d| d.name == name) {
                continue;
            }
            let needle = format!("trait {trait_name}");
            let method = self.others(current, &needle).find_map(|(file, text)| {
                let method = definitions::trait_method(text, trait_name, &stub.name)?;
                Some((file, method))
            });
            if let Some((file, method)) = method {
                found.push(Definition {
                    kind: DefinitionKind::TraitMethod,
                    name,
                    file: file.to_string(),
                    text: format!("{} {{\n    {}\n}}", method.trait_header, method.text),
                });
            }
        }
        let mut names: Vec<String> = Vec::new();
        for stub in stubs {
            let self_type = trait_impl_of(&stub.identity)
                .map(|(self_ty, _)| self_ty.to_string())
                .or_else(|| stub.receiver.clone());
            for name in self_type
                .into_iter()
                .chain(definitions::type_names(&stub.signature))
            {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        let mut types = 0;
        for name in names {
            if types == MAX_TYPES {
                break;
            }
            if let Some((file, text)) = self.type_definition(current, &name) {
                types += 1;
                found.push(Definition {
                    kind: DefinitionKind::Type,
                    name,
                    file: file.to_string(),
                    text,
                });
            }
        }
        found
    }

    /// The definition of the type `name`, unless `current` defines it.
    fn type_definition(&self, current: &str, name: &str) -> Option<(&str, String)> {
        let needles = ["struct", "enum", "union", "type"].map(|kind| format!("{kind} {name}"));
        let mentions = |text: &str| needles.iter().any(|n| text.contains(n.as_str()));
        if let Some((_, text)) = self.files.iter().find(|(file, _)| file == current) {
            if mentions(text) && definitions::type_definition(text, name).is_some() {
                return None;
            }
        }
        self.files
            .iter()
            .filter(|(file, text)| file != current && mentions(text))
            .find_map(|(file, text)| {
                Some((file.as_str(), definitions::type_definition(text, name)?))
            })
    }

    /// The files other than `current` whose text holds `needle`.
    fn others<'a>(
        &'a self,
        current: &'a str,
        needle: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.files
            .iter()
            .filter(move |(file, text)| file != current && text.contains(needle))
            .map(|(file, text)| (file.as_str(), text.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Markers;

    #[test]
    fn finds_the_trait_method_and_the_types_of_the_example() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rust-service");
        let index = CrateIndex::load(&root);
        let source = std::fs::read_to_string(root.join("src/memory.rs")).unwrap();
        let stubs = Lang::Rust.find_stubs(&source, &Markers::default());
        let find = stubs
            .iter()
            .find(|s| s.identity == "<MemoryStore as UserStore>::find")
            .expect("the example has this stub")
            .clone();
        let found = index.definitions_for(&[find], "src/memory.rs");
        let names: Vec<(&str, DefinitionKind)> =
            found.iter().map(|d| (d.name.as_str(), d.kind)).collect();
        assert_eq!(
            names,
            [
                ("UserStore::find", DefinitionKind::TraitMethod),
                ("UserId", DefinitionKind::Type),
                ("User", DefinitionKind::Type),
                ("StoreError", DefinitionKind::Type),
            ]
        );
        assert_eq!(found[0].file, "src/store.rs");
        assert!(
            found[0].text.starts_with("pub trait UserStore {\n    /// "),
            "{}",
            found[0].text
        );
        assert!(found[2].text.contains("pub struct User {"));
    }
}
