//! The console's policy page: one form with every knob of the organisation's policy, each
//! with its bounds beside it, and the rules no policy changes shown as fixed text.
pub mod help_desk;

use super::AdminFrame;
use crate::api::admin::policy::{admin_policy, bounds, SavePolicy};
use crate::components::FormError;
use crate::domain::policy::{MethodKind, OrgPolicy};
use crate::i18n::*;
use crate::pages::security::{error_of, kind_label, load_failed};
use crate::routes::ids;
use leptos::prelude::*;

pub use help_desk::HelpDesk;

type I18n = leptos_i18n::I18nContext<Locale>;

pub use crate::texts::policy::{field_hint, field_label};

fn field_id(name: &str) -> String {
    format!("policy-{}", name.replace('_', "-"))
}

/// A whole-number field with its bounds as the browser's limits and as text beside it.
fn number_field(i18n: I18n, name: &'static str, value: i64, (min, max): (i64, i64)) -> AnyView {
    let id = field_id(name);
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field">
            <label for=id.clone()>{field_label(i18n, name)}</label>
            <input id=id name=name type="number" inputmode="numeric" required min=min max=max
                value=value.to_string() aria-describedby=hint_id.clone()/>
            <p id=hint_id class="hint">{field_hint(i18n, name)}</p>
        </div>
    }
    .into_any()
}

fn check_field(i18n: I18n, name: &'static str, checked: bool, hint: Option<String>) -> AnyView {
    let id = field_id(name);
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    view! {
        <div class="field check">
            <input id=id.clone() name=name type="checkbox" value="on" checked=checked
                aria-describedby=hint_id.clone()/>
            <label for=id>{field_label(i18n, name)}</label>
            {hint.map(|h| view! { <p id=hint_id class="hint">{h}</p> })}
        </div>
    }
    .into_any()
}

fn methods_fieldset(i18n: I18n, enabled: &[MethodKind]) -> AnyView {
    // One box per kind, named as `save_policy` takes it (`method_<kind>`).
    let boxes = MethodKind::ALL
    .into_iter()
    .map(|kind| {
        let name = format!("method_{}", kind.as_str());
        let id = field_id(&name);
        let weaker = kind == MethodKind::SecurityQuestions;
        let hint_id = weaker.then(|| format!("{id}-hint"));
        view! {
            <div class="field check">
                <input id=id.clone() name=name type="checkbox" value="on"
                    checked=enabled.contains(&kind) aria-describedby=hint_id.clone()/>
                <label for=id>{kind_label(i18n, kind)}</label>
                {weaker.then(|| view! {
                    <p id=hint_id class="hint warn">{t!(i18n, admin_policy.questions_weaker)}</p>
                })}
            </div>
        }
    })
    .collect_view();
    view! {
        <fieldset class="stack" aria-describedby="policy-methods-hint">
            <legend>{field_label(i18n, "methods_enabled")}</legend>
            <p id="policy-methods-hint" class="hint">{field_hint(i18n, "methods_enabled")}</p>
            {boxes}
        </fieldset>
    }
    .into_any()
}

fn policy_form(i18n: I18n, p: OrgPolicy, save: ServerAction<SavePolicy>) -> AnyView {
    let regions = p.sms_regions.join(", ");
    let help = p.help_desk.clone().unwrap_or_default();
    let help_hint = field_hint(i18n, "help_desk");
    let regions_hint = field_hint(i18n, "sms_regions");
    view! {
        <ActionForm action=save attr:id=ids::POLICY_FORM attr:class="stack policy-form">
            {methods_fieldset(i18n, &p.methods_enabled)}
            <fieldset class="stack">
                <legend>{t!(i18n, admin_policy.recovery_legend)}</legend>
                {number_field(i18n, "methods_required", i64::from(p.methods_required), bounds::METHODS_REQUIRED)}
                {number_field(i18n, "questions_to_register", i64::from(p.questions_to_register), bounds::QUESTIONS)}
                {number_field(i18n, "questions_to_answer", i64::from(p.questions_to_answer), bounds::QUESTIONS)}
                {check_field(i18n, "require_registration", p.require_registration, Some(field_hint(i18n, "require_registration")))}
                {number_field(i18n, "reconfirm_days", i64::from(p.reconfirm_days), bounds::RECONFIRM_DAYS)}
            </fieldset>
            <fieldset class="stack">
                <legend>{t!(i18n, admin_policy.notifications_legend)}</legend>
                {check_field(i18n, "notify_user_on_reset", p.notify_user_on_reset, None)}
                {check_field(i18n, "notify_admins_on_admin_reset", p.notify_admins_on_admin_reset, None)}
            </fieldset>
            <fieldset class="stack">
                <legend>{t!(i18n, admin_policy.passwords_legend)}</legend>
                {number_field(i18n, "password_min_length", i64::from(p.password_min_length), {
                    let (lo, hi) = crate::domain::password::MIN_LENGTH_BOUNDS;
                    (i64::from(lo), i64::from(hi))
                })}
                {number_field(i18n, "password_history", i64::from(p.password_history), bounds::PASSWORD_HISTORY)}
                {number_field(i18n, "lockout_threshold", i64::from(p.lockout_threshold), bounds::LOCKOUT_THRESHOLD)}
                {number_field(i18n, "lockout_seconds", p.lockout_seconds, bounds::LOCKOUT_SECONDS)}
            </fieldset>
            <fieldset class="stack">
                <legend>{t!(i18n, admin_policy.contact_legend)}</legend>
                <div class="field">
                    <label for="policy-sms-regions">{field_label(i18n, "sms_regions")}</label>
                    <input id="policy-sms-regions" name="sms_regions" type="text" value=regions
                        maxlength="300" autocomplete="off" aria-describedby="policy-sms-regions-hint"/>
                    <p id="policy-sms-regions-hint" class="hint">{regions_hint}</p>
                </div>
                <div class="field">
                    <label for="policy-help-desk">{field_label(i18n, "help_desk")}</label>
                    <textarea id="policy-help-desk" name="help_desk" rows="3"
                        maxlength=bounds::HELP_DESK_CHARS.to_string()
                        aria-describedby="policy-help-desk-hint">{help}</textarea>
                    <p id="policy-help-desk-hint" class="hint">{help_hint}</p>
                </div>
            </fieldset>
            <button id=ids::POLICY_SAVE type="submit" class="primary">{t!(i18n, admin_policy.save)}</button>
        </ActionForm>
    }
    .into_any()
}

#[component]
pub fn AdminPolicyPage() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SavePolicy>::new();
    let error = error_of(save);
    // Fetched again after a save that worked, never after one refused: the form keeps
    // what was typed so it can be corrected.
    let saved = Memo::new(move |prev: Option<&usize>| {
        let version = save.version().get();
        if matches!(save.value().get(), Some(Ok(()))) {
            version
        } else {
            prev.copied().unwrap_or(version)
        }
    });
    let search = leptos_router::hooks::use_location().search;
    let policy = Resource::new(move || (search.get(), saved.get()), |_| admin_policy());
    let query = leptos_router::hooks::use_query_map();
    let done = move || query.with(|q| q.get("done")).is_some_and(|d| d == "saved");
    view! {
        <AdminFrame title=t_string!(i18n, admin_policy.title).to_string()>
            <p>{t!(i18n, admin_policy.intro)}</p>
            <section id=ids::POLICY_FIXED class="fixed-rules" aria-labelledby="policy-fixed-heading">
                <h2 id="policy-fixed-heading">{t!(i18n, admin_policy.fixed_heading)}</h2>
                <ul>
                    <li>{t!(i18n, admin_policy.fixed_admin_two)}</li>
                    <li>{t!(i18n, admin_policy.fixed_admin_no_questions)}</li>
                    <li>{t!(i18n, admin_policy.fixed_no_reset)}</li>
                </ul>
            </section>
            {move || done().then(|| view! {
                <p id=ids::POLICY_NOTICE class="notice" role="status">{t!(i18n, admin_policy.saved)}</p>
            })}
            <FormError error/>
            <Suspense fallback=move || view! { <p>{t!(i18n, account.loading)}</p> }>
                {move || Suspend::new(async move {
                    match policy.await {
                        Ok(p) => policy_form(i18n, p, save),
                        Err(e) => load_failed(e),
                    }
                })}
            </Suspense>
        </AdminFrame>
    }
}
