//! The rest of `sogni.projects`: project lookups (`get`, `getStatus`), presigned URLs,
//! `cancel(id)`, `trackedProjects`, model-kind helpers, `getVideoAssetConfig`,
//! `estimateEnhancementCost`, the LoRA catalog, and the
//! `personalLoras` and `assets` groups.

use super::abort::{self, guard};
use super::api::Shared;
use super::errors::to_js;
use super::glue;
use super::project::{AbortSignal, Project};
use super::projects::{js, ProjectsApi};
use super::surface::{self as surf, call, json_args, SurfaceState, LORA_CACHE_MS};
use crate::surface::{self, projects as sp};
use crate::Error;
use js_sys::{Array, Promise};
use serde_json::{json, Value};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

fn err(e: Error) -> JsValue {
    to_js(&e)
}

impl SurfaceState {
    /// `availableLoras(params)`, served from the 5-minute cache unless `forceRefresh`;
    /// `signal` (an `AbortSignal`, or undefined) cancels the requests.
    async fn lora_catalog(&self, params: &Value, signal: &JsValue) -> Result<Value, Error> {
        let model_id = params
            .get("modelId")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty());
        if params
            .get("includePersonal")
            .is_some_and(crate::projects::js::truthy)
        {
            let mut base = params.clone();
            base["includePersonal"] = json!(false);
            let catalog = Box::pin(self.lora_catalog(&base, signal)).await?;
            let personal = self
                .run_json("projects.personalLoras.catalog", &[json!({})], signal)
                .await?;
            return Ok(sp::merge_personal(&catalog, &personal, model_id));
        }
        let key = model_id.unwrap_or("").to_string();
        let now = glue::now_ms();
        let force = params
            .get("forceRefresh")
            .is_some_and(crate::projects::js::truthy);
        if !force {
            if let Some((_, _, v)) = self
                .lora_cache
                .borrow()
                .iter()
                .find(|(k, exp, _)| *k == key && *exp > now)
            {
                return Ok(v.clone());
            }
        }
        let args = [json!({"modelId": model_id})];
        let catalog = self
            .run_json("projects.availableLoras", &args, signal)
            .await?;
        let mut cache = self.lora_cache.borrow_mut();
        cache.retain(|(k, exp, _)| *k != key && *exp > now);
        cache.push((key, now + LORA_CACHE_MS, catalog.clone()));
        Ok(catalog)
    }
}

fn catalog_promise(
    state: &Rc<SurfaceState>,
    params: Value,
    signal: JsValue,
    what: &str,
    pick: impl FnOnce(Value) -> Value + 'static,
) -> Promise {
    let state = state.clone();
    guard(&signal.clone(), what, async move {
        let catalog = state.lora_catalog(&params, &signal).await.map_err(err)?;
        Ok(surf::to_value(&pick(catalog)))
    })
}

fn model_media(shared: &Shared, model_id: &str) -> Option<String> {
    shared
        .projects
        .supported
        .borrow()
        .as_ref()
        .and_then(|v| v.as_array().cloned())
        .and_then(|a| {
            a.iter()
                .find(|m| m["id"] == model_id)
                .and_then(|m| m["media"].as_str().map(str::to_string))
        })
}

#[wasm_bindgen]
impl ProjectsApi {
    fn shared(&self) -> &Rc<Shared> {
        &self.shared
    }

    /// A finished project's record (`GET /v1/projects/{id}`; 404 while it still runs).
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<RawProject>")]
    pub fn get(
        &self,
        #[wasm_bindgen(js_name = projectId, unchecked_param_type = "string")] project_id: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.shared().surface,
            "projects.get",
            &[&project_id],
            signal.into(),
        )
    }

    /// The live state of one of your projects, also while queued or rendering
    /// (`GET /v2/projects/{id}`; another account's project is a 404).
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = getStatus, unchecked_return_type = "Promise<ProjectStatusSnapshot>")]
    pub fn get_status(
        &self,
        #[wasm_bindgen(js_name = projectId, unchecked_param_type = "string")] project_id: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.shared().surface,
            "projects.getStatus",
            &[&project_id],
            signal.into(),
        )
    }

    /// A presigned `PUT` URL for an image asset (`{imageId, jobId, type, contentType?}`).
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = uploadUrl, unchecked_return_type = "Promise<string>")]
    pub fn upload_url(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ imageId: string; jobId: string; type: string; contentType?: string }"
        )]
        params: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.shared().surface,
            "projects.uploadUrl",
            &[&params],
            signal.into(),
        )
    }

    /// A presigned `GET` URL for an image asset.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = downloadUrl, unchecked_return_type = "Promise<string>")]
    pub fn download_url(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ imageId: string; jobId: string; type: string; contentType?: string }"
        )]
        params: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.shared().surface,
            "projects.downloadUrl",
            &[&params],
            signal.into(),
        )
    }

    /// A presigned `PUT` URL for an audio/video asset (`{id?, jobId, type, contentType?}`).
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = mediaUploadUrl, unchecked_return_type = "Promise<string>")]
    pub fn media_upload_url(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ id?: string; jobId: string; type: string; contentType?: string }"
        )]
        params: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.shared().surface,
            "projects.mediaUploadUrl",
            &[&params],
            signal.into(),
        )
    }

    /// A presigned `GET` URL for an audio/video asset.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = mediaDownloadUrl, unchecked_return_type = "Promise<string>")]
    pub fn media_download_url(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ id?: string; jobId: string; type: string; contentType?: string }"
        )]
        params: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.shared().surface,
            "projects.mediaDownloadUrl",
            &[&params],
            signal.into(),
        )
    }

    /// The LoRA catalog (`{loras, models, constraints, lastUpdated?}`), cached 5 minutes;
    /// `modelId` scopes it, `includePersonal` adds your ready personal LoRAs,
    /// `forceRefresh` skips the cache.
    /// `signal` aborts it (the requests are cancelled).
    #[wasm_bindgen(js_name = availableLoras, unchecked_return_type = "Promise<LoraCatalog>")]
    pub fn available_loras(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "AvailableLorasParams")] params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal")] signal: JsValue,
    ) -> Promise {
        let params = json_args(&[&params]).pop().unwrap_or(Value::Null);
        let what = "projects.availableLoras";
        catalog_promise(&self.shared().surface, params, signal, what, |c| c)
    }

    /// One catalog entry by id (`personal-…` ids come from your personal catalog), or
    /// `undefined`.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = getLora, unchecked_return_type = "Promise<LoraCatalogEntry | undefined>")]
    pub fn get_lora(
        &self,
        #[wasm_bindgen(js_name = loraId)] lora_id: String,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let (state, signal) = (self.shared().surface.clone(), JsValue::from(signal));
        guard(&signal.clone(), "projects.getLora", async move {
            let catalog = if lora_id.starts_with("personal-") {
                state
                    .run_json("projects.personalLoras.catalog", &[json!({})], &signal)
                    .await
            } else {
                state.lora_catalog(&json!({}), &signal).await
            }
            .map_err(err)?;
            Ok(match sp::find_lora(&catalog, &lora_id) {
                Value::Null => JsValue::UNDEFINED,
                v => js(&v),
            })
        })
    }

    /// Does this model take LoRAs?
    /// `signal` aborts it (the requests are cancelled).
    #[wasm_bindgen(js_name = supportsLoras, unchecked_return_type = "Promise<boolean>")]
    pub fn supports_loras(
        &self,
        #[wasm_bindgen(js_name = modelId)] model_id: String,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let (signal, what) = (signal.into(), "projects.supportsLoras");
        catalog_promise(&self.shared().surface, json!({}), signal, what, move |c| {
            json!(sp::supports_loras(&c, &model_id))
        })
    }

    /// `{maxPerRequest, minStrength, maxStrength}` for every LoRA request.
    /// `signal` aborts it (the requests are cancelled).
    #[wasm_bindgen(js_name = loraConstraints, unchecked_return_type = "Promise<LoraConstraints>")]
    pub fn lora_constraints(&self, signal: Option<AbortSignal>) -> Promise {
        let (signal, what) = (signal.into(), "projects.loraConstraints");
        catalog_promise(&self.shared().surface, json!({}), signal, what, |c| {
            c["constraints"].clone()
        })
    }

    /// `projects.personalLoras`: your private LoRA library.
    #[wasm_bindgen(getter, js_name = personalLoras)]
    pub fn personal_loras(&self) -> PersonalLoras {
        PersonalLoras {
            state: self.shared().surface.clone(),
        }
    }

    /// `projects.assets`: uploads saved once and reused across projects.
    #[wasm_bindgen(getter)]
    pub fn assets(&self) -> ReusableUploads {
        ReusableUploads {
            state: self.shared().surface.clone(),
        }
    }

    /// Does this model make video? (The model list when loaded, else the id.)
    #[wasm_bindgen(js_name = isVideoModelId)]
    pub fn is_video_model_id(&self, #[wasm_bindgen(js_name = modelId)] model_id: &str) -> bool {
        match model_media(self.shared(), model_id) {
            Some(m) => m == "video",
            None => crate::projects::video::is_video_model(model_id),
        }
    }

    /// Does this model make audio?
    #[wasm_bindgen(js_name = isAudioModelId)]
    pub fn is_audio_model_id(&self, #[wasm_bindgen(js_name = modelId)] model_id: &str) -> bool {
        match model_media(self.shared(), model_id) {
            Some(m) => m == "audio",
            None => crate::projects::audio::is_audio_model(model_id),
        }
    }

    /// Does this model return a 3D artifact (`pixal3d_…`, or `media: 'model'`)?
    #[wasm_bindgen(js_name = isModelArtifactModelId)]
    pub fn is_model_artifact_model_id(
        &self,
        #[wasm_bindgen(js_name = modelId)] model_id: &str,
    ) -> bool {
        model_id.starts_with("pixal3d_")
            || model_media(self.shared(), model_id).is_some_and(|m| m == "model")
    }

    /// The video workflow of a model and which reference media it requires, forbids or
    /// accepts: `{workflowType, assets}` (`{workflowType: null}` when it has no rules).
    /// `signal`: an aborted one rejects it.
    #[wasm_bindgen(js_name = getVideoAssetConfig)]
    pub fn get_video_asset_config(
        &self,
        #[wasm_bindgen(js_name = modelId)] model_id: String,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let is_video = self.is_video_model_id(&model_id);
        guard(&signal.into(), "projects.getVideoAssetConfig", async move {
            if !is_video {
                return Err(err(surface::http::local_api_error(
                    400,
                    format!("Model {model_id} is not a video model"),
                )));
            }
            let Some(workflow) = crate::projects::video::video_workflow_type(&model_id) else {
                return Ok(js(&json!({"workflowType": null})));
            };
            let assets = crate::projects::video::video_asset_requirements(&model_id).map(|a| {
                Value::Object(
                    a.iter()
                        .map(|(k, v)| ((*k).to_string(), json!(v)))
                        .collect(),
                )
            });
            Ok(js(&json!({"workflowType": workflow, "assets": assets})))
        })
    }

    /// The cost of enhancing an image (`light`, `medium` or `heavy`).
    /// `signal` aborts the wait.
    #[wasm_bindgen(js_name = estimateEnhancementCost, unchecked_return_type = "Promise<CostEstimation>")]
    pub fn estimate_enhancement_cost(
        &self,
        #[wasm_bindgen(unchecked_param_type = "'light' | 'medium' | 'heavy'")] strength: JsValue,
        #[wasm_bindgen(js_name = tokenType)] token_type: Option<String>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let strength = match strength.as_string().as_deref() {
            Some("light") => 0.15,
            Some("heavy") => 0.49,
            _ => 0.35,
        };
        let request = json!({
            "network": "fast",
            "tokenType": token_type.unwrap_or_else(|| "spark".into()),
            "model": "flux1-schnell-fp8",
            "imageCount": 1,
            "stepCount": 5,
            "previewCount": 0,
            "cnEnabled": false,
            "startingImageStrength": strength,
        });
        let state = self.shared().projects.clone();
        guard(&signal.into(), "estimateEnhancementCost", async move {
            state.estimate_cost(js(&request)).await
        })
    }

    /// The projects this client tracks (created and not yet finished or forgotten).
    #[wasm_bindgen(getter, js_name = trackedProjects, unchecked_return_type = "Project[]")]
    pub fn tracked_projects(&self) -> Array {
        self.shared()
            .projects
            .projects
            .borrow()
            .iter()
            .map(|p| JsValue::from(Project::new(p.clone())))
            .collect()
    }

    /// Cancels a project by id; resolves once the server confirms. A project this client
    /// does not track is cancelled on the server all the same.
    /// `signal` stops the wait; an aborted one sends nothing.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn cancel(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: String,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let id = project_id.to_ascii_uppercase();
        let tracked = self
            .shared()
            .projects
            .projects
            .borrow()
            .iter()
            .find(|p| p.id == id)
            .cloned();
        let (signal, what) = (JsValue::from(signal), "projects.cancel");
        if let Some(p) = tracked {
            let race = || abort::race(Project::new(p).cancel(), &signal, what);
            return abort::refuse(&signal, what).unwrap_or_else(race);
        }
        let shared = self.shared().clone();
        guard(&signal.clone(), what, async move {
            let d = glue::deferred();
            let resolve: js_sys::Function = glue::get(&d, "resolve").into();
            let reject: js_sys::Function = glue::get(&d, "reject").into();
            let wanted = id.clone();
            let listener = Closure::<dyn Fn(JsValue)>::new(move |data: JsValue| {
                let job = glue::get(&data, "jobID").as_string().unwrap_or_default();
                if !job.eq_ignore_ascii_case(&wanted) {
                    return;
                }
                if glue::get(&data, "didCancel").as_bool() == Some(true) {
                    let _ = resolve.call0(&JsValue::NULL);
                } else {
                    let message = glue::get(&data, "error_message").as_string().unwrap_or_else(|| {
                        "Cancellation could not be confirmed. The job is still running; please try again.".into()
                    });
                    let _ = reject.call1(
                        &JsValue::NULL,
                        &err(Error::Job {
                            code: 5000,
                            original_code: None,
                            message,
                        }),
                    );
                }
            });
            let events =
                super::socket_events::SocketEvents::from_state(shared.socket_events.clone());
            let off = events.on(
                "artistCancelConfirmation",
                listener
                    .as_ref()
                    .unchecked_ref::<js_sys::Function>()
                    .clone(),
            );
            let msg = json!({"jobID": id, "error": "artistCanceled", "error_message": "artistCanceled", "isFromWorker": false});
            let sent = shared.inner.send_with("jobError", &msg, &signal).await;
            let result = match sent {
                Ok(()) => {
                    let promise: Promise = glue::get(&d, "promise").into();
                    let timeout = err(Error::Timeout {
                        message: "Cancellation could not be confirmed. The job is still running; please try again.".into(),
                    });
                    JsFuture::from(glue::with_timeout(&promise, 20_000.0, &timeout))
                        .await
                        .map(|_| JsValue::UNDEFINED)
                }
                Err(e) => Err(e),
            };
            let _ = off.call0(&JsValue::NULL);
            drop(listener);
            result
        })
    }
}

/// `projects.personalLoras`: import LoRAs (Hugging Face / Civitai links) into your
/// private library, follow their validation, use them by `personal-…` id.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct PersonalLoras {
    state: Rc<SurfaceState>,
}

#[wasm_bindgen]
impl PersonalLoras {
    /// `{loras, models, limits}`.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<PersonalLoraLibrary>")]
    pub fn list(&self, signal: Option<AbortSignal>) -> Promise {
        call(
            &self.state,
            "projects.personalLoras.list",
            &[],
            signal.into(),
        )
    }

    /// One of your imports (404 for anything else).
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<PersonalLora>")]
    pub fn get(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.state,
            "projects.personalLoras.get",
            &[&id],
            signal.into(),
        )
    }

    /// Starts an import (`{url, name, modelId, rightsConfirmed}`); poll `get` until it is
    /// `ready`, `rejected` or `revoked`.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<PersonalLora>")]
    pub fn import(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImportPersonalLoraParams")] params: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.state,
            "projects.personalLoras.import",
            &[&params],
            signal.into(),
        )
    }

    /// Removes one of your imports.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn remove(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.state,
            "projects.personalLoras.remove",
            &[&id],
            signal.into(),
        )
    }

    /// Your ready imports as catalog entries (`{modelId}` scopes them); never cached.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<{ loras: LoraCatalogEntry[] }>")]
    pub fn catalog(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "{ modelId?: string }")] params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal")] signal: JsValue,
    ) -> Promise {
        call(
            &self.state,
            "projects.personalLoras.catalog",
            &[&params],
            signal,
        )
    }
}

/// `projects.assets`: subscriber uploads saved once (content-addressed by SHA-256) and
/// bound to any number of projects.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct ReusableUploads {
    state: Rc<SurfaceState>,
}

impl SurfaceState {
    /// `POST` with a retry on `423 Locked` (4 retries, 250 ms doubling).
    async fn retry_busy(&self, method: &str, args: &[Value]) -> Result<Value, Error> {
        let mut attempt = 0u32;
        loop {
            match self.run_json(method, args, &JsValue::UNDEFINED).await {
                Err(Error::Api { status: 423, .. }) if attempt < 4 => {
                    let _ = JsFuture::from(glue::sleep(250.0 * f64::from(1u32 << attempt))).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn retry_busy_call(&self, call: &surface::HttpCall) -> Result<Value, Error> {
        let mut attempt = 0u32;
        loop {
            let answer = self.exec(call, &JsValue::UNDEFINED).await?;
            match surface::http::rest_data(&answer) {
                Err(Error::Api { status: 423, .. }) if attempt < 4 => {
                    let _ = JsFuture::from(glue::sleep(250.0 * f64::from(1u32 << attempt))).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Hash, prepare, PUT (412 means it is already there), finalize. An error carries
    /// whether it came from the preparation (before any transfer).
    async fn upload_asset(
        &self,
        file: &JsValue,
        content_type: &str,
        name: &str,
    ) -> Result<Value, (Error, bool)> {
        let size = glue::byte_size(file);
        if !sp::asset_size_ok(size) {
            return Err((
                surface::http::local_api_error(
                    400,
                    "Choose a saved upload no larger than 100 MiB.",
                ),
                false,
            ));
        }
        let digest = JsFuture::from(surf::digest_file(file))
            .await
            .map_err(|e| (super::errors::from_js(&e), false))?;
        let sha = glue::get(&digest, "sha256").as_string().unwrap_or_default();
        let bytes = glue::get(&digest, "bytes").as_f64().unwrap_or(size);
        let prepared = self
            .retry_busy_call(&sp::assets_prepare(&sha, bytes, content_type, name))
            .await
            .map_err(|e| (e, true))?;
        if prepared.get("state").and_then(Value::as_str) == Some("ready") {
            return Ok(prepared);
        }
        let (Some(url), Some(headers)) = (
            prepared.get("uploadUrl").and_then(Value::as_str),
            prepared.get("uploadHeaders").filter(|h| h.is_object()),
        ) else {
            return Err((
                surface::http::plain_error("The saved upload could not be prepared."),
                false,
            ));
        };
        let status = JsFuture::from(surf::put_upload(url, &js(headers), file))
            .await
            .map_err(|e| (super::errors::from_js(&e), false))?
            .as_f64()
            .unwrap_or(0.0) as u16;
        if !(200..300).contains(&status) && status != 412 {
            return Err((
                surface::http::local_api_error(status, "Could not upload the selected file."),
                false,
            ));
        }
        let id = prepared
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        self.retry_busy_call(&sp::assets_finalize(id))
            .await
            .map_err(|e| (e, false))
    }
}

#[wasm_bindgen]
impl ReusableUploads {
    /// `{assets, limits}`.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(
        unchecked_return_type = "Promise<{ assets: SavedUpload[]; limits: Record<string, number> }>"
    )]
    pub fn list(&self, signal: Option<AbortSignal>) -> Promise {
        call(&self.state, "projects.assets.list", &[], signal.into())
    }

    /// Removes a saved upload.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn remove(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let state = self.state.clone();
        let args = json_args(&[&id]);
        let signal = JsValue::from(signal);
        guard(&signal.clone(), "projects.assets.remove", async move {
            state
                .run_json("projects.assets.remove", &args, &signal)
                .await
                .map_err(err)?;
            *state.assets_blocked_until.borrow_mut() = 0.0;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Binds a saved upload to a project slot (`{projectId, type, id?}`); retried while
    /// the asset is busy (423).
    /// `signal` aborts the wait.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn bind(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SavedUploadBinding")] binding: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let state = self.state.clone();
        let args = json_args(&[&id, &binding]);
        guard(&signal.into(), "projects.assets.bind", async move {
            state
                .retry_busy("projects.assets.bind", &args)
                .await
                .map_err(err)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Saves a file once (the server verifies it before it becomes reusable); resolves
    /// with the `SavedUpload`. The same bytes and type again reuse the stored asset.
    /// `signal` aborts the wait.
    #[wasm_bindgen(unchecked_return_type = "Promise<SavedUpload>")]
    pub fn upload(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Blob | ArrayBuffer | ArrayBufferView")]
        file: JsValue,
        #[wasm_bindgen(js_name = contentType)] content_type: String,
        name: Option<String>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let state = self.state.clone();
        guard(&signal.into(), "projects.assets.upload", async move {
            let name = name.unwrap_or_else(|| "Saved upload".into());
            let v = state
                .upload_asset(&file, &content_type, &name)
                .await
                .map_err(|(e, _)| err(e))?;
            Ok(js(&v))
        })
    }

    /// Saves a file and binds it to a project slot when saved uploads are available
    /// (`true`), else `false` so the ordinary project upload is used.
    /// `signal` aborts the wait.
    #[wasm_bindgen(js_name = tryBindFile, unchecked_return_type = "Promise<boolean>")]
    pub fn try_bind_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Blob | ArrayBuffer | ArrayBufferView")]
        file: JsValue,
        #[wasm_bindgen(js_name = contentType)] content_type: Option<String>,
        #[wasm_bindgen(unchecked_param_type = "SavedUploadBinding")] binding: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let state = self.state.clone();
        let binding = json_args(&[&binding]).pop().unwrap_or(Value::Null);
        guard(&signal.into(), "projects.assets.tryBindFile", async move {
            state
                .try_bind_file(&file, content_type.as_deref(), binding)
                .await
                .map(JsValue::from_bool)
                .map_err(err)
        })
    }
}

impl SurfaceState {
    /// Saves `file` (when saved uploads are available to the account and it is a
    /// supported type of 1 B–100 MiB) and binds it to `binding`'s project slot: `true`, or
    /// `false` so the caller uploads it the ordinary way. As officially, only failures
    /// before a transfer was prepared fall back; a full library pauses automatic saves for
    /// 15 minutes.
    pub(crate) async fn try_bind_file(
        &self,
        file: &JsValue,
        content_type: Option<&str>,
        binding: Value,
    ) -> Result<bool, Error> {
        let size = glue::byte_size(file);
        let Some(ct) = content_type.filter(|c| sp::SAVED_UPLOAD_TYPES.contains(c)) else {
            return Ok(false);
        };
        if !sp::asset_size_ok(size) {
            return Ok(false);
        }
        let now = glue::now_ms();
        if *self.assets_blocked_until.borrow() > now {
            return Ok(false);
        }
        let cached = *self.assets_enabled.borrow();
        let enabled = match cached {
            Some((exp, v)) if exp > now => v,
            _ => {
                let answer = self
                    .exec(&sp::assets_capabilities(), &JsValue::UNDEFINED)
                    .await?;
                let v = match surface::http::rest_data(&answer) {
                    Ok(d) => d.get("enabled") == Some(&Value::Bool(true)),
                    Err(Error::Api {
                        status: 403 | 404 | 503,
                        ..
                    }) => false,
                    Err(e) => return Err(e),
                };
                *self.assets_enabled.borrow_mut() = Some((now + 60_000.0, v));
                v
            }
        };
        if !enabled {
            return Ok(false);
        }
        let name = surf::file_name(file);
        let saved = match self.upload_asset(file, ct, &name).await {
            Ok(s) => s,
            Err((
                Error::Api {
                    status, message, ..
                },
                true,
            )) if [400, 403, 404, 409, 410, 503].contains(&status) => {
                if status == 409 && message.starts_with("Your saved upload library is full.") {
                    *self.assets_blocked_until.borrow_mut() = now + 15.0 * 60.0 * 1000.0;
                }
                return Ok(false);
            }
            Err((e, _)) => return Err(e),
        };
        let id = saved.get("id").cloned().unwrap_or(Value::Null);
        self.retry_busy("projects.assets.bind", &[id, binding])
            .await?;
        Ok(true)
    }
}
