//! The command line as the benchmarks read it: flags whose value follows (`--runs 3`) or is joined
//! (`--runs=3`), numbers, numbers from the environment, and the `assistant` binary to time. Which flags
//! a benchmark takes, what they mean and what it does with one it does not know stay with it.
#![allow(dead_code)] // each benchmark uses its own part of it

use std::path::PathBuf;

/// This program's arguments, read flag by flag.
pub struct Args {
    rest: std::iter::Skip<std::env::Args>,
    /// The value joined to the last flag (`--flag=value`), until that flag is done.
    inline: Option<String>,
}

impl Args {
    pub fn from_env() -> Self {
        Args {
            rest: std::env::args().skip(1),
            inline: None,
        }
    }

    /// The next flag, with a joined value (`--flag=value`) cut off for [`Args::value`].
    pub fn next_flag(&mut self) -> Option<String> {
        let arg = self.rest.next()?;
        self.inline = None;
        match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                self.inline = Some(value.to_string());
                Some(flag.to_string())
            }
            _ => Some(arg),
        }
    }

    /// The value of `flag`: the joined one, or else the next argument.
    pub fn value(&mut self, flag: &str) -> Result<String, String> {
        self.inline
            .take()
            .or_else(|| self.rest.next())
            .ok_or_else(|| format!("{flag} needs a value"))
    }

    /// The value of `flag`, which must be a number.
    pub fn number(&mut self, flag: &str) -> Result<usize, String> {
        let value = self.value(flag)?;
        value
            .parse()
            .map_err(|_| format!("{flag} {value:?}: not a number"))
    }
}

/// The number in the environment variable `name`; `None` when it is unset or blank.
pub fn env_number(name: &str) -> Result<Option<usize>, String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}={v:?} is not a number")),
        _ => Ok(None),
    }
}

/// The options, or else the error on stderr after `program: ` and exit status 2.
pub fn or_exit<T>(options: Result<T, String>, program: &str) -> T {
    options.unwrap_or_else(|e| {
        eprintln!("{program}: {e}");
        std::process::exit(2);
    })
}

/// The `assistant` binary to time: `ASSISTANT_BIN`, or else the one this build made.
pub fn assistant_bin() -> PathBuf {
    std::env::var_os("ASSISTANT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_assistant")))
}
