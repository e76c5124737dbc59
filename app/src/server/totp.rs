//! Authenticator-app codes: RFC 6238 TOTP with the parameters every app understands
//! (HMAC-SHA-1, 6 digits, 30 s steps), accepting one step either side for clock drift.
//! The secret is 160 bits as RFC 4226 recommends. Time comes in as `now` (Unix seconds).
//!
//! A step, once used, is never accepted again (RFC 6238 section 5.2): the caller stores
//! the step [`verify`] returns and passes it back as `last_used_step`.
use super::base32;
use hmac::{Hmac, Mac};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use rand::RngCore;
use sha1::Sha1;
use std::fmt;
use subtle::ConstantTimeEq;

/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Steps accepted either side of the current one.
const DRIFT_STEPS: i64 = 1;
/// Bytes in a secret: 160 bits, the HMAC-SHA-1 output size (RFC 4226 section 4).
const SECRET_LEN: usize = 20;

/// A TOTP seed. `Debug` prints nothing and there is no `Serialize`: it reaches storage
/// only sealed (see `Keys::seal`) and the user only as base32 or a QR code at enrolment.
#[derive(Clone)]
pub struct TotpSecret([u8; SECRET_LEN]);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(redacted)")
    }
}

impl TotpSecret {
    /// A fresh secret from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; SECRET_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A stored secret; `None` unless it is exactly 20 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 base32 without padding, what authenticator apps take when typed in.
    pub fn to_base32(&self) -> String {
        base32::encode(&self.0)
    }
}

/// Why a code was refused. The UI shows the same message for all three; the
/// distinction is for counting failures and for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotpRejected {
    #[error("not a six-digit code")]
    Malformed,
    #[error("wrong code")]
    Wrong,
    #[error("code already used")]
    Replayed,
}

/// `"ABCDEFGHIJ"` → `"ABCD EFGH IJ"`: easier to copy by eye than one long run.
pub fn grouped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The time step that contains `now` (Unix seconds).
pub fn step_at(now: i64) -> i64 {
    now.div_euclid(STEP_SECONDS)
}

/// The enrolment URI (Google Authenticator "Key Uri Format"):
/// `otpauth://totp/Issuer:account?secret=…&issuer=Issuer&algorithm=SHA1&digits=6&period=30`.
/// Issuer and account are percent-encoded; the colon between them stays literal because
/// some apps do not split the label on `%3A`.
pub fn otpauth_uri(secret: &TotpSecret, issuer: &str, account: &str) -> String {
    let issuer = crate::routes::percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}\
         &algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = crate::routes::percent_encode(account),
        secret = secret.to_base32(),
    )
}

/// `data` as a QR code in an inline `<svg …>` element (no XML declaration, so it can sit
/// in HTML as is). `None` only if `data` is too long for a QR code.
pub fn qr_svg(data: &str) -> Option<String> {
    // Level M survives a slightly smudged or glare-struck screen and keeps an enrolment
    // URI at a version a phone camera reads at arm's length.
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
    let document = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let start = document.find("<svg")?;
    document.get(start..).map(str::to_owned)
}

/// The 6-digit code for one time step (for counter-based use, the HOTP value of that
/// counter).
pub fn code_at(secret: &TotpSecret, step: i64) -> String {
    code_at_digits(secret, step, DIGITS)
}

/// RFC 4226 section 5.3: HMAC-SHA-1 over the big-endian counter, dynamic truncation,
/// then the last `digits` decimal digits (at most 9).
fn code_at_digits(secret: &TotpSecret, step: i64, digits: u32) -> String {
    // HMAC takes keys of any length, so this never fails; an empty code can never equal
    // a typed one.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&secret.0) else {
        return String::new();
    };
    // Steps are never negative in practice; to_be_bytes gives the same eight bytes as
    // the unsigned counter would.
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.last().copied().unwrap_or(0) & 0x0f);
    let word = digest
        .get(offset..offset + 4)
        .and_then(|four| <[u8; 4]>::try_from(four).ok())
        .map_or(0, u32::from_be_bytes)
        & 0x7fff_ffff;
    let value = word % 10u32.pow(digits);
    format!("{value:0width$}", width = digits as usize)
}

/// Checks a typed code against the steps around `now` (Unix seconds) and returns the
/// step it matched, which the caller must store as the new `last_used_step`.
///
/// Spaces are ignored, since apps show codes as `123 456`. A step at or before
/// `last_used_step` is refused as [`TotpRejected::Replayed`], so a code seen over
/// someone's shoulder is useless once its owner has used it.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    now: i64,
    last_used_step: Option<i64>,
) -> Result<i64, TotpRejected> {
    let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpRejected::Malformed);
    }
    let current = step_at(now);
    let mut accepted = None;
    let mut replayed = false;
    // Every step in the window is computed and compared, match or not, so the time taken
    // says nothing about which one matched.
    for step in current.saturating_sub(DRIFT_STEPS)..=current.saturating_add(DRIFT_STEPS) {
        let matches: bool = code_at(secret, step)
            .as_bytes()
            .ct_eq(typed.as_bytes())
            .into();
        if !matches {
            continue;
        }
        if last_used_step.is_some_and(|last| step <= last) {
            replayed = true;
        } else if accepted.is_none() {
            accepted = Some(step);
        }
    }
    match (accepted, replayed) {
        (Some(step), _) => Ok(step),
        (None, true) => Err(TotpRejected::Replayed),
        (None, false) => Err(TotpRejected::Wrong),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed of RFC 4226 Appendix D and RFC 6238 Appendix B (SHA-1).
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890").unwrap()
    }

    #[test]
    fn rfc_4226_hotp_values() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(code_at(&rfc_secret(), counter as i64), *code);
        }
    }

    #[test]
    fn rfc_6238_sha1_vectors() {
        let expected = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, code) in expected {
            assert_eq!(code_at_digits(&rfc_secret(), step_at(time), 8), code);
            // The six-digit code is the same value's last six digits.
            assert_eq!(code_at(&rfc_secret(), step_at(time)), code[2..]);
        }
    }

    #[test]
    fn accepts_one_step_either_side_and_returns_the_step() {
        let secret = TotpSecret::generate();
        let now = 1_700_000_015;
        let current = step_at(now);
        for step in [current - 1, current, current + 1] {
            assert_eq!(
                verify(&secret, &code_at(&secret, step), now, None),
                Ok(step)
            );
        }
        for step in [current - 2, current + 2] {
            assert_eq!(
                verify(&secret, &code_at(&secret, step), now, None),
                Err(TotpRejected::Wrong)
            );
        }
    }

    #[test]
    fn a_used_step_is_never_accepted_again() {
        let secret = TotpSecret::generate();
        let now = 1_700_000_015;
        let code = code_at(&secret, step_at(now));
        let used = verify(&secret, &code, now, None).unwrap();
        assert_eq!(
            verify(&secret, &code, now, Some(used)),
            Err(TotpRejected::Replayed)
        );
        // Still refused half a minute later, while the step is inside the window.
        assert_eq!(
            verify(&secret, &code, now + 30, Some(used)),
            Err(TotpRejected::Replayed)
        );
        // An earlier step's code is refused too once a later one was used.
        let earlier = code_at(&secret, step_at(now) - 1);
        assert_eq!(
            verify(&secret, &earlier, now, Some(used)),
            Err(TotpRejected::Replayed)
        );
        // The next step's code still works.
        let next = code_at(&secret, used + 1);
        assert_eq!(verify(&secret, &next, now + 30, Some(used)), Ok(used + 1));
    }

    #[test]
    fn wrong_and_malformed_codes() {
        let secret = rfc_secret();
        let now = 59;
        let right = code_at(&secret, step_at(now));
        let wrong = if right == "000000" {
            "000001"
        } else {
            "000000"
        };
        assert_eq!(verify(&secret, wrong, now, None), Err(TotpRejected::Wrong));
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "１２３４５６",
            "-12345",
            "12 34 5",
        ] {
            assert_eq!(
                verify(&secret, bad, now, None),
                Err(TotpRejected::Malformed),
                "{bad:?}"
            );
        }
        // Apps display "123 456"; spaces around and inside are fine.
        let spaced = format!(" {} {} ", &right[..3], &right[3..]);
        assert_eq!(verify(&secret, &spaced, now, None), Ok(step_at(now)));
    }

    #[test]
    fn secret_bytes_base32_and_debug() {
        let secret = TotpSecret::generate();
        assert_eq!(secret.as_bytes().len(), 20);
        let encoded = secret.to_base32();
        assert_eq!(encoded.len(), 32);
        assert_eq!(base32::decode(&encoded).unwrap(), secret.as_bytes());
        assert_eq!(rfc_secret().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert!(TotpSecret::from_bytes(&[0; 19]).is_none());
        assert!(TotpSecret::from_bytes(&[0; 21]).is_none());
        assert_ne!(TotpSecret::generate().as_bytes(), secret.as_bytes());
        assert_eq!(format!("{secret:?}"), "TotpSecret(redacted)");
        assert_eq!(grouped("GEZDGNBVGY"), "GEZD GNBV GY");
        assert_eq!(grouped("GEZD"), "GEZD");
        assert_eq!(grouped(""), "");
    }

    #[test]
    fn otpauth_uri_format() {
        let uri = otpauth_uri(&rfc_secret(), "Regain Corp", "anna.rossi@contoso.com");
        assert_eq!(
            uri,
            "otpauth://totp/Regain%20Corp:anna.rossi%40contoso.com\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Regain%20Corp\
             &algorithm=SHA1&digits=6&period=30"
        );
        // A colon or ampersand in a name cannot break the label or the query.
        let odd = otpauth_uri(&rfc_secret(), "A:B&C", "é");
        assert!(odd.starts_with("otpauth://totp/A%3AB%26C:%C3%A9?"));
        assert!(odd.contains("&issuer=A%3AB%26C&"));
    }

    #[test]
    fn qr_code_is_an_inline_svg_element() {
        let uri = otpauth_uri(&rfc_secret(), "Regain", "anna@contoso.com");
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
        assert!(svg.len() > 1000);
        assert!(qr_svg(&"x".repeat(10_000)).is_none());
    }
}
