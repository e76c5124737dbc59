//! The signed-in user's security info (recovery methods), as the security-info pages
//! manage it. Changes need a sign-in less than ten minutes old (`reauth_required`
//! otherwise; `POST …/security/reauthenticate` renews it).
//!
//! Each step runs the pages' server function; where the page is sent on to another page,
//! the API answers 204 and the client reads what it needs next (`GET …/security/pending`
//! after adding an email or a phone, `GET …/security/authenticator/setup` after beginning
//! an authenticator, `GET …/security/recovery-codes` after generating codes). Passkeys are
//! registered only in the browser (their ceremony needs it); removing one works here.
use super::problem::Problem;
use super::{done, with_json, without_body};
use crate::api::security::{EnrolmentView, MethodView, QuestionsView, SecurityView};
use crate::domain::secret::SecretString;
use crate::error::AppError;
use crate::server::state::AppState;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    info,
    reauthenticate,
    add_email,
    add_phone,
    pending,
    verify,
    resend,
    remove,
    begin_authenticator,
    authenticator_setup,
    confirm_authenticator,
    generate_recovery_codes,
    recovery_codes,
    recovery_codes_saved,
    remove_recovery_codes,
    questions,
    save_answers,
    remove_questions,
    confirm,
    remove_passkey,
))]
pub struct Api;

// One `.route(…)` a line: the document's test reads the routed paths from them.
#[rustfmt::skip]
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/security", get(info))
        .route("/security/reauthenticate", post(reauthenticate))
        .route("/security/email", post(add_email))
        .route("/security/phone", post(add_phone))
        .route("/security/pending", get(pending))
        .route("/security/verify", post(verify))
        .route("/security/resend", post(resend))
        .route("/security/remove", post(remove))
        .route("/security/authenticator/begin", post(begin_authenticator))
        .route("/security/authenticator/setup", get(authenticator_setup))
        .route("/security/authenticator/confirm", post(confirm_authenticator))
        .route("/security/recovery-codes/generate", post(generate_recovery_codes))
        .route("/security/recovery-codes", get(recovery_codes))
        .route("/security/recovery-codes/saved", post(recovery_codes_saved))
        .route("/security/recovery-codes/remove", post(remove_recovery_codes))
        .route("/security/questions", get(questions).post(save_answers))
        .route("/security/questions/remove", post(remove_questions))
        .route("/security/confirm", post(confirm))
        .route("/security/passkeys/remove", post(remove_passkey))
}

/// The methods registered (masked), the recovery codes left, the questions answered,
/// what the policy allows and requires, passkeys, and whether the sign-in is recent
/// enough to change anything.
#[utoipa::path(
    get, path = "/api/v1/security", tag = "security-info",
    security(("session" = [])),
    responses(
        (status = 200, description = "The security info", body = SecurityView),
        (status = "default", response = Problem),
    )
)]
pub async fn info(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::security::security_info().await.map(Json)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Password {
    /// The account's current password.
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// The password again, when the sign-in is more than ten minutes old: changes are
/// allowed for ten minutes more.
#[utoipa::path(
    post, path = "/api/v1/security/reauthenticate", tag = "security-info",
    security(("session" = [])),
    request_body = Password,
    responses(
        (status = 204, description = "Renewed"),
        (status = "default", response = Problem),
    )
)]
pub async fn reauthenticate(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |Password { password }| async move {
        crate::api::security::reauthenticate(password).await?;
        Ok(done())
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEmail {
    #[schema(example = "anna.home@example.net")]
    pub address: String,
}

/// Adds an email address: a code is sent to it, to be given to `POST …/security/verify`
/// with the pending method's `id` (`GET …/security/pending`).
#[utoipa::path(
    post, path = "/api/v1/security/email", tag = "security-info",
    security(("session" = [])),
    request_body = NewEmail,
    responses(
        (status = 204, description = "Added, not yet verified; a code was sent"),
        (status = "default", response = Problem),
    )
)]
pub async fn add_email(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |NewEmail { address }| async move {
        crate::api::security::add_email(address).await?;
        Ok(done())
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPhone {
    /// In international form.
    #[schema(example = "+39 347 123 4567")]
    pub number: String,
}

/// Adds a phone number: a code is sent to it by text message, to be given to
/// `POST …/security/verify`.
#[utoipa::path(
    post, path = "/api/v1/security/phone", tag = "security-info",
    security(("session" = [])),
    request_body = NewPhone,
    responses(
        (status = 204, description = "Added, not yet verified; a code was sent"),
        (status = "default", response = Problem),
    )
)]
pub async fn add_phone(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |NewPhone { number }| async move {
        crate::api::security::add_phone(number).await?;
        Ok(done())
    })
    .await
}

/// The email or phone being verified now, masked (`null` when none is).
#[utoipa::path(
    get, path = "/api/v1/security/pending", tag = "security-info",
    security(("session" = [])),
    responses(
        (status = 200, description = "The pending method, or null", body = Option<MethodView>),
        (status = "default", response = Problem),
    )
)]
pub async fn pending(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::security::pending_verification().await.map(Json)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// The pending method's `id`.
    pub method: i64,
    /// The code sent to it.
    #[schema(value_type = String, format = Password)]
    pub code: SecretString,
}

/// Verifies an added email or phone with the code sent to it.
#[utoipa::path(
    post, path = "/api/v1/security/verify", tag = "security-info",
    security(("session" = [])),
    request_body = Verification,
    responses(
        (status = 204, description = "Verified; the method is registered"),
        (status = "default", response = Problem),
    )
)]
pub async fn verify(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |Verification { method, code }| async move {
        crate::api::security::verify_method(method, code).await?;
        Ok(done())
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodRef {
    /// The method's `id`.
    pub method: i64,
}

/// Sends a new code to the pending email or phone (the old one dies).
#[utoipa::path(
    post, path = "/api/v1/security/resend", tag = "security-info",
    security(("session" = [])),
    request_body = MethodRef,
    responses(
        (status = 204, description = "Sent"),
        (status = "default", response = Problem),
    )
)]
pub async fn resend(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |MethodRef { method }| async move {
        crate::api::security::resend_code(method).await?;
        Ok(done())
    })
    .await
}

/// Removes an email, a phone or the authenticator; every address of the user is told.
#[utoipa::path(
    post, path = "/api/v1/security/remove", tag = "security-info",
    security(("session" = [])),
    request_body = MethodRef,
    responses(
        (status = 204, description = "Removed"),
        (status = "default", response = Problem),
    )
)]
pub async fn remove(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |MethodRef { method }| async move {
        crate::api::security::remove_method(method).await?;
        Ok(done())
    })
    .await
}

/// Begins enrolling an authenticator app: its secret is in
/// `GET …/security/authenticator/setup`, its first code goes to
/// `POST …/security/authenticator/confirm`.
#[utoipa::path(
    post, path = "/api/v1/security/authenticator/begin", tag = "security-info",
    security(("session" = [])),
    responses(
        (status = 204, description = "Begun"),
        (status = "default", response = Problem),
    )
)]
pub async fn begin_authenticator(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::security::begin_authenticator().await?;
        Ok(done())
    })
    .await
}

/// The pending enrolment: the QR code (SVG) and the secret as text (`null` when none is
/// pending).
#[utoipa::path(
    get, path = "/api/v1/security/authenticator/setup", tag = "security-info",
    security(("session" = [])),
    responses(
        (status = 200, description = "The enrolment, or null", body = Option<EnrolmentView>),
        (status = "default", response = Problem),
    )
)]
pub async fn authenticator_setup(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::security::authenticator_setup().await.map(Json)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthenticatorCode {
    /// The six digits the app shows now.
    #[schema(value_type = String, format = Password)]
    pub code: SecretString,
}

/// Confirms the authenticator with a code from it.
#[utoipa::path(
    post, path = "/api/v1/security/authenticator/confirm", tag = "security-info",
    security(("session" = [])),
    request_body = AuthenticatorCode,
    responses(
        (status = 204, description = "Confirmed; the authenticator is registered"),
        (status = "default", response = Problem),
    )
)]
pub async fn confirm_authenticator(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |AuthenticatorCode { code }| async move {
        crate::api::security::confirm_authenticator(code).await?;
        Ok(done())
    })
    .await
}

/// Generates a new set of recovery codes (the old ones die); read them once from
/// `GET …/security/recovery-codes`.
#[utoipa::path(
    post, path = "/api/v1/security/recovery-codes/generate", tag = "security-info",
    security(("session" = [])),
    responses(
        (status = 204, description = "Generated"),
        (status = "default", response = Problem),
    )
)]
pub async fn generate_recovery_codes(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::security::generate_recovery_codes().await?;
        Ok(done())
    })
    .await
}

/// The codes this session just generated, until `POST …/recovery-codes/saved` (then
/// none).
#[utoipa::path(
    get, path = "/api/v1/security/recovery-codes", tag = "security-info",
    security(("session" = [])),
    responses(
        (status = 200, description = "The codes", body = Vec<String>),
        (status = "default", response = Problem),
    )
)]
pub async fn recovery_codes(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::security::recovery_codes_to_show()
            .await
            .map(Json)
    })
    .await
}

/// "I have saved my codes": they are not shown again.
#[utoipa::path(
    post, path = "/api/v1/security/recovery-codes/saved", tag = "security-info",
    security(("session" = [])),
    responses(
        (status = 204, description = "Not shown again"),
        (status = "default", response = Problem),
    )
)]
pub async fn recovery_codes_saved(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::security::recovery_codes_saved().await?;
        Ok(done())
    })
    .await
}

/// Removes every recovery code of the account.
#[utoipa::path(
    post, path = "/api/v1/security/recovery-codes/remove", tag = "security-info",
    security(("session" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = "default", response = Problem),
    )
)]
pub async fn remove_recovery_codes(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::security::remove_recovery_codes().await?;
        Ok(done())
    })
    .await
}

/// The questions to choose from (predefined ones by key, the organisation's own with
/// their text), how many to answer, and the keys answered now.
#[utoipa::path(
    get, path = "/api/v1/security/questions", tag = "security-info",
    security(("session" = [])),
    responses(
        (status = 200, description = "The questions", body = QuestionsView),
        (status = "default", response = Problem),
    )
)]
pub async fn questions(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::security::questions_form().await.map(Json)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionAnswer {
    /// A choice's `key`.
    #[schema(example = "q01")]
    pub question: String,
    #[schema(value_type = String, format = Password)]
    pub answer: SecretString,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    /// Each a different question; they replace the answers saved before.
    #[schema(max_items = 5)]
    pub answers: Vec<QuestionAnswer>,
}

/// Saves the answers to the chosen questions.
#[utoipa::path(
    post, path = "/api/v1/security/questions", tag = "security-info",
    security(("session" = [])),
    request_body = Answers,
    responses(
        (status = 204, description = "Saved"),
        (status = "default", response = Problem),
    )
)]
pub async fn save_answers(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |Answers { answers }| async move {
        if answers.len() > super::MAX_ANSWERS {
            return Err(AppError::InvalidInput);
        }
        let mut each = answers.into_iter().map(|a| (a.question, a.answer));
        let mut next = || each.next().unzip();
        let (q1, a1) = next();
        let (q2, a2) = next();
        let (q3, a3) = next();
        let (q4, a4) = next();
        let (q5, a5) = next();
        crate::api::security::save_answers(q1, a1, q2, a2, q3, a3, q4, a4, q5, a5).await?;
        Ok(done())
    })
    .await
}

/// Removes the account's security answers.
#[utoipa::path(
    post, path = "/api/v1/security/questions/remove", tag = "security-info",
    security(("session" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = "default", response = Problem),
    )
)]
pub async fn remove_questions(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::security::remove_questions().await?;
        Ok(done())
    })
    .await
}

/// "These are still current", when a sign-in asks to re-confirm the methods
/// (`next` = `confirm_security_info`).
#[utoipa::path(
    post, path = "/api/v1/security/confirm", tag = "security-info",
    security(("session" = [])),
    responses(
        (status = 204, description = "Confirmed"),
        (status = "default", response = Problem),
    )
)]
pub async fn confirm(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::security::confirm_methods().await?;
        Ok(done())
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyRef {
    /// The passkey's `id` in the security info.
    pub passkey: i64,
}

/// Removes a passkey (registering one needs the browser).
#[utoipa::path(
    post, path = "/api/v1/security/passkeys/remove", tag = "security-info",
    security(("session" = [])),
    request_body = PasskeyRef,
    responses(
        (status = 204, description = "Removed"),
        (status = "default", response = Problem),
    )
)]
pub async fn remove_passkey(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |PasskeyRef { passkey }| async move {
        crate::api::passkeys::remove_passkey(passkey).await?;
        Ok(done())
    })
    .await
}
