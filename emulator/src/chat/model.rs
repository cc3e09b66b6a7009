//! A chat request as the Supernet receives it — the socket's `llmJobRequest` payload or the
//! body of `POST /v1/chat/completions` — checked against the model catalog and the vision
//! limits, and the errors it can fail with.

use super::vision::{self, ImageInfo};
use crate::accounts::TokenType;
use crate::catalog::Catalog;
use axum::http::StatusCode;
use serde_json::{json, Value};

/// Why a chat request was refused or failed, in the server's vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatError {
    /// The error tag (`invalid_request`, `model_unavailable`, `insufficient_balance`,
    /// `subscription_unavailable`, …): `llmJobError.error` and `error.type` on REST.
    pub tag: &'static str,
    /// Human-readable message.
    pub message: String,
    /// The string code the server attaches to subscription denials (`'4078'`).
    pub code: Option<&'static str>,
    /// HTTP status on the REST transports.
    pub status: StatusCode,
}

impl ChatError {
    /// `invalid_request` (400).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            tag: "invalid_request",
            message: message.into(),
            code: None,
            status: StatusCode::BAD_REQUEST,
        }
    }

    /// `model_unavailable` (404): unknown model or no workers.
    pub fn model(message: impl Into<String>) -> Self {
        Self {
            tag: "model_unavailable",
            message: message.into(),
            code: None,
            status: StatusCode::NOT_FOUND,
        }
    }

    /// `insufficient_balance` (402).
    pub fn balance(message: impl Into<String>) -> Self {
        Self {
            tag: "insufficient_balance",
            message: message.into(),
            code: None,
            status: StatusCode::PAYMENT_REQUIRED,
        }
    }

    /// `subscription_unavailable` with code 4078 (402): the emulator's accounts have no
    /// subscription, so `billingMode: 'subscription'` is never entitled.
    pub fn not_entitled() -> Self {
        Self {
            tag: "subscription_unavailable",
            message: "This account has no active subscription; use billingMode 'tokens' or 'auto'"
                .into(),
            code: Some("4078"),
            status: StatusCode::PAYMENT_REQUIRED,
        }
    }

    /// The `llmJobError` payload: `{jobID, error, error_code?, error_message}`.
    pub fn socket_json(&self, job_id: &str) -> Value {
        let mut v = json!({"jobID": job_id, "error": self.tag, "error_message": self.message});
        if let Some(code) = self.code {
            v["error_code"] = json!(code);
        }
        v
    }

    /// The OpenAI-style REST body: `{error:{message, type, code}}`.
    pub fn openai_json(&self) -> Value {
        json!({"error": {"message": self.message, "type": self.tag, "code": self.code}})
    }
}

impl axum::response::IntoResponse for ChatError {
    fn into_response(self) -> axum::response::Response {
        (self.status, axum::Json(self.openai_json())).into_response()
    }
}

/// One function tool offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDef {
    /// The function name.
    pub name: String,
    /// Its JSON-Schema parameters (`{type:'object'}` when absent).
    pub parameters: Value,
}

/// `tool_choice`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChoice {
    /// `'auto'` (the default): call tools when the prompt asks for them.
    Auto,
    /// `'none'`: never call tools.
    None,
    /// `'required'`: always call a tool.
    Required,
    /// `{type:'function', function:{name}}`: always call this tool.
    Named(String),
}

/// `response_format`.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    /// Free text (the default, also `{type:'text'}`).
    Text,
    /// `{type:'json_object'}`: any JSON object.
    JsonObject,
    /// `{type:'json_schema', json_schema:{name, schema}}`.
    JsonSchema(Value),
}

/// A checked chat request.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    /// The LLM model id.
    pub model: String,
    /// The messages (validated shapes).
    pub messages: Vec<Value>,
    /// The output budget: `max_tokens`, else the model's default.
    pub max_tokens: u64,
    /// `stop` sequences.
    pub stop: Vec<String>,
    /// The paying token (default SOGNI, as the SDK documents).
    pub token_type: TokenType,
    /// Tools from the request.
    pub tools: Vec<ToolDef>,
    /// `tool_choice`.
    pub tool_choice: ToolChoice,
    /// `sogni_tools` was set: the emulator's hosted tools are offered too.
    pub sogni_tools: bool,
    /// `sogni_tool_execution`: run hosted tool calls server-side (REST only).
    pub sogni_tool_execution: bool,
    /// `chat_template_kwargs.enable_thinking`.
    pub think: Option<bool>,
    /// `response_format`.
    pub response_format: ResponseFormat,
    /// The decoded vision images, in order.
    pub images: Vec<ImageInfo>,
    /// HTTP(S) image links (durable runs take URLs instead of data URIs; not fetched).
    pub image_links: Vec<String>,
    /// Prompt tokens: `ceil(len(JSON(messages, image URLs as "[image]")) / 4)`.
    pub prompt_tokens: u64,
}

fn field<'a>(raw: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| raw.get(*n))
        .filter(|v| !v.is_null())
}

/// `ceil(len(JSON.stringify(messages)) / 4)` with image URLs replaced by `"[image]"` — the
/// SDK's (and the server's) input-token estimate. Length in UTF-16 units, as in JS.
pub fn prompt_tokens(messages: &[Value]) -> u64 {
    let stripped: Vec<Value> = messages
        .iter()
        .map(|m| {
            let mut m = m.clone();
            if let Some(parts) = m.get_mut("content").and_then(Value::as_array_mut) {
                for p in parts {
                    if p.get("type").and_then(Value::as_str) == Some("image_url") {
                        if let Some(u) = p.get_mut("image_url").and_then(Value::as_object_mut) {
                            u.insert("url".into(), json!("[image]"));
                        }
                    }
                }
            }
            m
        })
        .collect();
    let text = serde_json::to_string(&stripped).unwrap_or_default();
    (text.encode_utf16().count() as u64).div_ceil(4)
}

/// The text of a message's content (text parts joined with a space).
pub fn content_text(message: &Value) -> String {
    match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter(|p| p.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

fn check_message(i: usize, m: &Value) -> Result<(), ChatError> {
    let bad = |what: &str| ChatError::invalid(format!("messages[{i}]: {what}"));
    let role = m
        .get("role")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("role is required"))?;
    if !matches!(role, "system" | "user" | "assistant" | "tool") {
        return Err(bad(&format!(
            "role {role:?} is not one of system, user, assistant, tool"
        )));
    }
    match m.get("content") {
        Some(Value::String(_)) => {}
        None | Some(Value::Null) if role == "assistant" => {}
        Some(Value::Array(parts)) => {
            for (j, p) in parts.iter().enumerate() {
                match p.get("type").and_then(Value::as_str) {
                    Some("text") if p.get("text").is_some_and(Value::is_string) => {}
                    Some("image_url")
                        if p.get("image_url")
                            .and_then(|u| u.get("url"))
                            .is_some_and(Value::is_string) => {}
                    _ => {
                        return Err(bad(&format!(
                            "content[{j}] must be a text or image_url part"
                        )))
                    }
                }
            }
        }
        _ => return Err(bad("content must be a string or an array of parts")),
    }
    if let Some(calls) = m.get("tool_calls").filter(|v| !v.is_null()) {
        let ok = calls.as_array().is_some_and(|a| {
            a.iter().all(|c| {
                c.get("function")
                    .and_then(|f| f.get("name"))
                    .is_some_and(Value::is_string)
            })
        });
        if !ok {
            return Err(bad("tool_calls must be an array of function calls"));
        }
    }
    Ok(())
}

fn valid_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn parse_tools(raw: Option<&Value>) -> Result<Vec<ToolDef>, ChatError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let list = raw
        .as_array()
        .ok_or_else(|| ChatError::invalid("tools must be an array"))?;
    list.iter()
        .enumerate()
        .map(|(i, t)| {
            let f = t
                .get("function")
                .filter(|_| t.get("type").and_then(Value::as_str) == Some("function"))
                .ok_or_else(|| {
                    ChatError::invalid(format!("tools[{i}] must be {{type:'function', function}}"))
                })?;
            let name = f.get("name").and_then(Value::as_str).unwrap_or("");
            if !valid_tool_name(name) {
                return Err(ChatError::invalid(format!(
                    "tools[{i}].function.name must match ^[a-zA-Z0-9_-]{{1,64}}$"
                )));
            }
            let parameters = match f.get("parameters") {
                None | Some(Value::Null) => json!({"type": "object", "properties": {}}),
                Some(p @ Value::Object(_)) => p.clone(),
                Some(_) => {
                    return Err(ChatError::invalid(format!(
                        "tools[{i}].function.parameters must be a JSON Schema object"
                    )))
                }
            };
            Ok(ToolDef {
                name: name.to_string(),
                parameters,
            })
        })
        .collect()
}

fn parse_tool_choice(raw: Option<&Value>) -> Result<ToolChoice, ChatError> {
    match raw {
        None => Ok(ToolChoice::Auto),
        Some(Value::String(s)) => match s.as_str() {
            "auto" => Ok(ToolChoice::Auto),
            "none" => Ok(ToolChoice::None),
            "required" => Ok(ToolChoice::Required),
            other => Err(ChatError::invalid(format!(
                "tool_choice {other:?} is not auto, none or required"
            ))),
        },
        Some(v) => v
            .get("function")
            .and_then(|f| f.get("name"))
            .and_then(Value::as_str)
            .map(|n| ToolChoice::Named(n.to_string()))
            .ok_or_else(|| {
                ChatError::invalid(
                    "tool_choice must be a string or {type:'function', function:{name}}",
                )
            }),
    }
}

fn parse_response_format(raw: Option<&Value>) -> Result<ResponseFormat, ChatError> {
    let Some(raw) = raw else {
        return Ok(ResponseFormat::Text);
    };
    match raw.get("type").and_then(Value::as_str) {
        Some("text") => Ok(ResponseFormat::Text),
        Some("json_object") => Ok(ResponseFormat::JsonObject),
        Some("json_schema") => raw
            .get("json_schema")
            .and_then(|j| j.get("schema"))
            .filter(|s| s.is_object())
            .map(|s| ResponseFormat::JsonSchema(s.clone()))
            .ok_or_else(|| {
                ChatError::invalid("response_format.json_schema.schema must be an object")
            }),
        _ => Err(ChatError::invalid(
            "response_format.type must be text, json_object or json_schema",
        )),
    }
}

/// Checks a numeric sampling parameter against the model's `{min, max}` constraint.
fn check_range(model: &Value, raw: &Value, name: &str) -> Result<(), ChatError> {
    let Some(v) = raw.get(name).filter(|v| !v.is_null()) else {
        return Ok(());
    };
    let x = v
        .as_f64()
        .ok_or_else(|| ChatError::invalid(format!("{name} must be a number")))?;
    let c = &model[name];
    let (lo, hi) = (c["min"].as_f64(), c["max"].as_f64());
    if lo.is_some_and(|l| x < l) || hi.is_some_and(|h| x > h) {
        return Err(ChatError::invalid(format!(
            "{name} {x} is outside {}..{}",
            c["min"], c["max"]
        )));
    }
    Ok(())
}

/// The model a request without `model` runs on.
pub const DEFAULT_LLM_MODEL: &str = "qwen3.6-35b-a3b-gguf-iq4xs";

impl ChatRequest {
    /// Parses and checks a request. Accepts the socket's camelCase keys (`tokenType`,
    /// `taskProfile`, `billingMode`) and the REST snake_case ones (`token_type`, …).
    pub fn parse(raw: &Value, catalog: &Catalog) -> Result<Self, ChatError> {
        if !raw.is_object() {
            return Err(ChatError::invalid("the request must be a JSON object"));
        }
        // The documented default model applies when a request names none (the official
        // SDK sends no `model` then; the server picks).
        let model_id = match raw.get("model") {
            None | Some(Value::Null) => DEFAULT_LLM_MODEL,
            Some(m) => m
                .as_str()
                .filter(|m| !m.is_empty())
                .ok_or_else(|| ChatError::invalid("model must be a non-empty string"))?,
        };
        let model = catalog
            .llm_model(model_id)
            .ok_or_else(|| ChatError::model(format!("Model {model_id} is not available")))?;
        let workers = model
            .get("workers")
            .and_then(Value::as_u64)
            .or_else(|| model.as_u64())
            .unwrap_or(0);
        if workers == 0 {
            return Err(ChatError::model(format!(
                "No workers are serving {model_id} right now"
            )));
        }
        let messages = raw
            .get("messages")
            .and_then(Value::as_array)
            .filter(|m| !m.is_empty())
            .ok_or_else(|| ChatError::invalid("messages must be a non-empty array"))?
            .clone();
        for (i, m) in messages.iter().enumerate() {
            check_message(i, m)?;
        }
        if !messages
            .iter()
            .any(|m| matches!(m["role"].as_str(), Some("user" | "tool")))
        {
            return Err(ChatError::invalid(
                "messages need at least one user or tool message",
            ));
        }
        let images = vision::inspect_all(&messages).map_err(ChatError::invalid)?;
        for name in [
            "temperature",
            "top_p",
            "top_k",
            "min_p",
            "repetition_penalty",
            "frequency_penalty",
            "presence_penalty",
        ] {
            check_range(model, raw, name)?;
        }
        let kwargs = field(raw, &["chat_template_kwargs"]);
        let think = kwargs
            .and_then(|k| k.get("enable_thinking"))
            .and_then(Value::as_bool);
        let task_profile = field(raw, &["taskProfile", "task_profile"]).and_then(Value::as_str);
        let complex = think == Some(true) && matches!(task_profile, Some("coding" | "reasoning"));
        let max_tokens = match field(raw, &["max_tokens"]) {
            None => catalog.llm_default_max_tokens(model_id, complex),
            Some(v) => {
                let n = v
                    .as_u64()
                    .ok_or_else(|| ChatError::invalid("max_tokens must be a positive integer"))?;
                let c = &model["maxOutputTokens"];
                let lo = c["min"].as_u64().unwrap_or(1);
                let hi = c["max"].as_u64().unwrap_or(u64::MAX);
                if n < lo || n > hi {
                    return Err(ChatError::invalid(format!(
                        "max_tokens {n} is outside {lo}..{hi}"
                    )));
                }
                n
            }
        };
        let prompt_tokens = prompt_tokens(&messages);
        if let Some(ctx) = model.get("maxContextLength").and_then(Value::as_u64) {
            if prompt_tokens + max_tokens > ctx {
                return Err(ChatError::invalid(format!(
                    "The request needs {prompt_tokens} prompt + {max_tokens} output tokens, more than the model's context of {ctx}"
                )));
            }
        }
        let stop = match field(raw, &["stop"]) {
            None => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            Some(_) => return Err(ChatError::invalid("stop must be a string or strings")),
        };
        let token_type = match field(raw, &["tokenType", "token_type"]).and_then(Value::as_str) {
            None => TokenType::Sogni,
            Some(t) if t.eq_ignore_ascii_case("spark") => TokenType::Spark,
            Some(t) if t.eq_ignore_ascii_case("sogni") => TokenType::Sogni,
            Some(t) => {
                return Err(ChatError::invalid(format!(
                    "tokenType {t:?} is not sogni or spark"
                )))
            }
        };
        match field(raw, &["billingMode", "billing_mode"]).and_then(Value::as_str) {
            None | Some("auto" | "tokens") => {}
            Some("subscription") => return Err(ChatError::not_entitled()),
            Some(other) => {
                return Err(ChatError::invalid(format!(
                    "billingMode {other:?} is not auto, subscription or tokens"
                )))
            }
        }
        let tools = parse_tools(field(raw, &["tools"]))?;
        let sogni_tools = match field(raw, &["sogni_tools"]) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => !s.is_empty(),
            _ => false,
        };
        let tool_choice = parse_tool_choice(field(raw, &["tool_choice"]))?;
        if let ToolChoice::Named(name) = &tool_choice {
            let hosted = sogni_tools && super::tools::hosted(name).is_some();
            if !hosted && !tools.iter().any(|t| &t.name == name) {
                return Err(ChatError::invalid(format!(
                    "tool_choice names {name}, which is not among the tools"
                )));
            }
        }
        Ok(Self {
            model: model_id.to_string(),
            messages,
            max_tokens,
            stop,
            token_type,
            tools,
            tool_choice,
            sogni_tools,
            sogni_tool_execution: field(raw, &["sogni_tool_execution"])
                .and_then(Value::as_bool)
                .unwrap_or(false),
            think,
            response_format: parse_response_format(field(raw, &["response_format"]))?,
            images,
            image_links: Vec::new(),
            prompt_tokens,
        })
    }

    /// The last user message's text ("" when there is none).
    pub fn last_user_text(&self) -> String {
        self.messages
            .iter()
            .rev()
            .find(|m| m["role"] == "user")
            .map(content_text)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = "qwen3.6-35b-a3b-gguf-iq4xs";

    fn parse(v: Value) -> Result<ChatRequest, ChatError> {
        ChatRequest::parse(&v, &Catalog::builtin())
    }

    #[test]
    fn defaults_and_token_estimate_follow_the_sdk() {
        let r = parse(json!({"model": MODEL, "messages": [{"role": "user", "content": "Hello!"}]}))
            .unwrap();
        assert_eq!(r.max_tokens, 4096);
        assert_eq!(r.token_type, TokenType::Sogni);
        // JSON.stringify([{role:'user',content:'Hello!'}]).length = 35 → 9 tokens
        assert_eq!(r.prompt_tokens, 9);
        let r = parse(
            json!({"model": MODEL, "messages": [{"role": "user", "content": "x"}],
            "chat_template_kwargs": {"enable_thinking": true}, "taskProfile": "coding"}),
        )
        .unwrap();
        assert_eq!(r.max_tokens, 16384);
        assert_eq!(r.think, Some(true));
    }

    #[test]
    fn bad_requests_are_refused_with_their_tags() {
        let tag = |v: Value| parse(v).unwrap_err().tag;
        assert_eq!(
            tag(json!({"model": "nope", "messages": [{"role": "user", "content": "x"}]})),
            "model_unavailable"
        );
        assert_eq!(
            tag(json!({"model": MODEL, "messages": []})),
            "invalid_request"
        );
        assert_eq!(
            tag(json!({"model": MODEL, "messages": [{"role": "robot", "content": "x"}]})),
            "invalid_request"
        );
        assert_eq!(
            tag(
                json!({"model": MODEL, "messages": [{"role": "user", "content": "x"}], "max_tokens": 0})
            ),
            "invalid_request"
        );
        assert_eq!(
            tag(
                json!({"model": MODEL, "messages": [{"role": "user", "content": "x"}], "temperature": 9})
            ),
            "invalid_request"
        );
        assert_eq!(
            tag(
                json!({"model": MODEL, "messages": [{"role": "user", "content": "x"}], "tool_choice": {"type": "function", "function": {"name": "f"}}})
            ),
            "invalid_request"
        );
        let e = parse(json!({"model": MODEL, "messages": [{"role": "user", "content": "x"}], "billingMode": "subscription"})).unwrap_err();
        assert_eq!((e.tag, e.code), ("subscription_unavailable", Some("4078")));
        assert_eq!(e.socket_json("J")["error_code"], "4078");
    }
}
