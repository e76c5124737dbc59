//! The console's banned-terms page: the list with what each term refused lately, a form
//! to add one, a remove button per row, and an import of a whole list (pasted, or read
//! from a file by the browser when scripts run).
use super::AdminFrame;
use crate::api::admin::terms::{
    banned_terms, AddTerm, ImportTerms, RemoveTerm, TermView, TermsView,
};
use crate::components::FormError;
use crate::domain::password::CUSTOM_TERM_CHARS;
use crate::i18n::*;
use crate::pages::security::{error_of, first_error, load_failed};
use crate::routes::ids;
use leptos::prelude::*;

type I18n = leptos_i18n::I18nContext<Locale>;

#[derive(Clone, Copy)]
struct Actions {
    add: ServerAction<AddTerm>,
    remove: ServerAction<RemoveTerm>,
    import: ServerAction<ImportTerms>,
}

fn term_row(i18n: I18n, t: TermView, remove: ServerAction<RemoveTerm>) -> impl IntoView {
    let last = t
        .last_rejected
        .map(crate::domain::recovery::date_time_utc)
        .unwrap_or_else(|| t_string!(i18n, admin_terms.never).to_string());
    let label = t_string!(i18n, admin_terms.remove_named, term = t.term.as_str()).to_string();
    let key = t.key.clone();
    view! {
        <tr data-term=key>
            <th scope="row" class="term">{t.term.clone()}</th>
            <td class="count">{t.rejections}</td>
            <td>{last}</td>
            <td>
                <ActionForm action=remove attr:class="inline">
                    <input type="hidden" name="key" value=t.key/>
                    <button type="submit" class="link-button" aria-label=label>
                        {t!(i18n, admin_terms.remove)}
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}

fn terms_list(i18n: I18n, v: TermsView, a: Actions) -> AnyView {
    let n = v.terms.len();
    let days = v.recent_days;
    let table = (n > 0).then(|| {
        let rows = v
            .terms
            .into_iter()
            .map(|t| term_row(i18n, t, a.remove))
            .collect_view();
        view! {
            <table id=ids::TERMS_LIST class="terms">
                <caption>{t!(i18n, admin_terms.caption, days = days)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, admin_terms.col_term)}</th>
                        <th scope="col">{t!(i18n, admin_terms.col_rejections, days = days)}</th>
                        <th scope="col">{t!(i18n, admin_terms.col_last)}</th>
                        <th scope="col"><span class="visually-hidden">{t!(i18n, admin_terms.col_actions)}</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    view! {
        <p id=ids::TERMS_COUNT>{t!(i18n, admin_terms.count, n = n, max = v.max)}</p>
        {table}
        {(n == 0).then(|| view! { <p>{t!(i18n, admin_terms.empty)}</p> })}
    }
    .into_any()
}

fn add_form(i18n: I18n, add: ServerAction<AddTerm>) -> impl IntoView {
    let (min, max) = CUSTOM_TERM_CHARS;
    view! {
        <h2>{t!(i18n, admin_terms.add_heading)}</h2>
        <ActionForm action=add attr:id=ids::TERMS_ADD_FORM attr:class="stack">
            <div class="field">
                <label for=ids::TERMS_ADD>{t!(i18n, admin_terms.add_label)}</label>
                <input id=ids::TERMS_ADD name="term" type="text" required autocomplete="off"
                    minlength=min.to_string() maxlength=max.to_string() aria-describedby="terms-add-hint"/>
                <p id="terms-add-hint" class="hint">{t!(i18n, admin_terms.add_hint, min = min, max = max)}</p>
            </div>
            <button id=ids::TERMS_ADD_SUBMIT type="submit">{t!(i18n, admin_terms.add_submit)}</button>
        </ActionForm>
    }
}

/// Reads the chosen file into the text area (scripts only: without them the list is
/// pasted, which posts the same form).
#[cfg(feature = "hydrate")]
fn read_file(ev: leptos::ev::Event, content: RwSignal<String>) {
    use leptos::wasm_bindgen::{JsCast, JsValue};
    let Some(target) = ev.target() else { return };
    let target: JsValue = target.into();
    let file = js_sys::Reflect::get(&target, &JsValue::from_str("files"))
        .and_then(|files| js_sys::Reflect::get(&files, &JsValue::from(0)));
    let Ok(file) = file else { return };
    if file.is_undefined() || file.is_null() {
        return;
    }
    let Ok(text) = js_sys::Reflect::get(&file, &JsValue::from_str("text")) else {
        return;
    };
    let Ok(text) = text.dyn_into::<js_sys::Function>() else {
        return;
    };
    let Ok(promise) = text
        .call0(&file)
        .and_then(|p| p.dyn_into::<js_sys::Promise>())
    else {
        return;
    };
    leptos::task::spawn_local(async move {
        if let Ok(value) = wasm_bindgen_futures::JsFuture::from(promise).await {
            content.set(value.as_string().unwrap_or_default());
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn read_file(_ev: leptos::ev::Event, _content: RwSignal<String>) {}

fn import_form(i18n: I18n, import: ServerAction<ImportTerms>) -> impl IntoView {
    let content = RwSignal::new(String::new());
    // The file picker only does something with scripts, so it appears only with them.
    let scripted = RwSignal::new(false);
    Effect::new(move |_| scripted.set(true));
    view! {
        <h2>{t!(i18n, admin_terms.import_heading)}</h2>
        <p id="terms-import-hint" class="hint">{t!(i18n, admin_terms.import_hint)}</p>
        <ActionForm action=import attr:id=ids::TERMS_IMPORT_FORM attr:class="stack">
            <Show when=move || scripted.get()>
                <div class="field">
                    <label for=ids::TERMS_IMPORT_FILE>{t!(i18n, admin_terms.import_file)}</label>
                    <input id=ids::TERMS_IMPORT_FILE type="file" accept=".txt,text/plain"
                        on:change=move |ev| read_file(ev, content)/>
                </div>
            </Show>
            <div class="field">
                <label for=ids::TERMS_IMPORT_TEXT>{t!(i18n, admin_terms.import_label)}</label>
                <textarea id=ids::TERMS_IMPORT_TEXT name="content" rows="8" required
                    aria-describedby="terms-import-hint"
                    prop:value=move || content.get()
                    on:input=move |ev| content.set(event_target_value(&ev))></textarea>
            </div>
            <button id=ids::TERMS_IMPORT_SUBMIT type="submit">{t!(i18n, admin_terms.import_submit)}</button>
        </ActionForm>
    }
}

#[component]
pub fn AdminTermsPage() -> impl IntoView {
    let i18n = use_i18n();
    let a = Actions {
        add: ServerAction::<AddTerm>::new(),
        remove: ServerAction::<RemoveTerm>::new(),
        import: ServerAction::<ImportTerms>::new(),
    };
    let error = first_error(vec![
        error_of(a.add),
        error_of(a.remove),
        error_of(a.import),
    ]);
    let search = leptos_router::hooks::use_location().search;
    let list = Resource::new(
        move || {
            (
                search.get(),
                a.add.version().get(),
                a.remove.version().get(),
                a.import.version().get(),
            )
        },
        |_| banned_terms(),
    );
    let query = leptos_router::hooks::use_query_map();
    let done = move || {
        query.with(|q| q.get("done")).and_then(|d| {
            let text = match d.as_str() {
                "added" => t_string!(i18n, admin_terms.done_added),
                "removed" => t_string!(i18n, admin_terms.done_removed),
                "imported" => t_string!(i18n, admin_terms.done_imported),
                _ => return None,
            };
            Some(view! { <p id=ids::TERMS_NOTICE class="notice" role="status">{text}</p> })
        })
    };
    view! {
        <AdminFrame title=t_string!(i18n, admin_terms.title).to_string()>
            <p>{t!(i18n, admin_terms.intro)}</p>
            {done}
            <FormError error/>
            <Suspense fallback=move || view! { <p>{t!(i18n, account.loading)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(v) => terms_list(i18n, v, a),
                        Err(e) => load_failed(e),
                    }
                })}
            </Suspense>
            {add_form(i18n, a.add)}
            {import_form(i18n, a.import)}
        </AdminFrame>
    }
}
