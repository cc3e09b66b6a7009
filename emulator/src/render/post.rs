//! Post-processing of the painted RGB8 canvas: img2img blending, ControlNet guidance and
//! in-progress previews.

use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageReader, Limits, RgbImage};
use std::io::Cursor;

use super::scene::{to_u8, SplitMix64};

/// Largest side accepted for an uploaded reference image.
const MAX_REFERENCE_SIDE: u32 = 16_384;

/// Decodes PNG/JPEG/WebP bytes (format sniffed from the content) with sane limits.
pub(super) fn decode(bytes: &[u8]) -> Result<DynamicImage, image::ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(image::ImageError::IoError)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_REFERENCE_SIDE);
    limits.max_image_height = Some(MAX_REFERENCE_SIDE);
    limits.max_alloc = Some(1 << 30);
    reader.limits(limits);
    reader.decode()
}

/// Converts to RGB8 and resizes (Triangle filter) to exactly `width`×`height`.
pub(super) fn fit(img: DynamicImage, width: u32, height: u32) -> RgbImage {
    let rgb = img.into_rgb8();
    if rgb.dimensions() == (width, height) {
        rgb
    } else {
        imageops::resize(&rgb, width, height, FilterType::Triangle)
    }
}

/// `out = keep·start + (1-keep)·out`, in 8.8 fixed point.
pub(super) fn blend_starting_image(out: &mut [u8], start: &RgbImage, keep: f32) {
    let k = (keep * 256.0 + 0.5) as u32; // 0..=256
    for (o, &s) in out.iter_mut().zip(start.as_raw()) {
        *o = ((u32::from(s) * k + u32::from(*o) * (256 - k) + 128) >> 8) as u8;
    }
}

/// Uses the control image as a luma + edge guide: its dark areas darken the picture and its
/// edges are drawn as dark lines, both in proportion to `strength`.
pub(super) fn apply_control(out: &mut [u8], control: &RgbImage, strength: f32) {
    let (w, h) = (control.width() as usize, control.height() as usize);
    let luma: Vec<f32> = control
        .as_raw()
        .chunks_exact(3)
        .map(|p| {
            (0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])) / 255.0
        })
        .collect();
    for y in 0..h {
        let (ya, yb) = (y.saturating_sub(1), (y + 1).min(h - 1));
        for x in 0..w {
            let (xa, xb) = (x.saturating_sub(1), (x + 1).min(w - 1));
            let l = luma[y * w + x];
            let edge = ((luma[y * w + xb] - luma[y * w + xa]).abs()
                + (luma[yb * w + x] - luma[ya * w + x]).abs())
            .min(1.0);
            let factor = (1.0 - strength * (0.35 * (1.0 - l) + 0.9 * edge)).max(0.0);
            let i = (y * w + x) * 3;
            for o in &mut out[i..i + 3] {
                *o = to_u8(f32::from(*o) * factor);
            }
        }
    }
}

/// Turns the final picture into a preview at `progress` (`0..1`): blurred by box-averaging
/// down and bilinearly scaling back up, then overlaid with deterministic luma noise; both
/// fade out as progress approaches 1.
pub(super) fn degrade_for_preview(
    out: Vec<u8>,
    width: u32,
    height: u32,
    progress: f32,
    seed: u64,
) -> Vec<u8> {
    let amount = 1.0 - progress; // 0 < amount <= 1
    let factor = 1 + (amount * 23.0 + 0.5) as u32; // block size 1..=24 px
    let img = RgbImage::from_raw(width, height, out).expect("canvas size matches dimensions");
    let blurred = if factor > 1 {
        let small = box_downsample(&img, factor);
        imageops::resize(&small, width, height, FilterType::Triangle)
    } else {
        img
    };
    let mut px = blurred.into_raw();
    let noise_amp = 70.0 * amount;
    let mut rng = SplitMix64::new(seed ^ 0x4E4F_4953_455F_5052);
    for p in px.chunks_exact_mut(3) {
        let n = (rng.unit() - 0.5) * noise_amp;
        for c in p {
            *c = to_u8(f32::from(*c) + n);
        }
    }
    px
}

/// Averages `factor`×`factor` blocks (partial blocks at the edges are averaged too).
fn box_downsample(img: &RgbImage, factor: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let (sw, sh) = (w.div_ceil(factor), h.div_ceil(factor));
    let mut sums = vec![[0u32; 4]; (sw * sh) as usize];
    for (y, row) in img.as_raw().chunks_exact(w as usize * 3).enumerate() {
        let sy = y as u32 / factor;
        for (x, p) in row.chunks_exact(3).enumerate() {
            let s = &mut sums[(sy * sw + x as u32 / factor) as usize];
            s[0] += u32::from(p[0]);
            s[1] += u32::from(p[1]);
            s[2] += u32::from(p[2]);
            s[3] += 1;
        }
    }
    let raw = sums
        .iter()
        .flat_map(|s| [0, 1, 2].map(|c| ((s[c] + s[3] / 2) / s[3]) as u8))
        .collect();
    RgbImage::from_raw(sw, sh, raw).expect("downsampled size matches")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blend_extremes() {
        let start = RgbImage::from_pixel(2, 1, image::Rgb([200, 10, 0]));
        let mut out = vec![0, 100, 255, 0, 100, 255];
        blend_starting_image(&mut out, &start, 1.0);
        assert_eq!(out, [200, 10, 0, 200, 10, 0]);
        let mut out = vec![0, 100, 255, 0, 100, 255];
        blend_starting_image(&mut out, &start, 0.0);
        assert_eq!(out, [0, 100, 255, 0, 100, 255]);
    }

    #[test]
    fn box_downsample_averages() {
        let mut img = RgbImage::new(3, 2);
        img.put_pixel(0, 0, image::Rgb([100, 0, 0]));
        img.put_pixel(1, 1, image::Rgb([100, 0, 0]));
        img.put_pixel(2, 0, image::Rgb([7, 7, 7]));
        let small = box_downsample(&img, 2);
        assert_eq!(small.dimensions(), (2, 1));
        assert_eq!(small.get_pixel(0, 0).0, [50, 0, 0]);
        assert_eq!(small.get_pixel(1, 0).0, [4, 4, 4]);
    }
}
