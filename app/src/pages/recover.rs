//! "Can't access your account?": the entrance to self-service recovery.
use crate::i18n::*;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RecoverPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, recover.title).to_string()/>
        <h1>{t!(i18n, recover.title)}</h1>
        <p>{t!(i18n, recover.coming)}</p>
        <p class="aside">
            <a href=routes::LOGIN>{t!(i18n, recover.back)}</a>
        </p>
    }
}
