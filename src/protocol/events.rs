//! Typed server → client socket events, read from a decoded envelope payload.
//!
//! [`parse_event`] turns `(type, payload)` into a [`ServerEvent`]. Reading is lenient the way
//! the official client is: a field of the wrong type reads as absent, unknown fields are
//! ignored, and unknown event names or `jobState` types become catch-all variants. Only what
//! routing needs is required (a string `jobID` on job events, an object payload); a payload
//! without it is an [`Error::Protocol`]. Like the official client, the top-level `jobID` and
//! `imgID` are upper-cased; an empty `imgID` reads as absent.

use crate::Error;
use serde_json::{Map, Value};

/// A payload struct read field by field from the payload object.
trait Body: Sized {
    /// Reads the fields of `map`; the error says which required field is missing.
    fn read(map: &Map<String, Value>) -> Result<Self, &'static str>;
}

/// Declares a payload struct whose fields are read from their wire keys by the lenient
/// readers below (`pub step: Option<f64> = "step" => number,`). Fields in `filled { … }`
/// start at their default and are filled in by [`parse_event`].
macro_rules! event_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident: $ty:ty = $key:literal => $reader:ident,
            )*
        }
        $(
            filled {
                $(
                    $(#[$smeta:meta])*
                    pub $sfield:ident: $sty:ty,
                )*
            }
        )?
    ) => {
        $(#[$meta])*
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: $ty,
            )*
            $($(
                $(#[$smeta])*
                pub $sfield: $sty,
            )*)?
        }

        impl Body for $name {
            fn read(map: &Map<String, Value>) -> Result<Self, &'static str> {
                Ok(Self {
                    $( $field: $reader(map.get($key))?, )*
                    $($( $sfield: Default::default(), )*)?
                })
            }
        }
    };
}

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

fn body<T: Body>(kind: &str, data: &Value) -> Result<T, Error> {
    let map = data
        .as_object()
        .ok_or_else(|| protocol(kind, "payload is not an object"))?;
    T::read(map).map_err(|e| protocol(kind, e))
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

event_struct! {
    /// `jobState {type:'queued'}`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Queued {
        /// Project ID.
        pub job_id: String = "jobID" => id,
        /// Position in the queue.
        pub queue_position: Option<i64> = "queuePosition" => integer,
        /// Seconds until a worker is expected to start; absent when `null`, negative or invalid.
        pub estimated_start_seconds: Option<f64> = "estimatedStartSeconds" => non_negative,
        /// `waiting` or `no-workers`, as sent (unknown values are dropped by the project layer).
        pub queue_status: Option<String> = "queueStatus" => string,
    }
}

event_struct! {
    /// `jobState {type:'initiatingModel'|'jobStarted'}`: one job on one worker.
    #[derive(Debug, Clone, PartialEq)]
    pub struct WorkerJobState {
        /// Project ID.
        pub job_id: String = "jobID" => id,
        /// Job ID.
        pub img_id: Option<String> = "imgID" => opt_id,
        /// The worker's name.
        pub worker_name: Option<String> = "workerName" => string,
        /// Position of this render in the project (stable across worker moves).
        pub job_index: Option<i64> = "jobIndex" => integer,
        /// Per-job prompt made by dynamic prompts.
        pub positive_prompt: Option<String> = "positivePrompt" => string,
        /// Per-job negative prompt made by dynamic prompts.
        pub negative_prompt: Option<String> = "negativePrompt" => string,
        /// What the worker is preparing (LoRA download, model load/unload), as sent.
        pub preparation: Option<Value> = "preparation" => object,
    }
}

event_struct! {
    /// `jobProgress`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct JobProgress {
        /// Project ID.
        pub job_id: String = "jobID" => id,
        /// Job ID.
        pub img_id: Option<String> = "imgID" => opt_id,
        /// A new preview image exists (the client fetches its URL).
        pub has_image: bool = "hasImage" => strict_true,
        /// Current step.
        pub step: Option<f64> = "step" => number,
        /// Total steps (replaces the job's step count).
        pub step_count: Option<f64> = "stepCount" => number,
        /// External progress, 0–1 or 0–100.
        pub progress: Option<f64> = "progress" => number,
        /// Worker's time-remaining estimate in seconds (0 = none).
        pub eta_seconds: Option<f64> = "etaSeconds" => number,
        /// Lower bound of the worker's ETA interval, in seconds.
        pub eta_min: Option<f64> = "etaMin" => number,
        /// Upper bound of the worker's ETA interval, in seconds (0 = no interval).
        pub eta_max: Option<f64> = "etaMax" => number,
    }
}

event_struct! {
    /// `jobETA`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct JobEta {
        /// Project ID.
        pub job_id: String = "jobID" => id,
        /// Job ID (servers should always send it; without it no job is touched).
        pub img_id: Option<String> = "imgID" => opt_id,
        /// Seconds until the job is expected to finish.
        pub eta_seconds: Option<f64> = "etaSeconds" => number,
    }
}

event_struct! {
    /// `jobResult`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct JobResult {
        /// Project ID.
        pub job_id: String = "jobID" => id,
        /// Job ID.
        pub img_id: Option<String> = "imgID" => opt_id,
        /// Steps actually performed.
        pub performed_step_count: Option<f64> = "performedStepCount" => number,
        /// Seed used (a decimal string on the wire, read like JS `Number()`).
        pub last_seed: Option<u64> = "lastSeed" => seed,
        /// The artist canceled this job: it ends `canceled` with no media.
        pub user_canceled: bool = "userCanceled" => truthy,
        /// A safety signal fired.
        pub triggered_nsfw_filter: bool = "triggeredNSFWFilter" => truthy,
        /// 5.54: the signal is a label on media that *was* delivered (filter off).
        pub nsfw_detected: bool = "nsfwDetected" => strict_true,
        /// 5.54: which signals fired (`prompt`, `image`).
        pub nsfw_sources: Vec<String> = "nsfwSources" => strings,
        /// Direct result URL (vendor jobs); no download-URL request is needed then.
        pub result_url: Option<String> = "resultUrl" => string,
        /// Deprecated direct video URL.
        pub video_url: Option<String> = "videoUrl" => string,
        /// Deprecated direct video file.
        pub video_file: Option<String> = "videoFile" => string,
        /// 5.54: exported last-frame URL.
        pub last_frame_url: Option<String> = "lastFrameUrl" => string,
        /// 5.54: the delivered output format.
        pub output_format: Option<String> = "outputFormat" => string,
    }
    filled {
        /// 5.54: the worker-attested `JobProvenance` (see [`super::provenance::job_provenance`]);
        /// filled in by [`parse_event`].
        pub provenance: Option<Value>,
    }
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

event_struct! {
    /// `jobError`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct JobError {
        /// Project ID.
        pub job_id: String = "jobID" => id,
        /// Job ID; absent for a project-level error.
        pub img_id: Option<String> = "imgID" => opt_id,
        /// The error came from a worker.
        pub is_from_worker: bool = "isFromWorker" => truthy,
        /// Number, numeric string or named string error (`workerDisconnected`, …).
        pub error: Value = "error" => any,
        /// Human-readable message.
        pub error_message: Option<String> = "error_message" => string,
        /// A subscription feature gate (code 4081).
        pub subscription_limit: bool = "subscriptionLimit" => strict_true,
        /// Plans that would unlock the feature.
        pub required_plans: Vec<String> = "requiredPlans" => strings,
        /// The gated capability.
        pub feature: Option<String> = "feature" => string,
        /// User-facing description of the limitation.
        pub limitation: Option<String> = "limitation" => string,
    }
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

event_struct! {
    /// `jobRetry` (5.54): the attempt `imgID` was abandoned; the render comes back under a new
    /// `imgID` and is matched to its job by `jobIndex`. Not a failure.
    #[derive(Debug, Clone, PartialEq)]
    pub struct JobRetry {
        /// Project ID.
        pub job_id: String = "jobID" => id,
        /// The abandoned attempt's job ID.
        pub img_id: Option<String> = "imgID" => opt_id,
        /// The render's position in the project.
        pub job_index: Option<i64> = "jobIndex" => integer,
        /// 1-based attempt that just failed.
        pub attempt: Option<i64> = "attempt" => integer,
        /// The server's attempt budget.
        pub max_attempts: Option<i64> = "maxAttempts" => integer,
        /// The failure came from a worker.
        pub is_from_worker: bool = "isFromWorker" => truthy,
        /// Why the attempt failed.
        pub error: Value = "error" => any,
        /// Human-readable message.
        pub error_message: Option<String> = "error_message" => string,
    }
}

event_struct! {
    /// `artistCancelConfirmation` (5.54).
    #[derive(Debug, Clone, PartialEq)]
    pub struct ArtistCancelConfirmation {
        /// Project ID.
        pub job_id: String = "jobID" => id,
        /// Whether the project was canceled.
        pub did_cancel: bool = "didCancel" => truthy,
        /// Why not, when it was not.
        pub error_message: Option<String> = "error_message" => string,
    }
}

event_struct! {
    /// One token's balance (decimal strings).
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct TokenBalance {
        /// Settled amount.
        pub settled: Option<String> = "settled" => string,
        /// Credit.
        pub credit: Option<String> = "credit" => string,
        /// Debit.
        pub debit: Option<String> = "debit" => string,
        /// Net spendable amount.
        pub net: Option<String> = "net" => string,
        /// Spark only: premium credit.
        pub premium_credit: Option<String> = "premiumCredit" => string,
    }
}

event_struct! {
    /// `balanceUpdate`.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct BalanceUpdate {
        /// SOGNI token balance.
        pub sogni: Option<TokenBalance> = "sogni" => balance,
        /// Spark balance.
        pub spark: Option<TokenBalance> = "spark" => balance,
    }
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

event_struct! {
    /// `authenticated`: the handshake snapshot. Every field is optional.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct Authenticated {
        /// Account ID.
        pub id: Option<String> = "id" => string,
        /// `artist` or `worker`.
        pub client_type: Option<String> = "clientType" => string,
        /// Username.
        pub username: Option<String> = "username" => string,
        /// Wallet address.
        pub address: Option<String> = "address" => string,
        /// Session ID.
        pub sid: Option<f64> = "SID" => number,
        /// Client session ID.
        pub client_sid: Option<f64> = "clientSID" => number,
        /// Address session ID.
        pub address_sid: Option<f64> = "addressSID" => number,
        /// Balance format version (2).
        pub balance_version: Option<f64> = "balanceVersion" => number,
        /// Token snapshot (not used for the balance).
        pub tokens: Option<Value> = "tokens" => object,
        /// Subscription entitlement snapshot.
        pub subscription_entitlement: Option<Value> = "subscriptionEntitlement" => object,
        /// 5.54: this appId's in-flight projects (recovery).
        pub active_projects: Vec<Value> = "activeProjects" => values,
        /// 5.54: projects that finished while this appId had no socket.
        pub unclaimed_completed_projects: Vec<Value> = "unclaimedCompletedProjects" => values,
        /// 5.54: LLM jobs still in flight; `None` when the server did not say.
        pub active_llm_job_ids: Option<Vec<String>> = "activeLLMJobIDs" => opt_strings,
        /// Mainnet account.
        pub is_mainnet: Option<bool> = "isMainnet" => opt_bool,
        /// The account was migrated.
        pub account_was_migrated: Option<bool> = "accountWasMigrated" => opt_bool,
        /// Free Spark cannot be spent.
        pub free_spark_locked: Option<bool> = "freeSparkLocked" => opt_bool,
        /// `trial` or `purchase`.
        pub free_spark_unlock_path: Option<String> = "freeSparkUnlockPath" => string,
        /// An airdrop waits to be claimed.
        pub has_unclaimed_airdrop: Option<bool> = "hasUnclaimedAirdrop" => opt_bool,
        /// First login after the migration.
        pub first_login_after_migration: Option<bool> = "firstLoginAfterMigration" => opt_bool,
    }
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

/// What a reader returns: the field, or why a required one cannot be read.
type Read<T> = Result<T, &'static str>;

fn id(v: Option<&Value>) -> Read<String> {
    match v {
        Some(Value::String(s)) => Ok(s.to_ascii_uppercase()),
        _ => Err("missing string `jobID`"),
    }
}

fn opt_id(v: Option<&Value>) -> Read<Option<String>> {
    Ok(v.and_then(as_id))
}

fn string(v: Option<&Value>) -> Read<Option<String>> {
    Ok(v.and_then(text))
}

fn number(v: Option<&Value>) -> Read<Option<f64>> {
    Ok(v.and_then(finite))
}

fn non_negative(v: Option<&Value>) -> Read<Option<f64>> {
    Ok(v.and_then(finite).filter(|n| *n >= 0.0))
}

fn integer(v: Option<&Value>) -> Read<Option<i64>> {
    Ok(v.and_then(|v| {
        v.as_i64().or_else(|| {
            finite(v)
                .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
                .map(|n| n as i64)
        })
    }))
}

fn seed(v: Option<&Value>) -> Read<Option<u64>> {
    let Some(v) = v else { return Ok(None) };
    if let Some(n) = v.as_u64() {
        return Ok(Some(n));
    }
    let n = match v {
        Value::String(s) => s.trim().parse::<f64>().ok(),
        other => finite(other),
    };
    Ok(
        n.filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n < 1.9e19)
            .map(|n| n as u64),
    )
}

fn truthy(v: Option<&Value>) -> Read<bool> {
    Ok(v.is_some_and(js_truthy))
}

fn strict_true(v: Option<&Value>) -> Read<bool> {
    Ok(v == Some(&Value::Bool(true)))
}

fn opt_bool(v: Option<&Value>) -> Read<Option<bool>> {
    Ok(v.and_then(Value::as_bool))
}

fn strings(v: Option<&Value>) -> Read<Vec<String>> {
    Ok(opt_strings(v)?.unwrap_or_default())
}

fn opt_strings(v: Option<&Value>) -> Read<Option<Vec<String>>> {
    Ok(v.and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }))
}

fn values(v: Option<&Value>) -> Read<Vec<Value>> {
    Ok(v.and_then(Value::as_array).cloned().unwrap_or_default())
}

fn object(v: Option<&Value>) -> Read<Option<Value>> {
    Ok(v.filter(|v| v.is_object()).cloned())
}

fn any(v: Option<&Value>) -> Read<Value> {
    Ok(v.cloned().unwrap_or(Value::Null))
}

fn balance(v: Option<&Value>) -> Read<Option<TokenBalance>> {
    Ok(v.and_then(Value::as_object)
        .and_then(|map| TokenBalance::read(map).ok()))
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
