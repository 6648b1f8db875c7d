//! Python, read with tree-sitter-python: the [`Python`] language.
//!
//! tree-sitter recovers from syntax errors, so a half-edited file still yields the stubs the parser
//! could make sense of. This module owns the dialect, parsing (one parser per thread) and syntax errors;
//! the definitions of a file (functions, classes, imports) are listed in [`defs`], stubs found in
//! [`stubs`], the outline in [`outline`], answers checked in [`check`], merged in [`merge`] (imports in
//! [`imports`]).
//!
//! A Python stub is a function whose body executes `raise NotImplementedError` as one of its own
//! statements (after a docstring, after gRPC's `context.set_code(…)` lines); its identity is
//! `Class.method` (`Outer.Inner.method` for nested classes) or `function`.

mod check;
pub mod defs;
mod imports;
pub mod merge;
pub mod outline;
mod redefinitions;
pub mod stubs;

use std::cell::RefCell;
use std::path::Path;
use std::process::Command;

use tree_sitter::{Node, Parser, Tree};

use crate::lang::text::line_start;
use crate::lang::tools::on_path;
use crate::lang::{
    Block, CheckedFile, Dialect, Expected, Language, Markers, MergeError, Merged, OtherFunctions,
    Problems, ProtoRef, Stub,
};

static DIALECT: Dialect = Dialect {
    name: "python",
    display_name: "Python",
    suffixes: &[".py"],
    // protoc's and grpc_tools' output: the servicer base class raises NotImplementedError by design.
    skipped_suffixes: &["_pb2.py", "_pb2_grpc.py", "_pb2.pyi"],
    skipped_infixes: &[],
    skipped_dirs: &["__pycache__", "site-packages"],
    output_dirs: &[],
    project_files: &["pyproject.toml", "setup.py", "setup.cfg"],
    line_comment: "#",
    fence_labels: &["python", "py", "python3"],
    code_starts: &["def ", "async def ", "class ", "import ", "from ", "@"],
    unfenced_starts: &[
        "import ", "from ", "def ", "async def ", "class ", "# file:", "#file:",
    ],
    function_starts: &["def ", "async def "],
    marker_needles: &["NotImplementedError"],
    template_folder: "python/",
    templates: crate::templates!("python/": "system.j2", "user.j2"),
    import_shown: ("", ""),
};

/// The Python language.
pub struct Python;

impl Language for Python {
    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }

    fn find_stubs(&self, source: &str, markers: &Markers) -> Result<Vec<Stub>, String> {
        Ok(stubs::find_stubs(source, markers))
    }

    fn outline(&self, source: &str, others: OtherFunctions) -> String {
        outline::outline(source, others)
    }

    fn stub_excerpt(&self, source: &str, stub: &Stub) -> String {
        stubs::excerpt(source, stub)
    }

    fn parses(&self, code: &str) -> bool {
        syntax_error(code).is_none()
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

    fn formatter(&self, source_path: &Path) -> Option<Command> {
        if on_path("ruff") {
            let mut ruff = Command::new("ruff");
            ruff.arg("format").arg("--stdin-filename").arg(source_path).arg("-");
            return Some(ruff);
        }
        on_path("black").then(|| {
            let mut black = Command::new("black");
            black.args(["-q", "-"]);
            black
        })
    }

    fn proto_refs(&self, stub: &Stub) -> Vec<ProtoRef> {
        let Some(class) = stub.enclosing.last() else {
            return Vec::new();
        };
        servicer_bases(class)
            .into_iter()
            .map(|service| ProtoRef::Rpc {
                service,
                method: stub.name.clone(),
            })
            .collect()
    }
}

/// The services a class header's bases name: `Inventory` for
/// `class S(inventory_pb2_grpc.InventoryServicer):`, the way grpc_tools names a servicer base class.
fn servicer_bases(header: &str) -> Vec<String> {
    let Some((_, bases)) = header.split_once('(') else {
        return Vec::new();
    };
    bases
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .filter_map(|base| base.rsplit('.').next())
        .filter_map(|name| name.strip_suffix("Servicer"))
        .filter(|service| !service.is_empty())
        .map(str::to_string)
        .collect()
}

thread_local! {
    // A parser is cheap to reuse and not `Sync`: one per worker thread.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses Python source. `None` only if tree-sitter gave up, which callers treat as "nothing here".
pub(crate) fn parse(source: &str) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(source, None)
    })
}

/// The source text of a node.
pub(crate) fn text<'s>(node: Node, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// The first place `source` does not parse, as `line:col: message`; `None` when it parses.
pub fn syntax_error(source: &str) -> Option<String> {
    let Some(tree) = parse(source) else {
        return Some("1:1: the parser gave up".into());
    };
    let mut pending = vec![tree.root_node()];
    while let Some(node) = pending.pop() {
        if node.is_missing() {
            return Some(format!(
                "{}: missing `{}`",
                position(source, node.start_byte()),
                node.kind()
            ));
        }
        if node.is_error() {
            let snippet: String = text(node, source)
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
                .chars()
                .take(40)
                .collect();
            return Some(format!(
                "{}: syntax error at `{snippet}`",
                position(source, node.start_byte())
            ));
        }
        if node.has_error() {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            pending.extend(children.into_iter().rev());
        }
    }
    None
}

/// `line:column`, 1-based, the column in characters.
fn position(source: &str, byte: usize) -> String {
    let start = line_start(source, byte);
    let line = source[..byte].matches('\n').count() + 1;
    let column = source[start..byte].chars().count() + 1;
    format!("{line}:{column}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_generated_protobuf_and_grpc_code() {
        for name in ["a_pb2.py", "a_pb2_grpc.py"] {
            assert!(DIALECT.skips(name), "{name}");
        }
        for name in ["a.py", "pb2.py", "service.py"] {
            assert!(!DIALECT.skips(name), "{name}");
        }
    }

    #[test]
    fn a_servicer_method_refers_to_its_rpc() {
        let stub = |enclosing: &str| Stub {
            name: "ReserveStock".into(),
            receiver: Some("S".into()),
            identity: "S.ReserveStock".into(),
            enclosing: vec![enclosing.to_string()],
            line: 1,
            column: 1,
            marker: String::new(),
            doc: String::new(),
            signature: String::new(),
            hint: String::new(),
            decl: 0..0,
            decl_with_doc: 0..0,
        };
        let refs = Python.proto_refs(&stub("class S(inventory_pb2_grpc.InventoryServicer):"));
        assert_eq!(
            refs,
            [ProtoRef::Rpc {
                service: "Inventory".into(),
                method: "ReserveStock".into()
            }]
        );
        assert!(Python.proto_refs(&stub("class S(Base):")).is_empty());
        assert!(Python.proto_refs(&stub("class S:")).is_empty());
    }

    #[test]
    fn syntax_errors_point_at_line_and_column() {
        assert_eq!(syntax_error("def f(x):\n    return x\n"), None);
        let error = syntax_error("def f(x):\n    return (x\n\ny = 2\n").unwrap_or_default();
        assert!(error.starts_with('2') || error.starts_with('4'), "{error}");
        assert!(syntax_error("def f(:\n    pass\n").is_some());
    }
}
