//! The sweeper on both databases, with the clock moved: what a sign-in and a recovery
//! leave behind stays while it can still matter, goes once it has been dead for the
//! retention, is deleted once when two instances sweep at the same time, and the rows
//! that must outlive everything (a decoy's failure count, a message not yet sent, the
//! audit log) stay.
use crate::api_v1::{api, no_content, sign_in, start, Auth};
use crate::support::{Db, TestApp, PASSWORD};
use app::server::delivery::dev_mailbox::DevMailbox;
use app::server::delivery::{Transports, Worker};
use app::server::store::sweep::{Retention, Swept, SWEPT_TABLES};
use app::server::store::Role;
use app::server::sweeper::{SweepSettings, Sweeper};
use http::StatusCode;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

crate::db_tests!(
    a_sweep_deletes_only_what_ended_longer_ago_than_the_retention,
    two_instances_sweeping_at_once_delete_each_row_once,
);

const ALT: &str = "anna.private@example.net";
const DAY: i64 = 86_400;

fn sweeper(app: &TestApp) -> Sweeper {
    Sweeper::new(
        app.state.store.clone(),
        app.clock.clone(),
        SweepSettings {
            sessions: app.state.settings.sessions,
            ..SweepSettings::default()
        },
    )
}

async fn sizes(app: &TestApp) -> BTreeMap<&'static str, i64> {
    app.state
        .store
        .swept_table_sizes()
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_events")
        .fetch_one(app.state.store.pool())
        .await
        .unwrap()
}

/// What a day of use leaves: a session signed in through the API, a recovery that mailed
/// a code (flow, code, counters, the message, delivered to the development mailbox), a
/// second message still waiting, and a decoy's failure count.
async fn leave_traces(app: &TestApp) {
    app.user_with_alternate("anna@example.com", Role::User, ALT)
        .await;
    let signed_in = sign_in(app, "anna@example.com", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);

    let token = start(app, "anna@example.com").await;
    no_content(
        &api(
            app,
            "POST",
            "/recovery/purpose",
            Some(json!({ "purpose": "reset" })),
            Auth::Flow(&token),
        )
        .await,
    );
    no_content(
        &api(
            app,
            "POST",
            "/recovery/method",
            Some(json!({ "option": 0, "typed": ALT })),
            Auth::Flow(&token),
        )
        .await,
    );
    assert!(app.code_sent_to(ALT).await.is_some());
    let transports = Transports {
        email: Some(Arc::new(DevMailbox)),
        sms: Some(Arc::new(DevMailbox)),
    };
    Worker::new(
        app.state.store.clone(),
        app.clock.clone(),
        transports,
        Default::default(),
    )
    .run_once()
    .await
    .unwrap();
    // A message that no transport has taken yet: it must wait, however old.
    app.clock.advance(60);
    no_content(&api(app, "POST", "/recovery/resend", None, Auth::Flow(&token)).await);
    // As `decoy::decoy_failure_counted` counts an unknown identifier's wrong proof.
    app.state
        .store
        .hit("decoy-failures:sweep-test", 0)
        .await
        .unwrap();
}

async fn a_sweep_deletes_only_what_ended_longer_ago_than_the_retention(db: Db) {
    let app = TestApp::new(db).await;
    leave_traces(&app).await;
    let before = sizes(&app).await;
    for table in [
        "sessions",
        "recovery_flows",
        "verification_codes",
        "rate_limits",
        "outbox",
    ] {
        assert!(before[table] > 0, "{table}: {before:?}");
    }
    let audit = audit_rows(&app).await;
    let sweeper = sweeper(&app);

    // Live, then dead but within the retention: nothing goes.
    assert_eq!(sweeper.sweep().await.unwrap(), Swept::default());
    app.clock.advance(DAY);
    assert_eq!(sweeper.sweep().await.unwrap(), Swept::default());
    assert_eq!(sizes(&app).await, before);

    // Past the retention: the session, the flow, its codes, the closed counters and the
    // delivered message go; the waiting message, the decoy's count and the log stay.
    app.clock.advance(Retention::default().seconds + 1);
    let swept = sweeper.sweep().await.unwrap();
    let after = sizes(&app).await;
    assert!(swept.sessions >= 1, "{swept:?}");
    assert!(swept.recovery_flows >= 1, "{swept:?}");
    assert!(swept.verification_codes >= 1, "{swept:?}");
    assert!(swept.rate_limits >= 1, "{swept:?}");
    assert_eq!(swept.outbox, 1, "{swept:?}");
    for table in SWEPT_TABLES {
        let deleted = before[table] - after[table];
        assert!(deleted >= 0, "{table}: {before:?} → {after:?}");
    }
    assert_eq!(
        u64::try_from(
            SWEPT_TABLES
                .iter()
                .map(|t| before[t] - after[t])
                .sum::<i64>()
        )
        .unwrap(),
        swept.total()
    );
    for table in ["sessions", "recovery_flows", "verification_codes"] {
        assert_eq!(after[table], 0, "{table}: {after:?}");
    }
    assert_eq!(after["outbox"], 1, "the message not yet sent stays");
    assert_eq!(
        app.state
            .store
            .hits("decoy-failures:sweep-test", 0)
            .await
            .unwrap(),
        1
    );
    let left: Vec<(String, i64)> = sqlx::query_as("SELECT bucket, window_start FROM rate_limits")
        .fetch_all(app.state.store.pool())
        .await
        .unwrap();
    assert_eq!(
        after["rate_limits"], 1,
        "only the decoy's count is left: {left:?}"
    );
    assert_eq!(audit_rows(&app).await, audit);
    // Nothing is left to sweep.
    assert_eq!(sweeper.sweep().await.unwrap(), Swept::default());
}

async fn two_instances_sweeping_at_once_delete_each_row_once(db: Db) {
    let app = TestApp::new(db).await;
    leave_traces(&app).await;
    let other = app.second_instance().await;
    let before = sizes(&app).await;
    app.clock.advance(DAY + Retention::default().seconds);
    let (one, two) = (sweeper(&app), sweeper(&other));
    let (a, b) = tokio::join!(one.sweep(), two.sweep());
    let (a, b) = (a.unwrap(), b.unwrap());
    let after = sizes(&app).await;
    let deleted: i64 = SWEPT_TABLES.iter().map(|t| before[t] - after[t]).sum();
    assert_eq!(a.total() + b.total(), u64::try_from(deleted).unwrap());
    assert_eq!(after["recovery_flows"], 0);
    assert_eq!(after["outbox"], 1);
}
