//! From audit events to the insights' numbers. Pure: the events and the period come in.
//!
//! The audit log has no flow id, so the funnel follows each account's events in time
//! order: a `recovery.start` opens a flow, the purpose, gates and the final reset or
//! unlock move it on. The last gate of a flow is not always its own event (the one that
//! finishes an unlock is recorded as the unlock, whose detail lists the gates passed), so
//! the gates a finished flow passed come from that list. Two flows of the same account
//! interleaved in time count as one; flows started before the period are not counted.
use crate::domain::console::insights::{DayActivity, Funnel, MethodUse};
use crate::domain::policy::MethodKind;
use crate::server::store::insights::InsightEvent;
use std::collections::HashMap;

pub const DAY: i64 = 86_400;

/// The numbers behind the charts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub activity: Vec<DayActivity>,
    pub funnel: Funnel,
    pub methods: Vec<MethodUse>,
}

/// The first day (days since 1970, UTC) of a period of `days` days ending today.
pub fn first_day(now: i64, days: u32) -> i64 {
    now.div_euclid(DAY) - i64::from(days) + 1
}

/// `YYYY-MM-DD` of a day number.
pub fn iso_day(day: i64) -> String {
    crate::domain::recovery::date_utc(day * DAY)
}

pub const METHOD_ORDER: [MethodKind; 6] = MethodKind::ALL;

#[derive(Default)]
struct Track {
    purpose: bool,
    gates: u32,
    done: bool,
}

/// Counts `events` (oldest first) into `days` days starting at day `first`.
pub fn tally(events: &[InsightEvent], first: i64, days: u32) -> Tally {
    let mut activity: Vec<DayActivity> = (0..i64::from(days))
        .map(|d| DayActivity {
            day: iso_day(first + d),
            ..DayActivity::default()
        })
        .collect();
    let mut methods: Vec<MethodUse> = METHOD_ORDER
        .into_iter()
        .map(|kind| MethodUse {
            kind,
            passed: 0,
            failed: 0,
        })
        .collect();
    let mut flows: Vec<Track> = Vec::new();
    let mut open: HashMap<i64, usize> = HashMap::new();
    let success = |e: &InsightEvent| e.outcome == "success";
    for e in events {
        let day = usize::try_from(e.at.div_euclid(DAY) - first)
            .ok()
            .and_then(|i| activity.get_mut(i));
        let Some(day) = day else { continue };
        let flow = e
            .subject_user_id
            .and_then(|u| open.get(&u).copied())
            .and_then(|i| flows.get_mut(i));
        match e.action.as_str() {
            "recovery.start" => {
                if let Some(u) = e.subject_user_id {
                    open.insert(u, flows.len());
                    flows.push(Track::default());
                }
            }
            "recovery.purpose" if success(e) => {
                if let Some(f) = flow {
                    f.purpose = true;
                }
            }
            "recovery.gate" => {
                if let Some(m) = MethodKind::parse(&e.detail)
                    .and_then(|k| methods.iter_mut().find(|m| m.kind == k))
                {
                    if success(e) {
                        m.passed += 1;
                    } else {
                        m.failed += 1;
                    }
                }
                if let (true, Some(f)) = (success(e), flow) {
                    f.purpose = true;
                    f.gates += 1;
                }
            }
            "recovery.reset" | "recovery.unlock" if success(e) => {
                if e.action == "recovery.reset" {
                    day.resets += 1;
                } else {
                    day.unlocks += 1;
                }
                if let Some(f) = flow {
                    let listed = e.detail.split(',').filter(|s| !s.is_empty()).count();
                    f.gates = f.gates.max(u32::try_from(listed).unwrap_or(u32::MAX));
                    f.purpose = true;
                    f.done = true;
                }
                if let Some(u) = e.subject_user_id {
                    open.remove(&u);
                }
            }
            "recovery.paused" => day.paused += 1,
            "signin" if e.detail == "locked" => day.locked += 1,
            "signin" if e.detail == "frozen" => day.frozen += 1,
            _ => {}
        }
    }
    let n = |f: &dyn Fn(&Track) -> bool| {
        u32::try_from(flows.iter().filter(|t| f(t)).count()).unwrap_or(u32::MAX)
    };
    let funnel = Funnel {
        started: n(&|_| true),
        purpose: n(&|t| t.purpose),
        first_gate: n(&|t| t.gates >= 1),
        second_gate: n(&|t| t.gates >= 2),
        done: n(&|t| t.done),
    };
    Tally {
        activity,
        funnel,
        methods,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000; // 2027-01-15 08:00 UTC

    fn ev(at: i64, user: i64, action: &str, outcome: &str, detail: &str) -> InsightEvent {
        InsightEvent {
            at,
            subject_user_id: Some(user),
            action: action.into(),
            outcome: outcome.into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn days_end_today_and_are_iso_dates() {
        let first = first_day(T0, 7);
        assert_eq!(iso_day(first + 6), "2027-01-15");
        assert_eq!(iso_day(first), "2027-01-09");
        let t = tally(&[], first, 7);
        assert_eq!(t.activity.len(), 7);
        assert_eq!(t.activity[6].day, "2027-01-15");
        assert_eq!(t.funnel, Funnel::default());
    }

    #[test]
    fn counts_per_day_and_blocked_kinds() {
        let first = first_day(T0, 7);
        let e = [
            ev(T0 - DAY, 1, "recovery.reset", "success", "email"),
            ev(T0, 1, "recovery.reset", "success", "email"),
            ev(T0, 2, "recovery.unlock", "success", "email,sms"),
            ev(T0, 2, "recovery.paused", "failure", "123"),
            ev(T0, 3, "signin", "failure", "locked"),
            ev(T0, 3, "signin", "failure", "frozen"),
            ev(T0, 3, "signin", "failure", "wrong_password"),
            // Outside the period: not counted anywhere.
            ev(T0 - 8 * DAY, 1, "recovery.reset", "success", "email"),
        ];
        let t = tally(&e, first, 7);
        let today = &t.activity[6];
        assert_eq!((today.resets, today.unlocks), (1, 1));
        assert_eq!((today.paused, today.locked, today.frozen), (1, 1, 1));
        assert_eq!(today.blocked(), 3);
        assert_eq!(t.activity[5].resets, 1);
        assert_eq!(t.activity.iter().map(|d| d.resets).sum::<u32>(), 2);
    }

    #[test]
    fn funnel_follows_each_account_and_methods_count_passes_and_failures() {
        let first = first_day(T0, 7);
        let s = "success";
        let f = "failure";
        let e = [
            // 1: a full two-gate reset.
            ev(T0, 1, "recovery.start", s, ""),
            ev(T0 + 1, 1, "recovery.purpose", s, "reset"),
            ev(T0 + 2, 1, "recovery.gate", f, "sms"),
            ev(T0 + 3, 1, "recovery.gate", s, "email"),
            ev(T0 + 4, 1, "recovery.gate", s, "sms"),
            ev(T0 + 5, 1, "recovery.reset", s, "email,sms"),
            // 2: purpose chosen, then gave up.
            ev(T0, 2, "recovery.start", s, ""),
            ev(T0 + 1, 2, "recovery.purpose", s, "unlock"),
            // 3: an unlock whose finishing gate is only in the unlock's detail.
            ev(T0, 3, "recovery.start", s, ""),
            ev(T0 + 1, 3, "recovery.purpose", s, "unlock"),
            ev(T0 + 3, 3, "recovery.unlock", s, "authenticator"),
            // 4: started only; then started again and passed one gate.
            ev(T0, 4, "recovery.start", s, ""),
            ev(T0 + 9, 4, "recovery.start", s, ""),
            ev(T0 + 10, 4, "recovery.purpose", s, "reset"),
            ev(T0 + 11, 4, "recovery.gate", s, "recovery_codes"),
            // 5: a reset whose start is before the period: not a flow of the period.
            ev(T0 + 12, 5, "recovery.reset", s, "email"),
        ];
        let t = tally(&e, first, 7);
        assert_eq!(
            t.funnel,
            Funnel {
                started: 5,
                purpose: 4,
                first_gate: 3,
                second_gate: 1,
                done: 2
            }
        );
        let m = |k: MethodKind| t.methods.iter().find(|m| m.kind == k).unwrap().clone();
        assert_eq!(
            (m(MethodKind::Sms).passed, m(MethodKind::Sms).failed),
            (1, 1)
        );
        assert_eq!(m(MethodKind::Email).passed, 1);
        assert_eq!(m(MethodKind::RecoveryCodes).passed, 1);
        assert_eq!(m(MethodKind::Authenticator).passed, 0);
        assert_eq!(t.activity[6].resets, 2);
        assert_eq!(t.activity[6].unlocks, 1);
    }
}
