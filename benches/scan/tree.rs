//! The generated tree on disk: writing it (in parallel), its totals and planted stubs, and the manifest
//! that lets a kept tree (`--dir`) be reused by later runs. What the files hold is left to `file.rs`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::file::generate_file;
use crate::plan::{plan_service, FileSpec, Service};
use crate::SEED;

/// Changing the generator changes the tree: bump this so kept trees are regenerated.
const GENERATOR_VERSION: u32 = 1;
const MANIFEST_HEADER: &str = "# assistant scan-bench";

/// A stub `scan` must report.
pub struct Planted {
    pub rel: String,
    pub line: usize,
    pub name: String,
    pub receiver: Option<String>,
}

/// The generated tree: where it is, its totals and its planted stubs.
pub struct Tree {
    pub root: PathBuf,
    pub planted: Vec<Planted>,
    pub total_files: usize,
    pub total_bytes: u64,
    pub read_files: usize,
    pub read_bytes: u64,
    pub stub_files: usize,
    pub decoys: usize,
    pub skipped_stubs: usize,
    pub gen_time: Option<Duration>,
}

impl Tree {
    /// No files yet, at `root`.
    fn empty(root: &Path) -> Tree {
        Tree {
            root: root.to_path_buf(),
            planted: Vec::new(),
            total_files: 0,
            total_bytes: 0,
            read_files: 0,
            read_bytes: 0,
            stub_files: 0,
            decoys: 0,
            skipped_stubs: 0,
            gen_time: None,
        }
    }
}

/// Writes a tree of `files` files under `root`.
pub fn generate(root: &Path, files: usize) -> std::io::Result<Tree> {
    let start = Instant::now();
    // Plan sequentially (cheap), cut at exactly `files`, then write in parallel.
    let mut plan: Vec<(Service, Vec<FileSpec>)> = Vec::new();
    let mut count = 0;
    while count < files {
        let (svc, mut specs) = plan_service(plan.len());
        specs.truncate(files - count);
        count += specs.len();
        plan.push((svc, specs));
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let results: Vec<std::io::Result<Tree>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let plan = &plan;
                scope.spawn(move || {
                    let mut acc = Tree::empty(root);
                    let mut dirs: HashSet<PathBuf> = HashSet::new();
                    for (svc, specs) in plan.iter().skip(t).step_by(threads) {
                        for spec in specs {
                            let g = generate_file(svc, spec);
                            let path = root.join(&spec.rel);
                            let dir = path.parent().unwrap().to_path_buf();
                            if !dirs.contains(&dir) {
                                std::fs::create_dir_all(&dir)?;
                                dirs.insert(dir);
                            }
                            std::fs::write(&path, g.text.as_bytes())?;
                            acc.total_files += 1;
                            acc.total_bytes += g.text.len() as u64;
                            if spec.kind.skipped() {
                                acc.skipped_stubs += g.stubs.len();
                            } else {
                                acc.read_files += 1;
                                acc.read_bytes += g.text.len() as u64;
                                acc.decoys += g.decoys;
                                acc.stub_files += usize::from(!g.stubs.is_empty());
                                for (line, name, receiver) in g.stubs {
                                    acc.planted.push(Planted {
                                        rel: spec.rel.clone(),
                                        line,
                                        name,
                                        receiver,
                                    });
                                }
                            }
                        }
                    }
                    Ok(acc)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut tree = Tree::empty(root);
    for r in results {
        let r = r?;
        tree.planted.extend(r.planted);
        tree.total_files += r.total_files;
        tree.total_bytes += r.total_bytes;
        tree.read_files += r.read_files;
        tree.read_bytes += r.read_bytes;
        tree.stub_files += r.stub_files;
        tree.decoys += r.decoys;
        tree.skipped_stubs += r.skipped_stubs;
    }
    tree.planted
        .sort_by(|a, b| (&a.rel, a.line).cmp(&(&b.rel, b.line)));
    tree.gen_time = Some(start.elapsed());
    Ok(tree)
}

fn manifest_header(files: usize) -> String {
    format!("{MANIFEST_HEADER} v{GENERATOR_VERSION} seed={SEED:#x} files={files}")
}

fn write_manifest(path: &Path, files: usize, tree: &Tree) -> std::io::Result<()> {
    let mut s = manifest_header(files);
    s.push_str(&format!(
        "\n# total_files={} total_bytes={} read_files={} read_bytes={} stub_files={} decoys={} skipped_stubs={}\n",
        tree.total_files,
        tree.total_bytes,
        tree.read_files,
        tree.read_bytes,
        tree.stub_files,
        tree.decoys,
        tree.skipped_stubs
    ));
    for p in &tree.planted {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            p.rel,
            p.line,
            p.name,
            p.receiver.as_deref().unwrap_or("-")
        ));
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, s)?;
    std::fs::rename(tmp, path)
}

fn read_manifest(path: &Path, files: usize, root: &Path) -> Option<Tree> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    if lines.next()? != manifest_header(files) {
        return None;
    }
    let stats: BTreeMap<&str, u64> = lines
        .next()?
        .trim_start_matches("# ")
        .split(' ')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k, v.parse().ok()?))
        })
        .collect();
    let stat = |k: &str| stats.get(k).copied();
    let mut planted = Vec::new();
    for l in lines {
        let mut f = l.split('\t');
        let (rel, line, name, recv) = (f.next()?, f.next()?, f.next()?, f.next()?);
        planted.push(Planted {
            rel: rel.to_string(),
            line: line.parse().ok()?,
            name: name.to_string(),
            receiver: (recv != "-").then(|| recv.to_string()),
        });
    }
    Some(Tree {
        root: root.to_path_buf(),
        planted,
        total_files: stat("total_files")? as usize,
        total_bytes: stat("total_bytes")?,
        read_files: stat("read_files")? as usize,
        read_bytes: stat("read_bytes")?,
        stub_files: stat("stub_files")? as usize,
        decoys: stat("decoys")? as usize,
        skipped_stubs: stat("skipped_stubs")? as usize,
        gen_time: None,
    })
}

/// The tree in `dir` (kept), reused when its manifest matches.
pub fn kept_tree(dir: &Path, files: usize) -> Result<Tree, String> {
    let root = dir.join("tree");
    let manifest = dir.join("manifest.tsv");
    let owner = dir.join(".scan-bench");
    if let Some(tree) = read_manifest(&manifest, files, &root) {
        if root.is_dir() {
            return Ok(tree);
        }
    }
    if root.exists() {
        if !owner.exists() {
            return Err(format!(
                "{} exists and was not made by this benchmark; pick another --dir",
                root.display()
            ));
        }
        eprintln!("scan-bench: removing the stale tree in {}", root.display());
        std::fs::remove_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    }
    let _ = std::fs::remove_file(&manifest);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(&owner, "made by benches/scan.rs\n").map_err(|e| e.to_string())?;
    let tree = generate(&root, files).map_err(|e| format!("generating {}: {e}", root.display()))?;
    write_manifest(&manifest, files, &tree).map_err(|e| format!("{}: {e}", manifest.display()))?;
    Ok(tree)
}
