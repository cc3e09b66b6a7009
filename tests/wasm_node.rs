//! wasm-bindgen tests of the SDK in Node 22 against the emulator.
//!
//! Built and run by `cargo xtask test` with `SOGNI_EMULATOR_URL` set at compile time (the
//! emulator's loopback origin) and `wasm-bindgen-test-runner` as the target runner.
#![cfg(target_arch = "wasm32")]

#[path = "wasm_common/mod.rs"]
mod common;

use common::{config, emulator, get, image_params, wait_for_completion};
use js_sys::{Array, Object};
use sogni_wasm::SogniClient;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn missing_app_id_is_a_validation_error() {
    let err = SogniClient::create_instance(Object::new().into())
        .await
        .unwrap_err();
    assert_eq!(get(&err, "name"), "ValidationError");
    assert_eq!(get(&err, "code"), "INVALID_CONFIG");
    assert!(err.is_instance_of::<js_sys::Error>());
}

#[wasm_bindgen_test]
async fn api_key_client_generates_an_image() {
    let sogni =
        SogniClient::create_instance(config("wasm-node", &[("apiKey", "demo-api-key".into())]))
            .await
            .unwrap();
    let models = JsFuture::from(sogni.projects().wait_for_models(None, None))
        .await
        .unwrap();
    assert!(Array::from(&models).length() > 0);
    let project = JsFuture::from(sogni.projects().create(image_params("a wasm test", &[])))
        .await
        .unwrap();
    let urls = Array::from(&wait_for_completion(&project).await.unwrap());
    assert_eq!(urls.length(), 1);
    assert!(urls.get(0).as_string().unwrap().starts_with(emulator()));
    sogni.dispose();
}

#[wasm_bindgen_test]
async fn every_video_family_and_a_song_render_in_node() {
    let sogni =
        SogniClient::create_instance(config("wasm-node-av", &[("apiKey", "demo-api-key".into())]))
            .await
            .unwrap();
    JsFuture::from(sogni.projects().wait_for_models(None, None))
        .await
        .unwrap();
    common::every_family_renders(&sogni).await;
    sogni.dispose();
}

#[wasm_bindgen_test]
async fn chat_streams_calls_tools_sees_a_file_and_aborts_in_node() {
    let sogni = SogniClient::create_instance(config(
        "wasm-node-chat",
        &[("apiKey", "demo-api-key".into())],
    ))
    .await
    .unwrap();
    common::chat_flows(&sogni).await;
    sogni.dispose();
}
