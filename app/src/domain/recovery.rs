//! The recovery flow as a state machine. A flow is a persisted row; its state changes only
//! through [`transition`], a pure function of the flow, an event and `now`, so steps can't
//! be skipped, replayed or mixed, whichever server instance serves them.
//!
//! ```mermaid
//! stateDiagram-v2
//!     [*] --> ChoosePurpose: start (user ID + proof of work)
//!     ChoosePurpose --> Verify: ChoosePurpose(reset | unlock)
//!     Verify --> Verify: ChooseMethod(m) / GateFailed
//!     Verify --> Verify: GatePassed(m), more gates needed
//!     Verify --> NewPassword: GatePassed(m), last gate, reset
//!     Verify --> Done: GatePassed(m), last gate, unlock
//!     NewPassword --> Done: PasswordSet
//!     Done --> [*]
//!     note right of Verify: any state --> Expired after 15 min (no event accepted)
//! ```
use super::policy::MethodKind;
use serde::{Deserialize, Serialize};

/// A whole recovery must finish within this many seconds of its start.
pub const FLOW_LIFETIME: i64 = 15 * 60;

/// Why the user is here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// "I forgot my password": ends with a new password.
    Reset,
    /// "I know my password, but still can't sign in": ends by clearing the lockout.
    Unlock,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Unlock => "unlock",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reset" => Some(Purpose::Reset),
            "unlock" => Some(Purpose::Unlock),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum State {
    ChoosePurpose,
    Verify,
    NewPassword,
    Done,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::ChoosePurpose => "choose_purpose",
            State::Verify => "verify",
            State::NewPassword => "new_password",
            State::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "choose_purpose" => Some(State::ChoosePurpose),
            "verify" => Some(State::Verify),
            "new_password" => Some(State::NewPassword),
            "done" => Some(State::Done),
            _ => None,
        }
    }
}

/// What the state machine knows of a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub state: State,
    pub purpose: Option<Purpose>,
    /// Gates to pass: 1 or 2.
    pub required: u8,
    /// Gates passed, in order; never the same method twice.
    pub passed: Vec<MethodKind>,
    /// The method being proven now, chosen from the ones offered.
    pub challenge: Option<MethodKind>,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    ChoosePurpose(Purpose),
    ChooseMethod(MethodKind),
    GateFailed,
    GatePassed(MethodKind),
    PasswordSet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error("the flow has expired")]
    Expired,
    #[error("this step is not the flow's current step")]
    WrongStep,
    #[error("this method was already used in this flow")]
    MethodReused,
    #[error("this method is not being verified")]
    NotChallenged,
}

impl Flow {
    pub fn new(required: u8, now: i64) -> Self {
        Flow {
            state: State::ChoosePurpose,
            purpose: None,
            required: required.clamp(1, 2),
            passed: Vec::new(),
            challenge: None,
            expires_at: now + FLOW_LIFETIME,
        }
    }

    /// Security questions are never the only gate: they may be chosen only once a
    /// stronger method has been proven in this flow.
    pub fn may_choose(&self, kind: MethodKind) -> bool {
        !self.passed.contains(&kind)
            && (kind != MethodKind::SecurityQuestions
                || self
                    .passed
                    .iter()
                    .any(|k| *k != MethodKind::SecurityQuestions))
    }

    /// 1-based number of the gate being worked on, for "step 1 of 2".
    pub fn gate_number(&self) -> usize {
        (self.passed.len() + 1).min(usize::from(self.required))
    }
}

/// The one way a flow changes. Pure: every check the server relies on to keep steps in
/// order is here, so it is tested exhaustively without a database.
pub fn transition(flow: &Flow, event: Event, now: i64) -> Result<Flow, FlowError> {
    if now >= flow.expires_at {
        return Err(FlowError::Expired);
    }
    let mut next = flow.clone();
    match (flow.state, event) {
        (State::ChoosePurpose, Event::ChoosePurpose(p)) => {
            next.purpose = Some(p);
            next.state = State::Verify;
        }
        (State::Verify, Event::ChooseMethod(kind)) => {
            if !flow.may_choose(kind) {
                return Err(FlowError::MethodReused);
            }
            next.challenge = Some(kind);
        }
        (State::Verify, Event::GateFailed) => {
            if flow.challenge.is_none() {
                return Err(FlowError::NotChallenged);
            }
        }
        (State::Verify, Event::GatePassed(kind)) => {
            if flow.challenge != Some(kind) {
                return Err(FlowError::NotChallenged);
            }
            if !flow.may_choose(kind) {
                return Err(FlowError::MethodReused);
            }
            next.passed.push(kind);
            next.challenge = None;
            if next.passed.len() >= usize::from(flow.required) {
                next.state = match flow.purpose {
                    Some(Purpose::Unlock) => State::Done,
                    _ => State::NewPassword,
                };
            }
        }
        (State::NewPassword, Event::PasswordSet) => {
            next.state = State::Done;
        }
        _ => return Err(FlowError::WrongStep),
    }
    Ok(next)
}

/// `YYYY-MM-DD` for unix seconds (UTC): the date of [`date_time_utc`].
pub fn date_utc(unix: i64) -> String {
    let full = date_time_utc(unix);
    full.get(..10).unwrap_or(&full).to_owned()
}

/// `YYYY-MM-DD HH:MM` for unix seconds (proleptic Gregorian, UTC).
pub fn date_time_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// `HH:MM` (UTC) of a unix time, for "try again after 14:05 UTC".
pub fn clock_time_utc(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const ALL_EVENTS: [Event; 14] = [
        Event::ChoosePurpose(Purpose::Reset),
        Event::ChoosePurpose(Purpose::Unlock),
        Event::ChooseMethod(MethodKind::Email),
        Event::ChooseMethod(MethodKind::Sms),
        Event::ChooseMethod(MethodKind::Authenticator),
        Event::ChooseMethod(MethodKind::RecoveryCodes),
        Event::ChooseMethod(MethodKind::SecurityQuestions),
        Event::GateFailed,
        Event::GatePassed(MethodKind::Email),
        Event::GatePassed(MethodKind::Sms),
        Event::GatePassed(MethodKind::Authenticator),
        Event::GatePassed(MethodKind::RecoveryCodes),
        Event::GatePassed(MethodKind::SecurityQuestions),
        Event::PasswordSet,
    ];

    fn run(flow: &Flow, events: &[Event]) -> Result<Flow, FlowError> {
        events
            .iter()
            .try_fold(flow.clone(), |f, e| transition(&f, *e, NOW + 1))
    }

    #[test]
    fn clock_time_is_hours_and_minutes_utc() {
        assert_eq!(clock_time_utc(0), "00:00");
        assert_eq!(clock_time_utc(86_400 + 14 * 3600 + 5 * 60 + 59), "14:05");
    }

    #[test]
    fn one_gate_reset_walks_to_done() {
        let f = run(
            &Flow::new(1, NOW),
            &[
                Event::ChoosePurpose(Purpose::Reset),
                Event::ChooseMethod(MethodKind::Email),
                Event::GateFailed,
                Event::GatePassed(MethodKind::Email),
            ],
        )
        .unwrap();
        assert_eq!(f.state, State::NewPassword);
        assert_eq!(f.passed, vec![MethodKind::Email]);
        let done = transition(&f, Event::PasswordSet, NOW + 2).unwrap();
        assert_eq!(done.state, State::Done);
    }

    #[test]
    fn two_gates_need_two_different_methods() {
        let after_one = run(
            &Flow::new(2, NOW),
            &[
                Event::ChoosePurpose(Purpose::Reset),
                Event::ChooseMethod(MethodKind::Authenticator),
                Event::GatePassed(MethodKind::Authenticator),
            ],
        )
        .unwrap();
        assert_eq!(after_one.state, State::Verify);
        assert_eq!(after_one.gate_number(), 2);
        assert_eq!(
            transition(
                &after_one,
                Event::ChooseMethod(MethodKind::Authenticator),
                NOW
            ),
            Err(FlowError::MethodReused)
        );
        let done = run(
            &after_one,
            &[
                Event::ChooseMethod(MethodKind::RecoveryCodes),
                Event::GatePassed(MethodKind::RecoveryCodes),
            ],
        )
        .unwrap();
        assert_eq!(done.state, State::NewPassword);
    }

    #[test]
    fn unlock_ends_without_a_new_password() {
        let f = run(
            &Flow::new(1, NOW),
            &[
                Event::ChoosePurpose(Purpose::Unlock),
                Event::ChooseMethod(MethodKind::Sms),
                Event::GatePassed(MethodKind::Sms),
            ],
        )
        .unwrap();
        assert_eq!(f.state, State::Done);
        assert_eq!(
            transition(&f, Event::PasswordSet, NOW),
            Err(FlowError::WrongStep)
        );
    }

    #[test]
    fn questions_are_never_the_first_or_only_gate() {
        let verifying = run(&Flow::new(2, NOW), &[Event::ChoosePurpose(Purpose::Reset)]).unwrap();
        assert_eq!(
            transition(
                &verifying,
                Event::ChooseMethod(MethodKind::SecurityQuestions),
                NOW
            ),
            Err(FlowError::MethodReused)
        );
        let after_email = run(
            &verifying,
            &[
                Event::ChooseMethod(MethodKind::Email),
                Event::GatePassed(MethodKind::Email),
                Event::ChooseMethod(MethodKind::SecurityQuestions),
                Event::GatePassed(MethodKind::SecurityQuestions),
            ],
        )
        .unwrap();
        assert_eq!(after_email.state, State::NewPassword);
    }

    #[test]
    fn a_gate_passes_only_for_the_method_being_verified() {
        let f = run(
            &Flow::new(1, NOW),
            &[
                Event::ChoosePurpose(Purpose::Reset),
                Event::ChooseMethod(MethodKind::Email),
            ],
        )
        .unwrap();
        assert_eq!(
            transition(&f, Event::GatePassed(MethodKind::Sms), NOW),
            Err(FlowError::NotChallenged)
        );
    }

    #[test]
    fn nothing_is_accepted_once_expired() {
        let f = Flow::new(1, NOW);
        for e in ALL_EVENTS {
            assert_eq!(
                transition(&f, e, NOW + FLOW_LIFETIME),
                Err(FlowError::Expired)
            );
        }
    }

    /// Exhaustive over every sequence of up to four events: a flow reaches NewPassword
    /// or Done only with `required` distinct gates passed, the purpose chosen first, and
    /// Done for a reset only after PasswordSet. No sequence skips a step.
    #[test]
    fn no_sequence_of_events_skips_a_step() {
        for required in 1..=2u8 {
            let start = Flow::new(required, NOW);
            let mut frontier = vec![(start, Vec::<Event>::new())];
            for _ in 0..5 {
                let mut next = Vec::new();
                for (flow, history) in &frontier {
                    for e in ALL_EVENTS {
                        let Ok(f) = transition(flow, e, NOW + 1) else {
                            continue;
                        };
                        let mut distinct = f.passed.clone();
                        distinct.dedup();
                        assert_eq!(distinct.len(), f.passed.len());
                        if matches!(f.state, State::NewPassword | State::Done) {
                            assert!(f.passed.len() >= usize::from(required), "{history:?}");
                            assert!(f.purpose.is_some());
                            assert!(f.passed.iter().any(|k| *k != MethodKind::SecurityQuestions));
                        }
                        if f.state == State::Done && f.purpose == Some(Purpose::Reset) {
                            assert_eq!(e, Event::PasswordSet);
                        }
                        let mut h = history.clone();
                        h.push(e);
                        next.push((f, h));
                    }
                }
                frontier = next;
            }
        }
    }
}
