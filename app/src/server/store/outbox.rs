//! Messages to send, written in the same transaction as the change they announce, so a
//! crash can't lose one. Delivery (SMTP, SMS) is a worker's job (`server::delivery`); in
//! development the mailbox page lists them with their delivery status.
use super::{Store, StoreError};
use sqlx::{Any, Executor};

/// The outbox as a work queue for the delivery worker.
pub mod queue;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub channel: &'static str,
    pub recipient: String,
    pub locale: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub created_at: i64,
    pub channel: String,
    pub recipient: String,
    pub locale: String,
    pub subject: String,
    pub body: String,
    pub sent_at: Option<i64>,
    /// Set when delivery was given up on (see `server::delivery`).
    pub failed_at: Option<i64>,
}

pub async fn enqueue<'c, E: Executor<'c, Database = Any>>(
    exec: E,
    message: &NewMessage,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (created_at, channel, recipient, locale, subject, body, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now)
    .bind(message.channel)
    .bind(&message.recipient)
    .bind(&message.locale)
    .bind(&message.subject)
    .bind(&message.body)
    .bind(now)
    .execute(exec)
    .await?;
    Ok(())
}

impl Store {
    /// Newest first.
    /// Messages waiting to be sent, and when the oldest of them was queued.
    pub async fn outbox_backlog(&self) -> Result<(i64, Option<i64>), StoreError> {
        Ok(sqlx::query_as(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
        )
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn recent_messages(&self, limit: i64) -> Result<Vec<OutboxMessage>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, created_at, channel, recipient, locale, subject, body, sent_at, \
             failed_at FROM outbox ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }
}
