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

#[cfg(test)]
mod tests {
    use super::*;

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
