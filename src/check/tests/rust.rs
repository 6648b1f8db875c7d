//! The check stage on Rust answers.

use std::path::{Path, PathBuf};

use crate::check::*;
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
    let stubs = rust().stubs_in(SOURCE, &Markers::default());
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
            *p == Problem::NoCodeIn(rust())
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
        Problem::NoCodeIn(rust()).to_string(),
        "the answer holds no Rust code block"
    );
}

fn rust() -> Lang {
    Lang::of(Path::new("lib.rs")).unwrap()
}
