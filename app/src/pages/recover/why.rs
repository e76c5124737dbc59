//! "Why are you having trouble signing in?"
use super::{error_of, flow_failed};
use crate::api::recovery::start::ChoosePurpose;
use crate::api::recovery::verify::recovery_flow;
use crate::components::FormError;
use crate::i18n::*;
use crate::pages::admin::policy::HelpDesk;
use crate::routes::ids;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RecoverWhyPage() -> impl IntoView {
    let i18n = use_i18n();
    let flow = Resource::new(|| (), |_| recovery_flow());
    let choose = ServerAction::<ChoosePurpose>::new();
    let error = error_of(choose);
    view! {
        <Title text=t_string!(i18n, recover.why_title).to_string()/>
        <h1>{t!(i18n, recover.why_title)}</h1>
        <FormError error/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match flow.await {
                    Ok(_) => view! {
                        <ActionForm action=choose attr:class="stack">
                            <fieldset class="choices">
                                <legend class="visually-hidden">{t!(i18n, recover.why_title)}</legend>
                                <div class="choice">
                                    <input id=ids::PURPOSE_RESET type="radio" name="purpose" value="reset" checked aria-describedby="purpose-reset-hint"/>
                                    <label for=ids::PURPOSE_RESET>{t!(i18n, recover.purpose_reset)}</label>
                                    <p id="purpose-reset-hint" class="hint">{t!(i18n, recover.purpose_reset_hint)}</p>
                                </div>
                                <div class="choice">
                                    <input id=ids::PURPOSE_UNLOCK type="radio" name="purpose" value="unlock" aria-describedby="purpose-unlock-hint"/>
                                    <label for=ids::PURPOSE_UNLOCK>{t!(i18n, recover.purpose_unlock)}</label>
                                    <p id="purpose-unlock-hint" class="hint">{t!(i18n, recover.purpose_unlock_hint)}</p>
                                </div>
                            </fieldset>
                            <button id=ids::PURPOSE_SUBMIT type="submit" class="primary">{t!(i18n, recover.next)}</button>
                        </ActionForm>
                    }
                    .into_any(),
                    Err(e) => flow_failed(e),
                }
            })}
        </Suspense>
        <HelpDesk/>
    }
}
