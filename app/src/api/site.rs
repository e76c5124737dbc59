//! Facts every page needs before anyone signs in, and the language switch.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteFacts {
    pub organisation: Option<String>,
    pub dev: bool,
    pub min_password_length: u32,
}

#[server(prefix = "/api", endpoint = "site")]
pub async fn site_info() -> Result<SiteFacts, AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            // A signed-in user sees their own organisation; anyone else the first one.
            let signed_in = match crate::server::request::current_parts() {
                Some(parts) => crate::server::session::current_session(&state, &parts).await?,
                None => None,
            };
            let org = match signed_in {
                Some((user, _)) => state.store.find_org(user.org_id).await?,
                None => state.store.first_org().await?,
            };
            Ok(SiteFacts {
                min_password_length: org
                    .as_ref()
                    .map(|o| o.policy.password_min_length)
                    .unwrap_or(crate::domain::password::DEFAULT_MIN_LENGTH),
                organisation: org.map(|o| o.name),
                dev: state.settings.dev,
            })
        }
        .await,
    )
}

/// The language switch: a plain form post (it works without JavaScript) that stores the
/// choice in the same cookie leptos_i18n reads, then returns to the page it came from.
#[server(prefix = "/api", endpoint = "locale")]
pub async fn set_locale(locale: String, return_to: String) -> Result<(), AppError> {
    use crate::i18n::Locale;
    crate::api::answer::with_status(
        async move {
            let locale: Locale = locale.parse().map_err(|_| AppError::InvalidInput)?;
            crate::server::request::set_cookie(&format!(
                "i18n_pref_locale={locale}; Path=/; Max-Age=31536000; SameSite=Lax"
            ))?;
            leptos_axum::redirect(&crate::routes::safe_return_path(&return_to));
            Ok(())
        }
        .await,
    )
}
