//! Self-service recovery: "Can't access your account?" → prove who you are with one or two
//! registered methods → a new password, or an unlocked account. Each step loads the flow
//! bound to this browser's cookie, asks [`crate::domain::recovery::transition`] whether
//! the event is allowed, and writes the next state with a compare-and-swap, so a step
//! can't be skipped, replayed or raced, on whichever instance serves it.
//!
//! Unknown, disabled and method-less accounts walk the same screens with decoy hints
//! (`decoy`); their proofs always fail the way a wrong proof fails, and nothing is sent.
pub mod deadline;
pub mod decoy;
mod finish;
mod flow;
mod gates;
pub mod limits;
mod methods;
pub mod sending;
mod start;

pub use finish::{freeze, set_password, user_setting_password};
pub use flow::{clear_cookie, flow_cookie, load, Loaded, FLOW_HEADER};
pub use gates::{
    choose_method, gates, passkey_options, prove, questions_asked, resend, Gate, Proof,
};
pub use methods::Challenge;
pub use start::{choose_purpose, start};

use super::state::AppState;
use crate::error::AppError;

/// Whether a submitted proof of work is valid and fresh (single use).
pub async fn pow_redeemed(state: &AppState, payload: &str) -> Result<bool, AppError> {
    super::pow::redeem(state, payload).await
}
