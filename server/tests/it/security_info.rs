//! Security info: registering, verifying and removing recovery methods, through the same
//! HTTP calls the pages make, on both databases.
use crate::db_tests;
use crate::support::{Db, TestApp, PASSWORD};
use app::domain::policy::MethodKind;
use app::server::audit;
use app::server::store::methods::{CodeCheck, ContactKind};
use app::server::store::Role;
use http::StatusCode;

db_tests!(
    adding_an_email_needs_a_recent_signin_and_the_code_sent_to_it,
    wrong_codes_resends_and_expiry,
    one_code_succeeds_once_under_concurrency,
    fifty_parallel_wrong_codes_get_at_most_five_comparisons,
    a_phone_is_validated_and_gets_its_code_by_sms,
    authenticator_enrolment_and_replay,
    recovery_codes_are_shown_once_single_use_and_replaced,
    removing_a_method_notifies_and_audits,
    security_questions_only_where_enabled,
    sign_in_asks_for_registration_and_reconfirmation,
    codes_of_another_user_or_method_are_refused,
);

const ALT: &str = "anna.home@example.net";
const USER: &str = "anna@example.com";

async fn signed_in(t: &TestApp, role: Role) -> (i64, String) {
    let id = t.user(USER, role, false).await;
    let cookie = t.sign_in(USER, PASSWORD).await;
    (id, cookie)
}

fn code_of(body: &str) -> &str {
    body.split("\"code\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
}

async fn pending_id(t: &TestApp, user: i64) -> i64 {
    t.state
        .store
        .methods(user)
        .await
        .unwrap()
        .iter()
        .find(|m| m.verified_at.is_none())
        .unwrap()
        .id
}

async fn add_verified_email(t: &TestApp, user: i64, cookie: &str, address: &str) {
    let r = t
        .call("security/email", &[("address", address)], Some(cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let code = t.code_sent_to(address).await.unwrap();
    let id = pending_id(t, user).await.to_string();
    let r = t
        .call(
            "security/verify",
            &[("method", &id), ("code", &code)],
            Some(cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn adding_an_email_needs_a_recent_signin_and_the_code_sent_to_it(db: Db) {
    let t = TestApp::new(db).await;
    let (id, cookie) = signed_in(&t, Role::User).await;
    // Eleven minutes after signing in, the password is needed again.
    t.clock.advance(11 * 60);
    let r = t
        .call("security/email", &[("address", ALT)], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(code_of(&r.body), "reauth_required");
    // Without JavaScript the refusal goes back to the security info page.
    let r = t
        .post_form("security/email", &[("address", ALT)], Some(&cookie))
        .await;
    let location = r.header("location").unwrap();
    assert!(location.starts_with("/account/security?"), "{location}");
    let page = t.get(location, Some(&cookie)).await;
    assert!(
        page.body.contains("enter your password again"),
        "{}",
        page.body
    );
    assert!(page.body.contains("reauth-form"));

    let r = t
        .call("security/reauth", &[("password", "wrong")], Some(&cookie))
        .await;
    assert_eq!(code_of(&r.body), "current_password_wrong");
    let r = t
        .call("security/reauth", &[("password", PASSWORD)], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Bad input is refused with its own error and nothing is stored.
    let r = t
        .call(
            "security/email",
            &[("address", "not an address")],
            Some(&cookie),
        )
        .await;
    assert_eq!(code_of(&r.body), "email_invalid");
    let r = t
        .call("security/email", &[("address", USER)], Some(&cookie))
        .await;
    assert_eq!(code_of(&r.body), "method_exists");
    assert!(t.state.store.methods(id).await.unwrap().is_empty());

    // The code goes to the new address, and only there.
    let r = t
        .post_form("security/email", &[("address", ALT)], Some(&cookie))
        .await;
    assert_eq!(r.header("location"), Some("/account/security/verify"));
    let mail = t.state.store.recent_messages(10).await.unwrap();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].recipient, ALT);
    let code = t.code_sent_to(ALT).await.unwrap();
    let page = t.get("/account/security/verify", Some(&cookie)).await;
    assert!(page.body.contains("a•••@e•••.net"), "{}", page.body);
    assert!(!page.body.contains(ALT));

    let method = pending_id(&t, id).await.to_string();
    let r = t
        .post_form(
            "security/verify",
            &[("method", &method), ("code", &code)],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.header("location"), Some("/account/security?done=added"));
    let methods = t.state.store.methods(id).await.unwrap();
    assert!(methods[0].verified_at.is_some());
    // The account's own address is told, in the user's language, without the code.
    let mail = t.state.store.recent_messages(10).await.unwrap();
    let notice = mail.iter().find(|m| m.recipient == USER).unwrap();
    assert!(notice.subject.contains("security info changed"));
    assert!(notice.body.contains("a•••@e•••.net"));
    assert!(!notice.body.contains(&code));
    // Listed masked on the page, and audited.
    let page = t.get("/account/security", Some(&cookie)).await;
    assert!(page.body.contains("a•••@e•••.net"));
    assert!(!page.body.contains(ALT));
    let actions: Vec<String> = t
        .state
        .store
        .audit_events(20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{}:{}", e.action, e.outcome))
        .collect();
    assert!(
        actions.contains(&"method.add:success".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"reauth:failure".to_owned()),
        "{actions:?}"
    );
    // The same address again is a duplicate.
    let r = t
        .call("security/email", &[("address", ALT)], Some(&cookie))
        .await;
    assert_eq!(code_of(&r.body), "method_exists");
}

async fn wrong_codes_resends_and_expiry(db: Db) {
    let t = TestApp::new(db).await;
    let (id, cookie) = signed_in(&t, Role::User).await;
    t.call("security/email", &[("address", ALT)], Some(&cookie))
        .await;
    let first = t.code_sent_to(ALT).await.unwrap();
    let method = pending_id(&t, id).await.to_string();
    let wrong = if first == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for left in [4, 3] {
        let r = t
            .call(
                "security/verify",
                &[("method", &method), ("code", wrong)],
                Some(&cookie),
            )
            .await;
        assert_eq!(code_of(&r.body), "code_wrong");
        assert!(
            r.body.contains(&format!("\"remaining\":{left}")),
            "{}",
            r.body
        );
    }
    // A resend within the minute is refused, saying how long to wait.
    let r = t
        .call("security/resend", &[("method", &method)], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("\"wait_seconds\":60"), "{}", r.body);
    t.clock.advance(61);
    let r = t
        .call("security/resend", &[("method", &method)], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = t.code_sent_to(ALT).await.unwrap();
    // The old code is dead, and the resend did not reset the count of failures.
    if first != second {
        let r = t
            .call(
                "security/verify",
                &[("method", &method), ("code", &first)],
                Some(&cookie),
            )
            .await;
        assert_eq!(code_of(&r.body), "code_wrong");
        assert!(r.body.contains("\"remaining\":2"), "{}", r.body);
    }
    // Ten minutes later the new code has expired; nothing was verified.
    t.clock.advance(10 * 60);
    t.call("security/reauth", &[("password", PASSWORD)], Some(&cookie))
        .await;
    let r = t
        .call(
            "security/verify",
            &[("method", &method), ("code", &second)],
            Some(&cookie),
        )
        .await;
    assert_eq!(code_of(&r.body), "code_expired");
    assert!(t.state.store.methods(id).await.unwrap()[0]
        .verified_at
        .is_none());
    // Five wrong tries kill a code, even the right one after them.
    t.call("security/resend", &[("method", &method)], Some(&cookie))
        .await;
    let third = t.code_sent_to(ALT).await.unwrap();
    let wrong = if third == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for _ in 0..5 {
        t.call(
            "security/verify",
            &[("method", &method), ("code", wrong)],
            Some(&cookie),
        )
        .await;
    }
    let r = t
        .call(
            "security/verify",
            &[("method", &method), ("code", &third)],
            Some(&cookie),
        )
        .await;
    assert_eq!(code_of(&r.body), "code_expired");
    assert!(t.state.store.methods(id).await.unwrap()[0]
        .verified_at
        .is_none());
}

async fn one_code_succeeds_once_under_concurrency(db: Db) {
    let t = TestApp::new(db).await;
    let (id, cookie) = signed_in(&t, Role::User).await;
    t.call("security/email", &[("address", ALT)], Some(&cookie))
        .await;
    let code = t.code_sent_to(ALT).await.unwrap();
    let method = pending_id(&t, id).await;
    let mac = t
        .state
        .keys
        .mac_hex("code:verify_method", format!("{method}:{code}").as_bytes());
    let now = t.state.now();
    let checks = (0..10).map(|_| {
        let store = t.state.store.clone();
        let mac = mac.clone();
        tokio::spawn(async move {
            store
                .check_code(method, id, "verify_method", &mac, now)
                .await
                .unwrap()
        })
    });
    let mut accepted = 0;
    for c in checks {
        if c.await.unwrap() == CodeCheck::Accepted {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 1);
}

async fn fifty_parallel_wrong_codes_get_at_most_five_comparisons(db: Db) {
    let t = TestApp::new(db).await;
    let (id, cookie) = signed_in(&t, Role::User).await;
    t.call("security/email", &[("address", ALT)], Some(&cookie))
        .await;
    let method = pending_id(&t, id).await;
    let now = t.state.now();
    let checks: Vec<_> = (0..50)
        .map(|i| {
            let store = t.state.store.clone();
            tokio::spawn(async move {
                store
                    .check_code(method, id, "verify_method", &format!("wrong{i}"), now)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut wrong = 0;
    for c in checks {
        match c.await.unwrap() {
            CodeCheck::Wrong { .. } => wrong += 1,
            CodeCheck::Dead => {}
            CodeCheck::Accepted => panic!("a wrong code was accepted"),
        }
    }
    assert!(wrong <= 5, "{wrong} comparisons");
    // And the right code is dead now too.
    let code = t.code_sent_to(ALT).await.unwrap();
    let mac = t
        .state
        .keys
        .mac_hex("code:verify_method", format!("{method}:{code}").as_bytes());
    assert_eq!(
        t.state
            .store
            .check_code(method, id, "verify_method", &mac, now)
            .await
            .unwrap(),
        CodeCheck::Dead
    );
}

async fn codes_of_another_user_or_method_are_refused(db: Db) {
    let t = TestApp::new(db).await;
    let (anna, anna_cookie) = signed_in(&t, Role::User).await;
    t.user("bob@example.com", Role::User, false).await;
    let bob_cookie = t.sign_in("bob@example.com", PASSWORD).await;
    t.call("security/email", &[("address", ALT)], Some(&anna_cookie))
        .await;
    let anna_code = t.code_sent_to(ALT).await.unwrap();
    let anna_method = pending_id(&t, anna).await.to_string();
    // Bob can't verify Anna's method, even with her code.
    let r = t
        .call(
            "security/verify",
            &[("method", &anna_method), ("code", &anna_code)],
            Some(&bob_cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Bob's own pending method does not take Anna's code.
    t.call(
        "security/email",
        &[("address", "bob.home@example.net")],
        Some(&bob_cookie),
    )
    .await;
    let bob = t
        .state
        .store
        .find_user_by_email("bob@example.com")
        .await
        .unwrap()
        .unwrap();
    let bob_method = pending_id(&t, bob.id).await.to_string();
    let r = t
        .call(
            "security/verify",
            &[("method", &bob_method), ("code", &anna_code)],
            Some(&bob_cookie),
        )
        .await;
    assert_eq!(code_of(&r.body), "code_wrong");
    // Extra fields are refused before anything runs.
    let r = t
        .call(
            "security/verify",
            &[
                ("method", &anna_method),
                ("code", &anna_code),
                ("user", "1"),
            ],
            Some(&anna_cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Her own code still works for her.
    let r = t
        .call(
            "security/verify",
            &[("method", &anna_method), ("code", &anna_code)],
            Some(&anna_cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn a_phone_is_validated_and_gets_its_code_by_sms(db: Db) {
    let t = TestApp::new(db).await;
    let (id, cookie) = signed_in(&t, Role::User).await;
    let r = t
        .call("security/phone", &[("number", "12345")], Some(&cookie))
        .await;
    assert_eq!(code_of(&r.body), "phone_invalid");
    let mut policy = t.org.policy.clone();
    policy.sms_regions = vec!["IT".into()];
    let event = audit::by_cli(t.state.now(), "policy.set", Some(t.org.id), None, "");
    t.state
        .store
        .set_policy(t.org.id, &policy, &event)
        .await
        .unwrap();
    let r = t
        .call(
            "security/phone",
            &[("number", "+44 7911 123456")],
            Some(&cookie),
        )
        .await;
    assert_eq!(code_of(&r.body), "phone_region_not_allowed");
    let r = t
        .call(
            "security/phone",
            &[("number", "+39 333 123 4567")],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mail = t.state.store.recent_messages(10).await.unwrap();
    assert_eq!(mail[0].channel, "sms");
    assert_eq!(mail[0].recipient, "+393331234567");
    let code = t.code_sent_to("+393331234567").await.unwrap();
    let method = pending_id(&t, id).await.to_string();
    let r = t
        .call(
            "security/verify",
            &[("method", &method), ("code", &code)],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = t.get("/account/security", Some(&cookie)).await;
    assert!(page.body.contains("+39 ••• ••• ••67"), "{}", page.body);
    // SMS off by policy: refused.
    policy.methods_enabled.retain(|k| *k != MethodKind::Sms);
    t.state
        .store
        .set_policy(t.org.id, &policy, &event)
        .await
        .unwrap();
    let r = t
        .call(
            "security/phone",
            &[("number", "+39 333 765 4321")],
            Some(&cookie),
        )
        .await;
    assert_eq!(code_of(&r.body), "method_not_allowed");
}

async fn authenticator_enrolment_and_replay(db: Db) {
    use app::server::totp;
    let t = TestApp::new(db).await;
    let (id, cookie) = signed_in(&t, Role::User).await;
    let r = t
        .post_form("security/authenticator/begin", &[], Some(&cookie))
        .await;
    assert_eq!(
        r.header("location"),
        Some("/account/security/authenticator")
    );
    let page = t
        .get("/account/security/authenticator", Some(&cookie))
        .await;
    assert!(page.body.contains("<svg"), "{}", page.body);
    let row = t.state.store.methods(id).await.unwrap().remove(0);
    assert_eq!(row.kind, ContactKind::Authenticator);
    let seed = t.state.keys.open("totp-seed", &row.value).unwrap();
    let secret = totp::TotpSecret::from_bytes(&seed).unwrap();
    // The seed is stored sealed, and the page shows it as text for typing in.
    assert!(!row.value.contains(&secret.to_base32()));
    assert!(page.body.contains(&totp::grouped(&secret.to_base32())));

    let now = t.state.now();
    let step = now / 30;
    let wrong = format!(
        "{:06}",
        (totp::code_at(&secret, step).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    let r = t
        .call(
            "security/authenticator/confirm",
            &[("code", &wrong)],
            Some(&cookie),
        )
        .await;
    assert_eq!(code_of(&r.body), "totp_wrong");
    let code = totp::code_at(&secret, step);
    let r = t
        .call(
            "security/authenticator/confirm",
            &[("code", &code)],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let row = t.state.store.methods(id).await.unwrap().remove(0);
    assert!(row.verified_at.is_some());
    assert_eq!(row.last_used_step, Some(step));
    // The same step is never accepted again.
    assert!(!t
        .state
        .store
        .accept_totp_step(row.id, id, step, now)
        .await
        .unwrap());
    assert!(matches!(
        totp::verify(&secret, &code, now, row.last_used_step),
        Err(totp::TotpRejected::Replayed)
    ));
    // The next step is.
    assert!(t
        .state
        .store
        .accept_totp_step(row.id, id, step + 1, now + 30)
        .await
        .unwrap());
    // One authenticator per account.
    let r = t
        .call("security/authenticator/begin", &[], Some(&cookie))
        .await;
    assert_eq!(code_of(&r.body), "method_exists");
}

async fn recovery_codes_are_shown_once_single_use_and_replaced(db: Db) {
    use app::server::recovery_codes;
    let t = TestApp::new(db).await;
    let (id, cookie) = signed_in(&t, Role::User).await;
    let r = t
        .post_form("security/recovery-codes/generate", &[], Some(&cookie))
        .await;
    assert_eq!(
        r.header("location"),
        Some("/account/security/recovery-codes")
    );
    let r = t
        .call("security/recovery-codes/show", &[], Some(&cookie))
        .await;
    let codes: Vec<String> = serde_json::from_str(&r.body).unwrap();
    assert_eq!(codes.len(), 10);
    let page = t
        .get("/account/security/recovery-codes", Some(&cookie))
        .await;
    assert!(page.body.contains(&codes[0]));
    let file = t
        .get("/account/security/recovery-codes.txt", Some(&cookie))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file
        .header("content-disposition")
        .unwrap()
        .contains("attachment"));
    assert!(file.body.contains(&codes[9]));
    // Nobody else can read them: not another session of the same user, not a stranger.
    let other = t.sign_in(USER, PASSWORD).await;
    let file = t
        .get("/account/security/recovery-codes.txt", Some(&other))
        .await;
    assert_eq!(file.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get("/account/security/recovery-codes.txt", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // "I've saved them": gone from the page.
    t.call("security/recovery-codes/saved", &[], Some(&cookie))
        .await;
    let r = t
        .call("security/recovery-codes/show", &[], Some(&cookie))
        .await;
    assert_eq!(r.body, "[]");

    assert_eq!(t.state.store.recovery_codes_left(id).await.unwrap(), 10);
    let fingerprint = |code: &str| {
        recovery_codes::fingerprint(&t.state.keys, &recovery_codes::normalize(code).unwrap())
    };
    let now = t.state.now();
    let first = fingerprint(&codes[0]);
    assert!(t
        .state
        .store
        .consume_recovery_code(id, &first, now)
        .await
        .unwrap());
    assert!(!t
        .state
        .store
        .consume_recovery_code(id, &first, now)
        .await
        .unwrap());
    assert_eq!(t.state.store.recovery_codes_left(id).await.unwrap(), 9);
    // A new set kills the old one, and the user is told.
    t.call("security/recovery-codes/generate", &[], Some(&cookie))
        .await;
    let second = fingerprint(&codes[1]);
    assert!(!t
        .state
        .store
        .consume_recovery_code(id, &second, now)
        .await
        .unwrap());
    assert_eq!(t.state.store.recovery_codes_left(id).await.unwrap(), 10);
    let mail = t.state.store.recent_messages(10).await.unwrap();
    assert!(
        mail[0].body.contains("earlier ones no longer work"),
        "{}",
        mail[0].body
    );
    assert!(!mail.iter().any(|m| m.body.contains(&codes[2])));
    // Removed as a whole, announced; nothing left to remove after.
    let r = t
        .post_form("security/recovery-codes/remove", &[], Some(&cookie))
        .await;
    assert_eq!(r.header("location"), Some("/account/security?done=removed"));
    assert_eq!(t.state.store.recovery_codes_left(id).await.unwrap(), 0);
    let mail = t.state.store.recent_messages(1).await.unwrap();
    assert!(
        mail[0].body.contains("recovery codes were removed"),
        "{}",
        mail[0].body
    );
    let r = t
        .call("security/recovery-codes/remove", &[], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn removing_a_method_notifies_and_audits(db: Db) {
    let t = TestApp::new(db).await;
    let (id, cookie) = signed_in(&t, Role::User).await;
    add_verified_email(&t, id, &cookie, ALT).await;
    add_verified_email(&t, id, &cookie, "anna.two@example.org").await;
    let methods = t.state.store.methods(id).await.unwrap();
    assert_eq!(methods.len(), 2);
    // A stale session must prove the password before removing.
    t.clock.advance(11 * 60);
    let first = methods[0].id.to_string();
    let r = t
        .call("security/remove", &[("method", &first)], Some(&cookie))
        .await;
    assert_eq!(code_of(&r.body), "reauth_required");
    t.call("security/reauth", &[("password", PASSWORD)], Some(&cookie))
        .await;
    let r = t
        .post_form("security/remove", &[("method", &first)], Some(&cookie))
        .await;
    assert_eq!(r.header("location"), Some("/account/security?done=removed"));
    assert_eq!(t.state.store.methods(id).await.unwrap().len(), 1);
    // Every address of the user is told, the removed one too: if this wasn't them, that
    // is where they will notice.
    let mail = t.state.store.recent_messages(3).await.unwrap();
    let mut to: Vec<&str> = mail.iter().map(|m| m.recipient.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["anna.home@example.net", "anna.two@example.org", USER]);
    assert!(mail[0].body.contains("was removed"));
    let events = t.state.store.audit_events(5).await.unwrap();
    assert!(events.iter().any(|e| e.action == "method.remove"));
    // Someone else's method id is not found.
    t.user("bob@example.com", Role::User, false).await;
    let bob = t.sign_in("bob@example.com", PASSWORD).await;
    let remaining = t.state.store.methods(id).await.unwrap()[0].id.to_string();
    let r = t
        .call("security/remove", &[("method", &remaining)], Some(&bob))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(t.state.store.methods(id).await.unwrap().len(), 1);
}

async fn security_questions_only_where_enabled(db: Db) {
    let t = TestApp::new(db).await;
    let (id, cookie) = signed_in(&t, Role::User).await;
    let answers = [
        ("question_1", "q01"),
        ("answer_1", "Fido"),
        ("question_2", "q02"),
        ("answer_2", "Torino"),
        ("question_3", "custom:0"),
        ("answer_3", "  Blue   Lagoon "),
    ];
    let r = t
        .call("security/questions/save", &answers, Some(&cookie))
        .await;
    assert_eq!(code_of(&r.body), "method_not_allowed");
    let mut policy = t.org.policy.clone();
    policy.methods_enabled.push(MethodKind::SecurityQuestions);
    policy.custom_questions = vec!["Name of our first office?".into()];
    let event = audit::by_cli(t.state.now(), "policy.set", Some(t.org.id), None, "");
    t.state
        .store
        .set_policy(t.org.id, &policy, &event)
        .await
        .unwrap();
    let page = t.get("/account/security/questions", Some(&cookie)).await;
    assert!(page.body.contains("Name of our first office?"));
    assert!(page.body.contains("What was the name of your first pet?"));
    // The same question twice, or a short answer, is refused.
    let mut twice = answers;
    twice[2] = ("question_2", "q01");
    let r = t
        .call("security/questions/save", &twice, Some(&cookie))
        .await;
    assert_eq!(code_of(&r.body), "answers_invalid");
    let mut short = answers;
    short[1] = ("answer_1", " F ");
    let r = t
        .call("security/questions/save", &short, Some(&cookie))
        .await;
    assert_eq!(code_of(&r.body), "answers_invalid");
    let r = t
        .call("security/questions/save", &answers, Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        t.state.store.security_questions(id).await.unwrap(),
        ["custom:0", "q01", "q02"]
    );
    let page = t.get("/account/security", Some(&cookie)).await;
    assert!(page.body.contains(r#"data-kind="security_questions""#));
    assert!(page.body.contains("questions answered"), "{}", page.body);
    let r = t
        .call("security/questions/remove", &[], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(t
        .state
        .store
        .security_questions(id)
        .await
        .unwrap()
        .is_empty());
    // Administrators never get them.
    t.user("admin@example.com", Role::GlobalAdmin, false).await;
    let admin = t.sign_in("admin@example.com", PASSWORD).await;
    let r = t
        .call("security/questions/save", &answers, Some(&admin))
        .await;
    assert_eq!(code_of(&r.body), "method_not_allowed");
}

/// Where a sign-in without JavaScript is sent.
async fn login(t: &TestApp, who: &str) -> Option<String> {
    t.post_form(
        "auth/login",
        &[("user_id", who), ("password", PASSWORD)],
        None,
    )
    .await
    .header("location")
    .map(str::to_owned)
}

async fn sign_in_asks_for_registration_and_reconfirmation(db: Db) {
    let t = TestApp::new(db).await;
    let (id, cookie) = signed_in(&t, Role::User).await;
    assert_eq!(
        login(&t, USER).await.as_deref(),
        Some("/account/security/required")
    );
    let page = t.get("/account/security/required", Some(&cookie)).await;
    assert!(page.body.contains("skip-registration"), "{}", page.body);
    add_verified_email(&t, id, &cookie, ALT).await;
    assert_eq!(login(&t, USER).await.as_deref(), Some("/account"));
    // 180 days later: are these still current?
    t.clock.advance(180 * 86_400);
    assert_eq!(
        login(&t, USER).await.as_deref(),
        Some("/account/security/confirm")
    );
    let fresh = t.sign_in(USER, PASSWORD).await;
    let r = t.post_form("security/confirm", &[], Some(&fresh)).await;
    assert_eq!(r.header("location"), Some("/account"));
    assert_eq!(login(&t, USER).await.as_deref(), Some("/account"));

    // An administrator needs two methods and can't skip.
    let admin = t.user("admin@example.com", Role::GlobalAdmin, false).await;
    let admin_cookie = t.sign_in("admin@example.com", PASSWORD).await;
    add_verified_email(&t, admin, &admin_cookie, "ada.home@example.net").await;
    assert_eq!(
        login(&t, "admin@example.com").await.as_deref(),
        Some("/account/security/required")
    );
    let page = t
        .get("/account/security/required", Some(&admin_cookie))
        .await;
    assert!(!page.body.contains("skip-registration"));
    t.call("security/recovery-codes/generate", &[], Some(&admin_cookie))
        .await;
    assert_eq!(
        login(&t, "admin@example.com").await.as_deref(),
        Some("/account")
    );
}
