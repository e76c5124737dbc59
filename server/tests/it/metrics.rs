//! `/metrics` through the router: refused (as "not found") without the token or from a
//! proxied loopback peer, and with the token the Prometheus text that counts the routes
//! and the recovery funnel (told apart from decoys for the operator only) and reads the
//! outbox's backlog. The recorder is the process's, shared by every test: counts are
//! compared before and after.
use crate::api_v1::start;
use crate::support::{Db, TestApp};
use app::domain::secret::SecretString;
use app::server::state::Settings;
use app::server::store::Role;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Request, StatusCode};
use std::net::SocketAddr;
use std::sync::Arc;

crate::db_tests!(the_operator_reads_the_funnel_and_nobody_else_does);

const TOKEN: &str = "a-metrics-token-for-tests";

fn with_token(app: &TestApp) -> axum::Router {
    let state = app::server::AppState {
        settings: Arc::new(Settings {
            metrics_token: Some(SecretString::new(TOKEN)),
            ..(*app.state.settings).clone()
        }),
        ..app.state.clone()
    };
    server::router(state)
}

async fn scrape(
    router: &axum::Router,
    headers: &[(&str, &str)],
    peer: Option<&str>,
) -> (StatusCode, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut req = Request::get("/metrics");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::empty()).unwrap();
    if let Some(peer) = peer {
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    }
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The value of the first series of `name` whose labels include every one of `labels`.
fn value(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(" ").next()?.parse::<f64>().ok())
        .sum()
}

async fn the_operator_reads_the_funnel_and_nobody_else_does(db: Db) {
    let app = TestApp::new(db).await;
    let router = with_token(&app);
    let bearer = format!("Bearer {TOKEN}");

    for (headers, peer) in [
        (vec![], None),
        (
            vec![("authorization", "Bearer not-the-token-at-all")],
            Some("127.0.0.1:5000"),
        ),
        (vec![], Some("192.0.2.7:5000")),
        (
            vec![("x-forwarded-for", "192.0.2.7")],
            Some("127.0.0.1:5000"),
        ),
        (vec![("forwarded", "for=192.0.2.7")], Some("[::1]:5000")),
    ] {
        let (status, body) = scrape(&router, &headers, peer).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{headers:?} {peer:?}: {body}"
        );
        assert!(!body.contains("regain_"), "{body}");
    }
    let (status, _) = scrape(&router, &[], Some("127.0.0.1:5000")).await;
    assert_eq!(status, StatusCode::OK, "a loopback scraper needs no token");

    let (status, before) = scrape(&router, &[("authorization", &bearer)], None).await;
    assert_eq!(status, StatusCode::OK);
    let starts = |text: &str, decoy: &str| {
        value(
            text,
            "regain_events_total",
            &["action=\"recovery.start\"", &format!("decoy=\"{decoy}\"")],
        )
    };
    let route = "route=\"/api/v1/recovery/start\"";

    app.user_with_alternate("anna@example.com", Role::User, "anna.private@example.net")
        .await;
    for user in ["anna@example.com", "nobody@example.com"] {
        start(&app, user).await;
    }
    let (_, after) = scrape(&router, &[("authorization", &bearer)], None).await;
    // Other tests in this process may start flows too: at least ours are counted.
    assert!(
        starts(&after, "false") >= starts(&before, "false") + 1.0,
        "{after}"
    );
    assert!(
        starts(&after, "true") >= starts(&before, "true") + 1.0,
        "{after}"
    );
    assert!(
        value(
            &after,
            "regain_http_requests_total",
            &[route, "status=\"201\""]
        ) >= value(
            &before,
            "regain_http_requests_total",
            &[route, "status=\"201\""]
        ) + 2.0,
        "{after}"
    );
    assert!(
        after.contains("regain_http_request_duration_seconds_bucket"),
        "{after}"
    );
    assert!(after.contains("regain_outbox_waiting "), "{after}");
    assert!(after.contains("regain_hash_waiting "), "{after}");
}
