//! Finding Rust stubs: free functions, inherent and trait-impl methods, trait default methods and
//! functions in inline modules whose body executes a marker macro (`todo!`, `unimplemented!`, or
//! `panic!` with a marker message — [`Markers`] decides on the message).
//!
//! "Executes" is read from the syntax tree: a marker in a comment, a doc comment or a string literal is
//! text, not a call. The body is searched whole — closures, async blocks and nested items count for the
//! enclosing function — and so are the tokens of other macros' arguments (`println!("{}", todo!())`),
//! which syn does not parse. Also here: how a prompt shows a stub ([`excerpt`]).

use std::ops::Range;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;
use syn::{Attribute, Block, ImplItem, Item, Macro, MacroDelimiter, Stmt, TraitItem, Visibility};

use super::{
    attrs_start, doc_text, first_start, identity, indentation_at, visibility_span, with_file,
    Segment, Text,
};
use crate::lang::{Markers, Stub};

/// The stubs of a Rust file, in source order; the syntax error (`line:col: message`) when it does not
/// parse.
pub fn find_stubs(source: &str, markers: &Markers) -> Result<Vec<Stub>, String> {
    with_file(source, |file, text| {
        let mut finder = Finder {
            text,
            markers,
            scope: Vec::new(),
            headers: Vec::new(),
            stubs: Vec::new(),
        };
        finder.items(&file.items);
        finder.stubs
    })
    .map_err(|error| error.to_string())
}

/// A stub inside the blocks that give it its identity, at its own indentation:
///
/// ```text
/// impl<T> Repo for Store<T> {
///     /// Gets one.
///     fn get(&self) -> T {
///         todo!()
///     }
/// }
/// ```
pub fn excerpt(source: &str, stub: &Stub) -> String {
    let start = stub.decl_with_doc.start;
    let indent = indentation_at(source, start);
    let mut out = String::new();
    for header in &stub.enclosing {
        out.push_str(header);
        out.push_str(" {\n");
    }
    out.push_str(indent);
    out.push_str(source.get(start..stub.decl.end).unwrap_or_default());
    for header in stub.enclosing.iter().rev() {
        out.push('\n');
        out.push_str(&header[..header.len() - header.trim_start().len()]);
        out.push('}');
    }
    out
}

struct Finder<'t, 's> {
    text: &'t Text<'s>,
    markers: &'t Markers,
    scope: Vec<Segment>,
    /// The header line of each block in `scope`.
    headers: Vec<String>,
    stubs: Vec<Stub>,
}

/// A function as the finder needs it, whatever kind of item holds it.
struct Function<'a> {
    attrs: &'a [Attribute],
    vis: &'a Visibility,
    defaultness: Option<proc_macro2::Span>,
    sig: &'a syn::Signature,
    block: &'a Block,
}

impl Finder<'_, '_> {
    fn items(&mut self, items: &[Item]) {
        for item in items {
            match item {
                Item::Fn(f) => self.function(Function {
                    attrs: &f.attrs,
                    vis: &f.vis,
                    defaultness: None,
                    sig: &f.sig,
                    block: &f.block,
                }),
                Item::Impl(imp) => {
                    let start = first_start(
                        [
                            imp.defaultness.map(|t| t.span),
                            imp.unsafety.map(|t| t.span),
                            Some(imp.impl_token.span),
                        ],
                        self.text,
                    );
                    self.enter(
                        Segment::of_impl(imp),
                        start,
                        self.text.start(imp.brace_token.span.open()),
                    );
                    for member in &imp.items {
                        if let ImplItem::Fn(f) = member {
                            self.function(Function {
                                attrs: &f.attrs,
                                vis: &f.vis,
                                defaultness: f.defaultness.map(|t| t.span),
                                sig: &f.sig,
                                block: &f.block,
                            });
                        }
                    }
                    self.leave();
                }
                Item::Trait(t) => {
                    let start = first_start(
                        [
                            visibility_span(&t.vis),
                            t.unsafety.map(|u| u.span),
                            t.auto_token.map(|a| a.span),
                            Some(t.trait_token.span),
                        ],
                        self.text,
                    );
                    self.enter(
                        Segment::Trait(t.ident.to_string()),
                        start,
                        self.text.start(t.brace_token.span.open()),
                    );
                    for member in &t.items {
                        if let TraitItem::Fn(f) = member {
                            if let Some(block) = &f.default {
                                self.function(Function {
                                    attrs: &f.attrs,
                                    vis: &Visibility::Inherited,
                                    defaultness: None,
                                    sig: &f.sig,
                                    block,
                                });
                            }
                        }
                    }
                    self.leave();
                }
                Item::Mod(m) => {
                    if let Some((brace, items)) = &m.content {
                        let start = first_start(
                            [
                                visibility_span(&m.vis),
                                m.unsafety.map(|u| u.span),
                                Some(m.mod_token.span),
                            ],
                            self.text,
                        );
                        self.enter(
                            Segment::Mod(m.ident.to_string()),
                            start,
                            self.text.start(brace.span.open()),
                        );
                        self.items(items);
                        self.leave();
                    }
                }
                _ => {}
            }
        }
    }

    fn enter(&mut self, segment: Segment, start: Option<usize>, brace: usize) {
        let source = self.text.source();
        let start = start.unwrap_or(brace);
        let header = format!(
            "{}{}",
            indentation_at(source, start),
            source[start..brace].trim_end()
        );
        self.scope.push(segment);
        self.headers.push(header);
    }

    fn leave(&mut self) {
        self.scope.pop();
        self.headers.pop();
    }

    fn function(&mut self, f: Function) {
        let mut search = MarkerSearch {
            markers: self.markers,
            text: self.text,
            found: None,
        };
        search.visit_block(f.block);
        let Some(marker) = search.found else {
            return;
        };
        let text = self.text;
        let source = text.source();
        let decl_start = first_start(
            [
                visibility_span(f.vis),
                f.defaultness,
                f.sig.constness.map(|t| t.span),
                f.sig.asyncness.map(|t| t.span),
                f.sig.unsafety.map(|t| t.span),
                f.sig.abi.as_ref().map(|abi| abi.extern_token.span),
                Some(f.sig.fn_token.span),
            ],
            text,
        )
        .unwrap_or_else(|| text.start(f.sig.fn_token.span));
        let body_open = text.start(f.block.brace_token.span.open());
        let body_close = text.start(f.block.brace_token.span.close());
        let end = text.end(f.block.brace_token.span.close());
        let (line, column) = text.line_column(f.sig.fn_token.span);
        let name = f.sig.ident.to_string();
        self.stubs.push(Stub {
            identity: identity(&self.scope, &name),
            receiver: self
                .scope
                .last()
                .and_then(Segment::receiver)
                .map(str::to_string),
            enclosing: self.headers.clone(),
            name,
            line,
            column,
            marker: source[marker.clone()].to_string(),
            doc: doc_text(f.attrs),
            signature: source[decl_start..body_open].trim_end().to_string(),
            hint: hint_after(f.block, &marker, body_close, text),
            decl: decl_start..end,
            decl_with_doc: attrs_start(f.attrs, text).unwrap_or(decl_start)..end,
        });
    }
}

/// Finds the first marker macro in a body, in source order.
struct MarkerSearch<'t, 's> {
    markers: &'t Markers,
    text: &'t Text<'s>,
    found: Option<Range<usize>>,
}

impl<'ast> Visit<'ast> for MarkerSearch<'_, '_> {
    fn visit_macro(&mut self, mac: &'ast Macro) {
        if self.found.is_some() {
            return;
        }
        let name = mac.path.segments.last().map(|s| s.ident.to_string());
        let Some(name) = name else {
            return;
        };
        if is_marker(&name, mac.tokens.clone(), self.markers) {
            self.found = Some(macro_range(mac, self.text));
        } else if name != "macro_rules" {
            self.found = marker_in_tokens(mac.tokens.clone(), self.markers, self.text);
        }
    }
}

/// From the macro's path to its closing delimiter.
fn macro_range(mac: &Macro, text: &Text) -> Range<usize> {
    let start = match (&mac.path.leading_colon, mac.path.segments.first()) {
        (Some(colon), _) => text.start(colon.spans[0]),
        (None, Some(first)) => text.start(first.ident.span()),
        (None, None) => text.start(mac.bang_token.span),
    };
    let close = match &mac.delimiter {
        MacroDelimiter::Paren(d) => d.span.close(),
        MacroDelimiter::Brace(d) => d.span.close(),
        MacroDelimiter::Bracket(d) => d.span.close(),
    };
    start..text.end(close)
}

/// Macros that mark a stub whatever their message.
const MARKER_MACROS: &[&str] = &["todo", "unimplemented"];
/// `panic!` messages that mark a stub by their beginning.
const MESSAGE_PREFIXES: &[&str] = &["implement me"];

/// `todo!`/`unimplemented!` with any arguments, or `panic!` whose first argument is a marker message.
fn is_marker(name: &str, arguments: TokenStream, markers: &Markers) -> bool {
    MARKER_MACROS.contains(&name)
        || (name == "panic"
            && first_string_literal(arguments)
                .is_some_and(|message| markers.marks_stub(&message, MESSAGE_PREFIXES, &[])))
}

fn first_string_literal(tokens: TokenStream) -> Option<String> {
    match tokens.into_iter().next()? {
        TokenTree::Literal(literal) => match syn::Lit::new(literal) {
            syn::Lit::Str(text) => Some(text.value()),
            _ => None,
        },
        _ => None,
    }
}

/// A marker invocation (`name ! (…)`) among the unparsed tokens of another macro's arguments.
fn marker_in_tokens(tokens: TokenStream, markers: &Markers, text: &Text) -> Option<Range<usize>> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (at, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) => {
                let (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(group))) =
                    (trees.get(at + 1), trees.get(at + 2))
                else {
                    continue;
                };
                if bang.as_char() == '!' && is_marker(&ident.to_string(), group.stream(), markers) {
                    return Some(text.start(ident.span())..text.end(group.span_close()));
                }
            }
            TokenTree::Group(group) => {
                if let Some(found) = marker_in_tokens(group.stream(), markers, text) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// What follows the marker's statement in the body, when the marker is a statement of its own there
/// (comments kept as a hint for the model); empty otherwise.
fn hint_after(block: &Block, marker: &Range<usize>, body_close: usize, text: &Text) -> String {
    let statement_end = block.stmts.iter().find_map(|stmt| {
        let mac = match stmt {
            Stmt::Macro(stmt) => &stmt.mac,
            Stmt::Expr(syn::Expr::Macro(expr), _) => &expr.mac,
            _ => return None,
        };
        (macro_range(mac, text) == *marker).then(|| text.end(syn::spanned::Spanned::span(stmt)))
    });
    let Some(end) = statement_end else {
        return String::new();
    };
    let source = text.source();
    let after = source.get(end.max(marker.end)..body_close).unwrap_or("");
    crate::lang::text::dedent(after.trim_matches('\n').trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stubs(source: &str) -> Vec<Stub> {
        find_stubs(source, &Markers::default()).unwrap()
    }

    fn identities(source: &str) -> Vec<String> {
        stubs(source).into_iter().map(|s| s.identity).collect()
    }

    #[test]
    fn a_method_stub_with_docs_hint_and_position() {
        let source = "use std::io;\n\npub struct Store;\n\nimpl<T: Clone> Repo for Store<T> {\n    /// Gets one.\n    /// Second line.\n    #[inline]\n    pub async fn get(&self, id: u64) -> io::Result<T> {\n        todo!(\"later\");\n\n        // example: self.map.get(&id)\n    }\n}\n";
        let found = stubs(source);
        assert_eq!(found.len(), 1);
        let stub = &found[0];
        assert_eq!(stub.name, "get");
        assert_eq!(stub.receiver.as_deref(), Some("Store"));
        assert_eq!(stub.identity, "<Store as Repo>::get");
        assert_eq!(stub.enclosing, ["impl<T: Clone> Repo for Store<T>"]);
        assert_eq!((stub.line, stub.column), (9, 15));
        assert_eq!(stub.marker, "todo!(\"later\")");
        assert_eq!(stub.doc, "Gets one.\nSecond line.");
        assert_eq!(
            stub.signature,
            "pub async fn get(&self, id: u64) -> io::Result<T>"
        );
        assert_eq!(stub.hint, "// example: self.map.get(&id)");
        assert!(source[stub.decl_with_doc.clone()].starts_with("/// Gets one."));
        assert!(source[stub.decl.clone()].starts_with("pub async fn get"));
        assert!(source[stub.decl.clone()].ends_with("}"));
        assert_eq!(
            excerpt(source, stub),
            "impl<T: Clone> Repo for Store<T> {\n    /// Gets one.\n    /// Second line.\n    #[inline]\n    pub async fn get(&self, id: u64) -> io::Result<T> {\n        todo!(\"later\");\n\n        // example: self.map.get(&id)\n    }\n}"
        );
    }

    #[test]
    fn every_kind_of_function_and_block() {
        let source = r#"
fn free() { unimplemented!() }
impl Store { fn inherent(&self) { todo!() } }
trait Repo {
    fn required(&self);
    fn provided(&self) -> u8 { unimplemented!("default") }
}
mod outer {
    pub mod inner {
        pub fn nested() { panic!("implement me: nested") }
        impl super::Store { fn deep(&self) { std::todo!() } }
    }
}
async fn later<T: Send>(t: T) -> T where T: Clone { todo!() }
"#;
        assert_eq!(
            identities(source),
            [
                "free",
                "Store::inherent",
                "Repo::provided",
                "outer::inner::nested",
                "outer::inner::Store::deep",
                "later"
            ]
        );
        let found = stubs(source);
        assert_eq!(found[2].receiver.as_deref(), Some("Repo"));
        assert_eq!(found[3].receiver, None);
        assert_eq!(found[4].marker, "std::todo!()");
        assert_eq!(
            found[4].enclosing,
            [
                "mod outer",
                "    pub mod inner",
                "        impl super::Store"
            ]
        );
    }

    #[test]
    fn markers_in_strings_comments_and_docs_are_not_stubs() {
        let source = r#"
/// Call todo!() here.
fn documented() {}
fn commented() {
    // todo!()
    /* unimplemented!() */
}
fn in_strings() {
    let a = "todo!()";
    let b = r"unimplemented!()";
    println!("panic!(\"implement me\")");
}
fn other_panic() { panic!("not implemented") }
fn named_like_it() { let todo = 1; let _ = todo; }
"#;
        assert!(stubs(source).is_empty(), "{:?}", stubs(source));
    }

    #[test]
    fn closures_async_blocks_and_macro_arguments_count_for_the_enclosing_function() {
        let source = r#"
fn with_closure() -> impl Fn() -> u8 { move || todo!() }
async fn with_async_block() { let f = async { unimplemented!() }; f.await }
fn in_macro_arguments() { println!("{}", todo!()); }
fn in_vec() -> Vec<u8> { vec![1, unimplemented!("two")] }
fn with_nested_item() { fn helper() { todo!() } helper() }
"#;
        let found = stubs(source);
        let names: Vec<&str> = found.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "with_closure",
                "with_async_block",
                "in_macro_arguments",
                "in_vec",
                "with_nested_item"
            ]
        );
        assert_eq!(found[2].marker, "todo!()");
        assert_eq!(found[3].marker, "unimplemented!(\"two\")");
        assert!(found.iter().all(|s| s.hint.is_empty()));
    }

    #[test]
    fn extra_markers_apply_to_panic_messages() {
        let source =
            "fn a() { panic!(\"TODO(ai): later\") }\nfn b() { panic!(\"implement me\") }\n";
        assert_eq!(identities(source), ["b"]);
        let with_extra = find_stubs(source, &Markers::new(vec!["TODO(ai)".into()])).unwrap();
        assert_eq!(with_extra.len(), 2);
    }

    #[test]
    fn a_file_that_does_not_parse_is_an_error_not_a_panic() {
        let error = find_stubs("fn f( { todo!() }\n", &Markers::default()).unwrap_err();
        assert!(error.starts_with("1:"), "{error}");
    }

    #[test]
    fn columns_count_characters() {
        let source = "/* é */ fn a() { todo!() }\n";
        let found = stubs(source);
        assert_eq!((found[0].line, found[0].column), (1, 9));
    }
}
