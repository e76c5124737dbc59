//! Passkeys (WebAuthn, through webauthn-rs): registering one on the security-info page,
//! signing in with one (discoverable: no user ID typed first), and the checks the
//! recovery gate shares (`recovery/methods/passkey.rs`). The relying party's ID and
//! origin come from `public_url`; where its host is an IP address browsers refuse
//! passkeys, and so do we (`PasskeyUnavailable`). Each ceremony's state stays on the
//! server between its two requests and is taken by the one that finishes it, so a
//! challenge is answered at most once (docs/security.md).
use super::audit::{self, FAILURE, SUCCESS};
use super::auth::{open_session, SignedIn};
use super::request::RequestMeta;
use super::security_info::{notify_change, Caller};
use super::session;
use super::state::AppState;
use super::store::methods::Effects;
use super::store::passkeys::{Ceremony, PasskeyRow};
use super::store::{StoreError, UserStatus};
use crate::domain::passkeys::PasskeyStart;
use crate::domain::policy::MethodKind;
use crate::error::AppError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use leptos_i18n::td_string;
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::Serialize;
use webauthn_rs::prelude::*;

/// How long the browser has to answer a ceremony.
pub const CEREMONY_SECONDS: i64 = 300;

/// The relying party of `public_url`, or `None` where passkeys can't work (no domain).
pub fn relying_party(public_url: &str) -> Option<Webauthn> {
    let url = Url::parse(public_url).ok()?;
    let rp_id = url.domain()?.to_owned();
    let origin = Url::parse(&url.origin().ascii_serialization()).ok()?;
    WebauthnBuilder::new(&rp_id, &origin)
        .ok()?
        .rp_name("Regain")
        .timeout(std::time::Duration::from_secs(CEREMONY_SECONDS as u64))
        .build()
        .ok()
}

/// Whether this portal's address can use passkeys at all.
pub fn available(state: &AppState) -> bool {
    relying_party(&state.settings.public_url).is_some()
}

pub(crate) fn webauthn(state: &AppState) -> Result<Webauthn, AppError> {
    relying_party(&state.settings.public_url).ok_or(AppError::PasskeyUnavailable)
}

/// The one refusal for everything that can go wrong in a ceremony: no ceremony, an
/// answer that does not verify, an unknown credential. The cause goes to the log only.
fn refused(why: &str) -> AppError {
    tracing::info!(reason = why, "passkey ceremony refused");
    AppError::PasskeyRefused
}

pub(crate) fn to_json(value: &impl Serialize) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|_| AppError::Internal)
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, AppError> {
    serde_json::from_str(text).map_err(|_| refused("unreadable"))
}

pub fn credential_id(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

/// The stored record of a passkey.
pub(crate) fn passkey_of(row: &PasskeyRow) -> Result<Passkey, AppError> {
    serde_json::from_str(&row.credential).map_err(|_| {
        tracing::error!(passkey = row.id, "stored passkey unreadable");
        AppError::Internal
    })
}

fn ceremony_hash(state: &AppState, token: &str) -> String {
    state.keys.mac_hex("passkey-ceremony", token.as_bytes())
}

async fn put_ceremony(
    state: &AppState,
    purpose: Ceremony,
    user_id: Option<i64>,
    ceremony: &impl Serialize,
    now: i64,
) -> Result<String, AppError> {
    let (token, _) = session::new_token();
    state
        .store
        .put_ceremony(
            &ceremony_hash(state, &token),
            purpose,
            user_id,
            &to_json(ceremony)?,
            now + CEREMONY_SECONDS,
            now,
        )
        .await?;
    Ok(token)
}

async fn take_ceremony(
    state: &AppState,
    purpose: Ceremony,
    token: &str,
    now: i64,
) -> Result<(Option<i64>, String), AppError> {
    state
        .store
        .take_ceremony(&ceremony_hash(state, token), purpose, now)
        .await?
        .ok_or_else(|| refused("no live ceremony"))
}

/// Starts registering a passkey for the caller: discoverable (so it signs in without a
/// user ID), user verification required, none of the account's passkeys again.
pub async fn begin_registration(state: &AppState, c: &Caller) -> Result<PasskeyStart, AppError> {
    let rp = webauthn(state)?;
    let now = state.now();
    let mut fresh = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    let handle = state
        .store
        .passkey_handle(c.user.id, &Uuid::from_bytes(fresh).to_string())
        .await?;
    let handle = Uuid::parse_str(&handle).map_err(|_| AppError::Internal)?;
    let exclude = state
        .store
        .passkeys(c.user.id)
        .await?
        .iter()
        .map(|row| passkey_of(row).map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let (options, registration) = rp
        .start_passkey_registration(handle, &c.user.email, &c.user.display_name, Some(exclude))
        .map_err(|_| AppError::Internal)?;
    let mut options = serde_json::to_value(&options).map_err(|_| AppError::Internal)?;
    // webauthn-rs asks for a non-discoverable credential; sign-in without a user ID
    // needs a discoverable one, which every platform passkey is anyway.
    if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection") {
        selection["residentKey"] = "required".into();
        selection["requireResidentKey"] = true.into();
    }
    let token = put_ceremony(
        state,
        Ceremony::Register,
        Some(c.user.id),
        &registration,
        now,
    )
    .await?;
    Ok(PasskeyStart {
        token,
        options: options
            .get("publicKey")
            .map(|o| o.to_string())
            .unwrap_or_default(),
    })
}

/// Finishes a registration: the ceremony must be the caller's and its answer verify;
/// the passkey is then stored under its name, with the usual notices.
pub async fn finish_registration(
    state: &AppState,
    c: &Caller,
    token: &str,
    name: &str,
    response: &str,
) -> Result<(), AppError> {
    let name = crate::domain::passkeys::name(name)?.to_owned();
    let rp = webauthn(state)?;
    let now = state.now();
    let (user_id, ceremony) = take_ceremony(state, Ceremony::Register, token, now).await?;
    if user_id != Some(c.user.id) {
        return Err(refused("another account's ceremony"));
    }
    let registration: PasskeyRegistration = from_json(&ceremony)?;
    let response: RegisterPublicKeyCredential = from_json(response)?;
    let passkey = rp
        .finish_passkey_registration(&response, &registration)
        .map_err(|e| refused(&e.to_string()))?;
    let row = PasskeyRow {
        id: 0,
        user_id: c.user.id,
        credential_id: credential_id(passkey.cred_id()),
        name: name.clone(),
        credential: to_json(&passkey)?,
        created_at: now,
        last_used_at: None,
    };
    let notices = notify_change(state, &c.user, None, now, |l| {
        td_string!(l, mail.change_passkey_added, name = name.as_str()).to_string()
    })
    .await?;
    let mut event = audit::by_user(now, "method.add", SUCCESS, &c.meta, &c.user);
    event.detail = MethodKind::Passkey.as_str().into();
    let effects = Effects {
        messages: &notices,
        audit: &event,
    };
    match state.store.add_passkey(&row, &effects, now).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(AppError::Internal),
        Err(StoreError::Duplicate(_)) => Err(AppError::MethodExists),
        Err(e) => Err(e.into()),
    }
}

/// Removes one of the caller's passkeys, with the usual notices.
pub async fn remove(state: &AppState, c: &Caller, id: i64) -> Result<(), AppError> {
    let now = state.now();
    let row = state
        .store
        .passkeys(c.user.id)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(AppError::NotFound)?;
    let notices = notify_change(state, &c.user, None, now, |l| {
        td_string!(l, mail.change_passkey_removed, name = row.name.as_str()).to_string()
    })
    .await?;
    let mut event = audit::by_user(now, "method.remove", SUCCESS, &c.meta, &c.user);
    event.detail = MethodKind::Passkey.as_str().into();
    let effects = Effects {
        messages: &notices,
        audit: &event,
    };
    if state
        .store
        .remove_passkey(c.user.id, id, &effects, now)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Starts a sign-in with whichever passkey of this site the browser holds.
pub async fn begin_sign_in(state: &AppState) -> Result<PasskeyStart, AppError> {
    let rp = webauthn(state)?;
    let now = state.now();
    let (options, ceremony) = rp
        .start_discoverable_authentication()
        .map_err(|_| AppError::Internal)?;
    let token = put_ceremony(state, Ceremony::SignIn, None, &ceremony, now).await?;
    // A button was pressed: the browser's own dialog (the options' `mediation` is for
    // autofill, which this page doesn't use).
    Ok(PasskeyStart {
        token,
        options: to_json(&options.public_key)?,
    })
}

/// Checks an answer against the passkey it names and, when it verifies, records the
/// use (counter, backup state) unless another answer moved the record meanwhile.
/// `Err(PasskeyRefused)` for every failure; a counter that went back is logged apart.
pub(crate) async fn verified_use(
    state: &AppState,
    row: &PasskeyRow,
    check: impl FnOnce(&Passkey) -> Result<AuthenticationResult, WebauthnError>,
    now: i64,
) -> Result<(), AppError> {
    let mut passkey = passkey_of(row)?;
    let result = match check(&passkey) {
        Ok(result) => result,
        Err(WebauthnError::CredentialPossibleCompromise) => {
            tracing::warn!(
                passkey = row.id,
                "passkey counter went back: possibly cloned"
            );
            return Err(AppError::PasskeyRefused);
        }
        Err(e) => return Err(refused(&e.to_string())),
    };
    passkey.update_credential(&result);
    if state
        .store
        .passkey_used(row.id, &row.credential, &to_json(&passkey)?, now)
        .await?
    {
        Ok(())
    } else {
        Err(refused("the record changed meanwhile"))
    }
}

/// Finishes a passkey sign-in: the credential must belong to the account its user
/// handle names, verify, and the account be active and not frozen. Every refusal is
/// the same error.
pub async fn finish_sign_in(
    state: &AppState,
    token: &str,
    response: &str,
    meta: &RequestMeta,
) -> Result<SignedIn, AppError> {
    let rp = webauthn(state)?;
    let now = state.now();
    let (_, ceremony) = take_ceremony(state, Ceremony::SignIn, token, now).await?;
    let ceremony: DiscoverableAuthentication = from_json(&ceremony)?;
    let response: PublicKeyCredential = from_json(response)?;
    let (handle, id) = rp
        .identify_discoverable_authentication(&response)
        .map_err(|_| refused("no user handle"))?;
    let row = state
        .store
        .passkey_by_credential(&credential_id(id))
        .await?;
    let owner = state
        .store
        .user_by_passkey_handle(&handle.to_string())
        .await?;
    let (row, user) = match (row, owner) {
        (Some(row), Some(owner)) if row.user_id == owner => {
            let user = state
                .store
                .find_user(owner)
                .await?
                .ok_or(AppError::Internal)?;
            (row, user)
        }
        _ => {
            let mut event = audit::from_request(now, "signin", FAILURE, meta);
            event.detail = "passkey_unknown".into();
            state.store.audit(&event).await?;
            return Err(refused("unknown credential"));
        }
    };
    let refuse = |reason: &str| {
        let mut event = audit::by_user(now, "signin", FAILURE, meta, &user);
        event.detail = reason.into();
        event
    };
    #[allow(deprecated)] // `…_v2` takes webauthn-rs' internal record, behind a danger feature.
    let checked = verified_use(
        state,
        &row,
        |passkey| {
            rp.finish_discoverable_authentication(
                &response,
                ceremony,
                &[DiscoverableKey::from(passkey)],
            )
        },
        now,
    )
    .await;
    if let Err(e) = checked {
        state.store.audit(&refuse("passkey_refused")).await?;
        return Err(e);
    }
    if user.status == UserStatus::Disabled || user.frozen_at.is_some() {
        state.store.audit(&refuse("passkey_inactive")).await?;
        return Err(AppError::PasskeyRefused);
    }
    open_session(state, user, meta, now, MethodKind::Passkey.as_str()).await
}
