//! A Python file's definitions as the other Python modules need them: every function and class at
//! module level or inside classes (functions nested in functions are part of their body), with its
//! identity, decorators, header, body and docstring; and the module-level imports and other statements.
//! Definitions tree-sitter had to wrap in an `ERROR` node are still visited.

use std::ops::Range;

use tree_sitter::Node;

use super::{parse, text};
use crate::lang::text::{dedent, line_start};

/// What a definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Function,
    Class,
}

/// One function or class.
#[derive(Debug, Clone)]
pub struct Def {
    pub kind: Kind,
    pub name: String,
    /// The enclosing classes' names, outermost first.
    pub classes: Vec<String>,
    /// `Outer.Inner.name`, or `name` at module level.
    pub identity: String,
    /// From the first decorator (or the keyword) to the end of the body.
    pub span: Range<usize>,
    /// The `def`, `async` or `class` keyword's byte.
    pub keyword: usize,
    /// From the keyword to the end of the `:` that ends the header.
    pub header: Range<usize>,
    /// The body's statements.
    pub body: Range<usize>,
    /// The docstring literal (quotes included), if the body starts with one.
    pub docstring: Option<Range<usize>>,
    /// The index of the enclosing class in [`PyFile::defs`].
    pub parent: Option<usize>,
}

impl Def {
    /// The whitespace before the definition on its line.
    pub fn indent<'s>(&self, source: &'s str) -> &'s str {
        &source[line_start(source, self.span.start)..self.span.start]
    }

    /// Decorators and header, whitespace removed and a trailing comma before `)` dropped (formatters
    /// add one when they split a parameter list): what a signature check compares.
    pub fn normalized_header(&self, source: &str) -> String {
        let squeezed: String = source[self.span.start..self.header.end]
            .split_whitespace()
            .collect();
        squeezed.replace(",)", ")")
    }

    /// Decorators and header as one line, for messages.
    pub fn header_line(&self, source: &str) -> String {
        source[self.span.start..self.header.end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The header lines as they start in the source, indentation included (`class S(Base):`).
    pub fn header_as_written<'s>(&self, source: &'s str) -> &'s str {
        &source[line_start(source, self.keyword)..self.header.end]
    }
}

/// A file's definitions and module-level statements, in source order.
#[derive(Debug, Clone, Default)]
pub struct PyFile {
    pub defs: Vec<Def>,
    /// `import …`, `from … import …` statements at module level.
    pub imports: Vec<Range<usize>>,
    /// Module-level statements that are neither definitions, imports nor the module docstring.
    pub others: Vec<Range<usize>>,
    /// The module docstring's statement.
    pub docstring: Option<Range<usize>>,
}

impl PyFile {
    /// The functions with this identity.
    pub fn functions<'a>(&'a self, identity: &'a str) -> impl Iterator<Item = &'a Def> + 'a {
        self.defs
            .iter()
            .filter(move |d| d.kind == Kind::Function && d.identity == identity)
    }

    /// The class with this identity (its path of names joined with `.`).
    pub fn class(&self, identity: &str) -> Option<&Def> {
        self.defs
            .iter()
            .find(|d| d.kind == Kind::Class && d.identity == identity)
    }
}

/// A definition as the visitor meets it, its nodes still at hand.
pub struct Visited<'t, 'v> {
    /// The `function_definition` or `class_definition`.
    pub node: Node<'t>,
    /// The node spanning its decorators too (the definition itself when undecorated).
    pub outer: Node<'t>,
    pub classes: &'v [String],
    /// The headers of the enclosing classes as their lines start.
    pub headers: &'v [String],
}

/// Lists the definitions and module-level statements of `source`.
pub fn list(source: &str) -> PyFile {
    let mut file = PyFile::default();
    let Some(tree) = parse(source) else {
        return file;
    };
    // The classes still open: (how many classes enclose their members, index in `defs`).
    let mut parents: Vec<(usize, usize)> = Vec::new();
    visit(tree.root_node(), source, &mut |visited| {
        let depth = visited.classes.len();
        parents.retain(|(d, _)| *d <= depth);
        let parent = parents
            .last()
            .filter(|(d, _)| *d == depth)
            .map(|(_, i)| *i);
        let Some(def) = def_of(visited, source, parent) else {
            return;
        };
        if def.kind == Kind::Class {
            parents.push((depth + 1, file.defs.len()));
        }
        file.defs.push(def);
    });
    let mut cursor = tree.root_node().walk();
    // Comments (a shebang, a licence header) may come before the docstring: it is the first statement.
    let statements = tree
        .root_node()
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment");
    for (i, statement) in statements.enumerate() {
        match statement.kind() {
            "import_statement" | "import_from_statement" | "future_import_statement" => {
                file.imports.push(statement.byte_range())
            }
            "function_definition" | "class_definition" | "decorated_definition" | "ERROR" => {}
            "expression_statement" if i == 0 && string_statement(statement) => {
                file.docstring = Some(statement.byte_range())
            }
            _ => file.others.push(statement.byte_range()),
        }
    }
    file
}

/// The statements of class bodies that are neither definitions, the docstring, `pass` nor comments
/// (class attributes, mostly): each with its class's identity.
pub fn class_statements(source: &str) -> Vec<(String, Range<usize>)> {
    let mut found = Vec::new();
    let Some(tree) = parse(source) else {
        return found;
    };
    visit(tree.root_node(), source, &mut |visited| {
        let node = visited.node;
        let (Some(name), Some(body)) = (
            node.child_by_field_name("name"),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        if node.kind() != "class_definition" {
            return;
        }
        let mut identity = visited.classes.join(".");
        if !identity.is_empty() {
            identity.push('.');
        }
        identity.push_str(text(name, source));
        let doc = docstring(body).map(|n| n.start_byte());
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            let is_doc = doc.is_some_and(|d| statement.byte_range().contains(&d));
            match statement.kind() {
                "function_definition" | "class_definition" | "decorated_definition"
                | "comment" | "pass_statement" | "ERROR" => {}
                _ if is_doc || text(statement, source) == "..." => {}
                _ => found.push((identity.clone(), statement.byte_range())),
            }
        }
    });
    found
}

/// Visits every function and class at module level or in a class body, in source order.
pub fn visit<'t>(root: Node<'t>, source: &str, each: &mut dyn FnMut(&Visited<'t, '_>)) {
    walk(root, source, &mut Vec::new(), &mut Vec::new(), each);
}

fn walk<'t>(
    container: Node<'t>,
    source: &str,
    classes: &mut Vec<String>,
    headers: &mut Vec<String>,
    each: &mut dyn FnMut(&Visited<'t, '_>),
) {
    let mut cursor = container.walk();
    let children: Vec<Node<'t>> = container.named_children(&mut cursor).collect();
    for child in children {
        let (node, outer) = match child.kind() {
            "decorated_definition" => match child.child_by_field_name("definition") {
                Some(definition) => (definition, child),
                None => continue,
            },
            "function_definition" | "class_definition" => (child, child),
            "ERROR" => {
                walk(child, source, classes, headers, each);
                continue;
            }
            _ => continue,
        };
        each(&Visited {
            node,
            outer,
            classes,
            headers,
        });
        if node.kind() != "class_definition" {
            continue;
        }
        let (Some(name), Some(body)) = (
            node.child_by_field_name("name"),
            node.child_by_field_name("body"),
        ) else {
            continue;
        };
        classes.push(text(name, source).to_string());
        headers.push(header_as_written(node, source));
        walk(body, source, classes, headers, each);
        classes.pop();
        headers.pop();
    }
}

fn def_of(visited: &Visited, source: &str, parent: Option<usize>) -> Option<Def> {
    let node = visited.node;
    let name = text(node.child_by_field_name("name")?, source).to_string();
    let body = node.child_by_field_name("body")?;
    let mut identity = visited.classes.join(".");
    if !identity.is_empty() {
        identity.push('.');
    }
    identity.push_str(&name);
    Some(Def {
        kind: if node.kind() == "class_definition" {
            Kind::Class
        } else {
            Kind::Function
        },
        name,
        classes: visited.classes.to_vec(),
        identity,
        span: visited.outer.start_byte()..node.end_byte(),
        keyword: node.start_byte(),
        header: node.start_byte()..header_end(node),
        body: body.byte_range(),
        docstring: docstring(body).map(|n| n.byte_range()),
        parent,
    })
}

/// The end of the `:` that ends a definition's header.
pub fn header_end(node: Node) -> usize {
    let body_start = node
        .child_by_field_name("body")
        .map_or(node.end_byte(), |b| b.start_byte());
    let mut cursor = node.walk();
    let colon = node
        .children(&mut cursor)
        .filter(|c| c.kind() == ":" && c.end_byte() <= body_start)
        .last();
    colon.map_or(body_start, |c| c.end_byte())
}

/// A class's header as its line starts: `    class Inner(Base):`.
fn header_as_written(node: Node, source: &str) -> String {
    source[line_start(source, node.start_byte())..header_end(node)].to_string()
}

/// The string literal a body starts with, if any: its docstring.
pub fn docstring(body: Node) -> Option<Node> {
    let mut cursor = body.walk();
    let first = body
        .named_children(&mut cursor)
        .find(|n| n.kind() != "comment")?;
    if !string_statement(first) {
        return None;
    }
    first.named_child(0)
}

fn string_statement(statement: Node) -> bool {
    statement.kind() == "expression_statement"
        && statement.named_child_count() == 1
        && statement.named_child(0).is_some_and(|n| n.kind() == "string")
}

/// A docstring's text: prefix and quotes removed, the first line trimmed and the rest dedented (as
/// `inspect.cleandoc` does), blank lines around removed.
pub fn docstring_text(literal: &str) -> String {
    let unprefixed = literal.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let inner = ["\"\"\"", "'''", "\"", "'"]
        .iter()
        .find_map(|quote| {
            unprefixed
                .strip_prefix(quote)
                .and_then(|rest| rest.strip_suffix(quote))
        })
        .unwrap_or(unprefixed);
    let (first, rest) = inner.split_once('\n').unwrap_or((inner, ""));
    let mut text = first.trim().to_string();
    let rest = dedent(rest);
    if !rest.trim().is_empty() {
        text.push('\n');
        text.push_str(&rest);
    }
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    crate::lang::text::trim_blank_lines(&lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "\"\"\"Module.\"\"\"\nimport os\nfrom a import b\n\nX = 1\n\n\nclass Outer(Base):\n    \"\"\"Doc.\"\"\"\n\n    class Inner:\n        @staticmethod\n        def f(x: int,) -> int:\n            def closure():\n                pass\n            return x\n\n    async def g(self):\n        pass\n\n\ndef top():\n    pass\n";

    #[test]
    fn lists_functions_and_classes_with_their_identities() {
        let file = list(SOURCE);
        let identities: Vec<&str> = file.defs.iter().map(|d| d.identity.as_str()).collect();
        assert_eq!(
            identities,
            ["Outer", "Outer.Inner", "Outer.Inner.f", "Outer.g", "top"]
        );
        let f = &file.defs[2];
        assert_eq!(f.parent, Some(1));
        assert_eq!(file.defs[3].parent, Some(0));
        assert_eq!(file.defs[4].parent, None);
        assert_eq!(
            &SOURCE[f.span.clone()][..31],
            "@staticmethod\n        def f(x: "
        );
        assert_eq!(&SOURCE[f.header.clone()], "def f(x: int,) -> int:");
        assert_eq!(f.normalized_header(SOURCE), "@staticmethoddeff(x:int)->int:");
        assert_eq!(f.indent(SOURCE), "        ");
        assert_eq!(file.imports.len(), 2);
        assert_eq!(file.others.len(), 1);
    }

    #[test]
    fn docstring_text_is_cleaned() {
        assert_eq!(docstring_text("\"\"\"One.\"\"\""), "One.");
        assert_eq!(
            docstring_text("r'''First.\n\n    More\n      indented.\n    '''"),
            "First.\n\nMore\n  indented."
        );
    }
}
