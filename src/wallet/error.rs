//! Error type of the wallet module.

/// Why a wallet operation failed.
///
/// Messages never contain key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// The 32 bytes are not a valid secp256k1 private key (zero, or not below the
    /// curve order).
    #[error("invalid secp256k1 private key")]
    InvalidPrivateKey,
    /// The string is not a 20-byte hex Ethereum address.
    #[error("invalid address {address:?}: {reason}")]
    InvalidAddress {
        /// The rejected input.
        address: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The address is mixed-case but its capitalisation is not the EIP-55
    /// checksum, which usually means a typo.
    #[error("bad EIP-55 checksum in address {0:?}")]
    BadAddressChecksum(String),
    /// The signature is not a 65-byte `r || s || v` hex string with a usable `v`,
    /// `r` and `s`.
    #[error("invalid signature: {0}")]
    InvalidSignature(&'static str),
    /// No public key could be recovered from the signature and digest.
    #[error("could not recover a public key from the signature")]
    RecoveryFailed,
    /// EIP-712 typed data (domain, types or message) that cannot be encoded.
    #[error("invalid typed data: {0}")]
    InvalidTypedData(String),
}
