//! Go, read with tree-sitter-go: the [`Go`] language.
//!
//! tree-sitter recovers from syntax errors, so a file that does not compile still yields every
//! declaration the parser could make sense of — a stub in a half-edited file is still found.
//! Finding stubs and the syntax helpers live in [`stubs`], declarations in [`decls`], the outline in
//! [`outline`], checking answers in [`check`] and merging in [`merge`]. A large file is searched and outlined by windows cut at its top-level
//! declarations ([`windows`], cut points from [`regions`]) instead of one tree of the whole file.

mod check;
pub mod comment_stubs;
pub mod decls;
mod imports;
pub mod merge;
pub mod outline;
mod redefinitions;
mod reads;
mod regions;
mod stubs;
mod toolchain;
mod type_names;
pub mod windows;

use std::path::Path;
use std::process::Command;

use crate::lang::tools::on_path;
use crate::lang::{
    Block, CheckedFile, Dialect, Expected, Language, MergeError, Merged, OtherFunctions, Problems,
    ProtoRef, Stub,
};
pub(crate) use stubs::{for_each_function, parse, string_literal_value, text, DocRun};
pub use stubs::whole_file_stubs;

/// `panic` messages that mark a stub by their beginning: sponge's, and older sponge projects'.
const MESSAGE_PREFIXES: &[&str] = &["implement me", "prompt:"];
/// `panic` messages that mark a stub as a whole: what gopls and `impl` generate.
const EXACT_MESSAGES: &[&str] = &["not implemented", "unimplemented"];

static DIALECT: Dialect = Dialect {
    name: "go",
    display_name: "Go",
    suffixes: &[".go"],
    skipped_suffixes: &["_test.go"],
    skipped_infixes: &[".pb."],
    skipped_dirs: &[],
    output_dirs: &[],
    project_files: &["go.mod"],
    line_comment: "//",
    fence_labels: &["go", "golang"],
    code_starts: &["package ", "func "],
    unfenced_starts: &[
        "package ", "import ", "func ", "type ", "// file:", "//file:",
    ],
    function_starts: &["func "],
    marker_needles: &["implement me", "prompt:", "not implemented", "unimplemented"],
    template_folder: "",
    templates: crate::templates!("": "system.j2", "user.j2"),
    import_shown: ("import ", ""),
};

/// The Go language.
pub struct Go;

impl Language for Go {
    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }

    fn find_stubs(&self, source: &str, markers: &crate::lang::Markers) -> Result<Vec<Stub>, String> {
        Ok(stubs::find_stubs(source, markers))
    }

    fn outline(&self, source: &str, others: OtherFunctions) -> String {
        outline::outline(source, &[], others)
    }

    fn outline_around(&self, source: &str, stubs: &[Stub], others: OtherFunctions) -> String {
        if source.len() >= windows::LARGE_FILE {
            windows::outline_by_windows(source, stubs, others)
        } else {
            outline::outline(source, &[], others)
        }
    }

    fn parses(&self, code: &str) -> bool {
        decls::syntax_problems(code).is_empty()
    }

    fn check(&self, blocks: Vec<Block>, expected: &Expected) -> Result<Vec<CheckedFile>, Problems> {
        check::check(blocks, expected)
    }

    fn merge_keeping(
        &self,
        source: &str,
        addition: &str,
        keep: &[String],
    ) -> Result<Merged, MergeError> {
        merge::merge_keeping(source, addition, keep)
    }

    fn formatter(&self, _source_path: &Path) -> Option<Command> {
        on_path("gofmt").then(|| Command::new("gofmt"))
    }

    fn toolchain(&self) -> Option<&'static dyn crate::lang::Toolchain> {
        Some(&toolchain::GoBuild)
    }

    fn proto_refs(&self, stub: &Stub) -> Vec<ProtoRef> {
        qualified_type_names(&stub.signature)
            .into_iter()
            .map(ProtoRef::Type)
            .collect()
    }

    fn type_declaration(&self, source: &str, name: &str) -> Option<String> {
        let listed = decls::list(source);
        let decl = listed.find(&format!("type {name}"))?;
        source.get(decl.span.clone()).map(str::to_string)
    }

    fn imports(&self, source: &str) -> Vec<(Option<String>, String)> {
        decls::list(source)
            .import_specs()
            .map(|import| (import.alias.clone(), import.path.clone()))
            .collect()
    }

    fn type_names(&self, code: &str) -> Vec<(Option<String>, String)> {
        type_names::type_names(code)
    }

    fn interface_methods(&self, source: &str, name: &str) -> Vec<String> {
        outline::interface_methods(source, name)
    }
}

/// The package-qualified type names a signature mentions, without their package:
/// `*storeV1.RedeemCouponRequest` gives `RedeemCouponRequest`. Standard-library types such as
/// `context.Context` come along and simply match no proto message.
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
    use crate::lang::Markers;

    #[test]
    fn markers_are_sponges_and_the_ones_gopls_and_impl_write() {
        let source = "package x\n\nfunc A() { panic(\"implement me\") }\n\nfunc B() { panic(\"not implemented\") }\n\nfunc C() { panic(\"unimplemented\") }\n\nfunc D() { panic(\"not implemented for nil maps\") }\n\nfunc E() { panic(\"prompt: do it\") }\n";
        let markers = Markers::default();
        assert!(Go.may_hold_stub(source.as_bytes(), &markers));
        let names: Vec<String> = stubs::find_stubs(source, &markers)
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["A", "B", "C", "E"]);
    }

    #[test]
    fn skips_tests_and_generated_protobuf_code() {
        for name in ["a_test.go", "a.pb.go", "a_router.pb.go", "a.pb.validate.go"] {
            assert!(DIALECT.skips(name), "{name}");
        }
        for name in ["a.go", "pb.go", "apb.go", "handler.go"] {
            assert!(!DIALECT.skips(name), "{name}");
        }
    }
}
