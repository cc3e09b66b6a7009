//! Raw bindings to JS globals and to the package's `js/runtime.js` helpers.
//!
//! Only globals are bound (`fetch`, `setTimeout`, `crypto`), never `window`, so the same
//! module runs in browsers, Node ≥ 22 and Cloudflare Workers.

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/runtime.js")]
extern "C" {
    /// Builds one of the SDK's JS error classes.
    #[wasm_bindgen(js_name = makeError)]
    pub(crate) fn make_error(kind: &str, message: &str, fields: &JsValue) -> JsValue;

    /// Opens a WebSocket with auth headers where the runtime allows it.
    #[wasm_bindgen(js_name = openSocket, catch)]
    pub(crate) async fn open_socket(url: &str, headers: &JsValue) -> Result<JsValue, JsValue>;

    /// Reads a message's data as text.
    #[wasm_bindgen(js_name = messageText)]
    pub(crate) fn message_text(data: &JsValue) -> Promise;

    /// Races `promise` against a timer rejecting with `error` after `ms`.
    #[wasm_bindgen(js_name = withTimeout)]
    pub(crate) fn with_timeout(promise: &Promise, ms: f64, error: &JsValue) -> Promise;

    /// Rejects `promise` with `error` when `signal` (an AbortSignal or undefined) aborts.
    #[wasm_bindgen(js_name = withAbort)]
    pub(crate) fn with_abort(promise: &Promise, signal: &JsValue, error: &JsValue) -> Promise;

    /// An `AbortSignal` that aborts with `signal` or after `ms` (`AbortSignal.any`).
    #[wasm_bindgen(js_name = signalWithTimeout)]
    pub(crate) fn signal_with_timeout(signal: &JsValue, ms: f64) -> JsValue;

    /// `{json, media: [{key, index, value}], invalid}` of project params.
    #[wasm_bindgen(js_name = splitMedia)]
    pub(crate) fn split_media(params: &JsValue) -> JsValue;

    /// Resolves after `ms` milliseconds.
    pub(crate) fn sleep(ms: f64) -> Promise;

    /// `() => target.off(event, listener)`.
    pub(crate) fn unsubscriber(target: &JsValue, event: &str, listener: &Function) -> Function;

    /// Calls a listener, logging (not propagating) a throw.
    #[wasm_bindgen(js_name = callListener)]
    pub(crate) fn call_listener(listener: &Function, arg: &JsValue);

    /// `{promise, resolve, reject}`; the promise never causes an unhandled rejection.
    pub(crate) fn deferred() -> Object;

    /// Is the value a `Blob`/`File`?
    #[wasm_bindgen(js_name = isBlob)]
    pub(crate) fn is_blob(v: &JsValue) -> bool;

    /// Wraps bytes in a `Blob` (no copy into wasm memory).
    #[wasm_bindgen(js_name = toBlob)]
    pub(crate) fn to_blob(v: &JsValue, content_type: Option<String>) -> JsValue;

    /// The byte length of a blob or byte source.
    #[wasm_bindgen(js_name = byteSize)]
    pub(crate) fn byte_size(v: &JsValue) -> f64;

    /// The first `n` bytes of a blob or byte source.
    #[wasm_bindgen(js_name = headBytes)]
    pub(crate) fn head_bytes(v: &JsValue, n: u32) -> Promise;
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`.
    #[wasm_bindgen(js_name = fetch)]
    pub(crate) fn fetch_with_init(input: &str, init: &Object) -> Promise;

    /// A WebSocket (browser, undici or workerd flavour).
    #[derive(Debug, Clone)]
    pub(crate) type Socket;
    #[wasm_bindgen(method, catch)]
    pub(crate) fn send(this: &Socket, data: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    pub(crate) fn close(this: &Socket, code: u16, reason: &str) -> Result<(), JsValue>;
    // `catch`: workerd throws when a socket is touched from another request's context.
    #[wasm_bindgen(method, getter, catch, js_name = readyState)]
    pub(crate) fn ready_state(this: &Socket) -> Result<u16, JsValue>;
    #[wasm_bindgen(method, js_name = addEventListener)]
    pub(crate) fn add_event_listener(this: &Socket, kind: &str, listener: &Function);
    #[wasm_bindgen(method, js_name = removeEventListener)]
    pub(crate) fn remove_event_listener(this: &Socket, kind: &str, listener: &Function);

    /// A fetch `Response`.
    #[derive(Debug, Clone)]
    pub(crate) type Response;
    #[wasm_bindgen(method, getter)]
    pub(crate) fn status(this: &Response) -> u16;
    #[wasm_bindgen(method, getter, js_name = statusText)]
    pub(crate) fn status_text(this: &Response) -> String;
    #[wasm_bindgen(method, getter)]
    pub(crate) fn headers(this: &Response) -> Headers;
    #[wasm_bindgen(method)]
    pub(crate) fn text(this: &Response) -> Promise;
    #[wasm_bindgen(method, js_name = arrayBuffer)]
    pub(crate) fn array_buffer(this: &Response) -> Promise;

    /// Response headers.
    #[derive(Debug, Clone)]
    pub(crate) type Headers;
    #[wasm_bindgen(method)]
    pub(crate) fn get(this: &Headers, name: &str) -> Option<String>;

    /// `AbortSignal.timeout(ms)`.
    #[wasm_bindgen(js_namespace = AbortSignal, js_name = timeout)]
    pub(crate) fn abort_after(ms: f64) -> JsValue;

    /// `Date.now()`.
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    pub(crate) fn now_ms() -> f64;

    /// `crypto.randomUUID()` (browsers, Node ≥ 19, workerd).
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID)]
    pub(crate) fn random_uuid() -> String;
}

/// A fresh upper-case UUID, as the official SDK makes project and upload ids.
pub(crate) fn uuid_upper() -> String {
    random_uuid().to_ascii_uppercase()
}

/// Settles a `deferred()`: calls its `resolve` (`ok`) or `reject` with `value`.
pub(crate) fn settle(d: &Object, ok: bool, value: &JsValue) {
    let key = if ok { "resolve" } else { "reject" };
    if let Ok(f) = js_sys::Reflect::get(d, &key.into()) {
        let _ = Function::from(f).call1(&JsValue::NULL, value);
    }
}

/// Sets `obj[key] = value` (ignoring the impossible failure on a plain object).
pub(crate) fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
}

/// A JS value as JSON (`serde_wasm_bindgen`); `null` when it cannot be read as JSON.
pub(crate) fn value_of(v: &JsValue) -> serde_json::Value {
    serde_wasm_bindgen::from_value(v.clone()).unwrap_or(serde_json::Value::Null)
}

/// Reads `obj[key]`.
pub(crate) fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}
