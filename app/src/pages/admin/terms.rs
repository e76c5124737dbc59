//! The console's terms page.
use super::AdminFrame;
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn AdminTermsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <AdminFrame title=t_string!(i18n, admin_terms.title).to_string()>
            <p>{t!(i18n, admin_terms.intro)}</p>
        </AdminFrame>
    }
}
