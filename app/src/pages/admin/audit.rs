//! The console's audit page.
use super::AdminFrame;
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <AdminFrame title=t_string!(i18n, admin_audit.title).to_string()>
            <p>{t!(i18n, admin_audit.intro)}</p>
        </AdminFrame>
    }
}
