//! Sign-in and sign-out for native clients: the session is a bearer token.
use super::problem::Problem;
use super::{done, request_meta, with_json, without_body};
use crate::domain::secret::SecretString;
use crate::error::AppError;
use crate::server::state::AppState;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The user ID: the account's email address.
    #[schema(example = "anna.rossi@example.com")]
    pub user_id: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// What the user must do before the account is theirs to use, as the pages would send
/// them on.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Next {
    /// Nothing: the account is ready.
    Account,
    /// A temporary password must be changed (`POST /api/v1/account/password`).
    ChangePassword,
    /// Recovery methods must be registered first (on the security-info page).
    RegisterSecurityInfo,
    /// The registered methods are due to be confirmed (on the security-info page).
    ConfirmSecurityInfo,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    /// The session: send it as `Authorization: Bearer <token>`. It ends with sign-out,
    /// a password reset, or the session's idle and absolute limits.
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    pub next: Next,
}

/// Signs in. Unknown user, wrong password, disabled and locked accounts all answer
/// `invalid_credentials` after the same work.
#[utoipa::path(
    post, path = "/api/v1/auth/sign-in", tag = "auth",
    request_body = SignIn,
    responses(
        (status = 200, description = "Signed in", body = SignedIn),
        (status = "default", response = Problem),
    )
)]
pub async fn sign_in(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |SignIn { user_id, password }| async move {
        let (state, parts) = request_meta()?;
        let meta = crate::server::request::RequestMeta::from_parts(&parts);
        let signed_in = crate::server::auth::sign_in(&state, &user_id, &password, &meta).await?;
        let page = crate::server::security_info::after_signin_path(&state, &signed_in.user).await?;
        let next = match page {
            crate::routes::CHANGE_PASSWORD => Next::ChangePassword,
            crate::routes::SECURITY_REQUIRED => Next::RegisterSecurityInfo,
            crate::routes::SECURITY_CONFIRM => Next::ConfirmSecurityInfo,
            _ => Next::Account,
        };
        Ok(Json(SignedIn {
            token: signed_in.token,
            token_type: "Bearer".into(),
            next,
        }))
    })
    .await
}

/// Ends this session (revoked, not deleted).
#[utoipa::path(
    post, path = "/api/v1/auth/sign-out", tag = "auth",
    security(("session" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = "default", response = Problem),
    )
)]
pub async fn sign_out(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async move {
        let (state, parts) = request_meta()?;
        let (user, hash) = crate::server::session::current_session(&state, &parts)
            .await?
            .ok_or(AppError::NotSignedIn)?;
        let meta = crate::server::request::RequestMeta::from_parts(&parts);
        crate::server::auth::sign_out(&state, &hash, &user, &meta).await?;
        Ok(done())
    })
    .await
}
