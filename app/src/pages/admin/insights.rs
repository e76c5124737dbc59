//! The console's insights page.
use super::AdminFrame;
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn AdminInsightsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <AdminFrame title=t_string!(i18n, admin_insights.title).to_string()>
            <p>{t!(i18n, admin_insights.intro)}</p>
        </AdminFrame>
    }
}
