//! The append-only audit log: who did what to whom, when, from where, and how it ended.
//! Details are reason codes, never typed input (a user ID field often holds a password).
use super::{Store, StoreError};
use sqlx::{Any, Executor};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditEvent {
    pub at: i64,
    pub org_id: Option<i64>,
    /// `user`, `anonymous`, `cli` or `system`.
    pub actor: String,
    pub actor_user_id: Option<i64>,
    pub subject_user_id: Option<i64>,
    /// e.g. `signin`, `signout`, `password.change`, `user.add`.
    pub action: String,
    /// `success` or `failure`.
    pub outcome: String,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub org_id: Option<i64>,
    pub actor: String,
    pub actor_user_id: Option<i64>,
    pub subject_user_id: Option<i64>,
    pub action: String,
    pub outcome: String,
    pub ip: String,
    pub detail: String,
}

pub async fn append<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    event: &AuditEvent,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_events (at, org_id, actor, actor_user_id, subject_user_id, action, \
         outcome, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(event.at)
    .bind(event.org_id)
    .bind(&event.actor)
    .bind(event.actor_user_id)
    .bind(event.subject_user_id)
    .bind(&event.action)
    .bind(&event.outcome)
    .bind(&event.ip)
    .bind(&event.user_agent)
    .bind(&event.detail)
    .execute(exec)
    .await?;
    Ok(())
}

impl Store {
    pub async fn audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        append(self.pool(), event).await
    }

    /// A user's events whose action starts with `prefix`, newest first.
    pub async fn audit_events_for(
        &self,
        user_id: i64,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, at, org_id, actor, actor_user_id, subject_user_id, action, outcome, ip, detail \
             FROM audit_events WHERE subject_user_id = $1 AND action LIKE $2 \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(format!("{prefix}%"))
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Newest first.
    pub async fn audit_events(&self, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, at, org_id, actor, actor_user_id, subject_user_id, action, outcome, ip, detail \
             FROM audit_events ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }
}
