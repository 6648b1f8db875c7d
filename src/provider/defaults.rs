//! Where a provider's key comes from, and the usage messages about keys. The defaults themselves
//! (base URL, model, key variables) are columns of the table in [`kinds`](super::kinds).
//!
//! Flags and `.assistant.toml` are the CLI's business; this module only knows the environment
//! variables.

use super::kinds::{specs, Spec};
use super::ProviderKind;

/// Holds a key for whatever `--type` is chosen; tried after the type's own variables.
pub const ANY_PROVIDER_KEY_VAR: &str = "ASSISTANT_API_KEY";

/// What `kind` uses when the user says nothing: its row of the table.
pub fn of(kind: ProviderKind) -> &'static Spec {
    kind.spec()
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

/// The `--api-key` line of `--help`: each type's variables, then [`ANY_PROVIDER_KEY_VAR`].
pub fn api_key_help() -> String {
    let by_type: Vec<String> = specs()
        .filter(|spec| !spec.key_vars.is_empty())
        .map(|spec| spec.key_vars.join(" or "))
        .collect();
    format!(
        "API key; else {} by type, else {ANY_PROVIDER_KEY_VAR}. Never printed",
        by_type.join(" / ")
    )
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

    #[test]
    fn the_help_names_every_variable() {
        assert_eq!(
            api_key_help(),
            "API key; else DEEPSEEK_API_KEY / OPENAI_API_KEY / GEMINI_API_KEY or GOOGLE_API_KEY by type, else ASSISTANT_API_KEY. Never printed"
        );
    }
}
