//! `sogni.replay` (RunRecords, flat JSON answers), `sogni.stats` (the leaderboard) and
//! `sogni.announcements`, as the official SDK calls them.

use serde_json::{json, Value};

use super::http::{
    encode_component, error_for, local_api_error, rest_data, rest_query, with_query,
    with_query_owned, ErrorStyle, HttpAnswer, HttpCall,
};
use crate::projects::js::{number_to_string, truthy};
use crate::Error;

/// Path of the replay record collection.
pub const REPLAY_PATH: &str = "/v1/replay/records";

/// `replay.write(record)`: the record goes as it is.
pub fn replay_write(record: &Value) -> HttpCall {
    HttpCall::new("POST", REPLAY_PATH, ErrorStyle::Replay).body(record.clone())
}

/// `replay.list({limit})`: `limit` floored when it is a number > 0.
pub fn replay_list(options: &Value) -> HttpCall {
    let pairs: Vec<(&str, String)> = options
        .get("limit")
        .and_then(Value::as_f64)
        .filter(|l| *l > 0.0)
        .map(|l| ("limit", number_to_string(l.floor())))
        .into_iter()
        .collect();
    HttpCall::new("GET", with_query(REPLAY_PATH, &pairs), ErrorStyle::Replay)
}

/// `replay.get(runId)`.
pub fn replay_get(run_id: &str) -> HttpCall {
    HttpCall::new(
        "GET",
        format!("{REPLAY_PATH}/{}", encode_component(run_id)),
        ErrorStyle::Replay,
    )
}

/// A replay answer: flat JSON (text that does not parse reads as an error-shaped object).
fn replay_body(answer: &HttpAnswer) -> Result<Value, Error> {
    if !answer.ok() {
        return Err(error_for(ErrorStyle::Replay, answer));
    }
    if answer.body.is_empty() {
        return Ok(json!({}));
    }
    Ok(serde_json::from_str(&answer.body)
        .unwrap_or_else(|_| json!({"status": "error", "message": answer.body, "errorCode": 0})))
}

fn number_or_zero(v: Option<&Value>) -> Value {
    v.filter(|v| v.is_number()).cloned().unwrap_or(json!(0))
}

/// Reads `replay.write`: `{runId, schemaVersion, redacted, createTime, updateTime}`.
pub fn read_replay_write(answer: &HttpAnswer) -> Result<Value, Error> {
    let body = replay_body(answer)?;
    let Some(run_id) = body.get("runId").and_then(Value::as_str) else {
        return Err(local_api_error(500, "Replay write response missing runId"));
    };
    let schema = match body.get("schemaVersion") {
        Some(v) if !v.is_null() => v.clone(),
        _ => json!(0),
    };
    Ok(json!({
        "runId": run_id,
        "schemaVersion": schema,
        "redacted": body.get("redacted") == Some(&Value::Bool(true)),
        "createTime": number_or_zero(body.get("createTime")),
        "updateTime": number_or_zero(body.get("updateTime")),
    }))
}

/// Reads `replay.list`: `{records}` (`[]` unless an array came back).
pub fn read_replay_list(answer: &HttpAnswer) -> Result<Value, Error> {
    let body = replay_body(answer)?;
    let records = body
        .get("records")
        .filter(|r| r.is_array())
        .cloned()
        .unwrap_or_else(|| json!([]));
    Ok(json!({"records": records}))
}

/// Reads `replay.get`: `{record, createTime}`.
pub fn read_replay_get(answer: &HttpAnswer) -> Result<Value, Error> {
    let body = replay_body(answer)?;
    match body.get("record") {
        Some(r) if r.is_object() || r.is_array() => Ok(json!({
            "record": r,
            "createTime": number_or_zero(body.get("createTime")),
        })),
        _ => Err(local_api_error(
            500,
            "Replay get response missing record field",
        )),
    }
}

/// `stats.leaderboard(params)`: `GET /v1/leaderboard/` (trailing slash) with every param
/// as a query value.
pub fn leaderboard(params: &Value) -> HttpCall {
    HttpCall::new(
        "GET",
        with_query_owned("/v1/leaderboard/", &rest_query(Some(params))),
        ErrorStyle::Rest,
    )
}

/// `announcements.active(platform?)`: `platform` only when truthy.
pub fn announcements_active(platform: Option<&Value>) -> HttpCall {
    let pairs: Vec<(&str, String)> = platform
        .filter(|p| truthy(p))
        .map(|p| ("platform", super::http::js_string(p)))
        .into_iter()
        .collect();
    HttpCall::new(
        "GET",
        with_query("/v1/announcements/active", &pairs),
        ErrorStyle::Rest,
    )
}

/// Reads `announcements.active`: `data.announcements || []`.
pub fn read_announcements(answer: &HttpAnswer) -> Result<Value, Error> {
    let data = rest_data(answer)?;
    Ok(match data.get("announcements") {
        Some(a) if truthy(a) => a.clone(),
        _ => json!([]),
    })
}

/// `announcements.dismiss(id)`: `POST` with the default `{}` body.
pub fn announcements_dismiss(id: &str) -> HttpCall {
    HttpCall::new(
        "POST",
        format!("/v1/announcements/{}/dismiss", encode_component(id)),
        ErrorStyle::Rest,
    )
    .body(json!({}))
}
