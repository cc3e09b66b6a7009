//! LLM chat over real sockets and HTTP: the socket's `llmJobRequest` stream, hosted chat,
//! hosted tools, durable chat runs with SSE replay, and the LLM estimate.

mod common;

use base64::Engine as _;
use common::*;
use serde_json::{json, Value};
use sogni_emulator::catalog::Catalog;
use sogni_emulator::config::{TimingConfig, UserConfig};
use sogni_emulator::{Emulator, EmulatorConfig};
use std::collections::BTreeMap;

const MODEL: &str = "qwen3.6-35b-a3b-gguf-iq4xs";

fn chat(job: &str, content: &str) -> Value {
    json!({"jobID": job, "type": "llm", "model": MODEL, "stream": true,
           "messages": [{"role": "user", "content": content}]})
}

/// Sends a request and collects its frames until `llmJobResult` or `llmJobError`.
async fn run(ws: &mut Ws, request: Value) -> Vec<(String, Value)> {
    let job = request["jobID"].as_str().unwrap().to_uppercase();
    ws.send("llmJobRequest", request).await;
    let mut out = Vec::new();
    loop {
        let (k, d) = ws.event().await;
        if k == "balanceUpdate" {
            continue;
        }
        assert_eq!(d["jobID"], job.as_str(), "{k}: {d}");
        let end = k == "llmJobResult" || k == "llmJobError";
        out.push((k, d));
        if end {
            return out;
        }
    }
}

/// What the official `ChatStream` accumulates from `jobTokens` frames.
#[derive(Debug, Default)]
struct Merged {
    content: String,
    role: Option<String>,
    finish: Option<String>,
    usage: Option<Value>,
    calls: BTreeMap<u64, (String, String, String)>,
}

fn merge(frames: &[(String, Value)]) -> Merged {
    let mut m = Merged::default();
    for (_, d) in frames.iter().filter(|(k, _)| k == "jobTokens") {
        m.content.push_str(d["content"].as_str().unwrap_or(""));
        if let Some(r) = d["role"].as_str() {
            m.role = Some(r.into());
        }
        if let Some(f) = d["finishReason"].as_str() {
            m.finish = Some(f.into());
        }
        if !d["usage"].is_null() {
            m.usage = Some(d["usage"].clone());
        }
        for delta in d["tool_calls"].as_array().into_iter().flatten() {
            let e = m.calls.entry(delta["index"].as_u64().unwrap()).or_default();
            if let Some(id) = delta["id"].as_str() {
                e.0 = id.into();
            }
            if let Some(n) = delta["function"]["name"].as_str() {
                e.1 = n.into();
            }
            e.2.push_str(delta["function"]["arguments"].as_str().unwrap_or(""));
        }
    }
    m
}

async fn chat_socket(emu: &Emulator, app: &str) -> Ws {
    let mut ws = connect_key(emu, app, API_KEY).await;
    ws.greeting().await;
    ws
}

fn png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    use image::ImageEncoder;
    let img = image::RgbImage::from_pixel(w, h, image::Rgb(rgb));
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn data_uri(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn sogni(balance: &Value) -> f64 {
    balance["sogni"]["net"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_streamed_chat_sends_states_tokens_and_a_priced_result() {
    let emu = start().await;
    let mut ws = chat_socket(&emu, "chat-stream").await;
    let (_, before) = get(&emu, "/v4/account/balance", Some(API_KEY)).await;
    let job = uuid();
    let frames = run(&mut ws, chat(&job, "Hello there")).await;
    let kinds: Vec<String> = frames
        .iter()
        .map(|(k, d)| match k.as_str() {
            "jobState" => d["type"].as_str().unwrap().to_string(),
            other => other.to_string(),
        })
        .collect();
    assert_eq!(
        kinds[..4],
        ["pending", "queued", "assigned", "jobStarted"].map(String::from)
    );
    assert_eq!(frames[0].1["modelId"], MODEL);
    assert!(frames[0].1["estimatedCost"].is_string());
    assert_eq!(frames[2].1["workerName"], "emulator-llm-1");
    let tokens = frames.iter().filter(|(k, _)| k == "jobTokens").count();
    assert!(tokens > 5, "one frame per token ({tokens})");
    assert_eq!(frames[4].1["role"], "assistant");
    let m = merge(&frames);
    assert_eq!(
        m.content,
        "You said: \"Hello there\". That is 2 words and 11 characters."
    );
    assert_eq!(m.finish.as_deref(), Some("stop"));
    let (_, result) = frames.last().unwrap();
    assert_eq!(result["usage"], m.usage.unwrap());
    assert_eq!(
        result["usage"]["completion_tokens"].as_u64().unwrap() as usize,
        tokens - 1
    );
    assert!(result["timeTaken"].as_f64().unwrap() > 0.0);
    for k in ["costInUSD", "costInToken", "costInSogni", "costInSpark"] {
        assert!(
            result["cost"][k].as_str().unwrap().parse::<f64>().unwrap() > 0.0,
            "{k}"
        );
    }
    assert_eq!(
        result["cost"]["outputTokens"],
        result["usage"]["completion_tokens"]
    );
    // Billed in SOGNI (the SDK's default token) after settlement.
    let (_, after) = get(&emu, "/v4/account/balance", Some(API_KEY)).await;
    assert!(sogni(&after["data"]) < sogni(&before["data"]));
}

#[tokio::test]
async fn a_non_streamed_chat_gets_the_whole_answer_in_one_frame() {
    let emu = start().await;
    let mut ws = chat_socket(&emu, "chat-whole").await;
    let mut req = chat(&uuid(), "one two three");
    req["stream"] = json!(false);
    let frames = run(&mut ws, req).await;
    let tokens: Vec<&Value> = frames
        .iter()
        .filter(|(k, _)| k == "jobTokens")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["finishReason"], "stop");
    assert!(tokens[0]["content"]
        .as_str()
        .unwrap()
        .starts_with("You said: \"one two three\""));
}

#[tokio::test]
async fn thinking_comes_first_and_max_tokens_cuts_the_answer() {
    let emu = start().await;
    let mut ws = chat_socket(&emu, "chat-think").await;
    let mut req = chat(&uuid(), "Explain the tides");
    req["chat_template_kwargs"] = json!({"enable_thinking": true});
    let m = merge(&run(&mut ws, req.clone()).await);
    let (think, rest) = m.content.split_once("</think>\n\n").unwrap();
    assert!(think.starts_with("<think>\nThe user wrote 3 words."));
    assert!(rest.starts_with("You said: \"Explain the tides\""));
    req["jobID"] = json!(uuid());
    req["max_tokens"] = json!(4);
    let frames = run(&mut ws, req).await;
    let m = merge(&frames);
    assert_eq!(m.finish.as_deref(), Some("length"));
    assert_eq!(frames.last().unwrap().1["usage"]["completion_tokens"], 4);
}

fn weather_tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
         "parameters": {"type": "object", "properties": {
            "location": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 7}},
          "required": ["location", "unit", "days"]}}},
        {"type": "function", "function": {"name": "get_time",
         "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}}}
    ])
}

#[tokio::test]
async fn tool_calls_stream_as_deltas_by_index_and_tool_results_are_answered() {
    let emu = start().await;
    let mut ws = chat_socket(&emu, "chat-tools").await;
    let mut req = chat(&uuid(), "Use get_weather and get_time for \"Austin\"");
    req["tools"] = weather_tools();
    let frames = run(&mut ws, req.clone()).await;
    // Each call's arguments arrive over several frames.
    let arg_frames = frames
        .iter()
        .filter(|(_, d)| d["tool_calls"][0]["index"] == 0 && d["tool_calls"][0]["id"].is_null())
        .count();
    assert!(arg_frames > 3, "{arg_frames}");
    let m = merge(&frames);
    assert_eq!(m.finish.as_deref(), Some("tool_calls"));
    assert_eq!(m.content, "");
    assert_eq!(m.calls.len(), 2);
    let (id0, name0, args0) = &m.calls[&0];
    assert!(id0.starts_with("call_"));
    assert_eq!(name0, "get_weather");
    let args: Value = serde_json::from_str(args0).unwrap();
    assert_eq!(
        args,
        json!({"location": "Austin", "unit": "celsius", "days": 1})
    );
    assert_eq!(m.calls[&1].1, "get_time");

    // Round two: the tool's answer comes back.
    let mut messages = req["messages"].as_array().unwrap().clone();
    messages.push(json!({"role": "assistant", "content": null, "tool_calls": [
        {"id": id0, "type": "function", "function": {"name": name0, "arguments": args0}}]}));
    messages.push(json!({"role": "tool", "tool_call_id": id0, "content": "22 C and sunny"}));
    req["messages"] = json!(messages);
    req["jobID"] = json!(uuid());
    let m = merge(&run(&mut ws, req).await);
    assert_eq!(m.finish.as_deref(), Some("stop"));
    assert_eq!(
        m.content,
        "Here is what the tools returned. get_weather returned: 22 C and sunny."
    );
}

#[tokio::test]
async fn json_schema_output_satisfies_the_schema() {
    let emu = start().await;
    let mut ws = chat_socket(&emu, "chat-json").await;
    let mut req = chat(&uuid(), "Return a two-item todo list as JSON.");
    req["response_format"] = json!({"type": "json_schema", "json_schema": {"name": "todo", "strict": true, "schema": {
        "type": "object", "additionalProperties": false, "required": ["items"],
        "properties": {"items": {"type": "array", "minItems": 2, "items": {"type": "object",
            "additionalProperties": false, "required": ["title", "priority"],
            "properties": {"title": {"type": "string"}, "priority": {"type": "string", "enum": ["low", "medium", "high"]}}}}}}}});
    let m = merge(&run(&mut ws, req).await);
    let v: Value = serde_json::from_str(&m.content).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert_eq!(v["items"][1]["priority"], "low");
    assert!(v["items"][0]["title"].is_string());
    let mut req = chat(&uuid(), "anything");
    req["response_format"] = json!({"type": "json_object"});
    let m = merge(&run(&mut ws, req).await);
    let v: Value = serde_json::from_str(&m.content).unwrap();
    assert_eq!(v["words"], 1);
}

#[tokio::test]
async fn vision_images_are_decoded_and_described() {
    let emu = start().await;
    let mut ws = chat_socket(&emu, "chat-vision").await;
    let mut req = chat(&uuid(), "");
    req["messages"] = json!([{"role": "user", "content": [
        {"type": "text", "text": "What do you see?"},
        {"type": "image_url", "image_url": {"url": data_uri("image/png", &png(64, 48, [220, 30, 30]))}},
        {"type": "image_url", "image_url": {"url": data_uri("image/png", &png(20, 30, [30, 60, 220])), "detail": "low"}}
    ]}]);
    let m = merge(&run(&mut ws, req).await);
    assert!(
        m.content
            .ends_with("I received 2 images: 1) PNG 64×48, mostly red; 2) PNG 20×30, mostly blue."),
        "{}",
        m.content
    );
}

#[tokio::test]
async fn bad_requests_get_llm_job_errors() {
    let emu = start().await;
    let mut ws = chat_socket(&emu, "chat-errors").await;
    let error = |frames: Vec<(String, Value)>| {
        assert_eq!(frames.len(), 1, "{frames:?}");
        assert_eq!(frames[0].0, "llmJobError");
        frames[0].1.clone()
    };
    let mut req = chat(&uuid(), "hi");
    req["model"] = json!("no-such-model");
    let e = error(run(&mut ws, req).await);
    assert_eq!(e["error"], "model_unavailable");
    assert!(e["error_message"]
        .as_str()
        .unwrap()
        .contains("no-such-model"));
    assert!(e.get("error_code").is_none());

    let mut req = chat(&uuid(), "hi");
    req["messages"] = json!([]);
    assert_eq!(error(run(&mut ws, req).await)["error"], "invalid_request");

    let part = json!({"type": "image_url", "image_url": {"url": data_uri("image/png", &png(4, 4, [0, 0, 0]))}});
    let mut req = chat(&uuid(), "");
    req["messages"] = json!([{"role": "user", "content": vec![part; 21]}]);
    let e = error(run(&mut ws, req).await);
    assert!(e["error_message"]
        .as_str()
        .unwrap()
        .contains("maximum of 20"));

    for (url, why) in [
        (
            data_uri("image/png", &png(1025, 8, [0, 0, 0])),
            "longest side",
        ),
        (data_uri("image/gif", b"GIF89a"), "JPEG or PNG"),
        ("https://example.com/cat.png".to_string(), "remote URLs"),
    ] {
        let mut req = chat(&uuid(), "");
        req["messages"] = json!([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}]);
        let e = error(run(&mut ws, req).await);
        assert_eq!(e["error"], "invalid_request");
        assert!(e["error_message"].as_str().unwrap().contains(why), "{e}");
    }

    let mut req = chat(&uuid(), "hi");
    req["billingMode"] = json!("subscription");
    let e = error(run(&mut ws, req).await);
    assert_eq!(
        (e["error"].as_str(), e["error_code"].as_str()),
        (Some("subscription_unavailable"), Some("4078"))
    );
}

#[tokio::test]
async fn an_empty_wallet_gets_insufficient_balance() {
    sogni_emulator::log::set_quiet(true);
    let config = EmulatorConfig {
        users: vec![UserConfig {
            username: "broke".into(),
            password: "pw".into(),
            email: None,
            api_keys: vec!["broke-key".into()],
            spark: 0.0,
            sogni: 0.0,
        }],
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(config, Catalog::builtin(), 0)
        .await
        .unwrap();
    let mut ws = connect_key(&emu, "broke", "broke-key").await;
    ws.greeting().await;
    let frames = run(&mut ws, chat(&uuid(), "hi")).await;
    assert_eq!(frames[0].1["error"], "insufficient_balance");
}

#[tokio::test]
async fn a_job_survives_a_reconnect_of_its_app() {
    sogni_emulator::log::set_quiet(true);
    let config = EmulatorConfig {
        timing: TimingConfig {
            queue_ms: 5,
            init_ms: 5,
            token_ms: 40,
            ..TimingConfig::default()
        },
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(config, Catalog::builtin(), 0)
        .await
        .unwrap();
    let mut ws = chat_socket(&emu, "chat-reconnect").await;
    let job = uuid().to_uppercase();
    ws.send("llmJobRequest", chat(&job, "a b c d e f g h i j k l"))
        .await;
    let (first, _) = ws.until("jobTokens").await;
    ws.close(1001).await;
    drop(ws);
    let mut ws = connect_key(&emu, "chat-reconnect", API_KEY).await;
    let (auth, _) = ws.until("authenticated").await;
    assert_eq!(auth["activeLLMJobIDs"], json!([job]));
    let mut frames = vec![("jobTokens".to_string(), first)];
    loop {
        let (k, d) = ws.event().await;
        if d["jobID"] != job.as_str() {
            continue;
        }
        let end = k == "llmJobResult";
        frames.push((k, d));
        if end {
            break;
        }
    }
    let m = merge(&frames);
    assert!(
        m.content
            .starts_with("You said: \"a b c d e f g h i j k l\""),
        "{}",
        m.content
    );
    assert_eq!(m.finish.as_deref(), Some("stop"));
    assert!(emu
        .state
        .chat
        .active_job_ids(auth["address"].as_str().unwrap(), "chat-reconnect")
        .is_empty());
}

#[tokio::test]
async fn the_llm_estimate_uses_numbers() {
    let emu = start().await;
    let (status, body) = get(
        &emu,
        &format!("/api/v1/job-llm/estimate/spark/{MODEL}/100/4096"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["request"]["tokenType"], "spark");
    assert_eq!(body["quote"]["inputTokens"], 100);
    assert_eq!(body["quote"]["outputTokens"], 4096);
    assert!(body["quote"]["costInSpark"].as_f64().unwrap() > 0.0);
    assert_eq!(body["quote"]["costInToken"], body["quote"]["costInSpark"]);
    let (status, _) = get(&emu, "/api/v1/job-llm/estimate/spark/nope/1/1", None).await;
    assert_eq!(status, 404);
    let (status, _) = get(
        &emu,
        &format!("/api/v1/job-llm/estimate/spark/{MODEL}/x/1"),
        None,
    )
    .await;
    assert_eq!(status, 400);
}

// ---- hosted REST ----

async fn hosted(emu: &Emulator, key: &str, body: Value) -> (u16, Value) {
    post(emu, "/v1/chat/completions", &[("api-key", key)], body).await
}

#[tokio::test]
async fn hosted_chat_answers_with_a_flat_openai_completion() {
    let emu = start().await;
    let (status, body) = hosted(
        &emu,
        API_KEY,
        json!({"model": MODEL, "messages": [{"role": "user", "content": "Write one caption."}], "token_type": "spark"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["object"], "chat.completion");
    assert!(body["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["choices"][0]["message"]["role"], "assistant");
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert!(body["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
        .starts_with("You said: \"Write one caption.\""));
    let u = &body["usage"];
    assert_eq!(
        u["total_tokens"].as_u64(),
        Some(u["prompt_tokens"].as_u64().unwrap() + u["completion_tokens"].as_u64().unwrap())
    );
    // Tools come back as tool_calls without sogni_tool_execution.
    let (_, body) = hosted(
        &emu,
        API_KEY,
        json!({"model": MODEL, "messages": [{"role": "user", "content": "call get_time for 'UTC'"}], "tools": weather_tools()}),
    )
    .await;
    assert_eq!(body["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(body["choices"][0]["message"]["content"], Value::Null);
    assert_eq!(
        body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        r#"{"zone":"UTC"}"#
    );
}

#[tokio::test]
async fn hosted_errors_use_the_openai_error_shape() {
    let emu = start().await;
    let (status, body) = hosted(
        &emu,
        API_KEY,
        json!({"model": "nope", "messages": [{"role": "user", "content": "x"}]}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["type"], "model_unavailable");
    let (status, body) = hosted(&emu, API_KEY, json!({"model": MODEL, "messages": [], })).await;
    assert_eq!(
        (status, body["error"]["type"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = hosted(
        &emu,
        API_KEY,
        json!({"model": MODEL, "messages": [{"role": "user", "content": "x"}], "billingMode": "subscription"}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (402, Some("4078"))
    );
    let (status, body) = hosted(&emu, "wrong", json!({})).await;
    assert_eq!((status, body["status"].as_str()), (401, Some("error")));
}

#[tokio::test]
async fn hosted_chat_runs_sogni_tools_server_side() {
    let emu = start().await;
    let (status, body) = hosted(
        &emu,
        API_KEY,
        json!({"model": MODEL, "sogni_tools": true, "sogni_tool_execution": true, "token_type": "spark",
               "messages": [{"role": "user", "content": "Generate an image of \"a lighthouse at dusk\""}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let results = body["sogni_tool_results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["tool"], "generate_image");
    assert_eq!(results[0]["result"]["prompt"], "a lighthouse at dusk");
    let url = results[0]["result"]["urls"][0].as_str().unwrap();
    let content = body["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(content.contains(url), "{content}");
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    let bytes = http().get(url).send().await.unwrap().bytes().await.unwrap();
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (512, 512));
}

#[tokio::test]
async fn hosted_stream_true_answers_with_openai_server_sent_events() {
    let emu = start().await;
    let res = http()
        .post(format!("{}/v1/chat/completions", emu.rest_url()))
        .header("api-key", API_KEY)
        .json(&json!({"model": MODEL, "stream": true, "messages": [{"role": "user", "content": "Hi"}]}))
        .send()
        .await
        .unwrap();
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let text = res.text().await.unwrap();
    let datas: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    assert_eq!(datas.last(), Some(&"[DONE]"));
    let mut content = String::new();
    for d in &datas[..datas.len() - 1] {
        let v: Value = serde_json::from_str(d).unwrap();
        assert_eq!(v["object"], "chat.completion.chunk");
        content.push_str(v["choices"][0]["delta"]["content"].as_str().unwrap_or(""));
    }
    assert!(content.starts_with("You said: \"Hi\""));
}

// ---- hosted tools ----

async fn execute(emu: &Emulator, body: Value) -> (u16, Value) {
    post(
        emu,
        "/v1/creative-agent/tools/execute",
        &[("api-key", API_KEY)],
        body,
    )
    .await
}

#[tokio::test]
async fn tools_execute_composes_text_and_renders_media() {
    let emu = start().await;
    let (status, body) = execute(
        &emu,
        json!({"tool": "compose_lyrics", "arguments": {"prompt": "rain on a tin roof"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "success");
    assert_eq!(body["data"]["tool"], "compose_lyrics");
    assert!(body["data"]["toolCallId"]
        .as_str()
        .unwrap()
        .starts_with("call_"));
    assert!(body["data"]["result"]["lyrics"]
        .as_str()
        .unwrap()
        .contains("[Chorus]"));

    let (status, body) = execute(&emu, json!({"tool": "generate_image", "token_type": "spark",
        "arguments": {"prompt": "a red barn", "width": 320, "height": 256, "numberOfVariations": 2, "outputFormat": "jpg"}})).await;
    assert_eq!(status, 200, "{body}");
    let urls = body["data"]["result"]["urls"].as_array().unwrap();
    assert_eq!(urls.len(), 2);
    for url in urls {
        let res = http().get(url.as_str().unwrap()).send().await.unwrap();
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        let img = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
        assert_eq!((img.width(), img.height()), (320, 256));
    }
    assert_eq!(body["data"]["result"]["cost"]["tokenType"], "spark");

    let (status, body) = execute(&emu, json!({"tool": "generate_music", "arguments": {"prompt": "calm piano", "duration": 2, "outputFormat": "wav"}})).await;
    assert_eq!(status, 200, "{body}");
    let url = body["data"]["result"]["urls"][0].as_str().unwrap();
    let bytes = http().get(url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(&bytes[..4], b"RIFF");

    let (status, body) = execute(
        &emu,
        json!({"tool": "generate_image", "arguments": {"width": 5}}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid generate_image arguments"),
        "{body}"
    );
    let (status, _) = execute(&emu, json!({"tool": "no_such_tool", "arguments": {}})).await;
    assert_eq!(status, 400);
    let (status, _) = post(
        &emu,
        "/v1/creative-agent/tools/execute",
        &[],
        json!({"tool": "compose_lyrics"}),
    )
    .await;
    assert_eq!(status, 401);
}

// ---- durable runs ----

async fn create_run(emu: &Emulator, headers: &[(&str, &str)], body: Value) -> (u16, Value) {
    post(emu, "/v1/chat/runs", headers, body).await
}

/// Reads the SSE stream of a run until the server closes it: (events, raw text).
async fn stream(emu: &Emulator, key: &str, run: &str, last: Option<u64>) -> (Vec<Value>, String) {
    let mut req = http()
        .get(format!(
            "{}/v1/chat/runs/{run}/events/stream",
            emu.rest_url()
        ))
        .header("api-key", key)
        .header("accept", "text/event-stream");
    if let Some(n) = last {
        req = req.header("last-event-id", n.to_string());
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = tokio::time::timeout(std::time::Duration::from_secs(10), res.text())
        .await
        .expect("the stream ends with the run")
        .unwrap();
    let events = text
        .split("\n\n")
        .filter(|f| !f.contains("event: run_status"))
        .filter_map(|f| f.lines().find_map(|l| l.strip_prefix("data: ")))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    (events, text)
}

#[tokio::test]
async fn a_run_completes_and_its_events_replay_from_last_event_id() {
    let emu = start().await;
    let (status, body) = create_run(
        &emu,
        &[("api-key", API_KEY)],
        json!({
        "messages": [{"role": "user", "content": "Plan a 3-shot product video."}],
        "model": MODEL, "token_type": "spark", "session_id": "s1"}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let run = &body["data"]["run"];
    let id = run["runId"].as_str().unwrap();
    assert_eq!(run["status"], "queued");
    assert_eq!(run["request"]["sessionId"], "s1");
    assert_eq!(run["scope"]["tokenType"], "spark");

    let (events, raw) = stream(&emu, API_KEY, id, None).await;
    assert!(raw.starts_with("event: run_status\n"), "{raw}");
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types[..4],
        [
            "run_created",
            "run_queued",
            "run_started",
            "llm_round_started"
        ]
    );
    assert_eq!(types.last(), Some(&"run_completed"));
    assert!(types.contains(&"assistant_message_delta"));
    let seqs: Vec<u64> = events
        .iter()
        .map(|e| e["sequence"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let text: String = events
        .iter()
        .filter(|e| e["type"] == "assistant_message_delta")
        .map(|e| e["payload"]["delta"].as_str().unwrap())
        .collect();
    assert!(text.starts_with("You said: \"Plan a 3-shot product video.\""));

    // Replay resumes after the given sequence.
    let (replay, _) = stream(&emu, API_KEY, id, Some(seqs[seqs.len() - 3])).await;
    assert_eq!(replay.len(), 2);
    assert_eq!(replay[1]["type"], "run_completed");

    let (status, body) = get(&emu, &format!("/v1/chat/runs/{id}"), Some(API_KEY)).await;
    assert_eq!(status, 200);
    let run = &body["data"]["run"];
    assert_eq!(run["status"], "completed");
    assert_eq!(run["finalResponse"]["content"], text);
    assert_eq!(run["events"].as_array().unwrap().len(), seqs.len());
    assert!(run["timestamps"]["completedAt"].is_string());
    // Cancelling a finished run is refused.
    let (status, _) = post(
        &emu,
        &format!("/v1/chat/runs/{id}/cancel"),
        &[("api-key", API_KEY)],
        json!({}),
    )
    .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn runs_are_owner_scoped_idempotent_and_refuse_inline_media() {
    let emu = start().await;
    let headers = [("api-key", API_KEY), ("idempotency-key", "k-1")];
    let body = json!({"messages": [{"role": "user", "content": "hi"}]});
    let (_, first) = create_run(&emu, &headers, body.clone()).await;
    let id = first["data"]["run"]["runId"].as_str().unwrap();
    let (status, again) = create_run(&emu, &headers, body.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(again["data"]["run"]["runId"], id);
    assert_eq!(again["data"]["idempotent"], true);
    // The same key from another account is another run.
    let (_, other) = create_run(
        &emu,
        &[("api-key", OTHER_KEY), ("idempotency-key", "k-1")],
        body,
    )
    .await;
    assert_ne!(other["data"]["run"]["runId"], id);

    for (method, path) in [
        ("GET", format!("/v1/chat/runs/{id}")),
        ("POST", format!("/v1/chat/runs/{id}/cancel")),
        ("GET", format!("/v1/chat/runs/{id}/events/stream")),
        ("POST", format!("/v1/chat/runs/{id}/confirm-cost")),
    ] {
        let url = format!("{}{path}", emu.rest_url());
        let req = if method == "GET" {
            http().get(url)
        } else {
            http().post(url).json(&json!({}))
        };
        let res = req.header("api-key", OTHER_KEY).send().await.unwrap();
        assert_eq!(res.status(), 404, "{method} {path}");
    }
    let (status, body) = create_run(
        &emu,
        &[("api-key", API_KEY)],
        json!({"messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("messages[0].content[0].image_url.url"));
    let (status, _) = create_run(&emu, &[("api-key", API_KEY)], json!({"messages": []})).await;
    assert_eq!(status, 400);
}

async fn wait_status(emu: &Emulator, id: &str, status: &str) -> Value {
    for _ in 0..400 {
        let (_, body) = get(emu, &format!("/v1/chat/runs/{id}"), Some(API_KEY)).await;
        if body["data"]["run"]["status"] == status {
            return body["data"]["run"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("run {id} never reached {status}");
}

#[tokio::test]
async fn a_paid_tool_pauses_for_cost_approval_and_runs_once_confirmed() {
    let emu = start().await;
    let (_, body) = create_run(
        &emu,
        &[("api-key", API_KEY)],
        json!({
        "messages": [{"role": "user", "content": "Generate an image of \"a paper boat\""}],
        "token_type": "spark", "runtime_config": {"requireJobConfirmation": true}}),
    )
    .await;
    let id = body["data"]["run"]["runId"].as_str().unwrap().to_string();
    let run = wait_status(&emu, &id, "waiting_for_user").await;
    assert_eq!(run["waiting"]["reason"], "cost_approval_required");
    let details = &run["waiting"]["details"];
    let call = details["toolCallId"].as_str().unwrap();
    let preview = details["costApprovalPreview"].clone();
    assert!(preview["totalEstimatedCapacityUnits"].as_f64().unwrap() > 0.0);
    assert_eq!(preview["tokenType"], "spark");
    assert_eq!(preview["perToolBreakdown"][0]["toolName"], "generate_image");

    let confirm = |body: Value| {
        let emu = &emu;
        let id = id.clone();
        async move {
            post(
                emu,
                &format!("/v1/chat/runs/{id}/confirm-cost"),
                &[("api-key", API_KEY), ("idempotency-key", "c-1")],
                body,
            )
            .await
        }
    };
    let (status, _) = post(
        &emu,
        &format!("/v1/chat/runs/{id}/confirm-cost"),
        &[("api-key", API_KEY)],
        json!({"tool_call_id": call, "decision": "confirm"}),
    )
    .await;
    assert_eq!(status, 400, "a confirm needs the preview");
    let (status, _) = post(
        &emu,
        &format!("/v1/chat/runs/{id}/confirm-cost"),
        &[("api-key", API_KEY)],
        json!({"tool_call_id": "call_other", "decision": "cancel"}),
    )
    .await;
    assert_eq!(status, 400, "wrong tool call");
    let mut stale = preview.clone();
    stale["totalEstimatedCapacityUnits"] = json!(0.000001);
    let (status, _) = post(
        &emu,
        &format!("/v1/chat/runs/{id}/confirm-cost"),
        &[("api-key", API_KEY)],
        json!({"tool_call_id": call, "decision": "confirm", "acceptedCostPreview": stale}),
    )
    .await;
    assert_eq!(status, 409, "stale preview");

    let (status, body) = confirm(
        json!({"tool_call_id": call, "decision": "confirm", "acceptedCostPreview": preview}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["run"]["status"], "running");
    // The same Idempotency-Key again is a no-op, not a 409.
    let (status, _) = confirm(
        json!({"tool_call_id": call, "decision": "confirm", "acceptedCostPreview": preview}),
    )
    .await;
    assert_eq!(status, 200);

    let run = wait_status(&emu, &id, "completed").await;
    let artifacts = run["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 1);
    let url = artifacts[0]["url"].as_str().unwrap();
    assert_eq!(run["mediaContext"]["images"], json!([url]));
    assert!(run["finalResponse"]["content"]
        .as_str()
        .unwrap()
        .contains(url));
    let types: Vec<&str> = run["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for t in [
        "tool_call_proposed",
        "run_awaiting_cost_confirmation",
        "run_waiting_for_user",
        "run_cost_confirmation_resolved",
        "run_resumed",
        "tool_call_dispatched",
        "artifact_created",
        "tool_call_resolved",
        "assistant_message_completed",
        "run_completed",
    ] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
    let img =
        image::load_from_memory(&http().get(url).send().await.unwrap().bytes().await.unwrap())
            .unwrap();
    assert_eq!(img.width(), 512);
}

#[tokio::test]
async fn a_waiting_run_can_be_cancelled() {
    let emu = start().await;
    let (_, body) = create_run(&emu, &[("api-key", API_KEY)], json!({
        "messages": [{"role": "user", "content": "make a video of waves"}], "max_estimated_capacity_units": 0.0001})).await;
    let id = body["data"]["run"]["runId"].as_str().unwrap().to_string();
    wait_status(&emu, &id, "waiting_for_user").await;
    let (status, body) = post(
        &emu,
        &format!("/v1/chat/runs/{id}/cancel"),
        &[("api-key", API_KEY)],
        json!({"reason": "changed my mind"}),
    )
    .await;
    assert_eq!(status, 200);
    let run = &body["data"]["run"];
    assert_eq!(run["status"], "cancelled");
    assert_eq!(run["cancellationReason"], "changed my mind");
    assert_eq!(
        run["events"].as_array().unwrap().last().unwrap()["type"],
        "run_cancelled"
    );
    // The stream of a finished run replays and closes.
    let (events, _) = stream(&emu, API_KEY, &id, None).await;
    assert_eq!(events.last().unwrap()["type"], "run_cancelled");
    assert_eq!(events.last().unwrap()["terminal"], true);
}
