//! Signing digests and typed data, and recovering the signer's address.

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use k256::elliptic_curve::scalar::IsHigh;

use super::address::{address_bytes, to_checksum};
use super::eip712::{authentication_digest_raw, signup_digest_raw};
use super::{hex, Eip712Domain, Signup, Wallet, WalletError};

impl Wallet {
    /// Signs a 32-byte digest as-is (no further hashing or prefixing).
    ///
    /// Returns `0x` followed by 130 lowercase hex digits: `r || s || v` with a
    /// low `s` and `v` = 27 or 28. The nonce is derived deterministically
    /// (RFC 6979), so the same key and digest always give the same signature,
    /// identical to ethers' `SigningKey.sign`.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> String {
        // Fails only if RFC 6979 yields r = 0 or s = 0, probability ~2^-256.
        let (signature, recovery_id) = self
            .key
            .sign_prehash_recoverable(digest)
            .expect("secp256k1 signing of a 32-byte digest cannot fail in practice");
        let mut out = String::with_capacity(132);
        out.push_str("0x");
        hex::push_hex(&mut out, &signature.to_bytes());
        hex::push_hex(&mut out, &[27 + u8::from(recovery_id.is_y_odd())]);
        out
    }

    /// Signs the login message `Authentication { walletAddress: self.address(), nonce }`
    /// under `domain`, like the SDK's `account.login`.
    pub fn sign_authentication(&self, nonce: &str, domain: &Eip712Domain) -> String {
        self.sign_digest(&authentication_digest_raw(
            &self.address_bytes(),
            nonce,
            domain,
        ))
    }

    /// Signs a `Signup` message under `domain`, like the SDK's `account.create`.
    ///
    /// The signed `walletAddress` is always this wallet's own address, whatever
    /// `s.wallet_address` says (a signup can only be signed by the account it
    /// creates); so this cannot fail. Use [`super::signup_digest`] to hash a
    /// message with an arbitrary address.
    pub fn sign_signup(&self, s: &Signup<'_>, domain: &Eip712Domain) -> String {
        self.sign_digest(&signup_digest_raw(s, &self.address_bytes(), domain))
    }
}

/// Recovers the EIP-55 address that produced `signature_hex` over `digest`.
///
/// `signature_hex` is 65 bytes `r || s || v` in hex, with or without `0x`;
/// `v` may be 0, 1, 27 or 28. A non-canonical high `s` is rejected, as ethers'
/// `recoverAddress` does. A wrong or tampered signature either fails
/// or recovers some other address, so compare the result with the expected one.
pub fn recover_address(digest: &[u8; 32], signature_hex: &str) -> Result<String, WalletError> {
    let mut bytes = [0u8; 65];
    hex::decode(hex::strip_prefix(signature_hex), &mut bytes)
        .ok_or(WalletError::InvalidSignature("expected 65 bytes of hex"))?;
    let y_odd = match bytes[64] {
        0 | 27 => false,
        1 | 28 => true,
        _ => return Err(WalletError::InvalidSignature("v must be 0, 1, 27 or 28")),
    };
    let signature = Signature::from_slice(&bytes[..64])
        .map_err(|_| WalletError::InvalidSignature("r or s out of range"))?;
    // Like ethers (and EIP-2), only the canonical low-s form is accepted.
    if bool::from(signature.s().is_high()) {
        return Err(WalletError::InvalidSignature("non-canonical (high) s"));
    }
    let key = VerifyingKey::recover_from_prehash(digest, &signature, RecoveryId::new(y_odd, false))
        .map_err(|_| WalletError::RecoveryFailed)?;
    Ok(to_checksum(&address_bytes(&key)))
}
