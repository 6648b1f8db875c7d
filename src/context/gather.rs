//! Gathering a job's context: per module (its `.proto` index, loaded once per run), per file (outline and
//! sponge layer, shared by the file's jobs) and per job (the proto definitions its stubs' types name).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::proto::{ProtoContext, ProtoIndex};
use super::sponge::{self, relative_name, SpongeContext};
use crate::lang::go::outline::{outline, OtherFunctions};
use crate::plan::Job;
use crate::scan::Warning;

/// What a job's prompt is built from.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub file: Arc<FileContext>,
    pub proto: ProtoContext,
}

/// The parts of the context shared by all jobs of one file.
#[derive(Debug)]
pub struct FileContext {
    /// The Go module root (the folder with `go.mod`), or the file's folder when there is none.
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
    /// Problems met on the way (a `.proto` that does not parse, …), for the caller to report once.
    pub warnings: Vec<Warning>,
}

impl Gatherer {
    pub fn job_context(&mut self, job: &Job) -> JobContext {
        let file = self.file_context(job);
        let index = self.proto_index(&file.module_root);
        let type_names: Vec<String> = job
            .stubs
            .iter()
            .flat_map(|stub| qualified_type_names(&stub.signature))
            .collect();
        let names: Vec<&str> = type_names.iter().map(String::as_str).collect();
        JobContext {
            proto: index.context_for(&names),
            file,
        }
    }

    fn file_context(&mut self, job: &Job) -> Arc<FileContext> {
        let path = &job.file.path;
        if let Some(known) = self.files.get(path) {
            return Arc::clone(known);
        }
        let source = &job.file.source;
        let module_root = module_root(path);
        let absolute = absolute(path);
        let context = Arc::new(FileContext {
            name: relative_name(&module_root, &absolute),
            outline: outline(source, &[], OtherFunctions::Signatures),
            outline_without_others: outline(source, &[], OtherFunctions::Omitted),
            sponge: sponge::discover(&module_root, &absolute, source),
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

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The nearest folder above `file` holding a `go.mod`; the file's own folder when none does.
pub fn module_root(file: &Path) -> PathBuf {
    let file = absolute(file);
    let folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
    folder
        .ancestors()
        .find(|dir| dir.join("go.mod").is_file())
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
    fn module_root_is_the_folder_with_go_mod() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/store");
        assert_eq!(
            module_root(&example.join("internal/handler/coupon.go")),
            example
        );
    }
}
