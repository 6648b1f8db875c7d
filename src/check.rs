//! The check stage: pull the code out of a model's answer and decide whether it does the job.
//!
//! Models answer with prose, `<think>` blocks, Markdown fences labelled `go`, `golang` or nothing, and
//! sometimes no fence at all. This module strips the reasoning, finds the Go blocks, routes each to the
//! file it is for (the name it gives — `// file: path` on its first line, the fence's info string or the
//! prose line above it — else its package clause and declarations), and checks it: it parses; every
//! requested stub is there with its receiver type, name, parameter and result types unchanged (parameter
//! names may differ); no body still executes a marker; no block is for a file that was not asked for;
//! no method sits on a receiver its file does not declare. What passes becomes one [`CheckedFile`] per
//! file: package clause, import block and the declarations that add or change something.
//! What fails becomes [`Problems`], worded to be sent back to the model as a repair request.
//!
//! Rust answers (a target whose path ends in `.rs`) take the same road to the blocks — fences labelled
//! `rust` or `rs` — and are then checked by [`rust`].
//!
//! Asking again, writing sidecars and reporting belong to the callers.

mod dialect;
mod rust;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::lang::go::decls::{self, Decl, GoFile};
use crate::lang::go::merge;
use crate::lang::{Lang, Markers, Stub};
use dialect::{Dialect, RUST};

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
    NoCode,
    /// No code block in the language of the file asked for (Rust; Go says [`Problem::NoCode`]).
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
    TooLarge {
        blocks: usize,
        largest: usize,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NoCode => f.write_str("the answer holds no Go code block"),
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
            Problem::TooLarge { blocks, largest } => write!(
                f,
                "the answer is too large to be what was asked ({blocks} code blocks, the largest {largest} bytes): give only the functions asked for"
            ),
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

/// Pulls the code out of `answer` and checks it against what the job asked for. On success: the
/// target's checked code first, then the dependent file's when the answer extends it.
pub fn check(answer: &str, expected: &Expected) -> Result<Vec<CheckedFile>, Problems> {
    let dialect = Dialect::of(Lang::of(&expected.target.path).unwrap_or(Lang::Go));
    let text = normalize(answer);
    // An answer that parses as it stands is bare code, whatever fence-like lines or `<think>` its
    // strings hold; prose around fences never parses.
    let bare_code =
        text.len() <= MAX_BLOCK_BYTES && looks_like(&text, dialect) && dialect.parses(&text);
    let blocks = if bare_code {
        vec![Block {
            named: first_line_name(&text, dialect),
            code: text,
        }]
    } else {
        code_blocks(&strip_reasoning(&text), dialect)
    };
    if let Some(problem) = oversized(&blocks) {
        return Err(Problems(vec![problem]));
    }
    if dialect.lang == Lang::Rust {
        return rust::check(blocks, expected);
    }
    if blocks.is_empty() {
        return Err(Problems(vec![Problem::NoCode]));
    }
    let files = ExpectedFiles::new(expected);
    let mut problems = Vec::new();
    let mut routed: [Vec<Block>; 2] = [Vec::new(), Vec::new()];
    for block in blocks {
        match files.route(&block) {
            Ok(which) => routed[which].push(block),
            Err(problem) => problems.push(problem),
        }
    }
    let [target_blocks, dependent_blocks] = routed;
    let mut checked = Vec::new();
    let target = files.check_file(0, &target_blocks, &mut problems);
    files.check_stubs(&target_blocks, &mut problems);
    checked.extend(target);
    if !dependent_blocks.is_empty() {
        checked.extend(files.check_file(1, &dependent_blocks, &mut problems));
    }
    if problems.is_empty() {
        Ok(checked
            .into_iter()
            .filter(|c| !c.functions.is_empty())
            .collect())
    } else {
        Err(Problems(problems))
    }
}

/// No real answer holds a megabyte of code or hundreds of blocks; parsing such junk several times over
/// would only burn time.
const MAX_BLOCK_BYTES: usize = 1 << 20;
const MAX_BLOCKS: usize = 64;

fn oversized(blocks: &[Block]) -> Option<Problem> {
    let largest = blocks.iter().map(|b| b.code.len()).max().unwrap_or(0);
    (largest > MAX_BLOCK_BYTES || blocks.len() > MAX_BLOCKS).then_some(Problem::TooLarge {
        blocks: blocks.len(),
        largest,
    })
}

/// LF line endings, no BOM.
fn normalize(answer: &str) -> String {
    let text = answer.strip_prefix('\u{feff}').unwrap_or(answer);
    text.replace("\r\n", "\n").replace('\r', "\n")
}

const REASONING_TAGS: [&str; 3] = ["think", "thinking", "reasoning"];

/// Removes `<think>…</think>` (and `<thinking>`, `<reasoning>`) blocks that stand outside code fences;
/// an unclosed one runs to the end, and a closing tag without its opening one drops everything before
/// it. A tag inside a fenced block is code (`// strips <think> blocks`) and stays. One pass, so a
/// hostile answer full of tags costs linear time.
fn strip_reasoning(text: &str) -> String {
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` index `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<(char, usize, usize)> = None;
    let mut pos = 0;
    let mut line_end = 0;
    while pos < text.len() {
        // Found once per line, not once per tag: a long line of tags stays linear.
        if pos >= line_end {
            line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        }
        let line = &text[pos..line_end];
        if let Some((marker, len, indent)) = fence {
            if closes(
                line.trim_end_matches('\n'),
                &Fence {
                    indent,
                    marker,
                    len,
                    info: "",
                },
            ) {
                fence = None;
            }
            out.push_str(line);
            pos = line_end;
            continue;
        }
        if let Some(opening) = opening_fence(line.trim_end_matches('\n')) {
            fence = Some((opening.marker, opening.len, opening.indent));
            out.push_str(line);
            pos = line_end;
            continue;
        }
        match first_tag(&lower[pos..line_end]) {
            Some((offset, tag, true)) => {
                out.push_str(&text[pos..pos + offset]);
                let start = pos + offset;
                let close = format!("</{tag}>");
                pos = lower[start..]
                    .find(&close)
                    .map_or(text.len(), |i| start + i + close.len());
            }
            Some((offset, tag, false)) => {
                out.clear();
                pos += offset + tag.len() + 3;
            }
            None => {
                out.push_str(line);
                pos = line_end;
            }
        }
    }
    out
}

/// The first reasoning tag in `line`: its offset, its name, and whether it opens (`<think>`) or closes.
/// Looks only where a `<` stands, so a line of many tags is read once.
fn first_tag(line: &str) -> Option<(usize, &'static str, bool)> {
    memchr::memchr_iter(b'<', line.as_bytes()).find_map(|at| {
        let rest = &line[at + 1..];
        let (closing, rest) = match rest.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        REASONING_TAGS
            .iter()
            .find(|tag| rest.strip_prefix(**tag).is_some_and(|r| r.starts_with('>')))
            .map(|tag| (at, *tag, !closing))
    })
}

/// A Go code block and the file name it gives, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    code: String,
    named: Option<String>,
}

/// The blocks of an answer in the dialect's language: fenced ones, or — when the answer has no fence
/// at all — the code it holds from its first code-looking line.
fn code_blocks(text: &str, dialect: Dialect) -> Vec<Block> {
    let fenced = fenced_blocks(text, dialect);
    if !fenced.is_empty() || text.lines().any(|l| opening_fence(l).is_some()) {
        return fenced;
    }
    unfenced_code(text, dialect).into_iter().collect()
}

struct Fence<'a> {
    indent: usize,
    marker: char,
    len: usize,
    info: &'a str,
}

/// Indentation before a fence is spaces only: code indented with tabs (gofmt's) that holds a
/// fence-like line in a raw string is not a fence, while fences inside Markdown list items are.
fn opening_fence(line: &str) -> Option<Fence<'_>> {
    let trimmed = line.trim_start_matches(' ');
    let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = trimmed.chars().take_while(|c| *c == marker).count();
    let info = trimmed[len..].trim();
    (len >= 3 && !(marker == '`' && info.contains('`'))).then_some(Fence {
        indent: line.len() - trimmed.len(),
        marker,
        len,
        info,
    })
}

/// A closing fence: the same marker, at least as long, indented (with spaces) at most three columns more
/// than the opening one (CommonMark's rule, relative to the opening fence for list items).
fn closes(line: &str, fence: &Fence) -> bool {
    let trimmed = line.trim_start_matches(' ');
    let indent = line.len() - trimmed.len();
    let trimmed = trimmed.trim_end();
    indent <= fence.indent + 3
        && trimmed.len() >= fence.len
        && trimmed.chars().all(|c| c == fence.marker)
}

fn fenced_blocks(text: &str, dialect: Dialect) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut prose_start = 0;
    let mut i = 0;
    while i < lines.len() {
        let Some(fence) = opening_fence(lines[i]) else {
            i += 1;
            continue;
        };
        let body_start = i + 1;
        let mut end = body_start;
        while end < lines.len() && !closes(lines[end], &fence) {
            end += 1;
        }
        let code = dedent_by(&lines[body_start..end], fence.indent);
        let prose_hint = lines[prose_start..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| path_in(l, dialect));
        if is_code(fence.info, &code, dialect) {
            let named = first_line_name(&code, dialect)
                .or_else(|| info_name(fence.info, dialect))
                .or(prose_hint);
            blocks.push(Block { code, named });
        }
        i = end + 1;
        prose_start = i;
    }
    blocks
}

fn dedent_by(lines: &[&str], indent: usize) -> String {
    let mut code: String = lines
        .iter()
        .map(|line| {
            let cut = line
                .char_indices()
                .take_while(|(i, c)| *i < indent && c.is_whitespace())
                .map(|(_, c)| c.len_utf8())
                .sum::<usize>();
            &line[cut..]
        })
        .collect::<Vec<_>>()
        .join("\n");
    code.push('\n');
    code
}

fn is_code(info: &str, code: &str, dialect: Dialect) -> bool {
    let lang = info
        .split(|c: char| c.is_whitespace() || c == ':' || c == '{')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match lang.as_str() {
        "" => looks_like(code, dialect),
        label if dialect.labels.contains(&label) => true,
        _ => lang.ends_with(dialect.extension),
    }
}

fn looks_like(code: &str, dialect: Dialect) -> bool {
    code.lines().map(str::trim_start).any(|line| {
        dialect
            .code_starts
            .iter()
            .any(|start| line.starts_with(start))
            || first_line_name(line, dialect).is_some()
    })
}

/// `// file: internal/dao/coupon.go` or `// internal/dao/coupon.go` on the first non-empty line.
fn first_line_name(code: &str, dialect: Dialect) -> Option<String> {
    let line = code.lines().find(|l| !l.trim().is_empty())?.trim();
    let comment = line.strip_prefix("//")?.trim();
    let lower = comment.to_ascii_lowercase();
    let rest = ["file:", "filename:", "path:", "file："]
        .iter()
        .find_map(|prefix| lower.starts_with(prefix).then(|| &comment[prefix.len()..]))
        .unwrap_or(comment)
        .split_whitespace()
        .next()?;
    is_path(rest, dialect).then(|| clean_path(rest))
}

/// A path in a fence's info string: ```` ```go internal/dao/coupon.go ```` or `title="…"`.
fn info_name(info: &str, dialect: Dialect) -> Option<String> {
    info.split_whitespace()
        .filter(|token| !token.contains(':'))
        .chain(info.split(':').skip(1))
        .map(|token| {
            let token = token.split_once('=').map_or(token, |(_, value)| value);
            token.trim_matches(|c| c == '"' || c == '\'')
        })
        .find(|token| is_path(token, dialect))
        .map(clean_path)
}

/// The first `*.go` path named in a prose line such as ``**`internal/dao/coupon.go`**:``.
fn path_in(line: &str, dialect: Dialect) -> Option<String> {
    line.split(|c: char| c.is_whitespace() || "*`'\"()[]:,，：".contains(c))
        .map(|token| token.trim_end_matches('.'))
        .find(|token| is_path(token, dialect))
        .map(clean_path)
}

fn is_path(token: &str, dialect: Dialect) -> bool {
    token.len() > dialect.extension.len()
        && token.ends_with(dialect.extension)
        && !token.contains(char::is_whitespace)
}

fn clean_path(path: &str) -> String {
    path.replace('\\', "/").trim_start_matches("./").to_string()
}

/// Without fences: the text from the first code-looking line, cut after the last closing brace if the
/// whole rest does not parse (prose after the code).
fn unfenced_code(text: &str, dialect: Dialect) -> Option<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|line| {
        let line = line.trim_start();
        dialect.unfenced_starts.iter().any(|p| line.starts_with(p))
    })?;
    let mut code = lines[start..].join("\n");
    code.push('\n');
    if code.len() > MAX_BLOCK_BYTES {
        return Some(Block { code, named: None });
    }
    if !dialect.parses(&code) {
        if let Some(last) = lines[start..].iter().rposition(|l| l.starts_with('}')) {
            let cut = lines[start..=start + last].join("\n") + "\n";
            if dialect.parses(&cut) {
                code = cut;
            }
        }
    }
    // Prose that merely starts with a keyword ("import the dao package first") is not code: what does
    // not parse counts only when it declares a function, so a broken answer still gets its syntax error.
    let declares_function = code.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("func ") || l.starts_with("fn ") || l.starts_with("pub fn ")
    });
    if !dialect.parses(&code) && !declares_function {
        return None;
    }
    Some(Block {
        named: first_line_name(&code, dialect),
        code,
    })
}

/// One file the answer may be for, with what is known of its source.
struct FileFacts<'a> {
    name: &'a str,
    path: &'a Path,
    source: &'a str,
    listed: GoFile,
    /// Identities of the stubs in the source (this job's and others').
    stubs: Vec<String>,
}

impl FileFacts<'_> {
    fn package(&self) -> Option<&str> {
        self.listed.package.as_ref().map(|p| p.name.as_str())
    }

    fn declares_type(&self, name: &str) -> bool {
        self.listed.type_names().any(|t| t == name)
    }

    fn is_named(&self, hint: &str) -> bool {
        names_file(self.name, self.path, hint)
    }
}

/// Whether the name an answer gives (`hint`) is the file the prompt called `name`, found at `path`.
fn names_file(name: &str, path: &Path, hint: &str) -> bool {
    let name = clean_path(name);
    let path = clean_path(&path.to_string_lossy());
    let ends = |long: &str, short: &str| long == short || long.ends_with(&format!("/{short}"));
    ends(&name, hint) || ends(hint, &name) || ends(&path, hint)
}

/// Index 0: the target; 1: the dependent file.
struct ExpectedFiles<'a> {
    expected: &'a Expected,
    files: Vec<FileFacts<'a>>,
}

impl<'a> ExpectedFiles<'a> {
    fn new(expected: &'a Expected) -> ExpectedFiles<'a> {
        let target = &expected.target;
        let facts = |name: &'a str, path: &'a Path, source: &'a str| FileFacts {
            name,
            path,
            source,
            listed: decls::list(source),
            stubs: Lang::Go
                .find_stubs(source, &expected.markers)
                .iter()
                .map(Stub::identity)
                .collect(),
        };
        let mut files = vec![facts(&target.name, &target.path, &target.source)];
        if let Some(dependent) = &expected.dependent {
            files.push(facts(&dependent.name, &dependent.path, &dependent.source));
        }
        ExpectedFiles { expected, files }
    }

    fn target(&self) -> &FileFacts<'a> {
        &self.files[0]
    }

    /// Which file a block is for: by the name it gives, else its package clause, else its declarations.
    fn route(&self, block: &Block) -> Result<usize, Problem> {
        if let Some(named) = &block.named {
            let matching: Vec<usize> = (0..self.files.len())
                .filter(|&i| self.files[i].is_named(named))
                .collect();
            match matching.as_slice() {
                [only] => return Ok(*only),
                [] => {
                    return Err(Problem::UnknownFile {
                        named: named.clone(),
                    })
                }
                _ => {}
            }
        }
        let listed = decls::list(&block.code);
        if let Some(package) = &listed.package {
            let matching: Vec<usize> = (0..self.files.len())
                .filter(|&i| self.files[i].package() == Some(package.name.as_str()))
                .collect();
            match matching.as_slice() {
                [only] => return Ok(*only),
                [] => {
                    return Err(Problem::UnknownFile {
                        named: format!("`package {}`", package.name),
                    })
                }
                _ => {}
            }
        }
        Ok(self.route_by_declarations(&listed))
    }

    fn route_by_declarations(&self, listed: &GoFile) -> usize {
        let asked = self.asked();
        let belongs_to = |file: &FileFacts| {
            listed.decls.iter().any(|decl| {
                decl.receiver
                    .as_deref()
                    .is_some_and(|r| file.declares_type(r))
                    || decl.names.iter().any(|n| file.declares_type(n))
            })
        };
        let holds_stub = listed
            .decls
            .iter()
            .any(|d| d.identities().iter().any(|i| asked.contains(i)));
        match self.files.get(1) {
            Some(dependent) if !holds_stub && belongs_to(dependent) => 1,
            _ => 0,
        }
    }

    fn asked(&self) -> Vec<String> {
        self.expected
            .target
            .stubs
            .iter()
            .map(Stub::identity)
            .collect()
    }

    /// Checks the blocks for one file and turns them into its code.
    fn check_file(
        &self,
        which: usize,
        blocks: &[Block],
        problems: &mut Vec<Problem>,
    ) -> Option<CheckedFile> {
        let file = &self.files[which];
        let mut parts = Vec::new();
        for block in blocks {
            let listed = decls::list(&block.code);
            let before = problems.len();
            for detail in decls::syntax_problems(&block.code) {
                problems.push(Problem::Syntax {
                    file: file.name.to_string(),
                    detail,
                });
            }
            self.check_package(file, &listed, problems);
            self.check_receivers(which, &listed, blocks, problems);
            if problems.len() == before {
                parts.push(self.render(file, block, &listed));
            }
        }
        let code = join_parts(file, parts, problems)?;
        // What is accepted must merge: a function given twice, or a declaration that overlaps several,
        // is a problem to send back now rather than a sidecar `merge` refuses later.
        if let Err(error) = merge::merge(file.source, &code) {
            problems.push(Problem::Conflict {
                file: file.name.to_string(),
                detail: error.to_string(),
            });
            return None;
        }
        let functions = decls::list(&code)
            .decls
            .iter()
            .flat_map(Decl::identities)
            .collect();
        Some(CheckedFile {
            path: file.path.to_path_buf(),
            code,
            functions,
        })
    }

    fn check_package(&self, file: &FileFacts, listed: &GoFile, problems: &mut Vec<Problem>) {
        if let (Some(expected), Some(found)) = (file.package(), &listed.package) {
            if expected != found.name {
                problems.push(Problem::WrongPackage {
                    file: file.name.to_string(),
                    expected: expected.to_string(),
                    found: found.name.clone(),
                });
            }
        }
    }

    /// Methods must sit on a type their file (or the answer's blocks for it) declares.
    fn check_receivers(
        &self,
        which: usize,
        listed: &GoFile,
        blocks: &[Block],
        problems: &mut Vec<Problem>,
    ) {
        let file = &self.files[which];
        for decl in &listed.decls {
            let Some(receiver) = decl.receiver.as_deref() else {
                continue;
            };
            let declared_here = file.declares_type(receiver)
                || blocks
                    .iter()
                    .any(|b| decls::list(&b.code).type_names().any(|t| t == receiver));
            if !declared_here {
                problems.push(Problem::UnrelatedReceiver {
                    file: file.name.to_string(),
                    identity: decl.identities().join(", "),
                    receiver: receiver.to_string(),
                });
            }
        }
    }

    /// The stubs asked for: each present in the target's blocks, signature unchanged, marker gone.
    fn check_stubs(&self, blocks: &[Block], problems: &mut Vec<Problem>) {
        let target = self.target();
        let name = target.name.to_string();
        let listed: Vec<(GoFile, &Block)> =
            blocks.iter().map(|b| (decls::list(&b.code), b)).collect();
        for stub in &self.expected.target.stubs {
            let identity = stub.identity();
            let Some(found) = listed.iter().find_map(|(l, _)| l.find(&identity)) else {
                problems.push(Problem::Missing {
                    file: name.clone(),
                    identity,
                });
                continue;
            };
            let wanted = target
                .listed
                .find(&identity)
                .and_then(|d| d.signature.as_ref());
            if let (Some(wanted), Some(got)) = (wanted, found.signature.as_ref()) {
                if wanted != got {
                    problems.push(Problem::SignatureChanged {
                        file: name.clone(),
                        identity: identity.clone(),
                        expected: stub.signature.clone(),
                        found: got.to_string(),
                    });
                }
            }
        }
        for (_, block) in &listed {
            for stub in Lang::Go.find_stubs(&block.code, &self.expected.markers) {
                let identity = stub.identity();
                if self.is_kept_stub(&identity) {
                    problems.push(Problem::StillStub {
                        file: name.clone(),
                        identity,
                        marker: stub.marker,
                    });
                }
            }
        }
    }

    /// A stub in the answer is a problem when it was asked for or is new; the file's other stubs,
    /// echoed back untouched, belong to other jobs.
    fn is_kept_stub(&self, identity: &str) -> bool {
        let asked = self.asked().iter().any(|a| a == identity);
        asked || self.target().listed.find(identity).is_none()
    }

    /// The block as a file: the source's package clause, the block's imports and the declarations that
    /// add or change something.
    fn render(&self, file: &FileFacts, block: &Block, listed: &GoFile) -> String {
        let package = file
            .package()
            .or(listed.package.as_ref().map(|p| p.name.as_str()))
            .unwrap_or("main");
        let mut code = format!("package {package}\n");
        for import in &listed.imports {
            code.push('\n');
            code.push_str(&block.code[import.span.clone()]);
            code.push('\n');
        }
        for decl in listed
            .decls
            .iter()
            .filter(|d| self.adds_something(file, block, d))
        {
            code.push('\n');
            code.push_str(&block.code[decl.span.clone()]);
            code.push('\n');
        }
        code
    }

    /// False for what the source already holds (echoed code, an interface with no new method) and for
    /// stubs of the file that this job did not ask for.
    fn adds_something(&self, file: &FileFacts, block: &Block, decl: &Decl) -> bool {
        let text = squeeze(&block.code[decl.decl.clone()]);
        if decl.is_anonymous() {
            return !file
                .listed
                .decls
                .iter()
                .any(|s| squeeze(&file.source[s.decl.clone()]) == text);
        }
        let asked = self.asked();
        let identities = decl.identities();
        if identities.iter().any(|i| asked.contains(i)) {
            return true;
        }
        let Some(existing) = identities.iter().find_map(|i| file.listed.find(i)) else {
            return true;
        };
        // Asked-for stubs returned above: a stub of the source here is another job's.
        if identities.iter().any(|i| file.stubs.contains(i)) {
            return false;
        }
        if let (Some(ours), Some(theirs)) = (&existing.interface, &decl.interface) {
            return theirs
                .elems
                .iter()
                .any(|e| !ours.elems.iter().any(|o| o.key == e.key));
        }
        squeeze(&file.source[existing.decl.clone()]) != text
    }
}

/// One file's code from its blocks' parts (most answers give one block per file).
fn join_parts(file: &FileFacts, parts: Vec<String>, problems: &mut Vec<Problem>) -> Option<String> {
    let mut parts = parts.into_iter();
    let mut code = parts.next()?;
    for part in parts {
        match merge::merge(&code, &part) {
            Ok(merged) => code = merged.text,
            Err(error) => {
                problems.push(Problem::Conflict {
                    file: file.name.to_string(),
                    detail: error.to_string(),
                });
                return None;
            }
        }
    }
    Some(code)
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HANDLER: &str = "package handler

import (
	\"context\"

	\"store/internal/dao\"
)

type couponHandler struct {
	couponDao dao.CouponDao
}

// Create creates.
func (h *couponHandler) Create(ctx context.Context) error {
	return nil
}

// Redeem redeems the coupon.
func (h *couponHandler) Redeem(ctx context.Context, id uint64) (bool, error) {
	panic(\"implement me\")
}

// Issue issues a coupon.
func (h *couponHandler) Issue(ctx context.Context) error {
	panic(\"implement me\")
}
";

    const DAO: &str = "package dao

import \"context\"

// CouponDao is the data access.
type CouponDao interface {
	GetByID(ctx context.Context, id uint64) error
}

type couponDao struct{}

func (d *couponDao) GetByID(ctx context.Context, id uint64) error { return nil }
";

    const IMPLEMENTATION: &str = "package handler

import (
	\"context\"
	\"errors\"
)

// Redeem redeems the coupon.
func (h *couponHandler) Redeem(ctx context.Context, id uint64) (bool, error) {
	if id == 0 {
		return false, errors.New(\"no id\")
	}
	return h.couponDao.MarkUsed(ctx, id)
}
";

    const DAO_BLOCK: &str = "package dao

import \"context\"

// CouponDao is the data access.
type CouponDao interface {
	GetByID(ctx context.Context, id uint64) error
	MarkUsed(ctx context.Context, id uint64) (bool, error)
}

// MarkUsed marks it.
func (d *couponDao) MarkUsed(ctx context.Context, id uint64) (bool, error) { return true, nil }
";

    fn expected() -> Expected {
        let stubs = Lang::Go.find_stubs(HANDLER, &Markers::default());
        Expected {
            target: TargetFile {
                name: "internal/handler/coupon.go".into(),
                path: PathBuf::from("proj/internal/handler/coupon.go"),
                source: HANDLER.into(),
                stubs: stubs.into_iter().filter(|s| s.name == "Redeem").collect(),
            },
            dependent: Some(DependentFile {
                name: "internal/dao/coupon.go".into(),
                path: PathBuf::from("proj/internal/dao/coupon.go"),
                source: DAO.into(),
            }),
            markers: Markers::default(),
        }
    }

    fn fenced(label: &str, code: &str) -> String {
        format!("```{label}\n{code}```\n")
    }

    fn ok(answer: &str) -> Vec<CheckedFile> {
        match check(answer, &expected()) {
            Ok(files) => files,
            Err(problems) => panic!("{problems}\n---\n{answer}"),
        }
    }

    fn problems(answer: &str) -> Vec<Problem> {
        match check(answer, &expected()) {
            Ok(files) => panic!("accepted: {files:?}"),
            Err(problems) => problems.0,
        }
    }

    #[test]
    fn answers_that_pass() {
        let file_line = |name: &str, code: &str| format!("// file: {name}\n{code}");
        let both = format!(
            "Here you go.\n\n{}\nAnd the dao:\n\n{}\nDone.",
            fenced(
                "go",
                &file_line("internal/handler/coupon.go", IMPLEMENTATION)
            ),
            fenced("go", &file_line("internal/dao/coupon.go", DAO_BLOCK)),
        );
        let cases: Vec<(&str, String, usize)> = vec![
            (
                "prose around a fence",
                format!("Sure!\n\n{}\nHope it helps.", fenced("go", IMPLEMENTATION)),
                1,
            ),
            (
                "think block with its own fence",
                format!(
                    "<think>\nMaybe:\n{}</think>\n{}",
                    fenced("go", "package handler\nfunc broken( {\n"),
                    fenced("golang", IMPLEMENTATION)
                ),
                1,
            ),
            ("no fence", IMPLEMENTATION.to_string(), 1),
            (
                "no fence, prose around",
                format!("Here is the code:\n\n{IMPLEMENTATION}\nThis validates the id first."),
                1,
            ),
            (
                "CRLF and BOM",
                format!(
                    "\u{feff}{}",
                    fenced("go", IMPLEMENTATION).replace('\n', "\r\n")
                ),
                1,
            ),
            (
                "renamed parameters",
                fenced(
                    "",
                    &IMPLEMENTATION
                        .replace(
                            "(ctx context.Context, id uint64)",
                            "(c context.Context, couponID uint64)",
                        )
                        .replace("id == 0", "couponID == 0")
                        .replace("(ctx, id)", "(c, couponID)"),
                ),
                1,
            ),
            ("two blocks routed by // file:", both, 2),
            (
                "two blocks routed by package clause",
                format!(
                    "{}{}",
                    fenced("go", IMPLEMENTATION),
                    fenced("go", DAO_BLOCK)
                ),
                2,
            ),
            (
                "path in the info string and in prose",
                format!(
                    "{}\n**`internal/dao/coupon.go`**:\n{}",
                    fenced("go internal/handler/coupon.go", IMPLEMENTATION),
                    fenced("go", &DAO_BLOCK.replace("package dao\n", ""))
                ),
                2,
            ),
            (
                "the whole file echoed, other stub untouched",
                fenced(
                    "go",
                    &HANDLER.replace(
                        "(bool, error) {\n\tpanic(\"implement me\")\n}",
                        "(bool, error) {\n\treturn true, nil\n}",
                    ),
                ),
                1,
            ),
        ];
        for (what, answer, files) in cases {
            let checked = ok(&answer);
            assert_eq!(checked.len(), files, "{what}: {checked:?}");
            assert_eq!(
                checked[0].path,
                PathBuf::from("proj/internal/handler/coupon.go"),
                "{what}"
            );
            assert_eq!(checked[0].functions, ["couponHandler.Redeem"], "{what}");
            assert!(checked[0].code.starts_with("package handler\n"), "{what}");
            assert!(
                !checked[0].code.contains('\r') && !checked[0].code.contains('\u{feff}'),
                "{what}"
            );
            assert!(
                decls::syntax_problems(&checked[0].code).is_empty(),
                "{what}"
            );
            if files == 2 {
                assert_eq!(
                    checked[1].path,
                    PathBuf::from("proj/internal/dao/coupon.go"),
                    "{what}"
                );
                assert_eq!(
                    checked[1].functions,
                    ["type CouponDao", "couponDao.MarkUsed"],
                    "{what}"
                );
            }
        }
    }

    #[test]
    fn blocks_for_the_same_file_are_joined() {
        let mut expected = expected();
        expected.target.stubs = Lang::Go.find_stubs(HANDLER, &Markers::default());
        let issue = "package handler\n\nimport \"time\"\n\n// Issue issues a coupon.\nfunc (h *couponHandler) Issue(ctx context.Context) error {\n\t_ = time.Now()\n\treturn nil\n}\n";
        let answer = format!("{}{}", fenced("go", IMPLEMENTATION), fenced("go", issue));
        let checked = check(&answer, &expected).unwrap();
        assert_eq!(checked.len(), 1);
        assert_eq!(
            checked[0].functions,
            ["couponHandler.Redeem", "couponHandler.Issue"]
        );
        assert!(
            checked[0].code.starts_with(
                "package handler\n\nimport (\n\t\"context\"\n\t\"errors\"\n\t\"time\"\n)\n"
            ),
            "{}",
            checked[0].code
        );
        let only_one = check(&fenced("go", IMPLEMENTATION), &expected).unwrap_err();
        assert_eq!(
            only_one.0,
            [Problem::Missing {
                file: "internal/handler/coupon.go".into(),
                identity: "couponHandler.Issue".into()
            }]
        );
    }

    #[test]
    fn checked_code_is_package_imports_and_new_declarations() {
        let checked = ok(&fenced("go", IMPLEMENTATION));
        assert_eq!(checked[0].code, IMPLEMENTATION);
        let echoed = ok(&fenced(
            "go",
            &format!("{IMPLEMENTATION}\n// Create creates.\nfunc (h *couponHandler) Create(ctx context.Context) error {{\n\treturn nil\n}}\n"),
        ));
        assert_eq!(echoed[0].code, IMPLEMENTATION, "echoed code is dropped");
    }

    #[test]
    fn answers_that_fail() {
        type Case = (&'static str, String, fn(&Problem) -> bool);
        let cases: Vec<Case> = vec![
            (
                "wrong signature",
                fenced("go", &IMPLEMENTATION.replace("id uint64)", "id int64)")),
                |p| matches!(p, Problem::SignatureChanged { .. }),
            ),
            (
                "missing function",
                fenced("go", "package handler\n\nfunc helper() {}\n"),
                |p| matches!(p, Problem::Missing { identity, .. } if identity == "couponHandler.Redeem"),
            ),
            (
                "syntax error",
                fenced("go", &IMPLEMENTATION.replace("return false,", "return false,,")),
                |p| matches!(p, Problem::Syntax { .. }),
            ),
            (
                "marker still there",
                fenced("go", "package handler\n\nfunc (h *couponHandler) Redeem(ctx context.Context, id uint64) (bool, error) {\n\tpanic(\"implement me\")\n}\n"),
                |p| matches!(p, Problem::StillStub { .. }),
            ),
            (
                "a block for an unknown file",
                format!("{}{}", fenced("go", IMPLEMENTATION), fenced("go", "// file: cmd/main.go\npackage main\n\nfunc main() {}\n")),
                |p| matches!(p, Problem::UnknownFile { named } if named == "cmd/main.go"),
            ),
            (
                "a method on an unrelated receiver",
                fenced("go", &format!("{IMPLEMENTATION}\nfunc (d *couponDao) MarkUsed() {{}}\n")),
                |p| matches!(p, Problem::UnrelatedReceiver { receiver, .. } if receiver == "couponDao"),
            ),
            (
                "no code at all",
                "I cannot do that.".to_string(),
                |p| matches!(p, Problem::NoCode),
            ),
            (
                "only a shell block",
                fenced("bash", "go test ./...\n"),
                |p| matches!(p, Problem::NoCode),
            ),
        ];
        for (what, answer, expected_problem) in cases {
            let found = problems(&answer);
            assert!(found.iter().any(expected_problem), "{what}: {found:?}");
        }
    }

    #[test]
    fn repair_prompt_lists_every_problem() {
        let problems = Problems(vec![
            Problem::Missing {
                file: "a.go".into(),
                identity: "T.F".into(),
            },
            Problem::NoCode,
        ]);
        assert_eq!(
            problems.repair_prompt(),
            "- a.go: T.F is missing (give it in full)\n- the answer holds no Go code block\n"
        );
        assert_eq!(
            problems.to_string(),
            "a.go: T.F is missing (give it in full); the answer holds no Go code block"
        );
    }

    #[test]
    fn reasoning_is_stripped() {
        assert_eq!(strip_reasoning("a<think>b</think>c"), "ac");
        assert_eq!(strip_reasoning("a<THINK>b"), "a");
        assert_eq!(strip_reasoning("reasoning…</think>code"), "code");
    }
}
