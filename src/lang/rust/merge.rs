//! Merging Rust items (a sidecar's code) into a Rust source, rewriting only the spans that change.
//!
//! Rules: a function replaces the source's function with the same identity — the same name in the same
//! `impl` (self type + trait), `trait` or inline `mod` — below the source's doc comment and attributes,
//! which stay (the addition's are used only where the source has none); other named items (`struct`, `const`, …) likewise. An item
//! the source lacks goes at the end of the block it belongs in (an `impl Store` gains a method), or with
//! its whole block at the end of the nearest block the source has. Items whose tokens equal the source's
//! are left alone, so code echoed back reformatted changes nothing. `use` items are united: only the
//! paths the source does not import yet are added, after the source's last `use` in that block.
//! Every other byte stays as it was, line endings (LF or CRLF) and a BOM included; added text takes the
//! indentation of where it goes. The result must parse, else nothing is returned but the reason.
//!
//! This module works on text only: reading, writing, backups and formatting belong to `crate::merge`.

use std::ops::Range;

use crate::lang::edit::{apply, Edit, MergeInput};
use crate::lang::text::line_start;
use crate::lang::{MergeError, Merged};
use super::items::{self, Item, Kind, RustFile};
use super::uses::{self, UseLeaf};
use super::{indentation_at, Segment};

/// Merges the items of `addition` (Rust code: `use` items and items, functions inside their `impl`,
/// `trait` or `mod` blocks) into `source`.
pub fn merge(source: &str, addition: &str) -> Result<Merged, MergeError> {
    merge_keeping(source, addition, &[])
}

/// As [`merge`], leaving the source's items whose identity is in `keep` as they are.
pub fn merge_keeping(source: &str, addition: &str, keep: &[String]) -> Result<Merged, MergeError> {
    let MergeInput {
        bom,
        body,
        addition,
        eol,
    } = MergeInput::new(source, addition);
    let addition = addition.as_str();
    let add = items::list(addition).map_err(|e| MergeError::AdditionSyntax(e.to_string()))?;
    let src = items::list(body).map_err(|e| MergeError::SourceSyntax(e.to_string()))?;
    check_duplicates(&add)?;
    let ctx = Context {
        body,
        addition,
        eol,
        src,
        add,
        keep,
    };
    let mut merged = Merged::default();
    let mut edits = ctx.use_edits(&mut merged);
    edits.extend(ctx.item_edits(&mut merged)?);
    let text = apply(body, edits);
    if let Err(error) = items::list(&text) {
        return Err(MergeError::ResultSyntax(error.to_string()));
    }
    merged.text = format!("{bom}{text}");
    Ok(merged)
}

fn check_duplicates(add: &RustFile) -> Result<(), MergeError> {
    let mut seen: Vec<String> = Vec::new();
    for identity in add.items.iter().filter_map(Item::identity) {
        if seen.contains(&identity) {
            return Err(MergeError::Duplicate(identity));
        }
        seen.push(identity);
    }
    Ok(())
}

struct Context<'a> {
    body: &'a str,
    addition: &'a str,
    eol: &'static str,
    src: RustFile,
    add: RustFile,
    /// Identities whose source items are not replaced.
    keep: &'a [String],
}

impl Context<'_> {
    /// Whether the source has every block of `path`.
    fn has_path(&self, path: &[Segment]) -> bool {
        (1..=path.len()).all(|len| !self.src.blocks(&path[..len]).is_empty())
    }

    /// The source block items of `path` go into: the one already holding a function the addition's
    /// block brings (an `impl` may be split over several blocks), else the first.
    fn target_block(&self, path: &[Segment]) -> Option<&Item> {
        let candidates = self.src.blocks(path);
        let wanted: Vec<&str> = self
            .add
            .members(path)
            .filter(|m| m.kind == Kind::Fn)
            .map(|m| m.name.as_str())
            .collect();
        candidates
            .iter()
            .find(|block| {
                let inside = block.body.clone().unwrap_or_default();
                self.src.members(path).any(|m| {
                    m.kind == Kind::Fn
                        && wanted.contains(&m.name.as_str())
                        && inside.contains(&m.span.start)
                })
            })
            .or(candidates.first())
            .copied()
    }

    fn item_edits(&self, merged: &mut Merged) -> Result<Vec<Edit>, MergeError> {
        let mut edits = Vec::new();
        for item in &self.add.items {
            if !self.has_path(&item.scope) {
                continue; // Comes with a block added whole.
            }
            match &item.kind {
                Kind::Fn | Kind::Named(_) => {
                    let identity = item.identity().unwrap_or_default();
                    match self.src.find_all(&identity).as_slice() {
                        [] => {
                            edits.push(self.insert_into(&item.scope, item));
                            merged.added.push(identity);
                        }
                        [_] if self.keep.contains(&identity) => {}
                        [existing] => {
                            if let Some(edit) = self.replacement(existing, item) {
                                edits.push(edit);
                                merged.replaced.push(identity);
                            }
                        }
                        many => {
                            return Err(MergeError::Ambiguous {
                                declaration: identity,
                                found: many
                                    .iter()
                                    .map(|m| self.body[m.decl.clone()].lines().next().unwrap_or(""))
                                    .collect::<Vec<_>>()
                                    .join("; "),
                            })
                        }
                    }
                }
                Kind::Block(_) => {
                    let path = item.block_path().unwrap_or_default();
                    if !self.has_path(&path) {
                        edits.push(self.insert_into(&item.scope, item));
                        merged.added.extend(self.identities_within(&path));
                    }
                }
                Kind::Other => {
                    let known = self
                        .src
                        .members(&item.scope)
                        .any(|m| m.kind == Kind::Other && m.tokens == item.tokens);
                    if !known {
                        edits.push(self.insert_into(&item.scope, item));
                    }
                }
                Kind::Use(_) => {}
            }
        }
        Ok(edits)
    }

    /// The identities of the addition's items inside the block at `path`, for reporting.
    fn identities_within(&self, path: &[Segment]) -> Vec<String> {
        let found: Vec<String> = self
            .add
            .items
            .iter()
            .filter(|item| item.scope.starts_with(path))
            .filter_map(Item::identity)
            .collect();
        if found.is_empty() {
            vec![super::identity(path, "").trim_end_matches("::").to_string()]
        } else {
            found
        }
    }

    /// Replaces `existing` by `item`. The source's `///` doc comment and `#[…]` attributes are the
    /// user's and stay; `item`'s are used only where the source had none. `None` when the tokens are
    /// already the same.
    fn replacement(&self, existing: &Item, item: &Item) -> Option<Edit> {
        let (range, from, same) = if item.has_attrs && !existing.has_attrs {
            (
                existing.span.clone(),
                item.span.clone(),
                existing.tokens == item.tokens,
            )
        } else {
            (
                existing.decl.clone(),
                item.decl.clone(),
                existing.decl_tokens == item.decl_tokens,
            )
        };
        if same {
            return None;
        }
        let to_indent = indentation_at(self.body, range.start);
        let text = self.reindented(from, to_indent, false);
        (self.body[range.clone()] != text).then_some(Edit { range, text })
    }

    /// The addition's text at `range` in the source's line endings, its lines after the first moved from
    /// the addition's indentation to `to_indent` (the first too when `indent_first`).
    fn reindented(&self, range: Range<usize>, to_indent: &str, indent_first: bool) -> String {
        let from_indent = indentation_at(self.addition, range.start);
        let text = &self.addition[range];
        let mut out = String::with_capacity(text.len());
        for (index, line) in text.split('\n').enumerate() {
            if index > 0 {
                out.push_str(self.eol);
            }
            if index == 0 {
                if indent_first {
                    out.push_str(to_indent);
                }
                out.push_str(line);
            } else if line.trim().is_empty() {
                continue;
            } else if let Some(rest) = line.strip_prefix(from_indent) {
                out.push_str(to_indent);
                out.push_str(rest);
            } else {
                out.push_str(line);
            }
        }
        out
    }

    /// Inserts `item` (with its attributes) at the end of the source block at `scope`, or of the file.
    fn insert_into(&self, scope: &[Segment], item: &Item) -> Edit {
        let eol = self.eol;
        let Some(block) = (!scope.is_empty())
            .then(|| self.target_block(scope))
            .flatten()
        else {
            let mut text = String::new();
            if !self.body.is_empty() && !self.body.ends_with('\n') {
                text.push_str(eol);
            }
            text.push_str(eol);
            text.push_str(&self.reindented(item.span.clone(), "", true));
            text.push_str(eol);
            return Edit {
                range: self.body.len()..self.body.len(),
                text,
            };
        };
        let body = block.body.clone().unwrap_or_default();
        let close = body.end;
        let block_indent = indentation_at(self.body, block.decl.start);
        let member_indent = self.member_indent(scope, block, block_indent);
        let has_members = self
            .src
            .members(scope)
            .any(|m| body.contains(&m.span.start));
        let item_text = self.reindented(item.span.clone(), &member_indent, true);
        let brace_line = line_start(self.body, close);
        if self.body[brace_line..close].trim().is_empty() {
            let separator = if has_members { eol } else { "" };
            Edit {
                range: brace_line..brace_line,
                text: format!("{separator}{item_text}{eol}"),
            }
        } else {
            // `impl X {}` or `fn f() {}` on one line: the brace goes to a line of its own.
            Edit {
                range: close..close,
                text: format!("{eol}{item_text}{eol}{block_indent}"),
            }
        }
    }

    /// The indentation of a block's members: its first member's, else the block's plus one level.
    fn member_indent(&self, scope: &[Segment], block: &Item, block_indent: &str) -> String {
        let body = block.body.clone().unwrap_or_default();
        if let Some(first) = self
            .src
            .members(scope)
            .find(|m| body.contains(&m.span.start))
        {
            return indentation_at(self.body, first.span.start).to_string();
        }
        let unit = if block_indent.contains('\t') {
            "\t"
        } else {
            "    "
        };
        format!("{block_indent}{unit}")
    }

    /// The `use` paths of the addition the source lacks, each put where rustfmt would sort it among
    /// the `use` items of its block (or before the block's first item when it has none).
    fn use_edits(&self, merged: &mut Merged) -> Vec<Edit> {
        let mut added: Vec<(Vec<Segment>, UseLeaf)> = Vec::new();
        let mut by_scope: Vec<(Vec<Segment>, Vec<String>)> = Vec::new();
        for item in &self.add.items {
            let Kind::Use(leaves) = &item.kind else {
                continue;
            };
            if !self.has_path(&item.scope) {
                continue;
            }
            let known: Vec<&UseLeaf> = self
                .src
                .members(&item.scope)
                .filter_map(|m| match &m.kind {
                    Kind::Use(leaves) => Some(leaves),
                    _ => None,
                })
                .flatten()
                .collect();
            let missing: Vec<&UseLeaf> = leaves
                .iter()
                .filter(|leaf| !known.contains(leaf))
                .filter(|leaf| !added.contains(&(item.scope.clone(), (*leaf).clone())))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let written = &self.addition[item.decl.clone()];
            let texts: Vec<String> = if missing.len() == leaves.len() {
                vec![written.to_string()]
            } else {
                let visibility = written.split("use").next().unwrap_or("");
                missing
                    .iter()
                    .map(|leaf| format!("{visibility}use {leaf};"))
                    .collect()
            };
            for leaf in &missing {
                merged.imports_added.push(leaf.to_string());
                added.push((item.scope.clone(), (*leaf).clone()));
            }
            match by_scope.iter_mut().find(|(scope, _)| *scope == item.scope) {
                Some((_, all)) => all.extend(texts),
                None => by_scope.push((item.scope.clone(), texts)),
            }
        }
        let mut edits = Vec::new();
        for (scope, texts) in by_scope {
            let has_uses = self
                .src
                .members(&scope)
                .any(|m| matches!(m.kind, Kind::Use(_)));
            if has_uses {
                for text in texts {
                    edits.push(self.use_insertion(&scope, &text));
                }
            } else {
                edits.push(self.use_insertion(&scope, &texts.join("\n")));
            }
        }
        edits
    }

    fn use_insertion(&self, scope: &[Segment], text: &str) -> Edit {
        let eol = self.eol;
        let block = (!scope.is_empty())
            .then(|| self.target_block(scope))
            .flatten();
        let inside = |item: &&Item| {
            block
                .and_then(|b| b.body.clone())
                .is_none_or(|body| body.contains(&item.span.start))
        };
        let members: Vec<&Item> = self.src.members(scope).filter(inside).collect();
        let indent = match members.first() {
            Some(first) => indentation_at(self.body, first.span.start).to_string(),
            None => block.map_or_else(String::new, |b| {
                format!("{}    ", indentation_at(self.body, b.decl.start))
            }),
        };
        let lines: String = text
            .lines()
            .map(|line| format!("{indent}{line}{eol}"))
            .collect();
        let existing: Vec<uses::Existing> = members
            .iter()
            .filter(|m| matches!(m.kind, Kind::Use(_)))
            .map(|m| uses::Existing {
                span: m.span.clone(),
                text: &self.body[m.decl.clone()],
            })
            .collect();
        if let Some(at) = uses::insertion_point(self.body, &existing, text) {
            let lines = if at == self.body.len() && !self.body.ends_with('\n') {
                format!("{eol}{}", lines.trim_end_matches(eol))
            } else {
                lines
            };
            return Edit {
                range: at..at,
                text: lines,
            };
        }
        match members.first() {
            Some(first) => {
                let at = line_start(self.body, first.span.start);
                Edit {
                    range: at..at,
                    text: format!("{lines}{eol}"),
                }
            }
            None => match block.and_then(|b| b.body.clone()) {
                Some(body) => Edit {
                    range: body.start..body.start,
                    text: format!("{eol}{}", lines.trim_end_matches(eol)),
                },
                None => Edit {
                    range: self.body.len()..self.body.len(),
                    text: lines,
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::edit::BOM;

    const SOURCE: &str = r#"//! The store.

use std::collections::HashMap;

/// Keeps users.
pub struct Store {
    users: HashMap<u64, String>,
}

impl Repo for Store {
    /// Gets one.
    fn get(&self, id: u64) -> Option<String> {
        todo!()
    }

    fn count(&self) -> usize {
        self.users.len()   // keep   this   spacing
    }
}

impl Store {
    pub fn new() -> Store {
        Store { users: HashMap::new() }
    }
}
"#;

    const ADDITION: &str = r#"use std::collections::{HashMap, BTreeMap};
use std::fmt::Write as _;

impl Repo for Store {
    /// Gets one, for real.
    fn get(&self, user_id: u64) -> Option<String> {
        self.users.get(&user_id).cloned()
    }

    fn count(&self) -> usize {
        self.users.len()
    }
}

impl Store {
    /// Clears everything.
    pub fn clear(&mut self) {
        self.users.clear();
    }
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} users", self.users.len())
    }
}

const LIMIT: usize = 10;
"#;

    #[test]
    fn replaces_inserts_and_unites_uses_byte_for_byte() {
        let merged = merge(SOURCE, ADDITION).unwrap();
        let expected = r#"//! The store.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Keeps users.
pub struct Store {
    users: HashMap<u64, String>,
}

impl Repo for Store {
    /// Gets one.
    fn get(&self, user_id: u64) -> Option<String> {
        self.users.get(&user_id).cloned()
    }

    fn count(&self) -> usize {
        self.users.len()   // keep   this   spacing
    }
}

impl Store {
    pub fn new() -> Store {
        Store { users: HashMap::new() }
    }

    /// Clears everything.
    pub fn clear(&mut self) {
        self.users.clear();
    }
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} users", self.users.len())
    }
}

const LIMIT: usize = 10;
"#;
        assert_eq!(merged.text, expected);
        assert_eq!(merged.replaced, ["<Store as Repo>::get"]);
        assert_eq!(
            merged.added,
            ["Store::clear", "<Store as Display>::fmt", "const LIMIT"]
        );
        assert_eq!(
            merged.imports_added,
            ["std::collections::BTreeMap", "std::fmt::Write as _"]
        );
    }

    #[test]
    fn merging_twice_changes_nothing() {
        let once = merge(SOURCE, ADDITION).unwrap().text;
        let twice = merge(&once, ADDITION).unwrap();
        assert_eq!(twice.text, once);
        assert!(twice.changed().is_empty(), "{twice:?}");
        assert!(twice.imports_added.is_empty());
    }

    #[test]
    fn the_source_doc_and_attributes_stay_and_the_answer_doc_fills_only_a_gap() {
        let source = "impl S {\n    /// Deactivates the user; false when unknown.\n    #[must_use]\n    #[inline(never)]\n    pub fn deactivate(&mut self, id: u64) -> bool {\n        todo!()\n    }\n\n    pub fn bare(&self) -> u8 {\n        todo!()\n    }\n}\n";
        let addition = "impl S {\n    /// Deactivates.\n    #[inline]\n    pub fn deactivate(&mut self, id: u64) -> bool {\n        self.users.remove(&id).is_some()\n    }\n\n    /// Bare.\n    pub fn bare(&self) -> u8 {\n        1\n    }\n}\n";
        let merged = merge(source, addition).unwrap();
        assert_eq!(
            merged.text,
            "impl S {\n    /// Deactivates the user; false when unknown.\n    #[must_use]\n    #[inline(never)]\n    pub fn deactivate(&mut self, id: u64) -> bool {\n        self.users.remove(&id).is_some()\n    }\n\n    /// Bare.\n    pub fn bare(&self) -> u8 {\n        1\n    }\n}\n"
        );
        assert_eq!(merged.replaced, ["S::deactivate", "S::bare"]);
    }

    #[test]
    fn without_doc_the_source_doc_stays_and_nesting_is_followed() {
        let source = "mod a {\n    pub mod b {\n        impl S {\n            /// Doc.\n            fn f(&self) -> u8 {\n                todo!()\n            }\n        }\n    }\n}\n";
        let addition = "mod a {\npub mod b {\nimpl S {\nfn f(&self) -> u8 {\n    let x = 1;\n    x + 1\n}\nfn g() {}\n}\n}\n}\n";
        let merged = merge(source, addition).unwrap();
        assert_eq!(
            merged.text,
            "mod a {\n    pub mod b {\n        impl S {\n            /// Doc.\n            fn f(&self) -> u8 {\n                let x = 1;\n                x + 1\n            }\n\n            fn g() {}\n        }\n    }\n}\n"
        );
        assert_eq!(merged.replaced, ["a::b::S::f"]);
        assert_eq!(merged.added, ["a::b::S::g"]);
    }

    #[test]
    fn trait_default_methods_and_one_line_blocks() {
        let source = "trait T {\n    fn d(&self) -> u8 { unimplemented!() }\n}\n\nimpl S {}\n";
        let addition = "trait T {\n    fn d(&self) -> u8 {\n        7\n    }\n}\n\nimpl S {\n    fn n() {}\n}\n";
        let merged = merge(source, addition).unwrap();
        assert_eq!(
            merged.text,
            "trait T {\n    fn d(&self) -> u8 {\n        7\n    }\n}\n\nimpl S {\n    fn n() {}\n}\n"
        );
    }

    #[test]
    fn crlf_and_bom_are_kept() {
        let source = format!("{BOM}{}", SOURCE.replace('\n', "\r\n"));
        let merged = merge(&source, ADDITION).unwrap();
        assert!(merged.text.starts_with(BOM));
        assert!(!merged.text.replace("\r\n", "").contains('\n'));
        let lf = merge(SOURCE, ADDITION).unwrap().text;
        assert_eq!(merged.text, format!("{BOM}{}", lf.replace('\n', "\r\n")));
    }

    #[test]
    fn refuses_what_would_not_parse_or_is_unclear() {
        assert!(matches!(
            merge(SOURCE, "fn f( {"),
            Err(MergeError::AdditionSyntax(_))
        ));
        assert!(matches!(
            merge("fn broken( {", "fn f() {}"),
            Err(MergeError::SourceSyntax(_))
        ));
        assert!(matches!(
            merge(SOURCE, "fn f() {}\nfn f() {}\n"),
            Err(MergeError::Duplicate(_))
        ));
        let twice = "#[cfg(unix)]\nfn f() {}\n#[cfg(windows)]\nfn f() {}\n";
        assert!(matches!(
            merge(twice, "fn f() { todo!() }"),
            Err(MergeError::Ambiguous { .. })
        ));
    }

    #[test]
    fn uses_into_a_file_without_any_and_partial_groups() {
        let merged = merge("fn a() {}\n", "use std::io;\n\nfn b() {}\n").unwrap();
        assert_eq!(merged.text, "use std::io;\n\nfn a() {}\n\nfn b() {}\n");
        let merged = merge(
            "use std::io;\n\nfn a() {}\n",
            "pub(crate) use std::{io, fmt};\n",
        )
        .unwrap();
        assert_eq!(
            merged.text,
            "pub(crate) use std::fmt;\nuse std::io;\n\nfn a() {}\n"
        );
    }
}
