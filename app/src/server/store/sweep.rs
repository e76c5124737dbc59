//! Clean-up: rows that have outlived their use, deleted so that the database stays the
//! size of what is live. Every instance sweeps on its own schedule; each table's clean-up
//! is one `DELETE … WHERE` on an end time in the past, so sweeps running at once on
//! several instances only find less to delete. The audit log is never swept (only
//! `regain audit prune` deletes from it, by hand).
use super::{Store, StoreError};

/// A row is deleted this long after its end (expiry, revocation, delivery, window): long
/// enough to look into a recent incident through the live tables, short enough that
/// message bodies (codes and links) don't pile up. At least a day more than any window
/// counted from these tables (the daily send limit counts codes of the last day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub seconds: i64,
}

impl Retention {
    pub const DAY: i64 = 86_400;
    pub const DEFAULT_DAYS: i64 = 7;
    pub const MIN_DAYS: i64 = 2;
    pub const MAX_DAYS: i64 = 3650;

    pub const fn days(days: i64) -> Self {
        Self {
            seconds: days * Self::DAY,
        }
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self::days(Self::DEFAULT_DAYS)
    }
}

/// The longest window any rate limit counts in (the daily send limit); a counter's row
/// is dead once its window has closed. The tests below check every limit against it.
pub const LONGEST_LIMIT_WINDOW: i64 = 86_400;

/// Rows deleted by one sweep, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub recovery_flows: u64,
    pub verification_codes: u64,
    pub freeze_tokens: u64,
    pub rate_limits: u64,
    pub pow: u64,
    pub outbox: u64,
    pub passkey_ceremonies: u64,
    pub recovery_code_displays: u64,
}

impl Swept {
    pub fn total(&self) -> u64 {
        self.sessions
            + self.recovery_flows
            + self.verification_codes
            + self.freeze_tokens
            + self.rate_limits
            + self.pow
            + self.outbox
            + self.passkey_ceremonies
            + self.recovery_code_displays
    }
}

impl Store {
    /// Deletes what ended more than `keep` before `now`:
    /// - sessions revoked, idle past `idle_seconds` or older than `absolute_seconds`;
    /// - recovery flows, codes, "this wasn't me" links, passkey ceremonies and shown
    ///   recovery codes past their expiry;
    /// - counters whose window closed, except the permanent ones (window 0: a decoy's
    ///   failures, kept as a real account keeps its pause count in its row, so that a
    ///   decoy's pauses keep doubling like a real one's);
    /// - redeemed proofs of work past their expiry and old per-minute counts;
    /// - outbox messages sent or given up on.
    pub async fn sweep(
        &self,
        now: i64,
        keep: Retention,
        sessions: super::sessions::SessionLimits,
    ) -> Result<Swept, StoreError> {
        let before = now - keep.seconds;
        let run = |sql: &'static str, at: i64| async move {
            Ok::<u64, StoreError>(
                sqlx::query(sql)
                    .bind(at)
                    .execute(self.pool())
                    .await?
                    .rows_affected(),
            )
        };
        let sessions_swept = sqlx::query(
            "DELETE FROM sessions WHERE revoked_at < $1 OR last_seen_at < $2 OR created_at < $3",
        )
        .bind(before)
        .bind(before - sessions.idle_seconds)
        .bind(before - sessions.absolute_seconds)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(Swept {
            sessions: sessions_swept,
            recovery_flows: run("DELETE FROM recovery_flows WHERE expires_at < $1", before).await?,
            verification_codes: run(
                "DELETE FROM verification_codes WHERE expires_at < $1",
                before,
            )
            .await?,
            freeze_tokens: run("DELETE FROM freeze_tokens WHERE expires_at < $1", before).await?,
            rate_limits: run(
                "DELETE FROM rate_limits WHERE window_start > 0 AND window_start < $1",
                before - LONGEST_LIMIT_WINDOW,
            )
            .await?,
            pow: run("DELETE FROM pow_redeemed WHERE expires_at < $1", before).await?
                + run("DELETE FROM pow_issued WHERE window_start < $1", before).await?,
            outbox: run(
                "DELETE FROM outbox WHERE sent_at < $1 OR failed_at < $1",
                before,
            )
            .await?,
            passkey_ceremonies: run(
                "DELETE FROM passkey_ceremonies WHERE expires_at < $1",
                before,
            )
            .await?,
            recovery_code_displays: run(
                "DELETE FROM recovery_code_displays WHERE expires_at < $1",
                before,
            )
            .await?,
        })
    }

    /// Rows per table the sweep looks after (for the soak benchmark and operators).
    pub async fn swept_table_sizes(&self) -> Result<Vec<(&'static str, i64)>, StoreError> {
        let mut sizes = Vec::new();
        for table in SWEPT_TABLES {
            // The names come from the list above, never from input.
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(self.pool())
                .await?;
            sizes.push((table, n));
        }
        Ok(sizes)
    }
}

/// The tables [`Store::sweep`] deletes from.
pub const SWEPT_TABLES: [&str; 10] = [
    "sessions",
    "recovery_flows",
    "verification_codes",
    "freeze_tokens",
    "rate_limits",
    "pow_redeemed",
    "pow_issued",
    "outbox",
    "passkey_ceremonies",
    "recovery_code_displays",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::recovery::limits::RecoveryLimits;

    #[test]
    fn no_limit_counts_in_a_window_longer_than_the_sweep_assumes() {
        let l = RecoveryLimits::default();
        for limit in [
            l.starts_per_ip,
            l.starts_per_ip_without_pow,
            l.sends_short,
            l.sends_daily,
            l.checks_per_ip,
            l.sms_per_prefix,
            l.sms_per_country,
            l.sms_global,
        ] {
            assert!(limit.window <= LONGEST_LIMIT_WINDOW, "{limit:?}");
        }
        assert!(l.question_lock_seconds <= LONGEST_LIMIT_WINDOW);
        assert!(l.max_pause_seconds <= LONGEST_LIMIT_WINDOW);
    }

    #[test]
    fn retention_keeps_a_day_more_than_the_longest_window() {
        assert!(Retention::days(Retention::MIN_DAYS).seconds > LONGEST_LIMIT_WINDOW);
        assert_eq!(Retention::default().seconds, 7 * 86_400);
    }
}
