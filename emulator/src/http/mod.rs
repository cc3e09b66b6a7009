//! HTTP handlers: the API host (`/v1…/v4…`), the socket host (`/api/…`) and storage.

pub mod account;
pub mod auth;
pub mod error;
pub mod media;
pub mod projects;
pub mod socket_host;

use axum::Json;
use serde_json::{json, Value};

/// The API host's success envelope `{status:'success', data}`.
pub fn ok(data: Value) -> Json<Value> {
    Json(json!({"status": "success", "data": data}))
}
