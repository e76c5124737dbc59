//! User IDs are email addresses. Accounts are looked up by their canonical form only,
//! so that `Anna@Example.COM`, a full-width `ａｎｎａ@example.com` and the stored
//! address all name the same account (and a look-alike can never name another).
use unicode_normalization::UnicodeNormalization;

/// Longest address RFC 5321 allows on the wire.
pub const MAX_EMAIL_LEN: usize = 254;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierError {
    Empty,
    TooLong,
    Malformed,
}

/// NFKC, trimmed, lower-cased. Returns the canonical user ID or why it can't be one.
pub fn normalize_email(input: &str) -> Result<String, IdentifierError> {
    let canonical: String = input.trim().nfkc().collect::<String>().to_lowercase();
    if canonical.is_empty() {
        return Err(IdentifierError::Empty);
    }
    if canonical.chars().count() > MAX_EMAIL_LEN {
        return Err(IdentifierError::TooLong);
    }
    let (local, domain) = canonical
        .rsplit_once('@')
        .ok_or(IdentifierError::Malformed)?;
    let well_formed = !local.is_empty()
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !canonical
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    if well_formed {
        Ok(canonical)
    } else {
        Err(IdentifierError::Malformed)
    }
}

/// The domain part of a canonical address.
pub fn email_domain(canonical: &str) -> Option<&str> {
    canonical.rsplit_once('@').map(|(_, domain)| domain)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn canonical_form_folds_case_width_and_space() {
        assert_eq!(
            normalize_email("  Anna.Rossi@Example.COM "),
            Ok("anna.rossi@example.com".into())
        );
        // Full-width letters and the full-width @ fold to ASCII under NFKC.
        assert_eq!(
            normalize_email("ａｎｎａ＠example.com"),
            Ok("anna@example.com".into())
        );
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        assert_eq!(normalize_email(""), Err(IdentifierError::Empty));
        assert_eq!(normalize_email("   "), Err(IdentifierError::Empty));
        assert_eq!(normalize_email("anna"), Err(IdentifierError::Malformed));
        assert_eq!(
            normalize_email("anna@localhost"),
            Err(IdentifierError::Malformed)
        );
        assert_eq!(
            normalize_email("@example.com"),
            Err(IdentifierError::Malformed)
        );
        assert_eq!(
            normalize_email("an na@example.com"),
            Err(IdentifierError::Malformed)
        );
        assert_eq!(
            normalize_email("a@b@example.com"),
            Err(IdentifierError::Malformed)
        );
        assert_eq!(
            normalize_email("anna@example..com"),
            Err(IdentifierError::Malformed)
        );
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(normalize_email(&long), Err(IdentifierError::TooLong));
    }

    #[test]
    fn domain_of_canonical_address() {
        assert_eq!(email_domain("anna@example.com"), Some("example.com"));
        assert_eq!(email_domain("nope"), None);
    }
}
