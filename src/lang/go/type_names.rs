//! The type names a piece of Go code mentions, as a scaffold asks for them: the fields of a
//! `ServiceContext` (`model.UserModel`, `usercenter.Usercenter`) or of a generated request struct
//! (`[]Item`, `*Address`).

use super::{parse, text};

/// The type names `code` (declarations, with or without a package clause) mentions, besides the ones
/// it declares, in order of first mention and without repeats: `(Some("model"), "UserModel")` for
/// `model.UserModel`, `(None, "Item")` for `[]Item`. Built-in types come as unqualified names.
pub fn type_names(code: &str) -> Vec<(Option<String>, String)> {
    let source = if code.trim_start().starts_with("package ") {
        code.to_string()
    } else {
        format!("package p\n\n{code}")
    };
    let Some(tree) = parse(&source) else {
        return Vec::new();
    };
    let mut found: Vec<(Option<String>, String)> = Vec::new();
    let mut pending = vec![tree.root_node()];
    while let Some(node) = pending.pop() {
        let named = match node.kind() {
            "qualified_type" => node
                .child_by_field_name("package")
                .zip(node.child_by_field_name("name"))
                .map(|(package, name)| {
                    (Some(text(package, &source).to_string()), text(name, &source).to_string())
                }),
            "type_identifier" => {
                let parent = node.parent();
                let declared = parent.is_some_and(|p| {
                    matches!(p.kind(), "type_spec" | "type_alias")
                        && p.child_by_field_name("name").is_some_and(|n| n.id() == node.id())
                });
                let qualified = parent.is_some_and(|p| p.kind() == "qualified_type");
                (!declared && !qualified).then(|| (None, text(node, &source).to_string()))
            }
            _ => None,
        };
        if let Some(named) = named {
            if !found.contains(&named) {
                found.push(named);
            }
            continue;
        }
        // Depth first, in source order: children are pushed reversed.
        let mut cursor = node.walk();
        let children: Vec<_> = node.named_children(&mut cursor).collect();
        pending.extend(children.into_iter().rev());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(code: &str) -> Vec<String> {
        type_names(code)
            .into_iter()
            .map(|(package, name)| match package {
                Some(package) => format!("{package}.{name}"),
                None => name,
            })
            .collect()
    }

    #[test]
    fn fields_of_a_service_context_and_of_a_request() {
        let svc = "type ServiceContext struct {\n\tConfig config.Config\n\tUserModel model.UserModel\n\tRedis *redis.Redis // cache\n\tUserModel2 model.UserModel\n}";
        assert_eq!(
            names(svc),
            ["config.Config", "model.UserModel", "redis.Redis"]
        );
        let request = "type GetOrderResp struct {\n\tOrder OrderDetail `json:\"order\"`\n\tTags []Tag\n\tBy map[string]*Buyer\n\tN int64\n}";
        assert_eq!(names(request), ["OrderDetail", "Tag", "string", "Buyer", "int64"]);
    }
}
