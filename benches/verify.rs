//! What verification adds to a job: the wall time of `verify` for right answers on the verification
//! fixtures (`tests/fixtures/verify/shop`, a Go module; `tests/fixtures/verify/ledger`, a crate), with
//! the project's real toolchains.
//!
//! A run's first job of a project pays for the baseline (the packages checked as they stand) and a cold
//! toolchain cache; later jobs pay one type-check each. Prints both, per language, over `--jobs`
//! answers (default 20), and which toolchain checked them.
//!
//! Run: `cargo bench --bench verify [-- --jobs N]`.

#[path = "support/options.rs"]
mod options;
#[path = "support/report.rs"]
mod report;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assistant::check::{self, Expected, TargetFile};
use assistant::lang::{Lang, Markers};
use assistant::verify::{Mode, Verdict, Verifier};

/// A right answer for each fixture, as a model would give it.
const GO_ANSWER: &str = "```go\npackage handler\n\nimport (\n\t\"context\"\n)\n\n\
func (h *orderHandler) Cancel(ctx context.Context, id uint64) error {\n\
\torder, err := h.orderDao.GetByID(ctx, id)\n\tif err != nil {\n\t\treturn err\n\t}\n\
\torder.Status = \"cancelled\"\n\treturn h.orderDao.Update(ctx, order)\n}\n\n\
func (h *orderHandler) Total(ctx context.Context, id uint64) (int64, error) {\n\
\torder, err := h.orderDao.GetByID(ctx, id)\n\tif err != nil {\n\t\treturn 0, err\n\t}\n\
\treturn order.Total, nil\n}\n```\n";

const RUST_ANSWER: &str = "```rust\npub fn balance(entries: &[Entry]) -> i64 {\n    \
entries.iter().map(|e| e.cents).sum()\n}\n```\n";

fn main() {
    let mut args = options::Args::from_env();
    let mut jobs = 20;
    while let Some(flag) = args.next_flag() {
        match flag.as_str() {
            "--jobs" => jobs = options::or_exit(args.number("--jobs"), "verify"),
            "--bench" => {}
            other => {
                eprintln!("verify: unknown option {other}");
                std::process::exit(2);
            }
        }
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/verify");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    println!("verification: {jobs} right answers per project, a fresh copy each run");
    println!(
        "{:<8} {:<12} {:>12} {:>14} {:>14}",
        "project", "verified by", "first job", "later (median)", "later (max)"
    );
    for (name, file, answer) in [
        ("shop", "internal/handler/order.go", GO_ANSWER),
        ("ledger", "src/lib.rs", RUST_ANSWER),
    ] {
        let copy = tempfile::tempdir().expect("a temporary folder");
        copy_dir(&fixtures.join(name), copy.path());
        let path = copy.path().join(file);
        let expected = expected(&path, file);
        let checked = check::check(answer, &expected).expect("the answer passes the check");
        let verifier = Verifier::new(Mode::Auto, Duration::from_secs(120), 2);
        let mut times = Vec::new();
        let mut verified_by = String::new();
        for _ in 0..jobs {
            let started = Instant::now();
            let verdict = runtime.block_on(verifier.verify(&expected, &checked));
            times.push(started.elapsed());
            verified_by = verdict.label();
            if !matches!(verdict, Verdict::Verified { .. }) {
                println!("{name:<8} {verified_by}");
                break;
            }
        }
        let first = times[0];
        let mut later = times[1..].to_vec();
        later.sort();
        let median = later.get(later.len() / 2).copied().unwrap_or_default();
        let max = later.last().copied().unwrap_or_default();
        println!(
            "{name:<8} {verified_by:<12} {:>12} {:>14} {:>14}",
            report::secs(first),
            report::secs(median),
            report::secs(max)
        );
    }
}

fn expected(path: &Path, name: &str) -> Expected {
    let source = std::fs::read_to_string(path).expect("the fixture's source");
    let lang = Lang::of(path).expect("a known language");
    Expected {
        target: TargetFile {
            name: name.to_string(),
            path: path.to_path_buf(),
            stubs: lang.stubs_in(&source, &Markers::default()),
            source,
        },
        dependent: None,
        markers: Markers::default(),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("the fixture") {
        let entry = entry.expect("an entry");
        let target: PathBuf = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("a copy");
        }
    }
}
