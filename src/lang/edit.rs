//! Rewriting a source in place, the way every language's merge does: the source is split from its BOM
//! and its line ending noted, so that edits touch only their own bytes and added text takes the file's
//! line endings; edits are applied in one pass.

use std::ops::Range;

/// The byte-order mark a source may start with.
pub const BOM: &str = "\u{feff}";

/// One change to the source: `range` replaced by `text` (an insertion when `range` is empty).
#[derive(Debug)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

impl Edit {
    pub fn insert(at: usize, text: String) -> Edit {
        Edit {
            range: at..at,
            text,
        }
    }
}

/// A merge's inputs as the languages' merges work on them.
pub struct MergeInput<'a> {
    /// The source's BOM, if it has one, to put back in front of the result.
    pub bom: &'static str,
    /// The source without its BOM.
    pub body: &'a str,
    /// The code to merge: LF line endings, no BOM.
    pub addition: String,
    /// The source's line ending: what added lines end with.
    pub eol: &'static str,
}

impl MergeInput<'_> {
    pub fn new<'a>(source: &'a str, addition: &str) -> MergeInput<'a> {
        let (bom, body) = match source.strip_prefix(BOM) {
            Some(rest) => (BOM, rest),
            None => ("", source),
        };
        let addition = addition.replace("\r\n", "\n");
        let addition = addition
            .strip_prefix(BOM)
            .map_or(addition.clone(), str::to_string);
        MergeInput {
            bom,
            body,
            addition,
            eol: if body.contains("\r\n") { "\r\n" } else { "\n" },
        }
    }
}

/// Applies non-overlapping edits; insertions at the same place keep their order.
pub fn apply(body: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|edit| edit.range.start);
    let mut out =
        String::with_capacity(body.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut at = 0;
    for edit in edits {
        let start = edit.range.start.max(at);
        out.push_str(&body[at..start]);
        out.push_str(&edit.text);
        at = edit.range.end.max(start);
    }
    out.push_str(&body[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_bom_apart_and_notes_the_line_ending() {
        let input = MergeInput::new("\u{feff}a\r\nb\r\n", "\u{feff}x\r\ny\r\n");
        assert_eq!(input.bom, BOM);
        assert_eq!(input.body, "a\r\nb\r\n");
        assert_eq!(input.addition, "x\ny\n");
        assert_eq!(input.eol, "\r\n");
    }

    #[test]
    fn applies_edits_in_order_of_position() {
        let edits = vec![
            Edit::insert(3, "!".into()),
            Edit {
                range: 0..1,
                text: "A".into(),
            },
            Edit::insert(3, "?".into()),
        ];
        assert_eq!(apply("abc", edits), "Abc!?");
    }
}
