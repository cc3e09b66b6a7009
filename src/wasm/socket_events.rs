//! `sogni.apiClient.socket`: every server event as the official `WebSocketClient` emits it
//! (`subscriptionLimitNotice`, `subscriptionEntitlementUpdated`, `appAlert`,
//! `toastMessage`, `socketEventSubscriptionsUpdated`, `balanceUpdate`, …), and
//! `sogni.setSocketEventSubscriptions()`. Also the client's getters for the REST groups
//! (`workflows`, `replay`, `stats`, `announcements`).

use super::abort::guard;
use super::api::{ApiClient, SogniClient};
use super::client::{Inner, Subscriber};
use super::emitter::Emitter;
use super::errors::to_js;
use super::glue;
use super::project::AbortSignal;
use super::projects::js;
use crate::Error;
use js_sys::{Function, Promise};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The socket event feed of one client.
#[derive(Debug)]
pub(crate) struct SocketEventsState {
    client: Rc<Inner>,
    pub(crate) events: Emitter,
    /// The subscriptions the server last confirmed, re-applied after a reconnect.
    confirmed: RefCell<Option<Map<String, Value>>>,
    /// Authenticated and not lost since.
    connected: std::cell::Cell<bool>,
}

/// Kept under this name in `Shared`.
pub(crate) type SocketEventsRc = Rc<SocketEventsState>;

impl SocketEventsState {
    fn on_authenticated(self: &Rc<Self>) {
        // A reconnect starts from the connect-time subscriptions: re-apply what the server
        // last confirmed at runtime.
        let Some(subs) = self.confirmed.borrow().clone() else {
            return;
        };
        let initial = self.client.config.socket_event_subscriptions.clone();
        if initial.as_ref() == Some(&subs) {
            return;
        }
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let update = json!({"reset": true, "subscriptions": subs});
            if let Err(e) = me.client.send("setSocketEventSubscriptions", &update).await {
                me.client.log(
                    2,
                    &format!("could not re-apply socket event subscriptions: {e:?}"),
                );
            }
        });
    }
}

impl Subscriber for SocketEventsState {
    fn on_event(self: Rc<Self>, kind: &str, data: &Value) {
        match kind {
            "authenticated" => {
                self.connected.set(true);
                self.on_authenticated();
            }
            "socketEventSubscriptionsUpdated" => {
                if let Some(m) = data
                    .get("socketEventSubscriptions")
                    .and_then(Value::as_object)
                {
                    *self.confirmed.borrow_mut() = Some(m.clone());
                }
            }
            _ => {}
        }
        self.events.emit_with(kind, || js(data));
    }

    fn on_connection_lost(self: Rc<Self>) {
        self.connected.set(false);
    }

    fn on_auth_cleared(self: Rc<Self>) {
        self.connected.set(false);
    }

    fn on_disconnected(self: Rc<Self>, code: u16, reason: &str) {
        self.connected.set(false);
        self.events.emit(
            "disconnected",
            &js(&json!({"code": code, "reason": reason})),
        );
    }
}

/// `sogni.apiClient.socket`: listen for raw socket events, e.g.
/// `socket.on('subscriptionLimitNotice', (notice) => …)` (opt in with
/// `socketEventSubscriptions: {subscriptionLimitNotice: true}`) or
/// `socket.on('appAlert', …)` (`{appAlert: true}`).
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct SocketEvents {
    state: SocketEventsRc,
}

impl SocketEventsState {
    /// The feed (subscribe it to the client's events).
    pub(crate) fn new(client: Rc<Inner>) -> SocketEventsRc {
        Rc::new(Self {
            client,
            events: Emitter::default(),
            confirmed: RefCell::new(None),
            connected: std::cell::Cell::new(false),
        })
    }
}

impl SocketEvents {
    /// A handle on an existing feed.
    pub(crate) fn from_state(state: SocketEventsRc) -> Self {
        Self { state }
    }

    pub(crate) fn state(&self) -> &SocketEventsState {
        &self.state
    }
}

#[wasm_bindgen]
impl SocketEvents {
    /// Listens for a socket event; returns the unsubscribe function.
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn on(
        &self,
        event: &str,
        #[wasm_bindgen(unchecked_param_type = "(data: any) => void")] listener: Function,
    ) -> Function {
        self.state.events.on(event, listener.clone(), false);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Listens for the next occurrence only.
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn once(
        &self,
        event: &str,
        #[wasm_bindgen(unchecked_param_type = "(data: any) => void")] listener: Function,
    ) -> Function {
        self.state.events.on(event, listener.clone(), true);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes a listener.
    pub fn off(&self, event: &str, listener: &Function) {
        self.state.events.off(event, listener);
    }

    /// The client's appId.
    #[wasm_bindgen(getter, js_name = appId)]
    pub fn app_id(&self) -> String {
        self.state.client.app_id.clone()
    }

    /// The network the connection works on (`fast` or `relaxed`).
    #[wasm_bindgen(getter, js_name = supernetType, unchecked_return_type = "'fast' | 'relaxed'")]
    pub fn supernet_type(&self) -> String {
        self.state.client.network.borrow().clone()
    }

    /// Opens the socket (the client also does when credentials are set).
    pub fn connect(&self) {
        self.state.client.connect();
    }

    /// Closes the socket (work in flight fails; the credentials stay).
    pub fn disconnect(&self) {
        self.state.connected.set(false);
        self.state.client.dispose_socket();
    }

    /// Is the socket connected and authenticated (ready for work)?
    #[wasm_bindgen(getter, js_name = isConnected)]
    pub fn is_connected(&self) -> bool {
        self.state.connected.get()
    }

    /// Sends a raw socket message `{type, data}` once the socket is authenticated, by
    /// `deadline` (epoch ms) if given. `signal` aborts the wait; an aborted one sends nothing.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn send(
        &self,
        kind: String,
        data: JsValue,
        deadline: Option<f64>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let client = self.state.client.clone();
        let signal = JsValue::from(signal);
        let p = guard(&signal.clone(), "socket.send", async move {
            let value = super::glue::value_of(&data);
            client.send_with(&kind, &value, &signal).await?;
            Ok(JsValue::UNDEFINED)
        });
        let Some(deadline) = deadline else { return p };
        let e = to_js(&Error::Timeout {
            message: "WebSocket connection timeout".into(),
        });
        glue::with_timeout(&p, (deadline - glue::now_ms()).max(0.0), &e)
    }

    /// Switches the connection's network; resolves with the one the server confirms.
    /// `signal` aborts the wait; an aborted one sends nothing.
    #[wasm_bindgen(js_name = switchNetwork, unchecked_return_type = "Promise<'fast' | 'relaxed'>")]
    pub fn switch_network(&self, network: String, signal: Option<AbortSignal>) -> Promise {
        let state = self.state.clone();
        let signal = JsValue::from(signal);
        guard(&signal.clone(), "socket.switchNetwork", async move {
            if network != "fast" && network != "relaxed" {
                return Err(to_js(&Error::invalid(
                    "INVALID_NETWORK",
                    "network must be 'fast' or 'relaxed'",
                )));
            }
            let d = glue::deferred();
            let resolve: Function = glue::get(&d, "resolve").into();
            state.events.on("changeNetwork", resolve, true);
            let data = json!(network);
            state
                .client
                .send_with("changeNetwork", &data, &signal)
                .await?;
            let promise: Promise = glue::get(&d, "promise").into();
            let timeout = to_js(&Error::Timeout {
                message: "no changeNetwork answer".into(),
            });
            let data = wasm_bindgen_futures::JsFuture::from(glue::with_timeout(
                &promise, 30_000.0, &timeout,
            ))
            .await?;
            Ok(glue::get(&data, "network"))
        })
    }

    /// Changes this connection's event subscriptions (see
    /// `SogniClient.setSocketEventSubscriptions`). `signal` aborts the wait.
    #[wasm_bindgen(js_name = setSocketEventSubscriptions, unchecked_return_type = "Promise<void>")]
    pub fn set_socket_event_subscriptions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SocketEventSubscriptionInput")] update: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        send_subscriptions(self.state.client.clone(), update, signal)
    }
}

fn send_subscriptions(inner: Rc<Inner>, update: JsValue, signal: Option<AbortSignal>) -> Promise {
    let signal = JsValue::from(signal);
    guard(&signal.clone(), "setSocketEventSubscriptions", async move {
        let value = super::glue::value_of(&update);
        if !value.is_object() {
            return Err(to_js(&Error::invalid(
                "INVALID_SUBSCRIPTIONS",
                "setSocketEventSubscriptions needs an object",
            )));
        }
        let update = normalize_subscription_update(&value);
        inner
            .send_with("setSocketEventSubscriptions", &update, &signal)
            .await?;
        Ok(JsValue::UNDEFINED)
    })
}

/// `setSocketEventSubscriptions` input as the official `normalizeSocketEventSubscriptionUpdate`
/// makes it: an update object stays one (non-boolean flags dropped), a plain flag map
/// becomes `{subscriptions}`.
pub(crate) fn normalize_subscription_update(input: &Value) -> Value {
    const UPDATE_KEYS: [&str; 6] = [
        "subscriptions",
        "subscribe",
        "unsubscribe",
        "reset",
        "event",
        "enabled",
    ];
    let raw = input.as_object().cloned().unwrap_or_default();
    let mut update = if raw.keys().any(|k| UPDATE_KEYS.contains(&k.as_str())) {
        raw
    } else {
        let mut m = Map::new();
        m.insert("subscriptions".into(), Value::Object(raw));
        m
    };
    let flags: Map<String, Value> = update
        .get("subscriptions")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.is_boolean())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    if flags.is_empty() {
        update.remove("subscriptions");
    } else {
        update.insert("subscriptions".into(), Value::Object(flags));
    }
    Value::Object(update)
}

#[wasm_bindgen]
impl ApiClient {
    /// The socket's event feed (`on`, `once`, `off`).
    #[wasm_bindgen(getter)]
    pub fn socket(&self) -> SocketEvents {
        SocketEvents {
            state: self.shared.socket_events.clone(),
        }
    }

    /// Whether the client opens a socket at all (`disableSocket` not set).
    #[wasm_bindgen(getter, js_name = socketEnabled)]
    pub fn socket_enabled(&self) -> bool {
        !self.shared.inner.config.disable_socket.unwrap_or(false)
    }

    /// The client's appId.
    #[wasm_bindgen(getter, js_name = appId)]
    pub fn app_id(&self) -> String {
        self.shared.inner.app_id.clone()
    }

    /// The configured `appSource`, if any.
    #[wasm_bindgen(getter, js_name = appSource)]
    pub fn app_source(&self) -> Option<String> {
        self.shared.inner.config.app_source.clone()
    }

    /// The `logger` given in the config (`undefined` when the SDK logs to the console).
    #[wasm_bindgen(getter)]
    pub fn logger(&self) -> JsValue {
        self.shared
            .inner
            .logger
            .borrow()
            .clone()
            .unwrap_or(JsValue::UNDEFINED)
    }

    /// Same as `sogni.setSocketEventSubscriptions`. `signal` aborts the wait.
    #[wasm_bindgen(js_name = setSocketEventSubscriptions, unchecked_return_type = "Promise<void>")]
    pub fn set_socket_event_subscriptions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SocketEventSubscriptionInput")] update: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        send_subscriptions(self.shared.inner.clone(), update, signal)
    }

    /// Same as `sogni.dispose`.
    pub fn dispose(&self) {
        self.shared.inner.dispose();
    }
}

#[wasm_bindgen]
impl SogniClient {
    /// `sogni.workflows`: durable creative workflows and their templates.
    #[wasm_bindgen(getter)]
    pub fn workflows(&self) -> super::workflows::CreativeWorkflowsApi {
        super::workflows::CreativeWorkflowsApi::new(self.shared.surface.clone())
    }

    /// `sogni.replay`: RunRecords.
    #[wasm_bindgen(getter)]
    pub fn replay(&self) -> super::replay::ReplayApi {
        super::replay::ReplayApi::new(self.shared.surface.clone())
    }

    /// `sogni.stats`: the leaderboard.
    #[wasm_bindgen(getter)]
    pub fn stats(&self) -> super::stats::StatsApi {
        super::stats::StatsApi::new(self.shared.surface.clone())
    }

    /// `sogni.announcements`: live in-app announcements.
    #[wasm_bindgen(getter)]
    pub fn announcements(&self) -> super::stats::AnnouncementsApi {
        super::stats::AnnouncementsApi::new(self.shared.surface.clone())
    }

    /// Changes which socket events this connection receives: a flag map
    /// (`{subscriptionLimitNotice: true, modelAvailability: false}`) or an update
    /// (`{subscribe, unsubscribe, reset, event, enabled}`). The server confirms with
    /// `socketEventSubscriptionsUpdated`; the change survives reconnects. `signal` aborts the
    /// wait; an aborted one sends nothing.
    #[wasm_bindgen(js_name = setSocketEventSubscriptions, unchecked_return_type = "Promise<void>")]
    pub fn set_socket_event_subscriptions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SocketEventSubscriptionInput")] update: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        send_subscriptions(self.shared.inner.clone(), update, signal)
    }
}
