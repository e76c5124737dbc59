//! The console's policy page.
use super::AdminFrame;
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn AdminPolicyPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <AdminFrame title=t_string!(i18n, admin_policy.title).to_string()>
            <p>{t!(i18n, admin_policy.intro)}</p>
        </AdminFrame>
    }
}
