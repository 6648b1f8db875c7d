//! Snapshots of the prompts for the bundled example's jobs, in both languages. A change to a template or
//! to the context gathering shows up here as a diff to review (`cargo insta review`).

use std::path::Path;
use std::sync::Arc;

use assistant::context::gather::Gatherer;
use assistant::lang::Markers;
use assistant::plan;
use assistant::prompt::{PromptLang, Templates};
use assistant::scan::{scan, Target};

fn render_all(lang: PromptLang) -> Vec<(String, String)> {
    // Relative to the crate root, so snapshot contents do not depend on where the checkout lives.
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let outcome = scan(
        &[Target::named(Path::new("examples/store"))],
        &Markers::default(),
    );
    let jobs = plan::jobs(outcome.files.into_iter().map(Arc::new).collect(), 6);
    let (templates, _) = Templates::load(None).unwrap();
    let mut gatherer = Gatherer::default();
    jobs.iter()
        .map(|job| {
            let context = gatherer.job_context(job);
            let prompt = templates.render(job, &context, lang, 24_000).unwrap();
            let name = context.file.name.replace('/', "_");
            let text = format!(
                "tokens: {}\nincluded: {}\n--- system\n{}--- user\n{}",
                prompt.tokens,
                prompt.included.join(", "),
                prompt.system,
                prompt.user
            );
            (name, text)
        })
        .collect()
}

#[test]
fn example_prompts_in_english() {
    for (name, text) in render_all(PromptLang::En) {
        insta::assert_snapshot!(format!("en_{name}"), text);
    }
}

#[test]
fn example_prompts_in_chinese() {
    for (name, text) in render_all(PromptLang::Zh) {
        insta::assert_snapshot!(format!("zh_{name}"), text);
    }
}
