//! Finding Python stubs: functions whose body executes `raise NotImplementedError` (bare, called, or
//! with a message) as one of its own top-level statements — a raise nested in an `if` or a closure is
//! real control flow, not a stub. With `--marker TEXT`, a `raise` of any exception whose message holds
//! TEXT marks too ([`Markers`] decides on the message). Also the stub excerpt a prompt shows.

use tree_sitter::Node;

use super::defs::{self, Visited};
use super::{parse, text};
use crate::lang::text::{line_start, next_line_start};
use crate::lang::{Markers, Stub};

/// The exception whose raise marks a stub by itself, whatever its message.
const MARKER_EXCEPTION: &str = "NotImplementedError";

/// The stubs of a Python file, in source order.
pub fn find_stubs(source: &str, markers: &Markers) -> Vec<Stub> {
    let Some(tree) = parse(source) else {
        return Vec::new();
    };
    let mut stubs = Vec::new();
    defs::visit(tree.root_node(), source, &mut |visited| {
        if visited.node.kind() == "function_definition" {
            stubs.extend(stub_of(visited, source, markers));
        }
    });
    stubs
}

fn stub_of(visited: &Visited, source: &str, markers: &Markers) -> Option<Stub> {
    let function = visited.node;
    if is_abstract(visited, source) {
        return None;
    }
    let body = function.child_by_field_name("body")?;
    let mut cursor = body.walk();
    let raise = body
        .named_children(&mut cursor)
        .find(|statement| is_marker(*statement, source, markers))?;
    let name = text(function.child_by_field_name("name")?, source).to_string();
    let start = function.start_position();
    let keyword = function.start_byte();
    let receiver = visited.classes.last().cloned();
    let decl = visited.outer.start_byte()..function.end_byte();
    Some(Stub {
        identity: match receiver {
            Some(_) => format!("{}.{name}", visited.classes.join(".")),
            None => name.clone(),
        },
        name,
        receiver,
        enclosing: visited.headers.to_vec(),
        line: start.row + 1,
        column: source[line_start(source, keyword)..keyword].chars().count() + 1,
        marker: text(raise, source).to_string(),
        doc: defs::docstring(body)
            .map(|literal| defs::docstring_text(text(literal, source)))
            .unwrap_or_default(),
        signature: source[keyword..defs::header_end(function)].to_string(),
        hint: hint_after(raise, source),
        decl: decl.clone(),
        decl_with_doc: decl,
    })
}

/// `@abstractmethod` (or `@abc.abstractmethod`, `@abstractproperty`…): an interface's method that
/// raises by design and that subclasses implement — not work left undone.
fn is_abstract(visited: &Visited, source: &str) -> bool {
    let decorators = &source[visited.outer.start_byte()..visited.node.start_byte()];
    decorators.lines().any(|line| {
        let name = line.trim().trim_start_matches('@');
        let last = name
            .split('(')
            .next()
            .unwrap_or(name)
            .rsplit('.')
            .next()
            .unwrap_or(name);
        last.starts_with("abstract")
    })
}

/// Whether a statement is `raise NotImplementedError…`, or a `raise` whose message holds an extra
/// marker.
fn is_marker(statement: Node, source: &str, markers: &Markers) -> bool {
    if statement.kind() != "raise_statement" {
        return false;
    }
    let Some(exception) = statement.named_child(0) else {
        return false;
    };
    let (class, arguments) = match exception.kind() {
        "call" => (
            exception.child_by_field_name("function"),
            exception.child_by_field_name("arguments"),
        ),
        _ => (Some(exception), None),
    };
    if class.is_some_and(|c| c.kind() == "identifier" && text(c, source) == MARKER_EXCEPTION) {
        return true;
    }
    let message = arguments
        .and_then(|list| list.named_child(0))
        .filter(|argument| argument.kind() == "string")
        .map(|literal| string_value(text(literal, source)));
    message.is_some_and(|message| markers.marks_stub(&message, &[], &[]))
}

/// A string literal's text without its prefix and quotes (escapes kept as written).
fn string_value(literal: &str) -> String {
    let unprefixed = literal.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    ["\"\"\"", "'''", "\"", "'"]
        .iter()
        .find_map(|quote| {
            unprefixed
                .strip_prefix(quote)
                .and_then(|rest| rest.strip_suffix(quote))
        })
        .unwrap_or(unprefixed)
        .to_string()
}

/// The comment lines right after the marker, at its indentation or deeper: a sketch left for the
/// implementer. Empty when none follow.
fn hint_after(raise: Node, source: &str) -> String {
    let indent = raise.start_position().column;
    let mut lines = Vec::new();
    let mut at = next_line_start(source, raise.end_byte());
    while at < source.len() {
        let end = next_line_start(source, at);
        let line = source[at..end].trim_end();
        let depth = line.len() - line.trim_start().len();
        if line.trim().is_empty() {
            lines.push("");
        } else if depth >= indent && line.trim_start().starts_with('#') {
            lines.push(line.trim());
        } else {
            break;
        }
        at = end;
    }
    while lines.last() == Some(&"") {
        lines.pop();
    }
    lines.join("\n")
}

/// A stub as a prompt shows it: inside the headers of its classes, decorators and docstring included.
pub fn excerpt(source: &str, stub: &Stub) -> String {
    let start = stub.decl.start;
    let mut out = String::new();
    for header in &stub.enclosing {
        out.push_str(header);
        out.push('\n');
    }
    out.push_str(&source[line_start(source, start)..start]);
    out.push_str(source.get(start..stub.decl.end).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stubs(source: &str) -> Vec<Stub> {
        find_stubs(source, &Markers::default())
    }

    fn names(source: &str) -> Vec<String> {
        stubs(source).into_iter().map(|s| s.identity).collect()
    }

    const SERVICER: &str = "import grpc\n\n\nclass Svc(pb2_grpc.InventoryServicer):\n    \"\"\"The service.\"\"\"\n\n    class Inner:\n        @classmethod\n        async def make(cls, x: int) -> \"Inner\":\n            \"\"\"Makes one.\n\n            Really.\n            \"\"\"\n            raise NotImplementedError(\"implement me\")\n            # use x\n\n    def Get(self, request, context):\n        \"\"\"Gets.\"\"\"\n        context.set_code(grpc.StatusCode.UNIMPLEMENTED)\n        context.set_details('Method not implemented!')\n        raise NotImplementedError('Method not implemented!')\n\n\ndef free():\n    raise NotImplementedError\n";

    #[test]
    fn finds_methods_nested_classes_and_functions() {
        let found = stubs(SERVICER);
        let ids: Vec<&str> = found.iter().map(|s| s.identity.as_str()).collect();
        assert_eq!(ids, ["Svc.Inner.make", "Svc.Get", "free"]);
        let make = &found[0];
        assert_eq!(make.receiver.as_deref(), Some("Inner"));
        assert_eq!((make.line, make.column), (9, 9));
        assert_eq!(make.doc, "Makes one.\n\nReally.");
        assert_eq!(make.signature, "async def make(cls, x: int) -> \"Inner\":");
        assert_eq!(make.marker, "raise NotImplementedError(\"implement me\")");
        assert_eq!(make.hint, "# use x");
        assert_eq!(
            make.enclosing,
            ["class Svc(pb2_grpc.InventoryServicer):", "    class Inner:"]
        );
        assert!(SERVICER[make.decl.clone()].starts_with("@classmethod\n"));
        let get = &found[1];
        assert_eq!(get.marker, "raise NotImplementedError('Method not implemented!')");
        assert_eq!(get.hint, "");
        assert_eq!(
            excerpt(SERVICER, get),
            "class Svc(pb2_grpc.InventoryServicer):\n    def Get(self, request, context):\n        \"\"\"Gets.\"\"\"\n        context.set_code(grpc.StatusCode.UNIMPLEMENTED)\n        context.set_details('Method not implemented!')\n        raise NotImplementedError('Method not implemented!')"
        );
    }

    #[test]
    fn nested_raises_strings_and_comments_are_not_stubs() {
        let source = "def a(x):\n    if x:\n        raise NotImplementedError\n    return 1\n\n\ndef b():\n    def inner():\n        raise NotImplementedError\n    return inner\n\n\ndef c():\n    \"\"\"raise NotImplementedError\"\"\"\n    # raise NotImplementedError\n    return \"raise NotImplementedError()\"\n\n\ndef d():\n    raise ValueError(\"NotImplementedError\")\n";
        assert!(names(source).is_empty(), "{:?}", names(source));
    }

    #[test]
    fn extra_markers_match_any_raised_message() {
        let source = "def a():\n    raise RuntimeError(\"TODO(ai): write it\")\n\n\ndef b():\n    raise RuntimeError(\"broken\")\n";
        assert!(names(source).is_empty());
        let found = find_stubs(source, &Markers::new(vec!["TODO(ai)".into()]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].identity, "a");
    }

    #[test]
    fn a_broken_file_still_yields_its_stubs() {
        let source = "def broken(:\n    x = \n\n\nclass K:\n    def good(self):\n        raise NotImplementedError()\n";
        assert!(names(source).contains(&"K.good".to_string()), "{:?}", names(source));
    }

    #[test]
    fn abstract_methods_are_interfaces_not_stubs() {
        let source = "import abc\n\n\nclass Store(abc.ABC):\n    @abc.abstractmethod\n    def find(self, key):\n        raise NotImplementedError\n\n    @property\n    @abstractmethod\n    def size(self):\n        raise NotImplementedError()\n\n    def todo(self):\n        raise NotImplementedError\n";
        let names: Vec<String> = find_stubs(source, &Markers::default())
            .into_iter()
            .map(|s| s.identity)
            .collect();
        assert_eq!(names, ["Store.todo"]);
    }
}
