//! The contract between `check` and a language's checker: what a job asked for ([`Expected`]), the
//! code blocks `check` found in an answer ([`Block`]), and what a checker gives back — the checked code
//! per file ([`CheckedFile`]) or what is wrong, worded for the model ([`Problems`]). Also the few rules
//! for matching the file names answers give against the files asked for, shared by every checker.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{Dialect, Lang, Markers, MergeError, Merged, Stub};

/// What a job asked for: the stubs of one file, and the file the answer may extend (the dao).
#[derive(Debug, Clone)]
pub struct Expected {
    pub target: TargetFile,
    pub dependent: Option<DependentFile>,
    pub markers: Markers,
}

/// The file whose stubs the model implements.
#[derive(Debug, Clone)]
pub struct TargetFile {
    /// The name the prompt gave it (`internal/handler/coupon.go`).
    pub name: String,
    /// Where it is on disk.
    pub path: PathBuf,
    pub source: String,
    /// The stubs this job asked for.
    pub stubs: Vec<Stub>,
}

/// A file the answer may extend with new declarations (sponge's dao file).
#[derive(Debug, Clone)]
pub struct DependentFile {
    pub name: String,
    pub path: PathBuf,
    pub source: String,
}

/// Checked code for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedFile {
    /// The source file it is for.
    pub path: PathBuf,
    /// Package clause, import block and declarations; LF line endings, no BOM.
    pub code: String,
    /// Identities of the declarations it implements or adds, in order.
    pub functions: Vec<String>,
}

/// One thing wrong with an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No code block in the language of the file asked for.
    NoCodeIn(Lang),
    Syntax {
        file: String,
        detail: String,
    },
    Missing {
        file: String,
        identity: String,
    },
    SignatureChanged {
        file: String,
        identity: String,
        expected: String,
        found: String,
    },
    StillStub {
        file: String,
        identity: String,
        marker: String,
    },
    /// A function still holds a generator's stub comment (goctl's `// todo: …`), stub or not.
    GeneratorComment {
        file: String,
        identity: String,
        comment: String,
    },
    UnknownFile {
        named: String,
    },
    UnrelatedReceiver {
        file: String,
        identity: String,
        receiver: String,
    },
    WrongPackage {
        file: String,
        expected: String,
        found: String,
    },
    Conflict {
        file: String,
        detail: String,
    },
    /// The answer gives again, changed, a declaration that exists and is not a stub (in the file, or
    /// elsewhere in its package, crate or module): an answer may add declarations, not rewrite them.
    Redefines {
        /// The file the answer's code is for.
        file: String,
        /// The declaration, as the language names it (`helper`, `Store::find`, `type CouponDao`).
        identity: String,
        /// The file that holds it, as prompts name files.
        existing: String,
    },
    TooLarge {
        blocks: usize,
        largest: usize,
    },
    /// The code reads a file or the environment when it is compiled (`include_str!`, `//go:embed`, a
    /// cgo `#include`) and its source did not already: the compiler's messages, which go back to the
    /// model, could quote what it read.
    ReadsAtCompileTime {
        file: String,
        what: String,
    },
    /// The project's compiler rejects the package with the answer applied (an error the tree without
    /// the answer does not have).
    Compile {
        /// As prompts name files (`internal/handler/coupon.go`).
        file: String,
        line: usize,
        column: usize,
        message: String,
        /// The line it points at, as the answer made it; empty when unknown.
        quoted: String,
        /// What found it: `go build`, `cargo check`.
        tool: &'static str,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NoCodeIn(lang) => write!(
                f,
                "the answer holds no {} code block",
                lang.display_name()
            ),
            Problem::Syntax { file, detail } => {
                write!(f, "{file}: the code does not parse: line {detail}")
            }
            Problem::Missing { file, identity } => {
                write!(f, "{file}: {identity} is missing (give it in full)")
            }
            Problem::SignatureChanged {
                file,
                identity,
                expected,
                found,
            } => write!(
                f,
                "{file}: the signature of {identity} changed to `{found}` (keep it exactly `{expected}`)"
            ),
            Problem::StillStub {
                file,
                identity,
                marker,
            } => write!(
                f,
                "{file}: {identity} still calls {marker} (implement its body)"
            ),
            Problem::GeneratorComment {
                file,
                identity,
                comment,
            } => write!(
                f,
                "{file}: {identity} still holds the generator's comment `{comment}` (implement the body and delete the comment)"
            ),
            Problem::UnknownFile { named } => write!(
                f,
                "a code block is for {named}, which was not asked for (give only the files asked for)"
            ),
            Problem::UnrelatedReceiver {
                file,
                identity,
                receiver,
            } => write!(
                f,
                "{file}: method {identity} is on {receiver}, which this file does not declare (put it in the file that declares {receiver})"
            ),
            Problem::WrongPackage {
                file,
                expected,
                found,
            } => write!(
                f,
                "{file}: the block says `package {found}`, the file is `package {expected}`"
            ),
            Problem::Conflict { file, detail } => write!(f, "{file}: {detail}"),
            Problem::Redefines {
                file,
                identity,
                existing,
            } => write!(
                f,
                "{file}: `{identity}` already exists in {existing}: call it, do not redefine it"
            ),
            Problem::TooLarge { blocks, largest } => write!(
                f,
                "the answer is too large to be what was asked ({blocks} code blocks, the largest {largest} bytes): give only the functions asked for"
            ),
            Problem::ReadsAtCompileTime { file, what } => write!(
                f,
                "{file}: `{what}` reads a file or the environment at compile time, which answers may not do (use only the code shown; remove it)"
            ),
            Problem::Compile {
                file,
                line,
                column,
                message,
                quoted,
                tool,
            } => {
                write!(f, "{file}:{line}:{column}: {message} ({tool})")?;
                if !quoted.trim().is_empty() {
                    write!(f, ", at `{}`", quoted.trim())?;
                }
                Ok(())
            }
        }
    }
}

/// Everything wrong with an answer, in the order found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn items(&self) -> &[Problem] {
        &self.0
    }

    /// The problems as a repair request lists them, one `- …` line each: what `prompts/<lang>/repair.j2`
    /// wraps (its `{{ problems }}`) before it goes back to the model in the same conversation.
    pub fn repair_prompt(&self) -> String {
        self.0
            .iter()
            .map(|problem| format!("- {problem}\n"))
            .collect()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(Problem::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for Problems {}

/// A code block of an answer and the file name it gives, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub code: String,
    pub named: Option<String>,
}

/// `// file: internal/dao/coupon.go` or `// internal/dao/coupon.go` (in the dialect's line comment) on
/// the first non-empty line.
pub fn first_line_name(code: &str, dialect: &Dialect) -> Option<String> {
    let line = code.lines().find(|l| !l.trim().is_empty())?.trim();
    let comment = line.strip_prefix(dialect.line_comment)?.trim();
    let lower = comment.to_ascii_lowercase();
    let rest = ["file:", "filename:", "path:", "file："]
        .iter()
        .find_map(|prefix| lower.starts_with(prefix).then(|| &comment[prefix.len()..]))
        .unwrap_or(comment)
        .split_whitespace()
        .next()?;
    is_path(rest, dialect).then(|| clean_path(rest))
}

/// The block without its first line when that line only names the file.
pub fn without_file_line(code: &str, dialect: &Dialect) -> String {
    if first_line_name(code, dialect).is_none() {
        return code.to_string();
    }
    let rest = code.trim_start_matches(['\n', ' ', '\t']);
    let after = rest.find('\n').map_or("", |i| &rest[i + 1..]);
    after.trim_start_matches('\n').to_string()
}

/// Whether `token` is a path of a file in this language.
pub fn is_path(token: &str, dialect: &Dialect) -> bool {
    let extension = dialect.extension();
    token.len() > extension.len()
        && token.ends_with(extension)
        && !token.contains(char::is_whitespace)
}

/// `./a\\b.go` → `a/b.go`.
pub fn clean_path(path: &str) -> String {
    path.replace('\\', "/").trim_start_matches("./").to_string()
}

/// Whether the name an answer gives (`hint`) is the file the prompt called `name`, found at `path`.
pub fn names_file(name: &str, path: &Path, hint: &str) -> bool {
    let name = clean_path(name);
    let path = clean_path(&path.to_string_lossy());
    let ends = |long: &str, short: &str| long == short || long.ends_with(&format!("/{short}"));
    ends(&name, hint) || ends(hint, &name) || ends(&path, hint)
}

/// A file's code from its blocks' parts (most answers give one block per file): each later part merged
/// into the first with the language's `merge`. A conflict is a problem for the model, and no code.
pub fn join_parts(
    parts: Vec<String>,
    file: &str,
    merge: impl Fn(&str, &str) -> Result<Merged, MergeError>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let mut parts = parts.into_iter();
    let mut code = parts.next()?;
    for part in parts {
        match merge(&code, &part) {
            Ok(merged) => code = merged.text,
            Err(error) => {
                problems.push(Problem::Conflict {
                    file: file.to_string(),
                    detail: error.to_string(),
                });
                return None;
            }
        }
    }
    Some(code)
}
