//! The two ways to set one's own password while signed in: the forced change of a
//! temporary password at first sign-in, and the change a user asks for. Both forms are the
//! current password plus the shared [`NewPasswordFields`].
use crate::api::account::{current_account, ChangeTemporaryPassword};
use crate::api::password::{password_policy, ChangePassword};
use crate::components::{FormError, NewPasswordFields};
use crate::domain::password::PasswordProblem;
use crate::error::AppError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The password problems in a server function's last error, for the checklist.
fn rejected(error: Signal<Option<AppError>>) -> Signal<Option<Vec<PasswordProblem>>> {
    Signal::derive(move || match error.get() {
        Some(AppError::PasswordRejected { problems }) => Some(problems),
        _ => None,
    })
}

/// The current password, the new one with its checklist, and the submit button. Waits for
/// the user's password rules; anyone not signed in is sent to sign in.
#[component]
fn PasswordFields(
    #[prop(into)] current_label: Signal<String>,
    #[prop(into)] submit_label: Signal<String>,
    #[prop(into)] rejected: Signal<Option<Vec<PasswordProblem>>>,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let rules = Resource::new(|| (), |_| password_policy());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match rules.await {
                    Ok(rules) => {
                        view! {
                            <div class="field">
                                <label for=ids::CURRENT_PASSWORD>{current_label}</label>
                                <input
                                    id=ids::CURRENT_PASSWORD
                                    name="current"
                                    type="password"
                                    autocomplete="current-password"
                                    required
                                    maxlength="1024"
                                />
                            </div>
                            <NewPasswordFields rules rejected/>
                            <button id=ids::CHANGE_SUBMIT type="submit" class="primary" disabled=pending>
                                {submit_label}
                            </button>
                        }
                            .into_any()
                    }
                    Err(AppError::NotSignedIn) => view! { <Redirect path=routes::LOGIN/> }.into_any(),
                    Err(e) => view! { <FormError error=Signal::stored(Some(e))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// First sign-in with a temporary password: choose your own before anything else.
#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let account = Resource::new(|| (), |_| current_account());
    let change = ServerAction::<ChangeTemporaryPassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    view! {
        <Title text=t_string!(i18n, change.title).to_string()/>
        <h1>{t!(i18n, change.title)}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(a) if !a.must_change_password => {
                        view! { <Redirect path=routes::ACCOUNT_PASSWORD/> }.into_any()
                    }
                    _ => view! { <p>{t!(i18n, change.intro)}</p> }.into_any(),
                }
            })}
        </Suspense>
        <FormError error/>
        <ActionForm action=change attr:class="stack">
            <PasswordFields
                current_label=Signal::derive(move || t_string!(i18n, change.current).to_string())
                submit_label=Signal::derive(move || t_string!(i18n, change.submit).to_string())
                rejected=rejected(error)
                pending=change.pending()
            />
        </ActionForm>
    }
}

/// A signed-in user changes their password.
#[component]
pub fn AccountPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    view! {
        <Title text=t_string!(i18n, change_own.title).to_string()/>
        <h1>{t!(i18n, change_own.title)}</h1>
        <p>{t!(i18n, change_own.intro)}</p>
        <FormError error/>
        <ActionForm action=change attr:class="stack">
            <PasswordFields
                current_label=Signal::derive(move || t_string!(i18n, change_own.current).to_string())
                submit_label=Signal::derive(move || t_string!(i18n, change_own.submit).to_string())
                rejected=rejected(error)
                pending=change.pending()
            />
        </ActionForm>
        <p>
            <a href=routes::ACCOUNT>{t!(i18n, change_own.back)}</a>
        </p>
    }
}
