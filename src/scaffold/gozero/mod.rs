//! go-zero: projects `goctl` wrote (`goctl api go` from a `.api` file, `goctl rpc protoc` from a
//! `.proto`), the stub goctl leaves in every logic method, and the context of one.

use std::borrow::Cow;
use std::path::Path;

use crate::lang::CommentForm;
use crate::scaffold::{Project, Scaffold, ScaffoldContext, SourceFile};

/// What go.mod requires in a go-zero project.
const MODULE: &str = "github.com/zeromicro/go-zero";

/// The comment goctl's logic templates (`api/gogen/logic.tpl`, `rpc/generator/genlogic.go`) put above
/// the zero-value return of every logic method.
static FORMS: &[CommentForm] = &[CommentForm {
    name: Some(Cow::Borrowed("goctl")),
    text: Cow::Borrowed("todo: add your logic here and delete this line"),
}];

/// The go-zero scaffold.
pub struct GoZero;

impl Scaffold for GoZero {
    fn key(&self) -> &'static str {
        "gozero"
    }

    fn display_name(&self) -> &'static str {
        "go-zero"
    }

    fn language(&self) -> &'static str {
        "go"
    }

    fn stub_forms(&self) -> &'static [CommentForm] {
        FORMS
    }

    fn recognises(&self, project: &Project, _file: &Path) -> bool {
        project.read("go.mod").is_some_and(|go_mod| go_mod.contains(MODULE))
    }

    fn context(&self, _project: &Project, _file: &SourceFile) -> Option<ScaffoldContext> {
        None
    }
}
