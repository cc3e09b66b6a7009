//! Known answers from the official 5.54 SDK (`tests/fixtures/gen-job-requests.mjs`) for the
//! image `jobRequest`, the estimate path and `getModelOptions`, plus the extra validations.

use serde_json::{json, Map, Value};

use super::estimate::{
    cost_from_estimate, enhancement_estimate_request, image_estimate_path, EstimateRequest,
};
use super::params::ImageProjectParams;
use super::request::{image_job_request, RequestContext};
use crate::models::tiers::{model_options, parse_model_list, ModelInfo, ModelOptions};
use crate::Error;

const FIXTURE: &str = include_str!("../../tests/fixtures/job-requests.json");

struct Catalog {
    models: Vec<ModelInfo>,
    tiers: Map<String, Value>,
}

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("fixture parses")
}

fn catalog(f: &Value) -> Catalog {
    Catalog {
        models: parse_model_list(&f["models"]).unwrap(),
        tiers: f["tiers"].as_object().unwrap().clone(),
    }
}

/// The text the official SDK would put in `error.message`.
fn message(e: &Error) -> String {
    match e {
        Error::InvalidInput { message, .. } | Error::Protocol { message } => message.clone(),
        other => other.to_string(),
    }
}

/// Numbers compared as JS numbers (`4` == `4.0`).
fn js_numbers(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.iter().map(js_numbers).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), js_numbers(v))).collect())
        }
        other => other.clone(),
    }
}

fn diff(got: &Value, want: &Value) -> String {
    let (Some(g), Some(w)) = (got.as_object(), want.as_object()) else {
        return format!("got {got}\nwant {want}");
    };
    let mut out = String::new();
    for key in g.keys().chain(w.keys().filter(|k| !g.contains_key(*k))) {
        if g.get(key) != w.get(key) {
            if let (Some(Value::Array(ga)), Some(Value::Array(wa))) = (g.get(key), w.get(key)) {
                if ga.len() == 1 && wa.len() == 1 {
                    out.push_str(&format!("{key}[0]:\n{}\n", diff(&ga[0], &wa[0])));
                    continue;
                }
            }
            out.push_str(&format!(
                "  {key}: got {:?} want {:?}\n",
                g.get(key),
                w.get(key)
            ));
        }
    }
    out
}

fn build(
    c: &Catalog,
    params: &Value,
    project_id: &str,
    ctx: &RequestContext,
) -> crate::Result<Value> {
    let params = ImageProjectParams::from_value(params)?.normalized_for_create();
    let options = model_options(&c.models, &c.tiers, &params.model_id)?;
    image_job_request(&params, project_id, &options, ctx)
}

#[test]
fn job_requests_match_the_official_sdk() {
    let f = fixture();
    let c = catalog(&f);
    let cases = f["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let ctx = RequestContext {
            app_source: case["context"]["appSource"].as_str().map(str::to_string),
            attribution: case["context"]
                .get("attribution")
                .and_then(Value::as_object)
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let project_id = case["projectId"].as_str().unwrap_or("PROJECT-ID");
        let got = build(&c, &case["params"], project_id, &ctx);
        match (got, case.get("expected"), case.get("error")) {
            (Ok(got), Some(want), _) => {
                if &got != want {
                    failures.push(format!("{name}:\n{}", diff(&got, want)));
                }
            }
            (Err(e), _, Some(want)) => {
                if message(&e) != want.as_str().unwrap() {
                    failures.push(format!("{name}: error {:?}, official {want}", message(&e)));
                }
            }
            (Ok(_), _, Some(want)) => {
                failures.push(format!("{name}: accepted, official threw {want}"))
            }
            (Err(e), _, _) => failures.push(format!("{name}: rejected ({e}), official accepted")),
            (Ok(_), None, None) => failures.push(format!("{name}: fixture has no expectation")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn model_options_match_the_official_sdk() {
    let f = fixture();
    let c = catalog(&f);
    for (id, want) in f["modelOptions"].as_object().unwrap() {
        match (model_options(&c.models, &c.tiers, id), want.get("options")) {
            (Ok(got), Some(want)) => {
                let got = serde_json::to_value(&got).unwrap();
                assert_eq!(js_numbers(&got), js_numbers(want), "{id}");
            }
            (Err(e), None) => assert_eq!(message(&e), want["error"].as_str().unwrap(), "{id}"),
            (got, _) => panic!("{id}: got {got:?}, official {want}"),
        }
    }
}

#[test]
fn estimate_paths_match_the_official_sdk() {
    let f = fixture();
    let c = catalog(&f);
    let body = &f["estimateResponse"];
    for case in f["estimates"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let req: EstimateRequest = serde_json::from_value(case["request"].clone()).unwrap();
        let preset = case["presetSize"]
            .as_array()
            .map(|s| (s[0].as_u64().unwrap() as u32, s[1].as_u64().unwrap() as u32));
        let got = model_options(&c.models, &c.tiers, &req.model)
            .and_then(|o| image_estimate_path(&req, &o, preset));
        match (got, case.get("path")) {
            (Ok(path), Some(want)) => {
                assert_eq!(path, want.as_str().unwrap(), "{name}");
                if let Some(p) = req.size_preset_to_resolve() {
                    let want_preset = format!(
                        "/api/v1/size-presets/network/{}/model/{}",
                        req.network_or_default(),
                        req.model
                    );
                    assert_eq!(
                        case["presetPath"].as_str(),
                        Some(want_preset.as_str()),
                        "{name} {p}"
                    );
                }
                let cost = serde_json::to_value(cost_from_estimate(body).unwrap()).unwrap();
                assert_eq!(js_numbers(&cost), js_numbers(&case["result"]), "{name}");
            }
            (Err(e), None) => assert_eq!(message(&e), case["error"].as_str().unwrap(), "{name}"),
            (got, _) => panic!("{name}: got {got:?}, official {case}"),
        }
    }
    let options = model_options(&c.models, &c.tiers, "flux1-schnell-fp8").unwrap();
    for e in f["enhancements"].as_array().unwrap() {
        let req =
            enhancement_estimate_request(e["strength"].as_str().unwrap(), e["tokenType"].as_str());
        assert_eq!(
            image_estimate_path(&req, &options, None).unwrap(),
            e["path"].as_str().unwrap()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Error codes, official and extra.
// ---------------------------------------------------------------------------------------

fn try_build(params: Value) -> crate::Result<Value> {
    let f = fixture();
    let c = catalog(&f);
    build(&c, &params, "P", &RequestContext::default())
}

fn code_of(params: Value) -> String {
    match try_build(params.clone()) {
        Ok(_) => panic!("accepted: {params}"),
        Err(e) => e.code(),
    }
}

fn flux(extra: Value) -> Value {
    let mut p = json!({"type": "image", "modelId": "flux1-schnell-fp8", "positivePrompt": "x", "numberOfMedia": 1});
    for (k, v) in extra.as_object().unwrap() {
        p[k] = v.clone();
    }
    p
}

#[test]
fn official_errors_have_stable_codes() {
    let cases = [
        (
            json!({"type": "image", "modelId": "nope", "numberOfMedia": 1}),
            "INVALID_MODEL",
        ),
        (
            json!({"type": "image", "modelId": "ace_step_1.5_turbo", "numberOfMedia": 1}),
            "INVALID_MODEL",
        ),
        (flux(json!({"sampler": "Euler"})), "INVALID_SAMPLER"),
        (flux(json!({"scheduler": "Karras"})), "INVALID_SCHEDULER"),
        (
            json!({"type": "image", "modelId": "z_image_vae_test", "vae": "x"}),
            "INVALID_VAE",
        ),
        (flux(json!({"width": 100, "height": 512})), "INVALID_SIZE"),
        (
            flux(json!({"controlNet": {"name": "canny", "strength": 2}})),
            "INVALID_CONTROLNET",
        ),
        (
            flux(json!({"controlNet": {"name": "canny", "mode": "x"}})),
            "INVALID_CONTROLNET",
        ),
        (
            flux(json!({"contextImages": [true, true, true, true]})),
            "TOO_MANY_CONTEXT_IMAGES",
        ),
        (
            flux(json!({"gptImageMaskUrl": "https://x"})),
            "INVALID_GPT_IMAGE_OPTIONS",
        ),
        (
            flux(json!({"sam3Prompt": {"text": "a"}})),
            "UNSUPPORTED_PARAM",
        ),
        (
            flux(json!({"worldGenerationReceipt": {"stage": "x"}})),
            "INVALID_RECEIPT",
        ),
        (flux(json!({"type": "video"})), "INVALID_PROJECT_TYPE"),
        (flux(json!({"type": "gif"})), "INVALID_PROJECT_TYPE"),
        (flux(json!({"steps": "4"})), "INVALID_PARAMS"),
        (
            json!({"type": "image", "modelId": "sam3_image_segment_bf16", "sam3Prompt": {"text": "a"}}),
            "MISSING_STARTING_IMAGE",
        ),
        (
            json!({"type": "image", "modelId": "sam3_image_segment_bf16", "startingImage": true, "sam3Prompt": {}}),
            "INVALID_SAM3_PROMPT",
        ),
    ];
    for (params, code) in cases {
        assert_eq!(code_of(params.clone()), code, "{params}");
    }
    let e = try_build(json!({"type": "image", "modelId": "orphan-model"})).unwrap_err();
    assert!(matches!(e, Error::Protocol { .. }));
}

#[test]
fn extra_validations() {
    let rejected = [
        (json!({"numberOfMedia": -1}), "INVALID_NUMBER_OF_MEDIA"),
        (json!({"numberOfMedia": 1.5}), "INVALID_NUMBER_OF_MEDIA"),
        (json!({"numberOfPreviews": -2}), "INVALID_PREVIEWS"),
        (json!({"numberOfPreviews": 0.5}), "INVALID_PREVIEWS"),
        (json!({"steps": 0}), "INVALID_STEPS"),
        (json!({"steps": 13}), "INVALID_STEPS"),
        (json!({"steps": 4.5}), "INVALID_STEPS"),
        (json!({"seed": -1}), "INVALID_SEED"),
        (json!({"seed": 1.5}), "INVALID_SEED"),
        (json!({"seed": 4294967296u64}), "INVALID_SEED"),
        (
            json!({"startingImage": true, "startingImageStrength": 1.2}),
            "INVALID_STRENGTH",
        ),
        (
            json!({"startingImage": true, "startingImageStrength": -0.1}),
            "INVALID_STRENGTH",
        ),
        (json!({"width": 512.5, "height": 512}), "INVALID_SIZE"),
        (
            json!({"sizePreset": "custom", "width": 512, "height": 700.2}),
            "INVALID_SIZE",
        ),
        (
            json!({"controlNet": {"name": "sketchy"}}),
            "INVALID_CONTROLNET",
        ),
        (
            json!({"controlNet": {"strength": 0.5}}),
            "INVALID_CONTROLNET",
        ),
        (
            json!({"controlNet": {"name": "canny", "guidanceStart": 0.8, "guidanceEnd": 0.2}}),
            "INVALID_CONTROLNET",
        ),
    ];
    for (extra, code) in rejected {
        assert_eq!(code_of(flux(extra.clone())), code, "{extra}");
    }
    // What the official SDK accepts and the server can render stays accepted.
    let accepted = [
        json!({"numberOfMedia": 0}),
        json!({"numberOfPreviews": 0}),
        json!({"steps": 1}),
        json!({"steps": 12}),
        json!({"seed": 0}),
        json!({"seed": 4294967295u64}),
        json!({"startingImage": true, "startingImageStrength": 0}),
        json!({"startingImage": true, "startingImageStrength": 1}),
        json!({"startingImageStrength": 7}),
        json!({"sizePreset": "square_hd", "width": 512.5, "height": 3}),
        json!({"controlNet": {"name": "instantid", "guidanceStart": 0.5, "guidanceEnd": 0.5}}),
        json!({"guidance": 30}),
    ];
    for extra in accepted {
        let params = flux(extra.clone());
        assert!(try_build(params).is_ok(), "{extra}");
    }
    // Values the segmentation workflows ignore are not checked.
    let sam = json!({"type": "image", "modelId": "sam3_image_segment_bf16", "startingImage": true,
                     "numberOfMedia": -3, "numberOfPreviews": 0.5, "sam3Prompt": {"text": "dog"}});
    let req = try_build(sam).unwrap();
    assert_eq!(req["numberOfImages"], 1);
    assert_eq!(req["previews"], 0);
}

#[test]
fn model_options_expose_ranges() {
    let f = fixture();
    let c = catalog(&f);
    let o = model_options(&c.models, &c.tiers, "flux1-schnell-fp8").unwrap();
    assert_eq!(o.kind(), "image");
    let steps = o.steps().unwrap();
    assert_eq!((steps.min, steps.max, steps.default), (1.0, 12.0, 4.0));
    match o {
        ModelOptions::Image(i) => assert_eq!(i.guidance.unwrap().step, 0.1),
        other => panic!("{other:?}"),
    }
    let o = model_options(&c.models, &c.tiers, "wan_v2.2-14b-fp8_t2v_lightx2v").unwrap();
    assert_eq!(o.kind(), "video");
}
