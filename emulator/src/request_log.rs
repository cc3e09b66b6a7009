//! A bounded log of what clients sent: raw `jobRequest` payloads (by app id) and upload-URL
//! requests (by project id). `GET /emulator/requests?appId=…` serves it, so a test can put
//! two SDKs' requests for the same params side by side; with `&http` it also lists the HTTP
//! requests that reached a route (`{method, path}`, oldest first), so a test can check that
//! nothing went on the wire.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// How many entries the log keeps (the oldest go first).
const CAPACITY: usize = 4096;

#[derive(Debug, Clone)]
enum Entry {
    JobRequest {
        app_id: String,
        data: Value,
    },
    Upload {
        job_id: String,
        endpoint: String,
        query: Value,
    },
    Connection {
        app_id: String,
        query: Value,
    },
}

/// The log.
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Mutex<VecDeque<Entry>>,
    /// `(method, path)` of the HTTP requests that reached a route.
    http: Mutex<VecDeque<(String, String)>>,
}

impl RequestLog {
    /// Records an HTTP request that reached a route.
    pub fn http(&self, method: &str, path: &str) {
        let mut http = self.http.lock().unwrap();
        if http.len() == CAPACITY {
            http.pop_front();
        }
        http.push_back((method.to_string(), path.to_string()));
    }

    /// `[{method, path}…]`, oldest first.
    pub fn http_requests(&self) -> Value {
        let http = self.http.lock().unwrap();
        let list = http.iter().map(|(m, p)| json!({"method": m, "path": p}));
        Value::Array(list.collect())
    }

    fn push(&self, entry: Entry) {
        let mut entries = self.entries.lock().unwrap();
        if entries.len() == CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// Records a `jobRequest` payload exactly as received.
    pub fn job_request(&self, app_id: &str, data: &Value) {
        self.push(Entry::JobRequest {
            app_id: app_id.to_string(),
            data: data.clone(),
        });
    }

    /// Records the query of a socket connection (`appId`, `appSource`, attribution, …).
    pub fn connection(&self, app_id: &str, query: &std::collections::HashMap<String, String>) {
        self.push(Entry::Connection {
            app_id: app_id.to_string(),
            query: json!(query),
        });
    }

    /// Records an upload-URL request (`endpoint` is `image` or `media`) and its query.
    pub fn upload(&self, endpoint: &str, query: &std::collections::HashMap<String, String>) {
        let job_id = query.get("jobId").cloned().unwrap_or_default();
        self.push(Entry::Upload {
            job_id: job_id.to_uppercase(),
            endpoint: endpoint.to_string(),
            query: json!(query),
        });
    }

    /// `{jobRequests: [payload…], uploads: [{jobId, endpoint, query}…], connections:
    /// [query…]}` for one app id: its requests in arrival order, the upload-URL requests
    /// naming their project ids and the query of each socket connection it opened.
    pub fn for_app(&self, app_id: &str) -> Value {
        let entries = self.entries.lock().unwrap();
        let requests: Vec<&Value> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::JobRequest { app_id: a, data } if a == app_id => Some(data),
                _ => None,
            })
            .collect();
        let ids: Vec<String> = requests
            .iter()
            .filter_map(|r| r.get("jobID").and_then(Value::as_str))
            .map(str::to_uppercase)
            .collect();
        let uploads: Vec<Value> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Upload {
                    job_id,
                    endpoint,
                    query,
                } if ids.contains(job_id) => {
                    Some(json!({"jobId": job_id, "endpoint": endpoint, "query": query}))
                }
                _ => None,
            })
            .collect();
        let connections: Vec<&Value> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Connection { app_id: a, query } if a == app_id => Some(query),
                _ => None,
            })
            .collect();
        json!({"jobRequests": requests, "uploads": uploads, "connections": connections})
    }
}

/// The middleware logging every request outside `/emulator/` that reaches a route. It runs
/// inside the fault hook, so a request its client gave up during an injected delay is not
/// logged.
pub async fn record(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !path.starts_with("/emulator/") {
        state.requests.http(req.method().as_str(), path);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_uploads_under_the_apps_projects() {
        let log = RequestLog::default();
        log.job_request("a", &json!({"jobID": "p1", "n": 1}));
        log.job_request("b", &json!({"jobID": "P2"}));
        let q = |job: &str| {
            [("jobId".to_string(), job.to_string())]
                .into_iter()
                .collect()
        };
        log.upload("media", &q("P1"));
        log.upload("image", &q("p2"));
        let a = log.for_app("a");
        assert_eq!(a["jobRequests"], json!([{"jobID": "p1", "n": 1}]));
        assert_eq!(a["uploads"].as_array().unwrap().len(), 1);
        assert_eq!(a["uploads"][0]["endpoint"], "media");
        assert_eq!(log.for_app("c")["jobRequests"], json!([]));
    }

    #[test]
    fn lists_http_requests_in_order() {
        let log = RequestLog::default();
        log.http("GET", "/v1/a");
        log.http("POST", "/v1/b");
        assert_eq!(
            log.http_requests(),
            json!([{"method": "GET", "path": "/v1/a"}, {"method": "POST", "path": "/v1/b"}])
        );
    }

    #[test]
    fn keeps_at_most_its_capacity() {
        let log = RequestLog::default();
        for i in 0..CAPACITY + 10 {
            log.job_request("a", &json!({"jobID": i.to_string()}));
        }
        let a = log.for_app("a");
        assert_eq!(a["jobRequests"].as_array().unwrap().len(), CAPACITY);
        assert_eq!(a["jobRequests"][0]["jobID"], "10");
    }
}
