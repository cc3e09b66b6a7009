//! The rest of the official `TypedEventEmitter` API (`once`, `removeAllListeners`) on the
//! groups and entities that emit events, and `sogni.account.currentAccount`.

use super::api::{AccountApi, ApiClient, CurrentAccount};
use super::chat::ChatApi;
use super::glue;
use super::project::{Job, Project};
use super::projects::ProjectsApi;
use super::socket_events::SocketEvents;
use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl AccountApi {
    /// `sogni.account.currentAccount` (the same as `sogni.currentAccount`).
    #[wasm_bindgen(getter, js_name = currentAccount)]
    pub fn current_account(&self) -> CurrentAccount {
        CurrentAccount {
            shared: self.shared.clone(),
        }
    }
}

#[wasm_bindgen]
impl CurrentAccount {
    /// Listens for the next `updated` only; returns the unsubscribe function.
    pub fn once(&self, event: &str, listener: Function) -> Function {
        self.shared.account.events.on(event, listener.clone(), true);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes every listener (of `event`, or all).
    #[wasm_bindgen(js_name = removeAllListeners)]
    pub fn remove_all_listeners(&self, event: Option<String>) {
        self.shared.account.events.clear(event.as_deref());
    }
}

#[wasm_bindgen]
impl ApiClient {
    /// Listens for the next `connected` / `disconnected` / `error` only.
    pub fn once(&self, event: &str, listener: Function) -> Function {
        self.shared.inner.events.on(event, listener.clone(), true);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes every listener (of `event`, or all).
    #[wasm_bindgen(js_name = removeAllListeners)]
    pub fn remove_all_listeners(&self, event: Option<String>) {
        self.shared.inner.events.clear(event.as_deref());
    }
}

#[wasm_bindgen]
impl ProjectsApi {
    /// Listens for the next `availableModels`, `project` or `job` event only.
    pub fn once(&self, event: &str, listener: Function) -> Function {
        self.shared
            .projects
            .events
            .on(event, listener.clone(), true);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes every listener (of `event`, or all).
    #[wasm_bindgen(js_name = removeAllListeners)]
    pub fn remove_all_listeners(&self, event: Option<String>) {
        self.shared.projects.events.clear(event.as_deref());
    }
}

#[wasm_bindgen]
impl ChatApi {
    /// Removes every listener (of `event`, or all).
    #[wasm_bindgen(js_name = removeAllListeners)]
    pub fn remove_all_listeners(&self, event: Option<String>) {
        self.state.events.clear(event.as_deref());
    }
}

#[wasm_bindgen]
impl Project {
    /// Removes every listener (of `event`, or all).
    #[wasm_bindgen(js_name = removeAllListeners)]
    pub fn remove_all_listeners(&self, event: Option<String>) {
        self.inner.events.clear(event.as_deref());
    }
}

#[wasm_bindgen]
impl Job {
    /// Listens for the next `progress` / `completed` / `failed` / `updated` only.
    pub fn once(&self, event: &str, listener: Function) -> Function {
        self.project
            .job_emitter(&self.id)
            .on(event, listener.clone(), true);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes every listener (of `event`, or all).
    #[wasm_bindgen(js_name = removeAllListeners)]
    pub fn remove_all_listeners(&self, event: Option<String>) {
        self.project.job_emitter(&self.id).clear(event.as_deref());
    }
}

#[wasm_bindgen]
impl SocketEvents {
    /// Removes every listener (of `event`, or all).
    #[wasm_bindgen(js_name = removeAllListeners)]
    pub fn remove_all_listeners(&self, event: Option<String>) {
        self.state().events.clear(event.as_deref());
    }
}
