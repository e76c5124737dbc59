//! The first two steps: who you are, and why you're here.
use crate::error::AppError;
use leptos::prelude::*;

/// A fresh proof-of-work challenge for the start form (single use, five minutes).
#[server(prefix = "/api", endpoint = "recovery/challenge")]
pub async fn recovery_challenge() -> Result<String, AppError> {
    use crate::server::{app_state, pow};
    crate::api::answer::with_status(
        async move {
            let state = app_state()?;
            pow::issue(&state).await
        }
        .await,
    )
}

/// Starts a recovery for a user ID. Answers after the same fixed deadline whatever
/// happened (found or not, limited or not), so its timing tells nothing about the account.
/// `pow` is the solved proof of work; empty without JavaScript (a stricter limit applies).
#[server(prefix = "/api", endpoint = "recovery/start")]
pub async fn start_recovery(user_id: String, pow: Option<String>) -> Result<(), AppError> {
    use crate::server::{app_state, recovery, request};
    let result = begin(user_id, pow).await.and_then(|token| {
        let secure = app_state()?.settings.secure_cookies();
        request::set_cookie(&recovery::flow_cookie(&token, secure))?;
        leptos_axum::redirect(crate::routes::RECOVER_WHY);
        Ok(())
    });
    crate::api::answer::with_status(result)
}

/// The start of a recovery, for the page's form and the JSON API alike: the proof of work
/// redeemed, the flow created, at the step's deadline. Returns the flow's token.
#[cfg(feature = "ssr")]
pub async fn begin(user_id: String, pow: Option<String>) -> Result<String, AppError> {
    use crate::server::recovery::{deadline, limits::Step};
    use crate::server::{app_state, recovery, request};
    deadline::within(Step::Start, async {
        let state = app_state()?;
        let parts = request::current_parts().ok_or(AppError::Internal)?;
        let meta = request::RequestMeta::from_parts(&parts);
        let pow_solved = match pow.as_deref().map(str::trim) {
            None | Some("") => false,
            Some(payload) => {
                if !crate::server::recovery::pow_redeemed(&state, payload).await? {
                    return Err(AppError::ProofOfWorkFailed);
                }
                true
            }
        };
        recovery::start(&state, &user_id, pow_solved, &meta).await
    })
    .await
}

/// "I forgot my password" or "I know my password, but still can't sign in".
#[server(prefix = "/api", endpoint = "recovery/purpose")]
pub async fn choose_purpose(purpose: String) -> Result<(), AppError> {
    use crate::server::recovery::{deadline, limits::Step};
    use crate::server::{app_state, recovery, request};
    crate::api::answer::with_status(
        deadline::within(Step::Purpose, async move {
            let purpose =
                crate::domain::recovery::Purpose::parse(&purpose).ok_or(AppError::InvalidInput)?;
            let state = app_state()?;
            let parts = request::current_parts().ok_or(AppError::Internal)?;
            let meta = request::RequestMeta::from_parts(&parts);
            recovery::choose_purpose(&state, &parts, purpose, &meta).await?;
            leptos_axum::redirect(crate::routes::RECOVER_VERIFY);
            Ok(())
        })
        .await,
    )
}
