//! Recovery's rate limits (docs/security.md), all counted in the database in fixed windows so
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

/// The limits and timing of recovery; defaults from docs/security.md.
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
    /// How long each step takes at least, whatever happened.
    pub deadlines: StepDeadlines,
}

/// The steps of a recovery that answer after a fixed deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// "Get back into your account": the user ID.
    Start,
    /// The flow as a page shows it (rendered, or fetched by the hydrated page).
    Page,
    /// "Why are you having trouble signing in?"
    Purpose,
    /// The choice of a method (and, for an email or a phone, the typed address).
    Method,
    /// Another code for the chosen email or phone.
    Resend,
    /// A code, an authenticator code, a recovery code or the answers.
    Prove,
}

/// Every recovery step answers no earlier than its deadline, in milliseconds, whatever
/// the account and the input: the work behind a step differs (a real account reads its
/// methods, a matching address queues a code, a decoy computes hints), and without a
/// floor its duration would tell them apart. Each is well above the step's work on a
/// loaded 2-core machine and short enough not to be felt; the start is long because it
/// may look up an account that doesn't exist (docs/security.md: 500 ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepDeadlines {
    pub start_ms: u64,
    pub page_ms: u64,
    pub purpose_ms: u64,
    pub method_ms: u64,
    pub resend_ms: u64,
    pub prove_ms: u64,
}

impl Default for StepDeadlines {
    fn default() -> Self {
        Self {
            start_ms: 500,
            page_ms: 60,
            purpose_ms: 80,
            method_ms: 250,
            resend_ms: 250,
            prove_ms: 300,
        }
    }
}

impl StepDeadlines {
    pub fn of(&self, step: Step) -> std::time::Duration {
        std::time::Duration::from_millis(match step {
            Step::Start => self.start_ms,
            Step::Page => self.page_ms,
            Step::Purpose => self.purpose_ms,
            Step::Method => self.method_ms,
            Step::Resend => self.resend_ms,
            Step::Prove => self.prove_ms,
        })
    }

    /// The same deadline for every step (benchmarks and tests that time many flows).
    pub fn all(ms: u64) -> Self {
        Self {
            start_ms: ms,
            page_ms: ms,
            purpose_ms: ms,
            method_ms: ms,
            resend_ms: ms,
            prove_ms: ms,
        }
    }
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
            deadlines: StepDeadlines::default(),
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
