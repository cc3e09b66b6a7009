//! Worker-attested provenance of a result (`JobProvenance`, 5.54): the hashes that bind
//! delivered media to its exact inputs, read from a `jobResult` frame (or a REST record's
//! `result` receipt) with the official client's filtering — anything malformed is dropped
//! rather than surfaced half-valid.

use serde_json::{Map, Value};

/// The SHA-256 fields of a receipt, each a 64-digit hex string (kept lower-cased).
pub const HASH_FIELDS: [&str; 7] = [
    "sha256",
    "sourceImageSha256",
    "samPromptSha256",
    "maskRleSha256",
    "selectionHash",
    "firstFrameSha256",
    "lastFrameSha256",
];

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn unit(v: &Value) -> Option<f64> {
    v.as_f64()
        .filter(|x| x.is_finite() && (0.0..=1.0).contains(x))
}

/// A JS safe integer ≥ `min`.
fn safe_int(v: &Value, min: i64) -> Option<i64> {
    const MAX: f64 = 9_007_199_254_740_991.0;
    let x = v.as_f64()?;
    (x.fract() == 0.0 && x.abs() <= MAX && x >= min as f64).then_some(x as i64)
}

/// Normalized `[x0, y0, x1, y1]` bounds inside 0–1, neither inverted nor empty.
fn bounds(v: &Value) -> Option<Value> {
    let a = v.as_array().filter(|a| a.len() == 4)?;
    let n: Vec<f64> = a.iter().map(unit).collect::<Option<_>>()?;
    (n[0] < n[2] && n[1] < n[3]).then(|| Value::from(n))
}

fn sam_version_ok(s: &str) -> bool {
    let mut chars = s.chars();
    (1..=80).contains(&s.len())
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "._:+-".contains(c))
}

/// One SAM selection (`{score, box, coverage, included}`), or `None` when malformed.
fn selection(v: &Value) -> Option<Value> {
    let included = v.get("included")?.as_bool()?;
    let coverage = unit(v.get("coverage")?)?;
    let score = match v.get("score") {
        Some(Value::Null) => Value::Null,
        Some(s) => Value::from(unit(s)?),
        None => return None,
    };
    let b = v.get("box").and_then(bounds).unwrap_or(Value::Null);
    let mut out = Map::new();
    out.insert("score".into(), score);
    out.insert("box".into(), b);
    out.insert("coverage".into(), Value::from(coverage));
    out.insert("included".into(), Value::Bool(included));
    Some(Value::Object(out))
}

/// The `JobProvenance` of a `jobResult` payload (or of a REST record's `result` receipt):
/// `None` when it carries no valid field.
pub fn job_provenance(data: &Value) -> Option<Value> {
    let data = data.as_object()?;
    let mut out = Map::new();
    for field in HASH_FIELDS {
        if let Some(s) = data
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| is_hex64(s))
        {
            out.insert(field.into(), Value::from(s.to_ascii_lowercase()));
        }
    }
    for (field, min) in [
        ("maskWidth", 1),
        ("maskHeight", 1),
        ("maskDetectedCount", 0),
        ("maskReturnedCount", 0),
    ] {
        if let Some(n) = data.get(field).and_then(|v| safe_int(v, min)) {
            out.insert(field.into(), Value::from(n));
        }
    }
    if let Some(s) = data
        .get("samVersion")
        .and_then(Value::as_str)
        .filter(|s| sam_version_ok(s))
    {
        out.insert("samVersion".into(), Value::from(s));
    }
    if let Some(b) = data.get("maskBox").and_then(bounds) {
        out.insert("maskBox".into(), b);
    }
    if let Some(c) = data.get("maskCoverage").and_then(unit) {
        out.insert("maskCoverage".into(), Value::from(c));
    }
    if let Some(list) = data.get("maskSelections").and_then(Value::as_array) {
        let selections: Vec<Value> = list.iter().filter_map(selection).collect();
        if !selections.is_empty() {
            out.insert("maskSelections".into(), Value::Array(selections));
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const H: &str = "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

    #[test]
    fn keeps_valid_hashes_lower_cased_and_drops_the_rest() {
        let p = job_provenance(&json!({
            "jobID": "P", "imgID": "J", "sha256": H, "sourceImageSha256": "xyz",
            "lastFrameSha256": H.to_lowercase(), "resultUrl": "https://x"
        }))
        .unwrap();
        assert_eq!(
            p,
            json!({"sha256": H.to_lowercase(), "lastFrameSha256": H.to_lowercase()})
        );
    }

    #[test]
    fn nothing_valid_is_none() {
        assert_eq!(job_provenance(&json!({"jobID": "P", "sha256": 5})), None);
        assert_eq!(job_provenance(&json!("nope")), None);
        assert_eq!(
            job_provenance(&json!({"maskWidth": 0, "maskBox": [0.5, 0, 0.4, 1]})),
            None
        );
    }

    #[test]
    fn mask_fields_follow_the_official_rules() {
        let p = job_provenance(&json!({
            "maskWidth": 640, "maskHeight": 480.5, "maskDetectedCount": 0, "maskReturnedCount": -1,
            "samVersion": "sam3.1+cu124", "maskBox": [0.1, 0.2, 0.6, 0.9], "maskCoverage": 0.25,
            "maskSelections": [
                {"score": 0.9, "box": [0, 0, 1, 1], "coverage": 0.5, "included": true},
                {"score": null, "box": "bad", "coverage": 0.1, "included": false},
                {"score": 2, "box": null, "coverage": 0.1, "included": true},
                {"score": 0.5, "coverage": 0.1}
            ]
        }))
        .unwrap();
        assert_eq!(
            p,
            json!({
                "maskWidth": 640, "maskDetectedCount": 0, "samVersion": "sam3.1+cu124",
                "maskBox": [0.1, 0.2, 0.6, 0.9], "maskCoverage": 0.25,
                "maskSelections": [
                    {"score": 0.9, "box": [0.0, 0.0, 1.0, 1.0], "coverage": 0.5, "included": true},
                    {"score": null, "box": null, "coverage": 0.1, "included": false}
                ]
            })
        );
        assert_eq!(job_provenance(&json!({"samVersion": "-bad"})), None);
    }
}
