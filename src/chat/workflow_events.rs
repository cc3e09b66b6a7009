//! The creative-workflow event stream (`GET /v1/creative-agent/workflows/{id}/events/stream`)
//! read exactly as the official SDK reads it: the public `parseCreativeWorkflowSseChunk`
//! and the incremental loop of `workflows.streamEvents()`.
//!
//! Frames end at a blank line written with any mix of `\n` and `\r\n`; each frame is
//! trimmed; `:` lines are skipped; a field's value loses one leading space; `data` is
//! parsed as JSON when it can be and kept as text otherwise. The stream stops after the
//! first frame whose data has a terminal `status` (`completed`, `failed`, `cancelled` —
//! not `partial_failure`); at the end of the body the rest is parsed as it is.

use serde_json::{Map, Value};

use super::js;
use super::sse::Utf8StreamDecoder;

/// Workflow statuses that end the event stream.
pub const TERMINAL_WORKFLOW_STATUSES: [&str; 3] = ["completed", "failed", "cancelled"];

/// Splits on `/\r?\n\r?\n/`.
fn split_frames(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        let at = |k: usize| b.get(k).copied();
        let first = match (at(i), at(i + 1)) {
            (Some(b'\r'), Some(b'\n')) => Some(i + 2),
            (Some(b'\n'), _) => Some(i + 1),
            _ => None,
        };
        let end = first.and_then(|j| match (at(j), at(j + 1)) {
            (Some(b'\r'), Some(b'\n')) => Some(j + 2),
            (Some(b'\n'), _) => Some(j + 1),
            _ => None,
        });
        match end {
            Some(end) => {
                parts.push(&s[start..i]);
                start = end;
                i = end;
            }
            None => i += 1,
        }
    }
    parts.push(&s[start..]);
    parts
}

/// `parseCreativeWorkflowSseChunk(chunk)`: every frame of `chunk` as
/// `{event, data, raw, id?}` (`event` defaults to `message`, `data` to `null`).
pub fn parse_workflow_sse_chunk(chunk: &str) -> Vec<Value> {
    split_frames(chunk)
        .into_iter()
        .map(js::trim)
        .filter(|block| !block.is_empty())
        .map(|block| {
            let mut frame = Map::new();
            frame.insert("event".into(), Value::from("message"));
            frame.insert("data".into(), Value::Null);
            frame.insert("raw".into(), Value::from(block));
            let mut data_lines: Vec<&str> = Vec::new();
            for raw in block.split('\n') {
                let line = raw.strip_suffix('\r').unwrap_or(raw);
                if line.is_empty() || line.starts_with(':') {
                    continue;
                }
                let (field, value) = match line.split_once(':') {
                    Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                    None => (line, ""),
                };
                match field {
                    "id" => {
                        frame.insert("id".into(), Value::from(value));
                    }
                    "event" => {
                        let name = if value.is_empty() { "message" } else { value };
                        frame.insert("event".into(), Value::from(name));
                    }
                    "data" => data_lines.push(value),
                    _ => {}
                }
            }
            let data = data_lines.join("\n");
            if !data.is_empty() {
                let parsed = serde_json::from_str(&data).unwrap_or(Value::String(data));
                frame.insert("data".into(), parsed);
            }
            Value::Object(frame)
        })
        .collect()
}

/// Does this frame's data end the stream?
pub fn is_terminal_workflow_frame(frame: &Value) -> bool {
    frame["data"]
        .get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| TERMINAL_WORKFLOW_STATUSES.contains(&s))
}

/// Reads workflow events from byte chunks, stopping after a terminal frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkflowEventReader {
    decoder: Utf8StreamDecoder,
    buffer: String,
    finished: bool,
}

impl WorkflowEventReader {
    /// A reader at the start of the stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Has a terminal frame been read? The caller then cancels the body.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Feeds a chunk of the response body; returns the frames it completed, up to and
    /// including a terminal one.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Value> {
        if self.finished {
            return Vec::new();
        }
        let text = self.decoder.decode(bytes);
        self.buffer.push_str(&text);
        let mut parts: Vec<String> = split_frames(&self.buffer)
            .into_iter()
            .map(String::from)
            .collect();
        self.buffer = parts.pop().unwrap_or_default();
        let mut out = Vec::new();
        for frame in parse_workflow_sse_chunk(&parts.join("\n\n")) {
            let terminal = is_terminal_workflow_frame(&frame);
            out.push(frame);
            if terminal {
                self.finished = true;
                self.buffer.clear();
                break;
            }
        }
        out
    }

    /// The body ended: flushes the decoder and parses the rest (no terminal check).
    pub fn finish(&mut self) -> Vec<Value> {
        if self.finished {
            return Vec::new();
        }
        self.finished = true;
        let tail = self.decoder.finish();
        self.buffer.push_str(&tail);
        parse_workflow_sse_chunk(&std::mem::take(&mut self.buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_on_any_blank_line() {
        assert_eq!(
            split_frames("a\n\nb\r\n\nc\n\r\nd\r\n\r\ne\r\rf"),
            ["a", "b", "c", "d", "e\r\rf"]
        );
    }

    #[test]
    fn stops_after_terminal_status() {
        let mut r = WorkflowEventReader::new();
        let got = r.feed(
            b"data: {\"status\":\"running\"}\n\ndata: {\"status\":\"failed\"}\n\ndata: 1\n\n",
        );
        assert_eq!(got.len(), 2);
        assert!(r.is_finished());
        assert!(r.feed(b"data: 2\n\n").is_empty());
        assert_eq!(
            parse_workflow_sse_chunk("id: 3\nevent:\ndata: x")[0],
            json!({"event": "message", "data": "x", "raw": "id: 3\nevent:\ndata: x", "id": "3"})
        );
    }
}
