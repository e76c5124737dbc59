//! Setting one's own password. Both ways in — the forced change of a temporary password
//! and the change while signed in — go through [`change_own_password`], so they apply one
//! policy: the shared rules of `domain::password`, then the history, which needs the
//! stored hashes and so can only be checked here.
use super::audit::{self, FAILURE, SUCCESS};
use super::request::RequestMeta;
use super::state::AppState;
use super::store::users::OwnPasswordChange;
use super::store::{Organisation, User};
use crate::domain::password::banned::BannedTerms;
use crate::domain::password::{
    normalize_password, PasswordProblem, PasswordRules, MAX_INPUT_BYTES,
};
use crate::domain::secret::SecretString;
use crate::error::AppError;
use crate::i18n::Locale;

/// The rules for this user's next password, as the browser and the server both apply them.
pub async fn rules_for(
    state: &AppState,
    user: &User,
) -> Result<(PasswordRules, Organisation), AppError> {
    let org = state
        .store
        .find_org(user.org_id)
        .await?
        .ok_or(AppError::Internal)?;
    let rules = PasswordRules {
        min_length: org.policy.password_min_length,
        email: user.email_canonical.clone(),
        first_name: user.given_name.clone(),
        last_name: user.family_name.clone(),
        organisation_name: org.name.clone(),
        custom_terms: state.store.banned_terms(org.id).await?,
    };
    Ok((rules, org))
}

/// Refuses a password that is one of the user's last `count` (the current one included):
/// each earlier hash is verified against the candidate, because only hashes are kept.
pub(crate) async fn check_history(
    state: &AppState,
    user: &User,
    new: &SecretString,
    count: u8,
) -> Result<(), AppError> {
    if count <= 1 {
        return Ok(());
    }
    for old in state.store.password_history(user.id, count - 1).await? {
        if state.hasher.verify(new, Some(&old)).await?.matches {
            return Err(AppError::PasswordRejected {
                problems: vec![PasswordProblem::RecentlyUsed { count }],
            });
        }
    }
    Ok(())
}

/// What a change of one's own password needs: who, from which session, with which proof.
pub struct OwnChange<'a> {
    pub user: &'a User,
    pub session_hash: &'a str,
    pub current: &'a SecretString,
    pub new: &'a SecretString,
    pub confirm: &'a SecretString,
    pub locale: Locale,
    pub meta: &'a RequestMeta,
    /// Audit detail: "temporary" for the forced change, "voluntary" otherwise.
    pub reason: &'static str,
}

/// The current password proves who this is; the new one must pass the policy. Every other
/// session is revoked and the user is told by mail, in one transaction with the change.
pub async fn change_own_password(state: &AppState, c: &OwnChange<'_>) -> Result<(), AppError> {
    let user = c.user;
    let (rules, org) = rules_for(state, user).await?;
    let custom = BannedTerms::new(&rules.custom_terms);
    let normalized = super::admin::terms::check_new_password_counted(
        state,
        org.id,
        c.new.expose(),
        c.confirm.expose(),
        &rules,
        &custom,
    )
    .await?;
    let Some(old_hash) = user.password_hash.as_deref() else {
        return Err(AppError::CurrentPasswordWrong);
    };
    if c.current.expose().len() > MAX_INPUT_BYTES
        || !state
            .hasher
            .verify(c.current, Some(old_hash))
            .await?
            .matches
    {
        let mut event = audit::by_user(state.now(), "password.change", FAILURE, c.meta, user);
        event.detail = "current_password_wrong".into();
        state.store.audit(&event).await?;
        tracing::info!(
            user = user.id,
            "password change refused: current password wrong"
        );
        return Err(AppError::CurrentPasswordWrong);
    }
    if normalize_password(c.current.expose()) == normalized {
        return Err(AppError::PasswordUnchanged);
    }
    let history = org.policy.password_history;
    check_history(state, user, c.new, history).await?;
    let new_hash = state.hasher.hash(c.new).await?;
    let now = state.now();
    let mut event = audit::by_user(now, "password.change", SUCCESS, c.meta, user);
    event.detail = c.reason.into();
    let change = OwnPasswordChange {
        user_id: user.id,
        old_hash,
        new_hash: &new_hash,
        history_keep: history,
        keep_session: Some(c.session_hash),
        notice: super::outbox::password_changed(user, c.locale, now),
        audit: event,
    };
    if state.store.change_own_password(&change, now).await? {
        tracing::info!(user = user.id, reason = c.reason, "password changed");
        Ok(())
    } else {
        // Someone changed it between our check and our write: make them start over.
        Err(AppError::CurrentPasswordWrong)
    }
}

/// [`change_own_password`] for the user signed in to the current server-function call.
pub async fn change_for_signed_in_user(
    current: &SecretString,
    new: &SecretString,
    confirm: &SecretString,
    reason: &'static str,
) -> Result<(), AppError> {
    let state = super::app_state()?;
    let (user, session_hash, parts) = super::session::require_user(&state).await?;
    let meta = RequestMeta::from_parts(&parts);
    let change = OwnChange {
        user: &user,
        session_hash: &session_hash,
        current,
        new,
        confirm,
        locale: leptos_i18n::locale::resolve_locale(),
        meta: &meta,
        reason,
    };
    change_own_password(&state, &change).await
}
