//! Shows an [`AppError`] as a translated message, announced to screen readers.
use crate::domain::password::PasswordProblem;
use crate::error::AppError;
use crate::i18n::*;
use crate::routes::ids;
use leptos::prelude::*;

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

/// The form's error summary. Rendered on the server too, so a form posted without
/// JavaScript shows the same message after the redirect back.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div id=ids::FORM_ERROR role="alert" aria-live="assertive" class="form-error-region">
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <div class="form-error" data-code=e.code()>
                                <strong>{t!(i18n, errors.heading)}</strong>
                                <p>{error_text(i18n, &e)}</p>
                                {problem_list(i18n, &e)}
                            </div>
                        }
                    })
            }}
        </div>
    }
}

/// One sentence for each reason a new password was refused.
pub fn problem_text(i18n: leptos_i18n::I18nContext<Locale>, problem: &PasswordProblem) -> String {
    match problem {
        PasswordProblem::Required => t_string!(i18n, errors.problem_required).to_string(),
        PasswordProblem::TooShort { min } => {
            t_string!(i18n, errors.problem_too_short, min = *min).to_string()
        }
        PasswordProblem::TooLong { max } => {
            t_string!(i18n, errors.problem_too_long, max = *max).to_string()
        }
        PasswordProblem::ContainsUserId => {
            t_string!(i18n, errors.problem_contains_user_id).to_string()
        }
        PasswordProblem::TooGuessable { found } => {
            let mut text = t_string!(i18n, errors.problem_too_guessable).to_string();
            for source in found {
                text.push(' ');
                text.push_str(&super::new_password::found_text(i18n, *source));
            }
            text
        }
        PasswordProblem::Mismatch => t_string!(i18n, errors.problem_mismatch).to_string(),
        PasswordProblem::RecentlyUsed { count } => {
            t_string!(i18n, errors.problem_recently_used, n = *count).to_string()
        }
    }
}

fn problem_list(i18n: leptos_i18n::I18nContext<Locale>, error: &AppError) -> Option<impl IntoView> {
    let AppError::PasswordRejected { problems } = error else {
        return None;
    };
    let items = problems
        .iter()
        .map(|p| view! { <li data-rule=p.requirement().map(|r| r.as_str())>{problem_text(i18n, p)}</li> })
        .collect_view();
    Some(view! { <ul>{items}</ul> })
}
