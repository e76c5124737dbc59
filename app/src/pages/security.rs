//! Security info: the recovery methods of the signed-in user, each added, verified and
//! removed through a plain form. The steps that need a page of their own (a code to type,
//! an authenticator to scan, recovery codes to keep, questions to answer) are submodules.
pub mod authenticator;
pub mod codes;
pub mod passkeys;
pub mod questions;
pub mod verify;

use crate::api::passkeys::RemovePasskey;
use crate::api::security::{
    security_info, AddEmail, AddPhone, BeginAuthenticator, ConfirmMethods, GenerateRecoveryCodes,
    MethodView, Reauthenticate, RemoveMethod, RemoveQuestions, RemoveRecoveryCodes, SecurityView,
};
use crate::components::FormError;
use crate::domain::policy::MethodKind;
use crate::error::AppError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The label of a kind of method.
pub fn kind_label(i18n: leptos_i18n::I18nContext<Locale>, kind: MethodKind) -> String {
    crate::texts::methods::name(i18n.get_locale(), kind)
}

/// The first error of several actions on one page: one alert region per page.
pub fn first_error(errors: Vec<Signal<Option<AppError>>>) -> Signal<Option<AppError>> {
    Signal::derive(move || errors.iter().find_map(|e| e.get()))
}

pub fn error_of<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// Anyone not signed in goes to sign in; other errors are shown.
pub fn load_failed(e: AppError) -> AnyView {
    match e {
        AppError::NotSignedIn => view! { <Redirect path=routes::LOGIN/> }.into_any(),
        e => view! { <FormError error=Signal::stored(Some(e))/> }.into_any(),
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let i18n = use_i18n();
    let reauth = ServerAction::<Reauthenticate>::new();
    let add_email = ServerAction::<AddEmail>::new();
    let add_phone = ServerAction::<AddPhone>::new();
    let remove = ServerAction::<RemoveMethod>::new();
    let begin_app = ServerAction::<BeginAuthenticator>::new();
    let codes = ServerAction::<GenerateRecoveryCodes>::new();
    let remove_codes = ServerAction::<RemoveRecoveryCodes>::new();
    let remove_questions = ServerAction::<RemoveQuestions>::new();
    let remove_passkey = ServerAction::<RemovePasskey>::new();
    let passkey_error = RwSignal::new(None::<AppError>);
    let actions = Actions {
        remove_passkey,
        passkey_error,
        reauth,
        add_email,
        add_phone,
        remove,
        begin_app,
        codes,
        remove_codes,
        remove_questions,
    };
    // Hydrated, a change redirects to this same page: the list must be fetched again
    // after every action and on every new query (`?done=…`).
    let search = leptos_router::hooks::use_location().search;
    let info = Resource::new(
        move || {
            (
                search.get(),
                reauth.version().get(),
                remove.version().get(),
                codes.version().get(),
                remove_codes.version().get(),
                remove_questions.version().get(),
                remove_passkey.version().get(),
            )
        },
        |_| security_info(),
    );
    let error = first_error(vec![
        error_of(reauth),
        error_of(add_email),
        error_of(add_phone),
        error_of(remove),
        error_of(begin_app),
        error_of(codes),
        error_of(remove_codes),
        error_of(remove_questions),
        error_of(remove_passkey),
        passkey_error.into(),
    ]);
    let query = leptos_router::hooks::use_query_map();
    let done = move || query.with(|q| q.get("done"));
    view! {
        <Title text=t_string!(i18n, security.title).to_string()/>
        <h1>{t!(i18n, security.title)}</h1>
        <p>{t!(i18n, security.intro)}</p>
        {move || {
            done()
                .and_then(|d| {
                    let text = match d.as_str() {
                        "added" => t_string!(i18n, security.done_added),
                        "removed" => t_string!(i18n, security.done_removed),
                        "questions" => t_string!(i18n, security.done_questions),
                        _ => return None,
                    };
                    Some(view! { <p id=ids::SECURITY_NOTICE class="notice" role="status">{text}</p> })
                })
        }}
        <FormError error/>
        <Suspense fallback=move || view! { <p>{t!(i18n, account.loading)}</p> }>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(info) => overview(i18n, info, actions),
                    Err(e) => load_failed(e),
                }
            })}
        </Suspense>
        <p class="aside">
            <a href=routes::ACCOUNT>{t!(i18n, security.back)}</a>
        </p>
    }
}

/// The forms of the security info page.
#[derive(Clone, Copy)]
struct Actions {
    reauth: ServerAction<Reauthenticate>,
    add_email: ServerAction<AddEmail>,
    add_phone: ServerAction<AddPhone>,
    remove: ServerAction<RemoveMethod>,
    begin_app: ServerAction<BeginAuthenticator>,
    codes: ServerAction<GenerateRecoveryCodes>,
    remove_codes: ServerAction<RemoveRecoveryCodes>,
    remove_questions: ServerAction<RemoveQuestions>,
    remove_passkey: ServerAction<RemovePasskey>,
    /// What went wrong registering a passkey (in the browser or the server).
    passkey_error: RwSignal<Option<AppError>>,
}

fn overview(i18n: leptos_i18n::I18nContext<Locale>, info: SecurityView, a: Actions) -> AnyView {
    let Actions {
        reauth,
        add_email,
        add_phone,
        remove,
        begin_app,
        codes,
        remove_codes,
        remove_questions,
        remove_passkey,
        passkey_error,
    } = a;
    let (required, usable) = (info.required, info.usable);
    let has_app = info
        .methods
        .iter()
        .any(|m| m.kind == MethodKind::Authenticator && m.verified);
    let status = if usable >= required {
        t_string!(i18n, security.status_ok, n = usable, required = required).to_string()
    } else {
        t_string!(i18n, security.status_short, n = usable, required = required).to_string()
    };
    let status_class = if usable >= required {
        "notice"
    } else {
        "notice warn"
    };
    let recent = info.recent;
    let left = info.recovery_codes_left;
    let answered = info.questions_registered;
    let methods = info.methods.clone();
    let passkeys = info.passkeys.clone();
    let can_add_passkey = info.allows(MethodKind::Passkey) && info.passkeys_available;
    view! {
        <p class=status_class>{status}</p>
        <h2>{t!(i18n, security.registered)}</h2>
        <ul id=ids::METHODS_LIST class="methods">
            {methods
                .into_iter()
                .map(|m| method_item(i18n, m, recent, remove))
                .collect_view()}
            {passkeys::passkey_items(i18n, passkeys, recent, remove_passkey)}
            <Show when=move || { left > 0 }>
                <li data-kind="recovery_codes">
                    <span class="kind">{t!(i18n, security.kind_codes)}</span>
                    <span id=ids::CODES_LEFT>{t!(i18n, security.codes_left, n = left)}</span>
                    {recent.then(|| view! {
                        <ActionForm action=remove_codes attr:class="inline">
                            <button type="submit" class="link-button" aria-label=t_string!(i18n, security.remove_named, method = t_string!(i18n, security.kind_codes))>
                                {t!(i18n, security.remove)}
                            </button>
                        </ActionForm>
                    })}
                </li>
            </Show>
            <Show when=move || { answered > 0 }>
                <li data-kind="security_questions">
                    <span class="kind">{t!(i18n, security.kind_questions)}</span>
                    <span>{t!(i18n, security.questions_answered, n = answered)}</span>
                    {recent.then(|| view! {
                        <ActionForm action=remove_questions attr:class="inline">
                            <button type="submit" class="link-button" aria-label=t_string!(i18n, security.remove_named, method = t_string!(i18n, security.kind_questions))>
                                {t!(i18n, security.remove)}
                            </button>
                        </ActionForm>
                    })}
                </li>
            </Show>
        </ul>
        {(!recent).then(|| view! {
            <h2>{t!(i18n, security.reauth_heading)}</h2>
            <p>{t!(i18n, security.reauth_intro)}</p>
            <ActionForm action=reauth attr:id=ids::REAUTH_FORM attr:class="stack">
                <div class="field">
                    <label for=ids::REAUTH_PASSWORD>{t!(i18n, login.password)}</label>
                    <input id=ids::REAUTH_PASSWORD name="password" type="password" autocomplete="current-password" required maxlength="1024"/>
                </div>
                <button type="submit" class="primary">{t!(i18n, security.reauth_submit)}</button>
            </ActionForm>
        })}
        {recent.then(|| view! {
            <h2>{t!(i18n, security.add_heading)}</h2>
            {info.allows(MethodKind::Email).then(|| view! {
                <ActionForm action=add_email attr:class="stack add-method">
                    <div class="field">
                        <label for=ids::ADD_EMAIL>{t!(i18n, security.add_email)}</label>
                        <input id=ids::ADD_EMAIL name="address" type="email" autocomplete="email" inputmode="email" required maxlength="254" aria-describedby="add-email-hint"/>
                        <p id="add-email-hint" class="hint">{t!(i18n, security.add_email_hint)}</p>
                    </div>
                    <button type="submit">{t!(i18n, security.send_code)}</button>
                </ActionForm>
            })}
            {info.allows(MethodKind::Sms).then(|| view! {
                <ActionForm action=add_phone attr:class="stack add-method">
                    <div class="field">
                        <label for=ids::ADD_PHONE>{t!(i18n, security.add_phone)}</label>
                        <input id=ids::ADD_PHONE name="number" type="tel" autocomplete="tel" inputmode="tel" required maxlength="32" aria-describedby="add-phone-hint"/>
                        <p id="add-phone-hint" class="hint">{t!(i18n, security.add_phone_hint)}</p>
                    </div>
                    <button type="submit">{t!(i18n, security.send_code)}</button>
                </ActionForm>
            })}
            {(info.allows(MethodKind::Authenticator) && !has_app).then(|| view! {
                <ActionForm action=begin_app attr:class="stack add-method">
                    <p class="hint">{t!(i18n, security.add_authenticator_hint)}</p>
                    <button id=ids::ADD_AUTHENTICATOR type="submit">{t!(i18n, security.add_authenticator)}</button>
                </ActionForm>
            })}
            {info.allows(MethodKind::RecoveryCodes).then(|| view! {
                <ActionForm action=codes attr:class="stack add-method">
                    <p class="hint">{t!(i18n, security.codes_hint)}</p>
                    <button id=ids::GENERATE_CODES type="submit">
                        {if left > 0 { t!(i18n, security.codes_regenerate).into_any() } else { t!(i18n, security.codes_create).into_any() }}
                    </button>
                </ActionForm>
            })}
            {info.allows(MethodKind::SecurityQuestions).then(|| view! {
                <p class="add-method">
                    <a href=routes::SECURITY_QUESTIONS>
                        {if info.questions_registered > 0 { t!(i18n, security.questions_change).into_any() } else { t!(i18n, security.questions_set_up).into_any() }}
                    </a>
                    " "
                    <span class="hint">{t!(i18n, security.questions_weaker)}</span>
                </p>
            })}
            {can_add_passkey.then(|| view! {
                <h3>{t!(i18n, security.passkeys_heading)}</h3>
                <p class="hint">{t!(i18n, security.passkeys_intro)}</p>
                <passkeys::AddPasskey error=passkey_error/>
            })}
        })}
    }
    .into_any()
}

fn method_item(
    i18n: leptos_i18n::I18nContext<Locale>,
    m: MethodView,
    recent: bool,
    remove: ServerAction<RemoveMethod>,
) -> impl IntoView {
    let label = kind_label(i18n, m.kind);
    let remove_label = t_string!(i18n, security.remove_named, method = label.clone()).to_string();
    let kind = match m.kind {
        MethodKind::Email => "email",
        MethodKind::Sms => "sms",
        _ => "authenticator",
    };
    view! {
        <li data-kind=kind data-verified=if m.verified { "true" } else { "false" }>
            <span class="kind">{label}</span>
            <span class="value">{m.masked}</span>
            {if m.verified {
                view! { <span class="state">{t!(i18n, security.verified)}</span> }.into_any()
            } else {
                let href = if m.kind == MethodKind::Authenticator { routes::SECURITY_AUTHENTICATOR } else { routes::SECURITY_VERIFY };
                view! { <a class="state" href=href>{t!(i18n, security.unverified)}</a> }.into_any()
            }}
            {recent.then(|| view! {
                <ActionForm action=remove attr:class="inline">
                    <input type="hidden" name="method" value=m.id/>
                    <button type="submit" class="link-button" aria-label=remove_label.clone()>{t!(i18n, security.remove)}</button>
                </ActionForm>
            })}
        </li>
    }
}

/// "More information required": the account can't recover on its own yet. Regular users
/// may skip (they are asked again at the next sign-in); administrators may not.
#[component]
pub fn SecurityRequiredPage() -> impl IntoView {
    let i18n = use_i18n();
    let info = Resource::new(|| (), |_| security_info());
    view! {
        <Title text=t_string!(i18n, security.required_title).to_string()/>
        <h1>{t!(i18n, security.required_title)}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(info) => view! {
                        <p>{t!(i18n, security.required_intro, required = info.required)}</p>
                        <p>
                            <a id=ids::SECURITY_INFO_LINK class="button primary" href=routes::SECURITY_INFO>
                                {t!(i18n, security.required_set_up)}
                            </a>
                        </p>
                        {(!info.admin).then(|| view! {
                            <p class="aside">
                                <a id=ids::SKIP_REGISTRATION href=routes::ACCOUNT>{t!(i18n, security.required_skip)}</a>
                            </p>
                        })}
                        {info.admin.then(|| view! { <p class="hint">{t!(i18n, security.required_admin)}</p> })}
                    }
                    .into_any(),
                    Err(e) => load_failed(e),
                }
            })}
        </Suspense>
    }
}

/// "Are these still current?": shown after sign-in when re-confirmation is due.
#[component]
pub fn SecurityConfirmPage() -> impl IntoView {
    let i18n = use_i18n();
    let info = Resource::new(|| (), |_| security_info());
    let confirm = ServerAction::<ConfirmMethods>::new();
    let error = error_of(confirm);
    view! {
        <Title text=t_string!(i18n, security.confirm_title).to_string()/>
        <h1>{t!(i18n, security.confirm_title)}</h1>
        <p>{t!(i18n, security.confirm_intro)}</p>
        <FormError error/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(info) => view! {
                        <ul id=ids::METHODS_LIST class="methods">
                            {info.methods.into_iter().filter(|m| m.verified).map(|m| view! {
                                <li>
                                    <span class="kind">{kind_label(i18n, m.kind)}</span>
                                    <span class="value">{m.masked}</span>
                                </li>
                            }).collect_view()}
                            {(info.recovery_codes_left > 0).then(|| view! {
                                <li>
                                    <span class="kind">{t!(i18n, security.kind_codes)}</span>
                                    <span>{t!(i18n, security.codes_left, n = info.recovery_codes_left)}</span>
                                </li>
                            })}
                        </ul>
                    }
                    .into_any(),
                    Err(e) => load_failed(e),
                }
            })}
        </Suspense>
        <ActionForm action=confirm attr:class="stack">
            <button id=ids::CONFIRM_CURRENT type="submit" class="primary">{t!(i18n, security.confirm_yes)}</button>
        </ActionForm>
        <p class="aside">
            <a href=routes::SECURITY_INFO>{t!(i18n, security.confirm_update)}</a>
        </p>
    }
}
