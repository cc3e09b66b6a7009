//! Hosted REST chat: the bodies of `chat.hosted.create()` (`POST /v1/chat/completions`)
//! and `chat.hosted.executeTool()` (`POST /v1/creative-agent/tools/execute`), as the
//! official SDK builds them. Both are snake_case with camelCase aliases (`app_source ??
//! appSource`, `token_type ?? tokenType`, …); `billingMode` stays camelCase. The response
//! is returned to the caller as it is (a flat OpenAI `chat.completion`).

use serde_json::{Map, Value};

use super::js;
use super::params::{chat_template_kwargs, normalize_sogni_tools, params_object};
use super::vision::{normalize_vision_messages, RemoteImages};
use crate::{Error, Result};

/// The hosted chat completions path.
pub const HOSTED_COMPLETIONS_PATH: &str = "/v1/chat/completions";
/// The hosted tool execution path.
pub const HOSTED_TOOL_EXECUTE_PATH: &str = "/v1/creative-agent/tools/execute";
/// Request timeout of both hosted calls.
pub const HOSTED_TIMEOUT_MS: u32 = 300_000;

fn put(body: &mut Map<String, Value>, key: &str, value: Option<&Value>) {
    if let Some(v) = value {
        body.insert(key.into(), v.clone());
    }
}

/// `app_source ?? appSource ?? client appSource`.
fn app_source(p: &Map<String, Value>, client: Option<&str>) -> Option<Value> {
    let client = client.map(Value::from);
    js::nullish(&[p.get("app_source"), p.get("appSource"), client.as_ref()]).cloned()
}

/// `safe_content_filter ?? safeContentFilter`, when either key is present.
fn safe_content_filter(p: &Map<String, Value>) -> Option<Value> {
    if !p.contains_key("safe_content_filter") && !p.contains_key("safeContentFilter") {
        return None;
    }
    js::nullish(&[p.get("safe_content_filter"), p.get("safeContentFilter")]).cloned()
}

/// The body of `chat.hosted.create(params)`. `client_app_source` is the client's
/// `appSource`; trusted remote images must already be fetched (see [`super::vision`]).
/// Rejects `stream` with the official message.
pub fn hosted_completion_body(
    params: &Value,
    client_app_source: Option<&str>,
    remote: &RemoteImages,
) -> Result<Value> {
    let p = params_object(params)?;
    if p.get("stream").is_some_and(js::truthy) {
        return Err(Error::invalid(
            "INVALID_CHAT_PARAMS",
            "chat.hosted.create currently supports non-streaming requests only.",
        ));
    }
    let messages = normalize_vision_messages(p.get("messages").unwrap_or(&Value::Null), remote)?;
    let kwargs = match p.get("chat_template_kwargs").filter(|v| !v.is_null()) {
        Some(explicit) => Some(explicit.clone()),
        None => chat_template_kwargs(p.get("think")),
    };

    let mut body = Map::new();
    put(&mut body, "model", p.get("model"));
    body.insert("messages".into(), messages);
    put(
        &mut body,
        "app_source",
        app_source(p, client_app_source).as_ref(),
    );
    for key in [
        "max_tokens",
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "repetition_penalty",
        "frequency_penalty",
        "presence_penalty",
        "stop",
    ] {
        put(&mut body, key, p.get(key));
    }
    put(
        &mut body,
        "token_type",
        js::nullish(&[p.get("token_type"), p.get("tokenType")]),
    );
    put(
        &mut body,
        "billingMode",
        p.get("billingMode").filter(|v| js::truthy(v)),
    );
    put(&mut body, "tools", p.get("tools"));
    put(&mut body, "tool_choice", p.get("tool_choice"));
    put(
        &mut body,
        "sogni_tools",
        p.get("sogni_tools").map(normalize_sogni_tools).as_ref(),
    );
    put(
        &mut body,
        "sogni_tool_execution",
        p.get("sogni_tool_execution"),
    );
    put(
        &mut body,
        "task_profile",
        js::nullish(&[p.get("task_profile"), p.get("taskProfile")]),
    );
    put(
        &mut body,
        "media_references",
        js::nullish(&[p.get("media_references"), p.get("mediaReferences")]),
    );
    put(
        &mut body,
        "api_media_references",
        js::nullish(&[p.get("api_media_references"), p.get("apiMediaReferences")]),
    );
    put(
        &mut body,
        "safe_content_filter",
        safe_content_filter(p).as_ref(),
    );
    put(
        &mut body,
        "chat_template_kwargs",
        kwargs.as_ref().filter(|v| js::truthy(v)),
    );
    put(
        &mut body,
        "response_format",
        p.get("response_format").filter(|v| js::truthy(v)),
    );
    Ok(js::json_numbers(&Value::Object(body)))
}

/// The body of `chat.hosted.executeTool(params)`:
/// `{tool, arguments, app_source, token_type, safe_content_filter?}`.
pub fn hosted_tool_body(params: &Value, client_app_source: Option<&str>) -> Result<Value> {
    let p = params_object(params)?;
    let mut body = Map::new();
    put(&mut body, "tool", p.get("tool"));
    put(&mut body, "arguments", p.get("arguments"));
    put(
        &mut body,
        "app_source",
        app_source(p, client_app_source).as_ref(),
    );
    put(
        &mut body,
        "token_type",
        js::nullish(&[p.get("token_type"), p.get("tokenType")]),
    );
    put(
        &mut body,
        "safe_content_filter",
        safe_content_filter(p).as_ref(),
    );
    Ok(js::json_numbers(&Value::Object(body)))
}
