//! An authenticator app: a six-digit TOTP code, each time step accepted once.
use super::code::contact_gates;
use super::{Answer, Challenge, Method, Step, Verdict};
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::error::AppError;
use crate::server::recovery::gates::{Gate, Proof};
use crate::server::recovery::limits;
use crate::server::state::AppState;
use crate::server::store::methods::{ContactKind, MethodRow};
use crate::server::store::User;

pub(in crate::server::recovery) struct Authenticator;

/// Wrong codes within one 30 s step before the identifier waits for the next (counted
/// per identifier, so a decoy waits alike; `docs/security.md`).
const TRIES_PER_STEP: i64 = 3;
const STEP_SECONDS: i64 = 30;

impl Method for Authenticator {
    fn offers<'a>(
        &'a self,
        _state: &'a AppState,
        _user: &'a User,
        _policy: &'a OrgPolicy,
        contacts: &'a [MethodRow],
    ) -> Answer<'a, Vec<Gate>> {
        Box::pin(async move {
            Ok(contact_gates(
                MethodKind::Authenticator,
                ContactKind::Authenticator,
                contacts,
            ))
        })
    }

    fn challenge<'a>(
        &'a self,
        _step: &'a Step<'a>,
        gate: &'a Gate,
        _typed: Option<&'a str>,
    ) -> Answer<'a, Challenge> {
        Box::pin(async move {
            Ok(Challenge::Authenticator {
                method_id: gate.method.as_ref().map(|m| m.id),
            })
        })
    }

    fn check<'a>(
        &'a self,
        step: &'a Step<'a>,
        challenge: &'a Challenge,
        proof: &'a Proof<'a>,
    ) -> Answer<'a, Verdict> {
        Box::pin(async move {
            let (Challenge::Authenticator { method_id }, Proof::Code(code)) = (challenge, proof)
            else {
                return Err(AppError::InvalidInput);
            };
            let (state, loaded, now) = (step.state, step.loaded, step.now);
            let totp_limit = limits::Limit::new(TRIES_PER_STEP, STEP_SECONDS);
            let key = &loaded.row.subject_mac;
            if let Some(at) = limits::exhausted(state, "totp", key, totp_limit).await? {
                return Err(AppError::TryAgainAfter { at });
            }
            let failed = match (&loaded.user, *method_id) {
                (Some(user), Some(id)) => {
                    let m = state
                        .store
                        .method(user.id, id)
                        .await?
                        .ok_or(AppError::FlowExpired)?;
                    match crate::server::security_info::check_totp(state, &m, code, now).await {
                        Ok(step) => {
                            if state
                                .store
                                .accept_totp_step(m.id, user.id, step, now)
                                .await?
                            {
                                return Ok(Verdict::Passed);
                            }
                            AppError::TotpReplayed
                        }
                        Err(e @ (AppError::TotpWrong | AppError::TotpReplayed)) => e,
                        Err(e) => return Err(e),
                    }
                }
                _ => AppError::TotpWrong,
            };
            let window = now - now.rem_euclid(totp_limit.window);
            state.store.hit(&format!("totp:{key}"), window).await?;
            Ok(Verdict::Failed(failed))
        })
    }
}
