//! Recovery flows, their fixed-window limits, the account's recovery failures, and the
//! end of a recovery (reset or unlock) with everything that must commit with it.
use super::audit::{append, AuditEvent};
use super::outbox::{enqueue, NewMessage};
use super::{Store, StoreError};
use sqlx::Row;

/// A flow as stored. `state`, `purpose`, `passed` and `challenge` are the domain's
/// [`crate::domain::recovery::Flow`] in text form; `version` guards every write.
#[derive(Clone, PartialEq, Eq)]
pub struct FlowRow {
    pub id: i64,
    pub user_id: Option<i64>,
    /// The organisation whose policy the flow follows (for a decoy too); `None` when the
    /// identifier's domain belongs to no organisation.
    pub org_id: Option<i64>,
    pub subject_mac: String,
    pub state: String,
    pub purpose: Option<String>,
    pub required: i64,
    pub passed: String,
    pub challenge: Option<String>,
    pub challenge_method_id: Option<i64>,
    /// The typed destination of an email or phone gate, as MAC and SMS route
    /// ([`crate::server::recovery::sending::Destination`]), whether it matched or not.
    pub challenge_destination: Option<String>,
    pub questions: Option<String>,
    /// A passkey gate's challenge (options for the browser, state to check the answer),
    /// as JSON.
    pub challenge_state: Option<String>,
    pub ip: String,
    pub version: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

impl std::fmt::Debug for FlowRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No subject MAC or question keys in logs: they'd tie a log line to an identifier.
        f.debug_struct("FlowRow")
            .field("id", &self.id)
            .field("state", &self.state)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

const FLOW_COLUMNS: &str = "id, user_id, org_id, subject_mac, state, purpose, required, passed, \
    challenge, challenge_method_id, challenge_destination, questions, challenge_state, ip, version, created_at, expires_at";

fn flow_from_row(row: &sqlx::any::AnyRow) -> Result<FlowRow, sqlx::Error> {
    Ok(FlowRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        org_id: row.try_get("org_id")?,
        subject_mac: row.try_get("subject_mac")?,
        state: row.try_get("state")?,
        purpose: row.try_get("purpose")?,
        required: row.try_get("required")?,
        passed: row.try_get("passed")?,
        challenge: row.try_get("challenge")?,
        challenge_method_id: row.try_get("challenge_method_id")?,
        challenge_destination: row.try_get("challenge_destination")?,
        questions: row.try_get("questions")?,
        challenge_state: row.try_get("challenge_state")?,
        ip: row.try_get("ip")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// What ends a recovery, all in one transaction with the flow's last step.
pub struct Completion<'a> {
    pub user_id: i64,
    /// The new password's hash for a reset; `None` for an unlock.
    pub new_hash: Option<&'a str>,
    /// The hash being replaced, kept for the history check.
    pub old_hash: Option<&'a str>,
    pub history_keep: u8,
    /// HMAC of the "this wasn't me" token mailed with the notice.
    pub freeze_token_hash: &'a str,
    pub freeze_expires_at: i64,
    pub messages: &'a [NewMessage],
    /// Written in order: the last gate's pass (an unlock ends on it), then the reset or
    /// unlock itself.
    pub audit: &'a [AuditEvent],
}

impl Store {
    pub async fn create_flow(
        &self,
        token_hash: &str,
        flow: &FlowRow,
        audit: &AuditEvent,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO recovery_flows (token_hash, user_id, subject_mac, state, purpose, \
             required, passed, ip, created_at, expires_at, org_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(token_hash)
        .bind(flow.user_id)
        .bind(&flow.subject_mac)
        .bind(&flow.state)
        .bind(flow.purpose.as_deref())
        .bind(flow.required)
        .bind(&flow.passed)
        .bind(&flow.ip)
        .bind(flow.created_at)
        .bind(flow.expires_at)
        .bind(flow.org_id)
        .fetch_one(&mut *tx)
        .await?;
        append(&mut *tx, audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The open flow this browser's token belongs to.
    pub async fn flow_by_token(&self, token_hash: &str) -> Result<Option<FlowRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {FLOW_COLUMNS} FROM recovery_flows WHERE token_hash = $1 AND ended_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(flow_from_row).transpose()?)
    }

    /// Writes the flow's next state if nobody moved it since `expected_version` was read
    /// (compare-and-swap): of two requests racing on one step, one wins and the other
    /// gets `false`. The audit event commits with it.
    pub async fn save_flow(
        &self,
        flow: &FlowRow,
        ended: Option<i64>,
        audit: Option<&AuditEvent>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE recovery_flows SET state = $1, purpose = $2, passed = $3, challenge = $4, \
             challenge_method_id = $5, questions = $6, ended_at = $7, version = version + 1, \
             challenge_destination = $10, challenge_state = $11 \
             WHERE id = $8 AND version = $9 AND ended_at IS NULL",
        )
        .bind(&flow.state)
        .bind(flow.purpose.as_deref())
        .bind(&flow.passed)
        .bind(flow.challenge.as_deref())
        .bind(flow.challenge_method_id)
        .bind(flow.questions.as_deref())
        .bind(ended)
        .bind(flow.id)
        .bind(flow.version)
        .bind(flow.challenge_destination.as_deref())
        .bind(flow.challenge_state.as_deref())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(event) = audit {
            append(&mut *tx, event).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Counts one hit in a fixed window and returns the window's total, this hit
    /// included. One statement, so concurrent hits on any instance are all counted.
    pub async fn hit(&self, bucket: &str, window_start: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 \
             RETURNING hits",
        )
        .bind(bucket)
        .bind(window_start)
        .fetch_one(self.pool())
        .await?)
    }

    /// The window's total without counting.
    pub async fn hits(&self, bucket: &str, window_start: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2",
        )
        .bind(bucket)
        .bind(window_start)
        .fetch_optional(self.pool())
        .await?
        .unwrap_or(0))
    }

    /// Counts a failed proof against the account. At `threshold` consecutive failures
    /// recovery pauses: `base` seconds, doubling with each pause up to `max`. Returns the
    /// pause's end when this failure started one.
    pub async fn recovery_failure(
        &self,
        user_id: i64,
        threshold: i64,
        base: i64,
        max: i64,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.write_tx().await?;
        let (failures, pauses): (i64, i64) = sqlx::query_as(
            "UPDATE users SET recovery_failures = recovery_failures + 1 WHERE id = $1 \
             RETURNING recovery_failures, recovery_pauses",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        let mut paused = None;
        if failures >= threshold {
            let until = now + crate::domain::lockout::doubled(base, pauses, max);
            sqlx::query(
                "UPDATE users SET recovery_failures = 0, recovery_pauses = recovery_pauses + 1, \
                 recovery_paused_until = $1 WHERE id = $2",
            )
            .bind(until)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            paused = Some(until);
        }
        tx.commit().await?;
        Ok(paused)
    }

    /// The newest window a bucket has counted in (decoy pauses are kept as the window's
    /// start, which is the pause's end).
    pub async fn latest_window(&self, bucket: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT MAX(window_start) FROM rate_limits WHERE bucket = $1")
                .bind(bucket)
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// A proof succeeded: the consecutive count starts again.
    pub async fn recovery_success(&self, user_id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET recovery_failures = 0 WHERE id = $1")
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends a recovery: the flow's last state (compare-and-swap on its version), the new
    /// password or the unlock, every session revoked, every other flow and live code of
    /// the account ended, lockout and recovery failures cleared, the account thawed, the
    /// "this wasn't me" token stored, the notices queued and the event audited. All or
    /// nothing; `false` when the flow moved meanwhile (a replayed or raced last step).
    pub async fn complete_recovery(
        &self,
        flow: &FlowRow,
        done: &Completion<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let moved = sqlx::query(
            "UPDATE recovery_flows SET state = $1, passed = $2, challenge = NULL, \
             challenge_method_id = NULL, challenge_state = NULL, ended_at = $3, version = version + 1 \
             WHERE id = $4 AND version = $5 AND ended_at IS NULL",
        )
        .bind(&flow.state)
        .bind(&flow.passed)
        .bind(now)
        .bind(flow.id)
        .bind(flow.version)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(new_hash) = done.new_hash {
            sqlx::query(
                "UPDATE users SET password_hash = $1, must_change_password = 0, \
                 password_changed_at = $2 WHERE id = $3",
            )
            .bind(new_hash)
            .bind(now)
            .bind(done.user_id)
            .execute(&mut *tx)
            .await?;
            if let Some(old) = done.old_hash {
                super::password_policy::push_history(
                    &mut tx,
                    done.user_id,
                    old,
                    done.history_keep,
                    now,
                )
                .await?;
            }
        }
        sqlx::query(
            "UPDATE users SET failed_signins = 0, locked_until = NULL, last_failure = NULL, \
             recovery_failures = 0, recovery_paused_until = NULL, frozen_at = NULL, \
             updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(done.user_id)
        .execute(&mut *tx)
        .await?;
        super::sessions::revoke_all_for_user(&mut *tx, done.user_id, None, now).await?;
        sqlx::query(
            "UPDATE recovery_flows SET ended_at = $1, version = version + 1 \
             WHERE user_id = $2 AND ended_at IS NULL",
        )
        .bind(now)
        .bind(done.user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE verification_codes SET replaced_at = $1 \
             WHERE user_id = $2 AND used_at IS NULL AND replaced_at IS NULL",
        )
        .bind(now)
        .bind(done.user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO freeze_tokens (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(done.freeze_token_hash)
        .bind(done.user_id)
        .bind(now)
        .bind(done.freeze_expires_at)
        .execute(&mut *tx)
        .await?;
        for m in done.messages {
            enqueue(&mut *tx, m, now).await?;
        }
        for e in done.audit {
            append(&mut *tx, e).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Uses a "this wasn't me" token: the account is frozen, its sessions and flows
    /// end. Single use; `None` for an unknown, used or expired token.
    pub async fn freeze_account(
        &self,
        token_hash: &str,
        audit: impl FnOnce(i64) -> AuditEvent,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.write_tx().await?;
        let user_id: Option<i64> = sqlx::query_scalar(
            "UPDATE freeze_tokens SET used_at = $1 \
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING user_id",
        )
        .bind(now)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user_id) = user_id else {
            tx.rollback().await?;
            return Ok(None);
        };
        let org_id: i64 = sqlx::query_scalar(
            "UPDATE users SET frozen_at = $1, updated_at = $2 WHERE id = $3 RETURNING org_id",
        )
        .bind(now)
        .bind(now)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        super::sessions::revoke_all_for_user(&mut *tx, user_id, None, now).await?;
        sqlx::query(
            "UPDATE recovery_flows SET ended_at = $1, version = version + 1 \
             WHERE user_id = $2 AND ended_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        // The token alone names the account, so the organisation comes from it here: the
        // event must land in that organisation's audit log.
        let mut event = audit(user_id);
        event.org_id = event.org_id.or(Some(org_id));
        append(&mut *tx, &event).await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }

    /// The account's own recovery log: attempts, gates, blocks, resets, newest first.
    pub async fn recovery_log(
        &self,
        user_id: i64,
        limit: i64,
    ) -> Result<Vec<super::audit::AuditRow>, StoreError> {
        self.audit_events_for(user_id, "recovery.", limit).await
    }
}
