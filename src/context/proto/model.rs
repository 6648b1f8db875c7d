//! The index's picture of a proto package: its services, rpcs, messages and enums, with their comments.
//!
//! Owns the types only. Filling them from descriptors is `descriptor.rs`'s job; indexing and looking them
//! up is `index.rs`'s; rendering them as proto text is `render.rs`'s.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The declarations of one proto package, gathered from all its files.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Package {
    /// `api.store.v1`; empty for files without a `package` line.
    pub name: String,
    /// Ordered by file path, then as declared.
    pub services: Vec<Service>,
    /// Keyed by the name relative to the package; nested ones as `Outer.Inner`.
    pub messages: BTreeMap<String, Message>,
    /// Keyed like `messages`.
    pub enums: BTreeMap<String, Enum>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: String,
    /// Relative to the module root.
    pub file: PathBuf,
    pub comments: Comments,
    pub rpcs: Vec<Rpc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rpc {
    pub name: String,
    /// As written in the file (`RedeemCouponRequest`, `google.protobuf.Empty`).
    pub request: String,
    pub reply: String,
    pub client_streaming: bool,
    pub server_streaming: bool,
    pub comments: Comments,
    /// The `google.api.http` rule, e.g. `POST /api/v1/coupon/redeem (body "*")`.
    pub http: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Relative to the package; nested ones as `Outer.Inner`.
    pub name: String,
    pub file: PathBuf,
    pub comments: Comments,
    /// As declared.
    pub fields: Vec<Field>,
    /// Indexed by [`Field::oneof`].
    pub oneofs: Vec<Oneof>,
    /// Names (relative to the package) of the messages declared inside this one, map entries excluded.
    pub nested_messages: Vec<String>,
    /// Names (relative to the package) of the enums declared inside this one.
    pub nested_enums: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    /// A scalar keyword (`uint64`) or a type name as written (`CouponStatus`); for a map, the value type.
    pub type_name: String,
    pub label: Label,
    pub number: i32,
    /// Index into [`Message::oneofs`] for members of a `oneof` block (not for proto3 `optional`).
    pub oneof: Option<usize>,
    /// Validation options as written, e.g. `(validate.rules).string.min_len = 1`: the only field options
    /// rendered, since they say what a request accepts (the stub's hint calls `req.Validate()`); the rest
    /// (`gotags`, `tagger.tags`, …) only steer code generators.
    pub rules: Vec<String>,
    pub comments: Comments,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// No keyword: a proto3 field, or a member of a `oneof`.
    Singular,
    Optional,
    Required,
    Repeated,
    /// `map<key, type_name>`.
    Map {
        key: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Oneof {
    pub name: String,
    pub comments: Comments,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    /// Relative to the package; nested ones as `Outer.Inner`.
    pub name: String,
    pub file: PathBuf,
    pub comments: Comments,
    pub values: Vec<EnumValue>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub name: String,
    pub number: i32,
    pub comments: Comments,
}

/// A declaration's comments, without the `//` and with the one space after it removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Comments {
    /// The comment on the lines just above.
    pub leading: Option<String>,
    /// The comment after it on the same line (or on the next line, by protoc's rules).
    pub trailing: Option<String>,
}
