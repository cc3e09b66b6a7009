//! The SAM 3 selection prompt (`sam3Prompt`): validated and normalized exactly as the
//! official SDK does before it goes into `keyFrames[0].sam3Prompt`.

use serde_json::{Map, Value};

use super::js;
use crate::{Error, Result};

const MAX_POINTS: usize = 32;
const MAX_BOXES: usize = 16;
const MAX_TEXT_LENGTH: usize = 240;
const MAX_INSTANCES: f64 = 16.0;
const ROOT_KEYS: [&str; 7] = [
    "points",
    "boxes",
    "text",
    "threshold",
    "multimask",
    "applyMask",
    "maxInstances",
];

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid("INVALID_SAM3_PROMPT", message)
}

/// A normalized coordinate in 0..1, returned as the caller's own JSON number.
fn coordinate(value: Option<&Value>, field: &str) -> Result<Value> {
    match value.and_then(Value::as_f64) {
        Some(f) if f.is_finite() && (0.0..=1.0).contains(&f) => {
            Ok(value.cloned().unwrap_or_default())
        }
        _ => Err(invalid(format!(
            "{field} must be a finite normalized coordinate from 0 to 1"
        ))),
    }
}

fn label_ok(label: Option<&Value>) -> bool {
    matches!(label.and_then(Value::as_str), Some("positive" | "negative"))
}

/// `prompt.points || []` / `prompt.boxes || []`, checked to be an array of at most `max`.
fn list<'a>(prompt: &'a Map<String, Value>, key: &str, max: usize) -> Result<&'a [Value]> {
    match prompt.get(key) {
        None => Ok(&[]),
        Some(v) if !js::truthy(v) => Ok(&[]),
        Some(Value::Array(items)) if items.len() <= max => Ok(items),
        Some(_) => Err(invalid(format!(
            "sam3Prompt.{key} must contain at most {max} entries"
        ))),
    }
}

fn points(prompt: &Map<String, Value>) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for (index, point) in list(prompt, "points", MAX_POINTS)?.iter().enumerate() {
        let obj = point
            .as_object()
            .ok_or_else(|| invalid(format!("sam3Prompt.points[{index}] must be an object")))?;
        if obj
            .keys()
            .any(|k| !["x", "y", "label"].contains(&k.as_str()))
        {
            return Err(invalid(format!(
                "sam3Prompt.points[{index}] contains unsupported fields"
            )));
        }
        if !label_ok(obj.get("label")) {
            return Err(invalid(format!(
                "sam3Prompt.points[{index}].label must be \"positive\" or \"negative\""
            )));
        }
        let mut p = Map::new();
        p.insert(
            "x".into(),
            coordinate(obj.get("x"), &format!("sam3Prompt.points[{index}].x"))?,
        );
        p.insert(
            "y".into(),
            coordinate(obj.get("y"), &format!("sam3Prompt.points[{index}].y"))?,
        );
        p.insert("label".into(), obj["label"].clone());
        out.push(Value::Object(p));
    }
    Ok(out)
}

fn boxes(prompt: &Map<String, Value>) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for (index, b) in list(prompt, "boxes", MAX_BOXES)?.iter().enumerate() {
        let obj = b
            .as_object()
            .ok_or_else(|| invalid(format!("sam3Prompt.boxes[{index}] must be an object")))?;
        if obj
            .keys()
            .any(|k| !["x0", "y0", "x1", "y1", "label"].contains(&k.as_str()))
        {
            return Err(invalid(format!(
                "sam3Prompt.boxes[{index}] contains unsupported fields"
            )));
        }
        if obj.contains_key("label") && !label_ok(obj.get("label")) {
            return Err(invalid(format!(
                "sam3Prompt.boxes[{index}].label must be \"positive\" or \"negative\""
            )));
        }
        let mut n = Map::new();
        for key in ["x0", "y0", "x1", "y1"] {
            let field = format!("sam3Prompt.boxes[{index}].{key}");
            n.insert(key.into(), coordinate(obj.get(key), &field)?);
        }
        n.insert(
            "label".into(),
            obj.get("label")
                .cloned()
                .unwrap_or_else(|| Value::from("positive")),
        );
        let f = |k: &str| n[k].as_f64().unwrap_or_default();
        if f("x0") >= f("x1") || f("y0") >= f("y1") {
            return Err(invalid(format!(
                "sam3Prompt.boxes[{index}] must have x0 < x1 and y0 < y1"
            )));
        }
        out.push(Value::Object(n));
    }
    Ok(out)
}

/// JS `String.prototype.trim` (Unicode white space, line terminators and the BOM).
fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
}

/// Validates `sam3Prompt` and returns the object the request carries.
pub fn normalize_sam3_prompt(prompt: &Value) -> Result<Value> {
    let prompt = prompt
        .as_object()
        .ok_or_else(|| invalid("sam3Prompt must be an object"))?;
    let unknown: Vec<&str> = prompt
        .keys()
        .map(String::as_str)
        .filter(|k| !ROOT_KEYS.contains(k))
        .collect();
    if !unknown.is_empty() {
        return Err(invalid(format!(
            "sam3Prompt contains unsupported fields: {}",
            unknown.join(", ")
        )));
    }
    let points = points(prompt)?;
    let boxes = boxes(prompt)?;
    let text = match prompt.get("text") {
        None => None,
        Some(Value::String(s)) => {
            let t = js_trim(s);
            if t.is_empty() || t.encode_utf16().count() > MAX_TEXT_LENGTH {
                return Err(invalid(format!(
                    "sam3Prompt.text must contain 1 to {MAX_TEXT_LENGTH} characters"
                )));
            }
            Some(t.to_string())
        }
        Some(_) => return Err(invalid("sam3Prompt.text must be a string")),
    };
    if points.is_empty() && boxes.is_empty() && text.is_none() {
        return Err(invalid(
            "sam3Prompt requires at least one point, box, or text prompt",
        ));
    }
    if text.is_some() && !points.is_empty() {
        return Err(invalid("sam3Prompt cannot combine text and point prompts"));
    }
    if !points.is_empty() && boxes.len() > 1 {
        return Err(invalid(
            "sam3Prompt supports at most one box when point prompts are present",
        ));
    }
    if !points.is_empty() && boxes.iter().any(|b| b["label"] == "negative") {
        return Err(invalid("sam3Prompt negative boxes require a text prompt"));
    }
    if let Some(t) = prompt.get("threshold") {
        if !t
            .as_f64()
            .is_some_and(|f| f.is_finite() && (0.0..=1.0).contains(&f))
        {
            return Err(invalid(
                "sam3Prompt.threshold must be a finite number from 0 to 1",
            ));
        }
    }
    let multimask = prompt.get("multimask");
    if multimask.is_some_and(|m| !m.is_boolean()) {
        return Err(invalid("sam3Prompt.multimask must be a boolean"));
    }
    if multimask == Some(&Value::Bool(true)) && points.is_empty() {
        return Err(invalid("sam3Prompt.multimask requires point prompts"));
    }
    let apply_mask = prompt.get("applyMask");
    if apply_mask.is_some_and(|m| !m.is_boolean()) {
        return Err(invalid("sam3Prompt.applyMask must be a boolean"));
    }
    let max_instances = prompt.get("maxInstances");
    if let Some(m) = max_instances {
        if !m
            .as_f64()
            .is_some_and(|f| js::is_safe_integer(f) && (1.0..=MAX_INSTANCES).contains(&f))
        {
            return Err(invalid(format!(
                "sam3Prompt.maxInstances must be an integer from 1 to {MAX_INSTANCES}"
            )));
        }
    }

    let mut out = Map::new();
    let has_points = !points.is_empty();
    out.insert("points".into(), Value::Array(points));
    out.insert("boxes".into(), Value::Array(boxes));
    if let Some(text) = text {
        out.insert("text".into(), Value::String(text));
    }
    out.insert(
        "threshold".into(),
        prompt.get("threshold").cloned().unwrap_or(Value::from(0.5)),
    );
    if has_points {
        out.insert(
            "multimask".into(),
            multimask.cloned().unwrap_or(Value::Bool(true)),
        );
    }
    out.insert(
        "applyMask".into(),
        Value::Bool(apply_mask == Some(&Value::Bool(true))),
    );
    if let Some(m) = max_instances {
        out.insert("maxInstances".into(), m.clone());
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(v: Value) -> String {
        normalize_sam3_prompt(&v).unwrap_err().to_string()
    }

    #[test]
    fn normalizes_defaults() {
        let v = normalize_sam3_prompt(&json!({"points": [{"x": 0, "y": 1, "label": "positive"}]}))
            .unwrap();
        assert_eq!(
            v,
            json!({"points": [{"x": 0, "y": 1, "label": "positive"}], "boxes": [],
                   "threshold": 0.5, "multimask": true, "applyMask": false})
        );
        let v = normalize_sam3_prompt(&json!({"text": " cat ", "maxInstances": 1})).unwrap();
        assert_eq!(
            v,
            json!({"points": [], "boxes": [], "text": "cat", "threshold": 0.5,
                   "applyMask": false, "maxInstances": 1})
        );
    }

    #[test]
    fn rejects_like_the_sdk() {
        assert_eq!(err(json!("x")), "sam3Prompt must be an object");
        assert_eq!(
            err(json!({"points": "x"})),
            "sam3Prompt.points must contain at most 32 entries"
        );
        assert_eq!(
            err(json!({"boxes": [{"x0": 0.5, "y0": 0, "x1": 0.5, "y1": 1}]})),
            "sam3Prompt.boxes[0] must have x0 < x1 and y0 < y1"
        );
        assert_eq!(
            err(json!({"boxes": [{"x0": 0, "y0": 0, "x1": 1, "y1": 1, "label": null}]})),
            "sam3Prompt.boxes[0].label must be \"positive\" or \"negative\""
        );
        assert_eq!(
            err(json!({"text": "   "})),
            "sam3Prompt.text must contain 1 to 240 characters"
        );
        assert_eq!(err(json!({"text": 3})), "sam3Prompt.text must be a string");
        assert_eq!(
            err(json!({"text": "a", "multimask": true})),
            "sam3Prompt.multimask requires point prompts"
        );
        assert_eq!(
            err(json!({"text": "a", "threshold": 2})),
            "sam3Prompt.threshold must be a finite number from 0 to 1"
        );
        assert_eq!(
            err(json!({"text": "a", "maxInstances": 17})),
            "sam3Prompt.maxInstances must be an integer from 1 to 16"
        );
        assert_eq!(
            err(
                json!({"points": [{"x": 0.1, "y": 0.1, "label": "positive"}],
                       "boxes": [{"x0": 0, "y0": 0, "x1": 1, "y1": 1, "label": "negative"}]})
            ),
            "sam3Prompt negative boxes require a text prompt"
        );
    }
}
