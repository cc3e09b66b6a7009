//! The procedural "painting": a sky gradient, a sun or moon with a glow, clouds, layered
//! mountains and either a lake or a meadow in front.
//!
//! Colours come from a stable hash of the prompt; the seed (mixed with that hash) chooses the
//! layout. All geometry is expressed in fractions of the picture, so one (seed, prompt) looks
//! alike at every size. Only basic IEEE arithmetic (and `sqrt`) is used, never `powf`/`sin`,
//! so the bytes are the same on every platform.

/// A linear RGB colour with channels in `0.0..=255.0`.
pub(super) type Rgb = [f32; 3];

/// SplitMix64: tiny, fast and — unlike `rand::rngs::StdRng` — frozen forever.
#[derive(Debug, Clone)]
pub(super) struct SplitMix64(u64);

impl SplitMix64 {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, with 24 bits of precision (exact in `f32`).
    pub(super) fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[lo, hi)`.
    pub(super) fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in `lo..=hi`.
    pub(super) fn int(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }
}

/// 64-bit FNV-1a: a stable hash (unlike `std`'s `DefaultHasher`).
pub(super) fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

fn lerp(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn scale(c: Rgb, k: f32) -> Rgb {
    [c[0] * k, c[1] * k, c[2] * k]
}

/// HSV (all in `0..=1`, hue wrapping) to RGB in `0..=255`. Piecewise linear: no trig.
fn hsv(h: f32, s: f32, v: f32) -> Rgb {
    let h = h.rem_euclid(1.0) * 6.0;
    let s = s.clamp(0.0, 1.0);
    let v = v.clamp(0.0, 1.0) * 255.0;
    let sector = (h as u32).min(5);
    let f = h - sector as f32;
    let p = v * (1.0 - s);
    let q = v * (1.0 - s * f);
    let t = v * (1.0 - s * (1.0 - f));
    match sector {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

const WHITE: Rgb = [255.0, 255.0, 255.0];

/// Everything that depends on the prompt only.
struct Palette {
    night: bool,
    sky_top: Rgb,
    horizon: Rgb,
    sun: Rgb,
    cloud: Rgb,
    mountains: [Rgb; 3],
    meadow: Rgb,
    water: Rgb,
}

impl Palette {
    fn from_prompt_hash(hash: u64) -> Self {
        let mut r = SplitMix64::new(hash ^ 0x5041_4C45_5454_4531);
        let hue = r.unit();
        let night = r.unit() < 0.2;
        let dim = if night { 0.45 } else { 1.0 };
        let sky_top = hsv(
            hue + r.range(-0.06, 0.06),
            r.range(0.45, 0.85),
            r.range(0.55, 0.85) * dim,
        );
        let horizon = hsv(
            hue + r.range(0.04, 0.2),
            r.range(0.2, 0.55),
            r.range(0.88, 1.0) * if night { 0.6 } else { 1.0 },
        );
        let sun = if night {
            hsv(hue + 0.5, 0.08, 0.97)
        } else {
            hsv(hue + 0.5 + r.range(-0.1, 0.1), r.range(0.3, 0.7), 1.0)
        };
        let cloud = lerp(horizon, WHITE, if night { 0.25 } else { 0.6 });
        let m_hue = hue + r.range(0.3, 0.7);
        let m_sat = r.range(0.25, 0.6);
        let mountains = [
            hsv(m_hue, m_sat, 0.68 * dim),
            hsv(m_hue + 0.03, m_sat + 0.1, 0.46 * dim),
            hsv(m_hue + 0.06, m_sat + 0.15, 0.3 * dim),
        ];
        let meadow = hsv(hue + r.range(0.2, 0.45), r.range(0.4, 0.7), 0.42 * dim);
        let water = hsv(hue + 0.55, 0.5, 0.5 * dim);
        Palette {
            night,
            sky_top,
            horizon,
            sun,
            cloud,
            mountains,
            meadow,
            water,
        }
    }

    /// Sky colour at vertical position `v` (0 = top) for a horizon at `horizon_v`.
    fn sky(&self, v: f32, horizon_v: f32) -> Rgb {
        let t = (v / horizon_v).clamp(0.0, 1.0);
        // Ease in so most of the sky stays near the top colour and brightens towards the horizon.
        lerp(self.sky_top, self.horizon, t * t * (3.0 - 2.0 * t))
    }
}

/// An RGB8 canvas with alpha blending helpers.
struct Canvas {
    width: usize,
    height: usize,
    px: Vec<u8>,
}

impl Canvas {
    fn set(&mut self, x: usize, y: usize, c: Rgb) {
        let i = (y * self.width + x) * 3;
        for (dst, v) in self.px[i..i + 3].iter_mut().zip(c) {
            *dst = to_u8(v);
        }
    }

    fn blend(&mut self, x: usize, y: usize, c: Rgb, alpha: f32) {
        let i = (y * self.width + x) * 3;
        for (dst, v) in self.px[i..i + 3].iter_mut().zip(c) {
            let old = f32::from(*dst);
            *dst = to_u8(old + (v - old) * alpha);
        }
    }

    /// Inclusive-exclusive pixel bounds of a box around (cx, cy) with half-size `r`.
    fn bounds(&self, cx: f32, cy: f32, r: f32) -> (usize, usize, usize, usize) {
        let clampx = |v: f32| (v.max(0.0) as usize).min(self.width);
        let clampy = |v: f32| (v.max(0.0) as usize).min(self.height);
        (
            clampx(cx - r - 1.0),
            clampx(cx + r + 2.0),
            clampy(cy - r - 1.0),
            clampy(cy + r + 2.0),
        )
    }
}

pub(super) fn to_u8(v: f32) -> u8 {
    // `as` saturates; +0.5 rounds to nearest.
    (v + 0.5) as u8
}

/// Antialiased disc coverage (~1.5 px soft edge) without a square root.
fn disc_coverage(d2: f32, r: f32) -> f32 {
    ((r * r - d2) / (3.0 * r)).clamp(0.0, 1.0)
}

/// 1-D value noise in `0..=1`: `octaves` layers of smoothly interpolated random control points.
fn ridge_profile(rng: &mut SplitMix64, width: usize, base_points: u32, octaves: u32) -> Vec<f32> {
    let mut out = vec![0.0f32; width];
    let mut amp = 1.0;
    let mut total = 0.0;
    let mut points = base_points;
    for _ in 0..octaves {
        let ctrl: Vec<f32> = (0..=points).map(|_| rng.unit()).collect();
        for (x, o) in out.iter_mut().enumerate() {
            let pos = (x as f32 + 0.5) / width as f32 * points as f32;
            let i = (pos as usize).min(points as usize - 1);
            let f = pos - i as f32;
            let f = f * f * (3.0 - 2.0 * f);
            *o += amp * (ctrl[i] + (ctrl[i + 1] - ctrl[i]) * f);
        }
        total += amp;
        amp *= 0.5;
        points *= 2;
    }
    // Stretch to the full 0..=1 range so every range uses its whole amplitude.
    let lo = out.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let span = if hi - lo > 1e-6 { hi - lo } else { total };
    for o in &mut out {
        *o = (*o - lo) / span;
    }
    out
}

/// Paints the procedural picture for (seed, prompt) as tightly packed RGB8 rows.
pub(super) fn paint(width: u32, height: u32, seed: u64, prompt: &str) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let (wf, hf) = (width as f32, height as f32);
    let unit = wf.min(hf);
    let prompt_hash = fnv1a64(prompt.as_bytes());
    let pal = Palette::from_prompt_hash(prompt_hash);
    let mut rng = SplitMix64::new(seed ^ prompt_hash.rotate_left(17));
    let mut cv = Canvas {
        width: w,
        height: h,
        px: vec![0; w * h * 3],
    };

    // Layout.
    let horizon_v = rng.range(0.55, 0.72);
    let sun_u = rng.range(0.12, 0.88);
    let sun_v = rng.range(0.1, horizon_v - 0.15);
    let sun_r = rng.range(0.05, 0.1) * unit;
    let (sun_x, sun_y) = (sun_u * wf, sun_v * hf);
    let lake = rng.unit() < 0.5;

    // 1. Sky: vertical gradient, slightly brighter on the sun's side.
    let side = if sun_u < 0.5 { -1.0 } else { 1.0 };
    for y in 0..h {
        let row = pal.sky((y as f32 + 0.5) / hf, horizon_v);
        let left = scale(row, 1.0 - 0.07 * side);
        let right = scale(row, 1.0 + 0.07 * side);
        for x in 0..w {
            cv.set(x, y, lerp(left, right, (x as f32 + 0.5) / wf));
        }
    }

    // 2. Stars at night.
    if pal.night {
        let count = (w * h / 1200).min(20_000);
        for _ in 0..count {
            let x = (rng.unit() * wf) as usize;
            let y = (rng.unit() * horizon_v * hf) as usize;
            let a = rng.range(0.3, 1.0);
            cv.blend(x.min(w - 1), y.min(h - 1), WHITE, a);
        }
    }

    // 3. Glow and sun (or moon) disc.
    let glow_r = sun_r * 4.0;
    let (x0, x1, y0, y1) = cv.bounds(sun_x, sun_y, glow_r);
    let inv_g2 = 1.0 / (glow_r * glow_r);
    for y in y0..y1 {
        let dy = y as f32 + 0.5 - sun_y;
        for x in x0..x1 {
            let dx = x as f32 + 0.5 - sun_x;
            let d2 = dx * dx + dy * dy;
            let g = (1.0 - d2 * inv_g2).max(0.0);
            let a = 0.5 * g * g + disc_coverage(d2, sun_r) * 0.5;
            if a > 0.0 {
                cv.blend(x, y, pal.sun, a.min(1.0));
            }
        }
    }

    // 4. Clouds: clusters of overlapping soft discs, blended once per pixel.
    for _ in 0..rng.int(2, 5) {
        let cx = rng.range(-0.05, 1.05) * wf;
        let cy = rng.range(0.06, horizon_v - 0.12) * hf;
        let size = rng.range(0.04, 0.09) * unit;
        let puffs: Vec<(f32, f32, f32)> = (0..rng.int(3, 6))
            .map(|_| {
                (
                    cx + rng.range(-2.2, 2.2) * size,
                    cy + rng.range(-0.35, 0.25) * size,
                    size * rng.range(0.55, 1.0),
                )
            })
            .collect();
        let (x0, x1, y0, y1) = cv.bounds(cx, cy, size * 3.3);
        let alpha = rng.range(0.6, 0.9);
        for y in y0..y1 {
            let py = y as f32 + 0.5;
            // Undersides are a little darker.
            let shade = 1.0 - 0.2 * ((py - cy) / size).clamp(0.0, 1.0);
            let colour = scale(pal.cloud, shade);
            for x in x0..x1 {
                let px = x as f32 + 0.5;
                let cov = puffs.iter().fold(0.0f32, |m, &(qx, qy, r)| {
                    let (dx, dy) = (px - qx, py - qy);
                    m.max(disc_coverage(dx * dx + dy * dy, r))
                });
                if cov > 0.0 {
                    cv.blend(x, y, colour, cov * alpha);
                }
            }
        }
    }

    // 5. Mountain ranges, back to front; the front one is a meadow when there is no lake.
    let haze = [0.45, 0.22, 0.0];
    let layers = [
        (horizon_v - rng.range(0.06, 0.14), rng.range(0.2, 0.34)),
        (horizon_v - rng.range(0.02, 0.08), rng.range(0.08, 0.16)),
        (horizon_v + rng.range(0.04, 0.1), rng.range(0.04, 0.1)),
    ];
    for (i, &(base_v, amp)) in layers.iter().enumerate() {
        let points = rng.int(2, 6);
        let octaves = if i == 2 { 3 } else { 5 };
        let profile = ridge_profile(&mut rng, w, points, octaves);
        // Ridge row (in pixels) per column.
        let ridge: Vec<f32> = profile.iter().map(|n| (base_v - amp * n) * hf).collect();
        let top = ridge.iter().copied().fold(f32::INFINITY, f32::min);
        let bottom = ridge.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let snow_line = if i == 0 {
            top + (bottom - top) * 0.3
        } else {
            f32::NEG_INFINITY
        };
        let body = if i == 2 && !lake {
            pal.meadow
        } else {
            pal.mountains[i]
        };
        let body = lerp(body, pal.horizon, haze[i]);
        let snow = lerp(lerp(WHITE, pal.horizon, 0.25), body, 0.15);
        let y_start = (top.max(0.0) as usize).min(h);
        for y in y_start..h {
            let py = y as f32;
            // Darker further down the slope.
            let depth = ((py - top) / (hf - top).max(1.0)).clamp(0.0, 1.0);
            let colour = if py < snow_line {
                snow
            } else {
                scale(body, 1.0 - 0.3 * depth)
            };
            for (x, &ry) in ridge.iter().enumerate() {
                let cov = py + 1.0 - ry;
                if cov >= 1.0 {
                    cv.set(x, y, colour);
                } else if cov > 0.0 {
                    cv.blend(x, y, colour, cov);
                }
            }
        }
    }

    // 6. A lake mirroring the sky, with ripples and the sun's reflection.
    if lake {
        let water_v = horizon_v + rng.range(0.1, 0.18);
        let y_start = ((water_v * hf) as usize).min(h);
        let span = (hf - water_v * hf).max(1.0);
        for y in y_start..h {
            let v = (y as f32 + 0.5) / hf;
            let depth = (y as f32 - water_v * hf) / span;
            let mirror_v = (water_v - (v - water_v) * 2.0).max(0.0);
            let ripple = if rng.unit() < 0.25 {
                rng.range(0.9, 1.12)
            } else {
                1.0
            };
            let colour = scale(
                lerp(pal.sky(mirror_v, horizon_v), pal.water, 0.35 + 0.3 * depth),
                0.85 * ripple,
            );
            for x in 0..w {
                cv.set(x, y, colour);
            }
            // Sun glitter: a broken streak below the sun, widening towards the viewer.
            if rng.unit() < 0.6 {
                let half = sun_r * (0.6 + 1.2 * depth) * rng.range(0.4, 1.0);
                let centre = sun_x + rng.range(-0.3, 0.3) * sun_r;
                let xa = ((centre - half).max(0.0) as usize).min(w);
                let xb = ((centre + half).max(0.0) as usize).min(w);
                for x in xa..xb {
                    cv.blend(x, y, pal.sun, 0.55 * (1.0 - depth * 0.5));
                }
            }
        }
    }

    cv.px
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // First outputs for seed 0 from the reference implementation.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn fnv1a64_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn hsv_primaries() {
        assert_eq!(hsv(0.0, 1.0, 1.0), [255.0, 0.0, 0.0]);
        assert_eq!(hsv(1.0 / 3.0, 1.0, 1.0).map(to_u8), [0, 255, 0]);
        assert_eq!(hsv(0.5, 0.0, 0.5).map(to_u8), [128, 128, 128]);
    }

    #[test]
    fn paint_is_deterministic_and_sized() {
        let a = paint(37, 23, 9, "x");
        assert_eq!(a.len(), 37 * 23 * 3);
        assert_eq!(a, paint(37, 23, 9, "x"));
        // Degenerate but legal sizes must not panic.
        assert_eq!(paint(1, 1, 1, "").len(), 3);
        assert_eq!(paint(1, 300, 2, "tall").len(), 900);
        assert_eq!(paint(300, 1, 3, "wide").len(), 900);
    }
}
