//! Rust, read with syn (the full syntax tree) and proc-macro2's span locations: the [`Rust`] language.
//!
//! This module owns the Rust-specific facts every submodule shares: parsing a file (a BOM and a shebang
//! line allowed) with byte offsets that point into the text as given, the path of blocks an item sits in
//! (`mod`, `impl`, `trait`) and the identities built from it, doc comments, and where an item starts with
//! and without its attributes. Finding stubs, outlining, listing an answer's items and merging live in
//! the submodules.
//!
//! syn does not recover from syntax errors: a file that does not parse yields an error (line, column,
//! message), never a partial tree and never a panic.

mod check;
mod crate_items;
pub mod definitions;
mod format;
pub mod items;
pub mod merge;
pub mod outline;
mod redefinitions;
mod reads;
pub mod stubs;
mod toolchain;
mod uses;

use std::cell::Cell;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::process::Command;

use crate::lang::text::line_start;
use crate::lang::{
    Block, CheckedFile, Definition, Dialect, Expected, Language, Markers, MergeError, Merged,
    OtherFunctions, Problems, ProjectFiles, ProtoRef, Stub,
};

use proc_macro2::Span;
use syn::{AttrStyle, Attribute, Expr, Lit, Meta, Visibility};

const BOM: &str = "\u{feff}";

static DIALECT: Dialect = Dialect {
    name: "rust",
    display_name: "Rust",
    suffixes: &[".rs"],
    skipped_suffixes: &[],
    skipped_infixes: &[],
    skipped_dirs: &[],
    output_dirs: &["target"],
    project_files: &["Cargo.toml"],
    line_comment: "//",
    fence_labels: &["rust", "rs"],
    code_starts: &[
        "fn ", "pub ", "impl ", "impl<", "use ", "trait ", "mod ", "async fn ",
    ],
    unfenced_starts: &[
        "use ", "fn ", "pub ", "impl ", "impl<", "trait ", "mod ", "async fn ", "// file:", "//file:",
    ],
    function_starts: &["fn ", "pub fn "],
    marker_needles: &["todo!", "unimplemented!", "implement me"],
    template_folder: "rust/",
    templates: crate::templates!("rust/": "system.j2", "user.j2"),
    import_shown: ("use ", ""),
};

/// The Rust language.
pub struct Rust;

impl Language for Rust {
    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }

    fn find_stubs(&self, source: &str, markers: &Markers) -> Result<Vec<Stub>, String> {
        stubs::find_stubs(source, markers)
    }

    fn outline(&self, source: &str, others: OtherFunctions) -> String {
        outline::outline(source, others)
    }

    fn stub_excerpt(&self, source: &str, stub: &Stub) -> String {
        stubs::excerpt(source, stub)
    }

    fn parses(&self, code: &str) -> bool {
        syntax_error(code).is_none()
    }

    fn check(&self, blocks: Vec<Block>, expected: &Expected) -> Result<Vec<CheckedFile>, Problems> {
        check::check(blocks, expected)
    }

    fn merge_keeping(
        &self,
        source: &str,
        addition: &str,
        keep: &[String],
    ) -> Result<Merged, MergeError> {
        merge::merge_keeping(source, addition, keep)
    }

    fn formatter(&self, source_path: &Path) -> Option<Command> {
        format::rustfmt(source_path)
    }

    fn toolchain(&self) -> Option<&'static dyn crate::lang::Toolchain> {
        Some(&toolchain::CargoCheck)
    }

    fn proto_refs(&self, stub: &Stub) -> Vec<ProtoRef> {
        definitions::type_names(&stub.signature)
            .into_iter()
            .map(ProtoRef::Type)
            .collect()
    }

    fn definitions(
        &self,
        stubs: &[Stub],
        current: &str,
        project: &mut dyn FnMut() -> std::sync::Arc<ProjectFiles>,
    ) -> Vec<Definition> {
        crate_items::CrateIndex::new(&project()).definitions_for(stubs, current)
    }
}

/// Where a text stops parsing, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for SyntaxError {}

thread_local! {
    // How many `with_file` calls are running on this thread: spans die when the outermost one ends.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Ends a `with_file` call: the outermost one frees the thread's span table, which proc-macro2 would
/// otherwise keep growing with every file parsed on the thread.
struct SpanScope;

impl SpanScope {
    fn enter() -> SpanScope {
        DEPTH.with(|depth| depth.set(depth.get() + 1));
        SpanScope
    }
}

impl Drop for SpanScope {
    fn drop(&mut self) {
        DEPTH.with(|depth| {
            let left = depth.get().saturating_sub(1);
            depth.set(left);
            if left == 0 {
                proc_macro2::extra::invalidate_current_thread_spans();
            }
        });
    }
}

/// Spans of one parsed file, turned into positions in the text as given (BOM included).
pub struct Text<'s> {
    source: &'s str,
    /// Bytes before the parsed text: a BOM.
    offset: usize,
}

impl<'s> Text<'s> {
    pub fn source(&self) -> &'s str {
        self.source
    }

    /// Byte range of a span in the source.
    pub fn range(&self, span: Span) -> Range<usize> {
        let range = span.byte_range();
        range.start + self.offset..range.end + self.offset
    }

    pub fn start(&self, span: Span) -> usize {
        self.range(span).start
    }

    pub fn end(&self, span: Span) -> usize {
        self.range(span).end
    }

    /// 1-based line and column (in characters) of a span's start.
    pub fn line_column(&self, span: Span) -> (usize, usize) {
        let start = span.start();
        (start.line, start.column + 1)
    }

    pub fn slice(&self, range: Range<usize>) -> &'s str {
        self.source.get(range).unwrap_or("")
    }
}

/// Parses `source` and hands the tree to `read`, which turns it into owned facts: spans mean nothing
/// once `read` returns.
pub fn with_file<R>(
    source: &str,
    read: impl FnOnce(&syn::File, &Text) -> R,
) -> Result<R, SyntaxError> {
    let _scope = SpanScope::enter();
    let body = source.strip_prefix(BOM).unwrap_or(source);
    let offset = source.len() - body.len();
    // A shebang line is not Rust: blank it out, keeping every byte offset.
    let blanked;
    let text = match shebang_len(body) {
        Some(len) => {
            blanked = format!("{}{}", " ".repeat(len), &body[len..]);
            blanked.as_str()
        }
        None => body,
    };
    let file = syn::parse_str::<syn::File>(text).map_err(|error| {
        let start = error.span().start();
        SyntaxError {
            line: start.line.max(1),
            column: start.column + 1,
            message: error.to_string(),
        }
    })?;
    Ok(read(&file, &Text { source, offset }))
}

/// The length of a `#!…` first line that is not an inner attribute (`#![…]`).
fn shebang_len(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("#!")?;
    if rest.trim_start().starts_with('[') {
        return None;
    }
    Some(text.find('\n').unwrap_or(text.len()))
}

/// Why `source` does not parse, or `None` when it does.
pub fn syntax_error(source: &str) -> Option<SyntaxError> {
    with_file(source, |_, _| ()).err()
}

/// One block an item sits in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// `mod name { … }`
    Mod(String),
    /// `impl Trait for Type { … }` or `impl Type { … }`, by the names only (no generics, no path).
    Impl {
        self_ty: String,
        trait_name: Option<String>,
    },
    /// `trait Name { … }`
    Trait(String),
}

impl Segment {
    pub fn of_impl(item: &syn::ItemImpl) -> Segment {
        Segment::Impl {
            self_ty: type_name(&item.self_ty),
            trait_name: item
                .trait_
                .as_ref()
                .and_then(|(_, path, _)| path.segments.last())
                .map(|segment| segment.ident.to_string()),
        }
    }

    /// What a method's stub reports as its receiver: the self type, or the trait of a default method.
    pub fn receiver(&self) -> Option<&str> {
        match self {
            Segment::Mod(_) => None,
            Segment::Impl { self_ty, .. } => Some(self_ty),
            Segment::Trait(name) => Some(name),
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Mod(name) | Segment::Trait(name) => f.write_str(name),
            Segment::Impl {
                self_ty,
                trait_name: None,
            } => f.write_str(self_ty),
            Segment::Impl {
                self_ty,
                trait_name: Some(trait_name),
            } => write!(f, "<{self_ty} as {trait_name}>"),
        }
    }
}

/// `a::<Store as Repo>::get`: the blocks' names and the item's, joined with `::`.
pub fn identity(scope: &[Segment], name: &str) -> String {
    let mut out = String::new();
    for segment in scope {
        out.push_str(&segment.to_string());
        out.push_str("::");
    }
    out.push_str(name);
    out
}

/// The trait and self type an identity names in its last `<Type as Trait>` block, if any.
pub fn trait_impl_of(identity: &str) -> Option<(&str, &str)> {
    let open = identity.rfind('<')?;
    let inner = &identity[open + 1..];
    let close = inner.find('>')?;
    let (self_ty, trait_name) = inner[..close].split_once(" as ")?;
    Some((self_ty, trait_name))
}

/// The name a type is known by: `Store` for `Store<T>`, `&mut crate::Store`, `Box<Store>` gives `Box`.
pub fn type_name(ty: &syn::Type) -> String {
    use syn::Type;
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map_or_else(String::new, |segment| segment.ident.to_string()),
        Type::Reference(reference) => type_name(&reference.elem),
        Type::Paren(paren) => type_name(&paren.elem),
        Type::Group(group) => type_name(&group.elem),
        Type::Ptr(pointer) => type_name(&pointer.elem),
        Type::TraitObject(object) => object
            .bounds
            .iter()
            .find_map(|bound| match bound {
                syn::TypeParamBound::Trait(bound) => bound.path.segments.last(),
                _ => None,
            })
            .map_or_else(String::new, |segment| segment.ident.to_string()),
        other => tokens_text(other).replace(' ', ""),
    }
}

/// Token text, as proc-macro2 prints it (one space between tokens): equal for code that differs only in
/// whitespace and comments.
pub fn tokens_text(tokens: &impl quote::ToTokens) -> String {
    tokens.to_token_stream().to_string()
}

fn is_outer(attr: &Attribute) -> bool {
    matches!(attr.style, AttrStyle::Outer)
}

/// The text of the outer doc comments (`///`, `/** */`, `#[doc = "…"]`), one line per line, the one
/// space after `///` removed; empty when there are none.
pub fn doc_text(attrs: &[Attribute]) -> String {
    let mut lines: Vec<String> = Vec::new();
    for attr in attrs.iter().filter(|a| is_outer(a)) {
        let Some(value) = doc_value(attr) else {
            continue;
        };
        for line in value.split('\n') {
            let line = line.strip_prefix(' ').unwrap_or(line);
            lines.push(line.trim_end().to_string());
        }
    }
    let first = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(first, |i| i + 1);
    lines[first..last].join("\n")
}

fn doc_value(attr: &Attribute) -> Option<String> {
    let Meta::NameValue(meta) = &attr.meta else {
        return None;
    };
    if !meta.path.is_ident("doc") {
        return None;
    }
    match &meta.value {
        Expr::Lit(expr) => match &expr.lit {
            Lit::Str(text) => Some(text.value()),
            _ => None,
        },
        _ => None,
    }
}

/// Where the first outer attribute (doc comments included) starts.
pub fn attrs_start(attrs: &[Attribute], text: &Text) -> Option<usize> {
    attrs
        .iter()
        .filter(|a| is_outer(a))
        .map(|a| text.start(a.pound_token.span))
        .min()
}

pub fn has_outer_attrs(attrs: &[Attribute]) -> bool {
    attrs.iter().any(is_outer)
}

/// The span of a visibility's first token, if it has one.
pub fn visibility_span(vis: &Visibility) -> Option<Span> {
    match vis {
        Visibility::Public(token) => Some(token.span),
        Visibility::Restricted(restricted) => Some(restricted.pub_token.span),
        Visibility::Inherited => None,
    }
}

/// The earliest of the spans given, by byte position: where an item starts after its attributes.
pub fn first_start(spans: impl IntoIterator<Item = Option<Span>>, text: &Text) -> Option<usize> {
    spans.into_iter().flatten().map(|s| text.start(s)).min()
}

/// The whitespace that starts the line holding `byte`, when only whitespace stands before `byte`.
pub fn indentation_at(source: &str, byte: usize) -> &str {
    let prefix = &source[line_start(source, byte)..byte];
    if prefix.trim().is_empty() {
        prefix
    } else {
        &prefix[..prefix.len() - prefix.trim_start().len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_survive_a_bom_and_a_shebang() {
        let source = "\u{feff}#!/usr/bin/env run-cargo-script\nfn main() {}\n";
        let at = with_file(source, |file, text| match &file.items[0] {
            syn::Item::Fn(f) => text.range(f.sig.ident.span()),
            _ => 0..0,
        })
        .unwrap();
        assert_eq!(&source[at], "main");
        assert!(syntax_error("#![allow(unused)]\nfn f() {}\n").is_none());
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let error = syntax_error("fn f() {\n    let x = ;\n}\n").unwrap();
        assert_eq!(error.line, 2, "{error}");
        assert!(error.to_string().starts_with("2:"), "{error}");
    }

    #[test]
    fn identities_and_type_names() {
        let scope = [
            Segment::Mod("store".into()),
            Segment::Impl {
                self_ty: "Store".into(),
                trait_name: Some("Repo".into()),
            },
        ];
        let id = identity(&scope, "get");
        assert_eq!(id, "store::<Store as Repo>::get");
        assert_eq!(trait_impl_of(&id), Some(("Store", "Repo")));
        assert_eq!(trait_impl_of("Store::get"), None);
        let ty: syn::Type = syn::parse_str("&mut crate::store::Store<T>").unwrap();
        assert_eq!(type_name(&ty), "Store");
        let ty: syn::Type = syn::parse_str("dyn Repo + Send").unwrap();
        assert_eq!(type_name(&ty), "Repo");
    }

    #[test]
    fn doc_comments() {
        let item: syn::ItemFn =
            syn::parse_str("///\n/// Gets one.\n///   indented\n#[inline]\n/// last\nfn f() {}")
                .unwrap();
        assert_eq!(doc_text(&item.attrs), "Gets one.\n  indented\nlast");
    }
}
