//! Property tests (fuzzing that runs on stable Rust in the normal suite; cargo-fuzz would need
//! nightly, libFuzzer and its own crate) for everything that reads untrusted or half-broken text:
//! the SSE stream parser, the answer extractor, the Go stub finder and merge, plus the round trip
//! the whole tool rests on: a file's own implemented functions, checked as an answer, made into a
//! sidecar and merged into the file's stubbed twin, give the file back byte for byte.
//!
//! The SSE parser is private; it is driven through the real providers (`provider::build`) against a
//! tiny HTTP server here that sends exactly the bytes a case asks for, one HTTP chunk per piece, so a
//! case controls where the client's reads are split (mid-line, mid-CRLF, mid-UTF-8).
//!
//! Case counts are small by default so the file runs in seconds; `PROPTEST_CASES=N` sets every
//! property's count for a longer run: 4000 takes about a minute in a debug build on 2 cores, 40000
//! about ten (`PROPTEST_CASES=40000 cargo test --test fuzz`).
//!
//! Tests named after a finding (`a_stream_starting_with_a_bom_is_read`, …) pin its minimal case.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::json;

use assistant::check::{self, Expected, TargetFile};
use assistant::lang::go::{self as go_lang, decls, merge};
use assistant::lang::{Lang, Markers};
use assistant::provider::{self, Answer, Message, ProviderConfig, ProviderKind, Timeouts};
use assistant::sidecar::{self, Meta};

/// The cases each property runs unless `PROPTEST_CASES` says otherwise.
fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        // Failures are turned into named regression tests by hand, not files in the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn example(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/store")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The largest char boundary of `text` at or below `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

// ---------------------------------------------------------------------------------------------
// SSE: a server that sends the bytes a case gives, split as the case says.
// ---------------------------------------------------------------------------------------------

/// An HTTP/1.1 server on 127.0.0.1 that answers every request with the body it was given, as
/// `Transfer-Encoding: chunked` with one HTTP chunk per piece (flushed one by one), then closes.
struct PieceServer {
    port: u16,
    reply: Arc<Mutex<Reply>>,
}

#[derive(Clone, Default)]
struct Reply {
    content_type: &'static str,
    pieces: Vec<Vec<u8>>,
}

impl PieceServer {
    fn start() -> PieceServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let reply = Arc::new(Mutex::new(Reply::default()));
        let shared = Arc::clone(&reply);
        std::thread::spawn(move || {
            for connection in listener.incoming().flatten() {
                let reply = shared.lock().map(|r| r.clone()).unwrap_or_default();
                let _ = serve(connection, &reply);
            }
        });
        PieceServer { port, reply }
    }

    fn set(&self, content_type: &'static str, pieces: Vec<Vec<u8>>) {
        if let Ok(mut reply) = self.reply.lock() {
            *reply = Reply {
                content_type,
                pieces,
            };
        }
    }
}

fn serve(mut connection: TcpStream, reply: &Reply) -> std::io::Result<()> {
    connection.set_read_timeout(Some(Duration::from_secs(5)))?;
    // Read the whole request (headers, then Content-Length bytes): closing on unread bytes would
    // reset the connection under the client's feet.
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    let header_end = loop {
        let read = connection.read(&mut buffer)?;
        if read == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buffer[..read]);
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let headers = String::from_utf8_lossy(&request[..header_end]).to_ascii_lowercase();
    let length: usize = headers
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while request.len() < header_end + length {
        let read = connection.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..read]);
    }
    write!(
        connection,
        "HTTP/1.1 200 OK\r\ncontent-type: {}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        reply.content_type
    )?;
    connection.flush()?;
    for piece in reply.pieces.iter().filter(|p| !p.is_empty()) {
        write!(connection, "{:x}\r\n", piece.len())?;
        connection.write_all(piece)?;
        connection.write_all(b"\r\n")?;
        connection.flush()?;
    }
    connection.write_all(b"0\r\n\r\n")?;
    connection.flush()?;
    connection.shutdown(std::net::Shutdown::Write)
}

/// One provider per protocol against one shared [`PieceServer`], and the runtime to drive them.
struct Wire {
    server: PieceServer,
    runtime: tokio::runtime::Runtime,
    openai: Box<dyn provider::Provider>,
    gemini: Box<dyn provider::Provider>,
}

fn wire() -> &'static Mutex<Wire> {
    static WIRE: OnceLock<Mutex<Wire>> = OnceLock::new();
    WIRE.get_or_init(|| {
        let server = PieceServer::start();
        let timeouts = Timeouts {
            connect: Duration::from_secs(5),
            first_byte: Duration::from_secs(10),
            idle: Duration::from_secs(10),
            attempt: Duration::from_secs(20),
        };
        let build = |kind, base: String| {
            provider::build(ProviderConfig {
                base_url: Some(base),
                api_key: Some("sk-fuzz".into()),
                model: Some("fuzz-model".into()),
                timeouts,
                ..ProviderConfig::new(kind)
            })
            .unwrap_or_else(|e| panic!("provider: {e}"))
        };
        let openai = build(
            ProviderKind::OpenAi,
            format!("http://127.0.0.1:{}/v1", server.port),
        );
        let gemini = build(
            ProviderKind::Gemini,
            format!("http://127.0.0.1:{}/v1beta", server.port),
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Mutex::new(Wire {
            server,
            runtime,
            openai,
            gemini,
        })
    })
}

/// What the provider makes of a body sent in `pieces`: the answer, or the error's message.
fn ask(gemini: bool, content_type: &'static str, pieces: Vec<Vec<u8>>) -> Result<Answer, String> {
    // A property that failed before left the lock poisoned; the server and providers are still fine.
    let wire = wire().lock().unwrap_or_else(|e| e.into_inner());
    wire.server.set(content_type, pieces);
    let provider = if gemini { &wire.gemini } else { &wire.openai };
    let messages = [Message::user("implement the stubs")];
    wire.runtime
        .block_on(provider.chat(&messages))
        .map_err(|e| e.to_string())
}

/// `body` cut at `cuts` (any byte offsets, UTF-8 sequences and CRLF pairs included).
fn split_at(body: &[u8], cuts: &[prop::sample::Index]) -> Vec<Vec<u8>> {
    let mut offsets: Vec<usize> = cuts.iter().map(|c| c.index(body.len() + 1)).collect();
    offsets.push(0);
    offsets.push(body.len());
    offsets.sort_unstable();
    offsets.dedup();
    offsets
        .windows(2)
        .map(|w| body[w[0]..w[1]].to_vec())
        .collect()
}

/// A streamed answer as a server would send it.
#[derive(Debug, Clone)]
struct Streamed {
    gemini: bool,
    /// `(is_reasoning, text)` deltas in order.
    deltas: Vec<(bool, String)>,
    usage: [u64; 4],
    crlf: bool,
    keep_alive: bool,
    /// `data:{…}` rather than `data: {…}`.
    tight: bool,
}

impl Streamed {
    fn text(&self) -> String {
        self.deltas
            .iter()
            .filter(|(r, _)| !r)
            .map(|(_, t)| t.as_str())
            .collect()
    }

    fn reasoning(&self) -> String {
        self.deltas
            .iter()
            .filter(|(r, _)| *r)
            .map(|(_, t)| t.as_str())
            .collect()
    }

    fn body(&self) -> Vec<u8> {
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let mut body = String::new();
        let mut event = |data: String| {
            if self.keep_alive {
                body.push_str(&format!(": keep-alive{eol}{eol}"));
            }
            let space = if self.tight { "" } else { " " };
            body.push_str(&format!("data:{space}{data}{eol}{eol}"));
        };
        let [prompt, completion, cached, reasoning] = self.usage;
        if self.gemini {
            for (thought, text) in &self.deltas {
                let part = match thought {
                    true => json!({ "text": text, "thought": true }),
                    false => json!({ "text": text }),
                };
                event(json!({ "candidates": [{ "content": { "parts": [part], "role": "model" }, "index": 0 }] }).to_string());
            }
            let usage = json!({ "promptTokenCount": prompt, "candidatesTokenCount": completion,
                "cachedContentTokenCount": cached, "thoughtsTokenCount": reasoning });
            event(
                json!({ "candidates": [{ "content": { "parts": [{ "text": "" }], "role": "model" },
                "finishReason": "STOP", "index": 0 }], "usageMetadata": usage })
                .to_string(),
            );
        } else {
            event(json!({ "choices": [{ "index": 0, "delta": { "role": "assistant", "content": null } }] }).to_string());
            for (thought, text) in &self.deltas {
                let field = if *thought {
                    "reasoning_content"
                } else {
                    "content"
                };
                event(json!({ "choices": [{ "index": 0, "delta": { field: text }, "finish_reason": null }] }).to_string());
            }
            event(
                json!({ "choices": [{ "index": 0, "delta": {}, "finish_reason": "stop" }] })
                    .to_string(),
            );
            let usage = json!({ "prompt_tokens": prompt, "completion_tokens": completion,
                "prompt_tokens_details": { "cached_tokens": cached },
                "completion_tokens_details": { "reasoning_tokens": reasoning } });
            event(json!({ "choices": [], "usage": usage }).to_string());
            event("[DONE]".into());
        }
        body.into_bytes()
    }
}

/// Text with what breaks naive stream parsers: newlines, CR, multi-byte characters, `data:`, quotes.
fn delta_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-z ]{1,8}",
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("\r".to_string()),
            Just("data: [DONE]".to_string()),
            Just("\"}\\".to_string()),
            Just("订单已取消 ✓ 🦀".to_string()),
            Just("\u{feff}".to_string()),
            any::<String>(),
        ],
        0..4,
    )
    .prop_map(|parts| parts.concat())
}

fn streamed() -> impl Strategy<Value = Streamed> {
    (
        any::<bool>(),
        prop::collection::vec((any::<bool>(), delta_text()), 0..8),
        prop::array::uniform4(0u64..1_000_000),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(gemini, deltas, usage, crlf, keep_alive, tight)| Streamed {
                gemini,
                deltas,
                usage,
                crlf,
                keep_alive,
                tight,
            },
        )
}

/// Pieces of SSE and JSON that arbitrary bodies are built from, so that cases reach past the
/// first malformed byte.
fn sse_fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..16),
        prop::sample::select(vec![
            "data: ",
            "data:",
            "\n",
            "\r\n",
            "\r",
            "\n\n",
            ": keep-alive\n\n",
            "event: error\n",
            "id: 1\n",
            "retry: 10\n",
            "data: [DONE]\n\n",
            "{\"choices\":[{\"delta\":{\"content\":\"fu",
            "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}",
            "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"STOP\"}]}",
            "{\"error\":{\"message\":\"overloaded\"}}",
            "{\"usage\":{\"prompt_tokens\":-1}}",
            "\u{feff}",
            "\u{fffd}",
            "é",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        Just(vec![0xE6, 0x96]),
        Just(vec![0xFF]),
    ]
}

proptest! {
    #![proptest_config(config(64))]

    /// Any bytes, split anywhere, as an event stream or as a JSON body: an answer or an error,
    /// never a panic or a hang.
    #[test]
    fn any_stream_body_ends_in_an_answer_or_an_error(
        gemini in any::<bool>(),
        json_body in any::<bool>(),
        fragments in prop::collection::vec(sse_fragment(), 0..24),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let body = fragments.concat();
        let content_type = if json_body { "application/json" } else { "text/event-stream" };
        let _ = ask(gemini, content_type, split_at(&body, &cuts));
    }

    /// A valid stream gives the same answer however its bytes are split, and that answer is the
    /// deltas put together.
    #[test]
    fn split_streams_give_the_same_answer(
        streamed in streamed(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 1..24),
    ) {
        let body = streamed.body();
        let whole = ask(streamed.gemini, "text/event-stream", vec![body.clone()]);
        let split = ask(streamed.gemini, "text/event-stream", split_at(&body, &cuts));
        prop_assert_eq!(&whole, &split);
        let text = streamed.text();
        if text.trim().is_empty() {
            prop_assert!(whole.is_err(), "blank text accepted: {:?}", whole);
        } else {
            let answer = whole.map_err(|e| TestCaseError::fail(format!("valid stream refused: {e}")))?;
            prop_assert_eq!(answer.text, text);
            prop_assert_eq!(answer.reasoning, streamed.reasoning());
            if !streamed.gemini {
                let [prompt, completion, cached, reasoning] = streamed.usage;
                prop_assert_eq!(
                    (answer.usage.prompt_tokens, answer.usage.completion_tokens, answer.usage.cached_tokens, answer.usage.reasoning_tokens),
                    (prompt, completion, cached, reasoning)
                );
            }
        }
    }
}

/// eventsource-stream 0.2.3 skips a leading BOM with `&string[1..]`: a body starting with U+FEFF
/// panics inside the provider instead of being read (or refused).
#[test]
fn a_stream_starting_with_a_bom_is_read() {
    let streamed = Streamed {
        gemini: false,
        deltas: vec![(false, "package handler".into())],
        usage: [1, 2, 0, 0],
        crlf: false,
        keep_alive: false,
        tight: false,
    };
    let body = [b"\xEF\xBB\xBF".as_slice(), &streamed.body()].concat();
    let answer = std::panic::catch_unwind(|| ask(false, "text/event-stream", vec![body]));
    match answer {
        Ok(Ok(answer)) => assert_eq!(answer.text, "package handler"),
        Ok(Err(error)) => panic!("refused: {error}"),
        Err(_) => panic!("the provider panicked on a stream starting with a BOM"),
    }
}

/// Found by a long run: two marks, each in its own chunk, and nothing else.
#[test]
fn a_stream_of_byte_order_marks_is_an_error_not_a_panic() {
    let bom = b"\xEF\xBB\xBF".to_vec();
    let answer =
        std::panic::catch_unwind(|| ask(false, "text/event-stream", vec![bom.clone(), bom]));
    assert!(
        matches!(answer, Ok(Err(_))),
        "a panic or an answer from two BOMs"
    );
}

// ---------------------------------------------------------------------------------------------
// The answer extractor.
// ---------------------------------------------------------------------------------------------

const ORDER_STUB_HEADER: &str = "func (h *orderHandler) PayOrder(ctx context.Context, req *storeV1.PayOrderRequest) (*storeV1.PayOrderReply, error) {\n";

/// The order handler's job, as `generate` makes it.
fn order_job() -> &'static Expected {
    static JOB: OnceLock<Expected> = OnceLock::new();
    JOB.get_or_init(|| {
        let source = example("internal/handler/order.go");
        Expected {
            target: TargetFile {
                name: "internal/handler/order.go".into(),
                path: "examples/store/internal/handler/order.go".into(),
                stubs: go().stubs_in(&source, &Markers::default()),
                source,
            },
            dependent: Some(check::DependentFile {
                name: "internal/dao/order.go".into(),
                path: "examples/store/internal/dao/order.go".into(),
                source: example("internal/dao/order.go"),
            }),
            markers: Markers::default(),
        }
    })
}

/// Pieces of model answers: fences of every kind, reasoning tags, file names, Go, odd whitespace.
fn answer_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "```go\n", "```golang\n", "```\n", "````go\n", "````\n", "~~~go\n", "~~~\n", "  ```go\n",
            "   ```go internal/dao/order.go\n", "```go:internal/handler/order.go\n", "```go title=\"x.go\"\n",
            "<think>", "</think>", "<THINKING>\n", "</reasoning>",
            "// file: internal/handler/order.go\n", "// file: internal/dao/order.go\n", "//file: a.go\n",
            "**`internal/dao/order.go`**:\n", "### internal/handler/order.go\n", "文件：internal/dao/order.go\n",
            "package handler\n", "package dao\n", "package main\n",
            "import (\n\t\"context\"\n)\n", "import \"errors\"\n",
            ORDER_STUB_HEADER, "\treturn nil, nil\n", "\tpanic(\"implement me\")\n", "}\n", "{\n",
            "func (d *orderDao) UpdateStatusFrom(ctx context.Context, id uint64) (bool, error) {\n",
            "type OrderDao interface {\n\tGetByID(ctx context.Context, id uint64) (*model.Order, error)\n}\n",
            "func (h *orderHandler) CancelOrder(ctx context.Context, req *storeV1.CancelOrderRequest) (*storeV1.CancelOrderReply, error) {\n",
            "func (h *orderHandler) ShipOrder(ctx context.Context, req *storeV1.ShipOrderRequest) (*storeV1.ShipOrderReply, error) {\n",
            "func init() {}\n", "var _ = 1\n", "const x = `raw\n", "`\n", "/*\n", "*/\n",
            "\r\n", "\r", "\n", "\t", "    ", "\u{feff}", "\u{3000}", "\u{a0}", "\u{2028}", "é", "订单",
        ]).prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[ -~]{0,12}",
    ]
}

proptest! {
    #![proptest_config(config(512))]

    /// Arbitrary text never makes the extractor panic.
    #[test]
    fn check_never_panics_on_arbitrary_text(answer in any::<String>()) {
        let _ = check::check(&answer, order_job());
    }

    /// Answer-shaped text never makes the extractor panic, and what it accepts is clean Go.
    #[test]
    fn check_on_answer_shaped_text(fragments in prop::collection::vec(answer_fragment(), 0..40)) {
        let answer = fragments.concat();
        if let Ok(files) = check::check(&answer, order_job()) {
            for file in files {
                prop_assert!(!file.code.contains('\r') && !file.code.contains('\u{feff}'), "{:?}", file.code);
                let problems = decls::syntax_problems(&file.code);
                prop_assert!(problems.is_empty(), "accepted code does not parse: {:?}\n{}", problems, file.code);
            }
        }
    }
}

/// A fence indented under a list item whose code has a line starting with a multi-byte space:
/// `check::dedent_by` slices the line by a character count used as a byte count.
#[test]
fn an_indented_fence_with_a_multibyte_space_does_not_panic() {
    let answer = "1. Code:\n\n  ```go\n\u{a0}\n  ```\n";
    let result = std::panic::catch_unwind(|| check::check(answer, order_job()));
    assert!(result.is_ok(), "check panicked");
}

// ---------------------------------------------------------------------------------------------
// The Go stub finder and merge, on mutated Go.
// ---------------------------------------------------------------------------------------------

/// Real Go to mutate: the example's handlers and daos.
fn go_seeds() -> &'static [String] {
    static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        [
            "internal/handler/order.go",
            "internal/handler/coupon.go",
            "internal/dao/order.go",
            "internal/dao/coupon.go",
        ]
        .iter()
        .map(|f| example(f))
        .collect()
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(prop::sample::Index, usize),
    Insert(prop::sample::Index, String),
    Duplicate(prop::sample::Index, usize, prop::sample::Index),
}

fn go_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "func ", "func (h *orderHandler) X() {", "(", ")", "{", "}", "[", "]", "\n", "\r\n", "\t",
            "panic(\"implement me\")", "panic(`implement me`)", "panic(\"prompt: x\")", "panic(\"implement me\\n\")",
            "// ", "/*", "*/", "`", "\"", "'", "\\", "type T interface {", "import (", "package p\n",
            "\u{feff}", "é", "\u{3000}", "订单", "[T any]", "...", ",", ";", "*", "interface{}", "go func() {",
        ]).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 0usize..64).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<prop::sample::Index>(), go_fragment())
            .prop_map(|(at, text)| Mutation::Insert(at, text)),
        (
            any::<prop::sample::Index>(),
            0usize..200,
            any::<prop::sample::Index>()
        )
            .prop_map(|(from, len, to)| Mutation::Duplicate(from, len, to)),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_string();
    for mutation in mutations {
        match mutation {
            Mutation::Delete(at, len) => {
                let start = floor_boundary(&text, at.index(text.len() + 1));
                let end = floor_boundary(&text, start + len);
                text.replace_range(start..end, "");
            }
            Mutation::Insert(at, fragment) => {
                let at = floor_boundary(&text, at.index(text.len() + 1));
                text.insert_str(at, fragment);
            }
            Mutation::Duplicate(from, len, to) => {
                let start = floor_boundary(&text, from.index(text.len() + 1));
                let end = floor_boundary(&text, start + len);
                let piece = text[start..end].to_string();
                let to = floor_boundary(&text, to.index(text.len() + 1));
                text.insert_str(to, &piece);
            }
        }
    }
    text
}

/// Every stub's ranges are in bounds, on char boundaries and consistent with its other fields.
fn assert_stubs_consistent(source: &str) -> Result<(), TestCaseError> {
    assert_consistent(source, &go().stubs_in(source, &Markers::default()))
}

/// `stubs`' ranges are in bounds, on char boundaries and consistent with their other fields.
fn assert_consistent(source: &str, stubs: &[assistant::lang::Stub]) -> Result<(), TestCaseError> {
    let mut previous_end = 0;
    for stub in stubs {
        for range in [&stub.decl, &stub.decl_with_doc] {
            prop_assert!(
                range.start <= range.end && range.end <= source.len(),
                "{:?} out of bounds",
                range
            );
            prop_assert!(
                source.is_char_boundary(range.start) && source.is_char_boundary(range.end),
                "{:?} not on char boundaries",
                range
            );
        }
        prop_assert!(
            stub.decl_with_doc.start <= stub.decl.start && stub.decl_with_doc.end == stub.decl.end
        );
        prop_assert!(stub.decl.start >= previous_end, "stubs out of source order");
        previous_end = stub.decl.end;
        let decl = &source[stub.decl.clone()];
        prop_assert!(
            decl.starts_with("func"),
            "decl starts with {:?}",
            decl.chars().take(10).collect::<String>()
        );
        prop_assert!(
            decl.starts_with(&stub.signature),
            "signature {:?} is not the decl's start",
            stub.signature
        );
        prop_assert!(
            decl.contains(&stub.marker),
            "marker {:?} not in the decl",
            stub.marker
        );
        let before = &source[..stub.decl.start];
        prop_assert_eq!(stub.line, before.matches('\n').count() + 1);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        prop_assert_eq!(stub.column, before[line_start..].chars().count() + 1);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn stub_finder_on_arbitrary_text(source in any::<String>()) {
        assert_stubs_consistent(&source)?;
    }

    #[test]
    fn stub_finder_on_mutated_go(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..12),
    ) {
        let seeds = go_seeds();
        let source = mutate(&seeds[seed.index(seeds.len())], &mutations);
        assert_stubs_consistent(&source)?;
    }

    /// Merge on a mutated source and a mutated addition: never panics; what it returns parses, and
    /// merging the same addition into it again changes nothing.
    #[test]
    fn merge_on_mutated_go(
        source_seed in any::<prop::sample::Index>(),
        source_mutations in prop::collection::vec(mutation(), 0..6),
        addition_seed in any::<prop::sample::Index>(),
        addition_mutations in prop::collection::vec(mutation(), 0..6),
    ) {
        let seeds = go_seeds();
        let additions = merge_additions();
        let source = mutate(&seeds[source_seed.index(seeds.len())], &source_mutations);
        let addition = mutate(&additions[addition_seed.index(additions.len())], &addition_mutations);
        if let Ok(merged) = merge::merge(&source, &addition) {
            let problems = decls::syntax_problems(&merged.text);
            prop_assert!(problems.is_empty(), "merged text does not parse: {:?}", problems);
            // `assistant merge` calls a sidecar whose merge changes nothing "already merged".
            let again = merge::merge(&merged.text, &addition)
                .map_err(|e| TestCaseError::fail(format!("merging again fails: {e}")))?;
            prop_assert!(again.text == merged.text, "merging again changes the file:\n--- once\n{}\n--- twice\n{}", merged.text, again.text);
        }
    }
}

/// What sidecars hold for the example: the reference answers' checked code.
fn merge_additions() -> &'static [String] {
    static ADDITIONS: OnceLock<Vec<String>> = OnceLock::new();
    ADDITIONS.get_or_init(|| {
        let mut additions = Vec::new();
        for service in ["order", "coupon"] {
            let source = example(&format!("internal/handler/{service}.go"));
            let job = Expected {
                target: TargetFile {
                    name: format!("internal/handler/{service}.go"),
                    path: format!("examples/store/internal/handler/{service}.go").into(),
                    stubs: go().stubs_in(&source, &Markers::default()),
                    source,
                },
                dependent: Some(check::DependentFile {
                    name: format!("internal/dao/{service}.go"),
                    path: format!("examples/store/internal/dao/{service}.go").into(),
                    source: example(&format!("internal/dao/{service}.go")),
                }),
                markers: Markers::default(),
            };
            let answer = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(
                format!("tests/fixtures/answers/store/internal_handler_{service}.go.md"),
            ))
            .expect("reference answer");
            let checked = check::check(&answer, &job).expect("the reference answer passes");
            additions.extend(checked.into_iter().map(|c| c.code));
        }
        additions
    })
}

// ---------------------------------------------------------------------------------------------
// The round trip: original → stubbed twin → answer → check → sidecar → merge → original.
// ---------------------------------------------------------------------------------------------

/// A generated function or method.
#[derive(Debug, Clone)]
struct GoFunc {
    doc: Vec<String>,
    /// `None`: a function; `Some(true)`: a method on `*svc`; `Some(false)`: on `Box[T]`.
    receiver: Option<bool>,
    name: String,
    generic: bool,
    params: String,
    results: String,
    body: Vec<String>,
    /// A comment after the closing brace, on its line.
    trailing: Option<String>,
    /// Implemented in the original, stubbed in the twin.
    stubbed: bool,
}

impl GoFunc {
    fn header(&self) -> String {
        let receiver = match self.receiver {
            None => String::new(),
            Some(true) => "(s *svc) ".into(),
            Some(false) => "(b Box[T]) ".into(),
        };
        let type_params = if self.generic && self.receiver.is_none() {
            "[T any, K comparable]"
        } else {
            ""
        };
        format!(
            "func {receiver}{}{type_params}({}){}",
            self.name, self.params, self.results
        )
    }

    fn identity(&self) -> String {
        match self.receiver {
            None => self.name.clone(),
            Some(true) => format!("svc.{}", self.name),
            Some(false) => format!("Box.{}", self.name),
        }
    }

    /// The declaration with its doc comment, LF line endings, `indent` for one level.
    fn render(&self, indent: &str, stub: Option<&str>) -> String {
        let mut out: String = self.doc.iter().map(|l| format!("{l}\n")).collect();
        out.push_str(&self.header());
        out.push_str(" {\n");
        match stub {
            Some(marker_body) => out.push_str(&marker_body.replace("\t", indent)),
            None => {
                for statement in &self.body {
                    for line in statement.lines() {
                        out.push_str(indent);
                        out.push_str(line);
                        out.push('\n');
                    }
                }
            }
        }
        out.push('}');
        if let Some(comment) = &self.trailing {
            out.push_str(" // ");
            out.push_str(comment);
        }
        out
    }
}

/// A generated Go file.
#[derive(Debug, Clone)]
struct GoSource {
    package: String,
    imports: Vec<&'static str>,
    funcs: Vec<GoFunc>,
    /// Declarations between the functions, untouched by everyone.
    others: Vec<String>,
    indent: &'static str,
    crlf: bool,
    bom: bool,
    stub_body: &'static str,
    final_newline: bool,
}

/// How the model wrote its answer.
#[derive(Debug, Clone)]
struct AnswerStyle {
    /// Opening and closing fence; empty: bare code.
    fence: (&'static str, &'static str),
    /// The untouched functions echoed back too.
    echo_all: bool,
    /// The functions in reverse order.
    reversed: bool,
    crlf: bool,
}

impl GoSource {
    fn render(&self, stubbed: bool) -> String {
        let mut out = format!("package {}\n", self.package);
        if !self.imports.is_empty() {
            out.push_str("\nimport (\n");
            for import in &self.imports {
                out.push_str(&format!("\t{import}\n"));
            }
            out.push_str(")\n");
        }
        out.push_str("\ntype svc struct{ n int }\n\ntype Box[T any] struct{ v T }\n");
        for (i, func) in self.funcs.iter().enumerate() {
            if let Some(other) = self.others.get(i) {
                out.push('\n');
                out.push_str(other);
                out.push('\n');
            }
            out.push('\n');
            let stub = (stubbed && func.stubbed).then_some(self.stub_body);
            out.push_str(&func.render(self.indent, stub));
            out.push('\n');
        }
        if !self.final_newline {
            out.pop();
        }
        let out = if self.crlf {
            out.replace('\n', "\r\n")
        } else {
            out
        };
        if self.bom {
            format!("\u{feff}{out}")
        } else {
            out
        }
    }

    /// The stubbed functions, in the order the answer gives them.
    fn answered(&self, style: &AnswerStyle) -> Vec<&GoFunc> {
        let mut funcs: Vec<&GoFunc> = self
            .funcs
            .iter()
            .filter(|f| f.stubbed || style.echo_all)
            .collect();
        if style.reversed {
            funcs.reverse();
        }
        funcs
    }

    /// An answer made of the stubbed functions' originals (and more, as `style` says).
    fn answer(&self, file: &str, style: &AnswerStyle) -> String {
        let mut code = format!("// file: {file}\npackage {}\n", self.package);
        if !self.imports.is_empty() {
            code.push_str("\nimport (\n");
            for import in &self.imports {
                code.push_str(&format!("\t{import}\n"));
            }
            code.push_str(")\n");
        }
        for func in self.answered(style) {
            code.push('\n');
            code.push_str(&func.render(self.indent, None));
            code.push('\n');
        }
        let (open, close) = style.fence;
        let answer = if open.is_empty() {
            code
        } else {
            format!("Here is the implementation.\n\n{open}\n{code}{close}\n\nIt keeps every signature.\n")
        };
        if style.crlf {
            answer.replace('\n', "\r\n")
        } else {
            answer
        }
    }
}

fn answer_style() -> impl Strategy<Value = AnswerStyle> {
    (
        prop::sample::select(vec![
            ("```go", "```"),
            ("```golang", "```"),
            ("````go", "````"),
            ("~~~go", "~~~"),
            ("```", "```"),
            ("", ""),
        ]),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(fence, echo_all, reversed, crlf)| AnswerStyle {
            fence,
            echo_all,
            reversed,
            crlf,
        })
}

/// Go's keywords and predeclared names that cannot name a function: `init`, `main`, `_`.
const RESERVED: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
    "init",
    "main",
];

fn identifier() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z][A-Za-z0-9_]{0,10}",
        prop::sample::select(vec!["计算", "Ärger", "π", "café", "_x", "µs"])
            .prop_map(str::to_string),
    ]
    .prop_filter("a reserved word", |name| !RESERVED.contains(&name.as_str()))
}

/// Text for strings and comments: anything but what would end them or a line.
fn literal_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -!#-\\[\\]-~]{0,20}",
        prop::sample::select(vec![
            "```go",
            "panic(\"implement me\")",
            "订单已取消 ✓",
            "~~~",
            "<think>",
            "// file: x.go",
            "\u{3000}",
        ])
        .prop_map(str::to_string),
    ]
}

fn statement() -> impl Strategy<Value = String> {
    prop_oneof![
        (identifier(), any::<i32>()).prop_map(|(n, v)| format!("{n}_ := {v}")),
        literal_text()
            .prop_map(|t| format!("s := \"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""))),
        prop::collection::vec(literal_text(), 1..4)
            .prop_map(|lines| format!("r := `{}`", lines.join("\n").replace('`', "'"))),
        literal_text().prop_map(|t| format!("// {t}")),
        literal_text().prop_map(|t| format!("/* {} */", t.replace("*/", "* /"))),
        Just("if a, b := 1, 2; a > b {\n\treturn\n}".to_string()),
        Just("for i := 0; i < 3; i++ {\n\t_ = i\n}".to_string()),
        Just("go func() {\n\tpanic(\"boom\")\n}()".to_string()),
        Just("defer func() { _ = recover() }()".to_string()),
        Just("panic(errors.New(\"implement me\"))".to_string()),
        Just("return".to_string()),
    ]
}

fn go_func() -> impl Strategy<Value = GoFunc> {
    (
        prop::collection::vec(literal_text(), 0..3),
        prop::option::of(any::<bool>()),
        identifier(),
        any::<bool>(),
        prop::sample::select(vec![
            "",
            "ctx context.Context",
            "a, b int",
            "xs ...string",
            "m map[string] []int, f func(int) (bool, error)",
            "_ chan<- struct{}",
        ]),
        prop::sample::select(vec![
            "",
            " error",
            " (int, error)",
            " (n int, err error)",
            " *svc",
        ]),
        prop::collection::vec(statement(), 0..6),
        prop::option::of(literal_text()),
        any::<bool>(),
    )
        .prop_map(
            |(doc, receiver, name, generic, params, results, body, trailing, stubbed)| GoFunc {
                doc: doc.into_iter().map(|l| format!("// {l}")).collect(),
                receiver,
                name,
                generic,
                params: params.into(),
                results: results.into(),
                body,
                trailing,
                stubbed,
            },
        )
}

fn go_source() -> impl Strategy<Value = GoSource> {
    (
        "[a-z][a-z0-9]{0,8}".prop_filter("a reserved word", |name| !RESERVED.contains(&name.as_str())),
        prop::sample::subsequence(
            vec!["\"context\"", "\"errors\"", "storeV1 \"store/api/store/v1\"", "_ \"embed\""],
            0..4,
        ),
        prop::collection::vec(go_func(), 1..8),
        prop::collection::vec(
            prop_oneof![
                identifier().prop_map(|n| format!("var {n}V = 1")),
                identifier().prop_map(|n| format!("// {n} is a comment on its own")),
                identifier().prop_map(|n| format!("const (\n\t{n}C = iota\n)")),
            ],
            0..4,
        ),
        prop::sample::select(vec!["\t", "    "]),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![
            "\tpanic(\"implement me\")\n",
            "\tpanic(\"implement me\")\n\n\t// fill in the business logic code here\n\t// example:\n\t//\treturn nil\n",
            "\tpanic(\"prompt: do it\")\n",
            "\tpanic(`implement me`)\n",
        ]),
        any::<bool>(),
    )
        .prop_map(
            |(package, imports, mut funcs, others, indent, crlf, bom, stub_body, final_newline)| {
                // Unique identities (a name may repeat across receivers, as in Go); at least one stub.
                let mut seen = Vec::new();
                for (i, func) in funcs.iter_mut().enumerate() {
                    if seen.contains(&func.identity()) {
                        func.name = format!("{}{i}", func.name);
                    }
                    seen.push(func.identity());
                }
                funcs[0].stubbed = true;
                GoSource {
                    package,
                    imports,
                    funcs,
                    others,
                    indent,
                    crlf,
                    bom,
                    stub_body,
                    final_newline,
                }
            },
        )
}

proptest! {
    #![proptest_config(config(256))]

    /// Merging the sidecar made from a file's own implemented functions into its stubbed twin gives
    /// the file back, byte for byte; merging it again changes nothing.
    #[test]
    fn sidecar_of_own_functions_restores_the_file(generated in go_source(), style in answer_style()) {
        let original = generated.render(false);
        let twin = generated.render(true);
        prop_assume!(decls::syntax_problems(&original).is_empty());
        prop_assert!(decls::syntax_problems(&twin).is_empty(), "twin does not parse:\n{}", twin);

        let stubs = go().stubs_in(&twin, &Markers::default());
        let stubbed: Vec<String> = generated.funcs.iter().filter(|f| f.stubbed).map(GoFunc::identity).collect();
        let found: Vec<String> = stubs.iter().map(|s| s.identity()).collect();
        prop_assert_eq!(&found, &stubbed, "stubs found in the twin");

        let name = "internal/gen/gen.go";
        let path = Path::new("/nonexistent/internal/gen/gen.go");
        let job = Expected {
            target: TargetFile { name: name.into(), path: path.into(), source: twin.clone(), stubs },
            dependent: None,
            markers: Markers::default(),
        };
        let answer = generated.answer(name, &style);
        let checked = check::check(&answer, &job)
            .map_err(|problems| TestCaseError::fail(format!("answer refused: {problems}\n{answer}")))?;
        let answered: Vec<String> = generated.answered(&style).into_iter().filter(|f| f.stubbed).map(GoFunc::identity).collect();
        prop_assert_eq!(checked.len(), 1);
        prop_assert_eq!(&checked[0].functions, &answered);

        let meta = Meta { provider: "fuzz".into(), model: "own".into(), time: SystemTime::UNIX_EPOCH, verified: None };
        let text = sidecar::compose(path, &twin, &checked, &meta)
            .map_err(|e| TestCaseError::fail(format!("compose: {e}")))?;
        let sidecar = sidecar::parse(&text).map_err(|e| TestCaseError::fail(format!("parse: {e}")))?;
        prop_assert_eq!(&sidecar.functions, &answered);

        let merged = merge::merge(&twin, &sidecar.code)
            .map_err(|e| TestCaseError::fail(format!("merge: {e}\n--- sidecar\n{}", sidecar.code)))?;
        prop_assert!(merged.text == original, "merged file differs from the original:\n--- merged\n{}\n--- original\n{}", merged.text, original);

        let again = merge::merge(&original, &sidecar.code)
            .map_err(|e| TestCaseError::fail(format!("merge again: {e}")))?;
        prop_assert!(again.text == original, "merging twice changed the file:\n{}", again.text);
    }
}

/// A one-function job for `source`, named `internal/gen/gen.go`.
fn gen_job(source: &str) -> Expected {
    Expected {
        target: TargetFile {
            name: "internal/gen/gen.go".into(),
            path: "/nonexistent/internal/gen/gen.go".into(),
            source: source.into(),
            stubs: go().stubs_in(source, &Markers::default()),
        },
        dependent: None,
        markers: Markers::default(),
    }
}

const GEN_TWIN: &str = "package a\n\nfunc A() {\n\tpanic(\"implement me\")\n}\n";

fn functions_of(answer: &str) -> Result<Vec<String>, String> {
    check::check(answer, &gen_job(GEN_TWIN))
        .map(|files| files.into_iter().flat_map(|f| f.functions).collect())
        .map_err(|problems| problems.to_string())
}

/// `<think>` inside the code (a comment, a string) is code: check strips reasoning tags anywhere,
/// and an unclosed one runs to the end of the answer, taking the code with it.
#[test]
fn a_think_tag_inside_the_code_is_code() {
    // The `var` is a new helper declaration the answer adds, so it is listed with the function.
    for (line, expected) in [
        ("// A strips <think> blocks.", vec!["A"]),
        ("var open = \"<think>\"", vec!["open", "A"]),
    ] {
        let answer = format!("```go\npackage a\n\n{line}\n\nfunc A() {{\n}}\n```\n");
        let expected: Vec<String> = expected.into_iter().map(String::from).collect();
        assert_eq!(functions_of(&answer), Ok(expected), "{line}");
    }
}

/// A line of Go indented like code (here in a raw string) that looks like a fence does not end the
/// code: CommonMark allows at most three spaces before a fence, check allows any indentation.
#[test]
fn a_fence_like_line_indented_in_the_code_does_not_end_it() {
    let code = "package a\n\nfunc A() {\n\tr := `\n\t~~~\n\t`\n\t_ = r\n}\n";
    assert_eq!(functions_of(code), Ok(vec!["A".to_string()]), "bare code");
    let fenced = format!("~~~go\n{code}~~~\n");
    assert_eq!(
        functions_of(&fenced),
        Ok(vec!["A".to_string()]),
        "in a ~~~ fence"
    );
}

/// The Go language, from the registry.
fn go() -> Lang {
    Lang::named("go").expect("Go is registered")
}

// ---------------------------------------------------------------------------------------------
// Large files: the stub finder by windows gives what the whole-file one gives.
// ---------------------------------------------------------------------------------------------

/// Declarations that make cutting a file at its column-0 keywords hard: lines like declarations inside
/// raw strings and block comments, markers in comments and strings, closures, generic methods, brackets
/// in literals.
fn tricky_declaration() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "var raw = `\nfunc X() {\n\tpanic(\"implement me\")\n}\n`",
        "var raw2 = `\n}\n`\n\nfunc Y() {\n\tpanic(\"implement me\")\n}",
        "/*\nfunc Z() {\n\tpanic(\"implement me\")\n}\n*/",
        "// panic(\"implement me\")\nvar s = \"panic(\\\"implement me\\\") {\"",
        "// Outer returns a closure.\nfunc Outer() func() {\n\treturn func() {\n\t\tpanic(\"implement me\")\n\t}\n}",
        "type Set[T comparable] struct{}\n\n// Add adds.\nfunc (s *Set[T]) Add(v T) {\n\tpanic(\"not implemented\")\n}",
        "var r, q = '{', '\\''",
        "var (\n\ta = 1\n\tb = \"}\"\n)",
        "const c = `{`",
        "/* doc */ func Inline() { panic(\"unimplemented\") }",
        "func Hinted() error {\n\tpanic(\"implement me\")\n\n\t// fill in the business logic code here\n\t// example:\n\t//\treturn nil\n}",
    ])
}

/// `generated` rendered with its stubs, tricky declarations inserted before some of its functions.
fn with_tricky(generated: &GoSource, tricky: &[(prop::sample::Index, &str)]) -> String {
    let mut source = generated.render(true);
    let newline = if generated.crlf { "\r\n" } else { "\n" };
    for (at, declaration) in tricky {
        let func_lines: Vec<usize> = source
            .match_indices("\nfunc ")
            .map(|(i, _)| i + 1)
            .collect();
        let at = func_lines
            .get(at.index(func_lines.len().max(1)))
            .copied()
            .unwrap_or(source.len());
        let text = format!("{declaration}\n\n").replace('\n', newline);
        source.insert_str(at, &text);
    }
    source
}

/// Where the whole file parses, the windows give exactly its stubs (and are always clean enough to be
/// used). Where it does not, tree-sitter's recovery may reach across the whole file (a broken function
/// swallowing the ones after it), which no window can know: the windows' stubs are then only checked
/// to be consistent, positions included.
fn windows_match_the_whole_file(source: &str) -> Result<(), TestCaseError> {
    let markers = Markers::default();
    let windowed = go_lang::windows::stubs_by_windows(source, &markers);
    if !decls::syntax_problems(source).is_empty() {
        return assert_consistent(source, &windowed.unwrap_or_default());
    }
    let whole = go_lang::whole_file_stubs(source, &markers);
    let windowed = windowed.ok_or_else(|| {
        TestCaseError::fail(format!("no clean windows in a file that parses:\n{source}"))
    })?;
    prop_assert_eq!(windowed, whole, "source:\n{}", source);
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn windowed_stubs_match_on_generated_go(
        generated in go_source(),
        tricky in prop::collection::vec((any::<prop::sample::Index>(), tricky_declaration()), 0..6),
    ) {
        let source = with_tricky(&generated, &tricky);
        windows_match_the_whole_file(&source)?;
    }

    #[test]
    fn windowed_stubs_match_on_mutated_go(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..12),
    ) {
        let seeds = go_seeds();
        let source = mutate(&seeds[seed.index(seeds.len())], &mutations);
        windows_match_the_whole_file(&source)?;
    }
}
