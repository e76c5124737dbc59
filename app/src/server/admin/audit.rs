//! The console's audit area, on the server: one page of the log, and the CSV export.
mod csv;

pub use csv::audit_csv;

use super::Admin;
use crate::domain::console::audit::activity::activity_of;
use crate::domain::console::audit::filter::{
    parse_filter, AuditFilter, FilterProblem, FilterQuery, PageAt,
};
use crate::domain::console::audit::{AuditEntry, AuditPage, PAGE_SIZE};
use crate::error::AppError;
use crate::server::state::AppState;
use crate::server::store::audit_query::{AuditListRow, ResolvedFilter};

/// The filters parsed and the user filter resolved within the administrator's own
/// organisation (a user of another one is "unknown", exactly like a user who doesn't exist).
pub(crate) async fn resolve(
    state: &AppState,
    admin: &Admin,
    query: &FilterQuery,
) -> Result<Result<(AuditFilter, Option<i64>), Vec<FilterProblem>>, AppError> {
    let filter = match parse_filter(query) {
        Ok(f) => f,
        Err(problems) => return Ok(Err(problems)),
    };
    let user_id = match &filter.user {
        Some(user) => match state.store.org_user_id(admin.org.id, user).await? {
            Some(id) => Some(id),
            None => return Ok(Err(vec![FilterProblem::UnknownUser])),
        },
        None => None,
    };
    Ok(Ok((filter, user_id)))
}

pub async fn page(
    state: &AppState,
    admin: &Admin,
    query: &FilterQuery,
) -> Result<AuditPage, AppError> {
    let (filter, user_id) = match resolve(state, admin, query).await? {
        Ok(r) => r,
        Err(problems) => {
            return Ok(AuditPage {
                problems,
                ..AuditPage::default()
            })
        }
    };
    let resolved = ResolvedFilter {
        filter: &filter,
        user_id,
    };
    // One more than a page tells whether there is another page, without a COUNT.
    let limit = i64::try_from(PAGE_SIZE + 1).unwrap_or(i64::MAX);
    let mut rows = state
        .store
        .audit_page(admin.org.id, &resolved, filter.page, limit)
        .await?;
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    if matches!(filter.page, PageAt::After(_)) {
        rows.reverse();
    }
    let first = rows.first().map(|r| r.id);
    let last = rows.last().map(|r| r.id);
    // A cursor names an event that matched, so the side it came from has events.
    let (older, newer) = match filter.page {
        PageAt::Newest => (last.filter(|_| more), None),
        PageAt::Before(_) => (last.filter(|_| more), first),
        PageAt::After(_) => (last, first.filter(|_| more)),
    };
    Ok(AuditPage {
        entries: rows.into_iter().map(entry).collect(),
        older,
        newer,
        problems: Vec::new(),
    })
}

fn entry(r: AuditListRow) -> AuditEntry {
    AuditEntry {
        id: r.id,
        at: r.at,
        activity: activity_of(&r.action, &r.outcome, &r.detail),
        success: r.outcome == crate::server::audit::SUCCESS,
        actor: r.actor,
        actor_email: r.actor_email,
        subject_email: r.subject_email,
        action: r.action,
        ip: r.ip,
        detail: r.detail,
    }
}
