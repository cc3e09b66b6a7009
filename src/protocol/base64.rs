//! Standard base64 (RFC 4648 alphabet): the socket envelope's `data` both ways, and the two
//! places the official SDK decodes with `atob` (a recovered `clientRequestData`, a GPT Image
//! mask `data:` URI).
//!
//! A table loop that writes each byte itself. It replaces the `base64` crate, whose chunked
//! decoder calls `memcpy` for every 6 output bytes in a size-optimised wasm build: that was
//! a fifth of decoding a socket frame.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Value of each byte as a base64 symbol; `INVALID` for every other byte (`=` included).
const INVALID: u8 = 0xff;
const SEXTETS: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// `bytes` as base64 with `=` padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| chunk.get(i).copied().unwrap_or(0) as usize;
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        let symbol = |shift: usize| ALPHABET[(n >> shift) & 63] as char;
        out.push(symbol(18));
        out.push(symbol(12));
        out.push(if chunk.len() > 1 { symbol(6) } else { '=' });
        out.push(if chunk.len() > 2 { symbol(0) } else { '=' });
    }
    out
}

/// Decodes canonical base64, as servers write it: `=` padding to a multiple of 4 symbols,
/// no whitespace, unused bits of the last symbol zero. `None` for anything else.
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 4 != 0 {
        return None;
    }
    decode_symbols(strip_padding(text), true)
}

/// Decodes as `atob` does (WHATWG forgiving-base64): ASCII whitespace is skipped, the `=`
/// padding is optional, unused bits of the last symbol are ignored. `None` when `atob` would
/// throw.
pub fn decode_lenient(text: &[u8]) -> Option<Vec<u8>> {
    let symbols: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' '))
        .collect();
    let symbols = if symbols.len() % 4 == 0 {
        strip_padding(&symbols)
    } else {
        &symbols
    };
    decode_symbols(symbols, false)
}

/// `text` without one or two trailing `=`.
fn strip_padding(text: &[u8]) -> &[u8] {
    let text = text.strip_suffix(b"=").unwrap_or(text);
    text.strip_suffix(b"=").unwrap_or(text)
}

/// Decodes symbols with no padding; `strict` rejects set bits past the last byte.
fn decode_symbols(symbols: &[u8], strict: bool) -> Option<Vec<u8>> {
    if symbols.len() % 4 == 1 {
        return None;
    }
    // Valid sextets are below 64: one test of bit 7 checks a whole group at once.
    let sextets = |q: &[u8]| {
        let at = |i: usize| q.get(i).map_or(0, |&b| SEXTETS[b as usize]);
        let (a, b, c, d) = (at(0), at(1), at(2), at(3));
        let n = (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(c) << 6) | u32::from(d);
        ((a | b | c | d) & 0x80 == 0).then_some(n)
    };
    // Indexed writes into a buffer of the final size: no call per byte or per group.
    let mut out = vec![0u8; symbols.len() / 4 * 3 + 2];
    let mut len = 0;
    let mut quads = symbols.chunks_exact(4);
    for q in &mut quads {
        let n = sextets(q)?;
        out[len] = (n >> 16) as u8;
        out[len + 1] = (n >> 8) as u8;
        out[len + 2] = n as u8;
        len += 3;
    }
    let rest = quads.remainder();
    if !rest.is_empty() {
        let n = sextets(rest)?;
        // 2 symbols carry 1 byte, 3 carry 2; the bits after them must be zero when strict.
        let (bytes, unused) = if rest.len() == 2 {
            (1, 0xffff)
        } else {
            (2, 0xff)
        };
        if strict && n & unused != 0 {
            return None;
        }
        out[len] = (n >> 16) as u8;
        if bytes == 2 {
            out[len + 1] = (n >> 8) as u8;
        }
        len += bytes;
    }
    out.truncate(len);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    /// Deterministic pseudo-random bytes (xorshift).
    fn bytes(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn encodes_and_decodes_like_the_base64_crate() {
        for len in 0..200 {
            let data = bytes(len, len as u64 + 7);
            let text = encode(&data);
            assert_eq!(text, STANDARD.encode(&data), "encode of {len} bytes");
            assert_eq!(decode(text.as_bytes()), Some(data.clone()));
            assert_eq!(decode_lenient(text.as_bytes()), Some(data.clone()));
            let unpadded = text.trim_end_matches('=');
            assert_eq!(decode_lenient(unpadded.as_bytes()), Some(data));
        }
    }

    #[test]
    fn strict_decode_refuses_what_the_standard_engine_refuses() {
        for text in [
            "QQ", "QQ=", "QUI", "Q===", "QQ==QQ==", "QR==", "QUJ=", "QU I=", "QUJD\n", "QU*D",
            "====", "A", "AAAAA", "QQ==\0",
        ] {
            assert_eq!(decode(text.as_bytes()), None, "{text:?}");
            assert!(STANDARD.decode(text).is_err(), "the crate accepts {text:?}");
        }
        assert_eq!(decode(b""), Some(Vec::new()));
        assert_eq!(decode(b"QUJD"), Some(b"ABC".to_vec()));
    }

    #[test]
    fn lenient_decode_is_atob() {
        // Forgiving-base64: whitespace anywhere, optional padding, trailing bits ignored.
        assert_eq!(decode_lenient(b" QU\nJD\t"), Some(b"ABC".to_vec()));
        assert_eq!(decode_lenient(b"QUI"), Some(b"AB".to_vec()));
        assert_eq!(decode_lenient(b"QR=="), Some(b"A".to_vec()));
        assert_eq!(decode_lenient(b"QR"), Some(b"A".to_vec()));
        assert_eq!(decode_lenient(b""), Some(Vec::new()));
        // What `atob` throws on.
        for text in [
            "Q", "QQ=", "QQ===", "Q===", "QUJDQ", "QU*D", "QQ==QQ==", "=QQQ",
        ] {
            assert_eq!(decode_lenient(text.as_bytes()), None, "{text:?}");
        }
    }
}
