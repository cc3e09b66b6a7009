//! LLM chat: the pure core behind `sogni.chat`, matching the official 5.54 SDK.
//!
//! - [`params`]: `chat.completions.create()` params → the `llmJobRequest` payload.
//! - [`vision`]: the checks on vision image inputs (data URIs, trusted remote URLs).
//! - [`stream`]: `jobTokens` / `llmJobResult` / `llmJobError` / `jobState` frames → the
//!   chunks, events and final result of a `ChatStream`; [`transport`] decides which jobs a
//!   dropped socket lost; [`job_error`] is the `ChatJobError`.
//! - [`cost`]: `chat.estimateCost()` maths and path.
//! - [`tools`]: hosted tool names, argument parsing, tool-result contents, the auto-tool
//!   loop's message and media-context helpers.
//! - [`hosted`] / [`runs`]: bodies of the hosted REST chat and durable chat-run calls.
//! - [`sse`]: an incremental standard Server-Sent-Events parser; [`run_events`] and
//!   [`workflow_events`] read chat-run and workflow event streams exactly as the official
//!   SDK frames them.
//!
//! Values the official SDK forwards untouched are kept as [`serde_json::Value`]s.

pub mod cost;
pub mod hosted;
pub mod job_error;
mod js;
pub mod params;
pub mod run_events;
pub mod runs;
pub mod sse;
pub mod stream;
pub mod tool_projects;
pub mod tools;
pub mod transport;
pub mod vision;
pub mod workflow_events;

pub use job_error::ChatJobError;
pub use params::{llm_job_request, ChatRequestContext, DEFAULT_CHAT_MODEL};
pub use sse::{SseEvent, SseParser, Utf8StreamDecoder};
pub use stream::{ChatStream, StreamPoll};

#[cfg(test)]
mod fixture_tests;
