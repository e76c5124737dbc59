//! The signed-in user's own account.
use super::problem::Problem;
use super::without_body;
use crate::api::account::{AccountView, RecoveryLogEntry};
use crate::server::state::AppState;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Json;

/// Who is signed in.
#[utoipa::path(
    get, path = "/api/v1/account", tag = "account",
    security(("session" = [])),
    responses(
        (status = 200, description = "The account", body = AccountView),
        (status = "default", response = Problem),
    )
)]
pub async fn me(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::account::current_account().await.map(Json)
    })
    .await
}

/// Every recovery attempt on the account, newest first.
#[utoipa::path(
    get, path = "/api/v1/account/recovery-log", tag = "account",
    security(("session" = [])),
    responses(
        (status = 200, description = "The attempts", body = Vec<RecoveryLogEntry>),
        (status = "default", response = Problem),
    )
)]
pub async fn recovery_log(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::account::recovery_log().await.map(Json)
    })
    .await
}

/// What the portal would have sent, newest first: development mode only (elsewhere
/// `not_found`), for trying a recovery without a real mailbox.
#[utoipa::path(
    get, path = "/api/v1/dev/mailbox", tag = "development",
    responses(
        (status = 200, description = "The messages", body = Vec<crate::api::dev::MailView>),
        (status = "default", response = Problem),
    )
)]
pub async fn dev_mailbox(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::dev::dev_mailbox().await.map(Json)
    })
    .await
}
