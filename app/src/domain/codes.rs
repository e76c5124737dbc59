//! Email and SMS codes: one set of figures for registering a method and for recovery
//! alike, which the texts take as arguments (`docs/security.md`).

/// Digits in a code.
pub const DIGITS: usize = 8;
/// How long a code works.
pub const LIFETIME_SECONDS: i64 = 10 * 60;
/// How soon a new code may be asked for.
pub const COOLDOWN_SECONDS: i64 = 60;
/// Wrong entries before a code is dead.
pub const TRIES: i64 = 5;

/// [`LIFETIME_SECONDS`] in whole minutes, as the texts say it.
pub const fn lifetime_minutes() -> i64 {
    LIFETIME_SECONDS / 60
}
