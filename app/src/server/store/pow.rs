//! The proof of work's shared state: which challenges were redeemed (single use) and how
//! many were issued per minute (to raise the difficulty under a surge). Each is one
//! statement, atomic on both databases, so no transaction is needed.
use super::{Store, StoreError};

/// The length of one counting window for issued challenges.
pub const ISSUE_WINDOW_SECONDS: i64 = 60;

impl Store {
    /// Counts one issued challenge in the current minute and returns the count so far.
    /// On the first of a minute, also clears what has expired (redeemed challenges,
    /// earlier windows): once a minute is enough to keep both tables small.
    pub async fn count_pow_issue(&self, now: i64) -> Result<i64, StoreError> {
        let window = now - now.rem_euclid(ISSUE_WINDOW_SECONDS);
        let n: i64 = sqlx::query_scalar(
            "INSERT INTO pow_issued (window_start, n) VALUES ($1, 1) \
             ON CONFLICT (window_start) DO UPDATE SET n = pow_issued.n + 1 \
             RETURNING n",
        )
        .bind(window)
        .fetch_one(self.pool())
        .await?;
        if n == 1 {
            self.delete_expired_pow(window, now).await?;
        }
        Ok(n)
    }

    async fn delete_expired_pow(&self, window: i64, now: i64) -> Result<(), StoreError> {
        // A challenge expiring at `now` is still accepted (expiry is `now > expires`),
        // so only rows strictly in the past go.
        sqlx::query("DELETE FROM pow_redeemed WHERE expires_at < $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        sqlx::query("DELETE FROM pow_issued WHERE window_start < $1")
            .bind(window)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Marks a challenge as redeemed. `false` if it already was: a replay. The primary
    /// key decides, so of any number of concurrent redemptions exactly one wins.
    pub async fn redeem_pow(&self, nonce: &str, expires_at: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO pow_redeemed (nonce, expires_at) VALUES ($1, $2) \
             ON CONFLICT (nonce) DO NOTHING",
        )
        .bind(nonce)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
