//! Project records on the API host.

use super::auth::caller;
use super::error::ApiError;
use super::ok;
use crate::jobs::project::Project;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

fn own_project(state: &AppState, headers: &HeaderMap, id: &str) -> Result<Arc<Project>, ApiError> {
    let account = caller(state, headers)?;
    state
        .projects
        .get(id)
        .filter(|p| p.owner.address.eq_ignore_ascii_case(&account.address))
        .ok_or_else(|| ApiError::not_found("Project not found"))
}

/// `GET /v1/projects/{id}`: the stored record, 404 while the project is still in flight.
pub async fn record(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let project = own_project(&state, &headers, &id)?;
    if !project.status().finished() {
        return Err(ApiError::not_found("Project is still in progress"));
    }
    Ok(ok(json!({"project": project.record_json(false)})))
}

/// `GET /v2/projects/{id}`: the live, owner-scoped status lookup.
pub async fn status(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let project = own_project(&state, &headers, &id)?;
    Ok(ok(json!({"project": project.record_json(true)})))
}
