//! The `.proto` index: what the API definition says about the types a stub's signature names.
//!
//! Owns: finding the `.proto` files under a Go module root (the `ignore` walker, `.gitignore`-aware, skipping
//! `vendor/`, `third_party/`, `node_modules/` and hidden folders), parsing them with `protox-parse` (syntax
//! only: imports are neither read nor needed), indexing per proto package the services, rpcs (with their
//! comments and `google.api.http` rule), messages and enums (with every field's and value's comments), and
//! answering [`ProtoIndex::context_for`]: for the Go type names of a signature, the rpcs that take or return
//! them and the messages and enums involved, rendered as compact proto text with the comments kept.
//!
//! Leaves to others: reading the Go signature (the caller passes bare type names such as
//! `RedeemCouponRequest`), deciding what fits the token budget (each rendered piece carries its depth so the
//! budget can drop the nested ones first), and the prompt's wording.
//!
//! A file that cannot be read or parsed is a [`Warning`]; the index holds the rest.
//!
//! Types from imported files that are not under the module root (`google.protobuf.Timestamp`, …) keep their
//! name in the field lines but are not rendered: they are well known, or the index cannot see them.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use prost_types::field_descriptor_proto::{Label as DescriptorLabel, Type};
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
    MethodDescriptorProto, ServiceDescriptorProto, UninterpretedOption,
};

use crate::lang::ProtoRef;
use crate::scan::Warning;

/// How far references are followed from the request and reply messages (depth 0).
pub const MAX_DEPTH: u8 = 2;

/// Folder names never entered: other people's protos, not the project's API.
const SKIPPED_DIRS: &[&str] = &["vendor", "third_party", "node_modules"];

/// The extension sponge (and grpc-gateway) use for the HTTP binding of an rpc.
const HTTP_OPTION: &str = "google.api.http";

/// Field numbers of descriptor.proto, the steps of a `source_code_info` location path.
mod tag {
    pub const FILE_MESSAGE: i32 = 4;
    pub const FILE_ENUM: i32 = 5;
    pub const FILE_SERVICE: i32 = 6;
    pub const MESSAGE_FIELD: i32 = 2;
    pub const MESSAGE_NESTED: i32 = 3;
    pub const MESSAGE_ENUM: i32 = 4;
    pub const MESSAGE_ONEOF: i32 = 8;
    pub const ENUM_VALUE: i32 = 2;
    pub const SERVICE_METHOD: i32 = 2;
}

/// Every `.proto` file of a module, indexed per proto package.
#[derive(Debug, Default)]
pub struct ProtoIndex {
    packages: BTreeMap<String, Package>,
    /// Per file, the Go import path of its `option go_package` (the part before `;`).
    go_import_paths: BTreeMap<PathBuf, Option<String>>,
    by_full_name: HashMap<String, TypeKey>,
    by_go_name: BTreeMap<String, Vec<TypeKey>>,
}

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

impl RpcInfo {
    /// The rpc inside its service, headed by the file it comes from:
    ///
    /// ```text
    /// // api/store/v1/coupon.proto
    /// service coupon {
    ///   // RedeemCoupon …
    ///   rpc RedeemCoupon(RedeemCouponRequest) returns (RedeemCouponReply); // POST /api/v1/coupon/redeem (body "*")
    /// }
    /// ```
    pub fn render(&self) -> String {
        let mut out = format!("// {}\nservice {} {{\n", self.file.display(), self.service);
        push_comment_lines(&mut out, "  ", Some(&self.comment));
        let stream = |on: bool| if on { "stream " } else { "" };
        let _ = write!(
            out,
            "  rpc {}({}{}) returns ({}{});",
            self.name,
            stream(self.client_streaming),
            self.request,
            stream(self.server_streaming),
            self.reply
        );
        if let Some(http) = &self.http {
            let _ = write!(out, " // {http}");
        }
        out.push_str("\n}\n");
        out
    }
}

/// Where a message or enum lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct TypeKey {
    package: String,
    /// Relative to the package.
    name: String,
    kind: TypeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum TypeKind {
    Message,
    Enum,
}

impl ProtoIndex {
    /// Indexes every `.proto` file under `module_root`. Files that cannot be read or parsed, and
    /// declarations already made by another file, come back as warnings.
    pub fn load(module_root: &Path) -> (ProtoIndex, Vec<Warning>) {
        let (paths, mut warnings) = find_proto_files(module_root);
        let mut index = ProtoIndex::default();
        for path in paths {
            match read_proto_file(module_root, &path) {
                Ok(file) => index.add_file(file, &path, &mut warnings),
                Err(reason) => warnings.push(Warning { path, reason }),
            }
        }
        (index, warnings)
    }

    /// Indexes one file's text, as if it were at `file` (relative to the module root).
    #[cfg(test)]
    fn add_source(&mut self, file: &Path, source: &str) -> Result<(), Warning> {
        let mut warnings = Vec::new();
        let parsed = parse_proto(file, source).map_err(|reason| Warning {
            path: file.to_path_buf(),
            reason,
        })?;
        self.add_file(parsed, file, &mut warnings);
        warnings.into_iter().next().map_or(Ok(()), Err)
    }

    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    /// Ordered by package name.
    pub fn packages(&self) -> impl Iterator<Item = &Package> {
        self.packages.values()
    }

    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.get(name)
    }

    /// The context for the Go type names of a signature (`RedeemCouponRequest`, `Outer_Inner`; the proto
    /// spelling `Outer.Inner` and a leading `*pkg.` are accepted too), from every package that declares
    /// them. A name no `.proto` declares contributes nothing.
    pub fn context_for(&self, type_names: &[&str]) -> ProtoContext {
        self.context_where(type_names, |_| true)
    }

    /// The context for what a language asks about its stubs: messages by name, and the request and
    /// reply of the rpcs that servicer methods implement.
    pub fn context_for_refs(&self, refs: &[ProtoRef]) -> ProtoContext {
        let names: Vec<&str> = refs
            .iter()
            .flat_map(|r| match r {
                ProtoRef::Type(name) => vec![name.as_str()],
                ProtoRef::Rpc { service, method } => self.rpc_ends(service, method),
            })
            .collect();
        self.context_for(&names)
    }

    /// The simple names of the request and reply of rpc `service.method`, in whichever package.
    fn rpc_ends(&self, service: &str, method: &str) -> Vec<&str> {
        fn simple(name: &str) -> &str {
            name.rsplit('.').next().unwrap_or(name)
        }
        self.packages
            .values()
            .flat_map(|package| &package.services)
            .filter(|s| s.name == service)
            .flat_map(|s| &s.rpcs)
            .filter(|rpc| rpc.name == method)
            .flat_map(|rpc| [simple(&rpc.request), simple(&rpc.reply)])
            .collect()
    }

    /// As [`ProtoIndex::context_for`], keeping only types from files whose `go_package` is
    /// `go_import_path` (`store/api/store/v1`): what tells two packages' `ListRequest` apart.
    pub fn context_for_go_package(
        &self,
        go_import_path: &str,
        type_names: &[&str],
    ) -> ProtoContext {
        self.context_where(type_names, |key| {
            self.go_import_path_of(key) == Some(go_import_path)
        })
    }

    fn context_where(&self, type_names: &[&str], keep: impl Fn(&TypeKey) -> bool) -> ProtoContext {
        let mut roots: Vec<TypeKey> = type_names
            .iter()
            .flat_map(|name| self.lookup_go_name(name))
            .filter(|key| keep(key))
            .collect();
        dedup_keep_order(&mut roots);
        let rpcs = self.rpcs_touching(&mut roots);
        let reachable = drop_covered_by_ancestor(self.reachable(&roots));
        let (messages, enums) = reachable
            .into_iter()
            .filter_map(|(key, depth)| self.render_type(&key, depth).map(|text| (key, text)))
            .partition::<Vec<_>, _>(|(key, _)| key.kind == TypeKind::Message);
        ProtoContext {
            rpcs,
            messages: messages.into_iter().map(|(_, t)| t).collect(),
            enums: enums.into_iter().map(|(_, t)| t).collect(),
        }
    }

    fn add_file(&mut self, file: ParsedFile, path: &Path, warnings: &mut Vec<Warning>) {
        self.go_import_paths
            .insert(file.path.clone(), file.go_import_path.clone());
        let package = self
            .packages
            .entry(file.package.clone())
            .or_insert_with(|| Package {
                name: file.package.clone(),
                ..Package::default()
            });
        package.services.extend(file.services);
        let mut added = Vec::new();
        for message in file.messages {
            match package.messages.get(&message.name) {
                Some(first) => {
                    warnings.push(duplicate(path, "message", &message.name, &first.file))
                }
                None => {
                    added.push((message.name.clone(), TypeKind::Message));
                    package.messages.insert(message.name.clone(), message);
                }
            }
        }
        for an_enum in file.enums {
            match package.enums.get(&an_enum.name) {
                Some(first) => warnings.push(duplicate(path, "enum", &an_enum.name, &first.file)),
                None => {
                    added.push((an_enum.name.clone(), TypeKind::Enum));
                    package.enums.insert(an_enum.name.clone(), an_enum);
                }
            }
        }
        for (name, kind) in added {
            self.remember_names(TypeKey {
                package: file.package.clone(),
                name,
                kind,
            });
        }
    }

    fn remember_names(&mut self, key: TypeKey) {
        self.by_full_name
            .insert(full_name(&key.package, &key.name), key.clone());
        let keys = self.by_go_name.entry(go_camel_case(&key.name)).or_default();
        keys.push(key);
        keys.sort();
    }

    /// Keys for a name from a Go signature: the Go spelling or the proto one, with or without `*pkg.`.
    /// `a.B` is first taken for a nested proto name, then for a Go qualifier and a type.
    fn lookup_go_name(&self, raw: &str) -> Vec<TypeKey> {
        let name = raw.trim_start_matches(['*', '[', ']', '&']);
        let keys = self.lookup_one(name);
        match name.split_once('.') {
            Some((_, unqualified)) if keys.is_empty() => self.lookup_one(unqualified),
            _ => keys,
        }
    }

    fn lookup_one(&self, name: &str) -> Vec<TypeKey> {
        let mut keys = self.by_go_name.get(name).cloned().unwrap_or_default();
        if name.contains('.') {
            keys.extend(self.packages.values().filter_map(|p| declared(p, name)));
        }
        keys
    }

    fn go_import_path_of(&self, key: &TypeKey) -> Option<&str> {
        let file = self.file_of(key)?;
        self.go_import_paths.get(file)?.as_deref()
    }

    fn file_of(&self, key: &TypeKey) -> Option<&PathBuf> {
        let package = self.packages.get(&key.package)?;
        match key.kind {
            TypeKind::Message => package.messages.get(&key.name).map(|m| &m.file),
            TypeKind::Enum => package.enums.get(&key.name).map(|e| &e.file),
        }
    }

    /// The rpcs taking or returning one of `roots`; their requests and replies join `roots`.
    fn rpcs_touching(&self, roots: &mut Vec<TypeKey>) -> Vec<RpcInfo> {
        // Matched against the types asked about only: a reply shared by several rpcs must not pull in
        // every rpc that takes or returns it.
        let asked: HashSet<TypeKey> = roots.iter().cloned().collect();
        let mut found = Vec::new();
        for package in self.packages.values() {
            for service in &package.services {
                for rpc in &service.rpcs {
                    let ends = [&rpc.request, &rpc.reply]
                        .map(|name| self.resolve(&package.name, "", name))
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>();
                    if ends.iter().any(|end| asked.contains(end)) {
                        found.push(rpc_info(package, service, rpc));
                        roots.extend(ends);
                    }
                }
            }
        }
        dedup_keep_order(roots);
        found
    }

    /// Breadth first from `roots` (depth 0) through field types, up to [`MAX_DEPTH`]; each type once, at
    /// its smallest depth.
    fn reachable(&self, roots: &[TypeKey]) -> Vec<(TypeKey, u8)> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut queue: VecDeque<(TypeKey, u8)> = roots.iter().map(|k| (k.clone(), 0)).collect();
        while let Some((key, depth)) = queue.pop_front() {
            if !seen.insert(key.clone()) {
                continue;
            }
            if depth < MAX_DEPTH {
                let next = self.references(&key).into_iter().map(|r| (r, depth + 1));
                queue.extend(next.filter(|(r, _)| !seen.contains(r)));
            }
            out.push((key, depth));
        }
        out
    }

    /// The types the fields of a message (and of the messages declared inside it) name.
    fn references(&self, key: &TypeKey) -> Vec<TypeKey> {
        let mut out = Vec::new();
        if key.kind == TypeKind::Message {
            self.collect_references(&key.package, &key.name, &mut out);
        }
        dedup_keep_order(&mut out);
        out
    }

    fn collect_references(&self, package: &str, message: &str, out: &mut Vec<TypeKey>) {
        let Some(message) = self
            .packages
            .get(package)
            .and_then(|p| p.messages.get(message))
        else {
            return;
        };
        let named = message.fields.iter().filter(|f| !is_scalar(&f.type_name));
        out.extend(named.filter_map(|f| self.resolve(package, &message.name, &f.type_name)));
        for nested in &message.nested_messages {
            self.collect_references(package, nested, out);
        }
    }

    /// Resolves a type name as written inside `scope` (a message of `package`, or "" for the file level),
    /// looking outwards from the innermost scope as protoc does.
    fn resolve(&self, package: &str, scope: &str, written: &str) -> Option<TypeKey> {
        if let Some(absolute) = written.strip_prefix('.') {
            return self.by_full_name.get(absolute).cloned();
        }
        let mut prefix: Vec<&str> = package.split('.').chain(scope.split('.')).collect();
        prefix.retain(|part| !part.is_empty());
        loop {
            let candidate = prefix
                .iter()
                .copied()
                .chain([written])
                .collect::<Vec<_>>()
                .join(".");
            if let Some(key) = self.by_full_name.get(&candidate) {
                return Some(key.clone());
            }
            prefix.pop()?;
        }
    }

    fn render_type(&self, key: &TypeKey, depth: u8) -> Option<RenderedType> {
        let package = self.packages.get(&key.package)?;
        let mut text = String::new();
        match key.kind {
            TypeKind::Message => render_message(
                package,
                package.messages.get(&key.name)?,
                "",
                &key.name,
                &mut text,
            ),
            TypeKind::Enum => render_enum(package.enums.get(&key.name)?, "", &key.name, &mut text),
        }
        Some(RenderedType {
            name: key.name.clone(),
            depth,
            text,
        })
    }
}

fn declared(package: &Package, name: &str) -> Option<TypeKey> {
    let kind = if package.messages.contains_key(name) {
        TypeKind::Message
    } else if package.enums.contains_key(name) {
        TypeKind::Enum
    } else {
        return None;
    };
    Some(TypeKey {
        package: package.name.clone(),
        name: name.to_string(),
        kind,
    })
}

fn duplicate(path: &Path, what: &str, name: &str, first: &Path) -> Warning {
    Warning {
        path: path.to_path_buf(),
        reason: format!(
            "{what} {name} is already declared in {}; this one is ignored",
            first.display()
        ),
    }
}

fn rpc_info(package: &Package, service: &Service, rpc: &Rpc) -> RpcInfo {
    let comment = [&rpc.comments.leading, &rpc.comments.trailing]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    RpcInfo {
        package: package.name.clone(),
        service: service.name.clone(),
        name: rpc.name.clone(),
        request: rpc.request.clone(),
        reply: rpc.reply.clone(),
        client_streaming: rpc.client_streaming,
        server_streaming: rpc.server_streaming,
        comment,
        http: rpc.http.clone(),
        file: service.file.clone(),
    }
}

/// A type is already shown when a message it is declared in is shown: it is rendered inside that one.
fn drop_covered_by_ancestor(types: Vec<(TypeKey, u8)>) -> Vec<(TypeKey, u8)> {
    let shown_messages: HashSet<(String, String)> = types
        .iter()
        .filter(|(key, _)| key.kind == TypeKind::Message)
        .map(|(key, _)| (key.package.clone(), key.name.clone()))
        .collect();
    types
        .into_iter()
        .filter(|(key, _)| {
            !enclosing_names(&key.name)
                .any(|outer| shown_messages.contains(&(key.package.clone(), outer.to_string())))
        })
        .collect()
}

/// `A.B.C` → `A.B`, `A`.
fn enclosing_names(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.').map(|(at, _)| &name[..at])
}

fn dedup_keep_order(keys: &mut Vec<TypeKey>) {
    let mut seen = HashSet::new();
    keys.retain(|key| seen.insert(key.clone()));
}

fn full_name(package: &str, name: &str) -> String {
    if package.is_empty() {
        name.to_string()
    } else {
        format!("{package}.{name}")
    }
}

// ---------------------------------------------------------------------------------------------------
// Finding and parsing files
// ---------------------------------------------------------------------------------------------------

/// The `.proto` files under `root`, sorted, and warnings for what could not be walked.
fn find_proto_files(root: &Path) -> (Vec<PathBuf>, Vec<Warning>) {
    let mut paths = Vec::new();
    let mut warnings = Vec::new();
    let walker = WalkBuilder::new(root)
        .hidden(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let name = entry.file_name().to_string_lossy();
            !is_dir || entry.depth() == 0 || !SKIPPED_DIRS.contains(&name.as_ref())
        })
        .build();
    for entry in walker {
        match entry {
            Ok(entry) if is_proto_file(&entry) => paths.push(entry.into_path()),
            Ok(_) => {}
            Err(error) => warnings.push(walk_warning(root, error)),
        }
    }
    paths.sort();
    (paths, warnings)
}

fn is_proto_file(entry: &ignore::DirEntry) -> bool {
    entry.file_type().is_some_and(|t| t.is_file())
        && entry.path().extension().is_some_and(|ext| ext == "proto")
}

fn walk_warning(root: &Path, error: ignore::Error) -> Warning {
    let path = match &error {
        ignore::Error::WithPath { path, .. } => path.clone(),
        _ => root.to_path_buf(),
    };
    Warning {
        path,
        reason: format!("cannot walk: {error}"),
    }
}

fn read_proto_file(module_root: &Path, path: &Path) -> Result<ParsedFile, String> {
    let source = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let relative = path.strip_prefix(module_root).unwrap_or(path);
    parse_proto(relative, &source)
}

fn parse_proto(relative: &Path, source: &str) -> Result<ParsedFile, String> {
    let name = relative.to_string_lossy();
    match protox_parse::parse(&name, source) {
        Ok(descriptor) => Ok(ParsedFile::from_descriptor(relative, descriptor)),
        Err(error) => Err(parse_error_reason(&error, source)),
    }
}

fn parse_error_reason(error: &protox_parse::ParseError, source: &str) -> String {
    match error.span() {
        Some(span) => {
            let (line, column) = line_and_column(source, span.start);
            format!("not valid protobuf: line {line}, column {column}: {error}")
        }
        None => format!("not valid protobuf: {error}"),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or(source);
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let line = before.matches('\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

// ---------------------------------------------------------------------------------------------------
// From descriptors to the index's types
// ---------------------------------------------------------------------------------------------------

/// One file's declarations, flattened: nested messages and enums sit beside the top-level ones.
struct ParsedFile {
    path: PathBuf,
    package: String,
    go_import_path: Option<String>,
    services: Vec<Service>,
    messages: Vec<Message>,
    enums: Vec<Enum>,
}

impl ParsedFile {
    fn from_descriptor(path: &Path, descriptor: FileDescriptorProto) -> ParsedFile {
        let reader = DescriptorReader {
            path: path.to_path_buf(),
            comments: comments_by_path(&descriptor),
            proto2: matches!(descriptor.syntax(), "" | "proto2"),
        };
        let mut file = ParsedFile {
            path: path.to_path_buf(),
            package: descriptor.package().to_string(),
            go_import_path: go_import_path(&descriptor),
            services: Vec::new(),
            messages: Vec::new(),
            enums: Vec::new(),
        };
        for (i, message) in descriptor.message_type.iter().enumerate() {
            reader.read_message(message, "", vec![tag::FILE_MESSAGE, index(i)], &mut file);
        }
        for (i, an_enum) in descriptor.enum_type.iter().enumerate() {
            let an_enum = reader.read_enum(an_enum, "", vec![tag::FILE_ENUM, index(i)]);
            file.enums.push(an_enum);
        }
        for (i, service) in descriptor.service.iter().enumerate() {
            let service = reader.read_service(service, vec![tag::FILE_SERVICE, index(i)]);
            file.services.push(service);
        }
        file
    }
}

struct DescriptorReader {
    path: PathBuf,
    comments: HashMap<Vec<i32>, Comments>,
    /// proto2 writes `optional` on every optional field; proto3 only on explicit-presence ones.
    proto2: bool,
}

impl DescriptorReader {
    fn comments_at(&self, path: &[i32]) -> Comments {
        self.comments.get(path).cloned().unwrap_or_default()
    }

    fn read_message(
        &self,
        descriptor: &DescriptorProto,
        scope: &str,
        location: Vec<i32>,
        file: &mut ParsedFile,
    ) {
        let name = nested_name(scope, descriptor.name());
        let map_entries = map_entries(descriptor);
        let mut nested_messages = Vec::new();
        for (i, nested) in descriptor.nested_type.iter().enumerate() {
            if !is_map_entry(nested) {
                let at = child(&location, tag::MESSAGE_NESTED, i);
                self.read_message(nested, &name, at, file);
                nested_messages.push(nested_name(&name, nested.name()));
            }
        }
        let mut nested_enums = Vec::new();
        for (i, an_enum) in descriptor.enum_type.iter().enumerate() {
            let an_enum = self.read_enum(an_enum, &name, child(&location, tag::MESSAGE_ENUM, i));
            nested_enums.push(an_enum.name.clone());
            file.enums.push(an_enum);
        }
        let fields = descriptor.field.iter().enumerate();
        let fields = fields
            .map(|(i, f)| self.read_field(f, &map_entries, child(&location, tag::MESSAGE_FIELD, i)))
            .collect();
        let oneofs = descriptor.oneof_decl.iter().enumerate();
        let oneofs = oneofs
            .map(|(i, o)| Oneof {
                name: o.name().to_string(),
                comments: self.comments_at(&child(&location, tag::MESSAGE_ONEOF, i)),
            })
            .collect();
        file.messages.push(Message {
            name,
            file: self.path.clone(),
            comments: self.comments_at(&location),
            fields,
            oneofs,
            nested_messages,
            nested_enums,
        });
    }

    fn read_field(
        &self,
        descriptor: &FieldDescriptorProto,
        map_entries: &HashMap<&str, (String, String)>,
        location: Vec<i32>,
    ) -> Field {
        let declared_type = field_type(descriptor);
        let map_entry = map_entries.get(declared_type.as_str());
        let (label, type_name) = match map_entry {
            Some((key, value)) if descriptor.label() == DescriptorLabel::Repeated => {
                (Label::Map { key: key.clone() }, value.clone())
            }
            _ => (self.label(descriptor), declared_type),
        };
        let in_oneof = descriptor
            .oneof_index
            .filter(|_| !descriptor.proto3_optional());
        Field {
            name: descriptor.name().to_string(),
            type_name,
            label,
            number: descriptor.number(),
            oneof: in_oneof.and_then(|i| usize::try_from(i).ok()),
            rules: validation_rules(descriptor),
            comments: self.comments_at(&location),
        }
    }

    fn label(&self, descriptor: &FieldDescriptorProto) -> Label {
        let in_real_oneof = descriptor.oneof_index.is_some() && !descriptor.proto3_optional();
        match descriptor.label() {
            DescriptorLabel::Repeated => Label::Repeated,
            DescriptorLabel::Required => Label::Required,
            _ if in_real_oneof => Label::Singular,
            _ if descriptor.proto3_optional() || self.proto2 => Label::Optional,
            _ => Label::Singular,
        }
    }

    fn read_enum(&self, descriptor: &EnumDescriptorProto, scope: &str, location: Vec<i32>) -> Enum {
        let values = descriptor.value.iter().enumerate();
        let values = values
            .map(|(i, v)| EnumValue {
                name: v.name().to_string(),
                number: v.number(),
                comments: self.comments_at(&child(&location, tag::ENUM_VALUE, i)),
            })
            .collect();
        Enum {
            name: nested_name(scope, descriptor.name()),
            file: self.path.clone(),
            comments: self.comments_at(&location),
            values,
        }
    }

    fn read_service(&self, descriptor: &ServiceDescriptorProto, location: Vec<i32>) -> Service {
        let rpcs = descriptor.method.iter().enumerate();
        let rpcs = rpcs
            .map(|(i, m)| self.read_rpc(m, child(&location, tag::SERVICE_METHOD, i)))
            .collect();
        Service {
            name: descriptor.name().to_string(),
            file: self.path.clone(),
            comments: self.comments_at(&location),
            rpcs,
        }
    }

    fn read_rpc(&self, descriptor: &MethodDescriptorProto, location: Vec<i32>) -> Rpc {
        let options = descriptor.options.as_ref();
        let options = options.map_or(&[][..], |o| o.uninterpreted_option.as_slice());
        Rpc {
            name: descriptor.name().to_string(),
            request: descriptor.input_type().to_string(),
            reply: descriptor.output_type().to_string(),
            client_streaming: descriptor.client_streaming(),
            server_streaming: descriptor.server_streaming(),
            comments: self.comments_at(&location),
            http: http_rule(options),
        }
    }
}

fn comments_by_path(descriptor: &FileDescriptorProto) -> HashMap<Vec<i32>, Comments> {
    let locations = descriptor.source_code_info.iter().flat_map(|i| &i.location);
    locations
        .filter(|l| l.leading_comments.is_some() || l.trailing_comments.is_some())
        .map(|l| {
            let comments = Comments {
                leading: l.leading_comments.as_deref().and_then(clean_comment),
                trailing: l.trailing_comments.as_deref().and_then(clean_comment),
            };
            (l.path.clone(), comments)
        })
        .collect()
}

/// protoc's comment text (`" coupon to redeem\n"`) → `coupon to redeem`; `None` when blank.
fn clean_comment(raw: &str) -> Option<String> {
    let lines: Vec<&str> = raw
        .lines()
        .map(|line| line.trim_end())
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect();
    let first = lines.iter().position(|l| !l.is_empty())?;
    let last = lines.iter().rposition(|l| !l.is_empty())?;
    Some(lines[first..=last].join("\n"))
}

fn go_import_path(descriptor: &FileDescriptorProto) -> Option<String> {
    let options = descriptor.options.as_ref()?;
    let option = options
        .uninterpreted_option
        .iter()
        .find(|o| option_name(o) == "go_package")?;
    let value = String::from_utf8_lossy(option.string_value.as_deref()?).into_owned();
    let path = value.split(';').next().unwrap_or_default();
    Some(path.to_string())
}

/// `(google.api.http).post` → `google.api.http.post`.
fn option_name(option: &UninterpretedOption) -> String {
    let parts = option.name.iter();
    let parts = parts.map(|p| p.name_part.trim_start_matches('.'));
    parts.collect::<Vec<_>>().join(".")
}

/// The extensions of protoc-gen-validate and protovalidate.
const VALIDATION_OPTIONS: &[&str] = &["validate.rules", "buf.validate.field"];

fn validation_rules(descriptor: &FieldDescriptorProto) -> Vec<String> {
    let options = descriptor
        .options
        .iter()
        .flat_map(|o| &o.uninterpreted_option);
    options
        .filter(|o| is_validation_option(o))
        .map(option_text)
        .collect()
}

fn is_validation_option(option: &UninterpretedOption) -> bool {
    option.name.first().is_some_and(|part| {
        part.is_extension && VALIDATION_OPTIONS.contains(&part.name_part.trim_start_matches('.'))
    })
}

/// An option as it could be written back: `(validate.rules).uint64.gt = 0`.
fn option_text(option: &UninterpretedOption) -> String {
    let name = option.name.iter().map(|part| {
        if part.is_extension {
            format!("({})", part.name_part)
        } else {
            part.name_part.clone()
        }
    });
    let name = name.collect::<Vec<_>>().join(".");
    format!("{name} = {}", option_value_text(option))
}

fn option_value_text(option: &UninterpretedOption) -> String {
    if let Some(identifier) = &option.identifier_value {
        identifier.clone()
    } else if let Some(int) = option.positive_int_value {
        int.to_string()
    } else if let Some(int) = option.negative_int_value {
        int.to_string()
    } else if let Some(float) = option.double_value {
        float.to_string()
    } else if let Some(bytes) = &option.string_value {
        format!("{:?}", String::from_utf8_lossy(bytes))
    } else if let Some(aggregate) = &option.aggregate_value {
        // protox-parse joins the tokens with spaces: `min_len : 12 , max_len : 12`.
        let compact = aggregate.replace(" :", ":").replace(" ,", ",");
        format!("{{{compact}}}")
    } else {
        String::new()
    }
}

/// `XxxEntry` → (key type, value type), for the synthetic messages protobuf makes of `map<K, V>` fields.
fn map_entries(descriptor: &DescriptorProto) -> HashMap<&str, (String, String)> {
    let entries = descriptor.nested_type.iter().filter(|n| is_map_entry(n));
    entries
        .filter_map(|entry| {
            let key = entry.field.iter().find(|f| f.number() == 1)?;
            let value = entry.field.iter().find(|f| f.number() == 2)?;
            Some((entry.name(), (field_type(key), field_type(value))))
        })
        .collect()
}

fn is_map_entry(descriptor: &DescriptorProto) -> bool {
    descriptor
        .options
        .as_ref()
        .is_some_and(|o| o.map_entry == Some(true))
}

fn field_type(descriptor: &FieldDescriptorProto) -> String {
    match (&descriptor.type_name, descriptor.r#type) {
        (Some(name), _) => name.clone(),
        (None, Some(_)) => scalar_keyword(descriptor.r#type()).to_string(),
        (None, None) => String::new(),
    }
}

fn scalar_keyword(ty: Type) -> &'static str {
    match ty {
        Type::Double => "double",
        Type::Float => "float",
        Type::Int64 => "int64",
        Type::Uint64 => "uint64",
        Type::Int32 => "int32",
        Type::Fixed64 => "fixed64",
        Type::Fixed32 => "fixed32",
        Type::Bool => "bool",
        Type::String => "string",
        Type::Group => "group",
        Type::Message => "message",
        Type::Bytes => "bytes",
        Type::Uint32 => "uint32",
        Type::Enum => "enum",
        Type::Sfixed32 => "sfixed32",
        Type::Sfixed64 => "sfixed64",
        Type::Sint32 => "sint32",
        Type::Sint64 => "sint64",
    }
}

fn is_scalar(type_name: &str) -> bool {
    const SCALARS: &[&str] = &[
        "double", "float", "int64", "uint64", "int32", "fixed64", "fixed32", "bool", "string",
        "bytes", "uint32", "sfixed32", "sfixed64", "sint32", "sint64",
    ];
    type_name.is_empty() || SCALARS.contains(&type_name)
}

fn nested_name(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

fn child(location: &[i32], tag: i32, i: usize) -> Vec<i32> {
    let mut path = location.to_vec();
    path.extend([tag, index(i)]);
    path
}

/// protox-parse rejects files over `i32::MAX` bytes, so declaration counts fit.
fn index(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

/// The Go identifier protoc-gen-go gives a message or enum (its `GoCamelCase` of the name relative to the
/// package): `Outer.Inner` → `Outer_Inner`, `foo_bar` → `FooBar`.
pub fn go_camel_case(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next_is_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
        match c {
            b'.' if next_is_lower => {}
            b'.' => out.push('_'),
            b'_' if i == 0 || bytes[i - 1] == b'.' => out.push('X'),
            b'_' if next_is_lower => {}
            c if c.is_ascii_digit() => out.push(char::from(c)),
            c => {
                out.push(char::from(c.to_ascii_uppercase()));
                while bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase) {
                    i += 1;
                    out.push(char::from(bytes[i]));
                }
            }
        }
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// The google.api.http rule
// ---------------------------------------------------------------------------------------------------

/// protox-parse keeps custom options uninterpreted (it does not read `google/api/annotations.proto`), so
/// the rule is read from their text: the aggregate form `option (google.api.http) = { post: "/x" body: "*" };`
/// and the dotted form `option (google.api.http).post = "/x";`.
fn http_rule(options: &[UninterpretedOption]) -> Option<String> {
    let mut fields = Vec::new();
    for option in options {
        let name = option_name(option);
        if name == HTTP_OPTION {
            if let Some(aggregate) = &option.aggregate_value {
                fields.extend(parse_text_format(aggregate));
            }
        } else if let Some(field) = name
            .strip_prefix(HTTP_OPTION)
            .and_then(|n| n.strip_prefix('.'))
        {
            if let Some(value) = &option.string_value {
                let value = String::from_utf8_lossy(value).into_owned();
                fields.push((field.to_string(), TextValue::Scalar(value)));
            }
        }
    }
    render_http_rule(&fields)
}

/// `POST /api/v1/coupon/redeem (body "*")`, with additional bindings after `; `.
fn render_http_rule(fields: &[(String, TextValue)]) -> Option<String> {
    let mut binding = None;
    let mut body = None;
    let mut additional = Vec::new();
    for (name, value) in fields {
        match (name.as_str(), value) {
            ("get" | "put" | "post" | "delete" | "patch", TextValue::Scalar(path)) => {
                binding.get_or_insert_with(|| format!("{} {path}", name.to_ascii_uppercase()));
            }
            ("custom", TextValue::Message(custom)) => {
                let kind = scalar_field(custom, "kind").unwrap_or("CUSTOM");
                let path = scalar_field(custom, "path").unwrap_or_default();
                binding.get_or_insert_with(|| format!("{kind} {path}"));
            }
            ("body", TextValue::Scalar(text)) => body = Some(text.as_str()),
            ("additional_bindings", TextValue::Message(inner)) => {
                additional.extend(render_http_rule(inner));
            }
            _ => {}
        }
    }
    let mut rule = binding?;
    if let Some(body) = body {
        let _ = write!(rule, " (body \"{body}\")");
    }
    for other in additional {
        let _ = write!(rule, "; {other}");
    }
    Some(rule)
}

fn scalar_field<'a>(fields: &'a [(String, TextValue)], name: &str) -> Option<&'a str> {
    fields.iter().find_map(|(n, v)| match v {
        TextValue::Scalar(s) if n == name => Some(s.as_str()),
        _ => None,
    })
}

#[derive(Debug, Clone, PartialEq)]
enum TextValue {
    Scalar(String),
    Message(Vec<(String, TextValue)>),
}

#[derive(Debug, Clone, PartialEq)]
enum TextToken {
    Word(String),
    Str(String),
    Punct(char),
}

/// The protobuf text format, as much of it as an option value needs: `name: value`, `name { … }`,
/// `name: [a, b]`; anything else is skipped rather than refused.
fn parse_text_format(text: &str) -> Vec<(String, TextValue)> {
    let tokens = text_tokens(text);
    let mut at = 0;
    parse_text_fields(&tokens, &mut at)
}

fn parse_text_fields(tokens: &[TextToken], at: &mut usize) -> Vec<(String, TextValue)> {
    let mut fields = Vec::new();
    while let Some(token) = tokens.get(*at) {
        *at += 1;
        let name = match token {
            TextToken::Punct('}' | '>') => break,
            TextToken::Word(word) => word.clone(),
            TextToken::Punct('[') => bracketed_name(tokens, at),
            _ => continue,
        };
        if tokens.get(*at) == Some(&TextToken::Punct(':')) {
            *at += 1;
        }
        for value in parse_text_values(tokens, at) {
            fields.push((name.clone(), value));
        }
    }
    fields
}

/// One value, or each value of a `[a, b]` list.
fn parse_text_values(tokens: &[TextToken], at: &mut usize) -> Vec<TextValue> {
    let Some(token) = tokens.get(*at) else {
        return Vec::new();
    };
    *at += 1;
    match token {
        TextToken::Punct('{' | '<') => vec![TextValue::Message(parse_text_fields(tokens, at))],
        TextToken::Punct('[') => {
            let mut values = Vec::new();
            while let Some(next) = tokens.get(*at) {
                match next {
                    TextToken::Punct(']') => {
                        *at += 1;
                        break;
                    }
                    TextToken::Punct(',') => *at += 1,
                    _ => values.extend(parse_text_values(tokens, at)),
                }
            }
            values
        }
        TextToken::Str(first) => {
            let mut joined = first.clone();
            while let Some(TextToken::Str(next)) = tokens.get(*at) {
                joined.push_str(next);
                *at += 1;
            }
            vec![TextValue::Scalar(joined)]
        }
        TextToken::Word(word) => vec![TextValue::Scalar(word.clone())],
        TextToken::Punct(_) => Vec::new(),
    }
}

/// `[ext.name]` → `ext.name` (the `[` already taken).
fn bracketed_name(tokens: &[TextToken], at: &mut usize) -> String {
    let mut name = String::new();
    while let Some(token) = tokens.get(*at) {
        *at += 1;
        match token {
            TextToken::Punct(']') => break,
            TextToken::Word(word) => name.push_str(word),
            TextToken::Punct(c) => name.push(*c),
            TextToken::Str(s) => name.push_str(s),
        }
    }
    name
}

fn text_tokens(text: &str) -> Vec<TextToken> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '{' | '}' | '<' | '>' | ':' | ',' | ';' | '[' | ']' => tokens.push(TextToken::Punct(c)),
            '"' | '\'' => tokens.push(TextToken::Str(quoted(&mut chars, c))),
            _ => {
                let mut end = start + c.len_utf8();
                while let Some(&(at, next)) = chars.peek() {
                    if next.is_whitespace() || "{}<>:,;[]\"'".contains(next) {
                        break;
                    }
                    end = at + next.len_utf8();
                    chars.next();
                }
                tokens.push(TextToken::Word(text[start..end].to_string()));
            }
        }
    }
    tokens
}

/// The rest of a quoted string, unescaped. protox-parse writes non-ASCII bytes as `\xNN`, so escapes are
/// decoded to bytes and the bytes to UTF-8.
fn quoted(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, quote: char) -> String {
    let mut bytes = Vec::new();
    while let Some((_, c)) = chars.next() {
        match c {
            c if c == quote => break,
            '\\' => unescape(chars, &mut bytes),
            c => {
                let mut buf = [0; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn unescape(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, bytes: &mut Vec<u8>) {
    let Some((_, c)) = chars.next() else {
        return;
    };
    let simple = match c {
        'n' => Some(b'\n'),
        't' => Some(b'\t'),
        'r' => Some(b'\r'),
        'a' => Some(0x07),
        'b' => Some(0x08),
        'f' => Some(0x0c),
        'v' => Some(0x0b),
        _ => None,
    };
    if let Some(byte) = simple {
        bytes.push(byte);
    } else if c == 'x' || c == 'X' {
        bytes.push(take_digits(chars, 16, 2, 0));
    } else if let Some(first) = c.to_digit(8) {
        bytes.push(take_digits(chars, 8, 2, first));
    } else {
        let mut buf = [0; 4];
        bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

/// Up to `max` more digits in `radix`, folded onto `value`; wraps like C for out-of-range octal.
fn take_digits(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    radix: u32,
    max: usize,
    mut value: u32,
) -> u8 {
    for _ in 0..max {
        match chars.peek().and_then(|&(_, c)| c.to_digit(radix)) {
            Some(digit) => {
                value = value * radix + digit;
                chars.next();
            }
            None => break,
        }
    }
    u8::try_from(value & 0xff).unwrap_or(u8::MAX)
}

// ---------------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------------

fn render_message(
    package: &Package,
    message: &Message,
    indent: &str,
    shown_name: &str,
    out: &mut String,
) {
    push_comment_lines(out, indent, message.comments.leading.as_deref());
    let _ = write!(out, "{indent}message {shown_name} {{");
    push_trailing(out, message.comments.trailing.as_deref());
    let inner = format!("{indent}  ");
    for name in &message.nested_enums {
        if let Some(an_enum) = package.enums.get(name) {
            render_enum(an_enum, &inner, last_segment(name), out);
        }
    }
    for name in &message.nested_messages {
        if let Some(nested) = package.messages.get(name) {
            render_message(package, nested, &inner, last_segment(name), out);
        }
    }
    render_fields(message, &inner, out);
    let _ = writeln!(out, "{indent}}}");
}

/// Fields as declared; the members of a `oneof` together in its block, where its first member stands.
fn render_fields(message: &Message, indent: &str, out: &mut String) {
    let mut oneofs_done = HashSet::new();
    for field in &message.fields {
        let Some(oneof) = field.oneof else {
            render_field(field, indent, out);
            continue;
        };
        if !oneofs_done.insert(oneof) {
            continue;
        }
        let name = message.oneofs.get(oneof).map_or("", |o| o.name.as_str());
        let comments = message.oneofs.get(oneof).map(|o| &o.comments);
        push_comment_lines(out, indent, comments.and_then(|c| c.leading.as_deref()));
        let _ = write!(out, "{indent}oneof {name} {{");
        push_trailing(out, comments.and_then(|c| c.trailing.as_deref()));
        let inner = format!("{indent}  ");
        let members = message.fields.iter().filter(|f| f.oneof == Some(oneof));
        members.for_each(|member| render_field(member, &inner, out));
        let _ = writeln!(out, "{indent}}}");
    }
}

fn render_field(field: &Field, indent: &str, out: &mut String) {
    push_comment_lines(out, indent, field.comments.leading.as_deref());
    let declared = match &field.label {
        Label::Singular => field.type_name.clone(),
        Label::Optional => format!("optional {}", field.type_name),
        Label::Required => format!("required {}", field.type_name),
        Label::Repeated => format!("repeated {}", field.type_name),
        Label::Map { key } => format!("map<{key}, {}>", field.type_name),
    };
    let _ = write!(out, "{indent}{declared} {} = {}", field.name, field.number);
    if !field.rules.is_empty() {
        let _ = write!(out, " [{}]", field.rules.join(", "));
    }
    out.push(';');
    push_trailing(out, field.comments.trailing.as_deref());
}

fn render_enum(an_enum: &Enum, indent: &str, shown_name: &str, out: &mut String) {
    push_comment_lines(out, indent, an_enum.comments.leading.as_deref());
    let _ = write!(out, "{indent}enum {shown_name} {{");
    push_trailing(out, an_enum.comments.trailing.as_deref());
    for value in &an_enum.values {
        push_comment_lines(
            out,
            &format!("{indent}  "),
            value.comments.leading.as_deref(),
        );
        let _ = write!(out, "{indent}  {} = {};", value.name, value.number);
        push_trailing(out, value.comments.trailing.as_deref());
    }
    let _ = writeln!(out, "{indent}}}");
}

fn push_comment_lines(out: &mut String, indent: &str, comment: Option<&str>) {
    for line in comment.into_iter().flat_map(str::lines) {
        if line.is_empty() {
            let _ = writeln!(out, "{indent}//");
        } else {
            let _ = writeln!(out, "{indent}// {line}");
        }
    }
}

/// ` // comment` then the line's end; a trailing comment of several lines is folded onto one.
fn push_trailing(out: &mut String, comment: Option<&str>) {
    if let Some(comment) = comment {
        let folded = comment.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        let _ = write!(out, " // {folded}");
    }
    out.push('\n');
}

fn last_segment(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/store")
    }

    fn example_index() -> ProtoIndex {
        let (index, warnings) = ProtoIndex::load(&example_root());
        assert!(warnings.is_empty(), "{warnings:?}");
        index
    }

    fn index_of(files: &[(&str, &str)]) -> ProtoIndex {
        let mut index = ProtoIndex::default();
        for (path, source) in files {
            if let Err(warning) = index.add_source(Path::new(path), source) {
                panic!("{warning}");
            }
        }
        index
    }

    fn write_files(root: &Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
    }

    fn names(types: &[RenderedType]) -> Vec<(&str, u8)> {
        types.iter().map(|t| (t.name.as_str(), t.depth)).collect()
    }

    #[test]
    fn indexes_the_example_services() {
        let index = example_index();
        let package = index
            .package("api.store.v1")
            .expect("the example's package");
        let services: Vec<(&str, usize)> = package
            .services
            .iter()
            .map(|s| (s.name.as_str(), s.rpcs.len()))
            .collect();
        assert_eq!(services, [("coupon", 8), ("order", 8)]);
        assert_eq!(
            package.services[0].comments.leading.as_deref(),
            Some("coupon 优惠券服务 coupon service")
        );
        assert_eq!(
            package.services[0].file,
            Path::new("api/store/v1/coupon.proto")
        );
    }

    #[test]
    fn every_example_rpc_is_found_with_its_comment_and_http_rule() {
        let index = example_index();
        let package = index
            .package("api.store.v1")
            .expect("the example's package");
        for service in &package.services {
            for rpc in &service.rpcs {
                let context = index.context_for(&[&rpc.request, &rpc.reply]);
                let [info] = context.rpcs.as_slice() else {
                    panic!("{}: {:?}", rpc.name, context.rpcs);
                };
                assert_eq!(
                    (info.service.as_str(), info.name.as_str()),
                    (service.name.as_str(), rpc.name.as_str())
                );
                assert!(
                    info.comment.starts_with(&rpc.name),
                    "{}: {:?}",
                    rpc.name,
                    info.comment
                );
                let http = info.http.as_deref().unwrap_or_default();
                assert!(http.contains(" /api/v1/"), "{}: {http:?}", rpc.name);
                assert_eq!(
                    names(&context.messages)[..2],
                    [(rpc.request.as_str(), 0), (rpc.reply.as_str(), 0)]
                );
            }
        }
        let rpc = |name: &str| {
            let context = index.context_for(&[name]);
            context.rpcs.into_iter().next().expect("an rpc")
        };
        let redeem = rpc("RedeemCouponRequest");
        assert_eq!(
            redeem.http.as_deref(),
            Some(r#"POST /api/v1/coupon/redeem (body "*")"#)
        );
        assert_eq!(redeem.file, Path::new("api/store/v1/coupon.proto"));
        assert!(
            redeem.comment.contains("\nand that orderAmount reaches"),
            "{}",
            redeem.comment
        );
        let delete = rpc("DeleteOrderByIDReply");
        assert_eq!(delete.http.as_deref(), Some("DELETE /api/v1/order/{id}"));
    }

    #[test]
    fn request_and_reply_fields_all_carry_their_comments() {
        let index = example_index();
        let package = index
            .package("api.store.v1")
            .expect("the example's package");
        for rpc in package.services.iter().flat_map(|s| &s.rpcs) {
            let context = index.context_for(&[&rpc.request]);
            for name in [&rpc.request, &rpc.reply] {
                let message = &package.messages[name];
                let rendered = context
                    .messages
                    .iter()
                    .find(|m| &m.name == name)
                    .expect("rendered");
                for field in &message.fields {
                    let comment = field.comments.trailing.as_deref().expect("a field comment");
                    let line = format!("{} = {}; // {comment}\n", field.name, field.number);
                    assert!(
                        rendered.text.contains(&line),
                        "{name}: {line:?} in\n{}",
                        rendered.text
                    );
                }
            }
        }
    }

    #[test]
    fn renders_the_redeem_coupon_context() {
        let index = example_index();
        let context = index.context_for(&["RedeemCouponRequest", "RedeemCouponReply"]);
        let expected = r#"// api/store/v1/coupon.proto
service coupon {
  // RedeemCoupon 优惠券核销: check the coupon belongs to the customer, is unused (ISSUED) and not expired,
  // and that orderAmount reaches the coupon's minSpend; then mark it USED with the order id and the use time
  // in one conditional update, so that it can never be redeemed twice. Reply with the discount (never more
  // than orderAmount) and the amount left to pay.
  rpc RedeemCoupon(RedeemCouponRequest) returns (RedeemCouponReply); // POST /api/v1/coupon/redeem (body "*")
}

message RedeemCouponRequest {
  uint64 couponID = 1; // 优惠券id coupon to redeem
  uint64 customerID = 2; // customer redeeming it, must be the holder
  uint64 orderID = 3; // 订单id order the coupon is applied to
  int64 orderAmount = 4; // order amount before discount, in cents
}

message RedeemCouponReply {
  int64 discountAmount = 1; // 抵扣金额 discount actually applied, in cents
  int64 payAmount = 2; // 应付金额 orderAmount minus the discount, in cents
  int64 usedAt = 3; // redemption time, unix seconds
}
"#;
        assert_eq!(context.render(), expected);
    }

    #[test]
    fn referenced_messages_and_enums_come_with_their_depth() {
        let index = example_index();
        let context = index.context_for(&["*storeV1.ListCustomerCouponsReply"]);
        assert_eq!(
            names(&context.messages),
            [
                ("ListCustomerCouponsReply", 0),
                ("ListCustomerCouponsRequest", 0),
                ("CouponDetail", 1)
            ]
        );
        assert_eq!(names(&context.enums), [("CouponStatus", 1)]);
        let status = &context.enums[0].text;
        assert!(status.starts_with(
            "// CouponStatus 优惠券状态 lifecycle of a coupon\nenum CouponStatus {\n"
        ));
        assert!(status.contains("  COUPON_STATUS_USED = 2; // 已核销 redeemed on an order\n"));
        let detail = &context.messages[2].text;
        assert!(detail.contains("  CouponStatus status = 8; // current status\n"));
        let reply = &context.messages[0].text;
        assert!(reply.contains(
            "  repeated CouponDetail coupons = 2; // coupons on this page, newest first\n"
        ));

        let mut budgeted = context.clone();
        budgeted.drop_deeper_than(0);
        assert_eq!(budgeted.messages.len(), 2);
        assert!(budgeted.enums.is_empty());
        assert_eq!(budgeted.rpcs, context.rpcs);
    }

    const CHAIN: &str = r#"syntax = "proto3";
package deep.v1;
option go_package = "deep/api/deep/v1;v1";
service chain { rpc Walk(A) returns (A); }
// A is asked about
message A { B b = 1; repeated A again = 2; }
message B { // B trails
  C c = 1;
}
message C { D d = 1; E e = 2; }
message D { string s = 1; }
enum E { E_UNSPECIFIED = 0; }
"#;

    #[test]
    fn references_stop_two_levels_deep() {
        let index = index_of(&[("api/deep/v1/deep.proto", CHAIN)]);
        let context = index.context_for(&["A"]);
        assert_eq!(names(&context.messages), [("A", 0), ("B", 1), ("C", 2)]);
        assert!(context.enums.is_empty(), "E is three levels deep");
        assert_eq!(context.rpcs.len(), 1);
        assert!(context.messages[0]
            .text
            .starts_with("// A is asked about\nmessage A {\n"));
        assert!(context.messages[1]
            .text
            .starts_with("message B { // B trails\n"));
    }

    #[test]
    fn nested_types_map_to_go_names_and_render_inside_their_message() {
        let source = r#"syntax = "proto3";
package shop.v1;
message Cart {
  // one line of the cart
  message Line {
    string sku = 1; // stock keeping unit
    Kind kind = 2;
    enum Kind { // why it is there
      KIND_UNSPECIFIED = 0;
      GIFT = 1;
    }
  }
  repeated Line lines = 1; // lines in order
  map<string, Line> bySku = 2; // the same lines by sku
  oneof owner {
    // a signed-in customer
    uint64 customerID = 3;
    string sessionID = 4; // an anonymous session
  }
  optional string note = 5; // free text
}
message Checkout { Cart.Line first = 1; }
"#;
        let index = index_of(&[("api/shop/v1/cart.proto", source)]);
        for go_name in ["Cart_Line", "Cart.Line", "*shopV1.Cart_Line"] {
            let context = index.context_for(&[go_name]);
            assert_eq!(names(&context.messages), [("Cart.Line", 0)], "{go_name}");
            assert!(context.enums.is_empty(), "the enum is inside Cart.Line");
            assert!(context.messages[0]
                .text
                .starts_with("// one line of the cart\nmessage Cart.Line {\n"));
        }
        let shadowed = index_of(&[
            ("a.proto", source),
            ("b.proto", "syntax = \"proto3\";\nmessage Line {}\n"),
        ]);
        let context = shadowed.context_for(&["Cart.Line"]);
        assert_eq!(names(&context.messages), [("Cart.Line", 0)]);

        let kind = index.context_for(&["Cart_Line_Kind"]);
        assert_eq!(names(&kind.enums), [("Cart.Line.Kind", 0)]);

        let checkout = index.context_for(&["Checkout"]);
        assert_eq!(
            names(&checkout.messages),
            [("Checkout", 0), ("Cart.Line", 1)]
        );
        assert!(checkout.messages[0]
            .text
            .contains("  Cart.Line first = 1;\n"));

        let cart = index.context_for(&["Cart"]);
        assert_eq!(
            names(&cart.messages),
            [("Cart", 0)],
            "Cart.Line is shown inside Cart"
        );
        let expected = r#"message Cart {
  // one line of the cart
  message Line {
    enum Kind { // why it is there
      KIND_UNSPECIFIED = 0;
      GIFT = 1;
    }
    string sku = 1; // stock keeping unit
    Kind kind = 2;
  }
  repeated Line lines = 1; // lines in order
  map<string, Line> bySku = 2; // the same lines by sku
  oneof owner {
    // a signed-in customer
    uint64 customerID = 3;
    string sessionID = 4; // an anonymous session
  }
  optional string note = 5; // free text
}
"#;
        assert_eq!(cart.messages[0].text, expected);
    }

    #[test]
    fn validation_rules_are_kept_and_other_field_options_are_not() {
        let source = r#"syntax = "proto3";
package v.v1;
message Req {
  uint64 id = 1 [(validate.rules).uint64.gt = 0, (tagger.tags) = "uri:\"id\""]; // coupon id
  string code = 2 [(validate.rules).string = {min_len: 12, max_len: 12}];
  string name = 3 [json_name = "n", deprecated = true];
}
"#;
        let index = index_of(&[("v.proto", source)]);
        let text = &index.context_for(&["Req"]).messages[0].text;
        let expected = r#"message Req {
  uint64 id = 1 [(validate.rules).uint64.gt = 0]; // coupon id
  string code = 2 [(validate.rules).string = {min_len: 12, max_len: 12}];
  string name = 3;
}
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn a_broken_proto_is_a_warning_and_the_others_are_indexed() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_files(
            dir.path(),
            &[
                ("api/deep/v1/deep.proto", CHAIN),
                (
                    "api/bad/v1/bad.proto",
                    "syntax = \"proto3\";\nmessage Broken {\n  string = 1;\n}\n",
                ),
            ],
        );
        let (index, warnings) = ProtoIndex::load(dir.path());
        let [warning] = warnings.as_slice() else {
            panic!("{warnings:?}");
        };
        assert_eq!(warning.path, dir.path().join("api/bad/v1/bad.proto"));
        assert!(
            warning
                .reason
                .starts_with("not valid protobuf: line 3, column "),
            "{}",
            warning.reason
        );
        assert_eq!(index.context_for(&["A"]).messages.len(), 3);
        assert!(index.context_for(&["Broken"]).is_empty());
    }

    #[test]
    fn a_type_no_proto_declares_gives_an_empty_context() {
        let index = example_index();
        for name in [
            "NoSuchRequest",
            "",
            "*storeV1.NoSuchReply",
            "model.Coupon",
            "context.Context",
        ] {
            assert!(index.context_for(&[name]).is_empty(), "{name}");
        }
        assert!(index.context_for(&[]).is_empty());
        assert!(ProtoIndex::default()
            .context_for(&["RedeemCouponRequest"])
            .is_empty());
    }

    #[test]
    fn skips_vendored_hidden_and_ignored_protos() {
        let dir = tempfile::tempdir().expect("tempdir");
        let message =
            |name: &str| format!("syntax = \"proto3\";\npackage p;\nmessage {name} {{}}\n");
        let files = [
            ("api/p/v1/kept.proto", message("Kept")),
            ("vendor/x/a.proto", message("Vendored")),
            ("third_party/google/api/http.proto", message("ThirdParty")),
            ("web/node_modules/b.proto", message("Npm")),
            (".cache/c.proto", message("Hidden")),
            ("gen/d.proto", message("Ignored")),
            (".gitignore", "gen/\n".to_string()),
        ];
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        write_files(dir.path(), &files);
        let (index, warnings) = ProtoIndex::load(dir.path());
        assert!(warnings.is_empty(), "{warnings:?}");
        let package = index.package("p").expect("package p");
        assert_eq!(package.messages.keys().collect::<Vec<_>>(), ["Kept"]);
    }

    #[test]
    fn reads_every_spelling_of_the_http_rule() {
        let source = r#"syntax = "proto3";
package h.v1;
service s {
  rpc Dotted(R) returns (R) { option (google.api.http).get = "/v1/dotted/{id}"; }
  rpc Custom(R) returns (R) { option (google.api.http) = { custom: { kind: "HEAD" path: "/v1/head" } }; }
  rpc Many(R) returns (R) {
    option (google.api.http) = {
      post: "/v1/many" body: "item"
      additional_bindings { put: "/v1/many/{id}" body: "*" }
    };
  }
  rpc Unicode(R) returns (R) { option (google.api.http) = { get: "/v1/优惠券" }; }
  rpc Plain(stream R) returns (stream R);
}
message R {}
"#;
        let index = index_of(&[("api/h/v1/h.proto", source)]);
        let rules: Vec<(String, Option<String>)> = index.package("h.v1").expect("package").services
            [0]
        .rpcs
        .iter()
        .map(|r| (r.name.clone(), r.http.clone()))
        .collect();
        let expected = [
            ("Dotted", Some("GET /v1/dotted/{id}")),
            ("Custom", Some("HEAD /v1/head")),
            (
                "Many",
                Some(r#"POST /v1/many (body "item"); PUT /v1/many/{id} (body "*")"#),
            ),
            ("Unicode", Some("GET /v1/优惠券")),
            ("Plain", None),
        ];
        let expected: Vec<(String, Option<String>)> = expected
            .iter()
            .map(|(n, h)| (n.to_string(), h.map(str::to_string)))
            .collect();
        assert_eq!(rules, expected);
        let context = index.context_for(&["R"]);
        assert_eq!(context.rpcs.len(), 5);
        assert!(context.rpcs[4]
            .render()
            .contains("  rpc Plain(stream R) returns (stream R);\n"));
    }

    #[test]
    fn go_package_tells_same_named_types_apart() {
        let file = |package: &str, comment: &str| {
            format!(
                "syntax = \"proto3\";\npackage {package}.v1;\noption go_package = \"shop/api/{package}/v1;v1\";\n// {comment}\nmessage ListRequest {{}}\n"
            )
        };
        let user = file("user", "users");
        let item = file("item", "items");
        let index = index_of(&[
            ("api/user/v1/u.proto", &user),
            ("api/item/v1/i.proto", &item),
        ]);
        assert_eq!(index.context_for(&["ListRequest"]).messages.len(), 2);
        let items = index.context_for_go_package("shop/api/item/v1", &["ListRequest"]);
        let [only] = items.messages.as_slice() else {
            panic!("{items:?}");
        };
        assert!(only.text.starts_with("// items\n"));
        assert!(index
            .context_for_go_package("shop/api/none/v1", &["ListRequest"])
            .is_empty());
    }

    #[test]
    fn a_second_declaration_of_a_type_is_a_warning() {
        let mut index = ProtoIndex::default();
        let source = "syntax = \"proto3\";\npackage p;\nmessage Same {}\n";
        assert!(index.add_source(Path::new("a.proto"), source).is_ok());
        let warning = index
            .add_source(Path::new("b.proto"), source)
            .expect_err("a duplicate");
        assert_eq!(warning.path, Path::new("b.proto"));
        assert!(
            warning.reason.contains("already declared in a.proto"),
            "{}",
            warning.reason
        );
    }

    #[test]
    fn go_names_follow_protoc_gen_go() {
        for (proto, go) in [
            ("RedeemCouponRequest", "RedeemCouponRequest"),
            ("Outer.Inner", "Outer_Inner"),
            ("Outer.inner", "OuterInner"),
            ("foo_bar", "FooBar"),
            ("_private", "XPrivate"),
            ("v2_Thing", "V2_Thing"),
        ] {
            assert_eq!(go_camel_case(proto), go, "{proto}");
        }
    }

    #[test]
    fn text_format_values() {
        let fields = parse_text_format(r#"a: "x" 'y' b { c: [1, 2] } [ext.d]: e"#);
        let expected = vec![
            ("a".to_string(), TextValue::Scalar("xy".into())),
            (
                "b".to_string(),
                TextValue::Message(vec![
                    ("c".to_string(), TextValue::Scalar("1".into())),
                    ("c".to_string(), TextValue::Scalar("2".into())),
                ]),
            ),
            ("ext.d".to_string(), TextValue::Scalar("e".into())),
        ];
        assert_eq!(fields, expected);
        assert_eq!(
            parse_text_format(r#"p: "\xe4\xbc\x98\"""#)[0].1,
            TextValue::Scalar("优\"".into())
        );
        assert!(parse_text_format("} : { [").is_empty());
    }
}
