//! What an accepted answer adds besides the stubs it was asked for — helpers, types, dao methods,
//! interfaces that gain methods, imports — as the reports list it (the text `ok` line, the JSON
//! `job_succeeded` event's `added`). Found by merging each checked file into the source the job read,
//! so it is exactly what `merge` will add.

use super::{CheckedFile, Expected, Lang};

/// What `checked` (the answer's code per file) adds to the files of `expected` besides its stubs: new
/// declarations by identity, interfaces that gain methods (`type CouponDao (extended)`), then imports
/// (as the language's dialect shows them: `import "strings"`, `use std::fmt`, `import os`).
pub fn additions(expected: &Expected, checked: &[CheckedFile]) -> Vec<String> {
    let asked: Vec<String> = expected.target.stubs.iter().map(|s| s.identity()).collect();
    let mut declarations = Vec::new();
    let mut imports = Vec::new();
    for file in checked {
        let source = if file.path == expected.target.path {
            Some(&expected.target.source)
        } else {
            expected
                .dependent
                .as_ref()
                .filter(|d| d.path == file.path)
                .map(|d| &d.source)
        };
        let (Some(source), Some(lang)) = (source, Lang::of(&file.path)) else {
            continue;
        };
        // The check merged it already; a failure here only means nothing to list.
        let Ok(merged) = lang.merge(source, &file.code) else {
            continue;
        };
        declarations.extend(merged.added.into_iter().filter(|i| !asked.contains(i)));
        declarations.extend(
            merged
                .extended
                .into_iter()
                .map(|i| format!("{i} (extended)")),
        );
        let (before, after) = lang.dialect().import_shown;
        imports.extend(
            merged
                .imports_added
                .into_iter()
                .map(|i| format!("{before}{i}{after}")),
        );
    }
    declarations.extend(imports);
    declarations
}
