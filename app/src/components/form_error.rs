//! Shows an [`AppError`] as a translated message, announced to screen readers.
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
        AppError::PasswordTooShort { min } => {
            t_string!(i18n, errors.password_too_short, min = *min).to_string()
        }
        AppError::PasswordTooLong { max } => {
            t_string!(i18n, errors.password_too_long, max = *max).to_string()
        }
        AppError::PasswordMismatch => t_string!(i18n, errors.password_mismatch).to_string(),
        AppError::PasswordUnchanged => t_string!(i18n, errors.password_unchanged).to_string(),
        AppError::CurrentPasswordWrong => {
            t_string!(i18n, errors.current_password_wrong).to_string()
        }
        AppError::Forbidden => t_string!(i18n, errors.forbidden).to_string(),
        AppError::NotFound => t_string!(i18n, errors.not_found).to_string(),
        AppError::Internal => t_string!(i18n, errors.internal).to_string(),
        AppError::Network => t_string!(i18n, errors.network).to_string(),
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
                            </div>
                        }
                    })
            }}
        </div>
    }
}
