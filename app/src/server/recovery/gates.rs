//! The gates: which methods a flow offers, choosing one, resending a code, and checking a
//! proof. What differs by method is behind [`methods::Method`]; this is the part every
//! method shares: the state machine's say, limits and pauses, audit events and saving.
use super::decoy::{decoy_failure_counted, decoy_shape};
use super::finish::finish;
use super::flow::{event, flow_error, load, paused, save, with_challenge, write_back, Loaded};
use super::limits;
use super::methods::{self, Step, Verdict};
use crate::domain::methods::allowed_methods;
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::domain::recovery::{transition, Event, State};
use crate::domain::secret::SecretString;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::server::audit::{FAILURE, SUCCESS};
use crate::server::request::RequestMeta;
use crate::server::state::AppState;
use crate::server::store::methods::MethodRow;
use crate::server::store::{Role, User};
use http::request::Parts;

/// One way to prove who you are, as offered on the verification page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub kind: MethodKind,
    /// Masked address or number; empty for the others.
    pub masked: String,
    /// The method row (email, SMS, authenticator); `None` for recovery codes, questions
    /// and decoys.
    pub method: Option<MethodRow>,
}

impl Gate {
    /// The one gate of a method an account has as a whole (no contact to choose, nothing
    /// to mask), when it `has` it: recovery codes, questions, passkeys.
    pub fn whole(kind: MethodKind, has: bool) -> Vec<Gate> {
        if has {
            vec![Gate {
                kind,
                masked: String::new(),
                method: None,
            }]
        } else {
            Vec::new()
        }
    }
}

/// What the user offers as proof for the chosen method.
pub enum Proof<'a> {
    Code(&'a str),
    Answers(&'a [SecretString]),
    /// The browser's answer to a passkey challenge (`PublicKeyCredential` JSON).
    Passkey(&'a str),
}

/// The account's gates that its policy allows for recovery, in the order recovery lists
/// them (and decoys copy): its contacts in stored order, then the other methods in
/// [`MethodKind::ALL`] order.
pub(super) async fn real_gates(
    state: &AppState,
    user: &User,
    policy: &OrgPolicy,
) -> Result<Vec<Gate>, AppError> {
    let allowed = allowed_methods(policy, user.role == Role::GlobalAdmin);
    let contacts: Vec<MethodRow> = state
        .store
        .methods(user.id)
        .await?
        .into_iter()
        .filter(|m| m.verified_at.is_some())
        .collect();
    let mut gates = Vec::new();
    for kind in MethodKind::ALL {
        if allowed.contains(&kind) {
            gates.extend(
                methods::of(kind)
                    .offers(state, user, policy, &contacts)
                    .await?,
            );
        }
    }
    let order = |g: &Gate| match &g.method {
        Some(m) => contacts.iter().position(|c| c.id == m.id).unwrap_or(0),
        None => contacts.len(),
    };
    gates.sort_by_key(order);
    Ok(gates)
}

/// The gates this flow offers now: the account's (or the decoy's), less those already
/// passed and those not yet allowed (questions never first).
pub async fn gates(state: &AppState, loaded: &Loaded) -> Result<Vec<Gate>, AppError> {
    let all = match &loaded.user {
        Some(user) => real_gates(state, user, &loaded.policy).await?,
        None => decoy_shape(state, loaded)
            .await?
            .gates
            .into_iter()
            .map(|(kind, masked)| Gate {
                kind,
                masked,
                method: None,
            })
            .collect(),
    };
    Ok(all
        .into_iter()
        .filter(|g| loaded.flow.may_choose(g.kind))
        .collect())
}

/// Picks the method to prove, and lets it set up its challenge.
pub async fn choose_method(
    state: &AppState,
    parts: &Parts,
    option: usize,
    typed: Option<&str>,
    locale: Locale,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let loaded = load(state, parts).await?;
    paused(state, &loaded).await?;
    let gates = gates(state, &loaded).await?;
    let gate = gates.get(option).ok_or(AppError::InvalidInput)?;
    let now = state.now();
    let next = transition(&loaded.flow, Event::ChooseMethod(gate.kind), now).map_err(flow_error)?;
    let step = Step {
        state,
        loaded: &loaded,
        locale,
        meta,
        now,
    };
    let challenge = methods::of(gate.kind).challenge(&step, gate, typed).await?;
    let row = with_challenge(&write_back(&loaded.row, &next), Some(&challenge));
    let mut e = event(now, "recovery.method", SUCCESS, meta, &loaded);
    e.detail = gate.kind.as_str().into();
    save(state, &loaded, &row, Some(&e)).await
}

/// Sends the code again, for a method that sends one.
pub async fn resend(
    state: &AppState,
    parts: &Parts,
    locale: Locale,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let loaded = load(state, parts).await?;
    paused(state, &loaded).await?;
    let (Some(kind), Some(challenge)) = (loaded.flow.challenge, &loaded.challenge) else {
        return Err(AppError::InvalidInput);
    };
    let step = Step {
        state,
        loaded: &loaded,
        locale,
        meta,
        now: state.now(),
    };
    methods::of(kind).resend(&step, challenge).await
}

/// Checks a proof. A pass moves the flow on (and finishes an unlock); a failure counts
/// against the account, and the method may change its challenge (questions redraw).
pub async fn prove(
    state: &AppState,
    parts: &Parts,
    proof: Proof<'_>,
    locale: Locale,
    meta: &RequestMeta,
) -> Result<State, AppError> {
    let limits = &state.settings.recovery;
    limits::take(state, "check-ip", &meta.ip, limits.checks_per_ip).await?;
    let loaded = load(state, parts).await?;
    paused(state, &loaded).await?;
    let kind = loaded.flow.challenge.ok_or(AppError::InvalidInput)?;
    let challenge = loaded.challenge.as_ref().ok_or(AppError::InvalidInput)?;
    let now = state.now();
    let step = Step {
        state,
        loaded: &loaded,
        locale,
        meta,
        now,
    };
    let method = methods::of(kind);
    match method.check(&step, challenge, &proof).await? {
        Verdict::Passed => {
            let next =
                transition(&loaded.flow, Event::GatePassed(kind), now).map_err(flow_error)?;
            let user = loaded.user.as_ref().ok_or(AppError::Internal)?;
            let row = with_challenge(&write_back(&loaded.row, &next), None);
            let mut e = event(now, "recovery.gate", SUCCESS, meta, &loaded);
            e.detail = kind.as_str().into();
            if next.state == State::Done {
                // An unlock ends on this gate: its pass is written with the unlock, in
                // the same transaction, which also clears the failure count.
                finish(state, &loaded, &row, None, Some(e), locale, meta).await?;
            } else {
                save(state, &loaded, &row, Some(&e)).await?;
                // Only a pass that moved the flow clears the failures: a pass that lost
                // the race to another request changed nothing.
                state.store.recovery_success(user.id).await?;
            }
            Ok(next.state)
        }
        Verdict::Failed(error) => {
            let mut e = event(now, "recovery.gate", FAILURE, meta, &loaded);
            e.detail = kind.as_str().into();
            state.store.audit(&e).await?;
            if loaded.user.is_none() {
                if let Some(until) = decoy_failure_counted(state, &loaded).await? {
                    return Err(AppError::TryAgainAfter { at: until });
                }
            }
            if let Some(user) = &loaded.user {
                let l = &state.settings.recovery;
                if let Some(until) = state
                    .store
                    .recovery_failure(
                        user.id,
                        l.failures_before_pause,
                        l.pause_seconds,
                        l.max_pause_seconds,
                        now,
                    )
                    .await?
                {
                    let mut e = event(now, "recovery.paused", FAILURE, meta, &loaded);
                    e.detail = until.to_string();
                    state.store.audit(&e).await?;
                    return Err(AppError::TryAgainAfter { at: until });
                }
            }
            if let Some(changed) = method.after_failure(&step, challenge).await? {
                let row = with_challenge(&loaded.row, Some(&changed));
                save(state, &loaded, &row, None).await?;
            }
            Err(error)
        }
    }
}

/// The options of the flow's passkey challenge, for the browser; `None` unless a
/// passkey is the chosen gate.
pub fn passkey_options(loaded: &Loaded) -> Option<String> {
    match &loaded.challenge {
        Some(methods::Challenge::Passkey { options, .. }) => Some(options.clone()),
        _ => None,
    }
}

/// The questions the flow asks now (key, and an organisation's own question's text);
/// empty unless questions are the chosen gate.
pub fn questions_asked(loaded: &Loaded) -> Vec<(String, Option<String>)> {
    match &loaded.challenge {
        Some(methods::Challenge::Questions { keys }) => {
            methods::question_choices(keys, &loaded.policy)
        }
        _ => Vec::new(),
    }
}
