//! Shows an [`AppError`] as a translated message, announced to screen readers.
use crate::domain::password::PasswordProblem;
use crate::error::AppError;
use crate::i18n::*;
use crate::routes::ids;
pub use crate::texts::errors::error_text;
use leptos::prelude::*;

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
