//! JavaScript value semantics the chat surface depends on: what `String.prototype.trim`
//! and the regex `\s` strip, what `String(value)` prints, how `encodeURIComponent`
//! escapes, how long `JSON.stringify` output is in UTF-16 code units, and how a number
//! lands in JSON. Pure functions over [`serde_json::Value`].

use serde_json::Value;

use crate::projects::js::{number, number_to_string};

pub use crate::projects::js::truthy;

/// A character JS `trim()` and the regex `\s` treat as whitespace (WhiteSpace plus
/// LineTerminator). Unlike Rust's `char::is_whitespace` it includes U+FEFF and excludes
/// U+0085.
pub fn is_js_whitespace(c: char) -> bool {
    c == '\u{feff}' || (c.is_whitespace() && c != '\u{85}')
}

/// `String.prototype.trim()`.
pub fn trim(s: &str) -> &str {
    s.trim_matches(is_js_whitespace)
}

/// `String(value)` for a JSON value: arrays join their elements with `,` (`null` elements
/// print empty), objects print `[object Object]`.
pub fn to_string(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_to_string(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                if v.is_null() {
                    String::new()
                } else {
                    to_string(v)
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// `ToNumber(value)` as the `-` operator applies it (`NaN` when there is no number).
pub fn to_number(value: Option<&Value>) -> f64 {
    match value {
        None => f64::NAN,
        Some(Value::Null) => 0.0,
        Some(Value::Bool(b)) => f64::from(u8::from(*b)),
        Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        Some(Value::String(s)) => string_to_number(s),
        Some(v @ Value::Array(_)) => string_to_number(&to_string(v)),
        Some(Value::Object(_)) => f64::NAN,
    }
}

fn string_to_number(s: &str) -> f64 {
    let t = trim(s);
    if t.is_empty() {
        return 0.0;
    }
    let lower = t.to_ascii_lowercase();
    let radix = |p: &str, r: u32| u64::from_str_radix(p, r).map_or(f64::NAN, |n| n as f64);
    if let Some(hex) = lower.strip_prefix("0x") {
        return radix(hex, 16);
    }
    if let Some(oct) = lower.strip_prefix("0o") {
        return radix(oct, 8);
    }
    if let Some(bin) = lower.strip_prefix("0b") {
        return radix(bin, 2);
    }
    match t {
        "Infinity" | "+Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ if t.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) => {
            t.parse().unwrap_or(f64::NAN)
        }
        _ => f64::NAN,
    }
}

/// `encodeURIComponent(String(value))` for a string.
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `JSON.stringify(value).length`: the length in UTF-16 code units of the compact JSON
/// text, with numbers printed as JS prints them.
pub fn json_length(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(_) => {
            // `JSON.stringify` writes a non-finite number as `null`; a Value holds none.
            to_string(value).len()
        }
        Value::String(s) => string_json_length(s),
        Value::Array(items) => {
            2 + items.iter().map(json_length).sum::<usize>() + items.len().saturating_sub(1)
        }
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(k, v)| string_json_length(k) + 1 + json_length(v))
                .sum::<usize>()
                + map.len().saturating_sub(1)
        }
    }
}

fn string_json_length(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf16(),
        })
        .sum::<usize>()
}

/// A copy of `value` whose numbers are written the way `JSON.stringify` writes a JS
/// number: integral values as JSON integers (`4096`, not `4096.0`), others as floats.
pub fn json_numbers(value: &Value) -> Value {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) => number(f),
            None => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(json_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), json_numbers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `a ?? b ?? …`: the first operand that is neither `undefined` (`None`) nor `null`, else
/// the last operand as it is (`null` stays `null`).
pub fn nullish<'a>(operands: &[Option<&'a Value>]) -> Option<&'a Value> {
    for v in operands {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            return Some(v);
        }
    }
    operands.last().copied().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trim_and_whitespace_follow_js() {
        assert_eq!(trim("\u{feff}\u{a0} x \u{2028}\n"), "x");
        assert_eq!(trim("\u{85}x"), "\u{85}x");
    }

    #[test]
    fn string_conversion_follows_js() {
        assert_eq!(to_string(&json!(42)), "42");
        assert_eq!(to_string(&json!(1e21)), "1e+21");
        assert_eq!(to_string(&json!(true)), "true");
        assert_eq!(to_string(&json!([1, null, "a", [2, 3]])), "1,,a,2,3");
        assert_eq!(to_string(&json!({"a": 1})), "[object Object]");
        assert_eq!(to_string(&Value::Null), "null");
    }

    #[test]
    fn to_number_follows_js() {
        assert!(to_number(None).is_nan());
        assert_eq!(to_number(Some(&json!(null))), 0.0);
        assert_eq!(to_number(Some(&json!(" 12 "))), 12.0);
        assert_eq!(to_number(Some(&json!(""))), 0.0);
        assert_eq!(to_number(Some(&json!("0x10"))), 16.0);
        assert!(to_number(Some(&json!("1a"))).is_nan());
        assert_eq!(to_number(Some(&json!([7]))), 7.0);
        assert_eq!(to_number(Some(&json!(true))), 1.0);
    }

    #[test]
    fn uri_component_escapes_like_js() {
        assert_eq!(encode_uri_component("qwen/3 6?x#"), "qwen%2F3%206%3Fx%23");
        assert_eq!(
            encode_uri_component("a-b_c.d!e~f*g'h(i)j"),
            "a-b_c.d!e~f*g'h(i)j"
        );
        assert_eq!(encode_uri_component("é"), "%C3%A9");
    }

    #[test]
    fn json_length_counts_utf16_units() {
        assert_eq!(
            json_length(&json!({"a": [1, 2.5, null, "x"]})),
            r#"{"a":[1,2.5,null,"x"]}"#.len()
        );
        assert_eq!(json_length(&json!("👋")), 4);
        assert_eq!(json_length(&json!("\u{1}\n\"")), 2 + 6 + 2 + 2);
        assert_eq!(json_length(&json!(1e21)), 5);
        assert_eq!(json_length(&json!(0.30000000000000004)), 19);
    }

    #[test]
    fn nullish_chain() {
        let a = json!(null);
        let b = json!("b");
        assert_eq!(nullish(&[Some(&a), Some(&b)]), Some(&b));
        assert_eq!(nullish(&[None, Some(&a)]), Some(&a));
        assert_eq!(nullish(&[Some(&a), None]), None);
    }
}
