//! Recovering in-flight projects after a reconnect, and the staleness watchdog (5.54
//! semantics, plus the marked hardening). Pure decisions; the wasm layer does the I/O.
//!
//! After every `authenticated` (or, without one, `GET /api/v1/artist/projects/sync`), each
//! tracked unfinished project is found in the snapshot ([`listed`]) and replayed from it
//! ([`super::state::ProjectState::sync_from_record`]), or, when unlisted and older than the
//! recently-created grace, looked up ([`resolve`]): the live `/v2/projects/{id}`, the
//! socket's active list and the finished `/v1/projects/{id}` record decide whether it is
//! still running, finished while the client was away (replayed), or gone. A request written
//! on a connection that then dropped, that no server frame or lookup ever mentioned, is
//! sent again — once ([`may_resend`]); the emulator counts a second `jobRequest` for an
//! admitted project as a duplicate, so this never makes one.
//!
//! The watchdog ([`is_stale`]) runs the same lookup for a project silent for
//! `stale_ms` while the socket is up (and, hardening, for every project while the socket
//! is closed for good with the credentials kept — 1000 or 4015 — so results still arrive
//! over REST). A project the lookup cannot place earns a strike; at [`Tuning::max_strikes`]
//! the client cancels it and fails it as "Project timed out".

use crate::Error;
use serde_json::Value;

/// Timings of recovery and the watchdog (the official defaults; the soak test shrinks them).
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// A project silent this long is checked (official: 2 min).
    pub stale_ms: f64,
    /// Wait this long after `connected` for `authenticated` before pulling the snapshot.
    pub authenticated_grace_ms: f64,
    /// A project (re)submitted less than this long before a snapshot is not missing yet.
    pub recently_created_grace_ms: f64,
    /// Strikes before a project is failed as timed out.
    pub max_strikes: u32,
    /// How often unfinished projects are looked up while the socket is closed for good
    /// (hardening: the official client waits for a reconnect that may never come).
    pub offline_poll_ms: f64,
    /// How long a project refused with 1001 waits for a connection to be resent on.
    pub resubmit_timeout_ms: f64,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            stale_ms: 120_000.0,
            authenticated_grace_ms: 1_500.0,
            recently_created_grace_ms: 5_000.0,
            max_strikes: 3,
            offline_poll_ms: 5_000.0,
            resubmit_timeout_ms: 60_000.0,
        }
    }
}

impl Tuning {
    /// Reads `_recoveryTuning` overrides (`staleMs`, `authenticatedGraceMs`,
    /// `recentlyCreatedGraceMs`, `maxStrikes`, `offlinePollMs`, `resubmitTimeoutMs`);
    /// missing or invalid values keep their defaults.
    pub fn from_value(v: Option<&Value>) -> Self {
        let mut t = Self::default();
        let Some(v) = v.and_then(Value::as_object) else {
            return t;
        };
        let ms = |k: &str, slot: &mut f64| {
            if let Some(n) = v
                .get(k)
                .and_then(Value::as_f64)
                .filter(|n| n.is_finite() && *n >= 0.0)
            {
                *slot = n;
            }
        };
        ms("staleMs", &mut t.stale_ms);
        ms("authenticatedGraceMs", &mut t.authenticated_grace_ms);
        ms("recentlyCreatedGraceMs", &mut t.recently_created_grace_ms);
        ms("offlinePollMs", &mut t.offline_poll_ms);
        ms("resubmitTimeoutMs", &mut t.resubmit_timeout_ms);
        if let Some(n) = v.get("maxStrikes").and_then(Value::as_u64) {
            t.max_strikes = (n as u32).max(1);
        }
        t
    }
}

/// Where a recovery snapshot (`authenticated` or the sync route) puts a project.
#[derive(Debug, Clone, PartialEq)]
pub enum Listed<'a> {
    /// In `activeProjects`: replay this record.
    Active(&'a Value),
    /// In `unclaimedCompletedProjects`: replay this record.
    Completed(&'a Value),
    /// Not mentioned.
    Unlisted,
}

/// Finds project `id` in a snapshot `{activeProjects, unclaimedCompletedProjects}`.
pub fn listed<'a>(snapshot: &'a Value, id: &str) -> Listed<'a> {
    let find = |key: &str| {
        snapshot
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|p| {
                p.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|pid| pid.eq_ignore_ascii_case(id))
            })
    };
    if let Some(p) = find("activeProjects") {
        Listed::Active(p)
    } else if let Some(p) = find("unclaimedCompletedProjects") {
        Listed::Completed(p)
    } else {
        Listed::Unlisted
    }
}

/// Does the snapshot carry recovery arrays at all (an `authenticated` of a server that
/// supports recovery)?
pub fn has_snapshot(data: &Value) -> bool {
    data.get("activeProjects").is_some_and(Value::is_array)
}

/// The answer of one REST lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// 2xx with the project record (the `data.project` or the bare body).
    Found(Value),
    /// 404.
    NotFound,
    /// Anything else (5xx after retries, transport, 401…): no verdict.
    Failed,
}

impl Lookup {
    /// From a REST result: `Ok(data)` → the record under `project`; 404 → not found.
    pub fn from_result(r: Result<Value, Error>) -> Self {
        match r {
            Ok(v) => {
                let record = v.get("project").cloned().unwrap_or(v);
                if record.is_object() {
                    Self::Found(record)
                } else {
                    Self::Failed
                }
            }
            Err(Error::Api { status: 404, .. }) => Self::NotFound,
            Err(_) => Self::Failed,
        }
    }
}

/// What a lookup concluded about a project the snapshot did not list.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Still queued or rendering: wait for live events.
    Active,
    /// The server has a record: replay it (it may complete, fail or cancel the project).
    Replay(Value),
    /// Nobody knows it: send it again if [`may_resend`], else it is lost.
    Missing,
    /// No verdict (a lookup failed): try again later.
    Unknown,
}

/// Is a `/v2` lookup status one of the in-flight ones?
fn in_flight(record: &Value) -> bool {
    let finished = record.get("finished").and_then(Value::as_bool);
    let status = record.get("status").and_then(Value::as_str).unwrap_or("");
    finished != Some(true)
        && matches!(
            status,
            "pending" | "queued" | "processing" | "active" | "assigned" | "progress" | "authorized"
        )
}

/// Step 1: the live lookup (`GET /v2/projects/{id}`). `Some` when it decides alone.
pub fn after_live_lookup(v2: &Lookup) -> Option<Resolution> {
    match v2 {
        Lookup::Found(r) if in_flight(r) => Some(Resolution::Active),
        // Finished: the full record (`/v1`) is preferred, see [`after_record_lookup`].
        Lookup::Found(_) => None,
        Lookup::NotFound => None,
        Lookup::Failed => None,
    }
}

/// Step 2, after the socket's active list (`None` when it could not be read) and the
/// finished record (`GET /v1/projects/{id}`).
pub fn after_record_lookup(v2: &Lookup, live_listed: Option<bool>, v1: &Lookup) -> Resolution {
    if live_listed == Some(true) {
        return Resolution::Active;
    }
    match (v1, v2) {
        (Lookup::Found(r), _) => Resolution::Replay(r.clone()),
        // A finished live snapshot with job arrays stands in for a record not stored yet.
        (_, Lookup::Found(r)) if !in_flight(r) && has_jobs(r) => Resolution::Replay(r.clone()),
        (_, Lookup::Found(_)) => Resolution::Unknown,
        (Lookup::NotFound, Lookup::NotFound) if live_listed == Some(false) => Resolution::Missing,
        // The live list could not be read, or the live lookup failed: no verdict.
        _ => Resolution::Unknown,
    }
}

fn has_jobs(r: &Value) -> bool {
    r.get("completedWorkerJobs").is_some_and(Value::is_array)
        || r.get("workerJobs").is_some_and(Value::is_array)
}

/// Is `id` in the socket's active list (`{projects:[{id}]}`)? `None` when unreadable.
pub fn live_listed(body: &Result<Value, Error>, id: &str) -> Option<bool> {
    let list = body.as_ref().ok()?.get("projects")?.as_array()?;
    Some(list.iter().any(|p| {
        p.get("id")
            .and_then(Value::as_str)
            .is_some_and(|x| x.eq_ignore_ascii_case(id))
    }))
}

/// What the client knows about a request's delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Delivery {
    /// The connection generation the `jobRequest` was written on (`None`: not sent yet).
    pub sent_on: Option<u32>,
    /// Some server frame or record has mentioned the project.
    pub admitted: bool,
    /// Times it was sent again after being found missing (at most [`MAX_RESENDS`]).
    pub resends: u32,
    /// The project has settled.
    pub finished: bool,
}

/// How many times a missing project is sent again (5.54: once; every resend must itself
/// have died with its connection, so a second loss is as safe to repair as the first).
pub const MAX_RESENDS: u32 = 3;

/// May a missing project's request be sent again? Only when its last copy was written on a
/// connection that has since been replaced (`current` is the live, authenticated one), no
/// server frame or record ever mentioned it, it was re-sent fewer than [`MAX_RESENDS`]
/// times, and it has not settled. A frame written into a dead socket can never arrive
/// later, and the project was unknown to the live lookup, the socket's list and the record,
/// so this cannot run a project twice.
pub fn may_resend(d: &Delivery, current: u32, authenticated: bool) -> bool {
    authenticated
        && !d.admitted
        && d.resends < MAX_RESENDS
        && !d.finished
        && d.sent_on.is_some_and(|g| g < current)
}

/// Is a project silent for long enough to be checked?
pub fn is_stale(last_alive_ms: f64, now_ms: f64, tuning: &Tuning) -> bool {
    now_ms - last_alive_ms >= tuning.stale_ms
}

/// The failure of a project the server has no record of (the official `PROJECT_LOST_ERROR`).
pub fn project_lost_error() -> Error {
    Error::Job {
        code: 0,
        original_code: Some(super::recovered::PROJECT_LOST_ORIGINAL_CODE.into()),
        message: "The server has no record of this generation. It may have been interrupted by a restart — please try again.".into(),
    }
}

/// The failure of a project that exhausted its strikes (official wording).
pub fn project_timed_out_error() -> Error {
    Error::Job {
        code: 0,
        original_code: None,
        message: "Project timed out. Please try again or contact support.".into(),
    }
}

/// The failure of a job of a timed-out project (official wording).
pub fn job_timed_out_error() -> Error {
    Error::Job {
        code: 0,
        original_code: None,
        message: "Job timed out".into(),
    }
}

/// The failure of a project the server refused while restarting and that could not be sent
/// again in time.
pub fn resubmit_failed_error(message: &str) -> Error {
    Error::Job {
        code: 1001,
        original_code: None,
        message: if message.is_empty() {
            "The server was restarting and the project could not be resubmitted".into()
        } else {
            message.to_string()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn snapshots_list_active_then_completed_case_insensitively() {
        let snap = json!({"activeProjects": [{"id": "ABC"}], "unclaimedCompletedProjects": [{"id": "DEF", "status": "completed"}]});
        assert_eq!(
            listed(&snap, "abc"),
            Listed::Active(&snap["activeProjects"][0])
        );
        assert_eq!(
            listed(&snap, "DEF"),
            Listed::Completed(&snap["unclaimedCompletedProjects"][0])
        );
        assert_eq!(listed(&snap, "X"), Listed::Unlisted);
        assert_eq!(listed(&json!({}), "X"), Listed::Unlisted);
        assert!(has_snapshot(&snap));
        assert!(!has_snapshot(&json!({"activeProjects": null})));
    }

    #[test]
    fn lookups_decide_active_replay_missing_or_unknown() {
        let running = Lookup::Found(json!({"id": "P", "status": "processing", "finished": false}));
        assert_eq!(after_live_lookup(&running), Some(Resolution::Active));
        let done = Lookup::Found(
            json!({"id": "P", "status": "completed", "finished": true, "completedWorkerJobs": []}),
        );
        assert_eq!(after_live_lookup(&done), None);
        let record = Lookup::Found(json!({"id": "P", "status": "completed"}));
        assert!(matches!(
            after_record_lookup(&done, Some(false), &record),
            Resolution::Replay(r) if r["status"] == "completed"
        ));
        // The live snapshot replaces a record not stored yet.
        assert!(matches!(
            after_record_lookup(&done, Some(false), &Lookup::NotFound),
            Resolution::Replay(r) if r["finished"] == true
        ));
        // Listed by the socket after all: in flight.
        assert_eq!(
            after_record_lookup(&Lookup::NotFound, Some(true), &Lookup::NotFound),
            Resolution::Active
        );
        // Nobody knows it.
        assert_eq!(
            after_record_lookup(&Lookup::NotFound, Some(false), &Lookup::NotFound),
            Resolution::Missing
        );
        // No verdict without the live list or with a failed lookup.
        assert_eq!(
            after_record_lookup(&Lookup::NotFound, None, &Lookup::NotFound),
            Resolution::Unknown
        );
        assert_eq!(
            after_record_lookup(&Lookup::Failed, Some(false), &Lookup::NotFound),
            Resolution::Unknown
        );
        assert_eq!(
            after_record_lookup(&Lookup::NotFound, Some(false), &Lookup::Failed),
            Resolution::Unknown
        );
    }

    #[test]
    fn lookup_results_and_live_lists() {
        assert_eq!(
            Lookup::from_result(Err(Error::api_status(404))),
            Lookup::NotFound
        );
        assert_eq!(
            Lookup::from_result(Err(Error::api_status(503))),
            Lookup::Failed
        );
        assert_eq!(
            Lookup::from_result(Ok(json!({"project": {"id": "P"}}))),
            Lookup::Found(json!({"id": "P"}))
        );
        assert_eq!(Lookup::from_result(Ok(json!(null))), Lookup::Failed);
        let body = Ok(json!({"projects": [{"id": "abc"}]}));
        assert_eq!(live_listed(&body, "ABC"), Some(true));
        assert_eq!(live_listed(&body, "X"), Some(false));
        assert_eq!(live_listed(&Err(Error::api_status(500)), "X"), None);
        assert_eq!(live_listed(&Ok(json!({})), "X"), None);
    }

    #[test]
    fn a_request_is_resent_a_few_times_and_only_from_a_dead_connection() {
        let sent = Delivery {
            sent_on: Some(3),
            ..Delivery::default()
        };
        assert!(may_resend(&sent, 4, true));
        let again = Delivery {
            resends: MAX_RESENDS - 1,
            ..sent
        };
        assert!(may_resend(&again, 4, true));
        assert!(
            !may_resend(&sent, 3, true),
            "same connection: it may still arrive"
        );
        assert!(!may_resend(&sent, 4, false), "no connection to send on");
        for d in [
            Delivery {
                admitted: true,
                ..sent
            },
            Delivery {
                resends: MAX_RESENDS,
                ..sent
            },
            Delivery {
                finished: true,
                ..sent
            },
            Delivery::default(),
        ] {
            assert!(!may_resend(&d, 9, true), "{d:?}");
        }
    }

    #[test]
    fn tuning_overrides_and_staleness() {
        let t = Tuning::from_value(Some(
            &json!({"staleMs": 500, "maxStrikes": 0, "offlinePollMs": -1, "bogus": 1}),
        ));
        assert_eq!(t.stale_ms, 500.0);
        assert_eq!(t.max_strikes, 1);
        assert_eq!(t.offline_poll_ms, Tuning::default().offline_poll_ms);
        assert!(is_stale(0.0, 500.0, &t));
        assert!(!is_stale(100.0, 500.0, &t));
        assert_eq!(Tuning::from_value(None), Tuning::default());
        assert_eq!(project_lost_error().code(), "0");
    }
}
