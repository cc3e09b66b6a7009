//! The one error type of the SDK core. The wasm layer turns each variant into a JS `Error`
//! subclass carrying `code`, `retryable` and, where it applies, `retryAfter`.

use serde_json::Value;

/// Everything that can go wrong, from bad input to a failed render.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller's input is invalid; detected before anything goes on the wire.
    #[error("{message}")]
    InvalidInput {
        /// Stable machine-readable code, e.g. `INVALID_STEPS`.
        code: &'static str,
        /// What is wrong, in words.
        message: String,
    },
    /// An HTTP API answered with an error.
    #[error("{message}")]
    Api {
        /// HTTP status (0 when synthesised locally).
        status: u16,
        /// The body's `errorCode` (or the status when the body had none).
        error_code: i64,
        /// The body's `message`.
        message: String,
        /// Seconds to wait before retrying (body `retryAfter` or the `Retry-After` header).
        retry_after: Option<f64>,
        /// The body's `details`, if any.
        details: Option<Value>,
    },
    /// A render job or project failed on the network (`jobError`).
    #[error("{message}")]
    Job {
        /// Numeric code: the wire's number, or 5000–5005 for the known string errors.
        code: i64,
        /// The wire's string error (e.g. `workerDisconnected`), when it was a string.
        original_code: Option<String>,
        /// `error_message`.
        message: String,
    },
    /// The network could not be reached or the connection broke.
    #[error("{message}")]
    Transport {
        /// What happened.
        message: String,
    },
    /// Something took longer than its deadline.
    #[error("{message}")]
    Timeout {
        /// What timed out.
        message: String,
    },
    /// The operation was aborted (AbortSignal, cancel, dispose).
    #[error("{message}")]
    Aborted {
        /// Why.
        message: String,
    },
    /// The socket was closed for good (1000, 4xxx).
    #[error("socket closed ({code}): {reason}")]
    Closed {
        /// WebSocket close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// The server sent something the SDK cannot read.
    #[error("protocol error: {message}")]
    Protocol {
        /// What could not be read.
        message: String,
    },
}

impl Error {
    /// An [`Error::InvalidInput`].
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            code,
            message: message.into(),
        }
    }

    /// Tests: an [`Error::Api`] with only a status (the status is its `errorCode`).
    #[cfg(test)]
    pub(crate) fn api_status(status: u16) -> Self {
        Self::Api {
            status,
            error_code: i64::from(status),
            message: String::new(),
            retry_after: None,
            details: None,
        }
    }

    /// The stable code exposed to JS as `error.code`.
    pub fn code(&self) -> String {
        match self {
            Self::InvalidInput { code, .. } => (*code).to_string(),
            Self::Api { error_code, .. } => error_code.to_string(),
            Self::Job { code, .. } => code.to_string(),
            Self::Transport { .. } => "TRANSPORT".into(),
            Self::Timeout { .. } => "TIMEOUT".into(),
            Self::Aborted { .. } => "ABORTED".into(),
            Self::Closed { code, .. } => code.to_string(),
            Self::Protocol { .. } => "PROTOCOL".into(),
        }
    }

    /// Would the same call plausibly succeed if tried again later?
    pub fn retryable(&self) -> bool {
        match self {
            Self::Api { status, .. } => matches!(status, 408 | 425 | 429 | 500 | 502 | 503 | 504),
            Self::Job { code, .. } => matches!(code, 1001 | 5001 | 5002 | 5003),
            Self::Transport { .. } | Self::Timeout { .. } => true,
            Self::Closed { code, .. } => !(*code == 1000 || (4000..5000).contains(code)),
            _ => false,
        }
    }

    /// Seconds to wait before a retry, when the server said.
    pub fn retry_after(&self) -> Option<f64> {
        match self {
            Self::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Maps a `jobError.error` value to the SDK's numeric code and original string.
    pub fn job_code(error: &Value) -> (i64, Option<String>) {
        if let Some(n) = error.as_i64() {
            return (n, None);
        }
        if let Some(n) = error.as_f64() {
            return (n as i64, None);
        }
        let s = error.as_str().unwrap_or("");
        if let Ok(n) = s.trim().parse::<i64>() {
            return (n, None);
        }
        let code = match s {
            "serverRestarting" => 5001,
            "workerDisconnected" => 5002,
            "jobTimedOut" => 5003,
            "artistCanceled" => 5004,
            "workerCancelled" => 5005,
            _ => 5000,
        };
        (code, Some(s.to_string()))
    }
}

/// Shorthand for results of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn job_codes_follow_the_official_mapping() {
        assert_eq!(Error::job_code(&json!(4081)), (4081, None));
        assert_eq!(Error::job_code(&json!("4081")), (4081, None));
        assert_eq!(
            Error::job_code(&json!("workerDisconnected")),
            (5002, Some("workerDisconnected".into()))
        );
        assert_eq!(
            Error::job_code(&json!("artistCanceled")),
            (5004, Some("artistCanceled".into()))
        );
        assert_eq!(
            Error::job_code(&json!("somethingElse")),
            (5000, Some("somethingElse".into()))
        );
    }

    #[test]
    fn retryable_and_codes() {
        let api = Error::Api {
            status: 429,
            error_code: 429,
            message: "slow down".into(),
            retry_after: Some(2.0),
            details: None,
        };
        assert!(api.retryable());
        assert_eq!(api.retry_after(), Some(2.0));
        assert!(!Error::invalid("INVALID_STEPS", "x").retryable());
        assert_eq!(Error::invalid("INVALID_STEPS", "x").code(), "INVALID_STEPS");
        assert!(Error::Closed {
            code: 1006,
            reason: String::new()
        }
        .retryable());
        assert!(!Error::Closed {
            code: 4021,
            reason: String::new()
        }
        .retryable());
    }
}
