//! The exported classes `SogniClient`, `AccountApi`, `CurrentAccount` and `ApiClient`.

use super::abort::guard;
use super::account::AccountState;
use super::client::{ClientConfig, Inner, Subscriber};
use super::errors::to_js;
use super::glue;
use super::project::AbortSignal;
use super::projects::{ProjectsApi, ProjectsState};
use super::rest::Credentials;
use crate::Error;
use js_sys::{Function, Promise};
use serde_json::Value;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

/// Everything one client owns.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) inner: Rc<Inner>,
    pub(crate) account: Rc<AccountState>,
    pub(crate) projects: Rc<ProjectsState>,
    pub(crate) chat: Rc<super::chat::ChatState>,
    pub(crate) surface: Rc<super::surface::SurfaceState>,
    pub(crate) socket_events: Rc<super::socket_events::SocketEventsState>,
}

use super::projects::js;

fn err(e: Error) -> JsValue {
    to_js(&e)
}

/// The entry point: `await SogniClient.createInstance({appId, apiKey, …})`.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct SogniClient {
    pub(crate) shared: Rc<Shared>,
}

#[wasm_bindgen]
impl SogniClient {
    /// Creates a client. With `apiKey` it authenticates at once and connects the socket.
    #[wasm_bindgen(js_name = createInstance)]
    pub async fn create_instance(
        #[wasm_bindgen(unchecked_param_type = "SogniClientConfig")] config: JsValue,
    ) -> Result<SogniClient, JsValue> {
        if !config.is_object() {
            return Err(err(Error::invalid(
                "INVALID_CONFIG",
                "createInstance needs a config object",
            )));
        }
        let logger = glue::get(&config, "logger");
        let parsed: ClientConfig = serde_wasm_bindgen::from_value(config).map_err(|e| {
            err(Error::invalid(
                "INVALID_CONFIG",
                format!("invalid config: {e}"),
            ))
        })?;
        let inner = Inner::new(parsed).map_err(err)?;
        if logger.is_object() {
            *inner.logger.borrow_mut() = Some(logger);
        }
        let account = AccountState::new(inner.clone());
        let projects = ProjectsState::new(inner.clone());
        inner.subscribe(Rc::downgrade(&account) as Weak<dyn Subscriber>);
        inner.subscribe(Rc::downgrade(&projects) as Weak<dyn Subscriber>);
        let chat = super::chat::ChatState::new(inner.clone(), projects.clone());
        inner.subscribe(Rc::downgrade(&chat) as Weak<dyn Subscriber>);
        let socket_events = super::socket_events::SocketEventsState::new(inner.clone());
        inner.subscribe(Rc::downgrade(&socket_events) as Weak<dyn Subscriber>);
        let surface = super::surface::SurfaceState::new(inner.clone());
        let _ = projects.surface.set(surface.clone());
        let shared = Rc::new(Shared {
            inner: inner.clone(),
            account: account.clone(),
            projects,
            chat,
            surface,
            socket_events,
        });
        if matches!(*inner.rest.credentials.borrow(), Credentials::ApiKey(_)) {
            account.after_auth();
        }
        Ok(SogniClient { shared })
    }

    /// `sogni.account`.
    #[wasm_bindgen(getter)]
    pub fn account(&self) -> AccountApi {
        AccountApi {
            shared: self.shared.clone(),
        }
    }

    /// `sogni.projects`.
    #[wasm_bindgen(getter)]
    pub fn projects(&self) -> ProjectsApi {
        ProjectsApi::new(self.shared.clone())
    }

    /// `sogni.chat`: LLM chat completions, hosted chat, chat runs and tools.
    #[wasm_bindgen(getter)]
    pub fn chat(&self) -> super::chat::ChatApi {
        super::chat::ChatApi::new(self.shared.chat.clone())
    }

    /// `sogni.currentAccount`.
    #[wasm_bindgen(getter, js_name = currentAccount)]
    pub fn current_account(&self) -> CurrentAccount {
        CurrentAccount {
            shared: self.shared.clone(),
        }
    }

    /// `sogni.apiClient`: connection events and state.
    #[wasm_bindgen(getter, js_name = apiClient)]
    pub fn api_client(&self) -> ApiClient {
        ApiClient {
            shared: self.shared.clone(),
        }
    }

    /// The configured appId.
    #[wasm_bindgen(getter, js_name = appId)]
    pub fn app_id(&self) -> String {
        self.shared.inner.app_id.clone()
    }

    /// Resumes a token session: `{token, refreshToken}` (`signal` aborts the wait).
    #[wasm_bindgen(js_name = setTokens)]
    pub fn set_tokens(&self, tokens: JsValue, signal: Option<AbortSignal>) -> Promise {
        let shared = self.shared.clone();
        let p = async move {
            let token = glue::get(&tokens, "token").as_string();
            let refresh = glue::get(&tokens, "refreshToken").as_string();
            let (Some(token), Some(refresh)) = (token, refresh) else {
                return Err(err(Error::invalid(
                    "INVALID_TOKENS",
                    "setTokens needs {token, refreshToken}",
                )));
            };
            *shared.inner.rest.credentials.borrow_mut() = Credentials::Token { token, refresh };
            shared.account.ensure_fresh_token().await.map_err(err)?;
            shared.account.after_auth();
            Ok(JsValue::UNDEFINED)
        };
        guard(&signal.into(), "setTokens", p)
    }

    /// Cookie auth: asks `/v1/account/me` whether the browser's cookies sign us in.
    /// `signal` aborts the wait.
    #[wasm_bindgen(js_name = checkAuth)]
    pub fn check_auth(&self, signal: Option<AbortSignal>) -> Promise {
        let shared = self.shared.clone();
        let p = async move {
            let before = shared.inner.rest.credentials.borrow().clone();
            if before == Credentials::None {
                *shared.inner.rest.credentials.borrow_mut() = Credentials::Cookies;
            }
            match shared.account.me().await {
                Ok(_) => {
                    shared.account.after_auth();
                    Ok(JsValue::TRUE)
                }
                Err(Error::Api { status: 401, .. }) => {
                    *shared.inner.rest.credentials.borrow_mut() = Credentials::None;
                    Ok(JsValue::FALSE)
                }
                Err(e) => Err(err(e)),
            }
        };
        guard(&signal.into(), "checkAuth", p)
    }

    /// Closes the socket, settles every pending promise and forgets credentials.
    pub fn dispose(&self) {
        self.shared.inner.dispose();
    }

    /// Listens for client events: `error` (background failures), `connected`, `disconnected`.
    pub fn on(&self, event: &str, listener: Function) -> Function {
        self.shared.inner.events.on(event, listener.clone(), false);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes a listener.
    pub fn off(&self, event: &str, listener: &Function) {
        self.shared.inner.events.off(event, listener);
    }
}

/// `sogni.account`.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct AccountApi {
    pub(crate) shared: Rc<Shared>,
}

#[wasm_bindgen]
impl AccountApi {
    /// Signs in with username and password (EIP-712 signed nonce), then connects.
    /// `signal` aborts the wait.
    #[cfg(feature = "wallet")]
    #[wasm_bindgen(unchecked_return_type = "Promise<LoginData>")]
    pub fn login(
        &self,
        username: String,
        password: String,
        #[wasm_bindgen(js_name = "rememberMe")] remember_me: Option<bool>,
        #[wasm_bindgen(js_name = "appSource")] app_source: Option<String>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let account = self.shared.account.clone();
        let p = async move {
            let data = account
                .login(
                    &username,
                    &password,
                    remember_me.unwrap_or(false),
                    app_source,
                )
                .await
                .map_err(err)?;
            Ok(js(&data))
        };
        guard(&signal.into(), "login", p)
    }

    /// Signs out: `POST /v1/account/logout`, then forgets credentials and closes the socket.
    /// `signal` aborts the wait.
    pub fn logout(&self, signal: Option<AbortSignal>) -> Promise {
        let shared = self.shared.clone();
        let p = async move {
            let res = shared
                .inner
                .api(
                    "POST",
                    "/v1/account/logout",
                    Some(&Value::Object(Default::default())),
                    true,
                )
                .await;
            shared.account.clear_auth();
            shared.inner.dispose_socket();
            match res {
                Ok(_) | Err(Error::Api { status: 401, .. }) => Ok(JsValue::UNDEFINED),
                Err(e) => Err(err(e)),
            }
        };
        guard(&signal.into(), "logout", p)
    }

    /// `GET /v1/account/me`; `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<MeData>")]
    pub fn me(&self, signal: Option<AbortSignal>) -> Promise {
        let (account, signal) = (self.shared.account.clone(), JsValue::from(signal));
        let s = signal.clone();
        let p = async move { account.me_with(Some(&s)).await.map(|v| js(&v)).map_err(err) };
        guard(&signal, "me", p)
    }

    /// `GET /v4/account/balance`; also updates `currentAccount.balance`. `signal` aborts it
    /// (the request is cancelled).
    #[wasm_bindgen(js_name = refreshBalance, unchecked_return_type = "Promise<Balances>")]
    pub fn refresh_balance(&self, signal: Option<AbortSignal>) -> Promise {
        let shared = self.shared.clone();
        let signal_js = signal.clone().map(JsValue::from);
        let p = async move {
            shared.account.ensure_fresh_token().await.map_err(err)?;
            let b = shared
                .inner
                .api_with("GET", "/v4/account/balance", None, true, signal_js.as_ref())
                .await
                .map_err(err)?;
            shared.account.update(serde_json::json!({"balance": b}));
            Ok(js(&b))
        };
        guard(&signal.into(), "refreshBalance", p)
    }

    /// Same as `refreshBalance` (official alias); `signal` aborts it.
    #[wasm_bindgen(js_name = accountBalance, unchecked_return_type = "Promise<Balances>")]
    pub fn account_balance(&self, signal: Option<AbortSignal>) -> Promise {
        self.refresh_balance(signal)
    }

    /// Switches between `fast` and `relaxed`; resolves with the network the server confirms
    /// (`signal` aborts the wait).
    #[wasm_bindgen(js_name = switchNetwork, unchecked_return_type = "Promise<'fast' | 'relaxed'>")]
    pub fn switch_network(&self, network: String, signal: Option<AbortSignal>) -> Promise {
        let account = self.shared.account.clone();
        let p = async move { account.switch_network(&network).await };
        guard(&signal.into(), "switchNetwork", p)
    }
}

/// `sogni.currentAccount`: the observable account.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct CurrentAccount {
    pub(crate) shared: Rc<Shared>,
}

#[wasm_bindgen]
impl CurrentAccount {
    fn field(&self, key: &str) -> JsValue {
        js(&self
            .shared
            .account
            .data
            .borrow()
            .get(key)
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// The signed-in user's name.
    #[wasm_bindgen(getter, unchecked_return_type = "string | null")]
    pub fn username(&self) -> JsValue {
        self.field("username")
    }

    /// Wallet address.
    #[wasm_bindgen(getter, js_name = walletAddress, unchecked_return_type = "string | null")]
    pub fn wallet_address(&self) -> JsValue {
        self.field("walletAddress")
    }

    /// E-mail.
    #[wasm_bindgen(getter, unchecked_return_type = "string | null")]
    pub fn email(&self) -> JsValue {
        self.field("email")
    }

    /// `{sogni:{settled,credit,debit,net}, spark:{…}}` from the latest `balanceUpdate`.
    #[wasm_bindgen(getter, unchecked_return_type = "Balances | null")]
    pub fn balance(&self) -> JsValue {
        self.field("balance")
    }

    /// `fast` or `relaxed`.
    #[wasm_bindgen(getter, unchecked_return_type = "'fast' | 'relaxed'")]
    pub fn network(&self) -> JsValue {
        self.field("network")
    }

    /// Whether credentials are set.
    #[wasm_bindgen(getter, js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.shared.inner.is_authenticated()
    }

    /// The official getter's spelling.
    #[wasm_bindgen(getter, js_name = isAuthenicated)]
    pub fn is_authenicated(&self) -> bool {
        self.is_authenticated()
    }

    /// Plain-object snapshot.
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> JsValue {
        js(&*self.shared.account.data.borrow())
    }

    /// Listens for `updated`.
    pub fn on(&self, event: &str, listener: Function) -> Function {
        self.shared
            .account
            .events
            .on(event, listener.clone(), false);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes a listener.
    pub fn off(&self, event: &str, listener: &Function) {
        self.shared.account.events.off(event, listener);
    }
}

/// `sogni.apiClient`: connection state and events (`connecting`, `connected`, `disconnected`).
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub(crate) shared: Rc<Shared>,
}

#[wasm_bindgen]
impl ApiClient {
    /// Whether credentials are set.
    #[wasm_bindgen(getter, js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.shared.inner.is_authenticated()
    }

    /// Listens for a connection event.
    pub fn on(&self, event: &str, listener: Function) -> Function {
        self.shared.inner.events.on(event, listener.clone(), false);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes a listener.
    pub fn off(&self, event: &str, listener: &Function) {
        self.shared.inner.events.off(event, listener);
    }
}
