//! The last steps: the new password, and the "this wasn't me" link.
use crate::domain::secret::SecretString;
use crate::error::AppError;
use leptos::prelude::*;

/// The password rules for the account whose reset has passed every gate.
#[server(prefix = "/api", endpoint = "recovery/rules")]
pub async fn recovery_password_rules() -> Result<crate::domain::password::PasswordRules, AppError> {
    use crate::server::{app_state, password, recovery};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let user = recovery::user_setting_password(&state).await?;
            Ok(password::rules_for(&state, &user).await?.0)
        }
        .await,
    )
}

/// Sets the new password once every gate is passed. Every session of the account ends;
/// the user signs in anew (no automatic sign-in).
#[server(prefix = "/api", endpoint = "recovery/password")]
pub async fn set_recovered_password(
    new: SecretString,
    confirm: SecretString,
) -> Result<(), AppError> {
    use crate::server::{app_state, recovery, request};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let parts = request::current_parts().ok_or(AppError::Internal)?;
            let meta = request::RequestMeta::from_parts(&parts);
            let locale = leptos_i18n::locale::resolve_locale();
            recovery::set_password(&state, &parts, &new, &confirm, locale, &meta).await?;
            leptos_axum::redirect(crate::routes::RECOVER_DONE_RESET);
            Ok(())
        }
        .await,
    )
}

/// "This wasn't me": freezes the account the mail was about. A POST from the page the
/// link opens, never the GET of the link itself (mail scanners follow links).
#[server(prefix = "/api", endpoint = "recovery/freeze")]
pub async fn freeze_account(token: SecretString) -> Result<(), AppError> {
    use crate::server::{app_state, recovery, request};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let parts = request::current_parts().ok_or(AppError::Internal)?;
            let meta = request::RequestMeta::from_parts(&parts);
            recovery::freeze(&state, token.expose(), &meta).await?;
            leptos_axum::redirect(crate::routes::RECOVER_FROZEN);
            Ok(())
        }
        .await,
    )
}
