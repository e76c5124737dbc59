//! `/metrics`: Prometheus text for the operator. Answered to a scraper on this machine
//! (a loopback peer that no proxy forwarded) or to one that sends the configured
//! `metrics_token` as its bearer token; everyone else gets the "not found" anybody gets
//! for a path that doesn't exist. Counts per route, the recovery funnel and sign-ins
//! (through `app::server::counters`), delivery failures and shed hashes; the outbox's
//! backlog and the hashing queue are read when scraped.
use app::server::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;
use subtle::ConstantTimeEq;

pub const METRICS: &str = "/metrics";

/// Latency buckets (seconds): the recovery steps' deadlines (60–500 ms) fall between them.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's exporter, installed by the first router built (the recorder is global).
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let installed = PrometheusBuilder::new()
                .set_buckets(LATENCY_BUCKETS)
                .and_then(PrometheusBuilder::install_recorder);
            match installed {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics are off");
                    None
                }
            }
        })
        .as_ref()
}

/// Installs the exporter if it isn't yet.
pub fn install() {
    let _ = handle();
}

/// Counts a request and its latency by method, matched route and status. Only routes
/// are labels (never the raw path), so the series stay bounded.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::histogram!(
        "regain_http_request_duration_seconds",
        "method" => method.clone(),
        "route" => route.clone(),
    )
    .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        "regain_http_requests_total",
        "method" => method,
        "route" => route,
        "status" => status,
    )
    .increment(1);
    res
}

/// Whether this request may read the metrics.
fn allowed(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> bool {
    if let Some(token) = &state.settings.metrics_token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(sent) = sent {
            return bool::from(sent.as_bytes().ct_eq(token.expose().as_bytes()));
        }
    }
    // A proxy on this machine makes every visitor a loopback peer: what it forwarded
    // is the public's, and needs the token.
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h));
    peer.is_some_and(|p| p.ip().is_loopback()) && !forwarded
}

pub async fn metrics(State(state): State<AppState>, req: Request) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if !allowed(&state, req.headers(), peer) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(handle) = handle() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    match state.store.outbox_backlog().await {
        Ok((waiting, oldest)) => {
            metrics::gauge!("regain_outbox_waiting").set(waiting as f64);
            let age = oldest.map_or(0, |at| (state.now() - at).max(0));
            metrics::gauge!("regain_outbox_oldest_age_seconds").set(age as f64);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: outbox backlog not read"),
    }
    metrics::gauge!("regain_hash_waiting").set(state.hasher.waiting() as f64);
    handle.run_upkeep();
    (
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        handle.render(),
    )
        .into_response()
}
