//! The 5.54 members of `Project` (`startedAt`, `estimatedStartAt`, `queueStatus`) and `Job`
//! (`type`, `jobIndex`, `eta`, `etaRange`, `nsfwSources`, `isWithheld`, `hasResultMedia`,
//! `provenance`, `lastFrameUrl`/`getLastFrameUrl()`, `getResultData()`, `enhance()` and
//! `enhancedImage`). A child module of `project.rs`: it reads the project's private state.

use super::super::abort::guard;
use super::super::errors::to_js;
use super::super::glue::{self, Response};
use super::super::projects::js;
use super::{AbortSignal, Job, Project, ProjectInner};
use crate::projects::enhance::{
    check_enhanceable, enhancement_params, EnhanceTarget, EnhancementStrength,
};
use crate::projects::media::{last_frame_query, path_with_query, MEDIA_DOWNLOAD_URL_PATH};
use crate::Error;
use js_sys::{Array, Object, Promise};
use serde_json::Value;
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(typescript_custom_section)]
const TS_ENTITY_TYPES: &str = r#"
/** How much freedom `job.enhance()` gives the model: 15 %, 35 % or 49 % of the image. */
export type EnhancementStrength = 'light' | 'medium' | 'heavy';

/** What `job.enhance()` may take from elsewhere than the original project. */
export interface EnhanceOverrides {
  positivePrompt?: string;
  stylePrompt?: string;
  tokenType?: 'spark' | 'sogni';
}

/** One SAM selection of a segmentation result. */
export interface Sam3Selection {
  /** Model confidence, 0 to 1. */
  score: number | null;
  /** Normalized [x0, y0, x1, y1]; null for an empty selection. */
  box: [number, number, number, number] | null;
  /** Fraction of the source this selection covers, 0 to 1. */
  coverage: number;
  /** Whether this selection is part of the returned mask. */
  included: boolean;
}

/** Worker-attested hashes binding a result to its exact inputs (lower-case SHA-256 hex). */
export interface JobProvenance {
  /** Hash of the exact bytes uploaded as the completed artifact. */
  sha256?: string;
  /** Hash of the original still used by an image edit or segmentation job. */
  sourceImageSha256?: string;
  samPromptSha256?: string;
  maskRleSha256?: string;
  maskWidth?: number;
  maskHeight?: number;
  maskBox?: [number, number, number, number];
  maskCoverage?: number;
  maskDetectedCount?: number;
  maskReturnedCount?: number;
  maskSelections?: Sam3Selection[];
  samVersion?: string;
  selectionHash?: string;
  /** Exact first and last stills bound to a frame-interpolation job. */
  firstFrameSha256?: string;
  lastFrameSha256?: string;
}

/** The worker's ETA confidence interval, in seconds. */
export interface EtaRange {
  min: number;
  max: number;
}

/** The state of a job's latest `enhance()` project. */
export interface EnhancedImage {
  status: 'pending' | 'queued' | 'processing' | 'completed' | 'failed' | 'canceled';
  progress: number;
  /** The enhanced image's URL once it completed. */
  result: string | null;
  error?: ErrorData;
  /** Mints a fresh URL of the enhanced image (undefined until its job exists). */
  getResultUrl(): Promise<string> | undefined;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `enhance()`'s overrides (typed for the `.d.ts`; read through serde).
    #[wasm_bindgen(typescript_type = "EnhanceOverrides")]
    #[derive(Debug, Clone)]
    pub type EnhanceOverrides;

    /// `Response.prototype.blob()`.
    #[wasm_bindgen(method, js_name = blob)]
    fn blob(this: &Response) -> Promise;
}

/// A JS `Date` of a time in ms since the epoch.
pub(super) fn date(ms: f64) -> js_sys::Date {
    js_sys::Date::new(&JsValue::from_f64(ms))
}

/// The ISO form of a time in ms since the epoch (how `JSON.stringify` writes a `Date`).
pub(super) fn iso(ms: Option<f64>) -> Option<String> {
    ms.filter(|m| m.is_finite())
        .map(|m| String::from(date(m).to_iso_string()))
}

/// One `job.enhance()` project, and the callbacks that tie it to its job.
pub(super) struct Enhancement {
    project: Rc<ProjectInner>,
    /// Registered on the enhancement project's `updated`: re-emitted as the job's
    /// `updated` with `['enhancedImage']`.
    listener: Closure<dyn FnMut(JsValue)>,
    /// `enhancedImage.getResultUrl`.
    get_result_url: Closure<dyn FnMut() -> JsValue>,
}

impl Enhancement {
    fn new(parent: &Rc<ProjectInner>, job_id: &str, project: Rc<ProjectInner>) -> Self {
        let weak_parent: Weak<ProjectInner> = Rc::downgrade(parent);
        let id = job_id.to_string();
        let listener = Closure::<dyn FnMut(JsValue)>::new(move |_keys: JsValue| {
            // Only a job someone listens to has an emitter.
            let emitter = weak_parent
                .upgrade()
                .and_then(|p| p.job_events.borrow().get(&id).cloned());
            if let Some(emitter) = emitter {
                emitter.emit("updated", &js(&["enhancedImage"]));
            }
        });
        let weak_enh = Rc::downgrade(&project);
        let get_result_url = Closure::<dyn FnMut() -> JsValue>::new(move || {
            let Some(enh) = weak_enh.upgrade() else {
                return JsValue::UNDEFINED;
            };
            let first = enh.state.borrow().jobs().first().map(|j| j.id.clone());
            match first {
                Some(id) => Job { project: enh, id }.get_result_url(None).into(),
                None => JsValue::UNDEFINED,
            }
        });
        project.events.on(
            "updated",
            listener
                .as_ref()
                .unchecked_ref::<js_sys::Function>()
                .clone(),
            false,
        );
        Self {
            project,
            listener,
            get_result_url,
        }
    }

    /// Stops forwarding the project's updates (a newer enhancement replaced it).
    fn detach(&self) {
        self.project
            .events
            .off("updated", self.listener.as_ref().unchecked_ref());
    }

    fn snapshot(&self) -> JsValue {
        let st = self.project.state.borrow();
        let now = self.project.client.now();
        let result = st.jobs().first().and_then(|j| j.result_url.clone());
        let obj = Object::new();
        glue::set(&obj, "status", &JsValue::from_str(st.status().as_str()));
        glue::set(
            &obj,
            "progress",
            &JsValue::from_f64(f64::from(st.progress(now))),
        );
        glue::set(
            &obj,
            "result",
            &result.map_or(JsValue::NULL, |u| JsValue::from_str(&u)),
        );
        glue::set(&obj, "error", &st.error().map_or(JsValue::UNDEFINED, to_js));
        glue::set(&obj, "getResultUrl", self.get_result_url.as_ref());
        obj.into()
    }
}

#[wasm_bindgen]
impl Project {
    /// When this client started (or, for a recovered project, first learned about) the
    /// project.
    #[wasm_bindgen(getter, js_name = startedAt)]
    pub fn started_at(&self) -> js_sys::Date {
        date(self.inner.started_at)
    }

    /// When a worker is expected to start the project, while it is queued; `undefined` once
    /// it started or when the server cannot estimate (see `queueStatus`).
    #[wasm_bindgen(getter, js_name = estimatedStartAt)]
    pub fn estimated_start_at(&self) -> Option<js_sys::Date> {
        self.inner.state.borrow().estimated_start_at().map(date)
    }

    /// `'no-workers'` while nothing connected can run the project's model (it waits for a
    /// worker to come online), `'waiting'` while it waits for its turn; `undefined` once a
    /// worker took it.
    #[wasm_bindgen(getter, js_name = queueStatus, unchecked_return_type = "'waiting' | 'no-workers' | undefined")]
    pub fn queue_status(&self) -> JsValue {
        self.inner
            .state
            .borrow()
            .queue_status()
            .map_or(JsValue::UNDEFINED, |q| JsValue::from_str(q.as_str()))
    }
}

impl Job {
    fn model_id(&self) -> String {
        self.project
            .params
            .get("modelId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    fn media_type(&self) -> &'static str {
        crate::projects::job::media_type(self.project.media.as_str(), &self.model_id())
    }

    /// A freshly signed URL of the result.
    async fn mint_result_url(&self, signal: Option<&JsValue>) -> Result<String, Error> {
        let path = self.project.result_path(&self.id);
        let data = self
            .project
            .client
            .api_with("GET", &path, None, true, signal)
            .await?;
        download_url(&data)
    }

    /// The result's bytes as a `Blob` (see [`Job::get_result_data`]).
    async fn result_data(&self, signal: Option<&JsValue>) -> Result<JsValue, Error> {
        let has_media = self.with(|j| j.has_result_media()).unwrap_or(false);
        if !has_media {
            return Err(Error::invalid(
                "NO_RESULT_MEDIA",
                "No result media available",
            ));
        }
        let known = self.with(|j| j.result_url.clone()).flatten();
        let (mut url, mut fresh) = match known {
            Some(u) => (u, false),
            None => (self.mint_result_url(signal).await?, true),
        };
        loop {
            let init = Object::new();
            if let Some(s) = signal {
                glue::set(&init, "signal", s);
            }
            let res: Response = JsFuture::from(glue::fetch_with_init(&url, &init))
                .await
                .map_err(|e| fetch_failure(&e, signal))?
                .unchecked_into();
            let status = res.status();
            if (200..300).contains(&status) {
                return JsFuture::from(res.blob())
                    .await
                    .map_err(|e| fetch_failure(&e, signal));
            }
            // A signed URL the job kept may have expired (about 30 minutes): mint a new one.
            if !fresh && matches!(status, 401 | 403 | 404) {
                url = self.mint_result_url(signal).await?;
                fresh = true;
                continue;
            }
            let status_text = res.status_text();
            return Err(Error::Api {
                status,
                error_code: i64::from(status),
                message: format!(
                    "Failed to fetch {}: {}",
                    self.media_type(),
                    if status_text.is_empty() {
                        format!("HTTP {status}")
                    } else {
                        status_text
                    }
                ),
                retry_after: None,
                details: None,
            });
        }
    }

    /// `enhance()` (see [`Job::enhance`]).
    async fn run_enhance(
        &self,
        strength: JsValue,
        overrides: JsValue,
        signal: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let fail = |e: Error| to_js(&e);
        let parent = self.project.clone();
        let project_type = parent
            .params
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(parent.media.as_str())
            .to_string();
        let model_id = self.model_id();
        let (completed, withheld, seed) = self
            .with(|j| {
                (
                    j.status == crate::projects::job::JobStatus::Completed,
                    j.is_withheld(),
                    j.seed,
                )
            })
            .unwrap_or((false, false, None));
        check_enhanceable(&EnhanceTarget {
            project_type: &project_type,
            job_type: self.media_type(),
            model_id: &model_id,
            completed,
            withheld,
        })
        .map_err(fail)?;
        let strength = glue::value_of(&strength);
        let strength = EnhancementStrength::parse(&strength).map_err(fail)?;
        let overrides: Value = if overrides.is_undefined() || overrides.is_null() {
            Value::Null
        } else {
            serde_wasm_bindgen::from_value(overrides).map_err(|e| {
                fail(Error::invalid(
                    "INVALID_PARAMS",
                    format!("enhance overrides: {e}"),
                ))
            })?
        };
        let params =
            enhancement_params(&parent.params, seed, strength, &overrides).map_err(fail)?;
        let projects = parent
            .projects
            .upgrade()
            .ok_or_else(|| fail(super::super::client::Inner::disposed_error()))?;
        if let Some(list) = parent.enhancements.borrow().get(&self.id) {
            list.iter().for_each(Enhancement::detach);
        }
        let image = self.result_data(signal.as_ref()).await.map_err(fail)?;
        let params_js = js(&params);
        glue::set(params_js.unchecked_ref(), "startingImage", &image);
        if let Some(s) = &signal {
            glue::set(params_js.unchecked_ref(), "signal", s);
        }
        let created = projects.create(params_js).await?;
        let id = glue::get(&created, "id").as_string().unwrap_or_default();
        let inner = projects
            .projects
            .borrow()
            .iter()
            .find(|p| p.id == id)
            .cloned();
        let Some(inner) = inner else {
            // Settled before it could be tracked (cannot happen before a frame arrives).
            return Err(fail(Error::Protocol {
                message: format!("enhancement project {id} is not tracked"),
            }));
        };
        let enhancement = Enhancement::new(&parent, &self.id, inner.clone());
        parent
            .enhancements
            .borrow_mut()
            .entry(self.id.clone())
            .or_default()
            .push(enhancement);
        let urls = JsFuture::from(inner.wait(signal.unwrap_or(JsValue::UNDEFINED))).await?;
        Ok(Array::from(&urls).get(0))
    }
}

fn download_url(data: &Value) -> Result<String, Error> {
    data.get("downloadUrl")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Error::Protocol {
            message: format!("API returned no downloadUrl: {data}"),
        })
}

/// A rejected `fetch` (or body read): the caller's abort, else a transport failure.
fn fetch_failure(e: &JsValue, signal: Option<&JsValue>) -> Error {
    if signal.is_some_and(super::super::abort::is_aborted) {
        return Error::Aborted {
            message: "getResultData aborted".into(),
        };
    }
    super::super::errors::from_js(e)
}

#[wasm_bindgen]
impl Job {
    /// Media this job's model produces: `image`, `video`, `audio` or `model` (a 3D artifact).
    #[wasm_bindgen(getter, js_name = type, unchecked_return_type = "'image' | 'video' | 'audio' | 'model'")]
    pub fn kind(&self) -> String {
        self.media_type().to_string()
    }

    /// This render's position in its project (0-based). Unlike `id`, which each worker
    /// mints afresh, it stays the same when the server moves the render to another worker.
    #[wasm_bindgen(getter, js_name = jobIndex)]
    pub fn job_index(&self) -> Option<f64> {
        self.with(|j| j.job_index.map(|i| i as f64)).flatten()
    }

    /// Expected completion time of the job (from the worker's ETA), when reported.
    #[wasm_bindgen(getter)]
    pub fn eta(&self) -> Option<js_sys::Date> {
        self.with(|j| j.eta.map(date)).flatten()
    }

    /// The worker's ETA confidence interval in seconds (`{min, max}`), updated with each
    /// progress event: wide early in a render, narrowing as steps complete.
    #[wasm_bindgen(getter, js_name = etaRange, unchecked_return_type = "EtaRange | undefined")]
    pub fn eta_range(&self) -> JsValue {
        match self.with(|j| j.eta_range).flatten() {
            Some(r) => js(&serde_json::json!({"min": r.min, "max": r.max})),
            None => JsValue::UNDEFINED,
        }
    }

    /// Which safety signals fired: `prompt` (text vocabulary) and/or `image` (output
    /// classifier); empty when none fired or none were reported.
    #[wasm_bindgen(getter, js_name = nsfwSources, unchecked_return_type = "string[]")]
    pub fn nsfw_sources(&self) -> JsValue {
        js(&self.with(|j| j.nsfw_sources.clone()).unwrap_or_default())
    }

    /// Whether the server withheld the media (the filter was on and a signal fired): no
    /// media exists to download.
    #[wasm_bindgen(getter, js_name = isWithheld)]
    pub fn is_withheld(&self) -> bool {
        self.with(|j| j.is_withheld()).unwrap_or(false)
    }

    /// Whether the job has result media to download: completed and not withheld (media
    /// labelled `nsfwDetected` with the filter off has).
    #[wasm_bindgen(getter, js_name = hasResultMedia)]
    pub fn has_result_media(&self) -> bool {
        self.with(|j| j.has_result_media()).unwrap_or(false)
    }

    /// Worker-attested input/output hashes of this result, when the worker sent them.
    #[wasm_bindgen(getter, unchecked_return_type = "JobProvenance | undefined")]
    pub fn provenance(&self) -> JsValue {
        match self.with(|j| j.provenance.clone()).flatten() {
            Some(p) => js(&p),
            None => JsValue::UNDEFINED,
        }
    }

    /// The exported final-frame image URL (Seedance 2.5 with `returnLastFrame: true`).
    #[wasm_bindgen(getter, js_name = lastFrameUrl)]
    pub fn last_frame_url(&self) -> Option<String> {
        self.with(|j| j.last_frame_url.clone()).flatten()
    }

    /// Mints a fresh signed URL of the exported final frame (`GET /v1/media/downloadUrl`
    /// with `artifact=lastFrame`) and stores it as `lastFrameUrl`; `signal` aborts it.
    #[wasm_bindgen(js_name = getLastFrameUrl, unchecked_return_type = "Promise<string>")]
    pub fn get_last_frame_url(&self, signal: Option<AbortSignal>) -> Promise {
        let project = self.project.clone();
        let id = self.id.clone();
        let signal_js = signal.clone().map(JsValue::from);
        guard(
            &super::super::abort::opt(&signal),
            "getLastFrameUrl",
            async move {
                let path =
                    path_with_query(MEDIA_DOWNLOAD_URL_PATH, &last_frame_query(&project.id, &id));
                let data = project
                    .client
                    .api_with("GET", &path, None, true, signal_js.as_ref())
                    .await
                    .map_err(|e| to_js(&e))?;
                let url = download_url(&data).map_err(|e| to_js(&e))?;
                let now = project.client.now();
                let effects = project
                    .state
                    .borrow_mut()
                    .set_last_frame_url(&id, url.clone(), now);
                project.run(effects);
                Ok(JsValue::from_str(&url))
            },
        )
    }

    /// Downloads the result as a `Blob` (rejects with `NO_RESULT_MEDIA` when the job has
    /// none: not completed, or withheld); a kept URL that expired is minted again. `signal`
    /// aborts the download.
    #[wasm_bindgen(js_name = getResultData, unchecked_return_type = "Promise<Blob>")]
    pub fn get_result_data(&self, signal: Option<AbortSignal>) -> Promise {
        let job = self.clone();
        let signal_js = signal.clone().map(JsValue::from);
        guard(
            &super::super::abort::opt(&signal),
            "getResultData",
            async move {
                job.result_data(signal_js.as_ref())
                    .await
                    .map_err(|e| to_js(&e))
            },
        )
    }

    /// Enhances a completed image with Flux: a new image project (5 steps, one image, the
    /// fast network) starting from this result, with this project's prompt, style, token
    /// type, size and this job's seed unless `overrides` says otherwise. `strength`
    /// (`light`, `medium`, `heavy`) is how much the model may change. Resolves with the
    /// enhanced image's URL; `enhancedImage` follows the new project (and the job emits
    /// `updated` with `['enhancedImage']`). Refusals are typed: `ENHANCE_UNSUPPORTED`
    /// (not an image, a segmentation mask), `JOB_NOT_COMPLETED`, `NO_RESULT_MEDIA`,
    /// `INVALID_STRENGTH`, `INVALID_PARAMS`. `signal` aborts it.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn enhance(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EnhancementStrength")] strength: JsValue,
        overrides: Option<EnhanceOverrides>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let job = self.clone();
        let overrides = overrides.map_or(JsValue::UNDEFINED, JsValue::from);
        let signal_js = signal.clone().map(JsValue::from);
        guard(&super::super::abort::opt(&signal), "enhance", async move {
            job.run_enhance(strength, overrides, signal_js).await
        })
    }

    /// The latest `enhance()` of this job: `{status, progress, result, error, getResultUrl}`,
    /// or `null` when it was never enhanced.
    #[wasm_bindgen(getter, js_name = enhancedImage, unchecked_return_type = "EnhancedImage | null")]
    pub fn enhanced_image(&self) -> JsValue {
        self.project
            .enhancements
            .borrow()
            .get(&self.id)
            .and_then(|list| list.last())
            .map_or(JsValue::NULL, Enhancement::snapshot)
    }
}
