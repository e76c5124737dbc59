//! The development mailbox: the messages the portal would have sent.
use crate::api::dev::{dev_mailbox, MailStatus};
use crate::error::AppError;
use crate::i18n::*;
use crate::pages::not_found::NotFoundPage;
use crate::routes::ids;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MailboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let messages = Resource::new(|| (), |_| dev_mailbox());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match messages.await {
                    Err(AppError::NotFound) => view! { <NotFoundPage/> }.into_any(),
                    Err(e) => view! { <crate::components::FormError error=Signal::stored(Some(e))/> }.into_any(),
                    Ok(list) => view! {
                        <Title text=t_string!(i18n, mailbox.title).to_string()/>
                        <h1>{t!(i18n, mailbox.title)}</h1>
                        <p>{t!(i18n, mailbox.intro)}</p>
                        <Show when={let empty = list.is_empty(); move || empty}>
                            <p>{t!(i18n, mailbox.empty)}</p>
                        </Show>
                        <ol id=ids::MAILBOX_LIST class="mailbox">
                            {list.into_iter().map(|m| view! {
                                <li>
                                    <article>
                                        // A text message has no subject: say what it is.
                                        <h2>
                                            {if m.subject.is_empty() {
                                                t_string!(i18n, mailbox.text_message).to_string()
                                            } else {
                                                m.subject.clone()
                                            }}
                                        </h2>
                                        <dl class="facts">
                                            <dt>{t!(i18n, mailbox.to)}</dt><dd>{m.recipient}</dd>
                                            <dt>{t!(i18n, mailbox.channel)}</dt><dd>{m.channel}</dd>
                                            <dt>{t!(i18n, mailbox.queued)}</dt><dd>{m.queued}</dd>
                                            <dt>{t!(i18n, mailbox.status)}</dt>
                                            <dd data-status=m.status.as_str()>{move || match m.status {
                                                MailStatus::Queued => t_string!(i18n, mailbox.status_queued).to_string(),
                                                MailStatus::Sent => t_string!(i18n, mailbox.status_sent).to_string(),
                                                MailStatus::Failed => t_string!(i18n, mailbox.status_failed).to_string(),
                                            }}</dd>
                                        </dl>
                                        <pre>{m.body}</pre>
                                    </article>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
