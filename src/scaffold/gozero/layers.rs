//! The layers a senior engineer opens next to a go-zero logic: the service's `svc.ServiceContext`
//! (everything a logic reaches through `l.svcCtx`), the goctl models it holds (the public `XModel`
//! interface with its custom methods, the generated interface and row struct of `xmodel_gen.go`, and
//! `vars.go`'s `ErrNotFound`), the rpc clients it holds (the zrpc client interface of another
//! service), and the project's package of coded errors. Each is found from the code: the
//! ServiceContext's fields name the packages, the svc file's imports say where they are.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde::Serialize;

use crate::lang::{Lang, OtherFunctions};
use crate::scaffold::Project;

/// Folder names projects keep their coded errors in.
const ERROR_PACKAGES: &[&str] = &["xerr", "errorx", "xerrors", "errx", "errcode", "errcodes", "ecode"];

/// A Go file (or part of one) shown as context.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    /// Relative to the project root: `app/user/cmd/rpc/internal/svc/servicecontext.go`.
    pub file: String,
    /// The type (`UserModel`) or package (`shop/pkg/xerr`) it is about.
    pub name: String,
    pub text: String,
}

/// What the ServiceContext leads to.
#[derive(Debug, Default)]
pub struct Layers {
    pub service_context: Option<Shown>,
    pub models: Vec<Shown>,
    pub rpc_clients: Vec<Shown>,
}

/// The ServiceContext of the service at `service` and the models and rpc clients its fields name.
pub fn discover(project: &Project, lang: Lang, service: &Path) -> Layers {
    let Some((path, source)) = go_files(&service.join("internal").join("svc"))
        .into_iter()
        .find(|(_, source)| lang.type_declaration(source, "ServiceContext").is_some())
    else {
        return Layers::default();
    };
    let declaration = lang
        .type_declaration(&source, "ServiceContext")
        .unwrap_or_default();
    let module = module_path(project);
    let imports = lang.imports(&source);
    let mut layers = Layers {
        service_context: Some(Shown {
            file: project.name_of(&path),
            name: "ServiceContext".into(),
            text: lang.outline(&source, OtherFunctions::Signatures),
        }),
        ..Layers::default()
    };
    let qualified = lang
        .type_names(&declaration)
        .into_iter()
        .filter_map(|(qualifier, name)| Some((qualifier?, name)));
    for (qualifier, type_name) in qualified {
        let Some(dir) = imports
            .iter()
            .find(|(alias, path)| alias.as_deref().unwrap_or(last_segment(path)) == qualifier)
            .and_then(|(_, path)| package_dir(project, module.as_deref(), path))
        else {
            continue;
        };
        if let Some(model) = model(project, lang, &dir, &type_name) {
            layers.models.push(model);
        } else if let Some(client) = interface(project, lang, &dir, &type_name) {
            layers.rpc_clients.push(client);
        }
    }
    layers
}

/// The project's package of coded errors, if it has one: its import path and its files, outlined.
pub fn error_package(project: &Project, lang: Lang) -> Option<Shown> {
    let dir = error_dir(&project.root).filter(|dir| inside(project, dir))?;
    let files = go_files(&dir);
    if files.is_empty() {
        return None;
    }
    let relative = project.name_of(&dir);
    let import = match module_path(project) {
        Some(module) => format!("{module}/{relative}"),
        None => relative.clone(),
    };
    let text = files
        .iter()
        .map(|(path, source)| {
            format!(
                "// {}\n{}",
                project.name_of(path),
                lang.outline(source, OtherFunctions::Signatures).trim_end()
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    Some(Shown {
        file: relative,
        name: import,
        text,
    })
}

/// The folder of the project's error package, searched once per project root and run (every logic
/// file of a project asks, and a monorepo has many folders).
fn error_dir(root: &Path) -> Option<PathBuf> {
    static FOUND: OnceLock<Mutex<HashMap<PathBuf, Option<PathBuf>>>> = OnceLock::new();
    let cache = FOUND.get_or_init(Default::default);
    let known = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(root)
        .cloned();
    if let Some(known) = known {
        return known;
    }
    let found = find_dir(root, ERROR_PACKAGES, 5);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(root.to_path_buf(), found.clone());
    found
}

/// A goctl model: the file declaring `type UserModel interface` in `dir`, outlined, with the
/// generated interface it embeds (and the row struct declared with it) and `ErrNotFound`.
fn model(project: &Project, lang: Lang, dir: &Path, name: &str) -> Option<Shown> {
    if !name.ends_with("Model") {
        return None;
    }
    let files = go_files(dir);
    // The file declaring the public interface, outlined: its custom methods, and the constants and
    // helpers people add beside them.
    let (path, public) = files.iter().find_map(|(path, source)| {
        lang.type_declaration(source, name)
            .map(|_| (path, lang.outline(source, OtherFunctions::Signatures)))
    })?;
    let generated_name = lower_first(name);
    let mut text = public.trim_end().to_string();
    if let Some(generated) = files
        .iter()
        .find_map(|(_, source)| lang.type_declaration(source, &generated_name))
    {
        text.push_str("\n\n");
        text.push_str(generated.trim_end());
    }
    let not_found = files.iter().find_map(|(_, source)| {
        source.lines().map(str::trim).find(|line| {
            line.strip_prefix("var ")
                .unwrap_or(line)
                .starts_with("ErrNotFound ")
        })
    });
    if let Some(not_found) = not_found {
        text.push_str("\n\n");
        text.push_str(not_found);
    }
    Some(Shown {
        file: project.name_of(path),
        name: name.to_string(),
        text,
    })
}

/// An interface declared in `dir` (an rpc service's zrpc client).
fn interface(project: &Project, lang: Lang, dir: &Path, name: &str) -> Option<Shown> {
    go_files(dir).into_iter().find_map(|(path, source)| {
        let text = lang.type_declaration(&source, name)?;
        text.contains("interface").then(|| Shown {
            file: project.name_of(&path),
            name: name.to_string(),
            text,
        })
    })
}

/// The module path of the project's go.mod (`shop`).
fn module_path(project: &Project) -> Option<String> {
    let go_mod = project.read("go.mod")?;
    go_mod
        .lines()
        .find_map(|line| line.trim().strip_prefix("module "))
        .map(|m| m.trim().trim_matches('"').to_string())
}

/// The folder of an import path inside the project, when it is one of the project's packages. A cloned
/// project is untrusted: an import such as `shop/../other` or a symlinked folder must not make a prompt
/// carry files from outside it.
fn package_dir(project: &Project, module: Option<&str>, import: &str) -> Option<PathBuf> {
    let relative = import.strip_prefix(module?)?.strip_prefix('/')?;
    let dir = project.root.join(relative);
    inside(project, &dir).then_some(dir)
}

/// Whether `dir` is a folder that is, symlinks resolved, under the project's root.
fn inside(project: &Project, dir: &Path) -> bool {
    let root = project.root.canonicalize().unwrap_or_else(|_| project.root.clone());
    dir.canonicalize().is_ok_and(|dir| dir.is_dir() && dir.starts_with(root))
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The Go files of `dir` (tests left out), by name.
fn go_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "go"))
                .filter(|p| !p.to_string_lossy().ends_with("_test.go"))
                .filter_map(|p| Some((p.clone(), std::fs::read_to_string(&p).ok()?)))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The first folder (breadth first, hidden and vendored ones skipped) named one of `names`.
fn find_dir(root: &Path, names: &[&str], max_depth: usize) -> Option<PathBuf> {
    let mut level = vec![root.to_path_buf()];
    for _ in 0..max_depth {
        let mut next = Vec::new();
        for dir in level {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut children: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect();
            children.sort();
            for child in children {
                let name = child.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.starts_with('.') || matches!(name, "vendor" | "node_modules" | "testdata") {
                    continue;
                }
                if names.contains(&name) {
                    return Some(child);
                }
                next.push(child);
            }
        }
        level = next;
    }
    None
}
