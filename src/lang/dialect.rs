//! A language as data: what its files are called, how answers label and start its code, how it comments,
//! which generated files scanning skips, where the project root is and which templates it brings.
//! Kept as data (as editors keep a language's comment syntax and suffixes) so that the stages can ask
//! for a fact without a method per fact.

/// The facts about one language that need no code.
#[derive(Debug)]
pub struct Dialect {
    /// `go`: JSON's `lang`, template folders, `--format json`.
    pub name: &'static str,
    /// `Go`: what messages say.
    pub display_name: &'static str,
    /// What its file names end with (`.go`); the first is the one answers name files with.
    pub suffixes: &'static [&'static str],
    /// File names scanning skips (generated code, tests): `_test.go`, …; matched by [`Dialect::skips`].
    pub skipped_suffixes: &'static [&'static str],
    /// Generated-file infixes skipped: `.pb.` in `x.pb.go` and `x.pb.validate.go`.
    pub skipped_infixes: &'static [&'static str],
    /// Folders it never holds code to scan (besides the ones every language skips).
    pub skipped_dirs: &'static [&'static str],
    /// Build output folders, skipped where they sit beside one of `project_files` (`target`).
    pub output_dirs: &'static [&'static str],
    /// Files that mark a project root (`go.mod`), nearest first wins.
    pub project_files: &'static [&'static str],
    /// What starts a line comment (`//`, `#`): sidecar headers are written in it.
    pub line_comment: &'static str,
    /// Fence info strings that mean this language.
    pub fence_labels: &'static [&'static str],
    /// Lines that look like code in this language.
    pub code_starts: &'static [&'static str],
    /// Lines that start the code of an answer without fences.
    pub unfenced_starts: &'static [&'static str],
    /// Lines that declare a function: unfenced text that does not parse still counts as code with one.
    pub function_starts: &'static [&'static str],
    /// Literal texts whose presence in a file may mean a stub, before any `--marker`: the prefilter's
    /// needles.
    pub marker_needles: &'static [&'static str],
    /// The folder of its own templates under `prompts/<lang>/` (`""` for the top level).
    pub template_folder: &'static str,
    /// Its templates, embedded (`repair.j2` is shared by all languages).
    pub templates: &'static [Template],
    /// How reports show an import a merge adds (`Merged::imports_added`): the text around it
    /// (`import "` and `"` for Go's `strings`).
    pub import_shown: (&'static str, &'static str),
}

/// One embedded prompt template: `prompts/{lang}/{template_folder}{name}`.
#[derive(Debug)]
pub struct Template {
    /// `en`, `zh`.
    pub lang: &'static str,
    /// `system.j2`, `user.j2`.
    pub name: &'static str,
    pub text: &'static str,
}

impl Dialect {
    /// Whether scanning skips a file of this language called `name` (generated or test code).
    pub fn skips(&self, name: &str) -> bool {
        let Some(stem) = self.suffixes.iter().find_map(|s| name.strip_suffix(s)) else {
            return false;
        };
        self.skipped_suffixes.iter().any(|s| name.ends_with(s))
            || self
                .skipped_infixes
                .iter()
                .any(|infix| stem.ends_with(infix.trim_end_matches('.')) || stem.contains(infix))
    }

    /// The suffix answers name this language's files with.
    pub fn extension(&self) -> &'static str {
        self.suffixes.first().copied().unwrap_or("")
    }
}

/// Embeds `prompts/en/<folder><name>` and `prompts/zh/<folder><name>` for each name.
#[macro_export]
macro_rules! templates {
    ($folder:literal: $($name:literal),+) => {
        &[
            $(
                $crate::lang::Template {
                    lang: "en",
                    name: $name,
                    text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/prompts/en/", $folder, $name)),
                },
                $crate::lang::Template {
                    lang: "zh",
                    name: $name,
                    text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/prompts/zh/", $folder, $name)),
                },
            )+
        ]
    };
}
