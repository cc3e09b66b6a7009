//! Project and job records: what the emulator remembers about each `jobRequest`.

use super::request::JobRequest;
use crate::accounts::Account;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Lifecycle of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectStatus {
    /// Waiting for a worker.
    Queued,
    /// At least one job is rendering.
    Processing,
    /// Every job finished.
    Completed,
    /// Refused or failed as a whole.
    Failed,
    /// Cancelled by the artist.
    Canceled,
}

impl ProjectStatus {
    /// Has the project ended?
    pub fn finished(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Canceled)
    }

    /// The name `/v2/projects/{id}` uses.
    pub fn lookup_name(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
        }
    }

    /// The raw record name `/v1/projects/{id}` uses.
    pub fn raw_name(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Processing => "progress",
            Self::Completed => "completed",
            Self::Failed => "errored",
            Self::Canceled => "cancelled",
        }
    }
}

/// Lifecycle of one job (one media item).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Loading the model.
    Initiating,
    /// Rendering.
    Processing,
    /// Result delivered.
    Completed,
    /// Failed.
    Failed,
    /// Stopped by a cancel.
    Canceled,
}

/// One job of a project.
#[derive(Debug, Clone)]
pub struct JobRecord {
    /// Server-made job id (`imgID`), upper case.
    pub img_id: String,
    /// 0-based position in the project.
    pub index: u32,
    /// Current status.
    pub status: JobStatus,
    /// Steps done.
    pub performed_steps: u32,
    /// Seed used.
    pub seed: u64,
    /// Did the NSFW filter fire?
    pub nsfw: bool,
    /// The emulated worker's name.
    pub worker: String,
    /// Start time (ms).
    pub started_ms: u64,
    /// End time (ms), once finished.
    pub ended_ms: Option<u64>,
    /// Which safety signals fired (`prompt`), as `jobResult.nsfwSources` said.
    pub nsfw_sources: Vec<String>,
    /// The worker's result receipt (`sha256`, `sourceImageSha256`, …), as `jobResult` sent it.
    pub receipt: Value,
    /// The exported last frame (Seedance 2.5 `returnLastFrame`): its storage key and the
    /// signed URL `jobResult` carried.
    pub last_frame: Option<(String, String)>,
}

/// Mutable part of a project.
#[derive(Debug)]
pub struct ProjectState {
    /// Current status.
    pub status: ProjectStatus,
    /// Jobs in order of creation.
    pub jobs: Vec<JobRecord>,
    /// End time (ms), once finished.
    pub ended_ms: Option<u64>,
    /// Amount charged so far, in millionths.
    pub charged: i64,
    /// Finished while its appId had no socket: handed to that appId's next `authenticated`
    /// (once) until this time (ms), and listed by the sync route meanwhile.
    pub unclaimed_until: Option<u64>,
}

/// How long a project that finished while its appId was away is held for it (1 hour).
pub const UNCLAIMED_HOLD_MS: u64 = 3_600_000;

/// One project.
#[derive(Debug)]
pub struct Project {
    /// The request as parsed.
    pub request: JobRequest,
    /// Who submitted it.
    pub owner: Arc<Account>,
    /// The appId of the submitting connection.
    pub app_id: String,
    /// Network it runs on.
    pub network: String,
    /// Creation time (ms).
    pub created_ms: u64,
    /// Mutable state.
    pub state: Mutex<ProjectState>,
    /// Set to true to stop the workers.
    pub cancel: watch::Sender<bool>,
}

impl Project {
    /// A new queued project.
    pub fn new(request: JobRequest, owner: Arc<Account>, app_id: &str, network: &str) -> Self {
        Self {
            request,
            owner,
            app_id: app_id.to_string(),
            network: network.to_string(),
            created_ms: now_ms(),
            state: Mutex::new(ProjectState {
                status: ProjectStatus::Queued,
                jobs: Vec::new(),
                ended_ms: None,
                charged: 0,
                unclaimed_until: None,
            }),
            cancel: watch::channel(false).0,
        }
    }

    /// The project id.
    pub fn id(&self) -> &str {
        &self.request.project_id
    }

    /// Current status.
    pub fn status(&self) -> ProjectStatus {
        self.state.lock().unwrap().status
    }

    fn job_json(&self, job: &JobRecord) -> Value {
        let status = match job.status {
            JobStatus::Initiating => "initiatingModel",
            JobStatus::Processing => "jobProgress",
            JobStatus::Completed => "jobCompleted",
            JobStatus::Failed | JobStatus::Canceled => "jobError",
        };
        let reason = match job.status {
            JobStatus::Completed => "jobCompleted",
            JobStatus::Canceled => "artistCanceled",
            JobStatus::Failed => "genfailure",
            _ => "",
        };
        let mut v = json!({
            "id": job.img_id,
            "SID": format!("{}", job.index + 1),
            "imgID": job.img_id,
            "worker": {"name": job.worker, "username": job.worker},
            "createTime": job.started_ms,
            "startTime": job.started_ms,
            "updateTime": job.ended_ms.unwrap_or(job.started_ms),
            "endTime": job.ended_ms.unwrap_or(0),
            "status": status,
            "reason": reason,
            "performedSteps": job.performed_steps,
            "triggeredNSFWFilter": job.nsfw && !self.request.disable_safety,
            "nsfwDetected": job.nsfw && self.request.disable_safety,
            "seedUsed": job.seed,
            "jobIndex": job.index,
            "nsfwSources": job.nsfw_sources,
            "outputFormat": self.request.output_format,
        });
        // The receipt the socket persisted with the result (`RawJob.result`).
        if job.status == JobStatus::Completed {
            let mut receipt = job.receipt.clone();
            if !receipt.is_object() {
                receipt = json!({});
            }
            receipt["outputFormat"] = json!(self.request.output_format);
            if let Some((key, url)) = &job.last_frame {
                receipt["lastFrameKey"] = json!(key);
                v["lastFrameKey"] = json!(key);
                v["lastFrameUrl"] = json!(url);
            }
            v["result"] = receipt;
        }
        v
    }

    /// The record served by `/v1/projects/{id}` and, with lookup names, `/v2/projects/{id}`.
    pub fn record_json(&self, lookup: bool) -> Value {
        let st = self.state.lock().unwrap();
        let (done, running): (Vec<_>, Vec<_>) = st
            .jobs
            .iter()
            .partition(|j| !matches!(j.status, JobStatus::Initiating | JobStatus::Processing));
        let status = if lookup {
            st.status.lookup_name()
        } else {
            st.status.raw_name()
        };
        json!({
            "id": self.id(),
            "status": status,
            "finished": st.status.finished(),
            "model": {"id": self.request.model, "name": self.request.model},
            "artist": {"address": self.owner.address, "username": self.owner.username},
            "imageCount": self.request.count,
            "stepCount": self.request.steps,
            "previewCount": self.request.previews,
            "hasGuideImage": self.request.starting_image_keep.is_some(),
            "denoiseStrength": format!("{}", self.request.denoise()),
            "network": self.network,
            "createTime": self.created_ms,
            "updateTime": st.ended_ms.unwrap_or_else(now_ms),
            "endTime": st.ended_ms.unwrap_or(0),
            "reason": match st.status { ProjectStatus::Canceled => "artistCanceled", _ => "allJobsCompleted" },
            "workerJobs": running.iter().map(|j| self.job_json(j)).collect::<Vec<_>>(),
            "completedWorkerJobs": done.iter().map(|j| self.job_json(j)).collect::<Vec<_>>(),
        })
    }
}

impl Project {
    /// The `RecoveredProject` shape of the `authenticated` frame and `/api/v1/artist/projects/sync`:
    /// the raw record plus the appId and the original request (base64 JSON).
    pub fn recovered_json(&self) -> Value {
        use base64::Engine as _;
        let mut v = self.record_json(false);
        let raw = &self.request.raw;
        let request = serde_json::to_vec(raw).unwrap_or_default();
        let media = self.request.media.as_str();
        v["appId"] = json!(self.app_id);
        v["clientRequestData"] = json!(base64::engine::general_purpose::STANDARD.encode(request));
        v["width"] = json!(self.request.width);
        v["height"] = json!(self.request.height);
        v["model"]["type"] = json!(media);
        if media != "image" {
            v["modelType"] = json!(media);
        }
        if let Some(video) = &self.request.video {
            v["videoFrames"] = json!(video.frames);
            v["videoFps"] = json!(video.fps);
        }
        if let Some(preset) = raw
            .pointer("/keyFrames/0/sizePreset")
            .filter(|p| p.is_string())
        {
            v["sizePreset"] = preset.clone();
        }
        for key in ["appSource", "billingMode"] {
            if let Some(value) = raw.get(key).filter(|x| x.is_string()) {
                v[key] = value.clone();
            }
        }
        v["tokenType"] = json!(match self.request.token_type {
            crate::accounts::TokenType::Spark => "spark",
            crate::accounts::TokenType::Sogni => "sogni",
        });
        v
    }

    /// The project finished while its appId had no socket: hold it for that appId.
    pub fn hold_unclaimed(&self) {
        self.state.lock().unwrap().unclaimed_until = Some(now_ms() + UNCLAIMED_HOLD_MS);
    }

    /// Is the project held for its appId (finished while away, not yet delivered)?
    pub fn is_unclaimed(&self, now: u64) -> bool {
        let st = self.state.lock().unwrap();
        st.status.finished() && st.unclaimed_until.is_some_and(|t| t > now)
    }
}

/// All projects, by id.
#[derive(Debug, Default)]
pub struct ProjectStore {
    projects: Mutex<HashMap<String, Arc<Project>>>,
}

impl ProjectStore {
    /// Adds a project; false if its id is taken.
    pub fn insert(&self, project: Arc<Project>) -> bool {
        let mut map = self.projects.lock().unwrap();
        if map.contains_key(project.id()) {
            return false;
        }
        map.insert(project.id().to_string(), project);
        true
    }

    /// A project by id (any case).
    pub fn get(&self, id: &str) -> Option<Arc<Project>> {
        self.projects
            .lock()
            .unwrap()
            .get(&id.to_uppercase())
            .cloned()
    }

    /// Unfinished projects of `owner` (optionally only those of one appId).
    pub fn active_of(&self, owner: &str, app_id: Option<&str>) -> Vec<Arc<Project>> {
        self.projects
            .lock()
            .unwrap()
            .values()
            .filter(|p| p.owner.address.eq_ignore_ascii_case(owner))
            .filter(|p| app_id.is_none_or(|a| a == p.app_id))
            .filter(|p| !p.status().finished())
            .cloned()
            .collect()
    }

    /// `owner`'s finished projects held for their appId (optionally one appId), oldest
    /// first. Read-only: the sync route lists them as long as they are held.
    pub fn unclaimed_of(&self, owner: &str, app_id: Option<&str>) -> Vec<Arc<Project>> {
        let now = now_ms();
        let mut out: Vec<Arc<Project>> = self
            .projects
            .lock()
            .unwrap()
            .values()
            .filter(|p| p.owner.address.eq_ignore_ascii_case(owner))
            .filter(|p| app_id.is_none_or(|a| a == p.app_id))
            .filter(|p| p.is_unclaimed(now))
            .cloned()
            .collect();
        out.sort_by_key(|p| p.created_ms);
        out
    }

    /// [`Self::unclaimed_of`] one appId, delivered: they are no longer held (an
    /// `authenticated` hands each one over once).
    pub fn claim_unclaimed(&self, owner: &str, app_id: &str) -> Vec<Arc<Project>> {
        let claimed = self.unclaimed_of(owner, Some(app_id));
        for p in &claimed {
            p.state.lock().unwrap().unclaimed_until = None;
        }
        claimed
    }

    /// How many projects have ever been submitted.
    pub fn len(&self) -> usize {
        self.projects.lock().unwrap().len()
    }

    /// Are there none?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
