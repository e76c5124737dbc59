//! What the console's banned-terms page shows.
use serde::{Deserialize, Serialize};

/// One term, with how often it refused a new password lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TermView {
    pub term: String,
    /// The screening key: what the remove form names.
    pub key: String,
    pub rejections: i64,
    pub last_rejected: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TermsView {
    pub terms: Vec<TermView>,
    pub max: u32,
    /// The window the counts cover.
    pub recent_days: u32,
}
