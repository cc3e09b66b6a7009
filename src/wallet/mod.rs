//! Username/password login cryptography of the Sogni SDK.
//!
//! A Sogni account is backed by an Ethereum-style secp256k1 wallet whose private
//! key is derived from the account credentials:
//!
//! ```text
//! key = PBKDF2-HMAC-SHA256(lowercase(username) ++ password, "sogni-salt-value", 10 000, 32)
//! ```
//!
//! Logging in or signing up means signing an [EIP-712] typed-data message
//! (`Authentication` or `Signup`) under the Sogni domain ([`Eip712Domain`]).
//! Signatures are the usual 65-byte `r || s || v` hex strings with `v` in
//! `{27, 28}`, byte-for-byte identical to what `ethers` produces, because both
//! use deterministic RFC 6979 nonces with low-`s` normalisation.
//!
//! Everything here is pure Rust, needs no randomness and compiles to
//! `wasm32-unknown-unknown`.
//!
//! ```
//! use sogni_wasm::wallet::{Eip712Domain, Wallet, authentication_digest, recover_address};
//!
//! let wallet = Wallet::from_credentials("User", "pw").unwrap();
//! assert_eq!(wallet.address(), "0xA006e63e02E573337e7E5805A45dad59388aB12F");
//!
//! let domain = Eip712Domain::mainnet();
//! let signature = wallet.sign_authentication("server-nonce", &domain);
//! let digest = authentication_digest(wallet.address(), "server-nonce", &domain).unwrap();
//! assert_eq!(recover_address(&digest, &signature).unwrap(), wallet.address());
//! ```
//!
//! [EIP-712]: https://eips.ethereum.org/EIPS/eip-712

mod address;
mod eip712;
mod error;
mod hex;
mod key;
mod signature;
mod typed_data;

#[cfg(test)]
mod tests;

pub use address::checksum_address;
pub use eip712::{authentication_digest, signup_digest, Eip712Domain, Signup};
pub use error::WalletError;
pub use key::{derive_private_key, Wallet};
pub use signature::recover_address;
pub use typed_data::{parse_ether, typed_data_digest};

/// Keccak-256 of `data` (the Ethereum hash, not NIST SHA3-256).
pub(crate) fn keccak256(data: &[u8]) -> [u8; 32] {
    use sha3::{Digest, Keccak256};
    Keccak256::digest(data).into()
}
