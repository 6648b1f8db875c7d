//! The `.proto` index: what the API definition says about the types a stub's signature names.
//!
//! Owns: finding the `.proto` files under a Go module root (scan's walker and skip rules: `.gitignore`-aware,
//! skipping `vendor/`, `testdata/`, `node_modules/` and hidden folders; here `third_party/` too), parsing
//! them with `protox-parse` (syntax only: imports are neither read nor needed), indexing per proto package
//! the services, rpcs (with their comments and `google.api.http` rule), messages and enums (with every
//! field's and value's comments), and answering [`ProtoIndex::context_for`]: for the Go type names of a
//! signature, the rpcs that take or return them and the messages and enums involved, rendered as compact
//! proto text with the comments kept.
//!
//! Leaves to others: reading the Go signature (the caller passes bare type names such as
//! `RedeemCouponRequest`), deciding what fits the token budget (each rendered piece carries its depth so the
//! budget can drop the nested ones first), and the prompt's wording.
//!
//! A file that cannot be read or parsed is a [`Warning`](crate::scan::Warning); the index holds the rest.
//!
//! Types from imported files that are not under the module root (`google.protobuf.Timestamp`, …) keep their
//! name in the field lines but are not rendered: they are well known, or the index cannot see them.
//!
//! This file holds the answer's types ([`ProtoContext`]); the modules below hold one step each:
//! `parse` (finding and parsing files), `descriptor` (descriptor → `model` types), `http_rule` and
//! `text_format` (the `google.api.http` option), `index` (lookup and reachability), `render` (proto text).

mod descriptor;
mod http_rule;
mod index;
mod model;
mod parse;
mod render;
#[cfg(test)]
mod tests;
mod text_format;

pub use index::{go_camel_case, ProtoIndex};
pub use model::{Comments, Enum, EnumValue, Field, Label, Message, Oneof, Package, Rpc, Service};

use std::path::PathBuf;

/// How far references are followed from the request and reply messages (depth 0).
pub const MAX_DEPTH: u8 = 2;

/// What the `.proto` files say about the types of one signature.
///
/// Every piece is rendered on its own so the token budget can drop some: the rpcs first, then the messages
/// and the enums, each in breadth-first order from the request and reply (depth 0) outwards. Dropping the
/// pieces with `depth >= 1` leaves the request and reply with all their field comments.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ProtoContext {
    /// The rpcs whose request or reply is one of the types, in index order (package, file, declaration).
    pub rpcs: Vec<RpcInfo>,
    pub messages: Vec<RenderedType>,
    pub enums: Vec<RenderedType>,
}

/// An rpc that takes or returns one of the types asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcInfo {
    pub package: String,
    pub service: String,
    pub name: String,
    pub request: String,
    pub reply: String,
    pub client_streaming: bool,
    pub server_streaming: bool,
    /// Leading and trailing comments, plain text (no `//`), lines joined with `\n`; empty when none.
    pub comment: String,
    /// `POST /api/v1/coupon/redeem (body "*")`.
    pub http: Option<String>,
    /// Relative to the module root.
    pub file: PathBuf,
}

/// A message or enum rendered as proto text with its comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedType {
    /// Relative to its package (`RedeemCouponRequest`, `Outer.Inner`).
    pub name: String,
    /// 0 for the types asked about and the request/reply of their rpcs; n for types their depth n-1
    /// neighbours reference; at most [`MAX_DEPTH`].
    pub depth: u8,
    /// Declarations nested in a rendered message are rendered inside it. A nested type rendered on its
    /// own is headed with its dotted name (`message Outer.Inner {`), which says where it lives.
    pub text: String,
}

impl ProtoContext {
    pub fn is_empty(&self) -> bool {
        self.rpcs.is_empty() && self.messages.is_empty() && self.enums.is_empty()
    }

    /// Drops the messages and enums deeper than `max_depth` (0 keeps the request and reply only).
    pub fn drop_deeper_than(&mut self, max_depth: u8) {
        self.messages.retain(|t| t.depth <= max_depth);
        self.enums.retain(|t| t.depth <= max_depth);
    }

    /// All pieces in order, separated by blank lines.
    pub fn render(&self) -> String {
        let rpcs = self.rpcs.iter().map(RpcInfo::render);
        let types = self
            .messages
            .iter()
            .chain(&self.enums)
            .map(|t| t.text.clone());
        rpcs.chain(types).collect::<Vec<_>>().join("\n")
    }
}
