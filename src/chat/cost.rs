//! LLM cost estimation (`chat.estimateCost()`), as computed client-side by the official
//! SDK before it asks the socket host for a quote.
//!
//! - Input tokens: `ceil(JSON.stringify(messages).length / 4)`, with the messages after
//!   vision normalisation and every image URL replaced by `"[image]"`.
//! - Output tokens: `max_tokens` when it is a finite number; else, for `think: true` with
//!   a `coding`/`reasoning` task profile, the model's `maxOutputTokens.thinkingComplexDefault`;
//!   else the model's `maxOutputTokens.default`; else 4096. Model info comes from the
//!   `swarmLLMModels` event ([`llm_models_from_swarm`]).
//! - Quote: `GET /api/v1/job-llm/estimate/{tokenType||'sogni'}/{model}/{in}/{out}`, every
//!   segment `encodeURIComponent`-ed; the answer's `quote` numbers are the result.
//!
//! The settled cost of a finished job arrives in `llmJobResult.cost` and is passed through
//! unchanged by [`super::stream`].

use serde_json::{Map, Value};

use super::js;
use super::params::params_object;
use super::vision::{normalize_vision_messages, RemoteImages};
use crate::projects::js::number_to_string;
use crate::Result;

/// Output tokens assumed when neither the params nor the model say.
pub const DEFAULT_MAX_OUTPUT_TOKENS: f64 = 4096.0;

/// `swarmLLMModels` → `chat.models`: a bare number (legacy worker count) becomes
/// `{workers: n}`, model info objects are kept as they are.
pub fn llm_models_from_swarm(data: &Value) -> Value {
    let mut models = Map::new();
    for (id, info) in data.as_object().into_iter().flatten() {
        let info = match info {
            Value::Number(_) => {
                let mut m = Map::new();
                m.insert("workers".into(), info.clone());
                Value::Object(m)
            }
            other => other.clone(),
        };
        models.insert(id.clone(), info);
    }
    Value::Object(models)
}

/// The messages as counted: every `image_url` part becomes
/// `{type:'image_url', image_url:{url:'[image]', detail?}}`.
pub fn strip_image_data_for_estimation(messages: &Value) -> Value {
    let Some(list) = messages.as_array() else {
        return messages.clone();
    };
    Value::Array(
        list.iter()
            .map(|msg| {
                let Some(content) = msg.get("content").and_then(Value::as_array) else {
                    return msg.clone();
                };
                let parts = content
                    .iter()
                    .map(|part| {
                        if part.get("type").and_then(Value::as_str) != Some("image_url") {
                            return part.clone();
                        }
                        let mut image_url = Map::new();
                        image_url.insert("url".into(), Value::from("[image]"));
                        if let Some(d) = part["image_url"].get("detail").filter(|d| js::truthy(d)) {
                            image_url.insert("detail".into(), d.clone());
                        }
                        let mut p = Map::new();
                        p.insert("type".into(), Value::from("image_url"));
                        p.insert("image_url".into(), Value::Object(image_url));
                        Value::Object(p)
                    })
                    .collect();
                let mut m = msg.as_object().cloned().unwrap_or_default();
                m.insert("content".into(), Value::Array(parts));
                Value::Object(m)
            })
            .collect(),
    )
}

/// `ceil(JSON.stringify(strip(messages)).length / 4)` for already-normalised messages.
pub fn estimate_input_tokens(normalized_messages: &Value) -> u64 {
    let len = js::json_length(&strip_image_data_for_estimation(normalized_messages));
    len.div_ceil(4) as u64
}

fn finite(v: Option<&Value>) -> Option<f64> {
    v.and_then(|v| match v {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        _ => None,
    })
}

/// The output-token budget the estimate assumes (see the module docs). `models` is the
/// `chat.models` map.
pub fn estimated_max_output_tokens(params: &Value, models: &Value) -> f64 {
    if let Some(n) = finite(params.get("max_tokens")) {
        return n;
    }
    let model = params
        .get("model")
        .map_or_else(|| "undefined".to_string(), js::to_string);
    let limits = models.get(&model).and_then(|m| m.get("maxOutputTokens"));
    let complex = params.get("think") == Some(&Value::Bool(true))
        && matches!(
            params.get("taskProfile").and_then(Value::as_str),
            Some("coding" | "reasoning")
        );
    if complex {
        if let Some(n) = finite(limits.and_then(|l| l.get("thinkingComplexDefault"))) {
            return n;
        }
    }
    finite(limits.and_then(|l| l.get("default"))).unwrap_or(DEFAULT_MAX_OUTPUT_TOKENS)
}

/// The socket-host path `chat.estimateCost(params)` GETs: vision checks first (same
/// errors as a request), then `/api/v1/job-llm/estimate/{token}/{model}/{in}/{out}`.
pub fn llm_estimate_path(params: &Value, models: &Value, remote: &RemoteImages) -> Result<String> {
    let p = params_object(params)?;
    let messages = normalize_vision_messages(p.get("messages").unwrap_or(&Value::Null), remote)?;
    let token_type = p
        .get("tokenType")
        .filter(|t| js::truthy(t))
        .map_or_else(|| "sogni".to_string(), js::to_string);
    let model = p
        .get("model")
        .map_or_else(|| "undefined".to_string(), js::to_string);
    let segments = [
        token_type,
        model,
        estimate_input_tokens(&messages).to_string(),
        number_to_string(estimated_max_output_tokens(params, models)),
    ];
    let path: Vec<String> = segments
        .iter()
        .map(|s| js::encode_uri_component(s))
        .collect();
    Ok(format!("/api/v1/job-llm/estimate/{}", path.join("/")))
}

/// The `LLMCostEstimation` of an estimate answer: the `quote`'s `costInUSD`,
/// `costInSogni`, `costInSpark`, `costInToken`, `inputTokens` and `outputTokens`.
pub fn llm_cost_from_estimate(body: &Value) -> Value {
    let quote = body.get("quote");
    let mut out = Map::new();
    for key in [
        "costInUSD",
        "costInSogni",
        "costInSpark",
        "costInToken",
        "inputTokens",
        "outputTokens",
    ] {
        if let Some(v) = quote.and_then(|q| q.get(key)) {
            out.insert(key.into(), v.clone());
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_like_json_stringify() {
        let msgs = json!([{"role": "user", "content": "Hello!"}]);
        assert_eq!(estimate_input_tokens(&msgs), 9);
        let models = llm_models_from_swarm(
            &json!({"m": {"maxOutputTokens": {"default": 100, "thinkingComplexDefault": 900}}, "old": 3}),
        );
        assert_eq!(models["old"], json!({"workers": 3}));
        let params =
            json!({"model": "m", "messages": msgs, "think": true, "taskProfile": "coding"});
        assert_eq!(
            llm_estimate_path(&params, &models, &RemoteImages::new()).unwrap(),
            "/api/v1/job-llm/estimate/sogni/m/9/900"
        );
        assert_eq!(
            estimated_max_output_tokens(&json!({"model": "x", "max_tokens": 1e21}), &models),
            1e21
        );
    }
}
