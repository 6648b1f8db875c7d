//! Proto text of the index's declarations, comments kept: rpcs (inside their service), messages (with
//! their nested declarations inside) and enums.
//!
//! Owns the text only; which declarations are rendered is `index.rs`'s choice.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::model::{Enum, Field, Label, Message, Package};
use super::RpcInfo;

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

pub(super) fn render_message(
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

pub(super) fn render_enum(an_enum: &Enum, indent: &str, shown_name: &str, out: &mut String) {
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
