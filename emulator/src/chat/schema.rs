//! A small JSON-Schema subset: generating a value that satisfies a schema (structured
//! output, tool-call arguments) and validating values against one (hosted tool arguments).
//!
//! Generation is deterministic: `const`, then `default`, then the first `enum` value, then a
//! value of the (first non-null) type — objects get their **required** properties only,
//! arrays `max(minItems, 1)` items, numbers the smallest allowed value ≥ 1 within the
//! bounds, booleans `true`, strings the caller's text (cut to `maxLength`, padded to
//! `minLength`; `format` `date-time`/`date`/`email`/`uri` get a fixed sample). `anyOf` /
//! `oneOf` use their first branch, `allOf` is merged, and local `$ref`s (`#/$defs/…`,
//! `#/definitions/…`) are followed.

use serde_json::{json, Map, Value};

const MAX_DEPTH: usize = 24;

/// Builds a value satisfying `schema`; string leaves are derived from `text`.
pub fn generate(schema: &Value, text: &str) -> Value {
    gen(schema, schema, text, "", 0)
}

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    let mut s = schema;
    for _ in 0..MAX_DEPTH {
        let Some(r) = s.get("$ref").and_then(Value::as_str) else {
            return s;
        };
        let Some(path) = r.strip_prefix('#') else {
            return s;
        };
        match root.pointer(path) {
            Some(t) => s = t,
            None => return s,
        }
    }
    s
}

fn first_type(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .or_else(|| ts.iter().filter_map(Value::as_str).next()),
        _ => None,
    }
}

fn gen(root: &Value, schema: &Value, text: &str, key: &str, depth: usize) -> Value {
    let schema = resolve(root, schema);
    if depth > MAX_DEPTH || !schema.is_object() {
        return Value::Null;
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(d) = schema.get("default") {
        if validate_in(root, schema, d, "").is_empty() {
            return d.clone();
        }
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    for k in ["anyOf", "oneOf"] {
        if let Some(first) = schema
            .get(k)
            .and_then(Value::as_array)
            .and_then(|b| b.first())
        {
            return gen(root, first, text, key, depth + 1);
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = schema.as_object().cloned().unwrap_or_default();
        merged.remove("allOf");
        for part in all {
            merge_into(&mut merged, resolve(root, part));
        }
        return gen(root, &Value::Object(merged), text, key, depth + 1);
    }
    let ty = first_type(schema).or_else(|| {
        if schema.get("properties").is_some() {
            Some("object")
        } else if schema.get("items").is_some() {
            Some("array")
        } else {
            None
        }
    });
    match ty {
        Some("object") => {
            let props = schema.get("properties").and_then(Value::as_object);
            let mut out = Map::new();
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let sub = props
                    .and_then(|p| p.get(name))
                    .cloned()
                    .unwrap_or_else(|| json!({"type": "string"}));
                out.insert(name.to_string(), gen(root, &sub, text, name, depth + 1));
            }
            Value::Object(out)
        }
        Some("array") => {
            let n = schema
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1);
            let n = schema
                .get("maxItems")
                .and_then(Value::as_u64)
                .map_or(n, |m| n.min(m));
            match schema.get("items") {
                Some(Value::Array(tuple)) => tuple
                    .iter()
                    .map(|s| gen(root, s, text, key, depth + 1))
                    .collect(),
                Some(items) => (0..n)
                    .map(|_| gen(root, items, text, key, depth + 1))
                    .collect(),
                None => (0..n).map(|_| json!(text)).collect(),
            }
        }
        Some("integer") => json!(number(schema, true) as i64),
        Some("number") => json!(number(schema, false)),
        Some("boolean") => json!(true),
        Some("null") => Value::Null,
        _ => json!(string(schema, text, key)),
    }
}

fn merge_into(into: &mut Map<String, Value>, part: &Value) {
    let Some(part) = part.as_object() else { return };
    for (k, v) in part {
        match (k.as_str(), into.get_mut(k), v) {
            ("properties", Some(Value::Object(have)), Value::Object(add)) => {
                have.extend(add.clone());
            }
            ("required", Some(Value::Array(have)), Value::Array(add)) => {
                have.extend(add.iter().cloned());
            }
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

fn number(schema: &Value, integer: bool) -> f64 {
    let get = |k: &str| schema.get(k).and_then(Value::as_f64);
    let flag = |k: &str| schema.get(k) == Some(&Value::Bool(true));
    // (bound, exclusive); draft-4 style boolean exclusives modify minimum/maximum.
    let lo = get("exclusiveMinimum")
        .map(|x| (x, true))
        .or_else(|| get("minimum").map(|m| (m, flag("exclusiveMinimum"))));
    let hi = get("exclusiveMaximum")
        .map(|x| (x, true))
        .or_else(|| get("maximum").map(|m| (m, flag("exclusiveMaximum"))));
    let mut v: f64 = 1.0;
    if let Some((l, excl)) = lo {
        if v < l || (excl && v <= l) {
            v = match (excl, hi) {
                (false, _) => l,
                (true, Some((h, _))) => (l + h) / 2.0,
                (true, None) => l + 1.0,
            };
        }
    }
    if let Some((h, excl)) = hi {
        if v > h || (excl && v >= h) {
            v = match (excl, lo) {
                (false, _) => h,
                (true, Some((l, _))) => (l + h) / 2.0,
                (true, None) => h - 1.0,
            };
        }
    }
    if !integer {
        return v;
    }
    let fits = |x: f64| {
        lo.is_none_or(|(l, e)| if e { x > l } else { x >= l })
            && hi.is_none_or(|(h, e)| if e { x < h } else { x <= h })
    };
    [v.ceil(), v.floor(), v.round()]
        .into_iter()
        .find(|x| fits(*x))
        .unwrap_or(v.round())
}

fn string(schema: &Value, text: &str, key: &str) -> String {
    let fixed = match schema.get("format").and_then(Value::as_str) {
        Some("date-time") => Some("2025-01-01T00:00:00Z"),
        Some("date") => Some("2025-01-01"),
        Some("time") => Some("00:00:00"),
        Some("email") => Some("user@example.com"),
        Some("uri" | "url") => Some("https://example.com/"),
        Some("uuid") => Some("00000000-0000-4000-8000-000000000000"),
        _ => None,
    };
    let mut s = match fixed {
        Some(f) => f.to_string(),
        None if text.trim().is_empty() => key.to_string(),
        None => text.trim().to_string(),
    };
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        s = s.chars().take(max as usize).collect();
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
        while (s.chars().count() as u64) < min {
            s.push('.');
        }
    }
    s
}

/// Checks `value` against `schema`; returns one message per problem (empty = valid).
pub fn validate(schema: &Value, value: &Value) -> Vec<String> {
    validate_in(schema, schema, value, "")
}

fn type_matches(ty: &str, v: &Value) -> bool {
    match ty {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn validate_in(root: &Value, schema: &Value, v: &Value, path: &str) -> Vec<String> {
    let schema = resolve(root, schema);
    let at = if path.is_empty() { "value" } else { path };
    let mut errs = Vec::new();
    if !schema.is_object() {
        return errs;
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, v)) {
        errs.push(format!("{at} must be {}", types.join(" or ")));
        return errs;
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            errs.push(format!("{at} must be {c}"));
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            let list: Vec<String> = e.iter().map(Value::to_string).collect();
            errs.push(format!("{at} must be one of {}", list.join(", ")));
        }
    }
    if let Some(x) = v.as_f64() {
        let get = |k: &str| schema.get(k).and_then(Value::as_f64);
        if get("minimum").is_some_and(|m| x < m) || get("exclusiveMinimum").is_some_and(|m| x <= m)
        {
            errs.push(format!("{at} is below the minimum"));
        }
        if get("maximum").is_some_and(|m| x > m) || get("exclusiveMaximum").is_some_and(|m| x >= m)
        {
            errs.push(format!("{at} is above the maximum"));
        }
    }
    if let Some(s) = v.as_str() {
        let n = s.chars().count() as u64;
        if schema
            .get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| n < m)
        {
            errs.push(format!("{at} is shorter than {}", schema["minLength"]));
        }
        if schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| n > m)
        {
            errs.push(format!("{at} is longer than {}", schema["maxLength"]));
        }
    }
    if let Some(items) = v.as_array() {
        let n = items.len() as u64;
        if schema
            .get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| n < m)
        {
            errs.push(format!("{at} needs at least {} items", schema["minItems"]));
        }
        if schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| n > m)
        {
            errs.push(format!("{at} allows at most {} items", schema["maxItems"]));
        }
        match schema.get("items") {
            Some(Value::Array(tuple)) => {
                for (i, (s, item)) in tuple.iter().zip(items).enumerate() {
                    errs.extend(validate_in(root, s, item, &format!("{at}[{i}]")));
                }
            }
            Some(s) => {
                for (i, item) in items.iter().enumerate() {
                    errs.extend(validate_in(root, s, item, &format!("{at}[{i}]")));
                }
            }
            None => {}
        }
    }
    if let Some(obj) = v.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let missing = match obj.get(name) {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.is_empty(),
                Some(Value::Array(a)) => a.is_empty(),
                _ => false,
            };
            if missing {
                errs.push(format!("{} is required", join(path, name)));
            }
        }
        for (k, item) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => errs.extend(validate_in(root, s, item, &join(path, k))),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errs.push(format!("{} is not an allowed property", join(path, k)))
                    }
                    Some(s @ Value::Object(_)) => {
                        errs.extend(validate_in(root, s, item, &join(path, k)))
                    }
                    _ => {}
                },
            }
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            errs.extend(validate_in(root, s, v, path));
        }
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        if !any.iter().any(|s| validate_in(root, s, v, path).is_empty()) {
            errs.push(format!("{at} matches none of the allowed shapes"));
        }
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let n = one
            .iter()
            .filter(|s| validate_in(root, s, v, path).is_empty())
            .count();
        if n != 1 {
            errs.push(format!("{at} must match exactly one allowed shape"));
        }
    }
    errs
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_satisfy_their_schema() {
        let schema = json!({
            "type": "object",
            "properties": {
                "items": {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/item"}},
                "count": {"type": "integer", "minimum": 3, "maximum": 9},
                "ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.25},
                "mode": {"type": "string", "enum": ["fast", "slow"]},
                "when": {"type": "string", "format": "date-time"},
                "tag": {"type": ["null", "string"], "maxLength": 4},
                "flag": {"type": "boolean"},
                "kind": {"const": "todo"},
                "either": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                "optional": {"type": "string"}
            },
            "required": ["items", "count", "ratio", "mode", "when", "tag", "flag", "kind", "either"],
            "additionalProperties": false,
            "$defs": {"item": {"type": "object", "properties": {
                "title": {"type": "string", "minLength": 12},
                "priority": {"type": "string", "enum": ["low", "medium", "high"]}
            }, "required": ["title", "priority"], "additionalProperties": false}}
        });
        let v = generate(&schema, "buy milk");
        assert_eq!(validate(&schema, &v), Vec::<String>::new(), "{v}");
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        assert_eq!(v["items"][0]["priority"], "low");
        assert_eq!(v["items"][0]["title"], "buy milk....");
        assert_eq!(v["count"], 3);
        assert_eq!(v["mode"], "fast");
        assert_eq!(v["tag"], "buy ");
        assert!(v.get("optional").is_none());
    }

    #[test]
    fn validation_reports_each_problem() {
        let schema = json!({"type": "object", "required": ["prompt"], "additionalProperties": false,
            "properties": {"prompt": {"type": "string"}, "n": {"type": "integer", "maximum": 4}}});
        assert!(validate(&schema, &json!({"prompt": "x", "n": 2})).is_empty());
        let errs = validate(&schema, &json!({"prompt": "", "n": 5.5, "x": 1}));
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert_eq!(validate(&schema, &json!([])), vec!["value must be object"]);
    }
}
