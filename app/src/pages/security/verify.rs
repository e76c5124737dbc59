//! Typing the code sent to a new alternate email or mobile phone.
use super::{error_of, first_error, kind_label, load_failed};
use crate::api::security::{pending_verification, RemoveMethod, ResendCode, VerifyMethod};
use crate::components::FormError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SecurityVerifyPage() -> impl IntoView {
    let i18n = use_i18n();
    let pending = Resource::new(|| (), |_| pending_verification());
    let verify = ServerAction::<VerifyMethod>::new();
    let resend = ServerAction::<ResendCode>::new();
    let cancel = ServerAction::<RemoveMethod>::new();
    let error = first_error(vec![error_of(verify), error_of(resend), error_of(cancel)]);
    let query = leptos_router::hooks::use_query_map();
    let resent = move || query.with(|q| q.get("resent").is_some());
    view! {
        <Title text=t_string!(i18n, security.verify_title).to_string()/>
        <h1>{t!(i18n, security.verify_title)}</h1>
        <Show when=resent>
            <p id=ids::SECURITY_NOTICE class="notice" role="status">{t!(i18n, security.resent)}</p>
        </Show>
        <FormError error/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match pending.await {
                    Ok(Some(m)) => view! {
                        <p>{t!(i18n, security.verify_intro, method = kind_label(i18n, m.kind), masked = m.masked.clone())}</p>
                        <ActionForm action=verify attr:class="stack">
                            <input type="hidden" name="method" value=m.id/>
                            <div class="field">
                                <label for=ids::VERIFY_CODE>{t!(i18n, security.code_label)}</label>
                                <input id=ids::VERIFY_CODE name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="16" aria-describedby="verify-code-hint"/>
                                <p id="verify-code-hint" class="hint">{t!(i18n, security.code_hint, minutes = crate::domain::codes::lifetime_minutes())}</p>
                            </div>
                            <button id=ids::VERIFY_SUBMIT type="submit" class="primary">{t!(i18n, security.verify_submit)}</button>
                        </ActionForm>
                        <div class="row">
                            <ActionForm action=resend attr:class="inline">
                                <input type="hidden" name="method" value=m.id/>
                                <button id=ids::RESEND type="submit">{t!(i18n, security.resend)}</button>
                            </ActionForm>
                            <ActionForm action=cancel attr:class="inline">
                                <input type="hidden" name="method" value=m.id/>
                                <button type="submit">{t!(i18n, security.cancel)}</button>
                            </ActionForm>
                        </div>
                    }
                    .into_any(),
                    Ok(None) => view! { <p>{t!(i18n, security.nothing_pending)}</p> }.into_any(),
                    Err(e) => load_failed(e),
                }
            })}
        </Suspense>
        <p class="aside">
            <a href=routes::SECURITY_INFO>{t!(i18n, security.back_to_info)}</a>
        </p>
    }
}
