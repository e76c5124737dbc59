//! Development mode without SMTP or an SMS gateway: the message is "delivered" to the
//! development mailbox page, which lists the outbox, and recorded as sent so the page
//! shows its status like a real delivery would.
use super::{Outgoing, SendFuture, Transport};

/// The provider id recorded for messages "sent" this way.
pub const PROVIDER_ID: &str = "dev-mailbox";

#[derive(Debug, Default, Clone, Copy)]
pub struct DevMailbox;

impl Transport for DevMailbox {
    fn send<'a>(&'a self, message: &'a Outgoing, _now: i64) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::debug!(
                id = message.id,
                "outbox message kept for the development mailbox"
            );
            Ok(Some(PROVIDER_ID.to_owned()))
        })
    }
}
