//! A Go file as the model should see it: every declaration, but only the bodies that matter.
//!
//! Types, consts, vars, imports and constructors (`New…`) are kept whole: they say what the code works
//! with. The job's stubs are kept whole, doc comment and sponge's hint code included. Every other
//! function keeps its doc comment and signature, its body elided to `{ … }` — or is left out entirely when
//! the token budget asks for it.

use tree_sitter::Node;

use super::{for_each_function, parse, text};
pub use crate::lang::OtherFunctions;

/// Renders the outline of `source`, keeping whole the functions whose identity (`Recv.Name` or `Name`)
/// is in `keep_whole`.
pub fn outline(source: &str, keep_whole: &[String], others: OtherFunctions) -> String {
    let Some(tree) = parse(source) else {
        return source.to_string();
    };
    // (range to replace, replacement), in source order.
    let mut edits: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
    for_each_function(tree.root_node(), source, &mut |decl, doc_start| {
        let name = decl
            .child_by_field_name("name")
            .map_or("", |n| text(n, source));
        let identity = identity(decl, name, source);
        if name.starts_with("New") || keep_whole.contains(&identity) {
            return;
        }
        match (others, decl.child_by_field_name("body")) {
            (OtherFunctions::Signatures, Some(body)) => edits.push((body.byte_range(), "{ … }")),
            (OtherFunctions::Signatures, None) => {}
            (OtherFunctions::Omitted, _) => {
                let start = doc_start.unwrap_or(decl.start_byte());
                edits.push((start..end_of_line(source, decl.end_byte()), ""));
            }
        }
    });
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for (range, replacement) in edits {
        out.push_str(&source[at..range.start]);
        out.push_str(replacement);
        at = range.end;
    }
    out.push_str(&source[at..]);
    crate::lang::text::collapse_blank_runs(&out)
}

/// `Recv.Name` for methods, `Name` for functions — the identity used across the pipeline.
pub fn identity(decl: Node, name: &str, source: &str) -> String {
    let receiver = decl
        .child_by_field_name("receiver")
        .and_then(|list| super::stubs::receiver_type_name(list, source));
    match receiver {
        Some(receiver) => format!("{receiver}.{name}"),
        None => name.to_string(),
    }
}

/// Method names declared in interface types named `interface_name` (e.g. the dao's `CouponDao`).
pub fn interface_methods(source: &str, interface_name: &str) -> Vec<String> {
    let Some(tree) = parse(source) else {
        return Vec::new();
    };
    let mut methods = Vec::new();
    let mut pending = vec![tree.root_node()];
    while let Some(node) = pending.pop() {
        if node.kind() == "type_spec"
            && node
                .child_by_field_name("name")
                .is_some_and(|n| text(n, source) == interface_name)
        {
            if let Some(interface) = node.child_by_field_name("type") {
                let mut cursor = interface.walk();
                for element in interface.named_children(&mut cursor) {
                    if let Some(name) = element.child_by_field_name("name") {
                        methods.push(text(name, source).to_string());
                    }
                }
            }
            continue;
        }
        let mut cursor = node.walk();
        pending.extend(node.named_children(&mut cursor));
    }
    methods
}

fn end_of_line(source: &str, at: usize) -> usize {
    source[at..].find('\n').map_or(source.len(), |i| at + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "package handler\n\nimport \"context\"\n\ntype h struct{ d Dao }\n\n// NewH builds h.\nfunc NewH() *h {\n\treturn &h{}\n}\n\n// Get gets.\nfunc (x *h) Get(ctx context.Context) error {\n\treturn x.d.Get(ctx)\n}\n\n// Stub does.\nfunc (x *h) Stub() error {\n\tpanic(\"implement me\")\n}\n";

    #[test]
    fn elides_other_bodies_keeps_constructors_and_stubs() {
        let out = outline(SOURCE, &["h.Stub".to_string()], OtherFunctions::Signatures);
        assert!(out.contains("func NewH() *h {\n\treturn &h{}\n}"));
        assert!(out.contains("// Get gets.\nfunc (x *h) Get(ctx context.Context) error { … }"));
        assert!(out.contains("func (x *h) Stub() error {\n\tpanic(\"implement me\")\n}"));
    }

    #[test]
    fn omits_other_functions_when_asked() {
        let out = outline(SOURCE, &["h.Stub".to_string()], OtherFunctions::Omitted);
        assert!(!out.contains("Get"), "{out}");
        assert!(!out.contains("\n\n\n"), "{out}");
        assert!(out.contains("Stub"));
    }

    #[test]
    fn lists_interface_methods() {
        let source = "package dao\n\ntype CouponDao interface {\n\tCreate(ctx context.Context) error\n\tGetByID(id uint64) (*M, error)\n}\n";
        assert_eq!(
            interface_methods(source, "CouponDao"),
            ["Create", "GetByID"]
        );
        assert!(interface_methods(source, "Other").is_empty());
    }
}
