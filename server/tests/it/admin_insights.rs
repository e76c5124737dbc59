//! The console's insights area: the counts come from the right events of the right
//! organisation only, the page draws them as accessible SVG with tables, and nobody but
//! the organisation's administrators sees them.
use crate::db_tests;
use crate::support::{Db, TestApp, PASSWORD, START};
use app::api::admin::insights::InsightsView;
use app::server::store::methods::ContactKind;
use app::server::store::{AuditEvent, Organisation, Role};
use http::StatusCode;

db_tests!(
    counts_the_organisations_events_only,
    the_period_limits_the_events_counted,
    the_page_draws_accessible_charts_with_tables,
    only_the_organisations_administrators_see_insights,
    an_unlock_counts_the_check_that_ended_it,
);

const DAY: i64 = 86_400;

/// A user of `org` with [`PASSWORD`].
pub async fn user_in(t: &TestApp, org: &Organisation, email: &str, role: Role) -> i64 {
    t.user_of(org.id, email, role, false).await
}

pub async fn other_org(t: &TestApp) -> Organisation {
    t.state
        .store
        .create_org("other", "Other Org", &["other.example".to_owned()], START)
        .await
        .unwrap()
}

async fn event(
    t: &TestApp,
    org: i64,
    user: i64,
    at: i64,
    action: &str,
    outcome: &str,
    detail: &str,
) {
    t.state
        .store
        .audit(&AuditEvent {
            at,
            org_id: Some(org),
            actor: "anonymous".into(),
            subject_user_id: Some(user),
            action: action.into(),
            outcome: outcome.into(),
            ip: "192.0.2.1".into(),
            detail: detail.into(),
            ..AuditEvent::default()
        })
        .await
        .unwrap();
}

/// One full reset by `user` of `org` at `at`, with a failed and a passed email check.
async fn reset_flow(t: &TestApp, org: i64, user: i64, at: i64) {
    event(t, org, user, at, "recovery.start", "success", "").await;
    event(t, org, user, at + 1, "recovery.purpose", "success", "reset").await;
    event(t, org, user, at + 2, "recovery.gate", "failure", "email").await;
    event(t, org, user, at + 3, "recovery.gate", "success", "email").await;
    event(t, org, user, at + 4, "recovery.reset", "success", "email").await;
}

async fn insights(t: &TestApp, cookie: &str, days: &str) -> InsightsView {
    let r = t
        .call("admin/insights", &[("days", days)], Some(cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn counts_the_organisations_events_only(db: Db) {
    let t = TestApp::new(db).await;
    let org = t.org.id;
    t.user("admin@example.com", Role::GlobalAdmin, false).await;
    let anna = t.user("anna@example.com", Role::User, false).await;
    let bob = t.user("bob@example.com", Role::User, false).await;
    t.state
        .store
        .add_demo_method(anna, ContactKind::Email, "anna.home@example.net", START)
        .await
        .unwrap();
    reset_flow(&t, org, anna, START - 2 * DAY).await;
    // Bob: an unlock finished by a second gate that only the unlock lists, then blocked.
    event(&t, org, bob, START, "recovery.start", "success", "").await;
    event(
        &t,
        org,
        bob,
        START + 1,
        "recovery.purpose",
        "success",
        "unlock",
    )
    .await;
    event(&t, org, bob, START + 2, "recovery.gate", "success", "sms").await;
    event(
        &t,
        org,
        bob,
        START + 3,
        "recovery.unlock",
        "success",
        "sms,authenticator",
    )
    .await;
    event(&t, org, bob, START + 4, "recovery.paused", "failure", "0").await;
    event(&t, org, bob, START + 5, "signin", "failure", "locked").await;
    event(
        &t,
        org,
        bob,
        START + 6,
        "signin",
        "failure",
        "wrong_password",
    )
    .await;
    // Another organisation's busy week must not show.
    let other = other_org(&t).await;
    let stranger = user_in(&t, &other, "eve@other.example", Role::User).await;
    for d in 0..5 {
        reset_flow(&t, other.id, stranger, START - d * DAY).await;
        event(
            &t,
            other.id,
            stranger,
            START,
            "recovery.paused",
            "failure",
            "0",
        )
        .await;
    }

    let cookie = t.sign_in("admin@example.com", PASSWORD).await;
    let v = insights(&t, &cookie, "7").await;
    assert_eq!(v.days, 7);
    assert_eq!(v.activity.len(), 7);
    let today = v.activity.last().unwrap();
    assert_eq!(today.day, app::domain::recovery::date_time_utc(START)[..10]);
    assert_eq!(
        (today.resets, today.unlocks, today.paused, today.locked),
        (0, 1, 1, 1)
    );
    assert_eq!(v.activity[4].resets, 1, "two days ago");
    assert_eq!(v.activity.iter().map(|d| d.resets).sum::<u32>(), 1);
    assert_eq!(v.activity.iter().map(|d| d.blocked()).sum::<u32>(), 2);
    assert_eq!(v.funnel.steps(), [2, 2, 2, 1, 2]);
    let method = |k| v.methods.iter().find(|m| m.kind == k).unwrap().clone();
    use app::domain::policy::MethodKind;
    assert_eq!(
        (
            method(MethodKind::Email).passed,
            method(MethodKind::Email).failed
        ),
        (1, 1)
    );
    assert_eq!(method(MethodKind::Sms).passed, 1);
    // Anna can recover with one method; Bob has none, the administrator needs two.
    assert_eq!(v.registered, 1);
    let mut names: Vec<&str> = v.not_registered.iter().map(|p| p.email.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["admin@example.com", "bob@example.com"]);
    // The other organisation's administrator sees only theirs.
    user_in(&t, &other, "boss@other.example", Role::GlobalAdmin).await;
    let theirs = t.sign_in("boss@other.example", PASSWORD).await;
    let w = insights(&t, &theirs, "7").await;
    assert_eq!(w.activity.iter().map(|d| d.resets).sum::<u32>(), 5);
    assert_eq!(w.funnel.started, 5);
    assert!(w
        .not_registered
        .iter()
        .all(|p| p.email.ends_with("@other.example")));
}

async fn the_period_limits_the_events_counted(db: Db) {
    let t = TestApp::new(db).await;
    t.user("admin@example.com", Role::GlobalAdmin, false).await;
    let anna = t.user("anna@example.com", Role::User, false).await;
    reset_flow(&t, t.org.id, anna, START - 20 * DAY).await;
    reset_flow(&t, t.org.id, anna, START - 60 * DAY).await;
    let cookie = t.sign_in("admin@example.com", PASSWORD).await;
    let resets = |v: &InsightsView| v.activity.iter().map(|d| d.resets).sum::<u32>();
    let week = insights(&t, &cookie, "7").await;
    assert_eq!((week.activity.len(), resets(&week)), (7, 0));
    let month = insights(&t, &cookie, "30").await;
    assert_eq!((month.activity.len(), resets(&month)), (30, 1));
    let quarter = insights(&t, &cookie, "90").await;
    assert_eq!((quarter.activity.len(), resets(&quarter)), (90, 2));
    assert_eq!(quarter.funnel.done, 2);
    // A period not offered is the default one.
    let odd = insights(&t, &cookie, "1000").await;
    assert_eq!(odd.days, 30);
}

async fn the_page_draws_accessible_charts_with_tables(db: Db) {
    let t = TestApp::new(db).await;
    t.user("admin@example.com", Role::GlobalAdmin, false).await;
    let anna = t.user("anna@example.com", Role::User, false).await;
    reset_flow(&t, t.org.id, anna, START).await;
    let other = other_org(&t).await;
    user_in(&t, &other, "eve@other.example", Role::User).await;
    let cookie = t.sign_in("admin@example.com", PASSWORD).await;
    let page = t.get("/admin?days=7", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    for id in [
        "insights-activity",
        "insights-funnel",
        "insights-methods",
        "insights-blocked",
        "insights-registration",
    ] {
        assert!(body.contains(&format!("id=\"{id}\"")), "{id} missing");
    }
    assert_eq!(body.matches("role=\"img\"").count(), 5, "five charts");
    assert!(body.contains("aria-labelledby=\"chart-activity-title chart-activity-desc\""));
    assert!(body.contains("<title id=\"chart-funnel-title\">Recovery steps</title>"));
    assert!(body.contains("Of 1 recoveries started, 1 finished."));
    assert!(body.matches("<table").count() >= 5, "a table per chart");
    // Not registered: both accounts of this organisation, none of the other.
    assert!(body.contains("anna@example.com") && body.contains("admin@example.com"));
    assert!(!body.contains("eve@other.example"));
    // In Italian, the same page speaks Italian.
    let req = http::Request::get("/admin?days=7")
        .header("accept", "text/html")
        .header("cookie", format!("{cookie}; i18n_pref_locale=it"));
    let it = t.send(req.body(axum::body::Body::empty()).unwrap()).await;
    assert!(it.body.contains("Passaggi del recupero"), "{}", it.body);
}

async fn only_the_organisations_administrators_see_insights(db: Db) {
    let t = TestApp::new(db).await;
    t.user("anna@example.com", Role::User, false).await;
    let cookie = t.sign_in("anna@example.com", PASSWORD).await;
    let r = t
        .call("admin/insights", &[("days", "7")], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Not a redirect to the sign-in page: the console says "not allowed".
    let page = t.get("/admin", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(page.header("location"), None);
    assert!(page.body.contains("id=\"not-allowed\""));
    assert!(!page.body.contains("role=\"img\""));
    let r = t.call("admin/insights", &[("days", "7")], None).await;
    assert_ne!(r.status, StatusCode::OK);
}

/// An unlock ends on its last gate: that pass must count in the method statistics and
/// the funnel like a reset's does (it used to be left out of the log).
async fn an_unlock_counts_the_check_that_ended_it(db: Db) {
    let t = TestApp::new(db).await;
    t.user("admin@example.com", Role::GlobalAdmin, false).await;
    let anna = t.user("anna@example.com", Role::User, false).await;
    let home = "anna.home@example.net";
    t.state
        .store
        .add_demo_method(anna, ContactKind::Email, home, START)
        .await
        .unwrap();
    let started = t
        .call("recovery/start", &[("user_id", "anna@example.com")], None)
        .await;
    let flow = started.recovery_cookie().expect("a recovery cookie");
    for (path, form) in [
        ("recovery/purpose", vec![("purpose", "unlock")]),
        ("recovery/method", vec![("option", "0"), ("typed", home)]),
    ] {
        let r = t.call(path, &form, Some(&flow)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    let mail = t.state.store.recent_messages(10).await.unwrap();
    let body = &mail.iter().find(|m| m.recipient == home).unwrap().body;
    let digits: Vec<char> = body.chars().collect();
    let code: String = digits
        .windows(8)
        .find(|w| w.iter().all(char::is_ascii_digit))
        .unwrap()
        .iter()
        .collect();
    let proved = t
        .call("recovery/prove", &[("code", &code)], Some(&flow))
        .await;
    assert_eq!(proved.status, StatusCode::OK, "{}", proved.body);

    let cookie = t.sign_in("admin@example.com", PASSWORD).await;
    let v = insights(&t, &cookie, "7").await;
    assert_eq!(v.activity.iter().map(|d| d.unlocks).sum::<u32>(), 1);
    let email = v
        .methods
        .iter()
        .find(|m| m.kind == app::domain::policy::MethodKind::Email)
        .unwrap();
    assert_eq!((email.passed, email.failed), (1, 0));
    assert_eq!(v.funnel.steps(), [1, 1, 1, 0, 1]);
}
