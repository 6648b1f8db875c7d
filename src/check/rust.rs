//! Checking a Rust answer: the blocks found by `check` (fences labelled `rust`/`rs`), held against the
//! stubs the job asked for.
//!
//! Every block must be for the target file (a `// file:` name for another file is refused) and parse.
//! The blocks are joined into one text (`lang::rust::merge`), in which every requested function must be
//! present with its identity — the same name inside the same `impl` (self type + trait), `trait` or
//! `mod` — and its signature unchanged (parameter names may differ), and where no function that was asked
//! for or is new still executes a marker. What passes becomes the file's [`CheckedFile`]: the `use`
//! items and items as the answer wrote them, the `// file:` line removed.

use super::{first_line_name, names_file, Block, CheckedFile, Expected, Problem, Problems, RUST};
use crate::lang::rust::items::{self, Kind, RustFile};
use crate::lang::rust::{merge, stubs};
use crate::lang::{Lang, Stub};

/// Checks the Rust blocks of an answer.
pub(super) fn check(blocks: Vec<Block>, expected: &Expected) -> Result<Vec<CheckedFile>, Problems> {
    if blocks.is_empty() {
        return Err(Problems(vec![Problem::NoCodeIn(Lang::Rust)]));
    }
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
        let code = without_file_line(&block.code);
        match items::list(&code) {
            Ok(_) => parts.push(code),
            Err(error) => problems.push(Problem::Syntax {
                file: file.clone(),
                detail: error.to_string(),
            }),
        }
    }
    let code = join(parts, &file, &mut problems);
    let listed = code
        .as_deref()
        .map(|code| items::list(code).unwrap_or_default())
        .unwrap_or_default();
    let source = items::list(&target.source).unwrap_or_default();
    if let Some(code) = &code {
        check_stubs(code, &listed, &source, expected, &mut problems);
    }
    match code {
        Some(code) if problems.is_empty() => Ok(vec![CheckedFile {
            path: target.path.clone(),
            functions: changed(&listed, &source, &target.stubs),
            code,
        }]),
        _ => {
            if problems.is_empty() {
                problems.push(Problem::NoCodeIn(Lang::Rust));
            }
            Err(Problems(problems))
        }
    }
}

/// The block without its first line when that line only names the file.
fn without_file_line(code: &str) -> String {
    if first_line_name(code, RUST).is_none() {
        return code.to_string();
    }
    let rest = code.trim_start_matches(['\n', ' ', '\t']);
    let after = rest.find('\n').map_or("", |i| &rest[i + 1..]);
    after.trim_start_matches('\n').to_string()
}

/// The blocks' code as one text: each later block merged into the first.
fn join(parts: Vec<String>, file: &str, problems: &mut Vec<Problem>) -> Option<String> {
    let mut parts = parts.into_iter();
    let mut code = parts.next()?;
    for part in parts {
        match merge::merge(&code, &part) {
            Ok(merged) => code = merged.text,
            Err(error) => {
                problems.push(Problem::Conflict {
                    file: file.to_string(),
                    detail: error.to_string(),
                });
                return None;
            }
        }
    }
    Some(code)
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::{check, TargetFile};
    use super::*;
    use crate::lang::Markers;

    const SOURCE: &str = r#"use std::collections::HashMap;

pub struct Store {
    users: HashMap<u64, String>,
}

impl Repo for Store {
    /// Finds a user.
    fn find(&self, id: u64) -> Option<String> {
        todo!()
    }

    fn count(&self) -> usize {
        self.users.len()
    }
}

impl Store {
    /// Removes one.
    pub fn remove(&mut self, id: u64) -> bool {
        unimplemented!()
    }
}
"#;

    const FIND: &str = r#"impl Repo for Store {
    /// Finds a user.
    fn find(&self, user_id: u64) -> Option<String> {
        self.users.get(&user_id).cloned()
    }
}
"#;

    fn expected(names: &[&str]) -> Expected {
        let stubs = Lang::Rust.find_stubs(SOURCE, &Markers::default());
        Expected {
            target: TargetFile {
                name: "src/store.rs".into(),
                path: PathBuf::from("crate/src/store.rs"),
                source: SOURCE.into(),
                stubs: stubs
                    .into_iter()
                    .filter(|s| names.contains(&s.name.as_str()))
                    .collect(),
            },
            dependent: None,
            markers: Markers::default(),
        }
    }

    fn fenced(label: &str, code: &str) -> String {
        format!("```{label}\n{code}```\n")
    }

    #[test]
    fn answers_that_pass() {
        let cases: Vec<(&str, String)> = vec![
            ("a labelled fence", fenced("rust", FIND)),
            (
                "a file line and prose",
                format!(
                    "Here:\n\n{}\nDone.",
                    fenced("rs", &format!("// file: src/store.rs\n{FIND}"))
                ),
            ),
            ("no fence", format!("Sure.\n\n{FIND}")),
            (
                "the other methods echoed back",
                fenced(
                    "rust",
                    &SOURCE.replace("        todo!()", "        self.users.get(&id).cloned()"),
                ),
            ),
        ];
        for (what, answer) in cases {
            let checked = match check(&answer, &expected(&["find"])) {
                Ok(checked) => checked,
                Err(problems) => panic!("{what}: {problems}"),
            };
            assert_eq!(checked.len(), 1, "{what}");
            assert_eq!(checked[0].path, PathBuf::from("crate/src/store.rs"));
            assert_eq!(checked[0].functions, ["<Store as Repo>::find"], "{what}");
            assert!(!checked[0].code.contains("// file:"), "{what}");
        }
    }

    #[test]
    fn two_blocks_are_joined() {
        let remove = "use std::mem;\n\nimpl Store {\n    pub fn remove(&mut self, id: u64) -> bool {\n        self.users.remove(&id).is_some()\n    }\n}\n";
        let answer = format!("{}{}", fenced("rust", FIND), fenced("rust", remove));
        let checked = check(&answer, &expected(&["find", "remove"])).unwrap();
        assert_eq!(
            checked[0].functions,
            ["<Store as Repo>::find", "Store::remove"]
        );
        assert!(checked[0]
            .code
            .starts_with("use std::mem;\n\nimpl Repo for Store {"));
    }

    #[test]
    fn answers_that_fail() {
        type Case = (&'static str, String, fn(&Problem) -> bool);
        let cases: Vec<Case> = vec![
            (
                "a changed signature",
                fenced("rust", &FIND.replace("user_id: u64", "user_id: u32")),
                |p| matches!(p, Problem::SignatureChanged { .. }),
            ),
            (
                "outside its impl",
                fenced(
                    "rust",
                    "fn find(&self, id: u64) -> Option<String> { None }\n",
                ),
                |p| matches!(p, Problem::Missing { identity, .. } if identity == "<Store as Repo>::find"),
            ),
            (
                "the marker still there",
                fenced(
                    "rust",
                    &FIND.replace("self.users.get(&user_id).cloned()", "todo!(\"x\")"),
                ),
                |p| matches!(p, Problem::StillStub { .. }),
            ),
            (
                "a syntax error",
                fenced("rust", &FIND.replace("cloned()", "cloned(")),
                |p| matches!(p, Problem::Syntax { detail, .. } if detail.contains(':')),
            ),
            (
                "another file",
                fenced("rust", &format!("// file: src/main.rs\n{FIND}")),
                |p| matches!(p, Problem::UnknownFile { named } if named == "src/main.rs"),
            ),
            ("Go instead of Rust", fenced("go", "package store\n"), |p| {
                *p == Problem::NoCodeIn(Lang::Rust)
            }),
            (
                "a new helper left as a stub",
                fenced("rust", &format!("{FIND}\nfn helper() {{ todo!() }}\n")),
                |p| matches!(p, Problem::StillStub { identity, .. } if identity == "helper"),
            ),
        ];
        for (what, answer, wanted) in cases {
            match check(&answer, &expected(&["find"])) {
                Ok(files) => panic!("{what}: accepted {files:?}"),
                Err(problems) => assert!(problems.0.iter().any(wanted), "{what}: {problems:?}"),
            }
        }
        assert_eq!(
            Problem::NoCodeIn(Lang::Rust).to_string(),
            "the answer holds no Rust code block"
        );
    }
}
