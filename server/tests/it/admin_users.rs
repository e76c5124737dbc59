//! The console's users area: the list shows method types and never their values, search
//! and pages work on the server, and disabling or enabling an account signs it out,
//! tells its owner and is audited, only within the administrator's own organisation.
use crate::admin_insights::{other_org, user_in};
use crate::db_tests;
use crate::support::{Db, TestApp, PASSWORD, START};
use app::api::admin::users::UsersView;
use app::domain::policy::MethodKind;
use app::server::store::methods::ContactKind;
use app::server::store::{AuditEvent, Role, UserStatus};
use http::StatusCode;

db_tests!(
    the_list_shows_method_types_never_values,
    search_filters_and_pages_on_the_server,
    disabling_signs_out_notifies_and_audits_and_enabling_restores,
    nobody_disables_themselves_or_another_organisations_user,
    regular_users_are_refused_everywhere,
);

const ADMIN: &str = "admin@example.com";
const ANNA: &str = "anna@example.com";
const ANNA_ALT: &str = "anna.home@example.net";
const ANNA_PHONE: &str = "+393331234567";

async fn list(t: &TestApp, cookie: &str, form: &[(&str, &str)]) -> UsersView {
    let r = t.call("admin/users/list", form, Some(cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn admin_and_anna(t: &TestApp) -> (i64, i64, String) {
    let admin = t.user(ADMIN, Role::GlobalAdmin, false).await;
    let anna = t.user(ANNA, Role::User, false).await;
    let cookie = t.sign_in(ADMIN, PASSWORD).await;
    (admin, anna, cookie)
}

async fn the_list_shows_method_types_never_values(db: Db) {
    let t = TestApp::new(db).await;
    let (_, anna, cookie) = admin_and_anna(&t).await;
    for (kind, value) in [
        (ContactKind::Email, ANNA_ALT),
        (ContactKind::Sms, ANNA_PHONE),
    ] {
        t.state
            .store
            .add_demo_method(anna, kind, value, START)
            .await
            .unwrap();
    }
    t.sign_in(ANNA, PASSWORD).await;
    t.state
        .store
        .audit(&AuditEvent {
            at: START + 60,
            org_id: Some(t.org.id),
            actor: "anonymous".into(),
            subject_user_id: Some(anna),
            action: "recovery.unlock".into(),
            outcome: "success".into(),
            detail: "email".into(),
            ..AuditEvent::default()
        })
        .await
        .unwrap();
    let other = other_org(&t).await;
    user_in(&t, &other, "eve@other.example", Role::User).await;

    let v = list(&t, &cookie, &[]).await;
    assert_eq!(v.total, 2);
    let row = v.rows.iter().find(|r| r.email == ANNA).unwrap();
    assert_eq!(row.methods, vec![MethodKind::Email, MethodKind::Sms]);
    assert!(row.can_recover && row.active && !row.admin && !row.is_self);
    assert_eq!(row.last_signin.as_deref(), Some("2027-01-15 08:00"));
    assert_eq!(row.last_recovery.as_deref(), Some("2027-01-15 08:01"));
    let me = v.rows.iter().find(|r| r.email == ADMIN).unwrap();
    assert!(me.is_self && me.admin && !me.can_recover && me.methods.is_empty());

    let page = t.get("/admin/users", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains(ANNA) && body.contains("Alternate email, Mobile phone"));
    for secret in [ANNA_ALT, "anna.home", ANNA_PHONE, "3331234567"] {
        assert!(!body.contains(secret), "{secret} shown");
    }
    assert!(!body.contains("eve@other.example"));
    assert!(body.contains("Disable Test anna@example.com"));
    // No control that sets, resets or reveals a password, code or answer.
    assert!(!body.contains("type=\"password\""));
}

async fn search_filters_and_pages_on_the_server(db: Db) {
    let t = TestApp::new(db).await;
    let (_, _, cookie) = admin_and_anna(&t).await;
    for i in 0..30 {
        t.user(&format!("user{i}@example.com"), Role::User, false)
            .await;
    }
    let emails = |v: &UsersView| v.rows.iter().map(|r| r.email.clone()).collect::<Vec<_>>();
    let all = list(&t, &cookie, &[("page", "1")]).await;
    assert_eq!((all.total, all.pages, all.rows.len()), (32, 2, 25));
    let second = list(&t, &cookie, &[("page", "2")]).await;
    assert_eq!((second.page, second.rows.len()), (2, 7));
    assert!(emails(&second).iter().all(|e| !emails(&all).contains(e)));
    // A page past the end is the last one.
    assert_eq!(list(&t, &cookie, &[("page", "9")]).await.page, 2);
    let ones = list(&t, &cookie, &[("q", "USER1")]).await;
    assert_eq!(ones.total, 11, "user1 and user10..user19");
    // By display name too; LIKE's wildcards are literal.
    assert_eq!(list(&t, &cookie, &[("q", "Test anna")]).await.total, 1);
    assert_eq!(list(&t, &cookie, &[("q", "%")]).await.total, 0);
    assert_eq!(list(&t, &cookie, &[("q", "_")]).await.total, 0);
    let admins = list(&t, &cookie, &[("role", "global_admin")]).await;
    assert_eq!(emails(&admins), [ADMIN]);
    let none = list(&t, &cookie, &[("status", "disabled")]).await;
    assert_eq!(none.total, 0);
    let r = t
        .call("admin/users/list", &[("role", "root")], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let long = "x".repeat(201);
    let r = t
        .call("admin/users/list", &[("q", &long)], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The page runs the same search from its query string.
    let page = t
        .get("/admin/users?q=user2&role=&status=active", Some(&cookie))
        .await;
    assert!(page.body.contains("user2@example.com") && !page.body.contains(ANNA));
}

async fn disabling_signs_out_notifies_and_audits_and_enabling_restores(db: Db) {
    let t = TestApp::new(db).await;
    let (admin, anna, cookie) = admin_and_anna(&t).await;
    let anna_session = t.sign_in(ANNA, PASSWORD).await;
    let id = anna.to_string();
    // Without JavaScript: a plain form post, answered with the list and its notice.
    let r = t
        .post_form("admin/users/disable", &[("user", &id)], Some(&cookie))
        .await;
    assert_eq!(
        r.header("location"),
        Some("/admin/users?done=disabled&q=anna%40example.com"),
        "{}",
        r.body
    );
    let user = t.state.store.find_user(anna).await.unwrap().unwrap();
    assert_eq!(user.status, UserStatus::Disabled);
    assert_eq!(t.state.store.live_sessions(anna).await.unwrap(), 0);
    let me = t.call("account/me", &[], Some(&anna_session)).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        t.login(ANNA, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let mail = t.state.store.recent_messages(1).await.unwrap();
    assert_eq!(mail[0].recipient, ANNA);
    assert_eq!(mail[0].subject, "Your Regain account was disabled");
    assert!(mail[0]
        .body
        .contains("disabled your account anna@example.com"));
    let events = t.state.store.audit_events(10).await.unwrap();
    let e = events
        .iter()
        .find(|e| e.action == "admin.user.disable")
        .unwrap();
    assert_eq!(
        (
            e.org_id,
            e.actor.as_str(),
            e.actor_user_id,
            e.subject_user_id
        ),
        (Some(t.org.id), "admin", Some(admin), Some(anna))
    );
    let page = t
        .get(
            "/admin/users?done=disabled&q=anna%40example.com",
            Some(&cookie),
        )
        .await;
    assert!(page.body.contains("users-notice") && page.body.contains("Enable Test anna"));
    // Disabling again changes nothing and tells nobody twice.
    let r = t
        .call("admin/users/disable", &[("user", &id)], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(t.state.store.recent_messages(10).await.unwrap().len(), 1);

    let r = t
        .call("admin/users/enable", &[("user", &id)], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let user = t.state.store.find_user(anna).await.unwrap().unwrap();
    assert_eq!(user.status, UserStatus::Active);
    let mail = t.state.store.recent_messages(1).await.unwrap();
    assert_eq!(mail[0].subject, "Your Regain account was enabled again");
    let events = t.state.store.audit_events(10).await.unwrap();
    assert!(events
        .iter()
        .any(|e| e.action == "admin.user.enable" && e.subject_user_id == Some(anna)));
    t.sign_in(ANNA, PASSWORD).await;
}

async fn nobody_disables_themselves_or_another_organisations_user(db: Db) {
    let t = TestApp::new(db).await;
    let (admin, anna, cookie) = admin_and_anna(&t).await;
    let r = t
        .call(
            "admin/users/disable",
            &[("user", &admin.to_string())],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Without JavaScript, back to the list with the error.
    let r = t
        .post_form(
            "admin/users/disable",
            &[("user", &admin.to_string())],
            Some(&cookie),
        )
        .await;
    assert!(
        r.header("location").unwrap().starts_with("/admin/users?"),
        "{:?}",
        r.headers
    );
    let other = other_org(&t).await;
    let eve = user_in(&t, &other, "eve@other.example", Role::User).await;
    user_in(&t, &other, "boss@other.example", Role::GlobalAdmin).await;
    let boss = t.sign_in("boss@other.example", PASSWORD).await;
    for (who, target) in [(&cookie, eve), (&boss, anna), (&boss, admin)] {
        for endpoint in ["admin/users/disable", "admin/users/enable"] {
            let r = t
                .call(endpoint, &[("user", &target.to_string())], Some(who))
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{endpoint} {target}");
        }
    }
    let r = t
        .call("admin/users/disable", &[("user", "999999")], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for id in [admin, anna, eve] {
        let u = t.state.store.find_user(id).await.unwrap().unwrap();
        assert_eq!(u.status, UserStatus::Active);
    }
    assert!(t.state.store.recent_messages(10).await.unwrap().is_empty());
    // The other organisation's administrator lists only their own people.
    let theirs = list(&t, &boss, &[]).await;
    assert!(theirs
        .rows
        .iter()
        .all(|r| r.email.ends_with("@other.example")));
    assert_eq!(theirs.total, 2);
}

async fn regular_users_are_refused_everywhere(db: Db) {
    let t = TestApp::new(db).await;
    let (admin, _, _) = admin_and_anna(&t).await;
    let anna = t.sign_in(ANNA, PASSWORD).await;
    let target = admin.to_string();
    for (endpoint, form) in [
        ("admin/users/list", vec![]),
        ("admin/users/disable", vec![("user", target.as_str())]),
        ("admin/users/enable", vec![("user", target.as_str())]),
    ] {
        let r = t.call(endpoint, &form, Some(&anna)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{endpoint}");
        let r = t.call(endpoint, &form, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{endpoint}");
    }
    let page = t.get("/admin/users", Some(&anna)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(page.header("location"), None);
    assert!(page.body.contains("id=\"not-allowed\"") && !page.body.contains(ADMIN));
    let u = t.state.store.find_user(admin).await.unwrap().unwrap();
    assert_eq!(u.status, UserStatus::Active);
}
