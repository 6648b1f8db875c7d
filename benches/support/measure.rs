//! One child measured alone: its wall time, exit code and peak RSS, shared by the benchmarks.
//!
//! Linux carries the peak RSS of a process that forks a child into that child's `ru_maxrss`, so a
//! benchmark that spawned the measured program itself would report at least its own peak. Instead the
//! benchmark re-runs itself as a small measurer (`MEASURE_FLAG REPORT PROGRAM ARGS...`), which spawns
//! PROGRAM, reaps it with `wait4` — whose rusage is that one child's — and writes
//! `wall_ns max_rss_kib exit_code` to REPORT.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// First argument that turns a benchmark into the measurer of one child.
pub const MEASURE_FLAG: &str = "--measure-child";

/// The measurer: runs PROGRAM with this process's standard streams and writes what the benchmark reads.
pub fn measure_child(args: &[std::ffi::OsString]) -> i32 {
    let [report, program, rest @ ..] = args else {
        eprintln!("usage: {MEASURE_FLAG} REPORT PROGRAM [ARGS...]");
        return 2;
    };
    let start = Instant::now();
    let child = match Command::new(program).args(rest).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}: {e}", Path::new(program).display());
            return 127;
        }
    };
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; wait4 fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; `pid` is our own child, not yet reaped.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            eprintln!("wait4: {e}");
            return 1;
        }
    }
    let wall = start.elapsed();
    // Reaped already: `Child` does not wait on drop, so dropping it is harmless.
    drop(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    // ru_maxrss is in KiB on Linux, in bytes on macOS.
    let rss = usage.ru_maxrss.max(0) as u64;
    let rss_kib = if cfg!(target_os = "macos") {
        rss / 1024
    } else {
        rss
    };
    let line = format!("{} {rss_kib} {code}\n", wall.as_nanos());
    match std::fs::write(report, line) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}: {e}", Path::new(report).display());
            1
        }
    }
}
