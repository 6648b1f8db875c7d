//! Credentials in URLs: a base URL's userinfo (`https://user:secret@host/v1`) counts as a key — shown
//! nowhere, stored nowhere. [`url`] is the URL as messages show it, [`without_userinfo`] as state files
//! keep it, [`url_secrets`] what must be cut out of any text that could echo it, and
//! [`with_userinfo_from`] puts the credentials back from a URL the user gave again (the flag or the
//! environment) when a stored URL is used later.

/// `raw` with its userinfo replaced by `[redacted]`: `https://[redacted]@host/v1`.
pub fn url(raw: &str) -> String {
    match split(raw) {
        Some((before, _, after)) => format!("{before}[redacted]@{after}"),
        None => raw.to_string(),
    }
}

/// `raw` without its userinfo: `https://host/v1`.
pub fn without_userinfo(raw: &str) -> String {
    match split(raw) {
        Some((before, _, after)) => format!("{before}{after}"),
        None => raw.to_string(),
    }
}

/// The strings that give the credentials away: the whole userinfo, and the password and user name
/// each alone when long enough to be a secret rather than a common word (`admin`), as written and
/// percent-decoded. Longest first, so replacing them in order leaves no part of a longer one.
pub fn url_secrets(raw: &str) -> Vec<String> {
    let Some((_, userinfo, _)) = split(raw) else {
        return Vec::new();
    };
    let mut found = vec![userinfo.to_string()];
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    for part in [password, user] {
        if part.chars().count() >= 8 {
            found.push(part.to_string());
        }
    }
    let decoded: Vec<String> = found.iter().filter_map(|s| percent_decoded(s)).collect();
    found.extend(decoded);
    found.retain(|s| !s.is_empty());
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found.dedup();
    found
}

/// `stored` (a URL kept without credentials) with the userinfo of the first of `given` that is the same
/// URL once its own userinfo is left out; `stored` as it is when none is.
pub fn with_userinfo_from<'a>(stored: &str, given: impl IntoIterator<Item = &'a str>) -> String {
    let same =
        |url: &str| without_userinfo(url).trim_end_matches('/') == stored.trim_end_matches('/');
    given
        .into_iter()
        .map(str::trim)
        .find(|url| split(url).is_some() && same(url))
        .map_or_else(|| stored.to_string(), str::to_string)
}

/// The host (and port, when the URL gives one) a URL points at, as a person names the endpoint:
/// `api.deepseek.com`, `127.0.0.1:8080`; the URL without its credentials when it does not parse.
pub fn host(raw: &str) -> String {
    match reqwest::Url::parse(raw.trim()) {
        Ok(url) => match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            _ => without_userinfo(raw),
        },
        Err(_) => without_userinfo(raw),
    }
}

/// `(scheme://, userinfo, host and the rest)` when `raw` has userinfo. The authority ends where the
/// HTTP client ends it — at `/`, `?`, `#` and, in an http(s) URL, `\\` — so that an `@` after it is never
/// taken for userinfo: `http://evil\\@api.deepseek.com` goes to `evil`, and is not shown or compared as
/// the default endpoint.
fn split(raw: &str) -> Option<(&str, &str, &str)> {
    let start = raw.find("://")? + 3;
    let rest = &raw[start..];
    let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    Some((&raw[..start], &rest[..at], &rest[at + 1..]))
}

/// `%XX` escapes decoded, when there are any and the result is UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    if !text.contains('%') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_redacted_or_left_out() {
        let raw = "https://user:s3cr%40t-pass@llm.example.com:8443/v1?x=a@b";
        assert_eq!(url(raw), "https://[redacted]@llm.example.com:8443/v1?x=a@b");
        assert_eq!(
            without_userinfo(raw),
            "https://llm.example.com:8443/v1?x=a@b"
        );
        assert_eq!(url("https://api.deepseek.com"), "https://api.deepseek.com");
        assert_eq!(url("not a url"), "not a url");
        assert_eq!(host(raw), "llm.example.com:8443");
        assert_eq!(host("https://api.deepseek.com"), "api.deepseek.com");
    }

    #[test]
    fn an_at_sign_after_a_backslash_is_no_userinfo() {
        let raw = "https://evil.example\\@api.deepseek.com";
        assert_eq!(host(raw), "evil.example");
        assert_eq!(without_userinfo(raw), raw);
        assert_eq!(url(raw), raw);
        assert!(url_secrets(raw).is_empty());
    }

    #[test]
    fn every_spelling_of_the_credentials_is_a_secret() {
        let secrets = url_secrets("https://user:s3cr%40t-pass@host/v1");
        for expected in [
            "user:s3cr%40t-pass",
            "s3cr%40t-pass",
            "s3cr@t-pass",
            "user:s3cr@t-pass",
        ] {
            assert!(
                secrets.iter().any(|s| s == expected),
                "{expected}: {secrets:?}"
            );
        }
        assert!(!secrets.iter().any(|s| s == "user"), "{secrets:?}");
        assert!(url_secrets("https://host/v1").is_empty());
    }

    #[test]
    fn credentials_come_back_from_the_same_url_only() {
        let stored = "https://host/v1";
        assert_eq!(
            with_userinfo_from(stored, ["https://u:p@other/v1", "https://u:p@host/v1/"]),
            "https://u:p@host/v1/"
        );
        assert_eq!(with_userinfo_from(stored, ["https://u:p@other/v1"]), stored);
    }
}
