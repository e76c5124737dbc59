//! One-time recovery codes: 10 codes of 16 base32 characters (80 bits each) from the
//! OS CSPRNG, shown once as `XXXX-XXXX-XXXX-XXXX` and stored only as an HMAC of their
//! canonical form. 80 bits is far beyond online guessing, so a fast keyed hash is enough
//! and no Argon2 is needed; the key keeps a stolen table from being checked offline.
use super::base32;
use super::keys::Keys;
use rand::RngCore;

/// Codes in a set.
pub const COUNT: usize = 10;
/// Characters in a canonical code.
pub const CODE_LEN: usize = 16;
/// Random bytes behind one code: 16 base32 characters carry exactly 80 bits.
const CODE_BYTES: usize = 10;
/// Characters between dashes in the displayed form.
const GROUP: usize = 4;

/// A fresh set of [`COUNT`] codes, formatted for display (`ABCD-EFGH-IJKL-MNOP`).
pub fn generate() -> Vec<String> {
    let mut rng = rand::rngs::OsRng;
    (0..COUNT)
        .map(|_| {
            let mut bytes = [0u8; CODE_BYTES];
            rng.fill_bytes(&mut bytes);
            display(&base32::encode(&bytes))
        })
        .collect()
}

/// The canonical 16-character form of a typed code, the one that gets hashed; `None`
/// if it cannot be one of ours.
///
/// Spaces and dashes are dropped and letters upper-cased. `0` and `8` are read as `O`
/// and `B`: neither digit is in the base32 alphabet and each has one obvious look-alike
/// in it, so the mapping cannot turn a wrong code into someone else's right one — it
/// only saves a failed attempt on a code copied from paper. `1` is refused instead,
/// because it could be an `I` or an `L`, and guessing would hide the mistake.
pub fn normalize(input: &str) -> Option<String> {
    let mut canonical = String::with_capacity(CODE_LEN);
    for c in input.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            '0' => 'O',
            '8' => 'B',
            c => c,
        };
        if !c.is_ascii() || base32::value(c as u8).is_none() {
            return None;
        }
        canonical.push(c);
        if canonical.len() > CODE_LEN {
            return None;
        }
    }
    (canonical.len() == CODE_LEN).then_some(canonical)
}

/// What is stored for a code: HMAC-SHA256 of its canonical form under the server key.
pub fn fingerprint(keys: &Keys, canonical: &str) -> String {
    keys.mac_hex("recovery-code", canonical.as_bytes())
}

fn display(canonical: &str) -> String {
    let mut out = String::with_capacity(CODE_LEN + CODE_LEN / GROUP);
    for (i, c) in canonical.chars().enumerate() {
        if i > 0 && i % GROUP == 0 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ten_distinct_codes_in_display_format() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        let unique: HashSet<&String> = codes.iter().collect();
        assert_eq!(unique.len(), COUNT);
        for code in &codes {
            assert_eq!(code.len(), 19, "{code}");
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), 4, "{code}");
            assert!(groups.iter().all(|g| g.len() == 4), "{code}");
            assert!(
                code.chars()
                    .all(|c| c == '-' || c.is_ascii_uppercase() || ('2'..='7').contains(&c)),
                "{code}"
            );
        }
        // Two sets never share a code (80 bits each).
        let again: HashSet<String> = generate().into_iter().collect();
        assert!(codes.iter().all(|c| !again.contains(c)));
    }

    #[test]
    fn normalize_round_trips_what_we_show() {
        for code in generate() {
            let canonical = normalize(&code).unwrap();
            assert_eq!(canonical.len(), CODE_LEN);
            assert_eq!(canonical, code.replace('-', ""));
            assert_eq!(display(&canonical), code);
            assert_eq!(normalize(&canonical).as_ref(), Some(&canonical));
        }
    }

    #[test]
    fn normalize_forgives_case_spacing_and_two_look_alikes() {
        let canonical = Some("ABCDEFGHIJKLMNOP".to_owned());
        assert_eq!(normalize("abcd-efgh-ijkl-mnop"), canonical);
        assert_eq!(normalize("  ABCD EFGH  IJKL-MNOP "), canonical);
        assert_eq!(normalize("ABCDEFGHIJKLMNOP"), canonical);
        assert_eq!(
            normalize("B0B0-8888-2345-67AA"),
            Some("BOBOBBBB234567AA".to_owned())
        );
    }

    #[test]
    fn normalize_rejects_what_cannot_be_a_code() {
        for bad in [
            "",
            "ABCD-EFGH-IJKL-MNO",
            "ABCD-EFGH-IJKL-MNOPQ",
            "ABCD-EFGH-IJKL-MN1P",
            "ABCD-EFGH-IJKL-MN9P",
            "ABCD_EFGH_IJKL_MNOP",
            "ABCD.EFGH.IJKL.MNOP",
            "ÀBCD-EFGH-IJKL-MNOP",
            "ＡBCD-EFGH-IJKL-MNOP",
            "ABCD-EFGH-IJKL-MNO=",
        ] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn fingerprint_is_keyed_and_stable() {
        let keys = Keys::from_bytes([3; 32]);
        let a = fingerprint(&keys, "ABCDEFGHIJKLMNOP");
        assert_eq!(a, fingerprint(&keys, "ABCDEFGHIJKLMNOP"));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("ABCD"));
        assert_ne!(a, fingerprint(&keys, "ABCDEFGHIJKLMNOQ"));
        assert_ne!(
            a,
            fingerprint(&Keys::from_bytes([4; 32]), "ABCDEFGHIJKLMNOP")
        );
        // Separated from other uses of the same key.
        assert_ne!(a, keys.mac_hex("email-code", b"ABCDEFGHIJKLMNOP"));
    }
}
