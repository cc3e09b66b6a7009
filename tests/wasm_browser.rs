//! wasm-bindgen tests of the SDK in headless Chromium against the emulator.
//!
//! A browser cannot put an API key on a WebSocket, so these sign in with username and
//! password: the token goes on REST calls as a header and reaches the socket as the
//! `authorization` cookie (the page and the emulator share the host 127.0.0.1).
#![cfg(target_arch = "wasm32")]

#[path = "wasm_common/mod.rs"]
mod common;

use common::{config, get, image_params, wait_for_completion};
use js_sys::{Array, Reflect};
use sogni_wasm::SogniClient;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn login_then_generate_an_image_in_the_browser() {
    let sogni = SogniClient::create_instance(config("browser-test", &[]))
        .await
        .unwrap();
    let login = sogni
        .account()
        .login("demo".into(), "demo-password".into(), None, None, None);
    let data = JsFuture::from(login).await.unwrap();
    assert_eq!(get(&data, "username"), "demo");
    let models = JsFuture::from(sogni.projects().wait_for_models(None, None))
        .await
        .unwrap();
    assert!(
        Array::from(&models).length() > 0,
        "the socket authenticated through the cookie"
    );
    // A Blob reference, as a page would pass a dropped File.
    let params = image_params("a browser test", &[("startingImage", web_blob())]);
    let project = JsFuture::from(sogni.projects().create(params))
        .await
        .unwrap();
    let urls = Array::from(&wait_for_completion(&project).await.unwrap());
    assert_eq!(urls.length(), 1);
    sogni.dispose();
}

#[wasm_bindgen_test]
async fn an_api_key_socket_is_refused_in_the_browser_with_a_typed_error() {
    // Forget any token cookie an earlier test left, as a fresh page would have none.
    let document = Reflect::get(&js_sys::global(), &"document".into()).unwrap();
    Reflect::set(
        &document,
        &"cookie".into(),
        &"authorization=; max-age=0; path=/".into(),
    )
    .unwrap();
    let sogni =
        SogniClient::create_instance(config("browser-test", &[("apiKey", "demo-api-key".into())]))
            .await
            .unwrap();
    let err = JsFuture::from(sogni.projects().wait_for_models(Some(5000.0), None))
        .await
        .unwrap_err();
    assert!(get(&err, "name").as_string().unwrap().ends_with("Error"));
    assert!(err.is_instance_of::<js_sys::Error>());
    sogni.dispose();
}

#[wasm_bindgen_test]
async fn every_video_family_and_a_song_render_in_the_browser() {
    let sogni = signed_in("browser-av").await;
    JsFuture::from(sogni.projects().wait_for_models(None, None))
        .await
        .unwrap();
    common::every_family_renders(&sogni).await;
    sogni.dispose();
}

#[wasm_bindgen_test]
async fn chat_streams_calls_tools_sees_a_file_and_aborts_in_the_browser() {
    let sogni = signed_in("browser-chat").await;
    common::chat_flows(&sogni).await;
    sogni.dispose();
}

/// A client signed in as the emulator's demo user (its socket authenticates by cookie).
async fn signed_in(app_prefix: &str) -> SogniClient {
    let sogni = SogniClient::create_instance(config(app_prefix, &[]))
        .await
        .unwrap();
    let login = sogni
        .account()
        .login("demo".into(), "demo-password".into(), None, None, None);
    JsFuture::from(login).await.unwrap();
    sogni
}

/// A tiny valid PNG as a `Blob`.
fn web_blob() -> JsValue {
    // `new Blob([bytes])`: the constructor's one argument is the array of parts.
    let parts = Array::of1(&Array::of1(&js_sys::Uint8Array::from(common::PNG_4X4)));
    let blob_ctor: js_sys::Function = Reflect::get(&js_sys::global(), &"Blob".into())
        .unwrap()
        .unchecked_into();
    Reflect::construct(&blob_ctor, &parts).unwrap()
}
