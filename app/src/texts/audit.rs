//! The audit log's translated words, by locale, for the page and the CSV alike.
use crate::domain::console::audit::activity::Activity;
use crate::domain::console::audit::filter::FilterProblem;
use crate::i18n::Locale;
use leptos_i18n::td_string;

pub fn activity(locale: Locale, a: Activity) -> String {
    match a {
        Activity::SignIn => td_string!(locale, admin_audit.act_sign_in).to_string(),
        Activity::SignOut => td_string!(locale, admin_audit.act_sign_out).to_string(),
        Activity::Blocked => td_string!(locale, admin_audit.act_blocked).to_string(),
        Activity::PasswordChange => td_string!(locale, admin_audit.act_password_change).to_string(),
        Activity::Registration => td_string!(locale, admin_audit.act_registration).to_string(),
        Activity::RecoveryStart => td_string!(locale, admin_audit.act_recovery_start).to_string(),
        Activity::RecoveryPurpose => {
            td_string!(locale, admin_audit.act_recovery_purpose).to_string()
        }
        Activity::RecoveryMethod => td_string!(locale, admin_audit.act_recovery_method).to_string(),
        Activity::RecoveryCodeSent => {
            td_string!(locale, admin_audit.act_recovery_code_sent).to_string()
        }
        Activity::GatePassed => td_string!(locale, admin_audit.act_gate_passed).to_string(),
        Activity::GateFailed => td_string!(locale, admin_audit.act_gate_failed).to_string(),
        Activity::Reset => td_string!(locale, admin_audit.act_reset).to_string(),
        Activity::Unlock => td_string!(locale, admin_audit.act_unlock).to_string(),
        Activity::NotMe => td_string!(locale, admin_audit.act_not_me).to_string(),
        Activity::PolicyChange => td_string!(locale, admin_audit.act_policy_change).to_string(),
        Activity::AccountAdmin => td_string!(locale, admin_audit.act_account_admin).to_string(),
        Activity::AdminOther => td_string!(locale, admin_audit.act_admin_other).to_string(),
        Activity::Other => td_string!(locale, admin_audit.act_other).to_string(),
    }
}

pub fn problem(locale: Locale, p: FilterProblem) -> String {
    match p {
        FilterProblem::From => td_string!(locale, admin_audit.problem_from).to_string(),
        FilterProblem::To => td_string!(locale, admin_audit.problem_to).to_string(),
        FilterProblem::Range => td_string!(locale, admin_audit.problem_range).to_string(),
        FilterProblem::User => td_string!(locale, admin_audit.problem_user).to_string(),
        FilterProblem::UnknownUser => {
            td_string!(locale, admin_audit.problem_unknown_user).to_string()
        }
        FilterProblem::Activity => td_string!(locale, admin_audit.problem_activity).to_string(),
        FilterProblem::Outcome => td_string!(locale, admin_audit.problem_outcome).to_string(),
        FilterProblem::Ip => td_string!(locale, admin_audit.problem_ip).to_string(),
        FilterProblem::TimeZone => td_string!(locale, admin_audit.problem_tz).to_string(),
        FilterProblem::Cursor => td_string!(locale, admin_audit.problem_cursor).to_string(),
    }
}

/// Who acted, when the actor is not a known user of the organisation.
pub fn actor(locale: Locale, kind: &str) -> String {
    match kind {
        "user" => td_string!(locale, admin_audit.actor_user).to_string(),
        "admin" => td_string!(locale, admin_audit.actor_admin).to_string(),
        "cli" => td_string!(locale, admin_audit.actor_cli).to_string(),
        "system" => td_string!(locale, admin_audit.actor_system).to_string(),
        _ => td_string!(locale, admin_audit.actor_anonymous).to_string(),
    }
}

pub fn outcome(locale: Locale, success: bool) -> String {
    if success {
        td_string!(locale, admin_audit.outcome_success).to_string()
    } else {
        td_string!(locale, admin_audit.outcome_failure).to_string()
    }
}

/// The table's column headings, also the CSV's header row.
pub fn columns(locale: Locale) -> [String; 8] {
    [
        td_string!(locale, admin_audit.col_time).to_string(),
        td_string!(locale, admin_audit.col_actor).to_string(),
        td_string!(locale, admin_audit.col_subject).to_string(),
        td_string!(locale, admin_audit.col_activity).to_string(),
        td_string!(locale, admin_audit.col_action).to_string(),
        td_string!(locale, admin_audit.col_outcome).to_string(),
        td_string!(locale, admin_audit.col_ip).to_string(),
        td_string!(locale, admin_audit.col_detail).to_string(),
    ]
}

#[cfg(feature = "ssr")]
pub fn not_signed_in(locale: Locale) -> String {
    td_string!(locale, errors.not_signed_in).to_string()
}

#[cfg(feature = "ssr")]
pub fn forbidden(locale: Locale) -> String {
    td_string!(locale, errors.forbidden).to_string()
}

#[cfg(feature = "ssr")]
pub fn internal(locale: Locale) -> String {
    td_string!(locale, errors.internal).to_string()
}

#[cfg(feature = "ssr")]
pub fn invalid_input(locale: Locale) -> String {
    td_string!(locale, errors.invalid_input).to_string()
}
