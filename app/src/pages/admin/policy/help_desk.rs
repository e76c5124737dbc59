//! The organisation's help desk, on the recovery pages: where to turn when recovering
//! alone doesn't work. A link only when it is `https:` or `mailto:` (the policy editor
//! refuses any other), otherwise plain text.
use crate::api::admin::policy::recovery_help_desk;
use crate::i18n::*;
use crate::routes::ids;
use leptos::prelude::*;

fn is_link(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    !text.contains(char::is_whitespace)
        && (lower.starts_with("https://") || lower.starts_with("mailto:"))
}

#[component]
pub fn HelpDesk() -> impl IntoView {
    let i18n = use_i18n();
    let help = Resource::new(|| (), |_| recovery_help_desk());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                help.await.ok().flatten().map(|text| {
                    let body = if is_link(&text) {
                        let shown = text
                            .strip_prefix("mailto:")
                            .unwrap_or(&text)
                            .to_owned();
                        view! { <p><a href=text rel="noopener noreferrer">{shown}</a></p> }.into_any()
                    } else {
                        view! { <p class="pre-line">{text}</p> }.into_any()
                    };
                    view! {
                        <aside id=ids::HELP_DESK class="help-desk" aria-labelledby="help-desk-heading">
                            <h2 id="help-desk-heading">{t!(i18n, admin_policy.help_desk_heading)}</h2>
                            {body}
                        </aside>
                    }
                })
            })}
        </Suspense>
    }
}
