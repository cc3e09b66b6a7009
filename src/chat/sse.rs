//! Server-Sent Events, read incrementally from a byte stream.
//!
//! - [`Utf8StreamDecoder`] is `TextDecoder` with `{stream: true}`: bytes may be split
//!   anywhere, including inside a character; invalid sequences become U+FFFD; a leading
//!   byte-order mark is dropped.
//! - [`SseParser`] is the WHATWG `text/event-stream` interpretation: `CRLF`, `LF` and
//!   lone `CR` line ends, `:` comments, `event`/`data`/`id`/`retry` fields (one leading
//!   space stripped from a value), multi-line `data` joined with `\n`, an event dispatched
//!   on a blank line, the last event id kept for resuming (`Last-Event-ID`).
//!
//! The official SDK's own readers for chat-run and workflow events frame the stream more
//! loosely; [`super::run_events`] and [`super::workflow_events`] reproduce those exactly on
//! top of the decoder.

/// An incremental UTF-8 decoder with `TextDecoder` semantics (non-fatal, BOM stripped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Utf8StreamDecoder {
    pending: Vec<u8>,
    started: bool,
}

impl Utf8StreamDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// `decode(bytes, {stream: true})`: the text of `bytes`, holding back an incomplete
    /// trailing character until the next call.
    pub fn decode(&mut self, bytes: &[u8]) -> String {
        self.run(bytes, true)
    }

    /// `decode()` at the end of the stream: flushes a held-back incomplete character as
    /// U+FFFD.
    pub fn finish(&mut self) -> String {
        self.run(&[], false)
    }

    fn run(&mut self, bytes: &[u8], stream: bool) -> String {
        let mut buf = std::mem::take(&mut self.pending);
        buf.extend_from_slice(bytes);
        let mut out = String::with_capacity(buf.len());
        let mut pos = 0;
        while pos < buf.len() {
            match std::str::from_utf8(&buf[pos..]) {
                Ok(s) => {
                    out.push_str(s);
                    pos = buf.len();
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    // The prefix is valid UTF-8 by construction.
                    out.push_str(std::str::from_utf8(&buf[pos..pos + valid]).unwrap_or_default());
                    pos += valid;
                    match e.error_len() {
                        Some(len) => {
                            out.push('\u{fffd}');
                            pos += len;
                        }
                        None if stream => {
                            self.pending = buf[pos..].to_vec();
                            pos = buf.len();
                        }
                        None => {
                            out.push('\u{fffd}');
                            pos = buf.len();
                        }
                    }
                }
            }
        }
        if !self.started && !out.is_empty() {
            self.started = true;
            if let Some(rest) = out.strip_prefix('\u{feff}') {
                return rest.to_string();
            }
        }
        out
    }
}

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field, or `message` when there was none (or it was empty).
    pub event: String,
    /// The `data` lines joined with `\n`.
    pub data: String,
    /// The last event id at dispatch time (`""` when none was ever set).
    pub id: String,
}

/// The WHATWG event-stream parser, fed any byte chunks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseParser {
    decoder: Utf8StreamDecoder,
    line: String,
    after_cr: bool,
    data: String,
    has_data: bool,
    event_type: String,
    id_buffer: String,
    last_event_id: String,
    retry: Option<u64>,
}

impl SseParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// A parser for a reconnection that resumes after `last_event_id` (the value sent as
    /// `Last-Event-ID`; events keep reporting it until the stream sets another).
    pub fn resume(last_event_id: impl Into<String>) -> Self {
        let id = last_event_id.into();
        Self {
            id_buffer: id.clone(),
            last_event_id: id,
            ..Self::default()
        }
    }

    /// The last event id seen (what to send as `Last-Event-ID` when reconnecting).
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The reconnection time the server asked for with `retry:`, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// Feeds raw bytes; returns the events completed by them.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let text = self.decoder.decode(bytes);
        self.feed_text(&text)
    }

    /// Feeds already-decoded text.
    pub fn feed_text(&mut self, text: &str) -> Vec<SseEvent> {
        let mut events = Vec::new();
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if c != '\r' && c != '\n' {
                continue;
            }
            let skip = c == '\n' && self.after_cr && i == start && self.line.is_empty();
            self.after_cr = c == '\r';
            if skip {
                // The LF of a CRLF whose CR ended the previous line.
                start = i + 1;
                continue;
            }
            self.line.push_str(&text[start..i]);
            start = i + 1;
            let line = std::mem::take(&mut self.line);
            if let Some(e) = self.process_line(&line) {
                events.push(e);
            }
        }
        if start < text.len() {
            self.after_cr = false;
            self.line.push_str(&text[start..]);
        }
        events
    }

    /// The end of the stream. As the standard says, an event not closed by a blank line
    /// is discarded; the decoder is flushed.
    pub fn finish(&mut self) {
        self.decoder.finish();
        self.line.clear();
        self.data.clear();
        self.has_data = false;
        self.event_type.clear();
    }

    fn process_line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event_type = value.to_string(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.id_buffer = value.to_string(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(ms) = value.parse() {
                    self.retry = Some(ms);
                }
            }
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        self.last_event_id = self.id_buffer.clone();
        let event_type = std::mem::take(&mut self.event_type);
        if !self.has_data {
            return None;
        }
        self.has_data = false;
        Some(SseEvent {
            event: if event_type.is_empty() {
                "message".into()
            } else {
                event_type
            },
            data: std::mem::take(&mut self.data),
            id: self.last_event_id.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str, id: &str) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
            id: id.into(),
        }
    }

    fn parse_all(chunks: &[&[u8]]) -> (Vec<SseEvent>, SseParser) {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            out.extend(p.feed(c));
        }
        (out, p)
    }

    const STREAM: &str = "\u{feff}: hello\r\nretry: 2500\r\nid: 1\r\nevent: run_started\r\ndata: {\"a\":\"é日本👋\"}\r\n\r\ndata:x\ndata:  y\n\nid\nevent\ndata\n\n:c\rid: 7\revent: end\rdata: last\r\rdata: unterminated";

    fn expected() -> Vec<SseEvent> {
        vec![
            ev("run_started", "{\"a\":\"é日本👋\"}", "1"),
            ev("message", "x\n y", "1"),
            ev("message", "", ""),
            ev("end", "last", "7"),
        ]
    }

    #[test]
    fn whole_stream() {
        let (events, p) = parse_all(&[STREAM.as_bytes()]);
        assert_eq!(events, expected());
        assert_eq!(p.retry(), Some(2500));
        assert_eq!(p.last_event_id(), "7");
    }

    #[test]
    fn split_at_every_byte_offset() {
        let bytes = STREAM.as_bytes();
        for cut in 0..=bytes.len() {
            let (events, _) = parse_all(&[&bytes[..cut], &bytes[cut..]]);
            assert_eq!(events, expected(), "cut at {cut}");
        }
        for a in (0..bytes.len()).step_by(3) {
            for b in (a..=bytes.len()).step_by(5) {
                let (events, _) = parse_all(&[&bytes[..a], &bytes[a..b], &bytes[b..]]);
                assert_eq!(events, expected(), "cuts at {a}, {b}");
            }
        }
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(parse_all(&singles).0, expected());
    }

    #[test]
    fn crlf_split_between_cr_and_lf_is_one_line_end() {
        let (events, _) = parse_all(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(events, vec![ev("message", "a\nb", "")]);
    }

    #[test]
    fn invalid_utf8_and_id_rules() {
        let (events, _) = parse_all(&[b"id: a\0b\ndata: \xff\xfe\n\n"]);
        assert_eq!(events, vec![ev("message", "\u{fffd}\u{fffd}", "")]);
        let mut p = SseParser::resume("41");
        assert_eq!(p.feed(b"data: x\n\n"), vec![ev("message", "x", "41")]);
        assert_eq!(p.feed(b"id: 42\n\n"), vec![]);
        assert_eq!(p.last_event_id(), "42");
        assert_eq!(p.feed(b"retry: 1x\nretry: \n\n"), vec![]);
        assert_eq!(p.retry(), None);
        p.feed(b"data: pending");
        p.finish();
        assert_eq!(p.feed(b"\n\n"), vec![]);
    }

    #[test]
    fn decoder_holds_split_characters_and_flushes() {
        let mut d = Utf8StreamDecoder::new();
        let bytes = "👋é".as_bytes();
        let mut out = String::new();
        for b in bytes {
            out.push_str(&d.decode(&[*b]));
        }
        assert_eq!(out, "👋é");
        assert_eq!(d.decode(&[0xf0, 0x9f]), "");
        assert_eq!(d.finish(), "\u{fffd}");
        let mut d = Utf8StreamDecoder::new();
        assert_eq!(d.decode(&[0xef, 0xbb]), "");
        assert_eq!(d.decode(&[0xbf, b'a', 0xef, 0xbb, 0xbf]), "a\u{feff}");
        // Maximal subparts, as TextDecoder replaces them.
        let mut d = Utf8StreamDecoder::new();
        assert_eq!(
            d.decode(b"a\xe6\x97b\xc0\x80"),
            "a\u{fffd}b\u{fffd}\u{fffd}"
        );
    }
}
