//! The index of a module's `.proto` declarations, and the answer to [`ProtoIndex::context_for`].
//!
//! Owns: gathering the parsed files per proto package (a second declaration of a type is a warning),
//! finding a type from its Go name (`Outer_Inner`, `*pkg.Name`) or its proto one, resolving type names as
//! protoc does, and choosing what a signature's context holds: the rpcs that take or return its types and
//! the messages and enums they reach, breadth first up to [`MAX_DEPTH`].
//!
//! Leaves to others: finding and parsing the files (`parse.rs`, `descriptor.rs`) and the proto text
//! (`render.rs`).

use crate::lang::ProtoRef;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use super::descriptor::{is_scalar, ParsedFile};
use super::model::{Package, Rpc, Service};
use super::parse::{find_proto_files, read_proto_file};
use super::render::{render_enum, render_message};
use super::{ProtoContext, RenderedType, RpcInfo, MAX_DEPTH};
use crate::scan::Warning;

/// Every `.proto` file of a module, indexed per proto package.
#[derive(Debug, Default)]
pub struct ProtoIndex {
    packages: BTreeMap<String, Package>,
    /// Per file, the Go import path of its `option go_package` (the part before `;`).
    go_import_paths: BTreeMap<PathBuf, Option<String>>,
    by_full_name: HashMap<String, TypeKey>,
    by_go_name: BTreeMap<String, Vec<TypeKey>>,
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
    pub(super) fn add_source(&mut self, file: &Path, source: &str) -> Result<(), Warning> {
        let mut warnings = Vec::new();
        let parsed = super::parse::parse_proto(file, source).map_err(|reason| Warning {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
