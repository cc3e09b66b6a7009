//! The wasm layer: JS bindings, transport and the exported classes.

mod account;
mod api;
mod chat;
mod chat_glue;
mod chat_stream;
mod chat_tools;
mod chat_types;
mod client;
mod emitter;
mod errors;
mod glue;
mod project;
mod projects;
mod rest;
mod socket;
mod types;

pub use api::{AccountApi, ApiClient, CurrentAccount, SogniClient};
pub use chat::{
    is_sogni_tool_call, parse_tool_call_arguments, ChatApi, ChatCompletions, ChatRunEventStream,
    ChatRuns, ChatTools, HostedChat,
};
pub use chat_stream::ChatStream;
pub use project::{Job, Project};
pub use projects::ProjectsApi;
