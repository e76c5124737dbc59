//! The development mailbox: what the portal would have sent. Absent outside `--dev`.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailView {
    pub id: i64,
    pub queued: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: MailStatus,
}

/// Where a message stands in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum MailStatus {
    Queued,
    Sent,
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }
}

#[server(prefix = "/api", endpoint = "dev/mailbox")]
pub async fn dev_mailbox() -> Result<Vec<MailView>, AppError> {
    crate::api::answer::with_status(
        async move {
            let state = crate::server::app_state()?;
            if !state.settings.dev {
                return Err(AppError::NotFound);
            }
            let messages = state.store.recent_messages(100).await?;
            Ok(messages
                .into_iter()
                .map(|m| MailView {
                    id: m.id,
                    queued: crate::server::outbox::format_utc(m.created_at),
                    channel: m.channel,
                    recipient: m.recipient,
                    subject: m.subject,
                    body: m.body,
                    status: match (m.sent_at, m.failed_at) {
                        (Some(_), _) => MailStatus::Sent,
                        (None, Some(_)) => MailStatus::Failed,
                        (None, None) => MailStatus::Queued,
                    },
                })
                .collect())
        }
        .await,
    )
}
