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

/// `YYYY-MM-DD HH:MM` for unix seconds (proleptic Gregorian, UTC).
pub fn format_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60
    )
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
