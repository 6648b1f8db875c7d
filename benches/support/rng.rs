//! Deterministic randomness for the benchmarks' generated trees: xorshift64* draws, and FNV-1a to turn
//! names into seeds. Both are written out here rather than taken from a crate or std's hashers so that
//! a seed gives the same tree on every machine and Rust version, which kept trees and comparable
//! figures rely on. What to draw, and from which seed, is each benchmark's own business.
#![allow(dead_code)] // each benchmark draws with its own part of it

/// A xorshift64* generator.
pub struct Rng(u64);

impl Rng {
    /// Seeded through splitmix64, so that nearby seeds give unrelated sequences.
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(z | 1)
    }

    /// Seeded with `state` as it is (not 0): how `scan_rust` has always seeded, so its tree stays the same.
    pub fn from_state(state: u64) -> Self {
        Rng(state)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// FNV-1a: a stable hash of a name, to seed from.
pub fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
