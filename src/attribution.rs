//! Workload attribution (5.54 `SogniClientConfig.attribution`): how a caller reaches Sogni
//! (connection attribution, sent on the socket URL) and how each workload was initiated
//! (workload attribution, flat wire fields of a `jobRequest`). Invalid values are dropped,
//! never refused, as the official client does: attribution must not fail a render.

use serde_json::{Map, Value};

const MAX_METADATA_LENGTH: usize = 128;
const MAX_VERSION_LENGTH: usize = 32;
const MAX_OPERATION_ID_LENGTH: usize = 128;

const INTERACTION_KINDS: &[&str] = &["human_ui", "external_agent", "service", "unknown"];
const WORKLOAD_KINDS: &[&str] = &["direct", "agent_mediated", "service", "unknown"];
const OPERATION_SCOPES: &[&str] = &["top_level", "child", "unknown"];
const AGENT_SURFACES: &[&str] = &[
    "native_web",
    "native_mobile",
    "native_desktop",
    "plugin",
    "personal_skill",
    "mcp",
    "cli",
    "sdk",
    "openai_compatible",
    "direct_api",
    "unknown",
];
const EXECUTION_MODES: &[&str] = &["browser", "durable", "server", "unknown"];

/// The connection fields, in the order they go on the socket URL.
pub const CONNECTION_FIELDS: [&str; 6] = [
    "interactionKind",
    "agentFramework",
    "agentFrameworkVersion",
    "agentSurface",
    "agentSurfaceVersion",
    "executionMode",
];

/// The workload fields, in the order they go on a request.
pub const WORKLOAD_FIELDS: [&str; 10] = [
    "workloadKind",
    "agentFramework",
    "agentFrameworkVersion",
    "agentSurface",
    "agentSurfaceVersion",
    "executionMode",
    "operationScope",
    "operationId",
    "rootOperationId",
    "parentOperationId",
];

fn unsafe_char(c: char) -> bool {
    (c as u32) < 0x20 || c as u32 == 0x7f
}

fn one_of(v: Option<&Value>, allowed: &[&str]) -> Option<String> {
    let s = v?.as_str()?.trim();
    allowed.contains(&s).then(|| s.to_string())
}

fn bounded(v: Option<&Value>, max: usize) -> Option<String> {
    let s = v?.as_str()?.trim();
    let n = s.encode_utf16().count();
    (n > 0 && n <= max && !s.chars().any(unsafe_char)).then(|| s.to_string())
}

fn version(v: Option<&Value>) -> Option<String> {
    let s = bounded(v, MAX_VERSION_LENGTH)?;
    let mut chars = s.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_alphanumeric() || ".+_-".contains(c));
    ok.then_some(s)
}

fn operation_id(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?;
    let n = s.encode_utf16().count();
    let mut chars = s.chars();
    let ok = n > 0
        && n <= MAX_OPERATION_ID_LENGTH
        && s.trim() == s
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "._:-".contains(c));
    ok.then(|| s.to_string())
}

fn agent_metadata(input: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            out.insert(k.into(), Value::String(v));
        }
    };
    put(
        "agentFramework",
        bounded(input.get("agentFramework"), MAX_METADATA_LENGTH),
    );
    put(
        "agentFrameworkVersion",
        version(input.get("agentFrameworkVersion")),
    );
    put(
        "agentSurface",
        one_of(input.get("agentSurface"), AGENT_SURFACES),
    );
    put(
        "agentSurfaceVersion",
        version(input.get("agentSurfaceVersion")),
    );
    put(
        "executionMode",
        one_of(input.get("executionMode"), EXECUTION_MODES),
    );
    out
}

/// The connection attribution as the client keeps it: the valid fields of `input`
/// (`interactionKind` and the agent metadata), `None` when there is none.
pub fn normalize_connection(input: &Value) -> Option<Value> {
    let input = input.as_object()?;
    let mut out = agent_metadata(input);
    if let Some(kind) = one_of(input.get("interactionKind"), INTERACTION_KINDS) {
        out.insert("interactionKind".into(), Value::String(kind));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// `apiClient.attribution` of a config's `attribution`: `{connection?, workload?}` with the
/// connection normalized and the workload defaults kept as given (both frozen by the
/// caller).
pub fn client_attribution(config: Option<&Value>) -> Value {
    let mut out = Map::new();
    if let Some(c) = config
        .and_then(|c| c.get("connection"))
        .and_then(normalize_connection)
    {
        out.insert("connection".into(), c);
    }
    if let Some(w) = config
        .and_then(|c| c.get("workload"))
        .filter(|w| w.is_object())
    {
        out.insert("workload".into(), w.clone());
    }
    Value::Object(out)
}

/// Merges the client's workload defaults with one operation's overrides (a version is
/// dropped with the framework or surface it belonged to), normalizes the result and adds
/// lineage: `fallback_operation_id` (the request's own ID) when no operation ID was given,
/// the scope it implies, and root/parent IDs. `None` when nothing valid remains.
pub fn resolve_workload(
    defaults: Option<&Value>,
    overrides: Option<&Value>,
    fallback_operation_id: Option<&str>,
) -> Option<Value> {
    let defaults = defaults.and_then(Value::as_object);
    let overrides = overrides.and_then(Value::as_object);
    if defaults.is_none() && overrides.is_none() {
        return None;
    }
    let mut merged = defaults.cloned().unwrap_or_default();
    if let Some(o) = overrides {
        for (k, v) in o {
            if !v.is_null() {
                merged.insert(k.clone(), v.clone());
            }
        }
        let default = |k: &str| defaults.and_then(|d| d.get(k));
        for (identity, version) in [
            ("agentFramework", "agentFrameworkVersion"),
            ("agentSurface", "agentSurfaceVersion"),
        ] {
            let changed = o.get(identity).is_some_and(|v| !v.is_null())
                && o.get(identity) != default(identity);
            if changed && o.get(version).is_none_or(Value::is_null) {
                merged.remove(version);
            }
        }
    }
    let mut out = agent_metadata(&merged);
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            out.insert(k.into(), Value::String(v));
        }
    };
    put(
        "workloadKind",
        one_of(merged.get("workloadKind"), WORKLOAD_KINDS),
    );
    put(
        "operationScope",
        one_of(merged.get("operationScope"), OPERATION_SCOPES),
    );
    put("operationId", operation_id(merged.get("operationId")));
    put(
        "rootOperationId",
        operation_id(merged.get("rootOperationId")),
    );
    put(
        "parentOperationId",
        operation_id(merged.get("parentOperationId")),
    );
    let kind = out.get("workloadKind").and_then(Value::as_str);
    if kind.is_some_and(|k| k != "agent_mediated") {
        out.remove("agentFramework");
        out.remove("agentFrameworkVersion");
    }
    if out.is_empty() {
        return None;
    }
    if !out.contains_key("operationId") {
        if let Some(id) = operation_id(fallback_operation_id.map(Value::from).as_ref()) {
            out.insert("operationId".into(), Value::String(id));
        }
    }
    let get =
        |out: &Map<String, Value>, k: &str| out.get(k).and_then(Value::as_str).map(str::to_string);
    if out.contains_key("operationId") && !out.contains_key("operationScope") {
        let child = out.contains_key("parentOperationId")
            || get(&out, "rootOperationId").is_some_and(|r| Some(r) != get(&out, "operationId"));
        let scope = if child { "child" } else { "top_level" };
        out.insert("operationScope".into(), Value::from(scope));
    }
    let scope = get(&out, "operationScope");
    if scope.as_deref() == Some("child") && !out.contains_key("parentOperationId") {
        if let Some(root) = get(&out, "rootOperationId") {
            out.insert("parentOperationId".into(), Value::String(root));
        }
    }
    if scope.as_deref() == Some("top_level") {
        if let Some(id) = get(&out, "operationId") {
            out.insert("rootOperationId".into(), Value::String(id));
            out.remove("parentOperationId");
        }
    }
    Some(Value::Object(out))
}

/// The string fields of `attribution` named in `fields`, in that order.
pub fn flat_fields(attribution: Option<&Value>, fields: &[&str]) -> Vec<(String, String)> {
    let Some(a) = attribution else {
        return Vec::new();
    };
    fields
        .iter()
        .filter_map(|f| Some((f.to_string(), a.get(*f)?.as_str()?.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn connection_keeps_only_valid_fields() {
        let c = normalize_connection(&json!({
            "interactionKind": " external_agent ", "agentFramework": "codex",
            "agentFrameworkVersion": "v1", "agentSurface": "cli", "agentSurfaceVersion": "2.0.1",
            "executionMode": "teleport"
        }))
        .unwrap();
        assert_eq!(
            c,
            json!({"interactionKind": "external_agent", "agentFramework": "codex",
                   "agentSurface": "cli", "agentSurfaceVersion": "2.0.1"})
        );
        assert_eq!(
            normalize_connection(&json!({"interactionKind": "robot"})),
            None
        );
        assert_eq!(normalize_connection(&json!("x")), None);
        assert_eq!(
            flat_fields(Some(&c), &CONNECTION_FIELDS)[0],
            ("interactionKind".to_string(), "external_agent".to_string())
        );
    }

    #[test]
    fn client_attribution_copies_workload_defaults() {
        let a = client_attribution(Some(&json!({
            "connection": {"interactionKind": "human_ui"},
            "workload": {"workloadKind": "direct", "custom": 1}
        })));
        assert_eq!(
            a,
            json!({"connection": {"interactionKind": "human_ui"},
                   "workload": {"workloadKind": "direct", "custom": 1}})
        );
        assert_eq!(client_attribution(None), json!({}));
    }

    #[test]
    fn workload_lineage() {
        let defaults = json!({"workloadKind": "agent_mediated", "agentFramework": "codex",
                              "agentFrameworkVersion": "1.2", "agentSurface": "mcp"});
        let w = resolve_workload(Some(&defaults), None, Some("PROJ-1")).unwrap();
        assert_eq!(
            w,
            json!({"workloadKind": "agent_mediated", "agentFramework": "codex",
                   "agentFrameworkVersion": "1.2", "agentSurface": "mcp",
                   "operationId": "PROJ-1", "operationScope": "top_level",
                   "rootOperationId": "PROJ-1"})
        );
        // A different framework drops the default's version; a root implies a child.
        let o = json!({"agentFramework": "claude-code", "rootOperationId": "root-9"});
        let w = resolve_workload(Some(&defaults), Some(&o), Some("P2")).unwrap();
        assert_eq!(w.get("agentFrameworkVersion"), None);
        assert_eq!(w["operationScope"], "child");
        assert_eq!(w["parentOperationId"], "root-9");
        // Non-agent workloads carry no framework.
        let w = resolve_workload(
            Some(&json!({"workloadKind": "service", "agentFramework": "x"})),
            None,
            None,
        )
        .unwrap();
        assert_eq!(w, json!({"workloadKind": "service"}));
        // Nothing valid: nothing at all, even with a request ID.
        assert_eq!(
            resolve_workload(Some(&json!({"workloadKind": "?"})), None, Some("P")),
            None
        );
        assert_eq!(resolve_workload(None, None, Some("P")), None);
        assert_eq!(
            resolve_workload(
                None,
                Some(&json!({"workloadKind": "direct", "operationId": " bad"})),
                Some("bad id")
            )
            .unwrap(),
            json!({"workloadKind": "direct"})
        );
        let w = resolve_workload(
            None,
            Some(&json!({"workloadKind": "direct"})),
            Some("ABC-1"),
        )
        .unwrap();
        assert_eq!(
            flat_fields(Some(&w), &WORKLOAD_FIELDS),
            vec![
                ("workloadKind".to_string(), "direct".to_string()),
                ("operationScope".to_string(), "top_level".to_string()),
                ("operationId".to_string(), "ABC-1".to_string()),
                ("rootOperationId".to_string(), "ABC-1".to_string()),
            ]
        );
    }
}
