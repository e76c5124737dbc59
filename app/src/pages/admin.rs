//! The administrator console: one page an area, each inside [`AdminFrame`], which shows
//! the console's navigation to an administrator, "not allowed" to anyone else, and sends
//! a stranger to sign in. The frame is only what the page shows: every server function
//! behind it checks the role and the organisation again on the server.
pub mod audit;
pub mod insights;
pub mod policy;
pub mod terms;
pub mod users;

use crate::api::admin::console_info;
use crate::components::FormError;
use crate::error::AppError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

/// The console's frame around one area's page; `children` render only for an administrator.
#[component]
pub fn AdminFrame(title: String, children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let console = Resource::new_blocking(|| (), |_| console_info());
    view! {
        <Title text=title.clone()/>
        <Suspense fallback=move || view! { <p>{t!(i18n, account.loading)}</p> }>
            {move || {
                let children = children.clone();
                let title = title.clone();
                Suspend::new(async move {
                    match console.await {
                        Ok(_) => {
                            view! {
                                <AdminNav/>
                                <h1>{title}</h1>
                                {children()}
                            }
                                .into_any()
                        }
                        Err(AppError::NotSignedIn) => {
                            view! { <Redirect path=routes::LOGIN/> }.into_any()
                        }
                        Err(AppError::Forbidden) => view! { <NotAllowed/> }.into_any(),
                        Err(e) => view! { <FormError error=Signal::stored(Some(e))/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// What a signed-in user who is not an administrator of this organisation sees.
#[component]
fn NotAllowed() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1 id=ids::NOT_ALLOWED>{t!(i18n, admin.not_allowed_title)}</h1>
        <p>{t!(i18n, admin.not_allowed_body)}</p>
        <p><a href=routes::ACCOUNT>{t!(i18n, admin.back_to_account)}</a></p>
    }
}

#[component]
fn AdminNav() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let links = [
        (routes::ADMIN, t_string!(i18n, admin.nav_insights)),
        (routes::ADMIN_POLICY, t_string!(i18n, admin.nav_policy)),
        (routes::ADMIN_TERMS, t_string!(i18n, admin.nav_terms)),
        (routes::ADMIN_AUDIT, t_string!(i18n, admin.nav_audit)),
        (routes::ADMIN_USERS, t_string!(i18n, admin.nav_users)),
        (routes::ACCOUNT, t_string!(i18n, admin.nav_account)),
    ];
    view! {
        <nav id=ids::ADMIN_NAV class="admin-nav" aria-label=t_string!(i18n, admin.nav_label).to_string()>
            <ul>
                {links
                    .into_iter()
                    .map(|(href, label)| {
                        let current = move || (location.pathname.get() == href).then_some("page");
                        view! { <li><a href=href aria-current=current>{label.to_string()}</a></li> }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}
