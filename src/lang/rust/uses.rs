//! `use` items as the single paths they import, so two files' imports can be compared and united:
//! `use std::{io, collections::HashMap as Map};` imports `std::io` and `std::collections::HashMap as Map`.

use std::fmt;

use syn::UseTree;

/// One imported path: `std::collections::HashMap`, `crate::store::*`, or with a rename.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UseLeaf {
    /// `a::b::C`, `a::b::*`; `::a::b` for a leading `::`. `a::b::{self}` is `a::b`.
    pub path: String,
    pub rename: Option<String>,
}

impl fmt::Display for UseLeaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(rename) = &self.rename {
            write!(f, " as {rename}")?;
        }
        Ok(())
    }
}

/// The paths a `use` item imports, in the order written.
pub fn leaves(item: &syn::ItemUse) -> Vec<UseLeaf> {
    let mut out = Vec::new();
    let mut prefix: Vec<String> = Vec::new();
    if item.leading_colon.is_some() {
        prefix.push(String::new());
    }
    walk(&item.tree, &mut prefix, &mut out);
    out
}

fn walk(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<UseLeaf>) {
    let joined = |prefix: &[String], last: Option<&str>| {
        let mut parts: Vec<&str> = prefix.iter().map(String::as_str).collect();
        parts.extend(last);
        parts.join("::")
    };
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            walk(&path.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Name(name) => {
            let ident = name.ident.to_string();
            let path = if ident == "self" {
                joined(prefix, None)
            } else {
                joined(prefix, Some(&ident))
            };
            out.push(UseLeaf { path, rename: None });
        }
        UseTree::Rename(rename) => {
            let ident = rename.ident.to_string();
            let path = if ident == "self" {
                joined(prefix, None)
            } else {
                joined(prefix, Some(&ident))
            };
            out.push(UseLeaf {
                path,
                rename: Some(rename.rename.to_string()),
            });
        }
        UseTree::Glob(_) => out.push(UseLeaf {
            path: joined(prefix, Some("*")),
            rename: None,
        }),
        UseTree::Group(group) => {
            for tree in &group.items {
                walk(tree, prefix, out);
            }
        }
    }
}

/// A `use` item already in a block: its byte range and its text.
pub struct Existing<'a> {
    pub span: std::ops::Range<usize>,
    pub text: &'a str,
}

/// The line start where a new `use` item (`new`, its text) goes among a block's `use` items, so that a
/// file sorted as rustfmt sorts stays sorted: into the group (a run of `use` lines with no blank line
/// between) whose paths share the most leading segments with it — else the last group — before the
/// first item ordered after it. `None` when the block has no `use` item.
pub fn insertion_point(body: &str, existing: &[Existing], new: &str) -> Option<usize> {
    let mut groups: Vec<Vec<&Existing>> = Vec::new();
    let mut previous_end: Option<usize> = None;
    for item in existing {
        let blank = previous_end.is_some_and(|end| {
            body.get(end..item.span.start)
                .is_none_or(|between| between.matches('\n').count() >= 2)
        });
        if blank || groups.is_empty() {
            groups.push(Vec::new());
        }
        if let Some(group) = groups.last_mut() {
            group.push(item);
        }
        previous_end = Some(item.span.end);
    }
    let key = sort_key(new);
    let shared = |text: &str| {
        key.iter()
            .zip(sort_key(text).iter())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let group = groups
        .iter()
        .enumerate()
        .map(|(index, group)| {
            let best = group
                .iter()
                .map(|item| shared(item.text))
                .max()
                .unwrap_or(0);
            (best, index)
        })
        .filter(|(best, _)| *best > 0)
        .max_by_key(|&(best, index)| (best, std::cmp::Reverse(index)))
        .map_or(groups.len().checked_sub(1)?, |(_, index)| index);
    let members = &groups[group];
    let line_start = |at: usize| body[..at].rfind('\n').map_or(0, |i| i + 1);
    let next_line = |at: usize| body[at..].find('\n').map_or(body.len(), |i| at + i + 1);
    Some(
        match members
            .iter()
            .find(|item| compare(&sort_key(item.text), &key).is_gt())
        {
            Some(next) => line_start(next.span.start),
            None => next_line(members.last()?.span.end),
        },
    )
}

/// The path of a `use` item as segments, visibility and `use` removed: `pub use a::{b, c};` gives
/// `a`, `{b, c}`.
fn sort_key(text: &str) -> Vec<String> {
    let squeezed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let tree = squeezed
        .split_once("use ")
        .map_or(squeezed.as_str(), |(_, tree)| tree)
        .trim_end_matches(';')
        .trim();
    let mut segments = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    let mut chars = tree.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ':' if depth == 0 && chars.peek() == Some(&':') => {
                chars.next();
                segments.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    segments.push(current);
    segments
}

/// Segment by segment: `self`, `super`, `crate` first, names before `{…}` groups, then by text.
fn compare(a: &[String], b: &[String]) -> std::cmp::Ordering {
    let rank = |segment: &str| match segment {
        "self" => 0,
        "super" => 1,
        "crate" => 2,
        s if s.starts_with('{') => 4,
        _ => 3,
    };
    for (x, y) in a.iter().zip(b) {
        let order = rank(x).cmp(&rank(y)).then_with(|| x.cmp(y));
        if order.is_ne() {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(code: &str) -> Vec<String> {
        let item: syn::ItemUse = syn::parse_str(code).unwrap();
        leaves(&item).iter().map(UseLeaf::to_string).collect()
    }

    #[test]
    fn new_uses_go_where_rustfmt_would_sort_them() {
        let body =
            "use std::fmt;\nuse std::io;\n\nuse crate::model::{A, B};\nuse crate::store::S;\n";
        let existing: Vec<Existing> = body
            .match_indices("use ")
            .map(|(start, _)| {
                let end = start + body[start..].find(';').unwrap() + 1;
                Existing {
                    span: start..end,
                    text: &body[start..end],
                }
            })
            .collect();
        let at = |new: &str| insertion_point(body, &existing, new).unwrap();
        assert_eq!(
            &body[at("use crate::model::email;")..],
            "use crate::model::{A, B};\nuse crate::store::S;\n"
        );
        assert_eq!(&body[at("use crate::zoo::Z;")..], "");
        assert_eq!(
            &body[at("use std::collections::HashMap;")..][..13],
            "use std::fmt;"
        );
        assert_eq!(insertion_point("", &[], "use a::b;"), None);
    }

    #[test]
    fn trees_flatten_to_paths() {
        assert_eq!(
            of("use std::{io::{self, Write as _}, collections::*, fmt};"),
            [
                "std::io",
                "std::io::Write as _",
                "std::collections::*",
                "std::fmt"
            ]
        );
        assert_eq!(of("use ::serde::Serialize;"), ["::serde::Serialize"]);
        assert_eq!(of("use crate::a::{self as b};"), ["crate::a as b"]);
    }
}
