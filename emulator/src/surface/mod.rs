//! The rest of the API host's surface, with state that lasts for the emulator's session and
//! is scoped to its owner:
//!
//! * [`workflows`] — durable creative workflows (`/v1/creative-agent/workflows`): each
//!   step really runs as a hosted tool (images, video, music rendered by the media code),
//!   with an event log served as JSON and as a resumable SSE stream;
//! * [`templates`] — workflow templates: system templates, private/public ones, CRUD with
//!   ownership checks, fork;
//! * [`replay`] — RunRecords (`/v1/replay/records`), flat JSON, redacted, per owner;
//! * [`account`] — subscriptions (plans, checkout with a payment page, portal, usage,
//!   trial eligibility, the socket's entitlement pushes), rewards and claims, the
//!   transaction history, device ids, wallet balances and username checks;
//! * [`misc`] — the leaderboard, announcements (and their socket delivery), and the
//!   emulator's own notice hook;
//! * [`loras`] — the LoRA catalog and personal LoRA imports;
//! * [`assets`] — reusable saved uploads (prepare, presigned PUT, SHA-256 verification,
//!   bind into a project's upload slot);
//! * [`wallet`] — withdrawals, deposits and token approvals with EIP-712 permits, and
//!   account creation.
//!
//! Another account gets 404 for anything it does not own (403 where the thing is
//! visible to it, e.g. changing a public template it does not own).

pub mod account;
pub mod assets;
pub mod loras;
pub mod misc;
pub mod replay;
pub mod templates;
pub mod wallet;
pub mod workflows;

use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Everything this module keeps for the session.
#[derive(Debug, Default)]
pub struct SurfaceState {
    /// Workflow runs.
    pub workflows: workflows::WorkflowStore,
    /// Workflow templates.
    pub templates: templates::TemplateStore,
    /// RunRecords.
    pub replay: replay::ReplayStore,
    /// Subscriptions, rewards, wallets, device ids.
    pub accounts: account::AccountStore,
    /// Announcements and who dismissed what.
    pub announcements: misc::Announcements,
    /// Personal LoRA imports.
    pub loras: loras::LoraStore,
    /// Saved uploads.
    pub assets: assets::AssetStore,
    /// Wallet permits, allowances and signed-up accounts.
    pub wallet: wallet::WalletStore,
    /// Each live connection's socket event subscriptions (by connection id).
    conn_subscriptions: Mutex<HashMap<u64, Map<String, Value>>>,
}

impl SurfaceState {
    /// Remembers a connection's subscriptions (opt-in events are sent only to those that
    /// asked for them).
    pub fn remember_subscriptions(&self, conn_id: u64, subs: &Map<String, Value>) {
        self.conn_subscriptions
            .lock()
            .unwrap()
            .insert(conn_id, subs.clone());
    }

    /// Forgets a closed connection.
    pub fn forget_connection(&self, conn_id: u64) {
        self.conn_subscriptions.lock().unwrap().remove(&conn_id);
    }

    /// Did this connection opt in to `event`?
    pub fn opted_in(&self, conn_id: u64, event: &str) -> bool {
        self.conn_subscriptions
            .lock()
            .unwrap()
            .get(&conn_id)
            .and_then(|m| m.get(event))
            == Some(&Value::Bool(true))
    }
}

/// The routes of this module (API host, plus the emulator's pages and hooks).
pub fn routes() -> Router<Arc<AppState>> {
    use account as a;
    Router::new()
        .merge(workflows::routes())
        .route("/v1/replay/records", post(replay::write).get(replay::list))
        .route("/v1/replay/records/{id}", get(replay::get))
        .route("/v1/leaderboard/", get(misc::leaderboard))
        .route("/v1/announcements/active", get(misc::active))
        .route("/v1/announcements/{id}/dismiss", post(misc::dismiss))
        .route("/emulator/announcements", post(misc::publish))
        .route("/emulator/notices", post(misc::notice))
        .route("/v1/subscriptions/usage", get(a::usage))
        .route("/v1/subscriptions/trial-eligibility", get(a::trial))
        .route("/v1/subscriptions/plans", get(a::plans))
        .route("/v1/iap/stripe/subscribe", post(a::checkout))
        .route("/v1/subscriptions/stripe/portal", post(a::portal))
        .route("/emulator/checkout/{session}", get(a::checkout_page))
        .route("/emulator/portal/{session}", get(a::portal_page))
        .route("/v1/account/device-id", post(a::device_id))
        .route("/v4/account/rewards", get(a::rewards))
        .route("/v3/account/reward/claim", post(a::claim))
        .route("/v1/transactions/list", get(a::transactions))
        .route("/v2/wallet/balance", get(a::wallet_balance))
        .route("/v1/account/username/validate", post(a::validate_username))
        .route("/v1/account/create", post(wallet::create))
        .route(
            "/v1/account/token/withdraw/permit",
            post(wallet::withdraw_permit),
        )
        .route("/v2/account/token/withdraw", post(wallet::withdraw))
        .route("/v3/account/token/deposit", post(wallet::deposit))
        .route(
            "/v1/contract/token/approve/permit",
            post(wallet::approve_permit),
        )
        .route("/v1/contract/token/approve", post(wallet::approve))
        .route("/v1/loras/comfy", get(loras::catalog))
        .route("/v1/loras/personal", get(loras::list).post(loras::import))
        .route("/v1/loras/personal/catalog", get(loras::personal_catalog))
        .route(
            "/v1/loras/personal/{id}",
            get(loras::get_one).delete(loras::remove),
        )
        .route("/v1/assets", get(assets::list))
        .route("/v1/assets/capabilities", get(assets::capabilities))
        .route("/v1/assets/prepare", post(assets::prepare))
        .route("/v1/assets/{id}", axum::routing::delete(assets::remove))
        .route("/v1/assets/{id}/finalize", post(assets::finalize))
        .route("/v1/assets/{id}/bind", post(assets::bind))
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A short random id with a prefix (`wf_3f9a…`).
pub fn new_id(prefix: &str) -> String {
    let u = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{}", &u[..16])
}

/// A query parameter as a number.
pub fn query_num(q: &HashMap<String, String>, key: &str) -> Option<f64> {
    q.get(key).and_then(|v| v.trim().parse::<f64>().ok())
}
