//! Ethereum addresses: parsing, EIP-55 checksums and derivation from public keys.

use k256::ecdsa::VerifyingKey;

use super::{hex, keccak256, WalletError};

/// Normalises a `0x`-prefixed (or bare) 40-hex-digit address of any case to its
/// EIP-55 checksummed form.
///
/// All-lowercase and all-uppercase inputs are accepted as they are; a
/// mixed-case input must already carry the correct checksum, as in ethers'
/// `getAddress`, otherwise [`WalletError::BadAddressChecksum`] is returned.
///
/// ```
/// use sogni_wasm::wallet::checksum_address;
/// assert_eq!(
///     checksum_address("0xa006e63e02e573337e7e5805a45dad59388ab12f").unwrap(),
///     "0xA006e63e02E573337e7E5805A45dad59388aB12F",
/// );
/// ```
pub fn checksum_address(addr: &str) -> Result<String, WalletError> {
    parse_address(addr).map(|bytes| to_checksum(&bytes))
}

/// Parses an address to its 20 bytes, with the checksum rule of [`checksum_address`].
pub(crate) fn parse_address(addr: &str) -> Result<[u8; 20], WalletError> {
    let invalid = |reason| WalletError::InvalidAddress {
        address: addr.to_owned(),
        reason,
    };
    let digits = hex::strip_prefix(addr);
    if digits.len() != 40 {
        return Err(invalid("expected 40 hex digits"));
    }
    let mut bytes = [0u8; 20];
    hex::decode(digits, &mut bytes).ok_or_else(|| invalid("non-hex character"))?;
    let has_upper = digits.bytes().any(|c| c.is_ascii_uppercase());
    let has_lower = digits.bytes().any(|c| c.is_ascii_lowercase());
    if has_upper && has_lower && to_checksum(&bytes)[2..] != *digits {
        return Err(WalletError::BadAddressChecksum(addr.to_owned()));
    }
    Ok(bytes)
}

/// EIP-55 form of a 20-byte address: a hex letter is uppercase when the
/// matching nibble of keccak256(lowercase hex digits) is 8 or more.
pub(crate) fn to_checksum(bytes: &[u8; 20]) -> String {
    let mut lower = String::with_capacity(40);
    hex::push_hex(&mut lower, bytes);
    let hash = keccak256(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble = if i % 2 == 0 {
            hash[i / 2] >> 4
        } else {
            hash[i / 2] & 0x0f
        };
        out.push(if nibble >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

/// The 20-byte Ethereum address of a public key: the last 20 bytes of
/// keccak256 over the uncompressed point without its `0x04` tag.
pub(crate) fn address_bytes(key: &VerifyingKey) -> [u8; 20] {
    let point = key.to_encoded_point(false);
    let hash = keccak256(&point.as_bytes()[1..]);
    let mut out = [0u8; 20];
    out.copy_from_slice(&hash[12..]);
    out
}
