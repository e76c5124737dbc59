//! Passkeys' one rule that the browser and the server share: what a name may be.
use crate::error::AppError;

/// A passkey's name, in characters.
pub const NAME_CHARS: usize = 60;

/// A passkey's name as typed, trimmed: 1 to [`NAME_CHARS`] characters, none of them a
/// control character. The form checks it before the ceremony, the server after it.
pub fn name(typed: &str) -> Result<&str, AppError> {
    let name = typed.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > NAME_CHARS || name.chars().any(char::is_control) {
        Err(AppError::PasskeyNameInvalid)
    } else {
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  work laptop "), Ok("work laptop"));
        assert_eq!(
            name(&"é".repeat(NAME_CHARS)).map(str::len),
            Ok(2 * NAME_CHARS)
        );
        for bad in ["", "   ", "tab\there", &"x".repeat(NAME_CHARS + 1)] {
            assert_eq!(name(bad), Err(AppError::PasskeyNameInvalid), "{bad:?}");
        }
    }
}
