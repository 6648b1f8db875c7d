//! The plan stage: turning scanned stubs into jobs.
//!
//! A file's stubs form one job, split into groups of at most `group_size` when a file has many (a long
//! answer is slower and more likely cut off than several short ones in flight at once). `--line` narrows a
//! file to the stub under the cursor. Freshness (a sidecar that already covers the file) is decided by
//! the caller, which knows about sidecars.

use std::sync::Arc;

use crate::lang::Stub;
use crate::scan::ScannedFile;

/// One request's worth of work: some stubs of one file.
#[derive(Debug, Clone)]
pub struct Job {
    /// 0-based, in plan order.
    pub id: usize,
    pub file: Arc<ScannedFile>,
    pub stubs: Vec<Stub>,
    /// Which of the file's groups this is (1-based) and how many there are.
    pub part: usize,
    pub parts: usize,
}

impl Job {
    pub fn identities(&self) -> Vec<String> {
        self.stubs.iter().map(Stub::identity).collect()
    }

    /// `path` or `path (part 2/3)`, for progress lines and messages.
    pub fn label(&self) -> String {
        if self.parts > 1 {
            format!(
                "{} (part {}/{})",
                self.file.path.display(),
                self.part,
                self.parts
            )
        } else {
            self.file.path.display().to_string()
        }
    }
}

/// Only the stub whose declaration (doc comment included) spans `line`.
pub fn narrow_to_line(file: &mut ScannedFile, line: usize) {
    let source = &file.source;
    let line_of = |byte: usize| source[..byte].matches('\n').count() + 1;
    file.stubs.retain(|stub| {
        let first = line_of(stub.decl_with_doc.start);
        let last = line_of(stub.decl_with_doc.end);
        (first..=last).contains(&line)
    });
}

/// Jobs for `files`, each file's stubs split into groups of at most `group_size` (at least 1).
pub fn jobs(files: Vec<Arc<ScannedFile>>, group_size: usize) -> Vec<Job> {
    let group_size = group_size.max(1);
    let mut jobs = Vec::new();
    for file in files {
        let parts = file.stubs.len().div_ceil(group_size);
        for (index, group) in file.stubs.chunks(group_size).enumerate() {
            jobs.push(Job {
                id: jobs.len(),
                file: Arc::clone(&file),
                stubs: group.to_vec(),
                part: index + 1,
                parts,
            });
        }
    }
    jobs
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::lang::{Lang, Markers};

    fn file_with(n: usize) -> ScannedFile {
        let mut source = String::from("package p\n");
        for i in 0..n {
            source.push_str(&format!(
                "\n// F{i} does.\nfunc F{i}() {{\n\tpanic(\"implement me\")\n}}\n"
            ));
        }
        let go = Lang::of(Path::new("x.go")).unwrap();
        let stubs = go.stubs_in(&source, &Markers::default());
        ScannedFile {
            path: "p.go".into(),
            lang: go,
            source,
            stubs,
        }
    }

    #[test]
    fn splits_files_with_many_stubs() {
        let jobs = jobs(vec![Arc::new(file_with(14)), Arc::new(file_with(2))], 6);
        let sizes: Vec<_> = jobs
            .iter()
            .map(|j| (j.stubs.len(), j.part, j.parts))
            .collect();
        assert_eq!(sizes, [(6, 1, 3), (6, 2, 3), (2, 3, 3), (2, 1, 1)]);
        assert_eq!(jobs[1].label(), "p.go (part 2/3)");
        assert_eq!(jobs[3].id, 3);
    }

    #[test]
    fn narrows_to_the_stub_under_the_cursor() {
        let mut file = file_with(3);
        // F1's doc comment is on line 8, its `func` on line 9, its body to line 11.
        narrow_to_line(&mut file, 8);
        assert_eq!(file.stubs.len(), 1);
        assert_eq!(file.stubs[0].name, "F1");
        let mut file = file_with(3);
        narrow_to_line(&mut file, 1);
        assert!(file.stubs.is_empty());
    }
}
