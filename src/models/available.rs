//! `projects.availableModels`: models with workers online, from a `swarmModels` map joined
//! with the model list for names and media.

use serde::Serialize;
use serde_json::Value;

/// One model with workers online (official `AvailableModel`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct AvailableModel {
    /// Model id.
    pub id: String,
    /// Display name (the id with `-` as spaces when the list has no entry).
    pub name: String,
    /// Workers online for it.
    pub worker_count: f64,
    /// `image`, `video`, `audio` or `model`.
    pub media: String,
}

/// Joins a `swarmModels` payload (`{id: workerCount}`) with `/api/v1/models/list`.
pub fn available_models(workers: &Value, supported: &Value) -> Vec<AvailableModel> {
    let list = supported.as_array().map(Vec::as_slice).unwrap_or(&[]);
    let Some(map) = workers.as_object() else {
        return Vec::new();
    };
    map.iter()
        .map(|(id, count)| {
            let known = list.iter().find(|s| s["id"] == id.as_str());
            AvailableModel {
                id: id.clone(),
                name: known
                    .and_then(|k| k["name"].as_str())
                    .map_or_else(|| id.replace('-', " "), str::to_string),
                worker_count: count.as_f64().unwrap_or(0.0),
                media: known
                    .and_then(|k| k["media"].as_str())
                    .unwrap_or("image")
                    .to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn joins_names_and_media_and_falls_back_like_the_official_sdk() {
        let models = available_models(
            &json!({"flux1-schnell-fp8": 3, "odd-model-x": 1}),
            &json!([{"id": "flux1-schnell-fp8", "name": "Flux", "media": "image"}]),
        );
        let flux = models.iter().find(|m| m.id == "flux1-schnell-fp8").unwrap();
        assert_eq!(
            (flux.name.as_str(), flux.worker_count, flux.media.as_str()),
            ("Flux", 3.0, "image")
        );
        let odd = models.iter().find(|m| m.id == "odd-model-x").unwrap();
        assert_eq!(
            (odd.name.as_str(), odd.media.as_str()),
            ("odd model x", "image")
        );
        assert!(available_models(&json!(null), &json!([])).is_empty());
    }
}
