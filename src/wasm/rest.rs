//! HTTP calls to the API host (`{status, data}` envelope) and the socket host (bare JSON),
//! with the caller's credentials.

use super::glue::{self, fetch_with_init, set, Response};
use crate::Error;
use js_sys::Object;
use serde_json::Value;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Default per-request timeout, as the official client.
const TIMEOUT_MS: f64 = 30_000.0;

/// How requests authenticate.
#[derive(Clone, PartialEq, Default)]
pub(crate) enum Credentials {
    /// Not signed in.
    #[default]
    None,
    /// `api-key` header.
    ApiKey(String),
    /// `Authorization: <jwt>` (raw, no `Bearer`), refreshed before `exp`.
    Token {
        /// Access token.
        token: String,
        /// Refresh token.
        refresh: String,
    },
    /// Browser cookies (`credentials: 'include'`).
    Cookies,
}

/// Never prints a key or a token.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::None => "None",
            Self::ApiKey(_) => "ApiKey(<redacted>)",
            Self::Token { .. } => "Token(<redacted>)",
            Self::Cookies => "Cookies",
        })
    }
}

impl Credentials {
    /// Header pairs for REST and for the socket upgrade.
    pub(crate) fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::ApiKey(k) => vec![("api-key", k.clone())],
            Self::Token { token, .. } => vec![("Authorization", token.clone())],
            _ => Vec::new(),
        }
    }
}

/// The two hosts and the credentials.
#[derive(Debug)]
pub(crate) struct Rest {
    /// API host base, e.g. `https://api.sogni.ai`.
    pub(crate) api: String,
    /// Socket host HTTP base, e.g. `https://socket.sogni.ai`.
    pub(crate) socket_http: String,
    /// Current credentials.
    pub(crate) credentials: RefCell<Credentials>,
    /// `authType: 'cookies'`: every call sends the browser's cookies (login sets them).
    pub(crate) cookie_mode: bool,
}

fn origin_of(base: &str) -> String {
    // Paths are root-absolute: any path prefix of the base is dropped, as the official client.
    match base.find("://") {
        Some(i) => match base[i + 3..].find('/') {
            Some(j) => base[..i + 3 + j].to_string(),
            None => base.to_string(),
        },
        None => base.trim_end_matches('/').to_string(),
    }
}

/// Parses a `Retry-After` header: delta-seconds or an HTTP date.
fn retry_after_header(value: &str) -> Option<f64> {
    if let Ok(s) = value.trim().parse::<f64>() {
        return Some(s.max(0.0));
    }
    let at = js_sys::Date::parse(value);
    (!at.is_nan()).then(|| ((at - glue::now_ms()) / 1000.0).max(0.0))
}

impl Rest {
    pub(crate) fn new(api: &str, socket_ws: &str, cookie_mode: bool) -> Self {
        let socket_http = socket_ws
            .replacen("wss://", "https://", 1)
            .replacen("ws://", "http://", 1);
        Self {
            api: origin_of(api),
            socket_http: origin_of(&socket_http),
            credentials: RefCell::new(Credentials::None),
            cookie_mode,
        }
    }

    /// `fetch` with the credentials, extra headers and a timeout: `(status, text, response)`.
    /// Idempotent calls are retried on 429/5xx and transport failures (see
    /// [`crate::backoff::rest_retry_delay_ms`]); the caller's `signal` stops it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn send_retrying(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
        auth: bool,
        extra_headers: &[(&str, String)],
        timeout_ms: f64,
        signal: Option<&JsValue>,
    ) -> Result<(u16, String, Response), Error> {
        let idempotent = crate::backoff::is_idempotent(method);
        let mut failures = 0;
        loop {
            let attempt = async {
                let res = self
                    .fetch_raw(method, url, body, auth, extra_headers, timeout_ms, signal)
                    .await?;
                let text = JsFuture::from(res.text())
                    .await
                    .map_err(|e| fetch_error(&e, signal))?
                    .as_string()
                    .unwrap_or_default();
                Ok::<_, Error>((res.status(), text, res))
            }
            .await;
            let (status, retry_after) = match &attempt {
                Ok((status, _, _)) if (200..400).contains(status) => return attempt,
                Ok((status, text, res)) => (
                    Some(*status),
                    Self::error_from(*status, text, res).retry_after(),
                ),
                Err(Error::Transport { .. }) => (None, None),
                Err(_) => return attempt,
            };
            failures += 1;
            let delay = if idempotent {
                crate::backoff::rest_retry_delay_ms(
                    failures,
                    status,
                    retry_after,
                    js_sys::Math::random(),
                )
            } else {
                None
            };
            let Some(delay) = delay else {
                return attempt;
            };
            wait_before_retry(delay, signal, "Request aborted").await?;
        }
    }

    /// `fetch` with the credentials and extra headers; the response is not read (for
    /// streamed bodies). `signal` (a caller's `AbortSignal`) replaces the timeout.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn fetch_raw(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
        auth: bool,
        extra_headers: &[(&str, String)],
        timeout_ms: f64,
        signal: Option<&JsValue>,
    ) -> Result<Response, Error> {
        let init = Object::new();
        set(&init, "method", &JsValue::from_str(method));
        let headers = Object::new();
        if auth {
            let creds = self.credentials.borrow().clone();
            for (k, v) in creds.headers() {
                set(&headers, k, &JsValue::from_str(&v));
            }
            if creds == Credentials::Cookies {
                set(&init, "credentials", &JsValue::from_str("include"));
            }
        }
        if self.cookie_mode {
            set(&init, "credentials", &JsValue::from_str("include"));
        }
        if let Some(body) = body {
            set(
                &headers,
                "Content-Type",
                &JsValue::from_str("application/json"),
            );
            set(&init, "body", &JsValue::from_str(&body.to_string()));
        }
        for (k, v) in extra_headers {
            set(&headers, k, &JsValue::from_str(v));
        }
        set(&init, "headers", &headers);
        match signal {
            Some(s) if timeout_ms > 0.0 => {
                set(&init, "signal", &glue::signal_with_timeout(s, timeout_ms))
            }
            Some(s) => set(&init, "signal", s),
            None if timeout_ms > 0.0 => set(&init, "signal", &glue::abort_after(timeout_ms)),
            None => {}
        }
        let res = JsFuture::from(fetch_with_init(url, &init))
            .await
            .map_err(|e| fetch_error(&e, signal))?;
        Ok(res.unchecked_into())
    }

    pub(crate) fn error_from(status: u16, text: &str, res: &Response) -> Error {
        let body: Option<Value> = serde_json::from_str(text).ok();
        let obj = body.as_ref().filter(|b| b.is_object());
        let message = obj
            .and_then(|b| b.get("message"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                let status_text = res.status_text();
                if !text.trim().is_empty() && body.is_none() {
                    text.chars().take(200).collect()
                } else if status_text.is_empty() {
                    format!("HTTP {status}")
                } else {
                    status_text
                }
            });
        let error_code = obj
            .and_then(|b| b.get("errorCode"))
            .and_then(Value::as_i64)
            .unwrap_or(i64::from(status));
        let retry_after = obj
            .and_then(|b| b.get("retryAfter"))
            .and_then(Value::as_f64)
            .or_else(|| {
                res.headers()
                    .get("retry-after")
                    .and_then(|h| retry_after_header(&h))
            });
        Error::Api {
            status,
            error_code,
            message,
            retry_after,
            details: obj.and_then(|b| b.get("details")).cloned(),
        }
    }

    /// A call to the API host; returns the envelope's `data`.
    pub(crate) async fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        auth: bool,
    ) -> Result<Value, Error> {
        self.api_with(method, path, body, auth, None).await
    }

    /// [`Self::api`] that `signal` can abort.
    pub(crate) async fn api_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        auth: bool,
        signal: Option<&JsValue>,
    ) -> Result<Value, Error> {
        let url = format!("{}{}", self.api, path);
        let (status, text, res) = self
            .send_retrying(method, &url, body, auth, &[], TIMEOUT_MS, signal)
            .await?;
        if !(200..300).contains(&status) {
            return Err(Self::error_from(status, &text, &res));
        }
        let body: Value = serde_json::from_str(&text).map_err(|_| Error::Protocol {
            message: format!("Failed to parse response body (HTTP {status})"),
        })?;
        Ok(body.get("data").cloned().unwrap_or(body))
    }

    /// A GET on the socket host, which `signal` can abort; returns the bare JSON.
    pub(crate) async fn socket_get_with(
        &self,
        path: &str,
        signal: Option<&JsValue>,
    ) -> Result<Value, Error> {
        let url = format!("{}{}", self.socket_http, path);
        let (status, text, res) = self
            .send_retrying("GET", &url, None, true, &[], TIMEOUT_MS, signal)
            .await?;
        if !(200..300).contains(&status) {
            return Err(Self::error_from(status, &text, &res));
        }
        serde_json::from_str(&text).map_err(|_| Error::Protocol {
            message: format!("Failed to parse response body (HTTP {status})"),
        })
    }

    /// `PUT` a body (a `Blob`, passed through untouched) to a presigned URL, without auth.
    #[allow(dead_code)]
    pub(crate) async fn put_blob(
        &self,
        url: &str,
        blob: &JsValue,
        content_type: Option<&str>,
    ) -> Result<(), Error> {
        self.put_blob_with(url, blob, content_type, None).await
    }

    /// [`Self::put_blob`], retried like every idempotent call, stopped by `signal`.
    pub(crate) async fn put_blob_with(
        &self,
        url: &str,
        blob: &JsValue,
        content_type: Option<&str>,
        signal: Option<&JsValue>,
    ) -> Result<(), Error> {
        let mut failures = 0;
        loop {
            let init = Object::new();
            set(&init, "method", &JsValue::from_str("PUT"));
            set(&init, "body", blob);
            let headers = Object::new();
            if let Some(ct) = content_type {
                set(&headers, "Content-Type", &JsValue::from_str(ct));
            }
            set(&init, "headers", &headers);
            if let Some(s) = signal {
                set(&init, "signal", s);
            }
            let (status, retry_after) = match JsFuture::from(fetch_with_init(url, &init)).await {
                Ok(res) => {
                    let res: Response = res.unchecked_into();
                    let status = res.status();
                    if (200..300).contains(&status) {
                        return Ok(());
                    }
                    let retry_after = res
                        .headers()
                        .get("retry-after")
                        .and_then(|h| retry_after_header(&h));
                    (Some(status), retry_after)
                }
                Err(e) => match fetch_error(&e, signal) {
                    Error::Transport { message } => {
                        failures += 1;
                        if crate::backoff::rest_retry_delay_ms(failures, None, None, 0.5).is_none()
                        {
                            return Err(Error::Transport { message });
                        }
                        (None, None)
                    }
                    other => return Err(other),
                },
            };
            if status.is_some() {
                failures += 1;
            }
            let delay = crate::backoff::rest_retry_delay_ms(
                failures,
                status,
                retry_after,
                js_sys::Math::random(),
            );
            let Some(delay) = delay else {
                let status = status.unwrap_or(0);
                return Err(Error::Api {
                    status,
                    error_code: 0,
                    message: format!("Failed to upload media (HTTP {status})"),
                    retry_after,
                    details: None,
                });
            };
            wait_before_retry(delay, signal, "Upload aborted").await?;
        }
    }
}

/// A rejected `fetch` as a core error: the caller's abort, a timeout, or a transport failure.
fn fetch_error(e: &JsValue, signal: Option<&JsValue>) -> Error {
    if signal.is_some_and(|s| glue::get(s, "aborted").as_bool() == Some(true)) {
        return Error::Aborted {
            message: "Request aborted".into(),
        };
    }
    match glue::get(e, "name").as_string().as_deref() {
        Some("TimeoutError") => Error::Timeout {
            message: "Request timed out".into(),
        },
        Some("AbortError") => Error::Aborted {
            message: "Request aborted".into(),
        },
        _ => super::errors::from_js(e),
    }
}

/// Sleeps `delay` ms before a retry; `Error::Aborted` with `message` when `signal` aborts first.
async fn wait_before_retry(
    delay: f64,
    signal: Option<&JsValue>,
    message: &str,
) -> Result<(), Error> {
    let aborted = || Error::Aborted {
        message: message.into(),
    };
    let wait = glue::with_abort(
        &glue::sleep(delay),
        signal.unwrap_or(&JsValue::UNDEFINED),
        &super::errors::to_js(&aborted()),
    );
    JsFuture::from(wait)
        .await
        .map(|_| ())
        .map_err(|_| aborted())
}
