//! Cost estimates: the socket-host GET paths `projects.estimateCost()`,
//! `estimateVideoCost()` ([`video_estimate_path`]) and `estimateAudioCost()`
//! ([`audio_estimate_path`]) build, and the [`CostEstimation`] they return from the reply.
//!
//! Image: `/api/v2/job/estimate/{tokenType}/{network}/{model}/{imageCount}/{stepCount}/
//! {previewCount}/{cn}/{denoise}/{width}/{height}`, switched to `/api/v3/…` with
//! `/{guidance}/{sampler}/{contextImages}` appended when a sampler or a context-image count
//! is given, plus `?gptImageQuality=&outputFormat=&billingMode=` when set. Path segments
//! are not URL-encoded; numbers print as JS prints them.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::js;
use crate::models::tiers::{validate_sampler, ModelOptions};
use crate::{Error, Result};

/// What `projects.estimateCost(request)` takes (official `EstimateRequest`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct EstimateRequest {
    /// `fast` (default) or `relaxed`.
    pub network: Option<String>,
    /// `spark` (default) or `sogni`.
    pub token_type: Option<String>,
    /// Model id.
    #[serde(default)]
    pub model: String,
    /// Number of images.
    pub image_count: Option<f64>,
    /// Number of steps.
    pub step_count: Option<f64>,
    /// Number of previews.
    pub preview_count: Option<f64>,
    /// ControlNet in use.
    pub cn_enabled: Option<bool>,
    /// Starting-image strength 0..1 (the path carries `1 - strength`).
    pub starting_image_strength: Option<f64>,
    /// Size preset id; its size comes from the model's size presets.
    pub size_preset: Option<String>,
    /// Width when no preset is used.
    pub width: Option<f64>,
    /// Height when no preset is used.
    pub height: Option<f64>,
    /// Guidance; only sent on the v3 path.
    pub guidance: Option<f64>,
    /// Sampler alias; switches to the v3 path.
    pub sampler: Option<String>,
    /// Number of context images; switches to the v3 path when present, even as `null`
    /// (outer `Some`), as the official `contextImages !== undefined` does.
    #[serde(default, deserialize_with = "present")]
    pub context_images: Option<Option<f64>>,
    /// GPT Image quality, sent as a query parameter.
    pub gpt_image_quality: Option<String>,
    /// Output format, sent as a query parameter.
    pub output_format: Option<String>,
    /// Billing intent, sent as a query parameter.
    pub billing_mode: Option<String>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

impl EstimateRequest {
    /// The size preset to look up before [`image_estimate_path`] (`None` when the request
    /// names none): fetch `/api/v1/size-presets/network/{network}/model/{model}` and pass
    /// the matching preset's size.
    pub fn size_preset_to_resolve(&self) -> Option<&str> {
        js::truthy_str(self.size_preset.as_deref())
    }

    /// The network the estimate is for (`fast` when unset).
    pub fn network_or_default(&self) -> &str {
        self.network.as_deref().unwrap_or("fast")
    }
}

/// What an estimate resolves to (official `CostEstimation`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct CostEstimation {
    /// Cost in the selected token.
    pub token: String,
    /// Cost in USD.
    pub usd: String,
    /// Cost in Spark.
    pub spark: String,
    /// Cost in SOGNI.
    pub sogni: String,
    /// Live-benchmarked render seconds for one unit of work, when the server has samples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_render_seconds: Option<f64>,
    /// Render plus queue wait seconds, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_total_seconds: Option<f64>,
    /// Share of the subscriber's daily fair-use capacity, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_fair_use_pct: Option<f64>,
}

fn segment(n: Option<f64>) -> String {
    // `Array.prototype.join` writes `undefined` as an empty segment.
    n.map(js::number_to_string).unwrap_or_default()
}

/// Builds the estimate path (with query) exactly as the official `estimateCost`.
///
/// `preset_size` is the `(width, height)` of the preset named by
/// [`EstimateRequest::size_preset_to_resolve`], or `None` when the model has no such preset
/// (`INVALID_SIZE_PRESET`, "Invalid size preset"). A sampler is validated against the model
/// options (`INVALID_SAMPLER`); a model without samplers leaves that segment empty
/// (`…/0//3`: `Array.join` writes `null` as nothing — the spec's "writes `null`" is wrong).
pub fn image_estimate_path(
    req: &EstimateRequest,
    options: &ModelOptions,
    preset_size: Option<(u32, u32)>,
) -> Result<String> {
    let mut segments: Vec<String> = vec![
        js::truthy_str(req.token_type.as_deref())
            .unwrap_or("spark")
            .to_string(),
        req.network_or_default().to_string(),
        req.model.clone(),
        segment(req.image_count),
        segment(req.step_count),
        segment(req.preview_count),
        if req.cn_enabled == Some(true) {
            "1"
        } else {
            "0"
        }
        .to_string(),
        match req.starting_image_strength {
            Some(s) if js::truthy_number(Some(s)) => js::number_to_string(1.0 - s),
            _ => "0".to_string(),
        },
    ];
    if req.size_preset_to_resolve().is_some() {
        let (w, h) = preset_size
            .ok_or_else(|| Error::invalid("INVALID_SIZE_PRESET", "Invalid size preset"))?;
        segments.push(w.to_string());
        segments.push(h.to_string());
    } else if js::truthy_number(req.width) && js::truthy_number(req.height) {
        segments.push(segment(req.width));
        segments.push(segment(req.height));
    } else {
        segments.push("0".into());
        segments.push("0".into());
    }
    let sampler = js::truthy_str(req.sampler.as_deref());
    let mut version = 2;
    if sampler.is_some() || req.context_images.is_some() {
        version = 3;
        segments.push(js::number_to_string(
            req.guidance
                .filter(|g| js::truthy_number(Some(*g)))
                .unwrap_or(0.0),
        ));
        segments.push(match sampler {
            Some(s) => validate_sampler(Some(s), options)?.unwrap_or_default(),
            None => "_".into(),
        });
        segments.push(js::number_to_string(
            req.context_images
                .flatten()
                .filter(|c| js::truthy_number(Some(*c)))
                .unwrap_or(0.0),
        ));
    }
    let mut query: Vec<(&str, String)> = Vec::new();
    for (key, value) in [
        ("gptImageQuality", &req.gpt_image_quality),
        ("outputFormat", &req.output_format),
        ("billingMode", &req.billing_mode),
    ] {
        if let Some(v) = js::truthy_str(value.as_deref()) {
            query.push((key, v.to_string()));
        }
    }
    let mut path = format!("/api/v{version}/job/estimate/{}", segments.join("/"));
    if !query.is_empty() {
        path.push('?');
        path.push_str(&js::form_urlencode(&query));
    }
    Ok(path)
}

/// What `projects.estimateVideoCost(request)` takes (official `VideoEstimateRequest`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct VideoEstimateRequest {
    /// FlashVSR source width; sent (with `sourceHeight`) when both are present.
    #[serde(default, deserialize_with = "present")]
    pub source_width: Option<Option<f64>>,
    /// FlashVSR source height.
    #[serde(default, deserialize_with = "present")]
    pub source_height: Option<Option<f64>>,
    /// `spark` or `sogni` (the path carries `undefined` when unset, as officially).
    pub token_type: Option<String>,
    /// Model id.
    #[serde(default)]
    pub model: String,
    /// Output width.
    pub width: Option<f64>,
    /// Output height.
    pub height: Option<f64>,
    /// Duration in seconds; the frame count is computed from it unless `frames` is set.
    pub duration: Option<f64>,
    /// Frame count (deprecated; used as-is when non-zero).
    pub frames: Option<f64>,
    /// Frames per second.
    pub fps: Option<f64>,
    /// Steps; appends `/{steps}/{numberOfMedia}` when set.
    pub steps: Option<f64>,
    /// Number of videos (default 1).
    pub number_of_media: Option<f64>,
    /// Price Seedance with the video-input rate band.
    pub has_video_input: Option<bool>,
    /// Image references of the estimated job (floored; negative values are dropped).
    pub reference_image_count: Option<f64>,
    /// MiniMax H3 r2v reference videos.
    pub reference_video_count: Option<f64>,
    /// MiniMax H3 r2v combined reference-video seconds.
    pub reference_video_duration_seconds: Option<f64>,
    /// Any truthy value implies video-input pricing.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
    pub reference_video: Option<Value>,
    /// A non-empty array implies video-input pricing.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "string[]"))]
    pub reference_video_urls: Option<Value>,
    /// Network the job will render on (default: the connection's network).
    pub network: Option<String>,
    /// Billing intent.
    pub billing_mode: Option<String>,
    /// Retired; rejected when present.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
    pub output_scale: Option<Value>,
}

/// What `projects.estimateAudioCost(request)` takes (official `AudioEstimateRequest`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default)]
pub struct AudioEstimateRequest {
    /// `spark` or `sogni`.
    pub token_type: Option<String>,
    /// Model id.
    #[serde(default)]
    pub model: String,
    /// Seconds of audio.
    pub duration: Option<f64>,
    /// Inference steps.
    pub steps: Option<f64>,
    /// Number of tracks.
    pub number_of_media: Option<f64>,
    /// Network the job will render on (default: the connection's network).
    pub network: Option<String>,
    /// Billing intent.
    pub billing_mode: Option<String>,
}

/// `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` is %-encoded.
fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A path segment: `encodeURIComponent(String(value))`, `undefined` when unset.
fn uri_segment(value: Option<&str>) -> String {
    encode_uri_component(value.unwrap_or("undefined"))
}

fn uri_number(value: Option<f64>) -> String {
    uri_segment(value.map(js::number_to_string).as_deref())
}

/// `params.network ?? connectionNetwork`, sent when truthy.
fn network_query<'a>(network: Option<&'a str>, current: Option<&'a str>) -> Option<&'a str> {
    js::truthy_str(network.or(current))
}

fn with_query(path: String, query: &[(&str, String)]) -> String {
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", js::form_urlencode(query))
    }
}

/// Builds the socket-host GET path of `estimateVideoCost` exactly as 5.54:
/// `/api/v1/job-video/estimate/{tokenType}/{model}/{width}/{height}/{frames}/{fps}`, plus
/// `/{steps}/{numberOfMedia}` when `steps` is set (else `/0/{numberOfMedia}` when that is
/// not 1), each segment `encodeURIComponent`-ed (unset → `undefined`, a missing duration
/// gives `NaN` frames), and the query `sourceWidth`, `sourceHeight`, `hasVideoInput`,
/// `referenceImageCount`, `referenceVideoCount`, `referenceVideoDurationSeconds`,
/// `network` (the request's, else `current_network`, the network the server last
/// announced for the connection), `billingMode`. A present `outputScale` is refused.
pub fn video_estimate_path(
    req: &VideoEstimateRequest,
    current_network: Option<&str>,
) -> Result<String> {
    super::video::reject_output_scale(req.output_scale.as_ref())?;
    let frames = match req.frames {
        Some(f) if js::truthy_number(Some(f)) => f,
        _ => super::video::calculate_video_frames(
            &req.model,
            req.duration.unwrap_or(f64::NAN),
            req.fps.unwrap_or(f64::NAN),
        ),
    };
    let media = req.number_of_media.unwrap_or(1.0);
    let mut segments = vec![
        uri_segment(req.token_type.as_deref()),
        uri_segment(Some(&req.model)),
        uri_number(req.width),
        uri_number(req.height),
        uri_number(Some(frames)),
        uri_number(req.fps),
    ];
    if req.steps.is_some() || media != 1.0 {
        segments.push(uri_number(Some(req.steps.unwrap_or(0.0))));
        segments.push(uri_number(Some(media)));
    }
    let mut query: Vec<(&str, String)> = Vec::new();
    let n = js::number_to_string;
    if let (Some(w), Some(h)) = (req.source_width, req.source_height) {
        let text = |v: Option<f64>| v.map_or_else(|| "null".to_string(), n);
        query.push(("sourceWidth", text(w)));
        query.push(("sourceHeight", text(h)));
    }
    let has_video_input = req.has_video_input == Some(true)
        || req.reference_video.as_ref().is_some_and(js::truthy)
        || req
            .reference_video_urls
            .as_ref()
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
    if has_video_input {
        query.push(("hasVideoInput", "1".into()));
    }
    let counts = [
        ("referenceImageCount", req.reference_image_count, true),
        ("referenceVideoCount", req.reference_video_count, true),
        (
            "referenceVideoDurationSeconds",
            req.reference_video_duration_seconds,
            false,
        ),
    ];
    for (key, value, floor) in counts {
        if let Some(v) = value.filter(|v| v.is_finite() && *v >= 0.0) {
            query.push((key, n(if floor { v.floor() } else { v })));
        }
    }
    if let Some(net) = network_query(req.network.as_deref(), current_network) {
        query.push(("network", net.to_string()));
    }
    if let Some(b) = js::truthy_str(req.billing_mode.as_deref()) {
        query.push(("billingMode", b.to_string()));
    }
    let path = format!("/api/v1/job-video/estimate/{}", segments.join("/"));
    Ok(with_query(path, &query))
}

/// Builds the socket-host GET path of `estimateAudioCost` exactly as 5.54:
/// `/api/v1/job-audio/estimate/{tokenType}/{model}/{duration}/{steps}/{numberOfMedia}`
/// (`encodeURIComponent`-ed, unset → `undefined`) with the query `network` (the request's,
/// else `current_network`) and `billingMode`.
pub fn audio_estimate_path(
    req: &AudioEstimateRequest,
    current_network: Option<&str>,
) -> Result<String> {
    let segments = [
        uri_segment(req.token_type.as_deref()),
        uri_segment(Some(&req.model)),
        uri_number(req.duration),
        uri_number(req.steps),
        uri_number(req.number_of_media),
    ];
    let mut query: Vec<(&str, String)> = Vec::new();
    if let Some(net) = network_query(req.network.as_deref(), current_network) {
        query.push(("network", net.to_string()));
    }
    if let Some(b) = js::truthy_str(req.billing_mode.as_deref()) {
        query.push(("billingMode", b.to_string()));
    }
    let path = format!("/api/v1/job-audio/estimate/{}", segments.join("/"));
    Ok(with_query(path, &query))
}

fn cost_field(project: &Value, key: &str) -> Result<String> {
    match project.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(js::number_to_string(n.as_f64().unwrap_or(f64::NAN))),
        _ => Err(Error::Protocol {
            message: format!("estimate reply has no quote.project.{key}"),
        }),
    }
}

/// Reads a `/job/estimate` reply: `quote.project` costs, plus the 5.54 `benchmark` times
/// and `dailyFairUse.pct` when present.
pub fn cost_from_estimate(body: &Value) -> Result<CostEstimation> {
    let project = body
        .get("quote")
        .and_then(|q| q.get("project"))
        .filter(|p| p.is_object())
        .ok_or_else(|| Error::Protocol {
            message: "estimate reply has no quote.project".into(),
        })?;
    let num = |v: Option<&Value>| v.and_then(Value::as_f64);
    let benchmark = body.get("benchmark");
    Ok(CostEstimation {
        token: cost_field(project, "costInToken")?,
        usd: cost_field(project, "costInUSD")?,
        spark: cost_field(project, "costInSpark")?,
        sogni: cost_field(project, "costInSogni")?,
        estimated_render_seconds: num(benchmark.and_then(|b| b.get("estimatedRenderTimeSec"))),
        estimated_total_seconds: num(benchmark.and_then(|b| b.get("estimatedTotalTimeSec"))),
        daily_fair_use_pct: num(body.get("dailyFairUse").and_then(|d| d.get("pct"))),
    })
}

/// `estimateEnhancementCost(strength, tokenType = 'spark')`: the request it estimates
/// (Flux Schnell, 5 steps, one image; strength `light` 0.15, `heavy` 0.49, else 0.35).
pub fn enhancement_estimate_request(strength: &str, token_type: Option<&str>) -> EstimateRequest {
    let strength = match strength {
        "light" => 0.15,
        "heavy" => 0.49,
        _ => 0.35,
    };
    EstimateRequest {
        network: Some("fast".into()),
        token_type: Some(token_type.unwrap_or("spark").to_string()),
        model: "flux1-schnell-fp8".into(),
        image_count: Some(1.0),
        step_count: Some(5.0),
        preview_count: Some(0.0),
        cn_enabled: Some(false),
        starting_image_strength: Some(strength),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cost_reads_quote_and_optional_extras() {
        let c = cost_from_estimate(&json!({"quote": {"project": {
            "costInToken": "1.2", "costInUSD": "0.006", "costInSpark": "1.2", "costInSogni": "0.5"}}}))
        .unwrap();
        assert_eq!(c.token, "1.2");
        assert_eq!(c.sogni, "0.5");
        assert_eq!(c.estimated_render_seconds, None);
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(
            v,
            json!({"token": "1.2", "usd": "0.006", "spark": "1.2", "sogni": "0.5"})
        );
        assert!(matches!(
            cost_from_estimate(&json!({"quote": {}})),
            Err(Error::Protocol { .. })
        ));
    }

    #[test]
    fn enhancement_request_path() {
        let options = crate::models::tiers::map_tier(
            "t",
            &json!({"steps": {"min": 1, "max": 12, "default": 4}}),
        )
        .unwrap();
        let req = enhancement_estimate_request("light", None);
        assert_eq!(
            image_estimate_path(&req, &options, None).unwrap(),
            "/api/v2/job/estimate/spark/fast/flux1-schnell-fp8/1/5/0/0/0.85/0/0"
        );
        let req = enhancement_estimate_request("medium", Some("sogni"));
        assert_eq!(
            image_estimate_path(&req, &options, None).unwrap(),
            "/api/v2/job/estimate/sogni/fast/flux1-schnell-fp8/1/5/0/0/0.65/0/0"
        );
    }

    #[test]
    fn uri_components() {
        assert_eq!(
            encode_uri_component("a b/é?&=~'()*"),
            "a%20b%2F%C3%A9%3F%26%3D~'()*"
        );
        assert_eq!(uri_number(None), "undefined");
        assert_eq!(uri_number(Some(f64::NAN)), "NaN");
        assert_eq!(uri_number(Some(2.5)), "2.5");
    }

    #[test]
    fn context_images_null_still_switches_to_v3() {
        let req: EstimateRequest = serde_json::from_value(json!({
            "model": "m", "imageCount": 1, "stepCount": 4, "previewCount": 0, "contextImages": null
        }))
        .unwrap();
        assert_eq!(req.context_images, Some(None));
        let req: EstimateRequest = serde_json::from_value(json!({"model": "m"})).unwrap();
        assert_eq!(req.context_images, None);
    }
}
