//! Recovery codes: one of the ten single-use codes shown at registration, consumed by a
//! conditional update so it works once even under concurrent use.
use super::{Answer, Challenge, Method, Step, Verdict};
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::error::AppError;
use crate::server::recovery::gates::{Gate, Proof};
use crate::server::recovery_codes::{fingerprint, normalize};
use crate::server::state::AppState;
use crate::server::store::methods::MethodRow;
use crate::server::store::User;

pub(in crate::server::recovery) struct RecoveryCodes;

impl Method for RecoveryCodes {
    fn offers<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a User,
        _policy: &'a OrgPolicy,
        _contacts: &'a [MethodRow],
    ) -> Answer<'a, Vec<Gate>> {
        Box::pin(async move {
            let has = state.store.recovery_codes_left(user.id).await? > 0;
            Ok(Gate::whole(MethodKind::RecoveryCodes, has))
        })
    }

    fn challenge<'a>(
        &'a self,
        _step: &'a Step<'a>,
        _gate: &'a Gate,
        _typed: Option<&'a str>,
    ) -> Answer<'a, Challenge> {
        Box::pin(async { Ok(Challenge::RecoveryCode) })
    }

    fn check<'a>(
        &'a self,
        step: &'a Step<'a>,
        _challenge: &'a Challenge,
        proof: &'a Proof<'a>,
    ) -> Answer<'a, Verdict> {
        Box::pin(async move {
            let Proof::Code(code) = proof else {
                return Err(AppError::InvalidInput);
            };
            let Some(canonical) = normalize(code) else {
                return Ok(Verdict::Failed(AppError::ProofWrong));
            };
            let fingerprint = fingerprint(&step.state.keys, &canonical);
            let consumed = match &step.loaded.user {
                Some(user) => {
                    step.state
                        .store
                        .consume_recovery_code(user.id, &fingerprint, step.now)
                        .await?
                }
                None => false,
            };
            Ok(if consumed {
                Verdict::Passed
            } else {
                Verdict::Failed(AppError::ProofWrong)
            })
        })
    }
}
