//! `sogni.chat`: socket chat completions (streaming or not, with the auto-tools loop),
//! LLM models and cost estimates, hosted REST chat and tool execution, durable chat runs
//! with their SSE event stream, and client-side Sogni tool execution.

use super::abort::guard;
use super::abort::promise;
use super::chat_glue::{self, iter_result, make_async_iterable};
use super::chat_stream::{chat_error_js, ChatStream, StreamCell};
use super::client::{Inner, Subscriber};
use super::emitter::Emitter;
use super::errors::to_js;
use super::glue;
use super::project::AbortSignal;
use super::projects::{js, ProjectsState};
use crate::chat::{self, ChatJobError, ChatRequestContext};
use crate::Error;
use js_sys::{Function, Object, Promise};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};

fn err(e: Error) -> JsValue {
    to_js(&e)
}

/// The chat group's state (one per client).
#[derive(Debug)]
pub(crate) struct ChatState {
    client: Rc<Inner>,
    projects: Rc<ProjectsState>,
    /// Jobs sent and not finished (the official `activeStreams`).
    streams: RefCell<BTreeMap<String, Rc<StreamCell>>>,
    /// Jobs whose request has not reached the socket yet.
    unsent: RefCell<HashSet<String>>,
    watch: RefCell<chat::transport::TransportWatch>,
    /// Bumped to cancel a running grace timer.
    grace_generation: Cell<u32>,
    /// `chat.models`.
    models: RefCell<Value>,
    model_waiters: RefCell<Vec<Object>>,
    pub(crate) events: Emitter,
}

impl ChatState {
    pub(crate) fn new(client: Rc<Inner>, projects: Rc<ProjectsState>) -> Rc<Self> {
        Rc::new(Self {
            client,
            projects,
            streams: RefCell::new(BTreeMap::new()),
            unsent: RefCell::new(HashSet::new()),
            watch: RefCell::new(Default::default()),
            grace_generation: Cell::new(0),
            models: RefCell::new(json!({})),
            model_waiters: RefCell::new(Vec::new()),
            events: Emitter::default(),
        })
    }

    fn stream(&self, job_id: &str) -> Option<Rc<StreamCell>> {
        self.streams.borrow().get(job_id).cloned()
    }

    fn remove(&self, job_id: &str) {
        self.streams.borrow_mut().remove(job_id);
        self.watch.borrow_mut().forget(job_id);
    }

    /// A frame arrived for `job_id`: it survived any reconnect.
    fn alive(&self, job_id: &str) {
        if self.watch.borrow_mut().on_frame(job_id) {
            self.grace_generation.set(self.grace_generation.get() + 1);
        }
    }

    /// The job a frame is for, when this client is waiting on it (and it is now alive).
    fn live_cell<'a>(&self, data: &'a Value) -> Option<(&'a str, Rc<StreamCell>)> {
        let id = data.get("jobID").and_then(Value::as_str)?;
        let cell = self.stream(id)?;
        self.alive(id);
        Some((id, cell))
    }

    fn on_tokens(&self, data: &Value) {
        let Some((_, cell)) = self.live_cell(data) else {
            return;
        };
        let chunk = cell.core.borrow_mut().on_tokens(data);
        cell.wake();
        self.events.emit("token", &js(&chunk));
    }

    fn on_job_state(&self, data: &Value) {
        let Some((_, cell)) = self.live_cell(data) else {
            return;
        };
        let event = cell.core.borrow_mut().on_job_state(data);
        self.events.emit("jobState", &js(&event));
    }

    fn on_result(&self, data: &Value) {
        let Some((id, cell)) = self.live_cell(data) else {
            return;
        };
        let result = cell.core.borrow_mut().on_result(data);
        cell.wake();
        self.remove(id);
        if let Some(result) = result {
            let result = js(&result);
            cell.resolve_done(&result);
            self.events.emit("completed", &result);
        }
    }

    fn on_error(&self, data: &Value) {
        let Some((id, cell)) = self.live_cell(data) else {
            return;
        };
        let event = cell.core.borrow_mut().on_error(data);
        cell.wake();
        self.remove(id);
        cell.reject_done(&chat_error_js(&ChatJobError::for_non_streaming(&event)));
        self.events.emit("error", &js(&event));
    }

    /// Fails a job the transport lost.
    fn fail_lost(&self, job_id: &str) {
        self.on_error(&chat::transport::transport_lost_payload(job_id));
    }

    fn in_flight(&self) -> Vec<String> {
        let unsent = self.unsent.borrow();
        self.streams
            .borrow()
            .keys()
            .filter(|k| !unsent.contains(*k))
            .cloned()
            .collect()
    }

    fn start_grace_timer(self: &Rc<Self>) {
        let generation = self.grace_generation.get() + 1;
        self.grace_generation.set(generation);
        let weak = Rc::downgrade(self);
        spawn_local(async move {
            let ms = f64::from(chat::transport::LLM_TRANSPORT_GRACE_MS);
            let _ = JsFuture::from(glue::sleep(ms)).await;
            let Some(me) = weak.upgrade() else { return };
            if me.grace_generation.get() != generation {
                return;
            }
            let lost = me.watch.borrow_mut().on_grace_expired();
            for id in lost {
                me.fail_lost(&id);
            }
        });
    }

    fn on_models(&self, data: &Value) {
        let models = chat::cost::llm_models_from_swarm(data);
        let any = models.as_object().is_some_and(|m| !m.is_empty());
        *self.models.borrow_mut() = models.clone();
        let value = js(&models);
        self.events.emit("modelsUpdated", &value);
        if any {
            for d in self.model_waiters.borrow_mut().drain(..) {
                glue::settle(&d, true, &value);
            }
        }
    }

    // ---------------------------------------------------------------------------------
    // completions.create
    // ---------------------------------------------------------------------------------

    /// Sends one completion; returns its cell once the request is on the socket.
    async fn send_completion(
        self: &Rc<Self>,
        params: &Value,
        signal: &JsValue,
        attribution: Vec<(String, String)>,
    ) -> Result<Rc<StreamCell>, JsValue> {
        if self.client.is_disposed() {
            return Err(err(Inner::disposed_error()));
        }
        let remote = self.fetch_remote_images(params).await?;
        let job_id = glue::uuid_upper();
        let ctx = ChatRequestContext {
            app_source: self.client.config.app_source.clone(),
            attribution,
            remote_images: remote,
        };
        let request = chat::llm_job_request(params, &job_id, &ctx).map_err(err)?;
        let cell = Rc::new(StreamCell::new(&job_id, signal.clone()));
        self.streams
            .borrow_mut()
            .insert(job_id.clone(), cell.clone());
        self.unsent.borrow_mut().insert(job_id.clone());
        let sent = self.client.send("llmJobRequest", &request).await;
        self.unsent.borrow_mut().remove(&job_id);
        if let Err(e) = sent {
            self.remove(&job_id);
            let cause = glue::get(&e, "message")
                .as_string()
                .unwrap_or_else(|| "send failed".into());
            return Err(chat_error_js(&ChatJobError::send_failed(&job_id, &cause)));
        }
        Ok(cell)
    }

    /// Fetches the trusted remote images the params name and inlines them.
    async fn fetch_remote_images(
        &self,
        params: &Value,
    ) -> Result<chat::vision::RemoteImages, JsValue> {
        let urls = chat::params::remote_images_for_request(params).map_err(err)?;
        let mut remote = chat::vision::RemoteImages::new();
        for url in urls {
            let init = Object::new();
            let res = JsFuture::from(glue::fetch_with_init(&url, &init))
                .await
                .map_err(|e| err(super::errors::from_js(&e)))?;
            let res: glue::Response = wasm_bindgen::JsCast::unchecked_into(res);
            if !(200..300).contains(&res.status()) {
                return Err(err(chat::vision::remote_fetch_failed(res.status())));
            }
            let content_type = res.headers().get("content-type");
            let buf = JsFuture::from(res.array_buffer())
                .await
                .map_err(|e| err(super::errors::from_js(&e)))?;
            let bytes = js_sys::Uint8Array::new(&buf).to_vec();
            if bytes.len() > chat::vision::MAX_VISION_IMAGE_BYTES {
                return Err(err(chat::vision::image_byte_limit_exceeded(
                    chat::vision::MAX_VISION_IMAGE_BYTES,
                )));
            }
            let uri = chat::vision::remote_image_data_uri(content_type.as_deref(), &bytes)
                .map_err(err)?;
            remote.insert(url, uri);
        }
        Ok(remote)
    }

    /// Waits for a sent job's final result (non-streaming), with the official 300 s limit
    /// and the caller's signal.
    async fn wait_result(&self, cell: &Rc<StreamCell>) -> Result<JsValue, JsValue> {
        let job_id = cell.core.borrow().job_id().to_string();
        let done = cell.completion();
        let abort = err(Error::Aborted {
            message: "The chat completion was aborted".into(),
        });
        let timeout = err(chat::params::non_streaming_timeout(&job_id));
        let raced = glue::with_timeout(
            &glue::with_abort(&done, &cell.signal, &abort),
            f64::from(chat::params::NON_STREAMING_TIMEOUT_MS),
            &timeout,
        );
        let out = JsFuture::from(raced).await;
        if out.is_err() {
            self.remove(&job_id);
        }
        out
    }

    async fn create_completion(self: Rc<Self>, params: JsValue) -> Result<JsValue, JsValue> {
        if !params.is_object() {
            return Err(err(Error::invalid(
                "INVALID_CHAT_PARAMS",
                "chat params must be an object",
            )));
        }
        let prepared = JsFuture::from(chat_glue::prepare_chat_params(&params)).await?;
        let text = glue::get(&prepared, "json").as_string().unwrap_or_default();
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            err(Error::invalid(
                "INVALID_CHAT_PARAMS",
                format!("chat params are not JSON: {e}"),
            ))
        })?;
        let signal = glue::get(&prepared, "signal");
        if chat::params::uses_auto_tools(&value).map_err(err)? {
            let handlers = ToolHandlers {
                on_tool_call: glue::get(&prepared, "onToolCall"),
                on_tool_progress: glue::get(&prepared, "onToolProgress"),
            };
            return self
                .completion_with_auto_tools(value, signal, handlers)
                .await;
        }
        let cell = self.send_completion(&value, &signal, Vec::new()).await?;
        if value.get("stream").and_then(Value::as_bool) == Some(true) {
            return Ok(ChatStream::wrap(cell));
        }
        self.wait_result(&cell).await
    }

    /// The official auto-tools loop (non-streaming): completion → execute the tool calls →
    /// feed the results back, up to `maxToolRounds` (5).
    async fn completion_with_auto_tools(
        self: Rc<Self>,
        params: Value,
        signal: JsValue,
        handlers: ToolHandlers,
    ) -> Result<JsValue, JsValue> {
        use chat::tools;
        let rounds = tools::max_tool_rounds(&params);
        let max = rounds.as_f64().unwrap_or(5.0);
        let mut messages = params.get("messages").cloned().unwrap_or(json!([]));
        let mut media_context = tools::auto_tool_media_context(&messages);
        let mut history: Vec<Value> = Vec::new();
        let mut round = 0.0;
        while round < max {
            let mut p = params.clone();
            p["messages"] = messages.clone();
            p["stream"] = Value::Bool(false);
            p["autoExecuteTools"] = Value::Bool(false);
            let cell = self.send_completion(&p, &signal, Vec::new()).await?;
            let result_js = self.wait_result(&cell).await?;
            let result = glue::value_of(&result_js);
            if tools::is_final_round(&result) {
                if history.is_empty() {
                    return Ok(result_js);
                }
                let mut result = result;
                result["toolHistory"] = Value::Array(history);
                return Ok(js(&result));
            }
            let calls = result
                .get("tool_calls")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let options =
                json!({"tokenType": params.get("tokenType"), "mediaContext": media_context});
            let results = self
                .execute_all(&calls, &options, &handlers, &signal)
                .await?;
            tools::append_auto_tool_media_results(&mut media_context, &results);
            history.push(json!({"round": round, "toolCalls": calls, "toolResults": results}));
            let next = tools::tool_round_messages(&result, &results);
            if let Some(list) = messages.as_array_mut() {
                list.extend(next);
            }
            round += 1.0;
        }
        Err(err(tools::max_tool_rounds_exceeded(&rounds)))
    }

    // ---------------------------------------------------------------------------------
    // tools
    // ---------------------------------------------------------------------------------

    /// `chat.tools.execute(toolCall, options)`.
    async fn execute_tool(
        self: &Rc<Self>,
        tool_call: &Value,
        options: &Value,
        progress: &JsValue,
        signal: &JsValue,
    ) -> Result<Value, JsValue> {
        use chat::tools;
        let name = tools::tool_call_name(tool_call).unwrap_or("").to_string();
        if !tools::is_sogni_tool_call(tool_call) {
            return Err(err(tools::not_a_sogni_tool(&name)));
        }
        if !tools::has_direct_project_dispatch(tool_call) {
            return Ok(tools::tool_error_result(
                tool_call,
                &tools::server_side_only_message(&name),
            ));
        }
        match super::chat_tools::run_tool(self, tool_call, options, progress, signal).await {
            Ok(result) => Ok(result),
            Err(message) => Ok(tools::tool_error_result(tool_call, &message)),
        }
    }

    /// `chat.tools.executeAll(toolCalls, options)`.
    async fn execute_all(
        self: &Rc<Self>,
        calls: &[Value],
        options: &Value,
        handlers: &ToolHandlers,
        signal: &JsValue,
    ) -> Result<Vec<Value>, JsValue> {
        use chat::tools;
        tools::check_tool_round(calls).map_err(err)?;
        let mut results = Vec::new();
        for call in calls {
            if tools::is_sogni_tool_call(call) {
                let progress = if handlers.on_tool_progress.is_function() {
                    let f: Function = handlers.on_tool_progress.clone().into();
                    f.bind1(&JsValue::NULL, &js(call)).into()
                } else {
                    JsValue::UNDEFINED
                };
                results.push(self.execute_tool(call, options, &progress, signal).await?);
            } else if handlers.on_tool_call.is_function() {
                let f: Function = handlers.on_tool_call.clone().into();
                let out = f
                    .call1(&JsValue::NULL, &js(call))
                    .map(|v| JsFuture::from(Promise::resolve(&v)));
                let content = match out {
                    Ok(fut) => fut.await,
                    Err(e) => Err(e),
                };
                results.push(match content {
                    Ok(c) => tools::tool_handler_result(call, &c.as_string().unwrap_or_default()),
                    Err(e) => {
                        let message = glue::get(&e, "message")
                            .as_string()
                            .or_else(|| e.as_string())
                            .unwrap_or_else(|| "Tool handler failed".into());
                        tools::tool_error_result(call, &message)
                    }
                });
            } else {
                let name = tools::tool_call_name(call).unwrap_or("");
                results.push(tools::tool_error_result(
                    call,
                    &tools::missing_handler_message(name),
                ));
            }
        }
        Ok(results)
    }

    /// The projects group the tools create projects through.
    pub(crate) fn projects(&self) -> &Rc<ProjectsState> {
        &self.projects
    }

    // ---------------------------------------------------------------------------------
    // REST: hosted chat and runs
    // ---------------------------------------------------------------------------------

    /// A JSON call on the API host with the SDK's credentials; the body is returned as is
    /// (no `{status, data}` unwrapping). `Err((status, text, error))` on non-2xx.
    async fn rest_json(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, String)],
        timeout_ms: f64,
        signal: &JsValue,
    ) -> Result<Value, RestFailure> {
        self.client
            .refresh_token()
            .await
            .map_err(RestFailure::Sdk)?;
        let url = format!("{}{}", self.client.rest.api, path);
        let (status, text, res) = self
            .client
            .rest
            .send_retrying(method, &url, body, true, headers, timeout_ms, Some(signal))
            .await
            .map_err(RestFailure::Sdk)?;
        if !(200..300).contains(&status) {
            let payload: Value =
                serde_json::from_str(&text).unwrap_or_else(|_| json!({"message": text}));
            return Err(RestFailure::Status {
                status,
                payload,
                error: super::rest::Rest::error_from(status, &text, &res),
            });
        }
        serde_json::from_str(&text).map_err(|_| {
            RestFailure::Sdk(Error::Protocol {
                message: format!("Failed to parse response body (HTTP {status})"),
            })
        })
    }
}

/// A failed REST call: an SDK-side failure, or the server's answer.
enum RestFailure {
    Sdk(Error),
    Status {
        status: u16,
        payload: Value,
        error: Error,
    },
}

impl RestFailure {
    /// Hosted calls: a recognised chat-job body becomes a `ChatJobError`, else `ApiError`.
    fn hosted(self) -> JsValue {
        match self {
            RestFailure::Sdk(e) => err(e),
            RestFailure::Status {
                status,
                payload,
                error,
            } => {
                let message = match &error {
                    Error::Api { message, .. } if !message.is_empty() => message.clone(),
                    _ => payload
                        .pointer("/error/message")
                        .and_then(Value::as_str)
                        .unwrap_or("Chat completion failed")
                        .to_string(),
                };
                match ChatJobError::from_rest(status, &message, &payload) {
                    Some(e) => chat_error_js(&e),
                    None => err(error),
                }
            }
        }
    }
}

/// The caller's handlers for the tool loop.
struct ToolHandlers {
    on_tool_call: JsValue,
    on_tool_progress: JsValue,
}

impl Subscriber for ChatState {
    fn on_event(self: Rc<Self>, kind: &str, data: &Value) {
        match kind {
            "jobTokens" => self.on_tokens(data),
            "llmJobResult" => self.on_result(data),
            "llmJobError" => self.on_error(data),
            "jobState" => self.on_job_state(data),
            "swarmLLMModels" => self.on_models(data),
            "authenticated" => {
                let gone = self.watch.borrow_mut().on_authenticated(data);
                if !self.watch.borrow().is_watching() {
                    self.grace_generation.set(self.grace_generation.get() + 1);
                }
                for id in gone {
                    self.fail_lost(&id);
                }
            }
            _ => {}
        }
    }

    fn on_connection_lost(self: Rc<Self>) {
        let in_flight = self.in_flight();
        let start = self
            .watch
            .borrow_mut()
            .on_connecting(in_flight.iter().map(String::as_str));
        if start {
            self.start_grace_timer();
        }
    }

    fn on_disconnected(self: Rc<Self>, code: u16, _reason: &str) {
        let in_flight = self.in_flight();
        let (lost, start) = self
            .watch
            .borrow_mut()
            .on_disconnected(Some(code), in_flight.iter().map(String::as_str));
        for id in lost {
            self.fail_lost(&id);
        }
        if start {
            self.start_grace_timer();
        }
    }
}

// -------------------------------------------------------------------------------------
// Exported classes
// -------------------------------------------------------------------------------------

/// `sogni.chat`: LLM chat over the Supernet.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct ChatApi {
    pub(crate) state: Rc<ChatState>,
}

impl ChatApi {
    pub(crate) fn new(state: Rc<ChatState>) -> Self {
        Self { state }
    }
}

#[wasm_bindgen]
impl ChatApi {
    /// `chat.completions`: `create(params)`.
    #[wasm_bindgen(getter)]
    pub fn completions(&self) -> ChatCompletions {
        ChatCompletions {
            state: self.state.clone(),
        }
    }

    /// `chat.hosted`: REST chat (`create`) and hosted tool execution (`executeTool`).
    #[wasm_bindgen(getter)]
    pub fn hosted(&self) -> HostedChat {
        HostedChat {
            state: self.state.clone(),
        }
    }

    /// `chat.runs`: durable server-side chat runs.
    #[wasm_bindgen(getter)]
    pub fn runs(&self) -> ChatRuns {
        ChatRuns {
            state: self.state.clone(),
        }
    }

    /// `chat.tools`: client-side execution of Sogni tool calls through `projects.create`.
    #[wasm_bindgen(getter)]
    pub fn tools(&self) -> ChatTools {
        ChatTools {
            state: self.state.clone(),
        }
    }

    /// Available LLM models and their worker counts (`{modelId: {workers, …}}`).
    #[wasm_bindgen(getter, unchecked_return_type = "Record<string, LLMModelInfo>")]
    pub fn models(&self) -> JsValue {
        js(&*self.state.models.borrow())
    }

    /// Resolves with the LLM models once the network reported some (default 10 s).
    /// `signal` aborts the wait.
    #[wasm_bindgen(
        js_name = waitForModels,
        unchecked_return_type = "Promise<Record<string, LLMModelInfo>>"
    )]
    pub fn wait_for_models(&self, timeout: Option<f64>, signal: Option<AbortSignal>) -> Promise {
        let state = self.state.clone();
        guard(&signal.into(), "chat.waitForModels", async move {
            if state
                .models
                .borrow()
                .as_object()
                .is_some_and(|m| !m.is_empty())
            {
                return Ok(js(&*state.models.borrow()));
            }
            state.client.connect();
            let d = glue::deferred();
            state.model_waiters.borrow_mut().push(d.clone());
            let p: Promise = glue::get(&d, "promise").into();
            let e = err(Error::Timeout {
                message: "Timeout waiting for LLM models".into(),
            });
            JsFuture::from(glue::with_timeout(&p, timeout.unwrap_or(10_000.0), &e)).await
        })
    }

    /// Estimates a completion's cost (`GET /api/v1/job-llm/estimate/…` on the socket host):
    /// `{costInUSD, costInSogni, costInSpark, costInToken, inputTokens, outputTokens}`.
    /// `signal` aborts the wait.
    #[wasm_bindgen(
        js_name = estimateCost,
        unchecked_return_type = "Promise<LLMCostEstimation>"
    )]
    pub fn estimate_cost(&self, params: JsValue, signal: Option<AbortSignal>) -> Promise {
        let state = self.state.clone();
        guard(&signal.into(), "chat.estimateCost", async move {
            let prepared = JsFuture::from(chat_glue::prepare_chat_params(&params)).await?;
            let text = glue::get(&prepared, "json").as_string().unwrap_or_default();
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let remote = state.fetch_remote_images(&value).await?;
            let models = state.models.borrow().clone();
            let path = chat::cost::llm_estimate_path(&value, &models, &remote).map_err(err)?;
            let body = state.client.socket_get(&path).await.map_err(err)?;
            Ok(js(&chat::cost::llm_cost_from_estimate(&body)))
        })
    }

    /// Adds a listener: `token`, `completed`, `error`, `jobState`, `modelsUpdated`.
    /// Returns a function that removes it.
    pub fn on(&self, event: &str, listener: Function) -> Function {
        self.state.events.on(event, listener.clone(), false);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Adds a one-shot listener.
    pub fn once(&self, event: &str, listener: Function) -> Function {
        self.state.events.on(event, listener.clone(), true);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes a listener.
    pub fn off(&self, event: &str, listener: &Function) {
        self.state.events.off(event, listener);
    }
}

/// `sogni.chat.completions`.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct ChatCompletions {
    state: Rc<ChatState>,
}

#[wasm_bindgen]
impl ChatCompletions {
    /// Sends a chat completion over the socket (`llmJobRequest`). With `stream: true` it
    /// resolves with a `ChatStream` as soon as the request is sent; otherwise with the
    /// `ChatCompletionResult`. `autoExecuteTools: true` runs Sogni tool calls through
    /// `projects.create` and feeds the results back (non-streaming). Media images in
    /// `image_url` parts may be `Blob`/`File`/bytes. `signal` aborts the wait.
    ///
    /// (Typed in the `.d.ts` by overloads: `stream: true` gives `Promise<ChatStream>`.)
    #[wasm_bindgen(skip_typescript)]
    pub fn create(&self, params: JsValue) -> Promise {
        let state = self.state.clone();
        promise(state.create_completion(params))
    }
}

/// `sogni.chat.hosted`.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct HostedChat {
    state: Rc<ChatState>,
}

#[wasm_bindgen]
impl HostedChat {
    /// `POST /v1/chat/completions`: the API runs eligible hosted tools server-side and
    /// answers with an OpenAI-shaped completion. Non-streaming only.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<HostedChatCompletionResult>")]
    pub fn create(&self, params: JsValue, signal: Option<AbortSignal>) -> Promise {
        let (state, signal) = (self.state.clone(), JsValue::from(signal));
        guard(&signal.clone(), "chat.hosted.create", async move {
            let prepared = JsFuture::from(chat_glue::prepare_chat_params(&params)).await?;
            let text = glue::get(&prepared, "json").as_string().unwrap_or_default();
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let remote = state.fetch_remote_images(&value).await?;
            let app_source = state.client.config.app_source.clone();
            let body = chat::hosted::hosted_completion_body(&value, app_source.as_deref(), &remote)
                .map_err(err)?;
            let out = state
                .rest_json(
                    "POST",
                    chat::hosted::HOSTED_COMPLETIONS_PATH,
                    Some(&body),
                    &[],
                    f64::from(chat::hosted::HOSTED_TIMEOUT_MS),
                    &signal,
                )
                .await
                .map_err(RestFailure::hosted)?;
            Ok(js(&out))
        })
    }

    /// `POST /v1/creative-agent/tools/execute`: runs one hosted tool server-side.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(
        js_name = executeTool,
        unchecked_return_type = "Promise<HostedToolExecutionResult>"
    )]
    pub fn execute_tool(&self, params: JsValue, signal: Option<AbortSignal>) -> Promise {
        let (state, signal) = (self.state.clone(), JsValue::from(signal));
        guard(&signal.clone(), "chat.hosted.executeTool", async move {
            let value = glue::value_of(&params);
            let app_source = state.client.config.app_source.clone();
            let body =
                chat::hosted::hosted_tool_body(&value, app_source.as_deref()).map_err(err)?;
            let out = state
                .rest_json(
                    "POST",
                    chat::hosted::HOSTED_TOOL_EXECUTE_PATH,
                    Some(&body),
                    &[],
                    f64::from(chat::hosted::HOSTED_TIMEOUT_MS),
                    &signal,
                )
                .await
                .map_err(RestFailure::hosted)?;
            Ok(js(&out))
        })
    }
}

/// `sogni.chat.runs`.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct ChatRuns {
    state: Rc<ChatState>,
}

/// Runs' errors: a recognised chat-job body is a `ChatJobError`, else an `ApiError` with
/// the server's message and `status`.
fn run_failure(f: RestFailure) -> JsValue {
    f.hosted()
}

fn run_of(body: &Value) -> JsValue {
    js(body.pointer("/data/run").unwrap_or(&Value::Null))
}

#[wasm_bindgen]
impl ChatRuns {
    /// `POST /v1/chat/runs`: submits a durable run; resolves with the persisted record.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<ChatRunRecord>")]
    pub fn create(&self, params: JsValue, signal: Option<AbortSignal>) -> Promise {
        let (state, signal) = (self.state.clone(), JsValue::from(signal));
        guard(&signal.clone(), "chat.runs.create", async move {
            let value = glue::value_of(&params);
            let app_source = state.client.config.app_source.clone();
            let body = chat::runs::chat_run_body(&value, app_source.as_deref()).map_err(err)?;
            let mut headers = Vec::new();
            if let Some(key) = chat::runs::idempotency_key(&value) {
                headers.push(("Idempotency-Key", key));
            }
            let out = state
                .rest_json(
                    "POST",
                    chat::runs::CHAT_RUNS_PATH,
                    Some(&body),
                    &headers,
                    30_000.0,
                    &signal,
                )
                .await
                .map_err(run_failure)?;
            Ok(run_of(&out))
        })
    }

    /// `GET /v1/chat/runs/{id}`.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<ChatRunRecord>")]
    pub fn get(&self, run_id: String, signal: Option<AbortSignal>) -> Promise {
        let (state, signal) = (self.state.clone(), JsValue::from(signal));
        guard(&signal.clone(), "chat.runs.get", async move {
            let path = chat::runs::chat_run_path(&run_id);
            let out = state
                .rest_json("GET", &path, None, &[], 30_000.0, &signal)
                .await
                .map_err(run_failure)?;
            Ok(run_of(&out))
        })
    }

    /// `POST /v1/chat/runs/{id}/cancel`.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<ChatRunRecord>")]
    pub fn cancel(
        &self,
        run_id: String,
        reason: Option<String>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let (state, signal) = (self.state.clone(), JsValue::from(signal));
        guard(&signal.clone(), "chat.runs.cancel", async move {
            let path = chat::runs::chat_run_cancel_path(&run_id);
            let body = chat::runs::chat_run_cancel_body(reason.as_deref());
            let out = state
                .rest_json("POST", &path, Some(&body), &[], 30_000.0, &signal)
                .await
                .map_err(run_failure)?;
            Ok(run_of(&out))
        })
    }

    /// `POST /v1/chat/runs/{id}/confirm-cost`: the user's decision on a paused run.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = confirmCost, unchecked_return_type = "Promise<ChatRunRecord>")]
    pub fn confirm_cost(
        &self,
        run_id: String,
        params: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let (state, signal) = (self.state.clone(), JsValue::from(signal));
        guard(&signal.clone(), "chat.runs.confirmCost", async move {
            let value = glue::value_of(&params);
            let path = chat::runs::chat_run_confirm_cost_path(&run_id);
            let body = chat::runs::confirm_cost_body(&value);
            let mut headers = Vec::new();
            if let Some(key) = chat::runs::idempotency_key(&value) {
                headers.push(("Idempotency-Key", key));
            }
            let out = state
                .rest_json("POST", &path, Some(&body), &headers, 30_000.0, &signal)
                .await
                .map_err(run_failure)?;
            Ok(run_of(&out))
        })
    }

    /// `GET /v1/chat/runs/{id}/events/stream` (SSE): an async iterator of `ChatRunEvent`s.
    /// `options.lastEventId` replays from that event; `options.signal` stops it.
    #[wasm_bindgen(js_name = streamEvents, unchecked_return_type = "ChatRunEventStream")]
    pub fn stream_events(&self, run_id: String, options: JsValue) -> JsValue {
        let last = glue::get(&options, "lastEventId").as_f64();
        let signal = glue::get(&options, "signal");
        make_async_iterable(&JsValue::from(ChatRunEventStream {
            inner: Rc::new(RunEvents {
                state: self.state.clone(),
                run_id,
                last_event_id: last,
                signal,
                reader: RefCell::new(None),
                parser: RefCell::new(chat::run_events::ChatRunEventReader::new()),
                queue: RefCell::new(VecDeque::new()),
                finished: Cell::new(false),
            }),
        }))
    }
}

/// What an aborted `chat.runs.streamEvents` names.
const RUN_STREAM: &str = "chat.runs.streamEvents";

#[derive(Debug)]
struct RunEvents {
    state: Rc<ChatState>,
    run_id: String,
    last_event_id: Option<f64>,
    signal: JsValue,
    reader: RefCell<Option<JsValue>>,
    parser: RefCell<chat::run_events::ChatRunEventReader>,
    queue: RefCell<VecDeque<Value>>,
    finished: Cell<bool>,
}

impl RunEvents {
    async fn open(&self) -> Result<(), JsValue> {
        let mut headers = vec![("Accept", "text/event-stream".to_string())];
        if let Some(h) = chat::run_events::last_event_id_header(self.last_event_id) {
            headers.push(("Last-Event-ID", h));
        }
        self.state.client.refresh_token().await.map_err(err)?;
        let url = format!(
            "{}{}",
            self.state.client.rest.api,
            chat::runs::chat_run_events_path(&self.run_id)
        );
        let signal = (!self.signal.is_undefined()).then_some(&self.signal);
        let res = self
            .state
            .client
            .rest
            .fetch_raw("GET", &url, None, true, &headers, 0.0, signal)
            .await
            .map_err(err)?;
        let reader = chat_glue::body_reader(&res);
        if !(200..300).contains(&res.status()) || reader.is_null() {
            return Err(err(Error::Api {
                status: res.status(),
                error_code: i64::from(res.status()),
                message: format!("Chat run event stream failed with status {}", res.status()),
                retry_after: None,
                details: None,
            }));
        }
        *self.reader.borrow_mut() = Some(reader);
        Ok(())
    }

    /// Stops reading and releases the response.
    fn close(&self) {
        self.finished.set(true);
        self.queue.borrow_mut().clear();
        if let Some(reader) = self.reader.borrow_mut().take() {
            chat_glue::cancel_reader(&reader);
        }
    }

    async fn next(self: Rc<Self>) -> Result<JsValue, JsValue> {
        loop {
            if let Some(event) = self.queue.borrow_mut().pop_front() {
                return Ok(iter_result(&js(&event), false));
            }
            if self.finished.get() {
                return Ok(iter_result(&JsValue::UNDEFINED, true));
            }
            if self.reader.borrow().is_none() {
                self.open().await?;
            }
            let reader = self.reader.borrow().clone().unwrap_or(JsValue::NULL);
            let read = super::abort::race(chat_glue::read_chunk(&reader), &self.signal, RUN_STREAM);
            let chunk = JsFuture::from(read).await.inspect_err(|_| self.close())?;
            let events = if chunk.is_null() {
                self.finished.set(true);
                self.parser.borrow_mut().finish()
            } else {
                let bytes = js_sys::Uint8Array::new(&chunk).to_vec();
                self.parser.borrow_mut().feed(&bytes)
            };
            self.queue.borrow_mut().extend(events);
        }
    }
}

/// The async iterator `chat.runs.streamEvents()` returns.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct ChatRunEventStream {
    inner: Rc<RunEvents>,
}

#[wasm_bindgen]
impl ChatRunEventStream {
    /// The async iterator's `next()`: `{value: ChatRunEvent, done}`. Once the `signal` of
    /// `streamEvents` aborts, it rejects with an `AbortError` and the response is released.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<ChatRunEvent>>")]
    pub fn next(&self) -> Promise {
        if super::abort::is_aborted(&self.inner.signal) {
            self.inner.close();
        }
        guard(&self.inner.signal, RUN_STREAM, self.inner.clone().next())
    }

    /// Stops reading and closes the connection (what `break` does through `return()`).
    #[wasm_bindgen(js_name = closeIterator)]
    pub fn close_iterator(&self) {
        self.inner.close();
    }
}

/// `sogni.chat.tools` (the official `ChatToolsApi`).
#[wasm_bindgen(js_name = ChatToolsApi)]
#[derive(Debug, Clone)]
pub struct ChatTools {
    state: Rc<ChatState>,
}

#[wasm_bindgen(js_class = ChatToolsApi)]
impl ChatTools {
    /// Executes one Sogni tool call through `projects.create` and resolves with a
    /// `ToolExecutionResult` (`success: false` with `error` when it failed). `options.signal`
    /// aborts it.
    #[wasm_bindgen(unchecked_return_type = "Promise<ToolExecutionResult>")]
    pub fn execute(
        &self,
        #[wasm_bindgen(js_name = toolCall, unchecked_param_type = "ToolCall")] tool_call: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ToolExecutionOptions")] options: JsValue,
    ) -> Promise {
        let state = self.state.clone();
        guard(
            &glue::get(&options, "signal"),
            "chat.tools.execute",
            async move {
                let call = glue::value_of(&tool_call);
                let progress = glue::get(&options, "onProgress");
                let signal = glue::get(&options, "signal");
                let opts = glue::value_of(&options);
                let result = state.execute_tool(&call, &opts, &progress, &signal).await?;
                Ok(js(&result))
            },
        )
    }

    /// Executes every tool call in order: Sogni tools through `projects.create`, others
    /// through `options.onToolCall(toolCall)` (its string is the result's `content`).
    /// `options.signal` aborts it.
    #[wasm_bindgen(
        js_name = executeAll,
        unchecked_return_type = "Promise<ToolExecutionResult[]>"
    )]
    pub fn execute_all(
        &self,
        #[wasm_bindgen(js_name = toolCalls, unchecked_param_type = "ToolCall[]")]
        tool_calls: JsValue,
        #[wasm_bindgen(
            unchecked_optional_param_type = "ToolExecutionOptions & { onToolCall?: (toolCall: ToolCall) => Promise<string> | string; onToolProgress?: (toolCall: ToolCall, progress: ToolExecutionProgress) => void }"
        )]
        options: JsValue,
    ) -> Promise {
        let state = self.state.clone();
        guard(
            &glue::get(&options, "signal"),
            "chat.tools.executeAll",
            async move {
                let calls = glue::value_of(&tool_calls);
                let calls = calls.as_array().cloned().unwrap_or_default();
                let handlers = ToolHandlers {
                    on_tool_call: glue::get(&options, "onToolCall"),
                    on_tool_progress: glue::get(&options, "onToolProgress"),
                };
                let signal = glue::get(&options, "signal");
                let opts = glue::value_of(&options);
                let results = state.execute_all(&calls, &opts, &handlers, &signal).await?;
                Ok(js(&results))
            },
        )
    }
}

/// `isSogniToolCall(toolCall)`: is this a call of one of Sogni's hosted creative tools?
#[wasm_bindgen(js_name = isSogniToolCall)]
pub fn is_sogni_tool_call(tool_call: JsValue) -> bool {
    chat::tools::is_sogni_tool_call(&glue::value_of(&tool_call))
}

/// `parseToolCallArguments(toolCall)`: the call's JSON arguments as an object (`{}` when
/// they do not parse).
#[wasm_bindgen(js_name = parseToolCallArguments)]
pub fn parse_tool_call_arguments(tool_call: JsValue) -> JsValue {
    js(&chat::tools::parse_tool_call_arguments(&glue::value_of(
        &tool_call,
    )))
}
