//! Vision inputs: the checks the official SDK makes on every `image_url` content part
//! before a chat request leaves the client (`normalizeVisionMessages` in `Chat/index.ts`
//! and `lib/mediaValidation.ts`), with the official messages.
//!
//! An image URL must be either an inline `data:image/{jpeg,jpg,png};base64,…` URI with
//! canonical base64, magic bytes matching the declared type, at most 10 MiB decoded and a
//! longest side of at most 1024 px (read from the PNG IHDR or the JPEG SOF marker), or an
//! HTTPS URL on a trusted Sogni/S3/CloudFront host, which the client fetches and inlines
//! itself. At most 20 images per request.
//!
//! Fetching is the wasm layer's job. The flow is:
//! 1. [`remote_images_to_fetch`] runs every synchronous check and lists the trusted URLs;
//! 2. the wasm layer fetches each (failing with [`remote_fetch_failed`] /
//!    [`image_byte_limit_exceeded`]) and turns the bytes into a data URI with
//!    [`remote_image_data_uri`];
//! 3. [`normalize_vision_messages`] (called by the request builders) substitutes them.

use std::collections::BTreeMap;

use crate::protocol::base64;
use serde_json::{Map, Value};

use super::js;
use crate::{Error, Result};

/// Most `image_url` parts one request may carry, across all messages.
pub const MAX_VISION_IMAGE_COUNT: usize = 20;
/// Largest decoded vision image, in bytes (10 MiB).
pub const MAX_VISION_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Longest side a vision image may have, in pixels.
pub const MAX_VISION_IMAGE_LONGEST_SIDE: u32 = 1024;
const ALLOWED_IMAGE_TYPES: &str = "image/jpeg, image/jpg, image/png";

/// Trusted remote URL (trimmed, as written in the message) → the data URI it was inlined as.
pub type RemoteImages = BTreeMap<String, String>;

/// An image container the vision path accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (`89 50 4E 47 0D 0A 1A 0A`).
    Png,
}

impl ImageFormat {
    /// The MIME type the official SDK names a sniffed image with.
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    fn from_mime(mime: &str) -> Option<Self> {
        match mime {
            "image/jpeg" | "image/jpg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            _ => None,
        }
    }
}

/// Pixel size of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageDimensions {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// A validated inline image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    /// The declared MIME type, lower-cased (`image/jpg` stays `image/jpg`).
    pub mime_type: String,
    /// Size of the decoded bytes.
    pub byte_length: usize,
    /// Size read from the header.
    pub dimensions: ImageDimensions,
}

/// Limits applied by [`parse_inline_image_data_uri`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImageLimits {
    /// Largest decoded size in bytes.
    pub max_bytes: Option<usize>,
    /// Largest width or height in pixels.
    pub max_longest_side: Option<u32>,
}

/// The vision path's limits: 10 MiB and 1024 px.
pub const VISION_LIMITS: ImageLimits = ImageLimits {
    max_bytes: Some(MAX_VISION_IMAGE_BYTES),
    max_longest_side: Some(MAX_VISION_IMAGE_LONGEST_SIDE),
};

fn invalid(code: &'static str, message: impl Into<String>) -> Error {
    Error::invalid(code, message)
}

/// The format named by the file signature, if it is PNG or JPEG.
pub fn detect_image_format(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(ImageFormat::Jpeg)
    } else {
        None
    }
}

/// Width and height from a PNG's IHDR chunk. Like the official reader, the values are
/// read as signed 32-bit, so a size with the top bit set (or zero) reads as unknown.
pub fn png_dimensions(bytes: &[u8]) -> Option<ImageDimensions> {
    if bytes.len() < 24 || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let width = i32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let height = i32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    (width > 0 && height > 0).then_some(ImageDimensions {
        width: width as u32,
        height: height as u32,
    })
}

/// Width and height from a JPEG's first start-of-frame marker (SOF0–SOF15 except DHT,
/// JPG and DAC), walking the segments the way the official reader does.
pub fn jpeg_dimensions(bytes: &[u8]) -> Option<ImageDimensions> {
    let len = bytes.len();
    let mut offset = 2;
    while offset + 1 < len {
        while offset < len && bytes[offset] != 0xff {
            offset += 1;
        }
        while offset < len && bytes[offset] == 0xff {
            offset += 1;
        }
        if offset >= len {
            break;
        }
        let marker = bytes[offset];
        offset += 1;
        if matches!(marker, 0xd8 | 0xd9 | 0xd0..=0xd7 | 0x01) {
            continue;
        }
        if offset + 1 >= len {
            break;
        }
        let segment = (usize::from(bytes[offset]) << 8) | usize::from(bytes[offset + 1]);
        if segment < 2 || offset + segment > len {
            break;
        }
        if (0xc0..=0xcf).contains(&marker) && !matches!(marker, 0xc4 | 0xc8 | 0xcc) {
            if offset + 6 >= len {
                break;
            }
            let height = (u32::from(bytes[offset + 3]) << 8) | u32::from(bytes[offset + 4]);
            let width = (u32::from(bytes[offset + 5]) << 8) | u32::from(bytes[offset + 6]);
            return (width > 0 && height > 0).then_some(ImageDimensions { width, height });
        }
        offset += segment;
    }
    None
}

/// Format and size of PNG or JPEG bytes, when both can be read. The wasm layer uses this
/// to decide whether a Blob needs downscaling before it becomes a data URI.
pub fn image_dimensions(bytes: &[u8]) -> Option<(ImageFormat, ImageDimensions)> {
    let format = detect_image_format(bytes)?;
    let dims = match format {
        ImageFormat::Png => png_dimensions(bytes),
        ImageFormat::Jpeg => jpeg_dimensions(bytes),
    }?;
    Some((format, dims))
}

/// Decodes base64 the strict way the official SDK does: whitespace is ignored, padding is
/// optional, and anything that does not re-encode to the same text is rejected.
pub fn decode_strict_base64(text: &str) -> Result<Vec<u8>> {
    let bad = || invalid("INVALID_BASE64", "Invalid base64 payload");
    let sanitized: String = text.chars().filter(|c| !js::is_js_whitespace(*c)).collect();
    let body = sanitized.trim_end_matches('=');
    if sanitized.len() - body.len() > 2
        || !body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    {
        return Err(bad());
    }
    let padded = match sanitized.len() % 4 {
        0 => sanitized,
        1 => return Err(bad()),
        r => format!("{sanitized}{}", "=".repeat(4 - r)),
    };
    // The strict decode accepts exactly the canonical encodings, which is what the
    // official decode-then-re-encode comparison accepts.
    match base64::decode(padded.as_bytes()) {
        Some(bytes) if !bytes.is_empty() => Ok(bytes),
        _ => Err(bad()),
    }
}

/// `^data:([^;,]+);base64,([A-Za-z0-9+/=\s]+)$` (case-insensitive) → (MIME, base64).
fn split_data_uri(trimmed: &str) -> Option<(&str, &str)> {
    let prefix = trimmed.get(..5)?;
    if !prefix.eq_ignore_ascii_case("data:") {
        return None;
    }
    let rest = &trimmed[5..];
    let end = rest.find([';', ','])?;
    if end == 0 || !rest[end..].starts_with(';') {
        return None;
    }
    let mime = &rest[..end];
    let after = &rest[end + 1..];
    let marker = after.get(..7)?;
    if !marker.eq_ignore_ascii_case("base64,") {
        return None;
    }
    let body = &after[7..];
    let ok = !body.is_empty()
        && body.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=') || js::is_js_whitespace(c)
        });
    ok.then_some((mime, body))
}

/// The error for an image that is not an inline data URI.
fn not_inline() -> Error {
    invalid(
        "UNSUPPORTED_IMAGE_URL",
        "Only inline base64-encoded data URIs are supported for image inputs; remote URLs are not allowed",
    )
}

/// `image input exceeds 10MB limit` (the byte cap, as the official message rounds it).
pub fn image_byte_limit_exceeded(max_bytes: usize) -> Error {
    let mb = (max_bytes as f64 / (1024.0 * 1024.0)).round();
    invalid(
        "IMAGE_TOO_LARGE",
        format!(
            "image input exceeds {}MB limit",
            js::to_string(&Value::from(mb))
        ),
    )
}

/// Validates an inline image data URI (`parseInlineMediaDataUri` for images): shape,
/// canonical base64, size, declared type, magic bytes, readable dimensions, longest side —
/// in that order, with the official messages.
pub fn parse_inline_image_data_uri(input: &str, limits: ImageLimits) -> Result<InlineImage> {
    let (mime, body) = split_data_uri(js::trim(input)).ok_or_else(not_inline)?;
    let mime = mime.to_lowercase();
    let bytes = decode_strict_base64(body)?;
    if let Some(max) = limits.max_bytes {
        if bytes.len() > max {
            return Err(image_byte_limit_exceeded(max));
        }
    }
    let expected = ImageFormat::from_mime(&mime).ok_or_else(|| {
        invalid(
            "UNSUPPORTED_IMAGE_TYPE",
            format!(
                "Unsupported inline image MIME type {mime}. Allowed types: {ALLOWED_IMAGE_TYPES}"
            ),
        )
    })?;
    if detect_image_format(&bytes) != Some(expected) {
        return Err(invalid(
            "IMAGE_TYPE_MISMATCH",
            format!("Inline image data does not match declared MIME type {mime}"),
        ));
    }
    let (_, dimensions) = image_dimensions(&bytes).ok_or_else(|| {
        invalid(
            "INVALID_IMAGE",
            "Unable to determine inline image dimensions",
        )
    })?;
    if let Some(max) = limits.max_longest_side {
        if dimensions.width.max(dimensions.height) > max {
            return Err(invalid(
                "IMAGE_DIMENSIONS_TOO_LARGE",
                format!("Inline image exceeds maximum dimensions of {max}px on its longest side"),
            ));
        }
    }
    Ok(InlineImage {
        mime_type: mime,
        byte_length: bytes.len(),
        dimensions,
    })
}

/// Is `url` (after trimming) an HTTPS URL on a host the official SDK fetches media from
/// (`cdn.sogni.ai`, `*.sogni.ai`, S3 bucket and regional hosts, `*.cloudfront.net`), with
/// no user info?
///
/// The URL is read the way the WHATWG parser reads a special URL's authority (any run of
/// `/` or `\` after the scheme, authority up to `/`, `\`, `?` or `#`, user info up to the
/// last `@`, a numeric port); international host names are not converted to punycode.
pub fn is_trusted_remote_media_url(url: &str) -> bool {
    trusted_host(js::trim(url)).is_some()
}

fn trusted_host(url: &str) -> Option<String> {
    let url = url.trim_matches(|c: char| c <= ' ');
    let colon = url.find(':')?;
    if !url[..colon].eq_ignore_ascii_case("https") {
        return None;
    }
    let rest = url[colon + 1..].trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = match authority.rfind('@') {
        Some(at) => {
            if at > 0 && authority[..at] != *":" {
                return None; // a username or password
            }
            &authority[at + 1..]
        }
        None => authority,
    };
    let host = match host_port.rfind(':') {
        Some(i) if !host_port.contains(']') || i > host_port.rfind(']').unwrap_or(0) => {
            if !host_port[i + 1..].bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            &host_port[..i]
        }
        _ => host_port,
    };
    let host = host.to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    is_trusted_host(&host).then_some(host)
}

fn is_trusted_host(host: &str) -> bool {
    let charset = |s: &str, dots: bool| {
        !s.is_empty()
            && s.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || (dots && b == b'.')
            })
    };
    if host == "cdn.sogni.ai"
        || host.ends_with(".sogni.ai")
        || host == "complete-images-production.s3.amazonaws.com"
        || host.ends_with(".cloudfront.net")
    {
        return true;
    }
    if let Some(prefix) = host.strip_suffix(".s3.amazonaws.com") {
        if charset(prefix, true) {
            return true;
        }
    }
    if let Some(rest) = host.strip_suffix(".amazonaws.com") {
        if let Some(region) = rest.strip_prefix("s3.") {
            if charset(region, false) {
                return true;
            }
        }
        if let Some(dot) = rest.rfind('.') {
            let (before, region) = (&rest[..dot], &rest[dot + 1..]);
            if let Some(bucket) = before.strip_suffix(".s3") {
                if charset(bucket, true) && charset(region, false) {
                    return true;
                }
            }
        }
    }
    false
}

/// `Remote image input fetch failed with HTTP <status>` (a non-2xx answer).
pub fn remote_fetch_failed(status: u16) -> Error {
    invalid(
        "REMOTE_IMAGE_FETCH_FAILED",
        format!("Remote image input fetch failed with HTTP {status}"),
    )
}

/// Turns fetched bytes into the data URI the official SDK inlines: the MIME type comes
/// from `content-type` when it is an allowed image type (parameters dropped, lower-cased),
/// else from the file signature; the result passes the vision checks.
pub fn remote_image_data_uri(content_type: Option<&str>, bytes: &[u8]) -> Result<String> {
    if bytes.len() > MAX_VISION_IMAGE_BYTES {
        return Err(image_byte_limit_exceeded(MAX_VISION_IMAGE_BYTES));
    }
    let declared = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| js::trim(c).to_lowercase())
        .unwrap_or_default();
    let mime = if ImageFormat::from_mime(&declared).is_some() {
        declared
    } else {
        detect_image_format(bytes)
            .map(|f| f.mime_type().to_string())
            .ok_or_else(|| {
                invalid(
                    "UNSUPPORTED_IMAGE_TYPE",
                    format!(
                        "Remote image input is not a supported format. Allowed types: {ALLOWED_IMAGE_TYPES}"
                    ),
                )
            })?
    };
    let uri = format!("data:{mime};base64,{}", base64::encode(bytes));
    parse_inline_image_data_uri(&uri, VISION_LIMITS)?;
    Ok(uri)
}

/// What to do with one image URL.
enum ImageSource {
    Inline(String),
    Remote(String),
}

/// Walks the messages like `normalizeVisionMessages` and returns either the first error
/// the official promise chain would reject with, or every image part's source.
///
/// The official checks run concurrently; which failure wins is decided by how early each
/// rejects. A `null` message fails first, then a part-level failure (a `null` part, an
/// `image_url` part without `image_url`, the 21st image), then a URL check, each kind in
/// message/part order.
fn walk(messages: &Value) -> Result<Vec<ImageSource>> {
    let list = messages
        .as_array()
        .ok_or_else(|| invalid("INVALID_CHAT_PARAMS", "messages must be an array"))?;
    let mut first: [Option<Error>; 3] = [None, None, None];
    let mut note = |rank: usize, e: Error| {
        if first[rank].is_none() {
            first[rank] = Some(e);
        }
    };
    let mut count = 0;
    let mut sources = Vec::new();
    for (i, msg) in list.iter().enumerate() {
        let Some(content) = (match msg {
            Value::Null => {
                note(
                    0,
                    invalid(
                        "INVALID_CHAT_PARAMS",
                        format!("messages[{i}] must be an object"),
                    ),
                );
                continue;
            }
            Value::Object(m) => m.get("content").and_then(Value::as_array),
            _ => None,
        }) else {
            continue;
        };
        for (j, part) in content.iter().enumerate() {
            let part = match part {
                Value::Null => {
                    note(
                        1,
                        invalid(
                            "INVALID_CHAT_PARAMS",
                            format!("messages[{i}].content[{j}] must be an object"),
                        ),
                    );
                    continue;
                }
                Value::Object(p) if p.get("type").and_then(Value::as_str) == Some("image_url") => p,
                _ => continue,
            };
            count += 1;
            if count > MAX_VISION_IMAGE_COUNT {
                note(
                    1,
                    invalid(
                        "TOO_MANY_IMAGES",
                        format!("A maximum of {MAX_VISION_IMAGE_COUNT} vision images is allowed per request"),
                    ),
                );
                continue;
            }
            let url = match part.get("image_url") {
                None | Some(Value::Null) => {
                    note(
                        1,
                        invalid(
                            "INVALID_CHAT_PARAMS",
                            format!("messages[{i}].content[{j}].image_url must be an object"),
                        ),
                    );
                    continue;
                }
                Some(image_url) => image_url.get("url"),
            };
            let Some(url) = url.and_then(Value::as_str) else {
                note(
                    2,
                    invalid(
                        "INVALID_CHAT_PARAMS",
                        format!("messages[{i}].content[{j}].image_url.url must be a string"),
                    ),
                );
                continue;
            };
            let trimmed = js::trim(url);
            if trusted_host(trimmed).is_some() {
                sources.push(ImageSource::Remote(trimmed.to_string()));
                continue;
            }
            match parse_inline_image_data_uri(trimmed, VISION_LIMITS) {
                Ok(_) => sources.push(ImageSource::Inline(trimmed.to_string())),
                Err(e) => note(2, e),
            }
        }
    }
    match first.into_iter().flatten().next() {
        Some(e) => Err(e),
        None => Ok(sources),
    }
}

/// Runs every synchronous vision check on `messages` and lists the trusted remote image
/// URLs (trimmed, in order, duplicates kept once) the caller must fetch and inline with
/// [`remote_image_data_uri`] before building the request.
pub fn remote_images_to_fetch(messages: &Value) -> Result<Vec<String>> {
    let mut urls: Vec<String> = Vec::new();
    for source in walk(messages)? {
        if let ImageSource::Remote(url) = source {
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
    }
    Ok(urls)
}

/// `normalizeVisionMessages`: checks every `image_url` part and returns the messages as
/// the official SDK sends them. Messages whose `content` is not an array, and parts that
/// are not `image_url` parts, pass through untouched; each image part becomes
/// `{type:'image_url', image_url:{url, detail?}}` with the URL trimmed (or inlined, for a
/// trusted remote URL found in `remote`) and `detail` kept only when truthy — any other key
/// of the part is dropped.
pub fn normalize_vision_messages(messages: &Value, remote: &RemoteImages) -> Result<Value> {
    let mut sources = walk(messages)?.into_iter();
    let mut out = Vec::new();
    for msg in messages.as_array().into_iter().flatten() {
        let Some(content) = msg.get("content").and_then(Value::as_array) else {
            out.push(msg.clone());
            continue;
        };
        let mut parts = Vec::with_capacity(content.len());
        for part in content {
            if part.get("type").and_then(Value::as_str) != Some("image_url") {
                parts.push(part.clone());
                continue;
            }
            let url = match sources.next() {
                Some(ImageSource::Inline(url)) => url,
                Some(ImageSource::Remote(url)) => remote.get(&url).cloned().ok_or_else(|| {
                    invalid(
                        "REMOTE_IMAGE_NOT_FETCHED",
                        format!("Remote image {url} was not fetched before building the request"),
                    )
                })?,
                None => unreachable!("walk() listed every image part"),
            };
            let mut image_url = Map::new();
            image_url.insert("url".into(), Value::String(url));
            if let Some(detail) = part["image_url"].get("detail").filter(|d| js::truthy(d)) {
                image_url.insert("detail".into(), detail.clone());
            }
            let mut p = Map::new();
            p.insert("type".into(), Value::from("image_url"));
            p.insert("image_url".into(), Value::Object(image_url));
            parts.push(Value::Object(p));
        }
        let mut m = msg.as_object().cloned().unwrap_or_default();
        m.insert("content".into(), Value::Array(parts));
        out.push(Value::Object(m));
    }
    Ok(Value::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = vec![0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0, 1, 2, 3, 4]);
        b
    }

    fn uri(mime: &str, bytes: &[u8]) -> String {
        format!("data:{mime};base64,{}", base64::encode(bytes))
    }

    #[test]
    fn reads_png_and_jpeg_sizes() {
        assert_eq!(
            image_dimensions(&png(640, 480)),
            Some((
                ImageFormat::Png,
                ImageDimensions {
                    width: 640,
                    height: 480
                }
            ))
        );
        assert_eq!(png_dimensions(&png(0x8000_0000, 4)), None);
        let jpeg = [
            0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2, 0xff, 0xc2, 0, 11, 8, 0x01, 0x00, 0x02, 0x00, 3, 0,
            0, 0xff, 0xd9,
        ];
        assert_eq!(
            image_dimensions(&jpeg),
            Some((
                ImageFormat::Jpeg,
                ImageDimensions {
                    width: 512,
                    height: 256
                }
            ))
        );
        assert_eq!(jpeg_dimensions(&[0xff, 0xd8, 0xff, 0xc0, 0, 17]), None);
        assert_eq!(image_dimensions(b"GIF89a"), None);
    }

    #[test]
    fn strict_base64() {
        assert_eq!(decode_strict_base64("QQ==").unwrap(), b"A");
        assert_eq!(decode_strict_base64("QQ").unwrap(), b"A");
        assert_eq!(decode_strict_base64(" Q\nQ = = ").unwrap(), b"A");
        for bad in ["QR==", "Q", "====", "==", "QQ=A", "Q===", "QQ?="] {
            assert!(decode_strict_base64(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn data_uri_checks_in_official_order() {
        let ok =
            parse_inline_image_data_uri(&uri("image/png", &png(10, 20)), VISION_LIMITS).unwrap();
        assert_eq!(
            ok.dimensions,
            ImageDimensions {
                width: 10,
                height: 20
            }
        );
        let err = |s: &str| {
            parse_inline_image_data_uri(s, VISION_LIMITS)
                .unwrap_err()
                .code()
        };
        assert_eq!(err("https://example.com/x.png"), "UNSUPPORTED_IMAGE_URL");
        assert_eq!(err("data:image/png;base64,QR=="), "INVALID_BASE64");
        assert_eq!(err(&uri("image/gif", &png(1, 1))), "UNSUPPORTED_IMAGE_TYPE");
        assert_eq!(err(&uri("image/jpeg", &png(1, 1))), "IMAGE_TYPE_MISMATCH");
        assert_eq!(
            err(&uri("image/png", &png(1025, 1))),
            "IMAGE_DIMENSIONS_TOO_LARGE"
        );
        let mut big = png(1, 1);
        big.resize(MAX_VISION_IMAGE_BYTES + 1, 0);
        // The size check comes before the type check.
        assert_eq!(err(&uri("image/gif", &big)), "IMAGE_TOO_LARGE");
        assert_eq!(
            image_byte_limit_exceeded(MAX_VISION_IMAGE_BYTES).to_string(),
            "image input exceeds 10MB limit"
        );
    }

    #[test]
    fn trusted_hosts() {
        for url in [
            "https://cdn.sogni.ai/a.png",
            " HTTPS://Media.Sogni.AI:443/x ",
            "https://bucket.s3.amazonaws.com/k",
            "https://b.s3.eu-west-1.amazonaws.com/k",
            "https://s3.us-east-2.amazonaws.com/b/k",
            "https://d111.cloudfront.net/x",
            "https:cdn.sogni.ai/x",
            "https://@cdn.sogni.ai/x",
        ] {
            assert!(is_trusted_remote_media_url(url), "{url}");
        }
        for url in [
            "http://cdn.sogni.ai/a.png",
            "https://user:pw@cdn.sogni.ai/",
            "https://cdn.sogni.ai.evil.com/",
            "https://sogni.ai/x",
            "https://s3.amazonaws.com/x",
            "https://cdn.sogni.ai:abc/",
            "data:image/png;base64,AAAA",
            "",
        ] {
            assert!(!is_trusted_remote_media_url(url), "{url}");
        }
    }

    #[test]
    fn remote_bytes_become_data_uris() {
        let p = png(8, 8);
        assert_eq!(
            remote_image_data_uri(Some("IMAGE/JPG; q=1"), &p)
                .unwrap_err()
                .code(),
            "IMAGE_TYPE_MISMATCH"
        );
        assert!(remote_image_data_uri(Some("text/html"), &p)
            .unwrap()
            .starts_with("data:image/png;base64,"));
        assert_eq!(
            remote_image_data_uri(None, b"RIFF....WEBP").unwrap_err().to_string(),
            "Remote image input is not a supported format. Allowed types: image/jpeg, image/jpg, image/png"
        );
        assert_eq!(
            remote_fetch_failed(404).to_string(),
            "Remote image input fetch failed with HTTP 404"
        );
    }

    #[test]
    fn normalisation_keeps_order_and_substitutes_remote_images() {
        let inline = uri("image/png", &png(4, 4));
        let messages = json!([
            {"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": "https://cdn.sogni.ai/r.png", "detail": "low"}},
                {"type": "text", "text": "hi"},
                {"type": "image_url", "image_url": {"url": format!(" {inline} "), "detail": ""}, "x": 1}
            ]},
            {"role": "assistant", "content": null}
        ]);
        assert_eq!(
            remote_images_to_fetch(&messages).unwrap(),
            ["https://cdn.sogni.ai/r.png"]
        );
        assert_eq!(
            normalize_vision_messages(&messages, &RemoteImages::new())
                .unwrap_err()
                .code(),
            "REMOTE_IMAGE_NOT_FETCHED"
        );
        let remote = RemoteImages::from([("https://cdn.sogni.ai/r.png".into(), "data:R".into())]);
        let out = normalize_vision_messages(&messages, &remote).unwrap();
        assert_eq!(
            out,
            json!([
                {"role": "user", "content": [
                    {"type": "image_url", "image_url": {"url": "data:R", "detail": "low"}},
                    {"type": "text", "text": "hi"},
                    {"type": "image_url", "image_url": {"url": inline}}
                ]},
                {"role": "assistant", "content": null}
            ])
        );
    }

    #[test]
    fn failure_precedence_follows_the_official_promise_order() {
        let bad = json!({"type": "image_url", "image_url": {"url": "http://x"}});
        let good = json!({"type": "image_url", "image_url": {"url": uri("image/png", &png(1, 1))}});
        let mut parts = vec![bad.clone()];
        parts.extend(std::iter::repeat_n(good, 20));
        let code = |m: Value| remote_images_to_fetch(&m).unwrap_err().code();
        assert_eq!(code(json!([{"content": parts}])), "TOO_MANY_IMAGES");
        assert_eq!(
            code(json!([{"content": [bad]}, null])),
            "INVALID_CHAT_PARAMS"
        );
        assert_eq!(code(json!("x")), "INVALID_CHAT_PARAMS");
    }
}
