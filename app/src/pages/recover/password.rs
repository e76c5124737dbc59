//! "Choose a new password": the shared new-password component with the account's rules.
use super::{error_of, flow_failed};
use crate::api::recovery::set_password::{recovery_password_rules, SetRecoveredPassword};
use crate::components::{FormError, NewPasswordFields};
use crate::error::AppError;
use crate::i18n::*;
use crate::pages::admin::policy::HelpDesk;
use crate::routes::ids;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RecoverPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let rules = Resource::new(|| (), |_| recovery_password_rules());
    let set = ServerAction::<SetRecoveredPassword>::new();
    let error = error_of(set);
    let rejected = Signal::derive(move || match error.get() {
        Some(AppError::PasswordRejected { problems }) => Some(problems),
        _ => None,
    });
    let pending = set.pending();
    view! {
        <Title text=t_string!(i18n, recover.password_title).to_string()/>
        <h1>{t!(i18n, recover.password_title)}</h1>
        <FormError error/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match rules.await {
                    Ok(rules) => view! {
                        <ActionForm action=set attr:class="stack">
                            <NewPasswordFields rules rejected/>
                            <button id=ids::RECOVER_PASSWORD_SUBMIT type="submit" class="primary" disabled=pending>
                                {t!(i18n, recover.password_submit)}
                            </button>
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
