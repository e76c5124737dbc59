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
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{lazy_route, Lazy, LazyRoute, SsrMode, StaticSegment};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="data:,"/>
                <link id="leptos" rel="stylesheet" href=stylesheet_href(&options)/>
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

/// The stylesheet's address: `/pkg/regain.css`, or with hashed file names (cargo-leptos
/// `hash-files`) `/pkg/regain.<hash>.css`, read once from the hash file beside the
/// executable, where Leptos finds the script and wasm names too. The `<head>` is rendered
/// by the server only, so the browser never needs the name.
fn stylesheet_href(options: &LeptosOptions) -> String {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
        let hashes = options
            .hash_files
            .then(|| {
                let exe = std::env::current_exe().ok()?;
                std::fs::read_to_string(exe.parent()?.join(&*options.hash_file)).ok()
            })
            .flatten();
        let name = hashed_name(&options.output_name, "css", hashes.as_deref());
        format!("/{}/{name}", options.site_pkg_dir)
    })
    .clone()
}

/// `name.ext`, or `name.<hash>.ext` when `hashes` (lines of `ext: hash`) has one for `ext`.
fn hashed_name(name: &str, ext: &str, hashes: Option<&str>) -> String {
    let hash = hashes.into_iter().flat_map(str::lines).find_map(|line| {
        let (kind, hash) = line.split_once(':')?;
        (kind.trim() == ext).then(|| hash.trim())
    });
    match hash {
        Some(hash) if !hash.is_empty() => format!("{name}.{hash}.{ext}"),
        _ => format!("{name}.{ext}"),
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
                        <Route path=StaticSegment(segment(routes::ACCOUNT)) view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                        <Route
                            path=StaticSegment(segment(routes::CHANGE_PASSWORD))
                            view={Lazy::<ChangePasswordRoute>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("password"))
                            view={Lazy::<AccountPasswordRoute>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route path=StaticSegment(segment(routes::ADMIN)) view={Lazy::<AdminInsightsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("admin"), StaticSegment("policy")) view={Lazy::<AdminPolicyRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("admin"), StaticSegment("terms")) view={Lazy::<AdminTermsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("admin"), StaticSegment("audit")) view={Lazy::<AdminAuditRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("admin"), StaticSegment("users")) view={Lazy::<AdminUsersRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("dev"), StaticSegment("mailbox")) view={Lazy::<MailboxRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=(StaticSegment("account"), StaticSegment("security")) view={Lazy::<SecurityRoute>::new()} ssr=SsrMode::Async/>
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("verify"))
                            view={Lazy::<SecurityVerifyRoute>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("authenticator"))
                            view={Lazy::<SecurityAuthenticatorRoute>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("recovery-codes"))
                            view={Lazy::<SecurityCodesRoute>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("questions"))
                            view={Lazy::<SecurityQuestionsRoute>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("required"))
                            view={Lazy::<SecurityRequiredRoute>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=(StaticSegment("account"), StaticSegment("security"), StaticSegment("confirm"))
                            view={Lazy::<SecurityConfirmRoute>::new()}
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

/// A page whose code the browser loads only when it is visited: with `cargo leptos
/// build --split` its view (and what only it calls) goes into chunks of its own, fetched
/// on the first visit, so the sign-in and recovery pages don't carry the console, the
/// account and the security-info screens. The server renders it as any other page and
/// names the chunks the page it sent needs. Sign-in and the recovery steps stay in the
/// main wasm: made lazy too, the code they share moved out of it into dozens of small
/// chunks, and `/recover` then loaded 71 files, 481 KB in all (brotli) instead of 380 KB.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    AccountRoute => AccountPage,
    ChangePasswordRoute => ChangePasswordPage,
    AccountPasswordRoute => AccountPasswordPage,
    AdminInsightsRoute => AdminInsightsPage,
    AdminPolicyRoute => AdminPolicyPage,
    AdminTermsRoute => AdminTermsPage,
    AdminAuditRoute => AdminAuditPage,
    AdminUsersRoute => AdminUsersPage,
    MailboxRoute => MailboxPage,
    SecurityRoute => SecurityPage,
    SecurityVerifyRoute => SecurityVerifyPage,
    SecurityAuthenticatorRoute => SecurityAuthenticatorPage,
    SecurityCodesRoute => SecurityCodesPage,
    SecurityQuestionsRoute => SecurityQuestionsPage,
    SecurityRequiredRoute => SecurityRequiredPage,
    SecurityConfirmRoute => SecurityConfirmPage,
}

#[cfg(test)]
mod tests {
    use super::hashed_name;

    #[test]
    fn hashed_names_come_from_the_hash_file() {
        let hashes = "js: AAA\nwasm: BBB\ncss: CcC-_1\nmanifest: DDD\n";
        assert_eq!(
            hashed_name("regain", "css", Some(hashes)),
            "regain.CcC-_1.css"
        );
        assert_eq!(
            hashed_name("regain", "wasm", Some(hashes)),
            "regain.BBB.wasm"
        );
        assert_eq!(hashed_name("regain", "css", None), "regain.css");
        assert_eq!(
            hashed_name("regain", "css", Some("js: AAA\n")),
            "regain.css"
        );
        assert_eq!(hashed_name("regain", "css", Some("css:\n")), "regain.css");
    }
}
