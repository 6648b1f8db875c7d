//! Gathering a job's context: per project (its `.proto` index, loaded once per run; the project's files
//! in the job's language, for languages that look definitions up in them), per file (outline and the
//! scaffold's context, shared by the file's jobs) and per job (the proto definitions its stubs name; the
//! definitions they depend on). What each piece is in a given language is the language's business
//! (`Language::proto_refs`, `definitions`), what a generator's layers hold the scaffold's
//! (`Scaffold::context`); this module finds roots, loads and caches.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::proto::{ProtoContext, ProtoIndex};
use crate::fsx::absolute;
use crate::lang::context::relative_name;
use crate::lang::{Definition, Lang, OtherFunctions, ProjectFiles};
use crate::plan::Job;
use crate::scaffold::{ScaffoldContext, SourceFile};
use crate::scan::walk::{for_each_candidate, Target};
use crate::scan::Warning;

/// What a job's prompt is built from.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub file: Arc<FileContext>,
    pub proto: ProtoContext,
    /// The definitions from the project's other files that the stubs depend on (Rust: the trait
    /// methods they implement and the types they name).
    pub definitions: Vec<Definition>,
}

/// The parts of the context shared by all jobs of one file.
#[derive(Debug)]
pub struct FileContext {
    /// The project root: the nearest folder above the file holding its language's project file
    /// (`go.mod`, `Cargo.toml`, …), or the file's folder when there is none.
    pub module_root: PathBuf,
    /// The file's path relative to the module root, with `/`: how prompts and answers name it.
    pub name: String,
    /// The file with other functions' bodies elided (stubs too: the job lists its stubs in full).
    pub outline: String,
    /// The same without the other functions at all, for when the budget is tight.
    pub outline_without_others: String,
    /// What the project's scaffold (sponge, go-zero) found around the file, if one recognised it.
    pub scaffold: Option<ScaffoldContext>,
}

/// Caches across a run's jobs; build one per run.
#[derive(Default)]
pub struct Gatherer {
    protos: HashMap<PathBuf, Arc<ProtoIndex>>,
    files: HashMap<PathBuf, Arc<FileContext>>,
    projects: HashMap<(PathBuf, Lang), Arc<ProjectFiles>>,
    /// Problems met on the way (a `.proto` that does not parse, …), for the caller to report once.
    pub warnings: Vec<Warning>,
}

impl Gatherer {
    pub fn job_context(&mut self, job: &Job) -> JobContext {
        let file = self.file_context(job);
        let index = self.proto_index(&file.module_root);
        let lang = job.file.lang;
        let proto_applies = file.scaffold.as_ref().is_none_or(|s| s.proto);
        let refs: Vec<_> = job
            .stubs
            .iter()
            .filter(|_| proto_applies)
            .flat_map(|stub| lang.proto_refs(stub))
            .collect();
        let root = file.module_root.clone();
        let definitions = lang.definitions(&job.stubs, &file.name, &mut || {
            self.project_files(&root, lang)
        });
        JobContext {
            proto: index.context_for_refs(&refs),
            file,
            definitions,
        }
    }

    fn project_files(&mut self, root: &Path, lang: Lang) -> Arc<ProjectFiles> {
        let files = self
            .projects
            .entry((root.to_path_buf(), lang))
            .or_insert_with(|| Arc::new(load_project_files(root, lang)));
        Arc::clone(files)
    }

    fn file_context(&mut self, job: &Job) -> Arc<FileContext> {
        let path = &job.file.path;
        if let Some(known) = self.files.get(path) {
            return Arc::clone(known);
        }
        let source = &job.file.source;
        let lang = job.file.lang;
        let module_root = module_root(path);
        let absolute = absolute(path);
        let scaffold = crate::scaffold::context_for(
            &module_root,
            &SourceFile {
                lang,
                path: &absolute,
                source,
                stubs: &job.file.stubs,
            },
        );
        if let Some(found) = &scaffold {
            for warning in &found.warnings {
                // Every logic file of a service reads the same `.api` files: say it once.
                if !self.warnings.contains(warning) {
                    self.warnings.push(warning.clone());
                }
            }
        }
        let context = Arc::new(FileContext {
            name: relative_name(&module_root, &absolute),
            outline: lang.outline_around(source, &job.file.stubs, OtherFunctions::Signatures),
            outline_without_others: lang.outline_around(
                source,
                &job.file.stubs,
                OtherFunctions::Omitted,
            ),
            scaffold,
            module_root,
        });
        self.files.insert(path.clone(), Arc::clone(&context));
        context
    }

    fn proto_index(&mut self, root: &Path) -> Arc<ProtoIndex> {
        if let Some(known) = self.protos.get(root) {
            return Arc::clone(known);
        }
        let (index, warnings) = ProtoIndex::load(root);
        self.warnings.extend(warnings);
        let index = Arc::new(index);
        self.protos.insert(root.to_path_buf(), Arc::clone(&index));
        index
    }
}

/// Every file under `root` in `lang` that `scan` would read, by name.
fn load_project_files(root: &Path, lang: Lang) -> ProjectFiles {
    let files = Mutex::new(Vec::new());
    for_each_candidate(&[Target::named(root)], |candidate| {
        let Ok((path, found)) = candidate else {
            return;
        };
        if found != lang {
            return;
        }
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
    ProjectFiles { files }
}

/// The nearest folder above `file` holding one of its language's project files (`go.mod`,
/// `Cargo.toml`); the file's own folder when none does (or the language is unknown).
pub fn module_root(file: &Path) -> PathBuf {
    let project_files = Lang::of(file).map_or(&[][..], |lang| lang.dialect().project_files);
    let file = absolute(file);
    let folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
    folder
        .ancestors()
        .find(|dir| project_files.iter().any(|name| dir.join(name).is_file()))
        .map_or(folder.clone(), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tonic_service_gets_the_proto_context_of_its_crate() {
        let dir = tempfile::tempdir().unwrap();
        let write = |relative: &str, text: &str| {
            let path = dir.path().join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("Cargo.toml", "[package]\nname = \"users\"\n");
        write(
            "proto/users.proto",
            "syntax = \"proto3\";\npackage users.v1;\n\nservice Users {\n  // GetUser returns one user by id.\n  rpc GetUser(GetUserRequest) returns (GetUserReply);\n}\n\nmessage GetUserRequest {\n  // The user's id, never 0.\n  uint64 id = 1;\n}\n\nmessage GetUserReply {\n  string name = 1;\n}\n",
        );
        write(
            "src/server.rs",
            "pub struct UserService;\n\n#[tonic::async_trait]\nimpl Users for UserService {\n    async fn get_user(&self, request: Request<pb::GetUserRequest>) -> Result<Response<pb::GetUserReply>, Status> {\n        todo!()\n    }\n}\n",
        );
        let outcome = crate::scan::scan(
            &[crate::scan::Target::named(dir.path())],
            &crate::lang::Markers::default(),
        );
        let jobs = crate::plan::jobs(outcome.files.into_iter().map(Arc::new).collect(), 6);
        let context = Gatherer::default().job_context(&jobs[0]);
        assert_eq!(context.file.name, "src/server.rs");
        let rpcs: Vec<&str> = context.proto.rpcs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(rpcs, ["GetUser"]);
        let messages: Vec<&str> = context
            .proto
            .messages
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(messages, ["GetUserRequest", "GetUserReply"]);
    }

    #[test]
    fn a_crate_root_is_the_folder_with_cargo_toml() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rust-service");
        assert_eq!(module_root(&example.join("src/memory.rs")), example);
    }

    #[test]
    fn module_root_is_the_folder_with_go_mod() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/store");
        assert_eq!(
            module_root(&example.join("internal/handler/coupon.go")),
            example
        );
    }
}
