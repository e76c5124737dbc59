//! Activity and registration insights, drawn as SVG on the server.
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

pub use crate::domain::console::insights::*;

#[server(prefix = "/api", endpoint = "admin/insights")]
pub async fn admin_insights(days: Option<u32>) -> Result<InsightsView, AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            let locale = leptos_i18n::locale::resolve_locale();
            crate::server::admin::insights::insights(&state, &admin, period(days), locale).await
        }
        .await,
    )
}

/// The form fields of this area's server functions (see `crate::api::FORM_FIELDS`).
pub const FORM_FIELDS: &[(&str, &[&str])] = &[(<AdminInsights as ServerFn>::PATH, &["days"])];

/// The page a form posting to `endpoint` lives on, for this area's server functions.
pub fn form_page(_endpoint: &str) -> Option<&'static str> {
    None
}

#[cfg(test)]
mod tests {
    use super::period;

    #[test]
    fn only_offered_periods_are_taken() {
        assert_eq!(period(Some(7)), 7);
        assert_eq!(period(Some(90)), 90);
        assert_eq!(period(Some(31)), 30);
        assert_eq!(period(Some(0)), 30);
        assert_eq!(period(None), 30);
    }
}
