//! Recovery reveals nothing, checked step by step: every kind of identifier (a real
//! account, a locked one, a disabled one, one without methods, an unknown one) and every
//! kind of input (the registered address typed, or another) walks the same steps and gets
//! the same answers — status, redirect, body — at no earlier than the step's deadline,
//! and leaves the same marks in the limit counters. Any branch that answers or counts for
//! the truth only (a limit taken after the match, a cooldown kept for real codes only)
//! makes the walks differ.
use crate::support::{Db, TestApp, START};
use app::server::recovery::limits::{Step, StepDeadlines};
use app::server::store::methods::ContactKind;
use app::server::store::{Role, UserStatus};
use http::StatusCode;
use std::collections::BTreeMap;
use std::time::Instant;

crate::db_tests!(
    every_kind_of_identifier_and_input_walks_alike,
    authenticator_and_recovery_code_proofs_answer_alike,
);

const ALT: &str = "anna.private@example.net";
const DEADLINE_MS: u64 = 40;

/// A portal whose recovery steps all answer at [`DEADLINE_MS`], so that the walks below
/// stay quick; the defaults are the same mechanism with other numbers.
async fn portal(db: Db) -> TestApp {
    let app = TestApp::new(db).await;
    let mut settings = (*app.state.settings).clone();
    settings.recovery.deadlines = StepDeadlines::all(DEADLINE_MS);
    // A fixed key: the decoys' hints (drawn from it) are then the same on every run.
    let state = app::server::AppState {
        settings: std::sync::Arc::new(settings),
        keys: std::sync::Arc::new(app::server::keys::Keys::from_bytes([42; 32])),
        ..app.state.clone()
    };
    TestApp {
        router: server::router(state.clone()),
        state,
        ..app
    }
}

/// What one step answered, without what differs by construction (the flow's cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    step: &'static str,
    status: StatusCode,
    location: Option<String>,
    body: String,
}

/// Every row of the limit counters as `bucket → hits`, with the MACs, flow ids and
/// times in bucket names replaced by placeholders, so two walks can be compared.
async fn counters(app: &TestApp) -> BTreeMap<String, i64> {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let rows = sqlx::query("SELECT bucket, window_start, hits FROM rate_limits")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for row in rows {
        let bucket: String = row.get("bucket");
        let window: i64 = row.get("window_start");
        let hits: i64 = row.get("hits");
        let shape: Vec<String> = bucket
            .split(':')
            .map(|part| {
                if part.len() >= 16 && part.bytes().all(|b| b.is_ascii_hexdigit()) {
                    "<mac>".to_owned()
                } else if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                    "<n>".to_owned()
                } else {
                    part.to_owned()
                }
            })
            .collect();
        let key = match shape.first().map(String::as_str) {
            // A decoy's failures and pauses are kept here, a real account's on its row
            // (below): the same count under one name.
            Some("decoy-failures") => "recovery failures".to_owned(),
            Some("decoy-paused") => "recovery pauses".to_owned(),
            _ => format!("{} @{}", shape.join(":"), window.rem_euclid(86_400)),
        };
        *out.entry(key).or_default() += hits;
    }
    let accounts = sqlx::query(
        "SELECT CAST(COALESCE(SUM(recovery_failures + 10 * recovery_pauses), 0) AS BIGINT) AS f, \
         CAST(COALESCE(SUM(recovery_pauses), 0) AS BIGINT) AS p FROM users",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    *out.entry("recovery failures".to_owned()).or_default() += accounts.get::<i64, _>("f");
    *out.entry("recovery pauses".to_owned()).or_default() += accounts.get::<i64, _>("p");
    pool.close().await;
    out
}

fn diff(before: &BTreeMap<String, i64>, after: &BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, d)| *d != 0)
        .collect()
}

/// One walk's requests and what they answered.
struct Walker<'a> {
    app: &'a TestApp,
    user_id: &'a str,
    base: i64,
    html: bool,
    cookie: Option<String>,
    answers: Vec<Answer>,
}

impl<'a> Walker<'a> {
    /// A new flow for `user_id` with the clock at `base`, past its start and purpose.
    async fn begin(app: &'a TestApp, user_id: &'a str, base: i64, html: bool) -> Self {
        {
            use app::server::clock::Clock;
            app.clock.advance(base - app.clock.now());
        }
        let mut w = Walker {
            app,
            user_id,
            base,
            html,
            cookie: None,
            answers: Vec::new(),
        };
        w.step(
            "start",
            Step::Start,
            "recovery/start",
            &[("user_id", user_id)],
        )
        .await;
        w.step(
            "purpose",
            Step::Purpose,
            "recovery/purpose",
            &[("purpose", "reset")],
        )
        .await;
        w
    }

    async fn step(
        &mut self,
        name: &'static str,
        which: Step,
        endpoint: &str,
        form: &[(&str, &str)],
    ) {
        let app = self.app;
        let t = Instant::now();
        let reply = if self.html {
            app.post_form(endpoint, form, self.cookie.as_deref()).await
        } else {
            app.call(endpoint, form, self.cookie.as_deref()).await
        };
        let took = t.elapsed();
        assert!(
            took >= app.state.settings.recovery.deadlines.of(which),
            "{name} for {} answered after {took:?}, before its deadline",
            self.user_id
        );
        assert!(
            !reply.status.is_server_error(),
            "{name}: {} {}",
            reply.status,
            reply.body
        );
        if let Some(c) = reply.recovery_cookie() {
            self.cookie = Some(c);
        }
        self.answers.push(Answer {
            step: name,
            status: reply.status,
            location: reply.header("location").map(|l| self.readable_location(l)),
            body: self.relative_times(&reply.body),
        });
    }

    /// A time in an answer (the end of a limit's window, as `"at":N` in the body or
    /// `at%22%3AN` in a redirect's query) counted from the walk's start, as every walk
    /// starts at its own time.
    fn relative_times(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for marker in ["\"at\":", "at%22%3A"] {
            if let Some(i) = out.find(marker) {
                let from = i + marker.len();
                let digits: String = out[from..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if let Ok(at) = digits.parse::<i64>() {
                    out.replace_range(from..from + digits.len(), &(at - self.base).to_string());
                }
            }
        }
        out
    }

    /// A redirect with its error (base64 JSON in `__err`) spelled out, times relative.
    fn readable_location(&self, location: &str) -> String {
        use base64::Engine;
        let (path, query) = location.split_once('?').unwrap_or((location, ""));
        let params: Vec<String> = query
            .split('&')
            .map(|p| match p.strip_prefix("__err=") {
                Some(err) => {
                    let err = err.replace("%3D", "=");
                    let json = base64::engine::general_purpose::URL_SAFE
                        .decode(&err)
                        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(&err))
                        .unwrap_or_else(|e| panic!("__err {err}: {e}"));
                    format!(
                        "__err={}",
                        self.relative_times(&String::from_utf8_lossy(&json))
                    )
                }
                None => p.to_owned(),
            })
            .collect();
        format!("{path}?{}", params.join("&"))
    }

    /// The index of the email gate on the flow's page, as the hydrated client reads it.
    async fn email_gate(&self) -> String {
        let t = Instant::now();
        let page = self
            .app
            .call("recovery/flow", &[], self.cookie.as_deref())
            .await;
        assert!(t.elapsed() >= self.app.state.settings.recovery.deadlines.of(Step::Page));
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let view: serde_json::Value = serde_json::from_str(&page.body).unwrap();
        let gates = view["gates"].as_array().unwrap();
        let gate = gates
            .iter()
            .find(|g| g["kind"] == "email")
            .unwrap_or_else(|| panic!("{} shows no email gate: {view}", self.user_id));
        gate["index"].to_string()
    }
}

/// Walks one recovery for `user_id`, typing `typed` at the email gate, from a clock set
/// to `base`; returns every answer, in order. `html`: as a browser without JavaScript.
async fn walk(app: &TestApp, user_id: &str, typed: &str, base: i64, html: bool) -> Vec<Answer> {
    let mut w = Walker::begin(app, user_id, base, html).await;
    let gate = w.email_gate().await;
    w.step(
        "method",
        Step::Method,
        "recovery/method",
        &[("option", &gate), ("typed", typed)],
    )
    .await;
    // Straight after the first send: too soon, for everyone.
    w.step("resend too soon", Step::Resend, "recovery/resend", &[])
        .await;
    for _ in 0..2 {
        w.step(
            "wrong code",
            Step::Prove,
            "recovery/prove",
            &[("code", "00000000")],
        )
        .await;
    }
    app.clock.advance(61);
    w.step("second send", Step::Resend, "recovery/resend", &[])
        .await;
    w.step(
        "wrong code after resend",
        Step::Prove,
        "recovery/prove",
        &[("code", "00000000")],
    )
    .await;
    app.clock.advance(61);
    w.step("third send", Step::Resend, "recovery/resend", &[])
        .await;
    app.clock.advance(61);
    // The fourth within 15 minutes is over the per-identifier limit, for everyone.
    w.step("fourth send", Step::Resend, "recovery/resend", &[])
        .await;
    for _ in 0..3 {
        w.step(
            "wrong code, last tries",
            Step::Prove,
            "recovery/prove",
            &[("code", "11111111")],
        )
        .await;
    }
    app.clock.advance(16 * 60);
    w.step("after the flow's end", Step::Resend, "recovery/resend", &[])
        .await;
    w.answers
}

async fn every_kind_of_identifier_and_input_walks_alike(db: Db) {
    let app = portal(db).await;
    for (email, status) in [
        ("known@example.com", None),
        ("mismatch@example.com", None),
        ("locked@example.com", None),
        ("disabled@example.com", Some(UserStatus::Disabled)),
    ] {
        let id = app.user(email, Role::User, false).await;
        app.state
            .store
            .add_demo_method(id, ContactKind::Email, ALT, START)
            .await
            .unwrap();
        if let Some(status) = status {
            app.state
                .store
                .set_user_status(id, status, START)
                .await
                .unwrap();
        }
    }
    app.user("nomethod@example.com", Role::User, false).await;
    // Locked out of signing in: ten different wrong passwords.
    for n in 0..10 {
        app.login("locked@example.com", &format!("wrong password {n}"))
            .await;
    }
    let locked = app
        .state
        .store
        .find_user_by_email("locked@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(locked.lockout.locked_until.is_some(), "not locked out");

    let walks = [
        ("registered address typed", "known@example.com", ALT),
        (
            // Another account, as recovery failures count per account over the walks.
            "another address typed",
            "mismatch@example.com",
            "someone@example.org",
        ),
        ("locked, registered address", "locked@example.com", ALT),
        ("disabled", "disabled@example.com", ALT),
        ("no method", "nomethod@example.com", ALT),
        ("unknown", "nobody@example.com", ALT),
        (
            "unknown, other domain",
            "nobody@elsewhere.example",
            "x@y.example",
        ),
    ];
    for html in [false, true] {
        let mut reference: Option<(&str, Vec<Answer>, BTreeMap<String, i64>)> = None;
        for (n, (what, user_id, typed)) in walks.iter().enumerate() {
            // Each walk a day after the last, so no window or pause carries over.
            let base = START + 86_400 * (1 + n as i64 + if html { 30 } else { 0 });
            let before = counters(&app).await;
            let answers = walk(&app, user_id, typed, base, html).await;
            let marks = diff(&before, &counters(&app).await);
            match &reference {
                None => reference = Some((what, answers, marks)),
                Some((first, expected, expected_marks)) => {
                    for (a, b) in expected.iter().zip(&answers) {
                        assert_eq!(a, b, "'{what}' answered unlike '{first}' (html: {html})");
                    }
                    assert_eq!(expected.len(), answers.len());
                    assert_eq!(
                        expected_marks, &marks,
                        "'{what}' counted unlike '{first}' (html: {html})"
                    );
                }
            }
        }
        // The walk met every answer it is meant to test, not only failures of one kind.
        let (_, answers, _) = reference.unwrap();
        let bodies: Vec<&str> = answers.iter().map(|a| a.body.as_str()).collect();
        if !html {
            assert!(bodies[3].contains("too_soon"), "{bodies:?}");
            assert!(bodies[4].contains("\"remaining\":4"), "{bodies:?}");
            assert!(bodies[7].contains("\"remaining\":2"), "{bodies:?}");
            assert!(bodies[9].contains("try_again"), "{bodies:?}");
            assert!(bodies[12].contains("code_expired"), "{bodies:?}");
            assert!(bodies[13].contains("flow_expired"), "{bodies:?}");
        }
    }
}

/// Gives `email` an alternate address, an authenticator and a set of recovery codes.
async fn with_authenticator_and_codes(app: &TestApp, email: &str) {
    let id = app.user(email, Role::User, false).await;
    app.state
        .store
        .add_demo_method(id, ContactKind::Email, ALT, START)
        .await
        .unwrap();
    app.enrol_authenticator(id, email).await;
    app.give_recovery_codes(id).await;
}

/// The gates of a new flow for `user_id` (after the purpose), with its walker.
async fn flow_with_gates<'a>(
    app: &'a TestApp,
    user_id: &'a str,
    base: i64,
) -> (Walker<'a>, Vec<String>) {
    let w = Walker::begin(app, user_id, base, false).await;
    let page = app.call("recovery/flow", &[], w.cookie.as_deref()).await;
    let view: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    let kinds = view["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["kind"].as_str().unwrap().to_owned())
        .collect();
    (w, kinds)
}

/// An authenticator's wrong codes (until its per-step limit) and wrong recovery codes
/// answer and count alike for a real account and for a decoy showing the same gates.
async fn authenticator_and_recovery_code_proofs_answer_alike(db: Db) {
    let app = portal(db).await;
    for n in 0..4 {
        with_authenticator_and_codes(&app, &format!("holder{n}@example.com")).await;
    }
    // The first unknown identifier whose decoy shows both gates (the key is fixed, so it
    // is the same one every run).
    let mut day = 1;
    let mut stranger = None;
    for n in 0..60 {
        day += 1;
        let who = format!("stranger{n}@example.com");
        let (_, kinds) = flow_with_gates(&app, &who, START + 86_400 * day).await;
        if kinds.iter().any(|k| k == "authenticator") && kinds.iter().any(|k| k == "recovery_codes")
        {
            stranger = Some(who);
            break;
        }
    }
    let stranger = stranger.expect("no decoy with an authenticator and recovery codes in 60");
    let mut reference: Option<(Vec<Answer>, BTreeMap<String, i64>)> = None;
    for who in ["holder0@example.com", stranger.as_str()] {
        day += 1;
        let before = counters(&app).await;
        let (mut w, kinds) = flow_with_gates(&app, who, START + 86_400 * day).await;
        let index = |kind: &str| kinds.iter().position(|k| k == kind).unwrap().to_string();
        let totp = index("authenticator");
        w.step(
            "authenticator",
            Step::Method,
            "recovery/method",
            &[("option", &totp)],
        )
        .await;
        // Three wrong codes in one 30 s step, then the limit, for everyone.
        app.clock.advance(30 - app.state.now().rem_euclid(30));
        for _ in 0..4 {
            w.step(
                "wrong totp",
                Step::Prove,
                "recovery/prove",
                &[("code", "000000")],
            )
            .await;
        }
        let codes = index("recovery_codes");
        w.step(
            "recovery codes",
            Step::Method,
            "recovery/method",
            &[("option", &codes)],
        )
        .await;
        for code in ["AAAA-BBBB-CCCC-DDDD", "not a code"] {
            w.step(
                "wrong recovery code",
                Step::Prove,
                "recovery/prove",
                &[("code", code)],
            )
            .await;
        }
        let marks = diff(&before, &counters(&app).await);
        match &reference {
            None => reference = Some((w.answers, marks)),
            Some((expected, expected_marks)) => {
                assert_eq!(expected, &w.answers, "{who} answered unlike a real account");
                assert_eq!(
                    expected_marks, &marks,
                    "{who} counted unlike a real account"
                );
            }
        }
    }
    let (answers, _) = reference.unwrap();
    let bodies: Vec<&str> = answers.iter().map(|a| a.body.as_str()).collect();
    assert!(bodies[3].contains("totp_wrong"), "{bodies:?}");
    assert!(bodies[6].contains("try_again_after"), "{bodies:?}");
    assert!(bodies[8].contains("proof_wrong"), "{bodies:?}");
}
