//! The one error type that crosses the server-function boundary. Every variant has a
//! stable code and maps to a translation key; no internal error text ever reaches the
//! browser (the server logs the cause and sends `Internal`).
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AppError {
    /// The one answer for unknown user, wrong password, disabled and locked accounts.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The hashing pool is saturated: shed the request rather than queue without bound.
    #[error("busy")]
    Busy,
    #[error("not signed in")]
    NotSignedIn,
    #[error("invalid input")]
    InvalidInput,
    #[error("user id invalid")]
    UserIdInvalid,
    #[error("password required")]
    PasswordRequired,
    /// A new password fails the policy; every reason at once, none quoting the password.
    #[error("password rejected")]
    PasswordRejected {
        problems: Vec<crate::domain::password::PasswordProblem>,
    },
    #[error("password unchanged")]
    PasswordUnchanged,
    #[error("current password wrong")]
    CurrentPasswordWrong,
    /// Changing security info needs a sign-in less than ten minutes old.
    #[error("reauthentication required")]
    ReauthRequired,
    #[error("code wrong")]
    CodeWrong { remaining: i64 },
    /// No live code: expired, used, replaced by a resend, or out of tries.
    #[error("code expired")]
    CodeExpired,
    #[error("too soon")]
    TooSoon { wait_seconds: i64 },
    #[error("email invalid")]
    EmailInvalid,
    #[error("phone invalid")]
    PhoneInvalid,
    #[error("phone region not allowed")]
    PhoneRegionNotAllowed,
    #[error("method already registered")]
    MethodExists,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("authenticator code wrong")]
    TotpWrong,
    /// The code of a time step that was already accepted once.
    #[error("authenticator code already used")]
    TotpReplayed,
    #[error("answers invalid")]
    AnswersInvalid,
    #[error("try again later")]
    TryAgainAfter { at: i64 },
    #[error("anti-bot check failed")]
    ProofOfWorkFailed,
    #[error("recovery flow expired")]
    FlowExpired,
    #[error("answers wrong")]
    AnswersWrong,
    #[error("proof wrong")]
    ProofWrong,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("internal error")]
    Internal,
    /// The request never reached the server or its answer could not be read.
    #[error("network")]
    Network,
    /// A policy value outside its bounds; `field` is the form field's name.
    #[error("policy value out of range")]
    PolicyOutOfRange { field: String, min: i64, max: i64 },
    /// A policy value refused for another reason, which the field's explanation gives.
    #[error("policy value invalid")]
    PolicyInvalid { field: String },
    /// A banned term too short, too long or with control characters; `line` is its line
    /// in an imported list, 0 for a term added alone.
    #[error("banned term invalid")]
    TermInvalid { line: u32 },
    #[error("too many banned terms")]
    TooManyTerms { max: u32 },
    /// A passkey ceremony that did not verify: cancelled, timed out, another site's or
    /// an unknown credential, a replayed challenge, a counter gone back.
    #[error("passkey refused")]
    PasskeyRefused,
    /// This browser or this address can't use passkeys.
    #[error("passkeys unavailable")]
    PasskeyUnavailable,
    /// A passkey's name must be 1 to 60 characters.
    #[error("passkey name invalid")]
    PasskeyNameInvalid,
}

impl AppError {
    /// Stable machine-readable code, also used in the audit log.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Busy => "busy",
            AppError::NotSignedIn => "not_signed_in",
            AppError::InvalidInput => "invalid_input",
            AppError::UserIdInvalid => "user_id_invalid",
            AppError::PasswordRequired => "password_required",
            AppError::PasswordRejected { .. } => "password_rejected",
            AppError::PasswordUnchanged => "password_unchanged",
            AppError::CurrentPasswordWrong => "current_password_wrong",
            AppError::ReauthRequired => "reauth_required",
            AppError::CodeWrong { .. } => "code_wrong",
            AppError::CodeExpired => "code_expired",
            AppError::TooSoon { .. } => "too_soon",
            AppError::EmailInvalid => "email_invalid",
            AppError::PhoneInvalid => "phone_invalid",
            AppError::PhoneRegionNotAllowed => "phone_region_not_allowed",
            AppError::MethodExists => "method_exists",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::TotpWrong => "totp_wrong",
            AppError::TotpReplayed => "totp_replayed",
            AppError::AnswersInvalid => "answers_invalid",
            AppError::TryAgainAfter { .. } => "try_again_after",
            AppError::ProofOfWorkFailed => "proof_of_work_failed",
            AppError::FlowExpired => "flow_expired",
            AppError::AnswersWrong => "answers_wrong",
            AppError::ProofWrong => "proof_wrong",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Internal => "internal",
            AppError::Network => "network",
            AppError::PolicyOutOfRange { .. } => "policy_out_of_range",
            AppError::PolicyInvalid { .. } => "policy_invalid",
            AppError::TermInvalid { .. } => "term_invalid",
            AppError::TooManyTerms { .. } => "too_many_terms",
            AppError::PasskeyRefused => "passkey_refused",
            AppError::PasskeyUnavailable => "passkey_unavailable",
            AppError::PasskeyNameInvalid => "passkey_name_invalid",
        }
    }

    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::InvalidCredentials | AppError::NotSignedIn => 401,
            AppError::Busy => 503,
            AppError::Forbidden | AppError::ReauthRequired | AppError::MethodNotAllowed => 403,
            AppError::TooSoon { .. } | AppError::TryAgainAfter { .. } => 429,
            AppError::NotFound => 404,
            AppError::Internal | AppError::Network => 500,
            _ => 400,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Malformed, missing, duplicated or unknown form fields.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::InvalidInput,
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Network,
            ServerFnErrorErr::Registration(_) | ServerFnErrorErr::UnsupportedRequestMethod(_) => {
                AppError::NotFound
            }
            _ => AppError::Internal,
        }
    }
}
