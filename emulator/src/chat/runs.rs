//! Durable chat runs (`/v1/chat/runs`): the server owns the LLM/tool loop, records every
//! step in the run's event log and streams it over SSE, with replay from `Last-Event-ID`.
//!
//! * `POST /v1/chat/runs` → 202 `{status:'success', data:{run}}`; the same
//!   `Idempotency-Key` from the same account returns the first run with `idempotent: true`.
//!   Inline `data:` media is refused (400): durable runs take HTTP(S) URLs.
//! * `GET /v1/chat/runs/{id}` → `{data:{run}}`; `POST …/cancel` → `{data:{run}}` (409 once
//!   the run has finished otherwise); `POST …/confirm-cost` resumes a run paused for cost
//!   approval (400 wrong tool call / missing preview, 409 not waiting / stale preview; a
//!   repeated `Idempotency-Key` is a no-op).
//! * `GET …/events/stream` → `text/event-stream`: a `run_status` frame, then every event
//!   after `Last-Event-ID` (or `?after=`), live, until the run ends; then the stream closes.
//!
//! Every route is owner-scoped: another account gets 404. Errors use the API envelope.
//!
//! The executor: `run_created`, `run_queued` → `run_started` → per LLM round
//! `llm_round_started`, `assistant_message_delta` per token, `llm_round_completed`; tool
//! calls (the emulator's hosted tools are always offered) → `tool_call_proposed` →
//! [cost approval: `run_awaiting_cost_confirmation`, `run_waiting_for_user` … confirm →
//! `run_cost_confirmation_resolved`, `run_resumed`] → `tool_call_dispatched` →
//! `artifact_created` per media file, `media_context_updated` → `tool_call_resolved`; the
//! next round answers from the results → `assistant_message_completed` → `run_completed`.
//! Cost approval happens when `runtime_config.requireJobConfirmation` is set (and the
//! estimate is above `jobConfirmationThresholdUsd`) or the estimate exceeds
//! `max_estimated_capacity_units`, unless `confirm_cost` is true. Capacity units are the
//! estimated price in the run's token.

use super::model::ChatRequest;
use super::reply::{answer, script, Piece, PlannedCall};
use super::stream::token_name;
use super::tools::{self, Payment};
use crate::accounts::{to_micros, Account, TokenType};
use crate::catalog::iso8601_now;
use crate::http::auth::caller;
use crate::http::error::ApiError;
use crate::state::{now_secs, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Shared = State<Arc<AppState>>;

/// The run-record schema version the emulator writes.
pub const SCHEMA_VERSION: &str = "2026-05-20.1";
/// LLM rounds before a run gives up.
pub const MAX_ROUNDS: usize = 5;
/// How long a cost preview can be confirmed.
pub const PREVIEW_VALIDITY_SECS: u64 = 600;

const TERMINAL: &[&str] = &["completed", "partial_failure", "failed", "cancelled"];

/// Every run, and the idempotency keys that created them.
#[derive(Debug, Default)]
pub struct RunStore {
    runs: Mutex<HashMap<String, Arc<Run>>>,
    keys: Mutex<HashMap<(String, String), String>>,
}

impl RunStore {
    /// The run `id` if `owner` may see it.
    pub fn get(&self, id: &str, owner: &str) -> Option<Arc<Run>> {
        self.runs
            .lock()
            .unwrap()
            .get(id)
            .filter(|r| r.owner.address.eq_ignore_ascii_case(owner))
            .cloned()
    }

    /// Number of runs (for tests).
    pub fn len(&self) -> usize {
        self.runs.lock().unwrap().len()
    }

    /// No runs yet?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A cost-approval decision posted to `confirm-cost`.
#[derive(Debug, Clone, PartialEq)]
struct Decision {
    confirm: bool,
    tool_call_id: String,
    overrides: Option<Map<String, Value>>,
}

#[derive(Debug)]
struct RunState {
    status: &'static str,
    request: Value,
    messages: Vec<Value>,
    tool_calls: Vec<Value>,
    tool_results: Vec<Value>,
    media: Map<String, Value>,
    artifacts: Vec<Value>,
    events: Vec<Value>,
    final_response: Option<Value>,
    waiting: Option<Value>,
    billing_previews: Vec<Value>,
    failure_reason: Option<String>,
    cancellation_reason: Option<String>,
    created_at: String,
    updated_at: String,
    completed_at: Option<String>,
    decision: Option<Decision>,
    decision_keys: HashSet<String>,
}

/// One durable chat run.
#[derive(Debug)]
pub struct Run {
    /// `run_…`.
    pub id: String,
    /// Whose run it is.
    pub owner: Arc<Account>,
    token_type: TokenType,
    app_source: Option<String>,
    inner: Mutex<RunState>,
    /// Bumped on every change; SSE streams and the executor wait on it.
    changed: tokio::sync::watch::Sender<u64>,
}

impl Run {
    fn status(&self) -> &'static str {
        self.inner.lock().unwrap().status
    }

    fn finished(&self) -> bool {
        TERMINAL.contains(&self.status())
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// Appends an event (and moves to `status`, when given). False, and nothing recorded,
    /// once the run has finished.
    fn push(&self, ty: &str, payload: Value, status: Option<&'static str>) -> bool {
        {
            let mut st = self.inner.lock().unwrap();
            if TERMINAL.contains(&st.status) {
                return false;
            }
            Self::append(&self.id, &mut st, ty, payload, status);
        }
        self.bump();
        true
    }

    fn append(id: &str, st: &mut RunState, ty: &str, payload: Value, status: Option<&'static str>) {
        let now = iso8601_now();
        if let Some(s) = status {
            st.status = s;
            if TERMINAL.contains(&s) {
                st.completed_at = Some(now.clone());
            }
        }
        let terminal = TERMINAL.contains(&st.status);
        let mut event = json!({
            "sequence": st.events.len() as u64 + 1,
            "type": ty,
            "at": now,
            "createdAt": now,
            "runId": id,
            "runKind": "chat",
            "status": st.status,
            "payload": payload,
        });
        if terminal {
            event["terminal"] = json!(true);
        }
        if ty == "run_waiting_for_user" {
            event["resumable"] = json!(true);
        }
        st.events.push(event);
        st.updated_at = now;
    }

    /// The `ChatRunRecord`.
    pub fn record(&self) -> Value {
        let st = self.inner.lock().unwrap();
        let mut scope = json!({"ownerWalletAddress": self.owner.address,
                               "tokenType": token_name(self.token_type)});
        if let Some(a) = &self.app_source {
            scope["appSource"] = json!(a);
        }
        let mut v = json!({
            "runId": self.id,
            "status": st.status,
            "schemaVersion": SCHEMA_VERSION,
            "scope": scope,
            "request": st.request,
            "messages": st.messages,
            "toolCalls": st.tool_calls,
            "toolResults": st.tool_results,
            "mediaContext": st.media,
            "artifacts": st.artifacts,
            "events": st.events,
            "timestamps": {"createdAt": st.created_at, "updatedAt": st.updated_at},
        });
        if let Some(c) = &st.completed_at {
            v["timestamps"]["completedAt"] = json!(c);
        }
        if let Some(f) = &st.final_response {
            v["finalResponse"] = f.clone();
        }
        if let Some(w) = &st.waiting {
            v["waiting"] = w.clone();
        }
        if let Some(p) = st.billing_previews.last() {
            v["billingPreview"] = p.clone();
            v["billingPreviews"] = json!(st.billing_previews);
        }
        if let Some(r) = &st.failure_reason {
            v["failureReason"] = json!(r);
        }
        if let Some(r) = &st.cancellation_reason {
            v["cancellationReason"] = json!(r);
        }
        v
    }
}

fn err(status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError::new(status, u32::from(status.as_u16()), message)
}

fn envelope(run: &Run, extra: Option<(&str, Value)>) -> Value {
    let mut data = json!({"run": run.record()});
    if let Some((k, v)) = extra {
        data[k] = v;
    }
    json!({"status": "success", "data": data})
}

fn owned(state: &AppState, headers: &HeaderMap, id: &str) -> Result<Arc<Run>, ApiError> {
    let account = caller(state, headers)?;
    state
        .chat
        .runs
        .get(id, &account.address)
        .ok_or_else(|| err(StatusCode::NOT_FOUND, "Chat run not found"))
}

fn is_inline(url: &str) -> bool {
    let u = url.trim();
    !u.is_empty()
        && (u.starts_with("data:") || !(u.starts_with("http://") || u.starts_with("https://")))
}

/// Inline or non-HTTP(S) media anywhere a run takes media.
fn inline_media(body: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    for (i, m) in body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (j, p) in m["content"].as_array().into_iter().flatten().enumerate() {
            if let Some(u) = p["image_url"]["url"].as_str() {
                if p["type"] == "image_url" && is_inline(u) {
                    bad.push(format!("messages[{i}].content[{j}].image_url.url"));
                }
            }
        }
    }
    for (i, r) in body["media_references"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if r["url"].as_str().is_some_and(is_inline) {
            bad.push(format!("media_references[{i}].url"));
        }
        for k in ["dataUri", "data_uri"] {
            if r[k].as_str().is_some_and(|s| !s.trim().is_empty()) {
                bad.push(format!("media_references[{i}].{k}"));
            }
        }
    }
    if let Some(ctx) = body["media_context"].as_object() {
        for (k, list) in ctx {
            for (i, u) in list.as_array().into_iter().flatten().enumerate() {
                if u.as_str().is_some_and(is_inline) {
                    bad.push(format!("media_context.{k}[{i}]"));
                }
            }
        }
    }
    bad
}

/// Replaces image parts (HTTP(S) links) with nothing, returning the links.
fn take_image_links(messages: &mut [Value]) -> Vec<String> {
    let mut links = Vec::new();
    for m in messages.iter_mut() {
        if let Some(parts) = m.get_mut("content").and_then(Value::as_array_mut) {
            parts.retain(|p| {
                if p["type"] == "image_url" {
                    links.extend(p["image_url"]["url"].as_str().map(str::to_string));
                    false
                } else {
                    true
                }
            });
        }
    }
    links
}

/// The run's runtime options for cost approval.
#[derive(Debug, Clone, Default)]
struct Approval {
    require: bool,
    threshold_usd: Option<f64>,
    max_units: Option<f64>,
    confirmed: bool,
}

impl Approval {
    fn needed(&self, units: f64, usd: f64) -> bool {
        if self.confirmed || units <= 0.0 {
            return false;
        }
        let by_runtime = self.require && self.threshold_usd.is_none_or(|t| usd > t);
        let by_cap = self.max_units.is_some_and(|m| units > m);
        by_runtime || by_cap
    }
}

/// `POST /v1/chat/runs`.
pub async fn create(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let account = caller(&state, &headers)?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    if body["messages"].as_array().is_none_or(|m| m.is_empty()) {
        return Err(ApiError::bad_request("messages must be a non-empty array"));
    }
    let bad = inline_media(&body);
    if !bad.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Durable chat runs do not accept inline or non-HTTP(S) media; upload it and pass URLs ({})",
            bad.join(", ")
        )));
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|k| !k.is_empty());
    let owner_key = |k: &str| (account.address.to_lowercase(), k.to_string());
    if let Some(k) = &key {
        let existing = state
            .chat
            .runs
            .keys
            .lock()
            .unwrap()
            .get(&owner_key(k))
            .cloned();
        if let Some(run) = existing.and_then(|id| state.chat.runs.get(&id, &account.address)) {
            return Ok(Json(envelope(&run, Some(("idempotent", json!(true))))).into_response());
        }
    }
    // The run's chat request, in the socket's shape.
    let model = body["model"]
        .as_str()
        .map(str::to_string)
        .or_else(|| state.catalog.llm_model_ids().next().map(str::to_string))
        .unwrap_or_default();
    let mut messages = body["messages"].as_array().cloned().unwrap_or_default();
    let links = take_image_links(&mut messages);
    let mut raw = json!({"model": model, "messages": messages, "sogni_tools": true});
    for (from, to) in [
        ("tools", "tools"),
        ("tool_choice", "tool_choice"),
        ("token_type", "token_type"),
        ("billing_mode", "billing_mode"),
    ] {
        if !body[from].is_null() {
            raw[to] = body[from].clone();
        }
    }
    if let Some(sampling) = body["sampling"].as_object() {
        for (k, v) in sampling {
            raw[k.as_str()] = v.clone();
        }
    }
    let mut req = ChatRequest::parse(&raw, &state.catalog).map_err(|e| err(e.status, e.message))?;
    req.image_links = links;
    let runtime = &body["runtime_config"];
    let approval = Approval {
        require: runtime["requireJobConfirmation"].as_bool().unwrap_or(false),
        threshold_usd: runtime["jobConfirmationThresholdUsd"].as_f64(),
        max_units: body["max_estimated_capacity_units"].as_f64(),
        confirmed: body["confirm_cost"].as_bool().unwrap_or(false),
    };
    let now = iso8601_now();
    let mut media = Map::new();
    for k in ["images", "videos", "audio"] {
        media.insert(k.into(), json!([]));
    }
    if let Some(ctx) = body["media_context"].as_object() {
        for (k, v) in ctx {
            media.insert(k.clone(), v.clone());
        }
    }
    let mut request = json!({"model": req.model, "messages": body["messages"]});
    for (from, to) in [
        ("session_id", "sessionId"),
        ("client_message_id", "clientMessageId"),
        ("tools", "tools"),
        ("tool_choice", "toolChoice"),
        ("sampling", "sampling"),
        ("media_references", "mediaReferences"),
        ("runtime_config", "runtimeConfig"),
        ("max_estimated_capacity_units", "maxEstimatedCapacityUnits"),
        ("confirm_cost", "confirmCost"),
        ("billing_mode", "billingMode"),
    ] {
        if !body[from].is_null() {
            request[to] = body[from].clone();
        }
    }
    let id = format!("run_{}", uuid::Uuid::new_v4().simple());
    let run = Arc::new(Run {
        id: id.clone(),
        owner: account.clone(),
        token_type: req.token_type,
        app_source: body["app_source"].as_str().map(str::to_string),
        inner: Mutex::new(RunState {
            status: "queued",
            request,
            messages: body["messages"].as_array().cloned().unwrap_or_default(),
            tool_calls: Vec::new(),
            tool_results: Vec::new(),
            media,
            artifacts: Vec::new(),
            events: Vec::new(),
            final_response: None,
            waiting: None,
            billing_previews: Vec::new(),
            failure_reason: None,
            cancellation_reason: None,
            created_at: now.clone(),
            updated_at: now,
            completed_at: None,
            decision: None,
            decision_keys: HashSet::new(),
        }),
        changed: tokio::sync::watch::Sender::new(0),
    });
    run.push(
        "run_created",
        json!({"model": req.model, "tokenType": token_name(req.token_type)}),
        None,
    );
    run.push("run_queued", json!({"queuePosition": 1}), Some("queued"));
    state
        .chat
        .runs
        .runs
        .lock()
        .unwrap()
        .insert(id.clone(), run.clone());
    if let Some(k) = key {
        state
            .chat
            .runs
            .keys
            .lock()
            .unwrap()
            .insert(owner_key(&k), id);
    }
    tokio::spawn(execute(state.clone(), run.clone(), req, approval));
    Ok((StatusCode::ACCEPTED, Json(envelope(&run, None))).into_response())
}

/// `GET /v1/chat/runs/{id}`.
pub async fn get(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let run = owned(&state, &headers, &id)?;
    Ok(Json(envelope(&run, None)))
}

/// `POST /v1/chat/runs/{id}/cancel`.
pub async fn cancel(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let run = owned(&state, &headers, &id)?;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let reason = body["reason"]
        .as_str()
        .unwrap_or("cancelled by the user")
        .to_string();
    {
        let mut st = run.inner.lock().unwrap();
        match st.status {
            "cancelled" => return Ok(Json(envelope_locked(&run, st))),
            s if TERMINAL.contains(&s) => {
                return Err(err(
                    StatusCode::CONFLICT,
                    format!("Chat run has already finished ({s})"),
                ))
            }
            _ => {}
        }
        st.cancellation_reason = Some(reason.clone());
        st.waiting = None;
        Run::append(
            &run.id,
            &mut st,
            "run_cancelled",
            json!({"reason": reason}),
            Some("cancelled"),
        );
    }
    run.bump();
    Ok(Json(envelope(&run, None)))
}

fn envelope_locked(run: &Run, guard: std::sync::MutexGuard<'_, RunState>) -> Value {
    drop(guard);
    envelope(run, None)
}

fn same_preview(a: &Value, b: &Value) -> bool {
    let units = |v: &Value| v["totalEstimatedCapacityUnits"].as_f64();
    matches!((units(a), units(b)), (Some(x), Some(y)) if (x - y).abs() < 1e-9)
        && a["tokenType"] == b["tokenType"]
        && a["validityUntil"] == b["validityUntil"]
}

/// `POST /v1/chat/runs/{id}/confirm-cost`.
pub async fn confirm_cost(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let run = owned(&state, &headers, &id)?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    {
        let mut st = run.inner.lock().unwrap();
        if key.as_ref().is_some_and(|k| st.decision_keys.contains(k)) {
            return Ok(Json(envelope_locked(&run, st)));
        }
        if st.status != "waiting_for_user" {
            return Err(err(
                StatusCode::CONFLICT,
                "Chat run is not waiting for cost approval",
            ));
        }
        let details = st
            .waiting
            .as_ref()
            .map(|w| w["details"].clone())
            .unwrap_or_default();
        let confirm = match body["decision"].as_str() {
            Some("confirm") => true,
            Some("cancel") => false,
            _ => return Err(ApiError::bad_request("decision must be confirm or cancel")),
        };
        let call_id = body["tool_call_id"].as_str().unwrap_or("");
        let pending = details["pendingToolCallIds"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !pending.iter().any(|p| p == call_id) {
            return Err(ApiError::bad_request(format!(
                "tool_call_id {call_id:?} does not match the paused tool call"
            )));
        }
        if confirm {
            let accepted = body
                .get("acceptedCostPreview")
                .filter(|p| p.is_object())
                .ok_or_else(|| {
                    ApiError::bad_request("acceptedCostPreview is required to confirm")
                })?;
            let current = &details["costApprovalPreview"];
            let expired = current["validityUntil"]
                .as_str()
                .is_some_and(|v| v < iso8601_now().as_str());
            if !same_preview(accepted, current) || expired {
                return Err(err(
                    StatusCode::CONFLICT,
                    "The cost preview is stale; read the run again and approve the new preview",
                ));
            }
        }
        st.decision = Some(Decision {
            confirm,
            tool_call_id: call_id.to_string(),
            overrides: body["overrides"].as_object().cloned(),
        });
        if let Some(k) = key {
            st.decision_keys.insert(k);
        }
        st.waiting = None;
        let decision = if confirm { "confirm" } else { "cancel" };
        Run::append(
            &run.id,
            &mut st,
            "run_cost_confirmation_resolved",
            json!({"toolCallId": call_id, "decision": decision, "reason": body["reason"]}),
            None,
        );
        Run::append(
            &run.id,
            &mut st,
            "run_resumed",
            json!({"reason": "cost_confirmation"}),
            Some("running"),
        );
    }
    run.bump();
    Ok(Json(envelope(&run, None)))
}

/// `GET /v1/chat/runs/{id}/events/stream`.
pub async fn events(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let run = owned(&state, &headers, &id)?;
    // Events after this sequence (a fractional id, which the SDK would pass on, rounds down).
    let after: u64 = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(q.get("after").map(String::as_str))
        .or(q.get("lastEventId").map(String::as_str))
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|n| n.is_finite() && *n > 0.0)
        .map_or(0, |n| n.floor() as u64);
    let rx = run.changed.subscribe();
    let start = (run, after, rx, false);
    let stream = futures_util::stream::unfold(start, |(run, cursor, mut rx, greeted)| async move {
        if !greeted {
            let data = json!({"runId": run.id, "status": run.status()}).to_string();
            let ev = Event::default().event("run_status").data(data);
            return Some((Ok::<Event, Infallible>(ev), (run, cursor, rx, true)));
        }
        loop {
            rx.borrow_and_update();
            let next = {
                let st = run.inner.lock().unwrap();
                st.events.get(cursor as usize).cloned()
            };
            if let Some(e) = next {
                let seq = e["sequence"].as_u64().unwrap_or(cursor + 1);
                let ev = Event::default()
                    .id(seq.to_string())
                    .event(e["type"].as_str().unwrap_or("message"))
                    .data(e.to_string());
                return Some((Ok(ev), (run, seq, rx, true)));
            }
            if run.finished() {
                return None;
            }
            if rx.changed().await.is_err() {
                return None;
            }
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// Waits until `f` holds or the run finishes; false if it finished.
async fn wait_for(run: &Run, f: impl Fn(&RunState) -> bool) -> bool {
    let mut rx = run.changed.subscribe();
    loop {
        rx.borrow_and_update();
        {
            let st = run.inner.lock().unwrap();
            if TERMINAL.contains(&st.status) {
                return false;
            }
            if f(&st) {
                return true;
            }
        }
        if rx.changed().await.is_err() {
            return false;
        }
    }
}

/// Sleeps, returning false when the run was cancelled meanwhile.
async fn pause(run: &Run, d: Duration) -> bool {
    tokio::time::sleep(d).await;
    !run.finished()
}

fn iso_after(secs: u64) -> String {
    // Days → civil date (proleptic Gregorian).
    let t = now_secs() + secs;
    let (days, rem) = ((t / 86_400) as i64, t % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// The run's executor: LLM rounds and hosted tool calls until an answer.
async fn execute(state: Arc<AppState>, run: Arc<Run>, mut req: ChatRequest, approval: Approval) {
    let timing = state.config.timing.clone();
    if !pause(&run, Duration::from_millis(timing.queue_ms)).await
        || !run.push("run_started", json!({"model": req.model}), Some("running"))
    {
        return;
    }
    let delay = Duration::from_millis(timing.token_ms);
    for round in 0..MAX_ROUNDS {
        if !run.push("llm_round_started", json!({"round": round}), None) {
            return;
        }
        let s = script(&answer(&req, &format!("{}/{round}", run.id)), &req);
        for p in &s.pieces {
            if let Piece::Content(t) = p {
                if !pause(&run, delay).await
                    || !run.push(
                        "assistant_message_delta",
                        json!({"round": round, "delta": t}),
                        None,
                    )
                {
                    return;
                }
            }
        }
        let cost = state
            .catalog
            .llm_cost(&req.model, s.prompt_tokens, s.completion_tokens())
            .with_token_type(token_name(req.token_type));
        let _ = run.owner.try_charge(req.token_type, to_micros(cost.token));
        if !run.push(
            "llm_round_completed",
            json!({"round": round, "finishReason": s.finish_reason, "usage": s.usage(),
                   "cost": cost.cost_json()}),
            None,
        ) {
            return;
        }
        if s.finish_reason != "tool_calls" || s.tool_calls.is_empty() {
            let message = json!({"role": "assistant", "content": s.content});
            {
                let mut st = run.inner.lock().unwrap();
                if TERMINAL.contains(&st.status) {
                    return;
                }
                st.messages.push(message);
                st.final_response =
                    Some(json!({"content": s.content, "finishReason": s.finish_reason}));
            }
            run.push(
                "assistant_message_completed",
                json!({"round": round, "content": s.content, "finishReason": s.finish_reason}),
                None,
            );
            run.push(
                "run_completed",
                json!({"finalResponse": {"content": s.content, "finishReason": s.finish_reason}}),
                Some("completed"),
            );
            return;
        }
        let mut calls = s.tool_calls.clone();
        let assistant = json!({"role": "assistant", "content": null,
            "tool_calls": calls.iter().map(PlannedCall::json).collect::<Vec<_>>()});
        req.messages.push(assistant.clone());
        {
            let mut st = run.inner.lock().unwrap();
            st.messages.push(assistant);
            st.tool_calls.extend(calls.iter().map(PlannedCall::json));
        }
        for c in &calls {
            let args: Value = serde_json::from_str(&c.arguments).unwrap_or_default();
            if !run.push(
                "tool_call_proposed",
                json!({"toolCallId": c.id, "toolName": c.name, "arguments": args}),
                None,
            ) {
                return;
            }
        }
        let Some(declined) = approve(&state, &run, &mut calls, &approval).await else {
            return;
        };
        for c in &calls {
            let Some(content) = run_call(&state, &run, c, declined.contains(&c.id)).await else {
                return;
            };
            req.messages
                .push(json!({"role": "tool", "tool_call_id": c.id, "name": c.name,
                                     "content": content}));
        }
        {
            let mut st = run.inner.lock().unwrap();
            let n = req.messages.len();
            st.messages
                .extend(req.messages[n - calls.len()..].iter().cloned());
        }
        req.prompt_tokens = super::model::prompt_tokens(&req.messages);
    }
    let reason = format!("The model kept calling tools for {MAX_ROUNDS} rounds");
    run.inner.lock().unwrap().failure_reason = Some(reason.clone());
    run.push("run_failed", json!({"reason": reason}), Some("failed"));
}

/// Pauses for cost approval when needed. `None` when the run ended meanwhile; else the
/// ids of the calls the user declined.
async fn approve(
    state: &AppState,
    run: &Arc<Run>,
    calls: &mut [PlannedCall],
    approval: &Approval,
) -> Option<HashSet<String>> {
    let token = run.token_type;
    let quotes: Vec<(String, String, tools::Quote)> = calls
        .iter()
        .filter(|c| tools::hosted(&c.name).is_some_and(|t| t.kind.paid()))
        .map(|c| {
            let args: Value = serde_json::from_str(&c.arguments).unwrap_or_default();
            (
                c.id.clone(),
                c.name.clone(),
                tools::estimate(state, &c.name, &args),
            )
        })
        .collect();
    let units: f64 = quotes.iter().map(|(_, _, q)| q.in_token(token)).sum();
    let usd: f64 = quotes.iter().map(|(_, _, q)| q.usd).sum();
    if quotes.is_empty() || !approval.needed(units, usd) {
        return Some(HashSet::new());
    }
    let round6 = |x: f64| (x * 1e6).round() / 1e6;
    let pending: Vec<String> = quotes.iter().map(|(id, _, _)| id.clone()).collect();
    let preview = json!({
        "totalEstimatedCapacityUnits": round6(units),
        "tokenType": token_name(token),
        "validityUntil": iso_after(PREVIEW_VALIDITY_SECS),
        "perToolBreakdown": quotes.iter().map(|(id, name, q)| json!({
            "toolCallId": id, "toolName": name, "capacityUnits": round6(q.in_token(token))
        })).collect::<Vec<_>>(),
    });
    let details = json!({"toolCallId": pending[0], "pendingToolCallIds": pending,
                         "costApprovalPreview": preview});
    let waiting = json!({"reason": "cost_approval_required",
        "message": format!("Approve about {} {} for {} paid tool call(s)?", round6(units), token_name(token), pending.len()),
        "details": details});
    {
        let mut st = run.inner.lock().unwrap();
        st.billing_previews.push(preview.clone());
        st.waiting = Some(waiting.clone());
    }
    run.push(
        "billing_preview_updated",
        json!({"billingPreview": preview}),
        None,
    );
    run.push("run_awaiting_cost_confirmation", details.clone(), None);
    if !run.push("run_waiting_for_user", waiting, Some("waiting_for_user")) {
        return None;
    }
    if !wait_for(run, |st| st.decision.is_some()).await {
        return None;
    }
    let decision = run.inner.lock().unwrap().decision.take()?;
    if !decision.confirm {
        return Some(pending.into_iter().collect());
    }
    if let Some(overrides) = decision.overrides {
        if let Some(c) = calls.iter_mut().find(|c| c.id == decision.tool_call_id) {
            let mut args: Value = serde_json::from_str(&c.arguments).unwrap_or_else(|_| json!({}));
            if let Some(a) = args.as_object_mut() {
                a.extend(overrides);
            }
            c.arguments = args.to_string();
        }
    }
    run.push("spend_confirmed", json!({"toolCallIds": pending}), None);
    Some(HashSet::new())
}

/// Dispatches one tool call; the tool message content, or `None` when the run ended.
async fn run_call(
    state: &Arc<AppState>,
    run: &Arc<Run>,
    c: &PlannedCall,
    declined: bool,
) -> Option<String> {
    let args: Value = serde_json::from_str(&c.arguments).unwrap_or_else(|_| json!({}));
    let resolved = |success: bool, extra: Value| {
        let mut p = json!({"toolCallId": c.id, "toolName": c.name, "success": success});
        if let (Some(p), Some(e)) = (p.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        p
    };
    let (content, result) = if declined {
        let r = json!({"success": false, "cancelled": true, "error": "The user declined the cost of this tool call"});
        (r.to_string(), r)
    } else if tools::hosted(&c.name).is_none() {
        let r = json!({"success": false, "error": format!("{} is not a hosted tool; a durable run cannot call it", c.name)});
        (r.to_string(), r)
    } else {
        if !run.push(
            "tool_call_dispatched",
            json!({"toolCallId": c.id, "toolName": c.name}),
            None,
        ) {
            return None;
        }
        match tools::execute(
            state,
            &run.owner,
            &c.name,
            &args,
            Payment::Token(run.token_type),
            &c.id,
        )
        .await
        {
            Ok(o) => {
                for (i, a) in o.artifacts.iter().enumerate() {
                    let mut art = a.json();
                    art["artifactId"] = json!(format!("{}-{i}", c.id));
                    art["toolCallId"] = json!(c.id);
                    let media = {
                        let mut st = run.inner.lock().unwrap();
                        st.artifacts.push(art.clone());
                        let list = match a.media_type {
                            "image" => "images",
                            "video" => "videos",
                            _ => "audio",
                        };
                        if let Some(Value::Array(l)) = st.media.get_mut(list) {
                            l.push(json!(a.url));
                        }
                        Value::Object(st.media.clone())
                    };
                    run.push("artifact_created", art, None);
                    run.push(
                        "media_context_updated",
                        json!({"mediaContext": media}),
                        None,
                    );
                }
                (o.result.to_string(), o.result)
            }
            Err(e) => {
                let r = json!({"success": false, "error": e.message});
                (r.to_string(), r)
            }
        }
    };
    if run.finished() {
        return None;
    }
    let success = result["success"] != false;
    run.inner.lock().unwrap().tool_results.push(json!({
        "toolCallId": c.id, "toolName": c.name, "success": success, "content": content, "result": result
    }));
    if !run.push(
        "tool_call_resolved",
        resolved(success, json!({"result": result})),
        None,
    ) {
        return None;
    }
    Some(content)
}

impl RunStore {
    /// Looks a run up regardless of owner (tests).
    pub fn any(&self, id: &str) -> Option<Arc<Run>> {
        self.runs.lock().unwrap().get(id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_rules() {
        let a = Approval {
            require: true,
            threshold_usd: Some(0.01),
            ..Default::default()
        };
        assert!(a.needed(5.0, 0.02));
        assert!(!a.needed(5.0, 0.005));
        let cap = Approval {
            max_units: Some(1.0),
            ..Default::default()
        };
        assert!(cap.needed(2.0, 0.0) && !cap.needed(0.5, 0.0));
        let ok = Approval {
            confirmed: true,
            require: true,
            ..Default::default()
        };
        assert!(!ok.needed(5.0, 1.0));
    }

    #[test]
    fn media_must_be_links() {
        let body = json!({"messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}},
            {"type": "image_url", "image_url": {"url": "https://cdn.sogni.ai/a.png"}}]}],
            "media_references": [{"dataUri": "data:x"}], "media_context": {"images": ["ftp://x"]}});
        assert_eq!(
            inline_media(&body),
            vec![
                "messages[0].content[0].image_url.url",
                "media_references[0].dataUri",
                "media_context.images[0]"
            ]
        );
        assert!(iso_after(0).ends_with(".000Z") && iso_after(0).len() == 24);
    }
}
