//! Model-family rules of image projects, as in the official `lib/validation.ts`: which ids
//! are Comfy models, custom-size bounds, context-image limits, GPT Image options, the
//! world-generation receipt, and the `validateNumber` helper with its exact messages.

use serde_json::{json, Value};

use super::js;
use super::params::ImageProjectParams;
use crate::{Error, Result};

// 5.54 has three GPT Image ids; the 5.17-based spec names only `gpt-image-2`.
const GPT_IMAGE_MODEL_IDS: [&str; 3] = [
    "gpt-image-2",
    "gpt-image-2.5-sunburst",
    "gpt-image-2.5-flare",
];

const EXTENDED_IMAGE_SIZE_MODEL_IDS: [&str; 7] = [
    "z_image_bf16",
    "z_image_turbo_bf16",
    "krea2_turbo_fp8_scaled",
    "qwen_image_edit_2511_fp8",
    "qwen_image_edit_2511_fp8_lightning",
    "qwen_image_2512_fp8",
    "qwen_image_2512_fp8_lightning",
];

const KREA_IDENTITY_EDIT_MODEL_IDS: [&str; 2] = [
    "krea2_identity_edit_v1_2",
    "dark_beast_krea2_identity_edit_v1_2",
];

const QWEN_IMAGE_MODEL_IDS: [&str; 4] = [
    "qwen_image_2512_fp8",
    "qwen_image_2512_fp8_lightning",
    "qwen_image_edit_2511_fp8",
    "qwen_image_edit_2511_fp8_lightning",
];

// 5.54 adds `flashvsr_` and `qwen3_tts_` to the list the 5.17-based spec gives.
const COMFY_PREFIXES: [&str; 11] = [
    "z_image_",
    "dark_beast_z_image_",
    "krea2_",
    "dark_beast_krea2_",
    "qwen_image_",
    "rtx_vsr_",
    "flashvsr_",
    "wan_",
    "ace_step",
    "minimax_music3",
    "qwen3_tts_",
];

/// ControlNet names the official `ControlNetName` type allows.
pub const CONTROLNET_NAMES: [&str; 15] = [
    "canny",
    "depth",
    "inpaint",
    "instrp2p",
    "lineart",
    "lineartanime",
    "mlsd",
    "normalbae",
    "openpose",
    "scribble",
    "segmentation",
    "shuffle",
    "softedge",
    "tile",
    "instantid",
];

/// A GPT Image model (external OpenAI image generation).
pub fn is_gpt_image_model(model_id: &str) -> bool {
    GPT_IMAGE_MODEL_IDS.contains(&model_id)
}

/// A ComfyUI model: its sampler/scheduler travel as `comfySampler`/`comfyScheduler`.
pub fn is_comfy_model(model_id: &str) -> bool {
    COMFY_PREFIXES.iter().any(|p| model_id.starts_with(p))
}

/// Inclusive custom width/height bounds of a model.
pub fn custom_image_size_bounds(model_id: &str) -> (f64, f64) {
    if model_id == "rtx_vsr_pro" {
        (512.0, 15360.0)
    } else if KREA_IDENTITY_EDIT_MODEL_IDS.contains(&model_id) {
        (512.0, 2048.0)
    } else if is_gpt_image_model(model_id) {
        (256.0, 3840.0)
    } else if EXTENDED_IMAGE_SIZE_MODEL_IDS.contains(&model_id) {
        (256.0, 2560.0)
    } else {
        (256.0, 2048.0)
    }
}

/// How many `contextImages` a model accepts (`getMaxContextImages`).
pub fn max_context_images(model_id: &str) -> usize {
    if is_gpt_image_model(model_id) {
        16
    } else if QWEN_IMAGE_MODEL_IDS.contains(&model_id) {
        3
    } else if KREA_IDENTITY_EDIT_MODEL_IDS.contains(&model_id) || model_id.contains("kontext") {
        2
    } else {
        3
    }
}

/// `validateNumber(value, {min, max, propertyName})` with the SDK's exact messages.
pub fn validate_number(
    code: &'static str,
    value: f64,
    min: Option<f64>,
    max: Option<f64>,
    property: &str,
) -> Result<f64> {
    if value.is_nan() {
        return Err(Error::invalid(
            code,
            format!("{property} must be a number, got NaN"),
        ));
    }
    if let Some(min) = min.filter(|m| value < *m) {
        return Err(Error::invalid(
            code,
            format!(
                "{property} must greater or equal {}, got {}",
                js::number_to_string(min),
                js::number_to_string(value)
            ),
        ));
    }
    if let Some(max) = max.filter(|m| value > *m) {
        return Err(Error::invalid(
            code,
            format!(
                "{property} must be less or equal {}, got {}",
                js::number_to_string(max),
                js::number_to_string(value)
            ),
        ));
    }
    Ok(value)
}

/// `validateCustomImageSize`: the per-model bounds, code `INVALID_SIZE`.
pub fn validate_custom_image_size(value: f64, model_id: &str, property: &str) -> Result<f64> {
    let (min, max) = custom_image_size_bounds(model_id);
    validate_number("INVALID_SIZE", value, Some(min), Some(max), property)
}

fn gpt(message: impl Into<String>) -> Error {
    Error::invalid("INVALID_GPT_IMAGE_OPTIONS", message)
}

/// `validateGptImageOptions`: masks only on GPT models, and the quality, background and
/// compression each GPT Image model supports.
pub fn validate_gpt_image_options(p: &ImageProjectParams) -> Result<()> {
    let model = p.model_id.as_str();
    let mask_url = p.gpt_image_mask_url.as_deref();
    if !is_gpt_image_model(model) {
        if p.has_gpt_image_mask || js::truthy_str(mask_url).is_some() {
            return Err(gpt("GPT Image masks require a GPT Image model"));
        }
        return Ok(());
    }
    if p.has_gpt_image_mask && js::truthy_str(mask_url).is_some() {
        return Err(gpt("Provide one GPT Image mask"));
    }
    if p.has_gpt_image_mask && p.context_images.is_empty() {
        return Err(gpt("GPT Image mask requires a first reference image"));
    }
    if p.context_images.len() > 16 || p.context_images.iter().any(|set| !set) {
        return Err(gpt(
            "GPT Image accepts up to 16 non-empty references in source order",
        ));
    }
    if let Some(url) = mask_url {
        if url.trim().is_empty() || p.context_images.is_empty() {
            return Err(gpt(
                "GPT Image mask requires a mask URL and a first reference image",
            ));
        }
    }
    let is25 = model != "gpt-image-2";
    match p.gpt_image_quality.as_deref() {
        Some("auto") => {
            return Err(gpt(format!(
                "Unsupported quality for {model}: auto. Choose low, medium or high{}.",
                if is25 { ", xhigh or max" } else { "" }
            )))
        }
        Some(q) => {
            let ok = ["low", "medium", "high", "standard", "hd"].contains(&q)
                || (is25 && ["xhigh", "max"].contains(&q));
            if !ok {
                return Err(gpt(format!("Unsupported quality for {model}: {q}")));
            }
        }
        None => {}
    }
    if let Some(b) = p.gpt_image_background.as_deref() {
        if !(["opaque", "auto"].contains(&b) || (is25 && b == "transparent")) {
            return Err(gpt(format!("Unsupported background for {model}: {b}")));
        }
    }
    let format = p.output_format.as_deref();
    if p.gpt_image_background.as_deref() == Some("transparent") && format == Some("jpg") {
        return Err(gpt("Transparent GPT Image output requires PNG or WebP"));
    }
    if let Some(c) = p.gpt_image_output_compression {
        if !js::is_integer(c) || !(0.0..=100.0).contains(&c) {
            return Err(gpt(
                "GPT Image output compression must be an integer from 0 to 100",
            ));
        }
        if format != Some("jpg") && format != Some("webp") {
            return Err(gpt("GPT Image output compression requires JPEG or WebP"));
        }
    }
    Ok(())
}

fn receipt_error(message: String) -> Error {
    Error::invalid("INVALID_RECEIPT", message)
}

/// `normalizeWorldGenerationReceipt`: `None` when unset; otherwise the receipt with its
/// SHA-256 digests checked and lower-cased.
pub fn normalize_world_generation_receipt(receipt: Option<&Value>) -> Result<Option<Value>> {
    let Some(receipt) = receipt.filter(|r| js::truthy(r)) else {
        return Ok(None);
    };
    let hash = |field: &str| -> Result<String> {
        match receipt.get(field).and_then(Value::as_str) {
            Some(s) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(s.to_ascii_lowercase())
            }
            _ => Err(receipt_error(format!(
                "worldGenerationReceipt.{field} must be a SHA-256 hex digest."
            ))),
        }
    };
    match receipt.get("stage").and_then(Value::as_str) {
        Some(stage @ "target_still") => Ok(Some(json!({
            "stage": stage,
            "sourceImageSha256": hash("sourceImageSha256")?,
            "selectionHash": hash("selectionHash")?,
        }))),
        Some(stage @ "transition") => Ok(Some(json!({
            "stage": stage,
            "firstFrameSha256": hash("firstFrameSha256")?,
            "lastFrameSha256": hash("lastFrameSha256")?,
        }))),
        _ => Err(receipt_error(
            "worldGenerationReceipt.stage must be target_still or transition.".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert!(is_comfy_model("z_image_turbo_bf16"));
        assert!(is_comfy_model("dark_beast_z_image_turbo_v9_bf16"));
        assert!(is_comfy_model("flashvsr_x"));
        assert!(!is_comfy_model("flux1-schnell-fp8"));
        assert!(!is_comfy_model("coreml-cyberrealistic_v70_768"));
        assert_eq!(max_context_images("gpt-image-2.5-sunburst"), 16);
        assert_eq!(max_context_images("qwen_image_2512_fp8"), 3);
        assert_eq!(max_context_images("flux1-kontext-dev"), 2);
        assert_eq!(max_context_images("krea2_identity_edit_v1_2"), 2);
        assert_eq!(max_context_images("flux1-schnell-fp8"), 3);
        assert_eq!(custom_image_size_bounds("rtx_vsr_pro"), (512.0, 15360.0));
        assert_eq!(
            custom_image_size_bounds("dark_beast_krea2_identity_edit_v1_2"),
            (512.0, 2048.0)
        );
    }

    #[test]
    fn validate_number_messages() {
        let e = validate_number("X", 0.5, Some(1.0), None, "Width").unwrap_err();
        assert_eq!(e.to_string(), "Width must greater or equal 1, got 0.5");
        let e = validate_number("X", 3.0, None, Some(2.5), "Height").unwrap_err();
        assert_eq!(e.to_string(), "Height must be less or equal 2.5, got 3");
        assert_eq!(
            validate_number("X", 2.0, Some(1.0), Some(3.0), "v").unwrap(),
            2.0
        );
    }
}
