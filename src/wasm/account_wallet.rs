//! The `wallet`-feature part of `sogni.account`: `getWallet`, `create` (signup),
//! `withdraw`, `deposit` (approving the account contract when the allowance is short,
//! as officially) and `approveTokenUsage`. Permits the server sends are signed as EIP-712
//! typed data, byte-identical to ethers' `signTypedData`.

use super::abort::guard;
use super::api::AccountApi;
use super::client::Inner;
use super::errors::to_js;
use super::glue;
use super::project::AbortSignal;
use super::projects::js;
use super::rest::Credentials;
use crate::surface::http::local_api_error;
use crate::wallet::{parse_ether, Eip712Domain, Signup, Wallet as KeyWallet};
use crate::Error;
use js_sys::Promise;
use serde_json::{json, Value};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Deposit attempts (the first, and retries after approving).
const MAX_DEPOSIT_ATTEMPTS: u32 = 4;
/// How long a deposit waits for an approval to land before retrying.
const APPROVAL_WAIT_MS: f64 = 10_000.0;

fn err(e: Error) -> JsValue {
    to_js(&e)
}

fn wallet_error(e: crate::wallet::WalletError) -> Error {
    Error::invalid("INVALID_WALLET", e.to_string())
}

/// An account's wallet (the official `getWallet` returns an ethers `Wallet`): its
/// `address`, and `signTypedData(domain, types, value)`.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Wallet {
    inner: KeyWallet,
}

#[wasm_bindgen]
impl Wallet {
    /// The EIP-55 address.
    #[wasm_bindgen(getter)]
    pub fn address(&self) -> String {
        self.inner.address().to_string()
    }

    /// Signs EIP-712 typed data (`types` without `EIP712Domain`); resolves with the
    /// `0x…` signature, as ethers' `wallet.signTypedData`.
    #[wasm_bindgen(js_name = signTypedData, unchecked_return_type = "Promise<string>")]
    pub fn sign_typed_data(&self, domain: JsValue, types: JsValue, value: JsValue) -> Promise {
        let parse = |v: JsValue| super::glue::value_of(&v);
        let result = self
            .inner
            .sign_typed_data(&parse(domain), &parse(types), &parse(value))
            .map(|s| JsValue::from_str(&s))
            .map_err(|e| err(wallet_error(e)));
        match result {
            Ok(v) => Promise::resolve(&v),
            Err(e) => Promise::reject(&e),
        }
    }
}

fn amount_text(amount: &JsValue) -> String {
    amount
        .as_string()
        .or_else(|| amount.as_f64().map(crate::projects::js::number_to_string))
        .unwrap_or_default()
}

/// The signed-in account's wallet from its password (`Incorrect password` otherwise).
fn own_wallet(data: &Value, password: &str) -> Result<KeyWallet, Error> {
    let username = data.get("username").and_then(Value::as_str).unwrap_or("");
    let wallet = KeyWallet::from_credentials(username, password).map_err(wallet_error)?;
    let expected = data
        .get("walletAddress")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !wallet.address().eq_ignore_ascii_case(expected) || username.is_empty() {
        return Err(local_api_error(400, "Incorrect password"));
    }
    Ok(wallet)
}

async fn sign_permit(
    client: &Rc<Inner>,
    path: &str,
    body: &Value,
    wallet: &KeyWallet,
) -> Result<(Value, String), Error> {
    let permit = client.api("POST", path, Some(body), true).await?;
    let signature = wallet
        .sign_typed_data(&permit["domain"], &permit["types"], &permit["message"])
        .map_err(wallet_error)?;
    Ok((permit, signature))
}

async fn approve(
    client: &Rc<Inner>,
    wallet: &KeyWallet,
    spender: &str,
    provider: &str,
    signal: &JsValue,
) -> Result<(), Error> {
    let base = json!({"walletAddress": wallet.address(), "spender": spender, "provider": provider});
    let (permit, signature) =
        sign_permit(client, "/v1/contract/token/approve/permit", &base, wallet).await?;
    let mut body = base;
    body["deadline"] = permit["message"]["deadline"].clone();
    body["approveSignature"] = json!(signature);
    let path = "/v1/contract/token/approve";
    client
        .api_with("POST", path, Some(&body), true, Some(signal))
        .await?;
    Ok(())
}

#[wasm_bindgen]
impl AccountApi {
    /// The wallet of a username and password (PBKDF2-derived key, as officially).
    #[wasm_bindgen(js_name = getWallet)]
    pub fn get_wallet(&self, username: &str, password: &str) -> Result<Wallet, JsValue> {
        KeyWallet::from_credentials(username, password)
            .map(|inner| Wallet { inner })
            .map_err(|e| err(wallet_error(e)))
    }

    /// Creates an account (`{username, email, password, subscribe?, turnstileToken?,
    /// referralCode?, appSource?}`): an EIP-712 `Signup` signature of a fresh nonce, then
    /// signs in with the new tokens.
    /// `signal` aborts it: nothing more is sent (a step the server already took stands).
    #[wasm_bindgen(unchecked_return_type = "Promise<{ token: string; refreshToken: string }>")]
    pub fn create(
        &self,
        params: JsValue,
        #[wasm_bindgen(js_name = rememberMe)] remember_me: Option<bool>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let shared = self.shared.clone();
        let signal = JsValue::from(signal);
        guard(&signal.clone(), "account.create", async move {
            let p = super::glue::value_of(&params);
            let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let (username, email, password) = (s("username"), s("email"), s("password"));
            let wallet = KeyWallet::from_credentials(&username, &password)
                .map_err(|e| err(wallet_error(e)))?;
            let client = &shared.inner;
            let nonce = client
                .api(
                    "POST",
                    "/v1/account/nonce",
                    Some(&json!({"walletAddress": wallet.address()})),
                    false,
                )
                .await
                .map_err(err)?;
            let nonce = nonce["nonce"].as_str().unwrap_or("").to_string();
            let subscribe = u64::from(p.get("subscribe").is_some_and(crate::projects::js::truthy));
            let turnstile = p.get("turnstileToken").cloned().unwrap_or(Value::Null);
            let signup = Signup {
                appid: &client.app_id,
                username: &username,
                email: &email,
                subscribe,
                wallet_address: wallet.address(),
                nonce: &nonce,
            };
            let domain = Eip712Domain::for_network(client.config.testnet.unwrap_or(false));
            let signature = wallet.sign_signup(&signup, &domain);
            let mut body = json!({
                "appid": client.app_id, "username": username, "email": email, "subscribe": subscribe,
                "walletAddress": wallet.address(), "turnstileToken": turnstile,
            });
            let app_source = p
                .get("appSource")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .or_else(|| client.config.app_source.clone());
            if let Some(a) = app_source {
                body["appSource"] = json!(a);
            }
            if let Some(r) = p.get("referralCode").filter(|r| !r.is_null()) {
                body["referralCode"] = r.clone();
            }
            body["signature"] = json!(signature);
            body["rememberMe"] = json!(remember_me.unwrap_or(false));
            let data = client
                .api_with(
                    "POST",
                    "/v1/account/create",
                    Some(&body),
                    false,
                    Some(&signal),
                )
                .await
                .map_err(err)?;
            let (Some(token), Some(refresh)) =
                (data["token"].as_str(), data["refreshToken"].as_str())
            else {
                return Err(err(Error::Protocol {
                    message: "account creation answer has no tokens".into(),
                }));
            };
            *client.rest.credentials.borrow_mut() = if client.rest.cookie_mode {
                Credentials::Cookies
            } else {
                Credentials::Token {
                    token: token.into(),
                    refresh: refresh.into(),
                }
            };
            shared.account.after_auth();
            Ok(js(&data))
        })
    }

    /// Withdraws `amount` SOGNI from the account to its wallet (`provider`: `base` or
    /// `etherlink`): the server's permit is signed with the wallet of `password`.
    /// `signal` aborts it: nothing more is sent (a step the server already took stands).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn withdraw(
        &self,
        password: String,
        #[wasm_bindgen(unchecked_param_type = "number | string")] amount: JsValue,
        provider: Option<String>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let shared = self.shared.clone();
        let amount = amount_text(&amount);
        let signal = JsValue::from(signal);
        guard(&signal.clone(), "withdraw", async move {
            let data = shared.account.data.borrow().clone();
            let wallet = own_wallet(&data, &password).map_err(err)?;
            let wei = parse_ether(&amount).map_err(|e| err(wallet_error(e)))?;
            let payload = json!({"walletAddress": wallet.address(), "amount": wei,
                                 "provider": provider.unwrap_or_else(|| "base".into())});
            let (_, signature) = sign_permit(
                &shared.inner,
                "/v1/account/token/withdraw/permit",
                &payload,
                &wallet,
            )
            .await
            .map_err(err)?;
            let mut body = payload;
            body["signature"] = json!(signature);
            shared
                .inner
                .api_with(
                    "POST",
                    "/v2/account/token/withdraw",
                    Some(&body),
                    true,
                    Some(&signal),
                )
                .await
                .map_err(err)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Deposits `amount` SOGNI from the wallet into the account; when the server says the
    /// allowance is short (149) it approves the account contract, waits 10 s and retries
    /// (4 attempts in all), as officially.
    /// `signal` aborts it: nothing more is sent (a step the server already took stands).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn deposit(
        &self,
        password: String,
        #[wasm_bindgen(unchecked_param_type = "number | string")] amount: JsValue,
        provider: Option<String>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let shared = self.shared.clone();
        let amount = amount_text(&amount);
        let signal = JsValue::from(signal);
        guard(&signal.clone(), "deposit", async move {
            let data = shared.account.data.borrow().clone();
            let wallet = own_wallet(&data, &password).map_err(err)?;
            let provider = provider.unwrap_or_else(|| "base".into());
            let wei = parse_ether(&amount).map_err(|e| err(wallet_error(e)))?;
            let body =
                json!({"walletAddress": wallet.address(), "amount": wei, "provider": provider});
            let mut attempt = 1;
            loop {
                match shared
                    .inner
                    .api_with(
                        "POST",
                        "/v3/account/token/deposit",
                        Some(&body),
                        true,
                        Some(&signal),
                    )
                    .await
                {
                    Ok(_) => return Ok(JsValue::UNDEFINED),
                    Err(Error::Api {
                        error_code: 149, ..
                    }) if attempt < MAX_DEPOSIT_ATTEMPTS => {
                        if attempt == 1 {
                            approve(&shared.inner, &wallet, "account", &provider, &signal)
                                .await
                                .map_err(err)?;
                        }
                        let wait = glue::sleep(APPROVAL_WAIT_MS);
                        JsFuture::from(super::abort::race(wait, &signal, "deposit")).await?;
                        attempt += 1;
                    }
                    Err(e) => return Err(err(e)),
                }
            }
        })
    }

    /// Approves SOGNI spending by the `account` (deposits) or `staker` contract.
    /// `signal` aborts it: nothing more is sent (a step the server already took stands).
    #[wasm_bindgen(js_name = approveTokenUsage, unchecked_return_type = "Promise<void>")]
    pub fn approve_token_usage(
        &self,
        password: String,
        #[wasm_bindgen(unchecked_param_type = "'account' | 'staker'")] spender: String,
        provider: Option<String>,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let shared = self.shared.clone();
        let signal = JsValue::from(signal);
        guard(&signal.clone(), "approveTokenUsage", async move {
            let data = shared.account.data.borrow().clone();
            let username = data.get("username").and_then(Value::as_str).unwrap_or("");
            let wallet = KeyWallet::from_credentials(username, &password)
                .map_err(|e| err(wallet_error(e)))?;
            approve(
                &shared.inner,
                &wallet,
                &spender,
                &provider.unwrap_or_else(|| "base".into()),
                &signal,
            )
            .await
            .map_err(err)?;
            Ok(JsValue::UNDEFINED)
        })
    }
}
