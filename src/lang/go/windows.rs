//! A large Go file (generated code of tens of MB) searched and outlined window by window, so memory stays
//! flat: a tree-sitter tree of a whole 30 MB file takes over a GB.
//!
//! The file is cut at its top-level declarations ([`super::regions`]). Stubs: every marker needle
//! ([`Markers::occurrences`]) lies in one region; the window around it is that region with one more on
//! each side (the one before holds the doc comment's context, the one after closes the declaration), and
//! only those windows are parsed, each on its own. A window's tree must be clean at its edges (no error
//! or missing node in its first or last declaration, unless that edge is the file's own); otherwise it
//! is widened, and after a few tries the caller falls back to the whole file — as it does at once for a
//! file that is not lexically sound (an unterminated literal, unbalanced brackets), whose whole-file
//! parse may differ anywhere. Positions are mapped back
//! to the whole file: windows start at line starts, so columns are unchanged.
//! Outline: the file's head (package clause, imports) and the windows around its stubs, each outlined as
//! a small file, with the lines left out counted where they were.
//! Small files never come here: the whole-file path ([`super::stubs`], [`super::outline`]) stays theirs.

use std::ops::Range;

use tree_sitter::Node;

use super::outline::outline;
use super::regions::{declaration_starts, starts_declaration, starts_head};
use super::stubs::{parse, stubs_in_tree};
use crate::lang::{Markers, OtherFunctions, Stub};

/// From this size on a file is searched and outlined by windows.
pub const LARGE_FILE: usize = 1 << 20;

/// How many more regions a window that is not clean at its edges takes on each side, try after try.
const WIDENINGS: &[usize] = &[1, 4, 16];

/// The stubs of `source`, found by parsing only the windows around marker needles; `None` when a window
/// stayed unclean at its edges after widening (or a marker could hide behind an escape), and the whole
/// file must be parsed instead.
pub fn stubs_by_windows(source: &str, markers: &Markers) -> Option<Vec<Stub>> {
    // The needles are searched as raw bytes, the messages compared decoded: an extra marker holding
    // what a Go escape writes differently (`"`, `\`, tab, newline) could match a message whose bytes
    // hold no needle.
    let escaped = |m: &String| m.contains(['"', '\\', '\t', '\n']);
    if markers.extra().iter().any(escaped) {
        return None;
    }
    let hits = markers.occurrences(super::DIALECT.name, source.as_bytes());
    if hits.is_empty() {
        return Some(Vec::new());
    }
    let regions = Regions::of(source);
    if !regions.sound {
        return None;
    }
    let wanted = merged(hits.iter().map(|&hit| regions.around(regions.index_of(hit))));
    let mut stubs = Vec::new();
    let mut rows = Rows::default();
    // Regions before `done` are parsed already: a widened window never reaches back into them.
    let mut done = 0;
    let mut next = 0;
    while next < wanted.len() {
        let mut window = wanted[next].clone();
        next += 1;
        let mut widenings = WIDENINGS.iter();
        let found = loop {
            while next < wanted.len() && wanted[next].start <= window.end {
                window.end = window.end.max(wanted[next].end);
                next += 1;
            }
            let bytes = regions.bytes(&window);
            if let Some(found) = window_stubs(source, bytes.clone(), markers) {
                break (bytes, found);
            }
            let by = widenings.next()?;
            window = window.start.saturating_sub(*by).max(done)..(window.end + by).min(regions.len());
        };
        let (bytes, found) = found;
        let row = rows.at(source, bytes.start);
        stubs.extend(found.into_iter().map(|stub| shifted(stub, bytes.start, row)));
        done = window.end;
    }
    Some(stubs)
}

/// The outline of a large file: its head and the declarations around `stubs`, each outlined as
/// [`outline`] does a file, with a note where lines are left out.
pub fn outline_by_windows(source: &str, stubs: &[Stub], others: OtherFunctions) -> String {
    let regions = Regions::of(source);
    let head_end = (1..regions.len())
        .find(|&r| !starts_head(&source.as_bytes()[regions.starts[r]..]))
        .unwrap_or(regions.len());
    let around_stubs = stubs
        .iter()
        .map(|stub| regions.around(regions.index_of(stub.decl.start)));
    let windows = merged(std::iter::once(0..head_end).chain(around_stubs));
    let mut out = String::new();
    let mut at = 0;
    for window in windows {
        let bytes = regions.bytes(&window);
        // Cut above doc comments, so each declaration keeps its own and none is left dangling.
        let bytes = with_doc_above(source, bytes.start)..with_doc_above(source, bytes.end);
        push_left_out(&mut out, &source[at..bytes.start]);
        out.push_str(&outline(&source[bytes.clone()], &[], others));
        at = bytes.end;
    }
    push_left_out(&mut out, &source[at..]);
    let mut out = crate::lang::text::collapse_blank_runs(&out);
    if out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Where the `//` comment lines right above the line starting at `at` begin (`at` if none do).
fn with_doc_above(source: &str, at: usize) -> usize {
    let mut start = at;
    while start > 0 {
        let above = source[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        if !source[above..start].trim_start().starts_with("//") {
            break;
        }
        start = above;
    }
    start
}

/// The note standing for `skipped` in an outline, if anything was.
fn push_left_out(out: &mut String, skipped: &str) {
    if skipped.is_empty() {
        return;
    }
    let lines = memchr::memchr_iter(b'\n', skipped.as_bytes()).count().max(1);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!(
        "\n// … {lines} lines left out here: the file is too large to outline whole.\n\n"
    ));
}

/// The stubs of one window, positioned in the window; `None` when its edges are not clean.
fn window_stubs(source: &str, bytes: Range<usize>, markers: &Markers) -> Option<Vec<Stub>> {
    let text = &source[bytes.clone()];
    let tree = parse(text)?;
    let root = tree.root_node();
    let file_start = bytes.start == 0;
    let file_end = bytes.end == source.len();
    if root.is_error() || !edges_clean(root, file_start, file_end) {
        return None;
    }
    Some(stubs_in_tree(root, text, markers))
}

/// Whether the window's first and last top-level nodes are free of errors: then the cuts were
/// declaration boundaries as the whole file's parse sees them. An edge that is the file's own is
/// parsed as in the whole file and not checked (a BOM, a broken last line).
fn edges_clean(root: Node, file_start: bool, file_end: bool) -> bool {
    let count = root.child_count();
    let named = root.named_child_count();
    let mut edges = Vec::new();
    if !file_start {
        edges.extend(root.child(0));
        edges.extend(root.named_child(0));
    }
    if !file_end {
        edges.extend(count.checked_sub(1).and_then(|i| root.child(i)));
        edges.extend(named.checked_sub(1).and_then(|i| root.named_child(i)));
    }
    edges.iter().all(|node| !node.has_error())
}

/// A stub found in a window starting at byte `base`, on 0-based line `row`, placed in the whole file.
fn shifted(mut stub: Stub, base: usize, row: usize) -> Stub {
    stub.line += row;
    stub.decl = stub.decl.start + base..stub.decl.end + base;
    stub.decl_with_doc = stub.decl_with_doc.start + base..stub.decl_with_doc.end + base;
    stub
}

/// Ranges sorted by start, overlapping or touching ones joined.
fn merged(ranges: impl Iterator<Item = Range<usize>>) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = ranges.collect();
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match out.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => out.push(range),
        }
    }
    out
}

/// The file cut at its top-level declarations: region `r` runs from `starts[r]` to the next start.
/// Region 0 starts at the file's start, whatever is there (a BOM, a licence comment).
struct Regions {
    starts: Vec<usize>,
    end: usize,
    /// Whether the cuts can be trusted to be the whole file's declaration boundaries.
    sound: bool,
}

impl Regions {
    fn of(source: &str) -> Regions {
        let cuts = declaration_starts(source);
        let mut starts = cuts.starts;
        if !starts_declaration(source.as_bytes()) {
            starts.insert(0, 0);
        }
        Regions {
            starts,
            end: source.len(),
            sound: cuts.sound,
        }
    }

    fn len(&self) -> usize {
        self.starts.len()
    }

    /// The region holding byte `at`.
    fn index_of(&self, at: usize) -> usize {
        self.starts.partition_point(|&start| start <= at).saturating_sub(1)
    }

    /// Region `r` with one region more on each side.
    fn around(&self, r: usize) -> Range<usize> {
        r.saturating_sub(1)..(r + 2).min(self.len())
    }

    /// The bytes of the regions `regions`.
    fn bytes(&self, regions: &Range<usize>) -> Range<usize> {
        let start = self.starts.get(regions.start).copied().unwrap_or(self.end);
        let end = self.starts.get(regions.end).copied().unwrap_or(self.end);
        start..end
    }
}

/// Line numbers of ascending byte offsets, counted once over the file.
#[derive(Default)]
struct Rows {
    at: usize,
    row: usize,
}

impl Rows {
    /// The 0-based line of byte `at`, not before the last one asked.
    fn at(&mut self, source: &str, at: usize) -> usize {
        if at > self.at {
            self.row += memchr::memchr_iter(b'\n', &source.as_bytes()[self.at..at]).count();
            self.at = at;
        }
        self.row
    }
}

#[cfg(test)]
mod tests {
    use super::super::stubs::whole_file_stubs;
    use super::*;

    fn same_as_whole(source: &str) {
        let markers = Markers::default();
        let windowed = stubs_by_windows(source, &markers).expect("windows are clean");
        assert_eq!(windowed, whole_file_stubs(source, &markers), "{source}");
    }

    #[test]
    fn tricky_sources_give_what_the_whole_file_gives() {
        let sources = [
            // A raw string holding declaration-like lines and a marker, a marker in comments and strings.
            "package p\n\nvar s = `\nfunc X() {\n\tpanic(\"implement me\")\n}\n`\n\n// panic(\"implement me\")\nfunc A() {\n\tlog(\"implement me\")\n}\n\n// B does.\n// Second line.\nfunc B() {\n\tpanic(\"implement me\")\n}\n",
            // Closures, generic methods, doc comments in blocks, extra declarations between.
            "package p\n\ntype Set[T comparable] struct{}\n\n/*\n * Add adds.\n */\nfunc (s *Set[T]) Add(v T) {\n\tgo func() {\n\t\tpanic(\"implement me\")\n\t}()\n}\n\nvar x = 1\n\nfunc Outer() func() {\n\treturn func() {\n\t\tpanic(\"prompt: inner\")\n\t}\n}\nconst C = 2\n",
            // CRLF and a BOM.
            "\u{feff}package p\r\n\r\n// A does.\r\nfunc A() {\r\n\tpanic(\"implement me\")\r\n}\r\n\r\nfunc B() {}\r\n",
            // Adjacent stubs, the last without a final newline, a unicode comment before one.
            "package p\nfunc A() { panic(\"implement me\") }\nfunc B() { panic(\"not implemented\") }\n/* é */ func C() { panic(\"unimplemented\") }\nfunc D() { panic(\"implement me\") }",
        ];
        for source in sources {
            same_as_whole(source);
        }
    }

    #[test]
    fn a_broken_declaration_far_away_does_not_matter() {
        let filler: String = (0..50).map(|i| format!("func F{i}() {{ _ = {i} }}\n\n")).collect();
        let source = format!("package p\n\nfunc Broken() {{\n\tx := \n}}\n\n{filler}// Good does.\nfunc (h *H) Good() error {{\n\tpanic(\"implement me\")\n}}\n\n{filler}");
        same_as_whole(&source);
        // An unbalanced bracket can make the whole file's parse anything: not cut.
        let unbalanced = source.replacen("Broken()", "Broken(", 1);
        assert_eq!(stubs_by_windows(&unbalanced, &Markers::default()), None);
    }

    #[test]
    fn outline_keeps_the_head_and_the_stubs_and_counts_the_rest() {
        let filler = |from: usize| -> String {
            (from..from + 100)
                .map(|i| format!("// F{i} does.\nfunc F{i}() int {{\n\treturn {i}\n}}\n\n"))
                .collect()
        };
        let source = format!(
            "package p\n\nimport (\n\t\"context\"\n)\n\n{}// Stub does.\nfunc (h *H) Stub(ctx context.Context) error {{\n\tpanic(\"implement me\")\n}}\n\n{}",
            filler(0),
            filler(100)
        );
        let stubs = whole_file_stubs(&source, &Markers::default());
        let out = outline_by_windows(&source, &stubs, OtherFunctions::Signatures);
        assert!(out.starts_with("package p\n\nimport (\n\t\"context\"\n)\n"), "{out}");
        assert!(out.contains("func (h *H) Stub(ctx context.Context) error { … }"), "{out}");
        assert!(out.contains("func F99() int { … }"), "{out}");
        assert!(out.contains("func F100() int { … }"), "{out}");
        assert!(!out.contains("F50()") && !out.contains("F150()"), "{out}");
        assert!(out.contains("// … 495 lines left out here"), "{out}");
        assert!(out.ends_with("F100() int { … }\n\n// … 495 lines left out here: the file is too large to outline whole.\n"), "{out}");
    }
}
