//! JWT-shaped access and refresh tokens, signed with HS256 by a per-run secret.
//!
//! Clients only decode the payload (for `exp`); the emulator also checks the signature so
//! that a forged or edited token is refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Which of the two tokens a JWT is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenKind {
    /// Sent as `Authorization` on every call.
    Access,
    /// Exchanged for a new pair at `/v1/account/refresh-token`.
    Refresh,
}

/// The claims the emulator puts in its tokens (the official client reads `addr`, `env`,
/// `iat`, `exp` and, for refresh tokens, `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Wallet address of the account.
    pub addr: String,
    /// Environment name.
    pub env: String,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Access or refresh.
    #[serde(rename = "type")]
    pub kind: TokenKind,
    /// Unique id, so two tokens minted in the same second differ.
    pub jti: String,
}

/// Mints and checks tokens with one secret.
#[derive(Clone)]
pub struct TokenSigner {
    secret: [u8; 32],
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner(..)")
    }
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three base64url parts with a JSON payload.
    #[error("malformed token")]
    Malformed,
    /// The signature does not match.
    #[error("bad token signature")]
    BadSignature,
    /// `exp` has passed.
    #[error("token expired")]
    Expired,
    /// An access token was given where a refresh token is needed, or the reverse.
    #[error("wrong token kind")]
    WrongKind,
}

impl TokenSigner {
    /// A signer with the given secret.
    pub fn new(secret: [u8; 32]) -> Self {
        Self { secret }
    }

    fn mac(&self, signing_input: &str) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(signing_input.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Mints a token for `claims`.
    pub fn mint(&self, claims: &Claims) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let input = format!("{header}.{payload}");
        let sig = URL_SAFE_NO_PAD.encode(self.mac(&input));
        format!("{input}.{sig}")
    }

    /// Checks a token's signature, kind and expiry at time `now` (seconds).
    pub fn verify(&self, token: &str, kind: TokenKind, now: u64) -> Result<Claims, TokenError> {
        let mut parts = token.trim().splitn(3, '.');
        let (Some(h), Some(p), Some(s)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(TokenError::Malformed);
        };
        let sig = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| TokenError::Malformed)?;
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(format!("{h}.{p}").as_bytes());
        mac.verify_slice(&sig)
            .map_err(|_| TokenError::BadSignature)?;
        let payload = URL_SAFE_NO_PAD
            .decode(p)
            .map_err(|_| TokenError::Malformed)?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        if claims.kind != kind {
            return Err(TokenError::WrongKind);
        }
        if claims.exp <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(kind: TokenKind, exp: u64) -> Claims {
        Claims {
            addr: "0xabc".into(),
            env: "emulator".into(),
            iat: 100,
            exp,
            kind,
            jti: "1".into(),
        }
    }

    #[test]
    fn minted_tokens_verify_and_decode_like_a_jwt() {
        let s = TokenSigner::new([7; 32]);
        let t = s.mint(&claims(TokenKind::Access, 200));
        assert_eq!(t.split('.').count(), 3);
        assert_eq!(s.verify(&t, TokenKind::Access, 150).unwrap().addr, "0xabc");
        // The payload is plain base64url JSON with `exp`, which is all a client decodes.
        let payload = URL_SAFE_NO_PAD
            .decode(t.split('.').nth(1).unwrap())
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(v["exp"], 200);
    }

    #[test]
    fn refuses_expired_forged_and_wrong_kind_tokens() {
        let s = TokenSigner::new([7; 32]);
        let t = s.mint(&claims(TokenKind::Access, 200));
        assert_eq!(
            s.verify(&t, TokenKind::Access, 200),
            Err(TokenError::Expired)
        );
        assert_eq!(
            s.verify(&t, TokenKind::Refresh, 150),
            Err(TokenError::WrongKind)
        );
        let other = TokenSigner::new([8; 32]);
        assert_eq!(
            other.verify(&t, TokenKind::Access, 150),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            s.verify("a.b", TokenKind::Access, 150),
            Err(TokenError::Malformed)
        );
    }
}
