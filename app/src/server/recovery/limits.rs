//! Recovery's rate limits (SECURITY.md), all counted in the database in fixed windows so
//! they hold across server instances. A limit hit answers "try again after hh:mm".
use super::super::state::AppState;
use crate::error::AppError;

/// One limit: at most `max` hits per `window` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: i64,
    pub window: i64,
}

impl Limit {
    pub const fn new(max: i64, window: i64) -> Self {
        Self { max, window }
    }
}

/// The limits and timing of recovery; defaults from SECURITY.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryLimits {
    /// Flow starts per IP address, with a solved proof of work.
    pub starts_per_ip: Limit,
    /// Flow starts per IP address without one (JavaScript off): stricter.
    pub starts_per_ip_without_pow: Limit,
    /// Codes sent per identifier, and per destination (address or number).
    pub sends_short: Limit,
    pub sends_daily: Limit,
    /// Proofs checked per IP address.
    pub checks_per_ip: Limit,
    /// Text messages per number prefix, per country, and in all.
    pub sms_per_prefix: Limit,
    pub sms_per_country: Limit,
    pub sms_global: Limit,
    /// Consecutive failed proofs that pause the account's recovery, and the pause.
    pub failures_before_pause: i64,
    pub pause_seconds: i64,
    pub max_pause_seconds: i64,
    /// Wrong answers to security questions before they are locked, and for how long.
    pub question_failures: i64,
    pub question_lock_seconds: i64,
    /// Every start answers after this long, whatever happened.
    pub start_deadline_ms: u64,
}

impl Default for RecoveryLimits {
    fn default() -> Self {
        Self {
            starts_per_ip: Limit::new(20, 3600),
            starts_per_ip_without_pow: Limit::new(5, 3600),
            sends_short: Limit::new(3, 15 * 60),
            sends_daily: Limit::new(10, 86_400),
            checks_per_ip: Limit::new(30, 60),
            sms_per_prefix: Limit::new(10, 3600),
            sms_per_country: Limit::new(100, 3600),
            sms_global: Limit::new(500, 3600),
            failures_before_pause: 10,
            pause_seconds: 15 * 60,
            max_pause_seconds: 86_400,
            question_failures: 3,
            question_lock_seconds: 5 * 60,
            start_deadline_ms: 500,
        }
    }
}

/// Counts one hit against `limit` for `key` (already a MAC or a non-secret like an IP)
/// and refuses with the window's end once over it.
pub async fn take(state: &AppState, scope: &str, key: &str, limit: Limit) -> Result<(), AppError> {
    let now = state.now();
    let window = limit.window.max(1);
    let start = now - now.rem_euclid(window);
    let hits = state.store.hit(&format!("{scope}:{key}"), start).await?;
    if hits > limit.max {
        tracing::info!(scope, "recovery limit reached");
        return Err(AppError::TryAgainAfter { at: start + window });
    }
    Ok(())
}

/// Whether a hit would be refused, without counting one.
pub async fn exhausted(
    state: &AppState,
    scope: &str,
    key: &str,
    limit: Limit,
) -> Result<Option<i64>, AppError> {
    let now = state.now();
    let window = limit.window.max(1);
    let start = now - now.rem_euclid(window);
    let hits = state.store.hits(&format!("{scope}:{key}"), start).await?;
    Ok((hits >= limit.max).then_some(start + window))
}
