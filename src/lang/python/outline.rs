//! A Python file as the model should see it: every statement, but only the bodies that matter.
//!
//! Imports, constants, class headers and class attributes are kept as written: they say what the code
//! works with. Constructors (`__init__`) are kept whole, since they show the attributes an instance
//! has. Every other function — the job's stubs included, which the prompt lists in full — keeps its
//! decorators, header and the first line of its docstring, its body elided to `...`; or, when the token
//! budget asks for it, is left out entirely.

use super::defs::{self, Def, Kind};
use crate::lang::edit::{apply, Edit};
use crate::lang::text::{collapse_blank_runs, line_start, next_line_start};
use crate::lang::OtherFunctions;

/// Renders the outline of `source`.
pub fn outline(source: &str, others: OtherFunctions) -> String {
    let file = defs::list(source);
    let edits: Vec<Edit> = file
        .defs
        .iter()
        .filter(|def| def.kind == Kind::Function && def.name != "__init__")
        .map(|def| match others {
            OtherFunctions::Signatures => Edit {
                range: def.body.clone(),
                text: elided_body(def, source),
            },
            OtherFunctions::Omitted => Edit {
                range: line_start(source, def.span.start)..next_line_start(source, def.span.end),
                text: String::new(),
            },
        })
        .collect();
    let out = apply(source, edits);
    match others {
        OtherFunctions::Signatures => out,
        OtherFunctions::Omitted => collapse_blank_runs(&out),
    }
}

/// `...`, after the docstring's first line when there is a docstring.
fn elided_body(def: &Def, source: &str) -> String {
    let Some(literal) = def.docstring.clone() else {
        return "...".into();
    };
    let written = &source[literal.clone()];
    let indent = &source[line_start(source, def.body.start)..def.body.start];
    let summary = if written.contains('\n') {
        let quote = if written.contains("'''") && !written.contains("\"\"\"") {
            "'''"
        } else {
            "\"\"\""
        };
        let text = defs::docstring_text(written);
        format!("{quote}{}{quote}", text.lines().next().unwrap_or(""))
    } else {
        written.to_string()
    };
    if indent.trim().is_empty() && !indent.is_empty() {
        format!("{summary}\n{indent}...")
    } else {
        format!("{summary}; ...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "import x\n\n\nclass S(Base):\n    \"\"\"A service.\"\"\"\n\n    limit = 3\n\n    def __init__(self, a):\n        self.a = a\n\n    @property\n    def name(self) -> str:\n        \"\"\"The name.\n\n        More.\n        \"\"\"\n        return self.a.name\n\n    def stub(self):\n        raise NotImplementedError\n\n\ndef helper(y):\n    return y + 1\n";

    #[test]
    fn elides_bodies_keeps_constructors_and_docstring_summaries() {
        let out = outline(SOURCE, OtherFunctions::Signatures);
        assert_eq!(
            out,
            "import x\n\n\nclass S(Base):\n    \"\"\"A service.\"\"\"\n\n    limit = 3\n\n    def __init__(self, a):\n        self.a = a\n\n    @property\n    def name(self) -> str:\n        \"\"\"The name.\"\"\"\n        ...\n\n    def stub(self):\n        ...\n\n\ndef helper(y):\n    ...\n"
        );
        assert!(super::super::syntax_error(&out).is_none());
    }

    #[test]
    fn omits_other_functions_when_asked() {
        let out = outline(SOURCE, OtherFunctions::Omitted);
        assert_eq!(
            out,
            "import x\n\nclass S(Base):\n    \"\"\"A service.\"\"\"\n\n    limit = 3\n\n    def __init__(self, a):\n        self.a = a\n\n"
        );
    }
}
