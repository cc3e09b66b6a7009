//! The rest of the API host over real HTTP: workflows running real media steps with their
//! SSE stream, templates with ownership, replay isolation, subscriptions with the socket's
//! entitlement push, rewards and the ledger, LoRAs, saved uploads, announcements and
//! notices.

mod common;

use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

async fn req(
    emu: &sogni_emulator::Emulator,
    method: &str,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}{path}", emu.rest_url());
    let mut r = http()
        .request(method.parse().unwrap(), url)
        .header("api-key", key);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let res = r.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn wait_workflow(emu: &sogni_emulator::Emulator, id: &str) -> Value {
    for _ in 0..400 {
        let (_, body) = req(
            emu,
            "GET",
            &format!("/v1/creative-agent/workflows/{id}"),
            API_KEY,
            None,
        )
        .await;
        let wf = body["data"]["workflow"].clone();
        if [
            "completed",
            "partial_failure",
            "failed",
            "cancelled",
            "waiting_for_user",
        ]
        .contains(&wf["status"].as_str().unwrap_or(""))
        {
            return wf;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("workflow {id} did not finish");
}

#[tokio::test]
async fn workflows_run_steps_and_stream_events() {
    let emu = start().await;
    let plan = json!({"input": {"title": "Fox", "steps": [
        {"id": "img", "toolName": "generate_image", "arguments": {"prompt": "a red fox", "width": 128, "height": 96}},
        {"id": "copy", "toolName": "enhance_prompt", "arguments": {"prompt": "a red fox"},
         "dependsOn": [{"sourceStepId": "img", "targetArgument": "reference_image_url", "transform": "image_url"}]}
    ]}, "token_type": "spark"});
    let (s, body) = req(
        &emu,
        "POST",
        "/v1/creative-agent/workflows",
        API_KEY,
        Some(plan),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    let id = body["data"]["workflow"]["workflowId"]
        .as_str()
        .unwrap()
        .to_string();
    let wf = wait_workflow(&emu, &id).await;
    assert_eq!(wf["status"], "completed", "{wf}");
    let url = wf["artifacts"][0]["url"].as_str().unwrap();
    assert_eq!(wf["steps"][1]["arguments"]["reference_image_url"], url);
    let png = http().get(url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(&png[1..4], b"PNG");

    // SSE after the third event, to the terminal frame; then the server closes.
    let text = http()
        .get(format!(
            "{}/v1/creative-agent/workflows/{id}/events/stream",
            emu.rest_url()
        ))
        .header("api-key", API_KEY)
        .header("last-event-id", "3")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("id: "))
        .collect();
    assert_eq!(ids.first(), Some(&"4"), "{text}");
    assert!(text.contains("event: workflow_completed"), "{text}");
    let statuses = text.matches("\"status\":").count();
    assert_eq!(
        statuses, 1,
        "only the workflow-level frame carries status: {text}"
    );

    // Isolation.
    let (s, _) = req(
        &emu,
        "GET",
        &format!("/v1/creative-agent/workflows/{id}"),
        OTHER_KEY,
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = req(
        &emu,
        "POST",
        &format!("/v1/creative-agent/workflows/{id}/cancel"),
        OTHER_KEY,
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (_, list) = req(&emu, "GET", "/v1/creative-agent/workflows", OTHER_KEY, None).await;
    assert_eq!(list["data"]["workflows"], json!([]));

    // Reseed with an override, idempotently.
    let reseed = |key: &'static str| {
        let url = format!("{}/v1/creative-agent/workflows/{id}/reseed", emu.rest_url());
        async move {
            http()
                .post(url)
                .header("api-key", API_KEY)
                .header("idempotency-key", key)
                .json(&json!({"seed_overrides": {"img": 7}}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let a = reseed("r1").await;
    let b = reseed("r1").await;
    assert_eq!(
        a["data"]["workflow"]["workflowId"],
        b["data"]["workflow"]["workflowId"]
    );
    assert_eq!(b["data"]["idempotent"], true);
    assert_eq!(
        a["data"]["reseed"]["steps"][0],
        json!({"stepId": "img", "seed": 7})
    );

    // Cost approval: paused until resumed.
    let (_, body) = req(
        &emu,
        "POST",
        "/v1/creative-agent/workflows",
        API_KEY,
        Some(json!({
            "input": {"steps": [{"toolName": "generate_image", "arguments": {"prompt": "x"}}]},
            "max_estimated_capacity_units": 0.0000001
        })),
    )
    .await;
    let paused_id = body["data"]["workflow"]["workflowId"]
        .as_str()
        .unwrap()
        .to_string();
    let paused = wait_workflow(&emu, &paused_id).await;
    assert_eq!(
        (paused["status"].as_str(), paused["waitingReason"].as_str()),
        (Some("waiting_for_user"), Some("cost_approval_required"))
    );
    let (s, body) = req(
        &emu,
        "POST",
        &format!("/v1/creative-agent/workflows/{paused_id}/resume"),
        API_KEY,
        Some(json!({})),
    )
    .await;
    assert_eq!((s, body["data"]["resumed"].clone()), (200, json!(true)));
    assert_eq!(wait_workflow(&emu, &paused_id).await["status"], "completed");

    // Refusals.
    let (s, _) = req(
        &emu,
        "POST",
        "/v1/creative-agent/workflows",
        API_KEY,
        Some(json!({"input": {"steps": [{"toolName": "nope"}]}})),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = req(
        &emu,
        "POST",
        "/v1/creative-agent/workflows",
        API_KEY,
        Some(json!({
        "input": {"steps": [{"toolName": "generate_image", "arguments": {"prompt": "x"}}]},
        "media_references": [{"url": "data:image/png;base64,AA"}]})),
    )
    .await;
    assert_eq!(s, 400);
    emu.stop().await;
}

#[tokio::test]
async fn templates_are_owned_and_forkable() {
    let emu = start().await;
    let (s, body) = req(&emu, "POST", "/v1/creative-agent/workflows/templates", API_KEY, Some(json!({
        "name": "Mine", "version": "1", "description": "d",
        "inputs": [{"name": "subject", "type": "string", "required": true}],
        "stages": [{"id": "a", "toolName": "generate_image", "arguments": {"prompt": "{{subject}}", "width": 64, "height": 64}}]
    }))).await;
    assert_eq!(s, 201, "{body}");
    let t = body["data"]["template"].clone();
    let id = t["id"].as_str().unwrap().to_string();
    assert_eq!(t["visibility"], "private");
    let path = format!("/v1/creative-agent/workflows/templates/{id}");
    assert_eq!(req(&emu, "GET", &path, OTHER_KEY, None).await.0, 404);
    assert_eq!(
        req(&emu, "PATCH", &path, OTHER_KEY, Some(json!({"name": "x"})))
            .await
            .0,
        404
    );
    assert_eq!(req(&emu, "DELETE", &path, OTHER_KEY, None).await.0, 404);
    assert_eq!(
        req(
            &emu,
            "POST",
            &format!("{path}/fork"),
            OTHER_KEY,
            Some(json!({}))
        )
        .await
        .0,
        404
    );
    // Public: readable and forkable by others, still not changeable.
    let (s, _) = req(
        &emu,
        "PATCH",
        &path,
        API_KEY,
        Some(json!({"visibility": "public"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(req(&emu, "GET", &path, OTHER_KEY, None).await.0, 200);
    assert_eq!(
        req(&emu, "PATCH", &path, OTHER_KEY, Some(json!({"name": "x"})))
            .await
            .0,
        403
    );
    let (s, fork) = req(
        &emu,
        "POST",
        &format!("{path}/fork"),
        OTHER_KEY,
        Some(json!({"newName": "Theirs"})),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(fork["data"]["template"]["name"], "Theirs");
    // A workflow from the template fills its inputs.
    let (s, body) = req(
        &emu,
        "POST",
        "/v1/creative-agent/workflows",
        API_KEY,
        Some(json!({"workflow_id": id, "inputs": {"subject": "a kite"}})),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    let wf = wait_workflow(
        &emu,
        body["data"]["workflow"]["workflowId"].as_str().unwrap(),
    )
    .await;
    assert_eq!(wf["status"], "completed");
    assert_eq!(wf["steps"][0]["arguments"]["prompt"], "a kite");
    let (s, _) = req(
        &emu,
        "POST",
        "/v1/creative-agent/workflows",
        API_KEY,
        Some(json!({"workflow_id": id})),
    )
    .await;
    assert_eq!(s, 400, "a required input is missing");
    // Lists.
    let (_, own) = req(
        &emu,
        "GET",
        "/v1/creative-agent/workflows/templates?visibility=own",
        OTHER_KEY,
        None,
    )
    .await;
    assert_eq!(own["data"]["templates"].as_array().unwrap().len(), 1);
    let (_, public) = req(
        &emu,
        "GET",
        "/v1/creative-agent/workflows/templates?visibility=public&limit=1",
        OTHER_KEY,
        None,
    )
    .await;
    assert_eq!(public["data"]["next"], 1);
    assert_eq!(req(&emu, "DELETE", &path, API_KEY, None).await.0, 200);
    assert_eq!(req(&emu, "GET", &path, API_KEY, None).await.0, 404);
    emu.stop().await;
}

#[tokio::test]
async fn replay_records_are_per_owner_and_redacted() {
    let emu = start().await;
    let (s, body) = req(&emu, "POST", "/v1/replay/records", API_KEY, Some(json!({
        "run_id": "run-1", "user_request": "my key is sk-abcdefghijklmnopqrst", "rounds": [{}, {}]
    }))).await;
    assert_eq!(s, 201);
    assert_eq!(
        (body["runId"].clone(), body["redacted"].clone()),
        (json!("run-1"), json!(true))
    );
    let (_, list) = req(&emu, "GET", "/v1/replay/records", API_KEY, None).await;
    assert_eq!(list["records"][0]["rounds"], 2);
    assert_eq!(
        req(&emu, "GET", "/v1/replay/records/run-1", OTHER_KEY, None)
            .await
            .0,
        404
    );
    let (_, other) = req(&emu, "GET", "/v1/replay/records", OTHER_KEY, None).await;
    assert_eq!(other["records"], json!([]));
    let (s, body) = req(
        &emu,
        "POST",
        "/v1/replay/records",
        API_KEY,
        Some(json!({"nope": 1})),
    )
    .await;
    assert_eq!(
        (s, body["message"].clone()),
        (400, json!("run_id is required"))
    );
    emu.stop().await;
}

#[tokio::test]
async fn rewards_ledger_and_leaderboard() {
    let emu = start().await;
    let (_, r) = get(&emu, "/v4/account/rewards", Some(API_KEY)).await;
    assert_eq!(r["data"]["rewards"][0]["canClaim"], 1);
    let (s, _) = req(
        &emu,
        "POST",
        "/v3/account/reward/claim",
        API_KEY,
        Some(json!({"claims": ["daily-boost", "welcome"], "provider": "base"})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = req(
        &emu,
        "POST",
        "/v3/account/reward/claim",
        API_KEY,
        Some(json!({"claims": ["daily-boost"]})),
    )
    .await;
    assert_eq!(s, 400, "not twice a day");
    let (_, me) = get(&emu, "/v1/account/me", Some(API_KEY)).await;
    let addr = me["data"]["walletAddress"].as_str().unwrap().to_string();
    let (_, tx) = get(
        &emu,
        &format!("/v1/transactions/list?status=completed&address={addr}&limit=10"),
        Some(API_KEY),
    )
    .await;
    assert_eq!(tx["data"]["transactions"].as_array().unwrap().len(), 2);
    assert_eq!(tx["data"]["transactions"][0]["type"], "credit");
    let (s, _) = get(
        &emu,
        &format!("/v1/transactions/list?status=completed&address={addr}&limit=10"),
        Some(OTHER_KEY),
    )
    .await;
    assert_eq!(s, 403);
    let (s, lb) = get(
        &emu,
        "/v1/leaderboard/?type=jobCompleteArtist&period=lifetime",
        Some(API_KEY),
    )
    .await;
    assert_eq!(s, 200);
    assert!(lb["data"].is_array());
    assert_eq!(
        get(&emu, "/v1/leaderboard/?type=nope&period=day", Some(API_KEY))
            .await
            .0,
        400
    );
    emu.stop().await;
}

#[tokio::test]
async fn subscriptions_push_entitlements_and_unlock_saved_uploads() {
    let emu = start().await;
    let mut ws = connect(
        &emu,
        "appId=sub-test&clientType=artist&socketEventSubscriptions=%7B%22subscriptionLimitNotice%22%3Atrue%2C%22appAlert%22%3Atrue%7D",
        &[("api-key", API_KEY)],
    )
    .await;
    let greeting = ws.greeting().await;
    let auth = &greeting
        .iter()
        .find(|(k, _)| k == "authenticated")
        .unwrap()
        .1;
    assert_eq!(auth["subscriptionEntitlement"]["active"], false);
    // API keys cannot check out; the emulator's token login can.
    assert_eq!(
        req(
            &emu,
            "POST",
            "/v1/iap/stripe/subscribe",
            API_KEY,
            Some(json!({"planId": "unlimited", "term": "monthly"}))
        )
        .await
        .0,
        403
    );
    let wallet = sogni_wasm::wallet::Wallet::from_credentials("demo", "demo-password").unwrap();
    let (_, n) = post(
        &emu,
        "/v1/account/nonce",
        &[],
        json!({"walletAddress": wallet.address()}),
    )
    .await;
    let sig = wallet.sign_authentication(
        n["data"]["nonce"].as_str().unwrap(),
        &sogni_wasm::wallet::Eip712Domain::mainnet(),
    );
    let (_, login) = post(
        &emu,
        "/v1/account/login",
        &[],
        json!({"walletAddress": wallet.address(), "signature": sig}),
    )
    .await;
    let token = login["data"]["token"].as_str().unwrap().to_string();
    let (s, co) = post(
        &emu,
        "/v1/iap/stripe/subscribe",
        &[("authorization", &token)],
        json!({"planId": "unlimited", "term": "monthly"}),
    )
    .await;
    assert_eq!(s, 200, "{co}");
    assert_eq!(
        get(&emu, "/v1/assets/capabilities", Some(API_KEY)).await.1["data"]["enabled"],
        false
    );
    let page = http()
        .get(co["data"]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let (update, _) = ws.until("subscriptionEntitlementUpdated").await;
    assert_eq!(
        (update["active"].clone(), update["trialing"].clone()),
        (json!(true), json!(true))
    );
    let (_, status) = get(&emu, "/v1/subscriptions/status", Some(API_KEY)).await;
    assert_eq!(status["data"]["subscription"]["status"], "trialing");
    assert_eq!(
        get(&emu, "/v1/subscriptions/trial-eligibility", Some(API_KEY))
            .await
            .1["data"]["eligible"],
        false
    );

    // Saved upload: prepare, PUT, finalize, reuse, bind; another account sees none of it.
    let bytes = b"\x89PNG\r\n\x1a\nnot really a png".to_vec();
    let sha = hex::encode(Sha256::digest(&bytes));
    let (s, prep) = req(&emu, "POST", "/v1/assets/prepare", API_KEY, Some(json!({"sha256": sha, "bytes": bytes.len(), "contentType": "image/png", "name": "a.png"}))).await;
    assert_eq!(s, 200, "{prep}");
    let put = http()
        .put(prep["data"]["uploadUrl"].as_str().unwrap())
        .header("content-type", "image/png")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let id = prep["data"]["id"].as_str().unwrap().to_string();
    let (s, fin) = req(
        &emu,
        "POST",
        &format!("/v1/assets/{id}/finalize"),
        API_KEY,
        None,
    )
    .await;
    assert_eq!((s, fin["data"]["state"].clone()), (200, json!("ready")));
    let (_, again) = req(&emu, "POST", "/v1/assets/prepare", API_KEY, Some(json!({"sha256": sha, "bytes": bytes.len(), "contentType": "image/png", "name": "a.png"}))).await;
    assert_eq!(again["data"]["reused"], true);
    let (s, _) = req(
        &emu,
        "POST",
        &format!("/v1/assets/{id}/bind"),
        API_KEY,
        Some(json!({"projectId": "P1", "type": "startingImage"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        req(
            &emu,
            "POST",
            &format!("/v1/assets/{id}/bind"),
            OTHER_KEY,
            Some(json!({"projectId": "P2", "type": "startingImage"}))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        get(&emu, "/v1/assets", Some(OTHER_KEY)).await.1["data"]["assets"],
        json!([])
    );

    // Notices reach opted-in connections.
    let (_, n) = post(
        &emu,
        "/emulator/notices",
        &[],
        json!({"username": "demo", "reason": "fair_use"}),
    )
    .await;
    assert_eq!(n["delivered"], 1);
    let (notice, _) = ws.until("subscriptionLimitNotice").await;
    assert_eq!(notice["reason"], "fair_use");
    let (_, a) = post(
        &emu,
        "/emulator/announcements",
        &[],
        json!({"title": "Maintenance tonight", "kind": "banner"}),
    )
    .await;
    assert!(a["connections"].as_u64().unwrap() >= 1);
    let (alert, _) = ws.until("appAlert").await;
    assert_eq!(alert["title"], "Maintenance tonight");
    emu.stop().await;
}

#[tokio::test]
async fn personal_loras_are_private() {
    let emu = start().await;
    let (_, catalog) = get(&emu, "/v1/loras/comfy?modelId=z_image_turbo_bf16", None).await;
    assert!(catalog["data"]["loras"].as_array().unwrap().len() >= 2);
    let (s, body) = req(
        &emu,
        "POST",
        "/v1/loras/personal",
        API_KEY,
        Some(json!({
        "url": "https://huggingface.co/me/lora/resolve/main/style.safetensors", "name": "Mine",
        "modelId": "z_image_turbo_bf16", "rightsConfirmed": true})),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    let id = body["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        req(
            &emu,
            "GET",
            &format!("/v1/loras/personal/{id}"),
            OTHER_KEY,
            None
        )
        .await
        .0,
        404
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    let (_, one) = req(
        &emu,
        "GET",
        &format!("/v1/loras/personal/{id}"),
        API_KEY,
        None,
    )
    .await;
    assert_eq!(one["data"]["status"], "ready");
    let (_, cat) = req(&emu, "GET", "/v1/loras/personal/catalog", API_KEY, None).await;
    assert_eq!(cat["data"]["loras"][0]["loraId"], id.as_str());
    let (s, _) = req(&emu, "POST", "/v1/loras/personal", API_KEY, Some(json!({
        "url": "https://example.com/x.safetensors", "name": "x", "modelId": "z_image_turbo_bf16", "rightsConfirmed": true}))).await;
    assert_eq!(s, 400);
    assert_eq!(
        req(
            &emu,
            "DELETE",
            &format!("/v1/loras/personal/{id}"),
            OTHER_KEY,
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        req(
            &emu,
            "DELETE",
            &format!("/v1/loras/personal/{id}"),
            API_KEY,
            None
        )
        .await
        .0,
        200
    );
    emu.stop().await;
}
