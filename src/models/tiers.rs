//! Model list and tiers → [`ModelOptions`], the way the official `getModelOptions` maps them.
//!
//! * `GET /api/v1/models/list` → [`ModelInfo`]s (`{id, name, SID, tier, media}`);
//! * `GET /api/v2/models/tiers` → a map of tier name → raw tier object.
//!
//! The tier kind is decided by its `type` key, checked in the official order: no `type` key
//! at all → legacy image tier; `'video'`; `'image'` (Comfy image); `'audio'`; anything else is
//! unsupported. Sampler and scheduler lists are display names on the wire and are mapped to
//! aliases (`"Euler a"` → `euler_a`); a caller's value is then validated against the aliases
//! only, so a display name passed by a caller is rejected, as in the official SDK (the spec's
//! "display names mapped to aliases" applies to the tier lists, not to the caller's value).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Error, Result};

/// One entry of `/api/v1/models/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct ModelInfo {
    /// Model id, e.g. `flux1-schnell-fp8`.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Numeric model id used by `/api/v1/status/network/{network}/models`.
    #[serde(rename = "SID", default)]
    pub sid: u64,
    /// Name of the tier in `/api/v2/models/tiers`.
    pub tier: String,
    /// Produced media: `image`, `video`, `audio` or `model` (3D artifact).
    #[serde(default = "default_media")]
    pub media: String,
}

fn default_media() -> String {
    "image".into()
}

/// A numeric control: `{min, max, step, default}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct NumRange {
    /// Smallest accepted value.
    pub min: f64,
    /// Largest accepted value.
    pub max: f64,
    /// Granularity: `10^-decimals` when the tier gives `decimals`, else `step`, else 1.
    pub step: f64,
    /// Default value.
    pub default: f64,
}

/// A choice among values: `{allowed, default}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct OptionList<T> {
    /// Accepted values (aliases for samplers and schedulers).
    pub allowed: Vec<T>,
    /// Default value, `null` when the tier has none.
    pub default: Option<T>,
}

impl<T> Default for OptionList<T> {
    fn default() -> Self {
        Self {
            allowed: Vec::new(),
            default: None,
        }
    }
}

/// Options of an image model (legacy or Comfy tier).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct ImageModelOptions {
    /// Steps range.
    pub steps: NumRange,
    /// Guidance range; absent on promptless tiers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<NumRange>,
    /// Scheduler aliases.
    pub scheduler: OptionList<String>,
    /// Sampler aliases.
    pub sampler: OptionList<String>,
    /// VAE file names (Comfy tiers that declare them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vae: Option<OptionList<String>>,
}

/// Options of a video model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct VideoModelOptions {
    /// `video-upscale` for upscaling models.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Output resolutions an upscaler offers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_resolutions: Option<Vec<f64>>,
    /// Whether the output keeps the source's timing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preserves_source_timing: Option<bool>,
    /// Whether a reference video is mandatory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_reference_video: Option<bool>,
    /// Horizontal pixel range and grid.
    pub width: NumRange,
    /// Vertical pixel range and grid.
    pub height: NumRange,
    /// Maximum total output pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_pixels: Option<f64>,
    /// Steps range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<NumRange>,
    /// Guidance range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<NumRange>,
    /// Frame-rate choices, passed through unmapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
    pub fps: Option<Value>,
    /// Sampler aliases.
    pub sampler: OptionList<String>,
    /// Scheduler aliases.
    pub scheduler: OptionList<String>,
}

/// `instruct` limits of a speech model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct InstructOptions {
    /// Maximum length of the delivery direction.
    pub max_length: f64,
    /// Whether a direction is mandatory.
    pub required: bool,
}

/// `referenceText` limits of a speech model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct ReferenceTextOptions {
    /// Maximum transcript length.
    pub max_length: f64,
}

/// `composerMode` default of a music model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct BoolDefault {
    /// Default value (absent when the tier gives none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
    pub default: Option<Value>,
}

/// Options of an audio model (music or speech); each field only when the tier declares it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct AudioModelOptions {
    /// Steps range.
    pub steps: NumRange,
    /// Sampler aliases (music).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampler: Option<OptionList<String>>,
    /// Scheduler aliases (music).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<OptionList<String>>,
    /// Duration range in seconds (music).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<NumRange>,
    /// Tempo range (music).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bpm: Option<NumRange>,
    /// Time signatures (music).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
    pub timesignature: Option<OptionList<Value>>,
    /// Preset voices (speech).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
    pub speaker: Option<OptionList<Value>>,
    /// Delivery-direction limits (speech).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instruct: Option<InstructOptions>,
    /// Reference-transcript limits (speech).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_text: Option<ReferenceTextOptions>,
    /// Whether a reference recording may be uploaded (speech).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepts_reference_audio: Option<bool>,
    /// Whether a reference recording is mandatory (speech).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_reference_audio: Option<bool>,
    /// Guidance range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<NumRange>,
    /// Languages.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
    pub language: Option<OptionList<Value>>,
    /// Keys and scales (music).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
    pub keyscale: Option<OptionList<Value>>,
    /// Composer-mode default (music).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composer_mode: Option<BoolDefault>,
    /// Prompt-strength range (music).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_strength: Option<NumRange>,
    /// Creativity range (music).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creativity: Option<NumRange>,
    /// Shift range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift: Option<NumRange>,
}

/// What `sogni.projects.getModelOptions(modelId)` returns; serializes with a `type` tag.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(tag = "type", rename_all = "lowercase")]
// Built once per `create()`/`estimateCost()` call; boxing would only complicate matching.
#[allow(clippy::large_enum_variant)]
pub enum ModelOptions {
    /// An image model.
    Image(ImageModelOptions),
    /// A video model.
    Video(VideoModelOptions),
    /// An audio model.
    Audio(AudioModelOptions),
}

impl ModelOptions {
    /// `'image'`, `'video'` or `'audio'`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Image(_) => "image",
            Self::Video(_) => "video",
            Self::Audio(_) => "audio",
        }
    }

    /// The sampler list, if the model has one.
    pub fn sampler(&self) -> Option<&OptionList<String>> {
        match self {
            Self::Image(o) => Some(&o.sampler),
            Self::Video(o) => Some(&o.sampler),
            Self::Audio(o) => o.sampler.as_ref(),
        }
    }

    /// The scheduler list, if the model has one.
    pub fn scheduler(&self) -> Option<&OptionList<String>> {
        match self {
            Self::Image(o) => Some(&o.scheduler),
            Self::Video(o) => Some(&o.scheduler),
            Self::Audio(o) => o.scheduler.as_ref(),
        }
    }

    /// The VAE list (image models only).
    pub fn vae(&self) -> Option<&OptionList<String>> {
        match self {
            Self::Image(o) => o.vae.as_ref(),
            _ => None,
        }
    }

    /// The steps range, if the model has one.
    pub fn steps(&self) -> Option<&NumRange> {
        match self {
            Self::Image(o) => Some(&o.steps),
            Self::Video(o) => o.steps.as_ref(),
            Self::Audio(o) => Some(&o.steps),
        }
    }
}

/// Parses the `/api/v1/models/list` body.
pub fn parse_model_list(body: &Value) -> Result<Vec<ModelInfo>> {
    serde_json::from_value(body.clone()).map_err(|e| Error::Protocol {
        message: format!("model list: {e}"),
    })
}

/// `getModelOptions(modelId)`: finds the model, then its tier, then maps the tier.
///
/// Errors: `INVALID_MODEL` "Model X not supported" when the id is not listed; a
/// [`Error::Protocol`] when the listed tier is missing or of an unknown kind (server data).
pub fn model_options(
    models: &[ModelInfo],
    tiers: &Map<String, Value>,
    model_id: &str,
) -> Result<ModelOptions> {
    let model = models.iter().find(|m| m.id == model_id).ok_or_else(|| {
        Error::invalid("INVALID_MODEL", format!("Model {model_id} not supported"))
    })?;
    let tier = tiers
        .get(&model.tier)
        .filter(|t| !t.is_null())
        .ok_or_else(|| Error::Protocol {
            message: format!(
                "Unable to find model tier \"{}\" please contact support",
                model.tier
            ),
        })?;
    map_tier(&model.tier, tier)
}

/// Maps one raw tier to [`ModelOptions`] (`mapImageTier`, `mapVideoTier`,
/// `mapComfyImageTier`, `mapAudioTier`).
pub fn map_tier(name: &str, tier: &Value) -> Result<ModelOptions> {
    let unsupported = || Error::Protocol {
        message: format!("Unsupported model tier \"{name}\""),
    };
    let t = tier.as_object().ok_or_else(unsupported)?;
    let ctx = TierCtx { name, t };
    match t.get("type") {
        None => Ok(ModelOptions::Image(ImageModelOptions {
            steps: ctx.range_req("steps")?,
            guidance: ctx.range("guidance")?,
            scheduler: ctx.options("scheduler", scheduler_alias)?,
            sampler: ctx.options("sampler", sampler_alias)?,
            vae: None,
        })),
        Some(Value::String(kind)) if kind == "video" => {
            Ok(ModelOptions::Video(VideoModelOptions {
                task: t.get("task").and_then(Value::as_str).map(str::to_string),
                output_resolutions: t
                    .get("outputResolutions")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_f64).collect()),
                preserves_source_timing: t.get("preservesSourceTiming").and_then(Value::as_bool),
                requires_reference_video: t.get("requiresReferenceVideo").and_then(Value::as_bool),
                width: ctx.range_req("width")?,
                height: ctx.range_req("height")?,
                max_pixels: t.get("maxPixels").and_then(Value::as_f64),
                steps: ctx.range("steps")?,
                guidance: ctx.range("guidance")?,
                fps: t.get("fps").filter(|v| js_truthy(v)).cloned(),
                sampler: ctx.options("comfySampler", sampler_alias)?,
                scheduler: ctx.options("comfyScheduler", scheduler_alias)?,
            }))
        }
        Some(Value::String(kind)) if kind == "image" => {
            Ok(ModelOptions::Image(ImageModelOptions {
                steps: ctx.range_req("steps")?,
                guidance: ctx.range("guidance")?,
                scheduler: ctx.options("comfyScheduler", scheduler_alias)?,
                sampler: ctx.options("comfySampler", sampler_alias)?,
                vae: if ctx.present("vae") {
                    Some(ctx.options("vae", |s| s)?)
                } else {
                    None
                },
            }))
        }
        Some(Value::String(kind)) if kind == "audio" => Ok(ModelOptions::Audio(map_audio(&ctx)?)),
        Some(_) => Err(unsupported()),
    }
}

fn map_audio(ctx: &TierCtx<'_>) -> Result<AudioModelOptions> {
    let t = ctx.t;
    let instruct = if ctx.present("instruct") {
        Some(InstructOptions {
            max_length: t["instruct"]
                .get("maxLength")
                .and_then(Value::as_f64)
                .ok_or_else(|| ctx.bad("instruct.maxLength"))?,
            required: t["instruct"].get("required") == Some(&Value::Bool(true)),
        })
    } else {
        None
    };
    let reference_text = if ctx.present("referenceText") {
        Some(ReferenceTextOptions {
            max_length: t["referenceText"]
                .get("maxLength")
                .and_then(Value::as_f64)
                .ok_or_else(|| ctx.bad("referenceText.maxLength"))?,
        })
    } else {
        None
    };
    let requires = ctx.present("requiresReferenceAudio");
    let accepts = ctx.present("acceptInputAudio") || requires;
    let optional_options = |key: &str| -> Result<Option<OptionList<Value>>> {
        if ctx.present(key) {
            Ok(Some(ctx.value_options(key)?))
        } else {
            Ok(None)
        }
    };
    let optional_aliases = |key: &str, map: fn(&str) -> &str| -> Result<Option<_>> {
        if ctx.present(key) {
            Ok(Some(ctx.options(key, map)?))
        } else {
            Ok(None)
        }
    };
    Ok(AudioModelOptions {
        steps: ctx.range_req("steps")?,
        sampler: optional_aliases("comfySampler", sampler_alias)?,
        scheduler: optional_aliases("comfyScheduler", scheduler_alias)?,
        duration: ctx.range("duration")?,
        bpm: ctx.range("bpm")?,
        timesignature: optional_options("timesignature")?,
        speaker: optional_options("speaker")?,
        instruct,
        reference_text,
        accepts_reference_audio: accepts.then_some(true),
        requires_reference_audio: requires.then_some(true),
        guidance: ctx.range("guidance")?,
        language: optional_options("language")?,
        keyscale: optional_options("keyscale")?,
        composer_mode: if ctx.present("composerMode") {
            Some(BoolDefault {
                default: t["composerMode"].get("default").cloned(),
            })
        } else {
            None
        },
        prompt_strength: ctx.range("promptStrength")?,
        creativity: ctx.range("creativity")?,
        shift: ctx.range("shift")?,
    })
}

/// Reads one raw tier with the official truthiness rules (`if (tier.x)`).
struct TierCtx<'a> {
    name: &'a str,
    t: &'a Map<String, Value>,
}

impl TierCtx<'_> {
    fn bad(&self, key: &str) -> Error {
        Error::Protocol {
            message: format!("model tier \"{}\": {key} is malformed", self.name),
        }
    }

    fn present(&self, key: &str) -> bool {
        self.t.get(key).is_some_and(js_truthy)
    }

    /// `mapRange`; the official code crashes on a missing required range, we report it.
    fn range_req(&self, key: &str) -> Result<NumRange> {
        self.range(key)?.ok_or_else(|| self.bad(key))
    }

    fn range(&self, key: &str) -> Result<Option<NumRange>> {
        if !self.present(key) {
            return Ok(None);
        }
        let r = &self.t[key];
        let num = |k: &str| r.get(k).and_then(Value::as_f64);
        let (Some(min), Some(max), Some(default)) = (num("min"), num("max"), num("default")) else {
            return Err(self.bad(key));
        };
        let decimals = num("decimals").filter(|d| *d != 0.0);
        let step = match decimals {
            Some(d) => 10f64.powf(-d),
            None => num("step").filter(|s| *s != 0.0).unwrap_or(1.0),
        };
        Ok(Some(NumRange {
            min,
            max,
            step,
            default,
        }))
    }

    /// `mapOptions(data, mapper)` for string lists; absent → `{allowed: [], default: null}`.
    fn options(&self, key: &str, map: fn(&str) -> &str) -> Result<OptionList<String>> {
        if !self.present(key) {
            return Ok(OptionList::default());
        }
        let o = &self.t[key];
        let allowed = o
            .get("allowed")
            .and_then(Value::as_array)
            .ok_or_else(|| self.bad(key))?
            .iter()
            .map(|v| v.as_str().map(|s| map(s).to_string()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| self.bad(key))?;
        let default = match o.get("default") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(map(s).to_string()),
            Some(_) => return Err(self.bad(key)),
        };
        Ok(OptionList { allowed, default })
    }

    /// `mapOptions(data)` without a mapper: values are passed through as they are.
    fn value_options(&self, key: &str) -> Result<OptionList<Value>> {
        let o = &self.t[key];
        let allowed = o
            .get("allowed")
            .and_then(Value::as_array)
            .ok_or_else(|| self.bad(key))?
            .clone();
        let default = o.get("default").filter(|v| !v.is_null()).cloned();
        Ok(OptionList { allowed, default })
    }
}

fn js_truthy(v: &Value) -> bool {
    crate::projects::js::truthy(v)
}

/// Sampler display name → alias (`"DPM++ 2M"` → `dpmpp_2m`); unknown values are unchanged.
pub fn sampler_alias(value: &str) -> &str {
    match value {
        "Euler" => "euler",
        "Euler a" => "euler_a",
        "Euler Ancestral" => "euler_ancestral",
        "Heun" => "heun",
        "DPM++ 2M" => "dpmpp_2m",
        "DPM++ 2M SDE" => "dpmpp_2m_sde",
        "DPM++ SDE" => "dpmpp_sde",
        "DPM++ 3M SDE" => "dpmpp_3m_sde",
        "UniPC" => "uni_pc",
        "LCM (Latent Consistency Model)" => "lcm",
        "LMS" => "lms",
        "DPM 2" => "dpm_2",
        "DPM 2 Ancestral" => "dpm_2_ancestral",
        "DPM Fast" => "dpm_fast",
        "DPM Adaptive" => "dpm_adaptive",
        "DPM++ 2S Ancestral" => "dpmpp_2s_ancestral",
        "DDPM" => "ddpm",
        "Discrete Flow Sampler (SD3)" | "Discrete Flow Scheduler (SD3)" => "dfs_sd3",
        "DPM Solver Multistep (DPM-Solver++)" => "dpm_pp",
        "PNDM (Pseudo-linear multi-step)" => "pndm_plms",
        other => other,
    }
}

/// Scheduler display name → alias (`"SGM Uniform"` → `sgm_uniform`); unknown values are
/// unchanged.
pub fn scheduler_alias(value: &str) -> &str {
    match value {
        "Simple" => "simple",
        "Normal" => "normal",
        "Karras" => "karras",
        "Exponential" => "exponential",
        "SGM Uniform" => "sgm_uniform",
        "DDIM Uniform" => "ddim_uniform",
        "Beta" => "beta",
        "Linear Quadratic" => "linear_quadratic",
        "KL Optimal" => "kl_optimal",
        "DDIM" => "ddim",
        "Leading" => "leading",
        "Linear" => "linear",
        other => other,
    }
}

fn validate_option(
    code: &'static str,
    what: &str,
    value: Option<&str>,
    list: Option<&OptionList<String>>,
) -> Result<Option<String>> {
    let (Some(list), Some(value)) = (list, value.filter(|v| !v.is_empty())) else {
        return Ok(None);
    };
    if list.allowed.is_empty() {
        return Ok(None);
    }
    if list.allowed.iter().any(|a| a == value) {
        return Ok(Some(value.to_string()));
    }
    Err(Error::invalid(
        code,
        format!(
            "Invalid {what} {value}. Must be one of \"{}\".",
            list.allowed.join("\", \"")
        ),
    ))
}

/// `validateSampler`: `None` when unset or the model offers no sampler choice; the value
/// unchanged when it is one of the allowed aliases; `INVALID_SAMPLER` otherwise.
pub fn validate_sampler(value: Option<&str>, options: &ModelOptions) -> Result<Option<String>> {
    validate_option("INVALID_SAMPLER", "sampler", value, options.sampler())
}

/// `validateScheduler`: like [`validate_sampler`], code `INVALID_SCHEDULER`.
pub fn validate_scheduler(value: Option<&str>, options: &ModelOptions) -> Result<Option<String>> {
    validate_option("INVALID_SCHEDULER", "scheduler", value, options.scheduler())
}

/// `validateVae`: like [`validate_sampler`] against the image model's VAE list, code
/// `INVALID_VAE`.
pub fn validate_vae(value: Option<&str>, options: &ModelOptions) -> Result<Option<String>> {
    validate_option("INVALID_VAE", "VAE", value, options.vae())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aliases_map_display_names_only() {
        assert_eq!(sampler_alias("Euler a"), "euler_a");
        assert_eq!(sampler_alias("Discrete Flow Scheduler (SD3)"), "dfs_sd3");
        assert_eq!(sampler_alias("euler"), "euler");
        assert_eq!(sampler_alias("Something"), "Something");
        assert_eq!(scheduler_alias("KL Optimal"), "kl_optimal");
        assert_eq!(scheduler_alias("karras"), "karras");
    }

    #[test]
    fn legacy_tier_maps_to_aliases_and_rejects_display_names() {
        let tier = json!({
            "steps": {"min": 1, "max": 12, "default": 4},
            "guidance": {"min": 0, "max": 3, "default": 1, "decimals": 1},
            "sampler": {"allowed": ["Euler", "Euler a"], "default": "Euler"},
            "scheduler": {"allowed": ["Simple", "Karras"], "default": "Simple"}
        });
        let o = map_tier("t", &tier).unwrap();
        assert_eq!(o.kind(), "image");
        assert_eq!(o.sampler().unwrap().allowed, vec!["euler", "euler_a"]);
        assert_eq!(o.sampler().unwrap().default.as_deref(), Some("euler"));
        assert_eq!(
            validate_sampler(Some("euler_a"), &o).unwrap().as_deref(),
            Some("euler_a")
        );
        assert_eq!(validate_sampler(None, &o).unwrap(), None);
        assert_eq!(validate_sampler(Some(""), &o).unwrap(), None);
        let err = validate_sampler(Some("Euler"), &o).unwrap_err();
        assert_eq!(err.code(), "INVALID_SAMPLER");
        assert_eq!(
            err.to_string(),
            "Invalid sampler Euler. Must be one of \"euler\", \"euler_a\"."
        );
        let err = validate_scheduler(Some("Karras"), &o).unwrap_err();
        assert_eq!(err.code(), "INVALID_SCHEDULER");
        match &o {
            ModelOptions::Image(i) => assert_eq!(i.guidance.as_ref().unwrap().step, 0.1),
            _ => unreachable!(),
        }
    }

    #[test]
    fn missing_model_and_tier_errors() {
        let models = vec![ModelInfo {
            id: "a".into(),
            name: "A".into(),
            sid: 1,
            tier: "missing".into(),
            media: "image".into(),
        }];
        let tiers = Map::new();
        let err = model_options(&models, &tiers, "b").unwrap_err();
        assert_eq!(err.code(), "INVALID_MODEL");
        assert_eq!(err.to_string(), "Model b not supported");
        let err = model_options(&models, &tiers, "a").unwrap_err();
        assert!(matches!(err, Error::Protocol { .. }));
        assert!(err
            .to_string()
            .contains("Unable to find model tier \"missing\""));
        let err = map_tier("x", &json!({"type": "llm"})).unwrap_err();
        assert!(err.to_string().contains("Unsupported model tier \"x\""));
        let err = map_tier("x", &json!({"type": null})).unwrap_err();
        assert!(err.to_string().contains("Unsupported model tier"));
    }

    #[test]
    fn serializes_with_type_tag() {
        let o = map_tier(
            "t",
            &json!({"type": "image", "steps": {"min": 1, "max": 2, "default": 1},
                    "comfySampler": {"allowed": ["euler"], "default": "euler"}}),
        )
        .unwrap();
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["type"], "image");
        assert_eq!(v["scheduler"], json!({"allowed": [], "default": null}));
        assert!(v.get("guidance").is_none());
        assert!(v.get("vae").is_none());
    }
}
