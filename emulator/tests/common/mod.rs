//! Helpers for the emulator's integration tests: a fast emulator on a free loopback port,
//! a WebSocket client that speaks the envelope, and REST calls.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sogni_emulator::catalog::Catalog;
use sogni_emulator::config::TimingConfig;
use sogni_emulator::{Emulator, EmulatorConfig};
use sogni_wasm::protocol::envelope::{self, Envelope};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const API_KEY: &str = "demo-api-key";
pub const OTHER_KEY: &str = "other-api-key";

/// An emulator with millisecond timing, quiet logs.
pub async fn start() -> Emulator {
    sogni_emulator::log::set_quiet(true);
    let config = EmulatorConfig {
        timing: TimingConfig {
            queue_ms: 5,
            init_ms: 5,
            step_ms: 5,
            max_job_ms: 200,
            complete_ms: 5,
            token_ms: 1,
        },
        ..EmulatorConfig::default()
    };
    Emulator::start(config, Catalog::builtin(), 0)
        .await
        .expect("bind loopback")
}

pub struct Ws {
    inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What the server did next.
#[derive(Debug)]
pub enum Next {
    Event(String, Value),
    Closed(Option<(u16, String)>),
}

pub async fn connect(emu: &Emulator, query: &str, headers: &[(&str, &str)]) -> Ws {
    let url = format!("{}/?{query}", emu.socket_url());
    let mut req = url.into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    let (inner, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("upgrade");
    Ws { inner }
}

pub async fn connect_key(emu: &Emulator, app_id: &str, key: &str) -> Ws {
    connect(
        emu,
        &format!("appId={app_id}&clientType=artist&forceWorkerId=fast"),
        &[("api-key", key)],
    )
    .await
}

impl Ws {
    pub async fn send(&mut self, kind: &str, data: Value) {
        self.inner
            .send(Message::Text(envelope::encode(kind, &data).into()))
            .await
            .unwrap();
    }

    pub async fn close(&mut self, code: u16) {
        let frame = CloseFrame {
            code: code.into(),
            reason: "".into(),
        };
        self.inner.send(Message::Close(Some(frame))).await.unwrap();
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.inner
            .send(Message::Text(text.to_string().into()))
            .await
            .unwrap();
    }

    /// The next event or close, within 5 s. Server frames must be binary envelopes.
    pub async fn next(&mut self) -> Next {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), self.inner.next())
                .await
                .expect("server said nothing for 5 s");
            match msg {
                Some(Ok(Message::Binary(b))) => {
                    let e = Envelope::decode(&b).expect("server frames decode");
                    return Next::Event(e.kind, e.data);
                }
                Some(Ok(Message::Text(t))) => panic!("server sent a text frame: {t}"),
                Some(Ok(Message::Close(frame))) => {
                    return Next::Closed(
                        frame.map(|CloseFrame { code, reason }| {
                            (u16::from(code), reason.to_string())
                        }),
                    )
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Next::Closed(None),
            }
        }
    }

    pub async fn event(&mut self) -> (String, Value) {
        match self.next().await {
            Next::Event(k, d) => (k, d),
            Next::Closed(c) => panic!("closed: {c:?}"),
        }
    }

    /// Skips events until one of type `kind` (returns it and the skipped ones).
    pub async fn until(&mut self, kind: &str) -> (Value, Vec<(String, Value)>) {
        let mut seen = Vec::new();
        loop {
            let (k, d) = self.event().await;
            if k == kind {
                return (d, seen);
            }
            seen.push((k, d));
        }
    }

    /// Reads the opening frames (authenticated, swarmModels, swarmLLMModels, balanceUpdate).
    pub async fn greeting(&mut self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for _ in 0..4 {
            out.push(self.event().await);
        }
        out
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

pub async fn get(emu: &Emulator, path: &str, key: Option<&str>) -> (u16, Value) {
    let mut req = http().get(format!("{}{path}", emu.rest_url()));
    if let Some(k) = key {
        req = req.header("api-key", k);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub async fn post(
    emu: &Emulator,
    path: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> (u16, Value) {
    let mut req = http().post(format!("{}{path}", emu.rest_url())).json(&body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A jobRequest shaped like the official SDK's, for flux schnell.
pub fn job_request(project_id: &str, prompt: &str, count: u32, steps: u32) -> Value {
    json!({
        "selectedUpscalingModel": "OFF",
        "keyFrames": [{
            "modelID": "flux1-schnell-fp8", "positivePrompt": prompt, "negativePrompt": "", "stylePrompt": "",
            "steps": steps, "guidanceScale": 1, "sizePreset": "custom", "width": 256, "height": 192,
            "strength": 0.5
        }],
        "previews": 0, "frameRate": 24, "generatedVideoSeconds": 10, "disableSafety": false,
        "numberOfImages": count, "jobID": project_id, "outputFormat": "png"
    })
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}
