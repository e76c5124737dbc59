//! The store under concurrent writers, on both databases.
use crate::support::{Db, TestApp};
use app::server::store::methods::ContactKind;
use app::server::store::{AuditEvent, Role, Store};

crate::db_tests!(
    concurrent_read_then_write_transactions_all_commit,
    the_first_organisation_follows_changes_from_any_instance
);

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

fn policy_event(org_id: i64) -> AuditEvent {
    AuditEvent {
        at: 1_000,
        org_id: Some(org_id),
        actor: "admin".into(),
        actor_user_id: None,
        subject_user_id: None,
        action: "policy_changed".into(),
        outcome: "success".into(),
        ip: "127.0.0.1".into(),
        user_agent: "test".into(),
        detail: String::new(),
    }
}

/// `first_org` (every anonymous page's header) is answered from memory for a moment: a
/// change made through the same store shows at once, one made through another instance on
/// the same database within a second and a bit.
async fn the_first_organisation_follows_changes_from_any_instance(db: Db) {
    let app = TestApp::new(db).await;
    let store = &app.state.store;
    let first = store
        .first_org()
        .await
        .unwrap()
        .expect("the test organisation");
    assert_eq!(first.id, app.org.id);

    let mut policy = first.policy.clone();
    policy.password_min_length = first.policy.password_min_length + 2;
    store
        .set_policy(first.id, &policy, &policy_event(first.id))
        .await
        .unwrap();
    let seen = store.first_org().await.unwrap().unwrap();
    assert_eq!(seen.policy.password_min_length, policy.password_min_length);

    let other = Store::connect(&app.database_url).await.unwrap();
    assert_eq!(other.first_org().await.unwrap().unwrap(), seen);
    policy.password_min_length += 2;
    other
        .set_policy(first.id, &policy, &policy_event(first.id))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let later = store.first_org().await.unwrap().unwrap();
    assert_eq!(later.policy.password_min_length, policy.password_min_length);
    assert_eq!(later.name, first.name);
}
