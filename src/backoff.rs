//! Reconnect policy (5.54 semantics): which closes are final, and how long to wait.

/// Is a close with this code final (no reconnect)? 1000 and every 4000–4999 code are; a
/// missing code (0) is treated as final too, as the official client does.
pub fn close_is_terminal(code: u16) -> bool {
    code == 0 || code == 1000 || (4000..5000).contains(&code)
}

/// Does this close also end the session's authentication? Every terminal 4xxx close except
/// 4015 (another connection took over the appId) does.
pub fn close_clears_auth(code: u16) -> bool {
    (4000..5000).contains(&code) && code != 4015
}

/// Delay before reconnect attempt `attempt` (0-based): `min(1 s × 2^attempt, 15 s)` scaled by
/// a jitter factor in 0.8–1.2 taken from `jitter01` (a uniform random number in 0..1).
pub fn reconnect_delay_ms(attempt: u32, jitter01: f64) -> f64 {
    let base = (1000.0 * 2f64.powi(attempt.min(16) as i32)).min(15_000.0);
    base * (0.8 + 0.4 * jitter01.clamp(0.0, 1.0))
}

/// Does repeating a request with this method leave the server as one request would?
pub fn is_idempotent(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS"
    )
}

/// Attempts of one idempotent REST call, the first included.
pub const REST_MAX_ATTEMPTS: u32 = 4;

/// A `Retry-After` longer than this (seconds) is not waited for: the error goes to the
/// caller with its `retryAfter`.
pub const REST_MAX_RETRY_AFTER_S: f64 = 30.0;

/// Delay before retrying an idempotent REST call that failed `failures` times (1 after the
/// first failure), or `None` when it must not be retried. `status` is the HTTP status
/// (`None`: the request never got an answer), `retry_after_s` the server's `Retry-After`.
/// 408/425/429/500/502/503/504 and transport failures are retried, up to
/// [`REST_MAX_ATTEMPTS`] attempts; `Retry-After` is honoured as given (up to
/// [`REST_MAX_RETRY_AFTER_S`]), else 250 ms (1 s for 429) doubling, × 0.75–1.25 jitter.
pub fn rest_retry_delay_ms(
    failures: u32,
    status: Option<u16>,
    retry_after_s: Option<f64>,
    jitter01: f64,
) -> Option<f64> {
    if failures == 0 || failures >= REST_MAX_ATTEMPTS {
        return None;
    }
    if let Some(s) = status {
        if !matches!(s, 408 | 425 | 429 | 500 | 502 | 503 | 504) {
            return None;
        }
    }
    if let Some(after) = retry_after_s.filter(|a| a.is_finite()) {
        return (after <= REST_MAX_RETRY_AFTER_S).then_some(after.max(0.0) * 1000.0);
    }
    let base = if status == Some(429) { 1000.0 } else { 250.0 };
    let jitter = 0.75 + 0.5 * jitter01.clamp(0.0, 1.0);
    Some(base * 2f64.powi(failures as i32 - 1) * jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_retries_honour_retry_after_and_stop() {
        assert!(is_idempotent("get") && is_idempotent("PUT"));
        assert!(!is_idempotent("POST") && !is_idempotent("PATCH"));
        assert_eq!(
            rest_retry_delay_ms(1, Some(429), Some(2.0), 0.5),
            Some(2000.0)
        );
        assert_eq!(rest_retry_delay_ms(1, Some(503), Some(0.0), 0.5), Some(0.0));
        assert_eq!(rest_retry_delay_ms(1, Some(503), Some(31.0), 0.5), None);
        assert_eq!(rest_retry_delay_ms(1, Some(500), None, 0.5), Some(250.0));
        assert_eq!(rest_retry_delay_ms(2, Some(502), None, 0.5), Some(500.0));
        assert_eq!(rest_retry_delay_ms(1, Some(429), None, 0.5), Some(1000.0));
        assert_eq!(rest_retry_delay_ms(1, None, None, 0.0), Some(187.5));
        assert_eq!(
            rest_retry_delay_ms(REST_MAX_ATTEMPTS, Some(503), None, 0.5),
            None
        );
        assert_eq!(rest_retry_delay_ms(0, Some(503), None, 0.5), None);
        for s in [400, 401, 403, 404, 409, 422, 501] {
            assert_eq!(rest_retry_delay_ms(1, Some(s), Some(1.0), 0.5), None, "{s}");
        }
    }

    #[test]
    fn delays_double_up_to_fifteen_seconds_with_bounded_jitter() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert!(close(reconnect_delay_ms(0, 0.5), 1000.0));
        assert!(close(reconnect_delay_ms(1, 0.5), 2000.0));
        assert!(close(reconnect_delay_ms(10, 0.5), 15_000.0));
        assert!(close(reconnect_delay_ms(0, 0.0), 800.0));
        assert!(close(reconnect_delay_ms(0, 1.0), 1200.0));
        assert!(close(reconnect_delay_ms(99, 1.0), 18_000.0));
    }

    #[test]
    fn terminal_codes() {
        for code in [0, 1000, 4010, 4015, 4021, 4999] {
            assert!(close_is_terminal(code), "{code}");
        }
        for code in [1001, 1006, 1011, 1012] {
            assert!(!close_is_terminal(code), "{code}");
        }
        assert!(close_clears_auth(4021));
        assert!(!close_clears_auth(4015));
        assert!(!close_clears_auth(1000));
    }
}
