//! `AbortSignal` support for every async call: the returned promise rejects with an
//! `AbortError` as soon as the caller's signal aborts (work that cannot be taken back, such
//! as a `jobRequest`, checks the signal before it is sent). [`guard`] is the one-line form:
//! an already-aborted signal rejects before the work starts, so nothing goes on the wire.

use super::errors::to_js;
use super::glue;
use super::project::AbortSignal;
use crate::Error;
use js_sys::Promise;
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::future_to_promise;

/// `work` as a promise raced with `signal` (an `AbortSignal`; undefined or null for none):
/// rejected with an `AbortError` naming `what` as soon as it aborts. An already-aborted
/// signal (or anything else that is not an `AbortSignal`) rejects at once and `work`, lazy
/// as every future, is dropped unpolled: nothing is sent.
pub(crate) fn guard<F>(signal: &JsValue, what: &str, work: F) -> Promise
where
    F: Future<Output = Result<JsValue, JsValue>> + 'static,
{
    guard_boxed(signal, what, Box::pin(work))
}

/// [`guard`]'s one instance (a boxed future, so the call sites share the spawning code).
fn guard_boxed(signal: &JsValue, what: &str, work: Pin<Box<dyn Future<Output = Work>>>) -> Promise {
    refuse(signal, what).unwrap_or_else(|| race(promise_boxed(work), signal, what))
}

/// `future_to_promise` through one instance: every call site's future is boxed, so the
/// promise glue (a state machine around the future) is not copied per future type.
pub(crate) fn promise<F>(work: F) -> Promise
where
    F: Future<Output = Result<JsValue, JsValue>> + 'static,
{
    promise_boxed(Box::pin(work))
}

/// [`promise`]'s one instance.
fn promise_boxed(work: Pin<Box<dyn Future<Output = Work>>>) -> Promise {
    future_to_promise(work)
}

/// What a call's future settles with.
type Work = Result<JsValue, JsValue>;

/// The rejection of a call whose `signal` is already aborted (an `AbortError`) or is not
/// an `AbortSignal` (a `ValidationError`); `None` when it may go ahead.
pub(crate) fn refuse(signal: &JsValue, what: &str) -> Option<Promise> {
    if signal.is_undefined() || signal.is_null() {
        return None;
    }
    if !glue::get(signal, "addEventListener").is_function() {
        let e = Error::invalid(
            "INVALID_SIGNAL",
            format!("{what}: signal must be an AbortSignal"),
        );
        return Some(Promise::reject(&to_js(&e)));
    }
    is_aborted(signal).then(|| Promise::reject(&aborted(what)))
}

/// An optional `AbortSignal` parameter as the `JsValue` [`guard`] takes.
pub(crate) fn opt(signal: &Option<AbortSignal>) -> JsValue {
    signal
        .clone()
        .map(JsValue::from)
        .unwrap_or(JsValue::UNDEFINED)
}

/// `promise` raced with `signal` (an `AbortSignal`, or undefined or null).
pub(crate) fn race(promise: Promise, signal: &JsValue, what: &str) -> Promise {
    if signal.is_object() {
        glue::with_abort(&promise, signal, &aborted(what))
    } else {
        promise
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
