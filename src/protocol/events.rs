//! Typed server → client socket events, read from a decoded envelope payload.
//!
//! [`parse_event`] turns `(type, payload)` into a [`ServerEvent`]. Reading is lenient the way
//! the official client is: a field of the wrong type reads as absent, unknown fields are
//! ignored, and unknown event names or `jobState` types become catch-all variants. Only what
//! routing needs is required (a string `jobID` on job events, an object payload); a payload
//! without it is an [`Error::Protocol`]. Like the official client, the top-level `jobID` and
//! `imgID` are upper-cased; an empty `imgID` reads as absent.

use crate::Error;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// One server → client event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// `authenticated`: the handshake snapshot sent right after the upgrade.
    Authenticated(Box<Authenticated>),
    /// `balanceUpdate`: the account balance, the only live balance source.
    BalanceUpdate(BalanceUpdate),
    /// `swarmModels`: model id → number of connected workers.
    SwarmModels(SwarmModels),
    /// `changeNetwork`: the connection's network changed (or the reply to a switch).
    ChangeNetwork(ChangeNetwork),
    /// `jobState`: project and job lifecycle.
    JobState(JobState),
    /// `jobProgress`: step progress of one job.
    JobProgress(JobProgress),
    /// `jobETA`: a job's time-remaining estimate.
    JobEta(JobEta),
    /// `jobResult`: one job (one media item) finished.
    JobResult(JobResult),
    /// `jobError`: a job error (with `imgID`) or a project error (without).
    JobError(JobError),
    /// `jobRetry` (5.54): one render was re-queued for another worker.
    JobRetry(JobRetry),
    /// `artistCancelConfirmation` (5.54): the server's answer to a cancel.
    ArtistCancelConfirmation(ArtistCancelConfirmation),
    /// Any other event (toasts, LLM streams, subscriptions, …), passed through untouched
    /// apart from the `jobID`/`imgID` upper-casing.
    Other {
        /// The event name.
        kind: String,
        /// Its payload.
        data: Value,
    },
}

impl ServerEvent {
    /// The project (`jobID`) this event is about, if it is a job event.
    pub fn project_id(&self) -> Option<&str> {
        match self {
            Self::JobState(s) => s.project_id(),
            Self::JobProgress(e) => Some(&e.job_id),
            Self::JobEta(e) => Some(&e.job_id),
            Self::JobResult(e) => Some(&e.job_id),
            Self::JobError(e) => Some(&e.job_id),
            Self::JobRetry(e) => Some(&e.job_id),
            Self::ArtistCancelConfirmation(e) => Some(&e.job_id),
            Self::Other { data, .. } => data.get("jobID").and_then(Value::as_str),
            _ => None,
        }
    }
}

/// Reads one event from its name and decoded payload. Never panics; a payload that cannot
/// be routed (not an object, no string `jobID` on a job event) is an [`Error::Protocol`].
pub fn parse_event(kind: &str, data: &Value) -> Result<ServerEvent, Error> {
    Ok(match kind {
        "authenticated" => ServerEvent::Authenticated(Box::new(body(kind, data)?)),
        "balanceUpdate" => ServerEvent::BalanceUpdate(body(kind, data)?),
        "swarmModels" => ServerEvent::SwarmModels(SwarmModels::read(data)?),
        "changeNetwork" => ServerEvent::ChangeNetwork(ChangeNetwork::read(data)?),
        "jobState" => ServerEvent::JobState(JobState::read(data)?),
        "jobProgress" => ServerEvent::JobProgress(body(kind, data)?),
        "jobETA" => ServerEvent::JobEta(body(kind, data)?),
        "jobResult" => {
            let mut result: JobResult = body(kind, data)?;
            result.provenance = super::provenance::job_provenance(data);
            ServerEvent::JobResult(result)
        }
        "jobError" => ServerEvent::JobError(body(kind, data)?),
        "jobRetry" => ServerEvent::JobRetry(body(kind, data)?),
        "artistCancelConfirmation" => ServerEvent::ArtistCancelConfirmation(body(kind, data)?),
        _ => ServerEvent::Other {
            kind: kind.to_string(),
            data: upper_case_ids(data),
        },
    })
}

fn protocol(kind: &str, message: impl std::fmt::Display) -> Error {
    Error::Protocol {
        message: format!("`{kind}` event: {message}"),
    }
}

fn body<T: for<'de> Deserialize<'de>>(kind: &str, data: &Value) -> Result<T, Error> {
    if !data.is_object() {
        return Err(protocol(kind, "payload is not an object"));
    }
    T::deserialize(data).map_err(|e| protocol(kind, e))
}

fn upper_case_ids(data: &Value) -> Value {
    let mut data = data.clone();
    if let Some(map) = data.as_object_mut() {
        for key in ["jobID", "imgID"] {
            if let Some(Value::String(s)) = map.get_mut(key) {
                *s = s.to_ascii_uppercase();
            }
        }
    }
    data
}

/// `jobState`, keyed by its `type`. Every variant carries the project's `jobID`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum JobState {
    /// The project waits in the queue.
    Queued(Queued),
    /// A worker is loading the model for one job.
    InitiatingModel(WorkerJobState),
    /// A worker started rendering one job.
    JobStarted(WorkerJobState),
    /// The project is finished on the server (mandatory at the end).
    JobCompleted {
        /// Project ID.
        job_id: String,
    },
    /// A worker was assigned (ignored for media projects; LLM uses the worker name).
    Assigned {
        /// Project (or LLM job) ID.
        job_id: String,
        /// The worker.
        worker_name: Option<String>,
    },
    /// LLM only: the chat job is pending.
    Pending {
        /// LLM job ID.
        job_id: String,
        /// Model, if said.
        model_id: Option<String>,
        /// Estimated cost (decimal string), if said.
        estimated_cost: Option<String>,
    },
    /// A `type` this SDK does not know; never an error.
    Unknown {
        /// Project ID, when there was one.
        job_id: Option<String>,
        /// The `type` value (empty when missing or not a string).
        kind: String,
    },
}

impl JobState {
    fn read(data: &Value) -> Result<Self, Error> {
        const KIND: &str = "jobState";
        let map = data
            .as_object()
            .ok_or_else(|| protocol(KIND, "payload is not an object"))?;
        let kind = map.get("type").and_then(Value::as_str).unwrap_or("");
        let job_id =
            || required_id(map, "jobID").ok_or_else(|| protocol(KIND, "missing string `jobID`"));
        Ok(match kind {
            "queued" => Self::Queued(body(KIND, data)?),
            "initiatingModel" => Self::InitiatingModel(body(KIND, data)?),
            "jobStarted" => Self::JobStarted(body(KIND, data)?),
            "jobCompleted" => Self::JobCompleted { job_id: job_id()? },
            "assigned" => Self::Assigned {
                job_id: job_id()?,
                worker_name: map.get("workerName").and_then(text),
            },
            "pending" => Self::Pending {
                job_id: job_id()?,
                model_id: map.get("modelId").and_then(text),
                estimated_cost: map.get("estimatedCost").and_then(text),
            },
            other => Self::Unknown {
                job_id: required_id(map, "jobID"),
                kind: other.to_string(),
            },
        })
    }

    /// The project ID this state is about.
    pub fn project_id(&self) -> Option<&str> {
        match self {
            Self::Queued(q) => Some(&q.job_id),
            Self::InitiatingModel(s) | Self::JobStarted(s) => Some(&s.job_id),
            Self::JobCompleted { job_id }
            | Self::Assigned { job_id, .. }
            | Self::Pending { job_id, .. } => Some(job_id),
            Self::Unknown { job_id, .. } => job_id.as_deref(),
        }
    }
}

/// `jobState {type:'queued'}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Queued {
    /// Project ID.
    #[serde(rename = "jobID", deserialize_with = "id")]
    pub job_id: String,
    /// Position in the queue.
    #[serde(rename = "queuePosition", default, deserialize_with = "integer")]
    pub queue_position: Option<i64>,
    /// Seconds until a worker is expected to start; absent when `null`, negative or invalid.
    #[serde(
        rename = "estimatedStartSeconds",
        default,
        deserialize_with = "non_negative"
    )]
    pub estimated_start_seconds: Option<f64>,
    /// `waiting` or `no-workers`, as sent (unknown values are dropped by the project layer).
    #[serde(rename = "queueStatus", default, deserialize_with = "string")]
    pub queue_status: Option<String>,
}

/// `jobState {type:'initiatingModel'|'jobStarted'}`: one job on one worker.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkerJobState {
    /// Project ID.
    #[serde(rename = "jobID", deserialize_with = "id")]
    pub job_id: String,
    /// Job ID.
    #[serde(rename = "imgID", default, deserialize_with = "opt_id")]
    pub img_id: Option<String>,
    /// The worker's name.
    #[serde(rename = "workerName", default, deserialize_with = "string")]
    pub worker_name: Option<String>,
    /// Position of this render in the project (stable across worker moves).
    #[serde(rename = "jobIndex", default, deserialize_with = "integer")]
    pub job_index: Option<i64>,
    /// Per-job prompt made by dynamic prompts.
    #[serde(rename = "positivePrompt", default, deserialize_with = "string")]
    pub positive_prompt: Option<String>,
    /// Per-job negative prompt made by dynamic prompts.
    #[serde(rename = "negativePrompt", default, deserialize_with = "string")]
    pub negative_prompt: Option<String>,
    /// What the worker is preparing (LoRA download, model load/unload), as sent.
    #[serde(default, deserialize_with = "object")]
    pub preparation: Option<Value>,
}

/// `jobProgress`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JobProgress {
    /// Project ID.
    #[serde(rename = "jobID", deserialize_with = "id")]
    pub job_id: String,
    /// Job ID.
    #[serde(rename = "imgID", default, deserialize_with = "opt_id")]
    pub img_id: Option<String>,
    /// A new preview image exists (the client fetches its URL).
    #[serde(rename = "hasImage", default, deserialize_with = "strict_true")]
    pub has_image: bool,
    /// Current step.
    #[serde(default, deserialize_with = "number")]
    pub step: Option<f64>,
    /// Total steps (replaces the job's step count).
    #[serde(rename = "stepCount", default, deserialize_with = "number")]
    pub step_count: Option<f64>,
    /// External progress, 0–1 or 0–100.
    #[serde(default, deserialize_with = "number")]
    pub progress: Option<f64>,
    /// Worker's time-remaining estimate in seconds (0 = none).
    #[serde(rename = "etaSeconds", default, deserialize_with = "number")]
    pub eta_seconds: Option<f64>,
    /// Lower bound of the worker's ETA interval, in seconds.
    #[serde(rename = "etaMin", default, deserialize_with = "number")]
    pub eta_min: Option<f64>,
    /// Upper bound of the worker's ETA interval, in seconds (0 = no interval).
    #[serde(rename = "etaMax", default, deserialize_with = "number")]
    pub eta_max: Option<f64>,
}

/// `jobETA`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JobEta {
    /// Project ID.
    #[serde(rename = "jobID", deserialize_with = "id")]
    pub job_id: String,
    /// Job ID (servers should always send it; without it no job is touched).
    #[serde(rename = "imgID", default, deserialize_with = "opt_id")]
    pub img_id: Option<String>,
    /// Seconds until the job is expected to finish.
    #[serde(rename = "etaSeconds", default, deserialize_with = "number")]
    pub eta_seconds: Option<f64>,
}

/// `jobResult`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JobResult {
    /// Project ID.
    #[serde(rename = "jobID", deserialize_with = "id")]
    pub job_id: String,
    /// Job ID.
    #[serde(rename = "imgID", default, deserialize_with = "opt_id")]
    pub img_id: Option<String>,
    /// Steps actually performed.
    #[serde(rename = "performedStepCount", default, deserialize_with = "number")]
    pub performed_step_count: Option<f64>,
    /// Seed used (a decimal string on the wire, read like JS `Number()`).
    #[serde(rename = "lastSeed", default, deserialize_with = "seed")]
    pub last_seed: Option<u64>,
    /// The artist canceled this job: it ends `canceled` with no media.
    #[serde(rename = "userCanceled", default, deserialize_with = "truthy")]
    pub user_canceled: bool,
    /// A safety signal fired.
    #[serde(rename = "triggeredNSFWFilter", default, deserialize_with = "truthy")]
    pub triggered_nsfw_filter: bool,
    /// 5.54: the signal is a label on media that *was* delivered (filter off).
    #[serde(rename = "nsfwDetected", default, deserialize_with = "strict_true")]
    pub nsfw_detected: bool,
    /// 5.54: which signals fired (`prompt`, `image`).
    #[serde(rename = "nsfwSources", default, deserialize_with = "strings")]
    pub nsfw_sources: Vec<String>,
    /// Direct result URL (vendor jobs); no download-URL request is needed then.
    #[serde(rename = "resultUrl", default, deserialize_with = "string")]
    pub result_url: Option<String>,
    /// Deprecated direct video URL.
    #[serde(rename = "videoUrl", default, deserialize_with = "string")]
    pub video_url: Option<String>,
    /// Deprecated direct video file.
    #[serde(rename = "videoFile", default, deserialize_with = "string")]
    pub video_file: Option<String>,
    /// 5.54: exported last-frame URL.
    #[serde(rename = "lastFrameUrl", default, deserialize_with = "string")]
    pub last_frame_url: Option<String>,
    /// 5.54: the delivered output format.
    #[serde(rename = "outputFormat", default, deserialize_with = "string")]
    pub output_format: Option<String>,
    /// 5.54: the worker-attested `JobProvenance` (see [`super::provenance::job_provenance`]);
    /// filled in by [`parse_event`].
    #[serde(skip)]
    pub provenance: Option<Value>,
}

impl JobResult {
    /// The URL carried by the event itself (`resultUrl`, else `videoUrl`, else `videoFile`).
    pub fn direct_url(&self) -> Option<&str> {
        [&self.result_url, &self.video_url, &self.video_file]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .find(|s| !s.is_empty())
    }

    /// The server withheld the media: filter on and a signal fired (5.54 reading: a
    /// result flagged `triggeredNSFWFilter` but also `nsfwDetected` was delivered).
    pub fn withheld(&self) -> bool {
        self.triggered_nsfw_filter && !self.nsfw_detected
    }
}

/// `jobError`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JobError {
    /// Project ID.
    #[serde(rename = "jobID", deserialize_with = "id")]
    pub job_id: String,
    /// Job ID; absent for a project-level error.
    #[serde(rename = "imgID", default, deserialize_with = "opt_id")]
    pub img_id: Option<String>,
    /// The error came from a worker.
    #[serde(rename = "isFromWorker", default, deserialize_with = "truthy")]
    pub is_from_worker: bool,
    /// Number, numeric string or named string error (`workerDisconnected`, …).
    #[serde(default)]
    pub error: Value,
    /// Human-readable message.
    #[serde(rename = "error_message", default, deserialize_with = "string")]
    pub error_message: Option<String>,
    /// A subscription feature gate (code 4081).
    #[serde(
        rename = "subscriptionLimit",
        default,
        deserialize_with = "strict_true"
    )]
    pub subscription_limit: bool,
    /// Plans that would unlock the feature.
    #[serde(rename = "requiredPlans", default, deserialize_with = "strings")]
    pub required_plans: Vec<String>,
    /// The gated capability.
    #[serde(default, deserialize_with = "string")]
    pub feature: Option<String>,
    /// User-facing description of the limitation.
    #[serde(default, deserialize_with = "string")]
    pub limitation: Option<String>,
}

impl JobError {
    /// The numeric code and the original string error (see [`Error::job_code`]).
    pub fn code(&self) -> (i64, Option<String>) {
        if self.error.is_null() {
            return (5000, None);
        }
        Error::job_code(&self.error)
    }

    /// The SDK error this event carries.
    pub fn to_error(&self) -> Error {
        let (code, original_code) = self.code();
        Error::Job {
            code,
            original_code,
            message: self.error_message.clone().unwrap_or_default(),
        }
    }
}

/// `jobRetry` (5.54): the attempt `imgID` was abandoned; the render comes back under a new
/// `imgID` and is matched to its job by `jobIndex`. Not a failure.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JobRetry {
    /// Project ID.
    #[serde(rename = "jobID", deserialize_with = "id")]
    pub job_id: String,
    /// The abandoned attempt's job ID.
    #[serde(rename = "imgID", default, deserialize_with = "opt_id")]
    pub img_id: Option<String>,
    /// The render's position in the project.
    #[serde(rename = "jobIndex", default, deserialize_with = "integer")]
    pub job_index: Option<i64>,
    /// 1-based attempt that just failed.
    #[serde(default, deserialize_with = "integer")]
    pub attempt: Option<i64>,
    /// The server's attempt budget.
    #[serde(rename = "maxAttempts", default, deserialize_with = "integer")]
    pub max_attempts: Option<i64>,
    /// The failure came from a worker.
    #[serde(rename = "isFromWorker", default, deserialize_with = "truthy")]
    pub is_from_worker: bool,
    /// Why the attempt failed.
    #[serde(default)]
    pub error: Value,
    /// Human-readable message.
    #[serde(rename = "error_message", default, deserialize_with = "string")]
    pub error_message: Option<String>,
}

/// `artistCancelConfirmation` (5.54).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ArtistCancelConfirmation {
    /// Project ID.
    #[serde(rename = "jobID", deserialize_with = "id")]
    pub job_id: String,
    /// Whether the project was canceled.
    #[serde(rename = "didCancel", default, deserialize_with = "truthy")]
    pub did_cancel: bool,
    /// Why not, when it was not.
    #[serde(rename = "error_message", default, deserialize_with = "string")]
    pub error_message: Option<String>,
}

/// One token's balance (decimal strings).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct TokenBalance {
    /// Settled amount.
    #[serde(default, deserialize_with = "string")]
    pub settled: Option<String>,
    /// Credit.
    #[serde(default, deserialize_with = "string")]
    pub credit: Option<String>,
    /// Debit.
    #[serde(default, deserialize_with = "string")]
    pub debit: Option<String>,
    /// Net spendable amount.
    #[serde(default, deserialize_with = "string")]
    pub net: Option<String>,
    /// Spark only: premium credit.
    #[serde(rename = "premiumCredit", default, deserialize_with = "string")]
    pub premium_credit: Option<String>,
}

/// `balanceUpdate`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct BalanceUpdate {
    /// SOGNI token balance.
    #[serde(default, deserialize_with = "balance")]
    pub sogni: Option<TokenBalance>,
    /// Spark balance.
    #[serde(default, deserialize_with = "balance")]
    pub spark: Option<TokenBalance>,
}

/// `swarmModels`: model id → worker count, in payload order. Non-numeric counts are skipped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SwarmModels {
    /// `(model id, worker count)` pairs.
    pub models: Vec<(String, f64)>,
}

impl SwarmModels {
    fn read(data: &Value) -> Result<Self, Error> {
        let map = data
            .as_object()
            .ok_or_else(|| protocol("swarmModels", "payload is not an object"))?;
        Ok(Self {
            models: map
                .iter()
                .filter_map(|(k, v)| finite(v).map(|n| (k.clone(), n)))
                .collect(),
        })
    }
}

/// `changeNetwork`: `{network}` (a bare string is accepted too).
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeNetwork {
    /// `fast` or `relaxed` (as sent).
    pub network: Option<String>,
}

impl ChangeNetwork {
    fn read(data: &Value) -> Result<Self, Error> {
        match data {
            Value::String(s) => Ok(Self {
                network: Some(s.clone()),
            }),
            Value::Object(map) => Ok(Self {
                network: map.get("network").and_then(text),
            }),
            _ => Err(protocol("changeNetwork", "payload is not an object")),
        }
    }
}

/// `authenticated`: the handshake snapshot. Every field is optional.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Authenticated {
    /// Account ID.
    #[serde(default, deserialize_with = "string")]
    pub id: Option<String>,
    /// `artist` or `worker`.
    #[serde(rename = "clientType", default, deserialize_with = "string")]
    pub client_type: Option<String>,
    /// Username.
    #[serde(default, deserialize_with = "string")]
    pub username: Option<String>,
    /// Wallet address.
    #[serde(default, deserialize_with = "string")]
    pub address: Option<String>,
    /// Session ID.
    #[serde(rename = "SID", default, deserialize_with = "number")]
    pub sid: Option<f64>,
    /// Client session ID.
    #[serde(rename = "clientSID", default, deserialize_with = "number")]
    pub client_sid: Option<f64>,
    /// Address session ID.
    #[serde(rename = "addressSID", default, deserialize_with = "number")]
    pub address_sid: Option<f64>,
    /// Balance format version (2).
    #[serde(rename = "balanceVersion", default, deserialize_with = "number")]
    pub balance_version: Option<f64>,
    /// Token snapshot (not used for the balance).
    #[serde(default, deserialize_with = "object")]
    pub tokens: Option<Value>,
    /// Subscription entitlement snapshot.
    #[serde(
        rename = "subscriptionEntitlement",
        default,
        deserialize_with = "object"
    )]
    pub subscription_entitlement: Option<Value>,
    /// 5.54: this appId's in-flight projects (recovery).
    #[serde(rename = "activeProjects", default, deserialize_with = "values")]
    pub active_projects: Vec<Value>,
    /// 5.54: projects that finished while this appId had no socket.
    #[serde(
        rename = "unclaimedCompletedProjects",
        default,
        deserialize_with = "values"
    )]
    pub unclaimed_completed_projects: Vec<Value>,
    /// 5.54: LLM jobs still in flight; `None` when the server did not say.
    #[serde(rename = "activeLLMJobIDs", default, deserialize_with = "opt_strings")]
    pub active_llm_job_ids: Option<Vec<String>>,
    /// Mainnet account.
    #[serde(rename = "isMainnet", default, deserialize_with = "opt_bool")]
    pub is_mainnet: Option<bool>,
    /// The account was migrated.
    #[serde(rename = "accountWasMigrated", default, deserialize_with = "opt_bool")]
    pub account_was_migrated: Option<bool>,
    /// Free Spark cannot be spent.
    #[serde(rename = "freeSparkLocked", default, deserialize_with = "opt_bool")]
    pub free_spark_locked: Option<bool>,
    /// `trial` or `purchase`.
    #[serde(rename = "freeSparkUnlockPath", default, deserialize_with = "string")]
    pub free_spark_unlock_path: Option<String>,
    /// An airdrop waits to be claimed.
    #[serde(rename = "hasUnclaimedAirdrop", default, deserialize_with = "opt_bool")]
    pub has_unclaimed_airdrop: Option<bool>,
    /// First login after the migration.
    #[serde(
        rename = "firstLoginAfterMigration",
        default,
        deserialize_with = "opt_bool"
    )]
    pub first_login_after_migration: Option<bool>,
}

// ---- lenient field readers: a wrong type reads as absent, never as an error ----

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn finite(v: &Value) -> Option<f64> {
    v.as_f64().filter(|n| n.is_finite())
}

fn js_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

fn as_id(v: &Value) -> Option<String> {
    text(v)
        .map(|s| s.to_ascii_uppercase())
        .filter(|s| !s.is_empty())
}

fn required_id(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key) {
        Some(Value::String(s)) => Some(s.to_ascii_uppercase()),
        _ => None,
    }
}

fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s.to_ascii_uppercase()),
        _ => Err(serde::de::Error::custom("`jobID` is not a string")),
    }
}

fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(as_id(&Value::deserialize(d)?))
}

fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text(&Value::deserialize(d)?))
}

fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(finite(&Value::deserialize(d)?))
}

fn non_negative<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(finite(&Value::deserialize(d)?).filter(|n| *n >= 0.0))
}

fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.as_i64().or_else(|| {
        finite(&v)
            .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
            .map(|n| n as i64)
    }))
}

fn seed<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = Value::deserialize(d)?;
    if let Some(n) = v.as_u64() {
        return Ok(Some(n));
    }
    let n = match &v {
        Value::String(s) => s.trim().parse::<f64>().ok(),
        other => finite(other),
    };
    Ok(
        n.filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n < 1.9e19)
            .map(|n| n as u64),
    )
}

fn truthy<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(js_truthy(&Value::deserialize(d)?))
}

fn strict_true<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Value::deserialize(d)? == Value::Bool(true))
}

fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Value::deserialize(d)?.as_bool())
}

fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(opt_strings(d)?.unwrap_or_default())
}

fn opt_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        ),
        _ => None,
    })
}

fn values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items,
        _ => Vec::new(),
    })
}

fn object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Ok(Some(Value::deserialize(d)?).filter(Value::is_object))
}

fn balance<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TokenBalance>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(if v.is_object() {
        TokenBalance::deserialize(&v).ok()
    } else {
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn job_states_parse_by_type() {
        let q = parse_event(
            "jobState",
            &json!({"type":"queued","jobID":"ab-c","queuePosition":2,"estimatedStartSeconds":5,"queueStatus":"waiting"}),
        )
        .unwrap();
        assert_eq!(
            q,
            ServerEvent::JobState(JobState::Queued(Queued {
                job_id: "AB-C".into(),
                queue_position: Some(2),
                estimated_start_seconds: Some(5.0),
                queue_status: Some("waiting".into()),
            }))
        );
        let s = parse_event(
            "jobState",
            &json!({"type":"jobStarted","jobID":"p","imgID":"j1","workerName":"w","jobIndex":1}),
        )
        .unwrap();
        match s {
            ServerEvent::JobState(JobState::JobStarted(w)) => {
                assert_eq!(w.img_id.as_deref(), Some("J1"));
                assert_eq!(w.job_index, Some(1));
                assert_eq!(w.worker_name.as_deref(), Some("w"));
            }
            other => panic!("{other:?}"),
        }
        let u = parse_event("jobState", &json!({"type":"somethingNew","jobID":"p"})).unwrap();
        assert_eq!(
            u,
            ServerEvent::JobState(JobState::Unknown {
                job_id: Some("P".into()),
                kind: "somethingNew".into()
            })
        );
        let none = parse_event("jobState", &json!({"jobID":"p"})).unwrap();
        assert!(matches!(
            none,
            ServerEvent::JobState(JobState::Unknown { .. })
        ));
    }

    #[test]
    fn queued_estimates_are_lenient() {
        for bad in [json!(null), json!(-3), json!("soon")] {
            let e = parse_event(
                "jobState",
                &json!({"type":"queued","jobID":"p","queuePosition":1,"estimatedStartSeconds":bad}),
            )
            .unwrap();
            match e {
                ServerEvent::JobState(JobState::Queued(q)) => {
                    assert_eq!(q.estimated_start_seconds, None)
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn job_results_and_errors() {
        let r = parse_event(
            "jobResult",
            &json!({"jobID":"p","imgID":"j","lastSeed":"123","performedStepCount":4,"triggeredNSFWFilter":true}),
        )
        .unwrap();
        match r {
            ServerEvent::JobResult(r) => {
                assert_eq!(r.last_seed, Some(123));
                assert!(r.withheld());
                assert_eq!(r.direct_url(), None);
            }
            other => panic!("{other:?}"),
        }
        let e = parse_event(
            "jobError",
            &json!({"jobID":"p","error":"workerDisconnected","error_message":"gone","isFromWorker":true}),
        )
        .unwrap();
        match e {
            ServerEvent::JobError(e) => {
                assert_eq!(e.img_id, None);
                assert_eq!(
                    e.to_error(),
                    Error::Job {
                        code: 5002,
                        original_code: Some("workerDisconnected".into()),
                        message: "gone".into()
                    }
                );
            }
            other => panic!("{other:?}"),
        }
        let e = parse_event("jobError", &json!({"jobID":"p","imgID":"","error":4081})).unwrap();
        match e {
            ServerEvent::JobError(e) => {
                assert_eq!(e.img_id, None, "an empty imgID is a project error");
                assert_eq!(e.code(), (4081, None));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_events_pass_through_with_upper_case_ids() {
        let e = parse_event("jobTokens", &json!({"jobID":"abc","content":"hi"})).unwrap();
        assert_eq!(
            e,
            ServerEvent::Other {
                kind: "jobTokens".into(),
                data: json!({"jobID":"ABC","content":"hi"})
            }
        );
        assert_eq!(e.project_id(), Some("ABC"));
    }

    #[test]
    fn small_events() {
        let m = parse_event("swarmModels", &json!({"a":2,"b":"x"})).unwrap();
        assert_eq!(
            m,
            ServerEvent::SwarmModels(SwarmModels {
                models: vec![("a".into(), 2.0)]
            })
        );
        let n = parse_event("changeNetwork", &json!({"network":"relaxed"})).unwrap();
        assert_eq!(
            n,
            ServerEvent::ChangeNetwork(ChangeNetwork {
                network: Some("relaxed".into())
            })
        );
        let b = parse_event(
            "balanceUpdate",
            &json!({"sogni":{"net":"1.5"},"spark":{"net":2,"premiumCredit":"0"}}),
        )
        .unwrap();
        match b {
            ServerEvent::BalanceUpdate(b) => {
                assert_eq!(b.sogni.unwrap().net.as_deref(), Some("1.5"));
                assert_eq!(b.spark.unwrap().net.as_deref(), Some("2"));
            }
            other => panic!("{other:?}"),
        }
        let a = parse_event(
            "authenticated",
            &json!({"id":"x","SID":3,"activeProjects":[{"id":"p"}],"isMainnet":"yes"}),
        )
        .unwrap();
        match a {
            ServerEvent::Authenticated(a) => {
                assert_eq!(a.sid, Some(3.0));
                assert_eq!(a.active_projects.len(), 1);
                assert_eq!(a.is_mainnet, None);
                assert_eq!(a.active_llm_job_ids, None);
            }
            other => panic!("{other:?}"),
        }
        let c = parse_event(
            "artistCancelConfirmation",
            &json!({"jobID":"p","didCancel":true}),
        )
        .unwrap();
        assert_eq!(c.project_id(), Some("P"));
    }

    #[test]
    fn bad_shapes_are_protocol_errors_never_panics() {
        let kinds = [
            "authenticated",
            "balanceUpdate",
            "swarmModels",
            "changeNetwork",
            "jobState",
            "jobProgress",
            "jobETA",
            "jobResult",
            "jobError",
            "jobRetry",
            "artistCancelConfirmation",
            "toastMessage",
        ];
        let shapes = [
            json!(null),
            json!(1),
            json!("s"),
            json!([1, 2]),
            json!({}),
            json!({"jobID": 5}),
            json!({"jobID": null, "type": "queued"}),
            json!({"jobID": "p", "type": 7, "imgID": {"x": 1}, "step": "3", "error": [1]}),
            json!({"jobID": "p", "type": "queued", "queuePosition": 1e300}),
            json!({"jobID": "p", "lastSeed": "-1", "etaSeconds": -1e308}),
        ];
        for kind in kinds {
            for shape in &shapes {
                match parse_event(kind, shape) {
                    Ok(_) | Err(Error::Protocol { .. }) => {}
                    Err(other) => panic!("{kind} {shape}: {other:?}"),
                }
            }
        }
        assert!(matches!(
            parse_event("jobProgress", &json!({"imgID": "j"})),
            Err(Error::Protocol { .. })
        ));
        assert!(matches!(
            parse_event("jobResult", &json!([])),
            Err(Error::Protocol { .. })
        ));
    }
}
