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
    crate::server::counters::audit_event(&event.action, &event.outcome, &event.detail);
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

/// One event as `regain audit prune` exports it: every column.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ExportedEvent {
    pub id: i64,
    pub at: i64,
    pub org_id: Option<i64>,
    pub actor: String,
    pub actor_user_id: Option<i64>,
    pub subject_user_id: Option<i64>,
    pub action: String,
    pub outcome: String,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

/// Events read per query while exporting.
const EXPORT_PAGE: i64 = 1000;

impl Store {
    /// Exports every event before `before` (unix seconds) to `out` as JSON Lines, oldest
    /// first, syncs the file, then deletes exactly those events and records `event` (the
    /// prune itself), all or nothing. The export reads outside the write transaction, so
    /// the portal keeps writing meanwhile; the deletion checks that the events before
    /// `before` are still the exported ones. Returns how many were pruned.
    pub async fn prune_audit(
        &self,
        before: i64,
        out: &mut std::fs::File,
        event: &AuditEvent,
    ) -> Result<u64, StoreError> {
        use std::io::Write;
        let mut exported: i64 = 0;
        let mut last_id: i64 = 0;
        loop {
            let page: Vec<ExportedEvent> = sqlx::query_as(
                "SELECT id, at, org_id, actor, actor_user_id, subject_user_id, action, outcome, \
                 ip, user_agent, detail FROM audit_events WHERE at < $1 AND id > $2 \
                 ORDER BY id LIMIT $3",
            )
            .bind(before)
            .bind(last_id)
            .bind(EXPORT_PAGE)
            .fetch_all(self.pool())
            .await?;
            let Some(last) = page.last() else { break };
            last_id = last.id;
            for row in &page {
                serde_json::to_writer(&mut *out, row)
                    .map_err(|e| StoreError::Export(e.to_string()))?;
                out.write_all(b"\n")
                    .map_err(|e| StoreError::Export(e.to_string()))?;
            }
            exported += i64::try_from(page.len()).unwrap_or(i64::MAX);
        }
        out.flush()
            .and_then(|()| out.sync_all())
            .map_err(|e| StoreError::Export(e.to_string()))?;

        let mut tx = self.write_tx().await?;
        let (count, max_id): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MAX(id) FROM audit_events WHERE at < $1")
                .bind(before)
                .fetch_one(&mut *tx)
                .await?;
        if count != exported || max_id.unwrap_or(0) != last_id {
            tx.rollback().await?;
            return Err(StoreError::Export(
                "the events before that date changed during the export; nothing was deleted".into(),
            ));
        }
        sqlx::query("INSERT INTO audit_prune_permits (before_at) VALUES ($1)")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM audit_prune_permits")
            .execute(&mut *tx)
            .await?;
        append(&mut *tx, event).await?;
        tx.commit().await?;
        Ok(deleted)
    }
}
