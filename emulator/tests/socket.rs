//! The socket host over a real WebSocket: handshake, opening frames, the image job
//! lifecycle, cancel, NSFW, malformed input, network and subscription messages.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn bad_credentials_close_with_4021_and_missing_app_id_with_4010() {
    let emu = start().await;
    let mut ws = connect(&emu, "appId=a", &[("api-key", "wrong")]).await;
    assert!(matches!(ws.next().await, Next::Closed(Some((4021, _)))));
    let mut ws = connect(&emu, "appId=a", &[]).await;
    assert!(matches!(ws.next().await, Next::Closed(Some((4021, _)))));
    let mut ws = connect(&emu, "appId=a", &[("authorization", "not.a.jwt")]).await;
    assert!(matches!(ws.next().await, Next::Closed(Some((4021, _)))));
    let mut ws = connect(&emu, "clientType=artist", &[("api-key", API_KEY)]).await;
    assert!(matches!(ws.next().await, Next::Closed(Some((4010, _)))));
}

#[tokio::test]
async fn greets_with_authenticated_models_and_balance_as_binary_frames() {
    let emu = start().await;
    let mut ws = connect_key(&emu, "greet", API_KEY).await;
    let frames = ws.greeting().await;
    let kinds: Vec<&str> = frames.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "authenticated",
            "swarmModels",
            "swarmLLMModels",
            "balanceUpdate"
        ]
    );
    let auth = &frames[0].1;
    assert_eq!(auth["username"], "demo");
    assert!(auth["address"].as_str().unwrap().starts_with("0x"));
    assert_eq!(auth["activeProjects"], json!([]));
    assert!(frames[1].1["flux1-schnell-fp8"].as_u64().unwrap() > 0);
    assert!(
        frames[3].1["spark"]["net"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            > 0.0
    );
}

#[tokio::test]
async fn a_second_connection_with_the_same_app_id_closes_the_first_with_4015() {
    let emu = start().await;
    let mut first = connect_key(&emu, "same-app", API_KEY).await;
    first.greeting().await;
    let mut second = connect_key(&emu, "same-app", API_KEY).await;
    second.greeting().await;
    assert!(matches!(first.next().await, Next::Closed(Some((4015, _)))));
    // Another account may use the same appId without kicking anyone.
    let mut other = connect_key(&emu, "same-app", OTHER_KEY).await;
    other.greeting().await;
    second.send("changeNetwork", json!("relaxed")).await;
    assert_eq!(
        second.until("changeNetwork").await.0,
        json!({"network": "relaxed"})
    );
}

#[tokio::test]
async fn an_image_project_runs_the_documented_lifecycle() {
    let emu = start().await;
    let mut ws = connect_key(&emu, "lifecycle", API_KEY).await;
    ws.greeting().await;
    let pid = uuid(); // lower case: the server must upper-case it
    ws.send("jobRequest", job_request(&pid, "a fox", 2, 3))
        .await;
    let mut events = Vec::new();
    loop {
        let (k, d) = ws.event().await;
        let done = k == "jobState" && d["type"] == "jobCompleted";
        events.push((k, d));
        if done {
            break;
        }
    }
    let pid = pid.to_uppercase();
    assert!(events
        .iter()
        .all(|(k, d)| k == "balanceUpdate" || d["jobID"] == pid.as_str()));
    let first_state = events.iter().find(|(k, _)| k == "jobState").unwrap();
    assert_eq!(first_state.1["type"], "queued");
    // Per job: initiatingModel → jobStarted → 3 progress events → jobResult, in that order.
    let mut jobs: Vec<String> = Vec::new();
    for (k, d) in &events {
        if k == "jobState" && d["type"] == "initiatingModel" {
            jobs.push(d["imgID"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(jobs.len(), 2);
    for job in &jobs {
        assert_eq!(job, &job.to_uppercase());
        let seq: Vec<String> = events
            .iter()
            .filter(|(k, d)| d["imgID"] == job.as_str() && k != "jobETA")
            .map(|(k, d)| match k.as_str() {
                "jobState" => d["type"].as_str().unwrap().to_string(),
                "jobProgress" => format!("step{}", d["step"]),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(
            seq,
            [
                "initiatingModel",
                "jobStarted",
                "step1",
                "step2",
                "step3",
                "jobResult"
            ]
        );
        assert!(events
            .iter()
            .any(|(k, d)| k == "jobETA" && d["imgID"] == job.as_str()));
    }
    let results: Vec<&Value> = events
        .iter()
        .filter(|(k, _)| k == "jobResult")
        .map(|(_, d)| d)
        .collect();
    assert!(results
        .iter()
        .all(|r| r["triggeredNSFWFilter"] == false && r["lastSeed"].is_string()));
    // Results are downloadable as PNGs of the requested size.
    for job in &jobs {
        let (status, body) = get(
            &emu,
            &format!("/v1/image/downloadUrl?jobId={pid}&imageId={job}&type=complete"),
            Some(API_KEY),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let url = body["data"]["downloadUrl"].as_str().unwrap();
        let bytes = http().get(url).send().await.unwrap().bytes().await.unwrap();
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!((img.width(), img.height()), (256, 192));
    }
    // The finished record is served; the other account cannot see it.
    let (status, record) = get(&emu, &format!("/v1/projects/{pid}"), Some(API_KEY)).await;
    assert_eq!(status, 200);
    assert_eq!(record["data"]["project"]["status"], "completed");
    assert_eq!(
        record["data"]["project"]["completedWorkerJobs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        get(&emu, &format!("/v2/projects/{pid}"), Some(OTHER_KEY))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn a_resent_job_request_runs_once() {
    let emu = start().await;
    let mut ws = connect_key(&emu, "resend", API_KEY).await;
    ws.greeting().await;
    let pid = uuid();
    ws.send("jobRequest", job_request(&pid, "once", 1, 2)).await;
    ws.send("jobRequest", job_request(&pid, "once", 1, 2)).await;
    let (_, seen) = ws.until("jobState").await;
    assert!(seen.iter().all(|(k, _)| k == "balanceUpdate"));
    let (_, seen) = loop {
        let (d, seen) = ws.until("jobState").await;
        if d["type"] == "jobCompleted" {
            break (d, seen);
        }
    };
    assert_eq!(seen.iter().filter(|(k, _)| k == "jobResult").count(), 1);
    assert_eq!(emu.state.projects.len(), 1);
}

#[tokio::test]
async fn cancel_is_confirmed_and_stops_the_jobs() {
    let emu = start().await;
    let mut ws = connect_key(&emu, "cancel", API_KEY).await;
    let start_balance = ws.greeting().await[3].1["spark"]["net"].clone();
    let pid = uuid().to_uppercase();
    ws.send("jobRequest", job_request(&pid, "slow", 2, 30))
        .await;
    ws.until("jobProgress").await;
    ws.send(
        "jobError",
        json!({"jobID": pid, "error": "artistCanceled", "error_message": "artistCanceled", "isFromWorker": false}),
    )
    .await;
    let (confirm, _) = ws.until("artistCancelConfirmation").await;
    assert_eq!(confirm, json!({"jobID": pid, "didCancel": true}));
    let (err, _) = ws.until("jobError").await;
    assert_eq!(err["error"], "artistCanceled");
    assert!(err.get("imgID").is_none(), "a project-level error");
    // Every started job was refunded.
    let (balance, _) = ws.until("balanceUpdate").await;
    assert_eq!(balance["spark"]["net"], start_balance);
    // Nothing more for this project arrives, and a second cancel is refused.
    ws.send("jobError", json!({"jobID": pid, "error": "artistCanceled"}))
        .await;
    let (again, skipped) = ws.until("artistCancelConfirmation").await;
    assert_eq!(again["didCancel"], false);
    assert!(
        skipped
            .iter()
            .all(|(k, _)| k != "jobResult" && k != "jobProgress"),
        "{skipped:?}"
    );
    let (_, status) = get(&emu, &format!("/v2/projects/{pid}"), Some(API_KEY)).await;
    assert_eq!(status["data"]["project"]["status"], "canceled");
}

#[tokio::test]
async fn nsfw_trigger_word_is_filtered_unless_safety_is_disabled() {
    let emu = start().await;
    let mut ws = connect_key(&emu, "nsfw", API_KEY).await;
    ws.greeting().await;
    let pid = uuid().to_uppercase();
    ws.send("jobRequest", job_request(&pid, "an NSFW thing", 1, 1))
        .await;
    let (result, _) = ws.until("jobResult").await;
    assert_eq!(result["triggeredNSFWFilter"], true);
    assert_eq!(
        result["nsfwDetected"], false,
        "withheld media is not `detected but delivered`"
    );
    let job = result["imgID"].as_str().unwrap();
    let path = format!("/v1/image/downloadUrl?jobId={pid}&imageId={job}&type=complete");
    assert_eq!(
        get(&emu, &path, Some(API_KEY)).await.0,
        404,
        "withheld media has no URL"
    );

    let pid = uuid().to_uppercase();
    let mut req = job_request(&pid, "an NSFW thing", 1, 1);
    req["disableSafety"] = json!(true);
    ws.send("jobRequest", req).await;
    let (result, _) = ws.until("jobResult").await;
    assert_eq!(result["triggeredNSFWFilter"], false);
    assert_eq!(result["nsfwDetected"], true);
    let job = result["imgID"].as_str().unwrap();
    let path = format!("/v1/image/downloadUrl?jobId={pid}&imageId={job}&type=complete");
    assert_eq!(get(&emu, &path, Some(API_KEY)).await.0, 200);
}

#[tokio::test]
async fn previews_are_announced_only_when_downloadable() {
    let emu = start().await;
    let mut ws = connect_key(&emu, "previews", API_KEY).await;
    ws.greeting().await;
    let pid = uuid().to_uppercase();
    let mut req = job_request(&pid, "previews", 1, 4);
    req["previews"] = json!(2);
    ws.send("jobRequest", req).await;
    let mut announced = 0;
    loop {
        let (k, d) = ws.event().await;
        if k == "jobProgress" && d["hasImage"] == true {
            announced += 1;
            let job = d["imgID"].as_str().unwrap();
            let path = format!("/v1/image/downloadUrl?jobId={pid}&imageId={job}&type=preview");
            let (status, body) = get(&emu, &path, Some(API_KEY)).await;
            assert_eq!(status, 200);
            let bytes = http()
                .get(body["data"]["downloadUrl"].as_str().unwrap())
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert_eq!(&bytes[..2], &[0xFF, 0xD8], "previews are JPEG");
        }
        if k == "jobResult" {
            break;
        }
    }
    assert_eq!(announced, 2);
}

#[tokio::test]
async fn malformed_frames_and_unknown_types_keep_the_connection() {
    let emu = start().await;
    let mut ws = connect_key(&emu, "malformed", API_KEY).await;
    ws.greeting().await;
    for bad in [
        "not json",
        r#"{"type":"jobRequest"}"#,
        r#"{"type":"jobRequest","data":"%%%"}"#,
        r#"{"type":"jobRequest","data":"bm90IGpzb24="}"#,
        r#"{"data":"e30="}"#,
    ] {
        ws.send_raw(bad).await;
    }
    ws.send("noSuchMessage", json!({})).await;
    // A request the server can read but not accept is answered with a project-level error.
    ws.send(
        "jobRequest",
        json!({"jobID": "x1", "keyFrames": [{"modelID": "nope"}]}),
    )
    .await;
    let (err, _) = ws.until("jobError").await;
    assert_eq!(err["jobID"], "X1");
    assert_eq!(err["error"], "modelNotFound");
    // Still alive.
    ws.send("changeNetwork", json!("fast")).await;
    assert_eq!(ws.until("changeNetwork").await.0["network"], "fast");
    let (_, stats) = get(&emu, "/emulator/stats", None).await;
    assert_eq!(stats["malformedFrames"], 5);
}

#[tokio::test]
async fn subscriptions_are_acknowledged_and_respected() {
    let emu = start().await;
    let mut ws = connect(
        &emu,
        "appId=subs&socketEventSubscriptions=%7B%22modelAvailability%22%3Afalse%7D",
        &[("api-key", API_KEY)],
    )
    .await;
    let (k, _) = ws.event().await;
    assert_eq!(k, "authenticated");
    let (k, _) = ws.event().await;
    assert_eq!(
        k, "balanceUpdate",
        "no model maps when modelAvailability is off"
    );
    ws.send(
        "setSocketEventSubscriptions",
        json!({"subscribe": ["modelAvailability"], "unsubscribe": "appAlert"}),
    )
    .await;
    let (upd, _) = ws.until("socketEventSubscriptionsUpdated").await;
    assert_eq!(
        upd["socketEventSubscriptions"],
        json!({"modelAvailability": true, "appAlert": false})
    );
}

#[tokio::test]
async fn insufficient_balance_refuses_the_project() {
    let emu = start().await;
    let account = emu.state.account_by_api_key(API_KEY).unwrap();
    let spark = account.balance().spark;
    assert!(account.try_charge(sogni_emulator::accounts::TokenType::Spark, spark));
    let mut ws = connect_key(&emu, "poor", API_KEY).await;
    ws.greeting().await;
    let pid = uuid().to_uppercase();
    ws.send("jobRequest", job_request(&pid, "costly", 1, 4))
        .await;
    let (err, _) = ws.until("jobError").await;
    assert_eq!(err["error"], "insufficientFunds");
    assert_eq!(err["jobID"], pid.as_str());
}

#[tokio::test]
async fn a_client_close_is_answered_with_a_clean_close() {
    let emu = start().await;
    let mut ws = connect_key(&emu, "closer", API_KEY).await;
    ws.greeting().await;
    ws.close(1000).await;
    let next = ws.next().await;
    assert!(matches!(next, Next::Closed(Some((1000, _)))), "{next:?}");
}

#[tokio::test]
async fn a_reconnecting_app_is_told_its_active_projects_and_gets_their_events() {
    let emu = start().await;
    let mut first = connect_key(&emu, "roamer", API_KEY).await;
    first.greeting().await;
    let pid = uuid().to_uppercase();
    first
        .send("jobRequest", job_request(&pid, "long", 1, 40))
        .await;
    first.until("jobProgress").await;
    // The same app reconnects (e.g. after a network drop): the old socket is replaced.
    let mut second = connect_key(&emu, "roamer", API_KEY).await;
    let (kind, auth) = second.event().await;
    assert_eq!(kind, "authenticated");
    let active = auth["activeProjects"].as_array().unwrap();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["id"], pid.as_str());
    assert_eq!(active[0]["appId"], "roamer");
    assert!(active[0]["clientRequestData"].is_string());
    // The rest of the project's events arrive on the new socket.
    loop {
        let (d, _) = second.until("jobState").await;
        if d["type"] == "jobCompleted" {
            assert_eq!(d["jobID"], pid.as_str());
            break;
        }
    }
}

#[tokio::test]
async fn a_video_request_without_its_workflows_assets_is_refused() {
    let emu = start().await;
    let mut ws = connect_key(&emu, "assets", API_KEY).await;
    ws.greeting().await;
    let video = |pid: &str, model: &str, flags: Value| {
        let mut kf = json!({"modelID": model, "positivePrompt": "a face", "frames": 17, "fps": 16,
                            "width": 480, "height": 480});
        kf.as_object_mut()
            .unwrap()
            .extend(flags.as_object().unwrap().clone());
        json!({"keyFrames": [kf], "numberOfImages": 1, "jobID": pid, "outputFormat": "mp4"})
    };
    // i2v without any image.
    let pid = uuid().to_uppercase();
    ws.send(
        "jobRequest",
        video(&pid, "wan_v2.2-14b-fp8_i2v_lightx2v", json!({})),
    )
    .await;
    let (err, _) = ws.until("jobError").await;
    assert_eq!(err["jobID"], pid);
    assert_eq!(err["error"], "invalidRequest");
    assert!(err.get("imgID").is_none(), "a project-level error");
    assert_eq!(
        err["error_message"],
        "The i2v workflow of wan_v2.2-14b-fp8_i2v_lightx2v requires a reference image"
    );
    // s2v with an uploaded image and a flagged audio that never arrived.
    let pid = uuid().to_uppercase();
    let path = format!("/v1/image/uploadUrl?imageId=X&jobId={pid}&type=referenceImage");
    let (_, body) = get(&emu, &path, Some(API_KEY)).await;
    let url = body["data"]["uploadUrl"].as_str().unwrap();
    let res = http().put(url).body(vec![1u8, 2, 3]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let flags = json!({"hasReferenceImage": true, "hasReferenceAudio": true});
    ws.send(
        "jobRequest",
        video(&pid, "wan_v2.2-14b-fp8_s2v_lightx2v", flags),
    )
    .await;
    let (err, _) = ws.until("jobError").await;
    assert_eq!(err["jobID"], pid);
    assert!(
        err["error_message"]
            .as_str()
            .unwrap()
            .starts_with("referenceAudio is flagged"),
        "{err}"
    );
    assert_eq!(emu.state.projects.len(), 0, "neither project was admitted");
}

#[tokio::test]
async fn a_project_finished_while_its_app_was_away_is_held_and_handed_over_once() {
    let emu = start().await;
    // A project of another app finishes with its socket up: nothing is held for it.
    let mut present = connect_key(&emu, "present", API_KEY).await;
    present.greeting().await;
    let kept = uuid().to_uppercase();
    present
        .send("jobRequest", job_request(&kept, "kept", 1, 4))
        .await;
    loop {
        let (d, _) = present.until("jobState").await;
        if d["type"] == "jobCompleted" {
            break;
        }
    }
    // This app's socket goes away mid-project.
    let mut away = connect_key(&emu, "away", API_KEY).await;
    away.greeting().await;
    let pid = uuid().to_uppercase();
    away.send("jobRequest", job_request(&pid, "held", 2, 20))
        .await;
    away.until("jobProgress").await;
    let (_, sync) = get(
        &emu,
        "/api/v1/artist/projects/sync?appId=away",
        Some(API_KEY),
    )
    .await;
    assert_eq!(sync["activeProjects"][0]["id"], pid.as_str(), "in flight");
    away.close(1000).await;
    let mut status = Value::Null;
    for _ in 0..200 {
        let (_, body) = get(&emu, &format!("/v2/projects/{pid}"), Some(API_KEY)).await;
        status = body["data"]["project"]["status"].clone();
        if status == "completed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, "completed");
    // The sync route lists it (read-only), scoped to the appId or for every appId.
    for path in [
        "/api/v1/artist/projects/sync?appId=away",
        "/api/v1/artist/projects/sync",
    ] {
        let (code, body) = get(&emu, path, Some(API_KEY)).await;
        assert_eq!(code, 200);
        assert_eq!(body["activeProjects"], json!([]), "{path}");
        let held = body["unclaimedCompletedProjects"].as_array().unwrap();
        assert_eq!(held.len(), 1, "{path}: {held:?}");
        assert_eq!(held[0]["id"], pid.as_str());
        assert_eq!(held[0]["appId"], "away");
        assert_eq!(held[0]["status"], "completed");
        assert!(body["serverTime"].is_u64());
    }
    let (_, other) = get(
        &emu,
        "/api/v1/artist/projects/sync?appId=present",
        Some(API_KEY),
    )
    .await;
    assert_eq!(other["unclaimedCompletedProjects"], json!([]));
    // The app's next `authenticated` hands it over, with its results and original request.
    let mut back = connect_key(&emu, "away", API_KEY).await;
    let (kind, auth) = back.event().await;
    assert_eq!(kind, "authenticated");
    assert_eq!(auth["activeProjects"], json!([]));
    let held = auth["unclaimedCompletedProjects"].as_array().unwrap();
    assert_eq!(held.len(), 1);
    let record = &held[0];
    assert_eq!(record["id"], pid.as_str());
    assert_eq!(record["imageCount"], 2);
    assert_eq!(record["model"]["type"], "image");
    assert_eq!(record["sizePreset"], "custom");
    let jobs = record["completedWorkerJobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 2);
    for job in jobs {
        assert_eq!(job["status"], "jobCompleted");
        assert!(job["imgID"].as_str().is_some_and(|s| !s.is_empty()));
    }
    use base64::Engine as _;
    let request = base64::engine::general_purpose::STANDARD
        .decode(record["clientRequestData"].as_str().unwrap())
        .unwrap();
    let request: Value = serde_json::from_slice(&request).unwrap();
    assert_eq!(request["jobID"], pid.as_str());
    assert_eq!(request["keyFrames"][0]["positivePrompt"], "held");
    // Delivered once: neither the sync route nor the next `authenticated` has it again.
    let (_, after) = get(
        &emu,
        "/api/v1/artist/projects/sync?appId=away",
        Some(API_KEY),
    )
    .await;
    assert_eq!(after["unclaimedCompletedProjects"], json!([]));
    back.close(1000).await;
    let mut again = connect_key(&emu, "away", API_KEY).await;
    let (_, auth) = again.event().await;
    assert_eq!(auth["unclaimedCompletedProjects"], json!([]));
    // Another account sees none of it.
    let (_, theirs) = get(&emu, "/api/v1/artist/projects/sync", Some(OTHER_KEY)).await;
    assert_eq!(theirs["unclaimedCompletedProjects"], json!([]));
}
