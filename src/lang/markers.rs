//! Which calls mark a stub, and the byte prefilter that lets most files skip parsing.
//!
//! Each language's default markers are its own (its dialect's `marker_needles`, and the messages its
//! stub finder accepts); the scaffolds add the [`CommentForm`]s their generators write (goctl's
//! `// todo: add your logic here and delete this line` above a zero-value return); `--marker TEXT` adds
//! a marker whose message contains TEXT, and a comment form of TEXT, in every language.
//! Parsing decides whether a marker is *executed*; this module only answers "could this file hold one?"
//! (bytes), "is this message a marker?" and "is this comment a stub's?" (text).

use std::borrow::Cow;

use memchr::memmem;

use super::Lang;

/// A stub form that is a comment rather than a call: a body that holds only comments, one holding
/// `text`, and a return of zero values. A language's stub finder decides what "zero values" are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentForm {
    /// What `scan`'s `marker` field says for it (`goctl`); `None`: the comment as written (a
    /// `--marker` text's form).
    pub name: Option<Cow<'static, str>>,
    pub text: Cow<'static, str>,
}

/// The marker set of one run.
#[derive(Debug, Clone)]
pub struct Markers {
    extra: Vec<String>,
    /// The scaffolds' comment forms, then one per extra marker.
    comments: Vec<CommentForm>,
    /// Per registered language (by registry order): its needles and every extra marker. A file none of
    /// them occurs in cannot hold a stub, so it is never parsed.
    needles: Vec<(&'static str, Vec<memmem::Finder<'static>>)>,
}

impl Default for Markers {
    fn default() -> Self {
        Markers::new(Vec::new())
    }
}

impl Markers {
    /// The default markers plus `extra` (from `--marker`); empty extras are ignored.
    pub fn new(extra: Vec<String>) -> Markers {
        let extra: Vec<String> = extra.into_iter().filter(|m| !m.is_empty()).collect();
        let comments: Vec<CommentForm> = crate::scaffold::stub_forms()
            .cloned()
            .chain(extra.iter().map(|text| CommentForm {
                name: None,
                text: Cow::Owned(text.clone()),
            }))
            .collect();
        let needles = Lang::all()
            .map(|lang| {
                let finders = lang
                    .dialect()
                    .marker_needles
                    .iter()
                    .map(|needle| needle.as_bytes())
                    .chain(comments.iter().map(|form| form.text.as_bytes()))
                    .map(|needle| memmem::Finder::new(needle).into_owned())
                    .collect();
                (lang.name(), finders)
            })
            .collect();
        Markers {
            extra,
            comments,
            needles,
        }
    }

    /// Whether `bytes`, source in the language called `lang`, could hold a marker. False means:
    /// certainly no stub here.
    pub fn may_occur_in(&self, lang: &str, bytes: &[u8]) -> bool {
        self.needles
            .iter()
            .filter(|(name, _)| *name == lang)
            .flat_map(|(_, finders)| finders)
            .any(|needle| needle.find(bytes).is_some())
    }

    /// Where the needles of `lang` occur in `bytes`: the sorted start offsets of every match. A stub's
    /// marker message holds one of them, so a large file is searched only around these.
    pub fn occurrences(&self, lang: &str, bytes: &[u8]) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .needles
            .iter()
            .filter(|(name, _)| *name == lang)
            .flat_map(|(_, finders)| finders)
            .flat_map(|needle| needle.find_iter(bytes))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Whether a marker call with this (unquoted) message marks a stub: it starts with one of the
    /// language's `prefixes`, equals one of its `exact` messages, or holds an extra marker.
    pub fn marks_stub(&self, message: &str, prefixes: &[&str], exact: &[&str]) -> bool {
        prefixes.iter().any(|prefix| message.starts_with(prefix))
            || exact.contains(&message)
            || self.extra.iter().any(|m| message.contains(m.as_str()))
    }

    /// The `--marker` texts.
    pub fn extra(&self) -> &[String] {
        &self.extra
    }

    /// The comment form a comment's text (markers removed or not) holds, if any.
    pub fn comment_form(&self, comment: &str) -> Option<&CommentForm> {
        self.comments
            .iter()
            .find(|form| comment.contains(form.text.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_by_prefix_exact_or_extra() {
        let markers = Markers::new(vec!["TODO(ai)".into(), String::new()]);
        let prefixes = ["implement me", "prompt:"];
        let exact = ["unimplemented"];
        assert!(markers.marks_stub("implement me, please", &prefixes, &exact));
        assert!(markers.marks_stub("unimplemented", &prefixes, &exact));
        assert!(!markers.marks_stub("unimplemented yet", &prefixes, &exact));
        assert!(!markers.marks_stub("please implement me", &prefixes, &exact));
        assert!(markers.marks_stub("step 2 TODO(ai) here", &prefixes, &exact));
        assert!(!markers.marks_stub("TODO", &prefixes, &exact));
    }

    #[test]
    fn the_prefilter_uses_the_language_needles_and_extras() {
        let markers = Markers::new(vec!["TODO(ai)".into()]);
        assert!(markers.may_occur_in("rust", b"fn f() { todo!() }"));
        assert!(markers.may_occur_in("rust", b"x TODO(ai) y"));
        assert!(markers.may_occur_in("go", b"x TODO(ai) y"));
        assert!(!markers.may_occur_in("rust", b"fn main() {}"));
        assert!(!markers.may_occur_in("go", b"fn f() { todo!() }"));
        assert!(markers.may_occur_in("go", b"func f() { panic(\"implement me\") }"));
        assert!(!markers.may_occur_in("go", b"package main\nfunc main() {}\n"));
        assert!(!markers.may_occur_in("cobol", b"implement me"));
    }

    #[test]
    fn occurrences_are_sorted_offsets_of_every_needle() {
        let markers = Markers::new(vec!["TODO(ai)".into()]);
        let text = b"TODO(ai) unimplemented; implement me, not implemented";
        assert_eq!(markers.occurrences("go", text), [0, 9, 24, 38]);
        assert!(markers.occurrences("cobol", text).is_empty());
    }
}
