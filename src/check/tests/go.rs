//! The check stage on Go answers.

use std::path::{Path, PathBuf};

use crate::check::reasoning::strip_reasoning;
use crate::check::*;
use crate::lang::Markers;

const HANDLER: &str = "package handler

import (
	\"context\"

	\"store/internal/dao\"
)

type couponHandler struct {
	couponDao dao.CouponDao
}

// Create creates.
func (h *couponHandler) Create(ctx context.Context) error {
	return nil
}

// Redeem redeems the coupon.
func (h *couponHandler) Redeem(ctx context.Context, id uint64) (bool, error) {
	panic(\"implement me\")
}

// Issue issues a coupon.
func (h *couponHandler) Issue(ctx context.Context) error {
	panic(\"implement me\")
}
";

const DAO: &str = "package dao

import \"context\"

// CouponDao is the data access.
type CouponDao interface {
	GetByID(ctx context.Context, id uint64) error
}

type couponDao struct{}

func (d *couponDao) GetByID(ctx context.Context, id uint64) error { return nil }
";

const IMPLEMENTATION: &str = "package handler

import (
	\"context\"
	\"errors\"
)

// Redeem redeems the coupon.
func (h *couponHandler) Redeem(ctx context.Context, id uint64) (bool, error) {
	if id == 0 {
		return false, errors.New(\"no id\")
	}
	return h.couponDao.MarkUsed(ctx, id)
}
";

const DAO_BLOCK: &str = "package dao

import \"context\"

// CouponDao is the data access.
type CouponDao interface {
	GetByID(ctx context.Context, id uint64) error
	MarkUsed(ctx context.Context, id uint64) (bool, error)
}

// MarkUsed marks it.
func (d *couponDao) MarkUsed(ctx context.Context, id uint64) (bool, error) { return true, nil }
";

fn expected() -> Expected {
    let stubs = go().stubs_in(HANDLER, &Markers::default());
    Expected {
        target: TargetFile {
            name: "internal/handler/coupon.go".into(),
            path: PathBuf::from("proj/internal/handler/coupon.go"),
            source: HANDLER.into(),
            stubs: stubs.into_iter().filter(|s| s.name == "Redeem").collect(),
        },
        dependent: Some(DependentFile {
            name: "internal/dao/coupon.go".into(),
            path: PathBuf::from("proj/internal/dao/coupon.go"),
            source: DAO.into(),
        }),
        markers: Markers::default(),
    }
}

fn fenced(label: &str, code: &str) -> String {
    format!("```{label}\n{code}```\n")
}

fn ok(answer: &str) -> Vec<CheckedFile> {
    match check(answer, &expected()) {
        Ok(files) => files,
        Err(problems) => panic!("{problems}\n---\n{answer}"),
    }
}

fn problems(answer: &str) -> Vec<Problem> {
    match check(answer, &expected()) {
        Ok(files) => panic!("accepted: {files:?}"),
        Err(problems) => problems.0,
    }
}

#[test]
fn answers_that_pass() {
    let file_line = |name: &str, code: &str| format!("// file: {name}\n{code}");
    let both = format!(
        "Here you go.\n\n{}\nAnd the dao:\n\n{}\nDone.",
        fenced(
            "go",
            &file_line("internal/handler/coupon.go", IMPLEMENTATION)
        ),
        fenced("go", &file_line("internal/dao/coupon.go", DAO_BLOCK)),
    );
    let cases: Vec<(&str, String, usize)> = vec![
        (
            "prose around a fence",
            format!("Sure!\n\n{}\nHope it helps.", fenced("go", IMPLEMENTATION)),
            1,
        ),
        (
            "think block with its own fence",
            format!(
                "<think>\nMaybe:\n{}</think>\n{}",
                fenced("go", "package handler\nfunc broken( {\n"),
                fenced("golang", IMPLEMENTATION)
            ),
            1,
        ),
        ("no fence", IMPLEMENTATION.to_string(), 1),
        (
            "no fence, prose around",
            format!("Here is the code:\n\n{IMPLEMENTATION}\nThis validates the id first."),
            1,
        ),
        (
            "CRLF and BOM",
            format!(
                "\u{feff}{}",
                fenced("go", IMPLEMENTATION).replace('\n', "\r\n")
            ),
            1,
        ),
        (
            "renamed parameters",
            fenced(
                "",
                &IMPLEMENTATION
                    .replace(
                        "(ctx context.Context, id uint64)",
                        "(c context.Context, couponID uint64)",
                    )
                    .replace("id == 0", "couponID == 0")
                    .replace("(ctx, id)", "(c, couponID)"),
            ),
            1,
        ),
        ("two blocks routed by // file:", both, 2),
        (
            "two blocks routed by package clause",
            format!(
                "{}{}",
                fenced("go", IMPLEMENTATION),
                fenced("go", DAO_BLOCK)
            ),
            2,
        ),
        (
            "path in the info string and in prose",
            format!(
                "{}\n**`internal/dao/coupon.go`**:\n{}",
                fenced("go internal/handler/coupon.go", IMPLEMENTATION),
                fenced("go", &DAO_BLOCK.replace("package dao\n", ""))
            ),
            2,
        ),
        (
            "the whole file echoed, other stub untouched",
            fenced(
                "go",
                &HANDLER.replace(
                    "(bool, error) {\n\tpanic(\"implement me\")\n}",
                    "(bool, error) {\n\treturn true, nil\n}",
                ),
            ),
            1,
        ),
    ];
    for (what, answer, files) in cases {
        let checked = ok(&answer);
        assert_eq!(checked.len(), files, "{what}: {checked:?}");
        assert_eq!(
            checked[0].path,
            PathBuf::from("proj/internal/handler/coupon.go"),
            "{what}"
        );
        assert_eq!(checked[0].functions, ["couponHandler.Redeem"], "{what}");
        assert!(checked[0].code.starts_with("package handler\n"), "{what}");
        assert!(
            !checked[0].code.contains('\r') && !checked[0].code.contains('\u{feff}'),
            "{what}"
        );
        assert!(go().parses(&checked[0].code), "{what}");
        if files == 2 {
            assert_eq!(
                checked[1].path,
                PathBuf::from("proj/internal/dao/coupon.go"),
                "{what}"
            );
            assert_eq!(
                checked[1].functions,
                ["type CouponDao", "couponDao.MarkUsed"],
                "{what}"
            );
        }
    }
}

#[test]
fn blocks_for_the_same_file_are_joined() {
    let mut expected = expected();
    expected.target.stubs = go().stubs_in(HANDLER, &Markers::default());
    let issue = "package handler\n\nimport \"time\"\n\n// Issue issues a coupon.\nfunc (h *couponHandler) Issue(ctx context.Context) error {\n\t_ = time.Now()\n\treturn nil\n}\n";
    let answer = format!("{}{}", fenced("go", IMPLEMENTATION), fenced("go", issue));
    let checked = check(&answer, &expected).unwrap();
    assert_eq!(checked.len(), 1);
    assert_eq!(
        checked[0].functions,
        ["couponHandler.Redeem", "couponHandler.Issue"]
    );
    assert!(
        checked[0].code.starts_with(
            "package handler\n\nimport (\n\t\"context\"\n\t\"errors\"\n\t\"time\"\n)\n"
        ),
        "{}",
        checked[0].code
    );
    let only_one = check(&fenced("go", IMPLEMENTATION), &expected).unwrap_err();
    assert_eq!(
        only_one.0,
        [Problem::Missing {
            file: "internal/handler/coupon.go".into(),
            identity: "couponHandler.Issue".into()
        }]
    );
}

#[test]
fn checked_code_is_package_imports_and_new_declarations() {
    let checked = ok(&fenced("go", IMPLEMENTATION));
    assert_eq!(checked[0].code, IMPLEMENTATION);
    let echoed = ok(&fenced(
            "go",
            &format!("{IMPLEMENTATION}\n// Create creates.\nfunc (h *couponHandler) Create(ctx context.Context) error {{\n\treturn nil\n}}\n"),
        ));
    assert_eq!(echoed[0].code, IMPLEMENTATION, "echoed code is dropped");
}

#[test]
fn answers_that_fail() {
    type Case = (&'static str, String, fn(&Problem) -> bool);
    let cases: Vec<Case> = vec![
            (
                "wrong signature",
                fenced("go", &IMPLEMENTATION.replace("id uint64)", "id int64)")),
                |p| matches!(p, Problem::SignatureChanged { .. }),
            ),
            (
                "missing function",
                fenced("go", "package handler\n\nfunc helper() {}\n"),
                |p| matches!(p, Problem::Missing { identity, .. } if identity == "couponHandler.Redeem"),
            ),
            (
                "syntax error",
                fenced("go", &IMPLEMENTATION.replace("return false,", "return false,,")),
                |p| matches!(p, Problem::Syntax { .. }),
            ),
            (
                "marker still there",
                fenced("go", "package handler\n\nfunc (h *couponHandler) Redeem(ctx context.Context, id uint64) (bool, error) {\n\tpanic(\"implement me\")\n}\n"),
                |p| matches!(p, Problem::StillStub { .. }),
            ),
            (
                "a block for an unknown file",
                format!("{}{}", fenced("go", IMPLEMENTATION), fenced("go", "// file: cmd/main.go\npackage main\n\nfunc main() {}\n")),
                |p| matches!(p, Problem::UnknownFile { named } if named == "cmd/main.go"),
            ),
            (
                "a method on an unrelated receiver",
                fenced("go", &format!("{IMPLEMENTATION}\nfunc (d *couponDao) MarkUsed() {{}}\n")),
                |p| matches!(p, Problem::UnrelatedReceiver { receiver, .. } if receiver == "couponDao"),
            ),
            (
                "no code at all",
                "I cannot do that.".to_string(),
                |p| matches!(p, Problem::NoCodeIn(_)),
            ),
            (
                "only a shell block",
                fenced("bash", "go test ./...\n"),
                |p| matches!(p, Problem::NoCodeIn(_)),
            ),
        ];
    for (what, answer, expected_problem) in cases {
        let found = problems(&answer);
        assert!(found.iter().any(expected_problem), "{what}: {found:?}");
    }
}

#[test]
fn repair_prompt_lists_every_problem() {
    let problems = Problems(vec![
        Problem::Missing {
            file: "a.go".into(),
            identity: "T.F".into(),
        },
        Problem::NoCodeIn(go()),
    ]);
    assert_eq!(
        problems.repair_prompt(),
        "- a.go: T.F is missing (give it in full)\n- the answer holds no Go code block\n"
    );
    assert_eq!(
        problems.to_string(),
        "a.go: T.F is missing (give it in full); the answer holds no Go code block"
    );
}

#[test]
fn reasoning_is_stripped() {
    assert_eq!(strip_reasoning("a<think>b</think>c"), "ac");
    assert_eq!(strip_reasoning("a<THINK>b"), "a");
    assert_eq!(strip_reasoning("reasoning…</think>code"), "code");
}

fn go() -> Lang {
    Lang::of(Path::new("x.go")).unwrap()
}

/// A comment holding a line that starts with three backticks (Go raw strings cannot hold a backtick),
/// in a four-backtick (or tilde) fence: CommonMark closes a fence only with one of the same character
/// at least as long, so the block arrives whole.
#[test]
fn a_longer_fence_holds_a_raw_string_with_a_fence_line() {
    let body = "package handler\n\nimport \"context\"\n\n// Redeem redeems the coupon.\nfunc (h *couponHandler) Redeem(ctx context.Context, id uint64) (bool, error) {\n\t/*\n```go\nx := 1\n```\n*/\n\treturn id != 0, nil\n}\n";
    for outer in ["````", "~~~~", "~~~"] {
        let answer = format!("Here it is:\n\n{outer}go\n{body}{outer}\n\nDone.\n");
        let checked = ok(&answer);
        assert!(
            checked[0].code.contains("```go\nx := 1\n```\n*/"),
            "{outer}: {}",
            checked[0].code
        );
    }
}
