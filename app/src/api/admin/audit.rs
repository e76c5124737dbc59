//! The audit log: filtered, paginated on the server, exported as CSV.

/// The form fields of this area's server functions (see `crate::api::FORM_FIELDS`).
pub const FORM_FIELDS: &[(&str, &[&str])] = &[];

/// The page a form posting to `endpoint` lives on, for this area's server functions.
pub fn form_page(_endpoint: &str) -> Option<&'static str> {
    None
}
