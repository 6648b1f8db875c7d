//! Which calls mark a stub, and the byte prefilter that lets most files skip parsing.
//!
//! The default markers are sponge's (`panic("implement me…")`, older `panic("prompt: …")`) for Go, and
//! `todo!()`, `unimplemented!()` and `panic!("implement me…")` for Rust; `--marker TEXT` adds a Go
//! `panic("…")` / Rust `panic!("…")` whose message contains TEXT. Parsing decides whether a marker is
//! *executed*; this module only answers "could this file hold one?" (bytes) and "is this panic message a
//! marker?" (text).

use memchr::memmem;

use super::Lang;

/// Go `panic` messages that mark a stub by their beginning.
const GO_MESSAGE_PREFIXES: &[&str] = &["implement me", "prompt:"];
/// Rust `panic!` messages that mark a stub by their beginning.
const RUST_MESSAGE_PREFIXES: &[&str] = &["implement me"];
/// Rust macros that mark a stub whatever their message.
pub const RUST_MARKER_MACROS: &[&str] = &["todo", "unimplemented"];
/// What the Rust prefilter looks for besides the message prefixes and extra markers.
const RUST_NEEDLES: &[&str] = &["todo!", "unimplemented!"];

/// The marker set of one run.
#[derive(Debug, Clone)]
pub struct Markers {
    extra: Vec<String>,
    /// Needles for the Go prefilter: every default prefix and every extra marker. A file none of them
    /// occurs in cannot hold a stub, so it is never parsed.
    needles: Vec<memmem::Finder<'static>>,
    /// The same for Rust: `todo!`, `unimplemented!`, `implement me` and every extra marker.
    rust_needles: Vec<memmem::Finder<'static>>,
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
        let finders = |fixed: &[&str]| -> Vec<memmem::Finder<'static>> {
            fixed
                .iter()
                .map(|needle| needle.as_bytes())
                .chain(extra.iter().map(|m| m.as_bytes()))
                .map(|needle| memmem::Finder::new(needle).into_owned())
                .collect()
        };
        let needles = finders(GO_MESSAGE_PREFIXES);
        let rust_fixed: Vec<&str> = RUST_NEEDLES
            .iter()
            .chain(RUST_MESSAGE_PREFIXES)
            .copied()
            .collect();
        let rust_needles = finders(&rust_fixed);
        Markers {
            extra,
            needles,
            rust_needles,
        }
    }

    /// Whether `bytes` (Go source) could hold a marker. False means: certainly no stub here.
    pub fn may_occur_in(&self, bytes: &[u8]) -> bool {
        self.needles
            .iter()
            .any(|needle| needle.find(bytes).is_some())
    }

    /// Whether `bytes`, source in `lang`, could hold a marker. False means: certainly no stub here.
    pub fn may_occur_in_source(&self, lang: Lang, bytes: &[u8]) -> bool {
        let needles = match lang {
            Lang::Go => &self.needles,
            Lang::Rust => &self.rust_needles,
        };
        needles.iter().any(|needle| needle.find(bytes).is_some())
    }

    /// Whether a Rust `panic!` with this (unescaped) message marks a stub.
    pub fn is_rust_marker_message(&self, message: &str) -> bool {
        RUST_MESSAGE_PREFIXES
            .iter()
            .any(|prefix| message.starts_with(prefix))
            || self.extra.iter().any(|m| message.contains(m.as_str()))
    }

    /// Whether a Go `panic` call with this (unquoted) message marks a stub.
    pub fn is_go_marker_message(&self, message: &str) -> bool {
        GO_MESSAGE_PREFIXES
            .iter()
            .any(|prefix| message.starts_with(prefix))
            || self.extra.iter().any(|m| message.contains(m.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_messages() {
        let markers = Markers::default();
        assert!(markers.is_go_marker_message("implement me"));
        assert!(markers.is_go_marker_message("implement me, please"));
        assert!(markers.is_go_marker_message("prompt: redeem the coupon"));
        assert!(!markers.is_go_marker_message("not implemented"));
        assert!(!markers.is_go_marker_message("please implement me"));
    }

    #[test]
    fn extra_markers_match_anywhere_in_the_message() {
        let markers = Markers::new(vec!["TODO(ai)".into(), String::new()]);
        assert!(markers.is_go_marker_message("step 2 TODO(ai) here"));
        assert!(!markers.is_go_marker_message("TODO"));
        assert!(markers.may_occur_in(b"x TODO(ai) y"));
    }

    #[test]
    fn rust_messages_and_prefilter() {
        let markers = Markers::new(vec!["TODO(ai)".into()]);
        assert!(markers.is_rust_marker_message("implement me: the cache"));
        assert!(markers.is_rust_marker_message("later TODO(ai)"));
        assert!(!markers.is_rust_marker_message("prompt: x"));
        for source in [
            &b"fn f() { todo!() }"[..],
            b"unimplemented!(\"x\")",
            b"x TODO(ai) y",
        ] {
            assert!(markers.may_occur_in_source(Lang::Rust, source));
        }
        assert!(!markers.may_occur_in_source(Lang::Rust, b"fn main() {}"));
        assert!(!markers.may_occur_in_source(Lang::Go, b"fn f() { todo!() }"));
    }

    #[test]
    fn prefilter() {
        let markers = Markers::default();
        assert!(markers.may_occur_in(b"func f() { panic(\"implement me\") }"));
        assert!(markers.may_occur_in(b"panic(\"prompt: x\")"));
        assert!(!markers.may_occur_in(b"package main\nfunc main() {}\n"));
    }
}
