//! The page frame: organisation name, language switcher, main landmark, footer.
use crate::api::site::{site_info, SetLocale};
use crate::i18n::*;
use crate::routes::ids;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    // Blocking: the name is rendered in place, so it shows without JavaScript too.
    let site = Resource::new_blocking(|| (), |_| site_info());
    let location = use_location();
    let is_console = move || {
        location
            .pathname
            .with(|p| p.starts_with(crate::routes::ADMIN))
    };
    view! {
        <a class="skip-link" href="#main">{t!(i18n, app.skip)}</a>
        <header class="site-header">
            <span class="brand">{t!(i18n, app.name)}</span>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    site.await
                        .ok()
                        .and_then(|s| s.organisation)
                        .map(|name| view! { <span id=ids::ORG_NAME class="org-name">{name}</span> })
                })}
            </Suspense>
        </header>
        // The console's tables and charts need more room than a form.
        <main id=ids::MAIN class=move || if is_console() { "card wide" } else { "card" } tabindex="-1">
            {children()}
        </main>
        <footer class="site-footer">
            <LangSwitcher/>
            <p>{t!(i18n, app.footer)}</p>
        </footer>
    }
}

/// Three submit buttons in a plain form: works without JavaScript, and with it the
/// browser still does a full load so every text on the page follows.
#[component]
fn LangSwitcher() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let return_to = move || {
        let search = location.search.get();
        if search.is_empty() {
            location.pathname.get()
        } else {
            format!("{}?{}", location.pathname.get(), search)
        }
    };
    let action = <SetLocale as leptos::server_fn::ServerFn>::PATH;
    let options = [
        (Locale::en, "en", t_string!(i18n, lang.en)),
        (Locale::it, "it", t_string!(i18n, lang.it)),
        (Locale::zh_Hans, "zh-Hans", t_string!(i18n, lang.zh)),
    ];
    view! {
        <form
            id=ids::LANG_SWITCHER
            class="lang-switcher"
            method="post"
            action=action
            aria-label=move || t_string!(i18n, lang.label)
        >
            <input type="hidden" name="return_to" value=return_to/>
            {options
                .into_iter()
                .map(|(locale, tag, label)| {
                    let current = move || (i18n.get_locale() == locale).then_some("true");
                    view! {
                        <button type="submit" name="locale" value=tag lang=tag aria-pressed=move || current().unwrap_or("false")>
                            {label}
                        </button>
                    }
                })
                .collect_view()}
        </form>
    }
}
