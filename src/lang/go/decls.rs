//! A Go file's top-level declarations, as `check` and `merge` need them.
//!
//! This module owns the facts about one file: its package clause, its imports, and each declaration's
//! identity (`Recv.Name` for methods, `Name` for functions, `type Name` for types, the name for consts
//! and vars), byte ranges with and without the doc comment, the signature of functions (types only:
//! parameter names may differ and still match) and the methods of interface types. It also lists syntax
//! problems. What to do with these facts — compare, merge — belongs to the callers.

use std::fmt;
use std::ops::Range;

use tree_sitter::Node;

use super::{parse, string_literal_value, text, DocRun};
use crate::lang::text::line_start;

/// The kind of a top-level declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclKind {
    Func,
    Method,
    Type,
    Const,
    Var,
}

/// One top-level declaration: a function, a method, or a `type`/`const`/`var` declaration (a grouped
/// `const ( … )` is one declaration with several names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decl {
    pub kind: DeclKind,
    /// The names it declares, in order: one for functions, methods and single specs.
    pub names: Vec<String>,
    /// For methods: the receiver's type name without `*` or type parameters.
    pub receiver: Option<String>,
    /// Byte range including the doc comment.
    pub span: Range<usize>,
    /// Byte range of the declaration itself, doc comment excluded.
    pub decl: Range<usize>,
    /// For functions and methods.
    pub signature: Option<Signature>,
    /// For a single `type X interface { … }`.
    pub interface: Option<Interface>,
}

impl Decl {
    /// The identities a declaration is matched by: `Recv.Name`, `Name`, `type Name`, or the names of a
    /// `const`/`var` declaration.
    pub fn identities(&self) -> Vec<String> {
        match self.kind {
            DeclKind::Method => {
                let receiver = self.receiver.as_deref().unwrap_or("");
                self.names
                    .iter()
                    .map(|name| format!("{receiver}.{name}"))
                    .collect()
            }
            DeclKind::Type => self
                .names
                .iter()
                .map(|name| format!("type {name}"))
                .collect(),
            DeclKind::Func | DeclKind::Const | DeclKind::Var => self.names.clone(),
        }
    }

    pub fn has_identity(&self, identity: &str) -> bool {
        self.identities().iter().any(|own| own == identity)
    }

    /// Declarations that may legally occur more than once and so can never be matched by name:
    /// `var _ I = (*T)(nil)`, `func init()`.
    pub fn is_anonymous(&self) -> bool {
        match self.kind {
            DeclKind::Func => self.names.iter().all(|name| name == "init"),
            DeclKind::Method => false,
            _ => self.names.iter().all(|name| name == "_"),
        }
    }

    pub fn has_doc(&self) -> bool {
        self.span.start < self.decl.start
    }
}

/// What a function's callers depend on: receiver type, name, type parameters, parameter and result
/// types. Types are written with insignificant whitespace removed, so `map[string] int` and
/// `map[string]int` are equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The receiver's type as written, e.g. `*couponHandler`.
    pub receiver: Option<String>,
    pub name: String,
    /// The type parameter list, e.g. `[T any]`; empty when there is none.
    pub type_params: String,
    pub params: Vec<String>,
    pub results: Vec<String>,
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("func ")?;
        if let Some(receiver) = &self.receiver {
            write!(f, "({receiver}) ")?;
        }
        write!(
            f,
            "{}{}({})",
            self.name,
            self.type_params,
            self.params.join(", ")
        )?;
        match self.results.as_slice() {
            [] => Ok(()),
            [single] => write!(f, " {single}"),
            many => write!(f, " ({})", many.join(", ")),
        }
    }
}

/// The body of an interface type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// Byte offset of the closing `}`.
    pub close_brace: usize,
    pub elems: Vec<InterfaceElem>,
}

/// A method or embedded type of an interface, with the comment lines right above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceElem {
    /// The method name, or the embedded type's text.
    pub key: String,
    /// From the start of the line of its first leading comment (or its own line) to the end of its
    /// last line, trailing comment included, newline excluded.
    pub lines: Range<usize>,
    /// Whether a blank line separates it from what comes before it in the interface.
    pub blank_before: bool,
}

/// One import spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The import path, unquoted.
    pub path: String,
    /// `storeV1` in `storeV1 "store/api/store/v1"`, or `_` or `.`.
    pub alias: Option<String>,
    /// Byte range of the spec (alias and quoted path).
    pub span: Range<usize>,
}

/// An `import` declaration: `import "x"` or `import ( … )`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportDecl {
    pub span: Range<usize>,
    /// True for the parenthesized form.
    pub grouped: bool,
    pub specs: Vec<Import>,
}

/// The package clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub span: Range<usize>,
}

/// Everything listed about one Go file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoFile {
    pub package: Option<Package>,
    pub imports: Vec<ImportDecl>,
    /// In source order.
    pub decls: Vec<Decl>,
}

impl GoFile {
    pub fn import_specs(&self) -> impl Iterator<Item = &Import> {
        self.imports.iter().flat_map(|decl| decl.specs.iter())
    }

    /// The declarations carrying `identity`.
    pub fn find(&self, identity: &str) -> Option<&Decl> {
        self.decls.iter().find(|decl| decl.has_identity(identity))
    }

    /// The names of the types the file declares.
    pub fn type_names(&self) -> impl Iterator<Item = &str> {
        self.decls
            .iter()
            .filter(|decl| decl.kind == DeclKind::Type)
            .flat_map(|decl| decl.names.iter().map(String::as_str))
    }
}

/// Lists the package clause, imports and top-level declarations of `source`. Declarations tree-sitter
/// wrapped in an `ERROR` node while recovering are listed too.
pub fn list(source: &str) -> GoFile {
    let Some(tree) = parse(source) else {
        return GoFile::default();
    };
    let mut file = GoFile::default();
    collect(tree.root_node(), source, &mut file);
    file
}

fn collect(node: Node, source: &str, file: &mut GoFile) {
    let mut cursor = node.walk();
    let mut doc = DocRun::default();
    for child in node.named_children(&mut cursor) {
        let doc_start = doc.start_for(child);
        match child.kind() {
            "comment" => {
                doc.push(child, source);
                continue;
            }
            "package_clause" => file.package = package_of(child, source),
            "import_declaration" => file.imports.push(import_decl_of(child, source)),
            "ERROR" => collect(child, source, file),
            _ => {
                if let Some(decl) = decl_of(child, source) {
                    let start = doc_start.unwrap_or(child.start_byte());
                    file.decls.push(Decl {
                        span: start..child.end_byte(),
                        ..decl
                    });
                }
            }
        }
        doc = DocRun::default();
    }
}

/// A declaration with `span` still equal to `decl`; the caller widens it to the doc comment.
fn decl_of(node: Node, source: &str) -> Option<Decl> {
    let (kind, names) = match node.kind() {
        "function_declaration" => (DeclKind::Func, vec![field_text(node, "name", source)?]),
        "method_declaration" => (DeclKind::Method, vec![field_text(node, "name", source)?]),
        "type_declaration" => (DeclKind::Type, spec_names(node, source)),
        "const_declaration" => (DeclKind::Const, spec_names(node, source)),
        "var_declaration" => (DeclKind::Var, spec_names(node, source)),
        _ => return None,
    };
    if names.is_empty() {
        return None;
    }
    let receiver = node
        .child_by_field_name("receiver")
        .and_then(|list| receiver_type(list, source))
        .map(|written| receiver_type_name(&written));
    let signature = matches!(kind, DeclKind::Func | DeclKind::Method)
        .then(|| signature_of(node, source))
        .flatten();
    Some(Decl {
        kind,
        names,
        receiver,
        span: node.byte_range(),
        decl: node.byte_range(),
        signature,
        interface: (kind == DeclKind::Type)
            .then(|| interface_of(node, source))
            .flatten(),
    })
}

fn field_text(node: Node, field: &str, source: &str) -> Option<String> {
    Some(text(node.child_by_field_name(field)?, source).to_string())
}

/// The names of the specs of a `type`, `const` or `var` declaration, grouped or not.
fn spec_names(node: Node, source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut pending = vec![node];
    while let Some(current) = pending.pop() {
        let mut cursor = current.walk();
        for child in current.named_children(&mut cursor) {
            match child.kind() {
                "type_spec" | "type_alias" => names.extend(field_text(child, "name", source)),
                "const_spec" | "var_spec" => {
                    let mut names_cursor = child.walk();
                    names.extend(
                        child
                            .children_by_field_name("name", &mut names_cursor)
                            .filter(|n| n.kind() == "identifier")
                            .map(|n| text(n, source).to_string()),
                    );
                }
                "var_spec_list" => pending.push(child),
                _ => {}
            }
        }
    }
    names
}

fn package_of(node: Node, source: &str) -> Option<Package> {
    let mut cursor = node.walk();
    let name = node
        .named_children(&mut cursor)
        .find(|n| n.kind() == "package_identifier")?;
    Some(Package {
        name: text(name, source).to_string(),
        span: node.byte_range(),
    })
}

fn import_decl_of(node: Node, source: &str) -> ImportDecl {
    let mut cursor = node.walk();
    let mut specs = Vec::new();
    let mut grouped = false;
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "import_spec" => specs.extend(import_of(child, source)),
            "import_spec_list" => {
                grouped = true;
                let mut list_cursor = child.walk();
                specs.extend(
                    child
                        .named_children(&mut list_cursor)
                        .filter(|n| n.kind() == "import_spec")
                        .filter_map(|n| import_of(n, source)),
                );
            }
            _ => {}
        }
    }
    ImportDecl {
        span: node.byte_range(),
        grouped,
        specs,
    }
}

fn import_of(spec: Node, source: &str) -> Option<Import> {
    let path = string_literal_value(spec.child_by_field_name("path")?, source)?;
    Some(Import {
        path,
        alias: field_text(spec, "name", source),
        span: spec.byte_range(),
    })
}

fn receiver_type(list: Node, source: &str) -> Option<String> {
    let mut cursor = list.walk();
    let parameter = list
        .named_children(&mut cursor)
        .find(|n| n.kind() == "parameter_declaration")?;
    Some(normalize_type(text(
        parameter.child_by_field_name("type")?,
        source,
    )))
}

/// `Set` for `*Set[T]`, `couponHandler` for `*couponHandler`.
fn receiver_type_name(written: &str) -> String {
    written
        .trim_start_matches(['*', '('])
        .split(['[', ')'])
        .next()
        .unwrap_or("")
        .to_string()
}

fn signature_of(node: Node, source: &str) -> Option<Signature> {
    Some(Signature {
        receiver: node
            .child_by_field_name("receiver")
            .and_then(|list| receiver_type(list, source)),
        name: field_text(node, "name", source)?,
        type_params: node
            .child_by_field_name("type_parameters")
            .map(|n| normalize_type(text(n, source)))
            .unwrap_or_default(),
        params: parameter_types(node.child_by_field_name("parameters")?, source),
        results: match node.child_by_field_name("result") {
            None => Vec::new(),
            Some(list) if list.kind() == "parameter_list" => parameter_types(list, source),
            Some(single) => vec![normalize_type(text(single, source))],
        },
    })
}

/// One entry per parameter: `(a, b int, c ...string)` gives `int`, `int`, `...string`.
fn parameter_types(list: Node, source: &str) -> Vec<String> {
    let mut cursor = list.walk();
    let mut types = Vec::new();
    for parameter in list.named_children(&mut cursor) {
        let Some(ty) = parameter.child_by_field_name("type") else {
            continue;
        };
        let ty = normalize_type(text(ty, source));
        let (ty, names) = match parameter.kind() {
            "variadic_parameter_declaration" => (format!("...{ty}"), 1),
            "parameter_declaration" => {
                let mut names_cursor = parameter.walk();
                let names = parameter
                    .children_by_field_name("name", &mut names_cursor)
                    .count();
                (ty, names.max(1))
            }
            _ => continue,
        };
        types.extend(std::iter::repeat_n(ty, names));
    }
    types
}

/// Removes whitespace that does not separate two words: `map[string] interface {}` → `map[string]interface{}`,
/// while `chan int` keeps its space.
pub fn normalize_type(written: &str) -> String {
    let mut out = String::with_capacity(written.len());
    let mut pending_space = false;
    for c in written.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && out.chars().next_back().is_some_and(is_word_char) && is_word_char(c) {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn interface_of(node: Node, source: &str) -> Option<Interface> {
    let mut cursor = node.walk();
    let spec = node
        .named_children(&mut cursor)
        .find(|n| n.kind() == "type_spec")?;
    let body = spec.child_by_field_name("type")?;
    if body.kind() != "interface_type" {
        return None;
    }
    let close_brace = body.end_byte().checked_sub(1)?;
    let mut elems: Vec<InterfaceElem> = Vec::new();
    // The run of comment lines right above the next element: its leading comment.
    let mut leading: Option<Range<usize>> = None;
    let mut previous_end = body.start_byte();
    let mut body_cursor = body.walk();
    for child in body.named_children(&mut body_cursor) {
        let line = line_start(source, child.start_byte());
        match child.kind() {
            "comment" if child.start_position().row == row_of(source, previous_end) => {
                // A trailing comment on the line of the element before it.
                if let Some(last) = elems.last_mut() {
                    last.lines.end = child.end_byte();
                }
                previous_end = child.end_byte();
            }
            "comment" if is_elision(text(child, source)) => {
                // `// ... existing methods ...`: stands for what the source has, never copied.
                leading = None;
                previous_end = child.end_byte();
            }
            "comment" => match &mut leading {
                Some(run) if !has_blank_line(&source[run.end..line]) => run.end = child.end_byte(),
                _ => leading = Some(line..child.end_byte()),
            },
            "method_elem" | "type_elem" => {
                let start = match leading.take() {
                    Some(run) if !has_blank_line(&source[run.end..line]) => run.start,
                    _ => line,
                };
                let key = match child.kind() {
                    "method_elem" => field_text(child, "name", source)?,
                    _ => normalize_type(text(child, source)),
                };
                elems.push(InterfaceElem {
                    key,
                    lines: start..child.end_byte(),
                    blank_before: has_blank_line(&source[previous_end.min(start)..start]),
                });
                previous_end = child.end_byte();
            }
            _ => {}
        }
    }
    Some(Interface { close_brace, elems })
}

/// A comment that stands for elided code: `// ...`, `// … existing methods`.
fn is_elision(comment: &str) -> bool {
    let content = comment.trim_start_matches('/').trim();
    content.starts_with("...") || content.starts_with('…')
}

fn row_of(source: &str, byte: usize) -> usize {
    source[..byte].matches('\n').count()
}

/// Whether `between` (the text between two lines) holds an empty line.
fn has_blank_line(between: &str) -> bool {
    between.matches('\n').count() >= 2
}

/// The syntax errors tree-sitter recovered from, as `line:col: what` (1-based, columns in characters).
/// Empty when the source parses cleanly.
pub fn syntax_problems(source: &str) -> Vec<String> {
    const SHOWN: usize = 10;
    let Some(tree) = parse(source) else {
        return vec!["1:1: the parser gave up".into()];
    };
    let mut problems = Vec::new();
    let mut pending = vec![tree.root_node()];
    while let Some(node) = pending.pop() {
        if problems.len() == SHOWN {
            problems.push("… (more)".into());
            break;
        }
        if node.is_missing() {
            problems.push(format!(
                "{}: missing `{}`",
                position(source, node.start_byte()),
                node.kind()
            ));
        } else if node.is_error() {
            problems.push(format!(
                "{}: syntax error at `{}`",
                position(source, node.start_byte()),
                snippet(text(node, source))
            ));
        } else if node.has_error() {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            pending.extend(children.into_iter().rev());
        }
    }
    if problems.is_empty() {
        problems.extend(unterminated_comment(&tree, source));
    }
    problems
}

/// A `/*` that never closes. Go's scanner refuses it ("comment not terminated"); tree-sitter's Go
/// lexer finds no comment token there and reads a division and a dereference instead
/// (`(*o/*rderHandler)(nil)` parses), so the check and merge would take code the compiler refuses.
fn unterminated_comment(tree: &tree_sitter::Tree, source: &str) -> Option<String> {
    memchr::memmem::find_iter(source.as_bytes(), b"/*").find_map(|at| {
        let node = tree.root_node().descendant_for_byte_range(at, at + 1)?;
        (node.kind() == "/").then(|| format!("{}: comment not terminated", position(source, at)))
    })
}

fn position(source: &str, byte: usize) -> String {
    let start = line_start(source, byte);
    let line = source[..byte].matches('\n').count() + 1;
    let column = source[start..byte].chars().count() + 1;
    format!("{line}:{column}")
}

/// The first line of an error's text, shortened.
fn snippet(error_text: &str) -> String {
    const LIMIT: usize = 40;
    let first = error_text.lines().next().unwrap_or("").trim();
    match first.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &first[..cut]),
        None => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"package handler

import (
	"context"

	storeV1 "store/api/store/v1"
	_ "embed"
)

var _ storeV1.CouponLogicer = (*couponHandler)(nil)

// couponHandler handles coupons.
type couponHandler struct {
	n int
}

// Dao is the data access.
type Dao interface {
	// Get one.
	Get(ctx context.Context, id uint64) (string, error)

	Put(v string) error // stores v
	fmt.Stringer
}

const (
	a = iota
	b
)

var x, y = 1, 2

// Redeem does it.
// Second line.
func (h *couponHandler) Redeem(ctx context.Context, a, b int, rest ...string) (n int, err error) {
	return 0, nil
}

func (s *Set[T]) Add(v T) {}

func Free[T any](m map[string] interface {}) error { return nil }
"#;

    #[test]
    fn package_and_imports() {
        let file = list(FILE);
        assert_eq!(
            file.package.as_ref().map(|p| p.name.as_str()),
            Some("handler")
        );
        let imports: Vec<(&str, Option<&str>)> = file
            .import_specs()
            .map(|i| (i.path.as_str(), i.alias.as_deref()))
            .collect();
        assert_eq!(
            imports,
            [
                ("context", None),
                ("store/api/store/v1", Some("storeV1")),
                ("embed", Some("_"))
            ]
        );
        assert!(file.imports[0].grouped);
    }

    #[test]
    fn identities_and_spans() {
        let file = list(FILE);
        let identities: Vec<Vec<String>> = file.decls.iter().map(Decl::identities).collect();
        assert_eq!(
            identities,
            [
                vec!["_".to_string()],
                vec!["type couponHandler".into()],
                vec!["type Dao".into()],
                vec!["a".into(), "b".into()],
                vec!["x".into(), "y".into()],
                vec!["couponHandler.Redeem".into()],
                vec!["Set.Add".into()],
                vec!["Free".into()],
            ]
        );
        let redeem = file.find("couponHandler.Redeem").unwrap();
        assert!(FILE[redeem.span.clone()].starts_with("// Redeem does it.\n// Second line.\nfunc"));
        assert!(FILE[redeem.decl.clone()].starts_with("func (h"));
        assert!(FILE[redeem.span.clone()].ends_with("}"));
        assert!(file.decls[0].is_anonymous());
        assert!(!file.decls[1].is_anonymous());
    }

    #[test]
    fn signatures_keep_types_not_names() {
        let file = list(FILE);
        let redeem = file.find("couponHandler.Redeem").unwrap();
        let signature = redeem.signature.as_ref().unwrap();
        assert_eq!(signature.receiver.as_deref(), Some("*couponHandler"));
        assert_eq!(
            signature.params,
            ["context.Context", "int", "int", "...string"]
        );
        assert_eq!(signature.results, ["int", "error"]);
        assert_eq!(
            signature.to_string(),
            "func (*couponHandler) Redeem(context.Context, int, int, ...string) (int, error)"
        );
        let free = file.find("Free").unwrap().signature.clone().unwrap();
        assert_eq!(free.type_params, "[T any]");
        assert_eq!(free.params, ["map[string]interface{}"]);
        assert_eq!(free.results, ["error"]);
        assert_eq!(
            file.find("Set.Add")
                .unwrap()
                .signature
                .as_ref()
                .unwrap()
                .receiver
                .as_deref(),
            Some("*Set[T]")
        );
    }

    #[test]
    fn interface_elements_with_their_comments() {
        let file = list(FILE);
        let dao = file.find("type Dao").unwrap();
        let interface = dao.interface.as_ref().unwrap();
        let keys: Vec<&str> = interface.elems.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["Get", "Put", "fmt.Stringer"]);
        assert_eq!(
            &FILE[interface.elems[0].lines.clone()],
            "\t// Get one.\n\tGet(ctx context.Context, id uint64) (string, error)"
        );
        assert_eq!(
            &FILE[interface.elems[1].lines.clone()],
            "\tPut(v string) error // stores v"
        );
        let blanks: Vec<bool> = interface.elems.iter().map(|e| e.blank_before).collect();
        assert_eq!(blanks, [false, true, false]);
        assert_eq!(&FILE[interface.close_brace..interface.close_brace + 1], "}");
    }

    #[test]
    fn detached_and_elision_comments_are_not_leading_comments() {
        let source = "package p\n\ntype I interface {\n\t// ... existing methods ...\n\n\t// about A, detached\n\n\t// A does.\n\tA()\n\t// …\n\tB()\n}\n";
        let file = list(source);
        let interface = file.decls[0].interface.as_ref().unwrap();
        let lines: Vec<&str> = interface
            .elems
            .iter()
            .map(|e| &source[e.lines.clone()])
            .collect();
        assert_eq!(lines, ["\t// A does.\n\tA()", "\tB()"]);
        let blanks: Vec<bool> = interface.elems.iter().map(|e| e.blank_before).collect();
        assert_eq!(blanks, [true, false]);
    }

    #[test]
    fn normalize_type_keeps_word_separators_only() {
        assert_eq!(
            normalize_type("map[string] interface {}"),
            "map[string]interface{}"
        );
        assert_eq!(normalize_type("chan  int"), "chan int");
        assert_eq!(normalize_type("func(a int) error"), "func(a int)error");
        assert_eq!(normalize_type(" * storeV1.Reply "), "*storeV1.Reply");
    }

    #[test]
    fn syntax_problems_point_at_line_and_column() {
        assert!(syntax_problems(FILE).is_empty());
        let broken = "package p\n\nfunc F() {\n\tx := \n}\n";
        let problems = syntax_problems(broken);
        assert!(!problems.is_empty());
        assert!(
            problems[0].starts_with("4:") || problems[0].starts_with("5:"),
            "{problems:?}"
        );
        let missing_brace = "package p\n\nfunc F() {\n";
        assert!(!syntax_problems(missing_brace).is_empty());
    }

    /// Found by `tests/fuzz.rs` (windowed stubs on mutated Go): tree-sitter reads an unclosed `/*` as
    /// `/` and `*`, so the file seemed to parse although Go refuses it.
    #[test]
    fn an_unterminated_comment_is_a_syntax_problem() {
        let open = "package p\n\nvar _ = (*o/*rderHandler)(nil)\n";
        assert_eq!(syntax_problems(open), ["3:12: comment not terminated"]);
        let closed = "package p\n\nvar _ = (*o /* a */)(nil) /* b */\nvar s = \"/*\"\n// x /* y\n";
        assert!(syntax_problems(closed).is_empty(), "{:?}", syntax_problems(closed));
        assert!(syntax_problems("package p\n\nvar x = a / *b\n").is_empty());
    }

    #[test]
    fn single_import_and_no_package() {
        let file = list("package p\n\nimport \"fmt\"\n\nfunc F() { fmt.Println() }\n");
        assert!(!file.imports[0].grouped);
        assert_eq!(file.imports[0].specs[0].path, "fmt");
        let fragment = list("func F() {}\n");
        assert!(fragment.package.is_none());
        assert_eq!(fragment.decls[0].names, ["F"]);
    }
}
