//! Client-side execution of Sogni tool calls (`chat.tools`): the core turns the call into
//! `projects.create` params ([`crate::chat::tool_projects`]); this layer does the I/O —
//! waiting for the models list, fetching trusted remote media, making Blobs — then runs
//! the project and turns its result URLs into the tool result.

use super::chat::ChatState;
use super::glue;
use super::projects::js;
use crate::chat::tool_projects::{
    fetched_media_type, max_media_bytes, media_byte_limit_exceeded, prepare_tool_call,
    remote_fetch_failed, MediaSource, ToolMedia, ToolPreparation, REMOTE_MEDIA_FETCH_TIMEOUT_MS,
    WAIT_FOR_MODELS_TIMEOUT_MS,
};
use crate::chat::tools;
use crate::models::available::AvailableModel;
use js_sys::{Function, Object};
use serde_json::{json, Value};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The message of a thrown JS value.
fn message_of(e: &JsValue) -> String {
    glue::get(e, "message")
        .as_string()
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "Unknown error".into())
}

/// Calls `progress({status, percent[, resultUrls]})` when the caller gave one.
fn report(progress: &JsValue, status: &str, percent: f64, urls: Option<&[String]>) {
    if let Some(f) = progress.dyn_ref::<Function>() {
        let mut p = json!({"status": status, "percent": percent});
        if let Some(urls) = urls {
            p["resultUrls"] = json!(urls);
        }
        glue::call_listener(f, &js(&p));
    }
}

/// The available models as the core wants them.
fn models_of(list: &[Value]) -> Vec<AvailableModel> {
    list.iter()
        .map(|m| AvailableModel {
            id: m["id"].as_str().unwrap_or_default().to_string(),
            name: m["name"].as_str().unwrap_or_default().to_string(),
            worker_count: m["workerCount"].as_f64().unwrap_or(0.0),
            media: m["media"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

/// A Blob of a tool medium: inline bytes as they are, a trusted URL fetched and checked.
async fn blob_of(media: &ToolMedia) -> Result<JsValue, String> {
    let (bytes, mime) = match &media.source {
        MediaSource::Inline { mime_type, bytes } => (bytes.clone(), mime_type.clone()),
        MediaSource::Fetch { url } => {
            let init = Object::new();
            glue::set(&init, "redirect", &"error".into());
            glue::set(
                &init,
                "signal",
                &glue::abort_after(f64::from(REMOTE_MEDIA_FETCH_TIMEOUT_MS)),
            );
            let res = JsFuture::from(glue::fetch_with_init(url, &init))
                .await
                .map_err(|e| message_of(&e))?;
            let res: glue::Response = res.unchecked_into();
            if !(200..300).contains(&res.status()) {
                return Err(remote_fetch_failed(media.kind, res.status()));
            }
            let limit = max_media_bytes(media.kind);
            let declared = res
                .headers()
                .get("content-length")
                .and_then(|l| l.trim().parse::<f64>().ok());
            if declared.is_some_and(|l| l > limit as f64) {
                return Err(media_byte_limit_exceeded(media.kind));
            }
            let content_type = res.headers().get("content-type");
            let buf = JsFuture::from(res.array_buffer())
                .await
                .map_err(|e| message_of(&e))?;
            let bytes = js_sys::Uint8Array::new(&buf).to_vec();
            let mime = fetched_media_type(media.kind, content_type.as_deref(), &bytes)?;
            (bytes, mime)
        }
    };
    let array = js_sys::Uint8Array::from(bytes.as_slice());
    Ok(glue::to_blob(&array.into(), Some(mime)))
}

/// Runs one direct-dispatch Sogni tool call; `Err(message)` becomes an error result.
pub(crate) async fn run_tool(
    state: &Rc<ChatState>,
    tool_call: &Value,
    options: &Value,
    progress: &JsValue,
    signal: &JsValue,
) -> Result<Value, String> {
    let projects = state.projects().clone();
    let mut prep = prepare_tool_call(tool_call, options, None).map_err(|e| e.to_string())?;
    if matches!(prep, ToolPreparation::NeedModels) {
        projects
            .wait_for_models(f64::from(WAIT_FOR_MODELS_TIMEOUT_MS))
            .await
            .map_err(|_| "Timeout waiting for models".to_string())?;
        let models = models_of(&projects.available.borrow());
        prep = prepare_tool_call(tool_call, options, Some(&models)).map_err(|e| e.to_string())?;
    }
    let project = match prep {
        ToolPreparation::Ready(project) => project,
        ToolPreparation::Failed { error, fetch_first } => {
            for media in &fetch_first {
                blob_of(media).await?;
            }
            return Err(error);
        }
        ToolPreparation::NeedModels => return Err("Timeout waiting for models".into()),
    };
    let params = js(&project.params);
    for media in &project.media {
        let blob = blob_of(media).await?;
        match media.index {
            Some(i) => {
                let list = glue::get(&params, media.param);
                let list = if list.is_array() {
                    list
                } else {
                    let fresh = js_sys::Array::new();
                    glue::set(params.unchecked_ref(), media.param, &fresh);
                    fresh.into()
                };
                js_sys::Reflect::set(&list, &JsValue::from(i as u32), &blob)
                    .map_err(|e| message_of(&e))?;
            }
            None => glue::set(params.unchecked_ref(), media.param, &blob),
        }
    }
    report(progress, "creating", 0.0, None);
    let created = projects.create(params).await.map_err(|e| message_of(&e))?;
    report(progress, "queued", 0.0, None);
    let wait: Function = glue::get(&created, "waitForCompletion").unchecked_into();
    let waited = wait
        .call1(&created, signal)
        .map(|p| JsFuture::from(js_sys::Promise::from(p)));
    let urls = match waited {
        Ok(fut) => fut.await,
        Err(e) => Err(e),
    };
    let urls = match urls {
        Ok(urls) => urls,
        Err(e) => {
            // Best effort: stop the project the tool no longer waits for.
            if let Ok(cancel) = glue::get(&created, "cancel").dyn_into::<Function>() {
                if let Ok(p) = cancel.call0(&created) {
                    let _ = JsFuture::from(js_sys::Promise::from(p)).await;
                }
            }
            report(progress, "failed", 0.0, None);
            return Err(message_of(&e));
        }
    };
    let urls: Vec<String> = js_sys::Array::from(&urls)
        .iter()
        .filter_map(|u| u.as_string())
        .collect();
    report(progress, "completed", 100.0, Some(&urls));
    let jobs = js_sys::Array::from(&glue::get(&created, "jobs"));
    let last: Vec<Option<String>> = jobs
        .iter()
        .map(|j| glue::get(&j, "lastFrameUrl").as_string())
        .collect();
    let last = last.iter().any(Option::is_some).then_some(last.as_slice());
    Ok(tools::tool_media_result(
        tool_call,
        project.media_type,
        &urls,
        last,
        &project.model_id,
        Some(&project.prompt),
    ))
}
