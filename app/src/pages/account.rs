//! The signed-in user's account. Rendered only for a live session: anyone else is sent
//! to sign in, and a user with a temporary password to change it first.
use crate::api::account::{current_account, recovery_log, RecoveryLogEntry};
use crate::api::auth::Logout;
use crate::components::FormError;
use crate::error::AppError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let account = Resource::new(|| (), |_| current_account());
    let logout = ServerAction::<Logout>::new();
    let logout_error = Signal::derive(move || logout.value().get().and_then(Result::err));
    // Set by the redirect after a successful change; it carries no secret.
    let query = leptos_router::hooks::use_query_map();
    let changed = move || query.with(|q| q.get("changed").as_deref() == Some("password"));
    view! {
        <Title text=t_string!(i18n, account.title).to_string()/>
        <h1>{t!(i18n, account.title)}</h1>
        <Show when=changed>
            <p id=ids::ACCOUNT_NOTICE class="notice" role="status">
                {t!(i18n, account.password_changed)}
            </p>
        </Show>
        <Suspense fallback=move || view! { <p>{t!(i18n, account.loading)}</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(a) if a.must_change_password => {
                        view! { <Redirect path=routes::CHANGE_PASSWORD/> }.into_any()
                    }
                    Ok(a) if a.registration_required => {
                        view! { <Redirect path=routes::SECURITY_REQUIRED/> }.into_any()
                    }
                    Ok(a) => {
                        view! {
                            <dl class="facts">
                                <dt>{t!(i18n, account.name)}</dt>
                                <dd id=ids::ACCOUNT_NAME>{a.display_name}</dd>
                                <dt>{t!(i18n, account.email)}</dt>
                                <dd id=ids::ACCOUNT_EMAIL>{a.email}</dd>
                                <dt>{t!(i18n, account.organisation)}</dt>
                                <dd>{a.organisation}</dd>
                                <dt>{t!(i18n, account.role)}</dt>
                                <dd>
                                    {if a.global_admin {
                                        t!(i18n, role.global_admin).into_any()
                                    } else {
                                        t!(i18n, role.user).into_any()
                                    }}
                                </dd>
                            </dl>
                            <ul class="links">
                                <li>
                                    <a id=ids::SECURITY_INFO_LINK href=routes::SECURITY_INFO>
                                        {t!(i18n, account.security_info)}
                                    </a>
                                </li>
                                <li>
                                    <a id=ids::CHANGE_PASSWORD_LINK href=routes::ACCOUNT_PASSWORD>
                                        {t!(i18n, account.change_password)}
                                    </a>
                                </li>
                                {a.global_admin.then(|| view! {
                                    <li>
                                        <a id=ids::ADMIN_LINK href=routes::ADMIN>{t!(i18n, admin.console_link)}</a>
                                    </li>
                                })}
                            </ul>
                            <RecoveryLog/>
                        }
                            .into_any()
                    }
                    Err(AppError::NotSignedIn) => view! { <Redirect path=routes::LOGIN/> }.into_any(),
                    Err(e) => view! { <FormError error=Signal::stored(Some(e))/> }.into_any(),
                }
            })}
        </Suspense>
        <FormError error=logout_error/>
        <ActionForm action=logout attr:class="inline">
            <button id=ids::SIGN_OUT type="submit">{t!(i18n, account.sign_out)}</button>
        </ActionForm>
    }
}

/// The recovery attempts on this account: when, from where, what, and how it ended.
#[component]
fn RecoveryLog() -> impl IntoView {
    let i18n = use_i18n();
    let log = Resource::new(|| (), |_| recovery_log());
    view! {
        <section aria-labelledby="recovery-log-title">
            <h2 id="recovery-log-title">{t!(i18n, recover.log_title)}</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match log.await {
                        Ok(entries) if entries.is_empty() => {
                            view! { <p id=ids::RECOVERY_LOG>{t!(i18n, recover.log_empty)}</p> }.into_any()
                        }
                        Ok(entries) => {
                            let rows = entries.into_iter().map(|e| log_row(i18n, e)).collect_view();
                            view! {
                                <table id=ids::RECOVERY_LOG class="log">
                                    <thead>
                                        <tr>
                                            <th scope="col">{t!(i18n, recover.log_when)}</th>
                                            <th scope="col">{t!(i18n, recover.log_what)}</th>
                                            <th scope="col">{t!(i18n, recover.log_ip)}</th>
                                            <th scope="col">{t!(i18n, recover.log_outcome)}</th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <FormError error=Signal::stored(Some(e))/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn log_row(i18n: leptos_i18n::I18nContext<Locale>, e: RecoveryLogEntry) -> impl IntoView {
    let what = match e.event.as_str() {
        "start" => t_string!(i18n, recover.event_start),
        "purpose" => t_string!(i18n, recover.event_purpose),
        "method" => t_string!(i18n, recover.event_method),
        "code_sent" => t_string!(i18n, recover.event_code_sent),
        "paused" => t_string!(i18n, recover.event_paused),
        "reset" => t_string!(i18n, recover.event_reset),
        "unlock" => t_string!(i18n, recover.event_unlock),
        "freeze" => t_string!(i18n, recover.event_freeze),
        _ => t_string!(i18n, recover.event_gate),
    };
    let method = e
        .method
        .map(|m| format!(" ({})", crate::pages::security::kind_label(i18n, m)))
        .unwrap_or_default();
    view! {
        <tr data-event=e.event.clone()>
            <td>{crate::domain::recovery::date_time_utc(e.at)}</td>
            <td>{format!("{what}{method}")}</td>
            <td>{e.ip}</td>
            <td>
                {if e.success {
                    t_string!(i18n, recover.outcome_success)
                } else {
                    t_string!(i18n, recover.outcome_failure)
                }}
            </td>
        </tr>
    }
}
