//! The rest of `sogni.account`: transaction history, rewards and claims, subscriptions
//! (status, usage, plans, trial eligibility, checkout, portal, device id), wallet balance,
//! nonce and username checks; the socket's subscription entitlement as the REST snapshot
//! shape; `isSubscriptionLimitError`.
//!
//! Dates come back as `{"$date": ms}` markers; the wasm layer turns them into `Date`s.

use serde_json::{json, Map, Value};

use super::http::{
    error_for, plain_error, put, rest_body, rest_data, rest_query, with_query_owned, ErrorStyle,
    HttpAnswer, HttpCall,
};
use crate::projects::js::truthy;
use crate::Error;

/// `SUBSCRIPTION_ERROR_CODES`.
pub const SUBSCRIPTION_ERROR_CODES: [(&str, i64); 4] = [
    ("NOT_ENTITLED", 4078),
    ("QUEUE_CAP", 4079),
    ("GRACE_RETRY", 4080),
    ("SUBSCRIPTION_FEATURE_REQUIRES_UPGRADE", 4081),
];

/// A date marker for the wasm layer (`null` when `ms` is not a number).
pub fn date(ms: Option<f64>) -> Value {
    json!({"$date": ms.filter(|m| m.is_finite())})
}

/// `GET /v1/transactions/list` for `transactionHistory(params)` (`limit` is required).
pub fn transaction_history(params: &Value) -> Result<HttpCall, Error> {
    let limit = params
        .get("limit")
        .filter(|v| !v.is_null())
        .ok_or_else(|| {
            Error::invalid(
                "INVALID_PARAMS",
                "transactionHistory needs {status, address, limit}",
            )
        })?;
    let mut pairs = Vec::new();
    for k in ["status", "address"] {
        if let Some(v) = params.get(k).filter(|v| !v.is_null()) {
            pairs.push((k.to_string(), super::http::js_string(v)));
        }
    }
    pairs.push(("limit".to_string(), super::http::js_string(limit)));
    for k in ["offset", "provider"] {
        if let Some(v) = params.get(k).filter(|v| truthy(v)) {
            pairs.push((k.to_string(), super::http::js_string(v)));
        }
    }
    Ok(HttpCall::new(
        "GET",
        with_query_owned("/v1/transactions/list", &pairs),
        ErrorStyle::Rest,
    ))
}

fn number(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

/// Reads `transactionHistory`: `{entries, next: {...params, offset: data.next}}`.
pub fn read_transaction_history(params: &Value, answer: &HttpAnswer) -> Result<Value, Error> {
    let data = rest_data(answer)?;
    let txs = data
        .get("transactions")
        .and_then(Value::as_array)
        .ok_or_else(|| plain_error("Cannot read properties of undefined (reading 'map')"))?;
    let entries: Vec<Value> = txs
        .iter()
        .map(|tx| {
            let mut e = Map::new();
            let copy = |e: &mut Map<String, Value>, k: &str| put(e, k, tx.get(k).cloned());
            copy(&mut e, "id");
            copy(&mut e, "address");
            e.insert("createTime".into(), date(number(tx.get("createTime"))));
            e.insert("updateTime".into(), date(number(tx.get("updateTime"))));
            for k in [
                "status",
                "role",
                "amount",
                "tokenType",
                "description",
                "source",
            ] {
                copy(&mut e, k);
            }
            e.insert("endTime".into(), date(number(tx.get("endTime"))));
            for k in [
                "type",
                "billingMode",
                "paymentModel",
                "subscriptionTier",
                "subscriptionTrialing",
                "subscriptionThrottled",
            ] {
                copy(&mut e, k);
            }
            Value::Object(e)
        })
        .collect();
    let mut next = params.as_object().cloned().unwrap_or_default();
    match data.get("next") {
        Some(n) => next.insert("offset".into(), n.clone()),
        None => next.remove("offset"),
    };
    Ok(json!({"entries": entries, "next": next}))
}

/// `GET /v4/account/rewards` for `rewards(query)`.
pub fn rewards(query: &Value) -> HttpCall {
    HttpCall::new(
        "GET",
        with_query_owned("/v4/account/rewards", &rest_query(Some(query))),
        ErrorStyle::Rest,
    )
}

/// Reads `rewards`: booleans for `claimed`/`canClaim`, `lastClaim`/`nextClaim` dates.
pub fn read_rewards(query: &Value, answer: &HttpAnswer) -> Result<Value, Error> {
    let data = rest_data(answer)?;
    let raw = data
        .get("rewards")
        .and_then(Value::as_array)
        .ok_or_else(|| plain_error("Cannot read properties of undefined (reading 'map')"))?;
    let provider = query
        .get("provider")
        .filter(|p| truthy(p))
        .cloned()
        .unwrap_or_else(|| json!("base"));
    Ok(Value::Array(
        raw.iter()
            .map(|r| {
                let mut e = Map::new();
                for k in ["id", "type", "title", "description", "amount", "tokenType"] {
                    put(&mut e, k, r.get(k).cloned());
                }
                e.insert(
                    "claimed".into(),
                    json!(r.get("claimed").is_some_and(truthy)),
                );
                e.insert(
                    "canClaim".into(),
                    json!(r.get("canClaim").is_some_and(truthy)),
                );
                e.insert(
                    "cantClaimReason".into(),
                    r.get("cantClaimReason").cloned().unwrap_or(Value::Null),
                );
                let last = number(r.get("lastClaimTimestamp"));
                e.insert("lastClaim".into(), date(last.map(|s| s * 1000.0)));
                e.insert("provider".into(), provider.clone());
                let every = number(r.get("claimResetFrequencySec"));
                let next = match (last, every) {
                    (Some(l), Some(f)) if l != 0.0 && !l.is_nan() && f > -1.0 => {
                        date(Some(l * 1000.0 + f * 1000.0))
                    }
                    _ => Value::Null,
                };
                e.insert("nextClaim".into(), next);
                Value::Object(e)
            })
            .collect(),
    ))
}

/// `POST /v3/account/reward/claim` for `claimRewards(ids, {turnstileToken, provider})`.
pub fn claim_rewards(ids: &Value, options: &Value) -> HttpCall {
    let mut body = Map::new();
    body.insert("claims".into(), ids.clone());
    body.insert(
        "provider".into(),
        options
            .get("provider")
            .filter(|p| truthy(p))
            .cloned()
            .unwrap_or_else(|| json!("base")),
    );
    put(
        &mut body,
        "turnstileToken",
        options.get("turnstileToken").filter(|t| truthy(t)).cloned(),
    );
    HttpCall::new("POST", "/v3/account/reward/claim", ErrorStyle::Rest).body(Value::Object(body))
}

/// A `GET` on the API host read the `RestClient` way.
pub fn get(path: &str) -> HttpCall {
    HttpCall::new("GET", path, ErrorStyle::Rest)
}

/// A `POST` on the API host read the `RestClient` way.
pub fn post(path: &str, body: Value) -> HttpCall {
    HttpCall::new("POST", path, ErrorStyle::Rest).body(body)
}

/// `createSubscriptionCheckout(planId, term, options)`.
pub fn subscription_checkout(plan: &Value, term: &Value, options: &Value) -> HttpCall {
    let mut body = Map::new();
    put(
        &mut body,
        "planId",
        Some(plan.clone()).filter(|v| !v.is_null()),
    );
    put(
        &mut body,
        "term",
        Some(term.clone()).filter(|v| !v.is_null()),
    );
    body.insert(
        "redirectType".into(),
        options
            .get("redirectType")
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| json!("web")),
    );
    put(
        &mut body,
        "appSource",
        options.get("appSource").filter(|v| truthy(v)).cloned(),
    );
    put(&mut body, "startTrial", options.get("startTrial").cloned());
    put(&mut body, "deviceId", options.get("deviceId").cloned());
    post("/v1/iap/stripe/subscribe", Value::Object(body))
}

/// `walletBalance(address, provider = 'base')`.
pub fn wallet_balance(address: &Value, provider: Option<&Value>) -> HttpCall {
    let provider = provider
        .filter(|p| !p.is_null())
        .cloned()
        .unwrap_or_else(|| json!("base"));
    let mut pairs = Vec::new();
    if !address.is_null() {
        pairs.push(("walletAddress".to_string(), super::http::js_string(address)));
    }
    pairs.push(("provider".to_string(), super::http::js_string(&provider)));
    get(&with_query_owned("/v2/wallet/balance", &pairs))
}

/// Reads `validateUsername`: the whole answer, or the error payload when the name is
/// taken (`errorCode` 108).
pub fn read_validate_username(answer: &HttpAnswer) -> Result<Value, Error> {
    if answer.ok() {
        return rest_body(answer);
    }
    let e = error_for(ErrorStyle::Rest, answer);
    if let Error::Api {
        error_code: 108, ..
    } = e
    {
        if let Ok(Value::Object(payload)) = serde_json::from_str::<Value>(&answer.body) {
            return Ok(Value::Object(payload));
        }
    }
    Err(e)
}

/// Reads `data.key`.
pub fn read_data_key(answer: &HttpAnswer, key: &str) -> Result<Value, Error> {
    let data = rest_data(answer)?;
    Ok(data.get(key).cloned().unwrap_or(Value::Null))
}

/// Reads `getTrialEligibility`: `{eligible, reasonCode}` only.
pub fn read_trial(answer: &HttpAnswer) -> Result<Value, Error> {
    let data = rest_data(answer)?;
    let mut out = Map::new();
    put(&mut out, "eligible", data.get("eligible").cloned());
    put(&mut out, "reasonCode", data.get("reasonCode").cloned());
    Ok(Value::Object(out))
}

/// `isSubscriptionLimitError(value)`: 4081 as a number or string, or an object with
/// `subscriptionLimit: true` or such a `code`.
pub fn is_subscription_limit_error(v: &Value) -> bool {
    fn is_4081(v: &Value) -> bool {
        match v {
            Value::Number(n) => n.as_f64() == Some(4081.0),
            Value::String(s) => {
                let t = s.trim();
                let n = if t.is_empty() {
                    Some(0.0)
                } else {
                    t.parse::<f64>().ok()
                };
                n == Some(4081.0)
            }
            _ => false,
        }
    }
    match v {
        Value::Number(_) | Value::String(_) => is_4081(v),
        Value::Object(o) => {
            o.get("subscriptionLimit") == Some(&Value::Bool(true))
                || o.get("code").is_some_and(is_4081)
        }
        _ => false,
    }
}

/// `new Date(ms).toISOString()` (UTC, millisecond precision).
pub fn iso_from_ms(ms: f64) -> String {
    let total = ms.floor() as i64;
    let millis = total.rem_euclid(1000);
    let secs = total.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn iso_of(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => n.as_f64().map(iso_from_ms),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The socket's `subscriptionEntitlement` (`authenticated`) or
/// `subscriptionEntitlementUpdated` payload as the REST snapshot
/// (`SubscriptionEntitlementSnapshot`), mapped the way the official `AccountApi` does.
pub fn entitlement_snapshot(data: &Value, now_ms: f64) -> Option<Value> {
    if !data.is_object() {
        return None;
    }
    let active = data.get("active").is_some_and(truthy);
    let sub = data.get("subscription").filter(|s| s.is_object());
    let status_raw = sub
        .and_then(|s| s.get("status"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let (Some(sub), Some(raw)) = (sub, status_raw) else {
        return Some(json!({"active": false, "status": "none"}));
    };
    let status = match raw {
        "grace" => "grace_period",
        "cancelled" if active => "cancel_at_period_end",
        "cancelled" | "revoked" => "canceled",
        "needs_reconciliation" => "past_due",
        "expired" => "expired",
        "trialing" => "trialing",
        "active" => "active",
        _ if active => "active",
        _ => "none",
    };
    let g = |k: &str| sub.get(k).filter(|v| truthy(v));
    let period_end = if status == "grace_period" && g("graceEnd").is_some() {
        g("graceEnd")
    } else {
        g("periodEnd")
    };
    let cancel_at_end = match sub.get("cancelAtPeriodEnd") {
        Some(Value::Bool(b)) => Some(*b),
        _ if raw == "cancelled" => Some(true),
        _ => None,
    };
    let mut out = Map::new();
    out.insert(
        "active".into(),
        data.get("active").cloned().unwrap_or(Value::Null),
    );
    out.insert("status".into(), json!(status));
    for k in ["tier", "term", "provider"] {
        put(&mut out, k, g(k).cloned());
    }
    put(
        &mut out,
        "currentPeriodStart",
        g("periodStart").and_then(iso_of).map(Value::from),
    );
    put(
        &mut out,
        "currentPeriodEnd",
        period_end.and_then(iso_of).map(Value::from),
    );
    put(
        &mut out,
        "cancelAtPeriodEnd",
        cancel_at_end.map(Value::from),
    );
    put(&mut out, "scheduledTier", g("scheduledTier").cloned());
    put(&mut out, "scheduledTerm", g("scheduledTerm").cloned());
    put(
        &mut out,
        "scheduledChangeAt",
        g("scheduledChangeAt").and_then(iso_of).map(Value::from),
    );
    if g("paymentPending").is_some() {
        out.insert("paymentPending".into(), json!(true));
    }
    if let Some(fair) = g("fairUse").and_then(Value::as_object) {
        let reset = fair.get("resetAt").and_then(Value::as_f64);
        if fair.get("limited").is_some_and(truthy) && reset.is_some_and(|r| r > now_ms) {
            let mut f = fair.clone();
            f.insert("resetAt".into(), json!(iso_from_ms(reset.unwrap_or(0.0))));
            out.insert("fairUse".into(), Value::Object(f));
        }
    }
    let capabilities = match sub.get("capabilities") {
        Some(c) if !c.is_null() => c.clone(),
        _ => {
            let tier = sub.get("tier").and_then(Value::as_str);
            if active && matches!(tier, Some("unlimited" | "unlimited_pro")) {
                json!({"unlimited": true})
            } else {
                json!({})
            }
        }
    };
    out.insert("capabilities".into(), capabilities);
    Some(Value::Object(out))
}

/// The entitlement's `version` as a number, when it has one.
pub fn entitlement_version(data: &Value) -> Option<f64> {
    match data.pointer("/subscription/version") {
        Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()),
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

/// `currentAccount.isUnlimited`: an active `unlimited` / `unlimited_pro` subscription.
pub fn is_unlimited(subscription: &Value) -> bool {
    subscription.get("active").is_some_and(truthy)
        && matches!(
            subscription.get("tier").and_then(Value::as_str),
            Some("unlimited" | "unlimited_pro")
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso_from_ms(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_from_ms(1_700_000_000_123.0), "2023-11-14T22:13:20.123Z");
    }

    #[test]
    fn limit_errors() {
        assert!(is_subscription_limit_error(&json!(4081)));
        assert!(is_subscription_limit_error(&json!(" 4081 ")));
        assert!(is_subscription_limit_error(&json!({"code": "4081"})));
        assert!(is_subscription_limit_error(
            &json!({"subscriptionLimit": true})
        ));
        assert!(!is_subscription_limit_error(&json!(4078)));
        assert!(!is_subscription_limit_error(&json!(null)));
        assert!(!is_subscription_limit_error(&json!([4081])));
    }

    #[test]
    fn socket_entitlements_map_like_rest() {
        let none = entitlement_snapshot(&json!({"active": false, "subscription": null}), 0.0);
        assert_eq!(none, Some(json!({"active": false, "status": "none"})));
        let s = entitlement_snapshot(
            &json!({"active": true, "subscription": {"status": "cancelled", "tier": "unlimited",
                    "periodStart": 0, "periodEnd": 86_400_000, "graceEnd": 0, "version": "3"}}),
            0.0,
        )
        .unwrap();
        assert_eq!(
            s,
            json!({"active": true, "status": "cancel_at_period_end", "tier": "unlimited",
                   "currentPeriodEnd": "1970-01-02T00:00:00.000Z", "cancelAtPeriodEnd": true,
                   "capabilities": {"unlimited": true}})
        );
        assert!(is_unlimited(&s));
    }
}
