//! Build constraints of one Go file, as verification needs them: the GOOS/GOARCH its name asks for
//! (`store_windows.go`, `x_linux_arm64.go`) and the tags its `//go:build` (or older `// +build`) line
//! names, turned into the environment and `-tags` under which `go build` compiles it.
//!
//! Only what the file *asks for* is derived: every tag named without `!` is set, the first OS and the
//! first architecture become GOOS and GOARCH. Whether the file is then really compiled is not decided
//! here: the compiler says so (the sentinel of `crate::lang::toolchain`), and a file still left out
//! goes unverified as "excluded from the build".

use std::path::Path;

/// GOOS values `go/build` knows from file names and tags.
const KNOWN_OS: &[&str] = &[
    "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux",
    "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos",
];

/// GOARCH values `go/build` knows from file names and tags.
const KNOWN_ARCH: &[&str] = &[
    "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle",
    "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv",
    "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm",
];

/// Tags `go build` sets itself (from the toolchain, the compiler, cgo): never passed with `-tags`.
fn implied(tag: &str) -> bool {
    matches!(tag, "unix" | "cgo" | "gc" | "gccgo") || tag.starts_with("go1.")
}

/// How to build a file so that its constraints hold, as far as they can be read off it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Setting {
    pub goos: Option<String>,
    pub goarch: Option<String>,
    pub tags: Vec<String>,
    /// The constraints as users wrote them (`//go:build windows`, `file name _windows`); `None` for a
    /// file without any.
    pub described: Option<String>,
}

impl Setting {
    /// The build setting for `file`, whose text is `text`.
    pub fn of(file: &Path, text: &str) -> Setting {
        let mut setting = Setting::default();
        let mut described = Vec::new();
        if let Some(suffix) = name_constraint(file) {
            described.push(format!("file name _{}", suffix.join("_")));
            for word in suffix {
                setting.take(word);
            }
        }
        for expression in header_constraints(text) {
            described.push(expression.clone());
            for word in positive_words(&expression) {
                setting.take(&word);
            }
        }
        if !described.is_empty() {
            setting.described = Some(described.join(", "));
        }
        setting
    }

    /// As verdicts say it: `GOOS=windows GOARCH=arm64 -tags=integration`.
    pub fn shown(&self) -> String {
        let mut parts = Vec::new();
        if let Some(goos) = &self.goos {
            parts.push(format!("GOOS={goos}"));
        }
        if let Some(goarch) = &self.goarch {
            parts.push(format!("GOARCH={goarch}"));
        }
        if !self.tags.is_empty() {
            parts.push(format!("-tags={}", self.tags.join(",")));
        }
        if parts.is_empty() {
            "the default build".to_string()
        } else {
            parts.join(" ")
        }
    }

    fn take(&mut self, word: &str) {
        if KNOWN_OS.contains(&word) {
            self.goos.get_or_insert_with(|| word.to_string());
        } else if KNOWN_ARCH.contains(&word) {
            self.goarch.get_or_insert_with(|| word.to_string());
        } else if !implied(word) && !self.tags.iter().any(|t| t == word) {
            self.tags.push(word.to_string());
        }
    }
}

/// The OS/architecture words at the end of a file name, as `go/build` reads them: `a_windows.go` →
/// `[windows]`, `a_linux_arm64_test.go` → `[linux, arm64]`; `windows.go` (no underscore) → none.
fn name_constraint(file: &Path) -> Option<Vec<&str>> {
    let name = file.file_name()?.to_str()?;
    let stem = name.split('.').next()?;
    let stem = stem.strip_suffix("_test").unwrap_or(stem);
    let (_, tail) = stem.split_once('_')?;
    let words: Vec<&str> = tail.split('_').collect();
    let n = words.len();
    if n >= 2 && KNOWN_OS.contains(&words[n - 2]) && KNOWN_ARCH.contains(&words[n - 1]) {
        return Some(words[n - 2..].to_vec());
    }
    let last = words[n - 1];
    (KNOWN_OS.contains(&last) || KNOWN_ARCH.contains(&last)).then(|| vec![last])
}

/// The `//go:build` lines (or, in a file without one, the `// +build` lines) before the package
/// clause, as written.
fn header_constraints(text: &str) -> Vec<String> {
    let mut go_build = Vec::new();
    let mut plus_build = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with("package ") || line == "package" {
            break;
        }
        if let Some(expression) = line.strip_prefix("//go:build ") {
            go_build.push(format!("//go:build {}", expression.trim()));
        } else if let Some(expression) = line.strip_prefix("// +build ") {
            plus_build.push(format!("// +build {}", expression.trim()));
        }
    }
    if go_build.is_empty() {
        plus_build
    } else {
        go_build
    }
}

/// The words of a constraint expression not preceded by `!`.
fn positive_words(expression: &str) -> Vec<String> {
    let body = expression
        .trim_start_matches("//go:build")
        .trim_start_matches("// +build");
    let mut words = Vec::new();
    let mut word = String::new();
    let mut negated = false;
    for c in body.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            word.push(c);
            continue;
        }
        if !word.is_empty() && !negated {
            words.push(std::mem::take(&mut word));
        }
        word.clear();
        negated = c == '!';
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(name: &str, text: &str) -> Setting {
        Setting::of(Path::new(name), text)
    }

    #[test]
    fn file_names_give_goos_and_goarch() {
        let s = of("dir/s_windows.go", "package p\n");
        assert_eq!(s.goos.as_deref(), Some("windows"));
        assert_eq!(s.described.as_deref(), Some("file name _windows"));
        let s = of("x_linux_arm64_test.go", "package p\n");
        assert_eq!((s.goos.as_deref(), s.goarch.as_deref()), (Some("linux"), Some("arm64")));
        assert_eq!(of("windows.go", "package p\n"), Setting::default());
        assert_eq!(of("a_b.go", "package p\n"), Setting::default());
        assert_eq!(of("a_amd64.go", "package p\n").goarch.as_deref(), Some("amd64"));
    }

    #[test]
    fn build_lines_give_tags_and_platforms() {
        let s = of(
            "a.go",
            "// Copyright\n\n//go:build (integration || e2e) && !windows && darwin\n\npackage p\n//go:build late\n",
        );
        assert_eq!(s.goos.as_deref(), Some("darwin"));
        assert_eq!(s.tags, ["integration", "e2e"]);
        assert_eq!(
            s.described.as_deref(),
            Some("//go:build (integration || e2e) && !windows && darwin")
        );
        assert_eq!(s.shown(), "GOOS=darwin -tags=integration,e2e");
        let s = of("a.go", "// +build linux,cgo go1.18\n\npackage p\n");
        assert_eq!(s.goos.as_deref(), Some("linux"));
        assert!(s.tags.is_empty(), "{s:?}");
        assert_eq!(of("a.go", "package p\n").shown(), "the default build");
    }
}
