//! `ImageProjectParams`: what `sogni.projects.create({type: 'image', …})` accepts.
//!
//! Media inputs (`startingImage`, `controlNet.image`, `contextImages[]`, `gptImageMask`,
//! `leftViewImage`/`backViewImage`/`rightViewImage`) are `File | Buffer | Blob | true` in JS.
//! The wasm layer keeps the bytes for the uploads and hands the core only whether each one
//! is present: [`ImageProjectParams::from_value`] reads those flags from a JSON copy of the
//! params in which every media value was replaced by `true` (or left falsy), and the
//! `#[serde(skip)]` fields below carry them.

use super::fields::params_struct;
use serde_json::Value;

use super::js;
use crate::{Error, Result};

params_struct! {
    /// ControlNet settings of an image project (`controlNet`).
    pub struct ControlNetParams {
        /// ControlNet model short name, e.g. `canny`.
        pub name: Option<String> = "name",
        /// 0..1; 0 gives full control to the prompt, 1 to the ControlNet.
        pub strength: Option<f64> = "strength",
        /// `balanced`, `prompt_priority` or `cn_priority`.
        pub mode: Option<String> = "mode",
        /// First step (0..1) the ControlNet applies to.
        pub guidance_start: Option<f64> = "guidanceStart",
        /// Last step (0..1) the ControlNet applies to.
        pub guidance_end: Option<f64> = "guidanceEnd",
    }
    flags {}
}

params_struct! {
    /// Parameters of an image project, field for field as the official `ImageProjectParams`.
    pub struct ImageProjectParams {
        /// Always `image` for this struct.
        pub project_type: String = "type",
        /// Model id, e.g. `flux1-schnell-fp8`.
        pub model_id: String = "modelId",
        /// Number of images (`numberOfMedia || 1` on the wire).
        pub number_of_media: Option<f64> = "numberOfMedia",
        /// What to create.
        pub positive_prompt: Option<String> = "positivePrompt",
        /// What to avoid; sent only when non-empty.
        pub negative_prompt: Option<String> = "negativePrompt",
        /// Style prompt; sent only when non-empty.
        pub style_prompt: Option<String> = "stylePrompt",
        /// Diffusion steps.
        pub steps: Option<f64> = "steps",
        /// Guidance scale (`guidanceScale` on the wire).
        pub guidance: Option<f64> = "guidance",
        /// `fast` or `relaxed`; overrides the account's network.
        pub network: Option<String> = "network",
        /// Ask the server not to filter NSFW results.
        pub disable_nsfw_filter: Option<bool> = "disableNSFWFilter",
        /// Seed (a uint32).
        pub seed: Option<f64> = "seed",
        /// `sogni` or `spark`.
        pub token_type: Option<String> = "tokenType",
        /// `auto`, `subscription` or `tokens`.
        pub billing_mode: Option<String> = "billingMode",
        /// App/source label for server-side attribution.
        pub app_source: Option<String> = "appSource",
        /// Input-hash receipt, validated and lower-cased on the wire.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
        pub world_generation_receipt: Option<Value> = "worldGenerationReceipt",
        /// Per-project workload attribution. Not read by the request builder: resolve it (with
        /// the client defaults) into [`super::request::RequestContext::attribution`].
        #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
        pub attribution: Option<Value> = "attribution",
        /// LoRA ids, in application order.
        pub loras: Option<Vec<String>> = "loras",
        /// Strength per LoRA, positionally matched.
        pub lora_strengths: Option<Vec<f64>> = "loraStrengths",
        /// Number of previews (they cost money).
        pub number_of_previews: Option<f64> = "numberOfPreviews",
        /// SAM 3 selection prompt (`sam3_image_segment_bf16` only); validated as the SDK does.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
        pub sam3_prompt: Option<Value> = "sam3Prompt",
        /// BiRefNet: return an RGBA cutout (`birefnet_image_background_removal_fp16` only).
        #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
        pub apply_mask: Option<Value> = "applyMask",
        /// Effect of the starting image, 0..1 (default 0.5).
        pub starting_image_strength: Option<f64> = "startingImageStrength",
        /// Sampler alias, one of the model options' `sampler.allowed`.
        pub sampler: Option<String> = "sampler",
        /// Scheduler alias, one of the model options' `scheduler.allowed`.
        pub scheduler: Option<String> = "scheduler",
        /// VAE file name (Comfy models with a VAE list).
        pub vae: Option<String> = "vae",
        /// Size preset id, or `custom` with `width`/`height`.
        pub size_preset: Option<String> = "sizePreset",
        /// Custom width in pixels.
        pub width: Option<f64> = "width",
        /// Custom height in pixels.
        pub height: Option<f64> = "height",
        /// ControlNet settings.
        pub control_net: Option<ControlNetParams> = "controlNet",
        /// `png`, `jpg` or `webp` (default `png`).
        pub output_format: Option<String> = "outputFormat",
        /// GPT Image quality preset.
        pub gpt_image_quality: Option<String> = "gptImageQuality",
        /// GPT Image background mode.
        pub gpt_image_background: Option<String> = "gptImageBackground",
        /// GPT Image JPEG/WebP compression, 0..100.
        pub gpt_image_output_compression: Option<f64> = "gptImageOutputCompression",
        /// GPT Image mask URL (a `data:` URI is turned into an upload before the request).
        pub gpt_image_mask_url: Option<String> = "gptImageMaskUrl",
        /// Pixal3D graph selector (`pixal3d_int8_i23d` only).
        pub template_variant: Option<String> = "templateVariant",
        /// Pixal3D texture size, 1024..4096.
        pub texture_size: Option<f64> = "textureSize",
        /// Pixal3D decimation target, 5000..700000.
        pub mesh_target_faces: Option<f64> = "meshTargetFaces",
        /// Pixal3D normal map size, 512..2048.
        pub normal_map_size: Option<f64> = "normalMapSize",
        /// Pixal3D ambient occlusion map size, 256..1024.
        pub ambient_occlusion_size: Option<f64> = "ambientOcclusionSize",
        /// Pixal3D shape resolution, 1024..1536.
        pub shape_resolution: Option<f64> = "shapeResolution",
    }
    flags {
        /// `startingImage` is set (media or `true`).
        pub has_starting_image: bool,
        /// `controlNet.image` is set.
        pub control_net_has_image: bool,
        /// One entry per element of the `contextImages` array, `true` where the element is set.
        /// Kept per element (not a count) because a hole keeps its slot number on the wire.
        pub context_images: Vec<bool>,
        /// `gptImageMask` (media) is set.
        pub has_gpt_image_mask: bool,
        /// `leftViewImage`: `None` when absent, `Some(truthy)` when the key is present.
        pub left_view_image: Option<bool>,
        /// `backViewImage`, as [`Self::left_view_image`].
        pub back_view_image: Option<bool>,
        /// `rightViewImage`, as [`Self::left_view_image`].
        pub right_view_image: Option<bool>,
    }
}

/// Keys whose values are media inputs; [`ImageProjectParams::from_value`] reads them as flags.
pub const MEDIA_KEYS: [&str; 6] = [
    "startingImage",
    "contextImages",
    "gptImageMask",
    "leftViewImage",
    "backViewImage",
    "rightViewImage",
];

/// Utility workflows that return one mask per source image.
pub const SAM3_MODEL_ID: &str = "sam3_image_segment_bf16";
/// BiRefNet background removal.
pub const BIREFNET_MODEL_ID: &str = "birefnet_image_background_removal_fp16";
/// Pixal3D single-view image-to-3D.
pub const PIXAL3D_MODEL_ID: &str = "pixal3d_int8_i23d";
/// Pixal3D multi-view image-to-3D.
pub const PIXAL3D_MULTIVIEW_MODEL_ID: &str = "pixal3d_multiview_int8_i23d";

/// SAM 3 or BiRefNet: one deterministic mask per source.
pub fn is_segmentation_model(model_id: &str) -> bool {
    model_id == SAM3_MODEL_ID || model_id == BIREFNET_MODEL_ID
}

/// A Pixal3D image-to-3D workflow.
pub fn is_pixal3d_model(model_id: &str) -> bool {
    model_id == PIXAL3D_MODEL_ID || model_id == PIXAL3D_MULTIVIEW_MODEL_ID
}

/// A model whose result is a 3D artifact (`pixal3d_*`).
pub fn is_model_artifact_model(model_id: &str) -> bool {
    model_id.starts_with("pixal3d_")
}

impl ImageProjectParams {
    /// Reads params from a JSON copy of the JS object in which media values were replaced by
    /// `true` (or kept falsy): the media keys become the flag fields, everything else is
    /// deserialized. A wrong type gives `INVALID_PARAMS`.
    pub fn from_value(value: &Value) -> Result<Self> {
        let obj = value
            .as_object()
            .ok_or_else(|| Error::invalid("INVALID_PARAMS", "Project params must be an object"))?;
        // The media keys are not among the read fields (nor `controlNet.image`).
        let mut params = Self::read_fields(obj)?;
        let flag = |key: &str| obj.get(key).is_some_and(js::truthy);
        params.has_starting_image = flag("startingImage");
        params.has_gpt_image_mask = flag("gptImageMask");
        params.control_net_has_image = obj
            .get("controlNet")
            .and_then(|cn| cn.get("image"))
            .is_some_and(js::truthy);
        params.context_images = match obj.get("contextImages") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().map(js::truthy).collect(),
            Some(_) => {
                return Err(Error::invalid(
                    "INVALID_PARAMS",
                    "contextImages must be an array of images",
                ))
            }
        };
        params.left_view_image = obj.get("leftViewImage").map(js::truthy);
        params.back_view_image = obj.get("backViewImage").map(js::truthy);
        params.right_view_image = obj.get("rightViewImage").map(js::truthy);
        Ok(params)
    }

    /// Number of `contextImages` entries (the array length, as the official limit check uses).
    pub fn context_image_count(&self) -> usize {
        self.context_images.len()
    }

    /// The normalization `projects.create()` applies before building the project: SAM 3 and
    /// BiRefNet always make one PNG mask without previews, Pixal3D makes no previews. The
    /// project's own params (result count, MIME type) must use the normalized values.
    pub fn normalized_for_create(mut self) -> Self {
        if is_segmentation_model(&self.model_id) {
            self.number_of_media = Some(1.0);
            self.number_of_previews = Some(0.0);
            self.output_format = Some("png".into());
        }
        if is_model_artifact_model(&self.model_id) {
            self.number_of_previews = Some(0.0);
        }
        self
    }

    /// `numberOfMedia || 1`: how many results the project waits for.
    pub fn media_count(&self) -> f64 {
        match self.number_of_media {
            Some(n) if js::truthy_number(Some(n)) => n,
            _ => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn media_keys_become_flags() {
        let p = ImageProjectParams::from_value(&json!({
            "type": "image",
            "modelId": "m",
            "positivePrompt": "p",
            "numberOfMedia": 2,
            "startingImage": true,
            "contextImages": [true, null, {"blob": 1}],
            "controlNet": {"name": "canny", "image": true, "strength": 0.5},
            "disableNSFWFilter": true,
            "backViewImage": false,
            "gptImageMask": 0
        }))
        .unwrap();
        assert!(p.has_starting_image);
        assert!(p.control_net_has_image);
        assert!(!p.has_gpt_image_mask);
        assert_eq!(p.context_images, vec![true, false, true]);
        assert_eq!(p.context_image_count(), 3);
        assert_eq!(p.disable_nsfw_filter, Some(true));
        assert_eq!(p.back_view_image, Some(false));
        assert_eq!(p.left_view_image, None);
        assert_eq!(p.control_net.as_ref().unwrap().strength, Some(0.5));
        assert_eq!(p.media_count(), 2.0);
    }

    #[test]
    fn wrong_types_are_invalid_params() {
        let err =
            ImageProjectParams::from_value(&json!({"type": "image", "steps": "x"})).unwrap_err();
        assert_eq!(err.code(), "INVALID_PARAMS");
        let err = ImageProjectParams::from_value(&json!([])).unwrap_err();
        assert_eq!(err.code(), "INVALID_PARAMS");
        let err = ImageProjectParams::from_value(&json!({"contextImages": true})).unwrap_err();
        assert_eq!(err.code(), "INVALID_PARAMS");
    }

    #[test]
    fn create_normalization() {
        let p = ImageProjectParams {
            model_id: SAM3_MODEL_ID.into(),
            number_of_media: Some(3.0),
            output_format: Some("jpg".into()),
            ..Default::default()
        }
        .normalized_for_create();
        assert_eq!(p.number_of_media, Some(1.0));
        assert_eq!(p.number_of_previews, Some(0.0));
        assert_eq!(p.output_format.as_deref(), Some("png"));
        let p = ImageProjectParams {
            model_id: PIXAL3D_MODEL_ID.into(),
            number_of_previews: Some(4.0),
            ..Default::default()
        }
        .normalized_for_create();
        assert_eq!(p.number_of_previews, Some(0.0));
        assert_eq!(
            ImageProjectParams {
                number_of_media: Some(0.0),
                ..Default::default()
            }
            .media_count(),
            1.0
        );
    }
}
