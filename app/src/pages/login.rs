//! Sign in, with the way into recovery.
use crate::api::auth::Login;
use crate::api::passkeys::{begin_passkey_sign_in, finish_passkey_sign_in};
use crate::components::passkey::{self, Ceremony, SCRIPTED_ONLY};
use crate::components::FormError;
use crate::error::AppError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let login = ServerAction::<Login>::new();
    let with_passkey = Action::new_local(|_: &()| sign_in_with_passkey());
    // The latest attempt's error, whichever way it was made: each clears the other's.
    let error = Signal::derive(move || {
        let by_passkey = with_passkey.value().get().and_then(Result::err);
        by_passkey.or_else(|| login.value().get().and_then(Result::err))
    });
    Effect::new(move |_| {
        if login.pending().get() {
            with_passkey.value().set(None);
        }
    });
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
        <div class=SCRIPTED_ONLY>
            <p class="or">{t!(i18n, login.or)}</p>
            <button
                id=ids::PASSKEY_SIGN_IN
                type="button"
                disabled=move || with_passkey.pending().get()
                on:click=move |_| {
                    login.value().set(None);
                    with_passkey.dispatch_local(());
                }
            >
                {t!(i18n, login.passkey)}
            </button>
        </div>
        <p class="aside">
            <a id=ids::CANT_ACCESS href=routes::RECOVER>{t!(i18n, login.cant_access)}</a>
        </p>
    }
}

/// Asks the browser for a passkey of this site, signs in with it and goes on. Lazy: the
/// ceremony and its server calls are a chunk of their own, loaded on the first click, so
/// the sign-in page's first load does not carry them. Not in the wasm32 unit tests: a lazy
/// function imports a module only `cargo leptos build --split` provides, and Node, which
/// runs those tests, fails to load the test binary without it.
#[cfg_attr(not(test), lazy)]
async fn sign_in_with_passkey() -> Result<(), AppError> {
    let start = begin_passkey_sign_in().await?;
    let answer = passkey::run(Ceremony::Get, &start.options).await?;
    let next = finish_passkey_sign_in(start.token, answer).await?;
    passkey::go(&next);
    Ok(())
}
