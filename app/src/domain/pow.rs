//! The anti-bot proof of work: ALTCHA v2 challenges with PBKDF2/SHA-256, shared by the
//! server (which issues and verifies them with the `altcha` crate, see `server::pow`) and
//! the browser (which solves them here, in wasm).
//!
//! The types mirror the JSON the `altcha` crate 1.1 writes, field for field: the server
//! verifies its HMAC over the canonical JSON of the parameters it parses back, so the
//! browser must hand every field back unchanged. Solving is one counter at a time
//! ([`Puzzle::try_counter`]), so the page can work in small chunks, yield to the event
//! loop between them and show progress.
use pbkdf2::pbkdf2_hmac;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::BTreeMap;

/// The one key-derivation algorithm we issue and solve.
pub const ALGORITHM: &str = "PBKDF2/SHA-256";

/// Keys of the signed `data` map. Our expiry lives there rather than in `expiresAt`,
/// which the `altcha` crate checks against the system clock instead of ours.
pub const DATA_EXPIRES: &str = "expires";
/// Upper bound of the counter, so the page can show progress. Not a secret: it only says
/// how far a solver may have to count, never where the answer is.
pub const DATA_COUNTER_MAX: &str = "counterMax";

/// The default difficulty (`server::pow::PowSettings`): PBKDF2 iterations per counter and
/// the top of the counter range (its bottom is a quarter of it). Chosen by measurement,
/// see `solve_timing` below.
pub const DEFAULT_COST: u32 = 1_000;
pub const DEFAULT_COUNTER_MAX: u32 = 2_000;

/// Limits on what the solver accepts, so a malformed challenge can't make the browser
/// allocate or loop without bound. Ours stay far below them.
pub const MAX_KEY_LENGTH: usize = 64;
pub const MAX_COST: u32 = 1_000_000;

/// The signed parameters of a challenge (`altcha::ChallengeParameters`). Keys are in
/// alphabetical order, as the crate writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeParameters {
    pub algorithm: String,
    pub cost: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(rename = "expiresAt", default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(rename = "keyLength")]
    pub key_length: usize,
    #[serde(rename = "keyPrefix")]
    pub key_prefix: String,
    #[serde(
        rename = "keySignature",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub key_signature: Option<String>,
    #[serde(
        rename = "memoryCost",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub memory_cost: Option<u32>,
    pub nonce: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    pub salt: String,
}

impl ChallengeParameters {
    /// A whole-number entry of the signed `data` map.
    pub fn data_i64(&self, key: &str) -> Option<i64> {
        self.data.as_ref()?.get(key)?.as_i64()
    }
}

/// A challenge as the page receives it (`altcha::Challenge`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    pub parameters: ChallengeParameters,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A solution (`altcha::Solution`): the counter and the key derived with it, in hex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Solution {
    pub counter: u32,
    #[serde(rename = "derivedKey")]
    pub derived_key: String,
    /// Milliseconds the solver took; informative only, never trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
}

/// What the browser submits in the form field `pow`: this, as JSON text
/// (`altcha::Payload`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub challenge: Challenge,
    pub solution: Solution,
}

impl Payload {
    /// The payload as the form field's value.
    pub fn to_json(&self) -> String {
        // Plain data (strings, numbers, maps with string keys) always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PuzzleError {
    #[error("unsupported algorithm")]
    Algorithm,
    #[error("cost or key length out of range")]
    Parameters,
    #[error("nonce, salt or key prefix is not hex")]
    Hex,
}

/// A challenge decoded once for solving: nonce and salt as bytes, the prefix normalised.
#[derive(Debug, Clone)]
pub struct Puzzle {
    nonce: Vec<u8>,
    salt: Vec<u8>,
    /// Lower-case hex; may have an odd length (the crate compares it as text then).
    prefix: String,
    cost: u32,
    key_length: usize,
}

impl Puzzle {
    pub fn new(parameters: &ChallengeParameters) -> Result<Self, PuzzleError> {
        if !parameters.algorithm.eq_ignore_ascii_case(ALGORITHM) {
            return Err(PuzzleError::Algorithm);
        }
        if parameters.cost == 0
            || parameters.cost > MAX_COST
            || parameters.key_length == 0
            || parameters.key_length > MAX_KEY_LENGTH
        {
            return Err(PuzzleError::Parameters);
        }
        let prefix = parameters.key_prefix.to_ascii_lowercase();
        if !prefix.bytes().all(|b| b.is_ascii_hexdigit())
            || prefix.len() > 2 * parameters.key_length
        {
            return Err(PuzzleError::Hex);
        }
        Ok(Self {
            nonce: hex::decode(&parameters.nonce).map_err(|_| PuzzleError::Hex)?,
            salt: hex::decode(&parameters.salt).map_err(|_| PuzzleError::Hex)?,
            prefix,
            cost: parameters.cost,
            key_length: parameters.key_length,
        })
    }

    /// The key derived for one counter: PBKDF2-HMAC-SHA256 of (nonce ++ counter as u32
    /// big-endian) with the salt, `cost` iterations, `key_length` bytes.
    pub fn derive(&self, counter: u32) -> Vec<u8> {
        let mut password = Vec::with_capacity(self.nonce.len() + 4);
        password.extend_from_slice(&self.nonce);
        password.extend_from_slice(&counter.to_be_bytes());
        let mut key = vec![0u8; self.key_length];
        pbkdf2_hmac::<Sha256>(&password, &self.salt, self.cost, &mut key);
        key
    }

    /// Tries one counter: the solution if the derived key starts with the prefix.
    pub fn try_counter(&self, counter: u32) -> Option<Solution> {
        let key = hex::encode(self.derive(counter));
        key.starts_with(&self.prefix).then_some(Solution {
            counter,
            derived_key: key,
            time: None,
        })
    }

    /// Tries the counters `from..from + count` in order (stopping at `u32::MAX`).
    pub fn try_range(&self, from: u32, count: u32) -> Option<Solution> {
        (from..from.saturating_add(count)).find_map(|c| self.try_counter(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bench::{now_ms, report};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A challenge whose answer is counter 7: its prefix is the first 4 bytes of the key
    /// derived for 7, taken from the derivation itself and pinned by the vector below.
    fn small_challenge(prefix: &str) -> ChallengeParameters {
        ChallengeParameters {
            algorithm: ALGORITHM.into(),
            cost: 10,
            data: None,
            expires_at: None,
            key_length: 16,
            key_prefix: prefix.into(),
            key_signature: None,
            memory_cost: None,
            nonce: "000102030405060708090a0b0c0d0e0f".into(),
            parallelism: None,
            salt: "f0e0d0c0b0a090807060504030201000".into(),
        }
    }

    #[test]
    fn password_is_nonce_then_big_endian_counter() {
        // PBKDF2-HMAC-SHA256 of nonce ++ 00 00 00 07, computed independently with
        // Python's hashlib.pbkdf2_hmac('sha256', nonce + (7).to_bytes(4, 'big'), salt, 10, 16).
        let puzzle = Puzzle::new(&small_challenge("")).unwrap();
        assert_eq!(
            hex::encode(puzzle.derive(7)),
            "b99c172c8ad944be63cbbef00f31e15f"
        );
    }

    #[test]
    fn solving_a_small_challenge_finds_the_counter() {
        let prefix = hex::encode(&Puzzle::new(&small_challenge("")).unwrap().derive(7)[..4]);
        let puzzle = Puzzle::new(&small_challenge(&prefix.to_uppercase())).unwrap();
        let solution = puzzle.try_range(0, 50).unwrap();
        assert_eq!(solution.counter, 7);
        assert!(solution.derived_key.starts_with(&prefix));
        assert_eq!(solution.derived_key.len(), 32);
        // Chunked solving sees the same answer at the same place.
        assert!(puzzle.try_range(0, 7).is_none());
        assert_eq!(puzzle.try_range(5, 5).unwrap().counter, 7);
    }

    #[test]
    fn a_wrong_prefix_is_not_matched() {
        let right = hex::encode(&Puzzle::new(&small_challenge("")).unwrap().derive(7)[..4]);
        // Flip the last hex digit: the key for 7 no longer starts with it.
        let mut wrong = right.clone();
        let last = wrong.pop().unwrap();
        wrong.push(if last == '0' { '1' } else { '0' });
        let puzzle = Puzzle::new(&small_challenge(&wrong)).unwrap();
        assert!(puzzle.try_counter(7).is_none());
        assert!(puzzle.try_range(0, 50).is_none());
    }

    #[test]
    fn malformed_challenges_are_refused() {
        let mut p = small_challenge("00");
        p.algorithm = "SHA-256".into();
        assert_eq!(Puzzle::new(&p).unwrap_err(), PuzzleError::Algorithm);
        let mut p = small_challenge("00");
        p.cost = 0;
        assert_eq!(Puzzle::new(&p).unwrap_err(), PuzzleError::Parameters);
        let mut p = small_challenge("00");
        p.key_length = 1 << 20;
        assert_eq!(Puzzle::new(&p).unwrap_err(), PuzzleError::Parameters);
        assert_eq!(
            Puzzle::new(&small_challenge("zz")).unwrap_err(),
            PuzzleError::Hex
        );
        let mut p = small_challenge("00");
        p.nonce = "xyz".into();
        assert_eq!(Puzzle::new(&p).unwrap_err(), PuzzleError::Hex);
    }

    /// A benchmark, not a test: solves ten challenges at the default difficulty, their
    /// counters spread evenly over the default range (so the mean is the range's middle),
    /// in chunks of 16 as the page does (without its yields), and prints the times. In
    /// the browser's engine (V8 under Node):
    /// `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p app
    /// --lib --profile wasm-release --target wasm32-unknown-unknown -- --include-ignored
    /// solve_timing --nocapture` (`wasm-release` is the profile the site's wasm is built with).
    #[test]
    #[ignore = "benchmark: prints timings"]
    fn solve_timing() {
        let (min, max) = (DEFAULT_COUNTER_MAX / 4, DEFAULT_COUNTER_MAX);
        let runs = 10u32;
        let mut total = 0.0;
        let mut counters = 0u64;
        for i in 0..runs {
            let target = min + (max - min) * i / (runs - 1);
            let mut parameters = small_challenge("");
            parameters.cost = DEFAULT_COST;
            parameters.key_length = 32;
            parameters.nonce = format!("{:032x}", 0x5eed_0000 + u64::from(i));
            let prefix = hex::encode(&Puzzle::new(&parameters).unwrap().derive(target)[..16]);
            parameters.key_prefix = prefix;
            let puzzle = Puzzle::new(&parameters).unwrap();
            let t = now_ms();
            let mut from = 0;
            let found = loop {
                if let Some(s) = puzzle.try_range(from, 16) {
                    break s;
                }
                from += 16;
            };
            total += now_ms() - t;
            counters += u64::from(found.counter) + 1;
            assert_eq!(found.counter, target);
        }
        report!(
            "proof of work, cost {DEFAULT_COST}, counters {min}..={max}: {:.0} ms per solve on average \
             ({:.3} ms per counter tried, {} counters per solve on average)",
            total / f64::from(runs),
            total / counters as f64,
            counters / u64::from(runs)
        );
    }

    #[test]
    fn json_matches_the_altcha_crate() {
        let json = r#"{"parameters":{"algorithm":"PBKDF2/SHA-256","cost":1000,"data":{"counterMax":2000,"expires":1800000300},"keyLength":32,"keyPrefix":"ab12","keySignature":"ff","nonce":"00","salt":"11"},"signature":"cd"}"#;
        let challenge: Challenge = serde_json::from_str(json).unwrap();
        assert_eq!(
            challenge.parameters.data_i64(DATA_EXPIRES),
            Some(1_800_000_300)
        );
        assert_eq!(serde_json::to_string(&challenge).unwrap(), json);
        let payload = Payload {
            challenge,
            solution: Solution {
                counter: 3,
                derived_key: "ab".into(),
                time: None,
            },
        };
        let text = payload.to_json();
        assert!(text.ends_with(r#""solution":{"counter":3,"derivedKey":"ab"}}"#));
        assert_eq!(serde_json::from_str::<Payload>(&text).unwrap(), payload);
        // Fields we don't know are refused rather than silently dropped.
        let extra = json.replace(r#""cost":1000"#, r#""cost":1000,"extra":1"#);
        assert!(serde_json::from_str::<Challenge>(&extra).is_err());
    }
}
