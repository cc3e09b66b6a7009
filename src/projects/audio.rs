//! Audio projects (ACE-Step 1.5 music, MiniMax Music, Qwen3-TTS speech):
//! [`AudioProjectParams`], the `jobRequest` ([`audio_job_request`]) and the reference
//! upload ([`audio_upload_slots`]).
//!
//! The official SDK validates nothing of an audio project but its model type and the
//! sampler/scheduler; every other field is passed through. The extra checks listed on
//! [`audio_job_request`] use the ranges and lists the model's tier advertises.

use super::fields::params_struct;
use serde_json::Value;

use super::js;
use super::media::{UploadSlot, MEDIA_UPLOAD_URL_PATH};
use super::request::RequestContext;
use super::rules::normalize_world_generation_receipt;
use super::video::{base_key_frame, finish_request, project_type_error, Base};
use crate::models::tiers::{
    validate_sampler, validate_scheduler, AudioModelOptions, ModelOptions, NumRange, OptionList,
};
use crate::{Error, Result};

params_struct! {
    /// Parameters of an audio project, field for field as the official `AudioProjectParams`.
    pub struct AudioProjectParams {
        /// Always `audio` for this struct.
        pub project_type: String = "type",
        /// Model id, e.g. `ace_step_1.5_turbo`.
        pub model_id: String = "modelId",
        /// Number of tracks (`numberOfMedia || 1` on the wire).
        pub number_of_media: Option<f64> = "numberOfMedia",
        /// What to create.
        pub positive_prompt: Option<String> = "positivePrompt",
        /// Accepted for type compatibility; never sent for audio.
        pub negative_prompt: Option<String> = "negativePrompt",
        /// Style prompt; sent only when non-empty.
        pub style_prompt: Option<String> = "stylePrompt",
        /// Inference steps.
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
        /// Seconds of audio (ACE-Step 10..600, default 30).
        pub duration: Option<f64> = "duration",
        /// Beats per minute (30..300, default 120).
        pub bpm: Option<f64> = "bpm",
        /// Time signature: `2`, `3`, `4` or `6`.
        pub timesignature: Option<String> = "timesignature",
        /// Lyrics language code.
        pub language: Option<String> = "language",
        /// Song lyrics; omit for instrumental.
        pub lyrics: Option<String> = "lyrics",
        /// Key and scale, e.g. `C major`.
        pub keyscale: Option<String> = "keyscale",
        /// AI composer mode.
        pub composer_mode: Option<bool> = "composerMode",
        /// Prompt adherence (0..10).
        pub prompt_strength: Option<f64> = "promptStrength",
        /// Composition temperature (0..2).
        pub creativity: Option<f64> = "creativity",
        /// Sampling shift.
        pub shift: Option<f64> = "shift",
        /// Sampler alias.
        pub sampler: Option<String> = "sampler",
        /// Scheduler alias.
        pub scheduler: Option<String> = "scheduler",
        /// `mp3` (default), `flac` or `wav`.
        pub output_format: Option<String> = "outputFormat",
        /// Speech: preset voice.
        pub speaker: Option<String> = "speaker",
        /// Speech: delivery direction.
        pub instruct: Option<String> = "instruct",
        /// Speech: transcript of `referenceAudio`.
        pub reference_text: Option<String> = "referenceText",
    }
    flags {
        /// `referenceAudio` (speech voice to clone) is set.
        pub reference_audio: bool,
    }
}

/// Output formats of audio projects.
pub const AUDIO_OUTPUT_FORMATS: [&str; 3] = ["mp3", "flac", "wav"];

/// `isAudioModel`: ACE-Step (`ace_step*`) or `minimax_music3`.
pub fn is_audio_model(model_id: &str) -> bool {
    model_id.starts_with("ace_step") || model_id == "minimax_music3"
}

impl AudioProjectParams {
    /// Reads params from a JSON copy of the JS object in which `referenceAudio` was
    /// replaced by `true` (or kept falsy). A wrong type gives `INVALID_PARAMS`.
    pub fn from_value(value: &Value) -> Result<Self> {
        let obj = value
            .as_object()
            .ok_or_else(|| Error::invalid("INVALID_PARAMS", "Project params must be an object"))?;
        let mut p = Self::read_fields(obj)?;
        p.reference_audio = obj.get("referenceAudio").is_some_and(js::truthy);
        Ok(p)
    }

    /// `numberOfMedia || 1`: how many results the project waits for.
    pub fn media_count(&self) -> f64 {
        match self.number_of_media {
            Some(n) if js::truthy_number(Some(n)) => n,
            _ => 1.0,
        }
    }
}

/// Builds the `jobRequest` of an audio project, as the official `createJobRequestMessage`
/// plus the `referenceAudioContentType` `projects.create()` adds after the upload
/// (`content_types` keyed by [`UploadSlot::key`], i.e. `referenceAudio`).
///
/// Official checks (5.54 messages): the receipt, model type (`INVALID_MODEL`), sampler and
/// scheduler against the tier. `negativePrompt` is never sent; `outputFormat` defaults to
/// `mp3`; `previews` is 0.
///
/// Extra checks the official SDK does not make, each against the limits the model's tier
/// advertises (so the server would refuse the value) and skipped when the tier declares
/// no such limit:
/// - `numberOfMedia` must be a non-negative integer; `INVALID_NUMBER_OF_MEDIA`;
/// - `duration` within the tier's `duration` range (ACE-Step 10..600); `INVALID_DURATION`;
/// - `bpm` within the tier's `bpm` range (30..300); `INVALID_BPM`;
/// - `steps` an integer within the tier's steps (turbo 4..16, sft 4..100); `INVALID_STEPS`;
/// - `keyscale`, `timesignature`, `language` among the tier's allowed values;
///   `INVALID_KEYSCALE`, `INVALID_TIMESIGNATURE`, `INVALID_LANGUAGE`;
/// - `outputFormat` one of `mp3`, `flac`, `wav`; `INVALID_OUTPUT_FORMAT`.
pub fn audio_job_request(
    p: &AudioProjectParams,
    project_id: &str,
    options: &ModelOptions,
    ctx: &RequestContext,
    content_types: &[(String, String)],
) -> Result<Value> {
    let receipt = normalize_world_generation_receipt(p.world_generation_receipt.as_ref())?;
    let base = Base {
        model_id: &p.model_id,
        positive_prompt: p.positive_prompt.as_deref(),
        negative_prompt: None,
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
        output_format: js::truthy_str(p.output_format.as_deref()).unwrap_or("mp3"),
    };
    let mut kf = base_key_frame(&base, receipt);
    kf.remove("negativePrompt");
    if p.project_type != "audio" {
        return Err(project_type_error(&p.project_type, "audio"));
    }
    let ModelOptions::Audio(tier) = options else {
        return Err(Error::invalid(
            "INVALID_MODEL",
            "Invalid model type. Model does not support audio generation. Please use a different model.",
        ));
    };
    let mut set = |key: &str, value: Value| {
        kf.insert(key.to_string(), value);
    };
    let numbers = [
        ("duration", p.duration),
        ("bpm", p.bpm),
        ("promptStrength", p.prompt_strength),
        ("creativity", p.creativity),
        ("shift", p.shift),
    ];
    let strings = [
        ("timesignature", &p.timesignature),
        ("language", &p.language),
        ("lyrics", &p.lyrics),
        ("keyscale", &p.keyscale),
        ("speaker", &p.speaker),
        ("instruct", &p.instruct),
        ("referenceText", &p.reference_text),
    ];
    for (key, value) in numbers {
        if let Some(v) = value {
            set(key, js::number(v));
        }
    }
    for (key, value) in strings {
        if let Some(v) = value {
            set(key, Value::from(v.as_str()));
        }
    }
    if let Some(c) = p.composer_mode {
        set("composerMode", Value::Bool(c));
    }
    if p.reference_audio {
        set("hasReferenceAudio", Value::Bool(true));
        if let Some((_, ct)) = content_types.iter().find(|(k, _)| k == "referenceAudio") {
            set("referenceAudioContentType", Value::from(ct.as_str()));
        }
    }
    let sampler = validate_sampler(p.sampler.as_deref(), options)?;
    let scheduler = validate_scheduler(p.scheduler.as_deref(), options)?;
    set("comfySampler", sampler.map_or(Value::Null, Value::from));
    set("comfyScheduler", scheduler.map_or(Value::Null, Value::from));
    extra_checks(p, tier)?;
    Ok(finish_request(&base, kf, project_id, ctx))
}

/// The reference upload `projects.create()` makes for an audio project: `referenceAudio`
/// (speech voice cloning) to the media endpoint, slot `referenceAudio`, no `id`. The wasm
/// layer skips it when the value is `true`.
pub fn audio_upload_slots(p: &AudioProjectParams) -> Vec<UploadSlot> {
    if !p.reference_audio {
        return Vec::new();
    }
    vec![UploadSlot {
        param: "referenceAudio",
        index: None,
        endpoint: MEDIA_UPLOAD_URL_PATH,
        slot_type: "referenceAudio".into(),
        id: None,
        key: "referenceAudio".into(),
    }]
}

fn range_check(
    code: &'static str,
    name: &str,
    value: Option<f64>,
    range: Option<&NumRange>,
    integer: bool,
    model: &str,
) -> Result<()> {
    let (Some(v), Some(r)) = (value, range) else {
        return Ok(());
    };
    if v >= r.min && v <= r.max && (!integer || js::is_integer(v)) {
        return Ok(());
    }
    let n = js::number_to_string;
    let kind = if integer { "an integer" } else { "a number" };
    Err(Error::invalid(
        code,
        format!(
            "{name} must be {kind} from {} to {} for {model}, got {}",
            n(r.min),
            n(r.max),
            n(v)
        ),
    ))
}

fn list_check(
    code: &'static str,
    name: &str,
    value: Option<&str>,
    list: Option<&OptionList<Value>>,
) -> Result<()> {
    let (Some(v), Some(list)) = (value, list) else {
        return Ok(());
    };
    let allowed: Vec<String> = list
        .allowed
        .iter()
        .map(|a| match a {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    if allowed.is_empty() || allowed.iter().any(|a| a == v) {
        return Ok(());
    }
    Err(Error::invalid(
        code,
        format!(
            "Invalid {name} {v}. Must be one of \"{}\".",
            allowed.join("\", \"")
        ),
    ))
}

/// The checks the official SDK does not make (see [`audio_job_request`]).
fn extra_checks(p: &AudioProjectParams, tier: &AudioModelOptions) -> Result<()> {
    let model = p.model_id.as_str();
    if let Some(m) = p
        .number_of_media
        .filter(|m| !js::is_integer(*m) || *m < 0.0)
    {
        return Err(Error::invalid(
            "INVALID_NUMBER_OF_MEDIA",
            format!(
                "numberOfMedia must be a non-negative integer, got {}",
                js::number_to_string(m)
            ),
        ));
    }
    let duration = tier.duration.as_ref();
    range_check(
        "INVALID_DURATION",
        "duration",
        p.duration,
        duration,
        false,
        model,
    )?;
    range_check("INVALID_BPM", "bpm", p.bpm, tier.bpm.as_ref(), false, model)?;
    range_check(
        "INVALID_STEPS",
        "steps",
        p.steps,
        Some(&tier.steps),
        true,
        model,
    )?;
    let lists = [
        ("INVALID_KEYSCALE", "keyscale", &p.keyscale, &tier.keyscale),
        (
            "INVALID_TIMESIGNATURE",
            "timesignature",
            &p.timesignature,
            &tier.timesignature,
        ),
        ("INVALID_LANGUAGE", "language", &p.language, &tier.language),
    ];
    for (code, name, value, list) in lists {
        list_check(code, name, value.as_deref(), list.as_ref())?;
    }
    if let Some(f) = js::truthy_str(p.output_format.as_deref()) {
        if !AUDIO_OUTPUT_FORMATS.contains(&f) {
            return Err(Error::invalid(
                "INVALID_OUTPUT_FORMAT",
                format!("Audio outputFormat must be mp3, flac or wav, got {f}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reference_audio_becomes_a_flag() {
        let p = AudioProjectParams::from_value(&json!({
            "type": "audio", "modelId": "ace_step_1.5_turbo", "referenceAudio": true,
            "duration": 30, "timesignature": "4", "composerMode": false
        }))
        .unwrap();
        assert!(p.reference_audio);
        assert_eq!(p.duration, Some(30.0));
        assert_eq!(p.composer_mode, Some(false));
        assert_eq!(audio_upload_slots(&p).len(), 1);
        assert_eq!(p.media_count(), 1.0);
        let p = AudioProjectParams::from_value(&json!({"referenceAudio": null})).unwrap();
        assert!(!p.reference_audio && audio_upload_slots(&p).is_empty());
        assert_eq!(
            AudioProjectParams::from_value(&json!({"bpm": "fast"}))
                .unwrap_err()
                .code(),
            "INVALID_PARAMS"
        );
        assert!(is_audio_model("ace_step_1.5_sft") && is_audio_model("minimax_music3"));
        assert!(!is_audio_model("qwen3_tts_x"));
    }
}
