//! Durable chat runs (`/v1/chat/runs`): request bodies and paths as the official
//! `chat.runs.*` builds them, and its client-side media rule — runs take uploaded
//! HTTP(S) URLs only, never inline `data:` URIs. The event stream is read by
//! [`super::run_events`].

use serde_json::{Map, Value};

use super::js;
use crate::{Error, Result};

/// `POST` path that creates a run.
pub const CHAT_RUNS_PATH: &str = "/v1/chat/runs";

const MEDIA_CONTEXT_FIELDS: [&str; 6] = [
    "images",
    "videos",
    "audio",
    "uploadedImages",
    "uploadedVideos",
    "uploadedAudio",
];

/// `GET /v1/chat/runs/{id}`.
pub fn chat_run_path(run_id: &str) -> String {
    format!("{CHAT_RUNS_PATH}/{}", js::encode_uri_component(run_id))
}

/// `POST /v1/chat/runs/{id}/cancel`.
pub fn chat_run_cancel_path(run_id: &str) -> String {
    format!("{}/cancel", chat_run_path(run_id))
}

/// `POST /v1/chat/runs/{id}/confirm-cost`.
pub fn chat_run_confirm_cost_path(run_id: &str) -> String {
    format!("{}/confirm-cost", chat_run_path(run_id))
}

/// `GET /v1/chat/runs/{id}/events/stream` (SSE).
pub fn chat_run_events_path(run_id: &str) -> String {
    format!("{}/events/stream", chat_run_path(run_id))
}

/// The cancel body: `{reason}` when a reason is given (truthy), else `{}`.
pub fn chat_run_cancel_body(reason: Option<&str>) -> Value {
    let mut body = Map::new();
    if let Some(r) = reason.filter(|r| !r.is_empty()) {
        body.insert("reason".into(), Value::from(r));
    }
    Value::Object(body)
}

fn violation(path: String, value: Option<&Value>) -> Option<String> {
    let trimmed = js::trim(value?.as_str()?);
    if trimmed.is_empty() {
        return None;
    }
    let lower = trimmed.get(..8).unwrap_or(trimmed).to_ascii_lowercase();
    let external = lower.starts_with("http://") || lower.starts_with("https://");
    let inline = lower.starts_with("data:");
    (inline || !external).then_some(path)
}

/// The fields of run params that carry inline or non-HTTP(S) media, named as the
/// official error names them (`messages[0].content[1].image_url.url`,
/// `mediaReferences[2].dataUri`, `mediaContext.images[0]`, …).
pub fn chat_run_media_violations(params: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (i, message) in params["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(content) = message.get("content").and_then(Value::as_array) else {
            continue;
        };
        for (j, part) in content.iter().enumerate() {
            if part.get("type").and_then(Value::as_str) != Some("image_url") {
                continue;
            }
            let Some(image_url) = part.get("image_url").filter(|v| v.is_object()) else {
                continue;
            };
            out.extend(violation(
                format!("messages[{i}].content[{j}].image_url.url"),
                image_url.get("url"),
            ));
        }
    }
    for (i, r) in params["mediaReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if !r.is_object() {
            continue;
        }
        out.extend(violation(format!("mediaReferences[{i}].url"), r.get("url")));
        for key in ["dataUri", "data_uri"] {
            if r.get(key)
                .and_then(Value::as_str)
                .is_some_and(|s| !js::trim(s).is_empty())
            {
                out.push(format!("mediaReferences[{i}].{key}"));
            }
        }
    }
    let context = &params["mediaContext"];
    if js::truthy(context) {
        for field in MEDIA_CONTEXT_FIELDS {
            for (i, v) in context[field].as_array().into_iter().flatten().enumerate() {
                out.extend(violation(format!("mediaContext.{field}[{i}]"), Some(v)));
            }
        }
    }
    out
}

/// The body of `chat.runs.create(params)` (snake_case; optional fields only when set as
/// the official SDK tests them). `client_app_source` is the client's `appSource`.
/// Rejects inline media with the official message listing every offending field.
pub fn chat_run_body(params: &Value, client_app_source: Option<&str>) -> Result<Value> {
    let p = params.as_object().ok_or_else(|| {
        Error::invalid("INVALID_CHAT_PARAMS", "chat run params must be an object")
    })?;
    if !p.get("messages").is_some_and(Value::is_array) {
        return Err(Error::invalid(
            "INVALID_CHAT_PARAMS",
            "messages must be an array",
        ));
    }
    let violations = chat_run_media_violations(params);
    if !violations.is_empty() {
        return Err(Error::invalid(
            "INLINE_MEDIA_NOT_ALLOWED",
            format!(
                "Durable chat runs do not support inline base64/data URI media. Upload media first and pass HTTP(S) URLs instead. Offending field(s): {}",
                violations.join(", ")
            ),
        ));
    }
    let truthy = |k: &str| p.get(k).filter(|v| js::truthy(v));
    let mut body = Map::new();
    body.insert("messages".into(), p["messages"].clone());
    let mut put = |key: &str, v: Option<&Value>| {
        if let Some(v) = v {
            body.insert(key.into(), v.clone());
        }
    };
    put("tools", truthy("tools"));
    put("tool_choice", p.get("toolChoice"));
    put("model", truthy("model"));
    put("sampling", truthy("sampling"));
    put("media_references", truthy("mediaReferences"));
    put("media_context", truthy("mediaContext"));
    put(
        "max_estimated_capacity_units",
        p.get("maxEstimatedCapacityUnits"),
    );
    put("confirm_cost", p.get("confirmCost"));
    put("session_id", truthy("sessionId"));
    put("client_message_id", truthy("clientMessageId"));
    put("token_type", truthy("tokenType"));
    put("billing_mode", truthy("billingMode"));
    let client = client_app_source.map(Value::from);
    put(
        "app_source",
        js::nullish(&[p.get("appSource"), client.as_ref()]).filter(|v| js::truthy(v)),
    );
    put("runtime_config", truthy("runtimeConfig"));
    Ok(js::json_numbers(&Value::Object(body)))
}

/// The body of `chat.runs.confirmCost(runId, params)`:
/// `{tool_call_id, decision, acceptedCostPreview?, overrides?, reason?}` (the optional
/// ones only when truthy; `acceptedCostPreview` is forwarded exactly as given).
pub fn confirm_cost_body(params: &Value) -> Value {
    let mut body = Map::new();
    if let Some(v) = params.get("toolCallId") {
        body.insert("tool_call_id".into(), v.clone());
    }
    if let Some(v) = params.get("decision") {
        body.insert("decision".into(), v.clone());
    }
    for key in ["acceptedCostPreview", "overrides", "reason"] {
        if let Some(v) = params.get(key).filter(|v| js::truthy(v)) {
            body.insert(key.into(), v.clone());
        }
    }
    js::json_numbers(&Value::Object(body))
}

/// The `Idempotency-Key` header of `runs.create` / `runs.confirmCost`, when the params
/// carry a truthy `idempotencyKey`.
pub fn idempotency_key(params: &Value) -> Option<String> {
    params
        .get("idempotencyKey")
        .filter(|v| js::truthy(v))
        .map(js::to_string)
}
