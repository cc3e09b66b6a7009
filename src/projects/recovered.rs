//! The public side of project recovery (5.54): `projects.sync()`, `listProjectsElsewhere()`,
//! `resolveMissing()`, `projectParamsFromRecoveredProject()` and `isProjectLostError()`.
//! Pure decisions over the server's `RecoveredProject` records; the wasm layer does the I/O
//! and drives the project state machines (see [`super::recovery`] for the internal side).
//!
//! A recovery snapshot (`authenticated.activeProjects` / `unclaimedCompletedProjects`, or
//! `GET /api/v1/artist/projects/sync`) is planned by [`plan_sync`]: every listed project
//! this client tracks is replayed from its record, every one it does not is rebuilt as a
//! `Project` with `recovered: true` (a finished one only once per client). What a sync did
//! is a [`SyncResult`], the payload of the `projectsSynced` event and of `sync()`.

use super::js;
use super::recovery::Lookup;
use crate::Error;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// `originalCode` of the failure of a project the server has no record of.
pub const PROJECT_LOST_ORIGINAL_CODE: &str = "projectLost";

/// Is this `originalCode` the project-lost one (`isProjectLostError`)?
pub fn is_project_lost(original_code: Option<&str>) -> bool {
    original_code == Some(PROJECT_LOST_ORIGINAL_CODE)
}

/// `clientRequestData` (the original `jobRequest`, base64 of its JSON) decoded; `None` when
/// absent, not a string, not base64 or not a JSON object. Padding and ASCII whitespace are
/// forgiven, as `atob` does.
pub fn decode_client_request_data(encoded: Option<&Value>) -> Option<Map<String, Value>> {
    // Blank text decodes to no bytes, which are not JSON.
    let bytes = crate::protocol::base64::decode_lenient(encoded?.as_str()?.as_bytes())?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// LLM requests share the socket's project registry; they are not media projects.
pub fn is_llm(project: &Value) -> bool {
    project.get("jobType").and_then(Value::as_str) == Some("llm")
        || project.pointer("/model/type").and_then(Value::as_str) == Some("llm")
}

/// What a recovered project renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// Images (the default).
    Image,
    /// Video (`modelType` or `model.type` is `video`).
    Video,
    /// Audio (`audio` or `music`).
    Audio,
}

impl MediaType {
    /// `image`, `video` or `audio`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
        }
    }
}

/// The media type of a recovered project, from `modelType` or else `model.type`.
pub fn media_type(project: &Value) -> MediaType {
    fn of(v: Option<&Value>) -> Option<&str> {
        v.filter(|v| js::truthy(v)).and_then(Value::as_str)
    }
    let kind = of(project.get("modelType")).or_else(|| of(project.pointer("/model/type")));
    match kind {
        Some("video") => MediaType::Video,
        Some("audio" | "music") => MediaType::Audio,
        _ => MediaType::Image,
    }
}

/// JS `Number(v)` for the values a request carries (numbers and numeric strings; else NaN).
fn to_number(v: Option<&Value>) -> f64 {
    match v {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        Some(Value::String(s)) if s.trim().is_empty() => 0.0,
        Some(Value::String(s)) => s.trim().parse().unwrap_or(f64::NAN),
        Some(Value::Bool(b)) => f64::from(u8::from(*b)),
        Some(Value::Null) => 0.0,
        _ => f64::NAN,
    }
}

fn number_of(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

/// `a || b` over JS values.
fn either<'a>(a: Option<&'a Value>, b: Option<&'a Value>) -> Option<&'a Value> {
    a.filter(|v| js::truthy(v))
        .or_else(|| b.filter(|v| js::truthy(v)))
}

/// Best-effort `projects.create` params of a recovered project, rebuilt from the server's
/// copy of the original request (`clientRequestData`) and the record's own fields (which win
/// where both exist): enough to route events, mint result URLs and show the prompt, or to
/// run the project again. Reference media cannot be recovered and are left out.
pub fn params_from_recovered(project: &Value) -> Value {
    let request = decode_client_request_data(project.get("clientRequestData")).unwrap_or_default();
    let empty = Map::new();
    let key_frame = request
        .get("keyFrames")
        .and_then(Value::as_array)
        .and_then(|frames| frames.first())
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let kf = |k: &str| key_frame.get(k);
    let kind = media_type(project);
    let image_count = number_of(project.get("imageCount")).filter(|n| *n > 0.0);
    let count = image_count.unwrap_or_else(|| to_number(request.get("numberOfImages")));
    let count = if count.is_nan() || count == 0.0 {
        1.0
    } else {
        count
    };
    let model_id = either(kf("modelID"), project.pointer("/model/id"))
        .cloned()
        .unwrap_or_else(|| json!(""));
    let prompt = kf("positivePrompt")
        .filter(|v| v.is_string())
        .cloned()
        .unwrap_or_else(|| json!(""));
    let mut out = Map::new();
    out.insert("type".into(), json!(kind.as_str()));
    out.insert("modelId".into(), model_id);
    out.insert("numberOfMedia".into(), js::number(count));
    out.insert("positivePrompt".into(), prompt);
    for (from, to) in [
        ("negativePrompt", "negativePrompt"),
        ("stylePrompt", "stylePrompt"),
    ] {
        if let Some(s) = kf(from).and_then(Value::as_str).filter(|s| !s.is_empty()) {
            out.insert(to.into(), json!(s));
        }
    }
    let steps = match project.get("stepCount") {
        Some(v) if v.is_number() => v.as_f64(),
        _ => number_of(kf("steps")),
    };
    if let Some(s) = steps.filter(|s| *s > 0.0) {
        out.insert("steps".into(), js::number(s));
    }
    if let Some(g) = number_of(kf("guidanceScale")) {
        out.insert("guidance".into(), js::number(g));
    }
    if let Some(s) = number_of(kf("seed")) {
        out.insert("seed".into(), js::number(s));
    }
    for key in ["loras", "loraStrengths"] {
        if let Some(list) = kf(key).filter(|v| v.as_array().is_some_and(|a| !a.is_empty())) {
            out.insert(key.into(), list.clone());
        }
    }
    let network = either(project.get("network"), request.get("network")).and_then(Value::as_str);
    if let Some(n @ ("fast" | "relaxed")) = network {
        out.insert("network".into(), json!(n));
    }
    for key in ["tokenType", "billingMode"] {
        if let Some(v) = either(project.get(key), request.get(key)) {
            out.insert(key.into(), v.clone());
        }
    }
    if request.get("disableSafety") == Some(&Value::Bool(true)) {
        out.insert("disableNSFWFilter".into(), json!(true));
    }
    if let Some(f) = request
        .get("outputFormat")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        out.insert("outputFormat".into(), json!(f));
    }
    if let Some(v) = either(project.get("appSource"), request.get("appSource")) {
        out.insert("appSource".into(), v.clone());
    }
    let numbers = |out: &mut Map<String, Value>, from: Option<&Value>, to: &str| {
        if let Some(n) = number_of(from) {
            out.insert(to.into(), js::number(n));
        }
    };
    match kind {
        MediaType::Image => {
            let previews = match project.get("previewCount") {
                Some(v) if v.is_number() => v.as_f64().unwrap_or(f64::NAN),
                _ => to_number(request.get("previews")),
            };
            if previews.is_finite() && previews > 0.0 {
                out.insert("numberOfPreviews".into(), js::number(previews));
            }
            numbers(&mut out, project.get("width"), "width");
            numbers(&mut out, project.get("height"), "height");
            let preset = project
                .get("sizePreset")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty() && *p != "custom");
            if let Some(p) = preset {
                out.insert("sizePreset".into(), json!(p));
            }
        }
        MediaType::Video => {
            numbers(&mut out, project.get("width"), "width");
            numbers(&mut out, project.get("height"), "height");
            numbers(&mut out, kf("frames"), "frames");
            numbers(&mut out, kf("fps"), "fps");
            numbers(&mut out, kf("duration"), "duration");
        }
        MediaType::Audio => numbers(&mut out, kf("duration"), "duration"),
    }
    Value::Object(out)
}

/// The state-machine config of a rebuilt project: its id (upper case) and, from the params
/// [`params_from_recovered`] made, the result count, steps, previews and the NSFW filter.
/// `None` for an entry without an id.
pub fn project_config(project: &Value, params: &Value) -> Option<super::state::ProjectConfig> {
    let id = entry_id(project)?;
    let count = |k: &str| {
        params
            .get(k)
            .and_then(Value::as_f64)
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(|n| n.min(f64::from(u32::MAX)) as u32)
    };
    Some(super::state::ProjectConfig {
        id,
        number_of_media: count("numberOfMedia").filter(|n| *n > 0).unwrap_or(1),
        steps: count("steps"),
        number_of_previews: count("numberOfPreviews"),
        disable_nsfw_filter: params.get("disableNSFWFilter") == Some(&Value::Bool(true)),
    })
}

/// Why a reconciliation ran (`ProjectSyncReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncReason {
    /// The `authenticated` frame's snapshot.
    Authenticated,
    /// No `authenticated` arrived shortly after `connected`: the sync route was read.
    Connected,
    /// `projects.sync()` (the default).
    Manual,
    /// Projects too new at the last sync are judged now.
    Recheck,
}

impl SyncReason {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authenticated => "authenticated",
            Self::Connected => "connected",
            Self::Manual => "manual",
            Self::Recheck => "recheck",
        }
    }

    /// `sync(reason?)`'s argument: absent (or `null`) means `manual`; anything but the four
    /// names is refused with `INVALID_SYNC_REASON`.
    pub fn parse(reason: Option<&Value>) -> Result<Self, Error> {
        match reason {
            None | Some(Value::Null) => Ok(Self::Manual),
            Some(Value::String(s)) => match s.as_str() {
                "authenticated" => Ok(Self::Authenticated),
                "connected" => Ok(Self::Connected),
                "manual" => Ok(Self::Manual),
                "recheck" => Ok(Self::Recheck),
                other => Err(bad_reason(other)),
            },
            Some(other) => Err(bad_reason(&other.to_string())),
        }
    }
}

fn bad_reason(got: &str) -> Error {
    Error::invalid(
        "INVALID_SYNC_REASON",
        format!(
            "sync reason must be 'authenticated', 'connected', 'manual' or 'recheck', not {got}"
        ),
    )
}

/// A snapshot as the SDK keeps it: both arrays always present (a missing or non-array one
/// is empty), `serverTime` when the server sent a number.
pub fn snapshot_from(body: &Value) -> Value {
    let list = |k: &str| {
        body.get(k)
            .filter(|v| v.is_array())
            .cloned()
            .unwrap_or_else(|| json!([]))
    };
    let mut out = json!({
        "activeProjects": list("activeProjects"),
        "unclaimedCompletedProjects": list("unclaimedCompletedProjects"),
    });
    if let Some(t) = body.get("serverTime").filter(|t| t.is_number()) {
        out["serverTime"] = t.clone();
    }
    out
}

/// The id of a snapshot entry, upper-cased as the client keeps ids.
fn entry_id(project: &Value) -> Option<String> {
    project
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_uppercase)
}

/// One thing a sync does with a snapshot entry.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncStep<'a> {
    /// A tracked, unfinished project the server lists: replay `record` into it.
    Replay {
        /// The project id (upper case).
        id: String,
        /// The snapshot entry.
        record: &'a Value,
        /// Listed in `unclaimedCompletedProjects` (else `activeProjects`).
        completed: bool,
    },
    /// A project this client does not know, still in flight: rebuild, track and replay it.
    RehydrateActive(&'a Value),
    /// A project this client does not know that finished while it was away: rebuild,
    /// replay (its results get URLs) and announce it.
    RehydrateCompleted(&'a Value),
}

/// What a sync does with a snapshot, in snapshot order, and every id it lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncPlan<'a> {
    /// The steps.
    pub steps: Vec<SyncStep<'a>>,
    /// Every media project id the snapshot lists (upper case): tracked projects not among
    /// them are looked up.
    pub listed: Vec<String>,
}

/// Plans a sync. `tracked(id)` is `Some(finished)` for a project this client tracks;
/// `known(id)` is true for one it created or recovered before (and no longer tracks because
/// it settled): such a project is never rebuilt, so a result is announced at most once per
/// client. Entries without an id, LLM jobs and repeated ids are skipped.
pub fn plan_sync<'a>(
    snapshot: &'a Value,
    tracked: impl Fn(&str) -> Option<bool>,
    known: impl Fn(&str) -> bool,
) -> SyncPlan<'a> {
    let mut plan = SyncPlan::default();
    for (key, completed) in [
        ("activeProjects", false),
        ("unclaimedCompletedProjects", true),
    ] {
        for entry in snapshot
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = entry_id(entry) else { continue };
            if is_llm(entry) || plan.listed.contains(&id) {
                continue;
            }
            plan.listed.push(id.clone());
            match tracked(&id) {
                Some(true) => {}
                Some(false) => plan.steps.push(SyncStep::Replay {
                    id,
                    record: entry,
                    completed,
                }),
                None if known(&id) => {}
                None if completed => plan.steps.push(SyncStep::RehydrateCompleted(entry)),
                None => plan.steps.push(SyncStep::RehydrateActive(entry)),
            }
        }
    }
    plan
}

/// The outcome of one reconciliation (`ProjectSyncResult`): the `projectsSynced` payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncResult {
    /// `authenticated`, `connected`, `manual` or `recheck`.
    pub reason: String,
    /// The server's snapshot, as [`snapshot_from`] keeps it.
    pub snapshot: Value,
    /// Tracked projects the server confirmed in flight.
    pub active: Vec<String>,
    /// Tracked projects found finished (completed, failed or canceled) and updated.
    pub completed: Vec<String>,
    /// Tracked projects nobody on the server knows: failed with the project-lost error.
    pub lost: Vec<String>,
    /// Tracked projects whose state could not be verified (a lookup failed): untouched.
    pub unverified: Vec<String>,
    /// Projects this client did not know, in flight: now tracked (`recovered: true`).
    pub recovered_active: Vec<Value>,
    /// Projects this client did not know that finished while it was away, each with
    /// `resultUrls`.
    pub recovered_completed: Vec<Value>,
}

impl SyncResult {
    /// An empty result for `reason` and `snapshot`.
    pub fn new(reason: SyncReason, snapshot: Value) -> Self {
        Self {
            reason: reason.as_str().into(),
            snapshot,
            ..Self::default()
        }
    }

    /// The JSON payload.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A `CompletedRecoveredProject`: the record with the minted `resultUrls`.
pub fn completed_recovered(record: &Value, result_urls: &[String]) -> Value {
    let mut out = record.clone();
    if let Some(o) = out.as_object_mut() {
        o.insert("resultUrls".into(), json!(result_urls));
    }
    out
}

/// `listProjectsElsewhere()`: the account's in-flight media projects of other app instances,
/// from the unscoped sync route. Only entries tagged with an `appId` other than `own` count
/// (an untagged entry's origin is unknown).
pub fn projects_elsewhere(body: &Value, own: &str) -> Vec<Value> {
    body.get("activeProjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| entry_id(p).is_some() && !is_llm(p))
        .filter(|p| {
            p.get("appId")
                .and_then(Value::as_str)
                .is_some_and(|a| a != own)
        })
        .cloned()
        .collect()
}

/// The verdict of `resolveMissing` on one id (`ProjectResolution`).
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The finished record (`GET /v1/projects/{id}`).
    Finished(Value),
    /// The owner's live lookup confirms a failure or cancellation (no full record).
    Terminal(Value),
    /// In flight: the socket lists it, or the live lookup says pending/queued/processing.
    Active,
    /// Nobody knows it: the record, the socket's list and the live lookup all said no.
    Lost,
    /// No verdict: a lookup failed, or a completion's record is not stored yet.
    Unknown(Error),
}

impl Verdict {
    /// The wire name of the state.
    pub fn state(&self) -> &'static str {
        match self {
            Self::Finished(_) => "finished",
            Self::Terminal(_) => "terminal",
            Self::Active => "active",
            Self::Lost => "lost",
            Self::Unknown(_) => "unknown",
        }
    }

    /// `{state, project?}` (the `error` of `lost`/`unknown` is added by the caller as a JS
    /// error object).
    pub fn to_value(&self) -> Value {
        match self {
            Self::Finished(p) | Self::Terminal(p) => json!({"state": self.state(), "project": p}),
            _ => json!({"state": self.state()}),
        }
    }

    /// The error a `lost` or `unknown` verdict carries.
    pub fn error(&self) -> Option<Error> {
        match self {
            Self::Lost => Some(super::recovery::project_lost_error()),
            Self::Unknown(e) => Some(e.clone()),
            _ => None,
        }
    }
}

/// Is this `/v2/projects/{id}` snapshot one of the in-flight states?
fn live_in_flight(r: &Value) -> bool {
    r.get("finished").and_then(Value::as_bool) != Some(true)
        && matches!(
            r.get("status").and_then(Value::as_str),
            Some("pending" | "queued" | "processing")
        )
}

/// Does a 404 from `/v1/projects/{id}` still need the other sources?
pub fn needs_more_than_record(v1: &Result<Value, Error>) -> bool {
    matches!(Lookup::from_result(v1.clone()), Lookup::NotFound)
}

/// Decides one id of `resolveMissing` from the finished record (`v1`, after its retries),
/// whether the socket's active list names it (`None`: the list could not be read) and the
/// owner's live lookup (`v2`; only consulted when the others did not decide).
///
/// Hardening over 5.54, which calls a project lost when the record is 404 and nothing else
/// vouches for it: `lost` needs all three sources to have answered — a failed live lookup or
/// an unreadable active list gives `unknown` instead.
pub fn missing_verdict(
    v1: &Result<Value, Error>,
    live: Option<bool>,
    v2: &Result<Value, Error>,
) -> Verdict {
    match Lookup::from_result(v1.clone()) {
        Lookup::Found(record) => return Verdict::Finished(record),
        Lookup::Failed => {
            let error = v1.clone().err().unwrap_or_else(|| Error::Protocol {
                message: "project record: not an object".into(),
            });
            return Verdict::Unknown(error);
        }
        Lookup::NotFound => {}
    }
    if live == Some(true) {
        return Verdict::Active;
    }
    match Lookup::from_result(v2.clone()) {
        Lookup::Found(r) if live_in_flight(&r) => Verdict::Active,
        Lookup::Found(r) => {
            let finished = r.get("finished").and_then(Value::as_bool) == Some(true);
            match r.get("status").and_then(Value::as_str) {
                Some("failed" | "canceled") if finished => Verdict::Terminal(r),
                _ if finished => Verdict::Unknown(Error::Protocol {
                    message: "the project finished but its full record is not available yet".into(),
                }),
                _ => Verdict::Unknown(Error::Protocol {
                    message: "the live lookup gave an unknown project status".into(),
                }),
            }
        }
        Lookup::NotFound if live == Some(false) => Verdict::Lost,
        Lookup::NotFound => Verdict::Unknown(Error::Transport {
            message: "the socket's list of active projects could not be read".into(),
        }),
        Lookup::Failed => Verdict::Unknown(v2.clone().err().unwrap_or(Error::Protocol {
            message: "project status: not an object".into(),
        })),
    }
}

/// `resolveMissing`'s options: `attempts` (≥ 1, default 4) lookups of the finished record,
/// `delayMs` (≥ 0, default 2500) apart. Anything else is refused with `INVALID_PARAMS`.
pub fn resolve_options(options: &Value) -> Result<(u32, f64), Error> {
    let bad = |m: &str| Error::invalid("INVALID_PARAMS", m.to_string());
    let (mut attempts, mut delay) = (4u32, 2_500.0);
    match options {
        Value::Null => return Ok((attempts, delay)),
        Value::Object(_) => {}
        _ => return Err(bad("resolveMissing options must be an object")),
    }
    match options.get("attempts") {
        None | Some(Value::Null) => {}
        Some(v) => {
            let n = v.as_f64().filter(|n| js::is_integer(*n) && *n >= 1.0);
            let n = n.ok_or_else(|| bad("attempts must be an integer of at least 1"))?;
            attempts = n.min(100.0) as u32;
        }
    }
    match options.get("delayMs") {
        None | Some(Value::Null) => {}
        Some(v) => {
            let n = v.as_f64().filter(|n| n.is_finite() && *n >= 0.0);
            delay = n.ok_or_else(|| bad("delayMs must be a finite number of at least 0"))?;
        }
    }
    Ok((attempts, delay))
}

/// `resolveMissing`'s ids: an array of non-empty strings, de-duplicated (case-insensitively,
/// upper-cased as the client keeps ids), else `INVALID_PROJECT_IDS`.
pub fn project_ids(ids: &Value) -> Result<Vec<String>, Error> {
    let bad = || {
        Error::invalid(
            "INVALID_PROJECT_IDS",
            "projectIds must be an array of project id strings",
        )
    };
    let mut out: Vec<String> = Vec::new();
    for id in ids.as_array().ok_or_else(bad)? {
        let id = id
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(bad)?;
        let id = id.to_ascii_uppercase();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn b64(v: &Value) -> String {
        base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(v).unwrap())
    }

    fn image_record() -> Value {
        let request = json!({
            "jobID": "P1", "numberOfImages": 2, "previews": 1, "network": "fast",
            "tokenType": "spark", "disableSafety": true, "outputFormat": "jpg",
            "appSource": "my-app",
            "keyFrames": [{"modelID": "flux1-schnell-fp8", "positivePrompt": "a cat",
                           "negativePrompt": "", "stylePrompt": "ink", "steps": 20,
                           "guidanceScale": 1, "seed": 42, "loras": [], "sizePreset": "custom"}]
        });
        json!({"id": "p1", "appId": "app", "model": {"id": "flux1-schnell-fp8"},
               "imageCount": 2, "stepCount": 4, "previewCount": 1, "width": 512,
               "height": 384, "sizePreset": "custom", "status": "queued",
               "clientRequestData": b64(&request)})
    }

    #[test]
    fn params_are_rebuilt_from_the_record_and_the_original_request() {
        let p = params_from_recovered(&image_record());
        assert_eq!(
            p,
            json!({"type": "image", "modelId": "flux1-schnell-fp8", "numberOfMedia": 2,
                   "positivePrompt": "a cat", "stylePrompt": "ink", "steps": 4,
                   "guidance": 1, "seed": 42, "network": "fast", "tokenType": "spark",
                   "disableNSFWFilter": true, "outputFormat": "jpg", "appSource": "my-app",
                   "numberOfPreviews": 1, "width": 512, "height": 384})
        );
    }

    #[test]
    fn a_rebuilt_project_gets_its_config_from_the_params() {
        let record = image_record();
        let c = project_config(&record, &params_from_recovered(&record)).unwrap();
        assert_eq!(c.id, "P1");
        assert_eq!(c.number_of_media, 2);
        assert_eq!(c.steps, Some(4));
        assert_eq!(c.number_of_previews, Some(1));
        assert!(c.disable_nsfw_filter);
        let bare = project_config(&json!({"id": "x"}), &json!({})).unwrap();
        assert_eq!((bare.number_of_media, bare.steps), (1, None));
        assert!(project_config(&json!({}), &json!({})).is_none());
    }

    #[test]
    fn params_of_video_audio_and_bare_records() {
        let request = json!({"numberOfImages": "3", "network": "slow",
            "keyFrames": [{"modelID": "wan_v2.2-14b-fp8_t2v", "positivePrompt": "waves",
                           "frames": 81, "fps": 16, "steps": 8}]});
        let video = json!({"id": "V", "modelType": "video", "model": {"id": "x"},
                           "width": 640, "height": 480, "clientRequestData": b64(&request)});
        assert_eq!(
            params_from_recovered(&video),
            json!({"type": "video", "modelId": "wan_v2.2-14b-fp8_t2v", "numberOfMedia": 3,
                   "positivePrompt": "waves", "steps": 8, "width": 640, "height": 480,
                   "frames": 81, "fps": 16})
        );
        let audio = json!({"id": "A", "model": {"id": "ace", "type": "music"},
            "imageCount": 1, "clientRequestData": b64(&json!({"keyFrames": [{"duration": 30}]}))});
        assert_eq!(
            params_from_recovered(&audio),
            json!({"type": "audio", "modelId": "ace", "numberOfMedia": 1,
                   "positivePrompt": "", "duration": 30})
        );
        // No request, bad request: the record alone.
        for data in [json!(null), json!("%%%"), json!(b64(&json!([1, 2])))] {
            let bare = json!({"id": "B", "model": {"id": "m"}, "clientRequestData": data});
            assert_eq!(
                params_from_recovered(&bare),
                json!({"type": "image", "modelId": "m", "numberOfMedia": 1, "positivePrompt": ""})
            );
        }
        assert_eq!(
            params_from_recovered(&json!({}))["modelId"],
            json!(""),
            "nothing at all still gives the shape"
        );
    }

    #[test]
    fn client_request_data_decoding_is_lenient_like_atob() {
        let v = json!({"a": 1});
        let padded = b64(&v);
        let unpadded = padded.trim_end_matches('=').to_string();
        let spaced = format!(" {}\n{} ", &padded[..4], &padded[4..]);
        for s in [padded, unpadded, spaced] {
            assert_eq!(
                decode_client_request_data(Some(&json!(s))),
                Some(v.as_object().unwrap().clone())
            );
        }
        assert_eq!(decode_client_request_data(None), None);
        assert_eq!(decode_client_request_data(Some(&json!(""))), None);
        assert_eq!(decode_client_request_data(Some(&json!(5))), None);
        assert_eq!(
            decode_client_request_data(Some(&json!("not base64!"))),
            None
        );
    }

    #[test]
    fn media_types_and_llm_entries() {
        assert_eq!(media_type(&json!({"modelType": "video"})), MediaType::Video);
        assert_eq!(
            media_type(&json!({"modelType": "", "model": {"type": "audio"}})),
            MediaType::Audio
        );
        assert_eq!(
            media_type(&json!({"model": {"type": "music"}})),
            MediaType::Audio
        );
        assert_eq!(media_type(&json!({"model": {}})), MediaType::Image);
        assert!(is_llm(&json!({"jobType": "llm"})));
        assert!(is_llm(&json!({"model": {"type": "llm"}})));
        assert!(!is_llm(&json!({"jobType": "image"})));
        assert!(is_project_lost(Some(PROJECT_LOST_ORIGINAL_CODE)));
        assert!(!is_project_lost(Some("artistCanceled")));
        assert!(!is_project_lost(None));
    }

    #[test]
    fn sync_reasons_and_snapshots() {
        assert_eq!(SyncReason::parse(None).unwrap(), SyncReason::Manual);
        assert_eq!(
            SyncReason::parse(Some(&Value::Null)).unwrap(),
            SyncReason::Manual
        );
        assert_eq!(
            SyncReason::parse(Some(&json!("recheck"))).unwrap().as_str(),
            "recheck"
        );
        for bad in [json!("later"), json!(3), json!({})] {
            assert_eq!(
                SyncReason::parse(Some(&bad)).unwrap_err().code(),
                "INVALID_SYNC_REASON"
            );
        }
        assert_eq!(
            snapshot_from(&json!({"activeProjects": [{"id": "A"}], "serverTime": 5})),
            json!({"activeProjects": [{"id": "A"}], "unclaimedCompletedProjects": [], "serverTime": 5})
        );
        assert_eq!(
            snapshot_from(&json!({"activeProjects": {}, "serverTime": "x"})),
            json!({"activeProjects": [], "unclaimedCompletedProjects": []})
        );
        let r = SyncResult::new(SyncReason::Connected, json!({})).to_value();
        assert_eq!(r["reason"], "connected");
        for k in [
            "active",
            "completed",
            "lost",
            "unverified",
            "recoveredActive",
            "recoveredCompleted",
        ] {
            assert_eq!(r[k], json!([]), "{k}");
        }
    }

    #[test]
    fn a_sync_replays_tracked_projects_and_rebuilds_unknown_ones_once() {
        let snap = json!({
            "activeProjects": [
                {"id": "t1"}, {"id": "NEW1"}, {"id": "llm1", "jobType": "llm"}, {"id": "T1"},
                {"noId": true}, {"id": "DONE"}, {"id": "old"}
            ],
            "unclaimedCompletedProjects": [
                {"id": "t2"}, {"id": "NEW2"}, {"id": "seen"}, {"id": "new1"}
            ]
        });
        let tracked = |id: &str| match id {
            "T1" | "T2" => Some(false),
            "DONE" => Some(true),
            _ => None,
        };
        let known = |id: &str| id == "SEEN" || id == "OLD";
        let plan = plan_sync(&snap, tracked, known);
        let a = &snap["activeProjects"];
        let c = &snap["unclaimedCompletedProjects"];
        assert_eq!(
            plan.steps,
            vec![
                SyncStep::Replay {
                    id: "T1".into(),
                    record: &a[0],
                    completed: false
                },
                SyncStep::RehydrateActive(&a[1]),
                SyncStep::Replay {
                    id: "T2".into(),
                    record: &c[0],
                    completed: true
                },
                SyncStep::RehydrateCompleted(&c[1]),
            ]
        );
        assert_eq!(
            plan.listed,
            ["T1", "NEW1", "DONE", "OLD", "T2", "NEW2", "SEEN"]
        );
        assert_eq!(plan_sync(&json!({}), tracked, known), SyncPlan::default());
    }

    #[test]
    fn other_app_instances_projects() {
        let body = json!({"activeProjects": [
            {"id": "A", "appId": "mine"}, {"id": "B", "appId": "other"},
            {"id": "C"}, {"id": "D", "appId": "other", "jobType": "llm"}, {"appId": "other"}
        ]});
        assert_eq!(
            projects_elsewhere(&body, "mine"),
            vec![json!({"id": "B", "appId": "other"})]
        );
        assert!(projects_elsewhere(&json!({}), "mine").is_empty());
        assert_eq!(
            completed_recovered(&json!({"id": "A"}), &["u".into()]),
            json!({"id": "A", "resultUrls": ["u"]})
        );
    }

    #[test]
    fn missing_projects_are_finished_terminal_active_lost_or_unknown() {
        let record = Ok(json!({"project": {"id": "P", "status": "completed"}}));
        let none = Err(Error::api_status(404));
        let down = Err(Error::api_status(503));
        let live = |status: &str, finished: bool| {
            Ok(json!({"project": {"id": "P", "status": status, "finished": finished}}))
        };
        assert_eq!(
            missing_verdict(&record, None, &down),
            Verdict::Finished(json!({"id": "P", "status": "completed"}))
        );
        assert_eq!(
            missing_verdict(&down, Some(false), &none).error(),
            Some(Error::api_status(503))
        );
        assert_eq!(missing_verdict(&none, Some(true), &down), Verdict::Active);
        assert_eq!(
            missing_verdict(&none, Some(false), &live("queued", false)),
            Verdict::Active
        );
        let failed = missing_verdict(&none, Some(false), &live("failed", true));
        assert_eq!(failed.state(), "terminal");
        assert_eq!(failed.to_value()["project"]["status"], "failed");
        assert_eq!(
            missing_verdict(&none, None, &live("completed", true)).state(),
            "unknown"
        );
        let lost = missing_verdict(&none, Some(false), &none);
        assert_eq!(lost, Verdict::Lost);
        assert_eq!(lost.to_value(), json!({"state": "lost"}));
        match lost.error() {
            Some(Error::Job { original_code, .. }) => {
                assert!(is_project_lost(original_code.as_deref()))
            }
            other => panic!("{other:?}"),
        }
        // Hardening: no `lost` without every source's answer.
        assert_eq!(missing_verdict(&none, None, &none).state(), "unknown");
        assert_eq!(
            missing_verdict(&none, Some(false), &down).error(),
            Some(Error::api_status(503))
        );
        assert!(needs_more_than_record(&none));
        assert!(!needs_more_than_record(&down));
        assert!(!needs_more_than_record(&record));
    }

    #[test]
    fn resolve_missing_arguments_are_checked() {
        assert_eq!(resolve_options(&Value::Null).unwrap(), (4, 2_500.0));
        assert_eq!(
            resolve_options(&json!({"attempts": 1, "delayMs": 0})).unwrap(),
            (1, 0.0)
        );
        for bad in [
            json!({"attempts": 0}),
            json!({"attempts": 1.5}),
            json!({"attempts": "2"}),
            json!({"delayMs": -1}),
            json!("fast"),
        ] {
            assert_eq!(
                resolve_options(&bad).unwrap_err().code(),
                "INVALID_PARAMS",
                "{bad}"
            );
        }
        assert_eq!(
            project_ids(&json!(["a", "A", " b "])).unwrap(),
            vec!["A".to_string(), "B".to_string()]
        );
        for bad in [json!("a"), json!([1]), json!([""]), json!(null)] {
            assert_eq!(
                project_ids(&bad).unwrap_err().code(),
                "INVALID_PROJECT_IDS",
                "{bad}"
            );
        }
    }
}
