//! The console's endpoints of the JSON API, on both databases: an administrator reads and
//! changes what the console does, anyone else is refused every one, and nothing sets
//! another user's password.
use crate::api_v1::{api, json_of, no_content, problem, sign_in, Auth};
use crate::support::{Db, TestApp, PASSWORD};
use app::server::store::Role;
use http::StatusCode;
use serde_json::{json, Value};

crate::db_tests!(
    an_administrator_runs_the_console_through_the_api,
    nobody_else_reaches_an_admin_endpoint,
);

const ADMIN: &str = "chief@example.com";

async fn token(app: &TestApp, email: &str) -> String {
    let reply = sign_in(app, email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    json_of(&reply)["token"].as_str().unwrap().to_owned()
}

async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let reply = api(app, "GET", path, None, Auth::Bearer(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    json_of(&reply)
}

async fn an_administrator_runs_the_console_through_the_api(db: Db) {
    let app = TestApp::new(db).await;
    app.user(ADMIN, Role::GlobalAdmin, false).await;
    let anna = app.user("anna@example.com", Role::User, false).await;
    let token = token(&app, ADMIN).await;

    let users = get_ok(&app, "/admin/users?q=anna", &token).await;
    assert_eq!(users["total"], 1);
    assert_eq!(users["rows"][0]["email"], "anna@example.com");
    let bad_filter = api(
        &app,
        "GET",
        "/admin/users?role=king",
        None,
        Auth::Bearer(&token),
    )
    .await;
    problem(&bad_filter, StatusCode::BAD_REQUEST, "invalid_input");
    for path in [
        "/admin/users?page=0",
        "/admin/insights?days=366",
        "/admin/audit.csv?from=yesterday",
    ] {
        let refused = api(&app, "GET", path, None, Auth::Bearer(&token)).await;
        problem(&refused, StatusCode::BAD_REQUEST, "invalid_input");
    }

    // The sign-in just made is in the log, and in its CSV export.
    let audit = get_ok(&app, "/admin/audit?activity=sign_in", &token).await;
    assert!(!audit["entries"].as_array().unwrap().is_empty(), "{audit}");
    let wrong = get_ok(&app, "/admin/audit?activity=dancing", &token).await;
    assert_eq!(
        wrong["problems"],
        json!(["Activity"]),
        "named, as the form shows it"
    );
    let csv = api(&app, "GET", "/admin/audit.csv", None, Auth::Bearer(&token)).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.body.contains(ADMIN), "{}", csv.body);
    let insights = get_ok(&app, "/admin/insights?days=30", &token).await;
    assert!(insights.is_object());

    // The policy: read, saved whole, refused by name when out of bounds.
    let before = get_ok(&app, "/admin/policy", &token).await;
    assert_eq!(before["methods_required"], 1);
    let mut update = json!({
        "methods_enabled": before["methods_enabled"],
        "methods_required": 2,
        "questions_to_register": before["questions_to_register"],
        "questions_to_answer": before["questions_to_answer"],
        "require_registration": before["require_registration"],
        "reconfirm_days": before["reconfirm_days"],
        "notify_user_on_reset": before["notify_user_on_reset"],
        "notify_admins_on_admin_reset": before["notify_admins_on_admin_reset"],
        "password_min_length": before["password_min_length"],
        "password_history": before["password_history"],
        "lockout_threshold": before["lockout_threshold"],
        "lockout_seconds": before["lockout_seconds"],
        "sms_regions": ["IT", "CN"],
        "help_desk": "Call 555-0100",
    });
    no_content(
        &api(
            &app,
            "POST",
            "/admin/policy",
            Some(update.clone()),
            Auth::Bearer(&token),
        )
        .await,
    );
    let after = get_ok(&app, "/admin/policy", &token).await;
    assert_eq!(after["methods_required"], 2);
    assert_eq!(after["sms_regions"], json!(["IT", "CN"]));
    assert_eq!(after["help_desk"], "Call 555-0100");
    update["methods_required"] = json!(9);
    let refused = api(
        &app,
        "POST",
        "/admin/policy",
        Some(update),
        Auth::Bearer(&token),
    )
    .await;
    let doc = problem(&refused, StatusCode::BAD_REQUEST, "policy_out_of_range");
    assert_eq!(doc["field"], "methods_required");
    assert_eq!(
        get_ok(&app, "/admin/policy", &token).await["methods_required"],
        2
    );

    // Banned terms: added, listed, removed.
    no_content(
        &api(
            &app,
            "POST",
            "/admin/terms",
            Some(json!({ "term": "Fabrikam" })),
            Auth::Bearer(&token),
        )
        .await,
    );
    no_content(
        &api(
            &app,
            "POST",
            "/admin/terms/import",
            Some(json!({ "content": "Northwind\nContoso\n" })),
            Auth::Bearer(&token),
        )
        .await,
    );
    let terms = get_ok(&app, "/admin/terms", &token).await;
    let listed: Vec<&str> = terms["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 3, "{listed:?}");
    let key = terms["terms"][0]["key"].as_str().unwrap().to_owned();
    no_content(
        &api(
            &app,
            "POST",
            "/admin/terms/remove",
            Some(json!({ "key": key })),
            Auth::Bearer(&token),
        )
        .await,
    );
    assert_eq!(
        get_ok(&app, "/admin/terms", &token).await["terms"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Disable and enable a user: a disabled account can't sign in.
    no_content(
        &api(
            &app,
            "POST",
            "/admin/users/disable",
            Some(json!({ "user": anna })),
            Auth::Bearer(&token),
        )
        .await,
    );
    let refused = sign_in(&app, "anna@example.com", PASSWORD).await;
    problem(&refused, StatusCode::UNAUTHORIZED, "invalid_credentials");
    no_content(
        &api(
            &app,
            "POST",
            "/admin/users/enable",
            Some(json!({ "user": anna })),
            Auth::Bearer(&token),
        )
        .await,
    );
    assert_eq!(
        sign_in(&app, "anna@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

async fn nobody_else_reaches_an_admin_endpoint(db: Db) {
    let app = TestApp::new(db).await;
    app.user("anna@example.com", Role::User, false).await;
    let user = token(&app, "anna@example.com").await;
    let doc: Value = serde_json::from_str(app::api::v1::document_json()).unwrap();
    let admin_ops: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, _)| path.starts_with("/api/v1/admin/"))
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(|m| {
                    (
                        m.to_uppercase(),
                        path.trim_start_matches("/api/v1").to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(admin_ops.len(), 12, "{admin_ops:?}");
    for (method, path) in &admin_ops {
        // Still no way for an administrator to set anyone's password or answers.
        assert!(
            !path.contains("password") && !path.contains("answer"),
            "{path}"
        );
        let body = (method == "POST").then(|| valid_body(path));
        let as_user = api(&app, method, path, body.clone(), Auth::Bearer(&user)).await;
        problem(&as_user, StatusCode::FORBIDDEN, "forbidden");
        let as_nobody = api(&app, method, path, body, Auth::None).await;
        problem(&as_nobody, StatusCode::UNAUTHORIZED, "not_signed_in");
    }
    let csv = api(&app, "GET", "/admin/audit.csv", None, Auth::Bearer(&user)).await;
    problem(&csv, StatusCode::FORBIDDEN, "forbidden");
}

/// A body each admin POST would accept from an administrator.
fn valid_body(path: &str) -> Value {
    match path {
        "/admin/users/disable" | "/admin/users/enable" => json!({ "user": 1 }),
        "/admin/terms" => json!({ "term": "Fabrikam" }),
        "/admin/terms/remove" => json!({ "key": "fabrikam" }),
        "/admin/terms/import" => json!({ "content": "Fabrikam" }),
        "/admin/policy" => json!({
            "methods_enabled": ["email"], "methods_required": 1, "questions_to_register": 3,
            "questions_to_answer": 3, "require_registration": false, "reconfirm_days": 0,
            "notify_user_on_reset": true, "notify_admins_on_admin_reset": true,
            "password_min_length": 12, "password_history": 0, "lockout_threshold": 10,
            "lockout_seconds": 900, "sms_regions": [], "help_desk": null,
        }),
        other => panic!("no body known for {other}"),
    }
}
