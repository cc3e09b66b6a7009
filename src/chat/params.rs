//! The `llmJobRequest` socket message of `chat.completions.create()`, built from the
//! caller's params exactly as the official `createSingleCompletion` builds it.
//!
//! The params are read as a JSON object (what the JS caller passed, with `undefined`-valued
//! keys left out). The official SDK checks almost nothing itself and forwards most values
//! untouched, so this builder does the same: sampling values, `stop`, `tools`,
//! `tool_choice`, `response_format`, `tokenType`… are copied as they are, whatever their
//! type. What it does check, with the official messages:
//! - `autoExecuteTools` together with `stream` (`INVALID_CHAT_PARAMS`);
//! - the shape the official code dereferences (`params` an object, `messages` an array of
//!   non-null messages, non-null parts, `image_url` objects with string URLs) — officially
//!   a `TypeError`, here `INVALID_CHAT_PARAMS` with a readable message;
//! - every vision image ([`super::vision`]).
//!
//! The SDK applies no defaults: a missing `model` stays missing on the wire
//! ([`DEFAULT_CHAT_MODEL`] is only the documented recommendation).

use serde_json::{Map, Value};

use super::js;
use super::vision::{normalize_vision_messages, RemoteImages};
use crate::{Error, Result};

/// The model the official docs use for chat and vision. The SDK itself sends no default.
pub const DEFAULT_CHAT_MODEL: &str = "qwen3.6-35b-a3b-gguf-iq4xs";

/// Inputs of the request that do not come from the params.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequestContext {
    /// The client's `appSource` (used when the params carry no truthy one).
    pub app_source: Option<String>,
    /// Resolved workload-attribution wire fields (`workloadKind`, `operationId`, …), put
    /// at the top level of the request. The official SDK resolves them with the job id
    /// as the fallback `operationId` (for the first auto-tools round, a fresh id).
    pub attribution: Vec<(String, String)>,
    /// Trusted remote images already fetched and inlined (see [`super::vision`]).
    pub remote_images: RemoteImages,
}

/// The sampling/pass-through keys, in the official order, copied when present.
const PASS_THROUGH: [&str; 12] = [
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "stream",
    "repetition_penalty",
    "frequency_penalty",
    "presence_penalty",
    "stop",
    "tokenType",
    "safeContentFilter",
];

pub(crate) fn params_object(params: &Value) -> Result<&Map<String, Value>> {
    params
        .as_object()
        .ok_or_else(|| Error::invalid("INVALID_CHAT_PARAMS", "chat params must be an object"))
}

/// `sogni_tools: 'rich'` (trimmed, any case) is the legacy name of `'creative-tools'`;
/// every other value is forwarded as it is.
pub fn normalize_sogni_tools(value: &Value) -> Value {
    match value {
        Value::String(s) if js::trim(s).to_lowercase() == "rich" => "creative-tools".into(),
        other => other.clone(),
    }
}

/// `chat_template_kwargs` for a `think` param: `{enable_thinking: think}` whenever `think`
/// is present (even `null`), nothing when it is absent.
pub fn chat_template_kwargs(think: Option<&Value>) -> Option<Value> {
    think.map(|t| {
        let mut m = Map::new();
        m.insert("enable_thinking".into(), t.clone());
        Value::Object(m)
    })
}

/// The error `create()` rejects with when `autoExecuteTools` meets `stream: true`.
pub fn auto_tools_with_stream() -> Error {
    Error::invalid(
        "INVALID_CHAT_PARAMS",
        "autoExecuteTools is not supported with stream: true. Use chat.tools.executeAll() manually in your streaming loop instead.",
    )
}

/// Does this call go through the client-side auto tool loop (`autoExecuteTools`)?
/// Rejects `autoExecuteTools` with `stream` as the official `create()` does.
pub fn uses_auto_tools(params: &Value) -> Result<bool> {
    let p = params_object(params)?;
    let auto = p.get("autoExecuteTools").is_some_and(js::truthy);
    if auto && p.get("stream").is_some_and(js::truthy) {
        return Err(auto_tools_with_stream());
    }
    Ok(auto)
}

/// The first step of `create()`: the official checks that run before anything is fetched
/// (params shape, `autoExecuteTools` with `stream`, every synchronous vision check), and
/// the trusted remote image URLs the caller must fetch and inline into
/// [`ChatRequestContext::remote_images`] before calling [`llm_job_request`].
pub fn remote_images_for_request(params: &Value) -> Result<Vec<String>> {
    uses_auto_tools(params)?;
    let messages = params_object(params)?
        .get("messages")
        .unwrap_or(&Value::Null);
    super::vision::remote_images_to_fetch(messages)
}

/// Builds the `llmJobRequest` payload for `params` under `job_id` (the upper-case UUID
/// the caller generated).
///
/// With `autoExecuteTools`, this is the first round's request: the official loop sends
/// each round with `stream: false` (attribution of later rounds is the caller's).
/// Numbers are written as `JSON.stringify` writes them, and keys whose value would be
/// `undefined` are left out, so the result serialises to the same JSON value the official
/// SDK sends.
pub fn llm_job_request(params: &Value, job_id: &str, ctx: &ChatRequestContext) -> Result<Value> {
    let auto = uses_auto_tools(params)?;
    let p = params_object(params)?;
    let messages = normalize_vision_messages(
        p.get("messages").unwrap_or(&Value::Null),
        &ctx.remote_images,
    )?;

    let mut req = Map::new();
    req.insert("jobID".into(), Value::from(job_id));
    req.insert("type".into(), Value::from("llm"));
    if let Some(model) = p.get("model") {
        req.insert("model".into(), model.clone());
    }
    req.insert("messages".into(), messages);
    let app_source = p
        .get("appSource")
        .filter(|v| js::truthy(v))
        .cloned()
        .or_else(|| ctx.app_source.clone().map(Value::String));
    if let Some(a) = app_source {
        req.insert("appSource".into(), a);
    }
    for key in PASS_THROUGH {
        if let Some(v) = p.get(key) {
            req.insert(key.into(), v.clone());
        }
    }
    if auto {
        req.insert("stream".into(), Value::Bool(false));
    }
    if let Some(b) = p.get("billingMode").filter(|v| js::truthy(v)) {
        req.insert("billingMode".into(), b.clone());
    }
    for key in ["tools", "tool_choice"] {
        if let Some(v) = p.get(key) {
            req.insert(key.into(), v.clone());
        }
    }
    if let Some(v) = p.get("sogni_tools") {
        req.insert("sogni_tools".into(), normalize_sogni_tools(v));
    }
    for key in ["sogni_tool_execution", "taskProfile"] {
        if let Some(v) = p.get(key) {
            req.insert(key.into(), v.clone());
        }
    }
    if let Some(k) = chat_template_kwargs(p.get("think")) {
        req.insert("chat_template_kwargs".into(), k);
    }
    if let Some(f) = p.get("response_format").filter(|v| js::truthy(v)) {
        req.insert("response_format".into(), f.clone());
    }
    for (k, v) in &ctx.attribution {
        req.insert(k.clone(), Value::from(v.as_str()));
    }
    Ok(js::json_numbers(&Value::Object(req)))
}

/// `Chat completion timed out after 300s (jobID: …)`: a non-streaming call got no result
/// within [`NON_STREAMING_TIMEOUT_MS`].
pub fn non_streaming_timeout(job_id: &str) -> Error {
    Error::Timeout {
        message: format!("Chat completion timed out after 300s (jobID: {job_id})"),
    }
}

/// How long a non-streaming completion waits for its result.
pub const NON_STREAMING_TIMEOUT_MS: u32 = 300_000;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn minimal_request() {
        let got = llm_job_request(
            &json!({"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4096.0}),
            "JOB",
            &ChatRequestContext::default(),
        )
        .unwrap();
        assert_eq!(
            serde_json::to_string(&got).unwrap(),
            r#"{"jobID":"JOB","max_tokens":4096,"messages":[{"content":"hi","role":"user"}],"model":"m","type":"llm"}"#
        );
    }

    #[test]
    fn think_sogni_tools_and_auto_tools() {
        let ctx = ChatRequestContext::default();
        let got = llm_job_request(
            &json!({"messages": [], "think": false, "sogni_tools": " Rich", "autoExecuteTools": true}),
            "J",
            &ctx,
        )
        .unwrap();
        assert_eq!(
            got["chat_template_kwargs"],
            json!({"enable_thinking": false})
        );
        assert_eq!(got["sogni_tools"], "creative-tools");
        assert_eq!(got["stream"], false);
        let err = llm_job_request(
            &json!({"messages": [], "autoExecuteTools": 1, "stream": "yes"}),
            "J",
            &ctx,
        )
        .unwrap_err();
        assert_eq!(err.code(), "INVALID_CHAT_PARAMS");
        assert!(err
            .to_string()
            .starts_with("autoExecuteTools is not supported"));
        assert_eq!(
            llm_job_request(&json!(null), "J", &ctx).unwrap_err().code(),
            "INVALID_CHAT_PARAMS"
        );
    }
}
