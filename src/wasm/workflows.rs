//! `sogni.workflows` (durable creative workflows, with their resumable SSE event stream)
//! and `sogni.workflows.templates`; `parseCreativeWorkflowSseChunk`.

use super::abort;
use super::chat_glue::{self, iter_result, make_async_iterable};
use super::errors::to_js;
use super::project::AbortSignal;
use super::surface::{call, json_args, signal_of, to_value, SurfaceState};
use crate::chat::workflow_events::{parse_workflow_sse_chunk, WorkflowEventReader};
use crate::surface::{self, http::error_for, HttpAnswer};
use js_sys::Promise;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// `sogni.workflows`: durable creative workflows (`/v1/creative-agent/workflows`). A
/// workflow runs its steps (hosted Sogni tools) on the server; follow it with
/// `streamEvents`, which survives disconnects (`after` / `lastEventId`).
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct CreativeWorkflowsApi {
    state: Rc<SurfaceState>,
}

impl CreativeWorkflowsApi {
    pub(crate) fn new(state: Rc<SurfaceState>) -> Self {
        Self { state }
    }
}

#[wasm_bindgen]
impl CreativeWorkflowsApi {
    /// Template CRUD and fork (`/v1/creative-agent/workflows/templates`).
    #[wasm_bindgen(getter)]
    pub fn templates(&self) -> CreativeWorkflowTemplatesApi {
        CreativeWorkflowTemplatesApi {
            state: self.state.clone(),
        }
    }

    /// Starts a workflow: an inline plan (`input: {title?, steps}`) or a saved template
    /// (`workflowId` + `inputs`). Media references must be HTTP(S) URLs. Resolves with the
    /// `CreativeWorkflowRecord`.
    #[wasm_bindgen(unchecked_return_type = "Promise<CreativeWorkflowRecord>")]
    pub fn start(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StartCreativeWorkflowParams")] params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal }")]
        options: JsValue,
    ) -> Promise {
        call(
            &self.state,
            "workflows.start",
            &[&params],
            signal_of(&options),
        )
    }

    /// Resumes a workflow paused in `waiting_for_user`: `{workflow, resumed}`.
    #[wasm_bindgen(unchecked_return_type = "Promise<ResumeCreativeWorkflowResult>")]
    pub fn resume(
        &self,
        #[wasm_bindgen(js_name = workflowId, unchecked_param_type = "string")] workflow_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ResumeCreativeWorkflowParams")]
        params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal }")]
        options: JsValue,
    ) -> Promise {
        call(
            &self.state,
            "workflows.resume",
            &[&workflow_id, &params],
            signal_of(&options),
        )
    }

    /// Runs a finished workflow again with fresh seeds (`seedOverrides` per step):
    /// `{workflow, reseed: {clonedFromRunId, steps}, idempotent?}`.
    #[wasm_bindgen(unchecked_return_type = "Promise<ReseedCreativeWorkflowResult>")]
    pub fn reseed(
        &self,
        #[wasm_bindgen(js_name = workflowId, unchecked_param_type = "string")] workflow_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ReseedCreativeWorkflowParams")]
        params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal }")]
        options: JsValue,
    ) -> Promise {
        call(
            &self.state,
            "workflows.reseed",
            &[&workflow_id, &params],
            signal_of(&options),
        )
    }

    /// The caller's workflows, newest first (`{limit, offset}`; `signal` aborts it).
    #[wasm_bindgen(unchecked_return_type = "Promise<CreativeWorkflowRecord[]>")]
    pub fn list(
        &self,
        #[wasm_bindgen(
            unchecked_optional_param_type = "{ limit?: number; offset?: number; signal?: AbortSignal }"
        )]
        options: JsValue,
    ) -> Promise {
        call(
            &self.state,
            "workflows.list",
            &[&options],
            signal_of(&options),
        )
    }

    /// One workflow.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<CreativeWorkflowRecord>")]
    pub fn get(
        &self,
        #[wasm_bindgen(js_name = workflowId, unchecked_param_type = "string")] workflow_id: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(&self.state, "workflows.get", &[&workflow_id], signal.into())
    }

    /// A workflow's event log.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<CreativeWorkflowEvent[]>")]
    pub fn events(
        &self,
        #[wasm_bindgen(js_name = workflowId, unchecked_param_type = "string")] workflow_id: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.state,
            "workflows.events",
            &[&workflow_id],
            signal.into(),
        )
    }

    /// Cancels a workflow; resolves with the record.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<CreativeWorkflowRecord>")]
    pub fn cancel(
        &self,
        #[wasm_bindgen(js_name = workflowId, unchecked_param_type = "string")] workflow_id: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.state,
            "workflows.cancel",
            &[&workflow_id],
            signal.into(),
        )
    }

    /// The workflow's events over SSE, as an async iterator of `{id?, event, data, raw}`;
    /// it stops after a frame whose `data.status` is `completed`, `failed` or `cancelled`.
    /// `after` / `lastEventId` resume after that event; `signal` stops it.
    #[wasm_bindgen(js_name = streamEvents, unchecked_return_type = "WorkflowEventStream")]
    pub fn stream_events(
        &self,
        #[wasm_bindgen(js_name = workflowId, unchecked_param_type = "string")] workflow_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "StreamCreativeWorkflowEventsOptions")]
        options: JsValue,
    ) -> JsValue {
        let values = json_args(&[&workflow_id, &options]);
        let id = match &values[0] {
            Value::String(s) => s.clone(),
            other => surface::http::js_string(other),
        };
        make_async_iterable(&JsValue::from(WorkflowEventStream {
            inner: Rc::new(WorkflowEvents {
                state: self.state.clone(),
                call: surface::workflows::stream_call(&id, &values[1]),
                signal: signal_of(&options),
                reader: RefCell::new(None),
                parser: RefCell::new(WorkflowEventReader::new()),
                queue: RefCell::new(VecDeque::new()),
                finished: Cell::new(false),
            }),
        }))
    }
}

/// What an aborted `streamEvents` names.
const STREAM: &str = "workflows.streamEvents";

#[derive(Debug)]
struct WorkflowEvents {
    state: Rc<SurfaceState>,
    call: surface::HttpCall,
    signal: JsValue,
    reader: RefCell<Option<JsValue>>,
    parser: RefCell<WorkflowEventReader>,
    queue: RefCell<VecDeque<Value>>,
    finished: Cell<bool>,
}

impl WorkflowEvents {
    async fn open(&self) -> Result<(), JsValue> {
        let client = &self.state.client;
        client.refresh_token().await.map_err(|e| to_js(&e))?;
        let url = format!("{}{}", client.rest.api, self.call.path);
        let headers: Vec<(&str, String)> = self
            .call
            .headers
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        let signal =
            (!self.signal.is_undefined() && !self.signal.is_null()).then_some(&self.signal);
        let res = client
            .rest
            .fetch_raw("GET", &url, None, true, &headers, 0.0, signal)
            .await
            .map_err(|e| to_js(&e))?;
        if !(200..300).contains(&res.status()) {
            let body = JsFuture::from(res.text())
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default();
            let answer = HttpAnswer {
                status: res.status(),
                status_text: res.status_text(),
                body,
                retry_after: None,
            };
            if answer.status == 401 && client.is_authenticated() {
                client.auth_lost();
            }
            self.finished.set(true);
            return Err(to_js(&error_for(surface::ErrorStyle::Workflow, &answer)));
        }
        let reader = chat_glue::body_reader(&res);
        if reader.is_null() {
            self.finished.set(true);
        }
        *self.reader.borrow_mut() = Some(reader);
        Ok(())
    }

    /// Stops reading and releases the response.
    fn close(&self) {
        self.finished.set(true);
        self.queue.borrow_mut().clear();
        if let Some(reader) = self.reader.borrow_mut().take() {
            if !reader.is_null() {
                chat_glue::cancel_reader(&reader);
            }
        }
    }

    async fn next(self: Rc<Self>) -> Result<JsValue, JsValue> {
        loop {
            if let Some(frame) = self.queue.borrow_mut().pop_front() {
                return Ok(iter_result(&to_value(&frame), false));
            }
            if self.finished.get() {
                return Ok(iter_result(&JsValue::UNDEFINED, true));
            }
            if self.reader.borrow().is_none() {
                self.open().await?;
                continue;
            }
            let reader = self.reader.borrow().clone().unwrap_or(JsValue::NULL);
            let read = abort::race(chat_glue::read_chunk(&reader), &self.signal, STREAM);
            let chunk = JsFuture::from(read).await.inspect_err(|_| self.close())?;
            let frames = if chunk.is_null() {
                self.finished.set(true);
                self.parser.borrow_mut().finish()
            } else {
                let bytes = js_sys::Uint8Array::new(&chunk).to_vec();
                let frames = self.parser.borrow_mut().feed(&bytes);
                if self.parser.borrow().is_finished() {
                    // A terminal frame: stop reading and close the connection.
                    self.finished.set(true);
                    chat_glue::cancel_reader(&reader);
                }
                frames
            };
            self.queue.borrow_mut().extend(frames);
        }
    }
}

/// The async iterator `workflows.streamEvents()` returns (`for await … of`).
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct WorkflowEventStream {
    inner: Rc<WorkflowEvents>,
}

#[wasm_bindgen]
impl WorkflowEventStream {
    /// The async iterator's `next()`: `{value: CreativeWorkflowSseEvent, done}`. Once the
    /// `signal` of `streamEvents` aborts, it rejects with an `AbortError` and the response
    /// is released.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<CreativeWorkflowSseEvent>>")]
    pub fn next(&self) -> Promise {
        if abort::is_aborted(&self.inner.signal) {
            self.inner.close();
        }
        abort::guard(&self.inner.signal, STREAM, self.inner.clone().next())
    }

    /// Stops reading and closes the connection (what `break` does through `return()`).
    #[wasm_bindgen(js_name = closeIterator)]
    pub fn close_iterator(&self) {
        self.inner.close();
    }
}

/// `sogni.workflows.templates`: saved workflow blueprints. Private templates are visible
/// to their owner only; `fork` copies any template you can read into your own.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct CreativeWorkflowTemplatesApi {
    state: Rc<SurfaceState>,
}

#[wasm_bindgen]
impl CreativeWorkflowTemplatesApi {
    /// `{templates, nextCursor}` (`visibility`: `own`, `public` or `all`; `limit` 1–200).
    #[wasm_bindgen(unchecked_return_type = "Promise<ListWorkflowTemplatesResult>")]
    pub fn list(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListWorkflowTemplatesOptions")]
        options: JsValue,
    ) -> Promise {
        call(
            &self.state,
            "workflows.templates.list",
            &[&options],
            signal_of(&options),
        )
    }

    /// One template.
    #[wasm_bindgen(unchecked_return_type = "Promise<WorkflowTemplate>")]
    pub fn get(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal }")]
        options: JsValue,
    ) -> Promise {
        call(
            &self.state,
            "workflows.templates.get",
            &[&id],
            signal_of(&options),
        )
    }

    /// Saves a new template (yours).
    #[wasm_bindgen(unchecked_return_type = "Promise<WorkflowTemplate>")]
    pub fn create(
        &self,
        #[wasm_bindgen(unchecked_param_type = "WorkflowTemplate")] template: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal }")]
        options: JsValue,
    ) -> Promise {
        call(
            &self.state,
            "workflows.templates.create",
            &[&template],
            signal_of(&options),
        )
    }

    /// Changes one of your templates.
    #[wasm_bindgen(unchecked_return_type = "Promise<WorkflowTemplate>")]
    pub fn update(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Partial<WorkflowTemplate>")] patch: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal }")]
        options: JsValue,
    ) -> Promise {
        call(
            &self.state,
            "workflows.templates.update",
            &[&id, &patch],
            signal_of(&options),
        )
    }

    /// Deletes one of your templates.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn delete(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal }")]
        options: JsValue,
    ) -> Promise {
        call(
            &self.state,
            "workflows.templates.delete",
            &[&id],
            signal_of(&options),
        )
    }

    /// Copies a template into your own (`{newName}`).
    #[wasm_bindgen(unchecked_return_type = "Promise<WorkflowTemplate>")]
    pub fn fork(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ newName?: string }")] body: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal }")]
        options: JsValue,
    ) -> Promise {
        call(
            &self.state,
            "workflows.templates.fork",
            &[&id, &body],
            signal_of(&options),
        )
    }
}

/// `parseCreativeWorkflowSseChunk(chunk)`: every SSE frame of `chunk` as
/// `{id?, event, data, raw}` (`data` parsed as JSON when it is JSON).
#[wasm_bindgen(
    js_name = parseCreativeWorkflowSseChunk,
    unchecked_return_type = "CreativeWorkflowSseEvent[]"
)]
pub fn parse_creative_workflow_sse_chunk(chunk: &str) -> JsValue {
    super::projects::js(&parse_workflow_sse_chunk(chunk))
}
