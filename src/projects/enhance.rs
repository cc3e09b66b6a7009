//! `Job.enhance()`: a new image project that re-renders a completed image with Flux,
//! starting from that image, as the official client builds it.

use super::params::is_segmentation_model;
use crate::Error;
use serde_json::{json, Map, Value};

/// The model every enhancement renders with.
pub const ENHANCEMENT_MODEL_ID: &str = "flux1-schnell-fp8";

/// How much freedom the enhancement has to change the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnhancementStrength {
    /// `light`: 15 % of the image may change.
    Light,
    /// `medium`: 35 %.
    Medium,
    /// `heavy`: 49 %.
    Heavy,
}

impl EnhancementStrength {
    /// Reads `'light' | 'medium' | 'heavy'`; anything else is `INVALID_STRENGTH`.
    pub fn parse(value: &Value) -> Result<Self, Error> {
        match value.as_str() {
            Some("light") => Ok(Self::Light),
            Some("medium") => Ok(Self::Medium),
            Some("heavy") => Ok(Self::Heavy),
            _ => Err(Error::invalid(
                "INVALID_STRENGTH",
                format!("enhance strength must be 'light', 'medium' or 'heavy', not {value}"),
            )),
        }
    }

    /// The share of the image the render may change (the official `getEnhacementStrength`).
    pub fn amount(self) -> f64 {
        match self {
            Self::Light => 0.15,
            Self::Medium => 0.35,
            Self::Heavy => 0.49,
        }
    }
}

/// What `enhance()` needs to know about the job before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnhanceTarget<'a> {
    /// The parent project's `params.type`.
    pub project_type: &'a str,
    /// The job's media type (`image`, `video`, `audio`, `model`).
    pub job_type: &'a str,
    /// The parent project's `modelId`.
    pub model_id: &'a str,
    /// The job completed.
    pub completed: bool,
    /// The server withheld the media (sensitive content, filter on).
    pub withheld: bool,
}

/// Refuses what the official client refuses, with typed codes: not an image
/// (`ENHANCE_UNSUPPORTED`), a segmentation mask (`ENHANCE_UNSUPPORTED`), a job not completed
/// (`JOB_NOT_COMPLETED`), withheld media (`NO_RESULT_MEDIA`).
pub fn check_enhanceable(t: &EnhanceTarget<'_>) -> Result<(), Error> {
    if t.project_type != "image" || t.job_type != "image" {
        return Err(Error::invalid(
            "ENHANCE_UNSUPPORTED",
            "Enhancement is only available for images",
        ));
    }
    if is_segmentation_model(t.model_id) {
        return Err(Error::invalid(
            "ENHANCE_UNSUPPORTED",
            "Enhancement is not available for segmentation masks",
        ));
    }
    if !t.completed {
        return Err(Error::invalid(
            "JOB_NOT_COMPLETED",
            "Job is not completed yet",
        ));
    }
    if t.withheld {
        return Err(Error::invalid(
            "NO_RESULT_MEDIA",
            "Job did not pass NSFW filter",
        ));
    }
    Ok(())
}

fn non_empty_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Reads `enhance()`'s `overrides` (`{positivePrompt?, stylePrompt?, tokenType?}`, or
/// nothing): a non-object, a non-string prompt or an unknown token type is `INVALID_PARAMS`.
pub fn check_overrides(overrides: &Value) -> Result<(), Error> {
    let bad = |m: &str| Err(Error::invalid("INVALID_PARAMS", m.to_string()));
    let obj = match overrides {
        Value::Null => return Ok(()),
        Value::Object(o) => o,
        _ => return bad("enhance overrides must be an object"),
    };
    for key in ["positivePrompt", "stylePrompt"] {
        if obj.get(key).is_some_and(|v| !v.is_string() && !v.is_null()) {
            return bad(&format!("enhance overrides.{key} must be a string"));
        }
    }
    match obj.get("tokenType") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(t)) if t == "spark" || t == "sogni" => Ok(()),
        Some(_) => bad("enhance overrides.tokenType must be 'spark' or 'sogni'"),
    }
}

/// The `projects.create` params of an enhancement (without its `startingImage`, which the
/// caller adds as the job's result bytes): Flux Schnell, 5 steps, guidance 1, one image on the
/// fast network, the parent's prompt and style (or the overrides), token type, size preset
/// and the job's seed, `startingImageStrength = 1 - strength`.
///
/// One deliberate difference: a parent rendered at a custom size passes its `width` and
/// `height` on (the official client passes only `sizePreset`, so such an enhancement renders
/// at the model's default size).
pub fn enhancement_params(
    parent: &Value,
    job_seed: Option<u64>,
    strength: EnhancementStrength,
    overrides: &Value,
) -> Result<Value, Error> {
    check_overrides(overrides)?;
    let mut p = json!({
        "type": "image",
        "network": "fast",
        "modelId": ENHANCEMENT_MODEL_ID,
        "positivePrompt": "",
        "negativePrompt": "",
        "stylePrompt": "",
        "startingImageStrength": 1.0 - strength.amount(),
        "steps": 5,
        "guidance": 1,
        "numberOfMedia": 1,
        "numberOfPreviews": 0
    });
    let out: &mut Map<String, Value> = p.as_object_mut().expect("an object literal");
    let pick = |key: &str| {
        non_empty_str(overrides.get(key))
            .or_else(|| non_empty_str(parent.get(key)))
            .map(|s| Value::String(s.to_string()))
    };
    for key in ["positivePrompt", "stylePrompt", "tokenType"] {
        match pick(key) {
            Some(v) => {
                out.insert(key.into(), v);
            }
            None if key == "tokenType" => {}
            None => {
                // The official spread leaves the key `undefined`: the request builder then
                // sends an empty prompt.
                out.insert(key.into(), Value::String(String::new()));
            }
        }
    }
    let parent_seed = parent
        .get("seed")
        .filter(|s| s.as_f64().is_some_and(|n| n != 0.0));
    match job_seed.filter(|s| *s != 0) {
        Some(seed) => {
            out.insert("seed".into(), json!(seed));
        }
        None => {
            if let Some(seed) = parent_seed {
                out.insert("seed".into(), seed.clone());
            }
        }
    }
    let preset = parent.get("sizePreset").and_then(Value::as_str);
    if let Some(preset) = preset {
        out.insert("sizePreset".into(), json!(preset));
    }
    let (w, h) = (parent.get("width"), parent.get("height"));
    let sized = w.and_then(Value::as_f64).is_some() && h.and_then(Value::as_f64).is_some();
    if sized && preset.is_none_or(|p| p == "custom") {
        out.insert("sizePreset".into(), json!("custom"));
        out.insert("width".into(), w.cloned().unwrap_or_default());
        out.insert("height".into(), h.cloned().unwrap_or_default());
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> EnhanceTarget<'static> {
        EnhanceTarget {
            project_type: "image",
            job_type: "image",
            model_id: "flux1-schnell-fp8",
            completed: true,
            withheld: false,
        }
    }

    #[test]
    fn strengths() {
        assert_eq!(
            EnhancementStrength::parse(&json!("light"))
                .unwrap()
                .amount(),
            0.15
        );
        assert_eq!(
            EnhancementStrength::parse(&json!("heavy"))
                .unwrap()
                .amount(),
            0.49
        );
        for bad in [json!("max"), json!(0.5), Value::Null] {
            let e = EnhancementStrength::parse(&bad).unwrap_err();
            assert_eq!(e.code(), "INVALID_STRENGTH");
        }
    }

    #[test]
    fn refusals_have_codes() {
        assert!(check_enhanceable(&target()).is_ok());
        let code = |t: EnhanceTarget<'_>| check_enhanceable(&t).unwrap_err().code();
        assert_eq!(
            code(EnhanceTarget {
                job_type: "video",
                ..target()
            }),
            "ENHANCE_UNSUPPORTED"
        );
        assert_eq!(
            code(EnhanceTarget {
                model_id: "sam3_image_segment_bf16",
                ..target()
            }),
            "ENHANCE_UNSUPPORTED"
        );
        assert_eq!(
            code(EnhanceTarget {
                completed: false,
                ..target()
            }),
            "JOB_NOT_COMPLETED"
        );
        assert_eq!(
            code(EnhanceTarget {
                withheld: true,
                ..target()
            }),
            "NO_RESULT_MEDIA"
        );
    }

    #[test]
    fn params_follow_the_official_defaults() {
        let parent = json!({"type": "image", "modelId": "chroma1-hd_fp8_scaled", "positivePrompt": "a cat",
            "stylePrompt": "ink", "tokenType": "sogni", "seed": 7, "sizePreset": "square_hd", "steps": 30});
        let p = enhancement_params(&parent, Some(42), EnhancementStrength::Medium, &Value::Null)
            .unwrap();
        assert_eq!(
            p,
            json!({"type": "image", "network": "fast", "modelId": "flux1-schnell-fp8",
                "positivePrompt": "a cat", "negativePrompt": "", "stylePrompt": "ink",
                "startingImageStrength": 0.65, "steps": 5, "guidance": 1, "numberOfMedia": 1,
                "numberOfPreviews": 0, "tokenType": "sogni", "seed": 42, "sizePreset": "square_hd"})
        );
        let o = json!({"positivePrompt": "a dog", "tokenType": "spark", "stylePrompt": ""});
        let p = enhancement_params(&parent, Some(0), EnhancementStrength::Light, &o).unwrap();
        assert_eq!(p["positivePrompt"], "a dog");
        assert_eq!(p["stylePrompt"], "ink", "an empty override falls back");
        assert_eq!(p["tokenType"], "spark");
        assert_eq!(p["seed"], 7, "seed 0 falls back to the project's");
        assert!((p["startingImageStrength"].as_f64().unwrap() - 0.85).abs() < 1e-12);
    }

    #[test]
    fn a_custom_size_is_passed_on() {
        let parent = json!({"type": "image", "modelId": "m", "sizePreset": "custom", "width": 256, "height": 320});
        let p = enhancement_params(&parent, None, EnhancementStrength::Heavy, &json!({})).unwrap();
        assert_eq!(
            (&p["sizePreset"], &p["width"], &p["height"]),
            (&json!("custom"), &json!(256), &json!(320))
        );
        assert_eq!(p.get("seed"), None);
        assert_eq!(p.get("tokenType"), None);
        assert_eq!(p["positivePrompt"], "");
    }

    #[test]
    fn bad_overrides() {
        for o in [
            json!("x"),
            json!({"positivePrompt": 3}),
            json!({"tokenType": "gold"}),
        ] {
            let e =
                enhancement_params(&json!({}), None, EnhancementStrength::Medium, &o).unwrap_err();
            assert_eq!(e.code(), "INVALID_PARAMS", "{o}");
        }
    }
}
