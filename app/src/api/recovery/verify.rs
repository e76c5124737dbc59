//! The verification gates: choose a method, prove it, resend a code.
use super::FlowView;
use crate::domain::secret::SecretString;
use crate::error::AppError;
use leptos::prelude::*;

/// The flow of this browser, as its pages show it.
#[server(prefix = "/api", endpoint = "recovery/flow")]
pub async fn recovery_flow() -> Result<FlowView, AppError> {
    use crate::api::security::QuestionChoice;
    use crate::server::recovery::{deadline, limits::Step};
    use crate::server::{app_state, recovery, request};
    crate::api::answer::with_status(
        deadline::within(Step::Page, async move {
            let state = app_state()?;
            let parts = request::current_parts().ok_or(AppError::Internal)?;
            let loaded = recovery::load(&state, &parts).await?;
            let gates = recovery::gates(&state, &loaded).await?;
            let challenge = loaded.flow.challenge.map(|kind| super::ChallengeView {
                kind,
                passkey_options: recovery::passkey_options(&loaded),
                questions: recovery::questions_asked(&loaded)
                    .into_iter()
                    .map(|(key, custom_text)| QuestionChoice { key, custom_text })
                    .collect(),
            });
            Ok(FlowView {
                state: loaded.flow.state,
                purpose: loaded.flow.purpose,
                gate: loaded.flow.gate_number(),
                required: loaded.flow.required,
                gates: gates
                    .into_iter()
                    .enumerate()
                    .map(|(index, g)| super::GateView {
                        index,
                        kind: g.kind,
                        masked: g.masked,
                    })
                    .collect(),
                challenge,
            })
        })
        .await,
    )
}

/// Chooses the method to prove; for an email or a phone, `typed` is the full address or
/// number, which must match the stored one before a code is sent to the stored one.
#[server(prefix = "/api", endpoint = "recovery/method")]
pub async fn choose_method(option: usize, typed: Option<String>) -> Result<(), AppError> {
    use crate::server::recovery::{deadline, limits::Step};
    use crate::server::{app_state, recovery, request};
    crate::api::answer::with_status(
        deadline::within(Step::Method, async move {
            let state = app_state()?;
            let parts = request::current_parts().ok_or(AppError::Internal)?;
            let meta = request::RequestMeta::from_parts(&parts);
            let locale = leptos_i18n::locale::resolve_locale();
            recovery::choose_method(&state, &parts, option, typed.as_deref(), locale, &meta)
                .await?;
            leptos_axum::redirect(crate::routes::RECOVER_VERIFY);
            Ok(())
        })
        .await,
    )
}

/// A code: from the mail or text message, the authenticator app, or a recovery code.
#[server(prefix = "/api", endpoint = "recovery/prove")]
pub async fn prove_code(code: SecretString) -> Result<(), AppError> {
    use crate::server::recovery::{self, deadline, limits::Step};
    crate::api::answer::with_status(
        deadline::within(Step::Prove, async move {
            let page = prove(recovery::Proof::Code(code.expose())).await?;
            leptos_axum::redirect(page);
            Ok(())
        })
        .await,
    )
}

/// The answers to the drawn security questions, in order.
#[server(prefix = "/api", endpoint = "recovery/answers")]
pub async fn prove_answers(
    answer_1: Option<SecretString>,
    answer_2: Option<SecretString>,
    answer_3: Option<SecretString>,
    answer_4: Option<SecretString>,
    answer_5: Option<SecretString>,
) -> Result<(), AppError> {
    use crate::server::recovery::{self, deadline, limits::Step};
    crate::api::answer::with_status(
        deadline::within(Step::Prove, async move {
            let answers: Vec<SecretString> = [answer_1, answer_2, answer_3, answer_4, answer_5]
                .into_iter()
                .flatten()
                .collect();
            let page = prove(recovery::Proof::Answers(&answers)).await?;
            leptos_axum::redirect(page);
            Ok(())
        })
        .await,
    )
}

/// A new code for the chosen email or phone.
#[server(prefix = "/api", endpoint = "recovery/resend")]
pub async fn resend_recovery_code() -> Result<(), AppError> {
    use crate::server::recovery::{deadline, limits::Step};
    use crate::server::{app_state, recovery, request};
    crate::api::answer::with_status(
        deadline::within(Step::Resend, async move {
            let state = app_state()?;
            let parts = request::current_parts().ok_or(AppError::Internal)?;
            let meta = request::RequestMeta::from_parts(&parts);
            let locale = leptos_i18n::locale::resolve_locale();
            recovery::resend(&state, &parts, locale, &meta).await?;
            leptos_axum::redirect(crate::routes::RECOVER_VERIFY_RESENT);
            Ok(())
        })
        .await,
    )
}

/// Checks this request's proof against its flow; the page of the flow's next step.
#[cfg(feature = "ssr")]
pub(crate) async fn prove(
    proof: crate::server::recovery::Proof<'_>,
) -> Result<&'static str, AppError> {
    use crate::server::{app_state, recovery, request};
    let state = app_state()?;
    let parts = request::current_parts().ok_or(AppError::Internal)?;
    let meta = request::RequestMeta::from_parts(&parts);
    let locale = leptos_i18n::locale::resolve_locale();
    let next = recovery::prove(&state, &parts, proof, locale, &meta).await?;
    Ok(done_or_page(next))
}

#[cfg(feature = "ssr")]
fn done_or_page(state: crate::domain::recovery::State) -> &'static str {
    if state == crate::domain::recovery::State::Done {
        // Only an unlock ends at a gate: a reset ends with the new password.
        crate::routes::RECOVER_DONE_UNLOCKED
    } else {
        super::page_of(state)
    }
}
