//! "Can't access your account?": self-service recovery, one page per step. Each page
//! shows the step the flow is at; a flow that expired, finished or never started says so
//! and offers to start again.
pub mod done;
pub mod password;
pub mod verify;
pub mod why;

use crate::api::recovery::start::{recovery_challenge, StartRecovery};
use crate::components::{FormError, ProofOfWork};
use crate::error::AppError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;

pub use crate::pages::security::error_of;

/// A flow that can't be shown: its error, and the way to start over.
pub fn flow_failed(e: AppError) -> AnyView {
    let i18n = use_i18n();
    view! {
        <FormError error=Signal::stored(Some(e))/>
        <p><a href=routes::RECOVER>{t!(i18n, recover.start_again)}</a></p>
    }
    .into_any()
}

#[component]
pub fn RecoverPage() -> impl IntoView {
    let i18n = use_i18n();
    let start = ServerAction::<StartRecovery>::new();
    let error = error_of(start);
    let challenge = Resource::new(|| (), |_| recovery_challenge());
    view! {
        <Title text=t_string!(i18n, recover.title).to_string()/>
        <h1>{t!(i18n, recover.title)}</h1>
        <p>{t!(i18n, recover.intro)}</p>
        <FormError error/>
        <ActionForm action=start attr:class="stack">
            <div class="field">
                <label for=ids::RECOVER_USER_ID>{t!(i18n, recover.user_id_label)}</label>
                <input
                    id=ids::RECOVER_USER_ID
                    name="user_id"
                    type="email"
                    autocomplete="username"
                    required
                    maxlength="320"
                    aria-describedby="recover-user-id-hint"
                />
                <p id="recover-user-id-hint" class="hint">{t!(i18n, recover.user_id_hint)}</p>
            </div>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    // Without a challenge the form still works, under the stricter limit.
                    challenge.await.ok().map(|challenge| view! { <ProofOfWork challenge/> })
                })}
            </Suspense>
            <noscript>
                <p class="hint">{t!(i18n, recover.nojs_note)}</p>
            </noscript>
            <button id=ids::RECOVER_START type="submit" class="primary">
                {t!(i18n, recover.start_submit)}
            </button>
        </ActionForm>
        <p class="aside">
            <a href=routes::LOGIN>{t!(i18n, recover.back)}</a>
        </p>
    }
}
