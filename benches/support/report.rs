//! How the benchmarks print their figures: seconds, a list of run times, a target's verdict. What they
//! print them about is theirs.
#![allow(dead_code)] // each benchmark prints with its own part of it

use std::time::Duration;

/// `1.234 s`.
pub fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// The runs' wall times in seconds, space-separated: `1.234 1.201 1.250`.
pub fn wall_list(walls: &[Duration]) -> String {
    walls
        .iter()
        .map(|w| format!("{:.3}", w.as_secs_f64()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A target met or missed.
pub fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "FAIL"
    }
}
