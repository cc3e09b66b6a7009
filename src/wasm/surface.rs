//! Running the REST surface's calls (`crate::surface`): credentials, the fetch, `401`
//! handling, and the answer turned into JS values (dates revived).

use super::client::Inner;
use super::errors::to_js;
use super::glue::{self, Response};
use crate::surface::{self, Context, HttpAnswer, HttpCall};
use crate::Error;
use js_sys::Promise;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/js/surface.js")]
extern "C" {
    #[wasm_bindgen(js_name = argsJson)]
    fn args_json(args: &JsValue) -> String;
    #[wasm_bindgen(js_name = reviveDates)]
    fn revive_dates(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = digestFile)]
    pub(crate) fn digest_file(file: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = fileName)]
    pub(crate) fn file_name(file: &JsValue) -> String;
    #[wasm_bindgen(js_name = putUpload)]
    pub(crate) fn put_upload(url: &str, headers: &JsValue, file: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = retryAfterSeconds)]
    fn retry_after_seconds(header: Option<String>) -> Option<f64>;
}

/// How long a `RestClient`-style call may take (the official 30 s).
const REST_TIMEOUT_MS: f64 = 30_000.0;

/// The surface state of one client: the LoRA catalog cache and the reusable-upload
/// bookkeeping.
#[derive(Debug)]
pub(crate) struct SurfaceState {
    pub(crate) client: Rc<Inner>,
    /// `availableLoras` answers by `modelId` (`""` for all), with their expiry.
    pub(crate) lora_cache: RefCell<Vec<(String, f64, Value)>>,
    /// Until when automatic saved uploads are off (a full library).
    pub(crate) assets_blocked_until: RefCell<f64>,
    /// The cached `/v1/assets/capabilities` answer and its expiry.
    pub(crate) assets_enabled: RefCell<Option<(f64, bool)>>,
}

/// The LoRA catalog lives 5 minutes, as officially.
pub(crate) const LORA_CACHE_MS: f64 = 5.0 * 60.0 * 1000.0;

impl SurfaceState {
    pub(crate) fn new(client: Rc<Inner>) -> Rc<Self> {
        Rc::new(Self {
            client,
            lora_cache: RefCell::new(Vec::new()),
            assets_blocked_until: RefCell::new(0.0),
            assets_enabled: RefCell::new(None),
        })
    }

    fn context(&self) -> Context {
        Context {
            app_source: self.client.config.app_source.clone(),
        }
    }

    /// Sends `call` with the client's credentials and reads the answer. `signal` (an
    /// `AbortSignal`) replaces the timeout; workflow, template and replay calls have none,
    /// as officially.
    pub(crate) async fn exec(
        &self,
        call: &HttpCall,
        signal: &JsValue,
    ) -> Result<HttpAnswer, Error> {
        if self.client.is_disposed() {
            return Err(Inner::disposed_error());
        }
        let client = &self.client;
        client.refresh_token().await?;
        let url = format!("{}{}", client.rest.api, call.path);
        let headers: Vec<(&str, String)> =
            call.headers.iter().map(|(k, v)| (*k, v.clone())).collect();
        let timeout = match call.style {
            surface::ErrorStyle::Rest => REST_TIMEOUT_MS,
            _ => 0.0,
        };
        let signal = (!signal.is_undefined() && !signal.is_null()).then_some(signal);
        let res: Response = client
            .rest
            .fetch_raw(
                call.method,
                &url,
                call.body.as_ref(),
                true,
                &headers,
                timeout,
                signal,
            )
            .await?;
        let body = JsFuture::from(res.text())
            .await
            .map_err(|e| super::errors::from_js(&e))?
            .as_string()
            .unwrap_or_default();
        let answer = HttpAnswer {
            status: res.status(),
            status_text: res.status_text(),
            body,
            retry_after: retry_after_seconds(res.headers().get("retry-after")),
        };
        if answer.status == 401 && client.is_authenticated() {
            client.auth_lost();
        }
        Ok(answer)
    }

    /// Plans, sends and reads `method(args)`; resolves with the JS value.
    pub(crate) async fn run_json(
        &self,
        method: &str,
        args: &[Value],
        signal: &JsValue,
    ) -> Result<Value, Error> {
        let call = surface::plan(method, args, &self.context())?;
        let answer = self.exec(&call, signal).await?;
        surface::read(method, args, &answer)
    }

    /// [`Self::run_json`] as a JS value.
    pub(crate) async fn run(
        &self,
        method: &str,
        args: &[Value],
        signal: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let v = self
            .run_json(method, args, signal)
            .await
            .map_err(|e| to_js(&e))?;
        Ok(to_value(&v))
    }
}

/// A JSON answer as a plain JS value with `{"$date": ms}` markers as `Date`s.
pub(crate) fn to_value(v: &Value) -> JsValue {
    revive_dates(&super::projects::js(v))
}

/// JS call arguments as JSON values.
pub(crate) fn json_args(args: &[&JsValue]) -> Vec<Value> {
    args.iter()
        .map(|a| {
            if a.is_undefined() {
                return Value::Null;
            }
            let arr = js_sys::Array::of1(a);
            serde_json::from_str::<Vec<Value>>(&args_json(&arr))
                .ok()
                .and_then(|mut v| v.pop())
                .unwrap_or(Value::Null)
        })
        .collect()
}

/// `options.signal`, if any.
pub(crate) fn signal_of(options: &JsValue) -> JsValue {
    if options.is_object() {
        glue::get(options, "signal")
    } else {
        JsValue::UNDEFINED
    }
}

/// A promise for `run(method, args)`. `signal` (an `AbortSignal`, or undefined) goes to the
/// fetch and is raced with the promise, so an abort rejects with an `AbortError` at once,
/// even while a token refresh is under way; an already-aborted one sends nothing.
pub(crate) fn call(
    state: &Rc<SurfaceState>,
    method: &'static str,
    args: &[&JsValue],
    signal: JsValue,
) -> Promise {
    let state = state.clone();
    let values = json_args(args);
    super::abort::guard(&signal.clone(), method, async move {
        state.run(method, &values, &signal).await
    })
}
