//! RFC 4648 base32 (alphabet `A–Z2–7`, no padding), for TOTP secrets and recovery codes:
//! it is what authenticator apps expect, and it has no `0`/`O` or `1`/`I` pairs to misread.
//! A few lines here instead of another dependency.

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Encodes without `=` padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    // Never holds more than 4 + 8 bits.
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(symbol(buffer >> bits));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(symbol(buffer << (5 - bits)));
    }
    out
}

/// Decodes unpadded base32, upper or lower case. Rejects foreign characters, impossible
/// lengths and non-zero trailing bits, so each byte string has exactly one encoding.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for c in text.bytes() {
        buffer = (buffer << 5) | value(c)?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
            buffer &= (1 << bits) - 1;
        }
    }
    (bits < 5 && buffer == 0).then_some(out)
}

/// The value of one base32 character, if it is one.
pub fn value(c: u8) -> Option<u32> {
    match c.to_ascii_uppercase() {
        c @ b'A'..=b'Z' => Some(u32::from(c - b'A')),
        c @ b'2'..=b'7' => Some(u32::from(c - b'2') + 26),
        _ => None,
    }
}

fn symbol(index: u32) -> char {
    // Callers pass five bits at most; the mask makes that true by construction.
    ALPHABET
        .get((index & 31) as usize)
        .map_or('A', |&b| char::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648 section 10, without the padding.
    const VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "MY"),
        ("fo", "MZXQ"),
        ("foo", "MZXW6"),
        ("foob", "MZXW6YQ"),
        ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI"),
    ];

    #[test]
    fn rfc_4648_vectors_both_ways() {
        for (plain, encoded) in VECTORS {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
            assert_eq!(decode(&encoded.to_lowercase()).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn round_trips_every_length() {
        let bytes: Vec<u8> = (0u8..=255).collect();
        for len in 0..40 {
            let slice = &bytes[..len];
            assert_eq!(decode(&encode(slice)).unwrap(), slice);
        }
    }

    #[test]
    fn rejects_what_it_did_not_make() {
        assert_eq!(decode("MY======"), None);
        assert_eq!(decode("M1"), None);
        assert_eq!(decode("M"), None);
        assert_eq!(decode("MZX"), None);
        // Same bits as "MY" but with a non-zero tail.
        assert_eq!(decode("MZ"), None);
    }
}
