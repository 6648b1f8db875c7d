//! Finding Go stubs, and the syntax facts the other Go modules share: parsing (one tree-sitter parser
//! per thread), what a declaration, a receiver and a doc comment look like, and which `panic` calls are
//! markers ([`Markers`] decides on the message).

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree};

use super::{EXACT_MESSAGES, MESSAGE_PREFIXES};
use crate::lang::{Markers, Stub};

thread_local! {
    // A parser is cheap to reuse and not `Sync`: one per worker thread.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses Go source. `None` only if tree-sitter gave up (it was cancelled or the language failed to load),
/// which callers treat as "no declarations".
pub fn parse(source: &str) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(&tree_sitter_go::LANGUAGE.into()).ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(source, None)
    })
}

/// The stubs of a Go file, in source order. A large file is parsed only around its marker needles
/// ([`super::windows`]) when that can be done soundly; otherwise the whole file is parsed.
pub fn find_stubs(source: &str, markers: &Markers) -> Vec<Stub> {
    if source.len() >= super::windows::LARGE_FILE {
        if let Some(stubs) = super::windows::stubs_by_windows(source, markers) {
            return stubs;
        }
    }
    whole_file_stubs(source, markers)
}

/// The stubs of a Go file, from a tree of the whole file.
pub fn whole_file_stubs(source: &str, markers: &Markers) -> Vec<Stub> {
    match parse(source) {
        Some(tree) => stubs_in_tree(tree.root_node(), source, markers),
        None => Vec::new(),
    }
}

/// The stubs under `root`, a tree of `source`, in source order.
pub(super) fn stubs_in_tree(root: Node, source: &str, markers: &Markers) -> Vec<Stub> {
    let mut stubs = Vec::new();
    for_each_function(root, source, &mut |decl, doc_start| {
        if let Some(stub) = stub_of(decl, doc_start, source, markers) {
            stubs.push(stub);
        }
    });
    stubs
}

/// Visits every function and method declaration with the byte where its doc comment starts, including
/// declarations tree-sitter had to wrap in an `ERROR` node while recovering from a syntax error elsewhere.
/// Bodies are not entered: Go has no nested declarations, only closures, and those belong to their
/// enclosing function.
///
/// Doc comments are tracked in the same pass over siblings (tree-sitter's `prev_sibling` is linear, so
/// asking it per declaration is quadratic on files with long comment runs).
pub fn for_each_function<'t>(
    node: Node<'t>,
    source: &str,
    visit: &mut impl FnMut(Node<'t>, Option<usize>),
) {
    let mut cursor = node.walk();
    let mut doc = DocRun::default();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "function_declaration" | "method_declaration" => {
                visit(child, doc.start_for(child));
                doc = DocRun::default();
            }
            "comment" => doc.push(child, source),
            _ => {
                doc = DocRun::default();
                for_each_function(child, source, visit);
            }
        }
    }
}

/// A run of comments, each on its own line, with no blank line between them: a declaration's doc
/// comment when it ends on the line above.
#[derive(Default)]
pub(crate) struct DocRun {
    start: Option<usize>,
    end_row: usize,
}

impl DocRun {
    pub(crate) fn push(&mut self, comment: Node, source: &str) {
        let continues = self.start.is_some() && comment.start_position().row <= self.end_row + 1;
        if !starts_its_line(comment, source) {
            *self = DocRun::default();
            return;
        }
        if !continues {
            self.start = Some(comment.start_byte());
        }
        self.end_row = comment.end_position().row;
    }

    /// Where the doc comment of `decl` starts, if this run ends on the line right above it.
    pub(crate) fn start_for(&self, decl: Node) -> Option<usize> {
        let start = self.start?;
        (self.end_row + 1 >= decl.start_position().row).then_some(start)
    }
}

fn stub_of(decl: Node, doc_start: Option<usize>, source: &str, markers: &Markers) -> Option<Stub> {
    let body = decl.child_by_field_name("body")?;
    let (marker, hint) = match find_marker_call(body, source, markers) {
        Some(call) => (text(call, source).to_string(), hint_after(call, body, source)),
        None => (super::comment_stubs::comment_stub(body, source, markers)?, String::new()),
    };
    let name = text(decl.child_by_field_name("name")?, source).to_string();
    let start = decl.start_position();
    let line_start = source[..decl.start_byte()].rfind('\n').map_or(0, |i| i + 1);
    let doc_start = doc_start.unwrap_or(decl.start_byte());
    let receiver = decl
        .child_by_field_name("receiver")
        .and_then(|list| receiver_type_name(list, source));
    Some(Stub {
        identity: match &receiver {
            Some(receiver) => format!("{receiver}.{name}"),
            None => name.clone(),
        },
        enclosing: Vec::new(),
        name,
        receiver,
        line: start.row + 1,
        column: source[line_start..decl.start_byte()].chars().count() + 1,
        marker,
        doc: doc_text(&source[doc_start..decl.start_byte()]),
        signature: source[decl.start_byte()..body.start_byte()]
            .trim_end()
            .to_string(),
        hint,
        decl: decl.start_byte()..decl.end_byte(),
        decl_with_doc: doc_start..decl.end_byte(),
    })
}

/// The first `panic(<string literal>)` in `body` (closures included) whose message is a marker.
fn find_marker_call<'t>(body: Node<'t>, source: &str, markers: &Markers) -> Option<Node<'t>> {
    let mut cursor = body.walk();
    let mut pending = vec![body];
    // Depth-first, in source order: children are pushed reversed.
    while let Some(node) = pending.pop() {
        if node.kind() == "call_expression" && is_marker_call(node, source, markers) {
            return Some(node);
        }
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        pending.extend(children.into_iter().rev());
    }
    None
}

fn is_marker_call(call: Node, source: &str, markers: &Markers) -> bool {
    let Some(function) = call.child_by_field_name("function") else {
        return false;
    };
    if function.kind() != "identifier" || text(function, source) != "panic" {
        return false;
    }
    let Some(arguments) = call.child_by_field_name("arguments") else {
        return false;
    };
    let mut cursor = arguments.walk();
    let first = arguments.named_children(&mut cursor).next();
    first
        .and_then(|argument| string_literal_value(argument, source))
        .is_some_and(|message| markers.marks_stub(&message, MESSAGE_PREFIXES, EXACT_MESSAGES))
}

/// The value of a Go string literal node (`"…"` with escapes decoded, or a raw `` `…` ``).
pub fn string_literal_value(node: Node, source: &str) -> Option<String> {
    let literal = text(node, source);
    match node.kind() {
        "raw_string_literal" => Some(literal.trim_matches('`').to_string()),
        "interpreted_string_literal" => {
            let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
            Some(unescape(inner))
        }
        _ => None,
    }
}

/// Decodes the escapes a marker message may plausibly hold; others are kept as written.
fn unescape(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The receiver's type name: `Set` for `(s *Set[T])`, `couponHandler` for `(h *couponHandler)`.
pub(crate) fn receiver_type_name(list: Node, source: &str) -> Option<String> {
    let mut cursor = list.walk();
    let parameter = list
        .named_children(&mut cursor)
        .find(|n| n.kind() == "parameter_declaration")?;
    let written = text(parameter.child_by_field_name("type")?, source);
    let name = written
        .trim_start_matches(|c: char| c == '*' || c == '(' || c.is_whitespace())
        .split(|c: char| c == '[' || c == ')' || c.is_whitespace())
        .next()?;
    (!name.is_empty()).then(|| name.to_string())
}

fn starts_its_line(node: Node, source: &str) -> bool {
    let before = &source[..node.start_byte()];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    before[line_start..].trim().is_empty()
}

/// The text of a doc comment: `//` and `/* */` markers removed, one line per line.
pub fn doc_text(comments: &str) -> String {
    let mut lines = Vec::new();
    let mut in_block = false;
    for raw in comments.lines() {
        let line = raw.trim();
        if in_block {
            let (content, closed) = match line.find("*/") {
                Some(end) => (&line[..end], true),
                None => (line, false),
            };
            let content = content.strip_prefix('*').unwrap_or(content);
            lines.push(content.strip_prefix(' ').unwrap_or(content).trim_end());
            in_block = !closed;
        } else if let Some(rest) = line.strip_prefix("//") {
            lines.push(rest.strip_prefix(' ').unwrap_or(rest).trim_end());
        } else if let Some(rest) = line.strip_prefix("/*") {
            let (content, closed) = match rest.find("*/") {
                Some(end) => (&rest[..end], true),
                None => (rest, false),
            };
            lines.push(content.trim());
            in_block = !closed;
        }
    }
    crate::lang::text::trim_blank_lines(&lines)
}

/// What follows the marker's statement in the body: sponge's commented example code. Empty when the
/// marker is nested (in a closure or a branch) or nothing follows it.
fn hint_after(call: Node, body: Node, source: &str) -> String {
    let Some(statement) = top_level_statement(call, body) else {
        return String::new();
    };
    let closing = body.end_byte().saturating_sub(1);
    let after = source.get(statement.end_byte()..closing).unwrap_or("");
    crate::lang::text::dedent(after.trim_matches('\n').trim_end())
}

/// The statement of `body` that holds `node`, if `node` sits directly in the body's statement list.
fn top_level_statement<'t>(node: Node<'t>, body: Node<'t>) -> Option<Node<'t>> {
    let mut current = node;
    loop {
        let parent = current.parent()?;
        let parent_is_body = parent.id() == body.id()
            || (parent.kind() == "statement_list" && parent.parent()?.id() == body.id());
        if parent_is_body {
            return Some(current);
        }
        if matches!(
            parent.kind(),
            "func_literal" | "if_statement" | "for_statement" | "block"
        ) {
            return None;
        }
        current = parent;
    }
}

pub fn text<'s>(node: Node, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stubs(source: &str) -> Vec<Stub> {
        find_stubs(source, &Markers::default())
    }

    #[test]
    fn sponge_stub_with_doc_and_hint() {
        let source = "package handler\n\n// RedeemCoupon 优惠券核销\n// second line\nfunc (h *couponHandler) RedeemCoupon(ctx context.Context) error {\n\tpanic(\"implement me\")\n\n\t// fill in the business logic code here\n\t// example:\n\t//\treturn nil\n}\n";
        let found = stubs(source);
        assert_eq!(found.len(), 1);
        let stub = &found[0];
        assert_eq!(stub.name, "RedeemCoupon");
        assert_eq!(stub.receiver.as_deref(), Some("couponHandler"));
        assert_eq!((stub.line, stub.column), (5, 1));
        assert_eq!(stub.doc, "RedeemCoupon 优惠券核销\nsecond line");
        assert_eq!(stub.marker, "panic(\"implement me\")");
        assert_eq!(
            stub.signature,
            "func (h *couponHandler) RedeemCoupon(ctx context.Context) error"
        );
        assert_eq!(
            stub.hint,
            "// fill in the business logic code here\n// example:\n//\treturn nil"
        );
        assert!(source[stub.decl_with_doc.clone()].starts_with("// RedeemCoupon"));
        assert!(source[stub.decl.clone()].starts_with("func (h"));
    }

    #[test]
    fn generic_and_value_receivers() {
        let source = "package p\nfunc (s *Set[T]) Add(v T) { panic(\"implement me\") }\nfunc (m Map[K, V]) Get(k K) V { panic(\"implement me\") }\nfunc (v value) Do() { panic(\"prompt: do it\") }\nfunc Free[T any](t T) { panic(\"implement me\") }\n";
        let found = stubs(source);
        let receivers: Vec<_> = found.iter().map(|s| s.receiver.as_deref()).collect();
        assert_eq!(receivers, [Some("Set"), Some("Map"), Some("value"), None]);
        assert_eq!(found[3].name, "Free");
    }

    #[test]
    fn marker_only_in_comment_or_other_string_is_not_a_stub() {
        let source = "package p\n// panic(\"implement me\")\nfunc A() {\n\t// panic(\"implement me\")\n\tfmt.Println(\"panic(\\\"implement me\\\")\")\n\tlog(\"implement me\")\n}\n/* panic(\"implement me\") */\nfunc B() { x := \"implement me\"; _ = x }\n";
        assert!(stubs(source).is_empty());
    }

    #[test]
    fn closure_counts_for_enclosing_function() {
        let source = "package p\nfunc Outer() func() {\n\treturn func() {\n\t\tpanic(\"implement me\")\n\t}\n}\n";
        let found = stubs(source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "Outer");
        assert_eq!(found[0].hint, "");
    }

    #[test]
    fn block_doc_comment_and_blank_line_separation() {
        let source = "package p\n\n// not the doc\n\n/*\n * Block doc\n * line two\n */\nfunc F() { panic(\"implement me\") }\n";
        let found = stubs(source);
        assert_eq!(found[0].doc, "Block doc\nline two");
    }

    #[test]
    fn trailing_comment_of_previous_code_is_not_doc() {
        let source = "package p\nvar x = 1 // about x\nfunc F() { panic(\"implement me\") }\n";
        assert_eq!(stubs(source)[0].doc, "");
    }

    #[test]
    fn syntax_errors_elsewhere_do_not_hide_stubs() {
        let source = "package p\nfunc Broken( {\n\tx := \n}\n\n// Good does things.\nfunc (h *H) Good() error {\n\tpanic(\"implement me\")\n}\n";
        let found = stubs(source);
        assert!(found.iter().any(|s| s.name == "Good"), "{found:?}");
    }

    #[test]
    fn raw_string_and_extra_markers() {
        let source = "package p\nfunc A() { panic(`implement me`) }\nfunc B() { panic(\"TODO(ai): later\") }\n";
        assert_eq!(stubs(source).len(), 1);
        let with_extra = find_stubs(source, &Markers::new(vec!["TODO(ai)".into()]));
        assert_eq!(with_extra.len(), 2);
    }

    #[test]
    fn column_counts_characters() {
        let source = "package p\n/* é */ func A() { panic(\"implement me\") }\n";
        let found = stubs(source);
        assert_eq!((found[0].line, found[0].column), (2, 9));
    }
}
