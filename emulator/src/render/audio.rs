//! Deterministic little pieces of music for emulated audio jobs (ACE-Step 1.5).
//!
//! [`render_audio`] composes a short song from (seed, prompt): a key, major or minor (the
//! prompt's mood words "sad", "dark", "minor", … pick minor, "happy", "bright", … major;
//! otherwise the seed decides), a four-chord progression and a few synthesized instruments —
//! a chord pad, a bass line, an arpeggio, a lead melody and drums (kick, snare, hi-hat) — at
//! `bpm`. The song is a sequence of four-bar sections (intro, verse, chorus, bridge); each
//! kind of section is synthesized once and repeated, so the cost hardly depends on the
//! duration. The mono 16-bit signal is then encoded as WAV (PCM), FLAC (`flacenc`, pure
//! Rust) or MP3 (LAME, constant bit rate).
//!
//! Every format carries exactly the same samples ([`render_pcm`]); the sample count is
//! `round(duration_secs × sample_rate)`. MP3 adds the usual encoder delay and pads the last
//! frame (frames hold 576 or 1152 samples), so it decodes up to ~0.1 s longer (0.17 s at
//! 8 kHz); MP3 bit rates are 32 kbit/s up to 12 kHz, 48 up to 24 kHz, 64 above.
//!
//! Costs for 600 s at 22 050 Hz in a release build: synthesis ≈ 0.15 s, then WAV ≈ 0.2 s,
//! FLAC ≈ 0.9 s and MP3 ≈ 0.85 s in total. Debug builds synthesize ~6× slower; FLAC is then
//! ~25 s for 600 s (≈ 2.5 s when the dev profile optimises `flacenc`) and MP3 ≈ 3.5 s.
//!
//! Only basic IEEE arithmetic is used (no `sin`/`exp` from the platform's libm), so the
//! samples are the same everywhere.

use super::scene::{fnv1a64, SplitMix64};
use super::RenderError;

/// Sample rate used by [`AudioSpec::new`]: low enough to keep 10-minute songs cheap.
pub const DEFAULT_SAMPLE_RATE: u32 = 22_050;

/// Accepted sample rates (those MP3 supports; WAV and FLAC use the same list).
pub const SUPPORTED_SAMPLE_RATES: [u32; 9] = [
    8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000,
];

/// Longest accepted duration, in seconds.
pub const MAX_DURATION_SECS: f64 = 600.0;

/// Tempo range; other values are clamped into it (a non-finite tempo counts as 120).
pub const BPM_RANGE: (f64, f64) = (40.0, 240.0);

/// Audio encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioFormat {
    /// MPEG-1/2 Layer III, constant bit rate, mono (LAME).
    Mp3,
    /// RIFF WAVE, 16-bit PCM, mono.
    Wav,
    /// FLAC, 16-bit, mono.
    Flac,
}

impl AudioFormat {
    /// Parses a Supernet `outputFormat` value: `"mp3"`, `"wav"` or `"flac"`,
    /// case-insensitively. Anything else gives `None`.
    pub fn from_output_format(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "mp3" => Some(Self::Mp3),
            "wav" => Some(Self::Wav),
            "flac" => Some(Self::Flac),
            _ => None,
        }
    }

    /// The MIME type: `audio/mpeg`, `audio/wav` or `audio/flac`.
    pub fn mime(&self) -> &'static str {
        match self {
            Self::Mp3 => "audio/mpeg",
            Self::Wav => "audio/wav",
            Self::Flac => "audio/flac",
        }
    }

    /// The usual file extension, without a dot: `mp3`, `wav` or `flac`.
    pub fn extension(&self) -> &'static str {
        match self {
            Self::Mp3 => "mp3",
            Self::Wav => "wav",
            Self::Flac => "flac",
        }
    }
}

/// Everything that determines one rendered piece of audio.
#[derive(Debug, Clone, Copy)]
pub struct AudioSpec<'a> {
    /// Length in seconds, `(0, `[`MAX_DURATION_SECS`]`]`.
    pub duration_secs: f64,
    /// Tempo in beats per minute, clamped into [`BPM_RANGE`].
    pub bpm: f64,
    /// The job's seed: chooses key, progression, patterns and melody.
    pub seed: u64,
    /// The prompt: chooses timbres and (by mood words) major or minor.
    pub prompt: &'a str,
    /// The encoding of the returned bytes.
    pub format: AudioFormat,
    /// Samples per second, one of [`SUPPORTED_SAMPLE_RATES`].
    pub sample_rate: u32,
}

impl<'a> AudioSpec<'a> {
    /// A spec at [`DEFAULT_SAMPLE_RATE`].
    pub fn new(
        duration_secs: f64,
        bpm: f64,
        seed: u64,
        prompt: &'a str,
        format: AudioFormat,
    ) -> Self {
        Self {
            duration_secs,
            bpm,
            seed,
            prompt,
            format,
            sample_rate: DEFAULT_SAMPLE_RATE,
        }
    }

    /// Number of samples: `round(duration_secs × sample_rate)`, at least 1.
    pub fn sample_count(&self) -> usize {
        ((self.duration_secs * f64::from(self.sample_rate)).round() as usize).max(1)
    }
}

/// Renders and encodes one piece of music. Deterministic: the same spec gives the same bytes.
pub fn render_audio(spec: &AudioSpec<'_>) -> Result<Vec<u8>, RenderError> {
    let pcm = render_pcm(spec)?;
    match spec.format {
        AudioFormat::Wav => Ok(encode_wav(&pcm, spec.sample_rate)),
        AudioFormat::Flac => encode_flac(&pcm, spec.sample_rate),
        AudioFormat::Mp3 => encode_mp3(&pcm, spec.sample_rate),
    }
}

/// The mono 16-bit samples that every format of [`render_audio`] encodes.
pub fn render_pcm(spec: &AudioSpec<'_>) -> Result<Vec<i16>, RenderError> {
    if !(spec.duration_secs.is_finite()
        && spec.duration_secs > 0.0
        && spec.duration_secs <= MAX_DURATION_SECS)
    {
        return Err(RenderError::InvalidAudio(format!(
            "duration {}s: must be more than 0 and at most {MAX_DURATION_SECS}",
            spec.duration_secs
        )));
    }
    if !SUPPORTED_SAMPLE_RATES.contains(&spec.sample_rate) {
        return Err(RenderError::InvalidAudio(format!(
            "sample rate {}: must be one of {SUPPORTED_SAMPLE_RATES:?}",
            spec.sample_rate
        )));
    }
    let bpm = if spec.bpm.is_finite() {
        spec.bpm.clamp(BPM_RANGE.0, BPM_RANGE.1)
    } else {
        120.0
    };
    let song = Song::compose(spec.seed, spec.prompt, bpm, spec.sample_rate);
    Ok(song.perform(spec.sample_count()))
}

// ---- encoders -------------------------------------------------------------------------------

fn encode_wav(pcm: &[i16], sample_rate: u32) -> Vec<u8> {
    let data_len = (pcm.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + pcm.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in pcm {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

fn encode_flac(pcm: &[i16], sample_rate: u32) -> Result<Vec<u8>, RenderError> {
    use flacenc::component::BitRepr;
    use flacenc::error::Verify;

    let fail = |message: String| RenderError::AudioEncode {
        format: AudioFormat::Flac,
        message,
    };
    let mut config = flacenc::config::Encoder::default();
    // Synthesized music is predictable: a short LPC is plenty and keeps encoding fast.
    config.subframe_coding.qlpc.lpc_order = 8;
    let config = config.into_verified().map_err(|e| fail(format!("{e:?}")))?;
    let samples: Vec<i32> = pcm.iter().map(|&s| i32::from(s)).collect();
    let source = flacenc::source::MemSource::from_samples(&samples, 1, 16, sample_rate as usize);
    let stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size)
        .map_err(|e| fail(format!("{e:?}")))?;
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream
        .write(&mut sink)
        .map_err(|e| fail(format!("{e:?}")))?;
    Ok(sink.into_inner())
}

/// Constant bit rate by sample rate: 32 kbit/s up to 12 kHz, 48 up to 24 kHz, else 64.
fn mp3_bitrate(sample_rate: u32) -> mp3lame_encoder::Bitrate {
    use mp3lame_encoder::Bitrate;
    match sample_rate {
        0..=12_000 => Bitrate::Kbps32,
        12_001..=24_000 => Bitrate::Kbps48,
        _ => Bitrate::Kbps64,
    }
}

fn encode_mp3(pcm: &[i16], sample_rate: u32) -> Result<Vec<u8>, RenderError> {
    use mp3lame_encoder::{Builder, FlushGap, Mode, MonoPcm, Quality};

    let fail = |message: String| RenderError::AudioEncode {
        format: AudioFormat::Mp3,
        message,
    };
    let mut b = Builder::new().ok_or_else(|| fail("LAME could not be initialised".into()))?;
    b.set_num_channels(1).map_err(|e| fail(format!("{e:?}")))?;
    b.set_sample_rate(sample_rate)
        .map_err(|e| fail(format!("{e:?}")))?;
    b.set_brate(mp3_bitrate(sample_rate))
        .map_err(|e| fail(format!("{e:?}")))?;
    b.set_mode(Mode::Mono).map_err(|e| fail(format!("{e:?}")))?;
    // Quality 7: LAME's fast path; plenty for synthesized tones and about twice as fast as 5.
    b.set_quality(Quality::Ok)
        .map_err(|e| fail(format!("{e:?}")))?;
    b.set_to_write_vbr_tag(false)
        .map_err(|e| fail(format!("{e:?}")))?;
    let mut enc = b.build().map_err(|e| fail(format!("{e:?}")))?;
    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(pcm.len()));
    enc.encode_to_vec(MonoPcm(pcm), &mut out)
        .map_err(|e| fail(format!("{e:?}")))?;
    enc.flush_to_vec::<FlushGap>(&mut out)
        .map_err(|e| fail(format!("{e:?}")))?;
    Ok(out)
}

// ---- synthesis ------------------------------------------------------------------------------

/// One period of a sine wave, built by rotation with a Taylor-series step (no libm).
struct Sine {
    table: Vec<f32>,
}

impl Sine {
    const SIZE: usize = 4096;

    fn new() -> Self {
        let theta = 2.0 * std::f64::consts::PI / Self::SIZE as f64;
        let t2 = theta * theta;
        // cos/sin of the small step angle: the series converge to f64 precision quickly.
        let cos_t = 1.0 - t2 / 2.0 + t2 * t2 / 24.0 - t2 * t2 * t2 / 720.0;
        let sin_t = theta * (1.0 - t2 / 6.0 + t2 * t2 / 120.0 - t2 * t2 * t2 / 5040.0);
        let (mut c, mut s) = (1.0f64, 0.0f64);
        let mut table = Vec::with_capacity(Self::SIZE + 1);
        for _ in 0..=Self::SIZE {
            table.push(s as f32);
            (c, s) = (c * cos_t - s * sin_t, s * cos_t + c * sin_t);
        }
        Self { table }
    }

    /// `sin(2π · phase)` for `phase` in `[0, 1)`, linearly interpolated.
    fn at(&self, phase: f32) -> f32 {
        let p = phase * Self::SIZE as f32;
        let i = (p as usize).min(Self::SIZE - 1);
        let f = p - i as f32;
        self.table[i] + (self.table[i + 1] - self.table[i]) * f
    }
}

/// A pitched instrument: partials (frequency multiple, amplitude) and an envelope.
struct Voice {
    partials: &'static [(f32, f32)],
    /// Attack, seconds.
    attack: f32,
    /// Time constant of the decay towards `sustain`, seconds.
    decay: f32,
    /// Level held after the decay, 0..=1.
    sustain: f32,
    /// Release at the end of the note, seconds.
    release: f32,
}

const PAD: Voice = Voice {
    partials: &[(1.0, 1.0), (1.005, 0.6), (2.0, 0.3), (3.0, 0.08)],
    attack: 0.12,
    decay: 1.0,
    sustain: 0.8,
    release: 0.15,
};

const BASS: Voice = Voice {
    partials: &[(1.0, 1.0), (2.0, 0.45), (3.0, 0.2)],
    attack: 0.006,
    decay: 0.25,
    sustain: 0.55,
    release: 0.04,
};

const PLUCKS: [Voice; 3] = [
    Voice {
        partials: &[(1.0, 1.0), (2.0, 0.5), (3.0, 0.25), (4.0, 0.12)],
        attack: 0.003,
        decay: 0.16,
        sustain: 0.0,
        release: 0.02,
    },
    Voice {
        partials: &[(1.0, 1.0), (3.0, 0.3), (5.0, 0.12)],
        attack: 0.004,
        decay: 0.22,
        sustain: 0.05,
        release: 0.02,
    },
    Voice {
        partials: &[(1.0, 1.0), (2.0, 0.2), (4.0, 0.25), (6.0, 0.06)],
        attack: 0.002,
        decay: 0.12,
        sustain: 0.0,
        release: 0.02,
    },
];

const LEADS: [Voice; 2] = [
    Voice {
        partials: &[(1.0, 1.0), (2.0, 0.12), (3.0, 0.2)],
        attack: 0.03,
        decay: 0.4,
        sustain: 0.7,
        release: 0.05,
    },
    Voice {
        partials: &[(1.0, 1.0), (2.0, 0.4), (3.0, 0.3), (4.0, 0.15), (5.0, 0.1)],
        attack: 0.015,
        decay: 0.3,
        sustain: 0.6,
        release: 0.05,
    },
];

/// `2^(k/12)` for k = 0..12.
const SEMITONES: [f32; 12] = [
    1.0,
    1.059_463_1,
    1.122_462,
    1.189_207_1,
    1.259_921,
    1.334_839_9,
    std::f32::consts::SQRT_2,
    1.498_307_1,
    1.587_401,
    1.681_792_8,
    1.781_797_4,
    1.887_748_6,
];

/// Frequency of a MIDI note.
fn midi_hz(note: i32) -> f32 {
    let k = note - 69;
    let mut f = 440.0 * SEMITONES[k.rem_euclid(12) as usize];
    let mut oct = k.div_euclid(12);
    while oct > 0 {
        f *= 2.0;
        oct -= 1;
    }
    while oct < 0 {
        f *= 0.5;
        oct += 1;
    }
    f
}

const MAJOR: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];
const MINOR: [i32; 7] = [0, 2, 3, 5, 7, 8, 10];

/// Four-chord progressions as scale degrees (0 = tonic).
const MAJOR_PROGRESSIONS: [[usize; 4]; 6] = [
    [0, 4, 5, 3], // I V vi IV
    [5, 3, 0, 4], // vi IV I V
    [0, 5, 3, 4], // I vi IV V
    [0, 3, 4, 3], // I IV V IV
    [1, 4, 0, 0], // ii V I I
    [0, 3, 0, 4], // I IV I V
];
const MINOR_PROGRESSIONS: [[usize; 4]; 4] = [
    [0, 5, 2, 6], // i VI III VII
    [0, 3, 4, 0], // i iv v i
    [0, 6, 5, 6], // i VII VI VII
    [0, 5, 3, 4], // i VI iv v
];

/// Arpeggio patterns: indices into the chord's tones (3 = the root an octave up).
const ARP_PATTERNS: [[usize; 8]; 4] = [
    [0, 1, 2, 1, 0, 1, 2, 1],
    [0, 1, 2, 3, 2, 1, 0, 1],
    [0, 2, 1, 2, 3, 2, 1, 2],
    [2, 1, 0, 1, 2, 3, 2, 1],
];

const MINOR_WORDS: [&str; 10] = [
    "sad",
    "dark",
    "minor",
    "melanchol",
    "gloom",
    "moody",
    "sorrow",
    "night",
    "rain",
    "lonely",
];
const MAJOR_WORDS: [&str; 8] = [
    "happy", "bright", "major", "upbeat", "joy", "sunny", "cheer", "summer",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Intro,
    Verse,
    Chorus,
    Bridge,
}

/// The order of sections after the intro, repeated as long as needed.
const ARRANGEMENT: [Section; 6] = [
    Section::Verse,
    Section::Chorus,
    Section::Verse,
    Section::Chorus,
    Section::Bridge,
    Section::Chorus,
];

/// A composed song: everything needed to synthesize its sections.
struct Song {
    sample_rate: f32,
    /// Samples per beat (fractional).
    beat: f64,
    /// Chords of the four bars, as MIDI notes of a root-position triad around C4.
    chords: [[i32; 3]; 4],
    /// Bass notes (MIDI) of the four bars.
    bass_roots: [i32; 4],
    arp: [usize; 8],
    pluck: usize,
    lead: usize,
    /// Chorus melody: (beat offset within the section, length in beats, MIDI note).
    melody: Vec<(f64, f64, i32)>,
    /// Extra kick on beat 2.5 in choruses.
    kick_push: bool,
    noise_seed: u64,
}

impl Song {
    fn compose(seed: u64, prompt: &str, bpm: f64, sample_rate: u32) -> Self {
        let prompt_hash = fnv1a64(prompt.as_bytes());
        let mut rng = SplitMix64::new(seed ^ prompt_hash.rotate_left(29) ^ 0x4D55_5349_4321);
        let lower = prompt.to_ascii_lowercase();
        let minor = if MINOR_WORDS.iter().any(|w| lower.contains(w)) {
            true
        } else if MAJOR_WORDS.iter().any(|w| lower.contains(w)) {
            false
        } else {
            rng.unit() < 0.4
        };
        let key = rng.int(0, 11) as i32;
        let scale = if minor { MINOR } else { MAJOR };
        let progression = if minor {
            MINOR_PROGRESSIONS[rng.int(0, MINOR_PROGRESSIONS.len() as u32 - 1) as usize]
        } else {
            MAJOR_PROGRESSIONS[rng.int(0, MAJOR_PROGRESSIONS.len() as u32 - 1) as usize]
        };
        let degree_note = |d: usize| 60 + key + scale[d % 7] + 12 * (d / 7) as i32;
        let chords = progression.map(|d| {
            let mut c = [degree_note(d), degree_note(d + 2), degree_note(d + 4)];
            // Keep chords in one register so the pad does not jump around.
            if c[0] > 65 {
                c.iter_mut().for_each(|n| *n -= 12);
            }
            c
        });
        let bass_roots = chords.map(|c| {
            let mut r = c[0] - 24;
            while r > 47 {
                r -= 12;
            }
            r
        });
        let arp = ARP_PATTERNS[rng.int(0, ARP_PATTERNS.len() as u32 - 1) as usize];
        let pluck = (prompt_hash % PLUCKS.len() as u64) as usize;
        let lead = ((prompt_hash >> 8) % LEADS.len() as u64) as usize;

        // Melody: per beat, mostly chord tones an octave up, sometimes two eighths or a rest.
        let mut melody = Vec::new();
        let mut last = chords[0][2] + 12;
        for (bar, chord) in chords.iter().enumerate() {
            for beat in 0..4 {
                let at = (bar * 4 + beat) as f64;
                let roll = rng.unit();
                let pick = |rng: &mut SplitMix64, last: i32| {
                    // Prefer the chord tone closest to the previous note, for a singable line.
                    let tones: Vec<i32> = chord
                        .iter()
                        .flat_map(|&n| [n + 12, n + 24])
                        .filter(|&n| (66..=86).contains(&n))
                        .collect();
                    let mut best = tones[0];
                    for &t in &tones {
                        if (t - last).abs() < (best - last).abs() {
                            best = t;
                        }
                    }
                    if rng.unit() < 0.35 {
                        tones[rng.int(0, tones.len() as u32 - 1) as usize]
                    } else {
                        best
                    }
                };
                if beat == 3 && bar == 3 {
                    // End the phrase on the tonic chord's top.
                    melody.push((at, 1.0, chords[0][0] + 24));
                } else if roll < 0.6 {
                    let step = if rng.unit() < 0.5 { 2 } else { -2 };
                    last = pick(&mut rng, last + step);
                    melody.push((at, 1.0, last));
                } else if roll < 0.88 {
                    last = pick(&mut rng, last + 3);
                    melody.push((at, 0.5, last));
                    last = pick(&mut rng, last - 3);
                    melody.push((at + 0.5, 0.5, last));
                }
            }
        }
        Song {
            sample_rate: sample_rate as f32,
            beat: f64::from(sample_rate) * 60.0 / bpm,
            chords,
            bass_roots,
            arp,
            pluck,
            lead,
            melody,
            kick_push: rng.unit() < 0.5,
            noise_seed: rng.next_u64(),
        }
    }

    /// Samples in one four-bar section.
    fn section_len(&self) -> usize {
        (self.beat * 16.0).round() as usize
    }

    /// Sample position of a beat offset within a section.
    fn at(&self, beats: f64) -> usize {
        (self.beat * beats).round() as usize
    }

    /// The whole song, `total` samples long, as 16-bit PCM.
    fn perform(&self, total: usize) -> Vec<i16> {
        let sine = Sine::new();
        let len = self.section_len();
        let mut rendered: Vec<(Section, Vec<f32>)> = Vec::new();
        let mut out = Vec::with_capacity(total);
        let mut index = 0;
        while out.len() < total {
            let kind = if index == 0 {
                Section::Intro
            } else {
                ARRANGEMENT[(index - 1) % ARRANGEMENT.len()]
            };
            let need = (total - out.len()).min(len);
            let pos = match rendered.iter().position(|(k, _)| *k == kind) {
                Some(p) => p,
                None => {
                    // A clip shorter than one section only synthesizes what it plays.
                    rendered.push((kind, self.section(kind, len.min(total), &sine)));
                    rendered.len() - 1
                }
            };
            out.extend_from_slice(&rendered[pos].1[..need]);
            index += 1;
        }
        master(&mut out, self.sample_rate);
        out.iter()
            .map(|&v| (v * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
            .collect()
    }

    /// Synthesizes one section, truncated to `limit` samples.
    fn section(&self, kind: Section, limit: usize, sine: &Sine) -> Vec<f32> {
        let len = self.section_len().min(limit);
        let mut buf = vec![0.0f32; len];
        let sr = self.sample_rate;
        let pad_gain = match kind {
            Section::Intro => 0.05,
            Section::Bridge => 0.065,
            _ => 0.045,
        };
        for (bar, chord) in self.chords.iter().enumerate() {
            let start = self.at(bar as f64 * 4.0);
            let end = self.at(bar as f64 * 4.0 + 4.0);
            for &n in chord {
                note(&mut buf, start, end, midi_hz(n), pad_gain, &PAD, sr, sine);
            }
            // Bass: root on every beat, the fifth on beat 3 (not in the intro).
            if kind != Section::Intro {
                for beat in 0..4 {
                    let b = bar as f64 * 4.0 + beat as f64;
                    let pitch = self.bass_roots[bar] + if beat == 2 { 7 } else { 0 };
                    let (s, e) = (self.at(b), self.at(b + 0.9));
                    note(&mut buf, s, e, midi_hz(pitch), 0.22, &BASS, sr, sine);
                }
            }
            // Arpeggio in eighths (intro, verse, bridge).
            if kind != Section::Chorus {
                let gain = if kind == Section::Intro { 0.07 } else { 0.09 };
                for (step, &tone) in self.arp.iter().enumerate() {
                    let b = bar as f64 * 4.0 + step as f64 * 0.5;
                    let pitch = if tone == 3 {
                        chord[0] + 24
                    } else {
                        chord[tone] + 12
                    };
                    let (s, e) = (self.at(b), self.at(b + 1.0));
                    let voice = &PLUCKS[self.pluck];
                    note(&mut buf, s, e, midi_hz(pitch), gain, voice, sr, sine);
                }
            }
        }
        if kind == Section::Chorus {
            for &(b, l, pitch) in &self.melody {
                let (s, e) = (self.at(b), self.at(b + l * 0.95));
                note(
                    &mut buf,
                    s,
                    e,
                    midi_hz(pitch),
                    0.11,
                    &LEADS[self.lead],
                    sr,
                    sine,
                );
            }
        }
        // Drums.
        let mut noise = SplitMix64::new(self.noise_seed);
        for beat in 0..16 {
            let b = beat as f64;
            let on_bar = beat % 4;
            match kind {
                Section::Intro => {}
                Section::Bridge => {
                    if on_bar == 0 {
                        kick(&mut buf, self.at(b), sr, sine);
                    }
                    for half in [0.0, 0.5] {
                        hat(&mut buf, self.at(b + half), sr, 0.05, &mut noise);
                    }
                }
                Section::Verse | Section::Chorus => {
                    if on_bar == 0 || on_bar == 2 {
                        kick(&mut buf, self.at(b), sr, sine);
                    }
                    if kind == Section::Chorus && self.kick_push && on_bar == 2 {
                        kick(&mut buf, self.at(b + 0.5), sr, sine);
                    }
                    if on_bar == 1 || on_bar == 3 {
                        snare(&mut buf, self.at(b), sr, sine, &mut noise);
                    }
                    for half in [0.0, 0.5] {
                        let g = if half == 0.0 { 0.07 } else { 0.045 };
                        hat(&mut buf, self.at(b + half), sr, g, &mut noise);
                    }
                }
            }
        }
        buf
    }
}

/// Adds one note of `voice` from sample `start` to `end` (exclusive).
#[allow(clippy::too_many_arguments)]
fn note(
    buf: &mut [f32],
    start: usize,
    end: usize,
    freq: f32,
    gain: f32,
    voice: &Voice,
    sr: f32,
    sine: &Sine,
) {
    let end = end.min(buf.len());
    if start >= end {
        return;
    }
    let n = end - start;
    let attack = (voice.attack * sr).max(1.0);
    let release = (voice.release * sr).max(1.0).min(n as f32 / 2.0);
    let decay_k = 1.0 - 1.0 / (voice.decay * sr).max(1.0);
    let nyquist = sr / 2.0;
    let partials: Vec<(f32, f32)> = voice
        .partials
        .iter()
        .filter(|&&(m, _)| freq * m < nyquist * 0.9)
        .map(|&(m, a)| (freq * m / sr, a * gain))
        .collect();
    let mut phases = vec![0.0f32; partials.len()];
    let mut decay = 1.0f32;
    for (t, out) in buf[start..end].iter_mut().enumerate() {
        let tf = t as f32;
        let mut env = if tf < attack {
            tf / attack
        } else {
            decay *= decay_k;
            voice.sustain + (1.0 - voice.sustain) * decay
        };
        let left = (n - t) as f32;
        if left < release {
            env *= left / release;
        }
        let mut s = 0.0;
        for ((inc, amp), ph) in partials.iter().zip(phases.iter_mut()) {
            s += amp * sine.at(*ph);
            *ph += inc;
            if *ph >= 1.0 {
                *ph -= 1.0;
            }
        }
        *out += s * env;
    }
}

/// A kick drum: a sine sweeping from about 140 Hz down to 48 Hz with a fast decay.
fn kick(buf: &mut [f32], start: usize, sr: f32, sine: &Sine) {
    let n = ((0.28 * sr) as usize).min(buf.len().saturating_sub(start));
    let (k_pitch, k_amp) = (1.0 - 1.0 / (0.035 * sr), 1.0 - 1.0 / (0.11 * sr));
    let (mut pitch, mut amp, mut ph) = (1.0f32, 0.42f32, 0.0f32);
    for t in 0..n {
        let fade = ((n - t) as f32 / (0.01 * sr)).min(1.0);
        buf[start + t] += amp * fade * sine.at(ph);
        ph += (48.0 + 92.0 * pitch) / sr;
        if ph >= 1.0 {
            ph -= 1.0;
        }
        pitch *= k_pitch;
        amp *= k_amp;
    }
}

/// A snare: a short tone body plus decaying noise.
fn snare(buf: &mut [f32], start: usize, sr: f32, sine: &Sine, noise: &mut SplitMix64) {
    let n = ((0.2 * sr) as usize).min(buf.len().saturating_sub(start));
    let (k_noise, k_body) = (1.0 - 1.0 / (0.06 * sr), 1.0 - 1.0 / (0.04 * sr));
    let (mut a_noise, mut a_body, mut ph) = (0.16f32, 0.14f32, 0.0f32);
    for t in 0..n {
        let fade = ((n - t) as f32 / (0.01 * sr)).min(1.0);
        let white = noise.unit() * 2.0 - 1.0;
        buf[start + t] += fade * (a_noise * white + a_body * sine.at(ph));
        ph += 190.0 / sr;
        if ph >= 1.0 {
            ph -= 1.0;
        }
        a_noise *= k_noise;
        a_body *= k_body;
    }
}

/// A closed hi-hat: very short high-passed noise.
fn hat(buf: &mut [f32], start: usize, sr: f32, gain: f32, noise: &mut SplitMix64) {
    let n = ((0.05 * sr) as usize).min(buf.len().saturating_sub(start));
    let k = 1.0 - 1.0 / (0.012 * sr);
    let (mut amp, mut prev) = (gain, 0.0f32);
    for t in 0..n {
        let white = noise.unit() * 2.0 - 1.0;
        buf[start + t] += amp * (white - prev);
        prev = white;
        amp *= k;
    }
}

/// Fades in and out and soft-limits the mix into `-1..=1`.
fn master(out: &mut [f32], sr: f32) {
    let n = out.len();
    let fade_in = ((0.01 * sr) as usize).clamp(1, n);
    let fade_out = ((1.5 * sr) as usize).min(n / 4).max(1);
    for (i, v) in out.iter_mut().enumerate() {
        let mut g = 0.9;
        if i < fade_in {
            g *= i as f32 / fade_in as f32;
        }
        if n - i <= fade_out {
            g *= (n - i - 1) as f32 / fade_out as f32;
        }
        // Padé approximation of tanh: transparent at low levels, smooth near full scale.
        let x = (*v * g).clamp(-3.0, 3.0);
        *v = x * (27.0 + x * x) / (27.0 + 9.0 * x * x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use symphonia::core::codecs::audio::AudioDecoderOptions;
    use symphonia::core::formats::probe::Hint;
    use symphonia::core::formats::{FormatOptions, TrackType};
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;

    fn spec(duration: f64, format: AudioFormat) -> AudioSpec<'static> {
        AudioSpec::new(duration, 120.0, 5, "a happy little tune", format)
    }

    fn le16(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }

    fn le32(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    fn wav_samples(wav: &[u8]) -> Vec<i16> {
        wav[44..]
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect()
    }

    /// Decodes an MP3 with symphonia: (sample rate, channels, decoded samples, errors).
    fn decode_mp3(bytes: Vec<u8>) -> (u32, usize, Vec<f32>, usize) {
        let mss = MediaSourceStream::new(Box::new(std::io::Cursor::new(bytes)), Default::default());
        let mut hint = Hint::new();
        hint.with_extension("mp3");
        let mut format = symphonia::default::get_probe()
            .probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .expect("probe mp3");
        let track = format
            .default_track(TrackType::Audio)
            .expect("audio track")
            .clone();
        let params = track
            .codec_params
            .as_ref()
            .expect("codec params")
            .audio()
            .expect("audio")
            .clone();
        let mut decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .expect("mp3 decoder");
        let (mut samples, mut errors) = (Vec::new(), 0);
        while let Ok(Some(packet)) = format.next_packet() {
            match decoder.decode(&packet) {
                Ok(buf) => {
                    let mut out = vec![0f32; buf.frames() * buf.spec().channels().count()];
                    buf.copy_to_slice_interleaved(&mut out);
                    samples.extend(out);
                }
                Err(_) => errors += 1,
            }
        }
        let rate = params.sample_rate.expect("rate");
        let channels = params.channels.expect("channels").count();
        (rate, channels, samples, errors)
    }

    #[test]
    fn output_format_parsing_and_mime() {
        assert_eq!(
            AudioFormat::from_output_format("mp3"),
            Some(AudioFormat::Mp3)
        );
        assert_eq!(
            AudioFormat::from_output_format("WAV"),
            Some(AudioFormat::Wav)
        );
        assert_eq!(
            AudioFormat::from_output_format("Flac"),
            Some(AudioFormat::Flac)
        );
        assert_eq!(AudioFormat::from_output_format("ogg"), None);
        assert_eq!(AudioFormat::from_output_format(""), None);
        assert_eq!(AudioFormat::Mp3.mime(), "audio/mpeg");
        assert_eq!(AudioFormat::Wav.mime(), "audio/wav");
        assert_eq!(AudioFormat::Flac.mime(), "audio/flac");
        assert_eq!(AudioFormat::Flac.extension(), "flac");
    }

    #[test]
    fn wav_header_and_length_match_duration_and_rate() {
        for (duration, rate) in [
            (1.5, 22_050u32),
            (2.0, 8_000),
            (0.01, 48_000),
            (3.3, 44_100),
        ] {
            let s = AudioSpec {
                sample_rate: rate,
                ..spec(duration, AudioFormat::Wav)
            };
            let wav = render_audio(&s).unwrap();
            let n = (duration * f64::from(rate)).round() as usize;
            assert_eq!(s.sample_count(), n);
            assert_eq!(&wav[..4], b"RIFF");
            assert_eq!(le32(&wav, 4) as usize, wav.len() - 8);
            assert_eq!(&wav[8..16], b"WAVEfmt ");
            assert_eq!(le32(&wav, 16), 16);
            assert_eq!(le16(&wav, 20), 1, "PCM");
            assert_eq!(le16(&wav, 22), 1, "mono");
            assert_eq!(le32(&wav, 24), rate);
            assert_eq!(le32(&wav, 28), rate * 2, "byte rate");
            assert_eq!(le16(&wav, 32), 2, "block align");
            assert_eq!(le16(&wav, 34), 16, "bits per sample");
            assert_eq!(&wav[36..40], b"data");
            assert_eq!(le32(&wav, 40) as usize, n * 2);
            assert_eq!(wav.len(), 44 + n * 2);
            assert_eq!(wav_samples(&wav), render_pcm(&s).unwrap());
        }
    }

    #[test]
    fn flac_decodes_to_the_wav_samples() {
        let s = spec(9.0, AudioFormat::Flac);
        let flac = render_audio(&s).unwrap();
        assert!(flac.starts_with(b"fLaC"));
        let mut reader = claxon::FlacReader::new(std::io::Cursor::new(&flac)).unwrap();
        let info = reader.streaminfo();
        assert_eq!(info.sample_rate, 22_050);
        assert_eq!(info.channels, 1);
        assert_eq!(info.bits_per_sample, 16);
        assert_eq!(info.samples, Some(s.sample_count() as u64));
        let decoded: Vec<i16> = reader.samples().map(|v| v.unwrap() as i16).collect();
        let wav = render_audio(&AudioSpec {
            format: AudioFormat::Wav,
            ..s
        })
        .unwrap();
        assert_eq!(decoded, wav_samples(&wav));
        assert!(flac.len() < wav.len(), "{} vs {}", flac.len(), wav.len());
    }

    #[test]
    fn mp3_frames_decode_to_about_the_requested_duration() {
        for (duration, rate) in [(6.0, 22_050u32), (2.0, 44_100), (3.0, 8_000)] {
            let s = AudioSpec {
                sample_rate: rate,
                ..spec(duration, AudioFormat::Mp3)
            };
            let mp3 = render_audio(&s).unwrap();
            // An MPEG audio frame header: 11 sync bits, layer III.
            assert_eq!((mp3[0], mp3[1] & 0xE0, (mp3[1] >> 1) & 3), (0xFF, 0xE0, 1));
            let (got_rate, channels, samples, errors) = decode_mp3(mp3);
            assert_eq!((got_rate, channels, errors), (rate, 1, 0));
            let secs = samples.len() as f64 / f64::from(rate);
            // Encoder delay and padding add at most a few frames.
            assert!(
                secs >= duration && secs < duration + 0.2,
                "{secs} s for {duration} s"
            );
            let rms = (samples.iter().map(|v| v * v).sum::<f32>() / samples.len() as f32).sqrt();
            assert!(rms > 0.03, "audible: rms {rms}");
        }
    }

    #[test]
    fn same_spec_same_bytes_and_seeds_or_prompts_change_the_music() {
        for format in [AudioFormat::Wav, AudioFormat::Flac, AudioFormat::Mp3] {
            let s = spec(3.0, format);
            assert_eq!(
                render_audio(&s).unwrap(),
                render_audio(&s).unwrap(),
                "{format:?}"
            );
        }
        let base = render_pcm(&spec(10.0, AudioFormat::Wav)).unwrap();
        for other in [
            AudioSpec {
                seed: 6,
                ..spec(10.0, AudioFormat::Wav)
            },
            AudioSpec {
                prompt: "a dark minor dirge",
                ..spec(10.0, AudioFormat::Wav)
            },
            AudioSpec {
                bpm: 90.0,
                ..spec(10.0, AudioFormat::Wav)
            },
        ] {
            assert_ne!(base, render_pcm(&other).unwrap(), "{other:?}");
        }
    }

    #[test]
    fn it_sounds_like_music_not_noise() {
        let s = spec(40.0, AudioFormat::Wav);
        let pcm = render_pcm(&s).unwrap();
        // Sections of 16 beats (8 s at 120 bpm) repeat: the two verses are identical.
        let sec = 8 * 22_050;
        assert_eq!(
            pcm[sec..2 * sec],
            pcm[3 * sec..4 * sec],
            "verse 1 = verse 2"
        );
        assert_ne!(pcm[sec..2 * sec], pcm[2 * sec..3 * sec], "verse ≠ chorus");
        // Tonal: far fewer zero crossings than white noise (≈ 0.5 per sample).
        let crossings = pcm.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
        let rate = crossings as f64 / pcm.len() as f64;
        assert!(rate < 0.15, "zero-crossing rate {rate}");
        // Loud enough, never clipping.
        let peak = pcm.iter().map(|&v| i32::from(v).abs()).max().unwrap();
        assert!((8_000..32_767).contains(&peak), "peak {peak}");
        // Beats: the energy right after each beat exceeds the energy just before it.
        let beat = 11_025;
        let energy =
            |a: usize, b: usize| pcm[a..b].iter().map(|&v| f64::from(v).powi(2)).sum::<f64>();
        let (mut louder, mut total) = (0, 0);
        for k in 17..64 {
            let at = k * beat;
            total += 1;
            if energy(at, at + 1_500) > energy(at - 1_500, at) {
                louder += 1;
            }
        }
        assert!(louder * 10 >= total * 8, "{louder} of {total} beats");
    }

    #[test]
    fn a_ten_minute_song_is_cheap_to_make() {
        // Sections are synthesized once and repeated; only the copy and the encoder scale
        // with the duration.
        let s = AudioSpec::new(MAX_DURATION_SECS, 240.0, 1, "long", AudioFormat::Wav);
        let pcm = render_pcm(&s).unwrap();
        assert_eq!(pcm.len(), 600 * 22_050);
        assert_eq!(*pcm.last().unwrap(), 0, "faded out");
    }

    #[test]
    fn bad_specs_are_rejected_and_tempo_is_clamped() {
        for duration in [0.0, -1.0, f64::NAN, f64::INFINITY, MAX_DURATION_SECS + 0.1] {
            let err = render_audio(&spec(duration, AudioFormat::Wav)).unwrap_err();
            assert!(
                matches!(err, RenderError::InvalidAudio(_)),
                "{duration}: {err:?}"
            );
        }
        for rate in [0, 44_000, 96_000] {
            let s = AudioSpec {
                sample_rate: rate,
                ..spec(1.0, AudioFormat::Flac)
            };
            assert!(
                matches!(render_audio(&s), Err(RenderError::InvalidAudio(_))),
                "{rate}"
            );
        }
        let pcm = |bpm: f64| {
            render_pcm(&AudioSpec {
                bpm,
                ..spec(2.0, AudioFormat::Wav)
            })
            .unwrap()
        };
        assert_eq!(pcm(1_000.0), pcm(BPM_RANGE.1));
        assert_eq!(pcm(0.0), pcm(BPM_RANGE.0));
        assert_eq!(pcm(f64::NAN), pcm(120.0));
    }
}
