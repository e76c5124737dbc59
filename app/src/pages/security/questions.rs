//! Security questions, where the organisation enables them: choose N, answer each. The
//! answers are never shown again; changing them means answering anew.
use super::{error_of, load_failed};
use crate::api::security::{questions_form, QuestionChoice, SaveAnswers};
use crate::components::FormError;
use crate::i18n::*;
use crate::routes::{self, ids};
use leptos::prelude::*;
use leptos_meta::Title;

/// The text of a question in the reader's language.
pub fn question_text(i18n: leptos_i18n::I18nContext<Locale>, choice: &QuestionChoice) -> String {
    if let Some(text) = &choice.custom_text {
        return text.clone();
    }
    let text = match choice.key.as_str() {
        "q01" => t_string!(i18n, questions.q01),
        "q02" => t_string!(i18n, questions.q02),
        "q03" => t_string!(i18n, questions.q03),
        "q04" => t_string!(i18n, questions.q04),
        "q05" => t_string!(i18n, questions.q05),
        "q06" => t_string!(i18n, questions.q06),
        "q07" => t_string!(i18n, questions.q07),
        "q08" => t_string!(i18n, questions.q08),
        "q09" => t_string!(i18n, questions.q09),
        "q10" => t_string!(i18n, questions.q10),
        "q11" => t_string!(i18n, questions.q11),
        "q12" => t_string!(i18n, questions.q12),
        "q13" => t_string!(i18n, questions.q13),
        "q14" => t_string!(i18n, questions.q14),
        "q15" => t_string!(i18n, questions.q15),
        "q16" => t_string!(i18n, questions.q16),
        "q17" => t_string!(i18n, questions.q17),
        "q18" => t_string!(i18n, questions.q18),
        "q19" => t_string!(i18n, questions.q19),
        "q20" => t_string!(i18n, questions.q20),
        _ => return choice.key.clone(),
    };
    text.to_string()
}

#[component]
pub fn SecurityQuestionsPage() -> impl IntoView {
    let i18n = use_i18n();
    let form = Resource::new(|| (), |_| questions_form());
    let save = ServerAction::<SaveAnswers>::new();
    let error = error_of(save);
    view! {
        <Title text=t_string!(i18n, security.questions_title).to_string()/>
        <h1>{t!(i18n, security.questions_title)}</h1>
        <p class="hint">{t!(i18n, security.questions_weaker)}</p>
        <FormError error/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match form.await {
                    Ok(f) => {
                        let n = usize::from(f.to_register);
                        let pairs = (1..=n).map(|i| {
                            // Preselect different questions, so the form is valid as it comes.
                            let preselect = f.registered.get(i - 1).cloned()
                                .or_else(|| f.choices.get(i - 1).map(|c| c.key.clone()))
                                .unwrap_or_default();
                            let options = f.choices.iter().map(|c| {
                                let selected = c.key == preselect;
                                view! { <option value=c.key.clone() selected=selected>{question_text(i18n, c)}</option> }
                            }).collect_view();
                            let qid = format!("question-{i}");
                            let aid = format!("answer-{i}");
                            view! {
                                <fieldset class="stack">
                                    <legend>{t!(i18n, security.question_n, n = i)}</legend>
                                    <div class="field">
                                        <label for=qid.clone()>{t!(i18n, security.question_label)}</label>
                                        <select id=qid name=format!("question_{i}")>{options}</select>
                                    </div>
                                    <div class="field">
                                        <label for=aid.clone()>{t!(i18n, security.answer_label)}</label>
                                        <input id=aid name=format!("answer_{i}") type="text" autocomplete="off" required maxlength="256" minlength="3"/>
                                    </div>
                                </fieldset>
                            }
                        }).collect_view();
                        view! {
                            <p>{t!(i18n, security.questions_intro, n = n)}</p>
                            <ActionForm action=save attr:id=ids::QUESTIONS_FORM attr:class="stack">
                                {pairs}
                                <button type="submit" class="primary">{t!(i18n, security.questions_save)}</button>
                            </ActionForm>
                        }
                        .into_any()
                    }
                    Err(e) => load_failed(e),
                }
            })}
        </Suspense>
        <p class="aside">
            <a href=routes::SECURITY_INFO>{t!(i18n, security.back_to_info)}</a>
        </p>
    }
}
