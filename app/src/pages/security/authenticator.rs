//! Enrolling an authenticator app: scan the QR code (or type the secret), then prove it
//! with a first code.
use super::{error_of, load_failed};
use crate::api::security::{authenticator_setup, ConfirmAuthenticator};
use crate::components::FormError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SecurityAuthenticatorPage() -> impl IntoView {
    let i18n = use_i18n();
    let setup = Resource::new(|| (), |_| authenticator_setup());
    let confirm = ServerAction::<ConfirmAuthenticator>::new();
    let error = error_of(confirm);
    view! {
        <Title text=t_string!(i18n, security.app_title).to_string()/>
        <h1>{t!(i18n, security.app_title)}</h1>
        <FormError error/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match setup.await {
                    Ok(Some(e)) => view! {
                        <ol class="steps">
                            <li>{t!(i18n, security.app_step_install)}</li>
                            <li>
                                {t!(i18n, security.app_step_scan)}
                                // Our own SVG, made on the server from our own data: no
                                // user input reaches this markup.
                                <div class="qr" role="img" aria-label=t_string!(i18n, security.app_qr_label) inner_html=e.qr_svg></div>
                                <p>{t!(i18n, security.app_step_manual)}</p>
                                <p><code id=ids::TOTP_SECRET class="secret">{e.secret}</code></p>
                            </li>
                            <li>{t!(i18n, security.app_step_code)}</li>
                        </ol>
                        <ActionForm action=confirm attr:class="stack">
                            <div class="field">
                                <label for=ids::TOTP_CODE>{t!(i18n, security.app_code_label)}</label>
                                <input id=ids::TOTP_CODE name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="16"/>
                            </div>
                            <button type="submit" class="primary">{t!(i18n, security.verify_submit)}</button>
                        </ActionForm>
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
