//! Definitions a Rust stub depends on, looked up in one file's text: the trait method a stub
//! implements (its doc comment says what the method must do), and the structs, enums and type aliases
//! its signature names. Which files to look in belongs to the caller (`context`).

use syn::spanned::Spanned;
use syn::{Item, TraitItem};

use super::{doc_text, first_start, tokens_text, visibility_span, with_file, Text};

/// A trait's method, as the trait declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraitMethod {
    /// `pub trait Repo: Send`
    pub trait_header: String,
    /// The method's doc comment text.
    pub doc: String,
    /// The method as written, doc comment included, a default body elided to `{ … }`.
    pub text: String,
}

/// The method `method` of the trait `trait_name` declared in `source` (inline modules included).
pub fn trait_method(source: &str, trait_name: &str, method: &str) -> Option<TraitMethod> {
    with_file(source, |file, text| {
        find_trait_method(&file.items, trait_name, method, text)
    })
    .ok()
    .flatten()
}

fn find_trait_method(
    items: &[Item],
    trait_name: &str,
    method: &str,
    text: &Text,
) -> Option<TraitMethod> {
    for item in items {
        match item {
            Item::Trait(t) if t.ident == trait_name => {
                let f = t.items.iter().find_map(|member| match member {
                    TraitItem::Fn(f) if f.sig.ident == method => Some(f),
                    _ => None,
                })?;
                let whole = text.range(f.span());
                let written = match &f.default {
                    Some(block) => {
                        let open = text.start(block.brace_token.span.open());
                        format!("{}{{ … }}", text.slice(whole.start..open))
                    }
                    None => text.slice(whole).to_string(),
                };
                let header_end = text.start(t.brace_token.span.open());
                let header_start = first_start(
                    [
                        visibility_span(&t.vis),
                        t.unsafety.map(|u| u.span),
                        t.auto_token.map(|a| a.span),
                        Some(t.trait_token.span),
                    ],
                    text,
                )
                .unwrap_or(header_end);
                let header = text.slice(header_start..header_end);
                return Some(TraitMethod {
                    trait_header: header.trim().to_string(),
                    doc: doc_text(&f.attrs),
                    text: written,
                });
            }
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    if let Some(found) = find_trait_method(items, trait_name, method, text) {
                        return Some(found);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The struct, enum, union or type alias named `name` declared in `source`, as written with its doc
/// comment and attributes.
pub fn type_definition(source: &str, name: &str) -> Option<String> {
    with_file(source, |file, text| find_type(&file.items, name, text))
        .ok()
        .flatten()
}

fn find_type(items: &[Item], name: &str, text: &Text) -> Option<String> {
    for item in items {
        let ident = match item {
            Item::Struct(s) => &s.ident,
            Item::Enum(e) => &e.ident,
            Item::Union(u) => &u.ident,
            Item::Type(t) => &t.ident,
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    if let Some(found) = find_type(items, name, text) {
                        return Some(found);
                    }
                }
                continue;
            }
            _ => continue,
        };
        if ident == name {
            return Some(text.slice(text.range(item.span())).to_string());
        }
    }
    None
}

/// The type names a Rust signature mentions, in order, without repeats: every path segment that
/// starts with an upper-case letter (`Result<User, StoreError>` gives `Result`, `User`, `StoreError`).
/// Standard types come along and simply match nothing in the crate.
pub fn type_names(signature: &str) -> Vec<String> {
    let Ok(tokens) = signature.parse::<proc_macro2::TokenStream>() else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    collect_idents(tokens, &mut names);
    names
}

fn collect_idents(tokens: proc_macro2::TokenStream, names: &mut Vec<String>) {
    for tree in tokens {
        match tree {
            proc_macro2::TokenTree::Ident(ident) => {
                let name = tokens_text(&ident);
                let upper = name.chars().next().is_some_and(char::is_uppercase);
                if upper && name != "Self" && !names.contains(&name) {
                    names.push(name);
                }
            }
            proc_macro2::TokenTree::Group(group) => collect_idents(group.stream(), names),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"
/// A user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
}

pub mod errors {
    /// What can go wrong.
    pub enum StoreError { NotFound, Full }
}

/// Stores users.
pub trait Repo: Send {
    /// Finds a user by id.
    ///
    /// Returns `NotFound` when there is none.
    fn find(&self, id: u64) -> Result<User, StoreError>;

    /// Describes the store.
    fn describe(&self) -> String {
        "a repo".into()
    }
}
"#;

    #[test]
    fn finds_trait_methods_with_their_docs() {
        let find = trait_method(SOURCE, "Repo", "find").unwrap();
        assert_eq!(find.trait_header, "pub trait Repo: Send");
        assert_eq!(
            find.doc,
            "Finds a user by id.\n\nReturns `NotFound` when there is none."
        );
        assert!(find.text.starts_with("/// Finds a user by id."));
        assert!(find.text.ends_with("-> Result<User, StoreError>;"));
        let describe = trait_method(SOURCE, "Repo", "describe").unwrap();
        assert!(
            describe
                .text
                .ends_with("fn describe(&self) -> String { … }"),
            "{}",
            describe.text
        );
        assert!(trait_method(SOURCE, "Repo", "other").is_none());
        assert!(trait_method(SOURCE, "Other", "find").is_none());
    }

    #[test]
    fn finds_type_definitions_in_modules_too() {
        let user = type_definition(SOURCE, "User").unwrap();
        assert!(user.starts_with("/// A user.\n#[derive(Debug, Clone)]\npub struct User {"));
        let error = type_definition(SOURCE, "StoreError").unwrap();
        assert!(error.ends_with("pub enum StoreError { NotFound, Full }"));
        assert!(type_definition(SOURCE, "Repo").is_none());
    }

    #[test]
    fn type_names_of_a_signature() {
        assert_eq!(
            type_names(
                "pub async fn find(&self, id: UserId) -> Result<Vec<User>, store::StoreError>"
            ),
            ["UserId", "Result", "Vec", "User", "StoreError"]
        );
        assert!(type_names("fn f(").is_empty());
    }
}
