//! When a failed message is tried again: 30 s after the first failure, doubling, never
//! more than an hour apart; after [`MAX_ATTEMPTS`] it is given up (about 4 h in all).
//! No jitter: retries are per message and few, and tests need the exact schedule.

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 10;
const FIRST_DELAY: i64 = 30;
const MAX_DELAY: i64 = 3_600;

/// Seconds to wait after the `attempt`-th attempt (1-based) failed.
pub fn retry_delay(attempt: i64) -> i64 {
    // Beyond 2^7 × 30 s the cap holds anyway; clamping keeps the shift in range.
    let doublings = attempt.saturating_sub(1).clamp(0, 16);
    (FIRST_DELAY << doublings).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_thirty_seconds_up_to_an_hour() {
        let delays: Vec<i64> = (1..=MAX_ATTEMPTS).map(retry_delay).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    }

    #[test]
    fn odd_attempt_numbers_stay_in_range() {
        assert_eq!(retry_delay(0), 30);
        assert_eq!(retry_delay(-5), 30);
        assert_eq!(retry_delay(i64::MAX), 3600);
    }
}
