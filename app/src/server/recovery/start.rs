//! The first steps: who the flow is about (the account, or a decoy with the shape of one)
//! and why the user is here.
use super::decoy;
use super::flow::{event, flow_error, load, save, token_hash, write_back};
use super::gates::real_gates;
use super::limits::{self, RecoveryLimits};
use crate::domain::identifier::normalize_email;
use crate::domain::methods::gates_to_pass;
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::domain::recovery::{transition, Event, Flow, Purpose};
use crate::error::AppError;
use crate::server::audit::{self, SUCCESS};
use crate::server::request::RequestMeta;
use crate::server::state::AppState;
use crate::server::store::recovery::FlowRow;
use crate::server::store::{AuditEvent, Role, User, UserStatus};
use http::request::Parts;

/// Who is this about: the account, or `None` when the identifier can't recover (unknown,
/// disabled, or without a usable method) and the flow is a decoy, whose gate count is
/// its drawn shape's.
pub(super) async fn subject(
    state: &AppState,
    canonical: &str,
    subject_mac: &str,
) -> Result<(Option<User>, Option<i64>, u8), AppError> {
    let decoy = async |org: Option<(i64, &OrgPolicy)>| -> Result<_, AppError> {
        let (org_id, policy) = match org {
            Some((id, policy)) => (Some(id), policy.clone()),
            None => (None, OrgPolicy::default()),
        };
        let shape = decoy::shape(state, org_id, &policy, subject_mac, None).await?;
        Ok((None, org_id, shape.required))
    };
    let Some(user) = state.store.find_user_by_email(canonical).await? else {
        // A decoy follows the policy of the organisation owning the address's domain, so
        // "step 1 of 2" reads the same for a stranger as for a real account there. Which
        // domains belong to which organisation is no secret; which accounts exist is.
        let domain = canonical
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or_default();
        return match state.store.find_org_by_domain(domain).await? {
            Some(org) => decoy(Some((org.id, &org.policy))).await,
            None => decoy(None).await,
        };
    };
    let org = state
        .store
        .find_org(user.org_id)
        .await?
        .ok_or(AppError::Internal)?;
    let admin = user.role == Role::GlobalAdmin;
    if user.status == UserStatus::Disabled {
        return decoy(Some((org.id, &org.policy))).await;
    }
    let gates: Vec<MethodKind> = real_gates(state, &user, &org.policy)
        .await?
        .into_iter()
        .map(|g| g.kind)
        .collect();
    // Whoever has an authenticator, and a frozen account, always needs two gates: a
    // reset must never get around a second factor (docs/security.md).
    match gates_to_pass(&org.policy, admin, user.frozen_at.is_some(), &gates) {
        Some(required) => Ok((Some(user), Some(org.id), required)),
        None => decoy(Some((org.id, &org.policy))).await,
    }
}

/// Starts a flow for what was typed. Answers the same for every identifier: the only
/// refusals depend on the request (malformed ID, failed proof of work, limits), never on
/// the account. Returns the flow's token: the browser's cookie
/// ([`super::flow_cookie`]) or a native client's header ([`super::FLOW_HEADER`]).
pub async fn start(
    state: &AppState,
    typed: &str,
    pow_solved: bool,
    meta: &RequestMeta,
) -> Result<String, AppError> {
    let limits: &RecoveryLimits = &state.settings.recovery;
    let canonical = normalize_email(typed).map_err(|_| AppError::UserIdInvalid)?;
    if pow_solved {
        limits::take(state, "start-ip", &meta.ip, limits.starts_per_ip).await?;
    } else {
        // Without JavaScript there is no proof of work: a stricter limit stands in.
        limits::take(
            state,
            "start-ip-nopow",
            &meta.ip,
            limits.starts_per_ip_without_pow,
        )
        .await?;
    }
    let now = state.now();
    let subject_mac = state.keys.mac_hex("recovery-subject", canonical.as_bytes());
    let (user, org_id, required) = subject(state, &canonical, &subject_mac).await?;
    let flow = Flow::new(required, now);
    let row = FlowRow {
        id: 0,
        user_id: user.as_ref().map(|u| u.id),
        org_id,
        subject_mac,
        state: flow.state.as_str().to_owned(),
        purpose: None,
        required: i64::from(flow.required),
        passed: String::new(),
        challenge: None,
        challenge_method_id: None,
        challenge_destination: None,
        questions: None,
        challenge_state: None,
        ip: meta.ip.clone(),
        version: 0,
        created_at: now,
        expires_at: flow.expires_at,
    };
    let (token, _) = crate::server::session::new_token();
    let mut audit_event = match &user {
        Some(u) => AuditEvent {
            actor: "anonymous".into(),
            actor_user_id: None,
            ..audit::by_user(now, "recovery.start", SUCCESS, meta, u)
        },
        None => audit::from_request(now, "recovery.start", SUCCESS, meta),
    };
    audit_event.detail = if user.is_some() { "" } else { "decoy" }.into();
    state
        .store
        .create_flow(&token_hash(state, &token), &row, &audit_event)
        .await?;
    Ok(token)
}

/// "Why are you having trouble signing in?"
pub async fn choose_purpose(
    state: &AppState,
    parts: &Parts,
    purpose: Purpose,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let loaded = load(state, parts).await?;
    let now = state.now();
    let next = transition(&loaded.flow, Event::ChoosePurpose(purpose), now).map_err(flow_error)?;
    let mut e = event(now, "recovery.purpose", SUCCESS, meta, &loaded);
    e.detail = purpose.as_str().into();
    save(state, &loaded, &write_back(&loaded.row, &next), Some(&e)).await
}
