use crate::i18n::*;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, not_found.title).to_string()/>
        <h1>{t!(i18n, not_found.title)}</h1>
        <p>
            <a href=routes::LOGIN>{t!(i18n, not_found.back)}</a>
        </p>
    }
}
