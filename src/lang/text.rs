//! Line-level text helpers the languages share: what outlines, hints and merges do to source text,
//! whatever the language.

/// The byte where the line holding `byte` starts.
pub fn line_start(source: &str, byte: usize) -> usize {
    source[..byte].rfind('\n').map_or(0, |i| i + 1)
}

/// The byte after the newline that ends the line holding `byte` (or the end of the text).
pub fn next_line_start(source: &str, byte: usize) -> usize {
    source[byte..]
        .find('\n')
        .map_or(source.len(), |i| byte + i + 1)
}

/// Text with whitespace runs removed, to compare declarations regardless of formatting.
pub fn squeeze(text: &str) -> String {
    text.split_whitespace().collect()
}

/// The lines joined with `\n`, without the blank lines at either end.
pub fn trim_blank_lines(lines: &[&str]) -> String {
    let first = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(first, |i| i + 1);
    lines[first..last].join("\n")
}

/// Removes the indentation every non-blank line shares.
pub fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Removing declarations leaves runs of blank lines; keep at most one.
pub fn collapse_blank_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
    }
    out
}

/// What `answer` holds that `source` does not, by `items` (each language's list of compile-time reads):
/// the reads an answer would add, consecutive repeats folded.
pub fn added_items(answer: &str, source: &str, items: impl Fn(&str) -> Vec<String>) -> Vec<String> {
    let known = items(source);
    let mut found: Vec<String> = items(answer)
        .into_iter()
        .filter(|item| !known.contains(item))
        .collect();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedents_by_the_shared_indentation() {
        assert_eq!(dedent("\t\ta\n\n\t\t\tb"), "a\n\n\tb");
    }

    #[test]
    fn keeps_one_blank_line_of_a_run() {
        assert_eq!(collapse_blank_runs("a\n\n\n\nb\n"), "a\n\nb\n");
    }
}
