//! Activity and registration insights, drawn as SVG on the server.
use crate::domain::policy::MethodKind;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
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
pub struct MethodUse {
    pub kind: MethodKind,
    pub passed: u32,
    pub failed: u32,
}

/// How many recovery flows reached each step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct Unregistered {
    pub name: String,
    pub email: String,
}

/// The charts, as SVG made on the server from the numbers below (no user input but
/// escaped labels).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charts {
    pub activity: String,
    pub funnel: String,
    pub methods: String,
    pub blocked: String,
    pub registration: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

#[server(prefix = "/api", endpoint = "admin/insights")]
pub async fn admin_insights(days: Option<u32>) -> Result<InsightsView, AppError> {
    crate::server::request::with_status(
        async move {
            let state = crate::server::app_state()?;
            let admin = crate::server::admin::require_admin(&state).await?;
            let locale = leptos_i18n::locale::resolve_locale();
            crate::server::admin::insights::insights(&state, &admin, period(days), locale).await
        }
        .await,
    )
}

/// The form fields of this area's server functions (see `crate::api::FORM_FIELDS`).
pub const FORM_FIELDS: &[(&str, &[&str])] = &[(<AdminInsights as ServerFn>::PATH, &["days"])];

/// The page a form posting to `endpoint` lives on, for this area's server functions.
pub fn form_page(_endpoint: &str) -> Option<&'static str> {
    None
}

#[cfg(test)]
mod tests {
    use super::period;

    #[test]
    fn only_offered_periods_are_taken() {
        assert_eq!(period(Some(7)), 7);
        assert_eq!(period(Some(90)), 90);
        assert_eq!(period(Some(31)), 30);
        assert_eq!(period(Some(0)), 30);
        assert_eq!(period(None), 30);
    }
}
