//! The one place that turns an HTTP response into SSE `data:` payloads, with the clocks that catch a
//! server that went quiet.
//!
//! - first byte: from sending the request until the body's first byte (headers included);
//! - idle: between two reads once the body flows. The watchdog sits on the *byte* stream, below the
//!   SSE parser, so comment lines such as `: keep-alive` (which the parser drops) still count.
//!
//! `data: [DONE]` ends the stream. What a payload means is the protocol modules' business; the whole
//! attempt's clock (`--timeout`) is theirs to wrap around this.

use std::pin::Pin;
use std::time::Duration;

use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::{Stream, StreamExt};
use tokio::time::Instant;

use super::error::describe;
use super::{Origin, ProviderError, Reason, Timeouts};

/// Sends `request` and returns its body as SSE payloads, or the classified error when the server
/// answers with an error status, cannot be reached, or sends nothing before the first-byte timeout.
pub(super) async fn open(
    request: reqwest::RequestBuilder,
    timeouts: &Timeouts,
    origin: &Origin,
) -> Result<SseStream, ProviderError> {
    let first_byte_deadline = Instant::now() + timeouts.first_byte;
    let response = match tokio::time::timeout_at(first_byte_deadline, request.send()).await {
        Err(_elapsed) => return Err(first_byte_timeout(origin, timeouts.first_byte)),
        Ok(Err(error)) => return Err(ProviderError::transport(origin, &error)),
        Ok(Ok(response)) => response,
    };
    if !response.status().is_success() {
        return Err(ProviderError::from_response(origin, response, timeouts.idle).await);
    }
    // A server that ignored `stream: true` sends one JSON document; it reads as a single payload.
    let is_plain_json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    let source = if is_plain_json {
        let body = response.text().await.map_err(|e| dropped(origin, &e))?;
        Source::Whole(Some(body))
    } else {
        let bytes = watch(response.bytes_stream(), first_byte_deadline, timeouts.idle);
        Source::Events(Box::pin(without_bom(bytes).eventsource()))
    };
    Ok(SseStream {
        source,
        origin: origin.clone(),
        timeouts: *timeouts,
        saw_done: false,
    })
}

type Events =
    Pin<Box<dyn Stream<Item = Result<eventsource_stream::Event, EventStreamError<Fault>>> + Send>>;

enum Source {
    Events(Events),
    Whole(Option<String>),
}

pub(super) struct SseStream {
    source: Source,
    origin: Origin,
    timeouts: Timeouts,
    saw_done: bool,
}

impl SseStream {
    /// The next `data:` payload; `None` once the stream ended (by `[DONE]` or by the server closing it).
    pub(super) async fn next_data(&mut self) -> Result<Option<String>, ProviderError> {
        let events = match &mut self.source {
            Source::Whole(body) => {
                self.saw_done = body.is_none();
                return Ok(body.take());
            }
            Source::Events(events) => events,
        };
        if self.saw_done {
            return Ok(None);
        }
        loop {
            match events.next().await {
                None => return Ok(None),
                Some(Ok(event)) => {
                    let data = event.data.trim();
                    if data == "[DONE]" {
                        self.saw_done = true;
                        return Ok(None);
                    }
                    if !data.is_empty() {
                        return Ok(Some(event.data));
                    }
                }
                Some(Err(EventStreamError::Transport(fault))) => return Err(self.fault(fault)),
                Some(Err(EventStreamError::Utf8(error))) => return Err(self.malformed(&error)),
                Some(Err(EventStreamError::Parser(error))) => return Err(self.malformed(&error)),
            }
        }
    }

    /// Whether the server said `[DONE]` (OpenAI-style streams), as opposed to just closing.
    pub(super) fn saw_done(&self) -> bool {
        self.saw_done
    }

    fn malformed(&self, error: &dyn std::fmt::Display) -> ProviderError {
        ProviderError::new(
            Reason::StreamBroken,
            format!("malformed stream from {}: {error}", self.origin.provider),
        )
    }

    fn fault(&self, fault: Fault) -> ProviderError {
        match fault {
            Fault::FirstByte => first_byte_timeout(&self.origin, self.timeouts.first_byte),
            Fault::Idle => ProviderError::new(
                Reason::Timeout,
                format!(
                    "{} stalled: nothing received for {} s mid-stream (idle timeout)",
                    self.origin.provider,
                    self.timeouts.idle.as_secs_f32()
                ),
            ),
            Fault::Transport(error) => dropped(&self.origin, &error),
        }
    }
}

fn first_byte_timeout(origin: &Origin, first_byte: Duration) -> ProviderError {
    ProviderError::new(
        Reason::Timeout,
        format!(
            "{} sent nothing for {} s after the request (first-byte timeout)",
            origin.provider,
            first_byte.as_secs_f32()
        ),
    )
}

fn dropped(origin: &Origin, error: &reqwest::Error) -> ProviderError {
    ProviderError::new(
        Reason::StreamBroken,
        format!(
            "connection to {} dropped mid-stream: {}",
            origin.provider,
            describe(error)
        ),
    )
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A body chunk, as received or (at the start) rebuilt without a byte-order mark.
enum Chunk<B> {
    Received(B),
    Rebuilt(Vec<u8>),
}

impl<B: AsRef<[u8]>> AsRef<[u8]> for Chunk<B> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Chunk::Received(bytes) => bytes.as_ref(),
            Chunk::Rebuilt(bytes) => bytes,
        }
    }
}

/// The byte stream without leading UTF-8 byte-order marks, which some servers send and which the SSE
/// parser cannot take (it panics when its first text starts with one). Marks may arrive split across
/// chunks, and more than one: bytes wait until it is clear whether they start one.
fn without_bom<S, B>(bytes: S) -> impl Stream<Item = Result<Chunk<B>, Fault>> + Send + 'static
where
    S: Stream<Item = Result<B, Fault>> + Send + 'static,
    B: AsRef<[u8]> + Send + 'static,
{
    let start = (Box::pin(bytes), Some(Vec::new()));
    futures_util::stream::unfold(start, |(mut bytes, mut head)| async move {
        loop {
            let Some(pending) = head.as_mut() else {
                let next = bytes.next().await?;
                return Some((next.map(Chunk::Received), (bytes, None)));
            };
            let ended = match bytes.next().await {
                Some(Ok(chunk)) => {
                    pending.extend_from_slice(chunk.as_ref());
                    false
                }
                Some(Err(fault)) => return Some((Err(fault), (bytes, None))),
                None => true,
            };
            while pending.starts_with(BOM) {
                pending.drain(..BOM.len());
            }
            let undecided = pending.is_empty() || BOM.starts_with(pending);
            if undecided && !ended {
                continue;
            }
            let rest = head.take().unwrap_or_default();
            if rest.is_empty() {
                return None;
            }
            return Some((Ok(Chunk::Rebuilt(rest)), (bytes, None)));
        }
    })
}

/// Why the byte stream stopped early.
enum Fault {
    Transport(reqwest::Error),
    FirstByte,
    Idle,
}

/// The byte stream, cut off with a [`Fault`] when the first byte misses its deadline or the
/// stream then goes quiet for `idle`. Ends after the first fault.
fn watch<S, B>(
    body: S,
    first_byte_deadline: Instant,
    idle: Duration,
) -> impl Stream<Item = Result<B, Fault>> + Send + 'static
where
    S: Stream<Item = Result<B, reqwest::Error>> + Send + 'static,
    B: Send + 'static,
{
    let start = Some((Box::pin(body), true));
    futures_util::stream::unfold(start, move |state| async move {
        let (mut body, first) = state?;
        let deadline = if first {
            first_byte_deadline
        } else {
            Instant::now() + idle
        };
        match tokio::time::timeout_at(deadline, body.next()).await {
            Err(_elapsed) => Some((
                Err(if first { Fault::FirstByte } else { Fault::Idle }),
                None,
            )),
            Ok(None) => None,
            Ok(Some(Err(error))) => Some((Err(Fault::Transport(error)), None)),
            Ok(Some(Ok(bytes))) => Some((Ok(bytes), Some((body, false)))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn strip(chunks: &[&[u8]]) -> Vec<u8> {
        let owned: Vec<Result<Vec<u8>, Fault>> = chunks.iter().map(|c| Ok(c.to_vec())).collect();
        let stream = without_bom(futures_util::stream::iter(owned));
        let mut out = Vec::new();
        futures_util::pin_mut!(stream);
        while let Some(Ok(chunk)) = stream.next().await {
            out.extend_from_slice(chunk.as_ref());
        }
        out
    }

    #[tokio::test]
    async fn a_byte_order_mark_is_dropped_even_when_split() {
        assert_eq!(strip(&[b"\xEF\xBB\xBFdata: x\n\n"]).await, b"data: x\n\n");
        assert_eq!(strip(&[b"\xEF", b"\xBB", b"\xBFdata"]).await, b"data");
        assert_eq!(strip(&[b"\xEF\xBB"]).await, b"\xEF\xBB");
        assert_eq!(strip(&[b"", b"data", b": y"]).await, b"data: y");
        assert_eq!(strip(&[b"\xEFx"]).await, b"\xEFx");
        assert_eq!(strip(&[]).await, b"");
        assert_eq!(strip(&[b"\xEF\xBB\xBF", b"\xEF\xBB\xBFx"]).await, b"x");
        assert_eq!(strip(&[b"\xEF\xBB\xBF\xEF\xBB\xBF"]).await, b"");
    }
}
