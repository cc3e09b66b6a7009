//! The wasm layer: JS bindings, transport and the exported classes.

mod account;
mod api;
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
pub use project::{Job, Project};
pub use projects::ProjectsApi;
