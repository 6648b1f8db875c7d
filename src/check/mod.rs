//! The check stage: pull the code out of a model's answer and hand it to its language to decide
//! whether it does the job.
//!
//! Models answer with prose, `<think>` blocks, Markdown fences labelled with the language or nothing,
//! and sometimes no fence at all. This module normalises the text (LF, no BOM), strips the reasoning
//! ([`reasoning`]), finds the blocks in the target's language and the file name each gives
//! ([`blocks`]), refuses junk too large to be an answer, and hands the blocks to the language's checker
//! (`Language::check`), which routes them to files and holds them against the stubs asked for. What
//! passes becomes one [`CheckedFile`] per file; what fails becomes [`Problems`], worded to be sent back
//! to the model as a repair request.
//!
//! Asking again, writing sidecars and reporting belong to the callers.

mod additions;
mod blocks;
mod reasoning;

use crate::lang::answer::first_line_name;
pub use crate::lang::{
    Block, CheckedFile, DependentFile, Expected, Lang, Problem, Problems, TargetFile,
};
pub use additions::additions;
use blocks::{code_blocks, looks_like, MAX_BLOCK_BYTES};
use reasoning::strip_reasoning;

/// Pulls the code out of `answer` and checks it against what the job asked for. On success: the
/// target's checked code first, then the dependent file's when the answer extends it.
pub fn check(answer: &str, expected: &Expected) -> Result<Vec<CheckedFile>, Problems> {
    let Some(lang) = Lang::of(&expected.target.path) else {
        return Err(Problems(vec![Problem::UnknownFile {
            named: expected.target.name.clone(),
        }]));
    };
    let dialect = lang.dialect();
    let text = normalize(answer);
    // An answer that parses as it stands is bare code, whatever fence-like lines or `<think>` its
    // strings hold; prose around fences never parses.
    let bare_code =
        text.len() <= MAX_BLOCK_BYTES && looks_like(&text, dialect) && lang.parses(&text);
    let blocks = if bare_code {
        vec![Block {
            named: first_line_name(&text, dialect),
            code: text,
        }]
    } else {
        code_blocks(&strip_reasoning(&text), lang)
    };
    if let Some(problem) = oversized(&blocks) {
        return Err(Problems(vec![problem]));
    }
    if blocks.is_empty() {
        return Err(Problems(vec![Problem::NoCodeIn(lang)]));
    }
    lang.check(blocks, expected)
}

/// Hundreds of blocks are junk, not an answer; parsing them several times over would only burn time.
const MAX_BLOCKS: usize = 64;

fn oversized(blocks: &[Block]) -> Option<Problem> {
    let largest = blocks.iter().map(|b| b.code.len()).max().unwrap_or(0);
    (largest > MAX_BLOCK_BYTES || blocks.len() > MAX_BLOCKS).then_some(Problem::TooLarge {
        blocks: blocks.len(),
        largest,
    })
}

/// LF line endings, no BOM.
fn normalize(answer: &str) -> String {
    let text = answer.strip_prefix('\u{feff}').unwrap_or(answer);
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests;
