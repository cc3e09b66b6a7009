//! Keeping media projects alive across a lost connection: recovery after every
//! `authenticated` (or the sync route), one resend of a request lost with a dropped
//! connection, the resubmit of a request refused while the server restarted (1001), the
//! staleness watchdog, and REST polling while the socket is closed for good with the
//! credentials kept. The decisions are [`crate::projects::recovery`]'s; this is the I/O.

use super::glue;
use super::project::MediaKind;
use super::project::ProjectInner;
use super::projects::ProjectsState;
use crate::projects::recovered::{
    self as public, missing_verdict, plan_sync, SyncReason, SyncResult, SyncStep, Verdict,
};
use crate::projects::recovery::{
    self as rules, after_live_lookup, after_record_lookup, Delivery, Lookup, Resolution, Tuning,
};
use crate::Error;
use js_sys::{Array, Promise};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{spawn_local, JsFuture};

/// How long a sync waits for the result URLs of a project that finished while away.
const RECOVERED_URLS_TIMEOUT_MS: f64 = 30_000.0;

/// What the client tracks about one project's delivery and liveness.
#[derive(Debug, Clone, Default)]
struct Track {
    delivery: Delivery,
    submitted_at: f64,
    last_alive: f64,
    strikes: u32,
    checking: bool,
    awaiting_resubmit: bool,
}

/// What a lookup did with a tracked project (its list in the sync result).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Still in flight.
    Active,
    /// Replayed from a finished record.
    Completed,
    /// Failed as lost.
    Lost,
    /// No verdict.
    Unverified,
    /// Settled meanwhile, or another lookup has it.
    Skipped,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Completed => "completed",
            Self::Lost => "lost",
            Self::Unverified => "unverified",
            Self::Skipped => "skipped",
        }
    }
}

/// Recovery state of one client.
#[derive(Debug, Default)]
pub(crate) struct Recovery {
    tuning: Tuning,
    tracks: RefCell<HashMap<String, Track>>,
    /// The socket was closed for good by the server with the credentials kept.
    offline: Cell<bool>,
    watchdog_running: Cell<bool>,
    /// Bumped per `authenticated`, so a grace timer knows whether one came.
    authenticated_count: Cell<u32>,
    /// Bumped per scheduled recheck; only the latest runs.
    recheck: Cell<u32>,
    /// Every project this client created or rebuilt: a snapshot never rebuilds one of them
    /// again (a finished project is announced once per client).
    known: RefCell<HashSet<String>>,
    /// The latest sync's completion: syncs run one after another, so two snapshots never
    /// interleave their replays.
    chain: RefCell<Option<Promise>>,
}

impl Recovery {
    /// With the client's `_recoveryTuning` overrides.
    pub(crate) fn new(tuning: Option<&Value>) -> Self {
        Self {
            tuning: Tuning::from_value(tuning),
            ..Self::default()
        }
    }
}

fn sleep(ms: f64) -> JsFuture {
    JsFuture::from(glue::sleep(ms))
}

impl ProjectsState {
    fn track<T>(&self, id: &str, f: impl FnOnce(&mut Track) -> T) -> T {
        let mut tracks = self.recovery.tracks.borrow_mut();
        f(tracks.entry(id.to_string()).or_default())
    }

    /// Unsettled projects whose request has gone out (one still waiting in `create()` for
    /// the socket is nobody's to judge yet).
    fn unfinished(&self) -> Vec<Rc<ProjectInner>> {
        let tracks = self.recovery.tracks.borrow();
        self.projects
            .borrow()
            .iter()
            .filter(|p| !p.is_settled())
            .filter(|p| {
                tracks
                    .get(&p.id)
                    .is_some_and(|t| t.delivery.sent_on.is_some())
            })
            .cloned()
            .collect()
    }

    /// The `jobRequest` of `id` went out on the current connection.
    pub(crate) fn note_sent(self: &Rc<Self>, id: &str) {
        self.recovery
            .known
            .borrow_mut()
            .insert(id.to_ascii_uppercase());
        let (generation, now) = (self.client.generation(), self.client.now());
        self.track(id, |t| {
            t.delivery.sent_on = Some(generation);
            t.submitted_at = now;
            t.last_alive = now;
        });
        self.ensure_watchdog();
    }

    /// A frame about `id` arrived: it is alive.
    pub(crate) fn note_alive(&self, id: &str) {
        let now = self.client.now();
        if let Some(t) = self.recovery.tracks.borrow_mut().get_mut(id) {
            t.last_alive = now;
            t.strikes = 0;
        }
    }

    /// The project settled: nothing more to track.
    pub(crate) fn forget_delivery(&self, id: &str) {
        self.recovery.tracks.borrow_mut().remove(id);
    }

    /// The server refused `project` while restarting (1001, the state machine caps how
    /// often): it is sent again on the next connection, or fails after `resubmitTimeoutMs`.
    pub(crate) fn await_resubmit(self: &Rc<Self>, project: &Rc<ProjectInner>) {
        let id = project.id.clone();
        self.track(&id, |t| t.awaiting_resubmit = true);
        self.client.log(
            3,
            &format!("project {id} reached the server while it was restarting; resubmitting after reconnect"),
        );
        let me = self.clone();
        let project = project.clone();
        let timeout = self.recovery.tuning.resubmit_timeout_ms;
        spawn_local(async move {
            let _ = sleep(timeout).await;
            let still = me
                .recovery
                .tracks
                .borrow()
                .get(&project.id)
                .is_some_and(|t| t.awaiting_resubmit);
            if still && !project.is_settled() {
                me.forget_delivery(&project.id);
                project.fail_with(
                    rules::resubmit_failed_error("No connection to resubmit the project on"),
                    None,
                );
            }
        });
    }

    /// Sends `project`'s request again: a 1001 resubmit, or (`missing`) a resend of a
    /// request lost with its connection.
    fn resend(self: &Rc<Self>, project: &Rc<ProjectInner>, missing: bool) {
        self.track(&project.id, |t| {
            if missing {
                t.delivery.resends += 1;
            }
            t.awaiting_resubmit = false;
        });
        let why = if missing {
            "its request was lost with a dropped connection"
        } else {
            "it was refused while the server restarted"
        };
        self.client.log(
            3,
            &format!("project {}: {why}; sending it again", project.id),
        );
        let me = self.clone();
        let project = project.clone();
        spawn_local(async move {
            match me.client.send("jobRequest", project.request()).await {
                Ok(()) => {
                    let (generation, now) = (me.client.generation(), me.client.now());
                    me.track(&project.id, |t| {
                        t.delivery.sent_on = Some(generation);
                        t.submitted_at = now;
                        t.last_alive = now;
                    });
                    me.schedule_recheck(me.recovery.tuning.recently_created_grace_ms);
                }
                Err(e) => {
                    let error = super::errors::from_js(&e);
                    me.client.log(
                        2,
                        &format!("resending project {} failed: {error}", project.id),
                    );
                    project.fail_with(rules::resubmit_failed_error(&error.to_string()), None);
                }
            }
        });
    }

    /// `authenticated` arrived (first connection or a reconnect).
    pub(crate) fn recovery_on_authenticated(self: &Rc<Self>, data: &Value) {
        let r = &self.recovery;
        r.authenticated_count.set(r.authenticated_count.get() + 1);
        r.offline.set(false);
        if data.get("clientType").and_then(Value::as_str) == Some("worker") {
            return;
        }
        for p in self.unfinished() {
            let awaiting = r
                .tracks
                .borrow()
                .get(&p.id)
                .is_some_and(|t| t.awaiting_resubmit);
            if awaiting {
                self.resend(&p, false);
            }
        }
        // Every `authenticated` reconciles (5.54): tracked projects are replayed or looked up,
        // projects of this appId the client does not know are rebuilt.
        let snapshot = rules::has_snapshot(data).then(|| data.clone());
        self.spawn_sync(snapshot, SyncReason::Authenticated);
    }

    /// The socket opened: without `authenticated` shortly, pull the snapshot over HTTP.
    pub(crate) fn recovery_on_connected(self: &Rc<Self>) {
        let count = self.recovery.authenticated_count.get();
        let me = self.clone();
        spawn_local(async move {
            let _ = sleep(me.recovery.tuning.authenticated_grace_ms).await;
            if me.recovery.authenticated_count.get() == count && !me.client.is_disposed() {
                me.spawn_sync(None, SyncReason::Connected);
            }
        });
    }

    /// The server closed the socket for good with the credentials kept: projects stay and
    /// are followed over REST until they finish (or a reconnect takes over).
    pub(crate) fn recovery_on_server_closed(self: &Rc<Self>) {
        self.recovery.offline.set(true);
        self.ensure_watchdog();
    }

    /// A reconnect is scheduled: silence is expected, not staleness.
    pub(crate) fn recovery_on_connection_lost(&self) {
        let now = self.client.now();
        for t in self.recovery.tracks.borrow_mut().values_mut() {
            t.last_alive = now;
        }
    }

    fn schedule_recheck(self: &Rc<Self>, delay_ms: f64) {
        let n = self.recovery.recheck.get() + 1;
        self.recovery.recheck.set(n);
        let me = self.clone();
        spawn_local(async move {
            let _ = sleep(delay_ms.max(0.0) + 250.0).await;
            if me.recovery.recheck.get() == n && me.client.is_ready() && !me.unfinished().is_empty()
            {
                me.spawn_sync(None, SyncReason::Recheck);
            }
        });
    }

    /// A background sync: a failure is an `error` event and a log line (the watchdog and the
    /// next reconnect try again).
    fn spawn_sync(self: &Rc<Self>, snapshot: Option<Value>, reason: SyncReason) {
        let me = self.clone();
        spawn_local(async move {
            if let Err(e) = me.sync(snapshot, reason, None).await {
                me.client.log(2, &format!("project sync failed: {e}"));
                me.client.events.emit("error", &super::errors::to_js(&e));
            }
        });
    }

    /// Reconciles with `snapshot`, or with `GET /api/v1/artist/projects/sync?appId=` when
    /// `None` (`projects.sync()`), then emits `activeProjectsRecovered`,
    /// `completedProjectsRecovered` (when non-empty) and `projectsSynced`.
    pub(crate) async fn sync(
        self: &Rc<Self>,
        snapshot: Option<Value>,
        reason: SyncReason,
        signal: Option<&JsValue>,
    ) -> Result<SyncResult, Error> {
        let requested_at = self.client.now();
        let body = match snapshot {
            Some(s) => s,
            None => {
                let path = format!(
                    "/api/v1/artist/projects/sync?appId={}",
                    js_sys::encode_uri_component(&self.client.app_id)
                );
                self.client.socket_get_with(&path, signal).await?
            }
        };
        let snapshot = public::snapshot_from(&body);
        let turn = super::glue::deferred();
        let previous = self
            .recovery
            .chain
            .replace(Some(super::glue::get(&turn, "promise").into()));
        if let Some(previous) = previous {
            // Settled with `undefined` only, never rejected.
            let _ = JsFuture::from(previous).await;
        }
        let result = self.reconcile(snapshot, reason, requested_at).await;
        super::glue::settle(&turn, true, &JsValue::UNDEFINED);
        if !result.recovered_active.is_empty() {
            self.events.emit(
                "activeProjectsRecovered",
                &super::projects::js(&result.recovered_active),
            );
        }
        if !result.recovered_completed.is_empty() {
            self.events.emit(
                "completedProjectsRecovered",
                &super::projects::js(&result.recovered_completed),
            );
        }
        self.events
            .emit("projectsSynced", &super::projects::js(&result.to_value()));
        Ok(result)
    }

    /// `projects.resolveMissing(ids, {attempts, delayMs})`: the finished record of each id,
    /// `attempts` times `delay_ms` apart while it is 404; then, for those still missing, the
    /// socket's active list and the owner's live lookup decide. A tracked request that died
    /// with its connection and that nobody knows is sent again (and reported `active`)
    /// instead of being called lost. Nothing is failed here (`sync` does that).
    pub(crate) async fn resolve_missing(
        self: &Rc<Self>,
        ids: Vec<String>,
        attempts: u32,
        delay_ms: f64,
        signal: Option<&JsValue>,
    ) -> Vec<(String, Verdict)> {
        let path = |base: &str, id: &str| {
            format!(
                "{base}/{}",
                js_sys::encode_uri_component(id)
                    .as_string()
                    .unwrap_or_default()
            )
        };
        let mut records: HashMap<String, Result<Value, Error>> = HashMap::new();
        let mut pending = ids.clone();
        for attempt in 0..attempts.max(1) {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                let _ = sleep(delay_ms).await;
            }
            if signal.is_some_and(super::abort::is_aborted) {
                // The caller's promise has rejected already: no more lookups.
                return Vec::new();
            }
            let mut still = Vec::new();
            for id in pending {
                let r = self
                    .client
                    .api_with("GET", &path("/v1/projects", &id), None, true, signal)
                    .await;
                if public::needs_more_than_record(&r) {
                    still.push(id.clone());
                }
                records.insert(id, r);
            }
            pending = still;
        }
        let live = if pending.is_empty() {
            None
        } else {
            self.live_list().await
        };
        let not_found = || {
            Err(Error::Api {
                status: 404,
                error_code: 404,
                message: "not looked up".into(),
                retry_after: None,
                details: None,
            })
        };
        let mut out = Vec::new();
        for id in ids {
            let v1 = records.remove(&id).unwrap_or_else(not_found);
            let listed = live.as_ref().and_then(|l| rules::live_listed(l, &id));
            let v2 = if public::needs_more_than_record(&v1) && listed != Some(true) {
                self.client
                    .api_with("GET", &path("/v2/projects", &id), None, true, signal)
                    .await
            } else {
                not_found()
            };
            let mut verdict = missing_verdict(&v1, listed, &v2);
            if verdict == Verdict::Lost && self.resend_if_undelivered(&id) {
                verdict = Verdict::Active;
            }
            out.push((id, verdict));
        }
        out
    }

    /// A tracked project nobody knows: sends it again when its request died with a dropped
    /// connection ([`rules::may_resend`]); a project just (re)sent is still being admitted.
    /// True when it is (again) on its way.
    fn resend_if_undelivered(self: &Rc<Self>, id: &str) -> bool {
        let Some(p) = self
            .projects
            .borrow()
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(id))
            .cloned()
        else {
            return false;
        };
        if p.is_settled() {
            return false;
        }
        let t = self.track(&p.id, |t| t.clone());
        let now = self.client.now();
        if t.awaiting_resubmit
            || (t.delivery.resends > 0
                && now - t.submitted_at < self.recovery.tuning.recently_created_grace_ms)
        {
            return true;
        }
        let delivery = Delivery {
            admitted: p.is_admitted(),
            finished: p.is_settled(),
            ..t.delivery
        };
        if rules::may_resend(&delivery, self.client.generation(), self.client.is_ready()) {
            self.resend(&p, true);
            return true;
        }
        false
    }

    /// Rebuilds a project of this appId the client does not know from its snapshot entry:
    /// tracked from now on (`recovered: true`), replayed to the entry's state.
    fn rehydrate(self: &Rc<Self>, record: &Value) -> Option<Rc<ProjectInner>> {
        let params = public::params_from_recovered(record);
        let config = public::project_config(record, &params)?;
        let media = match public::media_type(record) {
            public::MediaType::Image => MediaKind::Image,
            public::MediaType::Video => MediaKind::Video,
            public::MediaType::Audio => MediaKind::Audio,
        };
        let request = public::decode_client_request_data(record.get("clientRequestData"))
            .map_or(Value::Null, Value::Object);
        let output_format = params
            .get("outputFormat")
            .and_then(Value::as_str)
            .map(str::to_string);
        let id = config.id.clone();
        let inner = ProjectInner::new(
            id.clone(),
            config,
            self.client.clone(),
            self,
            params,
            media,
            output_format,
            request,
        );
        inner.mark_recovered();
        self.projects.borrow_mut().push(inner.clone());
        self.recovery.known.borrow_mut().insert(id.clone());
        let (generation, now) = (self.client.generation(), self.client.now());
        // Admitted by definition: never sent again, only looked up.
        self.track(&id, |t| {
            t.delivery.sent_on = Some(generation);
            t.delivery.admitted = true;
            t.submitted_at = now;
            t.last_alive = now;
        });
        self.ensure_watchdog();
        self.client.log(
            3,
            &format!("recovered project {id} from the server's snapshot"),
        );
        inner.replay(record);
        Some(inner)
    }

    async fn reconcile(
        self: &Rc<Self>,
        snapshot: Value,
        reason: SyncReason,
        requested_at: f64,
    ) -> SyncResult {
        let mut result = SyncResult::new(reason, snapshot.clone());
        let tracked: Vec<Rc<ProjectInner>> = self.projects.borrow().clone();
        let find = |id: &str| tracked.iter().find(|p| p.id.eq_ignore_ascii_case(id));
        let plan = {
            let known = self.recovery.known.borrow();
            plan_sync(
                &snapshot,
                |id| find(id).map(|p| p.is_settled()),
                |id| known.contains(id),
            )
        };
        let mut awaited: Vec<(Value, Rc<ProjectInner>)> = Vec::new();
        for step in &plan.steps {
            match step {
                SyncStep::Replay {
                    id,
                    record,
                    completed,
                } => {
                    let Some(p) = find(id) else { continue };
                    self.note_alive(&p.id);
                    p.replay(record);
                    if *completed {
                        result.completed.push(p.id.clone());
                    } else {
                        if p.cancel_pending() && !p.is_settled() {
                            // Still running: the cancel may have died with the old connection.
                            p.resend_cancel();
                        }
                        result.active.push(p.id.clone());
                    }
                }
                SyncStep::RehydrateActive(record) => {
                    if self.rehydrate(record).is_some() {
                        result.recovered_active.push((*record).clone());
                    }
                }
                SyncStep::RehydrateCompleted(record) => {
                    if let Some(p) = self.rehydrate(record) {
                        awaited.push(((*record).clone(), p));
                    }
                }
            }
        }
        let grace = self.recovery.tuning.recently_created_grace_ms;
        let mut missing = Vec::new();
        let mut judge_at: Option<f64> = None;
        for p in self.unfinished() {
            if plan.listed.iter().any(|id| id.eq_ignore_ascii_case(&p.id)) {
                continue;
            }
            let t = self.track(&p.id, |t| t.clone());
            if t.awaiting_resubmit || t.checking {
                continue;
            }
            if t.submitted_at > requested_at - grace {
                let at = t.submitted_at + grace;
                judge_at = Some(judge_at.map_or(at, |j: f64| j.max(at)));
            } else {
                missing.push(p);
            }
        }
        if let Some(at) = judge_at {
            self.schedule_recheck(at - self.client.now());
        }
        // The lookups of the missing projects and the result URLs of the projects that
        // finished while away, all at once.
        let live = if missing.is_empty() {
            None
        } else {
            self.live_list().await
        };
        let waits: Array = Array::new();
        for p in &missing {
            let (me, p, live) = (self.clone(), p.clone(), live.clone());
            waits.push(&super::abort::promise(async move {
                let outcome = me.check(&p, live, false).await;
                Ok(JsValue::from_str(outcome.as_str()))
            }));
        }
        for (_, p) in &awaited {
            let timeout = JsValue::from_str("timeout");
            let done = super::glue::with_timeout(
                &p.completion_promise(),
                RECOVERED_URLS_TIMEOUT_MS,
                &timeout,
            );
            // Settles either way: a failed or late project is announced with what it has.
            waits.push(&super::abort::promise(async move {
                let _ = JsFuture::from(done).await;
                Ok(JsValue::UNDEFINED)
            }));
        }
        let outcomes = JsFuture::from(Promise::all(&waits))
            .await
            .map(|v| Array::from(&v))
            .unwrap_or_default();
        for (p, outcome) in missing.iter().zip(outcomes.iter()) {
            let list = match outcome.as_string().as_deref() {
                Some("active") => &mut result.active,
                Some("completed") => &mut result.completed,
                Some("lost") => &mut result.lost,
                Some("unverified") => &mut result.unverified,
                _ => continue,
            };
            list.push(p.id.clone());
        }
        for (record, p) in &awaited {
            result
                .recovered_completed
                .push(public::completed_recovered(record, &p.result_urls()));
        }
        result
    }

    /// `GET /api/v1/artist/projects/active` (`None`: unreadable).
    async fn live_list(self: &Rc<Self>) -> Option<Rc<Result<Value, crate::Error>>> {
        let r = self
            .client
            .socket_get("/api/v1/artist/projects/active")
            .await;
        Some(Rc::new(r))
    }

    /// Looks a project up and acts on the verdict. `watchdog`: a project that cannot be
    /// placed earns a strike instead of failing as lost at once.
    async fn check(
        self: &Rc<Self>,
        p: &Rc<ProjectInner>,
        live: Option<Rc<Result<Value, crate::Error>>>,
        watchdog: bool,
    ) -> Outcome {
        if self.track(&p.id, |t| std::mem::replace(&mut t.checking, true)) {
            return Outcome::Skipped;
        }
        let submitted_at = self.track(&p.id, |t| t.submitted_at);
        let verdict = self.resolve(p, live).await;
        let resent_meanwhile = self.track(&p.id, |t| {
            t.checking = false;
            t.submitted_at != submitted_at || t.awaiting_resubmit
        });
        if p.is_settled() || resent_meanwhile {
            return Outcome::Skipped;
        }
        match verdict {
            Resolution::Active => {
                self.note_alive(&p.id);
                if p.cancel_pending() && !watchdog {
                    p.resend_cancel();
                }
                Outcome::Active
            }
            Resolution::Replay(record) => {
                self.note_alive(&p.id);
                p.replay(&record);
                Outcome::Completed
            }
            // The connection dropped while looking: the next `authenticated` decides.
            Resolution::Missing if !self.client.is_ready() => Outcome::Unverified,
            Resolution::Missing => {
                let delivery = self.track(&p.id, |t| t.delivery);
                let delivery = Delivery {
                    admitted: p.is_admitted(),
                    finished: p.is_settled(),
                    ..delivery
                };
                if rules::may_resend(&delivery, self.client.generation(), self.client.is_ready()) {
                    self.resend(p, true);
                    Outcome::Active
                } else if watchdog {
                    self.strike(p);
                    Outcome::Unverified
                } else {
                    self.client.log(
                        2,
                        &format!(
                            "project {} is unknown to the server (sent on connection {:?}, now {}, ready {}, resent {} times)",
                            p.id,
                            delivery.sent_on,
                            self.client.generation(),
                            self.client.is_ready(),
                            delivery.resends
                        ),
                    );
                    self.forget_delivery(&p.id);
                    p.fail_with(rules::project_lost_error(), None);
                    Outcome::Lost
                }
            }
            Resolution::Unknown => {
                if watchdog {
                    self.strike(p);
                }
                Outcome::Unverified
            }
        }
    }

    fn strike(self: &Rc<Self>, p: &Rc<ProjectInner>) {
        let strikes = self.track(&p.id, |t| {
            t.strikes += 1;
            t.strikes
        });
        if strikes < self.recovery.tuning.max_strikes {
            return;
        }
        self.client.log(
            1,
            &format!(
                "project {} could not be found after {strikes} checks; giving up",
                p.id
            ),
        );
        if self.client.is_ready() {
            let me = self.clone();
            let id = p.id.clone();
            spawn_local(async move {
                let msg = json!({"jobID": id, "error": "artistCanceled", "error_message": "artistCanceled", "isFromWorker": false});
                let _ = me.client.send("jobError", &msg).await;
            });
        }
        self.forget_delivery(&p.id);
        p.fail_with(
            rules::project_timed_out_error(),
            Some(rules::job_timed_out_error()),
        );
    }

    async fn resolve(
        self: &Rc<Self>,
        p: &Rc<ProjectInner>,
        live: Option<Rc<Result<Value, crate::Error>>>,
    ) -> Resolution {
        let id = js_sys::encode_uri_component(&p.id)
            .as_string()
            .unwrap_or_default();
        let v2 = Lookup::from_result(
            self.client
                .api("GET", &format!("/v2/projects/{id}"), None, true)
                .await,
        );
        if let Some(verdict) = after_live_lookup(&v2) {
            return verdict;
        }
        let live = match live {
            Some(l) => Some(l),
            None => self.live_list().await,
        };
        let listed = live.and_then(|l| rules::live_listed(&l, &p.id));
        if listed == Some(true) {
            return Resolution::Active;
        }
        let v1 = Lookup::from_result(
            self.client
                .api("GET", &format!("/v1/projects/{id}"), None, true)
                .await,
        );
        after_record_lookup(&v2, listed, &v1)
    }

    /// Starts the watchdog unless it runs.
    fn ensure_watchdog(self: &Rc<Self>) {
        if self.recovery.watchdog_running.replace(true) {
            return;
        }
        let me = self.clone();
        spawn_local(async move {
            me.watchdog().await;
            me.recovery.watchdog_running.set(false);
        });
    }

    async fn watchdog(self: &Rc<Self>) {
        let tuning = self.recovery.tuning.clone();
        loop {
            let offline = self.recovery.offline.get();
            let period = if offline {
                tuning.offline_poll_ms
            } else {
                (tuning.stale_ms / 4.0).clamp(100.0, 30_000.0)
            };
            let _ = sleep(period).await;
            let projects = self.unfinished();
            if self.client.is_disposed() || projects.is_empty() || !self.client.is_authenticated() {
                return;
            }
            let offline = self.recovery.offline.get();
            if !offline && !self.client.is_ready() {
                // Reconnecting: silence is expected, recovery follows `authenticated`.
                self.recovery_on_connection_lost();
                continue;
            }
            let now = self.client.now();
            let due: Vec<Rc<ProjectInner>> = projects
                .into_iter()
                .filter(|p| {
                    let t = self.track(&p.id, |t| t.clone());
                    !t.checking
                        && !t.awaiting_resubmit
                        && (offline || rules::is_stale(t.last_alive, now, &tuning))
                })
                .collect();
            if due.is_empty() {
                continue;
            }
            let live = self.live_list().await;
            for p in due {
                let me = self.clone();
                let live = live.clone();
                spawn_local(async move {
                    let _ = me.check(&p, live, true).await;
                });
            }
        }
    }
}
