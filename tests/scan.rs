//! `assistant scan` through the real binary: formats, exit codes, skip rules and hostile input.

#[path = "support/project.rs"]
mod project;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

const STUB: &str = "package handler\n\n// RedeemCoupon 优惠券核销: check the coupon.\n// More detail.\nfunc (h *couponHandler) RedeemCoupon(ctx context.Context) error {\n\tpanic(\"implement me\")\n\n\t// fill in the business logic code here\n}\n";

/// The binary, with the user's folders (their `config.toml`) in the tests' own.
fn assistant() -> Command {
    let mut cmd = Command::cargo_bin("assistant").expect("binary builds");
    cmd.envs(project::user_env());
    cmd
}

fn write(root: &Path, relative: &str, content: impl AsRef<[u8]>) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    fs::write(path, content).expect("write");
}

fn stdout_of(cmd: &mut Command) -> String {
    let output = cmd.output().expect("runs");
    String::from_utf8(output.stdout).expect("utf-8 output")
}

#[test]
fn text_format_is_path_line_col_name_receiver_doc() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "internal/handler/coupon.go", STUB);
    write(
        dir.path(),
        "internal/util/free.go",
        "package util\n\nfunc Free() {\n\tpanic(\"prompt: do the thing\")\n}\n",
    );
    assistant()
        .current_dir(dir.path())
        .arg("scan")
        .assert()
        .success()
        .stdout(
            "internal/handler/coupon.go:5:1: stub RedeemCoupon (couponHandler): RedeemCoupon 优惠券核销: check the coupon.\n\
             internal/util/free.go:3:1: stub Free\n",
        );
}

#[test]
fn paths_print_as_named_and_all_three_ways_of_naming_agree() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "proj/internal/handler/coupon.go", STUB);
    let expected = "proj/internal/handler/coupon.go:5:1: stub RedeemCoupon (couponHandler): RedeemCoupon 优惠券核销: check the coupon.\n";
    for args in [
        vec!["scan", "proj"],
        vec!["scan", "--dir", "proj"],
        vec!["scan", "--file", "proj/internal/handler/coupon.go"],
    ] {
        let out = stdout_of(assistant().current_dir(dir.path()).args(&args));
        assert_eq!(out, expected, "{args:?}");
    }
    let out = stdout_of(
        assistant()
            .current_dir(dir.path())
            .args(["scan", "./proj/"]),
    );
    assert!(
        out.starts_with("./proj/internal/handler/coupon.go:5:1:"),
        "{out}"
    );
}

#[test]
fn json_lines_carry_every_field() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "coupon.go", STUB);
    let out = stdout_of(
        assistant()
            .current_dir(dir.path())
            .args(["scan", "--format", "json"]),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1);
    let record: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(
        record,
        serde_json::json!({
            "file": "coupon.go", "line": 5, "column": 1, "name": "RedeemCoupon",
            "receiver": "couponHandler", "marker": "panic(\"implement me\")", "lang": "go",
            "doc": "RedeemCoupon 优惠券核销: check the coupon.\nMore detail."
        })
    );
}

#[test]
fn sarif_log_has_one_result_per_stub() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "a dir/coupon.go", STUB);
    let out = stdout_of(
        assistant()
            .current_dir(dir.path())
            .args(["scan", "--format", "sarif"]),
    );
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "a%20dir/coupon.go");
    assert_eq!(location["region"]["startLine"], 5);
    assert_eq!(location["region"]["startColumn"], 1);
    assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "assistant");
}

#[test]
fn check_exits_1_when_stubs_are_found_and_0_otherwise() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "clean/ok.go", "package ok\n\nfunc F() {}\n");
    write(dir.path(), "dirty/coupon.go", STUB);
    assistant()
        .current_dir(dir.path())
        .args(["scan", "--check", "clean"])
        .assert()
        .code(0)
        .stdout("");
    assistant()
        .current_dir(dir.path())
        .args(["scan", "--check", "dirty"])
        .assert()
        .code(1);
    // Without --check, finding stubs is not a failure.
    assistant()
        .current_dir(dir.path())
        .args(["scan", "dirty"])
        .assert()
        .code(0);
}

#[test]
fn skip_rules() {
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    for skipped in [
        "vendor/x/coupon.go",
        "testdata/coupon.go",
        "node_modules/x/coupon.go",
        ".hidden/coupon.go",
        ".git/coupon.go",
        "internal/handler/coupon_test.go",
        "api/v1/coupon.pb.go",
        "api/v1/coupon_router.pb.go",
        "api/v1/coupon.pb.validate.go",
        "ignored/coupon.go",
        "internal/generated.go",
    ] {
        write(root, skipped, STUB);
    }
    write(root, ".gitignore", "ignored/\n");
    write(root, ".ignore", "internal/generated.go\n");
    write(root, "internal/handler/kept.go", STUB);
    let out = stdout_of(assistant().current_dir(root).arg("scan"));
    let files: Vec<&str> = out.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(files, ["internal/handler/kept.go"]);
}

#[test]
fn a_file_named_explicitly_is_scanned_whatever_its_name() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "coupon_test.go", STUB);
    assistant()
        .current_dir(dir.path())
        .args(["scan", "--file", "coupon_test.go"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "coupon_test.go:5:1: stub RedeemCoupon",
        ));
}

#[test]
fn markers_flag_adds_markers() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "a.go",
        "package a\n\nfunc A() {\n\tpanic(\"TODO(ai): write me\")\n}\n",
    );
    assert_eq!(
        stdout_of(assistant().current_dir(dir.path()).arg("scan")),
        ""
    );
    assert_eq!(
        stdout_of(
            assistant()
                .current_dir(dir.path())
                .args(["scan", "--marker", "TODO(ai)"])
        ),
        "a.go:3:1: stub A\n"
    );
}

#[test]
fn binary_and_non_utf8_files_are_skipped_with_a_warning_naming_them() {
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    write(root, "bin.go", b"\x7fELF\x00\x00panic(\"implement me\")");
    let mut latin1 = b"package a\n// caf\xe9\nfunc A() {\n\tpanic(\"implement me\")\n}\n".to_vec();
    latin1.extend_from_slice(b"\n");
    write(root, "latin1.go", latin1);
    write(root, "good.go", STUB);
    assistant()
        .current_dir(root)
        .arg("scan")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("good.go:5:1:"))
        .stderr(
            predicate::str::contains("bin.go: looks binary")
                .and(predicate::str::contains("latin1.go: not UTF-8")),
        );
}

#[test]
fn syntax_errors_elsewhere_do_not_hide_a_stub() {
    let dir = TempDir::new().unwrap();
    let broken = format!(
        "package handler\n\nfunc Broken( {{\n\tx := \n}}\n\n{}",
        &STUB[17..]
    );
    write(dir.path(), "broken.go", broken);
    let out = stdout_of(assistant().current_dir(dir.path()).arg("scan"));
    assert!(out.contains("stub RedeemCoupon (couponHandler)"), "{out}");
}

#[test]
fn a_30_mb_file_with_its_stub_at_the_end() {
    let dir = TempDir::new().unwrap();
    let mut big = String::from("package big\n\n");
    let filler = "func filler() int { return 42 } // large, but no marker in here at all\n";
    while big.len() < 30 * 1024 * 1024 {
        big.push_str(filler);
    }
    let lines_before = big.lines().count();
    big.push_str("func Last() {\n\tpanic(\"implement me\")\n}\n");
    write(dir.path(), "big.go", &big);
    let out = stdout_of(assistant().current_dir(dir.path()).arg("scan"));
    assert_eq!(out, format!("big.go:{}:1: stub Last\n", lines_before + 1));
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_neither_hangs_nor_crashes() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "pkg/coupon.go", STUB);
    std::os::unix::fs::symlink("..", dir.path().join("pkg/loop")).unwrap();
    std::os::unix::fs::symlink("self.go", dir.path().join("pkg/self.go")).unwrap();
    assistant()
        .current_dir(dir.path())
        .arg("scan")
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .success()
        .stdout("pkg/coupon.go:5:1: stub RedeemCoupon (couponHandler): RedeemCoupon 优惠券核销: check the coupon.\n");
}

/// Root reads any file whatever its mode, so under root the binary runs as `nobody` to make the
/// file really unreadable.
#[cfg(unix)]
#[test]
fn an_unreadable_file_is_a_warning_and_the_run_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let dir = TempDir::new().unwrap();
    let root = dir.path();
    write(root, "a/secret.go", STUB);
    write(root, "a/open.go", STUB);
    fs::set_permissions(root.join("a/secret.go"), fs::Permissions::from_mode(0o000)).unwrap();
    for d in [root, &root.join("a")] {
        fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("assistant"));
    cmd.current_dir(root).arg("scan");
    // SAFETY-free: only sets ids for the child.
    if unsafe { libc::geteuid() } == 0 {
        cmd.uid(65534).gid(65534);
    }
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("a/open.go:5:1:"), "{stdout}");
    assert!(!stdout.contains("secret.go"), "{stdout}");
    assert!(
        stderr.contains("a/secret.go: cannot read: Permission denied"),
        "{stderr}"
    );
}

#[test]
fn a_path_that_does_not_exist_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    assistant()
        .current_dir(dir.path())
        .args(["scan", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/dir"));
}

#[test]
fn nothing_readable_exits_2() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "bin.go", b"\x00\x01\x02");
    assistant()
        .current_dir(dir.path())
        .args(["scan", "bin.go"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bin.go: looks binary"));
}

#[test]
fn the_bundled_example_lists_its_stubs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = stdout_of(
        assistant()
            .current_dir(root)
            .args(["scan", "examples/store"]),
    );
    assert!(out.lines().count() >= 5, "{out}");
    assert!(out
        .lines()
        .all(|l| l.starts_with("examples/store/internal/")));
}
