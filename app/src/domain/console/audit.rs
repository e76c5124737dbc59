//! What the console's audit log shows, how its filter form is read, and which activity
//! each recorded action is.
pub mod activity;
pub mod filter;

use activity::Activity;
use filter::FilterProblem;
use serde::{Deserialize, Serialize};

/// Events per page.
pub const PAGE_SIZE: usize = 50;

/// One event as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    /// `user`, `admin`, `anonymous`, `cli` or `system`.
    pub actor: String,
    pub actor_email: Option<String>,
    pub subject_email: Option<String>,
    pub activity: Activity,
    pub action: String,
    pub success: bool,
    pub ip: String,
    /// A reason code, never typed input.
    pub detail: String,
}

/// One page of the log, or why the filters can't be used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Cursor for the next (older) page, when there is one.
    pub older: Option<i64>,
    /// Cursor for the previous (newer) page, when there is one.
    pub newer: Option<i64>,
    pub problems: Vec<FilterProblem>,
}
