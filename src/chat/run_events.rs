//! The event stream of a durable chat run (`GET /v1/chat/runs/{id}/events/stream`), read
//! exactly as the official `chat.runs.streamEvents()` reads it.
//!
//! Its framing is looser than the SSE standard ([`super::sse`]): a frame ends at the first
//! `\n\n` or `\r\n\r\n` (a lone `CR` ends nothing); a frame that starts with `:` is skipped
//! whole, even if data lines follow the comment; only lines starting `event:` and `data:`
//! count, each value trimmed; `id:` and `retry:` are ignored; `run_status` frames and
//! frames without data are skipped; the data must parse as JSON to a truthy value; and at
//! the end of the stream the unterminated rest is parsed too (an incomplete trailing
//! UTF-8 character is dropped). Resuming is by the event's `sequence`, sent as
//! `Last-Event-ID` ([`last_event_id_header`]).

use serde_json::Value;

use super::js;
use super::sse::Utf8StreamDecoder;

/// Reads chat-run events from byte chunks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatRunEventReader {
    decoder: Utf8StreamDecoder,
    buffer: String,
}

fn frame_boundary(s: &str) -> Option<(usize, usize)> {
    let lf = s.find("\n\n");
    let crlf = s.find("\r\n\r\n");
    match (lf, crlf) {
        (None, None) => None,
        (Some(i), None) => Some((i, 2)),
        (None, Some(i)) => Some((i, 4)),
        (Some(a), Some(b)) if a < b => Some((a, 2)),
        (_, Some(b)) => Some((b, 4)),
    }
}

/// One frame → the `ChatRunEvent` the official iterator yields, if any.
pub fn chat_run_event_from_frame(frame: &str) -> Option<Value> {
    if js::trim(frame).is_empty() || frame.starts_with(':') {
        return None;
    }
    let mut event_name = "message";
    let mut data = String::new();
    for raw in frame.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(v) = line.strip_prefix("event:") {
            event_name = js::trim(v);
        } else if let Some(v) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(js::trim(v));
        }
    }
    if event_name == "run_status" || data.is_empty() {
        return None;
    }
    serde_json::from_str::<Value>(&data).ok().filter(js::truthy)
}

impl ChatRunEventReader {
    /// A reader at the start of the stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a chunk of the response body; returns the events it completed.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Value> {
        let text = self.decoder.decode(bytes);
        self.buffer.push_str(&text);
        let mut events = Vec::new();
        while let Some((index, length)) = frame_boundary(&self.buffer) {
            let frame: String = self.buffer[..index].to_string();
            self.buffer.drain(..index + length);
            events.extend(chat_run_event_from_frame(&frame));
        }
        events
    }

    /// The body ended: parses what is left (trimmed).
    pub fn finish(&mut self) -> Vec<Value> {
        let rest = std::mem::take(&mut self.buffer);
        let rest = js::trim(&rest);
        if rest.is_empty() {
            return Vec::new();
        }
        chat_run_event_from_frame(rest).into_iter().collect()
    }
}

/// The `Last-Event-ID` header for `streamEvents(runId, {lastEventId})`: set only for a
/// finite number, written as JS writes it.
pub fn last_event_id_header(last_event_id: Option<f64>) -> Option<String> {
    last_event_id
        .filter(|n| n.is_finite())
        .map(crate::projects::js::number_to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_and_quirks() {
        let mut r = ChatRunEventReader::new();
        let mut got = r.feed(b": c\ndata: {\"n\":1}\n\nevent: run_status\ndata: {\"n\":2}\r\n\r\ndata: 0\n\ndata:  {\"n\":\n");
        got.extend(r.feed(b"data: 3}  \n\ndata: {\"n\":4}"));
        got.extend(r.finish());
        assert_eq!(got, vec![json!({"n": 3}), json!({"n": 4})]);
    }

    #[test]
    fn header_only_for_finite_numbers() {
        assert_eq!(last_event_id_header(Some(5.0)).as_deref(), Some("5"));
        assert_eq!(last_event_id_header(Some(1e21)).as_deref(), Some("1e+21"));
        assert_eq!(last_event_id_header(Some(f64::NAN)), None);
        assert_eq!(last_event_id_header(None), None);
    }
}
