//! Deterministic procedural images for emulated render jobs.
//!
//! [`render_image`] paints a small landscape — sky gradient, sun or moon, clouds, mountain
//! ranges and a lake or meadow — and encodes it as PNG, JPEG or WebP. The colours come from a
//! stable hash of the prompt and the layout from the seed, so the same [`RenderSpec`] always
//! yields the same bytes while different seeds or prompts yield visibly different pictures.
//!
//! An uploaded starting image (img2img) is blended in, a ControlNet image darkens the picture
//! along its edges and dark areas, and a `progress` below 1 produces a blurry, noisy preview
//! of the final picture.

pub mod audio;
mod post;
mod scene;
pub mod video;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder};

/// Largest accepted output width or height, in pixels.
pub const MAX_DIMENSION: u32 = 4096;

/// JPEG quality used for [`ImageFormat::Jpeg`] output.
pub const JPEG_QUALITY: u8 = 85;

/// Output encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// PNG (lossless, fast deflate).
    Png,
    /// Baseline JPEG at [`JPEG_QUALITY`].
    Jpeg,
    /// Lossless WebP (VP8L).
    Webp,
}

impl ImageFormat {
    /// Parses a Supernet `outputFormat` value: `"png"`, `"jpg"`, `"jpeg"` or `"webp"`,
    /// case-insensitively. Anything else gives `None`.
    pub fn from_output_format(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "webp" => Some(Self::Webp),
            _ => None,
        }
    }

    /// The MIME type: `image/png`, `image/jpeg` or `image/webp`.
    pub fn mime(&self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }

    /// The usual file extension, without a dot: `png`, `jpg` or `webp`.
    pub fn extension(&self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }
}

/// Everything that determines one rendered image.
#[derive(Debug, Clone, Copy)]
pub struct RenderSpec<'a> {
    /// Output width in pixels, `1..=`[`MAX_DIMENSION`].
    pub width: u32,
    /// Output height in pixels, `1..=`[`MAX_DIMENSION`].
    pub height: u32,
    /// The job's seed: chooses the layout.
    pub seed: u64,
    /// The positive prompt: chooses the colours (and perturbs the layout).
    pub prompt: &'a str,
    /// The encoding of the returned bytes.
    pub format: ImageFormat,
    /// Uploaded starting image (any of PNG/JPEG/WebP bytes) and how much of it to keep, 0..=1.
    pub starting_image: Option<(&'a [u8], f32)>,
    /// Uploaded ControlNet image and its strength 0..=1 (e.g. used as an edge/luma guide).
    pub control_image: Option<(&'a [u8], f32)>,
    /// 0..=1: a preview at progress p is a blurrier/noisier version of the final picture (1.0 = final).
    pub progress: f32,
}

impl<'a> RenderSpec<'a> {
    /// A plain text-to-image spec for the final picture: no reference images, progress 1.0.
    pub fn new(width: u32, height: u32, seed: u64, prompt: &'a str, format: ImageFormat) -> Self {
        Self {
            width,
            height,
            seed,
            prompt,
            format,
            starting_image: None,
            control_image: None,
            progress: 1.0,
        }
    }
}

/// Why [`render_image`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// Width or height is 0 or larger than [`MAX_DIMENSION`].
    #[error("invalid image size {width}x{height}: each side must be 1..={MAX_DIMENSION}")]
    InvalidDimensions {
        /// The requested width.
        width: u32,
        /// The requested height.
        height: u32,
    },
    /// The starting image (img2img) is not a decodable PNG, JPEG or WebP.
    #[error("undecodable starting image: {0}")]
    StartingImage(#[source] image::ImageError),
    /// The ControlNet image is not a decodable PNG, JPEG or WebP.
    #[error("undecodable ControlNet image: {0}")]
    ControlImage(#[source] image::ImageError),
    /// The encoder failed (not expected for valid sizes).
    #[error("could not encode {format:?} output: {source}")]
    Encode {
        /// The requested output format.
        format: ImageFormat,
        /// The encoder's error.
        #[source]
        source: image::ImageError,
    },
    /// A [`video::VideoSpec`] is out of range (odd or too large a size, no frames, bad fps).
    #[error("invalid video spec: {0}")]
    InvalidVideo(String),
    /// The video's end image is not a decodable PNG, JPEG or WebP.
    #[error("undecodable end image: {0}")]
    EndImage(#[source] image::ImageError),
    /// An [`audio::AudioSpec`] is out of range (duration, sample rate).
    #[error("invalid audio spec: {0}")]
    InvalidAudio(String),
    /// The audio encoder failed (not expected for valid specs).
    #[error("could not encode {format:?} audio: {message}")]
    AudioEncode {
        /// The requested audio format.
        format: audio::AudioFormat,
        /// The encoder's message.
        message: String,
    },
}

/// Clamps a user-supplied fraction into `0..=1`, mapping NaN to `default`.
fn fraction(v: f32, default: f32) -> f32 {
    if v.is_nan() {
        default
    } else {
        v.clamp(0.0, 1.0)
    }
}

/// Renders and encodes one image. Deterministic: the same spec gives the same bytes.
///
/// Out-of-range fractions (keep, strength, progress) are clamped into `0..=1`.
pub fn render_image(spec: &RenderSpec<'_>) -> Result<Vec<u8>, RenderError> {
    let (width, height) = (spec.width, spec.height);
    if !(1..=MAX_DIMENSION).contains(&width) || !(1..=MAX_DIMENSION).contains(&height) {
        return Err(RenderError::InvalidDimensions { width, height });
    }
    // Decode references before painting so bad uploads fail fast.
    let start = spec
        .starting_image
        .map(|(bytes, keep)| {
            post::decode(bytes)
                .map(|img| (post::fit(img, width, height), fraction(keep, 0.0)))
                .map_err(RenderError::StartingImage)
        })
        .transpose()?;
    let control = spec
        .control_image
        .map(|(bytes, strength)| {
            post::decode(bytes)
                .map(|img| (post::fit(img, width, height), fraction(strength, 0.0)))
                .map_err(RenderError::ControlImage)
        })
        .transpose()?;

    let mut px = scene::paint(width, height, spec.seed, spec.prompt);
    if let Some((start, keep)) = &start {
        post::blend_starting_image(&mut px, start, *keep);
    }
    if let Some((control, strength)) = &control {
        if *strength > 0.0 {
            post::apply_control(&mut px, control, *strength);
        }
    }
    let progress = fraction(spec.progress, 1.0);
    if progress < 1.0 {
        px = post::degrade_for_preview(px, width, height, progress, spec.seed);
    }
    encode(&px, width, height, spec.format)
}

fn encode(px: &[u8], width: u32, height: u32, format: ImageFormat) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::with_capacity(px.len() / 4);
    let color = ExtendedColorType::Rgb8;
    let result = match format {
        ImageFormat::Png => {
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, PngFilter::Adaptive)
                .write_image(px, width, height, color)
        }
        ImageFormat::Jpeg => JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
            .write_image(px, width, height, color),
        ImageFormat::Webp => {
            WebPEncoder::new_lossless(&mut out).write_image(px, width, height, color)
        }
    };
    result.map_err(|source| RenderError::Encode { format, source })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat as Fmt, Rgb, RgbImage};

    const ALL: [ImageFormat; 3] = [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Webp];

    fn spec(seed: u64, prompt: &str, format: ImageFormat) -> RenderSpec<'_> {
        RenderSpec::new(64, 48, seed, prompt, format)
    }

    fn decode_rgb(bytes: &[u8]) -> RgbImage {
        image::load_from_memory(bytes).expect("decodes").into_rgb8()
    }

    fn png_of(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), Fmt::Png)
            .expect("encode test png");
        out
    }

    /// Mean absolute per-channel difference.
    fn mean_diff(a: &RgbImage, b: &RgbImage) -> f64 {
        assert_eq!(a.dimensions(), b.dimensions());
        let sum: u64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(&x, &y)| u64::from(x.abs_diff(y)))
            .sum();
        sum as f64 / a.as_raw().len() as f64
    }

    /// Fraction of pixels that are clearly red.
    fn red_fraction(img: &RgbImage) -> f64 {
        let red = img
            .pixels()
            .filter(|p| p[0] > 180 && p[1] < 90 && p[2] < 90)
            .count();
        red as f64 / (img.width() * img.height()) as f64
    }

    #[test]
    fn output_format_parsing_and_mime() {
        assert_eq!(
            ImageFormat::from_output_format("png"),
            Some(ImageFormat::Png)
        );
        assert_eq!(
            ImageFormat::from_output_format("JPG"),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(
            ImageFormat::from_output_format("Jpeg"),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(
            ImageFormat::from_output_format("WEBP"),
            Some(ImageFormat::Webp)
        );
        assert_eq!(ImageFormat::from_output_format("gif"), None);
        assert_eq!(ImageFormat::from_output_format(""), None);
        assert_eq!(ImageFormat::Png.mime(), "image/png");
        assert_eq!(ImageFormat::Jpeg.mime(), "image/jpeg");
        assert_eq!(ImageFormat::Webp.mime(), "image/webp");
        assert_eq!(ImageFormat::Jpeg.extension(), "jpg");
    }

    #[test]
    fn each_format_decodes_to_requested_size_and_format() {
        for format in ALL {
            let bytes = render_image(&spec(1, "a castle on a hill", format)).unwrap();
            match format {
                ImageFormat::Png => assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n")),
                ImageFormat::Jpeg => assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF])),
                ImageFormat::Webp => {
                    assert!(bytes.starts_with(b"RIFF"));
                    assert_eq!(&bytes[8..12], b"WEBP");
                }
            }
            let expected = match format {
                ImageFormat::Png => Fmt::Png,
                ImageFormat::Jpeg => Fmt::Jpeg,
                ImageFormat::Webp => Fmt::WebP,
            };
            assert_eq!(image::guess_format(&bytes).unwrap(), expected);
            let img = image::load_from_memory_with_format(&bytes, expected).unwrap();
            assert_eq!((img.width(), img.height()), (64, 48), "{format:?}");
        }
    }

    #[test]
    fn odd_and_extreme_shapes() {
        for (w, h) in [(1, 1), (1, 97), (97, 1), (33, 17)] {
            for format in ALL {
                let bytes = render_image(&RenderSpec::new(w, h, 5, "tiny", format)).unwrap();
                let img = image::load_from_memory(&bytes).unwrap();
                assert_eq!((img.width(), img.height()), (w, h), "{format:?}");
            }
        }
    }

    #[test]
    fn same_spec_same_bytes() {
        for format in ALL {
            let s = spec(42, "deterministic", format);
            assert_eq!(render_image(&s).unwrap(), render_image(&s).unwrap());
        }
        let mut preview = spec(42, "deterministic", ImageFormat::Png);
        preview.progress = 0.4;
        assert_eq!(
            render_image(&preview).unwrap(),
            render_image(&preview).unwrap()
        );
    }

    #[test]
    fn different_seeds_give_different_pixels() {
        let base = decode_rgb(&render_image(&spec(1, "same prompt", ImageFormat::Png)).unwrap());
        for seed in [2, 3, 1 << 40, u64::MAX] {
            let other =
                decode_rgb(&render_image(&spec(seed, "same prompt", ImageFormat::Png)).unwrap());
            assert!(mean_diff(&base, &other) > 3.0, "seed {seed}");
        }
    }

    #[test]
    fn different_prompts_give_different_pixels() {
        let base = decode_rgb(&render_image(&spec(7, "a red fox", ImageFormat::Png)).unwrap());
        for prompt in ["a blue whale", "a red fox.", ""] {
            let other = decode_rgb(&render_image(&spec(7, prompt, ImageFormat::Png)).unwrap());
            assert!(mean_diff(&base, &other) > 3.0, "prompt {prompt:?}");
        }
    }

    #[test]
    fn img2img_keeps_the_starting_image() {
        // A differently sized red start: it is resized to the output size.
        let red = png_of(&RgbImage::from_pixel(30, 20, Rgb([230, 20, 20])));
        let mut s = spec(3, "a green forest", ImageFormat::Png);
        s.starting_image = Some((&red, 0.9));
        let kept = decode_rgb(&render_image(&s).unwrap());
        assert!(red_fraction(&kept) > 0.9, "{}", red_fraction(&kept));

        s.starting_image = Some((&red, 0.0));
        let ignored = decode_rgb(&render_image(&s).unwrap());
        assert!(red_fraction(&ignored) < 0.5, "{}", red_fraction(&ignored));
        let plain =
            decode_rgb(&render_image(&spec(3, "a green forest", ImageFormat::Png)).unwrap());
        assert_eq!(ignored, plain, "keep=0 is plain text-to-image");
    }

    #[test]
    fn img2img_accepts_jpeg_and_webp_starts() {
        for format in [ImageFormat::Jpeg, ImageFormat::Webp] {
            let start = render_image(&RenderSpec::new(20, 20, 9, "start", format)).unwrap();
            let mut s = spec(3, "x", ImageFormat::Jpeg);
            s.starting_image = Some((&start, 0.5));
            let img = decode_rgb(&render_image(&s).unwrap());
            assert_eq!(img.dimensions(), (64, 48));
        }
    }

    #[test]
    fn control_image_changes_the_picture() {
        // Left half white, right half black: a strong vertical edge in the middle.
        let control = png_of(&RgbImage::from_fn(64, 48, |x, _| {
            if x < 32 {
                Rgb([255, 255, 255])
            } else {
                Rgb([0, 0, 0])
            }
        }));
        let plain = decode_rgb(&render_image(&spec(4, "ctrl", ImageFormat::Png)).unwrap());
        let mut s = spec(4, "ctrl", ImageFormat::Png);
        s.control_image = Some((&control, 1.0));
        let guided = decode_rgb(&render_image(&s).unwrap());
        assert!(mean_diff(&plain, &guided) > 10.0);
        // The white half is untouched apart from the edge column.
        assert_eq!(plain.get_pixel(5, 10), guided.get_pixel(5, 10));
        s.control_image = Some((&control, 0.0));
        assert_eq!(decode_rgb(&render_image(&s).unwrap()), plain);
    }

    #[test]
    fn preview_differs_from_final_and_converges() {
        let final_img = decode_rgb(&render_image(&spec(8, "preview", ImageFormat::Png)).unwrap());
        let mut s = spec(8, "preview", ImageFormat::Png);
        s.progress = 0.3;
        let early = decode_rgb(&render_image(&s).unwrap());
        s.progress = 0.9;
        let late = decode_rgb(&render_image(&s).unwrap());
        let (d_early, d_late) = (mean_diff(&final_img, &early), mean_diff(&final_img, &late));
        assert!(d_early > 5.0, "{d_early}");
        assert!(d_late < d_early, "{d_late} vs {d_early}");
        s.progress = 1.0;
        assert_eq!(decode_rgb(&render_image(&s).unwrap()), final_img);
        // Out-of-range and NaN progress are clamped / treated as final.
        s.progress = 7.0;
        assert_eq!(decode_rgb(&render_image(&s).unwrap()), final_img);
        s.progress = f32::NAN;
        assert_eq!(decode_rgb(&render_image(&s).unwrap()), final_img);
        s.progress = -1.0;
        let _ = render_image(&s).unwrap();
    }

    #[test]
    fn bad_dimensions_are_rejected() {
        for (w, h) in [
            (0, 48),
            (64, 0),
            (0, 0),
            (4097, 10),
            (10, 4097),
            (u32::MAX, 1),
        ] {
            let s = RenderSpec::new(w, h, 1, "x", ImageFormat::Png);
            assert!(
                matches!(render_image(&s), Err(RenderError::InvalidDimensions { width, height }) if (width, height) == (w, h)),
                "{w}x{h}"
            );
        }
    }

    #[test]
    fn undecodable_references_are_rejected() {
        let garbage: &[u8] = b"definitely not an image";
        let mut s = spec(1, "x", ImageFormat::Png);
        s.starting_image = Some((garbage, 0.5));
        let err = render_image(&s).unwrap_err();
        assert!(matches!(err, RenderError::StartingImage(_)), "{err:?}");
        assert!(err.to_string().contains("starting image"));

        // A truncated PNG is also rejected, not rendered half-way.
        let good = png_of(&RgbImage::from_pixel(16, 16, Rgb([1, 2, 3])));
        s.starting_image = Some((&good[..good.len() / 2], 0.5));
        assert!(matches!(
            render_image(&s),
            Err(RenderError::StartingImage(_))
        ));

        let mut s = spec(1, "x", ImageFormat::Png);
        s.control_image = Some((&[], 0.5));
        assert!(matches!(
            render_image(&s),
            Err(RenderError::ControlImage(_))
        ));
    }

    #[test]
    fn sanity_512_square_in_every_format() {
        for format in ALL {
            let bytes = render_image(&RenderSpec::new(
                512,
                512,
                123_456_789,
                "a misty mountain lake at dawn",
                format,
            ))
            .unwrap();
            let img = decode_rgb(&bytes);
            assert_eq!(img.dimensions(), (512, 512));
            // "Looks like something": plenty of distinct colours, yet it compresses well.
            let mut colours: Vec<[u8; 3]> = img.pixels().map(|p| p.0).collect();
            colours.sort_unstable();
            colours.dedup();
            assert!(colours.len() > 50, "{format:?}: {} colours", colours.len());
            if format == ImageFormat::Jpeg {
                assert!(bytes.len() < 120_000, "jpeg is {} bytes", bytes.len());
            }
        }
    }
}
