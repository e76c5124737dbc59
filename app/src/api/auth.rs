//! Sign in and sign out.
use crate::domain::secret::SecretString;
use crate::error::AppError;
use leptos::prelude::*;

/// Signs in; on success sets the session cookie and sends the browser on to its account
/// (or to the forced change of a temporary password).
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(user_id: String, password: SecretString) -> Result<(), AppError> {
    use crate::server::{app_state, auth, request, session};
    crate::server::request::with_status(
        async move {
            let state = app_state()?;
            let parts = request::current_parts().ok_or(AppError::Internal)?;
            let meta = request::RequestMeta::from_parts(&parts);
            let signed_in = auth::sign_in(&state, &user_id, &password, &meta).await?;
            let response =
                use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
            let cookie = session::set_cookie(&signed_in.token, state.settings.secure_cookies());
            response.append_header(
                http::header::SET_COOKIE,
                http::HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?,
            );
            leptos_axum::redirect(if signed_in.must_change_password {
                crate::routes::CHANGE_PASSWORD
            } else {
                crate::routes::ACCOUNT
            });
            Ok(())
        }
        .await,
    )
}

/// Ends this session (the row is revoked, not deleted) and clears the cookie.
#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{app_state, auth, request, session};
    crate::server::request::with_status(
        async move {
            let state = app_state()?;
            let parts = request::current_parts().ok_or(AppError::Internal)?;
            if let Some((user, hash)) = session::current_session(&state, &parts).await? {
                let meta = request::RequestMeta::from_parts(&parts);
                auth::sign_out(&state, &hash, &user, &meta).await?;
            }
            let response =
                use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
            let cookie = session::clear_cookie(state.settings.secure_cookies());
            response.append_header(
                http::header::SET_COOKIE,
                http::HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?,
            );
            leptos_axum::redirect(crate::routes::LOGIN);
            Ok(())
        }
        .await,
    )
}
