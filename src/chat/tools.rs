//! Pure helpers for chat tool calling, as the official `Chat/tools.ts`, `ChatTools.ts` and
//! the auto-tool loop in `Chat/index.ts` define them: which calls are Sogni hosted tools,
//! how arguments are parsed, the tool-result message contents, the per-round limit, the
//! indexed media context and the messages fed back after a round.
//!
//! Running a tool (model selection, project creation) is not here.

use serde_json::{Map, Value};

use super::js;
use crate::{Error, Result};

/// The hosted creative-tool names of the 5.54 manifest (`SogniTools.all`), in manifest
/// order. `isSogniToolCall` is membership in this set — not a `sogni_` prefix check.
pub const SOGNI_HOSTED_TOOL_NAMES: [&str; 30] = [
    "generate_image",
    "generate_video",
    "generate_music",
    "generate_speech",
    "edit_image",
    "apply_style",
    "restore_photo",
    "upscale_image",
    "upscale_video",
    "refine_result",
    "animate_photo",
    "change_angle",
    "video_to_video",
    "stitch_video",
    "orbit_video",
    "dance_montage",
    "sound_to_video",
    "extend_video",
    "replace_video_segment",
    "overlay_video",
    "add_subtitles",
    "enhance_prompt",
    "compose_lyrics",
    "compose_instrumental",
    "compose_script",
    "compose_workflow",
    "compose_workflow_template",
    "image_to_3d",
    "remove_background",
    "segment_image",
];

/// The tools `chat.tools.execute()` runs client-side as media projects; every other
/// hosted tool must go through `chat.hosted.create()` or `chat.runs.create()`.
pub const DIRECT_PROJECT_DISPATCH_TOOLS: [&str; 6] = [
    "generate_image",
    "edit_image",
    "generate_video",
    "sound_to_video",
    "video_to_video",
    "generate_music",
];

/// The synchronous composition tools `chat.hosted.executeTool()` is meant for.
pub const HOSTED_SYNCHRONOUS_TOOLS: [&str; 6] = [
    "enhance_prompt",
    "compose_script",
    "compose_lyrics",
    "compose_instrumental",
    "compose_workflow",
    "compose_workflow_template",
];

/// Most direct-dispatch tool calls one round may carry.
pub const MAX_SOGNI_TOOL_CALLS_PER_ROUND: usize = 8;

/// `maxToolRounds` when the params give none (or `0`).
pub const DEFAULT_MAX_TOOL_ROUNDS: u32 = 5;

/// `toolCall.function.name` as a string, if it is one.
pub fn tool_call_name(tool_call: &Value) -> Option<&str> {
    tool_call.get("function")?.get("name")?.as_str()
}

/// Is `name` a hosted Sogni tool (exact, case-sensitive)?
pub fn is_sogni_tool_name(name: &str) -> bool {
    SOGNI_HOSTED_TOOL_NAMES.contains(&name)
}

/// `isSogniToolCall(toolCall)`.
pub fn is_sogni_tool_call(tool_call: &Value) -> bool {
    tool_call_name(tool_call).is_some_and(is_sogni_tool_name)
}

/// Does `chat.tools.execute()` run this call as a media project?
pub fn has_direct_project_dispatch(tool_call: &Value) -> bool {
    tool_call_name(tool_call).is_some_and(|n| DIRECT_PROJECT_DISPATCH_TOOLS.contains(&n))
}

/// `parseToolCallArguments(toolCall)`: `JSON.parse(toolCall.function.arguments)`, or `{}`
/// when that throws. The result is not checked to be an object (`"[1,2]"` gives an array,
/// `"null"` gives `null`). A non-string `arguments` is parsed as `String(arguments)`.
/// Differences from `JSON.parse`: a number beyond the `f64` range makes the parse fail
/// (`{}`) instead of giving `Infinity`, and lone UTF-16 surrogate escapes are rejected.
pub fn parse_tool_call_arguments(tool_call: &Value) -> Value {
    parse_tool_arguments(tool_call.get("function").and_then(|f| f.get("arguments")))
}

/// [`parse_tool_call_arguments`] on the `arguments` value itself (`None` = `undefined`).
pub fn parse_tool_arguments(arguments: Option<&Value>) -> Value {
    let text = match arguments {
        None => return Value::Object(Map::new()),
        Some(Value::String(s)) => s.clone(),
        Some(other) => js::to_string(other),
    };
    serde_json::from_str::<Value>(&text)
        .map(|v| js::json_numbers(&v))
        .unwrap_or_else(|_| Value::Object(Map::new()))
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A `ToolExecutionResult` that failed: `{toolCallId, toolName, success: false,
/// resultUrls: [], content: '{"success":false,"error":…}', error}`.
pub fn tool_error_result(tool_call: &Value, error: &str) -> Value {
    let mut r = result_head(tool_call, false, Vec::new());
    r.insert(
        "content".into(),
        Value::String(format!(
            r#"{{"success":false,"error":{}}}"#,
            json_string(error)
        )),
    );
    r.insert("error".into(), Value::from(error));
    Value::Object(r)
}

/// A successful non-Sogni call answered by the caller's `onToolCall` handler.
pub fn tool_handler_result(tool_call: &Value, content: &str) -> Value {
    let mut r = result_head(tool_call, true, Vec::new());
    r.insert("content".into(), Value::from(content));
    Value::Object(r)
}

/// A media tool that produced `urls`: the content is
/// `{"success":true,"media_type":…,"urls":[…],"lastFrameUrls"?:[…],"model":…,"prompt":…}`
/// with the keys in that order (`lastFrameUrls` only when some job has a last frame;
/// `null` for the others).
pub fn tool_media_result(
    tool_call: &Value,
    media_type: &str,
    urls: &[String],
    last_frame_urls: Option<&[Option<String>]>,
    model: &str,
    prompt: Option<&str>,
) -> Value {
    let list = |items: Vec<String>| format!("[{}]", items.join(","));
    let mut content = format!(
        r#"{{"success":true,"media_type":{},"urls":{}"#,
        json_string(media_type),
        list(urls.iter().map(|u| json_string(u)).collect())
    );
    if let Some(frames) = last_frame_urls.filter(|f| f.iter().any(Option::is_some)) {
        let items = frames
            .iter()
            .map(|f| f.as_deref().map_or_else(|| "null".into(), json_string))
            .collect();
        content.push_str(&format!(r#","lastFrameUrls":{}"#, list(items)));
    }
    content.push_str(&format!(r#","model":{}"#, json_string(model)));
    // `prompt: undefined` is left out by JSON.stringify.
    if let Some(p) = prompt {
        content.push_str(&format!(r#","prompt":{}"#, json_string(p)));
    }
    content.push('}');
    let mut r = result_head(tool_call, true, urls.to_vec());
    r.insert("content".into(), Value::String(content));
    Value::Object(r)
}

fn result_head(tool_call: &Value, success: bool, urls: Vec<String>) -> Map<String, Value> {
    let mut r = Map::new();
    if let Some(id) = tool_call.get("id") {
        r.insert("toolCallId".into(), id.clone());
    }
    if let Some(name) = tool_call.get("function").and_then(|f| f.get("name")) {
        r.insert("toolName".into(), name.clone());
    }
    r.insert("success".into(), Value::Bool(success));
    r.insert(
        "resultUrls".into(),
        Value::Array(urls.into_iter().map(Value::String).collect()),
    );
    r
}

/// The error `execute()` throws for a call that is not a hosted Sogni tool.
pub fn not_a_sogni_tool(name: &str) -> Error {
    Error::invalid(
        "NOT_A_SOGNI_TOOL",
        format!("Not a Sogni tool call: {name}. Use isSogniToolCall() to check first."),
    )
}

/// The error-result text for a hosted tool that only runs server-side.
pub fn server_side_only_message(name: &str) -> String {
    format!("Tool '{name}' must be executed via chat.hosted.create() or chat.runs.create().")
}

/// The error-result text for a non-Sogni call without an `onToolCall` handler.
pub fn missing_handler_message(name: &str) -> String {
    format!("No handler for non-Sogni tool: {name}. Provide an onToolCall callback.")
}

/// `executeAll`'s round check: at most [`MAX_SOGNI_TOOL_CALLS_PER_ROUND`] direct-dispatch
/// calls.
pub fn check_tool_round(tool_calls: &[Value]) -> Result<()> {
    let n = tool_calls
        .iter()
        .filter(|t| has_direct_project_dispatch(t))
        .count();
    if n > MAX_SOGNI_TOOL_CALLS_PER_ROUND {
        return Err(Error::invalid(
            "TOO_MANY_TOOL_CALLS",
            format!(
                "Too many Sogni tool calls in a single round ({n}); maximum is {MAX_SOGNI_TOOL_CALLS_PER_ROUND}"
            ),
        ));
    }
    Ok(())
}

/// `maxToolRounds || 5`.
pub fn max_tool_rounds(params: &Value) -> Value {
    params
        .get("maxToolRounds")
        .filter(|v| js::truthy(v))
        .cloned()
        .unwrap_or_else(|| Value::from(DEFAULT_MAX_TOOL_ROUNDS))
}

/// The error the auto-tool loop ends with after `rounds` rounds that all asked for tools.
pub fn max_tool_rounds_exceeded(rounds: &Value) -> Error {
    Error::invalid(
        "MAX_TOOL_ROUNDS_EXCEEDED",
        format!(
            "Max tool calling rounds ({}) exceeded",
            js::to_string(rounds)
        ),
    )
}

/// Does a completion result end the auto-tool loop (`finishReason !== 'tool_calls'` or no
/// `tool_calls`)?
pub fn is_final_round(result: &Value) -> bool {
    result.get("finishReason").and_then(Value::as_str) != Some("tool_calls")
        || result
            .get("tool_calls")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
}

/// The messages appended after a tool round: the assistant turn
/// `{role:'assistant', content: content || null, tool_calls}` and one
/// `{role:'tool', content, tool_call_id, name}` per call, paired by position with
/// `tool_results`.
pub fn tool_round_messages(result: &Value, tool_results: &[Value]) -> Vec<Value> {
    let calls = result
        .get("tool_calls")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut assistant = Map::new();
    assistant.insert("role".into(), Value::from("assistant"));
    assistant.insert(
        "content".into(),
        result
            .get("content")
            .filter(|c| js::truthy(c))
            .cloned()
            .unwrap_or(Value::Null),
    );
    assistant.insert("tool_calls".into(), Value::Array(calls.clone()));
    let mut out = vec![Value::Object(assistant)];
    for (i, call) in calls.iter().enumerate() {
        let mut m = Map::new();
        m.insert("role".into(), Value::from("tool"));
        if let Some(c) = tool_results.get(i).and_then(|r| r.get("content")) {
            m.insert("content".into(), c.clone());
        }
        if let Some(id) = call.get("id") {
            m.insert("tool_call_id".into(), id.clone());
        }
        if let Some(name) = call.get("function").and_then(|f| f.get("name")) {
            m.insert("name".into(), name.clone());
        }
        out.push(Value::Object(m));
    }
    out
}

/// The media context an auto-tool loop starts with: every non-blank vision image URL of
/// the input messages as an upload (`{images:[], videos:[], audio:[], uploadedImages}`).
pub fn auto_tool_media_context(messages: &Value) -> Value {
    let uploaded: Vec<Value> = messages
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("content").and_then(Value::as_array))
        .flatten()
        .filter(|p| p.get("type").and_then(Value::as_str) == Some("image_url"))
        .filter_map(|p| p.get("image_url")?.get("url")?.as_str())
        .filter(|u| !js::trim(u).is_empty())
        .map(Value::from)
        .collect();
    let mut ctx = Map::new();
    for key in ["images", "videos", "audio"] {
        ctx.insert(key.into(), Value::Array(Vec::new()));
    }
    ctx.insert("uploadedImages".into(), Value::Array(uploaded));
    Value::Object(ctx)
}

/// Adds a round's successful result URLs to the media context: image tools to `images`,
/// video tools to `videos`, `generate_music` to `audio`.
pub fn append_auto_tool_media_results(context: &mut Value, tool_results: &[Value]) {
    for r in tool_results {
        let urls = r.get("resultUrls").and_then(Value::as_array);
        if r.get("success") != Some(&Value::Bool(true)) || urls.is_none_or(Vec::is_empty) {
            continue;
        }
        let key = match r.get("toolName").and_then(Value::as_str) {
            Some("generate_image" | "edit_image") => "images",
            Some("generate_video" | "sound_to_video" | "video_to_video") => "videos",
            Some("generate_music") => "audio",
            _ => continue,
        };
        if let Some(list) = context.get_mut(key).and_then(Value::as_array_mut) {
            list.extend(urls.into_iter().flatten().cloned());
        }
    }
}

/// A media kind of the indexed media context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// `images` / `uploadedImages`.
    Image,
    /// `videos` / `uploadedVideos`.
    Video,
    /// `audio` / `uploadedAudio`.
    Audio,
}

impl MediaKind {
    fn name(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
        }
    }

    fn keys(self) -> (&'static str, &'static str) {
        match self {
            Self::Image => ("images", "uploadedImages"),
            Self::Video => ("videos", "uploadedVideos"),
            Self::Audio => ("audio", "uploadedAudio"),
        }
    }
}

/// Reads an index-list argument (`referenceImageIndices`, …): absent → `[]`; otherwise it
/// must be an array of integers.
pub fn media_indices(value: Option<&Value>, argument_name: &str) -> Result<Vec<i64>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let bad = || {
        Error::invalid(
            "INVALID_TOOL_ARGUMENTS",
            format!("{argument_name} must contain only integer media indices"),
        )
    };
    value
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|v| {
            v.as_f64()
                .filter(|f| f.is_finite() && f.fract() == 0.0)
                .map(|f| f as i64)
                .ok_or_else(bad)
        })
        .collect()
}

/// Resolves media indices against a media context: `n >= 0` addresses generated media,
/// `-1` the first upload, `-2` the second…; each must name a non-blank string.
pub fn resolve_media_indices(
    indices: &[i64],
    kind: MediaKind,
    context: Option<&Value>,
) -> Result<Vec<String>> {
    if indices.is_empty() {
        return Ok(Vec::new());
    }
    let context = context.ok_or_else(|| {
        Error::invalid(
            "MISSING_MEDIA_CONTEXT",
            format!(
                "Indexed {} arguments require ToolExecutionOptions.mediaContext when using chat.tools.execute()",
                kind.name()
            ),
        )
    })?;
    let (generated, uploaded) = kind.keys();
    indices
        .iter()
        .map(|&index| {
            let (key, i) = if index >= 0 {
                (generated, index)
            } else {
                (uploaded, index.abs() - 1)
            };
            context
                .get(key)
                .and_then(Value::as_array)
                .and_then(|list| list.get(usize::try_from(i).ok()?))
                .and_then(Value::as_str)
                .filter(|s| !js::trim(s).is_empty())
                .map(String::from)
                .ok_or_else(|| {
                    Error::invalid(
                        "MEDIA_INDEX_UNAVAILABLE",
                        format!(
                            "{} media index {index} is unavailable in ToolExecutionOptions.mediaContext",
                            kind.name()
                        ),
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(name: &str, args: &str) -> Value {
        json!({"id": "c1", "type": "function", "function": {"name": name, "arguments": args}})
    }

    #[test]
    fn results_have_the_official_content_text() {
        let r = tool_error_result(&call("f", "{}"), "bad \"x\"");
        assert_eq!(r["content"], r#"{"success":false,"error":"bad \"x\""}"#);
        assert_eq!(r["resultUrls"], json!([]));
        let urls = ["https://a/1.png".to_string()];
        let r = tool_media_result(
            &call("generate_video", "{}"),
            "video",
            &urls,
            Some(&[None]),
            "m",
            Some("p"),
        );
        assert_eq!(
            r["content"],
            r#"{"success":true,"media_type":"video","urls":["https://a/1.png"],"model":"m","prompt":"p"}"#
        );
        let r = tool_media_result(
            &call("generate_video", "{}"),
            "video",
            &urls,
            Some(&[Some("f".into())]),
            "m",
            None,
        );
        assert_eq!(
            r["content"],
            r#"{"success":true,"media_type":"video","urls":["https://a/1.png"],"lastFrameUrls":["f"],"model":"m"}"#
        );
    }

    #[test]
    fn round_limit_and_messages() {
        let calls: Vec<Value> = (0..9).map(|_| call("generate_image", "{}")).collect();
        assert_eq!(
            check_tool_round(&calls).unwrap_err().to_string(),
            "Too many Sogni tool calls in a single round (9); maximum is 8"
        );
        assert!(check_tool_round(&calls[..8]).is_ok());
        let result = json!({"content": "", "finishReason": "tool_calls", "tool_calls": [call("get_weather", "{}")]});
        assert!(!is_final_round(&result));
        let msgs = tool_round_messages(&result, &[json!({"content": "31C"})]);
        assert_eq!(
            msgs[0],
            json!({"role": "assistant", "content": null, "tool_calls": [call("get_weather", "{}")]})
        );
        assert_eq!(
            msgs[1],
            json!({"role": "tool", "content": "31C", "tool_call_id": "c1", "name": "get_weather"})
        );
        assert_eq!(
            max_tool_rounds_exceeded(&max_tool_rounds(&json!({}))).to_string(),
            "Max tool calling rounds (5) exceeded"
        );
    }

    #[test]
    fn media_context_and_indices() {
        let mut ctx = auto_tool_media_context(&json!([{"content": [
            {"type": "image_url", "image_url": {"url": "data:a"}},
            {"type": "image_url", "image_url": {"url": "  "}}
        ]}]));
        append_auto_tool_media_results(
            &mut ctx,
            &[
                json!({"toolName": "generate_image", "success": true, "resultUrls": ["g0"]}),
                json!({"toolName": "generate_music", "success": false, "resultUrls": ["x"]}),
            ],
        );
        assert_eq!(
            ctx,
            json!({"images": ["g0"], "videos": [], "audio": [], "uploadedImages": ["data:a"]})
        );
        let idx = media_indices(Some(&json!([0, -1])), "referenceImageIndices").unwrap();
        assert_eq!(
            resolve_media_indices(&idx, MediaKind::Image, Some(&ctx)).unwrap(),
            ["g0", "data:a"]
        );
        assert_eq!(
            resolve_media_indices(&[1], MediaKind::Image, Some(&ctx))
                .unwrap_err()
                .to_string(),
            "image media index 1 is unavailable in ToolExecutionOptions.mediaContext"
        );
        assert!(media_indices(Some(&json!([1.5])), "x").is_err());
        assert!(resolve_media_indices(&[0], MediaKind::Video, None).is_err());
    }
}
