//! Video projects: [`VideoProjectParams`], model-family and workflow detection, the frame
//! maths, the official 5.54 validations, the `jobRequest` ([`video_job_request`]) and the
//! reference uploads ([`video_upload_slots`]).
//!
//! Media inputs (`referenceImage`, `referenceImageEnd`, `referenceAudio`,
//! `referenceAudioIdentity`, `referenceVideo`, `referenceMask`, and the arrays
//! `contextImages`, `referenceVideos`, `referenceAudios`) are `File | Buffer | Blob | true`
//! in JS. As for image projects, the wasm layer keeps the bytes and hands the core a JSON
//! copy in which each one is `true` (or falsy); [`VideoProjectParams::from_value`] turns
//! them into the `#[serde(skip)]` flag fields.
//!
//! Where the 5.17-based spec and 5.54 disagree, this follows 5.54:
//! - the WAN set has no plain `wan_v2.2-14b-fp8_s2v` (only `…_s2v_lightx2v`), so that id
//!   is "not a video model" for the SDK; LTX ids are an explicit list, not a prefix;
//! - 5.54 adds Wan 3 (`wan3.0-*`, 2–30 s, fixed 30 fps), FlashVSR upscaling, MiniMax H3
//!   audio-guide workflows (`ia2v`/`flfa2v`/`a2v`), Seedance 2.5 task types and MOV/last
//!   frame export, and H3 r2v multi-reference arrays;
//! - Seedance 2.5 caps are 30/10/10/50 (the spec's table says total 30);
//! - the external-API families (no negative prompt, 24 fps default) include Wan 3;
//! - 5.54 has no "ControlNet only on `_v2v`" check: a ControlNet on another model is sent
//!   as given (the llms guide calls it a mistake; the SDK does not reject it).

use super::fields::params_struct;
use serde_json::{json, Map, Value};

use super::js;
use super::media::{UploadSlot, IMAGE_UPLOAD_URL_PATH, MEDIA_UPLOAD_URL_PATH};
use super::request::{template_key_frame, template_request, RequestContext};
use super::rules::{normalize_world_generation_receipt, validate_number};
use crate::models::tiers::{
    validate_sampler, validate_scheduler, ModelOptions, NumRange, VideoModelOptions,
};
use crate::{Error, Result};

params_struct! {
    /// Video control settings of an LTX v2v project (`controlNet`).
    pub struct VideoControlNetParams {
        /// `canny`, `pose`, `depth`, `detailer`, `outpaint` or `inpaint`.
        pub name: Option<String> = "name",
        /// Control strength 0..1.
        pub strength: Option<f64> = "strength",
    }
    flags {}
}

/// A media-array param (`contextImages`, `referenceVideos`, `referenceAudios`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MediaList {
    /// Not given (`undefined`).
    #[default]
    Absent,
    /// Given, but not an array (`null` included, as `!== undefined` counts it).
    NotArray,
    /// One truthiness flag per element; a hole keeps its position.
    Items(Vec<bool>),
}

impl MediaList {
    fn read(value: Option<&Value>) -> Self {
        match value {
            None => Self::Absent,
            Some(Value::Array(items)) => Self::Items(items.iter().map(js::truthy).collect()),
            Some(_) => Self::NotArray,
        }
    }

    /// The elements (empty unless an array was given).
    pub fn items(&self) -> &[bool] {
        match self {
            Self::Items(items) => items,
            _ => &[],
        }
    }

    /// Whether the param was given at all.
    pub fn is_present(&self) -> bool {
        *self != Self::Absent
    }
}

params_struct! {
    /// Parameters of a video project, field for field as the official `VideoProjectParams`.
    pub struct VideoProjectParams {
        /// Always `video` for this struct.
        pub project_type: String = "type",
        /// Model id, e.g. `ltx23-22b-fp8_t2v_distilled`.
        pub model_id: String = "modelId",
        /// Number of videos (`numberOfMedia || 1` on the wire).
        pub number_of_media: Option<f64> = "numberOfMedia",
        /// What to create.
        pub positive_prompt: Option<String> = "positivePrompt",
        /// What to avoid; sent only when non-empty and never for external-API or H3 models.
        pub negative_prompt: Option<String> = "negativePrompt",
        /// Style prompt; sent only when non-empty.
        pub style_prompt: Option<String> = "stylePrompt",
        /// Diffusion steps.
        pub steps: Option<f64> = "steps",
        /// Guidance scale (`guidanceScale` on the wire).
        pub guidance: Option<f64> = "guidance",
        /// `fast` or `relaxed`.
        pub network: Option<String> = "network",
        /// Ask the server not to filter NSFW results.
        pub disable_nsfw_filter: Option<bool> = "disableNSFWFilter",
        /// Seed.
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
        /// Per-project workload attribution; resolve it into [`RequestContext::attribution`].
        #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
        pub attribution: Option<Value> = "attribution",
        /// LoRA ids, in application order.
        pub loras: Option<Vec<String>> = "loras",
        /// Strength per LoRA, positionally matched.
        pub lora_strengths: Option<Vec<f64>> = "loraStrengths",
        /// FlashVSR output resolution, 1080 or 1440.
        pub upscale_resolution: Option<f64> = "upscaleResolution",
        /// FlashVSR `stable` or `sharper`.
        pub detail_preference: Option<String> = "detailPreference",
        /// FlashVSR `stable` or `faster`.
        pub processing_speed: Option<String> = "processingSpeed",
        /// Frame count (deprecated; replaced by the one computed from `duration`).
        pub frames: Option<f64> = "frames",
        /// Duration in seconds.
        pub duration: Option<f64> = "duration",
        /// Retired Wan 3 option; rejected when present.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
        pub smart_duration: Option<Value> = "smartDuration",
        /// Frames per second.
        pub fps: Option<f64> = "fps",
        /// Seedance 2.5 `reference`, `edit` or `extend`.
        pub seedance_task_type: Option<String> = "seedanceTaskType",
        /// Wan 3 task hint (the SDK ignores it; the media shape selects the operation).
        pub wan3_task_type: Option<String> = "wan3TaskType",
        /// Wan 3 aspect ratio.
        pub ratio: Option<String> = "ratio",
        /// Sampling shift.
        pub shift: Option<f64> = "shift",
        /// TeaCache threshold 0..1.
        pub teacache_threshold: Option<f64> = "teacacheThreshold",
        /// Public HTTPS image references (Seedance, HappyHorse, Wan 3).
        #[cfg_attr(target_arch = "wasm32", tsify(type = "string[]"))]
        pub reference_image_urls: Option<Value> = "referenceImageUrls",
        /// Public HTTPS audio references.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "string[]"))]
        pub reference_audio_urls: Option<Value> = "referenceAudioUrls",
        /// Public HTTPS video references.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "string[]"))]
        pub reference_video_urls: Option<Value> = "referenceVideoUrls",
        /// Wan 3 document reference (HTTPS).
        #[cfg_attr(target_arch = "wasm32", tsify(type = "string"))]
        pub reference_file_url: Option<Value> = "referenceFileUrl",
        /// Wan 3 web-page reference (HTTPS).
        #[cfg_attr(target_arch = "wasm32", tsify(type = "string"))]
        pub reference_link_url: Option<Value> = "referenceLinkUrl",
        /// Wan 3 prompt expansion.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "boolean"))]
        pub prompt_extend: Option<Value> = "promptExtend",
        /// Wan 3 watermark.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "boolean"))]
        pub watermark: Option<Value> = "watermark",
        /// Generate an audio track.
        pub generate_audio: Option<bool> = "generateAudio",
        /// LTX ID-LoRA identity strength (`identityGuidanceScale` on the wire).
        pub audio_identity_strength: Option<f64> = "audioIdentityStrength",
        /// Offset into the reference audio, seconds.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "number"))]
        pub audio_start: Option<Value> = "audioStart",
        /// Seconds of reference audio to use.
        pub audio_duration: Option<f64> = "audioDuration",
        /// Duration hints of the H3 r2v reference videos, seconds.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "number[]"))]
        pub reference_video_durations: Option<Value> = "referenceVideoDurations",
        /// LTX v2v control settings.
        pub control_net: Option<VideoControlNetParams> = "controlNet",
        /// LTX v2v detailer LoRA strength.
        pub detailer_strength: Option<f64> = "detailerStrength",
        /// Offset into the reference video, seconds.
        pub video_start: Option<f64> = "videoStart",
        /// Drop the last frame (seamless stitching).
        pub trim_end_frame: Option<bool> = "trimEndFrame",
        /// Width in pixels.
        pub width: Option<f64> = "width",
        /// Height in pixels.
        pub height: Option<f64> = "height",
        /// Sampler alias.
        pub sampler: Option<String> = "sampler",
        /// Scheduler alias.
        pub scheduler: Option<String> = "scheduler",
        /// LTX first-frame strength.
        pub first_frame_strength: Option<f64> = "firstFrameStrength",
        /// LTX last-frame strength.
        pub last_frame_strength: Option<f64> = "lastFrameStrength",
        /// `mp4` (default) or `mov` (Seedance 2.5).
        pub output_format: Option<String> = "outputFormat",
        /// Seedance 2.5: also export the last frame.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "boolean"))]
        pub return_last_frame: Option<Value> = "returnLastFrame",
        /// WAN animate-replace subject points `[{x, y}]`; JSON-stringified on the wire.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "{x: number; y: number}[]"))]
        pub sam2_coordinates: Option<Value> = "sam2Coordinates",
        /// LTX v2v outpaint anchor.
        pub outpaint_position: Option<String> = "outpaintPosition",
        /// Retired; rejected when present.
        #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
        pub output_scale: Option<Value> = "outputScale",
    }
    flags {
        /// `referenceImage` is set.
        pub reference_image: bool,
        /// `referenceImageEnd` is set.
        pub reference_image_end: bool,
        /// `referenceAudio` is set.
        pub reference_audio: bool,
        /// `referenceAudioIdentity` is set.
        pub reference_audio_identity: bool,
        /// `referenceVideo` is set.
        pub reference_video: bool,
        /// `referenceMask` is set.
        pub reference_mask: bool,
        /// `contextImages` (MiniMax H3 r2v only).
        pub context_images: MediaList,
        /// `referenceVideos` (MiniMax H3 r2v only).
        pub reference_videos: MediaList,
        /// `referenceAudios` (MiniMax H3 r2v only).
        pub reference_audios: MediaList,
    }
}

/// Keys whose values are media inputs; [`VideoProjectParams::from_value`] reads them as
/// flags.
pub const VIDEO_MEDIA_KEYS: [&str; 9] = [
    "referenceImage",
    "referenceImageEnd",
    "referenceAudio",
    "referenceAudioIdentity",
    "referenceVideo",
    "referenceMask",
    "contextImages",
    "referenceVideos",
    "referenceAudios",
];

/// The six single-media assets of the workflow requirement table, in the official order.
pub const VIDEO_ASSET_KEYS: [&str; 6] = [
    "referenceImage",
    "referenceImageEnd",
    "referenceAudio",
    "referenceAudioIdentity",
    "referenceVideo",
    "referenceMask",
];

/// Names the official `VideoControlNetName` type allows.
pub const VIDEO_CONTROLNET_NAMES: [&str; 6] =
    ["canny", "pose", "depth", "detailer", "outpaint", "inpaint"];

/// FlashVSR, the promptless video upscaler.
pub const FLASHVSR_VIDEO_UPSCALE_MODEL_ID: &str = "flashvsr_v1.1_tiny_long_bf16";
/// MiniMax H3 FastH3 first frame + audio to video.
pub const MINIMAX_H3_FASTH3_IA2V_MODEL_ID: &str = "minimax-h3-fastvideo-int8_ia2v_turbo";
/// MiniMax H3 FastH3 first and last frame + audio to video.
pub const MINIMAX_H3_FASTH3_FLFA2V_MODEL_ID: &str = "minimax-h3-fastvideo-int8_flfa2v_turbo";
/// MiniMax H3 FastH3 audio to video.
pub const MINIMAX_H3_FASTH3_A2V_MODEL_ID: &str = "minimax-h3-fastvideo-int8_a2v_turbo";

impl VideoProjectParams {
    /// Reads params from a JSON copy of the JS object in which media values were replaced by
    /// `true` (or kept falsy). A wrong type gives `INVALID_PARAMS`.
    pub fn from_value(value: &Value) -> Result<Self> {
        let obj = value
            .as_object()
            .ok_or_else(|| Error::invalid("INVALID_PARAMS", "Project params must be an object"))?;
        // The media keys are not among the read fields.
        let mut p = Self::read_fields(obj)?;
        let flag = |key: &str| obj.get(key).is_some_and(js::truthy);
        p.reference_image = flag("referenceImage");
        p.reference_image_end = flag("referenceImageEnd");
        p.reference_audio = flag("referenceAudio");
        p.reference_audio_identity = flag("referenceAudioIdentity");
        p.reference_video = flag("referenceVideo");
        p.reference_mask = flag("referenceMask");
        p.context_images = MediaList::read(obj.get("contextImages"));
        p.reference_videos = MediaList::read(obj.get("referenceVideos"));
        p.reference_audios = MediaList::read(obj.get("referenceAudios"));
        Ok(p)
    }

    /// The check `projects.create()` makes before anything else (even the model lookup):
    /// the retired `outputScale` is refused.
    pub fn reject_retired_output_scale(&self) -> Result<()> {
        reject_output_scale(self.output_scale.as_ref())
    }

    /// `numberOfMedia || 1`: how many results the project waits for.
    pub fn media_count(&self) -> f64 {
        match self.number_of_media {
            Some(n) if js::truthy_number(Some(n)) => n,
            _ => 1.0,
        }
    }

    fn asset(&self, index: usize) -> bool {
        [
            self.reference_image,
            self.reference_image_end,
            self.reference_audio,
            self.reference_audio_identity,
            self.reference_video,
            self.reference_mask,
        ][index]
    }

    fn uses_reference_mask(&self) -> bool {
        self.control_net
            .as_ref()
            .is_some_and(|c| c.name.as_deref() == Some("inpaint"))
    }
}

const RETIRED_OUTPUT_SCALE: &str = "outputScale is no longer supported. For MiniMax H3 1080p or 2K output use the two-stage model ids minimax-h3-fastvideo-int8_t2v_turbo_2stage, minimax-h3-fastvideo-int8_i2v_turbo_2stage or minimax-h3-fastvideo-int8_flf2v_turbo_2stage.";

/// `rejectRetiredOutputScale` (projects and video estimates).
pub(crate) fn reject_output_scale(value: Option<&Value>) -> Result<()> {
    match value {
        Some(_) => Err(Error::invalid("UNSUPPORTED_PARAM", RETIRED_OUTPUT_SCALE)),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Families, workflows, asset requirements
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Wan,
    Ltx,
    Seedance,
    HappyHorse,
    Wan3,
    H3,
    Upscale,
}

const WAN_IDS: [&str; 7] = [
    "wan_v2.2-14b-fp8_t2v",
    "wan_v2.2-14b-fp8_i2v",
    "wan_v2.2-14b-fp8_t2v_lightx2v",
    "wan_v2.2-14b-fp8_i2v_lightx2v",
    "wan_v2.2-14b-fp8_s2v_lightx2v",
    "wan_v2.2-14b-fp8_animate-move_lightx2v",
    "wan_v2.2-14b-fp8_animate-replace_lightx2v",
];
const SEEDANCE_IDS: [&str; 4] = [
    "seedance-2-0",
    "seedance-2-0-mini",
    "seedance-2-0-fast",
    "seedance-2-5",
];
const HAPPYHORSE_IDS: [&str; 3] = [
    "happyhorse-1.1-t2v",
    "happyhorse-1.1-i2v",
    "happyhorse-1.1-r2v",
];
const WAN3_IDS: [&str; 2] = ["wan3.0-video", "wan3.0-spicy-video"];
const H3_IDS: [&str; 26] = [
    "minimax-h3-fl2va-fp8_t2v",
    "minimax-h3-fl2va-fp8_i2v",
    "minimax-h3-fl2va-fp8_flf2v",
    "minimax-h3-ref2va-fp8_r2v",
    "minimax-h3-fl2va-fp8_t2v_turbo",
    "minimax-h3-fl2va-fp8_i2v_turbo",
    "minimax-h3-fl2va-fp8_flf2v_turbo",
    "minimax-h3-fastvideo-int8_t2v_turbo",
    "minimax-h3-fastvideo-int8_i2v_turbo",
    "minimax-h3-fastvideo-int8_flf2v_turbo",
    "minimax-h3-fastvideo-int8_t2v_turbo_2stage",
    "minimax-h3-fastvideo-int8_i2v_turbo_2stage",
    "minimax-h3-fastvideo-int8_flf2v_turbo_2stage",
    "minimax-h3-fastvideo-int8_ia2v_turbo",
    "minimax-h3-fastvideo-int8_flfa2v_turbo",
    "minimax-h3-fastvideo-int8_a2v_turbo",
    "minimax-h3-fastvideo-int8_ia2v_turbo_2stage",
    "minimax-h3-fastvideo-int8_flfa2v_turbo_2stage",
    "minimax-h3-fastvideo-int8_a2v_turbo_2stage",
    "minimax-h3-ref2va-fp8_r2v_turbo",
    "minimax-h3-fl2va-fp8_t2v_balanced",
    "minimax-h3-fl2va-fp8_i2v_balanced",
    "minimax-h3-fl2va-fp8_flf2v_balanced",
    "minimax-h3-ref2va-fp8_r2v_balanced",
    "minimax-h3-ref2va-fp8_r2v_2stage",
    "minimax-h3-ref2va-fp8_r2v_balanced_2stage",
];
const LTX_WORKFLOWS: [&str; 5] = ["t2v", "i2v", "a2v", "ia2v", "v2v"];

fn is_ltx(model: &str) -> bool {
    if model == "ltx23-22b-10eros-v1.4-fp8mixed_i2v" {
        return true;
    }
    let variants: [(&str, [&str; 2]); 3] = [
        ("ltx2-19b-fp8_", ["", "_distilled"]),
        ("ltx23-22b-fp8_", ["_distilled", "_dev"]),
        ("ltx25-22b-int8_", ["_distilled", "_dev"]),
    ];
    variants.iter().any(|(prefix, suffixes)| {
        model.strip_prefix(prefix).is_some_and(|rest| {
            LTX_WORKFLOWS.iter().any(|wf| {
                rest.strip_prefix(wf)
                    .is_some_and(|suffix| suffixes.contains(&suffix))
            })
        })
    })
}

fn family(model: &str) -> Option<Family> {
    let f = if WAN_IDS.contains(&model) {
        Family::Wan
    } else if is_ltx(model) {
        Family::Ltx
    } else if SEEDANCE_IDS.contains(&model) {
        Family::Seedance
    } else if HAPPYHORSE_IDS.contains(&model) {
        Family::HappyHorse
    } else if WAN3_IDS.contains(&model) {
        Family::Wan3
    } else if H3_IDS.contains(&model) {
        Family::H3
    } else if model == FLASHVSR_VIDEO_UPSCALE_MODEL_ID {
        Family::Upscale
    } else {
        return None;
    };
    Some(f)
}

/// `isVideoModel`: one of the video ids 5.54 knows (WAN 2.2, LTX 2.x, Seedance,
/// HappyHorse, Wan 3, MiniMax H3, FlashVSR).
pub fn is_video_model(model_id: &str) -> bool {
    family(model_id).is_some()
}

/// `isVideoUpscaleModel`: FlashVSR.
pub fn is_video_upscale_model(model_id: &str) -> bool {
    model_id == FLASHVSR_VIDEO_UPSCALE_MODEL_ID
}

/// `isMinimaxH3AudioGuideModel`: a FastH3 `ia2v`/`flfa2v`/`a2v` id (standard or two-stage).
pub fn is_minimax_h3_audio_guide_model(model_id: &str) -> bool {
    family(model_id) == Some(Family::H3)
        && model_id.starts_with("minimax-h3-fastvideo-int8_")
        && matches!(
            video_workflow_type(model_id),
            Some("ia2v" | "flfa2v" | "a2v")
        )
}

fn is_h3_r2v(model: &str) -> bool {
    family(model) == Some(Family::H3) && video_workflow_type(model) == Some("r2v")
}

fn is_external(f: Family) -> bool {
    matches!(f, Family::Seedance | Family::HappyHorse | Family::Wan3)
}

/// `getVideoWorkflowType`: `upscale`, `t2v`, `i2v`, `flf2v`, `s2v`, `ia2v`, `flfa2v`,
/// `a2v`, `v2v`, `r2v`, `animate-move` or `animate-replace`; `None` for an unknown model
/// or one whose id carries no workflow (Seedance).
pub fn video_workflow_type(model_id: &str) -> Option<&'static str> {
    let f = family(model_id)?;
    let has = |s: &str| model_id.contains(s);
    let pick = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(suffix, _)| has(suffix))
            .map(|(_, wf)| *wf)
    };
    match f {
        Family::Upscale => Some("upscale"),
        Family::Wan3 => Some("t2v"),
        Family::HappyHorse => pick(&[("-r2v", "r2v"), ("-i2v", "i2v"), ("-t2v", "t2v")]),
        Family::H3 => pick(&[
            ("_r2v", "r2v"),
            ("_flfa2v", "flfa2v"),
            ("_ia2v", "ia2v"),
            ("_a2v", "a2v"),
            ("_flf2v", "flf2v"),
            ("_i2v", "i2v"),
            ("_t2v", "t2v"),
        ]),
        _ => {
            let ltx_or_seedance = matches!(f, Family::Ltx | Family::Seedance);
            if has("_i2v") {
                Some("i2v")
            } else if has("_t2v") {
                Some("t2v")
            } else if ltx_or_seedance && has("_v2v") {
                Some("v2v")
            } else if ltx_or_seedance && has("_ia2v") {
                Some("ia2v")
            } else if f == Family::Ltx && has("_a2v") {
                Some("a2v")
            } else if f == Family::Wan {
                pick(&[
                    ("_s2v", "s2v"),
                    ("_animate-move", "animate-move"),
                    ("_animate-replace", "animate-replace"),
                ])
            } else {
                None
            }
        }
    }
}

/// Requirement codes per [`VIDEO_ASSET_KEYS`]: `R`equired, `O`ptional, `F`orbidden.
fn requirement_codes(model_id: &str) -> Option<&'static [u8; 6]> {
    let wf = video_workflow_type(model_id)?;
    let h3 = family(model_id) == Some(Family::H3);
    Some(match wf {
        "r2v" if h3 => b"OFOFOF",
        "i2v" if h3 => b"OOFFFF",
        "upscale" => b"FFFFRF",
        "t2v" => b"FFFOFF",
        "i2v" => b"OOFOFF",
        "flf2v" => b"RRFFFF",
        "flfa2v" => b"RRRFFF",
        "s2v" | "ia2v" => b"RFRFFF",
        "a2v" => b"FFRFFF",
        "animate-move" | "animate-replace" => b"RFFFRF",
        "v2v" => b"OFFORO",
        _ => b"OFFFFF",
    })
}

/// `getVideoAssetRequirements`: `(asset, "required" | "optional" | "forbidden")` for the
/// six single-media assets, or `None` when the model has no known workflow. MiniMax H3
/// r2v and i2v have their own tables (the `r2v` type is shared with HappyHorse).
pub fn video_asset_requirements(model_id: &str) -> Option<[(&'static str, &'static str); 6]> {
    let codes = requirement_codes(model_id)?;
    Some(std::array::from_fn(|i| {
        let r = match codes[i] {
            b'R' => "required",
            b'O' => "optional",
            _ => "forbidden",
        };
        (VIDEO_ASSET_KEYS[i], r)
    }))
}

// ---------------------------------------------------------------------------------------
// Frame maths
// ---------------------------------------------------------------------------------------

/// `Math.round`: halves round up (towards +∞).
fn js_round(x: f64) -> f64 {
    let f = x.floor();
    if x - f >= 0.5 {
        f + 1.0
    } else {
        f
    }
}

/// `Math.min`/`Math.max` propagate `NaN` (Rust's `f64::min`/`max` do not).
fn js_clamp(x: f64, min: f64, max: f64) -> f64 {
    if x.is_nan() {
        x
    } else {
        x.max(min).min(max)
    }
}

const H3_FPS: f64 = 24.0;
const H3_BASE_FRAMES: f64 = 124.0;
const H3_FRAME_STEP: f64 = 17.0;
const H3_MAX_FRAMES: f64 = 362.0;

/// `calculateVideoFrames(modelId, duration, fps)` exactly as 5.54, with JS number
/// semantics (`NaN` in, `NaN` out; no clamping of negative results):
/// - FlashVSR: `round(d·fps)` (the source's own frame count);
/// - WAN 2.2: `round(d·16)+1`, whatever the fps (fps 32 is post-render interpolation);
/// - MiniMax H3: `round(d·24)` snapped to the `124+17n` grid, clamped to 124..362 (no `+1`);
/// - LTX 2.x: `round(d·fps)+1` snapped to `1+8n`;
/// - everything else (Seedance, HappyHorse, Wan 3, unknown ids): `round(d·fps)+1`.
pub fn calculate_video_frames(model_id: &str, duration: f64, fps: f64) -> f64 {
    match family(model_id) {
        Some(Family::Upscale) => js_round(duration * fps),
        Some(Family::Wan) => js_round(duration * 16.0) + 1.0,
        Some(Family::H3) => {
            let requested = js_round(duration * H3_FPS);
            let max_step = ((H3_MAX_FRAMES - H3_BASE_FRAMES) / H3_FRAME_STEP).floor();
            let step = js_round((requested - H3_BASE_FRAMES) / H3_FRAME_STEP);
            H3_BASE_FRAMES + js_clamp(step, 0.0, max_step) * H3_FRAME_STEP
        }
        f => {
            let frames = js_round(duration * fps) + 1.0;
            if f == Some(Family::Ltx) {
                js_round((frames - 1.0) / 8.0) * 8.0 + 1.0
            } else {
                frames
            }
        }
    }
}

/// The frame count `projects.create()` sends for `duration` seconds: `fps` defaults to 30
/// for Wan 3 and 24 otherwise (see [`calculate_video_frames`]). Negative or `NaN` results
/// saturate to 0.
pub fn video_frames(model_id: &str, duration: f64, fps: Option<f64>) -> u32 {
    let default_fps = if family(model_id) == Some(Family::Wan3) {
        30.0
    } else {
        24.0
    };
    calculate_video_frames(model_id, duration, fps.unwrap_or(default_fps)) as u32
}

/// `getMinimaxH3FramesForAudioDuration`: the smallest `124+17n` frame count (clamped to
/// 124..362) that covers `seconds` of audio at 24 fps. `INVALID_DURATION` unless the
/// duration is a finite number above 0.
pub fn minimax_h3_frames_for_audio_duration(seconds: f64) -> Result<u32> {
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(Error::invalid(
            "INVALID_DURATION",
            "Audio duration must be a finite number of seconds greater than 0.",
        ));
    }
    let needed = (seconds * H3_FPS - 1e-6).ceil();
    let steps = ((needed - H3_BASE_FRAMES) / H3_FRAME_STEP).ceil().max(0.0);
    Ok(H3_MAX_FRAMES.min(H3_BASE_FRAMES + steps * H3_FRAME_STEP) as u32)
}

fn max_duration(model: &str, f: Family) -> f64 {
    match f {
        Family::H3 => H3_MAX_FRAMES / H3_FPS,
        Family::Wan3 => 30.0,
        Family::Seedance if model == "seedance-2-5" => 30.0,
        Family::Seedance | Family::HappyHorse => 15.0,
        Family::Ltx => 20.0,
        Family::Wan
            if matches!(
                video_workflow_type(model),
                Some("animate-move" | "animate-replace")
            ) =>
        {
            20.0
        }
        _ => 10.0,
    }
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

fn err(code: &'static str, message: impl Into<String>) -> Error {
    Error::invalid(code, message)
}

/// `asReferenceUrlArray`: the non-blank strings of an array, else nothing.
fn url_list(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// `validateReferenceUrlArray`.
fn check_url_array(value: Option<&Value>, name: &str) -> Result<()> {
    let Some(value) = value else { return Ok(()) };
    let Some(items) = value.as_array() else {
        return Err(err(
            "INVALID_REFERENCE",
            format!("{name} must be an array of URL strings."),
        ));
    };
    if items
        .iter()
        .any(|u| u.as_str().is_none_or(|s| s.trim().is_empty()))
    {
        return Err(err(
            "INVALID_REFERENCE",
            format!("{name} must contain only non-empty URL strings."),
        ));
    }
    Ok(())
}

fn check_url_arrays(p: &VideoProjectParams) -> Result<()> {
    check_url_array(p.reference_image_urls.as_ref(), "referenceImageUrls")?;
    check_url_array(p.reference_video_urls.as_ref(), "referenceVideoUrls")?;
    check_url_array(p.reference_audio_urls.as_ref(), "referenceAudioUrls")
}

fn truthy(v: Option<&Value>) -> bool {
    v.is_some_and(js::truthy)
}

/// `validateVideoWorkflowAssets`.
fn validate_assets(p: &VideoProjectParams, f: Family) -> Result<()> {
    let model = p.model_id.as_str();
    let seedance25 = model == "seedance-2-5";
    let export_error = match (p.output_format.as_deref(), &p.return_last_frame) {
        (Some(fmt), _) if fmt != "mp4" && fmt != "mov" => Some((
            "INVALID_OUTPUT_FORMAT",
            "Video outputFormat must be mp4 or mov.",
        )),
        (Some("mov"), _) if !seedance25 => Some((
            "INVALID_OUTPUT_FORMAT",
            "MOV output is supported only by Seedance 2.5.",
        )),
        (_, Some(v)) if !v.is_boolean() => {
            Some(("INVALID_PARAMS", "returnLastFrame must be a boolean."))
        }
        (_, Some(Value::Bool(true))) if !seedance25 => Some((
            "UNSUPPORTED_PARAM",
            "Last-frame export is supported only by Seedance 2.5.",
        )),
        _ => None,
    };
    if let Some((code, message)) = export_error {
        return Err(err(code, message));
    }
    let r2v_only = |field: &str| {
        err(
            "UNSUPPORTED_REFERENCE",
            format!("{field} is supported only by the MiniMax H3 r2v workflow (minimax-h3-ref2va-fp8_r2v)."),
        )
    };
    let h3_r2v = is_h3_r2v(model);
    if p.context_images.is_present() {
        if !h3_r2v {
            return Err(r2v_only("contextImages"));
        }
        match &p.context_images {
            MediaList::Items(items) if items.iter().any(|set| !set) => {
                return Err(err("INVALID_REFERENCE", "contextImages must not contain empty entries. Reference ordinals follow array position, so a hole would renumber every later reference."))
            }
            MediaList::Items(_) => {}
            _ => {
                return Err(err(
                    "INVALID_REFERENCE",
                    "contextImages must be an array of reference images.",
                ))
            }
        }
    }
    for (field, list) in [
        ("referenceVideos", &p.reference_videos),
        ("referenceAudios", &p.reference_audios),
    ] {
        if !list.is_present() {
            continue;
        }
        if !h3_r2v {
            return Err(r2v_only(field));
        }
        if !matches!(list, MediaList::Items(items) if items.iter().all(|set| *set)) {
            return Err(err(
                "INVALID_REFERENCE",
                format!("{field} must be an array without empty entries."),
            ));
        }
    }
    if p.reference_video_durations.is_some() && !h3_r2v {
        return Err(r2v_only("referenceVideoDurations"));
    }

    match f {
        Family::HappyHorse => return validate_happyhorse(p),
        Family::Wan3 => return validate_wan3(p),
        Family::Seedance => {
            validate_seedance_task(p)?;
            return validate_seedance_references(p);
        }
        _ => {}
    }
    if h3_r2v {
        validate_h3_references(p)?;
    } else if truthy(p.reference_image_urls.as_ref())
        || truthy(p.reference_video_urls.as_ref())
        || truthy(p.reference_audio_urls.as_ref())
        || truthy(p.reference_file_url.as_ref())
        || truthy(p.reference_link_url.as_ref())
    {
        return Err(err(
            "UNSUPPORTED_REFERENCE",
            "External reference URLs are supported only by Seedance, HappyHorse, and Wan 3 models.",
        ));
    }

    let (Some(wf), Some(codes)) = (video_workflow_type(model), requirement_codes(model)) else {
        return Ok(());
    };
    if wf == "i2v" && !p.reference_image && !p.reference_image_end {
        return Err(err(
            "MISSING_REFERENCE",
            "i2v workflow requires at least one of referenceImage or referenceImageEnd. Please provide this asset.",
        ));
    }
    if truthy(p.sam2_coordinates.as_ref()) && wf != "animate-replace" {
        return Err(err(
            "UNSUPPORTED_PARAM",
            "sam2Coordinates is only supported for animate-replace workflows.",
        ));
    }
    for (i, key) in VIDEO_ASSET_KEYS.iter().enumerate() {
        let has = p.asset(i);
        if codes[i] == b'R' && !has {
            return Err(err(
                "MISSING_REFERENCE",
                format!("{wf} workflow requires {key}. Please provide this asset."),
            ));
        }
        if codes[i] == b'F' && has {
            return Err(err(
                "UNSUPPORTED_REFERENCE",
                format!("{wf} workflow does not support {key}. Please remove this asset."),
            ));
        }
    }
    Ok(())
}

/// `validateSeedanceTaskType`.
fn validate_seedance_task(p: &VideoProjectParams) -> Result<()> {
    let task = p.seedance_task_type.as_deref();
    let seedance25 = p.model_id == "seedance-2-5";
    if task.is_some_and(|t| !["reference", "edit", "extend"].contains(&t)) {
        return Err(err(
            "INVALID_PARAMS",
            "seedanceTaskType must be reference, edit, or extend.",
        ));
    }
    if task.is_some() && !seedance25 {
        return Err(err(
            "UNSUPPORTED_PARAM",
            "seedanceTaskType is supported only by Seedance 2.5.",
        ));
    }
    if !seedance25 {
        return Ok(());
    }
    let has_frame = p.reference_image || p.reference_image_end;
    let has_video = p.reference_video || !url_list(p.reference_video_urls.as_ref()).is_empty();
    let has_loose = !url_list(p.reference_image_urls.as_ref()).is_empty()
        || has_video
        || p.reference_audio
        || !url_list(p.reference_audio_urls.as_ref()).is_empty();
    match task {
        None if has_loose => Err(err(
            "INVALID_PARAMS",
            "Seedance 2.5 loose-reference requests require seedanceTaskType.",
        )),
        Some(_) if has_frame => Err(err(
            "UNSUPPORTED_PARAM",
            "seedanceTaskType is for Seedance 2.5 loose-reference, edit, or extend requests; omit it for first/last-frame generation.",
        )),
        Some(t @ ("edit" | "extend")) if !has_video => Err(err(
            "MISSING_REFERENCE",
            format!("Seedance 2.5 {t} requires at least one reference video."),
        )),
        Some("reference") if !has_loose => Err(err(
            "MISSING_REFERENCE",
            "Seedance 2.5 reference requires at least one loose image, video, or audio reference.",
        )),
        _ => Ok(()),
    }
}

/// `validateSeedanceReferenceAssets`: per-model caps (images, videos, audios, total).
fn validate_seedance_references(p: &VideoProjectParams) -> Result<()> {
    check_url_arrays(p)?;
    let model = p.model_id.as_str();
    let (max_images, max_videos, max_audios, max_assets) = if model == "seedance-2-5" {
        (30, 10, 10, 50)
    } else {
        (9, 3, 3, 12)
    };
    let images = usize::from(p.reference_image)
        + usize::from(p.reference_image_end)
        + url_list(p.reference_image_urls.as_ref()).len();
    let videos = usize::from(p.reference_video) + url_list(p.reference_video_urls.as_ref()).len();
    let audios = usize::from(p.reference_audio || p.reference_audio_identity)
        + url_list(p.reference_audio_urls.as_ref()).len();
    let too_many = |what: String| {
        err(
            "TOO_MANY_REFERENCES",
            format!("{model} supports at most {what}."),
        )
    };
    if images > max_images {
        return Err(too_many(format!("{max_images} image assets")));
    }
    if videos > max_videos {
        return Err(too_many(format!("{max_videos} video assets")));
    }
    if audios > max_audios {
        return Err(too_many(format!("{max_audios} audio assets")));
    }
    if images + videos + audios > max_assets {
        return Err(too_many(format!("{max_assets} total asset files")));
    }
    if model != "seedance-2-5" && audios > 0 && images == 0 && videos == 0 {
        return Err(err(
            "MISSING_REFERENCE",
            "Seedance audio references require at least one image or video reference.",
        ));
    }
    Ok(())
}

/// `validateHappyhorseReferenceAssets`: image-only references.
fn validate_happyhorse(p: &VideoProjectParams) -> Result<()> {
    check_url_arrays(p)?;
    let unsupported = |m: &str| Err(err("UNSUPPORTED_REFERENCE", m.to_string()));
    if p.reference_video || !url_list(p.reference_video_urls.as_ref()).is_empty() {
        return unsupported("HappyHorse models do not support reference video assets.");
    }
    if p.reference_audio
        || p.reference_audio_identity
        || !url_list(p.reference_audio_urls.as_ref()).is_empty()
    {
        return unsupported("HappyHorse models do not support reference audio assets.");
    }
    if p.reference_image_end {
        return unsupported(
            "HappyHorse models do not support a separate end-frame image (referenceImageEnd).",
        );
    }
    let images = usize::from(p.reference_image) + url_list(p.reference_image_urls.as_ref()).len();
    let count_code = if images == 0 {
        "MISSING_REFERENCE"
    } else {
        "TOO_MANY_REFERENCES"
    };
    match video_workflow_type(&p.model_id) {
        Some("i2v") if images != 1 => Err(err(
            count_code,
            "HappyHorse i2v requires exactly one first-frame reference image.",
        )),
        Some("r2v") if !(1..=9).contains(&images) => Err(err(
            count_code,
            "HappyHorse r2v requires between 1 and 9 reference images.",
        )),
        Some("i2v" | "r2v") => Ok(()),
        _ if images > 0 => unsupported("HappyHorse t2v does not support reference images."),
        _ => Ok(()),
    }
}

/// Whether WHATWG `new URL(s)` would parse `s` with the `https:` protocol. An
/// approximation (no URL parser in the core): scheme `https` (any case), then a non-empty
/// host without spaces or forbidden host code points and an optional numeric port.
fn is_https_url(s: &str) -> bool {
    let s = s.trim_matches(|c: char| c <= ' ');
    let Some(rest) = s
        .get(..6)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https:"))
        .map(|_| &s[6..])
    else {
        return false;
    };
    let rest = rest.trim_start_matches(['/', '\\']);
    let authority = &rest[..rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let (host, port) = match host_port.strip_prefix('[').and_then(|r| r.find(']')) {
        Some(end) => {
            let (host, rest) = host_port.split_at(end + 2);
            match rest.strip_prefix(':') {
                Some(port) => (host, port),
                None if rest.is_empty() => (host, ""),
                None => return false,
            }
        }
        None => host_port.rsplit_once(':').unwrap_or((host_port, "")),
    };
    !host.is_empty()
        && !host
            .chars()
            .any(|c| c.is_whitespace() || "#%/<>?@^|".contains(c))
        && port.bytes().all(|b| b.is_ascii_digit())
}

/// `validateWan3ReferenceAssets`.
fn validate_wan3(p: &VideoProjectParams) -> Result<()> {
    let enhanced = p.model_id == "wan3.0-spicy-video";
    check_url_arrays(p)?;
    for (field, value) in [
        ("referenceFileUrl", &p.reference_file_url),
        ("referenceLinkUrl", &p.reference_link_url),
    ] {
        let Some(value) = value else { continue };
        let Some(s) = value.as_str().filter(|s| !s.trim().is_empty()) else {
            return Err(err(
                "INVALID_REFERENCE",
                format!("{field} must be a non-empty public HTTPS URL."),
            ));
        };
        if !is_https_url(s) {
            return Err(err(
                "INVALID_REFERENCE",
                format!("{field} must be a valid public HTTPS URL."),
            ));
        }
    }
    let file = truthy(p.reference_file_url.as_ref());
    let link = truthy(p.reference_link_url.as_ref());
    let unsupported = |m: &str| Err(err("UNSUPPORTED_REFERENCE", m.to_string()));
    if file && link {
        return unsupported(
            "Wan 3 accepts either one reference file or one reference link, not both.",
        );
    }
    if enhanced && (file || link) {
        return unsupported("Wan 3.0 Enhanced does not accept document or webpage references.");
    }
    if p.prompt_extend.as_ref().is_some_and(|v| !v.is_boolean()) {
        return Err(err(
            "INVALID_PARAMS",
            "Wan 3 promptExtend must be a boolean.",
        ));
    }
    if p.watermark.as_ref().is_some_and(|v| !v.is_boolean()) {
        return Err(err("INVALID_PARAMS", "Wan 3 watermark must be a boolean."));
    }
    if enhanced && p.watermark.is_some() {
        return Err(err(
            "UNSUPPORTED_PARAM",
            "Wan 3.0 Enhanced does not expose a watermark option.",
        ));
    }
    if p.smart_duration.is_some() {
        return Err(err(
            "UNSUPPORTED_PARAM",
            "Wan 3 smartDuration has been retired. Send an explicit duration between 2 and 30 seconds instead.",
        ));
    }
    if p.fps.is_some_and(|fps| fps != 30.0) {
        return Err(err("INVALID_FPS", "Wan 3 output is fixed at 30 fps."));
    }
    const RATIOS: [&str; 6] = ["adaptive", "16:9", "4:3", "1:1", "3:4", "9:16"];
    if p.ratio.as_deref().is_some_and(|r| !RATIOS.contains(&r)) {
        return Err(err(
            "INVALID_PARAMS",
            "Wan 3 ratio must be adaptive, 16:9, 4:3, 1:1, 3:4, or 9:16.",
        ));
    }
    if p.reference_audio_identity || p.reference_mask {
        return unsupported("Wan 3 does not support audio-identity or mask inputs.");
    }
    if p.seed
        .is_some_and(|s| !js::is_integer(s) || !(0.0..=2_147_483_647.0).contains(&s))
    {
        return Err(err(
            "INVALID_SEED",
            "Wan 3 seed must be an integer from 0 through 2147483647.",
        ));
    }
    let loose_images = url_list(p.reference_image_urls.as_ref()).len();
    let videos = usize::from(p.reference_video) + url_list(p.reference_video_urls.as_ref()).len();
    let audios = usize::from(p.reference_audio) + url_list(p.reference_audio_urls.as_ref()).len();
    let anchors = p.reference_image || p.reference_image_end;
    let loose = loose_images > 0 || videos > 0 || audios > 0 || file || link;
    if !enhanced && p.reference_image_end && !p.reference_image {
        return Err(err(
            "MISSING_REFERENCE",
            "Wan 3 last-frame generation requires a first-frame referenceImage.",
        ));
    }
    if anchors && loose {
        return unsupported("Wan 3 first/last-frame anchors cannot be combined with loose media, file, or link references.");
    }
    for (count, max, what) in [
        (loose_images, 10, "reference images"),
        (videos, 5, "reference videos"),
        (audios, 5, "reference audio clips"),
    ] {
        if count > max {
            return Err(err(
                "TOO_MANY_REFERENCES",
                format!("Wan 3 supports at most {max} {what}."),
            ));
        }
    }
    let prompt = p.positive_prompt.as_deref().unwrap_or_default();
    if prompt.trim().is_empty() && !anchors && !loose {
        return Err(err(
            "MISSING_REFERENCE",
            "Wan 3 requires a prompt or at least one media, file, or link input.",
        ));
    }
    Ok(())
}

/// `[referenceX, ...referenceXs].filter(Boolean)`: `(param, index)` per numbered slot.
fn h3_slots(
    single: bool,
    list: &MediaList,
    single_key: &'static str,
    list_key: &'static str,
) -> Vec<(&'static str, Option<usize>)> {
    let mut slots = Vec::new();
    if single {
        slots.push((single_key, None));
    }
    for (i, set) in list.items().iter().enumerate() {
        if *set {
            slots.push((list_key, Some(i)));
        }
    }
    slots
}

fn h3_video_slots(p: &VideoProjectParams) -> Vec<(&'static str, Option<usize>)> {
    h3_slots(
        p.reference_video,
        &p.reference_videos,
        "referenceVideo",
        "referenceVideos",
    )
}

fn h3_audio_slots(p: &VideoProjectParams) -> Vec<(&'static str, Option<usize>)> {
    h3_slots(
        p.reference_audio,
        &p.reference_audios,
        "referenceAudio",
        "referenceAudios",
    )
}

/// `validateMinimaxH3ReferenceAssets`: ≤ 9 images, ≤ 3 videos, ≤ 3 audios, ≤ 12 files,
/// at least one visual reference, no URL references, duration hints consistent.
fn validate_h3_references(p: &VideoProjectParams) -> Result<()> {
    for (field, value) in [
        ("referenceImageUrls", &p.reference_image_urls),
        ("referenceVideoUrls", &p.reference_video_urls),
        ("referenceAudioUrls", &p.reference_audio_urls),
    ] {
        if value.is_some() {
            return Err(err(
                "UNSUPPORTED_REFERENCE",
                format!("MiniMax H3 r2v does not accept {field}; pass files through the Sogni asset upload fields instead."),
            ));
        }
    }
    let images = usize::from(p.reference_image) + p.context_images.items().len();
    let videos = h3_video_slots(p).len();
    let audios = h3_audio_slots(p).len();
    if let Some(durations) = &p.reference_video_durations {
        let bad_list = || {
            err(
                "INVALID_REFERENCE",
                format!("MiniMax H3 r2v referenceVideoDurations must contain one entry for each uploaded reference video (expected {videos})."),
            )
        };
        let items = durations.as_array().ok_or_else(bad_list)?;
        if items.len() != videos {
            return Err(bad_list());
        }
        let mut total = 0.0;
        for (i, d) in items.iter().enumerate() {
            match d.as_f64() {
                Some(d) if (2.0 - 0.05..=15.0 + 0.05).contains(&d) => total += d,
                _ => {
                    return Err(err(
                        "INVALID_REFERENCE",
                        format!("MiniMax H3 r2v referenceVideoDurations[{i}] must be between 2 and 15 seconds."),
                    ))
                }
            }
        }
        if total > 15.0 + 0.05 {
            return Err(err(
                "INVALID_REFERENCE",
                format!(
                    "MiniMax H3 r2v reference videos may total at most 15 seconds (got {}).",
                    js::number_to_string(total)
                ),
            ));
        }
    }
    for (count, max, label) in [
        (images, 9, "reference images"),
        (videos, 3, "reference videos"),
        (audios, 3, "reference audios"),
    ] {
        if count > max {
            return Err(err(
                "TOO_MANY_REFERENCES",
                format!("MiniMax H3 r2v supports at most {max} uploaded {label} (got {count})."),
            ));
        }
    }
    let total = images + videos + audios;
    if total > 12 {
        return Err(err(
            "TOO_MANY_REFERENCES",
            format!("MiniMax H3 r2v supports at most 12 reference files in total (got {total}: {images} image, {videos} video, {audios} audio)."),
        ));
    }
    if images + videos < 1 {
        return Err(err(
            "MISSING_REFERENCE",
            "MiniMax H3 r2v needs at least one uploaded visual reference. Attach an image through referenceImage/contextImages or a video through referenceVideo/referenceVideos. Audio-only requests are not supported; for a prompt-only render use minimax-h3-fl2va-fp8_t2v.",
        ));
    }
    Ok(())
}

const UPSCALE_TIMING_ERROR: &str =
    "Omit the source timing, or supply the source video’s exact frame count and frame rate.";

/// The FlashVSR block of `applyVideoParams` (with `validateVideoUpscaleTiming`).
fn validate_upscale(p: &VideoProjectParams) -> Result<()> {
    let bad = |m: &str| Err(err("INVALID_PARAMS", m.to_string()));
    if p.detail_preference
        .as_deref()
        .is_some_and(|d| d != "stable" && d != "sharper")
    {
        return bad("FlashVSR detailPreference must be stable or sharper.");
    }
    if p.processing_speed
        .as_deref()
        .is_some_and(|s| s != "stable" && s != "faster")
    {
        return bad("FlashVSR processingSpeed must be stable or faster.");
    }
    let seed = p.seed.unwrap_or(0.0);
    if !js::is_integer(seed) || !(-1.0..=4_294_967_295.0).contains(&seed) {
        return Err(err(
            "INVALID_SEED",
            "FlashVSR seed must be -1 (random) or an integer from 0 through 4294967295.",
        ));
    }
    if ![1080.0, 1440.0].contains(&upscale_resolution(p)) {
        return Err(err(
            "INVALID_SIZE",
            "Choose 1080p or 1440p for video upscaling.",
        ));
    }
    if !p.reference_video {
        return Err(err(
            "MISSING_REFERENCE",
            "FlashVSR requires an uploaded referenceVideo.",
        ));
    }
    let timing = || Err(err("INVALID_DURATION", UPSCALE_TIMING_ERROR));
    if p.fps
        .is_some_and(|fps| !fps.is_finite() || !(1.0..=60.0).contains(&fps))
    {
        return timing();
    }
    let frames = match (p.frames, p.duration) {
        (Some(f), _) => Some(f),
        (None, Some(d)) => match p.fps {
            Some(fps) => Some(js_round(d * fps)),
            None => return timing(),
        },
        (None, None) => None,
    };
    if frames.is_some_and(|f| !js::is_integer(f) || f < 1.0) {
        return timing();
    }
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    if !blank(&p.positive_prompt) || !blank(&p.negative_prompt) {
        return Err(err("UNSUPPORTED_PARAM", "FlashVSR is promptless."));
    }
    let has_length = |v: &Option<Value>| match v {
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::String(s)) => !s.is_empty(),
        _ => false,
    };
    if p.teacache_threshold.is_some()
        || p.trim_end_frame == Some(true)
        || p.control_net.is_some()
        || p.video_start.is_some()
        || has_length(&p.reference_video_urls)
        || has_length(&p.reference_image_urls)
        || has_length(&p.reference_audio_urls)
        || truthy(p.reference_file_url.as_ref())
        || truthy(p.reference_link_url.as_ref())
        || p.generate_audio == Some(false)
    {
        return Err(err(
            "UNSUPPORTED_PARAM",
            "Video upscaling preserves the complete source video and its audio; generation controls are unsupported.",
        ));
    }
    if p.number_of_media != Some(1.0) {
        return Err(err(
            "INVALID_NUMBER_OF_MEDIA",
            "Upscale one source video per project.",
        ));
    }
    Ok(())
}

/// `upscaleResolution ?? Math.min(Number(width), Number(height))`.
fn upscale_resolution(p: &VideoProjectParams) -> f64 {
    p.upscale_resolution.unwrap_or_else(|| {
        let (w, h) = (p.width.unwrap_or(f64::NAN), p.height.unwrap_or(f64::NAN));
        if w.is_nan() || h.is_nan() {
            f64::NAN
        } else {
            w.min(h)
        }
    })
}

/// `validateMinimaxH3Params`: the fixed values and grids of every H3 workflow.
fn validate_h3(p: &VideoProjectParams) -> Result<()> {
    let model = p.model_id.as_str();
    if p.fps.is_some_and(|fps| fps != 24.0) {
        return Err(err(
            "INVALID_FPS",
            "MiniMax H3 fps is fixed at 24. Omit fps or set it to 24.",
        ));
    }
    let turbo = model.ends_with("_turbo") || model.ends_with("_turbo_2stage");
    let balanced = model.contains("_balanced");
    let (expected, label) = match (turbo, balanced) {
        (true, _) => (4.0, " Turbo"),
        (_, true) => (8.0, " Balanced"),
        _ => (20.0, ""),
    };
    if p.steps.is_some_and(|s| s != expected) {
        return Err(err(
            "INVALID_STEPS",
            format!(
                "MiniMax H3{label} steps are fixed at {}.",
                js::number_to_string(expected)
            ),
        ));
    }
    if p.guidance.is_some_and(|g| g != 1.0) {
        return Err(err(
            "INVALID_GUIDANCE",
            "MiniMax H3 guidance is fixed at 1.",
        ));
    }
    if p.negative_prompt
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty())
    {
        return Err(err(
            "UNSUPPORTED_PARAM",
            "MiniMax H3 has no negative-prompt input. Put requested exclusions in positivePrompt.",
        ));
    }
    if p.frames.is_some_and(|f| {
        !js::is_integer(f)
            || !(H3_BASE_FRAMES..=H3_MAX_FRAMES).contains(&f)
            || (f - H3_BASE_FRAMES) % H3_FRAME_STEP != 0.0
    }) {
        return Err(err(
            "INVALID_DURATION",
            "MiniMax H3 frames must be 124 + n*17 in the inclusive range 124-362.",
        ));
    }
    match (p.width, p.height) {
        (Some(_), None) | (None, Some(_)) => {
            return Err(err(
                "INVALID_SIZE",
                "MiniMax H3 width and height must be provided together.",
            ))
        }
        (Some(w), Some(h)) => {
            let axis =
                |v: f64| js::is_integer(v) && (32.0..=1344.0).contains(&v) && v % 32.0 == 0.0;
            if !axis(w) || !axis(h) || w * h > 1_032_192.0 {
                return Err(err(
                    "INVALID_SIZE",
                    "MiniMax H3 dimensions must use a 32px grid, stay at or below 1344px per axis, and fit within 1,032,192 pixels.",
                ));
            }
        }
        (None, None) => {}
    }
    if p.audio_duration.is_some() {
        return Err(err(
            "UNSUPPORTED_PARAM",
            "MiniMax H3 has no audioDuration input. Set frames or duration; the uploaded audio is trimmed to the video length.",
        ));
    }
    if is_minimax_h3_audio_guide_model(model) {
        let wf = video_workflow_type(model).unwrap_or_default();
        if p.generate_audio == Some(false) {
            return Err(err(
                "UNSUPPORTED_PARAM",
                format!("MiniMax H3 {wf} output always carries the uploaded audio. Omit generateAudio or set it to true."),
            ));
        }
        if p.audio_start
            .as_ref()
            .is_some_and(|v| v.as_f64().is_none_or(|s| !s.is_finite() || s < 0.0))
        {
            return Err(err(
                "INVALID_PARAMS",
                format!("MiniMax H3 {wf} audioStart must be a number of seconds, 0 or greater."),
            ));
        }
        let entries = |v: Option<usize>| v.is_some_and(|n| n > 0);
        if entries(p.loras.as_ref().map(Vec::len))
            || entries(p.lora_strengths.as_ref().map(Vec::len))
        {
            return Err(err(
                "UNSUPPORTED_PARAM",
                format!("MiniMax H3 {wf} does not support LoRAs. Remove loras and loraStrengths."),
            ));
        }
    } else if p.audio_start.is_some() {
        return Err(err(
            "UNSUPPORTED_PARAM",
            "audioStart is supported only by the MiniMax H3 FastH3 audio-guide workflows (minimax-h3-fastvideo-int8_ia2v_turbo, minimax-h3-fastvideo-int8_flfa2v_turbo, minimax-h3-fastvideo-int8_a2v_turbo and their _2stage ids).",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------------------

/// The params shared by video and audio projects (`BaseProjectParams`), borrowed.
#[derive(Debug)]
pub(crate) struct Base<'a> {
    pub model_id: &'a str,
    pub positive_prompt: Option<&'a str>,
    pub negative_prompt: Option<&'a str>,
    pub style_prompt: Option<&'a str>,
    pub steps: Option<f64>,
    pub guidance: Option<f64>,
    pub seed: Option<f64>,
    pub loras: Option<&'a [String]>,
    pub lora_strengths: Option<&'a [f64]>,
    pub number_of_media: Option<f64>,
    pub disable_nsfw_filter: Option<bool>,
    pub token_type: Option<&'a str>,
    pub billing_mode: Option<&'a str>,
    pub network: Option<&'a str>,
    pub app_source: Option<&'a str>,
    pub output_format: &'a str,
}

/// The common keyframe fields over the worker template (`negativePrompt` only when
/// `Some` and non-empty; callers pass `None` where the official code deletes it).
pub(crate) fn base_key_frame(b: &Base<'_>, receipt: Option<Value>) -> Map<String, Value> {
    let mut kf = template_key_frame();
    kf.insert("modelID".into(), Value::from(b.model_id));
    // `steps`, `guidanceScale`, `seed` and `positivePrompt` replace template values; an
    // unset one is `undefined`, which JSON drops.
    for (key, value) in [
        ("steps", b.steps),
        ("guidanceScale", b.guidance),
        ("seed", b.seed),
    ] {
        match value {
            Some(v) => kf.insert(key.into(), js::number(v)),
            None => kf.remove(key),
        };
    }
    match b.positive_prompt {
        Some(p) => kf.insert("positivePrompt".into(), Value::from(p)),
        None => kf.remove("positivePrompt"),
    };
    if let Some(n) = js::truthy_str(b.negative_prompt) {
        kf.insert("negativePrompt".into(), Value::from(n));
    }
    if let Some(s) = js::truthy_str(b.style_prompt) {
        kf.insert("stylePrompt".into(), Value::from(s));
    }
    if let Some(l) = b.loras.filter(|l| !l.is_empty()) {
        kf.insert("loras".into(), json!(l));
    }
    if let Some(s) = b.lora_strengths.filter(|l| !l.is_empty()) {
        let s = s.iter().map(|v| js::number(*v)).collect();
        kf.insert("loraStrengths".into(), Value::Array(s));
    }
    if let Some(r) = receipt {
        kf.insert("worldGenerationReceipt".into(), r);
    }
    kf
}

/// The top-level request around one keyframe (`previews: 0`, `numberOfMedia || 1`, …).
pub(crate) fn finish_request(
    b: &Base<'_>,
    kf: Map<String, Value>,
    project_id: &str,
    ctx: &RequestContext,
) -> Value {
    let mut map = template_request();
    map.insert("keyFrames".into(), json!([kf]));
    map.insert("previews".into(), json!(0));
    map.insert("jobID".into(), Value::from(project_id));
    map.insert(
        "disableSafety".into(),
        Value::from(b.disable_nsfw_filter == Some(true)),
    );
    let count = b
        .number_of_media
        .filter(|n| js::truthy_number(Some(*n)))
        .unwrap_or(1.0);
    map.insert("numberOfImages".into(), js::number(count));
    map.insert("outputFormat".into(), Value::from(b.output_format));
    for (key, value) in [("tokenType", b.token_type), ("billingMode", b.billing_mode)] {
        if let Some(v) = value {
            map.insert(key.into(), Value::from(v));
        }
    }
    for (k, v) in &ctx.attribution {
        map.insert(k.clone(), Value::from(v.as_str()));
    }
    if let Some(n) = js::truthy_str(b.network) {
        map.insert("network".into(), Value::from(n));
    }
    let app = js::truthy_str(b.app_source).or_else(|| js::truthy_str(ctx.app_source.as_deref()));
    if let Some(a) = app {
        map.insert("appSource".into(), Value::from(a));
    }
    Value::Object(map)
}

/// The error of a project whose `type` does not match the builder.
pub(crate) fn project_type_error(actual: &str, expected: &str) -> Error {
    let message = if ["image", "video", "audio"].contains(&actual) {
        format!("{expected}_job_request builds {expected} projects only.")
    } else {
        "Invalid project type. Must be \"image\", \"video\", or \"audio\".".to_string()
    };
    Error::invalid("INVALID_PROJECT_TYPE", message)
}

/// `JSON.stringify` of a JSON value (numbers printed as JS prints them).
fn js_stringify(v: &Value) -> String {
    match v {
        Value::Number(n) => js::number_to_string(n.as_f64().unwrap_or(f64::NAN)),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(js_stringify).collect::<Vec<_>>().join(",")
        ),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), js_stringify(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}

/// Builds the `jobRequest` of a video project, as the official `createJobRequestMessage`
/// plus the content-type annotation `projects.create()` adds after the uploads.
///
/// `content_types` holds the MIME type detected for each uploaded medium, keyed by
/// [`UploadSlot::key`] (media given as `true` are not uploaded and get none); they land in
/// `referenceImageContentType`, `referenceImageEndContentType`, `referenceAudioContentType`,
/// `referenceAudioIdentityContentType` (which also fills an empty
/// `referenceAudioContentType`), `referenceVideoContentType`, `referenceAudio{n}ContentType`,
/// `referenceVideo{n}ContentType` (H3 r2v) and `referenceMaskContentType` (inpaint only).
/// The types can be detected before uploading (Blob `type` or the first bytes), so the
/// wasm layer builds the request first (every validation error comes before any upload,
/// as officially), then uploads the [`video_upload_slots`], then sends it.
///
/// Official checks, with the 5.54 messages: retired `outputScale`, the receipt, model type
/// (`INVALID_MODEL`), export format, reference arrays, per-family reference rules
/// (`MISSING_REFERENCE`, `UNSUPPORTED_REFERENCE`, `TOO_MANY_REFERENCES`,
/// `INVALID_REFERENCE`), the workflow asset table, FlashVSR and MiniMax H3 fixed values,
/// duration ranges (`INVALID_DURATION`), TeaCache, ControlNet strength
/// (`INVALID_CONTROLNET`), minimum size 480 (`INVALID_SIZE`), sampler and scheduler.
///
/// Extra checks the official SDK does not make, each on a value the server cannot render
/// (skipped where a family already has its own official rule):
/// - `numberOfMedia` must be a non-negative integer; `INVALID_NUMBER_OF_MEDIA`;
/// - `steps` must be an integer inside the tier's range; `INVALID_STEPS`;
/// - `seed` must be an integer in `0..=4294967295`; `INVALID_SEED`;
/// - `fps` must be one of the tier's `fps.allowed` (WAN 16/32, Seedance and HappyHorse
///   24); LTX, which renders at the requested rate, takes 1..=60; `INVALID_FPS`;
/// - `width`/`height` must be integers within the tier's maxima and `maxPixels` (this is
///   the Seedance 2.0 Fast/Mini 720p cap); `INVALID_SIZE`;
/// - `controlNet.name` must be one of [`VIDEO_CONTROLNET_NAMES`], and a ControlNet needs a
///   `_v2v` model (the Supernet refuses it on `_i2v` and the rest); `INVALID_CONTROLNET`.
pub fn video_job_request(
    p: &VideoProjectParams,
    project_id: &str,
    options: &ModelOptions,
    ctx: &RequestContext,
    content_types: &[(String, String)],
) -> Result<Value> {
    p.reject_retired_output_scale()?;
    let receipt = normalize_world_generation_receipt(p.world_generation_receipt.as_ref())?;
    let model = p.model_id.as_str();
    let fam = family(model);
    let keeps_negative = !matches!(fam, Some(f) if is_external(f) || f == Family::H3);
    let base = Base {
        model_id: model,
        positive_prompt: p.positive_prompt.as_deref(),
        negative_prompt: p.negative_prompt.as_deref().filter(|_| keeps_negative),
        style_prompt: p.style_prompt.as_deref(),
        steps: p.steps,
        guidance: p.guidance,
        seed: p.seed,
        loras: p.loras.as_deref(),
        lora_strengths: p.lora_strengths.as_deref(),
        number_of_media: p.number_of_media,
        disable_nsfw_filter: p.disable_nsfw_filter,
        token_type: p.token_type.as_deref(),
        billing_mode: p.billing_mode.as_deref(),
        network: p.network.as_deref(),
        app_source: p.app_source.as_deref(),
        output_format: js::truthy_str(p.output_format.as_deref()).unwrap_or("mp4"),
    };
    let mut kf = base_key_frame(&base, receipt);
    if !keeps_negative {
        kf.remove("negativePrompt");
    }
    if p.project_type != "video" {
        return Err(project_type_error(&p.project_type, "video"));
    }
    let ModelOptions::Video(tier) = options else {
        return Err(err(
            "INVALID_MODEL",
            "Invalid model type. Model does not support video generation. Please use a different model.",
        ));
    };
    let Some(f) = fam else {
        return Err(err(
            "INVALID_MODEL",
            "Video generation is only supported for video models.",
        ));
    };
    validate_assets(p, f)?;
    if f == Family::Upscale {
        validate_upscale(p)?;
    }
    if f == Family::H3 {
        validate_h3(p)?;
    }
    apply_video_fields(&mut kf, p, f)?;
    kf.insert(
        "comfySampler".into(),
        validate_sampler(p.sampler.as_deref(), options)?.map_or(Value::Null, Value::from),
    );
    kf.insert(
        "comfyScheduler".into(),
        validate_scheduler(p.scheduler.as_deref(), options)?.map_or(Value::Null, Value::from),
    );
    if f == Family::Upscale {
        let extra = json!({
            "upscaleResolution": js::number(upscale_resolution(p)),
            "steps": 1,
            "seed": js::number(p.seed.unwrap_or(0.0)),
            "detailPreference": p.detail_preference.as_deref().unwrap_or("stable"),
            "processingSpeed": p.processing_speed.as_deref().unwrap_or("stable"),
            "generateAudio": true,
            "interpolation": "none",
        });
        kf.extend(extra.as_object().cloned().unwrap_or_default());
    }
    annotate_content_types(&mut kf, p, content_types);
    extra_checks(p, f, tier)?;
    Ok(finish_request(&base, kf, project_id, ctx))
}

/// `applyVideoParams` after the validations: the video keyframe fields, in order.
fn apply_video_fields(
    kf: &mut Map<String, Value>,
    p: &VideoProjectParams,
    f: Family,
) -> Result<()> {
    let model = p.model_id.as_str();
    let h3_r2v = is_h3_r2v(model);
    let mut set = |key: &str, value: Value| {
        kf.insert(key.to_string(), value);
    };
    let urls = |v: &Option<Value>| {
        let list = url_list(v.as_ref());
        (!list.is_empty()).then(|| json!(list))
    };
    if p.reference_image {
        set("hasReferenceImage", Value::Bool(true));
    }
    let offset = usize::from(p.reference_image);
    for i in 0..p.context_images.items().len() {
        set(
            &format!("hasContextImage{}", offset + i + 1),
            Value::Bool(true),
        );
    }
    if let Some(u) = urls(&p.reference_image_urls) {
        set("referenceImageURLs", u);
    }
    if p.reference_image_end {
        set("hasReferenceImageEnd", Value::Bool(true));
    }
    if h3_r2v {
        for n in 1..=h3_audio_slots(p).len() {
            set(&format!("hasReferenceAudio{n}"), Value::Bool(true));
        }
    } else if p.reference_audio {
        set("hasReferenceAudio", Value::Bool(true));
    }
    if let Some(u) = urls(&p.reference_audio_urls) {
        set("referenceAudioURLs", u);
    }
    if h3_r2v {
        let durations = p
            .reference_video_durations
            .as_ref()
            .and_then(Value::as_array);
        for n in 1..=h3_video_slots(p).len() {
            set(&format!("hasReferenceVideo{n}"), Value::Bool(true));
            if let Some(d) = durations.and_then(|d| d.get(n - 1)) {
                set(&format!("referenceVideo{n}DurationSeconds"), d.clone());
            }
        }
    } else if p.reference_video {
        set("hasReferenceVideo", Value::Bool(true));
    }
    if p.reference_mask && p.uses_reference_mask() {
        set("hasReferenceMask", Value::Bool(true));
    }
    if let Some(u) = urls(&p.reference_video_urls) {
        set("referenceVideoURLs", u);
    }
    if p.reference_audio_identity {
        set("hasReferenceAudioIdentity", Value::Bool(true));
    }
    if let Some(g) = p.generate_audio {
        set("generateAudio", Value::Bool(g));
    }
    let passthrough = [
        ("referenceFileURL", &p.reference_file_url),
        ("referenceLinkURL", &p.reference_link_url),
        ("promptExtend", &p.prompt_extend),
        ("watermark", &p.watermark),
    ];
    for (key, value) in passthrough {
        if let Some(v) = value {
            set(key, v.clone());
        }
    }
    if let Some(r) = &p.ratio {
        set("ratio", Value::from(r.as_str()));
    }
    if let Some(r) = &p.return_last_frame {
        set("returnLastFrame", r.clone());
    }
    if let Some(t) = &p.seedance_task_type {
        set("seedanceTaskType", Value::from(t.as_str()));
    }
    if let Some(s) = p.audio_identity_strength {
        set("identityGuidanceScale", js::number(s));
    }
    // fps before duration: the frame count depends on it.
    let default_fps = match f {
        Family::Wan3 => Some(30.0),
        Family::Seedance | Family::HappyHorse | Family::H3 => Some(24.0),
        _ => None,
    };
    if let Some(fps) = p.fps.or(default_fps) {
        set("fps", js::number(fps));
    }
    if let Some(frames) = p.frames {
        set("frames", js::number(frames));
    }
    if let Some(d) = p
        .duration
        .filter(|_| !(f == Family::Upscale && p.frames.is_some()))
    {
        let property = "Video duration";
        let duration = if f == Family::Upscale {
            let min = 1.0 / p.fps.unwrap_or(24.0);
            validate_number("INVALID_DURATION", d, Some(min), None, property)?
        } else {
            let min = match f {
                Family::H3 => H3_BASE_FRAMES / H3_FPS,
                Family::Wan3 => 2.0,
                Family::HappyHorse => 3.0,
                Family::Seedance => 4.0,
                _ => 1.0,
            };
            let max = max_duration(model, f);
            validate_number("INVALID_DURATION", d, Some(min), Some(max), property)?
        };
        let fps = p.fps.unwrap_or(if f == Family::Wan3 { 30.0 } else { 24.0 });
        set(
            "frames",
            js::number(calculate_video_frames(model, duration, fps)),
        );
    }
    if let Some(s) = p.shift {
        set("shift", js::number(s));
    }
    if let Some(t) = p.teacache_threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(err(
                "INVALID_PARAMS",
                format!(
                    "teacacheThreshold must be between 0.0 and 1.0 (got {})",
                    js::number_to_string(t)
                ),
            ));
        }
        set("teacacheThreshold", js::number(t));
    }
    if let Some(a) = &p.audio_start {
        set("audioStart", a.clone());
    }
    if let Some(a) = p.audio_duration {
        set("audioDuration", js::number(a));
    }
    if let Some(v) = p.video_start {
        set("videoStart", js::number(v));
    }
    if let Some(c) = &p.sam2_coordinates {
        set("sam2Coordinates", Value::from(js_stringify(c)));
    }
    if p.trim_end_frame == Some(true) {
        set("trimEndFrame", Value::Bool(true));
    }
    for (key, value) in [
        ("firstFrameStrength", p.first_frame_strength),
        ("lastFrameStrength", p.last_frame_strength),
    ] {
        if let Some(v) = value {
            set(key, js::number(v));
        }
    }
    if let Some(cn) = &p.control_net {
        let mut raw = Map::new();
        if let Some(name) = &cn.name {
            raw.insert("name".into(), Value::from(name.as_str()));
        }
        if let Some(s) = cn.strength {
            let s = validate_number("INVALID_CONTROLNET", s, Some(0.0), Some(1.0), "strength")?;
            raw.insert("controlStrength".into(), js::number(s));
        }
        set("currentControlNetsJob", json!([raw]));
    }
    if let Some(d) = p.detailer_strength {
        set("detailerStrength", js::number(d));
    }
    if let (Some(w), Some(h)) = (p.width, p.height) {
        if js::truthy_number(Some(w)) && js::truthy_number(Some(h)) {
            let (w, h) = if f == Family::H3 {
                (w, h)
            } else {
                (
                    validate_number("INVALID_SIZE", w, Some(480.0), None, "Video width")?,
                    validate_number("INVALID_SIZE", h, Some(480.0), None, "Video height")?,
                )
            };
            set("width", js::number(w));
            set("height", js::number(h));
        }
    }
    if let Some(o) = &p.outpaint_position {
        set("outpaintPosition", Value::from(o.as_str()));
    }
    Ok(())
}

/// `_annotateVideoAssetContentTypes`: MIME types of the uploaded media (never of `true`).
fn annotate_content_types(
    kf: &mut Map<String, Value>,
    p: &VideoProjectParams,
    content_types: &[(String, String)],
) {
    let lookup = |key: &str| {
        content_types
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| Value::from(v.as_str()))
    };
    let h3_r2v = is_h3_r2v(&p.model_id);
    let mut keys: Vec<String> = Vec::new();
    if p.reference_image {
        keys.push("referenceImage".into());
    }
    if p.reference_image_end {
        keys.push("referenceImageEnd".into());
    }
    if !h3_r2v && p.reference_audio {
        keys.push("referenceAudio".into());
    }
    for key in keys.drain(..) {
        if let Some(ct) = lookup(&key) {
            kf.insert(format!("{key}ContentType"), ct);
        }
    }
    if p.reference_audio_identity {
        if let Some(ct) = lookup("referenceAudioIdentity") {
            kf.entry("referenceAudioContentType").or_insert(ct.clone());
            kf.insert("referenceAudioIdentityContentType".into(), ct);
        }
    }
    if !h3_r2v && p.reference_video {
        keys.push("referenceVideo".into());
    }
    if h3_r2v {
        keys.extend((1..=h3_audio_slots(p).len()).map(|n| format!("referenceAudio{n}")));
        keys.extend((1..=h3_video_slots(p).len()).map(|n| format!("referenceVideo{n}")));
    }
    if p.reference_mask && p.uses_reference_mask() {
        keys.push("referenceMask".into());
    }
    for key in keys {
        if let Some(ct) = lookup(&key) {
            kf.insert(format!("{key}ContentType"), ct);
        }
    }
}

fn out_of_range(code: &'static str, what: &str, range: &NumRange, model: &str, v: f64) -> Error {
    err(
        code,
        format!(
            "{what} must be an integer from {} to {} for {model}, got {}",
            js::number_to_string(range.min),
            js::number_to_string(range.max),
            js::number_to_string(v)
        ),
    )
}

/// The checks the official SDK does not make (see [`video_job_request`]).
fn extra_checks(p: &VideoProjectParams, f: Family, tier: &VideoModelOptions) -> Result<()> {
    let model = p.model_id.as_str();
    if f == Family::Upscale {
        return Ok(());
    }
    let n = |v: f64| js::number_to_string(v);
    if let Some(m) = p
        .number_of_media
        .filter(|m| !js::is_integer(*m) || *m < 0.0)
    {
        return Err(err(
            "INVALID_NUMBER_OF_MEDIA",
            format!("numberOfMedia must be a non-negative integer, got {}", n(m)),
        ));
    }
    if let (Some(steps), Some(range)) = (p.steps, tier.steps.as_ref()) {
        if f != Family::H3 && (!js::is_integer(steps) || steps < range.min || steps > range.max) {
            return Err(out_of_range("INVALID_STEPS", "steps", range, model, steps));
        }
    }
    if let Some(seed) = p.seed.filter(|_| f != Family::Wan3) {
        if !js::is_integer(seed) || !(0.0..=4_294_967_295.0).contains(&seed) {
            return Err(err(
                "INVALID_SEED",
                format!(
                    "seed must be an integer from 0 to 4294967295, got {}",
                    n(seed)
                ),
            ));
        }
    }
    let allowed_fps: Vec<f64> = tier
        .fps
        .as_ref()
        .and_then(|v| v.get("allowed"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    if let Some(fps) = p.fps.filter(|_| f == Family::Ltx) {
        // LTX renders at the requested rate, 1–60 fps (official guide); its tier list is
        // a set of suggestions.
        if !(1.0..=60.0).contains(&fps) {
            return Err(err(
                "INVALID_FPS",
                format!("fps must be from 1 to 60 for {model}, got {}", n(fps)),
            ));
        }
    } else if let Some(fps) = p.fps.filter(|_| !matches!(f, Family::H3 | Family::Wan3)) {
        if !allowed_fps.is_empty() && !allowed_fps.contains(&fps) {
            let list: Vec<String> = allowed_fps.iter().map(|v| n(*v)).collect();
            return Err(err(
                "INVALID_FPS",
                format!(
                    "fps must be one of {} for {model}, got {}",
                    list.join(", "),
                    n(fps)
                ),
            ));
        }
    }
    if let (Some(w), Some(h)) = (p.width, p.height) {
        let sent = js::truthy_number(Some(w)) && js::truthy_number(Some(h));
        if sent && f != Family::H3 {
            for (name, v, max) in [("width", w, tier.width.max), ("height", h, tier.height.max)] {
                if !js::is_integer(v) {
                    return Err(err(
                        "INVALID_SIZE",
                        format!("Video {name} must be an integer, got {}", n(v)),
                    ));
                }
                if v > max {
                    return Err(err(
                        "INVALID_SIZE",
                        format!(
                            "Video {name} must be at most {} for {model}, got {}",
                            n(max),
                            n(v)
                        ),
                    ));
                }
            }
            if let Some(max) = tier.max_pixels.filter(|max| w * h > *max) {
                return Err(err(
                    "INVALID_SIZE",
                    format!(
                        "Video size {}x{} exceeds the {}-pixel limit of {model}",
                        n(w),
                        n(h),
                        n(max)
                    ),
                ));
            }
        }
    }
    if let Some(cn) = &p.control_net {
        let name = cn.name.as_deref().unwrap_or_default();
        if !VIDEO_CONTROLNET_NAMES.contains(&name) {
            return Err(err(
                "INVALID_CONTROLNET",
                format!(
                    "Invalid video ControlNet name {name}. Must be one of \"{}\".",
                    VIDEO_CONTROLNET_NAMES.join("\", \"")
                ),
            ));
        }
        if !p.model_id.contains("_v2v") {
            return Err(err(
                "INVALID_CONTROLNET",
                format!(
                    "ControlNet {name} needs a video-to-video (_v2v) model such as \
                     ltx23-22b-fp8_v2v_distilled; {} is not one",
                    p.model_id
                ),
            ));
        }
    }
    Ok(())
}

/// The reference uploads `projects.create()` makes for a video project, in the official
/// order: `referenceImage`, the H3 r2v `contextImages` (slot offset past `referenceImage`),
/// `referenceImageEnd`, `referenceAudio` and `referenceVideo` (not r2v),
/// `referenceAudioIdentity` (same `referenceAudio` slot), the H3 r2v numbered audio and
/// video slots, and `referenceMask` (inpaint control only). Lists every present medium;
/// the wasm layer skips those given as `true`. Call it after [`video_job_request`]
/// succeeded (it assumes the validated shape).
pub fn video_upload_slots(p: &VideoProjectParams) -> Vec<UploadSlot> {
    let image = |param, index, slot_type: String| UploadSlot {
        param,
        index,
        endpoint: IMAGE_UPLOAD_URL_PATH,
        key: slot_type.clone(),
        slot_type,
        id: None,
    };
    let media = |param, index, slot_type: &str, id: Option<String>, key: String| UploadSlot {
        param,
        index,
        endpoint: MEDIA_UPLOAD_URL_PATH,
        slot_type: slot_type.to_string(),
        id,
        key,
    };
    let h3_r2v = is_h3_r2v(&p.model_id);
    let mut slots = Vec::new();
    if p.reference_image {
        slots.push(image("referenceImage", None, "referenceImage".into()));
    }
    let offset = usize::from(p.reference_image);
    for (i, set) in p.context_images.items().iter().enumerate() {
        if *set {
            let slot = format!("contextImage{}", offset + i + 1);
            slots.push(image("contextImages", Some(i), slot));
        }
    }
    if p.reference_image_end {
        slots.push(image("referenceImageEnd", None, "referenceImageEnd".into()));
    }
    if !h3_r2v && p.reference_audio {
        let key = "referenceAudio".to_string();
        slots.push(media("referenceAudio", None, "referenceAudio", None, key));
    }
    if p.reference_audio_identity {
        let key = "referenceAudioIdentity".to_string();
        slots.push(media(
            "referenceAudioIdentity",
            None,
            "referenceAudio",
            None,
            key,
        ));
    }
    if !h3_r2v && p.reference_video {
        let key = "referenceVideo".to_string();
        slots.push(media("referenceVideo", None, "referenceVideo", None, key));
    }
    if h3_r2v {
        for (kind, list) in [
            ("referenceAudio", h3_audio_slots(p)),
            ("referenceVideo", h3_video_slots(p)),
        ] {
            for (n, (param, index)) in list.into_iter().enumerate() {
                let id = format!("{kind}{}", n + 1);
                slots.push(media(param, index, kind, Some(id.clone()), id));
            }
        }
    }
    if p.reference_mask && p.uses_reference_mask() {
        slots.push(image("referenceMask", None, "referenceMask".into()));
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn media_keys_become_flags() {
        let p = VideoProjectParams::from_value(&json!({
            "type": "video", "modelId": "m", "referenceImage": true, "referenceVideo": 0,
            "referenceAudioIdentity": {"blob": 1}, "contextImages": [true, false],
            "referenceVideos": null, "fps": 24, "controlNet": {"name": "canny", "strength": 0.5}
        }))
        .unwrap();
        assert!(p.reference_image && p.reference_audio_identity);
        assert!(!p.reference_video && !p.reference_mask);
        assert_eq!(p.context_images, MediaList::Items(vec![true, false]));
        assert_eq!(p.reference_videos, MediaList::NotArray);
        assert_eq!(p.reference_audios, MediaList::Absent);
        assert_eq!(p.fps, Some(24.0));
        assert_eq!(p.control_net.unwrap().strength, Some(0.5));
        let e = VideoProjectParams::from_value(&json!({"fps": "24"})).unwrap_err();
        assert_eq!(e.code(), "INVALID_PARAMS");
    }

    #[test]
    fn families_and_workflows() {
        let cases = [
            ("wan_v2.2-14b-fp8_s2v_lightx2v", Some("s2v")),
            (
                "wan_v2.2-14b-fp8_animate-replace_lightx2v",
                Some("animate-replace"),
            ),
            ("wan_v2.2-14b-fp8_s2v", None),
            ("ltx23-22b-fp8_ia2v_dev", Some("ia2v")),
            ("ltx23-22b-fp8_a2v_distilled", Some("a2v")),
            ("ltx2-19b-fp8_v2v", Some("v2v")),
            ("ltx25-22b-int8_t2v_distilled", Some("t2v")),
            ("ltx23-22b-10eros-v1.4-fp8mixed_i2v", Some("i2v")),
            ("ltx23-22b-fp8_t2v", None),
            ("seedance-2-0", None),
            ("happyhorse-1.1-r2v", Some("r2v")),
            ("wan3.0-spicy-video", Some("t2v")),
            ("minimax-h3-ref2va-fp8_r2v_balanced_2stage", Some("r2v")),
            ("minimax-h3-fastvideo-int8_flfa2v_turbo", Some("flfa2v")),
            ("minimax-h3-fastvideo-int8_ia2v_turbo_2stage", Some("ia2v")),
            ("minimax-h3-fastvideo-int8_a2v_turbo", Some("a2v")),
            ("minimax-h3-fl2va-fp8_flf2v", Some("flf2v")),
            (FLASHVSR_VIDEO_UPSCALE_MODEL_ID, Some("upscale")),
            ("flux1-schnell-fp8", None),
        ];
        for (model, wf) in cases {
            assert_eq!(video_workflow_type(model), wf, "{model}");
        }
        assert!(is_video_model("seedance-2-0-mini"));
        assert!(!is_video_model("wan_v2.2-14b-fp8_s2v"));
        assert!(is_minimax_h3_audio_guide_model(
            MINIMAX_H3_FASTH3_A2V_MODEL_ID
        ));
        assert!(is_minimax_h3_audio_guide_model(
            MINIMAX_H3_FASTH3_FLFA2V_MODEL_ID
        ));
        assert!(!is_minimax_h3_audio_guide_model("minimax-h3-fl2va-fp8_i2v"));
        assert!(is_video_upscale_model(FLASHVSR_VIDEO_UPSCALE_MODEL_ID));
    }

    #[test]
    fn asset_tables() {
        let req = video_asset_requirements("minimax-h3-ref2va-fp8_r2v").unwrap();
        assert_eq!(req[2], ("referenceAudio", "optional"));
        assert_eq!(req[1], ("referenceImageEnd", "forbidden"));
        let req = video_asset_requirements("happyhorse-1.1-r2v").unwrap();
        assert_eq!(req[2], ("referenceAudio", "forbidden"));
        let req = video_asset_requirements("ltx23-22b-fp8_v2v_dev").unwrap();
        assert_eq!(
            req.map(|(_, r)| r),
            [
                "optional",
                "forbidden",
                "forbidden",
                "optional",
                "required",
                "optional"
            ]
        );
        assert_eq!(
            video_asset_requirements("minimax-h3-fl2va-fp8_i2v").unwrap()[3].1,
            "forbidden"
        );
        assert!(video_asset_requirements("seedance-2-5").is_none());
    }

    #[test]
    fn h3_frames_for_audio() {
        assert_eq!(minimax_h3_frames_for_audio_duration(1.0).unwrap(), 124);
        assert_eq!(
            minimax_h3_frames_for_audio_duration(141.0 / 24.0).unwrap(),
            141
        );
        assert_eq!(minimax_h3_frames_for_audio_duration(5.9).unwrap(), 158);
        assert_eq!(minimax_h3_frames_for_audio_duration(60.0).unwrap(), 362);
        assert_eq!(
            minimax_h3_frames_for_audio_duration(0.0)
                .unwrap_err()
                .code(),
            "INVALID_DURATION"
        );
        assert!(minimax_h3_frames_for_audio_duration(f64::NAN).is_err());
    }

    #[test]
    fn https_urls() {
        for ok in [
            "https://example.com",
            "HTTPS://Example.com/a?b#c",
            " https://x.y:8443/p ",
            "https:example.com",
            "https://user:pw@host/",
            "https://[::1]/",
        ] {
            assert!(is_https_url(ok), "{ok}");
        }
        for bad in [
            "http://example.com",
            "https://",
            "https:///",
            "ftp://x",
            "https://exa mple.com",
            "https://x:port/",
            "example.com",
        ] {
            assert!(!is_https_url(bad), "{bad}");
        }
    }

    #[test]
    fn js_number_helpers() {
        assert_eq!(js_round(2.5), 3.0);
        assert_eq!(js_round(-2.5), -2.0);
        assert_eq!(js_round(0.49999999999999994), 0.0);
        assert!(js_round(f64::NAN).is_nan());
        assert!(js_clamp(f64::NAN, 0.0, 1.0).is_nan());
        assert_eq!(
            js_stringify(&json!([{"x": 0.5, "y": 1.0}, {"a": "q\"", "b": [true, null]}])),
            r#"[{"x":0.5,"y":1},{"a":"q\"","b":[true,null]}]"#
        );
        assert_eq!(video_frames("wan3.0-video", 12.0, None), 361);
        assert_eq!(video_frames("wan_v2.2-14b-fp8_t2v", -1.0, None), 0);
    }
}
