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

/// Every file of the site goes out Brotli- or gzip-compressed to a browser that takes it
/// (the variants cargo-leptos `--precompress` writes beside each file), whole otherwise,
/// with `Vary: Accept-Encoding`; a name with a content hash is kept for a year
/// (`immutable`), any other name is revalidated, and a page is never stored. The site is
/// made here, its variants compressed by the real encoders, so the bytes can be compared.
#[tokio::test]
async fn assets_go_out_compressed_and_hashed_names_are_kept_for_a_year() {
    use std::io::{Read, Write};
    let mut t = TestApp::new(Db::Sqlite).await;
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("pkg")).unwrap();
    let wasm: Vec<u8> = (0..200_000u32)
        .map(|i| ((i % 251) ^ (i / 977)) as u8)
        .collect();
    let files: [(&str, Vec<u8>, &str); 4] = [
        (
            "pkg/regain.sWmN0QdbE8fQzVd3zqJ1Qw.wasm",
            wasm,
            "application/wasm",
        ),
        (
            "pkg/regain.Zx81-_aKq3Lr0pQn7TcV2A.js",
            b"export function hydrate(){}\n".repeat(300),
            "text/javascript",
        ),
        (
            "pkg/regain.Hq7e0c1b_2-pQW9xYzAbCd.css",
            b"body{margin:0}\n".repeat(400),
            "text/css",
        ),
        (
            "robots.txt",
            b"User-agent: *\nDisallow: /\n".repeat(50),
            "text/plain",
        ),
    ];
    for (name, raw, _) in &files {
        let path = site.path().join(name);
        std::fs::write(&path, raw).unwrap();
        let mut br = Vec::new();
        brotli::CompressorWriter::new(&mut br, 4096, 11, 22)
            .write_all(raw)
            .unwrap();
        std::fs::write(format!("{}.br", path.display()), &br).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(raw).unwrap();
        std::fs::write(format!("{}.gz", path.display()), gz.finish().unwrap()).unwrap();
    }
    t.state.leptos_options.site_root = site.path().to_str().unwrap().into();
    t.router = server::router(t.state.clone());

    let fetch = |path: String, encoding: Option<&'static str>| {
        let t = &t;
        async move {
            let mut req = Request::get(path);
            if let Some(e) = encoding {
                req = req.header("accept-encoding", e);
            }
            t.send(req.body(Body::empty()).unwrap()).await
        }
    };
    for (name, raw, content_type) in &files {
        let path = format!("/{name}");
        for encoding in [
            Some("br"),
            Some("gzip"),
            Some("gzip, deflate, br, zstd"),
            None,
        ] {
            let r = fetch(path.clone(), encoding).await;
            assert_eq!(r.status, StatusCode::OK, "{path} {encoding:?}");
            assert!(
                r.header("content-type").unwrap().starts_with(content_type),
                "{path}: {:?}",
                r.header("content-type")
            );
            assert!(
                r.header("vary")
                    .unwrap_or_default()
                    .to_ascii_lowercase()
                    .contains("accept-encoding"),
                "{path} {encoding:?}: Vary"
            );
            let sent = r.header("content-encoding");
            let body = match (encoding, sent) {
                (Some("gzip"), Some("gzip")) => {
                    let mut out = Vec::new();
                    flate2::read::GzDecoder::new(&r.bytes[..])
                        .read_to_end(&mut out)
                        .unwrap();
                    out
                }
                (Some(e), Some("br")) if e.contains("br") => {
                    let mut out = Vec::new();
                    brotli::Decompressor::new(&r.bytes[..], 4096)
                        .read_to_end(&mut out)
                        .unwrap();
                    out
                }
                (None, None) => r.bytes.clone(),
                other => panic!("{path}: asked {encoding:?}, got {other:?}"),
            };
            assert_eq!(&body, raw, "{path} {encoding:?}: the same bytes");
            if encoding.is_some() {
                assert!(
                    r.bytes.len() < raw.len() / 2,
                    "{path} {encoding:?}: compressed"
                );
            }
            let cache = r.header("cache-control").unwrap();
            if name.starts_with("pkg/") {
                assert_eq!(cache, "public, max-age=31536000, immutable", "{path}");
            } else {
                assert_eq!(cache, "no-cache", "{path}");
            }
        }
    }
    // A name without a hash is revalidated; a missing hashed name is not kept.
    std::fs::write(site.path().join("pkg/regain.css"), "body{}").unwrap();
    let plain = fetch("/pkg/regain.css".into(), Some("br")).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header("content-encoding"), None, "no variant: whole");
    assert_eq!(plain.header("cache-control"), Some("no-cache"));
    let missing = fetch("/pkg/regain.AAAAAAAAAAAAAAAAAAAAAA.wasm".into(), Some("br")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("cache-control"), Some("no-store"));
    let page = t.get("/login", None).await;
    assert_eq!(page.header("cache-control"), Some("no-store"));
}
