//! go-zero's `.api` files, read by hand: `syntax`, `info (…)`, `import`, `type` declarations (alone or
//! in a `type ( … )` group, with go-zero's `Name {` or the older `Name struct {`), `@server (…)` and
//! `service name { … }` blocks of routes with their `@doc` and `@handler`. Comments are `//` and
//! `/* */`. A type keeps its text as written (field tags and comments included), which is what a
//! prompt shows; a route keeps what maps it to its logic (the handler and the `@server` group).
//!
//! An error names the line and column (1-based, in characters) where the parser gave up:
//! [`ApiError`]; the caller adds the file.

use std::fmt;

/// One parsed `.api` file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ApiFile {
    pub syntax: Option<String>,
    pub info: Vec<(String, String)>,
    /// As written: relative to the importing file.
    pub imports: Vec<String>,
    pub types: Vec<ApiType>,
    pub routes: Vec<Route>,
}

/// A `type` declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiType {
    pub name: String,
    /// `type Name {…}` as written (inside a group the `type` keyword is added), comments kept.
    pub text: String,
    /// The words of its fields' types (`[]Item`, `*Address`, `map[string]Tag`), for references.
    pub field_types: Vec<String>,
}

/// A route of a `service` block, with its block's `@server` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `usercenter-api`.
    pub service: String,
    /// The `@server` options of its block: `prefix`, `group`, `jwt`, `middleware`, …
    pub server: Vec<(String, String)>,
    /// `@doc "…"`, or the `summary` of `@doc (…)`; empty when none.
    pub doc: String,
    pub handler: String,
    /// `get`, `post`, …
    pub method: String,
    pub path: String,
    pub request: Option<String>,
    pub response: Option<String>,
}

impl Route {
    /// The `@server` option called `key`.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.server
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Where and why an `.api` file does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Parses the text of an `.api` file.
pub fn parse(source: &str) -> Result<ApiFile, ApiError> {
    let tokens = tokenize(source)?;
    Parser {
        source,
        tokens,
        at: 0,
        end: Position::end_of(source),
    }
    .file()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    line: usize,
    column: usize,
    byte: usize,
}

impl Position {
    fn end_of(source: &str) -> Position {
        let line = source.matches('\n').count() + 1;
        let last = source.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line,
            column: source[last..].chars().count() + 1,
            byte: source.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A run of characters other than spaces, quotes and `(){}=,` (`:` only inside a path).
    Word,
    /// `"…"`, the value unquoted.
    Str,
    /// `` `…` ``: a field tag.
    Raw,
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    text: String,
    at: Position,
    /// Byte just after the token.
    end: usize,
}

fn tokenize(source: &str) -> Result<Vec<Token>, ApiError> {
    let mut tokens = Vec::new();
    let mut chars = source.char_indices().peekable();
    let (mut line, mut line_start) = (1usize, 0usize);
    // The column of the last position asked for, `(byte, column)`: bytes only grow, so each character
    // is counted once (counting from the line's start every time took minutes on a long line).
    let mut counted = (0usize, 1usize);
    while let Some(&(i, c)) = chars.peek() {
        if counted.0 < line_start {
            counted = (line_start, 1);
        }
        counted = (i, counted.1 + source[counted.0..i].chars().count());
        let at = Position {
            line,
            column: counted.1,
            byte: i,
        };
        let rest = &source[i..];
        if c == '\n' {
            chars.next();
            line += 1;
            line_start = i + 1;
        } else if c.is_whitespace() {
            chars.next();
        } else if rest.starts_with("//") {
            while chars.peek().is_some_and(|&(_, c)| c != '\n') {
                chars.next();
            }
        } else if let Some(comment) = rest.strip_prefix("/*") {
            let Some(close) = comment.find("*/") else {
                return Err(error(at, "a /* comment is never closed"));
            };
            let end = i + 2 + close + 2;
            while chars.peek().is_some_and(|&(j, _)| j < end) {
                if let Some((j, '\n')) = chars.next() {
                    line += 1;
                    line_start = j + 1;
                }
            }
        } else if c == '"' || c == '`' {
            chars.next();
            let mut text = String::new();
            let mut closed = None;
            while let Some((j, d)) = chars.next() {
                match d {
                    '\\' if c == '"' => {
                        if let Some((_, escaped)) = chars.next() {
                            text.push(escaped);
                        }
                    }
                    '\n' if c == '"' => break,
                    d if d == c => {
                        closed = Some(j + 1);
                        break;
                    }
                    '\n' => {
                        line += 1;
                        line_start = j + 1;
                        text.push(d);
                    }
                    d => text.push(d),
                }
            }
            let Some(end) = closed else {
                return Err(error(at, "a string is never closed"));
            };
            let kind = if c == '"' { Kind::Str } else { Kind::Raw };
            tokens.push(Token { kind, text, at, end });
        } else if "(){}=,:".contains(c) {
            // A path's colons (`/user/:id`) are inside its word; one that starts a token is a key's.
            chars.next();
            tokens.push(Token {
                kind: Kind::Punct(c),
                text: c.to_string(),
                at,
                end: i + c.len_utf8(),
            });
        } else {
            let mut end = i;
            let path = c == '/';
            while let Some(&(j, d)) = chars.peek() {
                let stops = d.is_whitespace()
                    || "(){}=,\"`".contains(d)
                    || (d == ':' && !path)
                    || source[j..].starts_with("//");
                if stops {
                    break;
                }
                chars.next();
                end = j + d.len_utf8();
            }
            tokens.push(Token {
                kind: Kind::Word,
                text: source[i..end].to_string(),
                at,
                end,
            });
        }
    }
    Ok(tokens)
}

fn error(at: Position, message: impl Into<String>) -> ApiError {
    ApiError {
        line: at.line,
        column: at.column,
        message: message.into(),
    }
}

struct Parser<'s> {
    source: &'s str,
    tokens: Vec<Token>,
    at: usize,
    end: Position,
}

const METHODS: &[&str] = &["get", "head", "post", "put", "patch", "delete", "options", "trace", "connect"];

impl Parser<'_> {
    fn file(mut self) -> Result<ApiFile, ApiError> {
        let mut file = ApiFile::default();
        let mut server: Vec<(String, String)> = Vec::new();
        while let Some(token) = self.next() {
            match (token.kind.clone(), token.text.as_str()) {
                (Kind::Word, "syntax") => {
                    self.expect(Kind::Punct('='), "`=` after `syntax`")?;
                    file.syntax = Some(self.expect(Kind::Str, "the syntax version (\"v1\")")?.text);
                }
                (Kind::Word, "info") => file.info = self.options("info")?,
                (Kind::Word, "import") => file.imports.extend(self.imports()?),
                (Kind::Word, "type") => file.types.extend(self.types(&token)?),
                (Kind::Word, "@server") => server = self.options("@server")?,
                (Kind::Word, "service") => {
                    let name = self.expect(Kind::Word, "the service's name")?.text;
                    let routes = self.service(&name, std::mem::take(&mut server))?;
                    file.routes.extend(routes);
                }
                _ => {
                    return Err(error(
                        token.at,
                        format!(
                            "unexpected `{}`: expected syntax, info, import, type, @server or service",
                            token.text
                        ),
                    ))
                }
            }
        }
        Ok(file)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += usize::from(token.is_some());
        token
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn peek_is(&self, kind: Kind) -> bool {
        self.peek().is_some_and(|t| t.kind == kind)
    }

    fn expect(&mut self, kind: Kind, what: &str) -> Result<Token, ApiError> {
        match self.next() {
            Some(token) if token.kind == kind => Ok(token),
            Some(token) => Err(error(token.at, format!("expected {what}, found `{}`", token.text))),
            None => Err(error(self.end, format!("expected {what}, found the end of the file"))),
        }
    }

    /// `( key: value … )`: a value runs until the next `key:` or the closing parenthesis.
    fn options(&mut self, what: &str) -> Result<Vec<(String, String)>, ApiError> {
        self.expect(Kind::Punct('('), &format!("`(` after `{what}`"))?;
        let mut options: Vec<(String, String)> = Vec::new();
        loop {
            let Some(token) = self.next() else {
                return Err(error(self.end, format!("the `{what}` block is never closed")));
            };
            match token.kind {
                Kind::Punct(')') => return Ok(options),
                Kind::Word if self.peek_is(Kind::Punct(':')) => {
                    self.next();
                    options.push((token.text, String::new()));
                }
                Kind::Word | Kind::Str | Kind::Punct(',') => match options.last_mut() {
                    Some((_, value)) => {
                        if !value.is_empty() && token.kind != Kind::Punct(',') {
                            value.push(' ');
                        }
                        value.push_str(&token.text);
                    }
                    None => {
                        return Err(error(token.at, format!("expected `key:` in `{what}`, found `{}`", token.text)))
                    }
                },
                _ => return Err(error(token.at, format!("unexpected `{}` in `{what}`", token.text))),
            }
        }
    }

    fn imports(&mut self) -> Result<Vec<String>, ApiError> {
        if !self.peek_is(Kind::Punct('(')) {
            return Ok(vec![self.expect(Kind::Str, "the imported file (\"x.api\")")?.text]);
        }
        self.next();
        let mut imports = Vec::new();
        while !self.peek_is(Kind::Punct(')')) {
            imports.push(self.expect(Kind::Str, "an imported file or `)`")?.text);
        }
        self.next();
        Ok(imports)
    }

    fn types(&mut self, keyword: &Token) -> Result<Vec<ApiType>, ApiError> {
        if !self.peek_is(Kind::Punct('(')) {
            return Ok(vec![self.one_type(Some(keyword.at.byte))?]);
        }
        self.next();
        let mut types = Vec::new();
        while !self.peek_is(Kind::Punct(')')) {
            if self.peek().is_none() {
                return Err(error(self.end, "the `type (` group is never closed"));
            }
            types.push(self.one_type(None)?);
        }
        self.next();
        Ok(types)
    }

    /// `Name {…}` or `Name struct {…}`; `start` is where `type` stood for a declaration alone.
    fn one_type(&mut self, start: Option<usize>) -> Result<ApiType, ApiError> {
        let name = self.expect(Kind::Word, "a type name")?;
        if self.peek().is_some_and(|t| t.kind == Kind::Word && t.text == "struct") {
            self.next();
        }
        let open = self.expect(Kind::Punct('{'), &format!("`{{` after type {}", name.text))?;
        let mut depth = 1;
        let mut line_words: Vec<(usize, String)> = Vec::new();
        let close = loop {
            let Some(token) = self.next() else {
                return Err(error(open.at, format!("type {} is never closed", name.text)));
            };
            match token.kind {
                Kind::Punct('{') => depth += 1,
                Kind::Punct('}') => {
                    depth -= 1;
                    if depth == 0 {
                        break token;
                    }
                }
                Kind::Word => line_words.push((token.at.line, token.text)),
                _ => {}
            }
        };
        // One field a line: `Name Type …` (the type is the second word) or an embedded `Type`.
        let field_types = line_words
            .chunk_by(|a, b| a.0 == b.0)
            .flat_map(|line| {
                let skip = usize::from(line.len() > 1);
                line.iter().skip(skip).map(|(_, word)| word.clone())
            })
            .collect();
        let body = &self.source[name.at.byte..close.end];
        let text = match start {
            Some(start) => self.source[start..close.end].to_string(),
            // A group's member, moved out of the group: its lines lose the group's indentation.
            None => {
                let line_start = self.source[..name.at.byte].rfind('\n').map_or(0, |i| i + 1);
                let indent = &self.source[line_start..name.at.byte];
                let lines: Vec<&str> = body
                    .split('\n')
                    .enumerate()
                    .map(|(i, line)| match line.strip_prefix(indent) {
                        Some(rest) if i > 0 && indent.trim().is_empty() => rest,
                        _ => line,
                    })
                    .collect();
                format!("type {}", lines.join("\n"))
            }
        };
        Ok(ApiType {
            name: name.text,
            text,
            field_types,
        })
    }

    fn service(&mut self, name: &str, server: Vec<(String, String)>) -> Result<Vec<Route>, ApiError> {
        self.expect(Kind::Punct('{'), &format!("`{{` after service {name}"))?;
        let mut routes = Vec::new();
        let (mut doc, mut handler) = (String::new(), None::<String>);
        loop {
            let Some(token) = self.next() else {
                return Err(error(self.end, format!("service {name} is never closed")));
            };
            match (token.kind.clone(), token.text.as_str()) {
                (Kind::Punct('}'), _) => return Ok(routes),
                (Kind::Word, "@doc") => doc = self.doc()?,
                (Kind::Word, "@handler") => handler = Some(self.expect(Kind::Word, "the handler's name")?.text),
                (Kind::Word, method) if METHODS.contains(&method.to_ascii_lowercase().as_str()) => {
                    let path = self.expect(Kind::Word, "the route's path")?.text;
                    let request = self.parenthesized()?;
                    let response = if self.peek().is_some_and(|t| t.kind == Kind::Word && t.text == "returns") {
                        self.next();
                        self.parenthesized()?
                    } else {
                        None
                    };
                    let Some(handler) = handler.take() else {
                        return Err(error(token.at, format!("route {method} {path} has no @handler")));
                    };
                    routes.push(Route {
                        service: name.to_string(),
                        server: server.clone(),
                        doc: std::mem::take(&mut doc),
                        handler,
                        method: method.to_ascii_lowercase(),
                        path,
                        request,
                        response,
                    });
                }
                _ => {
                    return Err(error(
                        token.at,
                        format!("unexpected `{}` in service {name}: expected @doc, @handler or a route", token.text),
                    ))
                }
            }
        }
    }

    /// `@doc "text"` or `@doc ( summary: "text" … )`.
    fn doc(&mut self) -> Result<String, ApiError> {
        if self.peek_is(Kind::Punct('(')) {
            let options = self.options("@doc")?;
            let summary = options.iter().find(|(k, _)| k == "summary").or(options.first());
            return Ok(summary.map(|(_, v)| v.clone()).unwrap_or_default());
        }
        Ok(self.expect(Kind::Str, "the @doc text")?.text)
    }

    /// `(Type)` when a parenthesis follows; `()` is none.
    fn parenthesized(&mut self) -> Result<Option<String>, ApiError> {
        if !self.peek_is(Kind::Punct('(')) {
            return Ok(None);
        }
        self.next();
        if self.peek_is(Kind::Punct(')')) {
            self.next();
            return Ok(None);
        }
        let name = self.expect(Kind::Word, "a type name")?.text;
        self.expect(Kind::Punct(')'), "`)`")?;
        Ok(Some(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_megabyte_on_one_line_parses_in_linear_time() {
        // Columns were counted from the line's start for every character: a long line took minutes.
        let source = format!("type Big {{{}X int }}\n type (", " ".repeat(4_000_000));
        let started = std::time::Instant::now();
        let error = parse(&source).expect_err("the group is never closed");
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
        assert_eq!((error.line, error.column), (2, 8));
    }

    const USER_API: &str = r#"syntax = "v1"

info (title: "user" desc: "user service")

import "common/base.api"
import (
	"a.api"
	"b.api"
)

/* the request
   of getUser */
type (
	GetUserReq {
		Id int64 `path:"id"` // the user's id
	}
	GetUserResp {
		Name    string   `json:"name"`
		Address *Address `json:"address,optional"`
		Tags    []Tag    `json:"tags"`
	}
)

type Address struct {
	City string `json:"city"`
}

@server (
	prefix:     usercenter/v1
	group:      user
	jwt:        JwtAuth
	middleware: CheckUser, Log
)
service usercenter-api {
	@doc "get one user"
	@handler getUser
	get /user/:id (GetUserReq) returns (GetUserResp)

	@doc (
		summary: "delete one user"
	)
	@handler deleteUser
	delete /user/:id (GetUserReq)
}

service usercenter-api {
	@handler ping
	get /ping
}
"#;

    #[test]
    fn reads_syntax_info_imports_types_and_routes() {
        let file = parse(USER_API).expect("parses");
        assert_eq!(file.syntax.as_deref(), Some("v1"));
        assert_eq!(
            file.info,
            [("title".into(), "user".into()), ("desc".into(), "user service".into())]
        );
        assert_eq!(file.imports, ["common/base.api", "a.api", "b.api"]);
        let names: Vec<&str> = file.types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["GetUserReq", "GetUserResp", "Address"]);
        assert_eq!(
            file.types[0].text,
            "type GetUserReq {\n\tId int64 `path:\"id\"` // the user's id\n}"
        );
        assert_eq!(file.types[1].field_types, ["string", "*Address", "[]Tag"]);
        assert!(file.types[2].text.starts_with("type Address struct {"));

        let get = &file.routes[0];
        assert_eq!(
            (get.handler.as_str(), get.method.as_str(), get.path.as_str()),
            ("getUser", "get", "/user/:id")
        );
        assert_eq!(get.doc, "get one user");
        assert_eq!(get.request.as_deref(), Some("GetUserReq"));
        assert_eq!(get.response.as_deref(), Some("GetUserResp"));
        assert_eq!(get.option("prefix"), Some("usercenter/v1"));
        assert_eq!(get.option("group"), Some("user"));
        assert_eq!(get.option("jwt"), Some("JwtAuth"));
        assert_eq!(get.option("middleware"), Some("CheckUser, Log"));
        let delete = &file.routes[1];
        assert_eq!(delete.doc, "delete one user");
        assert_eq!(delete.response, None);
        // The second block has no @server: its routes have no group.
        let ping = &file.routes[2];
        assert_eq!((ping.handler.as_str(), ping.request.clone()), ("ping", None));
        assert!(ping.server.is_empty());
    }

    #[test]
    fn errors_name_line_and_column() {
        let cases = [
            ("syntax \"v1\"\n", "1:8: expected `=` after `syntax`, found `v1`"),
            ("type (\n\tA {\n\t\tX int\n", "2:4: type A is never closed"),
            (
                "service s {\n\t@handler h\n\tget /x (A\n}\n",
                "4:1: expected `)`, found `}`",
            ),
            ("service s {\n\tget /x\n}\n", "2:2: route get /x has no @handler"),
            ("info (title: \"x)\n", "1:14: a string is never closed"),
            ("  bogus\n", "1:3: unexpected `bogus`: expected syntax, info, import, type, @server or service"),
            ("/* open\n", "1:1: a /* comment is never closed"),
            ("service s {\n\t@handler h\n", "3:1: service s is never closed"),
        ];
        for (source, expected) in cases {
            let found = parse(source).expect_err(source);
            assert_eq!(found.to_string(), expected, "{source}");
        }
    }

    #[test]
    fn a_key_written_against_its_path_value_parses() {
        // `prefix:/v1` once made a word of nothing, forever: the parser ate memory until killed.
        let file = parse("@server(prefix:/v1 group:user)\nservice s {\n\t@handler ping\n\tget /ping/:id\n}\n").unwrap();
        assert_eq!(file.routes[0].option("prefix"), Some("/v1"));
        assert_eq!(file.routes[0].option("group"), Some("user"));
        assert_eq!(file.routes[0].path, "/ping/:id");
    }

    #[test]
    fn hostile_input_is_an_error_or_a_file_never_a_panic() {
        for source in ["", "type", "type (", "@server", "@server (", "service", "import (", "é\u{0}(", "type A { { }"] {
            let _ = parse(source);
        }
        // Every truncation of a realistic file, and every character swapped for one that means
        // something to the tokenizer (or is several bytes long).
        let cuts = USER_API.char_indices().map(|(i, _)| USER_API[..i].to_string());
        let swaps = USER_API.char_indices().flat_map(|(i, c)| {
            ["\"", "`", "(", ")", "{", "}", ":", "/*", "//", "é", "\n", "\r\n", ""].map(move |with| {
                format!("{}{with}{}", &USER_API[..i], &USER_API[i + c.len_utf8()..])
            })
        });
        for source in cuts.chain(swaps) {
            if let Err(error) = parse(&source) {
                assert!(error.line >= 1 && error.column >= 1, "{error}");
                assert!(error.line <= source.lines().count() + 1, "{error}");
            }
        }
    }
}
