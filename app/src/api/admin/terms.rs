//! The organisation's custom banned terms.
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

pub use crate::domain::console::terms::*;

/// Where each change lands: the terms page with a one-line confirmation.
pub const ADDED: &str = "/admin/terms?done=added";
pub const REMOVED: &str = "/admin/terms?done=removed";
pub const IMPORTED: &str = "/admin/terms?done=imported";

#[server(prefix = "/api", endpoint = "admin/terms/list")]
pub async fn banned_terms() -> Result<TermsView, AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            crate::server::admin::terms::list(&state, &admin).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "admin/terms/add")]
pub async fn add_term(term: String) -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            crate::server::admin::terms::add(&state, &admin, &term).await?;
            leptos_axum::redirect(ADDED);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "admin/terms/remove")]
pub async fn remove_term(key: String) -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            crate::server::admin::terms::remove(&state, &admin, &key).await?;
            leptos_axum::redirect(REMOVED);
            Ok(())
        }
        .await,
    )
}

/// A whole list, one term a line, as pasted (or read from a file by the page's script).
/// Larger than any other form: the router allows this endpoint [`MAX_IMPORT_BYTES`].
#[server(prefix = "/api", endpoint = "admin/terms/import")]
pub async fn import_terms(content: String) -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            crate::server::admin::terms::import(&state, &admin, &content).await?;
            leptos_axum::redirect(IMPORTED);
            Ok(())
        }
        .await,
    )
}

/// The import's body limit: 1,000 terms of 16 characters, each of which may take up to 12
/// bytes once percent-encoded, with their line breaks, and room to spare.
pub const MAX_IMPORT_BYTES: usize = 256 * 1024;

/// The path of the import, the one endpoint allowed a larger body.
pub fn import_path() -> &'static str {
    <ImportTerms as ServerFn>::PATH
}

/// The form fields of this area's server functions (see `crate::api::FORM_FIELDS`).
pub const FORM_FIELDS: &[(&str, &[&str])] = &[
    (<BannedTerms as ServerFn>::PATH, &[]),
    (<AddTerm as ServerFn>::PATH, &["term"]),
    (<RemoveTerm as ServerFn>::PATH, &["key"]),
    (<ImportTerms as ServerFn>::PATH, &["content"]),
];

/// The page a form posting to `endpoint` lives on, for this area's server functions.
pub fn form_page(endpoint: &str) -> Option<&'static str> {
    [
        <AddTerm as ServerFn>::PATH,
        <RemoveTerm as ServerFn>::PATH,
        <ImportTerms as ServerFn>::PATH,
    ]
    .contains(&endpoint)
    .then_some(crate::routes::ADMIN_TERMS)
}
