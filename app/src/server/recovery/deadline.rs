//! Every recovery step answers at its deadline ([`super::limits::StepDeadlines`]), so
//! that how long it took tells nothing about the account or the input: a real account
//! reads its methods, a matching address queues a code, a decoy only draws hints.
//! Where a step's work overruns the deadline the answer leaves late, and the overrun is
//! logged for the operator (the deadline is then too short for the machine). The whole
//! model of what recovery must not reveal is in `docs/recovery-enumeration.md`.
use super::limits::Step;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// Runs `work`, then waits until `step`'s deadline after the call began.
pub async fn within<T>(step: Step, work: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let answer = work.await;
    answer_at(step, started, answer).await
}

/// Hands back `answer` at `step`'s deadline after `started`.
pub async fn answer_at<T>(step: Step, started: Instant, answer: T) -> T {
    let deadlines = crate::server::app_state()
        .map(|s| s.settings.recovery.deadlines)
        .unwrap_or_default();
    let deadline = started + deadlines.of(step);
    let now = Instant::now();
    if now > deadline {
        tracing::warn!(
            ?step,
            overrun_ms = u64::try_from((now - deadline).as_millis()).unwrap_or(u64::MAX),
            "recovery step overran its deadline"
        );
    }
    wait_until(deadline).await;
    answer
}

/// How long before the deadline the runtime's timer hands over to a precise sleep.
const COARSE_MARGIN: Duration = Duration::from_millis(2);

/// Waits until `deadline`, to the microsecond whatever came before. The runtime's timer
/// alone wakes late by a fraction of a millisecond that depends on when the thread went to
/// sleep — that is, on how long the step's work took (its sleep is rounded up to whole
/// milliseconds from that moment) — and a benchmark told decoys from real accounts by it
/// (Kolmogorov–Smirnov p = 0.0005 on the page step). So the timer only brings the step
/// near the deadline, and the last stretch is slept on the blocking pool with the
/// operating system's nanosecond sleep, which ends at the deadline itself.
async fn wait_until(deadline: Instant) {
    if let Some(near) = deadline.checked_sub(COARSE_MARGIN) {
        tokio::time::sleep_until(near).await;
    }
    let deadline = deadline.into_std();
    let precise = tokio::task::spawn_blocking(move || {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        #[allow(clippy::disallowed_methods)] // at most two milliseconds, off the runtime
        std::thread::sleep(left);
    });
    if precise.await.is_err() {
        // The blocking pool is shutting down: the timer is the next best.
        tokio::time::sleep_until(Instant::from_std(deadline)).await;
    }
}
