//! The REST side of `sogni.projects` the official SDK exposes next to `create`: project
//! lookups (`get`, `getStatus`), presigned upload/download URLs, the LoRA catalog
//! (`availableLoras`, `getLora`, `supportsLoras`, `loraConstraints`), personal LoRAs
//! (`projects.personalLoras`) and reusable uploads (`projects.assets`).

use serde_json::{json, Value};

use super::http::{
    encode_component, plain_error, rest_body, rest_data, rest_query, with_query, with_query_owned,
    ErrorStyle, HttpAnswer, HttpCall,
};
use crate::projects::js::truthy;
use crate::Error;

/// Limits a LoRA request observes when the catalog does not say.
pub const DEFAULT_LORA_CONSTRAINTS: (i64, i64, i64) = (8, -100, 100);
/// Largest reusable upload (100 MiB).
pub const MAX_ASSET_BYTES: f64 = 100.0 * 1024.0 * 1024.0;
/// Content types `tryBindFile` saves automatically.
pub const SAVED_UPLOAD_TYPES: [&str; 12] = [
    "image/png",
    "image/jpeg",
    "image/webp",
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "audio/mp4",
    "audio/mpeg",
    "audio/flac",
    "audio/wav",
    "audio/x-wav",
    "audio/wave",
];

fn get(path: String) -> HttpCall {
    HttpCall::new("GET", path, ErrorStyle::Rest)
}

/// `projects.get(id)`: `GET /v1/projects/{id}` (the id is not escaped, as officially).
pub fn project(id: &str) -> HttpCall {
    get(format!("/v1/projects/{id}"))
}

/// `projects.getStatus(id)`: `GET /v2/projects/{id}`.
pub fn project_status(id: &str) -> HttpCall {
    get(format!("/v2/projects/{}", encode_component(id)))
}

/// JSON text without the whitespace between tokens (`JSON.stringify(JSON.parse(text))`
/// for text that parses, keeping its key order).
pub fn compact_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// `uploadUrl` / `downloadUrl` / `mediaUploadUrl` / `mediaDownloadUrl`: the params as the
/// query of `path`.
pub fn url_call(path: &str, params: &Value) -> HttpCall {
    get(with_query_owned(path, &rest_query(Some(params))))
}

/// Reads `data.uploadUrl`.
pub fn read_upload_url(answer: &HttpAnswer) -> Result<Value, Error> {
    Ok(rest_data(answer)?
        .get("uploadUrl")
        .cloned()
        .unwrap_or(Value::Null))
}

/// Reads `data.downloadUrl`, which must be there.
pub fn read_download_url(answer: &HttpAnswer) -> Result<Value, Error> {
    let body = rest_body(answer)?;
    match body.pointer("/data/downloadUrl") {
        Some(u) if truthy(u) => Ok(u.clone()),
        _ => Err(plain_error(format!(
            "API returned no downloadUrl: {}",
            compact_json(&answer.body)
        ))),
    }
}

/// `GET /v1/loras/comfy[?modelId]`.
pub fn lora_catalog(model_id: Option<&str>) -> HttpCall {
    let pairs: Vec<(&str, String)> = model_id
        .filter(|m| !m.is_empty())
        .map(|m| ("modelId", m.to_string()))
        .into_iter()
        .collect();
    get(with_query("/v1/loras/comfy", &pairs))
}

fn model_ids(lora: &Value) -> impl Iterator<Item = &str> {
    lora.get("modelIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The model ids LoRAs apply to, sorted and unique.
pub fn lora_capable_models(loras: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = loras
        .iter()
        .flat_map(model_ids)
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Reads the catalog: rows re-filtered by `modelId`, `models` and `constraints` defaulted.
pub fn read_lora_catalog(answer: &HttpAnswer, model_id: Option<&str>) -> Result<Value, Error> {
    let data = rest_data(answer)?;
    let loras: Vec<Value> = data
        .get("loras")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let scoped: Vec<Value> = match model_id.filter(|m| !m.is_empty()) {
        Some(m) => loras
            .iter()
            .filter(|l| model_ids(l).any(|id| id == m))
            .cloned()
            .collect(),
        None => loras.clone(),
    };
    let mut out = json!({});
    if let Some(u) = data.get("lastUpdated").filter(|v| !v.is_null()) {
        out["lastUpdated"] = u.clone();
    }
    out["loras"] = Value::Array(scoped);
    out["models"] = match data.get("models") {
        Some(m) if !m.is_null() => m.clone(),
        _ => json!(lora_capable_models(&loras)),
    };
    let (n, lo, hi) = DEFAULT_LORA_CONSTRAINTS;
    out["constraints"] = match data.get("constraints") {
        Some(c) if !c.is_null() => c.clone(),
        _ => json!({"maxPerRequest": n, "minStrength": lo, "maxStrength": hi}),
    };
    Ok(out)
}

/// `availableLoras({includePersonal: true})`: the personal catalog's rows (scoped to
/// `modelId`) appended, and their models merged into `models`.
pub fn merge_personal(catalog: &Value, personal: &Value, model_id: Option<&str>) -> Value {
    let mut out = catalog.clone();
    let personal_rows: Vec<Value> = personal
        .get("loras")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut loras = catalog["loras"].as_array().cloned().unwrap_or_default();
    loras.extend(
        personal_rows
            .iter()
            .filter(|r| model_id.is_none_or(|m| model_ids(r).any(|id| id == m)))
            .cloned(),
    );
    let mut models: Vec<String> = catalog["models"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    models.extend(lora_capable_models(&personal_rows));
    models.sort();
    models.dedup();
    out["loras"] = Value::Array(loras);
    out["models"] = json!(models);
    out
}

/// One LoRA of a catalog by id, or `null`.
pub fn find_lora(catalog: &Value, lora_id: &str) -> Value {
    catalog["loras"]
        .as_array()
        .and_then(|a| a.iter().find(|l| l["loraId"] == lora_id))
        .cloned()
        .unwrap_or(Value::Null)
}

/// `supportsLoras(modelId)`.
pub fn supports_loras(catalog: &Value, model_id: &str) -> bool {
    catalog["models"]
        .as_array()
        .is_some_and(|m| m.iter().any(|v| v == model_id))
}

// --- personal LoRAs -----------------------------------------------------------------------

/// Path of the personal library.
pub const PERSONAL_PATH: &str = "/v1/loras/personal";

/// `personalLoras.list()`.
pub fn personal_list() -> HttpCall {
    get(PERSONAL_PATH.into())
}

/// `personalLoras.get(id)`.
pub fn personal_get(id: &str) -> HttpCall {
    get(format!("{PERSONAL_PATH}/{}", encode_component(id)))
}

/// `personalLoras.import(params)`.
pub fn personal_import(params: &Value) -> HttpCall {
    let body = if params.is_object() {
        params.clone()
    } else {
        json!({})
    };
    HttpCall::new("POST", PERSONAL_PATH, ErrorStyle::Rest).body(body)
}

/// `personalLoras.remove(id)`.
pub fn personal_remove(id: &str) -> HttpCall {
    HttpCall::new(
        "DELETE",
        format!("{PERSONAL_PATH}/{}", encode_component(id)),
        ErrorStyle::Rest,
    )
}

/// `personalLoras.catalog()`.
pub fn personal_catalog() -> HttpCall {
    get(format!("{PERSONAL_PATH}/catalog"))
}

/// Reads `personalLoras.catalog({modelId})`: `{loras}` scoped to the model.
pub fn read_personal_catalog(answer: &HttpAnswer, model_id: Option<&str>) -> Result<Value, Error> {
    let data = rest_data(answer)?;
    let loras = data
        .get("loras")
        .and_then(Value::as_array)
        .ok_or_else(|| plain_error("personal LoRA catalog answer has no loras"))?;
    let rows: Vec<Value> = match model_id.filter(|m| !m.is_empty()) {
        Some(m) => loras
            .iter()
            .filter(|l| model_ids(l).any(|id| id == m))
            .cloned()
            .collect(),
        None => loras.clone(),
    };
    Ok(json!({"loras": rows}))
}

// --- reusable uploads ---------------------------------------------------------------------

/// `assets.list()`.
pub fn assets_list() -> HttpCall {
    get("/v1/assets".into())
}

/// `GET /v1/assets/capabilities` (`{enabled}`), read before automatic saves.
pub fn assets_capabilities() -> HttpCall {
    get("/v1/assets/capabilities".into())
}

/// `assets.remove(id)`.
pub fn assets_remove(id: &str) -> HttpCall {
    HttpCall::new(
        "DELETE",
        format!("/v1/assets/{}", encode_component(id)),
        ErrorStyle::Rest,
    )
}

/// `assets.bind(id, {projectId, type, id?})`.
pub fn assets_bind(id: &str, binding: &Value) -> HttpCall {
    let body = if binding.is_object() {
        binding.clone()
    } else {
        json!({})
    };
    HttpCall::new(
        "POST",
        format!("/v1/assets/{}/bind", encode_component(id)),
        ErrorStyle::Rest,
    )
    .body(body)
}

/// `POST /v1/assets/prepare {sha256, bytes, contentType, name}`.
pub fn assets_prepare(sha256: &str, bytes: f64, content_type: &str, name: &str) -> HttpCall {
    HttpCall::new("POST", "/v1/assets/prepare", ErrorStyle::Rest).body(json!({
        "sha256": sha256,
        "bytes": crate::projects::js::number(bytes),
        "contentType": content_type,
        "name": name,
    }))
}

/// `POST /v1/assets/{id}/finalize` (default `{}` body).
pub fn assets_finalize(id: &str) -> HttpCall {
    HttpCall::new(
        "POST",
        format!("/v1/assets/{}/finalize", encode_component(id)),
        ErrorStyle::Rest,
    )
    .body(json!({}))
}

/// Can `upload` take a file of this size (1 byte to 100 MiB)?
pub fn asset_size_ok(bytes: f64) -> bool {
    bytes > 0.0 && bytes <= MAX_ASSET_BYTES
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_rows_merge_into_the_catalog() {
        let catalog = json!({"loras": [{"loraId": "a", "modelIds": ["m1"]}], "models": ["m1"]});
        let personal = json!({"loras": [{"loraId": "personal-1", "modelIds": ["m2"]}, {"loraId": "personal-2", "modelIds": ["m1"]}]});
        let all = merge_personal(&catalog, &personal, None);
        assert_eq!(all["models"], json!(["m1", "m2"]));
        assert_eq!(all["loras"].as_array().unwrap().len(), 3);
        let m1 = merge_personal(&catalog, &personal, Some("m1"));
        assert_eq!(m1["loras"].as_array().unwrap().len(), 2);
        assert_eq!(find_lora(&all, "personal-1")["modelIds"], json!(["m2"]));
        assert!(supports_loras(&all, "m2"));
        assert_eq!(hex(&[0, 255]), "00ff");
    }
}
