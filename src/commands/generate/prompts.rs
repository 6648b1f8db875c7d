//! `generate --only-print-prompt`: the road stopped before `ask`, showing each job's prompt instead.

use serde_json::json;

use crate::cli::{GenerateArgs, GenerateFormat};
use crate::plan::Job;
use crate::prompt::Prompt;

/// Prints each job's prompt and what went into it, as text or one json event per job.
pub(super) fn print_prompts(prompts: &[(&Job, &Prompt)], args: &GenerateArgs) {
    let total = prompts.len();
    for (index, (job, prompt)) in prompts.iter().enumerate() {
        let dropped: Vec<&str> = prompt.dropped.iter().map(|d| d.describe()).collect();
        match args.format {
            GenerateFormat::Json => println!(
                "{}",
                json!({
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
                })
            ),
            GenerateFormat::Text => {
                println!("=== job {}/{total}: {}", index + 1, job.label());
                println!("stubs: {}", job.identities().join(", "));
                println!(
                    "prompt: {} tokens (budget {}), language {}",
                    prompt.tokens,
                    args.max_context_tokens,
                    prompt.lang.code()
                );
                println!("context: {}", prompt.included.join(", "));
                println!(
                    "dropped for the budget: {}",
                    if dropped.is_empty() {
                        "nothing".to_string()
                    } else {
                        dropped.join(", ")
                    }
                );
                println!("--- system\n{}--- user\n{}", prompt.system, prompt.user);
            }
        }
    }
    if total == 0 && args.format == GenerateFormat::Text {
        eprintln!("no stubs to implement");
    }
}
