//! The sentence each error is shown as, in the user's language: under a form, and as the
//! `detail` of the JSON API's problem documents.
use crate::error::AppError;
use crate::i18n::*;

/// The translated text for an error. Every variant has its own key.
pub fn error_text(i18n: leptos_i18n::I18nContext<Locale>, error: &AppError) -> String {
    match error {
        AppError::InvalidCredentials => t_string!(i18n, errors.invalid_credentials).to_string(),
        AppError::Busy => t_string!(i18n, errors.busy).to_string(),
        AppError::NotSignedIn => t_string!(i18n, errors.not_signed_in).to_string(),
        AppError::InvalidInput => t_string!(i18n, errors.invalid_input).to_string(),
        AppError::UserIdInvalid => t_string!(i18n, errors.user_id_invalid).to_string(),
        AppError::PasswordRequired => t_string!(i18n, errors.password_required).to_string(),
        AppError::PasswordRejected { .. } => t_string!(i18n, errors.password_rejected).to_string(),
        AppError::PasswordUnchanged => t_string!(i18n, errors.password_unchanged).to_string(),
        AppError::CurrentPasswordWrong => {
            t_string!(i18n, errors.current_password_wrong).to_string()
        }
        AppError::ReauthRequired => t_string!(i18n, errors.reauth_required).to_string(),
        AppError::CodeWrong { remaining } => {
            t_string!(i18n, errors.code_wrong, n = *remaining).to_string()
        }
        AppError::CodeExpired => t_string!(i18n, errors.code_expired).to_string(),
        AppError::TooSoon { wait_seconds } => {
            t_string!(i18n, errors.too_soon, n = *wait_seconds).to_string()
        }
        AppError::EmailInvalid => t_string!(i18n, errors.email_invalid).to_string(),
        AppError::PhoneInvalid => t_string!(i18n, errors.phone_invalid).to_string(),
        AppError::PhoneRegionNotAllowed => {
            t_string!(i18n, errors.phone_region_not_allowed).to_string()
        }
        AppError::MethodExists => t_string!(i18n, errors.method_exists).to_string(),
        AppError::MethodNotAllowed => t_string!(i18n, errors.method_not_allowed).to_string(),
        AppError::TotpWrong => t_string!(i18n, errors.totp_wrong).to_string(),
        AppError::TotpReplayed => t_string!(i18n, errors.totp_replayed).to_string(),
        AppError::AnswersInvalid => t_string!(i18n, errors.answers_invalid).to_string(),
        AppError::TryAgainAfter { at } => {
            let time = crate::domain::recovery::clock_time_utc(*at);
            t_string!(i18n, errors.try_again_after, time = time.as_str()).to_string()
        }
        AppError::ProofOfWorkFailed => t_string!(i18n, errors.proof_of_work_failed).to_string(),
        AppError::FlowExpired => t_string!(i18n, errors.flow_expired).to_string(),
        AppError::AnswersWrong => t_string!(i18n, errors.answers_wrong).to_string(),
        AppError::ProofWrong => t_string!(i18n, errors.proof_wrong).to_string(),
        AppError::Forbidden => t_string!(i18n, errors.forbidden).to_string(),
        AppError::NotFound => t_string!(i18n, errors.not_found).to_string(),
        AppError::Internal => t_string!(i18n, errors.internal).to_string(),
        AppError::Network => t_string!(i18n, errors.network).to_string(),
        AppError::PolicyOutOfRange { field, min, max } => {
            let field = crate::texts::policy::field_label(i18n, field);
            t_string!(
                i18n,
                errors.policy_out_of_range,
                field = field.as_str(),
                min = *min,
                max = *max
            )
            .to_string()
        }
        AppError::PolicyInvalid { field } => {
            let label = crate::texts::policy::field_label(i18n, field);
            let hint = crate::texts::policy::field_hint(i18n, field);
            t_string!(
                i18n,
                errors.policy_invalid,
                field = label.as_str(),
                hint = hint.as_str()
            )
            .to_string()
        }
        AppError::TermInvalid { line } => {
            let (min, max) = crate::domain::password::CUSTOM_TERM_CHARS;
            if *line == 0 {
                t_string!(i18n, errors.term_invalid, min = min, max = max).to_string()
            } else {
                t_string!(
                    i18n,
                    errors.term_invalid_line,
                    line = *line,
                    min = min,
                    max = max
                )
                .to_string()
            }
        }
        AppError::TooManyTerms { max } => {
            t_string!(i18n, errors.too_many_terms, max = *max).to_string()
        }
        AppError::PasskeyRefused => t_string!(i18n, errors.passkey_refused).to_string(),
        AppError::PasskeyUnavailable => t_string!(i18n, errors.passkey_unavailable).to_string(),
        AppError::PasskeyNameInvalid => t_string!(i18n, errors.passkey_name_invalid).to_string(),
    }
}
