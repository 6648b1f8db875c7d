//! The one table of provider kinds, one row per `--type`: its name and aliases, the protocol it
//! speaks (with that server's dialect), and what it uses when the user says nothing — base URL,
//! model, key variables, whether a key is needed.
//!
//! Everything else is read off the table: the [`ProviderKind`] enum itself, parsing `--type`, and
//! the messages and `--help` lines that list the known types. An OpenAI-compatible vendor is one
//! row; a new protocol is one file plus, in `mod.rs`, its `mod` line, a [`Protocol`] variant and
//! that variant's arm in [`build`](super::build). Providers retire model names (DeepSeek retired
//! `deepseek-chat`/`deepseek-reasoner` for `deepseek-flash`/`deepseek-v4-pro`; Gemini is retiring
//! `gemini-2.5-flash`): when that happens, this table is the only place to change.
//!
//! Leaves to others: where a key comes from (`defaults`), the wire formats (`openai`, `gemini`).

use std::fmt;
use std::str::FromStr;

use super::openai::{Dialect, ThinkingStyle};
use super::Protocol;

/// Declares [`ProviderKind`] and its rows from one list, so that neither can lack the other and
/// a kind's row is found by matching on the kind, never by position.
macro_rules! provider_kinds {
    ($($kind:ident => { $($field:ident: $value:expr),+ $(,)? }),+ $(,)?) => {
        /// Which provider, hence which protocol, defaults and key variables: one per row of the
        /// table in [`kinds`](super::kinds).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProviderKind {
            $($kind),+
        }

        impl ProviderKind {
            /// Every kind, in table order (the order messages list them in).
            pub const ALL: &'static [ProviderKind] = &[$(Self::$kind),+];

            /// This kind's row.
            pub fn spec(self) -> &'static Spec {
                match self {
                    $(Self::$kind => const {
                        &Spec { kind: Self::$kind, $($field: $value),+ }
                    }),+
                }
            }
        }
    };
}

provider_kinds! {
    DeepSeek => {
        name: "deepseek",
        aliases: &[],
        protocol: Protocol::OpenAiChat(Dialect {
            max_tokens_field: "max_tokens",
            thinking: ThinkingStyle::Switch,
        }),
        base_url: "https://api.deepseek.com",
        model: "deepseek-flash",
        key_vars: &["DEEPSEEK_API_KEY"],
        needs_key: true,
    },
    OpenAi => {
        name: "openai",
        aliases: &["chatgpt"],
        protocol: Protocol::OpenAiChat(Dialect {
            max_tokens_field: "max_completion_tokens",
            thinking: ThinkingStyle::Effort { off: "minimal" },
        }),
        base_url: "https://api.openai.com/v1",
        model: "gpt-5-mini",
        key_vars: &["OPENAI_API_KEY"],
        needs_key: true,
    },
    Gemini => {
        name: "gemini",
        aliases: &[],
        protocol: Protocol::Gemini,
        base_url: "https://generativelanguage.googleapis.com/v1beta",
        model: "gemini-3-flash",
        key_vars: &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
        needs_key: true,
    },
    Ollama => {
        name: "ollama",
        aliases: &[],
        protocol: Protocol::OpenAiChat(Dialect::PLAIN),
        base_url: "http://localhost:11434/v1",
        model: "qwen2.5-coder",
        key_vars: &[],
        needs_key: false,
    },
}

/// One row of the table: everything the crate knows about one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub kind: ProviderKind,
    /// What users type after `--type`, and what messages call the provider.
    pub name: &'static str,
    /// Other names `--type` accepts.
    pub aliases: &'static [&'static str],
    pub protocol: Protocol,
    pub base_url: &'static str,
    pub model: &'static str,
    /// Environment variables holding this provider's key, in the order they are tried (before
    /// [`ANY_PROVIDER_KEY_VAR`](super::defaults::ANY_PROVIDER_KEY_VAR)).
    pub key_vars: &'static [&'static str],
    pub needs_key: bool,
}

impl ProviderKind {
    /// The name users type after `--type` (and see in messages).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The kind `--type` names; a usage message when it names none or was not given.
    pub fn from_flag(name: Option<&str>) -> Result<Self, String> {
        let names: Vec<String> = specs().map(|spec| spec.name.to_string()).collect();
        let name = name.ok_or_else(|| format!("--type is required: {}", either(&names)))?;
        name.parse()
    }

    /// The `--type` line of `--help`.
    pub fn flag_help() -> String {
        let kinds: Vec<String> = specs()
            .map(|spec| with_aliases(spec, "alias", ", "))
            .collect();
        format!("Provider: {}", kinds.join(", "))
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ProviderKind {
    type Err = String;

    /// A name or an alias, in any case, surrounding blanks ignored.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        specs()
            .find(|spec| spec.name == wanted || spec.aliases.contains(&wanted.as_str()))
            .map(|spec| spec.kind)
            .ok_or_else(|| {
                let kinds: Vec<String> = specs()
                    .map(|spec| with_aliases(spec, "or", " or "))
                    .collect();
                format!(
                    "unknown provider type `{text}`: expected {}",
                    either(&kinds)
                )
            })
    }
}

/// Every row, in table order.
pub fn specs() -> impl Iterator<Item = &'static Spec> {
    ProviderKind::ALL.iter().map(|kind| kind.spec())
}

/// "openai (or chatgpt)": the name, then any aliases in parentheses after `word`.
fn with_aliases(spec: &Spec, word: &str, separator: &str) -> String {
    match spec.aliases {
        [] => spec.name.to_string(),
        aliases => format!("{} ({word} {})", spec.name, aliases.join(separator)),
    }
}

/// "a, b, c or d".
fn either(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((only, [])) => only.clone(),
        Some((last, init)) => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_row() {
        for &kind in ProviderKind::ALL {
            assert_eq!(kind.spec().kind, kind);
            assert_eq!(kind.name().parse::<ProviderKind>(), Ok(kind));
        }
    }

    #[test]
    fn names_and_aliases_are_unique_and_lower_case() {
        let mut seen: Vec<&str> = specs()
            .flat_map(|spec| std::iter::once(spec.name).chain(spec.aliases.iter().copied()))
            .collect();
        assert!(seen.iter().all(|name| *name == name.to_ascii_lowercase()));
        let count = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), count, "a name or alias names two kinds");
    }

    #[test]
    fn kinds_parse_by_name_or_alias() {
        assert_eq!("chatgpt".parse::<ProviderKind>(), Ok(ProviderKind::OpenAi));
        assert_eq!(" Gemini ".parse::<ProviderKind>(), Ok(ProviderKind::Gemini));
        assert_eq!(
            "claude".parse::<ProviderKind>(),
            Err("unknown provider type `claude`: expected deepseek, openai (or chatgpt), gemini or ollama".into())
        );
    }

    #[test]
    fn the_messages_list_the_table() {
        assert_eq!(
            ProviderKind::from_flag(None),
            Err("--type is required: deepseek, openai, gemini or ollama".into())
        );
        assert_eq!(
            ProviderKind::from_flag(Some("ollama")),
            Ok(ProviderKind::Ollama)
        );
        assert_eq!(
            ProviderKind::flag_help(),
            "Provider: deepseek, openai (alias chatgpt), gemini, ollama"
        );
    }

    #[test]
    fn lists_read_as_prose() {
        let list =
            |items: &[&str]| either(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(list(&[]), "");
        assert_eq!(list(&["a"]), "a");
        assert_eq!(list(&["a", "b"]), "a or b");
        assert_eq!(list(&["a", "b", "c"]), "a, b or c");
    }
}
