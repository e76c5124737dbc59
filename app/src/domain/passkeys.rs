//! What passkeys' browser and server share: a ceremony's first half, and what a name may be.
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A ceremony's first half, as the browser gets it: the options for
/// `navigator.credentials` (the JSON that `PublicKeyCredential.parse…OptionsFromJSON`
/// reads) and the token that finishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyStart {
    pub token: String,
    pub options: String,
}

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
