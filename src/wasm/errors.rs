//! Turning the core [`Error`] into the package's JS error classes.

use super::glue::{make_error, set};
use crate::Error;
use js_sys::Object;
use wasm_bindgen::JsValue;

/// Converts a core error into a JS `Error` subclass with `code`, `retryable`, `retryAfter`.
pub(crate) fn to_js(error: &Error) -> JsValue {
    let fields = Object::new();
    let code = error.code();
    let code_value = match error {
        // Numeric codes stay numbers, as in the official ErrorData / ApiError payload.
        Error::Job { code, .. } => JsValue::from_f64(*code as f64),
        Error::Closed { code, .. } => JsValue::from_f64(f64::from(*code)),
        _ => JsValue::from_str(&code),
    };
    set(&fields, "code", &code_value);
    set(&fields, "retryable", &JsValue::from_bool(error.retryable()));
    if let Some(after) = error.retry_after() {
        set(&fields, "retryAfter", &JsValue::from_f64(after));
    }
    let kind = match error {
        Error::InvalidInput { .. } => "invalid",
        Error::Api {
            status,
            error_code,
            details,
            ..
        } => {
            set(&fields, "status", &JsValue::from_f64(f64::from(*status)));
            set(&fields, "errorCode", &JsValue::from_f64(*error_code as f64));
            if let Some(d) = details {
                let js = super::projects::js(d);
                set(&fields, "details", &js);
            }
            "api"
        }
        Error::Job { original_code, .. } => {
            if let Some(o) = original_code {
                set(&fields, "originalCode", &JsValue::from_str(o));
            }
            "job"
        }
        Error::Transport { .. } | Error::Closed { .. } | Error::Protocol { .. } => "transport",
        Error::Timeout { .. } => "timeout",
        Error::Aborted { .. } => "aborted",
    };
    make_error(kind, &error.to_string(), &fields)
}

/// A JS exception (e.g. a TypeError from `fetch`) as a core transport error.
pub(crate) fn from_js(value: &JsValue) -> Error {
    let message = js_sys::Reflect::get(value, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown JavaScript error".into());
    Error::Transport { message }
}
