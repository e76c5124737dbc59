//! The console's audit page: a GET filter form (the URL holds the filters and nothing
//! else, so it works without JavaScript and can be bookmarked), one server-side page of
//! events with links to the older and newer ones, and a CSV link for the filtered set.
//! Times show in the zone chosen in the form (UTC by default); once the wasm client runs,
//! in the browser's own zone unless one was chosen.
use crate::texts::audit as labels;

use super::AdminFrame;
use crate::api::admin::audit::activity::Activity;
use crate::api::admin::audit::filter::{
    local_time, offset_label, parse_tz, query_string, FilterProblem, FilterQuery, TZ_MAX, TZ_MIN,
};
use crate::api::admin::audit::{audit_events, AuditEntry, AuditPage};
use crate::components::FormError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <AdminFrame title=t_string!(i18n, admin_audit.title).to_string()>
            <p>{t!(i18n, admin_audit.intro)}</p>
            <AuditLog/>
        </AdminFrame>
    }
}

/// The browser's offset from UTC in minutes (east positive) at `unix` seconds, or now.
/// Per event, so times on the other side of a daylight-saving change are right too.
#[cfg(target_arch = "wasm32")]
fn browser_offset(unix: Option<i64>) -> Option<i32> {
    let date = match unix {
        Some(u) => js_sys::Date::new(&js_sys::Number::from(u as f64 * 1000.0).into()),
        None => js_sys::Date::new_0(),
    };
    Some(-(date.get_timezone_offset() as i32))
}

#[cfg(not(target_arch = "wasm32"))]
fn browser_offset(_unix: Option<i64>) -> Option<i32> {
    None
}

/// How times are shown: the zone in the URL, else the browser's (once hydrated), else UTC.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Zone {
    Fixed(i32),
    Browser,
}

impl Zone {
    fn offset_at(self, unix: i64) -> i32 {
        match self {
            Zone::Fixed(m) => m,
            Zone::Browser => browser_offset(Some(unix)).unwrap_or(0),
        }
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let m = params.read();
        let get = |k: &str| m.get(k).unwrap_or_default();
        FilterQuery {
            from: get("from"),
            to: get("to"),
            user: get("user"),
            activity: get("activity"),
            outcome: get("outcome"),
            ip: get("ip"),
            tz: get("tz"),
            before: get("before"),
            after: get("after"),
        }
    });
    let events = Resource::new(
        move || query.get(),
        |q| {
            audit_events(
                q.from, q.to, q.user, q.activity, q.outcome, q.ip, q.tz, q.before, q.after,
            )
        },
    );
    // Set once the wasm client runs (effects never run on the server).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let zone = Signal::derive(move || {
        let tz = query.read().tz.clone();
        match parse_tz(&tz) {
            Some(m) if !tz.trim().is_empty() => Zone::Fixed(m),
            _ if hydrated.get() => Zone::Browser,
            _ => Zone::Fixed(0),
        }
    });
    // The zone the form and the CSV link send: the chosen one, or the browser's now.
    let tz_value = Signal::derive(move || match zone.get() {
        Zone::Fixed(m) => m,
        Zone::Browser => browser_offset(None).map_or(0, |m| m - m.rem_euclid(15)),
    });
    view! {
        <FilterForm query=query tz_value=tz_value/>
        <Suspense fallback=move || view! { <p>{t!(i18n, account.loading)}</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Ok(page) if !page.problems.is_empty() => {
                        view! { <Problems problems=page.problems/> }.into_any()
                    }
                    Ok(page) => view! { <Events page=page query=query zone=zone tz_value=tz_value/> }.into_any(),
                    Err(e) => view! { <FormError error=Signal::stored(Some(e))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Problems(problems: Vec<FilterProblem>) -> impl IntoView {
    let i18n = use_i18n();
    let items = problems
        .into_iter()
        .map(|p| view! { <li>{move || labels::problem(i18n.get_locale(), p)}</li> })
        .collect_view();
    view! {
        <div id=ids::AUDIT_PROBLEMS class="form-error" role="alert">
            <p>{t!(i18n, admin_audit.problems_title)}</p>
            <ul>{items}</ul>
        </div>
    }
}

/// The filters, as typed (from the URL), sent back with a plain GET.
#[component]
fn FilterForm(query: Memo<FilterQuery>, tz_value: Signal<i32>) -> impl IntoView {
    let i18n = use_i18n();
    let q = query.get_untracked();
    let activities = Activity::ALL
        .into_iter()
        .map(|a| {
            let selected = q.activity == a.code();
            view! { <option value=a.code() selected=selected>{move || labels::activity(i18n.get_locale(), a)}</option> }
        })
        .collect_view();
    let initial_tz = parse_tz(&q.tz).unwrap_or(0);
    let zones = (TZ_MIN / 15..=TZ_MAX / 15)
        .map(|quarter| {
            let m = quarter * 15;
            view! { <option value=m.to_string() selected=m == initial_tz>{offset_label(m)}</option> }
        })
        .collect_view();
    view! {
        <form id=ids::AUDIT_FORM class="audit-filters" method="get" action=routes::ADMIN_AUDIT>
            <fieldset>
                <legend>{t!(i18n, admin_audit.filters_legend)}</legend>
                <div class="field">
                    <label for=ids::AUDIT_FROM>{t!(i18n, admin_audit.from)}</label>
                    <input id=ids::AUDIT_FROM type="date" name="from" value=q.from.clone()/>
                </div>
                <div class="field">
                    <label for=ids::AUDIT_TO>{t!(i18n, admin_audit.to)}</label>
                    <input id=ids::AUDIT_TO type="date" name="to" value=q.to.clone()/>
                </div>
                <div class="field">
                    <label for=ids::AUDIT_USER>{t!(i18n, admin_audit.user)}</label>
                    <input id=ids::AUDIT_USER type="text" name="user" autocomplete="off" spellcheck="false" value=q.user.clone()/>
                </div>
                <div class="field">
                    <label for=ids::AUDIT_ACTIVITY>{t!(i18n, admin_audit.activity)}</label>
                    <select id=ids::AUDIT_ACTIVITY name="activity">
                        <option value="" selected=q.activity.is_empty()>{t!(i18n, admin_audit.activity_any)}</option>
                        {activities}
                    </select>
                </div>
                <div class="field">
                    <label for=ids::AUDIT_OUTCOME>{t!(i18n, admin_audit.outcome)}</label>
                    <select id=ids::AUDIT_OUTCOME name="outcome">
                        <option value="" selected=q.outcome.is_empty()>{t!(i18n, admin_audit.outcome_any)}</option>
                        <option value="success" selected=q.outcome == "success">{t!(i18n, admin_audit.outcome_success)}</option>
                        <option value="failure" selected=q.outcome == "failure">{t!(i18n, admin_audit.outcome_failure)}</option>
                    </select>
                </div>
                <div class="field">
                    <label for=ids::AUDIT_IP>{t!(i18n, admin_audit.ip)}</label>
                    <input id=ids::AUDIT_IP type="text" name="ip" autocomplete="off" spellcheck="false" value=q.ip.clone()/>
                </div>
                <div class="field">
                    <label for=ids::AUDIT_TZ>{t!(i18n, admin_audit.tz)}</label>
                    <select id=ids::AUDIT_TZ name="tz" prop:value=move || tz_value.get().to_string()>{zones}</select>
                </div>
                <div class="actions">
                    <button id=ids::AUDIT_APPLY class="primary" type="submit">{t!(i18n, admin_audit.apply)}</button>
                    <a href=routes::ADMIN_AUDIT>{t!(i18n, admin_audit.clear)}</a>
                </div>
            </fieldset>
        </form>
    }
}

#[component]
fn Events(
    page: AuditPage,
    query: Memo<FilterQuery>,
    zone: Signal<Zone>,
    tz_value: Signal<i32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let csv_href = move || {
        let mut q = query.get();
        q.tz = tz_value.get().to_string();
        format!(
            "{}{}",
            routes::ADMIN_AUDIT_CSV,
            query_string(&q, None, None)
        )
    };
    let download = view! {
        <p><a id=ids::AUDIT_CSV href=csv_href download="regain-audit-log.csv">{t!(i18n, admin_audit.download)}</a></p>
    };
    if page.entries.is_empty() {
        return view! {
            <p id=ids::AUDIT_EMPTY>{t!(i18n, admin_audit.empty)}</p>
            {download}
        }
        .into_any();
    }
    let zone_label = move || match zone.get() {
        Zone::Fixed(m) => offset_label(m),
        Zone::Browser => t_string!(i18n, admin_audit.zone_browser).to_string(),
    };
    let headings = move || {
        labels::columns(i18n.get_locale())
            .into_iter()
            .map(|h| view! { <th scope="col">{h}</th> })
            .collect_view()
    };
    let rows = page
        .entries
        .into_iter()
        .map(|e| view! { <EventRow entry=e zone=zone/> })
        .collect_view();
    let link = move |id: &'static str, cursor: (Option<i64>, Option<i64>), text: String| {
        let href = format!(
            "{}{}",
            routes::ADMIN_AUDIT,
            query_string(&query.get_untracked(), cursor.0, cursor.1)
        );
        view! { <a id=id href=href>{text}</a> }
    };
    let newer = page.newer.map(|id| {
        link(
            ids::AUDIT_NEWER,
            (None, Some(id)),
            t_string!(i18n, admin_audit.newer).to_string(),
        )
    });
    let older = page.older.map(|id| {
        link(
            ids::AUDIT_OLDER,
            (Some(id), None),
            t_string!(i18n, admin_audit.older).to_string(),
        )
    });
    view! {
        {download}
        // A wide table scrolls sideways inside its region, which keyboard users can focus
        // to scroll it.
        <div class="table-scroll" role="region" tabindex="0" aria-labelledby=ids::AUDIT_CAPTION>
            <table id=ids::AUDIT_TABLE class="log audit-log">
                <caption id=ids::AUDIT_CAPTION>{move || t_string!(i18n, admin_audit.caption, zone = zone_label()).to_string()}</caption>
                <thead><tr>{headings}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="audit-pages" aria-label=move || t_string!(i18n, admin_audit.pages_label).to_string()>
            {newer}
            {older}
        </nav>
    }
    .into_any()
}

#[component]
fn EventRow(entry: AuditEntry, zone: Signal<Zone>) -> impl IntoView {
    let i18n = use_i18n();
    let e = entry;
    let at = e.at;
    let time = move || {
        let z = zone.get();
        local_time(at, z.offset_at(at))
    };
    let actor = e.actor.clone();
    let actor_text = move || {
        e.actor_email
            .clone()
            .unwrap_or_else(|| labels::actor(i18n.get_locale(), &actor))
    };
    let activity = e.activity;
    let success = e.success;
    view! {
        <tr data-activity=activity.code() data-outcome=if success { "success" } else { "failure" }>
            <td><time datetime=crate::api::admin::audit::filter::iso_time(at, 0)>{time}</time></td>
            <td>{actor_text}</td>
            <td>{e.subject_email.unwrap_or_default()}</td>
            <td>{move || labels::activity(i18n.get_locale(), activity)}</td>
            <td><code>{e.action}</code></td>
            <td>{move || labels::outcome(i18n.get_locale(), success)}</td>
            <td>{e.ip}</td>
            <td><code>{e.detail}</code></td>
        </tr>
    }
}
