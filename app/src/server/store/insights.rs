//! The console's insights and users: read-only aggregates over the audit log and the
//! users of one organisation, and an administrator's enabling or disabling of an account
//! (status, sessions, notice and audit event in one transaction).
use super::outbox::{enqueue, NewMessage};
use super::{AuditEvent, Store, StoreError, UserStatus};
use std::collections::HashMap;

/// The most events one insights page reads. Far above what a 90-day period of an
/// organisation of thousands produces; past it the charts undercount rather than the
/// server running out of memory.
pub const INSIGHT_EVENT_LIMIT: i64 = 200_000;

/// An audit event as the insights need it: no IP, no user agent.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InsightEvent {
    pub at: i64,
    pub subject_user_id: Option<i64>,
    pub action: String,
    pub outcome: String,
    pub detail: String,
}

/// The users list's search: a name or email substring, a role and a status, each
/// empty for "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSearch {
    pub text: String,
    pub role: String,
    pub status: String,
}

/// An administrator's change of an account's status, with what goes with it.
pub struct StatusChange<'a> {
    pub org_id: i64,
    pub user_id: i64,
    pub status: UserStatus,
    pub message: &'a NewMessage,
    pub audit: &'a AuditEvent,
}

/// `%text%` for LIKE, with LIKE's own wildcards in the text taken literally.
fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

const SEARCH_WHERE: &str = "WHERE org_id = $1 \
    AND (LOWER(display_name) LIKE $2 ESCAPE '\\' OR email_canonical LIKE $2 ESCAPE '\\') \
    AND ($3 = '' OR role = $3) AND ($4 = '' OR status = $4)";

impl Store {
    /// The organisation's recovery events and blocked sign-ins since `since`, oldest first.
    pub async fn insight_events(
        &self,
        org_id: i64,
        since: i64,
    ) -> Result<Vec<InsightEvent>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT at, subject_user_id, action, outcome, detail FROM audit_events \
             WHERE org_id = $1 AND at >= $2 AND (action LIKE 'recovery.%' \
             OR (action = 'signin' AND outcome = 'failure' AND detail IN ('locked', 'frozen'))) \
             ORDER BY at, id LIMIT $3",
        )
        .bind(org_id)
        .bind(since)
        .bind(INSIGHT_EVENT_LIMIT)
        .fetch_all(self.pool())
        .await?)
    }

    /// For each user of the organisation, when a successful `first` or `second` action
    /// about them last happened (e.g. the last sign-in, the last reset or unlock).
    pub async fn last_success_per_user(
        &self,
        org_id: i64,
        first: &str,
        second: &str,
    ) -> Result<HashMap<i64, i64>, StoreError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT subject_user_id, MAX(at) FROM audit_events \
             WHERE org_id = $1 AND (action = $2 OR action = $3) AND outcome = 'success' \
             AND subject_user_id IS NOT NULL GROUP BY subject_user_id",
        )
        .bind(org_id)
        .bind(first)
        .bind(second)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// One page of the organisation's users matching `search` (ids, by email), and how
    /// many match in all.
    pub async fn search_users(
        &self,
        org_id: i64,
        search: &UserSearch,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<i64>, i64), StoreError> {
        let pattern = like_pattern(search.text.trim());
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users {SEARCH_WHERE}"))
            .bind(org_id)
            .bind(&pattern)
            .bind(&search.role)
            .bind(&search.status)
            .fetch_one(self.pool())
            .await?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM users {SEARCH_WHERE} ORDER BY email_canonical, id LIMIT $5 OFFSET $6"
        ))
        .bind(org_id)
        .bind(&pattern)
        .bind(&search.role)
        .bind(&search.status)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        Ok((ids, total))
    }

    /// Sets the status of a user of `org_id`; disabling also revokes every session. The
    /// notice and the audit event are written with it. `false` (and nothing written) when
    /// there is no such user in the organisation or the status is already that one.
    pub async fn change_status_in_org(
        &self,
        change: &StatusChange<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE users SET status = $1, updated_at = $2 \
             WHERE id = $3 AND org_id = $4 AND status <> $1",
        )
        .bind(change.status.as_str())
        .bind(now)
        .bind(change.user_id)
        .bind(change.org_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if change.status == UserStatus::Disabled {
            super::sessions::revoke_all_for_user(&mut *tx, change.user_id, None, now).await?;
        }
        enqueue(&mut *tx, change.message, now).await?;
        super::audit::append(&mut *tx, change.audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_wildcards_in_the_text_are_literal() {
        assert_eq!(like_pattern("Anna"), "%anna%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(like_pattern(""), "%%");
    }
}
