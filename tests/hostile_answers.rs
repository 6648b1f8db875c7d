//! Hostile answers: what models really send back, through `check::check` against a real job.
//!
//! The job is the one `generate` builds for `examples/store/internal/handler/order.go`: its three stubs
//! (found by `scan`), with `internal/dao/order.go` as the file the answer may extend. Each row of the
//! table is an answer and the outcome it must have: accepted (which files, which functions), or
//! rejected (which problems). Every accepted answer must also be clean (LF, no BOM, parses) and merge
//! into its source; every answer must be checked well within [`TIME_LIMIT`], 10 MB ones included.
//!
//! Rows marked `// BUG:` state the right outcome where the current code gets it wrong; the test
//! fails on them (and only on them) until the code is fixed.

use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use assistant::check::{self, CheckedFile, DependentFile, Expected, Problem, TargetFile};
use assistant::lang::go::{decls, merge};
use assistant::lang::{Lang, Markers};
use assistant::scan::{self, Target};

const HANDLER: &str = "internal/handler/order.go";
const DAO: &str = "internal/dao/order.go";

/// The bound on checking any answer, 10 MB ones included, in a debug build on a shared 2-core machine
/// (a 10 MB answer of prose around the reference answer takes about 0.4 s alone, the slowest row about
/// 1 s; 3 s under four parallel compilations). A guard against work that grows faster than the answer
/// (quadratic on 10 MB is minutes), not a speed target: those are the benchmarks'.
const TIME_LIMIT: Duration = Duration::from_secs(10);

const STUBS: [&str; 3] = [
    "orderHandler.CancelOrder",
    "orderHandler.PayOrder",
    "orderHandler.ShipOrder",
];

const REFERENCE_HANDLER_FUNCTIONS: [&str; 6] = [
    "orderHandler.CancelOrder",
    "orderHandler.PayOrder",
    "orderHandler.ShipOrder",
    "trackingNoPattern",
    "orderHandler.getOrder",
    "isPaidBy",
];

const REFERENCE_DAO_FUNCTIONS: [&str; 2] = ["type OrderDao", "orderDao.UpdateStatusFrom"];

/// A short, correct implementation of the three stubs (no file comment).
const SMALL: &str = r#"package handler

import (
	"context"
	"time"

	storeV1 "store/api/store/v1"
	"store/internal/ecode"
	"store/internal/model"
)

// CancelOrder cancels an order that has not shipped.
func (h *orderHandler) CancelOrder(ctx context.Context, req *storeV1.CancelOrderRequest) (*storeV1.CancelOrderReply, error) {
	order, err := h.orderDao.GetByID(ctx, req.Id)
	if err != nil {
		return nil, ecode.NotFound.Err()
	}
	if order.Status != model.OrderStatusPending && order.Status != model.OrderStatusPaid {
		return nil, ecode.ErrOrderCannotCancel.Err()
	}
	return &storeV1.CancelOrderReply{CancelledAt: time.Now().Unix()}, nil
}

// PayOrder pays an order.
func (h *orderHandler) PayOrder(ctx context.Context, req *storeV1.PayOrderRequest) (*storeV1.PayOrderReply, error) {
	return &storeV1.PayOrderReply{PaidAt: time.Now().Unix()}, nil
}

// ShipOrder ships an order.
func (h *orderHandler) ShipOrder(ctx context.Context, req *storeV1.ShipOrderRequest) (*storeV1.ShipOrderReply, error) {
	return &storeV1.ShipOrderReply{ShippedAt: time.Now().Unix()}, nil
}
"#;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example(relative: &str) -> PathBuf {
    manifest_dir().join("examples/store").join(relative)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The job `generate` makes for the order handler: every stub scan finds in it, the dao beside it.
fn order_job() -> Expected {
    let handler = example(HANDLER);
    let outcome = scan::scan(&[Target::named(&handler)], &Markers::default());
    let file = outcome
        .files
        .into_iter()
        .next()
        .expect("scan finds the order handler's stubs");
    let found: Vec<String> = file.stubs.iter().map(|s| s.identity()).collect();
    assert_eq!(found, STUBS, "the example's stubs changed");
    Expected {
        target: TargetFile {
            name: HANDLER.into(),
            path: handler,
            source: file.source,
            stubs: file.stubs,
        },
        dependent: Some(DependentFile {
            name: DAO.into(),
            path: example(DAO),
            source: read(&example(DAO)),
        }),
        markers: Markers::default(),
    }
}

fn reference_answer() -> String {
    read(&manifest_dir().join("tests/fixtures/answers/store/internal_handler_order.go.md"))
}

/// The bodies of the reference answer's two fences: the handler's, then the dao's (`// file:` first).
fn reference_blocks() -> (String, String) {
    let answer = reference_answer();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in answer.lines() {
        match (&mut current, line.trim()) {
            (None, "```go") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(code), _) => {
                code.push_str(line);
                code.push('\n');
            }
            (None, _) => {}
        }
    }
    assert_eq!(blocks.len(), 2, "the reference answer has two fences");
    let dao = blocks.pop().unwrap_or_default();
    let handler = blocks.pop().unwrap_or_default();
    (handler, dao)
}

/// `code` without its first line when that is a `// file:` comment, and without its package clause.
fn bare(code: &str) -> String {
    code.lines()
        .filter(|l| !l.starts_with("// file:") && !l.starts_with("package "))
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .trim_start()
        .to_string()
}

fn fenced(info: &str, code: &str) -> String {
    format!("```{info}\n{code}```\n")
}

fn with_file_line(file: &str, code: &str) -> String {
    format!("// file: {file}\n{code}")
}

/// What a row expects.
enum Outcome {
    /// Accepted: per file (in order), the identities it implements or adds.
    Accepted(Vec<(&'static str, Vec<&'static str>)>),
    /// Rejected with exactly these problems (each problem found matches one of them, each of them is
    /// found; several syntax problems match one `Syntax`).
    Rejected(Vec<Want>),
}

/// A problem, as precise as a row needs it.
#[derive(Debug)]
enum Want {
    NoCode,
    Syntax(&'static str),
    Missing(&'static str),
    SignatureChanged(&'static str),
    StillStub(&'static str),
    UnknownFile(&'static str),
    UnrelatedReceiver(&'static str),
    WrongPackage(&'static str),
    /// A problem that names the declaration given twice.
    Duplicate(&'static str),
    TooLarge,
}

impl Want {
    fn matches(&self, problem: &Problem) -> bool {
        match (self, problem) {
            (Want::NoCode, Problem::NoCodeIn(_)) => true,
            (Want::Syntax(want), Problem::Syntax { file, .. }) => file == want,
            (Want::Missing(want), Problem::Missing { identity, .. }) => identity == want,
            (Want::SignatureChanged(want), Problem::SignatureChanged { identity, .. }) => {
                identity == want
            }
            (Want::StillStub(want), Problem::StillStub { identity, .. }) => identity == want,
            (Want::UnknownFile(want), Problem::UnknownFile { named }) => named == want,
            (Want::UnrelatedReceiver(want), Problem::UnrelatedReceiver { receiver, .. }) => {
                receiver == want
            }
            (Want::WrongPackage(want), Problem::WrongPackage { found, .. }) => found == want,
            (Want::TooLarge, Problem::TooLarge { .. }) => true,
            (Want::Duplicate(want), problem) => {
                !matches!(problem, Problem::NoCodeIn(_)) && problem.to_string().contains(want)
            }
            _ => false,
        }
    }
}

type Extra = fn(&[CheckedFile]) -> Result<(), String>;

struct Row {
    name: &'static str,
    answer: String,
    outcome: Outcome,
    /// A further test of an accepted answer's files.
    extra: Option<Extra>,
}

impl Row {
    fn new(name: &'static str, answer: impl Into<String>, outcome: Outcome) -> Row {
        Row {
            name,
            answer: answer.into(),
            outcome,
            extra: None,
        }
    }

    fn and(mut self, extra: Extra) -> Row {
        self.extra = Some(extra);
        self
    }
}

fn accepted_small() -> Outcome {
    Outcome::Accepted(vec![(HANDLER, STUBS.to_vec())])
}

fn accepted_reference() -> Outcome {
    Outcome::Accepted(vec![
        (HANDLER, REFERENCE_HANDLER_FUNCTIONS.to_vec()),
        (DAO, REFERENCE_DAO_FUNCTIONS.to_vec()),
    ])
}

fn rejected(wants: Vec<Want>) -> Outcome {
    Outcome::Rejected(wants)
}

fn all_missing() -> Vec<Want> {
    STUBS.iter().map(|s| Want::Missing(s)).collect()
}

fn code_of<'a>(files: &'a [CheckedFile], file: &str) -> Result<&'a str, String> {
    files
        .iter()
        .find(|f| f.path.ends_with(file))
        .map(|f| f.code.as_str())
        .ok_or_else(|| format!("no checked code for {file}"))
}

fn rows() -> Vec<Row> {
    let reference = reference_answer();
    let (handler, dao) = reference_blocks();
    let small = fenced("go", SMALL);
    let ten_mb = 10 * 1024 * 1024;
    let prose_line =
        "The order moves from PENDING to PAID only once; a repeated callback is a no-op.\n";
    let junk_line = "\tx := y + z // and so on, the model went on and on\n";

    vec![
        Row::new("the reference answer", reference.clone(), accepted_reference()),
        Row::new(
            "prose only",
            "I cannot see internal/dao/order.go; please paste it and I will implement the handlers.",
            rejected(vec![Want::NoCode]),
        ),
        // BUG: a prose line that happens to begin with a Go keyword is taken for unfenced code and
        // reported as a syntax error (plus missing functions) instead of "no Go code block".
        Row::new(
            "prose only, a line starting with a Go keyword",
            "Sorry, I need more context.\nimport the dao package first, then I can implement CancelOrder.\n",
            rejected(vec![Want::NoCode]),
        ),
        Row::new("an empty answer", "", rejected(vec![Want::NoCode])),
        Row::new(
            "only whitespace",
            " \n\t\r\n \u{3000}\n",
            rejected(vec![Want::NoCode]),
        ),
        Row::new(
            "only a shell fence",
            fenced("bash", "go test ./internal/handler/...\n"),
            rejected(vec![Want::NoCode]),
        ),
        Row::new(
            "two fences for the wrong files",
            format!(
                "{}\n{}",
                fenced("go", &handler.replace(HANDLER, "internal/handler/coupon.go")),
                fenced("go", &dao.replace(DAO, "internal/dao/coupon.go"))
            ),
            rejected(
                [
                    Want::UnknownFile("internal/handler/coupon.go"),
                    Want::UnknownFile("internal/dao/coupon.go"),
                ]
                .into_iter()
                .chain(all_missing())
                .collect(),
            ),
        ),
        Row::new(
            "a fence never closed (the answer ends inside it)",
            format!("Here is the handler:\n\n```go\n{handler}"),
            Outcome::Accepted(vec![(HANDLER, REFERENCE_HANDLER_FUNCTIONS.to_vec())]),
        ),
        Row::new(
            "the second fence never closed",
            format!("{}\n```go\n{dao}", fenced("go", &handler)),
            accepted_reference(),
        ),
        Row::new(
            "a <think> block holding code",
            format!(
                "<think>\nFirst draft:\n{}Hmm, the dao needs a method too.\n</think>\n{reference}",
                fenced(
                    "go",
                    "// file: internal/handler/order.go\npackage handler\n\nfunc (h *orderHandler) CancelOrder(ctx context.Context, req *storeV1.CancelOrderRequest) (*storeV1.CancelOrderReply, error) {\n\tpanic(\"implement me\")\n}\n\nfunc (h *orderHandler) DraftOnly() {}\n"
                )
            ),
            accepted_reference(),
        )
        .and(|files| {
            let code = code_of(files, HANDLER)?;
            match code.contains("DraftOnly") {
                true => Err("code from the <think> block leaked into the checked code".into()),
                false => Ok(()),
            }
        }),
        Row::new(
            "code only inside a <think> block",
            format!("<think>\n{small}</think>\nI could not finish."),
            rejected(vec![Want::NoCode]),
        ),
        Row::new(
            "a <think> never closed",
            format!("<think>\nLet me think.\n{small}"),
            rejected(vec![Want::NoCode]),
        ),
        Row::new(
            "Windows line endings",
            reference.replace('\n', "\r\n"),
            accepted_reference(),
        )
        .and(same_code_as_reference),
        Row::new(
            "a byte order mark",
            format!("\u{feff}{reference}"),
            accepted_reference(),
        )
        .and(same_code_as_reference),
        Row::new(
            "a BOM, CRLF and a fence labelled GO",
            format!("\u{feff}{}", fenced("GO", SMALL).replace('\n', "\r\n")),
            accepted_small(),
        ),
        Row::new(
            "spaces instead of tabs",
            reference.replace('\t', "    "),
            accepted_reference(),
        ),
        Row::new(
            "tabs and spaces mixed in one block",
            fenced(
                "go",
                &SMALL
                    .replace("\treturn &storeV1.PayOrderReply", "  return &storeV1.PayOrderReply")
                    .replace("\t\treturn nil, ecode.NotFound", " \t return nil, ecode.NotFound"),
            ),
            accepted_small(),
        ),
        Row::new(
            "an indented code block without a fence",
            format!(
                "Implementation:\n\n{}",
                SMALL
                    .lines()
                    .map(|l| format!("    {l}\n"))
                    .collect::<String>()
            ),
            accepted_small(),
        ),
        Row::new(
            "a signature with renamed parameters and receiver",
            fenced(
                "go",
                &SMALL.replace(
                    "func (h *orderHandler) PayOrder(ctx context.Context, req *storeV1.PayOrderRequest)",
                    "func (handler *orderHandler) PayOrder(c context.Context, payment *storeV1.PayOrderRequest)",
                ),
            ),
            accepted_small(),
        ),
        Row::new(
            "a changed parameter type",
            fenced(
                "go",
                &SMALL.replace("req *storeV1.PayOrderRequest", "req storeV1.PayOrderRequest"),
            ),
            rejected(vec![Want::SignatureChanged("orderHandler.PayOrder")]),
        ),
        Row::new(
            "a changed result type",
            fenced(
                "go",
                &SMALL.replace(
                    "(*storeV1.ShipOrderReply, error)",
                    "(storeV1.ShipOrderReply, error)",
                ),
            ),
            rejected(vec![Want::SignatureChanged("orderHandler.ShipOrder")]),
        ),
        Row::new(
            "a value receiver instead of a pointer",
            fenced(
                "go",
                &SMALL.replace("func (h *orderHandler) ShipOrder", "func (h orderHandler) ShipOrder"),
            ),
            rejected(vec![Want::SignatureChanged("orderHandler.ShipOrder")]),
        ),
        Row::new(
            "an extra method on another file's receiver",
            fenced(
                "go",
                &format!("{SMALL}\n// MarkCancelled belongs in the dao.\nfunc (d *orderDao) MarkCancelled(ctx context.Context, id uint64) error {{\n\treturn nil\n}}\n"),
            ),
            rejected(vec![Want::UnrelatedReceiver("orderDao")]),
        ),
        Row::new(
            "an extra method on a receiver declared nowhere",
            fenced(
                "go",
                &format!("{SMALL}\nfunc (s *orderService) Audit() {{}}\n"),
            ),
            rejected(vec![Want::UnrelatedReceiver("orderService")]),
        ),
        Row::new(
            "a body calling panic(\"implement me\") again",
            fenced(
                "go",
                &SMALL.replace(
                    "\treturn &storeV1.ShipOrderReply{ShippedAt: time.Now().Unix()}, nil\n",
                    "\tpanic(\"implement me\")\n",
                ),
            ),
            rejected(vec![Want::StillStub("orderHandler.ShipOrder")]),
        ),
        Row::new(
            "the original prompt: marker echoed back",
            fenced(
                "go",
                &SMALL.replace(
                    "\treturn &storeV1.PayOrderReply{PaidAt: time.Now().Unix()}, nil\n",
                    "\tpanic(\"prompt: pay the order\")\n",
                ),
            ),
            rejected(vec![Want::StillStub("orderHandler.PayOrder")]),
        ),
        Row::new(
            "a new helper that is itself a stub",
            fenced(
                "go",
                &format!("{SMALL}\nfunc refund(order *model.Order) int64 {{\n\tpanic(\"implement me\")\n}}\n"),
            ),
            rejected(vec![Want::StillStub("refund")]),
        ),
        Row::new(
            "a fence labelled golang",
            fenced("golang", SMALL),
            accepted_small(),
        ),
        Row::new(
            "fences naming their files in the info string",
            format!(
                "{}\n{}",
                fenced(&format!("go {HANDLER}"), &bare(&handler)),
                fenced(&format!("go title=\"{DAO}\""), &bare(&dao)),
            ),
            accepted_reference(),
        ),
        Row::new(
            "fences labelled go:path",
            format!(
                "{}\n{}",
                fenced(&format!("go:{HANDLER}"), &bare(&handler)),
                fenced(&format!("go:{DAO}"), &bare(&dao)),
            ),
            accepted_reference(),
        ),
        // BUG: an info string that is only a path (```internal/dao/coupon.go) is taken as Go but its
        // path is ignored, so a block the model says is for another file is routed by its package.
        Row::new(
            "an info string that is only a path, for a file not asked for",
            fenced("internal/handler/coupon.go", SMALL),
            rejected(
                [Want::UnknownFile("internal/handler/coupon.go")]
                    .into_iter()
                    .chain(all_missing())
                    .collect(),
            ),
        ),
        Row::new(
            "backticks inside Go strings, a four-backtick fence around a ``` comment",
            format!(
                "````go\n{SMALL}\n/*\nExample reply:\n```json\n{{\"refundAmount\": 0}}\n```\n*/\nconst usage = `Run:\n` + \"```\" + `\nassistant generate\n` + \"```\"\n\nvar fence = \"```go\"\n````\n"
            ),
            Outcome::Accepted(vec![(HANDLER, [&STUBS[..], &["usage", "fence"]].concat())]),
        )
        .and(|files| {
            let code = code_of(files, HANDLER)?;
            let kept = ["```json\n{\"refundAmount\": 0}\n```\n*/", "` + \"```\" + `\nassistant generate\n` + \"```\"", "\"```go\""];
            match kept.iter().find(|k| !code.contains(*k)) {
                Some(lost) => Err(format!("lost `{lost}` from the code")),
                None => Ok(()),
            }
        }),
        Row::new(
            "Chinese prose around the code",
            format!(
                "好的，下面是 `{HANDLER}` 的实现：\n\n{small}\n说明：取消订单时先校验订单状态，只有待支付或已支付的订单可以取消。\n\n**文件：{DAO}**\n\n{}\n以上。",
                fenced("go", &bare(&dao))
            ),
            Outcome::Accepted(vec![
                (HANDLER, STUBS.to_vec()),
                (DAO, REFERENCE_DAO_FUNCTIONS.to_vec()),
            ]),
        ),
        // BUG: check::dedent_by counts *characters* of indentation and slices the line by that count
        // as *bytes*: a fence indented under a list item whose code has a line starting with a
        // multi-byte space (here U+3000 inside a raw string) panics on a char boundary.
        Row::new(
            "a fence in a list item, a raw string line starting with an ideographic space",
            format!(
                "1. 处理器：\n\n   ```go\n{}   ```\n",
                SMALL
                    .replace(
                        "// CancelOrder cancels",
                        "const banner = `\n\u{3000}订单已取消`\n\n// CancelOrder cancels"
                    )
                    .lines()
                    .map(|l| if l.starts_with('\u{3000}') || l.is_empty() { format!("{l}\n") } else { format!("   {l}\n") })
                    .collect::<String>()
            ),
            Outcome::Accepted(vec![(HANDLER, [&["banner"][..], &STUBS[..]].concat())]),
        ),
        Row::new(
            "only the dao block",
            fenced("go", &dao),
            rejected(all_missing()),
        ),
        // BUG: a function given twice in one block is accepted, and the sidecar then fails at
        // `assistant merge` ("declares `orderHandler.PayOrder` twice") instead of going back to the model.
        Row::new(
            "a duplicate function in one block",
            fenced(
                "go",
                &format!("{SMALL}\n// PayOrder again.\nfunc (h *orderHandler) PayOrder(ctx context.Context, req *storeV1.PayOrderRequest) (*storeV1.PayOrderReply, error) {{\n\treturn nil, nil\n}}\n"),
            ),
            rejected(vec![Want::Duplicate("orderHandler.PayOrder")]),
        ),
        Row::new(
            "the same function in two blocks: the later one wins",
            format!(
                "{small}\nCorrection, PayOrder must check the amount:\n\n{}",
                fenced(
                    "go",
                    "package handler\n\n// PayOrder pays an order.\nfunc (h *orderHandler) PayOrder(ctx context.Context, req *storeV1.PayOrderRequest) (*storeV1.PayOrderReply, error) {\n\treturn nil, ecode.ErrPayAmountMismatch.Err()\n}\n"
                )
            ),
            accepted_small(),
        )
        .and(|files| {
            let code = code_of(files, HANDLER)?;
            match (code.contains("ErrPayAmountMismatch"), code.contains("PaidAt: time.Now()")) {
                (true, false) => Ok(()),
                _ => Err("the earlier PayOrder was kept".into()),
            }
        }),
        Row::new(
            "markdown headings naming the files",
            format!(
                "## Changes\n\n### `{HANDLER}`\n\n{}\n### {DAO}\n\n{}",
                fenced("go", &bare(&handler)),
                fenced("go", &bare(&dao))
            ),
            accepted_reference(),
        ),
        Row::new(
            "unicode identifiers",
            fenced(
                "go",
                &format!(
                    "{}\n// 退款金额 is what a cancelled order refunds.\nfunc 退款金额(订单 *model.Order) int64 {{\n\tif 订单.Status == model.OrderStatusPaid {{\n\t\treturn 订单.PayAmount\n\t}}\n\treturn 0\n}}\n",
                    SMALL.replace(
                        "return &storeV1.CancelOrderReply{CancelledAt",
                        "return &storeV1.CancelOrderReply{RefundAmount: 退款金额(order), CancelledAt"
                    )
                ),
            ),
            Outcome::Accepted(vec![(HANDLER, [&STUBS[..], &["退款金额"]].concat())]),
        ),
        Row::new(
            "a truncated last function",
            {
                let cut = reference
                    .find("\treturn order.Status == model.OrderStatusPaid")
                    .expect("isPaidBy's body");
                reference[..cut + "\treturn order.Status ==".len()].to_string()
            },
            rejected(vec![Want::Syntax(HANDLER)]),
        ),
        Row::new(
            "a truncated stub",
            {
                let cut = SMALL.find("ShippedAt:").expect("ShipOrder's body");
                format!("```go\n{}", &SMALL[..cut])
            },
            rejected(vec![Want::Syntax(HANDLER)]),
        ),
        Row::new(
            "a package clause that contradicts the named file",
            fenced(
                "go",
                &with_file_line(HANDLER, &SMALL.replace("package handler", "package main")),
            ),
            rejected(vec![Want::WrongPackage("main")]),
        ),
        Row::new(
            "the whole file echoed back, stubs implemented",
            fenced("go", &implemented_source()),
            accepted_small(),
        ),
        Row::new(
            "10 MB: the reference answer, then endless prose",
            format!("{reference}\n{}", prose_line.repeat(ten_mb / prose_line.len())),
            accepted_reference(),
        ),
        Row::new(
            "10 MB: one line without a newline after the code",
            format!("{small}{}", "x".repeat(ten_mb)),
            accepted_small(),
        ),
        // No real answer holds a megabyte of code: such a block is refused before it is parsed.
        Row::new(
            "10 MB: one fence of code that does not parse",
            format!(
                "```go\n{SMALL}func (h *orderHandler) Endless() {{\n{}}}\n```\n",
                junk_line.repeat(ten_mb / junk_line.len())
            ),
            rejected(vec![Want::TooLarge]),
        ),
        Row::new(
            "10 MB: unfenced code that does not parse",
            format!("{SMALL}\n{}", "x := ((\n".repeat(ten_mb / 8)),
            rejected(vec![Want::TooLarge]),
        ),
        // Thousands of blocks are not an answer to a few stubs either.
        Row::new(
            "10 MB: thousands of fences",
            fenced("go", SMALL).repeat(ten_mb / fenced("go", SMALL).len()),
            rejected(vec![Want::TooLarge]),
        ),
        // Reasoning tags are stripped in one linear pass.
        Row::new(
            "10 MB: think tags over and over",
            format!("{}{small}", "<think>a</think>".repeat(ten_mb / 16)),
            accepted_small(),
        ),
    ]
}

/// The example handler with its three stubs implemented as in [`SMALL`].
fn implemented_source() -> String {
    let mut source = read(&example(HANDLER));
    let small = decls::list(SMALL);
    let listed = decls::list(&source);
    let mut edits: Vec<(std::ops::Range<usize>, String)> = STUBS
        .iter()
        .map(|identity| {
            let ours = listed.find(identity).expect("stub in the source");
            let theirs = small.find(identity).expect("stub in SMALL");
            (ours.decl.clone(), SMALL[theirs.decl.clone()].to_string())
        })
        .collect();
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    for (range, text) in edits {
        source.replace_range(range, &text);
    }
    source
}

fn same_code_as_reference(files: &[CheckedFile]) -> Result<(), String> {
    let clean = check::check(&reference_answer(), &order_job())
        .map_err(|problems| format!("the reference answer fails: {problems}"))?;
    match files == clean.as_slice() {
        true => Ok(()),
        false => Err("the checked code differs from the plain reference answer's".into()),
    }
}

/// What is wrong with `result` for `row`, if anything.
fn verdict(
    row: &Row,
    job: &Expected,
    result: &Result<Vec<CheckedFile>, check::Problems>,
) -> Option<String> {
    match (&row.outcome, result) {
        (Outcome::Accepted(_), Err(problems)) => Some(format!("rejected: {problems}")),
        (Outcome::Rejected(wants), Ok(files)) => Some(format!(
            "accepted ({}), expected {wants:?}",
            files
                .iter()
                .map(|f| format!("{}: {}", f.path.display(), f.functions.join(", ")))
                .collect::<Vec<_>>()
                .join("; ")
        )),
        (Outcome::Rejected(wants), Err(problems)) => {
            let found = problems.items();
            let unexpected: Vec<&Problem> = found
                .iter()
                .filter(|p| !wants.iter().any(|w| w.matches(p)))
                .collect();
            let absent: Vec<&Want> = wants
                .iter()
                .filter(|w| !found.iter().any(|p| w.matches(p)))
                .collect();
            (!unexpected.is_empty() || !absent.is_empty()).then(|| {
                format!("problems {found:?}: unexpected {unexpected:?}, absent {absent:?}")
            })
        }
        (Outcome::Accepted(wanted), Ok(files)) => accepted_verdict(row, job, wanted, files),
    }
}

fn accepted_verdict(
    row: &Row,
    job: &Expected,
    wanted: &[(&str, Vec<&str>)],
    files: &[CheckedFile],
) -> Option<String> {
    let got: Vec<(PathBuf, Vec<&str>)> = files
        .iter()
        .map(|f| {
            (
                f.path.clone(),
                f.functions.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let want: Vec<(PathBuf, Vec<&str>)> = wanted
        .iter()
        .map(|(file, functions)| (example(file), functions.clone()))
        .collect();
    if got != want {
        return Some(format!("accepted {got:?}, expected {want:?}"));
    }
    for file in files {
        if let Some(problem) = unclean(job, file) {
            return Some(format!("{}: {problem}", file.path.display()));
        }
    }
    row.extra.and_then(|extra| extra(files).err())
}

/// Why a checked file is not fit for a sidecar: not LF-only, a BOM, does not parse, does not merge
/// into its source, or leaves an asked-for stub in it.
fn unclean(job: &Expected, file: &CheckedFile) -> Option<String> {
    if file.code.contains('\r') || file.code.contains('\u{feff}') {
        return Some("CR or BOM in the checked code".into());
    }
    let problems = decls::syntax_problems(&file.code);
    if !problems.is_empty() {
        return Some(format!("checked code does not parse: {problems:?}"));
    }
    let source = read(&file.path);
    let merged = match merge::merge(&source, &file.code) {
        Ok(merged) => merged.text,
        Err(error) => return Some(format!("does not merge: {error}")),
    };
    if file.path == job.target.path {
        let left = go().stubs_in(&merged, &job.markers);
        if !left.is_empty() {
            let left: Vec<String> = left.iter().map(|s| s.identity()).collect();
            return Some(format!("stubs left after merging: {left:?}"));
        }
    }
    None
}

#[test]
fn hostile_answers() {
    let job = Arc::new(order_job());
    let rows = rows();
    assert!(rows.len() >= 20);
    let mut failures = String::new();
    let mut timings = String::new();
    for row in &rows {
        let started = Instant::now();
        let outcome = check_in_time(&job, &row.answer);
        let elapsed = started.elapsed();
        let _ = writeln!(
            timings,
            "{:>8.3} s  {:>9} B  {}",
            elapsed.as_secs_f64(),
            row.answer.len(),
            row.name
        );
        let wrong = match &outcome {
            Err(failed) => Some(failed.clone()),
            Ok(result) => verdict(row, &job, result),
        };
        if let Some(wrong) = wrong {
            let _ = writeln!(failures, "- {}: {wrong}", row.name);
        }
    }
    println!("{timings}");
    assert!(
        failures.is_empty(),
        "{} rows, wrong outcomes:\n{failures}",
        rows.len()
    );
}

type Checked = Result<Vec<CheckedFile>, check::Problems>;

/// `check::check` on its own thread: `Err` when it panics or is still running after [`TIME_LIMIT`]
/// (the thread is then left behind; the test fails anyway).
fn check_in_time(job: &Arc<Expected>, answer: &str) -> Result<Checked, String> {
    let (done, result) = mpsc::channel();
    let (job, answer) = (Arc::clone(job), answer.to_string());
    thread::spawn(move || {
        let checked = panic::catch_unwind(AssertUnwindSafe(|| check::check(&answer, &job)));
        let _ = done.send(checked.map_err(|payload| panic_message(payload.as_ref())));
    });
    match result.recv_timeout(TIME_LIMIT) {
        Ok(Ok(checked)) => Ok(checked),
        Ok(Err(message)) => Err(format!("panicked: {message}")),
        Err(_) => Err(format!("still running after {TIME_LIMIT:?}")),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// The Go language, from the registry.
fn go() -> Lang {
    Lang::named("go").expect("Go is registered")
}
