//! Fences as CommonMark defines them, on Rust and Python answers whose strings hold fence lines: a
//! fence closes only with a line of the same character at least as long as the opening one.

use std::path::PathBuf;

use crate::check::*;
use crate::lang::Markers;

fn expected(name: &str, source: &str) -> Expected {
    let path = PathBuf::from(format!("proj/{name}"));
    let lang = Lang::of(&path).unwrap();
    Expected {
        target: TargetFile {
            name: name.into(),
            stubs: lang.stubs_in(source, &Markers::default()),
            path,
            source: source.into(),
        },
        dependent: None,
        markers: Markers::default(),
    }
}

const RUST_SOURCE: &str = "/// The help text.\npub fn help() -> &'static str {\n    todo!()\n}\n";

const RUST_ANSWER: &str = "/// The help text.\npub fn help() -> &'static str {\n    r#\"Usage:\n```sh\nassistant generate\n```\n\"#\n}\n";

const PYTHON_SOURCE: &str =
    "def help() -> str:\n    \"\"\"The help text.\"\"\"\n    raise NotImplementedError\n";

const PYTHON_ANSWER: &str = "def help() -> str:\n    \"\"\"The help text.\"\"\"\n    return \"\"\"Usage:\n```sh\nassistant generate\n```\n\"\"\"\n";

fn cases() -> [(&'static str, &'static str, &'static str, &'static str); 2] {
    [
        ("src/help.rs", RUST_SOURCE, RUST_ANSWER, "rust"),
        ("help.py", PYTHON_SOURCE, PYTHON_ANSWER, "python"),
    ]
}

#[test]
fn a_longer_fence_brings_a_string_holding_fence_lines_whole() {
    for (name, source, answer, label) in cases() {
        for outer in ["````", "`````", "~~~", "~~~~"] {
            let text = format!("Here:\n\n{outer}{label}\n{answer}{outer}\n\nThat is all.\n");
            let checked = check(&text, &expected(name, source))
                .unwrap_or_else(|p| panic!("{name} in {outer}: {p}\n{text}"));
            assert!(
                checked[0].code.contains("```sh\nassistant generate\n```\n"),
                "{name} in {outer}: {}",
                checked[0].code
            );
        }
    }
}

#[test]
fn a_fence_closes_only_with_the_same_character_at_least_as_long() {
    for (name, source, answer, label) in cases() {
        // The inner ``` lines and a stray `~~~~` do not close a ```` fence; ````` does.
        let text = format!("````{label}\n{answer}~~~~~\n`````\n\nThat is all.\n");
        let code = &check(&text, &expected(name, source))
            .map_err(|p| format!("{name}: {p}"))
            .err();
        // The `~~~~~` line belongs to the block, which then does not parse: the block ran on past it.
        assert!(
            code.as_ref().is_some_and(|p| p.contains("parse")),
            "{name}: {code:?}"
        );
    }
}

/// A three-backtick fence ends at the string's first ``` line, as CommonMark says: the answer is cut,
/// and the check says so rather than accepting half a function.
#[test]
fn a_three_backtick_fence_ends_at_the_first_fence_line() {
    for (name, source, answer, label) in cases() {
        let text = format!("```{label}\n{answer}```\n");
        assert!(check(&text, &expected(name, source)).is_err(), "{name}");
    }
}
