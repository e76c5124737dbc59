//! Sign-in and sign-out. The server functions in
//! `crate::api::auth` are thin wrappers around these.
use super::audit::{self, FAILURE, SUCCESS};
use super::request::RequestMeta;
use super::session;
use super::state::AppState;
use super::store::{User, UserStatus};
use crate::domain::identifier::normalize_email;
use crate::domain::lockout::{LockoutPolicy, LockoutState};
use crate::domain::password::MAX_INPUT_BYTES;
use crate::domain::secret::SecretString;
use crate::error::AppError;

#[derive(Debug)]
pub struct SignedIn {
    /// Goes into the cookie only; never logged.
    pub token: String,
    pub must_change_password: bool,
    pub user: User,
}

/// Checks a user ID and password. Unknown user, wrong password, disabled and locked
/// accounts all get `InvalidCredentials` after one Argon2 verification, so neither the
/// answer nor its timing tells them apart.
pub async fn sign_in(
    state: &AppState,
    user_id: &str,
    password: &SecretString,
    meta: &RequestMeta,
) -> Result<SignedIn, AppError> {
    let canonical = normalize_email(user_id).map_err(|_| AppError::UserIdInvalid)?;
    if password.is_empty() {
        return Err(AppError::PasswordRequired);
    }
    if password.expose().len() > MAX_INPUT_BYTES {
        // Refused before hashing: no account has a password this long.
        return Err(AppError::InvalidCredentials);
    }
    let user = state.store.find_user_by_email(&canonical).await?;
    let verified = state
        .hasher
        .verify(
            password,
            user.as_ref().and_then(|u| u.password_hash.as_deref()),
        )
        .await?;
    let now = state.now();

    let Some(user) = user else {
        tracing::info!(reason = "unknown_user", "sign-in refused");
        let mut event = audit::from_request(now, "signin", FAILURE, meta);
        event.detail = "unknown_user".into();
        state.store.audit(&event).await?;
        return Err(AppError::InvalidCredentials);
    };
    let refuse = |reason: &str| {
        tracing::info!(user = user.id, reason, "sign-in refused");
        let mut event = audit::by_user(now, "signin", FAILURE, meta, &user);
        event.detail = reason.into();
        event
    };
    if user.status == UserStatus::Disabled {
        state.store.audit(&refuse("disabled")).await?;
        return Err(AppError::InvalidCredentials);
    }
    if user.frozen_at.is_some() {
        // Frozen by its owner's "this wasn't me": only a two-gate recovery thaws it.
        state.store.audit(&refuse("frozen")).await?;
        return Err(AppError::InvalidCredentials);
    }
    if user.lockout.is_locked(now) {
        // Attempts during a lock neither count nor reveal the lock: same answer as a
        // wrong password. The message points everyone to recovery, which unlocks.
        state.store.audit(&refuse("locked")).await?;
        return Err(AppError::InvalidCredentials);
    }
    if !verified.matches {
        record_failure(state, &user, password, now).await?;
        state.store.audit(&refuse("wrong_password")).await?;
        return Err(AppError::InvalidCredentials);
    }

    if user.lockout != LockoutState::default() {
        state
            .store
            .swap_lockout(user.id, &user.lockout, &LockoutState::cleared(), now)
            .await?;
    }
    if verified.needs_rehash {
        if let Some(old) = user.password_hash.as_deref() {
            let new = state.hasher.hash(password).await?;
            state.store.rehash_password(user.id, old, &new).await?;
        }
    }
    open_session(state, user, meta, now, "").await
}

/// The session of a sign-in that passed (by password, or by passkey: `how` is the audit
/// event's detail), and its audit event.
pub(super) async fn open_session(
    state: &AppState,
    user: User,
    meta: &RequestMeta,
    now: i64,
    how: &str,
) -> Result<SignedIn, AppError> {
    let (token, hash) = session::new_token();
    state
        .store
        .create_session(&hash, user.id, &meta.ip, &meta.user_agent, now)
        .await?;
    let mut event = audit::by_user(now, "signin", SUCCESS, meta, &user);
    event.detail = how.into();
    state.store.audit(&event).await?;
    tracing::info!(user = user.id, how, "signed in");
    Ok(SignedIn {
        token,
        must_change_password: user.must_change_password,
        user,
    })
}

/// Counts a wrong password against the account (compare-and-swap, retried, so that
/// concurrent failures are all counted).
async fn record_failure(
    state: &AppState,
    user: &User,
    password: &SecretString,
    now: i64,
) -> Result<(), AppError> {
    let org = state.store.find_org(user.org_id).await?;
    let policy = org
        .map(|o| LockoutPolicy {
            threshold: o.policy.lockout_threshold,
            base_seconds: o.policy.lockout_seconds,
            ..LockoutPolicy::default()
        })
        .unwrap_or_default();
    // A keyed fingerprint, so the same wrong password counts once without storing it.
    let mut material = user.id.to_be_bytes().to_vec();
    material.extend_from_slice(password.expose().as_bytes());
    let fingerprint = state.keys.mac_hex("signin-failure", &material);
    let mut current = user.lockout.clone();
    for _ in 0..8 {
        let next = current.after_failure(&fingerprint, now, &policy);
        if next == current
            || state
                .store
                .swap_lockout(user.id, &current, &next, now)
                .await?
        {
            return Ok(());
        }
        current = state
            .store
            .find_user(user.id)
            .await?
            .map(|u| u.lockout)
            .ok_or(AppError::Internal)?;
    }
    Err(super::store::StoreError::Contended.into())
}

pub async fn sign_out(
    state: &AppState,
    session_hash: &str,
    user: &User,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let now = state.now();
    state.store.revoke_session(session_hash, now).await?;
    state
        .store
        .audit(&audit::by_user(now, "signout", SUCCESS, meta, user))
        .await?;
    Ok(())
}
