//! Upload and download URLs, and the storage they point at.

use super::auth::caller;
use super::error::ApiError;
use super::ok;
use crate::state::{now_secs, AppState, Counters};
use crate::storage::{result_key, upload_key, UrlError};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

type Shared = State<Arc<AppState>>;
type Params = Query<HashMap<String, String>>;

/// A query value, treating the 5.17 client's literal `undefined` and empty strings as absent.
fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty() && *v != "undefined")
}

fn required<'a>(q: &'a HashMap<String, String>, name: &str) -> Result<&'a str, ApiError> {
    param(q, name).ok_or_else(|| ApiError::bad_request(format!("{name} is required")))
}

const IMAGE_SLOTS: &[&str] = &[
    "startingImage",
    "cnImage",
    "referenceImage",
    "referenceImageEnd",
    "referenceMask",
];
const MEDIA_SLOTS: &[&str] = &["referenceAudio", "referenceVideo"];

fn is_image_slot(slot: &str) -> bool {
    IMAGE_SLOTS.contains(&slot)
        || slot
            .strip_prefix("contextImage")
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| (1..=16).contains(&n))
}

/// Checks that a project id is not another account's.
fn check_project_owner(state: &AppState, project_id: &str, owner: &str) -> Result<(), ApiError> {
    match state.projects.get(project_id) {
        Some(p) if !p.owner.address.eq_ignore_ascii_case(owner) => {
            Err(ApiError::forbidden("Project belongs to another account"))
        }
        _ => Ok(()),
    }
}

/// Checks the caller, project and slot, then mints a presigned PUT for `(jobId, type[, id])`.
fn upload_url(
    state: &AppState,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    kind: &str,
    slot_ok: fn(&str) -> bool,
    id: Option<&str>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(state, headers)?;
    state.requests.upload(kind, q);
    let job = required(q, "jobId")?;
    let slot = required(q, "type")?;
    if !slot_ok(slot) {
        return Err(ApiError::bad_request(format!(
            "unknown {kind} upload type {slot}"
        )));
    }
    check_project_owner(state, job, &account.address)?;
    let key = upload_key(job, slot, id);
    let url = state.storage.presign(
        state.base_url(),
        "PUT",
        &key,
        now_secs() + state.config.url_ttl_secs,
    );
    Ok(ok(json!({"uploadUrl": url})))
}

/// `GET /v1/image/uploadUrl?imageId&jobId&type&contentType`.
pub async fn image_upload_url(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Params,
) -> Result<Json<Value>, ApiError> {
    upload_url(&state, &headers, &q, "image", is_image_slot, None)
}

/// `GET /v1/media/uploadUrl?jobId&type&id&contentType`.
pub async fn media_upload_url(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Params,
) -> Result<Json<Value>, ApiError> {
    upload_url(
        &state,
        &headers,
        &q,
        "media",
        |s| MEDIA_SLOTS.contains(&s),
        param(&q, "id"),
    )
}

fn download_url(
    state: &AppState,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    id_name: &str,
) -> Result<Json<Value>, ApiError> {
    let account = caller(state, headers)?;
    let job = required(q, "jobId")?;
    let id = required(q, id_name)?;
    let kind = required(q, "type")?;
    if kind != "complete" && kind != "preview" {
        return Err(ApiError::bad_request(format!(
            "unknown download type {kind}"
        )));
    }
    let project = state
        .projects
        .get(job)
        .filter(|p| p.owner.address.eq_ignore_ascii_case(&account.address))
        .ok_or_else(|| ApiError::not_found("Project not found"))?;
    // `artifact=lastFrame` (media only): the final frame a Seedance 2.5 video exported.
    let artifact = match param(q, "artifact") {
        None => None,
        Some("lastFrame") if id_name == "id" && kind == "complete" => Some("lastFrame"),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown artifact {other} for {kind} media"
            )))
        }
    };
    let key = result_key(project.id(), id, artifact.unwrap_or(kind));
    if !state.storage.contains(&key) {
        let what = artifact.unwrap_or(kind);
        return Err(ApiError::not_found(format!("No {what} media for job {id}")));
    }
    let url = state.storage.presign(
        state.base_url(),
        "GET",
        &key,
        now_secs() + state.config.url_ttl_secs,
    );
    Ok(ok(json!({"downloadUrl": url})))
}

/// `GET /v1/image/downloadUrl?jobId&imageId&type[&contentType]`.
pub async fn image_download_url(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Params,
) -> Result<Json<Value>, ApiError> {
    download_url(&state, &headers, &q, "imageId")
}

/// `GET /v1/media/downloadUrl?jobId&id&type[&contentType][&artifact=lastFrame]`.
pub async fn media_download_url(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Params,
) -> Result<Json<Value>, ApiError> {
    download_url(&state, &headers, &q, "id")
}

fn check_url(
    state: &AppState,
    method: &str,
    key: &str,
    q: &HashMap<String, String>,
) -> Result<(), ApiError> {
    let expires = param(q, "expires")
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    let signature = param(q, "signature").unwrap_or("");
    if param(q, "method") != Some(method) {
        return Err(ApiError::forbidden("URL was not signed for this method"));
    }
    state
        .storage
        .check(method, key, expires, signature, now_secs())
        .map_err(|e| match e {
            UrlError::Expired => ApiError::forbidden("Request has expired"),
            _ => ApiError::forbidden("Signature does not match"),
        })
}

/// `PUT /storage/{key}`: stores the raw body of a presigned upload.
pub async fn storage_put(
    State(state): Shared,
    Path(key): Path<String>,
    Query(q): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    check_url(&state, "PUT", &key, &q)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream");
    state.storage.put(&key, body, content_type);
    Counters::bump(&state.counters.uploads);
    Ok(StatusCode::OK)
}

/// `GET /storage/{key}`: serves a presigned download.
pub async fn storage_get(
    State(state): Shared,
    Path(key): Path<String>,
    Query(q): Params,
) -> Result<Response, ApiError> {
    check_url(&state, "GET", &key, &q)?;
    let object = state
        .storage
        .get(&key)
        .ok_or_else(|| ApiError::not_found("The specified key does not exist"))?;
    Ok(([(header::CONTENT_TYPE, object.content_type)], object.bytes).into_response())
}
