//! Codes by email or text message during a recovery, with the same answers whether a code
//! is really sent or not.
//!
//! A code goes only to the stored, verified address or number, and only when what the
//! user typed matches it. Everything the user can observe must therefore be the same for
//! a match, a mismatch and a decoy, or the answers would confirm a guessed address:
//! - the send limits count the identifier and the *typed* destination in every case (for
//!   a match the typed one is the stored one), so the fourth request within 15 minutes
//!   answers "try again after …" whatever was typed;
//! - the cooldown, the tries left and the code's lifetime come from one ledger per flow
//!   and gate ([`GateLedger`]), kept for every case alike. A real code keeps its own
//!   counters too (they guard the secret under concurrency), but the answers are the
//!   ledger's, which counts at least what the real code counts, so the two never
//!   disagree in what they allow.
//!
//! See `docs/recovery-enumeration.md` for the whole model and how it is tested.
use super::super::state::AppState;
use super::limits;
use crate::domain::identifier::normalize_email;
use crate::domain::policy::MethodKind;
use crate::error::AppError;

/// Codes sent during recovery: 10 minutes, 5 tries, 60 s between sends (docs/security.md).
use crate::domain::codes::{
    COOLDOWN_SECONDS as CODE_COOLDOWN, LIFETIME_SECONDS as CODE_LIFETIME, TRIES as CODE_TRIES,
};

/// Where the user asked a code to go, as typed: its MAC (for the per-destination limits)
/// and, for a phone, its leading digits (for the per-prefix and per-country SMS limits).
#[derive(Clone, PartialEq, Eq)]
pub struct Destination {
    mac: String,
    /// The first six digits of a number, empty for an email.
    route: String,
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Destination(..)")
    }
}

impl Destination {
    /// `None` when nothing usable was typed (the user is asked to type it).
    pub fn typed(state: &AppState, kind: MethodKind, typed: &str) -> Option<Self> {
        let typed = typed.trim();
        let (canonical, route) = match kind {
            // What doesn't parse as an address can't match any: it is still counted,
            // under its trimmed lower-case form, so a typo costs what a match costs.
            MethodKind::Email => (
                normalize_email(typed).unwrap_or_else(|_| typed.to_lowercase()),
                String::new(),
            ),
            MethodKind::Sms => {
                let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
                let route = digits.chars().take(6).collect();
                (digits, route)
            }
            _ => return None,
        };
        if canonical.is_empty() {
            return None;
        }
        Some(Self {
            mac: state
                .keys
                .mac_hex("recovery-destination", canonical.as_bytes()),
            route,
        })
    }
}

/// The email or phone gate being proven: its ledger and the typed destination. Stored
/// on the flow (`gate mac route`), so a resend and a check find exactly what the choice
/// counted, whether the typed destination matched or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge {
    pub ledger: GateLedger,
    pub to: Destination,
}

impl CodeChallenge {
    pub fn encode(&self) -> String {
        format!("{} {} {}", self.ledger.gate, self.to.mac, self.to.route)
    }

    pub fn decode(stored: &str) -> Option<Self> {
        let mut parts = stored.split(' ');
        let gate = parts.next().filter(|g| !g.is_empty())?;
        let mac = parts.next().filter(|m| !m.is_empty())?;
        let route = parts.next().unwrap_or_default();
        Some(Self {
            ledger: GateLedger {
                gate: gate.to_owned(),
            },
            to: Destination {
                mac: mac.to_owned(),
                route: route.to_owned(),
            },
        })
    }
}

/// Counts one send against every limit it is subject to, whatever will happen next.
pub async fn count_send(
    state: &AppState,
    subject_mac: &str,
    to: &Destination,
) -> Result<(), AppError> {
    let l = &state.settings.recovery;
    limits::take(state, "send-subject", subject_mac, l.sends_short).await?;
    limits::take(state, "send-subject-day", subject_mac, l.sends_daily).await?;
    limits::take(state, "send-destination", &to.mac, l.sends_short).await?;
    limits::take(state, "send-destination-day", &to.mac, l.sends_daily).await?;
    if !to.route.is_empty() {
        let country: String = to.route.chars().take(2).collect();
        limits::take(state, "sms-prefix", &to.route, l.sms_per_prefix).await?;
        limits::take(state, "sms-country", &country, l.sms_per_country).await?;
        limits::take(state, "sms-global", "all", l.sms_global).await?;
    }
    Ok(())
}

/// What a code check found, from the ledger's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Try {
    /// A live code with this many tries left after this one.
    Counted { remaining: i64 },
    /// No live code: never sent, expired, or out of tries.
    Dead,
}

/// The sends and tries of one gate of one flow, in the rate-limit table: the newest send
/// (for the cooldown and the lifetime), the start of the current run of codes (a resend
/// within a code's lifetime carries its failures over, as real codes do), and the tries
/// counted in that run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateLedger {
    gate: String,
}

impl GateLedger {
    /// The ledger of the gate `kind` shown as `masked` in flow `flow_id`: stable while the
    /// flow lives, however the list of gates shifts after a gate is passed.
    pub fn of(state: &AppState, flow_id: i64, kind: MethodKind, masked: &str) -> Self {
        let gate = state.keys.mac_hex(
            "recovery-gate",
            format!("{flow_id}:{}:{masked}", kind.as_str()).as_bytes(),
        );
        Self { gate }
    }

    fn bucket(&self, what: &str) -> String {
        format!("gate:{}:{what}", self.gate)
    }

    /// Records a send now, or refuses it the way a real code would be refused: too soon
    /// after the last one, or the current run of codes out of tries.
    pub async fn send(&self, state: &AppState, now: i64) -> Result<(), AppError> {
        let store = &state.store;
        let last = store.latest_window(&self.bucket("sent")).await?;
        if let Some(last) = last.filter(|at| at + CODE_COOLDOWN > now) {
            return Err(AppError::TooSoon {
                wait_seconds: (last + CODE_COOLDOWN - now).max(1),
            });
        }
        let run = store.latest_window(&self.bucket("run")).await?;
        match (last, run) {
            (Some(last), Some(run)) if last + CODE_LIFETIME > now => {
                if store.hits(&self.bucket("tries"), run).await? >= CODE_TRIES {
                    return Err(AppError::CodeExpired);
                }
            }
            _ => {
                store.hit(&self.bucket("run"), now).await?;
            }
        }
        store.hit(&self.bucket("sent"), now).await?;
        Ok(())
    }

    /// Counts a try at the gate's code, in one statement, so parallel tries are exact.
    pub async fn count_try(&self, state: &AppState, now: i64) -> Result<Try, AppError> {
        let store = &state.store;
        let last = store.latest_window(&self.bucket("sent")).await?;
        let run = store.latest_window(&self.bucket("run")).await?;
        let (Some(last), Some(run)) = (last, run) else {
            return Ok(Try::Dead);
        };
        if last + CODE_LIFETIME <= now {
            return Ok(Try::Dead);
        }
        let tries = store.hit(&self.bucket("tries"), run).await?;
        Ok(if tries > CODE_TRIES {
            Try::Dead
        } else {
            Try::Counted {
                remaining: CODE_TRIES - tries,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_survives_its_stored_form() {
        let email = CodeChallenge {
            ledger: GateLedger {
                gate: "ab12".into(),
            },
            to: Destination {
                mac: "cd34".into(),
                route: String::new(),
            },
        };
        assert_eq!(CodeChallenge::decode(&email.encode()), Some(email));
        let phone = CodeChallenge {
            ledger: GateLedger {
                gate: "ab12".into(),
            },
            to: Destination {
                mac: "cd34".into(),
                route: "393331".into(),
            },
        };
        assert_eq!(CodeChallenge::decode(&phone.encode()), Some(phone));
        assert_eq!(CodeChallenge::decode(""), None);
        assert_eq!(CodeChallenge::decode("ab12"), None);
    }
}
