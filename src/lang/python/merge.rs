//! Merging Python code (a sidecar's, or one answer block into another) into a source, by identity.
//!
//! A function of the addition replaces the source's function with the same identity (`Class.method`
//! or `function`): header and body, re-indented to where the source has it; the source's decorators
//! and docstring stay (the addition's are used only where the source has none). A new function
//! goes at the end of its class, or of the module; a class the source lacks is appended whole at the
//! end of the class or module that holds it. Imports the source lacks are added after its last
//! module-level import ([`super::imports`]), `from __future__` ones first; other new module-level statements (constants) at the end.
//! Everything else keeps its bytes, BOM and line endings included, and a function replaced by its own
//! text is no change: merging the same code twice gives the same file.

use super::defs::{self, Def, Kind, PyFile};
use super::{imports, redefinitions};
use super::syntax_error;
use crate::lang::edit::{apply, Edit, MergeInput};
use crate::lang::text::{line_start, next_line_start, squeeze};
use crate::lang::{MergeError, Merged};

/// Merges `addition` into `source`.
pub fn merge(source: &str, addition: &str) -> Result<Merged, MergeError> {
    merge_keeping(source, addition, &[])
}

/// As [`merge`], leaving the source's functions whose identity is in `keep` as they are.
pub fn merge_keeping(source: &str, addition: &str, keep: &[String]) -> Result<Merged, MergeError> {
    let input = MergeInput::new(source, addition);
    if let Some(error) = syntax_error(&input.addition) {
        return Err(MergeError::AdditionSyntax(error));
    }
    if let Some(error) = syntax_error(input.body) {
        return Err(MergeError::SourceSyntax(error));
    }
    let ours = defs::list(input.body);
    let theirs = defs::list(&input.addition);
    refuse_duplicates(&theirs)?;
    let mut merger = Merger {
        body: input.body,
        addition: &input.addition,
        eol: input.eol,
        ours: &ours,
        theirs: &theirs,
        edits: Vec::new(),
        merged: Merged::default(),
        keep,
    };
    merger.imports();
    for (index, def) in theirs.defs.iter().enumerate() {
        if def.parent.is_none() {
            merger.place(index, None)?;
        }
    }
    merger.module_statements();
    let Merger {
        edits, mut merged, ..
    } = merger;
    let text = apply(input.body, edits);
    if let Some(error) = syntax_error(&text) {
        return Err(MergeError::ResultSyntax(error));
    }
    // tree-sitter parses a late `__future__` import; CPython does not.
    if let Some(error) = imports::misplaced_future(&defs::list(&text), &text) {
        return Err(MergeError::ResultSyntax(error));
    }
    merged.text = format!("{}{text}", input.bom);
    Ok(merged)
}

fn refuse_duplicates(file: &PyFile) -> Result<(), MergeError> {
    for (i, def) in file.defs.iter().enumerate() {
        let twice = file.defs[..i]
            .iter()
            .any(|d| d.kind == def.kind && d.identity == def.identity);
        if twice {
            return Err(MergeError::Duplicate(def.identity.clone()));
        }
    }
    Ok(())
}

struct Merger<'a> {
    /// The source without its BOM.
    body: &'a str,
    addition: &'a str,
    eol: &'static str,
    ours: &'a PyFile,
    theirs: &'a PyFile,
    edits: Vec<Edit>,
    merged: Merged,
    /// Identities whose source functions are not replaced.
    keep: &'a [String],
}

impl Merger<'_> {
    /// Places the addition's definition `index` in the source's class `container` (the module when
    /// `None`).
    fn place(&mut self, index: usize, container: Option<usize>) -> Result<(), MergeError> {
        let def = &self.theirs.defs[index];
        if def.kind == Kind::Class {
            if let Some(ours) = self.ours.defs.iter().position(|d| {
                d.kind == Kind::Class && d.identity == def.identity
            }) {
                for child in 0..self.theirs.defs.len() {
                    if self.theirs.defs[child].parent == Some(index) {
                        self.place(child, Some(ours))?;
                    }
                }
                return Ok(());
            }
            self.insert(def, container);
            let theirs = self.theirs;
            let inside = theirs.defs.iter().filter(|d| {
                d.kind == Kind::Function && d.identity.starts_with(&format!("{}.", def.identity))
            });
            let mut added: Vec<String> = inside.map(|d| d.identity.clone()).collect();
            if added.is_empty() {
                added.push(def.identity.clone());
            }
            self.merged.added.extend(added);
            return Ok(());
        }
        let found: Vec<&Def> = self.ours.functions(&def.identity).collect();
        match found.as_slice() {
            [] => {
                self.insert(def, container);
                self.merged.added.push(def.identity.clone());
            }
            [_] if self.keep.contains(&def.identity) => {}
            [existing] => {
                let text = self.reindent(
                    &self.keeping_source_doc(def, existing),
                    def.indent(self.addition),
                    existing.indent(self.body),
                );
                if self.body[existing.span.clone()] != text {
                    self.edits.push(Edit {
                        range: existing.span.clone(),
                        text,
                    });
                    self.merged.replaced.push(def.identity.clone());
                }
            }
            several => {
                let lines: Vec<String> = several
                    .iter()
                    .map(|d| format!("line {}", line_of(self.body, d.keyword)))
                    .collect();
                return Err(MergeError::Ambiguous {
                    declaration: def.identity.clone(),
                    found: lines.join(", "),
                });
            }
        }
        Ok(())
    }

    /// Appends `def` at the end of the source's class `container`, or of the module.
    fn insert(&mut self, def: &Def, container: Option<usize>) {
        let eol = self.eol;
        match container.map(|i| &self.ours.defs[i]) {
            Some(class) => {
                let indent = member_indent(class, self.body);
                let text = format!("{eol}{indent}{}{eol}", self.reindented(def, &indent));
                let at = next_line_start(self.body, class.span.end);
                self.edits.push(Edit::insert(at, self.ending_first(at, text)));
            }
            None => {
                let text = format!("{eol}{eol}{}{eol}", self.reindented(def, ""));
                self.append(text);
            }
        }
    }

    /// Adds the addition's imports the source lacks after the source's last module-level import;
    /// `from __future__` ones after the source's own, else before its first statement (Python accepts
    /// them nowhere else).
    fn imports(&mut self) {
        let mut existing: Vec<String> = self
            .ours
            .imports
            .iter()
            .map(|r| self.body[r.clone()].to_string())
            .collect();
        let mut future = String::new();
        let mut added = String::new();
        for range in &self.theirs.imports {
            let refs: Vec<&str> = existing.iter().map(String::as_str).collect();
            let Some(statement) = imports::missing(&refs, &self.addition[range.clone()]) else {
                continue;
            };
            let into = if imports::is_future(&statement) {
                &mut future
            } else {
                &mut added
            };
            into.push_str(&statement.replace('\n', self.eol));
            into.push_str(self.eol);
            self.merged.imports_added.push(
                statement
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            existing.push(statement);
        }
        if !future.is_empty() {
            self.future_imports(future);
        }
        if added.is_empty() {
            return;
        }
        let at = match (self.ours.imports.last(), &self.ours.docstring) {
            (Some(last), _) => next_line_start(self.body, last.end),
            (None, Some(docstring)) => {
                added.insert_str(0, self.eol);
                next_line_start(self.body, docstring.end)
            }
            (None, None) => leading_comments_end(self.body),
        };
        let text = self.ending_first(at, added);
        self.edits.push(Edit::insert(at, text));
    }

    /// `from __future__` imports: after the source's own, else after its docstring and leading
    /// comments, before anything else.
    fn future_imports(&mut self, mut future: String) {
        let own = self
            .ours
            .imports
            .iter()
            .filter(|r| imports::is_future(&self.body[(*r).clone()]))
            .map(|r| r.end)
            .max();
        let at = match (own, &self.ours.docstring) {
            (Some(end), _) => next_line_start(self.body, end),
            (None, Some(docstring)) => {
                future.insert_str(0, self.eol);
                next_line_start(self.body, docstring.end)
            }
            (None, None) => leading_comments_end(self.body),
        };
        let text = self.ending_first(at, future);
        self.edits.push(Edit::insert(at, text));
    }

    /// Appends the addition's module-level statements (constants) the source lacks.
    fn module_statements(&mut self) {
        let have: Vec<String> = self
            .ours
            .others
            .iter()
            .map(|r| squeeze(&self.body[r.clone()]))
            .collect();
        for range in &self.theirs.others {
            let statement = &self.addition[range.clone()];
            if !have.contains(&squeeze(statement)) {
                let eol = self.eol;
                self.append(format!("{eol}{eol}{}{eol}", statement.replace('\n', eol)));
                // Listed by the name it binds (`TIMEOUT`), else by its first line.
                let shown = redefinitions::assigned_target(statement)
                    .unwrap_or_else(|| statement.lines().next().unwrap_or(""));
                self.merged.added.push(shown.trim().to_string());
            }
        }
    }

    /// Inserts `text` at the end of the source.
    fn append(&mut self, text: String) {
        let at = self.body.len();
        let text = self.ending_first(at, text);
        self.edits.push(Edit::insert(at, text));
    }

    /// `text`, after a line ending when `at` is at the end of a last line that has none.
    fn ending_first(&self, at: usize, text: String) -> String {
        if at == self.body.len() && !self.body.is_empty() && !self.body.ends_with('\n') {
            format!("{}{text}", self.eol)
        } else {
            text
        }
    }

    /// The addition's definition `def` (LF line endings, its indentation) with the decorators and the
    /// docstring of the source's `existing` in place of its own: those are the user's. The addition's
    /// are used only where the source has none.
    fn keeping_source_doc(&self, def: &Def, existing: &Def) -> String {
        let start = def.span.start;
        let theirs = &self.addition[def.span.clone()];
        let their_indent = def.indent(self.addition);
        let ours = |range: std::ops::Range<usize>| {
            let text = self.body[range].replace("\r\n", "\n");
            move_lines(&text, existing.indent(self.body), their_indent)
        };
        let mut edits = Vec::new();
        if existing.span.start < existing.keyword {
            edits.push(Edit {
                range: 0..def.keyword - start,
                text: ours(existing.span.start..existing.keyword),
            });
        }
        if let Some(docstring) = existing.docstring.clone() {
            match &def.docstring {
                Some(range) => edits.push(Edit {
                    range: range.start - start..range.end - start,
                    text: ours(docstring),
                }),
                None => {
                    let body_line = line_start(self.addition, def.body.start);
                    let body_indent = &self.addition[body_line..def.body.start];
                    // A body on the header's line (`def f(): return 1`) has no place for one.
                    if body_indent.trim().is_empty() {
                        let text = format!("{}\n{body_indent}", ours(docstring));
                        edits.push(Edit::insert(def.body.start - start, text));
                    }
                }
            }
        }
        apply(theirs, edits)
    }

    /// The addition's definition, its lines moved from its indentation to `indent`, in the source's
    /// line endings; the first line without indentation.
    fn reindented(&self, def: &Def, indent: &str) -> String {
        self.reindent(
            &self.addition[def.span.clone()],
            def.indent(self.addition),
            indent,
        )
    }

    /// `text` (LF line endings), its lines after the first moved from indentation `from` to `indent`,
    /// in the source's line endings.
    fn reindent(&self, text: &str, from: &str, indent: &str) -> String {
        let lines: Vec<String> = text
            .split('\n')
            .enumerate()
            .map(|(i, line)| match line.strip_prefix(from) {
                _ if i == 0 => line.to_string(),
                _ if line.trim().is_empty() => String::new(),
                Some(rest) => format!("{indent}{rest}"),
                None => line.to_string(),
            })
            .collect();
        lines.join(self.eol)
    }
}

/// `text` with its lines after the first moved from indentation `from` to `to` (lines that do not
/// start with `from` as they are).
fn move_lines(text: &str, from: &str, to: &str) -> String {
    let lines: Vec<String> = text
        .split('\n')
        .enumerate()
        .map(|(i, line)| match line.strip_prefix(from) {
            Some(rest) if i > 0 => format!("{to}{rest}"),
            _ => line.to_string(),
        })
        .collect();
    lines.join("\n")
}

/// The indentation of a class's members.
fn member_indent(class: &Def, source: &str) -> String {
    let before = &source[line_start(source, class.body.start)..class.body.start];
    if !before.is_empty() && before.trim().is_empty() {
        before.to_string()
    } else {
        format!("{}    ", class.indent(source))
    }
}

/// Where the comment lines at the top of a file (shebang, encoding, licence) end.
fn leading_comments_end(source: &str) -> usize {
    let mut at = 0;
    while at < source.len() && source[at..].starts_with('#') {
        at = next_line_start(source, at);
    }
    at
}

fn line_of(source: &str, byte: usize) -> usize {
    source[..byte].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "\"\"\"Mod.\"\"\"\n\nimport os\nfrom a import b\n\n\nclass S(Base):\n    \"\"\"S.\"\"\"\n\n    @staticmethod\n    def f(x: int) -> int:\n        \"\"\"Doc.\"\"\"\n        raise NotImplementedError\n\n    def g(self):\n        return 1\n\n\ndef top():\n    raise NotImplementedError\n";

    #[test]
    fn replaces_by_identity_keeping_the_rest() {
        let addition = "class S(Base):\n    @staticmethod\n    def f(x: int) -> int:\n        \"\"\"Doc.\"\"\"\n        return x + 1\n\n\ndef top():\n    return os.sep\n";
        let merged = merge(SOURCE, addition).unwrap();
        assert_eq!(merged.replaced, ["S.f", "top"]);
        assert_eq!(
            merged.text,
            SOURCE
                .replace(
                    "\"\"\"Doc.\"\"\"\n        raise NotImplementedError",
                    "\"\"\"Doc.\"\"\"\n        return x + 1"
                )
                .replace("    raise NotImplementedError\n", "    return os.sep\n")
        );
    }

    #[test]
    fn the_source_docstring_and_decorators_stay_and_the_answer_docstring_fills_only_a_gap() {
        let source = "class S:\n    @route(\"/redeem\")\n    @cached(\n        ttl=5,\n    )\n    def redeem(self, code):\n        \"\"\"Redeems `code`.\n\n        Raises KeyError when unknown.\n        \"\"\"\n        raise NotImplementedError\n\n    def bare(self):\n        raise NotImplementedError\n\n    def plain(self):\n        \"\"\"Plain, the user's.\"\"\"\n        raise NotImplementedError\n";
        let addition = "class S:\n    @route(\"/x\")\n    def redeem(self, code):\n        \"\"\"Redeem.\"\"\"\n        return self.codes.pop(code)\n\n    def bare(self):\n        \"\"\"Bare, the answer's.\"\"\"\n        return 1\n\n    def plain(self):\n        return 2\n";
        let merged = merge(source, addition).unwrap();
        assert_eq!(
            merged.text,
            "class S:\n    @route(\"/redeem\")\n    @cached(\n        ttl=5,\n    )\n    def redeem(self, code):\n        \"\"\"Redeems `code`.\n\n        Raises KeyError when unknown.\n        \"\"\"\n        return self.codes.pop(code)\n\n    def bare(self):\n        \"\"\"Bare, the answer's.\"\"\"\n        return 1\n\n    def plain(self):\n        \"\"\"Plain, the user's.\"\"\"\n        return 2\n"
        );
        let crlf = merge(&source.replace('\n', "\r\n"), addition).unwrap();
        assert_eq!(crlf.text, merged.text.replace('\n', "\r\n"));
        assert_eq!(merge(&merged.text, addition).unwrap().text, merged.text);
    }

    #[test]
    fn reindents_and_adds_methods_functions_and_classes() {
        let addition = "class S:\n  def h(self):\n    return 2\n\n\ndef extra():\n    pass\n\n\nclass New:\n    def n(self):\n        pass\n";
        let merged = merge(SOURCE, addition).unwrap();
        assert_eq!(merged.added, ["S.h", "extra", "New.n"], "{}", merged.text);
        assert!(
            merged.text.contains(
                "    def g(self):\n        return 1\n\n    def h(self):\n      return 2\n\n\ndef top():"
            ),
            "{}",
            merged.text
        );
        assert!(merged.text.ends_with(
            "    raise NotImplementedError\n\n\ndef extra():\n    pass\n\n\nclass New:\n    def n(self):\n        pass\n"
        ));
    }

    #[test]
    fn future_imports_go_first() {
        let addition = "from __future__ import annotations\nimport sys\n\n\ndef top() -> list[str]:\n    return sys.argv\n";
        let merged = merge(SOURCE, addition).unwrap();
        assert!(
            merged.text.starts_with("\"\"\"Mod.\"\"\"\n\nfrom __future__ import annotations\n\nimport os\nfrom a import b\nimport sys\n"),
            "{}",
            merged.text
        );
        let bare = merge("# c\nimport os\n", "from __future__ import annotations\n").unwrap();
        assert_eq!(bare.text, "# c\nfrom __future__ import annotations\nimport os\n");
        let after = merge("from __future__ import division\nimport os\n", addition).unwrap();
        assert!(after.text.starts_with("from __future__ import division\nfrom __future__ import annotations\nimport os\nimport sys\n"), "{}", after.text);
        let late = merge("import os\n", "import os\n\nfrom __future__ import annotations\n");
        assert!(late.is_ok(), "the addition's order does not matter: {late:?}");
        // A shebang or licence header before the docstring: the docstring stays the module's.
        let headed = "#!/usr/bin/env python3\n# (c) 2026\n\"\"\"Mod.\"\"\"\nimport os\n";
        let merged = merge(headed, addition).unwrap();
        assert!(merged.text.starts_with("#!/usr/bin/env python3\n# (c) 2026\n\"\"\"Mod.\"\"\"\n\nfrom __future__ import annotations\nimport os\nimport sys\n"), "{}", merged.text);
        let own = "# (c) 2026\n\"\"\"Mod.\"\"\"\nfrom __future__ import annotations\n\nimport os\n";
        assert!(merge(own, "import sys\n").is_ok());
        let broken = merge("import os\nfrom __future__ import annotations\n", "import sys\n").unwrap_err();
        assert!(broken.to_string().contains("__future__"), "{broken}");
    }

    #[test]
    fn new_module_statements_are_listed_as_added() {
        let merged = merge(SOURCE, "CACHE: dict = {}\nprint(\"loaded\")\n").unwrap();
        assert_eq!(merged.added, ["CACHE", "print(\"loaded\")"]);
        assert!(merged.text.ends_with("\n\n\nCACHE: dict = {}\n\n\nprint(\"loaded\")\n"), "{}", merged.text);
    }

    #[test]
    fn unites_imports() {
        let addition = "import os\nimport sys\nfrom a import b, c\n\n\ndef top():\n    return sys.argv\n";
        let merged = merge(SOURCE, addition).unwrap();
        assert_eq!(merged.imports_added, ["import sys", "from a import c"]);
        assert!(merged
            .text
            .contains("import os\nfrom a import b\nimport sys\nfrom a import c\n\n\nclass S"));
        let bare = merge("\"\"\"Doc.\"\"\"\n\nX = 1\n", "import re\n").unwrap();
        assert_eq!(bare.text, "\"\"\"Doc.\"\"\"\n\nimport re\n\nX = 1\n");
    }

    #[test]
    fn keeps_bom_and_crlf() {
        let source = format!("\u{feff}{}", SOURCE.replace('\n', "\r\n"));
        let addition = "import sys\n\n\ndef top():\n    if sys:\n        return 1\n    return 2\n";
        let merged = merge(&source, addition).unwrap();
        assert!(merged.text.starts_with('\u{feff}'));
        assert!(!merged.text.replace("\r\n", "").contains('\n'), "{merged:?}");
        assert!(merged
            .text
            .contains("def top():\r\n    if sys:\r\n        return 1\r\n    return 2\r\n"));
    }

    #[test]
    fn merging_twice_changes_nothing_more() {
        let addition = "import sys\n\n\nclass S(Base):\n    def h(self):\n        return 2\n\n\nLIMIT = 3\n\n\ndef top():\n    return 3\n";
        let once = merge(SOURCE, addition).unwrap();
        let twice = merge(&once.text, addition).unwrap();
        assert_eq!(twice.text, once.text);
        assert!(twice.changed().is_empty() && twice.imports_added.is_empty());
    }

    #[test]
    fn refuses_duplicates_and_broken_code() {
        let twice = "def top():\n    pass\n\n\ndef top():\n    pass\n";
        assert_eq!(
            merge(SOURCE, twice),
            Err(MergeError::Duplicate("top".into()))
        );
        assert!(matches!(
            merge(SOURCE, "def top(:\n"),
            Err(MergeError::AdditionSyntax(_))
        ));
        assert!(matches!(
            merge("def f(:\n", "def g():\n    pass\n"),
            Err(MergeError::SourceSyntax(_))
        ));
    }
}
