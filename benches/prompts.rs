//! Prompt report: what each job sends, and what the answer it asks for saves.
//!
//! For a project (the bundled `examples/store` by default, or the path given), prints per job:
//! - the prompt's tokens (system + user, after the context budget);
//! - the tokens a whole-file answer would have to repeat — the source file, plus the dao file for a
//!   layered job — which is what sponge's own assistant asks the model to write back;
//! - the tokens of the stubs' declarations as they stand: the floor of a functions-only answer;
//! - the tokens of its longest prefix shared with another prompt of the run, and their share of the
//!   prompt: what providers' prefix caches can serve (see `support/shared_prefix.rs`);
//!
//! and the totals. Tokens are counted with the same o200k BPE the budget uses.
//!
//! Run: `cargo bench --bench prompts [-- PATH] [--show] [--group-size=N]` (`--show` also prints every
//! prompt; `--group-size` caps the stubs of a job, 6 by default, to see a file split in parts); the
//! figures do not depend on the profile, so `cargo bench --profile dev` reuses a debug build.

#[path = "support/shared_prefix.rs"]
mod shared_prefix;

use std::path::PathBuf;
use std::sync::Arc;

use assistant::context::gather::Gatherer;
use assistant::context::tokens::{count, encode};
use assistant::lang::Markers;
use assistant::plan;
use assistant::prompt::{PromptLang, Templates};
use assistant::scan::{scan, Target};

fn main() {
    let root = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("examples/store"));
    let show = std::env::args().any(|a| a == "--show");
    // `--group-size=N`: split files into jobs of at most N stubs, as `generate --group-size` does.
    let group_size = std::env::args()
        .find_map(|a| a.strip_prefix("--group-size=")?.parse().ok())
        .unwrap_or(6);
    let outcome = scan(&[Target::named(&root)], &Markers::default());
    let files = outcome.files.into_iter().map(Arc::new).collect();
    let jobs = plan::jobs(files, group_size);
    let (templates, _) = Templates::load(None).expect("embedded templates load");
    let mut gatherer = Gatherer::default();

    println!("project: {}", root.display());
    let mut rows = Vec::new();
    let mut sent = Vec::new();
    for job in &jobs {
        let context = gatherer.job_context(job);
        let prompt = templates
            .render(job, &context, PromptLang::detect(job), 24_000)
            .expect("prompt renders");
        if show {
            println!("--- system\n{}--- user\n{}---", prompt.system, prompt.user);
        }
        let dao = context
            .file
            .scaffold
            .as_ref()
            .and_then(|s| s.extends.as_ref())
            .map_or(0, |dao| count(&dao.source));
        let whole = count(&job.file.source) + dao;
        let floor: usize = job
            .stubs
            .iter()
            .map(|stub| count(&job.file.source[stub.decl_with_doc.clone()]))
            .sum();
        // System then user, each tokenized on its own as chat templates keep messages apart.
        let mut tokens = encode(&prompt.system);
        tokens.extend(encode(&prompt.user));
        sent.push(tokens);
        rows.push((job.label(), job.stubs.len(), prompt.tokens, whole, floor));
    }
    let shared = shared_prefix::shared_prefixes(&sent);

    println!(
        "{:<44} {:>6} {:>8} {:>12} {:>12} {:>8} {:>7}",
        "job", "stubs", "prompt", "whole-file", "stubs-floor", "shared", "share"
    );
    for (row, shared) in rows.iter().zip(&shared) {
        let (label, stubs, prompt, whole, floor) = row;
        println!(
            "{:<44} {:>6} {:>8} {:>12} {:>12} {:>8} {:>6.1}%",
            label,
            stubs,
            prompt,
            whole,
            floor,
            shared,
            percent(*shared, *prompt)
        );
    }
    let sum = |pick: fn(&(String, usize, usize, usize, usize)) -> usize| -> usize {
        rows.iter().map(pick).sum()
    };
    let (prompt_total, whole_total, floor_total) = (sum(|r| r.2), sum(|r| r.3), sum(|r| r.4));
    let shared_total: usize = shared.iter().sum();
    println!(
        "{:<44} {:>6} {:>8} {:>12} {:>12} {:>8} {:>6.1}%",
        "total",
        sum(|r| r.1),
        prompt_total,
        whole_total,
        floor_total,
        shared_total,
        percent(shared_total, prompt_total)
    );
    if floor_total > 0 {
        println!(
            "a whole-file answer repeats {:.1}x the tokens of the stubs' declarations",
            whole_total as f64 / floor_total as f64
        );
    }
    println!(
        "{:.1}% of the run's prompt tokens are a prefix shared with another prompt of the run",
        percent(shared_total, prompt_total)
    );
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}
