//! The console's audit area: filters, keyset pages, the CSV export, and that an
//! administrator sees their own organisation's events and nothing else.
use crate::db_tests;
use crate::support::{Db, TestApp, PASSWORD, START};
use app::api::admin::audit::activity::{activity_of, Activity};
use app::api::admin::audit::filter::FilterProblem;
use app::api::admin::audit::AuditPage;
use app::routes::{self, ids};
use app::server::store::{AuditEvent, Organisation, Role};
use axum::body::Body;
use http::{Request, StatusCode};
use std::collections::HashSet;

const FIELDS: [&str; 9] = [
    "from", "to", "user", "activity", "outcome", "ip", "tz", "before", "after",
];

/// The filter form's nine fields, empty unless given.
fn form<'a>(given: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    FIELDS
        .iter()
        .map(|f| {
            let v = given.iter().find(|(k, _)| k == f).map_or("", |(_, v)| *v);
            (*f, v)
        })
        .collect()
}

async fn page(t: &TestApp, cookie: &str, given: &[(&str, &str)]) -> AuditPage {
    let reply = t
        .call("admin/audit/events", &form(given), Some(cookie))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

fn ids_of(p: &AuditPage) -> Vec<i64> {
    p.entries.iter().map(|e| e.id).collect()
}

async fn other_org(t: &TestApp) -> Organisation {
    t.state
        .store
        .create_org("globex", "Globex", &["globex.test".to_owned()], START)
        .await
        .unwrap()
}

use crate::admin_insights::user_in;

fn event(
    org: i64,
    user: Option<i64>,
    at: i64,
    action: &str,
    outcome: &str,
    ip: &str,
    detail: &str,
) -> AuditEvent {
    AuditEvent {
        at,
        org_id: Some(org),
        actor: "user".into(),
        actor_user_id: user,
        subject_user_id: user,
        action: action.into(),
        outcome: outcome.into(),
        ip: ip.into(),
        user_agent: "test".into(),
        detail: detail.into(),
    }
}

/// Every action in use, a few times over, for two users of the org and one of another.
async fn seed(t: &TestApp, anna: i64, bob: i64, stranger_org: i64, stranger: i64) {
    let actions = [
        ("signin", "success", ""),
        ("signin", "failure", "wrong_password"),
        ("signin", "failure", "locked"),
        ("signout", "success", ""),
        ("password.change", "success", ""),
        ("method.add", "success", ""),
        ("recovery.start", "success", ""),
        ("recovery.purpose", "success", ""),
        ("recovery.method", "success", "email"),
        ("recovery.code_sent", "success", "email"),
        ("recovery.gate", "success", "email"),
        ("recovery.gate", "failure", "sms"),
        ("recovery.paused", "failure", ""),
        ("recovery.reset", "success", "email,authenticator"),
        ("recovery.unlock", "success", "email"),
        ("recovery.freeze", "success", ""),
        ("admin.policy.change", "success", "min_length:12->14"),
        ("user.disable", "success", ""),
        ("org.add", "success", ""),
        ("brand.new", "success", ""),
    ];
    for (i, (action, outcome, detail)) in actions.iter().enumerate() {
        let i = i64::try_from(i).unwrap();
        // A day apart, alternating users and networks.
        let at = START - 86_400 * (30 - i);
        let (user, ip) = if i % 2 == 0 {
            (anna, "10.0.0.5")
        } else {
            (bob, "192.168.1.9")
        };
        for (org, who) in [(t.org.id, user), (stranger_org, stranger)] {
            t.state
                .store
                .audit(&event(org, Some(who), at, action, outcome, ip, detail))
                .await
                .unwrap();
        }
    }
}

struct Fixture {
    t: TestApp,
    admin: String,
    anna: i64,
    stranger: i64,
    /// Every event of the organisation, as stored, newest first.
    all: Vec<app::server::store::audit::AuditRow>,
}

async fn fixture(db: Db) -> Fixture {
    let t = TestApp::new(db).await;
    let other = other_org(&t).await;
    t.user("admin@example.com", Role::GlobalAdmin, false).await;
    let anna = t.user("anna@example.com", Role::User, false).await;
    let bob = t.user("bob@example.com", Role::User, false).await;
    let stranger = user_in(&t, &other, "eve@globex.test", Role::User).await;
    seed(&t, anna, bob, other.id, stranger).await;
    let admin = t.sign_in("admin@example.com", PASSWORD).await;
    let all = t
        .state
        .store
        .audit_events(100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.org_id == Some(t.org.id))
        .collect();
    Fixture {
        t,
        admin,
        anna,
        stranger,
        all,
    }
}

async fn each_filter_picks_exactly_its_events(db: Db) {
    let f = fixture(db).await;
    let (t, admin) = (&f.t, f.admin.as_str());
    let everything = page(t, admin, &[]).await;
    assert_eq!(
        ids_of(&everything),
        f.all.iter().map(|r| r.id).collect::<Vec<_>>()
    );
    // The SQL of every activity agrees with the mapping, on events of every kind.
    for activity in Activity::ALL {
        let got = page(t, admin, &[("activity", activity.code())]).await;
        let want: Vec<i64> = f
            .all
            .iter()
            .filter(|r| activity_of(&r.action, &r.outcome, &r.detail) == activity)
            .map(|r| r.id)
            .collect();
        assert_eq!(ids_of(&got), want, "{activity:?}");
        assert!(got.entries.iter().all(|e| e.activity == activity));
    }
    let blocked = page(t, admin, &[("activity", "blocked")]).await;
    let actions: HashSet<&str> = blocked.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, HashSet::from(["signin", "recovery.paused"]));
    let gate_failed = page(t, admin, &[("activity", "gate_failed")]).await;
    assert_eq!(gate_failed.entries.len(), 1);
    assert!(!gate_failed.entries[0].success);

    let failures = page(t, admin, &[("outcome", "failure")]).await;
    let want: Vec<i64> = f
        .all
        .iter()
        .filter(|r| r.outcome == "failure")
        .map(|r| r.id)
        .collect();
    assert_eq!(ids_of(&failures), want);
    assert!(want.len() >= 4);

    let anna_email = page(t, admin, &[("user", " ANNA@example.com ")]).await;
    let anna_id = page(t, admin, &[("user", &f.anna.to_string())]).await;
    let want: Vec<i64> = f
        .all
        .iter()
        .filter(|r| r.subject_user_id == Some(f.anna))
        .map(|r| r.id)
        .collect();
    assert_eq!(ids_of(&anna_email), want);
    assert_eq!(ids_of(&anna_id), want);
    assert!(anna_email
        .entries
        .iter()
        .all(|e| e.subject_email.as_deref() == Some("anna@example.com")));
    let bob_only = page(
        t,
        admin,
        &[("user", "bob@example.com"), ("outcome", "success")],
    )
    .await;
    assert!(!bob_only.entries.is_empty());
    assert!(bob_only
        .entries
        .iter()
        .all(|e| e.success && e.subject_email.as_deref() == Some("bob@example.com")));

    let exact = page(t, admin, &[("ip", "10.0.0.5")]).await;
    let want: Vec<i64> = f
        .all
        .iter()
        .filter(|r| r.ip == "10.0.0.5")
        .map(|r| r.id)
        .collect();
    assert_eq!(ids_of(&exact), want);
    assert_eq!(ids_of(&page(t, admin, &[("ip", "10.0.*")]).await), want);
    assert!(page(t, admin, &[("ip", "10.0.0")]).await.entries.is_empty());

    // Dates are whole days in the chosen zone: START is 2027-01-15 08:00 UTC, and the
    // seeded events fall at that time of day, one a day for twenty days.
    let day = |offset_days: i64| {
        let d = (START - 86_400 * offset_days).div_euclid(86_400);
        let (y, m, dd) = civil(d);
        format!("{y:04}-{m:02}-{dd:02}")
    };
    let (from, to) = (day(30), day(26));
    let range = page(t, admin, &[("from", &from), ("to", &to)]).await;
    let want: Vec<i64> = f
        .all
        .iter()
        .filter(|r| r.at >= START - 86_400 * 30 && r.at <= START - 86_400 * 26)
        .map(|r| r.id)
        .collect();
    assert_eq!(ids_of(&range), want);
    assert_eq!(want.len(), 5);
    // Twelve hours east, 08:00 UTC is 20:00 the same day: still the same five days.
    assert_eq!(
        ids_of(&page(t, admin, &[("from", &from), ("to", &to), ("tz", "720")]).await),
        want
    );
    // Nine hours west, it is 23:00 the day before: the window moves by one event.
    let west = page(t, admin, &[("from", &from), ("to", &to), ("tz", "-540")]).await;
    let want: Vec<i64> = f
        .all
        .iter()
        .filter(|r| r.at >= START - 86_400 * 29 && r.at <= START - 86_400 * 25)
        .map(|r| r.id)
        .collect();
    assert_eq!(ids_of(&west), want);

    // Another organisation's user is unknown here, exactly like a user who doesn't exist.
    for stranger in [
        f.stranger.to_string(),
        "eve@globex.test".into(),
        "nobody@example.com".into(),
    ] {
        let p = page(t, admin, &[("user", &stranger)]).await;
        assert_eq!(p.problems, vec![FilterProblem::UnknownUser]);
        assert!(p.entries.is_empty());
    }
    let bad = page(
        t,
        admin,
        &[
            ("from", "2026-13-01"),
            ("activity", "everything"),
            ("outcome", "meh"),
            ("ip", "1.2.3.4 OR 1=1"),
            ("tz", "7"),
        ],
    )
    .await;
    assert_eq!(
        bad.problems,
        vec![
            FilterProblem::TimeZone,
            FilterProblem::From,
            FilterProblem::Activity,
            FilterProblem::Outcome,
            FilterProblem::Ip
        ]
    );
    // Without JavaScript, the page says so in words, and the form keeps what was typed.
    let html = t
        .get(
            "/admin/audit?user=someone%40example.com&outcome=meh",
            Some(admin),
        )
        .await
        .body;
    assert!(html.contains(ids::AUDIT_PROBLEMS), "{html}");
    assert!(html.contains("Choose an outcome from the list."));
    assert!(html.contains("value=\"someone@example.com\""));
}

fn civil(days: i64) -> (i64, i64, i64) {
    let s = app::domain::recovery::date_time_utc(days * 86_400);
    let d: Vec<i64> = s[..10].split('-').map(|p| p.parse().unwrap()).collect();
    (d[0], d[1], d[2])
}

async fn pages_walk_every_event_exactly_once(db: Db) {
    let t = TestApp::new(db).await;
    t.user("admin@example.com", Role::GlobalAdmin, false).await;
    let anna = t.user("anna@example.com", Role::User, false).await;
    for i in 0..123 {
        t.state
            .store
            .audit(&event(
                t.org.id,
                Some(anna),
                START + i,
                "signin",
                "success",
                "10.1.1.1",
                "",
            ))
            .await
            .unwrap();
    }
    let admin = t.sign_in("admin@example.com", PASSWORD).await;
    let filter = [("user", "anna@example.com")];
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut p = page(&t, &admin, &filter).await;
    assert_eq!(p.newer, None);
    loop {
        assert!(p.entries.len() <= 50);
        seen.extend(ids_of(&p));
        pages.push(ids_of(&p));
        let Some(older) = p.older else { break };
        let cursor = older.to_string();
        p = page(&t, &admin, &[filter[0], ("before", &cursor)]).await;
        assert!(p.newer.is_some());
    }
    assert_eq!(pages.len(), 3);
    assert_eq!(seen.len(), 123);
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
    // And back: the newer links give the same pages, in the same order within a page.
    let mut back = pages.len() - 1;
    while let Some(newer) = p.newer {
        let cursor = newer.to_string();
        p = page(&t, &admin, &[filter[0], ("after", &cursor)]).await;
        back -= 1;
        assert_eq!(ids_of(&p), pages[back]);
    }
    assert_eq!(back, 0);
    assert!(p.older.is_some());
}

async fn strangers_are_refused(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    let user = t.sign_in("anna@example.com", PASSWORD).await;
    // A regular user: "not allowed" on the page, 403 from the server function and the CSV.
    let reply = t.get(routes::ADMIN_AUDIT, Some(&user)).await;
    // The page itself, not a redirect away from it.
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let html = reply.body;
    assert!(html.contains(ids::NOT_ALLOWED), "{html}");
    assert!(!html.contains(ids::AUDIT_TABLE));
    let call = t.call("admin/audit/events", &form(&[]), Some(&user)).await;
    assert_eq!(call.status, StatusCode::FORBIDDEN);
    assert!(call.body.contains("forbidden"));
    assert_eq!(
        t.get(routes::ADMIN_AUDIT_CSV, Some(&user)).await.status,
        StatusCode::FORBIDDEN
    );
    // Nobody signed in.
    assert_eq!(
        t.get(routes::ADMIN_AUDIT_CSV, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        t.call("admin/audit/events", &form(&[]), None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // An administrator of another organisation sees only theirs, on the page and in the CSV.
    let other = t
        .state
        .store
        .find_org_by_slug("globex")
        .await
        .unwrap()
        .unwrap();
    user_in(t, &other, "boss@globex.test", Role::GlobalAdmin).await;
    let boss = t.sign_in("boss@globex.test", PASSWORD).await;
    let theirs = page(t, &boss, &[]).await;
    let ours: HashSet<i64> = f.all.iter().map(|r| r.id).collect();
    assert!(!theirs.entries.is_empty());
    assert!(theirs.entries.iter().all(|e| !ours.contains(&e.id)));
    assert!(theirs
        .entries
        .iter()
        .all(|e| e.subject_email.as_deref() != Some("anna@example.com")));
    let csv = t.get(routes::ADMIN_AUDIT_CSV, Some(&boss)).await.body;
    assert!(csv.contains("eve@globex.test"));
    assert!(!csv.contains("anna@example.com") && !csv.contains("admin@example.com"));
    // Naming our users or cursors from there reveals nothing.
    let p = page(t, &boss, &[("user", &f.anna.to_string())]).await;
    assert_eq!(p.problems, vec![FilterProblem::UnknownUser]);
    let newest_ours = f.all[0].id + 1;
    let p = page(t, &boss, &[("before", &newest_ours.to_string())]).await;
    assert!(p.entries.iter().all(|e| !ours.contains(&e.id)));
}

async fn csv_is_the_filtered_set_quoted_and_defused(db: Db) {
    let f = fixture(db).await;
    let t = &f.t;
    for detail in ["=HYPERLINK(\"http://evil\")", "+1", "-2", "@SUM(A1)", "a,b"] {
        t.state
            .store
            .audit(&event(
                t.org.id,
                Some(f.anna),
                START + 5,
                "recovery.gate",
                "failure",
                "10.0.0.5",
                detail,
            ))
            .await
            .unwrap();
    }
    let reply = t
        .get(
            &format!("{}?activity=gate_failed&tz=60", routes::ADMIN_AUDIT_CSV),
            Some(&f.admin),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"regain-audit-log.csv\"")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let lines: Vec<&str> = reply.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "Time,Actor,Account,Activity,Action code,Outcome,IP address,Detail code"
    );
    // The five above and the seeded one, newest first.
    assert_eq!(lines.len(), 1 + 6, "{}", reply.body);
    assert!(lines[1..]
        .iter()
        .all(|l| l.contains(",Recovery: check failed,recovery.gate,failure,")));
    assert!(
        lines[1].starts_with("2027-01-15T09:00:05+01:00,anna@example.com,anna@example.com,"),
        "{}",
        lines[1]
    );
    let body = &reply.body;
    assert!(
        body.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\"\r\n"),
        "{body}"
    );
    assert!(
        body.contains(",\"'+1\"\r\n")
            && body.contains(",\"'-2\"\r\n")
            && body.contains(",\"'@SUM(A1)\"\r\n")
    );
    assert!(body.contains(",\"a,b\"\r\n"));
    // The whole unfiltered set, and the export itself is in the log.
    let all = t.get(routes::ADMIN_AUDIT_CSV, Some(&f.admin)).await;
    let rows = all.body.split("\r\n").filter(|l| !l.is_empty()).count() - 1;
    // Plus both exports' own events (each is logged before its file streams).
    assert_eq!(rows, f.all.len() + 5 + 2);
    let exports = page(
        t,
        &f.admin,
        &[("activity", "admin_other"), ("user", "admin@example.com")],
    )
    .await;
    let details: Vec<&str> = exports
        .entries
        .iter()
        .filter(|e| e.action == "admin.audit.export")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(details, vec!["", "activity:gate_failed"]);
    // Bad filters: a translated message, no file.
    let bad = t
        .get(
            &format!("{}?outcome=meh", routes::ADMIN_AUDIT_CSV),
            Some(&f.admin),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Choose an outcome from the list."));
}

db_tests!(
    each_filter_picks_exactly_its_events,
    pages_walk_every_event_exactly_once,
    strangers_are_refused,
    csv_is_the_filtered_set_quoted_and_defused,
);

/// `cargo test -p server --test it audit_csv_export_100k --release -- --ignored --nocapture`:
/// exports 100,000 events through the router and reports the time and the growth of the
/// process's peak resident memory while the CSV streams.
async fn audit_csv_export_100k(db: Db) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    const EVENTS: usize = 100_000;
    let t = TestApp::new(db).await;
    t.user("admin@example.com", Role::GlobalAdmin, false).await;
    let anna = t.user("anna@example.com", Role::User, false).await;
    let started = std::time::Instant::now();
    let mut tx = t.state.store.write_tx().await.unwrap();
    const BATCH: usize = 500;
    for chunk in 0..EVENTS / BATCH {
        let mut sql = String::from(
            "INSERT INTO audit_events (at, org_id, actor, actor_user_id, subject_user_id, action, outcome, ip, user_agent, detail) VALUES ",
        );
        for i in 0..BATCH {
            let n = chunk * BATCH + i;
            let (action, outcome) = [
                ("signin", "success"),
                ("recovery.gate", "failure"),
                ("recovery.start", "success"),
                ("password.change", "success"),
            ][n % 4];
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({}, {}, 'user', {anna}, {anna}, '{action}', '{outcome}', '10.0.{}.{}', 'bench', 'email')",
                START - 100_000 + i64::try_from(n).unwrap(),
                t.org.id,
                n / 256 % 256,
                n % 256
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    println!(
        "{db:?}: inserted {EVENTS} events in {:?}",
        started.elapsed()
    );
    let admin = t.sign_in("admin@example.com", PASSWORD).await;

    let status = |key: &str| -> u64 {
        let s = std::fs::read_to_string("/proc/self/status").unwrap();
        s.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    // Writing 5 resets the peak (VmHWM) to the current size, so the peak read afterwards is
    // the export's.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before = status("VmRSS:");
    let hwm_before = status("VmHWM:");
    let started = std::time::Instant::now();
    let req = Request::get(routes::ADMIN_AUDIT_CSV)
        .header("cookie", &admin)
        .body(Body::empty())
        .unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.into_body();
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            bytes += data.len();
            lines += data.iter().filter(|b| **b == b'\n').count();
        }
    }
    let elapsed = started.elapsed();
    let hwm_after = status("VmHWM:");
    // Header, the events, the admin's own sign-in and this export.
    assert_eq!(lines, 1 + EVENTS + 2);
    println!(
        "{db:?}: exported {} rows ({:.1} MB) in {elapsed:?}; RSS before {} KiB, peak during export {} KiB \
         (growth {} KiB; peak reset: {reset}, peak before {} KiB)",
        lines - 1,
        bytes as f64 / 1e6,
        rss_before,
        hwm_after,
        hwm_after.saturating_sub(rss_before),
        hwm_before,
    );
}

mod bench {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "benchmark: run with --ignored --nocapture"]
    async fn audit_csv_export_100k_sqlite() {
        super::audit_csv_export_100k(crate::support::Db::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "benchmark: run with --ignored --nocapture"]
    async fn audit_csv_export_100k_postgres() {
        super::audit_csv_export_100k(crate::support::Db::Postgres).await
    }
}
