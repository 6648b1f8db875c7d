//! Gathering a job's context: per module (its `.proto` index, loaded once per run; for Rust, the crate's
//! files), per file (outline and sponge layer, shared by the file's jobs) and per job (the proto
//! definitions its stubs' types name; for Rust, the trait methods and types they depend on).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::crate_items::{CrateIndex, Definition};
use super::proto::{ProtoContext, ProtoIndex};
use super::sponge::{self, relative_name, SpongeContext};
use crate::lang::{rust, Lang, OtherFunctions};
use crate::plan::Job;
use crate::scan::Warning;

/// What a job's prompt is built from.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub file: Arc<FileContext>,
    pub proto: ProtoContext,
    /// Rust: the trait methods the stubs implement and the types they name, from the crate's other
    /// files. Empty for Go.
    pub definitions: Vec<Definition>,
}

/// The parts of the context shared by all jobs of one file.
#[derive(Debug)]
pub struct FileContext {
    /// The project root: the Go module's (the folder with `go.mod`) or the Rust crate's (the folder
    /// with `Cargo.toml`), or the file's folder when there is none.
    pub module_root: PathBuf,
    /// The file's path relative to the module root, with `/`: how prompts and answers name it.
    pub name: String,
    /// The file with other functions' bodies elided (stubs too: the job lists its stubs in full).
    pub outline: String,
    /// The same without the other functions at all, for when the budget is tight.
    pub outline_without_others: String,
    pub sponge: Option<SpongeContext>,
}

/// Caches across a run's jobs; build one per run.
#[derive(Default)]
pub struct Gatherer {
    protos: HashMap<PathBuf, Arc<ProtoIndex>>,
    files: HashMap<PathBuf, Arc<FileContext>>,
    crates: HashMap<PathBuf, Arc<CrateIndex>>,
    /// Problems met on the way (a `.proto` that does not parse, …), for the caller to report once.
    pub warnings: Vec<Warning>,
}

impl Gatherer {
    pub fn job_context(&mut self, job: &Job) -> JobContext {
        let file = self.file_context(job);
        let index = self.proto_index(&file.module_root);
        let lang = job.file.lang;
        let type_names: Vec<String> = job
            .stubs
            .iter()
            .flat_map(|stub| match lang {
                Lang::Go => qualified_type_names(&stub.signature),
                Lang::Rust => rust::definitions::type_names(&stub.signature),
            })
            .collect();
        let names: Vec<&str> = type_names.iter().map(String::as_str).collect();
        let definitions = match lang {
            Lang::Go => Vec::new(),
            Lang::Rust => self
                .crate_index(&file.module_root)
                .definitions_for(&job.stubs, &file.name),
        };
        JobContext {
            proto: index.context_for(&names),
            file,
            definitions,
        }
    }

    fn crate_index(&mut self, root: &Path) -> Arc<CrateIndex> {
        let index = self
            .crates
            .entry(root.to_path_buf())
            .or_insert_with(|| Arc::new(CrateIndex::load(root)));
        Arc::clone(index)
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
        let context = Arc::new(FileContext {
            name: relative_name(&module_root, &absolute),
            outline: lang.outline(source, OtherFunctions::Signatures),
            outline_without_others: lang.outline(source, OtherFunctions::Omitted),
            sponge: match lang {
                Lang::Go => sponge::discover(&module_root, &absolute, source),
                Lang::Rust => None,
            },
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

/// `path` made absolute against the working folder (as it stands when that fails).
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The nearest folder above `file` holding its language's project file (`go.mod`, `Cargo.toml`); the
/// file's own folder when none does.
pub fn module_root(file: &Path) -> PathBuf {
    let project_file = Lang::of(file).unwrap_or(Lang::Go).project_file();
    let file = absolute(file);
    let folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
    folder
        .ancestors()
        .find(|dir| dir.join(project_file).is_file())
        .map_or(folder.clone(), Path::to_path_buf)
}

/// The package-qualified type names a signature mentions, without their package: `*storeV1.RedeemCouponRequest`
/// gives `RedeemCouponRequest`. Standard-library types such as `context.Context` come along and simply
/// match no proto message.
fn qualified_type_names(signature: &str) -> Vec<String> {
    signature
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .filter_map(|word| word.split_once('.'))
        .map(|(_, name)| name.to_string())
        .filter(|name| name.chars().next().is_some_and(char::is_uppercase))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_of_a_signature() {
        let signature = "func (h *couponHandler) RedeemCoupon(ctx context.Context, req *storeV1.RedeemCouponRequest) (*storeV1.RedeemCouponReply, error)";
        assert_eq!(
            qualified_type_names(signature),
            ["Context", "RedeemCouponRequest", "RedeemCouponReply"]
        );
    }

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
