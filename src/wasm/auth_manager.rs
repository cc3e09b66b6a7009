//! `ApiKeyAuthManager` (a root export, as officially), `apiClient.auth` (the client's auth
//! manager: an `ApiKeyAuthManager` for API-key clients, an `AuthManager` for token and
//! cookie clients), `apiClient.rest` (REST calls to the API host with the client's
//! credentials) and `apiClient.attribution`.

use super::abort::is_aborted;
use super::api::{ApiClient, Shared};
use super::emitter::Emitter;
use super::errors::to_js;
use super::glue;
use super::project::AbortSignal;
use super::projects::js;
use super::rest::{Credentials, Rest};
use crate::Error;
use js_sys::{Function, Object, Promise};
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_AUTH_TYPES: &str = r#"
/** How a caller interacts with Sogni at the connection boundary. */
export type InteractionKind = 'human_ui' | 'external_agent' | 'service' | 'unknown';
/** How a logical workload was initiated. */
export type WorkloadKind = 'direct' | 'agent_mediated' | 'service' | 'unknown';
/** Whether an operation is a user-visible root or work done on its behalf. */
export type OperationScope = 'top_level' | 'child' | 'unknown';
/** The integration surface used to reach Sogni. */
export type AgentSurface = 'native_web' | 'native_mobile' | 'native_desktop' | 'plugin' | 'personal_skill' | 'mcp' | 'cli' | 'sdk' | 'openai_compatible' | 'direct_api' | 'unknown';
/** Execution detail of agent-mediated products. */
export type ExecutionMode = 'browser' | 'durable' | 'server' | 'unknown';
/** Agent metadata shared by connection and workload attribution. */
export interface AgentAttributionMetadata {
  agentFramework?: string;
  agentFrameworkVersion?: string;
  agentSurface?: AgentSurface;
  agentSurfaceVersion?: string;
  executionMode?: ExecutionMode;
}
/** Attribution of the socket connection (sent on its URL). */
export interface ConnectionAttribution extends AgentAttributionMetadata {
  interactionKind: InteractionKind;
}
/** Defaults applied to each attributed workload. */
export interface WorkloadAttributionDefaults extends AgentAttributionMetadata {
  workloadKind: WorkloadKind;
}
/** One operation's attribution (overrides the client defaults field by field). */
export interface WorkloadAttributionInput extends Partial<WorkloadAttributionDefaults> {
  operationScope?: OperationScope;
  operationId?: string;
  rootOperationId?: string;
  parentOperationId?: string;
}
/** `SogniClientConfig.attribution`: immutable connection and workload defaults. */
export interface SogniAttributionConfig {
  connection?: ConnectionAttribution;
  workload?: WorkloadAttributionDefaults;
}
/** `apiClient.attribution`. */
export type ClientAttribution = Readonly<{
  connection?: Readonly<Partial<ConnectionAttribution>>;
  workload?: Readonly<WorkloadAttributionDefaults>;
}>;
/** `authManager.socketOptions()`: the headers the socket upgrade carries. */
export interface SocketAuthOptions {
  headers: Record<string, string>;
}
/** `apiClient.rest.post()` options. */
export interface RestPostOptions {
  timeoutMs?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A logger (typed for the `.d.ts`).
    #[wasm_bindgen(typescript_type = "Logger")]
    #[derive(Debug, Clone)]
    pub type LoggerArg;

    /// A `fetch` `RequestInit` (typed for the `.d.ts`).
    #[wasm_bindgen(typescript_type = "RequestInit")]
    #[derive(Debug, Clone)]
    pub type RequestInitArg;

    /// A query object (typed for the `.d.ts`).
    #[wasm_bindgen(typescript_type = "Record<string, unknown>")]
    #[derive(Debug, Clone)]
    pub type QueryArg;

    /// `rest.post()` options (typed for the `.d.ts`).
    #[wasm_bindgen(typescript_type = "RestPostOptions")]
    #[derive(Debug, Clone)]
    pub type RestPostOptionsArg;
}

fn invalid(code: &'static str, message: &str) -> JsValue {
    to_js(&Error::invalid(code, message))
}

/// `promise` unless `signal` has already aborted (then nothing is done).
fn settled(signal: Option<AbortSignal>, what: &str, work: impl FnOnce() -> Promise) -> Promise {
    if signal
        .as_ref()
        .is_some_and(|s| is_aborted(&JsValue::from(s.clone())))
    {
        return Promise::reject(&super::abort::aborted(what));
    }
    super::abort::race(work(), &super::abort::opt(&signal), what)
}

/// A copy of `init` whose `headers` (a plain object, a `Headers` or `[name, value]` pairs) is
/// a plain object with `extra` added, and `credentials` set when given.
fn with_auth(init: &JsValue, extra: &[(&str, String)], credentials: Option<&str>) -> JsValue {
    let out = Object::new();
    if init.is_object() {
        Object::assign(&out, init.unchecked_ref());
    }
    if !extra.is_empty() {
        let current = glue::get(init, "headers");
        let iterable = current.is_object()
            && js_sys::Reflect::has(&current, &js_sys::Symbol::iterator()).unwrap_or(false);
        let headers = if iterable {
            Object::from_entries(&current).unwrap_or_default()
        } else {
            let h = Object::new();
            if current.is_object() {
                Object::assign(&h, current.unchecked_ref());
            }
            h
        };
        for (k, v) in extra {
            glue::set(&headers, k, &JsValue::from_str(v));
        }
        glue::set(&out, "headers", &headers);
    }
    if let Some(c) = credentials {
        glue::set(&out, "credentials", &JsValue::from_str(c));
    }
    out.into()
}

fn socket_options(headers: &[(&str, String)]) -> JsValue {
    if headers.is_empty() {
        return JsValue::UNDEFINED;
    }
    let h = Object::new();
    for (k, v) in headers {
        glue::set(&h, k, &JsValue::from_str(v));
    }
    let out = Object::new();
    glue::set(&out, "headers", &h);
    out.into()
}

/// A standalone manager's own key and listeners.
struct Own {
    key: RefCell<Option<String>>,
    events: Emitter,
    logger: JsValue,
}

enum KeyTarget {
    /// `new ApiKeyAuthManager(logger)`: holds its own key.
    Own(Own),
    /// `apiClient.auth` of an API-key client: the client's credentials.
    Client(Rc<Shared>),
}

/// Authentication with an API key (the `api-key` header on REST and on the socket upgrade),
/// as the official `ApiKeyAuthManager`: `new ApiKeyAuthManager(logger)` holds its own key;
/// `apiClient.auth` of an API-key client is one bound to that client (`authenticate` signs
/// the client in and connects it, `clear` signs it out).
#[wasm_bindgen]
#[derive(Clone)]
pub struct ApiKeyAuthManager {
    target: Rc<KeyTarget>,
}

/// Never prints the key.
impl std::fmt::Debug for ApiKeyAuthManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &*self.target {
            KeyTarget::Own(_) => "own",
            KeyTarget::Client(_) => "client",
        };
        write!(
            f,
            "ApiKeyAuthManager({kind}, authenticated: {})",
            self.key().is_some()
        )
    }
}

impl ApiKeyAuthManager {
    pub(crate) fn bound(shared: Rc<Shared>) -> Self {
        Self {
            target: Rc::new(KeyTarget::Client(shared)),
        }
    }

    fn key(&self) -> Option<String> {
        match &*self.target {
            KeyTarget::Own(o) => o.key.borrow().clone(),
            KeyTarget::Client(s) => match &*s.inner.rest.credentials.borrow() {
                Credentials::ApiKey(k) => Some(k.clone()),
                _ => None,
            },
        }
    }

    fn events(&self) -> &Emitter {
        match &*self.target {
            KeyTarget::Own(o) => &o.events,
            KeyTarget::Client(s) => &s.inner.auth_events,
        }
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        self.key().map(|k| vec![("api-key", k)]).unwrap_or_default()
    }
}

#[wasm_bindgen]
impl ApiKeyAuthManager {
    /// A manager holding its own key (`logger` as officially; kept for the caller).
    #[wasm_bindgen(constructor)]
    pub fn new(logger: Option<LoggerArg>) -> ApiKeyAuthManager {
        Self {
            target: Rc::new(KeyTarget::Own(Own {
                key: RefCell::new(None),
                events: Emitter::default(),
                logger: logger.map_or(JsValue::UNDEFINED, JsValue::from),
            })),
        }
    }

    /// Whether a key is set.
    #[wasm_bindgen(getter, js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.key().is_some()
    }

    /// Sets the key (a non-empty string, else `INVALID_API_KEY`) and emits `updated` with
    /// `true`; bound to a client, also connects it and loads the account. An aborted
    /// `signal` changes nothing.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn authenticate(
        &self,
        #[wasm_bindgen(js_name = apiKey, unchecked_param_type = "string")] api_key: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        settled(signal, "authenticate", || {
            let Some(key) = api_key.as_string().filter(|k| !k.trim().is_empty()) else {
                return Promise::reject(&invalid(
                    "INVALID_API_KEY",
                    "authenticate needs a non-empty API key string",
                ));
            };
            match &*self.target {
                KeyTarget::Own(o) => {
                    *o.key.borrow_mut() = Some(key);
                    o.events.emit("updated", &JsValue::TRUE);
                }
                KeyTarget::Client(s) => {
                    if s.inner.is_disposed() {
                        return Promise::reject(&to_js(&super::client::Inner::disposed_error()));
                    }
                    *s.inner.rest.credentials.borrow_mut() = Credentials::ApiKey(key);
                    s.account.after_auth();
                }
            }
            Promise::resolve(&JsValue::UNDEFINED)
        })
    }

    /// Forgets the key and emits `updated` with `false` (nothing when no key is set); bound
    /// to a client, signs it out and closes its socket.
    pub fn clear(&self) {
        match &*self.target {
            KeyTarget::Own(o) => {
                if o.key.borrow_mut().take().is_some() {
                    o.events.emit("updated", &JsValue::FALSE);
                }
            }
            KeyTarget::Client(s) => {
                if self.key().is_some() {
                    s.account.clear_auth();
                    s.inner.dispose_socket();
                }
            }
        }
    }

    /// The key, to persist and restore with `authenticate` (`null` when none); `signal` as
    /// on every async call.
    #[wasm_bindgen(unchecked_return_type = "Promise<string | null>")]
    pub fn backup(&self, signal: Option<AbortSignal>) -> Promise {
        let key = self.key();
        settled(signal, "backup", || {
            Promise::resolve(&key.map_or(JsValue::NULL, |k| JsValue::from_str(&k)))
        })
    }

    /// A copy of `init` with the `api-key` header added to its headers (any form: object,
    /// `Headers`, pairs; the copy's are a plain object); unchanged without a key. `signal`
    /// as on every async call.
    #[wasm_bindgen(js_name = authenticateRequest, unchecked_return_type = "Promise<RequestInit>")]
    pub fn authenticate_request(
        &self,
        init: Option<RequestInitArg>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let init = init.map_or(JsValue::UNDEFINED, JsValue::from);
        let headers = self.headers();
        settled(signal, "authenticateRequest", || {
            Promise::resolve(&with_auth(&init, &headers, None))
        })
    }

    /// The socket upgrade's options: `{headers: {'api-key': key}}`, `undefined` without a
    /// key. `signal` as on every async call.
    #[wasm_bindgen(js_name = socketOptions, unchecked_return_type = "Promise<SocketAuthOptions | undefined>")]
    pub fn socket_options(&self, signal: Option<AbortSignal>) -> Promise {
        let options = socket_options(&self.headers());
        settled(signal, "socketOptions", || Promise::resolve(&options))
    }

    /// The logger given to the constructor (`undefined` for a client's manager).
    #[wasm_bindgen(getter)]
    pub fn logger(&self) -> JsValue {
        match &*self.target {
            KeyTarget::Own(o) => o.logger.clone(),
            KeyTarget::Client(s) => s
                .inner
                .logger
                .borrow()
                .clone()
                .unwrap_or(JsValue::UNDEFINED),
        }
    }

    /// Listens for `updated` (a boolean: authenticated or not); returns the unsubscriber.
    pub fn on(&self, event: &str, listener: Function) -> Function {
        self.events().on(event, listener.clone(), false);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Like `on`, for one call.
    pub fn once(&self, event: &str, listener: Function) -> Function {
        self.events().on(event, listener.clone(), true);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes a listener.
    pub fn off(&self, event: &str, listener: &Function) {
        self.events().off(event, listener);
    }

    /// Removes every listener (of `event`, or all).
    #[wasm_bindgen(js_name = removeAllListeners)]
    pub fn remove_all_listeners(&self, event: Option<String>) {
        self.events().clear(event.as_deref());
    }
}

/// `apiClient.auth` of a token (username/password) or cookie client: the official
/// `TokenAuthManager` / `CookieAuthManager` members over the client's credentials.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct AuthManager {
    shared: Rc<Shared>,
}

impl AuthManager {
    fn cookies(&self) -> bool {
        self.shared.inner.rest.cookie_mode
            || *self.shared.inner.rest.credentials.borrow() == Credentials::Cookies
    }

    /// The headers of the current credentials, after refreshing an expired token.
    async fn fresh_headers(shared: &Rc<Shared>) -> Result<Vec<(&'static str, String)>, Error> {
        shared.inner.refresh_token().await?;
        Ok(shared.inner.rest.credentials.borrow().headers())
    }
}

#[wasm_bindgen]
impl AuthManager {
    /// `token` or `cookies`.
    #[wasm_bindgen(getter, unchecked_return_type = "'token' | 'cookies'")]
    pub fn kind(&self) -> String {
        if self.cookies() { "cookies" } else { "token" }.into()
    }

    /// Whether the client holds credentials.
    #[wasm_bindgen(getter, js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.shared.inner.is_authenticated()
    }

    /// Token clients: `{token, refreshToken}` (an expired token is refreshed first, like
    /// `sogni.setTokens`); cookie clients: nothing (the browser's cookies). Then connects the
    /// client and loads the account; emits `updated` with `true`. `signal` aborts the wait.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn authenticate(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ token: string; refreshToken: string } | undefined"
        )]
        data: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let shared = self.shared.clone();
        let cookies = self.cookies();
        settled(signal, "authenticate", move || {
            super::abort::promise(async move {
                if cookies {
                    *shared.inner.rest.credentials.borrow_mut() = Credentials::Cookies;
                } else {
                    let token = glue::get(&data, "token").as_string();
                    let refresh = glue::get(&data, "refreshToken").as_string();
                    let (Some(token), Some(refresh)) = (token, refresh) else {
                        return Err(invalid(
                            "INVALID_TOKENS",
                            "authenticate needs {token, refreshToken}",
                        ));
                    };
                    *shared.inner.rest.credentials.borrow_mut() =
                        Credentials::Token { token, refresh };
                    shared
                        .account
                        .ensure_fresh_token()
                        .await
                        .map_err(|e| to_js(&e))?;
                }
                shared.account.after_auth();
                Ok(JsValue::UNDEFINED)
            })
        })
    }

    /// Signs the client out and closes its socket; emits `updated` with `false`.
    pub fn clear(&self) {
        if self.shared.inner.is_authenticated() {
            self.shared.account.clear_auth();
            self.shared.inner.dispose_socket();
        }
    }

    /// Token clients: `{token, refreshToken}` to persist (`null` when signed out); cookie
    /// clients reject with `UNSUPPORTED_AUTH` (as officially, there is nothing to back up).
    /// `signal` as on every async call.
    #[wasm_bindgen(
        unchecked_return_type = "Promise<{ token: string; refreshToken: string } | null>"
    )]
    pub fn backup(&self, signal: Option<AbortSignal>) -> Promise {
        let creds = self.shared.inner.rest.credentials.borrow().clone();
        let cookies = self.cookies();
        settled(signal, "backup", || {
            if cookies {
                return Promise::reject(&invalid(
                    "UNSUPPORTED_AUTH",
                    "Not supported with cookie authentication",
                ));
            }
            Promise::resolve(&match creds {
                Credentials::Token { token, refresh } => {
                    js(&serde_json::json!({"token": token, "refreshToken": refresh}))
                }
                _ => JsValue::NULL,
            })
        })
    }

    /// A copy of `init` with the client's credentials: `Authorization` (the token,
    /// refreshed first when expired) or `credentials: 'include'` for cookies. `signal`
    /// aborts the refresh.
    #[wasm_bindgen(js_name = authenticateRequest, unchecked_return_type = "Promise<RequestInit>")]
    pub fn authenticate_request(
        &self,
        init: Option<RequestInitArg>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let init = init.map_or(JsValue::UNDEFINED, JsValue::from);
        let shared = self.shared.clone();
        let cookies = self.cookies();
        settled(signal, "authenticateRequest", move || {
            super::abort::promise(async move {
                if cookies {
                    return Ok(with_auth(&init, &[], Some("include")));
                }
                let headers = Self::fresh_headers(&shared).await.map_err(|e| to_js(&e))?;
                Ok(with_auth(&init, &headers, None))
            })
        })
    }

    /// The socket upgrade's options: `{headers: {Authorization}}` for a token client,
    /// `undefined` for cookies (the browser sends them) or when signed out. `signal` aborts
    /// the refresh.
    #[wasm_bindgen(js_name = socketOptions, unchecked_return_type = "Promise<SocketAuthOptions | undefined>")]
    pub fn socket_options(&self, signal: Option<AbortSignal>) -> Promise {
        let shared = self.shared.clone();
        let cookies = self.cookies();
        settled(signal, "socketOptions", move || {
            super::abort::promise(async move {
                if cookies {
                    return Ok(JsValue::UNDEFINED);
                }
                let headers = Self::fresh_headers(&shared).await.map_err(|e| to_js(&e))?;
                Ok(socket_options(&headers))
            })
        })
    }

    /// Listens for `updated` (a boolean: authenticated or not); returns the unsubscriber.
    pub fn on(&self, event: &str, listener: Function) -> Function {
        self.shared
            .inner
            .auth_events
            .on(event, listener.clone(), false);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Like `on`, for one call.
    pub fn once(&self, event: &str, listener: Function) -> Function {
        self.shared
            .inner
            .auth_events
            .on(event, listener.clone(), true);
        glue::unsubscriber(&JsValue::from(self.clone()), event, &listener)
    }

    /// Removes a listener.
    pub fn off(&self, event: &str, listener: &Function) {
        self.shared.inner.auth_events.off(event, listener);
    }
}

/// `apiClient.rest`: calls to the API host with the client's credentials (an expired token
/// is refreshed first; a 401 signs the client out, as officially). Resolves with the parsed
/// JSON body (the whole `{status, data}` envelope); a non-2xx answer rejects with an
/// `ApiError`. GETs (and only they) are retried on 429/5xx like every idempotent call.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct RestClient {
    shared: Rc<Shared>,
}

/// The default timeout of a REST call, as officially.
const REST_TIMEOUT_MS: f64 = 30_000.0;

/// `String(value)` of a query value (`None` for `undefined` and `null`, which are left out).
fn query_value(v: &JsValue) -> Option<String> {
    if v.is_undefined() || v.is_null() {
        return None;
    }
    if let Some(s) = v.as_string() {
        return Some(s);
    }
    if let Some(n) = v.as_f64() {
        return js_sys::Number::from(n)
            .to_string_with_radix(10)
            .ok()
            .map(String::from);
    }
    if let Some(b) = v.as_bool() {
        return Some(b.to_string());
    }
    Some(String::from(
        js_sys::JSON::stringify(v).unwrap_or_else(|_| js_sys::JsString::from("")),
    ))
}

impl RestClient {
    /// The absolute URL of `path` (root-relative, or absolute on the API host) with `query`;
    /// anything else is `INVALID_PATH` (credentials never go to another host).
    fn url(&self, path: &JsValue, query: &JsValue) -> Result<String, Error> {
        let base = &self.shared.inner.rest.api;
        let path = path.as_string().unwrap_or_default();
        let mut url = if path.starts_with('/') && !path.starts_with("//") {
            format!("{base}{path}")
        } else if path.starts_with(&format!("{base}/")) {
            path
        } else {
            return Err(Error::invalid(
                "INVALID_PATH",
                format!("a REST path must start with '/' (or be a URL on {base}), not {path:?}"),
            ));
        };
        if query.is_object() {
            let mut parts = Vec::new();
            for entry in Object::entries(query.unchecked_ref()).iter() {
                let pair = js_sys::Array::from(&entry);
                let key = pair.get(0).as_string().unwrap_or_default();
                if let Some(value) = query_value(&pair.get(1)) {
                    parts.push(format!(
                        "{}={}",
                        js_sys::encode_uri_component(&key),
                        js_sys::encode_uri_component(&value)
                    ));
                }
            }
            if !parts.is_empty() {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&parts.join("&"));
            }
        } else if !query.is_undefined() && !query.is_null() {
            return Err(Error::invalid(
                "INVALID_PARAMS",
                "the query must be an object",
            ));
        }
        Ok(url)
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        what: &'static str,
        method: &'static str,
        path: JsValue,
        query: JsValue,
        body: Option<Value>,
        headers: Vec<(String, String)>,
        timeout_ms: f64,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let url = self.url(&path, &query);
        let shared = self.shared.clone();
        let signal_js = signal.clone().map(JsValue::from);
        settled(signal, what, move || {
            super::abort::promise(async move {
                let url = url.map_err(|e| to_js(&e))?;
                let inner = &shared.inner;
                inner.refresh_token().await.map_err(|e| to_js(&e))?;
                let extra: Vec<(&str, String)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                let (status, text, res) = inner
                    .rest
                    .send_retrying(
                        method,
                        &url,
                        body.as_ref(),
                        true,
                        &extra,
                        timeout_ms,
                        signal_js.as_ref(),
                    )
                    .await
                    .map_err(|e| to_js(&e))?;
                if status == 401 && inner.is_authenticated() {
                    inner.auth_lost();
                }
                if !(200..300).contains(&status) {
                    return Err(to_js(&Rest::error_from(status, &text, &res)));
                }
                if text.trim().is_empty() {
                    return Ok(JsValue::UNDEFINED);
                }
                let parsed: Value = serde_json::from_str(&text).map_err(|e| {
                    to_js(&Error::Protocol {
                        message: format!("Failed to parse response body (HTTP {status}): {e}"),
                    })
                })?;
                Ok(js(&parsed))
            })
        })
    }
}

#[wasm_bindgen]
impl RestClient {
    /// The API host the calls go to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.shared.inner.rest.api.clone()
    }

    /// The client's auth manager (the same as `apiClient.auth`).
    #[wasm_bindgen(getter, unchecked_return_type = "ApiKeyAuthManager | AuthManager")]
    pub fn auth(&self) -> JsValue {
        auth_of(&self.shared)
    }

    /// `GET path?query` (`undefined`/`null` query values are left out); resolves with the
    /// parsed body. `signal` aborts it.
    #[wasm_bindgen(unchecked_return_type = "Promise<any>")]
    pub fn get(
        &self,
        path: String,
        query: Option<QueryArg>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let query = query.map_or(JsValue::UNDEFINED, JsValue::from);
        self.call(
            "rest.get",
            "GET",
            path.into(),
            query,
            None,
            Vec::new(),
            REST_TIMEOUT_MS,
            signal,
        )
    }

    /// `DELETE path`; resolves with the parsed body. `signal` aborts it.
    #[wasm_bindgen(unchecked_return_type = "Promise<any>")]
    pub fn delete(&self, path: String, signal: Option<AbortSignal>) -> Promise {
        self.call(
            "rest.delete",
            "DELETE",
            path.into(),
            JsValue::UNDEFINED,
            None,
            Vec::new(),
            REST_TIMEOUT_MS,
            signal,
        )
    }

    /// `POST path` with `body` as JSON (default `{}`); `options`: `timeoutMs` (default
    /// 30 s), extra `headers`, `signal`. Never retried (a POST may not be repeated).
    #[wasm_bindgen(unchecked_return_type = "Promise<any>")]
    pub fn post(
        &self,
        path: String,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] body: Option<Object>,
        options: Option<RestPostOptionsArg>,
    ) -> Promise {
        let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
        let signal = super::abort::signal_of(&options).map(|s| s.unchecked_into::<AbortSignal>());
        let body: Result<Value, _> = match &body {
            Some(b) => serde_wasm_bindgen::from_value(b.into()),
            None => Ok(Value::Object(Default::default())),
        };
        let body = match body {
            Ok(b) if b.is_object() => b,
            _ => {
                return Promise::reject(&invalid(
                    "INVALID_PARAMS",
                    "rest.post: the body must be a JSON object",
                ))
            }
        };
        let mut headers = Vec::new();
        let h = glue::get(&options, "headers");
        if h.is_object() {
            for entry in Object::entries(h.unchecked_ref()).iter() {
                let pair = js_sys::Array::from(&entry);
                if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                    headers.push((k, v));
                }
            }
        }
        let timeout = glue::get(&options, "timeoutMs")
            .as_f64()
            .filter(|t| t.is_finite() && *t > 0.0)
            .unwrap_or(REST_TIMEOUT_MS);
        self.call(
            "rest.post",
            "POST",
            path.into(),
            JsValue::UNDEFINED,
            Some(body),
            headers,
            timeout,
            signal,
        )
    }
}

/// The client's auth manager: API-key clients get an `ApiKeyAuthManager`, token and cookie
/// clients an `AuthManager`.
fn auth_of(shared: &Rc<Shared>) -> JsValue {
    let config = &shared.inner.config;
    let api_key = config.api_key.as_deref().is_some_and(|k| !k.is_empty())
        || config.auth_type.as_deref() == Some("apiKey")
        || matches!(
            *shared.inner.rest.credentials.borrow(),
            Credentials::ApiKey(_)
        );
    if api_key {
        ApiKeyAuthManager::bound(shared.clone()).into()
    } else {
        AuthManager {
            shared: shared.clone(),
        }
        .into()
    }
}

/// A deep-frozen copy of a plain value.
fn frozen(v: &Value) -> JsValue {
    let out = js(v);
    fn freeze(v: &JsValue) {
        if v.is_object() {
            for entry in Object::values(v.unchecked_ref()).iter() {
                freeze(&entry);
            }
            Object::freeze(v.unchecked_ref::<Object>());
        }
    }
    freeze(&out);
    out
}

#[wasm_bindgen]
impl ApiClient {
    /// The client's auth manager: an `ApiKeyAuthManager` bound to the client for API-key
    /// clients, an `AuthManager` (token or cookies) otherwise.
    #[wasm_bindgen(getter, unchecked_return_type = "ApiKeyAuthManager | AuthManager")]
    pub fn auth(&self) -> JsValue {
        auth_of(&self.shared)
    }

    /// REST calls to the API host with the client's credentials (`get`, `post`, `delete`).
    #[wasm_bindgen(getter)]
    pub fn rest(&self) -> RestClient {
        RestClient {
            shared: self.shared.clone(),
        }
    }

    /// The attribution given in the config, frozen: `{connection?, workload?}` with the
    /// connection's invalid fields dropped. The connection attribution goes on the socket
    /// URL; the workload defaults (merged with a project's `attribution`) on its `jobRequest`.
    #[wasm_bindgen(getter, unchecked_return_type = "ClientAttribution")]
    pub fn attribution(&self) -> JsValue {
        frozen(&crate::attribution::client_attribution(
            self.shared.inner.config.attribution.as_ref(),
        ))
    }
}
