//! LoRAs: the public catalog (`GET /v1/loras/comfy[?modelId]`) and personal imports
//! (`/v1/loras/personal`).
//!
//! The catalog has four LoRAs for the catalog's Comfy image models (Flux, Chroma,
//! Z-Image, Krea, Qwen), `models` (the LoRA-capable model ids) and `constraints`.
//!
//! A personal import (`POST {url, name, modelId, rightsConfirmed}`) takes a Hugging Face
//! `.safetensors` link or a Civitai model link, a LoRA-capable `modelId` and
//! `rightsConfirmed: true`; it starts `queued`, is `validating` shortly after and then
//! `ready` (or `rejected` with `failureCode: 'invalid_artifact'` when the link's file
//! name contains `broken`). Imports are private to their owner (others get 404); ready
//! ones appear in `GET /v1/loras/personal/catalog` as catalog entries with a
//! `personal-…` id. Limits: 20 entries, 10 imports a day, 2 per generation.

use super::now_ms;
use crate::http::auth::caller;
use crate::http::error::ApiError;
use crate::http::ok;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Shared = State<Arc<AppState>>;

/// Most imports one account keeps.
pub const MAX_ENTRIES: usize = 20;
/// Imports a day.
pub const IMPORTS_PER_DAY: usize = 10;

fn lora_models(state: &AppState) -> Vec<String> {
    let mut ids: Vec<String> = state
        .catalog
        .models()
        .iter()
        .filter(|m| m.media == crate::catalog::Media::Image)
        .filter(|m| {
            ["flux", "chroma", "z_image", "krea", "qwen_image_2512"]
                .iter()
                .any(|p| m.id.starts_with(p))
        })
        .map(|m| m.id.clone())
        .collect();
    ids.sort();
    ids
}

#[allow(clippy::too_many_arguments)]
fn entry(
    id: &str,
    name: &str,
    description: &str,
    models: &[String],
    category: &str,
    creator: &str,
    source: &str,
    range: (f64, f64),
) -> Value {
    json!({
        "loraId": id, "slug": id, "name": name, "description": description, "relatedLoraIds": [],
        "modelIds": models,
        "ui": {"min": range.0, "max": range.1, "default": 0.8, "step": 0.05, "recommendedMin": 0.4,
               "recommendedMax": 1.2, "category": category, "nsfw": false, "sexual": false,
               "creator": creator, "sourceUrl": source, "license": "CreativeML Open RAIL-M"}
    })
}

fn catalog_entries(state: &AppState) -> Vec<Value> {
    let all = lora_models(state);
    let only = |prefix: &str| -> Vec<String> {
        all.iter()
            .filter(|m| m.starts_with(prefix))
            .cloned()
            .collect()
    };
    let mut warm = entry(
        "warm-light",
        "Warm Light",
        "Golden, warm grading",
        &all,
        "style",
        "Sogni",
        "https://huggingface.co/sogni/warm-light",
        (-2.0, 2.0),
    );
    warm["ui"]["rangeLabels"] = json!({"min": "Cooler & Darker", "max": "Warmer & Golden"});
    vec![
        entry(
            "detail-tweaker",
            "Detail Tweaker",
            "More or less fine detail",
            &all,
            "detail",
            "Sogni",
            "https://huggingface.co/sogni/detail-tweaker",
            (-2.0, 2.0),
        ),
        warm,
        entry(
            "flux-film-grain",
            "Film Grain",
            "35 mm film texture",
            &only("flux"),
            "style",
            "Sogni",
            "https://huggingface.co/sogni/film-grain",
            (0.0, 1.5),
        ),
        entry(
            "z-image-anime",
            "Anime Lines",
            "Clean anime line art",
            &only("z_image"),
            "style",
            "Sogni",
            "https://huggingface.co/sogni/anime-lines",
            (0.0, 1.5),
        ),
    ]
}

/// `GET /v1/loras/comfy[?modelId]` (public).
pub async fn catalog(
    State(state): Shared,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    let loras = catalog_entries(&state);
    let loras: Vec<Value> = match q.get("modelId").filter(|m| !m.is_empty()) {
        Some(m) => loras
            .into_iter()
            .filter(|l| {
                l["modelIds"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == m.as_str()))
            })
            .collect(),
        None => loras,
    };
    ok(
        json!({"lastUpdated": 1_767_225_600_000u64, "loras": loras, "models": lora_models(&state),
              "constraints": {"maxPerRequest": 3, "minStrength": -2, "maxStrength": 2}}),
    )
}

/// Personal imports by id.
#[derive(Debug, Default)]
pub struct LoraStore {
    items: Mutex<Vec<(String, Value)>>,
}

impl LoraStore {
    fn owned(&self, owner: &str, id: &str) -> Option<Value> {
        let owner = owner.to_lowercase();
        self.items
            .lock()
            .unwrap()
            .iter()
            .find(|(o, l)| *o == owner && l["id"] == id)
            .map(|(_, l)| l.clone())
    }

    fn of(&self, owner: &str) -> Vec<Value> {
        let owner = owner.to_lowercase();
        self.items
            .lock()
            .unwrap()
            .iter()
            .filter(|(o, _)| *o == owner)
            .map(|(_, l)| l.clone())
            .collect()
    }

    fn set_status(&self, id: &str, status: &str, failure: Option<(&str, &str)>) {
        let mut items = self.items.lock().unwrap();
        if let Some((_, l)) = items.iter_mut().find(|(_, l)| l["id"] == id) {
            if l["status"] == "revoked" {
                return;
            }
            l["status"] = json!(status);
            l["updatedAt"] = json!(now_ms());
            if let Some((code, reason)) = failure {
                l["failureCode"] = json!(code);
                l["reason"] = json!(reason);
            }
        }
    }
}

fn limits() -> Value {
    json!({"entries": MAX_ENTRIES, "fileBytes": 2_147_483_648u64, "importsPerDay": IMPORTS_PER_DAY, "perGeneration": 2})
}

/// `GET /v1/loras/personal`.
pub async fn list(State(state): Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    Ok(ok(
        json!({"loras": state.surface.loras.of(&account.address), "models": lora_models(&state), "limits": limits()}),
    ))
}

/// `GET /v1/loras/personal/{id}`.
pub async fn get_one(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    state
        .surface
        .loras
        .owned(&account.address, &id)
        .map(ok)
        .ok_or_else(|| ApiError::not_found("Personal LoRA not found"))
}

fn source_ok(url: &str) -> Option<&'static str> {
    let u = url.trim();
    let rest = u.strip_prefix("https://")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    match host {
        "huggingface.co" | "www.huggingface.co" if path.ends_with(".safetensors") => {
            Some("huggingface")
        }
        "civitai.com" | "www.civitai.com"
            if path.starts_with("models/") || path.starts_with("api/download/models/") =>
        {
            Some("civitai")
        }
        _ => None,
    }
}

/// `POST /v1/loras/personal {url, name, modelId, rightsConfirmed}`.
pub async fn import(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let account = caller(&state, &headers)?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("Body is not JSON: {e}")))?;
    let url = body.get("url").and_then(Value::as_str).unwrap_or("");
    let source = source_ok(url).ok_or_else(|| {
        ApiError::bad_request(
            "url must be a public Hugging Face .safetensors link or a Civitai model link",
        )
    })?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::bad_request("name must have 1 to 80 characters"));
    }
    let model = body.get("modelId").and_then(Value::as_str).unwrap_or("");
    if !lora_models(&state).iter().any(|m| m == model) {
        return Err(ApiError::bad_request(format!(
            "{model:?} does not take LoRAs; see the library's models"
        )));
    }
    if body.get("rightsConfirmed") != Some(&Value::Bool(true)) {
        return Err(ApiError::bad_request("rightsConfirmed must be true"));
    }
    let mine = state.surface.loras.of(&account.address);
    if mine.len() >= MAX_ENTRIES {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            409,
            "Your personal LoRA library is full",
        ));
    }
    let today = now_ms().saturating_sub(86_400_000);
    if mine
        .iter()
        .filter(|l| l["createdAt"].as_u64().unwrap_or(0) >= today)
        .count()
        >= IMPORTS_PER_DAY
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            429,
            "Daily import limit reached",
        ));
    }
    let id = format!(
        "personal-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let now = now_ms();
    let lora = json!({"id": id, "name": name, "modelId": model, "modelIds": [model], "source": source,
                      "sourceUrl": url, "status": "queued", "createdAt": now, "updatedAt": now,
                      "bytes": 151_000_000u64, "requirements": ["Use a strength between -2 and 2", "At most 2 personal LoRAs per generation"]});
    state
        .surface
        .loras
        .items
        .lock()
        .unwrap()
        .push((account.address.to_lowercase(), lora.clone()));
    let broken = url.to_ascii_lowercase().contains("broken");
    let st = state.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        st.surface.loras.set_status(&id, "validating", None);
        tokio::time::sleep(Duration::from_millis(200)).await;
        if broken {
            st.surface.loras.set_status(
                &id,
                "rejected",
                Some((
                    "invalid_artifact",
                    "The file is not a LoRA safetensors file",
                )),
            );
        } else {
            st.surface.loras.set_status(&id, "ready", None);
        }
    });
    Ok((StatusCode::ACCEPTED, ok(lora)).into_response())
}

/// `DELETE /v1/loras/personal/{id}`.
pub async fn remove(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let owner = account.address.to_lowercase();
    let mut items = state.surface.loras.items.lock().unwrap();
    let before = items.len();
    items.retain(|(o, l)| !(*o == owner && l["id"] == id.as_str()));
    if items.len() == before {
        return Err(ApiError::not_found("Personal LoRA not found"));
    }
    Ok(ok(json!({"removed": true, "id": id})))
}

/// `GET /v1/loras/personal/catalog`: the caller's ready imports as catalog entries.
pub async fn personal_catalog(
    State(state): Shared,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let loras: Vec<Value> = state
        .surface
        .loras
        .of(&account.address)
        .iter()
        .filter(|l| l["status"] == "ready")
        .map(|l| {
            let models: Vec<String> = l["modelIds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            let mut e = entry(
                l["id"].as_str().unwrap_or(""),
                l["name"].as_str().unwrap_or(""),
                "Personal LoRA",
                &models,
                "personal",
                &account.username,
                l["sourceUrl"].as_str().unwrap_or(""),
                (-2.0, 2.0),
            );
            e["personal"] = json!(true);
            e
        })
        .collect();
    Ok(ok(json!({"loras": loras})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        assert_eq!(
            source_ok("https://huggingface.co/a/b/resolve/main/x.safetensors"),
            Some("huggingface")
        );
        assert_eq!(
            source_ok("https://civitai.com/models/123?modelVersionId=4"),
            Some("civitai")
        );
        assert_eq!(source_ok("http://huggingface.co/a.safetensors"), None);
        assert_eq!(source_ok("https://example.com/a.safetensors"), None);
    }
}
