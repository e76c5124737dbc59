//! The administrator console's one door: every console page and server function starts
//! with [`require_admin`], which checks the role and names the organisation on the server.
//! Nothing the browser sends chooses the organisation, so an administrator of one
//! organisation can't even name another's data.
pub mod audit;
pub mod insights;
pub mod policy;
pub mod terms;
pub mod users;

use super::request::RequestMeta;
use super::state::AppState;
use super::store::{AuditEvent, Organisation, Role, User, UserStatus};
use crate::error::AppError;

/// A signed-in, active global administrator, with their own organisation.
#[derive(Debug, Clone)]
pub struct Admin {
    pub user: User,
    pub org: Organisation,
    pub meta: RequestMeta,
}

impl Admin {
    /// An audit event for an administrative action, about `subject` when there is one.
    pub fn event(
        &self,
        now: i64,
        action: &str,
        outcome: &str,
        subject: Option<i64>,
        detail: String,
    ) -> AuditEvent {
        AuditEvent {
            at: now,
            org_id: Some(self.org.id),
            actor: "admin".into(),
            actor_user_id: Some(self.user.id),
            subject_user_id: subject,
            action: action.into(),
            outcome: outcome.into(),
            ip: self.meta.ip.clone(),
            user_agent: self.meta.user_agent.clone(),
            detail,
        }
    }
}

/// The caller, if they are an administrator: `NotSignedIn` for no session, `Forbidden` for
/// anyone else (a regular user, a user who must still change a temporary password).
pub async fn require_admin(state: &AppState) -> Result<Admin, AppError> {
    let parts = super::request::current_parts().ok_or(AppError::Internal)?;
    require_admin_of(state, &parts).await
}

/// The same check for a plain axum route (a download), which has the request's parts
/// but no server-function context.
pub async fn require_admin_of(
    state: &AppState,
    parts: &http::request::Parts,
) -> Result<Admin, AppError> {
    let (user, _) = super::session::current_session(state, parts)
        .await?
        .ok_or(AppError::NotSignedIn)?;
    if user.role != Role::GlobalAdmin
        || user.status != UserStatus::Active
        || user.must_change_password
    {
        return Err(AppError::Forbidden);
    }
    let org = state
        .store
        .find_org(user.org_id)
        .await?
        .ok_or(AppError::Internal)?;
    Ok(Admin {
        user,
        org,
        meta: RequestMeta::from_parts(parts),
    })
}
