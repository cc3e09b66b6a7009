//! `sogni.projects`: available models, size presets, and (in `project.rs`) media projects.

use super::abort::guard;
use super::api::Shared;
use super::client::{Inner, Subscriber};
use super::emitter::Emitter;
use super::errors::to_js;
use super::glue;
use super::project::{AbortSignal, MediaKind, Project, ProjectInner};
use crate::Error;
use js_sys::{Array, Function, Promise};
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Model and project state of one client.
pub(crate) struct ProjectsState {
    pub(crate) client: Rc<Inner>,
    /// `[{id, name, workerCount, media}]` from the latest `swarmModels`.
    pub(crate) available: RefCell<Vec<Value>>,
    /// Cached `/api/v1/models/list`.
    pub(crate) supported: RefCell<Option<Value>>,
    /// Cached `/api/v2/models/tiers`.
    pub(crate) tiers: RefCell<Option<Value>>,
    model_waiters: RefCell<Vec<js_sys::Object>>,
    pub(crate) events: Emitter,
    /// Live projects, for routing socket events.
    pub(crate) projects: RefCell<Vec<Rc<super::project::ProjectInner>>>,
    /// Saved uploads (`projects.assets`): references are bound from them when available.
    pub(crate) surface: std::cell::OnceCell<Rc<super::surface::SurfaceState>>,
    /// Recovery across reconnects, resends and the watchdog (`recovery.rs`).
    pub(crate) recovery: super::recovery::Recovery,
}

impl std::fmt::Debug for ProjectsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProjectsState({} models)", self.available.borrow().len())
    }
}

/// A serde value as a plain JS value (objects, not `Map`s).
pub(crate) fn js<T: serde::Serialize + ?Sized>(v: &T) -> JsValue {
    // One JSON string across the boundary and the engine's `JSON.parse`: several times
    // faster than building the object key by key from wasm, and no second serializer.
    serde_json::to_string(v)
        .ok()
        .and_then(|s| js_sys::JSON::parse(&s).ok())
        .unwrap_or(JsValue::NULL)
}

impl ProjectsState {
    pub(crate) fn new(client: Rc<Inner>) -> Rc<Self> {
        let recovery = super::recovery::Recovery::new(client.config.recovery_tuning.as_ref());
        Rc::new(Self {
            recovery,
            client,
            available: RefCell::new(Vec::new()),
            supported: RefCell::new(None),
            tiers: RefCell::new(None),
            model_waiters: RefCell::new(Vec::new()),
            events: Emitter::default(),
            projects: RefCell::new(Vec::new()),
            surface: std::cell::OnceCell::new(),
        })
    }

    /// `/api/v1/models/list`, cached for the client's life.
    pub(crate) async fn supported_models(&self) -> Result<Value, Error> {
        if let Some(v) = self.supported.borrow().clone() {
            return Ok(v);
        }
        let v = self.client.socket_get("/api/v1/models/list").await?;
        if !v.is_array() {
            return Err(Error::Protocol {
                message: "models list is not an array".into(),
            });
        }
        *self.supported.borrow_mut() = Some(v.clone());
        Ok(v)
    }

    /// `/api/v2/models/tiers`, cached for the client's life.
    pub(crate) async fn model_tiers(&self) -> Result<Value, Error> {
        if let Some(v) = self.tiers.borrow().clone() {
            return Ok(v);
        }
        let v = self.client.socket_get("/api/v2/models/tiers").await?;
        *self.tiers.borrow_mut() = Some(v.clone());
        Ok(v)
    }

    fn set_available(&self, workers: &Value, supported: &Value) {
        let models: Vec<Value> = crate::models::available::available_models(workers, supported)
            .into_iter()
            .filter_map(|m| serde_json::to_value(m).ok())
            .collect();
        let non_empty = !models.is_empty();
        *self.available.borrow_mut() = models;
        let value = js(&*self.available.borrow());
        self.events.emit("availableModels", &value);
        if non_empty {
            for d in self.model_waiters.borrow_mut().drain(..) {
                glue::settle(&d, true, &value);
            }
        }
    }

    fn on_swarm_models(self: &Rc<Self>, data: &Value) {
        let me = self.clone();
        let data = data.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let supported = match me.supported_models().await {
                Ok(v) => v,
                Err(e) => {
                    // Background failure: reported, never an unhandled rejection.
                    me.client
                        .log(1, &format!("failed to load the model list: {e}"));
                    me.client.events.emit("error", &to_js(&e));
                    Value::Array(Vec::new())
                }
            };
            me.set_available(&data, &supported);
        });
    }

    /// Resolves with the models once a non-empty `swarmModels` arrived (or rejects after `timeout_ms`).
    pub(crate) async fn wait_for_models(
        self: &Rc<Self>,
        timeout_ms: f64,
    ) -> Result<JsValue, JsValue> {
        if !self.available.borrow().is_empty() {
            return Ok(js(&*self.available.borrow()));
        }
        if self.client.is_disposed() {
            return Err(to_js(&Inner::disposed_error()));
        }
        self.client.connect();
        let d = glue::deferred();
        self.model_waiters.borrow_mut().push(d.clone());
        let promise: Promise = glue::get(&d, "promise").into();
        let error = to_js(&Error::Timeout {
            message: self.client.timeout_message("Timeout waiting for models"),
        });
        JsFuture::from(glue::with_timeout(&promise, timeout_ms, &error)).await
    }

    /// Emits an entry on the `project` or `job` feed.
    pub(crate) fn emit_feed(&self, channel: crate::projects::feed::Channel, entry: &Value) {
        let name = match channel {
            crate::projects::feed::Channel::Project => "project",
            crate::projects::feed::Channel::Job => "job",
        };
        self.events.emit_with(name, || js(entry));
    }

    fn fail_model_waiters(&self, error: &Error) {
        let js = to_js(error);
        for d in self.model_waiters.borrow_mut().drain(..) {
            glue::settle(&d, false, &js);
        }
    }
}

impl Subscriber for ProjectsState {
    fn on_event(self: Rc<Self>, kind: &str, data: &Value) {
        if kind == "swarmModels" {
            self.on_swarm_models(data);
            return;
        }
        if kind == "authenticated" {
            self.recovery_on_authenticated(data);
        }
        if let Some(id) = data.get("jobID").and_then(Value::as_str) {
            self.note_alive(id);
        }
        if kind == "changeNetwork" {
            self.available.borrow_mut().clear();
        }
        // The `project`/`job` feed entries are built only for listeners.
        if self.events.has("project") || self.events.has("job") {
            if let Some((channel, entry)) = crate::projects::feed::socket_feed(kind, data) {
                self.emit_feed(channel, &entry);
            }
        }
        // Only the project a frame names (by `jobID`) hears it: no walk over every
        // project in flight for each frame.
        let Some(id) = data.get("jobID").and_then(Value::as_str) else {
            return;
        };
        let targets: Vec<_> = self
            .projects
            .borrow()
            .iter()
            .filter(|p| p.id == id)
            .cloned()
            .collect();
        for p in targets {
            p.on_event(kind, data);
        }
    }

    fn on_connected(self: Rc<Self>) {
        self.recovery_on_connected();
    }

    fn on_connection_lost(self: Rc<Self>) {
        self.recovery_on_connection_lost();
    }

    fn on_server_closed(self: Rc<Self>, code: u16, reason: &str) {
        // Closed for good but still signed in: the projects go on rendering and are
        // followed over REST (recovery.rs); what waits for models fails.
        self.available.borrow_mut().clear();
        self.fail_model_waiters(&Error::Closed {
            code,
            reason: reason.to_string(),
        });
        self.recovery_on_server_closed();
    }

    fn on_disconnected(self: Rc<Self>, code: u16, reason: &str) {
        self.available.borrow_mut().clear();
        let error = Error::Closed {
            code,
            reason: reason.to_string(),
        };
        self.fail_model_waiters(&error);
        let projects: Vec<_> = self.projects.borrow_mut().drain(..).collect();
        for p in projects {
            p.on_disconnected(&error);
        }
    }
}

fn js_err(e: Error) -> JsValue {
    to_js(&e)
}

impl ProjectsState {
    /// `getModelOptions(modelId)` from the cached model list and tiers.
    pub(crate) async fn model_options(
        &self,
        model_id: &str,
    ) -> Result<crate::models::ModelOptions, Error> {
        let list = crate::models::tiers::parse_model_list(&self.supported_models().await?)?;
        let tiers = self.model_tiers().await?;
        let tiers = tiers.as_object().ok_or_else(|| Error::Protocol {
            message: "model tiers are not an object".into(),
        })?;
        crate::models::tiers::model_options(&list, tiers, model_id)
    }

    /// The MIME type of the reference given as `param`: the Blob's own type, else sniffed
    /// from its first bytes; an empty reference or one of the wrong kind is refused.
    async fn content_type_of(param: &str, value: &JsValue) -> Result<Option<String>, Error> {
        use crate::projects::media::{check_reference, content_type};
        let blob_type = if glue::is_blob(value) {
            glue::get(value, "type").as_string()
        } else {
            None
        };
        let head = JsFuture::from(glue::head_bytes(value, 16))
            .await
            .map_err(|e| super::errors::from_js(&e))?;
        let ct = content_type(
            blob_type.as_deref(),
            &js_sys::Uint8Array::new(&head).to_vec(),
        );
        check_reference(param, ct.as_deref(), glue::byte_size(value))?;
        Ok(ct)
    }

    /// Mints an upload URL (`path` with its query) and PUTs the reference to it as a Blob.
    async fn upload(
        &self,
        path: &str,
        value: &JsValue,
        content_type: Option<&str>,
        signal: Option<&JsValue>,
    ) -> Result<(), Error> {
        let data = self
            .client
            .api_with("GET", path, None, true, signal)
            .await?;
        let url = data
            .get("uploadUrl")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Protocol {
                message: "uploadUrl answer has no uploadUrl".into(),
            })?;
        let blob = glue::to_blob(value, content_type.map(str::to_string));
        self.client
            .rest
            .put_blob_with(url, &blob, content_type, signal)
            .await
    }

    /// `projects.create(params)`: validate, upload references, send `jobRequest`.
    pub(crate) async fn create(self: &Rc<Self>, params: JsValue) -> Result<JsValue, JsValue> {
        use crate::projects::media::{
            context_image_slot, image_upload_query, path_with_query, IMAGE_UPLOAD_URL_PATH,
            SLOT_CONTROLNET_IMAGE, SLOT_STARTING_IMAGE,
        };
        use crate::projects::request::RequestContext;
        use crate::projects::state::ProjectConfig;
        if self.client.is_disposed() {
            return Err(to_js(&Inner::disposed_error()));
        }
        if !params.is_object() {
            return Err(js_err(Error::invalid(
                "INVALID_PARAMS",
                "Project params must be an object",
            )));
        }
        // `signal` (this SDK's): stops the creation; nothing is sent once it aborted.
        let signal = super::abort::signal_of(&params);
        let abort_check = || match &signal {
            Some(s) if super::abort::is_aborted(s) => Err(super::abort::aborted("projects.create")),
            _ => Ok(()),
        };
        abort_check()?;
        let split = glue::split_media(&params);
        if let Some(field) = glue::get(&split, "invalid").as_string() {
            return Err(js_err(Error::invalid(
                "INVALID_MEDIA",
                format!(
                    "{field} must be a Blob, File, ArrayBuffer, typed array (or Buffer), or true"
                ),
            )));
        }
        let json: Value =
            serde_wasm_bindgen::from_value(glue::get(&split, "json")).map_err(|e| {
                js_err(Error::invalid(
                    "INVALID_PARAMS",
                    format!("Invalid project params: {e}"),
                ))
            })?;
        // The references to upload: (param, index, value).
        let media: Vec<(String, usize, JsValue)> = Array::from(&glue::get(&split, "media"))
            .iter()
            .map(|item| {
                let key = glue::get(&item, "key").as_string().unwrap_or_default();
                let index = glue::get(&item, "index").as_f64().unwrap_or(0.0) as usize;
                (key, index, glue::get(&item, "value"))
            })
            .collect();
        let find = |param: &str, index: usize| {
            media
                .iter()
                .find(|(k, i, _)| k == param && *i == index)
                .map(|(_, _, v)| v.clone())
        };
        let project_id = glue::uuid_upper();
        let workload = crate::attribution::resolve_workload(
            self.client
                .config
                .attribution
                .as_ref()
                .and_then(|a| a.get("workload")),
            json.get("attribution"),
            Some(&project_id),
        );
        let ctx = RequestContext {
            app_source: self.client.config.app_source.clone(),
            attribution: crate::attribution::flat_fields(
                workload.as_ref(),
                &crate::attribution::WORKLOAD_FIELDS,
            ),
        };
        // (upload path with query, value, content type, saved-upload binding)
        let mut uploads: Vec<(String, JsValue, Option<String>, Value)> = Vec::new();
        let kind = json
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let (request, config) = match kind.as_str() {
            "image" => {
                use crate::projects::params::ImageProjectParams;
                use crate::projects::request::image_job_request;
                let p = ImageProjectParams::from_value(&json)
                    .map_err(js_err)?
                    .normalized_for_create();
                let options = self.model_options(&p.model_id).await.map_err(js_err)?;
                let request = image_job_request(&p, &project_id, &options, &ctx).map_err(js_err)?;
                for (key, index, value) in &media {
                    let slot = match key.as_str() {
                        "startingImage" => SLOT_STARTING_IMAGE.to_string(),
                        "cnImage" => SLOT_CONTROLNET_IMAGE.to_string(),
                        "contextImages" => context_image_slot(*index),
                        other => other.to_string(),
                    };
                    let ct = Self::content_type_of(key, value).await.map_err(js_err)?;
                    let query =
                        image_upload_query(&glue::uuid_upper(), &project_id, &slot, ct.as_deref());
                    let binding = serde_json::json!({"projectId": project_id, "type": slot});
                    uploads.push((
                        path_with_query(IMAGE_UPLOAD_URL_PATH, &query),
                        value.clone(),
                        ct,
                        binding,
                    ));
                }
                let config = ProjectConfig {
                    id: project_id.clone(),
                    number_of_media: request["numberOfImages"].as_u64().unwrap_or(1) as u32,
                    steps: p.steps.map(|s| s as u32),
                    number_of_previews: p.number_of_previews.map(|n| n as u32),
                    disable_nsfw_filter: p.disable_nsfw_filter.unwrap_or(false),
                };
                (request, config)
            }
            "video" | "audio" => {
                use crate::projects::audio::{
                    audio_job_request, audio_upload_slots, AudioProjectParams,
                };
                use crate::projects::video::{
                    video_job_request, video_upload_slots, VideoProjectParams,
                };
                let video = kind == "video";
                let (model_id, slots, steps, disable) = if video {
                    let p = VideoProjectParams::from_value(&json).map_err(js_err)?;
                    p.reject_retired_output_scale().map_err(js_err)?;
                    (
                        p.model_id.clone(),
                        video_upload_slots(&p),
                        p.steps,
                        p.disable_nsfw_filter,
                    )
                } else {
                    let p = AudioProjectParams::from_value(&json).map_err(js_err)?;
                    (
                        p.model_id.clone(),
                        audio_upload_slots(&p),
                        p.steps,
                        p.disable_nsfw_filter,
                    )
                };
                let options = self.model_options(&model_id).await.map_err(js_err)?;
                let mut content_types = Vec::new();
                let mut pending = Vec::new();
                for slot in &slots {
                    // Media given as `true` is already uploaded: no upload, no content type.
                    let Some(value) = find(slot.param, slot.index.unwrap_or(0)) else {
                        continue;
                    };
                    let ct = Self::content_type_of(slot.param, &value)
                        .await
                        .map_err(js_err)?;
                    if let Some(ct) = &ct {
                        content_types.push((slot.key.clone(), ct.clone()));
                    }
                    pending.push((slot, value, ct));
                }
                let request = if video {
                    let p = VideoProjectParams::from_value(&json).map_err(js_err)?;
                    video_job_request(&p, &project_id, &options, &ctx, &content_types)
                } else {
                    let p = AudioProjectParams::from_value(&json).map_err(js_err)?;
                    audio_job_request(&p, &project_id, &options, &ctx, &content_types)
                }
                .map_err(js_err)?;
                for (slot, value, ct) in pending {
                    let query = slot.query(&project_id, &glue::uuid_upper(), ct.as_deref());
                    let mut binding =
                        serde_json::json!({"projectId": project_id, "type": slot.slot_type});
                    if let Some(id) = &slot.id {
                        binding["id"] = serde_json::json!(id);
                    }
                    uploads.push((path_with_query(slot.endpoint, &query), value, ct, binding));
                }
                let config = ProjectConfig {
                    id: project_id.clone(),
                    number_of_media: request["numberOfImages"].as_u64().unwrap_or(1) as u32,
                    steps: steps.map(|s| s as u32),
                    number_of_previews: None,
                    disable_nsfw_filter: disable.unwrap_or(false),
                };
                (request, config)
            }
            _ => {
                return Err(js_err(Error::invalid(
                    "INVALID_PROJECT_TYPE",
                    "type must be 'image', 'video' or 'audio'",
                )))
            }
        };
        // Every check has passed: only now does anything go on the wire.
        for (path, value, ct, binding) in uploads.iter().cloned() {
            abort_check()?;
            // A subscriber's saved upload is bound instead, when it can be (as officially).
            if let Some(surface) = self.surface.get() {
                if surface
                    .try_bind_file(&value, ct.as_deref(), binding)
                    .await
                    .map_err(js_err)?
                {
                    continue;
                }
            }
            self.upload(&path, &value, ct.as_deref(), signal.as_ref())
                .await
                .map_err(js_err)?;
        }
        abort_check()?;
        let output_format = request["outputFormat"].as_str().map(str::to_string);
        let media_kind = match kind.as_str() {
            "video" => MediaKind::Video,
            "audio" => MediaKind::Audio,
            _ => MediaKind::Image,
        };
        let inner = ProjectInner::new(
            project_id,
            config,
            self.client.clone(),
            self,
            json,
            media_kind,
            output_format,
            request.clone(),
        );
        self.projects.borrow_mut().push(inner.clone());
        let signal_js = signal.clone().unwrap_or(JsValue::UNDEFINED);
        if let Err(e) = self
            .client
            .send_with("jobRequest", &request, &signal_js)
            .await
        {
            self.projects
                .borrow_mut()
                .retain(|x| !Rc::ptr_eq(x, &inner));
            return Err(e);
        }
        self.note_sent(&inner.id);
        Ok(JsValue::from(Project::new(inner)))
    }

    /// `projects.estimateVideoCost` / `estimateAudioCost`.
    pub(crate) async fn estimate_media_cost(
        self: &Rc<Self>,
        req: JsValue,
        video: bool,
    ) -> Result<JsValue, JsValue> {
        use crate::projects::estimate::{
            audio_estimate_path, cost_from_estimate, video_estimate_path, AudioEstimateRequest,
            VideoEstimateRequest,
        };
        let bad = |e: serde_wasm_bindgen::Error| {
            js_err(Error::invalid(
                "INVALID_PARAMS",
                format!("Invalid estimate request: {e}"),
            ))
        };
        let network = self.client.network.borrow().clone();
        let path = if video {
            let r: VideoEstimateRequest = serde_wasm_bindgen::from_value(req).map_err(bad)?;
            video_estimate_path(&r, Some(&network))
        } else {
            let r: AudioEstimateRequest = serde_wasm_bindgen::from_value(req).map_err(bad)?;
            audio_estimate_path(&r, Some(&network))
        }
        .map_err(js_err)?;
        let body = self.client.socket_get(&path).await.map_err(js_err)?;
        Ok(js(&cost_from_estimate(&body).map_err(js_err)?))
    }

    /// `projects.estimateCost(request)`.
    pub(crate) async fn estimate_cost(self: &Rc<Self>, req: JsValue) -> Result<JsValue, JsValue> {
        use crate::projects::estimate::{cost_from_estimate, image_estimate_path, EstimateRequest};
        let req: EstimateRequest = serde_wasm_bindgen::from_value(req).map_err(|e| {
            js_err(Error::invalid(
                "INVALID_PARAMS",
                format!("Invalid estimate request: {e}"),
            ))
        })?;
        let options = self.model_options(&req.model).await.map_err(js_err)?;
        let preset = match req.size_preset_to_resolve() {
            Some(id) => {
                let path = format!(
                    "/api/v1/size-presets/network/{}/model/{}",
                    req.network_or_default(),
                    js_sys::encode_uri_component(&req.model)
                );
                let presets = self.client.socket_get(&path).await.map_err(js_err)?;
                let found = presets
                    .as_array()
                    .and_then(|a| a.iter().find(|p| p["id"] == id))
                    .and_then(|p| {
                        Some((p["width"].as_u64()? as u32, p["height"].as_u64()? as u32))
                    });
                Some(found.ok_or_else(|| {
                    js_err(Error::invalid("INVALID_SIZE_PRESET", "Invalid size preset"))
                })?)
            }
            None => None,
        };
        let path = image_estimate_path(&req, &options, preset).map_err(js_err)?;
        let body = self.client.socket_get(&path).await.map_err(js_err)?;
        Ok(js(&cost_from_estimate(&body).map_err(js_err)?))
    }
}

/// `sogni.projects`.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct ProjectsApi {
    pub(crate) shared: Rc<Shared>,
}

impl ProjectsApi {
    pub(crate) fn new(shared: Rc<Shared>) -> Self {
        Self { shared }
    }
}

#[wasm_bindgen]
impl ProjectsApi {
    /// Models with workers online, from the latest `swarmModels`.
    #[wasm_bindgen(getter, js_name = availableModels, unchecked_return_type = "AvailableModel[]")]
    pub fn available_models(&self) -> JsValue {
        js(&*self.shared.projects.available.borrow())
    }

    /// Resolves with the available models once the network has announced them (`timeout`
    /// ms, default 10 s; `signal` aborts the wait).
    #[wasm_bindgen(js_name = waitForModels, unchecked_return_type = "Promise<AvailableModel[]>")]
    pub fn wait_for_models(&self, timeout: Option<f64>, signal: Option<AbortSignal>) -> Promise {
        let state = self.shared.projects.clone();
        guard(&super::abort::opt(&signal), "waitForModels", async move {
            state.wait_for_models(timeout.unwrap_or(10_000.0)).await
        })
    }

    /// Every model the network supports: `[{id, name, SID, tier, media}]` (`signal` aborts
    /// the call).
    #[wasm_bindgen(js_name = getSupportedModels, unchecked_return_type = "Promise<SupportedModel[]>")]
    pub fn get_supported_models(&self, signal: Option<AbortSignal>) -> Promise {
        let state = self.shared.projects.clone();
        guard(
            &super::abort::opt(&signal),
            "getSupportedModels",
            async move {
                state
                    .supported_models()
                    .await
                    .map(|v| js(&v))
                    .map_err(|e| to_js(&e))
            },
        )
    }

    /// The options of a model (steps, guidance, samplers, schedulers, sizes…) from its tier
    /// (`signal` aborts the call).
    #[wasm_bindgen(js_name = getModelOptions, unchecked_return_type = "Promise<ModelOptions>")]
    pub fn get_model_options(
        &self,
        #[wasm_bindgen(js_name = "modelId")] model_id: String,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let state = self.shared.projects.clone();
        guard(&super::abort::opt(&signal), "getModelOptions", async move {
            let options = state.model_options(&model_id).await.map_err(js_err)?;
            Ok(js(&options))
        })
    }

    /// Size presets of a model on a network (`signal` aborts the call).
    #[wasm_bindgen(js_name = getSizePresets, unchecked_return_type = "Promise<SizePreset[]>")]
    pub fn get_size_presets(
        &self,
        network: String,
        #[wasm_bindgen(js_name = "modelId")] model_id: String,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let state = self.shared.projects.clone();
        let signal_js = signal.clone().map(JsValue::from);
        guard(&super::abort::opt(&signal), "getSizePresets", async move {
            if network != "fast" && network != "relaxed" {
                return Err(to_js(&Error::invalid(
                    "INVALID_NETWORK",
                    "network must be 'fast' or 'relaxed'",
                )));
            }
            let path = format!(
                "/api/v1/size-presets/network/{network}/model/{}",
                js_sys::encode_uri_component(&model_id)
            );
            state
                .client
                .socket_get_with(&path, signal_js.as_ref())
                .await
                .map(|v| js(&v))
                .map_err(|e| to_js(&e))
        })
    }

    /// Worker counts per model on a network (`{modelId: count}`; `signal` aborts the call).
    #[wasm_bindgen(js_name = getAvailableModels, unchecked_return_type = "Promise<Record<string, number>>")]
    pub fn get_available_models(
        &self,
        network: Option<String>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let state = self.shared.projects.clone();
        guard(
            &super::abort::opt(&signal),
            "getAvailableModels",
            async move {
                let network = network.unwrap_or_else(|| state.client.network.borrow().clone());
                let by_sid = state
                    .client
                    .socket_get(&format!("/api/v1/status/network/{network}/models"))
                    .await
                    .map_err(|e| to_js(&e))?;
                let supported = state.supported_models().await.map_err(|e| to_js(&e))?;
                let mut out = serde_json::Map::new();
                for m in supported.as_array().into_iter().flatten() {
                    let sid = m["SID"].to_string();
                    if let (Some(id), Some(n)) = (m["id"].as_str(), by_sid.get(&sid)) {
                        out.insert(id.to_string(), n.clone());
                    }
                }
                Ok(js(&Value::Object(out)))
            },
        )
    }

    /// Creates a project: validates the params (typed errors before any traffic), uploads
    /// reference media (Blob, File, ArrayBuffer, typed array or Buffer, passed to `fetch` as
    /// is), then sends the `jobRequest`. Resolves with the `Project`. `params.signal` (this
    /// SDK's) aborts the creation; nothing is sent once it has aborted.
    #[wasm_bindgen(unchecked_return_type = "Promise<Project>")]
    pub fn create(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProjectCreateParams")] params: JsValue,
    ) -> Promise {
        let state = self.shared.projects.clone();
        let signal = super::abort::signal_of(&params).map(|s| s.unchecked_into());
        guard(&super::abort::opt(&signal), "projects.create", async move {
            state.create(params).await
        })
    }

    /// Estimates an image project's cost: `{token, usd, spark, sogni}` decimal strings
    /// (`signal` aborts the call).
    #[wasm_bindgen(js_name = estimateCost, unchecked_return_type = "Promise<CostEstimation>")]
    pub fn estimate_cost(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EstimateRequest")] request: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let state = self.shared.projects.clone();
        guard(&super::abort::opt(&signal), "estimateCost", async move {
            state.estimate_cost(request).await
        })
    }

    /// Estimates a video project's cost (`{token, usd, spark, sogni}`; `signal` aborts the
    /// call).
    #[wasm_bindgen(js_name = estimateVideoCost, unchecked_return_type = "Promise<CostEstimation>")]
    pub fn estimate_video_cost(
        &self,
        #[wasm_bindgen(unchecked_param_type = "VideoEstimateRequest")] request: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let state = self.shared.projects.clone();
        guard(
            &super::abort::opt(&signal),
            "estimateVideoCost",
            async move { state.estimate_media_cost(request, true).await },
        )
    }

    /// Estimates an audio project's cost (`{token, usd, spark, sogni}`; `signal` aborts the
    /// call).
    #[wasm_bindgen(js_name = estimateAudioCost, unchecked_return_type = "Promise<CostEstimation>")]
    pub fn estimate_audio_cost(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AudioEstimateRequest")] request: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let state = self.shared.projects.clone();
        guard(
            &super::abort::opt(&signal),
            "estimateAudioCost",
            async move { state.estimate_media_cost(request, false).await },
        )
    }

    /// Listens for `availableModels`, `project` and `job` events, and the recovery events
    /// `projectsSynced`, `activeProjectsRecovered` and `completedProjectsRecovered`.
    pub fn on(&self, event: &str, listener: Function) -> Function {
        self.shared
            .projects
            .events
            .on(event, listener.clone(), false);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes a listener.
    pub fn off(&self, event: &str, listener: &Function) {
        self.shared.projects.events.off(event, listener);
    }
}
