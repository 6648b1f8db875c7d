//! `generate --stdout`: a file's sidecar printed instead of written. As text, each file's code is
//! headed by its path in a line comment of its language, so several files (a handler and its dao)
//! stay apart; as JSON, each file is one `{"event":"code","file":…,"code":…}` line and nothing else
//! reaches stdout. Writes go through `crate::out`, which notices a reader that went away.

use std::io;
use std::path::Path;

use serde_json::json;

use crate::lang::Lang;
use crate::out;

/// How printed sidecars look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Printed {
    Text,
    Json,
}

impl Printed {
    /// Prints `content`, the sidecar of `path`.
    pub fn print(self, path: &Path, content: &str) -> io::Result<()> {
        match self {
            Printed::Json => out::line(&json!({
                "event": "code",
                "file": path.display().to_string(),
                "code": content,
            })),
            Printed::Text => out::write(&(heading(path) + content)),
        }
    }
}

/// `// file: PATH` in the line comment of `path`'s language (nothing for a file of no known language).
fn heading(path: &Path) -> String {
    match Lang::of(path) {
        Some(lang) => format!("{} file: {}\n", lang.dialect().line_comment, path.display()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_heads_its_code_in_its_own_comment() {
        assert_eq!(
            heading(Path::new("internal/dao/coupon.go")),
            "// file: internal/dao/coupon.go\n"
        );
        assert_eq!(
            heading(Path::new("src/store.rs")),
            "// file: src/store.rs\n"
        );
        assert_eq!(
            heading(Path::new("service/ledger.py")),
            "# file: service/ledger.py\n"
        );
        assert_eq!(heading(Path::new("notes.txt")), "");
    }
}
