//! Stubs that are a comment rather than a call: a body that holds only comments — one of them a
//! [`CommentForm`] such as goctl's `// todo: add your logic here and delete this line` — and at most a
//! `return` of zero values (`return`, `return nil`, `return &pb.X{}, nil`, `return nil, nil`). The same
//! comment above real code is not a stub; but an answer must not keep it either
//! ([`lingering_comments`]).

use tree_sitter::Node;

use super::{for_each_function, parse, text};
use crate::lang::{CommentForm, Markers};

/// The form `body` (a function's block) is a stub of: what `scan`'s `marker` field says (the form's
/// name, or the comment as written for a `--marker` text), or `None` when the body does real work.
pub(super) fn comment_stub(body: Node, source: &str, markers: &Markers) -> Option<String> {
    let statements = top_level(body);
    let (returns, others): (Vec<Node>, Vec<Node>) = statements
        .iter()
        .filter(|node| node.kind() != "comment")
        .partition(|node| node.kind() == "return_statement");
    if !others.is_empty() || returns.len() > 1 || !returns.iter().all(|r| returns_zero(*r, source)) {
        return None;
    }
    statements
        .iter()
        .filter(|node| node.kind() == "comment")
        .find_map(|comment| {
            let written = text(*comment, source);
            markers.comment_form(written).map(|form| marker_of(form, written))
        })
}

/// The comment forms the functions of `code` still hold anywhere in their bodies, as
/// `(identity, comment as written)`: what an answer must have deleted.
pub fn lingering_comments(code: &str, markers: &Markers) -> Vec<(String, String)> {
    // Most answers hold no such text: they are not parsed once more (a hostile one may be megabytes).
    if markers.comment_form(code).is_none() {
        return Vec::new();
    }
    let Some(tree) = parse(code) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for_each_function(tree.root_node(), code, &mut |decl, _| {
        let Some(body) = decl.child_by_field_name("body") else {
            return;
        };
        let name = decl.child_by_field_name("name").map_or("", |n| text(n, code));
        let identity = super::outline::identity(decl, name, code);
        let mut pending = vec![body];
        let mut cursor = body.walk();
        while let Some(node) = pending.pop() {
            if node.kind() == "comment" {
                let written = text(node, code);
                if markers.comment_form(written).is_some() {
                    found.push((identity.clone(), written.trim().to_string()));
                }
            }
            pending.extend(node.named_children(&mut cursor).collect::<Vec<_>>());
        }
    });
    found
}

fn marker_of(form: &CommentForm, written: &str) -> String {
    match &form.name {
        Some(name) => name.to_string(),
        None => written.trim().to_string(),
    }
}

/// The body's statements and comments, whether the grammar wraps them in a `statement_list` or not.
fn top_level(body: Node) -> Vec<Node> {
    let mut cursor = body.walk();
    let mut nodes = Vec::new();
    for child in body.named_children(&mut cursor) {
        if child.kind() == "statement_list" {
            let mut inner = child.walk();
            nodes.extend(child.named_children(&mut inner));
        } else {
            nodes.push(child);
        }
    }
    nodes
}

/// `return`, or a return whose every value is a zero value.
fn returns_zero(statement: Node, source: &str) -> bool {
    let mut cursor = statement.walk();
    let values: Vec<Node> = statement
        .named_children(&mut cursor)
        .flat_map(|child| {
            if child.kind() == "expression_list" {
                let mut inner = child.walk();
                child.named_children(&mut inner).collect::<Vec<_>>()
            } else {
                vec![child]
            }
        })
        .collect();
    values.iter().all(|value| is_zero_value(*value, source))
}

/// `nil`, `false`, `0`, `""`, `T{}`, `&T{}` (qualified or not), `(…)` around one of these.
fn is_zero_value(value: Node, source: &str) -> bool {
    match value.kind() {
        "nil" | "false" => true,
        "int_literal" | "float_literal" => text(value, source).trim_start_matches(['0', '.']).is_empty(),
        "interpreted_string_literal" => text(value, source) == "\"\"",
        "raw_string_literal" => text(value, source) == "``",
        "composite_literal" => value
            .child_by_field_name("body")
            .is_some_and(|body| body.named_child_count() == 0),
        "unary_expression" => {
            let operator = value.child_by_field_name("operator").map(|o| text(o, source));
            operator == Some("&")
                && value
                    .child_by_field_name("operand")
                    .is_some_and(|operand| operand.kind() == "composite_literal" && is_zero_value(operand, source))
        }
        "parenthesized_expression" => value
            .named_child(0)
            .is_some_and(|inner| is_zero_value(inner, source)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::Markers;

    fn found(source: &str, markers: &Markers) -> Vec<(String, String)> {
        super::super::stubs::find_stubs(source, markers)
            .into_iter()
            .map(|s| (s.identity, s.marker))
            .collect()
    }

    const TODO: &str = "// todo: add your logic here and delete this line";

    #[test]
    fn goctl_api_and_rpc_logic_are_stubs() {
        let source = format!(
            "package logic\n\nfunc (l *GetUserLogic) GetUser(req *types.GetUserReq) (resp *types.GetUserResp, err error) {{\n\t{TODO}\n\n\treturn\n}}\n\n// Login logs in.\nfunc (l *LoginLogic) Login(in *pb.LoginReq) (*pb.LoginResp, error) {{\n\t{TODO}\n\n\treturn &pb.LoginResp{{}}, nil\n}}\n\nfunc (l *PingLogic) Ping(req *types.PingReq) error {{\n\t{TODO}\n\n\treturn nil\n}}\n\nfunc (l *OldLogic) Old(req types.OldReq) (*types.OldResp, error) {{\n\t{TODO}\n\n\treturn nil, nil\n}}\n"
        );
        let markers = Markers::default();
        assert_eq!(
            found(&source, &markers),
            [
                ("GetUserLogic.GetUser".to_string(), "goctl".to_string()),
                ("LoginLogic.Login".to_string(), "goctl".to_string()),
                ("PingLogic.Ping".to_string(), "goctl".to_string()),
                ("OldLogic.Old".to_string(), "goctl".to_string()),
            ]
        );
    }

    #[test]
    fn the_comment_above_real_code_or_a_real_return_is_not_a_stub() {
        let source = format!(
            "package logic\n\nfunc (l *A) A() (*pb.R, error) {{\n\t{TODO}\n\tu, err := l.svcCtx.UserModel.FindOne(l.ctx, 1)\n\treturn &pb.R{{Name: u.Name}}, err\n}}\n\nfunc (l *B) B() (*pb.R, error) {{\n\t{TODO}\n\treturn &pb.R{{Id: 1}}, nil\n}}\n\nfunc (l *C) C() error {{\n\t{TODO}\n\treturn errors.New(\"x\")\n}}\n\nfunc (l *D) D() error {{\n\t// todo: something else\n\treturn nil\n}}\n"
        );
        assert!(found(&source, &Markers::default()).is_empty());
        assert_eq!(
            super::lingering_comments(&source, &Markers::default())
                .into_iter()
                .map(|(identity, _)| identity)
                .collect::<Vec<_>>(),
            ["A.A", "B.B", "C.C"]
        );
    }

    #[test]
    fn a_marker_text_is_also_a_comment_form_named_by_its_comment() {
        let source = "package p\n\nfunc F() (int, string, bool) {\n\t// TODO(ai): sum the cart\n\treturn 0, \"\", false\n}\n";
        assert!(found(source, &Markers::default()).is_empty());
        let markers = Markers::new(vec!["TODO(ai)".into()]);
        assert_eq!(
            found(source, &markers),
            [("F".to_string(), "// TODO(ai): sum the cart".to_string())]
        );
    }

    #[test]
    fn an_answer_that_keeps_the_comment_goes_back() {
        use crate::lang::{Expected, Lang, Problem, TargetFile};
        let source = format!(
            "package logic\n\ntype GetUserLogic struct{{}}\n\nfunc (l *GetUserLogic) GetUser(in *pb.GetUserReq) (*pb.GetUserResp, error) {{\n\t{TODO}\n\n\treturn &pb.GetUserResp{{}}, nil\n}}\n"
        );
        let go = Lang::named("go").expect("go is registered");
        let expected = Expected {
            target: TargetFile {
                name: "internal/logic/getuserlogic.go".into(),
                path: "svc/internal/logic/getuserlogic.go".into(),
                stubs: go.stubs_in(&source, &Markers::default()),
                source: source.clone(),
            },
            dependent: None,
            markers: Markers::default(),
        };
        let answer = |body: &str| {
            format!("```go\n// file: internal/logic/getuserlogic.go\npackage logic\n\nfunc (l *GetUserLogic) GetUser(in *pb.GetUserReq) (*pb.GetUserResp, error) {{\n{body}\n}}\n```\n")
        };
        let kept = answer(&format!("\t{TODO}\n\treturn &pb.GetUserResp{{Name: in.Name}}, nil"));
        let problems = crate::check::check(&kept, &expected).expect_err("the comment is still there");
        assert!(
            matches!(problems.items(), [Problem::GeneratorComment { identity, .. }] if identity == "GetUserLogic.GetUser"),
            "{problems}"
        );
        let unchanged = answer(&format!("\t{TODO}\n\treturn &pb.GetUserResp{{}}, nil"));
        let problems = crate::check::check(&unchanged, &expected).expect_err("still a stub");
        assert_eq!(problems.items().len(), 1, "{problems}");
        assert!(problems.to_string().contains("todo: add your logic here"), "{problems}");
        let done = answer("\treturn &pb.GetUserResp{Name: in.Name}, nil");
        assert!(crate::check::check(&done, &expected).is_ok());
    }

    #[test]
    fn a_large_file_finds_them_by_windows_as_the_whole_file_does() {
        let mut source = String::from("package logic\n\n");
        let mut i = 0;
        while source.len() < super::super::windows::LARGE_FILE + 4096 {
            source.push_str(&format!(
                "// F{i} does real work.\nfunc (l *L) F{i}() error {{\n\tl.Infof(\"{i}\")\n\treturn nil\n}}\n\n"
            ));
            if i % 300 == 7 {
                source.push_str(&format!(
                    "func (l *L) S{i}() (*pb.R, error) {{\n\t{TODO}\n\n\treturn &pb.R{{}}, nil\n}}\n\n"
                ));
            }
            i += 1;
        }
        let markers = Markers::default();
        let windowed = super::super::windows::stubs_by_windows(&source, &markers).expect("clean windows");
        assert!(windowed.len() > 1);
        assert!(windowed.iter().all(|s| s.marker == "goctl"));
        assert_eq!(windowed, super::super::stubs::whole_file_stubs(&source, &markers));
    }
}
