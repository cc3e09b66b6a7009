//! The rest of `sogni.account` (transactions, rewards, subscriptions, wallet balance,
//! nonce and username checks; with the `wallet` feature `getWallet`, `create`, `withdraw`,
//! `deposit` and `approveTokenUsage`) and the subscription getters of
//! `sogni.currentAccount`.

use super::abort::guard;
use super::api::{AccountApi, CurrentAccount};
use super::errors::to_js;
use super::project::AbortSignal;
use super::projects::js;
use super::surface::{call, signal_of};
use js_sys::Promise;
use serde_json::Value;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl AccountApi {
    /// The login nonce of a wallet address.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = getNonce, unchecked_return_type = "Promise<string>")]
    pub fn get_nonce(
        &self,
        #[wasm_bindgen(js_name = walletAddress, unchecked_param_type = "string")]
        wallet_address: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.shared.surface,
            "account.getNonce",
            &[&wallet_address],
            signal.into(),
        )
    }

    /// On-chain balances of a wallet: `{sogni, spark, ether}` (`provider`: `base` or
    /// `etherlink`).
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(
        js_name = walletBalance,
        unchecked_return_type = "Promise<{ sogni: string; spark: string; ether: string }>"
    )]
    pub fn wallet_balance(
        &self,
        #[wasm_bindgen(js_name = walletAddress, unchecked_param_type = "string")]
        wallet_address: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "'base' | 'etherlink'")] provider: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal")] signal: JsValue,
    ) -> Promise {
        call(
            &self.shared.surface,
            "account.walletBalance",
            &[&wallet_address, &provider],
            signal,
        )
    }

    /// Checks a username before signup: the success answer, or the error payload when the
    /// name is taken (`errorCode` 108).
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = validateUsername)]
    pub fn validate_username(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] username: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.shared.surface,
            "account.validateUsername",
            &[&username],
            signal.into(),
        )
    }

    /// A page of transactions: `{entries, next}` (`next` is the params of the next page).
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(
        js_name = transactionHistory,
        unchecked_return_type = "Promise<{ entries: TxHistoryEntry[]; next: TxHistoryParams }>"
    )]
    pub fn transaction_history(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TxHistoryParams")] params: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.shared.surface,
            "account.transactionHistory",
            &[&params],
            signal.into(),
        )
    }

    /// The account's rewards (`{provider?}`), with `claimed`/`canClaim` and the
    /// `lastClaim`/`nextClaim` dates.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(unchecked_return_type = "Promise<Reward[]>")]
    pub fn rewards(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "{ provider?: string }")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AbortSignal")] signal: JsValue,
    ) -> Promise {
        call(&self.shared.surface, "account.rewards", &[&query], signal)
    }

    /// Claims rewards by id (`{turnstileToken?, provider?, signal?}`; `signal` aborts it).
    #[wasm_bindgen(js_name = claimRewards, unchecked_return_type = "Promise<void>")]
    pub fn claim_rewards(
        &self,
        #[wasm_bindgen(js_name = rewardIds, unchecked_param_type = "string[]")] reward_ids: JsValue,
        #[wasm_bindgen(
            unchecked_optional_param_type = "{ turnstileToken?: string; provider?: string; signal?: AbortSignal }"
        )]
        options: JsValue,
    ) -> Promise {
        call(
            &self.shared.surface,
            "account.claimRewards",
            &[&reward_ids, &options],
            signal_of(&options),
        )
    }

    /// The subscription entitlement (`{active, status, tier?, …}`); also updates
    /// `currentAccount.subscription`. `signal` aborts the wait.
    #[wasm_bindgen(
        js_name = getSubscriptionStatus,
        unchecked_return_type = "Promise<SubscriptionEntitlementSnapshot>"
    )]
    pub fn get_subscription_status(&self, signal: Option<AbortSignal>) -> Promise {
        let (account, signal) = (self.shared.account.clone(), JsValue::from(signal));
        guard(&signal.clone(), "getSubscriptionStatus", async move {
            account
                .refresh_subscription_with(Some(&signal))
                .await
                .map(|v| js(&v))
                .map_err(|e| to_js(&e))
        })
    }

    /// Same as `getSubscriptionStatus` (pulls a fresh entitlement into `currentAccount`);
    /// `signal` aborts the wait.
    #[wasm_bindgen(
        js_name = refreshSubscription,
        unchecked_return_type = "Promise<SubscriptionEntitlementSnapshot>"
    )]
    pub fn refresh_subscription(&self, signal: Option<AbortSignal>) -> Promise {
        self.get_subscription_status(signal)
    }

    /// Usage in the current billing cycle (trial credits while trialing).
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = getSubscriptionUsage, unchecked_return_type = "Promise<SubscriptionUsage>")]
    pub fn get_subscription_usage(&self, signal: Option<AbortSignal>) -> Promise {
        call(
            &self.shared.surface,
            "account.getSubscriptionUsage",
            &[],
            signal.into(),
        )
    }

    /// `{eligible, reasonCode}` for a free trial.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = getTrialEligibility, unchecked_return_type = "Promise<TrialEligibility>")]
    pub fn get_trial_eligibility(&self, signal: Option<AbortSignal>) -> Promise {
        call(
            &self.shared.surface,
            "account.getTrialEligibility",
            &[],
            signal.into(),
        )
    }

    /// Associates a host-application device id with the account.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = setDeviceId, unchecked_return_type = "Promise<void>")]
    pub fn set_device_id(
        &self,
        #[wasm_bindgen(js_name = deviceId, unchecked_param_type = "string")] device_id: JsValue,
        signal: Option<AbortSignal>,
    ) -> Promise {
        call(
            &self.shared.surface,
            "account.setDeviceId",
            &[&device_id],
            signal.into(),
        )
    }

    /// The subscription plans on sale.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(js_name = getSubscriptionPlans, unchecked_return_type = "Promise<SubscriptionPlan[]>")]
    pub fn get_subscription_plans(&self, signal: Option<AbortSignal>) -> Promise {
        call(
            &self.shared.surface,
            "account.getSubscriptionPlans",
            &[],
            signal.into(),
        )
    }

    /// A checkout session for a plan: `{url, message?}` to send the user to.
    /// `options.signal` aborts it (the request is cancelled).
    #[wasm_bindgen(
        js_name = createSubscriptionCheckout,
        unchecked_return_type = "Promise<SubscriptionCheckoutResult>"
    )]
    pub fn create_subscription_checkout(
        &self,
        #[wasm_bindgen(js_name = planId, unchecked_param_type = "'unlimited' | 'unlimited_pro'")]
        plan_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "'monthly' | 'annual'")] term: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CreateSubscriptionCheckoutOptions")]
        options: JsValue,
    ) -> Promise {
        call(
            &self.shared.surface,
            "account.createSubscriptionCheckout",
            &[&plan_id, &term, &options],
            signal_of(&options),
        )
    }

    /// A billing-portal session: `{url}`.
    /// `signal` aborts it (the request is cancelled).
    #[wasm_bindgen(
        js_name = createSubscriptionPortalSession,
        unchecked_return_type = "Promise<SubscriptionPortalSession>"
    )]
    pub fn create_subscription_portal_session(&self, signal: Option<AbortSignal>) -> Promise {
        call(
            &self.shared.surface,
            "account.createSubscriptionPortalSession",
            &[],
            signal.into(),
        )
    }
}

#[wasm_bindgen]
impl CurrentAccount {
    fn value(&self, key: &str) -> Value {
        self.shared
            .account
            .data
            .borrow()
            .get(key)
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn optional(&self, key: &str) -> JsValue {
        match self.value(key) {
            Value::Null => JsValue::UNDEFINED,
            v => js(&v),
        }
    }

    /// `connected`, `disconnected`, `connecting` or `switching`.
    #[wasm_bindgen(
        getter,
        js_name = networkStatus,
        unchecked_return_type = "'connected' | 'disconnected' | 'connecting' | 'switching'"
    )]
    pub fn network_status(&self) -> JsValue {
        js(&self.value("networkStatus"))
    }

    /// The subscription entitlement, once known (socket or REST).
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "SubscriptionEntitlementSnapshot | undefined"
    )]
    pub fn subscription(&self) -> JsValue {
        self.optional("subscription")
    }

    /// Whether free Spark cannot be spent on this account (socket-pushed).
    #[wasm_bindgen(getter, js_name = freeSparkLocked, unchecked_return_type = "boolean | undefined")]
    pub fn free_spark_locked(&self) -> JsValue {
        self.optional("freeSparkLocked")
    }

    /// `trial` or `purchase` while free Spark is locked.
    #[wasm_bindgen(
        getter,
        js_name = freeSparkUnlockPath,
        unchecked_return_type = "'trial' | 'purchase' | undefined"
    )]
    pub fn free_spark_unlock_path(&self) -> JsValue {
        self.optional("freeSparkUnlockPath")
    }

    /// An active `unlimited` or `unlimited_pro` subscription?
    #[wasm_bindgen(getter, js_name = isUnlimited)]
    pub fn is_unlimited(&self) -> bool {
        crate::surface::account::is_unlimited(&self.value("subscription"))
    }
}

/// `isSubscriptionLimitError(value)`: is this (a code, an `ErrorData`, a `ChatJobError`…)
/// the subscription's feature-limit refusal (4081, or `subscriptionLimit: true`)?
#[wasm_bindgen(js_name = isSubscriptionLimitError)]
pub fn is_subscription_limit_error(value: JsValue) -> bool {
    let v = if value.is_object() {
        let mut m = serde_json::Map::new();
        for k in ["code", "subscriptionLimit"] {
            let f = super::glue::get(&value, k);
            if let Ok(v) = serde_wasm_bindgen::from_value::<Value>(f) {
                if !v.is_null() {
                    m.insert(k.into(), v);
                }
            }
        }
        Value::Object(m)
    } else {
        super::glue::value_of(&value)
    };
    crate::surface::account::is_subscription_limit_error(&v)
}
