//! The leaderboard, announcements and the emulator's notice hook.
//!
//! **Leaderboard** (`GET /v1/leaderboard/?type&period&username&network&page&limit&date`):
//! ranks every account by what its ledger shows — artist types count renders
//! (`jobCompleteArtist`, `projectCompleteArtist`), sum their cost (`renderTokenCompleteArtist`,
//! `…2`, `renderUSDCompleteArtist` at $0.005 per token, `renderSecCompleteArtist` at 2 s
//! per token) or count sign-ins; worker types are empty (the emulator has no workers).
//! `period=day` keeps the last 24 h (`date`, ms, moves the day). Values are strings.
//!
//! **Announcements** (`GET /v1/announcements/active[?platform]`,
//! `POST /v1/announcements/{id}/dismiss`): a welcome banner, and a macOS-only toast that
//! only matches `platform=sogni-mac`; a dismissal hides one for the account everywhere.
//! `POST /emulator/announcements` publishes a new one: connections that opted in with
//! `socketEventSubscriptions: {appAlert: true}` get it as `appAlert`, the others as
//! `toastMessage`.
//!
//! **Notices** (`POST /emulator/notices {username, …notice}`): pushes a
//! `subscriptionLimitNotice` to that user's connections that opted in
//! (`{subscriptionLimitNotice: true}`) — the real network sends these when a plan's queue,
//! concurrency or fair-use limit is hit.

use super::{now_ms, query_num};
use crate::accounts::TokenType;
use crate::http::auth::caller;
use crate::http::error::ApiError;
use crate::http::ok;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

type Shared = State<Arc<AppState>>;

const TYPES: &[&str] = &[
    "renderUSDCompleteWorker",
    "renderUSDCompleteArtist",
    "renderSecCompleteWorker",
    "renderSecCompleteArtist",
    "renderTokenCompleteWorker",
    "renderTokenCompleteWorker2",
    "renderTokenCompleteArtist",
    "renderTokenCompleteArtist2",
    "jobCompleteWorker",
    "jobCompleteArtist",
    "projectCompleteArtist",
    "uloginWorker",
    "uloginArtist",
    "tokenVolume",
    "referral",
];

/// `GET /v1/leaderboard/`.
pub async fn leaderboard(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    caller(&state, &headers)?;
    let ty = q.get("type").map(String::as_str).unwrap_or("");
    if !TYPES.contains(&ty) {
        return Err(ApiError::bad_request(format!(
            "Invalid leaderboard type {ty:?}"
        )));
    }
    let period = q.get("period").map(String::as_str).unwrap_or("");
    if !matches!(period, "day" | "lifetime") {
        return Err(ApiError::bad_request("period must be day or lifetime"));
    }
    if let Some(n) = q
        .get("network")
        .filter(|n| !matches!(n.as_str(), "fast" | "relaxed" | "all"))
    {
        return Err(ApiError::bad_request(format!("Invalid network {n:?}")));
    }
    let end = query_num(&q, "date").map_or(now_ms(), |d| d.max(0.0) as u64 + 86_400_000);
    let start = if period == "day" {
        end.saturating_sub(86_400_000)
    } else {
        0
    };
    let mut rows: Vec<(String, String, f64)> = Vec::new();
    if ty.ends_with("Artist") || ty.ends_with("Artist2") || ty == "tokenVolume" {
        for a in &state.accounts {
            let debits: Vec<_> = a
                .ledger()
                .into_iter()
                .filter(|e| {
                    e.kind == "debit"
                        && e.source == "project"
                        && e.time_ms >= start
                        && e.time_ms < end
                })
                .collect();
            let tokens: f64 = debits
                .iter()
                .map(|e| {
                    e.micros as f64 / 1_000_000.0
                        * if e.token == TokenType::Sogni {
                            1.0
                        } else {
                            0.5
                        }
                })
                .sum();
            let value = match ty {
                "jobCompleteArtist" | "projectCompleteArtist" => debits.len() as f64,
                "renderUSDCompleteArtist" => tokens * 0.005,
                "renderSecCompleteArtist" => tokens * 2.0,
                "uloginArtist" => 1.0,
                _ => tokens,
            };
            if value > 0.0 {
                rows.push((a.username.clone(), a.address.clone(), value));
            }
        }
    }
    rows.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    let limit = query_num(&q, "limit").map_or(20, |l| l.clamp(1.0, 100.0) as usize);
    let page = query_num(&q, "page").map_or(1, |p| p.max(1.0) as usize);
    let mut list: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (name, addr, v))| {
            let value = if v.fract() == 0.0 { format!("{v}") } else { format!("{v:.6}").trim_end_matches('0').to_string() };
            json!({"rank": i + 1, "username": name, "address": addr, "country": "US", "value": value, "role": "artist"})
        })
        .collect();
    if let Some(u) = q.get("username").filter(|u| !u.is_empty()) {
        list.retain(|r| {
            r["username"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(u))
        });
    }
    if let Some(a) = q.get("address").filter(|a| !a.is_empty()) {
        list.retain(|r| {
            r["address"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(a))
        });
    }
    let list: Vec<Value> = list
        .into_iter()
        .skip((page - 1) * limit)
        .take(limit)
        .collect();
    Ok(ok(Value::Array(list)))
}

/// Announcements and dismissals.
#[derive(Debug, Default)]
pub struct Announcements {
    items: Mutex<Vec<Value>>,
    seeded: OnceLock<()>,
    dismissed: Mutex<HashSet<(String, String)>>,
}

impl Announcements {
    fn with<R>(&self, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
        let mut items = self.items.lock().unwrap();
        if self.seeded.get().is_none() {
            let _ = self.seeded.set(());
            let now = now_ms();
            items.push(json!({"id": "ann-welcome", "kind": "banner", "severity": "info",
                "title": "Welcome to the local Supernet", "bodyMarkdown": "Everything here is **emulated**: renders are small but real.",
                "pinned": true, "dismissible": true, "startsAt": now, "actions": [{"label": "Docs", "href": "https://docs.sogni.ai", "external": true}]}));
            items.push(json!({"id": "ann-mac", "kind": "toast", "severity": "success", "title": "New in the Mac app",
                "bodyMarkdown": "Drag images straight into the prompt box.", "pinned": false, "dismissible": true,
                "autoCloseMs": 8000, "startsAt": now, "platforms": ["sogni-mac"]}));
        }
        f(&mut items)
    }
}

fn public_view(a: &Value) -> Value {
    let mut v = a.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("platforms");
    }
    v
}

/// `GET /v1/announcements/active[?platform]`.
pub async fn active(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let platform = q.get("platform").map(String::as_str);
    let now = now_ms();
    let dismissed = state
        .surface
        .announcements
        .dismissed
        .lock()
        .unwrap()
        .clone();
    let owner = account.address.to_lowercase();
    let list: Vec<Value> = state.surface.announcements.with(|items| {
        items
            .iter()
            .filter(|a| a["startsAt"].as_u64().unwrap_or(0) <= now)
            .filter(|a| a["endsAt"].as_u64().is_none_or(|e| e > now))
            .filter(|a| match a.get("platforms").and_then(Value::as_array) {
                Some(p) => platform.is_some_and(|pl| p.iter().any(|x| x == pl)),
                None => true,
            })
            .filter(|a| {
                !dismissed.contains(&(owner.clone(), a["id"].as_str().unwrap_or("").to_string()))
            })
            .map(public_view)
            .collect()
    });
    Ok(ok(json!({"announcements": list})))
}

/// `POST /v1/announcements/{id}/dismiss`.
pub async fn dismiss(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let found = state
        .surface
        .announcements
        .with(|items| items.iter().find(|a| a["id"] == id.as_str()).cloned())
        .ok_or_else(|| ApiError::not_found("Announcement not found"))?;
    if found["dismissible"] == false {
        return Err(ApiError::bad_request(
            "This announcement cannot be dismissed",
        ));
    }
    state
        .surface
        .announcements
        .dismissed
        .lock()
        .unwrap()
        .insert((account.address.to_lowercase(), id.clone()));
    Ok(ok(json!({"dismissed": true, "id": id})))
}

/// `POST /emulator/announcements {title, bodyMarkdown, kind?, severity?, …}`: publishes
/// and delivers one (`appAlert` to opted-in connections, `toastMessage` to the rest).
pub async fn publish(State(state): Shared, body: Bytes) -> Result<Json<Value>, ApiError> {
    let mut a: Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    if a.get("title")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        return Err(ApiError::bad_request("title is required"));
    }
    let defaults = json!({"kind": "toast", "severity": "info", "bodyMarkdown": "", "pinned": false,
                          "dismissible": true, "startsAt": now_ms()});
    for (k, v) in defaults.as_object().into_iter().flatten() {
        if a.get(k).is_none() {
            a[k] = v.clone();
        }
    }
    a["id"] = json!(super::new_id("ann"));
    state
        .surface
        .announcements
        .with(|items| items.push(a.clone()));
    let alert = public_view(&a);
    let toast = json!({"type": match a["severity"].as_str() { Some("warn") => "warning", Some("danger") => "error", Some("success") => "success", _ => "info" },
                       "message": a["title"], "autoClose": a.get("autoCloseMs").cloned().unwrap_or(json!(5000)), "stickyID": a["id"]});
    let mut delivered = 0;
    for account in &state.accounts {
        for conn in state.registry.of_owner(&account.address) {
            if state.surface.opted_in(conn.id, "appAlert") {
                conn.send("appAlert", &alert);
            } else {
                conn.send("toastMessage", &toast);
            }
            delivered += 1;
        }
    }
    Ok(Json(
        json!({"announcement": alert, "connections": delivered}),
    ))
}

/// `POST /emulator/notices {username, reason?, severity?, code?, message?, …}`: a
/// `subscriptionLimitNotice` to that user's opted-in connections.
pub async fn notice(State(state): Shared, body: Bytes) -> Result<Json<Value>, ApiError> {
    let body: Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let user = body.get("username").and_then(Value::as_str).unwrap_or("");
    let account = state
        .accounts
        .iter()
        .find(|a| a.username.eq_ignore_ascii_case(user))
        .ok_or_else(|| ApiError::not_found(format!("No user {user:?}")))?;
    let mut notice = json!({"version": 1, "reason": "queue_cap", "severity": "warning", "code": "4079",
        "message": "Your plan's Fast queue is full; new renders wait until one finishes.",
        "currentPlan": null, "subscriptionTier": null, "fairUse": null, "requiredPlans": ["unlimited_pro"]});
    for (k, v) in body
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| *k != "username")
    {
        notice[k] = v.clone();
    }
    let mut delivered = 0;
    for conn in state.registry.of_owner(&account.address) {
        if state.surface.opted_in(conn.id, "subscriptionLimitNotice") {
            conn.send("subscriptionLimitNotice", &notice);
            delivered += 1;
        }
    }
    Ok(Json(json!({"delivered": delivered})))
}
