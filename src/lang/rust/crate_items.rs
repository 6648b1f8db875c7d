//! Rust: what the rest of a stub's crate says about it — the trait method it implements (whose doc
//! comment says what the method must do) and the structs, enums and type aliases its signature and self
//! type name — found in the crate's `.rs` files (loaded by the caller). Definitions in the stub's own
//! file are left out: its outline shows them already. A file is parsed only when its text names what is
//! looked for.

use super::{definitions, trait_impl_of};
use crate::lang::{Definition, DefinitionKind, ProjectFiles, Stub};

/// At most this many type definitions per job: a signature rarely names more that matter.
const MAX_TYPES: usize = 12;

/// The `.rs` files of one crate.
pub struct CrateIndex<'a> {
    files: &'a [(String, String)],
}

impl<'a> CrateIndex<'a> {
    pub fn new(project: &'a ProjectFiles) -> CrateIndex<'a> {
        CrateIndex {
            files: &project.files,
        }
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
    fn type_definition(&self, current: &str, name: &str) -> Option<(&'a str, String)> {
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
    fn others<'s>(
        &'s self,
        current: &'s str,
        needle: &'s str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 's {
        self.files
            .iter()
            .filter(move |(file, text)| file != current && text.contains(needle))
            .map(|(file, text)| (file.as_str(), text.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::lang::Markers;

    /// The crate's files as the caller would load them.
    fn load(root: &Path) -> ProjectFiles {
        let mut files = Vec::new();
        for name in ["src/lib.rs", "src/memory.rs", "src/model.rs", "src/store.rs", "src/frozen.rs"] {
            if let Ok(text) = std::fs::read_to_string(root.join(name)) {
                files.push((name.to_string(), text));
            }
        }
        files.sort();
        ProjectFiles { files }
    }

    #[test]
    fn finds_the_trait_method_and_the_types_of_the_example() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rust-service");
        let project = load(&root);
        let index = CrateIndex::new(&project);
        let source = std::fs::read_to_string(root.join("src/memory.rs")).unwrap();
        let stubs = super::super::stubs::find_stubs(&source, &Markers::default()).unwrap();
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
