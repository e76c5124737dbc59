//! How a server function answers a failure: its HTTP status for the wasm client, or for a
//! form posted without JavaScript a redirect back to the form's page carrying the error
//! (the pages and fields of every form are listed in [`super::FORM_FIELDS`]).
use http::request::Parts;

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
    let parts = crate::server::request::current_parts();
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
