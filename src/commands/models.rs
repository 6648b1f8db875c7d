//! `assistant models --type T`: what the endpoint offers, one model per line — the answer to a
//! "model not found" error.

use anyhow::Result;

use super::{Outcome, UsageError};
use crate::cli::ModelsArgs;
use crate::provider::{self, defaults, ProviderConfig, ProviderKind};

pub fn run(args: &ModelsArgs) -> Result<Outcome> {
    let kind = ProviderKind::from_flag(args.endpoint.kind.as_deref()).map_err(UsageError)?;
    let api_key = defaults::resolve_api_key(kind, args.endpoint.api_key.clone());
    if api_key.is_none() && defaults::of(kind).needs_key {
        return Err(UsageError(defaults::missing_key_message(kind)).into());
    }
    let mut config = ProviderConfig::new(kind);
    config.base_url = args.endpoint.base_url.clone();
    config.api_key = api_key;
    let provider = provider::build(config).map_err(|e| UsageError(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match runtime.block_on(provider.list_models()) {
        Ok(models) => {
            for model in models {
                crate::out::line(&model)?;
            }
            Ok(Outcome::Success)
        }
        Err(error) => {
            crate::note!("assistant: error: {error}");
            Ok(Outcome::Failure)
        }
    }
}
