//! The JSON API (`/api/v1`) through the router, on both databases: its document, bearer
//! sessions, a whole recovery carried by the flow header, problem documents, and the
//! same answers as the pages' for known, unknown, disabled and locked identifiers.
use crate::support::{Db, Reply, TestApp, PASSWORD};
use app::server::store::{Role, UserStatus};
use axum::body::Body;
use http::{Request, StatusCode};
use serde_json::{json, Value};

crate::db_tests!(
    sign_in_gives_a_bearer_session_that_signs_out,
    a_whole_reset_goes_through_the_api,
    known_unknown_disabled_and_locked_ids_answer_alike_and_as_the_pages_do,
    wrong_codes_and_bad_input_are_problem_documents,
    a_cookie_session_keeps_the_same_origin_check,
    a_temporary_password_is_changed_through_the_api,
    the_document_and_its_reference_page_are_served,
);

const NEW_PASSWORD: &str = "violet quartz lantern 4417";
const ALT: &str = "anna.private@example.net";

/// A call of the API as a native client makes it: JSON in, no cookie, no Origin.
pub(crate) async fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<Value>,
    auth: Auth<'_>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"))
        .header("accept", "application/json");
    match auth {
        Auth::None => {}
        Auth::Bearer(token) => req = req.header("authorization", format!("Bearer {token}")),
        Auth::Flow(token) => req = req.header("regain-flow", token),
        Auth::Language(tag) => req = req.header("accept-language", tag),
    }
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    app.send(req.body(body).unwrap()).await
}

#[derive(Clone, Copy)]
pub(crate) enum Auth<'a> {
    None,
    Bearer(&'a str),
    Flow(&'a str),
    Language(&'a str),
}

pub(crate) fn json_of(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|_| panic!("not JSON: {} {}", reply.status, reply.body))
}

/// The problem document of a failed call: its media type, status and code checked.
pub(crate) fn problem(reply: &Reply, status: StatusCode, code: &str) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{}",
        reply.body
    );
    let v = json_of(reply);
    assert_eq!(v["code"], code, "{}", reply.body);
    assert_eq!(v["status"], status.as_u16());
    assert_eq!(v["type"], format!("urn:regain:problem:{code}"));
    assert!(!v["detail"].as_str().unwrap_or_default().is_empty());
    v
}

pub(crate) fn no_content(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
}

pub(crate) async fn sign_in(app: &TestApp, user: &str, password: &str) -> Reply {
    api(
        app,
        "POST",
        "/auth/sign-in",
        Some(json!({ "user_id": user, "password": password })),
        Auth::None,
    )
    .await
}

pub(crate) async fn start(app: &TestApp, user: &str) -> String {
    let reply = api(
        app,
        "POST",
        "/recovery/start",
        Some(json!({ "user_id": user })),
        Auth::None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    json_of(&reply)["flow_token"].as_str().unwrap().to_owned()
}

async fn flow(app: &TestApp, token: &str) -> Value {
    let reply = api(app, "GET", "/recovery/flow", None, Auth::Flow(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    json_of(&reply)
}

async fn anna(app: &TestApp) -> i64 {
    app.user_with_alternate("anna@example.com", Role::User, ALT)
        .await
}

async fn sign_in_gives_a_bearer_session_that_signs_out(db: Db) {
    let app = TestApp::new(db).await;
    anna(&app).await;
    let reply = sign_in(&app, "anna@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(
        reply.header("set-cookie").is_none(),
        "no cookie for a native client"
    );
    let signed_in = json_of(&reply);
    assert_eq!(signed_in["token_type"], "Bearer");
    let token = signed_in["token"].as_str().unwrap().to_owned();
    let me = api(&app, "GET", "/account", None, Auth::Bearer(&token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(json_of(&me)["email"], "anna@example.com");
    let rules = api(&app, "GET", "/password/rules", None, Auth::Bearer(&token)).await;
    assert_eq!(json_of(&rules)["email"], "anna@example.com");
    no_content(&api(&app, "POST", "/auth/sign-out", None, Auth::Bearer(&token)).await);
    let after = api(&app, "GET", "/account", None, Auth::Bearer(&token)).await;
    problem(&after, StatusCode::UNAUTHORIZED, "not_signed_in");
    // A wrong password and an unknown user get the same document, word for word.
    let wrong = sign_in(&app, "anna@example.com", "not the password").await;
    let unknown = sign_in(&app, "nobody@example.com", "not the password").await;
    let wrong_doc = problem(&wrong, StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert_eq!(wrong_doc, json_of(&unknown));
    // The detail follows Accept-Language; the code and title don't.
    let italian = api(
        &app,
        "POST",
        "/auth/sign-in",
        Some(json!({ "user_id": "nobody@example.com", "password": "x" })),
        Auth::Language("it"),
    )
    .await;
    let it_doc = problem(&italian, StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert_eq!(italian.header("content-language"), Some("it"));
    assert_eq!(it_doc["title"], wrong_doc["title"]);
    assert_ne!(it_doc["detail"], wrong_doc["detail"]);
}

async fn a_whole_reset_goes_through_the_api(db: Db) {
    let app = TestApp::new(db).await;
    let id = anna(&app).await;
    let old = json_of(&sign_in(&app, "anna@example.com", PASSWORD).await)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = start(&app, "anna@example.com").await;
    assert_eq!(flow(&app, &token).await["state"], "choose_purpose");
    no_content(
        &api(
            &app,
            "POST",
            "/recovery/purpose",
            Some(json!({ "purpose": "reset" })),
            Auth::Flow(&token),
        )
        .await,
    );
    let view = flow(&app, &token).await;
    assert_eq!(view["state"], "verify");
    assert_eq!(view["gates"][0]["kind"], "email");
    assert_eq!(view["gates"][0]["index"], 0);
    no_content(
        &api(
            &app,
            "POST",
            "/recovery/method",
            Some(json!({ "option": 0, "typed": ALT })),
            Auth::Flow(&token),
        )
        .await,
    );
    assert_eq!(flow(&app, &token).await["challenge"]["kind"], "email");
    let code = app.code_sent_to(ALT).await.unwrap();
    no_content(
        &api(
            &app,
            "POST",
            "/recovery/code",
            Some(json!({ "code": code })),
            Auth::Flow(&token),
        )
        .await,
    );
    assert_eq!(flow(&app, &token).await["state"], "new_password");
    let rules = api(
        &app,
        "GET",
        "/recovery/password-rules",
        None,
        Auth::Flow(&token),
    )
    .await;
    assert_eq!(json_of(&rules)["email"], "anna@example.com");
    let strength = api(
        &app,
        "POST",
        "/password/strength",
        Some(json!({ "candidate": NEW_PASSWORD })),
        Auth::Flow(&token),
    )
    .await;
    assert_eq!(strength.status, StatusCode::OK, "{}", strength.body);
    assert!(json_of(&strength)["score"].as_u64().is_some());
    // A refused password: every reason, none quoting it.
    let refused = api(
        &app,
        "POST",
        "/recovery/password",
        Some(json!({ "new": "short", "confirm": "short" })),
        Auth::Flow(&token),
    )
    .await;
    let doc = problem(&refused, StatusCode::BAD_REQUEST, "password_rejected");
    assert!(!doc["problems"].as_array().unwrap().is_empty());
    assert!(!refused.body.contains("\"short\""));
    no_content(
        &api(
            &app,
            "POST",
            "/recovery/password",
            Some(json!({ "new": NEW_PASSWORD, "confirm": NEW_PASSWORD })),
            Auth::Flow(&token),
        )
        .await,
    );
    // Every session ended, the new password works, the flow is over.
    assert_eq!(app.state.store.live_sessions(id).await.unwrap(), 0);
    let old_session = api(&app, "GET", "/account", None, Auth::Bearer(&old)).await;
    problem(&old_session, StatusCode::UNAUTHORIZED, "not_signed_in");
    assert_eq!(
        sign_in(&app, "anna@example.com", NEW_PASSWORD).await.status,
        StatusCode::OK
    );
    let over = api(&app, "GET", "/recovery/flow", None, Auth::Flow(&token)).await;
    problem(&over, StatusCode::BAD_REQUEST, "flow_expired");
    let log = app.state.store.recovery_log(id, 50).await.unwrap();
    assert!(log.iter().any(|e| e.action == "recovery.reset"));
}

/// The flow's view as its types: what a decoy draws from the organisation's accounts
/// (which gates, how many are required, their hints: `decoys.rs` compares those with
/// the real accounts') left out, its state kept.
fn shape(view: &Value) -> Value {
    fn types(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), types(v))).collect())
            }
            Value::Array(items) => json!(items.first().map(types)),
            Value::String(_) => json!("string"),
            Value::Number(_) => json!("number"),
            Value::Bool(_) => json!("bool"),
            Value::Null => Value::Null,
        }
    }
    let mut shaped = types(view);
    shaped["state"] = view["state"].clone();
    shaped
}

/// What the API answers along a flow for `user` up to choosing its email gate with an
/// address that isn't the stored one: the start's body length, the token's length, the
/// first view (checked against the page's view of the same flow), and the choice's
/// status and body. `None` when the flow offers no email gate.
async fn walk(app: &TestApp, user: &str) -> Option<(usize, usize, Value, u16, String)> {
    let reply = api(
        app,
        "POST",
        "/recovery/start",
        Some(json!({ "user_id": user })),
        Auth::None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let token = json_of(&reply)["flow_token"].as_str().unwrap().to_owned();
    let first = flow(app, &token).await;
    // The page reads the same flow, from the same token in its cookie, the same way.
    let page = app
        .call(
            "recovery/flow",
            &[],
            Some(&format!("regain_recovery={token}")),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(json_of(&page), first);
    no_content(
        &api(
            app,
            "POST",
            "/recovery/purpose",
            Some(json!({ "purpose": "reset" })),
            Auth::Flow(&token),
        )
        .await,
    );
    let verify = flow(app, &token).await;
    assert_eq!(verify["state"], "verify");
    let email = verify["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == "email")?["index"]
        .clone();
    let wrong = api(
        app,
        "POST",
        "/recovery/method",
        Some(json!({ "option": email, "typed": "someone.else@example.org" })),
        Auth::Flow(&token),
    )
    .await;
    Some((
        reply.body.len(),
        token.len(),
        first,
        wrong.status.as_u16(),
        wrong.body,
    ))
}

/// The first of `tries` identifiers whose flow offers an email gate, walked. Decoys
/// look like the organisation's accounts, so not every one offers an email; `make`
/// prepares the `n`th identifier (and its account, if any).
async fn first_with_email<F, Fut>(
    app: &TestApp,
    tries: usize,
    make: F,
) -> (usize, usize, Value, u16, String)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = String>,
{
    for n in 0..tries {
        // Past the per-address limit on starts without a proof of work.
        app.clock.advance(3600);
        let user = make(n).await;
        if let Some(walked) = walk(app, &user).await {
            return walked;
        }
    }
    panic!("no flow of {tries} offered an email gate");
}

async fn known_unknown_disabled_and_locked_ids_answer_alike_and_as_the_pages_do(db: Db) {
    let app = TestApp::new(db).await;
    anna(&app).await;
    let known = walk(&app, "anna@example.com")
        .await
        .expect("anna's email gate");
    let unknown = first_with_email(
        &app,
        40,
        |n| async move { format!("nobody{n}@example.com") },
    )
    .await;
    // A disabled account walks a decoy flow: its gates are drawn like an unknown ID's.
    let portal = &app;
    let disabled = first_with_email(&app, 40, move |n| {
        let app = portal;
        async move {
            let user = format!("gone{n}@example.com");
            let id = app.user_with_alternate(&user, Role::User, ALT).await;
            app.state
                .store
                .set_user_status(id, UserStatus::Disabled, app.state.now())
                .await
                .unwrap();
            user
        }
    })
    .await;
    // A locked-out account recovers as any other (unlocking is what it is for).
    let locked = {
        app.clock.advance(3600);
        let id = app
            .user_with_alternate("kept@example.com", Role::User, ALT)
            .await;
        app.lock_out(id, 86_400).await;
        walk(&app, "kept@example.com")
            .await
            .expect("the locked account's email gate")
    };
    for (name, other) in [
        ("unknown", &unknown),
        ("disabled", &disabled),
        ("locked", &locked),
    ] {
        assert_eq!((known.0, known.1), (other.0, other.1), "{name}");
        assert_eq!(shape(&known.2), shape(&other.2), "{name}");
        // An address that isn't the stored one: the same answer as a match, nothing sent.
        assert_eq!((other.3, other.4.as_str()), (204, ""), "{name}");
    }
    assert_eq!((known.3, known.4.as_str()), (204, ""));
    assert!(app
        .state
        .store
        .recent_messages(50)
        .await
        .unwrap()
        .is_empty());
}

async fn wrong_codes_and_bad_input_are_problem_documents(db: Db) {
    let app = TestApp::new(db).await;
    anna(&app).await;
    let token = start(&app, "anna@example.com").await;
    api(
        &app,
        "POST",
        "/recovery/purpose",
        Some(json!({ "purpose": "reset" })),
        Auth::Flow(&token),
    )
    .await;
    api(
        &app,
        "POST",
        "/recovery/method",
        Some(json!({ "option": 0, "typed": ALT })),
        Auth::Flow(&token),
    )
    .await;
    let wrong = api(
        &app,
        "POST",
        "/recovery/code",
        Some(json!({ "code": "00000000" })),
        Auth::Flow(&token),
    )
    .await;
    let doc = problem(&wrong, StatusCode::BAD_REQUEST, "code_wrong");
    assert_eq!(doc["remaining"], 4);
    assert!(!wrong.body.contains("00000000"));
    // Bad input of every kind: a 400 problem, never a 500 or a panic.
    for (body, content_type) in [
        ("{", "application/json"),
        ("{\"code\": 12345678}", "application/json"),
        ("{\"code\": \"1\", \"extra\": 1}", "application/json"),
        ("code=12345678", "application/x-www-form-urlencoded"),
    ] {
        let req = Request::post("/api/v1/recovery/code")
            .header("content-type", content_type)
            .header("regain-flow", &token)
            .body(Body::from(body))
            .unwrap();
        problem(
            &app.send(req).await,
            StatusCode::BAD_REQUEST,
            "invalid_input",
        );
    }
    let too_many = api(
        &app,
        "POST",
        "/recovery/answers",
        Some(json!({ "answers": ["a", "b", "c", "d", "e", "f"] })),
        Auth::Flow(&token),
    )
    .await;
    problem(&too_many, StatusCode::BAD_REQUEST, "invalid_input");
    let nowhere = api(&app, "GET", "/nowhere", None, Auth::None).await;
    problem(&nowhere, StatusCode::NOT_FOUND, "not_found");
    let unknown_post = api(&app, "POST", "/nowhere", Some(json!({})), Auth::None).await;
    problem(&unknown_post, StatusCode::NOT_FOUND, "not_found");
    let wrong_method = api(&app, "GET", "/recovery/start", None, Auth::None).await;
    problem(
        &wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_input",
    );
    let no_flow = api(&app, "GET", "/recovery/flow", None, Auth::Flow("forged")).await;
    problem(&no_flow, StatusCode::BAD_REQUEST, "flow_expired");
}

async fn a_cookie_session_keeps_the_same_origin_check(db: Db) {
    let app = TestApp::new(db).await;
    anna(&app).await;
    let cookie = app.sign_in("anna@example.com", PASSWORD).await;
    // A page of another site posting with the browser's cookie is refused…
    let cross = Request::post("/api/v1/auth/sign-out")
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(cross).await.status, StatusCode::FORBIDDEN);
    let me = Request::get("/api/v1/account")
        .header("cookie", &cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(me).await.status, StatusCode::OK);
    // …and the same page's own call goes through.
    let same = Request::post("/api/v1/auth/sign-out")
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(same).await.status, StatusCode::NO_CONTENT);
}

async fn a_temporary_password_is_changed_through_the_api(db: Db) {
    let app = TestApp::new(db).await;
    let id = app.user("tom@example.com", Role::User, true).await;
    let signed_in = json_of(&sign_in(&app, "tom@example.com", PASSWORD).await);
    assert_eq!(signed_in["next"], "change_password");
    let token = signed_in["token"].as_str().unwrap();
    let same = api(
        &app,
        "POST",
        "/account/password",
        Some(json!({ "current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD })),
        Auth::Bearer(token),
    )
    .await;
    assert!(same.status.is_client_error(), "{}", same.body);
    no_content(
        &api(
            &app,
            "POST",
            "/account/password",
            Some(json!({ "current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD })),
            Auth::Bearer(token),
        )
        .await,
    );
    let user = app.state.store.find_user(id).await.unwrap().unwrap();
    assert!(!user.must_change_password);
    assert_eq!(
        sign_in(&app, "tom@example.com", NEW_PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn the_document_and_its_reference_page_are_served(db: Db) {
    let app = TestApp::new(db).await;
    let doc = api(&app, "GET", "/openapi.json", None, Auth::None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.header("content-type"), Some("application/json"));
    assert_eq!(doc.body, app::api::v1::document_json());
    let page = app.get("/api/v1/docs", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let paths: Value = serde_json::from_str(&doc.body).unwrap();
    for path in paths["paths"].as_object().unwrap().keys() {
        assert!(
            page.body.contains(path.as_str()),
            "{path} missing from the page"
        );
    }
    // Nothing from elsewhere: no script, no stylesheet, no absolute link.
    for needle in ["<script", "<link", "http://", "https://"] {
        assert!(!page.body.contains(needle), "{needle} on the page");
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_names_every_route() {
    let doc: Value = serde_json::from_str(app::api::v1::document_json()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    let source = [
        include_str!("../../../app/src/api/v1.rs"),
        include_str!("../../../app/src/api/v1/security.rs"),
        include_str!("../../../app/src/api/v1/admin.rs"),
    ]
    .concat();
    let routes: Vec<&str> = source
        .lines()
        .filter_map(|l| l.trim().strip_prefix(".route(\""))
        .filter_map(|l| l.split('"').next())
        .filter(|p| *p != "/openapi.json" && *p != "/docs")
        .collect();
    assert!(routes.len() >= 18, "{routes:?}");
    for route in &routes {
        assert!(
            paths.contains_key(&format!("/api/v1{route}")),
            "{route} is routed but not documented"
        );
    }
    assert_eq!(paths.len(), routes.len(), "documented but not routed");
    assert!(doc["components"]["securitySchemes"]["session"].is_object());
    // Every step that takes the flow's header is linked from the start's answer.
    let links = doc["paths"]["/api/v1/recovery/start"]["post"]["responses"]["201"]["links"]
        .as_object()
        .unwrap();
    let takes_flow: Vec<&Value> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter(|op| {
            op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Regain-Flow"))
        })
        .collect();
    assert_eq!(
        takes_flow.len(),
        9,
        "the steps after the start, and the strength"
    );
    for op in takes_flow {
        let id = op["operationId"].as_str().unwrap();
        assert_eq!(
            links[id]["parameters"]["header.Regain-Flow"],
            "$response.body#/flow_token"
        );
    }
}

/// The README prints the example client that `./dev test` runs, so what it prints runs.
#[test]
fn the_readme_prints_the_example_client_as_it_runs() {
    let readme = include_str!("../../../README.md");
    let example = include_str!("../../../examples/recover.py");
    assert!(
        readme.contains(example.trim_end()),
        "README's example differs from examples/recover.py"
    );
}
