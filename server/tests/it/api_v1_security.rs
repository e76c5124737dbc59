//! The security-info endpoints of the JSON API (`/api/v1/security…`) through the router,
//! on both databases, with a bearer session: the same steps `security_info.rs` walks
//! through the pages' calls, answering in JSON and with problem documents.
use crate::api_v1::{api, json_of, no_content, problem, sign_in, Auth};
use crate::support::{Db, Reply, TestApp, PASSWORD};
use app::domain::policy::MethodKind;
use app::server::audit;
use app::server::store::methods::ContactKind;
use app::server::store::Role;
use http::StatusCode;
use serde_json::{json, Value};

crate::db_tests!(
    security_info_needs_a_session,
    an_email_is_added_verified_listed_and_removed,
    a_stale_sign_in_is_refused_until_reauthenticated,
    recovery_codes_are_generated_and_read_once,
    an_authenticator_is_begun_set_up_and_confirmed,
    security_questions_are_saved_as_pairs,
    a_reconfirmation_and_an_unknown_passkey,
);

const USER: &str = "anna@example.com";
const ALT: &str = "anna.home@example.net";

/// A user signed in through the API: their id and bearer token.
async fn signed_in(app: &TestApp, role: Role) -> (i64, String) {
    let id = app.user(USER, role, false).await;
    let reply = sign_in(app, USER, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let token = json_of(&reply)["token"].as_str().unwrap().to_owned();
    (id, token)
}

/// A read that must succeed, as JSON.
async fn get(app: &TestApp, path: &str, token: &str) -> Value {
    let reply = api(app, "GET", path, None, Auth::Bearer(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    json_of(&reply)
}

async fn post(app: &TestApp, path: &str, body: Option<Value>, token: &str) -> Reply {
    api(app, "POST", path, body, Auth::Bearer(token)).await
}

/// A change that must succeed with 204.
async fn done(app: &TestApp, path: &str, body: Option<Value>, token: &str) {
    no_content(&post(app, path, body, token).await);
}

async fn security_info_needs_a_session(db: Db) {
    let app = TestApp::new(db).await;
    let (_, token) = signed_in(&app, Role::User).await;
    let info = get(&app, "/security", &token).await;
    assert_eq!(info["methods"], json!([]));
    assert_eq!(info["recovery_codes_left"], 0);
    assert_eq!(info["recent"], true);
    assert_eq!(info["admin"], false);
    assert!(info["allowed"]
        .as_array()
        .unwrap()
        .contains(&json!("email")));
    // No token, or a forged one: not signed in, for reads and changes alike.
    for (method, path, body) in [
        ("GET", "/security", None),
        ("GET", "/security/pending", None),
        ("POST", "/security/email", Some(json!({ "address": ALT }))),
        ("POST", "/security/recovery-codes/generate", None),
    ] {
        let none = api(&app, method, path, body.clone(), Auth::None).await;
        problem(&none, StatusCode::UNAUTHORIZED, "not_signed_in");
        let forged = api(&app, method, path, body, Auth::Bearer("forged")).await;
        problem(&forged, StatusCode::UNAUTHORIZED, "not_signed_in");
    }
    assert!(app
        .state
        .store
        .recent_messages(10)
        .await
        .unwrap()
        .is_empty());
}

async fn an_email_is_added_verified_listed_and_removed(db: Db) {
    let app = TestApp::new(db).await;
    let (id, token) = signed_in(&app, Role::User).await;
    // Bad input: its own errors, nothing stored.
    let invalid = post(
        &app,
        "/security/email",
        Some(json!({ "address": "not an address" })),
        &token,
    )
    .await;
    problem(&invalid, StatusCode::BAD_REQUEST, "email_invalid");
    let extra = post(
        &app,
        "/security/email",
        Some(json!({ "address": ALT, "extra": 1 })),
        &token,
    )
    .await;
    problem(&extra, StatusCode::BAD_REQUEST, "invalid_input");
    assert!(app.state.store.methods(id).await.unwrap().is_empty());
    assert_eq!(get(&app, "/security/pending", &token).await, Value::Null);

    done(
        &app,
        "/security/email",
        Some(json!({ "address": ALT })),
        &token,
    )
    .await;
    let pending = get(&app, "/security/pending", &token).await;
    assert_eq!(pending["kind"], "email");
    assert_eq!(pending["masked"], "a•••@e•••.net");
    assert_eq!(pending["verified"], false);
    let method = pending["id"].as_i64().unwrap();
    let code = app.code_sent_to(ALT).await.unwrap();
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let refused = post(
        &app,
        "/security/verify",
        Some(json!({ "method": method, "code": wrong })),
        &token,
    )
    .await;
    let doc = problem(&refused, StatusCode::BAD_REQUEST, "code_wrong");
    assert_eq!(doc["remaining"], 4);
    assert!(!refused.body.contains(wrong));
    // A resend within the minute says how long to wait.
    let early = post(
        &app,
        "/security/resend",
        Some(json!({ "method": method })),
        &token,
    )
    .await;
    let doc = problem(&early, StatusCode::TOO_MANY_REQUESTS, "too_soon");
    assert_eq!(doc["wait_seconds"], 60);
    done(
        &app,
        "/security/verify",
        Some(json!({ "method": method, "code": code })),
        &token,
    )
    .await;
    // Listed, verified and masked; nothing pending.
    let info = get(&app, "/security", &token).await;
    assert_eq!(info["methods"].as_array().unwrap().len(), 1);
    assert_eq!(info["methods"][0]["id"], method);
    assert_eq!(info["methods"][0]["kind"], "email");
    assert_eq!(info["methods"][0]["verified"], true);
    assert_eq!(info["methods"][0]["masked"], "a•••@e•••.net");
    assert!(info["usable"].as_u64().unwrap() >= 1);
    assert!(!info.to_string().contains(ALT));
    assert_eq!(get(&app, "/security/pending", &token).await, Value::Null);
    let again = post(
        &app,
        "/security/email",
        Some(json!({ "address": ALT })),
        &token,
    )
    .await;
    problem(&again, StatusCode::BAD_REQUEST, "method_exists");

    done(
        &app,
        "/security/remove",
        Some(json!({ "method": method })),
        &token,
    )
    .await;
    assert_eq!(get(&app, "/security", &token).await["methods"], json!([]));
    let mail = app.state.store.recent_messages(2).await.unwrap();
    assert!(mail.iter().any(|m| m.body.contains("was removed")));
    let gone = post(
        &app,
        "/security/remove",
        Some(json!({ "method": method })),
        &token,
    )
    .await;
    problem(&gone, StatusCode::NOT_FOUND, "not_found");
}

async fn a_stale_sign_in_is_refused_until_reauthenticated(db: Db) {
    let app = TestApp::new(db).await;
    let (id, token) = signed_in(&app, Role::User).await;
    app.clock.advance(11 * 60);
    // Reading is still allowed, and says the sign-in is no longer recent.
    assert_eq!(get(&app, "/security", &token).await["recent"], false);
    let stale = post(
        &app,
        "/security/email",
        Some(json!({ "address": ALT })),
        &token,
    )
    .await;
    problem(&stale, StatusCode::FORBIDDEN, "reauth_required");
    let stale = post(&app, "/security/recovery-codes/generate", None, &token).await;
    problem(&stale, StatusCode::FORBIDDEN, "reauth_required");
    assert!(app.state.store.methods(id).await.unwrap().is_empty());

    let wrong = post(
        &app,
        "/security/reauthenticate",
        Some(json!({ "password": "not the password" })),
        &token,
    )
    .await;
    problem(&wrong, StatusCode::BAD_REQUEST, "current_password_wrong");
    assert!(!wrong.body.contains("not the password"));
    done(
        &app,
        "/security/reauthenticate",
        Some(json!({ "password": PASSWORD })),
        &token,
    )
    .await;
    assert_eq!(get(&app, "/security", &token).await["recent"], true);
    done(
        &app,
        "/security/email",
        Some(json!({ "address": ALT })),
        &token,
    )
    .await;
    assert_eq!(app.state.store.methods(id).await.unwrap().len(), 1);
    let actions: Vec<String> = app
        .state
        .store
        .audit_events(20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{}:{}", e.action, e.outcome))
        .collect();
    assert!(
        actions.contains(&"reauth:failure".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"reauth:success".to_owned()),
        "{actions:?}"
    );
}

async fn recovery_codes_are_generated_and_read_once(db: Db) {
    let app = TestApp::new(db).await;
    let (id, token) = signed_in(&app, Role::User).await;
    assert_eq!(
        get(&app, "/security/recovery-codes", &token).await,
        json!([])
    );
    done(&app, "/security/recovery-codes/generate", None, &token).await;
    let codes = get(&app, "/security/recovery-codes", &token).await;
    let codes: Vec<String> = serde_json::from_value(codes).unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        get(&app, "/security", &token).await["recovery_codes_left"],
        10
    );
    // Another session of the same user can't read them.
    let other = json_of(&sign_in(&app, USER, PASSWORD).await)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        get(&app, "/security/recovery-codes", &other).await,
        json!([])
    );
    // "Saved": not shown again, still there.
    done(&app, "/security/recovery-codes/saved", None, &token).await;
    assert_eq!(
        get(&app, "/security/recovery-codes", &token).await,
        json!([])
    );
    assert_eq!(app.state.store.recovery_codes_left(id).await.unwrap(), 10);
    done(&app, "/security/recovery-codes/remove", None, &token).await;
    assert_eq!(
        get(&app, "/security", &token).await["recovery_codes_left"],
        0
    );
    let none = post(&app, "/security/recovery-codes/remove", None, &token).await;
    problem(&none, StatusCode::NOT_FOUND, "not_found");
}

async fn an_authenticator_is_begun_set_up_and_confirmed(db: Db) {
    use app::server::totp;
    let app = TestApp::new(db).await;
    let (id, token) = signed_in(&app, Role::User).await;
    assert_eq!(
        get(&app, "/security/authenticator/setup", &token).await,
        Value::Null
    );
    done(&app, "/security/authenticator/begin", None, &token).await;
    let setup = get(&app, "/security/authenticator/setup", &token).await;
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
    let row = app.state.store.methods(id).await.unwrap().remove(0);
    assert_eq!(row.kind, ContactKind::Authenticator);
    let seed = app.state.keys.open("totp-seed", &row.value).unwrap();
    let secret = totp::TotpSecret::from_bytes(&seed).unwrap();
    assert_eq!(setup["secret"], totp::grouped(&secret.to_base32()));

    let step = app.state.now() / 30;
    let wrong = format!(
        "{:06}",
        (totp::code_at(&secret, step).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    let refused = post(
        &app,
        "/security/authenticator/confirm",
        Some(json!({ "code": wrong })),
        &token,
    )
    .await;
    problem(&refused, StatusCode::BAD_REQUEST, "totp_wrong");
    let info = get(&app, "/security", &token).await;
    assert_eq!(info["methods"][0]["verified"], false);
    let code = totp::code_at(&secret, step);
    done(
        &app,
        "/security/authenticator/confirm",
        Some(json!({ "code": code })),
        &token,
    )
    .await;
    let info = get(&app, "/security", &token).await;
    assert_eq!(info["methods"][0]["kind"], "authenticator");
    assert_eq!(info["methods"][0]["verified"], true);
    assert_eq!(
        get(&app, "/security/authenticator/setup", &token).await,
        Value::Null
    );
    // One authenticator per account.
    let again = post(&app, "/security/authenticator/begin", None, &token).await;
    problem(&again, StatusCode::BAD_REQUEST, "method_exists");
}

async fn security_questions_are_saved_as_pairs(db: Db) {
    let app = TestApp::new(db).await;
    let (id, token) = signed_in(&app, Role::User).await;
    let answers = json!({ "answers": [
        { "question": "q01", "answer": "Fido" },
        { "question": "q02", "answer": "Torino" },
        { "question": "custom:0", "answer": "  Blue   Lagoon " },
    ]});
    let off = post(&app, "/security/questions", Some(answers.clone()), &token).await;
    problem(&off, StatusCode::FORBIDDEN, "method_not_allowed");
    let off = api(
        &app,
        "GET",
        "/security/questions",
        None,
        Auth::Bearer(&token),
    )
    .await;
    problem(&off, StatusCode::FORBIDDEN, "method_not_allowed");
    let mut policy = app.org.policy.clone();
    policy.methods_enabled.push(MethodKind::SecurityQuestions);
    policy.custom_questions = vec!["Name of our first office?".into()];
    let event = audit::by_cli(app.state.now(), "policy.set", Some(app.org.id), None, "");
    app.state
        .store
        .set_policy(app.org.id, &policy, &event)
        .await
        .unwrap();
    let form = get(&app, "/security/questions", &token).await;
    assert_eq!(form["registered"], json!([]));
    let choices = form["choices"].as_array().unwrap();
    assert!(choices.contains(&json!({ "key": "q01", "custom_text": null })));
    assert!(choices.contains(&json!({
        "key": "custom:0",
        "custom_text": "Name of our first office?"
    })));
    // The same question twice, and more pairs than the form takes, are refused.
    let twice = json!({ "answers": [
        { "question": "q01", "answer": "Fido" },
        { "question": "q01", "answer": "Torino" },
        { "question": "custom:0", "answer": "Blue Lagoon" },
    ]});
    let r = post(&app, "/security/questions", Some(twice), &token).await;
    problem(&r, StatusCode::BAD_REQUEST, "answers_invalid");
    let six: Vec<Value> = (1..=6)
        .map(|n| json!({ "question": format!("q0{n}"), "answer": "long enough" }))
        .collect();
    let r = post(
        &app,
        "/security/questions",
        Some(json!({ "answers": six })),
        &token,
    )
    .await;
    problem(&r, StatusCode::BAD_REQUEST, "invalid_input");
    no_content(&post(&app, "/security/questions", Some(answers), &token).await);
    assert_eq!(
        app.state.store.security_questions(id).await.unwrap(),
        ["custom:0", "q01", "q02"]
    );
    let form = get(&app, "/security/questions", &token).await;
    assert_eq!(form["registered"], json!(["custom:0", "q01", "q02"]));
    assert_eq!(
        get(&app, "/security", &token).await["questions_registered"],
        3
    );
    done(&app, "/security/questions/remove", None, &token).await;
    assert!(app
        .state
        .store
        .security_questions(id)
        .await
        .unwrap()
        .is_empty());
}

async fn a_reconfirmation_and_an_unknown_passkey(db: Db) {
    let app = TestApp::new(db).await;
    let (id, token) = signed_in(&app, Role::User).await;
    done(
        &app,
        "/security/email",
        Some(json!({ "address": ALT })),
        &token,
    )
    .await;
    let method = app.state.store.methods(id).await.unwrap()[0].id;
    let code = app.code_sent_to(ALT).await.unwrap();
    done(
        &app,
        "/security/verify",
        Some(json!({ "method": method, "code": code })),
        &token,
    )
    .await;
    // 180 days later the sign-in asks whether the methods are still current.
    app.clock.advance(180 * 86_400);
    let signed_in = json_of(&sign_in(&app, USER, PASSWORD).await);
    assert_eq!(signed_in["next"], "confirm_security_info");
    let fresh = signed_in["token"].as_str().unwrap();
    no_content(&post(&app, "/security/confirm", None, fresh).await);
    assert_eq!(
        json_of(&sign_in(&app, USER, PASSWORD).await)["next"],
        "account"
    );
    // No such passkey (only the browser registers them): not found.
    assert_eq!(get(&app, "/security", fresh).await["passkeys"], json!([]));
    let r = post(
        &app,
        "/security/passkeys/remove",
        Some(json!({ "passkey": 12345 })),
        fresh,
    )
    .await;
    problem(&r, StatusCode::NOT_FOUND, "not_found");
    let r = post(
        &app,
        "/security/passkeys/remove",
        Some(json!({ "passkey": "one" })),
        fresh,
    )
    .await;
    problem(&r, StatusCode::BAD_REQUEST, "invalid_input");
}
