//! Mobile numbers for SMS codes, checked against libphonenumber's metadata (the
//! `phonenumber` crate) and stored in E.164 form, the one canonical spelling of a number.
use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, Type};

/// A validated mobile number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    /// `+393331234567`: what is stored, compared and sent to the SMS gateway.
    pub e164: String,
    pub country_code: u16,
    /// ISO 3166-1 alpha-2 (`"IT"`); `None` for numbers of no country (`+882 …`).
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("not a valid international mobile number")]
    Invalid,
    #[error("numbers from this country are not accepted")]
    NotAllowed,
}

/// Longer input than this is no phone number; refusing it early keeps the parser's
/// regular expressions away from megabytes of junk.
const MAX_INPUT_LEN: usize = 40;

/// Parses a number typed in international form (`+39 333 123 4567`; spaces, dashes,
/// dots and parentheses tolerated) and checks that it is a valid number that can take
/// SMS, from a region in `allowed_regions` (ISO codes, any case) unless that is empty.
///
/// National forms (`333 …`, `0039 …`) are refused rather than guessed: the country would
/// come from the browser's locale or the server's, and a wrong guess sends a code to a
/// stranger. Letters, extensions and `tel:` URIs are refused for the same reason.
pub fn parse_phone(input: &str, allowed_regions: &[String]) -> Result<PhoneNumber, PhoneError> {
    let input = input.trim();
    if input.len() > MAX_INPUT_LEN {
        return Err(PhoneError::Invalid);
    }
    let rest = input.strip_prefix('+').ok_or(PhoneError::Invalid)?;
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
    {
        return Err(PhoneError::Invalid);
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let number = phonenumber::parse(None, format!("+{digits}")).map_err(|_| PhoneError::Invalid)?;
    if !number.is_valid() || !can_take_sms(number.number_type(&DATABASE)) {
        return Err(PhoneError::Invalid);
    }
    let region = number.country().id().map(|id| id.as_ref().to_owned());
    let allowed = allowed_regions.is_empty()
        || region.as_deref().is_some_and(|region| {
            allowed_regions
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(region))
        });
    if !allowed {
        return Err(PhoneError::NotAllowed);
    }
    Ok(PhoneNumber {
        e164: number.format().mode(Mode::E164).to_string(),
        country_code: number.country().code(),
        region,
    })
}

/// Mobile numbers, and those that the numbering plan cannot tell from landlines (all of
/// North America). Landlines, toll-free, premium-rate, pager and personal-redirect
/// numbers cannot receive a code, or would bill someone for trying.
fn can_take_sms(kind: Type) -> bool {
    matches!(kind, Type::Mobile | Type::FixedLineOrMobile)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str) -> Result<PhoneNumber, PhoneError> {
        parse_phone(input, &[])
    }

    fn number(e164: &str, country_code: u16, region: &str) -> PhoneNumber {
        PhoneNumber {
            e164: e164.into(),
            country_code,
            region: Some(region.into()),
        }
    }

    #[test]
    fn valid_mobiles_in_any_spelling() {
        let it = number("+393331234567", 39, "IT");
        assert_eq!(parse("+39 333 123 4567"), Ok(it.clone()));
        assert_eq!(parse("  +39-333-123-4567 "), Ok(it.clone()));
        assert_eq!(parse("+39 (333) 123.4567"), Ok(it.clone()));
        assert_eq!(parse("+393331234567"), Ok(it));
        assert_eq!(
            parse("+44 7400 123456"),
            Ok(number("+447400123456", 44, "GB"))
        );
        assert_eq!(
            parse("+1 (201) 555-0123"),
            Ok(number("+12015550123", 1, "US"))
        );
        assert_eq!(
            parse("+86 131 2345 6789"),
            Ok(number("+8613123456789", 86, "CN"))
        );
        assert_eq!(
            parse("+852 9123 4567"),
            Ok(number("+85291234567", 852, "HK"))
        );
    }

    #[test]
    fn invalid_numbers_are_refused() {
        for bad in [
            "",
            "+",
            "+39",
            "393331234567",
            "0039 333 123 4567",
            "333 123 4567",
            "+39 333 123 456789012",
            "+39 333",
            "+44 7400 12345",
            "+1 555 555 5555",
            "+999 123 4567",
            "+39 333 123 4567 ext. 12",
            "+39 333 CALL ME",
            "tel:+39-333-123-4567",
            "+39 333 123 4567\n+39",
            "+３９ ３３３ １２３ ４５６７",
        ] {
            assert_eq!(parse(bad), Err(PhoneError::Invalid), "{bad:?}");
        }
        assert_eq!(
            parse(&format!("+39 {}", "3".repeat(100))),
            Err(PhoneError::Invalid)
        );
    }

    #[test]
    fn numbers_that_cannot_take_sms_are_refused() {
        // Rome landline, UK and US toll-free.
        for landline in ["+39 06 6982 1234", "+44 800 123 4567", "+1 800 234 5678"] {
            assert_eq!(parse(landline), Err(PhoneError::Invalid), "{landline}");
        }
    }

    #[test]
    fn allow_list_by_region() {
        let allowed = vec!["IT".to_owned(), "gb".to_owned()];
        assert!(parse_phone("+39 333 123 4567", &allowed).is_ok());
        assert!(parse_phone("+44 7400 123456", &allowed).is_ok());
        assert_eq!(
            parse_phone("+1 201 555 0123", &allowed),
            Err(PhoneError::NotAllowed)
        );
        assert_eq!(
            parse_phone("+86 131 2345 6789", &allowed),
            Err(PhoneError::NotAllowed)
        );
        // Invalid stays invalid whatever the list says.
        assert_eq!(parse_phone("+39 333", &allowed), Err(PhoneError::Invalid));
    }
}
