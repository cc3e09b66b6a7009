//! The emulated model: a deterministic answer to a [`ChatRequest`], and how it is cut into
//! streamed tokens.
//!
//! Rules, in order (documented in the README):
//! 1. The conversation ends with `tool` messages → the answer reports what each tool
//!    returned (media URLs, errors or the text).
//! 2. Tools are offered (`tools`, plus the hosted tools when `sogni_tools` is set),
//!    `tool_choice` is not `none`, and the request asks for a call — `tool_choice` is
//!    `required` or names a function, the last user message names a tool (`get_weather` or
//!    `get weather`), says "use the tool"/"use a tool"/"call", or (with `sogni_tools`) asks to
//!    generate/create/make/draw an image, video or music → tool calls with arguments
//!    generated from each tool's parameter schema ([`super::schema::generate`]); string
//!    arguments take the first quoted span of the message, else the whole message.
//!    `finish_reason: 'tool_calls'`.
//! 3. `response_format` `json_schema` → a JSON object generated from the schema;
//!    `json_object` → `{"answer": …, "words": n}`.
//! 4. Otherwise the reply echoes and measures the last user message, counts the turn,
//!    mentions a system prompt and describes every vision image (format, size, colour).
//!
//! With `chat_template_kwargs.enable_thinking: true` the content starts with a
//! `<think>…</think>` block (as Qwen3 emits it), except in JSON modes, whose content stays
//! parseable. `max_tokens` cuts the output (`finish_reason: 'length'`) and `stop` sequences
//! end it early.

use super::model::{content_text, ChatRequest, ResponseFormat, ToolChoice, ToolDef};
use super::schema;
use super::tools::{self, fnv};
use serde_json::{json, Value};

/// A tool call the model makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCall {
    /// `call_…`.
    pub id: String,
    /// The function name.
    pub name: String,
    /// JSON-encoded arguments.
    pub arguments: String,
}

impl PlannedCall {
    /// The OpenAI `tool_calls[]` entry.
    pub fn json(&self) -> Value {
        json!({"id": self.id, "type": "function",
               "function": {"name": self.name, "arguments": self.arguments}})
    }
}

/// The model's whole answer before it is cut into tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The `<think>…</think>\n\n` block, when thinking is on.
    pub reasoning: String,
    /// The visible content.
    pub content: String,
    /// Tool calls (then `content` is empty).
    pub tool_calls: Vec<PlannedCall>,
}

/// Tools offered to the model: the request's, then the hosted ones under `sogni_tools`.
pub fn offered_tools(req: &ChatRequest) -> Vec<ToolDef> {
    let mut out = req.tools.clone();
    if req.sogni_tools {
        for t in tools::definitions() {
            if !out.iter().any(|o| o.name == t.name) {
                out.push(t);
            }
        }
    }
    out
}

fn first_quoted(text: &str) -> Option<&str> {
    for (open, close) in [('"', '"'), ('“', '”'), ('\'', '\''), ('‘', '’')] {
        if let Some(start) = text.find(open) {
            let rest = &text[start + open.len_utf8()..];
            if let Some(end) = rest.find(close) {
                let span = rest[..end].trim();
                if !span.is_empty() {
                    return Some(span);
                }
            }
        }
    }
    None
}

fn has_word(lower: &str, word: &str) -> bool {
    lower
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|w| w == word)
}

/// The tool names `text` mentions, in order of first appearance.
fn mentioned(text: &str, tools: &[ToolDef]) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut hits: Vec<(usize, String)> = tools
        .iter()
        .filter_map(|t| {
            let name = t.name.to_lowercase();
            let spaced = name.replace(['_', '-'], " ");
            let at = [name.as_str(), spaced.as_str()]
                .iter()
                .filter_map(|n| {
                    lower.match_indices(n).map(|(i, _)| i).find(|&i| {
                        let before = lower[..i].chars().next_back();
                        let after = lower[i + n.len()..].chars().next();
                        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    })
                })
                .min()?;
            Some((at, t.name.clone()))
        })
        .collect();
    hits.sort();
    hits.into_iter().map(|(_, n)| n).collect()
}

/// With `sogni_tools`: "generate an image of …" → `generate_image`, and so on.
fn media_intent(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let verb = [
        "generate", "create", "make", "draw", "paint", "render", "produce", "compose",
    ]
    .iter()
    .any(|v| has_word(&lower, v));
    if !verb {
        return None;
    }
    let any = |ws: &[&str]| ws.iter().any(|w| has_word(&lower, w));
    if any(&["video", "clip", "animation", "movie"]) {
        Some("generate_video")
    } else if any(&["music", "song", "track", "tune", "melody"]) {
        Some("generate_music")
    } else if any(&[
        "image",
        "picture",
        "photo",
        "drawing",
        "painting",
        "illustration",
    ]) {
        Some("generate_image")
    } else {
        None
    }
}

fn asks_for_a_call(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "use the tool",
        "use a tool",
        "use your tool",
        "use the tools",
        "use tools",
    ]
    .iter()
    .any(|p| lower.contains(p))
        || has_word(&lower, "call")
}

fn plan_calls(req: &ChatRequest, salt: &str) -> Vec<PlannedCall> {
    let offered = offered_tools(req);
    if offered.is_empty() || req.tool_choice == ToolChoice::None {
        return Vec::new();
    }
    let text = req.last_user_text();
    let mut names = match &req.tool_choice {
        ToolChoice::Named(n) => vec![n.clone()],
        _ => mentioned(&text, &offered),
    };
    if names.is_empty() && req.sogni_tools {
        names.extend(media_intent(&text).map(str::to_string));
    }
    let triggered = matches!(req.tool_choice, ToolChoice::Required | ToolChoice::Named(_))
        || !names.is_empty()
        || asks_for_a_call(&text);
    if !triggered {
        return Vec::new();
    }
    if names.is_empty() {
        names.push(offered[0].name.clone());
    }
    let arg_text = first_quoted(&text).unwrap_or(text.trim()).to_string();
    names
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let def = offered.iter().find(|t| &t.name == name)?;
            let args = schema::generate(&def.parameters, &arg_text);
            Some(PlannedCall {
                id: format!("call_{:016x}", fnv(&format!("{salt}/{i}/{name}"))),
                name: name.clone(),
                arguments: serde_json::to_string(&args).unwrap_or_else(|_| "{}".into()),
            })
        })
        .collect()
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

/// What the trailing `tool` messages returned, as prose.
fn tool_answer(req: &ChatRequest) -> String {
    let start = req
        .messages
        .iter()
        .rposition(|m| m["role"] != "tool")
        .map_or(0, |i| i + 1);
    let names: Vec<(String, String)> = req
        .messages
        .iter()
        .filter_map(|m| m.get("tool_calls").and_then(Value::as_array))
        .flatten()
        .filter_map(|c| {
            Some((
                c.get("id")?.as_str()?.to_string(),
                c.get("function")?.get("name")?.as_str()?.to_string(),
            ))
        })
        .collect();
    let parts: Vec<String> = req.messages[start..]
        .iter()
        .map(|m| {
            let name = m
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    let id = m.get("tool_call_id").and_then(Value::as_str)?;
                    names.iter().find(|(i, _)| i == id).map(|(_, n)| n.clone())
                })
                .unwrap_or_else(|| "the tool".to_string());
            let text = content_text(m);
            match serde_json::from_str::<Value>(&text) {
                Ok(v)
                    if v.get("urls")
                        .and_then(Value::as_array)
                        .is_some_and(|u| !u.is_empty()) =>
                {
                    let urls: Vec<&str> = v["urls"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    let kind = v["media_type"].as_str().unwrap_or("media");
                    format!(
                        "{name} produced {} {kind} result(s): {}",
                        urls.len(),
                        urls.join(" ")
                    )
                }
                Ok(v) if v.get("success") == Some(&Value::Bool(false)) => format!(
                    "{name} failed: {}",
                    v["error"].as_str().unwrap_or("no reason given")
                ),
                _ => format!("{name} returned: {}", cut(text.trim(), 400)),
            }
        })
        .collect();
    format!("Here is what the tools returned. {}.", parts.join("; "))
}

fn plain_answer(req: &ChatRequest) -> String {
    let text = req.last_user_text();
    let text = text.trim();
    let mut s = if text.is_empty() {
        "You sent no text.".to_string()
    } else {
        format!(
            "You said: \"{}\". That is {} words and {} characters.",
            cut(text, 300),
            word_count(text),
            text.chars().count()
        )
    };
    let turn = req.messages.iter().filter(|m| m["role"] == "user").count();
    if turn > 1 {
        s.push_str(&format!(" This is turn {turn} of our conversation."));
    }
    if let Some(system) = req.messages.iter().find(|m| m["role"] == "system") {
        s.push_str(&format!(
            " I am following a system prompt of {} characters.",
            content_text(system).chars().count()
        ));
    }
    if !req.images.is_empty() {
        let list: Vec<String> = req
            .images
            .iter()
            .enumerate()
            .map(|(i, img)| format!("{}) {}", i + 1, img.describe()))
            .collect();
        let n = req.images.len();
        s.push_str(&format!(
            " I received {n} image{}: {}.",
            if n == 1 { "" } else { "s" },
            list.join("; ")
        ));
    }
    if !req.image_links.is_empty() {
        let n = req.image_links.len();
        s.push_str(&format!(
            " I received {n} image link{} (not downloaded).",
            if n == 1 { "" } else { "s" }
        ));
    }
    s
}

/// The model's answer. `salt` (the job id) makes tool-call ids unique per request.
pub fn answer(req: &ChatRequest, salt: &str) -> Reply {
    let last_is_tool = req.messages.last().is_some_and(|m| m["role"] == "tool");
    let calls = if last_is_tool {
        Vec::new()
    } else {
        plan_calls(req, salt)
    };
    let json_mode = !matches!(req.response_format, ResponseFormat::Text) && calls.is_empty();
    let (content, plan) = if last_is_tool {
        (tool_answer(req), "report what the tools returned")
    } else if !calls.is_empty() {
        (String::new(), "call a tool")
    } else if let ResponseFormat::JsonSchema(schema) = &req.response_format {
        let text = req.last_user_text();
        let v = schema::generate(schema, first_quoted(&text).unwrap_or(text.trim()));
        (v.to_string(), "answer with JSON that fits the schema")
    } else if json_mode {
        let text = req.last_user_text();
        let v = json!({"answer": plain_answer(req), "words": word_count(&text)});
        (v.to_string(), "answer with a JSON object")
    } else {
        (plain_answer(req), "echo the message and describe it")
    };
    let reasoning = if req.think == Some(true) && !json_mode {
        let text = req.last_user_text();
        let images = match req.images.len() {
            0 => String::new(),
            n => format!(" and {n} image(s)"),
        };
        format!(
            "<think>\nThe user wrote {} words{images}. I should {plan}.\n</think>\n\n",
            word_count(&text)
        )
    } else {
        String::new()
    };
    Reply {
        reasoning,
        content,
        tool_calls: calls,
    }
}

/// One streamed piece (one token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text for `content`.
    Content(String),
    /// The first delta of tool call `index`: id, type and name.
    CallStart {
        /// Position among the calls.
        index: usize,
        /// `call_…`.
        id: String,
        /// The function name.
        name: String,
    },
    /// More of tool call `index`'s arguments.
    CallArgs {
        /// Position among the calls.
        index: usize,
        /// The next characters.
        text: String,
    },
}

impl Piece {
    /// The `jobTokens` fields of this piece (no `jobID`).
    pub fn frame(&self) -> Value {
        match self {
            Piece::Content(t) => json!({"content": t}),
            Piece::CallStart { index, id, name } => json!({"content": "", "tool_calls": [
                {"index": index, "id": id, "type": "function", "function": {"name": name, "arguments": ""}}
            ]}),
            Piece::CallArgs { index, text } => json!({"content": "", "tool_calls": [
                {"index": index, "function": {"arguments": text}}
            ]}),
        }
    }
}

/// The reply as it is streamed: pieces, and the totals the stream adds up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// One entry per token.
    pub pieces: Vec<Piece>,
    /// `stop`, `length` or `tool_calls`.
    pub finish_reason: &'static str,
    /// The whole content (reasoning included).
    pub content: String,
    /// The tool calls as streamed (arguments possibly cut by `max_tokens`).
    pub tool_calls: Vec<PlannedCall>,
    /// `usage.prompt_tokens`.
    pub prompt_tokens: u64,
}

impl Script {
    /// `usage.completion_tokens`: one per piece.
    pub fn completion_tokens(&self) -> u64 {
        self.pieces.len() as u64
    }

    /// `{prompt_tokens, completion_tokens, total_tokens}`.
    pub fn usage(&self) -> Value {
        let c = self.completion_tokens();
        json!({"prompt_tokens": self.prompt_tokens, "completion_tokens": c,
               "total_tokens": self.prompt_tokens + c})
    }
}

/// Splits text into word tokens: each word keeps the whitespace that follows it.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(std::mem::take(&mut cur));
            in_space = false;
        }
        cur.push(c);
        if !c.is_whitespace() && cur.chars().count() >= 12 {
            // Long words and URLs stream in several pieces, as sub-word tokens do.
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn arg_pieces(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    chars.chunks(6).map(|c| c.iter().collect()).collect()
}

/// Cuts a reply into pieces, applying `stop` and `max_tokens`.
pub fn script(reply: &Reply, req: &ChatRequest) -> Script {
    let mut content = reply.content.clone();
    if let Some(at) = req
        .stop
        .iter()
        .filter_map(|s| content.find(s.as_str()))
        .min()
    {
        content.truncate(at);
    }
    let mut pieces: Vec<Piece> = tokens(&reply.reasoning)
        .into_iter()
        .chain(tokens(&content))
        .map(Piece::Content)
        .collect();
    for (index, call) in reply.tool_calls.iter().enumerate() {
        pieces.push(Piece::CallStart {
            index,
            id: call.id.clone(),
            name: call.name.clone(),
        });
        pieces.extend(
            arg_pieces(&call.arguments)
                .into_iter()
                .map(|text| Piece::CallArgs { index, text }),
        );
    }
    let mut finish = if reply.tool_calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    if pieces.len() as u64 > req.max_tokens {
        pieces.truncate(req.max_tokens as usize);
        finish = "length";
    }
    let mut content = String::new();
    let mut calls: Vec<PlannedCall> = Vec::new();
    for p in &pieces {
        match p {
            Piece::Content(t) => content.push_str(t),
            Piece::CallStart { id, name, .. } => calls.push(PlannedCall {
                id: id.clone(),
                name: name.clone(),
                arguments: String::new(),
            }),
            Piece::CallArgs { index, text } => calls[*index].arguments.push_str(text),
        }
    }
    Script {
        pieces,
        finish_reason: finish,
        content,
        tool_calls: calls,
        prompt_tokens: req.prompt_tokens,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    const MODEL: &str = "qwen3.6-35b-a3b-gguf-iq4xs";

    fn req(v: Value) -> ChatRequest {
        let mut v = v;
        v["model"] = json!(MODEL);
        ChatRequest::parse(&v, &Catalog::builtin()).unwrap()
    }

    fn weather() -> Value {
        json!([{"type": "function", "function": {"name": "get_weather", "parameters": {
            "type": "object", "properties": {"location": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["location", "unit"]}}},
            {"type": "function", "function": {"name": "get_time", "parameters": {
            "type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}}}])
    }

    #[test]
    fn echoes_and_measures_the_last_user_message() {
        let r = req(
            json!({"messages": [{"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hello there"}]}),
        );
        let a = answer(&r, "J");
        assert_eq!(a.content, "You said: \"Hello there\". That is 2 words and 11 characters. I am following a system prompt of 9 characters.");
        let s = script(&a, &r);
        assert_eq!(s.finish_reason, "stop");
        assert_eq!(s.content, a.content);
        assert_eq!(s.pieces[0], Piece::Content("You ".into()));
    }

    #[test]
    fn thinking_comes_first_and_max_tokens_cuts() {
        let r = req(
            json!({"messages": [{"role": "user", "content": "one two three"}],
            "chat_template_kwargs": {"enable_thinking": true}, "max_tokens": 5}),
        );
        let a = answer(&r, "J");
        assert!(a.reasoning.starts_with("<think>\n") && a.reasoning.ends_with("</think>\n\n"));
        let s = script(&a, &r);
        assert_eq!((s.finish_reason, s.completion_tokens()), ("length", 5));
        assert!(s.content.starts_with("<think>"));
    }

    #[test]
    fn named_tools_are_called_with_schema_arguments() {
        let r = req(
            json!({"messages": [{"role": "user", "content": "Use get_weather and get_time for \"Austin\""}],
            "tools": weather()}),
        );
        let a = answer(&r, "J");
        assert_eq!(a.tool_calls.len(), 2);
        assert_eq!(a.tool_calls[0].name, "get_weather");
        assert_eq!(
            a.tool_calls[0].arguments,
            r#"{"location":"Austin","unit":"celsius"}"#
        );
        assert_eq!(a.tool_calls[1].arguments, r#"{"zone":"Austin"}"#);
        let s = script(&a, &r);
        assert_eq!(s.finish_reason, "tool_calls");
        assert_eq!(s.tool_calls, a.tool_calls);
        assert!(
            s.pieces
                .iter()
                .filter(|p| matches!(p, Piece::CallArgs { index: 0, .. }))
                .count()
                > 2
        );
        // No trigger: plain answer; tool_choice none: never.
        assert!(answer(
            &req(json!({"messages": [{"role": "user", "content": "hi"}], "tools": weather()})),
            "J"
        )
        .tool_calls
        .is_empty());
        let none = req(
            json!({"messages": [{"role": "user", "content": "call get_time"}], "tools": weather(), "tool_choice": "none"}),
        );
        assert!(answer(&none, "J").tool_calls.is_empty());
        let required = req(
            json!({"messages": [{"role": "user", "content": "hi"}], "tools": weather(), "tool_choice": "required"}),
        );
        assert_eq!(answer(&required, "J").tool_calls[0].name, "get_weather");
    }

    #[test]
    fn tool_results_are_reported() {
        let r = req(json!({"messages": [
            {"role": "user", "content": "call get_weather"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "22 degrees and sunny"}], "tools": weather()}));
        let a = answer(&r, "J");
        assert!(a.tool_calls.is_empty());
        assert_eq!(
            a.content,
            "Here is what the tools returned. get_weather returned: 22 degrees and sunny."
        );
    }

    #[test]
    fn sogni_tools_turn_media_requests_into_calls_and_json_follows_the_schema() {
        let r = req(
            json!({"messages": [{"role": "user", "content": "Please generate an image of \"a red fox\""}], "sogni_tools": true}),
        );
        let a = answer(&r, "J");
        assert_eq!(a.tool_calls[0].name, "generate_image");
        assert_eq!(a.tool_calls[0].arguments, r#"{"prompt":"a red fox"}"#);
        let r = req(
            json!({"messages": [{"role": "user", "content": "todo"}], "response_format": {"type": "json_schema",
            "json_schema": {"name": "t", "schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}}},
            "chat_template_kwargs": {"enable_thinking": true}}),
        );
        let a = answer(&r, "J");
        assert_eq!(
            (a.reasoning.as_str(), a.content.as_str()),
            ("", r#"{"n":1}"#)
        );
    }
}
