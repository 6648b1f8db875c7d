//! Text that must stay on one line (a sidecar header field, a reason in a verdict): line breaks and
//! other control characters folded into spaces, runs of blanks squeezed, and a long text cut on a
//! character boundary with `…`.

/// `text` on one line of at most `limit` bytes (plus the `…` that marks a cut).
pub fn one_line(text: &str, limit: usize) -> String {
    let mut line = String::with_capacity(text.len().min(limit + 4));
    let mut blank = false;
    for c in text.chars() {
        // Unicode's line and paragraph separators end a line for some readers too.
        if c.is_control() || c.is_whitespace() {
            blank = !line.is_empty();
            continue;
        }
        if blank {
            line.push(' ');
            blank = false;
        }
        line.push(c);
    }
    cut(&line, limit)
}

/// At most `limit` bytes of `text`, cut on a character boundary and marked with `…` when cut.
pub fn cut(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_are_folded_and_long_text_cut() {
        assert_eq!(
            one_line("a\nb\r\n\tc  d\u{2028}e\u{0}f", 100),
            "a b c d e f"
        );
        assert_eq!(one_line("  \n lead and trail \n ", 100), "lead and trail");
        assert_eq!(one_line("héllo wörld", 2), "h…");
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(one_line("", 5), "");
    }
}
