//! Saved (reusable) uploads: `/v1/assets*`, for subscribers.
//!
//! * `GET /v1/assets/capabilities` → `{enabled}` (an active or trialing subscription).
//! * `POST /v1/assets/prepare {sha256, bytes, contentType, name}` → the upload to make:
//!   `{id, state:'uploading', reused:false, uploadUrl, uploadHeaders, …}` (a presigned
//!   storage `PUT`), or, when the account already saved the same bytes and type,
//!   `{…, state:'ready', reused:true}`. Non-subscribers get 403; a full library 409
//!   (`Your saved upload library is full. …`); unsupported types 400.
//! * `POST /v1/assets/{id}/finalize` checks the stored bytes (size and SHA-256) and makes
//!   the asset `ready` (409 on a mismatch, which discards it).
//! * `POST /v1/assets/{id}/bind {projectId, type, id?}` copies a ready asset into that
//!   project's upload slot (so a `jobRequest` finds it as if it had been uploaded); 423
//!   while it is still being uploaded.
//! * `GET /v1/assets` → `{assets, limits}`; `DELETE /v1/assets/{id}`.
//!
//! Everything is per owner: another account gets 404.

use super::now_ms;
use crate::http::auth::caller;
use crate::http::error::ApiError;
use crate::http::ok;
use crate::state::{now_secs, AppState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

type Shared = State<Arc<AppState>>;

/// Saved uploads one account keeps.
pub const MAX_ENTRIES: usize = 50;
/// Largest saved upload.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
const IDLE_DAYS: u64 = 30;
const TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/webp",
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "audio/mp4",
    "audio/mpeg",
    "audio/flac",
    "audio/wav",
    "audio/x-wav",
    "audio/wave",
];
const SLOTS: &[&str] = &[
    "startingImage",
    "cnImage",
    "referenceImage",
    "referenceImageEnd",
    "referenceMask",
    "referenceAudio",
    "referenceVideo",
];

#[derive(Debug, Clone)]
struct Asset {
    owner: String,
    view: Value,
    sha256: String,
    key: String,
}

/// Every saved upload.
#[derive(Debug, Default)]
pub struct AssetStore {
    items: Mutex<Vec<Asset>>,
}

impl AssetStore {
    fn owned(&self, owner: &str, id: &str) -> Option<Asset> {
        let owner = owner.to_lowercase();
        self.items
            .lock()
            .unwrap()
            .iter()
            .find(|a| a.owner == owner && a.view["id"] == id)
            .cloned()
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Asset)) {
        if let Some(a) = self
            .items
            .lock()
            .unwrap()
            .iter_mut()
            .find(|a| a.view["id"] == id)
        {
            f(a);
        }
    }
}

fn limits() -> Value {
    json!({"entries": MAX_ENTRIES, "bytes": 1_073_741_824u64, "fileBytes": MAX_FILE_BYTES,
           "idleDays": IDLE_DAYS, "copyBytesPerDay": 5_368_709_120u64, "bindingsPerDay": 500})
}

fn body_json(body: &Bytes) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Body is not JSON: {e}")))
}

/// `GET /v1/assets/capabilities`.
pub async fn capabilities(
    State(state): Shared,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    Ok(ok(
        json!({"enabled": state.surface.accounts.subscribed(&account.address)}),
    ))
}

/// `GET /v1/assets`.
pub async fn list(State(state): Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let owner = account.address.to_lowercase();
    let assets: Vec<Value> = state
        .surface
        .assets
        .items
        .lock()
        .unwrap()
        .iter()
        .filter(|a| a.owner == owner)
        .map(|a| a.view.clone())
        .collect();
    Ok(ok(json!({"assets": assets, "limits": limits()})))
}

/// `POST /v1/assets/prepare`.
pub async fn prepare(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    if !state.surface.accounts.subscribed(&account.address) {
        return Err(ApiError::forbidden(
            "Saved uploads need an active subscription",
        ));
    }
    let body = body_json(&body)?;
    let sha = body
        .get("sha256")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApiError::bad_request("sha256 must be 64 hex digits"));
    }
    let bytes = body.get("bytes").and_then(Value::as_u64).unwrap_or(0);
    if bytes == 0 || bytes > MAX_FILE_BYTES {
        return Err(ApiError::bad_request("bytes must be 1 to 104857600"));
    }
    let ct = body
        .get("contentType")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !TYPES.contains(&ct) {
        return Err(ApiError::bad_request(format!("{ct:?} cannot be saved")));
    }
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("Saved upload")
        .chars()
        .take(200)
        .collect::<String>();
    let owner = account.address.to_lowercase();
    let mut items = state.surface.assets.items.lock().unwrap();
    if let Some(a) = items.iter().find(|a| {
        a.owner == owner
            && a.sha256 == sha
            && a.view["contentType"] == ct
            && a.view["state"] == "ready"
    }) {
        let mut v = a.view.clone();
        v["reused"] = json!(true);
        return Ok(ok(v));
    }
    if items.iter().filter(|a| a.owner == owner).count() >= MAX_ENTRIES {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            409,
            "Your saved upload library is full. Remove a saved upload to add another.",
        ));
    }
    let id = super::new_id("as");
    let key = format!("assets/{owner}/{id}");
    let now = now_ms();
    let view = json!({"id": id, "name": name, "bytes": bytes, "contentType": ct, "state": "uploading",
                      "createdAt": now, "expiresAt": now + IDLE_DAYS * 86_400_000});
    items.push(Asset {
        owner,
        view: view.clone(),
        sha256: sha,
        key: key.clone(),
    });
    let url = state.storage.presign(
        state.base_url(),
        "PUT",
        &key,
        now_secs() + state.config.url_ttl_secs,
    );
    let mut out = view;
    out["reused"] = json!(false);
    out["uploadUrl"] = json!(url);
    out["uploadHeaders"] = json!({"Content-Type": ct});
    Ok(ok(out))
}

/// `POST /v1/assets/{id}/finalize`.
pub async fn finalize(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let asset = state
        .surface
        .assets
        .owned(&account.address, &id)
        .ok_or_else(|| ApiError::not_found("Saved upload not found"))?;
    if asset.view["state"] == "ready" {
        return Ok(ok(asset.view));
    }
    let stored = state.storage.get(&asset.key).ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            409,
            "The file has not been uploaded yet",
        )
    })?;
    let digest = hex::encode(Sha256::digest(&stored.bytes));
    if digest != asset.sha256
        || stored.bytes.len() as u64 != asset.view["bytes"].as_u64().unwrap_or(0)
    {
        state
            .surface
            .assets
            .items
            .lock()
            .unwrap()
            .retain(|a| a.view["id"] != id.as_str());
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            409,
            "The uploaded file does not match its checksum",
        ));
    }
    let mut view = asset.view.clone();
    view["state"] = json!("ready");
    let v2 = view.clone();
    state.surface.assets.update(&id, move |a| a.view = v2);
    Ok(ok(view))
}

/// `POST /v1/assets/{id}/bind {projectId, type, id?}`.
pub async fn bind(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let asset = state
        .surface
        .assets
        .owned(&account.address, &id)
        .ok_or_else(|| ApiError::not_found("Saved upload not found"))?;
    let body = body_json(&body)?;
    let project = body.get("projectId").and_then(Value::as_str).unwrap_or("");
    if project.is_empty() {
        return Err(ApiError::bad_request("projectId is required"));
    }
    let slot = body.get("type").and_then(Value::as_str).unwrap_or("");
    let context = slot
        .strip_prefix("contextImage")
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| (1..=16).contains(&n));
    if !SLOTS.contains(&slot) && !context {
        return Err(ApiError::bad_request(format!(
            "{slot:?} is not an upload slot"
        )));
    }
    if let Some(p) = state.projects.get(project) {
        if !p.owner.address.eq_ignore_ascii_case(&account.address) {
            return Err(ApiError::not_found("Project not found"));
        }
    }
    if asset.view["state"] != "ready" {
        return Err(ApiError::new(
            StatusCode::LOCKED,
            423,
            "The saved upload is still being verified",
        ));
    }
    let stored = state
        .storage
        .get(&asset.key)
        .ok_or_else(|| ApiError::new(StatusCode::GONE, 410, "The saved upload's file is gone"))?;
    let key = crate::storage::upload_key(project, slot, body.get("id").and_then(Value::as_str));
    state.storage.put(&key, stored.bytes, &stored.content_type);
    let now = now_ms();
    state.surface.assets.update(&id, move |a| {
        a.view["expiresAt"] = json!(now + IDLE_DAYS * 86_400_000)
    });
    Ok(ok(
        json!({"bound": true, "id": id, "projectId": project, "type": slot}),
    ))
}

/// `DELETE /v1/assets/{id}`.
pub async fn remove(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let owner = account.address.to_lowercase();
    let mut items = state.surface.assets.items.lock().unwrap();
    let before = items.len();
    items.retain(|a| !(a.owner == owner && a.view["id"] == id.as_str()));
    if items.len() == before {
        return Err(ApiError::not_found("Saved upload not found"));
    }
    Ok(ok(json!({"removed": true, "id": id})))
}
