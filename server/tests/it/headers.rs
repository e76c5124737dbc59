//! Security headers on every route, and the same-origin rule for mutations.
use crate::db_tests;
use crate::support::{Db, TestApp, PASSWORD};
use app::server::store::Role;
use axum::body::Body;
use http::{Request, StatusCode};

db_tests!(
    security_headers_on_every_route,
    cross_site_posts_are_refused,
    extra_repeated_and_array_fields_are_refused,
    concurrent_pages_all_render_whole_with_their_nonce,
);

async fn security_headers_on_every_route(db: Db) {
    let t = TestApp::new(db).await;
    t.user("anna@example.com", Role::User, false).await;
    let cookie = t.sign_in("anna@example.com", PASSWORD).await;
    let pages = [
        "/",
        "/login",
        "/recover",
        "/account",
        "/change-password",
        "/account/security",
        "/account/security/verify",
        "/account/security/recovery-codes",
        "/dev/mailbox",
        "/nowhere",
    ];
    for path in pages {
        let r = t.get(path, Some(&cookie)).await;
        check_common(path, &r);
        if r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND {
            let csp = r.header("content-security-policy").unwrap();
            assert!(
                csp.contains("'nonce-"),
                "{path}: page CSP carries the nonce: {csp}"
            );
            assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"));
            let nonce = csp
                .split("'nonce-")
                .nth(1)
                .unwrap()
                .split('\'')
                .next()
                .unwrap();
            assert!(
                r.body.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: the inline script uses it"
            );
        }
    }
    let r = t.get("/recover", None).await;
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    let api = [
        ("site", vec![]),
        (
            "auth/login",
            vec![("user_id", "x@example.com"), ("password", "y")],
        ),
    ];
    for (endpoint, form) in api {
        let r = t.call(endpoint, &form, Some(&cookie)).await;
        check_common(endpoint, &r);
        assert_eq!(
            r.header("content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'")
        );
    }
    let r = t.get("/pkg/regain.js", None).await;
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
}

fn check_common(what: &str, r: &crate::support::Reply) {
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
    assert!(r.header("referrer-policy").is_some(), "{what}");
    assert!(r.header("content-security-policy").is_some(), "{what}");
}

async fn cross_site_posts_are_refused(db: Db) {
    let t = TestApp::new(db).await;
    t.user("anna@example.com", Role::User, false).await;
    let body = "user_id=anna%40example.com&password=correct+horse+battery+staple";
    let forged = [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ];
    for (name, value) in forged {
        let req = Request::post("/api/auth/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header(name, value)
            .body(Body::from(body))
            .unwrap();
        let r = t.send(req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {value}");
        assert!(r.session_cookie().is_none());
    }
    let own = Request::post("/api/auth/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "http://127.0.0.1:3000")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(t.send(own).await.status, StatusCode::OK);
    // No GET changes state: a server function is not reachable by GET.
    let get = t
        .send(
            Request::get("/api/auth/logout")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_ne!(get.status, StatusCode::OK);
}

async fn extra_repeated_and_array_fields_are_refused(db: Db) {
    let t = TestApp::new(db).await;
    let id = t.user("anna@example.com", Role::User, false).await;
    let forms: [&[(&str, &str)]; 3] = [
        &[
            ("user_id", "anna@example.com"),
            ("password", PASSWORD),
            ("role", "global_admin"),
        ],
        &[
            ("user_id", "someone@example.com"),
            ("user_id", "anna@example.com"),
            ("password", PASSWORD),
        ],
        &[("user_id[]", "anna@example.com"), ("password", PASSWORD)],
    ];
    for form in forms {
        let r = t.call("auth/login", form, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{form:?}");
        assert!(r.body.contains("invalid_input"));
        assert!(r.session_cookie().is_none());
    }
    assert_eq!(t.state.store.live_sessions(id).await.unwrap(), 0);
    // An endpoint that does not exist is not found, whatever is posted to it.
    assert_eq!(
        t.call("admin/reset-password", &[], None).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Many pages rendered at once, in several languages: each one whole, with its own nonce
/// in its CSP and its own language. (A title or `<html lang>` that read a signal while
/// leptos_meta rendered the head, outside the request's owner, once made about one page in
/// thirty panic under concurrency, leaving a page without its CSP that never hydrated.)
async fn concurrent_pages_all_render_whole_with_their_nonce(db: Db) {
    let t = TestApp::new(db).await;
    let langs = [("en", "Sign in"), ("it", "Accedi"), ("zh-CN", "登录")];
    let requests = (0..96).map(|i| {
        let router = t.router.clone();
        let (lang, title) = langs[i % langs.len()];
        tokio::spawn(async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let req = Request::get("/login")
                .header("accept", "text/html")
                .header("accept-language", lang)
                .body(Body::empty())
                .unwrap();
            let res = router.oneshot(req).await.unwrap();
            let csp = res
                .headers()
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let status = res.status();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            let body = String::from_utf8_lossy(&body).into_owned();
            (status, csp, body, title)
        })
    });
    for r in requests {
        let (status, csp, body, title) = r.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|n| n.split('\'').next())
            .unwrap_or_else(|| panic!("no nonce in {csp:?}"));
        assert!(
            body.contains(&format!("nonce=\"{nonce}\"")),
            "nonce not in page"
        );
        assert!(
            body.contains(&format!("<title>{title} · ")),
            "{title} missing"
        );
    }
}

/// The wasm, script and stylesheet answer 200 whatever a page rendered before them on the
/// same worker thread left behind. Leptos may leave its reactive owner of a finished
/// render current on a thread; its own static-file handler looks the response options up
/// from there, so after a "not allowed" page the next file on that thread went out as
/// 403 and the page never hydrated (seen in CI on the release build). The database plays
/// no part, so SQLite alone.
#[tokio::test]
async fn static_files_ignore_what_a_render_left_on_the_thread() {
    use leptos::prelude::{provide_context, Owner};
    let mut t = TestApp::new(Db::Sqlite).await;
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/regain.css"), "body{}").unwrap();
    t.state.leptos_options.site_root = site.path().to_str().unwrap().into();
    t.router = server::router(t.state.clone());

    // What a finished "not allowed" render leaves current on the thread.
    let stale = Owner::new();
    stale.set();
    let options = leptos_axum::ResponseOptions::default();
    options.set_status(StatusCode::FORBIDDEN);
    provide_context(options);

    let css = t.get("/pkg/regain.css", None).await;
    assert_eq!(css.status, StatusCode::OK, "{css:?}");
    assert_eq!(css.body, "body{}");
    assert!(css.header("content-security-policy").is_some());
    let missing = t.get("/pkg/nothing.js", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{missing:?}");
    let page = t.get("/nowhere", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("<html"),
        "the 404 page is rendered: {}",
        page.body
    );
    Owner::new_root(None).set();
}
