//! The store under concurrent writers, on both databases.
use crate::support::{Db, TestApp};
use app::server::store::methods::ContactKind;
use app::server::store::Role;

crate::db_tests!(concurrent_read_then_write_transactions_all_commit);

/// Transactions that read before they write, from many connections at once. On SQLite a
/// deferred transaction that read while another connection committed can't be upgraded to
/// a writer and fails at once with "database is locked"; every one here must commit.
async fn concurrent_read_then_write_transactions_all_commit(db: Db) {
    let app = TestApp::new(db).await;
    let mut users = Vec::new();
    for i in 0..16 {
        users.push(
            app.user(&format!("writer{i}@example.com"), Role::User, false)
                .await,
        );
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (i, user) in users.into_iter().enumerate() {
        for round in 0..4 {
            let store = app.state.store.clone();
            tasks.spawn(async move {
                let value = format!("alt{i}.{round}@example.net");
                store
                    .pending_method(user, ContactKind::Email, &value, 1_000 + round)
                    .await
            });
        }
    }
    let mut failures = Vec::new();
    let mut ok = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => failures.push(e.to_string()),
        }
    }
    assert!(failures.is_empty(), "failed transactions: {failures:?}");
    assert_eq!(ok, 64);
}
