//! Credential-derived private keys and the [`Wallet`] that holds one.

use core::fmt;

use k256::ecdsa::SigningKey;
use k256::elliptic_curve::zeroize::Zeroize;
use sha2::Sha256;

use super::address::{address_bytes, to_checksum};
use super::WalletError;

/// PBKDF2 salt used by the Sogni SDK.
const SALT: &[u8] = b"sogni-salt-value";
/// PBKDF2 iteration count used by the Sogni SDK.
const ROUNDS: u32 = 10_000;

/// Derives the 32-byte account private key from Sogni credentials.
///
/// The key is PBKDF2-HMAC-SHA256 over the UTF-8 bytes of
/// `username.to_lowercase() + password` with the salt `"sogni-salt-value"` and
/// 10 000 iterations. Only the username is case-insensitive.
///
/// The result is secret: treat it like the password.
pub fn derive_private_key(username: &str, password: &str) -> [u8; 32] {
    let mut secret = username.to_lowercase();
    secret.push_str(password);
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(secret.as_bytes(), SALT, ROUNDS, &mut key);
    secret.zeroize();
    key
}

/// A secp256k1 account key together with its Ethereum address.
///
/// Its `Debug` output shows the address only, never the key, and the key is
/// wiped from memory when the wallet is dropped.
#[derive(Clone)]
pub struct Wallet {
    pub(crate) key: SigningKey,
    address: String,
}

impl Wallet {
    /// The wallet of a Sogni account, derived from its username and password
    /// with [`derive_private_key`].
    ///
    /// Fails only in the astronomically unlikely case that the derived bytes are
    /// not a valid secp256k1 scalar.
    pub fn from_credentials(username: &str, password: &str) -> Result<Wallet, WalletError> {
        let mut key = derive_private_key(username, password);
        let wallet = Wallet::from_private_key(&key);
        key.zeroize();
        wallet
    }

    /// The wallet of a raw 32-byte big-endian private key.
    ///
    /// Fails with [`WalletError::InvalidPrivateKey`] when the key is zero or not
    /// below the curve order.
    pub fn from_private_key(key: &[u8; 32]) -> Result<Wallet, WalletError> {
        let key = SigningKey::from_slice(key).map_err(|_| WalletError::InvalidPrivateKey)?;
        let address = to_checksum(&address_bytes(key.verifying_key()));
        Ok(Wallet { key, address })
    }

    /// The EIP-55 checksummed address, `0x` followed by 40 hex digits.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The 20 raw bytes of [`Wallet::address`].
    pub(crate) fn address_bytes(&self) -> [u8; 20] {
        address_bytes(self.key.verifying_key())
    }
}

impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wallet")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}
