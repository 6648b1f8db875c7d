//! The one table of per-provider defaults — base URL, model, key variables — and the key lookup.
//!
//! Providers retire model names (DeepSeek retired `deepseek-chat`/`deepseek-reasoner` for
//! `deepseek-flash`/`deepseek-v4-pro`; Gemini is retiring `gemini-2.5-flash`): when that happens,
//! this table is the only place to change. Flags and `.assistant.toml` are the CLI's business; this
//! module only knows the environment variables.

use super::ProviderKind;

/// What a provider uses when the user says nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    pub kind: ProviderKind,
    pub base_url: &'static str,
    pub model: &'static str,
    /// Environment variables holding this provider's key, in the order they are tried
    /// (before [`ANY_PROVIDER_KEY_VAR`]).
    pub key_vars: &'static [&'static str],
    pub needs_key: bool,
}

/// Holds a key for whatever `--type` is chosen; tried after the type's own variables.
pub const ANY_PROVIDER_KEY_VAR: &str = "ASSISTANT_API_KEY";

const TABLE: [Defaults; 4] = [
    Defaults {
        kind: ProviderKind::DeepSeek,
        base_url: "https://api.deepseek.com",
        model: "deepseek-flash",
        key_vars: &["DEEPSEEK_API_KEY"],
        needs_key: true,
    },
    Defaults {
        kind: ProviderKind::OpenAi,
        base_url: "https://api.openai.com/v1",
        model: "gpt-5-mini",
        key_vars: &["OPENAI_API_KEY"],
        needs_key: true,
    },
    Defaults {
        kind: ProviderKind::Gemini,
        base_url: "https://generativelanguage.googleapis.com/v1beta",
        model: "gemini-3-flash",
        key_vars: &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
        needs_key: true,
    },
    Defaults {
        kind: ProviderKind::Ollama,
        base_url: "http://localhost:11434/v1",
        model: "qwen2.5-coder",
        key_vars: &[],
        needs_key: false,
    },
];

pub fn of(kind: ProviderKind) -> &'static Defaults {
    match kind {
        ProviderKind::DeepSeek => &TABLE[0],
        ProviderKind::OpenAi => &TABLE[1],
        ProviderKind::Gemini => &TABLE[2],
        ProviderKind::Ollama => &TABLE[3],
    }
}

/// The key to use: the `--api-key` flag, then the type's variables, then [`ANY_PROVIDER_KEY_VAR`].
/// Blank values count as absent.
pub fn resolve_api_key(kind: ProviderKind, flag: Option<String>) -> Option<String> {
    resolve_api_key_with(kind, flag, |name| std::env::var(name).ok())
}

/// [`resolve_api_key`] with the environment passed in, so it can be tested without touching the
/// process's (shared, racy) environment.
pub fn resolve_api_key_with(
    kind: ProviderKind,
    flag: Option<String>,
    env: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let from_env = of(kind)
        .key_vars
        .iter()
        .chain(std::iter::once(&ANY_PROVIDER_KEY_VAR))
        .map(|name| env(name));
    std::iter::once(flag)
        .chain(from_env)
        .flatten()
        .map(|key| key.trim().to_string())
        .find(|key| !key.is_empty())
}

/// The usage error for a provider that needs a key and has none.
pub fn missing_key_message(kind: ProviderKind) -> String {
    let vars: Vec<&str> = of(kind)
        .key_vars
        .iter()
        .copied()
        .chain([ANY_PROVIDER_KEY_VAR])
        .collect();
    format!(
        "no API key for {kind}: pass --api-key or set {}",
        vars.join(" or ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_covers_every_kind() {
        for kind in ProviderKind::ALL {
            assert_eq!(of(kind).kind, kind);
        }
    }

    #[test]
    fn keys_resolve_flag_then_type_vars_then_any() {
        let env = |name: &str| match name {
            "GOOGLE_API_KEY" => Some("google".to_string()),
            "ASSISTANT_API_KEY" => Some("any".to_string()),
            "GEMINI_API_KEY" => Some("  ".to_string()),
            _ => None,
        };
        let gemini = ProviderKind::Gemini;
        assert_eq!(
            resolve_api_key_with(gemini, Some("flag".into()), env),
            Some("flag".into())
        );
        assert_eq!(
            resolve_api_key_with(gemini, None, env),
            Some("google".into())
        );
        assert_eq!(
            resolve_api_key_with(ProviderKind::DeepSeek, None, env),
            Some("any".into())
        );
        assert_eq!(
            resolve_api_key_with(ProviderKind::OpenAi, None, |_| None),
            None
        );
    }

    #[test]
    fn the_missing_key_message_names_the_variables() {
        assert_eq!(
            missing_key_message(ProviderKind::Gemini),
            "no API key for gemini: pass --api-key or set GEMINI_API_KEY or GOOGLE_API_KEY or ASSISTANT_API_KEY"
        );
    }
}
