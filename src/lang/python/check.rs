//! Checking a Python answer: the blocks `check` found (fences labelled `python`/`py`/`python3`, or
//! bare code), held against the stubs the job asked for.
//!
//! Every block must be for the target file (a `# file:` name for another file is refused) and parse
//! (an indented block is dedented first). A method may come inside its `class` block, as the prompt
//! shows it, or alone at module level: a module-level `def` whose name is that of exactly one requested
//! method (and of no module-level function of the file) is put back into that method's classes. The
//! blocks are joined into one text (`merge`), in which every requested function must be present by
//! identity with its decorators and header unchanged — parameter names included, since Python callers
//! pass arguments by keyword — and where no function that was asked for or is new still executes a
//! marker, and where no function or module-level name that exists and is not a stub is given with
//! other code ([`super::redefinitions`]). What passes becomes the file's [`CheckedFile`]: the answer's imports, its new module-level
//! statements, and the functions asked for, new or changed, inside their class blocks.

use std::collections::BTreeMap;

use super::defs::{self, Kind, PyFile};
use super::{merge, redefinitions, stubs, syntax_error, DIALECT};
use crate::lang::answer::{join_parts, names_file, without_file_line};
use crate::lang::text::{dedent, line_start, next_line_start, squeeze};
use crate::lang::{Block, CheckedFile, Expected, Lang, Problem, Problems, Stub};

/// Checks the Python blocks of an answer (there is at least one).
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
        let mut code = without_file_line(&block.code, &DIALECT);
        if syntax_error(&code).is_some() && syntax_error(&dedent(&code)).is_none() {
            code = dedent(&code) + "\n";
        }
        match syntax_error(&code) {
            None => parts.push(with_classes(&code, &target.source, &target.stubs)),
            Some(detail) => problems.push(Problem::Syntax {
                file: file.clone(),
                detail,
            }),
        }
    }
    let code = join_parts(parts, &file, merge::merge, &mut problems);
    let source = defs::list(&target.source);
    if let Some(code) = &code {
        check_stubs(code, &source, expected, &mut problems);
        let stubs_here: Vec<String> = stubs::find_stubs(&target.source, &expected.markers)
            .into_iter()
            .map(|stub| stub.identity)
            .collect();
        problems.extend(redefinitions::redefinitions(
            &file,
            code,
            &defs::list(code),
            &target.source,
            &source,
            &stubs_here,
        ));
    }
    let checked = match code {
        Some(code) if problems.is_empty() => {
            let (code, functions) = render(&code, &source, target.source.as_str(), expected);
            if let Err(error) = merge::merge(&target.source, &code) {
                problems.push(Problem::Conflict {
                    file: file.clone(),
                    detail: error.to_string(),
                });
            }
            CheckedFile {
                path: target.path.clone(),
                code,
                functions,
            }
        }
        _ => {
            if problems.is_empty() {
                problems.push(Problem::NoCodeIn(python()));
            }
            return Err(Problems(problems));
        }
    };
    if problems.is_empty() {
        Ok(vec![checked])
    } else {
        Err(Problems(problems))
    }
}

/// The block with its module-level `def`s that are requested methods moved into their classes.
fn with_classes(code: &str, source: &str, asked: &[Stub]) -> String {
    let listed = defs::list(code);
    let source_defs = defs::list(source);
    let top_level: Vec<&str> = source_defs
        .defs
        .iter()
        .filter(|d| d.kind == Kind::Function && d.parent.is_none())
        .map(|d| d.name.as_str())
        .collect();
    let mut removed = Vec::new();
    // By enclosing headers: the methods to put back into those classes.
    let mut moved: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for def in listed.defs.iter().filter(|d| d.parent.is_none()) {
        if def.kind != Kind::Function || top_level.contains(&def.name.as_str()) {
            continue;
        }
        let methods: Vec<&Stub> = asked
            .iter()
            .filter(|s| s.name == def.name && s.receiver.is_some())
            .collect();
        let [stub] = methods.as_slice() else {
            continue;
        };
        let indent = &source[line_start(source, stub.decl.start)..stub.decl.start];
        let text = code[def.span.clone()]
            .split('\n')
            .enumerate()
            .map(|(i, line)| match i {
                0 => format!("{indent}{line}"),
                _ if line.trim().is_empty() => String::new(),
                _ => format!("{indent}{line}"),
            })
            .collect::<Vec<_>>()
            .join("\n");
        moved.entry(stub.enclosing.clone()).or_default().push(text);
        removed.push(line_start(code, def.span.start)..next_line_start(code, def.span.end));
    }
    if moved.is_empty() {
        return code.to_string();
    }
    let mut out = String::new();
    let mut at = 0;
    for range in removed {
        out.push_str(&code[at..range.start]);
        at = range.end;
    }
    out.push_str(&code[at..]);
    for (headers, methods) in moved {
        out.push_str("\n\n");
        out.push_str(&headers.join("\n"));
        out.push('\n');
        out.push_str(&methods.join("\n\n"));
        out.push('\n');
    }
    out
}

fn check_stubs(code: &str, source: &PyFile, expected: &Expected, problems: &mut Vec<Problem>) {
    let target = &expected.target;
    let file = target.name.clone();
    let listed = defs::list(code);
    for stub in &target.stubs {
        let Some(found) = listed.functions(&stub.identity).next() else {
            problems.push(Problem::Missing {
                file: file.clone(),
                identity: stub.identity.clone(),
            });
            continue;
        };
        let Some(wanted) = source.functions(&stub.identity).next() else {
            continue;
        };
        if wanted.normalized_header(&target.source) != found.normalized_header(code) {
            problems.push(Problem::SignatureChanged {
                file: file.clone(),
                identity: stub.identity.clone(),
                expected: wanted.header_line(&target.source),
                found: found.header_line(code),
            });
        }
    }
    for stub in stubs::find_stubs(code, &expected.markers) {
        let asked = target.stubs.iter().any(|s| s.identity == stub.identity);
        if asked || source.functions(&stub.identity).next().is_none() {
            problems.push(Problem::StillStub {
                file: file.clone(),
                identity: stub.identity,
                marker: stub.marker,
            });
        }
    }
}

/// The checked code: the answer's imports, its new module-level statements, and the functions that
/// were asked for, are new or changed, inside their class blocks; with their identities.
fn render(code: &str, source: &PyFile, text: &str, expected: &Expected) -> (String, Vec<String>) {
    let listed = defs::list(code);
    let others_stubs: Vec<String> = stubs::find_stubs(text, &expected.markers)
        .into_iter()
        .map(|s| s.identity)
        .filter(|i| !expected.target.stubs.iter().any(|s| &s.identity == i))
        .collect();
    let keep = |i: usize| {
        let def = &listed.defs[i];
        if others_stubs.contains(&def.identity) {
            return false;
        }
        let asked = expected
            .target
            .stubs
            .iter()
            .any(|s| s.identity == def.identity);
        asked
            || match source.functions(&def.identity).next() {
                None => true,
                Some(existing) => {
                    squeeze(&text[existing.span.clone()]) != squeeze(&code[def.span.clone()])
                }
            }
    };
    let mut functions = Vec::new();
    let pieces = Renderer {
        code,
        listed: &listed,
        source,
        keep: &keep,
    }
    .members(None, &mut functions);
    let mut module: Vec<String> = Vec::new();
    let imports: Vec<&str> = listed.imports.iter().map(|r| &code[r.clone()]).collect();
    if !imports.is_empty() {
        module.push(imports.join("\n"));
    }
    let have: Vec<String> = source.others.iter().map(|r| squeeze(&text[r.clone()])).collect();
    module.extend(
        listed
            .others
            .iter()
            .map(|r| code[r.clone()].to_string())
            .filter(|statement| !have.contains(&squeeze(statement))),
    );
    module.extend(pieces);
    (module.join("\n\n\n") + "\n", functions)
}

struct Renderer<'a> {
    code: &'a str,
    listed: &'a PyFile,
    source: &'a PyFile,
    keep: &'a dyn Fn(usize) -> bool,
}

impl Renderer<'_> {
    /// The rendered members of class `parent` (the module when `None`), each with its indentation.
    fn members(&self, parent: Option<usize>, functions: &mut Vec<String>) -> Vec<String> {
        let mut pieces = Vec::new();
        for (i, def) in self.listed.defs.iter().enumerate() {
            if def.parent != parent {
                continue;
            }
            let from_line = line_start(self.code, def.span.start);
            match def.kind {
                Kind::Function if (self.keep)(i) => {
                    functions.push(def.identity.clone());
                    pieces.push(self.code[from_line..def.span.end].to_string());
                }
                Kind::Function => {}
                Kind::Class if self.source.class(&def.identity).is_none() => {
                    let prefix = format!("{}.", def.identity);
                    functions.extend(
                        self.listed
                            .defs
                            .iter()
                            .filter(|d| d.kind == Kind::Function && d.identity.starts_with(&prefix))
                            .map(|d| d.identity.clone()),
                    );
                    pieces.push(self.code[from_line..def.span.end].to_string());
                }
                Kind::Class => {
                    let members = self.members(Some(i), functions);
                    if !members.is_empty() {
                        let header = &self.code[from_line..def.header.end];
                        pieces.push(format!("{header}\n{}", members.join("\n\n")));
                    }
                }
            }
        }
        pieces
    }
}

fn python() -> Lang {
    Lang::named(DIALECT.name).expect("Python is registered")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::lang::{Markers, TargetFile};

    const SOURCE: &str = "import grpc\n\n\nclass S(pb2_grpc.InventoryServicer):\n    def Get(self, request, context):\n        \"\"\"Gets.\"\"\"\n        context.set_code(grpc.StatusCode.UNIMPLEMENTED)\n        raise NotImplementedError(\"Method not implemented!\")\n\n    def other(self):\n        return 1\n\n    def later(self):\n        raise NotImplementedError\n\n\ndef helper(x: int, *, scale: int = 2) -> int:\n    raise NotImplementedError\n";

    fn expected() -> Expected {
        let stubs = stubs::find_stubs(SOURCE, &Markers::default())
            .into_iter()
            .filter(|s| s.identity != "S.later")
            .collect();
        Expected {
            target: TargetFile {
                name: "svc.py".into(),
                path: PathBuf::from("/p/svc.py"),
                source: SOURCE.into(),
                stubs,
            },
            dependent: None,
            markers: Markers::default(),
        }
    }

    fn block(code: &str) -> Block {
        Block {
            code: code.into(),
            named: None,
        }
    }

    fn problems(code: &str) -> Vec<Problem> {
        match check(vec![block(code)], &expected()) {
            Ok(files) => panic!("accepted: {files:?}"),
            Err(problems) => problems.0,
        }
    }

    #[test]
    fn keeps_imports_and_the_changed_functions_in_their_classes() {
        let answer = "# file: svc.py\nimport json\nimport grpc\n\n\nclass S(pb2_grpc.InventoryServicer):\n    def Get(self, request, context):\n        \"\"\"Gets.\"\"\"\n        return json.dumps(request)\n\n    def other(self):\n        return 1\n\n    def later(self):\n        raise NotImplementedError\n\n\ndef helper(x: int, *, scale: int = 2,) -> int:\n    return x * scale\n";
        let files = check(vec![block(answer)], &expected()).unwrap();
        assert_eq!(files[0].functions, ["S.Get", "helper"]);
        assert_eq!(
            files[0].code,
            "import json\nimport grpc\n\n\nclass S(pb2_grpc.InventoryServicer):\n    def Get(self, request, context):\n        \"\"\"Gets.\"\"\"\n        return json.dumps(request)\n\n\ndef helper(x: int, *, scale: int = 2,) -> int:\n    return x * scale\n"
        );
    }

    #[test]
    fn a_method_given_alone_is_put_back_into_its_class() {
        let answers = vec![
            block("def Get(self, request, context):\n    \"\"\"Gets.\"\"\"\n    return None\n"),
            block("    def helper(x: int, *, scale: int = 2) -> int:\n        return x\n"),
        ];
        let files = check(answers, &expected()).unwrap();
        assert_eq!(files[0].functions, ["S.Get", "helper"]);
        assert!(files[0].code.contains(
            "class S(pb2_grpc.InventoryServicer):\n    def Get(self, request, context):\n        \"\"\"Gets.\"\"\"\n        return None\n"
        ));
    }

    #[test]
    fn names_and_annotations_of_parameters_must_stay() {
        let found = problems("def helper(y: int, *, scale: int = 2) -> int:\n    return y\n\n\nclass S:\n    def Get(self, request, context):\n        return 1\n");
        assert!(matches!(
            &found[..],
            [Problem::SignatureChanged { identity, .. }] if identity == "helper"
        ), "{found:?}");
    }

    #[test]
    fn missing_stubs_markers_files_and_syntax_are_problems() {
        let found = problems("def helper(x: int, *, scale: int = 2) -> int:\n    raise NotImplementedError('later')\n");
        assert!(found.contains(&Problem::Missing {
            file: "svc.py".into(),
            identity: "S.Get".into()
        }));
        assert!(found
            .iter()
            .any(|p| matches!(p, Problem::StillStub { identity, .. } if identity == "helper")));
        let other = Block {
            code: "# file: other.py\ndef x():\n    pass\n".into(),
            named: Some("other.py".into()),
        };
        let found = check(vec![other], &expected()).unwrap_err().0;
        assert!(matches!(&found[0], Problem::UnknownFile { named } if named == "other.py"));
        let found = problems("def helper(x:\n");
        assert!(matches!(&found[0], Problem::Syntax { .. }), "{found:?}");
    }
}
