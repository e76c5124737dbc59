//! Security info: the signed-in user's recovery methods. Each change is one server
//! function posted by a plain form; on success it redirects to the page that comes next,
//! so every step works without JavaScript.
// A form of up to five question/answer pairs is ten plain fields: the server function
// mirrors the form, since nested form data would not work without JavaScript.
#![allow(clippy::too_many_arguments)]
use crate::domain::policy::MethodKind;
use crate::domain::secret::SecretString;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One registered (or half-registered) method, as the page shows it: masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MethodView {
    pub id: i64,
    pub kind: MethodKind,
    pub masked: String,
    pub verified: bool,
}

/// The security info page's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SecurityView {
    pub methods: Vec<MethodView>,
    pub recovery_codes_left: i64,
    pub questions_registered: usize,
    pub allowed: Vec<MethodKind>,
    pub required: u8,
    pub usable: u8,
    /// The sign-in is recent enough to change methods without the password again.
    pub recent: bool,
    pub admin: bool,
    pub passkeys: Vec<crate::api::passkeys::PasskeyView>,
    /// This portal's address can use passkeys (its host is a domain name).
    pub passkeys_available: bool,
}

impl SecurityView {
    pub fn allows(&self, kind: MethodKind) -> bool {
        self.allowed.contains(&kind)
    }
}

#[cfg(feature = "ssr")]
fn kind_of(k: crate::server::store::methods::ContactKind) -> MethodKind {
    use crate::server::store::methods::ContactKind;
    match k {
        ContactKind::Email => MethodKind::Email,
        ContactKind::Sms => MethodKind::Sms,
        ContactKind::Authenticator => MethodKind::Authenticator,
    }
}

#[server(prefix = "/api", endpoint = "security/info")]
pub async fn security_info() -> Result<SecurityView, AppError> {
    use crate::domain::methods;
    use crate::server::{app_state, security_info as si};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let c = si::caller(&state).await?;
            let admin = c.admin();
            let policy = &c.org.policy;
            let have = si::registered(&state, &c.user, policy.questions_to_register).await?;
            let rows = state.store.methods(c.user.id).await?;
            Ok(SecurityView {
                methods: rows
                    .iter()
                    .map(|m| MethodView {
                        id: m.id,
                        kind: kind_of(m.kind),
                        masked: si::masked(m),
                        verified: m.verified_at.is_some(),
                    })
                    .collect(),
                recovery_codes_left: state.store.recovery_codes_left(c.user.id).await?,
                questions_registered: state.store.security_questions(c.user.id).await?.len(),
                allowed: methods::allowed_methods(policy, admin),
                required: methods::required_methods(policy, admin),
                usable: methods::usable_methods(policy, admin, &have),
                recent: c.recent(state.now()),
                admin,
                passkeys: state
                    .store
                    .passkeys(c.user.id)
                    .await?
                    .into_iter()
                    .map(|p| crate::api::passkeys::PasskeyView {
                        id: p.id,
                        name: p.name,
                        created_at: p.created_at,
                        last_used_at: p.last_used_at,
                    })
                    .collect(),
                passkeys_available: crate::server::passkey::available(&state),
            })
        }
        .await,
    )
}

/// The password again, when the sign-in is too old to change security info.
#[server(prefix = "/api", endpoint = "security/reauth")]
pub async fn reauthenticate(password: SecretString) -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            crate::server::security_info::reauthenticate(&state, &password).await?;
            leptos_axum::redirect(crate::routes::SECURITY_INFO);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "security/email")]
pub async fn add_email(address: String) -> Result<(), AppError> {
    use crate::server::store::methods::ContactKind;
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            crate::server::security_info::add_contact(&state, ContactKind::Email, &address).await?;
            leptos_axum::redirect(crate::routes::SECURITY_VERIFY);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "security/phone")]
pub async fn add_phone(number: String) -> Result<(), AppError> {
    use crate::server::store::methods::ContactKind;
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            crate::server::security_info::add_contact(&state, ContactKind::Sms, &number).await?;
            leptos_axum::redirect(crate::routes::SECURITY_VERIFY);
            Ok(())
        }
        .await,
    )
}

/// The email or phone being verified now, masked.
#[server(prefix = "/api", endpoint = "security/pending")]
pub async fn pending_verification() -> Result<Option<MethodView>, AppError> {
    use crate::server::{app_state, security_info as si};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let c = si::caller(&state).await?;
            Ok(si::pending_contact(&state, &c).await?.map(|m| MethodView {
                id: m.id,
                kind: kind_of(m.kind),
                masked: si::masked(&m),
                verified: false,
            }))
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "security/verify")]
pub async fn verify_method(method: i64, code: SecretString) -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            crate::server::security_info::verify_contact(&state, method, code.expose()).await?;
            leptos_axum::redirect(crate::routes::SECURITY_DONE_ADDED);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "security/resend")]
pub async fn resend_code(method: i64) -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            crate::server::security_info::resend(&state, method).await?;
            leptos_axum::redirect(crate::routes::SECURITY_VERIFY_RESENT);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "security/remove")]
pub async fn remove_method(method: i64) -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            crate::server::security_info::remove(&state, method).await?;
            leptos_axum::redirect(crate::routes::SECURITY_DONE_REMOVED);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "security/authenticator/begin")]
pub async fn begin_authenticator() -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            crate::server::security_info::begin_authenticator(&state).await?;
            leptos_axum::redirect(crate::routes::SECURITY_AUTHENTICATOR);
            Ok(())
        }
        .await,
    )
}

/// The pending enrolment: the QR code as inline SVG (made by us, from our own data) and
/// the secret as text for typing in by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnrolmentView {
    pub qr_svg: String,
    pub secret: String,
}

#[server(prefix = "/api", endpoint = "security/authenticator/setup")]
pub async fn authenticator_setup() -> Result<Option<EnrolmentView>, AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            Ok(crate::server::security_info::pending_authenticator(&state)
                .await?
                .map(|e| EnrolmentView {
                    qr_svg: e.qr_svg,
                    secret: e.secret_text,
                }))
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "security/authenticator/confirm")]
pub async fn confirm_authenticator(code: SecretString) -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            crate::server::security_info::confirm_authenticator(&state, code.expose()).await?;
            leptos_axum::redirect(crate::routes::SECURITY_DONE_ADDED);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "security/recovery-codes/generate")]
pub async fn generate_recovery_codes() -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            crate::server::security_info::regenerate_recovery_codes(&state).await?;
            leptos_axum::redirect(crate::routes::SECURITY_CODES);
            Ok(())
        }
        .await,
    )
}

/// The codes this session just generated, while they may still be shown (read only).
#[server(prefix = "/api", endpoint = "security/recovery-codes/show")]
pub async fn recovery_codes_to_show() -> Result<Vec<String>, AppError> {
    use crate::server::{app_state, security_info as si};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let c = si::caller(&state).await?;
            si::codes_to_show(&state, c.user.id, &c.session_hash).await
        }
        .await,
    )
}

/// "I have saved my codes": they are not shown again.
#[server(prefix = "/api", endpoint = "security/recovery-codes/saved")]
pub async fn recovery_codes_saved() -> Result<(), AppError> {
    use crate::server::{app_state, security_info as si};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let c = si::caller(&state).await?;
            state
                .store
                .clear_recovery_code_display(&c.session_hash)
                .await?;
            leptos_axum::redirect(crate::routes::SECURITY_INFO);
            Ok(())
        }
        .await,
    )
}

/// Removes every recovery code of the account.
#[server(prefix = "/api", endpoint = "security/recovery-codes/remove")]
pub async fn remove_recovery_codes() -> Result<(), AppError> {
    use crate::server::security_info::{remove_all, Removable};
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            remove_all(&state, Removable::RecoveryCodes).await?;
            leptos_axum::redirect(crate::routes::SECURITY_DONE_REMOVED);
            Ok(())
        }
        .await,
    )
}

/// Removes the account's security answers.
#[server(prefix = "/api", endpoint = "security/questions/remove")]
pub async fn remove_questions() -> Result<(), AppError> {
    use crate::server::security_info::{remove_all, Removable};
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            remove_all(&state, Removable::SecurityQuestions).await?;
            leptos_axum::redirect(crate::routes::SECURITY_DONE_REMOVED);
            Ok(())
        }
        .await,
    )
}

/// A question the user may choose: its stored key and its text in the user's language
/// (the organisation's own questions are shown as written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QuestionChoice {
    pub key: String,
    pub custom_text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QuestionsView {
    pub to_register: u8,
    pub choices: Vec<QuestionChoice>,
    pub registered: Vec<String>,
}

#[server(prefix = "/api", endpoint = "security/questions")]
pub async fn questions_form() -> Result<QuestionsView, AppError> {
    use crate::domain::methods;
    use crate::server::{app_state, security_info as si};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            let c = si::caller(&state).await?;
            if !methods::allowed_methods(&c.org.policy, c.admin())
                .contains(&MethodKind::SecurityQuestions)
            {
                return Err(AppError::MethodNotAllowed);
            }
            let mut choices: Vec<QuestionChoice> = (1..=methods::PREDEFINED_QUESTIONS)
                .filter_map(methods::predefined_question_key)
                .map(|key| QuestionChoice {
                    key,
                    custom_text: None,
                })
                .collect();
            choices.extend(
                c.org
                    .policy
                    .custom_questions
                    .iter()
                    .enumerate()
                    .map(|(i, q)| QuestionChoice {
                        key: format!("custom:{i}"),
                        custom_text: Some(q.clone()),
                    }),
            );
            Ok(QuestionsView {
                to_register: c.org.policy.questions_to_register,
                choices,
                registered: state.store.security_questions(c.user.id).await?,
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "security/questions/save")]
pub async fn save_answers(
    question_1: Option<String>,
    answer_1: Option<SecretString>,
    question_2: Option<String>,
    answer_2: Option<SecretString>,
    question_3: Option<String>,
    answer_3: Option<SecretString>,
    question_4: Option<String>,
    answer_4: Option<SecretString>,
    question_5: Option<String>,
    answer_5: Option<SecretString>,
) -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            let pairs: Vec<(String, String)> = [
                (question_1, answer_1),
                (question_2, answer_2),
                (question_3, answer_3),
                (question_4, answer_4),
                (question_5, answer_5),
            ]
            .into_iter()
            .filter_map(|(q, a)| Some((q?, a?.expose().to_owned())))
            .collect();
            crate::server::security_info::save_answers(&state, &pairs).await?;
            leptos_axum::redirect(crate::routes::SECURITY_DONE_QUESTIONS);
            Ok(())
        }
        .await,
    )
}

/// "These are still current" on the re-confirmation page.
#[server(prefix = "/api", endpoint = "security/confirm")]
pub async fn confirm_methods() -> Result<(), AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            crate::server::security_info::confirm_current(&state).await?;
            leptos_axum::redirect(crate::routes::ACCOUNT);
            Ok(())
        }
        .await,
    )
}
