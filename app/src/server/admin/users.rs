//! The console's users area, on the server: the organisation's users with method types
//! (never values) and last activity, and disabling or enabling an account. An account of
//! another organisation is "not found": the administrator can't even learn it exists.
use super::Admin;
use crate::domain::console::users::{UserRow, UsersView, PAGE_SIZE};
use crate::domain::policy::MethodKind;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::server::audit::SUCCESS;
use crate::server::outbox::format_utc;
use crate::server::state::AppState;
use crate::server::store::insights::{StatusChange, UserSearch};
use crate::server::store::outbox::NewMessage;
use crate::server::store::{Role, User, UserStatus};
use leptos_i18n::td_string;

pub async fn list(
    state: &AppState,
    admin: &Admin,
    search: &UserSearch,
    page: u32,
) -> Result<UsersView, AppError> {
    let org = &admin.org;
    let (_, total) = state.store.search_users(org.id, search, 0, 0).await?;
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let offset = i64::from((page - 1) * PAGE_SIZE);
    let (ids, _) = state
        .store
        .search_users(org.id, search, i64::from(PAGE_SIZE), offset)
        .await?;
    let signins = state
        .store
        .last_success_per_user(org.id, "signin", "signin")
        .await?;
    let recoveries = state
        .store
        .last_success_per_user(org.id, "recovery.reset", "recovery.unlock")
        .await?;
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(user) = state.store.find_user(id).await? else {
            continue;
        };
        let have = crate::server::security_info::registered(
            state,
            &user,
            org.policy.questions_to_register,
        )
        .await?;
        let methods = MethodKind::ALL
            .into_iter()
            .filter(|kind| have.has(*kind))
            .collect();
        rows.push(UserRow {
            id: user.id,
            can_recover: super::insights::can_recover(&org.policy, &user, &have),
            methods,
            last_signin: signins.get(&user.id).map(|at| format_utc(*at)),
            last_recovery: recoveries.get(&user.id).map(|at| format_utc(*at)),
            is_self: user.id == admin.user.id,
            admin: user.role == Role::GlobalAdmin,
            active: user.status == UserStatus::Active,
            name: user.display_name,
            email: user.email,
        });
    }
    Ok(UsersView {
        rows,
        total,
        page,
        pages,
    })
}

/// The list after a change: the notice to show, and the changed account searched for so
/// its new status is in sight.
pub fn done_path(done: &str, email: &str) -> String {
    let q = crate::routes::percent_encode(email);
    format!("{}?done={done}&q={q}", crate::routes::ADMIN_USERS)
}

/// Disables (signing the account out everywhere) or enables an account of the
/// administrator's organisation, tells its owner by email and records who did it.
/// Asking for the status it already has changes nothing. Returns the account's email.
pub async fn set_status(
    state: &AppState,
    admin: &Admin,
    user_id: i64,
    status: UserStatus,
    locale: Locale,
) -> Result<String, AppError> {
    if user_id == admin.user.id {
        // Locking oneself out of the console helps nobody; another administrator can.
        return Err(AppError::Forbidden);
    }
    let target = state
        .store
        .find_user(user_id)
        .await?
        .filter(|u| u.org_id == admin.org.id)
        .ok_or(AppError::NotFound)?;
    let now = state.now();
    let (action, message) = match status {
        UserStatus::Disabled => ("admin.user.disable", disabled_notice(&target, locale, now)),
        UserStatus::Active => ("admin.user.enable", enabled_notice(&target, locale, now)),
    };
    let event = admin.event(now, action, SUCCESS, Some(target.id), String::new());
    let changed = state
        .store
        .change_status_in_org(
            &StatusChange {
                org_id: admin.org.id,
                user_id: target.id,
                status,
                message: &message,
                audit: &event,
            },
            now,
        )
        .await?;
    if changed {
        tracing::info!(
            user = target.id,
            by = admin.user.id,
            action,
            "account status changed"
        );
    }
    Ok(target.email)
}

/// "Your account was disabled", to the account's own address.
fn disabled_notice(user: &User, locale: Locale, now: i64) -> NewMessage {
    let when = format_utc(now);
    NewMessage {
        channel: "email",
        recipient: user.email.clone(),
        locale: locale.to_string(),
        subject: td_string!(locale, mail.account_disabled_subject).to_string(),
        body: td_string!(
            locale,
            mail.account_disabled_body,
            name = user.display_name.as_str(),
            email = user.email.as_str(),
            when = when.as_str()
        )
        .to_string(),
    }
}

/// "Your account was enabled again", to the account's own address.
fn enabled_notice(user: &User, locale: Locale, now: i64) -> NewMessage {
    let when = format_utc(now);
    NewMessage {
        channel: "email",
        recipient: user.email.clone(),
        locale: locale.to_string(),
        subject: td_string!(locale, mail.account_enabled_subject).to_string(),
        body: td_string!(
            locale,
            mail.account_enabled_body,
            name = user.display_name.as_str(),
            email = user.email.as_str(),
            when = when.as_str()
        )
        .to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_changed_account_is_searched_for() {
        assert_eq!(
            super::done_path("disabled", "a+b@example.com"),
            "/admin/users?done=disabled&q=a%2Bb%40example.com"
        );
    }
}
