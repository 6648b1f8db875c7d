//! Python imports as sets of bindings, for uniting an addition's imports with a source's: `import a.b
//! as c` binds `a.b` as `c`, `from m import x, y as z` binds `m.x` as `x` and `m.y` as `z`. What the
//! source already binds is not imported again; the rest becomes one statement per addition statement.
//! `from __future__ import …` must come first in a module (after its docstring and comments): the
//! statements that do are told apart ([`is_future`]), and a module where one does not is found
//! ([`misplaced_future`]) — tree-sitter parses it, CPython refuses it.

use super::defs::PyFile;

/// One name an import statement binds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Binding {
    /// The module of a `from … import`, `None` for a plain `import`.
    from: Option<String>,
    name: String,
    alias: Option<String>,
}

/// The bindings of one import statement, from its text.
fn bindings(statement: &str) -> Vec<Binding> {
    let flat: String = statement
        .replace("\\\n", " ")
        .lines()
        .map(|line| line.split('#').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ");
    let words: Vec<&str> = flat.split_whitespace().collect();
    let flat = words.join(" ");
    let (from, names) = if let Some(rest) = flat.strip_prefix("from ") {
        match rest.split_once(" import ") {
            Some((module, names)) => (Some(module.trim().to_string()), names),
            None => return Vec::new(),
        }
    } else if let Some(names) = flat.strip_prefix("import ") {
        (None, names)
    } else {
        return Vec::new();
    };
    names
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, alias) = match part.split_once(" as ") {
                Some((name, alias)) => (name.trim(), Some(alias.trim().to_string())),
                None => (part, None),
            };
            Binding {
                from: from.clone(),
                name: name.to_string(),
                alias,
            }
        })
        .collect()
}

/// The part of the import `statement` that `existing` (the source's import statements) lacks, as a
/// statement: the statement as written when all of it is missing, `None` when none is.
pub fn missing(existing: &[&str], statement: &str) -> Option<String> {
    let have: Vec<Binding> = existing.iter().flat_map(|s| bindings(s)).collect();
    let wanted = bindings(statement);
    let lacking: Vec<&Binding> = wanted.iter().filter(|b| !have.contains(b)).collect();
    if lacking.is_empty() {
        return None;
    }
    if lacking.len() == wanted.len() {
        return Some(statement.trim().to_string());
    }
    let names: Vec<String> = lacking
        .iter()
        .map(|b| match &b.alias {
            Some(alias) => format!("{} as {alias}", b.name),
            None => b.name.clone(),
        })
        .collect();
    Some(match &lacking[0].from {
        Some(module) => format!("from {module} import {}", names.join(", ")),
        None => format!("import {}", names.join(", ")),
    })
}

/// Whether an import statement is a `from __future__ import …`.
pub fn is_future(statement: &str) -> bool {
    let mut words = statement.split_whitespace();
    words.next() == Some("from") && words.next() == Some("__future__")
}

/// CPython's complaint when a `from __future__` import of `file` (listing `text`) follows another
/// statement than the module docstring or other `__future__` imports.
pub fn misplaced_future(file: &PyFile, text: &str) -> Option<String> {
    let futures = file
        .imports
        .iter()
        .filter(|r| is_future(&text[(*r).clone()]));
    let last_future = futures.map(|r| r.start).max()?;
    let first_other = file
        .imports
        .iter()
        .filter(|r| !is_future(&text[(*r).clone()]))
        .chain(&file.others)
        .map(|r| r.start)
        .chain(file.defs.iter().filter(|d| d.parent.is_none()).map(|d| d.span.start))
        .min()?;
    (first_other < last_future).then(|| {
        let line = text[..last_future].matches('\n').count() + 1;
        format!("line {line}: from __future__ imports must occur at the beginning of the file")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn future_imports_must_come_first() {
        let list = |text: &str| misplaced_future(&super::super::defs::list(text), text);
        assert_eq!(list("\"\"\"Doc.\"\"\"\n# c\nfrom __future__ import annotations\nimport os\n"), None);
        // A licence header or a shebang may come before the docstring.
        assert_eq!(
            list("#!/usr/bin/env python3\n# (c) 2026\n\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n"),
            None
        );
        assert_eq!(
            list("import os\nfrom __future__ import annotations\n").as_deref(),
            Some("line 2: from __future__ imports must occur at the beginning of the file")
        );
        assert_eq!(list("X = 1\n\n\ndef f():\n    pass\n"), None);
        assert!(is_future("from  __future__ import (annotations)"));
        assert!(!is_future("from __future__x import y"));
    }

    #[test]
    fn only_what_the_source_lacks_is_imported() {
        let existing = ["import os", "from a.b import (\n    c,  # why\n    d as e,\n)"];
        assert_eq!(missing(&existing, "import os"), None);
        assert_eq!(missing(&existing, "from a.b import c, d as e"), None);
        assert_eq!(
            missing(&existing, "from a.b import c, f"),
            Some("from a.b import f".into())
        );
        assert_eq!(
            missing(&existing, "import os, sys as system"),
            Some("import sys as system".into())
        );
        assert_eq!(
            missing(&existing, "from .x import (y,\n  z)"),
            Some("from .x import (y,\n  z)".into())
        );
        assert_eq!(
            missing(&existing, "from a.b import d"),
            Some("from a.b import d".into())
        );
    }
}
