//! The rest of the official 5.54 surface, REST side: `sogni.workflows` (+ `.templates`),
//! `sogni.replay`, `sogni.stats`, `sogni.announcements`, the account's rewards /
//! transactions / subscriptions, and the projects group's lookups, LoRA catalogs and
//! reusable uploads.
//!
//! Every single-request method is a pair: [`plan`] builds its [`HttpCall`] from the JS
//! arguments (as JSON), [`read`] turns the answer into what the official method resolves
//! with (or the error it rejects with). Both are checked against the official SDK's own
//! output in `tests/fixtures/surface-requests.json`. The wasm layer runs the call; methods
//! that take several requests (uploads, merged LoRA catalogs) compose these pieces.

pub mod account;
pub mod http;
pub mod misc;
pub mod projects;
pub mod workflows;

#[cfg(test)]
mod fixture_tests;

pub use http::{ErrorStyle, HttpAnswer, HttpCall};

use serde_json::{json, Value};

use crate::Error;

/// What a call needs from the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// `config.appSource`.
    pub app_source: Option<String>,
}

fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Null)
}

fn id_arg(args: &[Value], i: usize, what: &str) -> Result<String, Error> {
    match arg(args, i) {
        Value::String(s) => Ok(s.clone()),
        Value::Number(_) | Value::Bool(_) => Ok(http::js_string(arg(args, i))),
        _ => Err(Error::invalid(
            "INVALID_ID",
            format!("{what} must be a string"),
        )),
    }
}

fn obj(args: &[Value], i: usize) -> Value {
    match arg(args, i) {
        Value::Null => json!({}),
        v => v.clone(),
    }
}

/// Every method [`plan`] and [`read`] know, by its path on the client.
pub const METHODS: &[&str] = &[
    "workflows.start",
    "workflows.resume",
    "workflows.reseed",
    "workflows.list",
    "workflows.get",
    "workflows.events",
    "workflows.cancel",
    "workflows.templates.list",
    "workflows.templates.get",
    "workflows.templates.create",
    "workflows.templates.update",
    "workflows.templates.delete",
    "workflows.templates.fork",
    "replay.write",
    "replay.list",
    "replay.get",
    "stats.leaderboard",
    "announcements.active",
    "announcements.dismiss",
    "account.transactionHistory",
    "account.rewards",
    "account.claimRewards",
    "account.getSubscriptionStatus",
    "account.refreshSubscription",
    "account.getSubscriptionUsage",
    "account.getTrialEligibility",
    "account.setDeviceId",
    "account.getSubscriptionPlans",
    "account.createSubscriptionCheckout",
    "account.createSubscriptionPortalSession",
    "account.walletBalance",
    "account.getNonce",
    "account.validateUsername",
    "projects.get",
    "projects.getStatus",
    "projects.uploadUrl",
    "projects.downloadUrl",
    "projects.mediaUploadUrl",
    "projects.mediaDownloadUrl",
    "projects.availableLoras",
    "projects.supportsLoras",
    "projects.loraConstraints",
    "projects.getLora",
    "projects.personalLoras.list",
    "projects.personalLoras.get",
    "projects.personalLoras.import",
    "projects.personalLoras.remove",
    "projects.personalLoras.catalog",
    "projects.assets.list",
    "projects.assets.remove",
    "projects.assets.bind",
];

/// The request of `method` called with `args`.
pub fn plan(method: &str, args: &[Value], ctx: &Context) -> Result<HttpCall, Error> {
    let app = ctx.app_source.as_deref();
    use account as a;
    use projects as p;
    Ok(match method {
        "workflows.start" => workflows::start(&obj(args, 0), app)?,
        "workflows.resume" => {
            workflows::resume(&id_arg(args, 0, "workflowId")?, &obj(args, 1), app)
        }
        "workflows.reseed" => {
            workflows::reseed(&id_arg(args, 0, "workflowId")?, &obj(args, 1), app)
        }
        "workflows.list" => workflows::list(&obj(args, 0)),
        "workflows.get" => workflows::get(&id_arg(args, 0, "workflowId")?),
        "workflows.events" => workflows::events(&id_arg(args, 0, "workflowId")?),
        "workflows.cancel" => workflows::cancel(&id_arg(args, 0, "workflowId")?),
        "workflows.templates.list" => workflows::templates_list(&obj(args, 0)),
        "workflows.templates.get" => workflows::templates_get(&id_arg(args, 0, "id")?),
        "workflows.templates.create" => workflows::templates_create(&obj(args, 0)),
        "workflows.templates.update" => {
            workflows::templates_update(&id_arg(args, 0, "id")?, &obj(args, 1))
        }
        "workflows.templates.delete" => workflows::templates_delete(&id_arg(args, 0, "id")?),
        "workflows.templates.fork" => {
            workflows::templates_fork(&id_arg(args, 0, "id")?, &obj(args, 1))
        }
        "replay.write" => misc::replay_write(&obj(args, 0)),
        "replay.list" => misc::replay_list(&obj(args, 0)),
        "replay.get" => misc::replay_get(&id_arg(args, 0, "runId")?),
        "stats.leaderboard" => misc::leaderboard(&obj(args, 0)),
        "announcements.active" => misc::announcements_active(args.first()),
        "announcements.dismiss" => misc::announcements_dismiss(&id_arg(args, 0, "id")?),
        "account.transactionHistory" => a::transaction_history(&obj(args, 0))?,
        "account.rewards" => a::rewards(&obj(args, 0)),
        "account.claimRewards" => a::claim_rewards(arg(args, 0), &obj(args, 1)),
        "account.getSubscriptionStatus" | "account.refreshSubscription" => {
            a::get("/v1/subscriptions/status")
        }
        "account.getSubscriptionUsage" => a::get("/v1/subscriptions/usage"),
        "account.getTrialEligibility" => a::get("/v1/subscriptions/trial-eligibility"),
        "account.setDeviceId" => {
            a::post("/v1/account/device-id", json!({"deviceId": arg(args, 0)}))
        }
        "account.getSubscriptionPlans" => a::get("/v1/subscriptions/plans"),
        "account.createSubscriptionCheckout" => {
            a::subscription_checkout(arg(args, 0), arg(args, 1), &obj(args, 2))
        }
        "account.createSubscriptionPortalSession" => {
            a::post("/v1/subscriptions/stripe/portal", json!({}))
        }
        "account.walletBalance" => a::wallet_balance(arg(args, 0), args.get(1)),
        "account.getNonce" => a::post("/v1/account/nonce", json!({"walletAddress": arg(args, 0)})),
        "account.validateUsername" => a::post(
            "/v1/account/username/validate",
            json!({"username": arg(args, 0)}),
        ),
        "projects.get" => p::project(&id_arg(args, 0, "projectId")?),
        "projects.getStatus" => p::project_status(&id_arg(args, 0, "projectId")?),
        "projects.uploadUrl" => p::url_call("/v1/image/uploadUrl", &obj(args, 0)),
        "projects.downloadUrl" => p::url_call("/v1/image/downloadUrl", &obj(args, 0)),
        "projects.mediaUploadUrl" => p::url_call("/v1/media/uploadUrl", &obj(args, 0)),
        "projects.mediaDownloadUrl" => p::url_call("/v1/media/downloadUrl", &obj(args, 0)),
        "projects.availableLoras" => p::lora_catalog(lora_model(args)),
        "projects.getLora" if personal_lora(args) => p::personal_catalog(),
        "projects.supportsLoras" | "projects.loraConstraints" | "projects.getLora" => {
            p::lora_catalog(None)
        }
        "projects.personalLoras.list" => p::personal_list(),
        "projects.personalLoras.get" => p::personal_get(&id_arg(args, 0, "id")?),
        "projects.personalLoras.import" => p::personal_import(&obj(args, 0)),
        "projects.personalLoras.remove" => p::personal_remove(&id_arg(args, 0, "id")?),
        "projects.personalLoras.catalog" => p::personal_catalog(),
        "projects.assets.list" => p::assets_list(),
        "projects.assets.remove" => p::assets_remove(&id_arg(args, 0, "id")?),
        "projects.assets.bind" => p::assets_bind(&id_arg(args, 0, "id")?, &obj(args, 1)),
        other => {
            return Err(Error::invalid(
                "UNKNOWN_METHOD",
                format!("no REST plan for {other}"),
            ))
        }
    })
}

/// `getLora('personal-…')` reads the personal catalog.
fn personal_lora(args: &[Value]) -> bool {
    arg(args, 0)
        .as_str()
        .is_some_and(|id| id.starts_with("personal-"))
}

fn lora_model(args: &[Value]) -> Option<&str> {
    args.first()
        .and_then(|o| o.get("modelId"))
        .and_then(Value::as_str)
}

/// What `method` resolves with, given the server's answer.
pub fn read(method: &str, args: &[Value], answer: &HttpAnswer) -> Result<Value, Error> {
    use account as a;
    use projects as p;
    let unit = |r: Result<Value, Error>| r.map(|_| Value::Null);
    match method {
        "workflows.start" | "workflows.get" | "workflows.cancel" => {
            workflows::read_key(answer, "workflow")
        }
        "workflows.list" => workflows::read_key(answer, "workflows"),
        "workflows.events" => workflows::read_key(answer, "events"),
        "workflows.resume" => workflows::read_resume(answer),
        "workflows.reseed" => workflows::read_reseed(answer),
        "workflows.templates.list" => workflows::read_templates_list(answer),
        "workflows.templates.get" => workflows::read_template(answer, ""),
        "workflows.templates.create" => workflows::read_template(answer, "create "),
        "workflows.templates.update" => workflows::read_template(answer, "update "),
        "workflows.templates.fork" => workflows::read_template(answer, "fork "),
        "workflows.templates.delete" => workflows::read_template_delete(answer),
        "replay.write" => misc::read_replay_write(answer),
        "replay.list" => misc::read_replay_list(answer),
        "replay.get" => misc::read_replay_get(answer),
        "announcements.active" => misc::read_announcements(answer),
        "stats.leaderboard"
        | "account.getSubscriptionStatus"
        | "account.refreshSubscription"
        | "account.getSubscriptionUsage"
        | "account.getSubscriptionPlans"
        | "account.createSubscriptionCheckout"
        | "account.createSubscriptionPortalSession"
        | "account.walletBalance"
        | "account.getNonce"
        | "projects.get"
        | "projects.getStatus"
        | "projects.personalLoras.list"
        | "projects.personalLoras.get"
        | "projects.personalLoras.import"
        | "projects.assets.list" => {
            let data = http::rest_data(answer)?;
            Ok(match method {
                "account.getSubscriptionStatus" | "account.refreshSubscription" => {
                    data.get("subscription").cloned().unwrap_or(Value::Null)
                }
                "account.getSubscriptionUsage" => data.get("usage").cloned().unwrap_or(Value::Null),
                "account.getSubscriptionPlans" => data.get("plans").cloned().unwrap_or(Value::Null),
                "account.getNonce" => data.get("nonce").cloned().unwrap_or(Value::Null),
                "projects.get" | "projects.getStatus" => {
                    data.get("project").cloned().unwrap_or(Value::Null)
                }
                _ => data,
            })
        }
        "announcements.dismiss"
        | "account.claimRewards"
        | "account.setDeviceId"
        | "projects.personalLoras.remove"
        | "projects.assets.remove"
        | "projects.assets.bind" => unit(http::rest_body(answer)),
        "account.transactionHistory" => a::read_transaction_history(&obj(args, 0), answer),
        "account.rewards" => a::read_rewards(&obj(args, 0), answer),
        "account.getTrialEligibility" => a::read_trial(answer),
        "account.validateUsername" => a::read_validate_username(answer),
        "projects.uploadUrl" | "projects.mediaUploadUrl" => p::read_upload_url(answer),
        "projects.downloadUrl" | "projects.mediaDownloadUrl" => p::read_download_url(answer),
        "projects.availableLoras" => p::read_lora_catalog(answer, lora_model(args)),
        "projects.supportsLoras" => {
            let catalog = p::read_lora_catalog(answer, None)?;
            let model = arg(args, 0).as_str().unwrap_or("");
            Ok(json!(p::supports_loras(&catalog, model)))
        }
        "projects.loraConstraints" => {
            Ok(p::read_lora_catalog(answer, None)?["constraints"].clone())
        }
        "projects.getLora" => {
            let catalog = if personal_lora(args) {
                p::read_personal_catalog(answer, None)?
            } else {
                p::read_lora_catalog(answer, None)?
            };
            Ok(p::find_lora(&catalog, arg(args, 0).as_str().unwrap_or("")))
        }
        "projects.personalLoras.catalog" => p::read_personal_catalog(answer, lora_model(args)),
        other => Err(Error::invalid(
            "UNKNOWN_METHOD",
            format!("no REST reader for {other}"),
        )),
    }
}
