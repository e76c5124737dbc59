//! The recovery codes just generated, shown once: to print, download or copy, then
//! confirmed as saved.
use super::{error_of, load_failed};
use crate::api::security::{recovery_codes_to_show, RecoveryCodesSaved};
use crate::components::FormError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SecurityCodesPage() -> impl IntoView {
    let i18n = use_i18n();
    let codes = Resource::new(|| (), |_| recovery_codes_to_show());
    let saved = ServerAction::<RecoveryCodesSaved>::new();
    let error = error_of(saved);
    view! {
        <Title text=t_string!(i18n, security.codes_title).to_string()/>
        <h1>{t!(i18n, security.codes_title)}</h1>
        <FormError error/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match codes.await {
                    Ok(list) if !list.is_empty() => view! {
                        <p>{t!(i18n, security.codes_intro)}</p>
                        <ol id=ids::RECOVERY_CODES class="codes">
                            {list.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                        </ol>
                        <p>
                            <a href=routes::SECURITY_CODES_TXT download="regain-recovery-codes.txt">{t!(i18n, security.codes_download)}</a>
                        </p>
                        <p class="hint">{t!(i18n, security.codes_print)}</p>
                        <ActionForm action=saved attr:class="stack">
                            <button id=ids::CODES_SAVED type="submit" class="primary">{t!(i18n, security.codes_saved)}</button>
                        </ActionForm>
                    }
                    .into_any(),
                    Ok(_) => view! { <p>{t!(i18n, security.codes_gone)}</p> }.into_any(),
                    Err(e) => load_failed(e),
                }
            })}
        </Suspense>
        <p class="aside">
            <a href=routes::SECURITY_INFO>{t!(i18n, security.back_to_info)}</a>
        </p>
    }
}
