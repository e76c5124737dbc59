//! Self-service recovery's server functions, one step each. Every one is posted by a
//! plain form and answers with a redirect to the page of the flow's next step, so the
//! whole flow works without JavaScript. The flow itself is found through its cookie.
pub mod set_password;
pub mod start;
pub mod verify;

use crate::api::security::QuestionChoice;
use crate::domain::policy::MethodKind;
use crate::domain::recovery::{Purpose, State};
use serde::{Deserialize, Serialize};

/// One method offered at a verification gate, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GateView {
    /// Its position in the list: what the form posts back (never a database id).
    pub index: usize,
    pub kind: MethodKind,
    pub masked: String,
}

/// The method being proven now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChallengeView {
    pub kind: MethodKind,
    /// The questions drawn, for security questions.
    pub questions: Vec<QuestionChoice>,
    /// The options for the browser, for a passkey (JSON).
    pub passkey_options: Option<String>,
}

/// What the recovery pages show of the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FlowView {
    pub state: State,
    pub purpose: Option<Purpose>,
    /// "Step `gate` of `required`".
    pub gate: usize,
    pub required: u8,
    pub gates: Vec<GateView>,
    pub challenge: Option<ChallengeView>,
}

/// The page of the flow's current step.
pub fn page_of(state: State) -> &'static str {
    match state {
        State::ChoosePurpose => crate::routes::RECOVER_WHY,
        State::Verify => crate::routes::RECOVER_VERIFY,
        State::NewPassword => crate::routes::RECOVER_PASSWORD,
        State::Done => crate::routes::RECOVER_DONE,
    }
}
