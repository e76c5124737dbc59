//! Sign in and sign out.
use crate::domain::secret::SecretString;
use crate::error::AppError;
use leptos::prelude::*;

/// Signs in; on success sets the session cookie and sends the browser on to its account
/// (or to the forced change of a temporary password).
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(user_id: String, password: SecretString) -> Result<(), AppError> {
    use crate::server::{app_state, auth, request, session};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let parts = request::current_parts().ok_or(AppError::Internal)?;
            let meta = request::RequestMeta::from_parts(&parts);
            let signed_in = match auth::sign_in(&state, &user_id, &password, &meta).await {
                Ok(s) => s,
                Err(e) => {
                    // Without JavaScript the form comes back empty after the redirect:
                    // keep the typed user ID for it, briefly, in a cookie only /login sees.
                    // Best effort: the sign-in error is what the user must see.
                    let _ = request::set_cookie(&session::typed_user_id_cookie(&user_id));
                    return Err(e);
                }
            };
            leptos_axum::redirect(enter(&state, &signed_in).await?);
            Ok(())
        }
        .await,
    )
}

/// Sets the session cookie of a sign-in that passed (by password or by passkey) and
/// names the page it goes on to.
#[cfg(feature = "ssr")]
pub(crate) async fn enter(
    state: &crate::server::state::AppState,
    signed_in: &crate::server::auth::SignedIn,
) -> Result<&'static str, AppError> {
    use crate::server::{request, session};
    let secure = state.settings.secure_cookies();
    request::set_cookie(&session::set_cookie(&signed_in.token, secure))?;
    request::set_cookie(session::CLEAR_TYPED_USER_ID)?;
    crate::server::security_info::after_signin_path(state, &signed_in.user).await
}

/// Ends this session (the row is revoked, not deleted) and clears the cookie.
#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{app_state, auth, request, session};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let parts = request::current_parts().ok_or(AppError::Internal)?;
            if let Some((user, hash)) = session::current_session(&state, &parts).await? {
                let meta = request::RequestMeta::from_parts(&parts);
                auth::sign_out(&state, &hash, &user, &meta).await?;
            }
            request::set_cookie(&session::clear_cookie(state.settings.secure_cookies()))?;
            leptos_axum::redirect(crate::routes::LOGIN);
            Ok(())
        }
        .await,
    )
}
