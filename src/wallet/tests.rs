//! Known-answer tests against vectors generated with ethers v6
//! (`tests/fixtures/gen-wallet-vectors.mjs`).

use serde::Deserialize;

use super::eip712::VERIFYING_CONTRACT_BYTES;
use super::*;

const VECTORS: &str = include_str!("fixtures/vectors.json");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vectors {
    accounts: Vec<Account>,
    authentication: Vec<Auth>,
    signup: Vec<SignupCase>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Account {
    username: String,
    password: String,
    private_key: String,
    address: String,
}

#[derive(Deserialize)]
struct Auth {
    username: String,
    password: String,
    network: String,
    nonce: String,
    address: String,
    digest: String,
    signature: String,
}

#[derive(Deserialize)]
struct SignupCase {
    username: String,
    password: String,
    network: String,
    appid: String,
    email: String,
    subscribe: u64,
    nonce: String,
    address: String,
    digest: String,
    signature: String,
}

fn vectors() -> Vectors {
    serde_json::from_str(VECTORS).expect("fixture parses")
}

fn domain(network: &str) -> Eip712Domain {
    match network {
        "mainnet" => Eip712Domain::mainnet(),
        "testnet" => Eip712Domain::testnet(),
        other => panic!("unknown network {other}"),
    }
}

fn bytes32(s: &str) -> [u8; 32] {
    let v = ::hex::decode(s.trim_start_matches("0x")).expect("hex");
    v.try_into().expect("32 bytes")
}

fn prefixed(bytes: &[u8]) -> String {
    format!("0x{}", ::hex::encode(bytes))
}

/// Flips one bit in the byte at `index` of a `0x…` signature.
fn tamper(signature: &str, index: usize) -> String {
    let mut bytes = ::hex::decode(&signature[2..]).unwrap();
    bytes[index] ^= 0x01;
    prefixed(&bytes)
}

#[test]
fn user_pw_known_address() {
    let wallet = Wallet::from_credentials("User", "pw").unwrap();
    assert_eq!(
        wallet.address(),
        "0xA006e63e02E573337e7E5805A45dad59388aB12F"
    );
    // Only the username is case-insensitive.
    let same = Wallet::from_credentials("uSER", "pw").unwrap();
    assert_eq!(same.address(), wallet.address());
    let other = Wallet::from_credentials("User", "PW").unwrap();
    assert_ne!(other.address(), wallet.address());
}

#[test]
fn fixture_accounts() {
    for a in vectors().accounts {
        let key = derive_private_key(&a.username, &a.password);
        assert_eq!(prefixed(&key), a.private_key, "key of {}", a.username);
        let wallet = Wallet::from_private_key(&key).unwrap();
        assert_eq!(wallet.address(), a.address);
        let wallet = Wallet::from_credentials(&a.username, &a.password).unwrap();
        assert_eq!(wallet.address(), a.address);
    }
}

#[test]
fn fixture_authentication() {
    let cases = vectors().authentication;
    assert!(cases.iter().any(|c| c.network == "mainnet"));
    assert!(cases.iter().any(|c| c.network == "testnet"));
    for c in cases {
        let domain = domain(&c.network);
        let wallet = Wallet::from_credentials(&c.username, &c.password).unwrap();
        assert_eq!(wallet.address(), c.address);

        let digest = authentication_digest(&c.address, &c.nonce, &domain).unwrap();
        assert_eq!(
            prefixed(&digest),
            c.digest,
            "digest for nonce {:?}",
            c.nonce
        );
        // Any case of the address hashes the same.
        let lower = authentication_digest(&c.address.to_lowercase(), &c.nonce, &domain).unwrap();
        assert_eq!(lower, digest);

        assert_eq!(wallet.sign_authentication(&c.nonce, &domain), c.signature);
        assert_eq!(wallet.sign_digest(&digest), c.signature);
        assert_eq!(recover_address(&digest, &c.signature).unwrap(), c.address);
    }
}

#[test]
fn fixture_signup() {
    for c in vectors().signup {
        let domain = domain(&c.network);
        let wallet = Wallet::from_credentials(&c.username, &c.password).unwrap();
        assert_eq!(wallet.address(), c.address);
        let signup = Signup {
            appid: &c.appid,
            username: &c.username,
            email: &c.email,
            subscribe: c.subscribe,
            wallet_address: &c.address,
            nonce: &c.nonce,
        };
        let digest = signup_digest(&signup, &domain).unwrap();
        assert_eq!(prefixed(&digest), c.digest);
        assert_eq!(wallet.sign_signup(&signup, &domain), c.signature);
        assert_eq!(recover_address(&digest, &c.signature).unwrap(), c.address);
    }
}

#[test]
fn domain_digest_differs_per_network() {
    let digest = |d| authentication_digest(Eip712Domain::VERIFYING_CONTRACT, "n", &d).unwrap();
    assert_ne!(
        digest(Eip712Domain::mainnet()),
        digest(Eip712Domain::testnet())
    );
    assert_eq!(Eip712Domain::for_network(true), Eip712Domain::testnet());
    assert_eq!(Eip712Domain::for_network(false), Eip712Domain::mainnet());
    assert_eq!(
        address::parse_address(Eip712Domain::VERIFYING_CONTRACT).unwrap(),
        VERIFYING_CONTRACT_BYTES
    );
}

#[test]
fn recover_accepts_every_v_encoding() {
    let c = &vectors().authentication[0];
    let digest = bytes32(&c.digest);
    let mut bytes = ::hex::decode(&c.signature[2..]).unwrap();
    let parity = bytes[64] - 27;
    for v in [parity, parity + 27] {
        bytes[64] = v;
        let sig = prefixed(&bytes);
        assert_eq!(recover_address(&digest, &sig).unwrap(), c.address);
        // The prefix is optional.
        assert_eq!(recover_address(&digest, &sig[2..]).unwrap(), c.address);
    }
    bytes[64] = 29;
    assert!(matches!(
        recover_address(&digest, &prefixed(&bytes)),
        Err(WalletError::InvalidSignature(_))
    ));
}

#[test]
fn recover_rejects_high_s() {
    // secp256k1 group order n.
    let n = bytes32("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    let c = &vectors().authentication[1];
    let digest = bytes32(&c.digest);
    let mut bytes = ::hex::decode(&c.signature[2..]).unwrap();
    // s := n - s with the other v: the same signature in its high-s form,
    // which ethers' recoverAddress rejects too.
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(n[i]) - i16::from(bytes[32 + i]) - borrow;
        bytes[32 + i] = d.rem_euclid(256) as u8;
        borrow = i16::from(d < 0);
    }
    bytes[64] = 55 - bytes[64]; // 27 <-> 28
    assert_eq!(
        recover_address(&digest, &prefixed(&bytes)),
        Err(WalletError::InvalidSignature("non-canonical (high) s"))
    );
}

#[test]
fn tampered_signature_does_not_recover_signer() {
    let c = &vectors().authentication[2];
    let digest = bytes32(&c.digest);
    for index in [0, 17, 31, 32, 50, 63, 64] {
        let bad = tamper(&c.signature, index);
        let recovered = recover_address(&digest, &bad).ok();
        assert_ne!(
            recovered.as_deref(),
            Some(c.address.as_str()),
            "tampered byte {index}"
        );
    }
    // Right signature, wrong digest.
    let mut other = digest;
    other[0] ^= 0x80;
    assert_ne!(
        recover_address(&other, &c.signature).unwrap_or_default(),
        c.address
    );
}

#[test]
fn malformed_signatures_are_rejected() {
    let digest = [7u8; 32];
    for bad in ["", "0x", "0x1234", &"zz".repeat(65), &"00".repeat(66)] {
        assert!(matches!(
            recover_address(&digest, bad),
            Err(WalletError::InvalidSignature(_))
        ));
    }
    // r = s = 0 is out of range.
    let zero = format!("0x{}1b", "00".repeat(64));
    assert!(recover_address(&digest, &zero).is_err());
}

#[test]
fn checksum_address_normalises() {
    let expected = "0xA006e63e02E573337e7E5805A45dad59388aB12F";
    for input in [
        expected,
        "0xa006e63e02e573337e7e5805a45dad59388ab12f",
        "0xA006E63E02E573337E7E5805A45DAD59388AB12F",
        "a006e63e02e573337e7e5805a45dad59388ab12f",
        "0XA006e63e02E573337e7E5805A45dad59388aB12F",
    ] {
        assert_eq!(checksum_address(input).unwrap(), expected, "{input}");
    }
    // EIP-55 reference vectors.
    for addr in [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ] {
        assert_eq!(checksum_address(&addr.to_lowercase()).unwrap(), addr);
    }
    assert_eq!(
        checksum_address(Eip712Domain::VERIFYING_CONTRACT).unwrap(),
        Eip712Domain::VERIFYING_CONTRACT
    );
}

#[test]
fn checksum_address_rejects_bad_input() {
    // Wrong mixed-case checksum (last letter flipped).
    assert!(matches!(
        checksum_address("0xA006e63e02E573337e7E5805A45dad59388aB12f"),
        Err(WalletError::BadAddressChecksum(_))
    ));
    for bad in [
        "",
        "0x",
        "0xa006e63e02e573337e7e5805a45dad59388ab1",
        "0xa006e63e02e573337e7e5805a45dad59388ab12f00",
        "0xg006e63e02e573337e7e5805a45dad59388ab12f",
        "0xa006e63e02e573337e7e5805a45dad59388ab1é",
    ] {
        assert!(
            matches!(
                checksum_address(bad),
                Err(WalletError::InvalidAddress { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(authentication_digest("not an address", "n", &Eip712Domain::mainnet()).is_err());
}

#[test]
fn invalid_private_keys_are_rejected() {
    assert_eq!(
        Wallet::from_private_key(&[0; 32]).unwrap_err(),
        WalletError::InvalidPrivateKey
    );
    assert_eq!(
        Wallet::from_private_key(&[0xff; 32]).unwrap_err(),
        WalletError::InvalidPrivateKey
    );
}

#[test]
fn debug_does_not_leak_the_key() {
    let key = derive_private_key("User", "pw");
    let wallet = Wallet::from_private_key(&key).unwrap();
    let shown = format!("{wallet:?}");
    assert!(shown.contains(wallet.address()), "{shown}");
    let key_hex = ::hex::encode(key);
    assert!(!shown.to_lowercase().contains(&key_hex[..16]), "{shown}");
    assert!(!format!("{wallet:#?}")
        .to_lowercase()
        .contains(&key_hex[..16]));
}

#[test]
fn sign_signup_uses_own_address() {
    let wallet = Wallet::from_credentials("NewUser", "hunter2").unwrap();
    let domain = Eip712Domain::mainnet();
    let mut signup = Signup {
        appid: "app",
        username: "NewUser",
        email: "a@b.c",
        subscribe: 0,
        wallet_address: wallet.address(),
        nonce: "n",
    };
    let signature = wallet.sign_signup(&signup, &domain);
    let digest = signup_digest(&signup, &domain).unwrap();
    assert_eq!(
        recover_address(&digest, &signature).unwrap(),
        wallet.address()
    );
    signup.wallet_address = "garbage";
    assert_eq!(wallet.sign_signup(&signup, &domain), signature);
}
