//! Sessions: the browser holds a random token, the database only its SHA-256. Idle and
//! absolute lifetimes are checked on every use; revocation is a timestamp, so the audit
//! trail keeps the row.
use super::{Store, StoreError};
use sqlx::{Any, Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle_seconds: i64,
    pub absolute_seconds: i64,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            idle_seconds: 60 * 60,
            absolute_seconds: 24 * 60 * 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// When this session last proved the password (sign-in or re-authentication).
    pub authenticated_at: i64,
}

pub async fn revoke_all_for_user<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    user_id: i64,
    except_hash: Option<&str>,
    now: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id_hash <> $3",
    )
    .bind(now)
    .bind(user_id)
    .bind(except_hash.unwrap_or(""))
    .execute(exec)
    .await?;
    Ok(done.rows_affected())
}

impl Store {
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        ip: &str,
        user_agent: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(now)
        .bind(now)
        .bind(ip)
        .bind(user_agent)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The live session with this hash, touched as seen now; `None` if unknown, revoked,
    /// idle too long or too old.
    pub async fn use_session(
        &self,
        id_hash: &str,
        limits: SessionLimits,
        now: i64,
    ) -> Result<Option<SessionRow>, StoreError> {
        let row: Option<SessionRow> = sqlx::query_as(
            "UPDATE sessions SET last_seen_at = $1 \
             WHERE id_hash = $2 AND revoked_at IS NULL AND last_seen_at > $3 AND created_at > $4 \
             RETURNING user_id, created_at, last_seen_at, \
             COALESCE(authenticated_at, created_at) AS authenticated_at",
        )
        .bind(now)
        .bind(id_hash)
        .bind(now - limits.idle_seconds)
        .bind(now - limits.absolute_seconds)
        .fetch_optional(self.pool())
        .await?;
        Ok(row)
    }

    /// When the session last proved the password, if it is live.
    pub async fn session_authenticated_at(&self, id_hash: &str) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(authenticated_at, created_at) FROM sessions \
             WHERE id_hash = $1 AND revoked_at IS NULL",
        )
        .bind(id_hash)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The session's user proved the password again just now.
    pub async fn reauthenticate_session(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET authenticated_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn revoke_session(&self, id_hash: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE id_hash = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id_hash)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn live_sessions(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?)
    }
}
