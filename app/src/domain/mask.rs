//! Masked forms of a stored address or number, shown when the user picks where a code
//! goes ("a code to a•••@c•••.com"). They must let the owner recognise their own address
//! while telling someone who only knows the user ID next to nothing, so each form keeps
//! one character per part and a fixed `•••` that hides the real length.
//!
//! Anything that does not look like what we expect masks to a bare `•••`: showing a
//! garbled stored value would be worse than showing nothing.

/// What every hidden run becomes, whatever its length.
const HIDDEN: &str = "•••";

/// `anna.rossi@contoso.com` → `a•••@c•••.com`.
///
/// Keeps the first character of the local part, the first character of the domain's
/// first label and the whole last label (the top-level domain, which is shared by
/// millions). Works on characters, not bytes, so IDN domains stay valid text;
/// punycode (`xn--…`) is masked as given. Case is kept as stored.
pub fn mask_email(address: &str) -> String {
    mask_email_parts(address.trim()).unwrap_or_else(|| HIDDEN.to_owned())
}

fn mask_email_parts(address: &str) -> Option<String> {
    // Stored addresses are canonical (see `identifier::normalize_email`), whose local
    // part never holds an `@`; several of them mean this is not an address we made.
    let (local, domain) = address.split_once('@')?;
    if domain.contains('@') {
        return None;
    }
    let first_local = local.chars().next()?;
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.iter().any(|label| label.is_empty()) {
        return None;
    }
    let first_domain = labels.first()?.chars().next()?;
    let masked = match labels.as_slice() {
        // A dotless domain (an intranet host) has no public suffix to keep.
        [_] => format!("{first_local}{HIDDEN}@{first_domain}{HIDDEN}"),
        [.., tld] => format!("{first_local}{HIDDEN}@{first_domain}{HIDDEN}.{tld}"),
        [] => return None,
    };
    Some(masked)
}

/// `+393331234567` → `+39 ••• ••• ••67`.
///
/// Takes the stored E.164 form (`+` and digits, nothing else) and keeps the country
/// code and the last two digits. Input that is not E.164, or whose national part is
/// too short to hide anything, masks to `•••`.
pub fn mask_phone(e164: &str) -> String {
    mask_phone_parts(e164.trim()).unwrap_or_else(|| HIDDEN.to_owned())
}

/// E.164 allows at most 15 digits, country code included.
const MAX_E164_DIGITS: usize = 15;
/// Below this the two digits we show would be half the national number or more.
const MIN_NATIONAL_DIGITS: usize = 4;

fn mask_phone_parts(e164: &str) -> Option<String> {
    let digits = e164.strip_prefix('+')?;
    if digits.is_empty()
        || digits.len() > MAX_E164_DIGITS
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (country, national) = digits.split_at_checked(country_code_len(digits)?)?;
    if national.len() < MIN_NATIONAL_DIGITS {
        return None;
    }
    let last_two = national.get(national.len() - 2..)?;
    Some(format!("+{country} {HIDDEN} {HIDDEN} ••{last_two}"))
}

/// Length of the country code at the start of `digits` (ASCII digits, no `+`).
///
/// ITU-T E.164 country codes form a prefix code: codes 1 and 7 are one digit, the
/// two-digit codes below are all that exist, and every other code is three digits
/// long. So the first two digits decide the length without a full table.
fn country_code_len(digits: &str) -> Option<usize> {
    let first_two = digits.get(..2)?;
    match first_two.as_bytes().first()? {
        b'0' => None,
        b'1' | b'7' => Some(1),
        _ => Some(match first_two {
            "20" | "27" | "30" | "31" | "32" | "33" | "34" | "36" | "39" | "40" | "41" | "43"
            | "44" | "45" | "46" | "47" | "48" | "49" | "51" | "52" | "53" | "54" | "55" | "56"
            | "57" | "58" | "60" | "61" | "62" | "63" | "64" | "65" | "66" | "81" | "82" | "84"
            | "86" | "90" | "91" | "92" | "93" | "94" | "95" | "98" => 2,
            _ => 3,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn email_keeps_first_characters_and_the_top_level_domain() {
        assert_eq!(mask_email("anna.rossi@contoso.com"), "a•••@c•••.com");
        assert_eq!(mask_email("  anna.rossi@contoso.com "), "a•••@c•••.com");
        assert_eq!(mask_email("a@mail.example.co.uk"), "a•••@m•••.uk");
    }

    #[test]
    fn email_hides_the_length_of_short_parts() {
        assert_eq!(mask_email("x@y.it"), "x•••@y•••.it");
        assert_eq!(mask_email("xy@yz.it"), "x•••@y•••.it");
        assert_eq!(mask_email("a@localhost"), "a•••@l•••");
    }

    #[test]
    fn email_masks_characters_not_bytes() {
        assert_eq!(mask_email("李伟@例子.中国"), "李•••@例•••.中国");
        assert_eq!(mask_email("élodie@société.fr"), "é•••@s•••.fr");
        // Punycode is not decoded: it is masked like any other domain.
        assert_eq!(
            mask_email("li@xn--fsqu00a.xn--fiqs8s"),
            "l•••@x•••.xn--fiqs8s"
        );
    }

    #[test]
    fn email_keeps_case_as_stored() {
        assert_eq!(mask_email("Anna@Contoso.COM"), "A•••@C•••.COM");
    }

    #[test]
    fn email_garbage_masks_to_nothing() {
        for garbage in [
            "",
            "   ",
            "anna",
            "@contoso.com",
            "anna@",
            "a@b@contoso.com",
            "anna@@contoso.com",
            "anna@.com",
            "anna@contoso.",
            "anna@contoso..com",
        ] {
            assert_eq!(mask_email(garbage), "•••", "{garbage:?}");
        }
    }

    #[test]
    fn phone_keeps_country_code_and_last_two_digits() {
        assert_eq!(mask_phone("+393331234567"), "+39 ••• ••• ••67");
        assert_eq!(mask_phone("+14155550112"), "+1 ••• ••• ••12");
        assert_eq!(mask_phone("+447400123456"), "+44 ••• ••• ••56");
        assert_eq!(mask_phone("+85291234567"), "+852 ••• ••• ••67");
        assert_eq!(mask_phone("+8613123456789"), "+86 ••• ••• ••89");
        assert_eq!(mask_phone("+79161234567"), "+7 ••• ••• ••67");
        assert_eq!(mask_phone("+2901234"), "+290 ••• ••• ••34");
    }

    #[test]
    fn phone_country_code_lengths_follow_the_itu_prefixes() {
        assert_eq!(country_code_len("1415"), Some(1));
        assert_eq!(country_code_len("7916"), Some(1));
        assert_eq!(country_code_len("2012"), Some(2));
        assert_eq!(country_code_len("2125"), Some(3));
        assert_eq!(country_code_len("3531"), Some(3));
        assert_eq!(country_code_len("4231"), Some(3));
        assert_eq!(country_code_len("9981"), Some(3));
        assert_eq!(country_code_len("0039"), None);
        assert_eq!(country_code_len("3"), None);
    }

    #[test]
    fn phone_garbage_and_short_numbers_mask_to_nothing() {
        for garbage in [
            "",
            "+",
            "+1",
            "+44",
            "+852",
            "+39333",
            "+852123",
            "393331234567",
            "+39 333 123 4567",
            "+39333123456a",
            "+0123456789",
            "+1234567890123456",
            "++393331234567",
        ] {
            assert_eq!(mask_phone(garbage), "•••", "{garbage:?}");
        }
    }
}
