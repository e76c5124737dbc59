//! The end of a recovery, and the "this wasn't me" link's pages.
use super::error_of;
use crate::api::recovery::set_password::FreezeAccount;
use crate::components::FormError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;

/// "Your password has been reset" / "Your account is unlocked". No automatic sign-in.
#[component]
pub fn RecoverDonePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = leptos_router::hooks::use_query_map();
    let unlocked = move || query.with(|q| q.get("what").as_deref() == Some("unlock"));
    view! {
        <Title text=t_string!(i18n, recover.done_title).to_string()/>
        <h1>{t!(i18n, recover.done_title)}</h1>
        <p id=ids::RECOVER_DONE role="status">
            {move || if unlocked() {
                t_string!(i18n, recover.done_unlock).to_string()
            } else {
                t_string!(i18n, recover.done_reset).to_string()
            }}
        </p>
        <p><a class="button primary" href=routes::LOGIN>{t!(i18n, recover.sign_in)}</a></p>
    }
}

/// Where the link of a recovery notice leads: a confirmation, posted as a form, since mail
/// scanners open links and a GET must change nothing.
#[component]
pub fn RecoverFreezePage() -> impl IntoView {
    let i18n = use_i18n();
    let freeze = ServerAction::<FreezeAccount>::new();
    let error = error_of(freeze);
    let query = leptos_router::hooks::use_query_map();
    let token = move || query.with(|q| q.get("token").unwrap_or_default());
    view! {
        <Title text=t_string!(i18n, recover.freeze_title).to_string()/>
        <h1>{t!(i18n, recover.freeze_title)}</h1>
        <FormError error/>
        <p>{t!(i18n, recover.freeze_intro)}</p>
        <ActionForm action=freeze attr:class="stack">
            <input type="hidden" name="token" value=token/>
            <button id=ids::FREEZE_SUBMIT type="submit" class="primary danger">{t!(i18n, recover.freeze_submit)}</button>
        </ActionForm>
    }
}

#[component]
pub fn RecoverFrozenPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, recover.frozen_title).to_string()/>
        <h1>{t!(i18n, recover.frozen_title)}</h1>
        <p role="status">{t!(i18n, recover.frozen_body)}</p>
        <p><a href=routes::RECOVER>{t!(i18n, recover.title)}</a></p>
    }
}
