//! `assistant merge` and `assistant clean` through the real binary.
//!
//! Sidecars are built with the library (`check` + `sidecar`) from the reference answers in
//! `tests/fixtures/answers/store/`, for a copy of `examples/store/` in a temporary folder; the merged
//! files must equal `tests/fixtures/merged/store/…` byte for byte. Run with `UPDATE_FIXTURES=1` to
//! rewrite those expected files (then read them before committing).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

use assistant::check::{self, DependentFile, Expected, TargetFile};
use assistant::lang::{Lang, Markers};
use assistant::sidecar::{self, Meta};

/// The files the reference answers change, relative to the example's root.
const MERGED: &[&str] = &[
    "internal/dao/coupon.go",
    "internal/dao/order.go",
    "internal/handler/coupon.go",
    "internal/handler/order.go",
];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the bundled example, with sidecars made from the reference answers, and a folder for
/// backups (so tests never write to the system's temporary folder).
struct Project {
    dir: TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = TempDir::new().unwrap();
        copy_dir(
            &manifest_dir().join("examples/store"),
            &dir.path().join("store"),
        );
        fs::create_dir(dir.path().join("backups")).unwrap();
        let project = Project { dir };
        project.write_sidecar("coupon");
        project.write_sidecar("order");
        project
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative)).unwrap()
    }

    /// Checks the reference answer for `internal/handler/<service>.go` and writes its sidecars.
    fn write_sidecar(&self, service: &str) {
        let target_name = format!("internal/handler/{service}.go");
        let dao_name = format!("internal/dao/{service}.go");
        let source = self.read(&target_name);
        let expected = Expected {
            target: TargetFile {
                name: target_name.clone(),
                path: self.path(&target_name),
                stubs: go().stubs_in(&source, &Markers::default()),
                source,
            },
            dependent: Some(DependentFile {
                name: dao_name.clone(),
                path: self.path(&dao_name),
                source: self.read(&dao_name),
            }),
            markers: Markers::default(),
        };
        let answer = fs::read_to_string(
            manifest_dir()
                .join("tests/fixtures/answers/store")
                .join(format!("internal_handler_{service}.go.md")),
        )
        .unwrap();
        let checked = check::check(&answer, &expected).unwrap();
        assert_eq!(checked.len(), 2, "{service}: handler and dao");
        let meta = Meta {
            provider: "test".into(),
            model: "reference".into(),
            time: SystemTime::UNIX_EPOCH,
            verified: None,
        };
        for part in &checked {
            let source = fs::read_to_string(&part.path).unwrap();
            let content =
                sidecar::compose(&part.path, &source, std::slice::from_ref(part), &meta).unwrap();
            assistant::fsx::write_atomic(&sidecar::sidecar_path(&part.path), &content).unwrap();
        }
    }

    /// `assistant ARGS` in the example's root, without gofmt on PATH, backups under `backups/`.
    fn assistant(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("assistant").unwrap();
        cmd.current_dir(self.root())
            .env("PATH", "")
            .env("TMPDIR", self.dir.path().join("backups"))
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"))
            .args(args);
        cmd
    }

    fn sidecars(&self) -> Vec<PathBuf> {
        MERGED
            .iter()
            .map(|f| sidecar::sidecar_path(&self.path(f)))
            .filter(|p| p.exists())
            .collect()
    }

    /// Backup folders made, in the user's cache folder (`$XDG_CACHE_HOME/assistant/backups`).
    fn backups(&self) -> usize {
        fs::read_dir(self.dir.path().join("cache/assistant/backups")).map_or(0, Iterator::count)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file of the example, relative path → content, sidecars left out.
fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if !path.to_string_lossy().ends_with(".assistant") {
                let relative = path.strip_prefix(root).unwrap().to_path_buf();
                files.push((relative, fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

fn expected_merged(relative: &str) -> PathBuf {
    manifest_dir()
        .join("tests/fixtures/merged/store")
        .join(relative)
}

/// The merged files equal the expected ones; every other file equals the example's.
fn assert_merged(project: &Project) {
    let updating = std::env::var_os("UPDATE_FIXTURES").is_some();
    for relative in MERGED {
        let merged = project.read(relative);
        let expected = expected_merged(relative);
        if updating {
            fs::create_dir_all(expected.parent().unwrap()).unwrap();
            fs::write(&expected, &merged).unwrap();
        }
        assert!(
            fs::read_to_string(&expected).unwrap() == merged,
            "{relative} differs from {}",
            expected.display()
        );
    }
    let original = tree(&manifest_dir().join("examples/store"));
    let now = tree(&project.root());
    assert_eq!(original.len(), now.len());
    for ((path, before), (_, after)) in original.iter().zip(&now) {
        let is_merged = MERGED.iter().any(|m| Path::new(m) == path);
        assert_eq!(is_merged, before != after, "{}", path.display());
    }
}

fn assert_untouched(project: &Project) {
    assert_eq!(
        tree(&manifest_dir().join("examples/store")),
        tree(&project.root())
    );
}

#[test]
fn merge_applies_the_reference_answers_byte_for_byte() {
    let project = Project::new();
    let output = project.assistant(&["merge"]).assert().success();
    let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("merged internal/handler/coupon.go (couponHandler.RedeemCoupon, couponHandler.IssueCoupon, couponHandler.ListCustomerCoupons, "),
        "{stdout}"
    );
    assert!(
        stdout.contains("merged internal/dao/coupon.go (type CouponDao, couponDao.ExistsByCode"),
        "{stdout}"
    );
    assert!(stdout.contains("backup "), "{stdout}");
    assert_merged(&project);
    assert_eq!(project.sidecars().len(), 4, "sidecars stay without --clean");
    assert_eq!(project.backups(), 1);
    // The backup holds the originals.
    let backup_dir = stdout
        .lines()
        .find_map(|l| l.strip_prefix("backup "))
        .unwrap();
    let original =
        fs::read_to_string(manifest_dir().join("examples/store/internal/handler/coupon.go"))
            .unwrap();
    let absolute = fs::canonicalize(project.path("internal/handler/coupon.go")).unwrap();
    let copy = Path::new(backup_dir).join(absolute.strip_prefix("/").unwrap());
    assert_eq!(fs::read_to_string(copy).unwrap(), original);
}

/// Whether gofmt is installed or not, the result is the same: the merged files are gofmt-clean.
#[test]
fn gofmt_on_path_gives_the_same_bytes() {
    let project = Project::new();
    project
        .assistant(&["merge"])
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .assert()
        .success();
    assert_merged(&project);
}

#[test]
fn merging_twice_changes_nothing_the_second_time() {
    let project = Project::new();
    project.assistant(&["merge"]).assert().success();
    let first = tree(&project.root());
    project.assistant(&["merge"]).assert().success().stdout(
        "already merged internal/dao/coupon.go\n\
             already merged internal/dao/order.go\n\
             already merged internal/handler/coupon.go\n\
             already merged internal/handler/order.go\n",
    );
    assert_eq!(tree(&project.root()), first);
    assert_eq!(project.backups(), 1, "no backup when nothing is written");
}

#[test]
fn a_source_edited_after_generation_is_refused() {
    let project = Project::new();
    let edited = format!(
        "{}\n// edited by hand\n",
        project.read("internal/handler/coupon.go")
    );
    fs::write(project.path("internal/handler/coupon.go"), &edited).unwrap();
    project
        .assistant(&["merge", "--file", "internal/handler/coupon.go"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "refused internal/handler/coupon.go.assistant: the source changed since the sidecar was generated",
        ));
    assert_eq!(project.read("internal/handler/coupon.go"), edited);
    // The other sidecars still merge; the exit code still reports the refusal.
    project
        .assistant(&["merge"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("merged internal/dao/coupon.go"));
    assert_eq!(project.read("internal/handler/coupon.go"), edited);
    // --force merges it anyway.
    project
        .assistant(&["merge", "--force", "internal/handler"])
        .assert()
        .success();
    let merged = project.read("internal/handler/coupon.go");
    assert!(
        merged.contains("\n// edited by hand\n\nconst (\n"),
        "{merged}"
    );
    assert!(!merged.contains("panic(\"implement me\")"));
}

#[test]
fn dry_run_prints_a_diff_and_writes_nothing() {
    let project = Project::new();
    let output = project
        .assistant(&["merge", "--dry-run", "--clean"])
        .assert()
        .success();
    let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("would merge internal/handler/coupon.go ("),
        "{stdout}"
    );
    assert!(
        stdout.contains("--- a/internal/handler/coupon.go\n+++ b/internal/handler/coupon.go\n"),
        "{stdout}"
    );
    assert!(stdout.contains("-\tpanic(\"implement me\")\n"), "{stdout}");
    assert!(stdout.contains("+\t\"crypto/rand\"\n"), "{stdout}");
    assert!(
        stdout.contains("+\tMarkUsed(ctx context.Context"),
        "{stdout}"
    );
    assert_untouched(&project);
    assert_eq!(project.sidecars().len(), 4);
    assert_eq!(project.backups(), 0);
}

#[test]
fn clean_flag_removes_merged_sidecars() {
    let project = Project::new();
    project
        .assistant(&["merge", "--clean"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "removed internal/handler/order.go.assistant\n",
        ));
    assert!(project.sidecars().is_empty());
    assert_merged(&project);
}

#[test]
fn a_missing_source_fails_that_sidecar() {
    let project = Project::new();
    fs::remove_file(project.path("internal/dao/order.go")).unwrap();
    project
        .assistant(&["merge", "internal/dao"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "failed internal/dao/order.go.assistant: its source internal/dao/order.go does not exist",
        ))
        .stdout(predicate::str::contains("merged internal/dao/coupon.go"));
}

#[test]
fn no_sidecars_is_not_an_error() {
    let project = Project::new();
    project.assistant(&["clean"]).assert().success();
    project
        .assistant(&["merge"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("no sidecars"));
}

/// Under root, file modes do not stop writes, so the binary runs as `nobody`: every folder is open to it
/// except `internal/handler`. The dao files could be written, but none is: all or nothing.
#[cfg(unix)]
#[test]
fn a_read_only_folder_is_a_clear_error_and_nothing_is_touched() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let project = Project::new();
    let mode = |path: &Path, mode: u32| {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap()
    };
    let root_user = unsafe { libc::geteuid() } == 0;
    let mut dirs = vec![project.dir.path().to_path_buf()];
    for dir in [
        "backups",
        "store",
        "store/internal",
        "store/internal/dao",
        "store/internal/handler",
    ] {
        dirs.push(project.dir.path().join(dir));
    }
    for dir in &dirs {
        mode(dir, 0o777);
    }
    let handler = project.path("internal/handler");
    mode(&handler, 0o555);

    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("assistant"));
    cmd.current_dir(project.root())
        .env("PATH", "")
        .env("TMPDIR", project.dir.path().join("backups"))
        .arg("merge");
    if root_user {
        cmd.uid(65534).gid(65534);
    }
    let output = cmd.output().unwrap();
    mode(&handler, 0o755);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot write internal/handler/coupon.go: Permission denied")
            && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    assert_untouched(&project);
    assert_eq!(project.sidecars().len(), 4);
    assert_eq!(project.backups(), 0);
    let leftovers: Vec<_> = fs::read_dir(project.path("internal/dao"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn clean_removes_sidecars_and_rejected_answers() {
    let project = Project::new();
    fs::write(
        project.path("internal/handler/coupon.go.assistant.rejected"),
        "raw",
    )
    .unwrap();
    fs::create_dir_all(project.path("vendor/x")).unwrap();
    fs::write(project.path("vendor/x/y.go.assistant"), "kept").unwrap();
    project.assistant(&["clean"]).assert().success().stdout(
        "removed internal/dao/coupon.go.assistant\n\
             removed internal/dao/order.go.assistant\n\
             removed internal/handler/coupon.go.assistant\n\
             removed internal/handler/coupon.go.assistant.rejected\n\
             removed internal/handler/order.go.assistant\n",
    );
    assert!(project.sidecars().is_empty());
    assert!(!project
        .path("internal/handler/coupon.go.assistant.rejected")
        .exists());
    assert!(project.path("vendor/x/y.go.assistant").exists());
    fs::remove_dir_all(project.path("vendor")).unwrap();
    assert_untouched(&project);
}

/// The Go language, from the registry.
fn go() -> Lang {
    Lang::named("go").expect("Go is registered")
}
