//! `Job.fromRaw(rawProject, rawJob, options)`: a job built from raw REST records. A `Job` of
//! this SDK is a view of its project's state, so the record joins the project passed as
//! `options.project` (a REST sync's way: a completed record asks for its download URL).
//! A child module of `project.rs`: it reads the project's private state.

use super::super::errors::to_js;
use super::super::glue;
use super::{Job, Project};
use crate::Error;
use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_JOB_FROM_RAW: &str = r#"
/** One worker job of a raw project record (`completedWorkerJobs[i]`). */
export interface RawJob { imgID?: string; status?: string; [key: string]: unknown }

/** What `Job.fromRaw` needs besides the records: the project the job belongs to. The official
 * SDK's internal `api` and `logger` are accepted and not needed (the project carries both). */
export interface JobOptions { project: Project; api?: unknown; logger?: unknown }
"#;

/// The hidden `Project` method `Job.fromRaw` calls: a `Project` passed inside an options
/// object cannot be borrowed by Rust without taking it from its JS owner.
const ADOPT: &str = "__adoptRawJob";

#[wasm_bindgen]
impl Project {
    /// `Job.fromRaw`'s work (hidden): adopts the raw job record into this project.
    #[wasm_bindgen(js_name = __adoptRawJob, skip_typescript)]
    pub fn adopt_raw_job(&self, raw_project: JsValue, raw_job: JsValue) -> Result<Job, JsValue> {
        let inner = &self.inner;
        let now = inner.client.now();
        let result = inner.state.borrow_mut().adopt_raw_job(
            &glue::value_of(&raw_project),
            &glue::value_of(&raw_job),
            &glue::uuid_upper(),
            now,
        );
        let (id, effects) = result.map_err(|e| to_js(&e))?;
        inner.run(effects);
        Ok(Job {
            project: inner.clone(),
            id,
        })
    }
}

#[wasm_bindgen]
impl Job {
    /// Builds the `Job` of a raw job record (`rawJob`, one of `rawProject.completedWorkerJobs`
    /// as `GET /v1/projects/{id}` returns them) inside `options.project`, a `Project` of this
    /// SDK. The job joins that project (`project.jobs`, its events, `waitForCompletion`), or
    /// the job with the same `imgID` is brought up to date; status, steps, seed, worker, NSFW
    /// flags, provenance and last frame come from the record. A completed record is
    /// `completed` once its download URL is minted, as a tracked job. A record without
    /// `imgID` gets a fresh ID. Bad input throws a `ValidationError`: `INVALID_OPTIONS`
    /// (no `options.project` of this SDK), `INVALID_RAW_PROJECT` (not an object, or another
    /// project's record), `INVALID_RAW_JOB`.
    #[wasm_bindgen(js_name = fromRaw, unchecked_return_type = "Job")]
    pub fn from_raw(
        #[wasm_bindgen(js_name = rawProject, unchecked_param_type = "RawProject")]
        raw_project: JsValue,
        #[wasm_bindgen(js_name = rawJob, unchecked_param_type = "RawJob")] raw_job: JsValue,
        #[wasm_bindgen(unchecked_param_type = "JobOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let project = if options.is_object() {
            glue::get(&options, "project")
        } else {
            JsValue::UNDEFINED
        };
        let adopt = if project.is_object() {
            glue::get(&project, ADOPT)
        } else {
            JsValue::UNDEFINED
        };
        let Some(adopt) = adopt.dyn_ref::<Function>() else {
            return Err(to_js(&Error::invalid(
                "INVALID_OPTIONS",
                "Job.fromRaw needs options.project: a Project of this SDK",
            )));
        };
        adopt.call2(&project, &raw_project, &raw_job)
    }
}
