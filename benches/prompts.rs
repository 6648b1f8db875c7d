//! Prompt report: what each job sends, and what the answer it asks for saves.
//!
//! For a project (the bundled `examples/store` by default, or the path given), prints per job:
//! - the prompt's tokens (system + user, after the context budget);
//! - the tokens a whole-file answer would have to repeat — the source file, plus the dao file for a
//!   layered job — which is what sponge's own assistant asks the model to write back;
//! - the tokens of the stubs' declarations as they stand: the floor of a functions-only answer;
//!
//! and the totals. Tokens are counted with the same o200k BPE the budget uses.
//!
//! Run: `cargo bench --bench prompts [-- PATH] [--show]` (`--show` also prints every prompt).

use std::path::PathBuf;
use std::sync::Arc;

use assistant::context::gather::Gatherer;
use assistant::context::tokens::count;
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
    let outcome = scan(&[Target::named(&root)], &Markers::default());
    let files = outcome.files.into_iter().map(Arc::new).collect();
    let jobs = plan::jobs(files, 6);
    let (templates, _) = Templates::load(None).expect("embedded templates load");
    let mut gatherer = Gatherer::default();

    println!("project: {}", root.display());
    println!(
        "{:<44} {:>6} {:>8} {:>12} {:>12}",
        "job", "stubs", "prompt", "whole-file", "stubs-floor"
    );
    let (mut prompt_total, mut whole_total, mut floor_total) = (0, 0, 0);
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
            .sponge
            .as_ref()
            .and_then(|s| s.dao.as_ref())
            .map_or(0, |dao| count(&dao.source));
        let whole = count(&job.file.source) + dao;
        let floor: usize = job
            .stubs
            .iter()
            .map(|stub| count(&job.file.source[stub.decl_with_doc.clone()]))
            .sum();
        println!(
            "{:<44} {:>6} {:>8} {:>12} {:>12}",
            job.label(),
            job.stubs.len(),
            prompt.tokens,
            whole,
            floor
        );
        prompt_total += prompt.tokens;
        whole_total += whole;
        floor_total += floor;
    }
    println!(
        "{:<44} {:>6} {:>8} {:>12} {:>12}",
        "total",
        jobs.iter().map(|j| j.stubs.len()).sum::<usize>(),
        prompt_total,
        whole_total,
        floor_total
    );
    if floor_total > 0 {
        println!(
            "a whole-file answer repeats {:.1}x the tokens of the stubs' declarations",
            whole_total as f64 / floor_total as f64
        );
    }
}
