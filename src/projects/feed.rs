//! The `sogni.projects.on('project' | 'job', …)` feed: socket events turned into the official
//! `ProjectEvent` / `JobEvent` payloads, for every project of the connection (tracked or not).
//!
//! Job `preview` and `completed` entries need the minted URLs, so the project layer makes
//! those ([`job_preview`], [`job_completed`]); everything else comes from the socket frame.

use crate::projects::job::JobState;
use crate::Error;
use serde_json::{json, Map, Value};

/// Which feed an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `projects.on('project', …)`.
    Project,
    /// `projects.on('job', …)`.
    Job,
}

/// The official `ErrorData` of a `jobError` payload: `{code, message, originalCode?}`.
pub fn error_data(data: &Value) -> Value {
    let (code, original) = Error::job_code(data.get("error").unwrap_or(&Value::Null));
    let mut out = json!({
        "code": code,
        "message": data.get("error_message").and_then(Value::as_str).unwrap_or(""),
    });
    if let Some(o) = original {
        out["originalCode"] = json!(o);
    }
    for key in [
        "subscriptionLimit",
        "requiredPlans",
        "feature",
        "limitation",
    ] {
        if let Some(v) = data.get(key) {
            out[key] = v.clone();
        }
    }
    out
}

fn pick(data: &Value, out: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(v) = data.get(*key).filter(|v| !v.is_null()) {
            out.insert((*key).to_string(), v.clone());
        }
    }
}

/// The feed entry a socket frame makes, if any.
pub fn socket_feed(kind: &str, data: &Value) -> Option<(Channel, Value)> {
    let project_id = data.get("jobID")?.as_str()?.to_string();
    let job_id = data
        .get("imgID")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut out = Map::new();
    out.insert("projectId".into(), json!(project_id));
    let channel = match (kind, data.get("type").and_then(Value::as_str)) {
        ("jobState", Some("queued")) => {
            out.insert("type".into(), json!("queued"));
            out.insert(
                "queuePosition".into(),
                data.get("queuePosition").cloned().unwrap_or(json!(0)),
            );
            match data.get("estimatedStartSeconds") {
                Some(Value::Null) => {
                    out.insert("estimatedStartSeconds".into(), Value::Null);
                }
                Some(v) if v.as_f64().is_some_and(|s| s.is_finite() && s >= 0.0) => {
                    out.insert("estimatedStartSeconds".into(), v.clone());
                }
                _ => {}
            }
            if let Some(q @ ("waiting" | "no-workers")) =
                data.get("queueStatus").and_then(Value::as_str)
            {
                out.insert("queueStatus".into(), json!(q));
            }
            Channel::Project
        }
        ("jobState", Some("jobCompleted")) => {
            out.insert("type".into(), json!("completed"));
            Channel::Project
        }
        ("jobState", Some(t @ ("initiatingModel" | "jobStarted"))) => {
            out.insert("jobId".into(), json!(job_id?));
            out.insert(
                "type".into(),
                json!(if t == "jobStarted" {
                    "started"
                } else {
                    "initiating"
                }),
            );
            pick(
                data,
                &mut out,
                &["workerName", "positivePrompt", "negativePrompt", "jobIndex"],
            );
            if t == "initiatingModel" {
                pick(data, &mut out, &["preparation"]);
            }
            Channel::Job
        }
        ("jobProgress", _) => {
            out.insert("jobId".into(), json!(job_id?));
            out.insert("type".into(), json!("progress"));
            pick(
                data,
                &mut out,
                &[
                    "step",
                    "stepCount",
                    "progress",
                    "etaSeconds",
                    "etaMin",
                    "etaMax",
                ],
            );
            Channel::Job
        }
        ("jobETA", _) => {
            out.insert("jobId".into(), json!(job_id?));
            out.insert("type".into(), json!("jobETA"));
            out.insert(
                "etaSeconds".into(),
                data.get("etaSeconds").cloned().unwrap_or(json!(0)),
            );
            Channel::Job
        }
        ("jobError", _) => {
            out.insert("type".into(), json!("error"));
            out.insert("error".into(), error_data(data));
            match job_id {
                Some(j) => {
                    out.insert("jobId".into(), json!(j));
                    Channel::Job
                }
                None => Channel::Project,
            }
        }
        _ => return None,
    };
    Some((channel, Value::Object(out)))
}

/// The `preview` job entry, once the preview URL is minted.
pub fn job_preview(project_id: &str, job_id: &str, url: &str) -> Value {
    json!({"type": "preview", "projectId": project_id, "jobId": job_id, "url": url})
}

/// The `completed` job entry, once the job has finished with (or without) its URL.
pub fn job_completed(job: &JobState) -> Value {
    let mut v = json!({
        "type": "completed",
        "projectId": job.project_id,
        "jobId": job.id,
        "steps": job.step,
        "resultUrl": job.result_url,
        "isNSFW": job.is_nsfw,
        "nsfwDetected": job.nsfw_detected,
        "nsfwSources": job.nsfw_sources,
        "userCanceled": job.user_canceled,
    });
    if let Some(seed) = job.seed {
        v["seed"] = json!(seed);
    }
    if let Some(f) = &job.output_format {
        v["outputFormat"] = json!(f);
    }
    if let Some(u) = &job.last_frame_url {
        v["lastFrameUrl"] = json!(u);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_project_level_frames() {
        let (c, v) = socket_feed(
            "jobState",
            &json!({"type": "queued", "jobID": "P", "queuePosition": 2, "estimatedStartSeconds": -1, "queueStatus": "odd"}),
        )
        .unwrap();
        assert_eq!(c, Channel::Project);
        assert_eq!(
            v,
            json!({"type": "queued", "projectId": "P", "queuePosition": 2})
        );
        let (_, v) =
            socket_feed("jobState", &json!({"type": "jobCompleted", "jobID": "P"})).unwrap();
        assert_eq!(v, json!({"type": "completed", "projectId": "P"}));
        let (c, v) = socket_feed(
            "jobError",
            &json!({"jobID": "P", "error": "artistCanceled", "error_message": "x"}),
        )
        .unwrap();
        assert_eq!(c, Channel::Project);
        assert_eq!(
            v["error"],
            json!({"code": 5004, "message": "x", "originalCode": "artistCanceled"})
        );
    }

    #[test]
    fn maps_job_level_frames() {
        let (c, v) = socket_feed(
            "jobState",
            &json!({"type": "jobStarted", "jobID": "P", "imgID": "J", "workerName": "w", "jobIndex": 0}),
        )
        .unwrap();
        assert_eq!(c, Channel::Job);
        assert_eq!(
            v,
            json!({"type": "started", "projectId": "P", "jobId": "J", "workerName": "w", "jobIndex": 0})
        );
        let (_, v) = socket_feed(
            "jobProgress",
            &json!({"jobID": "P", "imgID": "J", "step": 2, "stepCount": 4}),
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"type": "progress", "projectId": "P", "jobId": "J", "step": 2, "stepCount": 4})
        );
        let (c, v) = socket_feed(
            "jobError",
            &json!({"jobID": "P", "imgID": "J", "error": 4081, "error_message": "up"}),
        )
        .unwrap();
        assert_eq!(c, Channel::Job);
        assert_eq!(v["error"]["code"], 4081);
        // No imgID on a job-only frame: nothing (never a phantom job).
        assert_eq!(
            socket_feed("jobETA", &json!({"jobID": "P", "etaSeconds": 3})),
            None
        );
        assert_eq!(socket_feed("balanceUpdate", &json!({})), None);
    }
}
