// Small readers of the containers the emulator renders, for tests that check what a user
// would: the file is an MP4 / MP3 / WAV / FLAC of the requested length and size; and the
// sample media the tests send.

/** A valid 4×4 red PNG. */
export const PNG_4x4 = Buffer.from(
  '89504e470d0a1a0a0000000d494844520000000400000004080200000026930929000000104944415478' +
    '9c6378c6c505470cc47100a4430fa1f3bddfbe0000000049454e44ae426082',
  'hex'
);

/** Walks ISO-BMFF boxes; returns the payload of the first box with `path` (e.g. moov/mvhd). */
function box(bytes, path, start = 0, end = bytes.length) {
  const [head, ...rest] = path;
  let at = start;
  while (at + 8 <= end) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + at);
    let size = view.getUint32(0);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    let headerLen = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(8));
      headerLen = 16;
    } else if (size === 0) size = end - at;
    if (size < headerLen) return null;
    if (type === head) {
      return rest.length === 0
        ? bytes.subarray(at + headerLen, at + size)
        : box(bytes, rest, at + headerLen, at + size);
    }
    at += size;
  }
  return null;
}

/** `{duration (s), width, height, frames, codec}` of an MP4's first video track. */
export function readMp4(bytes) {
  if (String.fromCharCode(...bytes.subarray(4, 8)) !== 'ftyp') throw new Error('not an MP4 (no ftyp box)');
  const mvhd = box(bytes, ['moov', 'mvhd']);
  if (!mvhd) throw new Error('MP4 without moov/mvhd');
  const mv = new DataView(mvhd.buffer, mvhd.byteOffset);
  const v1 = mvhd[0] === 1;
  const timescale = mv.getUint32(v1 ? 20 : 12);
  const duration = v1 ? Number(mv.getBigUint64(24)) : mv.getUint32(16);
  const tkhd = box(bytes, ['moov', 'trak', 'tkhd']);
  const tk = new DataView(tkhd.buffer, tkhd.byteOffset);
  const off = tkhd[0] === 1 ? 88 : 76;
  const stsz = box(bytes, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsz']);
  const stsd = box(bytes, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd']);
  return {
    duration: duration / timescale,
    width: tk.getUint32(off) >>> 16,
    height: tk.getUint32(off + 4) >>> 16,
    frames: stsz ? new DataView(stsz.buffer, stsz.byteOffset).getUint32(8) : 0,
    codec: stsd ? String.fromCharCode(...stsd.subarray(12, 16)) : ''
  };
}

/** `{duration, sampleRate, channels}` of a PCM WAV. */
export function readWav(bytes) {
  const ascii = (at, n) => String.fromCharCode(...bytes.subarray(at, at + n));
  if (ascii(0, 4) !== 'RIFF' || ascii(8, 4) !== 'WAVE') throw new Error('not a WAV');
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  let at = 12;
  let fmt = null;
  while (at + 8 <= bytes.length) {
    const id = ascii(at, 4);
    const size = view.getUint32(at + 4, true);
    if (id === 'fmt ') {
      fmt = {
        channels: view.getUint16(at + 10, true),
        sampleRate: view.getUint32(at + 12, true),
        byteRate: view.getUint32(at + 16, true)
      };
    } else if (id === 'data' && fmt) {
      return { duration: size / fmt.byteRate, sampleRate: fmt.sampleRate, channels: fmt.channels };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error('WAV without fmt/data');
}

const MP3_BITRATES = {
  1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
};
const MP3_RATES = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** `{duration, sampleRate, frames}` of an MP3 (Layer III), by walking its frame headers. */
export function readMp3(bytes) {
  let at = 0;
  if (String.fromCharCode(...bytes.subarray(0, 3)) === 'ID3') {
    const size = ((bytes[6] & 0x7f) << 21) | ((bytes[7] & 0x7f) << 14) | ((bytes[8] & 0x7f) << 7) | (bytes[9] & 0x7f);
    at = 10 + size;
  }
  let frames = 0;
  let samples = 0;
  let sampleRate = 0;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff || (bytes[at + 1] & 0xe0) !== 0xe0) break;
    const version = (bytes[at + 1] >> 3) & 3; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5
    const layer = (bytes[at + 1] >> 1) & 3; // 1 = Layer III
    const bitrateIndex = bytes[at + 2] >> 4;
    const rateIndex = (bytes[at + 2] >> 2) & 3;
    const padding = (bytes[at + 2] >> 1) & 1;
    if (layer !== 1 || version === 1 || rateIndex === 3 || bitrateIndex === 0 || bitrateIndex === 15) break;
    const rate = MP3_RATES[version][rateIndex];
    const kbps = MP3_BITRATES[version === 3 ? 1 : 2][bitrateIndex];
    const perFrame = version === 3 ? 1152 : 576;
    const length = Math.floor(((perFrame / 8) * kbps * 1000) / rate) + padding;
    sampleRate = rate;
    frames++;
    samples += perFrame;
    at += length;
  }
  if (frames === 0) throw new Error('no MP3 frames');
  return { duration: samples / sampleRate, sampleRate, frames };
}

/** `{duration, sampleRate, channels}` of a FLAC, from its STREAMINFO block. */
export function readFlac(bytes) {
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== 'fLaC') throw new Error('not a FLAC');
  const si = bytes.subarray(8, 8 + 34);
  const sampleRate = (si[10] << 12) | (si[11] << 4) | (si[12] >> 4);
  const channels = ((si[12] >> 1) & 7) + 1;
  const total = (si[13] & 0x0f) * 2 ** 32 + ((si[14] << 24) >>> 0) + (si[15] << 16) + (si[16] << 8) + si[17];
  return { duration: total / sampleRate, sampleRate, channels };
}

/** A mono 16-bit PCM WAV of `seconds` of a sine tone, as bytes. */
export function sineWav(seconds, hz = 440, sampleRate = 16000) {
  const n = Math.round(seconds * sampleRate);
  const bytes = new Uint8Array(44 + n * 2);
  const view = new DataView(bytes.buffer);
  const text = (at, s) => [...s].forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + n * 2, true);
  text(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) view.setInt16(44 + i * 2, Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / sampleRate)), true);
  return bytes;
}
