//! Checking a Go answer: the blocks `check` found (fences labelled `go`/`golang`, or bare code), routed
//! to the file each is for — the name it gives, else its package clause, else its declarations (a
//! block whose methods sit on the dao's types is for the dao) — and held against the stubs asked for:
//! it parses; every requested stub is there with its receiver type, name, parameter and result types
//! unchanged (parameter names may differ); no body still executes a marker; no block is for a file that
//! was not asked for; no method sits on a receiver its file does not declare; nothing that exists in
//! the file's package and is not a stub is given again with other code ([`super::redefinitions`]);
//! and what passes merges.
//! What passes becomes one [`CheckedFile`] per file: package clause, import block and the declarations
//! that add or change something.

use std::path::Path;

use super::decls::{self, Decl, GoFile};
use super::merge;
use super::redefinitions::Package;
use crate::lang::answer::{join_parts, names_file};
use crate::lang::text::squeeze;
use crate::lang::{Block, CheckedFile, Expected, Problem, Problems, Stub};

/// Checks the Go blocks of an answer (there is at least one).
pub(super) fn check(blocks: Vec<Block>, expected: &Expected) -> Result<Vec<CheckedFile>, Problems> {
    let files = ExpectedFiles::new(expected);
    let mut problems = Vec::new();
    let mut routed: [Vec<Block>; 2] = [Vec::new(), Vec::new()];
    for block in blocks {
        match files.route(&block) {
            Ok(which) => routed[which].push(block),
            Err(problem) => problems.push(problem),
        }
    }
    let [target_blocks, dependent_blocks] = routed;
    let mut checked = Vec::new();
    let target = files.check_file(0, &target_blocks, &mut problems);
    files.check_stubs(&target_blocks, &mut problems);
    checked.extend(target);
    if !dependent_blocks.is_empty() {
        checked.extend(files.check_file(1, &dependent_blocks, &mut problems));
    }
    if problems.is_empty() {
        Ok(checked
            .into_iter()
            .filter(|c| !c.functions.is_empty())
            .collect())
    } else {
        Err(Problems(problems))
    }
}

/// One file the answer may be for, with what is known of its source.
struct FileFacts<'a> {
    name: &'a str,
    path: &'a Path,
    source: &'a str,
    listed: GoFile,
    /// Identities of the stubs in the source (this job's and others').
    stubs: Vec<String>,
    /// The file and the other files of its package: what an answer may not redefine.
    scope: Package,
}

impl FileFacts<'_> {
    fn package(&self) -> Option<&str> {
        self.listed.package.as_ref().map(|p| p.name.as_str())
    }

    fn declares_type(&self, name: &str) -> bool {
        self.listed.type_names().any(|t| t == name)
    }

    fn is_named(&self, hint: &str) -> bool {
        names_file(self.name, self.path, hint)
    }
}

/// Index 0: the target; 1: the dependent file.
struct ExpectedFiles<'a> {
    expected: &'a Expected,
    files: Vec<FileFacts<'a>>,
}

impl<'a> ExpectedFiles<'a> {
    fn new(expected: &'a Expected) -> ExpectedFiles<'a> {
        let target = &expected.target;
        let facts = |name: &'a str, path: &'a Path, source: &'a str| {
            let listed = decls::list(source);
            FileFacts {
                name,
                path,
                source,
                scope: Package::load(name, path, source, &listed),
                listed,
                stubs: super::stubs::find_stubs(source, &expected.markers)
                    .iter()
                    .map(Stub::identity)
                    .collect(),
            }
        };
        let mut files = vec![facts(&target.name, &target.path, &target.source)];
        if let Some(dependent) = &expected.dependent {
            files.push(facts(&dependent.name, &dependent.path, &dependent.source));
        }
        ExpectedFiles { expected, files }
    }

    fn target(&self) -> &FileFacts<'a> {
        &self.files[0]
    }

    /// Which file a block is for: by the name it gives, else its package clause, else its declarations.
    fn route(&self, block: &Block) -> Result<usize, Problem> {
        if let Some(named) = &block.named {
            let matching: Vec<usize> = (0..self.files.len())
                .filter(|&i| self.files[i].is_named(named))
                .collect();
            match matching.as_slice() {
                [only] => return Ok(*only),
                [] => {
                    return Err(Problem::UnknownFile {
                        named: named.clone(),
                    })
                }
                _ => {}
            }
        }
        let listed = decls::list(&block.code);
        if let Some(package) = &listed.package {
            let matching: Vec<usize> = (0..self.files.len())
                .filter(|&i| self.files[i].package() == Some(package.name.as_str()))
                .collect();
            match matching.as_slice() {
                [only] => return Ok(*only),
                [] => {
                    return Err(Problem::UnknownFile {
                        named: format!("`package {}`", package.name),
                    })
                }
                _ => {}
            }
        }
        Ok(self.route_by_declarations(&listed))
    }

    fn route_by_declarations(&self, listed: &GoFile) -> usize {
        let asked = self.asked();
        let belongs_to = |file: &FileFacts| {
            listed.decls.iter().any(|decl| {
                decl.receiver
                    .as_deref()
                    .is_some_and(|r| file.declares_type(r))
                    || decl.names.iter().any(|n| file.declares_type(n))
            })
        };
        let holds_stub = listed
            .decls
            .iter()
            .any(|d| d.identities().iter().any(|i| asked.contains(i)));
        match self.files.get(1) {
            Some(dependent) if !holds_stub && belongs_to(dependent) => 1,
            _ => 0,
        }
    }

    fn asked(&self) -> Vec<String> {
        self.expected
            .target
            .stubs
            .iter()
            .map(Stub::identity)
            .collect()
    }

    /// Checks the blocks for one file and turns them into its code.
    fn check_file(
        &self,
        which: usize,
        blocks: &[Block],
        problems: &mut Vec<Problem>,
    ) -> Option<CheckedFile> {
        let file = &self.files[which];
        let mut parts = Vec::new();
        for block in blocks {
            let listed = decls::list(&block.code);
            let before = problems.len();
            for detail in decls::syntax_problems(&block.code) {
                problems.push(Problem::Syntax {
                    file: file.name.to_string(),
                    detail,
                });
            }
            self.check_package(file, &listed, problems);
            self.check_receivers(which, &listed, blocks, problems);
            if problems.len() == before {
                for decl in &listed.decls {
                    problems.extend(file.scope.redefinitions(
                        file.name,
                        &block.code,
                        decl,
                        &file.stubs,
                    ));
                }
            }
            if problems.len() == before {
                parts.push(self.render(file, block, &listed));
            }
        }
        let code = join_parts(parts, file.name, merge::merge, problems)?;
        let reads = super::reads::new_reads(&code, file.source);
        if !reads.is_empty() {
            problems.extend(reads.into_iter().map(|what| Problem::ReadsAtCompileTime {
                file: file.name.to_string(),
                what,
            }));
            return None;
        }
        // What is accepted must merge: a function given twice, or a declaration that overlaps several,
        // is a problem to send back now rather than a sidecar `merge` refuses later.
        if let Err(error) = merge::merge(file.source, &code) {
            problems.push(Problem::Conflict {
                file: file.name.to_string(),
                detail: error.to_string(),
            });
            return None;
        }
        let functions = decls::list(&code)
            .decls
            .iter()
            .flat_map(Decl::identities)
            .collect();
        Some(CheckedFile {
            path: file.path.to_path_buf(),
            code,
            functions,
        })
    }

    fn check_package(&self, file: &FileFacts, listed: &GoFile, problems: &mut Vec<Problem>) {
        if let (Some(expected), Some(found)) = (file.package(), &listed.package) {
            if expected != found.name {
                problems.push(Problem::WrongPackage {
                    file: file.name.to_string(),
                    expected: expected.to_string(),
                    found: found.name.clone(),
                });
            }
        }
    }

    /// Methods must sit on a type their file (or the answer's blocks for it) declares.
    fn check_receivers(
        &self,
        which: usize,
        listed: &GoFile,
        blocks: &[Block],
        problems: &mut Vec<Problem>,
    ) {
        let file = &self.files[which];
        for decl in &listed.decls {
            let Some(receiver) = decl.receiver.as_deref() else {
                continue;
            };
            let declared_here = file.declares_type(receiver)
                || blocks
                    .iter()
                    .any(|b| decls::list(&b.code).type_names().any(|t| t == receiver));
            if !declared_here {
                problems.push(Problem::UnrelatedReceiver {
                    file: file.name.to_string(),
                    identity: decl.identities().join(", "),
                    receiver: receiver.to_string(),
                });
            }
        }
    }

    /// The stubs asked for: each present in the target's blocks, signature unchanged, marker gone.
    fn check_stubs(&self, blocks: &[Block], problems: &mut Vec<Problem>) {
        let target = self.target();
        let name = target.name.to_string();
        let listed: Vec<(GoFile, &Block)> =
            blocks.iter().map(|b| (decls::list(&b.code), b)).collect();
        for stub in &self.expected.target.stubs {
            let identity = stub.identity();
            let Some(found) = listed.iter().find_map(|(l, _)| l.find(&identity)) else {
                problems.push(Problem::Missing {
                    file: name.clone(),
                    identity,
                });
                continue;
            };
            let wanted = target
                .listed
                .find(&identity)
                .and_then(|d| d.signature.as_ref());
            if let (Some(wanted), Some(got)) = (wanted, found.signature.as_ref()) {
                if wanted != got {
                    problems.push(Problem::SignatureChanged {
                        file: name.clone(),
                        identity: identity.clone(),
                        expected: stub.signature.clone(),
                        found: got.to_string(),
                    });
                }
            }
        }
        for (_, block) in &listed {
            // A generator's comment left in (goctl's todo) is its own problem, stub or not.
            let lingering =
                super::comment_stubs::lingering_comments(&block.code, &self.expected.markers);
            for (identity, comment) in &lingering {
                if self.is_kept_stub(identity) {
                    problems.push(Problem::GeneratorComment {
                        file: name.clone(),
                        identity: identity.clone(),
                        comment: comment.clone(),
                    });
                }
            }
            for stub in super::stubs::find_stubs(&block.code, &self.expected.markers) {
                let identity = stub.identity();
                let reported = lingering.iter().any(|(i, _)| *i == identity);
                if self.is_kept_stub(&identity) && !reported {
                    problems.push(Problem::StillStub {
                        file: name.clone(),
                        identity,
                        marker: stub.marker,
                    });
                }
            }
        }
    }

    /// A stub in the answer is a problem when it was asked for or is new; the file's other stubs,
    /// echoed back untouched, belong to other jobs.
    fn is_kept_stub(&self, identity: &str) -> bool {
        let asked = self.asked().iter().any(|a| a == identity);
        asked || self.target().listed.find(identity).is_none()
    }

    /// The block as a file: the source's package clause, the block's imports and the declarations that
    /// add or change something.
    fn render(&self, file: &FileFacts, block: &Block, listed: &GoFile) -> String {
        let package = file
            .package()
            .or(listed.package.as_ref().map(|p| p.name.as_str()))
            .unwrap_or("main");
        let mut code = format!("package {package}\n");
        for import in &listed.imports {
            code.push('\n');
            code.push_str(&block.code[import.span.clone()]);
            code.push('\n');
        }
        for decl in listed
            .decls
            .iter()
            .filter(|d| self.adds_something(file, block, d))
        {
            code.push('\n');
            code.push_str(&block.code[decl.span.clone()]);
            code.push('\n');
        }
        code
    }

    /// False for what the source already holds (echoed code, an interface with no new method) and for
    /// stubs of the file that this job did not ask for.
    fn adds_something(&self, file: &FileFacts, block: &Block, decl: &Decl) -> bool {
        let text = squeeze(&block.code[decl.decl.clone()]);
        if decl.is_anonymous() {
            return !file
                .listed
                .decls
                .iter()
                .any(|s| squeeze(&file.source[s.decl.clone()]) == text);
        }
        let asked = self.asked();
        let identities = decl.identities();
        if identities.iter().any(|i| asked.contains(i)) {
            return true;
        }
        let Some(existing) = identities.iter().find_map(|i| file.listed.find(i)) else {
            return true;
        };
        // Asked-for stubs returned above: a stub of the source here is another job's.
        if identities.iter().any(|i| file.stubs.contains(i)) {
            return false;
        }
        if let (Some(ours), Some(theirs)) = (&existing.interface, &decl.interface) {
            return theirs
                .elems
                .iter()
                .any(|e| !ours.elems.iter().any(|o| o.key == e.key));
        }
        squeeze(&file.source[existing.decl.clone()]) != text
    }
}

