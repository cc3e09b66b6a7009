//! `ChatJobError`: a failed chat/LLM job, with the server's error contract preserved
//! (`code`, `errorType`, subscription-limit fields), as the official `ChatJobError.ts`
//! builds it from an `llmJobError` frame, a REST error body or a lost connection.
//!
//! It is its own type rather than a [`crate::Error`] variant so the wasm layer can give it
//! the official field set (`code` may be a string or, when the server sends one, a number).

use serde_json::{Map, Value};

use super::js;

/// Error types for a request interrupted by the connection rather than rejected; sending
/// it again is expected to work.
pub const RETRYABLE_CHAT_ERROR_TYPES: [&str; 2] = ["server_restarting", "transport_lost"];

/// The subscription denial codes (`SUBSCRIPTION_ERROR_CODES`): not entitled, queue cap,
/// billing-grace retry, feature requires upgrade.
pub const SUBSCRIPTION_ERROR_CODES: [u16; 4] = [4078, 4079, 4080, 4081];

/// The message of a request the connection dropped.
pub const TRANSPORT_LOST_MESSAGE: &str =
    "The connection to Sogni dropped and this request did not survive it. Send it again.";

/// A failed chat job. Optional fields are `None` where the official error has `undefined`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatJobError {
    /// Human-readable message.
    pub message: String,
    /// Server error code exactly as sent (`error_code`, normally a string like `"4080"`).
    pub code: Option<Value>,
    /// Server error type tag, e.g. `subscription_unavailable`, `transport_lost`.
    pub error_type: Option<String>,
    /// The chat job id, when known.
    pub job_id: Option<String>,
    /// HTTP status, when the failure came from a REST chat endpoint.
    pub status: Option<u16>,
    /// The raw error payload (socket frame or REST body).
    pub payload: Option<Value>,
    /// `subscriptionLimit` as sent (`true` for a 4081 feature-gate denial).
    pub subscription_limit: Option<Value>,
    /// `requiredPlans` as sent.
    pub required_plans: Option<Value>,
    /// `feature` as sent.
    pub feature: Option<Value>,
    /// `limitation` as sent.
    pub limitation: Option<Value>,
}

impl std::fmt::Display for ChatJobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ChatJobError {}

fn present(v: Option<&Value>) -> Option<Value> {
    v.cloned()
}

impl ChatJobError {
    /// The error a stream fails with on an `llmJobError` frame: the message is
    /// `error_message` (or `String(error)` when that is empty), and every structured field
    /// is copied from the frame, which is kept as `payload`.
    pub fn from_llm_job_error(data: &Value) -> Self {
        Self {
            message: llm_error_message(data),
            code: present(data.get("error_code")),
            error_type: data.get("error").map(js::to_string),
            job_id: data.get("jobID").map(js::to_string),
            status: None,
            payload: Some(data.clone()),
            subscription_limit: present(data.get("subscriptionLimit")),
            required_plans: present(data.get("requiredPlans")),
            feature: present(data.get("feature")),
            limitation: present(data.get("limitation")),
        }
    }

    /// The error a **non-streaming** call rejects with, built from the `error` event
    /// payload ([`super::stream::ChatStream::on_error`]): the message is
    /// `"<error>: <message>"`, and only `code`, `errorType` and `jobID` are set.
    pub fn for_non_streaming(event: &Value) -> Self {
        let error = event.get("error").map(js::to_string);
        let message = event.get("message").map(js::to_string).unwrap_or_default();
        Self {
            message: format!("{}: {message}", error.as_deref().unwrap_or("undefined")),
            code: present(event.get("errorCode")),
            error_type: error,
            job_id: event.get("jobID").map(js::to_string),
            ..Self::default()
        }
    }

    /// The error `create()` throws when the request could not be sent at all
    /// (`transport_lost`; nothing was charged).
    pub fn send_failed(job_id: &str, cause: &str) -> Self {
        Self {
            message: format!("{TRANSPORT_LOST_MESSAGE} ({cause})"),
            error_type: Some("transport_lost".into()),
            job_id: Some(job_id.into()),
            ..Self::default()
        }
    }

    /// A REST chat error (`chat.hosted.create`, `chat.runs.*`) as the official SDK raises
    /// it when the body is a recognised chat-job error; `None` otherwise (the caller keeps
    /// its plain API error). `message` is the message the official caller chose.
    pub fn from_rest(status: u16, message: &str, payload: &Value) -> Option<Self> {
        let fields = extract_chat_job_error_fields(payload)?;
        Some(Self {
            message: message.into(),
            code: fields.code.map(Value::String),
            error_type: fields.error_type,
            job_id: None,
            status: Some(status),
            payload: Some(payload.clone()),
            subscription_limit: fields.subscription_limit.then_some(Value::Bool(true)),
            required_plans: fields.required_plans,
            feature: fields.feature.map(Value::String),
            limitation: fields.limitation.map(Value::String),
        })
    }

    /// `retryable`: the error type is one of [`RETRYABLE_CHAT_ERROR_TYPES`].
    pub fn retryable(&self) -> bool {
        self.error_type
            .as_deref()
            .is_some_and(|t| RETRYABLE_CHAT_ERROR_TYPES.contains(&t))
    }

    /// `subscriptionErrorCode`: the numeric code when it is one of
    /// [`SUBSCRIPTION_ERROR_CODES`] (`Number(code)`, so `"4080"` and `4080` both count).
    pub fn subscription_error_code(&self) -> Option<u16> {
        let code = self.code.as_ref().filter(|c| js::truthy(c))?;
        let n = js::to_number(Some(code));
        SUBSCRIPTION_ERROR_CODES
            .into_iter()
            .find(|c| f64::from(*c) == n)
    }

    /// The fields the official error object carries, as JSON (absent ones left out;
    /// `errorCode` mirrors `code`). The wasm layer puts these on its JS error.
    pub fn fields(&self) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        put("code", self.code.clone());
        put("errorCode", self.code.clone());
        put("errorType", self.error_type.clone().map(Value::String));
        put("jobID", self.job_id.clone().map(Value::String));
        put("status", self.status.map(Value::from));
        put("payload", self.payload.clone());
        put("subscriptionLimit", self.subscription_limit.clone());
        put("requiredPlans", self.required_plans.clone());
        put("feature", self.feature.clone());
        put("limitation", self.limitation.clone());
        put("retryable", Some(Value::Bool(self.retryable())));
        put(
            "subscriptionErrorCode",
            self.subscription_error_code().map(Value::from),
        );
        Value::Object(m)
    }
}

/// `error_message || String(error)` of an `llmJobError` frame.
pub(crate) fn llm_error_message(data: &Value) -> String {
    match data.get("error_message").filter(|m| js::truthy(m)) {
        Some(m) => js::to_string(m),
        None => data
            .get("error")
            .map_or_else(|| "undefined".into(), js::to_string),
    }
}

/// Fields read from a recognised REST/socket chat error body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatJobErrorFields {
    /// String `code` / `error_code`.
    pub code: Option<String>,
    /// String `type` / `error`.
    pub error_type: Option<String>,
    /// String `message` / `error_message`.
    pub message: Option<String>,
    /// `subscriptionLimit === true`.
    pub subscription_limit: bool,
    /// The string entries of an array `requiredPlans`.
    pub required_plans: Option<Value>,
    /// String `feature`.
    pub feature: Option<String>,
    /// String `limitation`.
    pub limitation: Option<String>,
}

/// `extractChatJobErrorFields`: recognises the OpenAI envelope
/// `{error:{message,type,code,subscription?}}` and the flat socket shape
/// `{error, error_code, error_message, subscriptionLimit?, …}`; anything else is `None`.
pub fn extract_chat_job_error_fields(payload: &Value) -> Option<ChatJobErrorFields> {
    let record = payload.as_object()?;
    let string =
        |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(String::from);
    let structured = |m: &Map<String, Value>, f: &mut ChatJobErrorFields| {
        f.subscription_limit = m.get("subscriptionLimit") == Some(&Value::Bool(true));
        f.required_plans = m
            .get("requiredPlans")
            .and_then(Value::as_array)
            .map(|a| Value::Array(a.iter().filter(|p| p.is_string()).cloned().collect()));
        f.feature = string(m, "feature");
        f.limitation = string(m, "limitation");
    };
    if let Some(envelope) = record
        .get("error")
        .filter(|e| js::truthy(e) && e.is_object())
    {
        let err = envelope.as_object()?;
        let mut f = ChatJobErrorFields {
            code: string(err, "code"),
            error_type: string(err, "type"),
            message: string(err, "message"),
            ..ChatJobErrorFields::default()
        };
        if let Some(sub) = err.get("subscription").and_then(Value::as_object) {
            structured(sub, &mut f);
        }
        let known = f.code.is_some() || f.error_type.is_some() || f.subscription_limit;
        return known.then_some(f);
    }
    let mut f = ChatJobErrorFields {
        code: string(record, "error_code"),
        error_type: string(record, "error"),
        message: string(record, "error_message"),
        ..ChatJobErrorFields::default()
    };
    structured(record, &mut f);
    let known =
        f.code.is_some() || (f.error_type.is_some() && f.message.is_some()) || f.subscription_limit;
    known.then_some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extracts_openai_and_flat_shapes() {
        let f = extract_chat_job_error_fields(&json!({"error": {"message": "m", "type": "subscription_unavailable", "code": "4078", "subscription": {"subscriptionLimit": true, "requiredPlans": ["pro", 3], "feature": "x"}}})).unwrap();
        assert_eq!(f.code.as_deref(), Some("4078"));
        assert!(f.subscription_limit);
        assert_eq!(f.required_plans, Some(json!(["pro"])));
        assert!(extract_chat_job_error_fields(&json!({"error": {"message": "only"}})).is_none());
        let f = extract_chat_job_error_fields(
            &json!({"error": "insufficient_balance", "error_message": "no"}),
        )
        .unwrap();
        assert_eq!(f.error_type.as_deref(), Some("insufficient_balance"));
        assert!(extract_chat_job_error_fields(&json!({"error": "x"})).is_none());
        assert!(
            extract_chat_job_error_fields(&json!({"status": "error", "message": "m"})).is_none()
        );
        assert!(extract_chat_job_error_fields(&json!([1])).is_none());
        let e = ChatJobError::from_rest(
            402,
            "Payment required",
            &json!({"error": {"type": "subscription_unavailable", "code": "4080"}}),
        )
        .unwrap();
        assert_eq!(e.status, Some(402));
        assert_eq!(e.subscription_error_code(), Some(4080));
        assert!(!e.retryable());
    }

    #[test]
    fn send_failure_is_retryable() {
        let e = ChatJobError::send_failed("J", "WebSocket not connected");
        assert!(e.retryable());
        assert_eq!(
            e.message,
            format!("{TRANSPORT_LOST_MESSAGE} (WebSocket not connected)")
        );
    }
}
