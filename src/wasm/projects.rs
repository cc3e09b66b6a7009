//! `sogni.projects`: available models, size presets, and (in `project.rs`) media projects.

use super::api::Shared;
use super::client::{Inner, Subscriber};
use super::emitter::Emitter;
use super::errors::to_js;
use super::glue;
use crate::Error;
use js_sys::{Function, Promise};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

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
}

impl std::fmt::Debug for ProjectsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProjectsState({} models)", self.available.borrow().len())
    }
}

/// A serde value as a plain JS value (objects, not `Map`s).
pub(crate) fn js<T: serde::Serialize + ?Sized>(v: &T) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

impl ProjectsState {
    pub(crate) fn new(client: Rc<Inner>) -> Rc<Self> {
        Rc::new(Self {
            client,
            available: RefCell::new(Vec::new()),
            supported: RefCell::new(None),
            tiers: RefCell::new(None),
            model_waiters: RefCell::new(Vec::new()),
            events: Emitter::default(),
            projects: RefCell::new(Vec::new()),
        })
    }

    /// `/api/v1/models/list`, cached for the client's life.
    pub(crate) async fn supported_models(&self) -> Result<Value, Error> {
        if let Some(v) = self.supported.borrow().clone() {
            return Ok(v);
        }
        let v = self.client.rest.socket_get("/api/v1/models/list").await?;
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
        let v = self.client.rest.socket_get("/api/v2/models/tiers").await?;
        *self.tiers.borrow_mut() = Some(v.clone());
        Ok(v)
    }

    fn set_available(&self, workers: &Value, supported: &Value) {
        let list = supported.as_array().cloned().unwrap_or_default();
        let models: Vec<Value> = workers
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(id, count)| {
                        let known = list.iter().find(|s| s["id"] == id.as_str());
                        json!({
                            "id": id,
                            "name": known.and_then(|k| k["name"].as_str()).map(str::to_string).unwrap_or_else(|| id.replace('-', " ")),
                            "workerCount": count.as_f64().unwrap_or(0.0),
                            "media": known.and_then(|k| k["media"].as_str()).unwrap_or("image"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let non_empty = !models.is_empty();
        *self.available.borrow_mut() = models;
        let value = js(&*self.available.borrow());
        self.events.emit("availableModels", &value);
        if non_empty {
            for d in self.model_waiters.borrow_mut().drain(..) {
                if let Ok(f) = js_sys::Reflect::get(&d, &"resolve".into()) {
                    let _ = Function::from(f).call1(&JsValue::NULL, &value);
                }
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
                    me.client.log(1, &format!("failed to load the model list: {e}"));
                    Value::Array(Vec::new())
                }
            };
            me.set_available(&data, &supported);
        });
    }

    /// Resolves with the models once a non-empty `swarmModels` arrived (or rejects after `timeout_ms`).
    pub(crate) async fn wait_for_models(self: &Rc<Self>, timeout_ms: f64) -> Result<JsValue, JsValue> {
        if !self.available.borrow().is_empty() {
            return Ok(js(&*self.available.borrow()));
        }
        self.client.connect();
        let d = glue::deferred();
        self.model_waiters.borrow_mut().push(d.clone());
        let promise: Promise = glue::get(&d, "promise").into();
        let error = to_js(&Error::Timeout {
            message: "Timeout waiting for models".into(),
        });
        JsFuture::from(glue::with_timeout(&promise, timeout_ms, &error)).await
    }

    fn fail_model_waiters(&self, error: &Error) {
        let js = to_js(error);
        for d in self.model_waiters.borrow_mut().drain(..) {
            if let Ok(f) = js_sys::Reflect::get(&d, &"reject".into()) {
                let _ = Function::from(f).call1(&JsValue::NULL, &js);
            }
        }
    }
}

impl Subscriber for ProjectsState {
    fn on_event(self: Rc<Self>, kind: &str, data: &Value) {
        if kind == "swarmModels" {
            self.on_swarm_models(data);
            return;
        }
        if kind == "changeNetwork" {
            self.available.borrow_mut().clear();
        }
        let projects: Vec<_> = self.projects.borrow().clone();
        for p in projects {
            p.on_event(kind, data);
        }
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

/// `sogni.projects`.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct ProjectsApi {
    shared: Rc<Shared>,
}

impl ProjectsApi {
    pub(crate) fn new(shared: Rc<Shared>) -> Self {
        Self { shared }
    }
}

#[wasm_bindgen]
impl ProjectsApi {
    /// Models with workers online, from the latest `swarmModels`.
    #[wasm_bindgen(getter, js_name = availableModels)]
    pub fn available_models(&self) -> JsValue {
        js(&*self.shared.projects.available.borrow())
    }

    /// Resolves with the available models once the network has announced them.
    #[wasm_bindgen(js_name = waitForModels)]
    pub fn wait_for_models(&self, timeout: Option<f64>) -> Promise {
        let state = self.shared.projects.clone();
        future_to_promise(async move { state.wait_for_models(timeout.unwrap_or(10_000.0)).await })
    }

    /// Every model the network supports: `[{id, name, SID, tier, media}]`.
    #[wasm_bindgen(js_name = getSupportedModels)]
    pub fn get_supported_models(&self) -> Promise {
        let state = self.shared.projects.clone();
        future_to_promise(async move { state.supported_models().await.map(|v| js(&v)).map_err(|e| to_js(&e)) })
    }

    /// Size presets of a model on a network.
    #[wasm_bindgen(js_name = getSizePresets)]
    pub fn get_size_presets(&self, network: String, model_id: String) -> Promise {
        let state = self.shared.projects.clone();
        future_to_promise(async move {
            if network != "fast" && network != "relaxed" {
                return Err(to_js(&Error::invalid("INVALID_NETWORK", "network must be 'fast' or 'relaxed'")));
            }
            let path = format!(
                "/api/v1/size-presets/network/{network}/model/{}",
                js_sys::encode_uri_component(&model_id)
            );
            state.client.rest.socket_get(&path).await.map(|v| js(&v)).map_err(|e| to_js(&e))
        })
    }

    /// Worker counts per model on a network (`{modelId: count}`).
    #[wasm_bindgen(js_name = getAvailableModels)]
    pub fn get_available_models(&self, network: Option<String>) -> Promise {
        let state = self.shared.projects.clone();
        future_to_promise(async move {
            let network = network.unwrap_or_else(|| state.client.network.borrow().clone());
            let by_sid = state
                .client
                .rest
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
        })
    }

    /// Listens for `availableModels`, `project` and `job` events.
    pub fn on(&self, event: &str, listener: Function) -> Function {
        self.shared.projects.events.on(event, listener.clone(), false);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes a listener.
    pub fn off(&self, event: &str, listener: &Function) {
        self.shared.projects.events.off(event, listener);
    }
}
