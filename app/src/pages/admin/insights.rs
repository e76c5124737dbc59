//! The console's insights page: charts drawn on the server (SVG, `role="img"`, with a
//! title and a description), each with a table of every number next to it, and the list
//! of users who can't recover on their own yet. The period is a plain GET form.
use super::AdminFrame;
use crate::api::admin::insights::{admin_insights, period, InsightsView, PERIODS};
use crate::i18n::*;
use crate::pages::security::{kind_label, load_failed};
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

type I18n = leptos_i18n::I18nContext<Locale>;

#[component]
pub fn AdminInsightsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let days = move || query.with(|q| q.get("days").and_then(|d| d.parse::<u32>().ok()));
    let data = Resource::new(days, admin_insights);
    view! {
        <AdminFrame title=t_string!(i18n, admin_insights.title).to_string()>
            <p>{t!(i18n, admin_insights.intro)}</p>
            <form method="get" action=routes::ADMIN class="period-form">
                <label for=ids::INSIGHTS_PERIOD>{t!(i18n, admin_insights.period_label)}</label>
                <select id=ids::INSIGHTS_PERIOD name="days">
                    {PERIODS
                        .into_iter()
                        .map(|n| {
                            view! {
                                <option value=n.to_string() selected=move || period(days()) == n>
                                    {t_string!(i18n, admin_insights.period_days, n = n).to_string()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit">{t!(i18n, admin_insights.period_submit)}</button>
            </form>
            <Suspense fallback=move || view! { <p>{t!(i18n, account.loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => insights(i18n, v),
                        Err(e) => load_failed(e),
                    }
                })}
            </Suspense>
        </AdminFrame>
    }
}

/// `part` of `whole` as a whole percentage (as the chart writes it).
fn percent(part: u32, whole: u32) -> String {
    if whole == 0 {
        return "0%".into();
    }
    format!(
        "{}%",
        (u64::from(part) * 100 + u64::from(whole) / 2) / u64::from(whole)
    )
}

/// One chart: a heading, the SVG, and its numbers in a table.
fn figure(i18n: I18n, id: &'static str, heading: String, svg: String, table: AnyView) -> AnyView {
    let heading_id = format!("{id}-heading");
    let labelled_by = heading_id.clone();
    view! {
        <section id=id class="insight" aria-labelledby=labelled_by>
            <h2 id=heading_id>{heading}</h2>
            // Our own SVG, drawn on the server from counts; labels are escaped there.
            <div class="chart-box" inner_html=svg></div>
            <details>
                <summary>{t!(i18n, admin_insights.table)}</summary>
                {table}
            </details>
        </section>
    }
    .into_any()
}

fn insights(i18n: I18n, v: InsightsView) -> AnyView {
    let charts = v.charts.clone();
    let activity_rows = v.activity.clone();
    let activity_table = view! {
        <table class="data">
            <thead><tr>
                <th scope="col">{t!(i18n, admin_insights.col_day)}</th>
                <th scope="col">{t!(i18n, admin_insights.resets)}</th>
                <th scope="col">{t!(i18n, admin_insights.unlocks)}</th>
            </tr></thead>
            <tbody>
                {activity_rows.into_iter().map(|d| view! {
                    <tr><th scope="row">{d.day}</th><td class="num">{d.resets}</td><td class="num">{d.unlocks}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any();
    let steps = v.funnel.steps();
    let started = v.funnel.started;
    let step_names = [
        t_string!(i18n, admin_insights.step_started).to_string(),
        t_string!(i18n, admin_insights.step_purpose).to_string(),
        t_string!(i18n, admin_insights.step_first_gate).to_string(),
        t_string!(i18n, admin_insights.step_second_gate).to_string(),
        t_string!(i18n, admin_insights.step_done).to_string(),
    ];
    let funnel_table = view! {
        <table class="data">
            <thead><tr>
                <th scope="col">{t!(i18n, admin_insights.col_step)}</th>
                <th scope="col">{t!(i18n, admin_insights.col_flows)}</th>
                <th scope="col">{t!(i18n, admin_insights.col_share)}</th>
            </tr></thead>
            <tbody>
                {step_names.into_iter().zip(steps).map(|(name, n)| view! {
                    <tr><th scope="row">{name}</th><td class="num">{n}</td><td class="num">{percent(n, started)}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
        <p class="hint">{t!(i18n, admin_insights.funnel_note)}</p>
    }
    .into_any();
    let methods = v.methods.clone();
    let methods_table = view! {
        <table class="data">
            <thead><tr>
                <th scope="col">{t!(i18n, admin_insights.col_method)}</th>
                <th scope="col">{t!(i18n, admin_insights.passed)}</th>
                <th scope="col">{t!(i18n, admin_insights.failed)}</th>
            </tr></thead>
            <tbody>
                {methods.into_iter().map(|m| view! {
                    <tr><th scope="row">{kind_label(i18n, m.kind)}</th><td class="num">{m.passed}</td><td class="num">{m.failed}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any();
    let blocked_rows = v.activity.clone();
    let blocked_table = view! {
        <table class="data">
            <thead><tr>
                <th scope="col">{t!(i18n, admin_insights.col_day)}</th>
                <th scope="col">{t!(i18n, admin_insights.paused)}</th>
                <th scope="col">{t!(i18n, admin_insights.locked)}</th>
                <th scope="col">{t!(i18n, admin_insights.frozen)}</th>
                <th scope="col">{t!(i18n, admin_insights.total)}</th>
            </tr></thead>
            <tbody>
                {blocked_rows.into_iter().map(|d| {
                    let total = d.blocked();
                    view! {
                        <tr>
                            <th scope="row">{d.day}</th>
                            <td class="num">{d.paused}</td>
                            <td class="num">{d.locked}</td>
                            <td class="num">{d.frozen}</td>
                            <td class="num">{total}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any();
    let not_registered = u32::try_from(v.not_registered.len()).unwrap_or(u32::MAX);
    let registration_table = view! {
        <table class="data">
            <thead><tr>
                <th scope="col">{t!(i18n, admin_insights.registration_title)}</th>
                <th scope="col">{t!(i18n, admin_insights.col_group)}</th>
            </tr></thead>
            <tbody>
                <tr><th scope="row">{t!(i18n, admin_insights.registered)}</th><td class="num">{v.registered}</td></tr>
                <tr><th scope="row">{t!(i18n, admin_insights.not_registered)}</th><td class="num">{not_registered}</td></tr>
            </tbody>
        </table>
    }
    .into_any();
    let people = v.not_registered.clone();
    view! {
        <p class="hint">{t!(i18n, admin_insights.period_shown, n = v.days)}</p>
        <div class="insights">
            {figure(i18n, ids::INSIGHTS_ACTIVITY, t_string!(i18n, admin_insights.activity_title).to_string(), charts.activity, activity_table)}
            {figure(i18n, ids::INSIGHTS_FUNNEL, t_string!(i18n, admin_insights.funnel_title).to_string(), charts.funnel, funnel_table)}
            {figure(i18n, ids::INSIGHTS_METHODS, t_string!(i18n, admin_insights.methods_title).to_string(), charts.methods, methods_table)}
            {figure(i18n, ids::INSIGHTS_BLOCKED, t_string!(i18n, admin_insights.blocked_title).to_string(), charts.blocked, blocked_table)}
            {figure(i18n, ids::INSIGHTS_REGISTRATION, t_string!(i18n, admin_insights.registration_title).to_string(), charts.registration, registration_table)}
        </div>
        <section class="insight" aria-labelledby="insights-unregistered-heading">
            <h2 id="insights-unregistered-heading">{t!(i18n, admin_insights.not_registered_list)}</h2>
            {if people.is_empty() {
                view! { <p id=ids::INSIGHTS_UNREGISTERED>{t!(i18n, admin_insights.everyone_registered)}</p> }.into_any()
            } else {
                view! {
                    <ul id=ids::INSIGHTS_UNREGISTERED class="people">
                        {people.into_iter().map(|p| view! { <li>{p.name}" "<span class="muted">"("{p.email}")"</span></li> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <p><a href=routes::ADMIN_USERS>{t!(i18n, admin_insights.users_link)}</a></p>
        </section>
    }
    .into_any()
}
