//! The prompt stage: a job and its context rendered through templates, within a token budget.
//!
//! Templates are files under `prompts/<lang>/` (`system.j2`, `user.j2`, `repair.j2`; a source language
//! may bring its own folder, as Rust's `rust/system.j2` and `rust/user.j2`), embedded in the binary and overridable one by one with
//! `--prompts DIR` (a file `DIR/<lang>/<name>` wins). The system message holds everything that never
//! changes (nothing per job: no path, time or count); the user message puts what a service's jobs
//! share first (the project context: dao, model, error codes), then the file's outline, then the job's
//! own part (its API definition and stubs) last, so providers' prefix caches hit across a run's jobs.
//! A scaffold's context goes to the templates under its key (`sponge`, `gozero`); a scaffold that
//! brings its own templates (`prompts/<lang>/<key>/`) has them used for its files.
//! `benches/prompts.rs` measures how much of each prompt is such a shared prefix.
//!
//! The budget drops context in a fixed order — error codes, model (for Rust: the type definitions),
//! nested proto messages, the dao outline, other functions' signatures — and never the stubs (nor, for
//! Rust, the docs of the trait methods they implement).

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment};
use serde::Serialize;

use crate::context::gather::JobContext;
use crate::context::proto::ProtoContext;
use crate::context::tokens;
use crate::lang::{DefinitionKind, Lang};
use crate::plan::Job;
use crate::scaffold::ScaffoldContext;

pub use crate::context::budget::Droppable;

/// The templates every language shares, `(lang, name, text)`; each language brings its own `system.j2`
/// and `user.j2` (its dialect's `templates`, under its `template_folder`).
const SHARED: &[(&str, &str, &str)] = &[
    ("en", "repair.j2", include_str!("../prompts/en/repair.j2")),
    ("zh", "repair.j2", include_str!("../prompts/zh/repair.j2")),
];

/// The language of a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptLang {
    En,
    Zh,
}

impl PromptLang {
    pub fn code(self) -> &'static str {
        match self {
            PromptLang::En => "en",
            PromptLang::Zh => "zh",
        }
    }

    /// Chinese when the doc comments of the file's stubs hold Han characters, else English. The whole
    /// file's stubs, not the job's: the parts of a split file then speak one language, so their prompts
    /// share the system message and context as a prefix the provider's cache can serve.
    pub fn detect(job: &Job) -> PromptLang {
        let han = job
            .file
            .stubs
            .iter()
            .any(|stub| stub.doc.chars().any(is_han));
        if han {
            PromptLang::Zh
        } else {
            PromptLang::En
        }
    }
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// A rendered prompt.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub lang: PromptLang,
    pub system: String,
    pub user: String,
    /// Tokens of system + user.
    pub tokens: usize,
    /// The context pieces that went in, for `--only-print-prompt`.
    pub included: Vec<&'static str>,
    /// What the budget dropped, in order.
    pub dropped: Vec<Droppable>,
}

pub struct Templates {
    env: Environment<'static>,
}

/// Where each template came from, for `--verbose`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    pub name: String,
    pub overridden_by: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("{path}: cannot read template: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template {name}: {source}")]
    Template {
        name: String,
        source: minijinja::Error,
    },
}

impl Templates {
    /// The embedded templates, each replaced by `dir/<lang>/<name>` when that file exists.
    pub fn load(
        override_dir: Option<&Path>,
    ) -> Result<(Templates, Vec<TemplateSource>), PromptError> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        let mut sources = Vec::new();
        for (lang, name, text) in embedded() {
            let key = format!("{lang}/{name}");
            let overriding = override_dir.and_then(|dir| override_file(dir, lang, &name));
            let text = match &overriding {
                Some(path) => {
                    std::fs::read_to_string(path).map_err(|source| PromptError::Read {
                        path: path.clone(),
                        source,
                    })?
                }
                None => text.to_string(),
            };
            env.add_template_owned(key.clone(), text)
                .map_err(|source| PromptError::Template {
                    name: key.clone(),
                    source,
                })?;
            sources.push(TemplateSource {
                name: key,
                overridden_by: overriding,
            });
        }
        Ok((Templates { env }, sources))
    }

    /// Renders `job`'s prompt, dropping context until it fits `budget` tokens (or nothing is left to drop).
    pub fn render(
        &self,
        job: &Job,
        context: &JobContext,
        lang: PromptLang,
        budget: usize,
    ) -> Result<Prompt, PromptError> {
        let scaffold = context.file.scaffold.as_ref();
        let folder = match scaffold {
            Some(found) if !found.scaffold.templates().is_empty() => {
                format!("{}/", found.scaffold.key())
            }
            _ => job.file.lang.dialect().template_folder.to_string(),
        };
        let system_values: serde_json::Map<String, serde_json::Value> = scaffold
            .map(|found| {
                let values = serde_json::Value::Object(found.system.clone());
                (found.scaffold.key().to_string(), values)
            })
            .into_iter()
            .collect();
        let system = self.render_one(lang, &format!("{folder}system.j2"), &system_values)?;
        let system_tokens = tokens::count(&system);
        let mut dropped = Vec::new();
        loop {
            let view = View::new(job, context, &dropped);
            let user = self.render_one(lang, &format!("{folder}user.j2"), &view)?;
            let total = system_tokens + tokens::count(&user);
            let next = Droppable::ORDER
                .into_iter()
                .filter(|piece| !dropped.contains(piece))
                .find(|piece| view.holds(*piece));
            match next {
                Some(piece) if total > budget => dropped.push(piece),
                _ => {
                    return Ok(Prompt {
                        lang,
                        included: view.included(),
                        system,
                        user,
                        tokens: total,
                        dropped,
                    })
                }
            }
        }
    }

    /// The follow-up message asking the model to fix `problems`.
    pub fn repair(&self, lang: PromptLang, problems: &str) -> Result<String, PromptError> {
        #[derive(Serialize)]
        struct Problems<'a> {
            problems: &'a str,
        }
        self.render_one(lang, "repair.j2", &Problems { problems })
    }

    fn render_one<S: Serialize>(
        &self,
        lang: PromptLang,
        name: &str,
        values: &S,
    ) -> Result<String, PromptError> {
        let key = format!("{}/{name}", lang.code());
        let failed = |source| PromptError::Template {
            name: key.clone(),
            source,
        };
        let template = self.env.get_template(&key).map_err(failed)?;
        let text = template.render(values).map_err(failed)?;
        Ok(text.trim().to_string() + "\n")
    }
}

/// The files of `dir` that replace embedded templates (the ones [`Templates::load`] reads).
pub fn override_files(dir: &Path) -> Vec<PathBuf> {
    embedded()
        .into_iter()
        .filter_map(|(lang, name, _)| override_file(dir, lang, &name))
        .collect()
}

/// The file of `dir` that replaces the embedded template `lang/name`, when there is one.
fn override_file(dir: &Path, lang: &str, name: &str) -> Option<PathBuf> {
    Some(dir.join(lang).join(name)).filter(|path| path.is_file())
}

/// Every embedded template: the shared ones, then each language's, as `(lang, name, text)`.
fn embedded() -> Vec<(&'static str, String, &'static str)> {
    let shared = SHARED
        .iter()
        .map(|(lang, name, text)| (*lang, name.to_string(), *text));
    let own = Lang::all().flat_map(|source| {
        let dialect = source.dialect();
        dialect.templates.iter().map(|t| {
            (
                t.lang,
                format!("{}{}", dialect.template_folder, t.name),
                t.text,
            )
        })
    });
    let scaffolds = crate::scaffold::templates()
        .map(|(folder, t)| (t.lang, format!("{folder}{}", t.name), t.text));
    shared.chain(own).chain(scaffolds).collect()
}

/// What the templates see. Field names are the templates' variables.
#[derive(Serialize)]
struct View<'a> {
    file: FileView<'a>,
    proto: ProtoView,
    /// Rust: the trait methods the stubs implement, then the types they name.
    definitions: Vec<DefinitionView<'a>>,
    stubs: Vec<StubView>,
    /// The scaffold's parts that the budget kept, under its key: `sponge` → `{layer, dao, model, …}`.
    #[serde(flatten)]
    scaffold_values: serde_json::Map<String, serde_json::Value>,
    #[serde(skip)]
    scaffold: Option<&'a ScaffoldContext>,
    #[serde(skip)]
    dropped: Vec<Droppable>,
}

#[derive(Serialize)]
struct DefinitionView<'a> {
    kind: DefinitionKind,
    name: &'a str,
    file: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct FileView<'a> {
    name: &'a str,
    outline: &'a str,
    others_omitted: bool,
}

#[derive(Serialize, Default)]
struct ProtoView {
    rpcs: Vec<RpcView>,
    /// Rendered messages and enums; the nested ones (depth ≥ 1) last.
    messages: Vec<String>,
    nested_count: usize,
}

#[derive(Serialize)]
struct RpcView {
    service: String,
    name: String,
    comment: String,
    http: Option<String>,
    file: String,
}

#[derive(Serialize)]
struct StubView {
    identity: String,
    text: String,
}

impl<'a> View<'a> {
    fn new(job: &'a Job, context: &'a JobContext, dropped: &[Droppable]) -> View<'a> {
        let keeps = |piece| !dropped.contains(&piece);
        let file = &context.file;
        let others_omitted = !keeps(Droppable::OtherFunctionSignatures);
        View {
            file: FileView {
                name: &file.name,
                outline: if others_omitted {
                    &file.outline_without_others
                } else {
                    &file.outline
                },
                others_omitted,
            },
            scaffold_values: file
                .scaffold
                .iter()
                .map(|found| {
                    let values = serde_json::Value::Object(found.values(dropped));
                    (found.scaffold.key().to_string(), values)
                })
                .collect(),
            scaffold: file.scaffold.as_ref(),
            dropped: dropped.to_vec(),
            proto: proto_view(
                &context.proto,
                keeps(Droppable::NestedProtoMessages),
                &job.stubs
                    .iter()
                    .map(|s| collapse(&s.doc))
                    .collect::<Vec<_>>(),
            ),
            definitions: context
                .definitions
                .iter()
                .filter(|d| d.kind == DefinitionKind::TraitMethod || keeps(Droppable::Model))
                .map(|d| DefinitionView {
                    kind: d.kind,
                    name: &d.name,
                    file: &d.file,
                    text: &d.text,
                })
                .collect(),
            stubs: job
                .stubs
                .iter()
                .map(|stub| StubView {
                    identity: stub.identity(),
                    text: job.file.lang.stub_excerpt(&job.file.source, stub),
                })
                .collect(),
        }
    }

    /// Whether dropping `piece` would change anything.
    fn holds(&self, piece: Droppable) -> bool {
        let in_scaffold = self
            .scaffold
            .is_some_and(|s| !self.dropped.contains(&piece) && s.holds(piece));
        in_scaffold
            || match piece {
                Droppable::ErrorCodes | Droppable::DaoOutline => false,
                Droppable::Model => self
                    .definitions
                    .iter()
                    .any(|d| d.kind == DefinitionKind::Type),
                Droppable::NestedProtoMessages => self.proto.nested_count > 0,
                Droppable::OtherFunctionSignatures => !self.file.others_omitted,
            }
    }

    fn included(&self) -> Vec<&'static str> {
        let mut pieces = vec![if self.file.others_omitted {
            "file outline (other functions left out)"
        } else {
            "file outline"
        }];
        if !self.proto.rpcs.is_empty() {
            pieces.push("rpc comments and HTTP rules");
        }
        if self.proto.messages.len() > self.proto.nested_count {
            pieces.push("request/reply messages");
        }
        if self.proto.nested_count > 0 {
            pieces.push("nested proto messages");
        }
        let has = |kind| self.definitions.iter().any(|d| d.kind == kind);
        if has(DefinitionKind::TraitMethod) {
            pieces.push("trait method docs");
        }
        if has(DefinitionKind::Type) {
            pieces.push("type definitions");
        }
        if let Some(scaffold) = self.scaffold {
            pieces.extend(scaffold.labels(&self.dropped));
        }
        pieces.push("stubs");
        pieces
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `stub_docs` (whitespace collapsed): an rpc comment the stub's doc already repeats is not sent twice.
fn proto_view(proto: &ProtoContext, with_nested: bool, stub_docs: &[String]) -> ProtoView {
    let types = || proto.messages.iter().chain(&proto.enums);
    let mut ordered: Vec<_> = types().filter(|t| with_nested || t.depth == 0).collect();
    // Request and reply first, then what they reference: the budget drops from the end.
    ordered.sort_by_key(|t| t.depth);
    ProtoView {
        rpcs: proto
            .rpcs
            .iter()
            .map(|rpc| RpcView {
                service: rpc.service.clone(),
                name: rpc.name.clone(),
                comment: Some(collapse(&rpc.comment))
                    .filter(|comment| !stub_docs.contains(comment))
                    .unwrap_or_default(),
                http: rpc.http.clone(),
                file: rpc.file.to_string_lossy().replace('\\', "/"),
            })
            .collect(),
        nested_count: ordered.iter().filter(|t| t.depth > 0).count(),
        messages: ordered
            .iter()
            .map(|t| t.text.trim_end().to_string())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::gather::Gatherer;
    use crate::lang::Markers;
    use crate::scan::{scan, Target};
    use std::sync::Arc;

    fn example_jobs() -> Vec<Job> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/store");
        let outcome = scan(&[Target::named(root)], &Markers::default());
        crate::plan::jobs(outcome.files.into_iter().map(Arc::new).collect(), 6)
    }

    #[test]
    fn language_follows_the_stubs_comments() {
        let jobs = example_jobs();
        // The coupon stubs' comments hold Chinese.
        assert_eq!(PromptLang::detect(&jobs[0]), PromptLang::Zh);
    }

    #[test]
    fn the_parts_of_a_split_file_speak_one_language() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/store");
        let outcome = scan(&[Target::named(root)], &Markers::default());
        let files = outcome.files.into_iter().map(Arc::new).collect();
        let parts = crate::plan::jobs(files, 1);
        // Only some of the coupon stubs' comments hold Chinese; every part follows the file.
        let coupon: Vec<_> = parts
            .iter()
            .filter(|job| job.file.path.ends_with("coupon.go"))
            .collect();
        assert!(coupon.len() > 1);
        assert!(coupon
            .iter()
            .any(|job| !job.stubs.iter().any(|s| s.doc.chars().any(is_han))));
        for job in coupon {
            assert_eq!(PromptLang::detect(job), PromptLang::Zh, "{}", job.label());
        }
    }

    #[test]
    fn renders_within_budget_and_drops_in_order() {
        let (templates, _) = Templates::load(None).unwrap();
        let jobs = example_jobs();
        let mut gatherer = Gatherer::default();
        let context = gatherer.job_context(&jobs[0]);
        let full = templates
            .render(&jobs[0], &context, PromptLang::En, 24_000)
            .unwrap();
        assert!(full.dropped.is_empty());
        assert!(full.tokens < 24_000);
        let tight = templates
            .render(&jobs[0], &context, PromptLang::En, full.tokens - 1)
            .unwrap();
        assert_eq!(tight.dropped, [Droppable::ErrorCodes]);
        let tiny = templates
            .render(&jobs[0], &context, PromptLang::En, 10)
            .unwrap();
        assert_eq!(tiny.dropped, Droppable::ORDER);
        for stub in &jobs[0].stubs {
            assert!(tiny.user.contains(&stub.signature));
        }
    }

    #[test]
    fn a_template_file_in_the_override_folder_wins() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::create_dir_all(dir.path().join("en")).unwrap();
        std::fs::write(dir.path().join("en/system.j2"), "Be brief.\n").unwrap();
        let (templates, sources) = Templates::load(Some(dir.path())).unwrap();
        let overridden: Vec<_> = sources
            .iter()
            .filter(|s| s.overridden_by.is_some())
            .collect();
        assert_eq!(overridden.len(), 1);
        assert_eq!(overridden[0].name, "en/system.j2");
        let jobs = example_jobs();
        let context = Gatherer::default().job_context(&jobs[0]);
        let prompt = templates
            .render(&jobs[0], &context, PromptLang::En, 24_000)
            .unwrap();
        assert_eq!(prompt.system, "Be brief.\n");
        let zh = templates
            .render(&jobs[0], &context, PromptLang::Zh, 24_000)
            .unwrap();
        assert!(zh.system.contains("资深"));
    }
}
