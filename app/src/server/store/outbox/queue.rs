//! The outbox as a work queue. Every transition is one conditional UPDATE whose
//! rows-affected count says whether it happened, which is exact on SQLite (one writer at a
//! time) and on PostgreSQL (the row lock makes the second UPDATE re-check its WHERE).
use crate::server::delivery::Outgoing;
use crate::server::store::{Store, StoreError};
use rand::RngCore;

/// A message this worker holds the lease on.
#[derive(Debug, Clone)]
pub struct Claim {
    pub token: String,
    /// Attempts including this one.
    pub attempts: i64,
    pub message: Outgoing,
}

/// Candidates looked at per claim; more than one so two workers racing for the oldest
/// message don't both come back empty-handed.
const CANDIDATES: i64 = 8;

/// Claims the next due message of one of `channels` for `lease` seconds, counting the
/// attempt now: a message that crashes the worker every time still reaches the bound.
pub async fn claim_next(
    store: &Store,
    channels: &[&str],
    now: i64,
    lease: i64,
) -> Result<Option<Claim>, StoreError> {
    let placeholders: Vec<String> = (0..channels.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
         AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $2) \
         AND channel IN ({}) ORDER BY next_attempt_at, id LIMIT {CANDIDATES}",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(now).bind(now);
    for channel in channels {
        query = query.bind(*channel);
    }
    let candidates = query.fetch_all(store.pool()).await?;
    for id in candidates {
        let token = new_token();
        let claimed = sqlx::query(
            "UPDATE outbox SET claimed_until = $1, claim_token = $2, attempts = attempts + 1 \
             WHERE id = $3 AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $4 \
             AND (claimed_until IS NULL OR claimed_until <= $5)",
        )
        .bind(now.saturating_add(lease))
        .bind(&token)
        .bind(id)
        .bind(now)
        .bind(now)
        .execute(store.pool())
        .await?
        .rows_affected();
        if claimed != 1 {
            continue; // another worker was faster
        }
        let row: Option<(i64, Outgoing)> = sqlx::query_as::<_, ClaimedRow>(
            "SELECT id, created_at, channel, recipient, locale, subject, body, attempts \
             FROM outbox WHERE id = $1 AND claim_token = $2",
        )
        .bind(id)
        .bind(&token)
        .fetch_optional(store.pool())
        .await?
        .map(ClaimedRow::split);
        // Gone only if our lease expired already, i.e. the database stalled for a lease.
        if let Some((attempts, message)) = row {
            return Ok(Some(Claim {
                token,
                attempts,
                message,
            }));
        }
    }
    Ok(None)
}

#[derive(sqlx::FromRow)]
struct ClaimedRow {
    attempts: i64,
    #[sqlx(flatten)]
    message: Outgoing,
}

impl ClaimedRow {
    fn split(self) -> (i64, Outgoing) {
        (self.attempts, self.message)
    }
}

/// Records that the transport confirmed the message. Whoever holds the lease: the message
/// did go out, and recording it stops any other worker from sending it again. `false` if
/// it was already recorded as sent.
pub async fn mark_sent(
    store: &Store,
    id: i64,
    now: i64,
    provider_id: Option<&str>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE outbox SET sent_at = $1, provider_id = $2, last_error = NULL, \
         claimed_until = NULL, claim_token = NULL WHERE id = $3 AND sent_at IS NULL",
    )
    .bind(now)
    .bind(provider_id.map(|p| truncate(p, 200)))
    .bind(id)
    .execute(store.pool())
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Releases the lease after a failed attempt: due again at `next_attempt_at`, or given
/// up when `failed_at` is set. Only the lease holder may do this.
pub async fn record_failure(
    store: &Store,
    claim: &Claim,
    error: &str,
    next_attempt_at: i64,
    failed_at: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE outbox SET last_error = $1, next_attempt_at = $2, failed_at = $3, \
         claimed_until = NULL, claim_token = NULL \
         WHERE id = $4 AND claim_token = $5 AND sent_at IS NULL",
    )
    .bind(truncate(error, 300))
    .bind(next_attempt_at)
    .bind(failed_at)
    .bind(claim.message.id)
    .bind(&claim.token)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Where a message stands, for the development mailbox and the tests.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryState {
    pub id: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub claimed_until: Option<i64>,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
    pub provider_id: Option<String>,
}

pub async fn delivery_state(store: &Store, id: i64) -> Result<Option<DeliveryState>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, attempts, next_attempt_at, claimed_until, sent_at, failed_at, last_error, \
         provider_id FROM outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?)
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// At most `max` bytes, cut at a character boundary.
fn truncate(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn truncates_at_a_character_boundary() {
        assert_eq!(super::truncate("abc", 10), "abc");
        assert_eq!(super::truncate("a€b", 2), "a");
        assert_eq!(super::truncate("a€b", 4), "a€");
    }
}
