//! The password policy as the browser sees it, the strength estimate, and the change of
//! one's own password while signed in.
use crate::domain::password::PasswordRules;
use crate::domain::secret::SecretString;
use crate::domain::strength::Strength;
use crate::error::AppError;
use leptos::prelude::*;

/// The rules for the signed-in user's next password, so the browser can run the same
/// checks while they type. Only ever about the user asking: it holds their names and the
/// organisation's own banned terms.
#[server(prefix = "/api", endpoint = "password/rules")]
pub async fn password_policy() -> Result<PasswordRules, AppError> {
    use crate::server::{app_state, password, session};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let (user, _, _) = session::require_user(&state).await?;
            Ok(password::rules_for(&state, &user).await?.0)
        }
        .await,
    )
}

/// zxcvbn's estimate for a candidate, in our own vocabulary. The estimator stays on the
/// server because its dictionaries would triple the browser bundle; the candidate is only
/// read, never stored or logged. Signed-in users only, or a recovery that has passed its
/// gates, so it is no public oracle.
#[server(prefix = "/api", endpoint = "password/strength")]
pub async fn password_strength(candidate: SecretString) -> Result<Strength, AppError> {
    use crate::server::{app_state, password, session, strength};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let user = match session::require_user(&state).await {
                Ok((user, _, _)) => user,
                Err(AppError::NotSignedIn) => {
                    crate::server::recovery::user_setting_password(&state)
                        .await
                        .map_err(|_| AppError::NotSignedIn)?
                }
                Err(e) => return Err(e),
            };
            let (rules, _) = password::rules_for(&state, &user).await?;
            Ok(strength::estimate(candidate.expose(), &rules))
        }
        .await,
    )
}

/// A signed-in user changes their password; the current one is required.
#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_password(
    current: SecretString,
    new: SecretString,
    confirm: SecretString,
) -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            crate::server::password::change_for_signed_in_user(
                &current,
                &new,
                &confirm,
                "voluntary",
            )
            .await?;
            leptos_axum::redirect(crate::routes::PASSWORD_CHANGED);
            Ok(())
        }
        .await,
    )
}
