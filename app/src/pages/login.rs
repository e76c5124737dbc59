//! Sign in, with the way into recovery.
use crate::api::auth::Login;
use crate::components::FormError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let login = ServerAction::<Login>::new();
    let error = Signal::derive(move || login.value().get().and_then(Result::err));
    // After a failed sign-in without JavaScript the page is new: show the user ID again.
    // Read on the server, and carried to the browser so hydration sees the same value.
    let typed = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            crate::server::request::current_parts()
                .and_then(|p| crate::server::session::typed_user_id(&p))
                .unwrap_or_default()
        }
        #[cfg(not(feature = "ssr"))]
        {
            String::new()
        }
    })
    .into_inner();
    view! {
        <Title text=t_string!(i18n, login.title).to_string()/>
        <h1>{t!(i18n, login.title)}</h1>
        <FormError error/>
        <ActionForm action=login attr:id=ids::LOGIN_FORM attr:class="stack">
            <div class="field">
                <label for=ids::USER_ID>{t!(i18n, login.user_id)}</label>
                <input
                    id=ids::USER_ID
                    name="user_id"
                    value=typed
                    type="email"
                    autocomplete="username"
                    inputmode="email"
                    required
                    maxlength="254"
                    aria-describedby="user-id-hint"
                />
                <p id="user-id-hint" class="hint">{t!(i18n, login.user_id_hint)}</p>
            </div>
            <div class="field">
                <label for=ids::PASSWORD>{t!(i18n, login.password)}</label>
                <input
                    id=ids::PASSWORD
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    maxlength="1024"
                />
            </div>
            <button type="submit" class="primary" disabled=move || login.pending().get()>
                {t!(i18n, login.submit)}
            </button>
        </ActionForm>
        <p class="aside">
            <a id=ids::CANT_ACCESS href=routes::RECOVER>{t!(i18n, login.cant_access)}</a>
        </p>
    }
}
