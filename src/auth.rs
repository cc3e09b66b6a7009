//! Reading JWTs the way the official client does: decode the payload, never verify.

use serde_json::Value;

/// The decoded payload of a JWT, or `None` when it is not a three-part base64url JWT.
pub fn jwt_payload(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    // base64url → base64, then decoded as `atob` does (what jwt-decode runs).
    let standard: Vec<u8> = payload
        .bytes()
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            b => b,
        })
        .collect();
    let bytes = crate::protocol::base64::decode_lenient(&standard)?;
    serde_json::from_slice(&bytes).ok()
}

/// The token's `exp` in milliseconds since the epoch.
pub fn jwt_expiry_ms(token: &str) -> Option<f64> {
    jwt_payload(token)?.get("exp")?.as_f64().map(|s| s * 1000.0)
}

/// Is the token expired (or unreadable) at `now_ms`, with `skew_ms` of margin?
pub fn jwt_expired(token: &str, now_ms: f64, skew_ms: f64) -> bool {
    jwt_expiry_ms(token).is_none_or(|exp| exp <= now_ms + skew_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    #[test]
    fn reads_base64url_symbols() {
        let payload = r#"{"s":"~~~???>>>","exp":7}"#;
        let encoded = URL_SAFE_NO_PAD.encode(payload);
        assert!(encoded.contains('_') && encoded.contains('-'), "{encoded}");
        let t = format!("e30.{encoded}.sig");
        assert_eq!(jwt_payload(&t).unwrap()["s"], "~~~???>>>");
        assert_eq!(jwt_expiry_ms(&t), Some(7_000.0));
    }

    fn token(payload: &str) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(payload))
    }

    #[test]
    fn reads_exp_and_rejects_garbage() {
        let t = token(r#"{"addr":"0x1","exp":1000}"#);
        assert_eq!(jwt_expiry_ms(&t), Some(1_000_000.0));
        assert!(!jwt_expired(&t, 999_000.0, 0.0));
        assert!(jwt_expired(&t, 999_000.0, 5_000.0));
        assert!(jwt_expired("nope", 0.0, 0.0));
        assert_eq!(jwt_payload("a.!!.c"), None);
    }
}
