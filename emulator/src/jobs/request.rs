//! Reads a `jobRequest` payload into what the emulated workers need.

use crate::accounts::TokenType;
use crate::catalog::{Catalog, Media};
use serde_json::Value;

/// Largest `numberOfImages` the emulator accepts in one project.
pub const MAX_MEDIA_PER_PROJECT: u32 = 64;
/// Smallest and largest rendered side, in pixels.
pub const SIDE_RANGE: std::ops::RangeInclusive<u32> = 64..=4096;

/// A `ControlNet` entry of the request.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlNet {
    /// `canny`, `depth`, …
    pub name: String,
    /// 0..=1.
    pub strength: f32,
    /// Whether a `cnImage` was uploaded for it.
    pub has_image: bool,
}

/// What a video job renders.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoRequest {
    /// Frame count (`keyFrames[0].frames`).
    pub frames: u32,
    /// Frames per second of the output.
    pub fps: f64,
    /// A `referenceImage` (first frame) was uploaded.
    pub has_reference_image: bool,
    /// A `referenceImageEnd` (last frame) was uploaded.
    pub has_reference_image_end: bool,
    /// `returnLastFrame` (Seedance 2.5): export the final frame as a separate PNG.
    pub return_last_frame: bool,
}

/// What an audio job renders.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioRequest {
    /// Seconds.
    pub duration: f64,
    /// Beats per minute.
    pub bpm: f64,
}

/// The parts of a `jobRequest` the emulator acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRequest {
    /// Image, video or audio (from the model catalog).
    pub media: Media,
    /// Video details, for video models.
    pub video: Option<VideoRequest>,
    /// Audio details, for audio models.
    pub audio: Option<AudioRequest>,
    /// Client-made project id, upper-cased.
    pub project_id: String,
    /// `keyFrames[0].modelID`.
    pub model: String,
    /// `keyFrames[0].positivePrompt`.
    pub prompt: String,
    /// `numberOfImages`.
    pub count: u32,
    /// `previews`: how many previews each job sends.
    pub previews: u32,
    /// Steps (the request's, or the model's default).
    pub steps: u32,
    /// Seed of the first job, when the client chose one.
    pub seed: Option<u64>,
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// `outputFormat` (`png`, `jpg`, `webp`, …).
    pub output_format: String,
    /// `disableSafety`.
    pub disable_safety: bool,
    /// Which token pays.
    pub token_type: TokenType,
    /// `network`, when the request names one.
    pub network: Option<String>,
    /// How much of the starting image to keep (0..=1), when there is one.
    pub starting_image_keep: Option<f32>,
    /// The first ControlNet, if any.
    pub control_net: Option<ControlNet>,
    /// The payload as received.
    pub raw: Value,
}

/// Why a request was refused; sent back as a project-level `jobError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RequestError {
    /// The `error` tag.
    pub code: &'static str,
    /// The `error_message`.
    pub message: String,
}

fn invalid(message: impl Into<String>) -> RequestError {
    RequestError {
        code: "invalidRequest",
        message: message.into(),
    }
}

fn uint(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| {
            v.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        })
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

impl JobRequest {
    /// Parses and checks a `jobRequest` payload against the model catalog.
    pub fn parse(raw: &Value, catalog: &Catalog) -> Result<Self, RequestError> {
        let project_id = raw
            .get("jobID")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && s.len() <= 128)
            .ok_or_else(|| invalid("jobRequest has no jobID"))?
            .to_uppercase();
        let kf = raw
            .get("keyFrames")
            .and_then(|k| k.get(0))
            .ok_or_else(|| invalid("jobRequest has no keyFrames[0]"))?;
        let model = kf
            .get("modelID")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("keyFrames[0].modelID is missing"))?
            .to_string();
        let Some(media) = catalog.media_of(&model) else {
            return Err(RequestError {
                code: "modelNotFound",
                message: format!("Model {model} is not available on this network"),
            });
        };
        let count = raw.get("numberOfImages").and_then(uint).unwrap_or(1);
        if count == 0 || count > u64::from(MAX_MEDIA_PER_PROJECT) {
            return Err(invalid(format!(
                "numberOfImages must be 1..={MAX_MEDIA_PER_PROJECT}"
            )));
        }
        let steps = match kf.get("steps").and_then(uint) {
            Some(s) if (1..=200).contains(&s) => s as u32,
            Some(s) => return Err(invalid(format!("steps {s} out of range 1..=200"))),
            None => catalog.default_steps(&model),
        };
        let previews = raw
            .get("previews")
            .and_then(uint)
            .unwrap_or(0)
            .min(u64::from(steps)) as u32;
        let preset = kf.get("sizePreset").and_then(Value::as_str);
        let (width, height) = match preset {
            _ if media == Media::Audio => (0, 0),
            Some("custom") | None if kf.get("width").is_some() => {
                let w = kf
                    .get("width")
                    .and_then(uint)
                    .ok_or_else(|| invalid("width is not a number"))?;
                let h = kf
                    .get("height")
                    .and_then(uint)
                    .ok_or_else(|| invalid("height is not a number"))?;
                (w as u32, h as u32)
            }
            Some(id) if id != "custom" => catalog
                .size_preset(&model, id)
                .ok_or_else(|| invalid(format!("unknown sizePreset {id} for {model}")))?,
            _ => catalog.default_size(&model),
        };
        if media != Media::Audio && (!SIDE_RANGE.contains(&width) || !SIDE_RANGE.contains(&height))
        {
            return Err(invalid(format!(
                "size {width}x{height} out of range 64..=4096"
            )));
        }
        let starting_image_keep =
            (kf.get("hasStartingImage") == Some(&Value::Bool(true))).then(|| {
                // The wire carries `strength = 1 - startingImageStrength`.
                let strength = kf.get("strength").and_then(Value::as_f64).unwrap_or(0.5);
                (1.0 - strength).clamp(0.0, 1.0) as f32
            });
        let control_net = kf
            .get("currentControlNetsJob")
            .and_then(|c| c.get(0))
            .and_then(|cn| {
                Some(ControlNet {
                    name: cn.get("name")?.as_str()?.to_string(),
                    strength: cn
                        .get("controlStrength")
                        .and_then(Value::as_f64)
                        .unwrap_or(0.5) as f32,
                    has_image: cn.get("hasImage") == Some(&Value::Bool(true)),
                })
            });
        let flag = |k: &str| kf.get(k) == Some(&Value::Bool(true));
        let video = (media == Media::Video).then(|| {
            let fps = kf
                .get("fps")
                .and_then(Value::as_f64)
                .filter(|f| *f > 0.0 && *f <= 120.0);
            let fps = fps
                .or_else(|| catalog.default_fps(&model).map(f64::from))
                .unwrap_or(16.0);
            VideoRequest {
                frames: kf.get("frames").and_then(uint).unwrap_or(81).clamp(1, 1000) as u32,
                fps,
                has_reference_image: flag("hasReferenceImage"),
                has_reference_image_end: flag("hasReferenceImageEnd"),
                return_last_frame: flag("returnLastFrame"),
            }
        });
        let audio = (media == Media::Audio).then(|| AudioRequest {
            duration: kf
                .get("duration")
                .and_then(Value::as_f64)
                .or_else(|| catalog.default_duration(&model))
                .unwrap_or(30.0)
                .clamp(1.0, 600.0),
            bpm: kf
                .get("bpm")
                .and_then(Value::as_f64)
                .unwrap_or(120.0)
                .clamp(30.0, 300.0),
        });
        let default_format = match media {
            Media::Image => "png",
            Media::Video => "mp4",
            Media::Audio => "mp3",
        };
        Ok(Self {
            media,
            video,
            audio,
            project_id,
            prompt: kf
                .get("positivePrompt")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            model,
            count: count as u32,
            previews,
            steps,
            seed: kf.get("seed").and_then(uint),
            width,
            height,
            output_format: raw
                .get("outputFormat")
                .and_then(Value::as_str)
                .unwrap_or(default_format)
                .to_lowercase(),
            disable_safety: raw.get("disableSafety") == Some(&Value::Bool(true)),
            token_type: TokenType::parse(raw.get("tokenType").and_then(Value::as_str)),
            network: raw
                .get("network")
                .and_then(Value::as_str)
                .map(str::to_string),
            starting_image_keep,
            control_net,
            raw: raw.clone(),
        })
    }

    /// Denoise strength as the cost estimate takes it (`1 - startingImageStrength`, or 0).
    pub fn denoise(&self) -> f64 {
        self.starting_image_keep
            .map_or(0.0, |keep| 1.0 - f64::from(keep))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(kf: Value, top: Value) -> Value {
        let mut r = json!({"jobID": "abc-1", "numberOfImages": 2, "previews": 1, "outputFormat": "jpg",
            "disableSafety": false, "keyFrames": [kf]});
        if let (Some(r), Some(t)) = (r.as_object_mut(), top.as_object()) {
            r.extend(t.clone());
        }
        r
    }

    #[test]
    fn reads_the_documented_fields() {
        let c = Catalog::builtin();
        let r = JobRequest::parse(
            &request(
                json!({"modelID": "flux1-schnell-fp8", "positivePrompt": "cat", "steps": 4, "seed": 42,
                       "sizePreset": "custom", "width": 512, "height": 384, "hasStartingImage": true,
                       "strength": 0.19999999999999996}),
                json!({"tokenType": "sogni"}),
            ),
            &c,
        )
        .unwrap();
        assert_eq!(r.project_id, "ABC-1");
        assert_eq!((r.count, r.previews, r.steps, r.seed), (2, 1, 4, Some(42)));
        assert_eq!((r.width, r.height), (512, 384));
        assert_eq!(r.output_format, "jpg");
        assert_eq!(r.token_type, TokenType::Sogni);
        assert!((r.starting_image_keep.unwrap() - 0.8).abs() < 1e-6);
    }

    #[test]
    fn fills_defaults_from_the_catalog() {
        let c = Catalog::builtin();
        let r = JobRequest::parse(
            &request(json!({"modelID": "flux1-schnell-fp8"}), json!({})),
            &c,
        )
        .unwrap();
        assert_eq!(r.steps, c.default_steps("flux1-schnell-fp8"));
        assert_eq!((r.width, r.height), c.default_size("flux1-schnell-fp8"));
        assert_eq!(r.token_type, TokenType::Spark);
        assert_eq!(r.starting_image_keep, None);
    }

    #[test]
    fn refuses_bad_requests() {
        let c = Catalog::builtin();
        let bad = [
            json!({"keyFrames": [{"modelID": "flux1-schnell-fp8"}]}),
            request(json!({"modelID": "no-such-model"}), json!({})),
            request(
                json!({"modelID": "flux1-schnell-fp8", "steps": 0}),
                json!({}),
            ),
            request(
                json!({"modelID": "flux1-schnell-fp8", "width": 10, "height": 10}),
                json!({}),
            ),
            request(
                json!({"modelID": "flux1-schnell-fp8"}),
                json!({"numberOfImages": 1000}),
            ),
        ];
        for b in bad {
            assert!(JobRequest::parse(&b, &c).is_err(), "{b}");
        }
    }
}
