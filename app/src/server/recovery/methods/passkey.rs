//! A passkey: the browser answers a challenge naming the account's passkeys, and the
//! answer is checked as a sign-in's is (`server::passkey`). One strong gate. A decoy's
//! challenge names a credential no authenticator holds, stable for its identifier, so
//! its options look like an account's; its answer never verifies. After a failed
//! answer the challenge is drawn again, so an answer is good for one challenge only.
use super::{Answer, Challenge, Method, Step, Verdict};
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::error::AppError;
use crate::server::passkey::{
    credential_id, from_json, passkey_of, to_json, verified_use, webauthn,
};
use crate::server::recovery::gates::{Gate, Proof};
use crate::server::state::AppState;
use crate::server::store::methods::MethodRow;
use crate::server::store::User;
use webauthn_rs::prelude::{PasskeyAuthentication, PublicKeyCredential};

pub(in crate::server::recovery) struct Passkey;

/// A decoy's credential ID: keyed bytes (as random as a real one, and the same for an
/// identifier every time), as long as one of the organisation's real credential IDs,
/// chosen by the identifier, since authenticators make IDs of different lengths.
async fn decoy_credential(step: &Step<'_>) -> Result<Vec<u8>, AppError> {
    let subject = step.loaded.row.subject_mac.as_bytes();
    let keys = &step.state.keys;
    let lengths = match step.loaded.row.org_id {
        Some(org) => step.state.store.passkey_id_lengths(org).await?,
        None => Vec::new(),
    };
    let pick = usize::from(keys.mac("passkey-decoy-length", subject)[0]);
    let want = match lengths.len() {
        0 => DECOY_ID_BYTES,
        n => lengths.get(pick % n).copied().unwrap_or(DECOY_ID_BYTES),
    };
    let mut id = Vec::with_capacity(want + 32);
    let mut block = 0u8;
    while id.len() < want {
        id.extend(keys.mac("passkey-decoy", &[subject, &[block]].concat()));
        block = block.wrapping_add(1);
    }
    id.truncate(want);
    Ok(id)
}

/// A decoy's credential ID length where the organisation has no passkeys yet (a decoy
/// then offers none anyway): a common one.
const DECOY_ID_BYTES: usize = 32;

/// Draws a challenge for the flow's account (or decoy).
async fn draw(step: &Step<'_>) -> Result<Challenge, AppError> {
    let rp = webauthn(step.state)?;
    match &step.loaded.user {
        Some(user) => {
            let passkeys = step
                .state
                .store
                .passkeys(user.id)
                .await?
                .iter()
                .map(passkey_of)
                .collect::<Result<Vec<_>, _>>()?;
            let (options, state) = rp
                .start_passkey_authentication(&passkeys)
                .map_err(|_| AppError::Internal)?;
            Ok(Challenge::Passkey {
                options: to_json(&options.public_key)?,
                state: Some(to_json(&state)?),
            })
        }
        None => {
            // The same options an account with one passkey gets, naming a credential
            // derived from the identifier.
            let (options, _) = rp
                .start_discoverable_authentication()
                .map_err(|_| AppError::Internal)?;
            let mut options =
                serde_json::to_value(&options.public_key).map_err(|_| AppError::Internal)?;
            let id = credential_id(&decoy_credential(step).await?);
            if let Some(o) = options.as_object_mut() {
                o.remove("extensions");
                o.insert(
                    "allowCredentials".into(),
                    serde_json::json!([{ "type": "public-key", "id": id }]),
                );
            }
            Ok(Challenge::Passkey {
                options: options.to_string(),
                state: None,
            })
        }
    }
}

impl Method for Passkey {
    fn offers<'a>(
        &'a self,
        state: &'a AppState,
        user: &'a User,
        _policy: &'a OrgPolicy,
        _contacts: &'a [MethodRow],
    ) -> Answer<'a, Vec<Gate>> {
        Box::pin(async move {
            let has = !state.store.passkeys(user.id).await?.is_empty();
            Ok(Gate::whole(MethodKind::Passkey, has))
        })
    }

    fn challenge<'a>(
        &'a self,
        step: &'a Step<'a>,
        _gate: &'a Gate,
        _typed: Option<&'a str>,
    ) -> Answer<'a, Challenge> {
        Box::pin(draw(step))
    }

    fn check<'a>(
        &'a self,
        step: &'a Step<'a>,
        challenge: &'a Challenge,
        proof: &'a Proof<'a>,
    ) -> Answer<'a, Verdict> {
        Box::pin(async move {
            let (
                Challenge::Passkey {
                    state: ceremony, ..
                },
                Proof::Passkey(answer),
            ) = (challenge, proof)
            else {
                return Err(AppError::InvalidInput);
            };
            let (Some(user), Some(ceremony)) = (&step.loaded.user, ceremony) else {
                return Ok(Verdict::Failed(AppError::PasskeyRefused));
            };
            let rp = webauthn(step.state)?;
            let verdict = async {
                let ceremony: PasskeyAuthentication = from_json(ceremony)?;
                let answer: PublicKeyCredential = from_json(answer)?;
                let id = credential_id(answer.get_credential_id());
                let row = step
                    .state
                    .store
                    .passkeys(user.id)
                    .await?
                    .into_iter()
                    .find(|p| p.credential_id == id)
                    .ok_or(AppError::PasskeyRefused)?;
                verified_use(
                    step.state,
                    &row,
                    |_| rp.finish_passkey_authentication(&answer, &ceremony),
                    step.now,
                )
                .await
            }
            .await;
            match verdict {
                Ok(()) => Ok(Verdict::Passed),
                Err(AppError::PasskeyRefused) => Ok(Verdict::Failed(AppError::PasskeyRefused)),
                Err(e) => Err(e),
            }
        })
    }

    fn after_failure<'a>(
        &'a self,
        step: &'a Step<'a>,
        _challenge: &'a Challenge,
    ) -> Answer<'a, Option<Challenge>> {
        Box::pin(async move { Ok(Some(draw(step).await?)) })
    }
}
