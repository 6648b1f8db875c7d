//! go-zero: projects `goctl` wrote (`goctl api go` from a `.api` file, `goctl rpc protoc` from a
//! `.proto`), the stub goctl leaves in every logic method, and the context of one.
//!
//! A logic file is `<service>/internal/logic/[<group>/]<name>logic.go` (whatever `goctl --style` named
//! it), its type `<Name>Logic`. In an api service (one with `internal/handler` or `internal/types`) the
//! stub maps to the `.api` route whose `@handler` is `<name>` ([`route`], parsed by [`api`]); in an rpc
//! service to the `.proto` rpc its request and reply name, through the language's proto lookups. Both
//! get the ServiceContext, the models and rpc clients it holds, and the project's error package
//! ([`layers`]). The prompts are go-zero's own: `prompts/<lang>/gozero/`.

mod api;
mod layers;
mod route;

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::context::budget::Droppable;
use crate::lang::{CommentForm, Template};
use crate::scaffold::{Project, Scaffold, ScaffoldContext, SourceFile};
use route::Apis;

/// What go.mod requires in a go-zero project.
const MODULE: &str = "github.com/zeromicro/go-zero";

/// The comment goctl's logic templates (`api/gogen/logic.tpl`, `rpc/generator/genlogic.go`) put above
/// the zero-value return of every logic method.
static FORMS: &[CommentForm] = &[CommentForm {
    name: Some(Cow::Borrowed("goctl")),
    text: Cow::Borrowed("todo: add your logic here and delete this line"),
}];

/// The go-zero scaffold.
pub struct GoZero;

impl Scaffold for GoZero {
    fn key(&self) -> &'static str {
        "gozero"
    }

    fn display_name(&self) -> &'static str {
        "go-zero"
    }

    fn language(&self) -> &'static str {
        "go"
    }

    fn stub_forms(&self) -> &'static [CommentForm] {
        FORMS
    }

    /// A go.mod that requires go-zero, or goctl's layout around the file: a logic folder beside the
    /// service context's `internal/svc`.
    fn recognises(&self, project: &Project, file: &Path) -> bool {
        let required = project
            .read("go.mod")
            .is_some_and(|go_mod| go_mod.contains(MODULE));
        required || locate(file).is_some_and(|(service, _)| service.join("internal/svc").is_dir())
    }

    fn context(&self, project: &Project, file: &SourceFile) -> Option<ScaffoldContext> {
        let (service, group) = locate(file.path)?;
        let internal = service.join("internal");
        let api = internal.join("handler").is_dir() || internal.join("types").is_dir();
        let mut context = ScaffoldContext::of(&GoZero);
        context.keep("kind", if api { "api" } else { "rpc" }, &[]);
        context.keep("service", project.name_of(&service), &[]);
        if api {
            api_context(&mut context, project, file, &service, &group);
        }
        let layers = layers::discover(project, file.lang, &service);
        if let Some(service_context) = layers.service_context {
            context.keep("service_context", service_context, &["service context"]);
        }
        if !layers.models.is_empty() {
            context.droppable("models", layers.models, Droppable::Model, &["models"]);
        }
        if !layers.rpc_clients.is_empty() {
            let clients = layers.rpc_clients;
            context.droppable("rpc_clients", clients, Droppable::DaoOutline, &["rpc clients"]);
        }
        if let Some(errors) = layers::error_package(project, file.lang) {
            context.system.insert("errors".into(), errors.name.clone().into());
            context.droppable("errors", errors, Droppable::ErrorCodes, &["error codes"]);
        }
        Some(context)
    }

    fn templates(&self) -> &'static [Template] {
        crate::templates!("gozero/": "system.j2", "user.j2")
    }
}

/// A route as the prompt shows it.
#[derive(Serialize)]
struct RouteView {
    /// The logic method it is for: `GetUserLogic.GetUser`.
    logic: String,
    handler: String,
    doc: String,
    /// `GET /usercenter/v1/user/:id`.
    method: String,
    path: String,
    jwt: Option<String>,
    middleware: Option<String>,
    request: Option<String>,
    response: Option<String>,
    /// The `.api` file, relative to the project root.
    file: String,
}

/// The routes of the file's stubs and their types: the `.api` files describe them, not a `.proto`.
fn api_context(
    context: &mut ScaffoldContext,
    project: &Project,
    file: &SourceFile,
    service: &Path,
    group: &str,
) {
    context.proto = false;
    let apis = Apis::load(project, service);
    context.warnings = apis.warnings.clone();
    let mut routes = Vec::new();
    for stub in file.stubs {
        let Some(receiver) = &stub.receiver else {
            continue;
        };
        let handler = receiver.strip_suffix("Logic").unwrap_or(receiver);
        if let Some((api_file, route)) = apis.route(handler, group) {
            let prefix = route.option("prefix").unwrap_or("").trim_matches('/');
            routes.push(RouteView {
                logic: stub.identity(),
                handler: route.handler.clone(),
                doc: route.doc.clone(),
                method: route.method.to_ascii_uppercase(),
                path: match prefix {
                    "" => route.path.clone(),
                    prefix => format!("/{prefix}{}", route.path),
                },
                jwt: route.option("jwt").map(str::to_string),
                middleware: route.option("middleware").map(str::to_string),
                request: route.request.clone(),
                response: route.response.clone(),
                file: api_file.to_string(),
            });
        }
    }
    let roots: Vec<&str> = routes
        .iter()
        .flat_map(|r| r.request.iter().chain(&r.response))
        .map(String::as_str)
        .collect();
    let generated = std::fs::read_to_string(service.join("internal/types/types.go")).ok();
    let types = apis.types(&roots, generated.as_deref().map(|source| (source, file.lang)));
    let (top, nested): (Vec<_>, Vec<_>) = types.into_iter().partition(|t| t.depth == 0);
    if !routes.is_empty() {
        context.keep("routes", routes, &["api routes"]);
    }
    if !top.is_empty() {
        context.keep("types", top, &["request/response types"]);
    }
    if !nested.is_empty() {
        context.droppable("nested_types", nested, Droppable::NestedProtoMessages, &["nested types"]);
    }
}

/// The service folder (the one holding `internal/logic`) of a logic file, and its group: the folders
/// between `logic` and the file (`user`, `user/admin`, or `""`).
fn locate(file: &Path) -> Option<(PathBuf, String)> {
    let parts: Vec<Component> = file.components().collect();
    let logic = (1..parts.len().saturating_sub(1))
        .rev()
        .find(|&i| parts[i].as_os_str() == "logic" && parts[i - 1].as_os_str() == "internal")?;
    let service: PathBuf = parts[..logic - 1].iter().collect();
    let group = parts[logic + 1..parts.len() - 1]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    Some((service, group))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logic_file_names_its_service_and_group() {
        let (service, group) = locate(Path::new("/p/app/user/cmd/api/internal/logic/user/getuserlogic.go")).unwrap();
        assert_eq!((service, group.as_str()), (PathBuf::from("/p/app/user/cmd/api"), "user"));
        let (service, group) = locate(Path::new("/p/rpc/internal/logic/loginlogic.go")).unwrap();
        assert_eq!((service, group.as_str()), (PathBuf::from("/p/rpc"), ""));
        assert!(locate(Path::new("/p/internal/handler/x.go")).is_none());
        assert!(locate(Path::new("/p/logic/x.go")).is_none());
    }
}
