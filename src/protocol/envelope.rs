//! The socket frame envelope: `{"type": name, "data": base64(UTF-8 JSON payload)}`.
//!
//! Both directions use the same envelope. Clients send it as a text frame; servers send it
//! as a binary frame (browser clients read a `Blob`). `data` is standard base64 with `=`
//! padding of the UTF-8 bytes of the JSON payload.

use super::base64;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One decoded socket message: its `type` and its JSON payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The message or event name, e.g. `jobRequest`, `jobState`.
    pub kind: String,
    /// The decoded payload.
    pub data: Value,
}

/// Why a frame could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The frame is not a JSON object with a string `type`.
    #[error("frame is not a JSON envelope: {0}")]
    NotJson(String),
    /// The frame has no `data` field (or it is not a string).
    #[error("frame `{0}` has no base64 `data` field")]
    MissingData(String),
    /// `data` is not valid standard base64.
    #[error("frame `{0}` has invalid base64 in `data`")]
    BadBase64(String),
    /// `data` decodes to bytes that are not UTF-8 JSON.
    #[error("frame `{0}` has a `data` field that is not JSON: {1}")]
    BadPayload(String, String),
}

#[derive(Serialize)]
struct RawOut<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    data: String,
}

#[derive(Deserialize)]
struct RawIn {
    #[serde(rename = "type")]
    kind: String,
    data: Option<Value>,
}

impl Envelope {
    /// Builds an envelope from a name and a payload.
    pub fn new(kind: impl Into<String>, data: Value) -> Self {
        Self {
            kind: kind.into(),
            data,
        }
    }

    /// Encodes this envelope as the JSON text of one frame.
    pub fn encode(&self) -> String {
        encode(&self.kind, &self.data)
    }

    /// Decodes the text (or binary, as UTF-8 bytes) of one frame.
    pub fn decode(frame: &[u8]) -> Result<Self, EnvelopeError> {
        let raw: RawIn =
            serde_json::from_slice(frame).map_err(|e| EnvelopeError::NotJson(e.to_string()))?;
        let data = match raw.data {
            Some(Value::String(s)) => s,
            _ => return Err(EnvelopeError::MissingData(raw.kind)),
        };
        let bytes = base64::decode(data.as_bytes())
            .ok_or_else(|| EnvelopeError::BadBase64(raw.kind.clone()))?;
        let data = serde_json::from_slice(&bytes)
            .map_err(|e| EnvelopeError::BadPayload(raw.kind.clone(), e.to_string()))?;
        Ok(Self {
            kind: raw.kind,
            data,
        })
    }
}

/// Encodes a message name and a payload as the JSON text of one frame.
pub fn encode(kind: &str, data: &Value) -> String {
    // Serializing a `Value` cannot fail.
    let json = serde_json::to_vec(data).unwrap_or_default();
    let out = RawOut {
        kind,
        data: base64::encode(&json),
    };
    serde_json::to_string(&out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_the_documented_change_network_frame() {
        // A bare JSON string payload, as `changeNetwork` sends it.
        let text = encode("changeNetwork", &json!("relaxed"));
        assert_eq!(text, r#"{"type":"changeNetwork","data":"InJlbGF4ZWQi"}"#);
    }

    #[test]
    fn round_trips_unicode_payloads() {
        let env = Envelope::new("jobTokens", json!({"jobID": "A", "content": "héllo ✓ 🎨"}));
        let back = Envelope::decode(env.encode().as_bytes()).unwrap();
        assert_eq!(back, env);
    }

    #[test]
    fn rejects_each_kind_of_malformed_frame() {
        assert!(matches!(
            Envelope::decode(b"not json"),
            Err(EnvelopeError::NotJson(_))
        ));
        assert!(matches!(
            Envelope::decode(br#"{"data":"e30="}"#),
            Err(EnvelopeError::NotJson(_))
        ));
        assert_eq!(
            Envelope::decode(br#"{"type":"x"}"#),
            Err(EnvelopeError::MissingData("x".into()))
        );
        assert_eq!(
            Envelope::decode(br#"{"type":"x","data":"!!!"}"#),
            Err(EnvelopeError::BadBase64("x".into()))
        );
        // base64 of `{oops`
        assert!(matches!(
            Envelope::decode(br#"{"type":"x","data":"e29vcHM="}"#),
            Err(EnvelopeError::BadPayload(..))
        ));
    }
}
