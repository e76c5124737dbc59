//! Which of an organisation's own banned terms refused new passwords, and when: what the
//! console's terms page counts. Keys only, never the password.
use super::{Store, StoreError};

/// How often one term refused a password since a given time, and when it last did.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TermRejections {
    pub term_key: String,
    pub count: i64,
    pub last_at: i64,
}

impl Store {
    /// Records one refusal for each term key, and forgets this organisation's refusals
    /// from before `forget_before`: nobody looks further back.
    pub async fn record_term_rejections(
        &self,
        org_id: i64,
        term_keys: &[String],
        now: i64,
        forget_before: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM banned_term_rejections WHERE org_id = $1 AND at < $2")
            .bind(org_id)
            .bind(forget_before)
            .execute(&mut *tx)
            .await?;
        for key in term_keys {
            sqlx::query(
                "INSERT INTO banned_term_rejections (org_id, term_key, at) VALUES ($1, $2, $3)",
            )
            .bind(org_id)
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Refusals per term key since `since`, for one organisation.
    pub async fn term_rejections(
        &self,
        org_id: i64,
        since: i64,
    ) -> Result<Vec<TermRejections>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT term_key, COUNT(*) AS count, MAX(at) AS last_at FROM banned_term_rejections \
             WHERE org_id = $1 AND at >= $2 GROUP BY term_key ORDER BY term_key",
        )
        .bind(org_id)
        .bind(since)
        .fetch_all(self.pool())
        .await?)
    }
}
