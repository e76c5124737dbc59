//! The audit log: filtered, paginated on the server, exported as CSV.
// The filter form's nine fields are the server function's arguments, flat, so the form
// posts plain `name=value` pairs (a struct would post `q[from]=`, which the guard refuses);
// the allowance must cover the client stub the macro writes too.
#![allow(clippy::too_many_arguments)]
pub use crate::domain::console::audit::*;

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// One page of the administrator's organisation's events. The arguments are the filter
/// form's fields as typed (see [`filter::FilterQuery`]).
#[server(prefix = "/api", endpoint = "admin/audit/events")]
pub async fn audit_events(
    from: String,
    to: String,
    user: String,
    activity: String,
    outcome: String,
    ip: String,
    tz: String,
    before: String,
    after: String,
) -> Result<AuditPage, AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            let query = filter::FilterQuery {
                from,
                to,
                user,
                activity,
                outcome,
                ip,
                tz,
                before,
                after,
            };
            crate::server::admin::audit::page(&state, &admin, &query).await
        }
        .await,
    )
}

/// The form fields of this area's server functions (see `crate::api::FORM_FIELDS`).
pub const FORM_FIELDS: &[(&str, &[&str])] = &[(
    <AuditEvents as ServerFn>::PATH,
    &[
        "from", "to", "user", "activity", "outcome", "ip", "tz", "before", "after",
    ],
)];

/// The page a form posting to `endpoint` lives on, for this area's server functions.
/// None: the filter form is a plain GET of the page itself.
pub fn form_page(_endpoint: &str) -> Option<&'static str> {
    None
}
