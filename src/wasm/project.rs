//! `Project` and `Job`: one media project driven by socket events through the core state
//! machine, and the `projects.create` flow (validate → upload references → `jobRequest`).

use super::client::Inner;
use super::emitter::Emitter;
use super::errors::to_js;
use super::glue;
use super::projects::{js, ProjectsState};
use crate::projects::feed;
use crate::projects::job::JobState;
use crate::projects::media::{
    audio_result_query, image_result_query, path_with_query, preview_query, video_result_query,
    IMAGE_DOWNLOAD_URL_PATH, MEDIA_DOWNLOAD_URL_PATH,
};
use crate::projects::state::{
    Effect, JobEvent, ProjectConfig, ProjectEvent, ProjectState, PublicEvent,
};
use crate::protocol::events::parse_event;
use crate::Error;
use js_sys::{Array, Function, Object, Promise};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};

#[wasm_bindgen]
extern "C" {
    /// An `AbortSignal` (typed for the `.d.ts`; used only through JS).
    #[wasm_bindgen(typescript_type = "AbortSignal")]
    #[derive(Debug, Clone)]
    pub type AbortSignal;
}

/// `startedAt`, `estimatedStartAt`, `queueStatus` and the 5.54 `Job` members.
#[path = "project_extra.rs"]
mod extra;

/// `Job.fromRaw`.
#[path = "job_from_raw.rs"]
mod from_raw;

/// How long `cancel()` waits for the server's confirmation (as 5.54).
const CANCEL_TIMEOUT_MS: f64 = 120_000.0;

/// What a project renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaKind {
    /// Images (`/v1/image/downloadUrl`).
    Image,
    /// Video (`/v1/media/downloadUrl`).
    Video,
    /// Audio (`/v1/media/downloadUrl` with a `contentType`).
    Audio,
}

impl MediaKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
        }
    }
}

/// One tracked project.
pub(crate) struct ProjectInner {
    pub(crate) id: String,
    /// When this client created (or first learned about) the project, ms since the epoch.
    started_at: f64,
    /// `Job.enhance()` projects by job ID (the last one is the job's `enhancedImage`).
    enhancements: RefCell<HashMap<String, Vec<extra::Enhancement>>>,
    state: RefCell<ProjectState>,
    client: Rc<Inner>,
    projects: Weak<ProjectsState>,
    pub(crate) events: Emitter,
    job_events: RefCell<HashMap<String, Rc<Emitter>>>,
    waiters: RefCell<Vec<Object>>,
    cancel_waiters: RefCell<Vec<Object>>,
    params: Value,
    media: MediaKind,
    output_format: Option<String>,
    request: Value,
    /// Rebuilt from a server snapshot instead of created here (`Project.recovered`).
    recovered: std::cell::Cell<bool>,
}

impl std::fmt::Debug for ProjectInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Project({})", self.id)
    }
}

impl ProjectInner {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: String,
        config: ProjectConfig,
        client: Rc<Inner>,
        projects: &Rc<ProjectsState>,
        params: Value,
        media: MediaKind,
        output_format: Option<String>,
        request: Value,
    ) -> Rc<Self> {
        Rc::new(Self {
            id,
            started_at: client.now(),
            enhancements: RefCell::new(HashMap::new()),
            state: RefCell::new(ProjectState::new(config)),
            client,
            projects: Rc::downgrade(projects),
            events: Emitter::default(),
            job_events: RefCell::new(HashMap::new()),
            waiters: RefCell::new(Vec::new()),
            cancel_waiters: RefCell::new(Vec::new()),
            params,
            media,
            output_format,
            request,
            recovered: std::cell::Cell::new(false),
        })
    }

    /// Marks a project rebuilt from a server snapshot (`recovered: true`).
    pub(crate) fn mark_recovered(&self) {
        self.recovered.set(true);
    }

    /// `waitForCompletion()` without a signal (recovery awaits a rebuilt project's URLs).
    pub(crate) fn completion_promise(self: &Rc<Self>) -> Promise {
        self.wait(JsValue::UNDEFINED)
    }

    /// The result URLs so far.
    pub(crate) fn result_urls(&self) -> Vec<String> {
        self.state.borrow().result_urls()
    }

    pub(crate) fn job_emitter(&self, job_id: &str) -> Rc<Emitter> {
        self.job_events
            .borrow_mut()
            .entry(job_id.to_string())
            .or_default()
            .clone()
    }

    /// A socket event that may concern this project.
    pub(crate) fn on_event(self: &Rc<Self>, kind: &str, data: &Value) {
        if data.get("jobID").and_then(Value::as_str) != Some(self.id.as_str()) {
            return;
        }
        if kind == "artistCancelConfirmation" {
            let ok = data.get("didCancel") == Some(&Value::Bool(true));
            let value = if ok {
                JsValue::TRUE
            } else {
                let message = data
                    .get("error_message")
                    .and_then(Value::as_str)
                    .unwrap_or("Cancellation could not be confirmed. The job is still running; please try again.");
                to_js(&Error::Job {
                    code: 0,
                    original_code: None,
                    message: message.to_string(),
                })
            };
            if ok {
                // Applied here, not after `cancel()`'s await: the project-level `jobError
                // artistCanceled` that follows may be dispatched before that continuation.
                let effects = self.state.borrow_mut().cancel_confirmed(self.client.now());
                self.run(effects);
            }
            for d in self.cancel_waiters.borrow_mut().drain(..) {
                glue::settle(&d, ok, &value);
            }
            return;
        }
        let event = match parse_event(kind, data) {
            Ok(e) => e,
            Err(e) => {
                self.client.log(2, &format!("ignored {kind}: {e}"));
                return;
            }
        };
        let effects = self.state.borrow_mut().apply(&event, self.client.now());
        self.run(effects);
    }

    /// The connection ended for good: the project cannot finish.
    pub(crate) fn on_disconnected(self: &Rc<Self>, error: &Error) {
        let effects = self
            .state
            .borrow_mut()
            .fail(error.clone(), self.client.now());
        self.run(effects);
        let js_error = to_js(error);
        for d in self.cancel_waiters.borrow_mut().drain(..) {
            glue::settle(&d, false, &js_error);
        }
    }

    fn run(self: &Rc<Self>, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Emit(event) => self.emit(event),
                Effect::FetchResultUrl { job_id } => self.fetch_url(job_id, true),
                Effect::FetchPreviewUrl { job_id } => self.fetch_url(job_id, false),
                Effect::SyncRecord => self.sync_record(),
                // Refused while the server restarts: sent again on the next connection.
                Effect::Resubmit => match self.projects.upgrade() {
                    Some(projects) => projects.await_resubmit(self),
                    None => {
                        let error = crate::projects::recovery::resubmit_failed_error("");
                        let effects = self.state.borrow_mut().fail(error, self.client.now());
                        self.run(effects);
                    }
                },
                Effect::JobRenamed { from, to } => {
                    let mut map = self.job_events.borrow_mut();
                    if let Some(em) = map.remove(&from) {
                        map.insert(to, em);
                    }
                }
            }
        }
        self.check_completion();
    }

    /// Emits a state-machine event: payloads are built only for events with listeners.
    fn emit(self: &Rc<Self>, event: PublicEvent) {
        match event {
            PublicEvent::Project(ev) => {
                let name = match &ev {
                    ProjectEvent::Progress(_) => "progress",
                    ProjectEvent::JobStarted(_) => "jobStarted",
                    ProjectEvent::JobCompleted(_) => "jobCompleted",
                    ProjectEvent::JobFailed(_) => "jobFailed",
                    ProjectEvent::Completed(_) => "completed",
                    ProjectEvent::Failed(_) => "failed",
                    ProjectEvent::Updated(_) => "updated",
                };
                self.events.emit_with(name, || match ev {
                    ProjectEvent::Progress(p) => JsValue::from_f64(f64::from(p)),
                    ProjectEvent::JobStarted(j)
                    | ProjectEvent::JobCompleted(j)
                    | ProjectEvent::JobFailed(j) => self.job_js(&j),
                    ProjectEvent::Completed(urls) => js(&urls),
                    ProjectEvent::Failed(e) => to_js(&e),
                    ProjectEvent::Updated(keys) => js(&keys),
                });
            }
            PublicEvent::Job { job_id, event } => {
                let name = match &event {
                    JobEvent::Progress(_) => "progress",
                    JobEvent::Completed(_) => {
                        // The feed's `completed` entry needs the minted URL: made here.
                        if let Some(p) = self.projects.upgrade().filter(|p| p.events.has("job")) {
                            let entry = self.state.borrow().job(&job_id).map(feed::job_completed);
                            if let Some(entry) = entry {
                                p.emit_feed(feed::Channel::Job, &entry);
                            }
                        }
                        "completed"
                    }
                    JobEvent::Failed(_) => "failed",
                    JobEvent::Updated(keys) => {
                        if keys.contains(&"previewUrl") {
                            let url = self
                                .state
                                .borrow()
                                .job(&job_id)
                                .and_then(|j| j.preview_url.clone());
                            if let (Some(url), Some(p)) = (url, self.projects.upgrade()) {
                                p.emit_feed(
                                    feed::Channel::Job,
                                    &feed::job_preview(&self.id, &job_id, &url),
                                );
                            }
                        }
                        "updated"
                    }
                };
                // Only a job someone listens to has an emitter.
                let emitter = self.job_events.borrow().get(&job_id).cloned();
                if let Some(emitter) = emitter {
                    emitter.emit_with(name, || match event {
                        JobEvent::Progress(p) => JsValue::from_f64(f64::from(p)),
                        JobEvent::Completed(url) => js(&url),
                        JobEvent::Failed(e) => to_js(&e),
                        JobEvent::Updated(keys) => js(&keys),
                    });
                }
            }
        }
    }

    fn job_js(self: &Rc<Self>, job_id: &str) -> JsValue {
        JsValue::from(Job {
            project: self.clone(),
            id: job_id.to_string(),
        })
    }

    /// The download-URL request of a job's result: images on `/v1/image/downloadUrl`,
    /// video and audio on `/v1/media/downloadUrl`.
    fn result_path(&self, job_id: &str) -> String {
        let format = self.output_format.as_deref();
        match self.media {
            MediaKind::Image => path_with_query(
                IMAGE_DOWNLOAD_URL_PATH,
                &image_result_query(&self.id, job_id, format),
            ),
            MediaKind::Video => path_with_query(
                MEDIA_DOWNLOAD_URL_PATH,
                &video_result_query(&self.id, job_id),
            ),
            MediaKind::Audio => path_with_query(
                MEDIA_DOWNLOAD_URL_PATH,
                &audio_result_query(&self.id, job_id, format),
            ),
        }
    }

    fn fetch_url(self: &Rc<Self>, job_id: String, result: bool) {
        let me = self.clone();
        spawn_local(async move {
            let path = if result {
                me.result_path(&job_id)
            } else {
                path_with_query(IMAGE_DOWNLOAD_URL_PATH, &preview_query(&me.id, &job_id))
            };
            let url = match me.client.api("GET", &path, None, true).await {
                Ok(data) => data
                    .get("downloadUrl")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                Err(e) => {
                    // Logged, never an unhandled rejection (the official client crashes here
                    // for previews).
                    me.client.log(
                        2,
                        &format!("could not get a download URL for {job_id}: {e}"),
                    );
                    None
                }
            };
            let now = me.client.now();
            let effects = if result {
                me.state.borrow_mut().set_result_url(&job_id, url, now)
            } else if let Some(url) = url {
                me.state.borrow_mut().set_preview_url(&job_id, url, now)
            } else {
                Vec::new()
            };
            me.run(effects);
        });
    }

    fn sync_record(self: &Rc<Self>) {
        let me = self.clone();
        spawn_local(async move {
            // A later task: the frame that finished the project is still being handled, and
            // `fetch()` costs ~0.3 ms of synchronous work in Node. Started here it would
            // delay every `waitForCompletion` continuation; this check is in no hurry.
            let _ = JsFuture::from(glue::sleep(0.0)).await;
            let path = format!("/v1/projects/{}", me.id);
            let answer = me.client.api("GET", &path, None, true).await;
            let record = answer.as_ref().ok().and_then(|data| data.get("project"));
            let now = me.client.now();
            let synced = record.map(|r| me.state.borrow_mut().sync_from_record(r, now));
            let effects = match synced {
                Some(Ok(effects)) => effects,
                // No record to go by: the project settles with the jobs it has.
                _ => me.state.borrow_mut().record_unavailable(now),
            };
            me.run(effects);
        });
    }

    fn check_completion(self: &Rc<Self>) {
        let Some(outcome) = self.state.borrow().completion() else {
            return;
        };
        let canceled =
            self.state.borrow().status() == crate::projects::state::ProjectStatus::Canceled;
        if canceled {
            // A cancel whose confirmation was lost, recovered from a record.
            for d in self.cancel_waiters.borrow_mut().drain(..) {
                glue::settle(&d, true, &JsValue::UNDEFINED);
            }
        } else if !self.cancel_waiters.borrow().is_empty() {
            // The project ended otherwise before the cancel was confirmed.
            let error = to_js(&Error::Job {
                code: 0,
                original_code: None,
                message: "Cancellation could not be confirmed: the project had already finished"
                    .into(),
            });
            for d in self.cancel_waiters.borrow_mut().drain(..) {
                glue::settle(&d, false, &error);
            }
        }
        let (ok, value) = match &outcome {
            Ok(urls) => (true, js(urls)),
            Err(e) => (false, to_js(e)),
        };
        for d in self.waiters.borrow_mut().drain(..) {
            glue::settle(&d, ok, &value);
        }
        if let Some(p) = self.projects.upgrade() {
            p.projects.borrow_mut().retain(|x| !Rc::ptr_eq(x, self));
            p.forget_delivery(&self.id);
        }
    }

    /// Brings the project up to date from a server-side record (recovery).
    pub(crate) fn replay(self: &Rc<Self>, record: &Value) {
        let now = self.client.now();
        let result = self.state.borrow_mut().sync_from_record(record, now);
        match result {
            Ok(effects) => self.run(effects),
            Err(e) => self
                .client
                .log(2, &format!("could not recover project {}: {e}", self.id)),
        }
    }

    /// Fails the project (and, with `job_error`, its unfinished jobs first).
    pub(crate) fn fail_with(self: &Rc<Self>, error: Error, job_error: Option<Error>) {
        let now = self.client.now();
        let mut effects = match job_error {
            Some(e) => self.state.borrow_mut().fail_jobs(e, now),
            None => Vec::new(),
        };
        effects.extend(self.state.borrow_mut().fail(error, now));
        self.run(effects);
    }

    /// Has `waitForCompletion` its answer?
    pub(crate) fn is_settled(&self) -> bool {
        self.state.borrow().completion().is_some()
    }

    /// Has the server mentioned the project?
    pub(crate) fn is_admitted(&self) -> bool {
        self.state.borrow().is_admitted()
    }

    /// The `jobRequest` it was created with.
    pub(crate) fn request(&self) -> &Value {
        &self.request
    }

    /// Is a `cancel()` waiting for the server's confirmation?
    pub(crate) fn cancel_pending(&self) -> bool {
        !self.cancel_waiters.borrow().is_empty()
    }

    /// Sends the cancel again (the first may have died with its connection).
    pub(crate) fn resend_cancel(self: &Rc<Self>) {
        let me = self.clone();
        spawn_local(async move {
            let msg = json!({"jobID": me.id, "error": "artistCanceled", "error_message": "artistCanceled", "isFromWorker": false});
            if let Err(e) = me.client.send("jobError", &msg).await {
                me.client.log(
                    2,
                    &format!(
                        "could not resend the cancel of {}: {}",
                        me.id,
                        super::errors::from_js(&e)
                    ),
                );
            }
        });
    }

    fn wait(self: &Rc<Self>, signal: JsValue) -> Promise {
        let promise = match self.state.borrow().completion() {
            Some(Ok(urls)) => Promise::resolve(&js(&urls)),
            Some(Err(e)) => Promise::reject(&to_js(&e)),
            None => {
                let d = glue::deferred();
                self.waiters.borrow_mut().push(d.clone());
                glue::get(&d, "promise").into()
            }
        };
        let aborted = to_js(&Error::Aborted {
            message: "waitForCompletion aborted".into(),
        });
        glue::with_abort(&promise, &signal, &aborted)
    }

    async fn cancel(self: &Rc<Self>, signal: JsValue) -> Result<JsValue, JsValue> {
        if self.state.borrow().is_finished() {
            return Ok(JsValue::UNDEFINED);
        }
        let aborted = to_js(&Error::Aborted {
            message: "cancel aborted".into(),
        });
        let d = glue::deferred();
        self.cancel_waiters.borrow_mut().push(d.clone());
        let msg = json!({"jobID": self.id, "error": "artistCanceled", "error_message": "artistCanceled", "isFromWorker": false});
        self.client.send_with("jobError", &msg, &signal).await?;
        let promise: Promise = glue::get(&d, "promise").into();
        let timeout = to_js(&Error::Timeout {
            message:
                "Cancellation could not be confirmed. The job is still running; please try again."
                    .into(),
        });
        let confirmed = glue::with_timeout(&promise, CANCEL_TIMEOUT_MS, &timeout);
        JsFuture::from(glue::with_abort(&confirmed, &signal, &aborted)).await?;
        let effects = self.state.borrow_mut().cancel_confirmed(self.client.now());
        self.run(effects);
        Ok(JsValue::UNDEFINED)
    }
}

/// A media project (same members as the official `Project`).
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct Project {
    pub(crate) inner: Rc<ProjectInner>,
}

impl Project {
    pub(crate) fn new(inner: Rc<ProjectInner>) -> Self {
        Self { inner }
    }

    /// `cancel()` without a signal.
    pub(crate) fn cancel(&self) -> Promise {
        self.cancel_with(None)
    }
}

#[wasm_bindgen]
impl Project {
    /// Project id (client-made upper-case UUID).
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.inner.id.clone()
    }

    /// `pending`, `queued`, `processing`, `completed`, `failed` or `canceled`.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> String {
        self.inner.state.borrow().status().as_str().to_string()
    }

    /// Whether the project has ended.
    #[wasm_bindgen(getter)]
    pub fn finished(&self) -> bool {
        self.inner.state.borrow().is_finished()
    }

    /// 0–100.
    #[wasm_bindgen(getter)]
    pub fn progress(&self) -> f64 {
        f64::from(self.inner.state.borrow().progress(self.inner.client.now()))
    }

    /// Position in the queue while queued.
    #[wasm_bindgen(getter, js_name = queuePosition)]
    pub fn queue_position(&self) -> f64 {
        self.inner.state.borrow().queue_position() as f64
    }

    /// Expected completion time (the latest job ETA), when known.
    #[wasm_bindgen(getter)]
    pub fn eta(&self) -> Option<js_sys::Date> {
        self.inner.state.borrow().eta().map(extra::date)
    }

    /// The failure, once failed.
    #[wasm_bindgen(getter)]
    pub fn error(&self) -> JsValue {
        self.inner
            .state
            .borrow()
            .error()
            .map_or(JsValue::UNDEFINED, to_js)
    }

    /// Result URLs of the completed jobs, in order of first appearance.
    #[wasm_bindgen(getter, js_name = resultUrls, unchecked_return_type = "string[]")]
    pub fn result_urls(&self) -> JsValue {
        js(&self.inner.state.borrow().result_urls())
    }

    /// The jobs seen so far.
    #[wasm_bindgen(getter, unchecked_return_type = "Job[]")]
    pub fn jobs(&self) -> Array {
        let ids: Vec<String> = self
            .inner
            .state
            .borrow()
            .jobs()
            .iter()
            .map(|j| j.id.clone())
            .collect();
        ids.iter().map(|id| self.inner.job_js(id)).collect()
    }

    /// One job by id.
    pub fn job(&self, id: &str) -> Option<Job> {
        let id = id.to_ascii_uppercase();
        self.inner.state.borrow().job(&id).map(|_| Job {
            project: self.inner.clone(),
            id,
        })
    }

    /// The parameters the project was created with (media shown as `true`).
    #[wasm_bindgen(getter)]
    pub fn params(&self) -> JsValue {
        js(&self.inner.params)
    }

    /// `true` when the project was rebuilt from a server snapshot (after a reconnect, a
    /// restart or in another process with the same appId) instead of created by this
    /// client; its `params` are rebuilt from the original request, without reference media.
    #[wasm_bindgen(getter)]
    pub fn recovered(&self) -> bool {
        self.inner.recovered.get()
    }

    /// `image`, `video` or `audio`.
    #[wasm_bindgen(getter, js_name = type)]
    pub fn kind(&self) -> String {
        self.inner.media.as_str().into()
    }

    /// Resolves with the result URLs; rejects on failure, cancel or `signal` abort.
    /// Never hangs when the network delivers fewer results than requested.
    #[wasm_bindgen(js_name = waitForCompletion, unchecked_return_type = "Promise<string[]>")]
    pub fn wait_for_completion(&self, signal: Option<AbortSignal>) -> Promise {
        self.inner
            .wait(signal.map_or(JsValue::UNDEFINED, JsValue::from))
    }

    /// Cancels the project; resolves once the server confirms (`signal` stops the wait).
    #[wasm_bindgen(js_name = cancel, unchecked_return_type = "Promise<void>")]
    pub fn cancel_with(&self, signal: Option<AbortSignal>) -> Promise {
        let inner = self.inner.clone();
        let signal = signal.map_or(JsValue::UNDEFINED, JsValue::from);
        super::abort::promise(async move { inner.cancel(signal).await })
    }

    /// Listens for `progress`, `jobStarted`, `jobCompleted`, `jobFailed`, `completed`,
    /// `failed`, `updated`; returns a function that removes the listener.
    pub fn on(&self, event: &str, listener: Function) -> Function {
        self.inner.events.on(event, listener.clone(), false);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Like `on`, for one call.
    pub fn once(&self, event: &str, listener: Function) -> Function {
        self.inner.events.on(event, listener.clone(), true);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes a listener.
    pub fn off(&self, event: &str, listener: &Function) {
        self.inner.events.off(event, listener);
    }

    /// Plain-object snapshot.
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> JsValue {
        let st = self.inner.state.borrow();
        let now = self.inner.client.now();
        let jobs: Vec<Value> = st.jobs().iter().map(|j| job_json(j, now)).collect();
        js(&json!({
            "id": self.inner.id,
            "startedAt": extra::iso(Some(self.inner.started_at)),
            "estimatedStartAt": extra::iso(st.estimated_start_at()),
            "queueStatus": st.queue_status().map(|q| q.as_str()),
            "eta": extra::iso(st.eta()),
            "type": self.inner.media.as_str(),
            "status": st.status().as_str(),
            "progress": st.progress(now),
            "queuePosition": st.queue_position(),
            "resultUrls": st.result_urls(),
            "jobs": jobs,
            "params": self.inner.params,
        }))
    }
}

fn job_json(j: &JobState, now: f64) -> Value {
    json!({
        "id": j.id,
        "projectId": j.project_id,
        "status": j.status.as_str(),
        "progress": j.progress(now),
        "step": j.step,
        "stepCount": j.step_count,
        "seed": j.seed,
        "workerName": j.worker_name,
        "isNSFW": j.is_nsfw,
        "resultUrl": j.result_url,
        "previewUrl": j.preview_url,
        "jobIndex": j.job_index,
        "nsfwDetected": j.nsfw_detected,
        "nsfwSources": j.nsfw_sources,
        "lastFrameUrl": j.last_frame_url,
        "provenance": j.provenance,
        "etaSeconds": j.eta_seconds,
        "eta": extra::iso(j.eta),
        "etaRange": j.eta_range.map(|r| json!({"min": r.min, "max": r.max})),
    })
}

/// One media item of a project (same members as the official `Job`).
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct Job {
    pub(crate) project: Rc<ProjectInner>,
    pub(crate) id: String,
}

impl Job {
    fn with<T>(&self, f: impl FnOnce(&JobState) -> T) -> Option<T> {
        self.project.state.borrow().job(&self.id).map(f)
    }
}

#[wasm_bindgen]
impl Job {
    /// Job id (`imgID`).
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// The project's id.
    #[wasm_bindgen(getter, js_name = projectId)]
    pub fn project_id(&self) -> String {
        self.project.id.clone()
    }

    /// `pending`, `initiating`, `processing`, `completed`, `failed` or `canceled`.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> String {
        self.with(|j| j.status.as_str().to_string())
            .unwrap_or_else(|| "pending".into())
    }

    /// Whether the job has ended.
    #[wasm_bindgen(getter)]
    pub fn finished(&self) -> bool {
        self.with(|j| j.is_finished()).unwrap_or(false)
    }

    /// 0–100.
    #[wasm_bindgen(getter)]
    pub fn progress(&self) -> f64 {
        let now = self.project.client.now();
        f64::from(self.with(|j| j.progress(now)).unwrap_or(0))
    }

    /// Current step.
    #[wasm_bindgen(getter)]
    pub fn step(&self) -> f64 {
        f64::from(self.with(|j| j.step).unwrap_or(0))
    }

    /// Total steps.
    #[wasm_bindgen(getter, js_name = stepCount)]
    pub fn step_count(&self) -> f64 {
        f64::from(self.with(|j| j.step_count).unwrap_or(0))
    }

    /// Seed used, once completed.
    #[wasm_bindgen(getter)]
    pub fn seed(&self) -> Option<f64> {
        self.with(|j| j.seed.map(|s| s as f64)).flatten()
    }

    /// Name of the worker rendering the job.
    #[wasm_bindgen(getter, js_name = workerName)]
    pub fn worker_name(&self) -> Option<String> {
        self.with(|j| j.worker_name.clone()).flatten()
    }

    /// Latest preview URL.
    #[wasm_bindgen(getter, js_name = previewUrl)]
    pub fn preview_url(&self) -> Option<String> {
        self.with(|j| j.preview_url.clone()).flatten()
    }

    /// Result URL (null when withheld or not available).
    #[wasm_bindgen(getter, js_name = resultUrl)]
    pub fn result_url(&self) -> Option<String> {
        self.with(|j| j.result_url.clone()).flatten()
    }

    /// Alias of `resultUrl`.
    #[wasm_bindgen(getter, js_name = imageUrl)]
    pub fn image_url(&self) -> Option<String> {
        self.result_url()
    }

    /// Did the safety filter fire?
    #[wasm_bindgen(getter, js_name = isNSFW)]
    pub fn is_nsfw(&self) -> bool {
        self.with(|j| j.is_nsfw).unwrap_or(false)
    }

    /// Flagged but delivered (filter off).
    #[wasm_bindgen(getter, js_name = nsfwDetected)]
    pub fn nsfw_detected(&self) -> bool {
        self.with(|j| j.nsfw_detected).unwrap_or(false)
    }

    /// Seconds left at the last ETA update.
    #[wasm_bindgen(getter, js_name = etaSeconds)]
    pub fn eta_seconds(&self) -> Option<f64> {
        self.with(|j| j.eta_seconds).flatten()
    }

    /// The failure, once failed.
    #[wasm_bindgen(getter)]
    pub fn error(&self) -> JsValue {
        self.with(|j| j.error.as_ref().map(to_js))
            .flatten()
            .unwrap_or(JsValue::UNDEFINED)
    }

    /// Mints a fresh result URL (signed URLs expire after about 30 minutes); `signal`
    /// aborts the request.
    #[wasm_bindgen(js_name = getResultUrl, unchecked_return_type = "Promise<string>")]
    pub fn get_result_url(&self, signal: Option<AbortSignal>) -> Promise {
        let project = self.project.clone();
        let id = self.id.clone();
        let signal = signal.map(JsValue::from);
        super::abort::promise(async move {
            let path = project.result_path(&id);
            let data = project
                .client
                .api_with("GET", &path, None, true, signal.as_ref())
                .await
                .map_err(|e| to_js(&e))?;
            Ok(js(&data.get("downloadUrl")))
        })
    }

    /// Listens for `progress`, `completed`, `failed`, `updated`.
    pub fn on(&self, event: &str, listener: Function) -> Function {
        self.project
            .job_emitter(&self.id)
            .on(event, listener.clone(), false);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes a listener.
    pub fn off(&self, event: &str, listener: &Function) {
        self.project.job_emitter(&self.id).off(event, listener);
    }

    /// Plain-object snapshot.
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> JsValue {
        let now = self.project.client.now();
        js(&self.with(|j| job_json(j, now)).unwrap_or(Value::Null))
    }
}
