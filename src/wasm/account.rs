//! `sogni.account` and `sogni.currentAccount`: login (EIP-712), logout, `me`, balances,
//! network switching, and the observable account entity.

use super::client::{Inner, Subscriber};
use super::emitter::Emitter;
use super::errors::to_js;
use super::glue;
use super::rest::Credentials;
use crate::Error;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Account state shared by `sogni.account` and `sogni.currentAccount`.
pub(crate) struct AccountState {
    pub(crate) client: Rc<Inner>,
    /// `{username, walletAddress, email, balance, network, …}` as the official CurrentAccount.
    pub(crate) data: RefCell<Value>,
    pub(crate) events: Emitter,
    network_waiters: RefCell<Vec<js_sys::Object>>,
    /// The entitlement `version` last applied to `subscription`.
    sub_version: std::cell::Cell<Option<f64>>,
    /// Socket entitlement pushes applied so far (a REST answer that raced one is stale).
    pub(crate) sub_socket_writes: std::cell::Cell<u32>,
}

impl std::fmt::Debug for AccountState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccountState({})", self.data.borrow())
    }
}

impl AccountState {
    pub(crate) fn new(client: Rc<Inner>) -> Rc<Self> {
        let network = client.network.borrow().clone();
        Rc::new(Self {
            client,
            data: RefCell::new(
                json!({"network": network, "balance": null, "networkStatus": "disconnected"}),
            ),
            events: Emitter::default(),
            network_waiters: RefCell::new(Vec::new()),
            sub_version: std::cell::Cell::new(None),
            sub_socket_writes: std::cell::Cell::new(0),
        })
    }

    /// Merges fields into the account data and emits `updated` with them.
    pub(crate) fn update(&self, patch: Value) {
        if let (Some(data), Some(patch)) =
            (self.data.borrow_mut().as_object_mut(), patch.as_object())
        {
            for (k, v) in patch {
                data.insert(k.clone(), v.clone());
            }
        }
        self.events.emit("updated", &super::projects::js(&patch));
    }

    /// Applies a subscription snapshot to `currentAccount.subscription` unless it is stale:
    /// an older `version`, or an unversioned REST answer that raced a socket push
    /// (`socket_writes_at_start`). True when accepted.
    pub(crate) fn apply_subscription(
        &self,
        snapshot: &Value,
        from_socket: bool,
        version: Option<f64>,
        socket_writes_at_start: Option<u32>,
    ) -> bool {
        if let (Some(v), Some(last)) = (version, self.sub_version.get()) {
            if v < last {
                return false;
            }
        }
        if !from_socket
            && version.is_none()
            && socket_writes_at_start.is_some_and(|n| n != self.sub_socket_writes.get())
        {
            return false;
        }
        if version.is_some() {
            self.sub_version.set(version);
        }
        if from_socket {
            self.sub_socket_writes.set(self.sub_socket_writes.get() + 1);
        }
        if self.data.borrow().get("subscription") != Some(snapshot) {
            self.update(json!({ "subscription": snapshot }));
        }
        true
    }

    /// The socket's entitlement (`authenticated.subscriptionEntitlement` or
    /// `subscriptionEntitlementUpdated`), with its free-Spark flags.
    fn on_entitlement(&self, data: &Value) {
        if let Some(locked) = data.get("freeSparkLocked").and_then(Value::as_bool) {
            let path = data
                .get("freeSparkUnlockPath")
                .cloned()
                .unwrap_or(Value::Null);
            let d = self.data.borrow().clone();
            if d.get("freeSparkLocked") != Some(&Value::Bool(locked))
                || d.get("freeSparkUnlockPath").unwrap_or(&Value::Null) != &path
            {
                self.update(json!({"freeSparkLocked": locked, "freeSparkUnlockPath": path}));
            }
        }
        if let Some(snapshot) = crate::surface::account::entitlement_snapshot(data, glue::now_ms())
        {
            let version = crate::surface::account::entitlement_version(data);
            self.apply_subscription(&snapshot, true, version, None);
        }
    }

    /// `GET /v1/account/me`, refreshing the token first when it has expired.
    pub(crate) async fn me(self: &Rc<Self>) -> Result<Value, Error> {
        self.me_with(None).await
    }

    /// [`Self::me`] that `signal` (an `AbortSignal`) cancels.
    pub(crate) async fn me_with(self: &Rc<Self>, signal: Option<&JsValue>) -> Result<Value, Error> {
        self.ensure_fresh_token().await?;
        let me = self
            .client
            .api_with("GET", "/v1/account/me", None, true, signal)
            .await;
        let me = match me {
            Err(Error::Api { status: 401, .. }) => {
                self.clear_auth();
                return me;
            }
            other => other?,
        };
        self.update(json!({
            "username": me.get("username"),
            "walletAddress": me.get("walletAddress"),
            "email": me.get("currentEmail"),
        }));
        Ok(me)
    }

    /// Refreshes an expired access token first (shared with every other caller).
    pub(crate) async fn ensure_fresh_token(&self) -> Result<(), Error> {
        self.client.refresh_token().await
    }

    /// Forgets credentials and closes the socket, as a 401 does in the official client.
    pub(crate) fn clear_auth(&self) {
        let was = self.client.is_authenticated();
        *self.client.rest.credentials.borrow_mut() = Credentials::None;
        if was {
            self.client.auth_updated(false);
        }
        self.forget_subscription();
        self.update(
            json!({"username": null, "walletAddress": null, "email": null, "balance": null}),
        );
    }

    fn forget_subscription(&self) {
        self.sub_version.set(None);
        self.sub_socket_writes.set(0);
        if let Some(d) = self.data.borrow_mut().as_object_mut() {
            d.remove("subscription");
            d.remove("freeSparkLocked");
            d.remove("freeSparkUnlockPath");
        }
    }

    /// Signs in with username and password.
    #[cfg(feature = "wallet")]
    pub(crate) async fn login(
        self: &Rc<Self>,
        username: &str,
        password: &str,
        remember: bool,
        app_source: Option<String>,
    ) -> Result<Value, Error> {
        use crate::wallet::{Eip712Domain, Wallet};
        if username.trim().is_empty() || password.is_empty() {
            return Err(Error::invalid(
                "INVALID_CREDENTIALS",
                "username and password are required",
            ));
        }
        let wallet = Wallet::from_credentials(username, password)
            .map_err(|e| Error::invalid("INVALID_CREDENTIALS", e.to_string()))?;
        let rest = &self.client.rest;
        let nonce = rest
            .api(
                "POST",
                "/v1/account/nonce",
                Some(&json!({"walletAddress": wallet.address()})),
                false,
            )
            .await?;
        let nonce = nonce["nonce"].as_str().ok_or_else(|| Error::Protocol {
            message: "nonce answer has no nonce".into(),
        })?;
        let domain = Eip712Domain::for_network(self.client.config.testnet.unwrap_or(false));
        let signature = wallet.sign_authentication(nonce, &domain);
        let mut body = json!({"walletAddress": wallet.address(), "signature": signature, "rememberMe": remember});
        if let Some(src) = app_source
            .or_else(|| self.client.config.app_source.clone())
            .filter(|s| !s.trim().is_empty())
        {
            body["appSource"] = json!(src.trim());
        }
        let data = rest
            .api("POST", "/v1/account/login", Some(&body), false)
            .await?;
        let (Some(token), Some(refresh)) = (data["token"].as_str(), data["refreshToken"].as_str())
        else {
            return Err(Error::Protocol {
                message: "login answer has no tokens".into(),
            });
        };
        *rest.credentials.borrow_mut() = if rest.cookie_mode {
            // The login answer set HttpOnly cookies; they authenticate from now on.
            Credentials::Cookies
        } else {
            Credentials::Token {
                token: token.into(),
                refresh: refresh.into(),
            }
        };
        self.after_auth();
        Ok(data)
    }

    /// What happens whenever auth becomes true: connect the socket and load `me`.
    pub(crate) fn after_auth(self: &Rc<Self>) {
        self.client.auth_updated(true);
        if !self.client.config.disable_socket.unwrap_or(false) {
            self.client.connect();
        }
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = me.me().await {
                // Background failure: reported, never an unhandled rejection.
                me.client
                    .log(1, &format!("failed to load the account: {e}"));
                me.client.events.emit("error", &to_js(&e));
            }
        });
    }

    /// Sends `changeNetwork` and waits for the server's reply.
    pub(crate) async fn switch_network(self: &Rc<Self>, network: &str) -> Result<JsValue, JsValue> {
        if network != "fast" && network != "relaxed" {
            return Err(to_js(&Error::invalid(
                "INVALID_NETWORK",
                "network must be 'fast' or 'relaxed'",
            )));
        }
        let d = glue::deferred();
        self.network_waiters.borrow_mut().push(d.clone());
        self.update(json!({"networkStatus": "switching"}));
        self.client.send("changeNetwork", &json!(network)).await?;
        let promise: js_sys::Promise = glue::get(&d, "promise").into();
        let error = to_js(&Error::Timeout {
            message: "no changeNetwork answer".into(),
        });
        wasm_bindgen_futures::JsFuture::from(glue::with_timeout(&promise, 30_000.0, &error)).await
    }
}

impl AccountState {
    /// `GET /v1/subscriptions/status`, applied to `currentAccount.subscription` (a snapshot
    /// a socket push overtook meanwhile yields to the fresher one).
    pub(crate) async fn refresh_subscription(self: &Rc<Self>) -> Result<Value, Error> {
        self.refresh_subscription_with(None).await
    }

    /// [`Self::refresh_subscription`] that `signal` (an `AbortSignal`) cancels.
    pub(crate) async fn refresh_subscription_with(
        self: &Rc<Self>,
        signal: Option<&JsValue>,
    ) -> Result<Value, Error> {
        let writes = self.sub_socket_writes.get();
        let path = "/v1/subscriptions/status";
        let data = self
            .client
            .api_with("GET", path, None, true, signal)
            .await?;
        let snapshot = data.get("subscription").cloned().unwrap_or(Value::Null);
        let version = snapshot.get("version").and_then(|v| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        if !self.apply_subscription(&snapshot, false, version, Some(writes)) {
            if let Some(current) = self
                .data
                .borrow()
                .get("subscription")
                .filter(|s| !s.is_null())
            {
                return Ok(current.clone());
            }
        }
        Ok(snapshot)
    }
}

impl Subscriber for AccountState {
    fn on_event(self: Rc<Self>, kind: &str, data: &Value) {
        match kind {
            "authenticated" => {
                match data.get("subscriptionEntitlement") {
                    Some(e) if e.is_object() => self.on_entitlement(e),
                    _ => {
                        // No snapshot on the socket: refresh it over REST, best effort.
                        let me = self.clone();
                        wasm_bindgen_futures::spawn_local(async move {
                            let _ = me.refresh_subscription().await;
                        });
                    }
                }
                let mut patch = json!({"networkStatus": "connected"});
                if matches!(
                    *self.client.rest.credentials.borrow(),
                    Credentials::ApiKey(_)
                ) {
                    patch["username"] = data["username"].clone();
                    patch["walletAddress"] = data["address"].clone();
                }
                self.update(patch);
            }
            "balanceUpdate" => self.update(json!({"balance": data})),
            "subscriptionEntitlementUpdated" => self.on_entitlement(data),
            "changeNetwork" => {
                let network = data["network"].clone();
                self.update(json!({"network": network, "networkStatus": "connected"}));
                let js = super::projects::js(&network);
                for d in self.network_waiters.borrow_mut().drain(..) {
                    super::glue::settle(&d, true, &js);
                }
            }
            _ => {}
        }
    }

    fn on_auth_cleared(self: Rc<Self>) {
        self.forget_subscription();
        self.update(
            json!({"username": null, "walletAddress": null, "email": null, "balance": null}),
        );
    }

    fn on_connection_lost(self: Rc<Self>) {
        self.update(json!({"networkStatus": "connecting"}));
    }

    fn on_disconnected(self: Rc<Self>, _code: u16, _reason: &str) {
        self.update(json!({"networkStatus": "disconnected"}));
        if !self.client.is_authenticated() {
            self.update(json!({"username": null, "walletAddress": null, "balance": null}));
        }
    }
}
