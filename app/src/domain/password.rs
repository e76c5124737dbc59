//! The length rule every new password must pass (SECURITY.md): NFKC first, then count
//! code points. No composition rules, no truncation. The banned-password screening of a
//! later issue builds on [`normalize_password`].
use crate::error::AppError;
use unicode_normalization::UnicodeNormalization;

/// Organisation minimum when the policy says nothing.
pub const DEFAULT_MIN_LENGTH: u32 = 12;
/// Bounds an organisation may choose its minimum within.
pub const MIN_LENGTH_BOUNDS: (u32, u32) = (8, 64);
/// Longest password accepted, in code points after normalisation.
pub const MAX_LENGTH: u32 = 256;
/// Bytes of raw input read at most before anything is hashed: four bytes a code point
/// covers any 256-code-point password, and a larger body is refused unread.
pub const MAX_INPUT_BYTES: usize = 4 * MAX_LENGTH as usize;

/// The form every password takes before it is hashed or compared.
pub fn normalize_password(raw: &str) -> String {
    raw.nfkc().collect()
}

/// Checks a new password and its confirmation; returns the normalised password.
pub fn check_new_password(new: &str, confirm: &str, min_length: u32) -> Result<String, AppError> {
    if new.is_empty() {
        return Err(AppError::PasswordRequired);
    }
    if new.len() > MAX_INPUT_BYTES {
        return Err(AppError::PasswordTooLong { max: MAX_LENGTH });
    }
    let normalized = normalize_password(new);
    let length = normalized.chars().count();
    if length < min_length as usize {
        return Err(AppError::PasswordTooShort { min: min_length });
    }
    if length > MAX_LENGTH as usize {
        return Err(AppError::PasswordTooLong { max: MAX_LENGTH });
    }
    if normalize_password(confirm) != normalized {
        return Err(AppError::PasswordMismatch);
    }
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_code_points_after_nfkc() {
        // Twelve Chinese characters are twelve code points, though 36 bytes.
        let han = "我们的密码很长也很好记的";
        assert_eq!(check_new_password(han, han, 12), Ok(han.to_string()));
        // "ﬁ" (one code point) becomes "fi" (two) under NFKC, so eleven of them pass 12.
        let ligatures = "ﬁ".repeat(6);
        assert!(check_new_password(&ligatures, &ligatures, 12).is_ok());
        assert_eq!(
            check_new_password("short", "short", 12),
            Err(AppError::PasswordTooShort { min: 12 })
        );
    }

    #[test]
    fn bounds_and_confirmation() {
        let max = "a".repeat(256);
        assert!(check_new_password(&max, &max, 12).is_ok());
        let over = "a".repeat(257);
        assert_eq!(
            check_new_password(&over, &over, 12),
            Err(AppError::PasswordTooLong { max: 256 })
        );
        let huge = "a".repeat(MAX_INPUT_BYTES + 1);
        assert_eq!(
            check_new_password(&huge, &huge, 12),
            Err(AppError::PasswordTooLong { max: 256 })
        );
        assert_eq!(
            check_new_password("", "", 12),
            Err(AppError::PasswordRequired)
        );
        assert_eq!(
            check_new_password("correct horse battery", "correct horse battery!", 12),
            Err(AppError::PasswordMismatch)
        );
        // The confirmation is compared after normalisation too.
        assert!(
            check_new_password("ｃｏｒｒｅｃｔ horse battery", "correct horse battery", 12).is_ok()
        );
    }
}
