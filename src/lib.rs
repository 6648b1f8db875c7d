//! `assistant` finishes the business logic that code generators leave as stubs.
//!
//! The data takes one road, left to right; each stage is one module that knows nothing of the stages
//! after it:
//!
//! ```text
//!  paths ─► scan ─► plan ─► prompt ─► ask ─► check ─► verify ─► sidecar    merge (reads sidecars, edits sources)
//! ```
//!
//! Everything language-specific sits behind [`lang::Language`], one folder per language under `lang/`;
//! the stages hold a [`lang::Lang`] and never name a language. Everything a code generator decided
//! (sponge, go-zero) sits behind [`scaffold::Scaffold`], one folder per scaffold under `scaffold/`. What the tool does to files whatever
//! they hold (atomic writes, backups) is [`fsx`]'s. The binary (`src/main.rs`) only parses flags and
//! calls [`commands`].

pub mod ask;
pub mod batch;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod fsx;
pub mod lang;
pub mod merge;
pub mod oneline;
pub mod out;
pub mod plan;
pub mod prompt;
pub mod provider;
pub mod redact;
pub mod report;
pub mod run;
pub mod scaffold;
pub mod scan;
pub mod sidecar;
pub mod trust;
pub mod verify;
