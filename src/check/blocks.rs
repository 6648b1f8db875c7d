//! Finding the code blocks of an answer in one language: fenced blocks (by label, by file name in the
//! info string, or by looking like code), or — when the answer has no fence at all — the code it holds
//! from its first code-looking line; and the file name each block gives (a `// file:` first line, the
//! fence's info string, or the prose line above it).

use crate::lang::answer::{clean_path, first_line_name, is_path};
use crate::lang::{Block, Dialect, Lang};

/// No real answer holds a megabyte of code; parsing such junk several times over would only burn time.
pub(super) const MAX_BLOCK_BYTES: usize = 1 << 20;

/// The blocks of an answer in the dialect's language: fenced ones, or — when the answer has no fence
/// at all — the code it holds from its first code-looking line.
pub(super) fn code_blocks(text: &str, lang: Lang) -> Vec<Block> {
    let fenced = fenced_blocks(text, lang.dialect());
    if !fenced.is_empty() || text.lines().any(|l| opening_fence(l).is_some()) {
        return fenced;
    }
    unfenced_code(text, lang).into_iter().collect()
}

pub(super) struct Fence<'a> {
    pub indent: usize,
    pub marker: char,
    pub len: usize,
    pub info: &'a str,
}

/// Indentation before a fence is spaces only: code indented with tabs (gofmt's) that holds a
/// fence-like line in a raw string is not a fence, while fences inside Markdown list items are.
pub(super) fn opening_fence(line: &str) -> Option<Fence<'_>> {
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
pub(super) fn closes(line: &str, fence: &Fence) -> bool {
    let trimmed = line.trim_start_matches(' ');
    let indent = line.len() - trimmed.len();
    let trimmed = trimmed.trim_end();
    indent <= fence.indent + 3
        && trimmed.len() >= fence.len
        && trimmed.chars().all(|c| c == fence.marker)
}

fn fenced_blocks(text: &str, dialect: &Dialect) -> Vec<Block> {
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

fn is_code(info: &str, code: &str, dialect: &Dialect) -> bool {
    let lang = info
        .split(|c: char| c.is_whitespace() || c == ':' || c == '{')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match lang.as_str() {
        "" => looks_like(code, dialect),
        label if dialect.fence_labels.contains(&label) => true,
        _ => lang.ends_with(dialect.extension()),
    }
}

pub(super) fn looks_like(code: &str, dialect: &Dialect) -> bool {
    code.lines().map(str::trim_start).any(|line| {
        dialect
            .code_starts
            .iter()
            .any(|start| line.starts_with(start))
            || first_line_name(line, dialect).is_some()
    })
}

/// A path in a fence's info string: ```` ```go internal/dao/coupon.go ```` or `title="…"`.
fn info_name(info: &str, dialect: &Dialect) -> Option<String> {
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
fn path_in(line: &str, dialect: &Dialect) -> Option<String> {
    line.split(|c: char| c.is_whitespace() || "*`'\"()[]:,，：".contains(c))
        .map(|token| token.trim_end_matches('.'))
        .find(|token| is_path(token, dialect))
        .map(clean_path)
}

/// Without fences: the text from the first code-looking line, cut after the last closing brace if the
/// whole rest does not parse (prose after the code).
fn unfenced_code(text: &str, lang: Lang) -> Option<Block> {
    let dialect = lang.dialect();
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
    if !lang.parses(&code) {
        if let Some(cut) = code_before_prose(&lines[start..], lang) {
            code = cut;
        }
    }
    // Prose that merely starts with a keyword ("import the dao package first") is not code: what does
    // not parse counts only when it declares a function, so a broken answer still gets its syntax error.
    let declares_function = code.lines().any(|l| {
        let l = l.trim_start();
        dialect
            .function_starts
            .iter()
            .any(|start| l.starts_with(start))
    });
    if !lang.parses(&code) && !declares_function {
        return None;
    }
    Some(Block {
        named: first_line_name(&code, dialect),
        code,
    })
}

/// The code when prose follows it. Brace languages end their code at the last line that starts with
/// `}`; others at the last line before a blank one after which no declaration follows (a few tries at
/// most). The cut counts only if it parses, so a broken declaration is never cut away silently.
fn code_before_prose(lines: &[&str], lang: Lang) -> Option<String> {
    const TRIES: usize = 16;
    let cut = |last: usize| lines[..=last].join("\n") + "\n";
    if let Some(last) = lines.iter().rposition(|l| l.starts_with('}')) {
        return Some(cut(last)).filter(|code| lang.parses(code));
    }
    let starts = lang.dialect().function_starts;
    let declares = |line: &&str| starts.iter().any(|s| line.trim_start().starts_with(s));
    let last_declaration = lines.iter().rposition(declares).unwrap_or(0);
    (last_declaration..lines.len())
        .rev()
        .filter(|&i| {
            let next_is_blank = lines.get(i + 1).is_some_and(|l| l.trim().is_empty());
            next_is_blank && !lines[i].trim().is_empty()
        })
        .take(TRIES)
        .map(cut)
        .find(|code| lang.parses(code))
}
