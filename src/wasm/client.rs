//! `SogniClient`: configuration, credentials, the socket's life (connect, wait for
//! `authenticated`, reconnect with backoff) and event dispatch.

use super::emitter::Emitter;
use super::errors::to_js;
use super::glue::{self, now_ms};
use super::rest::{Credentials, Rest};
use super::socket::{SocketConn, SocketEvent};
use crate::backoff::{close_clears_auth, close_is_terminal, reconnect_delay_ms};
use crate::protocol::envelope::Envelope;
use crate::Error;
use serde::Deserialize;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};

/// The package version, sent in `clientName`.
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// How long a send waits for the socket to be authenticated.
const SEND_WAIT_MS: f64 = 30_000.0;

/// `SogniClient.createInstance` options (the official keys).
#[derive(Debug, Clone, Deserialize, tsify::Tsify)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClientConfig {
    #[serde(default)]
    pub(crate) app_id: Option<String>,
    #[serde(default)]
    pub(crate) network: Option<String>,
    #[serde(default)]
    pub(crate) api_key: Option<String>,
    #[serde(default)]
    pub(crate) auth_type: Option<String>,
    #[serde(default)]
    pub(crate) rest_endpoint: Option<String>,
    #[serde(default)]
    pub(crate) socket_endpoint: Option<String>,
    #[serde(default)]
    pub(crate) log_level: Option<String>,
    #[serde(default)]
    #[cfg_attr(not(feature = "wallet"), allow(dead_code))]
    pub(crate) testnet: Option<bool>,
    #[serde(default)]
    pub(crate) disable_socket: Option<bool>,
    #[serde(default)]
    #[tsify(type = "Record<string, boolean>")]
    pub(crate) socket_event_subscriptions: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    pub(crate) app_source: Option<String>,
    /// Connection and per-workload attribution defaults (`apiClient.attribution`).
    #[serde(default)]
    #[tsify(type = "SogniAttributionConfig")]
    pub(crate) attribution: Option<Value>,
    /// Internal: recovery timings (`staleMs`, `authenticatedGraceMs`,
    /// `recentlyCreatedGraceMs`, `maxStrikes`, `offlinePollMs`, `resubmitTimeoutMs`), as the
    /// official `projects._recoveryTuning`; for tests.
    #[serde(default, rename = "_recoveryTuning")]
    #[tsify(type = "Record<string, number>")]
    pub(crate) recovery_tuning: Option<Value>,
}

/// Connection states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// No socket and none wanted.
    Idle,
    /// Opening (or waiting to reopen).
    Connecting,
    /// Open, `authenticated` not yet received.
    Open,
    /// Ready for work.
    Authenticated,
}

/// Something that wants socket events (the projects and account groups).
pub(crate) trait Subscriber {
    /// One decoded server event.
    fn on_event(self: Rc<Self>, kind: &str, data: &Value);
    /// The connection ended for good.
    fn on_disconnected(self: Rc<Self>, code: u16, reason: &str);
    /// Credentials were dropped (401, failed refresh, 4021).
    fn on_auth_cleared(self: Rc<Self>) {}
    /// The socket dropped and a reconnect is scheduled.
    fn on_connection_lost(self: Rc<Self>) {}
    /// The server closed the socket for good (1000, 4015) and the credentials are kept:
    /// work may still finish on the network. Defaults to [`Self::on_disconnected`].
    fn on_server_closed(self: Rc<Self>, code: u16, reason: &str) {
        self.on_disconnected(code, reason)
    }
    /// The socket opened (`authenticated` has not arrived yet).
    fn on_connected(self: Rc<Self>) {}
}

/// Shared client state.
pub(crate) struct Inner {
    pub(crate) config: ClientConfig,
    pub(crate) app_id: String,
    pub(crate) network: RefCell<String>,
    pub(crate) rest: Rest,
    socket_url: String,
    conn: RefCell<Option<SocketConn>>,
    link: Cell<Link>,
    /// Bumped on every connect/dispose, so stale callbacks are ignored.
    generation: Cell<u32>,
    attempt: Cell<u32>,
    wants_socket: Cell<bool>,
    disposed: Cell<bool>,
    ready_waiters: RefCell<Vec<js_sys::Object>>,
    pub(crate) events: Emitter,
    /// `apiClient.auth`'s `updated` (true when credentials are set, false when dropped).
    pub(crate) auth_events: Emitter,
    /// Why the last connection attempt failed or closed, for timeout messages.
    pub(crate) last_problem: RefCell<Option<String>>,
    /// The token refresh under way, shared by every caller that needs it.
    refreshing: RefCell<Option<js_sys::Promise>>,
    subscribers: RefCell<Vec<Weak<dyn Subscriber>>>,
    pub(crate) log_level: u8,
    /// The caller's `logger` (`{error, warn, info, debug}`), else the console.
    pub(crate) logger: RefCell<Option<JsValue>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SogniClient({}, {:?})", self.app_id, self.link.get())
    }
}

fn level(name: Option<&str>) -> u8 {
    match name.unwrap_or("warn") {
        "debug" => 4,
        "info" => 3,
        "warn" => 2,
        "error" => 1,
        _ => 0,
    }
}

fn query_escape(s: &str) -> String {
    js_sys::encode_uri_component(s)
        .as_string()
        .unwrap_or_default()
}

impl Inner {
    pub(crate) fn new(config: ClientConfig) -> Result<Rc<Self>, Error> {
        let disable = config.disable_socket.unwrap_or(false);
        let app_id = match config.app_id.as_deref().map(str::trim) {
            Some(a) if !a.is_empty() => a.to_string(),
            _ if disable => "rest-only".to_string(),
            _ => return Err(Error::invalid("INVALID_CONFIG", "appId is required")),
        };
        let network = config.network.clone().unwrap_or_else(|| "fast".into());
        if network != "fast" && network != "relaxed" {
            return Err(Error::invalid(
                "INVALID_CONFIG",
                "network must be 'fast' or 'relaxed'",
            ));
        }
        let rest_base = config
            .rest_endpoint
            .clone()
            .unwrap_or_else(|| "https://api.sogni.ai".into());
        let socket_base = config
            .socket_endpoint
            .clone()
            .unwrap_or_else(|| "wss://socket.sogni.ai".into());
        let socket_base = if socket_base.starts_with("ws://") || socket_base.starts_with("http://")
        {
            socket_base.replacen("http://", "ws://", 1)
        } else if let Some(i) = socket_base.find("://") {
            format!("wss://{}", &socket_base[i + 3..])
        } else {
            return Err(Error::invalid(
                "INVALID_CONFIG",
                "socketEndpoint must be a URL",
            ));
        };
        for (name, url) in [
            ("restEndpoint", &rest_base),
            ("socketEndpoint", &socket_base),
        ] {
            if !url.contains("://") {
                return Err(Error::invalid(
                    "INVALID_CONFIG",
                    format!("{name} must be an absolute URL"),
                ));
            }
        }
        let api_key = config.api_key.clone().filter(|k| !k.is_empty());
        // As the official client: an API key forces apiKey auth; any authType other than
        // apiKey/token selects cookies.
        let cookie_mode = api_key.is_none()
            && !matches!(config.auth_type.as_deref(), None | Some("token" | "apiKey"));
        let rest = Rest::new(&rest_base, &socket_base, cookie_mode);
        let credentials = api_key.map_or(Credentials::None, Credentials::ApiKey);
        *rest.credentials.borrow_mut() = credentials;
        let log_level = level(config.log_level.as_deref());
        Ok(Rc::new(Self {
            app_id,
            network: RefCell::new(network),
            rest,
            socket_url: socket_base,
            conn: RefCell::new(None),
            link: Cell::new(Link::Idle),
            generation: Cell::new(0),
            attempt: Cell::new(0),
            wants_socket: Cell::new(false),
            disposed: Cell::new(false),
            ready_waiters: RefCell::new(Vec::new()),
            events: Emitter::default(),
            auth_events: Emitter::default(),
            last_problem: RefCell::new(None),
            refreshing: RefCell::new(None),
            subscribers: RefCell::new(Vec::new()),
            log_level,
            logger: RefCell::new(None),
            config,
        }))
    }

    pub(crate) fn log(&self, lvl: u8, message: &str) {
        if lvl > self.log_level {
            return;
        }
        if let Some(logger) = self.logger.borrow().as_ref() {
            let method = ["error", "error", "warn", "info", "debug"][usize::from(lvl.min(4))];
            if let Ok(f) = js_sys::Reflect::get(logger, &method.into()) {
                if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                    let _ = f.call1(logger, &JsValue::from_str(message));
                    return;
                }
            }
        }
        {
            let msg = JsValue::from_str(&format!("sogni-wasm: {message}"));
            match lvl {
                1 => web_log::error(&msg),
                2 => web_log::warn(&msg),
                _ => web_log::log(&msg),
            }
        }
    }

    pub(crate) fn subscribe(&self, s: Weak<dyn Subscriber>) {
        self.subscribers.borrow_mut().push(s);
    }

    pub(crate) fn is_authenticated(&self) -> bool {
        self.rest.credentials.borrow().clone() != Credentials::None
    }

    fn subscribers(&self) -> Vec<Rc<dyn Subscriber>> {
        self.subscribers
            .borrow()
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }

    /// A call to the API host with the current credentials (refreshed first when expired).
    /// A 401 while signed in drops the credentials and the socket, as the official client.
    pub(crate) async fn api(
        self: &Rc<Self>,
        method: &str,
        path: &str,
        body: Option<&Value>,
        auth: bool,
    ) -> Result<Value, Error> {
        self.api_with(method, path, body, auth, None).await
    }

    /// [`Self::api`] that the caller's `signal` (an `AbortSignal`) can abort.
    pub(crate) async fn api_with(
        self: &Rc<Self>,
        method: &str,
        path: &str,
        body: Option<&Value>,
        auth: bool,
        signal: Option<&JsValue>,
    ) -> Result<Value, Error> {
        if auth {
            self.refresh_token().await?;
        }
        let result = self.rest.api_with(method, path, body, auth, signal).await;
        if auth {
            self.check_unauthorized(&result);
        }
        result
    }

    /// A GET on the socket host with the current credentials.
    pub(crate) async fn socket_get(self: &Rc<Self>, path: &str) -> Result<Value, Error> {
        self.socket_get_with(path, None).await
    }

    /// [`Self::socket_get`] that the caller's `signal` can abort.
    pub(crate) async fn socket_get_with(
        self: &Rc<Self>,
        path: &str,
        signal: Option<&JsValue>,
    ) -> Result<Value, Error> {
        self.refresh_token().await?;
        let result = self.rest.socket_get_with(path, signal).await;
        self.check_unauthorized(&result);
        result
    }

    fn check_unauthorized(self: &Rc<Self>, result: &Result<Value, Error>) {
        if matches!(result, Err(Error::Api { status: 401, .. })) && self.is_authenticated() {
            self.auth_lost();
        }
    }

    /// Tells `apiClient.auth` listeners that credentials were set (`true`) or dropped.
    pub(crate) fn auth_updated(&self, authenticated: bool) {
        self.auth_events
            .emit("updated", &JsValue::from_bool(authenticated));
    }

    /// Drops the credentials and the socket (what waits on it fails as an auth error).
    pub(crate) fn auth_lost(self: &Rc<Self>) {
        let was = self.is_authenticated();
        *self.rest.credentials.borrow_mut() = Credentials::None;
        if was {
            self.auth_updated(false);
        }
        self.close_socket(Error::Closed {
            code: 4021,
            reason: "Authentication failed: the server refused the credentials".into(),
        });
        for s in self.subscribers() {
            s.on_auth_cleared();
        }
    }

    /// Refreshes an expired access token (`POST /v1/account/refresh-token`); concurrent
    /// callers share one refresh.
    pub(crate) async fn refresh_token(self: &Rc<Self>) -> Result<(), Error> {
        let Credentials::Token { token, refresh } = self.rest.credentials.borrow().clone() else {
            return Ok(());
        };
        if !crate::auth::jwt_expired(&token, self.now(), 10_000.0) {
            return Ok(());
        }
        let existing = self.refreshing.borrow().clone();
        let promise = match existing {
            Some(p) => p,
            None => {
                let me = self.clone();
                let p = super::abort::promise(async move {
                    let body = json!({"refreshToken": refresh});
                    let result = me
                        .rest
                        .api("POST", "/v1/account/refresh-token", Some(&body), false)
                        .await;
                    me.refreshing.borrow_mut().take();
                    let tokens = result.ok().and_then(|d| {
                        Some((
                            d["token"].as_str()?.to_string(),
                            d["refreshToken"].as_str()?.to_string(),
                        ))
                    });
                    match tokens {
                        Some((token, refresh)) => {
                            *me.rest.credentials.borrow_mut() =
                                Credentials::Token { token, refresh };
                            Ok(JsValue::TRUE)
                        }
                        None => {
                            me.auth_lost();
                            Err(to_js(&Error::Api {
                                status: 401,
                                error_code: 401,
                                message: "Session expired: the token refresh failed".into(),
                                retry_after: None,
                                details: None,
                            }))
                        }
                    }
                });
                *self.refreshing.borrow_mut() = Some(p.clone());
                p
            }
        };
        JsFuture::from(promise)
            .await
            .map(|_| ())
            .map_err(|_| Error::Api {
                status: 401,
                error_code: 401,
                message: "Session expired: the token refresh failed".into(),
                retry_after: None,
                details: None,
            })
    }

    /// `what`, plus the last connection problem when there was one.
    pub(crate) fn timeout_message(&self, what: &str) -> String {
        match self.last_problem.borrow().as_deref() {
            Some(p) => format!("{what} (last connection problem: {p})"),
            None => what.to_string(),
        }
    }

    /// Has `dispose()` been called?
    pub(crate) fn is_disposed(&self) -> bool {
        self.disposed.get()
    }

    /// Identifies the current connection: bumped by every connect and close.
    pub(crate) fn generation(&self) -> u32 {
        self.generation.get()
    }

    /// Is the socket authenticated (ready for work)?
    pub(crate) fn is_ready(&self) -> bool {
        self.link.get() == Link::Authenticated
    }

    /// The error for work attempted after `dispose()`.
    pub(crate) fn disposed_error() -> Error {
        Error::Aborted {
            message: "Client disposed".into(),
        }
    }

    fn url(&self) -> String {
        let mut q = vec![("appId", self.app_id.clone())];
        if let Some(src) = self
            .config
            .app_source
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            q.push(("appSource", src.to_string()));
        }
        let attribution = crate::attribution::client_attribution(self.config.attribution.as_ref());
        if let Some(connection) = attribution.get("connection") {
            for field in crate::attribution::CONNECTION_FIELDS {
                if let Some(v) = connection.get(field).and_then(Value::as_str) {
                    q.push((field, v.to_string()));
                }
            }
        }
        if let Some(subs) = &self.config.socket_event_subscriptions {
            let only_bools: serde_json::Map<String, Value> = subs
                .iter()
                .filter(|(_, v)| v.is_boolean())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !only_bools.is_empty() {
                q.push((
                    "socketEventSubscriptions",
                    Value::Object(only_bools).to_string(),
                ));
            }
        }
        q.push(("clientName", format!("Sogni/3.0.0 (sogni-wasm) {VERSION}")));
        q.push(("clientType", "artist".into()));
        let network = self.network.borrow().clone();
        q.push((
            "forceWorkerId",
            if network == "fast" {
                "fast".into()
            } else {
                String::new()
            },
        ));
        let query: Vec<String> = q
            .iter()
            .map(|(k, v)| format!("{k}={}", query_escape(v)))
            .collect();
        let base = self.socket_url.trim_end_matches('/');
        format!("{base}/?{}", query.join("&"))
    }

    /// Opens the socket unless it is open or opening.
    pub(crate) fn connect(self: &Rc<Self>) {
        if self.disposed.get() {
            return;
        }
        self.wants_socket.set(true);
        if self.link.get() != Link::Idle {
            return;
        }
        self.open_now();
    }

    fn open_now(self: &Rc<Self>) {
        self.link.set(Link::Connecting);
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        self.events.emit("connecting", &JsValue::UNDEFINED);
        let weak = Rc::downgrade(self);
        let handler: Rc<dyn Fn(SocketEvent)> = Rc::new(move |ev| {
            if let Some(inner) = weak.upgrade() {
                if inner.generation.get() == generation {
                    inner.on_socket(ev);
                }
            }
        });
        let me = self.clone();
        spawn_local(async move {
            // An expired token would be refused at the upgrade: refresh it first.
            if let Err(e) = me.refresh_token().await {
                me.log(2, &format!("{e}"));
            }
            let headers = me.rest.credentials.borrow().headers();
            match SocketConn::open(&me.url(), &headers, handler).await {
                Ok(conn) => {
                    if me.generation.get() == generation && !me.disposed.get() {
                        *me.conn.borrow_mut() = Some(conn);
                    }
                }
                Err(e) => {
                    me.log(
                        2,
                        &format!("socket open failed: {}", super::errors::from_js(&e)),
                    );
                    if me.generation.get() == generation {
                        me.on_socket(SocketEvent::Closed {
                            code: 1006,
                            reason: "connection failed".into(),
                        });
                    }
                }
            }
        });
    }

    fn on_socket(self: &Rc<Self>, ev: SocketEvent) {
        match ev {
            SocketEvent::Open => {
                self.link.set(Link::Open);
                self.last_problem.borrow_mut().take();
                let network = self.network.borrow().clone();
                self.events.emit(
                    "connected",
                    &super::projects::js(&json!({"network": network})),
                );
                for s in self.subscribers() {
                    s.on_connected();
                }
            }
            SocketEvent::Message(Ok(env)) => self.dispatch(env),
            SocketEvent::Message(Err(e)) => {
                self.log(2, &format!("Failed to parse WebSocket message: {e}"))
            }
            SocketEvent::Closed { code, reason } => self.on_closed(code, &reason),
        }
    }

    fn dispatch(self: &Rc<Self>, env: Envelope) {
        let Envelope { kind, mut data } = env;
        // The official client upper-cases top-level job and image ids.
        if let Some(obj) = data.as_object_mut() {
            for key in ["jobID", "imgID"] {
                if let Some(Value::String(s)) = obj.get_mut(key) {
                    *s = s.to_ascii_uppercase();
                }
            }
        }
        if kind == "authenticated" {
            self.link.set(Link::Authenticated);
            // The backoff starts over only once a connection is accepted for work, so a
            // server that accepts and then drops every socket still backs off to 15 s.
            self.attempt.set(0);
            for d in self.ready_waiters.borrow_mut().drain(..) {
                glue::settle(&d, true, &JsValue::UNDEFINED);
            }
        }
        if kind == "changeNetwork" {
            if let Some(n) = data.get("network").and_then(Value::as_str) {
                *self.network.borrow_mut() = n.to_string();
            }
        }
        let subscribers: Vec<Rc<dyn Subscriber>> = self
            .subscribers
            .borrow()
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for s in subscribers {
            s.on_event(&kind, &data);
        }
    }

    fn on_closed(self: &Rc<Self>, code: u16, reason: &str) {
        self.conn.borrow_mut().take();
        if self.last_problem.borrow().is_none() || code != 1006 {
            *self.last_problem.borrow_mut() = Some(
                format!("socket closed with {code} {reason}")
                    .trim()
                    .to_string(),
            );
        }
        self.link.set(Link::Idle);
        if self.disposed.get() {
            return;
        }
        let terminal = close_is_terminal(code) || !self.wants_socket.get();
        if !terminal {
            let attempt = self.attempt.get();
            self.attempt.set(attempt + 1);
            let delay = reconnect_delay_ms(attempt, js_sys::Math::random());
            self.log(
                3,
                &format!("socket closed ({code}); reconnecting in {delay:.0} ms"),
            );
            self.link.set(Link::Connecting);
            for s in self.subscribers() {
                s.on_connection_lost();
            }
            let weak = Rc::downgrade(self);
            spawn_local(async move {
                let _ = JsFuture::from(glue::sleep(delay)).await;
                if let Some(inner) = weak.upgrade() {
                    if !inner.disposed.get() && inner.link.get() == Link::Connecting {
                        inner.link.set(Link::Idle);
                        inner.open_now();
                    }
                }
            });
            return;
        }
        let clears_auth = close_clears_auth(code);
        if clears_auth {
            *self.rest.credentials.borrow_mut() = Credentials::None;
            for s in self.subscribers() {
                s.on_auth_cleared();
            }
        }
        self.wants_socket.set(false);
        self.fail_waiters(&Error::Closed {
            code,
            reason: reason.to_string(),
        });
        let arg = super::projects::js(&json!({"code": code, "reason": reason}));
        self.events.emit("disconnected", &arg);
        let keep_work = !clears_auth && self.is_authenticated();
        for s in self.subscribers() {
            if keep_work {
                s.on_server_closed(code, reason);
            } else {
                s.on_disconnected(code, reason);
            }
        }
    }

    fn fail_waiters(&self, error: &Error) {
        let js = to_js(error);
        for d in self.ready_waiters.borrow_mut().drain(..) {
            glue::settle(&d, false, &js);
        }
    }

    /// Waits until the socket is authenticated (connecting if needed), up to 30 s.
    /// `signal` (an `AbortSignal` or undefined) aborts the wait (`what` names the work).
    async fn ready_with(self: &Rc<Self>, signal: &JsValue, what: &str) -> Result<(), JsValue> {
        if self.disposed.get() {
            return Err(to_js(&Self::disposed_error()));
        }
        if self.link.get() == Link::Authenticated {
            return Ok(());
        }
        self.connect();
        let d = glue::deferred();
        self.ready_waiters.borrow_mut().push(d.clone());
        let promise: js_sys::Promise = glue::get(&d, "promise").into();
        let error = to_js(&Error::Timeout {
            message: self.timeout_message("WebSocket connection timeout"),
        });
        let waiting = glue::with_timeout(&promise, SEND_WAIT_MS, &error);
        let waiting = if signal.is_object() {
            glue::with_abort(&waiting, signal, &super::abort::aborted(what))
        } else {
            waiting
        };
        JsFuture::from(waiting).await.map(|_| ())
    }

    /// Sends a message once the socket is authenticated.
    pub(crate) async fn send(self: &Rc<Self>, kind: &str, data: &Value) -> Result<(), JsValue> {
        self.send_with(kind, data, &JsValue::UNDEFINED).await
    }

    /// [`Self::send`], unless `signal` aborts first (then nothing is sent).
    pub(crate) async fn send_with(
        self: &Rc<Self>,
        kind: &str,
        data: &Value,
        signal: &JsValue,
    ) -> Result<(), JsValue> {
        let deadline = self.now() + SEND_WAIT_MS;
        loop {
            if super::abort::is_aborted(signal) {
                return Err(super::abort::aborted(kind));
            }
            self.ready_with(signal, kind).await?;
            if super::abort::is_aborted(signal) {
                return Err(super::abort::aborted(kind));
            }
            let sent = self
                .conn
                .borrow()
                .as_ref()
                .is_some_and(|c| c.send(kind, data));
            if sent {
                return Ok(());
            }
            if self.now() >= deadline || self.disposed.get() {
                return Err(to_js(&Error::Transport {
                    message: "WebSocket is not connected".into(),
                }));
            }
            // Authenticated, but the socket is closing: wait for the close to be seen and
            // for the next connection (the work goes out there, as 5.54 does).
            let _ = JsFuture::from(glue::sleep(50.0)).await;
        }
    }

    /// Closes the socket without reconnecting (logout); the client stays usable.
    pub(crate) fn dispose_socket(self: &Rc<Self>) {
        self.close_socket(Error::Aborted {
            message: "Socket closed by the client".into(),
        });
    }

    /// Closes the socket without reconnecting; what waits on it fails with `error`.
    fn close_socket(self: &Rc<Self>, error: Error) {
        self.wants_socket.set(false);
        self.generation.set(self.generation.get() + 1);
        if let Some(conn) = self.conn.borrow_mut().take() {
            conn.close(1000, "Client disconnected");
        }
        self.link.set(Link::Idle);
        self.fail_waiters(&error);
        let (code, reason) = match &error {
            Error::Closed { code, reason } => (*code, reason.clone()),
            other => (1000, other.to_string()),
        };
        for s in self.subscribers() {
            s.on_disconnected(code, &reason);
        }
    }

    /// Closes the socket for good, settles everything pending and forgets credentials.
    pub(crate) fn dispose(self: &Rc<Self>) {
        self.disposed.set(true);
        self.dispose_socket();
        *self.rest.credentials.borrow_mut() = Credentials::None;
        self.events.clear(None);
    }

    /// Current time (ms since the epoch).
    pub(crate) fn now(&self) -> f64 {
        now_ms()
    }
}

mod web_log {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = console)]
        pub(crate) fn log(m: &JsValue);
        #[wasm_bindgen(js_namespace = console)]
        pub(crate) fn warn(m: &JsValue);
        #[wasm_bindgen(js_namespace = console)]
        pub(crate) fn error(m: &JsValue);
    }
}
