//! Who is calling: `api-key` header, `Authorization` JWT (raw or `Bearer`), or the
//! `authorization` cookie.

use super::error::ApiError;
use crate::accounts::Account;
use crate::state::{now_secs, AppState};
use crate::tokens::TokenKind;
use axum::http::HeaderMap;
use std::sync::Arc;

/// The credential a request carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An API key.
    ApiKey(String),
    /// An access token, from the header or the cookie.
    Token(String),
}

/// Reads the credential from the headers, if any.
pub fn credential(headers: &HeaderMap) -> Option<Credential> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(key) = header("api-key").filter(|k| !k.is_empty()) {
        return Some(Credential::ApiKey(key.to_string()));
    }
    if let Some(auth) = header("authorization").filter(|a| !a.is_empty()) {
        let token = auth.strip_prefix("Bearer ").unwrap_or(auth);
        return Some(Credential::Token(token.trim().to_string()));
    }
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == "authorization")
        .map(|(_, v)| Credential::Token(v.to_string()))
}

/// Resolves a credential to its account.
pub fn account_for(state: &AppState, cred: &Credential) -> Result<Arc<Account>, ApiError> {
    match cred {
        Credential::ApiKey(key) => state
            .account_by_api_key(key)
            .ok_or_else(|| ApiError::unauthorized("Invalid API key")),
        Credential::Token(token) => {
            let claims = state
                .tokens
                .verify(token, TokenKind::Access, now_secs())
                .map_err(|e| ApiError::unauthorized(format!("Invalid token: {e}")))?;
            if state
                .revoked
                .lock()
                .unwrap()
                .contains(&session_of(&claims.jti))
            {
                return Err(ApiError::unauthorized("Session has been logged out"));
            }
            state
                .account_by_address(&claims.addr)
                .ok_or_else(|| ApiError::unauthorized("Unknown account"))
        }
    }
}

/// The caller's account, or 401.
pub fn caller(state: &AppState, headers: &HeaderMap) -> Result<Arc<Account>, ApiError> {
    let cred = credential(headers)
        .ok_or_else(|| ApiError::unauthorized("Authorization header or auth cookie required"))?;
    account_for(state, &cred)
}

/// Token ids look like `<session>.<n>`; the session part is what logout revokes.
pub fn session_of(jti: &str) -> String {
    jti.split('.').next().unwrap_or(jti).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_each_kind_of_credential() {
        let mut h = HeaderMap::new();
        assert_eq!(credential(&h), None);
        h.insert(
            "cookie",
            HeaderValue::from_static("a=1; authorization=tok; b=2"),
        );
        assert_eq!(credential(&h), Some(Credential::Token("tok".into())));
        h.insert("authorization", HeaderValue::from_static("Bearer jwt"));
        assert_eq!(credential(&h), Some(Credential::Token("jwt".into())));
        h.insert("authorization", HeaderValue::from_static("jwt2"));
        assert_eq!(credential(&h), Some(Credential::Token("jwt2".into())));
        h.insert("api-key", HeaderValue::from_static("k"));
        assert_eq!(credential(&h), Some(Credential::ApiKey("k".into())));
    }
}
