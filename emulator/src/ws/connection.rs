//! One client socket: handshake, the server's opening frames, and the client's messages.

use super::registry::Connection;
use crate::accounts::Account;
use crate::http::auth::{account_for, credential};
use crate::jobs::project::Project;
use crate::jobs::request::JobRequest;
use crate::jobs::runner::{cancel_project, job_price, run_project};
use crate::state::{AppState, Counters};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use sogni_wasm::protocol::envelope::Envelope;
use std::collections::HashMap;
use std::sync::Arc;

/// Close code for a failed handshake authentication.
pub const AUTH_ERROR: u16 = 4021;
/// Close code for a refused appId.
pub const APP_ID_BLOCKED: u16 = 4010;

/// `GET /` with `Upgrade: websocket`.
pub async fn upgrade(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    let account = credential(&headers)
        .ok_or(())
        .and_then(|c| account_for(&state, &c).map_err(|_| ()));
    let max = state.config.max_request_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| serve(state, socket, account.ok(), query))
}

async fn close_now(mut socket: WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Subscription groups a client asked for in `?socketEventSubscriptions=`.
fn parse_subscriptions(query: &HashMap<String, String>) -> Map<String, Value> {
    query
        .get("socketEventSubscriptions")
        .and_then(|s| serde_json::from_str::<Map<String, Value>>(s).ok())
        .map(|m| m.into_iter().filter(|(_, v)| v.is_boolean()).collect())
        .unwrap_or_default()
}

struct Session {
    state: Arc<AppState>,
    account: Arc<Account>,
    app_id: String,
    conn: Connection,
    subscriptions: Map<String, Value>,
    faults: Arc<crate::faults::ConnFaults>,
}

async fn serve(
    state: Arc<AppState>,
    socket: WebSocket,
    account: Option<Arc<Account>>,
    query: HashMap<String, String>,
) {
    let Some(account) = account else {
        return close_now(socket, AUTH_ERROR, "Authentication failed").await;
    };
    let Some(app_id) = query
        .get("appId")
        .filter(|a| !a.is_empty() && a.len() <= 256)
        .cloned()
    else {
        return close_now(socket, APP_ID_BLOCKED, "appId is required").await;
    };
    // `forceWorkerId=fast` selects fast; present but empty selects relaxed; absent: fast.
    let network = match query.get("forceWorkerId").map(String::as_str) {
        Some("") => "relaxed",
        _ => "fast",
    };
    state.requests.connection(&app_id, &query);
    let (sink, mut stream) = socket.split();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let conn = state
        .registry
        .register(&account.address, &app_id, network, tx);
    Counters::bump(&state.counters.connections);
    let faults = crate::faults::Faults::connect(&state, &app_id);
    let writer = tokio::spawn(crate::faults::write_loop(sink, rx, faults.clone()));
    let mut session = Session {
        state: state.clone(),
        account,
        app_id,
        conn,
        subscriptions: parse_subscriptions(&query),
        faults: faults.clone(),
    };
    state
        .surface
        .remember_subscriptions(session.conn.id, &session.subscriptions);
    session.greet();
    while let Some(Ok(message)) = faults.until_killed(stream.next()).await {
        match message {
            Message::Text(text) => session.on_frame(text.as_bytes()),
            Message::Binary(bytes) => session.on_frame(&bytes),
            // Keep polling: the next read flushes the close reply tungstenite queued, so
            // the client sees a clean close (not 1006); then the stream ends.
            Message::Close(_) => {}
            Message::Ping(_) | Message::Pong(_) => {}
        }
    }
    state
        .registry
        .unregister(&session.account.address, &session.app_id, session.conn.id);
    state.faults.disconnect(&faults);
    state.surface.forget_connection(session.conn.id);
    // The last sender goes with the session, which lets the writer drain and stop.
    drop(session);
    let mut writer = writer;
    if tokio::time::timeout(std::time::Duration::from_secs(1), &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
}

impl Session {
    fn send(&self, kind: &str, data: Value) {
        self.conn.send(kind, &data);
    }

    fn subscribed(&self, group: &str) -> bool {
        self.subscriptions.get(group) != Some(&Value::Bool(false))
    }

    fn network(&self) -> String {
        self.conn.network.lock().unwrap().clone()
    }

    fn send_models(&self) {
        if self.subscribed("modelAvailability") {
            let network = self.network();
            self.send("swarmModels", self.state.catalog.swarm_models(&network));
            self.send(
                "swarmLLMModels",
                self.state.catalog.llm_models_json().clone(),
            );
        }
    }

    fn send_balance(&self) {
        let balance = self.account.balance_update_json();
        for conn in self.state.registry.of_owner(&self.account.address) {
            conn.send("balanceUpdate", &balance);
        }
    }

    /// The frames the server sends right after the upgrade.
    fn greet(&self) {
        let a = &self.account;
        let balance = a.balance_update_json();
        let strip = |v: &Value| json!({"settled": v["settled"], "credit": v["credit"], "debit": v["debit"], "net": v["net"]});
        self.send(
            "authenticated",
            json!({
                "id": format!("{}-{}", self.app_id, self.conn.id),
                "clientType": "artist",
                "username": a.username,
                "address": a.address,
                "SID": a.sid,
                "clientSID": self.conn.id,
                "addressSID": a.sid,
                "balanceVersion": 2,
                "tokens": {"sogni": strip(&balance["sogni"]), "spark": strip(&balance["spark"])},
                "subscriptionEntitlement": self.state.surface.accounts.entitlement(&a.address),
                // This appId's projects still in flight: their events follow this socket.
                "activeProjects": self
                    .state
                    .projects
                    .active_of(&a.address, Some(&self.app_id))
                    .iter()
                    .map(|p| p.recovered_json())
                    .collect::<Vec<_>>(),
                // Finished while this appId had no socket: delivered here, once.
                "unclaimedCompletedProjects": self
                    .state
                    .projects
                    .claim_unclaimed(&a.address, &self.app_id)
                    .iter()
                    .map(|p| p.recovered_json())
                    .collect::<Vec<_>>(),
                "activeLLMJobIDs": self.state.chat.active_job_ids(&a.address, &self.app_id),
                "isMainnet": true,
                "accountWasMigrated": false,
                "hasUnclaimedAirdrop": false,
                "firstLoginAfterMigration": false,
            }),
        );
        self.send_models();
        self.send("balanceUpdate", balance);
    }

    fn on_frame(&mut self, frame: &[u8]) {
        let envelope = match Envelope::decode(frame) {
            Ok(e) => e,
            Err(e) => {
                Counters::bump(&self.state.counters.malformed_frames);
                crate::log::warn(&format!("malformed frame from {}: {e}", self.app_id));
                return;
            }
        };
        if self.faults.intercept(&envelope) {
            return;
        }
        match envelope.kind.as_str() {
            "jobRequest" => self.on_job_request(&envelope.data),
            "jobError" => self.on_cancel(&envelope.data),
            "changeNetwork" => self.on_change_network(&envelope.data),
            "setSocketEventSubscriptions" => self.on_subscriptions(&envelope.data),
            "llmJobRequest" => {
                Counters::bump(&self.state.counters.llm_job_requests);
                crate::chat::stream::on_llm_job_request(
                    &self.state,
                    &self.account,
                    &self.app_id,
                    &envelope.data,
                )
            }
            other => crate::log::warn(&format!(
                "unknown message type {other:?} from {}",
                self.app_id
            )),
        }
    }

    fn on_job_request(&self, data: &Value) {
        Counters::bump(&self.state.counters.job_requests);
        self.state.requests.job_request(&self.app_id, data);
        let request = match JobRequest::parse(data, &self.state.catalog) {
            Ok(r) => r,
            Err(e) => {
                let job_id = data
                    .get("jobID")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_uppercase();
                self.send(
                    "jobError",
                    json!({"jobID": job_id, "error": e.code, "error_message": e.message, "isFromWorker": false}),
                );
                return;
            }
        };
        if request.media == crate::catalog::Media::Video {
            let storage = &self.state.storage;
            let uploaded = |slot: &str| {
                storage.contains(&crate::storage::upload_key(&request.project_id, slot, None))
            };
            if let Err(message) = crate::jobs::assets::check(&request.model, data, uploaded) {
                self.send(
                    "jobError",
                    json!({"jobID": request.project_id, "error": "invalidRequest",
                           "error_message": message, "isFromWorker": false}),
                );
                return;
            }
        }
        if let Some(existing) = self.state.projects.get(&request.project_id) {
            if existing.owner.address != self.account.address {
                self.send(
                    "jobError",
                    json!({"jobID": request.project_id, "error": "invalidRequest",
                           "error_message": "Project id is already in use", "isFromWorker": false}),
                );
            } else {
                // The same client re-sent a request it already made: it runs once.
                self.state.faults.note_duplicate(&request.project_id);
            }
            return;
        }
        let network = request.network.clone().unwrap_or_else(|| self.network());
        let project = Arc::new(Project::new(
            request,
            self.account.clone(),
            &self.app_id,
            &network,
        ));
        let total = job_price(&self.state, &project) * i64::from(project.request.count);
        if !self.account.try_charge(project.request.token_type, total) {
            self.send(
                "jobError",
                json!({"jobID": project.id(), "error": "insufficientFunds", "isFromWorker": false,
                       "error_message": "Insufficient balance for this project"}),
            );
            return;
        }
        project.state.lock().unwrap().charged = total;
        if !self.state.projects.insert(project.clone()) {
            self.account.refund(project.request.token_type, total);
            return;
        }
        self.send_balance();
        tokio::spawn(run_project(self.state.clone(), project));
    }

    fn on_cancel(&self, data: &Value) {
        let job_id = data
            .get("jobID")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_uppercase();
        if data.get("error").and_then(Value::as_str) != Some("artistCanceled") {
            crate::log::warn(&format!(
                "ignored client jobError for {job_id}: not a cancel"
            ));
            return;
        }
        match cancel_project(&self.state, &self.account.address, &job_id) {
            Ok(()) => {
                self.send(
                    "artistCancelConfirmation",
                    json!({"jobID": job_id, "didCancel": true}),
                );
                self.send(
                    "jobError",
                    json!({"jobID": job_id, "error": "artistCanceled", "error_message": "artistCanceled",
                           "isFromWorker": false}),
                );
                self.send_balance();
            }
            Err(message) => self.send(
                "artistCancelConfirmation",
                json!({"jobID": job_id, "didCancel": false, "error_message": message}),
            ),
        }
    }

    fn on_change_network(&self, data: &Value) {
        let network = match data
            .as_str()
            .or_else(|| data.get("network").and_then(Value::as_str))
        {
            Some(n @ ("fast" | "relaxed")) => n.to_string(),
            _ => {
                crate::log::warn(&format!("changeNetwork with invalid payload {data}"));
                return;
            }
        };
        *self.conn.network.lock().unwrap() = network.clone();
        self.send("changeNetwork", json!({"network": network}));
        self.send_models();
    }

    fn on_subscriptions(&mut self, data: &Value) {
        let names = |v: Option<&Value>| -> Vec<String> {
            match v {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            }
        };
        if data.get("reset") == Some(&Value::Bool(true)) {
            self.subscriptions.clear();
        }
        if let Some(Value::Object(map)) = data.get("subscriptions") {
            for (k, v) in map.iter().filter(|(_, v)| v.is_boolean()) {
                self.subscriptions.insert(k.clone(), v.clone());
            }
        }
        for name in names(data.get("subscribe")) {
            self.subscriptions.insert(name, Value::Bool(true));
        }
        for name in names(data.get("unsubscribe")) {
            self.subscriptions.insert(name, Value::Bool(false));
        }
        if let (Some(event), Some(enabled)) = (
            data.get("event").and_then(Value::as_str),
            data.get("enabled"),
        ) {
            if enabled.is_boolean() {
                self.subscriptions
                    .insert(event.to_string(), enabled.clone());
            }
        }
        self.state
            .surface
            .remember_subscriptions(self.conn.id, &self.subscriptions);
        self.send(
            "socketEventSubscriptionsUpdated",
            json!({"socketEventSubscriptions": Value::Object(self.subscriptions.clone())}),
        );
    }
}
