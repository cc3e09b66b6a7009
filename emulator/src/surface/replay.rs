//! Replay records: `/v1/replay/records`, flat JSON (no envelope), one namespace per owner.
//!
//! * `POST` stores a RunRecord (`run_id` required; writing the same `run_id` again
//!   replaces it and keeps its `createTime`). Secrets in string values (API keys, bearer
//!   tokens, `sk-…` keys, JWTs) are replaced by `[REDACTED]`; `redacted` says whether any
//!   were. → `{runId, schemaVersion, redacted, createTime, updateTime}`.
//! * `GET ?limit` → `{records: [summary…]}`, newest first.
//! * `GET /{runId}` → `{record, createTime}`; another owner's record is a 404.

use super::{now_ms, query_num};
use crate::http::auth::caller;
use crate::http::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Shared = State<Arc<AppState>>;

/// Largest record accepted (bytes of JSON).
pub const MAX_RECORD_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone)]
struct Stored {
    record: Value,
    redacted: bool,
    create_time: u64,
    update_time: u64,
}

/// Records by (lowercase owner, run id), in write order.
#[derive(Debug, Default)]
pub struct ReplayStore {
    records: Mutex<Vec<((String, String), Stored)>>,
}

fn looks_secret(word: &str) -> bool {
    let w =
        word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_' && c != '.');
    (w.starts_with("sk-") && w.len() > 12)
        || (w.starts_with("eyJ") && w.matches('.').count() == 2 && w.len() > 30)
        || w.ends_with("-api-key")
}

/// Replaces secrets in every string of `v`; true when something was replaced.
fn redact(v: &mut Value) -> bool {
    match v {
        Value::String(s) => {
            let mut changed = false;
            let mut out: Vec<String> = Vec::new();
            let mut after_marker = false;
            for word in s.split(' ') {
                let lower = word.to_ascii_lowercase();
                if after_marker || looks_secret(word) {
                    out.push("[REDACTED]".into());
                    changed = true;
                    after_marker = false;
                } else {
                    out.push(word.to_string());
                    after_marker = lower == "bearer" || lower == "api-key:" || lower == "apikey:";
                }
            }
            if changed {
                *s = out.join(" ");
            }
            changed
        }
        Value::Array(a) => a.iter_mut().fold(false, |acc, x| redact(x) | acc),
        Value::Object(m) => m.iter_mut().fold(false, |acc, (k, x)| {
            let key = k.to_ascii_lowercase();
            if (key.contains("apikey")
                || key.contains("api_key")
                || key.contains("api-key")
                || key == "authorization"
                || key.contains("password"))
                && x.is_string()
            {
                *x = json!("[REDACTED]");
                true
            } else {
                redact(x) | acc
            }
        }),
        _ => false,
    }
}

fn flat(status: StatusCode, message: &str) -> ApiError {
    ApiError::new(status, u32::from(status.as_u16()), message)
}

/// `POST /v1/replay/records`.
pub async fn write(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let account = caller(&state, &headers)?;
    if body.len() > MAX_RECORD_BYTES {
        return Err(flat(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Replay record is too large",
        ));
    }
    let mut record: Value = serde_json::from_slice(&body)
        .map_err(|e| flat(StatusCode::BAD_REQUEST, &format!("Body is not JSON: {e}")))?;
    let run_id = record
        .get("run_id")
        .and_then(Value::as_str)
        .filter(|r| !r.trim().is_empty() && r.len() <= 200)
        .map(str::to_string)
        .ok_or_else(|| flat(StatusCode::BAD_REQUEST, "run_id is required"))?;
    if record
        .get("rounds")
        .is_some_and(|r| !r.is_array() && !r.is_null())
    {
        return Err(flat(StatusCode::BAD_REQUEST, "rounds must be an array"));
    }
    let redacted = redact(&mut record);
    let schema = record
        .get("schema_version")
        .cloned()
        .filter(|v| !v.is_null())
        .unwrap_or(json!(1));
    let now = now_ms();
    let key = (account.address.to_lowercase(), run_id.clone());
    let mut records = state.surface.replay.records.lock().unwrap();
    let create_time = match records.iter().position(|(k, _)| *k == key) {
        Some(i) => records.remove(i).1.create_time,
        None => now,
    };
    records.push((
        key,
        Stored {
            record,
            redacted,
            create_time,
            update_time: now,
        },
    ));
    let out = json!({"runId": run_id, "schemaVersion": schema, "redacted": redacted,
                     "createTime": create_time, "updateTime": now});
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `GET /v1/replay/records?limit`.
pub async fn list(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let owner = account.address.to_lowercase();
    let limit = query_num(&q, "limit").map_or(50, |l| l.clamp(1.0, 200.0) as usize);
    let records = state.surface.replay.records.lock().unwrap();
    let list: Vec<Value> = records
        .iter()
        .rev()
        .filter(|((o, _), _)| *o == owner)
        .take(limit)
        .map(|((_, id), s)| {
            let r = &s.record;
            let mut v = json!({
                "runId": id,
                "schemaVersion": r.get("schema_version").cloned().filter(|v| !v.is_null()).unwrap_or(json!(1)),
                "createTime": s.create_time,
                "updateTime": s.update_time,
                "rounds": r.get("rounds").and_then(Value::as_array).map_or(0, Vec::len),
                "redacted": s.redacted,
            });
            for (from, to) in [("user_request", "userRequest"), ("final_response", "finalResponse"), ("model_id", "modelId")] {
                if let Some(x) = r.get(from).filter(|x| !x.is_null()) {
                    v[to] = x.clone();
                }
            }
            v
        })
        .collect();
    Ok(Json(json!({"records": list})))
}

/// `GET /v1/replay/records/{runId}`.
pub async fn get(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let key = (account.address.to_lowercase(), id);
    let records = state.surface.replay.records.lock().unwrap();
    let (_, s) = records
        .iter()
        .find(|(k, _)| *k == key)
        .ok_or_else(|| flat(StatusCode::NOT_FOUND, "Replay record not found"))?;
    Ok(Json(
        json!({"record": s.record, "createTime": s.create_time}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let mut v = json!({"user_request": "use sk-abcdefghijklmnop please", "rounds": [{"headers": {"api-key": "demo"}}],
                           "final_response": "Authorization: Bearer abc.def"});
        assert!(redact(&mut v));
        assert_eq!(v["user_request"], "use [REDACTED] please");
        assert_eq!(v["rounds"][0]["headers"]["api-key"], "[REDACTED]");
        assert_eq!(v["final_response"], "Authorization: Bearer [REDACTED]");
        let mut clean = json!({"a": "nothing secret here"});
        assert!(!redact(&mut clean));
    }
}
