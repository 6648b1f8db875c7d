//! Sponge: its projects, and its layers: for a stub in `handler`/`service`/`biz`/`logic`, the data
//! access it will call.
//!
//! A senior engineer implementing a handler method opens three more files: the dao (what queries exist,
//! which to reuse, where a new one goes), the model (the table's fields) and the service's error codes.
//! This module finds them from the handler's own code — the `dao.XxxDao` field names the interface, the
//! interface's file is the dao file, its `model.X` types name the model — falling back to sponge's naming
//! (`internal/dao/<stem>.go`) only to order the search.
//!
//! Sponge recognises a project whose go.mod requires sponge, and — as before scaffolds had a registry,
//! since it is the last in it — any file in a folder named after one of its layers. Its context goes to
//! the language's own templates (`prompts/<lang>/system.j2`, `user.j2`) under the key `sponge`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::context::budget::Droppable;
use crate::lang::context::relative_name;
use crate::lang::{Lang, OtherFunctions};
use crate::scaffold::{ExtendedFile, Project, Scaffold, ScaffoldContext, SourceFile};

/// Folder names of the layers whose stubs call into a dao.
pub const LAYERS: &[&str] = &["handler", "service", "biz", "logic"];

/// What go.mod requires in a sponge project (the module moved from `zhufuyi`).
const MODULES: &[&str] = &["github.com/go-dev-frame/sponge", "github.com/zhufuyi/sponge"];

/// The sponge scaffold.
pub struct Sponge;

impl Scaffold for Sponge {
    fn key(&self) -> &'static str {
        "sponge"
    }

    fn display_name(&self) -> &'static str {
        "sponge"
    }

    fn language(&self) -> &'static str {
        "go"
    }

    fn recognises(&self, project: &Project, file: &Path) -> bool {
        let required = project
            .read("go.mod")
            .is_some_and(|go_mod| MODULES.iter().any(|m| go_mod.contains(m)));
        required || layer_of(file).is_some()
    }

    fn context(&self, project: &Project, file: &SourceFile) -> Option<ScaffoldContext> {
        let found = discover(file.lang, &project.root, file.path, file.source)?;
        let mut context = ScaffoldContext::of(&Sponge);
        context.keep("layer", &found.layer, &[]);
        if let Some(dao) = found.dao {
            let view = |outline: &str| DaoView {
                name: &dao.name,
                interface: &dao.interface,
                methods: &dao.methods,
                outline: outline.to_string(),
            };
            // Tight on budget, the methods stay and the outline goes.
            context.reducible(
                "dao",
                (view(&dao.outline), view("")),
                Droppable::DaoOutline,
                (&["dao methods", "dao outline"], &["dao methods"]),
            );
            context.extends = Some(ExtendedFile {
                name: dao.name,
                path: dao.path,
                source: dao.source,
            });
        }
        if let Some(model) = found.model {
            context.droppable("model", model, Droppable::Model, &["model"]);
        }
        if let Some(ecode) = found.ecode {
            context.droppable("ecode", ecode, Droppable::ErrorCodes, &["error codes"]);
        }
        Some(context)
    }
}

/// What the templates see of the dao: `sponge.dao.name`, `.interface`, `.methods`, `.outline`.
#[derive(Serialize)]
struct DaoView<'a> {
    name: &'a str,
    interface: &'a str,
    methods: &'a [String],
    outline: String,
}

/// The layer context of a file in a sponge project (its handler, service, biz or logic).
#[derive(Debug, Clone)]
struct SpongeContext {
    /// `handler`, `service`, …
    layer: String,
    dao: Option<DaoFile>,
    model: Option<Snippet>,
    ecode: Option<Snippet>,
}

/// The dao file a layered stub is likely to extend.
#[derive(Debug, Clone)]
struct DaoFile {
    /// Relative to the module root, with `/`: `internal/dao/coupon.go`.
    name: String,
    path: PathBuf,
    source: String,
    /// The interface the handler holds: `CouponDao`.
    interface: String,
    /// Its existing methods, to be reused rather than rewritten.
    methods: Vec<String>,
    /// The file with method bodies elided.
    outline: String,
}

/// A file shown whole (or outlined) as context: `sponge.model.name`, `.text`.
#[derive(Debug, Clone, Serialize)]
struct Snippet {
    name: String,
    text: String,
}

/// The layer folder `file` sits in, if any.
fn layer_of(file: &Path) -> Option<&str> {
    file.parent()?
        .file_name()?
        .to_str()
        .filter(|name| LAYERS.contains(name))
}

/// The layer context of `file` (inside module `root`), or `None` when the file is not in a sponge layer.
fn discover(lang: Lang, root: &Path, file: &Path, source: &str) -> Option<SpongeContext> {
    let layer = layer_of(file)?.to_string();
    let stem = file.file_stem()?.to_str()?;
    let internal = root.join("internal");
    let dao = dao_interfaces_used(source)
        .into_iter()
        .find_map(|interface| find_dao(lang, root, &internal.join("dao"), stem, &interface));
    let model_type = dao
        .as_ref()
        .and_then(|d| d.interface.strip_suffix("Dao"))
        .map(str::to_string);
    let model = find_model(
        lang,
        root,
        &internal.join("model"),
        stem,
        model_type.as_deref(),
    );
    let ecode = ["_http.go", "_rpc.go", ".go"].iter().find_map(|suffix| {
        let path = internal.join("ecode").join(format!("{stem}{suffix}"));
        snippet(root, &path)
    });
    Some(SpongeContext {
        layer,
        dao,
        model,
        ecode,
    })
}

/// The names after `dao.` that end in `Dao`, in order of first use: `couponDao dao.CouponDao` → `CouponDao`.
fn dao_interfaces_used(source: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (at, _) in source.match_indices("dao.") {
        let preceded_by_ident = source[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if preceded_by_ident {
            continue;
        }
        let name: String = source[at + 4..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.ends_with("Dao") && !name.starts_with("New") && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

fn find_dao(
    lang: Lang,
    root: &Path,
    dao_dir: &Path,
    stem: &str,
    interface: &str,
) -> Option<DaoFile> {
    let declaration = format!("type {interface} interface");
    let (path, source) = candidates(dao_dir, stem)
        .into_iter()
        .filter_map(|path| Some((path.clone(), std::fs::read_to_string(&path).ok()?)))
        .find(|(_, source)| source.contains(&declaration))?;
    Some(DaoFile {
        name: relative_name(root, &path),
        methods: lang.interface_methods(&source, interface),
        outline: lang.outline(&source, OtherFunctions::Signatures),
        interface: interface.to_string(),
        path,
        source,
    })
}

fn find_model(
    lang: Lang,
    root: &Path,
    model_dir: &Path,
    stem: &str,
    type_name: Option<&str>,
) -> Option<Snippet> {
    let declaration = type_name.map(|name| format!("type {name} struct"));
    candidates(model_dir, stem).into_iter().find_map(|path| {
        let source = std::fs::read_to_string(&path).ok()?;
        let named_like_file = path.file_stem().and_then(|s| s.to_str()) == Some(stem);
        let declares_type = declaration.as_ref().is_some_and(|d| source.contains(d));
        (declares_type || (declaration.is_none() && named_like_file)).then(|| Snippet {
            name: relative_name(root, &path),
            text: lang.outline(&source, OtherFunctions::Signatures),
        })
    })
}

/// `<dir>/<stem>.go` first, then the folder's other Go files in name order.
fn candidates(dir: &Path, stem: &str) -> Vec<PathBuf> {
    let preferred = dir.join(format!("{stem}.go"));
    let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "go") && *p != preferred)
                .filter(|p| !p.to_string_lossy().ends_with("_test.go"))
                .collect()
        })
        .unwrap_or_default();
    others.sort();
    std::iter::once(preferred)
        .filter(|p| p.is_file())
        .chain(others)
        .collect()
}

fn snippet(root: &Path, path: &Path) -> Option<Snippet> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(Snippet {
        name: relative_name(root, path),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go() -> Lang {
        Lang::named("go").expect("go is registered")
    }

    fn example() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/store")
    }

    #[test]
    fn finds_dao_model_and_ecode_of_a_handler() {
        let root = example();
        let file = root.join("internal/handler/coupon.go");
        let source = std::fs::read_to_string(&file).unwrap();
        let context = discover(go(), &root, &file, &source).expect("handler is a layer");
        assert_eq!(context.layer, "handler");
        let dao = context.dao.expect("dao found");
        assert_eq!(dao.name, "internal/dao/coupon.go");
        assert_eq!(dao.interface, "CouponDao");
        assert!(
            dao.methods.contains(&"GetByID".to_string()),
            "{:?}",
            dao.methods
        );
        assert!(dao.outline.contains("{ … }"));
        assert_eq!(context.model.unwrap().name, "internal/model/coupon.go");
        assert_eq!(context.ecode.unwrap().name, "internal/ecode/coupon_http.go");
    }

    #[test]
    fn files_outside_layers_have_no_layer_context() {
        let root = example();
        let file = root.join("internal/dao/coupon.go");
        assert!(discover(go(), &root, &file, "package dao").is_none());
    }

    #[test]
    fn dao_names_in_use() {
        let source = "type h struct { couponDao dao.CouponDao; x mydao.OtherDao }\nfunc f() { dao.NewCouponDao() }";
        assert_eq!(dao_interfaces_used(source), ["CouponDao"]);
    }
}
