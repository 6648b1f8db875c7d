//! Reasoning that models write before (or around) their code: `<think>`, `<thinking>` and
//! `<reasoning>` blocks, stripped outside code fences in one linear pass.

use super::blocks::{closes, opening_fence, Fence};

const REASONING_TAGS: [&str; 3] = ["think", "thinking", "reasoning"];

/// Removes `<think>…</think>` (and `<thinking>`, `<reasoning>`) blocks that stand outside code fences;
/// an unclosed one runs to the end, and a closing tag without its opening one drops everything before
/// it. A tag inside a fenced block is code (`// strips <think> blocks`) and stays. One pass, so a
/// hostile answer full of tags costs linear time.
pub(super) fn strip_reasoning(text: &str) -> String {
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
