//! The HTML document and the router.
use crate::components::Layout;
use crate::i18n::*;
use crate::pages::{
    account::AccountPage,
    admin::{
        audit::AdminAuditPage, insights::AdminInsightsPage, policy::AdminPolicyPage,
        terms::AdminTermsPage, users::AdminUsersPage,
    },
    change_password::{AccountPasswordPage, ChangePasswordPage},
    login::LoginPage,
    mailbox::MailboxPage,
    not_found::NotFoundPage,
    recover::{
        done::{RecoverDonePage, RecoverFreezePage, RecoverFrozenPage},
        password::RecoverPasswordPage,
        verify::RecoverVerifyPage,
        why::RecoverWhyPage,
        RecoverPage,
    },
    security::{
        authenticator::SecurityAuthenticatorPage, codes::SecurityCodesPage,
        questions::SecurityQuestionsPage, verify::SecurityVerifyPage, SecurityConfirmPage,
        SecurityPage, SecurityRequiredPage,
    },
};
use crate::routes::{self, segment};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The Content-Security-Policy of a page: scripts only from here or with this nonce; in
/// development also the live-reload socket.
#[cfg(feature = "ssr")]
pub fn page_csp(nonce: &str, reload_port: Option<u32>) -> String {
    let reload = reload_port
        .map(|port| format!(" ws://127.0.0.1:{port} ws://localhost:{port}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: this marks the page as hydrated, which the
    // end-to-end tests wait for (and which a broken release build would never reach).
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/regain.css"/>
        // The provider's own <html lang> is a closure read when leptos_meta renders the head,
        // outside the request's reactive owner; we set it ourselves, as a plain string.
        <I18nContextProvider set_lang_attr_on_html=false set_dir_attr_on_html=false>
            <HtmlLang/>
            <AppTitle/>
            <Router>
                <Layout>
                    // Every page renders whole before its headers go out (`Async`): with
                    // streaming, the headers could leave before the shell had set the
                    // page's CSP with its nonce, and the strict default CSP then blocked the
                    // hydration scripts (seen under load in the release end-to-end run).
                    <Routes fallback=NotFoundPage>
                        <Route path=StaticSegment("") view=|| view! { <Redirect path=routes::LOGIN/> } ssr=SsrMode::Async/>
                        <Route path=StaticSegment(segment(routes::LOGIN)) view=LoginPage ssr=SsrMode::Async/>
                        <Route path=StaticSegment(segment(routes::RECOVER)) view=RecoverPage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("recover"), StaticSegment("why")) view=RecoverWhyPage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("recover"), StaticSegment("verify")) view=RecoverVerifyPage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("recover"), StaticSegment("password")) view=RecoverPasswordPage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("recover"), StaticSegment("done")) view=RecoverDonePage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("recover"), StaticSegment("freeze")) view=RecoverFreezePage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("recover"), StaticSegment("frozen")) view=RecoverFrozenPage ssr=SsrMode::Async/>
                        <Route path=StaticSegment(segment(routes::ACCOUNT)) view=AccountPage ssr=SsrMode::Async/>
                        <Route
                            path=StaticSegment(segment(routes::CHANGE_PASSWORD))
                            view=ChangePasswordPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("password"))
                            view=AccountPasswordPage
                            ssr=SsrMode::Async
                        />
                        <Route path=StaticSegment(segment(routes::ADMIN)) view=AdminInsightsPage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("admin"), StaticSegment("policy")) view=AdminPolicyPage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("admin"), StaticSegment("terms")) view=AdminTermsPage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("admin"), StaticSegment("audit")) view=AdminAuditPage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("admin"), StaticSegment("users")) view=AdminUsersPage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("dev"), StaticSegment("mailbox")) view=MailboxPage ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("account"), StaticSegment("security")) view=SecurityPage ssr=SsrMode::Async/>
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("verify"))
                            view=SecurityVerifyPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("authenticator"))
                            view=SecurityAuthenticatorPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("recovery-codes"))
                            view=SecurityCodesPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("questions"))
                            view=SecurityQuestionsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("required"))
                            view=SecurityRequiredPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("confirm"))
                            view=SecurityConfirmPage
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </Layout>
            </Router>
        </I18nContextProvider>
    }
}

/// `<html lang dir>` for the page's language, as plain strings (see [`AppTitle`]).
#[component]
fn HtmlLang() -> impl IntoView {
    use leptos_meta::Html;
    let locale = use_i18n().get_locale_untracked();
    let dir = locale.direction().as_str();
    view! { <Html attr:lang=locale.as_str() attr:dir=dir/> }
}

#[component]
fn AppTitle() -> impl IntoView {
    let i18n = use_i18n();
    // leptos_meta renders the <head> after the body, outside the request's reactive owner
    // (and its arena): a title that read a signal then panicked under concurrent requests
    // ("already disposed" / "no Arena is active"). Titles are therefore plain strings, taken
    // when the page renders; a language switch reloads the page, so nothing is lost.
    let name = t_string!(i18n, app.name).to_string();
    view! { <Title formatter=move |page: String| format!("{page} · {name}")/> }
}
