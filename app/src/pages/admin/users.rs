//! The console's users page: search (a plain GET form), one page of users with their
//! method types and last activity, and a disable / enable form per row. No control here
//! sets, resets or shows a password, a code or an answer.
use super::AdminFrame;
use crate::api::admin::users::{admin_users, DisableUser, EnableUser, UserRow, UsersView};
use crate::components::FormError;
use crate::i18n::*;
use crate::pages::security::{error_of, first_error, kind_label, load_failed};
use crate::routes::{self, ids, percent_encode};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

type I18n = leptos_i18n::I18nContext<Locale>;

/// The search as the query string holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Search {
    q: String,
    role: String,
    status: String,
    page: u32,
}

impl Search {
    fn page_link(&self, page: u32) -> String {
        format!(
            "{}?q={}&role={}&status={}&page={page}",
            routes::ADMIN_USERS,
            percent_encode(&self.q),
            percent_encode(&self.role),
            percent_encode(&self.status)
        )
    }
}

#[derive(Clone, Copy)]
struct Actions {
    disable: ServerAction<DisableUser>,
    enable: ServerAction<EnableUser>,
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let search = move || {
        query.with(|q| Search {
            q: q.get("q").unwrap_or_default(),
            role: q.get("role").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        })
    };
    let actions = Actions {
        disable: ServerAction::<DisableUser>::new(),
        enable: ServerAction::<EnableUser>::new(),
    };
    let data = Resource::new(
        move || {
            (
                search(),
                actions.disable.version().get(),
                actions.enable.version().get(),
            )
        },
        |(s, _, _)| admin_users(Some(s.q), Some(s.role), Some(s.status), Some(s.page)),
    );
    let error = first_error(vec![error_of(actions.disable), error_of(actions.enable)]);
    let done = move || query.with(|q| q.get("done"));
    view! {
        <AdminFrame title=t_string!(i18n, admin_users.title).to_string()>
            <p>{t!(i18n, admin_users.intro)}</p>
            {move || {
                done()
                    .and_then(|d| {
                        let text = match d.as_str() {
                            "disabled" => t_string!(i18n, admin_users.done_disabled),
                            "enabled" => t_string!(i18n, admin_users.done_enabled),
                            _ => return None,
                        };
                        Some(view! { <p id=ids::USERS_NOTICE class="notice" role="status">{text}</p> })
                    })
            }}
            <FormError error/>
            {move || search_form(i18n, search())}
            <Suspense fallback=move || view! { <p>{t!(i18n, account.loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => users(i18n, v, search(), actions),
                        Err(e) => load_failed(e),
                    }
                })}
            </Suspense>
        </AdminFrame>
    }
}

fn search_form(i18n: I18n, s: Search) -> impl IntoView {
    let option = move |value: &'static str, label: String, current: &str| {
        let selected = value == current;
        view! { <option value=value selected=selected>{label}</option> }
    };
    view! {
        <form id=ids::USERS_SEARCH method="get" action=routes::ADMIN_USERS class="search-form">
            <div class="field">
                <label for=ids::USERS_QUERY>{t!(i18n, admin_users.search_label)}</label>
                <input id=ids::USERS_QUERY name="q" type="search" maxlength="200" value=s.q.clone()/>
            </div>
            <div class="field">
                <label for=ids::USERS_ROLE>{t!(i18n, admin_users.role_label)}</label>
                <select id=ids::USERS_ROLE name="role">
                    {option("", t_string!(i18n, admin_users.role_any).to_string(), &s.role)}
                    {option("user", t_string!(i18n, admin_users.role_user).to_string(), &s.role)}
                    {option("global_admin", t_string!(i18n, admin_users.role_admin).to_string(), &s.role)}
                </select>
            </div>
            <div class="field">
                <label for=ids::USERS_STATUS>{t!(i18n, admin_users.status_label)}</label>
                <select id=ids::USERS_STATUS name="status">
                    {option("", t_string!(i18n, admin_users.status_any).to_string(), &s.status)}
                    {option("active", t_string!(i18n, admin_users.status_active).to_string(), &s.status)}
                    {option("disabled", t_string!(i18n, admin_users.status_disabled).to_string(), &s.status)}
                </select>
            </div>
            <button type="submit">{t!(i18n, admin_users.search_submit)}</button>
        </form>
    }
}

fn users(i18n: I18n, v: UsersView, s: Search, a: Actions) -> AnyView {
    if v.rows.is_empty() {
        return view! { <p>{t!(i18n, admin_users.no_results)}</p> }.into_any();
    }
    let (page, pages) = (v.page, v.pages);
    let prev = (page > 1).then(|| s.page_link(page - 1));
    let next = (page < pages).then(|| s.page_link(page + 1));
    view! {
        <p role="status">{t!(i18n, admin_users.results, n = v.total)}</p>
        <table id=ids::USERS_TABLE class="data users">
            <caption>{t!(i18n, admin_users.caption)}</caption>
            <thead><tr>
                <th scope="col">{t!(i18n, admin_users.col_name)}</th>
                <th scope="col">{t!(i18n, admin_users.col_email)}</th>
                <th scope="col">{t!(i18n, admin_users.col_role)}</th>
                <th scope="col">{t!(i18n, admin_users.col_status)}</th>
                <th scope="col">{t!(i18n, admin_users.col_methods)}</th>
                <th scope="col">{t!(i18n, admin_users.col_last_signin)}</th>
                <th scope="col">{t!(i18n, admin_users.col_last_recovery)}</th>
                <th scope="col">{t!(i18n, admin_users.col_actions)}</th>
            </tr></thead>
            <tbody>
                {v.rows.into_iter().map(|r| row(i18n, r, a)).collect_view()}
            </tbody>
        </table>
        <nav id=ids::USERS_PAGES class="pages" aria-label=t_string!(i18n, admin_users.pages_label).to_string()>
            {prev.map(|href| view! { <a href=href rel="prev">{t!(i18n, admin_users.previous)}</a> })}
            <span>{t!(i18n, admin_users.page_of, page = page, pages = pages)}</span>
            {next.map(|href| view! { <a href=href rel="next">{t!(i18n, admin_users.next)}</a> })}
        </nav>
    }
    .into_any()
}

fn row(i18n: I18n, r: UserRow, a: Actions) -> impl IntoView {
    let never = || t_string!(i18n, admin_users.never).to_string();
    let methods = if r.methods.is_empty() {
        t_string!(i18n, admin_users.no_methods).to_string()
    } else {
        r.methods
            .iter()
            .map(|k| kind_label(i18n, *k))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let recover = if r.can_recover {
        t_string!(i18n, admin_users.can_recover).to_string()
    } else {
        t_string!(i18n, admin_users.cannot_recover).to_string()
    };
    let action = if r.is_self {
        view! { <span class="muted">{t!(i18n, admin_users.you)}</span> }.into_any()
    } else if r.active {
        let label = t_string!(i18n, admin_users.disable_named, name = r.name.clone()).to_string();
        view! {
            <ActionForm action=a.disable attr:class="inline">
                <input type="hidden" name="user" value=r.id.to_string()/>
                <button type="submit" class="link-button" aria-label=label>{t!(i18n, admin_users.disable)}</button>
            </ActionForm>
        }
        .into_any()
    } else {
        let label = t_string!(i18n, admin_users.enable_named, name = r.name.clone()).to_string();
        view! {
            <ActionForm action=a.enable attr:class="inline">
                <input type="hidden" name="user" value=r.id.to_string()/>
                <button type="submit" class="link-button" aria-label=label>{t!(i18n, admin_users.enable)}</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <tr data-user=r.id.to_string()>
            <th scope="row">{r.name}</th>
            <td class="email">{r.email}</td>
            <td>{if r.admin { t_string!(i18n, admin_users.role_admin).to_string() } else { t_string!(i18n, admin_users.role_user).to_string() }}</td>
            <td>{if r.active { t_string!(i18n, admin_users.status_active).to_string() } else { t_string!(i18n, admin_users.status_disabled).to_string() }}</td>
            <td>{methods}<br/><span class="muted">{recover}</span></td>
            <td>{r.last_signin.unwrap_or_else(never)}</td>
            <td>{r.last_recovery.unwrap_or_else(never)}</td>
            <td>{action}</td>
        </tr>
    }
}
