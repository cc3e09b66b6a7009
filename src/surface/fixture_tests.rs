//! Every case of `tests/fixtures/surface-requests.json` (the official SDK's own requests
//! and results, see `tests/fixtures/gen-surface-requests.mjs`) replayed through [`plan`]
//! and [`read`].

use serde_json::{json, Value};

use super::http::plain_message;
use super::{plan, read, Context, HttpAnswer, METHODS};
use crate::Error;

const FIXTURE: &str = include_str!("../../tests/fixtures/surface-requests.json");

fn answer_of(r: &Value) -> HttpAnswer {
    let body = r["text"].as_str().unwrap_or_default().to_string();
    let retry_after = r["headers"]["retry-after"]
        .as_str()
        .and_then(|s| s.parse::<f64>().ok());
    HttpAnswer {
        status: r["status"].as_u64().unwrap_or(200) as u16,
        status_text: r["statusText"].as_str().unwrap_or("").to_string(),
        body,
        retry_after,
    }
}

/// The request as the fixture writes it.
fn request_json(call: &super::HttpCall) -> Value {
    let mut headers = serde_json::Map::new();
    if call.body.is_some() {
        headers.insert("content-type".into(), json!("application/json"));
    }
    for (k, v) in &call.headers {
        headers.insert(k.to_ascii_lowercase(), json!(v));
    }
    let mut r = json!({"method": call.method, "path": call.path, "headers": headers});
    if let Some(b) = &call.body {
        r["body"] = b.clone();
    }
    r
}

fn error_json(e: &Error) -> Value {
    match e {
        Error::Api {
            status,
            error_code,
            message,
            retry_after,
            details,
        } => {
            let payload = json!({"status": "error", "message": message, "errorCode": error_code});
            let mut e = json!({"class": "ApiError", "message": message, "status": status, "payload": payload});
            if let Some(r) = retry_after {
                e["retryAfter"] = json!(r);
            }
            if let Some(d) = details {
                e["details"] = d.clone();
            }
            e
        }
        Error::InvalidInput { message, .. } => json!({"class": "Error", "message": message}),
        other => {
            json!({"class": "Error", "message": plain_message(other).map(str::to_string).unwrap_or_else(|| other.to_string())})
        }
    }
}

/// Normalises the official `ApiError` payload to what the Rust error carries: the body's
/// `message`/`errorCode` (the official payload may hold other keys of the body; `status`
/// is always `'error'`; an `errorCode` it lacks is the status).
fn normalise_error(official: &Value) -> Value {
    let mut e = official.clone();
    if e["class"] == "ApiError" {
        let p = &official["payload"];
        let status = official["status"].clone();
        let code = match &p["errorCode"] {
            Value::Number(n) => json!(n.as_f64().map(|f| f as i64)),
            _ => status.clone(),
        };
        e["payload"] =
            json!({"status": "error", "message": official["message"], "errorCode": code});
    }
    e
}

fn numbers_as_f64(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(a) => Value::Array(a.iter().map(numbers_as_f64).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), numbers_as_f64(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Methods whose query string is the caller's object in its key order.
const CALLER_ORDERED_QUERY: &[&str] = &[
    "stats.leaderboard",
    "account.rewards",
    "projects.uploadUrl",
    "projects.downloadUrl",
    "projects.mediaUploadUrl",
    "projects.mediaDownloadUrl",
];

fn sorted_query(path: &str) -> String {
    match path.split_once('?') {
        Some((p, q)) => {
            let mut pairs: Vec<&str> = q.split('&').collect();
            pairs.sort_unstable();
            format!("{p}?{}", pairs.join("&"))
        }
        None => path.to_string(),
    }
}

#[test]
fn every_case_matches_the_official_sdk() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() > 100, "{} cases", cases.len());
    let mut seen = std::collections::BTreeSet::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let method = case["method"].as_str().unwrap();
        seen.insert(method.to_string());
        let args: Vec<Value> = case["args"].as_array().cloned().unwrap_or_default();
        let ctx = Context {
            app_source: case["config"]["appSource"].as_str().map(str::to_string),
        };
        let requests = case["requests"].as_array().unwrap();
        let planned = plan(method, &args, &ctx);
        let outcome = match planned {
            Err(e) => {
                assert!(
                    requests.is_empty(),
                    "{name}: the SDK sent {requests:?} but we refused: {e}"
                );
                Err(e)
            }
            Ok(call) => {
                assert_eq!(requests.len(), 1, "{name}: one request");
                let mut got = request_json(&call);
                let mut want = requests[0].clone();
                if CALLER_ORDERED_QUERY.contains(&method) {
                    // The query comes from the caller's object, whose key order JSON
                    // objects do not keep here: compare the pairs as a set.
                    got["path"] = json!(sorted_query(got["path"].as_str().unwrap()));
                    want["path"] = json!(sorted_query(want["path"].as_str().unwrap()));
                }
                assert_eq!(got, want, "{name}: request");
                read(method, &args, &answer_of(&case["responses"][0]))
            }
        };
        match (&case["result"], &case["error"], outcome) {
            (expected, Value::Null, Ok(got)) => {
                assert_eq!(
                    numbers_as_f64(&got),
                    numbers_as_f64(expected),
                    "{name}: result"
                )
            }
            (_, expected, Err(e)) if !expected.is_null() => assert_eq!(
                numbers_as_f64(&error_json(&e)),
                numbers_as_f64(&normalise_error(expected)),
                "{name}: error"
            ),
            (_, expected, got) => panic!("{name}: expected {expected}, got {got:?}"),
        }
    }
    for m in METHODS {
        assert!(seen.contains(*m), "no fixture case for {m}");
    }
}
