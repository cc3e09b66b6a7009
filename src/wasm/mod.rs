//! The wasm layer: JS bindings, transport and the exported classes.

mod abort;
mod account;
mod account_extra;
#[cfg(feature = "wallet")]
mod account_wallet;
mod api;
mod auth_manager;
mod chat;
mod chat_glue;
mod chat_stream;
mod chat_tools;
mod chat_types;
mod client;
mod emitter;
mod emitters;
mod errors;
mod glue;
mod helpers;
mod project;
mod projects;
mod projects_extra;
mod projects_recovery;
mod recovery;
mod replay;
mod rest;
mod socket;
mod socket_events;
mod stats;
mod surface;
mod surface_types;
mod types;
mod workflows;

pub use api::{AccountApi, ApiClient, CurrentAccount, SogniClient};
pub use auth_manager::{ApiKeyAuthManager, AuthManager, RestClient};
pub use chat::{
    is_sogni_tool_call, parse_tool_call_arguments, ChatApi, ChatCompletions, ChatRunEventStream,
    ChatRuns, ChatTools, HostedChat,
};
pub use chat_stream::ChatStream;
pub use project::{Job, Project};
pub use projects::ProjectsApi;
pub use projects_extra::{PersonalLoras, ReusableUploads};
pub use replay::ReplayApi;
pub use socket_events::SocketEvents;
pub use stats::{AnnouncementsApi, StatsApi};
pub use workflows::{
    parse_creative_workflow_sse_chunk, CreativeWorkflowTemplatesApi, CreativeWorkflowsApi,
    WorkflowEventStream,
};
