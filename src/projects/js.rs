//! JavaScript value semantics the official SDK's output depends on: how a JS number prints
//! (`String(n)`), how it lands in JSON, what counts as truthy, and how `URLSearchParams`
//! encodes a query. Pure functions, shared by the request, estimate and media builders.

use serde_json::{Number, Value};

/// Largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// `String(n)` / `Number.prototype.toString()` for a JS number.
///
/// Integral values print without a fraction (`4`, not `4.0`), fractions print the shortest
/// round-trip digits (`0.19999999999999996`), and very large or small magnitudes switch to
/// exponent form (`1e+21`, `1e-7`) exactly where JS does.
pub fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n == 0.0 {
        return "0".into();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    // Rust's `{:e}` prints the shortest round-trip digits, like ECMAScript's algorithm.
    let sci = format!("{:e}", n.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let point = exponent + 1; // ECMAScript's `n`: position of the decimal point.
    let body = if k <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - k) as usize))
    } else if 0 < point && point <= 21 {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let exp_sign = if point > 0 { "+" } else { "-" };
        let exp = (point - 1).abs();
        if k == 1 {
            format!("{digits}e{exp_sign}{exp}")
        } else {
            format!("{}.{}e{exp_sign}{exp}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

/// The JSON value `JSON.stringify` writes for a JS number: integral values within the safe
/// range become JSON integers (so they compare equal to a parsed `4`), other finite values
/// stay floats, and `NaN`/`Infinity` become `null`.
pub fn number(n: f64) -> Value {
    if !n.is_finite() {
        return Value::Null;
    }
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        // `-0` is written as `0`.
        return Value::Number(Number::from(n as i64));
    }
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// JavaScript truthiness of a JSON value (`!!value`).
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// Truthiness of an optional JS number (`undefined`, `0` and `NaN` are falsy).
pub fn truthy_number(n: Option<f64>) -> bool {
    n.is_some_and(|f| f != 0.0 && !f.is_nan())
}

/// Truthiness of an optional JS string (`undefined` and `''` are falsy).
pub fn truthy_str(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// `Number.isInteger(n)`.
pub fn is_integer(n: f64) -> bool {
    n.is_finite() && n.fract() == 0.0
}

/// `Number.isSafeInteger(n)`.
pub fn is_safe_integer(n: f64) -> bool {
    is_integer(n) && n.abs() <= MAX_SAFE_INTEGER
}

/// Encodes pairs the way `URLSearchParams.toString()` does
/// (`application/x-www-form-urlencoded`: space → `+`, `*-._` and alphanumerics kept).
pub fn form_urlencode(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", form_component(k), form_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn form_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_print_like_javascript() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "0"),
            (4.0, "4"),
            (-2.0, "-2"),
            (0.5, "0.5"),
            (1.0 - 0.8, "0.19999999999999996"),
            (1.0 - 0.65, "0.35"),
            (3.5, "3.5"),
            (4294967295.0, "4294967295"),
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.25e-7, "1.25e-7"),
            (0.001, "0.001"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
        ];
        for (n, want) in cases {
            assert_eq!(number_to_string(*n), *want, "{n}");
        }
    }

    #[test]
    fn json_numbers_keep_integers_integral() {
        assert_eq!(number(4.0), json!(4));
        assert_eq!(number(-0.0), json!(0));
        assert_eq!(number(0.35), json!(0.35));
        assert_eq!(number(f64::NAN), Value::Null);
    }

    #[test]
    fn truthiness() {
        assert!(!truthy(&json!(null)));
        assert!(!truthy(&json!(0)));
        assert!(!truthy(&json!("")));
        assert!(truthy(&json!({})));
        assert!(truthy(&json!([])));
        assert!(truthy(&json!("x")));
        assert!(!truthy_number(Some(0.0)));
        assert!(truthy_number(Some(0.1)));
    }

    #[test]
    fn urlsearchparams_encoding() {
        let q = form_urlencode(&[
            ("contentType", "image/png".into()),
            ("a b", "x y&z=1~".into()),
        ]);
        assert_eq!(q, "contentType=image%2Fpng&a+b=x+y%26z%3D1%7E");
    }
}
