//! Every recovery step answers at its deadline ([`super::limits::StepDeadlines`]), so
//! that how long it took tells nothing about the account or the input: a real account
//! reads its methods, a matching address queues a code, a decoy only draws hints.
//! Where a step's work overruns the deadline the answer leaves late, and the overrun is
//! logged for the operator (the deadline is then too short for the machine). The whole
//! model of what recovery must not reveal is in `docs/recovery-enumeration.md`.
use super::limits::Step;
use std::future::Future;
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
    tokio::time::sleep_until(deadline).await;
    answer
}
