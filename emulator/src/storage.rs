//! Object storage with presigned-style URLs, served by the emulator itself.
//!
//! A URL looks like `{base}/storage/{key}?method=PUT&expires=<unix s>&signature=<hex>`:
//! the signature is an HMAC over method, key and expiry, so a URL cannot be edited to reach
//! another object, and it stops working after `expires`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Mutex;

type HmacSha256 = Hmac<Sha256>;

/// One stored object.
#[derive(Debug, Clone)]
pub struct StoredObject {
    /// The bytes.
    pub bytes: axum::body::Bytes,
    /// Its MIME type.
    pub content_type: String,
}

/// In-memory object store keyed by path-like strings such as `P/startingImage`.
pub struct Storage {
    secret: [u8; 32],
    objects: Mutex<HashMap<String, StoredObject>>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.objects.lock().map(|o| o.len()).unwrap_or(0);
        write!(f, "Storage({n} objects)")
    }
}

/// Why a presigned URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// The signature does not match the key, method and expiry.
    #[error("signature does not match")]
    BadSignature,
    /// The URL's `expires` has passed.
    #[error("URL expired")]
    Expired,
}

impl Storage {
    /// An empty store whose URLs are signed with `secret`.
    pub fn new(secret: [u8; 32]) -> Self {
        Self {
            secret,
            objects: Mutex::new(HashMap::new()),
        }
    }

    fn signature(&self, method: &str, key: &str, expires: u64) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(format!("{method}\n{key}\n{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A URL (relative to the emulator's base URL) that allows `method` on `key` until `expires`.
    pub fn presign(&self, base: &str, method: &str, key: &str, expires: u64) -> String {
        let sig = self.signature(method, key, expires);
        format!("{base}/storage/{key}?method={method}&expires={expires}&signature={sig}")
    }

    /// Checks a presigned URL's parameters at time `now`.
    pub fn check(
        &self,
        method: &str,
        key: &str,
        expires: u64,
        signature: &str,
        now: u64,
    ) -> Result<(), UrlError> {
        let expected = self.signature(method, key, expires);
        if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            return Err(UrlError::BadSignature);
        }
        if expires < now {
            return Err(UrlError::Expired);
        }
        Ok(())
    }

    /// Stores (or replaces) an object.
    pub fn put(&self, key: &str, bytes: axum::body::Bytes, content_type: &str) {
        let object = StoredObject {
            bytes,
            content_type: content_type.to_string(),
        };
        self.objects.lock().unwrap().insert(key.to_string(), object);
    }

    /// Reads an object.
    pub fn get(&self, key: &str) -> Option<StoredObject> {
        self.objects.lock().unwrap().get(key).cloned()
    }

    /// Is there an object at `key`?
    pub fn contains(&self, key: &str) -> bool {
        self.objects.lock().unwrap().contains_key(key)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The storage key of an uploaded reference of project `project` in `slot` (and media `id`).
pub fn upload_key(project: &str, slot: &str, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("{}/upload/{slot}/{id}", project.to_uppercase()),
        None => format!("{}/upload/{slot}", project.to_uppercase()),
    }
}

/// The storage key of a job's result (`complete`) or latest preview (`preview`).
pub fn result_key(project: &str, job: &str, kind: &str) -> String {
    format!("{}/{}/{kind}", project.to_uppercase(), job.to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presigned_urls_check_signature_method_and_expiry() {
        let s = Storage::new([1; 32]);
        let url = s.presign("http://x", "GET", "P/J/complete", 100);
        let sig = url.rsplit("signature=").next().unwrap();
        assert_eq!(s.check("GET", "P/J/complete", 100, sig, 50), Ok(()));
        assert_eq!(
            s.check("GET", "P/J/complete", 100, sig, 101),
            Err(UrlError::Expired)
        );
        assert_eq!(
            s.check("PUT", "P/J/complete", 100, sig, 50),
            Err(UrlError::BadSignature)
        );
        assert_eq!(
            s.check("GET", "P/K/complete", 100, sig, 50),
            Err(UrlError::BadSignature)
        );
        assert_eq!(
            s.check("GET", "P/J/complete", 200, sig, 50),
            Err(UrlError::BadSignature)
        );
    }

    #[test]
    fn keys_are_case_insensitive_on_ids() {
        assert_eq!(
            upload_key("ab", "startingImage", None),
            "AB/upload/startingImage"
        );
        assert_eq!(result_key("ab", "cd", "preview"), "AB/CD/preview");
    }
}
