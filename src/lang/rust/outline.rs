//! A Rust file as the model should see it: every item, but no function bodies.
//!
//! `use` items, types, consts, traits and the headers of `impl` blocks (their trait and self type) are
//! kept as written, comments included: they say what the code works with. Every function keeps its doc
//! comment and signature, its body elided to `{ … }` — constructors (`new`) excepted, which show how the
//! type is built — or, when the token budget asks for it, is left out entirely. `#[cfg(test)]` modules
//! are elided whole. A file that does not parse is shown as it is.

use std::ops::Range;

use syn::spanned::Spanned;
use syn::{ImplItem, Item, TraitItem};

use super::{with_file, Text};
use crate::lang::text::{line_start, next_line_start};
use crate::lang::OtherFunctions;

/// Renders the outline of `source`.
pub fn outline(source: &str, others: OtherFunctions) -> String {
    let edits = with_file(source, |file, text| {
        let mut edits = Vec::new();
        collect(&file.items, text, others, &mut edits);
        edits
    });
    let Ok(mut edits) = edits else {
        return source.to_string();
    };
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for (range, replacement) in edits {
        if range.start < at {
            continue;
        }
        out.push_str(&source[at..range.start]);
        out.push_str(replacement);
        at = range.end;
    }
    out.push_str(&source[at..]);
    crate::lang::text::collapse_blank_runs(&out)
}

type Edits = Vec<(Range<usize>, &'static str)>;

fn collect(items: &[Item], text: &Text, others: OtherFunctions, edits: &mut Edits) {
    for item in items {
        match item {
            Item::Fn(f) => function(
                text.range(f.span()),
                &f.sig,
                Some(&f.block),
                text,
                others,
                edits,
            ),
            Item::Impl(imp) => {
                for member in &imp.items {
                    if let ImplItem::Fn(f) = member {
                        function(
                            text.range(f.span()),
                            &f.sig,
                            Some(&f.block),
                            text,
                            others,
                            edits,
                        );
                    }
                }
            }
            Item::Trait(t) => {
                for member in &t.items {
                    if let TraitItem::Fn(f) = member {
                        let whole = text.range(f.span());
                        function(whole, &f.sig, f.default.as_ref(), text, others, edits);
                    }
                }
            }
            Item::Mod(m) => {
                if let Some((brace, items)) = &m.content {
                    if is_cfg_test(&m.attrs) {
                        let body = text.start(brace.span.open())..text.end(brace.span.close());
                        edits.push((body, "{ … }"));
                    } else {
                        collect(items, text, others, edits);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Elides or removes one function; `whole` is its range, attributes and doc comment included.
fn function(
    whole: Range<usize>,
    sig: &syn::Signature,
    block: Option<&syn::Block>,
    text: &Text,
    others: OtherFunctions,
    edits: &mut Edits,
) {
    let Some(block) = block else {
        return; // A trait's required method: a signature already.
    };
    if sig.ident == "new" {
        return;
    }
    match others {
        OtherFunctions::Signatures => {
            let body =
                text.start(block.brace_token.span.open())..text.end(block.brace_token.span.close());
            edits.push((body, "{ … }"));
        }
        OtherFunctions::Omitted => {
            let source = text.source();
            let line = line_start(source, whole.start);
            let range = if source[line..whole.start].trim().is_empty() {
                line..next_line_start(source, whole.end)
            } else {
                whole
            };
            edits.push((range, ""));
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"use std::collections::HashMap;

/// Keeps users.
pub struct Store {
    users: HashMap<u64, String>,
}

impl Store {
    pub fn new() -> Store {
        Store { users: HashMap::new() }
    }

    /// Counts.
    pub fn count(&self) -> usize {
        self.users.len()
    }
}

impl Repo for Store {
    fn get(&self, id: u64) -> Option<String> {
        todo!()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn it_works() {}
}
"#;

    #[test]
    fn elides_bodies_keeps_constructors_types_and_headers() {
        let out = outline(SOURCE, OtherFunctions::Signatures);
        assert!(out.starts_with("use std::collections::HashMap;\n\n/// Keeps users.\npub struct Store {\n    users: HashMap<u64, String>,\n}"), "{out}");
        assert!(
            out.contains("pub fn new() -> Store {\n        Store { users: HashMap::new() }\n    }")
        );
        assert!(out.contains("    /// Counts.\n    pub fn count(&self) -> usize { … }\n"));
        assert!(out.contains(
            "impl Repo for Store {\n    fn get(&self, id: u64) -> Option<String> { … }\n}"
        ));
        assert!(out.contains("#[cfg(test)]\nmod tests { … }"), "{out}");
    }

    #[test]
    fn omits_other_functions_when_asked() {
        let out = outline(SOURCE, OtherFunctions::Omitted);
        assert!(!out.contains("count"), "{out}");
        assert!(!out.contains("fn get"), "{out}");
        assert!(out.contains("pub fn new()"));
        assert!(out.contains("impl Repo for Store {\n}"), "{out}");
        assert!(!out.contains("\n\n\n"), "{out}");
    }

    #[test]
    fn a_file_that_does_not_parse_is_shown_as_it_is() {
        assert_eq!(outline("fn f( {", OtherFunctions::Signatures), "fn f( {");
    }
}
