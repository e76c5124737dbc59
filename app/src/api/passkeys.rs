//! Passkeys: registering one (security info), signing in with one, and answering a
//! recovery gate with one. A ceremony has two calls: `…_begin` gives the browser its
//! options and a token, `…_finish` takes the browser's answer with the token. They are
//! called by the page's code only: passkeys need JavaScript, and without it the pages
//! don't offer them.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::domain::passkeys::PasskeyStart;

/// One registered passkey, as the security-info page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeyView {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[server(prefix = "/api", endpoint = "security/passkey/begin")]
pub async fn begin_passkey_registration() -> Result<PasskeyStart, AppError> {
    use crate::server::{app_state, passkey, security_info as si};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let c = si::recent_caller(&state).await?;
            si::require_allowed(&c, crate::domain::policy::MethodKind::Passkey)?;
            passkey::begin_registration(&state, &c).await
        }
        .await,
    )
}

/// Stores the new passkey under `name` once the browser's `response` verifies.
#[server(prefix = "/api", endpoint = "security/passkey/finish")]
pub async fn finish_passkey_registration(
    token: String,
    name: String,
    response: String,
) -> Result<(), AppError> {
    use crate::server::{app_state, passkey, security_info as si};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let c = si::recent_caller(&state).await?;
            si::require_allowed(&c, crate::domain::policy::MethodKind::Passkey)?;
            passkey::finish_registration(&state, &c, &token, &name, &response).await
        }
        .await,
    )
}

/// Removes a passkey: a plain form, like every other removal.
#[server(prefix = "/api", endpoint = "security/passkey/remove")]
pub async fn remove_passkey(passkey: i64) -> Result<(), AppError> {
    use crate::server::{app_state, passkey as pk, security_info as si};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let c = si::recent_caller(&state).await?;
            pk::remove(&state, &c, passkey).await?;
            leptos_axum::redirect(crate::routes::SECURITY_DONE_REMOVED);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/passkey/begin")]
pub async fn begin_passkey_sign_in() -> Result<PasskeyStart, AppError> {
    use crate::server::{app_state, passkey};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            passkey::begin_sign_in(&state).await
        }
        .await,
    )
}

/// Signs in with the passkey the browser answered with; on success sets the session
/// cookie and answers with the page to go to.
#[server(prefix = "/api", endpoint = "auth/passkey/finish")]
pub async fn finish_passkey_sign_in(token: String, response: String) -> Result<String, AppError> {
    use crate::server::{app_state, passkey, request};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let parts = request::current_parts().ok_or(AppError::Internal)?;
            let meta = request::RequestMeta::from_parts(&parts);
            let signed_in = passkey::finish_sign_in(&state, &token, &response, &meta).await?;
            Ok(crate::api::auth::enter(&state, &signed_in)
                .await?
                .to_owned())
        }
        .await,
    )
}

/// The browser's answer to the recovery flow's passkey challenge; answers with the page
/// of the flow's next step.
#[server(prefix = "/api", endpoint = "recovery/passkey")]
pub async fn prove_passkey(response: String) -> Result<String, AppError> {
    use crate::server::recovery::{self, deadline, limits::Step};
    crate::api::answer::with_status(
        deadline::within(Step::Prove, async move {
            let page = crate::api::recovery::verify::prove(recovery::Proof::Passkey(&response));
            Ok(page.await?.to_owned())
        })
        .await,
    )
}
