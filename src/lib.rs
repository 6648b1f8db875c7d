//! `assistant` finishes the business logic that code generators leave as stubs.
//!
//! The data takes one road, left to right; each stage is one module that knows nothing of the stages
//! after it:
//!
//! ```text
//!  paths ─► scan ─► plan ─► prompt ─► ask ─► check ─► sidecar          merge (reads sidecars, edits sources)
//! ```
//!
//! The binary (`src/main.rs`) only parses flags and calls [`commands`].

pub mod cli;
pub mod commands;
pub mod lang;
pub mod provider;
pub mod scan;
