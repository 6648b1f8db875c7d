//! Checking a Rust answer: the blocks `check` found (fences labelled `rust`/`rs`, or bare code), held
//! against the stubs the job asked for.
//!
//! Every block must be for the target file (a `// file:` name for another file is refused) and parse.
//! The blocks are joined into one text (`lang::rust::merge`), in which every requested function must be
//! present with its identity — the same name inside the same `impl` (self type + trait), `trait` or
//! `mod` — and its signature unchanged (parameter names may differ), and where no function that was asked
//! for or is new still executes a marker; and where no item that exists and is not a stub, in the file
//! or (a method of an inherent `impl`) elsewhere in the crate, is given with other code
//! ([`super::redefinitions`]). What passes becomes the file's [`CheckedFile`]: the `use`
//! items and items as the answer wrote them, the `// file:` line removed.

use super::items::{self, Kind, RustFile};
use super::redefinitions;
use super::{merge, stubs, DIALECT};
use crate::lang::answer::{join_parts, names_file, without_file_line};
use crate::lang::{Block, CheckedFile, Expected, Lang, Problem, Problems, Stub};

/// Checks the Rust blocks of an answer (there is at least one).
pub(super) fn check(blocks: Vec<Block>, expected: &Expected) -> Result<Vec<CheckedFile>, Problems> {
    let target = &expected.target;
    let file = target.name.clone();
    let mut problems = Vec::new();
    let mut parts = Vec::new();
    for block in blocks {
        if let Some(named) = &block.named {
            if !names_file(&target.name, &target.path, named) {
                problems.push(Problem::UnknownFile {
                    named: named.clone(),
                });
                continue;
            }
        }
        let code = without_file_line(&block.code, &DIALECT);
        match items::list(&code) {
            Ok(_) => parts.push(code),
            Err(error) => problems.push(Problem::Syntax {
                file: file.clone(),
                detail: error.to_string(),
            }),
        }
    }
    let code = join_parts(parts, &file, merge::merge, &mut problems);
    let listed = code
        .as_deref()
        .map(|code| items::list(code).unwrap_or_default())
        .unwrap_or_default();
    let source = items::list(&target.source).unwrap_or_default();
    if let Some(code) = &code {
        check_stubs(code, &listed, &source, expected, &mut problems);
        let stubs_here: Vec<String> = stubs::find_stubs(&target.source, &expected.markers)
            .unwrap_or_default()
            .into_iter()
            .map(|stub| stub.identity)
            .collect();
        problems.extend(redefinitions::redefinitions(
            &file,
            &target.path,
            &listed,
            &source,
            &stubs_here,
        ));
        problems.extend(super::reads::new_reads(code, &target.source).into_iter().map(
            |what| Problem::ReadsAtCompileTime {
                file: file.clone(),
                what,
            },
        ));
    }
    match code {
        Some(code) if problems.is_empty() => Ok(vec![CheckedFile {
            path: target.path.clone(),
            functions: changed(&listed, &source, &target.stubs),
            code,
        }]),
        _ => {
            if problems.is_empty() {
                problems.push(Problem::NoCodeIn(rust()));
            }
            Err(Problems(problems))
        }
    }
}

fn check_stubs(
    code: &str,
    listed: &RustFile,
    source: &RustFile,
    expected: &Expected,
    problems: &mut Vec<Problem>,
) {
    let file = expected.target.name.clone();
    for stub in &expected.target.stubs {
        let Some(found) = listed.find(&stub.identity) else {
            problems.push(Problem::Missing {
                file: file.clone(),
                identity: stub.identity.clone(),
            });
            continue;
        };
        let wanted = source
            .find(&stub.identity)
            .and_then(|item| item.signature.as_ref());
        if let (Some(wanted), Some(got)) = (wanted, found.signature.as_ref()) {
            if wanted.normalized != got.normalized {
                problems.push(Problem::SignatureChanged {
                    file: file.clone(),
                    identity: stub.identity.clone(),
                    expected: stub.signature.clone(),
                    found: got.text.clone(),
                });
            }
        }
    }
    let Ok(left) = stubs::find_stubs(code, &expected.markers) else {
        return;
    };
    for stub in left {
        let asked = expected
            .target
            .stubs
            .iter()
            .any(|s| s.identity == stub.identity);
        if asked || source.find(&stub.identity).is_none() {
            problems.push(Problem::StillStub {
                file: file.clone(),
                identity: stub.identity,
                marker: stub.marker,
            });
        }
    }
}

/// The identities of the answer's items that were asked for, are new, or differ from the source's.
fn changed(listed: &RustFile, source: &RustFile, asked: &[Stub]) -> Vec<String> {
    listed
        .items
        .iter()
        .filter(|item| matches!(item.kind, Kind::Fn | Kind::Named(_)))
        .filter_map(|item| {
            let identity = item.identity()?;
            let keep = asked.iter().any(|s| s.identity == identity)
                || match source.find(&identity) {
                    None => true,
                    Some(existing) if item.has_attrs => existing.tokens != item.tokens,
                    Some(existing) => existing.decl_tokens != item.decl_tokens,
                };
            keep.then_some(identity)
        })
        .collect()
}

fn rust() -> Lang {
    Lang::named(DIALECT.name).expect("Rust is registered")
}
