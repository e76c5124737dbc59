//! Builders for audit events, so every call site records the same fields.
use super::request::RequestMeta;
use super::store::{AuditEvent, User};

pub const SUCCESS: &str = "success";
pub const FAILURE: &str = "failure";

/// An event caused by a request from a browser.
pub fn from_request(now: i64, action: &str, outcome: &str, meta: &RequestMeta) -> AuditEvent {
    AuditEvent {
        at: now,
        actor: "anonymous".into(),
        action: action.into(),
        outcome: outcome.into(),
        ip: meta.ip.clone(),
        user_agent: meta.user_agent.clone(),
        ..AuditEvent::default()
    }
}

/// The same, about (and by) a known user.
pub fn by_user(
    now: i64,
    action: &str,
    outcome: &str,
    meta: &RequestMeta,
    user: &User,
) -> AuditEvent {
    AuditEvent {
        org_id: Some(user.org_id),
        actor: "user".into(),
        actor_user_id: Some(user.id),
        subject_user_id: Some(user.id),
        ..from_request(now, action, outcome, meta)
    }
}

/// An operator's command on the server's command line.
pub fn by_cli(
    now: i64,
    action: &str,
    org_id: Option<i64>,
    subject: Option<i64>,
    detail: &str,
) -> AuditEvent {
    AuditEvent {
        at: now,
        org_id,
        actor: "cli".into(),
        subject_user_id: subject,
        action: action.into(),
        outcome: SUCCESS.into(),
        detail: detail.into(),
        ..AuditEvent::default()
    }
}
