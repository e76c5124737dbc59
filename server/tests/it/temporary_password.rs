//! The forced change of a temporary password at first sign-in.
use crate::db_tests;
use crate::support::{Db, TestApp, PASSWORD};
use app::server::store::Role;
use http::StatusCode;

db_tests!(
    first_signin_with_a_temporary_password_must_change_it,
    change_needs_the_temporary_password_and_a_valid_new_one,
    mailbox_lists_messages_only_in_dev_mode,
);

const NEW: &str = "my own long passphrase";

async fn first_signin_with_a_temporary_password_must_change_it(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("new@example.com", Role::User, true).await;
    let r = t
        .post_form(
            "auth/login",
            &[("user_id", "new@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(r.header("location"), Some("/change-password"));
    let cookie = r.session_cookie().unwrap();
    let elsewhere = t.sign_in("new@example.com", PASSWORD).await;
    // The account page sends them to the change first.
    let page = t.get("/account", Some(&cookie)).await;
    assert_eq!(page.header("location"), Some("/change-password"));

    let r = t
        .post_form(
            "account/temporary-password",
            &[("current", PASSWORD), ("new", NEW), ("confirm", NEW)],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.header("location"), Some("/account"));
    let user = t.state.store.find_user(id).await.unwrap().unwrap();
    assert!(!user.must_change_password);
    // This session stays, the other one is revoked.
    assert_eq!(
        t.call("account/me", &[], Some(&cookie)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.call("account/me", &[], Some(&elsewhere)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The old password is gone, the new one works.
    let old = t.login("new@example.com", PASSWORD).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    t.sign_in("new@example.com", NEW).await;
    // The user is told, in the same transaction as the change.
    let mail = t.state.store.recent_messages(10).await.unwrap();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].recipient, "new@example.com");
    assert!(mail[0].subject.contains("password was changed"));
    assert!(!mail[0].body.contains(NEW));
}

async fn change_needs_the_temporary_password_and_a_valid_new_one(db: Db) {
    let t = TestApp::new(db).await;
    t.user("new@example.com", Role::User, true).await;
    let cookie = t.sign_in("new@example.com", PASSWORD).await;
    let cases: [(&str, &str, &str, &str); 6] = [
        ("wrong temporary", NEW, NEW, "current_password_wrong"),
        (PASSWORD, "short", "short", r#""rule":"too_short""#),
        (
            PASSWORD,
            NEW,
            "something else entirely",
            r#""rule":"mismatch""#,
        ),
        (PASSWORD, PASSWORD, PASSWORD, "password_unchanged"),
        (PASSWORD, "", "", r#""rule":"required""#),
        (
            PASSWORD,
            "Password123!",
            "Password123!",
            r#""rule":"too_guessable""#,
        ),
    ];
    for (current, new, confirm, code) in cases {
        let r = t
            .call(
                "account/temporary-password",
                &[("current", current), ("new", new), ("confirm", confirm)],
                Some(&cookie),
            )
            .await;
        assert!(r.body.contains(code), "{code}: {}", r.body);
    }
    // Too short names the minimum of the organisation's policy.
    let r = t
        .call(
            "account/temporary-password",
            &[
                ("current", PASSWORD),
                ("new", "short"),
                ("confirm", "short"),
            ],
            Some(&cookie),
        )
        .await;
    assert!(r.body.contains("\"min\":12"), "{}", r.body);
    // Without a session nothing happens.
    let r = t
        .call(
            "account/temporary-password",
            &[("current", PASSWORD), ("new", NEW), ("confirm", NEW)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(t.state.store.recent_messages(10).await.unwrap().is_empty());
}

async fn mailbox_lists_messages_only_in_dev_mode(db: Db) {
    let prod = TestApp::new(db).await;
    assert_eq!(
        prod.get("/dev/mailbox", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        prod.call("dev/mailbox", &[], None).await.status,
        StatusCode::NOT_FOUND
    );

    let dev = TestApp::with_dev(db, true).await;
    dev.user("new@example.com", Role::User, true).await;
    let cookie = dev.sign_in("new@example.com", PASSWORD).await;
    dev.call(
        "account/temporary-password",
        &[("current", PASSWORD), ("new", NEW), ("confirm", NEW)],
        Some(&cookie),
    )
    .await;
    let page = dev.get("/dev/mailbox", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Your Regain password was changed"),
        "{}",
        page.body
    );
    assert!(page.body.contains("new@example.com"));
}
