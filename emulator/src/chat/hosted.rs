//! Hosted chat on the API host, and the LLM estimate on the socket host.
//!
//! * `POST /v1/chat/completions` — a flat OpenAI `chat.completion` (no envelope). With
//!   `sogni_tool_execution` (and `sogni_tools`), hosted tool calls run server-side first and
//!   come back in `sogni_tool_results`; the answer then reports their results. `stream:
//!   true` answers as OpenAI server-sent events (`chat.completion.chunk` … `[DONE]`); the
//!   official SDK never asks for that, raw OpenAI clients do. Errors are
//!   `{error:{message, type, code}}` with 400/402/404.
//! * `POST /v1/creative-agent/tools/execute` — `{status:'success', data:{toolCallId, tool,
//!   result, message}}`.
//! * `GET /api/v1/job-llm/estimate/{tokenType}/{model}/{inputTokens}/{maxOutputTokens}` —
//!   `{request, quote}` with numeric amounts.

use super::model::{ChatError, ChatRequest};
use super::reply::{answer, script, PlannedCall, Script};
use super::stream::token_name;
use super::tools::{self, Payment};
use crate::accounts::{to_micros, Account};
use crate::http::auth::caller;
use crate::http::error::ApiError;
use crate::state::{now_secs, AppState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

type Shared = State<Arc<AppState>>;

/// Longest artificial generation delay of a hosted (non-streamed) answer.
const MAX_HOSTED_DELAY: Duration = Duration::from_secs(2);

/// `GET /api/v1/job-llm/estimate/{tokenType}/{model}/{inputTokens}/{maxOutputTokens}`.
pub async fn llm_estimate(
    State(state): Shared,
    Path(rest): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let parts: Vec<&str> = rest.split('/').collect();
    let [token, model, input, output] = parts[..] else {
        return Err(ApiError::bad_request(
            "LLM estimate path needs tokenType/model/inputTokens/maxOutputTokens",
        ));
    };
    if state.catalog.llm_model(model).is_none() {
        return Err(ApiError::not_found(format!("Unknown LLM model {model}")));
    }
    let number = |s: &str, name: &str| {
        s.parse::<u64>()
            .map_err(|_| ApiError::bad_request(format!("{name} must be a whole number")))
    };
    let cost = state
        .catalog
        .llm_cost(
            model,
            number(input, "inputTokens")?,
            number(output, "maxOutputTokens")?,
        )
        .with_token_type(token);
    Ok(Json(cost.estimate_json()))
}

fn parse_body(body: &[u8]) -> Result<Value, ChatError> {
    serde_json::from_slice(body)
        .map_err(|e| ChatError::invalid(format!("the body is not valid JSON: {e}")))
}

/// Charges the LLM cost of a finished answer and tells the owner's sockets.
fn settle(state: &AppState, account: &Account, req: &ChatRequest, completion: u64) {
    let cost = state
        .catalog
        .llm_cost(&req.model, req.prompt_tokens, completion)
        .with_token_type(token_name(req.token_type));
    let _ = account.try_charge(req.token_type, to_micros(cost.token));
    for conn in state.registry.of_owner(&account.address) {
        conn.send("balanceUpdate", &account.balance_update_json());
    }
}

fn check_balance(state: &AppState, account: &Account, req: &ChatRequest) -> Result<(), ChatError> {
    let estimate = state
        .catalog
        .llm_cost(&req.model, req.prompt_tokens, req.max_tokens)
        .with_token_type(token_name(req.token_type));
    let b = account.balance();
    let have = match req.token_type {
        crate::accounts::TokenType::Spark => b.spark,
        crate::accounts::TokenType::Sogni => b.sogni,
    };
    if to_micros(estimate.token) > have {
        return Err(ChatError::balance(format!(
            "Insufficient {} balance for this request",
            token_name(req.token_type)
        )));
    }
    Ok(())
}

/// `POST /v1/chat/completions`.
pub async fn completions(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let account = match caller(&state, &headers) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    match complete(&state, &account, &body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn complete(
    state: &Arc<AppState>,
    account: &Arc<Account>,
    body: &[u8],
) -> Result<Response, ChatError> {
    let raw = parse_body(body)?;
    let req = super::parse_request(state, raw.clone()).await?;
    check_balance(state, account, &req)?;
    let id = format!("chatcmpl-{}", uuid::Uuid::new_v4().simple());
    if raw.get("stream").and_then(Value::as_bool) == Some(true) {
        return Ok(sse(state.clone(), account.clone(), req, id));
    }
    let first = script(&answer(&req, &id), &req);
    let mut completion = first.completion_tokens();
    let mut tool_results = Vec::new();
    let mut last = first.clone();
    let hosted_only = !first.tool_calls.is_empty()
        && first.finish_reason == "tool_calls"
        && first
            .tool_calls
            .iter()
            .all(|c| tools::hosted(&c.name).is_some());
    if req.sogni_tool_execution && req.sogni_tools && hosted_only {
        let mut messages = req.messages.clone();
        messages.push(json!({"role": "assistant", "content": null,
            "tool_calls": first.tool_calls.iter().map(PlannedCall::json).collect::<Vec<_>>()}));
        for call in &first.tool_calls {
            let (content, result) = run_tool(state, account, call, &req).await;
            messages.push(
                json!({"role": "tool", "tool_call_id": call.id, "name": call.name,
                                 "content": content}),
            );
            tool_results.push(result);
        }
        let mut second = req.clone();
        second.prompt_tokens = super::model::prompt_tokens(&messages);
        second.messages = messages;
        last = script(&answer(&second, &id), &second);
        completion += last.completion_tokens();
    }
    let delay = Duration::from_millis(state.config.timing.token_ms) * completion as u32;
    tokio::time::sleep(delay.min(MAX_HOSTED_DELAY)).await;
    settle(state, account, &req, completion);
    let mut message = json!({"role": "assistant",
        "content": if last.tool_calls.is_empty() { json!(last.content) } else { Value::Null }});
    if !last.tool_calls.is_empty() {
        message["tool_calls"] = last.tool_calls.iter().map(PlannedCall::json).collect();
    }
    let mut out = json!({
        "id": id,
        "object": "chat.completion",
        "created": now_secs(),
        "model": req.model,
        "choices": [{"index": 0, "message": message, "finish_reason": last.finish_reason}],
        "usage": {"prompt_tokens": req.prompt_tokens, "completion_tokens": completion,
                  "total_tokens": req.prompt_tokens + completion},
    });
    if !tool_results.is_empty() {
        out["sogni_tool_results"] = json!(tool_results);
    }
    Ok(Json(out).into_response())
}

/// Runs one hosted tool call for hosted chat: (tool message content, `sogni_tool_results` entry).
async fn run_tool(
    state: &Arc<AppState>,
    account: &Arc<Account>,
    call: &PlannedCall,
    req: &ChatRequest,
) -> (String, Value) {
    let args: Value = serde_json::from_str(&call.arguments).unwrap_or_else(|_| json!({}));
    let payment = Payment::Token(req.token_type);
    match tools::execute(state, account, &call.name, &args, payment, &call.id).await {
        Ok(o) => (
            o.result.to_string(),
            json!({"tool_call_id": call.id, "tool": call.name, "success": true,
                   "result": o.result, "message": o.message}),
        ),
        Err(e) => (
            json!({"success": false, "error": e.message}).to_string(),
            json!({"tool_call_id": call.id, "tool": call.name, "success": false,
                   "error": e.message}),
        ),
    }
}

/// `stream: true`: OpenAI `chat.completion.chunk` events, then `[DONE]`.
fn sse(state: Arc<AppState>, account: Arc<Account>, req: ChatRequest, id: String) -> Response {
    let s: Script = script(&answer(&req, &id), &req);
    let created = now_secs();
    let chunk = |delta: Value, finish: Value, usage: Option<Value>| {
        let mut c = json!({"id": id, "object": "chat.completion.chunk", "created": created,
            "model": req.model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        if let Some(u) = usage {
            c["usage"] = u;
        }
        c.to_string()
    };
    let mut events: Vec<String> = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
        None,
    )];
    for p in &s.pieces {
        let f = p.frame();
        let delta = match f.get("tool_calls") {
            Some(tc) => json!({"tool_calls": tc}),
            None => json!({"content": f["content"]}),
        };
        events.push(chunk(delta, Value::Null, None));
    }
    events.push(chunk(json!({}), json!(s.finish_reason), Some(s.usage())));
    events.push("[DONE]".to_string());
    settle(&state, &account, &req, s.completion_tokens());
    let delay = Duration::from_millis(state.config.timing.token_ms);
    let stream = futures_util::stream::unfold(events.into_iter(), move |mut it| async move {
        let next = it.next()?;
        tokio::time::sleep(delay).await;
        Some((Ok::<Event, Infallible>(Event::default().data(next)), it))
    });
    Sse::new(stream).into_response()
}

/// `POST /v1/creative-agent/tools/execute`.
pub async fn execute_tool(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let raw: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    let tool = raw
        .get("tool")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::bad_request("tool is required"))?;
    let args = match raw.get("arguments") {
        Some(a @ Value::Object(_)) => a.clone(),
        None | Some(Value::Null) => json!({}),
        Some(_) => return Err(ApiError::bad_request("arguments must be an object")),
    };
    let payment = Payment::parse(raw.get("token_type").and_then(Value::as_str))
        .map_err(|e| ApiError::new(e.status, u32::from(e.status.as_u16()), e.message))?;
    let call_id = format!("call_{}", uuid::Uuid::new_v4().simple());
    let outcome = tools::execute(&state, &account, tool, &args, payment, &call_id)
        .await
        .map_err(|e| {
            let code = if e.status == StatusCode::PAYMENT_REQUIRED {
                123
            } else {
                u32::from(e.status.as_u16())
            };
            ApiError::new(e.status, code, e.message)
        })?;
    Ok(Json(json!({"status": "success", "data": {
        "toolCallId": call_id, "tool": tool, "result": outcome.result, "message": outcome.message
    }})))
}
