//! What a Python answer may not change: the functions, methods, classes' methods and module-level
//! names its module already has. An answer implements the stubs it was asked for and adds
//! definitions; a function that exists and is not a stub it may echo (whitespace aside) but not give
//! with other code, and a module-level name (`TIMEOUT = 3`, a function, a class) it may not assign
//! anew (`helper = …`, `TIMEOUT += 1`, `Store.size = …`).

use super::defs::{self, Kind, PyFile};
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
    // What the module binds at its top: its functions and classes, and the names it assigns.
    let bound: Vec<&str> = source
        .defs
        .iter()
        .filter(|d| d.parent.is_none())
        .map(|d| d.name.as_str())
        .chain(source.others.iter().filter_map(|r| {
            assigned_target(&text[r.clone()]).map(root)
        }))
        .collect();
    for statement in &listed.others {
        let statement = &code[statement.clone()];
        let Some(target) = assigned_target(statement) else {
            continue;
        };
        // `helper = …`, `TIMEOUT += 1`, `Store.size = …` rebind what the module has; echoing one of
        // its statements unchanged is fine.
        let echoed = source
            .others
            .iter()
            .any(|r| squeeze(&text[r.clone()]) == squeeze(statement));
        if bound.contains(&root(target)) && !echoed {
            problems.push(redefines(target));
        }
    }
    problems.extend(class_statements(file, code, text, source));
    problems
}

/// The class attributes an answer gives in a class the module has: merge keeps a class's body but for
/// its methods, so one it has may only be echoed, and a new one is refused rather than lost.
fn class_statements(file: &str, code: &str, text: &str, source: &PyFile) -> Vec<Problem> {
    let theirs = defs::class_statements(text);
    let mut problems = Vec::new();
    for (class, range) in defs::class_statements(code) {
        if source.class(&class).is_none() {
            continue;
        }
        let statement = &code[range];
        let same_class = || theirs.iter().filter(|(c, _)| *c == class);
        if same_class().any(|(_, r)| squeeze(&text[r.clone()]) == squeeze(statement)) {
            continue;
        }
        let target = assigned_target(statement).unwrap_or("");
        let exists = !target.is_empty()
            && same_class().any(|(_, r)| assigned_target(&text[r.clone()]) == Some(target));
        let shown = format!("{class}.{target}");
        problems.push(if exists {
            Problem::Redefines {
                file: file.to_string(),
                identity: shown,
                existing: file.to_string(),
            }
        } else {
            Problem::Conflict {
                file: file.to_string(),
                detail: format!(
                    "`{}` in class {class} would not be merged (a class the file has gains only \
                     methods): keep new state at module level or set it in a method",
                    if target.is_empty() { statement.lines().next().unwrap_or("") } else { &shown }
                ),
            }
        });
    }
    problems
}

/// The first name of a dotted target: `Store` of `Store.size`.
fn root(target: &str) -> &str {
    target.split('.').next().unwrap_or(target)
}

/// Augmented assignments, longest first where one begins another.
const AUGMENTED: [&str; 13] = [
    "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", ">>=", "<<=",
];

/// The target a module-level `NAME = …`, `NAME: T = …`, `NAME += …` or `NAME.attr = …` statement
/// assigns.
pub(super) fn assigned_target(statement: &str) -> Option<&str> {
    let end = statement
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(statement.len());
    let (target, rest) = statement.split_at(end);
    let rest = rest.trim_start();
    let assigns = (rest.starts_with('=') && !rest.starts_with("=="))
        || (rest.starts_with(':') && rest.contains('='))
        || AUGMENTED.iter().any(|op| rest.starts_with(op));
    let is_name = target
        .split('.')
        .all(|part| part.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_'));
    (is_name && assigns).then_some(target)
}
