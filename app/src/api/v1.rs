//! The JSON API for native clients and integrations, under `/api/v1` (docs/api.md).
//!
//! Each endpoint is a thin adapter: it reads a JSON body, runs the same code the pages'
//! server functions run (in the same kind of reactive context, so deadlines, limits, the
//! locale, the flow and the session are found as they are for a page), and answers in
//! JSON, or with a problem document (RFC 9457) on failure. No rule lives here.
//!
//! A native client carries its session as `Authorization: Bearer <token>` (the token
//! comes only from signing in) and its recovery flow as the `Regain-Flow` header (the
//! token the start answers with; the document links the start to every step taking it)
//! instead of the cookies a browser keeps.
mod account;
mod admin;
mod auth;
mod password;
pub mod problem;
mod recovery;
mod reference;
mod security;

use crate::error::AppError;
use crate::server::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http::request::Parts;
use leptos::prelude::provide_context;
use leptos::reactive::computed::ScopedFuture;
use leptos::reactive::owner::Owner;
use serde::de::DeserializeOwned;
use std::future::Future;
use utoipa::OpenApi;

/// Where the API is mounted.
/// As many answers as the pages' question forms take (five fields): the security info's
/// save and the recovery's proof alike.
pub(crate) const MAX_ANSWERS: usize = 5;

pub const PREFIX: &str = "/api/v1";

/// A request body's limit: every body here is a few fields.
const MAX_BODY_BYTES: usize = 16 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Regain",
        version = "1",
        description = "Self-service password recovery: sign in, recover an account (prove \
            who you are with registered methods, then set a new password or unlock), and \
            the password rules. Errors are problem documents (RFC 9457) whose `code` is \
            stable; their `detail` is in the language of `Accept-Language`."
    ),
    paths(
        auth::sign_in,
        auth::sign_out,
        account::me,
        account::recovery_log,
        password::rules,
        password::strength,
        password::change,
        recovery::challenge,
        recovery::start,
        recovery::flow,
        recovery::purpose,
        recovery::method,
        recovery::code,
        recovery::answers,
        recovery::resend,
        recovery::rules,
        recovery::password,
        recovery::freeze,
        account::dev_mailbox,
    ),
    components(responses(problem::Problem)),
    modifiers(&Schemes),
    tags(
        (name = "auth", description = "Sign-in and sign-out; the session token"),
        (name = "account", description = "The signed-in user's own account"),
        (name = "password", description = "Password rules, strength, change"),
        (name = "recovery", description = "\"Can't access your account?\", step by step"),
        (name = "security-info", description = "The signed-in user's recovery methods"),
        (name = "admin", description = "The console's reads and the policy, for the organisation's administrators"),
        (name = "development", description = "Only in development mode"),
    )
)]
struct ApiDoc;

/// The session's scheme. (The flow's token is a header parameter of each step instead,
/// so that the document's links can carry it there: [`link_flow_steps`].)
struct Schemes;

impl utoipa::Modify for Schemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The token `POST /api/v1/auth/sign-in` answers with"))
                    .build(),
            ),
        );
    }
}

/// Links the start's answer to every operation taking the flow's header. Written into
/// the JSON, not through utoipa's `Link`, which names its fields in snake case
/// (`operation_id`), where OpenAPI wants `operationId`.
fn link_flow_steps(doc: &mut serde_json::Value) {
    use serde_json::{json, Value};
    let takes_flow = |op: &Value| {
        op.get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|ps| {
                ps.iter()
                    .any(|p| p.get("name") == Some(&json!("Regain-Flow")))
            })
    };
    let steps: Vec<String> = doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter(|op| takes_flow(op))
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    let links: serde_json::Map<String, Value> = steps
        .into_iter()
        .map(|id| {
            let link = json!({
                "operationId": id,
                "parameters": { "header.Regain-Flow": "$response.body#/flow_token" },
            });
            (id, link)
        })
        .collect();
    let created = doc
        .pointer_mut("/paths/~1api~1v1~1recovery~1start/post/responses/201")
        .and_then(Value::as_object_mut);
    if let Some(created) = created {
        created.insert("links".into(), Value::Object(links));
    }
}

/// The OpenAPI 3.1 document, generated once from the handlers and types.
pub fn document_json() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut api = ApiDoc::openapi();
        // Each area's operations are documented beside their handlers.
        api.merge(security::Api::openapi());
        api.merge(admin::Api::openapi());
        let mut doc = serde_json::to_value(api).unwrap_or_default();
        link_flow_steps(&mut doc);
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    })
}

/// The API's routes, to be nested at [`PREFIX`]. An unknown path or method answers with
/// a problem document too.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/sign-in", post(auth::sign_in))
        .route("/auth/sign-out", post(auth::sign_out))
        .route("/account", get(account::me))
        .route("/account/recovery-log", get(account::recovery_log))
        .route("/account/password", post(password::change))
        .route("/password/rules", get(password::rules))
        .route("/password/strength", post(password::strength))
        .route("/recovery/challenge", post(recovery::challenge))
        .route("/recovery/start", post(recovery::start))
        .route("/recovery/flow", get(recovery::flow))
        .route("/recovery/purpose", post(recovery::purpose))
        .route("/recovery/method", post(recovery::method))
        .route("/recovery/code", post(recovery::code))
        .route("/recovery/answers", post(recovery::answers))
        .route("/recovery/resend", post(recovery::resend))
        .route("/recovery/password-rules", get(recovery::rules))
        .route("/recovery/password", post(recovery::password))
        .route("/recovery/freeze", post(recovery::freeze))
        .route("/dev/mailbox", get(account::dev_mailbox))
        .merge(security::routes())
        .merge(admin::routes())
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(reference::page))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn openapi_json() -> Response {
    (
        [(http::header::CONTENT_TYPE, "application/json")],
        document_json(),
    )
        .into_response()
}

/// Anything under [`PREFIX`] that isn't an endpoint (mounted by the server beside the
/// pages' server functions, whose own catch-all would answer otherwise).
pub async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    answer(state, parts, async { Err::<(), _>(AppError::NotFound) }).await
}

async fn method_not_allowed(State(state): State<AppState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    answer(state, parts, async {
        Ok(problem::response_with_status(
            &AppError::InvalidInput,
            http::StatusCode::METHOD_NOT_ALLOWED,
        ))
    })
    .await
}

/// Runs `work` as a server function runs — in a reactive owner holding the request, the
/// app state and fresh response options — and answers with its value, or with its error
/// as a problem document in the request's language. What the shared code writes into the
/// response options (a page's redirect, a browser's cookie) is not the API's and is
/// dropped.
pub(crate) async fn answer<T: IntoResponse>(
    state: AppState,
    parts: Parts,
    work: impl Future<Output = Result<T, AppError>> + Send,
) -> Response {
    let owner = Owner::new();
    let mut res = owner
        .with(|| {
            ScopedFuture::new(async move {
                provide_context(parts);
                provide_context(leptos_axum::ResponseOptions::default());
                provide_context(state);
                match work.await {
                    Ok(value) => value.into_response(),
                    Err(error) => problem::response(&error),
                }
            })
        })
        .await;
    // Tokens and flows: nothing here is for a cache.
    res.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    res
}

/// [`answer`] for a request with a JSON body: `work` gets the body as `B` (a body that
/// isn't one is `invalid_input`).
pub(crate) async fn with_json<B, T, Fut>(
    state: AppState,
    req: Request,
    work: impl FnOnce(B) -> Fut + Send,
) -> Response
where
    B: DeserializeOwned + Send,
    T: IntoResponse,
    Fut: Future<Output = Result<T, AppError>> + Send,
{
    let (parts, raw) = req.into_parts();
    answer(state, parts.clone(), async move {
        work(body(&parts, raw).await?).await
    })
    .await
}

/// [`answer`] for a request without a body.
pub(crate) async fn without_body<T: IntoResponse>(
    state: AppState,
    req: Request,
    work: impl Future<Output = Result<T, AppError>> + Send,
) -> Response {
    answer(state, req.into_parts().0, work).await
}

/// A request's JSON body as `T`: `InvalidInput` for another media type, a malformed body
/// or one with fields `T` doesn't have.
pub(crate) async fn body<T: DeserializeOwned>(parts: &Parts, body: Body) -> Result<T, AppError> {
    let json = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
    if !json {
        return Err(AppError::InvalidInput);
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| AppError::InvalidInput)?;
    serde_json::from_slice(&bytes).map_err(|_| AppError::InvalidInput)
}

/// The request as the shared code reads it.
pub(crate) fn request_meta() -> Result<(AppState, Parts), AppError> {
    let state = crate::server::app_state()?;
    let parts = crate::server::request::current_parts().ok_or(AppError::Internal)?;
    Ok((state, parts))
}

/// An answer without a body.
pub(crate) fn done() -> http::StatusCode {
    http::StatusCode::NO_CONTENT
}
