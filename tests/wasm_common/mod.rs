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
