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
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use webauthn_rs::prelude::{PasskeyAuthentication, PublicKeyCredential, Webauthn};

pub(in crate::server::recovery) struct Passkey;

/// A decoy's options: those of an account of the organisation that has passkeys (drawn
/// by the identifier, the same every time), so the number of credentials, their
/// transports and the lengths of their IDs are what the organisation's accounts show;
/// every ID is replaced by keyed bytes of the same length, which no authenticator holds.
/// Where the organisation has no passkeys (a decoy then offers none anyway), the options
/// of one credential of a common length.
async fn decoy_options(step: &Step<'_>, rp: &Webauthn) -> Result<String, AppError> {
    let mac = step.state.keys.mac(
        "passkey-decoy-account",
        step.loaded.row.subject_mac.as_bytes(),
    );
    let pick = i64::from(u16::from_be_bytes([mac[0], mac[1]]));
    let model = match step.loaded.row.org_id {
        Some(org) => step.state.store.passkeys_of_some_account(org, pick).await?,
        None => Vec::new(),
    };
    let passkeys = model
        .iter()
        .map(passkey_of)
        .collect::<Result<Vec<_>, _>>()?;
    let mut options = if passkeys.is_empty() {
        let (options, _) = rp
            .start_discoverable_authentication()
            .map_err(|_| AppError::Internal)?;
        let mut options =
            serde_json::to_value(&options.public_key).map_err(|_| AppError::Internal)?;
        if let Some(o) = options.as_object_mut() {
            o.remove("extensions");
            let id = credential_id(&[0; DECOY_ID_BYTES]);
            o.insert(
                "allowCredentials".into(),
                serde_json::json!([{ "type": "public-key", "id": id }]),
            );
        }
        options
    } else {
        let (options, _) = rp
            .start_passkey_authentication(&passkeys)
            .map_err(|_| AppError::Internal)?;
        serde_json::to_value(&options.public_key).map_err(|_| AppError::Internal)?
    };
    if let Some(list) = options
        .get_mut("allowCredentials")
        .and_then(|l| l.as_array_mut())
    {
        for (n, credential) in list.iter_mut().enumerate() {
            let length = credential
                .get("id")
                .and_then(|id| id.as_str())
                .and_then(|id| URL_SAFE_NO_PAD.decode(id).ok())
                .map_or(DECOY_ID_BYTES, |id| id.len());
            credential["id"] = credential_id(&keyed_bytes(step, n, length)).into();
        }
    }
    Ok(options.to_string())
}

/// `length` bytes keyed by the identifier and the credential's place `n`.
fn keyed_bytes(step: &Step<'_>, n: usize, length: usize) -> Vec<u8> {
    let subject = step.loaded.row.subject_mac.as_bytes();
    let mut bytes = Vec::with_capacity(length + 32);
    let mut block = 0u64;
    while bytes.len() < length {
        let input = [subject, &(n as u64).to_be_bytes(), &block.to_be_bytes()].concat();
        bytes.extend(step.state.keys.mac("passkey-decoy", &input));
        block += 1;
    }
    bytes.truncate(length);
    bytes
}

/// A decoy's credential ID length where the organisation has no passkeys: a common one.
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
        None => Ok(Challenge::Passkey {
            options: decoy_options(step, &rp).await?,
            state: None,
        }),
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
