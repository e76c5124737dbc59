//! Server functions, one per file, grouped by domain. Each has a stable URL under `/api`
//! and answers with [`crate::error::AppError`] on failure.
pub mod account;
pub mod admin;
#[cfg(feature = "ssr")]
pub mod answer;
pub mod auth;
pub mod dev;
pub mod passkeys;
pub mod password;
pub mod recovery;
pub mod security;
pub mod site;
#[cfg(feature = "ssr")]
pub mod v1;

use leptos::server_fn::ServerFn;

/// The form fields each server function accepts. The server refuses a request with any
/// other field, a repeated one or an array-style one before it reaches the function
/// (docs/security.md); an endpoint missing here is refused outright, so a new
/// server function must be listed to work at all.
pub const FORM_FIELDS: &[(&str, &[&str])] = &[
    (<auth::Login as ServerFn>::PATH, &["user_id", "password"]),
    (<auth::Logout as ServerFn>::PATH, &[]),
    (<account::CurrentAccount as ServerFn>::PATH, &[]),
    (<account::RecoveryLog as ServerFn>::PATH, &[]),
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
    (<security::SecurityInfo as ServerFn>::PATH, &[]),
    (<security::Reauthenticate as ServerFn>::PATH, &["password"]),
    (<security::AddEmail as ServerFn>::PATH, &["address"]),
    (<security::AddPhone as ServerFn>::PATH, &["number"]),
    (<security::PendingVerification as ServerFn>::PATH, &[]),
    (
        <security::VerifyMethod as ServerFn>::PATH,
        &["method", "code"],
    ),
    (<security::ResendCode as ServerFn>::PATH, &["method"]),
    (<security::RemoveMethod as ServerFn>::PATH, &["method"]),
    (<security::BeginAuthenticator as ServerFn>::PATH, &[]),
    (<security::AuthenticatorSetup as ServerFn>::PATH, &[]),
    (
        <security::ConfirmAuthenticator as ServerFn>::PATH,
        &["code"],
    ),
    (<security::GenerateRecoveryCodes as ServerFn>::PATH, &[]),
    (<security::RecoveryCodesToShow as ServerFn>::PATH, &[]),
    (<security::RecoveryCodesSaved as ServerFn>::PATH, &[]),
    (<security::RemoveRecoveryCodes as ServerFn>::PATH, &[]),
    (<security::RemoveQuestions as ServerFn>::PATH, &[]),
    (<security::QuestionsForm as ServerFn>::PATH, &[]),
    (
        <security::SaveAnswers as ServerFn>::PATH,
        &[
            "question_1",
            "answer_1",
            "question_2",
            "answer_2",
            "question_3",
            "answer_3",
            "question_4",
            "answer_4",
            "question_5",
            "answer_5",
        ],
    ),
    (<security::ConfirmMethods as ServerFn>::PATH, &[]),
    (<passkeys::BeginPasskeyRegistration as ServerFn>::PATH, &[]),
    (
        <passkeys::FinishPasskeyRegistration as ServerFn>::PATH,
        &["token", "name", "response"],
    ),
    (<passkeys::RemovePasskey as ServerFn>::PATH, &["passkey"]),
    (<passkeys::BeginPasskeySignIn as ServerFn>::PATH, &[]),
    (
        <passkeys::FinishPasskeySignIn as ServerFn>::PATH,
        &["token", "response"],
    ),
    (<passkeys::ProvePasskey as ServerFn>::PATH, &["response"]),
    (
        <recovery::start::StartRecovery as ServerFn>::PATH,
        &["user_id", "pow"],
    ),
    (<recovery::start::RecoveryChallenge as ServerFn>::PATH, &[]),
    (
        <recovery::start::ChoosePurpose as ServerFn>::PATH,
        &["purpose"],
    ),
    (<recovery::verify::RecoveryFlow as ServerFn>::PATH, &[]),
    (
        <recovery::verify::ChooseMethod as ServerFn>::PATH,
        &["option", "typed"],
    ),
    (<recovery::verify::ProveCode as ServerFn>::PATH, &["code"]),
    (
        <recovery::verify::ProveAnswers as ServerFn>::PATH,
        &["answer_1", "answer_2", "answer_3", "answer_4", "answer_5"],
    ),
    (
        <recovery::verify::ResendRecoveryCode as ServerFn>::PATH,
        &[],
    ),
    (
        <recovery::set_password::SetRecoveredPassword as ServerFn>::PATH,
        &["new", "confirm"],
    ),
    (
        <recovery::set_password::RecoveryPasswordRules as ServerFn>::PATH,
        &[],
    ),
    (
        <recovery::set_password::FreezeAccount as ServerFn>::PATH,
        &["token"],
    ),
];

/// The fields `endpoint` accepts, if it is a server function at all.
pub fn form_fields(endpoint: &str) -> Option<&'static [&'static str]> {
    std::iter::once(FORM_FIELDS)
        .chain(admin::FORM_FIELD_LISTS.iter().copied())
        .flat_map(|list| list.iter())
        .find(|(path, _)| *path == endpoint)
        .map(|(_, fields)| *fields)
}

/// Every server function's path, in every list.
pub fn endpoints() -> impl Iterator<Item = &'static str> {
    std::iter::once(FORM_FIELDS)
        .chain(admin::FORM_FIELD_LISTS.iter().copied())
        .flat_map(|list| list.iter())
        .map(|(path, _)| *path)
}

/// The page whose form posts to this server function: where a failed post without
/// JavaScript is sent back to, with its error. Never taken from the Referer header.
pub fn form_page(endpoint: &str) -> &'static str {
    if endpoint == <account::ChangeTemporaryPassword as ServerFn>::PATH {
        crate::routes::CHANGE_PASSWORD
    } else if endpoint == <password::ChangePassword as ServerFn>::PATH {
        crate::routes::ACCOUNT_PASSWORD
    } else if endpoint == <auth::Logout as ServerFn>::PATH {
        crate::routes::ACCOUNT
    } else if let Some(page) = security_form_page(endpoint) {
        page
    } else if let Some(page) = recovery_form_page(endpoint) {
        page
    } else if let Some(page) = admin::form_page(endpoint) {
        page
    } else {
        crate::routes::LOGIN
    }
}

fn recovery_form_page(endpoint: &str) -> Option<&'static str> {
    use crate::routes;
    use recovery::{set_password, start, verify};
    let pages: [(&str, &'static str); 8] = [
        (<start::StartRecovery as ServerFn>::PATH, routes::RECOVER),
        (
            <start::ChoosePurpose as ServerFn>::PATH,
            routes::RECOVER_WHY,
        ),
        (
            <verify::ChooseMethod as ServerFn>::PATH,
            routes::RECOVER_VERIFY_CHOOSE,
        ),
        (
            <verify::ProveCode as ServerFn>::PATH,
            routes::RECOVER_VERIFY,
        ),
        (
            <verify::ProveAnswers as ServerFn>::PATH,
            routes::RECOVER_VERIFY,
        ),
        (
            <verify::ResendRecoveryCode as ServerFn>::PATH,
            routes::RECOVER_VERIFY,
        ),
        (
            <set_password::SetRecoveredPassword as ServerFn>::PATH,
            routes::RECOVER_PASSWORD,
        ),
        (
            <set_password::FreezeAccount as ServerFn>::PATH,
            routes::RECOVER_FREEZE,
        ),
    ];
    pages
        .into_iter()
        .find(|(path, _)| *path == endpoint)
        .map(|(_, page)| page)
}

fn security_form_page(endpoint: &str) -> Option<&'static str> {
    use crate::routes;
    let pages: [(&str, &'static str); 13] = [
        (
            <security::RemoveRecoveryCodes as ServerFn>::PATH,
            routes::SECURITY_INFO,
        ),
        (
            <passkeys::RemovePasskey as ServerFn>::PATH,
            routes::SECURITY_INFO,
        ),
        (
            <security::RemoveQuestions as ServerFn>::PATH,
            routes::SECURITY_INFO,
        ),
        (
            <security::Reauthenticate as ServerFn>::PATH,
            routes::SECURITY_INFO,
        ),
        (
            <security::AddEmail as ServerFn>::PATH,
            routes::SECURITY_INFO,
        ),
        (
            <security::AddPhone as ServerFn>::PATH,
            routes::SECURITY_INFO,
        ),
        (
            <security::RemoveMethod as ServerFn>::PATH,
            routes::SECURITY_INFO,
        ),
        (
            <security::BeginAuthenticator as ServerFn>::PATH,
            routes::SECURITY_INFO,
        ),
        (
            <security::GenerateRecoveryCodes as ServerFn>::PATH,
            routes::SECURITY_INFO,
        ),
        (
            <security::VerifyMethod as ServerFn>::PATH,
            routes::SECURITY_VERIFY,
        ),
        (
            <security::ResendCode as ServerFn>::PATH,
            routes::SECURITY_VERIFY,
        ),
        (
            <security::ConfirmAuthenticator as ServerFn>::PATH,
            routes::SECURITY_AUTHENTICATOR,
        ),
        (
            <security::SaveAnswers as ServerFn>::PATH,
            routes::SECURITY_QUESTIONS,
        ),
    ];
    pages
        .into_iter()
        .find(|(path, _)| *path == endpoint)
        .map(|(_, page)| page)
}
