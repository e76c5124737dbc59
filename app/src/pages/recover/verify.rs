//! The verification gates: the registered methods shown masked, then the proof for the
//! one chosen. One small form per method, so each works without JavaScript.
use super::{error_of, flow_failed};
use crate::api::passkeys::prove_passkey;
use crate::api::recovery::verify::{
    recovery_flow, ChooseMethod, ProveAnswers, ProveCode, ResendRecoveryCode,
};
use crate::api::recovery::{ChallengeView, GateView};
use crate::components::passkey::{self, Ceremony, SCRIPTED_ONLY};
use crate::components::FormError;
use crate::domain::policy::MethodKind;
use crate::error::AppError;
use crate::i18n::*;
use crate::pages::admin::policy::HelpDesk;
use crate::pages::security::questions::question_text;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Clone, Copy)]
struct Actions {
    method: ServerAction<ChooseMethod>,
    prove: ServerAction<ProveCode>,
    answers: ServerAction<ProveAnswers>,
    resend: ServerAction<ResendRecoveryCode>,
    /// Answers the passkey challenge (its options) in the browser, then goes on.
    passkey: Action<String, Result<(), AppError>>,
}

/// The browser answers the challenge; the server checks it and names the next page.
/// Lazy, like the sign-in page's: loaded on the first click.
#[cfg_attr(not(test), lazy)]
async fn prove_with_passkey(options: String) -> Result<(), AppError> {
    let answer = passkey::run(Ceremony::Get, &options).await?;
    let next = prove_passkey(answer).await?;
    passkey::go(&next);
    Ok(())
}

#[component]
pub fn RecoverVerifyPage() -> impl IntoView {
    let i18n = use_i18n();
    let actions = Actions {
        method: ServerAction::new(),
        prove: ServerAction::new(),
        answers: ServerAction::new(),
        resend: ServerAction::new(),
        passkey: Action::new_local(|options: &String| prove_with_passkey(options.clone())),
    };
    let passkey_error = Signal::derive(move || actions.passkey.value().get().and_then(Result::err));
    let errors = [
        error_of(actions.method),
        error_of(actions.prove),
        error_of(actions.answers),
        error_of(actions.resend),
        passkey_error,
    ];
    let error = Signal::derive(move || errors.iter().find_map(|e| e.get()));
    // Only the latest step's error is shown: a new submission clears the others'.
    let pending = [
        actions.method.pending(),
        actions.prove.pending(),
        actions.answers.pending(),
        actions.resend.pending(),
        actions.passkey.pending(),
    ];
    Effect::new(move |_| {
        if let Some(active) = pending.iter().position(|p| p.get()) {
            for (i, clear) in [
                actions.method.value(),
                actions.prove.value(),
                actions.answers.value(),
                actions.resend.value(),
            ]
            .into_iter()
            .enumerate()
            {
                if i != active {
                    clear.set(None);
                }
            }
            if active != 4 {
                actions.passkey.value().set(None);
            }
        }
    });
    let query = leptos_router::hooks::use_query_map();
    let choosing = move || query.with(|q| q.get("choose").is_some());
    let resent = move || query.with(|q| q.get("resent").is_some());
    // Every step may move the flow: load it again after each.
    let flow = Resource::new(
        move || {
            (
                actions.method.version().get(),
                actions.prove.version().get(),
                actions.answers.version().get(),
                actions.resend.version().get(),
                actions.passkey.version().get(),
                choosing(),
            )
        },
        |_| recovery_flow(),
    );
    view! {
        <Title text=t_string!(i18n, recover.verify_title).to_string()/>
        <h1>{t!(i18n, recover.verify_title)}</h1>
        <Show when=resent>
            <p class="notice" role="status">{t!(i18n, recover.resent)}</p>
        </Show>
        <FormError error/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match flow.await {
                    Ok(f) => {
                        let step = view! {
                            <p id=ids::GATE_STEP class="step">
                                {t!(i18n, recover.step, n = f.gate, total = f.required)}
                            </p>
                        };
                        let body = match f.challenge {
                            Some(c) if !choosing() => challenge(actions, c),
                            _ => gate_list(actions, f.gates),
                        };
                        view! { {step} {body} }.into_any()
                    }
                    Err(e) => flow_failed(e),
                }
            })}
        </Suspense>
        <HelpDesk/>
        <p class="aside">
            <a href=routes::LOGIN>{t!(i18n, recover.back)}</a>
        </p>
    }
}

fn gate_list(actions: Actions, gates: Vec<GateView>) -> AnyView {
    let i18n = use_i18n();
    // Passkeys need JavaScript: without it their gate is not shown (`scripted-only`), and
    // a flow with no other gate says so.
    let only_passkeys = !gates.is_empty() && gates.iter().all(|g| g.kind.needs_script());
    let items = gates
        .into_iter()
        .map(|g| {
            let index = g.index;
            let typed_id = format!("gate-typed-{index}");
            let fields = match g.kind {
                MethodKind::Email | MethodKind::Sms => {
                    let email = g.kind == MethodKind::Email;
                    let label = if email {
                        t_string!(i18n, recover.method_email, masked = g.masked.as_str()).to_string()
                    } else {
                        t_string!(i18n, recover.method_sms, masked = g.masked.as_str()).to_string()
                    };
                    let hint = if email {
                        t_string!(i18n, recover.type_email).to_string()
                    } else {
                        t_string!(i18n, recover.type_phone).to_string()
                    };
                    let hint_id = format!("gate-hint-{index}");
                    view! {
                        <div class="field">
                            <label for=typed_id.clone()>{label}</label>
                            <input
                                id=typed_id
                                name="typed"
                                type=if email { "email" } else { "tel" }
                                autocomplete="off"
                                required
                                maxlength="320"
                                aria-describedby=hint_id.clone()
                            />
                            <p id=hint_id class="hint">{hint}</p>
                        </div>
                        <button type="submit" id=format!("gate-choose-{index}")>{t!(i18n, recover.send_code)}</button>
                    }
                    .into_any()
                }
                kind => {
                    let label = match kind {
                        MethodKind::Authenticator => t_string!(i18n, recover.method_authenticator),
                        MethodKind::RecoveryCodes => t_string!(i18n, recover.method_recovery_codes),
                        MethodKind::Passkey => t_string!(i18n, recover.method_passkey),
                        _ => t_string!(i18n, recover.method_questions),
                    };
                    view! {
                        <button type="submit" id=format!("gate-choose-{index}")>{label}</button>
                    }
                    .into_any()
                }
            };
            view! {
                <li data-kind=g.kind.as_str() class=if g.kind.needs_script() { SCRIPTED_ONLY } else { "" }>
                    <ActionForm action=actions.method attr:class="stack">
                        <input type="hidden" name="option" value=index/>
                        {fields}
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <p>{t!(i18n, recover.choose_intro)}</p>
        <ul id=ids::GATE_LIST class="gates">{items}</ul>
        {only_passkeys.then(|| view! {
            <p class="notice warn unscripted-only">{t!(i18n, recover.passkey_needs_script)}</p>
        })}
    }
    .into_any()
}

fn challenge(actions: Actions, c: ChallengeView) -> AnyView {
    let i18n = use_i18n();
    let other = view! {
        <p>
            <a id=ids::OTHER_METHOD href=routes::RECOVER_VERIFY_CHOOSE>{t!(i18n, recover.other_method)}</a>
        </p>
    };
    let body = match c.kind {
        MethodKind::Passkey => {
            let options = c.passkey_options.unwrap_or_default();
            view! {
                <p>{t!(i18n, recover.passkey_intro)}</p>
                <p class="notice warn unscripted-only">{t!(i18n, recover.passkey_needs_script)}</p>
                <button
                    id=ids::RECOVER_PASSKEY
                    type="button"
                    class="primary scripted-only"
                    disabled=move || actions.passkey.pending().get()
                    on:click=move |_| {
                        actions.passkey.dispatch_local(options.clone());
                    }
                >
                    {t!(i18n, recover.passkey_submit)}
                </button>
            }
            .into_any()
        }
        MethodKind::SecurityQuestions => {
            let fields = c
                .questions
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let id = format!("answer-{}", i + 1);
                    view! {
                        <div class="field">
                            <label for=id.clone()>{question_text(i18n, q)}</label>
                            <input id=id name=format!("answer_{}", i + 1) type="text" autocomplete="off" required maxlength="256"/>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <p>{t!(i18n, recover.questions_intro)}</p>
                <ActionForm action=actions.answers attr:class="stack">
                    {fields}
                    <button id=ids::RECOVER_PROVE type="submit" class="primary">{t!(i18n, recover.verify_submit)}</button>
                </ActionForm>
            }
            .into_any()
        }
        kind => {
            let (intro, label, hint) = match kind {
                MethodKind::Authenticator => (
                    t_string!(i18n, recover.authenticator_intro).to_string(),
                    t_string!(i18n, recover.authenticator_label).to_string(),
                    None,
                ),
                MethodKind::RecoveryCodes => (
                    t_string!(i18n, recover.recovery_code_intro).to_string(),
                    t_string!(i18n, recover.recovery_code_label).to_string(),
                    None,
                ),
                _ => (
                    t_string!(
                        i18n,
                        recover.code_sent,
                        minutes = crate::domain::codes::lifetime_minutes()
                    )
                    .to_string(),
                    t_string!(i18n, recover.code_label).to_string(),
                    Some(t_string!(i18n, recover.code_hint).to_string()),
                ),
            };
            let sent = matches!(kind, MethodKind::Email | MethodKind::Sms);
            view! {
                <p>{intro}</p>
                <ActionForm action=actions.prove attr:class="stack">
                    <div class="field">
                        <label for=ids::RECOVER_CODE>{label}</label>
                        <input
                            id=ids::RECOVER_CODE
                            name="code"
                            type="text"
                            autocomplete="one-time-code"
                            required
                            maxlength="40"
                            aria-describedby=hint.is_some().then_some("recover-code-hint")
                        />
                        {hint.map(|h| view! { <p id="recover-code-hint" class="hint">{h}</p> })}
                    </div>
                    <button id=ids::RECOVER_PROVE type="submit" class="primary">{t!(i18n, recover.verify_submit)}</button>
                </ActionForm>
                {sent.then(|| view! {
                    <ActionForm action=actions.resend attr:class="inline">
                        <button id=ids::RECOVER_RESEND type="submit">{t!(i18n, recover.resend)}</button>
                    </ActionForm>
                })}
            }
            .into_any()
        }
    };
    view! { {body} {other} }.into_any()
}
