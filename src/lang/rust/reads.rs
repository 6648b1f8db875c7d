//! Compile-time reads in Rust code: what makes `cargo check` read a file or the environment while it
//! compiles — the macros `include!`, `include_str!`, `include_bytes!`, `env!` and `option_env!` (also
//! imported under another name, or invoked through a `macro_rules!` metavariable), and `#[path = …]` on
//! a module. A model's answer is untrusted input and the compiler's messages go back to the model, so
//! `check` refuses every such read the source did not already hold ([`new_reads`]).
//!
//! The search is on tokens, not on the syntax tree: a read inside a macro's body (which syn leaves as
//! tokens) counts as much as one in a function.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Macros that read a file or the environment when expanded.
const READING_MACROS: &[&str] = &["include", "include_str", "include_bytes", "env", "option_env"];
/// Of those, the names that are hardly ever anything else: counted wherever they appear (passed to a
/// macro as an identifier, they would be invoked through it).
const ALWAYS_READS: &[&str] = &["include_str", "include_bytes", "option_env"];

/// The reads `answer` holds that `source` does not (each as the text it has, e.g. `include_str!("x")`).
pub(super) fn new_reads(answer: &str, source: &str) -> Vec<String> {
    crate::lang::text::added_items(answer, source, reads)
}

/// Every compile-time read in `code`, in order; none when it does not tokenize.
fn reads(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(tokens) = code.parse::<TokenStream>() {
        collect(tokens, &mut found);
    }
    found
}

fn collect(tokens: TokenStream, found: &mut Vec<String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1);
        match token {
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                let name = name.trim_start_matches("r#");
                if !READING_MACROS.contains(&name) {
                    continue;
                }
                let invoked = is_punct(next, '!');
                let renamed = matches!(next, Some(TokenTree::Ident(n)) if n == "as");
                let after_metavariable = i > 0 && is_punct(tokens.get(i - 1), '$');
                if (invoked || renamed || ALWAYS_READS.contains(&name)) && !after_metavariable {
                    found.push(invocation(name, &tokens[i + 1..]));
                }
            }
            // `$m!(…)` in a `macro_rules!` body: a macro chosen by its caller, possibly one above;
            // `$($m)*!(…)` the same through a repetition (with a separator or not).
            TokenTree::Punct(p) if p.as_char() == '$' => match next {
                Some(TokenTree::Ident(meta)) if is_punct(tokens.get(i + 2), '!') => {
                    found.push(format!("${meta}!"));
                }
                Some(TokenTree::Group(group)) if repetition_invoked(&tokens[i + 2..]) => {
                    found.push(format!("${group}!"));
                }
                _ => {}
            },
            TokenTree::Punct(p) if p.as_char() == '#' => {
                let group = match next {
                    Some(TokenTree::Punct(bang)) if bang.as_char() == '!' => tokens.get(i + 2),
                    other => other,
                };
                if let Some(TokenTree::Group(group)) = group {
                    if group.delimiter() == Delimiter::Bracket && sets_path(group.stream()) {
                        found.push(format!("#[{}]", group.stream()));
                    }
                }
            }
            TokenTree::Group(group) => collect(group.stream(), found),
            _ => {}
        }
    }
}

/// Whether the tokens after a `$( … )` repetition are its operator (after a separator, if any) and `!`.
fn repetition_invoked(after: &[TokenTree]) -> bool {
    let is_op = |token: Option<&TokenTree>| ['*', '+', '?'].iter().any(|c| is_punct(token, *c));
    // `!` alone: `$($x)+ != 0` compares.
    let is_bang = |token: Option<&TokenTree>| {
        matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == '!' && p.spacing() == proc_macro2::Spacing::Alone)
    };
    (is_op(after.first()) && is_bang(after.get(1)))
        || (is_op(after.get(1)) && is_bang(after.get(2)))
}

/// `name!(args)` as written (arguments included, so two reads of different files differ).
fn invocation(name: &str, rest: &[TokenTree]) -> String {
    match rest {
        [TokenTree::Punct(bang), TokenTree::Group(args), ..] if bang.as_char() == '!' => {
            format!("{name}!{args}")
        }
        [TokenTree::Punct(bang), ..] if bang.as_char() == '!' => format!("{name}!"),
        [TokenTree::Ident(r#as), TokenTree::Ident(alias), ..] if r#as == "as" => {
            format!("{name} as {alias}")
        }
        _ => name.to_string(),
    }
}

/// Whether an attribute's tokens hold `path = …` (`#[path = "x.rs"]`, also inside `cfg_attr`).
fn sets_path(tokens: TokenStream) -> bool {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    tokens.iter().enumerate().any(|(i, token)| match token {
        TokenTree::Ident(ident) => ident == "path" && is_punct(tokens.get(i + 1), '='),
        TokenTree::Group(group) => sets_path(group.stream()),
        _ => false,
    })
}

fn is_punct(token: Option<&TokenTree>, c: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_read_is_found() {
        for code in [
            "fn f() -> &'static str { include_str!(\"/etc/passwd\") }",
            "fn f() -> &'static [u8] { include_bytes!(\"../secret\") }",
            "fn f() -> u8 { include!(\"/tmp/x\") }",
            "fn f() -> &'static str { env!(\"HOME\") }",
            "fn f() -> Option<&'static str> { std::option_env!(\"AWS_SECRET\") }",
            "#[path = \"/etc/passwd\"] mod m;",
            "#[cfg_attr(unix, path = \"/etc/passwd\")] mod m;",
            "use std::include_str as s; fn f() -> &'static str { s!(\"/etc/passwd\") }",
            "use std::env as e; fn f() -> &'static str { e!(\"HOME\") }",
            "macro_rules! m { ($n:ident) => { $n!(\"/etc/passwd\") } } fn f() -> &'static str { m!(include_str) }",
            "macro_rules! m { ($n:ident) => { $n!(\"/etc/passwd\") } }",
            "#[doc = include_str!(\"/etc/passwd\")] fn f() {}",
            "macro_rules! m { ($($t:tt)*) => { $($t)*!(\"/etc/passwd\") } } fn f() -> u8 { m!(include) }",
            "macro_rules! m { ($($t:ident),+) => { $($t),+!(\"HOME\") } } fn f() -> &'static str { m!(env) }",
        ] {
            assert!(!new_reads(code, "").is_empty(), "not found in: {code}");
        }
    }

    #[test]
    fn ordinary_code_reads_nothing() {
        assert_eq!(
            new_reads("macro_rules! m { ($($x:expr),+) => { $($x)+ != 0 } }", ""),
            Vec::<String>::new()
        );
        let code = "use std::env;\nfn f(include: bool) -> String {\n    let env = std::env::var(\"X\").unwrap_or_default();\n    if include { env } else { format!(\"{}\", env::consts::OS) }\n}\n";
        assert_eq!(new_reads(code, ""), Vec::<String>::new());
    }

    #[test]
    fn reads_the_source_already_had_pass() {
        let source = "const SCHEMA: &str = include_str!(\"schema.sql\");\nfn f() { todo!() }\n";
        let answer = "fn f() { let _ = include_str!(\"schema.sql\"); }";
        assert_eq!(new_reads(answer, source), Vec::<String>::new());
        let other = "fn f() { let _ = include_str!(\"/etc/shadow\"); }";
        assert_eq!(
            new_reads(other, source),
            vec!["include_str!(\"/etc/shadow\")".to_string()]
        );
    }
}
