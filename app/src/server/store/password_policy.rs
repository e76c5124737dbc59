//! What the password policy keeps: each organisation's own banned terms and each user's
//! earlier password hashes.
use super::{AuditEvent, Store, StoreError};
use crate::domain::password::MAX_CUSTOM_TERMS;

/// One term as entered and its screening key (see `validate_custom_term`).
pub struct NewTerm {
    pub term: String,
    pub key: String,
}

impl Store {
    /// The organisation's terms as entered, in screening-key order.
    pub async fn banned_terms(&self, org_id: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT term FROM organisation_banned_terms WHERE org_id = $1 ORDER BY term_key",
        )
        .bind(org_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Adds terms; ones already listed (by key) are skipped. All or nothing: if the list
    /// would grow past [`MAX_CUSTOM_TERMS`], nothing is added.
    pub async fn add_banned_terms(
        &self,
        org_id: i64,
        terms: &[NewTerm],
        audit: &AuditEvent,
        now: i64,
    ) -> Result<usize, StoreError> {
        let mut tx = self.write_tx().await?;
        let mut added = 0;
        for t in terms {
            let done = sqlx::query(
                "INSERT INTO organisation_banned_terms (org_id, term, term_key, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, term_key) DO NOTHING",
            )
            .bind(org_id)
            .bind(&t.term)
            .bind(&t.key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            added += done.rows_affected() as usize;
        }
        // Counted inside the transaction, after the inserts, so two concurrent additions
        // can't both squeeze under the limit (PostgreSQL serialises on the primary key;
        // SQLite allows one writer at a time).
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM organisation_banned_terms WHERE org_id = $1")
                .bind(org_id)
                .fetch_one(&mut *tx)
                .await?;
        if total as usize > MAX_CUSTOM_TERMS {
            tx.rollback().await?;
            return Err(StoreError::TooMany {
                max: MAX_CUSTOM_TERMS,
            });
        }
        if added > 0 {
            super::audit::append(&mut *tx, audit).await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Removes terms by screening key; returns how many were listed.
    pub async fn remove_banned_terms(
        &self,
        org_id: i64,
        keys: &[String],
        audit: &AuditEvent,
    ) -> Result<usize, StoreError> {
        let mut tx = self.write_tx().await?;
        let mut removed = 0;
        for key in keys {
            let done = sqlx::query(
                "DELETE FROM organisation_banned_terms WHERE org_id = $1 AND term_key = $2",
            )
            .bind(org_id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
            removed += done.rows_affected() as usize;
        }
        if removed > 0 {
            super::audit::append(&mut *tx, audit).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The user's earlier password hashes, newest first.
    pub async fn password_history(
        &self,
        user_id: i64,
        limit: u8,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?)
    }
}

/// Records the hash being replaced and forgets all but the newest `keep`: nothing older
/// than the policy needs stays in the database.
pub(super) async fn push_history(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
    old_hash: &str,
    keep: u8,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO password_history (user_id, hash, created_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(old_hash)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "DELETE FROM password_history WHERE user_id = $1 AND id NOT IN \
         (SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)",
    )
    .bind(user_id)
    .bind(i64::from(keep))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
