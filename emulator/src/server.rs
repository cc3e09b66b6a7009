//! The router and the listener.

use crate::catalog::Catalog;
use crate::config::EmulatorConfig;
use crate::http::{account, error, media, projects, socket_host};
use crate::state::AppState;
use crate::ws::connection;
use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

/// Builds the router serving both hosts and storage on one origin.
pub fn router(state: Arc<AppState>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods(AllowMethods::mirror_request())
        .allow_headers(AllowHeaders::mirror_request())
        .allow_credentials(true);
    let json_limit = state.config.max_request_bytes;
    let storage = Router::new()
        .route(
            "/storage/{*key}",
            get(media::storage_get).put(media::storage_put),
        )
        .layer(DefaultBodyLimit::max(state.config.max_upload_bytes));
    Router::new()
        // socket host: WebSocket and plain JSON
        .route("/", get(connection::upgrade))
        .route("/api/v1/models/list", get(socket_host::models))
        .route("/api/v2/models/tiers", get(socket_host::tiers))
        .route(
            "/api/v1/job-video/estimate/{*rest}",
            get(socket_host::video_estimate),
        )
        .route(
            "/api/v1/job-audio/estimate/{*rest}",
            get(socket_host::audio_estimate),
        )
        .route(
            "/api/v1/size-presets/network/{network}/model/{model}",
            get(socket_host::size_presets),
        )
        .route(
            "/api/v1/status/network/{network}/models",
            get(socket_host::worker_counts),
        )
        .route(
            "/api/v2/job/estimate/{*rest}",
            get(socket_host::image_estimate),
        )
        .route(
            "/api/v3/job/estimate/{*rest}",
            get(socket_host::image_estimate),
        )
        .route(
            "/api/v1/artist/projects/active",
            get(socket_host::active_projects),
        )
        .route(
            "/api/v1/artist/projects/sync",
            get(socket_host::sync_projects),
        )
        // API host
        .route("/v1/account/nonce", post(account::nonce))
        .route("/v1/account/login", post(account::login))
        .route("/v1/account/refresh-token", post(account::refresh))
        .route("/v1/account/logout", post(account::logout))
        .route("/v1/account/me", get(account::me))
        .route("/v4/account/balance", get(account::balance))
        .route(
            "/v1/subscriptions/status",
            get(account::subscription_status),
        )
        .route("/v1/image/uploadUrl", get(media::image_upload_url))
        .route("/v1/media/uploadUrl", get(media::media_upload_url))
        .route("/v1/image/downloadUrl", get(media::image_download_url))
        .route("/v1/media/downloadUrl", get(media::media_download_url))
        .route("/v1/projects/{id}", get(projects::record))
        .route("/v2/projects/{id}", get(projects::status))
        // the emulator's own
        .route(
            "/emulator/health",
            get(|| async { Json(json!({"ok": true})) }),
        )
        .route("/emulator/stats", get(stats))
        .route("/emulator/requests", get(requests))
        .merge(crate::chat::routes())
        .merge(crate::surface::routes())
        .merge(crate::faults::routes())
        .layer(DefaultBodyLimit::max(json_limit))
        .merge(storage)
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::request_log::record,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::faults::http,
        ))
        .layer(cors)
        .with_state(state)
}

async fn stats(State(state): State<Arc<AppState>>) -> Json<Value> {
    let c = &state.counters;
    Json(json!({
        "jobRequests": c.job_requests.load(Ordering::Relaxed),
        "llmJobRequests": c.llm_job_requests.load(Ordering::Relaxed),
        "connections": c.connections.load(Ordering::Relaxed),
        "malformedFrames": c.malformed_frames.load(Ordering::Relaxed),
        "uploads": c.uploads.load(Ordering::Relaxed),
        "projects": state.projects.len(),
    }))
}

/// `GET /emulator/requests?appId=…`: the `jobRequest`s that app sent and their uploads;
/// with `&http`, also every HTTP request that reached a route (`http: [{method, path}]`).
async fn requests(
    State(state): State<Arc<AppState>>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Json<Value> {
    let app_id = q.get("appId").map(String::as_str).unwrap_or("");
    let mut log = state.requests.for_app(app_id);
    if q.contains_key("http") {
        log["http"] = state.requests.http_requests();
    }
    Json(log)
}

/// A running emulator.
#[derive(Debug)]
pub struct Emulator {
    /// The bound address (always loopback).
    pub addr: SocketAddr,
    /// Shared state, for tests that look inside.
    pub state: Arc<AppState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Emulator {
    /// Binds `127.0.0.1:port` (0 picks a free port) and starts serving.
    pub async fn start(
        config: EmulatorConfig,
        catalog: Catalog,
        port: u16,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let state = AppState::new(config, catalog);
        let _ = state.base_url.set(format!("http://{addr}"));
        let app = router(state.clone());
        // Opt-in TCP_NODELAY (`SOGNI_EMULATOR_NODELAY=1`, set by `cargo xtask bench`): without
        // it Nagle holds a small frame sent right after another until the client's delayed ACK
        // (~40 ms), e.g. `jobResult`. Off by default: the tests' timings assume the old pacing.
        use axum::serve::ListenerExt as _;
        let nodelay = std::env::var_os("SOGNI_EMULATOR_NODELAY").is_some_and(|v| v == "1");
        let listener = listener.tap_io(move |tcp| {
            if nodelay {
                let _ = tcp.set_nodelay(true);
            }
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            state,
            shutdown: Some(tx),
            task,
        })
    }

    /// `http://127.0.0.1:PORT`: the API host (`restEndpoint`).
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT`: the socket host (`socketEndpoint`).
    pub fn socket_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Waits until the server stops (it runs until [`Emulator::stop`] or the process ends).
    pub async fn wait(mut self) {
        let task = std::mem::replace(&mut self.task, tokio::spawn(async {}));
        let _ = task.await;
    }

    /// Stops serving.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}
