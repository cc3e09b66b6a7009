//! Cost estimates: the price table of `catalog.json` and the quotes built from it.
//!
//! Media quotes ([`Cost`]) are rendered as the socket host's `EstimationResponse`, whose
//! amounts are decimal strings; LLM quotes ([`LlmCost`]) use plain JSON numbers, as the
//! `/api/v1/job-llm/estimate/…` route does.

use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// The `pricing` section of `catalog.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub(crate) struct Pricing {
    #[serde(rename = "costPerRenderSecUSD")]
    pub cost_per_render_sec_usd: f64,
    #[serde(rename = "costPerBaseHQRenderInUSD")]
    pub cost_per_base_hq_render_usd: f64,
    #[serde(rename = "sogniPriceUSD")]
    pub sogni_price_usd: f64,
    #[serde(rename = "sparkPerUSD")]
    pub spark_per_usd: f64,
    pub network_cost_multiplier: BTreeMap<String, f64>,
    pub reference_pixels: f64,
    pub default: PriceEntry,
    pub tiers: BTreeMap<String, PriceEntry>,
    pub models: BTreeMap<String, PriceEntry>,
    pub llm: LlmPricing,
}

impl Default for Pricing {
    fn default() -> Self {
        Self {
            cost_per_render_sec_usd: 0.0006,
            cost_per_base_hq_render_usd: 0.0036,
            sogni_price_usd: 0.006,
            spark_per_usd: 100.0,
            network_cost_multiplier: BTreeMap::new(),
            reference_pixels: 1024.0 * 1024.0,
            default: PriceEntry::default(),
            tiers: BTreeMap::new(),
            models: BTreeMap::new(),
            llm: LlmPricing::default(),
        }
    }
}

/// One price row; every field is optional and falls back model → tier → `default`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PriceEntry {
    pub weight: Option<f64>,
    pub sec_per_step: Option<f64>,
    pub sec_per_preview: Option<f64>,
    #[serde(rename = "secForCN")]
    pub sec_for_cn: Option<f64>,
    pub sec_per_context_image: Option<f64>,
    pub reference_pixels: Option<f64>,
    pub reference_frames: Option<f64>,
    pub reference_duration: Option<f64>,
    pub usd_per_second: Option<f64>,
}

impl PriceEntry {
    /// Fields of `self` win; the gaps are filled from `other`.
    fn or(&self, other: &PriceEntry) -> PriceEntry {
        PriceEntry {
            weight: self.weight.or(other.weight),
            sec_per_step: self.sec_per_step.or(other.sec_per_step),
            sec_per_preview: self.sec_per_preview.or(other.sec_per_preview),
            sec_for_cn: self.sec_for_cn.or(other.sec_for_cn),
            sec_per_context_image: self.sec_per_context_image.or(other.sec_per_context_image),
            reference_pixels: self.reference_pixels.or(other.reference_pixels),
            reference_frames: self.reference_frames.or(other.reference_frames),
            reference_duration: self.reference_duration.or(other.reference_duration),
            usd_per_second: self.usd_per_second.or(other.usd_per_second),
        }
    }

    fn positive_fields(&self) -> [(&'static str, Option<f64>); 9] {
        [
            ("weight", self.weight),
            ("secPerStep", self.sec_per_step),
            ("secPerPreview", self.sec_per_preview),
            ("secForCN", self.sec_for_cn),
            ("secPerContextImage", self.sec_per_context_image),
            ("referencePixels", self.reference_pixels),
            ("referenceFrames", self.reference_frames),
            ("referenceDuration", self.reference_duration),
            ("usdPerSecond", self.usd_per_second),
        ]
    }
}

/// `pricing.llm`: USD per million tokens.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub(crate) struct LlmPricing {
    pub default: LlmPrice,
    pub models: BTreeMap<String, LlmPrice>,
}

/// One LLM price row.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct LlmPrice {
    pub usd_per_million_input_tokens: f64,
    pub usd_per_million_output_tokens: f64,
}

impl Default for LlmPrice {
    fn default() -> Self {
        Self {
            usd_per_million_input_tokens: 0.2,
            usd_per_million_output_tokens: 0.8,
        }
    }
}

impl Pricing {
    /// Checks that every number that divides or multiplies a price is usable.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let globals = [
            ("costPerRenderSecUSD", self.cost_per_render_sec_usd),
            ("costPerBaseHQRenderInUSD", self.cost_per_base_hq_render_usd),
            ("sogniPriceUSD", self.sogni_price_usd),
            ("sparkPerUSD", self.spark_per_usd),
            ("referencePixels", self.reference_pixels),
        ];
        for (name, v) in globals {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("pricing.{name} must be a positive number, got {v}"));
            }
        }
        for (network, m) in &self.network_cost_multiplier {
            if !(m.is_finite() && *m >= 0.0) {
                return Err(format!(
                    "pricing.networkCostMultiplier.{network} must be >= 0"
                ));
            }
        }
        let rows = std::iter::once(("default".to_string(), &self.default))
            .chain(self.tiers.iter().map(|(k, v)| (format!("tiers.{k}"), v)))
            .chain(self.models.iter().map(|(k, v)| (format!("models.{k}"), v)));
        for (where_, row) in rows {
            for (name, v) in row.positive_fields() {
                if let Some(v) = v {
                    if !(v.is_finite() && v >= 0.0) {
                        return Err(format!("pricing.{where_}.{name} must be >= 0, got {v}"));
                    }
                }
            }
        }
        let llm = std::iter::once(&self.llm.default).chain(self.llm.models.values());
        for p in llm {
            if !(p.usd_per_million_input_tokens >= 0.0 && p.usd_per_million_output_tokens >= 0.0) {
                return Err("pricing.llm prices must be >= 0".to_string());
            }
        }
        Ok(())
    }

    /// The price row of a model: model override, then its tier, then `default`.
    pub(crate) fn entry(&self, model: &str, tier: Option<&str>) -> PriceEntry {
        let tier_row = tier.and_then(|t| self.tiers.get(t));
        let mut row = self.default.clone();
        if let Some(t) = tier_row {
            row = t.or(&row);
        }
        if let Some(m) = self.models.get(model) {
            row = m.or(&row);
        }
        row
    }

    /// The LLM price row of a model.
    pub(crate) fn llm_price(&self, model: &str) -> LlmPrice {
        self.llm
            .models
            .get(model)
            .copied()
            .unwrap_or(self.llm.default)
    }

    /// The cost multiplier of a network; unknown networks cost like `fast` (1.0).
    pub(crate) fn multiplier(&self, network: &str) -> f64 {
        self.network_cost_multiplier
            .get(network)
            .copied()
            .unwrap_or(1.0)
    }
}

/// Which token a quote's `costInToken` is expressed in.
fn is_sogni(token_type: &str) -> bool {
    token_type.eq_ignore_ascii_case("sogni")
}

/// A media (image, video or audio) cost quote.
///
/// The five public amounts are project totals (all media together) on the quoted
/// network. Build one with [`Catalog::image_cost`](super::Catalog::image_cost),
/// [`Catalog::video_cost`](super::Catalog::video_cost) or
/// [`Catalog::audio_cost`](super::Catalog::audio_cost); it starts on network `fast`
/// priced in Spark.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// Render time the project is billed for, in seconds.
    pub render_sec: f64,
    /// Price in US dollars.
    pub usd: f64,
    /// Price in the requested token (Spark unless changed by [`Cost::with_token_type`]).
    pub token: f64,
    /// Price in Spark.
    pub spark: f64,
    /// Price in SOGNI.
    pub sogni: f64,
    pub(crate) count: u32,
    pub(crate) token_type: &'static str,
    pub(crate) network: String,
    pub(crate) multiplier: f64,
    pub(crate) request: Map<String, Value>,
    pub(crate) model_quote: [f64; 4],
    pub(crate) calculated_step_count: Option<u32>,
    pub(crate) cost_per_render_sec_usd: f64,
    pub(crate) cost_per_base_hq_render_usd: f64,
    pub(crate) sogni_price_usd: f64,
    pub(crate) spark_per_usd: f64,
}

/// What a media quote is built from; filled in by the `Catalog::*_cost` helpers.
pub(crate) struct CostInput {
    pub render_sec: f64,
    pub count: u32,
    pub request: Map<String, Value>,
    pub entry: PriceEntry,
    pub calculated_step_count: Option<u32>,
}

impl Cost {
    pub(crate) fn new(pricing: &Pricing, input: CostInput) -> Self {
        let e = &input.entry;
        let render_sec = input.render_sec.max(0.0);
        let usd = render_sec * pricing.cost_per_render_sec_usd;
        let spark = usd * pricing.spark_per_usd;
        let sogni = usd / pricing.sogni_price_usd;
        Self {
            render_sec,
            usd,
            token: spark,
            spark,
            sogni,
            count: input.count.max(1),
            token_type: "spark",
            network: "fast".to_string(),
            multiplier: 1.0,
            request: input.request,
            model_quote: [
                e.weight.unwrap_or(1.0),
                e.sec_per_step.unwrap_or(0.0),
                e.sec_per_preview.unwrap_or(0.0),
                e.sec_for_cn.unwrap_or(0.0),
            ],
            calculated_step_count: input.calculated_step_count,
            cost_per_render_sec_usd: pricing.cost_per_render_sec_usd,
            cost_per_base_hq_render_usd: pricing.cost_per_base_hq_render_usd,
            sogni_price_usd: pricing.sogni_price_usd,
            spark_per_usd: pricing.spark_per_usd,
        }
    }

    /// Expresses `token` (and the estimate's `costInToken`) in `"sogni"` or, for any
    /// other value, Spark.
    pub fn with_token_type(mut self, token_type: &str) -> Self {
        if is_sogni(token_type) {
            self.token_type = "sogni";
            self.token = self.sogni;
        } else {
            self.token_type = "spark";
            self.token = self.spark;
        }
        self
    }

    /// Re-prices the quote for a network with the given cost multiplier (relative to
    /// `fast` = 1.0). Calling it again replaces the previous network.
    pub(crate) fn on_network(mut self, network: &str, multiplier: f64) -> Self {
        let factor = if self.multiplier > 0.0 {
            multiplier / self.multiplier
        } else {
            0.0
        };
        self.usd *= factor;
        self.spark *= factor;
        self.sogni *= factor;
        self.token *= factor;
        self.multiplier = multiplier;
        self.network = network.to_string();
        self
    }

    /// The network this quote is priced for.
    pub fn network(&self) -> &str {
        &self.network
    }

    /// The price of one medium (one job): the project totals divided by the media count,
    /// as `[render_sec, usd, token, spark, sogni]`.
    pub fn per_job(&self) -> [f64; 5] {
        let n = f64::from(self.count);
        [
            self.render_sec / n,
            self.usd / n,
            self.token / n,
            self.spark / n,
            self.sogni / n,
        ]
    }

    /// The socket host's `EstimationResponse` for this quote:
    /// `{request, rate, quote:{model, job, project}}`, every amount a decimal string.
    /// The official SDK reads `quote.project.{costInToken,costInUSD,costInSpark,costInSogni}`.
    pub fn estimate_json(&self) -> Value {
        let mut request = self.request.clone();
        request.insert("time".into(), Value::String(iso8601_now()));
        let token_price_usd = if self.token_type == "sogni" {
            self.sogni_price_usd
        } else {
            1.0 / self.spark_per_usd
        };
        let sec_usd = self.cost_per_render_sec_usd * self.multiplier;
        let [w, sps, spp, scn] = self.model_quote;
        let job = self.per_job();
        let mut job_json = costs_json(job);
        let mut project_json = costs_json([
            self.render_sec,
            self.usd,
            self.token,
            self.spark,
            self.sogni,
        ]);
        if let Some(steps) = self.calculated_step_count {
            job_json.insert("calculatedStepCount".into(), json!(steps));
            project_json.insert("calculatedStepCount".into(), json!(steps));
        }
        json!({
            "request": request,
            "rate": {
                "costPerBaseHQRenderInUSD": decimal(self.cost_per_base_hq_render_usd * self.multiplier),
                "tokenMarkePriceUSD": decimal(token_price_usd),
                "costPerRenderSecUSD": decimal(sec_usd),
                "costPerRenderSecToken": decimal(sec_usd / token_price_usd),
                "network": self.network,
                "networkCostMultiplier": decimal(self.multiplier),
            },
            "quote": {
                "model": {
                    "weight": decimal(w),
                    "secPerStep": decimal(sps),
                    "secPerPreview": decimal(spp),
                    "secForCN": decimal(scn),
                },
                "job": job_json,
                "project": project_json,
            }
        })
    }
}

fn costs_json([sec, usd, token, spark, sogni]: [f64; 5]) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("costInRenderSec".into(), Value::String(decimal(sec)));
    m.insert("costInUSD".into(), Value::String(decimal(usd)));
    m.insert("costInToken".into(), Value::String(decimal(token)));
    m.insert("costInSpark".into(), Value::String(decimal(spark)));
    m.insert("costInSogni".into(), Value::String(decimal(sogni)));
    m
}

/// An LLM cost quote (`chat.estimateCost`, `llmJobResult.cost`).
#[derive(Debug, Clone, PartialEq)]
pub struct LlmCost {
    /// Price in US dollars.
    pub usd: f64,
    /// Price in the requested token (Spark unless changed by [`LlmCost::with_token_type`]).
    pub token: f64,
    /// Price in Spark.
    pub spark: f64,
    /// Price in SOGNI.
    pub sogni: f64,
    /// Input tokens priced.
    pub input_tokens: u64,
    /// Output tokens priced (the requested maximum for an estimate).
    pub output_tokens: u64,
    pub(crate) model: String,
    pub(crate) token_type: &'static str,
}

impl LlmCost {
    pub(crate) fn new(
        pricing: &Pricing,
        model: &str,
        input_tokens: u64,
        output_tokens: u64,
    ) -> Self {
        let p = pricing.llm_price(model);
        let usd = input_tokens as f64 / 1e6 * p.usd_per_million_input_tokens
            + output_tokens as f64 / 1e6 * p.usd_per_million_output_tokens;
        let spark = usd * pricing.spark_per_usd;
        Self {
            usd,
            token: spark,
            spark,
            sogni: usd / pricing.sogni_price_usd,
            input_tokens,
            output_tokens,
            model: model.to_string(),
            token_type: "spark",
        }
    }

    /// Expresses `token` (and `costInToken`) in `"sogni"` or, for any other value, Spark.
    pub fn with_token_type(mut self, token_type: &str) -> Self {
        if is_sogni(token_type) {
            self.token_type = "sogni";
            self.token = self.sogni;
        } else {
            self.token_type = "spark";
            self.token = self.spark;
        }
        self
    }

    /// The `/api/v1/job-llm/estimate/…` response, amounts as JSON **numbers**:
    /// `{request:{model,inputTokens,maxOutputTokens,tokenType,time},
    /// quote:{costInUSD,costInSogni,costInSpark,costInToken,inputTokens,outputTokens}}`.
    pub fn estimate_json(&self) -> Value {
        json!({
            "request": {
                "model": self.model,
                "inputTokens": self.input_tokens,
                "maxOutputTokens": self.output_tokens,
                "tokenType": self.token_type,
                "time": iso8601_now(),
            },
            "quote": {
                "costInUSD": round9(self.usd),
                "costInSogni": round9(self.sogni),
                "costInSpark": round9(self.spark),
                "costInToken": round9(self.token),
                "inputTokens": self.input_tokens,
                "outputTokens": self.output_tokens,
            }
        })
    }

    /// The `cost` object of `llmJobResult` (and `jobState.estimatedCost` via
    /// `costInToken`): amounts as decimal **strings**, token counts as numbers.
    pub fn cost_json(&self) -> Value {
        json!({
            "costInUSD": decimal(self.usd),
            "costInToken": decimal(self.token),
            "costInSogni": decimal(self.sogni),
            "costInSpark": decimal(self.spark),
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
        })
    }
}

fn round9(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e9).round() / 1e9
    } else {
        0.0
    }
}

/// A non-negative amount as a plain decimal string: at most nine decimals, no
/// exponent, no trailing zeros (`0.0012`, `4`, `0`).
pub fn decimal(x: f64) -> String {
    if !x.is_finite() {
        return "0".to_string();
    }
    let s = format!("{x:.9}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s
    }
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SS.mmmZ` (what `Date#toJSON` produces).
pub fn iso8601_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    iso8601(now.as_secs(), now.subsec_millis())
}

/// Formats seconds since the Unix epoch (plus milliseconds) as an ISO-8601 UTC string.
pub(crate) fn iso8601(secs: u64, millis: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from a day count (proleptic Gregorian calendar, era-based).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}
