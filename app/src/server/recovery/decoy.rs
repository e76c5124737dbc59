//! Decoys: what an identifier that can't recover (unknown, disabled, without a usable
//! method) is shown, so that it walks the same screens as a real account and nothing
//! tells it apart from one. Nothing is ever sent for it, and its proofs always fail.
//!
//! # The model
//!
//! A decoy must look like a real account *of the identifier's organisation*: hints with
//! a fixed look (only some TLDs, never an authenticator, never "step 1 of 2") would mark
//! every account that differs as real. So a decoy's shape is drawn from what the
//! organisation's real accounts show, in aggregate:
//!
//! - **Population**: the organisation's active accounts that can really recover, under
//!   the same rules as recovery itself (`store::decoy_population::recoverable`): the
//!   policy's methods, verified, recovery codes left, enough answers; at least as many
//!   different gates as required, one of them not questions.
//! - **Gates and count, jointly**: each account gives the sequence of gate kinds in the
//!   order recovery lists them (its contacts in stored order, recovery codes, questions)
//!   and the gates it must pass (the policy's, two for administrators, authenticators
//!   and frozen accounts). A decoy draws that pair from the counts, smoothed with a
//!   prior of plausible mixes (pseudo-count [`model::ALPHA`] = 10), each run through
//!   the same rules under the organisation's policy: so an authenticator always comes
//!   with two gates, an administrator's shape never has questions, and a policy's
//!   disabled methods never show. A small organisation is drawn mostly from the prior;
//!   a large one from itself.
//! - **Masked forms, part by part**: an email's first local character and its masked
//!   domain (`c•••.com`: first character and TLD, which go together as a mail provider
//!   does), a phone's country code, each drawn from its own count over the gates real
//!   accounts show, smoothed the same way; a phone's last two digits uniform. Parts are
//!   drawn independently, so a decoy never copies one account's whole address, and a
//!   value only one account has shows with a probability of about 1 / (accounts + 10).
//!   Categories are pieces of the masked forms themselves (`mask`), so case and odd
//!   values (a form masked whole as `•••`) show as real ones do.
//! - **Questions** only where the policy enables them *and* real accounts have the
//!   gate; the decoy's "registered" keys are drawn without replacement from the keys real
//!   accounts answered, smoothed over every key the policy allows, as many as it asks to
//!   register.
//! - **Deterministic**: every draw is a weighted race over HMAC(server key, identifier's
//!   MAC, feature, category) (`model::Draw`), so the same identifier gets the same shape
//!   on every instance for as long as the population holds, and a small change of it
//!   moves few decoys (a cumulative walk over a sorted list would move many).
//! - **Flows**: the count is drawn first, then the shape among those with that count; a
//!   later step passes the flow's count back, so it gets the same shape, and a change of
//!   the population mid-flow never contradicts the flow.
//!
//! Identifiers of no organisation's domain get the prior under the policy given (the
//! default one). The population is read once per ten minutes per organisation and
//! instance (`Store::decoy_population`); only counts are kept.
//!
//! Known limits: parts of different gates are drawn independently, so where addresses
//! and numbers go together in the data (a `.de` address with a `+49` number) decoys mix
//! them more than real accounts do; and a decoy's shape changes when the population
//! does, where a real account's stays.
pub mod model;

use super::super::state::AppState;
use super::super::store::decoy_population::Population;
use super::flow::Loaded;
use crate::domain::policy::OrgPolicy;
use crate::error::AppError;
pub use model::DecoyShape;
use std::sync::Arc;

/// The decoy shape of the identifier whose MAC is `subject_mac`, in organisation
/// `org_id` (the one owning its domain, if any) under `policy`.
///
/// `fixed_required`: at the start it is None (the shape decides); later steps pass the
/// flow's stored `required`, and the shape is drawn among shapes with that count, so a
/// population change mid-flow never contradicts the flow.
pub async fn shape(
    state: &AppState,
    org_id: Option<i64>,
    policy: &OrgPolicy,
    subject_mac: &str,
    fixed_required: Option<u8>,
) -> Result<DecoyShape, AppError> {
    let population = match org_id {
        Some(id) => state.store.decoy_population(id, policy).await?,
        None => Arc::new(Population::default()),
    };
    Ok(model::Model::new(policy, &population).draw(&state.keys, subject_mac, fixed_required))
}

/// The shape of this decoy flow, with the gate count it started with.
pub(super) async fn decoy_shape(state: &AppState, loaded: &Loaded) -> Result<DecoyShape, AppError> {
    let required = u8::try_from(loaded.row.required).unwrap_or(2);
    shape(
        state,
        loaded.row.org_id,
        &loaded.policy,
        &loaded.row.subject_mac,
        Some(required),
    )
    .await
}

/// The question keys a decoy "registered", which its questions gate draws from.
pub(super) async fn decoy_questions(
    state: &AppState,
    loaded: &Loaded,
) -> Result<Vec<String>, AppError> {
    Ok(decoy_shape(state, loaded).await?.questions)
}

/// A decoy's failures pause it as a real account's would (10 in a row, 15 min doubling to
/// 24 h), keyed by the identifier: otherwise a pause would tell real accounts apart.
pub(super) async fn decoy_failure_counted(
    state: &AppState,
    loaded: &Loaded,
) -> Result<Option<i64>, AppError> {
    let l = &state.settings.recovery;
    let mac = &loaded.row.subject_mac;
    let failures = state.store.hit(&format!("decoy-failures:{mac}"), 0).await?;
    if failures < l.failures_before_pause || failures % l.failures_before_pause != 0 {
        return Ok(None);
    }
    let pauses = failures / l.failures_before_pause - 1;
    let until =
        state.now() + crate::domain::lockout::doubled(l.pause_seconds, pauses, l.max_pause_seconds);
    state
        .store
        .hit(&format!("decoy-paused:{mac}"), until)
        .await?;
    Ok(Some(until))
}
