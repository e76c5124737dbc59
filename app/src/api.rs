//! Server functions, one per file, grouped by domain. Each has a stable URL under `/api`
//! and answers with [`crate::error::AppError`] on failure.
pub mod account;
pub mod auth;
pub mod dev;
pub mod password;
pub mod site;

use leptos::server_fn::ServerFn;

/// The form fields each server function accepts. The server refuses a request with any
/// other field, a repeated one or an array-style one before it reaches the function
/// (SECURITY.md requirement 12); an endpoint missing here is refused outright, so a new
/// server function must be listed to work at all.
pub const FORM_FIELDS: &[(&str, &[&str])] = &[
    (<auth::Login as ServerFn>::PATH, &["user_id", "password"]),
    (<auth::Logout as ServerFn>::PATH, &[]),
    (<account::CurrentAccount as ServerFn>::PATH, &[]),
    (
        <account::ChangeTemporaryPassword as ServerFn>::PATH,
        &["current", "new", "confirm"],
    ),
    (<password::PasswordPolicy as ServerFn>::PATH, &[]),
    (
        <password::PasswordStrength as ServerFn>::PATH,
        &["candidate"],
    ),
    (
        <password::ChangePassword as ServerFn>::PATH,
        &["current", "new", "confirm"],
    ),
    (<site::SiteInfo as ServerFn>::PATH, &[]),
    (
        <site::SetLocale as ServerFn>::PATH,
        &["locale", "return_to"],
    ),
    (<dev::DevMailbox as ServerFn>::PATH, &[]),
];

/// The page whose form posts to this server function: where a failed post without
/// JavaScript is sent back to, with its error. Never taken from the Referer header.
pub fn form_page(endpoint: &str) -> &'static str {
    if endpoint == <account::ChangeTemporaryPassword as ServerFn>::PATH {
        crate::routes::CHANGE_PASSWORD
    } else if endpoint == <password::ChangePassword as ServerFn>::PATH {
        crate::routes::ACCOUNT_PASSWORD
    } else if endpoint == <auth::Logout as ServerFn>::PATH {
        crate::routes::ACCOUNT
    } else {
        crate::routes::LOGIN
    }
}
