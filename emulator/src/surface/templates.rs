//! Workflow templates: `/v1/creative-agent/workflows/templates`.
//!
//! Templates are `{id, name, version, description, visibility, author, inputs, stages, …}`;
//! `stages` are workflow steps whose string arguments may hold `{{input}}` placeholders.
//! The emulator ships two public system templates. Visibility: `private` (the owner
//! only), `public` (everyone reads). Reading someone else's private template is a 404
//! (its existence does not leak); changing or deleting a template you can read but do not
//! own is a 403. `fork` copies any readable template into a private one of your own.

use super::{new_id, now_ms, query_num};
use crate::http::auth::caller;
use crate::http::error::ApiError;
use crate::http::ok;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

type Shared = State<Arc<AppState>>;

/// Fields a template's owner cannot change.
const FIXED: &[&str] = &[
    "id",
    "author",
    "createdAt",
    "updatedAt",
    "ownerWalletAddress",
    "forkedFrom",
];

/// Every template (system ones are seeded on first use).
#[derive(Debug, Default)]
pub struct TemplateStore {
    items: Mutex<Vec<Value>>,
    seeded: OnceLock<()>,
}

fn system_templates() -> Vec<Value> {
    let now = now_ms();
    vec![
        json!({
            "id": "tpl_system_product_shot", "name": "Product shot", "version": "1.0.0",
            "description": "A studio product photo of anything, in one step.",
            "category": "image", "stability": "production", "author": "system",
            "visibility": "public", "exposeToLLM": true, "llmPriority": 1, "tags": ["image", "product"],
            "inputs": [{"name": "subject", "type": "string", "required": true},
                       {"name": "background", "type": "string", "default": "a seamless white backdrop"}],
            "stages": [{"id": "shot", "toolName": "generate_image",
                        "arguments": {"prompt": "{{subject}} on {{background}}, studio lighting", "width": 512, "height": 512}}],
            "createdAt": now, "updatedAt": now
        }),
        json!({
            "id": "tpl_system_song_with_cover", "name": "Song with cover art", "version": "1.0.0",
            "description": "Lyrics, a short song and its cover image.",
            "category": "audio", "stability": "beta", "author": "system",
            "visibility": "public", "exposeToLLM": true, "llmPriority": 2, "tags": ["audio", "image"],
            "inputs": [{"name": "theme", "type": "string", "required": true}],
            "stages": [
                {"id": "lyrics", "toolName": "compose_lyrics", "arguments": {"prompt": "{{theme}}"}},
                {"id": "song", "toolName": "generate_music", "arguments": {"prompt": "{{theme}}", "duration": 5}},
                {"id": "cover", "toolName": "generate_image", "arguments": {"prompt": "album cover: {{theme}}", "width": 256, "height": 256}}
            ],
            "createdAt": now, "updatedAt": now
        }),
    ]
}

fn owner_of(t: &Value) -> Option<&str> {
    t.get("ownerWalletAddress").and_then(Value::as_str)
}

fn is_public(t: &Value) -> bool {
    t.get("visibility").and_then(Value::as_str) == Some("public")
}

fn owns(t: &Value, address: &str) -> bool {
    owner_of(t).is_some_and(|o| o.eq_ignore_ascii_case(address))
}

impl TemplateStore {
    fn with<R>(&self, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
        let mut items = self.items.lock().unwrap();
        if self.seeded.get().is_none() {
            let _ = self.seeded.set(());
            items.extend(system_templates());
        }
        f(&mut items)
    }

    /// The template `id` if `address` may read it (its own, or a public one).
    pub fn readable(&self, id: &str, address: &str) -> Option<Value> {
        self.with(|items| {
            items
                .iter()
                .find(|t| t["id"] == id && (is_public(t) || owns(t, address)))
                .cloned()
        })
    }

    /// Number of templates (for tests).
    pub fn len(&self) -> usize {
        self.with(|items| items.len())
    }

    /// None?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The public view of a template (without the owner's address).
fn view(t: &Value) -> Value {
    let mut v = t.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("ownerWalletAddress");
    }
    v
}

fn body_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request("Body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!("Body is not JSON: {e}"))),
    }
}

/// Checks the fields a template must have right.
fn check(t: &Map<String, Value>) -> Result<(), ApiError> {
    let name = t.get("name").and_then(Value::as_str).unwrap_or("");
    if name.trim().is_empty() {
        return Err(ApiError::bad_request("A template needs a name"));
    }
    if name.chars().count() > 120 {
        return Err(ApiError::bad_request(
            "A template name has at most 120 characters",
        ));
    }
    if let Some(v) = t.get("visibility").filter(|v| !v.is_null()) {
        if !matches!(v.as_str(), Some("private" | "public" | "team")) {
            return Err(ApiError::bad_request(
                "visibility must be private, public or team",
            ));
        }
    }
    match t.get("stages") {
        None | Some(Value::Null) => {}
        Some(stages @ Value::Array(list)) if !list.is_empty() => {
            // Placeholders stand for inputs: check the plan's shape with them left in.
            super::workflows::check_steps(stages)?;
        }
        Some(Value::Array(_)) => {}
        Some(_) => return Err(ApiError::bad_request("stages must be an array of steps")),
    }
    if t.get("inputs")
        .is_some_and(|i| !i.is_array() && !i.is_null())
    {
        return Err(ApiError::bad_request("inputs must be an array"));
    }
    Ok(())
}

/// `GET …/templates?visibility=own|public|all&offset&limit`.
pub async fn list(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let visibility = q.get("visibility").map(String::as_str).unwrap_or("all");
    if !matches!(visibility, "own" | "public" | "all") {
        return Err(ApiError::bad_request(
            "visibility must be own, public or all",
        ));
    }
    let offset = query_num(&q, "offset").map_or(0, |o| o.max(0.0) as usize);
    let limit = query_num(&q, "limit").map_or(50, |l| l.clamp(1.0, 200.0) as usize);
    let matching: Vec<Value> = state.surface.templates.with(|items| {
        items
            .iter()
            .filter(|t| match visibility {
                "own" => owns(t, &account.address),
                "public" => is_public(t),
                _ => owns(t, &account.address) || is_public(t),
            })
            .map(view)
            .collect()
    });
    let page: Vec<Value> = matching.iter().skip(offset).take(limit).cloned().collect();
    let next = (offset + page.len() < matching.len()).then_some(offset + page.len());
    Ok(ok(
        json!({"templates": page, "next": next, "total": matching.len()}),
    ))
}

/// `GET …/templates/{id}`.
pub async fn get_one(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let t = state
        .surface
        .templates
        .readable(&id, &account.address)
        .ok_or_else(|| ApiError::not_found("Workflow template not found"))?;
    Ok(ok(json!({"template": view(&t)})))
}

/// `POST …/templates`: a new template of the caller's (the server assigns the id).
pub async fn create(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let account = caller(&state, &headers)?;
    let mut t = body_object(&body)?;
    check(&t)?;
    let now = now_ms();
    for k in FIXED {
        t.remove(*k);
    }
    t.insert("id".into(), json!(new_id("tpl")));
    t.entry("version").or_insert_with(|| json!("1.0.0"));
    t.entry("description").or_insert_with(|| json!(""));
    t.entry("visibility").or_insert_with(|| json!("private"));
    t.insert(
        "author".into(),
        json!({"userId": account.address, "displayName": account.username}),
    );
    t.insert("ownerWalletAddress".into(), json!(account.address));
    t.insert("createdAt".into(), json!(now));
    t.insert("updatedAt".into(), json!(now));
    let t = Value::Object(t);
    state.surface.templates.with(|items| items.push(t.clone()));
    Ok((StatusCode::CREATED, ok(json!({"template": view(&t)}))).into_response())
}

/// Finds a template the caller may change: 404 when unreadable, 403 when not theirs.
fn changeable(state: &AppState, id: &str, address: &str) -> Result<(), ApiError> {
    let t = state
        .surface
        .templates
        .readable(id, address)
        .ok_or_else(|| ApiError::not_found("Workflow template not found"))?;
    if !owns(&t, address) {
        return Err(ApiError::forbidden(
            "Only the template's owner can change it",
        ));
    }
    Ok(())
}

/// `PATCH …/templates/{id}`.
pub async fn update(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    changeable(&state, &id, &account.address)?;
    let patch = body_object(&body)?;
    let updated = state.surface.templates.with(|items| {
        let t = items.iter_mut().find(|t| t["id"] == id.as_str())?;
        let mut next = t.as_object().cloned().unwrap_or_default();
        for (k, v) in &patch {
            if !FIXED.contains(&k.as_str()) {
                next.insert(k.clone(), v.clone());
            }
        }
        Some(next)
    });
    let Some(next) = updated else {
        return Err(ApiError::not_found("Workflow template not found"));
    };
    check(&next)?;
    let mut next = next;
    next.insert("updatedAt".into(), json!(now_ms()));
    let next = Value::Object(next);
    state.surface.templates.with(|items| {
        if let Some(t) = items.iter_mut().find(|t| t["id"] == id.as_str()) {
            *t = next.clone();
        }
    });
    Ok(ok(json!({"template": view(&next)})))
}

/// `DELETE …/templates/{id}`.
pub async fn delete(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    changeable(&state, &id, &account.address)?;
    state
        .surface
        .templates
        .with(|items| items.retain(|t| t["id"] != id.as_str()));
    Ok(ok(json!({"deleted": true, "id": id})))
}

/// `POST …/templates/{id}/fork {newName?}`.
pub async fn fork(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let account = caller(&state, &headers)?;
    let source = state
        .surface
        .templates
        .readable(&id, &account.address)
        .ok_or_else(|| ApiError::not_found("Workflow template not found"))?;
    let body = body_object(&body)?;
    let mut t = source.as_object().cloned().unwrap_or_default();
    let name = body
        .get("newName")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("{} (fork)", source["name"].as_str().unwrap_or("Template")));
    let now = now_ms();
    t.insert("id".into(), json!(new_id("tpl")));
    t.insert("name".into(), json!(name));
    t.insert("visibility".into(), json!("private"));
    t.insert("forkedFrom".into(), json!(id));
    t.insert(
        "author".into(),
        json!({"userId": account.address, "displayName": account.username}),
    );
    t.insert("ownerWalletAddress".into(), json!(account.address));
    t.insert("createdAt".into(), json!(now));
    t.insert("updatedAt".into(), json!(now));
    check(&t)?;
    let t = Value::Object(t);
    state.surface.templates.with(|items| items.push(t.clone()));
    Ok((StatusCode::CREATED, ok(json!({"template": view(&t)}))).into_response())
}
