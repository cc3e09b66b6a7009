//! Unit tests of the catalog loader, the builtin data and the price quotes.

use super::pricing::iso8601;
use super::*;

fn cat() -> Catalog {
    Catalog::builtin()
}

/// A catalog in the file shape, for the error tests.
fn tiny(models: Value, tiers: Value, extra: Value) -> String {
    let mut v = json!({ "models": models, "tiers": tiers });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    v.to_string()
}

fn image_tier() -> Value {
    json!({"steps": {"min": 1, "max": 8, "default": 4},
           "sampler": {"allowed": ["Euler"], "default": "Euler"},
           "scheduler": {"allowed": ["Simple"], "default": "Simple"},
           "benchmark": {"sec": 1, "secCN": 0, "secMaxPreviews": 0}})
}

#[test]
fn builtin_catalog_parses() {
    let c = cat();
    assert!(c.models().len() >= 30);
    assert_eq!(
        c.models_json().as_array().map(Vec::len),
        Some(c.models().len())
    );
    assert!(c.tiers_json().as_object().is_some_and(|t| !t.is_empty()));
    assert!(Catalog::default().model("flux1-schnell-fp8").is_some());
}

#[test]
fn every_model_tier_exists_and_matches_its_media() {
    let c = cat();
    for m in c.models() {
        let tier = c
            .tier(&m.id)
            .unwrap_or_else(|| panic!("{} has no tier", m.id));
        let kind = TierKind::of(tier).expect("known tier type");
        assert_eq!(kind.media(), m.media, "{}", m.id);
        assert_eq!(c.media_of(&m.id), Some(m.media));
    }
}

#[test]
fn sids_and_ids_are_unique() {
    let c = cat();
    let sids: HashSet<u64> = c.models().iter().map(|m| m.sid).collect();
    let ids: HashSet<&str> = c.models().iter().map(|m| m.id.as_str()).collect();
    assert_eq!(sids.len(), c.models().len());
    assert_eq!(ids.len(), c.models().len());
    for m in c.models() {
        assert_eq!(c.model_by_sid(m.sid).map(|x| &x.id), Some(&m.id));
    }
}

#[test]
fn every_picture_model_has_presets_or_a_default_size() {
    let c = cat();
    for m in c.models().iter().filter(|m| m.media != Media::Audio) {
        let presets = c.size_presets(&m.id);
        let (w, h) = c.default_size(&m.id);
        assert!(
            presets.as_array().is_some_and(|a| !a.is_empty()) || (w > 0 && h > 0),
            "{} has neither presets nor a default size",
            m.id
        );
        assert!(w >= 256 && h >= 256, "{}: {w}x{h}", m.id);
        if m.media == Media::Image {
            assert!(
                !presets.as_array().unwrap().is_empty(),
                "{} has no presets",
                m.id
            );
        }
    }
}

#[test]
fn each_media_kind_is_present_with_the_reference_ids() {
    let c = cat();
    let expected = [
        ("flux1-schnell-fp8", Media::Image),
        ("z_image_turbo_bf16", Media::Image),
        ("qwen_image_edit_2511_fp8", Media::Image),
        ("coreml-cyberrealistic_v70_768", Media::Image),
        ("wan_v2.2-14b-fp8_t2v_lightx2v", Media::Video),
        ("wan_v2.2-14b-fp8_t2v", Media::Video),
        ("wan_v2.2-14b-fp8_i2v_lightx2v", Media::Video),
        ("wan_v2.2-14b-fp8_i2v", Media::Video),
        ("wan_v2.2-14b-fp8_s2v_lightx2v", Media::Video),
        ("wan_v2.2-14b-fp8_s2v", Media::Video),
        ("wan_v2.2-14b-fp8_animate-move_lightx2v", Media::Video),
        ("wan_v2.2-14b-fp8_animate-replace_lightx2v", Media::Video),
        ("seedance-2-0", Media::Video),
        ("seedance-2-0-fast", Media::Video),
        ("ace_step_1.5_turbo", Media::Audio),
        ("ace_step_1.5_sft", Media::Audio),
    ];
    for (id, media) in expected {
        assert_eq!(c.media_of(id), Some(media), "{id}");
    }
    for wf in ["t2v", "i2v", "a2v", "ia2v", "v2v"] {
        for v in ["distilled", "dev"] {
            let id = format!("ltx23-22b-fp8_{wf}_{v}");
            assert_eq!(c.media_of(&id), Some(Media::Video), "{id}");
        }
    }
    for media in [Media::Image, Media::Video, Media::Audio] {
        assert!(c.models().iter().any(|m| m.media == media), "{media:?}");
    }
    assert_eq!(c.media_of("no-such-model"), None);
}

#[test]
fn reference_defaults_come_from_the_tiers() {
    let c = cat();
    assert_eq!(c.default_steps("flux1-schnell-fp8"), 4);
    assert_eq!(c.default_guidance("flux1-schnell-fp8"), Some(1.0));
    assert_eq!(c.default_steps("z_image_turbo_bf16"), 8);
    assert_eq!(c.default_steps("ace_step_1.5_turbo"), 8);
    assert_eq!(c.default_steps("ltx23-22b-fp8_t2v_distilled"), 8);
    assert_eq!(c.default_steps("ltx23-22b-fp8_t2v_dev"), 20);
    assert_eq!(c.default_steps("seedance-2-0"), FALLBACK_STEPS);
    assert_eq!(c.default_steps("no-such-model"), FALLBACK_STEPS);
    assert_eq!(c.default_fps("wan_v2.2-14b-fp8_t2v_lightx2v"), Some(16));
    assert_eq!(c.default_fps("ltx23-22b-fp8_t2v_distilled"), Some(24));
    assert_eq!(c.default_fps("seedance-2-0"), Some(24));
    assert_eq!(c.default_duration("ace_step_1.5_turbo"), Some(30.0));
    assert_eq!(c.default_size("flux1-schnell-fp8"), (1024, 1024));
    assert_eq!(c.default_size("coreml-cyberrealistic_v70_768"), (768, 768));
    assert_eq!(c.default_size("wan_v2.2-14b-fp8_t2v_lightx2v"), (848, 480));
    assert_eq!(c.default_size("ltx23-22b-fp8_t2v_distilled"), (1920, 1088));
    assert_eq!(c.default_size("seedance-2-0-fast"), (1280, 720));
    assert_eq!(c.default_size("ace_step_1.5_turbo"), (0, 0));
    assert_eq!(
        c.default_size("no-such-model"),
        (FALLBACK_SIDE, FALLBACK_SIDE)
    );
    assert_eq!(
        c.tier_kind("flux1-schnell-fp8"),
        Some(TierKind::LegacyImage)
    );
    assert_eq!(
        c.tier_kind("z_image_turbo_bf16"),
        Some(TierKind::ComfyImage)
    );
}

#[test]
fn tier_option_defaults_are_allowed() {
    // The SDK maps allowed values and the default through the same alias table, so a
    // default that is in `allowed` always validates. `from_json` enforces this; check the
    // data directly as well.
    let c = cat();
    for (name, tier) in c.tiers_json().as_object().unwrap() {
        for key in [
            "sampler",
            "scheduler",
            "comfySampler",
            "comfyScheduler",
            "fps",
        ] {
            if let Some(o) = tier.get(key) {
                let allowed = o["allowed"].as_array().unwrap();
                assert!(allowed.contains(&o["default"]), "{name}.{key}");
            }
        }
        match TierKind::of(tier).unwrap() {
            TierKind::LegacyImage => assert!(tier.get("sampler").is_some(), "{name}"),
            TierKind::ComfyImage => assert!(tier["defaultSize"].is_u64(), "{name}"),
            TierKind::Video => assert!(tier["fps"]["allowed"].is_array(), "{name}"),
            TierKind::Audio => assert!(tier["duration"]["default"].is_number(), "{name}"),
        }
        assert!(tier["benchmark"]["sec"].is_number(), "{name}");
    }
}

#[test]
fn size_presets_have_the_served_shape() {
    let c = cat();
    let presets = c.size_presets("flux1-schnell-fp8");
    let arr = presets.as_array().unwrap();
    for p in arr {
        for k in ["label", "id", "ratio", "aspect"] {
            assert!(p[k].is_string(), "{p}");
        }
        assert!(p["width"].is_u64() && p["height"].is_u64(), "{p}");
    }
    assert_eq!(
        c.size_preset("flux1-schnell-fp8", "square_hd"),
        Some((1024, 1024))
    );
    assert_eq!(
        c.size_preset("flux1-schnell-fp8", "square"),
        Some((512, 512))
    );
    assert_eq!(
        c.size_preset("flux1-schnell-fp8", "portrait_7_9"),
        Some((896, 1152))
    );
    assert_eq!(
        c.size_preset("flux1-schnell-fp8", "landscape_7_4"),
        Some((1344, 768))
    );
    assert!(c
        .size_preset("flux1-schnell-fp8", "landscape_16_9")
        .is_some());
    assert!(c.size_preset("flux1-schnell-fp8", "portrait_4_7").is_some());
    assert_eq!(c.size_preset("flux1-schnell-fp8", "nope"), None);
    assert_eq!(c.size_presets("ace_step_1.5_turbo"), json!([]));
    assert_eq!(c.size_presets("no-such-model"), json!([]));
}

#[test]
fn worker_maps_are_keyed_by_id_and_by_sid() {
    let c = cat();
    let fast = c.swarm_models("fast");
    let fast = fast.as_object().unwrap();
    for id in fast.keys() {
        assert!(
            c.model(id).is_some(),
            "workers.fast names unknown model {id}"
        );
    }
    for id in c.swarm_models("relaxed").as_object().unwrap().keys() {
        assert!(
            c.model(id).is_some(),
            "workers.relaxed names unknown model {id}"
        );
        assert_eq!(
            c.media_of(id),
            Some(Media::Image),
            "relaxed is image-only: {id}"
        );
    }
    assert!(fast["z_image_turbo_bf16"].as_u64().unwrap() > 0);
    assert_eq!(c.swarm_models("nowhere"), json!({}));
    let by_sid = c.workers_by_sid("fast");
    let sid = c.model("flux1-schnell-fp8").unwrap().sid.to_string();
    assert_eq!(by_sid[&sid], fast["flux1-schnell-fp8"]);
    assert_eq!(by_sid.as_object().unwrap().len(), fast.len());
    assert_eq!(
        c.workers("fast", "flux1-schnell-fp8"),
        fast["flux1-schnell-fp8"].as_u64().unwrap()
    );
    assert_eq!(c.workers("relaxed", "seedance-2-0"), 0);
    // Every media model is offered somewhere.
    for m in c.models() {
        assert!(
            c.workers("fast", &m.id) + c.workers("relaxed", &m.id) > 0,
            "{}",
            m.id
        );
    }
}

#[test]
fn the_reference_llm_model_is_present() {
    let c = cat();
    let id = "qwen3.6-35b-a3b-gguf-iq4xs";
    let m = c.llm_model(id).expect("default LLM model");
    assert!(m["workers"].as_u64().unwrap() > 0);
    assert_eq!(m["maxContextLength"], 262_144);
    assert_eq!(m["maxOutputTokens"]["default"], 4096);
    assert!(m["defaultsThinking"]["top_k"].is_number());
    assert_eq!(c.llm_default_max_tokens(id, false), 4096);
    assert!(c.llm_default_max_tokens(id, true) > 4096);
    assert_eq!(c.llm_default_max_tokens("unknown", true), 4096);
    assert!(c.llm_model_ids().any(|m| m == id));
    assert!(c.llm_models_json().get(id).is_some());
}

#[test]
fn cost_grows_with_steps_images_size_and_extras() {
    let c = cat();
    let base = c.image_cost("flux1-schnell-fp8", 1, 4, 0, 1024, 1024, false, 0.0);
    assert!(base.usd > 0.0 && base.spark > 0.0 && base.sogni > 0.0 && base.render_sec > 0.0);
    assert_eq!(base.token, base.spark);
    let more_steps = c.image_cost("flux1-schnell-fp8", 1, 8, 0, 1024, 1024, false, 0.0);
    let more_images = c.image_cost("flux1-schnell-fp8", 3, 4, 0, 1024, 1024, false, 0.0);
    let bigger = c.image_cost("flux1-schnell-fp8", 1, 4, 0, 1344, 1344, false, 0.0);
    let previews = c.image_cost("flux1-schnell-fp8", 1, 4, 2, 1024, 1024, false, 0.0);
    let cn = c.image_cost("flux1-schnell-fp8", 1, 4, 0, 1024, 1024, true, 0.0);
    let img2img = c.image_cost("flux1-schnell-fp8", 1, 4, 0, 1024, 1024, false, 0.5);
    assert!(more_steps.usd > base.usd);
    assert!((more_images.usd - 3.0 * base.usd).abs() < 1e-12);
    assert!(bigger.usd > base.usd);
    assert!(previews.usd > base.usd);
    assert!(cn.usd > base.usd);
    assert!(img2img.usd < base.usd);
    // 0x0 means the default size.
    let default = c.image_cost("flux1-schnell-fp8", 1, 4, 0, 0, 0, false, 0.0);
    assert_eq!(default.usd, base.usd);
    // Token types and networks.
    let sogni = base.clone().with_token_type("sogni");
    assert_eq!(sogni.token, sogni.sogni);
    let relaxed = c.for_network(base.clone(), "relaxed");
    assert!(relaxed.usd < base.usd);
    assert_eq!(relaxed.network(), "relaxed");
    let back = c.for_network(relaxed, "fast");
    assert!((back.usd - base.usd).abs() < 1e-15);
    // Video and audio quotes scale too.
    let v1 = c.video_cost("ltx23-22b-fp8_t2v_distilled", 0, 0, 121, 24.0, None, 1);
    let v2 = c.video_cost("ltx23-22b-fp8_t2v_distilled", 0, 0, 241, 24.0, Some(8), 2);
    assert!(v1.usd > 0.0 && v2.usd > 2.0 * v1.usd);
    let s1 = c.video_cost("seedance-2-0", 1920, 1080, 121, 24.0, None, 1);
    let s2 = c.video_cost("seedance-2-0", 1920, 1080, 241, 24.0, None, 1);
    assert!(s1.usd > 0.0 && s2.usd > s1.usd);
    let a1 = c.audio_cost("ace_step_1.5_turbo", 30.0, 8, 1);
    let a2 = c.audio_cost("ace_step_1.5_turbo", 60.0, 8, 2);
    assert!(a1.usd > 0.0 && a2.usd > 3.9 * a1.usd);
}

#[test]
fn estimate_json_has_the_strings_the_sdk_reads() {
    let c = cat();
    let cost = c
        .image_cost("flux1-schnell-fp8", 2, 4, 0, 1024, 1024, false, 0.0)
        .with_token_type("sogni");
    let v = cost.estimate_json();
    let project = &v["quote"]["project"];
    for k in [
        "costInRenderSec",
        "costInUSD",
        "costInToken",
        "costInSpark",
        "costInSogni",
    ] {
        let s = project[k]
            .as_str()
            .unwrap_or_else(|| panic!("{k} is not a string"));
        let n: f64 = s
            .parse()
            .unwrap_or_else(|_| panic!("{k}={s} is not decimal"));
        assert!(n > 0.0, "{k}");
        assert!(!s.contains('e'), "{k}={s}");
        assert!(v["quote"]["job"][k].is_string(), "job.{k}");
    }
    assert_eq!(project["costInToken"], project["costInSogni"]);
    let job_usd: f64 = v["quote"]["job"]["costInUSD"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let project_usd: f64 = project["costInUSD"].as_str().unwrap().parse().unwrap();
    assert!((project_usd - 2.0 * job_usd).abs() < 1e-8);
    for k in ["weight", "secPerStep", "secPerPreview", "secForCN"] {
        assert!(v["quote"]["model"][k].is_string(), "model.{k}");
    }
    for k in [
        "costPerBaseHQRenderInUSD",
        "tokenMarkePriceUSD",
        "costPerRenderSecUSD",
        "costPerRenderSecToken",
        "network",
        "networkCostMultiplier",
    ] {
        assert!(v["rate"][k].is_string(), "rate.{k}");
    }
    assert_eq!(v["request"]["model"], "flux1-schnell-fp8");
    assert_eq!(v["request"]["imageCount"], 2);
    assert_eq!(v["request"]["stepCount"], 4);
    assert!(v["request"]["denoiseStrength"].is_string());
    assert!(v["request"]["time"].as_str().unwrap().ends_with('Z'));
    // Video and audio quotes use the same envelope.
    for cost in [
        c.video_cost(
            "wan_v2.2-14b-fp8_t2v_lightx2v",
            640,
            640,
            81,
            16.0,
            Some(4),
            1,
        ),
        c.audio_cost("ace_step_1.5_sft", 30.0, 0, 1),
    ] {
        let v = cost.estimate_json();
        assert!(v["quote"]["project"]["costInSpark"].is_string());
        assert_eq!(
            v["quote"]["project"]["costInToken"],
            v["quote"]["project"]["costInSpark"]
        );
    }
}

#[test]
fn llm_estimate_uses_numbers_and_the_job_cost_strings() {
    let c = cat();
    let small = c.llm_cost("qwen3.6-35b-a3b-gguf-iq4xs", 100, 4096);
    let big = c.llm_cost("qwen3.6-35b-a3b-gguf-iq4xs", 100, 8192);
    assert!(small.usd > 0.0 && big.usd > small.usd);
    let v = small.clone().with_token_type("sogni").estimate_json();
    for k in ["costInUSD", "costInSogni", "costInSpark", "costInToken"] {
        assert!(v["quote"][k].is_f64(), "quote.{k} must be a number");
    }
    assert_eq!(v["quote"]["inputTokens"], 100);
    assert_eq!(v["quote"]["outputTokens"], 4096);
    assert_eq!(v["quote"]["costInToken"], v["quote"]["costInSogni"]);
    assert_eq!(v["request"]["maxOutputTokens"], 4096);
    assert_eq!(v["request"]["tokenType"], "sogni");
    let job = small.cost_json();
    assert!(job["costInUSD"].is_string() && job["costInToken"].is_string());
    assert_eq!(job["outputTokens"], 4096);
}

#[test]
fn decimals_and_dates_are_formatted_plainly() {
    assert_eq!(decimal(0.0), "0");
    assert_eq!(decimal(4.0), "4");
    assert_eq!(decimal(0.00096), "0.00096");
    assert_eq!(decimal(0.1 + 0.2), "0.3");
    assert_eq!(decimal(1e-12), "0");
    assert_eq!(decimal(f64::NAN), "0");
    assert_eq!(iso8601(0, 0), "1970-01-01T00:00:00.000Z");
    assert_eq!(iso8601(951_782_400, 5), "2000-02-29T00:00:00.005Z");
    assert_eq!(iso8601(1_764_070_245, 123), "2025-11-25T11:30:45.123Z");
    assert_eq!(iso8601_now().len(), 24);
}

#[test]
fn from_json_rejects_inconsistent_catalogs() {
    let model = |id: &str, sid: u64, tier: &str, media: &str| json!({"id": id, "name": id, "SID": sid, "tier": tier, "media": media});
    let ok = tiny(
        json!([model("a", 1, "t", "image")]),
        json!({"t": image_tier()}),
        json!({}),
    );
    let c = Catalog::from_json(&ok).expect("minimal catalog");
    assert_eq!(c.default_steps("a"), 4);
    assert_eq!(c.default_size("a"), (FALLBACK_SIDE, FALLBACK_SIDE));
    assert_eq!(c.swarm_models("fast"), json!({}));

    let bad = [
        // unknown tier
        tiny(
            json!([model("a", 1, "nope", "image")]),
            json!({"t": image_tier()}),
            json!({}),
        ),
        // duplicate SID
        tiny(
            json!([model("a", 1, "t", "image"), model("b", 1, "t", "image")]),
            json!({"t": image_tier()}),
            json!({}),
        ),
        // duplicate id
        tiny(
            json!([model("a", 1, "t", "image"), model("a", 2, "t", "image")]),
            json!({"t": image_tier()}),
            json!({}),
        ),
        // media does not match the tier kind
        tiny(
            json!([model("a", 1, "t", "video")]),
            json!({"t": image_tier()}),
            json!({}),
        ),
        // sampler default not allowed
        tiny(
            json!([model("a", 1, "t", "image")]),
            json!({"t": {"steps": {"min": 1, "max": 8, "default": 4},
                         "sampler": {"allowed": ["Euler"], "default": "Heun"}}}),
            json!({}),
        ),
        // image tier without steps
        tiny(
            json!([model("a", 1, "t", "image")]),
            json!({"t": {"sampler": {"allowed": [], "default": ""}}}),
            json!({}),
        ),
        // video tier without width/height
        tiny(
            json!([model("a", 1, "t", "video")]),
            json!({"t": {"type": "video"}}),
            json!({}),
        ),
        // unknown tier type
        tiny(
            json!([model("a", 1, "t", "image")]),
            json!({"t": {"type": "3d", "steps": {}}}),
            json!({}),
        ),
        // preset assignment to an unknown set
        tiny(
            json!([model("a", 1, "t", "image")]),
            json!({"t": image_tier()}),
            json!({"sizePresets": {"sets": {}, "tiers": {"t": "missing"}}}),
        ),
        // non-positive price
        tiny(
            json!([model("a", 1, "t", "image")]),
            json!({"t": image_tier()}),
            json!({"pricing": {"sparkPerUSD": 0}}),
        ),
        // LLM model without workers
        tiny(
            json!([model("a", 1, "t", "image")]),
            json!({"t": image_tier()}),
            json!({"llmModels": {"m": {"maxContextLength": 10}}}),
        ),
    ];
    for b in bad {
        assert!(
            matches!(Catalog::from_json(&b), Err(CatalogError::Invalid(_))),
            "{b}"
        );
    }
    assert!(matches!(
        Catalog::from_json("{"),
        Err(CatalogError::Json(_))
    ));
    // A misspelt price key is an error, not a silent default.
    let typo = tiny(
        json!([model("a", 1, "t", "image")]),
        json!({"t": image_tier()}),
        json!({"pricing": {"sparkPerUsd": 100}}),
    );
    assert!(
        matches!(Catalog::from_json(&typo), Err(CatalogError::Json(_))),
        "{typo}"
    );
    assert!(matches!(
        Catalog::from_json(r#"{"models": 1, "tiers": {}}"#),
        Err(CatalogError::Json(_))
    ));
    assert!(matches!(
        Catalog::load("/nonexistent/catalog.json"),
        Err(CatalogError::Io(_))
    ));
}

#[test]
fn the_builtin_file_round_trips_through_load() {
    let path = std::env::temp_dir().join(format!("sogni-catalog-test-{}.json", std::process::id()));
    std::fs::write(&path, BUILTIN_JSON).unwrap();
    let c = Catalog::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(c.models_json(), cat().models_json());
    assert_eq!(c.tiers_json(), cat().tiers_json());
}

#[test]
#[ignore = "prints sample quotes; run with --ignored --nocapture"]
fn print_sample_quotes() {
    let c = cat();
    let show = |label: &str, cost: Cost| {
        let p = &cost.estimate_json()["quote"]["project"];
        println!("{label}: {p}");
    };
    show(
        "flux 4 steps 1024",
        c.image_cost("flux1-schnell-fp8", 1, 4, 0, 1024, 1024, false, 0.0),
    );
    show(
        "z-turbo 8 steps 1024",
        c.image_cost("z_image_turbo_bf16", 1, 8, 0, 0, 0, false, 0.0),
    );
    show(
        "sdxl 25 relaxed",
        c.for_network(
            c.image_cost("coreml-DreamShaper-XL1-Alpha2", 1, 25, 0, 0, 0, false, 0.0),
            "relaxed",
        ),
    );
    show(
        "ltx distilled 5s",
        c.video_cost("ltx23-22b-fp8_t2v_distilled", 0, 0, 121, 24.0, None, 1),
    );
    show(
        "wan lightx2v 5s",
        c.video_cost("wan_v2.2-14b-fp8_t2v_lightx2v", 0, 0, 81, 16.0, None, 1),
    );
    show(
        "seedance 5s",
        c.video_cost("seedance-2-0", 0, 0, 121, 24.0, None, 1),
    );
    show(
        "ace turbo 30s",
        c.audio_cost("ace_step_1.5_turbo", 30.0, 8, 1),
    );
    println!(
        "{}",
        c.llm_cost("qwen3.6-35b-a3b-gguf-iq4xs", 500, 4096)
            .estimate_json()
    );
    println!(
        "{}",
        c.image_cost("flux1-schnell-fp8", 2, 4, 0, 1024, 1024, false, 0.5)
            .estimate_json()
    );
}
