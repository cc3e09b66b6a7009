//! Fault injection (`/emulator/faults`) over real sockets and HTTP.

mod common;
use common::*;
use serde_json::{json, Value};

async fn scenario(emu: &sogni_emulator::Emulator, rules: Value) {
    let (status, body) = post(
        emu,
        "/emulator/faults",
        &[],
        json!({"seed": 7, "rules": rules}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn report(emu: &sogni_emulator::Emulator) -> Value {
    get(emu, "/emulator/faults", None).await.1
}

/// Reads until the socket closes; returns the close (None: cut without a close frame) and
/// the event types seen on the way.
async fn until_closed(ws: &mut Ws) -> (Option<(u16, String)>, Vec<String>) {
    let mut seen = Vec::new();
    loop {
        match ws.next().await {
            Next::Event(k, _) => seen.push(k),
            Next::Closed(c) => return (c, seen),
        }
    }
}

#[tokio::test]
async fn a_drop_cuts_the_connection_without_a_close_frame_and_the_job_goes_on() {
    let emu = start().await;
    scenario(
        &emu,
        json!([{"kind": "drop", "type": "jobProgress", "appId": "drop-app", "count": 1}]),
    )
    .await;
    let mut ws = connect_key(&emu, "drop-app", API_KEY).await;
    ws.greeting().await;
    let pid = uuid().to_uppercase();
    ws.send("jobRequest", job_request(&pid, "drop", 1, 4)).await;
    let (close, seen) = until_closed(&mut ws).await;
    assert_eq!(close, None, "cut, no close frame");
    assert!(
        !seen.contains(&"jobProgress".to_string()),
        "the triggering frame is lost"
    );
    // The server keeps rendering; a reconnect is told about the project and finishes it.
    let mut again = connect_key(&emu, "drop-app", API_KEY).await;
    let (auth, _) = again.until("authenticated").await;
    let active = auth["activeProjects"].as_array().unwrap();
    assert!(active.iter().any(|p| p["id"] == pid.as_str()), "{auth}");
    loop {
        let (d, _) = again.until("jobState").await;
        if d["type"] == "jobCompleted" {
            break;
        }
    }
    let r = report(&emu).await;
    assert_eq!(r["fired"]["drop"], 1, "{r}");
}

#[tokio::test]
async fn close_codes_come_with_their_reason() {
    let emu = start().await;
    for (code, reason) in [
        (1001, "server restarting"),
        (1000, "bye"),
        (4015, "switch"),
        (4021, "auth"),
    ] {
        let app = format!("close-{code}");
        scenario(
            &emu,
            json!([{"kind": "close", "type": "jobState/queued", "appId": app, "code": code, "reason": reason}]),
        )
        .await;
        let mut ws = connect_key(&emu, &app, API_KEY).await;
        ws.greeting().await;
        ws.send("jobRequest", job_request(&uuid(), "close", 1, 2))
            .await;
        let (close, seen) = until_closed(&mut ws).await;
        assert_eq!(close, Some((code, reason.to_string())), "{seen:?}");
    }
    assert_eq!(report(&emu).await["fired"]["close 4021"], 1);
}

#[tokio::test]
async fn duplicate_lose_reorder_delay_and_malformed_frames() {
    let emu = start().await;
    scenario(
        &emu,
        json!([
            {"kind": "duplicate", "type": "jobResult"},
            {"kind": "lose", "type": "jobETA"},
            {"kind": "reorder", "type": "jobState/initiatingModel"},
            {"kind": "delay", "type": "jobState/queued", "ms": 150},
            {"kind": "malformed", "type": "jobProgress", "variant": "unknownType"}
        ]),
    )
    .await;
    let mut ws = connect_key(&emu, "frames", API_KEY).await;
    ws.greeting().await;
    ws.send("jobRequest", job_request(&uuid(), "frames", 1, 3))
        .await;
    let mut kinds = Vec::new();
    loop {
        let (k, d) = ws.event().await;
        let label = match d.get("type").and_then(Value::as_str) {
            Some(t) if k == "jobState" => format!("jobState/{t}"),
            _ => k.clone(),
        };
        kinds.push(label.clone());
        if label == "jobState/jobCompleted" {
            break;
        }
    }
    // The delayed frame may come after the end.
    while let Ok((k, d)) =
        tokio::time::timeout(std::time::Duration::from_millis(400), ws.event()).await
    {
        kinds.push(format!("{k}/{}", d["type"].as_str().unwrap_or("")));
    }
    let count = |k: &str| kinds.iter().filter(|x| *x == k).count();
    assert_eq!(count("jobResult"), 2, "{kinds:?}");
    assert_eq!(count("jobETA"), 0, "{kinds:?}");
    assert_eq!(count("emulatorMysteryEvent"), 3, "{kinds:?}");
    let pos = |k: &str| {
        kinds
            .iter()
            .position(|x| x == k)
            .unwrap_or_else(|| panic!("{k} in {kinds:?}"))
    };
    assert!(
        pos("jobState/initiatingModel") > pos("jobState/jobStarted"),
        "{kinds:?}"
    );
    assert!(
        pos("jobState/queued") > pos("jobState/jobStarted"),
        "delayed: {kinds:?}"
    );
    let r = report(&emu).await;
    assert_eq!(r["fired"]["duplicate"], 1, "{r}");
    assert_eq!(r["fired"]["delay"], 1, "{r}");
}

#[tokio::test]
async fn a_swallowed_request_never_runs_and_a_restart_refuses_with_1001() {
    let emu = start().await;
    scenario(
        &emu,
        json!([
            {"kind": "swallow", "type": "jobRequest", "appId": "swallow", "count": 1},
            {"kind": "restart", "type": "jobRequest", "appId": "restart", "count": 1}
        ]),
    )
    .await;
    let mut ws = connect_key(&emu, "swallow", API_KEY).await;
    ws.greeting().await;
    let pid = uuid().to_uppercase();
    ws.send("jobRequest", job_request(&pid, "swallowed", 1, 2))
        .await;
    assert_eq!(until_closed(&mut ws).await.0, None);
    assert_eq!(
        get(&emu, &format!("/v2/projects/{pid}"), Some(API_KEY))
            .await
            .0,
        404
    );

    let mut ws = connect_key(&emu, "restart", API_KEY).await;
    ws.greeting().await;
    let pid2 = uuid().to_uppercase();
    ws.send("jobRequest", job_request(&pid2, "restart", 1, 2))
        .await;
    let (err, _) = ws.until("jobError").await;
    assert_eq!(err["error"], 1001);
    assert_eq!(err["jobID"], pid2.as_str());
    assert_eq!(
        ws.next().await.await_closed(),
        Some((1001, "server restarting".to_string()))
    );
    // Resubmitted on a new connection, it runs (and is not a duplicate).
    let mut again = connect_key(&emu, "restart", API_KEY).await;
    again.greeting().await;
    again
        .send("jobRequest", job_request(&pid2, "restart", 1, 2))
        .await;
    loop {
        let (d, _) = again.until("jobState").await;
        if d["type"] == "jobCompleted" {
            break;
        }
    }
    again
        .send("jobRequest", job_request(&pid2, "restart", 1, 2))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let r = report(&emu).await;
    assert_eq!(r["swallowedRequests"], json!([pid]), "{r}");
    assert_eq!(r["restartedRequests"], json!([pid2]), "{r}");
    assert_eq!(
        r["duplicateProjects"],
        json!([pid2]),
        "the third send is a duplicate: {r}"
    );
}

#[tokio::test]
async fn http_rules_fail_or_slow_requests_with_retry_after() {
    let emu = start().await;
    scenario(
        &emu,
        json!([
            {"kind": "http", "path": "/v1/account/me", "status": 429, "retryAfter": 2, "count": 1},
            {"kind": "http", "path": "/v1/account/me", "status": 503, "after": 1, "count": 1},
            {"kind": "http", "path": "/v4/account/balance", "ms": 200}
        ]),
    )
    .await;
    let res = http()
        .get(format!("{}/v1/account/me", emu.rest_url()))
        .header("api-key", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    assert_eq!(res.headers()["retry-after"], "2");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "error");
    assert_eq!(
        get(&emu, "/v1/account/me", Some(API_KEY)).await.0,
        200,
        "second call passes"
    );
    assert_eq!(get(&emu, "/v1/account/me", Some(API_KEY)).await.0, 503);
    assert_eq!(get(&emu, "/v1/account/me", Some(API_KEY)).await.0, 200);
    let t = std::time::Instant::now();
    assert_eq!(get(&emu, "/v4/account/balance", Some(API_KEY)).await.0, 200);
    assert!(t.elapsed().as_millis() >= 200);
    // The admin routes are never faulted; a bad scenario is refused.
    let (status, _) = post(
        &emu,
        "/emulator/faults",
        &[],
        json!({"rules": [{"kind": "nope"}]}),
    )
    .await;
    assert_eq!(status, 400);
    let r = report(&emu).await;
    assert_eq!(r["fired"]["http 429"], 1, "{r}");
    assert_eq!(r["fired"]["http 503"], 1, "{r}");
}

#[tokio::test]
async fn a_stalled_worker_never_finishes_until_cancelled() {
    let emu = start().await;
    scenario(
        &emu,
        json!([{"kind": "stall", "appId": "stall", "count": 1}]),
    )
    .await;
    let mut ws = connect_key(&emu, "stall", API_KEY).await;
    ws.greeting().await;
    let pid = uuid().to_uppercase();
    ws.send("jobRequest", job_request(&pid, "stall", 1, 2))
        .await;
    ws.until("jobState").await; // queued
    loop {
        let (d, _) = ws.until("jobState").await;
        if d["type"] == "jobStarted" {
            break;
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, v2) = get(&emu, &format!("/v2/projects/{pid}"), Some(API_KEY)).await;
    assert_eq!(v2["data"]["project"]["status"], "processing");
    ws.send(
        "jobError",
        json!({"jobID": pid, "error": "artistCanceled", "error_message": "artistCanceled", "isFromWorker": false}),
    )
    .await;
    let (confirm, _) = ws.until("artistCancelConfirmation").await;
    assert_eq!(confirm["didCancel"], true);
    assert_eq!(report(&emu).await["stalledProjects"], json!([pid]));
}

#[tokio::test]
async fn drop_and_close_now_act_on_live_sockets() {
    let emu = start().await;
    let mut a = connect_key(&emu, "now-a", API_KEY).await;
    let mut b = connect_key(&emu, "now-b", API_KEY).await;
    a.greeting().await;
    b.greeting().await;
    let (_, r) = post(
        &emu,
        "/emulator/faults/now",
        &[],
        json!({"kind": "close", "code": 1001, "appId": "now-a"}),
    )
    .await;
    assert_eq!(r["affected"], 1);
    assert_eq!(
        until_closed(&mut a).await.0,
        Some((1001, "server restarting".into()))
    );
    let (_, r) = post(
        &emu,
        "/emulator/faults/now",
        &[],
        json!({"kind": "drop", "appId": "now-b"}),
    )
    .await;
    assert_eq!(r["affected"], 1);
    assert_eq!(until_closed(&mut b).await.0, None);
}

trait Closed {
    fn await_closed(self) -> Option<(u16, String)>;
}

impl Closed for Next {
    fn await_closed(self) -> Option<(u16, String)> {
        match self {
            Next::Closed(c) => c,
            Next::Event(k, d) => panic!("expected a close, got {k} {d}"),
        }
    }
}
