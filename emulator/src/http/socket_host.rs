//! Plain-JSON endpoints of the socket host (`/api/…`): models, tiers, size presets, worker
//! counts, cost estimates and the caller's active projects. No `{status, data}` envelope.

use super::auth::caller;
use super::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

/// `GET /api/v1/models/list`.
pub async fn models(State(state): Shared) -> Json<Value> {
    Json(state.catalog.models_json().clone())
}

/// `GET /api/v2/models/tiers`.
pub async fn tiers(State(state): Shared) -> Json<Value> {
    Json(state.catalog.tiers_json().clone())
}

/// `GET /api/v1/size-presets/network/{network}/model/{model}`.
pub async fn size_presets(
    State(state): Shared,
    Path((_network, model)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    state
        .catalog
        .model(&model)
        .ok_or_else(|| ApiError::not_found(format!("Unknown model {model}")))?;
    Ok(Json(state.catalog.size_presets(&model)))
}

/// `GET /api/v1/status/network/{network}/models`: worker counts keyed by model SID.
pub async fn worker_counts(State(state): Shared, Path(network): Path<String>) -> Json<Value> {
    Json(state.catalog.workers_by_sid(&network))
}

fn seg<T: std::str::FromStr>(parts: &[&str], i: usize, name: &str) -> Result<T, ApiError> {
    parts.get(i).and_then(|s| s.parse().ok()).ok_or_else(|| {
        ApiError::bad_request(format!(
            "estimate path segment {name} is missing or invalid"
        ))
    })
}

/// `GET /api/v2/job/estimate/{tokenType}/{network}/{model}/{imageCount}/{stepCount}/{previewCount}/{cn}/{denoise}/{width}/{height}`
/// and the v3 form with `/{guidance}/{sampler}/{contextImages}` appended.
pub async fn image_estimate(
    State(state): Shared,
    Path(rest): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let parts: Vec<&str> = rest.split('/').collect();
    if parts.len() < 10 {
        return Err(ApiError::bad_request("estimate path needs 10 segments"));
    }
    let model = parts[2];
    state
        .catalog
        .model(model)
        .ok_or_else(|| ApiError::not_found(format!("Unknown model {model}")))?;
    let count: u32 = seg(&parts, 3, "imageCount")?;
    let steps: u32 = seg(&parts, 4, "stepCount")?;
    let previews: u32 = seg(&parts, 5, "previewCount")?;
    let cn: u32 = seg(&parts, 6, "cn")?;
    let denoise: f64 = seg(&parts, 7, "denoise")?;
    let width: u32 = seg(&parts, 8, "width")?;
    let height: u32 = seg(&parts, 9, "height")?;
    let (width, height) = if width == 0 || height == 0 {
        state.catalog.default_size(model)
    } else {
        (width, height)
    };
    // v3 appends /{guidance}/{sampler}/{contextImages}.
    let context_images: u32 = parts.get(12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let cost = state.catalog.image_cost_with_context(
        model,
        count.max(1),
        steps,
        previews,
        width,
        height,
        cn == 1,
        denoise,
        context_images,
    );
    let cost = state
        .catalog
        .for_network(cost, parts[1])
        .with_token_type(parts[0]);
    Ok(Json(cost.estimate_json()))
}

fn known_model<'a>(state: &AppState, parts: &[&'a str], i: usize) -> Result<&'a str, ApiError> {
    let model = parts.get(i).copied().unwrap_or("");
    state
        .catalog
        .model(model)
        .map(|_| model)
        .ok_or_else(|| ApiError::not_found(format!("Unknown model {model}")))
}

/// `GET /api/v1/job-video/estimate/{tokenType}/{model}/{width}/{height}/{frames}/{fps}[/{steps}/{numberOfMedia}]`.
pub async fn video_estimate(
    State(state): Shared,
    Path(rest): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let parts: Vec<&str> = rest.split('/').collect();
    if parts.len() < 6 {
        return Err(ApiError::bad_request(
            "video estimate path needs 6 segments",
        ));
    }
    let model = known_model(&state, &parts, 1)?;
    let width: u32 = seg(&parts, 2, "width")?;
    let height: u32 = seg(&parts, 3, "height")?;
    let frames: u32 = seg(&parts, 4, "frames")?;
    let fps: f64 = seg(&parts, 5, "fps")?;
    let steps: Option<u32> = parts.get(6).and_then(|s| s.parse().ok()).filter(|s| *s > 0);
    let count: u32 = parts.get(7).and_then(|s| s.parse().ok()).unwrap_or(1);
    let cost = state
        .catalog
        .video_cost(model, width, height, frames, fps, steps, count);
    let network = q.get("network").map_or("fast", String::as_str);
    let cost = state
        .catalog
        .for_network(cost, network)
        .with_token_type(parts[0]);
    Ok(Json(cost.estimate_json()))
}

/// `GET /api/v1/job-audio/estimate/{tokenType}/{model}/{duration}/{steps}/{numberOfMedia}`.
pub async fn audio_estimate(
    State(state): Shared,
    Path(rest): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let parts: Vec<&str> = rest.split('/').collect();
    if parts.len() < 5 {
        return Err(ApiError::bad_request(
            "audio estimate path needs 5 segments",
        ));
    }
    let model = known_model(&state, &parts, 1)?;
    let duration: f64 = seg(&parts, 2, "duration")?;
    let steps: u32 = seg(&parts, 3, "steps")?;
    let count: u32 = seg(&parts, 4, "numberOfMedia")?;
    let cost = state.catalog.audio_cost(model, duration, steps, count);
    let network = q.get("network").map_or("fast", String::as_str);
    let cost = state
        .catalog
        .for_network(cost, network)
        .with_token_type(parts[0]);
    Ok(Json(cost.estimate_json()))
}

/// `GET /api/v1/artist/projects/active`: the caller's in-flight project ids.
pub async fn active_projects(
    State(state): Shared,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let ids: Vec<Value> = state
        .projects
        .active_of(&account.address, None)
        .iter()
        .map(|p| json!({"id": p.id()}))
        .collect();
    Ok(Json(json!({"projects": ids})))
}

/// `GET /api/v1/artist/projects/sync[?appId=]`: recovery snapshot for reconnecting clients —
/// the caller's in-flight projects and those held since they finished while their appId had
/// no socket (`RecoveredProject` records), of one appId or, without `appId`, of every one.
pub async fn sync_projects(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let app_id = q.get("appId").map(String::as_str).filter(|a| !a.is_empty());
    let records = |list: Vec<Arc<crate::jobs::project::Project>>| -> Vec<Value> {
        list.iter().map(|p| p.recovered_json()).collect()
    };
    Ok(Json(json!({
        "activeProjects": records(state.projects.active_of(&account.address, app_id)),
        // Read-only: what the next `authenticated` of the appId will hand over.
        "unclaimedCompletedProjects": records(state.projects.unclaimed_of(&account.address, app_id)),
        "serverTime": crate::jobs::project::now_ms(),
    })))
}
