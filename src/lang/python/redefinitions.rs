//! What a Python answer may not change: the functions, methods, classes' methods and module-level
//! names its module already has. An answer implements the stubs it was asked for and adds
//! definitions; a function that exists and is not a stub it may echo (whitespace aside) but not give
//! with other code, and a module-level name (`TIMEOUT = 3`) it may not assign anew.

use super::defs::{Kind, PyFile};
use crate::lang::text::squeeze;
use crate::lang::Problem;

/// The problems of the answer's `code` (listed as `listed`) against the module's `text` (listed as
/// `source`); `stubs` are the identities of the module's stubs, which the answer may implement.
pub(super) fn redefinitions(
    file: &str,
    code: &str,
    listed: &PyFile,
    text: &str,
    source: &PyFile,
    stubs: &[String],
) -> Vec<Problem> {
    let redefines = |identity: &str| Problem::Redefines {
        file: file.to_string(),
        identity: identity.to_string(),
        existing: file.to_string(),
    };
    let mut problems = Vec::new();
    for def in listed.defs.iter().filter(|d| d.kind == Kind::Function) {
        if stubs.contains(&def.identity) {
            continue;
        }
        let ours = squeeze(&code[def.span.clone()]);
        let mut existing = source.functions(&def.identity).peekable();
        if existing.peek().is_none() {
            continue;
        }
        // A property's getter and setter share an identity: echoing either is fine.
        if !existing.any(|e| squeeze(&text[e.span.clone()]) == ours) {
            problems.push(redefines(&def.identity));
        }
    }
    for statement in &listed.others {
        let statement = &code[statement.clone()];
        let Some(name) = assigned_name(statement) else {
            continue;
        };
        let theirs: Vec<&str> = source
            .others
            .iter()
            .map(|r| &text[r.clone()])
            .filter(|s| assigned_name(s) == Some(name))
            .collect();
        if !theirs.is_empty() && !theirs.iter().any(|s| squeeze(s) == squeeze(statement)) {
            problems.push(redefines(name));
        }
    }
    problems
}

/// The name a module-level `NAME = …` or `NAME: T = …` statement assigns.
fn assigned_name(statement: &str) -> Option<&str> {
    let end = statement
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(statement.len());
    let (name, rest) = statement.split_at(end);
    let rest = rest.trim_start();
    let assigns = (rest.starts_with('=') && !rest.starts_with("=="))
        || (rest.starts_with(':') && rest.contains('='));
    let is_name = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_');
    (is_name && assigns).then_some(name)
}
