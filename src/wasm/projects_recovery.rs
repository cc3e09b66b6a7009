//! The official recovery API on `sogni.projects` (`sync`, `listProjectsElsewhere`,
//! `resolveMissing`) and the root helpers `isProjectLostError` and
//! `projectParamsFromRecoveredProject`. Thin: the decisions are
//! [`crate::projects::recovered`]'s, the I/O is `recovery.rs`'s.

use super::abort::guard;
use super::errors::to_js;
use super::glue;
use super::project::AbortSignal;
use super::projects::{js, ProjectsApi};
use crate::projects::recovered::{self as public, SyncReason};
use crate::Error;
use js_sys::{Object, Promise};
use serde_json::Value;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_RECOVERY: &str = r#"
/** Why a reconciliation ran. */
export type ProjectSyncReason = 'authenticated' | 'connected' | 'manual' | 'recheck';
/** `GET /api/v1/artist/projects/sync` (and the two arrays of `authenticated`). */
export interface ProjectRecoverySnapshot {
  activeProjects: RecoveredProject[];
  unclaimedCompletedProjects: RecoveredProject[];
  serverTime?: number;
}
/** A project that finished while this client was away, with its result URLs. */
export type CompletedRecoveredProject = RecoveredProject & { resultUrls: string[] };
/** What one reconciliation did (`projects.sync()`, the `projectsSynced` event). */
export interface ProjectSyncResult {
  reason: ProjectSyncReason;
  snapshot: ProjectRecoverySnapshot;
  /** Tracked projects the server confirmed in flight. */
  active: string[];
  /** Tracked projects found finished and updated. */
  completed: string[];
  /** Tracked projects nobody knows: failed with the project-lost error. */
  lost: string[];
  /** Tracked projects whose state could not be verified. */
  unverified: string[];
  /** Unknown in-flight projects of this appId, now tracked (`Project.recovered`). */
  recoveredActive: RecoveredProject[];
  /** Unknown projects of this appId that finished while away. */
  recoveredCompleted: CompletedRecoveredProject[];
}
/** What `resolveMissing` found about one id. `error` (this SDK's) is the project-lost error or the lookup failure. */
export type ProjectResolution =
  | { state: 'finished'; project: RawProject }
  | { state: 'terminal'; project: ProjectStatusSnapshot }
  | { state: 'active' }
  | { state: 'lost'; error: Error & { code: number; originalCode: string } }
  | { state: 'unknown'; error: Error & { code: number | string } };
/** `resolveMissing` options: record lookups (default 4) `delayMs` apart (default 2500). */
export interface ResolveMissingOptions { attempts?: number; delayMs?: number; signal?: AbortSignal }
/** `ErrorData`-like values `isProjectLostError` reads. */
export interface ProjectErrorLike { code?: number | string; originalCode?: string; message?: string }
"#;

#[wasm_bindgen]
impl ProjectsApi {
    /// Reconciles this client's projects with the server (`GET
    /// /api/v1/artist/projects/sync?appId=`): tracked projects are replayed or looked up
    /// (and failed as lost when nobody knows them), projects of this appId the client does
    /// not know are rebuilt and tracked (`Project.recovered`). The SDK does this on its own
    /// after every `authenticated`. Also emitted as `projectsSynced`; `signal` aborts the
    /// wait (the reconciliation itself goes on).
    #[wasm_bindgen(unchecked_return_type = "Promise<ProjectSyncResult>")]
    pub fn sync(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ProjectSyncReason")] reason: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal")] signal: JsValue,
    ) -> Promise {
        let state = self.shared.projects.clone();
        let signal: Option<AbortSignal> = signal.is_object().then(|| signal.unchecked_into());
        let signal_js = signal.clone().map(JsValue::from);
        guard(&super::abort::opt(&signal), "projects.sync", async move {
            let reason = if reason.is_undefined() {
                None
            } else {
                Some(serde_wasm_bindgen::from_value::<Value>(reason).unwrap_or(Value::Bool(true)))
            };
            let reason = SyncReason::parse(reason.as_ref()).map_err(|e| to_js(&e))?;
            let result = state
                .sync(None, reason, signal_js.as_ref())
                .await
                .map_err(|e| to_js(&e))?;
            Ok(js(&result.to_value()))
        })
    }

    /// The account's in-flight projects on other app instances (another appId: a second
    /// tab, device or process). Read-only: they are not tracked and get no events here.
    /// `signal` aborts the request.
    #[wasm_bindgen(js_name = listProjectsElsewhere, unchecked_return_type = "Promise<RecoveredProject[]>")]
    pub fn list_projects_elsewhere(&self, signal: Option<AbortSignal>) -> Promise {
        let state = self.shared.projects.clone();
        let signal_js = signal.clone().map(JsValue::from);
        guard(
            &super::abort::opt(&signal),
            "listProjectsElsewhere",
            async move {
                let body = state
                    .client
                    .socket_get_with("/api/v1/artist/projects/sync", signal_js.as_ref())
                    .await
                    .map_err(|e| to_js(&e))?;
                Ok(js(&public::projects_elsewhere(&body, &state.client.app_id)))
            },
        )
    }

    /// Looks up projects a snapshot did not list: `{[id]: {state: 'finished' | 'terminal' |
    /// 'active' | 'lost' | 'unknown', …}}`. The finished record is tried `attempts` times
    /// (default 4) `delayMs` apart (default 2500) while it is 404, then the socket's active
    /// list and the live lookup decide. `lost` and `unknown` carry an `error` (for `lost`,
    /// one `isProjectLostError` accepts). `options.signal` aborts the wait.
    #[wasm_bindgen(js_name = resolveMissing, unchecked_return_type = "Promise<Record<string, ProjectResolution>>")]
    pub fn resolve_missing(
        &self,
        #[wasm_bindgen(js_name = projectIds, unchecked_param_type = "string[]")]
        project_ids: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ResolveMissingOptions")] options: JsValue,
    ) -> Promise {
        let state = self.shared.projects.clone();
        let signal = super::abort::signal_of(&options);
        let abort_on = signal.clone().map(JsCast::unchecked_into);
        guard(
            &super::abort::opt(&abort_on),
            "resolveMissing",
            async move {
                let ids = super::glue::value_of(&project_ids);
                let ids = public::project_ids(&ids).map_err(|e| to_js(&e))?;
                let plain = if options.is_undefined() || options.is_null() {
                    Value::Null
                } else if options.is_object() {
                    // The signal is no JSON: only the numbers are read here.
                    let o = Object::new();
                    for key in ["attempts", "delayMs"] {
                        let v = glue::get(&options, key);
                        if !v.is_undefined() {
                            glue::set(&o, key, &v);
                        }
                    }
                    super::glue::value_of(&o.into())
                } else {
                    Value::Bool(true)
                };
                let (attempts, delay) = public::resolve_options(&plain).map_err(|e| to_js(&e))?;
                if state.client.is_disposed() {
                    return Err(to_js(&super::client::Inner::disposed_error()));
                }
                let verdicts = state
                    .resolve_missing(ids, attempts, delay, signal.as_ref())
                    .await;
                let out = Object::new();
                for (id, verdict) in verdicts {
                    let entry = js(&verdict.to_value());
                    if let Some(e) = verdict.error() {
                        glue::set(entry.unchecked_ref::<Object>(), "error", &to_js(&e));
                    }
                    glue::set(&out, &id, &entry);
                }
                Ok(out.into())
            },
        )
    }
}

/// `isProjectLostError(error)`: is this the failure of a project the server has no record
/// of (`originalCode === 'projectLost'`)? Accepts the SDK's `JobError`, an `ErrorData`, or
/// anything else (→ `false`).
#[wasm_bindgen(js_name = isProjectLostError)]
pub fn is_project_lost_error(
    #[wasm_bindgen(unchecked_param_type = "ProjectErrorLike | Error | null | undefined")]
    error: JsValue,
) -> bool {
    if !error.is_object() {
        return false;
    }
    public::is_project_lost(glue::get(&error, "originalCode").as_string().as_deref())
}

/// `projectParamsFromRecoveredProject(project)`: best-effort `projects.create` params of a
/// `RecoveredProject`, rebuilt from its original request (`clientRequestData`) and its
/// record; reference media are not recoverable and are left out. A non-object is refused
/// with a `ValidationError` (`INVALID_PARAMS`).
#[wasm_bindgen(js_name = projectParamsFromRecoveredProject, unchecked_return_type = "ProjectCreateParams")]
pub fn project_params_from_recovered_project(
    #[wasm_bindgen(unchecked_param_type = "RecoveredProject")] project: JsValue,
) -> Result<JsValue, JsValue> {
    let bad = || {
        to_js(&Error::invalid(
            "INVALID_PARAMS",
            "projectParamsFromRecoveredProject needs a RecoveredProject object",
        ))
    };
    if !project.is_object() {
        return Err(bad());
    }
    let value: Value = serde_wasm_bindgen::from_value(project).map_err(|_| bad())?;
    if !value.is_object() {
        return Err(bad());
    }
    Ok(js(&public::params_from_recovered(&value)))
}
