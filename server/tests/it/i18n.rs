//! Languages: Accept-Language picks, the cookie overrides, `<html lang>` follows.
use crate::db_tests;
use crate::support::{Db, TestApp};
use axum::body::Body;
use http::{Request, StatusCode};

db_tests!(language_follows_accept_language_and_the_switch);

async fn language_follows_accept_language_and_the_switch(db: Db) {
    let t = TestApp::new(db).await;
    let get = |lang: &'static str, cookie: Option<&'static str>| {
        let mut req = Request::get("/login")
            .header("accept", "text/html")
            .header("accept-language", lang);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.body(Body::empty()).unwrap()
    };
    let it = t.send(get("it-IT,it;q=0.9", None)).await;
    assert!(
        it.body.contains("<html lang=\"it\""),
        "{}",
        &it.body[..400.min(it.body.len())]
    );
    assert!(it.body.contains("Non riesci ad accedere al tuo account?"));
    let zh = t.send(get("zh-CN,zh;q=0.9", None)).await;
    assert!(
        zh.body.contains("<html lang=\"zh-Hans\""),
        "{}",
        &zh.body[..300]
    );
    assert!(zh.body.contains("无法访问你的帐户？"), "{}", zh.body);
    let en = t.send(get("fr-FR", None)).await;
    assert!(
        en.body.contains("<html lang=\"en\"") && en.body.contains("Can't access your account?")
    );

    // The switcher: a plain form post that sets the cookie and goes back.
    let r = t
        .post_form(
            "locale",
            &[("locale", "zh-Hans"), ("return_to", "/recover")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.header("location"), Some("/recover"));
    assert!(r
        .header("set-cookie")
        .unwrap()
        .starts_with("i18n_pref_locale=zh-Hans"));
    let chosen = t.send(get("it-IT", Some("i18n_pref_locale=zh-Hans"))).await;
    assert!(
        chosen.body.contains("lang=\"zh-Hans\""),
        "the cookie beats Accept-Language"
    );
    // An unknown language or a foreign return address changes nothing dangerous.
    let bad = t
        .call("locale", &[("locale", "xx"), ("return_to", "/")], None)
        .await;
    assert!(bad.body.contains("invalid_input"));
    let away = t
        .post_form(
            "locale",
            &[("locale", "it"), ("return_to", "https://evil.example/")],
            None,
        )
        .await;
    assert_eq!(away.header("location"), Some("/login"));
}
