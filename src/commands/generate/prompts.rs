//! `generate --only-print-prompt`: the road stopped before `ask`, showing each job's prompt instead.

use std::io;

use serde_json::json;

use crate::cli::{GenerateArgs, GenerateFormat};
use crate::out;
use crate::plan::Job;
use crate::prompt::Prompt;

/// Prints each job's prompt and what went into it, as text or one json event per job; stops at the
/// first failed write (a reader that went away: `crate::out`).
pub(super) fn print_prompts(prompts: &[(&Job, &Prompt)], args: &GenerateArgs) -> io::Result<()> {
    let total = prompts.len();
    for (index, (job, prompt)) in prompts.iter().enumerate() {
        let dropped: Vec<&str> = prompt.dropped.iter().map(|d| d.describe()).collect();
        match args.format {
            GenerateFormat::Json => out::line(&json!({
                    "event": "prompt",
                    "file": job.file.path.display().to_string(),
                    "part": job.part, "parts": job.parts,
                    "functions": job.identities(),
                    "lang": prompt.lang,
                    "tokens": prompt.tokens,
                    "budget": args.max_context_tokens,
                    "included": prompt.included,
                    "dropped": dropped,
                    "system": prompt.system,
                    "user": prompt.user,
            }))?,
            GenerateFormat::Text => {
                out::line(&format!("=== job {}/{total}: {}", index + 1, job.label()))?;
                out::line(&format!("stubs: {}", job.identities().join(", ")))?;
                out::line(&format!(
                    "prompt: {} tokens (budget {}), language {}",
                    prompt.tokens,
                    args.max_context_tokens,
                    prompt.lang.code()
                ))?;
                out::line(&format!("context: {}", prompt.included.join(", ")))?;
                out::line(&format!(
                    "dropped for the budget: {}",
                    if dropped.is_empty() {
                        "nothing".to_string()
                    } else {
                        dropped.join(", ")
                    }
                ))?;
                out::write(&format!(
                    "--- system\n{}--- user\n{}\n",
                    prompt.system, prompt.user
                ))?;
            }
        }
    }
    if total == 0 && args.format == GenerateFormat::Text {
        crate::note!("no stubs to implement");
    }
    Ok(())
}
