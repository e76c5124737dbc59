//! Probes for the load balancer and the orchestrator: `/healthz` says the process serves
//! (it touches nothing else), `/readyz` that this instance can do its work: the database
//! answers within a second and has every migration this build knows of. Neither tells
//! anything about accounts.
use app::server::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::time::Duration;

pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";

/// How long `/readyz` waits for the database before it says it isn't ready.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

pub async fn healthz() -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({ "status": "ok" })),
    )
        .into_response()
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    let readiness = tokio::time::timeout(READY_TIMEOUT, state.store.readiness()).await;
    let (database, migrations) = match readiness {
        Err(_) => ("timeout", "unknown"),
        Ok(r) if !r.database => ("unreachable", "unknown"),
        Ok(r) if !r.migrations_current => ("ok", "behind"),
        Ok(_) => ("ok", "current"),
    };
    let ready = database == "ok" && migrations == "current";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({
            "status": if ready { "ready" } else { "not_ready" },
            "database": database,
            "migrations": migrations,
        })),
    )
        .into_response()
}
