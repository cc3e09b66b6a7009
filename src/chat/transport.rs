//! What happens to in-flight chat jobs when the socket drops (5.54): the server keeps an
//! LLM job for about 30 s after its client disconnects and hands it back if the same
//! app id reconnects. The official `ChatApi` marks every sent, unfinished job as
//! "awaiting reconnect" when a reconnect starts, and fails it as `transport_lost` when
//! the next `authenticated` frame does not list it in `activeLLMJobIDs`, when the socket
//! closes for good, or when [`LLM_TRANSPORT_GRACE_MS`] pass without news. Any frame for
//! a job proves it survived.
//!
//! [`TransportWatch`] is that bookkeeping; the wasm layer owns the timer and turns each
//! returned job id into an `llmJobError` with [`transport_lost_payload`].

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::job_error::TRANSPORT_LOST_MESSAGE;

/// How long a job may stay silent after a drop before it is failed.
pub const LLM_TRANSPORT_GRACE_MS: u32 = 35_000;

/// The close code of a tab handoff (`SWITCH_CONNECTION`): the app id lives on in another
/// tab, which forwards the job's events, so it is treated like a reconnect.
pub const SWITCH_CONNECTION_CLOSE_CODE: u16 = 4015;

/// The `llmJobError` payload a lost job is failed with.
pub fn transport_lost_payload(job_id: &str) -> Value {
    json!({"jobID": job_id, "error": "transport_lost", "error_message": TRANSPORT_LOST_MESSAGE})
}

/// Jobs awaiting a reconnect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransportWatch {
    awaiting: BTreeSet<String>,
    timer_running: bool,
}

impl TransportWatch {
    /// An empty watch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Is any job awaiting a reconnect?
    pub fn is_watching(&self) -> bool {
        !self.awaiting.is_empty()
    }

    /// The socket is reconnecting (`connecting`). `in_flight` are the jobs that were sent
    /// and have not finished. Returns `true` when the caller must start the grace timer
    /// (none is running and some job is now awaiting).
    pub fn on_connecting<'a>(&mut self, in_flight: impl IntoIterator<Item = &'a str>) -> bool {
        self.awaiting
            .extend(in_flight.into_iter().map(String::from));
        if self.is_watching() && !self.timer_running {
            self.timer_running = true;
            return true;
        }
        false
    }

    /// The socket closed (`disconnected`). Returns the jobs to fail now: all awaiting ones,
    /// unless the close was a tab handoff. The second value says whether a grace timer must
    /// be started (as for [`Self::on_connecting`]).
    pub fn on_disconnected<'a>(
        &mut self,
        code: Option<u16>,
        in_flight: impl IntoIterator<Item = &'a str>,
    ) -> (Vec<String>, bool) {
        let start_timer = self.on_connecting(in_flight);
        if code == Some(SWITCH_CONNECTION_CLOSE_CODE) {
            return (Vec::new(), start_timer);
        }
        (self.take_all(), false)
    }

    /// The `authenticated` frame after a reconnect. When it lists `activeLLMJobIDs`, the
    /// awaiting jobs missing from it (compared upper-case) are returned to be failed, the
    /// rest survive, and the grace timer should be cleared. Without a list nothing changes.
    pub fn on_authenticated(&mut self, data: &Value) -> Vec<String> {
        let Some(list) = data.get("activeLLMJobIDs").and_then(Value::as_array) else {
            return Vec::new();
        };
        if !self.is_watching() {
            return Vec::new();
        }
        let live: BTreeSet<String> = list
            .iter()
            .map(|id| super::js::to_string(id).to_uppercase())
            .collect();
        let gone = self
            .awaiting
            .iter()
            .filter(|j| !live.contains(&j.to_uppercase()))
            .cloned()
            .collect();
        self.awaiting.clear();
        self.timer_running = false;
        gone
    }

    /// A frame arrived for `job_id`: it survived. Returns `true` when nothing is awaited
    /// any more and the grace timer should be cleared.
    pub fn on_frame(&mut self, job_id: &str) -> bool {
        if !self.awaiting.remove(job_id) {
            return false;
        }
        if self.awaiting.is_empty() {
            self.timer_running = false;
            return true;
        }
        false
    }

    /// The grace timer fired: every awaiting job is lost.
    pub fn on_grace_expired(&mut self) -> Vec<String> {
        self.take_all()
    }

    /// A job finished or failed by other means; stop watching it.
    pub fn forget(&mut self, job_id: &str) {
        self.awaiting.remove(job_id);
    }

    fn take_all(&mut self) -> Vec<String> {
        self.timer_running = false;
        std::mem::take(&mut self.awaiting).into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_reconciles_with_the_server_list() {
        let mut w = TransportWatch::new();
        assert!(w.on_connecting(["A", "B"]));
        assert!(!w.on_connecting(["C"]));
        assert!(!w.on_frame("C"));
        let gone = w.on_authenticated(&json!({"activeLLMJobIDs": ["a"]}));
        assert_eq!(gone, ["B"]);
        assert!(!w.is_watching());
    }

    #[test]
    fn closes_and_handoffs() {
        let mut w = TransportWatch::new();
        let (fail, timer) = w.on_disconnected(Some(4015), ["A"]);
        assert!(fail.is_empty() && timer);
        assert!(w.on_frame("A"));
        let (fail, _) = w.on_disconnected(Some(1006), ["B"]);
        assert_eq!(fail, ["B"]);
        assert!(w.on_authenticated(&json!({})).is_empty());
        w.on_connecting(["C"]);
        assert_eq!(w.on_grace_expired(), ["C"]);
        assert_eq!(transport_lost_payload("C")["error"], "transport_lost");
    }
}
