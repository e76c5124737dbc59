//! Sign-in lockout arithmetic (docs/security.md): 10 failures lock the account for 60 s,
//! every further failure doubles the lock up to a day; the same wrong password typed
//! again counts once (a user retrying an old password is not an attacker); a success,
//! a reset or an unlock clears it. Pure: the caller passes `now` (unix seconds).

/// A pause that doubles: `base` seconds after the first, twice that after the next, and
/// so on, never longer than `max`. The one formula of sign-in lockouts and recovery
/// pauses (real and decoy alike).
pub fn doubled(base: i64, doublings: i64, max: i64) -> i64 {
    let doublings = u32::try_from(doublings.clamp(0, 32)).unwrap_or(32);
    base.saturating_mul(1_i64 << doublings).min(max)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub base_seconds: i64,
    pub max_seconds: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            threshold: 10,
            base_seconds: 60,
            max_seconds: 24 * 60 * 60,
        }
    }
}

/// What the store keeps per account. `last_failure` is an opaque keyed fingerprint
/// of the last wrong password, never the password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockoutState {
    pub failures: u32,
    pub locked_until: Option<i64>,
    pub last_failure: Option<String>,
}

impl LockoutState {
    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// The state after a wrong password with the given fingerprint.
    pub fn after_failure(&self, fingerprint: &str, now: i64, policy: &LockoutPolicy) -> Self {
        if self.last_failure.as_deref() == Some(fingerprint) {
            return self.clone();
        }
        let failures = self.failures.saturating_add(1);
        let locked_until = if failures >= policy.threshold {
            let seconds = doubled(
                policy.base_seconds,
                i64::from(failures - policy.threshold),
                policy.max_seconds,
            );
            Some(now.saturating_add(seconds))
        } else {
            self.locked_until
        };
        Self {
            failures,
            locked_until,
            last_failure: Some(fingerprint.to_owned()),
        }
    }

    /// The state after a successful sign-in, reset or unlock.
    pub fn cleared() -> Self {
        Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn fail_n(n: u32, now: i64) -> LockoutState {
        let policy = LockoutPolicy::default();
        (0..n).fold(LockoutState::default(), |s, i| {
            s.after_failure(&format!("pw{i}"), now, &policy)
        })
    }

    #[test]
    fn nine_failures_do_not_lock_the_tenth_locks_for_a_minute() {
        let now = 1_000_000;
        assert!(!fail_n(9, now).is_locked(now));
        let locked = fail_n(10, now);
        assert_eq!(locked.locked_until, Some(now + 60));
        assert!(locked.is_locked(now + 59));
        assert!(!locked.is_locked(now + 60), "the lock ends by itself");
    }

    #[test]
    fn lock_grows_with_each_further_failure_and_is_capped() {
        let policy = LockoutPolicy::default();
        let now = 5_000;
        let s = fail_n(10, now);
        let s = s.after_failure("eleventh", now + 61, &policy);
        assert_eq!(s.locked_until, Some(now + 61 + 120));
        let s = s.after_failure("twelfth", now + 200, &policy);
        assert_eq!(s.locked_until, Some(now + 200 + 240));
        let s = fail_n(60, now);
        assert_eq!(s.locked_until, Some(now + policy.max_seconds));
    }

    #[test]
    fn the_same_wrong_password_counts_once() {
        let policy = LockoutPolicy::default();
        let s = (0..50).fold(LockoutState::default(), |s, _| {
            s.after_failure("same", 0, &policy)
        });
        assert_eq!(s.failures, 1);
        assert!(!s.is_locked(0));
    }

    #[test]
    fn a_recovery_pause_doubles_from_fifteen_minutes_to_a_day() {
        let (base, day) = (15 * 60, 24 * 60 * 60);
        let pauses: Vec<i64> = (0..8).map(|n| doubled(base, n, day)).collect();
        assert_eq!(
            pauses,
            [900, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400]
        );
        assert_eq!(doubled(base, 1_000, day), day);
        assert_eq!(doubled(base, -1, day), base);
    }

    #[test]
    fn success_clears() {
        assert_eq!(LockoutState::cleared(), LockoutState::default());
        assert!(!LockoutState::cleared().is_locked(0));
    }
}
