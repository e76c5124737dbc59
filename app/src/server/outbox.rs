//! The texts of outgoing messages, in the recipient's language.
use super::store::outbox::NewMessage;
use super::store::User;
use crate::i18n::Locale;
use leptos_i18n::td_string;

/// "Your password was changed", to the account's own address.
pub fn password_changed(user: &User, locale: Locale, now: i64) -> NewMessage {
    let when = format_utc(now);
    NewMessage {
        channel: "email",
        recipient: user.email.clone(),
        locale: locale.to_string(),
        subject: td_string!(locale, mail.password_changed_subject).to_string(),
        body: td_string!(
            locale,
            mail.password_changed_body,
            name = user.display_name.as_str(),
            email = user.email.as_str(),
            when = when.as_str()
        )
        .to_string(),
    }
}

/// `YYYY-MM-DD HH:MM` for unix seconds (UTC); shared with the pages.
pub fn format_utc(unix: i64) -> String {
    crate::domain::recovery::date_time_utc(unix)
}

#[cfg(test)]
mod tests {
    use super::format_utc;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01 00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00");
        assert_eq!(format_utc(1_795_566_000), "2026-11-25 00:20");
    }
}
