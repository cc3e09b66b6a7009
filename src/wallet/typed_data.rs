//! Generic EIP-712 typed data, as ethers' `TypedDataEncoder` hashes it and
//! `wallet.signTypedData(domain, types, value)` signs it: the permits the server sends
//! for withdrawals and token approvals are `{domain, types, message}` objects.
//!
//! Supported field types: `address`, `bool`, `string`, `bytes`, `bytes1`…`bytes32`,
//! `uint8`…`uint256`, `int8`…`int256`, struct types, and arrays of any of these (`T[]`,
//! `T[n]`). Numbers may be JSON numbers, decimal strings or `0x` hex strings. The domain
//! may carry `name`, `version`, `chainId`, `verifyingContract` and `salt`.

use serde_json::{Map, Value};

use super::address::parse_address;
use super::{hex, keccak256, Wallet, WalletError};

fn bad(what: impl Into<String>) -> WalletError {
    WalletError::InvalidTypedData(what.into())
}

/// The domain's fields in EIP-712 order, with their types, for the keys present.
fn domain_fields(domain: &Map<String, Value>) -> Vec<(&'static str, &'static str)> {
    [
        ("name", "string"),
        ("version", "string"),
        ("chainId", "uint256"),
        ("verifyingContract", "address"),
        ("salt", "bytes32"),
    ]
    .into_iter()
    .filter(|(k, _)| domain.get(*k).is_some_and(|v| !v.is_null()))
    .collect()
}

type Fields = Vec<(String, String)>;

fn parse_types(types: &Value) -> Result<Vec<(String, Fields)>, WalletError> {
    let map = types
        .as_object()
        .ok_or_else(|| bad("types must be an object"))?;
    map.iter()
        .filter(|(name, _)| *name != "EIP712Domain")
        .map(|(name, fields)| {
            let list = fields
                .as_array()
                .ok_or_else(|| bad(format!("types.{name} must be an array")))?;
            let fields = list
                .iter()
                .map(|f| {
                    let n = f.get("name").and_then(Value::as_str);
                    let t = f.get("type").and_then(Value::as_str);
                    match (n, t) {
                        (Some(n), Some(t)) => Ok((n.to_string(), t.to_string())),
                        _ => Err(bad(format!(
                            "types.{name} has a field without name or type"
                        ))),
                    }
                })
                .collect::<Result<Fields, _>>()?;
            Ok((name.clone(), fields))
        })
        .collect()
}

/// The element type of an array type (`uint256[]` → `uint256`), if it is one.
fn array_base(t: &str) -> Option<&str> {
    let open = t.rfind('[')?;
    t.ends_with(']').then(|| &t[..open])
}

fn base_name(t: &str) -> &str {
    let mut t = t;
    while let Some(b) = array_base(t) {
        t = b;
    }
    t
}

struct Types {
    list: Vec<(String, Fields)>,
}

impl Types {
    fn fields(&self, name: &str) -> Option<&Fields> {
        self.list.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }

    /// `name` and every struct type it references, transitively.
    fn dependencies(&self, name: &str, out: &mut Vec<String>) {
        if out.iter().any(|d| d == name) {
            return;
        }
        let Some(fields) = self.fields(name) else {
            return;
        };
        out.push(name.to_string());
        for (_, t) in fields {
            self.dependencies(base_name(t), out);
        }
    }

    /// `encodeType`: the primary type, then its dependencies sorted by name.
    fn encode_type(&self, name: &str) -> String {
        let mut deps = Vec::new();
        self.dependencies(name, &mut deps);
        deps.retain(|d| d != name);
        deps.sort();
        std::iter::once(name.to_string())
            .chain(deps)
            .map(|n| {
                let fields = self.fields(&n).map(|f| {
                    f.iter()
                        .map(|(fname, t)| format!("{t} {fname}"))
                        .collect::<Vec<_>>()
                        .join(",")
                });
                format!("{n}({})", fields.unwrap_or_default())
            })
            .collect()
    }

    /// The primary type: the one no other type references (ethers' rule).
    fn primary(&self) -> Result<String, WalletError> {
        let referenced: Vec<&str> = self
            .list
            .iter()
            .flat_map(|(_, f)| f.iter().map(|(_, t)| base_name(t)))
            .collect();
        let roots: Vec<&String> = self
            .list
            .iter()
            .map(|(n, _)| n)
            .filter(|n| !referenced.contains(&n.as_str()))
            .collect();
        match roots.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(bad("types have no primary type")),
            _ => Err(bad("types have more than one primary type")),
        }
    }

    fn hash_struct(&self, name: &str, value: &Value) -> Result<[u8; 32], WalletError> {
        let fields = self
            .fields(name)
            .ok_or_else(|| bad(format!("unknown type {name}")))?;
        let mut buf = Vec::with_capacity(32 * (fields.len() + 1));
        buf.extend_from_slice(&keccak256(self.encode_type(name).as_bytes()));
        for (fname, t) in fields {
            let v = value.get(fname).unwrap_or(&Value::Null);
            buf.extend_from_slice(&self.encode_value(t, v, fname)?);
        }
        Ok(keccak256(&buf))
    }

    fn encode_value(&self, t: &str, v: &Value, field: &str) -> Result<[u8; 32], WalletError> {
        if let Some(base) = array_base(t) {
            let items = v
                .as_array()
                .ok_or_else(|| bad(format!("{field} must be an array")))?;
            let fixed = &t[base.len() + 1..t.len() - 1];
            if !fixed.is_empty() && fixed.parse::<usize>().ok() != Some(items.len()) {
                return Err(bad(format!("{field} must have {fixed} items")));
            }
            let mut buf = Vec::with_capacity(32 * items.len());
            for item in items {
                buf.extend_from_slice(&self.encode_value(base, item, field)?);
            }
            return Ok(keccak256(&buf));
        }
        if self.fields(t).is_some() {
            return self.hash_struct(t, v);
        }
        atomic(t, v, field)
    }
}

fn atomic(t: &str, v: &Value, field: &str) -> Result<[u8; 32], WalletError> {
    let mut word = [0u8; 32];
    match t {
        "address" => {
            let s = v
                .as_str()
                .ok_or_else(|| bad(format!("{field} must be an address")))?;
            word[12..].copy_from_slice(&parse_address(s)?);
        }
        "bool" => {
            let b = match v {
                Value::Bool(b) => *b,
                _ => return Err(bad(format!("{field} must be a boolean"))),
            };
            word[31] = u8::from(b);
        }
        "string" => {
            let s = v
                .as_str()
                .ok_or_else(|| bad(format!("{field} must be a string")))?;
            word = keccak256(s.as_bytes());
        }
        "bytes" => word = keccak256(&hex_bytes(v, field)?),
        _ if t.starts_with("bytes") => {
            let n: usize = t[5..]
                .parse()
                .map_err(|_| bad(format!("unknown type {t}")))?;
            let bytes = hex_bytes(v, field)?;
            if n == 0 || n > 32 || bytes.len() != n {
                return Err(bad(format!("{field} must be {n} bytes")));
            }
            word[..n].copy_from_slice(&bytes);
        }
        _ if t.starts_with("uint") || t.starts_with("int") => {
            let signed = t.starts_with("int");
            let bits: u32 = t[if signed { 3 } else { 4 }..]
                .parse()
                .ok()
                .filter(|b| *b > 0 && *b <= 256 && b % 8 == 0)
                .ok_or_else(|| bad(format!("unknown type {t}")))?;
            let (negative, magnitude) = integer(v, field)?;
            if negative && !signed {
                return Err(bad(format!("{field} must not be negative")));
            }
            let limit = if signed { bits - 1 } else { bits };
            let used = bit_length(&magnitude);
            if used > limit && !(negative && is_power_of_two(&magnitude, limit)) {
                return Err(bad(format!("{field} does not fit in {t}")));
            }
            word = if negative {
                twos_complement(&magnitude)
            } else {
                magnitude
            };
        }
        _ => return Err(bad(format!("unknown type {t}"))),
    }
    Ok(word)
}

/// Number of significant bits of a big-endian magnitude.
fn bit_length(m: &[u8; 32]) -> u32 {
    match m.iter().position(|b| *b != 0) {
        Some(i) => (31 - i as u32) * 8 + (8 - m[i].leading_zeros()),
        None => 0,
    }
}

fn is_power_of_two(m: &[u8; 32], bit: u32) -> bool {
    let mut want = [0u8; 32];
    if bit >= 256 {
        return false;
    }
    want[31 - (bit / 8) as usize] = 1 << (bit % 8);
    *m == want
}

fn twos_complement(m: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 1u16;
    for i in (0..32).rev() {
        let v = u16::from(!m[i]) + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    out
}

fn hex_bytes(v: &Value, field: &str) -> Result<Vec<u8>, WalletError> {
    let s = v
        .as_str()
        .ok_or_else(|| bad(format!("{field} must be hex bytes")))?;
    let digits = hex::strip_prefix(s);
    if digits.len() % 2 != 0 {
        return Err(bad(format!("{field} has an odd number of hex digits")));
    }
    let mut out = vec![0u8; digits.len() / 2];
    hex::decode(digits, &mut out).ok_or_else(|| bad(format!("{field} is not hex")))?;
    Ok(out)
}

/// A JSON number, decimal string or `0x` hex string as sign and 256-bit magnitude.
fn integer(v: &Value, field: &str) -> Result<(bool, [u8; 32]), WalletError> {
    let text = match v {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.to_string()
            } else if let Some(i) = n.as_i64() {
                i.to_string()
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() != 0.0 || !f.is_finite() || f.abs() > 9_007_199_254_740_991.0 {
                    return Err(bad(format!("{field} must be an integer")));
                }
                format!("{f:.0}")
            }
        }
        Value::String(s) => s.trim().to_string(),
        _ => return Err(bad(format!("{field} must be a number"))),
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text.as_str()),
    };
    let mut out = [0u8; 32];
    if let Some(h) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        if h.is_empty() || h.len() > 64 {
            return Err(bad(format!("{field} is not a 256-bit number")));
        }
        let padded = format!("{h:0>64}");
        hex::decode(&padded, &mut out).ok_or_else(|| bad(format!("{field} is not hex")))?;
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!("{field} is not a number")));
        }
        for d in digits.bytes() {
            // out = out * 10 + d
            let mut carry = u32::from(d - b'0');
            for byte in out.iter_mut().rev() {
                let v = u32::from(*byte) * 10 + carry;
                *byte = v as u8;
                carry = v >> 8;
            }
            if carry != 0 {
                return Err(bad(format!("{field} is larger than 256 bits")));
            }
        }
    }
    let zero = out.iter().all(|b| *b == 0);
    Ok((negative && !zero, out))
}

/// The EIP-712 digest of `message` (of the primary type of `types`) under `domain`:
/// `keccak256(0x19 0x01 ‖ hashStruct(domain) ‖ hashStruct(message))`.
pub fn typed_data_digest(
    domain: &Value,
    types: &Value,
    message: &Value,
) -> Result<[u8; 32], WalletError> {
    let dmap = domain
        .as_object()
        .ok_or_else(|| bad("domain must be an object"))?;
    let mut list = parse_types(types)?;
    let message_types = Types { list: list.clone() };
    let primary = message_types.primary()?;
    let domain_type: Fields = domain_fields(dmap)
        .into_iter()
        .map(|(k, t)| (k.to_string(), t.to_string()))
        .collect();
    list.push(("EIP712Domain".into(), domain_type));
    let all = Types { list };
    let mut buf = [0u8; 66];
    buf[..2].copy_from_slice(&[0x19, 0x01]);
    buf[2..34].copy_from_slice(&all.hash_struct("EIP712Domain", domain)?);
    buf[34..].copy_from_slice(&message_types.hash_struct(&primary, message)?);
    Ok(keccak256(&buf))
}

impl Wallet {
    /// `wallet.signTypedData(domain, types, value)`: the `0x…` 65-byte signature.
    pub fn sign_typed_data(
        &self,
        domain: &Value,
        types: &Value,
        message: &Value,
    ) -> Result<String, WalletError> {
        Ok(self.sign_digest(&typed_data_digest(domain, types, message)?))
    }
}

/// `parseEther(amount)`: a decimal amount of tokens (up to 18 decimals) in wei, as a
/// decimal string.
pub fn parse_ether(amount: &str) -> Result<String, WalletError> {
    let a = amount.trim();
    let (whole, frac) = a.split_once('.').unwrap_or((a, ""));
    let ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !ok(whole) || !ok(frac) {
        return Err(bad(format!("invalid amount {amount:?}")));
    }
    if frac.len() > 18 {
        return Err(bad(format!("too many decimals in {amount:?}")));
    }
    let digits = format!("{whole}{frac:0<18}");
    let trimmed = digits.trim_start_matches('0');
    Ok(if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const VECTORS: &str = include_str!("fixtures/typed_data.json");

    #[test]
    fn digests_and_signatures_match_ethers() {
        let v: Value = serde_json::from_str(VECTORS).unwrap();
        let wallet = Wallet::from_credentials("demo", "demo-password").unwrap();
        for case in v["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let digest = typed_data_digest(&case["domain"], &case["types"], &case["message"]);
            match case["error"].as_bool() {
                Some(true) => assert!(digest.is_err(), "{name}: should fail"),
                _ => {
                    let digest = digest.unwrap_or_else(|e| panic!("{name}: {e}"));
                    let mut hexed = String::from("0x");
                    hex::push_hex(&mut hexed, &digest);
                    assert_eq!(hexed, case["hash"], "{name}: hash");
                    let sig = wallet
                        .sign_typed_data(&case["domain"], &case["types"], &case["message"])
                        .unwrap();
                    assert_eq!(sig, case["signature"], "{name}: signature");
                }
            }
        }
    }

    #[test]
    fn ether_amounts() {
        assert_eq!(parse_ether("1").unwrap(), "1000000000000000000");
        assert_eq!(parse_ether("0.5").unwrap(), "500000000000000000");
        assert_eq!(
            parse_ether("12.000000000000000001").unwrap(),
            "12000000000000000001"
        );
        assert_eq!(parse_ether("0").unwrap(), "0");
        assert!(parse_ether("1.0000000000000000001").is_err());
        assert!(parse_ether("-1").is_err());
        assert!(parse_ether("abc").is_err());
        assert_eq!(
            integer(&json!("0x01"), "x").unwrap().1[31],
            1,
            "hex numbers"
        );
    }
}
