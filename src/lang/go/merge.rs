//! Merging Go declarations (a sidecar's code) into a Go source, rewriting only the spans that change.
//!
//! Rules: a declaration replaces the source's declaration with the same identity, keeping the source's
//! doc comment and directives (the addition's doc comment is used only where the source has none); a
//! new one is appended at the end of the file; an interface type adds the methods the source's interface
//! lacks, keeping the source's methods and comments; imports are united by name and path
//! ([`super::imports`]: an import the source has is not imported again, a name given to two paths is
//! refused; new ones go into the import group they fit, aliases kept, never into `import "C"`).
//! Every other byte of the source stays as it was, line endings (LF or CRLF) and a BOM included. The
//! result must parse, else nothing is returned but the reason.
//!
//! This module works on text only: reading, writing, backups and formatting belong to `crate::merge`.

use std::ops::Range;

use super::imports;
use crate::lang::edit::{apply, Edit, MergeInput};
use crate::lang::text::{line_start, next_line_start, squeeze};
use crate::lang::{MergeError, Merged};
use super::decls::{
    self, syntax_problems, Decl, GoFile, Import, ImportDecl, Interface,
};

/// Merges the declarations of `addition` (a complete Go file: package clause, imports, declarations)
/// into `source`.
pub fn merge(source: &str, addition: &str) -> Result<Merged, MergeError> {
    merge_keeping(source, addition, &[])
}

/// As [`merge`], leaving the source's declarations whose identity is in `keep` as they are.
pub fn merge_keeping(source: &str, addition: &str, keep: &[String]) -> Result<Merged, MergeError> {
    let MergeInput {
        bom,
        body,
        addition,
        eol,
    } = MergeInput::new(source, addition);
    let addition = addition.as_str();
    let problems = syntax_problems(addition);
    if !problems.is_empty() {
        return Err(MergeError::AdditionSyntax(problems.join("; ")));
    }
    let ctx = Context {
        body,
        addition,
        eol,
        src: decls::list(body),
        add: decls::list(addition),
        keep,
    };
    ctx.check_package()?;
    ctx.check_duplicates()?;

    let mut merged = Merged::default();
    let mut edits = ctx.import_edits(&mut merged)?;
    edits.extend(ctx.declaration_edits(&mut merged)?);
    let text = apply(body, edits);
    let problems = syntax_problems(&text);
    if !problems.is_empty() {
        return Err(MergeError::ResultSyntax(problems.join("; ")));
    }
    merged.text = format!("{bom}{text}");
    Ok(merged)
}

struct Context<'a> {
    body: &'a str,
    addition: &'a str,
    eol: &'static str,
    src: GoFile,
    add: GoFile,
    /// Identities whose source declarations are not replaced.
    keep: &'a [String],
}

impl Context<'_> {
    fn check_package(&self) -> Result<(), MergeError> {
        match (&self.src.package, &self.add.package) {
            (Some(expected), Some(found)) if expected.name != found.name => {
                Err(MergeError::PackageMismatch {
                    expected: expected.name.clone(),
                    found: found.name.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    fn check_duplicates(&self) -> Result<(), MergeError> {
        let mut seen: Vec<String> = Vec::new();
        for decl in self.add.decls.iter().filter(|d| !d.is_anonymous()) {
            for identity in decl.identities() {
                if seen.contains(&identity) {
                    return Err(MergeError::Duplicate(identity));
                }
                seen.push(identity);
            }
        }
        Ok(())
    }

    /// Addition text in the source's line endings.
    fn lines(&self, range: Range<usize>) -> String {
        let text = &self.addition[range];
        if self.eol == "\n" {
            text.to_string()
        } else {
            text.replace('\n', self.eol)
        }
    }

    fn declaration_edits(&self, merged: &mut Merged) -> Result<Vec<Edit>, MergeError> {
        let mut edits = Vec::new();
        let mut appended = Vec::new();
        for decl in &self.add.decls {
            if decl.is_anonymous() {
                if !self.holds_same_text(decl) {
                    appended.push(decl);
                }
                continue;
            }
            match self.counterpart(decl)? {
                None => appended.push(decl),
                Some(existing) => match (&existing.interface, &decl.interface) {
                    (Some(ours), Some(theirs)) => {
                        if let Some(edit) = self.interface_edit(ours, theirs) {
                            merged.extended.extend(decl.identities());
                            edits.push(edit);
                        }
                    }
                    _ if decl.identities().iter().any(|i| self.keep.contains(i)) => {}
                    _ => {
                        if let Some(edit) = self.replacement(existing, decl) {
                            merged.replaced.extend(decl.identities());
                            edits.push(edit);
                        }
                    }
                },
            }
        }
        if !appended.is_empty() {
            edits.push(self.append(&appended, merged));
        }
        Ok(edits)
    }

    /// The source declaration `decl` replaces, if any.
    fn counterpart(&self, decl: &Decl) -> Result<Option<&Decl>, MergeError> {
        let identities = decl.identities();
        let overlapping: Vec<&Decl> = self
            .src
            .decls
            .iter()
            .filter(|s| !s.is_anonymous())
            .filter(|s| s.identities().iter().any(|i| identities.contains(i)))
            .collect();
        match overlapping.as_slice() {
            [] => Ok(None),
            [single] if single.identities().iter().all(|i| identities.contains(i)) => {
                Ok(Some(single))
            }
            many => Err(MergeError::Ambiguous {
                declaration: identities.join(", "),
                found: many
                    .iter()
                    .flat_map(|d| d.identities())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    fn holds_same_text(&self, decl: &Decl) -> bool {
        let wanted = squeeze(&self.addition[decl.decl.clone()]);
        self.src
            .decls
            .iter()
            .any(|s| squeeze(&self.body[s.decl.clone()]) == wanted)
    }

    /// Replaces `existing` by `decl`. The source's doc comment (swagger lines, `//go:` directives, the
    /// spec the stub was written from) is the user's and stays; `decl`'s is used only where the source
    /// had none. `None` when the text is already the same.
    fn replacement(&self, existing: &Decl, decl: &Decl) -> Option<Edit> {
        let (range, text) = if existing.has_doc() || !decl.has_doc() {
            (existing.decl.clone(), self.lines(decl.decl.clone()))
        } else {
            (existing.span.clone(), self.lines(decl.span.clone()))
        };
        (self.body[range.clone()] != text).then_some(Edit { range, text })
    }

    /// The methods the source's interface lacks, inserted before its closing brace, in the addition's
    /// order and with its comments and blank-line grouping. `None` when nothing is missing.
    fn interface_edit(&self, ours: &Interface, theirs: &Interface) -> Option<Edit> {
        let missing: Vec<usize> = theirs
            .elems
            .iter()
            .enumerate()
            .filter(|(_, e)| !ours.elems.iter().any(|s| s.key == e.key))
            .map(|(i, _)| i)
            .collect();
        if missing.is_empty() {
            return None;
        }
        let mut text = String::new();
        for run in consecutive_runs(&missing) {
            let first = &theirs.elems[run[0]];
            let last = &theirs.elems[run[run.len() - 1]];
            if first.blank_before && !ours.elems.is_empty() {
                text.push_str(self.eol);
            }
            text.push_str(&self.lines(first.lines.start..last.lines.end));
            text.push_str(self.eol);
        }
        Some(self.insert_before_brace(ours, text))
    }

    fn insert_before_brace(&self, iface: &Interface, text: String) -> Edit {
        let brace_line = line_start(self.body, iface.close_brace);
        if self.body[brace_line..iface.close_brace].trim().is_empty() {
            Edit::insert(brace_line, text)
        } else {
            // `interface{}` on one line: the brace goes to a line of its own.
            Edit::insert(iface.close_brace, format!("{}{text}", self.eol))
        }
    }

    fn append(&self, decls: &[&Decl], merged: &mut Merged) -> Edit {
        let mut text = String::new();
        if !self.body.is_empty() && !self.body.ends_with('\n') {
            text.push_str(self.eol);
        }
        for decl in decls {
            text.push_str(self.eol);
            text.push_str(&self.lines(decl.span.clone()));
            text.push_str(self.eol);
            merged.added.extend(decl.identities());
        }
        Edit::insert(self.body.len(), text)
    }

    /// Adds the addition's imports the source lacks.
    fn import_edits(&self, merged: &mut Merged) -> Result<Vec<Edit>, MergeError> {
        let mut missing: Vec<&Import> = imports::missing(&self.src, &self.add)?;
        if missing.is_empty() {
            return Ok(Vec::new());
        }
        missing.sort_by(|a, b| a.path.cmp(&b.path));
        merged
            .imports_added
            .extend(missing.iter().map(|m| match &m.alias {
                Some(alias) => format!("{alias} \"{}\"", m.path),
                None => format!("\"{}\"", m.path),
            }));
        let new: Vec<Spec> = missing
            .iter()
            .map(|m| Spec {
                path: m.path.clone(),
                text: self.addition[m.span.clone()].to_string(),
            })
            .collect();

        let open = || self.src.imports.iter().filter(|d| imports::may_hold_more(d));
        let multiline_block = open().rev().find(|d| d.grouped && self.is_multiline(d));
        if let Some(block) = multiline_block {
            return Ok(self.insert_into_block(block, new));
        }
        if let Some(last) = open().next_back() {
            let mut groups = self.groups(last);
            for spec in new {
                place(&mut groups, spec);
            }
            return Ok(vec![Edit {
                range: last.span.clone(),
                text: self.render_block(&groups),
            }]);
        }
        let groups = new.into_iter().fold(Vec::new(), |mut groups, spec| {
            place(&mut groups, spec);
            groups
        });
        let block = self.render_block(&groups);
        // After `import "C"` when that is all the file imports: its preamble stays right above it.
        let edit = match (self.src.imports.last(), &self.src.package) {
            (Some(cgo), _) => Edit::insert(cgo.span.end, format!("{eol}{eol}{block}", eol = self.eol)),
            (None, Some(package)) => Edit::insert(
                package.span.end,
                format!("{eol}{eol}{block}", eol = self.eol),
            ),
            (None, None) => Edit::insert(0, format!("{block}{eol}{eol}", eol = self.eol)),
        };
        Ok(vec![edit])
    }

    /// An import block whose specs and closing parenthesis each start a line of their own.
    fn is_multiline(&self, decl: &ImportDecl) -> bool {
        let close = decl.span.end.saturating_sub(1);
        let starts_line = |at: usize| self.body[line_start(self.body, at)..at].trim().is_empty();
        starts_line(close) && decl.specs.iter().all(|s| starts_line(s.span.start))
    }

    /// The specs of an import declaration, split where a blank line separates them.
    fn groups(&self, decl: &ImportDecl) -> Vec<Vec<Spec>> {
        let mut groups: Vec<Vec<Spec>> = Vec::new();
        let mut previous_end: Option<usize> = None;
        for spec in &decl.specs {
            let blank = previous_end
                .is_some_and(|end| self.body[end..spec.span.start].matches('\n').count() >= 2);
            if blank || groups.is_empty() {
                groups.push(Vec::new());
            }
            if let Some(group) = groups.last_mut() {
                group.push(Spec {
                    path: spec.path.clone(),
                    text: self.body[spec.span.clone()].to_string(),
                });
            }
            previous_end = Some(spec.span.end);
        }
        groups
    }

    /// Inserts each new spec as a line of its own in the group it fits, at its sorted place; specs that
    /// fit no group form a new last group.
    fn insert_into_block(&self, block: &ImportDecl, new: Vec<Spec>) -> Vec<Edit> {
        let groups = self.groups(block);
        let specs_by_group = group_ranges(&groups);
        let indent = block
            .specs
            .first()
            .map(|s| &self.body[line_start(self.body, s.span.start)..s.span.start])
            .unwrap_or("\t");
        let mut edits = Vec::new();
        let mut new_group = String::new();
        for spec in new {
            let line = format!("{indent}{}{}", spec.text, self.eol);
            let Some(group) = choose_group(&groups, &spec.path) else {
                new_group.push_str(&line);
                continue;
            };
            let members = &block.specs[specs_by_group[group].clone()];
            let at = match members.iter().find(|s| s.path > spec.path) {
                Some(next) => line_start(self.body, next.span.start),
                None => members.last().map_or(block.span.end - 1, |s| {
                    next_line_start(self.body, s.span.end)
                }),
            };
            edits.push(Edit::insert(at, line));
        }
        if !new_group.is_empty() {
            let (at, separator) = match block.specs.last() {
                Some(last) => (next_line_start(self.body, last.span.end), self.eol),
                None => (line_start(self.body, block.span.end - 1), ""),
            };
            edits.push(Edit::insert(at, format!("{separator}{new_group}")));
        }
        edits
    }

    fn render_block(&self, groups: &[Vec<Spec>]) -> String {
        let eol = self.eol;
        let body: Vec<String> = groups
            .iter()
            .map(|group| {
                group
                    .iter()
                    .map(|spec| format!("\t{}{eol}", spec.text))
                    .collect()
            })
            .collect();
        format!("import ({eol}{})", body.join(eol))
    }
}

/// An import spec as text, with its path.
#[derive(Debug, Clone)]
struct Spec {
    path: String,
    text: String,
}

/// Index ranges of each group's specs in the flat list of specs.
fn group_ranges(groups: &[Vec<Spec>]) -> Vec<Range<usize>> {
    let mut start = 0;
    groups
        .iter()
        .map(|group| {
            let range = start..start + group.len();
            start = range.end;
            range
        })
        .collect()
}

/// Puts `spec` at its sorted place in the group it fits, or in a new last group.
fn place(groups: &mut Vec<Vec<Spec>>, spec: Spec) {
    match choose_group(groups, &spec.path) {
        Some(index) => {
            let group = &mut groups[index];
            let at = group
                .iter()
                .position(|s| s.path > spec.path)
                .unwrap_or(group.len());
            group.insert(at, spec);
        }
        None => groups.push(vec![spec]),
    }
}

/// The group an import path fits: the one holding the path sharing the most leading segments with it
/// (`store/internal/model` joins `store/internal/ecode`), else the first holding a path of the same
/// kind (a host-like first segment such as `gorm.io` marks third-party code; none marks the standard
/// library's), else none.
fn choose_group(groups: &[Vec<Spec>], path: &str) -> Option<usize> {
    let shared = |other: &str| {
        path.split('/')
            .zip(other.split('/'))
            .take_while(|(a, b)| a == b)
            .count()
    };
    let best = groups
        .iter()
        .enumerate()
        .flat_map(|(index, group)| group.iter().map(move |spec| (index, spec)))
        .map(|(index, spec)| (shared(&spec.path), index))
        .filter(|(count, _)| *count > 0)
        .max_by_key(|&(count, index)| (count, std::cmp::Reverse(index)));
    if let Some((_, index)) = best {
        return Some(index);
    }
    let kind = is_third_party(path);
    groups
        .iter()
        .position(|group| group.iter().any(|s| is_third_party(&s.path) == kind))
}

fn is_third_party(path: &str) -> bool {
    path.split('/')
        .next()
        .is_some_and(|first| first.contains('.'))
}

/// Runs of consecutive numbers: `[1, 2, 4]` → `[[1, 2], [4]]`.
fn consecutive_runs(indexes: &[usize]) -> Vec<Vec<usize>> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    for &index in indexes {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|&last| last + 1 == index) => run.push(index),
            _ => runs.push(vec![index]),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::edit::BOM;

    const SOURCE: &str = "package handler

import (
	\"context\"
	\"errors\"

	\"github.com/go-dev-frame/sponge/pkg/logger\"

	storeV1 \"store/api/store/v1\"
	\"store/internal/model\"
)

var _ storeV1.CouponLogicer = (*couponHandler)(nil)

// Create creates.
func (h *couponHandler) Create(ctx context.Context) error {
	return nil // keep   this   spacing
}

// Redeem redeems.
func (h *couponHandler) Redeem(ctx context.Context) error {
	panic(\"implement me\")

	// fill in the business logic code here
}

/* trailing comment */
";

    const ADDITION: &str = "package handler

import (
	\"context\"
	\"crypto/rand\"
	\"time\"

	\"gorm.io/gorm\"

	\"store/internal/ecode\"
)

var _ storeV1.CouponLogicer = (*couponHandler)(nil)

// Redeem redeems, for real.
func (h *couponHandler) Redeem(ctx context.Context) error {
	_ = time.Now()
	return ecode.X
}

const codeLength = 12

func helper() {}
";

    #[test]
    fn replaces_appends_and_unites_imports_byte_for_byte() {
        let merged = merge(SOURCE, ADDITION).unwrap();
        let expected = "package handler

import (
	\"context\"
	\"crypto/rand\"
	\"errors\"
	\"time\"

	\"github.com/go-dev-frame/sponge/pkg/logger\"
	\"gorm.io/gorm\"

	storeV1 \"store/api/store/v1\"
	\"store/internal/ecode\"
	\"store/internal/model\"
)

var _ storeV1.CouponLogicer = (*couponHandler)(nil)

// Create creates.
func (h *couponHandler) Create(ctx context.Context) error {
	return nil // keep   this   spacing
}

// Redeem redeems.
func (h *couponHandler) Redeem(ctx context.Context) error {
	_ = time.Now()
	return ecode.X
}

/* trailing comment */

const codeLength = 12

func helper() {}
";
        assert_eq!(merged.text, expected);
        assert_eq!(merged.replaced, ["couponHandler.Redeem"]);
        assert_eq!(merged.added, ["codeLength", "helper"]);
        assert_eq!(
            merged.imports_added,
            [
                "\"crypto/rand\"",
                "\"gorm.io/gorm\"",
                "\"store/internal/ecode\"",
                "\"time\""
            ]
        );
    }

    #[test]
    fn an_added_import_is_listed_with_its_name() {
        let merged = merge(
            "package p\n\nfunc F() {}\n",
            "package p\n\nimport s \"sort\"\n\nfunc G() { s.Ints(nil) }\n",
        )
        .unwrap();
        assert_eq!(merged.imports_added, ["s \"sort\""]);
    }

    #[test]
    fn merging_twice_changes_nothing() {
        let once = merge(SOURCE, ADDITION).unwrap().text;
        let twice = merge(&once, ADDITION).unwrap();
        assert_eq!(twice.text, once);
        assert!(twice.changed().is_empty());
        assert!(twice.imports_added.is_empty());
    }

    #[test]
    fn without_doc_the_source_doc_stays() {
        let addition = "package handler\n\nfunc (h *couponHandler) Redeem(ctx context.Context) error {\n\treturn nil\n}\n";
        let merged = merge(SOURCE, addition).unwrap();
        assert!(merged
            .text
            .contains("// Redeem redeems.\nfunc (h *couponHandler) Redeem(ctx context.Context) error {\n\treturn nil\n}\n"));
    }

    #[test]
    fn the_source_doc_and_directives_stay_and_the_answer_doc_fills_only_a_gap() {
        let source = "package p

// Redeem godoc
// @Summary redeem a coupon
// @Router /api/v1/coupon/redeem [post]
//go:noinline
func Redeem() error {
	panic(\"implement me\")
}

func Bare() error {
	panic(\"implement me\")
}
";
        let addition = "package p

// Redeem redeems the coupon.
func Redeem() error {
	return nil
}

// Bare does the bare minimum.
func Bare() error {
	return nil
}
";
        let merged = merge(source, addition).unwrap();
        assert_eq!(
            merged.text,
            "package p

// Redeem godoc
// @Summary redeem a coupon
// @Router /api/v1/coupon/redeem [post]
//go:noinline
func Redeem() error {
	return nil
}

// Bare does the bare minimum.
func Bare() error {
	return nil
}
"
        );
        assert_eq!(merged.replaced, ["Redeem", "Bare"]);
    }

    #[test]
    fn interface_gains_missing_methods_and_keeps_its_own() {
        let source = "package dao

// CouponDao is the data access.
type CouponDao interface {
	// Create inserts.
	Create(ctx context.Context) error // the usual
	GetByID(ctx context.Context, id uint64) error
}

func x() {}
";
        let addition = "package dao

// CouponDao defining the dao interface
type CouponDao interface {
	Create(ctx context.Context) error
	GetByID(ctx context.Context, id uint64) error

	// MarkUsed marks it.
	MarkUsed(ctx context.Context, id uint64) (bool, error)
	ListByCustomer(ctx context.Context) error
}
";
        let merged = merge(source, addition).unwrap();
        let expected = "package dao

// CouponDao is the data access.
type CouponDao interface {
	// Create inserts.
	Create(ctx context.Context) error // the usual
	GetByID(ctx context.Context, id uint64) error

	// MarkUsed marks it.
	MarkUsed(ctx context.Context, id uint64) (bool, error)
	ListByCustomer(ctx context.Context) error
}

func x() {}
";
        assert_eq!(merged.text, expected);
        assert_eq!(merged.extended, ["type CouponDao"]);
        assert_eq!(merge(&merged.text, addition).unwrap().text, merged.text);
    }

    #[test]
    fn one_line_interface_opens_up() {
        let merged = merge(
            "package p\n\ntype I interface{}\n",
            "package p\n\ntype I interface {\n\tM() error\n}\n",
        )
        .unwrap();
        assert_eq!(
            merged.text,
            "package p\n\ntype I interface{\n\tM() error\n}\n"
        );
    }

    #[test]
    fn single_import_becomes_a_block_and_missing_imports_get_one() {
        let merged = merge(
            "package p\n\nimport \"fmt\"\n\nfunc A() { fmt.Println() }\n",
            "package p\n\nimport (\n\t\"strings\"\n\n\tx \"example.com/x\"\n)\n\nfunc B() { x.Y(strings.ToLower(\"\")) }\n",
        )
        .unwrap();
        assert_eq!(
            merged.text,
            "package p\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n\n\tx \"example.com/x\"\n)\n\nfunc A() { fmt.Println() }\n\nfunc B() { x.Y(strings.ToLower(\"\")) }\n"
        );
        let merged = merge(
            "package p\n\nfunc A() {}",
            "package p\n\nimport \"fmt\"\n\nfunc B() { fmt.Println() }\n",
        )
        .unwrap();
        assert_eq!(
            merged.text,
            "package p\n\nimport (\n\t\"fmt\"\n)\n\nfunc A() {}\n\nfunc B() { fmt.Println() }\n"
        );
    }

    #[test]
    fn crlf_and_bom_are_kept() {
        let source = format!("{BOM}{}", SOURCE.replace('\n', "\r\n"));
        let merged = merge(&source, ADDITION).unwrap();
        assert!(merged.text.starts_with(BOM));
        assert!(!merged.text.replace("\r\n", "").contains('\n'));
        let lf = merge(SOURCE, ADDITION).unwrap().text;
        assert_eq!(merged.text, format!("{BOM}{}", lf.replace('\n', "\r\n")));
    }

    #[test]
    fn grouped_consts_replace_as_a_unit_or_are_refused() {
        let source = "package p\n\nconst (\n\ta = 1\n\tb = 2\n)\n";
        let merged = merge(
            source,
            "package p\n\nconst (\n\ta = 1\n\tb = 3\n\tc = 4\n)\n",
        )
        .unwrap();
        assert_eq!(
            merged.text,
            "package p\n\nconst (\n\ta = 1\n\tb = 3\n\tc = 4\n)\n"
        );
        let error = merge(source, "package p\n\nconst a = 5\n").unwrap_err();
        assert!(matches!(error, MergeError::Ambiguous { .. }), "{error}");
    }

    #[test]
    fn refuses_what_would_not_parse_or_does_not_fit() {
        assert!(matches!(
            merge(SOURCE, "package handler\n\nfunc F( {\n"),
            Err(MergeError::AdditionSyntax(_))
        ));
        assert!(matches!(
            merge(SOURCE, "package dao\n\nfunc F() {}\n"),
            Err(MergeError::PackageMismatch { .. })
        ));
        assert!(matches!(
            merge(SOURCE, "package handler\n\nfunc F() {}\n\nfunc F() {}\n"),
            Err(MergeError::Duplicate(_))
        ));
        assert!(matches!(
            merge(
                "package p\n\nfunc Broken( {\n",
                "package p\n\nfunc F() {}\n"
            ),
            Err(MergeError::ResultSyntax(_))
        ));
    }

    #[test]
    fn anonymous_declarations_are_added_once() {
        let addition = "package handler\n\nvar _ storeV1.CouponLogicer = (*couponHandler)(nil)\n\nvar _ fmt.Stringer = (*couponHandler)(nil)\n";
        let merged = merge(SOURCE, addition).unwrap();
        assert_eq!(merged.added, ["_"]);
        assert!(merged
            .text
            .ends_with("\nvar _ fmt.Stringer = (*couponHandler)(nil)\n"));
    }
}
