//! Account endpoints: nonce, EIP-712 login, token refresh, logout, me, balance, subscription.

use super::auth::{caller, credential, session_of, Credential};
use super::error::ApiError;
use super::ok;
use crate::state::{now_secs, AppState};
use crate::tokens::{Claims, TokenKind};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use sogni_wasm::wallet::{authentication_digest, recover_address, Eip712Domain};
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

/// `POST /v1/account/nonce {walletAddress}` → `{nonce}`.
pub async fn nonce(State(state): Shared, Json(body): Json<Value>) -> Result<Json<Value>, ApiError> {
    let address = body
        .get("walletAddress")
        .and_then(Value::as_str)
        .filter(|a| a.len() == 42 && a.starts_with("0x"))
        .ok_or_else(|| ApiError::bad_request("walletAddress is required"))?;
    let nonce = uuid::Uuid::new_v4().to_string();
    state
        .nonces
        .lock()
        .unwrap()
        .insert(address.to_lowercase(), nonce.clone());
    Ok(ok(json!({"nonce": nonce})))
}

/// The body of `POST /v1/account/login`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginBody {
    /// The wallet the nonce was issued for.
    pub wallet_address: String,
    /// EIP-712 signature of `Authentication{walletAddress, nonce}`.
    pub signature: String,
    /// Longer-lived refresh token.
    #[serde(default)]
    pub remember_me: bool,
}

/// A fresh access + refresh token pair for `address` in `session`.
pub(crate) fn mint_pair(
    state: &AppState,
    address: &str,
    session: &str,
    remember: bool,
) -> (String, String) {
    let now = now_secs();
    let n = uuid::Uuid::new_v4().simple().to_string();
    let refresh_ttl = state.config.refresh_token_ttl_secs * if remember { 2 } else { 1 };
    let claims = |kind, ttl| Claims {
        addr: address.to_string(),
        env: "emulator".into(),
        iat: now,
        exp: now + ttl,
        kind,
        jti: format!("{session}.{n}"),
    };
    (
        state.tokens.mint(&claims(
            TokenKind::Access,
            state.config.access_token_ttl_secs,
        )),
        state.tokens.mint(&claims(TokenKind::Refresh, refresh_ttl)),
    )
}

/// The answer with the access token also set as the `authorization` cookie.
pub(crate) fn with_cookie(body: Json<Value>, token: &str, max_age: u64) -> Response {
    let cookie =
        format!("authorization={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}");
    let mut res = body.into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// `POST /v1/account/login {walletAddress, signature}` → `{token, refreshToken, username}`.
///
/// The signature must be the EIP-712 `Authentication{walletAddress, nonce}` signature of the
/// outstanding nonce (mainnet or testnet domain) by the wallet of a configured user.
pub async fn login(
    State(state): Shared,
    Json(body): Json<LoginBody>,
) -> Result<Response, ApiError> {
    let address = body.wallet_address.to_lowercase();
    let nonce = state
        .nonces
        .lock()
        .unwrap()
        .remove(&address)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                102,
                "No login nonce for this wallet; request one first",
            )
        })?;
    let account = state.account_by_address(&address).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            102,
            "Invalid username or password",
        )
    })?;
    let signed_by_owner = [Eip712Domain::mainnet(), Eip712Domain::testnet()]
        .iter()
        .any(|domain| {
            authentication_digest(&body.wallet_address, &nonce, domain)
                .ok()
                .and_then(|digest| recover_address(&digest, &body.signature).ok())
                .is_some_and(|signer| signer.eq_ignore_ascii_case(&account.address))
        });
    if !signed_by_owner {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            102,
            "Invalid username or password",
        ));
    }
    let session = uuid::Uuid::new_v4().simple().to_string();
    let (token, refresh) = mint_pair(&state, &account.address, &session, body.remember_me);
    let data = json!({"token": token, "refreshToken": refresh, "username": account.username});
    Ok(with_cookie(
        ok(data),
        &token,
        state.config.access_token_ttl_secs,
    ))
}

/// `POST /v1/account/refresh-token {refreshToken}` → a new `{token, refreshToken}` pair.
pub async fn refresh(State(state): Shared, Json(body): Json<Value>) -> Result<Response, ApiError> {
    let old = body
        .get("refreshToken")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("refreshToken is required"))?;
    let claims = state
        .tokens
        .verify(old, TokenKind::Refresh, now_secs())
        .map_err(|e| ApiError::unauthorized(format!("Invalid refresh token: {e}")))?;
    {
        let mut revoked = state.revoked.lock().unwrap();
        if revoked.contains(&session_of(&claims.jti)) || !revoked.insert(claims.jti.clone()) {
            return Err(ApiError::unauthorized(
                "Refresh token already used or logged out",
            ));
        }
    }
    let (token, refresh) = mint_pair(&state, &claims.addr, &session_of(&claims.jti), false);
    let data = json!({"token": token, "refreshToken": refresh});
    Ok(with_cookie(
        ok(data),
        &token,
        state.config.access_token_ttl_secs,
    ))
}

/// `POST /v1/account/logout`: revokes the session of the calling token and clears the cookie.
pub async fn logout(State(state): Shared, headers: HeaderMap) -> Result<Response, ApiError> {
    caller(&state, &headers)?;
    if let Some(Credential::Token(token)) = credential(&headers) {
        if let Ok(claims) = state.tokens.verify(&token, TokenKind::Access, now_secs()) {
            state
                .revoked
                .lock()
                .unwrap()
                .insert(session_of(&claims.jti));
        }
    }
    let mut res = ok(json!({})).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("authorization=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(res)
}

/// `GET /v1/account/me`.
pub async fn me(State(state): Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    Ok(ok(caller(&state, &headers)?.me_json()))
}

/// `GET /v4/account/balance`.
pub async fn balance(State(state): Shared, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    Ok(ok(caller(&state, &headers)?.balance_rest_json()))
}

/// `GET /v1/subscriptions/status`: the account's subscription (see `crate::surface::account`).
pub async fn subscription_status(
    State(state): Shared,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = caller(&state, &headers)?;
    let snapshot = crate::surface::account::snapshot(&state, &account.address);
    Ok(ok(json!({ "subscription": snapshot })))
}
