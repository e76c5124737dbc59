//! The forced change of a temporary password at first sign-in.
use crate::api::account::{current_account, ChangeTemporaryPassword};
use crate::api::site::site_info;
use crate::components::FormError;
use crate::error::AppError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let account = Resource::new(|| (), |_| current_account());
    let site = Resource::new(|| (), |_| site_info());
    let change = ServerAction::<ChangeTemporaryPassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    view! {
        <Title text=move || t_string!(i18n, change.title).to_string()/>
        <h1>{t!(i18n, change.title)}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match account.await {
                    Err(AppError::NotSignedIn) => view! { <Redirect path=routes::LOGIN/> }.into_any(),
                    _ => {
                        let min = site
                            .await
                            .map(|s| s.min_password_length)
                            .unwrap_or(crate::domain::password::DEFAULT_MIN_LENGTH);
                        view! {
                            <p>{t!(i18n, change.intro)}</p>
                            <p id="password-rules" class="hint">{t!(i18n, change.rules, min)}</p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
        <FormError error/>
        <ActionForm action=change attr:class="stack">
            <div class="field">
                <label for=ids::CURRENT_PASSWORD>{t!(i18n, change.current)}</label>
                <input id=ids::CURRENT_PASSWORD name="current" type="password" autocomplete="current-password" required maxlength="1024"/>
            </div>
            <div class="field">
                <label for=ids::NEW_PASSWORD>{t!(i18n, change.new)}</label>
                <input id=ids::NEW_PASSWORD name="new" type="password" autocomplete="new-password" required maxlength="1024" aria-describedby="password-rules"/>
            </div>
            <div class="field">
                <label for=ids::CONFIRM_PASSWORD>{t!(i18n, change.confirm)}</label>
                <input id=ids::CONFIRM_PASSWORD name="confirm" type="password" autocomplete="new-password" required maxlength="1024"/>
            </div>
            <button id=ids::CHANGE_SUBMIT type="submit" class="primary" disabled=move || change.pending().get()>
                {t!(i18n, change.submit)}
            </button>
        </ActionForm>
    }
}
