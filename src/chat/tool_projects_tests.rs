//! Known answers from the official 5.54 `ChatToolsApi.execute()`
//! (`tests/fixtures/gen-tool-projects.mjs` → `tests/fixtures/tool-projects.json`): every case
//! replayed through [`prepare_tool_call`], with the wasm layer's part (waiting for models,
//! fetching remote media, putting Blobs into the params) simulated the way the module
//! documentation describes it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::*;

const FIXTURE: &str = include_str!("../../tests/fixtures/tool-projects.json");

// ---------------------------------------------------------------------------------------
// Media recipes, the twin of `recipeBytes` in gen-tool-projects.mjs.
// ---------------------------------------------------------------------------------------
fn png(w: u32, h: u32, total: usize) -> Vec<u8> {
    let mut b = vec![0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]);
    if b.len() < total {
        b.resize(total, 0);
    }
    b
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut b = vec![
        0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ];
    b.extend_from_slice(&[0xff, 0xc0, 0, 17, 8]);
    b.extend_from_slice(&[(h >> 8) as u8, h as u8, (w >> 8) as u8, w as u8, 3]);
    b.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9]);
    b
}

fn ftyp(brand: &[u8; 4]) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 20];
    b.extend_from_slice(b"ftyp");
    b.extend_from_slice(brand);
    b.extend_from_slice(&[0, 0, 2, 0]);
    b.extend_from_slice(b"mp41");
    b
}

fn recipe_bytes(spec: &str) -> Vec<u8> {
    let parts: Vec<&str> = spec.split(':').collect();
    let n = |i: usize| parts[i].parse::<u64>().unwrap();
    match parts[0] {
        "png" => png(n(1) as u32, n(2) as u32, 0),
        "pngpad" => png(n(1) as u32, n(2) as u32, n(3) as usize),
        "jpeg" => jpeg(n(1) as u32, n(2) as u32),
        "wav" => [
            &b"RIFF"[..],
            &[36, 0, 0, 0],
            b"WAVEfmt ",
            &[16, 0, 0, 0, 1, 0, 2, 0],
        ]
        .concat(),
        "mp3" => [&b"ID3"[..], &[4, 0, 0, 0, 0, 0, 10, 0xff, 0xfb, 0x90, 0x64]].concat(),
        "mp3frame" => vec![0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0],
        "m4a" => ftyp(b"M4A "),
        "mp4" => ftyp(b"isom"),
        "mov" => ftyp(b"qt  "),
        "text" => b"hello, world".to_vec(),
        other => panic!("bad recipe {other}"),
    }
}

fn expand_str(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..].find("}}").expect("closed recipe") + start;
        out.push_str(&rest[..start]);
        out.push_str(&STANDARD.encode(recipe_bytes(&rest[start + 2..end])));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn expand(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(expand_str(s)),
        Value::Array(items) => Value::Array(items.iter().map(expand).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), expand(v))).collect())
        }
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------------------
// The wasm layer's part
// ---------------------------------------------------------------------------------------
fn models(list: &Value) -> Vec<AvailableModel> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| AvailableModel {
            id: m["id"].as_str().unwrap().into(),
            name: m["name"].as_str().unwrap_or_default().into(),
            worker_count: m["workerCount"].as_f64().unwrap_or(f64::NAN),
            media: m["media"].as_str().unwrap().into(),
        })
        .collect()
}

fn blob(mime: &str, bytes: &[u8]) -> Value {
    json!({"$blob": {"type": mime, "base64": STANDARD.encode(bytes)}})
}

/// Fetches a remote medium from the fixture's stub the way the wasm layer would, giving
/// the Blob (as the fixture writes it) or the tool error.
fn fetch(
    remote: &Value,
    kind: MediaKind,
    url: &str,
    fetched: &mut Vec<String>,
) -> Result<Value, String> {
    fetched.push(url.to_string());
    let Some(entry) = remote.get(url) else {
        return Err("fetch failed".into());
    };
    let status = entry["status"].as_u64().unwrap() as u16;
    if !(200..300).contains(&status) {
        return Err(remote_fetch_failed(kind, status));
    }
    let bytes = STANDARD
        .decode(expand_str(entry["body"].as_str().unwrap()))
        .unwrap();
    if bytes.len() > max_media_bytes(kind) {
        return Err(media_byte_limit_exceeded(kind));
    }
    let mime = fetched_media_type(kind, entry["contentType"].as_str(), &bytes)?;
    Ok(blob(&mime, &bytes))
}

fn splice(params: &mut Value, media: &ToolMedia, value: Value) {
    match media.index {
        None => {
            params[media.param] = value;
        }
        Some(i) => {
            let list = params
                .as_object_mut()
                .unwrap()
                .entry(media.param)
                .or_insert_with(|| json!([]));
            let list = list.as_array_mut().unwrap();
            if list.len() <= i {
                list.resize(i + 1, Value::Null);
            }
            list[i] = value;
        }
    }
}

/// What the official call ends with: `Ok(params)` handed to `projects.create()` or the
/// error result's text, plus the URLs fetched on the way.
fn run(
    project: ToolPreparation,
    remote: &Value,
    args: &Value,
) -> (Result<Value, String>, Vec<String>) {
    let mut fetched = Vec::new();
    let outcome = match project {
        ToolPreparation::NeedModels => panic!("asked for models twice"),
        ToolPreparation::Failed { error, fetch_first } => {
            let mut error = error;
            for m in &fetch_first {
                let MediaSource::Fetch { url } = &m.source else {
                    panic!("fetch_first holds an inline medium");
                };
                if let Err(e) = fetch(remote, m.kind, url, &mut fetched) {
                    error = e;
                    break;
                }
            }
            Err(error)
        }
        ToolPreparation::Ready(p) => {
            assert_eq!(p.params["modelId"], p.model_id.as_str());
            assert_eq!(p.params["type"], p.media_type);
            assert_eq!(Some(p.prompt.as_str()), args["prompt"].as_str());
            let mut params = p.params.clone();
            let mut failure = None;
            for m in &p.media {
                let value = match &m.source {
                    MediaSource::Inline { mime_type, bytes } => blob(mime_type, bytes),
                    MediaSource::Fetch { url } => match fetch(remote, m.kind, url, &mut fetched) {
                        Ok(v) => v,
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    },
                };
                splice(&mut params, m, value);
            }
            failure.map_or(Ok(params), Err)
        }
    };
    (outcome, fetched)
}

#[test]
fn tool_projects_match_the_official_sdk() {
    let fixture: Value = serde_json::from_str(FIXTURE).expect("fixture parses");
    let remote = &fixture["remote"];
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let tool = case["tool"].as_str().unwrap();
        *counts.entry(tool).or_default() += 1;
        let arguments = expand_str(case["arguments"].as_str().unwrap());
        let tool_call = json!({
            "id": "call_1",
            "type": "function",
            "function": {"name": tool, "arguments": arguments}
        });
        let options = case.get("options").map(expand).unwrap_or(Value::Null);
        let list = models(&fixture["models"][case["models"].as_str().unwrap()]);

        let first = prepare_tool_call(&tool_call, &options, None);
        if let Some(thrown) = case.get("thrown") {
            assert_eq!(
                first.unwrap_err().to_string(),
                thrown.as_str().unwrap(),
                "{name}"
            );
            continue;
        }
        let first = first.unwrap();
        let with_models = prepare_tool_call(&tool_call, &options, Some(&list)).unwrap();
        if case["waitedForModels"] == true {
            assert_eq!(
                first,
                ToolPreparation::NeedModels,
                "{name}: waits for models"
            );
        } else {
            assert_ne!(first, ToolPreparation::NeedModels, "{name}: no wait");
            assert_eq!(first, with_models, "{name}: models do not matter");
        }

        let args = tools::parse_tool_arguments(Some(&Value::String(arguments)));
        let (outcome, fetched) = run(with_models, remote, &args);
        assert_eq!(json!(fetched), case["fetched"], "{name}: fetched URLs");
        match (outcome, case.get("params"), case.get("error")) {
            (Ok(params), Some(expected), None) => assert_eq!(
                js::json_numbers(&params),
                js::json_numbers(&expand(expected)),
                "{name}"
            ),
            (Err(error), None, Some(expected)) => {
                assert_eq!(error, expand_str(expected.as_str().unwrap()), "{name}")
            }
            (outcome, params, error) => {
                panic!("{name}: got {outcome:?}, expected params {params:?} / error {error:?}")
            }
        }
    }
    assert!(DIRECT_PROJECT_DISPATCH_TOOLS
        .iter()
        .all(|t| counts.get(t).copied().unwrap_or(0) >= 5));
}

#[test]
fn key_order_follows_json_parse() {
    assert_eq!(
        js_key_order(r#"{"b":1,"10":2,"a":{"z":1},"2":3,"b":4,"01":5}"#).unwrap(),
        ["2", "10", "b", "a", "01"]
    );
    assert_eq!(js_key_order("[1]"), None);
    assert_eq!(js_key_order("{oops"), None);
}

#[test]
fn https_urls_parse_like_the_url_constructor() {
    for ok in [
        "https://cdn.sogni.ai/x.png",
        "HTTPS://cdn.sogni.ai",
        " https:cdn.sogni.ai/x",
        "https://user:pw@host:8443/x?y#z",
        "https://[::1]/x",
    ] {
        assert!(is_https_url(ok), "{ok}");
    }
    for bad in [
        "http://cdn.sogni.ai/x",
        "https://",
        "https://host:99999/",
        "https://ho st/",
        "data:image/png;base64,AAAA",
        "cdn.sogni.ai/x.png",
    ] {
        assert!(!is_https_url(bad), "{bad}");
    }
}

#[test]
fn media_checks_and_fetch_helpers() {
    let wav = recipe_bytes("wav");
    assert_eq!(
        fetched_media_type(MediaKind::Audio, Some("Audio/WAV; charset=x"), &wav).unwrap(),
        "audio/wav"
    );
    assert_eq!(
        fetched_media_type(MediaKind::Video, None, &recipe_bytes("mov")).unwrap(),
        "video/quicktime"
    );
    assert_eq!(
        fetched_media_type(MediaKind::Audio, Some("audio/mpeg"), &wav).unwrap_err(),
        "Inline audio data does not match declared MIME type audio/mpeg"
    );
    assert_eq!(
        fetched_media_type(MediaKind::Image, Some("image/png"), &[]).unwrap_err(),
        "Only inline base64-encoded data URIs are supported for image inputs; remote URLs are not allowed"
    );
    assert_eq!(
        media_byte_limit_exceeded(MediaKind::Video),
        "video input exceeds 100MB limit"
    );
    assert_eq!(
        remote_fetch_failed(MediaKind::Audio, 500),
        "Remote audio input fetch failed with HTTP 500"
    );
    assert_eq!(
        normalize_selector_key("  Dark_Beast  Krea2\tIdentity_Edit "),
        "dark-beast-krea2-identity-edit"
    );
}

#[test]
fn validator_subset_beyond_the_fixture() {
    let mut v = Validator {
        skip_enum: &["model"],
        errors: Vec::new(),
        top_order: None,
    };
    let schema = json!({
        "type": "object",
        "properties": {
            "a": {"oneOf": [{"type": "number"}, {"type": "integer"}]},
            "b": {"anyOf": [{"type": "string"}, {"type": "boolean"}]},
            "c": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "d": {"type": "string", "maxLength": 1, "const": "x"},
            "e": {"type": "object", "required": ["f"], "properties": {"model": {"enum": ["m"]}}},
            "g": {"type": "array", "items": [{"type": "string"}]}
        },
        "additionalProperties": {"type": "boolean"}
    });
    v.check(
        "",
        &json!({"a": 2, "b": 3, "c": 1, "d": "👋", "e": {"model": "zz"}, "g": [1, 2], "h": 1}),
        &schema,
    );
    assert_eq!(
        v.errors,
        [
            "Argument \"a\" must match exactly one allowed schema",
            "Argument \"b\" must match at least one allowed schema",
            "Argument \"c\" must be less than 1",
            "Argument \"d\" must be \"x\"",
            "Argument \"d\" must contain at most 1 character",
            "Missing required argument \"e.f\"",
            "Argument \"g[0]\" must be string",
            "Argument \"h\" must be boolean",
        ]
    );
}
