//! The anti-bot proof of work, server side: issue ALTCHA v2 challenges and redeem their
//! solutions, once each.
//!
//! A challenge is created in the `altcha` crate's deterministic mode: we draw the counter
//! the browser must find, derive its key, and sign the parameters with half of that key
//! as the prefix to match (HMAC under a key derived from the server key for this purpose
//! alone). Redeeming derives the key again from the submitted counter (one derivation,
//! as cheap as issuing) and checks it against the submitted key and the signed prefix, so
//! every part of a solution is checked. The crate's cheaper alternative, a signed HMAC of
//! the key, would leave the counter unchecked.
//! Challenges are stateless until redeemed; the database only remembers the redeemed
//! ones (single use, across instances) and counts issues per minute (difficulty surge).
use super::AppState;
use crate::domain::pow::{
    Challenge, Payload, Solution, ALGORITHM, DATA_COUNTER_MAX, DATA_EXPIRES, DEFAULT_COST,
    DEFAULT_COUNTER_MAX,
};
use crate::error::AppError;
use rand::Rng;
use std::collections::BTreeMap;

/// How long a challenge may be solved and redeemed, by our clock.
pub const LIFETIME_SECONDS: i64 = 5 * 60;
/// The counter range is multiplied by this while issues exceed the surge threshold.
pub const SURGE_FACTOR: u32 = 4;
/// A payload larger than this is refused before parsing; ours are about 450 bytes.
pub const MAX_PAYLOAD_BYTES: usize = 4096;
/// Bytes of derived key. Deterministic mode signs half of it as the prefix the browser
/// must match: 128 bits, so only the drawn counter matches.
const KEY_LENGTH: usize = 32;

/// How hard the proof of work is. A browser tries counters from 0 until it reaches the
/// one drawn from `counter_min..=counter_max`, each try costing `cost` PBKDF2 iterations.
/// The range is public (it is in the source), so a bot that knows it can start at
/// `counter_min`: what it must pay is the width of the range, the honest browser a little
/// more. `counter_min` only keeps the lucky draws from being free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowSettings {
    /// PBKDF2 iterations per counter tried (and per challenge issued).
    pub cost: u32,
    pub counter_min: u32,
    pub counter_max: u32,
    /// Issued challenges per minute (across instances) above which the range grows by
    /// [`SURGE_FACTOR`].
    pub surge_per_minute: u32,
}

impl Default for PowSettings {
    /// Measured (see `solve_timing` in `domain::pow`): about 0.9 s on average to solve in
    /// V8's wasm as the site ships it (`wasm-release`, sha2 at opt-level 3; 1.3 s with it
    /// at "z"), one core of the development machine; a phone takes a few times longer.
    /// About 0.25 ms of native server time to issue, 0.35 ms to verify.
    fn default() -> Self {
        Self::new(DEFAULT_COST, DEFAULT_COUNTER_MAX)
    }
}

impl PowSettings {
    /// Settings for a cost and a range top, with the bottom at a quarter of the top and
    /// a surge threshold of 600 a minute.
    pub fn new(cost: u32, counter_max: u32) -> Self {
        Self {
            cost,
            counter_min: counter_max / 4,
            counter_max,
            surge_per_minute: 600,
        }
    }

    /// The counter range for the `issued`-th challenge of the current minute.
    pub fn range(&self, issued: i64) -> (u32, u32) {
        let min = self.counter_min.min(self.counter_max);
        if issued > i64::from(self.surge_per_minute) {
            (
                min.saturating_mul(SURGE_FACTOR),
                self.counter_max.saturating_mul(SURGE_FACTOR),
            )
        } else {
            (min, self.counter_max)
        }
    }
}

/// The challenges' signing key, derived from the server key for this purpose only.
fn secret(state: &AppState) -> String {
    state.keys.mac_hex("altcha-challenge", b"")
}

/// What `altcha::create_challenge` gets: deterministic mode (the counter is ours), the
/// signing key, and our expiry and the range's top in the signed data.
fn challenge_options(
    cost: u32,
    counter: u32,
    expires: i64,
    counter_max: u32,
    secret: String,
) -> altcha::CreateChallengeOptions {
    // Our expiry goes into the signed data, not `expiresAt`: the crate would check that
    // against the system clock, and tests (and we) use `state.now()`.
    let data = BTreeMap::from([
        (DATA_EXPIRES.to_owned(), expires.into()),
        (DATA_COUNTER_MAX.to_owned(), counter_max.into()),
    ]);
    altcha::CreateChallengeOptions {
        algorithm: ALGORITHM.to_owned(),
        counter: Some(counter),
        cost,
        data: Some(data),
        expires_at: None,
        hmac_signature_secret: Some(secret),
        key_length: KEY_LENGTH,
        ..Default::default()
    }
}

/// A new challenge, as JSON text for the page (the `altcha` crate's format), valid for
/// [`LIFETIME_SECONDS`] from now by our clock.
pub async fn issue(state: &AppState) -> Result<String, AppError> {
    let now = state.now();
    let settings = state.settings.pow;
    let issued = state.store.count_pow_issue(now).await?;
    let (min, max) = settings.range(issued);
    let counter = rand::rngs::OsRng.gen_range(min..=max);
    let options = challenge_options(
        settings.cost,
        counter,
        now + LIFETIME_SECONDS,
        max,
        secret(state),
    );
    // One key derivation (`cost` iterations, under a millisecond at the default): off the
    // async workers all the same, as a surge issues many at once.
    let challenge = off_the_workers(move || altcha::create_challenge(options))
        .await?
        .map_err(|e| {
            tracing::error!(error = %e, "proof-of-work challenge not created");
            AppError::Internal
        })?;
    serde_json::to_string(&challenge).map_err(|e| {
        tracing::error!(error = %e, "proof-of-work challenge not serialised");
        AppError::Internal
    })
}

/// Whether `payload` (the form field `pow`: the JSON of [`Payload`]) proves the work for a
/// challenge we issued, unexpired by our clock, and never redeemed before. Redeeming
/// marks it used, so the same payload is accepted once, whatever the concurrency.
/// Malformed input is `Ok(false)`; an error means the database failed.
pub async fn redeem(state: &AppState, payload: &str) -> Result<bool, AppError> {
    // Whatever was submitted stays out of the log: only the reason is noted.
    let refuse = |reason: &'static str| {
        tracing::debug!(reason, "proof of work refused");
        Ok(false)
    };
    if payload.is_empty() || payload.len() > MAX_PAYLOAD_BYTES {
        return refuse("absent or too large");
    }
    let Ok(payload) = serde_json::from_str::<Payload>(payload) else {
        return refuse("malformed");
    };
    let parameters = &payload.challenge.parameters;
    // Read before the signature is checked, but harmless: a changed expiry breaks it.
    let Some(expires) = parameters.data_i64(DATA_EXPIRES) else {
        return refuse("no expiry");
    };
    if state.now() > expires {
        return refuse("expired");
    }
    // One key derivation: off the async workers, like issuing.
    let secret = secret(state);
    let challenge = to_altcha(&payload.challenge);
    let solution = to_altcha_solution(&payload.solution);
    if !off_the_workers(move || verified(&challenge, &solution, secret)).await? {
        return refuse("not verified");
    }
    // Single use: the nonce is random per challenge and covered by the signature.
    if !state.store.redeem_pow(&parameters.nonce, expires).await? {
        return refuse("replayed");
    }
    Ok(true)
}

/// Runs a key derivation on the blocking pool.
async fn off_the_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "proof-of-work task failed");
        AppError::Internal
    })
}

/// The crate's verification: the signature over the parameters first (so a changed
/// cost costs us nothing), then the key derived from the counter against the submitted
/// key and the signed prefix. Its errors (malformed hex in a signed challenge) are a no.
fn verified(challenge: &altcha::Challenge, solution: &altcha::Solution, secret: String) -> bool {
    let options = altcha::VerifySolutionOptions::new(challenge, solution, secret);
    matches!(altcha::verify_solution(options), Ok(r) if r.verified)
}

fn to_altcha_solution(solution: &Solution) -> altcha::Solution {
    altcha::Solution {
        counter: solution.counter,
        derived_key: solution.derived_key.clone(),
        time: None,
    }
}

/// Field by field, so a field the crate adds or renames fails to compile here.
fn to_altcha(challenge: &Challenge) -> altcha::Challenge {
    let p = challenge.parameters.clone();
    altcha::Challenge {
        parameters: altcha::ChallengeParameters {
            algorithm: p.algorithm,
            cost: p.cost,
            data: p.data,
            expires_at: p.expires_at,
            key_length: p.key_length,
            key_prefix: p.key_prefix,
            key_signature: p.key_signature,
            memory_cost: p.memory_cost,
            nonce: p.nonce,
            parallelism: p.parallelism,
            salt: p.salt,
        },
        signature: challenge.signature.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pow::Puzzle;

    const SECRET: &str = "challenge secret";

    fn verify(challenge: &altcha::Challenge, solution: &Solution) -> bool {
        verified(challenge, &to_altcha_solution(solution), SECRET.into())
    }

    /// The crate creates, our domain solver solves, the crate verifies.
    #[test]
    fn our_solver_answers_the_crates_challenges() {
        let options = challenge_options(50, 37, 1_800_000_300, 40, SECRET.into());
        let issued = altcha::create_challenge(options).unwrap();
        let text = serde_json::to_string(&issued).unwrap();
        let challenge: Challenge = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string(&challenge).unwrap(), text);
        let puzzle = Puzzle::new(&challenge.parameters).unwrap();
        let solution = puzzle.try_range(0, 41).unwrap();
        assert_eq!(solution.counter, 37);
        let back = to_altcha(&challenge);
        assert!(verify(&back, &solution));

        // Another counter with the same key, a key that isn't the derived one, a cheaper
        // cost or another signing key: all refused.
        let mut counter = solution.clone();
        counter.counter = 36;
        assert!(!verify(&back, &counter));
        let mut key = solution.clone();
        let flipped = if key.derived_key.ends_with('0') {
            "1"
        } else {
            "0"
        };
        key.derived_key.replace_range(63.., flipped);
        assert!(!verify(&back, &key));
        let mut cheaper = back.clone();
        cheaper.parameters.cost = 1;
        assert!(!verify(&cheaper, &solution));
        let other = to_altcha_solution(&solution);
        assert!(!verified(&back, &other, "another secret".into()));
    }

    #[test]
    fn a_surge_widens_the_range() {
        let settings = PowSettings {
            cost: 1000,
            counter_min: 100,
            counter_max: 400,
            surge_per_minute: 10,
        };
        assert_eq!(settings.range(10), (100, 400));
        assert_eq!(settings.range(11), (400, 1600));
        assert_eq!(PowSettings::new(1000, 2000).range(1), (500, 2000));
    }
}
