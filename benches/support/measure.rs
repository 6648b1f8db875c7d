//! One child measured alone: its wall time, exit code and peak RSS, shared by the benchmarks.
//!
//! Linux carries the peak RSS of a process that forks a child into that child's `ru_maxrss` (exec
//! records the old address space's high-water mark), so a benchmark that spawned the measured program
//! itself would report at least its own peak (tens of MB after generating a tree, more when it hosts a
//! fake server). Instead [`measure`] re-runs the benchmark as a small measurer
//! (`MEASURE_FLAG REPORT PROGRAM ARGS...`), which spawns PROGRAM, reaps it with `wait4` — whose rusage is
//! that one child's — and writes `wall_ns max_rss_kib exit_code` to REPORT. What remains of the floor is
//! the measurer's own start-up RSS, about 2 MB. How many runs to make and what to make of them is left
//! to each benchmark.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// First argument that turns a benchmark into the measurer of one child.
const MEASURE_FLAG: &str = "--measure-child";

/// What one measured run did.
pub struct Run {
    pub wall: Duration,
    pub max_rss_kib: u64,
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `program args` once through a fresh measurer and reads what it found. `setup` adjusts the
/// measurer's command (environment, working folder), which the measured program inherits.
pub fn measure(
    program: &Path,
    args: &[String],
    setup: impl FnOnce(&mut Command),
) -> std::io::Result<Run> {
    let mut out = tempfile::tempfile()?;
    let mut err = tempfile::tempfile()?;
    let report = tempfile::NamedTempFile::new()?;
    let mut command = Command::new(std::env::current_exe()?);
    setup(&mut command);
    let status = command
        .arg(MEASURE_FLAG)
        .arg(report.path())
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(err.try_clone()?)
        .status()?;
    let text = std::fs::read_to_string(report.path())?;
    let fields: Vec<u64> = text
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let read_all = |f: &mut File| -> std::io::Result<Vec<u8>> {
        f.seek(SeekFrom::Start(0))?;
        let mut v = Vec::new();
        f.read_to_end(&mut v)?;
        Ok(v)
    };
    let stderr = read_all(&mut err)?;
    let &[wall_ns, max_rss_kib, code] = fields.as_slice() else {
        return Err(std::io::Error::other(format!(
            "measuring {} failed ({status}): {}",
            program.display(),
            String::from_utf8_lossy(&stderr).trim()
        )));
    };
    Ok(Run {
        wall: Duration::from_nanos(wall_ns),
        max_rss_kib,
        code: code as i32,
        stdout: read_all(&mut out)?,
        stderr,
    })
}

/// First thing in a measuring benchmark's `main`: when this process was started as a measurer, it
/// measures its one child and exits.
pub fn serve_if_measurer() {
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if raw.get(1).is_some_and(|a| a == MEASURE_FLAG) {
        std::process::exit(measure_child(&raw[2..]));
    }
}

/// The measurer: runs PROGRAM with this process's standard streams and writes what the benchmark reads.
fn measure_child(args: &[std::ffi::OsString]) -> i32 {
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
