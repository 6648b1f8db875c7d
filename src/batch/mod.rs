//! Batch mode: every job's first-round request goes to the provider's batch API at once (about half
//! the price, answers within 24 hours), and a later `collect` checks, verifies and lands the answers
//! exactly as a streamed run would.
//!
//! `submit` records a submission (leaving out jobs a submission not yet collected already asks:
//! `pending`) in `.assistant/batches/<id>.json` at the project root (`state`);
//! `collect` downloads final batches, rebuilds each job's check from the state (`rebuild`), judges the
//! answers and writes sidecars through `sidecar::Landing`. The wire (uploads, polls, downloads) is
//! `provider::batch`'s; planning and prompting are `generate`'s; the commands are
//! `commands::batch`'s.

pub mod collect;
mod judge;
pub mod pending;
pub mod rebuild;
pub mod state;
pub mod submit;
