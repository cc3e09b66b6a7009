//! Fault injection, driven per test by a scenario posted to the loopback admin endpoint.
//!
//! `POST /emulator/faults` with `{seed?, rules: [Rule…]}` replaces the scenario,
//! `DELETE /emulator/faults` clears it, `GET /emulator/faults` reports what fired, and
//! `POST /emulator/faults/now {kind: 'drop'|'close', code?, reason?, appId?}` acts on the live
//! sockets at once. With no scenario every hook is a no-op.
//!
//! A rule matches events of its kind, optionally narrowed by `appId` (socket rules), `type`
//! (a frame type such as `jobResult`, or `jobState/jobCompleted` for one `jobState`
//! variant; `*` is any) or `path`/`method`/`query` (HTTP rules). Of its matches it fires on
//! the ones after the first `after`, every `every`-th (default 1), at most `count` times
//! (default unlimited), each with `probability` (default 1, from a PRNG seeded by `seed`).
//!
//! | kind | where | what it does |
//! |---|---|---|
//! | `drop` | outgoing frame | the frame is lost and the TCP connection is cut (the client sees 1006) |
//! | `close` | outgoing frame | the frame is lost and the socket is closed with `code`/`reason` (1001, 1000, 4015, 4021…) |
//! | `duplicate` | outgoing frame | the frame is sent twice |
//! | `reorder` | outgoing frame | the frame is held back and sent after the next one (or after 250 ms) |
//! | `delay` | outgoing frame | the frame is sent `ms` later (later frames overtake it) |
//! | `lose` | outgoing frame | the frame is silently dropped; the connection stays up |
//! | `malformed` | outgoing frame | a broken frame (`variant`: `badBase64`, `badJson`, `notJson`, `unknownType`, `missingData`, `nullData`) goes out before it |
//! | `swallow` | incoming frame | the frame (e.g. a `jobRequest`) is never processed and the connection is cut |
//! | `restart` | incoming frame | answered with `jobError {error: 1001}` (not admitted) and a 1001 "server restarting" close |
//! | `http` | HTTP request | waits `ms`, then answers `status` (with `Retry-After: retryAfter`) or passes on |
//! | `stall` | job start | the job's worker goes silent after `jobStarted` and never finishes |

use crate::state::AppState;
use crate::ws::registry::Outgoing;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use futures_util::stream::SplitSink;
use futures_util::SinkExt;
use serde::Deserialize;
use serde_json::{json, Value};
use sogni_wasm::protocol::envelope;
use sogni_wasm::protocol::envelope::Envelope;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// What a rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    /// Cut the TCP connection (no close frame).
    Drop,
    /// Close the socket with a code.
    Close,
    /// Send a frame twice.
    Duplicate,
    /// Send a frame after the next one.
    Reorder,
    /// Send a frame later.
    Delay,
    /// Drop a frame, keep the connection.
    Lose,
    /// Send a broken frame first.
    Malformed,
    /// Never process an incoming frame, and cut the connection.
    Swallow,
    /// Refuse an incoming `jobRequest` as a restarting server does (1001).
    Restart,
    /// Fail or slow an HTTP request.
    Http,
    /// A worker that never finishes its job.
    Stall,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Drop => "drop",
            Self::Close => "close",
            Self::Duplicate => "duplicate",
            Self::Reorder => "reorder",
            Self::Delay => "delay",
            Self::Lose => "lose",
            Self::Malformed => "malformed",
            Self::Swallow => "swallow",
            Self::Restart => "restart",
            Self::Http => "http",
            Self::Stall => "stall",
        }
    }

    fn outgoing(self) -> bool {
        matches!(
            self,
            Self::Drop
                | Self::Close
                | Self::Duplicate
                | Self::Reorder
                | Self::Delay
                | Self::Lose
                | Self::Malformed
        )
    }
}

/// The broken frames a `malformed` rule sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Variant {
    /// `data` is not base64.
    #[default]
    BadBase64,
    /// `data` decodes to something that is not JSON.
    BadJson,
    /// The frame itself is not JSON.
    NotJson,
    /// A `type` no client knows.
    UnknownType,
    /// No `data` at all.
    MissingData,
    /// `data` is JSON `null`.
    NullData,
}

/// One rule of a scenario, as posted.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    /// What the rule does.
    pub kind: Kind,
    /// Frame type filter (`jobResult`, `jobState/jobCompleted`, `*`).
    #[serde(default, rename = "type")]
    pub frame_type: Option<String>,
    /// Only this appId's sockets.
    #[serde(default)]
    pub app_id: Option<String>,
    /// HTTP path prefix.
    #[serde(default)]
    pub path: Option<String>,
    /// HTTP method.
    #[serde(default)]
    pub method: Option<String>,
    /// Substring of the HTTP query.
    #[serde(default)]
    pub query: Option<String>,
    /// Skip the first `after` matches.
    #[serde(default)]
    pub after: u64,
    /// Fire on every `every`-th match (default 1).
    #[serde(default)]
    pub every: Option<u64>,
    /// Fire at most this many times.
    #[serde(default)]
    pub count: Option<u64>,
    /// Chance of firing on an eligible match.
    #[serde(default)]
    pub probability: Option<f64>,
    /// Close code (`close`).
    #[serde(default)]
    pub code: Option<u16>,
    /// Close reason (`close`).
    #[serde(default)]
    pub reason: Option<String>,
    /// HTTP status (`http`).
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` seconds (`http`).
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Delay in ms (`delay`, `http`).
    #[serde(default)]
    pub ms: Option<u64>,
    /// Broken-frame flavour (`malformed`).
    #[serde(default)]
    pub variant: Option<Variant>,
}

/// A posted scenario.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// PRNG seed for `probability`.
    #[serde(default)]
    pub seed: Option<u64>,
    /// The rules, tried in order (the first that fires decides).
    #[serde(default)]
    pub rules: Vec<Rule>,
}

#[derive(Debug)]
struct Armed {
    rule: Rule,
    matched: u64,
    fired: u64,
}

impl Armed {
    /// Counts a match and says whether the rule fires on it.
    fn hit(&mut self, rng: &mut u64) -> bool {
        self.matched += 1;
        if self.matched <= self.rule.after {
            return false;
        }
        let every = self.rule.every.unwrap_or(1).max(1);
        if (self.matched - self.rule.after) % every != 0 {
            return false;
        }
        if self.rule.count.is_some_and(|c| self.fired >= c) {
            return false;
        }
        if let Some(p) = self.rule.probability {
            if next_unit(rng) >= p {
                return false;
            }
        }
        self.fired += 1;
        true
    }
}

/// xorshift64*: a deterministic PRNG for `probability`.
fn next_unit(state: &mut u64) -> f64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
}

#[derive(Debug, Default)]
struct Book {
    rules: Vec<Armed>,
    rng: u64,
    fired: BTreeMap<String, u64>,
    stalled: Vec<String>,
    swallowed: Vec<String>,
    restarted: Vec<String>,
    duplicates: Vec<String>,
}

impl Book {
    /// The first rule of one of `kinds` matching `pred` that fires.
    fn fire(&mut self, kinds: &[Kind], pred: impl Fn(&Rule) -> bool) -> Option<Rule> {
        let Book {
            rules, rng, fired, ..
        } = self;
        for armed in rules.iter_mut() {
            if kinds.contains(&armed.rule.kind) && pred(&armed.rule) && armed.hit(rng) {
                let name = match (armed.rule.kind, armed.rule.code, armed.rule.status) {
                    (Kind::Close, Some(code), _) => format!("close {code}"),
                    (Kind::Http, _, Some(status)) => format!("http {status}"),
                    (Kind::Http, _, None) => "http slow".to_string(),
                    (Kind::Malformed, _, _) => {
                        format!("malformed {:?}", armed.rule.variant.unwrap_or_default())
                    }
                    (k, _, _) => k.name().to_string(),
                };
                *fired.entry(name).or_default() += 1;
                return Some(armed.rule.clone());
            }
        }
        None
    }
}

/// The fault state of one emulator.
#[derive(Debug, Default)]
pub struct Faults {
    book: Mutex<Book>,
    /// Quick check: is any rule armed?
    armed: AtomicU64,
    live: Mutex<Vec<Arc<ConnFaults>>>,
}

/// The fault handle of one socket connection.
#[derive(Debug)]
pub struct ConnFaults {
    app_id: String,
    /// Set to cut the connection (reader and writer both stop).
    killed: watch::Sender<bool>,
    /// Frames and closes injected by the fault rules, in order.
    ctl: mpsc::UnboundedSender<Step>,
    ctl_rx: Mutex<Option<mpsc::UnboundedReceiver<Step>>>,
    state: Arc<AppState>,
}

fn type_matches(filter: Option<&str>, kind: &str, sub: Option<&str>) -> bool {
    match filter {
        None | Some("*") => true,
        Some(f) => match f.split_once('/') {
            Some((t, s)) => t == kind && Some(s) == sub,
            None => f == kind,
        },
    }
}

fn app_matches(rule: &Rule, app_id: &str) -> bool {
    rule.app_id.as_deref().is_none_or(|a| a == app_id)
}

impl Faults {
    fn is_armed(&self) -> bool {
        self.armed.load(Ordering::Relaxed) > 0
    }

    /// Replaces the scenario.
    pub fn set(&self, scenario: Scenario) {
        let mut book = self.book.lock().unwrap();
        *book = Book {
            rng: scenario.seed.unwrap_or(0x9E37_79B9_7F4A_7C15) | 1,
            rules: scenario
                .rules
                .into_iter()
                .map(|rule| Armed {
                    rule,
                    matched: 0,
                    fired: 0,
                })
                .collect(),
            ..Book::default()
        };
        self.armed.store(book.rules.len() as u64, Ordering::Relaxed);
    }

    /// What fired so far.
    pub fn report(&self) -> Value {
        let book = self.book.lock().unwrap();
        let rules: Vec<Value> = book
            .rules
            .iter()
            .map(|a| {
                json!({"kind": a.rule.kind.name(), "type": a.rule.frame_type, "path": a.rule.path,
                       "code": a.rule.code, "status": a.rule.status, "matched": a.matched, "fired": a.fired})
            })
            .collect();
        let total: u64 = book.fired.values().sum();
        json!({
            "rules": rules,
            "fired": book.fired,
            "total": total,
            "stalledProjects": book.stalled,
            "swallowedRequests": book.swallowed,
            "restartedRequests": book.restarted,
            "duplicateJobRequests": book.duplicates.len(),
            "duplicateProjects": book.duplicates,
        })
    }

    /// A socket connection opened.
    pub fn connect(state: &Arc<AppState>, app_id: &str) -> Arc<ConnFaults> {
        let (ctl, ctl_rx) = mpsc::unbounded_channel();
        let c = Arc::new(ConnFaults {
            app_id: app_id.to_string(),
            killed: watch::channel(false).0,
            ctl,
            ctl_rx: Mutex::new(Some(ctl_rx)),
            state: state.clone(),
        });
        state.faults.live.lock().unwrap().push(c.clone());
        c
    }

    /// A socket connection ended.
    pub fn disconnect(&self, c: &Arc<ConnFaults>) {
        self.live.lock().unwrap().retain(|x| !Arc::ptr_eq(x, c));
    }

    /// A client re-sent the `jobRequest` of a project it already submitted.
    pub fn note_duplicate(&self, project_id: &str) {
        self.book
            .lock()
            .unwrap()
            .duplicates
            .push(project_id.to_string());
    }

    /// Does the worker of this job stall (go silent forever)?
    pub fn stalls(&self, app_id: &str, project_id: &str) -> bool {
        if !self.is_armed() {
            return false;
        }
        let mut book = self.book.lock().unwrap();
        let fired = book
            .fire(&[Kind::Stall], |r| app_matches(r, app_id))
            .is_some();
        if fired {
            book.stalled.push(project_id.to_string());
        }
        fired
    }

    fn http_rule(&self, method: &str, path: &str, query: &str) -> Option<Rule> {
        if !self.is_armed() || path.starts_with("/emulator/") {
            return None;
        }
        self.book.lock().unwrap().fire(&[Kind::Http], |r| {
            r.path.as_deref().is_none_or(|p| path.starts_with(p))
                && r.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && r.query.as_deref().is_none_or(|q| query.contains(q))
        })
    }
}

/// What the writer does with one outgoing item.
#[derive(Debug)]
enum Step {
    Send(Message),
    Later(Bytes, u64),
    Hold(Bytes),
    Kill,
    Close(u16, String),
}

fn malformed(variant: Variant, kind: &str) -> Bytes {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let text = match variant {
        Variant::BadBase64 => json!({"type": kind, "data": "%%% not base64 %%%"}).to_string(),
        Variant::BadJson => {
            json!({"type": kind, "data": b64("{\"jobID\": \"unterminated")}).to_string()
        }
        Variant::NotJson => "this frame is not JSON {".to_string(),
        Variant::UnknownType => {
            json!({"type": "emulatorMysteryEvent", "data": b64("{\"jobID\":\"X\"}")}).to_string()
        }
        Variant::MissingData => json!({"type": kind}).to_string(),
        Variant::NullData => json!({"type": kind, "data": b64("null")}).to_string(),
    };
    Bytes::from(text)
}

impl ConnFaults {
    /// Races `f` against this connection being cut (`None` when cut).
    pub async fn until_killed<T>(&self, f: impl Future<Output = Option<T>>) -> Option<T> {
        let mut killed = self.killed.subscribe();
        tokio::select! {
            v = f => v,
            _ = killed.wait_for(|k| *k) => None,
        }
    }

    fn kill(&self) {
        self.killed.send_replace(true);
    }

    fn close(&self, code: u16, reason: &str) {
        let _ = self.ctl.send(Step::Close(code, reason.to_string()));
    }

    fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Decides the fate of one outgoing item.
    fn outgoing(&self, out: Outgoing) -> Vec<Step> {
        let bytes = match out {
            Outgoing::Frame(bytes) => bytes,
            Outgoing::Close(code, reason) => return vec![Step::Close(code, reason)],
        };
        if !self.faults().is_armed() {
            return vec![Step::Send(Message::Binary(bytes))];
        }
        let (kind, sub) = match Envelope::decode(&bytes) {
            Ok(env) => {
                let sub = env
                    .data
                    .get("type")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                (env.kind, sub)
            }
            Err(_) => return vec![Step::Send(Message::Binary(bytes))],
        };
        let rule = self.faults().book.lock().unwrap().fire(
            &[
                Kind::Drop,
                Kind::Close,
                Kind::Duplicate,
                Kind::Reorder,
                Kind::Delay,
                Kind::Lose,
                Kind::Malformed,
            ],
            |r| {
                r.kind.outgoing()
                    && app_matches(r, &self.app_id)
                    && type_matches(r.frame_type.as_deref(), &kind, sub.as_deref())
            },
        );
        let Some(rule) = rule else {
            return vec![Step::Send(Message::Binary(bytes))];
        };
        crate::log::info(&format!(
            "fault {} on {kind} to {}",
            rule.kind.name(),
            self.app_id
        ));
        match rule.kind {
            Kind::Drop => vec![Step::Kill],
            Kind::Close => vec![Step::Close(
                rule.code.unwrap_or(1001),
                rule.reason.unwrap_or_else(|| "server restarting".into()),
            )],
            Kind::Duplicate => vec![
                Step::Send(Message::Binary(bytes.clone())),
                Step::Send(Message::Binary(bytes)),
            ],
            Kind::Reorder => vec![Step::Hold(bytes)],
            Kind::Delay => vec![Step::Later(bytes, rule.ms.unwrap_or(200))],
            Kind::Lose => Vec::new(),
            Kind::Malformed => vec![
                Step::Send(Message::Binary(malformed(
                    rule.variant.unwrap_or_default(),
                    &kind,
                ))),
                Step::Send(Message::Binary(bytes)),
            ],
            _ => vec![Step::Send(Message::Binary(bytes))],
        }
    }

    /// An incoming frame: true when a rule took it (it must not be processed).
    pub fn intercept(&self, env: &Envelope) -> bool {
        if !self.faults().is_armed() {
            return false;
        }
        let rule = self
            .faults()
            .book
            .lock()
            .unwrap()
            .fire(&[Kind::Swallow, Kind::Restart], |r| {
                app_matches(r, &self.app_id)
                    && type_matches(r.frame_type.as_deref(), &env.kind, None)
            });
        let Some(rule) = rule else {
            return false;
        };
        let id = env
            .data
            .get("jobID")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_uppercase();
        crate::log::info(&format!(
            "fault {} on incoming {} from {}",
            rule.kind.name(),
            env.kind,
            self.app_id
        ));
        let mut book = self.faults().book.lock().unwrap();
        if rule.kind == Kind::Restart {
            book.restarted.push(id.clone());
            drop(book);
            let refusal = envelope::encode(
                "jobError",
                &json!({"jobID": id, "error": 1001, "error_message": "Server restarting, please retry",
                        "isFromWorker": false}),
            );
            let _ = self
                .ctl
                .send(Step::Send(Message::Binary(Bytes::from(refusal))));
            self.close(1001, "server restarting");
        } else {
            book.swallowed.push(id);
            drop(book);
            self.kill();
        }
        true
    }
}

/// The writer task of a connection: sends what the session queues, through the fault rules.
pub async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    faults: Arc<ConnFaults>,
) {
    let (later_tx, mut later_rx) = mpsc::unbounded_channel::<Bytes>();
    let Some(mut ctl_rx) = faults.ctl_rx.lock().unwrap().take() else {
        return;
    };
    let mut killed = faults.killed.subscribe();
    let mut held: Option<Bytes> = None;
    loop {
        let hold_deadline = tokio::time::sleep(Duration::from_millis(250));
        let steps = tokio::select! {
            out = rx.recv() => match out {
                Some(out) => faults.outgoing(out),
                None => break,
            },
            Some(step) = ctl_rx.recv() => vec![step],
            Some(bytes) = later_rx.recv() => vec![Step::Send(Message::Binary(bytes))],
            _ = killed.wait_for(|k| *k) => return,
            _ = hold_deadline, if held.is_some() => {
                held.take().map(|b| vec![Step::Send(Message::Binary(b))]).unwrap_or_default()
            }
        };
        for step in steps {
            let result = match step {
                Step::Send(message) => {
                    let sent = sink.send(message).await;
                    match held.take() {
                        Some(b) if sent.is_ok() => sink.send(Message::Binary(b)).await,
                        _ => sent,
                    }
                }
                Step::Later(bytes, ms) => {
                    let tx = later_tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                        let _ = tx.send(bytes);
                    });
                    Ok(())
                }
                Step::Hold(bytes) => match held.replace(bytes) {
                    Some(previous) => sink.send(Message::Binary(previous)).await,
                    None => Ok(()),
                },
                Step::Kill => {
                    faults.kill();
                    return;
                }
                Step::Close(code, reason) => {
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code,
                            reason: reason.into(),
                        })))
                        .await;
                    return;
                }
            };
            if result.is_err() {
                return;
            }
        }
    }
}

/// The HTTP hook: slows or fails requests as the `http` rules say.
pub async fn http(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let rule = state.faults.http_rule(
        req.method().as_str(),
        req.uri().path(),
        req.uri().query().unwrap_or(""),
    );
    let Some(rule) = rule else {
        return next.run(req).await;
    };
    crate::log::info(&format!(
        "fault http {:?} on {} {}",
        rule.status,
        req.method(),
        req.uri().path()
    ));
    if let Some(ms) = rule.ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let Some(status) = rule.status.and_then(|s| StatusCode::from_u16(s).ok()) else {
        return next.run(req).await;
    };
    let message = status
        .canonical_reason()
        .unwrap_or("Injected failure")
        .to_string();
    let body = json!({"status": "error", "message": format!("{message} (injected)"), "errorCode": status.as_u16()});
    let mut res = (status, Json(body)).into_response();
    if let Some(after) = rule.retry_after {
        if let Ok(v) = HeaderValue::from_str(&after.to_string()) {
            res.headers_mut().insert("retry-after", v);
        }
    }
    res
}

/// `{kind: 'drop'|'close', code?, reason?, appId?}` of `POST /emulator/faults/now`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Now {
    kind: Kind,
    #[serde(default)]
    code: Option<u16>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    app_id: Option<String>,
}

async fn post_scenario(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, (StatusCode, String)> {
    let scenario: Scenario = serde_json::from_slice(&body)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("bad scenario: {e}")))?;
    let n = scenario.rules.len();
    state.faults.set(scenario);
    Ok(Json(json!({"ok": true, "rules": n})))
}

async fn delete_scenario(State(state): State<Arc<AppState>>) -> Json<Value> {
    state.faults.set(Scenario::default());
    Json(json!({"ok": true}))
}

async fn get_report(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(state.faults.report())
}

async fn act_now(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, (StatusCode, String)> {
    let now: Now = serde_json::from_slice(&body)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("bad action: {e}")))?;
    let live: Vec<Arc<ConnFaults>> = state
        .faults
        .live
        .lock()
        .unwrap()
        .iter()
        .filter(|c| now.app_id.as_deref().is_none_or(|a| a == c.app_id))
        .cloned()
        .collect();
    for c in &live {
        match now.kind {
            Kind::Drop => c.kill(),
            Kind::Close => c.close(
                now.code.unwrap_or(1001),
                now.reason.as_deref().unwrap_or("server restarting"),
            ),
            _ => return Err((StatusCode::BAD_REQUEST, "kind must be drop or close".into())),
        }
    }
    let mut book = state.faults.book.lock().unwrap();
    let name = match now.kind {
        Kind::Close => format!("close {}", now.code.unwrap_or(1001)),
        k => k.name().to_string(),
    };
    *book.fired.entry(name).or_default() += live.len() as u64;
    Ok(Json(json!({"affected": live.len()})))
}

/// The admin routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/emulator/faults",
            get(get_report).post(post_scenario).delete(delete_scenario),
        )
        .route("/emulator/faults/now", post(act_now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: Value) -> Armed {
        Armed {
            rule: serde_json::from_value(json).unwrap(),
            matched: 0,
            fired: 0,
        }
    }

    #[test]
    fn schedules_after_every_and_count() {
        let mut rng = 1;
        let mut a = rule(json!({"kind": "drop", "after": 2, "every": 3, "count": 2}));
        let fired: Vec<bool> = (0..14).map(|_| a.hit(&mut rng)).collect();
        let at: Vec<usize> = fired
            .iter()
            .enumerate()
            .filter(|(_, f)| **f)
            .map(|(i, _)| i + 1)
            .collect();
        assert_eq!(at, vec![5, 8]);
    }

    #[test]
    fn probability_is_seeded_and_deterministic() {
        let run = || {
            let mut rng = 42;
            let mut a = rule(json!({"kind": "lose", "probability": 0.25}));
            (0..1000).filter(|_| a.hit(&mut rng)).count()
        };
        let n = run();
        assert_eq!(n, run());
        assert!((150..350).contains(&n), "{n}");
    }

    #[test]
    fn type_filters() {
        assert!(type_matches(None, "jobResult", None));
        assert!(type_matches(Some("*"), "jobResult", None));
        assert!(type_matches(Some("jobResult"), "jobResult", None));
        assert!(!type_matches(Some("jobResult"), "jobProgress", None));
        assert!(type_matches(
            Some("jobState/jobCompleted"),
            "jobState",
            Some("jobCompleted")
        ));
        assert!(!type_matches(
            Some("jobState/jobCompleted"),
            "jobState",
            Some("queued")
        ));
    }

    #[test]
    fn scenarios_refuse_unknown_fields() {
        assert!(serde_json::from_value::<Scenario>(json!({"rules": [{"kind": "drop"}]})).is_ok());
        assert!(serde_json::from_value::<Scenario>(
            json!({"rules": [{"kind": "drop", "evrey": 2}]})
        )
        .is_err());
        assert!(serde_json::from_value::<Scenario>(json!({"rules": [{"kind": "boom"}]})).is_err());
    }

    #[test]
    fn malformed_frames_do_not_decode() {
        for v in [
            Variant::BadBase64,
            Variant::BadJson,
            Variant::NotJson,
            Variant::MissingData,
        ] {
            assert!(
                Envelope::decode(&malformed(v, "jobProgress")).is_err(),
                "{v:?}"
            );
        }
        let unknown = Envelope::decode(&malformed(Variant::UnknownType, "x")).unwrap();
        assert_eq!(unknown.kind, "emulatorMysteryEvent");
    }
}
