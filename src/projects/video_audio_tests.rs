//! Known answers from the official 5.54 SDK (`tests/fixtures/gen-video-audio-requests.mjs`)
//! for the video and audio `jobRequest`, the reference uploads, the video/audio estimate
//! paths and `calculateVideoFrames`, plus the error codes and the extra validations.

use serde_json::{json, Map, Value};

use super::audio::{audio_job_request, audio_upload_slots, AudioProjectParams};
use super::estimate::{
    audio_estimate_path, video_estimate_path, AudioEstimateRequest, VideoEstimateRequest,
};
use super::media::UploadSlot;
use super::request::RequestContext;
use super::video::{
    calculate_video_frames, video_frames, video_job_request, video_upload_slots, VideoProjectParams,
};
use crate::models::tiers::{model_options, parse_model_list, ModelInfo};
use crate::Error;

const FIXTURE: &str = include_str!("../../tests/fixtures/video-audio-requests.json");

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

/// What the Rust core produced for one case: the request and the upload-URL paths.
type Built = crate::Result<(Value, Vec<String>)>;

/// Upload paths as the fixture records them (`imageId` replaced by `<imageId>`).
fn upload_paths(slots: &[UploadSlot], uploaded: &[Value], project_id: &str) -> Vec<String> {
    slots
        .iter()
        .filter_map(|slot| {
            let entry = uploaded.iter().find(|u| {
                u["param"] == slot.param && u["index"].as_u64().map(|i| i as usize) == slot.index
            })?;
            let path = slot.path(project_id, "IMAGEID", entry["contentType"].as_str());
            Some(path.replace("imageId=IMAGEID", "imageId=<imageId>"))
        })
        .collect()
}

/// `(key, contentType)` of the uploaded media (what the wasm layer detects).
fn content_types(slots: &[UploadSlot], uploaded: &[Value]) -> Vec<(String, String)> {
    slots
        .iter()
        .filter_map(|slot| {
            let entry = uploaded.iter().find(|u| {
                u["param"] == slot.param && u["index"].as_u64().map(|i| i as usize) == slot.index
            })?;
            Some((slot.key.clone(), entry["contentType"].as_str()?.to_string()))
        })
        .collect()
}

fn build_video(c: &Catalog, case: &Value) -> Built {
    let project_id = case["projectId"].as_str().unwrap_or("PROJECT-ID");
    let uploaded = case["uploaded"].as_array().cloned().unwrap_or_default();
    let p = VideoProjectParams::from_value(&case["params"])?;
    p.reject_retired_output_scale()?;
    let options = model_options(&c.models, &c.tiers, &p.model_id)?;
    let slots = video_upload_slots(&p);
    let cts = content_types(&slots, &uploaded);
    let req = video_job_request(&p, project_id, &options, &RequestContext::default(), &cts)?;
    Ok((req, upload_paths(&slots, &uploaded, project_id)))
}

fn build_audio(c: &Catalog, case: &Value) -> Built {
    let project_id = case["projectId"].as_str().unwrap_or("PROJECT-ID");
    let uploaded = case["uploaded"].as_array().cloned().unwrap_or_default();
    let p = AudioProjectParams::from_value(&case["params"])?;
    let options = model_options(&c.models, &c.tiers, &p.model_id)?;
    let slots = audio_upload_slots(&p);
    let cts = content_types(&slots, &uploaded);
    let req = audio_job_request(&p, project_id, &options, &RequestContext::default(), &cts)?;
    Ok((req, upload_paths(&slots, &uploaded, project_id)))
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

/// Runs every case of one fixture list; returns the failures and the case count.
fn check_cases(cases: &[Value], build: impl Fn(&Value) -> Built) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let got = build(case);
        if let Some(code) = case["extra"].as_str() {
            // The official SDK accepts it; the Rust core rejects it on purpose.
            assert!(
                case.get("expected").is_some(),
                "{name}: extra on an official error"
            );
            match got {
                Err(e) if e.code() == code => {}
                other => failures.push(format!("{name}: want extra {code}, got {other:?}")),
            }
            continue;
        }
        match (got, case.get("expected"), case.get("error")) {
            (Ok((req, uploads)), Some(want), _) => {
                if &req != want {
                    failures.push(format!("{name}:\n{}", diff(&req, want)));
                }
                let want_uploads: Vec<String> = case["uploads"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u.as_str().unwrap().to_string())
                    .collect();
                if uploads != want_uploads {
                    failures.push(format!(
                        "{name}: uploads\n  got  {uploads:?}\n  want {want_uploads:?}"
                    ));
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
    failures
}

#[test]
fn video_requests_match_the_official_sdk() {
    let f = fixture();
    let c = catalog(&f);
    let cases = f["video"].as_array().unwrap();
    assert!(cases.len() >= 40, "{}", cases.len());
    let failures = check_cases(cases, |case| build_video(&c, case));
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn audio_requests_match_the_official_sdk() {
    let f = fixture();
    let c = catalog(&f);
    let cases = f["audio"].as_array().unwrap();
    assert!(cases.len() >= 15, "{}", cases.len());
    let failures = check_cases(cases, |case| build_audio(&c, case));
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn estimate_paths_match_the_official_sdk() {
    let f = fixture();
    let mut count = 0;
    for (list, video) in [("videoEstimates", true), ("audioEstimates", false)] {
        for case in f[list].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let current = case["currentNetwork"].as_str();
            let got = if video {
                let req: VideoEstimateRequest =
                    serde_json::from_value(case["request"].clone()).unwrap();
                video_estimate_path(&req, current)
            } else {
                let req: AudioEstimateRequest =
                    serde_json::from_value(case["request"].clone()).unwrap();
                audio_estimate_path(&req, current)
            };
            match (got, case.get("path")) {
                (Ok(path), Some(want)) => assert_eq!(path, want.as_str().unwrap(), "{name}"),
                (Err(e), None) => {
                    assert_eq!(message(&e), case["error"].as_str().unwrap(), "{name}")
                }
                (got, _) => panic!("{name}: got {got:?}, official {case}"),
            }
            count += 1;
        }
    }
    assert!(count >= 12);
}

#[test]
fn frame_maths_match_calculate_video_frames() {
    let f = fixture();
    let rows = f["frames"].as_array().unwrap();
    assert!(rows.len() >= 30);
    for row in rows {
        let model = row["model"].as_str().unwrap();
        let duration = row["duration"].as_f64().unwrap();
        let fps = row["fps"].as_f64().unwrap();
        let want = row["frames"].as_f64().unwrap();
        assert_eq!(
            calculate_video_frames(model, duration, fps),
            want,
            "{model} {duration}s {fps}fps"
        );
        if want >= 0.0 {
            assert_eq!(
                video_frames(model, duration, Some(fps)),
                want as u32,
                "{model}"
            );
        }
    }
}

/// The frames table of the spec (§6.4), by hand.
#[test]
fn frame_maths_spec_examples() {
    let rows: [(&str, f64, Option<f64>, u32); 10] = [
        ("wan_v2.2-14b-fp8_t2v_lightx2v", 5.0, Some(32.0), 81),
        ("wan_v2.2-14b-fp8_i2v", 5.0, None, 81),
        ("ltx23-22b-fp8_t2v_distilled", 5.0, None, 121),
        ("ltx23-22b-fp8_t2v_dev", 4.3, Some(30.0), 129),
        ("seedance-2-0", 5.0, None, 121),
        ("seedance-2-5", 30.0, Some(24.0), 721),
        ("minimax-h3-fl2va-fp8_t2v", 5.0, None, 124),
        ("minimax-h3-fl2va-fp8_t2v", 30.0, None, 362),
        ("wan3.0-video", 2.0, None, 61),
        ("flashvsr_v1.1_tiny_long_bf16", 2.0, Some(30.0), 60),
    ];
    for (model, duration, fps, frames) in rows {
        assert_eq!(
            video_frames(model, duration, fps),
            frames,
            "{model} {duration}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Error codes
// ---------------------------------------------------------------------------------------

fn video_code(extra: Value) -> String {
    let f = fixture();
    let c = catalog(&f);
    let mut params = json!({"type": "video", "modelId": "ltx23-22b-fp8_t2v_distilled",
                            "positivePrompt": "x", "numberOfMedia": 1});
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    let case = json!({"params": params, "uploaded": []});
    match build_video(&c, &case) {
        Ok(_) => panic!("accepted: {params}"),
        Err(e) => e.code().to_string(),
    }
}

#[test]
fn video_errors_have_stable_codes() {
    let ltx_v2v = "ltx23-22b-fp8_v2v_distilled";
    let cases = [
        (json!({"duration": 25}), "INVALID_DURATION"),
        (
            json!({"modelId": "ltx23-22b-fp8_i2v_distilled"}),
            "MISSING_REFERENCE",
        ),
        (json!({"referenceImage": true}), "UNSUPPORTED_REFERENCE"),
        (
            json!({"referenceImageUrls": ["https://x/y"]}),
            "UNSUPPORTED_REFERENCE",
        ),
        (
            json!({"modelId": "seedance-2-0", "referenceImageUrls": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]}),
            "TOO_MANY_REFERENCES",
        ),
        (
            json!({"modelId": "seedance-2-0", "referenceImageUrls": "https://x"}),
            "INVALID_REFERENCE",
        ),
        (
            json!({"modelId": ltx_v2v, "referenceVideo": true, "controlNet": {"name": "canny", "strength": 2}}),
            "INVALID_CONTROLNET",
        ),
        (
            json!({"modelId": ltx_v2v, "referenceVideo": true, "controlNet": {"strength": 0.5}}),
            "INVALID_CONTROLNET",
        ),
        (json!({"fps": 61}), "INVALID_FPS"),
        (
            json!({"modelId": "wan_v2.2-14b-fp8_t2v_lightx2v", "fps": 24}),
            "INVALID_FPS",
        ),
        (json!({"modelId": "wan3.0-video", "fps": 24}), "INVALID_FPS"),
        (json!({"width": 300, "height": 480}), "INVALID_SIZE"),
        (json!({"width": 2400, "height": 1080}), "INVALID_SIZE"),
        (json!({"steps": 4.5}), "INVALID_STEPS"),
        (json!({"seed": -1}), "INVALID_SEED"),
        (json!({"numberOfMedia": 2.5}), "INVALID_NUMBER_OF_MEDIA"),
        (json!({"sampler": "Euler"}), "INVALID_SAMPLER"),
        (json!({"scheduler": "x"}), "INVALID_SCHEDULER"),
        (json!({"outputScale": 2}), "UNSUPPORTED_PARAM"),
        (json!({"outputFormat": "gif"}), "INVALID_OUTPUT_FORMAT"),
        (json!({"modelId": "flux1-schnell-fp8"}), "INVALID_MODEL"),
        (json!({"modelId": "wan_v2.2-14b-fp8_s2v"}), "INVALID_MODEL"),
        (json!({"type": "audio"}), "INVALID_PROJECT_TYPE"),
        (json!({"type": "gif"}), "INVALID_PROJECT_TYPE"),
        (json!({"duration": "5"}), "INVALID_PARAMS"),
        (
            json!({"worldGenerationReceipt": {"stage": "x"}}),
            "INVALID_RECEIPT",
        ),
    ];
    for (extra, code) in cases {
        assert_eq!(video_code(extra.clone()), code, "{extra}");
    }
}

#[test]
fn extras_keep_what_renders() {
    let f = fixture();
    let c = catalog(&f);
    let accepted = [
        json!({"modelId": "wan_v2.2-14b-fp8_t2v_lightx2v", "fps": 32, "width": 1280, "height": 1280, "seed": 4294967295u64}),
        json!({"modelId": "ltx23-22b-fp8_t2v_distilled", "fps": 60, "width": 1920, "height": 1920, "steps": 12}),
        json!({"modelId": "seedance-2-0-mini", "width": 1280, "height": 720}),
        json!({"modelId": "seedance-2-0", "width": 1920, "height": 1088}),
        json!({"modelId": "ltx23-22b-fp8_v2v_dev", "referenceVideo": true, "controlNet": {"name": "outpaint"}}),
        json!({"modelId": "wan3.0-video", "seed": 2147483647u64}),
        json!({"modelId": "minimax-h3-fl2va-fp8_t2v", "width": 1344, "height": 768}),
    ];
    for extra in accepted {
        let mut params = json!({"type": "video", "positivePrompt": "x", "numberOfMedia": 1});
        for (k, v) in extra.as_object().unwrap() {
            params[k] = v.clone();
        }
        let case = json!({"params": params, "uploaded": []});
        assert!(build_video(&c, &case).is_ok(), "{extra}");
    }
}

#[test]
fn upload_slots_follow_the_official_order() {
    let p = VideoProjectParams::from_value(&json!({
        "type": "video", "modelId": "minimax-h3-ref2va-fp8_r2v",
        "referenceImage": true, "contextImages": [true, true],
        "referenceVideo": true, "referenceVideos": [true],
        "referenceAudios": [true]
    }))
    .unwrap();
    let slots: Vec<(String, Option<String>, String)> = video_upload_slots(&p)
        .into_iter()
        .map(|s| (s.slot_type, s.id, s.key))
        .collect();
    let want = [
        ("referenceImage", None, "referenceImage"),
        ("contextImage2", None, "contextImage2"),
        ("contextImage3", None, "contextImage3"),
        ("referenceAudio", Some("referenceAudio1"), "referenceAudio1"),
        ("referenceVideo", Some("referenceVideo1"), "referenceVideo1"),
        ("referenceVideo", Some("referenceVideo2"), "referenceVideo2"),
    ];
    let want: Vec<(String, Option<String>, String)> = want
        .iter()
        .map(|(t, i, k)| (t.to_string(), i.map(str::to_string), k.to_string()))
        .collect();
    assert_eq!(slots, want);
    let p = VideoProjectParams::from_value(&json!({
        "type": "video", "modelId": "ltx23-22b-fp8_v2v_dev", "referenceVideo": true,
        "referenceAudioIdentity": true, "referenceMask": true, "controlNet": {"name": "inpaint"}
    }))
    .unwrap();
    let slots = video_upload_slots(&p);
    assert_eq!(
        slots.iter().map(|s| s.param).collect::<Vec<_>>(),
        ["referenceAudioIdentity", "referenceVideo", "referenceMask"]
    );
    assert_eq!(slots[0].slot_type, "referenceAudio");
    assert_eq!(
        slots[2].path("P", "I", None),
        "/v1/image/uploadUrl?imageId=I&jobId=P&type=referenceMask"
    );
}
