//! The administrator console's server functions, one area a module. Each area lists its
//! own form fields and form pages, which [`super::FORM_FIELDS`] and [`super::form_page`]
//! consult; every function starts with `server::admin::require_admin`.
pub mod audit;
pub mod insights;
pub mod policy;
pub mod terms;
pub mod users;

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

/// What every console page shows in its frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Console {
    pub organisation: String,
}

/// The console's door: answers only for an administrator (`Forbidden` otherwise), so the
/// pages can show "not allowed" instead of an empty console.
#[server(prefix = "/api", endpoint = "admin/console")]
pub async fn console_info() -> Result<Console, AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            Ok(Console {
                organisation: admin.org.name,
            })
        }
        .await,
    )
}

/// Every console area's form fields, in one list per area.
pub const FORM_FIELD_LISTS: &[&[(&str, &[&str])]] = &[
    &[(<ConsoleInfo as ServerFn>::PATH, &[])],
    policy::FORM_FIELDS,
    terms::FORM_FIELDS,
    audit::FORM_FIELDS,
    insights::FORM_FIELDS,
    users::FORM_FIELDS,
];

/// The console page a form posting to `endpoint` lives on.
pub fn form_page(endpoint: &str) -> Option<&'static str> {
    policy::form_page(endpoint)
        .or_else(|| terms::form_page(endpoint))
        .or_else(|| audit::form_page(endpoint))
        .or_else(|| insights::form_page(endpoint))
        .or_else(|| users::form_page(endpoint))
}
