//! Moving SOGNI between the account and its on-chain wallet, with EIP-712 permits, and
//! account creation.
//!
//! * `POST /v1/account/token/withdraw/permit {walletAddress, amount (wei), provider}` →
//!   `{domain, types, message}` (a `Withdraw` permit, 10 minutes); then
//!   `POST /v2/account/token/withdraw {…, signature}` checks the signature against the
//!   outstanding permit and moves the amount from the account to the wallet.
//! * `POST /v3/account/token/deposit {walletAddress, amount, provider}` moves it back,
//!   within the wallet's allowance for the account contract: `errorCode` 149
//!   (INSUFFICIENT_ALLOWANCE) until `POST /v1/contract/token/approve/permit
//!   {walletAddress, spender, provider}` and `POST /v1/contract/token/approve {…, deadline,
//!   approveSignature}` granted one; 123 (INSUFFICIENT_BALANCE) past the wallet's balance.
//! * `POST /v1/account/create {appid, username, email, subscribe, walletAddress,
//!   turnstileToken, referralCode, signature, rememberMe}` creates an account for a
//!   `Signup` signature of the outstanding nonce → `{token, refreshToken}`.
//!
//! These are for signed-in users (and the wallet's owner): API keys get 403, as on the
//! real API. Amounts are wei (18 decimals); the emulator keeps millionths.

use super::now_ms;
use crate::accounts::{Account, TokenType};
use crate::http::auth::{caller, credential, Credential};
use crate::http::error::ApiError;
use crate::http::ok;
use crate::state::{now_secs, AppState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};
use sogni_wasm::wallet::{recover_address, signup_digest, typed_data_digest, Eip712Domain, Signup};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Shared = State<Arc<AppState>>;

const WEI_PER_MICRO: u128 = 1_000_000_000_000;
const TOKEN_CONTRACT: &str = "0x5e2b1a4d0f9f5f6d2e0c6c3eb8aa1f8d4c3b2a10";
const ACCOUNT_CONTRACT: &str = "0x7c1e3b2d4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e90";
const STAKER_CONTRACT: &str = "0x9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";

/// Outstanding permits, allowances and signed-up accounts.
#[derive(Debug, Default)]
pub struct WalletStore {
    permits: Mutex<HashMap<(String, &'static str), Value>>,
    allowances: Mutex<HashMap<(String, String), u128>>,
    nonce: Mutex<u64>,
    created: Mutex<Vec<Arc<Account>>>,
}

impl WalletStore {
    /// An account created by `POST /v1/account/create`, by wallet address.
    pub fn created_by_address(&self, address: &str) -> Option<Arc<Account>> {
        self.created
            .lock()
            .unwrap()
            .iter()
            .find(|a| a.address.eq_ignore_ascii_case(address))
            .cloned()
    }

    fn next_nonce(&self) -> u64 {
        let mut n = self.nonce.lock().unwrap();
        *n += 1;
        *n
    }
}

fn body_json(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Body is not JSON: {e}")))
}

fn api_error(code: u32, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// The signed-in owner of `walletAddress` (API keys and other wallets refused).
fn owner(state: &AppState, headers: &HeaderMap, body: &Value) -> Result<Arc<Account>, ApiError> {
    let account = caller(state, headers)?;
    if matches!(credential(headers), Some(Credential::ApiKey(_))) {
        return Err(ApiError::forbidden(
            "Wallet operations are not available with an API key",
        ));
    }
    let wallet = body
        .get("walletAddress")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !wallet.eq_ignore_ascii_case(&account.address) {
        return Err(ApiError::forbidden(
            "walletAddress is not this account's wallet",
        ));
    }
    Ok(account)
}

fn provider(body: &Value) -> Result<String, ApiError> {
    let p = body
        .get("provider")
        .and_then(Value::as_str)
        .unwrap_or("base");
    match p {
        "base" | "etherlink" => Ok(p.to_string()),
        _ => Err(ApiError::bad_request("provider must be base or etherlink")),
    }
}

fn chain_id(provider: &str) -> u64 {
    if provider == "etherlink" {
        42793
    } else {
        8453
    }
}

/// A positive wei amount, as wei and as the emulator's millionths.
fn amount(body: &Value) -> Result<(u128, i64), ApiError> {
    let wei: u128 = body
        .get("amount")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .filter(|w| *w > 0)
        .ok_or_else(|| {
            ApiError::bad_request("amount must be a positive wei amount (decimal string)")
        })?;
    Ok((wei, (wei / WEI_PER_MICRO) as i64))
}

fn deadline() -> u64 {
    now_secs() + 600
}

/// `POST /v1/account/token/withdraw/permit`.
pub async fn withdraw_permit(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = body_json(&body)?;
    let account = owner(&state, &headers, &body)?;
    let provider = provider(&body)?;
    let (wei, micros) = amount(&body)?;
    if account.balance().sogni < micros {
        return Err(api_error(123, "Insufficient balance"));
    }
    let permit = json!({
        "domain": {"name": "Sogni AI", "version": "1", "chainId": chain_id(&provider), "verifyingContract": ACCOUNT_CONTRACT},
        "types": {"Withdraw": [
            {"name": "walletAddress", "type": "address"}, {"name": "amount", "type": "uint256"},
            {"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint256"}]},
        "message": {"walletAddress": account.address, "amount": wei.to_string(),
                    "nonce": state.surface.wallet.next_nonce(), "deadline": deadline()},
    });
    state.surface.wallet.permits.lock().unwrap().insert(
        (account.address.to_lowercase(), "withdraw"),
        json!({"permit": permit, "provider": provider}),
    );
    Ok(ok(permit))
}

/// Checks `signature` against the outstanding permit of `kind`; returns the permit.
fn redeem(
    state: &AppState,
    account: &Account,
    kind: &'static str,
    signature: &str,
) -> Result<Value, ApiError> {
    let key = (account.address.to_lowercase(), kind);
    let pending = state
        .surface
        .wallet
        .permits
        .lock()
        .unwrap()
        .remove(&key)
        .ok_or_else(|| ApiError::bad_request("No outstanding permit; request one first"))?;
    let p = &pending["permit"];
    if p["message"]["deadline"].as_u64().unwrap_or(0) < now_secs() {
        return Err(ApiError::bad_request("The permit has expired"));
    }
    let signer = typed_data_digest(&p["domain"], &p["types"], &p["message"])
        .ok()
        .and_then(|d| recover_address(&d, signature).ok());
    if !signer.is_some_and(|s| s.eq_ignore_ascii_case(&account.address)) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            105,
            "The permit signature is not the wallet's",
        ));
    }
    Ok(pending)
}

fn wallet_sogni(state: &AppState, address: &str, provider: &str, delta: i64) -> i64 {
    super::account::adjust_wallet(state, address, provider, delta)
}

/// `POST /v2/account/token/withdraw`.
pub async fn withdraw(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = body_json(&body)?;
    let account = owner(&state, &headers, &body)?;
    let signature = body.get("signature").and_then(Value::as_str).unwrap_or("");
    let pending = redeem(&state, &account, "withdraw", signature)?;
    let (wei, micros) = amount(&body)?;
    if pending["permit"]["message"]["amount"] != wei.to_string().as_str()
        || pending["provider"] != provider(&body)?.as_str()
    {
        return Err(ApiError::bad_request(
            "The withdrawal does not match its permit",
        ));
    }
    if !account.debit(TokenType::Sogni, micros, "Withdraw to wallet", "wallet") {
        return Err(api_error(123, "Insufficient balance"));
    }
    let provider = provider(&body)?;
    wallet_sogni(&state, &account.address, &provider, micros);
    push_balance(&state, &account);
    Ok(ok(json!({"txHash": format!("0x{:064x}", now_ms())})))
}

fn push_balance(state: &AppState, account: &Account) {
    let b = account.balance_update_json();
    for conn in state.registry.of_owner(&account.address) {
        conn.send("balanceUpdate", &b);
    }
}

/// `POST /v3/account/token/deposit`.
pub async fn deposit(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = body_json(&body)?;
    let account = owner(&state, &headers, &body)?;
    let provider = provider(&body)?;
    let (wei, micros) = amount(&body)?;
    let key = (account.address.to_lowercase(), provider.clone());
    let allowance = *state
        .surface
        .wallet
        .allowances
        .lock()
        .unwrap()
        .get(&key)
        .unwrap_or(&0);
    if allowance < wei {
        return Err(api_error(
            149,
            "Insufficient allowance: approve the account contract first",
        ));
    }
    if super::account::wallet(&state, &account.address, &provider).0 < micros {
        return Err(api_error(123, "Insufficient wallet balance"));
    }
    wallet_sogni(&state, &account.address, &provider, -micros);
    account.credit(TokenType::Sogni, micros, "Deposit from wallet", "wallet");
    if allowance != u128::MAX {
        state
            .surface
            .wallet
            .allowances
            .lock()
            .unwrap()
            .insert(key, allowance - wei);
    }
    push_balance(&state, &account);
    Ok(ok(json!({"txHash": format!("0x{:064x}", now_ms() + 1)})))
}

/// `POST /v1/contract/token/approve/permit`.
pub async fn approve_permit(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = body_json(&body)?;
    let account = owner(&state, &headers, &body)?;
    let provider = provider(&body)?;
    let spender = match body.get("spender").and_then(Value::as_str) {
        Some("account") => ACCOUNT_CONTRACT,
        Some("staker") => STAKER_CONTRACT,
        _ => return Err(ApiError::bad_request("spender must be account or staker")),
    };
    let permit = json!({
        "domain": {"name": "Sogni Token", "version": "1", "chainId": chain_id(&provider), "verifyingContract": TOKEN_CONTRACT},
        "types": {"Permit": [
            {"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
            {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"}]},
        "message": {"owner": account.address, "spender": spender,
                    "value": "115792089237316195423570985008687907853269984665640564039457584007913129639935",
                    "nonce": state.surface.wallet.next_nonce(), "deadline": deadline()},
    });
    state.surface.wallet.permits.lock().unwrap().insert(
        (account.address.to_lowercase(), "approve"),
        json!({"permit": permit, "provider": provider, "spender": body["spender"]}),
    );
    Ok(ok(permit))
}

/// `POST /v1/contract/token/approve`.
pub async fn approve(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = body_json(&body)?;
    let account = owner(&state, &headers, &body)?;
    let signature = body
        .get("approveSignature")
        .and_then(Value::as_str)
        .unwrap_or("");
    let pending = redeem(&state, &account, "approve", signature)?;
    if body.get("deadline") != pending["permit"]["message"].get("deadline") {
        return Err(ApiError::bad_request("deadline does not match the permit"));
    }
    if pending["spender"] == "account" {
        let provider = pending["provider"].as_str().unwrap_or("base").to_string();
        state
            .surface
            .wallet
            .allowances
            .lock()
            .unwrap()
            .insert((account.address.to_lowercase(), provider), u128::MAX);
    }
    Ok(ok(json!({"approved": true})))
}

/// `POST /v1/account/create`.
pub async fn create(State(state): Shared, body: Bytes) -> Result<Response, ApiError> {
    let body = body_json(&body)?;
    let s = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (username, email, address) = (s("username"), s("email"), s("walletAddress"));
    if username.len() < 3
        || username.len() > 20
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(api_error(
            107,
            "Usernames have 3 to 20 letters, digits, '-' or '_'",
        ));
    }
    if !email.contains('@') {
        return Err(api_error(106, "A valid e-mail address is required"));
    }
    let taken = state
        .accounts
        .iter()
        .any(|a| a.username.eq_ignore_ascii_case(&username))
        || state
            .surface
            .wallet
            .created
            .lock()
            .unwrap()
            .iter()
            .any(|a| a.username.eq_ignore_ascii_case(&username));
    if taken {
        return Err(api_error(108, "Username is already taken"));
    }
    if state.account_by_address(&address).is_some() {
        return Err(api_error(109, "This wallet already has an account"));
    }
    let nonce = state
        .nonces
        .lock()
        .unwrap()
        .remove(&address.to_lowercase())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                102,
                "No nonce for this wallet; request one first",
            )
        })?;
    let appid = s("appid");
    let subscribe = body.get("subscribe").and_then(Value::as_u64).unwrap_or(0);
    let signup = Signup {
        appid: &appid,
        username: &username,
        email: &email,
        subscribe,
        wallet_address: &address,
        nonce: &nonce,
    };
    let signed = [Eip712Domain::mainnet(), Eip712Domain::testnet()]
        .iter()
        .any(|d| {
            signup_digest(&signup, d)
                .ok()
                .and_then(|digest| recover_address(&digest, &s("signature")).ok())
                .is_some_and(|signer| signer.eq_ignore_ascii_case(&address))
        });
    if !signed {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            102,
            "The signup signature is not the wallet's",
        ));
    }
    let sid = 5000 + state.surface.wallet.created.lock().unwrap().len() as u64;
    let account = Arc::new(Account::signed_up(&username, &email, &address, sid));
    state
        .surface
        .wallet
        .created
        .lock()
        .unwrap()
        .push(account.clone());
    let session = uuid::Uuid::new_v4().simple().to_string();
    let remember = body.get("rememberMe") == Some(&Value::Bool(true));
    let (token, refresh) =
        crate::http::account::mint_pair(&state, &account.address, &session, remember);
    Ok(crate::http::account::with_cookie(
        ok(json!({"token": token, "refreshToken": refresh})),
        &token,
        state.config.access_token_ttl_secs,
    ))
}
