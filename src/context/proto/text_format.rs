//! The protobuf text format, as much of it as an option's aggregate value needs.
//!
//! Owns tokenizing (with string escapes) and parsing `name: value`, `name { … }` and `name: [a, b]`;
//! leaves what the fields mean to the caller (`http_rule.rs`).

#[derive(Debug, Clone, PartialEq)]
pub(super) enum TextValue {
    Scalar(String),
    Message(Vec<(String, TextValue)>),
}

#[derive(Debug, Clone, PartialEq)]
enum TextToken {
    Word(String),
    Str(String),
    Punct(char),
}

/// The protobuf text format, as much of it as an option value needs: `name: value`, `name { … }`,
/// `name: [a, b]`; anything else is skipped rather than refused.
pub(super) fn parse_text_format(text: &str) -> Vec<(String, TextValue)> {
    let tokens = text_tokens(text);
    let mut at = 0;
    parse_text_fields(&tokens, &mut at)
}

fn parse_text_fields(tokens: &[TextToken], at: &mut usize) -> Vec<(String, TextValue)> {
    let mut fields = Vec::new();
    while let Some(token) = tokens.get(*at) {
        *at += 1;
        let name = match token {
            TextToken::Punct('}' | '>') => break,
            TextToken::Word(word) => word.clone(),
            TextToken::Punct('[') => bracketed_name(tokens, at),
            _ => continue,
        };
        if tokens.get(*at) == Some(&TextToken::Punct(':')) {
            *at += 1;
        }
        for value in parse_text_values(tokens, at) {
            fields.push((name.clone(), value));
        }
    }
    fields
}

/// One value, or each value of a `[a, b]` list.
fn parse_text_values(tokens: &[TextToken], at: &mut usize) -> Vec<TextValue> {
    let Some(token) = tokens.get(*at) else {
        return Vec::new();
    };
    *at += 1;
    match token {
        TextToken::Punct('{' | '<') => vec![TextValue::Message(parse_text_fields(tokens, at))],
        TextToken::Punct('[') => {
            let mut values = Vec::new();
            while let Some(next) = tokens.get(*at) {
                match next {
                    TextToken::Punct(']') => {
                        *at += 1;
                        break;
                    }
                    TextToken::Punct(',') => *at += 1,
                    _ => values.extend(parse_text_values(tokens, at)),
                }
            }
            values
        }
        TextToken::Str(first) => {
            let mut joined = first.clone();
            while let Some(TextToken::Str(next)) = tokens.get(*at) {
                joined.push_str(next);
                *at += 1;
            }
            vec![TextValue::Scalar(joined)]
        }
        TextToken::Word(word) => vec![TextValue::Scalar(word.clone())],
        TextToken::Punct(_) => Vec::new(),
    }
}

/// `[ext.name]` → `ext.name` (the `[` already taken).
fn bracketed_name(tokens: &[TextToken], at: &mut usize) -> String {
    let mut name = String::new();
    while let Some(token) = tokens.get(*at) {
        *at += 1;
        match token {
            TextToken::Punct(']') => break,
            TextToken::Word(word) => name.push_str(word),
            TextToken::Punct(c) => name.push(*c),
            TextToken::Str(s) => name.push_str(s),
        }
    }
    name
}

fn text_tokens(text: &str) -> Vec<TextToken> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '{' | '}' | '<' | '>' | ':' | ',' | ';' | '[' | ']' => tokens.push(TextToken::Punct(c)),
            '"' | '\'' => tokens.push(TextToken::Str(quoted(&mut chars, c))),
            _ => {
                let mut end = start + c.len_utf8();
                while let Some(&(at, next)) = chars.peek() {
                    if next.is_whitespace() || "{}<>:,;[]\"'".contains(next) {
                        break;
                    }
                    end = at + next.len_utf8();
                    chars.next();
                }
                tokens.push(TextToken::Word(text[start..end].to_string()));
            }
        }
    }
    tokens
}

/// The rest of a quoted string, unescaped. protox-parse writes non-ASCII bytes as `\xNN`, so escapes are
/// decoded to bytes and the bytes to UTF-8.
fn quoted(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, quote: char) -> String {
    let mut bytes = Vec::new();
    while let Some((_, c)) = chars.next() {
        match c {
            c if c == quote => break,
            '\\' => unescape(chars, &mut bytes),
            c => {
                let mut buf = [0; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn unescape(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, bytes: &mut Vec<u8>) {
    let Some((_, c)) = chars.next() else {
        return;
    };
    let simple = match c {
        'n' => Some(b'\n'),
        't' => Some(b'\t'),
        'r' => Some(b'\r'),
        'a' => Some(0x07),
        'b' => Some(0x08),
        'f' => Some(0x0c),
        'v' => Some(0x0b),
        _ => None,
    };
    if let Some(byte) = simple {
        bytes.push(byte);
    } else if c == 'x' || c == 'X' {
        bytes.push(take_digits(chars, 16, 2, 0));
    } else if let Some(first) = c.to_digit(8) {
        bytes.push(take_digits(chars, 8, 2, first));
    } else {
        let mut buf = [0; 4];
        bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

/// Up to `max` more digits in `radix`, folded onto `value`; wraps like C for out-of-range octal.
fn take_digits(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    radix: u32,
    max: usize,
    mut value: u32,
) -> u8 {
    for _ in 0..max {
        match chars.peek().and_then(|&(_, c)| c.to_digit(radix)) {
            Some(digit) => {
                value = value * radix + digit;
                chars.next();
            }
            None => break,
        }
    }
    u8::try_from(value & 0xff).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format_values() {
        let fields = parse_text_format(r#"a: "x" 'y' b { c: [1, 2] } [ext.d]: e"#);
        let expected = vec![
            ("a".to_string(), TextValue::Scalar("xy".into())),
            (
                "b".to_string(),
                TextValue::Message(vec![
                    ("c".to_string(), TextValue::Scalar("1".into())),
                    ("c".to_string(), TextValue::Scalar("2".into())),
                ]),
            ),
            ("ext.d".to_string(), TextValue::Scalar("e".into())),
        ];
        assert_eq!(fields, expected);
        assert_eq!(
            parse_text_format(r#"p: "\xe4\xbc\x98\"""#)[0].1,
            TextValue::Scalar("优\"".into())
        );
        assert!(parse_text_format("} : { [").is_empty());
    }
}
