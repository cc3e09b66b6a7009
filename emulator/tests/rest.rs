//! The API host and the socket host's HTTP side over real HTTP: login with a real EIP-712
//! signature, refresh, logout, token auth on the socket, uploads, URL expiry and ownership.

mod common;

use common::*;
use serde_json::{json, Value};
use sogni_wasm::wallet::{Eip712Domain, Wallet};

async fn login(emu: &sogni_emulator::Emulator, user: &str, password: &str) -> (u16, Value) {
    let wallet = Wallet::from_credentials(user, password).unwrap();
    let (status, body) = post(
        emu,
        "/v1/account/nonce",
        &[],
        json!({"walletAddress": wallet.address()}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let nonce = body["data"]["nonce"].as_str().unwrap();
    let signature = wallet.sign_authentication(nonce, &Eip712Domain::mainnet());
    post(
        emu,
        "/v1/account/login",
        &[],
        json!({"walletAddress": wallet.address(), "signature": signature, "rememberMe": false}),
    )
    .await
}

#[tokio::test]
async fn login_refresh_and_logout_with_real_signatures() {
    let emu = start().await;
    let (status, body) = login(&emu, "Demo", "demo-password").await;
    assert_eq!(status, 200, "{body}");
    let token = body["data"]["token"].as_str().unwrap().to_string();
    let refresh = body["data"]["refreshToken"].as_str().unwrap().to_string();
    assert_eq!(body["data"]["username"], "demo");
    assert_eq!(token.split('.').count(), 3);

    let me = http()
        .get(format!("{}/v1/account/me", emu.rest_url()))
        .header("Authorization", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["data"]["username"], "demo");

    // The socket accepts the token header.
    let mut ws = connect(&emu, "appId=token-app", &[("authorization", &token)]).await;
    assert_eq!(ws.event().await.0, "authenticated");

    // Refresh rotates the pair; the old refresh token cannot be used twice.
    let (status, body) = post(
        &emu,
        "/v1/account/refresh-token",
        &[],
        json!({"refreshToken": refresh}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token2 = body["data"]["token"].as_str().unwrap().to_string();
    let (status, _) = post(
        &emu,
        "/v1/account/refresh-token",
        &[],
        json!({"refreshToken": refresh}),
    )
    .await;
    assert_eq!(status, 401);

    // Logout ends the session: its tokens stop working.
    let (status, _) = post(
        &emu,
        "/v1/account/logout",
        &[("authorization", &token2)],
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let res = http()
        .get(format!("{}/v1/account/me", emu.rest_url()))
        .header("Authorization", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn wrong_password_and_replayed_nonce_are_refused() {
    let emu = start().await;
    // A wrong password derives another wallet: no nonce or account for it.
    let (status, body) = login(&emu, "demo", "nope").await;
    assert_eq!(status, 401);
    assert_eq!(body["status"], "error");
    // A signature by the wrong key over the right wallet's nonce.
    let right = Wallet::from_credentials("demo", "demo-password").unwrap();
    let wrong = Wallet::from_credentials("demo", "nope").unwrap();
    let (_, body) = post(
        &emu,
        "/v1/account/nonce",
        &[],
        json!({"walletAddress": right.address()}),
    )
    .await;
    let nonce = body["data"]["nonce"].as_str().unwrap();
    let sig = wrong.sign_authentication(nonce, &Eip712Domain::mainnet());
    let (status, _) = post(
        &emu,
        "/v1/account/login",
        &[],
        json!({"walletAddress": right.address(), "signature": sig}),
    )
    .await;
    assert_eq!(status, 401);
    // The nonce was consumed by that attempt.
    let sig = right.sign_authentication(nonce, &Eip712Domain::mainnet());
    let (status, _) = post(
        &emu,
        "/v1/account/login",
        &[],
        json!({"walletAddress": right.address(), "signature": sig}),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn session_cookie_authenticates_rest_and_socket() {
    let emu = start().await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let wallet = Wallet::from_credentials("demo", "demo-password").unwrap();
    let nonce: Value = client
        .post(format!("{}/v1/account/nonce", emu.rest_url()))
        .json(&json!({"walletAddress": wallet.address()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sig = wallet.sign_authentication(
        nonce["data"]["nonce"].as_str().unwrap(),
        &Eip712Domain::testnet(),
    );
    let res = client
        .post(format!("{}/v1/account/login", emu.rest_url()))
        .json(&json!({"walletAddress": wallet.address(), "signature": sig}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "testnet-domain signatures are accepted too"
    );
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly"));
    let me = client
        .get(format!("{}/v1/account/me", emu.rest_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the cookie alone authenticates");
    let pair = cookie.split(';').next().unwrap();
    let mut ws = connect(&emu, "appId=cookie-app", &[("cookie", pair)]).await;
    assert_eq!(ws.event().await.0, "authenticated");
}

#[tokio::test]
async fn rest_errors_use_the_envelope() {
    let emu = start().await;
    let (status, body) = get(&emu, "/v1/account/me", None).await;
    assert_eq!(status, 401);
    assert_eq!(body["status"], "error");
    assert_eq!(body["errorCode"], 101);
    let (status, body) = get(&emu, "/v1/no/such/path", Some(API_KEY)).await;
    assert_eq!(status, 404);
    assert_eq!(body["status"], "error");
    let (status, body) = get(&emu, "/v4/account/balance", Some(API_KEY)).await;
    assert_eq!(status, 200);
    assert!(body["data"]["spark"]["fastUnclaimed"].is_string());
    let (status, body) = get(&emu, "/v1/subscriptions/status", Some(API_KEY)).await;
    assert_eq!(
        (status, body["data"]["subscription"]["status"].clone()),
        (200, json!("none"))
    );
}

#[tokio::test]
async fn socket_host_serves_bare_json() {
    let emu = start().await;
    let (status, models) = get(&emu, "/api/v1/models/list", Some(API_KEY)).await;
    assert_eq!(status, 200);
    let models = models.as_array().expect("a bare array, no envelope");
    let flux = models
        .iter()
        .find(|m| m["id"] == "flux1-schnell-fp8")
        .unwrap();
    let (_, tiers) = get(&emu, "/api/v2/models/tiers", None).await;
    assert!(
        tiers.get(flux["tier"].as_str().unwrap()).is_some(),
        "the model's tier exists"
    );
    let (status, presets) = get(
        &emu,
        "/api/v1/size-presets/network/fast/model/flux1-schnell-fp8",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(presets
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["width"].is_u64() && p["id"].is_string()));
    let (status, est) = get(
        &emu,
        "/api/v2/job/estimate/spark/fast/flux1-schnell-fp8/2/4/0/0/0/512/512",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let cost: f64 = est["quote"]["project"]["costInToken"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (_, est1) = get(
        &emu,
        "/api/v2/job/estimate/spark/fast/flux1-schnell-fp8/1/4/0/0/0/512/512",
        None,
    )
    .await;
    let cost1: f64 = est1["quote"]["project"]["costInToken"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(cost > cost1 && cost1 > 0.0);
    let (status, _) = get(
        &emu,
        "/api/v3/job/estimate/spark/fast/flux1-schnell-fp8/1/4/0/0/0/512/512/1/euler/0",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let video = "/api/v1/job-video/estimate/spark/ltx23-22b-fp8_t2v_distilled/768/512/121/24";
    let (status, short) = get(&emu, video, None).await;
    assert_eq!(status, 200, "{short}");
    let longer = "/api/v1/job-video/estimate/spark/ltx23-22b-fp8_t2v_distilled/768/512/241/24/0/2";
    let (_, long) = get(&emu, longer, None).await;
    let price = |v: &Value| {
        v["quote"]["project"]["costInToken"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    assert!(
        price(&long) > price(&short),
        "more frames and clips cost more"
    );
    let audio = "/api/v1/job-audio/estimate/spark/ace_step_1.5_turbo/60/8/1";
    let (status, audio) = get(&emu, audio, None).await;
    assert_eq!(status, 200, "{audio}");
    assert!(price(&audio) > 0.0);
    let (status, active) = get(&emu, "/api/v1/artist/projects/active", Some(API_KEY)).await;
    assert_eq!((status, active), (200, json!({"projects": []})));
}

#[tokio::test]
async fn uploads_link_to_the_project_and_urls_are_scoped() {
    let emu = start().await;
    let pid = uuid().to_uppercase();
    let path = format!(
        "/v1/image/uploadUrl?imageId=X&jobId={pid}&type=startingImage&contentType=undefined"
    );
    let (status, body) = get(&emu, &path, Some(API_KEY)).await;
    assert_eq!(status, 200, "{body}");
    let url = body["data"]["uploadUrl"].as_str().unwrap().to_string();
    assert!(url.starts_with(&emu.rest_url()));
    // PUT carries no auth, only the bytes.
    let res = http().put(&url).body(vec![1u8, 2, 3]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // The URL cannot be used for another method or another key.
    assert_eq!(http().get(&url).send().await.unwrap().status(), 403);
    let tampered = url.replace("startingImage", "cnImage");
    assert_eq!(
        http()
            .put(&tampered)
            .body(vec![1u8])
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        emu.state
            .storage
            .get(&format!("{pid}/upload/startingImage"))
            .unwrap()
            .bytes
            .len(),
        3
    );
    // Unknown slots are refused.
    let bad = format!("/v1/image/uploadUrl?imageId=X&jobId={pid}&type=secrets");
    assert_eq!(get(&emu, &bad, Some(API_KEY)).await.0, 400);
    // Media slots, with the 5.17 client's literal `undefined` id.
    let media = format!(
        "/v1/media/uploadUrl?jobId={pid}&type=referenceAudio&id=undefined&contentType=audio%2Fmpeg"
    );
    assert_eq!(get(&emu, &media, Some(API_KEY)).await.0, 200);
}

#[tokio::test]
async fn expired_urls_are_refused() {
    sogni_emulator::log::set_quiet(true);
    let config = sogni_emulator::EmulatorConfig {
        url_ttl_secs: 0,
        ..Default::default()
    };
    let emu =
        sogni_emulator::Emulator::start(config, sogni_emulator::catalog::Catalog::builtin(), 0)
            .await
            .unwrap();
    let pid = uuid().to_uppercase();
    let (_, body) = get(
        &emu,
        &format!("/v1/image/uploadUrl?imageId=X&jobId={pid}&type=startingImage"),
        Some(API_KEY),
    )
    .await;
    let url = body["data"]["uploadUrl"].as_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        http()
            .put(&url)
            .body(vec![1u8])
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test]
async fn another_account_cannot_reach_a_project_or_its_media() {
    let emu = start().await;
    let mut ws = connect_key(&emu, "owner", API_KEY).await;
    ws.greeting().await;
    let pid = uuid().to_uppercase();
    ws.send("jobRequest", job_request(&pid, "mine", 1, 1)).await;
    let (result, _) = ws.until("jobResult").await;
    let job = result["imgID"].as_str().unwrap();
    let path = format!("/v1/image/downloadUrl?jobId={pid}&imageId={job}&type=complete");
    assert_eq!(get(&emu, &path, Some(API_KEY)).await.0, 200);
    assert_eq!(get(&emu, &path, Some(OTHER_KEY)).await.0, 404);
    let upload = format!("/v1/image/uploadUrl?imageId=X&jobId={pid}&type=startingImage");
    assert_eq!(get(&emu, &upload, Some(OTHER_KEY)).await.0, 403);
    // Nor hijack its id over the socket.
    let mut other = connect_key(&emu, "thief", OTHER_KEY).await;
    other.greeting().await;
    other
        .send("jobRequest", job_request(&pid, "theirs", 1, 1))
        .await;
    let (err, _) = other.until("jobError").await;
    assert_eq!(err["error"], "invalidRequest");
}
