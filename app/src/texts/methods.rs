//! The verification methods' names, for the pages, the console's charts and the mail.
use crate::domain::policy::MethodKind;
use crate::i18n::Locale;
use leptos_i18n::td_string;

/// The translated name of a method.
pub fn name(locale: Locale, kind: MethodKind) -> String {
    match kind {
        MethodKind::Email => td_string!(locale, security.kind_email).to_string(),
        MethodKind::Sms => td_string!(locale, security.kind_sms).to_string(),
        MethodKind::Authenticator => td_string!(locale, security.kind_authenticator).to_string(),
        MethodKind::RecoveryCodes => td_string!(locale, security.kind_codes).to_string(),
        MethodKind::SecurityQuestions => td_string!(locale, security.kind_questions).to_string(),
        MethodKind::Passkey => td_string!(locale, security.kind_passkey).to_string(),
    }
}
