//! The console's insights area, on the server: the organisation's audit events and users
//! counted ([`aggregate`]) and drawn ([`chart`]) in the viewer's language.
pub mod aggregate;
pub mod chart;

use super::Admin;
use crate::domain::console::insights::{Charts, InsightsView, Unregistered};
use crate::domain::methods::{self, Registered};
use crate::domain::policy::OrgPolicy;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::server::state::AppState;
use crate::server::store::{Organisation, Role, User, UserStatus};
use aggregate::{Tally, DAY};
use chart::{Frame, Series};
use leptos_i18n::td_string;

/// Whether the account has enough verified methods to recover on its own under the
/// policy: the rule of "more information required", whether or not the organisation
/// makes registration compulsory.
pub fn can_recover(policy: &OrgPolicy, user: &User, have: &Registered) -> bool {
    let strict = OrgPolicy {
        require_registration: true,
        ..policy.clone()
    };
    !methods::needs_registration(&strict, user.role == Role::GlobalAdmin, have)
}

/// The organisation's active users split into those who can recover and those who
/// can't yet. Three queries a user (`security_info::registered`): fine for the hundreds
/// of users of an organisation, to be batched for tens of thousands.
pub async fn registration(
    state: &AppState,
    org: &Organisation,
) -> Result<(u32, Vec<Unregistered>), AppError> {
    let mut yes = 0u32;
    let mut no = Vec::new();
    for user in state.store.list_users(Some(org.id)).await? {
        if user.status != UserStatus::Active {
            continue;
        }
        let have = crate::server::security_info::registered(
            state,
            &user,
            org.policy.questions_to_register,
        )
        .await?;
        if can_recover(&org.policy, &user, &have) {
            yes += 1;
        } else {
            no.push(Unregistered {
                name: user.display_name,
                email: user.email,
            });
        }
    }
    Ok((yes, no))
}

pub async fn insights(
    state: &AppState,
    admin: &Admin,
    days: u32,
    locale: Locale,
) -> Result<InsightsView, AppError> {
    let first = aggregate::first_day(state.now(), days);
    let events = state
        .store
        .insight_events(admin.org.id, first * DAY)
        .await?;
    let tally = aggregate::tally(&events, first, days);
    let (registered, not_registered) = registration(state, &admin.org).await?;
    let charts = draw(locale, days, &tally, registered, not_registered.len());
    Ok(InsightsView {
        days,
        activity: tally.activity,
        funnel: tally.funnel,
        methods: tally.methods,
        registered,
        not_registered,
        charts,
    })
}

/// `part` of `whole` as a whole percentage.
pub fn percent(part: u32, whole: u32) -> String {
    if whole == 0 {
        return "0%".into();
    }
    format!(
        "{}%",
        (u64::from(part) * 100 + u64::from(whole) / 2) / u64::from(whole)
    )
}

/// The translated name of a method.
pub fn method_label(locale: Locale, kind: crate::domain::policy::MethodKind) -> String {
    crate::texts::methods::name(locale, kind)
}

fn draw(locale: Locale, days: u32, t: &Tally, registered: u32, unregistered: usize) -> Charts {
    let labels: Vec<String> = t.activity.iter().map(|d| d.day.clone()).collect();
    let resets: Vec<u32> = t.activity.iter().map(|d| d.resets).collect();
    let unlocks: Vec<u32> = t.activity.iter().map(|d| d.unlocks).collect();
    let blocked: Vec<u32> = t.activity.iter().map(|d| d.blocked()).collect();
    let sum = |v: &[u32]| v.iter().sum::<u32>();
    let resets_name = td_string!(locale, admin_insights.resets).to_string();
    let unlocks_name = td_string!(locale, admin_insights.unlocks).to_string();
    let activity = chart::columns(
        &Frame {
            id: "chart-activity",
            title: td_string!(locale, admin_insights.activity_title),
            desc: &td_string!(
                locale,
                admin_insights.activity_desc,
                resets = sum(&resets),
                unlocks = sum(&unlocks),
                n = days
            )
            .to_string(),
        },
        &labels,
        &[
            Series {
                name: &resets_name,
                values: &resets,
            },
            Series {
                name: &unlocks_name,
                values: &unlocks,
            },
        ],
    );
    let blocked_name = td_string!(locale, admin_insights.blocked).to_string();
    let blocked_chart = chart::columns(
        &Frame {
            id: "chart-blocked",
            title: td_string!(locale, admin_insights.blocked_title),
            desc: &td_string!(
                locale,
                admin_insights.blocked_desc,
                n = sum(&blocked),
                days = days
            )
            .to_string(),
        },
        &labels,
        &[Series {
            name: &blocked_name,
            values: &blocked,
        }],
    );
    let steps = t.funnel.steps();
    let step_labels = vec![
        td_string!(locale, admin_insights.step_started).to_string(),
        td_string!(locale, admin_insights.step_purpose).to_string(),
        td_string!(locale, admin_insights.step_first_gate).to_string(),
        td_string!(locale, admin_insights.step_second_gate).to_string(),
        td_string!(locale, admin_insights.step_done).to_string(),
    ];
    let shares: Vec<String> = steps
        .iter()
        .map(|s| percent(*s, t.funnel.started))
        .collect();
    let flows_name = td_string!(locale, admin_insights.col_flows).to_string();
    let funnel = chart::rows(
        &Frame {
            id: "chart-funnel",
            title: td_string!(locale, admin_insights.funnel_title),
            desc: &td_string!(
                locale,
                admin_insights.funnel_desc,
                started = t.funnel.started,
                done = t.funnel.done
            )
            .to_string(),
        },
        &step_labels,
        &[Series {
            name: &flows_name,
            values: &steps,
        }],
        &shares,
    );
    let method_labels: Vec<String> = t
        .methods
        .iter()
        .map(|m| method_label(locale, m.kind))
        .collect();
    let passed: Vec<u32> = t.methods.iter().map(|m| m.passed).collect();
    let failed: Vec<u32> = t.methods.iter().map(|m| m.failed).collect();
    let passed_name = td_string!(locale, admin_insights.passed).to_string();
    let failed_name = td_string!(locale, admin_insights.failed).to_string();
    let methods_chart = chart::rows(
        &Frame {
            id: "chart-methods",
            title: td_string!(locale, admin_insights.methods_title),
            desc: &td_string!(
                locale,
                admin_insights.methods_desc,
                passed = sum(&passed),
                failed = sum(&failed)
            )
            .to_string(),
        },
        &method_labels,
        &[
            Series {
                name: &passed_name,
                values: &passed,
            },
            Series {
                name: &failed_name,
                values: &failed,
            },
        ],
        &[],
    );
    let no = u32::try_from(unregistered).unwrap_or(u32::MAX);
    let total = registered.saturating_add(no);
    let registration = chart::donut(
        &Frame {
            id: "chart-registration",
            title: td_string!(locale, admin_insights.registration_title),
            desc: &td_string!(
                locale,
                admin_insights.registration_desc,
                yes = registered,
                total = total
            )
            .to_string(),
        },
        &[
            (
                td_string!(locale, admin_insights.registered).to_string(),
                registered,
            ),
            (
                td_string!(locale, admin_insights.not_registered).to_string(),
                no,
            ),
        ],
        &percent(registered, total),
    );
    Charts {
        activity,
        funnel,
        methods: methods_chart,
        blocked: blocked_chart,
        registration,
    }
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percentages_round_and_survive_zero() {
        assert_eq!(percent(0, 0), "0%");
        assert_eq!(percent(1, 3), "33%");
        assert_eq!(percent(2, 3), "67%");
        assert_eq!(percent(5, 5), "100%");
    }
}
