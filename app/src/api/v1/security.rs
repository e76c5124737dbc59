//! The signed-in user's security info (recovery methods), as the security-info pages
//! manage it. Changes need a sign-in less than ten minutes old (`reauth_required`
//! otherwise; `POST …/security/reauthenticate` renews it).
use crate::server::state::AppState;
use axum::Router;

#[derive(utoipa::OpenApi)]
#[openapi(paths())]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
}
