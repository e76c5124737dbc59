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

/// Gives a failed server-function call made by the wasm client the error's HTTP status.
/// A plain form post (no JavaScript) is left alone: Leptos answers it with a redirect
/// back to the form, carrying the error, and a status here would replace that redirect.
pub fn with_status<T>(
    result: Result<T, crate::error::AppError>,
) -> Result<T, crate::error::AppError> {
    if let Err(error) = &result {
        let accepts_html = current_parts().is_some_and(|p| {
            p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        });
        if !accepts_html {
            if let (Some(response), Ok(status)) = (
                leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
                http::StatusCode::from_u16(error.status()),
            ) {
                response.set_status(status);
            }
        }
    }
    result
}
