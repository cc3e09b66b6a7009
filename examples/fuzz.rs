//! A stable-Rust fuzz harness for the SDK core's decoders and validators: the socket
//! envelope, the typed server events, the image/video/audio params → `jobRequest`
//! builders, the chat SSE reader (`SseParser` over random chunkings of SSE-shaped bytes)
//! and the chat stream fed with random `jobTokens`/`jobState`/`llmJobResult`/`llmJobError`
//! sequences. Every input comes from a seeded PRNG — random bytes, random JSON shaped by the
//! protocol's own field names, and mutations of the official fixtures' params — and every
//! call must return (`Ok` or a typed `Err`) without panicking, in bounded memory.
//!
//! ```text
//! cargo run --release --example fuzz -- [--iterations N] [--seed S]
//! ```
//! `cargo xtask fuzz` runs it; `cargo xtask test` runs a short pass. On a panic it prints
//! the input and exits with 1; at the end it prints executions per target and the peak RSS.

use serde_json::{json, Map, Value};
use sogni_wasm::chat::sse::SseParser;
use sogni_wasm::chat::stream::{chunk_from_tokens, job_state_event, split_reasoning, ChatStream};
use sogni_wasm::models::tiers::{model_options, parse_model_list, ModelInfo, ModelOptions};
use sogni_wasm::projects::audio::{audio_job_request, AudioProjectParams};
use sogni_wasm::projects::params::ImageProjectParams;
use sogni_wasm::projects::request::{image_job_request, RequestContext};
use sogni_wasm::projects::video::{video_job_request, video_upload_slots, VideoProjectParams};
use sogni_wasm::protocol::envelope::{encode, Envelope};
use sogni_wasm::protocol::events::parse_event;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

const IMAGE_FIXTURE: &str = include_str!("../tests/fixtures/job-requests.json");
const MEDIA_FIXTURE: &str = include_str!("../tests/fixtures/video-audio-requests.json");

/// Message names the socket delivers (plus a few it never does).
const KINDS: [&str; 22] = [
    "authenticated",
    "swarmModels",
    "swarmLLMModels",
    "balanceUpdate",
    "jobState",
    "jobProgress",
    "jobETA",
    "jobResult",
    "jobError",
    "initiatingModel",
    "jobStarted",
    "artistCancelConfirmation",
    "activeProjects",
    "jobTokens",
    "llmJobResult",
    "llmJobError",
    "toastMessage",
    "subscriptionEntitlementUpdated",
    "changeNetwork",
    "",
    "unknownType",
    "__proto__",
];

/// xorshift64*: small, fast, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Everything the generators draw from: field names and values seen in the fixtures.
struct Dictionary {
    keys: Vec<String>,
    strings: Vec<String>,
    seeds: Vec<Value>,
}

impl Dictionary {
    fn new(fixtures: &[Value]) -> Self {
        let mut keys = Vec::new();
        let mut strings = Vec::new();
        let mut seeds = Vec::new();
        fn walk(v: &Value, keys: &mut Vec<String>, strings: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        keys.push(k.clone());
                        walk(v, keys, strings);
                    }
                }
                Value::Array(a) => a.iter().for_each(|v| walk(v, keys, strings)),
                Value::String(s) if s.len() < 64 => strings.push(s.clone()),
                _ => {}
            }
        }
        for f in fixtures {
            for group in ["cases", "video", "audio"] {
                for case in f[group].as_array().into_iter().flatten() {
                    walk(&case["params"], &mut keys, &mut strings);
                    walk(&case["expected"], &mut keys, &mut strings);
                    if case["params"].is_object() {
                        seeds.push(case["params"].clone());
                    }
                }
            }
        }
        for k in [
            "jobID",
            "imgID",
            "type",
            "step",
            "stepCount",
            "resultUrl",
            "error",
            "isNSFW",
            "performedSteps",
            "etaSeconds",
            "workerName",
            "userCanceled",
            "tokens",
            "finish_reason",
            "usage",
            "projects",
            "spark",
            "sogni",
            "settled",
            "credit",
            "content",
            "role",
            "finishReason",
            "tool_calls",
            "index",
            "function",
            "arguments",
            "name",
            "id",
            "prompt_tokens",
            "completion_tokens",
            "error_code",
            "error_message",
            "cost",
        ] {
            keys.push(k.to_string());
        }
        keys.sort();
        keys.dedup();
        strings.sort();
        strings.dedup();
        Self {
            keys,
            strings,
            seeds,
        }
    }
}

/// A random JSON value, at most `depth` levels deep.
fn value(rng: &mut Rng, dict: &Dictionary, depth: u32) -> Value {
    match rng.below(if depth == 0 { 6 } else { 9 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(2)),
        2 => json!(*rng.pick(&[
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1e308,
            -1e308,
            4294967295.0,
            4294967296.0,
            9007199254740993.0,
            1e-320
        ])),
        3 => json!(rng.next() as i64 >> rng.below(64)),
        4 => Value::String(rng.pick(&dict.strings).clone()),
        5 => Value::String(
            rng.pick(&[
                "",
                " ",
                "\u{0}",
                "é",
                "🦀",
                "undefined",
                "NaN",
                "-1",
                "1e9",
                "a/b?c=d",
            ])
            .to_string(),
        ),
        6 | 7 => {
            let mut m = Map::new();
            for _ in 0..rng.below(6) {
                m.insert(rng.pick(&dict.keys).clone(), value(rng, dict, depth - 1));
            }
            Value::Object(m)
        }
        _ => Value::Array(
            (0..rng.below(5))
                .map(|_| value(rng, dict, depth - 1))
                .collect(),
        ),
    }
}

/// A fixture's params with a few fields replaced, removed or added.
fn mutate(rng: &mut Rng, dict: &Dictionary, seed: &Value) -> Value {
    let mut v = seed.clone();
    let Some(m) = v.as_object_mut() else {
        return v;
    };
    for _ in 0..1 + rng.below(4) {
        let key = if !m.is_empty() && rng.chance(2) {
            m.keys().nth(rng.below(m.len())).unwrap().clone()
        } else {
            rng.pick(&dict.keys).clone()
        };
        if rng.chance(5) {
            m.remove(&key);
        } else {
            m.insert(key, value(rng, dict, 2));
        }
    }
    v
}

/// The model catalogs the builders need.
struct Models {
    list: Vec<ModelInfo>,
    tiers: Map<String, Value>,
    cache: HashMap<String, Option<ModelOptions>>,
}

impl Models {
    fn options(&mut self, id: &str) -> Option<ModelOptions> {
        if !self.cache.contains_key(id) {
            let o = model_options(&self.list, &self.tiers, id).ok();
            self.cache.insert(id.to_string(), o);
        }
        self.cache[id].clone()
    }
}

/// Validates and builds one project's request; `true` when a request came out.
fn build_project(models: &mut Models, params: &Value) -> bool {
    let ctx = RequestContext {
        app_source: Some("fuzz".into()),
        attribution: Vec::new(),
    };
    let model = params["modelId"].as_str().unwrap_or("").to_string();
    match params["type"].as_str() {
        Some("video") => {
            if let Ok(p) = VideoProjectParams::from_value(params) {
                if let Some(o) = models.options(&model) {
                    if video_job_request(&p, "P", &o, &ctx, &[]).is_ok() {
                        let _ = video_upload_slots(&p);
                        return true;
                    }
                }
            }
        }
        Some("audio") => {
            if let Ok(p) = AudioProjectParams::from_value(params) {
                if let Some(o) = models.options(&model) {
                    return audio_job_request(&p, "P", &o, &ctx, &[]).is_ok();
                }
            }
        }
        _ => {
            if let Ok(p) = ImageProjectParams::from_value(params) {
                let p = p.normalized_for_create();
                if let Some(o) = models.options(&model) {
                    return image_job_request(&p, "P", &o, &ctx).is_ok();
                }
            }
        }
    }
    false
}

/// A frame: random bytes, a valid envelope of random data, or a damaged valid one.
fn frame(rng: &mut Rng, dict: &Dictionary) -> Vec<u8> {
    match rng.below(4) {
        0 => (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
        1 => encode(KINDS[rng.below(KINDS.len())], &value(rng, dict, 3)).into_bytes(),
        2 => {
            let mut f = encode(KINDS[rng.below(KINDS.len())], &value(rng, dict, 3)).into_bytes();
            if !f.is_empty() {
                for _ in 0..1 + rng.below(3) {
                    let i = rng.below(f.len());
                    f[i] = rng.next() as u8;
                }
            }
            f
        }
        _ => {
            let data = value(rng, dict, 2);
            serde_json::to_vec(&json!({"type": rng.pick(&KINDS), "data": data})).unwrap()
        }
    }
}

/// SSE-shaped bytes: field lines, comments, every line ending, multi-byte characters,
/// stray bytes.
fn sse_bytes(rng: &mut Rng, dict: &Dictionary) -> Vec<u8> {
    const PIECES: [&str; 16] = [
        "data: ",
        "data:",
        "event: ",
        "id: ",
        "retry: ",
        ": keep-alive",
        "\n",
        "\r\n",
        "\r",
        "\n\n",
        "[DONE]",
        "{\"a\":",
        "\u{feff}",
        "é",
        "😀",
        "id: 1\u{0}2",
    ];
    let mut out = Vec::new();
    for _ in 0..rng.below(40) {
        match rng.below(5) {
            0 => out.extend_from_slice(rng.pick(&PIECES).as_bytes()),
            1 => out.extend_from_slice(rng.pick(&dict.strings).as_bytes()),
            2 => out.extend_from_slice(value(rng, dict, 2).to_string().as_bytes()),
            3 => out.extend_from_slice((rng.next() % 100_000).to_string().as_bytes()),
            _ => out.push((rng.next() & 0xff) as u8),
        }
    }
    out
}

/// A random chat job event for the stream: mostly `jobTokens` shaped like the server's.
fn chat_event(rng: &mut Rng, dict: &Dictionary) -> (&'static str, Value) {
    let kind = *rng.pick(&[
        "jobTokens",
        "jobTokens",
        "jobTokens",
        "jobState",
        "llmJobResult",
        "llmJobError",
    ]);
    let data = if rng.chance(4) {
        value(rng, dict, 3)
    } else {
        let mut d = json!({"jobID": "J"});
        let o = d.as_object_mut().unwrap();
        if rng.chance(2) {
            o.insert("content".into(), value(rng, dict, 1));
        }
        if rng.chance(3) {
            o.insert("role".into(), json!("assistant"));
        }
        if rng.chance(3) {
            let call = json!({"index": value(rng, dict, 0), "id": value(rng, dict, 0),
                              "function": {"name": value(rng, dict, 0), "arguments": value(rng, dict, 1)}});
            o.insert("tool_calls".into(), json!([call]));
        }
        if rng.chance(4) {
            o.insert("finishReason".into(), value(rng, dict, 0));
            o.insert("usage".into(), value(rng, dict, 2));
        }
        if rng.chance(4) {
            o.insert("type".into(), value(rng, dict, 0));
        }
        d
    };
    (kind, data)
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| v.parse::<u64>().expect("a number"))
    };
    let iterations = arg("--iterations").unwrap_or(100_000);
    let seed = arg("--seed").unwrap_or(0x5067_6E69_F022_2026);
    let image: Value = serde_json::from_str(IMAGE_FIXTURE).unwrap();
    let media: Value = serde_json::from_str(MEDIA_FIXTURE).unwrap();
    let dict = Dictionary::new(&[image.clone(), media.clone()]);
    let mut models = {
        let mut list = parse_model_list(&media["models"]).unwrap();
        let mut tiers = media["tiers"].as_object().unwrap().clone();
        if let (Ok(more), Some(more_tiers)) = (
            parse_model_list(&image["models"]),
            image["tiers"].as_object(),
        ) {
            list.extend(more);
            tiers.extend(more_tiers.clone());
        }
        Models {
            list,
            tiers,
            cache: HashMap::new(),
        }
    };
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed | 1);
    let mut counts = [0u64; 5];
    let mut built = 0u64;
    let started = std::time::Instant::now();
    for i in 0..iterations {
        let target = (i % 5) as usize;
        counts[target] += 1;
        let input: Value;
        let outcome = match target {
            0 => {
                let f = frame(&mut rng, &dict);
                input = json!(String::from_utf8_lossy(&f));
                catch_unwind(|| {
                    if let Ok(env) = Envelope::decode(&f) {
                        let _ = parse_event(&env.kind, &env.data);
                    }
                })
            }
            1 => {
                let kind = *rng.pick(&KINDS);
                let data = value(&mut rng, &dict, 4);
                input = json!({"kind": kind, "data": data});
                catch_unwind(|| {
                    let _ = parse_event(kind, &data);
                })
            }
            3 => {
                let bytes = sse_bytes(&mut rng, &dict);
                let cuts: Vec<usize> = (0..rng.below(6))
                    .map(|_| rng.below(bytes.len() + 1))
                    .collect();
                input = json!({"sse": String::from_utf8_lossy(&bytes), "cuts": cuts});
                catch_unwind(|| {
                    let mut parser = SseParser::new();
                    let mut cuts = cuts.clone();
                    cuts.sort_unstable();
                    let mut at = 0;
                    for cut in cuts.into_iter().chain([bytes.len()]) {
                        let _ = parser.feed(&bytes[at..cut]);
                        at = cut;
                    }
                    parser.finish();
                    let _ = parser.last_event_id();
                })
            }
            4 => {
                let events: Vec<(&str, Value)> = (0..1 + rng.below(12))
                    .map(|_| chat_event(&mut rng, &dict))
                    .collect();
                input = json!(events);
                catch_unwind(|| {
                    let mut stream = ChatStream::new("J");
                    for (kind, data) in &events {
                        let _ = match *kind {
                            "jobTokens" => {
                                let _ = chunk_from_tokens(data);
                                stream.on_tokens(data)
                            }
                            "jobState" => {
                                let _ = job_state_event(data);
                                stream.on_job_state(data)
                            }
                            "llmJobResult" => stream.on_result(data).unwrap_or(Value::Null),
                            _ => stream.on_error(data),
                        };
                    }
                    let _ = split_reasoning(stream.content());
                    let _ = stream.tool_calls();
                })
            }
            _ => {
                let params = if rng.chance(4) {
                    value(&mut rng, &dict, 3)
                } else {
                    let seed = rng.pick(&dict.seeds).clone();
                    mutate(&mut rng, &dict, &seed)
                };
                input = params.clone();
                catch_unwind(AssertUnwindSafe(|| {
                    built += u64::from(build_project(&mut models, &params));
                }))
            }
        };
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            eprintln!("fuzz: PANIC at iteration {i} (seed {seed}): {message}\ninput: {input}");
            std::process::exit(1);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "fuzz: {iterations} executions in {secs:.1} s ({:.0}/s), seed {seed}: envelope {}, events {}, params {} ({built} built a request), chat SSE {}, chat stream {}; no panic; peak RSS {} KiB",
        iterations as f64 / secs,
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        counts[4],
        peak_rss_kib()
    );
}
