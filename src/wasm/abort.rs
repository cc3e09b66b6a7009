//! `AbortSignal` support for every async call: the returned promise rejects with an
//! `AbortError` as soon as the caller's signal aborts (work that cannot be taken back, such
//! as a `jobRequest`, checks the signal before it is sent).

use super::errors::to_js;
use super::glue;
use super::project::AbortSignal;
use crate::Error;
use js_sys::Promise;
use wasm_bindgen::JsValue;

/// `promise`, rejected with an `AbortError` naming `what` when `signal` aborts.
pub(crate) fn abortable(promise: Promise, signal: Option<AbortSignal>, what: &str) -> Promise {
    match signal {
        None => promise,
        Some(s) => glue::with_abort(&promise, &JsValue::from(s), &aborted(what)),
    }
}

/// The `AbortError` of an aborted `what`.
pub(crate) fn aborted(what: &str) -> JsValue {
    to_js(&aborted_error(what))
}

/// The core error of an aborted `what`.
pub(crate) fn aborted_error(what: &str) -> Error {
    Error::Aborted {
        message: format!("{what} aborted"),
    }
}

/// Is `signal` (an `AbortSignal`, or undefined) aborted?
pub(crate) fn is_aborted(signal: &JsValue) -> bool {
    !signal.is_undefined()
        && !signal.is_null()
        && glue::get(signal, "aborted").as_bool() == Some(true)
}

/// The `signal` of an options or params object, when it is one.
pub(crate) fn signal_of(obj: &JsValue) -> Option<JsValue> {
    let s = glue::get(obj, "signal");
    (s.is_object()).then_some(s)
}
