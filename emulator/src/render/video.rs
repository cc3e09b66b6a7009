//! Deterministic procedural MP4 videos for emulated video jobs (WAN 2.2, LTX-2.3, Seedance).
//!
//! [`render_mp4`] films the same procedural landscape that [`render_image`](super::render_image)
//! paints: the scene is painted once, a little wider than the frame, and the camera pans
//! across it (left or right, chosen by the seed). With a starting image (image-to-video) the
//! first frame *is* that image and it dissolves into the panning scene over the first half of
//! the clip; with an end image the second half dissolves into it and the last frame *is* that
//! image. [`render_last_frame_png`] gives that final frame as a PNG (for `lastFrameUrl`).
//!
//! # Encoding
//!
//! No ffmpeg and no C: a small H.264 encoder lives in this module. It writes a
//! Constrained Baseline stream (profile 66 with constraint_set0/1, so `avc1.42C0xx`; CAVLC,
//! one slice per picture, deblocking off, POC type 2, no B pictures) made of Intra 16×16
//! macroblocks and integer-pel P 16×16 / P_Skip macroblocks at a fixed QP per picture
//! (26 for IDR pictures, 28 while panning, 24 during dissolves). The pan moves by whole,
//! even pixels and the encoder knows the step, so a macroblock whose source merely moved is
//! coded as a skip (or a bare motion vector) without any search; only the revealed edge and
//! dissolves cost real work.
//! IDR pictures start the stream, repeat every [`KEYFRAME_INTERVAL_SECS`] seconds, and also
//! end each dissolve (the first frame without the starting image, the end-image frame), so
//! no ghost of a dissolve lingers. The stream is wrapped in a minimal "fast start" MP4
//! (`ftyp`, then `moov` with one `avc1` track carrying `avcC`, `colr` (BT.709, limited
//! range) and `pasp`, then `mdat`); every sample is one length-prefixed NAL unit and the
//! media timescale is `round(fps × 1000)` with 1000 ticks per frame, so the duration is
//! exactly `frames / fps`.
//!
//! Costs, release build: 640×360×81 frames ≈ 25 ms and ≈ 15 KB for a plain pan, ≈ 0.3 s
//! and ≈ 330 KB with starting and end images (dissolving frames are coded in full);
//! 1280×720×121 ≈ 0.1 s / 1.4 s. Debug builds are about 20× slower.
//!
//! # Size rules
//!
//! Width and height must be **even** (4:2:0 chroma) and within
//! `2..=`[`MAX_VIDEO_DIMENSION`]; they are coded as whole 16×16 macroblocks and cropped
//! back in the sequence header, so any even size plays at exactly its requested size.
//! `frames` must be `1..=`[`MAX_VIDEO_FRAMES`] and `fps` finite and within `1..=`[`MAX_FPS`].
//! Nothing is rendered at a reduced size: cost grows with width × height × dissolving
//! frames, so callers that want speed ask for small videos.

use super::{encode, post, scene, ImageFormat, RenderError};

/// Largest accepted video width or height, in pixels.
pub const MAX_VIDEO_DIMENSION: u32 = 1920;

/// Largest accepted number of frames.
pub const MAX_VIDEO_FRAMES: u32 = 2048;

/// Largest accepted frame rate, in frames per second.
pub const MAX_FPS: f64 = 120.0;

/// Seconds between IDR (key) frames; the first frame is always one.
pub const KEYFRAME_INTERVAL_SECS: f64 = 10.0;

/// Everything that determines one rendered video.
#[derive(Debug, Clone, Copy)]
pub struct VideoSpec<'a> {
    /// Output width in pixels: even, `2..=`[`MAX_VIDEO_DIMENSION`].
    pub width: u32,
    /// Output height in pixels: even, `2..=`[`MAX_VIDEO_DIMENSION`].
    pub height: u32,
    /// Number of frames, `1..=`[`MAX_VIDEO_FRAMES`].
    pub frames: u32,
    /// Frames per second, `1..=`[`MAX_FPS`] (fractional rates such as 23.976 are fine).
    pub fps: f64,
    /// The job's seed: chooses the layout and the pan direction.
    pub seed: u64,
    /// The positive prompt: chooses the colours (and perturbs the layout).
    pub prompt: &'a str,
    /// Uploaded starting image (PNG/JPEG/WebP bytes): the first frame (image-to-video).
    pub starting_image: Option<&'a [u8]>,
    /// Uploaded end image (PNG/JPEG/WebP bytes): the last frame.
    pub end_image: Option<&'a [u8]>,
}

impl<'a> VideoSpec<'a> {
    /// A plain text-to-video spec: no starting or end image.
    pub fn new(width: u32, height: u32, frames: u32, fps: f64, seed: u64, prompt: &'a str) -> Self {
        Self {
            width,
            height,
            frames,
            fps,
            seed,
            prompt,
            starting_image: None,
            end_image: None,
        }
    }

    /// The clip's duration in seconds, `frames / fps`.
    pub fn duration_secs(&self) -> f64 {
        f64::from(self.frames) / self.fps
    }
}

/// Renders and encodes one video as MP4 (H.264). Deterministic: the same spec gives the same
/// bytes.
pub fn render_mp4(spec: &VideoSpec<'_>) -> Result<Vec<u8>, RenderError> {
    encode_video(spec, None)
}

/// Renders the final frame of the video described by `spec` as a PNG of the requested size.
///
/// This is the frame *before* H.264 compression (so it is exact, and cheap: nothing is
/// encoded); with an end image it is that image resized to the video size.
pub fn render_last_frame_png(spec: &VideoSpec<'_>) -> Result<Vec<u8>, RenderError> {
    let board = Storyboard::new(spec)?;
    let mut rgb = Vec::new();
    board.frame_rgb(spec.frames - 1, &mut rgb);
    encode(&rgb, spec.width, spec.height, ImageFormat::Png)
}

fn invalid(reason: String) -> RenderError {
    RenderError::InvalidVideo(reason)
}

fn validate(spec: &VideoSpec<'_>) -> Result<(), RenderError> {
    let (w, h) = (spec.width, spec.height);
    if !(2..=MAX_VIDEO_DIMENSION).contains(&w)
        || !(2..=MAX_VIDEO_DIMENSION).contains(&h)
        || w % 2 != 0
        || h % 2 != 0
    {
        return Err(invalid(format!(
            "size {w}x{h}: each side must be even and 2..={MAX_VIDEO_DIMENSION}"
        )));
    }
    if !(1..=MAX_VIDEO_FRAMES).contains(&spec.frames) {
        return Err(invalid(format!(
            "{} frames: must be 1..={MAX_VIDEO_FRAMES}",
            spec.frames
        )));
    }
    if !(spec.fps.is_finite() && (1.0..=MAX_FPS).contains(&spec.fps)) {
        return Err(invalid(format!(
            "frame rate {}: must be 1..={MAX_FPS}",
            spec.fps
        )));
    }
    Ok(())
}

/// Renders every frame, encodes it and muxes the MP4; when `recon` is given, the encoder's
/// reconstructed pictures (what a decoder must output) are collected there.
fn encode_video(
    spec: &VideoSpec<'_>,
    mut recon: Option<&mut Vec<h264::Picture>>,
) -> Result<Vec<u8>, RenderError> {
    let board = Storyboard::new(spec)?;
    let (w, h) = (spec.width as usize, spec.height as usize);
    let mut enc = h264::Encoder::new(w, h, spec.fps);
    let keyframe_every = ((spec.fps * KEYFRAME_INTERVAL_SECS).round() as u32).max(1);
    let mut samples = Vec::with_capacity(spec.frames as usize);
    let mut yuv = h264::Picture::new(enc.coded_width(), enc.coded_height());
    for i in 0..spec.frames {
        board.frame_yuv(i, &mut yuv);
        let idr = i % keyframe_every == 0 || board.refresh(i);
        let (ws, we) = board.weights(i);
        let qp = if idr {
            h264::QP_KEY
        } else if (1..256).contains(&ws) || (1..256).contains(&we) {
            h264::QP_FADE
        } else {
            h264::QP_PAN
        };
        // Content moves opposite to the camera: a camera step of +d px means the current
        // pixel x was at x + d in the previous frame.
        let hint = if i == 0 {
            0
        } else {
            board.offsets[i as usize] as i32 - board.offsets[i as usize - 1] as i32
        };
        let nal = enc.encode(&yuv, idr, qp, (hint, 0));
        if let Some(r) = recon.as_deref_mut() {
            r.push(enc.reconstruction().clone());
        }
        samples.push(mp4::Sample { nal, sync: idr });
    }
    Ok(mp4::mux(&mp4::Track {
        width: spec.width,
        height: spec.height,
        fps: spec.fps,
        sps: enc.sps(),
        pps: enc.pps(),
        profile_idc: h264::PROFILE_IDC,
        constraint_flags: h264::CONSTRAINT_FLAGS,
        level_idc: enc.level_idc(),
        samples,
    }))
}

/// The painted world, the camera path and the reference images.
struct Storyboard {
    width: usize,
    height: usize,
    frames: u32,
    /// RGB8 rows of the (wider) painted scene.
    world: Vec<u8>,
    world_width: usize,
    /// The same, as Y'CbCr 4:2:0 (converted once; frames are crops of it).
    world_yuv: Planes,
    /// Left edge of the camera window in the world, per frame (always even).
    offsets: Vec<usize>,
    /// The starting and end images (RGB8 and Y'CbCr), resized to the video size.
    start: Option<(Vec<u8>, Planes)>,
    end: Option<(Vec<u8>, Planes)>,
}

/// Unpadded Y'CbCr 4:2:0 planes of an even-sized picture.
struct Planes {
    y: Vec<u8>,
    u: Vec<u8>,
    v: Vec<u8>,
}

impl Planes {
    /// Plane `k`: 0 = Y', 1 = Cb, 2 = Cr.
    fn plane(&self, k: usize) -> &[u8] {
        match k {
            0 => &self.y,
            1 => &self.u,
            _ => &self.v,
        }
    }
}

impl Storyboard {
    fn new(spec: &VideoSpec<'_>) -> Result<Self, RenderError> {
        validate(spec)?;
        let (w, h) = (spec.width, spec.height);
        let load = |bytes: &[u8]| {
            post::decode(bytes).map(|img| {
                let rgb = post::fit(img, w, h).into_raw();
                let yuv = rgb_to_planes(&rgb, w as usize, h as usize);
                (rgb, yuv)
            })
        };
        let start = spec
            .starting_image
            .map(load)
            .transpose()
            .map_err(RenderError::StartingImage)?;
        let end = spec
            .end_image
            .map(load)
            .transpose()
            .map_err(RenderError::EndImage)?;
        let (width, height, frames) = (w as usize, h as usize, spec.frames);
        // Pan about 15% of the width, at most 3 px per frame, in whole even steps.
        let pan = ((width * 3 / 20).min(3 * (frames as usize - 1))) & !1;
        let world_width = width + pan;
        let world = scene::paint(world_width as u32, h, spec.seed, spec.prompt);
        let world_yuv = rgb_to_planes(&world, world_width, height);
        let mut rng = scene::SplitMix64::new(spec.seed ^ 0x5649_4445_4F5F_5041);
        let rightwards = rng.next_u64() & 1 == 0;
        let offsets = (0..frames)
            .map(|i| {
                let t = if frames > 1 {
                    f64::from(i) / f64::from(frames - 1)
                } else {
                    0.0
                };
                let o = ((pan / 2) as f64 * t).round() as usize * 2;
                if rightwards {
                    o
                } else {
                    pan - o
                }
            })
            .collect();
        Ok(Self {
            width,
            height,
            frames,
            world,
            world_width,
            world_yuv,
            offsets,
            start,
            end,
        })
    }

    /// Whether frame `i` should be an IDR picture to wipe out what fades left behind: the
    /// first frame without the starting image and the last frame when it is the end image.
    fn refresh(&self, i: u32) -> bool {
        let (ws, we) = self.weights(i);
        (self.start.is_some() && i > 0 && ws == 0 && self.weights(i - 1).0 > 0)
            || (self.end.is_some() && we == 256 && i > 0)
    }

    /// Weights (out of 256) of the starting and end images in frame `i`.
    fn weights(&self, i: u32) -> (u32, u32) {
        let t = if self.frames > 1 {
            f64::from(i) / f64::from(self.frames - 1)
        } else {
            0.0
        };
        let smooth = |x: f64| {
            let x = x.clamp(0.0, 1.0);
            x * x * (3.0 - 2.0 * x)
        };
        let ws = if self.start.is_some() {
            ((1.0 - smooth(t * 2.0)) * 256.0).round() as u32
        } else {
            0
        };
        let we = if self.end.is_some() {
            (smooth(t * 2.0 - 1.0) * 256.0).round() as u32
        } else {
            0
        };
        (ws, we.min(256 - ws))
    }

    /// Frame `i` as tightly packed RGB8 rows.
    fn frame_rgb(&self, i: u32, out: &mut Vec<u8>) {
        let (w, h) = (self.width, self.height);
        out.clear();
        out.reserve(w * h * 3);
        let x0 = self.offsets[i as usize];
        for y in 0..h {
            let row = (y * self.world_width + x0) * 3;
            out.extend_from_slice(&self.world[row..row + w * 3]);
        }
        let (ws, we) = self.weights(i);
        let start = self.start.as_ref().map(|s| &s.0[..]);
        let end = self.end.as_ref().map(|e| &e.0[..]);
        blend(out, start, ws, end, we);
    }

    /// Frame `i` as the encoder's input: the display area of `pic` is filled (crop of the
    /// world, dissolved with the starting/end image in Y'CbCr), then the edges are padded.
    fn frame_yuv(&self, i: u32, pic: &mut h264::Picture) {
        let (w, h) = (self.width, self.height);
        let x0 = self.offsets[i as usize];
        let (ws, we) = self.weights(i);
        let dst_width = pic.width;
        for (k, dst) in [&mut pic.y, &mut pic.u, &mut pic.v].into_iter().enumerate() {
            let d = if k == 0 { 1 } else { 2 };
            let (pw, ph, stride, ww) = (w / d, h / d, dst_width / d, self.world_width / d);
            let world = self.world_yuv.plane(k);
            let start = self.start.as_ref().map(|s| s.1.plane(k));
            let end = self.end.as_ref().map(|e| e.1.plane(k));
            for y in 0..ph {
                let row = &mut dst[y * stride..y * stride + pw];
                row.copy_from_slice(&world[y * ww + x0 / d..][..pw]);
                let line = y * pw..(y + 1) * pw;
                let (s, e) = (start.map(|p| &p[line.clone()]), end.map(|p| &p[line]));
                blend(row, s, ws, e, we);
            }
        }
        pad(pic, w, h);
    }
}

/// `out = out·(256 - ws - we) + start·ws + end·we` (weights out of 256; exact copies at 256).
fn blend(out: &mut [u8], start: Option<&[u8]>, ws: u32, end: Option<&[u8]>, we: u32) {
    match (start, end) {
        (Some(s), _) if ws == 256 => out.copy_from_slice(s),
        (_, Some(e)) if we == 256 => out.copy_from_slice(e),
        _ if ws + we > 0 => {
            let keep = 256 - ws - we;
            for (j, o) in out.iter_mut().enumerate() {
                let s = start.map_or(0, |s| u32::from(s[j]) * ws);
                let e = end.map_or(0, |e| u32::from(e[j]) * we);
                *o = ((u32::from(*o) * keep + s + e + 128) >> 8) as u8;
            }
        }
        _ => {}
    }
}

/// Replicates the right column and bottom row of the `w`×`h` display area into the
/// macroblock padding of `pic`.
fn pad(pic: &mut h264::Picture, w: usize, h: usize) {
    let stride = pic.width;
    for (plane, d) in [(&mut pic.y, 1), (&mut pic.u, 2), (&mut pic.v, 2)] {
        let (pw, ph, cs) = (w / d, h / d, stride / d);
        for y in 0..ph {
            let last = plane[y * cs + pw - 1];
            plane[y * cs + pw..(y + 1) * cs].fill(last);
        }
        let rows = plane.len() / cs;
        for y in ph..rows {
            plane.copy_within((ph - 1) * cs..ph * cs, y * cs);
        }
    }
}

/// BT.709 limited-range RGB → Y'CbCr 4:2:0 (chroma from 2×2 averages). `w` and `h` are even.
fn rgb_to_planes(rgb: &[u8], w: usize, h: usize) -> Planes {
    let y = rgb
        .chunks_exact(3)
        .map(|p| {
            let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
            (16 + ((11966 * r + 40254 * g + 4064 * b + 32768) >> 16)) as u8
        })
        .collect();
    let (w2, h2) = (w / 2, h / 2);
    let mut u = Vec::with_capacity(w2 * h2);
    let mut v = Vec::with_capacity(w2 * h2);
    for cy in 0..h2 {
        let r0 = &rgb[2 * cy * w * 3..(2 * cy + 1) * w * 3];
        let r1 = &rgb[(2 * cy + 1) * w * 3..(2 * cy + 2) * w * 3];
        for cx in 0..w2 {
            let i = cx * 6;
            let sum = |c: usize| {
                i32::from(r0[i + c])
                    + i32::from(r0[i + 3 + c])
                    + i32::from(r1[i + c])
                    + i32::from(r1[i + 3 + c])
            };
            let (r, g, b) = (sum(0), sum(1), sum(2));
            u.push((128 + ((-6596 * r - 22189 * g + 28785 * b + (1 << 17)) >> 18)) as u8);
            v.push((128 + ((28784 * r - 26145 * g - 2639 * b + (1 << 17)) >> 18)) as u8);
        }
    }
    Planes { y, u, v }
}

/// A minimal H.264 encoder: Constrained Baseline, CAVLC, Intra 16×16 and integer-pel
/// P 16×16 / P_Skip macroblocks, fixed QP, deblocking disabled.
mod h264 {
    /// `profile_idc` of the stream: Baseline.
    pub(super) const PROFILE_IDC: u8 = 66;
    /// `constraint_set0_flag` and `constraint_set1_flag`: Constrained Baseline (decodable as
    /// Main too).
    pub(super) const CONSTRAINT_FLAGS: u8 = 0b1100_0000;
    /// QP of IDR pictures.
    pub(super) const QP_KEY: i32 = 26;
    /// QP of P pictures while the camera pans over the scene (little changes: cheap).
    pub(super) const QP_PAN: i32 = 28;
    /// QP of P pictures during dissolves: finer, or dissolves leave ghosts behind.
    pub(super) const QP_FADE: i32 = 24;
    /// `log2_max_frame_num`.
    const LOG2_MAX_FRAME_NUM: u32 = 8;
    /// Largest motion vector component searched, in pixels.
    const MAX_MV: i32 = 64;
    /// Lagrangian weight of motion-vector bits against luma SAD.
    const LAMBDA: i32 = 6;

    /// A 4:2:0 picture at the coded (macroblock-aligned) size.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct Picture {
        pub(super) width: usize,
        pub(super) height: usize,
        pub(super) y: Vec<u8>,
        pub(super) u: Vec<u8>,
        pub(super) v: Vec<u8>,
    }

    impl Picture {
        pub(super) fn new(width: usize, height: usize) -> Self {
            Self {
                width,
                height,
                y: vec![0; width * height],
                u: vec![128; width * height / 4],
                v: vec![128; width * height / 4],
            }
        }
    }

    /// Big-endian bit writer for RBSP data.
    struct BitWriter {
        buf: Vec<u8>,
        acc: u64,
        bits: u32,
    }

    impl BitWriter {
        fn new() -> Self {
            Self {
                buf: Vec::new(),
                acc: 0,
                bits: 0,
            }
        }

        fn put(&mut self, n: u32, value: u32) {
            debug_assert!(n <= 32);
            if n == 0 {
                return;
            }
            self.acc = (self.acc << n) | u64::from(value & (u32::MAX >> (32 - n)));
            self.bits += n;
            while self.bits >= 8 {
                self.bits -= 8;
                self.buf.push((self.acc >> self.bits) as u8);
            }
        }

        fn flag(&mut self, b: bool) {
            self.put(1, u32::from(b));
        }

        fn ue(&mut self, v: u32) {
            let x = v + 1;
            let len = 32 - x.leading_zeros();
            self.put(len - 1, 0);
            self.put(len, x);
        }

        fn se(&mut self, v: i32) {
            self.ue(if v > 0 {
                2 * v as u32 - 1
            } else {
                2 * v.unsigned_abs()
            });
        }

        /// `rbsp_trailing_bits()` and the finished RBSP.
        fn finish(mut self) -> Vec<u8> {
            self.put(1, 1);
            if self.bits > 0 {
                self.put(8 - self.bits, 0);
            }
            self.buf
        }
    }

    /// Bits of `ue(v)`.
    fn ue_bits(v: u32) -> i32 {
        (2 * (32 - (v + 1).leading_zeros()) - 1) as i32
    }

    /// Bits of `se(v)`.
    fn se_bits(v: i32) -> i32 {
        ue_bits(if v > 0 {
            2 * v as u32 - 1
        } else {
            2 * v.unsigned_abs()
        })
    }

    /// A NAL unit (header byte + RBSP with emulation prevention), without a start code.
    fn nal(ref_idc: u8, nal_type: u8, rbsp: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(rbsp.len() + rbsp.len() / 64 + 2);
        out.push((ref_idc << 5) | nal_type);
        let mut zeros = 0;
        for &b in rbsp {
            if zeros >= 2 && b <= 3 {
                out.push(3);
                zeros = 0;
            }
            out.push(b);
            zeros = if b == 0 { zeros + 1 } else { 0 };
        }
        out
    }

    /// Zig-zag scan: scan position → raster index (`y * 4 + x`) in a 4×4 block.
    const ZIGZAG: [usize; 16] = [0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15];

    /// Quantisation multipliers by `qp % 6` and position class (0: both even, 1: both odd,
    /// 2: mixed).
    const MF: [[i32; 3]; 6] = [
        [13107, 5243, 8066],
        [11916, 4660, 7490],
        [10082, 4194, 6554],
        [9362, 3647, 5825],
        [8192, 3355, 5243],
        [7282, 2893, 4559],
    ];

    /// Dequantisation scales (`normAdjust4x4`), same indexing as [`MF`].
    const V: [[i32; 3]; 6] = [
        [10, 16, 13],
        [11, 18, 14],
        [13, 20, 16],
        [14, 23, 18],
        [16, 25, 20],
        [18, 29, 23],
    ];

    /// Position class of raster index `i` in a 4×4 block.
    const CLASS: [usize; 16] = [0, 2, 0, 2, 2, 1, 2, 1, 0, 2, 0, 2, 2, 1, 2, 1];

    /// `QPc` for `qPI >= 30` (`qPI < 30` maps to itself).
    const CHROMA_QP: [i32; 22] = [
        29, 30, 31, 32, 32, 33, 34, 34, 35, 35, 36, 36, 37, 37, 37, 38, 38, 38, 39, 39, 39, 39,
    ];

    fn chroma_qp(qp: i32) -> i32 {
        if qp < 30 {
            qp
        } else {
            CHROMA_QP[(qp - 30) as usize]
        }
    }

    /// `codeNum` of each `coded_block_pattern` for inter macroblocks (Table 9-4).
    const INTER_CBP_CODE: [u8; 48] = [
        0, 2, 3, 7, 4, 8, 17, 13, 5, 18, 9, 14, 10, 15, 16, 11, 1, 32, 33, 36, 34, 37, 44, 40, 35,
        45, 38, 41, 39, 42, 43, 19, 6, 24, 25, 20, 26, 21, 46, 28, 27, 47, 22, 29, 23, 30, 31, 12,
    ];

    /// `COEFF_TOKEN[table][total_coeff][trailing_ones] = (code, bits)`; tables for
    /// nC 0..2, 2..4, 4..8, 8.. and -1 (chroma DC).
    #[rustfmt::skip]
    const COEFF_TOKEN: [[[(u8, u8); 4]; 17]; 5] = [
        [
            [(1, 1), (0, 0), (0, 0), (0, 0)],
            [(5, 6), (1, 2), (0, 0), (0, 0)],
            [(7, 8), (4, 6), (1, 3), (0, 0)],
            [(7, 9), (6, 8), (5, 7), (3, 5)],
            [(7, 10), (6, 9), (5, 8), (3, 6)],
            [(7, 11), (6, 10), (5, 9), (4, 7)],
            [(15, 13), (6, 11), (5, 10), (4, 8)],
            [(11, 13), (14, 13), (5, 11), (4, 9)],
            [(8, 13), (10, 13), (13, 13), (4, 10)],
            [(15, 14), (14, 14), (9, 13), (4, 11)],
            [(11, 14), (10, 14), (13, 14), (12, 13)],
            [(15, 15), (14, 15), (9, 14), (12, 14)],
            [(11, 15), (10, 15), (13, 15), (8, 14)],
            [(15, 16), (1, 15), (9, 15), (12, 15)],
            [(11, 16), (14, 16), (13, 16), (8, 15)],
            [(7, 16), (10, 16), (9, 16), (12, 16)],
            [(4, 16), (6, 16), (5, 16), (8, 16)],
        ],
        [
            [(3, 2), (0, 0), (0, 0), (0, 0)],
            [(11, 6), (2, 2), (0, 0), (0, 0)],
            [(7, 6), (7, 5), (3, 3), (0, 0)],
            [(7, 7), (10, 6), (9, 6), (5, 4)],
            [(7, 8), (6, 6), (5, 6), (4, 4)],
            [(4, 8), (6, 7), (5, 7), (6, 5)],
            [(7, 9), (6, 8), (5, 8), (8, 6)],
            [(15, 11), (6, 9), (5, 9), (4, 6)],
            [(11, 11), (14, 11), (13, 11), (4, 7)],
            [(15, 12), (10, 11), (9, 11), (4, 9)],
            [(11, 12), (14, 12), (13, 12), (12, 11)],
            [(8, 12), (10, 12), (9, 12), (8, 11)],
            [(15, 13), (14, 13), (13, 13), (12, 12)],
            [(11, 13), (10, 13), (9, 13), (12, 13)],
            [(7, 13), (11, 14), (6, 13), (8, 13)],
            [(9, 14), (8, 14), (10, 14), (1, 13)],
            [(7, 14), (6, 14), (5, 14), (4, 14)],
        ],
        [
            [(15, 4), (0, 0), (0, 0), (0, 0)],
            [(15, 6), (14, 4), (0, 0), (0, 0)],
            [(11, 6), (15, 5), (13, 4), (0, 0)],
            [(8, 6), (12, 5), (14, 5), (12, 4)],
            [(15, 7), (10, 5), (11, 5), (11, 4)],
            [(11, 7), (8, 5), (9, 5), (10, 4)],
            [(9, 7), (14, 6), (13, 6), (9, 4)],
            [(8, 7), (10, 6), (9, 6), (8, 4)],
            [(15, 8), (14, 7), (13, 7), (13, 5)],
            [(11, 8), (14, 8), (10, 7), (12, 6)],
            [(15, 9), (10, 8), (13, 8), (12, 7)],
            [(11, 9), (14, 9), (9, 8), (12, 8)],
            [(8, 9), (10, 9), (13, 9), (8, 8)],
            [(13, 10), (7, 9), (9, 9), (12, 9)],
            [(9, 10), (12, 10), (11, 10), (10, 10)],
            [(5, 10), (8, 10), (7, 10), (6, 10)],
            [(1, 10), (4, 10), (3, 10), (2, 10)],
        ],
        [
            [(3, 6), (0, 0), (0, 0), (0, 0)],
            [(0, 6), (1, 6), (0, 0), (0, 0)],
            [(4, 6), (5, 6), (6, 6), (0, 0)],
            [(8, 6), (9, 6), (10, 6), (11, 6)],
            [(12, 6), (13, 6), (14, 6), (15, 6)],
            [(16, 6), (17, 6), (18, 6), (19, 6)],
            [(20, 6), (21, 6), (22, 6), (23, 6)],
            [(24, 6), (25, 6), (26, 6), (27, 6)],
            [(28, 6), (29, 6), (30, 6), (31, 6)],
            [(32, 6), (33, 6), (34, 6), (35, 6)],
            [(36, 6), (37, 6), (38, 6), (39, 6)],
            [(40, 6), (41, 6), (42, 6), (43, 6)],
            [(44, 6), (45, 6), (46, 6), (47, 6)],
            [(48, 6), (49, 6), (50, 6), (51, 6)],
            [(52, 6), (53, 6), (54, 6), (55, 6)],
            [(56, 6), (57, 6), (58, 6), (59, 6)],
            [(60, 6), (61, 6), (62, 6), (63, 6)],
        ],
        [
            [(1, 2), (0, 0), (0, 0), (0, 0)],
            [(7, 6), (1, 1), (0, 0), (0, 0)],
            [(4, 6), (6, 6), (1, 3), (0, 0)],
            [(3, 6), (3, 7), (2, 7), (5, 6)],
            [(2, 6), (3, 8), (2, 8), (0, 7)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
            [(0, 0), (0, 0), (0, 0), (0, 0)],
        ],
    ];

    /// `TOTAL_ZEROS[total_coeff][total_zeros] = (code, bits)` for 4×4 blocks.
    #[rustfmt::skip]
    const TOTAL_ZEROS: [[(u8, u8); 16]; 16] = [
        [(0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(1, 1), (3, 3), (2, 3), (3, 4), (2, 4), (3, 5), (2, 5), (3, 6), (2, 6), (3, 7), (2, 7), (3, 8), (2, 8), (3, 9), (2, 9), (1, 9)],
        [(7, 3), (6, 3), (5, 3), (4, 3), (3, 3), (5, 4), (4, 4), (3, 4), (2, 4), (3, 5), (2, 5), (3, 6), (2, 6), (1, 6), (0, 6), (0, 0)],
        [(5, 4), (7, 3), (6, 3), (5, 3), (4, 4), (3, 4), (4, 3), (3, 3), (2, 4), (3, 5), (2, 5), (1, 6), (1, 5), (0, 6), (0, 0), (0, 0)],
        [(3, 5), (7, 3), (5, 4), (4, 4), (6, 3), (5, 3), (4, 3), (3, 4), (3, 3), (2, 4), (2, 5), (1, 5), (0, 5), (0, 0), (0, 0), (0, 0)],
        [(5, 4), (4, 4), (3, 4), (7, 3), (6, 3), (5, 3), (4, 3), (3, 3), (2, 4), (1, 5), (1, 4), (0, 5), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(1, 6), (1, 5), (7, 3), (6, 3), (5, 3), (4, 3), (3, 3), (2, 3), (1, 4), (1, 3), (0, 6), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(1, 6), (1, 5), (5, 3), (4, 3), (3, 3), (3, 2), (2, 3), (1, 4), (1, 3), (0, 6), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(1, 6), (1, 4), (1, 5), (3, 3), (3, 2), (2, 2), (2, 3), (1, 3), (0, 6), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(1, 6), (0, 6), (1, 4), (3, 2), (2, 2), (1, 3), (1, 2), (1, 5), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(1, 5), (0, 5), (1, 3), (3, 2), (2, 2), (1, 2), (1, 4), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(0, 4), (1, 4), (1, 3), (2, 3), (1, 1), (3, 3), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(0, 4), (1, 4), (1, 2), (1, 1), (1, 3), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(0, 3), (1, 3), (1, 1), (1, 2), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(0, 2), (1, 2), (1, 1), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(0, 1), (1, 1), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
    ];

    /// `TOTAL_ZEROS_CHROMA_DC[total_coeff][total_zeros] = (code, bits)`.
    const TOTAL_ZEROS_CHROMA_DC: [[(u8, u8); 4]; 4] = [
        [(0, 0), (0, 0), (0, 0), (0, 0)],
        [(1, 1), (1, 2), (1, 3), (0, 3)],
        [(1, 1), (1, 2), (0, 2), (0, 0)],
        [(1, 1), (0, 1), (0, 0), (0, 0)],
    ];

    /// `RUN_BEFORE[min(zeros_left, 7)][run_before] = (code, bits)`.
    #[rustfmt::skip]
    const RUN_BEFORE: [[(u8, u8); 15]; 8] = [
        [(0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(1, 1), (0, 1), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(1, 1), (1, 2), (0, 2), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(3, 2), (2, 2), (1, 2), (0, 2), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(3, 2), (2, 2), (1, 2), (1, 3), (0, 3), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(3, 2), (2, 2), (3, 3), (2, 3), (1, 3), (0, 3), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(3, 2), (0, 3), (1, 3), (3, 3), (2, 3), (5, 3), (4, 3), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)],
        [(7, 3), (6, 3), (5, 3), (4, 3), (3, 3), (2, 3), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (1, 9), (1, 10), (1, 11)],
    ];

    /// Writes one CAVLC `residual_block` (`coeffs` in scan order, `coeffs.len()` =
    /// maxNumCoeff; `nc` = -1 selects the chroma DC tables).
    fn write_block(bw: &mut BitWriter, coeffs: &[i32], nc: i32) {
        let max = coeffs.len();
        let mut levels = [0i32; 16];
        let mut runs = [0usize; 16];
        let mut total = 0;
        let mut i = coeffs
            .iter()
            .rposition(|&c| c != 0)
            .map_or(-1, |p| p as isize);
        let total_zeros = if i >= 0 { i as usize + 1 } else { 0 };
        while i >= 0 {
            levels[total] = coeffs[i as usize];
            i -= 1;
            let mut run = 0;
            while i >= 0 && coeffs[i as usize] == 0 {
                run += 1;
                i -= 1;
            }
            runs[total] = run;
            total += 1;
        }
        let total_zeros = total_zeros - total;
        let mut t1 = 0;
        let mut signs = 0u32;
        for &l in levels.iter().take(total.min(3)) {
            if l.abs() != 1 {
                break;
            }
            t1 += 1;
            signs = (signs << 1) | u32::from(l < 0);
        }
        let table = match nc {
            -1 => 4,
            0..=1 => 0,
            2..=3 => 1,
            4..=7 => 2,
            _ => 3,
        };
        let (code, len) = COEFF_TOKEN[table][total][t1];
        bw.put(u32::from(len), u32::from(code));
        if total == 0 {
            return;
        }
        bw.put(t1 as u32, signs);
        let mut suffix_len: u32 = if total > 10 && t1 < 3 { 1 } else { 0 };
        for (k, &val) in levels.iter().enumerate().take(total).skip(t1) {
            let mut level_code = if val > 0 {
                2 * val as u32 - 2
            } else {
                2 * val.unsigned_abs() - 1
            };
            if k == t1 && t1 < 3 {
                level_code -= 2;
            }
            let (prefix, suffix, suffix_size) = if suffix_len == 0 {
                if level_code < 14 {
                    (level_code, 0, 0)
                } else if level_code < 30 {
                    (14, level_code - 14, 4)
                } else {
                    (15, level_code - 30, 12)
                }
            } else if level_code < (15 << suffix_len) {
                (
                    level_code >> suffix_len,
                    level_code & ((1 << suffix_len) - 1),
                    suffix_len,
                )
            } else {
                (15, level_code - (15 << suffix_len), 12)
            };
            // Levels are bounded by the QP range used, far below the escape limit.
            debug_assert!(suffix < 4096, "level {val} too large for Baseline CAVLC");
            bw.put(prefix, 0);
            bw.put(1, 1);
            bw.put(suffix_size, suffix);
            if suffix_len == 0 {
                suffix_len = 1;
            }
            if val.unsigned_abs() > (3 << (suffix_len - 1)) && suffix_len < 6 {
                suffix_len += 1;
            }
        }
        if total < max {
            let (code, len) = if nc == -1 {
                TOTAL_ZEROS_CHROMA_DC[total][total_zeros]
            } else {
                TOTAL_ZEROS[total][total_zeros]
            };
            bw.put(u32::from(len), u32::from(code));
        }
        let mut zeros_left = total_zeros;
        for &run in runs.iter().take(total - 1) {
            if zeros_left == 0 {
                break;
            }
            let (code, len) = RUN_BEFORE[zeros_left.min(7)][run];
            bw.put(u32::from(len), u32::from(code));
            zeros_left -= run;
        }
    }

    /// Forward 4×4 core transform of a raster residual block (exact integers).
    fn fdct(r: &[i32; 16]) -> [i32; 16] {
        let mut t = [0i32; 16];
        for y in 0..4 {
            let p = &r[y * 4..y * 4 + 4];
            let (a, b, c, d) = (p[0] + p[3], p[1] + p[2], p[1] - p[2], p[0] - p[3]);
            t[y * 4] = a + b;
            t[y * 4 + 1] = 2 * d + c;
            t[y * 4 + 2] = a - b;
            t[y * 4 + 3] = d - 2 * c;
        }
        let mut o = [0i32; 16];
        for x in 0..4 {
            let (p0, p1, p2, p3) = (t[x], t[4 + x], t[8 + x], t[12 + x]);
            let (a, b, c, d) = (p0 + p3, p1 + p2, p1 - p2, p0 - p3);
            o[x] = a + b;
            o[4 + x] = 2 * d + c;
            o[8 + x] = a - b;
            o[12 + x] = d - 2 * c;
        }
        o
    }

    /// Inverse 4×4 transform of scaled coefficients (rows, then columns), `(x + 32) >> 6`.
    fn idct(d: &[i32; 16]) -> [i32; 16] {
        let mut f = [0i32; 16];
        for i in 0..4 {
            let r = &d[i * 4..i * 4 + 4];
            let (e0, e1) = (r[0] + r[2], r[0] - r[2]);
            let (e2, e3) = ((r[1] >> 1) - r[3], r[1] + (r[3] >> 1));
            f[i * 4] = e0 + e3;
            f[i * 4 + 1] = e1 + e2;
            f[i * 4 + 2] = e1 - e2;
            f[i * 4 + 3] = e0 - e3;
        }
        let mut h = [0i32; 16];
        for j in 0..4 {
            let (c0, c1, c2, c3) = (f[j], f[4 + j], f[8 + j], f[12 + j]);
            let (g0, g1) = (c0 + c2, c0 - c2);
            let (g2, g3) = ((c1 >> 1) - c3, c1 + (c3 >> 1));
            h[j] = (g0 + g3 + 32) >> 6;
            h[4 + j] = (g1 + g2 + 32) >> 6;
            h[8 + j] = (g1 - g2 + 32) >> 6;
            h[12 + j] = (g0 - g3 + 32) >> 6;
        }
        h
    }

    /// 4×4 Hadamard transform `H · c · H` (exact integers).
    fn hadamard4(c: &[i32; 16]) -> [i32; 16] {
        let mut t = [0i32; 16];
        for y in 0..4 {
            let p = &c[y * 4..y * 4 + 4];
            let (a, b, c2, d) = (p[0] + p[1], p[2] + p[3], p[0] - p[1], p[2] - p[3]);
            t[y * 4] = a + b;
            t[y * 4 + 1] = a - b;
            t[y * 4 + 2] = c2 - d;
            t[y * 4 + 3] = c2 + d;
        }
        let mut o = [0i32; 16];
        for x in 0..4 {
            let (p0, p1, p2, p3) = (t[x], t[4 + x], t[8 + x], t[12 + x]);
            let (a, b, c2, d) = (p0 + p1, p2 + p3, p0 - p1, p2 - p3);
            o[x] = a + b;
            o[4 + x] = a - b;
            o[8 + x] = c2 - d;
            o[12 + x] = c2 + d;
        }
        o
    }

    fn hadamard2(c: &[i32; 4]) -> [i32; 4] {
        [
            c[0] + c[1] + c[2] + c[3],
            c[0] - c[1] + c[2] - c[3],
            c[0] + c[1] - c[2] - c[3],
            c[0] - c[1] - c[2] + c[3],
        ]
    }

    fn quant(w: i32, mf: i32, f: i32, qbits: u32) -> i32 {
        let q = ((i64::from(w.unsigned_abs()) * i64::from(mf) + i64::from(f)) >> qbits) as i32;
        if w < 0 {
            -q
        } else {
            q
        }
    }

    /// Per-QP quantiser constants.
    #[derive(Clone, Copy)]
    struct Quant {
        qp: i32,
        qbits: u32,
        /// Rounding offset: 1/3 (intra) or 1/6 (inter) of a step.
        f: i32,
    }

    impl Quant {
        fn new(qp: i32, intra: bool) -> Self {
            let qbits = 15 + (qp / 6) as u32;
            let f = (1 << qbits) / if intra { 3 } else { 6 };
            Self { qp, qbits, f }
        }

        fn mf(&self, class: usize) -> i32 {
            MF[(self.qp % 6) as usize][class]
        }

        /// Quantises all 16 coefficients (raster order).
        fn block(&self, w: &[i32; 16], skip_dc: bool) -> [i32; 16] {
            let mut out = [0i32; 16];
            for i in usize::from(skip_dc)..16 {
                out[i] = quant(w[i], self.mf(CLASS[i]), self.f, self.qbits);
            }
            out
        }

        /// Dequantises (raster order); the DC is left alone when `skip_dc`.
        fn dequant(&self, levels: &[i32; 16], skip_dc: bool) -> [i32; 16] {
            let m = (self.qp % 6) as usize;
            let shift = (self.qp / 6) as u32;
            let mut out = [0i32; 16];
            for i in usize::from(skip_dc)..16 {
                out[i] = (levels[i] * V[m][CLASS[i]]) << shift;
            }
            out
        }
    }

    /// A motion vector in quarter-pel units.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    struct Mv {
        x: i32,
        y: i32,
    }

    impl Mv {
        fn px(x: i32, y: i32) -> Self {
            Self { x: x * 4, y: y * 4 }
        }
    }

    /// What later macroblocks need to know about a coded one.
    #[derive(Debug, Clone, Copy, Default)]
    struct MbInfo {
        inter: bool,
        mv: Mv,
    }

    /// Coefficient levels of one macroblock (raster order inside each 4×4 block).
    struct Residual {
        /// Luma blocks by raster position `by * 4 + bx`.
        luma: [[i32; 16]; 16],
        /// Intra 16×16 DC levels by block position `by * 4 + bx`.
        luma_dc: [i32; 16],
        /// Chroma DC levels, `[cb, cr]`, by block position `by * 2 + bx`.
        chroma_dc: [[i32; 4]; 2],
        /// Chroma AC levels, `[cb, cr]`, by block position.
        chroma_ac: [[[i32; 16]; 4]; 2],
        /// Luma bits of `coded_block_pattern` (one per 8×8).
        cbp_luma: u32,
        /// Chroma part of `coded_block_pattern`: 0, 1 (DC only) or 2 (DC and AC).
        cbp_chroma: u32,
    }

    /// Raster position `(bx, by)` of `luma4x4BlkIdx`.
    fn blk_pos(idx: usize) -> (usize, usize) {
        let (b8, b4) = (idx / 4, idx % 4);
        ((b8 % 2) * 2 + b4 % 2, (b8 / 2) * 2 + b4 / 2)
    }

    /// Predicted nC from the left and upper neighbours' total coefficients.
    fn nc(table: &[u8], stride: usize, gx: usize, gy: usize) -> i32 {
        let a = (gx > 0).then(|| i32::from(table[gy * stride + gx - 1]));
        let b = (gy > 0).then(|| i32::from(table[(gy - 1) * stride + gx]));
        match (a, b) {
            (Some(a), Some(b)) => (a + b + 1) >> 1,
            (Some(n), None) | (None, Some(n)) => n,
            (None, None) => 0,
        }
    }

    fn total_coeff(levels: &[i32]) -> u8 {
        levels.iter().filter(|&&l| l != 0).count() as u8
    }

    fn clip(v: i32) -> u8 {
        v.clamp(0, 255) as u8
    }

    /// Intra 16×16 prediction modes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum I16Mode {
        Vertical = 0,
        Horizontal = 1,
        Dc = 2,
        Plane = 3,
    }

    /// The encoder's state across pictures.
    pub(super) struct Encoder {
        width: usize,
        height: usize,
        mb_w: usize,
        mb_h: usize,
        level_idc: u8,
        frame_num: u32,
        idr_pic_id: u32,
        /// Reconstruction of the picture being coded, then of the last coded picture.
        cur: Picture,
        /// The reference picture (previous reconstruction).
        prev: Picture,
        /// The previous source picture, to spot macroblocks that merely moved.
        prev_src: Option<Picture>,
        mbs: Vec<MbInfo>,
        /// Total coefficients per 4×4 block: luma (`mb_w * 4` wide), Cb and Cr (`mb_w * 2`).
        nz_y: Vec<u8>,
        nz_c: [Vec<u8>; 2],
    }

    /// H.264 levels: (`level_idc`, MaxFS, MaxMBPS).
    const LEVELS: [(u8, u32, f64); 18] = [
        (10, 99, 1485.0),
        (11, 396, 3000.0),
        (12, 396, 6000.0),
        (13, 396, 11880.0),
        (20, 396, 11880.0),
        (21, 792, 19800.0),
        (22, 1620, 20250.0),
        (30, 1620, 40500.0),
        (31, 3600, 108_000.0),
        (32, 5120, 216_000.0),
        (40, 8192, 245_760.0),
        (42, 8704, 522_240.0),
        (50, 22080, 589_824.0),
        (51, 36864, 983_040.0),
        (52, 36864, 2_073_600.0),
        (60, 139_264, 4_177_920.0),
        (61, 139_264, 8_355_840.0),
        (62, 139_264, 16_711_680.0),
    ];

    impl Encoder {
        /// An encoder for `width`×`height` (both even) pictures at `fps`.
        pub(super) fn new(width: usize, height: usize, fps: f64) -> Self {
            let (mb_w, mb_h) = (width.div_ceil(16), height.div_ceil(16));
            let fs = (mb_w * mb_h) as u32;
            let level_idc = LEVELS
                .iter()
                .find(|&&(_, max_fs, max_mbps)| {
                    let side = f64::from(8 * max_fs).sqrt();
                    fs <= max_fs
                        && f64::from(fs) * fps <= max_mbps
                        && (mb_w as f64) <= side
                        && (mb_h as f64) <= side
                })
                .map_or(62, |l| l.0);
            let (cw, ch) = (mb_w * 16, mb_h * 16);
            Self {
                width,
                height,
                mb_w,
                mb_h,
                level_idc,
                frame_num: 0,
                idr_pic_id: 0,
                cur: Picture::new(cw, ch),
                prev: Picture::new(cw, ch),
                prev_src: None,
                mbs: vec![MbInfo::default(); mb_w * mb_h],
                nz_y: vec![0; mb_w * mb_h * 16],
                nz_c: [vec![0; mb_w * mb_h * 4], vec![0; mb_w * mb_h * 4]],
            }
        }

        pub(super) fn coded_width(&self) -> usize {
            self.mb_w * 16
        }

        pub(super) fn coded_height(&self) -> usize {
            self.mb_h * 16
        }

        pub(super) fn level_idc(&self) -> u8 {
            self.level_idc
        }

        /// The last coded picture as a decoder reconstructs it (coded size).
        pub(super) fn reconstruction(&self) -> &Picture {
            &self.prev
        }

        /// The sequence parameter set NAL unit.
        pub(super) fn sps(&self) -> Vec<u8> {
            let mut bw = BitWriter::new();
            bw.put(8, u32::from(PROFILE_IDC));
            bw.put(8, u32::from(CONSTRAINT_FLAGS));
            bw.put(8, u32::from(self.level_idc));
            bw.ue(0); // seq_parameter_set_id
            bw.ue(LOG2_MAX_FRAME_NUM - 4);
            bw.ue(2); // pic_order_cnt_type: output order = decoding order
            bw.ue(1); // max_num_ref_frames
            bw.flag(false); // gaps_in_frame_num_value_allowed_flag
            bw.ue(self.mb_w as u32 - 1);
            bw.ue(self.mb_h as u32 - 1);
            bw.flag(true); // frame_mbs_only_flag
            bw.flag(true); // direct_8x8_inference_flag
            let (crop_r, crop_b) = (self.mb_w * 16 - self.width, self.mb_h * 16 - self.height);
            let crop = crop_r > 0 || crop_b > 0;
            bw.flag(crop);
            if crop {
                // Offsets in units of 2 luma samples (4:2:0).
                bw.ue(0);
                bw.ue(crop_r as u32 / 2);
                bw.ue(0);
                bw.ue(crop_b as u32 / 2);
            }
            bw.flag(true); // vui_parameters_present_flag
            bw.flag(false); // aspect_ratio_info_present_flag
            bw.flag(false); // overscan_info_present_flag
            bw.flag(true); // video_signal_type_present_flag
            bw.put(3, 5); // video_format: unspecified
            bw.flag(false); // video_full_range_flag
            bw.flag(true); // colour_description_present_flag
            bw.put(8, 1); // colour_primaries: BT.709
            bw.put(8, 1); // transfer_characteristics: BT.709
            bw.put(8, 1); // matrix_coefficients: BT.709
            bw.flag(false); // chroma_loc_info_present_flag
            bw.flag(false); // timing_info_present_flag
            bw.flag(false); // nal_hrd_parameters_present_flag
            bw.flag(false); // vcl_hrd_parameters_present_flag
            bw.flag(false); // pic_struct_present_flag
            bw.flag(true); // bitstream_restriction_flag
            bw.flag(true); // motion_vectors_over_pic_boundaries_flag
            bw.ue(0); // max_bytes_per_pic_denom
            bw.ue(0); // max_bits_per_mb_denom
            bw.ue(10); // log2_max_mv_length_horizontal
            bw.ue(10); // log2_max_mv_length_vertical
            bw.ue(0); // max_num_reorder_frames
            bw.ue(1); // max_dec_frame_buffering
            nal(3, 7, &bw.finish())
        }

        /// The picture parameter set NAL unit.
        pub(super) fn pps(&self) -> Vec<u8> {
            let mut bw = BitWriter::new();
            bw.ue(0); // pic_parameter_set_id
            bw.ue(0); // seq_parameter_set_id
            bw.flag(false); // entropy_coding_mode_flag: CAVLC
            bw.flag(false); // bottom_field_pic_order_in_frame_present_flag
            bw.ue(0); // num_slice_groups_minus1
            bw.ue(0); // num_ref_idx_l0_default_active_minus1
            bw.ue(0); // num_ref_idx_l1_default_active_minus1
            bw.flag(false); // weighted_pred_flag
            bw.put(2, 0); // weighted_bipred_idc
            bw.se(0); // pic_init_qp_minus26
            bw.se(0); // pic_init_qs_minus26
            bw.se(0); // chroma_qp_index_offset
            bw.flag(true); // deblocking_filter_control_present_flag
            bw.flag(false); // constrained_intra_pred_flag
            bw.flag(false); // redundant_pic_cnt_present_flag
            nal(3, 8, &bw.finish())
        }

        /// Encodes one picture (coded size, edges already padded) as one slice NAL unit.
        /// `hint` is the expected content motion in whole pixels (a motion-search seed).
        pub(super) fn encode(
            &mut self,
            src: &Picture,
            idr: bool,
            qp: i32,
            hint: (i32, i32),
        ) -> Vec<u8> {
            if idr {
                self.frame_num = 0;
            }
            let mut bw = BitWriter::new();
            bw.ue(0); // first_mb_in_slice
            bw.ue(if idr { 7 } else { 5 }); // slice_type: I or P (all slices alike)
            bw.ue(0); // pic_parameter_set_id
            bw.put(
                LOG2_MAX_FRAME_NUM,
                self.frame_num % (1 << LOG2_MAX_FRAME_NUM),
            );
            if idr {
                bw.ue(self.idr_pic_id % 2);
            } else {
                bw.flag(false); // num_ref_idx_active_override_flag
                bw.flag(false); // ref_pic_list_modification_flag_l0
            }
            if idr {
                bw.flag(false); // no_output_of_prior_pics_flag
                bw.flag(false); // long_term_reference_flag
            } else {
                bw.flag(false); // adaptive_ref_pic_marking_mode_flag
            }
            bw.se(qp - 26); // slice_qp_delta
            bw.ue(1); // disable_deblocking_filter_idc

            let hint = Mv::px(hint.0.clamp(-MAX_MV, MAX_MV), hint.1.clamp(-MAX_MV, MAX_MV));
            let mut skip_run = 0u32;
            for mby in 0..self.mb_h {
                for mbx in 0..self.mb_w {
                    if idr {
                        self.code_intra(&mut bw, src, mbx, mby, qp, false);
                    } else {
                        self.code_p(&mut bw, src, mbx, mby, qp, hint, &mut skip_run);
                    }
                }
            }
            if skip_run > 0 {
                bw.ue(skip_run);
            }
            let rbsp = bw.finish();
            let out = if idr {
                self.idr_pic_id += 1;
                nal(3, 5, &rbsp)
            } else {
                nal(2, 1, &rbsp)
            };
            self.frame_num += 1;
            std::mem::swap(&mut self.cur, &mut self.prev);
            match &mut self.prev_src {
                Some(p) => p.clone_from(src),
                None => self.prev_src = Some(src.clone()),
            }
            out
        }

        fn load_src(src: &Picture, mbx: usize, mby: usize) -> ([u8; 256], [[u8; 64]; 2]) {
            let mut y = [0u8; 256];
            for r in 0..16 {
                let o = (mby * 16 + r) * src.width + mbx * 16;
                y[r * 16..r * 16 + 16].copy_from_slice(&src.y[o..o + 16]);
            }
            let mut c = [[0u8; 64]; 2];
            let cw = src.width / 2;
            for (k, plane) in [&src.u, &src.v].into_iter().enumerate() {
                for r in 0..8 {
                    let o = (mby * 8 + r) * cw + mbx * 8;
                    c[k][r * 8..r * 8 + 8].copy_from_slice(&plane[o..o + 8]);
                }
            }
            (y, c)
        }

        fn store_recon(&mut self, mbx: usize, mby: usize, y: &[u8; 256], c: &[[u8; 64]; 2]) {
            let w = self.cur.width;
            for r in 0..16 {
                let o = (mby * 16 + r) * w + mbx * 16;
                self.cur.y[o..o + 16].copy_from_slice(&y[r * 16..r * 16 + 16]);
            }
            let cw = w / 2;
            for (k, plane) in [&mut self.cur.u, &mut self.cur.v].into_iter().enumerate() {
                for r in 0..8 {
                    let o = (mby * 8 + r) * cw + mbx * 8;
                    plane[o..o + 8].copy_from_slice(&c[k][r * 8..r * 8 + 8]);
                }
            }
        }

        // ---- intra ----------------------------------------------------------------------

        /// Intra 16×16 luma prediction for `mode`, or `None` when its neighbours are missing.
        fn pred_i16(&self, mbx: usize, mby: usize, mode: I16Mode) -> Option<[u8; 256]> {
            let w = self.cur.width;
            let (x0, y0) = (mbx * 16, mby * 16);
            let (has_top, has_left) = (mby > 0, mbx > 0);
            let top = |x: usize| i32::from(self.cur.y[(y0 - 1) * w + x0 + x]);
            let left = |y: usize| i32::from(self.cur.y[(y0 + y) * w + x0 - 1]);
            let mut p = [0u8; 256];
            match mode {
                I16Mode::Vertical => {
                    if !has_top {
                        return None;
                    }
                    for y in 0..16 {
                        for x in 0..16 {
                            p[y * 16 + x] = top(x) as u8;
                        }
                    }
                }
                I16Mode::Horizontal => {
                    if !has_left {
                        return None;
                    }
                    for y in 0..16 {
                        p[y * 16..y * 16 + 16].fill(left(y) as u8);
                    }
                }
                I16Mode::Dc => {
                    let dc = match (has_top, has_left) {
                        (true, true) => {
                            ((0..16).map(top).sum::<i32>() + (0..16).map(left).sum::<i32>() + 16)
                                >> 5
                        }
                        (true, false) => ((0..16).map(top).sum::<i32>() + 8) >> 4,
                        (false, true) => ((0..16).map(left).sum::<i32>() + 8) >> 4,
                        (false, false) => 128,
                    };
                    p.fill(dc as u8);
                }
                I16Mode::Plane => {
                    if !(has_top && has_left) {
                        return None;
                    }
                    let corner = i32::from(self.cur.y[(y0 - 1) * w + x0 - 1]);
                    let t = |x: i32| if x < 0 { corner } else { top(x as usize) };
                    let l = |y: i32| if y < 0 { corner } else { left(y as usize) };
                    let h: i32 = (0..8).map(|i| (i + 1) * (t(8 + i) - t(6 - i))).sum();
                    let v: i32 = (0..8).map(|i| (i + 1) * (l(8 + i) - l(6 - i))).sum();
                    let a = 16 * (left(15) + top(15));
                    let b = (5 * h + 32) >> 6;
                    let c = (5 * v + 32) >> 6;
                    for y in 0..16 {
                        for x in 0..16 {
                            p[y * 16 + x] =
                                clip((a + b * (x as i32 - 7) + c * (y as i32 - 7) + 16) >> 5);
                        }
                    }
                }
            }
            Some(p)
        }

        /// Chroma DC prediction (`intra_chroma_pred_mode` 0) for both components.
        fn pred_chroma_dc(&self, mbx: usize, mby: usize) -> [[u8; 64]; 2] {
            let cw = self.cur.width / 2;
            let (x0, y0) = (mbx * 8, mby * 8);
            let (has_top, has_left) = (mby > 0, mbx > 0);
            let mut out = [[0u8; 64]; 2];
            for (k, plane) in [&self.cur.u, &self.cur.v].into_iter().enumerate() {
                for by in 0..2 {
                    for bx in 0..2 {
                        let top = || {
                            (0..4)
                                .map(|x| i32::from(plane[(y0 - 1) * cw + x0 + bx * 4 + x]))
                                .sum::<i32>()
                        };
                        let left = || {
                            (0..4)
                                .map(|y| i32::from(plane[(y0 + by * 4 + y) * cw + x0 - 1]))
                                .sum::<i32>()
                        };
                        let both = || (top() + left() + 4) >> 3;
                        let dc = match (bx, by, has_top, has_left) {
                            (_, _, false, false) => 128,
                            // Blocks 0 and 3 use both edges when they can.
                            (0, 0, true, true) | (1, 1, true, true) => both(),
                            // Block 1 (top right) prefers the top edge.
                            (1, 0, true, _) => (top() + 2) >> 2,
                            // Block 2 (bottom left) prefers the left edge.
                            (0, 1, _, true) => (left() + 2) >> 2,
                            (_, _, true, false) => (top() + 2) >> 2,
                            (_, _, false, true) => (left() + 2) >> 2,
                            _ => unreachable!("covered above"),
                        };
                        for y in 0..4 {
                            let o = (by * 4 + y) * 8 + bx * 4;
                            out[k][o..o + 4].fill(dc as u8);
                        }
                    }
                }
            }
            out
        }

        /// Best Intra 16×16 mode by SAD.
        fn best_i16(&self, src: &[u8; 256], mbx: usize, mby: usize) -> (I16Mode, [u8; 256], i32) {
            let mut best: Option<(I16Mode, [u8; 256], i32)> = None;
            for mode in [
                I16Mode::Dc,
                I16Mode::Vertical,
                I16Mode::Horizontal,
                I16Mode::Plane,
            ] {
                if let Some(p) = self.pred_i16(mbx, mby, mode) {
                    let cost = sad(src, &p);
                    if best.as_ref().is_none_or(|b| cost < b.2) {
                        best = Some((mode, p, cost));
                    }
                }
            }
            best.expect("DC prediction is always available")
        }

        /// Chooses, reconstructs and writes an Intra 16×16 macroblock.
        fn code_intra(
            &mut self,
            bw: &mut BitWriter,
            src: &Picture,
            mbx: usize,
            mby: usize,
            qp: i32,
            in_p_slice: bool,
        ) {
            let (sy, sc) = Self::load_src(src, mbx, mby);
            let (mode, pred, _) = self.best_i16(&sy, mbx, mby);
            let cpred = self.pred_chroma_dc(mbx, mby);
            let q = Quant::new(qp, true);
            let qc = Quant::new(chroma_qp(qp), true);

            let mut res = Residual {
                luma: [[0; 16]; 16],
                luma_dc: [0; 16],
                chroma_dc: [[0; 4]; 2],
                chroma_ac: [[[0; 16]; 4]; 2],
                cbp_luma: 0,
                cbp_chroma: 0,
            };
            // Luma: transform every 4×4 block; DCs go through the Hadamard transform.
            let mut dcs = [0i32; 16];
            for by in 0..4 {
                for bx in 0..4 {
                    let w = fdct(&residual4(&sy, &pred, 16, bx * 4, by * 4));
                    dcs[by * 4 + bx] = w[0];
                    res.luma[by * 4 + bx] = q.block(&w, true);
                }
            }
            let hd = hadamard4(&dcs);
            // Z = (|HWH| / 2 · MF + 2f) >> (qbits + 1), without the halving's rounding.
            res.luma_dc = hd.map(|v| quant(v, q.mf(0), 4 * q.f, q.qbits + 2));
            let any_ac = res.luma.iter().any(|b| b.iter().any(|&l| l != 0));
            res.cbp_luma = if any_ac { 15 } else { 0 };
            self.chroma_residual(&sc, &cpred, &qc, &mut res);

            // Reconstruct.
            let rec = recon_i16(&pred, &res, &q);
            let crec = recon_chroma(&cpred, &res, &qc);
            self.store_recon(mbx, mby, &rec, &crec);
            self.mbs[mby * self.mb_w + mbx] = MbInfo::default();
            self.set_nz(mbx, mby, &res, true);

            // Syntax.
            let mb_type = 1 + mode as u32 + 4 * res.cbp_chroma + if any_ac { 12 } else { 0 };
            bw.ue(mb_type + if in_p_slice { 5 } else { 0 });
            bw.ue(0); // intra_chroma_pred_mode: DC
            bw.se(0); // mb_qp_delta
            let stride = self.mb_w * 4;
            let ncv = nc(&self.nz_y, stride, mbx * 4, mby * 4);
            let dc_scan: Vec<i32> = ZIGZAG.iter().map(|&i| res.luma_dc[i]).collect();
            write_block(bw, &dc_scan, ncv);
            if any_ac {
                for idx in 0..16 {
                    let (bx, by) = blk_pos(idx);
                    let n = nc(&self.nz_y, stride, mbx * 4 + bx, mby * 4 + by);
                    let b = &res.luma[by * 4 + bx];
                    let scan: Vec<i32> = ZIGZAG[1..].iter().map(|&i| b[i]).collect();
                    write_block(bw, &scan, n);
                }
            }
            self.write_chroma(bw, mbx, mby, &res);
        }

        // ---- inter ----------------------------------------------------------------------

        /// The neighbour at macroblock offset, as `(inter, mv)`; `None` outside the picture.
        fn neighbour(&self, mbx: isize, mby: isize) -> Option<(bool, Mv)> {
            if mbx < 0 || mby < 0 || mbx >= self.mb_w as isize || mby >= self.mb_h as isize {
                return None;
            }
            let info = self.mbs[mby as usize * self.mb_w + mbx as usize];
            Some((info.inter, if info.inter { info.mv } else { Mv::default() }))
        }

        /// The motion vector predictor of a 16×16 partition and the P_Skip motion vector.
        fn predict_mv(&self, mbx: usize, mby: usize) -> (Mv, Mv) {
            let (x, y) = (mbx as isize, mby as isize);
            let a = self.neighbour(x - 1, y);
            let b = self.neighbour(x, y - 1);
            let c = self
                .neighbour(x + 1, y - 1)
                .or_else(|| self.neighbour(x - 1, y - 1));
            // (refIdx == 0, mv) of each; unavailable or intra → (false, 0).
            let as_ref = |n: Option<(bool, Mv)>| n.unwrap_or((false, Mv::default()));
            let ra = as_ref(a);
            let (mut rb, mut rc) = (as_ref(b), as_ref(c));
            if b.is_none() && c.is_none() && a.is_some() {
                rb = ra;
                rc = ra;
            }
            let matches = [ra.0, rb.0, rc.0].iter().filter(|&&m| m).count();
            let mvp = if matches == 1 {
                if ra.0 {
                    ra.1
                } else if rb.0 {
                    rb.1
                } else {
                    rc.1
                }
            } else {
                let med = |p: i32, q: i32, r: i32| p + q + r - p.min(q).min(r) - p.max(q).max(r);
                Mv {
                    x: med(ra.1.x, rb.1.x, rc.1.x),
                    y: med(ra.1.y, rb.1.y, rc.1.y),
                }
            };
            let zero_a = ra.0 && ra.1 == Mv::default();
            let zero_b = b.is_some_and(|n| n.0 && n.1 == Mv::default());
            let skip = if a.is_none() || b.is_none() || zero_a || zero_b {
                Mv::default()
            } else {
                mvp
            };
            (mvp, skip)
        }

        /// Integer-pel luma motion compensation from the reference picture.
        fn mc_luma(&self, mbx: usize, mby: usize, mv: Mv) -> [u8; 256] {
            let r = &self.prev;
            let (w, h) = (r.width as i32, r.height as i32);
            let (x0, y0) = ((mbx * 16) as i32 + mv.x / 4, (mby * 16) as i32 + mv.y / 4);
            let mut out = [0u8; 256];
            if x0 >= 0 && y0 >= 0 && x0 + 16 <= w && y0 + 16 <= h {
                for y in 0..16 {
                    let o = (y0 as usize + y) * r.width + x0 as usize;
                    out[y * 16..y * 16 + 16].copy_from_slice(&r.y[o..o + 16]);
                }
            } else {
                for y in 0..16 {
                    let sy = (y0 + y as i32).clamp(0, h - 1) as usize;
                    for x in 0..16 {
                        let sx = (x0 + x as i32).clamp(0, w - 1) as usize;
                        out[y * 16 + x] = r.y[sy * r.width + sx];
                    }
                }
            }
            out
        }

        /// Whether the source macroblock equals the previous source picture's block at
        /// `mv` (whole, even pixels, inside the picture), luma and chroma.
        fn source_moved(&self, src: &Picture, mbx: usize, mby: usize, mv: Mv) -> bool {
            let Some(prev) = &self.prev_src else {
                return false;
            };
            let (dx, dy) = (mv.x / 4, mv.y / 4);
            let (x0, y0) = ((mbx * 16) as i32 + dx, (mby * 16) as i32 + dy);
            if mv.x % 8 != 0
                || mv.y % 8 != 0
                || x0 < 0
                || y0 < 0
                || x0 as usize + 16 > src.width
                || y0 as usize + 16 > src.height
            {
                return false;
            }
            let (x0, y0) = (x0 as usize, y0 as usize);
            let w = src.width;
            let luma = (0..16).all(|r| {
                let a = (mby * 16 + r) * w + mbx * 16;
                let b = (y0 + r) * w + x0;
                src.y[a..a + 16] == prev.y[b..b + 16]
            });
            luma && [(&src.u, &prev.u), (&src.v, &prev.v)].iter().all(|(s, p)| {
                (0..8).all(|r| {
                    let a = (mby * 8 + r) * (w / 2) + mbx * 8;
                    let b = (y0 / 2 + r) * (w / 2) + x0 / 2;
                    s[a..a + 8] == p[b..b + 8]
                })
            })
        }

        /// Chroma motion compensation (eighth-pel bilinear) for a luma vector.
        fn mc_chroma(&self, mbx: usize, mby: usize, mv: Mv) -> [[u8; 64]; 2] {
            let r = &self.prev;
            let (cw, ch) = ((r.width / 2) as i32, (r.height / 2) as i32);
            let (fx, fy) = (mv.x & 7, mv.y & 7);
            let (x0, y0) = (
                (mbx * 8) as i32 + (mv.x >> 3),
                (mby * 8) as i32 + (mv.y >> 3),
            );
            let mut out = [[0u8; 64]; 2];
            if fx == 0 && fy == 0 && x0 >= 0 && y0 >= 0 && x0 + 8 <= cw && y0 + 8 <= ch {
                for (k, plane) in [&r.u, &r.v].into_iter().enumerate() {
                    for y in 0..8 {
                        let o = (y0 as usize + y) * cw as usize + x0 as usize;
                        out[k][y * 8..y * 8 + 8].copy_from_slice(&plane[o..o + 8]);
                    }
                }
                return out;
            }
            for (k, plane) in [&r.u, &r.v].into_iter().enumerate() {
                let at = |x: i32, y: i32| {
                    i32::from(plane[(y.clamp(0, ch - 1) * cw + x.clamp(0, cw - 1)) as usize])
                };
                for y in 0..8 {
                    for x in 0..8 {
                        let (sx, sy) = (x0 + x, y0 + y);
                        let v = ((8 - fx) * (8 - fy) * at(sx, sy)
                            + fx * (8 - fy) * at(sx + 1, sy)
                            + (8 - fx) * fy * at(sx, sy + 1)
                            + fx * fy * at(sx + 1, sy + 1)
                            + 32)
                            >> 6;
                        out[k][(y * 8 + x) as usize] = v as u8;
                    }
                }
            }
            out
        }

        /// Luma SAD of the 16×16 block at `mv` (whole pixels) against `src`.
        fn sad_at(&self, src: &[u8; 256], mbx: usize, mby: usize, mv: Mv) -> i32 {
            sad(src, &self.mc_luma(mbx, mby, mv))
        }

        /// Chooses and writes (or skips) one macroblock of a P picture.
        #[allow(clippy::too_many_arguments)]
        fn code_p(
            &mut self,
            bw: &mut BitWriter,
            src: &Picture,
            mbx: usize,
            mby: usize,
            qp: i32,
            hint: Mv,
            skip_run: &mut u32,
        ) {
            let (sy, sc) = Self::load_src(src, mbx, mby);
            let (mvp, skip_mv) = self.predict_mv(mbx, mby);
            let q = Quant::new(qp, false);
            let qc = Quant::new(chroma_qp(qp), false);

            // 0. Content that only moved by `hint` since the last picture: predicting it from
            // the last reconstruction at `hint` just carries that picture's coding error
            // along, so no residual is needed (and none is searched for).
            if self.source_moved(src, mbx, mby, hint) {
                let (pred, cpred) = (self.mc_luma(mbx, mby, hint), self.mc_chroma(mbx, mby, hint));
                self.store_recon(mbx, mby, &pred, &cpred);
                self.clear_nz(mbx, mby);
                self.mbs[mby * self.mb_w + mbx] = MbInfo {
                    inter: true,
                    mv: hint,
                };
                if hint == skip_mv {
                    *skip_run += 1;
                } else {
                    bw.ue(std::mem::take(skip_run));
                    bw.ue(0); // mb_type: P_L0_16x16
                    bw.se(hint.x - mvp.x);
                    bw.se(hint.y - mvp.y);
                    bw.ue(u32::from(INTER_CBP_CODE[0]));
                }
                return;
            }

            // 1. P_Skip when its prediction leaves nothing worth coding.
            let skip_sad = self.sad_at(&sy, mbx, mby, skip_mv);
            let mut skip_try = None;
            if skip_sad < 256 * 4 {
                let (res, pred, cpred) = self.inter_residual(&sy, &sc, mbx, mby, skip_mv, &q, &qc);
                if res.cbp_luma != 0 || res.cbp_chroma != 0 {
                    skip_try = Some((res, pred, cpred));
                } else {
                    self.store_recon(mbx, mby, &pred, &cpred);
                    self.mbs[mby * self.mb_w + mbx] = MbInfo {
                        inter: true,
                        mv: skip_mv,
                    };
                    self.clear_nz(mbx, mby);
                    *skip_run += 1;
                    return;
                }
            }

            // 2. Motion search over a few candidates, then a one-pixel refinement.
            let cost =
                |mv: Mv, sad: i32| sad + LAMBDA * (se_bits(mv.x - mvp.x) + se_bits(mv.y - mvp.y));
            let in_range = |mv: Mv| mv.x.abs() <= MAX_MV * 4 && mv.y.abs() <= MAX_MV * 4;
            let mut best = (skip_mv, skip_sad, cost(skip_mv, skip_sad));
            let mut tried = vec![skip_mv];
            let mut consider = |this: &Self, mv: Mv, best: &mut (Mv, i32, i32)| {
                if !tried.contains(&mv) && in_range(mv) {
                    tried.push(mv);
                    let s = this.sad_at(&sy, mbx, mby, mv);
                    let c = cost(mv, s);
                    if c < best.2 {
                        *best = (mv, s, c);
                    }
                }
            };
            let round = |mv: Mv| Mv {
                x: (mv.x / 4) * 4,
                y: (mv.y / 4) * 4,
            };
            for cand in [hint, Mv::default(), round(mvp)] {
                consider(self, cand, &mut best);
            }
            if best.1 > 256 {
                let centre = best.0;
                for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                    consider(
                        self,
                        Mv {
                            x: centre.x + dx * 4,
                            y: centre.y + dy * 4,
                        },
                        &mut best,
                    );
                }
            }

            // 3. Intra when motion compensation predicts poorly.
            if best.1 > 256 * 8 {
                let (_, _, intra_sad) = self.best_i16(&sy, mbx, mby);
                if intra_sad + 256 < best.1 {
                    bw.ue(std::mem::take(skip_run));
                    self.code_intra(bw, src, mbx, mby, qp, true);
                    return;
                }
            }

            // 4. P_L0_16x16 (or a skip after all, when the chosen vector is the skip vector
            // and nothing survives quantisation).
            let mv = best.0;
            let (res, pred, cpred) = match skip_try {
                Some(done) if mv == skip_mv => done,
                _ => self.inter_residual(&sy, &sc, mbx, mby, mv, &q, &qc),
            };
            self.mbs[mby * self.mb_w + mbx] = MbInfo { inter: true, mv };
            if mv == skip_mv && res.cbp_luma == 0 && res.cbp_chroma == 0 {
                self.store_recon(mbx, mby, &pred, &cpred);
                self.clear_nz(mbx, mby);
                *skip_run += 1;
                return;
            }
            let rec = recon_inter(&pred, &res, &q);
            let crec = recon_chroma(&cpred, &res, &qc);
            self.store_recon(mbx, mby, &rec, &crec);
            self.set_nz(mbx, mby, &res, false);

            bw.ue(std::mem::take(skip_run));
            bw.ue(0); // mb_type: P_L0_16x16
            bw.se(mv.x - mvp.x);
            bw.se(mv.y - mvp.y);
            let cbp = res.cbp_luma | (res.cbp_chroma << 4);
            bw.ue(u32::from(INTER_CBP_CODE[cbp as usize]));
            if cbp == 0 {
                return;
            }
            bw.se(0); // mb_qp_delta
            let stride = self.mb_w * 4;
            for idx in 0..16 {
                if res.cbp_luma & (1 << (idx / 4)) == 0 {
                    continue;
                }
                let (bx, by) = blk_pos(idx);
                let n = nc(&self.nz_y, stride, mbx * 4 + bx, mby * 4 + by);
                let b = &res.luma[by * 4 + bx];
                let scan: Vec<i32> = ZIGZAG.iter().map(|&i| b[i]).collect();
                write_block(bw, &scan, n);
            }
            self.write_chroma(bw, mbx, mby, &res);
        }

        /// Prediction and quantised residual of an inter macroblock at `mv`.
        #[allow(clippy::too_many_arguments)]
        fn inter_residual(
            &self,
            sy: &[u8; 256],
            sc: &[[u8; 64]; 2],
            mbx: usize,
            mby: usize,
            mv: Mv,
            q: &Quant,
            qc: &Quant,
        ) -> (Residual, [u8; 256], [[u8; 64]; 2]) {
            let pred = self.mc_luma(mbx, mby, mv);
            let cpred = self.mc_chroma(mbx, mby, mv);
            let mut res = Residual {
                luma: [[0; 16]; 16],
                luma_dc: [0; 16],
                chroma_dc: [[0; 4]; 2],
                chroma_ac: [[[0; 16]; 4]; 2],
                cbp_luma: 0,
                cbp_chroma: 0,
            };
            for b8 in 0..4 {
                let mut coded = false;
                for b4 in 0..4 {
                    let (bx, by) = blk_pos(b8 * 4 + b4);
                    let l = q.block(&fdct(&residual4(sy, &pred, 16, bx * 4, by * 4)), false);
                    coded |= l.iter().any(|&v| v != 0);
                    res.luma[by * 4 + bx] = l;
                }
                if coded {
                    res.cbp_luma |= 1 << b8;
                }
            }
            self.chroma_residual(sc, &cpred, qc, &mut res);
            (res, pred, cpred)
        }

        /// Chroma DC/AC levels and `cbp_chroma` for both components.
        fn chroma_residual(
            &self,
            sc: &[[u8; 64]; 2],
            cpred: &[[u8; 64]; 2],
            qc: &Quant,
            res: &mut Residual,
        ) {
            let mut any_dc = false;
            let mut any_ac = false;
            for k in 0..2 {
                let mut dcs = [0i32; 4];
                for by in 0..2 {
                    for bx in 0..2 {
                        let w = fdct(&residual4(&sc[k], &cpred[k], 8, bx * 4, by * 4));
                        dcs[by * 2 + bx] = w[0];
                        let l = qc.block(&w, true);
                        any_ac |= l.iter().any(|&v| v != 0);
                        res.chroma_ac[k][by * 2 + bx] = l;
                    }
                }
                let hd = hadamard2(&dcs);
                res.chroma_dc[k] = hd.map(|v| quant(v, qc.mf(0), 2 * qc.f, qc.qbits + 1));
                any_dc |= res.chroma_dc[k].iter().any(|&v| v != 0);
            }
            res.cbp_chroma = if any_ac { 2 } else { u32::from(any_dc) };
        }

        fn clear_nz(&mut self, mbx: usize, mby: usize) {
            let stride = self.mb_w * 4;
            for by in 0..4 {
                let o = (mby * 4 + by) * stride + mbx * 4;
                self.nz_y[o..o + 4].fill(0);
            }
            let cs = self.mb_w * 2;
            for plane in &mut self.nz_c {
                for by in 0..2 {
                    let o = (mby * 2 + by) * cs + mbx * 2;
                    plane[o..o + 2].fill(0);
                }
            }
        }

        /// Records the total coefficients of every coded block for later nC predictions.
        fn set_nz(&mut self, mbx: usize, mby: usize, res: &Residual, i16: bool) {
            let stride = self.mb_w * 4;
            for by in 0..4 {
                for bx in 0..4 {
                    let b8 = (by / 2) * 2 + bx / 2;
                    let n = if res.cbp_luma & (1 << b8) == 0 {
                        0
                    } else if i16 {
                        total_coeff(&res.luma[by * 4 + bx][1..])
                    } else {
                        total_coeff(&res.luma[by * 4 + bx])
                    };
                    self.nz_y[(mby * 4 + by) * stride + mbx * 4 + bx] = n;
                }
            }
            let cs = self.mb_w * 2;
            for k in 0..2 {
                for by in 0..2 {
                    for bx in 0..2 {
                        let n = if res.cbp_chroma == 2 {
                            total_coeff(&res.chroma_ac[k][by * 2 + bx][1..])
                        } else {
                            0
                        };
                        self.nz_c[k][(mby * 2 + by) * cs + mbx * 2 + bx] = n;
                    }
                }
            }
        }

        fn write_chroma(&self, bw: &mut BitWriter, mbx: usize, mby: usize, res: &Residual) {
            if res.cbp_chroma == 0 {
                return;
            }
            for k in 0..2 {
                write_block(bw, &res.chroma_dc[k], -1);
            }
            if res.cbp_chroma != 2 {
                return;
            }
            let cs = self.mb_w * 2;
            for k in 0..2 {
                for blk in 0..4 {
                    let (bx, by) = (blk % 2, blk / 2);
                    let n = nc(&self.nz_c[k], cs, mbx * 2 + bx, mby * 2 + by);
                    let b = &res.chroma_ac[k][blk];
                    let scan: Vec<i32> = ZIGZAG[1..].iter().map(|&i| b[i]).collect();
                    write_block(bw, &scan, n);
                }
            }
        }
    }

    fn sad(a: &[u8; 256], b: &[u8; 256]) -> i32 {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| i32::from(x.abs_diff(y)))
            .sum()
    }

    /// The 4×4 residual `src - pred` at (`x0`, `y0`) of blocks `stride` pixels wide.
    fn residual4(src: &[u8], pred: &[u8], stride: usize, x0: usize, y0: usize) -> [i32; 16] {
        let mut r = [0i32; 16];
        for y in 0..4 {
            for x in 0..4 {
                let i = (y0 + y) * stride + x0 + x;
                r[y * 4 + x] = i32::from(src[i]) - i32::from(pred[i]);
            }
        }
        r
    }

    /// Adds the inverse-transformed block `d` to the prediction at (`x0`, `y0`).
    fn add_block(out: &mut [u8], pred: &[u8], stride: usize, x0: usize, y0: usize, d: &[i32; 16]) {
        let r = idct(d);
        for y in 0..4 {
            for x in 0..4 {
                let i = (y0 + y) * stride + x0 + x;
                out[i] = clip(i32::from(pred[i]) + r[y * 4 + x]);
            }
        }
    }

    fn recon_i16(pred: &[u8; 256], res: &Residual, q: &Quant) -> [u8; 256] {
        // Luma DC: inverse Hadamard, then scaling (8.5.10).
        let f = hadamard4(&res.luma_dc);
        let ls = 16 * V[(q.qp % 6) as usize][0];
        let per = q.qp / 6;
        let dc: Vec<i32> = f
            .iter()
            .map(|&v| {
                if q.qp >= 36 {
                    (v * ls) << (per - 6)
                } else {
                    (v * ls + (1 << (5 - per))) >> (6 - per)
                }
            })
            .collect();
        let mut out = *pred;
        for by in 0..4 {
            for bx in 0..4 {
                let mut d = if res.cbp_luma != 0 {
                    q.dequant(&res.luma[by * 4 + bx], true)
                } else {
                    [0; 16]
                };
                d[0] = dc[by * 4 + bx];
                add_block(&mut out, pred, 16, bx * 4, by * 4, &d);
            }
        }
        out
    }

    fn recon_inter(pred: &[u8; 256], res: &Residual, q: &Quant) -> [u8; 256] {
        let mut out = *pred;
        for by in 0..4 {
            for bx in 0..4 {
                let b8 = (by / 2) * 2 + bx / 2;
                if res.cbp_luma & (1 << b8) != 0 {
                    let d = q.dequant(&res.luma[by * 4 + bx], false);
                    add_block(&mut out, pred, 16, bx * 4, by * 4, &d);
                }
            }
        }
        out
    }

    fn recon_chroma(cpred: &[[u8; 64]; 2], res: &Residual, qc: &Quant) -> [[u8; 64]; 2] {
        let mut out = *cpred;
        if res.cbp_chroma == 0 {
            return out;
        }
        let ls = 16 * V[(qc.qp % 6) as usize][0];
        let per = (qc.qp / 6) as u32;
        for k in 0..2 {
            let f = hadamard2(&res.chroma_dc[k]);
            for (blk, &dc) in f.iter().enumerate() {
                let (bx, by) = (blk % 2, blk / 2);
                let mut d = if res.cbp_chroma == 2 {
                    qc.dequant(&res.chroma_ac[k][blk], true)
                } else {
                    [0; 16]
                };
                d[0] = ((dc * ls) << per) >> 5;
                add_block(&mut out[k], &cpred[k], 8, bx * 4, by * 4, &d);
            }
        }
        out
    }
}

/// A minimal MP4 (ISO BMFF) muxer for one H.264 track, `moov` before `mdat`.
mod mp4 {
    /// One coded picture: a single NAL unit (without start code).
    pub(super) struct Sample {
        pub(super) nal: Vec<u8>,
        /// An IDR picture (random access point).
        pub(super) sync: bool,
    }

    /// Everything the muxer needs.
    pub(super) struct Track {
        pub(super) width: u32,
        pub(super) height: u32,
        pub(super) fps: f64,
        pub(super) sps: Vec<u8>,
        pub(super) pps: Vec<u8>,
        pub(super) profile_idc: u8,
        pub(super) constraint_flags: u8,
        pub(super) level_idc: u8,
        pub(super) samples: Vec<Sample>,
    }

    /// Ticks per frame in the media timescale (`timescale = round(fps * 1000)`).
    pub(super) const SAMPLE_DELTA: u32 = 1000;

    /// Movie-header timescale (milliseconds).
    const MOVIE_TIMESCALE: u32 = 1000;

    const IDENTITY_MATRIX: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];

    fn put_box(out: &mut Vec<u8>, kind: &[u8; 4], body: impl FnOnce(&mut Vec<u8>)) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(kind);
        body(out);
        let size = (out.len() - start) as u32;
        out[start..start + 4].copy_from_slice(&size.to_be_bytes());
    }

    fn put_full_box(
        out: &mut Vec<u8>,
        kind: &[u8; 4],
        version: u8,
        flags: u32,
        body: impl FnOnce(&mut Vec<u8>),
    ) {
        put_box(out, kind, |o| {
            o.extend_from_slice(&((u32::from(version) << 24) | flags).to_be_bytes());
            body(o);
        });
    }

    fn u16be(o: &mut Vec<u8>, v: u16) {
        o.extend_from_slice(&v.to_be_bytes());
    }

    fn u32be(o: &mut Vec<u8>, v: u32) {
        o.extend_from_slice(&v.to_be_bytes());
    }

    /// The whole file.
    pub(super) fn mux(track: &Track) -> Vec<u8> {
        let timescale = ((track.fps * 1000.0).round() as u32).max(1);
        let count = track.samples.len() as u32;
        let media_duration = count * SAMPLE_DELTA;
        let movie_duration = (u64::from(media_duration) * u64::from(MOVIE_TIMESCALE)
            + u64::from(timescale) / 2)
            / u64::from(timescale);
        let movie_duration = movie_duration as u32;

        let mut ftyp = Vec::new();
        put_box(&mut ftyp, b"ftyp", |o| {
            o.extend_from_slice(b"isom");
            u32be(o, 0x200);
            for brand in [b"isom", b"iso2", b"avc1", b"mp41"] {
                o.extend_from_slice(brand);
            }
        });
        let mdat_payload: usize = track.samples.iter().map(|s| s.nal.len() + 4).sum();
        // The chunk offset depends on the size of moov, which does not depend on the
        // offset's value: build once to measure, then for real.
        let probe = moov(track, timescale, media_duration, movie_duration, 0);
        let offset = (ftyp.len() + probe.len() + 8) as u32;
        let moov = moov(track, timescale, media_duration, movie_duration, offset);

        let mut out = Vec::with_capacity(ftyp.len() + moov.len() + 8 + mdat_payload);
        out.extend_from_slice(&ftyp);
        out.extend_from_slice(&moov);
        u32be(&mut out, (mdat_payload + 8) as u32);
        out.extend_from_slice(b"mdat");
        for s in &track.samples {
            u32be(&mut out, s.nal.len() as u32);
            out.extend_from_slice(&s.nal);
        }
        out
    }

    fn moov(
        track: &Track,
        timescale: u32,
        media_duration: u32,
        movie_duration: u32,
        chunk_offset: u32,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        put_box(&mut out, b"moov", |o| {
            put_full_box(o, b"mvhd", 0, 0, |o| {
                u32be(o, 0); // creation_time
                u32be(o, 0); // modification_time
                u32be(o, MOVIE_TIMESCALE);
                u32be(o, movie_duration);
                u32be(o, 0x0001_0000); // rate 1.0
                u16be(o, 0x0100); // volume 1.0
                o.extend_from_slice(&[0; 10]);
                IDENTITY_MATRIX.iter().for_each(|&v| u32be(o, v));
                o.extend_from_slice(&[0; 24]); // pre_defined
                u32be(o, 2); // next_track_ID
            });
            put_box(o, b"trak", |o| {
                put_full_box(o, b"tkhd", 0, 3, |o| {
                    u32be(o, 0);
                    u32be(o, 0);
                    u32be(o, 1); // track_ID
                    u32be(o, 0);
                    u32be(o, movie_duration);
                    o.extend_from_slice(&[0; 8]);
                    u16be(o, 0); // layer
                    u16be(o, 0); // alternate_group
                    u16be(o, 0); // volume
                    u16be(o, 0);
                    IDENTITY_MATRIX.iter().for_each(|&v| u32be(o, v));
                    u32be(o, track.width << 16);
                    u32be(o, track.height << 16);
                });
                put_box(o, b"mdia", |o| {
                    put_full_box(o, b"mdhd", 0, 0, |o| {
                        u32be(o, 0);
                        u32be(o, 0);
                        u32be(o, timescale);
                        u32be(o, media_duration);
                        u16be(o, 0x55C4); // language "und"
                        u16be(o, 0);
                    });
                    put_full_box(o, b"hdlr", 0, 0, |o| {
                        u32be(o, 0);
                        o.extend_from_slice(b"vide");
                        o.extend_from_slice(&[0; 12]);
                        o.extend_from_slice(b"VideoHandler\0");
                    });
                    put_box(o, b"minf", |o| {
                        put_full_box(o, b"vmhd", 0, 1, |o| o.extend_from_slice(&[0; 8]));
                        put_box(o, b"dinf", |o| {
                            put_full_box(o, b"dref", 0, 0, |o| {
                                u32be(o, 1);
                                put_full_box(o, b"url ", 0, 1, |_| {});
                            });
                        });
                        put_box(o, b"stbl", |o| stbl(o, track, chunk_offset));
                    });
                });
            });
        });
        out
    }

    fn stbl(o: &mut Vec<u8>, track: &Track, chunk_offset: u32) {
        let count = track.samples.len() as u32;
        put_full_box(o, b"stsd", 0, 0, |o| {
            u32be(o, 1);
            put_box(o, b"avc1", |o| {
                o.extend_from_slice(&[0; 6]);
                u16be(o, 1); // data_reference_index
                o.extend_from_slice(&[0; 16]); // pre_defined, reserved
                u16be(o, track.width as u16);
                u16be(o, track.height as u16);
                u32be(o, 0x0048_0000); // 72 dpi
                u32be(o, 0x0048_0000);
                u32be(o, 0);
                u16be(o, 1); // frame_count
                let mut name = [0u8; 32];
                let label = b"sogni-emulator h264";
                name[0] = label.len() as u8;
                name[1..=label.len()].copy_from_slice(label);
                o.extend_from_slice(&name);
                u16be(o, 0x0018); // depth
                u16be(o, 0xFFFF); // pre_defined = -1
                put_box(o, b"avcC", |o| {
                    o.push(1); // configurationVersion
                    o.push(track.profile_idc);
                    o.push(track.constraint_flags);
                    o.push(track.level_idc);
                    o.push(0xFF); // lengthSizeMinusOne = 3
                    o.push(0xE1); // one SPS
                    u16be(o, track.sps.len() as u16);
                    o.extend_from_slice(&track.sps);
                    o.push(1); // one PPS
                    u16be(o, track.pps.len() as u16);
                    o.extend_from_slice(&track.pps);
                });
                put_box(o, b"colr", |o| {
                    o.extend_from_slice(b"nclx");
                    u16be(o, 1); // BT.709 primaries
                    u16be(o, 1); // BT.709 transfer
                    u16be(o, 1); // BT.709 matrix
                    o.push(0); // limited range
                });
                put_box(o, b"pasp", |o| {
                    u32be(o, 1);
                    u32be(o, 1);
                });
            });
        });
        put_full_box(o, b"stts", 0, 0, |o| {
            u32be(o, 1);
            u32be(o, count);
            u32be(o, SAMPLE_DELTA);
        });
        let sync: Vec<u32> = (1..=count)
            .filter(|&i| track.samples[i as usize - 1].sync)
            .collect();
        put_full_box(o, b"stss", 0, 0, |o| {
            u32be(o, sync.len() as u32);
            sync.iter().for_each(|&i| u32be(o, i));
        });
        put_full_box(o, b"stsc", 0, 0, |o| {
            u32be(o, 1);
            u32be(o, 1); // first_chunk
            u32be(o, count); // samples_per_chunk
            u32be(o, 1); // sample_description_index
        });
        put_full_box(o, b"stsz", 0, 0, |o| {
            u32be(o, 0);
            u32be(o, count);
            for s in &track.samples {
                u32be(o, s.nal.len() as u32 + 4);
            }
        });
        put_full_box(o, b"stco", 0, 0, |o| {
            u32be(o, 1);
            u32be(o, chunk_offset);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};
    use openh264::formats::YUVSource;
    use std::io::Cursor;

    fn png_of(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .expect("encode test png");
        out
    }

    /// The H.264 access units of an MP4 written by [`render_mp4`], as Annex B byte streams
    /// (SPS and PPS in front of the first).
    fn annex_b(mp4_bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut reader =
            ::mp4::Mp4Reader::read_header(Cursor::new(mp4_bytes), mp4_bytes.len() as u64)
                .expect("mp4 parses");
        let track = reader.tracks().get(&1).expect("track 1");
        let avcc = track
            .trak
            .mdia
            .minf
            .stbl
            .stsd
            .avc1
            .clone()
            .expect("avc1")
            .avcc;
        let mut out = Vec::new();
        let count = track.sample_count();
        for i in 1..=count {
            let sample = reader.read_sample(1, i).expect("read").expect("sample");
            let mut au = Vec::new();
            if i == 1 {
                for nal in avcc
                    .sequence_parameter_sets
                    .iter()
                    .chain(&avcc.picture_parameter_sets)
                {
                    au.extend_from_slice(&[0, 0, 0, 1]);
                    au.extend_from_slice(&nal.bytes);
                }
            }
            let mut rest: &[u8] = &sample.bytes;
            while !rest.is_empty() {
                let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
                au.extend_from_slice(&[0, 0, 0, 1]);
                au.extend_from_slice(&rest[4..4 + len]);
                rest = &rest[4 + len..];
            }
            out.push(au);
        }
        out
    }

    /// Decodes with OpenH264 and compares every picture, bit for bit, with the encoder's
    /// reconstruction (cropped to the display size).
    fn assert_decodes_to_reconstruction(spec: &VideoSpec<'_>) {
        let mut recon = Vec::new();
        let bytes = encode_video(spec, Some(&mut recon)).unwrap();
        let units = annex_b(&bytes);
        assert_eq!(units.len(), spec.frames as usize);
        let mut dec = openh264::decoder::Decoder::new().unwrap();
        let (w, h) = (spec.width as usize, spec.height as usize);
        for (i, au) in units.iter().enumerate() {
            let pic = dec
                .decode(au)
                .unwrap_or_else(|e| panic!("frame {i}: {e}"))
                .unwrap_or_else(|| panic!("frame {i}: no picture"));
            assert_eq!(pic.dimensions(), (w, h), "frame {i}");
            let (sy, su, _) = pic.strides();
            let r = &recon[i];
            for y in 0..h {
                assert_eq!(
                    &pic.y()[y * sy..y * sy + w],
                    &r.y[y * r.width..y * r.width + w],
                    "frame {i} luma row {y}"
                );
            }
            let cw = r.width / 2;
            for y in 0..h / 2 {
                assert_eq!(
                    &pic.u()[y * su..y * su + w / 2],
                    &r.u[y * cw..y * cw + w / 2],
                    "frame {i} Cb row {y}"
                );
                assert_eq!(
                    &pic.v()[y * su..y * su + w / 2],
                    &r.v[y * cw..y * cw + w / 2],
                    "frame {i} Cr row {y}"
                );
            }
        }
    }

    /// Deterministic noise: worst case for the entropy coder (large levels, many
    /// coefficients, intra macroblocks in P pictures).
    fn noise_png(w: u32, h: u32, seed: u64) -> Vec<u8> {
        let mut rng = scene::SplitMix64::new(seed);
        png_of(&RgbImage::from_fn(w, h, |_, _| {
            let v = rng.next_u64();
            Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8])
        }))
    }

    fn spec(seed: u64, prompt: &str) -> VideoSpec<'_> {
        VideoSpec::new(96, 54, 12, 16.0, seed, prompt)
    }

    /// The source frames (as the encoder sees them) of `spec`.
    fn source_frames(spec: &VideoSpec<'_>) -> Vec<h264::Picture> {
        let board = Storyboard::new(spec).unwrap();
        let (w, h) = (spec.width as usize, spec.height as usize);
        (0..spec.frames)
            .map(|i| {
                let mut pic = h264::Picture::new(w.div_ceil(16) * 16, h.div_ceil(16) * 16);
                board.frame_yuv(i, &mut pic);
                pic
            })
            .collect()
    }

    /// Luma PSNR over the display area.
    fn psnr(a: &h264::Picture, b: &h264::Picture, w: usize, h: usize) -> f64 {
        let mut se = 0.0;
        for y in 0..h {
            for x in 0..w {
                let d = f64::from(a.y[y * a.width + x]) - f64::from(b.y[y * b.width + x]);
                se += d * d;
            }
        }
        10.0 * (255.0 * 255.0 / (se / (w * h) as f64).max(1e-10)).log10()
    }

    fn reader(bytes: &[u8]) -> ::mp4::Mp4Reader<Cursor<&[u8]>> {
        ::mp4::Mp4Reader::read_header(Cursor::new(bytes), bytes.len() as u64).expect("mp4 parses")
    }

    #[test]
    fn mp4_structure_matches_the_spec() {
        let s = spec(3, "a quiet harbour");
        let bytes = render_mp4(&s).unwrap();
        // Top-level boxes: ftyp, moov, mdat, exactly covering the file ("fast start").
        let mut kinds = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            kinds.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
            at += size;
        }
        assert_eq!(at, bytes.len());
        assert_eq!(kinds, ["ftyp", "moov", "mdat"]);

        let mut r = reader(&bytes);
        assert_eq!(r.major_brand().to_string(), "isom");
        assert_eq!(r.tracks().len(), 1);
        let t = &r.tracks()[&1];
        assert_eq!(t.track_type().unwrap(), ::mp4::TrackType::Video);
        assert_eq!(t.media_type().unwrap(), ::mp4::MediaType::H264);
        assert_eq!(t.box_type().unwrap().to_string(), "avc1");
        assert_eq!((t.width(), t.height()), (96, 54));
        assert_eq!(t.sample_count(), 12);
        assert_eq!(t.timescale(), 16_000);
        assert!((t.frame_rate() - 16.0).abs() < 1e-9, "{}", t.frame_rate());
        assert_eq!(t.duration(), std::time::Duration::from_millis(750));
        assert_eq!(r.duration(), std::time::Duration::from_millis(750));
        assert_eq!(t.video_profile().unwrap(), ::mp4::AvcProfile::AvcBaseline);
        let sps = t.sequence_parameter_set().unwrap();
        assert_eq!((sps[0] & 0x1F, sps[1], sps[2]), (7, 66, 0xC0));
        assert_eq!(t.picture_parameter_set().unwrap()[0] & 0x1F, 8);
        for i in 1..=12 {
            let sample = r.read_sample(1, i).unwrap().unwrap();
            assert_eq!(sample.is_sync, i == 1, "sample {i}");
            assert_eq!(sample.start_time, u64::from(i - 1) * 1000);
            assert_eq!(sample.duration, 1000);
            // One length-prefixed NAL unit: an IDR slice, then non-IDR slices.
            let len = u32::from_be_bytes(sample.bytes[..4].try_into().unwrap()) as usize;
            assert_eq!(len + 4, sample.bytes.len());
            assert_eq!(sample.bytes[4] & 0x1F, if i == 1 { 5 } else { 1 });
        }

        // Fractional rates keep their exact duration.
        let s = VideoSpec::new(32, 32, 48, 23.976, 1, "ntsc");
        let bytes = render_mp4(&s).unwrap();
        let r = reader(&bytes);
        let t = &r.tracks()[&1];
        assert_eq!(t.timescale(), 23_976);
        assert!((t.duration().as_secs_f64() - 48.0 / 23.976).abs() < 1e-5);
    }

    #[test]
    fn keyframes_every_ten_seconds_and_after_dissolves() {
        let s = VideoSpec::new(32, 32, 45, 2.0, 1, "slow");
        let bytes = render_mp4(&s).unwrap();
        let mut r = reader(&bytes);
        let sync: Vec<u32> = (1..=45)
            .filter(|&i| r.read_sample(1, i).unwrap().unwrap().is_sync)
            .collect();
        assert_eq!(sync, [1, 21, 41]);

        // A dissolve from the starting image ends on a fresh IDR; so does the end image.
        let img = png_of(&RgbImage::from_pixel(8, 8, Rgb([10, 200, 30])));
        let mut s = VideoSpec::new(32, 32, 21, 16.0, 1, "i2v");
        s.starting_image = Some(&img);
        let board = Storyboard::new(&s).unwrap();
        let first_clean = (0..21).find(|&i| board.weights(i).0 == 0).unwrap();
        s.end_image = Some(&img);
        let bytes = render_mp4(&s).unwrap();
        let mut r = reader(&bytes);
        let sync: Vec<u32> = (1..=21)
            .filter(|&i| r.read_sample(1, i).unwrap().unwrap().is_sync)
            .collect();
        assert_eq!(sync, [1, first_clean + 1, 21]);
    }

    #[test]
    fn openh264_decodes_exactly_what_the_encoder_reconstructed() {
        assert_decodes_to_reconstruction(&VideoSpec::new(64, 48, 6, 8.0, 1, "a lake"));
        // Sizes that are not whole macroblocks (cropping), tiny and tall.
        assert_decodes_to_reconstruction(&VideoSpec::new(66, 38, 5, 24.0, 2, "crop"));
        assert_decodes_to_reconstruction(&VideoSpec::new(2, 2, 3, 30.0, 3, "tiny"));
        assert_decodes_to_reconstruction(&VideoSpec::new(18, 130, 4, 16.0, 4, "tall"));
        // Noise start and end images: dense residuals, escapes and intra in P pictures.
        let noise = noise_png(40, 30, 9);
        let red = png_of(&RgbImage::from_pixel(8, 8, Rgb([230, 20, 20])));
        let mut spec = VideoSpec::new(96, 64, 12, 16.0, 5, "i2v");
        spec.starting_image = Some(&noise);
        spec.end_image = Some(&red);
        assert_decodes_to_reconstruction(&spec);
        // A single frame.
        assert_decodes_to_reconstruction(&VideoSpec::new(48, 32, 1, 24.0, 6, "still"));
    }

    #[test]
    fn reconstruction_stays_close_to_the_rendered_frames() {
        let img = render_image_png(80, 48, 8, "a red barn");
        let plain = VideoSpec::new(80, 48, 24, 16.0, 7, "a misty lake");
        let mut i2v = plain;
        i2v.starting_image = Some(&img);
        i2v.end_image = Some(&img);
        for s in [plain, i2v] {
            let mut recon = Vec::new();
            encode_video(&s, Some(&mut recon)).unwrap();
            for (i, src) in source_frames(&s).iter().enumerate() {
                let p = psnr(src, &recon[i], 80, 48);
                assert!(p > 38.0, "frame {i}: {p:.1} dB");
            }
        }
    }

    #[test]
    fn same_spec_same_bytes_and_seeds_or_prompts_change_them() {
        let base = render_mp4(&spec(1, "same")).unwrap();
        assert_eq!(base, render_mp4(&spec(1, "same")).unwrap());
        for other in [spec(2, "same"), spec(1 << 40, "same"), spec(1, "other")] {
            let bytes = render_mp4(&other).unwrap();
            assert_ne!(base, bytes);
            let a = source_frames(&spec(1, "same"));
            let b = source_frames(&other);
            assert!(
                psnr(&a[0], &b[0], 96, 54) < 25.0,
                "visibly different pictures"
            );
        }
    }

    #[test]
    fn the_camera_pans_over_the_scene() {
        let s = VideoSpec::new(120, 64, 9, 16.0, 11, "pan");
        let board = Storyboard::new(&s).unwrap();
        let total = board.offsets[0].abs_diff(board.offsets[8]);
        assert_eq!(
            total,
            board.world_width - 120,
            "pans across the whole painting"
        );
        assert!(total >= 16, "{total}");
        assert!(board.offsets.iter().all(|o| o % 2 == 0));
        // Each frame is the previous one moved by the camera step.
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 1..9 {
            board.frame_rgb(i - 1, &mut a);
            board.frame_rgb(i, &mut b);
            let step = board.offsets[i as usize] as isize - board.offsets[i as usize - 1] as isize;
            for y in 0..64 {
                for x in 0..120isize {
                    let px = x + step;
                    if (0..120).contains(&px) {
                        let (p, q) = ((y * 120 + px as usize) * 3, (y * 120 + x as usize) * 3);
                        assert_eq!(a[p..p + 3], b[q..q + 3], "frame {i} ({x}, {y})");
                    }
                }
            }
        }
        // Most P macroblocks are skipped: a long pan costs little more than its first frame.
        let long = render_mp4(&VideoSpec::new(320, 192, 60, 16.0, 11, "pan")).unwrap();
        let short = render_mp4(&VideoSpec::new(320, 192, 1, 16.0, 11, "pan")).unwrap();
        assert!(
            long.len() < short.len() * 3,
            "{} vs {}",
            long.len(),
            short.len()
        );
    }

    #[test]
    fn starting_and_end_images_are_the_first_and_last_frames() {
        let start_img = RgbImage::from_fn(30, 20, |x, _| Rgb([(x * 8) as u8, 40, 200]));
        let (start, end) = (png_of(&start_img), render_image_png(64, 48, 3, "end"));
        let mut s = VideoSpec::new(64, 48, 10, 16.0, 2, "i2v");
        s.starting_image = Some(&start);
        s.end_image = Some(&end);
        let board = Storyboard::new(&s).unwrap();
        let mut rgb = Vec::new();
        board.frame_rgb(0, &mut rgb);
        let fitted = post::fit(post::decode(&start).unwrap(), 64, 48);
        assert_eq!(
            rgb,
            fitted.into_raw(),
            "first frame = starting image, resized"
        );
        board.frame_rgb(9, &mut rgb);
        let end_rgb = image::load_from_memory(&end)
            .unwrap()
            .into_rgb8()
            .into_raw();
        assert_eq!(rgb, end_rgb, "last frame = end image");
        // In between, the scene shows through.
        board.frame_rgb(5, &mut rgb);
        assert_ne!(rgb, end_rgb);

        let png = render_last_frame_png(&s).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(
            image::load_from_memory(&png)
                .unwrap()
                .into_rgb8()
                .into_raw(),
            end_rgb
        );
        // Without an end image the last frame is the panned scene, still at the video size.
        let plain = VideoSpec::new(64, 48, 10, 16.0, 2, "i2v");
        let board = Storyboard::new(&plain).unwrap();
        board.frame_rgb(9, &mut rgb);
        let png = render_last_frame_png(&plain).unwrap();
        let img = image::load_from_memory(&png).unwrap().into_rgb8();
        assert_eq!(img.dimensions(), (64, 48));
        assert_eq!(img.into_raw(), rgb);
    }

    #[test]
    fn bad_specs_are_rejected() {
        let ok = VideoSpec::new(64, 48, 10, 16.0, 1, "x");
        let cases = [
            VideoSpec { width: 63, ..ok },
            VideoSpec { height: 47, ..ok },
            VideoSpec { width: 0, ..ok },
            VideoSpec { height: 0, ..ok },
            VideoSpec {
                width: MAX_VIDEO_DIMENSION + 2,
                ..ok
            },
            VideoSpec { frames: 0, ..ok },
            VideoSpec {
                frames: MAX_VIDEO_FRAMES + 1,
                ..ok
            },
            VideoSpec { fps: 0.0, ..ok },
            VideoSpec { fps: 0.5, ..ok },
            VideoSpec {
                fps: f64::NAN,
                ..ok
            },
            VideoSpec {
                fps: f64::INFINITY,
                ..ok
            },
            VideoSpec {
                fps: MAX_FPS + 1.0,
                ..ok
            },
        ];
        for s in cases {
            let err = render_mp4(&s).unwrap_err();
            assert!(
                matches!(err, RenderError::InvalidVideo(_)),
                "{s:?}: {err:?}"
            );
            assert!(matches!(
                render_last_frame_png(&s),
                Err(RenderError::InvalidVideo(_))
            ));
        }
        assert!(render_mp4(&VideoSpec {
            width: 2,
            height: 2,
            ..ok
        })
        .is_ok());
        let odd = render_mp4(&VideoSpec { width: 65, ..ok }).unwrap_err();
        assert!(odd.to_string().contains("even"), "{odd}");

        let garbage: &[u8] = b"not an image";
        let s = VideoSpec {
            starting_image: Some(garbage),
            ..ok
        };
        assert!(matches!(render_mp4(&s), Err(RenderError::StartingImage(_))));
        let s = VideoSpec {
            end_image: Some(garbage),
            ..ok
        };
        assert!(matches!(render_mp4(&s), Err(RenderError::EndImage(_))));
        assert!(matches!(
            render_last_frame_png(&s),
            Err(RenderError::EndImage(_))
        ));
    }

    /// Writes sample media and a `manifest.json` for `tests/fixtures/check-media-playback.mjs`
    /// into `$SOGNI_MEDIA_OUT` (default `target/media-samples`), with timings.
    #[test]
    #[ignore = "writes files; run by hand before the browser playback check"]
    fn write_playback_samples() {
        use super::super::audio::{render_audio, AudioFormat, AudioSpec};
        use std::time::Instant;

        let dir = std::env::var("SOGNI_MEDIA_OUT").map_or_else(
            |_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/media-samples"),
            std::path::PathBuf::from,
        );
        std::fs::create_dir_all(&dir).unwrap();
        let mut manifest = serde_json::Map::new();
        let start = render_image_png(480, 272, 11, "a red barn in a wheat field");
        let end = render_image_png(480, 272, 12, "a lighthouse at night");
        let mut i2v = VideoSpec::new(480, 272, 49, 24.0, 77, "a lighthouse");
        i2v.starting_image = Some(&start);
        i2v.end_image = Some(&end);
        let start640 = render_image_png(640, 360, 13, "a red barn in a wheat field");
        let mut videos = [
            (
                "t2v-640x360x81.mp4",
                VideoSpec::new(640, 360, 81, 16.0, 42, "a misty lake"),
            ),
            ("i2v-480x272x49.mp4", i2v),
            (
                "i2v-640x360x81.mp4",
                VideoSpec::new(640, 360, 81, 16.0, 42, "a misty lake"),
            ),
            (
                "odd-330x186x30.mp4",
                VideoSpec::new(330, 186, 30, 25.0, 5, "desert"),
            ),
        ];
        videos[2].1.starting_image = Some(&start640);
        videos[2].1.end_image = Some(&end);
        for (name, spec) in videos {
            let t = Instant::now();
            let bytes = render_mp4(&spec).unwrap();
            eprintln!("{name}: {} bytes in {:?}", bytes.len(), t.elapsed());
            std::fs::write(dir.join(name), &bytes).unwrap();
            let r = reader(&bytes);
            let sps = r.tracks()[&1].sequence_parameter_set().unwrap();
            let codecs = format!("avc1.{:02X}{:02X}{:02X}", sps[1], sps[2], sps[3]);
            manifest.insert(
                name.into(),
                serde_json::json!({
                    "kind": "video", "mime": "video/mp4", "codecs": codecs,
                    "width": spec.width, "height": spec.height, "duration": spec.duration_secs(),
                }),
            );
        }
        let last = render_last_frame_png(&videos[0].1).unwrap();
        std::fs::write(dir.join("t2v-640x360x81-last.png"), last).unwrap();
        for (secs, format) in [
            (30.0, AudioFormat::Mp3),
            (600.0, AudioFormat::Mp3),
            (30.0, AudioFormat::Wav),
            (30.0, AudioFormat::Flac),
            (600.0, AudioFormat::Wav),
            (600.0, AudioFormat::Flac),
        ] {
            let spec = AudioSpec::new(secs, 110.0, 9, "an upbeat synth pop tune", format);
            let t = Instant::now();
            let bytes = render_audio(&spec).unwrap();
            let name = format!("music-{secs}s.{}", format.extension());
            eprintln!("{name}: {} bytes in {:?}", bytes.len(), t.elapsed());
            std::fs::write(dir.join(&name), &bytes).unwrap();
            manifest.insert(
                name,
                serde_json::json!({ "kind": "audio", "mime": format.mime(), "duration": secs }),
            );
        }
        let json = serde_json::to_string_pretty(&manifest).unwrap();
        std::fs::write(dir.join("manifest.json"), json).unwrap();
        eprintln!("wrote {}", dir.display());
    }

    fn render_image_png(w: u32, h: u32, seed: u64, prompt: &str) -> Vec<u8> {
        super::super::render_image(&super::super::RenderSpec::new(
            w,
            h,
            seed,
            prompt,
            ImageFormat::Png,
        ))
        .unwrap()
    }
}
