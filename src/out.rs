//! Standard output as the commands write it, and a reader that went away.
//!
//! A reader that stopped early (`| head`, a script that read what it needed) closes the pipe. Rust
//! ignores SIGPIPE, so the next write fails with `BrokenPipe` — and `println!` would panic. Every write
//! through here notices that, remembers it ([`closed`]) and returns the error, so a command stops
//! printing; `main` then ends quietly with status 0, as ripgrep does, and commands that run on
//! (`generate`, `batch collect --wait`) stop as on Ctrl-C ([`until_closed`]), keeping what landed.

use std::fmt::Display;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// `eprintln!` that cannot panic: a reader of standard error that went away (`2>&1 | head -1`) loses
/// the messages, not the run (`eprintln!` would panic, half-way through writing sidecars).
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr(), $($arg)*);
    }};
}

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` and a newline, flushed (a reader sees each line as it is written).
pub fn line(text: &(impl Display + ?Sized)) -> io::Result<()> {
    write(&format!("{text}\n"))
}

/// Writes `text`, flushed.
pub fn write(text: &str) -> io::Result<()> {
    let mut out = stdout();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Standard output, locked, noticing a closed pipe: for commands that write many lines through `Write`.
pub fn stdout() -> Watched {
    Watched(io::stdout().lock())
}

/// Whether standard output was found closed.
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// Resolves once standard output is found closed (never, while it is open).
pub async fn until_closed() {
    while !closed() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Locked standard output whose failed writes say whether the reader went away.
pub struct Watched(io::StdoutLock<'static>);

impl Watched {
    fn noticed<T>(result: io::Result<T>) -> io::Result<T> {
        if let Err(error) = &result {
            if error.kind() == io::ErrorKind::BrokenPipe {
                CLOSED.store(true, Ordering::Relaxed);
            }
        }
        result
    }
}

impl Write for Watched {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if closed() {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        Self::noticed(self.0.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        if closed() {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        Self::noticed(self.0.flush())
    }
}
