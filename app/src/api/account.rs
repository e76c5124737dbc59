//! The signed-in user's own account.
use crate::domain::secret::SecretString;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the account page shows. No hash, no lockout state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountView {
    pub display_name: String,
    pub email: String,
    pub organisation: String,
    pub global_admin: bool,
    pub must_change_password: bool,
    /// An administrator who can't recover on their own yet: they must register first.
    pub registration_required: bool,
}

/// One line of the user's own recovery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecoveryLogEntry {
    pub at: i64,
    pub ip: String,
    /// The step, without the `recovery.` prefix: `start`, `gate`, `reset`…
    pub event: String,
    pub success: bool,
    /// The method, when the step was about one.
    pub method: Option<crate::domain::policy::MethodKind>,
}

/// The recovery attempts on the signed-in user's account, newest first (the user sees
/// every recovery attempt on their account: docs/security.md).
#[server(prefix = "/api", endpoint = "account/recovery-log")]
pub async fn recovery_log() -> Result<Vec<RecoveryLogEntry>, AppError> {
    use crate::domain::policy::MethodKind;
    use crate::server::{app_state, session};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let (user, _, _) = session::require_user(&state).await?;
            let rows = state.store.recovery_log(user.id, 50).await?;
            Ok(rows
                .into_iter()
                .map(|r| RecoveryLogEntry {
                    at: r.at,
                    ip: r.ip,
                    event: r.action.trim_start_matches("recovery.").to_owned(),
                    success: r.outcome == "success",
                    method: MethodKind::parse(&r.detail),
                })
                .collect())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "account/me")]
pub async fn current_account() -> Result<AccountView, AppError> {
    use crate::server::{app_state, session};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let (user, _, _) = session::require_user(&state).await?;
            let org = state
                .store
                .find_org(user.org_id)
                .await?
                .ok_or(AppError::Internal)?;
            let admin = user.role == crate::server::store::Role::GlobalAdmin;
            // Regular users may skip registration (they are asked again at each sign-in);
            // administrators may not, so their account page waits until they have two.
            let registration_required = admin && {
                let have = crate::server::security_info::registered(
                    &state,
                    &user,
                    org.policy.questions_to_register,
                )
                .await?;
                crate::domain::methods::needs_registration(&org.policy, admin, &have)
            };
            Ok(AccountView {
                registration_required,
                display_name: user.display_name,
                email: user.email,
                organisation: org.name,
                global_admin: user.role == crate::server::store::Role::GlobalAdmin,
                must_change_password: user.must_change_password,
            })
        }
        .await,
    )
}

/// Replaces the temporary password an operator handed over with the user's own.
#[server(prefix = "/api", endpoint = "account/temporary-password")]
pub async fn change_temporary_password(
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
                "temporary",
            )
            .await?;
            leptos_axum::redirect(crate::routes::ACCOUNT);
            Ok(())
        }
        .await,
    )
}
