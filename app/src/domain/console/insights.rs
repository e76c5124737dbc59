//! What the console's insights page shows: the figures, and the charts drawn from them.
use crate::domain::policy::MethodKind;
use serde::{Deserialize, Serialize};

/// The periods offered, in days; anything else is read as the default.
pub const PERIODS: [u32; 3] = [7, 30, 90];
pub const DEFAULT_PERIOD: u32 = 30;

/// The period asked for, if it is one of [`PERIODS`], else the default.
pub fn period(days: Option<u32>) -> u32 {
    days.filter(|d| PERIODS.contains(d))
        .unwrap_or(DEFAULT_PERIOD)
}

/// One day of activity (UTC).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayActivity {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub resets: u32,
    pub unlocks: u32,
    /// Recovery paused after too many failed proofs.
    pub paused: u32,
    /// Sign-ins refused because the account was locked.
    pub locked: u32,
    /// Sign-ins refused because the owner froze the account ("this wasn't me").
    pub frozen: u32,
}

impl DayActivity {
    pub fn blocked(&self) -> u32 {
        self.paused + self.locked + self.frozen
    }
}

/// How often a method's proof passed and failed in recovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MethodUse {
    pub kind: MethodKind,
    pub passed: u32,
    pub failed: u32,
}

/// How many recovery flows reached each step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Funnel {
    pub started: u32,
    pub purpose: u32,
    pub first_gate: u32,
    pub second_gate: u32,
    pub done: u32,
}

impl Funnel {
    pub fn steps(&self) -> [u32; 5] {
        [
            self.started,
            self.purpose,
            self.first_gate,
            self.second_gate,
            self.done,
        ]
    }
}

/// Someone who can't recover on their own yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Unregistered {
    pub name: String,
    pub email: String,
}

/// The charts, as SVG made on the server from the numbers below (no user input but
/// escaped labels).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Charts {
    pub activity: String,
    pub funnel: String,
    pub methods: String,
    pub blocked: String,
    pub registration: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InsightsView {
    pub days: u32,
    pub activity: Vec<DayActivity>,
    pub funnel: Funnel,
    pub methods: Vec<MethodUse>,
    /// Active users who can recover / can't yet.
    pub registered: u32,
    pub not_registered: Vec<Unregistered>,
    pub charts: Charts,
}
