//! Socket chat: `llmJobRequest` → `jobState` `pending`, `queued`, `assigned`, `jobStarted` →
//! `jobTokens` × n (one per token, [`crate::config::TimingConfig::token_ms`] apart) → a
//! final `jobTokens` with `finishReason` and `usage` → `llmJobResult` with `usage`,
//! `timeTaken` and the settled `cost`; or `llmJobError` for a refused request.
//!
//! `stream: false` gets the same `jobState` frames and then the whole answer in **one**
//! `jobTokens` frame (content, complete `tool_calls`, `finishReason`, `usage`) after the
//! time the tokens would have taken; the SDK assembles either form.
//!
//! Frames go to whichever connection holds the request's (account, appId), so a job
//! follows a reconnecting client; while that appId has no connection the job waits up to
//! [`RECONNECT_GRACE`], as the real server does, and `authenticated.activeLLMJobIDs` lists
//! it meanwhile. A job nobody reconnects for is dropped without charge.

use super::model::{ChatError, ChatRequest};
use super::reply::{answer, script, Script};
use crate::accounts::{to_micros, Account, TokenType};
use crate::state::AppState;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long an LLM job waits for its appId to reconnect.
pub const RECONNECT_GRACE: Duration = Duration::from_secs(30);

/// The emulated worker's name.
pub const WORKER: &str = "emulator-llm-1";

/// The wire name of a token type.
pub fn token_name(t: TokenType) -> &'static str {
    match t {
        TokenType::Spark => "spark",
        TokenType::Sogni => "sogni",
    }
}

/// Handles one `llmJobRequest` from (`account`, `app_id`): checks it (off the socket's
/// reader) and starts the job.
pub fn on_llm_job_request(
    state: &Arc<AppState>,
    account: &Arc<Account>,
    app_id: &str,
    data: &Value,
) {
    tokio::spawn(admit(
        state.clone(),
        account.clone(),
        app_id.to_string(),
        data.clone(),
    ));
}

async fn admit(state: Arc<AppState>, account: Arc<Account>, app_id: String, data: Value) {
    let job_id = data
        .get("jobID")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_uppercase();
    let refuse = |e: ChatError| {
        state.registry.send(
            &account.address,
            &app_id,
            "llmJobError",
            &e.socket_json(&job_id),
        );
    };
    if job_id.is_empty() {
        return refuse(ChatError::invalid("jobID is required"));
    }
    if data
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t != "llm")
    {
        return refuse(ChatError::invalid("llmJobRequest needs type 'llm'"));
    }
    let stream = data.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let req = match super::parse_request(&state, data).await {
        Ok(r) => r,
        Err(e) => return refuse(e),
    };
    let estimate = state
        .catalog
        .llm_cost(&req.model, req.prompt_tokens, req.max_tokens)
        .with_token_type(token_name(req.token_type));
    if to_micros(estimate.token) > balance_of(&account, req.token_type) {
        return refuse(ChatError::balance(format!(
            "Insufficient {} balance: this request may cost up to {}",
            token_name(req.token_type),
            estimate.cost_json()["costInToken"].as_str().unwrap_or("?")
        )));
    }
    // A re-sent request with an id already in flight runs once.
    if !state.chat.begin_job(&job_id, &account.address, &app_id) {
        return;
    }
    let job = Job {
        state,
        account,
        app_id,
        id: job_id,
    };
    let estimated_cost = estimate.cost_json()["costInToken"].clone();
    if !job.run(req, stream, estimated_cost).await {
        crate::log::warn(&format!(
            "LLM job {} dropped: app {} did not reconnect",
            job.id, job.app_id
        ));
    }
    job.state.chat.end_job(&job.id);
}

fn balance_of(account: &Account, t: TokenType) -> i64 {
    let b = account.balance();
    match t {
        TokenType::Spark => b.spark,
        TokenType::Sogni => b.sogni,
    }
}

struct Job {
    state: Arc<AppState>,
    account: Arc<Account>,
    app_id: String,
    id: String,
}

impl Job {
    /// Sends a frame to the job's appId, waiting out a reconnect; false if it never came.
    async fn emit(&self, kind: &str, mut data: Value) -> bool {
        data["jobID"] = json!(self.id);
        let deadline = Instant::now() + RECONNECT_GRACE;
        loop {
            if self
                .state
                .registry
                .send(&self.account.address, &self.app_id, kind, &data)
            {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn run(&self, req: ChatRequest, stream: bool, estimated_cost: Value) -> bool {
        let timing = self.state.config.timing.clone();
        let model = req.model.clone();
        if !self
            .emit(
                "jobState",
                json!({"type": "pending", "modelId": model, "estimatedCost": estimated_cost}),
            )
            .await
            || !self
                .emit(
                    "jobState",
                    json!({"type": "queued", "queuePosition": 1, "modelId": model,
                           "estimatedCost": estimated_cost}),
                )
                .await
        {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(timing.queue_ms)).await;
        let started = Instant::now();
        if !self
            .emit(
                "jobState",
                json!({"type": "assigned", "workerName": WORKER}),
            )
            .await
        {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(timing.init_ms)).await;
        if !self
            .emit(
                "jobState",
                json!({"type": "jobStarted", "workerName": WORKER}),
            )
            .await
        {
            return false;
        }
        let s = script(&answer(&req, &self.id), &req);
        let delay = Duration::from_millis(timing.token_ms);
        if stream {
            for frame in frames(&s) {
                tokio::time::sleep(delay).await;
                if !self.emit("jobTokens", frame).await {
                    return false;
                }
            }
        } else {
            tokio::time::sleep(delay * s.pieces.len() as u32).await;
            if !self.emit("jobTokens", whole(&s)).await {
                return false;
            }
        }
        let cost = self
            .state
            .catalog
            .llm_cost(&model, s.prompt_tokens, s.completion_tokens())
            .with_token_type(token_name(req.token_type));
        // Settlement: the actual cost, which never exceeds the checked estimate.
        let _ = self
            .account
            .try_charge(req.token_type, to_micros(cost.token));
        for conn in self.state.registry.of_owner(&self.account.address) {
            conn.send("balanceUpdate", &self.account.balance_update_json());
        }
        // Finished: a reconnect from now on no longer lists it as active.
        self.state.chat.end_job(&self.id);
        self.emit(
            "llmJobResult",
            json!({"usage": s.usage(), "timeTaken": started.elapsed().as_secs_f64(),
                   "cost": cost.cost_json(), "workerName": WORKER}),
        )
        .await
    }
}

/// The whole answer as one `jobTokens` frame (`stream: false`).
pub fn whole(s: &Script) -> Value {
    let mut v = json!({"content": s.content, "role": "assistant", "finishReason": s.finish_reason,
                       "usage": s.usage()});
    if !s.tool_calls.is_empty() {
        v["tool_calls"] = s
            .tool_calls
            .iter()
            .enumerate()
            .map(|(index, c)| {
                json!({"index": index, "id": c.id, "type": "function",
                       "function": {"name": c.name, "arguments": c.arguments}})
            })
            .collect();
    }
    v
}

/// All `jobTokens` payloads of a streamed answer, without `jobID` (for tests and docs).
pub fn frames(s: &Script) -> Vec<Value> {
    let mut out: Vec<Value> = s
        .pieces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut f = p.frame();
            if i == 0 {
                f["role"] = json!("assistant");
            }
            f
        })
        .collect();
    out.push(json!({"content": "", "finishReason": s.finish_reason, "usage": s.usage()}));
    out
}
