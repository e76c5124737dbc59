//! "Can't access your account?" for native clients, one step each, as the pages walk it.
//! The start answers with the flow's token; every later step carries it in the
//! `Regain-Flow` header. The steps keep the pages' deadlines, limits and decoys: an
//! unknown, disabled or locked account walks the same steps with the same answers.
use super::problem::Problem;
use super::{done, with_json, without_body};
use crate::api::recovery::FlowView;
use crate::domain::password::PasswordRules;
use crate::domain::recovery::Purpose;
use crate::domain::secret::SecretString;
use crate::error::AppError;
use crate::server::state::AppState;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Challenge {
    /// An ALTCHA challenge (JSON), single use, five minutes. Solved, its payload goes in
    /// the start's `pow`.
    pub challenge: String,
}

/// A proof-of-work challenge for the start.
#[utoipa::path(
    post, path = "/api/v1/recovery/challenge", tag = "recovery",
    responses(
        (status = 201, description = "A fresh challenge", body = Challenge),
        (status = "default", response = Problem),
    )
)]
pub async fn challenge(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        let challenge = crate::api::recovery::start::recovery_challenge().await?;
        Ok((http::StatusCode::CREATED, Json(Challenge { challenge })))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Start {
    /// The user ID: the account's email address.
    #[schema(example = "anna.rossi@example.com")]
    pub user_id: String,
    /// The solved proof of work (ALTCHA payload). Without it a stricter limit applies.
    pub pow: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Started {
    /// The flow: send it as the `Regain-Flow` header of every later step. It lives as
    /// long as the flow (fifteen minutes at most).
    pub flow_token: String,
}

/// Starts a recovery. Answers at the same fixed deadline, with the same answer, for every
/// identifier: known, unknown, disabled or locked.
#[utoipa::path(
    post, path = "/api/v1/recovery/start", tag = "recovery",
    request_body = Start,
    responses(
        (status = 201, description = "A flow started", body = Started),
        (status = "default", response = Problem),
    )
)]
pub async fn start(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |Start { user_id, pow }| async move {
        let flow_token = crate::api::recovery::start::begin(user_id, pow).await?;
        Ok((http::StatusCode::CREATED, Json(Started { flow_token })))
    })
    .await
}

/// The flow as its pages show it: its state, the gates offered (masked), the challenge
/// being proven.
#[utoipa::path(
    get, path = "/api/v1/recovery/flow", tag = "recovery",
    params(("Regain-Flow" = String, Header, description = "The flow token the start answered with")),
    responses(
        (status = 200, description = "The flow", body = FlowView),
        (status = "default", response = Problem),
    )
)]
pub async fn flow(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::recovery::verify::recovery_flow()
            .await
            .map(Json)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurposeChoice {
    /// `reset`: "I forgot my password"; `unlock`: "I know my password, but still can't
    /// sign in".
    pub purpose: Purpose,
}

/// Why the user is here.
#[utoipa::path(
    post, path = "/api/v1/recovery/purpose", tag = "recovery",
    params(("Regain-Flow" = String, Header, description = "The flow token the start answered with")),
    request_body = PurposeChoice,
    responses(
        (status = 204, description = "Chosen; the flow now verifies"),
        (status = "default", response = Problem),
    )
)]
pub async fn purpose(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |PurposeChoice { purpose }| async move {
        crate::api::recovery::start::choose_purpose(purpose.as_str().to_owned()).await?;
        Ok(done())
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodChoice {
    /// The gate's `index` in the flow's `gates`.
    #[schema(minimum = 0)]
    pub option: usize,
    /// For an email or a phone: the full address or number, which must match the stored
    /// one before a code is sent to it.
    pub typed: Option<String>,
}

/// Chooses the method to prove at this gate; for an email or a phone, a code is sent.
#[utoipa::path(
    post, path = "/api/v1/recovery/method", tag = "recovery",
    params(("Regain-Flow" = String, Header, description = "The flow token the start answered with")),
    request_body = MethodChoice,
    responses(
        (status = 204, description = "Chosen; prove it next"),
        (status = "default", response = Problem),
    )
)]
pub async fn method(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |MethodChoice { option, typed }| async move {
        crate::api::recovery::verify::choose_method(option, typed).await?;
        Ok(done())
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeProof {
    /// From the mail or text message, the authenticator app, or a recovery code.
    #[schema(value_type = String, format = Password)]
    pub code: SecretString,
}

/// Proves the chosen method with a code. The flow's next state is in `GET …/flow`.
#[utoipa::path(
    post, path = "/api/v1/recovery/code", tag = "recovery",
    params(("Regain-Flow" = String, Header, description = "The flow token the start answered with")),
    request_body = CodeProof,
    responses(
        (status = 204, description = "Passed this gate"),
        (status = "default", response = Problem),
    )
)]
pub async fn code(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |CodeProof { code }| async move {
        crate::api::recovery::verify::prove_code(code).await?;
        Ok(done())
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersProof {
    /// The answers to the drawn questions, in their order.
    #[schema(value_type = Vec<String>, max_items = 5)]
    pub answers: Vec<SecretString>,
}

/// Proves security questions with their answers.
#[utoipa::path(
    post, path = "/api/v1/recovery/answers", tag = "recovery",
    params(("Regain-Flow" = String, Header, description = "The flow token the start answered with")),
    request_body = AnswersProof,
    responses(
        (status = 204, description = "Passed this gate"),
        (status = "default", response = Problem),
    )
)]
pub async fn answers(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |AnswersProof { answers }| async move {
        if answers.len() > super::MAX_ANSWERS {
            return Err(AppError::InvalidInput);
        }
        let mut each = answers.into_iter();
        crate::api::recovery::verify::prove_answers(
            each.next(),
            each.next(),
            each.next(),
            each.next(),
            each.next(),
        )
        .await?;
        Ok(done())
    })
    .await
}

/// Sends a new code for the chosen email or phone (the old one dies).
#[utoipa::path(
    post, path = "/api/v1/recovery/resend", tag = "recovery",
    params(("Regain-Flow" = String, Header, description = "The flow token the start answered with")),
    responses(
        (status = 204, description = "Sent"),
        (status = "default", response = Problem),
    )
)]
pub async fn resend(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::recovery::verify::resend_recovery_code().await?;
        Ok(done())
    })
    .await
}

/// The password rules of the account whose reset has passed every gate.
#[utoipa::path(
    get, path = "/api/v1/recovery/password-rules", tag = "recovery",
    params(("Regain-Flow" = String, Header, description = "The flow token the start answered with")),
    responses(
        (status = 200, description = "The rules", body = PasswordRules),
        (status = "default", response = Problem),
    )
)]
pub async fn rules(State(state): State<AppState>, req: Request) -> Response {
    without_body(state, req, async {
        crate::api::recovery::set_password::recovery_password_rules()
            .await
            .map(Json)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    #[schema(value_type = String, format = Password)]
    pub new: SecretString,
    #[schema(value_type = String, format = Password)]
    pub confirm: SecretString,
}

/// Sets the new password once every gate is passed. Every session of the account ends;
/// the user signs in anew.
#[utoipa::path(
    post, path = "/api/v1/recovery/password", tag = "recovery",
    params(("Regain-Flow" = String, Header, description = "The flow token the start answered with")),
    request_body = NewPassword,
    responses(
        (status = 204, description = "Reset; sign in with the new password"),
        (status = "default", response = Problem),
    )
)]
pub async fn password(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |NewPassword { new, confirm }| async move {
        crate::api::recovery::set_password::set_recovered_password(new, confirm).await?;
        Ok(done())
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Freeze {
    /// The token of the "this wasn't me" link in a recovery notice.
    #[schema(value_type = String, format = Password)]
    pub token: SecretString,
}

/// "This wasn't me": freezes the account a recovery notice was about.
#[utoipa::path(
    post, path = "/api/v1/recovery/freeze", tag = "recovery",
    request_body = Freeze,
    responses(
        (status = 204, description = "Frozen"),
        (status = "default", response = Problem),
    )
)]
pub async fn freeze(State(state): State<AppState>, req: Request) -> Response {
    with_json(state, req, |Freeze { token }| async move {
        crate::api::recovery::set_password::freeze_account(token).await?;
        Ok(done())
    })
    .await
}
