//! What a server function may know about the request it serves.
use axum::extract::ConnectInfo;
use http::request::Parts;
use std::net::SocketAddr;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
}

impl RequestMeta {
    pub fn from_parts(parts: &Parts) -> Self {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
            .unwrap_or_default();
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(256).collect())
            .unwrap_or_default();
        Self { ip, user_agent }
    }
}

/// The request parts of the current server function call or page render.
pub fn current_parts() -> Option<Parts> {
    leptos::prelude::use_context::<Parts>()
}

/// Adds a `Set-Cookie` header to the response of the current server function.
pub fn set_cookie(cookie: &str) -> Result<(), crate::error::AppError> {
    let response = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        .ok_or(crate::error::AppError::Internal)?;
    let value =
        http::HeaderValue::from_str(cookie).map_err(|_| crate::error::AppError::Internal)?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

/// Reads one cookie from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Answers a failed server-function call. From the wasm client: the error's HTTP status.
/// From a plain form post (no JavaScript): a redirect back to the form's page carrying the
/// error, built here rather than from the Referer, which a browser may leave out.
pub fn with_status<T>(
    result: Result<T, crate::error::AppError>,
) -> Result<T, crate::error::AppError> {
    let Err(error) = &result else { return result };
    let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else {
        return result;
    };
    let parts = current_parts();
    let accepts_html = parts.as_ref().is_some_and(is_plain_form_post);
    let endpoint = parts
        .as_ref()
        .map(|p| p.uri.path().to_owned())
        .unwrap_or_default();
    if accepts_html {
        let location = form_error_location(&endpoint, error)
            .and_then(|location| http::HeaderValue::from_str(&location).ok());
        if let Some(value) = location {
            response.set_status(http::StatusCode::FOUND);
            response.insert_header(http::header::LOCATION, value);
        }
    } else if let Ok(status) = http::StatusCode::from_u16(error.status()) {
        response.set_status(status);
    }
    result
}

/// Whether a failure of this request is answered by sending the browser back to the form's
/// page: a form posted without JavaScript. Only a POST: a server function called while the
/// server renders a page (a GET) answers with its status, and the page shows the error (a
/// redirect there would replace e.g. the console's "not allowed" page).
pub fn is_plain_form_post(parts: &Parts) -> bool {
    parts.method == http::Method::POST
        && parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
}

/// Where a form posted without JavaScript to `endpoint` is sent when it fails with
/// `error`: the form's own page, with the error in the query for that page's action to
/// show. A relative location: path and query only.
pub fn form_error_location(endpoint: &str, error: &crate::error::AppError) -> Option<String> {
    let page = crate::api::form_page(endpoint);
    // A throwaway origin only to build the query; it is dropped again below.
    let url = leptos::server_fn::error::ServerFnUrlError::new(endpoint, error.clone())
        .to_url(&format!("http://regain.invalid{page}"))
        .ok()?;
    Some(format!(
        "{}?{}",
        url.path(),
        url.query().unwrap_or_default()
    ))
}

/// The nonce of the page this request renders, chosen by the server's middleware before
/// Leptos runs. Leptos is given it as its nonce, and the middleware writes the page's CSP
/// with it: the header then never depends on the render's response options, which were
/// seen lost under heavy load (a page without its CSP never hydrates).
#[derive(Debug, Clone)]
pub struct PageNonce(pub String);

/// Makes the request's [`PageNonce`] the nonce of the render (call from the Leptos context).
pub fn provide_page_nonce() {
    let nonce = current_parts().and_then(|p| p.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(value)) = nonce {
        leptos::prelude::provide_context(leptos::nonce::Nonce::from_value(value));
    }
}
