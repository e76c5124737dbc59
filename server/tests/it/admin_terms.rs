//! The console's terms area: a term added by the administrator refuses passwords and each
//! refusal is counted for it; imports are all or nothing; only the organisation's
//! administrator sees or changes its list.
use crate::admin_policy::other_admin;
use crate::db_tests;
use crate::support::{Db, Reply, TestApp, PASSWORD, START};
use app::domain::password::MAX_CUSTOM_TERMS;
use app::server::store::Role;
use http::StatusCode;

db_tests!(
    a_term_refuses_passwords_and_its_refusals_are_counted,
    imports_are_all_or_nothing_and_may_be_larger_than_other_forms,
    removing_a_term_is_audited_and_lets_the_password_through,
    nobody_but_the_organisations_administrator_sees_or_changes_the_list,
);

const ADMIN: &str = "boss@example.com";
const USER: &str = "anna@example.com";
const TERM: &str = "Quokkafen";
/// Strong on its own; three points once "quokkafen" is a banned term.
const GUESSABLE: &str = "qu0kkafen-quokkafen";

fn json(reply: &Reply) -> serde_json::Value {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|_| panic!("not JSON: {} {}", reply.status, reply.body))
}

async fn admin(t: &TestApp) -> String {
    t.user(ADMIN, Role::GlobalAdmin, false).await;
    t.sign_in(ADMIN, PASSWORD).await
}

async fn change(t: &TestApp, cookie: &str, new: &str) -> Reply {
    t.call(
        "account/password",
        &[("current", PASSWORD), ("new", new), ("confirm", new)],
        Some(cookie),
    )
    .await
}

async fn list(t: &TestApp, cookie: &str) -> serde_json::Value {
    let r = t.call("admin/terms/list", &[], Some(cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    json(&r)
}

async fn events(t: &TestApp, action: &str) -> Vec<app::server::store::audit::AuditRow> {
    let all = t.state.store.audit_events(100).await.unwrap();
    all.into_iter().filter(|e| e.action == action).collect()
}

/// `n` distinct 16-letter terms (letters only: digits would read as letters when
/// screened, and many would become the same term).
fn letters(n: usize) -> String {
    (0..n)
        .map(|i| {
            let mut word = String::from("term");
            let mut x = i;
            for _ in 0..12 {
                word.push(char::from(b'a' + (x % 26) as u8));
                x /= 26;
            }
            word
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn a_term_refuses_passwords_and_its_refusals_are_counted(db: Db) {
    let t = TestApp::new(db).await;
    let boss = admin(&t).await;
    t.user(USER, Role::User, false).await;
    let anna = t.sign_in(USER, PASSWORD).await;

    let r = t
        .post_form("admin/terms/add", &[("term", TERM)], Some(&boss))
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.header("location"), Some("/admin/terms?done=added"));
    let added = events(&t, "admin.terms.add").await;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].org_id, Some(t.org.id));
    assert!(added[0].detail.contains(TERM), "{}", added[0].detail);

    let r = change(&t, &anna, GUESSABLE).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("organisation"), "{}", r.body);
    // Twice, minutes apart: counted twice, last at the second.
    t.clock.advance(300);
    let r = change(&t, &anna, "QUOKKAFEN quokkafen").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // A password refused for another reason only isn't counted.
    let r = change(&t, &anna, "short").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let v = list(&t, &boss).await;
    assert_eq!(v["terms"].as_array().unwrap().len(), 1);
    let term = &v["terms"][0];
    assert_eq!(term["term"], TERM);
    assert_eq!(term["rejections"], 2);
    assert_eq!(term["last_rejected"], START + 300);
    // The password is nowhere in what was stored about it.
    let events = t.state.store.audit_events(100).await.unwrap();
    assert!(events
        .iter()
        .all(|e| !e.detail.to_lowercase().contains("qu0kkafen-")));

    // Counts cover the last 30 days.
    t.clock.advance(31 * 86_400);
    let boss = t.sign_in(ADMIN, PASSWORD).await;
    let v = list(&t, &boss).await;
    assert_eq!(v["terms"][0]["rejections"], 0);
    assert_eq!(v["terms"][0]["last_rejected"], serde_json::Value::Null);

    // A spelling of a listed term adds nothing; a bad term is refused by name.
    let r = t
        .call("admin/terms/add", &[("term", "qu0kk@fen")], Some(&boss))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(list(&t, &boss).await["terms"].as_array().unwrap().len(), 1);
    let r = t
        .call("admin/terms/add", &[("term", "abc")], Some(&boss))
        .await;
    assert_eq!(json(&r)["code"], "term_invalid");
    assert_eq!(json(&r)["line"], 0);
}

async fn imports_are_all_or_nothing_and_may_be_larger_than_other_forms(db: Db) {
    let t = TestApp::new(db).await;
    let boss = admin(&t).await;
    let r = t
        .call(
            "admin/terms/import",
            &[("content", "Contoso\nFabrikam\nab\nNorthwind\n")],
            Some(&boss),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(json(&r)["code"], "term_invalid");
    assert_eq!(json(&r)["line"], 3);
    // More than the limit: refused before anything is stored.
    let too_many = letters(MAX_CUSTOM_TERMS + 1);
    let r = t
        .call("admin/terms/import", &[("content", &too_many)], Some(&boss))
        .await;
    assert_eq!(json(&r)["code"], "too_many_terms", "{}", r.body);
    assert_eq!(list(&t, &boss).await["terms"].as_array().unwrap().len(), 0);
    assert!(events(&t, "admin.terms.import").await.is_empty());

    // Exactly the limit, a body larger than any other form may have.
    let full = letters(MAX_CUSTOM_TERMS);
    assert!(
        crate::support::form_encode(&[("content", &full)]).len() > server::router::MAX_BODY_BYTES
    );
    let r = t
        .post_form("admin/terms/import", &[("content", &full)], Some(&boss))
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.header("location"), Some("/admin/terms?done=imported"));
    assert_eq!(
        list(&t, &boss).await["terms"].as_array().unwrap().len(),
        MAX_CUSTOM_TERMS
    );
    let imported = events(&t, "admin.terms.import").await;
    assert_eq!(imported.len(), 1);
    assert!(imported[0].detail.contains("termaaaaaaaaaaaa"));
    // The list is full: one more is refused, and so is a list with one new term.
    let r = t
        .call("admin/terms/add", &[("term", "Northwind")], Some(&boss))
        .await;
    assert_eq!(json(&r)["code"], "too_many_terms", "{}", r.body);
    let r = t
        .call(
            "admin/terms/import",
            &[("content", "Northwind\ntermaaaaaaaaaaaa")],
            Some(&boss),
        )
        .await;
    assert_eq!(json(&r)["code"], "too_many_terms", "{}", r.body);
    assert_eq!(
        list(&t, &boss).await["terms"].as_array().unwrap().len(),
        MAX_CUSTOM_TERMS
    );
    // Only the import may be that large.
    let r = t
        .call("admin/terms/add", &[("term", &full)], Some(&boss))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn removing_a_term_is_audited_and_lets_the_password_through(db: Db) {
    let t = TestApp::new(db).await;
    let boss = admin(&t).await;
    t.user(USER, Role::User, false).await;
    let anna = t.sign_in(USER, PASSWORD).await;
    let r = t
        .call(
            "admin/terms/import",
            &[("content", "Quokkafen\nContoso")],
            Some(&boss),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        change(&t, &anna, GUESSABLE).await.status,
        StatusCode::BAD_REQUEST
    );
    let r = t
        .post_form("admin/terms/remove", &[("key", "quokkafen")], Some(&boss))
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.header("location"), Some("/admin/terms?done=removed"));
    let v = list(&t, &boss).await;
    assert_eq!(v["terms"].as_array().unwrap().len(), 1);
    assert_eq!(v["terms"][0]["term"], "Contoso");
    let removed = events(&t, "admin.terms.remove").await;
    assert_eq!(removed.len(), 1);
    assert!(removed[0].detail.contains(TERM), "{}", removed[0].detail);
    let r = change(&t, &anna, GUESSABLE).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Removing what isn't listed says so and records nothing.
    let r = t
        .call("admin/terms/remove", &[("key", "quokkafen")], Some(&boss))
        .await;
    assert_eq!(json(&r)["code"], "not_found");
    assert_eq!(events(&t, "admin.terms.remove").await.len(), 1);
}

async fn nobody_but_the_organisations_administrator_sees_or_changes_the_list(db: Db) {
    let t = TestApp::new(db).await;
    let boss = admin(&t).await;
    let r = t
        .call("admin/terms/add", &[("term", TERM)], Some(&boss))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    t.user(USER, Role::User, false).await;
    let anna = t.sign_in(USER, PASSWORD).await;
    let calls: [(&str, &[(&str, &str)]); 4] = [
        ("admin/terms/list", &[]),
        ("admin/terms/add", &[("term", "Northwind")]),
        ("admin/terms/remove", &[("key", "quokkafen")]),
        ("admin/terms/import", &[("content", "Northwind")]),
    ];
    for (endpoint, form) in calls {
        let r = t.call(endpoint, form, Some(&anna)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{endpoint}: {}", r.body);
        assert!(!r.body.contains(TERM));
        assert_eq!(
            t.call(endpoint, form, None).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let page = t.get("/admin/terms", Some(&anna)).await;
    assert!(page.body.contains("id=\"not-allowed\""));
    assert!(!page.body.contains(TERM));

    // Another organisation's administrator: their own (empty) list; ours is out of reach.
    let (other_org, other) = other_admin(&t).await;
    let theirs = list(&t, &other).await;
    assert_eq!(theirs["terms"].as_array().unwrap().len(), 0, "{theirs}");
    let r = t
        .call("admin/terms/remove", &[("key", "quokkafen")], Some(&other))
        .await;
    assert_eq!(json(&r)["code"], "not_found");
    let r = t
        .call("admin/terms/add", &[("term", "Northwind")], Some(&other))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(t.state.store.banned_terms(t.org.id).await.unwrap(), [TERM]);
    assert_eq!(
        t.state.store.banned_terms(other_org).await.unwrap(),
        ["Northwind"]
    );
    let page = t.get("/admin/terms", Some(&other)).await;
    assert!(!page.body.contains(TERM));
    assert!(page.body.contains("Northwind"));
}
