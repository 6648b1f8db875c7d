//! What a scaffold is given (the [`Project`], the [`SourceFile`]) and what it gives back: a
//! [`ScaffoldContext`] of named [`Part`]s for the templates, the file an answer may extend, and values
//! for the system prompt.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::context::budget::Droppable;
use crate::lang::{Lang, Stub};

/// A project on disk, as a scaffold sees it: a root folder (the language's project root) it may read.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
}

impl Project {
    pub fn at(root: &Path) -> Project {
        Project {
            root: root.to_path_buf(),
        }
    }

    /// The text of `relative` (with `/`) under the root, when it can be read as UTF-8.
    pub fn read(&self, relative: &str) -> Option<String> {
        std::fs::read_to_string(self.root.join(relative)).ok()
    }

    /// `root/internal/dao/x.go` → `internal/dao/x.go`: how prompts and answers name a project's files.
    pub fn name_of(&self, path: &Path) -> String {
        crate::lang::context::relative_name(&self.root, path)
    }
}

/// The file whose stubs a job implements.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    pub lang: Lang,
    /// Absolute.
    pub path: &'a Path,
    pub source: &'a str,
    pub stubs: &'a [Stub],
}

/// What a scaffold found around a file.
#[derive(Debug, Clone)]
pub struct ScaffoldContext {
    /// The scaffold that found it: its key names the template variable and folder.
    pub scaffold: &'static dyn super::Scaffold,
    /// In the order the prompt's "included" list names them.
    pub parts: Vec<Part>,
    /// Values its system template sees (stable across a project's jobs, so prefix caches still hit).
    pub system: Map<String, Value>,
    /// The file an answer may extend with new declarations (sponge's dao file).
    pub extends: Option<ExtendedFile>,
    /// Whether the language's `.proto` lookups apply to the stubs (not when the scaffold's own API
    /// definition, such as go-zero's `.api`, describes them).
    pub proto: bool,
    /// Files it could not read or parse (an `.api` file with a syntax error): reported, not fatal.
    pub warnings: Vec<crate::scan::Warning>,
}

impl ScaffoldContext {
    /// An empty context of `scaffold`, to add parts to.
    pub fn of(scaffold: &'static dyn super::Scaffold) -> ScaffoldContext {
        ScaffoldContext {
            scaffold,
            parts: Vec::new(),
            system: Map::new(),
            extends: None,
            proto: true,
            warnings: Vec::new(),
        }
    }

    /// Adds a part that is always kept.
    pub fn keep(
        &mut self,
        key: &'static str,
        value: impl serde::Serialize,
        labels: &'static [&'static str],
    ) {
        self.parts.push(Part {
            key,
            value: to_value(value),
            reduced: None,
            drop_as: None,
            labels,
            reduced_labels: &[],
        });
    }

    /// Adds a part the budget may drop as `piece`.
    pub fn droppable(
        &mut self,
        key: &'static str,
        value: impl serde::Serialize,
        piece: Droppable,
        labels: &'static [&'static str],
    ) {
        self.parts.push(Part {
            key,
            value: to_value(value),
            reduced: None,
            drop_as: Some(piece),
            labels,
            reduced_labels: &[],
        });
    }

    /// Adds a part the budget reduces to `reduced` (rather than dropping it) as `piece`.
    pub fn reducible(
        &mut self,
        key: &'static str,
        (value, reduced): (impl serde::Serialize, impl serde::Serialize),
        piece: Droppable,
        (labels, reduced_labels): (&'static [&'static str], &'static [&'static str]),
    ) {
        self.parts.push(Part {
            key,
            value: to_value(value),
            reduced: Some(to_value(reduced)),
            drop_as: Some(piece),
            labels,
            reduced_labels,
        });
    }

    /// The template values with the parts the budget dropped (`dropped`) left out or reduced.
    pub fn values(&self, dropped: &[Droppable]) -> Map<String, Value> {
        self.kept(dropped)
            .map(|(part, value)| (part.key.to_string(), value.clone()))
            .collect()
    }

    /// What went in, for `--only-print-prompt`'s "included" list.
    pub fn labels(&self, dropped: &[Droppable]) -> Vec<&'static str> {
        self.kept(dropped)
            .flat_map(|(part, value)| {
                if std::ptr::eq(value, &part.value) {
                    part.labels
                } else {
                    part.reduced_labels
                }
            })
            .copied()
            .collect()
    }

    /// Whether dropping `piece` would change anything.
    pub fn holds(&self, piece: Droppable) -> bool {
        self.parts.iter().any(|part| part.drop_as == Some(piece))
    }

    fn kept<'s>(&'s self, dropped: &'s [Droppable]) -> impl Iterator<Item = (&'s Part, &'s Value)> {
        self.parts
            .iter()
            .filter_map(move |part| match part.drop_as {
                Some(piece) if dropped.contains(&piece) => part.reduced.as_ref().map(|r| (part, r)),
                _ => Some((part, &part.value)),
            })
    }
}

/// One named piece of a scaffold's context: `dao`, `model`, `route`, `service_context`, …
#[derive(Debug, Clone)]
pub struct Part {
    /// The name templates read it by, under the scaffold's key.
    pub key: &'static str,
    pub value: Value,
    /// What is left when the budget drops it (sponge's dao methods without the outline); `None`: the
    /// part goes entirely.
    pub reduced: Option<Value>,
    /// Which budget piece it is; `None`: never dropped.
    pub drop_as: Option<Droppable>,
    /// What `--only-print-prompt` lists for it whole, and reduced.
    pub labels: &'static [&'static str],
    pub reduced_labels: &'static [&'static str],
}

/// A file an answer may extend (sponge's dao file).
#[derive(Debug, Clone)]
pub struct ExtendedFile {
    /// Relative to the project root, with `/`: `internal/dao/coupon.go`.
    pub name: String,
    pub path: PathBuf,
    pub source: String,
}

fn to_value(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
