//! Vision inputs: `image_url` parts carrying `data:` URIs, decoded and checked against the
//! Supernet's limits (JPEG or PNG, at most [`MAX_IMAGES`] per request, [`MAX_IMAGE_BYTES`]
//! each, longest side at most [`MAX_LONGEST_SIDE`]).

use base64::Engine as _;
use serde_json::Value;

/// Images allowed in one request, counted over all messages.
pub const MAX_IMAGES: usize = 20;
/// Largest decoded image, in bytes (10 MiB).
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Largest width or height, in pixels.
pub const MAX_LONGEST_SIDE: u32 = 1024;

/// What the emulator saw in one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// `"PNG"` or `"JPEG"`.
    pub format: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Decoded size in bytes.
    pub bytes: usize,
    /// The name of the basic colour closest to the image's mean colour.
    pub colour: &'static str,
}

impl ImageInfo {
    /// `PNG 64×48, mostly red`.
    pub fn describe(&self) -> String {
        format!(
            "{} {}×{}, mostly {}",
            self.format, self.width, self.height, self.colour
        )
    }
}

/// Every `image_url` URL in `messages`, in order.
pub fn image_urls(messages: &[Value]) -> Vec<&Value> {
    messages
        .iter()
        .filter_map(|m| m.get("content").and_then(Value::as_array))
        .flatten()
        .filter(|p| p.get("type").and_then(Value::as_str) == Some("image_url"))
        .map(|p| {
            p.get("image_url")
                .and_then(|u| u.get("url"))
                .unwrap_or(&Value::Null)
        })
        .collect()
}

/// Decodes and checks every image of a request. The error names the offending image
/// (1-based, in message order).
pub fn inspect_all(messages: &[Value]) -> Result<Vec<ImageInfo>, String> {
    let urls = image_urls(messages);
    if urls.len() > MAX_IMAGES {
        return Err(format!(
            "A maximum of {MAX_IMAGES} vision images is allowed per request (got {})",
            urls.len()
        ));
    }
    urls.iter()
        .enumerate()
        .map(|(i, url)| {
            let url = url
                .as_str()
                .ok_or_else(|| format!("image {}: image_url.url must be a string", i + 1))?;
            inspect(url).map_err(|e| format!("image {}: {e}", i + 1))
        })
        .collect()
}

/// Decodes and checks one `data:image/…;base64,…` URI.
pub fn inspect(url: &str) -> Result<ImageInfo, String> {
    let rest = url.strip_prefix("data:").ok_or(
        "only inline base64 data URIs are supported for image inputs; remote URLs are not allowed",
    )?;
    let (meta, payload) = rest
        .split_once(',')
        .ok_or("the data URI has no comma before its payload")?;
    let mime = meta
        .strip_suffix(";base64")
        .ok_or("the data URI must be base64-encoded (;base64)")?
        .trim()
        .to_ascii_lowercase();
    let declared = match mime.as_str() {
        "image/png" => "PNG",
        "image/jpeg" | "image/jpg" => "JPEG",
        other => return Err(format!("unsupported image type {other:?}: use JPEG or PNG")),
    };
    // Padded base64 can be up to 4/3 of the limit; refuse clearly larger payloads before decoding.
    if payload.len() > MAX_IMAGE_BYTES / 3 * 4 + 8 {
        return Err(format!("the image is larger than {MAX_IMAGE_BYTES} bytes"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(payload.trim())
        .map_err(|e| format!("the data URI is not valid base64: {e}"))?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(format!(
            "the image is {} bytes, more than {MAX_IMAGE_BYTES}",
            bytes.len()
        ));
    }
    let (actual, format) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("PNG", image::ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("JPEG", image::ImageFormat::Jpeg)
    } else {
        return Err(format!("the bytes are not a {declared} image"));
    };
    if actual != declared {
        return Err(format!(
            "the data URI says {mime} but the bytes are a {actual} image"
        ));
    }
    let reader = image::ImageReader::with_format(std::io::Cursor::new(&bytes), format);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| format!("cannot read the {actual} header: {e}"))?;
    if width.max(height) > MAX_LONGEST_SIDE {
        return Err(format!(
            "the image is {width}×{height}; its longest side must be at most {MAX_LONGEST_SIDE} px"
        ));
    }
    let decoded = image::load_from_memory_with_format(&bytes, format)
        .map_err(|e| format!("cannot decode the {actual} image: {e}"))?
        .to_rgb8();
    Ok(ImageInfo {
        format: actual,
        width,
        height,
        bytes: bytes.len(),
        colour: colour_name(mean(&decoded)),
    })
}

fn mean(img: &image::RgbImage) -> [f64; 3] {
    let n = (img.width() as f64 * img.height() as f64).max(1.0);
    let mut sum = [0f64; 3];
    for p in img.pixels() {
        for (s, c) in sum.iter_mut().zip(p.0) {
            *s += f64::from(c);
        }
    }
    sum.map(|s| s / n)
}

const PALETTE: &[(&str, [f64; 3])] = &[
    ("black", [0.0, 0.0, 0.0]),
    ("white", [255.0, 255.0, 255.0]),
    ("grey", [128.0, 128.0, 128.0]),
    ("red", [220.0, 30.0, 30.0]),
    ("green", [30.0, 180.0, 30.0]),
    ("blue", [30.0, 60.0, 220.0]),
    ("yellow", [230.0, 220.0, 40.0]),
    ("orange", [240.0, 140.0, 20.0]),
    ("purple", [130.0, 40.0, 170.0]),
    ("pink", [240.0, 140.0, 190.0]),
    ("cyan", [40.0, 210.0, 220.0]),
    ("brown", [120.0, 70.0, 30.0]),
];

/// The palette colour nearest to an RGB mean.
pub fn colour_name(rgb: [f64; 3]) -> &'static str {
    PALETTE
        .iter()
        .map(|(name, c)| {
            let d: f64 = c.iter().zip(rgb).map(|(a, b)| (a - b) * (a - b)).sum();
            (d, *name)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
        .unwrap_or("grey")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use image::{ImageEncoder, RgbImage};

    pub(crate) fn png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
        let img = RgbImage::from_pixel(w, h, image::Rgb(rgb));
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    pub(crate) fn jpeg(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
        let img = RgbImage::from_pixel(w, h, image::Rgb(rgb));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut out)
            .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    pub(crate) fn data_uri(mime: &str, bytes: &[u8]) -> String {
        format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    #[test]
    fn reads_format_size_and_colour() {
        let info = inspect(&data_uri("image/png", &png(64, 48, [230, 20, 20]))).unwrap();
        assert_eq!(info.describe(), "PNG 64×48, mostly red");
        let info = inspect(&data_uri("image/jpeg", &jpeg(32, 40, [20, 40, 230]))).unwrap();
        assert_eq!((info.format, info.width, info.height), ("JPEG", 32, 40));
        assert_eq!(info.colour, "blue");
    }

    #[test]
    fn enforces_the_limits() {
        let big = data_uri("image/png", &png(1025, 10, [0, 0, 0]));
        assert!(inspect(&big).unwrap_err().contains("longest side"));
        assert!(inspect("https://cdn.sogni.ai/x.png")
            .unwrap_err()
            .contains("remote URLs"));
        let gif = data_uri("image/gif", b"GIF89a....");
        assert!(inspect(&gif).unwrap_err().contains("JPEG or PNG"));
        let lie = data_uri("image/jpeg", &png(4, 4, [0, 0, 0]));
        assert!(inspect(&lie).unwrap_err().contains("PNG image"));
        assert!(inspect("data:image/png;base64,@@@")
            .unwrap_err()
            .contains("base64"));
        let part = serde_json::json!({"type": "image_url", "image_url": {"url": data_uri("image/png", &png(2, 2, [0, 0, 0]))}});
        let parts: Vec<Value> = (0..21).map(|_| part.clone()).collect();
        let messages = vec![serde_json::json!({"role": "user", "content": parts})];
        assert!(inspect_all(&messages)
            .unwrap_err()
            .contains("maximum of 20"));
        assert_eq!(inspect_all(&messages[..0]).unwrap(), vec![]);
    }
}
