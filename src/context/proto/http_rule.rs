//! The `google.api.http` rule of an rpc, as one line: `POST /api/v1/coupon/redeem (body "*")`.
//!
//! Owns reading the rule from the rpc's uninterpreted options; leaves the text format of an aggregate
//! value to `text_format.rs`.

use std::fmt::Write as _;

use prost_types::UninterpretedOption;

use super::descriptor::option_name;
use super::text_format::{parse_text_format, TextValue};

/// The extension sponge (and grpc-gateway) use for the HTTP binding of an rpc.
const HTTP_OPTION: &str = "google.api.http";

/// protox-parse keeps custom options uninterpreted (it does not read `google/api/annotations.proto`), so
/// the rule is read from their text: the aggregate form `option (google.api.http) = { post: "/x" body: "*" };`
/// and the dotted form `option (google.api.http).post = "/x";`.
pub(super) fn http_rule(options: &[UninterpretedOption]) -> Option<String> {
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
