//! Helpers shared by the wasm-bindgen test files (included with `#[path]`).

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// The emulator's origin, compiled in by `cargo xtask test`.
pub fn emulator() -> &'static str {
    match option_env!("SOGNI_EMULATOR_URL") {
        Some(url) => url,
        None => {
            panic!("build with SOGNI_EMULATOR_URL=http://127.0.0.1:PORT (cargo xtask test does)")
        }
    }
}

/// A client config pointing at the emulator, with a fresh appId and extra keys.
pub fn config(app_prefix: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    let url = emulator();
    let set = |k: &str, v: JsValue| Reflect::set(&o, &k.into(), &v).unwrap();
    set(
        "appId",
        format!("{app_prefix}-{}", js_sys::Math::random()).into(),
    );
    set("restEndpoint", url.into());
    set("socketEndpoint", url.replacen("http://", "ws://", 1).into());
    set("logLevel", "error".into());
    for (k, v) in extra {
        set(k, v.clone());
    }
    o.into()
}

/// `v[k]`.
pub fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

/// An image project's params: flux schnell, 4 steps, one 256×256 image, plus `extra`.
pub fn image_params(prompt: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let params = Object::new();
    let base: [(&str, JsValue); 8] = [
        ("type", "image".into()),
        ("modelId", "flux1-schnell-fp8".into()),
        ("positivePrompt", prompt.into()),
        ("numberOfMedia", 1.into()),
        ("steps", 4.into()),
        ("sizePreset", "custom".into()),
        ("width", 256.into()),
        ("height", 256.into()),
    ];
    for (k, v) in base.iter().chain(extra.iter()) {
        Reflect::set(&params, &(*k).into(), v).unwrap();
    }
    params.into()
}

/// `await project.waitForCompletion()`.
pub async fn wait_for_completion(project: &JsValue) -> Result<JsValue, JsValue> {
    use wasm_bindgen::JsCast;
    let wait: js_sys::Function = get(project, "waitForCompletion").unchecked_into();
    let promise: js_sys::Promise = wait.call0(project)?.unchecked_into();
    wasm_bindgen_futures::JsFuture::from(promise).await
}

/// A valid 4×4 red PNG.
pub const PNG_4X4: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x00, 0x26, 0x93, 0x09,
    0x29, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x78, 0xC6, 0xC5, 0x05,
    0x47, 0x0C, 0xC4, 0x71, 0x00, 0xA4, 0x43, 0x0F, 0xA1, 0xF3, 0xBD, 0xDF, 0xBE, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// `await promise`.
pub async fn wait(promise: JsValue) -> Result<JsValue, JsValue> {
    use wasm_bindgen::JsCast;
    wasm_bindgen_futures::JsFuture::from(promise.unchecked_into::<js_sys::Promise>()).await
}

/// Downloads `url` with the global `fetch` (no credentials): the body's bytes.
pub async fn download(url: &str) -> Vec<u8> {
    use wasm_bindgen::JsCast;
    let fetch: js_sys::Function = get(&js_sys::global(), "fetch").unchecked_into();
    let res = wait(fetch.call1(&JsValue::NULL, &url.into()).unwrap())
        .await
        .unwrap();
    assert_eq!(get(&res, "status"), 200, "GET {url}");
    let array_buffer: js_sys::Function = get(&res, "arrayBuffer").unchecked_into();
    let buf = wait(array_buffer.call0(&res).unwrap()).await.unwrap();
    js_sys::Uint8Array::new(&buf).to_vec()
}

/// Params object from `(key, value)` pairs.
pub fn params(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

/// Creates a project with `sogni.projects.create(params)`, waits for it and downloads its
/// one result.
pub async fn render_one(sogni: &sogni_wasm::SogniClient, params: JsValue) -> Vec<u8> {
    let project = wait(sogni.projects().create(params).into()).await.unwrap();
    let urls = js_sys::Array::from(&wait_for_completion(&project).await.unwrap());
    assert_eq!(urls.length(), 1);
    download(&urls.get(0).as_string().unwrap()).await
}

/// The payload of the first ISO-BMFF box on `path` (e.g. `["moov", "mvhd"]`).
fn mp4_box<'a>(bytes: &'a [u8], path: &[&str]) -> Option<&'a [u8]> {
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        if size < 8 || at + size > bytes.len() {
            return None;
        }
        if kind == path[0].as_bytes() {
            let body = &bytes[at + 8..at + size];
            return if path.len() == 1 {
                Some(body)
            } else {
                mp4_box(body, &path[1..])
            };
        }
        at += size;
    }
    None
}

/// `(duration in seconds, frame count, codec)` of an MP4's first track.
pub fn read_mp4(bytes: &[u8]) -> (f64, u32, String) {
    assert_eq!(&bytes[4..8], b"ftyp", "an MP4");
    let be = |b: &[u8], at: usize| u32::from_be_bytes(b[at..at + 4].try_into().unwrap());
    let mvhd = mp4_box(bytes, &["moov", "mvhd"]).expect("moov/mvhd");
    assert_eq!(mvhd[0], 0, "version 0 mvhd");
    let duration = f64::from(be(mvhd, 16)) / f64::from(be(mvhd, 12));
    let stbl = ["moov", "trak", "mdia", "minf", "stbl"];
    let stsz = mp4_box(bytes, &[&stbl[..], &["stsz"]].concat()).expect("stsz");
    let stsd = mp4_box(bytes, &[&stbl[..], &["stsd"]].concat()).expect("stsd");
    let codec = String::from_utf8_lossy(&stsd[12..16]).into_owned();
    (duration, be(stsz, 8), codec)
}

/// Seconds of audio in a PCM WAV.
pub fn wav_seconds(bytes: &[u8]) -> f64 {
    assert_eq!((&bytes[0..4], &bytes[8..12]), (&b"RIFF"[..], &b"WAVE"[..]));
    let le = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let mut at = 12;
    let mut byte_rate = 0;
    while at + 8 <= bytes.len() {
        let size = le(at + 4) as usize;
        match &bytes[at..at + 4] {
            b"fmt " => byte_rate = le(at + 16),
            b"data" => return size as f64 / f64::from(byte_rate),
            _ => {}
        }
        at += 8 + size + (size & 1);
    }
    panic!("WAV without a data chunk");
}

/// One video per family (WAN 2.2, LTX-2.3, Seedance 2.0) and one ACE-Step song: each
/// downloads as an H.264 MP4 with the family's frame count and duration, the song as a WAV
/// of the requested length.
pub async fn every_family_renders(sogni: &sogni_wasm::SogniClient) {
    let video = |model: &str, duration: u32, fps: u32| {
        params(&[
            ("type", "video".into()),
            ("modelId", model.into()),
            ("positivePrompt", "a wasm test clip".into()),
            ("numberOfMedia", 1.into()),
            ("duration", duration.into()),
            ("fps", fps.into()),
            ("width", 480.into()),
            ("height", 480.into()),
            ("tokenType", "spark".into()),
        ])
    };
    // (model, seconds, fps, frames): WAN 16·d+1; LTX d·fps+1 snapped to 1+8n; Seedance 24 fps.
    let families = [
        ("wan_v2.2-14b-fp8_t2v_lightx2v", 1, 16, 17),
        ("ltx23-22b-fp8_t2v_distilled", 1, 30, 33),
        ("seedance-2-0", 4, 24, 97),
    ];
    for (model, seconds, fps, frames) in families {
        let bytes = render_one(sogni, video(model, seconds, fps)).await;
        let (duration, count, codec) = read_mp4(&bytes);
        assert_eq!((count, codec.as_str()), (frames, "avc1"), "{model}");
        let expected = f64::from(frames) / f64::from(fps);
        assert!((duration - expected).abs() < 0.01, "{model}: {duration} s");
    }
    let song = params(&[
        ("type", "audio".into()),
        ("modelId", "ace_step_1.5_turbo".into()),
        ("positivePrompt", "a short wasm jingle".into()),
        ("numberOfMedia", 1.into()),
        ("duration", 10.into()),
        ("bpm", 120.into()),
        ("outputFormat", "wav".into()),
    ]);
    let seconds = wav_seconds(&render_one(sogni, song).await);
    assert!((seconds - 10.0).abs() < 0.01, "song of {seconds} s");
}

/// `new <global name>(...args)`.
pub fn construct(name: &str, args: &[JsValue]) -> JsValue {
    use wasm_bindgen::JsCast;
    let ctor: js_sys::Function = get(&js_sys::global(), name).unchecked_into();
    let list = js_sys::Array::new();
    for a in args {
        list.push(a);
    }
    Reflect::construct(&ctor, &list).unwrap()
}

/// `obj.method(...args)`.
pub fn call(obj: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    use wasm_bindgen::JsCast;
    let f: js_sys::Function = get(obj, method).unchecked_into();
    let list = js_sys::Array::new();
    for a in args {
        list.push(a);
    }
    f.apply(obj, &list).unwrap()
}

/// A user message with `text`.
fn user(text: &str) -> JsValue {
    params(&[("role", "user".into()), ("content", text.into())])
}

/// Reads a `ChatStream` to its end (or until `stop_after` chunks, then aborts `abort`):
/// `(text, chunks, Err(error) if the read rejected)`.
async fn read_stream(
    stream: &JsValue,
    abort: Option<(&JsValue, u32)>,
) -> (String, u32, Result<(), JsValue>) {
    let mut text = String::new();
    let mut chunks = 0;
    loop {
        match wait(call(stream, "next", &[])).await {
            Ok(step) => {
                if get(&step, "done").as_bool() == Some(true) {
                    return (text, chunks, Ok(()));
                }
                chunks += 1;
                text.push_str(&get(&get(&step, "value"), "content").as_string().unwrap());
                if let Some((controller, n)) = abort {
                    if chunks == n {
                        call(controller, "abort", &[]);
                    }
                }
            }
            Err(e) => return (text, chunks, Err(e)),
        }
    }
}

/// Chat over the socket: a streamed answer, a tool-calling round trip, vision from a
/// `File`, and an abort mid-stream that rejects the pending read with `AbortError`.
pub async fn chat_flows(sogni: &sogni_wasm::SogniClient) {
    let chat = sogni.chat();
    wait(chat.wait_for_models(None, None).into()).await.unwrap();
    let create = |p: JsValue| wait(chat.completions().create(p).into());
    // Streaming.
    let stream = create(params(&[
        (
            "messages",
            js_sys::Array::of1(&user("tell me about harbours")).into(),
        ),
        ("stream", true.into()),
    ]))
    .await
    .unwrap();
    let (text, chunks, end) = read_stream(&stream, None).await;
    if let Err(e) = end {
        panic!("the stream failed: {:?}", get(&e, "message"));
    }
    assert!(chunks > 3 && text.contains("harbours"), "{chunks}: {text}");
    let result = get(&stream, "finalResult");
    assert_eq!(get(&result, "content").as_string().unwrap(), text);
    assert_eq!(get(&result, "finishReason"), "stop");
    // A tool call, then the answer from its result.
    let tool: JsValue = js_sys::JSON::parse(
        r#"[{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"zone":{"type":"string"}},"required":["zone"]}}}]"#,
    )
    .unwrap();
    let ask = user("Use the get_time tool for \"UTC\"");
    let first = create(params(&[
        ("messages", js_sys::Array::of1(&ask).into()),
        ("tools", tool.clone()),
    ]))
    .await
    .unwrap();
    assert_eq!(get(&first, "finishReason"), "tool_calls");
    let calls = get(&first, "tool_calls");
    let call0 = js_sys::Array::from(&calls).get(0);
    let args = sogni_wasm::parse_tool_call_arguments(call0.clone());
    assert_eq!(get(&args, "zone"), "UTC");
    let assistant = params(&[
        ("role", "assistant".into()),
        ("content", JsValue::NULL),
        ("tool_calls", calls),
    ]);
    let answer_msg = params(&[
        ("role", "tool".into()),
        ("tool_call_id", get(&call0, "id")),
        ("name", "get_time".into()),
        ("content", "{\"time\":\"12:34\"}".into()),
    ]);
    let answer = create(params(&[
        (
            "messages",
            js_sys::Array::of3(&ask, &assistant, &answer_msg).into(),
        ),
        ("tools", tool),
    ]))
    .await
    .unwrap();
    assert!(get(&answer, "content")
        .as_string()
        .unwrap()
        .contains("12:34"));
    // Vision from a File (a 4×4 PNG).
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(PNG_4X4));
    let file = construct(
        "File",
        &[
            parts.into(),
            "red.png".into(),
            params(&[("type", "image/png".into())]),
        ],
    );
    let image_part = params(&[
        ("type", "image_url".into()),
        ("image_url", params(&[("url", file)])),
    ]);
    let text_part = params(&[("type", "text".into()), ("text", "what is this?".into())]);
    let vision = params(&[
        ("role", "user".into()),
        (
            "content",
            js_sys::Array::of2(&image_part, &text_part).into(),
        ),
    ]);
    let seen = create(params(&[("messages", js_sys::Array::of1(&vision).into())]))
        .await
        .unwrap();
    let content = get(&seen, "content").as_string().unwrap();
    assert!(content.contains("PNG 4×4"), "{content}");
    // Abort mid-stream.
    let controller = construct("AbortController", &[]);
    let long = create(params(&[
        (
            "messages",
            js_sys::Array::of1(&user("a long story about the sea, please")).into(),
        ),
        ("max_tokens", 300.into()),
        ("stream", true.into()),
        ("signal", get(&controller, "signal")),
    ]))
    .await
    .unwrap();
    let (_, chunks, end) = read_stream(&long, Some((&controller, 2))).await;
    let error = end.unwrap_err();
    assert_eq!(get(&error, "name"), "AbortError");
    assert_eq!(chunks, 2);
}
