//! Durable creative workflows: `/v1/creative-agent/workflows`.
//!
//! * `POST /v1/creative-agent/workflows` → `{status:'success', data:{workflow}}`: an inline
//!   plan (`input: {title?, steps}`) or a saved template (`workflow_id` + `inputs`, the
//!   template's `stages` with `{{name}}` placeholders filled in). Steps name hosted tools
//!   (`generate_image`, `generate_video`, `generate_music`, and the composition tools);
//!   `dependsOn` binds an earlier step's output (`artifact_url`, `image_url`, `video_url`,
//!   `audio_url`, `*_index`, `asset_ref`, …) or `$input_media` (`media_references`) into an
//!   argument. Inline `data:` media is refused (400). The same `Idempotency-Key` from the
//!   same account returns the first workflow.
//! * The executor runs the steps in order through the hosted-tool code (real media,
//!   charged to the owner in the workflow's token) and logs `workflow_started`,
//!   `step_started`, `artifact_created`, `step_completed` / `step_failed` and
//!   `workflow_completed` (status `completed` or `partial_failure`) / `workflow_failed`
//!   / `workflow_cancelled`. When the estimate exceeds `max_estimated_capacity_units`
//!   (without `confirm_cost`), the workflow waits (`waiting_for_user`,
//!   `waitingReason: 'cost_approval_required'`) until `resume`.
//! * `GET …` (list, newest first), `GET …/{id}`, `GET …/{id}/events`,
//!   `POST …/{id}/cancel`, `POST …/{id}/resume`, `POST …/{id}/reseed` (a clone with fresh
//!   or overridden seeds; `Idempotency-Key` makes it idempotent), and
//!   `GET …/{id}/events/stream` (SSE after `?after=` / `Last-Event-ID`, closed after the
//!   terminal event). Only workflow-level events carry `status`, so the SDK's iterator
//!   stops on the workflow's end and never on a step's.
//!
//! Everything is owner-scoped: another account gets 404.

use super::{new_id, now_ms, query_num};
use crate::accounts::{Account, TokenType};
use crate::catalog::iso8601_now;
use crate::chat::tools::{self, Payment};
use crate::http::auth::caller;
use crate::http::error::ApiError;
use crate::http::ok;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Shared = State<Arc<AppState>>;

const TERMINAL: &[&str] = &["completed", "partial_failure", "failed", "cancelled"];
const TRANSFORMS: &[&str] = &[
    "artifact_url",
    "artifact_data_uri",
    "image_url",
    "video_url",
    "audio_url",
    "image_index",
    "video_index",
    "audio_index",
    "subtitle_cues",
    "subtitle_srt",
    "overlay_items",
    "asset_ref",
];
/// Steps one workflow may have.
pub const MAX_STEPS: usize = 12;

/// The routes (templates first: their static segment must win over `{id}`).
pub fn routes() -> Router<Arc<AppState>> {
    use super::templates as t;
    Router::new()
        .route(
            "/v1/creative-agent/workflows/templates",
            get(t::list).post(t::create),
        )
        .route(
            "/v1/creative-agent/workflows/templates/{id}",
            get(t::get_one).patch(t::update).delete(t::delete),
        )
        .route(
            "/v1/creative-agent/workflows/templates/{id}/fork",
            post(t::fork),
        )
        .route("/v1/creative-agent/workflows", post(start).get(list))
        .route("/v1/creative-agent/workflows/{id}", get(get_one))
        .route("/v1/creative-agent/workflows/{id}/events", get(events))
        .route(
            "/v1/creative-agent/workflows/{id}/events/stream",
            get(stream),
        )
        .route("/v1/creative-agent/workflows/{id}/cancel", post(cancel))
        .route("/v1/creative-agent/workflows/{id}/resume", post(resume))
        .route("/v1/creative-agent/workflows/{id}/reseed", post(reseed))
}

/// Every workflow, and the idempotency keys that made them.
#[derive(Debug, Default)]
pub struct WorkflowStore {
    runs: Mutex<HashMap<String, Arc<Workflow>>>,
    order: Mutex<Vec<String>>,
    keys: Mutex<HashMap<(String, String), String>>,
}

impl WorkflowStore {
    /// The workflow `id` if `owner` owns it.
    pub fn get(&self, id: &str, owner: &str) -> Option<Arc<Workflow>> {
        self.runs
            .lock()
            .unwrap()
            .get(id)
            .filter(|w| w.owner.address.eq_ignore_ascii_case(owner))
            .cloned()
    }

    fn insert(&self, wf: Arc<Workflow>) {
        self.order.lock().unwrap().push(wf.id.clone());
        self.runs.lock().unwrap().insert(wf.id.clone(), wf);
    }

    /// Number of workflows (for tests).
    pub fn len(&self) -> usize {
        self.runs.lock().unwrap().len()
    }

    /// None yet?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One step as planned and as it ran.
#[derive(Debug, Clone)]
struct Step {
    id: String,
    tool: String,
    arguments: Value,
    depends_on: Vec<Value>,
    status: &'static str,
    seed: Option<u64>,
    artifacts: Vec<Value>,
    result: Option<Value>,
    error: Option<String>,
}

impl Step {
    fn json(&self) -> Value {
        let mut v = json!({
            "id": self.id, "toolName": self.tool, "arguments": self.arguments,
            "dependsOn": self.depends_on, "status": self.status, "artifacts": self.artifacts,
        });
        if let Some(s) = self.seed {
            v["seed"] = json!(s);
        }
        if let Some(r) = &self.result {
            v["result"] = r.clone();
        }
        if let Some(e) = &self.error {
            v["error"] = json!(e);
        }
        v
    }
}

#[derive(Debug)]
struct WfState {
    status: &'static str,
    title: Option<String>,
    input: Value,
    steps: Vec<Step>,
    events: Vec<Value>,
    artifacts: Vec<Value>,
    media_references: Vec<Value>,
    waiting_reason: Option<&'static str>,
    billing_preview: Option<Value>,
    error: Option<String>,
    created_ms: u64,
    updated_ms: u64,
    created_at: String,
    updated_at: String,
}

/// One workflow run.
#[derive(Debug)]
pub struct Workflow {
    /// `wf_…`.
    pub id: String,
    /// Whose it is.
    pub owner: Arc<Account>,
    payment: Payment,
    token: TokenType,
    safe_content_filter: Option<bool>,
    app_source: Option<String>,
    template_id: Option<String>,
    cloned_from: Option<String>,
    inner: Mutex<WfState>,
    changed: tokio::sync::watch::Sender<u64>,
}

impl Workflow {
    fn status(&self) -> &'static str {
        self.inner.lock().unwrap().status
    }

    fn finished(&self) -> bool {
        TERMINAL.contains(&self.status())
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// Logs an event; a workflow-level event (`status` given) moves the workflow to it.
    /// False (nothing logged) once the workflow has finished.
    fn push(
        &self,
        ty: &str,
        data: Value,
        status: Option<&'static str>,
        message: Option<String>,
    ) -> bool {
        {
            let mut st = self.inner.lock().unwrap();
            if TERMINAL.contains(&st.status) {
                return false;
            }
            Self::append(&self.id, &mut st, ty, data, status, message);
        }
        self.bump();
        true
    }

    fn append(
        id: &str,
        st: &mut WfState,
        ty: &str,
        data: Value,
        status: Option<&'static str>,
        message: Option<String>,
    ) {
        let now = now_ms();
        let seq = st.events.len() as u64 + 1;
        let mut ev = json!({"id": seq, "sequence": seq, "workflowId": id, "type": ty,
                            "timestamp": now, "data": data});
        if let Some(s) = status {
            st.status = s;
            ev["status"] = json!(s);
        }
        if let Some(m) = message {
            ev["message"] = json!(m);
        }
        st.events.push(ev);
        st.updated_ms = now;
        st.updated_at = iso8601_now();
    }

    /// The `CreativeWorkflowRecord`.
    pub fn record(&self) -> Value {
        let st = self.inner.lock().unwrap();
        let steps: Vec<Value> = st.steps.iter().map(Step::json).collect();
        let plan_steps: Vec<Value> = st
            .steps
            .iter()
            .map(|s| json!({"id": s.id, "toolName": s.tool, "arguments": s.arguments, "dependsOn": s.depends_on}))
            .collect();
        let mut v = json!({
            "workflowId": self.id,
            "status": st.status,
            "input": st.input,
            "plan": {"title": st.title, "steps": plan_steps},
            "steps": steps,
            "events": st.events,
            "artifacts": st.artifacts,
            "awaitingCostApproval": st.waiting_reason == Some("cost_approval_required"),
            "tokenType": if self.token == TokenType::Sogni { "sogni" } else { "spark" },
            "ownerWalletAddress": self.owner.address,
            "createTime": st.created_ms,
            "updateTime": st.updated_ms,
            "createdAt": st.created_at,
            "updatedAt": st.updated_at,
        });
        if let Some(t) = &st.title {
            v["title"] = json!(t);
        }
        if let Some(r) = st.waiting_reason {
            v["waitingReason"] = json!(r);
        }
        if let Some(b) = &st.billing_preview {
            v["billingPreview"] = b.clone();
        }
        if let Some(e) = &st.error {
            v["error"] = json!(e);
        }
        if let Some(s) = self.safe_content_filter {
            v["safeContentFilter"] = json!(s);
        }
        if let Some(a) = &self.app_source {
            v["appSource"] = json!(a);
        }
        if let Some(t) = &self.template_id {
            v["templateId"] = json!(t);
        }
        if let Some(c) = &self.cloned_from {
            v["clonedFromRunId"] = json!(c);
        }
        v
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(message)
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, 409, message)
}

fn owned(state: &AppState, headers: &HeaderMap, id: &str) -> Result<Arc<Workflow>, ApiError> {
    let account = caller(state, headers)?;
    state
        .surface
        .workflows
        .get(id, &account.address)
        .ok_or_else(|| ApiError::not_found("Workflow not found"))
}

fn parse_body(body: &Bytes) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("Body is not JSON: {e}")))?;
    if !v.is_object() {
        return Err(bad("Body must be a JSON object"));
    }
    Ok(v)
}

fn is_inline(url: &str) -> bool {
    let l = url.trim().to_ascii_lowercase();
    l.starts_with("data:") || !(l.starts_with("http://") || l.starts_with("https://"))
}

/// Checks `media_references`: objects with an HTTP(S) `url`.
fn media_references(body: &Value) -> Result<Vec<Value>, ApiError> {
    let Some(refs) = body.get("media_references").filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let refs = refs
        .as_array()
        .ok_or_else(|| bad("media_references must be an array"))?;
    for (i, r) in refs.iter().enumerate() {
        let url = r.get("url").and_then(Value::as_str).unwrap_or("");
        let inline = r
            .get("dataUri")
            .or(r.get("data_uri"))
            .is_some_and(|d| !d.is_null());
        if url.trim().is_empty() || is_inline(url) || inline {
            return Err(bad(format!(
                "media_references[{i}]: durable workflows take uploaded HTTP(S) URLs, not inline media"
            )));
        }
    }
    Ok(refs.clone())
}

/// Builds and checks the steps of a plan.
fn plan_steps(raw: &Value) -> Result<Vec<Step>, ApiError> {
    let list = raw
        .as_array()
        .ok_or_else(|| bad("input.steps must be an array"))?;
    if list.is_empty() {
        return Err(bad("input.steps must have at least one step"));
    }
    if list.len() > MAX_STEPS {
        return Err(bad(format!("A workflow has at most {MAX_STEPS} steps")));
    }
    let mut steps: Vec<Step> = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let tool = s.get("toolName").and_then(Value::as_str).unwrap_or("");
        if tools::hosted(tool).is_none() {
            return Err(bad(format!(
                "steps[{i}].toolName {tool:?} is not a hosted tool this network can run"
            )));
        }
        let id = s
            .get("id")
            .and_then(Value::as_str)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("step_{}", i + 1));
        if steps.iter().any(|p| p.id == id) || id == "$input_media" {
            return Err(bad(format!("steps[{i}].id {id:?} is used twice")));
        }
        let arguments = s.get("arguments").cloned().unwrap_or_else(|| json!({}));
        if !arguments.is_object() {
            return Err(bad(format!("steps[{i}].arguments must be an object")));
        }
        let deps = match s.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(d)) => d.clone(),
            Some(_) => return Err(bad(format!("steps[{i}].dependsOn must be an array"))),
        };
        for (j, d) in deps.iter().enumerate() {
            let src = d.get("sourceStepId").and_then(Value::as_str).unwrap_or("");
            if src != "$input_media" && !steps.iter().any(|p| p.id == src) {
                return Err(bad(format!(
                    "steps[{i}].dependsOn[{j}].sourceStepId {src:?} is not an earlier step"
                )));
            }
            if d.get("targetArgument")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                return Err(bad(format!(
                    "steps[{i}].dependsOn[{j}].targetArgument is required"
                )));
            }
            let t = d.get("transform").and_then(Value::as_str).unwrap_or("");
            if !TRANSFORMS.contains(&t) {
                return Err(bad(format!(
                    "steps[{i}].dependsOn[{j}].transform {t:?} is unknown"
                )));
            }
        }
        steps.push(Step {
            id,
            tool: tool.to_string(),
            arguments,
            depends_on: deps,
            status: "pending",
            seed: None,
            artifacts: Vec::new(),
            result: None,
            error: None,
        });
    }
    Ok(steps)
}

/// Checks a list of steps (a template's `stages`).
pub fn check_steps(raw: &Value) -> Result<(), ApiError> {
    plan_steps(raw).map(|_| ())
}

/// Fills `{{name}}` placeholders of string values from `inputs` (with template defaults).
fn fill(value: &Value, inputs: &Map<String, Value>) -> Value {
    match value {
        Value::String(s) => {
            let trimmed = s.trim();
            if let Some(name) = trimmed
                .strip_prefix("{{")
                .and_then(|r| r.strip_suffix("}}"))
            {
                if let Some(v) = inputs.get(name.trim()) {
                    return v.clone();
                }
            }
            let mut out = s.clone();
            for (k, v) in inputs {
                let text = match v {
                    Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                out = out.replace(&format!("{{{{{k}}}}}"), &text);
            }
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| fill(v, inputs)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), fill(v, inputs)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The steps of a saved template with its inputs filled in.
fn template_steps(
    state: &AppState,
    owner: &Account,
    id: &str,
    body: &Value,
) -> Result<(Vec<Step>, Option<String>), ApiError> {
    let template = state
        .surface
        .templates
        .readable(id, &owner.address)
        .ok_or_else(|| ApiError::not_found("Workflow template not found"))?;
    let given = body
        .get("inputs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut inputs = Map::new();
    for def in template
        .get("inputs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = def.get("name").and_then(Value::as_str) else {
            continue;
        };
        match given
            .get(name)
            .or(def.get("default"))
            .filter(|v| !v.is_null())
        {
            Some(v) => {
                inputs.insert(name.to_string(), v.clone());
            }
            None if def.get("required") == Some(&Value::Bool(true)) => {
                return Err(bad(format!("Template input {name:?} is required")));
            }
            None => {}
        }
    }
    for (k, v) in given {
        inputs.entry(k).or_insert(v);
    }
    let stages = template.get("stages").cloned().unwrap_or_else(|| json!([]));
    let steps = plan_steps(&fill(&stages, &inputs))?;
    Ok((
        steps,
        template
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string),
    ))
}

/// What the plan is estimated to cost, in the workflow's token, per step.
fn estimate(state: &AppState, steps: &[Step], token: TokenType) -> (f64, Vec<Value>) {
    let mut total = 0.0;
    let per: Vec<Value> = steps
        .iter()
        .map(|s| {
            let q = tools::estimate(state, &s.tool, &s.arguments);
            let units = q.in_token(token);
            total += units;
            json!({"stepId": s.id, "toolName": s.tool, "capacityUnits": units})
        })
        .collect();
    (total, per)
}

#[allow(clippy::too_many_arguments)]
fn new_workflow(
    owner: Arc<Account>,
    steps: Vec<Step>,
    title: Option<String>,
    input: Value,
    media_references: Vec<Value>,
    payment: Payment,
    safe_content_filter: Option<bool>,
    app_source: Option<String>,
    template_id: Option<String>,
    cloned_from: Option<String>,
) -> Arc<Workflow> {
    let token = match payment {
        Payment::Token(t) => t,
        Payment::Auto => TokenType::Spark,
    };
    let now = now_ms();
    Arc::new(Workflow {
        id: new_id("wf"),
        owner,
        payment,
        token,
        safe_content_filter,
        app_source,
        template_id,
        cloned_from,
        inner: Mutex::new(WfState {
            status: "queued",
            title,
            input,
            steps,
            events: Vec::new(),
            artifacts: Vec::new(),
            media_references,
            waiting_reason: None,
            billing_preview: None,
            error: None,
            created_ms: now,
            updated_ms: now,
            created_at: iso8601_now(),
            updated_at: iso8601_now(),
        }),
        changed: tokio::sync::watch::Sender::new(0),
    })
}

fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
}

/// Starts the executor, or parks the workflow for cost approval.
fn launch(state: &Arc<AppState>, wf: &Arc<Workflow>, max_units: Option<f64>, confirm: bool) {
    let (total, per) = {
        let st = wf.inner.lock().unwrap();
        estimate(state, &st.steps, wf.token)
    };
    let token = if wf.token == TokenType::Sogni {
        "sogni"
    } else {
        "spark"
    };
    let preview = json!({"totalEstimatedCapacityUnits": total, "tokenType": token, "perStep": per});
    wf.inner.lock().unwrap().billing_preview = Some(preview.clone());
    if !confirm && max_units.is_some_and(|m| total > m) {
        {
            let mut st = wf.inner.lock().unwrap();
            st.waiting_reason = Some("cost_approval_required");
            Workflow::append(
                &wf.id,
                &mut st,
                "workflow_waiting_for_user",
                json!({"reason": "cost_approval_required", "billingPreview": preview}),
                Some("waiting_for_user"),
                Some("The estimated cost is above max_estimated_capacity_units; resume to approve it".into()),
            );
        }
        wf.bump();
        return;
    }
    tokio::spawn(execute(state.clone(), wf.clone()));
}

/// `POST /v1/creative-agent/workflows`.
pub async fn start(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let account = caller(&state, &headers)?;
    let body = parse_body(&body)?;
    let key = idempotency_key(&headers);
    if let Some(k) = &key {
        let existing = state
            .surface
            .workflows
            .keys
            .lock()
            .unwrap()
            .get(&(account.address.to_lowercase(), k.clone()))
            .cloned();
        if let Some(wf) = existing.and_then(|id| state.surface.workflows.get(&id, &account.address))
        {
            return Ok(Json(
                json!({"status": "success", "data": {"workflow": wf.record(), "idempotent": true}}),
            )
            .into_response());
        }
    }
    let refs = media_references(&body)?;
    let input = body.get("input").filter(|v| !v.is_null());
    let template = body
        .get("workflow_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let (steps, title, template_id) = match (input, template) {
        (Some(_), Some(_)) => return Err(bad("Send input or workflow_id, not both")),
        (None, None) => return Err(bad("input (an inline plan) or workflow_id is required")),
        (Some(i), None) => {
            let steps = plan_steps(i.get("steps").unwrap_or(&Value::Null))?;
            let title = i.get("title").and_then(Value::as_str).map(str::to_string);
            (steps, title, None)
        }
        (None, Some(id)) => {
            let (steps, name) = template_steps(&state, &account, id, &body)?;
            (steps, name, Some(id.to_string()))
        }
    };
    let payment = tools::Payment::parse(body.get("token_type").and_then(Value::as_str))
        .map_err(|e| bad(e.message))?;
    let wf = new_workflow(
        account.clone(),
        steps,
        title,
        input
            .cloned()
            .unwrap_or_else(|| json!({"workflow_id": template, "inputs": body.get("inputs")})),
        refs,
        payment,
        body.get("safe_content_filter").and_then(Value::as_bool),
        body.get("app_source")
            .and_then(Value::as_str)
            .map(str::to_string),
        template_id,
        None,
    );
    state.surface.workflows.insert(wf.clone());
    if let Some(k) = key {
        state
            .surface
            .workflows
            .keys
            .lock()
            .unwrap()
            .insert((account.address.to_lowercase(), k), wf.id.clone());
    }
    let max = body
        .get("max_estimated_capacity_units")
        .and_then(Value::as_f64);
    let confirm = body.get("confirm_cost") == Some(&Value::Bool(true));
    launch(&state, &wf, max, confirm);
    let data = json!({"status": "success", "data": {"workflow": wf.record()}});
    Ok((StatusCode::ACCEPTED, Json(data)).into_response())
}

/// `GET /v1/creative-agent/workflows?limit&offset`: the caller's, newest first.
pub async fn list(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let limit = query_num(&q, "limit").map_or(20, |l| l.clamp(1.0, 100.0) as usize);
    let offset = query_num(&q, "offset").map_or(0, |o| o.max(0.0) as usize);
    let ids = state.surface.workflows.order.lock().unwrap().clone();
    let list: Vec<Value> = ids
        .iter()
        .rev()
        .filter_map(|id| state.surface.workflows.get(id, &account.address))
        .skip(offset)
        .take(limit)
        .map(|w| w.record())
        .collect();
    Ok(ok(json!({"workflows": list})))
}

/// `GET /v1/creative-agent/workflows/{id}`.
pub async fn get_one(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(ok(
        json!({"workflow": owned(&state, &headers, &id)?.record()}),
    ))
}

/// `GET /v1/creative-agent/workflows/{id}/events`.
pub async fn events(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let wf = owned(&state, &headers, &id)?;
    let events = wf.inner.lock().unwrap().events.clone();
    Ok(ok(json!({"events": events})))
}

/// `POST /v1/creative-agent/workflows/{id}/cancel`.
pub async fn cancel(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let wf = owned(&state, &headers, &id)?;
    if !wf.push(
        "workflow_cancelled",
        json!({"reason": "cancelled by the owner"}),
        Some("cancelled"),
        Some("Cancelled".into()),
    ) {
        return Err(conflict(format!("Workflow is already {}", wf.status())));
    }
    {
        let mut st = wf.inner.lock().unwrap();
        st.waiting_reason = None;
        for s in st
            .steps
            .iter_mut()
            .filter(|s| matches!(s.status, "pending" | "running"))
        {
            s.status = "cancelled";
        }
    }
    Ok(ok(json!({"workflow": wf.record(), "cancelled": true})))
}

/// `POST /v1/creative-agent/workflows/{id}/resume`: approves the cost of a paused workflow.
pub async fn resume(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let wf = owned(&state, &headers, &id)?;
    {
        let mut st = wf.inner.lock().unwrap();
        if st.status != "waiting_for_user" {
            return Err(conflict(format!(
                "Workflow is {}, not waiting_for_user",
                st.status
            )));
        }
        st.waiting_reason = None;
        Workflow::append(
            &wf.id,
            &mut st,
            "workflow_progress",
            json!({"reason": "resumed"}),
            Some("queued"),
            Some("Resumed".into()),
        );
    }
    wf.bump();
    tokio::spawn(execute(state.clone(), wf.clone()));
    Ok(ok(json!({"workflow": wf.record(), "resumed": true})))
}

/// `POST /v1/creative-agent/workflows/{id}/reseed`: a clone with fresh seeds.
pub async fn reseed(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let source = owned(&state, &headers, &id)?;
    let body = parse_body(&body)?;
    let owner = source.owner.clone();
    let key = idempotency_key(&headers)
        .map(|k| (owner.address.to_lowercase(), format!("reseed:{id}:{k}")));
    if let Some(k) = &key {
        let existing = state.surface.workflows.keys.lock().unwrap().get(k).cloned();
        if let Some(wf) = existing.and_then(|i| state.surface.workflows.get(&i, &owner.address)) {
            let steps = seeds_of(&wf);
            return Ok(ok(json!({"workflow": wf.record(), "idempotent": true,
                               "reseed": {"cloned_from_run_id": id, "steps": steps}})));
        }
    }
    let status = source.status();
    if !matches!(status, "completed" | "partial_failure") {
        return Err(conflict(format!(
            "Only completed workflows can be reseeded (this one is {status})"
        )));
    }
    let overrides = body
        .get("seed_overrides")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let (mut steps, title, input, refs) = {
        let st = source.inner.lock().unwrap();
        (
            st.steps.clone(),
            st.title.clone(),
            st.input.clone(),
            st.media_references.clone(),
        )
    };
    for s in &mut steps {
        s.status = "pending";
        s.artifacts.clear();
        s.result = None;
        s.error = None;
        s.seed = Some(
            overrides
                .get(&s.id)
                .and_then(Value::as_u64)
                .unwrap_or_else(|| u64::from(rand::random::<u32>())),
        );
    }
    let payment = match body.get("token_type").and_then(Value::as_str) {
        Some(t) => Payment::parse(Some(t)).map_err(|e| bad(e.message))?,
        None => source.payment,
    };
    let wf = new_workflow(
        owner.clone(),
        steps,
        title,
        input,
        refs,
        payment,
        source.safe_content_filter,
        body.get("app_source")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(source.app_source.clone()),
        source.template_id.clone(),
        Some(id.clone()),
    );
    state.surface.workflows.insert(wf.clone());
    if let Some(k) = key {
        state
            .surface
            .workflows
            .keys
            .lock()
            .unwrap()
            .insert(k, wf.id.clone());
    }
    launch(&state, &wf, None, true);
    let steps = seeds_of(&wf);
    Ok(ok(
        json!({"workflow": wf.record(), "reseed": {"cloned_from_run_id": id, "steps": steps}}),
    ))
}

fn seeds_of(wf: &Workflow) -> Vec<Value> {
    wf.inner
        .lock()
        .unwrap()
        .steps
        .iter()
        .map(|s| json!({"stepId": s.id, "seed": s.seed}))
        .collect()
}

/// `GET /v1/creative-agent/workflows/{id}/events/stream`: SSE after `?after=` or
/// `Last-Event-ID`, live until the workflow ends.
pub async fn stream(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let wf = owned(&state, &headers, &id)?;
    let after: u64 = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(q.get("after").cloned())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|n| n.is_finite() && *n > 0.0)
        .map_or(0, |n| n.floor() as u64);
    let rx = wf.changed.subscribe();
    let stream = futures_util::stream::unfold((wf, after, rx), |(wf, cursor, mut rx)| async move {
        loop {
            rx.borrow_and_update();
            let next = wf
                .inner
                .lock()
                .unwrap()
                .events
                .get(cursor as usize)
                .cloned();
            if let Some(e) = next {
                let seq = e["sequence"].as_u64().unwrap_or(cursor + 1);
                let ev = Event::default()
                    .id(seq.to_string())
                    .event(e["type"].as_str().unwrap_or("message"))
                    .data(e.to_string());
                return Some((Ok::<Event, Infallible>(ev), (wf, seq, rx)));
            }
            if wf.finished() {
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

/// The value a dependency binds, or why it cannot.
fn bind(st: &WfState, dep: &Value) -> Result<Option<Value>, String> {
    let src = dep
        .get("sourceStepId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let transform = dep.get("transform").and_then(Value::as_str).unwrap_or("");
    let index = dep
        .get("sourceArtifactIndex")
        .and_then(Value::as_u64)
        .unwrap_or(0) as usize;
    let required = dep.get("required") != Some(&Value::Bool(false));
    let missing = |why: String| if required { Err(why) } else { Ok(None) };
    if src == "$input_media" {
        let wanted = dep.get("mediaType").and_then(Value::as_str);
        let refs: Vec<&Value> = st
            .media_references
            .iter()
            .filter(|r| {
                wanted.is_none_or(|w| r.get("mediaType").and_then(Value::as_str) == Some(w))
            })
            .collect();
        return match refs.get(index) {
            Some(_) if transform.ends_with("_index") => Ok(Some(json!(-(index as i64) - 1))),
            Some(r) => Ok(Some(r.get("url").cloned().unwrap_or(Value::Null))),
            None => missing(format!("media_references has no item {index}")),
        };
    }
    let Some(source) = st.steps.iter().find(|s| s.id == src) else {
        return missing(format!("no step {src:?}"));
    };
    if source.status != "completed" {
        return missing(format!("step {src:?} did not complete"));
    }
    let of_type = |media: &str| -> Vec<&Value> {
        source
            .artifacts
            .iter()
            .filter(|a| a.get("mediaType").and_then(Value::as_str) == Some(media))
            .collect()
    };
    let artifact = |list: Vec<&Value>| list.get(index).map(|a| a["url"].clone());
    let value = match transform {
        "artifact_url" => {
            let by_id = dep
                .get("sourceArtifactId")
                .and_then(Value::as_str)
                .and_then(|aid| {
                    source
                        .artifacts
                        .iter()
                        .find(|a| a["artifactId"] == aid)
                        .map(|a| a["url"].clone())
                });
            by_id.or_else(|| source.artifacts.get(index).map(|a| a["url"].clone()))
        }
        "image_url" => artifact(of_type("image")),
        "video_url" => artifact(of_type("video")),
        "audio_url" => artifact(of_type("audio")),
        "image_index" | "video_index" | "audio_index" => {
            let media = &transform[..transform.len() - 6];
            let url = artifact(of_type(media));
            url.and_then(|u| {
                st.artifacts
                    .iter()
                    .filter(|a| a.get("mediaType").and_then(Value::as_str) == Some(media))
                    .position(|a| a["url"] == u)
                    .map(|p| json!(p))
            })
        }
        "artifact_data_uri" => {
            return Err("artifact_data_uri is not available: durable workflows pass URLs".into())
        }
        _ => source.result.clone(),
    };
    match value {
        Some(v) if !v.is_null() => Ok(Some(v)),
        _ => missing(format!("step {src:?} has no {transform} output {index}")),
    }
}

fn plural(target: &str) -> bool {
    target.ends_with("Indices") || target.ends_with("Urls") || target.ends_with("_urls")
}

/// Runs the steps in order.
async fn execute(state: Arc<AppState>, wf: Arc<Workflow>) {
    if !wf.push(
        "workflow_started",
        json!({"stepCount": wf.inner.lock().unwrap().steps.len()}),
        Some("running"),
        Some("Started".into()),
    ) {
        return;
    }
    let count = wf.inner.lock().unwrap().steps.len();
    let (mut done, mut failed) = (0usize, 0usize);
    for i in 0..count {
        if wf.finished() {
            return;
        }
        let (step, bound) = {
            let st = wf.inner.lock().unwrap();
            let step = st.steps[i].clone();
            let mut args = step.arguments.clone();
            let mut problem = None;
            for dep in &step.depends_on {
                match bind(&st, dep) {
                    Ok(Some(v)) => {
                        let target = dep["targetArgument"].as_str().unwrap_or("").to_string();
                        let v = if plural(&target) && !v.is_array() {
                            json!([v])
                        } else {
                            v
                        };
                        args[target] = v;
                    }
                    Ok(None) => {}
                    Err(e) => problem = Some(e),
                }
            }
            if let Some(seed) = step.seed {
                args["seed"] = json!(seed);
            }
            (step, problem.map_or(Ok(args), Err))
        };
        let set = |status: &'static str, f: &dyn Fn(&mut Step)| {
            let mut st = wf.inner.lock().unwrap();
            st.steps[i].status = status;
            f(&mut st.steps[i]);
        };
        let args = match bound {
            Ok(a) => a,
            Err(why) => {
                failed += 1;
                let msg = format!("Step {} skipped: {why}", step.id);
                set("failed", &|s| s.error = Some(msg.clone()));
                wf.push(
                    "step_failed",
                    json!({"stepId": step.id, "toolName": step.tool, "error": msg}),
                    None,
                    None,
                );
                continue;
            }
        };
        set("running", &|s| s.arguments = args.clone());
        wf.push(
            "step_started",
            json!({"stepId": step.id, "toolName": step.tool}),
            None,
            None,
        );
        let call_id = format!("{}-{}", wf.id, step.id);
        let outcome =
            tools::execute(&state, &wf.owner, &step.tool, &args, wf.payment, &call_id).await;
        if wf.finished() {
            return;
        }
        match outcome {
            Ok(o) => {
                done += 1;
                let mut arts = Vec::new();
                for (k, a) in o.artifacts.iter().enumerate() {
                    let mut art = a.json();
                    art["id"] = json!(format!("{}-{k}", step.id));
                    art["artifactId"] = art["id"].clone();
                    art["stepId"] = json!(step.id);
                    arts.push(art.clone());
                    wf.inner.lock().unwrap().artifacts.push(art.clone());
                    wf.push("artifact_created", art, None, None);
                }
                let seed = o.result.get("seed").and_then(Value::as_u64);
                let result = o.result.clone();
                set("completed", &|s| {
                    s.artifacts = arts.clone();
                    s.result = Some(result.clone());
                    if s.seed.is_none() {
                        s.seed = seed;
                    }
                });
                wf.push(
                    "step_completed",
                    json!({"stepId": step.id, "toolName": step.tool, "artifactCount": arts.len(), "result": o.result}),
                    None,
                    o.message.clone(),
                );
            }
            Err(e) => {
                failed += 1;
                set("failed", &|s| s.error = Some(e.message.clone()));
                wf.push(
                    "step_failed",
                    json!({"stepId": step.id, "toolName": step.tool, "error": e.message}),
                    None,
                    None,
                );
            }
        }
    }
    let artifacts = wf.inner.lock().unwrap().artifacts.len();
    if failed == 0 {
        wf.push(
            "workflow_completed",
            json!({"artifactCount": artifacts}),
            Some("completed"),
            Some("Completed".into()),
        );
    } else if done > 0 {
        wf.push(
            "workflow_completed",
            json!({"artifactCount": artifacts, "failedSteps": failed}),
            Some("partial_failure"),
            Some(format!("{failed} of {count} steps failed")),
        );
    } else {
        wf.inner.lock().unwrap().error = Some("Every step failed".into());
        wf.push(
            "workflow_failed",
            json!({"failedSteps": failed}),
            Some("failed"),
            Some("Every step failed".into()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_checked() {
        let ok = plan_steps(&json!([
            {"id": "a", "toolName": "generate_image", "arguments": {"prompt": "x"}},
            {"toolName": "generate_video", "arguments": {"prompt": "y"},
             "dependsOn": [{"sourceStepId": "a", "targetArgument": "referenceImageUrls", "transform": "image_url"}]}
        ]))
        .unwrap();
        assert_eq!(ok[1].id, "step_2");
        assert!(plan_steps(&json!([{"toolName": "no_such_tool"}])).is_err());
        assert!(plan_steps(&json!([{"toolName": "generate_image", "dependsOn": [{"sourceStepId": "zz", "targetArgument": "a", "transform": "image_url"}]}])).is_err());
        assert!(plan_steps(&json!([])).is_err());
    }

    #[test]
    fn placeholders_fill_from_inputs() {
        let inputs: Map<String, Value> =
            serde_json::from_value(json!({"prompt": "a fox", "n": 2})).unwrap();
        assert_eq!(
            fill(
                &json!({"prompt": "{{prompt}} at dusk", "numberOfVariations": "{{n}}"}),
                &inputs
            ),
            json!({"prompt": "a fox at dusk", "numberOfVariations": 2})
        );
    }
}
