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
    let known = reads(source);
    let mut found: Vec<String> = reads(answer)
        .into_iter()
        .filter(|read| !known.contains(read))
        .collect();
    found.dedup();
    found
}

/// Every compile-time read in `code`, in order: `//go:embed …` lines and C directives in comments.
fn reads(code: &str) -> Vec<String> {
    code.lines()
        .map(str::trim)
        .filter(|line| line.starts_with("//go:embed") || is_c_directive(line))
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// A comment line (`// #include …`, ` * #include …`, `/* #cgo … */`) or a bare line of a block comment
/// (`#include "x.h"`) holding a file-reading directive; `#  include` is the same directive to C.
fn is_c_directive(line: &str) -> bool {
    let text = line
        .trim_start_matches("//")
        .trim_start_matches("/*")
        .trim_start_matches('*')
        .trim_start();
    let Some(directive) = text.strip_prefix('#') else {
        return false;
    };
    let directive = directive.trim_start();
    C_DIRECTIVES.iter().any(|name| {
        directive
            .strip_prefix(name)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
    })
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
    fn ordinary_comments_and_known_reads_pass() {
        let source = "package a\n\n//go:embed schema.sql\nvar schema string\n";
        let answer = "package a\n\n// #included items are counted; # heading\n//go:embed schema.sql\nvar schema2 string\n\nfunc F() string { return \"#include\" }\n";
        assert_eq!(new_reads(answer, source), Vec::<String>::new());
    }
}
