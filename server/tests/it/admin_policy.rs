//! The console's policy area: the form saves every knob with an audit event naming the
//! old and new values, refuses a value out of bounds by name and changes nothing, answers
//! only an administrator of the organisation, and the recovery flow follows what it saved.
use crate::db_tests;
use crate::support::{Db, Reply, TestApp, PASSWORD, START};
use app::domain::policy::MethodKind;
use app::server::store::methods::ContactKind;
use app::server::store::Role;
use http::StatusCode;

db_tests!(
    the_policy_is_saved_and_audited_with_old_and_new_values,
    a_value_out_of_bounds_is_refused_by_name_and_nothing_changes,
    nobody_but_the_organisations_administrator_reads_or_changes_it,
    two_methods_required_makes_a_users_recovery_need_two_gates,
    the_form_has_a_box_for_every_method_and_passkeys_survive_a_save,
);

const ADMIN: &str = "boss@example.com";

/// The form as the page sends it for the default policy, with `changes` applied.
fn form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form: Vec<(&str, &str)> = vec![
        ("method_email", "on"),
        ("method_sms", "on"),
        ("method_authenticator", "on"),
        ("method_recovery_codes", "on"),
        ("method_passkey", "on"),
        ("methods_required", "1"),
        ("questions_to_register", "3"),
        ("questions_to_answer", "3"),
        ("require_registration", "on"),
        ("reconfirm_days", "180"),
        ("notify_user_on_reset", "on"),
        ("notify_admins_on_admin_reset", "on"),
        ("password_min_length", "12"),
        ("password_history", "5"),
        ("lockout_threshold", "10"),
        ("lockout_seconds", "60"),
        ("sms_regions", ""),
        ("help_desk", ""),
    ];
    for (key, value) in changes {
        form.retain(|(k, _)| k != key);
        if !value.is_empty() || ["sms_regions", "help_desk"].contains(key) {
            form.push((key, value));
        }
    }
    form
}

fn json(reply: &Reply) -> serde_json::Value {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|_| panic!("not JSON: {} {}", reply.status, reply.body))
}

async fn admin(t: &TestApp) -> String {
    t.user(ADMIN, Role::GlobalAdmin, false).await;
    t.sign_in(ADMIN, PASSWORD).await
}

/// An administrator of a second organisation, signed in.
pub async fn other_admin(t: &TestApp) -> (i64, String) {
    let org = t
        .state
        .store
        .create_org("other", "Other Org", &["other.example".to_owned()], START)
        .await
        .unwrap();
    t.user_of(org.id, "chief@other.example", Role::GlobalAdmin, false)
        .await;
    (org.id, t.sign_in("chief@other.example", PASSWORD).await)
}

async fn policy_events(t: &TestApp) -> Vec<app::server::store::audit::AuditRow> {
    let events = t.state.store.audit_events(100).await.unwrap();
    events
        .into_iter()
        .filter(|e| e.action == "admin.policy.change")
        .collect()
}

async fn the_policy_is_saved_and_audited_with_old_and_new_values(db: Db) {
    let t = TestApp::new(db).await;
    let cookie = admin(&t).await;
    let r = t
        .call(
            "admin/policy/save",
            &form(&[
                ("methods_required", "2"),
                ("method_security_questions", "on"),
                ("questions_to_register", "5"),
                ("questions_to_answer", "4"),
                ("password_min_length", "14"),
                ("sms_regions", "it, ch"),
                ("help_desk", "https://help.example.com/it"),
                ("notify_user_on_reset", ""),
            ]),
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = t
        .state
        .store
        .find_org(t.org.id)
        .await
        .unwrap()
        .unwrap()
        .policy;
    assert_eq!(p.methods_required, 2);
    assert!(p.methods_enabled.contains(&MethodKind::SecurityQuestions));
    assert_eq!((p.questions_to_register, p.questions_to_answer), (5, 4));
    assert_eq!(p.password_min_length, 14);
    assert_eq!(p.sms_regions, ["IT", "CH"]);
    assert_eq!(p.help_desk.as_deref(), Some("https://help.example.com/it"));
    assert!(!p.notify_user_on_reset);
    // What the page reads back is what was saved.
    let read = json(&t.call("admin/policy/get", &[], Some(&cookie)).await);
    assert_eq!(read["methods_required"], 2);

    let events = policy_events(&t).await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.org_id, Some(t.org.id));
    assert_eq!(e.actor, "admin");
    assert_eq!(e.outcome, "success");
    let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
    assert_eq!(detail["methods_required"], serde_json::json!([1, 2]));
    assert_eq!(detail["password_min_length"], serde_json::json!([12, 14]));
    assert_eq!(
        detail["notify_user_on_reset"],
        serde_json::json!([true, false])
    );
    assert_eq!(
        detail["help_desk"],
        serde_json::json!([null, "https://help.example.com/it"])
    );
    // Only changed keys are named.
    assert!(detail.get("lockout_threshold").is_none(), "{detail}");

    // The same form again changes nothing, and says nothing.
    let again = form(&[
        ("methods_required", "2"),
        ("method_security_questions", "on"),
        ("questions_to_register", "5"),
        ("questions_to_answer", "4"),
        ("password_min_length", "14"),
        ("sms_regions", "IT CH"),
        ("help_desk", "https://help.example.com/it"),
        ("notify_user_on_reset", ""),
    ]);
    let r = t
        .post_form("admin/policy/save", &again, Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.header("location"), Some("/admin/policy?done=saved"));
    assert_eq!(policy_events(&t).await.len(), 1);
}

async fn a_value_out_of_bounds_is_refused_by_name_and_nothing_changes(db: Db) {
    let t = TestApp::new(db).await;
    let cookie = admin(&t).await;
    let before = t
        .state
        .store
        .find_org(t.org.id)
        .await
        .unwrap()
        .unwrap()
        .policy;
    type Form<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Form, &str, &str); 9] = [
        (
            &[("methods_required", "3")],
            "policy_out_of_range",
            "methods_required",
        ),
        (
            &[("questions_to_register", "9")],
            "policy_out_of_range",
            "questions_to_register",
        ),
        (
            &[("questions_to_answer", "4")],
            "policy_out_of_range",
            "questions_to_answer",
        ),
        (
            &[("reconfirm_days", "731")],
            "policy_out_of_range",
            "reconfirm_days",
        ),
        (
            &[("password_min_length", "6")],
            "policy_out_of_range",
            "password_min_length",
        ),
        (
            &[("lockout_seconds", "a minute")],
            "policy_out_of_range",
            "lockout_seconds",
        ),
        (
            &[("sms_regions", "IT, ZZ")],
            "policy_invalid",
            "sms_regions",
        ),
        (
            &[("help_desk", "javascript:alert(1)")],
            "policy_invalid",
            "help_desk",
        ),
        (
            &[
                ("method_sms", ""),
                ("method_authenticator", ""),
                ("method_recovery_codes", ""),
                ("method_passkey", ""),
            ],
            "policy_invalid",
            "methods_enabled",
        ),
    ];
    for (changes, code, field) in cases {
        let r = t
            .call("admin/policy/save", &form(changes), Some(&cookie))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {}", r.body);
        let body = json(&r);
        assert_eq!(body["code"], code, "{field}");
        assert_eq!(body["field"], field);
    }
    // Without JavaScript: back to the form, with the error to show.
    let r = t
        .post_form(
            "admin/policy/save",
            &form(&[("lockout_threshold", "51"), ("methods_required", "2")]),
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let location = r.header("location").unwrap();
    assert!(location.starts_with("/admin/policy?"), "{location}");
    let page = t.get(location, Some(&cookie)).await;
    assert!(
        page.body.contains("data-code=\"policy_out_of_range\""),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("Failed sign-ins before the account pauses"));

    let after = t
        .state
        .store
        .find_org(t.org.id)
        .await
        .unwrap()
        .unwrap()
        .policy;
    assert_eq!(after, before);
    assert!(policy_events(&t).await.is_empty());
}

async fn nobody_but_the_organisations_administrator_reads_or_changes_it(db: Db) {
    let t = TestApp::new(db).await;
    let cookie = admin(&t).await;
    let r = t
        .call(
            "admin/policy/save",
            &form(&[("methods_required", "2")]),
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A regular user of the same organisation: refused everywhere.
    t.user("anna@example.com", Role::User, false).await;
    let user = t.sign_in("anna@example.com", PASSWORD).await;
    for (endpoint, body) in [
        ("admin/policy/get", vec![]),
        ("admin/policy/save", form(&[("methods_required", "1")])),
    ] {
        let r = t.call(endpoint, &body, Some(&user)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{endpoint}: {}", r.body);
        assert_eq!(json(&r)["code"], "forbidden");
        assert!(!r.body.contains("methods_required"));
        let r = t.call(endpoint, &body, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{endpoint}");
    }
    let page = t.get("/admin/policy", Some(&user)).await;
    assert!(page.body.contains("id=\"not-allowed\""), "{}", page.body);
    assert!(!page.body.contains("id=\"policy-form\""));

    // An administrator of another organisation reads and changes only their own.
    let (other_org, other) = other_admin(&t).await;
    let theirs = json(&t.call("admin/policy/get", &[], Some(&other)).await);
    assert_eq!(
        theirs["methods_required"], 1,
        "another organisation's policy: {theirs}"
    );
    let r = t
        .call(
            "admin/policy/save",
            &form(&[("password_min_length", "20")]),
            Some(&other),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ours = t
        .state
        .store
        .find_org(t.org.id)
        .await
        .unwrap()
        .unwrap()
        .policy;
    assert_eq!((ours.methods_required, ours.password_min_length), (2, 12));
    let theirs = t
        .state
        .store
        .find_org(other_org)
        .await
        .unwrap()
        .unwrap()
        .policy;
    assert_eq!(
        (theirs.methods_required, theirs.password_min_length),
        (1, 20)
    );
    let events = policy_events(&t).await;
    assert_eq!(
        events.iter().map(|e| e.org_id).collect::<Vec<_>>(),
        [Some(other_org), Some(t.org.id)]
    );
    // The regular user never changed anything.
    assert_eq!(events.len(), 2);
}

/// A recovery started for `who`: the number of gates it needs, and its help desk.
async fn recovery_view(t: &TestApp, who: &str) -> (serde_json::Value, serde_json::Value) {
    let (flow, help) = recovery_flow(t, who).await;
    (flow["required"].clone(), help)
}

/// The flow view and the help desk of a new recovery for `who`.
async fn recovery_flow(t: &TestApp, who: &str) -> (serde_json::Value, serde_json::Value) {
    let r = t.call("recovery/start", &[("user_id", who)], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cookie = r.recovery_cookie().unwrap();
    let flow = json(&t.call("recovery/flow", &[], Some(&cookie)).await);
    let help = json(&t.call("recovery/help-desk", &[], Some(&cookie)).await);
    (flow, help)
}

/// Registers an alternate email and a mobile phone for `user`.
async fn email_and_phone(t: &TestApp, user: i64, email: &str, phone: &str) {
    for (kind, value) in [(ContactKind::Email, email), (ContactKind::Sms, phone)] {
        t.state
            .store
            .add_demo_method(user, kind, value, START)
            .await
            .unwrap();
    }
}

async fn two_methods_required_makes_a_users_recovery_need_two_gates(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("anna@example.com", Role::User, false).await;
    email_and_phone(&t, id, "anna.private@example.net", "+393331234567").await;
    let (before, help) = recovery_view(&t, "anna@example.com").await;
    assert_eq!(before, 1);
    assert_eq!(help, serde_json::Value::Null);

    let cookie = admin(&t).await;
    let r = t
        .post_form(
            "admin/policy/save",
            &form(&[("methods_required", "2"), ("help_desk", "Call 555 0100")]),
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.header("location"), Some("/admin/policy?done=saved"));
    let (after, help) = recovery_view(&t, "anna@example.com").await;
    assert_eq!(after, 2, "the recovery follows the saved policy");
    assert_eq!(help, "Call 555 0100");
    // An identifier of the same domain that can't recover reads the same (gates and help
    // desk): the policy tells nobody which accounts exist.
    let (decoy, help) = recovery_view(&t, "nobody@example.com").await;
    assert_eq!(decoy, 2);
    assert_eq!(help, "Call 555 0100");
    // Another organisation's domain follows that organisation's own policy: one gate for
    // its user with the same two methods, and no help desk.
    let second = t
        .state
        .store
        .create_org(
            "second",
            "Second Org",
            &["second.example".to_owned()],
            START,
        )
        .await
        .unwrap();
    let li = t
        .user_of(second.id, "li@second.example", Role::User, false)
        .await;
    email_and_phone(&t, li, "li.private@example.net", "+393337654321").await;
    let (gates, help) = recovery_view(&t, "li@second.example").await;
    assert_eq!(gates, 1);
    assert_eq!(help, serde_json::Value::Null);
    // A decoy there has that organisation's help desk (none). Its gate count is drawn as
    // an account's of that organisation would be: one, or two for the shape of an
    // administrator or of an account with an authenticator (recovery/decoy.rs), so it
    // is not asserted here; tests/it/decoys.rs compares the distributions.
    let (_, help) = recovery_flow(&t, "nobody@second.example").await;
    assert_eq!(help, serde_json::Value::Null);
}

/// The form once listed five methods by hand and left passkeys out, so any save turned
/// them off for the whole organisation.
async fn the_form_has_a_box_for_every_method_and_passkeys_survive_a_save(db: Db) {
    let t = TestApp::new(db).await;
    let cookie = admin(&t).await;
    let page = t.get("/admin/policy", Some(&cookie)).await;
    for kind in MethodKind::ALL {
        let name = format!("name=\"method_{}\"", kind.as_str());
        assert!(page.body.contains(&name), "no {name} on the page");
    }
    let saved = |form: Vec<(&'static str, &'static str)>| {
        let t = &t;
        let cookie = cookie.clone();
        async move {
            let r = t.call("admin/policy/save", &form, Some(&cookie)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            t.state
                .store
                .find_org(t.org.id)
                .await
                .unwrap()
                .unwrap()
                .policy
        }
    };
    let kept = saved(form(&[])).await;
    assert!(kept.methods_enabled.contains(&MethodKind::Passkey));
    let without: Vec<_> = form(&[])
        .into_iter()
        .filter(|(k, _)| *k != "method_passkey")
        .collect();
    let dropped = saved(without).await;
    assert!(!dropped.methods_enabled.contains(&MethodKind::Passkey));
}
