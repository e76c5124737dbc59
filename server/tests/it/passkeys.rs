//! Passkeys through the router, on both databases, with webauthn-rs' software passkey as
//! the browser and authenticator: registration by the ceremony itself, discoverable
//! sign-in, a cloned credential (its counter going back), another origin, a replayed
//! challenge, and a passkey as a recovery gate (alone for a user, with a second method
//! for an administrator, and in a decoy's offer).
//!
//! The software passkey keeps no list of its credentials, so for a discoverable sign-in
//! the test tells it which one to use and puts the account's user handle into its
//! answer, as an authenticator holding a discoverable credential does by itself. The
//! server's side of the ceremony is exactly the browser's.
use crate::support::{Db, Reply, TestApp, PASSWORD};
use app::server::store::Role;
use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::sync::Arc;
use webauthn_authenticator_rs::prelude::{
    CreationChallengeResponse, RequestChallengeResponse, Url, WebauthnAuthenticator,
};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

crate::db_tests!(
    a_passkey_is_registered_by_its_ceremony_and_signs_in,
    a_cloned_passkey_whose_counter_goes_back_is_refused,
    another_origin_is_refused,
    a_challenge_is_answered_once,
    a_user_with_only_passkeys_recovers_with_one,
    an_administrator_needs_a_second_different_method,
    a_decoy_may_offer_a_passkey_that_never_verifies,
    the_console_lists_a_passkey_as_a_method,
);

const ORIGIN: &str = "http://localhost:3000";
const USER: &str = "anna@example.com";
const NEW_PASSWORD: &str = "violet quartz lantern 4417";

/// A portal whose public URL is a domain name (passkeys need one; an IP address can't
/// be a relying party).
async fn portal(db: Db) -> TestApp {
    let mut t = TestApp::new(db).await;
    let mut settings = (*t.state.settings).clone();
    settings.public_url = ORIGIN.into();
    // The decoy test starts many flows from one address.
    let many = app::server::recovery::limits::Limit::new(1000, 3600);
    settings.recovery.starts_per_ip = many;
    settings.recovery.starts_per_ip_without_pow = many;
    t.state.settings = Arc::new(settings);
    t.router = server::router(t.state.clone());
    t
}

fn soft() -> SoftPasskey {
    // `true`: it reports user verification, which passkeys require.
    SoftPasskey::new(true)
}

fn ok(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

fn error_code(reply: &Reply) -> String {
    let v: Value = serde_json::from_str(&reply.body)
        .unwrap_or_else(|_| panic!("not JSON: {} {}", reply.status, reply.body));
    v["code"].as_str().unwrap_or_default().to_owned()
}

/// A ceremony's first half: its token and options.
fn started(reply: &Reply) -> (String, Value) {
    ok(reply);
    let v: Value = serde_json::from_str(&reply.body).unwrap();
    let options = serde_json::from_str(v["options"].as_str().unwrap()).unwrap();
    (v["token"].as_str().unwrap().to_owned(), options)
}

fn creation(options: Value) -> CreationChallengeResponse {
    serde_json::from_value(json!({ "publicKey": options })).unwrap()
}

fn request(options: Value) -> RequestChallengeResponse {
    serde_json::from_value(json!({ "publicKey": options })).unwrap()
}

/// Registers a passkey named `name` for the signed-in `cookie`, answered from `origin`.
async fn register(
    t: &TestApp,
    cookie: &str,
    key: &mut SoftPasskey,
    name: &str,
    origin: &str,
) -> Reply {
    let (token, options) = started(&t.call("security/passkey/begin", &[], Some(cookie)).await);
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    // The software passkey can't keep a discoverable credential and refuses to make
    // one: it makes an ordinary one (see the module's note on how it then signs in).
    let mut options = options;
    options["authenticatorSelection"]["residentKey"] = "discouraged".into();
    options["authenticatorSelection"]["requireResidentKey"] = false.into();
    let answer = key
        .do_registration(Url::parse(origin).unwrap(), creation(options))
        .unwrap();
    t.call(
        "security/passkey/finish",
        &[
            ("token", &token),
            ("name", name),
            ("response", &serde_json::to_string(&answer).unwrap()),
        ],
        Some(cookie),
    )
    .await
}

/// A user with a password and one passkey (registered through the ceremony): their id,
/// session cookie and the passkey.
async fn user_with_passkey(t: &TestApp, email: &str, role: Role) -> (i64, String, SoftPasskey) {
    let id = t.user(email, role, false).await;
    let cookie = t.sign_in(email, PASSWORD).await;
    let mut key = soft();
    ok(&register(t, &cookie, &mut key, "work laptop", ORIGIN).await);
    (id, cookie, key)
}

/// The stored credential IDs of the account's passkeys, and its user handle.
async fn credentials(t: &TestApp, user: i64) -> (Vec<Vec<u8>>, Vec<u8>) {
    let ids = t
        .state
        .store
        .passkeys(user)
        .await
        .unwrap()
        .iter()
        .map(|p| URL_SAFE_NO_PAD.decode(&p.credential_id).unwrap())
        .collect();
    let handle = t.state.store.passkey_handle(user, "unused").await.unwrap();
    let handle = uuid_bytes(&handle);
    (ids, handle)
}

fn uuid_bytes(text: &str) -> Vec<u8> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// The authenticator's answer to sign-in `options` with credential `id`, as a holder
/// of that discoverable credential gives it (with the user handle).
fn answer_sign_in(
    key: &mut SoftPasskey,
    mut options: Value,
    id: &[u8],
    handle: &[u8],
    origin: &str,
) -> String {
    assert_eq!(
        options["allowCredentials"],
        json!([]),
        "a discoverable request"
    );
    options["allowCredentials"] =
        json!([{ "type": "public-key", "id": URL_SAFE_NO_PAD.encode(id) }]);
    let mut answer = key
        .do_authentication(Url::parse(origin).unwrap(), request(options))
        .unwrap();
    answer.response.user_handle = Some(handle.to_vec());
    serde_json::to_string(&answer).unwrap()
}

async fn finish_sign_in(t: &TestApp, token: &str, answer: &str) -> Reply {
    t.call(
        "auth/passkey/finish",
        &[("token", token), ("response", answer)],
        None,
    )
    .await
}

async fn a_passkey_is_registered_by_its_ceremony_and_signs_in(db: Db) {
    let t = portal(db).await;
    let (id, cookie, mut laptop) = user_with_passkey(&t, USER, Role::User).await;
    // Several, each named; the usual notice and audit event.
    let mut phone = soft();
    ok(&register(&t, &cookie, &mut phone, "phone", ORIGIN).await);
    let stored = t.state.store.passkeys(id).await.unwrap();
    let names: Vec<&str> = stored.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["work laptop", "phone"]);
    let info: Value =
        serde_json::from_str(&t.call("security/info", &[], Some(&cookie)).await.body).unwrap();
    assert_eq!(info["passkeys"].as_array().unwrap().len(), 2);
    assert_eq!(info["passkeys_available"], true);
    let mail = t.state.store.recent_messages(20).await.unwrap();
    assert!(
        mail.iter()
            .any(|m| m.recipient == USER && m.body.contains("\"phone\" was added")),
        "no notice of the new passkey"
    );
    let events = t.state.store.audit_events(50).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "method.add" && e.detail == "passkey")
            .count(),
        2
    );
    // A name is required, and nothing is stored without one.
    let refused = register(&t, &cookie, &mut soft(), "   ", ORIGIN).await;
    assert_eq!(error_code(&refused), "passkey_name_invalid");
    assert_eq!(t.state.store.passkeys(id).await.unwrap().len(), 2);

    // Sign in with the laptop's passkey, no user ID typed: a session of Anna's.
    let (ids, handle) = credentials(&t, id).await;
    let (token, options) = started(&t.call("auth/passkey/begin", &[], None).await);
    let answer = answer_sign_in(&mut laptop, options, &ids[0], &handle, ORIGIN);
    let reply = finish_sign_in(&t, &token, &answer).await;
    ok(&reply);
    assert_eq!(reply.body, "\"/account\"");
    let session = reply.session_cookie().expect("a session");
    let account = t.call("account/me", &[], Some(&session)).await;
    assert!(account.body.contains(USER), "{}", account.body);
    let used = t.state.store.passkeys(id).await.unwrap();
    assert!(used[0].last_used_at.is_some() && used[1].last_used_at.is_none());

    // Removing one: a plain form, a notice, and it no longer signs in.
    let gone = t
        .post_form(
            "security/passkey/remove",
            &[("passkey", &used[0].id.to_string())],
            Some(&cookie),
        )
        .await;
    assert_eq!(gone.status, StatusCode::FOUND, "{}", gone.body);
    assert_eq!(t.state.store.passkeys(id).await.unwrap().len(), 1);
    let (token, options) = started(&t.call("auth/passkey/begin", &[], None).await);
    let answer = answer_sign_in(&mut laptop, options, &ids[0], &handle, ORIGIN);
    let reply = finish_sign_in(&t, &token, &answer).await;
    assert_eq!(error_code(&reply), "passkey_refused");
    assert!(reply.session_cookie().is_none());
}

async fn a_cloned_passkey_whose_counter_goes_back_is_refused(db: Db) {
    let t = portal(db).await;
    let (id, _, mut key) = user_with_passkey(&t, USER, Role::User).await;
    let (ids, handle) = credentials(&t, id).await;
    // Two ceremonies answered in order (signature counter 1, then 2); the second is
    // used first. The first then shows a counter lower than the stored one: a copy of
    // the key is signing too.
    let (first_token, first) = started(&t.call("auth/passkey/begin", &[], None).await);
    let (second_token, second) = started(&t.call("auth/passkey/begin", &[], None).await);
    let first_answer = answer_sign_in(&mut key, first, &ids[0], &handle, ORIGIN);
    let second_answer = answer_sign_in(&mut key, second, &ids[0], &handle, ORIGIN);
    ok(&finish_sign_in(&t, &second_token, &second_answer).await);
    let stored = t.state.store.passkeys(id).await.unwrap()[0]
        .credential
        .clone();
    let cloned = finish_sign_in(&t, &first_token, &first_answer).await;
    assert_eq!(error_code(&cloned), "passkey_refused");
    assert!(cloned.session_cookie().is_none());
    // The record (its counter) is as the good use left it.
    assert_eq!(
        t.state.store.passkeys(id).await.unwrap()[0].credential,
        stored
    );
    let refusals = t.state.store.audit_events(20).await.unwrap();
    assert!(refusals
        .iter()
        .any(|e| e.action == "signin" && e.detail == "passkey_refused"));
}

async fn another_origin_is_refused(db: Db) {
    let t = portal(db).await;
    let (id, cookie, mut key) = user_with_passkey(&t, USER, Role::User).await;
    // A page of another site on the same host (another port) runs the ceremony.
    let elsewhere = "http://localhost:4444";
    let refused = register(&t, &cookie, &mut soft(), "elsewhere", elsewhere).await;
    assert_eq!(error_code(&refused), "passkey_refused");
    assert_eq!(t.state.store.passkeys(id).await.unwrap().len(), 1);
    let (ids, handle) = credentials(&t, id).await;
    let (token, options) = started(&t.call("auth/passkey/begin", &[], None).await);
    let answer = answer_sign_in(&mut key, options, &ids[0], &handle, elsewhere);
    let reply = finish_sign_in(&t, &token, &answer).await;
    assert_eq!(error_code(&reply), "passkey_refused");
    assert!(reply.session_cookie().is_none());
}

async fn a_challenge_is_answered_once(db: Db) {
    let t = portal(db).await;
    let (id, _, mut key) = user_with_passkey(&t, USER, Role::User).await;
    let (ids, handle) = credentials(&t, id).await;
    let (token, options) = started(&t.call("auth/passkey/begin", &[], None).await);
    let answer = answer_sign_in(&mut key, options, &ids[0], &handle, ORIGIN);
    ok(&finish_sign_in(&t, &token, &answer).await);
    // The same answer again, with its token or with a new ceremony's: refused.
    let replay = finish_sign_in(&t, &token, &answer).await;
    assert_eq!(error_code(&replay), "passkey_refused");
    let (other_token, _) = started(&t.call("auth/passkey/begin", &[], None).await);
    let replay = finish_sign_in(&t, &other_token, &answer).await;
    assert_eq!(error_code(&replay), "passkey_refused");
    assert!(replay.session_cookie().is_none());
    // A ceremony dies after its five minutes, answered or not.
    let (late_token, options) = started(&t.call("auth/passkey/begin", &[], None).await);
    let late = answer_sign_in(&mut key, options, &ids[0], &handle, ORIGIN);
    t.clock.advance(301);
    assert_eq!(
        error_code(&finish_sign_in(&t, &late_token, &late).await),
        "passkey_refused"
    );
}

async fn flow(t: &TestApp, cookie: &str) -> Value {
    let reply = t.call("recovery/flow", &[], Some(cookie)).await;
    ok(&reply);
    serde_json::from_str(&reply.body).unwrap()
}

/// Starts a reset for `user` and chooses its `kind` gate; the flow's cookie.
async fn to_gate(t: &TestApp, user: &str, kind: &str) -> String {
    let started = t.call("recovery/start", &[("user_id", user)], None).await;
    ok(&started);
    let cookie = started.recovery_cookie().unwrap();
    ok(&t
        .call("recovery/purpose", &[("purpose", "reset")], Some(&cookie))
        .await);
    choose(t, &cookie, kind).await;
    cookie
}

async fn choose(t: &TestApp, cookie: &str, kind: &str) {
    let view = flow(t, cookie).await;
    let option = view["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} gate in {view}"))["index"]
        .to_string();
    let mut form = vec![("option", option.as_str())];
    if kind == "email" {
        form.push(("typed", "anna.private@example.net"));
    }
    ok(&t.call("recovery/method", &form, Some(cookie)).await);
}

/// The flow's passkey challenge, answered by `key`.
async fn answer_gate(t: &TestApp, cookie: &str, key: &mut SoftPasskey) -> Reply {
    let view = flow(t, cookie).await;
    assert_eq!(view["challenge"]["kind"], "passkey");
    let options: Value =
        serde_json::from_str(view["challenge"]["passkey_options"].as_str().unwrap()).unwrap();
    let answer = key
        .do_authentication(Url::parse(ORIGIN).unwrap(), request(options))
        .unwrap();
    t.call(
        "recovery/passkey",
        &[("response", &serde_json::to_string(&answer).unwrap())],
        Some(cookie),
    )
    .await
}

async fn a_user_with_only_passkeys_recovers_with_one(db: Db) {
    let t = portal(db).await;
    let (id, _, mut key) = user_with_passkey(&t, USER, Role::User).await;
    let cookie = to_gate(&t, USER, "passkey").await;
    let view = flow(&t, &cookie).await;
    assert_eq!(view["required"], 1, "a passkey alone is one strong gate");
    let options: Value =
        serde_json::from_str(view["challenge"]["passkey_options"].as_str().unwrap()).unwrap();
    let (ids, _) = credentials(&t, id).await;
    assert_eq!(
        options["allowCredentials"][0]["id"],
        URL_SAFE_NO_PAD.encode(&ids[0])
    );
    // Another authenticator's answer (a passkey of nobody here) fails and counts; the
    // challenge is drawn again, so no answer serves twice.
    let mut stranger = soft();
    let mut options_for_stranger = options.clone();
    let eve_id = t.user("eve@example.com", Role::User, false).await;
    let eve = t.sign_in("eve@example.com", PASSWORD).await;
    ok(&register(&t, &eve, &mut stranger, "eve's", ORIGIN).await);
    let cred = credentials(&t, eve_id).await.0.remove(0);
    options_for_stranger["allowCredentials"] =
        json!([{ "type": "public-key", "id": URL_SAFE_NO_PAD.encode(&cred) }]);
    let wrong = stranger
        .do_authentication(Url::parse(ORIGIN).unwrap(), request(options_for_stranger))
        .unwrap();
    let refused = t
        .call(
            "recovery/passkey",
            &[("response", &serde_json::to_string(&wrong).unwrap())],
            Some(&cookie),
        )
        .await;
    assert_eq!(error_code(&refused), "passkey_refused");
    let redrawn = flow(&t, &cookie).await;
    assert_ne!(
        redrawn["challenge"]["passkey_options"], view["challenge"]["passkey_options"],
        "a new challenge after a failure"
    );
    // Anna's own passkey passes; she sets a new password and signs in with it.
    let passed = answer_gate(&t, &cookie, &mut key).await;
    ok(&passed);
    assert_eq!(passed.body, "\"/recover/password\"");
    ok(&t
        .call(
            "recovery/password",
            &[("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)],
            Some(&cookie),
        )
        .await);
    t.sign_in(USER, NEW_PASSWORD).await;
    let gates = t.state.store.audit_events(50).await.unwrap();
    assert!(gates
        .iter()
        .any(|e| e.action == "recovery.gate" && e.outcome == "success" && e.detail == "passkey"));
}

async fn an_administrator_needs_a_second_different_method(db: Db) {
    use app::server::store::methods::ContactKind;
    let t = portal(db).await;
    let (id, _, mut key) = user_with_passkey(&t, USER, Role::GlobalAdmin).await;
    // A passkey alone is no way back for an administrator: the flow is a decoy's.
    let started = t.call("recovery/start", &[("user_id", USER)], None).await;
    ok(&started);
    let token = started.recovery_cookie().unwrap();
    let token = token.split_once('=').unwrap().1;
    let row = t
        .state
        .store
        .flow_by_token(&t.state.keys.mac_hex("recovery-flow", token.as_bytes()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.user_id, None,
        "an administrator with a passkey only can't recover"
    );
    // With an alternate email too: two gates, the passkey and then the email.
    t.state
        .store
        .add_demo_method(
            id,
            ContactKind::Email,
            "anna.private@example.net",
            t.state.now(),
        )
        .await
        .unwrap();
    let cookie = to_gate(&t, USER, "passkey").await;
    assert_eq!(flow(&t, &cookie).await["required"], 2);
    ok(&answer_gate(&t, &cookie, &mut key).await);
    let view = flow(&t, &cookie).await;
    assert_eq!(view["gate"], 2);
    let kinds: Vec<&str> = view["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["email"], "the passkey is not offered twice");
}

async fn a_decoy_may_offer_a_passkey_that_never_verifies(db: Db) {
    let t = portal(db).await;
    // An organisation whose accounts have passkeys only: decoys draw from them.
    let mut keys = Vec::new();
    let mut other = 0;
    let mut real_ids = Vec::new();
    for i in 0..6 {
        let (id, _, key) = user_with_passkey(&t, &format!("user{i}@example.com"), Role::User).await;
        keys.push(key);
        other = id;
        real_ids.extend(
            credentials(&t, id)
                .await
                .0
                .iter()
                .map(|c| URL_SAFE_NO_PAD.encode(c)),
        );
    }
    let real = to_gate(&t, "user0@example.com", "passkey").await;
    let real_options: Value = serde_json::from_str(
        flow(&t, &real).await["challenge"]["passkey_options"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let mut offered = 0;
    for i in 0..30 {
        let started = t
            .call(
                "recovery/start",
                &[("user_id", &format!("nobody{i}@example.com"))],
                None,
            )
            .await;
        ok(&started);
        let cookie = started.recovery_cookie().unwrap();
        ok(&t
            .call("recovery/purpose", &[("purpose", "reset")], Some(&cookie))
            .await);
        let view = flow(&t, &cookie).await;
        if !view["gates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["kind"] == "passkey")
        {
            continue;
        }
        offered += 1;
        choose(&t, &cookie, "passkey").await;
        let options: Value = serde_json::from_str(
            flow(&t, &cookie).await["challenge"]["passkey_options"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        let keys_of = |v: &Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(
            keys_of(&options),
            keys_of(&real_options),
            "{options} vs {real_options}"
        );
        assert_eq!(options["allowCredentials"].as_array().unwrap().len(), 1);
        let decoded = |v: &Value| {
            URL_SAFE_NO_PAD
                .decode(v["allowCredentials"][0]["id"].as_str().unwrap())
                .unwrap()
        };
        let (decoy_id, real_id) = (decoded(&options), decoded(&real_options));
        assert_eq!(
            decoy_id.len(),
            real_id.len(),
            "a decoy's credential ID is as long"
        );
        assert!(
            !decoy_id.iter().all(u8::is_ascii_alphanumeric),
            "a decoy's credential ID is raw bytes, not text"
        );
        assert_eq!(
            keys_of(&options["allowCredentials"][0]),
            keys_of(&real_options["allowCredentials"][0]),
            "a decoy's credential is described as a real one is"
        );
        assert!(
            !real_ids.contains(&URL_SAFE_NO_PAD.encode(&decoy_id)),
            "a decoy never names a real credential"
        );
        // Whatever answers, it never verifies.
        let mut answer_options = options.clone();
        let (ids, _) = credentials(&t, other).await;
        answer_options["allowCredentials"] =
            json!([{ "type": "public-key", "id": URL_SAFE_NO_PAD.encode(&ids[0]) }]);
        let answer = keys[5]
            .do_authentication(Url::parse(ORIGIN).unwrap(), request(answer_options))
            .unwrap();
        let reply = t
            .call(
                "recovery/passkey",
                &[("response", &serde_json::to_string(&answer).unwrap())],
                Some(&cookie),
            )
            .await;
        assert_eq!(error_code(&reply), "passkey_refused");
    }
    assert!(offered > 0, "no decoy offered a passkey in 30 flows");
}

/// The console's users page names a passkey among the account's methods, and counts an
/// account with only a passkey as one that can recover (it listed no method before).
async fn the_console_lists_a_passkey_as_a_method(db: Db) {
    let t = portal(db).await;
    user_with_passkey(&t, USER, Role::User).await;
    t.user("admin@example.com", Role::GlobalAdmin, false).await;
    let admin = t.sign_in("admin@example.com", PASSWORD).await;
    let r = t.call("admin/users/list", &[], Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let view: app::api::admin::users::UsersView = serde_json::from_str(&r.body).unwrap();
    let row = view.rows.iter().find(|r| r.email == USER).unwrap();
    assert_eq!(row.methods, vec![app::domain::policy::MethodKind::Passkey]);
    assert!(row.can_recover);
}
