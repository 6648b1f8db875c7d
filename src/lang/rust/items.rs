//! A Rust file's items, as `check` and `merge` need them.
//!
//! Every item of the file is listed, those inside inline modules, `impl` blocks and traits included, each
//! with the path of blocks it sits in, its byte ranges with and without its outer attributes (doc comments
//! are attributes), its token text (to compare items regardless of formatting and comments) and, for
//! functions, a signature that ignores parameter names. `use` items come with the paths they import.
//! What to do with these facts — compare, merge — belongs to the callers.

use std::ops::Range;

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, ImplItem, Item as SynItem, Pat, TraitItem, Visibility};

use super::uses::{self, UseLeaf};
use super::{identity, tokens_text, with_file, Segment, SyntaxError, Text};

/// What an item is, as far as merging goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A function or method (a trait's required method included).
    Fn,
    /// A block other items sit in: an inline `mod`, an `impl`, a `trait`.
    Block(Segment),
    /// Another item with a name: `struct`, `enum`, `union`, `type`, `const`, `static`, `mod` (a file
    /// module), `macro` (`macro_rules!`).
    Named(&'static str),
    /// A `use` item and the paths it imports.
    Use(Vec<UseLeaf>),
    /// What has no name to match by: item macros, `extern` blocks, `extern crate`, `const _`.
    Other,
}

/// One item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The blocks it sits in, outermost first.
    pub scope: Vec<Segment>,
    pub kind: Kind,
    /// The item's name (empty for `Use`, `Other` and blocks).
    pub name: String,
    /// Byte range including its outer attributes and doc comments.
    pub span: Range<usize>,
    /// Byte range of the item itself, outer attributes excluded.
    pub decl: Range<usize>,
    pub has_attrs: bool,
    /// Token text of the whole item, attributes included.
    pub tokens: String,
    /// Token text without the outer attributes.
    pub decl_tokens: String,
    /// For functions.
    pub signature: Option<Signature>,
    /// For blocks: the bytes between the braces.
    pub body: Option<Range<usize>>,
}

/// What a function's callers depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Visibility, qualifiers, name, generics, parameter types, result and `where` clause as tokens;
    /// parameter patterns are `_`, so renamed parameters still match.
    pub normalized: String,
    /// As written, up to the body.
    pub text: String,
}

impl Item {
    /// The identity it is matched by: `a::<Store as Repo>::get` for functions, `struct a::Store` for
    /// other named items; `None` for blocks, `use` items and nameless items.
    pub fn identity(&self) -> Option<String> {
        match &self.kind {
            Kind::Fn => Some(identity(&self.scope, &self.name)),
            Kind::Named(kind) => Some(format!("{kind} {}", identity(&self.scope, &self.name))),
            Kind::Block(_) | Kind::Use(_) | Kind::Other => None,
        }
    }

    /// For a block: the path it opens (its scope and itself).
    pub fn block_path(&self) -> Option<Vec<Segment>> {
        match &self.kind {
            Kind::Block(segment) => {
                let mut path = self.scope.clone();
                path.push(segment.clone());
                Some(path)
            }
            _ => None,
        }
    }
}

/// Every item of a file, in source order (a block before the items in it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RustFile {
    pub items: Vec<Item>,
}

impl RustFile {
    /// The items carrying `identity`.
    pub fn find_all(&self, identity: &str) -> Vec<&Item> {
        self.items
            .iter()
            .filter(|item| item.identity().as_deref() == Some(identity))
            .collect()
    }

    pub fn find(&self, identity: &str) -> Option<&Item> {
        self.items
            .iter()
            .find(|item| item.identity().as_deref() == Some(identity))
    }

    /// The blocks opening exactly `path`.
    pub fn blocks(&self, path: &[Segment]) -> Vec<&Item> {
        self.items
            .iter()
            .filter(|item| item.block_path().as_deref() == Some(path))
            .collect()
    }

    /// The items directly in the block at `path` (the file itself for an empty path).
    pub fn members<'a>(&'a self, path: &'a [Segment]) -> impl Iterator<Item = &'a Item> + 'a {
        self.items.iter().filter(move |item| item.scope == path)
    }
}

/// Lists the items of `source`; the syntax error when it does not parse.
pub fn list(source: &str) -> Result<RustFile, SyntaxError> {
    with_file(source, |file, text| {
        let mut lister = Lister {
            text,
            scope: Vec::new(),
            items: Vec::new(),
        };
        lister.items(&file.items);
        RustFile {
            items: lister.items,
        }
    })
}

struct Lister<'t, 's> {
    text: &'t Text<'s>,
    scope: Vec<Segment>,
    items: Vec<Item>,
}

/// The outer attributes of a node, for cloning it without them.
fn drop_outer(attrs: &mut Vec<Attribute>) {
    attrs.retain(|attr| !matches!(attr.style, syn::AttrStyle::Outer));
}

fn has_outer(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|attr| matches!(attr.style, syn::AttrStyle::Outer))
}

impl Lister<'_, '_> {
    /// Records a node: `bare` is the node without its outer attributes.
    fn push<T: ToTokens>(
        &mut self,
        node: &T,
        bare: &T,
        attrs: &[Attribute],
        kind: Kind,
        name: String,
    ) {
        let span = self.text.range(node.span());
        let decl = self.text.range(bare.span());
        self.items.push(Item {
            scope: self.scope.clone(),
            kind,
            name,
            span,
            decl,
            has_attrs: has_outer(attrs),
            tokens: tokens_text(node),
            decl_tokens: tokens_text(bare),
            signature: None,
            body: None,
        });
    }

    fn set_signature(&mut self, vis: &Visibility, sig: &syn::Signature, default: bool) {
        let text = self.text;
        let Some(item) = self.items.last_mut() else {
            return;
        };
        let end = sig.span();
        let written = text.slice(item.decl.start..text.end(end));
        item.signature = Some(Signature {
            normalized: normalized_signature(vis, sig, default),
            text: written.trim_end().to_string(),
        });
    }

    fn set_body(&mut self, brace: &syn::token::Brace) {
        let body = self.text.end(brace.span.open())..self.text.start(brace.span.close());
        if let Some(item) = self.items.last_mut() {
            item.body = Some(body);
        }
    }

    fn items(&mut self, items: &[SynItem]) {
        for item in items {
            self.item(item);
        }
    }

    fn item(&mut self, item: &SynItem) {
        let mut bare = item.clone();
        let attrs: &[Attribute] = match item_attrs(&mut bare) {
            Some(attrs) => {
                drop_outer(attrs);
                item_attrs_of(item)
            }
            None => &[],
        };
        let named = |kind: &'static str, ident: &syn::Ident| (Kind::Named(kind), ident.to_string());
        let (kind, name) = match item {
            SynItem::Fn(f) => {
                self.push(item, &bare, attrs, Kind::Fn, f.sig.ident.to_string());
                self.set_signature(&f.vis, &f.sig, false);
                return;
            }
            SynItem::Impl(imp) => {
                let segment = Segment::of_impl(imp);
                self.push(
                    item,
                    &bare,
                    attrs,
                    Kind::Block(segment.clone()),
                    String::new(),
                );
                self.set_body(&imp.brace_token);
                self.scope.push(segment);
                for member in &imp.items {
                    self.impl_item(member);
                }
                self.scope.pop();
                return;
            }
            SynItem::Trait(t) => {
                let segment = Segment::Trait(t.ident.to_string());
                self.push(
                    item,
                    &bare,
                    attrs,
                    Kind::Block(segment.clone()),
                    String::new(),
                );
                self.set_body(&t.brace_token);
                self.scope.push(segment);
                for member in &t.items {
                    self.trait_item(member);
                }
                self.scope.pop();
                return;
            }
            SynItem::Mod(m) => match &m.content {
                Some((brace, items)) => {
                    let segment = Segment::Mod(m.ident.to_string());
                    self.push(
                        item,
                        &bare,
                        attrs,
                        Kind::Block(segment.clone()),
                        String::new(),
                    );
                    self.set_body(brace);
                    self.scope.push(segment);
                    self.items(items);
                    self.scope.pop();
                    return;
                }
                None => named("mod", &m.ident),
            },
            SynItem::Struct(s) => named("struct", &s.ident),
            SynItem::Enum(e) => named("enum", &e.ident),
            SynItem::Union(u) => named("union", &u.ident),
            SynItem::Type(t) => named("type", &t.ident),
            SynItem::TraitAlias(t) => named("trait", &t.ident),
            SynItem::Const(c) if c.ident != "_" => named("const", &c.ident),
            SynItem::Static(s) => named("static", &s.ident),
            SynItem::Macro(m) => match &m.ident {
                Some(ident) => named("macro", ident),
                None => (Kind::Other, String::new()),
            },
            SynItem::Use(u) => (Kind::Use(uses::leaves(u)), String::new()),
            _ => (Kind::Other, String::new()),
        };
        self.push(item, &bare, attrs, kind, name);
    }

    fn impl_item(&mut self, member: &ImplItem) {
        let mut bare = member.clone();
        let (kind, name, attrs) = match (member, &mut bare) {
            (ImplItem::Fn(f), ImplItem::Fn(b)) => {
                drop_outer(&mut b.attrs);
                (Kind::Fn, f.sig.ident.to_string(), &f.attrs[..])
            }
            (ImplItem::Const(c), ImplItem::Const(b)) => {
                drop_outer(&mut b.attrs);
                (Kind::Named("const"), c.ident.to_string(), &c.attrs[..])
            }
            (ImplItem::Type(t), ImplItem::Type(b)) => {
                drop_outer(&mut b.attrs);
                (Kind::Named("type"), t.ident.to_string(), &t.attrs[..])
            }
            (ImplItem::Macro(m), ImplItem::Macro(b)) => {
                drop_outer(&mut b.attrs);
                (Kind::Other, String::new(), &m.attrs[..])
            }
            _ => (Kind::Other, String::new(), &[][..]),
        };
        self.push(member, &bare, attrs, kind, name);
        if let ImplItem::Fn(f) = member {
            self.set_signature(&f.vis, &f.sig, f.defaultness.is_some());
        }
    }

    fn trait_item(&mut self, member: &TraitItem) {
        let mut bare = member.clone();
        let (kind, name, attrs) = match (member, &mut bare) {
            (TraitItem::Fn(f), TraitItem::Fn(b)) => {
                drop_outer(&mut b.attrs);
                (Kind::Fn, f.sig.ident.to_string(), &f.attrs[..])
            }
            (TraitItem::Const(c), TraitItem::Const(b)) => {
                drop_outer(&mut b.attrs);
                (Kind::Named("const"), c.ident.to_string(), &c.attrs[..])
            }
            (TraitItem::Type(t), TraitItem::Type(b)) => {
                drop_outer(&mut b.attrs);
                (Kind::Named("type"), t.ident.to_string(), &t.attrs[..])
            }
            (TraitItem::Macro(m), TraitItem::Macro(b)) => {
                drop_outer(&mut b.attrs);
                (Kind::Other, String::new(), &m.attrs[..])
            }
            _ => (Kind::Other, String::new(), &[][..]),
        };
        self.push(member, &bare, attrs, kind, name);
        if let TraitItem::Fn(f) = member {
            self.set_signature(&Visibility::Inherited, &f.sig, false);
        }
    }
}

/// The attributes of an item, for changing them.
fn item_attrs(item: &mut SynItem) -> Option<&mut Vec<Attribute>> {
    Some(match item {
        SynItem::Const(i) => &mut i.attrs,
        SynItem::Enum(i) => &mut i.attrs,
        SynItem::ExternCrate(i) => &mut i.attrs,
        SynItem::Fn(i) => &mut i.attrs,
        SynItem::ForeignMod(i) => &mut i.attrs,
        SynItem::Impl(i) => &mut i.attrs,
        SynItem::Macro(i) => &mut i.attrs,
        SynItem::Mod(i) => &mut i.attrs,
        SynItem::Static(i) => &mut i.attrs,
        SynItem::Struct(i) => &mut i.attrs,
        SynItem::Trait(i) => &mut i.attrs,
        SynItem::TraitAlias(i) => &mut i.attrs,
        SynItem::Type(i) => &mut i.attrs,
        SynItem::Union(i) => &mut i.attrs,
        SynItem::Use(i) => &mut i.attrs,
        _ => return None,
    })
}

/// The attributes of an item.
pub fn item_attrs_of(item: &SynItem) -> &[Attribute] {
    match item {
        SynItem::Const(i) => &i.attrs,
        SynItem::Enum(i) => &i.attrs,
        SynItem::ExternCrate(i) => &i.attrs,
        SynItem::Fn(i) => &i.attrs,
        SynItem::ForeignMod(i) => &i.attrs,
        SynItem::Impl(i) => &i.attrs,
        SynItem::Macro(i) => &i.attrs,
        SynItem::Mod(i) => &i.attrs,
        SynItem::Static(i) => &i.attrs,
        SynItem::Struct(i) => &i.attrs,
        SynItem::Trait(i) => &i.attrs,
        SynItem::TraitAlias(i) => &i.attrs,
        SynItem::Type(i) => &i.attrs,
        SynItem::Union(i) => &i.attrs,
        SynItem::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The signature as tokens, parameter patterns replaced by `_` and `mut self` read as `self`.
fn normalized_signature(vis: &Visibility, sig: &syn::Signature, default: bool) -> String {
    let mut sig = sig.clone();
    for input in sig.inputs.iter_mut() {
        match input {
            FnArg::Typed(typed) => {
                *typed.pat = Pat::Wild(syn::PatWild {
                    attrs: Vec::new(),
                    underscore_token: Default::default(),
                });
            }
            FnArg::Receiver(receiver) => {
                if receiver.reference.is_none() {
                    receiver.mutability = None;
                }
            }
        }
    }
    let mut out = tokens_text(vis);
    if default {
        out.push_str(" default");
    }
    out.push(' ');
    out.push_str(&tokens_text(&sig));
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"use std::collections::{HashMap, HashSet as Set};

/// A store.
#[derive(Debug)]
pub struct Store<T> {
    map: HashMap<u64, T>,
}

impl<T: Clone> Repo for Store<T> {
    type Item = T;

    /// Gets one.
    fn get(&self, id: u64) -> Option<T> {
        self.map.get(&id).cloned()
    }
}

pub trait Repo {
    type Item;
    fn get(&self, id: u64) -> Option<Self::Item>;
    fn count(&self) -> usize { 0 }
}

mod inner {
    pub fn helper(mut n: u8) -> u8 { n += 1; n }
    const _: () = ();
}

macro_rules! square { ($x:expr) => { $x * $x }; }
"#;

    #[test]
    fn lists_items_with_identities_and_ranges() {
        let file = list(FILE).unwrap();
        let identities: Vec<Option<String>> = file.items.iter().map(Item::identity).collect();
        let named: Vec<&str> = identities.iter().flatten().map(String::as_str).collect();
        assert_eq!(
            named,
            [
                "struct Store",
                "type <Store as Repo>::Item",
                "<Store as Repo>::get",
                "type Repo::Item",
                "Repo::get",
                "Repo::count",
                "inner::helper",
                "macro square"
            ]
        );
        let get = file.find("<Store as Repo>::get").unwrap();
        assert!(FILE[get.span.clone()].starts_with("/// Gets one.\n    fn get("));
        assert!(FILE[get.decl.clone()].starts_with("fn get("));
        assert!(FILE[get.decl.clone()].ends_with("}"));
        assert!(get.has_attrs);
        assert_eq!(
            get.signature.as_ref().unwrap().text,
            "fn get(&self, id: u64) -> Option<T>"
        );
        let store = file.find("struct Store").unwrap();
        assert!(FILE[store.span.clone()].starts_with("/// A store.\n#[derive(Debug)]\npub struct"));
        let Kind::Use(leaves) = &file.items[0].kind else {
            panic!("{:?}", file.items[0].kind);
        };
        assert_eq!(leaves.len(), 2);
        let impl_block = &file.blocks(&[Segment::Impl {
            self_ty: "Store".into(),
            trait_name: Some("Repo".into()),
        }])[0];
        let body = impl_block.body.clone().unwrap();
        assert!(FILE[body].trim().starts_with("type Item = T;"));
        assert_eq!(
            file.members(&[Segment::Mod("inner".into())]).count(),
            2,
            "helper and const _"
        );
    }

    #[test]
    fn signatures_ignore_parameter_names_not_types() {
        let a = list("fn f(mut n: u8, (a, b): (u8, u8)) -> u8 { 0 }").unwrap();
        let b = list("fn f(count: u8, pair: (u8, u8)) -> u8 { 1 }").unwrap();
        let c = list("fn f(count: u16, pair: (u8, u8)) -> u8 { 1 }").unwrap();
        let d = list("pub fn f(count: u8, pair: (u8, u8)) -> u8 { 1 }").unwrap();
        let sig = |f: &RustFile| f.items[0].signature.clone().unwrap().normalized;
        assert_eq!(sig(&a), sig(&b));
        assert_ne!(sig(&b), sig(&c));
        assert_ne!(sig(&b), sig(&d));
        let m1 = list("impl S { fn g(mut self) {} fn h(&mut self) {} }").unwrap();
        let m2 = list("impl S { fn g(self) {} fn h(&self) {} }").unwrap();
        let sigs = |f: &RustFile| -> Vec<String> {
            f.items
                .iter()
                .filter_map(|i| i.signature.clone())
                .map(|s| s.normalized)
                .collect()
        };
        assert_eq!(sigs(&m1)[0], sigs(&m2)[0]);
        assert_ne!(sigs(&m1)[1], sigs(&m2)[1]);
    }

    #[test]
    fn token_text_ignores_formatting_and_comments() {
        let a = list("fn f() { // note\n    let x = 1;\n}").unwrap();
        let b = list("fn f() {let x=1;}").unwrap();
        assert_eq!(a.items[0].tokens, b.items[0].tokens);
    }
}
