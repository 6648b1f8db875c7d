//! Compile-time reads in Go code: what makes `go build` read a file while it compiles — a
//! `//go:embed` directive, and in a cgo preamble a preprocessor line that pulls a file in (`#include`,
//! `#import`, `#embed`) or a `#cgo` line (compiler and linker flags, `pkg-config`). A model's answer is
//! untrusted input and the compiler's messages go back to the model, so `check` refuses every such line
//! the source did not already hold ([`new_reads`]).
//!
//! The search is by lines, as the go tool itself finds directives: a comment line whose text starts
//! so. A cgo line outside a preamble does nothing, but is refused as well — answers have no use for one.

/// Preprocessor directives that read a file, as cgo hands a preamble to the C compiler.
const C_DIRECTIVES: &[&str] = &["include", "import", "embed", "cgo"];

/// The reads `answer` holds that `source` does not (each as its trimmed line).
pub(super) fn new_reads(answer: &str, source: &str) -> Vec<String> {
    crate::lang::text::added_items(answer, source, reads)
}

/// Every compile-time read in `code`, in order: `//go:embed …` lines and C directives in comments.
/// A line ending in `\\` is one line with the next, as the C preprocessor splices them.
fn reads(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut lines = code.lines().map(str::trim);
    while let Some(first) = lines.next() {
        let mut line = first.to_string();
        while let Some(spliced) = line.strip_suffix('\\').map(str::to_string) {
            let Some(next) = lines.next() else { break };
            line = spliced + comment_text(next);
        }
        if line.starts_with("//go:embed") || is_c_directive(&line) {
            found.push(line.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    found
}

/// A line's text without the comment markers that may start it (`//`, `/*`, ` * `).
fn comment_text(line: &str) -> &str {
    line.trim_start_matches("//")
        .trim_start_matches("/*")
        .trim_start_matches('*')
        .trim_start()
}

/// A comment line (`// #include …`, ` * #include …`, `/* #cgo … */`) or a bare line of a block comment
/// (`#include "x.h"`) holding a file-reading directive, in any spelling C accepts: `#  include`,
/// `#/**/include`, the digraph `%:include`.
fn is_c_directive(line: &str) -> bool {
    let text = comment_text(line);
    let Some(directive) = text.strip_prefix('#').or_else(|| text.strip_prefix("%:")) else {
        return false;
    };
    let directive = without_c_comments(directive);
    let directive = directive.trim_start();
    C_DIRECTIVES.iter().any(|name| {
        directive
            .strip_prefix(name)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
    })
}

/// `text` with each `/* … */` replaced by a space, as C does before it reads a directive.
fn without_c_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeds_and_cgo_preambles_are_reads() {
        let answer = "package a\n\n// #include \"/etc/passwd\"\n// #cgo CFLAGS: -I/home\nimport \"C\"\n\nimport _ \"embed\"\n\n//go:embed secret.txt\nvar s string\n\n/*\n#  include </etc/shadow>\n*/\nimport \"C\"\n";
        assert_eq!(
            new_reads(answer, "package a\n"),
            vec![
                "// #include \"/etc/passwd\"",
                "// #cgo CFLAGS: -I/home",
                "//go:embed secret.txt",
                "# include </etc/shadow>",
            ]
        );
    }

    #[test]
    fn every_spelling_of_a_c_include_is_a_read() {
        for answer in [
            "package a\n\n// %:include \"/etc/passwd\"\nimport \"C\"\n",
            "package a\n\n// #/**/include \"/etc/passwd\"\nimport \"C\"\n",
            "package a\n\n/*\n#inc\\\nlude \"/etc/passwd\"\n*/\nimport \"C\"\n",
            "package a\n\n/*\n#\\\ninclude \"/etc/passwd\"\n*/\nimport \"C\"\n",
        ] {
            assert!(!new_reads(answer, "package a\n").is_empty(), "not found in: {answer}");
        }
    }

    #[test]
    fn ordinary_comments_and_known_reads_pass() {
        let source = "package a\n\n//go:embed schema.sql\nvar schema string\n";
        let answer = "package a\n\n// #included items are counted; # heading\n//go:embed schema.sql\nvar schema2 string\n\nfunc F() string { return \"#include\" }\n";
        assert_eq!(new_reads(answer, source), Vec::<String>::new());
    }
}
