//! Errors as problem documents (RFC 9457, `application/problem+json`). The `code` is the
//! stable code the pages map to their translations ([`AppError::code`]); `detail` is that
//! translation, in the language `Accept-Language` asks for; the error's own fields
//! (`remaining`, `wait_seconds`, `at`, `problems`…) stand beside them.
use crate::error::AppError;
use crate::i18n::Locale;
use axum::response::{IntoResponse, Response};
use leptos::prelude::Signal;
use serde::Serialize;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// What every problem document holds; an error's own fields are added beside these.
/// Every operation names it as its `default` answer.
#[derive(Serialize, utoipa::ToSchema, utoipa::ToResponse)]
#[response(
    description = "A problem (RFC 9457)",
    content_type = "application/problem+json"
)]
pub struct Problem {
    /// `urn:regain:problem:<code>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:regain:problem:code_wrong")]
    pub kind: String,
    /// The error in a few English words, the same for every language.
    #[schema(example = "code wrong")]
    pub title: String,
    /// The HTTP status.
    #[schema(example = 400)]
    pub status: u16,
    /// What the user is told, in the request's language.
    #[schema(example = "That code isn't right. You have 4 tries left.")]
    pub detail: String,
    /// The stable code, e.g. `invalid_credentials`, `code_wrong`, `flow_expired`.
    #[schema(example = "code_wrong")]
    pub code: String,
}

/// The document for `error`, in the locale of the request in context.
pub fn document(error: &AppError) -> serde_json::Value {
    let locale: Locale = leptos_i18n::locale::resolve_locale();
    let i18n = leptos_i18n::context::init_i18n_subcontext(Some(Signal::stored(locale)));
    let detail = crate::texts::errors::error_text(i18n, error);
    // The error's own serialised form: `code` and its fields.
    let mut value = serde_json::to_value(error).unwrap_or_default();
    if !value.is_object() {
        value = serde_json::json!({ "code": error.code() });
    }
    if let Some(map) = value.as_object_mut() {
        map.insert(
            "type".into(),
            format!("urn:regain:problem:{}", error.code()).into(),
        );
        map.insert("title".into(), error.to_string().into());
        map.insert("status".into(), error.status().into());
        map.insert("detail".into(), detail.into());
    }
    value
}

/// The problem response for `error` (call within the request's context).
pub fn response(error: &AppError) -> Response {
    let status =
        http::StatusCode::from_u16(error.status()).unwrap_or(http::StatusCode::BAD_REQUEST);
    response_with_status(error, status)
}

/// The same, under another status than the error's own (a method not allowed).
pub fn response_with_status(error: &AppError, status: http::StatusCode) -> Response {
    let mut doc = document(error);
    if let Some(map) = doc.as_object_mut() {
        map.insert("status".into(), status.as_u16().into());
    }
    let language = leptos_i18n::locale::resolve_locale::<Locale>();
    (
        status,
        [
            (http::header::CONTENT_TYPE, CONTENT_TYPE.to_owned()),
            (
                http::header::CONTENT_LANGUAGE,
                leptos_i18n::Locale::as_str(language).to_owned(),
            ),
        ],
        doc.to_string(),
    )
        .into_response()
}
