//! LLM chat: the socket's `llmJobRequest` stream, hosted REST chat, hosted tools, durable
//! chat runs and the LLM cost estimate.
//!
//! * [`model`] — the request as received, its checks and the error vocabulary;
//! * [`vision`] — `image_url` data URIs: decoding and limits;
//! * [`schema`] — values generated from / checked against JSON Schemas;
//! * [`reply`] — the deterministic emulated model and its token stream;
//! * [`tools`] — the hosted tools (real media through the render code);
//! * [`stream`] — `llmJobRequest` → `jobState`, `jobTokens`, `llmJobResult`/`llmJobError`;
//! * [`hosted`] — `POST /v1/chat/completions`, `POST /v1/creative-agent/tools/execute`,
//!   `GET /api/v1/job-llm/estimate/…`;
//! * [`runs`] — `/v1/chat/runs`: records, executor, cost approval and SSE events.

pub mod hosted;
pub mod model;
pub mod reply;
pub mod runs;
pub mod schema;
pub mod stream;
pub mod tools;
pub mod vision;

use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The chat state of one emulator: LLM jobs in flight and chat runs.
#[derive(Debug, Default)]
pub struct ChatState {
    /// In-flight socket LLM jobs: job id → (lowercase owner address, appId).
    jobs: Mutex<HashMap<String, (String, String)>>,
    /// Durable chat runs.
    pub runs: runs::RunStore,
}

impl ChatState {
    /// Registers an LLM job; false when the id is already in flight.
    pub fn begin_job(&self, job_id: &str, owner: &str, app_id: &str) -> bool {
        let mut jobs = self.jobs.lock().unwrap();
        if jobs.contains_key(job_id) {
            return false;
        }
        jobs.insert(
            job_id.to_string(),
            (owner.to_lowercase(), app_id.to_string()),
        );
        true
    }

    /// Forgets a finished LLM job.
    pub fn end_job(&self, job_id: &str) {
        self.jobs.lock().unwrap().remove(job_id);
    }

    /// The in-flight LLM job ids of (`owner`, `app_id`): `authenticated.activeLLMJobIDs`.
    pub fn active_job_ids(&self, owner: &str, app_id: &str) -> Vec<String> {
        let owner = owner.to_lowercase();
        let mut ids: Vec<String> = self
            .jobs
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, (o, a))| *o == owner && a == app_id)
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    }
}

/// Parses a chat request on a blocking thread: vision images are decoded while checking it.
pub async fn parse_request(
    state: &Arc<AppState>,
    raw: serde_json::Value,
) -> Result<model::ChatRequest, model::ChatError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || model::ChatRequest::parse(&raw, &state.catalog))
        .await
        .unwrap_or_else(|e| {
            Err(model::ChatError::invalid(format!(
                "request check failed: {e}"
            )))
        })
}

/// The chat routes (API host and socket host).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/v1/job-llm/estimate/{*rest}",
            get(hosted::llm_estimate),
        )
        .route("/v1/chat/completions", post(hosted::completions))
        .route(
            "/v1/creative-agent/tools/execute",
            post(hosted::execute_tool),
        )
        .route("/v1/chat/runs", post(runs::create))
        .route("/v1/chat/runs/{id}", get(runs::get))
        .route("/v1/chat/runs/{id}/cancel", post(runs::cancel))
        .route("/v1/chat/runs/{id}/confirm-cost", post(runs::confirm_cost))
        .route("/v1/chat/runs/{id}/events/stream", get(runs::events))
}
