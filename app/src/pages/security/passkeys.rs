//! The passkeys part of the security-info page: the registered ones, each removable by
//! a plain form, and (with JavaScript, where the portal's address allows passkeys) the
//! form that registers a new one through the browser's own dialog.
use crate::api::passkeys::{
    begin_passkey_registration, finish_passkey_registration, PasskeyView, RemovePasskey,
};
use crate::components::passkey::{self, Ceremony};
use crate::domain::recovery::date_utc;
use crate::error::AppError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;

/// The list items of the registered passkeys.
pub fn passkey_items(
    i18n: leptos_i18n::I18nContext<Locale>,
    passkeys: Vec<PasskeyView>,
    recent: bool,
    remove: ServerAction<RemovePasskey>,
) -> impl IntoView {
    passkeys
        .into_iter()
        .map(|p| {
            let remove_label =
                t_string!(i18n, security.remove_named, method = p.name.as_str()).to_string();
            let added = t_string!(i18n, security.passkey_added, date = date_utc(p.created_at)).to_string();
            let used = p
                .last_used_at
                .map(|at| t_string!(i18n, security.passkey_used, date = date_utc(at)).to_string());
            view! {
                <li data-kind="passkey">
                    <span class="kind">{t!(i18n, security.kind_passkey)}</span>
                    <span class="value">{p.name}</span>
                    <span class="state">{added}{used}</span>
                    {recent.then(|| view! {
                        <ActionForm action=remove attr:class="inline">
                            <input type="hidden" name="passkey" value=p.id/>
                            <button type="submit" class="link-button" aria-label=remove_label.clone()>{t!(i18n, security.remove)}</button>
                        </ActionForm>
                    })}
                </li>
            }
        })
        .collect_view()
}

/// Registers a passkey named `name`: the server's options, the browser's dialog, the
/// server's check; then the page again, with its notice. Lazy: loaded on the first
/// submit, not with the security-info page.
#[cfg_attr(not(test), lazy)]
async fn register(name: String) -> Result<(), AppError> {
    crate::domain::passkeys::name(&name)?;
    let start = begin_passkey_registration().await?;
    let answer = passkey::run(Ceremony::Create, &start.options).await?;
    finish_passkey_registration(start.token, name, answer).await?;
    passkey::go(routes::SECURITY_DONE_ADDED);
    Ok(())
}

/// The form that adds a passkey; `error` receives what went wrong, for the page's one
/// alert region. Without JavaScript it says that it needs it.
#[component]
pub fn AddPasskey(error: RwSignal<Option<AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    // Not the stylesheet's `scripted-only`: this page is a lazy route, hydrated after the
    // body is marked, so the form shows only once its own handler is attached.
    let scripted = RwSignal::new(false);
    Effect::new(move |_| scripted.set(true));
    let name = RwSignal::new(String::new());
    let add = Action::new_local(|name: &String| register(name.clone()));
    Effect::new(move |_| {
        if let Some(Err(e)) = add.value().get() {
            error.set(Some(e));
        }
    });
    view! {
        <p class="add-method hint" hidden=move || scripted.get()>{t!(i18n, security.passkey_needs_script)}</p>
        <form
            class="stack add-method"
            hidden=move || !scripted.get()
            on:submit=move |ev| {
                ev.prevent_default();
                error.set(None);
                add.dispatch_local(name.get_untracked());
            }
        >
            <div class="field">
                <label for=ids::PASSKEY_NAME>{t!(i18n, security.passkey_name)}</label>
                <input
                    id=ids::PASSKEY_NAME
                    name="name"
                    type="text"
                    autocomplete="off"
                    required
                    maxlength=crate::domain::passkeys::NAME_CHARS
                    aria-describedby="passkey-name-hint"
                    bind:value=name
                />
                <p id="passkey-name-hint" class="hint">{t!(i18n, security.passkey_name_hint)}</p>
            </div>
            <button id=ids::ADD_PASSKEY type="submit" disabled=move || add.pending().get()>
                {t!(i18n, security.passkey_add)}
            </button>
        </form>
    }
}
