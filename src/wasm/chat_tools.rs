//! Client-side execution of Sogni tool calls (`chat.tools`): the tool's arguments become
//! `projects.create` params, the project runs, its result URLs become the tool result.

use super::chat::ChatState;
use serde_json::Value;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// Runs one direct-dispatch Sogni tool call; `Err(message)` becomes an error result.
pub(crate) async fn run_tool(
    _state: &Rc<ChatState>,
    tool_call: &Value,
    _options: &Value,
    _progress: &JsValue,
    _signal: &JsValue,
) -> Result<Value, String> {
    let name = crate::chat::tools::tool_call_name(tool_call).unwrap_or("");
    Err(format!(
        "Tool '{name}' cannot run client-side in this build"
    ))
}
