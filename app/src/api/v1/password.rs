//! The password rules, the strength estimate, and the change of one's own password.
use super::problem::Problem;
use super::{done, with_json, without_body};
use crate::domain::password::PasswordRules;
use crate::domain::secret::SecretString;
use crate::domain::strength::Strength;
use crate::server::state::AppState;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;

/// The rules for the signed-in user's next password, so a client can run the same
/// checks while the user types.
#[utoipa::path(
    get, path = "/api/v1/password/rules", tag = "password",
    security(("session" = [])),
    responses(
        (status = 200, description = "The rules", body = PasswordRules),
        (status = "default", response = Problem),
    )
)]
pub async fn rules(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::password::password_policy().await.map(Json)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// Read, never stored or logged.
    #[schema(value_type = String, format = Password)]
    pub candidate: SecretString,
}

/// How guessable a candidate password is: for a signed-in user, or for a recovery that
/// has passed its gates (its flow token), so it is no public oracle.
#[utoipa::path(
    post, path = "/api/v1/password/strength", tag = "password",
    security((), ("session" = [])),
    params(("Regain-Flow" = Option<String>, Header, description = "Or a recovery's flow token, once its gates are passed")),
    request_body = Candidate,
    responses(
        (status = 200, description = "The estimate", body = Strength),
        (status = "default", response = Problem),
    )
)]
pub async fn strength(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |Candidate { candidate }| async move {
        crate::api::password::password_strength(candidate)
            .await
            .map(Json)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    #[schema(value_type = String, format = Password)]
    pub current: SecretString,
    #[schema(value_type = String, format = Password)]
    pub new: SecretString,
    #[schema(value_type = String, format = Password)]
    pub confirm: SecretString,
}

/// Changes the signed-in user's password (the current one is required); a temporary
/// password is changed the same way.
#[utoipa::path(
    post, path = "/api/v1/account/password", tag = "password",
    security(("session" = [])),
    request_body = Change,
    responses(
        (status = 204, description = "Changed"),
        (status = "default", response = Problem),
    )
)]
pub async fn change(State(state): State<AppState>, req: Request) -> Response {
    with_json(
        state,
        req,
        |Change {
             current,
             new,
             confirm,
         }| async move {
            // As the pages do: the forced change of a temporary password is its own event.
            let state = crate::server::app_state()?;
            let (user, _, _) = crate::server::session::require_user(&state).await?;
            if user.must_change_password {
                crate::api::account::change_temporary_password(current, new, confirm).await?;
            } else {
                crate::api::password::change_password(current, new, confirm).await?;
            }
            Ok(done())
        },
    )
    .await
}
