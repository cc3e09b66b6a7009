//! One socket chat job's results, assembled the way the official `ChatStream` and the
//! `ChatApi` socket handlers assemble them.
//!
//! The wasm layer keeps one [`ChatStream`] per job it sent (the official `activeStreams`),
//! routes the job's frames to it, and drops it once [`ChatStream::on_result`] or
//! [`ChatStream::on_error`] has run — frames for unknown jobs are ignored. Each handler
//! returns the payload the official `ChatApi` emits (`token`, `jobState`, `completed`,
//! `error`); [`ChatStream::poll_next`] is the `for await` iterator, polled.
//!
//! Values are kept as the server sent them (`role`, `finishReason`, `usage`, `cost`,
//! `workerName` are copied, not parsed), so the chunks and the final result have exactly
//! the official shapes; keys whose official value is `undefined` are left out.

use std::collections::VecDeque;

use serde_json::{Map, Value};

use super::job_error::{llm_error_message, ChatJobError};
use super::js;

/// What the iterator has for the consumer right now.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamPoll {
    /// The next chunk (the `ChatCompletionChunk` object).
    Chunk(Value),
    /// The stream finished; no more chunks.
    Done,
    /// The stream failed. Returned on every poll after the failure, even when chunks were
    /// still buffered (they are lost, as officially).
    Error(Box<ChatJobError>),
    /// Nothing yet: wait for the next frame and poll again.
    Pending,
}

/// One accumulated tool call.
#[derive(Debug, Clone, PartialEq)]
struct ToolCallState {
    /// The delta's `index` (`None` for a delta without one).
    index: Option<Value>,
    id: Value,
    name: Value,
    arguments: String,
}

/// The state of one chat job, from request to result.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatStream {
    job_id: String,
    buffer: VecDeque<Value>,
    done: bool,
    error: Option<ChatJobError>,
    content: String,
    role: Value,
    finish_reason: Option<Value>,
    usage: Option<Value>,
    time_taken: Value,
    worker_name: Option<Value>,
    cost: Option<Value>,
    tool_calls: Vec<ToolCallState>,
}

/// The `ChatCompletionChunk` a `jobTokens` frame becomes:
/// `{jobID, content: content || '', role, finishReason, usage, tool_calls}`.
pub fn chunk_from_tokens(data: &Value) -> Value {
    let mut chunk = Map::new();
    copy(&mut chunk, data, "jobID", "jobID");
    let content = data
        .get("content")
        .filter(|c| js::truthy(c))
        .cloned()
        .unwrap_or_else(|| Value::from(""));
    chunk.insert("content".into(), content);
    for key in ["role", "finishReason", "usage", "tool_calls"] {
        copy(&mut chunk, data, key, key);
    }
    Value::Object(chunk)
}

/// The `jobState` event payload:
/// `{jobID, type, workerName, queuePosition, modelId, estimatedCost}`.
pub fn job_state_event(data: &Value) -> Value {
    let mut event = Map::new();
    for key in [
        "jobID",
        "type",
        "workerName",
        "queuePosition",
        "modelId",
        "estimatedCost",
    ] {
        copy(&mut event, data, key, key);
    }
    Value::Object(event)
}

fn copy(into: &mut Map<String, Value>, from: &Value, key: &str, as_key: &str) {
    if let Some(v) = from.get(key) {
        into.insert(as_key.into(), v.clone());
    }
}

/// Splits inline reasoning off a completion's content: models such as Qwen3 stream their
/// thinking inside the content as a leading `<think>…</think>` block (the SDK passes it
/// through; there is no separate reasoning field on the wire). Returns the reasoning (also
/// while the block is still open, mid-stream) and the answer after it. Not an official SDK
/// function — its examples strip the block the same way for display.
pub fn split_reasoning(content: &str) -> (Option<&str>, &str) {
    let start = content.trim_start();
    let Some(after) = start.strip_prefix("<think>") else {
        return (None, content);
    };
    match after.find("</think>") {
        Some(end) => (
            Some(after[..end].trim()),
            after[end + "</think>".len()..].trim_start(),
        ),
        None => (Some(after.trim_start()), ""),
    }
}

/// Two `Map` keys are the same key (SameValueZero; objects never equal).
fn same_key(a: &Option<Value>, b: &Option<Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64() == y.as_f64(),
        (Some(Value::Array(_) | Value::Object(_)), _) => false,
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

impl ChatStream {
    /// A stream for the job just sent.
    pub fn new(job_id: impl Into<String>) -> Self {
        Self {
            job_id: job_id.into(),
            buffer: VecDeque::new(),
            done: false,
            error: None,
            content: String::new(),
            role: Value::from("assistant"),
            finish_reason: None,
            usage: None,
            time_taken: Value::from(0),
            worker_name: None,
            cost: None,
            tool_calls: Vec::new(),
        }
    }

    /// The job id.
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// The content received so far.
    pub fn content(&self) -> &str {
        &self.content
    }

    /// The worker's name, once a frame named it.
    pub fn worker_name(&self) -> Option<&Value> {
        self.worker_name.as_ref()
    }

    /// The settled cost, once `llmJobResult` carried one.
    pub fn cost(&self) -> Option<&Value> {
        self.cost.as_ref()
    }

    /// Has the stream finished, failed, or been closed by its consumer?
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The failure, if the stream failed.
    pub fn error(&self) -> Option<&ChatJobError> {
        self.error.as_ref()
    }

    /// `jobTokens`: returns the chunk to emit as the `token` event. The chunk is also
    /// queued for the iterator and accumulated, unless the stream is already done (the
    /// official client still emits `token` for a stream its consumer broke out of).
    pub fn on_tokens(&mut self, data: &Value) -> Value {
        let chunk = chunk_from_tokens(data);
        self.push_chunk(&chunk);
        chunk
    }

    fn push_chunk(&mut self, chunk: &Value) {
        if self.done {
            return;
        }
        if let Some(c) = chunk.get("content").filter(|c| js::truthy(c)) {
            self.content.push_str(&js::to_string(c));
        }
        if let Some(r) = chunk.get("role").filter(|r| js::truthy(r)) {
            self.role = r.clone();
        }
        if let Some(f) = chunk.get("finishReason").filter(|f| js::truthy(f)) {
            self.finish_reason = Some(f.clone());
        }
        if let Some(u) = chunk.get("usage").filter(|u| js::truthy(u)) {
            self.usage = Some(u.clone());
        }
        if let Some(Value::Array(deltas)) = chunk.get("tool_calls") {
            for delta in deltas {
                self.merge_tool_call(delta);
            }
        }
        self.buffer.push_back(chunk.clone());
    }

    /// Merges one `ToolCallDelta` by `index`: the first delta of an index creates
    /// `{id: id || '', type: 'function', function: {name: name || '', arguments: ''}}`;
    /// every delta then overwrites `id` and `name` when truthy and appends `arguments`.
    fn merge_tool_call(&mut self, delta: &Value) {
        if !delta.is_object() {
            return; // officially a TypeError inside the socket handler
        }
        let index = delta.get("index").cloned();
        let function = delta.get("function");
        let field = |k: &str| function.and_then(|f| f.get(k)).filter(|v| js::truthy(v));
        let pos = match self
            .tool_calls
            .iter()
            .position(|t| same_key(&t.index, &index))
        {
            Some(pos) => pos,
            None => {
                self.tool_calls.push(ToolCallState {
                    index,
                    id: Value::from(""),
                    name: Value::from(""),
                    arguments: String::new(),
                });
                self.tool_calls.len() - 1
            }
        };
        let tc = &mut self.tool_calls[pos];
        if let Some(id) = delta.get("id").filter(|v| js::truthy(v)) {
            tc.id = id.clone();
        }
        if let Some(name) = field("name") {
            tc.name = name.clone();
        }
        if let Some(args) = field("arguments") {
            tc.arguments.push_str(&js::to_string(args));
        }
    }

    /// The tool calls accumulated so far, sorted by `index` (`[]` when none).
    pub fn tool_calls(&self) -> Value {
        let mut calls: Vec<&ToolCallState> = self.tool_calls.iter().collect();
        // `(a, b) => a - b`; a NaN difference counts as equal (stable sort).
        calls.sort_by(|a, b| {
            let d = js::to_number(a.index.as_ref()) - js::to_number(b.index.as_ref());
            d.partial_cmp(&0.0).unwrap_or(std::cmp::Ordering::Equal)
        });
        Value::Array(
            calls
                .into_iter()
                .map(|t| {
                    let mut function = Map::new();
                    function.insert("name".into(), t.name.clone());
                    function.insert("arguments".into(), Value::String(t.arguments.clone()));
                    let mut call = Map::new();
                    call.insert("id".into(), t.id.clone());
                    call.insert("type".into(), Value::from("function"));
                    call.insert("function".into(), Value::Object(function));
                    Value::Object(call)
                })
                .collect(),
        )
    }

    /// `jobState`: records a truthy `workerName` and returns the `jobState` event.
    pub fn on_job_state(&mut self, data: &Value) -> Value {
        self.note_worker(data);
        job_state_event(data)
    }

    fn note_worker(&mut self, data: &Value) {
        if let Some(w) = data.get("workerName").filter(|w| js::truthy(w)) {
            self.worker_name = Some(w.clone());
        }
    }

    /// `llmJobResult`: records the worker and cost, completes the stream (`timeTaken || 0`,
    /// a truthy `usage` replaces the chunks' usage) and returns the final result to emit
    /// as `completed` — also when the consumer already broke out of the stream (then the
    /// result keeps what was accumulated before the break). `None` after a failure.
    pub fn on_result(&mut self, data: &Value) -> Option<Value> {
        self.note_worker(data);
        if let Some(c) = data.get("cost").filter(|c| js::truthy(c)) {
            self.cost = Some(c.clone());
        }
        if !self.done {
            self.done = true;
            self.time_taken = data
                .get("timeTaken")
                .filter(|t| js::truthy(t))
                .cloned()
                .unwrap_or_else(|| Value::from(0));
            if let Some(u) = data.get("usage").filter(|u| js::truthy(u)) {
                self.usage = Some(u.clone());
            }
        }
        self.final_result()
    }

    /// `llmJobError`: fails the stream (unless it is already done) with
    /// [`ChatJobError::from_llm_job_error`] and returns the `error` event payload
    /// `{jobID, error: String(error), errorCode?, message, workerName}`. A non-streaming
    /// caller rejects with [`ChatJobError::for_non_streaming`] of that payload.
    pub fn on_error(&mut self, data: &Value) -> Value {
        self.note_worker(data);
        let message = llm_error_message(data);
        if !self.done {
            self.done = true;
            self.error = Some(ChatJobError::from_llm_job_error(data));
            self.tool_calls.clear();
        }
        let mut event = Map::new();
        copy(&mut event, data, "jobID", "jobID");
        event.insert(
            "error".into(),
            Value::String(
                data.get("error")
                    .map_or_else(|| "undefined".into(), js::to_string),
            ),
        );
        copy(&mut event, data, "error_code", "errorCode");
        event.insert("message".into(), Value::String(message));
        copy(&mut event, data, "workerName", "workerName");
        Value::Object(event)
    }

    /// The iterator's `next()`, polled.
    pub fn poll_next(&mut self) -> StreamPoll {
        if let Some(e) = &self.error {
            return StreamPoll::Error(Box::new(e.clone()));
        }
        if let Some(chunk) = self.buffer.pop_front() {
            return StreamPoll::Chunk(chunk);
        }
        if self.done {
            StreamPoll::Done
        } else {
            StreamPoll::Pending
        }
    }

    /// The iterator's `return()` (the consumer broke out of its loop): the stream is done
    /// and its buffer dropped. Nothing is sent to the server; there is no chat cancel.
    pub fn close(&mut self) {
        self.done = true;
        self.buffer.clear();
    }

    /// `finalResult`: `None` while streaming or after a failure, else
    /// `{jobID, content, role, finishReason: finishReason || 'stop',
    /// usage: usage || {0,0,0}, timeTaken, workerName, cost, tool_calls?}`.
    pub fn final_result(&self) -> Option<Value> {
        if !self.done || self.error.is_some() {
            return None;
        }
        let mut r = Map::new();
        r.insert("jobID".into(), Value::String(self.job_id.clone()));
        r.insert("content".into(), Value::String(self.content.clone()));
        r.insert("role".into(), self.role.clone());
        r.insert(
            "finishReason".into(),
            self.finish_reason.clone().unwrap_or_else(|| "stop".into()),
        );
        let usage = self.usage.clone().unwrap_or_else(|| {
            let mut u = Map::new();
            for k in ["prompt_tokens", "completion_tokens", "total_tokens"] {
                u.insert(k.into(), Value::from(0));
            }
            Value::Object(u)
        });
        r.insert("usage".into(), usage);
        r.insert("timeTaken".into(), self.time_taken.clone());
        if let Some(w) = &self.worker_name {
            r.insert("workerName".into(), w.clone());
        }
        if let Some(c) = &self.cost {
            r.insert("cost".into(), c.clone());
        }
        if !self.tool_calls.is_empty() {
            r.insert("tool_calls".into(), self.tool_calls());
        }
        Some(Value::Object(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_tool_call_deltas_by_index() {
        let mut s = ChatStream::new("J");
        let frames = [
            json!({"jobID": "J", "tool_calls": [{"index": 1, "id": "b", "function": {"name": "g", "arguments": "{\"p\""}}]}),
            json!({"jobID": "J", "tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": "{}"}}]}),
            json!({"jobID": "J", "tool_calls": [{"index": 1.0, "function": {"arguments": ":1}"}}]}),
            json!({"jobID": "J", "finishReason": "tool_calls"}),
        ];
        for f in &frames {
            s.on_tokens(f);
        }
        let r = s.on_result(&json!({"jobID": "J", "timeTaken": 2})).unwrap();
        assert_eq!(r["finishReason"], "tool_calls");
        assert_eq!(
            r["tool_calls"],
            json!([
                {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                {"id": "b", "type": "function", "function": {"name": "g", "arguments": "{\"p\":1}"}}
            ])
        );
        let mut chunks = 0;
        while let StreamPoll::Chunk(_) = s.poll_next() {
            chunks += 1;
        }
        assert_eq!(chunks, 4);
        assert_eq!(s.poll_next(), StreamPoll::Done);
    }

    #[test]
    fn failure_wins_over_buffered_chunks() {
        let mut s = ChatStream::new("J");
        s.on_tokens(&json!({"jobID": "J", "content": "a"}));
        let event = s.on_error(
            &json!({"jobID": "J", "error": "x", "error_code": "4080", "error_message": "m"}),
        );
        assert_eq!(
            event,
            json!({"jobID": "J", "error": "x", "errorCode": "4080", "message": "m"})
        );
        assert!(matches!(s.poll_next(), StreamPoll::Error(e) if e.message == "m"));
        assert!(s.final_result().is_none());
        let rejection = ChatJobError::for_non_streaming(&event);
        assert_eq!(rejection.message, "x: m");
        assert_eq!(rejection.subscription_error_code(), Some(4080));
    }

    #[test]
    fn reasoning_split() {
        assert_eq!(
            split_reasoning("<think>\nplan\n</think>\n\nHi"),
            (Some("plan"), "Hi")
        );
        assert_eq!(split_reasoning("<think>half"), (Some("half"), ""));
        assert_eq!(split_reasoning("Hi <think>"), (None, "Hi <think>"));
    }

    #[test]
    fn pending_until_a_frame_arrives() {
        let mut s = ChatStream::new("J");
        assert_eq!(s.poll_next(), StreamPoll::Pending);
        s.on_tokens(&json!({"jobID": "J", "content": "x"}));
        assert!(matches!(s.poll_next(), StreamPoll::Chunk(_)));
        s.close();
        assert_eq!(s.poll_next(), StreamPoll::Done);
        assert_eq!(s.final_result().unwrap()["content"], "x");
    }
}
