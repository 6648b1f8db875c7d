//! Benchmark of `assistant scan` on a large Rust tree against parsing every file with syn — a program
//! that prints figures, not a timed test (`cargo bench --bench scan_rust`, options after `--`).
//!
//! Why: issue 6 asks that scanning a 10,000-file Rust tree be at least 3× faster than parsing every file
//! with syn. The byte prefilter is what should make the difference: most files hold no `todo!`,
//! `unimplemented!` or `implement me`, so `scan` never parses them.
//!
//! What it does:
//! 1. Generates, from a fixed seed, a crate-shaped tree of `--files` Rust files (default 10,000) in a
//!    temporary folder: modules with structs, enums, impls, traits, closures, string literals and test
//!    modules, of realistic sizes. About 1% of them hold 1–3 stubs (`todo!()`, `unimplemented!("…")`,
//!    `panic!("implement me…")` in free functions, impl and trait-impl methods, trait default methods and
//!    nested modules), whose file, line and name are recorded; about 2% hold decoys that pass the
//!    prefilter but are no stubs (markers in comments, doc comments and strings, a `todo` variable). Stubs
//!    planted under `target/` beside a `Cargo.toml` and in a hidden folder must not be reported.
//! 2. Runs the `assistant` binary as `scan TREE --format json`: one warm-up run, then `--runs` timed runs
//!    (default 3, best kept), and compares what it printed with what was planted.
//! 3. Times the baseline the same way (warm cache, best of `--runs`): reading every file `scan` reads and
//!    parsing it with `syn::parse_file`, once on one thread and once on as many threads as `scan` uses
//!    (the machine's parallelism).
//! 4. Prints the figures, the ratios and the target (parallel baseline / scan ≥ 3) with PASS/FAIL;
//!    `--strict` makes a FAIL exit with status 1.
//!
//! Options: `--files N`, `--runs N`, `--strict`; `ASSISTANT_BIN` times another build of the binary.

#[path = "support/options.rs"]
mod options;
#[path = "support/report.rs"]
mod report;
#[path = "support/rng.rs"]
mod rng;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use options::{assistant_bin, Args};
use report::{secs, verdict, wall_list};
use rng::Rng;

const SEED: u64 = 0x5EED_0006_5CA1_AB1E;
const DEFAULT_FILES: usize = 10_000;
const STUB_FILE_SHARE: f64 = 0.01;
const DECOY_FILE_SHARE: f64 = 0.02;
const TARGET_RATIO: f64 = 3.0;

struct Options {
    files: usize,
    runs: usize,
    strict: bool,
}

fn read_options() -> Result<Options, String> {
    let mut options = Options {
        files: DEFAULT_FILES,
        runs: 3,
        strict: false,
    };
    let mut args = Args::from_env();
    while let Some(flag) = args.next_flag() {
        match flag.as_str() {
            "--files" => options.files = args.number("--files")?.max(1),
            "--runs" => options.runs = args.number("--runs")?.max(1),
            "--strict" => options.strict = true,
            // cargo bench passes `--bench` to every bench program.
            "--bench" => {}
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

/// A stub the tree holds: where `scan` must report it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Planted {
    file: String,
    line: usize,
    name: String,
}

struct Tree {
    /// Files `scan` reads (relative), for the baseline.
    read: Vec<PathBuf>,
    bytes: u64,
    planted: BTreeSet<Planted>,
    decoys: usize,
    skipped_stubs: usize,
}

/// A Rust file being written, counting lines so stubs can be located.
struct Source {
    text: String,
    line: usize,
}

impl Source {
    fn new() -> Source {
        Source {
            text: String::new(),
            line: 1,
        }
    }

    fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
        self.line += 1 + line.matches('\n').count();
    }
}

const MARKERS: [&str; 4] = [
    "todo!()",
    "unimplemented!(\"not yet\")",
    "panic!(\"implement me: the business logic\")",
    "todo!(\"call the store\")",
];

fn ordinary_function(src: &mut Source, rng: &mut Rng, name: &str, indent: &str) {
    src.push(&format!(
        "{indent}/// Computes the {name} figure from the given items."
    ));
    src.push(&format!(
        "{indent}pub fn {name}(&self, items: &[Item], limit: usize) -> Result<Vec<u64>, Error> {{"
    ));
    src.push(&format!(
        "{indent}    let mut out = Vec::with_capacity(items.len());"
    ));
    for step in 0..2 + rng.below(6) {
        match rng.below(4) {
            0 => {
                src.push(&format!(
                    "{indent}    for (index, item) in items.iter().enumerate().take(limit) {{"
                ));
                src.push(&format!(
                    "{indent}        if item.weight > {step} && index % 3 != 0 {{"
                ));
                src.push(&format!(
                    "{indent}            out.push(item.weight * {} + index as u64);",
                    step + 2
                ));
                src.push(&format!("{indent}        }}"));
                src.push(&format!("{indent}    }}"));
            }
            1 => {
                src.push(&format!("{indent}    let total: u64 = items.iter().map(|i| i.weight).filter(|w| *w > {step}).sum();"));
                src.push(&format!("{indent}    if total > self.threshold {{"));
                src.push(&format!(
                    "{indent}        return Err(Error::TooLarge {{ total, step: {step} }});"
                ));
                src.push(&format!("{indent}    }}"));
            }
            2 => {
                src.push(&format!(
                    "{indent}    match items.first().map(|i| i.kind) {{"
                ));
                src.push(&format!(
                    "{indent}        Some(Kind::Small) => out.push({step}),"
                ));
                src.push(&format!("{indent}        Some(Kind::Large) => out.extend(items.iter().map(|i| i.weight / 2)),"));
                src.push(&format!(
                    "{indent}        None => log::debug!(\"no items for {name} at step {step}\"),"
                ));
                src.push(&format!("{indent}    }}"));
            }
            _ => {
                src.push(&format!(
                    "{indent}    let label = format!(\"{{}}-{{}}\", \"{name}\", {step});"
                ));
                src.push(&format!(
                    "{indent}    self.cache.borrow_mut().insert(label, out.len() as u64);"
                ));
            }
        }
    }
    src.push(&format!("{indent}    Ok(out)"));
    src.push(&format!("{indent}}}"));
}

fn stub_function(
    src: &mut Source,
    rng: &mut Rng,
    file: &str,
    name: &str,
    indent: &str,
    planted: &mut BTreeSet<Planted>,
) {
    src.push(&format!(
        "{indent}/// Implements {name}: see the design notes."
    ));
    planted.insert(Planted {
        file: file.to_string(),
        line: src.line,
        name: name.to_string(),
    });
    src.push(&format!(
        "{indent}pub fn {name}(&self, request: Request) -> Result<Reply, Error> {{"
    ));
    src.push(&format!(
        "{indent}    {}",
        MARKERS[rng.below(MARKERS.len())]
    ));
    src.push(&format!("{indent}}}"));
}

/// One module file. Returns its text.
fn module(
    rng: &mut Rng,
    file: &str,
    index: usize,
    stubs: bool,
    decoy: bool,
    planted: &mut BTreeSet<Planted>,
) -> String {
    let mut src = Source::new();
    src.push(&format!(
        "//! Module {index}: part of the generated service."
    ));
    src.push("");
    src.push("use std::cell::RefCell;");
    src.push("use std::collections::HashMap;");
    src.push("");
    src.push("use crate::model::{Error, Item, Kind, Reply, Request};");
    src.push("");
    src.push(&format!("/// The state of component {index}."));
    src.push("#[derive(Debug, Default)]");
    src.push(&format!("pub struct Component{index} {{"));
    src.push("    threshold: u64,");
    src.push("    cache: RefCell<HashMap<String, u64>>,");
    src.push("}");
    src.push("");
    src.push(&format!("impl Component{index} {{"));
    let methods = 3 + rng.below(8);
    let stub_at: Vec<usize> = if stubs {
        (0..1 + rng.below(3))
            .map(|_| rng.below(methods + 3))
            .collect()
    } else {
        Vec::new()
    };
    for method in 0..methods {
        let name = format!("figure_{index}_{method}");
        if stub_at.contains(&method) {
            stub_function(&mut src, rng, file, &name, "    ", planted);
        } else {
            ordinary_function(&mut src, rng, &name, "    ");
        }
        src.push("");
    }
    src.push("}");
    src.push("");
    src.push(&format!("pub trait Service{index} {{"));
    src.push("    fn handle(&self, request: Request) -> Result<Reply, Error>;");
    if stub_at.contains(&methods) {
        src.push("    /// The default describes nothing yet.");
        planted.insert(Planted {
            file: file.to_string(),
            line: src.line,
            name: "describe".into(),
        });
        src.push("    fn describe(&self) -> String {");
        src.push("        todo!()");
        src.push("    }");
    }
    src.push("}");
    src.push("");
    src.push(&format!("impl Service{index} for Component{index} {{"));
    src.push("    fn handle(&self, request: Request) -> Result<Reply, Error> {");
    if stub_at.contains(&(methods + 1)) {
        src.plant_previous_line(file, "handle", planted);
        src.push("        let _ = request;");
        src.push("        unimplemented!()");
    } else {
        src.push("        let items = request.items.clone();");
        src.push("        let figures = self.figure_total(&items)?;");
        src.push("        Ok(Reply { figures, note: \"handled\".to_string() })");
    }
    src.push("    }");
    src.push("}");
    src.push("");
    src.push(&format!("impl Component{index} {{"));
    src.push("    fn figure_total(&self, items: &[Item]) -> Result<Vec<u64>, Error> {");
    src.push("        Ok(items.iter().map(|i| i.weight).collect())");
    src.push("    }");
    src.push("}");
    if stub_at.contains(&(methods + 2)) {
        src.push("");
        src.push("pub mod nested {");
        src.push("    pub mod deeper {");
        src.push("        /// Converts, some day.");
        planted.insert(Planted {
            file: file.to_string(),
            line: src.line,
            name: "convert".into(),
        });
        src.push("        pub fn convert(value: u64) -> u64 {");
        src.push("            let f = move || panic!(\"implement me\");");
        src.push("            f()");
        src.push("        }");
        src.push("    }");
        src.push("}");
    }
    if decoy {
        src.push("");
        src.push("/// Call todo!() here once the store is ready; unimplemented!() is fine too.");
        src.push("pub fn decoy(todo: u64) -> &'static str {");
        src.push("    // todo!() — comments are not calls");
        src.push("    /* unimplemented!(\"x\") */");
        src.push("    let _ = todo;");
        src.push("    println!(\"{}\", \"todo!() and panic!(\\\"implement me\\\") in a string\");");
        src.push("    panic!(\"not implemented, but not a marker\")");
        src.push("}");
    }
    src.push("");
    src.push("#[cfg(test)]");
    src.push("mod tests {");
    src.push("    use super::*;");
    src.push("");
    src.push("    #[test]");
    src.push("    fn defaults() {");
    src.push(&format!(
        "        let component = Component{index}::default();"
    ));
    src.push("        assert_eq!(component.threshold, 0);");
    src.push("    }");
    src.push("}");
    src.text
}

impl Source {
    /// Plants the function whose signature line was just written.
    fn plant_previous_line(&mut self, file: &str, name: &str, planted: &mut BTreeSet<Planted>) {
        planted.insert(Planted {
            file: file.to_string(),
            line: self.line - 1,
            name: name.to_string(),
        });
    }
}

fn generate(root: &Path, files: usize) -> std::io::Result<Tree> {
    let mut rng = Rng::from_state(SEED);
    let mut tree = Tree {
        read: Vec::new(),
        bytes: 0,
        planted: BTreeSet::new(),
        decoys: 0,
        skipped_stubs: 0,
    };
    std::fs::create_dir_all(root)?;
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"generated\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )?;
    let per_folder = 40;
    for index in 0..files {
        let folder = format!(
            "src/area{:03}/part{:02}",
            index / 400,
            index / per_folder % 10
        );
        let relative = format!("{folder}/module{index}.rs");
        let stubs = rng.chance(STUB_FILE_SHARE);
        let decoy = !stubs && rng.chance(DECOY_FILE_SHARE);
        tree.decoys += usize::from(decoy);
        let text = module(&mut rng, &relative, index, stubs, decoy, &mut tree.planted);
        let path = root.join(&relative);
        std::fs::create_dir_all(path.parent().unwrap_or(root))?;
        std::fs::write(&path, &text)?;
        tree.bytes += text.len() as u64;
        tree.read.push(PathBuf::from(relative));
    }
    // Stubs that must not be reported: build output beside Cargo.toml, a hidden folder.
    let mut ignored = BTreeSet::new();
    for (relative, index) in [
        ("target/debug/build/gen-1/out/bindings.rs", files),
        ("target/release/build/gen-2/out/bindings.rs", files + 1),
        (".cache/scratch.rs", files + 2),
    ] {
        let text = module(&mut rng, relative, index, true, false, &mut ignored);
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap_or(root))?;
        std::fs::write(path, text)?;
    }
    tree.skipped_stubs = ignored.len();
    Ok(tree)
}

/// One warm-up, then `runs` timed runs of `scan`: (best wall, the walls, the last stdout).
fn time_scan(
    bin: &Path,
    root: &Path,
    runs: usize,
) -> Result<(Duration, Vec<Duration>, Vec<u8>), String> {
    let run = || -> Result<(Duration, Vec<u8>), String> {
        let start = Instant::now();
        let output = Command::new(bin)
            .args(["scan", "--format", "json"])
            .arg(root)
            .output()
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        let wall = start.elapsed();
        if !output.status.success() {
            return Err(format!(
                "scan exited with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok((wall, output.stdout))
    };
    run()?;
    let mut walls = Vec::new();
    let mut stdout = Vec::new();
    for _ in 0..runs {
        let (wall, out) = run()?;
        walls.push(wall);
        stdout = out;
    }
    let best = walls.iter().copied().min().unwrap_or_default();
    Ok((best, walls, stdout))
}

/// Reads and parses every file with syn on `threads` threads; (wall, files that failed to parse).
fn parse_all(root: &Path, files: &[PathBuf], threads: usize) -> (Duration, usize) {
    let start = Instant::now();
    let chunk = files.len().div_ceil(threads.max(1)).max(1);
    let failed: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter(|relative| {
                            let text =
                                std::fs::read_to_string(root.join(relative)).unwrap_or_default();
                            let failed = syn::parse_file(&text).is_err();
                            // As `scan` does: free the thread's span table after each file.
                            proc_macro2::extra::invalidate_current_thread_spans();
                            failed
                        })
                        .count()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    (start.elapsed(), failed)
}

fn time_baseline(root: &Path, files: &[PathBuf], threads: usize, runs: usize) -> (Duration, usize) {
    parse_all(root, files, threads);
    let mut best = Duration::MAX;
    let mut failed = 0;
    for _ in 0..runs {
        let (wall, f) = parse_all(root, files, threads);
        best = best.min(wall);
        failed = f;
    }
    (best, failed)
}

fn found(stdout: &[u8], root: &Path) -> BTreeSet<Planted> {
    let prefix = format!("{}/", root.display());
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|stub| Planted {
            file: stub["file"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches(&prefix)
                .to_string(),
            line: stub["line"].as_u64().unwrap_or(0) as usize,
            name: stub["name"].as_str().unwrap_or("").to_string(),
        })
        .collect()
}

fn main() {
    let opts = options::or_exit(read_options(), "scan_rust bench");
    let bin = assistant_bin();
    let temp = match tempfile::Builder::new()
        .prefix("scan-rust-bench-")
        .tempdir()
    {
        Ok(t) => t,
        Err(e) => {
            eprintln!("scan_rust bench: temporary folder: {e}");
            std::process::exit(2);
        }
    };
    let root = temp.path().join("tree");
    let started = Instant::now();
    let tree = match generate(&root, opts.files) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("scan_rust bench: generating {}: {e}", root.display());
            std::process::exit(2);
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut report = String::new();
    let _ = writeln!(
        report,
        "assistant scan on a Rust tree, against parsing every file with syn"
    );
    let _ = writeln!(
        report,
        "  tree        {} Rust files read by scan, {:.1} MB, generated in {}",
        tree.read.len(),
        tree.bytes as f64 / 1e6,
        secs(started.elapsed())
    );
    let _ = writeln!(
        report,
        "  planted     {} stubs; {} decoy files (markers in comments, docs, strings); {} stubs under target/ and a hidden folder",
        tree.planted.len(),
        tree.decoys,
        tree.skipped_stubs
    );
    print!("{report}");

    let (scan_wall, walls, stdout) = match time_scan(&bin, &root, opts.runs) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("scan_rust bench: {e}");
            std::process::exit(1);
        }
    };
    let found = found(&stdout, &root);
    let missing: Vec<&Planted> = tree.planted.difference(&found).collect();
    let unexpected: Vec<&Planted> = found.difference(&tree.planted).collect();
    println!();
    println!(
        "assistant scan TREE --format json   (warm cache, best of {}: {})",
        walls.len(),
        wall_list(&walls)
    );
    println!("  wall        {}", secs(scan_wall));
    println!(
        "  stubs       found {}, planted {}, missing {}, unexpected {}",
        found.len(),
        tree.planted.len(),
        missing.len(),
        unexpected.len()
    );
    for stub in missing.iter().take(5) {
        println!("    missing    {}:{}: {}", stub.file, stub.line, stub.name);
    }
    for stub in unexpected.iter().take(5) {
        println!("    unexpected {}:{}: {}", stub.file, stub.line, stub.name);
    }

    let (one_wall, failed) = time_baseline(&root, &tree.read, 1, opts.runs);
    let (all_wall, _) = time_baseline(&root, &tree.read, threads, opts.runs);
    println!();
    println!(
        "read + syn::parse_file on every file   (warm cache, best of {})",
        opts.runs
    );
    println!(
        "  1 thread    {}   ({} files did not parse)",
        secs(one_wall),
        failed
    );
    println!("  {threads} threads   {}", secs(all_wall));
    let ratio_one = one_wall.as_secs_f64() / scan_wall.as_secs_f64();
    let ratio_all = all_wall.as_secs_f64() / scan_wall.as_secs_f64();
    println!();
    println!("ratio       syn on {threads} threads / scan = {ratio_all:.1}x   (syn on 1 thread / scan = {ratio_one:.1}x)");
    println!();
    println!("targets");
    let exact = missing.is_empty() && unexpected.is_empty();
    let fast = ratio_all >= TARGET_RATIO;
    println!("  {}  found == planted, nothing else", verdict(exact));
    println!(
        "  {}  scan >= {TARGET_RATIO}x faster than parsing every file with syn ({ratio_all:.1}x)",
        verdict(fast)
    );
    if opts.strict && !(exact && fast) {
        std::process::exit(1);
    }
}
