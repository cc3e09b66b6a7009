//! `Project` and `Job`: one media project and its jobs, driven by socket events.

use crate::Error;
use serde_json::Value;

/// One tracked project (filled in with the core state machine).
#[derive(Debug)]
pub(crate) struct ProjectInner {
    pub(crate) id: String,
}

impl ProjectInner {
    /// A socket event that may concern this project.
    pub(crate) fn on_event(&self, _kind: &str, _data: &Value) {}

    /// The connection ended for good.
    pub(crate) fn on_disconnected(&self, _error: &Error) {}
}
