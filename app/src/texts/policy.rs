//! The policy form's field names and hints, for the policy page and for errors naming a
//! field (which any form's error line may show).
use crate::domain::policy::bounds;
use crate::i18n::*;

type I18n = leptos_i18n::I18nContext<Locale>;

/// The label of a policy form field, by its name (also what errors name).
pub fn field_label(i18n: I18n, field: &str) -> String {
    let text = match field {
        "methods_enabled" => t_string!(i18n, admin_policy.label_methods_enabled),
        "methods_required" => t_string!(i18n, admin_policy.label_methods_required),
        "questions_to_register" => t_string!(i18n, admin_policy.label_questions_to_register),
        "questions_to_answer" => t_string!(i18n, admin_policy.label_questions_to_answer),
        "require_registration" => t_string!(i18n, admin_policy.label_require_registration),
        "reconfirm_days" => t_string!(i18n, admin_policy.label_reconfirm_days),
        "notify_user_on_reset" => t_string!(i18n, admin_policy.label_notify_user_on_reset),
        "notify_admins_on_admin_reset" => {
            t_string!(i18n, admin_policy.label_notify_admins_on_admin_reset)
        }
        "password_min_length" => t_string!(i18n, admin_policy.label_password_min_length),
        "password_history" => t_string!(i18n, admin_policy.label_password_history),
        "lockout_threshold" => t_string!(i18n, admin_policy.label_lockout_threshold),
        "lockout_seconds" => t_string!(i18n, admin_policy.label_lockout_seconds),
        "sms_regions" => t_string!(i18n, admin_policy.label_sms_regions),
        "help_desk" => t_string!(i18n, admin_policy.label_help_desk),
        _ => return field.to_owned(),
    };
    text.to_string()
}

/// The explanation beside a field: its bounds and what it does.
pub fn field_hint(i18n: I18n, field: &str) -> String {
    let (lo, hi) = crate::domain::password::MIN_LENGTH_BOUNDS;
    match field {
        "methods_enabled" => t_string!(i18n, admin_policy.hint_methods_enabled).to_string(),
        "methods_required" => {
            let (min, max) = bounds::METHODS_REQUIRED;
            t_string!(
                i18n,
                admin_policy.hint_methods_required,
                min = min,
                max = max
            )
            .to_string()
        }
        "questions_to_register" => {
            let (min, max) = bounds::QUESTIONS;
            t_string!(
                i18n,
                admin_policy.hint_questions_to_register,
                min = min,
                max = max
            )
            .to_string()
        }
        "questions_to_answer" => t_string!(
            i18n,
            admin_policy.hint_questions_to_answer,
            min = bounds::QUESTIONS.0
        )
        .to_string(),
        "require_registration" => {
            t_string!(i18n, admin_policy.hint_require_registration).to_string()
        }
        "reconfirm_days" => {
            let (min, max) = bounds::RECONFIRM_DAYS;
            t_string!(i18n, admin_policy.hint_reconfirm_days, min = min, max = max).to_string()
        }
        "password_min_length" => t_string!(
            i18n,
            admin_policy.hint_password_min_length,
            min = lo,
            max = hi
        )
        .to_string(),
        "password_history" => {
            let (min, max) = bounds::PASSWORD_HISTORY;
            t_string!(
                i18n,
                admin_policy.hint_password_history,
                min = min,
                max = max
            )
            .to_string()
        }
        "lockout_threshold" => {
            let (min, max) = bounds::LOCKOUT_THRESHOLD;
            t_string!(
                i18n,
                admin_policy.hint_lockout_threshold,
                min = min,
                max = max
            )
            .to_string()
        }
        "lockout_seconds" => {
            let (min, max) = bounds::LOCKOUT_SECONDS;
            t_string!(
                i18n,
                admin_policy.hint_lockout_seconds,
                min = min,
                max = max
            )
            .to_string()
        }
        "sms_regions" => t_string!(
            i18n,
            admin_policy.hint_sms_regions,
            max = bounds::SMS_REGIONS
        )
        .to_string(),
        "help_desk" => t_string!(
            i18n,
            admin_policy.hint_help_desk,
            max = bounds::HELP_DESK_CHARS
        )
        .to_string(),
        _ => String::new(),
    }
}
