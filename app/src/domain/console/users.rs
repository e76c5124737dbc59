//! What the console's users page shows: method TYPES only, never their values.
use crate::domain::policy::MethodKind;
use serde::{Deserialize, Serialize};

/// Users per page of the list.
pub const PAGE_SIZE: u32 = 25;
/// The longest search text taken.
pub const MAX_SEARCH: usize = 200;

/// One user as the list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub admin: bool,
    pub active: bool,
    /// The kinds of method registered and usable, never their values.
    pub methods: Vec<MethodKind>,
    /// Enough methods to recover on their own under the policy.
    pub can_recover: bool,
    /// `YYYY-MM-DD HH:MM` (UTC).
    pub last_signin: Option<String>,
    pub last_recovery: Option<String>,
    /// The administrator looking at the list.
    pub is_self: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UsersView {
    pub rows: Vec<UserRow>,
    pub total: u32,
    /// 1-based, within `1..=pages`.
    pub page: u32,
    pub pages: u32,
}

/// The role and status filters' accepted values ("" for any).
pub const ROLES: [&str; 3] = ["", "user", "global_admin"];
pub const STATUSES: [&str; 3] = ["", "active", "disabled"];
