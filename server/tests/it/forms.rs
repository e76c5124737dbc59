//! Form bodies that are not UTF-8, raw or percent-encoded, on every server function: a
//! 400 for the wasm client, and without JavaScript the form's own page saying why.
use crate::db_tests;
use crate::support::{Db, Reply, TestApp, PASSWORD};
use app::error::AppError;
use app::server::store::Role;
use axum::body::Body;
use http::{Request, StatusCode};
use leptos::server_fn::error::ServerFnUrlError;

const INVALID_INPUT_EN: &str = "Please check the form and try again.";
const INVALID_INPUT_IT: &str = "Controlla il modulo e riprova.";

db_tests!(
    every_endpoint_refuses_bytes_that_are_not_utf8,
    every_form_page_says_why,
    the_form_page_says_why_in_its_language,
    other_refusals_go_back_to_the_form_too,
);

/// A POST as a page makes it, with a body of any bytes.
async fn post_bytes(
    app: &TestApp,
    endpoint: &str,
    body: &[u8],
    accept: &str,
    cookie: Option<&str>,
) -> Reply {
    let mut req = Request::post(endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", body.len())
        .header("accept", accept)
        .header("referer", "http://127.0.0.1:3000/login")
        .header("sec-fetch-site", "same-origin");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    app.send(req.body(Body::from(body.to_vec())).unwrap()).await
}

/// The two bad bodies for `endpoint`: a raw 0xFF byte, and `%FF`, in one of its fields
/// (or alone, for an endpoint that takes none).
fn bad_bodies(endpoint: &str) -> [Vec<u8>; 2] {
    match app::api::form_fields(endpoint).unwrap().first() {
        Some(field) => [
            [format!("{field}=a").as_bytes(), b"\xFF", b"b"].concat(),
            format!("{field}=a%FFb").into_bytes(),
        ],
        None => [b"\xFF".to_vec(), b"%FF".to_vec()],
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// Checks that `reply` sends a browser without JavaScript back to `endpoint`'s form page
/// with `error` for that form, read the way Leptos reads it, and returns the Location.
fn assert_back_to_form(reply: &Reply, endpoint: &str, error: &AppError) -> String {
    assert_eq!(
        reply.status,
        StatusCode::FOUND,
        "{endpoint}: {}",
        reply.body
    );
    let location = reply.header("location").unwrap().to_owned();
    // A form page may have a query of its own (`/recover/verify?choose=1`): kept first.
    let page = app::api::form_page(endpoint);
    let separator = if page.contains('?') { '&' } else { '?' };
    let query = location
        .strip_prefix(page)
        .and_then(|rest| rest.strip_prefix(separator))
        .unwrap_or_else(|| panic!("{endpoint}: {location} is not on {page}"));
    let pairs: Vec<(String, String)> = query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{endpoint}: no {key} in {location}"))
    };
    assert_eq!(value("__path"), endpoint, "{location}");
    assert_eq!(
        &ServerFnUrlError::<AppError>::decode_err(&value("__err")),
        error,
        "{location}"
    );
    location
}

async fn every_endpoint_refuses_bytes_that_are_not_utf8(db: Db) {
    let t = TestApp::new(db).await;
    let endpoints: Vec<&str> = app::api::endpoints().collect();
    assert!(
        endpoints.contains(&"/api/auth/logout"),
        "endpoints without fields are walked too"
    );
    for endpoint in endpoints {
        for body in bad_bodies(endpoint) {
            let shown = String::from_utf8_lossy(&body).into_owned();
            let js = post_bytes(&t, endpoint, &body, "application/json", None).await;
            assert_eq!(
                js.status,
                StatusCode::BAD_REQUEST,
                "{endpoint} {shown:?}: {}",
                js.body
            );
            assert_eq!(js.header("content-type"), Some("application/json"));
            assert_eq!(
                js.body, r#"{"code":"invalid_input"}"#,
                "{endpoint} {shown:?}"
            );

            let html = post_bytes(&t, endpoint, &body, "text/html", None).await;
            assert_back_to_form(&html, endpoint, &AppError::InvalidInput);
        }
    }
}

/// Every page with a form shows the refusal of that form, as the message block the page
/// gives any error of its action. The page is opened by a signed-in administrator; what
/// else it says (a recovery page without a recovery under way answers 400, the account
/// page sends an account without methods on to add some) is about that visitor, not the
/// refused post. The functions no form posts to (`account/me`, `site`, ...) fall back to
/// the sign-in page, which has no form of theirs, so there is nothing to show.
async fn every_form_page_says_why(db: Db) {
    let t = TestApp::new(db).await;
    t.user("boss@example.com", Role::GlobalAdmin, false).await;
    let cookie = t.sign_in("boss@example.com", PASSWORD).await;
    let login = "/api/auth/login";
    let with_forms: Vec<&str> = app::api::endpoints()
        .filter(|e| *e == login || app::api::form_page(e) != app::routes::LOGIN)
        .collect();
    for endpoint in [
        "/api/auth/logout",
        "/api/recovery/start",
        "/api/admin/terms/add",
    ] {
        assert!(with_forms.contains(&endpoint), "{endpoint}");
    }
    for endpoint in with_forms {
        let [raw, _] = bad_bodies(endpoint);
        let reply = post_bytes(&t, endpoint, &raw, "text/html", Some(&cookie)).await;
        let location = assert_back_to_form(&reply, endpoint, &AppError::InvalidInput);
        let page = t.get(&location, Some(&cookie)).await;
        assert!(
            page.body.contains(r#"data-code="invalid_input""#)
                && page.body.contains(INVALID_INPUT_EN),
            "{endpoint}: {location} ({}) {}",
            page.status,
            page.body
        );
    }
}

/// The page a refused form is sent back to shows the message in the visitor's language,
/// for a form anyone can post and for one behind a sign-in, and the visitor stays signed in.
async fn the_form_page_says_why_in_its_language(db: Db) {
    let t = TestApp::new(db).await;
    t.user("anna@example.com", Role::User, false).await;
    let anna = t.sign_in("anna@example.com", PASSWORD).await;
    let open = |location: String, language: &'static str, cookie: Option<String>| {
        let mut req = Request::get(location)
            .header("accept", "text/html")
            .header("accept-language", language);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        t.send(req.body(Body::empty()).unwrap())
    };

    let forms = [
        ("/api/auth/login", None),
        ("/api/account/password", Some(anna.clone())),
    ];
    for (endpoint, cookie) in forms {
        for body in bad_bodies(endpoint) {
            let reply = post_bytes(&t, endpoint, &body, "text/html", cookie.as_deref()).await;
            let location = assert_back_to_form(&reply, endpoint, &AppError::InvalidInput);
            let en = open(location.clone(), "en", cookie.clone()).await;
            assert_eq!(en.status, StatusCode::OK, "{location}");
            assert!(en.body.contains(INVALID_INPUT_EN), "{}", en.body);
            let it = open(location, "it-IT,it;q=0.9", cookie.clone()).await;
            assert_eq!(it.status, StatusCode::OK);
            assert!(it.body.contains(INVALID_INPUT_IT), "{}", it.body);
            assert!(!it.body.contains(INVALID_INPUT_EN));
        }
    }
    assert_eq!(
        t.call("account/me", &[], Some(&anna)).await.status,
        StatusCode::OK
    );
}

/// The refusals that were there before: an unknown, repeated or array field goes back to
/// the form as invalid input too, and a post to a function that doesn't exist is not
/// found (sent to the sign-in page, the form page of nothing in particular).
async fn other_refusals_go_back_to_the_form_too(db: Db) {
    let t = TestApp::new(db).await;
    let login = "/api/auth/login";
    let bodies: [&[u8]; 3] = [
        b"user_id=a&password=b&role=global_admin",
        b"user_id=a&user_id=b&password=c",
        b"user_id%5B%5D=a&password=b",
    ];
    for body in bodies {
        let js = post_bytes(&t, login, body, "application/json", None).await;
        assert_eq!(js.status, StatusCode::BAD_REQUEST);
        assert_eq!(js.body, r#"{"code":"invalid_input"}"#);
        let html = post_bytes(&t, login, body, "text/html", None).await;
        let location = assert_back_to_form(&html, login, &AppError::InvalidInput);
        assert!(t.get(&location, None).await.body.contains(INVALID_INPUT_EN));
    }

    let nowhere = "/api/admin/reset-password";
    let js = post_bytes(&t, nowhere, b"", "application/json", None).await;
    assert_eq!(js.status, StatusCode::NOT_FOUND);
    assert_eq!(js.header("content-type"), Some("application/json"));
    assert_eq!(js.body, r#"{"code":"not_found"}"#);
    let html = post_bytes(&t, nowhere, b"\xFF", "text/html", None).await;
    assert_back_to_form(&html, nowhere, &AppError::NotFound);
}
