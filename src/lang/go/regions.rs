//! Where a Go file's top-level declarations start, found by a lexical scan instead of a parse: the cut
//! points [`super::windows`] splits a large file at.
//!
//! A cut point is a line that starts, at column 0, with a declaration keyword (`func `, `type `, `var `,
//! `const `, `import`, `package `), outside comments and raw strings, with no bracket left open. The scan
//! tracks only what can span lines in Go — block comments, raw strings and open brackets — skipping line
//! comments, strings and runes so their contents neither open brackets nor hide cut points. It keeps one
//! offset per declaration and builds no tree, so its memory is a small fraction of the file's.
//! Whether a window cut there parses as the whole file would is [`super::windows`]' to check.

use memchr::{memchr, memmem};

/// Line beginnings that start a top-level declaration in gofmt'd code. Stricter than Go (`func\tF`
/// is not one): a missed cut point only makes a window larger.
const DECLARATION_STARTS: &[&[u8]] = &[
    b"func ",
    b"type ",
    b"type(",
    b"var ",
    b"var(",
    b"const ",
    b"const(",
    b"import ",
    b"import(",
    b"import\"",
    b"package ",
];

/// The lines that start a top-level declaration, and whether the file is lexically sound.
pub(super) struct Cuts {
    /// Their byte offsets, ascending.
    pub starts: Vec<usize>,
    /// No literal or comment left open, every bracket closed by its own kind, none left open at the end.
    /// A file that is not sound may have been parsed very differently as a whole (tree-sitter
    /// recovering from an unterminated string early on can swallow the rest of the file), so its cut
    /// points say nothing about the whole file's tree.
    pub sound: bool,
}

/// The cut points of `source`.
pub(super) fn declaration_starts(source: &str) -> Cuts {
    let bytes = source.as_bytes();
    let end = bytes.len();
    let mut starts = Vec::new();
    let mut sound = true;
    // The brackets open at this point, innermost last: a cut point needs none.
    let mut open_brackets: Vec<u8> = Vec::new();
    if starts_declaration(bytes) {
        starts.push(0);
    }
    let mut at = 0;
    while at < end {
        at = match bytes[at] {
            b'\n' => {
                let line = at + 1;
                if open_brackets.is_empty() && starts_declaration(&bytes[line..]) {
                    starts.push(line);
                }
                line
            }
            // Up to the newline, not past it: the next line may be a cut point.
            b'/' if bytes.get(at + 1) == Some(&b'/') => {
                memchr(b'\n', &bytes[at..]).map_or(end, |i| at + i)
            }
            b'/' if bytes.get(at + 1) == Some(&b'*') => {
                let closed = memmem::find(&bytes[at + 2..], b"*/").map(|i| at + 2 + i + 2);
                sound &= closed.is_some();
                closed.unwrap_or(end)
            }
            b'`' => {
                let closed = memchr(b'`', &bytes[at + 1..]).map(|i| at + 1 + i + 1);
                sound &= closed.is_some();
                closed.unwrap_or(end)
            }
            quote @ (b'"' | b'\'') => {
                let (after, closed) = after_quoted(bytes, at + 1, quote);
                sound &= closed;
                after
            }
            open @ (b'{' | b'(' | b'[') => {
                open_brackets.push(open);
                at + 1
            }
            close @ (b'}' | b')' | b']') => {
                let opened = open_brackets.pop();
                sound &= opened.is_some_and(|open| closes(open, close));
                at + 1
            }
            _ => at + 1,
        };
    }
    Cuts {
        starts,
        sound: sound && open_brackets.is_empty(),
    }
}

fn closes(open: u8, close: u8) -> bool {
    matches!((open, close), (b'{', b'}') | (b'(', b')') | (b'[', b']'))
}

/// Whether a line beginning with `line` starts a top-level declaration.
pub(super) fn starts_declaration(line: &[u8]) -> bool {
    DECLARATION_STARTS.iter().any(|start| line.starts_with(start))
}

/// Whether a line beginning with `line` starts the package clause or an import declaration: what an
/// outline keeps of a file's head.
pub(super) fn starts_head(line: &[u8]) -> bool {
    line.starts_with(b"package ") || line.starts_with(b"import")
}

/// Where an interpreted string or rune literal opened before `from` ends, and whether it was closed:
/// after its closing quote, or at the newline that ends an unterminated one (which Go does not continue
/// past).
fn after_quoted(bytes: &[u8], from: usize, quote: u8) -> (usize, bool) {
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' if bytes.get(at + 1).is_some_and(|&b| b != b'\n') => at += 2,
            b'\n' => return (at, false),
            b if b == quote => return (at + 1, true),
            _ => at += 1,
        }
    }
    (bytes.len(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of_starts(source: &str) -> Vec<&str> {
        declaration_starts(source)
            .starts
            .into_iter()
            .map(|at| source[at..].lines().next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn finds_top_level_declarations_only() {
        let source = "package p\n\nimport (\n\t\"fmt\"\n)\n\n// A does.\nfunc A() {\nfunc inner() {}\n}\n\nvar (\nfunc X\n)\ntype T struct{}\nconst C = 1\nfunc (t T) M() {}\n";
        assert_eq!(
            lines_of_starts(source),
            [
                "package p",
                "import (",
                "func A() {",
                "var (",
                "type T struct{}",
                "const C = 1",
                "func (t T) M() {}"
            ]
        );
        assert!(declaration_starts(source).sound);
    }

    #[test]
    fn comments_strings_and_runes_hide_nothing_and_open_nothing() {
        let source = "package p\nvar s = `\nfunc InRaw() {\n`\n/*\nfunc InBlock() {}\n*/\nvar q = \"{\\\"(\" // {\nvar r = '{'\nvar e = '\\''\nfunc After() {}\n";
        assert_eq!(
            lines_of_starts(source),
            [
                "package p",
                "var s = `",
                "var q = \"{\\\"(\" // {",
                "var r = '{'",
                "var e = '\\''",
                "func After() {}"
            ]
        );
        assert!(declaration_starts(source).sound);
    }

    #[test]
    fn crlf_and_unterminated_literals() {
        let source = "package p\r\nvar s = \"open\r\nfunc A() {}\r\nvar r = `never closed\r\nfunc B() {}\r\n";
        assert_eq!(
            lines_of_starts(source),
            ["package p", "var s = \"open", "func A() {}", "var r = `never closed"]
        );
        assert!(!declaration_starts(source).sound);
        for broken in ["func A() {\n", "func A() }{\n", "func A() { ) ( }", "/* open", "var r = 'x\n"] {
            assert!(!declaration_starts(broken).sound, "{broken}");
        }
    }
}
