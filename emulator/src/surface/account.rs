//! Subscriptions, rewards, transactions, wallets and small account endpoints.
//!
//! **Subscriptions.** Plans: `unlimited` and `unlimited_pro`, monthly or annual
//! (`GET /v1/subscriptions/plans`, public). `POST /v1/iap/stripe/subscribe` (signed-in
//! users; API keys are refused with 403 as on the real API) answers with a payment-page
//! URL on the emulator (`/emulator/checkout/{session}`); opening it completes the purchase:
//! a first subscription is a 7-day trial when the account is trial-eligible, else active
//! for the term. `POST /v1/subscriptions/stripe/portal` gives `/emulator/portal/{session}`;
//! opening it with `?action=cancel` sets `cancelAtPeriodEnd`, `?action=resume` clears it.
//! Every change is pushed to the owner's sockets as `subscriptionEntitlementUpdated` (with
//! a growing `version`), and the `authenticated` frame carries the same entitlement.
//! `GET /v1/subscriptions/status`, `/usage` (Spark rendered and jobs this period, trial
//! credits while trialing) and `/trial-eligibility` read it.
//!
//! **Rewards** (`GET /v4/account/rewards`, `POST /v3/account/reward/claim`): a daily
//! 5-Spark reward (claimable every 24 h), a one-time 50-Spark welcome reward and a
//! conditioned one that cannot be claimed. A claim credits the balance, is recorded in
//! the ledger and pushes `balanceUpdate`.
//!
//! **Transactions** (`GET /v1/transactions/list`): the account's ledger (renders,
//! refunds, rewards), newest first, for the caller's own address only (403 otherwise).
//!
//! **Wallets** (`GET /v2/wallet/balance`): on-chain balances per address and provider
//! (every address starts with 250 SOGNI and 0.01 ETH).

use super::now_ms;
use crate::accounts::{format_amount, Account, TokenType};
use crate::http::auth::{caller, credential, Credential};
use crate::http::error::ApiError;
use crate::http::ok;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Shared = State<Arc<AppState>>;

const DAY_MS: u64 = 86_400_000;
/// Length of a trial.
pub const TRIAL_DAYS: u64 = 7;
/// Spark a trial may render.
pub const TRIAL_CREDITS: f64 = 500.0;

/// One account's subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// `unlimited` or `unlimited_pro`.
    pub tier: String,
    /// `monthly` or `annual`.
    pub term: String,
    /// Producer status: `trialing`, `active`, `cancelled`, `expired`.
    pub status: &'static str,
    /// Period start (ms).
    pub period_start: u64,
    /// Period end (ms).
    pub period_end: u64,
    /// Trial end (ms), 0 when not a trial.
    pub trial_end: u64,
    /// Ends at the period end.
    pub cancel_at_period_end: bool,
}

#[derive(Debug, Default)]
struct PerAccount {
    subscription: Option<Subscription>,
    version: u64,
    had_trial: bool,
    device_id: Option<String>,
    claims: HashMap<String, u64>,
}

/// On-chain balances of one address on one provider (millionths): SOGNI, Spark, ETH.
pub type WalletBalances = (i64, i64, i64);

/// Subscriptions, checkout sessions, rewards, wallets and device ids.
#[derive(Debug, Default)]
pub struct AccountStore {
    accounts: Mutex<HashMap<String, PerAccount>>,
    sessions: Mutex<HashMap<String, (String, String, String, bool)>>,
    wallets: Mutex<HashMap<(String, String), WalletBalances>>,
}

impl AccountStore {
    fn with<R>(&self, address: &str, f: impl FnOnce(&mut PerAccount) -> R) -> R {
        let mut all = self.accounts.lock().unwrap();
        f(all.entry(address.to_lowercase()).or_default())
    }

    /// The account's subscription, if any.
    pub fn subscription(&self, address: &str) -> Option<Subscription> {
        self.with(address, |a| a.subscription.clone())
    }

    /// Is the account an active (or trialing) subscriber?
    pub fn subscribed(&self, address: &str) -> bool {
        self.subscription(address).is_some_and(|s| {
            matches!(s.status, "active" | "trialing" | "cancelled") && s.period_end > now_ms()
        })
    }

    /// The socket's entitlement payload (`authenticated.subscriptionEntitlement` and
    /// `subscriptionEntitlementUpdated`).
    pub fn entitlement(&self, address: &str) -> Value {
        self.with(address, |a| match &a.subscription {
            None => json!({"active": false, "trialing": false, "trialCapped": false, "subscription": null}),
            Some(s) => {
                let live = s.period_end > now_ms() && s.status != "expired";
                json!({
                    "active": live,
                    "trialing": s.status == "trialing",
                    "trialCapped": false,
                    "subscription": {
                        "provider": "stripe", "tier": s.tier, "term": s.term, "status": s.status,
                        "periodStart": s.period_start, "periodEnd": s.period_end, "graceEnd": 0,
                        "trialEnd": s.trial_end, "version": a.version.to_string(),
                        "cancelAtPeriodEnd": s.cancel_at_period_end, "scheduledTier": null,
                        "scheduledTerm": null, "scheduledChangeAt": null,
                        "capabilities": {"unlimited": live, "personalLoras": live, "savedUploads": live}
                    }
                })
            }
        })
    }
}

fn iso(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
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
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        ms % 1000
    )
}

/// The REST snapshot (`SubscriptionEntitlementSnapshot`).
pub fn snapshot(state: &AppState, address: &str) -> Value {
    match state.surface.accounts.subscription(address) {
        None => json!({"active": false, "status": "none"}),
        Some(s) => {
            let live = s.period_end > now_ms() && s.status != "expired";
            let status = match (s.status, live) {
                (_, false) => "expired",
                ("cancelled", true) => "cancel_at_period_end",
                ("trialing", true) => "trialing",
                _ if s.cancel_at_period_end => "cancel_at_period_end",
                _ => "active",
            };
            json!({
                "active": live, "status": status, "tier": s.tier, "term": s.term, "provider": "stripe",
                "currentPeriodStart": iso(s.period_start), "currentPeriodEnd": iso(s.period_end),
                "cancelAtPeriodEnd": s.cancel_at_period_end,
                "capabilities": {"unlimited": live, "personalLoras": live, "savedUploads": live},
                "paymentPending": false, "frontierDiscountBps": if s.tier == "unlimited_pro" { 1000 } else { 0 }
            })
        }
    }
}

fn push_entitlement(state: &AppState, address: &str) {
    let payload = state.surface.accounts.entitlement(address);
    for conn in state.registry.of_owner(address) {
        conn.send("subscriptionEntitlementUpdated", &payload);
    }
}

fn body_json(body: &Bytes) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Body is not JSON: {e}")))
}

/// Checkout and the billing portal are for signed-in users, not API keys.
fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<Arc<Account>, ApiError> {
    let account = caller(state, headers)?;
    if matches!(credential(headers), Some(Credential::ApiKey(_))) {
        return Err(ApiError::forbidden(
            "Subscriptions cannot be managed with an API key; sign in instead",
        ));
    }
    Ok(account)
}

/// `GET /v1/subscriptions/status`.
pub async fn status(State(state): Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    Ok(ok(
        json!({"subscription": snapshot(&state, &account.address)}),
    ))
}

/// `GET /v1/subscriptions/usage`: this period's Spark renders and jobs.
pub async fn usage(State(state): Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let sub = state.surface.accounts.subscription(&account.address);
    let since = sub
        .as_ref()
        .map_or(now_ms().saturating_sub(30 * DAY_MS), |s| s.period_start);
    let (mut spark, mut jobs) = (0i64, 0u64);
    for e in account
        .ledger()
        .iter()
        .filter(|e| e.time_ms >= since && e.source == "project")
    {
        match e.kind {
            "debit" => {
                jobs += 1;
                if e.token == TokenType::Spark {
                    spark += e.micros;
                }
            }
            _ if e.token == TokenType::Spark => spark -= e.micros,
            _ => {}
        }
    }
    let spark_f = spark.max(0) as f64 / 1_000_000.0;
    let mut usage = json!({"periodRenderSpark": spark_f, "periodJobs": jobs});
    if let Some(s) = sub.filter(|s| s.status == "trialing") {
        usage["trialEndsAt"] = json!(iso(s.trial_end));
        usage["trialCreditsLimit"] = json!(TRIAL_CREDITS);
        usage["trialCreditsUsed"] = json!(spark_f.min(TRIAL_CREDITS));
    }
    Ok(ok(json!({"usage": usage})))
}

/// `GET /v1/subscriptions/trial-eligibility`.
pub async fn trial(State(state): Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let (had, sub) = state.surface.accounts.with(&account.address, |a| {
        (a.had_trial, a.subscription.is_some())
    });
    let (eligible, reason) = match (had, sub) {
        (_, true) => (false, "has_subscription"),
        (true, _) => (false, "trial_used"),
        _ => (true, "eligible"),
    };
    Ok(ok(json!({"eligible": eligible, "reasonCode": reason})))
}

/// `GET /v1/subscriptions/plans` (public).
pub async fn plans() -> Json<Value> {
    let plan = |tier: &str, term: &str, price: f64, name: &str| {
        json!({"planId": tier, "tier": tier, "term": term,
               "interval": if term == "monthly" { "month" } else { "year" },
               "priceUsd": price, "displayName": name, "vendorDiscountBps": if term == "annual" { 1667 } else { 0 }})
    };
    ok(json!({"plans": [
        plan("unlimited", "monthly", 20.0, "Unlimited"),
        plan("unlimited", "annual", 200.0, "Unlimited (annual)"),
        plan("unlimited_pro", "monthly", 50.0, "Unlimited Pro"),
        plan("unlimited_pro", "annual", 500.0, "Unlimited Pro (annual)"),
    ]}))
}

/// `POST /v1/iap/stripe/subscribe {planId, term, redirectType, appSource?, startTrial?, deviceId?}`.
pub async fn checkout(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let account = signed_in(&state, &headers)?;
    let body = body_json(&body)?;
    let plan = body.get("planId").and_then(Value::as_str).unwrap_or("");
    let term = body.get("term").and_then(Value::as_str).unwrap_or("");
    if !matches!(plan, "unlimited" | "unlimited_pro") {
        return Err(ApiError::bad_request(
            "planId must be unlimited or unlimited_pro",
        ));
    }
    if !matches!(term, "monthly" | "annual") {
        return Err(ApiError::bad_request("term must be monthly or annual"));
    }
    let redirect = body
        .get("redirectType")
        .and_then(Value::as_str)
        .unwrap_or("web");
    if !matches!(
        redirect,
        "web" | "app" | "dashboard" | "photobooth" | "chat"
    ) {
        return Err(ApiError::bad_request(
            "redirectType is not one of web, app, dashboard, photobooth, chat",
        ));
    }
    if let Some(d) = body.get("deviceId").and_then(Value::as_str) {
        state
            .surface
            .accounts
            .with(&account.address, |a| a.device_id = Some(d.to_string()));
    }
    let session = super::new_id("cs");
    // Trials are server-authoritative: `startTrial` cannot grant one, only decline it.
    let decline_trial = body.get("startTrial") == Some(&Value::Bool(false));
    state.surface.accounts.sessions.lock().unwrap().insert(
        session.clone(),
        (
            account.address.clone(),
            plan.to_string(),
            term.to_string(),
            decline_trial,
        ),
    );
    let url = format!("{}/emulator/checkout/{session}", state.base_url());
    Ok(ok(
        json!({"url": url, "message": "Complete the purchase on the payment page"}),
    ))
}

fn page(title: &str, text: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<!doctype html><meta charset=utf-8><title>{title}</title><h1>{title}</h1><p>{text}</p>"),
    )
        .into_response()
}

/// `GET /emulator/checkout/{session}`: the payment page; opening it pays.
pub async fn checkout_page(State(state): Shared, Path(session): Path<String>) -> Response {
    let Some((address, plan, term, decline_trial)) = state
        .surface
        .accounts
        .sessions
        .lock()
        .unwrap()
        .remove(&session)
    else {
        return (
            StatusCode::NOT_FOUND,
            page(
                "Checkout expired",
                "This checkout session is unknown or already used.",
            ),
        )
            .into_response();
    };
    let now = now_ms();
    let trial = state.surface.accounts.with(&address, |a| {
        let trial = !a.had_trial && a.subscription.is_none() && !decline_trial;
        let days = if trial {
            TRIAL_DAYS
        } else if term == "annual" {
            365
        } else {
            30
        };
        a.had_trial |= trial;
        a.version += 1;
        a.subscription = Some(Subscription {
            tier: plan.clone(),
            term: term.clone(),
            status: if trial { "trialing" } else { "active" },
            period_start: now,
            period_end: now + days * DAY_MS,
            trial_end: if trial { now + days * DAY_MS } else { 0 },
            cancel_at_period_end: false,
        });
        trial
    });
    push_entitlement(&state, &address);
    let what = if trial {
        "Your free trial has started."
    } else {
        "Your subscription is active."
    };
    page("Subscribed", what)
}

/// `POST /v1/subscriptions/stripe/portal`.
pub async fn portal(State(state): Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let account = signed_in(&state, &headers)?;
    if state
        .surface
        .accounts
        .subscription(&account.address)
        .is_none()
    {
        return Err(ApiError::not_found("There is no subscription to manage"));
    }
    let session = super::new_id("bps");
    state.surface.accounts.sessions.lock().unwrap().insert(
        session.clone(),
        (
            account.address.clone(),
            "portal".into(),
            String::new(),
            false,
        ),
    );
    Ok(ok(
        json!({"url": format!("{}/emulator/portal/{session}", state.base_url())}),
    ))
}

/// `GET /emulator/portal/{session}?action=cancel|resume`: the billing portal.
pub async fn portal_page(
    State(state): Shared,
    Path(session): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let found = state
        .surface
        .accounts
        .sessions
        .lock()
        .unwrap()
        .get(&session)
        .cloned();
    let Some((address, kind, _, _)) = found.filter(|s| s.1 == "portal") else {
        return (
            StatusCode::NOT_FOUND,
            page("Portal expired", "This portal session is unknown."),
        )
            .into_response();
    };
    debug_assert_eq!(kind, "portal");
    let action = q.get("action").map(String::as_str).unwrap_or("");
    let changed = state.surface.accounts.with(&address, |a| {
        let Some(s) = a.subscription.as_mut() else {
            return false;
        };
        let before = s.cancel_at_period_end;
        match action {
            "cancel" => s.cancel_at_period_end = true,
            "resume" => s.cancel_at_period_end = false,
            _ => {}
        }
        if s.cancel_at_period_end != before {
            a.version += 1;
            true
        } else {
            false
        }
    });
    if changed {
        push_entitlement(&state, &address);
    }
    page(
        "Billing portal",
        "Use ?action=cancel or ?action=resume to change the renewal.",
    )
}

/// `POST /v1/account/device-id {deviceId}`.
pub async fn device_id(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let body = body_json(&body)?;
    let id = body
        .get("deviceId")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|d| !d.is_empty() && d.len() <= 256)
        .ok_or_else(|| ApiError::bad_request("deviceId is required"))?;
    state
        .surface
        .accounts
        .with(&account.address, |a| a.device_id = Some(id.to_string()));
    Ok(ok(json!({"deviceId": id})))
}

struct RewardDef {
    id: &'static str,
    kind: &'static str,
    title: &'static str,
    description: &'static str,
    amount: f64,
    every_sec: i64,
    condition: Option<&'static str>,
}

const REWARDS: [RewardDef; 3] = [
    RewardDef {
        id: "daily-boost",
        kind: "instant",
        title: "Daily Boost",
        description: "5 free Spark every day",
        amount: 5.0,
        every_sec: 86_400,
        condition: None,
    },
    RewardDef {
        id: "welcome",
        kind: "instant",
        title: "Welcome",
        description: "50 Spark to get started",
        amount: 50.0,
        every_sec: -1,
        condition: None,
    },
    RewardDef {
        id: "verify-discord",
        kind: "conditioned",
        title: "Join Discord",
        description: "Link your Discord account",
        amount: 25.0,
        every_sec: -1,
        condition: Some("discordNotLinked"),
    },
];

fn reward_view(r: &RewardDef, last_ms: Option<u64>) -> Value {
    let now = now_ms();
    let claimed = last_ms.is_some();
    let ready_again = match (last_ms, r.every_sec) {
        (Some(t), s) if s > 0 => now >= t + (s as u64) * 1000,
        (Some(_), _) => false,
        (None, _) => true,
    };
    let (can, why) = match r.condition {
        Some(c) => (false, Some(c)),
        None if !ready_again => (
            false,
            Some(if r.every_sec > 0 {
                "tooSoon"
            } else {
                "alreadyClaimed"
            }),
        ),
        None => (true, None),
    };
    json!({
        "id": r.id, "type": r.kind, "title": r.title, "description": r.description,
        "amount": format_amount(crate::accounts::to_micros(r.amount)), "tokenType": "spark",
        "claimed": u8::from(claimed && !ready_again), "canClaim": u8::from(can), "cantClaimReason": why,
        "lastClaimTimestamp": last_ms.map_or(0, |t| t / 1000), "claimResetFrequencySec": r.every_sec,
    })
}

/// `GET /v4/account/rewards[?provider]`.
pub async fn rewards(State(state): Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let claims = state
        .surface
        .accounts
        .with(&account.address, |a| a.claims.clone());
    let list: Vec<Value> = REWARDS
        .iter()
        .map(|r| reward_view(r, claims.get(r.id).copied()))
        .collect();
    Ok(ok(json!({"rewards": list})))
}

/// `POST /v3/account/reward/claim {claims, provider, turnstileToken?}`.
pub async fn claim(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let body = body_json(&body)?;
    let ids: Vec<String> = body
        .get("claims")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .filter(|v: &Vec<String>| !v.is_empty())
        .ok_or_else(|| ApiError::bad_request("claims must be a non-empty list of reward ids"))?;
    let provider = body
        .get("provider")
        .and_then(Value::as_str)
        .unwrap_or("base");
    if !matches!(provider, "base" | "etherlink") {
        return Err(ApiError::bad_request("provider must be base or etherlink"));
    }
    let claims = state
        .surface
        .accounts
        .with(&account.address, |a| a.claims.clone());
    let mut granted = Vec::new();
    for id in &ids {
        let r = REWARDS
            .iter()
            .find(|r| r.id == id.as_str())
            .ok_or_else(|| ApiError::not_found(format!("No reward {id}")))?;
        if reward_view(r, claims.get(r.id).copied())["canClaim"] != 1 {
            return Err(ApiError::bad_request(format!(
                "Reward {id} cannot be claimed now"
            )));
        }
        granted.push(r);
    }
    let now = now_ms();
    for r in granted {
        state
            .surface
            .accounts
            .with(&account.address, |a| a.claims.insert(r.id.to_string(), now));
        account.credit(
            TokenType::Spark,
            crate::accounts::to_micros(r.amount),
            &format!("Reward: {}", r.title),
            "reward",
        );
    }
    let balance = account.balance_update_json();
    for conn in state.registry.of_owner(&account.address) {
        conn.send("balanceUpdate", &balance);
    }
    Ok(ok(json!({"claimed": ids})))
}

/// `GET /v1/transactions/list?status&address&limit&offset&provider`.
pub async fn transactions(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let address = q.get("address").map(String::as_str).unwrap_or("");
    if !address.eq_ignore_ascii_case(&account.address) {
        return Err(ApiError::forbidden(
            "You can only list your own transactions",
        ));
    }
    if q.get("status").is_some_and(|s| s != "completed") {
        return Err(ApiError::bad_request("status must be completed"));
    }
    let limit = super::query_num(&q, "limit").map_or(20, |l| l.clamp(1.0, 100.0) as usize);
    let offset = super::query_num(&q, "offset").map_or(0, |o| o.max(0.0) as usize);
    let ledger = account.ledger();
    let page: Vec<Value> = ledger
        .iter()
        .rev()
        .skip(offset)
        .take(limit)
        .map(|e| {
            let token = if e.token == TokenType::Spark { "spark" } else { "sogni" };
            json!({
                "_id": format!("{}-{}", account.sid, e.seq), "id": format!("tx_{}_{}", account.sid, e.seq),
                "SID": e.seq, "address": account.address, "createTime": e.time_ms, "updateTime": e.time_ms,
                "endTime": e.time_ms, "status": "completed", "role": "artist", "clientSID": account.sid,
                "amount": e.micros as f64 / 1_000_000.0, "tokenType": token, "description": e.description,
                "source": e.source, "type": e.kind, "billingMode": "tokens", "paymentModel": "tokens",
            })
        })
        .collect();
    let next = offset + page.len();
    Ok(ok(json!({"transactions": page, "next": next})))
}

/// `GET /v2/wallet/balance?walletAddress&provider`.
pub async fn wallet_balance(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    caller(&state, &headers)?;
    let address = q.get("walletAddress").map(String::as_str).unwrap_or("");
    if !(address.len() == 42
        && address.starts_with("0x")
        && address[2..].chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(ApiError::bad_request("walletAddress is not an address"));
    }
    let provider = q.get("provider").map(String::as_str).unwrap_or("base");
    if !matches!(provider, "base" | "etherlink") {
        return Err(ApiError::bad_request("provider must be base or etherlink"));
    }
    let (sogni, spark, ether) = wallet(&state, address, provider);
    Ok(ok(
        json!({"sogni": format_amount(sogni), "spark": format_amount(spark), "ether": format_amount(ether)}),
    ))
}

/// The on-chain balances of an address (millionths): SOGNI, Spark, ETH.
pub fn wallet(state: &AppState, address: &str, provider: &str) -> WalletBalances {
    *state
        .surface
        .accounts
        .wallets
        .lock()
        .unwrap()
        .entry((address.to_lowercase(), provider.to_string()))
        .or_insert((250_000_000, 0, 10_000))
}

/// Adds `delta` millionths of SOGNI to a wallet; returns the new balance.
pub fn adjust_wallet(state: &AppState, address: &str, provider: &str, delta: i64) -> i64 {
    wallet(state, address, provider);
    let mut wallets = state.surface.accounts.wallets.lock().unwrap();
    let w = wallets
        .entry((address.to_lowercase(), provider.to_string()))
        .or_insert((250_000_000, 0, 10_000));
    w.0 += delta;
    w.0
}

/// `POST /v1/account/username/validate {username}`: 108 when taken.
pub async fn validate_username(State(state): Shared, body: Bytes) -> Result<Json<Value>, ApiError> {
    let body = body_json(&body)?;
    let name = body
        .get("username")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    if name.len() < 3
        || name.len() > 20
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            107,
            "Usernames have 3 to 20 letters, digits, '-' or '_'",
        ));
    }
    if state
        .accounts
        .iter()
        .any(|a| a.username.eq_ignore_ascii_case(&name))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            108,
            "Username is already taken",
        ));
    }
    Ok(Json(json!({"status": "success"})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }

    #[test]
    fn rewards_cool_down() {
        let daily = &REWARDS[0];
        assert_eq!(reward_view(daily, None)["canClaim"], 1);
        let v = reward_view(daily, Some(now_ms()));
        assert_eq!(
            (v["canClaim"].clone(), v["cantClaimReason"].clone()),
            (json!(0), json!("tooSoon"))
        );
        assert_eq!(reward_view(&REWARDS[2], None)["canClaim"], 0);
    }
}
