//! Accounts: identity (username, wallet, API keys) and balances.

use crate::config::UserConfig;
use serde_json::{json, Value};
use sogni_wasm::wallet::Wallet;
use std::sync::Mutex;

/// Token amounts are kept in millionths, so arithmetic is exact.
const UNIT: i64 = 1_000_000;

/// Formats millionths as a decimal string with trailing zeros trimmed ("12.5", "0").
pub fn format_amount(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    let whole = abs / UNIT as u64;
    let frac = abs % UNIT as u64;
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        let frac = format!("{frac:06}");
        format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
    }
}

/// Converts a token amount to millionths (rounded).
pub fn to_micros(amount: f64) -> i64 {
    (amount * UNIT as f64).round() as i64
}

/// The two balances of an account, in millionths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    /// Spark tokens.
    pub spark: i64,
    /// Sogni tokens.
    pub sogni: i64,
}

/// Which token pays for a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    /// Spark (the default).
    Spark,
    /// Sogni.
    Sogni,
}

impl TokenType {
    /// Parses the wire value (`'sogni'` or `'spark'`); anything else is Spark.
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some(t) if t.eq_ignore_ascii_case("sogni") => Self::Sogni,
            _ => Self::Spark,
        }
    }
}

/// One movement of an account's balance (the transaction history).
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    /// Sequence number within the account (1-based).
    pub seq: u64,
    /// Milliseconds since the epoch.
    pub time_ms: u64,
    /// `debit` or `credit`.
    pub kind: &'static str,
    /// Which token moved.
    pub token: TokenType,
    /// Millionths of a token.
    pub micros: i64,
    /// What it was for (`Render`, `Refund`, `Reward: …`, `Deposit`, …).
    pub description: String,
    /// `project`, `reward`, `wallet`.
    pub source: &'static str,
}

/// One account.
#[derive(Debug)]
pub struct Account {
    /// Display name.
    pub username: String,
    /// E-mail address.
    pub email: String,
    /// EIP-55 wallet address derived from the credentials.
    pub address: String,
    /// API keys that authenticate as this account.
    pub api_keys: Vec<String>,
    /// A stable numeric id.
    pub sid: u64,
    balance: Mutex<Balance>,
    ledger: Mutex<Vec<LedgerEntry>>,
}

impl Account {
    /// Builds an account from its configuration, deriving its wallet.
    pub fn from_config(user: &UserConfig, sid: u64) -> Self {
        let wallet = Wallet::from_credentials(&user.username, &user.password)
            .expect("a PBKDF2-derived key is a valid secp256k1 key");
        Self {
            username: user.username.clone(),
            email: user
                .email
                .clone()
                .unwrap_or_else(|| format!("{}@example.test", user.username.to_lowercase())),
            address: wallet.address().to_string(),
            api_keys: user.api_keys.clone(),
            sid,
            balance: Mutex::new(Balance {
                spark: to_micros(user.spark),
                sogni: to_micros(user.sogni),
            }),
            ledger: Mutex::new(Vec::new()),
        }
    }

    /// The current balances.
    pub fn balance(&self) -> Balance {
        *self.balance.lock().unwrap()
    }

    /// An account made by a signup (no password known here: it signs in with its wallet).
    pub fn signed_up(username: &str, email: &str, address: &str, sid: u64) -> Self {
        Self {
            username: username.to_string(),
            email: email.to_string(),
            address: sogni_wasm::wallet::checksum_address(address)
                .unwrap_or_else(|_| address.to_string()),
            api_keys: Vec::new(),
            sid,
            balance: Mutex::new(Balance {
                spark: to_micros(50.0),
                sogni: 0,
            }),
            ledger: Mutex::new(Vec::new()),
        }
    }

    /// Takes `micros` from the chosen balance if it is large enough (a render charge).
    pub fn try_charge(&self, token: TokenType, micros: i64) -> bool {
        self.debit(token, micros, "Render", "project")
    }

    /// Takes `micros` from a balance if it is large enough, recording why.
    pub fn debit(
        &self,
        token: TokenType,
        micros: i64,
        description: &str,
        source: &'static str,
    ) -> bool {
        let mut b = self.balance.lock().unwrap();
        let slot = match token {
            TokenType::Spark => &mut b.spark,
            TokenType::Sogni => &mut b.sogni,
        };
        if *slot < micros {
            return false;
        }
        *slot -= micros;
        drop(b);
        if micros > 0 {
            self.record("debit", token, micros, description, source);
        }
        true
    }

    /// Gives `micros` back (a refund for work that did not happen).
    pub fn refund(&self, token: TokenType, micros: i64) {
        self.credit(token, micros, "Refund", "project");
    }

    /// Adds `micros` to a balance and records why.
    pub fn credit(&self, token: TokenType, micros: i64, description: &str, source: &'static str) {
        let mut b = self.balance.lock().unwrap();
        match token {
            TokenType::Spark => b.spark += micros,
            TokenType::Sogni => b.sogni += micros,
        }
        drop(b);
        if micros > 0 {
            self.record("credit", token, micros, description, source);
        }
    }

    /// Appends a ledger entry.
    pub fn record(
        &self,
        kind: &'static str,
        token: TokenType,
        micros: i64,
        description: &str,
        source: &'static str,
    ) {
        let mut l = self.ledger.lock().unwrap();
        let seq = l.len() as u64 + 1;
        let time_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        l.push(LedgerEntry {
            seq,
            time_ms,
            kind,
            token,
            micros,
            description: description.to_string(),
            source,
        });
    }

    /// The ledger, oldest first.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.ledger.lock().unwrap().clone()
    }

    /// The `balanceUpdate` socket payload.
    pub fn balance_update_json(&self) -> Value {
        let b = self.balance();
        json!({
            "sogni": token_json(b.sogni, false),
            "spark": token_json(b.spark, true),
        })
    }

    /// The `/v4/account/balance` REST payload (adds the unclaimed fields).
    pub fn balance_rest_json(&self) -> Value {
        let mut v = self.balance_update_json();
        for token in ["sogni", "spark"] {
            v[token]["relaxedUnclaimed"] = json!("0");
            v[token]["fastUnclaimed"] = json!("0");
        }
        v
    }

    /// The `/v1/account/me` payload.
    pub fn me_json(&self) -> Value {
        json!({
            "username": self.username,
            "currentEmail": self.email,
            "walletAddress": self.address,
            "emailVerified": true,
            "discord2FA": false,
            "discordLinked": false,
            "discordServerMember": false,
            "discordUsername": null,
            "requestedUpdatedEmail": null,
        })
    }
}

fn token_json(micros: i64, premium: bool) -> Value {
    let mut v = json!({
        "settled": format_amount(micros),
        "credit": "0",
        "debit": "0",
        "net": format_amount(micros),
    });
    if premium {
        v["premiumCredit"] = json!("0");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_format_exactly() {
        assert_eq!(format_amount(to_micros(12.5)), "12.5");
        assert_eq!(format_amount(0), "0");
        assert_eq!(format_amount(to_micros(0.000001)), "0.000001");
        assert_eq!(format_amount(-1_500_000), "-1.5");
    }

    #[test]
    fn charging_never_goes_below_zero() {
        let user = crate::config::EmulatorConfig::default().users[0].clone();
        let a = Account::from_config(&user, 1);
        let start = a.balance().spark;
        assert!(a.try_charge(TokenType::Spark, start));
        assert!(!a.try_charge(TokenType::Spark, 1));
        a.refund(TokenType::Spark, 5);
        assert_eq!(a.balance().spark, 5);
        assert_eq!(a.balance_update_json()["spark"]["net"], "0.000005");
    }
}
