//! Sign-in, lockout, sessions and sign-out, on both databases.
use crate::db_tests;
use crate::support::{Db, TestApp, PASSWORD};
use app::server::store::{Role, UserStatus};
use http::StatusCode;

db_tests!(
    signin_success_creates_a_session_and_shows_the_account,
    four_failure_cases_get_the_same_answer,
    no_javascript_failure_redirects_back_with_the_error_only,
    lockout_after_ten_failures_and_its_expiry,
    the_same_wrong_password_counts_once,
    successful_signin_clears_the_failure_count,
    concurrent_failures_are_all_counted,
    signout_revokes_the_session,
    sessions_expire_when_idle,
    malformed_input_gets_a_clear_error,
    rehash_when_parameters_change,
    account_page_redirects_strangers_to_sign_in,
);

async fn signin_success_creates_a_session_and_shows_the_account(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("anna@example.com", Role::User, false).await;
    // The canonical form finds the account whatever the case and width typed.
    let reply = t.login(" ANNA@Example.com ", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply.session_cookie().unwrap();
    let set_cookie = reply.header("set-cookie").unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
    assert_eq!(t.state.store.live_sessions(id).await.unwrap(), 1);
    // The token itself is not what the database keeps.
    let token = cookie.split_once('=').unwrap().1;
    let stored: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_all(t.state.store.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);

    let page = t.get("/account", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("anna@example.com"), "{}", page.body);
    assert!(page.body.contains("Acme Test"));
    let events = t.state.store.audit_events(10).await.unwrap();
    assert!(events
        .iter()
        .any(|e| e.action == "signin" && e.outcome == "success" && e.subject_user_id == Some(id)));
}

async fn four_failure_cases_get_the_same_answer(db: Db) {
    let t = TestApp::new(db).await;
    t.user("wrong@example.com", Role::User, false).await;
    let disabled = t.user("disabled@example.com", Role::User, false).await;
    t.state
        .store
        .set_user_status(disabled, UserStatus::Disabled, t.clock_now())
        .await
        .unwrap();
    let locked = t.user("locked@example.com", Role::User, false).await;
    for i in 0..10 {
        t.login("locked@example.com", &format!("bad {i}")).await;
    }
    let user = t.state.store.find_user(locked).await.unwrap().unwrap();
    assert!(user.lockout.is_locked(t.clock_now()));

    let cases = [
        ("nobody@example.com", PASSWORD),
        ("wrong@example.com", "not the password"),
        ("disabled@example.com", PASSWORD),
        ("locked@example.com", PASSWORD),
    ];
    let mut answers = Vec::new();
    for (user_id, password) in cases {
        let r = t.login(user_id, password).await;
        assert!(r.session_cookie().is_none());
        answers.push((
            r.status,
            r.body.clone(),
            r.header("content-type").map(str::to_owned),
        ));
    }
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "answers differ: {answers:#?}"
    );
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    assert!(answers[0].1.contains("invalid_credentials"));
}

async fn no_javascript_failure_redirects_back_with_the_error_only(db: Db) {
    let t = TestApp::new(db).await;
    t.user("anna@example.com", Role::User, false).await;
    let secret = "my-secret-wrong-password";
    let r = t
        .post_form(
            "auth/login",
            &[("user_id", "anna@example.com"), ("password", secret)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let location = r.header("location").unwrap();
    assert!(
        location.contains("/login") && location.contains("__err="),
        "{location}"
    );
    assert!(!location.contains(secret) && !location.contains("anna"));
    // The page it redirects to renders the translated message without JavaScript.
    let path = location.trim_start_matches("http://127.0.0.1:3000");
    let page = t.get(path, None).await;
    assert!(
        page.body.contains("Your user ID or password is incorrect"),
        "{}",
        page.body
    );

    // A browser that sends no Referer is still sent back to the form with the error.
    let req = http::Request::post("/api/auth/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .body(axum::body::Body::from(
            "user_id=anna%40example.com&password=wrong",
        ))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::FOUND);
    let location = r.header("location").unwrap();
    assert!(
        location.starts_with("/login?__path=%2Fapi%2Fauth%2Flogin&__err="),
        "{location}"
    );
    let ok = t
        .post_form(
            "auth/login",
            &[("user_id", "anna@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::FOUND);
    // No recovery method registered yet: "more information required" comes first.
    assert_eq!(ok.header("location"), Some("/account/security/required"));
    assert!(ok.session_cookie().is_some());
}

async fn lockout_after_ten_failures_and_its_expiry(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("anna@example.com", Role::User, false).await;
    for i in 0..9 {
        t.login("anna@example.com", &format!("wrong {i}")).await;
    }
    // Nine failures: the right password still works... but that would clear the count,
    // so check the state instead and fail once more.
    let user = t.state.store.find_user(id).await.unwrap().unwrap();
    assert_eq!(user.lockout.failures, 9);
    assert!(!user.lockout.is_locked(t.clock_now()));
    t.login("anna@example.com", "wrong 9").await;
    let locked = t.login("anna@example.com", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::UNAUTHORIZED,
        "the right password is refused while locked"
    );
    t.clock.advance(59);
    let still = t.login("anna@example.com", PASSWORD).await;
    assert_eq!(still.status, StatusCode::UNAUTHORIZED);
    t.clock.advance(1);
    t.sign_in("anna@example.com", PASSWORD).await;
    let user = t.state.store.find_user(id).await.unwrap().unwrap();
    assert_eq!(
        user.lockout,
        Default::default(),
        "success clears the lockout"
    );
    let events = t.state.store.audit_events(50).await.unwrap();
    assert!(events.iter().any(|e| e.detail == "locked"));
}

async fn the_same_wrong_password_counts_once(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("anna@example.com", Role::User, false).await;
    for _ in 0..15 {
        t.login("anna@example.com", "old password 2025").await;
    }
    let user = t.state.store.find_user(id).await.unwrap().unwrap();
    assert_eq!(user.lockout.failures, 1);
    t.sign_in("anna@example.com", PASSWORD).await;
}

async fn successful_signin_clears_the_failure_count(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("anna@example.com", Role::User, false).await;
    for i in 0..5 {
        t.login("anna@example.com", &format!("bad {i}")).await;
    }
    t.sign_in("anna@example.com", PASSWORD).await;
    assert_eq!(t.failures(id).await, 0);
}

async fn concurrent_failures_are_all_counted(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("anna@example.com", Role::User, false).await;
    let t = std::sync::Arc::new(t);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let t = t.clone();
            tokio::spawn(async move {
                t.login("anna@example.com", &format!("parallel {i}"))
                    .await
                    .status
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(t.failures(id).await, 8);
}

async fn signout_revokes_the_session(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("anna@example.com", Role::User, false).await;
    let cookie = t.sign_in("anna@example.com", PASSWORD).await;
    let other = t.sign_in("anna@example.com", PASSWORD).await;
    assert_eq!(t.state.store.live_sessions(id).await.unwrap(), 2);
    let r = t.post_form("auth/logout", &[], Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.header("location"), Some("/login"));
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    // The old cookie no longer works, even if the browser kept it; the other one does.
    let me = t.call("account/me", &[], Some(&cookie)).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert!(me.body.contains("not_signed_in"));
    assert_eq!(
        t.call("account/me", &[], Some(&other)).await.status,
        StatusCode::OK
    );
    assert_eq!(t.state.store.live_sessions(id).await.unwrap(), 1);
}

async fn sessions_expire_when_idle(db: Db) {
    let t = TestApp::new(db).await;
    t.user("anna@example.com", Role::User, false).await;
    let cookie = t.sign_in("anna@example.com", PASSWORD).await;
    t.clock.advance(59 * 60);
    assert_eq!(
        t.call("account/me", &[], Some(&cookie)).await.status,
        StatusCode::OK
    );
    t.clock.advance(59 * 60);
    assert_eq!(
        t.call("account/me", &[], Some(&cookie)).await.status,
        StatusCode::OK,
        "use keeps it alive"
    );
    t.clock.advance(61 * 60);
    assert_eq!(
        t.call("account/me", &[], Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn malformed_input_gets_a_clear_error(db: Db) {
    let t = TestApp::new(db).await;
    let r = t.login("not an email", "x").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("user_id_invalid"));
    let r = t.login("anna@example.com", "").await;
    assert!(r.body.contains("password_required"));
    let r = t
        .call("auth/login", &[("user_id", "anna@example.com")], None)
        .await;
    assert!(r.body.contains("invalid_input"), "{}", r.body);
    // Far too long: refused before hashing, same answer as any wrong password.
    let long = "x".repeat(5000);
    let r = t.login("anna@example.com", &long).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A body over the limit never reaches the server function.
    let huge = "y".repeat(64 * 1024);
    let r = t.login("anna@example.com", &huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn rehash_when_parameters_change(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("anna@example.com", Role::User, false).await;
    let before = t
        .state
        .store
        .find_user(id)
        .await
        .unwrap()
        .unwrap()
        .password_hash
        .unwrap();
    let mut state = t.state.clone();
    state.hasher = app::server::hashing::PasswordHasher::new(
        app::server::hashing::HashCost {
            memory_kib: 128,
            iterations: 1,
            parallelism: 1,
        },
        1,
    )
    .unwrap();
    let t2 = TestApp {
        router: server::router(state),
        ..t
    };
    t2.sign_in("anna@example.com", PASSWORD).await;
    let after = t2
        .state
        .store
        .find_user(id)
        .await
        .unwrap()
        .unwrap()
        .password_hash
        .unwrap();
    assert!(before.contains("m=64,"));
    assert!(after.contains("m=128,"), "{after}");
    t2.sign_in("anna@example.com", PASSWORD).await;
}

async fn account_page_redirects_strangers_to_sign_in(db: Db) {
    let t = TestApp::new(db).await;
    let page = t.get("/account", None).await;
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
    assert_eq!(page.header("location"), Some("/login"));
    let page = t.get("/account", Some("regain_session=forged")).await;
    assert_eq!(page.header("location"), Some("/login"));
}

impl TestApp {
    pub fn clock_now(&self) -> i64 {
        use app::server::clock::Clock;
        self.clock.now()
    }
}
