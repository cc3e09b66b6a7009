//! The emulator's model catalog: everything it serves about models.
//!
//! The data lives in `emulator/data/catalog.json` (compiled in, see [`Catalog::builtin`]);
//! a different file with the same shape can be loaded with [`Catalog::from_json`] or
//! [`Catalog::load`]. Its sections:
//!
//! * `models` — served as-is at `GET /api/v1/models/list`
//!   (`[{id, name, SID, tier, media}]`);
//! * `tiers` — served as-is at `GET /api/v2/models/tiers` (`{tierName: tier}`, in the
//!   four shapes the official SDK parses: legacy image without `type`, Comfy image
//!   `type:'image'`, `type:'video'` and `type:'audio'`);
//! * `sizePresets` — named preset sets (`{default, presets:[{label,id,width,height,ratio,aspect}]}`)
//!   assigned per tier, with per-model overrides, for
//!   `GET /api/v1/size-presets/network/{network}/model/{modelId}`;
//! * `workers` — worker counts per network and model id (`swarmModels`,
//!   `GET /api/v1/status/network/{network}/models`);
//! * `llmModels` — the `swarmLLMModels` map;
//! * `pricing` — the numbers behind every cost estimate.
//!
//! Quotes ([`Cost`], [`LlmCost`]) are built for network `fast` in Spark; re-price them
//! with [`Catalog::for_network`] and [`Cost::with_token_type`] /
//! [`LlmCost::with_token_type`] before rendering them with `estimate_json()`.

#![warn(missing_docs)]

mod pricing;

pub use pricing::{decimal, iso8601_now, Cost, LlmCost};

use pricing::{CostInput, Pricing};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// The catalog compiled into the emulator.
const BUILTIN_JSON: &str = include_str!("../data/catalog.json");

/// Steps assumed for a model whose tier advertises no step range (external-API video)
/// or for an unknown model.
pub const FALLBACK_STEPS: u32 = 20;

/// The square side assumed for an image model with neither presets nor `defaultSize`,
/// and for unknown models.
pub const FALLBACK_SIDE: u32 = 1024;

/// Why a catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The text is not JSON, or a section does not have the expected shape.
    #[error("catalog JSON is malformed: {0}")]
    Json(#[from] serde_json::Error),
    /// The catalog file could not be read.
    #[error("cannot read the catalog file: {0}")]
    Io(#[from] std::io::Error),
    /// The JSON is well formed but inconsistent (unknown tier, duplicate SID, …).
    #[error("catalog is invalid: {0}")]
    Invalid(String),
}

/// What kind of media a model produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Media {
    /// Still images.
    Image,
    /// Video clips.
    Video,
    /// Music or speech.
    Audio,
}

impl Media {
    /// The wire name: `"image"`, `"video"` or `"audio"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Media::Image => "image",
            Media::Video => "video",
            Media::Audio => "audio",
        }
    }
}

/// One entry of `/api/v1/models/list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Model id, e.g. `flux1-schnell-fp8`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Numeric id, the key of `/api/v1/status/network/{network}/models`.
    #[serde(rename = "SID")]
    pub sid: u64,
    /// Key of the model's tier in `/api/v2/models/tiers`.
    pub tier: String,
    /// What the model produces.
    pub media: Media,
}

/// Which of the SDK's four tier shapes a tier has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TierKind {
    /// Legacy (Forge / CoreML) image tier: no `type`; `sampler`/`scheduler` with display names.
    LegacyImage,
    /// ComfyUI image tier: `type:'image'`, `comfySampler`/`comfyScheduler`, `defaultSize`.
    ComfyImage,
    /// Video tier: `type:'video'`, width/height ranges, `fps`, …
    Video,
    /// Audio tier: `type:'audio'`, duration, steps, bpm, …
    Audio,
}

impl TierKind {
    /// The kind of a raw tier object, or `None` for an unknown `type`.
    pub fn of(tier: &Value) -> Option<TierKind> {
        match tier.get("type") {
            None => Some(TierKind::LegacyImage),
            Some(t) => match t.as_str()? {
                "image" => Some(TierKind::ComfyImage),
                "video" => Some(TierKind::Video),
                "audio" => Some(TierKind::Audio),
                _ => None,
            },
        }
    }

    /// The media kind a tier of this kind serves.
    pub fn media(self) -> Media {
        match self {
            TierKind::LegacyImage | TierKind::ComfyImage => Media::Image,
            TierKind::Video => Media::Video,
            TierKind::Audio => Media::Audio,
        }
    }
}

/// One size preset, as served by the size-presets endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizePreset {
    /// Human label, e.g. `Square HD`.
    pub label: String,
    /// Preset id, e.g. `square_hd`.
    pub id: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Ratio text, e.g. `7:9`.
    pub ratio: String,
    /// Width / height as a short decimal string, e.g. `0.78`.
    pub aspect: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetSet {
    #[serde(default)]
    default: Option<String>,
    presets: Vec<SizePreset>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SizePresets {
    sets: BTreeMap<String, PresetSet>,
    tiers: BTreeMap<String, String>,
    models: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCatalog {
    models: Value,
    tiers: Value,
    #[serde(default)]
    size_presets: SizePresets,
    #[serde(default)]
    workers: BTreeMap<String, BTreeMap<String, u64>>,
    #[serde(default)]
    llm_models: Map<String, Value>,
    #[serde(default)]
    pricing: Pricing,
}

/// The model catalog: raw JSON served as-is plus typed views the emulator needs.
#[derive(Debug, Clone)]
pub struct Catalog {
    models_json: Value,
    tiers_json: Value,
    models: Vec<ModelInfo>,
    by_id: HashMap<String, usize>,
    size_presets: SizePresets,
    workers: BTreeMap<String, BTreeMap<String, u64>>,
    llm_models: Value,
    pricing: Pricing,
}

impl Default for Catalog {
    fn default() -> Self {
        Self::builtin()
    }
}

fn invalid(msg: impl Into<String>) -> CatalogError {
    CatalogError::Invalid(msg.into())
}

fn is_range(v: Option<&Value>) -> bool {
    v.is_some_and(|r| {
        ["min", "max", "default"]
            .iter()
            .all(|k| r.get(k).is_some_and(Value::is_number))
    })
}

/// Checks an `{allowed:[…], default}` option list whose default must be allowed.
fn check_options(tier: &str, key: &str, v: Option<&Value>) -> Result<(), CatalogError> {
    let Some(v) = v else { return Ok(()) };
    let allowed = v
        .get("allowed")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid(format!("tier {tier}: {key}.allowed must be an array")))?;
    match v.get("default") {
        Some(d) if allowed.is_empty() || allowed.contains(d) => Ok(()),
        Some(d) => Err(invalid(format!(
            "tier {tier}: {key}.default {d} is not in {key}.allowed"
        ))),
        None => Err(invalid(format!("tier {tier}: {key} has no default"))),
    }
}

fn check_tier(name: &str, tier: &Value) -> Result<TierKind, CatalogError> {
    if !tier.is_object() {
        return Err(invalid(format!("tier {name} is not an object")));
    }
    let kind =
        TierKind::of(tier).ok_or_else(|| invalid(format!("tier {name} has an unknown type")))?;
    // Every shape but video is mapped with `mapRange(tier.steps)` by the SDK.
    if kind != TierKind::Video && !is_range(tier.get("steps")) {
        return Err(invalid(format!(
            "tier {name} needs a steps {{min,max,default}} range"
        )));
    }
    if kind == TierKind::Video && !(is_range(tier.get("width")) && is_range(tier.get("height"))) {
        return Err(invalid(format!(
            "video tier {name} needs width and height ranges"
        )));
    }
    for key in [
        "sampler",
        "scheduler",
        "comfySampler",
        "comfyScheduler",
        "vae",
        "fps",
        "keyscale",
        "timesignature",
        "language",
    ] {
        check_options(name, key, tier.get(key))?;
    }
    Ok(kind)
}

impl Catalog {
    /// The catalog compiled into the emulator (`emulator/data/catalog.json`).
    ///
    /// # Panics
    ///
    /// Only if the compiled-in file is invalid, which the unit tests rule out.
    pub fn builtin() -> Catalog {
        Self::from_json(BUILTIN_JSON).expect("the builtin catalog.json is valid")
    }

    /// Parses and checks a catalog in the `catalog.json` shape.
    ///
    /// `models` and `tiers` are required; the other sections default to empty (and
    /// `pricing` to built-in rates). The checks: every model's tier exists and serves
    /// the model's media kind, model ids and SIDs are unique, every tier has the fields
    /// the official SDK dereferences unconditionally, every option list's default is
    /// allowed, and every size-preset assignment names an existing set.
    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog = serde_json::from_str(text)?;
        let models: Vec<ModelInfo> = serde_json::from_value(raw.models.clone())?;
        let tiers = raw
            .tiers
            .as_object()
            .ok_or_else(|| invalid("tiers must be an object"))?;
        let mut kinds = HashMap::new();
        for (name, tier) in tiers {
            kinds.insert(name.as_str(), check_tier(name, tier)?);
        }
        let mut by_id = HashMap::new();
        let mut sids = HashSet::new();
        for (i, m) in models.iter().enumerate() {
            if by_id.insert(m.id.clone(), i).is_some() {
                return Err(invalid(format!("model id {} is listed twice", m.id)));
            }
            if !sids.insert(m.sid) {
                return Err(invalid(format!(
                    "SID {} is used twice (model {})",
                    m.sid, m.id
                )));
            }
            let kind = kinds
                .get(m.tier.as_str())
                .ok_or_else(|| invalid(format!("model {} uses unknown tier {}", m.id, m.tier)))?;
            if kind.media() != m.media {
                return Err(invalid(format!(
                    "model {} is {} but its tier {} serves {}",
                    m.id,
                    m.media.as_str(),
                    m.tier,
                    kind.media().as_str()
                )));
            }
        }
        let sp = &raw.size_presets;
        for (name, set) in &sp.sets {
            let mut ids = HashSet::new();
            for p in &set.presets {
                if !ids.insert(p.id.as_str()) {
                    return Err(invalid(format!(
                        "size preset set {name} lists {} twice",
                        p.id
                    )));
                }
                if p.width == 0 || p.height == 0 {
                    return Err(invalid(format!(
                        "size preset {name}/{} has a zero side",
                        p.id
                    )));
                }
            }
            if let Some(d) = &set.default {
                if !ids.contains(d.as_str()) {
                    return Err(invalid(format!(
                        "size preset set {name}: default {d} is not a preset"
                    )));
                }
            }
        }
        for (owner, set) in sp.tiers.iter().chain(sp.models.iter()) {
            if !sp.sets.contains_key(set) {
                return Err(invalid(format!(
                    "sizePresets: {owner} names unknown set {set}"
                )));
            }
        }
        for (id, v) in &raw.llm_models {
            let ok = v.is_u64() || v.get("workers").is_some_and(Value::is_u64);
            if !ok {
                return Err(invalid(format!("llmModels.{id} needs a worker count")));
            }
        }
        raw.pricing.validate().map_err(CatalogError::Invalid)?;
        Ok(Catalog {
            models_json: raw.models,
            tiers_json: raw.tiers,
            models,
            by_id,
            size_presets: raw.size_presets,
            workers: raw.workers,
            llm_models: Value::Object(raw.llm_models),
            pricing: raw.pricing,
        })
    }

    /// Reads and parses a catalog file (see [`Catalog::from_json`]).
    pub fn load(path: impl AsRef<Path>) -> Result<Catalog, CatalogError> {
        Self::from_json(&std::fs::read_to_string(path)?)
    }

    /// The body of `GET /api/v1/models/list`, exactly as in the file.
    pub fn models_json(&self) -> &Value {
        &self.models_json
    }

    /// The body of `GET /api/v2/models/tiers`, exactly as in the file.
    pub fn tiers_json(&self) -> &Value {
        &self.tiers_json
    }

    /// Every model, in file order.
    pub fn models(&self) -> &[ModelInfo] {
        &self.models
    }

    /// One model by id.
    pub fn model(&self, id: &str) -> Option<&ModelInfo> {
        self.by_id.get(id).map(|&i| &self.models[i])
    }

    /// One model by SID.
    pub fn model_by_sid(&self, sid: u64) -> Option<&ModelInfo> {
        self.models.iter().find(|m| m.sid == sid)
    }

    /// The media kind of a model.
    pub fn media_of(&self, id: &str) -> Option<Media> {
        self.model(id).map(|m| m.media)
    }

    /// The raw tier object of a model.
    pub fn tier(&self, id: &str) -> Option<&Value> {
        self.tiers_json.get(&self.model(id)?.tier)
    }

    /// The tier shape of a model.
    pub fn tier_kind(&self, id: &str) -> Option<TierKind> {
        self.tier(id).and_then(TierKind::of)
    }

    fn tier_default(&self, id: &str, key: &str) -> Option<&Value> {
        self.tier(id)?.get(key)?.get("default")
    }

    /// The default step count of a model's tier; [`FALLBACK_STEPS`] when the tier has
    /// no step range (Seedance) or the model is unknown.
    pub fn default_steps(&self, id: &str) -> u32 {
        self.tier_default(id, "steps")
            .and_then(Value::as_f64)
            .filter(|s| *s >= 1.0)
            .map_or(FALLBACK_STEPS, |s| s.round() as u32)
    }

    /// The default guidance of a model's tier, if it advertises one.
    pub fn default_guidance(&self, id: &str) -> Option<f64> {
        self.tier_default(id, "guidance").and_then(Value::as_f64)
    }

    /// The default frame rate of a video model.
    pub fn default_fps(&self, id: &str) -> Option<u32> {
        self.tier_default(id, "fps")
            .and_then(Value::as_u64)
            .map(|f| f as u32)
    }

    /// The default duration in seconds of an audio model.
    pub fn default_duration(&self, id: &str) -> Option<f64> {
        self.tier_default(id, "duration").and_then(Value::as_f64)
    }

    fn preset_set(&self, id: &str) -> Option<&PresetSet> {
        let sp = &self.size_presets;
        let name = sp
            .models
            .get(id)
            .or_else(|| sp.tiers.get(&self.model(id)?.tier))?;
        sp.sets.get(name)
    }

    /// The default output size of a model, `(width, height)`:
    ///
    /// * image models: the default preset of their size-preset set, else the Comfy
    ///   tier's `defaultSize` square, else [`FALLBACK_SIDE`] square;
    /// * video models: the tier's width/height defaults;
    /// * audio models: `(0, 0)` (no picture);
    /// * unknown models: [`FALLBACK_SIDE`] square.
    pub fn default_size(&self, id: &str) -> (u32, u32) {
        let fallback = (FALLBACK_SIDE, FALLBACK_SIDE);
        let Some(model) = self.model(id) else {
            return fallback;
        };
        match model.media {
            Media::Audio => (0, 0),
            Media::Video => {
                let side = |k| {
                    self.tier_default(id, k)
                        .and_then(Value::as_u64)
                        .map(|v| v as u32)
                };
                match (side("width"), side("height")) {
                    (Some(w), Some(h)) => (w, h),
                    _ => fallback,
                }
            }
            Media::Image => {
                if let Some(set) = self.preset_set(id) {
                    let preset = set
                        .default
                        .as_deref()
                        .and_then(|d| set.presets.iter().find(|p| p.id == d))
                        .or_else(|| set.presets.first());
                    if let Some(p) = preset {
                        return (p.width, p.height);
                    }
                }
                self.tier(id)
                    .and_then(|t| t.get("defaultSize"))
                    .and_then(Value::as_u64)
                    .map_or(fallback, |s| (s as u32, s as u32))
            }
        }
    }

    /// The size presets of a model as served at
    /// `/api/v1/size-presets/network/{network}/model/{modelId}` (the same on every
    /// network): a JSON array, empty for models without presets (video, audio, unknown).
    pub fn size_presets(&self, id: &str) -> Value {
        match self.preset_set(id) {
            Some(set) => serde_json::to_value(&set.presets).unwrap_or_else(|_| json!([])),
            None => json!([]),
        }
    }

    /// The `(width, height)` of one preset of a model.
    pub fn size_preset(&self, id: &str, preset_id: &str) -> Option<(u32, u32)> {
        self.preset_set(id)?
            .presets
            .iter()
            .find(|p| p.id == preset_id)
            .map(|p| (p.width, p.height))
    }

    /// The `swarmModels` payload for a network: `{modelId: workerCount}`. Unknown
    /// networks have no workers (`{}`).
    pub fn swarm_models(&self, network: &str) -> Value {
        let map: Map<String, Value> = self
            .workers
            .get(network)
            .into_iter()
            .flatten()
            .map(|(id, n)| (id.clone(), json!(n)))
            .collect();
        Value::Object(map)
    }

    /// Worker count of one model on a network (0 when absent).
    pub fn workers(&self, network: &str, id: &str) -> u64 {
        self.workers
            .get(network)
            .and_then(|w| w.get(id))
            .copied()
            .unwrap_or(0)
    }

    /// The body of `/api/v1/status/network/{network}/models`: `{"<SID>": workerCount}`,
    /// for the catalog models that have workers on that network.
    pub fn workers_by_sid(&self, network: &str) -> Value {
        let map: Map<String, Value> = self
            .workers
            .get(network)
            .into_iter()
            .flatten()
            .filter_map(|(id, n)| Some((self.model(id)?.sid.to_string(), json!(n))))
            .collect();
        Value::Object(map)
    }

    /// The `swarmLLMModels` payload: `{modelId: {workers, maxContextLength, maxOutputTokens, …}}`.
    pub fn llm_models_json(&self) -> &Value {
        &self.llm_models
    }

    /// One LLM model's info object (or bare worker count, in the legacy form).
    pub fn llm_model(&self, id: &str) -> Option<&Value> {
        self.llm_models.get(id)
    }

    /// The LLM model ids.
    pub fn llm_model_ids(&self) -> impl Iterator<Item = &str> {
        self.llm_models
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
    }

    /// The output-token budget assumed when a chat request sets no `max_tokens`:
    /// `maxOutputTokens.thinkingComplexDefault` for thinking coding/reasoning requests
    /// (`complex_thinking`), else `maxOutputTokens.default`, else 4096 — the SDK's rule.
    pub fn llm_default_max_tokens(&self, id: &str, complex_thinking: bool) -> u64 {
        let m = self.llm_model(id).and_then(|m| m.get("maxOutputTokens"));
        let get = |k: &str| m.and_then(|m| m.get(k)).and_then(Value::as_u64);
        complex_thinking
            .then(|| get("thinkingComplexDefault"))
            .flatten()
            .or_else(|| get("default"))
            .unwrap_or(4096)
    }

    /// The cost multiplier of a network relative to `fast` (unknown networks: 1.0).
    pub fn network_multiplier(&self, network: &str) -> f64 {
        self.pricing.multiplier(network)
    }

    /// Re-prices a quote for `network` (quotes are built for `fast`).
    pub fn for_network(&self, cost: Cost, network: &str) -> Cost {
        cost.on_network(network, self.network_multiplier(network))
    }

    fn price_entry(&self, id: &str) -> pricing::PriceEntry {
        self.pricing
            .entry(id, self.model(id).map(|m| m.tier.as_str()))
    }

    /// Quotes an image project on network `fast`, priced in Spark (see
    /// [`Catalog::for_network`] and [`Cost::with_token_type`]).
    ///
    /// Arguments are the estimate path's: `steps` of 0 means the tier default;
    /// `width`/`height` of 0 mean the model's default size; `denoise` is `1 - startingImageStrength` (0 without a starting image), which
    /// scales the steps that actually run; `cn` adds the ControlNet surcharge. Render
    /// seconds per image are
    /// `weight × (secPerStep × steps' × pixels/referencePixels + secPerPreview × previews + secForCN)`.
    #[allow(clippy::too_many_arguments)]
    pub fn image_cost(
        &self,
        model: &str,
        image_count: u32,
        steps: u32,
        previews: u32,
        width: u32,
        height: u32,
        cn: bool,
        denoise: f64,
    ) -> Cost {
        self.image_cost_with_context(
            model,
            image_count,
            steps,
            previews,
            width,
            height,
            cn,
            denoise,
            0,
        )
    }

    /// [`Catalog::image_cost`] plus `context_images` reference images (the v3 estimate
    /// route), each adding `secPerContextImage` render seconds per image.
    #[allow(clippy::too_many_arguments)]
    pub fn image_cost_with_context(
        &self,
        model: &str,
        image_count: u32,
        steps: u32,
        previews: u32,
        width: u32,
        height: u32,
        cn: bool,
        denoise: f64,
        context_images: u32,
    ) -> Cost {
        let e = self.price_entry(model);
        let count = image_count.max(1);
        let steps = if steps == 0 {
            self.default_steps(model)
        } else {
            steps
        };
        let (w, h) = if width == 0 || height == 0 {
            self.default_size(model)
        } else {
            (width, height)
        };
        let denoise = if denoise.is_finite() {
            denoise.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let run_steps = if denoise > 0.0 && denoise < 1.0 {
            ((f64::from(steps) * denoise).ceil() as u32).max(1)
        } else {
            steps
        };
        let ref_px = e.reference_pixels.unwrap_or(self.pricing.reference_pixels);
        let px = (f64::from(w) * f64::from(h) / ref_px).max(0.05);
        let per_image = e.weight.unwrap_or(1.0)
            * (e.sec_per_step.unwrap_or(0.5) * f64::from(run_steps) * px
                + e.sec_per_preview.unwrap_or(0.0) * f64::from(previews)
                + if cn { e.sec_for_cn.unwrap_or(0.0) } else { 0.0 }
                + e.sec_per_context_image.unwrap_or(0.0) * f64::from(context_images));
        let mut request = Map::new();
        request.insert("model".into(), json!(model));
        request.insert(
            "name".into(),
            json!(self.model(model).map_or(model, |m| &m.name)),
        );
        request.insert("imageCount".into(), json!(count));
        request.insert("stepCount".into(), json!(steps));
        request.insert("previewCount".into(), json!(previews));
        request.insert("cnEnabled".into(), json!(cn));
        request.insert("denoiseStrength".into(), json!(decimal(denoise)));
        request.insert("width".into(), json!(w));
        request.insert("height".into(), json!(h));
        if context_images > 0 {
            request.insert("contextImages".into(), json!(context_images));
        }
        Cost::new(
            &self.pricing,
            CostInput {
                render_sec: per_image * f64::from(count),
                count,
                request,
                entry: e,
                calculated_step_count: Some(run_steps),
            },
        )
    }

    /// Quotes a video project on network `fast`, priced in Spark.
    ///
    /// `width`/`height` of 0 mean the tier defaults; `steps` of `None` (or 0) the tier
    /// default. Diffusion models cost
    /// `weight × secPerStep × steps × pixels/referencePixels × frames/referenceFrames`
    /// render seconds per clip; external-API models (`usdPerSecond`) cost that many
    /// dollars per second of output, scaled by pixels.
    #[allow(clippy::too_many_arguments)]
    pub fn video_cost(
        &self,
        model: &str,
        width: u32,
        height: u32,
        frames: u32,
        fps: f64,
        steps: Option<u32>,
        count: u32,
    ) -> Cost {
        let e = self.price_entry(model);
        let count = count.max(1);
        let (w, h) = if width == 0 || height == 0 {
            self.default_size(model)
        } else {
            (width, height)
        };
        let ref_px = e.reference_pixels.unwrap_or(self.pricing.reference_pixels);
        let px = (f64::from(w) * f64::from(h) / ref_px).max(0.05);
        let fps = if fps.is_finite() && fps > 0.0 {
            fps
        } else {
            24.0
        };
        let frames = frames.max(1);
        let (per_clip, steps_used) = match e.usd_per_second {
            Some(usd_per_sec) => {
                let seconds = f64::from(frames.saturating_sub(1).max(1)) / fps;
                let usd = usd_per_sec * seconds * px.max(0.25);
                (usd / self.pricing.cost_per_render_sec_usd, None)
            }
            None => {
                let steps = steps
                    .filter(|s| *s > 0)
                    .unwrap_or_else(|| self.default_steps(model));
                let ref_frames = e.reference_frames.unwrap_or(81.0);
                let sec = e.weight.unwrap_or(1.0)
                    * e.sec_per_step.unwrap_or(5.0)
                    * f64::from(steps)
                    * px
                    * (f64::from(frames) / ref_frames);
                (sec, Some(steps))
            }
        };
        let mut request = Map::new();
        request.insert("model".into(), json!(model));
        request.insert(
            "name".into(),
            json!(self.model(model).map_or(model, |m| &m.name)),
        );
        request.insert("width".into(), json!(w));
        request.insert("height".into(), json!(h));
        request.insert("frames".into(), json!(frames));
        request.insert("fps".into(), json!(fps));
        if let Some(s) = steps_used {
            request.insert("stepCount".into(), json!(s));
        }
        request.insert("numberOfMedia".into(), json!(count));
        Cost::new(
            &self.pricing,
            CostInput {
                render_sec: per_clip * f64::from(count),
                count,
                request,
                entry: e,
                calculated_step_count: steps_used,
            },
        )
    }

    /// Quotes an audio project on network `fast`, priced in Spark: per track
    /// `weight × secPerStep × steps × duration/referenceDuration` render seconds
    /// (`steps` 0 means the tier default; `duration` ≤ 0 the tier default).
    pub fn audio_cost(&self, model: &str, duration: f64, steps: u32, count: u32) -> Cost {
        let e = self.price_entry(model);
        let count = count.max(1);
        let steps = if steps == 0 {
            self.default_steps(model)
        } else {
            steps
        };
        let duration = if duration.is_finite() && duration > 0.0 {
            duration
        } else {
            self.default_duration(model).unwrap_or(30.0)
        };
        let per_track = e.weight.unwrap_or(1.0)
            * e.sec_per_step.unwrap_or(0.7)
            * f64::from(steps)
            * (duration / e.reference_duration.unwrap_or(30.0));
        let mut request = Map::new();
        request.insert("model".into(), json!(model));
        request.insert(
            "name".into(),
            json!(self.model(model).map_or(model, |m| &m.name)),
        );
        request.insert("duration".into(), json!(duration));
        request.insert("stepCount".into(), json!(steps));
        request.insert("numberOfMedia".into(), json!(count));
        Cost::new(
            &self.pricing,
            CostInput {
                render_sec: per_track * f64::from(count),
                count,
                request,
                entry: e,
                calculated_step_count: Some(steps),
            },
        )
    }

    /// Quotes an LLM request (priced in Spark; see [`LlmCost::with_token_type`]) from
    /// `pricing.llm`: USD per million input and output tokens.
    pub fn llm_cost(&self, model: &str, input_tokens: u64, max_output_tokens: u64) -> LlmCost {
        LlmCost::new(&self.pricing, model, input_tokens, max_output_tokens)
    }
}

#[cfg(test)]
mod tests;
