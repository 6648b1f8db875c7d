//! `assistant scan` on Rust files through the real binary: what is a stub and what is not, where it is
//! reported, and files that do not parse.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn assistant(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("assistant").expect("binary builds");
    cmd.current_dir(dir);
    cmd
}

fn write(root: &Path, relative: &str, content: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    fs::write(path, content).expect("write");
}

/// `(file, line, name, receiver)` of every stub `scan --format json` reports under `dir`.
fn stubs(dir: &Path, extra: &[&str]) -> Vec<(String, u64, String, Option<String>)> {
    let output = assistant(dir)
        .args(["scan", "--format", "json"])
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| {
            let stub: Value = serde_json::from_str(line).expect("json");
            assert_eq!(stub["lang"], "rust");
            (
                stub["file"].as_str().unwrap().to_string(),
                stub["line"].as_u64().unwrap(),
                stub["name"].as_str().unwrap().to_string(),
                stub["receiver"].as_str().map(String::from),
            )
        })
        .collect()
}

fn names(found: &[(String, u64, String, Option<String>)]) -> Vec<&str> {
    found.iter().map(|(_, _, name, _)| name.as_str()).collect()
}

#[test]
fn text_lines_point_at_the_fn_keyword() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "src/store.rs",
        "pub struct Store;\n\nimpl Store {\n    /// Finds one.\n    /// More.\n    pub async fn find(&self) -> u8 {\n        todo!()\n    }\n}\n\nfn free() {\n    unimplemented!(\"later\")\n}\n",
    );
    assistant(dir.path()).arg("scan").assert().success().stdout(
        "src/store.rs:6:15: stub find (Store): Finds one.\n\
             src/store.rs:11:1: stub free\n",
    );
}

#[test]
fn markers_in_strings_comments_and_docs_are_not_stubs() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "lib.rs",
        r##"
//! Crate docs mention todo!() too.

/// Replace todo!() with real code.
pub fn documented() {}

pub fn commented() {
    // todo!()
    /* unimplemented!("x") */
}

pub fn strings() -> (&'static str, &'static str) {
    println!("todo!() is {}", "unimplemented!()");
    ("panic!(\"implement me\")", r#"todo!()"#)
}

pub fn real_panic() {
    panic!("invariant broken")
}
"##,
    );
    let found = stubs(dir.path(), &[]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn closures_nested_modules_generics_and_trait_defaults() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "src/lib.rs",
        r#"
pub struct Store<T>(Vec<T>);

pub trait Repo<T> {
    fn all(&self) -> Vec<T>;
    /// How many there are.
    fn count(&self) -> usize { todo!() }
}

impl<T: Clone + Send> Repo<T> for Store<T> {
    fn all(&self) -> Vec<T> {
        self.0.iter().map(|_| todo!("clone each")).collect()
    }
}

pub mod api {
    pub mod v1 {
        pub async fn handler<R: Send>(request: R) -> Result<(), String> {
            let work = async move { let _ = request; unimplemented!() };
            work.await
        }
    }
}

pub fn fine() -> u8 { 1 }
"#,
    );
    let found = stubs(dir.path(), &[]);
    let described: Vec<(&str, Option<&str>)> = found
        .iter()
        .map(|(_, _, name, receiver)| (name.as_str(), receiver.as_deref()))
        .collect();
    assert_eq!(
        described,
        [
            ("count", Some("Repo")),
            ("all", Some("Store")),
            ("handler", None)
        ]
    );
    // --line needs the identity to tell them apart; the prompt shows the whole path.
    let output = assistant(dir.path())
        .args([
            "generate",
            "--type",
            "deepseek",
            "--dry-run",
            "--file",
            "src/lib.rs",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(
        out.contains("stubs: Repo::count, <Store as Repo>::all, api::v1::handler\n"),
        "{out}"
    );
}

#[test]
fn extra_markers_apply_to_panic_messages() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "a.rs",
        "fn a() { panic!(\"TODO(ai): fill in\") }\nfn b() { panic!(\"implement me: b\") }\n",
    );
    assert_eq!(names(&stubs(dir.path(), &[])), ["b"]);
    assert_eq!(
        names(&stubs(dir.path(), &["--marker", "TODO(ai)"])),
        ["a", "b"]
    );
}

#[test]
fn a_file_that_does_not_parse_is_a_warning_not_a_crash() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "broken.rs", "fn broken( {\n    todo!()\n}\n");
    write(dir.path(), "good.rs", "fn good() { todo!() }\n");
    assistant(dir.path())
        .args(["scan", "--check"])
        .assert()
        .code(1)
        .stdout("good.rs:1:1: stub good\n")
        .stderr(predicate::str::contains("broken.rs: does not parse (1:"));
    // Alone, it is read but yields nothing: not a usage error.
    assistant(dir.path())
        .args(["scan", "broken.rs"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("skipped"));
}

#[test]
fn cargo_target_folders_are_skipped_other_target_folders_are_not() {
    let dir = TempDir::new().unwrap();
    let stub = "pub fn f() { todo!() }\n";
    write(dir.path(), "crate/Cargo.toml", "[package]\nname = \"c\"\n");
    write(dir.path(), "crate/src/lib.rs", stub);
    write(
        dir.path(),
        "crate/target/debug/build/out/generated.rs",
        stub,
    );
    write(dir.path(), "crate/src/target/kept.rs", stub);
    write(dir.path(), "crate/.hidden/skipped.rs", stub);
    let files: Vec<String> = stubs(dir.path(), &[])
        .into_iter()
        .map(|(file, ..)| file)
        .collect();
    assert_eq!(files, ["crate/src/lib.rs", "crate/src/target/kept.rs"]);
}
