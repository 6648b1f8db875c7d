//! Go imports as the language means them: an import binds a name to a path, so it is identified by
//! both. `str "strings"` in a file does not make an answer's `"strings"` (which its code calls as
//! `strings.…`) a duplicate: both stay. Two paths under one name (`s "sort"` in the file, `s "strings"`
//! in the answer, or `"math/rand"` and `"crypto/rand"`) cannot both be imported: that is refused, for
//! the model to choose another name. `import "C"` (cgo) is left alone: the comment right above it is
//! the C preamble, so nothing is ever grouped with it.

use super::decls::{GoFile, Import, ImportDecl};
use crate::lang::MergeError;

/// cgo's pseudo-package.
const CGO: &str = "C";

/// The addition's imports the source lacks (by name and path), in the addition's order; or the first
/// one whose name the source (or an earlier import of the addition) gives to another path.
pub(super) fn missing<'a>(src: &GoFile, add: &'a GoFile) -> Result<Vec<&'a Import>, MergeError> {
    let mut missing: Vec<&Import> = Vec::new();
    for spec in add.import_specs() {
        let known = src
            .import_specs()
            .chain(missing.iter().copied())
            .any(|s| s.path == spec.path && binding(s) == binding(spec));
        if known {
            continue;
        }
        let name = binding(spec);
        if let Some(clash) = src
            .import_specs()
            .chain(missing.iter().copied())
            .find(|s| s.path != spec.path && name.is_some() && binding(s) == name)
        {
            return Err(MergeError::ImportName {
                name: name.unwrap_or_default(),
                path: spec.path.clone(),
                other: clash.path.clone(),
            });
        }
        missing.push(spec);
    }
    Ok(missing)
}

/// Whether new imports may go into `decl`: not into `import "C"`, whose comment is cgo's preamble.
pub(super) fn may_hold_more(decl: &ImportDecl) -> bool {
    !decl.specs.iter().any(|s| s.path == CGO)
}

/// The name an import binds in the file: its alias, else the package name its path suggests (the last
/// element, a major-version element `v2` or suffix `.v3` skipped). `None` for `_` and `.`, which bind
/// no name of their own.
fn binding(spec: &Import) -> Option<String> {
    match spec.alias.as_deref() {
        Some("_" | ".") => None,
        Some(alias) => Some(alias.to_string()),
        None => Some(default_name(&spec.path)),
    }
}

fn default_name(path: &str) -> String {
    let mut elements = path.rsplit('/');
    let last = elements.next().unwrap_or(path);
    let is_major = |e: &str| {
        e.strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let last = match elements.next() {
        Some(before) if is_major(last) => before,
        _ => last,
    };
    match last.rsplit_once('.') {
        Some((name, version)) if is_major(version) => name.to_string(),
        _ => last.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::go::decls;

    fn missing_paths(src: &str, add: &str) -> Result<Vec<String>, String> {
        let (src, add) = (decls::list(src), decls::list(add));
        missing(&src, &add)
            .map(|specs| {
                specs
                    .iter()
                    .map(|s| match &s.alias {
                        Some(alias) => format!("{alias} {}", s.path),
                        None => s.path.clone(),
                    })
                    .collect()
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn an_import_is_its_name_and_its_path() {
        let src = "package p\n\nimport (\n\tstr \"strings\"\n\ts \"sort\"\n\t\"fmt\"\n)\n";
        assert_eq!(
            missing_paths(src, "package p\n\nimport (\n\t\"strings\"\n\t\"fmt\"\n\t_ \"embed\"\n)\n"),
            Ok(vec!["strings".to_string(), "_ embed".to_string()])
        );
        assert_eq!(
            missing_paths(src, "package p\n\nimport str \"strings\"\n"),
            Ok(vec![])
        );
        let clash = missing_paths(src, "package p\n\nimport s \"strings\"\n").unwrap_err();
        assert!(clash.contains("`s`") && clash.contains("\"sort\""), "{clash}");
        let clash = missing_paths(
            "package p\n\nimport \"math/rand\"\n",
            "package p\n\nimport \"crypto/rand\"\n",
        )
        .unwrap_err();
        assert!(clash.contains("`rand`"), "{clash}");
    }

    #[test]
    fn import_c_keeps_its_preamble_and_is_never_grouped() {
        use crate::lang::go::merge::merge;
        let cgo = "package p\n\n// #include <stdlib.h>\nimport \"C\"\n\nfunc Abs(n int) int { return int(C.abs(C.int(n))) }\n";
        let addition = "package p\n\nimport \"strings\"\n\nfunc Up(s string) string { return strings.ToUpper(s) }\n";
        let merged = merge(cgo, addition).unwrap().text;
        assert!(
            merged.starts_with("package p\n\n// #include <stdlib.h>\nimport \"C\"\n\nimport (\n\t\"strings\"\n)\n"),
            "{merged}"
        );
        let with_block = cgo.replace("import \"C\"\n", "import \"C\"\n\nimport (\n\t\"fmt\"\n)\n");
        let merged = merge(&with_block, addition).unwrap().text;
        assert!(
            merged.contains("// #include <stdlib.h>\nimport \"C\"\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n"),
            "{merged}"
        );
        let fmt_first = with_block.replace(
            "// #include <stdlib.h>\nimport \"C\"\n\nimport (\n\t\"fmt\"\n)\n",
            "import \"fmt\"\n\n// #include <stdlib.h>\nimport \"C\"\n",
        );
        let merged = merge(&fmt_first, addition).unwrap().text;
        assert!(
            merged.contains("import (\n\t\"fmt\"\n\t\"strings\"\n)\n\n// #include <stdlib.h>\nimport \"C\"\n"),
            "{merged}"
        );
    }

    #[test]
    fn default_names_skip_major_versions() {
        assert_eq!(default_name("github.com/x/y/v2"), "y");
        assert_eq!(default_name("gopkg.in/yaml.v3"), "yaml");
        assert_eq!(default_name("strings"), "strings");
        assert_eq!(default_name("example.com/v2x"), "v2x");
    }
}
