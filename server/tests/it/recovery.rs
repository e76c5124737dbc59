//! Self-service recovery end to end through the router, on both databases: the steps in
//! order, decoys that look like real accounts, codes and limits exact under concurrency,
//! and two instances sharing one database.
use crate::support::{Db, Reply, TestApp, PASSWORD};
use app::server::store::methods::ContactKind;
use app::server::store::Role;
use axum::http::StatusCode;

crate::db_tests!(
    forgot_password_with_one_email_gate_resets_and_ends_everything,
    an_unknown_user_walks_the_same_screens_and_nothing_is_sent,
    five_wrong_codes_kill_the_code,
    steps_cannot_be_skipped_or_replayed,
    an_expired_flow_changes_nothing,
    one_code_used_concurrently_succeeds_once,
    an_administrator_needs_two_different_gates,
    unlock_clears_the_lockout_and_keeps_the_password,
    this_wasnt_me_freezes_the_account,
    the_start_answers_after_the_deadline_for_every_identifier,
    two_instances_share_limits_and_serve_one_flow,
    an_authenticator_is_a_gate_and_its_steps_are_never_replayed,
    a_recovery_code_is_a_gate_and_works_once,
    ten_consecutive_failures_pause_recovery,
    an_unknown_user_is_paused_like_a_real_one,
    security_questions_are_a_second_gate_and_a_wrong_answer_redraws,
    fifty_parallel_wrong_codes_are_compared_at_most_five_times,
    a_resend_kills_the_old_code_and_keeps_the_failures,
    a_code_from_another_flow_is_refused,
    pending_codes_die_when_the_password_is_reset,
);

const NEW_PASSWORD: &str = "violet quartz lantern 4417";
const ALT: &str = "anna.private@example.net";

/// The recovery cookie of a reply, as `name=value`.
fn flow_cookie(reply: &Reply) -> String {
    reply
        .recovery_cookie()
        .unwrap_or_else(|| panic!("no recovery cookie: {} {}", reply.status, reply.body))
}

fn ok(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

fn error_code(reply: &Reply) -> String {
    let v: serde_json::Value = serde_json::from_str(&reply.body)
        .unwrap_or_else(|_| panic!("not JSON: {} {}", reply.status, reply.body));
    v["code"].as_str().unwrap_or_default().to_owned()
}

async fn start(app: &TestApp, user_id: &str) -> String {
    let reply = app
        .call("recovery/start", &[("user_id", user_id)], None)
        .await;
    ok(&reply);
    flow_cookie(&reply)
}

async fn flow(app: &TestApp, cookie: &str) -> serde_json::Value {
    let reply = app.call("recovery/flow", &[], Some(cookie)).await;
    ok(&reply);
    serde_json::from_str(&reply.body).unwrap()
}

async fn user_with_alt(app: &TestApp, email: &str, role: Role) -> i64 {
    app.user_with_alternate(email, role, ALT).await
}

/// A portal with Anna, whose reset flow has mailed a code to her alternate address:
/// the portal, the flow's cookie and the code.
async fn anna_at_email_code(db: Db) -> (TestApp, String, String) {
    let app = TestApp::new(db).await;
    user_with_alt(&app, "anna@example.com", Role::User).await;
    let cookie = to_email_code(&app, "anna@example.com", "reset").await;
    let code = app.code_sent_to(ALT).await.unwrap();
    (app, cookie, code)
}

/// Posts the new password (twice) for the flow.
async fn set_new_password(app: &TestApp, cookie: &str) -> Reply {
    app.call(
        "recovery/password",
        &[("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)],
        Some(cookie),
    )
    .await
}

/// Proves the gate being verified with the code sent to `to`.
async fn pass_code_gate(app: &TestApp, cookie: &str, to: &str) {
    let code = app
        .code_sent_to(to)
        .await
        .unwrap_or_else(|| panic!("no code sent to {to}"));
    ok(&app
        .call("recovery/prove", &[("code", &code)], Some(cookie))
        .await);
}

/// Walks to the code entry of the email gate (option 0).
async fn to_email_code(app: &TestApp, user: &str, purpose: &str) -> String {
    let cookie = start(app, user).await;
    ok(&app
        .call("recovery/purpose", &[("purpose", purpose)], Some(&cookie))
        .await);
    ok(&app
        .call(
            "recovery/method",
            &[("option", "0"), ("typed", ALT)],
            Some(&cookie),
        )
        .await);
    cookie
}

async fn forgot_password_with_one_email_gate_resets_and_ends_everything(db: Db) {
    let app = TestApp::new(db).await;
    let id = user_with_alt(&app, "anna@example.com", Role::User).await;
    let session = app.sign_in("anna@example.com", PASSWORD).await;
    let cookie = to_email_code(&app, "anna@example.com", "reset").await;
    let view = flow(&app, &cookie).await;
    assert_eq!(view["state"], "verify");
    assert_eq!(view["challenge"]["kind"], "email");
    let code = app
        .code_sent_to(ALT)
        .await
        .expect("a code mailed to the stored address");
    ok(&app
        .call("recovery/prove", &[("code", &code)], Some(&cookie))
        .await);
    assert_eq!(flow(&app, &cookie).await["state"], "new_password");
    let reply = set_new_password(&app, &cookie).await;
    ok(&reply);
    // The old session is revoked, the new password works, the old one doesn't.
    assert_eq!(app.state.store.live_sessions(id).await.unwrap(), 0);
    let after = app.get("/account", Some(&session)).await;
    assert_ne!(after.status, StatusCode::OK, "{}", after.body);
    assert_eq!(
        app.login("anna@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    ok(&app.login("anna@example.com", NEW_PASSWORD).await);
    // The flow is over: nothing more can be done with its cookie.
    let again = app.call("recovery/flow", &[], Some(&cookie)).await;
    assert_eq!(error_code(&again), "flow_expired");
    // Both addresses are told, with a "this wasn't me" link.
    let messages = app.state.store.recent_messages(50).await.unwrap();
    for to in ["anna@example.com", ALT] {
        assert!(
            messages
                .iter()
                .any(|m| m.recipient == to && m.body.contains("/recover/freeze?token=")),
            "no notice to {to}"
        );
    }
    let log = app.state.store.recovery_log(id, 50).await.unwrap();
    assert!(log.iter().any(|e| e.action == "recovery.reset"));
    assert!(log
        .iter()
        .any(|e| e.action == "recovery.gate" && e.outcome == "success"));
}

async fn an_unknown_user_walks_the_same_screens_and_nothing_is_sent(db: Db) {
    let app = TestApp::new(db).await;
    user_with_alt(&app, "anna@example.com", Role::User).await;
    // Decoys look like the organisation's accounts, so not every one offers an email:
    // the first unknown ID that does.
    let mut found = None;
    for n in 0..40 {
        if n > 0 && n % 2 == 0 {
            // Past the per-address limit on starts without a proof of work.
            app.clock.advance(3600);
        }
        let stranger = format!("nobody{n}@example.com");
        let decoy = start(&app, &stranger).await;
        let view = flow(&app, &decoy).await;
        assert_eq!(view["state"], "choose_purpose");
        ok(&app
            .call("recovery/purpose", &[("purpose", "reset")], Some(&decoy))
            .await);
        let view = flow(&app, &decoy).await;
        let email = view["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["kind"] == "email")
            .cloned();
        if let Some(gate) = email {
            found = Some((stranger, decoy, view, gate));
            break;
        }
    }
    let (stranger, decoy, view, gate) = found.expect("no decoy with an email gate in 40");
    let hint = gate["masked"].as_str().unwrap().to_owned();
    assert!(hint.contains("•••@"), "{hint}");
    // Stable: the same ID shows the same hints in another flow.
    let decoy2 = start(&app, &stranger).await;
    ok(&app
        .call("recovery/purpose", &[("purpose", "reset")], Some(&decoy2))
        .await);
    assert_eq!(flow(&app, &decoy2).await["gates"], view["gates"]);

    let before = app.state.store.recent_messages(50).await.unwrap().len();
    let real = to_email_code(&app, "anna@example.com", "reset").await;
    let real_sent = app.state.store.recent_messages(50).await.unwrap().len();
    assert_eq!(real_sent, before + 1);

    let index = gate["index"].to_string();
    ok(&app
        .call(
            "recovery/method",
            &[("option", &index), ("typed", "guess@example.net")],
            Some(&decoy),
        )
        .await);
    // The same answers as for the real account, step by step.
    let real_wrong = app
        .call("recovery/prove", &[("code", "00000000")], Some(&real))
        .await;
    let decoy_wrong = app
        .call("recovery/prove", &[("code", "00000000")], Some(&decoy))
        .await;
    assert_eq!(real_wrong.status, decoy_wrong.status);
    assert_eq!(real_wrong.body, decoy_wrong.body);
    assert_eq!(error_code(&decoy_wrong), "code_wrong");
    assert_eq!(
        app.state.store.recent_messages(50).await.unwrap().len(),
        real_sent,
        "nothing is sent for an unknown user"
    );
}

async fn five_wrong_codes_kill_the_code(db: Db) {
    let app = TestApp::new(db).await;
    let id = user_with_alt(&app, "anna@example.com", Role::User).await;
    let cookie = to_email_code(&app, "anna@example.com", "reset").await;
    let code = app.code_sent_to(ALT).await.unwrap();
    for remaining in (0..5).rev() {
        let reply = app
            .call("recovery/prove", &[("code", "12345678")], Some(&cookie))
            .await;
        let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(v["code"], "code_wrong", "{}", reply.body);
        assert_eq!(v["remaining"], remaining);
    }
    let reply = app
        .call("recovery/prove", &[("code", &code)], Some(&cookie))
        .await;
    assert_eq!(error_code(&reply), "code_expired");
    assert_eq!(flow(&app, &cookie).await["state"], "verify");
    let user = app.state.store.find_user(id).await.unwrap().unwrap();
    assert!(user.password_hash.is_some());
    let log = app.state.store.recovery_log(id, 50).await.unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "recovery.gate" && e.outcome == "failure")
            .count(),
        6
    );
}

async fn steps_cannot_be_skipped_or_replayed(db: Db) {
    let app = TestApp::new(db).await;
    user_with_alt(&app, "anna@example.com", Role::User).await;
    let cookie = start(&app, "anna@example.com").await;
    // Straight to the new password, or to a proof, before anything was proven.
    let skip = set_new_password(&app, &cookie).await;
    assert_eq!(error_code(&skip), "invalid_input");
    let early = app
        .call("recovery/prove", &[("code", "12345678")], Some(&cookie))
        .await;
    assert_eq!(error_code(&early), "invalid_input");
    ok(&app
        .call("recovery/purpose", &[("purpose", "reset")], Some(&cookie))
        .await);
    // The purpose can't be chosen twice.
    let replay = app
        .call("recovery/purpose", &[("purpose", "unlock")], Some(&cookie))
        .await;
    assert_eq!(error_code(&replay), "invalid_input");
    // No flow without its cookie, and not another flow's.
    let none = app.call("recovery/flow", &[], None).await;
    assert_eq!(error_code(&none), "flow_expired");
    let forged = app
        .call("recovery/flow", &[], Some("regain_recovery=not-a-token"))
        .await;
    assert_eq!(error_code(&forged), "flow_expired");
    // Unknown fields are refused before the function runs.
    let extra = app
        .call(
            "recovery/purpose",
            &[("purpose", "reset"), ("admin", "1")],
            Some(&cookie),
        )
        .await;
    assert_ne!(extra.status, StatusCode::OK);
}

async fn an_expired_flow_changes_nothing(db: Db) {
    let (app, cookie, code) = anna_at_email_code(db).await;
    app.clock.advance(15 * 60);
    let reply = app
        .call("recovery/prove", &[("code", &code)], Some(&cookie))
        .await;
    assert_eq!(error_code(&reply), "flow_expired");
    ok(&app.login("anna@example.com", PASSWORD).await);
}

async fn one_code_used_concurrently_succeeds_once(db: Db) {
    let (app, cookie, code) = anna_at_email_code(db).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..12 {
        tasks.spawn(prove_on(app.router.clone(), cookie.clone(), code.clone()));
    }
    let mut passed = 0;
    while let Some(status) = tasks.join_next().await {
        if status.unwrap() == StatusCode::OK {
            passed += 1;
        }
    }
    assert_eq!(passed, 1);
    assert_eq!(flow(&app, &cookie).await["state"], "new_password");
}

async fn an_administrator_needs_two_different_gates(db: Db) {
    let app = TestApp::new(db).await;
    let id = user_with_alt(&app, "boss@example.com", Role::GlobalAdmin).await;
    app.state
        .store
        .add_demo_method(id, ContactKind::Sms, "+393331234567", crate::support::START)
        .await
        .unwrap();
    let cookie = to_email_code(&app, "boss@example.com", "reset").await;
    let view = flow(&app, &cookie).await;
    assert_eq!(view["required"], 2);
    assert_eq!(view["gate"], 1);
    let code = app.code_sent_to(ALT).await.unwrap();
    ok(&app
        .call("recovery/prove", &[("code", &code)], Some(&cookie))
        .await);
    let view = flow(&app, &cookie).await;
    assert_eq!(view["state"], "verify");
    assert_eq!(view["gate"], 2);
    // The email is spent: only the phone is left to choose.
    let gates = view["gates"].as_array().unwrap();
    assert_eq!(gates.len(), 1);
    assert_eq!(gates[0]["kind"], "sms");
    ok(&app
        .call(
            "recovery/method",
            &[("option", "0"), ("typed", "+39 333 123 4567")],
            Some(&cookie),
        )
        .await);
    pass_code_gate(&app, &cookie, "+393331234567").await;
    assert_eq!(flow(&app, &cookie).await["state"], "new_password");
}

async fn unlock_clears_the_lockout_and_keeps_the_password(db: Db) {
    let app = TestApp::new(db).await;
    let id = user_with_alt(&app, "anna@example.com", Role::User).await;
    for i in 0..12 {
        app.login("anna@example.com", &format!("wrong password {i}"))
            .await;
    }
    let locked = app.state.store.find_user(id).await.unwrap().unwrap();
    assert!(locked.lockout.is_locked(app.state.now()));
    let cookie = to_email_code(&app, "anna@example.com", "unlock").await;
    let code = app.code_sent_to(ALT).await.unwrap();
    ok(&app
        .call("recovery/prove", &[("code", &code)], Some(&cookie))
        .await);
    let user = app.state.store.find_user(id).await.unwrap().unwrap();
    assert!(!user.lockout.is_locked(app.state.now()));
    assert_eq!(user.password_hash, locked.password_hash);
    ok(&app.login("anna@example.com", PASSWORD).await);
}

async fn this_wasnt_me_freezes_the_account(db: Db) {
    let app = TestApp::new(db).await;
    let id = user_with_alt(&app, "anna@example.com", Role::User).await;
    let cookie = to_email_code(&app, "anna@example.com", "unlock").await;
    let code = app.code_sent_to(ALT).await.unwrap();
    ok(&app
        .call("recovery/prove", &[("code", &code)], Some(&cookie))
        .await);
    let session = app.sign_in("anna@example.com", PASSWORD).await;
    let notice = app
        .state
        .store
        .recent_messages(50)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipient == "anna@example.com")
        .unwrap();
    let token = notice
        .body
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    // Opening the link changes nothing; the form on it does.
    let page = app
        .get(&format!("/recover/freeze?token={token}"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    ok(&app.login("anna@example.com", PASSWORD).await);
    ok(&app
        .call("recovery/freeze", &[("token", &token)], None)
        .await);
    assert_eq!(app.state.store.live_sessions(id).await.unwrap(), 0);
    // The event lands in the organisation's audit log, though only a token named the account.
    let frozen: Vec<_> = app
        .state
        .store
        .audit_events(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "recovery.freeze")
        .collect();
    assert_eq!(frozen.len(), 1);
    assert_eq!(frozen[0].org_id, Some(app.org.id));
    assert_eq!(frozen[0].subject_user_id, Some(id));
    assert_ne!(
        app.get("/account", Some(&session)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.login("anna@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Single use.
    let again = app
        .call("recovery/freeze", &[("token", &token)], None)
        .await;
    assert_ne!(again.status, StatusCode::OK);
    // Recovery now needs two gates; with only one method the account gets a decoy flow
    // and can't finish: its own address typed at an email gate gets no code.
    let cookie = start(&app, "anna@example.com").await;
    let view = flow(&app, &cookie).await;
    let mails_to_alt = || async {
        let all = app.state.store.recent_messages(200).await.unwrap();
        all.into_iter().filter(|m| m.recipient == ALT).count()
    };
    let before = mails_to_alt().await;
    ok(&app
        .call("recovery/purpose", &[("purpose", "reset")], Some(&cookie))
        .await);
    if let Some(gate) = view["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == "email")
    {
        let index = gate["index"].to_string();
        ok(&app
            .call(
                "recovery/method",
                &[("option", &index), ("typed", ALT)],
                Some(&cookie),
            )
            .await);
    }
    assert_eq!(
        mails_to_alt().await,
        before,
        "a code went to a frozen account"
    );
}

async fn the_start_answers_after_the_deadline_for_every_identifier(db: Db) {
    let app = TestApp::new(db).await;
    user_with_alt(&app, "anna@example.com", Role::User).await;
    let deadline = app
        .state
        .settings
        .recovery
        .deadlines
        .of(app::server::recovery::limits::Step::Start);
    for who in ["anna@example.com", "nobody@example.com"] {
        let t = std::time::Instant::now();
        start(&app, who).await;
        assert!(
            t.elapsed() >= deadline,
            "{who} answered before the deadline"
        );
    }
    // A malformed ID is refused, after the deadline too.
    let t = std::time::Instant::now();
    let bad = app
        .call("recovery/start", &[("user_id", "not an email")], None)
        .await;
    assert_eq!(error_code(&bad), "user_id_invalid");
    assert!(t.elapsed() >= deadline);
}

async fn two_instances_share_limits_and_serve_one_flow(db: Db) {
    let a = TestApp::new(db).await;
    let b = a.second_instance().await;
    user_with_alt(&a, "anna@example.com", Role::User).await;
    // Started on one, continued on the other.
    let cookie = start(&a, "anna@example.com").await;
    ok(&b
        .call("recovery/purpose", &[("purpose", "reset")], Some(&cookie))
        .await);
    ok(&a
        .call(
            "recovery/method",
            &[("option", "0"), ("typed", ALT)],
            Some(&cookie),
        )
        .await);
    let code = b.code_sent_to(ALT).await.unwrap();
    ok(&b
        .call("recovery/prove", &[("code", &code)], Some(&cookie))
        .await);
    assert_eq!(flow(&a, &cookie).await["state"], "new_password");
    // Starts without a proof of work: 5 an hour per address, counted across instances.
    let limit = a.state.settings.recovery.starts_per_ip_without_pow.max;
    let mut refused = None;
    for i in 0..limit + 2 {
        let app = if i % 2 == 0 { &a } else { &b };
        let reply = app
            .call("recovery/start", &[("user_id", "nobody@example.com")], None)
            .await;
        if reply.status != StatusCode::OK {
            refused = Some((i, error_code(&reply)));
            break;
        }
    }
    // One start above was already counted.
    assert_eq!(refused, Some((limit - 1, "try_again_after".to_owned())));
}

/// The audit event of a change the test makes directly in the store.
fn test_audit() -> app::server::store::AuditEvent {
    app::server::store::AuditEvent {
        actor: "test".into(),
        action: "test".into(),
        outcome: "success".into(),
        ..Default::default()
    }
}

/// The index of the first gate of `kind` the flow offers now.
async fn gate_index(app: &TestApp, cookie: &str, kind: &str) -> String {
    let view = flow(app, cookie).await;
    view["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} gate in {view}"))["index"]
        .to_string()
}

async fn an_authenticator_is_a_gate_and_its_steps_are_never_replayed(db: Db) {
    use app::server::totp;
    let app = TestApp::new(db).await;
    let id = user_with_alt(&app, "anna@example.com", Role::User).await;
    // Enrolled through the security-info pages, with a first code at this step.
    let secret = app.enrol_authenticator(id, "anna@example.com").await;
    let step = app.state.now() / 30;

    let cookie = start(&app, "anna@example.com").await;
    // An authenticator on the account means two gates.
    assert_eq!(flow(&app, &cookie).await["required"], 2);
    ok(&app
        .call("recovery/purpose", &[("purpose", "reset")], Some(&cookie))
        .await);
    let option = gate_index(&app, &cookie, "authenticator").await;
    ok(&app
        .call("recovery/method", &[("option", &option)], Some(&cookie))
        .await);
    let replay = app
        .call(
            "recovery/prove",
            &[("code", &totp::code_at(&secret, step))],
            Some(&cookie),
        )
        .await;
    assert_eq!(error_code(&replay), "totp_replayed");
    // Three failures in one step: even the right code waits for the next step.
    let right = totp::code_at(&secret, step + 1);
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    for _ in 0..2 {
        let reply = app
            .call("recovery/prove", &[("code", &wrong)], Some(&cookie))
            .await;
        assert_eq!(error_code(&reply), "totp_wrong");
    }
    let waiting = app
        .call("recovery/prove", &[("code", &right)], Some(&cookie))
        .await;
    assert_eq!(error_code(&waiting), "try_again_after");
    app.clock.advance(30);
    ok(&app
        .call(
            "recovery/prove",
            &[("code", &totp::code_at(&secret, step + 1))],
            Some(&cookie),
        )
        .await);
    let view = flow(&app, &cookie).await;
    assert_eq!(view["state"], "verify");
    assert_eq!(view["gate"], 2);
    let option = gate_index(&app, &cookie, "email").await;
    ok(&app
        .call(
            "recovery/method",
            &[("option", &option), ("typed", ALT)],
            Some(&cookie),
        )
        .await);
    pass_code_gate(&app, &cookie, ALT).await;
    assert_eq!(flow(&app, &cookie).await["state"], "new_password");
}

async fn a_recovery_code_is_a_gate_and_works_once(db: Db) {
    let app = TestApp::new(db).await;
    let id = user_with_alt(&app, "anna@example.com", Role::User).await;
    let codes = app.give_recovery_codes(id).await;
    for round in 0..2 {
        let cookie = start(&app, "anna@example.com").await;
        ok(&app
            .call("recovery/purpose", &[("purpose", "reset")], Some(&cookie))
            .await);
        let option = gate_index(&app, &cookie, "recovery_codes").await;
        ok(&app
            .call("recovery/method", &[("option", &option)], Some(&cookie))
            .await);
        let reply = app
            .call("recovery/prove", &[("code", &codes[0])], Some(&cookie))
            .await;
        if round == 0 {
            ok(&reply);
            assert_eq!(flow(&app, &cookie).await["state"], "new_password");
        } else {
            assert_eq!(error_code(&reply), "proof_wrong");
        }
    }
}

async fn ten_consecutive_failures_pause_recovery(db: Db) {
    let app = TestApp::new(db).await;
    let id = user_with_alt(&app, "anna@example.com", Role::User).await;
    let mut last = String::new();
    // Two flows of five wrong codes each: the tenth failure pauses recovery.
    for _ in 0..2 {
        let cookie = to_email_code(&app, "anna@example.com", "reset").await;
        for _ in 0..5 {
            let reply = app
                .call("recovery/prove", &[("code", "00000001")], Some(&cookie))
                .await;
            last = error_code(&reply);
        }
    }
    assert_eq!(last, "try_again_after");
    let user = app.state.store.find_user(id).await.unwrap().unwrap();
    let until = user.recovery_paused_until.unwrap();
    assert_eq!(until, app.state.now() + 15 * 60);
    // Every gate refuses until then, with the time to come back.
    let cookie = start(&app, "anna@example.com").await;
    ok(&app
        .call("recovery/purpose", &[("purpose", "reset")], Some(&cookie))
        .await);
    let reply = app
        .call(
            "recovery/method",
            &[("option", "0"), ("typed", ALT)],
            Some(&cookie),
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(v["code"], "try_again_after");
    assert_eq!(v["at"], until);
    assert!(app
        .state
        .store
        .recovery_log(id, 100)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "recovery.paused"));
}

/// Chooses a gate of `cookie`'s flow whose wrong proofs count as failures (an email, a
/// phone or recovery codes; a decoy's gates vary), with something typed for it.
async fn choose_a_code_gate(app: &TestApp, cookie: &str) -> Reply {
    let view = flow(app, cookie).await;
    let gate = view["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| ["email", "sms", "recovery_codes"].contains(&g["kind"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("no code gate: {view}"))
        .clone();
    let typed = match gate["kind"].as_str().unwrap() {
        "email" => "guess@example.net",
        "sms" => "+39 333 000 0000",
        _ => "",
    };
    let index = gate["index"].to_string();
    app.call(
        "recovery/method",
        &[("option", &index), ("typed", typed)],
        Some(cookie),
    )
    .await
}

async fn an_unknown_user_is_paused_like_a_real_one(db: Db) {
    let app = TestApp::new(db).await;
    let mut last = String::new();
    for _ in 0..2 {
        let cookie = start(&app, "nobody@example.com").await;
        ok(&app
            .call("recovery/purpose", &[("purpose", "reset")], Some(&cookie))
            .await);
        ok(&choose_a_code_gate(&app, &cookie).await);
        for _ in 0..5 {
            let reply = app
                .call("recovery/prove", &[("code", "00000001")], Some(&cookie))
                .await;
            last = error_code(&reply);
        }
    }
    assert_eq!(last, "try_again_after");
    let cookie = start(&app, "nobody@example.com").await;
    ok(&app
        .call("recovery/purpose", &[("purpose", "reset")], Some(&cookie))
        .await);
    let reply = choose_a_code_gate(&app, &cookie).await;
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(v["code"], "try_again_after");
    assert_eq!(v["at"], app.state.now() + 15 * 60);
}

async fn security_questions_are_a_second_gate_and_a_wrong_answer_redraws(db: Db) {
    use app::domain::policy::MethodKind;
    let app = TestApp::new(db).await;
    let audit = test_audit();
    let mut policy = app.org.policy.clone();
    policy.methods_enabled.push(MethodKind::SecurityQuestions);
    policy.methods_required = 2;
    app.state
        .store
        .set_policy(app.org.id, &policy, &audit)
        .await
        .unwrap();
    let id = user_with_alt(&app, "anna@example.com", Role::User).await;
    // Five answered, three asked: a wrong answer can draw other questions.
    app.answer_questions(id, "Answer", 5).await;
    let cookie = to_email_code(&app, "anna@example.com", "reset").await;
    // Questions are never the first gate.
    assert!(flow(&app, &cookie).await["gates"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["kind"] != "security_questions"));
    pass_code_gate(&app, &cookie, ALT).await;
    let option = gate_index(&app, &cookie, "security_questions").await;
    ok(&app
        .call("recovery/method", &[("option", &option)], Some(&cookie))
        .await);
    let asked = |view: &serde_json::Value| -> Vec<String> {
        view["challenge"]["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["key"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = asked(&flow(&app, &cookie).await);
    assert_eq!(first.len(), 3);
    let wrong = app
        .call(
            "recovery/answers",
            &[("answer_1", "no"), ("answer_2", "no"), ("answer_3", "no")],
            Some(&cookie),
        )
        .await;
    assert_eq!(error_code(&wrong), "answers_wrong");
    let second = asked(&flow(&app, &cookie).await);
    assert_ne!(first, second, "a wrong answer draws other questions");
    // Answered as registered, in a different case and spacing: normalised.
    let right: Vec<String> = second
        .iter()
        .map(|k| format!("  ANSWER   {}", k.trim_start_matches("q0")))
        .collect();
    ok(&app
        .call(
            "recovery/answers",
            &[
                ("answer_1", &right[0]),
                ("answer_2", &right[1]),
                ("answer_3", &right[2]),
            ],
            Some(&cookie),
        )
        .await);
    assert_eq!(flow(&app, &cookie).await["state"], "new_password");
}

/// Posts a proof as the hydrated page does, on any router (for parallel requests).
async fn prove_on(router: axum::Router, cookie: String, code: String) -> StatusCode {
    use tower::ServiceExt;
    let body = crate::support::form_encode(&[("code", &code)]);
    let req = axum::http::Request::post("/api/recovery/prove")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
        .header("cookie", cookie)
        .body(axum::body::Body::from(body))
        .unwrap();
    router.oneshot(req).await.unwrap().status()
}

async fn fifty_parallel_wrong_codes_are_compared_at_most_five_times(db: Db) {
    let app = TestApp::new(db).await;
    let id = user_with_alt(&app, "anna@example.com", Role::User).await;
    let cookie = to_email_code(&app, "anna@example.com", "reset").await;
    let code = app.code_sent_to(ALT).await.unwrap();
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        tasks.spawn(prove_on(
            app.router.clone(),
            cookie.clone(),
            wrong.to_owned(),
        ));
    }
    while let Some(status) = tasks.join_next().await {
        assert_ne!(status.unwrap(), StatusCode::OK);
    }
    let attempts: i64 = sqlx::query_scalar(
        "SELECT attempts FROM verification_codes WHERE user_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_one(app.state.store.pool())
    .await
    .unwrap();
    assert_eq!(attempts, 5, "every try counted, none past the fifth");
    // The right code is dead too now.
    app.clock.advance(60);
    let reply = app
        .call("recovery/prove", &[("code", &code)], Some(&cookie))
        .await;
    assert_ne!(reply.status, StatusCode::OK);
}

async fn a_resend_kills_the_old_code_and_keeps_the_failures(db: Db) {
    let (app, cookie, old) = anna_at_email_code(db).await;
    let wrong = if old == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for _ in 0..2 {
        app.call("recovery/prove", &[("code", wrong)], Some(&cookie))
            .await;
    }
    // Too soon, then after the cooldown.
    let soon = app.call("recovery/resend", &[], Some(&cookie)).await;
    assert_eq!(error_code(&soon), "too_soon");
    app.clock.advance(61);
    ok(&app.call("recovery/resend", &[], Some(&cookie)).await);
    let new = app.code_sent_to(ALT).await.unwrap();
    let dead = app
        .call("recovery/prove", &[("code", &old)], Some(&cookie))
        .await;
    // The old code is no longer the live one: it counts as a third wrong try.
    let v: serde_json::Value = serde_json::from_str(&dead.body).unwrap();
    if old != new {
        assert_eq!(v["code"], "code_wrong", "{}", dead.body);
        assert_eq!(v["remaining"], 2);
    }
    ok(&app
        .call("recovery/prove", &[("code", &new)], Some(&cookie))
        .await);
}

/// Anna, and two of her flows at the email code, a minute apart: (cookie, code) each.
async fn two_flows_with_codes(app: &TestApp) -> ((String, String), (String, String)) {
    user_with_alt(app, "anna@example.com", Role::User).await;
    let first = to_email_code(app, "anna@example.com", "reset").await;
    let first_code = app.code_sent_to(ALT).await.unwrap();
    app.clock.advance(61);
    let second = to_email_code(app, "anna@example.com", "reset").await;
    let second_code = app.code_sent_to(ALT).await.unwrap();
    ((first, first_code), (second, second_code))
}

async fn a_code_from_another_flow_is_refused(db: Db) {
    let app = TestApp::new(db).await;
    let ((first, code), (second, other)) = two_flows_with_codes(&app).await;
    if code != other {
        let reply = app
            .call("recovery/prove", &[("code", &code)], Some(&second))
            .await;
        assert_eq!(error_code(&reply), "code_wrong", "{}", reply.body);
    }
    ok(&app
        .call("recovery/prove", &[("code", &code)], Some(&first))
        .await);
}

async fn pending_codes_die_when_the_password_is_reset(db: Db) {
    let app = TestApp::new(db).await;
    let ((other, pending), (cookie, code)) = two_flows_with_codes(&app).await;
    ok(&app
        .call("recovery/prove", &[("code", &code)], Some(&cookie))
        .await);
    ok(&set_new_password(&app, &cookie).await);
    // The other flow ended with the reset, and its code with it.
    let reply = app
        .call("recovery/prove", &[("code", &pending)], Some(&other))
        .await;
    assert_eq!(error_code(&reply), "flow_expired");
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM verification_codes WHERE used_at IS NULL AND replaced_at IS NULL",
    )
    .fetch_one(app.state.store.pool())
    .await
    .unwrap();
    assert_eq!(live, 0, "no code of the account outlives the reset");
    // Resetting twice with the same flow fails.
    let again = set_new_password(&app, &cookie).await;
    assert_eq!(error_code(&again), "flow_expired");
}

/// A benchmark, not a test: the start step under load on SQLite — latency (it must never
/// answer before the deadline, and shouldn't much after) and throughput, with known and
/// unknown IDs mixed. `cargo test -p server --test it -- --ignored recovery_start_under_load --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints timings"]
async fn recovery_start_under_load() {
    use app::server::recovery::limits::{Limit, RecoveryLimits};
    use std::sync::Arc;
    use tower::ServiceExt;
    let app = TestApp::new(Db::Sqlite).await;
    for i in 0..20 {
        user_with_alt(&app, &format!("load{i}@example.com"), Role::User).await;
    }
    let settings = app::server::state::Settings {
        recovery: RecoveryLimits {
            starts_per_ip_without_pow: Limit::new(1_000_000, 3600),
            ..RecoveryLimits::default()
        },
        ..(*app.state.settings).clone()
    };
    let state = app::server::AppState {
        settings: Arc::new(settings),
        ..app.state.clone()
    };
    let router = server::router(state.clone());
    let deadline = state
        .settings
        .recovery
        .deadlines
        .of(app::server::recovery::limits::Step::Start);
    for concurrency in [10_usize, 50, 200] {
        let total = concurrency * 4;
        let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let wall = std::time::Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..total {
            let router = router.clone();
            let gate = gate.clone();
            tasks.spawn(async move {
                let _permit = gate.acquire_owned().await.unwrap();
                let who = if n % 2 == 0 {
                    format!("load{}@example.com", n % 20)
                } else {
                    format!("nobody{n}@example.com")
                };
                let body = crate::support::form_encode(&[("user_id", &who)]);
                let req = axum::http::Request::post("/api/recovery/start")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("accept", "application/json")
                    .header("sec-fetch-site", "same-origin")
                    .body(axum::body::Body::from(body))
                    .unwrap();
                let t = std::time::Instant::now();
                let status = router.oneshot(req).await.unwrap().status();
                (status, t.elapsed())
            });
        }
        let mut latencies = Vec::new();
        while let Some(done) = tasks.join_next().await {
            let (status, elapsed) = done.unwrap();
            assert_eq!(status, StatusCode::OK);
            latencies.push(elapsed);
        }
        let wall = wall.elapsed();
        latencies.sort();
        let at = |q: f64| {
            let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
            latencies.get(i).copied().unwrap_or_default().as_secs_f64() * 1000.0
        };
        let early = latencies.iter().filter(|l| **l < deadline).count();
        println!(
            "recovery start, SQLite, {total} requests, {concurrency} at once: {:.0} starts/s; \
             latency min {:.0} ms, p50 {:.0}, p95 {:.0}, p99 {:.0}, max {:.0}; before the \
             {} ms deadline: {early}",
            total as f64 / wall.as_secs_f64(),
            at(0.0),
            at(0.5),
            at(0.95),
            at(0.99),
            at(1.0),
            deadline.as_millis(),
        );
    }
}
