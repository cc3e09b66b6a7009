//! The hosted Sogni tools the emulator runs server-side: `POST
//! /v1/creative-agent/tools/execute`, hosted chat with `sogni_tool_execution`, and durable
//! chat runs.
//!
//! Media tools really render: `generate_image` paints PNG/JPEG/WebP images with the render
//! code used for image projects, `generate_video` an MP4, `generate_music` an MP3/WAV/FLAC;
//! each result is stored and returned as a presigned download URL, and the caller is
//! charged the catalog price. The composition tools (`enhance_prompt`, `compose_script`,
//! `compose_lyrics`, `compose_instrumental`, `compose_workflow`,
//! `compose_workflow_template`) return deterministic text built from their arguments.
//!
//! The parameter schemas are the emulator's own, small subset of the real manifest: enough
//! for the emulated model to build valid calls and for the server to check arguments.

use super::model::ToolDef;
use super::schema;
use crate::accounts::{to_micros, Account, TokenType};
use crate::render::audio::{render_audio, AudioFormat, AudioSpec};
use crate::render::video::{render_mp4, VideoSpec};
use crate::render::{render_image, ImageFormat, RenderSpec};
use crate::state::{now_secs, AppState};
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

/// What a hosted tool does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// Text composition (free).
    Compose,
    /// Renders images.
    Image,
    /// Renders a video.
    Video,
    /// Renders music.
    Music,
}

impl ToolKind {
    /// Does running it cost tokens?
    pub fn paid(self) -> bool {
        self != Self::Compose
    }
}

/// One hosted tool.
#[derive(Debug)]
pub struct HostedTool {
    /// Its function name.
    pub name: &'static str,
    /// What it does.
    pub kind: ToolKind,
    /// The JSON-Schema of its arguments.
    pub parameters: Value,
}

fn obj(required: &[&str], props: Value) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

fn table() -> &'static [HostedTool] {
    static TOOLS: OnceLock<Vec<HostedTool>> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let s = |d: &str| json!({"type": "string", "description": d});
        vec![
            HostedTool {
                name: "generate_image",
                kind: ToolKind::Image,
                parameters: obj(&["prompt"], json!({
                    "prompt": s("What to paint"),
                    "model": s("An image model id from the catalog (default z_image_turbo_bf16)"),
                    "width": {"type": "integer", "minimum": 64, "maximum": 2048},
                    "height": {"type": "integer", "minimum": 64, "maximum": 2048},
                    "numberOfVariations": {"type": "integer", "minimum": 1, "maximum": 4},
                    "seed": {"type": "integer", "minimum": 0},
                    "outputFormat": {"type": "string", "enum": ["png", "jpg", "webp"]}
                })),
            },
            HostedTool {
                name: "generate_video",
                kind: ToolKind::Video,
                parameters: obj(&["prompt"], json!({
                    "prompt": s("What to film"),
                    "videoModel": s("A video model id from the catalog"),
                    "duration": {"type": "number", "minimum": 1, "maximum": 10},
                    "width": {"type": "integer", "minimum": 64, "maximum": 1280},
                    "height": {"type": "integer", "minimum": 64, "maximum": 1280},
                    "seed": {"type": "integer", "minimum": 0}
                })),
            },
            HostedTool {
                name: "generate_music",
                kind: ToolKind::Music,
                parameters: obj(&["prompt"], json!({
                    "prompt": s("Style and mood of the piece"),
                    "model": s("An audio model id from the catalog"),
                    "duration": {"type": "number", "minimum": 1, "maximum": 60},
                    "bpm": {"type": "integer", "minimum": 30, "maximum": 300},
                    "seed": {"type": "integer", "minimum": 0},
                    "outputFormat": {"type": "string", "enum": ["mp3", "wav", "flac"]}
                })),
            },
            HostedTool {
                name: "enhance_prompt",
                kind: ToolKind::Compose,
                parameters: obj(&["prompt"], json!({
                    "prompt": s("The rough prompt"),
                    "target_output": {"type": "string", "enum": ["image_prompt", "video_prompt", "edit_prompt", "model_prompt"]},
                    "destination_model": s("Target model selector")
                })),
            },
            HostedTool {
                name: "compose_script",
                kind: ToolKind::Compose,
                parameters: obj(&["brief"], json!({
                    "brief": s("What the script is about"),
                    "scene_count": {"type": "integer", "minimum": 1, "maximum": 12}
                })),
            },
            HostedTool {
                name: "compose_lyrics",
                kind: ToolKind::Compose,
                parameters: obj(&["prompt"], json!({"prompt": s("Theme of the song")})),
            },
            HostedTool {
                name: "compose_instrumental",
                kind: ToolKind::Compose,
                parameters: obj(&["prompt"], json!({"prompt": s("Style of the piece")})),
            },
            HostedTool {
                name: "compose_workflow",
                kind: ToolKind::Compose,
                parameters: obj(&["brief"], json!({"brief": s("What the workflow should make")})),
            },
            HostedTool {
                name: "compose_workflow_template",
                kind: ToolKind::Compose,
                parameters: obj(&["brief", "name"], json!({
                    "brief": s("What the template should make"),
                    "name": s("Template name")
                })),
            },
        ]
    })
}

/// The hosted tool called `name`.
pub fn hosted(name: &str) -> Option<&'static HostedTool> {
    table().iter().find(|t| t.name == name)
}

/// Every hosted tool as a function definition (what `sogni_tools` injects).
pub fn definitions() -> Vec<ToolDef> {
    table()
        .iter()
        .map(|t| ToolDef {
            name: t.name.to_string(),
            parameters: t.parameters.clone(),
        })
        .collect()
}

/// Why a hosted tool did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    /// HTTP status for `tools/execute`.
    pub status: StatusCode,
    /// What went wrong.
    pub message: String,
}

impl ToolError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

/// One stored media result.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// `image`, `video` or `audio`.
    pub media_type: &'static str,
    /// Presigned download URL.
    pub url: String,
    /// MIME type.
    pub mime: &'static str,
    /// Pixel size (images and video).
    pub size: Option<(u32, u32)>,
    /// Seconds (video and audio).
    pub duration: Option<f64>,
}

impl Artifact {
    /// `{mediaType, url, mimeType, width?, height?, duration?}`.
    pub fn json(&self) -> Value {
        let mut v = json!({"mediaType": self.media_type, "type": self.media_type, "url": self.url, "mimeType": self.mime});
        if let Some((w, h)) = self.size {
            v["width"] = json!(w);
            v["height"] = json!(h);
        }
        if let Some(d) = self.duration {
            v["duration"] = json!(d);
        }
        v
    }
}

/// A tool that ran.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutcome {
    /// The `result` object.
    pub result: Value,
    /// A one-line summary (`message`).
    pub message: Option<String>,
    /// Stored media.
    pub artifacts: Vec<Artifact>,
}

/// How a tool call is paid for: a token, or `auto` (Spark when it suffices, else SOGNI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payment {
    /// This token.
    Token(TokenType),
    /// Spark if the balance covers it, else SOGNI.
    Auto,
}

impl Payment {
    /// Parses `token_type` (`sogni`, `spark`, `auto`; absent = auto).
    pub fn parse(v: Option<&str>) -> Result<Self, ToolError> {
        match v {
            None | Some("auto") => Ok(Self::Auto),
            Some(t) if t.eq_ignore_ascii_case("spark") => Ok(Self::Token(TokenType::Spark)),
            Some(t) if t.eq_ignore_ascii_case("sogni") => Ok(Self::Token(TokenType::Sogni)),
            Some(t) => Err(ToolError::new(
                StatusCode::BAD_REQUEST,
                format!("token_type {t:?} is not sogni, spark or auto"),
            )),
        }
    }
}

fn int(args: &Value, k: &str) -> Option<u64> {
    args.get(k).and_then(Value::as_u64)
}

fn num(args: &Value, k: &str) -> Option<f64> {
    args.get(k).and_then(Value::as_f64)
}

fn text<'a>(args: &'a Value, k: &str) -> &'a str {
    args.get(k).and_then(Value::as_str).unwrap_or("").trim()
}

/// A stable 64-bit FNV-1a hash (seeds and ids derived from text).
pub fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What a media tool call will render, with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
struct MediaPlan {
    model: String,
    count: u32,
    width: u32,
    height: u32,
    seed: u64,
    /// Video frames / fps, or audio seconds / bpm.
    frames: u32,
    fps: f64,
    duration: f64,
    bpm: f64,
    format: String,
}

fn plan(state: &AppState, tool: &HostedTool, args: &Value) -> Result<MediaPlan, ToolError> {
    let prompt = text(args, "prompt");
    let seed = int(args, "seed").unwrap_or_else(|| fnv(prompt) % 4_294_967_296);
    let pick = |requested: &str, default: &str, media: crate::catalog::Media| {
        if !requested.is_empty() {
            return match state.catalog.media_of(requested) {
                Some(m) if m == media => Ok(requested.to_string()),
                _ => Err(ToolError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "{requested} is not a {} model of this network",
                        media.as_str()
                    ),
                )),
            };
        }
        Ok(state
            .catalog
            .model(default)
            .map(|m| m.id.clone())
            .or_else(|| {
                state
                    .catalog
                    .models()
                    .iter()
                    .find(|m| m.media == media)
                    .map(|m| m.id.clone())
            })
            .unwrap_or_default())
    };
    use crate::catalog::Media;
    let mut p = MediaPlan {
        model: String::new(),
        count: 1,
        width: 0,
        height: 0,
        seed,
        frames: 0,
        fps: 0.0,
        duration: 0.0,
        bpm: 0.0,
        format: String::new(),
    };
    match tool.kind {
        ToolKind::Image => {
            p.model = pick(text(args, "model"), "z_image_turbo_bf16", Media::Image)?;
            p.count = int(args, "numberOfVariations").unwrap_or(1) as u32;
            p.width = int(args, "width").unwrap_or(512) as u32;
            p.height = int(args, "height").unwrap_or(512) as u32;
            p.format = args
                .get("outputFormat")
                .and_then(Value::as_str)
                .unwrap_or("png")
                .to_string();
        }
        ToolKind::Video => {
            p.model = pick(
                text(args, "videoModel"),
                "ltx23-22b-fp8_t2v_distilled",
                Media::Video,
            )?;
            p.width = int(args, "width").unwrap_or(320) as u32 & !1;
            p.height = int(args, "height").unwrap_or(192) as u32 & !1;
            p.fps = 16.0;
            p.duration = num(args, "duration").unwrap_or(2.0);
            p.frames = (p.duration * p.fps).round() as u32 + 1;
        }
        ToolKind::Music => {
            p.model = pick(text(args, "model"), "ace_step_1.5_turbo", Media::Audio)?;
            p.duration = num(args, "duration").unwrap_or(10.0);
            p.bpm = num(args, "bpm").unwrap_or(120.0);
            p.format = args
                .get("outputFormat")
                .and_then(Value::as_str)
                .unwrap_or("mp3")
                .to_string();
        }
        ToolKind::Compose => {}
    }
    Ok(p)
}

/// A tool call's price.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Quote {
    /// In Spark.
    pub spark: f64,
    /// In SOGNI.
    pub sogni: f64,
    /// In US dollars.
    pub usd: f64,
}

impl Quote {
    /// The price in `token`.
    pub fn in_token(&self, token: TokenType) -> f64 {
        match token {
            TokenType::Spark => self.spark,
            TokenType::Sogni => self.sogni,
        }
    }
}

/// Price of a media plan.
fn price(state: &AppState, kind: ToolKind, p: &MediaPlan) -> Quote {
    let c = &state.catalog;
    let cost = match kind {
        ToolKind::Image => c.image_cost(
            &p.model,
            p.count,
            c.default_steps(&p.model),
            0,
            p.width,
            p.height,
            false,
            0.0,
        ),
        ToolKind::Video => c.video_cost(&p.model, p.width, p.height, p.frames, p.fps, None, 1),
        ToolKind::Music => c.audio_cost(&p.model, p.duration, c.default_steps(&p.model), 1),
        ToolKind::Compose => return Quote::default(),
    };
    Quote {
        spark: cost.spark,
        sogni: cost.sogni,
        usd: cost.usd,
    }
}

/// Checks a call's arguments: `Err(message)` lists every problem.
pub fn check_arguments(name: &str, args: &Value) -> Result<&'static HostedTool, ToolError> {
    let tool = hosted(name).ok_or_else(|| {
        ToolError::new(
            StatusCode::BAD_REQUEST,
            format!("Unknown hosted Sogni tool \"{name}\""),
        )
    })?;
    let errors = schema::validate(&tool.parameters, args);
    if !errors.is_empty() {
        return Err(ToolError::new(
            StatusCode::BAD_REQUEST,
            format!("Invalid {name} arguments: {}", errors.join("; ")),
        ));
    }
    Ok(tool)
}

/// The price of a call (zero for composition tools and calls that would be refused).
pub fn estimate(state: &AppState, name: &str, args: &Value) -> Quote {
    check_arguments(name, args)
        .ok()
        .and_then(|tool| Some(price(state, tool.kind, &plan(state, tool, args).ok()?)))
        .unwrap_or_default()
}

/// Runs a hosted tool for `account`, charging it.
pub async fn execute(
    state: &Arc<AppState>,
    account: &Arc<Account>,
    name: &str,
    args: &Value,
    payment: Payment,
    call_id: &str,
) -> Result<ToolOutcome, ToolError> {
    let tool = check_arguments(name, args)?;
    if tool.kind == ToolKind::Compose {
        return Ok(compose(name, args));
    }
    let p = plan(state, tool, args)?;
    let quote = price(state, tool.kind, &p);
    let charge = |t: TokenType| {
        let micros = to_micros(quote.in_token(t));
        account.try_charge(t, micros).then_some((t, micros))
    };
    let paid = match payment {
        Payment::Token(t) => charge(t),
        Payment::Auto => charge(TokenType::Spark).or_else(|| charge(TokenType::Sogni)),
    }
    .ok_or_else(|| {
        ToolError::new(
            StatusCode::PAYMENT_REQUIRED,
            format!("Insufficient balance for {name}"),
        )
    })?;
    let rendered = render(state, tool.kind, &p, text(args, "prompt"), call_id).await;
    let artifacts = match rendered {
        Ok(a) => a,
        Err(e) => {
            account.refund(paid.0, paid.1);
            return Err(ToolError::new(StatusCode::INTERNAL_SERVER_ERROR, e));
        }
    };
    for conn in state.registry.of_owner(&account.address) {
        conn.send("balanceUpdate", &account.balance_update_json());
    }
    let media = artifacts[0].media_type;
    let urls: Vec<&str> = artifacts.iter().map(|a| a.url.as_str()).collect();
    let token = if paid.0 == TokenType::Spark {
        "spark"
    } else {
        "sogni"
    };
    let mut result = json!({
        "success": true,
        "media_type": media,
        "urls": urls,
        "model": p.model,
        "prompt": text(args, "prompt"),
        "seed": p.seed,
        "artifacts": artifacts.iter().map(Artifact::json).collect::<Vec<_>>(),
        "cost": {"tokenType": token, "amount": crate::accounts::format_amount(paid.1)},
    });
    if let Some((w, h)) = artifacts[0].size {
        result["width"] = json!(w);
        result["height"] = json!(h);
    }
    if let Some(d) = artifacts[0].duration {
        result["duration"] = json!(d);
    }
    let noun = match (media, artifacts.len()) {
        ("image", 1) => "image".to_string(),
        ("image", n) => format!("{n} images"),
        ("video", _) => "video".to_string(),
        _ => "piece of music".to_string(),
    };
    Ok(ToolOutcome {
        result,
        message: Some(format!("Generated {noun} with {}.", p.model)),
        artifacts,
    })
}

async fn render(
    state: &Arc<AppState>,
    kind: ToolKind,
    p: &MediaPlan,
    prompt: &str,
    call_id: &str,
) -> Result<Vec<Artifact>, String> {
    let p2 = p.clone();
    let prompt = prompt.to_string();
    let items: Vec<(Vec<u8>, &'static str, &'static str)> =
        tokio::task::spawn_blocking(move || -> Result<_, String> {
            let p = p2;
            match kind {
                ToolKind::Image => {
                    let format =
                        ImageFormat::from_output_format(&p.format).unwrap_or(ImageFormat::Png);
                    (0..p.count)
                        .map(|i| {
                            let spec = RenderSpec::new(
                                p.width,
                                p.height,
                                p.seed + u64::from(i),
                                &prompt,
                                format,
                            );
                            render_image(&spec)
                                .map(|b| (b, format.mime(), format.extension()))
                                .map_err(|e| e.to_string())
                        })
                        .collect()
                }
                ToolKind::Video => {
                    let spec = VideoSpec::new(p.width, p.height, p.frames, p.fps, p.seed, &prompt);
                    render_mp4(&spec)
                        .map(|b| vec![(b, "video/mp4", "mp4")])
                        .map_err(|e| e.to_string())
                }
                ToolKind::Music => {
                    let format =
                        AudioFormat::from_output_format(&p.format).unwrap_or(AudioFormat::Mp3);
                    let spec = AudioSpec::new(p.duration, p.bpm, p.seed, &prompt, format);
                    render_audio(&spec)
                        .map(|b| vec![(b, format.mime(), format.extension())])
                        .map_err(|e| e.to_string())
                }
                ToolKind::Compose => Ok(Vec::new()),
            }
        })
        .await
        .map_err(|e| e.to_string())??;
    let expires = now_secs() + state.config.url_ttl_secs;
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, (bytes, mime, ext))| {
            let key = format!("chat/{}/{i}.{ext}", call_id.to_uppercase());
            state.storage.put(&key, bytes.into(), mime);
            let url = state
                .storage
                .presign(state.base_url(), "GET", &key, expires);
            let (media_type, size, duration) = match kind {
                ToolKind::Image => ("image", Some((p.width, p.height)), None),
                ToolKind::Video => (
                    "video",
                    Some((p.width, p.height)),
                    Some(f64::from(p.frames) / p.fps),
                ),
                _ => ("audio", None, Some(p.duration)),
            };
            Artifact {
                media_type,
                url,
                mime,
                size,
                duration,
            }
        })
        .collect())
}

fn words(s: &str, n: usize) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_lowercase)
        .collect()
}

fn title_case(s: &str) -> String {
    words(s, 4)
        .iter()
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The composition tools: deterministic text built from the arguments.
fn compose(name: &str, args: &Value) -> ToolOutcome {
    let idea = match name {
        "compose_script" | "compose_workflow" | "compose_workflow_template" => text(args, "brief"),
        _ => text(args, "prompt"),
    };
    let title = title_case(idea);
    let (result, message) = match name {
        "enhance_prompt" => {
            let target = args
                .get("target_output")
                .and_then(Value::as_str)
                .unwrap_or("image_prompt");
            let extra = match target {
                "video_prompt" => "slow cinematic camera push-in, natural motion, soft volumetric light, 24 fps film look",
                "edit_prompt" => "keep the subject and composition unchanged, apply the change cleanly, consistent lighting",
                _ => "highly detailed, balanced composition, soft golden-hour light, sharp focus, rich colour",
            };
            (
                json!({"prompt": format!("{idea}, {extra}"), "original_prompt": idea,
                       "target_output": target,
                       "destination_model": args.get("destination_model").cloned().unwrap_or(Value::Null)}),
                "Enhanced the prompt.",
            )
        }
        "compose_lyrics" => {
            let w = words(idea, 6).join(" ");
            let lyrics = format!(
                "[Verse 1]\nWe wrote about {w} tonight\nUnder a sky of borrowed light\n\n[Chorus]\n{title}, {title}\nSing it till the morning comes\n\n[Verse 2]\nEvery word of {w} still hums\n"
            );
            (
                json!({"title": title, "lyrics": lyrics}),
                "Composed lyrics.",
            )
        }
        "compose_instrumental" => (
            json!({"title": title, "bpm": 96, "keyscale": "A minor", "timesig": 4,
            "structure": [
                {"section": "intro", "bars": 4, "description": format!("sparse {idea}")},
                {"section": "theme", "bars": 16, "description": format!("full {idea} groove")},
                {"section": "outro", "bars": 4, "description": "fade on the main motif"}
            ]}),
            "Composed an instrumental structure.",
        ),
        "compose_script" => {
            let n = int(args, "scene_count").unwrap_or(3).clamp(1, 12);
            let scenes: Vec<Value> = (1..=n)
                .map(|i| {
                    json!({"index": i, "duration_seconds": 5,
                    "description": format!("Scene {i} of {n}: {idea}"),
                    "video_prompt": format!("{idea}, shot {i}, cinematic")})
                })
                .collect();
            (
                json!({"title": title, "scenes": scenes}),
                "Composed a script.",
            )
        }
        "compose_workflow" => (
            json!({"workflow": {"title": title, "steps": [
                {"id": "image", "toolName": "generate_image", "arguments": {"prompt": idea}},
                {"id": "video", "toolName": "generate_video", "arguments": {"prompt": idea},
                 "dependsOn": [{"sourceStepId": "image", "targetArgument": "referenceImageIndices", "transform": "image_index"}]}
            ]}}),
            "Composed a workflow.",
        ),
        _ => (
            json!({"template": {"name": text(args, "name"), "description": idea, "steps": [
                {"id": "image", "toolName": "generate_image", "arguments": {"prompt": "{{prompt}}"}}
            ], "inputs": [{"name": "prompt", "type": "string", "default": idea}]}}),
            "Composed a workflow template.",
        ),
    };
    ToolOutcome {
        result,
        message: Some(message.to_string()),
        artifacts: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_generates_valid_arguments() {
        for t in table() {
            let args = schema::generate(&t.parameters, "a red fox");
            assert!(check_arguments(t.name, &args).is_ok(), "{}: {args}", t.name);
        }
        let e = check_arguments("generate_image", &json!({"prompt": "", "width": 1})).unwrap_err();
        assert!(
            e.message.starts_with("Invalid generate_image arguments: "),
            "{}",
            e.message
        );
        assert!(check_arguments("nope", &json!({})).is_err());
    }

    #[test]
    fn composition_is_deterministic() {
        let a = compose("compose_lyrics", &json!({"prompt": "rain on a tin roof"}));
        assert_eq!(
            a,
            compose("compose_lyrics", &json!({"prompt": "rain on a tin roof"}))
        );
        assert_eq!(a.result["title"], "Rain On A Tin");
        let e = compose(
            "enhance_prompt",
            &json!({"prompt": "a cat", "target_output": "video_prompt"}),
        );
        assert!(e.result["prompt"]
            .as_str()
            .unwrap()
            .starts_with("a cat, slow cinematic"));
    }
}
