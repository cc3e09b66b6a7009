//! One REST call of the surface: what to send ([`HttpCall`]), what came back
//! ([`HttpAnswer`]), and the four ways the official SDK turns a failed answer into an
//! error ([`ErrorStyle`]).

use serde_json::{Map, Value};

use crate::projects::js::{form_urlencode, number_to_string};
use crate::Error;

/// How a non-2xx answer becomes an error: the official SDK has four readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStyle {
    /// `RestClient` (account, stats, announcements, projects, LoRAs, assets): a JSON object
    /// body is the payload as it is; otherwise a message made from the text
    /// (`errorCode` = the HTTP status).
    Rest,
    /// Workflows: `body.status === 'error' ? body : body.data ?? body`; a non-JSON body is
    /// the message; `errorCode` only when it is a number, else 0.
    Workflow,
    /// Workflow templates: a JSON object body, `{message: text}` for text.
    Template,
    /// Replay records: a JSON body, `{message: text}` for text.
    Replay,
}

/// A request to the API host.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCall {
    /// `GET`, `POST`, `PATCH` or `DELETE`.
    pub method: &'static str,
    /// Root-absolute path with its query string.
    pub path: String,
    /// JSON body (sent with `Content-Type: application/json`).
    pub body: Option<Value>,
    /// Extra headers (`Idempotency-Key`, `X-App-Source`, `Accept`, `Last-Event-ID`).
    pub headers: Vec<(&'static str, String)>,
    /// How a failure reads.
    pub style: ErrorStyle,
}

impl HttpCall {
    /// A call without body or extra headers.
    pub fn new(method: &'static str, path: impl Into<String>, style: ErrorStyle) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            headers: Vec::new(),
            style,
        }
    }

    /// With a JSON body.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// With a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpAnswer {
    /// HTTP status.
    pub status: u16,
    /// The reason phrase (`response.statusText`).
    pub status_text: String,
    /// The body as text.
    pub body: String,
    /// The `Retry-After` header already read as seconds (delta-seconds, or an HTTP date
    /// relative to now), when present and usable.
    pub retry_after: Option<f64>,
}

impl HttpAnswer {
    /// A 2xx status?
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn json(&self) -> Option<Value> {
        if self.body.is_empty() {
            return None;
        }
        serde_json::from_str(&self.body).ok()
    }
}

/// `encodeURIComponent(s)`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `String(value)` of a query value (numbers as JS prints them).
pub fn js_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => number_to_string(n.as_f64().unwrap_or(f64::NAN)),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                if v.is_null() {
                    String::new()
                } else {
                    js_string(v)
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// `path?query` with `pairs` form-encoded as `URLSearchParams` does; no `?` when empty.
pub fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", form_urlencode(pairs))
    }
}

/// The `RestClient.get(path, query)` query: every key of `query` in order, `null` and
/// absent values left out.
pub fn rest_query(query: Option<&Value>) -> Vec<(String, String)> {
    query
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), js_string(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// [`with_query`] for owned pairs.
pub fn with_query_owned(path: &str, pairs: &[(String, String)]) -> String {
    let borrowed: Vec<(&str, String)> =
        pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    with_query(path, &borrowed)
}

/// A JS `Error` the SDK throws itself (not an `ApiError`).
pub fn plain_error(message: impl Into<String>) -> Error {
    Error::Protocol {
        message: message.into(),
    }
}

/// The message of a [`plain_error`] (without the `protocol error:` prefix).
pub fn plain_message(e: &Error) -> Option<&str> {
    match e {
        Error::Protocol { message } => Some(message),
        _ => None,
    }
}

/// An `ApiError` the SDK makes itself (`errorCode` 0).
pub fn local_api_error(status: u16, message: impl Into<String>) -> Error {
    Error::Api {
        status,
        error_code: 0,
        message: message.into(),
        retry_after: None,
        details: None,
    }
}

fn retry_after_of(payload: &Map<String, Value>, header: Option<f64>) -> Option<f64> {
    payload
        .get("retryAfter")
        .and_then(Value::as_f64)
        .filter(|n| n.is_finite() && *n >= 0.0)
        .or(header)
}

fn details_of(payload: &Map<String, Value>) -> Option<Value> {
    payload.get("details").filter(|d| d.is_object()).cloned()
}

/// `RestClient`'s message for a body that is not a JSON object.
fn non_json_message(answer: &HttpAnswer) -> String {
    let body = answer.body.split_whitespace().collect::<Vec<_>>().join(" ");
    let status = if answer.status_text.is_empty() {
        format!("HTTP {}", answer.status)
    } else {
        answer.status_text.clone()
    };
    if body.is_empty() {
        return status;
    }
    if !body.starts_with('<') {
        let chars: Vec<char> = body.chars().collect();
        return if chars.len() > 500 {
            format!("{}…", chars[..500].iter().collect::<String>())
        } else {
            body
        };
    }
    format!("{status}: {}", body.chars().take(200).collect::<String>())
}

/// The error a failed answer is, read the way `style` reads it.
pub fn error_for(style: ErrorStyle, answer: &HttpAnswer) -> Error {
    let parsed = answer.json();
    let status_text = answer.status_text.clone();
    let api = |message: String, code: Option<i64>, payload: Option<&Map<String, Value>>| {
        let empty = Map::new();
        let p = payload.unwrap_or(&empty);
        Error::Api {
            status: answer.status,
            error_code: code.unwrap_or(0),
            message,
            retry_after: retry_after_of(p, answer.retry_after),
            details: details_of(p),
        }
    };
    match style {
        ErrorStyle::Rest => match parsed.as_ref().and_then(Value::as_object) {
            Some(payload) => api(
                payload
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                Some(
                    payload
                        .get("errorCode")
                        .and_then(Value::as_i64)
                        .unwrap_or(i64::from(answer.status)),
                ),
                Some(payload),
            ),
            None => Error::Api {
                status: answer.status,
                error_code: i64::from(answer.status),
                message: non_json_message(answer),
                retry_after: answer.retry_after,
                details: None,
            },
        },
        ErrorStyle::Workflow | ErrorStyle::Template | ErrorStyle::Replay => {
            // Workflows and replay read a text body as `{message: text}`; templates too.
            let body = match (&parsed, answer.body.is_empty()) {
                (_, true) => Value::Object(Map::new()),
                (Some(v), _) => v.clone(),
                (None, false) => serde_json::json!({"message": answer.body}),
            };
            let payload = match style {
                ErrorStyle::Workflow
                    if body.get("status").and_then(Value::as_str) != Some("error") =>
                {
                    match body.get("data") {
                        Some(d) if !d.is_null() => d.clone(),
                        _ => body.clone(),
                    }
                }
                ErrorStyle::Template if !body.is_object() => Value::Object(Map::new()),
                _ => body.clone(),
            };
            let obj = payload.as_object();
            let message = obj
                .and_then(|p| p.get("message"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or(status_text);
            let code = obj
                .and_then(|p| p.get("errorCode"))
                .and_then(Value::as_f64)
                .map(|f| f as i64);
            api(message, code, obj)
        }
    }
}

/// `res.data` of a `RestClient` answer (`{status:'success', data}`); the parse failure of a
/// 2xx non-JSON body is the official `Failed to parse response body` error.
pub fn rest_data(answer: &HttpAnswer) -> Result<Value, Error> {
    if !answer.ok() {
        return Err(error_for(ErrorStyle::Rest, answer));
    }
    let body = rest_body(answer)?;
    Ok(body.get("data").cloned().unwrap_or(Value::Null))
}

/// The whole JSON body of a 2xx `RestClient` answer.
pub fn rest_body(answer: &HttpAnswer) -> Result<Value, Error> {
    if !answer.ok() {
        return Err(error_for(ErrorStyle::Rest, answer));
    }
    if answer.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&answer.body).map_err(|e| {
        plain_error(format!(
            "Failed to parse response body (HTTP {}): {e}",
            answer.status
        ))
    })
}

/// Removes `undefined`-like entries (absent keys) — a helper for building bodies.
pub fn put(body: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        body.insert(key.to_string(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, text: &str, body: &str) -> HttpAnswer {
        HttpAnswer {
            status,
            status_text: text.into(),
            body: body.into(),
            retry_after: None,
        }
    }

    #[test]
    fn rest_messages_for_text_bodies() {
        let e = error_for(
            ErrorStyle::Rest,
            &answer(503, "Unavailable", "<html>x</html>"),
        );
        assert_eq!(e.to_string(), "Unavailable: <html>x</html>");
        let e = error_for(ErrorStyle::Rest, &answer(503, "", ""));
        assert_eq!(e.to_string(), "HTTP 503");
        let long = "a".repeat(600);
        let e = error_for(ErrorStyle::Rest, &answer(400, "", &long));
        assert_eq!(e.to_string().chars().count(), 501);
    }

    #[test]
    fn workflow_errors_read_data() {
        let e = error_for(
            ErrorStyle::Workflow,
            &answer(
                409,
                "Conflict",
                r#"{"data":{"message":"busy","errorCode":7,"retryAfter":3}}"#,
            ),
        );
        assert_eq!(
            e,
            Error::Api {
                status: 409,
                error_code: 7,
                message: "busy".into(),
                retry_after: Some(3.0),
                details: None
            }
        );
        assert_eq!(js_string(&json!([1, null, "a"])), "1,,a");
        assert_eq!(with_query("/p", &[("a b", "c&d".into())]), "/p?a+b=c%26d");
    }
}
