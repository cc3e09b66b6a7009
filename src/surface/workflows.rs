//! `sogni.workflows` (durable creative workflows) and `sogni.workflows.templates`: the
//! requests the official `CreativeWorkflowsApi` / `CreativeWorkflowTemplatesApi` send and
//! how they read the answers. The event stream itself is read by
//! [`crate::chat::workflow_events`].

use serde_json::{json, Map, Value};

use super::http::{
    encode_component, error_for, js_string, local_api_error, plain_error, put, with_query,
    ErrorStyle, HttpAnswer, HttpCall,
};
use crate::projects::js::truthy;
use crate::Error;

/// Path of the workflow collection.
pub const WORKFLOWS_PATH: &str = "/v1/creative-agent/workflows";
/// Path of the template collection.
pub const TEMPLATES_PATH: &str = "/v1/creative-agent/workflows/templates";

fn field<'a>(p: &'a Value, camel: &str, snake: &str) -> Option<&'a Value> {
    // `params.camel ?? params.snake`
    match p.get(camel) {
        Some(v) if !v.is_null() => Some(v),
        _ => p.get(snake).filter(|v| !v.is_null()),
    }
}

fn app_source<'a>(p: &'a Value, client: Option<&'a str>) -> Option<Value> {
    field(p, "appSource", "app_source")
        .cloned()
        .or_else(|| client.map(Value::from))
}

/// The path of one workflow.
pub fn workflow_path(id: &str) -> String {
    format!("{WORKFLOWS_PATH}/{}", encode_component(id))
}

/// `GET …/workflows/{id}/events/stream?after=…` with `Accept: text/event-stream` and, when
/// `lastEventId` is given, `Last-Event-ID` (`after ?? lastEventId` goes in the query).
pub fn stream_call(id: &str, options: &Value) -> HttpCall {
    let after = field(options, "after", "lastEventId");
    let pairs: Vec<(&str, String)> = after.map(|a| ("after", js_string(a))).into_iter().collect();
    let mut call = HttpCall::new(
        "GET",
        with_query(&format!("{}/events/stream", workflow_path(id)), &pairs),
        ErrorStyle::Workflow,
    )
    .header("Accept", "text/event-stream");
    if let Some(last) = options.get("lastEventId").filter(|v| !v.is_null()) {
        call = call.header("Last-Event-ID", js_string(last));
    }
    call
}

fn media_violation(path: String, value: Option<&Value>) -> Option<String> {
    let s = crate::projects::js::truthy_str(value?.as_str())?;
    let trimmed = s.trim_matches(|c: char| c == '\u{feff}' || (c.is_whitespace() && c != '\u{85}'));
    if trimmed.is_empty() {
        return None;
    }
    let lower = trimmed.to_ascii_lowercase();
    if lower.starts_with("data:") {
        return Some(path);
    }
    (!(lower.starts_with("http://") || lower.starts_with("https://"))).then_some(path)
}

fn trimmed_non_empty(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

/// Durable workflows take HTTP(S) media only: every offending `mediaReferences` field.
pub fn media_violations(references: Option<&Value>) -> Vec<String> {
    let Some(items) = references.and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, r) in items.iter().enumerate() {
        let Some(r) = r.as_object() else { continue };
        if let Some(v) = media_violation(format!("mediaReferences[{i}].url"), r.get("url")) {
            out.push(v);
        }
        if trimmed_non_empty(r.get("dataUri")) {
            out.push(format!("mediaReferences[{i}].dataUri"));
        }
        if trimmed_non_empty(r.get("data_uri")) {
            out.push(format!("mediaReferences[{i}].data_uri"));
        }
    }
    out
}

/// `workflows.start(params)`: `POST /v1/creative-agent/workflows`.
pub fn start(params: &Value, client_app_source: Option<&str>) -> Result<HttpCall, Error> {
    let media = field(params, "mediaReferences", "media_references");
    let violations = media_violations(media);
    if !violations.is_empty() {
        return Err(Error::invalid(
            "INVALID_MEDIA",
            format!(
                "Durable creative workflows do not support inline base64/data URI media. Upload media first and pass HTTP(S) URLs instead. Offending field(s): {}",
                violations.join(", ")
            ),
        ));
    }
    let input = params.get("input").filter(|v| truthy(v));
    let workflow_id = field(params, "workflowId", "workflow_id").filter(|v| truthy(v));
    match (input, workflow_id) {
        (None, None) => {
            return Err(Error::invalid(
                "INVALID_WORKFLOW",
                "CreativeWorkflowsApi.start requires either `input` (inline plan) or `workflowId` (saved template id)",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "INVALID_WORKFLOW",
                "CreativeWorkflowsApi.start accepts `input` or `workflowId`, not both",
            ))
        }
        _ => {}
    }
    let mut body = Map::new();
    put(&mut body, "input", input.cloned());
    if let Some(id) = workflow_id {
        body.insert("workflow_id".into(), id.clone());
        put(
            &mut body,
            "inputs",
            params.get("inputs").filter(|v| truthy(v)).cloned(),
        );
    }
    let truthy_field = |c: &str, s: &str| field(params, c, s).filter(|v| truthy(v)).cloned();
    put(
        &mut body,
        "token_type",
        truthy_field("tokenType", "token_type"),
    );
    put(
        &mut body,
        "billing_mode",
        truthy_field("billingMode", "billing_mode"),
    );
    let source = app_source(params, client_app_source).filter(truthy);
    put(&mut body, "app_source", source.clone());
    put(
        &mut body,
        "max_estimated_capacity_units",
        field(
            params,
            "maxEstimatedCapacityUnits",
            "max_estimated_capacity_units",
        )
        .cloned(),
    );
    put(
        &mut body,
        "confirm_cost",
        field(params, "confirmCost", "confirm_cost").cloned(),
    );
    put(
        &mut body,
        "safe_content_filter",
        field(params, "safeContentFilter", "safe_content_filter").cloned(),
    );
    put(&mut body, "media_references", media.cloned());
    let mut call =
        HttpCall::new("POST", WORKFLOWS_PATH, ErrorStyle::Workflow).body(Value::Object(body));
    call = with_app_source(call, source.as_ref());
    if let Some(key) = truthy_field("idempotencyKey", "idempotency_key") {
        call = call.header("Idempotency-Key", js_string(&key));
    }
    Ok(call)
}

fn with_app_source(call: HttpCall, source: Option<&Value>) -> HttpCall {
    match source
        .and_then(Value::as_str)
        .and_then(normalize_app_source)
    {
        Some(s) => call.header("X-App-Source", s),
        None => call,
    }
}

/// The attribution header's app source: trimmed, at most 128 characters, no control
/// characters (else dropped).
pub fn normalize_app_source(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty()
        || t.encode_utf16().count() > 128
        || t.chars().any(|c| c < '\u{20}' || c == '\u{7f}')
    {
        return None;
    }
    Some(t.to_string())
}

fn resume_like_body(
    params: &Value,
    client_app_source: Option<&str>,
) -> (Map<String, Value>, Option<Value>) {
    let mut body = Map::new();
    let truthy_field = |c: &str, s: &str| field(params, c, s).filter(|v| truthy(v)).cloned();
    put(
        &mut body,
        "token_type",
        truthy_field("tokenType", "token_type"),
    );
    put(
        &mut body,
        "billing_mode",
        truthy_field("billingMode", "billing_mode"),
    );
    let source = app_source(params, client_app_source).filter(truthy);
    put(&mut body, "app_source", source.clone());
    (body, source)
}

/// `workflows.resume(id, params)`.
pub fn resume(id: &str, params: &Value, client_app_source: Option<&str>) -> HttpCall {
    let (body, source) = resume_like_body(params, client_app_source);
    let call = HttpCall::new(
        "POST",
        format!("{}/resume", workflow_path(id)),
        ErrorStyle::Workflow,
    )
    .body(Value::Object(body));
    with_app_source(call, source.as_ref())
}

/// `workflows.reseed(id, params)`.
pub fn reseed(id: &str, params: &Value, client_app_source: Option<&str>) -> HttpCall {
    let (rest, source) = resume_like_body(params, client_app_source);
    let mut body = Map::new();
    put(
        &mut body,
        "seed_overrides",
        field(params, "seedOverrides", "seed_overrides")
            .filter(|v| truthy(v))
            .cloned(),
    );
    body.extend(rest);
    let mut call = HttpCall::new(
        "POST",
        format!("{}/reseed", workflow_path(id)),
        ErrorStyle::Workflow,
    )
    .body(Value::Object(body));
    call = with_app_source(call, source.as_ref());
    if let Some(key) = params.get("idempotencyKey").filter(|v| truthy(v)) {
        call = call.header("Idempotency-Key", js_string(key));
    }
    call
}

/// `workflows.list({limit, offset})`.
pub fn list(options: &Value) -> HttpCall {
    let pairs: Vec<(&str, String)> = ["limit", "offset"]
        .into_iter()
        .filter_map(|k| {
            options
                .get(k)
                .filter(|v| !v.is_null())
                .map(|v| (k, js_string(v)))
        })
        .collect();
    HttpCall::new(
        "GET",
        with_query(WORKFLOWS_PATH, &pairs),
        ErrorStyle::Workflow,
    )
}

/// `workflows.get(id)`.
pub fn get(id: &str) -> HttpCall {
    HttpCall::new("GET", workflow_path(id), ErrorStyle::Workflow)
}

/// `workflows.events(id)`.
pub fn events(id: &str) -> HttpCall {
    HttpCall::new(
        "GET",
        format!("{}/events", workflow_path(id)),
        ErrorStyle::Workflow,
    )
}

/// `workflows.cancel(id)`: a POST without body.
pub fn cancel(id: &str) -> HttpCall {
    HttpCall::new(
        "POST",
        format!("{}/cancel", workflow_path(id)),
        ErrorStyle::Workflow,
    )
}

/// A workflow answer's `data`, which must hold `key`.
fn envelope_key(answer: &HttpAnswer, key: &str) -> Result<(Value, Value), Error> {
    if !answer.ok() {
        return Err(error_for(ErrorStyle::Workflow, answer));
    }
    let body: Value = serde_json::from_str(&answer.body)
        .map_err(|e| plain_error(format!("Unexpected response body: {e}")))?;
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let Some(map) = data.as_object().filter(|_| truthy(&data)) else {
        return Err(plain_error(
            "Creative workflow response did not include data",
        ));
    };
    let Some(v) = map.get(key) else {
        return Err(plain_error(format!(
            "Creative workflow response did not include data.{key}"
        )));
    };
    Ok((v.clone(), data.clone()))
}

/// Reads `start` / `get` / `cancel` (`data.workflow`), `list` (`data.workflows`) and
/// `events` (`data.events`).
pub fn read_key(answer: &HttpAnswer, key: &str) -> Result<Value, Error> {
    envelope_key(answer, key).map(|(v, _)| v)
}

/// Reads `resume`: `{workflow, resumed}`.
pub fn read_resume(answer: &HttpAnswer) -> Result<Value, Error> {
    let (workflow, data) = envelope_key(answer, "workflow")?;
    Ok(json!({"workflow": workflow, "resumed": data.get("resumed") == Some(&Value::Bool(true))}))
}

/// Reads `reseed`: `{workflow, idempotent?, reseed: {clonedFromRunId, steps}}`.
pub fn read_reseed(answer: &HttpAnswer) -> Result<Value, Error> {
    let (workflow, data) = envelope_key(answer, "workflow")?;
    let raw = data.get("reseed");
    let cloned = raw
        .and_then(|r| r.get("cloned_from_run_id"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let steps = raw
        .and_then(|r| r.get("steps"))
        .filter(|s| s.is_array())
        .cloned()
        .unwrap_or_else(|| json!([]));
    let mut out = json!({"workflow": workflow});
    if data.get("idempotent") == Some(&Value::Bool(true)) {
        out["idempotent"] = json!(true);
    }
    out["reseed"] = json!({"clonedFromRunId": cloned, "steps": steps});
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------

fn template_path(id: &str) -> String {
    format!("{TEMPLATES_PATH}/{}", encode_component(id))
}

/// `templates.list({visibility, offset, limit})`: `offset` floored when ≥ 0, `limit`
/// floored and clamped to 1..200 when > 0.
pub fn templates_list(options: &Value) -> HttpCall {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(v) = options.get("visibility").filter(|v| truthy(v)) {
        pairs.push(("visibility", js_string(v)));
    }
    if let Some(o) = options
        .get("offset")
        .and_then(Value::as_f64)
        .filter(|o| *o >= 0.0)
    {
        pairs.push(("offset", crate::projects::js::number_to_string(o.floor())));
    }
    if let Some(l) = options
        .get("limit")
        .and_then(Value::as_f64)
        .filter(|l| *l > 0.0)
    {
        pairs.push((
            "limit",
            crate::projects::js::number_to_string(l.floor().clamp(1.0, 200.0)),
        ));
    }
    HttpCall::new(
        "GET",
        with_query(TEMPLATES_PATH, &pairs),
        ErrorStyle::Template,
    )
}

/// `templates.get(id)`.
pub fn templates_get(id: &str) -> HttpCall {
    HttpCall::new("GET", template_path(id), ErrorStyle::Template)
}

/// `templates.create(template)`.
pub fn templates_create(template: &Value) -> HttpCall {
    HttpCall::new("POST", TEMPLATES_PATH, ErrorStyle::Template).body(template.clone())
}

/// `templates.update(id, patch)`.
pub fn templates_update(id: &str, patch: &Value) -> HttpCall {
    HttpCall::new("PATCH", template_path(id), ErrorStyle::Template).body(patch.clone())
}

/// `templates.delete(id)`.
pub fn templates_delete(id: &str) -> HttpCall {
    HttpCall::new("DELETE", template_path(id), ErrorStyle::Template)
}

/// `templates.fork(id, {newName})`.
pub fn templates_fork(id: &str, body: &Value) -> HttpCall {
    let body = if body.is_null() {
        json!({})
    } else {
        body.clone()
    };
    HttpCall::new(
        "POST",
        format!("{}/fork", template_path(id)),
        ErrorStyle::Template,
    )
    .body(body)
}

/// A template answer, unwrapped from `{status:'success', data:{…}}` when `data` is an
/// object, else read flat (unparseable text reads as `{}`).
fn template_envelope(answer: &HttpAnswer) -> Result<Value, Error> {
    if !answer.ok() {
        return Err(error_for(ErrorStyle::Template, answer));
    }
    let parsed: Option<Value> = serde_json::from_str(&answer.body).ok();
    let Some(Value::Object(record)) = parsed else {
        return Ok(json!({}));
    };
    if record.get("status").and_then(Value::as_str) == Some("success") {
        if let Some(d @ Value::Object(_)) = record.get("data") {
            return Ok(d.clone());
        }
    }
    Ok(Value::Object(record))
}

/// `isWorkflowTemplate`: an object with string `id` and `name`.
pub fn is_template(v: &Value) -> bool {
    v.get("id").is_some_and(Value::is_string) && v.get("name").is_some_and(Value::is_string)
}

/// Reads `templates.list`: `{templates (only real templates), nextCursor}`.
pub fn read_templates_list(answer: &HttpAnswer) -> Result<Value, Error> {
    let data = template_envelope(answer)?;
    let templates: Vec<Value> = data
        .get("templates")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter(|t| is_template(t)).cloned().collect())
        .unwrap_or_default();
    let next = data
        .get("next")
        .filter(|n| n.is_number())
        .cloned()
        .unwrap_or(Value::Null);
    Ok(json!({"templates": templates, "nextCursor": next}))
}

/// Reads `get` / `create` / `update` / `fork` (`what` names the call in the error:
/// `""`, `"create "`, `"update "`, `"fork "`).
pub fn read_template(answer: &HttpAnswer, what: &str) -> Result<Value, Error> {
    let data = template_envelope(answer)?;
    match data.get("template") {
        Some(t) if is_template(t) => Ok(t.clone()),
        _ => Err(local_api_error(
            500,
            format!("Workflow template {what}response missing template field"),
        )),
    }
}

/// Reads `templates.delete` (nothing).
pub fn read_template_delete(answer: &HttpAnswer) -> Result<Value, Error> {
    template_envelope(answer).map(|_| Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_list_every_inline_field() {
        let refs =
            json!([{"url": "data:x"}, {"url": "https://a"}, {"dataUri": " "}, {"data_uri": "z"}]);
        assert_eq!(
            media_violations(Some(&refs)),
            ["mediaReferences[0].url", "mediaReferences[3].data_uri"]
        );
        assert_eq!(normalize_app_source(" a "), Some("a".into()));
        assert_eq!(normalize_app_source("a\u{1}"), None);
    }
}
