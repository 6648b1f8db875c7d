//! Go's compiler as a [`Toolchain`]: `go build -overlay` over the packages an answer touches, its
//! errors placed back in the user's files.
//!
//! The answer never reaches the user's tree: each replacement is written to a temporary folder and an
//! overlay file tells `go` to read it in place of the source. This module only runs `go` and reads
//! what it prints; deciding which errors the answer introduced belongs to `crate::verify`.
//!
//! Success is established positively (see `crate::lang::toolchain`): each file asked about is read
//! with a sentinel line appended, `var _ int = "…"`, a type error that only a type checker reports, and
//! only its report (by file and line) counts as proof that the file was compiled. Why not the other
//! ways: an exit status of 1 with only the tree's own errors says nothing of a package that was never
//! compiled (it failed to load: a module missing from the cache, a `go.mod` asking for a newer Go; or
//! it imports a package that does not compile); recognising load errors by their wording breaks with
//! each release (Go 1.27 words them unlike 1.19); `go list -e -json` tells whether the imports loaded
//! and whether the file is in `GoFiles`, but not that the compiler got as far as type checking, and
//! costs a second process per run. The sentinel covers all of these in the one `go build`: a file left
//! out by its build constraints has no sentinel reported either. `-gcflags=-e` lifts the compiler's
//! ten-error limit for the packages asked about, so a sentinel (or an answer's error) is never cut off.
//!
//! A file with build constraints (`_windows.go`, `//go:build integration`) is compiled under its own
//! (see `constraints`): files are grouped by that setting, one `go build` per group.
//!
//! Measured on Go 1.19 (Debian's golang-go, the oldest `go` this supports) and Go 1.27:
//! - `go vet -overlay` does not type-check the overlay: vet re-reads the files on disk. So only
//!   `go build` is run.
//! - `go build -o DIR/` writes main packages only; `-o /dev/null` is special-cased by `go build` ("not
//!   writing at all"): one or many packages, main or not, all compiled and nothing written.
//! - Errors name the overlay's temporary file for the compiler's own messages, but the source path
//!   for the loader's; both are mapped back to the user's file.

#[path = "constraints.rs"]
mod constraints;

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::lang::toolchain::{first_lines, Checked, Diagnostic, Replacement, ToolError, Toolchain};
use crate::lang::tools::run_with_timeout;
use constraints::Setting;

/// The program run, and what reports call the check.
const PROGRAM: &str = "go";
/// The line Go prints, at a position, when it stops after ten errors: not an error of its own.
const TOO_MANY_ERRORS: &str = "too many errors";
/// Appended to each file asked about: a type error only a type checker reports.
const SENTINEL: &str = "var _ int = \"assistant: a type checker reports this line\"";

/// `go build`, driven for verification.
pub struct GoBuild;

impl Toolchain for GoBuild {
    fn name(&self) -> &'static str {
        "go build"
    }

    fn program(&self) -> &'static str {
        PROGRAM
    }

    fn project_root(&self, file: &Path) -> Option<PathBuf> {
        file.ancestors()
            .skip(1)
            .find(|dir| dir.join("go.mod").is_file())
            .map(Path::to_path_buf)
    }

    fn unit(&self, _root: &Path, file: &Path) -> PathBuf {
        file.parent().unwrap_or(file).to_path_buf()
    }

    fn check(
        &self,
        root: &Path,
        files: &[PathBuf],
        replacements: &[Replacement],
        timeout: Duration,
    ) -> Result<Checked, ToolError> {
        let mut checked = Checked::default();
        let mut groups: Vec<(Setting, Vec<(PathBuf, String)>)> = Vec::new();
        for file in files {
            let text = match replacements.iter().find(|r| &r.path == file) {
                Some(replacement) => replacement.text.clone(),
                None => match std::fs::read_to_string(file) {
                    Ok(text) => text,
                    Err(e) => {
                        checked
                            .unreached
                            .push((file.clone(), format!("cannot read it: {e}")));
                        continue;
                    }
                },
            };
            let setting = Setting::of(file, &text);
            match groups.iter_mut().find(|(s, _)| *s == setting) {
                Some((_, members)) => members.push((file.clone(), text)),
                None => groups.push((setting, vec![(file.clone(), text)])),
            }
        }
        for (setting, members) in groups {
            checked.extend(Checked::until_settled(
                members,
                |(file, _)| file.as_path(),
                |members| build(root, &setting, members, replacements, timeout),
            )?);
        }
        Ok(checked)
    }
}

/// One `go build` of the packages of `members` (each a file and the text it is read as) under
/// `setting`, with `replacements` overlaid and a sentinel appended to each member.
fn build(
    root: &Path,
    setting: &Setting,
    members: &[(PathBuf, String)],
    replacements: &[Replacement],
    timeout: Duration,
) -> Result<Checked, ToolError> {
    let real_root = real_path(root);
    let files: Vec<PathBuf> = members.iter().map(|(f, _)| f.clone()).collect();
    let packages = package_patterns(&real_root, &files)?;
    let scratch = tempfile::TempDir::new()
        .map_err(|e| ToolError::Prepare(format!("cannot create a temporary folder: {e}")))?;
    let mut overlaid: Vec<Replacement> = replacements
        .iter()
        .filter(|r| !files.contains(&r.path))
        .cloned()
        .collect();
    let mut sentinels = Vec::new();
    for (file, text) in members {
        let mut text = text.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        sentinels.push((file.clone(), text.lines().count() + 1));
        text.push_str(SENTINEL);
        text.push('\n');
        overlaid.push(Replacement {
            path: file.clone(),
            text,
        });
    }
    let (overlay, places) = write_overlay(scratch.path(), root, &real_root, &overlaid)?;

    let mut command = go_command(&real_root);
    command.arg("build").arg("-gcflags=-e");
    if !setting.tags.is_empty() {
        command.arg(format!("-tags={}", setting.tags.join(",")));
    }
    if let Some(goos) = &setting.goos {
        command.env("GOOS", goos);
    }
    if let Some(goarch) = &setting.goarch {
        command.env("GOARCH", goarch);
    }
    command.arg("-overlay").arg(&overlay);
    command.arg("-o").arg(null_device()).args(&packages);
    let output = run_with_timeout(command, timeout)?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut diagnostics = parse_diagnostics(&stderr, &places);
    let mut checked = Checked::default();
    let mut missed = Vec::new();
    for (file, line) in sentinels {
        let before = diagnostics.len();
        diagnostics.retain(|d| !(d.file == file && d.line == line));
        if diagnostics.len() < before {
            checked.reached.push(file);
        } else {
            missed.push(file);
        }
    }
    for file in missed {
        let why = if output.status.success() || diagnostics.is_empty() && stderr.trim().is_empty() {
            // It built, without this file: its constraints (or the default build's) leave it out.
            let under = setting.shown();
            match &setting.described {
                Some(described) => {
                    format!("excluded from the build ({described}) under {under}")
                }
                None => format!("excluded from the build under {under}"),
            }
        } else {
            // A placed error names the user's file; the raw output may name the overlay's copies.
            let said = match diagnostics.first() {
                Some(first) => first.to_string(),
                None => first_lines(&stderr),
            };
            format!("{PROGRAM} build stopped before type-checking it: {said}")
        };
        checked.unreached.push((file, why));
    }
    checked.diagnostics = diagnostics;
    Ok(checked)
}

/// `go`, run in the project root in the user's environment (as their own build would run: their
/// GOPROXY, GOTOOLCHAIN, GOFLAGS), except what would let it write their tree:
/// - `-mod=mod` is taken out of an inherited `GOFLAGS`: it lets `go` rewrite `go.mod` and `go.sum`.
///   Without it `go build` reads them only (`-mod=readonly`, or `vendor` when the project vendors).
/// - `PWD` is the folder itself, so the paths `go` prints relative to it resolve against the same
///   (symlink-free) root this module maps them with.
///
/// A module that cannot be had (no network, no cache) or a `go.mod` asking for a newer Go fails the
/// build before type checking, or runs into `--verify-timeout`: either way no sentinel, no verdict.
fn go_command(real_root: &Path) -> Command {
    let mut command = Command::new(PROGRAM);
    command.current_dir(real_root).env("PWD", real_root);
    if let Some(flags) = std::env::var_os("GOFLAGS") {
        let flags = flags.to_string_lossy();
        let kept: Vec<&str> = flags
            .split_whitespace()
            .filter(|flag| !matches!(*flag, "-mod=mod" | "--mod=mod"))
            .collect();
        command.env("GOFLAGS", kept.join(" "));
    }
    command
}

/// Where `go build -o` writes nothing: `go` compares the flag with its own `os.DevNull`.
fn null_device() -> &'static str {
    if cfg!(windows) {
        "NUL"
    } else {
        "/dev/null"
    }
}

/// The package folders of `files`, as `go` patterns relative to the root (`./store`, `.`), sorted
/// and without repeats.
fn package_patterns(real_root: &Path, files: &[PathBuf]) -> Result<Vec<String>, ToolError> {
    let mut patterns = Vec::new();
    for file in files {
        let real = real_path(file);
        let dir = real.parent().unwrap_or(&real);
        let relative = dir.strip_prefix(real_root).map_err(|_| {
            ToolError::Prepare(format!(
                "{} is outside the Go module at {}",
                file.display(),
                real_root.display()
            ))
        })?;
        let mut pattern = String::from(".");
        for component in relative.components() {
            pattern.push('/');
            pattern.push_str(&component.as_os_str().to_string_lossy());
        }
        patterns.push(pattern);
    }
    patterns.sort();
    patterns.dedup();
    Ok(patterns)
}

/// Writes each replacement's text into `scratch` and the overlay file naming them; returns the
/// overlay's path and how to place the paths `go` will print.
fn write_overlay(
    scratch: &Path,
    root: &Path,
    real_root: &Path,
    replacements: &[Replacement],
) -> Result<(PathBuf, Places), ToolError> {
    let prepare = |what: &str, path: &Path, e: std::io::Error| {
        ToolError::Prepare(format!("cannot {what} {}: {e}", path.display()))
    };
    // The temporary folder may itself sit behind a symlink (macOS's /tmp); `go` prints real paths.
    let scratch = scratch
        .canonicalize()
        .map_err(|e| prepare("resolve", scratch, e))?;
    let mut replace = BTreeMap::new();
    let mut overlaid = HashMap::new();
    for (i, replacement) in replacements.iter().enumerate() {
        let name = replacement
            .path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file.go".to_string());
        let temp = scratch.join(format!("{i}-{name}"));
        std::fs::write(&temp, &replacement.text).map_err(|e| prepare("write", &temp, e))?;
        replace.insert(
            json_path(&real_path(&replacement.path))?,
            json_path(&temp)?,
        );
        overlaid.insert(temp, replacement.path.clone());
    }
    let overlay = scratch.join("overlay.json");
    let json = serde_json::json!({ "Replace": replace });
    std::fs::write(&overlay, json.to_string()).map_err(|e| prepare("write", &overlay, e))?;
    let places = Places {
        root: root.to_path_buf(),
        real_root: real_root.to_path_buf(),
        overlaid,
    };
    Ok((overlay, places))
}

/// A path as the overlay's JSON holds it: text, which a non-UTF-8 path cannot be faithfully.
fn json_path(path: &Path) -> Result<String, ToolError> {
    path.to_str().map(str::to_string).ok_or_else(|| {
        ToolError::Prepare(format!("{} is not valid UTF-8", path.display()))
    })
}

/// How a path `go` printed becomes a path in the user's tree.
struct Places {
    /// The root as the caller named it: diagnostics are placed under it.
    root: PathBuf,
    /// The root with symlinks resolved: where `go` ran, and what its relative paths start from.
    real_root: PathBuf,
    /// Temporary file → the source file it stands for.
    overlaid: HashMap<PathBuf, PathBuf>,
}

impl Places {
    fn source_of(&self, printed: &str) -> PathBuf {
        let absolute = normalize(&self.real_root.join(printed));
        if let Some(source) = self.overlaid.get(&absolute) {
            return source.clone();
        }
        match absolute.strip_prefix(&self.real_root) {
            Ok(relative) => self.root.join(relative),
            Err(_) => absolute,
        }
    }
}

/// The errors in `go build`'s output, in order, without repeats.
///
/// Lines are `path:line:col: message` or `path:line: message`; only `.go` paths count, so a broken
/// `go.mod` (`go.mod:4: unknown directive`) is a failure of the project, not a diagnostic. Package
/// headers (`# example.com/m/store`) are skipped. Lines starting with a tab continue the message above
/// (`have (…)` / `want (…)`, `go get …`) and are appended to it, so the message stays one line and
/// keeps what the model needs to fix the call.
fn parse_diagnostics(output: &str, places: &Places) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut continues = false;
    for line in output.lines() {
        if let Some(more) = line.strip_prefix('\t') {
            if let (true, Some(last)) = (continues, diagnostics.last_mut()) {
                let separator = if last.message.ends_with(':') { " " } else { "; " };
                last.message.push_str(separator);
                last.message.push_str(more.trim());
            }
            continue;
        }
        continues = false;
        let Some((path, line_number, column, message)) = split_position(line) else {
            continue;
        };
        if message == TOO_MANY_ERRORS {
            continue;
        }
        diagnostics.push(Diagnostic {
            file: places.source_of(path),
            line: line_number,
            column,
            message: message.to_string(),
        });
        continues = true;
    }
    let mut seen = std::collections::HashSet::new();
    diagnostics.retain(|d| seen.insert(d.clone()));
    diagnostics
}

/// Splits `path.go:line:col: message` (or `path.go:line: message`). The position is looked for
/// right after `.go:`, so a Windows drive letter's colon is not mistaken for one.
fn split_position(line: &str) -> Option<(&str, usize, usize, &str)> {
    let mut from = 0;
    while let Some(found) = line[from..].find(".go:") {
        let path_end = from + found + ".go".len();
        if let Some((line_number, column, message)) = position(&line[path_end + 1..]) {
            return Some((&line[..path_end], line_number, column, message));
        }
        from = path_end;
    }
    None
}

/// `line:col: message` or `line: message` → its parts (column 0 when absent).
fn position(rest: &str) -> Option<(usize, usize, &str)> {
    let (line, rest) = number(rest)?;
    let rest = rest.strip_prefix(':')?;
    let (column, rest) = match number(rest) {
        Some((column, after)) => (column, after.strip_prefix(':')?),
        None => (0, rest),
    };
    let message = rest.strip_prefix(' ')?.trim();
    (!message.is_empty()).then_some((line, column, message))
}

/// The decimal number `text` starts with, and what follows it.
fn number(text: &str) -> Option<(usize, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let value = text[..end].parse().ok()?;
    Some((value, &text[end..]))
}

/// `path` with symlinks resolved; for a file not on disk yet, its folder's resolved. As given when
/// neither exists.
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    match (path.parent().map(Path::canonicalize), path.file_name()) {
        (Some(Ok(parent)), Some(name)) => parent.join(name),
        _ => path.to_path_buf(),
    }
}

/// `path` with `.` and `..` resolved as text (`go` may print `../x` relative to where it ran).
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !normal.pop() {
                    normal.push(component);
                }
            }
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::tools::on_path;

    const TIMEOUT: Duration = Duration::from_secs(120);

    const STORE: &str = "package store

// Item is what the store keeps.
type Item struct {
	ID   int
	Name string
}

// Repo finds items.
type Repo interface {
	Get(id int) (Item, error)
}

// NameOf returns the name of item id, or \"\" when it cannot be found.
func NameOf(r Repo, id int) string {
	item, err := r.Get(id)
	if err != nil {
		return \"\"
	}
	return item.Name
}
";

    const APP: &str = "package app

import \"example.com/m/store\"

// Describe names item 1.
func Describe(r store.Repo) string {
	return \"item: \" + store.NameOf(r, 1)
}
";

    const MAIN: &str = "package main

import \"fmt\"

func main() {
	fmt.Println(\"hello\")
}
";

    /// A module `example.com/m` with packages `store` and `app` (which calls `store`), and `cmd`
    /// (a package main); `None`, with a note, when `go` is not installed.
    fn module() -> Option<tempfile::TempDir> {
        if !on_path(PROGRAM) {
            eprintln!("skipped: `go` is not on PATH");
            return None;
        }
        let dir = tempfile::TempDir::new().unwrap();
        let files = [
            ("go.mod", "module example.com/m\n\ngo 1.19\n"),
            ("store/store.go", STORE),
            ("app/app.go", APP),
            ("cmd/main.go", MAIN),
        ];
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Some(dir)
    }

    fn replacement(root: &Path, path: &str, text: String) -> Replacement {
        Replacement {
            path: root.join(path),
            text,
        }
    }

    /// The errors, once every file asked about is proven type-checked.
    fn check(root: &Path, files: &[&str], replacements: &[Replacement]) -> Vec<Diagnostic> {
        let files: Vec<PathBuf> = files.iter().map(|f| root.join(f)).collect();
        let checked = GoBuild
            .check(root, &files, replacements, TIMEOUT)
            .unwrap_or_else(|e| panic!("{e}"));
        for file in &files {
            assert_eq!(checked.why_unreached(file), None, "{checked:?}");
        }
        checked.diagnostics
    }

    /// The store with `body` in place of `NameOf`'s body.
    fn store_with_body(body: &str) -> String {
        let start = STORE.find("\titem, err").unwrap();
        let end = STORE.rfind('}').unwrap();
        format!("{}{body}\n{}", &STORE[..start], &STORE[end..])
    }

    #[test]
    fn names_and_root() {
        assert_eq!(GoBuild.name(), "go build");
        assert_eq!(GoBuild.program(), "go");
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::create_dir_all(dir.path().join("m/a/b")).unwrap();
        std::fs::write(dir.path().join("m/go.mod"), "module m\n").unwrap();
        let file = dir.path().join("m/a/b/x.go");
        assert_eq!(GoBuild.project_root(&file), Some(dir.path().join("m")));
        assert_eq!(GoBuild.project_root(&dir.path().join("x.go")), None);
    }

    #[test]
    fn the_tree_as_it_is_builds() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        assert_eq!(check(root, &["store/store.go", "app/app.go"], &[]), []);
    }

    #[test]
    fn an_unused_variable_is_placed_in_the_source_file() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        let text = store_with_body("\tx := 0\n\treturn \"\"");
        let diagnostics = check(
            root,
            &["store/store.go"],
            &[replacement(root, "store/store.go", text)],
        );
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        let d = &diagnostics[0];
        assert_eq!(d.file, root.join("store/store.go"));
        assert_eq!(d.line, 16);
        assert_eq!(d.column, 2);
        assert!(d.message.contains('x'), "{d}");
    }

    #[test]
    fn an_undefined_method_is_an_error() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        let text = store_with_body("\treturn r.Lookup(id).Name");
        let diagnostics = check(
            root,
            &["store/store.go"],
            &[replacement(root, "store/store.go", text)],
        );
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].file, root.join("store/store.go"));
        assert!(diagnostics[0].message.contains("Lookup"), "{diagnostics:?}");
    }

    #[test]
    fn an_unused_import_is_an_error() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        let text = STORE.replacen("package store\n", "package store\n\nimport \"strings\"\n", 1);
        let diagnostics = check(
            root,
            &["store/store.go"],
            &[replacement(root, "store/store.go", text)],
        );
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].file, root.join("store/store.go"));
        assert_eq!(diagnostics[0].line, 3);
        assert!(diagnostics[0].message.contains("strings"), "{diagnostics:?}");
    }

    #[test]
    fn the_users_files_are_untouched() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        let text = store_with_body("\tx := 0\n\treturn \"\"");
        check(
            root,
            &["store/store.go", "cmd/main.go"],
            &[replacement(root, "store/store.go", text)],
        );
        assert_eq!(
            std::fs::read(root.join("store/store.go")).unwrap(),
            STORE.as_bytes()
        );
        let mut names: Vec<_> = std::fs::read_dir(root)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["app", "cmd", "go.mod", "store"]);
        assert_eq!(std::fs::read_dir(root.join("cmd")).unwrap().count(), 1);
    }

    #[test]
    fn a_broken_caller_in_another_package_is_placed_in_its_file() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        // NameOf takes a second argument now: app's call no longer compiles.
        let text = STORE.replace(
            "func NameOf(r Repo, id int) string {",
            "func NameOf(r Repo, id int, fallback string) string {",
        );
        let diagnostics = check(
            root,
            &["store/store.go", "app/app.go"],
            &[replacement(root, "store/store.go", text)],
        );
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        let d = &diagnostics[0];
        assert_eq!(d.file, root.join("app/app.go"));
        assert_eq!(d.line, 7);
        assert!(d.message.contains("NameOf"), "{d}");
        // The call's continuation lines (have/want) stay on the message's one line.
        assert!(d.message.contains("want (store.Repo, int, string)"), "{d}");
        assert!(!d.message.contains('\n'), "{d}");
    }

    #[test]
    fn a_tiny_timeout_stops_go() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        let error = GoBuild
            .check(
                root,
                &[root.join("store/store.go")],
                &[],
                Duration::from_millis(1),
            )
            .unwrap_err();
        // (The sentinel's overlay is written before `go` starts: the limit is the process's.)
        assert!(matches!(error, ToolError::TimedOut { .. }), "{error}");
    }

    #[test]
    fn a_package_main_is_checked_too() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        assert_eq!(check(root, &["cmd/main.go"], &[]), []);
        let broken = MAIN.replace("fmt.Println(\"hello\")", "fmt.Println(undefinedName)");
        let diagnostics = check(
            root,
            &["cmd/main.go", "store/store.go"],
            &[replacement(root, "cmd/main.go", broken)],
        );
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].file, root.join("cmd/main.go"));
        assert_eq!(diagnostics[0].line, 6);
        assert!(diagnostics[0].message.contains("undefinedName"));
        // Beside a main package, a broken other package is still compiled (`-o DIR/` would skip it).
        let text = store_with_body("\tx := 0\n\treturn \"\"");
        let diagnostics = check(
            root,
            &["cmd/main.go", "store/store.go"],
            &[replacement(root, "store/store.go", text)],
        );
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].file, root.join("store/store.go"));
    }

    /// What a check of `files` found, whether or not they were reached.
    fn check_any(root: &Path, files: &[&str], replacements: &[Replacement]) -> Checked {
        let files: Vec<PathBuf> = files.iter().map(|f| root.join(f)).collect();
        GoBuild
            .check(root, &files, replacements, TIMEOUT)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_broken_go_mod_reaches_nothing_and_says_why_on_one_line() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        std::fs::write(root.join("go.mod"), "module example.com/m\n\nbogus 1\n").unwrap();
        let checked = check_any(root, &["store/store.go"], &[]);
        assert!(checked.reached.is_empty(), "{checked:?}");
        let why = checked.why_unreached(&root.join("store/store.go")).unwrap();
        assert!(why.contains("bogus"), "{why}");
        assert!(!why.contains('\n'), "{why}");
    }

    #[test]
    fn a_package_that_cannot_load_its_imports_is_not_reached() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        std::fs::write(
            root.join("go.mod"),
            "module example.com/m\n\ngo 1.19\n\nrequire example.invalid/nowhere v1.0.0\n",
        )
        .unwrap();
        let text = STORE.replacen(
            "package store\n",
            "package store\n\nimport _ \"example.invalid/nowhere\"\n",
            1,
        );
        let broken = text.replace("return item.Name", "x := 0\n\treturn item.Name");
        let checked = check_any(
            root,
            &["store/store.go"],
            &[replacement(root, "store/store.go", broken)],
        );
        assert!(checked.reached.is_empty(), "{checked:?}");
        let why = checked.why_unreached(&root.join("store/store.go")).unwrap();
        assert!(why.starts_with("go build stopped before type-checking it: "), "{why}");
    }

    #[test]
    fn a_dependency_that_does_not_compile_leaves_its_importer_unreached() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        let broken_store = store_with_body("\tx := 0\n\treturn \"\"");
        let checked = check_any(
            root,
            &["app/app.go"],
            &[replacement(root, "store/store.go", broken_store)],
        );
        assert!(checked.reached.is_empty(), "{checked:?}");
        assert!(checked.why_unreached(&root.join("app/app.go")).is_some());
    }

    #[test]
    fn a_file_for_another_os_is_checked_under_its_own_goos() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        let path = "store/path_windows.go";
        let good = "package store\n\n// Sep is the path separator.\nconst Sep = '\\\\'\n";
        std::fs::write(root.join(path), good).unwrap();
        assert_eq!(check(root, &[path], &[]), []);
        let bad = format!("{good}\nfunc f() int {{ return undefinedThing }}\n");
        let diagnostics = check(root, &[path], &[replacement(root, path, bad)]);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].file, root.join(path));
        assert!(diagnostics[0].message.contains("undefinedThing"));
    }

    #[test]
    fn a_tagged_file_is_checked_with_its_tag_and_an_impossible_one_is_excluded() {
        let Some(dir) = module() else { return };
        let root = dir.path();
        let path = "store/extra.go";
        let tagged = "//go:build integration\n\npackage store\n\nfunc extra() int { return missing }\n";
        std::fs::write(root.join(path), tagged).unwrap();
        let checked = check_any(root, &[path], &[]);
        assert_eq!(checked.reached, [root.join(path)], "{checked:?}");
        assert!(checked.diagnostics[0].message.contains("missing"), "{checked:?}");
        // No setting satisfies it: the build leaves the file out, and says so.
        let never = tagged.replace("integration", "linux && windows");
        std::fs::write(root.join(path), never).unwrap();
        let checked = check_any(root, &[path], &[]);
        assert!(checked.reached.is_empty(), "{checked:?}");
        let why = checked.why_unreached(&root.join(path)).unwrap();
        assert!(why.starts_with("excluded from the build (//go:build linux && windows)"), "{why}");
    }

    #[test]
    fn output_lines_are_parsed_and_placed() {
        let places = Places {
            root: PathBuf::from("/p/m"),
            real_root: PathBuf::from("/real/m"),
            overlaid: HashMap::from([(
                PathBuf::from("/tmp/x/0-a.go"),
                PathBuf::from("/p/m/a/a.go"),
            )]),
        };
        let output = "# example.com/m/a
/tmp/x/0-a.go:8:2: not enough arguments in call to f
\thave ()
\twant (int)
./b.go:3: no column here
../../tmp/x/0-a.go:9:2: v declared but not used
a/c.go:3:8: no required module provides package x/y; to add it:
\tgo get x/y
/tmp/x/0-a.go:17:2: too many errors
\tignored
go.mod:4: unknown directive: bogus
";
        let diagnostics = parse_diagnostics(output, &places);
        let shown: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "/p/m/a/a.go:8:2: not enough arguments in call to f; have (); want (int)",
                "/p/m/b.go:3:0: no column here",
                "/p/m/a/a.go:9:2: v declared but not used",
                "/p/m/a/c.go:3:8: no required module provides package x/y; to add it: go get x/y",
            ]
        );
    }
}
