//! The new-password fields every "set a password" form uses: password and confirmation,
//! a checklist of the policy's requirements, a strength meter and a show/hide switch.
//!
//! Hydrated, the checklist follows every keystroke, computed in the browser by the same
//! `domain::password::assess` the server applies, and a polite live region announces the
//! count of requirements met. Without JavaScript the checklist states the rules, and after
//! a refused submit it marks the ones the server found unmet. States are words and
//! symbols, never colour alone.
use crate::api::password::password_strength;
use crate::domain::password::banned::{BannedTerms, TermSource};
use crate::domain::password::{assess, PasswordProblem, PasswordRules, Requirement, MAX_LENGTH};
use crate::domain::secret::SecretString;
use crate::domain::strength::{Strength, StrengthTip, StrengthWarning};
use crate::i18n::*;
use crate::routes::ids;
use leptos::prelude::*;
use std::sync::Arc;
use std::time::Duration;

/// The custom-terms index, compared by identity so the memo rebuilds it only when the
/// rules change, never on a keystroke.
#[derive(Clone)]
struct TermsIndex(Arc<BannedTerms>);

impl PartialEq for TermsIndex {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineState {
    Pending,
    Met,
    Unmet,
}

impl LineState {
    fn as_str(self) -> &'static str {
        match self {
            LineState::Pending => "pending",
            LineState::Met => "met",
            LineState::Unmet => "unmet",
        }
    }

    fn mark(self) -> &'static str {
        match self {
            LineState::Pending => "•",
            LineState::Met => "✓",
            LineState::Unmet => "✗",
        }
    }
}

/// Waits this long after the last keystroke before asking the server for an estimate.
const STRENGTH_DEBOUNCE: Duration = Duration::from_millis(300);

#[component]
pub fn NewPasswordFields(
    rules: PasswordRules,
    /// What the server refused in the last submit, if anything.
    #[prop(into)]
    rejected: Signal<Option<Vec<PasswordProblem>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let visible = RwSignal::new(false);
    // Effects run only in the browser: until this flips, render what the server rendered.
    let hydrated = RwSignal::new(false);
    // The fields own their text (no `prop:value`: hydration would set a field typed in
    // before the wasm arrived back to ""; seen on a busy machine). The signals follow them,
    // starting from whatever was typed before hydration.
    let new_input = NodeRef::<leptos::html::Input>::new();
    let confirm_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = new_input.get_untracked() {
            new.set(el.value());
        }
        if let Some(el) = confirm_input.get_untracked() {
            confirm.set(el.value());
        }
        hydrated.set(true);
    });

    let min = rules.min_length;
    let index = TermsIndex(Arc::new(BannedTerms::new(&rules.custom_terms)));
    let rules = StoredValue::new(rules);
    let assessment = Memo::new(move |_| {
        (hydrated.get() && !new.with(String::is_empty)).then(|| {
            rules.with_value(|r| new.with(|n| confirm.with(|c| assess(n, c, r, &index.0))))
        })
    });
    let state = move |requirement: Requirement| -> LineState {
        if let Some(a) = assessment.get() {
            if requirement == Requirement::Confirmed && confirm.with(String::is_empty) {
                LineState::Pending
            } else if a.meets(requirement) {
                LineState::Met
            } else {
                LineState::Unmet
            }
        } else if let Some(problems) = rejected.get() {
            if problems
                .iter()
                .any(|p| p.requirement() == Some(requirement))
            {
                LineState::Unmet
            } else {
                LineState::Met
            }
        } else {
            LineState::Pending
        }
    };
    // Why a password is guessable, from whichever side judged it last.
    let found = move || -> Vec<TermSource> {
        let problems = match assessment.get() {
            Some(a) => a.problems,
            None => rejected.get().unwrap_or_default(),
        };
        problems
            .into_iter()
            .find_map(|p| match p {
                PasswordProblem::TooGuessable { found } => Some(found),
                _ => None,
            })
            .unwrap_or_default()
    };
    let summary = move || {
        assessment.get().map(|_| {
            let met = Requirement::ALL
                .iter()
                .filter(|r| state(**r) == LineState::Met)
                .count();
            if met == Requirement::ALL.len() {
                t_string!(i18n, password.summary_all).to_string()
            } else {
                t_string!(
                    i18n,
                    password.summary,
                    met = met,
                    total = Requirement::ALL.len()
                )
                .to_string()
            }
        })
    };

    let input_type = move || if visible.get() { "text" } else { "password" };
    let line = move |requirement: Requirement, text: Signal<String>| {
        let s = move || state(requirement);
        view! {
            <li data-rule=requirement.as_str() data-state=move || s().as_str()>
                <span class="mark" aria-hidden="true">{move || s().mark()}</span>
                <span>{text}</span>
                <span class="visually-hidden">
                    {move || match s() {
                        LineState::Met => t_string!(i18n, password.met).to_string(),
                        LineState::Unmet => t_string!(i18n, password.unmet).to_string(),
                        LineState::Pending => String::new(),
                    }}
                </span>
            </li>
        }
    };

    view! {
        <div class="field">
            <label for=ids::NEW_PASSWORD>{t!(i18n, password.new)}</label>
            <input
                id=ids::NEW_PASSWORD
                name="new"
                type=input_type
                autocomplete="new-password"
                required
                maxlength="1024"
                aria-describedby=ids::PASSWORD_CHECKLIST
                node_ref=new_input
                on:input=move |ev| new.set(event_target_value(&ev))
            />
        </div>
        <div class="field">
            <label for=ids::CONFIRM_PASSWORD>{t!(i18n, password.confirm)}</label>
            <input
                id=ids::CONFIRM_PASSWORD
                name="confirm"
                type=input_type
                autocomplete="new-password"
                required
                maxlength="1024"
                node_ref=confirm_input
                on:input=move |ev| confirm.set(event_target_value(&ev))
            />
        </div>
        <Show when=move || hydrated.get()>
            <button
                id=ids::SHOW_PASSWORD
                type="button"
                class="link-button"
                aria-pressed=move || visible.get().to_string()
                on:click=move |_| visible.update(|v| *v = !*v)
            >
                {t!(i18n, password.show)}
            </button>
        </Show>
        <div class="checklist">
            <p class="hint">{t!(i18n, password.checklist_heading)}</p>
            <ul id=ids::PASSWORD_CHECKLIST>
                {line(
                    Requirement::Length,
                    Signal::derive(move || {
                        t_string!(i18n, password.req_length, min = min, max = MAX_LENGTH).to_string()
                    }),
                )}
                {line(
                    Requirement::NotUserId,
                    Signal::derive(move || t_string!(i18n, password.req_not_user_id).to_string()),
                )}
                {line(
                    Requirement::HardToGuess,
                    Signal::derive(move || t_string!(i18n, password.req_hard_to_guess).to_string()),
                )}
                {line(
                    Requirement::Confirmed,
                    Signal::derive(move || t_string!(i18n, password.req_confirmed).to_string()),
                )}
            </ul>
            <ul class="reasons">
                {move || {
                    found()
                        .into_iter()
                        .map(|source| view! { <li>{found_text(i18n, source)}</li> })
                        .collect_view()
                }}
            </ul>
            <p id=ids::PASSWORD_SUMMARY class="visually-hidden" aria-live="polite">
                {summary}
            </p>
        </div>
        <Show when=move || hydrated.get()>
            <StrengthMeter candidate=new.into()/>
        </Show>
    }
}

/// zxcvbn's estimate, asked of the server a moment after typing stops.
#[component]
fn StrengthMeter(candidate: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let settled = RwSignal::new(String::new());
    Effect::new(move |pending: Option<Option<TimeoutHandle>>| {
        let value = candidate.get();
        if let Some(Some(handle)) = pending {
            handle.clear();
        }
        set_timeout_with_handle(move || settled.set(value), STRENGTH_DEBOUNCE).ok()
    });
    let estimate = LocalResource::new(move || {
        let value = settled.get();
        async move {
            if value.is_empty() {
                None
            } else {
                password_strength(SecretString::new(value)).await.ok()
            }
        }
    });
    let strength = move || estimate.get().flatten();
    view! {
        <div id=ids::STRENGTH class="strength" data-score=move || strength().map(|s| s.score)>
            <label for="strength-meter">{t!(i18n, password.strength)}</label>
            <meter
                id="strength-meter"
                min="0"
                max=Strength::MAX_SCORE
                low="2"
                high="3"
                optimum="4"
                value=move || strength().map(|s| s.score).unwrap_or(0)
            ></meter>
            <p class="hint" aria-live="polite">
                {move || strength().map(|s| score_text(i18n, s.score))}
            </p>
            <ul class="reasons">
                {move || {
                    strength()
                        .map(|s| {
                            let warning = s.warning.map(|w| view! { <li>{warning_text(i18n, w)}</li> });
                            let tips = s
                                .tips
                                .into_iter()
                                .map(|t| view! { <li>{tip_text(i18n, t)}</li> })
                                .collect_view();
                            view! {
                                {warning}
                                {tips}
                            }
                        })
                }}
            </ul>
        </div>
    }
}

pub fn found_text(i18n: leptos_i18n::I18nContext<Locale>, source: TermSource) -> String {
    match source {
        TermSource::Common => t_string!(i18n, password.found_common),
        TermSource::Organisation => t_string!(i18n, password.found_organisation),
        TermSource::PersonalName => t_string!(i18n, password.found_personal_name),
        TermSource::OrganisationName => t_string!(i18n, password.found_organisation_name),
    }
    .to_string()
}

fn score_text(i18n: leptos_i18n::I18nContext<Locale>, score: u8) -> String {
    match score {
        0 => t_string!(i18n, password.score_0),
        1 => t_string!(i18n, password.score_1),
        2 => t_string!(i18n, password.score_2),
        3 => t_string!(i18n, password.score_3),
        _ => t_string!(i18n, password.score_4),
    }
    .to_string()
}

fn warning_text(i18n: leptos_i18n::I18nContext<Locale>, w: StrengthWarning) -> String {
    match w {
        StrengthWarning::KeyboardPattern => t_string!(i18n, password.warning_keyboard_pattern),
        StrengthWarning::Repeats => t_string!(i18n, password.warning_repeats),
        StrengthWarning::Sequence => t_string!(i18n, password.warning_sequence),
        StrengthWarning::RecentYear => t_string!(i18n, password.warning_recent_year),
        StrengthWarning::Date => t_string!(i18n, password.warning_date),
        StrengthWarning::CommonPassword => t_string!(i18n, password.warning_common_password),
        StrengthWarning::SimilarToCommon => t_string!(i18n, password.warning_similar_to_common),
        StrengthWarning::SingleWord => t_string!(i18n, password.warning_single_word),
        StrengthWarning::Names => t_string!(i18n, password.warning_names),
    }
    .to_string()
}

fn tip_text(i18n: leptos_i18n::I18nContext<Locale>, t: StrengthTip) -> String {
    match t {
        StrengthTip::AddWords => t_string!(i18n, password.tip_add_words),
        StrengthTip::NoNeedForSymbols => t_string!(i18n, password.tip_no_need_for_symbols),
        StrengthTip::CapitalsHelpLittle => t_string!(i18n, password.tip_capitals),
        StrengthTip::ReversedWordsHelpLittle => t_string!(i18n, password.tip_reversed),
        StrengthTip::SubstitutionsHelpLittle => t_string!(i18n, password.tip_substitutions),
        StrengthTip::LongerKeyboardPatterns => t_string!(i18n, password.tip_keyboard),
        StrengthTip::AvoidRepeats => t_string!(i18n, password.tip_repeats),
        StrengthTip::AvoidSequences => t_string!(i18n, password.tip_sequences),
        StrengthTip::AvoidYearsAndDates => t_string!(i18n, password.tip_years),
    }
    .to_string()
}
