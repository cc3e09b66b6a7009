//! wasm-bindgen tests of the SDK in Node 22 against the emulator.
//!
//! Built and run by `cargo xtask test` with `SOGNI_EMULATOR_URL` set at compile time (the
//! emulator's loopback origin) and `wasm-bindgen-test-runner` as the target runner.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect};
use sogni_wasm::SogniClient;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

fn emulator() -> &'static str {
    match option_env!("SOGNI_EMULATOR_URL") {
        Some(url) => url,
        None => {
            panic!("build with SOGNI_EMULATOR_URL=http://127.0.0.1:PORT (cargo xtask test does)")
        }
    }
}

fn config(extra: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    let url = emulator();
    let set = |k: &str, v: JsValue| Reflect::set(&o, &k.into(), &v).unwrap();
    set(
        "appId",
        format!("wasm-test-{}", js_sys::Math::random()).into(),
    );
    set("restEndpoint", url.into());
    set("socketEndpoint", url.replacen("http://", "ws://", 1).into());
    set("logLevel", "error".into());
    for (k, v) in extra {
        set(k, v.clone());
    }
    o.into()
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

#[wasm_bindgen_test]
async fn missing_app_id_is_a_validation_error() {
    let o = Object::new();
    let err = SogniClient::create_instance(o.into()).await.unwrap_err();
    assert_eq!(get(&err, "name"), "ValidationError");
    assert_eq!(get(&err, "code"), "INVALID_CONFIG");
    assert!(err.is_instance_of::<js_sys::Error>());
}

#[wasm_bindgen_test]
async fn api_key_client_generates_an_image() {
    let sogni = SogniClient::create_instance(config(&[("apiKey", "demo-api-key".into())]))
        .await
        .unwrap();
    let models = JsFuture::from(sogni.projects().wait_for_models(None))
        .await
        .unwrap();
    assert!(Array::from(&models).length() > 0);
    let params = Object::new();
    for (k, v) in [
        ("type", JsValue::from("image")),
        ("modelId", "flux1-schnell-fp8".into()),
        ("positivePrompt", "a wasm test".into()),
        ("numberOfMedia", 1.into()),
        ("steps", 4.into()),
        ("sizePreset", "custom".into()),
        ("width", 256.into()),
        ("height", 256.into()),
    ] {
        Reflect::set(&params, &k.into(), &v).unwrap();
    }
    let project = JsFuture::from(sogni.projects().create(params.into()))
        .await
        .unwrap();
    let wait: js_sys::Function = get(&project, "waitForCompletion").unchecked_into();
    let promise: js_sys::Promise = wait.call0(&project).unwrap().unchecked_into();
    let urls = Array::from(&JsFuture::from(promise).await.unwrap());
    assert_eq!(urls.length(), 1);
    assert!(urls.get(0).as_string().unwrap().starts_with(emulator()));
    sogni.dispose();
}
