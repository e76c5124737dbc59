//! Decoy method hints for identifiers that can't recover (unknown, disabled, no usable
//! method): derived from HMAC(server key, normalised ID), so the same ID always shows the
//! same hints, and they look like a real account's. Nothing is ever sent for them.
use super::super::keys::Keys;
use crate::domain::policy::MethodKind;

const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const TLDS: [&str; 5] = ["com", "net", "org", "it", "cn"];
const COUNTRY_CODES: [&str; 4] = ["+39", "+86", "+44", "+1"];

/// The hints a decoy shows: an email always, then a phone or recovery codes, so that an
/// account needing two gates has two to offer.
pub fn hints(keys: &Keys, canonical: &str, required: u8) -> Vec<(MethodKind, String)> {
    let mac = keys.mac("recovery-decoy", canonical.as_bytes());
    let byte = |i: usize| mac.get(i).copied().unwrap_or(0);
    let letter = |i: usize| {
        char::from(
            LETTERS
                .get(usize::from(byte(i)) % 26)
                .copied()
                .unwrap_or(b'a'),
        )
    };
    let tld = TLDS
        .get(usize::from(byte(2)) % TLDS.len())
        .copied()
        .unwrap_or("com");
    let mut out = vec![(
        MethodKind::Email,
        format!("{}•••@{}•••.{tld}", letter(0), letter(1)),
    )];
    let phone = byte(3) & 1 == 1;
    if phone {
        let cc = COUNTRY_CODES
            .get(usize::from(byte(4)) % COUNTRY_CODES.len())
            .copied()
            .unwrap_or("+39");
        out.push((
            MethodKind::Sms,
            format!("{cc} ••• ••• ••{:02}", byte(5) % 100),
        ));
    }
    if byte(6) & 1 == 1 || (required >= 2 && !phone) {
        out.push((MethodKind::RecoveryCodes, String::new()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_stable_per_identifier_and_differ_between_identifiers() {
        let keys = Keys::from_bytes([7; 32]);
        let a = hints(&keys, "nobody@example.com", 1);
        assert_eq!(a, hints(&keys, "nobody@example.com", 1));
        let others: Vec<_> = (0..20)
            .map(|i| hints(&keys, &format!("user{i}@example.com"), 1))
            .collect();
        assert!(others.iter().any(|h| h != &a));
    }

    #[test]
    fn two_gates_always_get_two_hints() {
        let keys = Keys::from_bytes([9; 32]);
        for i in 0..50 {
            assert!(hints(&keys, &format!("u{i}@example.org"), 2).len() >= 2);
        }
    }
}
