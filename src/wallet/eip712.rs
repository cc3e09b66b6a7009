//! EIP-712 typed-data hashing for the Sogni `Authentication` and `Signup` messages.

use super::address::parse_address;
use super::{keccak256, WalletError};

/// Type string of the EIP-712 domain with all four fields Sogni uses.
const DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
/// Type string of the login message.
const AUTHENTICATION_TYPE: &str = "Authentication(address walletAddress,string nonce)";
/// Type string of the account-creation message.
const SIGNUP_TYPE: &str = "Signup(string appid,string username,string email,\
uint256 subscribe,address walletAddress,string nonce)";

/// The 20 bytes of [`Eip712Domain::VERIFYING_CONTRACT`].
pub(crate) const VERIFYING_CONTRACT_BYTES: [u8; 20] = [0xcc; 20];

/// The EIP-712 domain Sogni signs under.
///
/// Only the name and chain id differ between networks; the version is always
/// [`Eip712Domain::VERSION`] and the verifying contract always
/// [`Eip712Domain::VERIFYING_CONTRACT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eip712Domain {
    /// Domain name: `"Sogni AI"` on mainnet, `"Sogni-testnet"` on testnet.
    pub name: &'static str,
    /// Chain id: 8453 (Base) on mainnet, 84532 (Base Sepolia) on testnet.
    pub chain_id: u64,
}

impl Eip712Domain {
    /// Domain version, the same on every network.
    pub const VERSION: &'static str = "1";
    /// Placeholder verifying contract, the same on every network.
    pub const VERIFYING_CONTRACT: &'static str = "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC";

    /// The production domain: `"Sogni AI"`, chain 8453.
    pub const fn mainnet() -> Eip712Domain {
        Eip712Domain {
            name: "Sogni AI",
            chain_id: 8453,
        }
    }

    /// The testnet domain: `"Sogni-testnet"`, chain 84532.
    pub const fn testnet() -> Eip712Domain {
        Eip712Domain {
            name: "Sogni-testnet",
            chain_id: 84532,
        }
    }

    /// [`Eip712Domain::testnet`] when `testnet` is true, else [`Eip712Domain::mainnet`].
    pub const fn for_network(testnet: bool) -> Eip712Domain {
        if testnet {
            Eip712Domain::testnet()
        } else {
            Eip712Domain::mainnet()
        }
    }

    /// The EIP-712 domain separator, `hashStruct(EIP712Domain)`.
    pub fn separator(&self) -> [u8; 32] {
        hash_struct(
            DOMAIN_TYPE,
            &[
                string_word(self.name),
                string_word(Self::VERSION),
                uint_word(self.chain_id),
                address_word(&VERIFYING_CONTRACT_BYTES),
            ],
        )
    }
}

/// The fields of a Sogni `Signup` (account creation) message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signup<'a> {
    /// The client's application id.
    pub appid: &'a str,
    /// The new account's username, as typed (not lowercased).
    pub username: &'a str,
    /// The new account's e-mail address.
    pub email: &'a str,
    /// 1 to subscribe to the newsletter, 0 not to (an EIP-712 `uint256`).
    pub subscribe: u64,
    /// The new account's wallet address (any case; mixed case must be EIP-55).
    pub wallet_address: &'a str,
    /// The nonce the server issued for this address.
    pub nonce: &'a str,
}

/// The EIP-712 digest of an `Authentication { walletAddress, nonce }` message,
/// the 32 bytes a login signature signs.
///
/// Fails if `wallet_address` is not a valid address.
pub fn authentication_digest(
    wallet_address: &str,
    nonce: &str,
    domain: &Eip712Domain,
) -> Result<[u8; 32], WalletError> {
    let address = parse_address(wallet_address)?;
    Ok(authentication_digest_raw(&address, nonce, domain))
}

/// The EIP-712 digest of a `Signup` message, the 32 bytes an account-creation
/// signature signs.
///
/// Fails if `s.wallet_address` is not a valid address.
pub fn signup_digest(s: &Signup<'_>, domain: &Eip712Domain) -> Result<[u8; 32], WalletError> {
    let address = parse_address(s.wallet_address)?;
    Ok(signup_digest_raw(s, &address, domain))
}

/// [`authentication_digest`] for an already-parsed address.
pub(crate) fn authentication_digest_raw(
    address: &[u8; 20],
    nonce: &str,
    domain: &Eip712Domain,
) -> [u8; 32] {
    let message = hash_struct(
        AUTHENTICATION_TYPE,
        &[address_word(address), string_word(nonce)],
    );
    typed_data_digest(domain, &message)
}

/// [`signup_digest`] with `address` in place of `s.wallet_address`.
pub(crate) fn signup_digest_raw(
    s: &Signup<'_>,
    address: &[u8; 20],
    domain: &Eip712Domain,
) -> [u8; 32] {
    let message = hash_struct(
        SIGNUP_TYPE,
        &[
            string_word(s.appid),
            string_word(s.username),
            string_word(s.email),
            uint_word(s.subscribe),
            address_word(address),
            string_word(s.nonce),
        ],
    );
    typed_data_digest(domain, &message)
}

/// `keccak256(0x19 0x01 || domainSeparator || hashStruct(message))`.
fn typed_data_digest(domain: &Eip712Domain, message: &[u8; 32]) -> [u8; 32] {
    let mut buf = [0u8; 66];
    buf[..2].copy_from_slice(&[0x19, 0x01]);
    buf[2..34].copy_from_slice(&domain.separator());
    buf[34..].copy_from_slice(message);
    keccak256(&buf)
}

/// `keccak256(typeHash || encodeData)` for a struct whose fields are all
/// atomic or dynamic (already encoded as 32-byte words).
fn hash_struct(type_string: &str, words: &[[u8; 32]]) -> [u8; 32] {
    let mut buf = Vec::with_capacity(32 * (words.len() + 1));
    buf.extend_from_slice(&keccak256(type_string.as_bytes()));
    for word in words {
        buf.extend_from_slice(word);
    }
    keccak256(&buf)
}

/// A `string` field is encoded as the keccak256 of its UTF-8 bytes.
fn string_word(s: &str) -> [u8; 32] {
    keccak256(s.as_bytes())
}

/// A `uint256` field is encoded big-endian in 32 bytes.
fn uint_word(n: u64) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[24..].copy_from_slice(&n.to_be_bytes());
    word
}

/// An `address` field is left-padded with zeros to 32 bytes.
fn address_word(address: &[u8; 20]) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(address);
    word
}
