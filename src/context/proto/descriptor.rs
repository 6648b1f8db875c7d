//! From a parsed file's descriptor to the index's types.
//!
//! Owns: walking a `FileDescriptorProto` (nested messages and enums flattened beside the top-level ones),
//! the comments of every declaration (found by their `source_code_info` path), labels and map fields, the
//! options kept (`go_package`, validation rules, the `google.api.http` rule via `http_rule.rs`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use prost_types::field_descriptor_proto::{Label as DescriptorLabel, Type};
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
    MethodDescriptorProto, ServiceDescriptorProto, UninterpretedOption,
};

use super::http_rule::http_rule;
use super::model::{Comments, Enum, EnumValue, Field, Label, Message, Oneof, Rpc, Service};

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

/// One file's declarations, flattened: nested messages and enums sit beside the top-level ones.
pub(super) struct ParsedFile {
    pub(super) path: PathBuf,
    pub(super) package: String,
    pub(super) go_import_path: Option<String>,
    pub(super) services: Vec<Service>,
    pub(super) messages: Vec<Message>,
    pub(super) enums: Vec<Enum>,
}

impl ParsedFile {
    pub(super) fn from_descriptor(path: &Path, descriptor: FileDescriptorProto) -> ParsedFile {
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
pub(super) fn option_name(option: &UninterpretedOption) -> String {
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

pub(super) fn is_scalar(type_name: &str) -> bool {
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
