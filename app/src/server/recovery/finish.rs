//! The end of a recovery: the new password or the unlock with all its effects in one
//! transaction, the notices, and "this wasn't me".
use super::flow::{clear_cookie, event, flow_error, load, write_back, Loaded};
use crate::domain::recovery::{transition, Event, State};
use crate::domain::secret::SecretString;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::server::audit::{self, SUCCESS};
use crate::server::request::{self, RequestMeta};
use crate::server::state::AppState;
use crate::server::store::methods::ContactKind;
use crate::server::store::outbox::NewMessage;
use crate::server::store::recovery::{Completion, FlowRow};
use crate::server::store::{AuditEvent, Role, User, UserStatus};
use http::request::Parts;
use leptos_i18n::td_string;

/// How long a "this wasn't me" link works.
pub(super) const FREEZE_LINK_LIFETIME: i64 = 7 * 86_400;

/// The account of this browser's flow, once it has passed every gate of a reset.
pub async fn user_setting_password(state: &AppState) -> Result<User, AppError> {
    let parts = request::current_parts().ok_or(AppError::Internal)?;
    let loaded = load(state, &parts).await?;
    match (loaded.flow.state, loaded.user) {
        (State::NewPassword, Some(user)) => Ok(user),
        _ => Err(AppError::FlowExpired),
    }
}

/// The new password, for a flow whose gates are all passed.
pub async fn set_password(
    state: &AppState,
    parts: &Parts,
    new: &SecretString,
    confirm: &SecretString,
    locale: Locale,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    use crate::domain::password::banned::BannedTerms;
    let loaded = load(state, parts).await?;
    let now = state.now();
    let next = transition(&loaded.flow, Event::PasswordSet, now).map_err(flow_error)?;
    let user = loaded.user.as_ref().ok_or(AppError::Internal)?;
    let (rules, org) = crate::server::password::rules_for(state, user).await?;
    let custom = BannedTerms::new(&rules.custom_terms);
    crate::server::admin::terms::check_new_password_counted(
        state,
        org.id,
        new.expose(),
        confirm.expose(),
        &rules,
        &custom,
    )
    .await?;
    crate::server::password::check_history(state, user, new, org.policy.password_history).await?;
    let hash = state.hasher.hash(new).await?;
    finish(
        state,
        &loaded,
        &write_back(&loaded.row, &next),
        Some(&hash),
        None,
        locale,
        meta,
    )
    .await
}

/// The end of a recovery: the reset or the unlock and all its effects in one
/// transaction, then the cookie goes.
pub(super) async fn finish(
    state: &AppState,
    loaded: &Loaded,
    row: &FlowRow,
    new_hash: Option<&str>,
    last_gate: Option<AuditEvent>,
    locale: Locale,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let user = loaded.user.as_ref().ok_or(AppError::Internal)?;
    let now = state.now();
    let (freeze_token, _) = crate::server::session::new_token();
    let freeze_hash = state.keys.mac_hex("freeze-link", freeze_token.as_bytes());
    let reset = new_hash.is_some();
    let mut messages = user_notices(state, user, reset, &freeze_token, locale, now).await?;
    if user.role == Role::GlobalAdmin && loaded.policy.notify_admins_on_admin_reset {
        messages.extend(admin_notices(state, user, reset, locale, now).await?);
    }
    let mut e = event(
        now,
        if reset {
            "recovery.reset"
        } else {
            "recovery.unlock"
        },
        SUCCESS,
        meta,
        loaded,
    );
    e.detail = row.passed.clone();
    let audit: Vec<AuditEvent> = last_gate.into_iter().chain([e]).collect();
    let done = Completion {
        user_id: user.id,
        new_hash,
        old_hash: user.password_hash.as_deref().filter(|_| reset),
        history_keep: loaded.policy.password_history,
        freeze_token_hash: &freeze_hash,
        freeze_expires_at: now + FREEZE_LINK_LIFETIME,
        messages: &messages,
        audit: &audit,
    };
    if !state.store.complete_recovery(row, &done, now).await? {
        return Err(AppError::InvalidInput);
    }
    tracing::info!(user = user.id, reset, "recovery completed");
    request::set_cookie(&clear_cookie(state.settings.secure_cookies()))?;
    Ok(())
}

pub(super) async fn user_notices(
    state: &AppState,
    user: &User,
    reset: bool,
    freeze_token: &str,
    locale: Locale,
    now: i64,
) -> Result<Vec<NewMessage>, AppError> {
    let mut to = vec![user.email.clone()];
    for m in state.store.methods(user.id).await? {
        if m.kind == ContactKind::Email && m.verified_at.is_some() && !to.contains(&m.value) {
            to.push(m.value);
        }
    }
    let link = format!(
        "{}{}?token={freeze_token}",
        state.settings.public_url.trim_end_matches('/'),
        crate::routes::RECOVER_FREEZE
    );
    let when = crate::server::outbox::format_utc(now);
    let (subject, what) = if reset {
        (
            td_string!(locale, mail.recovered_reset_subject).to_string(),
            td_string!(locale, mail.recovered_reset_what).to_string(),
        )
    } else {
        (
            td_string!(locale, mail.recovered_unlock_subject).to_string(),
            td_string!(locale, mail.recovered_unlock_what).to_string(),
        )
    };
    Ok(to
        .into_iter()
        .map(|recipient| NewMessage {
            channel: "email",
            recipient,
            locale: locale.to_string(),
            subject: subject.clone(),
            body: td_string!(
                locale,
                mail.recovered_body,
                name = user.display_name.as_str(),
                email = user.email.as_str(),
                what = what.as_str(),
                when = when.as_str(),
                link = link.as_str()
            )
            .to_string(),
        })
        .collect())
}

pub(super) async fn admin_notices(
    state: &AppState,
    user: &User,
    reset: bool,
    locale: Locale,
    now: i64,
) -> Result<Vec<NewMessage>, AppError> {
    let when = crate::server::outbox::format_utc(now);
    let what = if reset {
        td_string!(locale, mail.recovered_reset_what).to_string()
    } else {
        td_string!(locale, mail.recovered_unlock_what).to_string()
    };
    Ok(state
        .store
        .list_users(Some(user.org_id))
        .await?
        .into_iter()
        .filter(|u| {
            u.role == Role::GlobalAdmin && u.id != user.id && u.status == UserStatus::Active
        })
        .map(|admin| NewMessage {
            channel: "email",
            recipient: admin.email.clone(),
            locale: locale.to_string(),
            subject: td_string!(locale, mail.admin_recovered_subject).to_string(),
            body: td_string!(
                locale,
                mail.admin_recovered_body,
                name = admin.display_name.as_str(),
                who = user.email.as_str(),
                what = what.as_str(),
                when = when.as_str()
            )
            .to_string(),
        })
        .collect())
}

/// "This wasn't me": freezes the account the link was mailed about.
pub async fn freeze(state: &AppState, token: &str, meta: &RequestMeta) -> Result<(), AppError> {
    let now = state.now();
    let hash = state.keys.mac_hex("freeze-link", token.trim().as_bytes());
    let frozen = state
        .store
        .freeze_account(
            &hash,
            |user_id| AuditEvent {
                subject_user_id: Some(user_id),
                ..audit::from_request(now, "recovery.freeze", SUCCESS, meta)
            },
            now,
        )
        .await?;
    match frozen {
        Some(user_id) => {
            tracing::info!(user = user_id, "account frozen by its owner");
            Ok(())
        }
        None => Err(AppError::FlowExpired),
    }
}
