//! One job (one media item) of a project: its data and its progress maths.
//!
//! Jobs are created by the project state machine ([`super::state`]) on the first event that
//! names a new `imgID`; this module only holds the data and the pure computations.

use crate::protocol::events::JobResult;
use crate::Error;
use serde_json::Value;

/// Lifecycle of one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Seen, not yet on a worker (or waiting for a retry on another worker).
    Pending,
    /// A worker is loading the model.
    Initiating,
    /// A worker is rendering.
    Processing,
    /// Finished with a result (its URL may still be `None`: NSFW-withheld or not minted).
    Completed,
    /// Failed; see [`JobState::error`].
    Failed,
    /// Canceled (artist cancel, or `userCanceled` result).
    Canceled,
}

impl JobStatus {
    /// The official SDK's name for this status.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Initiating => "initiating",
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

    /// Maps a REST worker-job status (`created`, `jobStarted`, `jobError`, …).
    pub fn from_record(status: &str) -> Option<Self> {
        Some(match status {
            "created" | "queued" => Self::Pending,
            "assigned" | "initiatingModel" => Self::Initiating,
            "jobStarted" | "jobProgress" => Self::Processing,
            "jobCompleted" => Self::Completed,
            "jobError" => Self::Failed,
            _ => return None,
        })
    }
}

/// The worker's ETA confidence interval, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EtaRange {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
}

/// Everything known about one job. Field names follow the official `JobData`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobState {
    /// Job ID (`imgID`, upper-cased). Changes when a retried render is reclaimed.
    pub id: String,
    /// Project ID.
    pub project_id: String,
    /// Current status.
    pub status: JobStatus,
    /// Current step (never moves backwards within one attempt).
    pub step: u32,
    /// Total steps (starts at the project's `steps`, or 0).
    pub step_count: u32,
    /// External progress as received (0–1 or 0–100), from API-backed workers.
    pub progress_external: Option<f64>,
    /// Seed used; known once completed.
    pub seed: Option<u64>,
    /// The worker processing this job.
    pub worker_name: Option<String>,
    /// A safety signal fired (with the filter on this means the media was withheld).
    pub is_nsfw: bool,
    /// 5.54: the signal is a label on media that was delivered anyway (filter off).
    pub nsfw_detected: bool,
    /// 5.54: which safety signals fired.
    pub nsfw_sources: Vec<String>,
    /// The result was canceled by the artist.
    pub user_canceled: bool,
    /// The result URL; `None` until known, and for withheld or canceled results.
    pub result_url: Option<String>,
    /// The latest preview URL.
    pub preview_url: Option<String>,
    /// 5.54: exported final-frame URL.
    pub last_frame_url: Option<String>,
    /// 5.54: delivered output format.
    pub output_format: Option<String>,
    /// 5.54: worker-attested input/output hashes (`JobProvenance`), when the worker sent them.
    pub provenance: Option<Value>,
    /// Expected completion time, ms since the epoch (from `jobETA`).
    pub eta: Option<f64>,
    /// Seconds left at the last ETA update (deprecated in the official SDK; kept).
    pub eta_seconds: Option<f64>,
    /// When the first ETA of this attempt arrived, ms since the epoch.
    pub eta_started_at: Option<f64>,
    /// The worker's ETA interval.
    pub eta_range: Option<EtaRange>,
    /// Position of this render in the project.
    pub job_index: Option<i64>,
    /// Why the job failed.
    pub error: Option<Error>,
    /// Per-job prompt from dynamic prompts.
    pub positive_prompt: Option<String>,
    /// Per-job negative prompt from dynamic prompts.
    pub negative_prompt: Option<String>,
    /// A result arrived and its download URL is being minted; the job finishes when the
    /// URL (or its failure) is reported to the project.
    pub(crate) pending_result: Option<Box<JobResult>>,
}

impl JobState {
    /// A new `pending` job.
    pub fn new(id: impl Into<String>, project_id: impl Into<String>, step_count: u32) -> Self {
        Self {
            id: id.into(),
            project_id: project_id.into(),
            status: JobStatus::Pending,
            step: 0,
            step_count,
            progress_external: None,
            seed: None,
            worker_name: None,
            is_nsfw: false,
            nsfw_detected: false,
            nsfw_sources: Vec::new(),
            user_canceled: false,
            result_url: None,
            preview_url: None,
            last_frame_url: None,
            output_format: None,
            provenance: None,
            eta: None,
            eta_seconds: None,
            eta_started_at: None,
            eta_range: None,
            job_index: None,
            error: None,
            positive_prompt: None,
            negative_prompt: None,
            pending_result: None,
        }
    }

    /// `completed`, `failed` or `canceled`.
    pub fn is_finished(&self) -> bool {
        self.status.is_finished()
    }

    /// A result arrived and its URL is still being minted.
    pub fn awaiting_result_url(&self) -> bool {
        self.pending_result.is_some()
    }

    /// The server withheld the media (filter on, signal fired): nothing to download.
    pub fn is_withheld(&self) -> bool {
        self.is_nsfw && !self.nsfw_detected
    }

    /// Completed with media that exists (not withheld).
    pub fn has_result_media(&self) -> bool {
        self.status == JobStatus::Completed && !self.is_withheld()
    }

    /// Progress in percent (0–100), see [`job_progress`].
    pub fn progress(&self, now_ms: f64) -> u32 {
        job_progress(self, now_ms)
    }
}

/// The media a job's model produces (`Job.type`): `video`, `audio`, `model` (a 3D artifact)
/// or `image`, from the project's type and the model ID.
pub fn media_type(project_type: &str, model_id: &str) -> &'static str {
    if project_type == "video" || crate::projects::video::is_video_model(model_id) {
        "video"
    } else if project_type == "audio" || crate::projects::audio::is_audio_model(model_id) {
        "audio"
    } else if crate::projects::params::is_model_artifact_model(model_id) {
        "model"
    } else {
        "image"
    }
}

/// JavaScript `Math.round`: halves round up (towards +∞).
pub fn js_round(x: f64) -> f64 {
    let floor = x.floor();
    if x - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    }
}

/// Rounds and clamps to 0–100.
pub fn clamp_percent(value: f64) -> u32 {
    if value.is_nan() {
        return 0;
    }
    js_round(value).clamp(0.0, 100.0) as u32
}

/// External progress as a percentage: a value in 0–1 is a fraction (`0.3` → 30).
pub fn external_percent(value: f64) -> Option<u32> {
    if !value.is_finite() {
        return None;
    }
    Some(clamp_percent(if (0.0..=1.0).contains(&value) {
        value * 100.0
    } else {
        value
    }))
}

/// Progress estimated from the ETA: time elapsed since the first ETA over the whole span,
/// clamped to 1–95 (a lone ETA gives 1). `None` without a usable ETA.
pub fn eta_percent(started_at: Option<f64>, eta: Option<f64>, now_ms: f64) -> Option<u32> {
    let (started, eta) = (started_at?, eta?);
    let total = eta - started;
    if !total.is_finite() || total <= 0.0 {
        return None;
    }
    let elapsed = now_ms - started;
    if !elapsed.is_finite() || elapsed <= 0.0 {
        return Some(1);
    }
    Some(js_round(elapsed / total * 100.0).clamp(1.0, 95.0) as u32)
}

/// Job progress (0–100), in order: completed → 100; external progress; steps; ETA; 0.
pub fn job_progress(job: &JobState, now_ms: f64) -> u32 {
    if job.status == JobStatus::Completed {
        return 100;
    }
    if let Some(p) = job.progress_external.and_then(external_percent) {
        return p;
    }
    if job.step_count > 0 {
        return clamp_percent(f64::from(job.step) / f64::from(job.step_count) * 100.0);
    }
    eta_percent(job.eta_started_at, job.eta, now_ms).unwrap_or(0)
}

/// Project progress (0–100): the sum of job progress over `max(1, number_of_media)`;
/// jobs not yet seen count as 0. A completed project is 100.
pub fn project_progress(
    jobs: &[JobState],
    number_of_media: u32,
    completed: bool,
    now_ms: f64,
) -> u32 {
    if completed {
        return 100;
    }
    let total: f64 = jobs.iter().map(|j| f64::from(j.progress(now_ms))).sum();
    clamp_percent(total / f64::from(number_of_media.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> JobState {
        JobState::new("J", "P", 0)
    }

    #[test]
    fn rounding_follows_javascript() {
        assert_eq!(js_round(2.5), 3.0);
        assert_eq!(js_round(-2.5), -2.0);
        assert_eq!(js_round(0.49999999999999994), 0.0);
        assert_eq!(clamp_percent(f64::NAN), 0);
        assert_eq!(clamp_percent(250.0), 100);
        assert_eq!(clamp_percent(-4.0), 0);
    }

    #[test]
    fn external_progress_reads_fractions() {
        let mut j = job();
        j.step_count = 10;
        j.step = 9;
        j.progress_external = Some(0.3);
        assert_eq!(j.progress(0.0), 30);
        j.progress_external = Some(42.4);
        assert_eq!(j.progress(0.0), 42);
        j.progress_external = Some(1.0);
        assert_eq!(j.progress(0.0), 100);
        j.progress_external = Some(f64::INFINITY);
        assert_eq!(
            j.progress(0.0),
            90,
            "a bad external value falls back to steps"
        );
    }

    #[test]
    fn steps_then_eta_then_zero() {
        let mut j = job();
        assert_eq!(j.progress(0.0), 0);
        j.eta_started_at = Some(1_000.0);
        j.eta = Some(11_000.0);
        assert_eq!(j.progress(1_000.0), 1, "a lone ETA gives 1");
        assert_eq!(j.progress(6_000.0), 50);
        assert_eq!(j.progress(60_000.0), 95, "clamped to 95");
        j.eta = Some(500.0);
        assert_eq!(j.progress(6_000.0), 0, "an ETA in the past is unusable");
        j.step_count = 4;
        j.step = 1;
        assert_eq!(j.progress(6_000.0), 25);
        j.status = JobStatus::Completed;
        assert_eq!(j.progress(6_000.0), 100);
    }

    #[test]
    fn project_progress_counts_unseen_jobs_as_zero() {
        let mut a = JobState::new("A", "P", 4);
        a.step = 2;
        assert_eq!(
            project_progress(std::slice::from_ref(&a), 2, false, 0.0),
            25
        );
        a.status = JobStatus::Completed;
        assert_eq!(
            project_progress(std::slice::from_ref(&a), 2, false, 0.0),
            50
        );
        let mut b = JobState::new("B", "P", 4);
        b.step = 2;
        assert_eq!(project_progress(&[a.clone(), b], 2, false, 0.0), 75);
        assert_eq!(project_progress(&[], 0, false, 0.0), 0);
        assert_eq!(project_progress(&[], 2, true, 0.0), 100);
    }

    #[test]
    fn media_types() {
        assert_eq!(media_type("image", "flux1-schnell-fp8"), "image");
        assert_eq!(media_type("video", "anything"), "video");
        assert_eq!(media_type("audio", "ace_step_1.5"), "audio");
        assert_eq!(media_type("image", "pixal3d_int8_i23d"), "model");
    }

    #[test]
    fn statuses() {
        assert_eq!(
            JobStatus::from_record("jobProgress"),
            Some(JobStatus::Processing)
        );
        assert_eq!(JobStatus::from_record("nope"), None);
        assert!(JobStatus::Canceled.is_finished());
        assert!(!JobStatus::Initiating.is_finished());
        assert_eq!(JobStatus::Initiating.as_str(), "initiating");
    }
}
