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
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;

/// Forms here are a few fields; anything larger is refused before it is read.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
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
        .route("/api/{*fn_name}", post(server_fn))
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
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(axum::middleware::from_fn_with_state(
            guard_cfg.clone(),
            guard::same_origin,
        ))
        .layer(axum::middleware::from_fn(guard::strict_forms))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(guard::chinese_is_simplified))
        .layer(axum::middleware::from_fn_with_state(
            guard_cfg,
            guard::security_headers,
        ))
        .with_state(state)
}

async fn server_fn(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), req).await
}
