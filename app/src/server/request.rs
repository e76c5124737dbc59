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
