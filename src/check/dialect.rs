//! How answers write code in each language: the fence labels that name it, what its file names end
//! with, and the lines its code starts with — what `check` needs to find the blocks of an answer.

use crate::lang::go::decls;
use crate::lang::Lang;

/// How answers write code in one language: fence labels, file names, the lines code starts with.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dialect {
    pub lang: Lang,
    /// Fence info strings that mean this language.
    pub labels: &'static [&'static str],
    /// What file names end with.
    pub extension: &'static str,
    /// Lines that look like code in this language.
    pub code_starts: &'static [&'static str],
    /// Lines that start the code of an answer without fences.
    pub unfenced_starts: &'static [&'static str],
}

pub(super) const GO: Dialect = Dialect {
    lang: Lang::Go,
    labels: &["go", "golang"],
    extension: ".go",
    code_starts: &["package ", "func "],
    unfenced_starts: &[
        "package ", "import ", "func ", "type ", "// file:", "//file:",
    ],
};

pub(super) const RUST: Dialect = Dialect {
    lang: Lang::Rust,
    labels: &["rust", "rs"],
    extension: ".rs",
    code_starts: &[
        "fn ",
        "pub ",
        "impl ",
        "impl<",
        "use ",
        "trait ",
        "mod ",
        "async fn ",
    ],
    unfenced_starts: &[
        "use ",
        "fn ",
        "pub ",
        "impl ",
        "impl<",
        "trait ",
        "mod ",
        "async fn ",
        "// file:",
        "//file:",
    ],
};

impl Dialect {
    pub fn of(lang: Lang) -> Dialect {
        match lang {
            Lang::Go => GO,
            Lang::Rust => RUST,
        }
    }

    pub fn parses(self, code: &str) -> bool {
        match self.lang {
            Lang::Go => decls::syntax_problems(code).is_empty(),
            Lang::Rust => crate::lang::rust::syntax_error(code).is_none(),
        }
    }
}
