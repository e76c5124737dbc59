//! The one router, used by `regain serve` and by the integration tests (through
//! `tower::ServiceExt::oneshot`, no socket).
use crate::guard::{self, GuardConfig};
use app::server::AppState;
use app::{shell, App};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{
    generate_route_list, handle_server_fns_with_context, AxumRouteListing, LeptosRoutes,
};
use std::sync::Arc;

/// Forms here are a few fields; anything larger is refused before it is read.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The body limit of a request to `path`: [`MAX_BODY_BYTES`], except for the one form
/// that carries a list, the console's import of banned terms.
pub fn body_limit(path: &str) -> usize {
    if path == app::api::admin::terms::import_path() {
        app::api::admin::terms::MAX_IMPORT_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// Applies [`body_limit`]: a larger declared length is refused before anything is read,
/// and a body of undeclared length is read no further than the limit.
async fn limit_body(req: Request<Body>, next: axum::middleware::Next) -> axum::response::Response {
    let limit = body_limit(req.uri().path());
    let too_large = || {
        (
            http::StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large",
        )
            .into_response()
    };
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => too_large(),
    }
}

/// The application's routes, found once per process. Leptos finds them by rendering the
/// app with resource loading switched off by a process-wide flag; a page rendering on
/// another thread meanwhile (another server built in the same process, as the tests do)
/// would see the flag and wait forever for its data (leptos-rs/leptos#4773).
pub fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    crate::metrics::install();
    let routes = route_list();
    let mut guard_cfg = GuardConfig::from_public_url(&state.settings.public_url);
    guard_cfg.reload_port = state
        .settings
        .dev
        .then_some(state.leptos_options.reload_port);
    let guard_cfg = Arc::new(guard_cfg);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            app::server::request::provide_page_nonce();
        }
    };
    let options = state.leptos_options.clone();
    Router::new()
        .nest(app::api::v1::PREFIX, app::api::v1::routes())
        .route(
            &format!("{}/{{*rest}}", app::api::v1::PREFIX),
            axum::routing::any(app::api::v1::not_found),
        )
        .route("/api/{*fn_name}", post(server_fn))
        .route(crate::health::HEALTHZ, get(crate::health::healthz))
        .route(crate::health::READYZ, get(crate::health::readyz))
        .route(crate::metrics::METRICS, get(crate::metrics::metrics))
        .route(
            app::routes::SECURITY_CODES_TXT,
            get(app::server::security_info::recovery_codes_download),
        )
        .route(
            app::routes::ADMIN_AUDIT_CSV,
            get(app::server::admin::audit::audit_csv),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        // Per route, so the route is known; the site's files (the fallback) aren't counted.
        .route_layer(axum::middleware::from_fn(crate::metrics::track))
        .fallback_service(static_files(&state, context))
        .layer(axum::middleware::from_fn_with_state(
            guard_cfg.clone(),
            guard::same_origin,
        ))
        .layer(axum::middleware::from_fn(server_fn_status))
        .layer(axum::middleware::from_fn(guard::strict_forms))
        .layer(axum::middleware::from_fn(limit_body))
        .layer(axum::middleware::from_fn(guard::chinese_is_simplified))
        .layer(axum::middleware::from_fn_with_state(
            guard_cfg,
            guard::security_headers,
        ))
        .with_state(state)
}

/// The wasm, script and stylesheet from the site root (Brotli or gzip when the browser
/// takes them), and for anything else Leptos' handler, which renders the "not found" page.
/// The files are not left to that handler: it takes its response options from whatever
/// reactive owner is current on the worker thread, and a finished render may have left
/// one there, so after a "not allowed" page the next file served on that thread went out
/// with the page's 403 and the browser refused the wasm.
fn static_files(
    state: &AppState,
    context: impl Fn() + Clone + Send + Sync + 'static,
) -> tower_http::services::fs::ServeDir<
    impl tower::Service<
            Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
            Future = impl Send,
        > + Clone,
> {
    let not_found = leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell);
    tower_http::services::ServeDir::new(&*state.leptos_options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        .call_fallback_on_method_not_allowed(true)
        .fallback(axum::handler::Handler::with_state(not_found, state.clone()))
}

async fn server_fn(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), req).await
}

/// Applies [`with_error_status`] to every server-function answer.
async fn server_fn_status(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    let api = is_server_fn(req.uri().path());
    let res = next.run(req).await;
    if api {
        with_error_status(res).await
    } else {
        res
    }
}

/// Whether `path` is a server function's (the pages' API), not the JSON API's.
pub fn is_server_fn(path: &str) -> bool {
    path.starts_with("/api/") && !path.starts_with(&format!("{}/", app::api::v1::PREFIX))
}

/// An error raised before the function body runs (a field that doesn't parse, a missing
/// one) leaves Leptos' default status, 500. The body is our [`app::error::AppError`] even
/// then: answer with its own status, so bad input reads as a 400, not as our failure.
async fn with_error_status(res: axum::response::Response) -> axum::response::Response {
    if res.status() != http::StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return (http::StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        if let Ok(status) = http::StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
    }
    axum::response::Response::from_parts(parts, Body::from(bytes))
}
