//! The administrator console's reads and the policy, for the organisation's global
//! administrators (the role and organisation come from the session, never the request).
//! Still no endpoint sets another user's password or answers.
use super::problem::Problem;
use super::{answer, done, with_json, without_body};
use crate::api::admin::audit::filter::FilterQuery;
use crate::api::admin::audit::AuditPage;
use crate::api::admin::insights::InsightsView;
use crate::api::admin::terms::TermsView;
use crate::api::admin::users::UsersView;
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::error::AppError;
use crate::server::state::AppState;
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    audit,
    audit_csv,
    insights,
    users,
    disable_user,
    enable_user,
    policy,
    save_policy,
    terms,
    add_term,
    remove_term,
    import_terms,
))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(audit))
        .route("/admin/audit.csv", get(audit_csv))
        .route("/admin/insights", get(insights))
        .route("/admin/users", get(users))
        .route("/admin/users/disable", post(disable_user))
        .route("/admin/users/enable", post(enable_user))
        .route("/admin/policy", get(policy).post(save_policy))
        .route("/admin/terms", get(terms).post(add_term))
        .route("/admin/terms/remove", post(remove_term))
        .route("/admin/terms/import", post(import_terms))
}

/// A query string as `T`: `invalid_input` when it doesn't parse.
fn query<T: serde::de::DeserializeOwned>(uri: &http::Uri) -> Result<T, AppError> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(q)| q)
        .map_err(|_| AppError::InvalidInput)
}

/// One page of the organisation's audit log, newest first; the filters as the console's
/// form takes them (dates `YYYY-MM-DD`, `tz` the offset in minutes), the cursors from the
/// previous page.
#[utoipa::path(
    get, path = "/api/v1/admin/audit", tag = "admin",
    security(("session" = [])),
    params(FilterQuery),
    responses(
        (status = 200, description = "A page of events", body = AuditPage),
        (status = "default", response = Problem),
    )
)]
pub async fn audit(State(state): State<AppState>, req: Request) -> Response {
    let q = query::<FilterQuery>(req.uri());
    without_body(state, req, async move {
        let q = q?;
        crate::api::admin::audit::audit_events(
            q.from, q.to, q.user, q.activity, q.outcome, q.ip, q.tz, q.before, q.after,
        )
        .await
        .map(Json)
    })
    .await
}

/// The whole filtered log as CSV (the cursors are ignored).
#[utoipa::path(
    get, path = "/api/v1/admin/audit.csv", tag = "admin",
    security(("session" = [])),
    params(FilterQuery),
    responses(
        (status = 200, description = "The events", content_type = "text/csv", body = String),
        (status = "default", response = Problem),
    )
)]
pub async fn audit_csv(State(state): State<AppState>, req: Request) -> Response {
    // The export's own answer for a refusal is plain text for a browser: check here first,
    // so that the API answers with a problem document.
    let (parts, body) = req.into_parts();
    let checked = answer(state.clone(), parts.clone(), async {
        let q = query::<FilterQuery>(&parts.uri)?;
        let state = crate::server::app_state()?;
        let admin = crate::server::admin::require_admin(&state).await?;
        // Filters the export would refuse (in plain text, for a browser): refused here.
        if crate::server::admin::audit::resolve(&state, &admin, &q)
            .await?
            .is_err()
        {
            return Err(AppError::InvalidInput);
        }
        Ok(done())
    })
    .await;
    if !checked.status().is_success() {
        return checked;
    }
    crate::server::admin::audit::audit_csv(State(state), Request::from_parts(parts, body))
        .await
        .into_response()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// 7, 30 or 90 (the default; other values are taken as the nearest of these).
    #[param(minimum = 1, maximum = 365)]
    pub days: Option<u32>,
}

/// Recovery activity, method use, the funnel and who hasn't registered, over a period.
#[utoipa::path(
    get, path = "/api/v1/admin/insights", tag = "admin",
    security(("session" = [])),
    params(Period),
    responses(
        (status = 200, description = "The insights", body = InsightsView),
        (status = "default", response = Problem),
    )
)]
pub async fn insights(State(state): State<AppState>, req: Request) -> Response {
    let q = query::<Period>(req.uri());
    without_body(state, req, async move {
        let days = q?.days;
        if days.is_some_and(|d| !(1..=365).contains(&d)) {
            return Err(AppError::InvalidInput);
        }
        crate::api::admin::insights::admin_insights(days)
            .await
            .map(Json)
    })
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Part of a name or an address.
    pub q: Option<String>,
    /// `user`, `admin`, or empty for both.
    pub role: Option<String>,
    /// `active`, `disabled`, `locked`, or empty for all.
    pub status: Option<String>,
    /// From 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
}

/// The organisation's users, searched, a page at a time, with their methods.
#[utoipa::path(
    get, path = "/api/v1/admin/users", tag = "admin",
    security(("session" = [])),
    params(UserQuery),
    responses(
        (status = 200, description = "A page of users", body = UsersView),
        (status = "default", response = Problem),
    )
)]
pub async fn users(State(state): State<AppState>, req: Request) -> Response {
    let q = query::<UserQuery>(req.uri());
    without_body(state, req, async move {
        let q = q?;
        if q.page.is_some_and(|p| !(1..=100_000).contains(&p)) {
            return Err(AppError::InvalidInput);
        }
        crate::api::admin::users::admin_users(q.q, q.role, q.status, q.page)
            .await
            .map(Json)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChoice {
    /// The user's id, as the users list gives it.
    pub user: i64,
}

/// Disables an account of the organisation (its sessions end; the owner is told).
#[utoipa::path(
    post, path = "/api/v1/admin/users/disable", tag = "admin",
    security(("session" = [])),
    request_body = UserChoice,
    responses(
        (status = 204, description = "Disabled"),
        (status = "default", response = Problem),
    )
)]
pub async fn disable_user(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |UserChoice { user }| async move {
        crate::api::admin::users::disable_user(user).await?;
        Ok(done())
    })
    .await
}

/// Enables a disabled account again (the owner is told).
#[utoipa::path(
    post, path = "/api/v1/admin/users/enable", tag = "admin",
    security(("session" = [])),
    request_body = UserChoice,
    responses(
        (status = 204, description = "Enabled"),
        (status = "default", response = Problem),
    )
)]
pub async fn enable_user(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |UserChoice { user }| async move {
        crate::api::admin::users::enable_user(user).await?;
        Ok(done())
    })
    .await
}

/// The organisation's recovery and password policy, as stored.
#[utoipa::path(
    get, path = "/api/v1/admin/policy", tag = "admin",
    security(("session" = [])),
    responses(
        (status = 200, description = "The policy", body = OrgPolicy),
        (status = "default", response = Problem),
    )
)]
pub async fn policy(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::admin::policy::admin_policy().await.map(Json)
    })
    .await
}

/// The policy's knobs as the console's form sets them; each is checked against its
/// bounds (`policy_out_of_range` names the field).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyUpdate {
    pub methods_enabled: Vec<MethodKind>,
    pub methods_required: i64,
    pub questions_to_register: i64,
    pub questions_to_answer: i64,
    pub require_registration: bool,
    pub reconfirm_days: i64,
    pub notify_user_on_reset: bool,
    pub notify_admins_on_admin_reset: bool,
    pub password_min_length: i64,
    pub password_history: i64,
    pub lockout_threshold: i64,
    pub lockout_seconds: i64,
    /// ISO 3166 regions whose mobile numbers may be registered; empty: any.
    pub sms_regions: Vec<String>,
    pub help_desk: Option<String>,
}

/// Saves the policy (a whole one: every knob).
#[utoipa::path(
    post, path = "/api/v1/admin/policy", tag = "admin",
    security(("session" = [])),
    request_body = PolicyUpdate,
    responses(
        (status = 204, description = "Saved"),
        (status = "default", response = Problem),
    )
)]
pub async fn save_policy(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |p: PolicyUpdate| async move {
        let state = crate::server::app_state()?;
        let admin = crate::server::admin::require_admin(&state).await?;
        // The form's own shape: numbers as typed, so that the bounds are checked by the
        // same code, field by field.
        let form = crate::server::admin::policy::PolicyForm {
            methods_enabled: p.methods_enabled,
            methods_required: p.methods_required.to_string(),
            questions_to_register: p.questions_to_register.to_string(),
            questions_to_answer: p.questions_to_answer.to_string(),
            require_registration: p.require_registration,
            reconfirm_days: p.reconfirm_days.to_string(),
            notify_user_on_reset: p.notify_user_on_reset,
            notify_admins_on_admin_reset: p.notify_admins_on_admin_reset,
            password_min_length: p.password_min_length.to_string(),
            password_history: p.password_history.to_string(),
            lockout_threshold: p.lockout_threshold.to_string(),
            lockout_seconds: p.lockout_seconds.to_string(),
            sms_regions: p.sms_regions.join(" "),
            help_desk: p.help_desk.unwrap_or_default(),
        };
        crate::server::admin::policy::save(&state, &admin, form).await?;
        Ok(done())
    })
    .await
}

/// The organisation's own banned password terms.
#[utoipa::path(
    get, path = "/api/v1/admin/terms", tag = "admin",
    security(("session" = [])),
    responses(
        (status = 200, description = "The terms", body = TermsView),
        (status = "default", response = Problem),
    )
)]
pub async fn terms(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::admin::terms::banned_terms().await.map(Json)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub term: String,
}

/// Adds a banned term.
#[utoipa::path(
    post, path = "/api/v1/admin/terms", tag = "admin",
    security(("session" = [])),
    request_body = Term,
    responses(
        (status = 204, description = "Added"),
        (status = "default", response = Problem),
    )
)]
pub async fn add_term(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |Term { term }| async move {
        crate::api::admin::terms::add_term(term).await?;
        Ok(done())
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermKey {
    /// The term's key, as the list gives it.
    pub key: String,
}

/// Removes a banned term.
#[utoipa::path(
    post, path = "/api/v1/admin/terms/remove", tag = "admin",
    security(("session" = [])),
    request_body = TermKey,
    responses(
        (status = 204, description = "Removed"),
        (status = "default", response = Problem),
    )
)]
pub async fn remove_term(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |TermKey { key }| async move {
        crate::api::admin::terms::remove_term(key).await?;
        Ok(done())
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermList {
    /// One term a line.
    pub content: String,
}

/// Adds a list of banned terms, one a line (all or none).
#[utoipa::path(
    post, path = "/api/v1/admin/terms/import", tag = "admin",
    security(("session" = [])),
    request_body = TermList,
    responses(
        (status = 204, description = "Imported"),
        (status = "default", response = Problem),
    )
)]
pub async fn import_terms(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |TermList { content }| async move {
        crate::api::admin::terms::import_terms(content).await?;
        Ok(done())
    })
    .await
}
