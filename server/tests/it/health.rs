//! `/healthz` and `/readyz` through the router, on both databases: ready when the database
//! answers and has every migration; not ready, with the reason, when a migration is
//! missing or the database is gone, while the process still says it is alive.
use crate::support::{Db, TestApp};
use http::StatusCode;
use serde_json::{json, Value};

crate::db_tests!(
    ready_when_the_database_answers_and_is_migrated,
    not_ready_when_a_migration_is_missing,
    not_ready_when_the_database_is_gone,
);

async fn probe(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let reply = app.get(path, None).await;
    assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
    (reply.status, serde_json::from_str(&reply.body).unwrap())
}

async fn ready_when_the_database_answers_and_is_migrated(db: Db) {
    let app = TestApp::new(db).await;
    assert_eq!(
        probe(&app, "/healthz").await,
        (StatusCode::OK, json!({ "status": "ok" }))
    );
    assert_eq!(
        probe(&app, "/readyz").await,
        (
            StatusCode::OK,
            json!({ "status": "ready", "database": "ok", "migrations": "current" })
        )
    );
}

async fn not_ready_when_a_migration_is_missing(db: Db) {
    let app = TestApp::new(db).await;
    // As if this build were newer than the database: its last migration not applied.
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(app.state.store.pool())
    .await
    .unwrap();
    assert_eq!(
        probe(&app, "/readyz").await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "not_ready", "database": "ok", "migrations": "behind" })
        )
    );
    assert_eq!(probe(&app, "/healthz").await.0, StatusCode::OK);
}

async fn not_ready_when_the_database_is_gone(db: Db) {
    let app = TestApp::new(db).await;
    app.state.store.pool().close().await;
    assert_eq!(
        probe(&app, "/readyz").await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "not_ready", "database": "unreachable", "migrations": "unknown" })
        )
    );
    assert_eq!(probe(&app, "/healthz").await.0, StatusCode::OK);
}
