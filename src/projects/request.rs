//! The `jobRequest` socket message of an image project, built as the official
//! `createJobRequestMessage` builds it (same keys, same values), with the official checks
//! and a few extra ones (listed on [`image_job_request`]).

use serde_json::{json, Map, Value};

use super::js;
use super::params::{
    is_pixal3d_model, is_segmentation_model, ImageProjectParams, BIREFNET_MODEL_ID,
    PIXAL3D_MODEL_ID, PIXAL3D_MULTIVIEW_MODEL_ID, SAM3_MODEL_ID,
};
use super::rules::{self, CONTROLNET_NAMES};
use super::sam3::normalize_sam3_prompt;
use crate::models::tiers::{validate_sampler, validate_scheduler, validate_vae, ModelOptions};
use crate::{Error, Result};

/// Client-level inputs of the request that are not project params.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestContext {
    /// The client's default `appSource`, used when the params carry none.
    pub app_source: Option<String>,
    /// Resolved workload-attribution wire fields (`workloadKind`, `operationId`, …),
    /// flattened onto the top level of the request.
    pub attribution: Vec<(String, String)>,
}

/// Pixal3D options that may only reduce work: key, min, max.
const PIXAL3D_LIMITS: [(&str, f64, f64); 5] = [
    ("textureSize", 1024.0, 4096.0),
    ("meshTargetFaces", 5000.0, 700000.0),
    ("normalMapSize", 512.0, 2048.0),
    ("ambientOcclusionSize", 256.0, 1024.0),
    ("shapeResolution", 1024.0, 1536.0),
];
const PIXAL3D_TEMPLATE_VARIANTS: [&str; 1] = ["i23d-birefnet"];
const MAX_SEED: f64 = 4_294_967_295.0;

fn unsupported(message: String) -> Error {
    Error::invalid("UNSUPPORTED_PARAM", message)
}

fn bad_param(message: impl Into<String>) -> Error {
    Error::invalid("INVALID_PARAMS", message)
}

/// Builds the `jobRequest` for an image project.
///
/// Official checks (same messages as 5.54): model type (`INVALID_MODEL`), sampler /
/// scheduler / VAE against the model options, SAM 3 / BiRefNet / Pixal3D rules, ControlNet
/// strength, mode and guidance range (`INVALID_CONTROLNET`), custom size bounds
/// (`INVALID_SIZE`), GPT Image options, the world-generation receipt, and — done by the
/// official `create()` after the message is built — the context-image limit
/// (`TOO_MANY_CONTEXT_IMAGES`).
///
/// Extra checks the official SDK does not make, each on a value that cannot render:
/// - `numberOfMedia` must be a non-negative integer (`0` still means 1, as officially);
///   `INVALID_NUMBER_OF_MEDIA`. Skipped for SAM 3/BiRefNet, which always make one mask.
/// - `numberOfPreviews` must be a non-negative integer; `INVALID_PREVIEWS` (skipped where
///   previews are forced to 0).
/// - `steps` must be an integer inside the model's tier range; `INVALID_STEPS`.
/// - `seed` must be an integer in `0..=4294967295` (the documented uint32); `INVALID_SEED`.
/// - with a starting image, `startingImageStrength` must be in `0..=1`; `INVALID_STRENGTH`
///   (`0` is accepted and, as officially, means the default 0.5).
/// - custom `width`/`height` must be integers; `INVALID_SIZE` (the spec says the SDK checks
///   integers; 5.54 only checks the range).
/// - `controlNet.name` must be one of the official `ControlNetName`s and `guidanceStart`
///   may not exceed `guidanceEnd`; `INVALID_CONTROLNET`.
pub fn image_job_request(
    params: &ImageProjectParams,
    project_id: &str,
    options: &ModelOptions,
    ctx: &RequestContext,
) -> Result<Value> {
    let receipt =
        rules::normalize_world_generation_receipt(params.world_generation_receipt.as_ref())?;
    let mut kf = template_key_frame();
    put_opt_number(&mut kf, "steps", params.steps);
    put_opt_number(&mut kf, "guidanceScale", params.guidance);
    kf.insert("modelID".into(), Value::from(params.model_id.as_str()));
    put_opt_number(&mut kf, "seed", params.seed);
    match &params.positive_prompt {
        Some(p) => kf.insert("positivePrompt".into(), Value::from(p.as_str())),
        None => kf.remove("positivePrompt"),
    };
    if let Some(p) = js::truthy_str(params.negative_prompt.as_deref()) {
        kf.insert("negativePrompt".into(), Value::from(p));
    }
    if let Some(p) = js::truthy_str(params.style_prompt.as_deref()) {
        kf.insert("stylePrompt".into(), Value::from(p));
    }
    if let Some(loras) = params.loras.as_ref().filter(|l| !l.is_empty()) {
        kf.insert("loras".into(), json!(loras));
    }
    if let Some(s) = params.lora_strengths.as_ref().filter(|l| !l.is_empty()) {
        kf.insert(
            "loraStrengths".into(),
            Value::Array(s.iter().map(|v| js::number(*v)).collect()),
        );
    }
    if let Some(r) = receipt {
        kf.insert("worldGenerationReceipt".into(), r);
    }

    if params.project_type != "image" {
        let message = if ["video", "audio"].contains(&params.project_type.as_str()) {
            "image_job_request builds image projects only."
        } else {
            "Invalid project type. Must be \"image\", \"video\", or \"audio\"."
        };
        return Err(Error::invalid("INVALID_PROJECT_TYPE", message));
    }
    if !matches!(options, ModelOptions::Image(_)) {
        return Err(Error::invalid(
            "INVALID_MODEL",
            "Invalid model type. Model does not support image generation. Please use a different model.",
        ));
    }
    apply_image_params(&mut kf, params, options)?;

    let model = params.model_id.as_str();
    let mut req = template_request();
    req.insert("keyFrames".into(), Value::Array(vec![Value::Object(kf)]));
    let previews = if is_segmentation_model(model) || is_pixal3d_model(model) {
        Value::from(0)
    } else {
        or_number(params.number_of_previews, 0.0)
    };
    req.insert("previews".into(), previews);
    let count = if is_segmentation_model(model) {
        Value::from(1)
    } else {
        or_number(params.number_of_media, 1.0)
    };
    req.insert("numberOfImages".into(), count);
    req.insert("jobID".into(), Value::from(project_id));
    req.insert(
        "disableSafety".into(),
        Value::Bool(params.disable_nsfw_filter == Some(true)),
    );
    if let Some(t) = &params.token_type {
        req.insert("tokenType".into(), Value::from(t.as_str()));
    }
    if let Some(b) = &params.billing_mode {
        req.insert("billingMode".into(), Value::from(b.as_str()));
    }
    let output_format = if is_pixal3d_model(model) {
        "glb"
    } else if is_segmentation_model(model) {
        "png"
    } else {
        js::truthy_str(params.output_format.as_deref()).unwrap_or("png")
    };
    req.insert("outputFormat".into(), Value::from(output_format));
    for (k, v) in &ctx.attribution {
        req.insert(k.clone(), Value::from(v.as_str()));
    }
    if let Some(n) = js::truthy_str(params.network.as_deref()) {
        req.insert("network".into(), Value::from(n));
    }
    let app_source = js::truthy_str(params.app_source.as_deref())
        .or_else(|| js::truthy_str(ctx.app_source.as_deref()));
    if let Some(a) = app_source {
        req.insert("appSource".into(), Value::from(a));
    }

    // Done by the official `create()` right after building the message.
    let max = rules::max_context_images(model);
    if params.context_images.len() > max {
        return Err(Error::invalid(
            "TOO_MANY_CONTEXT_IMAGES",
            format!("Up to {max} context images are supported for this model"),
        ));
    }
    extra_checks(params, options)?;
    Ok(Value::Object(req))
}

/// `applyImageParams`: the image-only keyframe fields, in the official order of checks.
fn apply_image_params(
    kf: &mut Map<String, Value>,
    p: &ImageProjectParams,
    options: &ModelOptions,
) -> Result<()> {
    let model = p.model_id.as_str();
    for index in 1..=16 {
        let set = p.context_images.get(index - 1).copied().unwrap_or(false);
        kf.insert(format!("hasContextImage{index}"), Value::Bool(set));
    }
    let opt_str = |v: Option<String>| v.map_or(Value::Null, Value::String);
    let sampler = validate_sampler(p.sampler.as_deref(), options)?;
    let scheduler = validate_scheduler(p.scheduler.as_deref(), options)?;
    if rules::is_comfy_model(model) {
        kf.insert("comfySampler".into(), opt_str(sampler));
        kf.insert("comfyScheduler".into(), opt_str(scheduler));
        kf.insert(
            "vae".into(),
            opt_str(validate_vae(p.vae.as_deref(), options)?),
        );
    } else {
        // Legacy (Forge/CoreML) workers read the sampler from `scheduler` and the
        // scheduler from `timeStepSpacing`.
        kf.insert("scheduler".into(), opt_str(sampler));
        kf.insert("timeStepSpacing".into(), opt_str(scheduler));
    }

    if p.has_starting_image {
        let keep = p
            .starting_image_strength
            .filter(|s| js::truthy_number(Some(*s)))
            .unwrap_or(0.5);
        kf.insert("hasStartingImage".into(), Value::Bool(true));
        kf.insert("strengthIsEnabled".into(), Value::Bool(true));
        kf.insert("strength".into(), js::number(1.0 - keep));
    }

    apply_utility_workflows(kf, p)?;

    if let Some(cn) = &p.control_net {
        let mut raw = Map::new();
        if let Some(name) = &cn.name {
            raw.insert("name".into(), Value::from(name.as_str()));
        }
        raw.insert("cnImageState".into(), Value::from("original"));
        raw.insert("hasImage".into(), Value::Bool(p.control_net_has_image));
        let unit = |v: f64, name: &str| {
            rules::validate_number("INVALID_CONTROLNET", v, Some(0.0), Some(1.0), name)
        };
        if let Some(s) = cn.strength {
            raw.insert("controlStrength".into(), js::number(unit(s, "strength")?));
        }
        if let Some(mode) = js::truthy_str(cn.mode.as_deref()) {
            let code = match mode {
                "balanced" => 0,
                "prompt_priority" => 1,
                "cn_priority" => 2,
                other => {
                    return Err(Error::invalid(
                        "INVALID_CONTROLNET",
                        format!("Invalid control mode {other}"),
                    ))
                }
            };
            raw.insert("controlMode".into(), Value::from(code));
        }
        if let Some(s) = cn.guidance_start {
            raw.insert(
                "controlGuidanceStart".into(),
                js::number(unit(s, "guidanceStart")?),
            );
        }
        if let Some(e) = cn.guidance_end {
            raw.insert(
                "controlGuidanceEnd".into(),
                js::number(unit(e, "guidanceEnd")?),
            );
        }
        kf.insert("currentControlNetsJob".into(), json!([raw]));
    }

    let has_size = js::truthy_number(p.width) && js::truthy_number(p.height);
    let preset = match p.size_preset.as_deref() {
        Some(s) if !s.is_empty() => Some(s),
        _ if has_size => Some("custom"),
        other => other,
    };
    match preset {
        Some(s) => kf.insert("sizePreset".into(), Value::from(s)),
        None => kf.remove("sizePreset"),
    };
    if preset == Some("custom") && has_size {
        let w = rules::validate_custom_image_size(p.width.unwrap_or_default(), model, "Width")?;
        let h = rules::validate_custom_image_size(p.height.unwrap_or_default(), model, "Height")?;
        kf.insert("width".into(), js::number(w));
        kf.insert("height".into(), js::number(h));
    }

    rules::validate_gpt_image_options(p)?;
    if p.has_gpt_image_mask {
        kf.insert("hasReferenceMask".into(), Value::Bool(true));
        kf.insert("referenceMaskContentType".into(), Value::from("image/png"));
    }
    if let Some(url) = &p.gpt_image_mask_url {
        kf.insert("gptImageMaskUrl".into(), Value::from(url.as_str()));
    }
    if let Some(q) = &p.gpt_image_quality {
        kf.insert("gptImageQuality".into(), Value::from(q.as_str()));
    }
    if let Some(b) = &p.gpt_image_background {
        kf.insert("gptImageBackground".into(), Value::from(b.as_str()));
    }
    if let Some(c) = p.gpt_image_output_compression {
        kf.insert("gptImageOutputCompression".into(), js::number(c));
    }
    Ok(())
}

/// SAM 3, BiRefNet and Pixal3D: required inputs, model-only fields, orbit-view slots.
fn apply_utility_workflows(kf: &mut Map<String, Value>, p: &ImageProjectParams) -> Result<()> {
    let model = p.model_id.as_str();
    let missing_image = |m: &str| Error::invalid("MISSING_STARTING_IMAGE", m.to_string());
    if model == SAM3_MODEL_ID {
        if !p.has_starting_image {
            return Err(missing_image(
                "SAM3 image segmentation requires startingImage",
            ));
        }
        let prompt = p
            .sam3_prompt
            .as_ref()
            .filter(|v| js::truthy(v))
            .ok_or_else(|| {
                Error::invalid(
                    "INVALID_SAM3_PROMPT",
                    "SAM3 image segmentation requires sam3Prompt",
                )
            })?;
        kf.insert("sam3Prompt".into(), normalize_sam3_prompt(prompt)?);
    } else if p.sam3_prompt.is_some() {
        return Err(unsupported(format!(
            "sam3Prompt is only supported by {SAM3_MODEL_ID}"
        )));
    }

    if model == BIREFNET_MODEL_ID {
        if !p.has_starting_image {
            return Err(missing_image(
                "BiRefNet background removal requires startingImage",
            ));
        }
        if p.apply_mask.as_ref().is_some_and(|v| !v.is_boolean()) {
            return Err(bad_param("applyMask must be a boolean"));
        }
        kf.insert(
            "applyMask".into(),
            Value::Bool(p.apply_mask == Some(Value::Bool(true))),
        );
    } else if p.apply_mask.is_some() {
        return Err(unsupported(format!(
            "applyMask is only supported by {BIREFNET_MODEL_ID}"
        )));
    }

    let multiview = model == PIXAL3D_MULTIVIEW_MODEL_ID;
    if is_pixal3d_model(model) && !p.has_starting_image {
        return Err(missing_image(if multiview {
            "Pixal3D multi-view reconstruction requires startingImage (the front view)"
        } else {
            "Pixal3D reconstruction requires startingImage"
        }));
    }
    if is_pixal3d_model(model) && p.context_images.iter().any(|set| *set) {
        return Err(unsupported(if multiview {
            format!("{PIXAL3D_MULTIVIEW_MODEL_ID} takes its orbit views as leftViewImage, backViewImage and rightViewImage, not contextImages")
        } else {
            format!("{PIXAL3D_MODEL_ID} reconstructs from startingImage alone and does not support contextImages; use {PIXAL3D_MULTIVIEW_MODEL_ID} for more views")
        }));
    }
    let views = [
        ("leftViewImage", p.left_view_image, 1),
        ("backViewImage", p.back_view_image, 2),
        ("rightViewImage", p.right_view_image, 3),
    ];
    for (view, value, _) in views {
        let Some(set) = value else { continue };
        if !multiview {
            return Err(unsupported(if model == PIXAL3D_MODEL_ID {
                format!("{PIXAL3D_MODEL_ID} reconstructs from startingImage alone and ignores {view}; use {PIXAL3D_MULTIVIEW_MODEL_ID} for orbit views")
            } else {
                format!("{view} is only supported by {PIXAL3D_MULTIVIEW_MODEL_ID}")
            }));
        }
        if !set {
            return Err(bad_param(format!(
                "{view} must be an image; leave it unset to omit that view"
            )));
        }
    }
    for (_, value, slot) in views {
        if value == Some(true) {
            kf.insert(format!("hasContextImage{slot}"), Value::Bool(true));
        }
    }

    if let Some(variant) = &p.template_variant {
        if model != PIXAL3D_MODEL_ID {
            return Err(unsupported(format!(
                "templateVariant is only supported by {PIXAL3D_MODEL_ID}"
            )));
        }
        if !PIXAL3D_TEMPLATE_VARIANTS.contains(&variant.as_str()) {
            return Err(bad_param(format!(
                "templateVariant must be one of: {}",
                PIXAL3D_TEMPLATE_VARIANTS.join(", ")
            )));
        }
        kf.insert("templateVariant".into(), Value::from(variant.as_str()));
    }
    let requested = [
        p.texture_size,
        p.mesh_target_faces,
        p.normal_map_size,
        p.ambient_occlusion_size,
        p.shape_resolution,
    ];
    for ((key, min, max), value) in PIXAL3D_LIMITS.into_iter().zip(requested) {
        let Some(v) = value else { continue };
        if !is_pixal3d_model(model) {
            return Err(unsupported(format!(
                "{key} is only supported by {PIXAL3D_MODEL_ID} and {PIXAL3D_MULTIVIEW_MODEL_ID}"
            )));
        }
        if !js::is_safe_integer(v) || v < min || v > max {
            return Err(bad_param(format!(
                "{key} must be an integer from {} to {}",
                js::number_to_string(min),
                js::number_to_string(max)
            )));
        }
        kf.insert(key.into(), js::number(v));
    }
    Ok(())
}

/// The checks the official SDK does not make (see [`image_job_request`]).
fn extra_checks(p: &ImageProjectParams, options: &ModelOptions) -> Result<()> {
    let model = p.model_id.as_str();
    let whole = |v: f64| js::is_integer(v) && v >= 0.0;
    if let Some(n) = p.number_of_media.filter(|_| !is_segmentation_model(model)) {
        if !whole(n) {
            return Err(Error::invalid(
                "INVALID_NUMBER_OF_MEDIA",
                format!(
                    "numberOfMedia must be a non-negative integer, got {}",
                    js::number_to_string(n)
                ),
            ));
        }
    }
    let previews_used = !is_segmentation_model(model) && !is_pixal3d_model(model);
    if let Some(n) = p.number_of_previews.filter(|_| previews_used) {
        if !whole(n) {
            return Err(Error::invalid(
                "INVALID_PREVIEWS",
                format!(
                    "numberOfPreviews must be a non-negative integer, got {}",
                    js::number_to_string(n)
                ),
            ));
        }
    }
    if let Some(steps) = p.steps {
        let range = options.steps();
        let in_range = range.is_none_or(|r| steps >= r.min && steps <= r.max);
        if !js::is_integer(steps) || !in_range {
            let bounds = range.map_or(String::new(), |r| {
                format!(
                    " from {} to {}",
                    js::number_to_string(r.min),
                    js::number_to_string(r.max)
                )
            });
            return Err(Error::invalid(
                "INVALID_STEPS",
                format!(
                    "steps must be an integer{bounds} for {model}, got {}",
                    js::number_to_string(steps)
                ),
            ));
        }
    }
    if let Some(seed) = p.seed {
        if !js::is_integer(seed) || !(0.0..=MAX_SEED).contains(&seed) {
            return Err(Error::invalid(
                "INVALID_SEED",
                format!(
                    "seed must be an integer from 0 to 4294967295, got {}",
                    js::number_to_string(seed)
                ),
            ));
        }
    }
    if let Some(s) = p.starting_image_strength.filter(|_| p.has_starting_image) {
        if !(0.0..=1.0).contains(&s) {
            return Err(Error::invalid(
                "INVALID_STRENGTH",
                format!(
                    "startingImageStrength must be between 0 and 1, got {}",
                    js::number_to_string(s)
                ),
            ));
        }
    }
    let custom = p
        .size_preset
        .as_deref()
        .is_none_or(|s| s.is_empty() || s == "custom");
    if custom && js::truthy_number(p.width) && js::truthy_number(p.height) {
        for (name, v) in [("Width", p.width), ("Height", p.height)] {
            let v = v.unwrap_or_default();
            if !js::is_integer(v) {
                return Err(Error::invalid(
                    "INVALID_SIZE",
                    format!("{name} must be an integer, got {}", js::number_to_string(v)),
                ));
            }
        }
    }
    if let Some(cn) = &p.control_net {
        let name = cn.name.as_deref().unwrap_or("");
        if !CONTROLNET_NAMES.contains(&name) {
            return Err(Error::invalid(
                "INVALID_CONTROLNET",
                format!(
                    "Invalid ControlNet name {name}. Must be one of \"{}\".",
                    CONTROLNET_NAMES.join("\", \"")
                ),
            ));
        }
        if let (Some(start), Some(end)) = (cn.guidance_start, cn.guidance_end) {
            if start > end {
                return Err(Error::invalid(
                    "INVALID_CONTROLNET",
                    format!(
                        "guidanceStart ({}) must not be greater than guidanceEnd ({})",
                        js::number_to_string(start),
                        js::number_to_string(end)
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn put_opt_number(map: &mut Map<String, Value>, key: &str, value: Option<f64>) {
    match value {
        Some(v) => map.insert(key.into(), js::number(v)),
        // The template's value is overwritten with `undefined`, which JSON drops.
        None => map.remove(key),
    };
}

/// `value || fallback` for a JS number.
fn or_number(value: Option<f64>, fallback: f64) -> Value {
    js::number(
        value
            .filter(|v| js::truthy_number(Some(*v)))
            .unwrap_or(fallback),
    )
}

/// Top-level template fields; the comment in the SDK says Mac workers need all of them.
pub(crate) fn template_request() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "selectedUpscalingModel": "OFF",
        "cnVideoFramesSketch": [],
        "cnVideoFramesSegmentedSubject": [],
        "cnVideoFramesFace": [],
        "doCanvasBlending": false,
        "animationIsOn": false,
        "cnVideoFramesBoth": [],
        "cnVideoFramesDepth": [],
        "previews": 5,
        "frameRate": 24,
        "generatedVideoSeconds": 10,
        "canvasIsOn": false,
        "cnVideoFrames": [],
        "disableSafety": false,
        "cnVideoFramesSegmentedBackground": [],
        "cnVideoFramesSegmented": [],
        "numberOfImages": 1,
        "cnVideoFramesPose": [],
        "jobID": "",
        "siVideoFrames": []
    }) else {
        unreachable!("literal object")
    };
    map
}

/// Keyframe template fields (constants the workers expect to find).
pub(crate) fn template_key_frame() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "stepsIsEnabled": true,
        "siRotation": 0,
        "siDragOffsetIsEnabled": true,
        "strength": 0.5,
        "siZoomScaleIsEnabled": true,
        "isEnabled": true,
        "processing": "CPU, GPU",
        "useLastImageAsGuideImageInAnimation": true,
        "guidanceScaleIsEnabled": true,
        "siImageBackgroundColor": "black",
        "cnDragOffset": [0, 0],
        "scheduler": null,
        "timeStepSpacing": null,
        "steps": 20,
        "cnRotation": 0,
        "guidanceScale": 7.5,
        "siZoomScale": 1,
        "modelID": "",
        "cnRotationIsEnabled": true,
        "negativePrompt": "",
        "startingImageZoomPanIsOn": false,
        "siRotationIsEnabled": true,
        "cnImageBackgroundColor": "clear",
        "strengthIsEnabled": true,
        "siDragOffset": [0, 0],
        "useLastImageAsCNImageInAnimation": false,
        "positivePrompt": "",
        "controlNetZoomPanIsOn": false,
        "cnZoomScaleIsEnabled": true,
        "currentControlNets": null,
        "stylePrompt": "",
        "cnDragOffsetIsEnabled": true,
        "frameIndex": 0,
        "startingImage": null,
        "cnZoomScale": 1
    }) else {
        unreachable!("literal object")
    };
    map
}
