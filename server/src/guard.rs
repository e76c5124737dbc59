//! Response headers every route carries, and the same-origin rule for mutations.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct GuardConfig {
    /// `scheme://host[:port]` of the public URL.
    pub origin: String,
    pub https: bool,
    /// In development, the live-reload port the page CSP must allow.
    pub reload_port: Option<u32>,
}

impl GuardConfig {
    pub fn from_public_url(public_url: &str) -> Self {
        let https = public_url.starts_with("https://");
        let after_scheme = public_url
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or("");
        let host = after_scheme.split('/').next().unwrap_or("");
        let scheme = if https { "https" } else { "http" };
        Self {
            origin: format!("{scheme}://{host}"),
            https,
            reload_port: None,
        }
    }
}

/// Mutations (anything but GET, HEAD, OPTIONS) must come from our own pages. Browsers
/// say so in `Sec-Fetch-Site`; older ones in `Origin`. A request with neither is not from
/// a browser page, so it can't be a cross-site forgery riding on a cookie.
pub async fn same_origin(
    State(cfg): State<Arc<GuardConfig>>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let allowed = match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            Some(origin) => origin == cfg.origin,
            None => true,
        },
    };
    if allowed {
        next.run(req).await
    } else {
        (
            StatusCode::FORBIDDEN,
            Body::from("cross-origin request refused"),
        )
            .into_response()
    }
}

/// Security headers on every response. A page (HTML) gets a CSP with the nonce chosen here
/// and handed to Leptos for its scripts, and a Referrer-Policy by path; everything else
/// gets the strictest ones.
pub async fn security_headers(
    State(cfg): State<Arc<GuardConfig>>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let is_asset = path.starts_with("/pkg/") || path == "/favicon.ico" || path == "/robots.txt";
    let immutable = is_asset && is_content_hashed(req.uri().path());
    // Recovery pages send no Referer anywhere; the others keep it on this origin.
    let referrer = if req.uri().path().starts_with(app::routes::RECOVER) {
        "no-referrer"
    } else {
        "same-origin"
    };
    let nonce = new_nonce();
    let mut req = req;
    req.extensions_mut()
        .insert(app::server::request::PageNonce(nonce.clone()));
    let mut res = next.run(req).await;
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_page {
        if let Ok(value) = HeaderValue::from_str(&app::page_csp(&nonce, cfg.reload_port)) {
            res.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
        res.headers_mut()
            .insert(header::REFERRER_POLICY, HeaderValue::from_static(referrer));
    }
    let res_ok = matches!(res.status(), StatusCode::OK | StatusCode::NOT_MODIFIED);
    let h = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str, replace: bool| {
        if replace || !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff", true);
    set(header::X_FRAME_OPTIONS, "DENY", true);
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
        true,
    );
    set(
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
        true,
    );
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        true,
    );
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'",
        false,
    );
    set(header::REFERRER_POLICY, "no-referrer", false);
    if is_asset {
        // The same name answers Brotli, gzip or plain bytes by the request's
        // Accept-Encoding (tower-http's ServeDir does not say so itself).
        set(header::VARY, "accept-encoding", false);
    }
    if is_asset && immutable && res_ok {
        // Its name changes whenever its content does: keep it for a year, never ask again.
        set(
            header::CACHE_CONTROL,
            "public, max-age=31536000, immutable",
            true,
        );
    } else if is_asset && res_ok {
        // Build output, no account data, under a name that stays: revalidate.
        set(header::CACHE_CONTROL, "no-cache", true);
    } else {
        set(header::CACHE_CONTROL, "no-store", true);
    }
    if cfg.https {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
            true,
        );
    }
    res
}

/// A file name that carries a hash of its content, as cargo-leptos' `hash-files` writes
/// them: `regain.<hash>.wasm`, `__wasm_split.<hash>.js`, where the hash is an MD5 in
/// unpadded base64url (22 characters).
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.rsplit('.');
    let (_ext, hash) = (parts.next(), parts.next());
    parts.next().is_some()
        && hash.is_some_and(|h| {
            h.len() == 22
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// 128 random bits for a page's CSP nonce.
fn new_nonce() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// Browsers ask for `zh-CN`, `zh-TW` or plain `zh`; our Chinese is `zh-Hans`, which
/// leptos_i18n will only match when asked for by that name. Rewrite every Chinese tag
/// (keeping its weight) before the page reads the header.
pub async fn chinese_is_simplified(mut req: Request, next: Next) -> Response {
    let rewritten = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.to_ascii_lowercase().contains("zh"))
        .map(rewrite_chinese);
    if let Some(value) = rewritten.and_then(|v| HeaderValue::from_str(&v).ok()) {
        req.headers_mut().insert(header::ACCEPT_LANGUAGE, value);
    }
    next.run(req).await
}

fn rewrite_chinese(header: &str) -> String {
    header
        .split(',')
        .map(|part| {
            let (tag, weight) = part.trim().split_once(';').unwrap_or((part.trim(), ""));
            let lower = tag.to_ascii_lowercase();
            let chinese = lower == "zh" || lower.starts_with("zh-");
            let tag = if chinese { "zh-Hans" } else { tag };
            if weight.is_empty() {
                tag.to_owned()
            } else {
                format!("{tag};{weight}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_with_a_content_hash_are_immutable() {
        assert!(is_content_hashed("/pkg/regain.sWmN0QdbE8fQzVd3zqJ1Qw.wasm"));
        assert!(is_content_hashed(
            "/pkg/__wasm_split.Ab-_0123456789abcdefgh.js"
        ));
        assert!(!is_content_hashed("/pkg/regain.wasm"));
        assert!(!is_content_hashed("/pkg/regain.css"));
        assert!(!is_content_hashed("/pkg/sWmN0QdbE8fQzVd3zqJ1Qw.wasm"));
        assert!(!is_content_hashed(
            "/pkg/regain.sWmN0QdbE8fQzVd3zqJ1Q!.wasm"
        ));
        assert!(!is_content_hashed("/pkg/regain.short.wasm"));
    }

    #[test]
    fn chinese_tags_become_simplified() {
        assert_eq!(
            rewrite_chinese("zh-CN,zh;q=0.9,en;q=0.8"),
            "zh-Hans,zh-Hans;q=0.9,en;q=0.8"
        );
        assert_eq!(rewrite_chinese("it-IT, en;q=0.5"), "it-IT,en;q=0.5");
        assert_eq!(rewrite_chinese("zh-Hant-TW"), "zh-Hans");
    }

    #[test]
    fn forms_take_only_their_own_fields_once() {
        let login = "/api/auth/login";
        assert_eq!(check_form(login, b"user_id=a%40b.c&password=x"), Ok(()));
        assert_eq!(
            check_form(login, b"password=x"),
            Ok(()),
            "missing is the function's to report"
        );
        assert_eq!(
            check_form(login, b"user_id=a&user_id=b&password=x"),
            Err(FormProblem::RepeatedField)
        );
        assert_eq!(
            check_form(login, b"user_id=a&password=x&admin=1"),
            Err(FormProblem::UnknownField)
        );
        assert_eq!(
            check_form(login, b"user_id[]=a&password=x"),
            Err(FormProblem::ArrayField)
        );
        assert_eq!(
            check_form(login, b"user_id%5B0%5D=a"),
            Err(FormProblem::ArrayField)
        );
        assert_eq!(
            check_form("/api/auth/reset-password", b""),
            Err(FormProblem::UnknownEndpoint)
        );
        assert_eq!(check_form("/api/auth/logout", b""), Ok(()));
    }

    #[test]
    fn forms_are_utf8_raw_and_decoded() {
        let login = "/api/auth/login";
        assert_eq!(
            check_form(login, b"user_id=a\xFFb&password=x"),
            Err(FormProblem::NotUtf8)
        );
        assert_eq!(
            check_form(login, b"user_id=a%FFb&password=x"),
            Err(FormProblem::NotUtf8)
        );
        assert_eq!(
            check_form(login, b"user_id=a%fF&password=x"),
            Err(FormProblem::NotUtf8),
            "hex digits of either case"
        );
        assert_eq!(
            check_form(login, b"user%FF=a"),
            Err(FormProblem::NotUtf8),
            "keys too, before they are looked up"
        );
        assert_eq!(
            check_form(login, b"user_id=%C3&password=%A9"),
            Err(FormProblem::NotUtf8),
            "a character split across two fields is two bad ones"
        );
        assert_eq!(
            check_form(login, b"user_id=%%FF"),
            Err(FormProblem::NotUtf8)
        );
        assert_eq!(
            check_form("/api/auth/logout", b"\xFF"),
            Err(FormProblem::NotUtf8),
            "an endpoint without fields as well"
        );
        assert_eq!(
            check_form("/api/auth/logout", b"%FF"),
            Err(FormProblem::NotUtf8)
        );
        assert_eq!(
            check_form(login, "user_id=é&password=%C3%A9+%E2%82%AC".as_bytes()),
            Ok(())
        );
        assert_eq!(
            check_form(login, b"user_id=100%&password=%G1%4"),
            Ok(()),
            "a % without two hex digits is itself"
        );
        assert_eq!(
            check_form("/api/nowhere", b"\xFF"),
            Err(FormProblem::UnknownEndpoint)
        );
    }

    #[test]
    fn origin_of_the_public_url() {
        let cfg = GuardConfig::from_public_url("https://regain.example.com/base/");
        assert_eq!(cfg.origin, "https://regain.example.com");
        assert!(cfg.https);
        assert_eq!(
            GuardConfig::from_public_url("http://127.0.0.1:3000").origin,
            "http://127.0.0.1:3000"
        );
    }
}

/// Why a form body is refused, before any server function sees it.
#[derive(Debug, PartialEq, Eq)]
pub enum FormProblem {
    UnknownEndpoint,
    UnknownField,
    RepeatedField,
    ArrayField,
    /// Bytes that are not UTF-8. Raw, the server function can't read the body and answers
    /// 500, as if the fault were ours; percent-encoded, its decoder quietly turns them
    /// into U+FFFD, so a field would not hold what was sent.
    NotUtf8,
}

impl FormProblem {
    /// The error a server function would have answered with, so the browser is told the
    /// same way.
    fn error(&self) -> app::error::AppError {
        match self {
            FormProblem::UnknownEndpoint => app::error::AppError::NotFound,
            FormProblem::UnknownField
            | FormProblem::RepeatedField
            | FormProblem::ArrayField
            | FormProblem::NotUtf8 => app::error::AppError::InvalidInput,
        }
    }
}

/// Checks an `application/x-www-form-urlencoded` body against the fields the endpoint
/// accepts: no field outside the list, none twice, no `a[]` / `a[b]` forms, and nothing
/// that is not UTF-8 once decoded.
pub fn check_form(path: &str, body: &[u8]) -> Result<(), FormProblem> {
    let allowed = app::api::form_fields(path).ok_or(FormProblem::UnknownEndpoint)?;
    let text = std::str::from_utf8(body).map_err(|_| FormProblem::NotUtf8)?;
    let mut seen: Vec<&str> = Vec::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !decodes_to_utf8(key) || !decodes_to_utf8(value) {
            return Err(FormProblem::NotUtf8);
        }
        if key.contains('[') || key.contains("%5B") || key.contains("%5b") {
            return Err(FormProblem::ArrayField);
        }
        if !allowed.contains(&key) {
            return Err(FormProblem::UnknownField);
        }
        if seen.contains(&key) {
            return Err(FormProblem::RepeatedField);
        }
        seen.push(key);
    }
    Ok(())
}

/// Whether a key or value of a form body is UTF-8 once `+` and `%XX` are decoded. A `%`
/// without two hex digits after it stays itself, as the server function's decoder reads it.
fn decodes_to_utf8(encoded: &str) -> bool {
    let mut decoded = Vec::with_capacity(encoded.len());
    let mut rest = encoded.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        let escaped = match (byte, tail) {
            (b'%', [high, low, after @ ..]) => hex_digit(*high)
                .zip(hex_digit(*low))
                .map(|(high, low)| (high << 4 | low, after)),
            _ => None,
        };
        rest = match escaped {
            Some((value, after)) => {
                decoded.push(value);
                after
            }
            None => {
                decoded.push(if byte == b'+' { b' ' } else { byte });
                tail
            }
        };
    }
    std::str::from_utf8(&decoded).is_ok()
}

fn hex_digit(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Applies [`check_form`] to every server-function call, and answers a refusal as the
/// server function answers its own errors (see [`app::server::request::with_status`]): a
/// form posted without JavaScript goes back to its page, which shows why; the wasm client
/// gets the error's status and JSON.
pub async fn strict_forms(req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !crate::router::is_server_fn(req.uri().path()) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::router::body_limit(&path)).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
    };
    match check_form(&path, &bytes) {
        Ok(()) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(problem) => {
            tracing::info!(?problem, path, "form refused");
            refusal(&parts, &path, &problem.error())
        }
    }
}

fn refusal(parts: &http::request::Parts, path: &str, error: &app::error::AppError) -> Response {
    let location = app::api::answer::is_plain_form_post(parts)
        .then(|| app::api::answer::form_error_location(path, error))
        .flatten()
        .and_then(|location| HeaderValue::from_str(&location).ok());
    if let Some(location) = location {
        return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
    }
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    match serde_json::to_string(error) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(_) => status.into_response(),
    }
}
