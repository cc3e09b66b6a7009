//! The project state machine: server events in, state changes and [`Effect`]s out.
//!
//! [`ProjectState::apply`] folds one [`ServerEvent`] into the project and returns what the
//! wasm layer must do: emit the official public events, mint a result or preview URL, sync
//! with the REST record. It is pure: the caller passes the time (`now_ms`, ms since the
//! epoch) and performs every side effect. After each call the caller checks
//! [`ProjectState::completion`] to settle `waitForCompletion()`.
//!
//! Rules (official 5.54 client, plus the marked hardening):
//! - Jobs are created on the first event naming a new `imgID`, in order of appearance.
//! - A finished job never changes status again: duplicate or late `jobResult`, `jobError`,
//!   `jobProgress` and `jobState` frames for it are ignored (the official client lets a late
//!   progress frame move a completed job back to `processing`).
//! - `jobETA` without `imgID` only keeps the project alive; it never creates a phantom job
//!   (the official client creates a job with ID `""` that blocks completion forever).
//! - `jobRetry` puts the job back to `pending`; the next worker's frame (new `imgID`) reclaims
//!   it by `jobIndex` (reported as [`Effect::JobRenamed`]).
//! - A job error fails the project when `numberOfMedia == 1` or when every expected job
//!   failed; a project-level error (no `imgID`) fails it at once.
//! - **Fewer results than requested never hangs.** The official client resolves only when the
//!   project is `completed`, at least `numberOfMedia` jobs were seen and all are finished, and
//!   hangs forever when fewer jobs ever show up. Here a `completed` project settles as soon as
//!   every job seen is finished, with the URLs it has (or fails with the last job error when
//!   every job seen failed).
//! - A canceled project rejects `waitForCompletion` with "Project canceled" (5.54; 5.17 never
//!   settled) and ignores every later event.
//! - Once settled, the answer of [`ProjectState::completion`] never changes, and live frames
//!   naming a job never seen are dropped (the official client would add a job).

use super::job::{self, EtaRange, JobState, JobStatus};
use crate::protocol::events::{self as wire, ServerEvent};
use crate::Error;
use serde_json::Value;

/// How many times a project refused with 1001 (server restarting, not admitted) is
/// resubmitted before the refusal fails it (5.54 resubmits once; each refusal proves the
/// server did not take the project, so a few more are safe).
pub const MAX_RESUBMITS: u32 = 3;

/// Lifecycle of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectStatus {
    /// Created, not yet queued.
    Pending,
    /// Waiting in the queue.
    Queued,
    /// At least one job is rendering.
    Processing,
    /// The server finished the project (`jobCompleted`).
    Completed,
    /// Failed; see [`ProjectState::error`].
    Failed,
    /// Canceled by the artist.
    Canceled,
}

impl ProjectStatus {
    /// The official SDK's name for this status.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Queued => "queued",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
        }
    }

    /// `completed`, `failed` or `canceled`.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Canceled)
    }

    /// Maps a REST project status: the raw `/v1` names (`active`, `progress`, `errored`,
    /// `cancelled`, …) and the normalized `/v2` ones.
    pub fn from_record(status: &str) -> Option<Self> {
        Some(match status {
            "pending" | "authorized" => Self::Pending,
            "active" | "queued" => Self::Queued,
            "assigned" | "progress" | "processing" => Self::Processing,
            "completed" => Self::Completed,
            "errored" | "failed" => Self::Failed,
            "cancelled" | "canceled" => Self::Canceled,
            _ => return None,
        })
    }
}

/// Why a queued project waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueStatus {
    /// Waiting for its turn.
    Waiting,
    /// No connected worker can run the model.
    NoWorkers,
}

impl QueueStatus {
    /// Reads the wire value; unknown values are dropped.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "waiting" => Some(Self::Waiting),
            "no-workers" => Some(Self::NoWorkers),
            _ => None,
        }
    }

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::NoWorkers => "no-workers",
        }
    }
}

/// What the state machine needs from the project's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectConfig {
    /// Project ID (upper-cased on use).
    pub id: String,
    /// `numberOfMedia`.
    pub number_of_media: u32,
    /// `steps`, when set: the initial step count of every job.
    pub steps: Option<u32>,
    /// `numberOfPreviews`, when set (image projects).
    pub number_of_previews: Option<u32>,
    /// `disableNSFWFilter`: mint URLs even for flagged results.
    pub disable_nsfw_filter: bool,
}

/// A public event of a project, as the official `Project` emits it.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectEvent {
    /// `progress`: 0–100, emitted when it changes.
    Progress(u32),
    /// `jobStarted`: a job appeared (first event naming it).
    JobStarted(String),
    /// `jobCompleted`: a job completed.
    JobCompleted(String),
    /// `jobFailed`: a job failed.
    JobFailed(String),
    /// `completed`: the project settled successfully, with its result URLs.
    Completed(Vec<String>),
    /// `failed`: the project failed.
    Failed(Error),
    /// `updated`: these data keys changed (`status`, `jobs`, `queuePosition`, …).
    Updated(Vec<&'static str>),
}

/// A public event of a job, as the official `Job` emits it.
#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    /// `progress`: 0–100, emitted when a step, step count, external progress or ETA changes.
    Progress(u32),
    /// `completed`: with the result URL (`None` when withheld or not minted).
    Completed(Option<String>),
    /// `failed`.
    Failed(Error),
    /// `updated`: these data keys changed (`status`, `step`, `resultUrl`, …).
    Updated(Vec<&'static str>),
}

/// An event for the public API.
#[derive(Debug, Clone, PartialEq)]
pub enum PublicEvent {
    /// On the project.
    Project(ProjectEvent),
    /// On one of its jobs.
    Job {
        /// The job (its current ID).
        job_id: String,
        /// What happened.
        event: JobEvent,
    },
}

/// What the wasm layer must do after a state change.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Emit this public event.
    Emit(PublicEvent),
    /// Mint the job's result URL (`/v1/image/downloadUrl` or `/v1/media/downloadUrl`, type
    /// `complete`), then call [`ProjectState::set_result_url`] with it, or with `None` when
    /// the request failed. The job finishes only then.
    FetchResultUrl {
        /// The job.
        job_id: String,
    },
    /// Mint the job's preview URL (`type=preview`), then call
    /// [`ProjectState::set_preview_url`].
    FetchPreviewUrl {
        /// The job.
        job_id: String,
    },
    /// The project just finished: fetch `GET /v1/projects/{id}` once and pass the answer to
    /// [`ProjectState::sync_from_record`] (a 404 can be ignored).
    SyncRecord,
    /// The server refused the request while restarting (`jobError 1001` before the project
    /// was admitted): send the same `jobRequest` again after the next reconnect, or call
    /// [`ProjectState::fail`] if that cannot be done. At most [`MAX_RESUBMITS`] times.
    Resubmit,
    /// A retried render came back under a new job ID; the job object keeps its identity.
    JobRenamed {
        /// The abandoned attempt's ID.
        from: String,
        /// The new attempt's ID.
        to: String,
    },
}

/// Changed data keys, in the official SDK's names.
type Keys = Vec<&'static str>;

fn set<T: PartialEq>(slot: &mut T, value: T, key: &'static str, keys: &mut Keys) {
    if *slot != value {
        *slot = value;
        keys.push(key);
    }
}

fn project_event(event: ProjectEvent) -> Effect {
    Effect::Emit(PublicEvent::Project(event))
}

fn job_event(job_id: &str, event: JobEvent) -> Effect {
    Effect::Emit(PublicEvent::Job {
        job_id: job_id.to_string(),
        event,
    })
}

fn rank(status: JobStatus) -> u8 {
    match status {
        JobStatus::Pending => 0,
        JobStatus::Initiating => 1,
        JobStatus::Processing => 2,
        _ => 3,
    }
}

fn to_u32(n: f64) -> u32 {
    // `as` saturates: negatives become 0, huge values u32::MAX.
    n as u32
}

/// The state of one project and its jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectState {
    id: String,
    status: ProjectStatus,
    queue_position: i64,
    estimated_start_at: Option<f64>,
    queue_status: Option<QueueStatus>,
    eta: Option<f64>,
    jobs: Vec<JobState>,
    number_of_media: u32,
    steps: Option<u32>,
    number_of_previews: Option<u32>,
    disable_nsfw_filter: bool,
    error: Option<Error>,
    last_update_ms: Option<f64>,
    last_progress: Option<u32>,
    outcome: Option<Result<Vec<String>, Error>>,
    replaying: bool,
    sync_requested: bool,
    record_checked: bool,
    admitted: bool,
    resubmits: u32,
    awaiting_reassignment: Vec<String>,
}

impl ProjectState {
    /// A new `pending` project with no jobs.
    pub fn new(config: ProjectConfig) -> Self {
        Self {
            id: config.id.to_ascii_uppercase(),
            status: ProjectStatus::Pending,
            queue_position: -1,
            estimated_start_at: None,
            queue_status: None,
            eta: None,
            jobs: Vec::new(),
            number_of_media: config.number_of_media,
            steps: config.steps,
            number_of_previews: config.number_of_previews,
            disable_nsfw_filter: config.disable_nsfw_filter,
            error: None,
            last_update_ms: None,
            last_progress: None,
            outcome: None,
            replaying: false,
            sync_requested: false,
            record_checked: false,
            admitted: false,
            resubmits: 0,
            awaiting_reassignment: Vec::new(),
        }
    }

    /// Project ID (upper case).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Current status.
    pub fn status(&self) -> ProjectStatus {
        self.status
    }

    /// Position in the queue (-1 before the first `queued`).
    pub fn queue_position(&self) -> i64 {
        self.queue_position
    }

    /// When a worker is expected to start the project (ms since the epoch), while queued.
    pub fn estimated_start_at(&self) -> Option<f64> {
        self.estimated_start_at
    }

    /// Why the project waits, while queued.
    pub fn queue_status(&self) -> Option<QueueStatus> {
        self.queue_status
    }

    /// Expected completion (ms since the epoch): the latest job ETA.
    pub fn eta(&self) -> Option<f64> {
        self.eta
    }

    /// Jobs in order of first appearance.
    pub fn jobs(&self) -> &[JobState] {
        &self.jobs
    }

    /// One job by ID.
    pub fn job(&self, id: &str) -> Option<&JobState> {
        self.jobs.iter().find(|j| j.id.eq_ignore_ascii_case(id))
    }

    /// `numberOfMedia` (updated by a REST sync).
    pub fn number_of_media(&self) -> u32 {
        self.number_of_media
    }

    /// `steps` (updated by a REST sync).
    pub fn steps(&self) -> Option<u32> {
        self.steps
    }

    /// `numberOfPreviews` (updated by a REST sync).
    pub fn number_of_previews(&self) -> Option<u32> {
        self.number_of_previews
    }

    /// Why the project failed.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// When the last event for this project arrived (for the staleness watchdog).
    pub fn last_update_ms(&self) -> Option<f64> {
        self.last_update_ms
    }

    /// `completed`, `failed` or `canceled`.
    pub fn is_finished(&self) -> bool {
        self.status.is_finished()
    }

    /// Has any server frame or record mentioned the project (the server admitted it)?
    pub fn is_admitted(&self) -> bool {
        self.admitted
    }

    /// `waitForCompletion` has its answer (see [`Self::completion`]).
    pub fn is_settled(&self) -> bool {
        self.outcome.is_some()
    }

    /// The non-null result URLs, in job order.
    pub fn result_urls(&self) -> Vec<String> {
        self.jobs
            .iter()
            .filter_map(|j| j.result_url.clone())
            .filter(|u| !u.is_empty())
            .collect()
    }

    /// Project progress, 0–100 (see [`job::project_progress`]).
    pub fn progress(&self, now_ms: f64) -> u32 {
        job::project_progress(
            &self.jobs,
            self.number_of_media,
            self.status == ProjectStatus::Completed,
            now_ms,
        )
    }

    /// The answer of `waitForCompletion()`, once there is one: the result URLs when the
    /// project completed and every job seen is finished (fewer jobs than `numberOfMedia`
    /// never hangs); the error when it failed; "Project canceled" when it was canceled.
    pub fn completion(&self) -> Option<Result<Vec<String>, Error>> {
        if let Some(outcome) = &self.outcome {
            return Some(outcome.clone());
        }
        match self.status {
            ProjectStatus::Canceled => Some(Err(Error::Aborted {
                message: "Project canceled".into(),
            })),
            ProjectStatus::Failed => Some(Err(self.error.clone().unwrap_or(Error::Job {
                code: 0,
                original_code: None,
                message: "Project failed".into(),
            }))),
            ProjectStatus::Completed if self.all_jobs_done() && self.jobs_accounted_for() => {
                Some(Ok(self.result_urls()))
            }
            _ => None,
        }
    }

    fn all_jobs_done(&self) -> bool {
        self.jobs
            .iter()
            .all(|j| j.is_finished() && !j.awaiting_result_url())
    }

    /// Every job the project asked for is known, or the server's record of the finished
    /// project has had its say. A `jobCompleted` that overtook job frames lost with a dropped
    /// connection must not resolve `waitForCompletion` with fewer results than the server
    /// made: the record ([`Effect::SyncRecord`]) brings the missing jobs first.
    fn jobs_accounted_for(&self) -> bool {
        self.record_checked || self.jobs.len() >= self.number_of_media as usize
    }

    /// The record asked for by [`Effect::SyncRecord`] could not be had (an error or 404): the
    /// project settles with the jobs it knows.
    pub fn record_unavailable(&mut self, now_ms: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        self.record_has_had_its_say(now_ms, &mut out);
        out
    }

    /// No more jobs will come: the project may settle with the ones it knows.
    fn record_has_had_its_say(&mut self, now: f64, out: &mut Vec<Effect>) {
        if !self.record_checked {
            self.record_checked = true;
            self.settle(now, out);
        }
    }

    // ---------------------------------------------------------------- events in

    /// Folds one server event into the project. Events for other projects, and every event
    /// after a cancel, change nothing. `artistCancelConfirmation` is not handled here: the
    /// caller's `cancel()` waits for it and then calls [`Self::cancel_confirmed`].
    pub fn apply(&mut self, event: &ServerEvent, now_ms: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        if event.project_id() != Some(self.id.as_str()) || self.status == ProjectStatus::Canceled {
            return out;
        }
        self.last_update_ms = Some(now_ms);
        match event {
            ServerEvent::JobState(state) => {
                self.admitted = true;
                self.on_job_state(state, now_ms, &mut out);
            }
            ServerEvent::JobProgress(p) => {
                self.admitted = true;
                self.on_progress(p, now_ms, &mut out);
            }
            ServerEvent::JobEta(e) => {
                self.admitted = true;
                self.on_eta(e, now_ms, &mut out);
            }
            ServerEvent::JobResult(r) => {
                self.admitted = true;
                self.on_result(r, now_ms, &mut out);
            }
            ServerEvent::JobError(e) => self.on_error(e, now_ms, &mut out),
            ServerEvent::JobRetry(r) => {
                self.admitted = true;
                self.on_retry(r, now_ms, &mut out);
            }
            _ => {}
        }
        if matches!(
            self.status,
            ProjectStatus::Completed | ProjectStatus::Failed
        ) && !self.sync_requested
        {
            self.sync_requested = true;
            out.push(Effect::SyncRecord);
        }
        out
    }

    fn on_job_state(&mut self, state: &wire::JobState, now: f64, out: &mut Vec<Effect>) {
        match state {
            wire::JobState::Queued(q) => {
                if self.is_finished() {
                    return;
                }
                let mut keys = Keys::new();
                set(&mut self.status, ProjectStatus::Queued, "status", &mut keys);
                if let Some(pos) = q.queue_position {
                    set(&mut self.queue_position, pos, "queuePosition", &mut keys);
                }
                let queue_status = q.queue_status.as_deref().and_then(QueueStatus::parse);
                set(
                    &mut self.queue_status,
                    queue_status,
                    "queueStatus",
                    &mut keys,
                );
                let start = q.estimated_start_seconds.map(|s| now + s * 1000.0);
                set(
                    &mut self.estimated_start_at,
                    start,
                    "estimatedStartAt",
                    &mut keys,
                );
                self.project_changed(keys, now, out);
            }
            wire::JobState::InitiatingModel(w) | wire::JobState::JobStarted(w) => {
                let Some(img) = w.img_id.as_deref() else {
                    return;
                };
                let status = if matches!(state, wire::JobState::JobStarted(_)) {
                    JobStatus::Processing
                } else {
                    JobStatus::Initiating
                };
                let Some(idx) = self.job_for(img, w.job_index, now, out) else {
                    return;
                };
                self.clear_queue_estimate(now, out);
                self.update_job(idx, now, out, |j, keys| {
                    if !j.is_finished() && !j.awaiting_result_url() && rank(status) > rank(j.status)
                    {
                        set(&mut j.status, status, "status", keys);
                    }
                    // Absent fields keep their value (the official client overwrites them
                    // with `undefined`, dropping a dynamic prompt on the next frame).
                    if w.worker_name.is_some() {
                        set(
                            &mut j.worker_name,
                            w.worker_name.clone(),
                            "workerName",
                            keys,
                        );
                    }
                    if w.positive_prompt.is_some() {
                        let p = w.positive_prompt.clone();
                        set(&mut j.positive_prompt, p, "positivePrompt", keys);
                    }
                    if w.negative_prompt.is_some() {
                        let p = w.negative_prompt.clone();
                        set(&mut j.negative_prompt, p, "negativePrompt", keys);
                    }
                    if w.job_index.is_some() {
                        set(&mut j.job_index, w.job_index, "jobIndex", keys);
                    }
                });
            }
            wire::JobState::JobCompleted { .. } => self.mark_completed(now, out),
            _ => {}
        }
    }

    fn mark_completed(&mut self, now: f64, out: &mut Vec<Effect>) {
        if self.is_settled() || self.is_finished() {
            return;
        }
        self.status = ProjectStatus::Completed;
        self.project_changed(vec!["status"], now, out);
    }

    fn on_progress(&mut self, p: &wire::JobProgress, now: f64, out: &mut Vec<Effect>) {
        let Some(img) = p.img_id.as_deref() else {
            return;
        };
        let Some(idx) = self.job_for(img, None, now, out) else {
            return;
        };
        self.clear_queue_estimate(now, out);
        let job = &self.jobs[idx];
        if job.is_finished() || job.awaiting_result_url() {
            return; // progress after the result
        }
        self.update_job(idx, now, out, |j, keys| {
            if rank(j.status) < rank(JobStatus::Processing) {
                set(&mut j.status, JobStatus::Processing, "status", keys);
            }
            if let Some(step) = p.step {
                let step = to_u32(step).max(j.step);
                set(&mut j.step, step, "step", keys);
            }
            if let Some(count) = p.step_count {
                set(&mut j.step_count, to_u32(count), "stepCount", keys);
            }
            if let Some(progress) = p.progress {
                set(
                    &mut j.progress_external,
                    Some(progress),
                    "externalProgress",
                    keys,
                );
            }
            if let (Some(min), Some(max)) = (p.eta_min, p.eta_max) {
                if max > 0.0 {
                    set(
                        &mut j.eta_range,
                        Some(EtaRange { min, max }),
                        "etaRange",
                        keys,
                    );
                }
            }
        });
        if !self.is_finished() && self.status != ProjectStatus::Processing {
            self.status = ProjectStatus::Processing;
            self.project_changed(vec!["status"], now, out);
        }
        if p.has_image {
            out.push(Effect::FetchPreviewUrl {
                job_id: self.jobs[idx].id.clone(),
            });
        }
    }

    fn on_eta(&mut self, e: &wire::JobEta, now: f64, out: &mut Vec<Effect>) {
        // Without imgID the frame only keeps the project alive (no phantom job).
        let (Some(img), Some(seconds)) = (e.img_id.as_deref(), e.eta_seconds) else {
            return;
        };
        let Some(idx) = self.job_for(img, None, now, out) else {
            return;
        };
        self.clear_queue_estimate(now, out);
        if self.jobs[idx].is_finished() {
            return;
        }
        let eta = now + seconds * 1000.0;
        self.update_job(idx, now, out, |j, keys| {
            if j.eta != Some(eta) {
                set(&mut j.eta, Some(eta), "eta", keys);
                let left = job::js_round(seconds);
                set(&mut j.eta_seconds, Some(left), "etaSeconds", keys);
                if j.eta_started_at.is_none() {
                    set(&mut j.eta_started_at, Some(now), "etaStartedAt", keys);
                }
            }
        });
        self.refresh_eta(now, out);
    }

    fn refresh_eta(&mut self, now: f64, out: &mut Vec<Effect>) {
        let latest = self
            .jobs
            .iter()
            .filter_map(|j| j.eta)
            .fold(None, |m: Option<f64>, e| Some(m.map_or(e, |m| m.max(e))));
        let mut keys = Keys::new();
        set(&mut self.eta, latest, "eta", &mut keys);
        self.project_changed(keys, now, out);
    }

    fn on_result(&mut self, r: &wire::JobResult, now: f64, out: &mut Vec<Effect>) {
        let Some(img) = r.img_id.as_deref() else {
            return;
        };
        let Some(idx) = self.job_for(img, None, now, out) else {
            return;
        };
        self.clear_queue_estimate(now, out);
        let job = &self.jobs[idx];
        if job.is_finished() || job.awaiting_result_url() {
            return; // the same result twice
        }
        let direct = r.direct_url().map(str::to_string);
        let deliverable = !r.withheld() || self.disable_nsfw_filter;
        if direct.is_none() && deliverable && !r.user_canceled {
            let job = &mut self.jobs[idx];
            job.pending_result = Some(Box::new(r.clone()));
            out.push(Effect::FetchResultUrl {
                job_id: job.id.clone(),
            });
            return;
        }
        self.finish_job(idx, r, direct, now, out);
    }

    fn finish_job(
        &mut self,
        idx: usize,
        r: &wire::JobResult,
        url: Option<String>,
        now: f64,
        out: &mut Vec<Effect>,
    ) {
        self.update_job(idx, now, out, |j, keys| {
            j.pending_result = None;
            let status = if r.user_canceled {
                JobStatus::Canceled
            } else {
                JobStatus::Completed
            };
            let step = match r.performed_step_count {
                Some(n) => to_u32(n),
                None if j.step_count > 0 => j.step_count,
                None => j.step,
            };
            set(&mut j.step, step, "step", keys);
            let seed = r.last_seed.or(j.seed);
            set(&mut j.seed, seed, "seed", keys);
            set(&mut j.result_url, url, "resultUrl", keys);
            if r.last_frame_url.is_some() {
                set(
                    &mut j.last_frame_url,
                    r.last_frame_url.clone(),
                    "lastFrameUrl",
                    keys,
                );
            }
            if r.output_format.is_some() {
                set(
                    &mut j.output_format,
                    r.output_format.clone(),
                    "outputFormat",
                    keys,
                );
            }
            if r.provenance.is_some() {
                set(&mut j.provenance, r.provenance.clone(), "provenance", keys);
            }
            set(&mut j.is_nsfw, r.triggered_nsfw_filter, "isNSFW", keys);
            set(&mut j.nsfw_detected, r.nsfw_detected, "nsfwDetected", keys);
            set(
                &mut j.nsfw_sources,
                r.nsfw_sources.clone(),
                "nsfwSources",
                keys,
            );
            set(&mut j.user_canceled, r.user_canceled, "userCanceled", keys);
            // Status last, so listeners of `completed` see the URL (and the step) already set.
            set(&mut j.status, status, "status", keys);
        });
    }

    fn on_error(&mut self, e: &wire::JobError, now: f64, out: &mut Vec<Effect>) {
        let error = e.to_error();
        let Some(img) = e.img_id.as_deref() else {
            let (code, _) = e.code();
            if code == 1001
                && !self.admitted
                && self.resubmits < MAX_RESUBMITS
                && !self.is_finished()
            {
                // 5.54: "server restarting, project not admitted" is resent (the server
                // refused it, so a resubmit can never run it twice).
                self.resubmits += 1;
                out.push(Effect::Resubmit);
                return;
            }
            self.admitted = true;
            self.fail_project(error, now, out);
            return;
        };
        self.admitted = true;
        let Some(idx) = self.job_for(img, None, now, out) else {
            return;
        };
        self.clear_queue_estimate(now, out);
        let job = &self.jobs[idx];
        if job.is_finished() || job.awaiting_result_url() {
            return; // a terminal job cannot fail again
        }
        self.update_job(idx, now, out, |j, keys| {
            set(&mut j.error, Some(error.clone()), "error", keys);
            set(&mut j.status, JobStatus::Failed, "status", keys);
        });
        let expected = self.number_of_media as usize;
        let all_failed =
            self.jobs.len() >= expected && self.jobs.iter().all(|j| j.status == JobStatus::Failed);
        if self.number_of_media == 1 || all_failed {
            self.fail_project(error, now, out);
        }
    }

    fn fail_project(&mut self, error: Error, now: f64, out: &mut Vec<Effect>) {
        if self.is_settled()
            || matches!(self.status, ProjectStatus::Failed | ProjectStatus::Canceled)
        {
            return;
        }
        let mut keys = Keys::new();
        set(&mut self.status, ProjectStatus::Failed, "status", &mut keys);
        set(&mut self.error, Some(error), "error", &mut keys);
        self.project_changed(keys, now, out);
    }

    fn on_retry(&mut self, r: &wire::JobRetry, now: f64, out: &mut Vec<Effect>) {
        if self.is_finished() {
            return;
        }
        let by_id = r
            .img_id
            .as_deref()
            .and_then(|img| self.jobs.iter().position(|j| j.id == img));
        let by_index = || {
            r.job_index
                .and_then(|ix| self.jobs.iter().position(|j| j.job_index == Some(ix)))
        };
        let Some(idx) = by_id.or_else(by_index) else {
            return;
        };
        let job = &self.jobs[idx];
        if job.is_finished() || job.awaiting_result_url() {
            return;
        }
        if !self.awaiting_reassignment.contains(&job.id) {
            self.awaiting_reassignment.push(job.id.clone());
        }
        let index = r.job_index;
        self.update_job(idx, now, out, |j, keys| {
            set(&mut j.status, JobStatus::Pending, "status", keys);
            if index.is_some() {
                set(&mut j.job_index, index, "jobIndex", keys);
            }
            reset_attempt(j, keys);
        });
        self.refresh_eta(now, out);
    }

    // ---------------------------------------------------------------- calls in

    /// The result URL of a job that was waiting for it ([`Effect::FetchResultUrl`]); `None`
    /// when minting failed (the job then completes without a URL, as in the official
    /// client). Also fills in the URL of a completed job that had none.
    pub fn set_result_url(
        &mut self,
        job_id: &str,
        url: Option<String>,
        now_ms: f64,
    ) -> Vec<Effect> {
        let mut out = Vec::new();
        let Some(idx) = self.index_of(job_id) else {
            return out;
        };
        if self.status == ProjectStatus::Canceled {
            return out;
        }
        if let Some(result) = self.jobs[idx].pending_result.take() {
            self.finish_job(idx, &result, url, now_ms, &mut out);
        } else if self.jobs[idx].status == JobStatus::Completed
            && self.jobs[idx].result_url.is_none()
            && url.is_some()
        {
            self.update_job(idx, now_ms, &mut out, |j, keys| {
                set(&mut j.result_url, url, "resultUrl", keys)
            });
        }
        out
    }

    /// A freshly signed URL of a job's exported last frame (`Job.getLastFrameUrl()`).
    pub fn set_last_frame_url(&mut self, job_id: &str, url: String, now_ms: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        if let Some(idx) = self.index_of(job_id) {
            self.update_job(idx, now_ms, &mut out, |j, keys| {
                set(&mut j.last_frame_url, Some(url), "lastFrameUrl", keys)
            });
        }
        out
    }

    /// The preview URL of a job ([`Effect::FetchPreviewUrl`]); the latest wins.
    pub fn set_preview_url(&mut self, job_id: &str, url: String, now_ms: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        if let Some(idx) = self.index_of(job_id) {
            if self.status != ProjectStatus::Canceled {
                self.update_job(idx, now_ms, &mut out, |j, keys| {
                    set(&mut j.preview_url, Some(url), "previewUrl", keys)
                });
            }
        }
        out
    }

    /// The server confirmed the cancel (`artistCancelConfirmation {didCancel:true}`):
    /// unfinished jobs and the project become `canceled`, and [`Self::completion`] answers
    /// "Project canceled". A finished project is left alone.
    pub fn cancel_confirmed(&mut self, now_ms: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.is_finished() {
            return out;
        }
        for idx in 0..self.jobs.len() {
            if !self.jobs[idx].is_finished() {
                self.update_job(idx, now_ms, &mut out, |j, keys| {
                    j.pending_result = None;
                    set(&mut j.status, JobStatus::Canceled, "status", keys);
                });
            }
        }
        self.status = ProjectStatus::Canceled;
        self.project_changed(vec!["status"], now_ms, &mut out);
        out
    }

    /// Fails the project with this error (watchdog timeout, lost project, failed resubmit).
    /// Does nothing once `waitForCompletion` has its answer.
    pub fn fail(&mut self, error: Error, now_ms: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        self.fail_project(error, now_ms, &mut out);
        out
    }

    /// Fails every unfinished job with this error (job runtime limit, staleness strikes);
    /// the project itself is failed with [`Self::fail`].
    pub fn fail_jobs(&mut self, error: Error, now_ms: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.is_settled() || self.status == ProjectStatus::Canceled {
            return out;
        }
        for idx in 0..self.jobs.len() {
            let job = &self.jobs[idx];
            if !job.is_finished() && !job.awaiting_result_url() {
                self.update_job(idx, now_ms, &mut out, |j, keys| {
                    set(&mut j.error, Some(error.clone()), "error", keys);
                    set(&mut j.status, JobStatus::Failed, "status", keys);
                });
            }
        }
        out
    }

    /// Brings the project up to date from a server-side record: the REST `/v1/projects/{id}`
    /// answer (`{data:{project}}`, a raw project), the 5.54 `/v2/projects/{id}` snapshot, or a
    /// `RecoveredProject` from `authenticated.activeProjects`/`unclaimedCompletedProjects`.
    /// Jobs the client missed are replayed as the frames a live socket would have delivered
    /// (results may ask for URLs); nothing already finished is downgraded. The record may
    /// complete, fail or cancel the project: this is how a completion is recovered.
    pub fn sync_from_record(&mut self, record: &Value, now_ms: f64) -> Result<Vec<Effect>, Error> {
        let raw = record
            .pointer("/data/project")
            .or_else(|| record.get("project"))
            .unwrap_or(record);
        let bad = |m: &str| Error::Protocol {
            message: format!("project record: {m}"),
        };
        if !raw.is_object() {
            return Err(bad("not an object"));
        }
        if let Some(id) = raw.get("id").and_then(Value::as_str) {
            if !id.eq_ignore_ascii_case(&self.id) {
                return Err(bad("it is about another project"));
            }
        }
        let mut out = Vec::new();
        if self.status == ProjectStatus::Canceled {
            return Ok(out);
        }
        self.admitted = true;
        self.replaying = true;
        self.sync_params(raw, now_ms, &mut out);
        let step_count = raw.get("stepCount").and_then(Value::as_f64);
        let mut seen: Vec<String> = Vec::new();
        for list in ["completedWorkerJobs", "workerJobs"] {
            let Some(jobs) = raw.get(list).and_then(Value::as_array) else {
                continue;
            };
            for job in jobs {
                let Some(img) = job.get("imgID").and_then(Value::as_str) else {
                    continue;
                };
                let img = img.to_ascii_uppercase();
                if img.is_empty() || seen.contains(&img) {
                    continue;
                }
                seen.push(img.clone());
                self.sync_job(&img, job, step_count, now_ms, &mut out);
            }
        }
        let status = raw.get("status").and_then(Value::as_str).unwrap_or("");
        let reason = raw.get("reason").and_then(Value::as_str).unwrap_or("");
        self.replaying = false;
        let status = ProjectStatus::from_record(status);
        if status == Some(ProjectStatus::Completed) {
            // A finished project's record lists all its jobs: what it lacks never comes.
            self.record_has_had_its_say(now_ms, &mut out);
        }
        self.sync_status(status, reason, now_ms, &mut out);
        Ok(out)
    }

    fn sync_params(&mut self, raw: &Value, now: f64, out: &mut Vec<Effect>) {
        let count = |key: &str| {
            raw.get(key)
                .and_then(Value::as_f64)
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(to_u32)
        };
        let mut keys = Keys::new();
        if let Some(n) = count("imageCount").filter(|n| *n > 0) {
            set(&mut self.number_of_media, n, "params", &mut keys);
        }
        if let Some(n) = count("stepCount") {
            set(&mut self.steps, Some(n), "params", &mut keys);
        }
        if let Some(n) = count("previewCount") {
            set(&mut self.number_of_previews, Some(n), "params", &mut keys);
        }
        keys.dedup();
        self.project_changed(keys, now, out);
    }

    fn sync_job(
        &mut self,
        img: &str,
        job: &Value,
        step_count: Option<f64>,
        now: f64,
        out: &mut Vec<Effect>,
    ) {
        let local = self.index_of(img);
        if local.is_some_and(|i| self.jobs[i].awaiting_result_url()) {
            return;
        }
        let finished = local.is_some_and(|i| self.jobs[i].is_finished());
        let str_of = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        let worker = job.get("worker");
        let worker_name = str_of(worker.and_then(|w| w.get("username")))
            .or_else(|| str_of(worker.and_then(|w| w.get("name"))));
        let status = job.get("status").and_then(Value::as_str).unwrap_or("");
        let project_id = Value::String(self.id.clone());
        match JobStatus::from_record(status) {
            Some(JobStatus::Completed) => {
                let result = record_result(&self.id, img, job);
                match local {
                    Some(idx) if finished => {
                        self.refresh_receipt(idx, job, &result, now, out);
                        self.refill_url(idx, &result, now, out);
                    }
                    _ => {
                        if let Some(name) = worker_name {
                            let Some(idx) = self.job_for(img, None, now, out) else {
                                return;
                            };
                            if self.jobs[idx].worker_name.is_none() {
                                self.update_job(idx, now, out, |j, keys| {
                                    set(&mut j.worker_name, Some(name), "workerName", keys)
                                });
                            }
                        }
                        self.on_result(&result, now, out);
                    }
                }
            }
            Some(JobStatus::Failed) if !finished => {
                let reason = str_of(job.get("reason")).filter(|r| !r.is_empty());
                let reason = reason.unwrap_or_else(|| "genfailure".into());
                let message = if reason == "sensitiveContent" {
                    "Sensitive content detected.".to_string()
                } else {
                    reason.clone()
                };
                let e = serde_json::json!({"jobID": project_id, "imgID": img, "isFromWorker": true,
                                            "error": reason, "error_message": message});
                if let Ok(ServerEvent::JobError(err)) = wire::parse_event("jobError", &e) {
                    self.on_error(&err, now, out);
                }
            }
            Some(s @ (JobStatus::Initiating | JobStatus::Processing)) if !finished => {
                let kind = if s == JobStatus::Initiating {
                    "initiatingModel"
                } else {
                    "jobStarted"
                };
                let frame = serde_json::json!({"type": kind, "jobID": project_id, "imgID": img,
                                                "workerName": worker_name});
                if let Ok(ServerEvent::JobState(state)) = wire::parse_event("jobState", &frame) {
                    self.on_job_state(&state, now, out);
                }
                if s == JobStatus::Processing {
                    let performed = job.get("performedSteps").and_then(Value::as_f64);
                    if performed.is_some_and(|n| n > 0.0) || step_count.is_some() {
                        let progress = wire::JobProgress {
                            job_id: self.id.clone(),
                            img_id: Some(img.to_string()),
                            has_image: false,
                            step: Some(performed.unwrap_or(0.0)),
                            step_count,
                            progress: None,
                            eta_seconds: None,
                            eta_min: None,
                            eta_max: None,
                        };
                        self.on_progress(&progress, now, out);
                    }
                }
            }
            _ => {}
        }
    }

    /// A finished job takes the record's receipt fields when it carries them: the
    /// exported last frame, the provenance hashes and the safety signals' sources.
    fn refresh_receipt(
        &mut self,
        idx: usize,
        job: &Value,
        r: &wire::JobResult,
        now: f64,
        out: &mut Vec<Effect>,
    ) {
        let sources = job.get("nsfwSources").is_some_and(Value::is_array);
        self.update_job(idx, now, out, |j, keys| {
            if r.last_frame_url.is_some() {
                set(
                    &mut j.last_frame_url,
                    r.last_frame_url.clone(),
                    "lastFrameUrl",
                    keys,
                );
            }
            if r.provenance.is_some() {
                set(&mut j.provenance, r.provenance.clone(), "provenance", keys);
            }
            if sources {
                set(
                    &mut j.nsfw_sources,
                    r.nsfw_sources.clone(),
                    "nsfwSources",
                    keys,
                );
            }
        });
    }

    /// A completed job the client holds without a URL gets one from a later record.
    fn refill_url(&mut self, idx: usize, r: &wire::JobResult, now: f64, out: &mut Vec<Effect>) {
        let job = &self.jobs[idx];
        if job.status != JobStatus::Completed || job.result_url.is_some() || job.user_canceled {
            return;
        }
        if let Some(url) = r.direct_url() {
            let url = Some(url.to_string());
            self.update_job(idx, now, out, |j, keys| {
                set(&mut j.result_url, url, "resultUrl", keys)
            });
        } else if !job.is_withheld() || self.disable_nsfw_filter {
            let job_id = job.id.clone();
            out.push(Effect::FetchResultUrl { job_id });
        }
    }

    fn sync_status(
        &mut self,
        status: Option<ProjectStatus>,
        reason: &str,
        now: f64,
        out: &mut Vec<Effect>,
    ) {
        if self.is_settled() {
            return;
        }
        match status {
            Some(ProjectStatus::Completed) => self.mark_completed(now, out),
            Some(ProjectStatus::Failed) => {
                let reason = if reason.is_empty() || reason == "allJobsCompleted" {
                    "genfailure"
                } else {
                    reason
                };
                let (code, original_code) = Error::job_code(&Value::String(reason.into()));
                let error = Error::Job {
                    code,
                    original_code,
                    message: reason.to_string(),
                };
                self.fail_jobs_quietly(&error, now, out);
                self.fail_project(error, now, out);
            }
            Some(ProjectStatus::Canceled) => {
                if matches!(self.status, ProjectStatus::Failed) {
                    return;
                }
                for idx in 0..self.jobs.len() {
                    if !self.jobs[idx].is_finished() {
                        self.update_job(idx, now, out, |j, keys| {
                            j.pending_result = None;
                            set(&mut j.status, JobStatus::Canceled, "status", keys);
                        });
                    }
                }
                self.status = ProjectStatus::Canceled;
                self.project_changed(vec!["status"], now, out);
            }
            Some(ProjectStatus::Queued) if self.status == ProjectStatus::Pending => {
                self.status = ProjectStatus::Queued;
                self.project_changed(vec!["status"], now, out);
            }
            Some(ProjectStatus::Processing)
                if matches!(self.status, ProjectStatus::Pending | ProjectStatus::Queued) =>
            {
                self.status = ProjectStatus::Processing;
                self.project_changed(vec!["status"], now, out);
            }
            _ => {}
        }
    }

    fn fail_jobs_quietly(&mut self, error: &Error, now: f64, out: &mut Vec<Effect>) {
        for idx in 0..self.jobs.len() {
            let job = &self.jobs[idx];
            if !job.is_finished() && !job.awaiting_result_url() {
                self.update_job(idx, now, out, |j, keys| {
                    set(&mut j.error, Some(error.clone()), "error", keys);
                    set(&mut j.status, JobStatus::Failed, "status", keys);
                });
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

    fn index_of(&self, id: &str) -> Option<usize> {
        self.jobs.iter().position(|j| j.id.eq_ignore_ascii_case(id))
    }

    /// The job for this `imgID`: known, a reclaimed retry, or a new one (`None`: a job never
    /// seen, named by a live frame after the project settled).
    fn job_for(
        &mut self,
        img: &str,
        job_index: Option<i64>,
        now: f64,
        out: &mut Vec<Effect>,
    ) -> Option<usize> {
        if let Some(idx) = self.index_of(img) {
            return Some(idx);
        }
        if self.is_settled() && !self.replaying {
            // `waitForCompletion` has its answer: a live frame about a job never seen
            // cannot change it (a REST sync may still add the job).
            return None;
        }
        if let Some(idx) = self.find_reassigned(job_index) {
            let from = self.jobs[idx].id.clone();
            self.awaiting_reassignment.retain(|id| *id != from);
            out.push(Effect::JobRenamed {
                from,
                to: img.to_string(),
            });
            self.update_job(idx, now, out, |j, keys| {
                set(&mut j.id, img.to_string(), "id", keys);
                // A new attempt starts over; the frame that named it moves it forward.
                set(&mut j.status, JobStatus::Pending, "status", keys);
                reset_attempt(j, keys);
            });
            self.refresh_eta(now, out);
            return Some(idx);
        }
        // `jobIndex` and the rest are set by the caller's update, which reports the keys.
        let job = JobState::new(img, self.id.clone(), self.steps.unwrap_or(0));
        self.jobs.push(job);
        out.push(project_event(ProjectEvent::JobStarted(img.to_string())));
        Some(self.jobs.len() - 1)
    }

    /// An unfinished job holding this `jobIndex`, else the only job announced as waiting for
    /// a retry that has no index. Never a sibling's job.
    fn find_reassigned(&self, job_index: Option<i64>) -> Option<usize> {
        let open = |j: &JobState| !j.is_finished() && !j.awaiting_result_url();
        if let Some(ix) = job_index {
            if let Some(idx) = self
                .jobs
                .iter()
                .position(|j| open(j) && j.job_index == Some(ix))
            {
                return Some(idx);
            }
        }
        let waiting: Vec<usize> = (0..self.jobs.len())
            .filter(|&i| {
                let j = &self.jobs[i];
                open(j) && j.job_index.is_none() && self.awaiting_reassignment.contains(&j.id)
            })
            .collect();
        match waiting.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    }

    fn clear_queue_estimate(&mut self, now: f64, out: &mut Vec<Effect>) {
        let mut keys = Keys::new();
        set(
            &mut self.estimated_start_at,
            None,
            "estimatedStartAt",
            &mut keys,
        );
        set(&mut self.queue_status, None, "queueStatus", &mut keys);
        self.project_changed(keys, now, out);
    }

    /// Applies a job change and emits, in the official order: job `progress`, job
    /// `completed`/`failed` (+ project `jobCompleted`/`jobFailed`), the project's reaction
    /// (`progress`, `completed`/`failed`, `updated ['jobs']`), then job `updated`.
    fn update_job(
        &mut self,
        idx: usize,
        now: f64,
        out: &mut Vec<Effect>,
        change: impl FnOnce(&mut JobState, &mut Keys),
    ) {
        let mut keys = Keys::new();
        change(&mut self.jobs[idx], &mut keys);
        if keys.is_empty() {
            return;
        }
        let job = &self.jobs[idx];
        let id = job.id.clone();
        let progress_keys = ["step", "stepCount", "externalProgress", "eta"];
        if keys.iter().any(|k| progress_keys.contains(k)) {
            out.push(job_event(&id, JobEvent::Progress(job.progress(now))));
        }
        if keys.contains(&"status") {
            match job.status {
                JobStatus::Completed => {
                    out.push(job_event(&id, JobEvent::Completed(job.result_url.clone())));
                    out.push(project_event(ProjectEvent::JobCompleted(id.clone())));
                }
                JobStatus::Failed => {
                    let error = job.error.clone().unwrap_or(Error::Job {
                        code: 0,
                        original_code: None,
                        message: "Job failed".into(),
                    });
                    out.push(job_event(&id, JobEvent::Failed(error)));
                    out.push(project_event(ProjectEvent::JobFailed(id.clone())));
                }
                _ => {}
            }
        }
        self.project_changed(vec!["jobs"], now, out);
        out.push(job_event(&id, JobEvent::Updated(keys)));
    }

    /// The project's reaction to a change: `progress` when it moved, settling when the
    /// status or the jobs changed, then `updated` with the keys.
    fn project_changed(&mut self, keys: Keys, now: f64, out: &mut Vec<Effect>) {
        if keys.is_empty() {
            return;
        }
        let progress = self.progress(now);
        if self.last_progress != Some(progress) {
            self.last_progress = Some(progress);
            out.push(project_event(ProjectEvent::Progress(progress)));
        }
        if keys.contains(&"status") || keys.contains(&"jobs") {
            self.settle(now, out);
        }
        out.push(project_event(ProjectEvent::Updated(keys)));
    }

    fn settle(&mut self, now: f64, out: &mut Vec<Effect>) {
        if self.is_settled() {
            return;
        }
        let expected = self.number_of_media as usize;
        if self.status == ProjectStatus::Completed
            && !self.jobs.is_empty()
            && self.jobs.len() < expected
            && self.jobs.iter().all(|j| j.status == JobStatus::Failed)
        {
            // Beyond the official client: fewer jobs than requested, and all of them failed.
            let error = self.jobs.iter().rev().find_map(|j| j.error.clone());
            self.fail_project(
                error.unwrap_or(Error::Job {
                    code: 0,
                    original_code: None,
                    message: "Project failed".into(),
                }),
                now,
                out,
            );
            return;
        }
        match self.completion() {
            Some(Ok(urls)) => {
                self.outcome = Some(Ok(urls.clone()));
                out.push(project_event(ProjectEvent::Completed(urls)));
            }
            Some(Err(error)) => {
                self.outcome = Some(Err(error.clone()));
                if self.status == ProjectStatus::Failed {
                    out.push(project_event(ProjectEvent::Failed(error)));
                }
            }
            None => {}
        }
    }
}

/// Clears what an abandoned worker reported (its numbers describe work that no longer exists).
fn reset_attempt(j: &mut JobState, keys: &mut Keys) {
    j.pending_result = None;
    set(&mut j.step, 0, "step", keys);
    set(&mut j.worker_name, None, "workerName", keys);
    set(&mut j.preview_url, None, "previewUrl", keys);
    set(&mut j.progress_external, None, "externalProgress", keys);
    set(&mut j.eta, None, "eta", keys);
    set(&mut j.eta_started_at, None, "etaStartedAt", keys);
    set(&mut j.eta_seconds, None, "etaSeconds", keys);
    set(&mut j.eta_range, None, "etaRange", keys);
}

/// The `jobResult` a live socket would have sent for a completed REST worker job.
fn record_result(project_id: &str, img: &str, job: &Value) -> wire::JobResult {
    let get = |k: &str| job.get(k);
    let str_of = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let nested = |k: &str| str_of(job.get("result").and_then(|r| r.get(k)));
    let url = [
        "resultUrl",
        "imageUrl",
        "imageFile",
        "videoUrl",
        "videoFile",
    ]
    .into_iter()
    .find_map(|k| str_of(get(k)));
    wire::JobResult {
        job_id: project_id.to_string(),
        img_id: Some(img.to_string()),
        performed_step_count: get("performedSteps").and_then(Value::as_f64),
        last_seed: get("seedUsed").and_then(|s| {
            s.as_u64()
                .or_else(|| s.as_str().and_then(|t| t.trim().parse().ok()))
        }),
        user_canceled: get("reason").and_then(Value::as_str) == Some("artistCanceled"),
        triggered_nsfw_filter: get("triggeredNSFWFilter") == Some(&Value::Bool(true)),
        nsfw_detected: get("nsfwDetected") == Some(&Value::Bool(true)),
        nsfw_sources: get("nsfwSources")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        result_url: url,
        video_url: None,
        video_file: None,
        last_frame_url: str_of(get("lastFrameUrl")).or_else(|| nested("lastFrameUrl")),
        output_format: str_of(get("outputFormat")).or_else(|| nested("outputFormat")),
        provenance: get("result").and_then(crate::protocol::provenance::job_provenance),
    }
}

/// `Job.fromRaw`.
#[path = "raw_job.rs"]
mod raw_job;

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
