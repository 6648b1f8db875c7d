//! Everything a code generator decided, behind one trait and a registry, beside the languages.
//!
//! A scaffold (sponge, go-zero) writes a service's skeleton from an API definition and leaves the
//! business logic as stubs. It knows how to recognise its projects (the go.mod requirement, its files),
//! the stub forms it writes besides the language's own markers (goctl's comment and zero-value return),
//! where its API is defined and how a stub maps to its entry there, and which layers a senior engineer
//! opens next to the stub. It does not know the language's syntax: it asks the file's [`Lang`] (outline,
//! type declarations, interface methods).
//!
//! A scaffold is a folder here holding one value that implements [`Scaffold`], and one line in the
//! registry at the bottom of this file. The context it finds is a list of named [`Part`]s that the
//! templates see under the scaffold's key (`sponge.dao`, `gozero.route`), each saying which piece of
//! the token budget it is; `prompt` renders them without knowing which scaffold found them.
//! A project no scaffold recognises gets the language-level context only.

mod context;

use std::fmt;
use std::path::Path;

pub use context::{ExtendedFile, Part, Project, ScaffoldContext, SourceFile};

use crate::lang::{CommentForm, Lang, Template};

/// One code generator `assistant` knows. Implementations are unit structs registered in [`SCAFFOLDS`].
pub trait Scaffold: Sync {
    /// `sponge`, `gozero`: the variable its context goes under in templates, and its template folder.
    fn key(&self) -> &'static str;

    /// `sponge`, `go-zero`: what messages say.
    fn display_name(&self) -> &'static str;

    /// The language (registry name) of the code it writes: only files in it are its business.
    fn language(&self) -> &'static str;

    /// The stub forms it writes that are not the language's marker calls (goctl's comment), as data:
    /// users change their generator's templates, and `--marker` adds forms of the same kinds.
    fn stub_forms(&self) -> &'static [CommentForm] {
        &[]
    }

    /// Whether `file` (absolute) belongs to one of its projects.
    fn recognises(&self, project: &Project, file: &Path) -> bool;

    /// What a senior engineer opens next to the file's stubs; `None` when the file is not in one of
    /// the layers it generates stubs in.
    fn context(&self, project: &Project, file: &SourceFile) -> Option<ScaffoldContext>;

    /// Its own `system.j2` and `user.j2` (under `prompts/<lang>/<key>/`), or none: the language's
    /// templates then render its context.
    fn templates(&self) -> &'static [Template] {
        &[]
    }
}

impl fmt::Debug for dyn Scaffold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// Declares the scaffold folders and the registry in one line per scaffold.
macro_rules! scaffolds {
    ($($module:ident :: $value:ident),+ $(,)?) => {
        $(pub mod $module;)+
        /// Every scaffold, most specific first: the first that recognises a file's project decides.
        pub static SCAFFOLDS: &[&dyn Scaffold] = &[$(&$module::$value),+];
    };
}

scaffolds!(gozero::GoZero, sponge::Sponge);

/// Every registered scaffold's stub forms.
pub fn stub_forms() -> impl Iterator<Item = &'static CommentForm> {
    SCAFFOLDS.iter().flat_map(|scaffold| scaffold.stub_forms())
}

/// The scaffold of `file` (absolute, in `lang`, inside the project at `root`), if one recognises it.
pub fn recognise(lang: Lang, root: &Path, file: &Path) -> Option<&'static dyn Scaffold> {
    let project = Project::at(root);
    SCAFFOLDS
        .iter()
        .copied()
        .filter(|scaffold| scaffold.language() == lang.name())
        .find(|scaffold| scaffold.recognises(&project, file))
}

/// The scaffold context of a file: the first scaffold that recognises its project decides, and says
/// `None` for a file outside its layers.
pub fn context_for(root: &Path, file: &SourceFile) -> Option<ScaffoldContext> {
    let scaffold = recognise(file.lang, root, file.path)?;
    scaffold.context(&Project::at(root), file)
}

/// The templates scaffolds bring, as `(template folder, template)`.
pub fn templates() -> impl Iterator<Item = (String, &'static Template)> {
    SCAFFOLDS.iter().flat_map(|scaffold| {
        scaffold
            .templates()
            .iter()
            .map(move |t| (format!("{}/", scaffold.key()), t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn examples() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
    }

    fn recognised(lang: &str, root: &Path, file: &str) -> Option<&'static str> {
        let lang = Lang::named(lang).expect("registered");
        recognise(lang, root, &root.join(file)).map(|s| s.display_name())
    }

    #[test]
    fn the_first_scaffold_that_recognises_a_project_decides() {
        let store = examples().join("store");
        assert_eq!(
            recognised("go", &store, "internal/handler/coupon.go"),
            Some("sponge")
        );
        let shop = examples().join("gozero-shop");
        let logic = "app/order/cmd/api/internal/logic/order/getorderlogic.go";
        assert_eq!(recognised("go", &shop, logic), Some("go-zero"));
        // Not for another language's files, and not for a Go project none of them made.
        assert_eq!(
            recognised("rust", &store, "internal/handler/coupon.rs"),
            None
        );
        let plain = tempfile::tempdir().unwrap();
        std::fs::write(plain.path().join("go.mod"), "module plain\n").unwrap();
        assert_eq!(recognised("go", plain.path(), "cmd/main.go"), None);
        // Sponge's layout without its go.mod requirement is still sponge's, as before the registry.
        assert_eq!(
            recognised("go", plain.path(), "internal/service/user.go"),
            Some("sponge")
        );
    }

    #[test]
    fn every_scaffold_has_a_key_and_its_templates_come_in_both_languages() {
        for scaffold in SCAFFOLDS {
            assert!(!scaffold.key().is_empty());
            let templates = scaffold.templates();
            for name in ["system.j2", "user.j2"] {
                let langs: Vec<&str> = templates
                    .iter()
                    .filter(|t| t.name == name)
                    .map(|t| t.lang)
                    .collect();
                assert!(
                    langs.is_empty() || langs == ["en", "zh"],
                    "{scaffold:?} {name}"
                );
            }
        }
    }
}
