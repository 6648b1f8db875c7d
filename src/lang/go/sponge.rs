//! Sponge's layers: for a stub in `handler`/`service`/`biz`/`logic`, the data access it will call.
//!
//! A senior engineer implementing a handler method opens three more files: the dao (what queries exist,
//! which to reuse, where a new one goes), the model (the table's fields) and the service's error codes.
//! This module finds them from the handler's own code — the `dao.XxxDao` field names the interface, the
//! interface's file is the dao file, its `model.X` types name the model — falling back to sponge's naming
//! (`internal/dao/<stem>.go`) only to order the search.

use std::path::{Path, PathBuf};

use super::outline::{interface_methods, outline};
use crate::lang::context::{relative_name, DaoFile, Snippet, SpongeContext};
use crate::lang::OtherFunctions;

/// Folder names of the layers whose stubs call into a dao.
pub const LAYERS: &[&str] = &["handler", "service", "biz", "logic"];

/// The layer context of `file` (inside module `root`), or `None` when the file is not in a sponge layer.
pub fn discover(root: &Path, file: &Path, source: &str) -> Option<SpongeContext> {
    let layer = file
        .parent()?
        .file_name()?
        .to_str()
        .filter(|name| LAYERS.contains(name))?
        .to_string();
    let stem = file.file_stem()?.to_str()?;
    let internal = root.join("internal");
    let dao = dao_interfaces_used(source)
        .into_iter()
        .find_map(|interface| find_dao(root, &internal.join("dao"), stem, &interface));
    let model_type = dao
        .as_ref()
        .and_then(|d| d.interface.strip_suffix("Dao"))
        .map(str::to_string);
    let model = find_model(root, &internal.join("model"), stem, model_type.as_deref());
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

fn find_dao(root: &Path, dao_dir: &Path, stem: &str, interface: &str) -> Option<DaoFile> {
    let declaration = format!("type {interface} interface");
    let (path, source) = candidates(dao_dir, stem)
        .into_iter()
        .filter_map(|path| Some((path.clone(), std::fs::read_to_string(&path).ok()?)))
        .find(|(_, source)| source.contains(&declaration))?;
    Some(DaoFile {
        name: relative_name(root, &path),
        methods: interface_methods(&source, interface),
        outline: outline(&source, &[], OtherFunctions::Signatures),
        interface: interface.to_string(),
        path,
        source,
    })
}

fn find_model(
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
            text: outline(&source, &[], OtherFunctions::Signatures),
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

    fn example() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/store")
    }

    #[test]
    fn finds_dao_model_and_ecode_of_a_handler() {
        let root = example();
        let file = root.join("internal/handler/coupon.go");
        let source = std::fs::read_to_string(&file).unwrap();
        let context = discover(&root, &file, &source).expect("handler is a layer");
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
        assert!(discover(&root, &file, "package dao").is_none());
    }

    #[test]
    fn dao_names_in_use() {
        let source = "type h struct { couponDao dao.CouponDao; x mydao.OtherDao }\nfunc f() { dao.NewCouponDao() }";
        assert_eq!(dao_interfaces_used(source), ["CouponDao"]);
    }
}
