//! The organisation's users, read only, and enabling or disabling an account. Nothing
//! here can set, reset or show a password, a code or an answer: the list carries method
//! TYPES only, never their values.
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

pub use crate::domain::console::users::*;

#[server(prefix = "/api", endpoint = "admin/users/list")]
pub async fn admin_users(
    q: Option<String>,
    role: Option<String>,
    status: Option<String>,
    page: Option<u32>,
) -> Result<UsersView, AppError> {
    use crate::server::store::insights::UserSearch;
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            let search = UserSearch {
                text: q.unwrap_or_default(),
                role: role.unwrap_or_default(),
                status: status.unwrap_or_default(),
            };
            if search.text.chars().count() > MAX_SEARCH
                || !ROLES.contains(&search.role.as_str())
                || !STATUSES.contains(&search.status.as_str())
            {
                return Err(AppError::InvalidInput);
            }
            crate::server::admin::users::list(&state, &admin, &search, page.unwrap_or(1)).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "admin/users/disable")]
pub async fn disable_user(user: i64) -> Result<(), AppError> {
    change_status(user, crate::server::store::UserStatus::Disabled, "disabled").await
}

#[server(prefix = "/api", endpoint = "admin/users/enable")]
pub async fn enable_user(user: i64) -> Result<(), AppError> {
    change_status(user, crate::server::store::UserStatus::Active, "enabled").await
}

/// Disable and enable: the same steps, then back to the list, searched on that user.
#[cfg(feature = "ssr")]
async fn change_status(
    user: i64,
    status: crate::server::store::UserStatus,
    done: &str,
) -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            let locale = leptos_i18n::locale::resolve_locale();
            let email =
                crate::server::admin::users::set_status(&state, &admin, user, status, locale)
                    .await?;
            leptos_axum::redirect(&crate::server::admin::users::done_path(done, &email));
            Ok(())
        }
        .await,
    )
}

/// The form fields of this area's server functions (see `crate::api::FORM_FIELDS`).
pub const FORM_FIELDS: &[(&str, &[&str])] = &[
    (
        <AdminUsers as ServerFn>::PATH,
        &["q", "role", "status", "page"],
    ),
    (<DisableUser as ServerFn>::PATH, &["user"]),
    (<EnableUser as ServerFn>::PATH, &["user"]),
];

/// The page a form posting to `endpoint` lives on, for this area's server functions.
pub fn form_page(endpoint: &str) -> Option<&'static str> {
    (endpoint == <DisableUser as ServerFn>::PATH || endpoint == <EnableUser as ServerFn>::PATH)
        .then_some(crate::routes::ADMIN_USERS)
}
